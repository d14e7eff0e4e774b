// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsctl(8): the admin CLI. Most commands are one exchange with the
 * running ktlsd over its control socket (ktlsctl-client.c), whose reply
 * is printed as it came; check-config and probe work without a daemon
 * (the first runs `ktlsd --check-config`, the second asks this kernel).
 * Exit status: 0 success, 1 error, 2 misuse (style(9), STYLE §9).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ktls/constants.h>

#include "config.h"
#include "control.h"
#include "handshake-uapi.h"
#include "ktls.h"
#include "ktlsctl-client.h"
#include "netlink.h"

#ifndef KTLSD_PATH
#define KTLSD_PATH "/usr/sbin/ktlsd"
#endif

#define EX_OK_ 0
#define EX_ERR 1
#define EX_USAGE_ 2

static const char *socket_path = KCFG_CONTROL_SOCKET;

static void usage(FILE *f)
{
	fprintf(f, "usage: ktlsctl [-h] [-s socket] command [argument ...]\n"
		   "       ktlsctl status [--json]\n"
		   "       ktlsctl stats [--json | --prometheus] [--clear]\n"
		   "       ktlsctl handshakes [--json]\n"
		   "       ktlsctl reload [--json]\n"
		   "       ktlsctl log-level [--json] error | warning | info | debug\n"
		   "       ktlsctl check-config [file]\n"
		   "       ktlsctl probe [--json]\n");
}

/* One exchange; print the reply. */
static int run(const char *format, const char *command)
{
	struct ktlsctl_reply r;
	const char *e;
	char err[512];

	if (ktlsctl_request(socket_path, format, command, &r, err, sizeof(err))) {
		fprintf(stderr, "ktlsctl: %s\n", err);
		return EX_ERR;
	}
	e = ktlsctl_reply_error(&r);
	if (e)
		fprintf(stderr, "ktlsctl: %s", e);
	else
		fwrite(r.data, 1, r.len, stdout);
	free(r.data);
	return e ? EX_ERR : EX_OK_;
}

enum { OPT_JSON = 'j', OPT_PROM = 'p', OPT_CLEAR = 'c' };

/*
 * The options after the command word: --json everywhere it means
 * something, --prometheus and --clear for stats. Return: -1 on misuse.
 */
