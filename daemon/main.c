// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsd's entry point: the reference agent's options (-c, -s, -v, -h) so
 * it starts wherever tlshd started, --check-config, and the hidden
 * --worker mode the monitor execs for its unprivileged half.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ktls/ktls.h>

#include "config.h"
#include "log.h"
#include "monitor.h"
#include "worker.h"

void kcfg_log_warnings(const struct kcfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_warnings; i++)
		log_warnx("%s", cfg->warnings[i]);
	if (cfg->n_warnings_dropped)
		log_warnx("%zu more configuration warnings not shown", (size_t)cfg->n_warnings_dropped);
}

/* Whether server handshakes authenticate clients: said once, by the monitor. */
static void log_client_auth(const struct kcfg *cfg)
{
	bool warning;
	const char *line = kcfg_client_auth_notice(cfg, &warning);

	if (line && warning)
		log_warnx("%s", line);
	else if (line)
		log_info("%s", line);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ktlsd [-hsv] [-c file] [--check-config]\n");
}

/* Load everything the configuration names, as the daemon would. */
static int check_config(const struct kcfg *cfg)
{
	const struct kcfg_role *rc[2] = { &cfg->client, &cfg->server };
	struct ktls_credential *cred;
	struct wconf *wc;
	char err[256];
	int r, ret;

	if (wconf_build(cfg, &wc, err, sizeof(err))) {
		fprintf(stderr, "ktlsd: %s\n", err);
		return 1;
	}
	wconf_free(wc);
	for (r = 0; r < 2; r++) {
		if (!rc[r]->certificate[0] || !rc[r]->private_key[0])
			continue;
		ret = ktls_credential_load_pem(rc[r]->certificate, rc[r]->private_key, &cred);
		if (ret) {
			fprintf(stderr, "ktlsd: %s key %s: %s\n", r ? "server" : "client",
				rc[r]->private_key, ktls_strerror(ret));
			return 1;
		}
		ktls_credential_free(cred);
	}
	log_client_auth(cfg);
	printf("ktlsd: configuration OK (%s)\n", cfg->source[0] ? cfg->source : "built-in defaults");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "stderr", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "worker", required_argument, NULL, 'W' },
		{ "user", required_argument, NULL, 'U' },
		{ "kernel-ciphers", required_argument, NULL, 'K' },
		{ "worker-slots", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct monitor_opts opts = { 0 };
	static struct kcfg cfg;
	char err[KCFG_ERR_MAX], exe[PATH_MAX];
	const char *config_path = NULL, *user = NULL;
	bool check = false, have_mask = false;
	unsigned long mask = 0, slots = 0;
	int worker_fd = -1, to_stderr = 0, ch;
	ssize_t n;

	while ((ch = getopt_long(argc, argv, "c:hsv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			to_stderr = 1;
			break;
		case 'v':
			printf("ktlsd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'C':
			check = true;
			break;
		case 'W':
			worker_fd = atoi(optarg);
			break;
		case 'U':
			user = optarg;
			break;
		case 'S':
			slots = strtoul(optarg, NULL, 0);
			break;
		case 'K':
			mask = strtoul(optarg, NULL, 0);
			have_mask = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("ktlsd", to_stderr || check, check);
	if (kcfg_load(config_path, &cfg, err)) {
		if (worker_fd >= 0)
			fatalx("worker: %s", err);
		fprintf(stderr, "ktlsd: %s\n", err);
		return 1;
	}
	if (check)
		return check_config(&cfg);
	/* tlshd's loglevel: 0 is normal, anything above is debug. */
	log_set_level(cfg.loglevel > 0 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	kcfg_log_warnings(&cfg);
	if (cfg.legacy_path)
		log_warnx("%s is deprecated: move it to %s", cfg.source, KCFG_DEFAULT_PATH);

	if (worker_fd >= 0) {
		if (have_mask && kcfg_apply_cipher_mask(&cfg, (unsigned int)mask))
			fatalx("worker: no cipher suite this kernel can install");
		if (slots > KCFG_MAX_INFLIGHT + WORKER_SLOTS_SPARE)
			fatalx("worker: bad --worker-slots %lu", slots);
		cfg.worker_slots = (unsigned int)slots;
		return worker_main(worker_fd, &cfg, user ? user : cfg.user);
	}

	log_client_auth(&cfg);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		fatal("cannot find my own executable");
	exe[n] = 0;
	opts.config_path = config_path;
	opts.self_exe = exe;
	opts.worker_user = user;
	opts.log_stderr = to_stderr;
	return monitor_main(&opts, &cfg);
}