static int sub_options(int argc, char **argv, bool stats, const char **format, bool *clear)
{
	static const struct option all[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "prometheus", no_argument, NULL, OPT_PROM },
		{ "clear", no_argument, NULL, OPT_CLEAR },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option json_only[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*format = "text";
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "+", stats ? all : json_only, NULL)) != -1) {
		switch (ch) {
		case OPT_JSON:
		case OPT_PROM:
			if (strcmp(*format, "text")) {
				fprintf(stderr, "ktlsctl: --json and --prometheus exclude each other\n");
				return -1;
			}
			*format = ch == OPT_JSON ? "json" : "prometheus";
			break;
		case OPT_CLEAR:
			*clear = true;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

/* ---------- without a daemon ---------- */

static int check_config(int argc, char **argv)
{
	const char *exe = getenv("KTLSD");
	char *args[5];
	int n = 0;

	if (argc > 2)
		return -1;
	if (!exe || !exe[0])
		exe = KTLSD_PATH;
	args[n++] = (char *)exe;
	args[n++] = (char *)"--check-config";
	if (argc == 2) {
		args[n++] = (char *)"-c";
		args[n++] = argv[1];
	}
	args[n] = NULL;
	fflush(stdout);
	execv(exe, args);
	fprintf(stderr, "ktlsctl: %s: %s\n", exe, strerror(errno));
	return EX_ERR;
}

/* A keyring @name is visible in /proc/keys. */
static bool keyring_visible(const char *name)
{
	char line[512], *p;
	bool found = false;
	FILE *f = fopen("/proc/keys", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* "serial flags usage timeout perm uid gid type description: summary" */
		p = strstr(line, " keyring ");
		if (!p)
			continue;
		p += strlen(" keyring ");
		while (*p == ' ')
			p++;
		found = !strncmp(p, name, strlen(name)) && p[strlen(name)] == ':';
	}
	fclose(f);
	return found;
}

static int probe(bool json)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0x1304 };
	static const char *const rings[] = { ".nfs", ".nfsd", ".nvme" };
	static const char *const attr_names[] = { "", "status", "sockfd", "remote_auth", "tag" };
	struct ktls_nl_caps caps;
	struct ktls_nl *nl = NULL;
	unsigned int mask = 0, i, n;
	int fam, pr = -1, cr;

	ktls_nl_caps_default(&caps);
	fam = ktls_nl_open(&nl, 0);
	if (!fam)
		pr = ktls_nl_probe(nl, &caps);
	ktls_nl_close(nl);
	cr = ktls_glue_probe_ciphers(&mask);
	if (cr)
		mask = 0;
	if (json) {
		printf("{\"handshake_family\":%s,\"done_attrs_probed\":%s,\"done_attrs\":[",
		       fam ? "false" : "true", !fam && !pr && caps.probed ? "true" : "false");
		for (i = 1, n = 0; i <= KTLS_HANDSHAKE_A_DONE_MAX && !fam; i++)
			if (ktls_nl_caps_done_has(&caps, i))
				printf("%s\"%s\"", n++ ? "," : "", attr_names[i]);
		printf("],\"ciphers\":[");
		for (i = 0, n = 0; i < 4; i++)
			if (mask & ktls_glue_cipher_bit(suites[i]))
				printf("%s\"%s\"", n++ ? "," : "", ktls_suite_name(suites[i]));
		printf("],\"keyrings\":{");
		for (i = 0; i < 3; i++)
			printf("%s\"%s\":%s", i ? "," : "", rings[i],
			       keyring_visible(rings[i]) ? "true" : "false");
		printf("}}\n");
	} else {
		printf("handshake netlink family: %s\n",
		       fam ? (fam == -ENOENT ? "absent (CONFIG_NET_HANDSHAKE?)" : strerror(-fam))
			   : "present");
		if (!fam) {
			printf("DONE attributes%s:", !pr && caps.probed ? "" : " (not probed: assumed)");
			for (i = 1; i <= KTLS_HANDSHAKE_A_DONE_MAX; i++)
				if (ktls_nl_caps_done_has(&caps, i))
					printf(" %s", attr_names[i]);
			printf("\n");
		}
		printf("kTLS ciphers:");
		if (cr)
			printf(" none (%s)", strerror(-cr > 0 ? -cr : EINVAL));
		for (i = 0; i < 4; i++)
			if (mask & ktls_glue_cipher_bit(suites[i]))
				printf(" %s", ktls_suite_name(suites[i]));
		printf("\nkeyrings:");
		for (i = 0; i < 3; i++)
			printf(" %s%s", rings[i], keyring_visible(rings[i]) ? "" : " (not visible)");
		printf("\n");
	}
	return fam ? EX_ERR : EX_OK_;
}

int main(int argc, char **argv)
{
	static const struct option top[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd, *format;
	char line[CONTROL_LINE_MAX];
	bool clear = false;
	int ch, i;

	while ((ch = getopt_long(argc, argv, "+hs:", top, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return EX_OK_;
		case 's':
			socket_path = optarg;
			break;
		default:
			usage(stderr);
			return EX_USAGE_;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE_;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;

	if (!strcmp(cmd, "check-config")) {
		if (check_config(argc, argv) < 0)
			goto misuse;
		return EX_ERR;
	}
	i = sub_options(argc, argv, !strcmp(cmd, "stats"), &format, &clear);
	if (i < 0)
		goto misuse;
	if (!strcmp(cmd, "status") || !strcmp(cmd, "handshakes") || !strcmp(cmd, "reload") ||
	    !strcmp(cmd, "probe")) {
		if (i != argc)
			goto misuse;
		if (!strcmp(cmd, "probe"))
			return probe(!strcmp(format, "json"));
		return run(format, cmd);
	}
	if (!strcmp(cmd, "stats")) {
		if (i != argc)
			goto misuse;
		return run(format, clear ? "stats clear" : "stats");
	}
	if (!strcmp(cmd, "log-level")) {
		if (i + 1 != argc || strcspn(argv[i], " \t") != strlen(argv[i]) ||
		    strlen(argv[i]) > 32)
			goto misuse;
		snprintf(line, sizeof(line), "log-level %s", argv[i]);
		return run(format, line);
	}
	fprintf(stderr, "ktlsctl: unknown command %s\n", cmd);
misuse:
	usage(stderr);
	return EX_USAGE_;
}
