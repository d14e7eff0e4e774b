// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for daemon/config.c: the defaults, a full ktlsd file, a real
 * tlshd file read in compatibility mode, every error with its line number,
 * the search order over temporary directories, and the small syntax rules
 * (comments, whitespace, escapes, empty files).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ktls/constants.h>
#include <ktls/ktls.h>

#include "../../daemon/config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[256];

static void setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
		 base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* Nothing of the real system's may leak into a test. */
	kcfg_set_search_paths("/nonexistent/ktlsd.conf",
			      "/nonexistent/tlshd.conf",
			      "/nonexistent/tlshd/config");
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	kcfg_set_search_paths(NULL, NULL, NULL);
}

/* @got is the path tmpdir/@name. */
static void check_in_tmpdir(const char *got, const char *name)
{
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/%s", tmpdir, name);
	ck_assert_str_eq(got, want);
}

/* tmpdir/@name, with directories made as needed. */
static const char *tmp_path(const char *name)
{
	static char paths[8][PATH_MAX];
	static unsigned int next;
	char *p = paths[next++ % ARRAY_SIZE(paths)];
	char *slash;

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	for (slash = strchr(p + strlen(tmpdir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0700);
		*slash = '/';
	}
	return p;
}

static const char *write_file(const char *name, const char *content)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(content, 1, strlen(content), f),
			  strlen(content));
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Substitute "@" in @fmt with tmpdir, so configs can name test files. */
static const char *write_config(const char *name, const char *fmt)
{
	static char buf[16384];
	size_t n = 0;
	const char *s;

	for (s = fmt; *s; s++) {
		if (*s == '@')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
					      tmpdir);
		else
			buf[n++] = *s;
		ck_assert_uint_lt(n, sizeof(buf));
	}
	buf[n] = '\0';
	return write_file(name, buf);
}

static void make_pki(void)
{
	write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
	write_file("crl.pem", "-----BEGIN X509 CRL-----\n");
	write_file("client.pem", "-----BEGIN CERTIFICATE-----\n");
	write_file("client.key", "-----BEGIN PRIVATE KEY-----\n");
	write_file("server.pem", "-----BEGIN CERTIFICATE-----\n");
	write_file("server.key", "-----BEGIN PRIVATE KEY-----\n");
	write_file("pq.pem", "-----BEGIN CERTIFICATE-----\n");
	write_file("pq.key", "-----BEGIN PRIVATE KEY-----\n");
}

static struct kcfg cfg;
static char err[KCFG_ERR_MAX];

static void load_ok(const char *path)
{
	int ret = kcfg_load(path, &cfg, err);

	ck_assert_msg(ret == 0, "kcfg_load(%s): %s", path, err);
}

/* The load fails with exactly "@path:@line: ..." containing @what. */
static void load_fails(const char *path, unsigned int line, const char *what)
{
	char prefix[PATH_MAX + 32];

	ck_assert_int_eq(kcfg_load(path, &cfg, err), -1);
	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)),
		      "error \"%s\" does not start with \"%s\"", err, prefix);
	ck_assert_msg(strstr(err, what), "error \"%s\" lacks \"%s\"", err,
		      what);
}

static bool has_warning(const char *what)
{
	size_t i;

	for (i = 0; i < cfg.n_warnings; i++)
		if (strstr(cfg.warnings[i], what))
			return true;
	return false;
}

static void assert_defaults(const struct kcfg *c)
{
	ck_assert_int_eq(c->loglevel, 0);
	ck_assert_int_eq(c->tls_debug, 0);
	ck_assert_int_eq(c->nl_debug, 0);
	ck_assert_int_eq(c->delay_done, 0);
	ck_assert_uint_eq(c->n_keyrings, 0);
	ck_assert_uint_eq(c->security_level, 2);
	ck_assert_str_eq(c->client.truststore, "");
	ck_assert_str_eq(c->client.crl, "");
	ck_assert_str_eq(c->client.certificate, "");
	ck_assert_str_eq(c->client.private_key, "");
	ck_assert_str_eq(c->server.truststore, "");
	ck_assert_str_eq(c->server.private_key, "");
	ck_assert(!c->server.require_client_cert);
	ck_assert_uint_eq(c->max_inflight, 1024);
	ck_assert_uint_eq(c->workers, 0);
	ck_assert_str_eq(c->user, "ktlsd");
	ck_assert_str_eq(c->stats_socket, KCFG_CONTROL_SOCKET);
	ck_assert_uint_eq(c->n_suites, 0);
	ck_assert_uint_eq(c->n_groups, 0);
	ck_assert_uint_eq(c->n_sigschemes, 0);
	ck_assert_uint_eq(c->timeout_client_ms, 20000);
	ck_assert_uint_eq(c->timeout_server_ms, 5000);
	ck_assert_uint_eq(c->timeout_psk_ms, 10000);
	ck_assert_uint_eq(c->n_warnings, 0);
}

/* workers = 0 means one per online CPU, at most KCFG_AUTO_WORKERS_MAX. */
START_TEST(test_config_workers)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int want;
	const char *path;

	want = cpus < 1 ? 1 : (unsigned int)cpus;
	if (want > KCFG_AUTO_WORKERS_MAX)
		want = KCFG_AUTO_WORKERS_MAX;
	kcfg_defaults(&cfg);
	ck_assert_uint_eq(kcfg_workers(&cfg), want);
	path = write_config("w0.conf", "[ktlsd]\nworkers = 0\n");
	load_ok(path);
	ck_assert_uint_eq(cfg.workers, 0);
	ck_assert_uint_eq(kcfg_workers(&cfg), want);
	path = write_config("w1.conf", "[ktlsd]\nworkers = 1\n");
	load_ok(path);
	ck_assert_uint_eq(kcfg_workers(&cfg), 1);
	/* An explicit count may go past the CPUs, up to KCFG_MAX_WORKERS. */
	path = write_config("w64.conf", "[ktlsd]\nworkers = 64\n");
	load_ok(path);
	ck_assert_uint_eq(kcfg_workers(&cfg), KCFG_MAX_WORKERS);
}
END_TEST

START_TEST(test_config_defaults)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	kcfg_defaults(&cfg);
	assert_defaults(&cfg);
	ck_assert_str_eq(cfg.source, "");

	/* No file anywhere: the defaults, from nowhere. */
	memset(&cfg, 0xa5, sizeof(cfg));
	load_ok(NULL);
	assert_defaults(&cfg);
	ck_assert_str_eq(cfg.source, "");
	ck_assert(!cfg.legacy_path);
}
END_TEST

static const char full_config[] =
	"# ktlsd's own format\n"
	"[debug]\n"
	"loglevel = 2\n"
	"tls = 5\n"
	"nl = 1\n"
	"delay_done = 3\n"
	"\n"
	"[authenticate]\n"
	"keyrings = .nvme;.mykeys\n"
	"security_level = 3\n"
	"\n"
	"[authenticate.client]\n"
	"x509.truststore = @/ca.pem\n"
	"x509.crl = @/crl.pem\n"
	"x509.certificate = @/client.pem\n"
	"x509.private_key = @/client.key\n"
	"\n"
	"[authenticate.server]\n"
	"x509.truststore = @/ca.pem\n"
	"x509.certificate = @/server.pem\n"
	"x509.private_key = @/server.key\n"
	"x509.pq.certificate = @/pq.pem\n"
	"x509.pq.private_key = @/pq.key\n"
	"x509.require_client_cert = true\n"
	"\n"
	"[ktlsd]\n"
	"max_inflight = 64\n"
	"workers = 3\n"
	"user = ktlsd\n"
	"stats_socket = /run/ktlsd/stats.sock\n"
	"cipher_suites = TLS_AES_256_GCM_SHA384;TLS_AES_128_GCM_SHA256\n"
	"groups = x25519, secp256r1 ,secp384r1\n"
	"signature_algorithms = ecdsa_secp256r1_sha256;rsa_pss_rsae_sha256;ed25519;\n"
	"timeout_client_ms = 15000\n"
	"timeout_server_ms = 4000\n"
	"timeout_psk_ms = 9000\n";

START_TEST(test_config_full_ktlsd)
{
	const char *path;

	make_pki();
	path = write_config("ktlsd.conf", full_config);
	load_ok(path);

	ck_assert_str_eq(cfg.source, path);
	ck_assert(!cfg.tlshd_compat);
	ck_assert(!cfg.legacy_path);
	ck_assert_uint_eq(cfg.n_warnings, 0);
	ck_assert_int_eq(cfg.loglevel, 2);
	ck_assert_int_eq(cfg.tls_debug, 5);
	ck_assert_int_eq(cfg.nl_debug, 1);
	ck_assert_int_eq(cfg.delay_done, 3);
	ck_assert_uint_eq(cfg.n_keyrings, 2);
	ck_assert_str_eq(cfg.keyrings[0], ".nvme");
	ck_assert_str_eq(cfg.keyrings[1], ".mykeys");
	ck_assert_uint_eq(cfg.security_level, 3);

	check_in_tmpdir(cfg.client.truststore, "ca.pem");
	check_in_tmpdir(cfg.server.truststore, "ca.pem");
	check_in_tmpdir(cfg.client.crl, "crl.pem");
	ck_assert_str_eq(cfg.server.crl, "");
	check_in_tmpdir(cfg.client.certificate, "client.pem");
	check_in_tmpdir(cfg.client.private_key, "client.key");
	check_in_tmpdir(cfg.server.certificate, "server.pem");
	check_in_tmpdir(cfg.server.private_key, "server.key");
	check_in_tmpdir(cfg.server.pq_certificate, "pq.pem");
	check_in_tmpdir(cfg.server.pq_private_key, "pq.key");
	ck_assert_str_eq(cfg.client.pq_certificate, "");
	ck_assert(cfg.server.require_client_cert);
	ck_assert(!cfg.client.require_client_cert);

	ck_assert_uint_eq(cfg.max_inflight, 64);
	ck_assert_uint_eq(cfg.workers, 3);
	ck_assert_uint_eq(kcfg_workers(&cfg), 3);
	ck_assert_str_eq(cfg.user, "ktlsd");
	ck_assert_str_eq(cfg.stats_socket, "/run/ktlsd/stats.sock");
	ck_assert_uint_eq(cfg.n_suites, 2);
	ck_assert_uint_eq(cfg.suites[0], KTLS_AES_256_GCM_SHA384);
	ck_assert_uint_eq(cfg.suites[1], KTLS_AES_128_GCM_SHA256);
	ck_assert_uint_eq(cfg.n_groups, 3);
	ck_assert_uint_eq(cfg.groups[0], KTLS_GROUP_X25519);
	ck_assert_uint_eq(cfg.groups[1], KTLS_GROUP_SECP256R1);
	ck_assert_uint_eq(cfg.groups[2], KTLS_GROUP_SECP384R1);
	ck_assert_uint_eq(cfg.n_sigschemes, 3);
	ck_assert_uint_eq(cfg.sigschemes[0], KTLS_SIG_ECDSA_SECP256R1_SHA256);
	ck_assert_uint_eq(cfg.sigschemes[1], KTLS_SIG_RSA_PSS_RSAE_SHA256);
	ck_assert_uint_eq(cfg.sigschemes[2], KTLS_SIG_ED25519);
	ck_assert_uint_eq(cfg.timeout_client_ms, 15000);
	ck_assert_uint_eq(cfg.timeout_server_ms, 4000);
	ck_assert_uint_eq(cfg.timeout_psk_ms, 9000);
}
END_TEST

/*
 * Shaped like ktls-utils' etc/tlshd/config, with what real files carry:
 * "key= value" spacing, keys from newer tlshd releases we do not know, a
 * bad integer, and a trust store that is not there (yet).
 */
static const char tlshd_config[] =
	"#\n"
	"# Copyright (c) 2022 Oracle and/or its affiliates.\n"
	"#\n"
	"# See tlshd.conf(5) for details.\n"
	"#\n"
	"\n"
	"[debug]\n"
	"loglevel=1\n"
	"tls=0\n"
	"nl=zero\n"
	"\n"
	"[authenticate]\n"
	"keyrings= .nvme;.mykeys\n"
	"#dane= off | opportunistic | require\n"
	"\n"
	"[authenticate.client]\n"
	"x509.truststore= @/missing-ca.pem\n"
	"#x509.crl= <pathname>\n"
	"x509.certificate= @/client.pem\n"
	"x509.private_key= @/client.key\n"
	"#x509.pq.certificate= <pathname>\n"
	"#x509.pq.private_key= <pathname>\n"
	"\n"
	"[authenticate.server]\n"
	"x509.truststore= @/ca.pem\n"
	"#x509.crl= <pathname>\n"
	"x509.certificate= @/server.pem\n"
	"x509.private_key= @/server.key\n"
	"x509.client_auth= 1\n"
	"#x509.pq.certificate= <pathname>\n"
	"#x509.pq.private_key= <pathname>\n"
	"\n"
	"[future]\n"
	"anything = goes\n";

static void check_tlshd_config(void)
{
	ck_assert(cfg.tlshd_compat);
	ck_assert_int_eq(cfg.loglevel, 1);
	ck_assert_int_eq(cfg.tls_debug, 0);
	ck_assert_int_eq(cfg.nl_debug, 0);	/* "zero" reads as 0 */
	ck_assert_uint_eq(cfg.n_keyrings, 2);
	ck_assert_str_eq(cfg.keyrings[0], ".nvme");
	ck_assert_str_eq(cfg.keyrings[1], ".mykeys");
	/* Kept, so handshakes that need it fail closed. */
	check_in_tmpdir(cfg.client.truststore, "missing-ca.pem");
	check_in_tmpdir(cfg.server.private_key, "server.key");
	ck_assert(!cfg.server.require_client_cert);
	ck_assert_uint_eq(cfg.security_level, 2);
	ck_assert_uint_eq(cfg.max_inflight, 1024);
	ck_assert_uint_eq(cfg.workers, 0);	/* one per CPU, as for a ktlsd file */

	ck_assert_uint_eq(cfg.n_warnings, 4);
	ck_assert(has_warning(":10: nl: \"zero\" is not an integer"));
	ck_assert(has_warning(":17: x509.truststore: cannot read"));
	ck_assert(has_warning(":29: ignoring unknown key \"x509.client_auth\""));
	ck_assert(has_warning(":33: ignoring unknown group [future]"));
}

START_TEST(test_config_tlshd_compat)
{
	const char *path;

	make_pki();
	/* Found by the search at tlshd's place. */
	path = write_config("etc/tlshd/config", tlshd_config);
	kcfg_set_search_paths(tmp_path("etc/ktlsd/ktlsd.conf"),
			      tmp_path("etc/tlshd.conf"), path);
	load_ok(NULL);
	ck_assert_str_eq(cfg.source, path);
	ck_assert(!cfg.legacy_path);
	check_tlshd_config();

	/* Named with -c: still tlshd's file by its path. */
	load_ok(path);
	check_tlshd_config();

	/* Copied anywhere else: no [ktlsd] group, so the same. */
	path = write_config("copy.conf", tlshd_config);
	load_ok(path);
	check_tlshd_config();
}
END_TEST

START_TEST(test_config_tlshd_compat_limits)
{
	const char *path;

	/* Key URLs are refused even for tlshd, with the scheme only. */
	path = write_config("k.conf", "[authenticate.client]\n"
				      "x509.private_key = pkcs11:token=t;pin-value=1234\n");
	load_fails(path, 2, "private key URLs (pkcs11:...) are not supported");
	ck_assert_ptr_null(strstr(err, "1234"));
	path = write_config("k2.conf", "[authenticate.server]\n"
				       "x509.pq.private_key = tpmkey:file=/k\n");
	load_fails(path, 2, "tpmkey:");

	/* Syntax errors stop tlshd too (GLib refuses the file). */
	path = write_config("g.conf", "[debug]\nloglevel = 1\nnot a setting\n");
	load_fails(path, 3, "expected \"[group]\" or \"key = value\"");

	/* ktlsd's own keys are checked strictly in any mode. */
	path = write_config("b.conf", "\n[authenticate.server]\n"
				      "x509.require_client_cert = maybe\n");
	load_fails(path, 3, "is not a boolean");
	path = write_config("p.conf", "[debug]\nmax_inflight = 3\n");
	load_fails(path, 2, "key \"max_inflight\" belongs in [ktlsd], not [debug]");
	path = write_config("n.conf", "[authenticate]\nworkers = 2\n");
	load_fails(path, 2, "key \"workers\" belongs in [ktlsd], not [authenticate]");

	/* Our own group is strict even in a tlshd file. */
	path = write_config("etc/tlshd/config", "[ktlsd]\nmax_inflite = 1\n");
	kcfg_set_search_paths(NULL, NULL, path);
	load_fails(path, 2, "unknown key \"max_inflite\" in [ktlsd]");

	/* A tlshd key in the wrong group is ignored, with a hint. */
	path = write_config("w.conf", "[debug]\nx509.crl = /x\n");
	load_ok(path);
	ck_assert(has_warning(":2: ignoring key \"x509.crl\" in [debug]: it belongs in [authenticate.client] or [authenticate.server]"));
	ck_assert_str_eq(cfg.client.crl, "");

	path = write_config("r.conf", "[authenticate.client]\n"
				      "x509.require_client_cert = 1\n");
	load_fails(path, 2, "belongs in [authenticate.server], not [authenticate.client]");

	/* Unknown keys in a compatibility file are ignored, with a warning. */
	path = write_config("u.conf", "[authenticate.client]\n"
				      "x509.client_auth = 1\n"
				      "x509.truststore =\n");
	load_ok(path);
	ck_assert(cfg.tlshd_compat);
	ck_assert(has_warning(":2: ignoring unknown key \"x509.client_auth\" in [authenticate.client]"));
	ck_assert_str_eq(cfg.client.truststore, "");
}
END_TEST

struct bad_case {
	const char *content;
	unsigned int line;
	const char *what;
};

static const struct bad_case bad_cases[] = {
	{ "[ktlsd]\nmax_inflight = 10\nmax_inflite = 10\n", 3,
	  "unknown key \"max_inflite\" in [ktlsd]" },
	{ "[ktlsd]\n[debug]\n# tls\n\ntls = 1\nverbose = 1\n", 6,
	  "unknown key \"verbose\" in [debug]" },
	{ "[ktlsd]\n[authenticate.client]\nx509.require_client_cert = true\n",
	  3, "belongs in [authenticate.server], not [authenticate.client]" },
	{ "[ktlsd]\n[debug]\nx509.truststore = /x\n", 3,
	  "belongs in [authenticate.client] or [authenticate.server], not [debug]" },
	{ "[debug]\nloglevel = 1\n[ktlsd]\n[mystery]\n", 4,
	  "unknown group [mystery]" },
	{ "[ktlsd]\n[debug]\nloglevel = one\n", 3,
	  "loglevel: \"one\" is not an integer" },
	{ "[ktlsd]\n[debug]\nloglevel = 1 # comment\n", 3,
	  "is not an integer" },
	{ "[ktlsd]\n[debug]\ndelay_done = -1\n", 3,
	  "delay_done: \"-1\" is not an integer from 0 to" },
	{ "[ktlsd]\nmax_inflight = 99999999999999999999\n", 2,
	  "is not an integer from 1 to 65536" },
	{ "[ktlsd]\nmax_inflight = 0\n", 2, "from 1 to 65536" },
	{ "[ktlsd]\nworkers = 65\n", 2,
	  "workers: \"65\" is not an integer from 0 to 64" },
	{ "[ktlsd]\n\nworkers = -1\n", 3, "workers: \"-1\" is not an integer from 0 to 64" },
	{ "[ktlsd]\nworkers = all\n", 2, "workers: \"all\" is not an integer" },
	{ "[ktlsd]\ntimeout_psk_ms = 10s\n", 2,
	  "timeout_psk_ms: \"10s\" is not an integer" },
	{ "[ktlsd]\n[authenticate.server]\nx509.require_client_cert = yes please\n",
	  3, "x509.require_client_cert: \"yes please\" is not a boolean" },
	{ "[ktlsd]\ncipher_suites = TLS_AES_128_GCM_SHA256;TLS_RC4_SHA\n", 2,
	  "cipher_suites: unknown cipher suite \"TLS_RC4_SHA\"" },
	{ "[ktlsd]\ncipher_suites = TLS_AES_128_GCM_SHA256,,TLS_AES_256_GCM_SHA384\n",
	  2, "empty name" },
	{ "[ktlsd]\ngroups = x25519;X25519\n", 2,
	  "group \"X25519\" is listed twice" },
	{ "[ktlsd]\ngroups = x25519;ffdhe2048\n", 2,
	  "group \"ffdhe2048\" is not allowed" },
	{ "[ktlsd]\nsignature_algorithms = ed25519;rsa_pkcs1_sha256\n", 2,
	  "signature algorithm \"rsa_pkcs1_sha256\" is not allowed" },
	{ "[ktlsd]\nsignature_algorithms = foo\n", 2,
	  "unknown signature algorithm \"foo\"" },
	{ "[ktlsd]\n[authenticate.client]\nx509.truststore = @/nope.pem\n", 3,
	  "x509.truststore: cannot read \"@/nope.pem\": No such file" },
	{ "[ktlsd]\n[authenticate.server]\n\nx509.crl = @/nope.pem\n", 4,
	  "x509.crl: cannot read" },
	{ "[ktlsd]\n[authenticate.server]\nx509.certificate = @/nope.pem\n", 3,
	  "x509.certificate: cannot read" },
	{ "[ktlsd]\n[authenticate.server]\nx509.private_key = @/nope.key\n", 3,
	  "x509.private_key: cannot read" },
	{ "[ktlsd]\n[authenticate.server]\nx509.truststore = @\\q\n", 3,
	  "invalid escape sequence" },
	{ "[ktlsd]\n[authenticate]\nsecurity_level = 6\n", 3,
	  "security_level: \"6\" is not an integer from 0 to 5" },
	{ "[ktlsd]\n[authenticate]\nsecurity_level = -1\n", 3,
	  "security_level: \"-1\" is not an integer from 0 to 5" },
	{ "[ktlsd]\n[authenticate]\nsecurity_level = high\n", 3,
	  "security_level: \"high\" is not an integer" },
	{ "[ktlsd]\nsecurity_level = 3\n", 2,
	  "key \"security_level\" belongs in [authenticate], not [ktlsd]" },
	{ "[ktlsd]\n[authenticate.server]\nsecurity_level = 3\n", 3,
	  "belongs in [authenticate], not [authenticate.server]" },
	{ "[ktlsd]\nthis line is garbage\n", 2,
	  "expected \"[group]\" or \"key = value\"" },
	{ "[ktlsd]\n= value\n", 2, "missing key name" },
	{ "loglevel = 1\n[ktlsd]\n", 1, "comes before any [group]" },
	{ "[ktlsd]\n[debug\n", 2, "group header without \"]\"" },
	{ "[ktlsd]\n[debug] x\n", 2, "unexpected text after \"]\"" },
	{ "[ktlsd]\n[]\n", 2, "empty group name" },
	{ "[ktlsd]\nuser = root:0\n", 2, "is not a user name" },
	{ "[ktlsd]\nuser =\n", 2, "is not a user name" },
	{ "[ktlsd]\nstats_socket = run/stats\n", 2, "not an absolute path" },
	{ "[ktlsd]\nstats_socket = /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  2, "Unix socket path" },
};

START_TEST(test_config_errors_have_lines)
{
	char what[512], name[32];
	const struct bad_case *bc = &bad_cases[_i];
	const char *path, *s;
	size_t n = 0;

	/* "@" in the expected text stands for tmpdir, as in the file. */
	for (s = bc->what; *s && n < sizeof(what) - 1; s++) {
		if (*s == '@')
			n += (size_t)snprintf(what + n, sizeof(what) - n, "%s",
					      tmpdir);
		else
			what[n++] = *s;
	}
	what[n] = '\0';
	snprintf(name, sizeof(name), "bad%d.conf", _i);
	path = write_config(name, bc->content);
	memset(&cfg, 0, sizeof(cfg));
	load_fails(path, bc->line, what);
}
END_TEST

/* @prefix, @n copies of @c, then @suffix, as a malloc'd string. */
static char *padded(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t plen = strlen(prefix), slen = strlen(suffix);
	char *s = malloc(plen + n + slen + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, plen);
	memset(s + plen, c, n);
	memcpy(s + plen + n, suffix, slen + 1);
	return s;
}

START_TEST(test_config_errors_long_and_nul_lines)
{
	char *content;
	const char *path;

	/* Exactly KCFG_LINE_MAX bytes is still a line (a comment here). */
	content = padded("[ktlsd]\n\n#", 'x', KCFG_LINE_MAX - 1, "");
	path = write_file("long-ok.conf", content);
	load_ok(path);
	free(content);

	/* One more byte is too long, reported on its own line. */
	content = padded("[ktlsd]\n\n#", 'x', KCFG_LINE_MAX, "\nuser = a\n");
	path = write_file("long.conf", content);
	load_fails(path, 3, "line longer than 8191 bytes");
	/* Too long is an error in compatibility mode as well. */
	path = write_file("long-tlshd.conf", content + 8);
	load_fails(path, 2, "line longer than");
	free(content);

	path = tmp_path("nul.conf");
	{
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fwrite("[debug]\nloglevel = 1\0\n", 1, 22, f);
		fclose(f);
	}
	load_fails(path, 2, "NUL byte");

	/* A path longer than a field can hold is refused, not cut. */
	content = padded("[authenticate.client]\nx509.crl = /", 'a', KCFG_PATH_MAX, "\n");
	path = write_file("longpath.conf", content);
	load_fails(path, 2, "x509.crl: path longer than 4095 bytes");
	free(content);
}
END_TEST

START_TEST(test_config_failed_load_keeps_cfg)
{
	const char *path;

	path = write_config("good.conf", "[ktlsd]\nmax_inflight = 7\n");
	load_ok(path);
	ck_assert_uint_eq(cfg.max_inflight, 7);
	path = write_config("bad.conf", "[ktlsd]\nmax_inflight = 9\nbogus\n");
	load_fails(path, 3, "expected");
	ck_assert_uint_eq(cfg.max_inflight, 7);

	/* -c naming a missing file is an error, with no line. */
	path = tmp_path("absent.conf");
	load_fails(path, 0, "No such file or directory");
	ck_assert_uint_eq(cfg.max_inflight, 7);
}
END_TEST

START_TEST(test_config_search_order)
{
	const char *ktlsd = tmp_path("etc/ktlsd/ktlsd.conf");
	const char *legacy = tmp_path("etc/tlshd.conf");
	const char *tlshd = tmp_path("etc/tlshd/config");
	char dir[PATH_MAX];

	kcfg_set_search_paths(ktlsd, legacy, tlshd);
	load_ok(NULL);
	ck_assert_str_eq(cfg.source, "");

	write_file("etc/tlshd/config", "[debug]\nloglevel = 1\n");
	load_ok(NULL);
	ck_assert_str_eq(cfg.source, tlshd);
	ck_assert(cfg.tlshd_compat);
	ck_assert(!cfg.legacy_path);
	ck_assert_int_eq(cfg.loglevel, 1);

	/* tlshd reads the legacy file first, and so do we. */
	write_file("etc/tlshd.conf", "[debug]\nloglevel = 2\n");
	load_ok(NULL);
	ck_assert_str_eq(cfg.source, legacy);
	ck_assert(cfg.tlshd_compat);
	ck_assert(cfg.legacy_path);
	ck_assert_int_eq(cfg.loglevel, 2);

	/* Ours wins over both; a [ktlsd] group makes it strict. */
	write_file("etc/ktlsd/ktlsd.conf", "[debug]\nloglevel = 3\n[ktlsd]\n");
	load_ok(NULL);
	ck_assert_str_eq(cfg.source, ktlsd);
	ck_assert(!cfg.tlshd_compat);
	ck_assert(!cfg.legacy_path);
	ck_assert_int_eq(cfg.loglevel, 3);

	/* A tlshd path stays lenient even with a [ktlsd] group. */
	write_file("etc/tlshd.conf", "[ktlsd]\n[debug]\nloglevel = x\n");
	load_ok(legacy);
	ck_assert(cfg.tlshd_compat);
	ck_assert(!cfg.legacy_path);	/* only the search sets it */

	/* A file that is there but unusable stops the search. */
	ck_assert_int_eq(unlink(ktlsd), 0);
	ck_assert_int_eq(mkdir(ktlsd, 0700), 0);
	load_fails(ktlsd, 0, "not a regular file");	/* with -c */
	ck_assert_int_eq(kcfg_load(NULL, &cfg, err), -1);	/* searched */
	snprintf(dir, sizeof(dir), "%s: not a regular file", ktlsd);
	ck_assert_str_eq(err, dir);
	ck_assert_int_eq(rmdir(ktlsd), 0);

	if (geteuid() != 0) {
		write_file("etc/ktlsd/ktlsd.conf", "[ktlsd]\n");
		ck_assert_int_eq(chmod(ktlsd, 0), 0);
		ck_assert_int_eq(kcfg_load(NULL, &cfg, err), -1);
		ck_assert_ptr_nonnull(strstr(err, "Permission denied"));
	}
}
END_TEST

START_TEST(test_config_empty_file)
{
	const char *path = write_file("empty.conf", "");

	memset(&cfg, 0x5a, sizeof(cfg));
	load_ok(path);
	assert_defaults(&cfg);
	ck_assert_str_eq(cfg.source, path);
	ck_assert(cfg.tlshd_compat);	/* no [ktlsd] group */

	path = write_file("blank.conf", "\n   \n\t\n");
	load_ok(path);
	assert_defaults(&cfg);

	path = write_file("only-ktlsd.conf", "[ktlsd]");	/* no newline */
	load_ok(path);
	assert_defaults(&cfg);
	ck_assert(!cfg.tlshd_compat);
}
END_TEST

START_TEST(test_config_comments)
{
	const char *path;

	path = write_config("c.conf",
			    "# a comment\n"
			    "; also a comment\n"
			    "   # indented comment\r\n"
			    "[ktlsd]\r\n"
			    "\t; indented\n"
			    "[debug]   \n"
			    "  loglevel\t=\t4  \r\n"
			    "#loglevel = 9\n"
			    ";loglevel = 9\n"
			    "[authenticate]\n"
			    "keyrings = \\s.a\\;b ; .c ;;\n"
			    "[ktlsd]\n"
			    "user=svc-ktlsd\n"
			    "user=svc.ktlsd\n"	/* the last one wins */
			    "stats_socket=\n"
			    "cipher_suites = aes_128_gcm_sha256 , TLS_CHACHA20_POLY1305_SHA256\n");
	load_ok(path);
	ck_assert(!cfg.tlshd_compat);
	ck_assert_int_eq(cfg.loglevel, 4);
	ck_assert_uint_eq(cfg.n_keyrings, 2);
	ck_assert_str_eq(cfg.keyrings[0], ".a;b");
	ck_assert_str_eq(cfg.keyrings[1], ".c");
	ck_assert_str_eq(cfg.user, "svc.ktlsd");
	ck_assert_str_eq(cfg.stats_socket, "");
	ck_assert_uint_eq(cfg.n_suites, 2);
	ck_assert_uint_eq(cfg.suites[0], KTLS_AES_128_GCM_SHA256);
	ck_assert_uint_eq(cfg.suites[1], KTLS_CHACHA20_POLY1305_SHA256);

	/* A value is not cut at '#': GLib has no trailing comments. */
	path = write_config("c2.conf", "[ktlsd]\nuser = a #b\n");
	load_fails(path, 2, "\"a #b\" is not a user name");
}
END_TEST

/* --- control socket --- */
/* control_socket and control_group, and their former names, set the same thing. */
START_TEST(test_config_control_keys)
{
	const char *path;

	path = write_config("ctl1.conf", "[ktlsd]\ncontrol_socket = /run/x/ctl\n"
					 "control_group = adm\n");
	load_ok(path);
	ck_assert_str_eq(cfg.stats_socket, "/run/x/ctl");
	ck_assert_str_eq(cfg.stats_group, "adm");
	path = write_config("ctl2.conf", "[ktlsd]\nstats_socket = /run/y/s\nstats_group = wheel\n");
	load_ok(path);
	ck_assert_str_eq(cfg.stats_socket, "/run/y/s");
	ck_assert_str_eq(cfg.stats_group, "wheel");
	path = write_config("ctl3.conf", "[ktlsd]\ncontrol_socket =\n");
	load_ok(path);
	ck_assert_str_eq(cfg.stats_socket, "");	/* off */
	path = write_config("ctl4.conf", "[ktlsd]\ncontrol_socket = relative/ctl\n");
	load_fails(path, 2, "not an absolute path");
	path = write_config("ctl5.conf", "[ktlsd]\ncontrol_group = no group\n");
	load_fails(path, 2, "");
}
END_TEST
/* --- end of control socket --- */

START_TEST(test_config_warnings_are_bounded)
{
	char content[4096];
	const char *path;
	size_t n = 0;
	int i;

	n += (size_t)snprintf(content + n, sizeof(content) - n, "[debug]\n");
	for (i = 0; i < KCFG_MAX_WARNINGS + 3; i++)
		n += (size_t)snprintf(content + n, sizeof(content) - n,
				      "unknown%d = 1\n", i);
	path = write_file("w.conf", content);
	load_ok(path);
	ck_assert_uint_eq(cfg.n_warnings, KCFG_MAX_WARNINGS);
	ck_assert_uint_eq(cfg.n_warnings_dropped, 3);
	ck_assert(has_warning(":2: ignoring unknown key \"unknown0\" in [debug]"));
}
END_TEST

/* security_level: ktlsd's key in tlshd's [authenticate], strict in both modes. */
START_TEST(test_config_security_level)
{
	static const unsigned int levels[] = { 0, 1, 2, 3, 4, 5 };
	char text[128];
	const char *path;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		snprintf(text, sizeof(text),
			 "[ktlsd]\n[authenticate]\nsecurity_level = %u\n",
			 levels[i]);
		path = write_config("l.conf", text);
		load_ok(path);
		ck_assert_uint_eq(cfg.security_level, levels[i]);
		/* The same in a tlshd file. */
		snprintf(text, sizeof(text), "[authenticate]\nsecurity_level = %u\n",
			 levels[i]);
		path = write_config("lc.conf", text);
		load_ok(path);
		ck_assert(cfg.tlshd_compat);
		ck_assert_uint_eq(cfg.security_level, levels[i]);
		ck_assert_uint_eq(cfg.n_warnings, 0);
	}
	ck_assert_uint_eq(KTLS_SECURITY_LEVEL_MAX, 5);

	/* Never lenient, even where tlshd's keys are. */
	path = write_config("bad.conf", "[authenticate]\nsecurity_level = 1x\n");
	load_fails(path, 2, "security_level: \"1x\" is not an integer");
	path = write_config("big.conf", "[authenticate]\nsecurity_level = 6\n");
	load_fails(path, 2, "from 0 to 5");
	path = write_config("grp.conf", "[debug]\nsecurity_level = 1\n");
	load_fails(path, 2, "belongs in [authenticate], not [debug]");
	/* The last of two wins, as for every key. */
	path = write_config("two.conf", "[authenticate]\nsecurity_level = 4\n"
					"security_level = 1\n");
	load_ok(path);
	ck_assert_uint_eq(cfg.security_level, 1);
}
END_TEST

/* Who verifies client certificates, and what the monitor says about it. */
struct client_auth_case {
	const char *name;	/* where it is written; tlshd's path or not */
	const char *content;
	enum kcfg_client_auth want;
	bool warning;
	const char *notice;	/* in the line; NULL for none */
};

static const struct client_auth_case client_auth_cases[] = {
	/* ktlsd's own mode: only a trust store of its own */
	{ "own.conf", "[ktlsd]\n", KCFG_CLIENT_AUTH_NONE, false,
	  "do not ask for client certificates" },
	{ "own2.conf", "[ktlsd]\n[authenticate.server]\nx509.certificate = @/server.pem\n",
	  KCFG_CLIENT_AUTH_NONE, false, "do not ask" },
	/* the client role's trust store is not the server's */
	{ "own3.conf", "[ktlsd]\n[authenticate.client]\nx509.truststore = @/ca.pem\n",
	  KCFG_CLIENT_AUTH_NONE, false, "do not ask" },
	{ "own4.conf", "[ktlsd]\n[authenticate.server]\nx509.truststore = @/ca.pem\n",
	  KCFG_CLIENT_AUTH_TRUSTSTORE, false, NULL },
	{ "own5.conf", "[ktlsd]\n[authenticate.server]\nx509.truststore = @/ca.pem\n"
		       "x509.require_client_cert = true\n",
	  KCFG_CLIENT_AUTH_TRUSTSTORE, false, NULL },
	/* "key =" is no key */
	{ "own6.conf", "[ktlsd]\n[authenticate.server]\nx509.truststore =\n",
	  KCFG_CLIENT_AUTH_NONE, false, "do not ask" },
	/* tlshd compatibility: tlshd's system trust store, with a warning */
	{ "compat.conf", "[authenticate.server]\nx509.certificate = @/server.pem\n",
	  KCFG_CLIENT_AUTH_SYSTEM, true, "verified against the system trust store" },
	{ "etc/tlshd/config", "[ktlsd]\n", KCFG_CLIENT_AUTH_SYSTEM, true,
	  "set x509.truststore" },
	{ "compat2.conf", "[authenticate.server]\nx509.require_client_cert = true\n",
	  KCFG_CLIENT_AUTH_SYSTEM, true, "system trust store" },
	{ "compat3.conf", "[authenticate.server]\nx509.truststore = @/ca.pem\n",
	  KCFG_CLIENT_AUTH_TRUSTSTORE, false, NULL },
	/* a trust store tlshd would skip is still named: fail closed */
	{ "compat4.conf", "[authenticate.server]\nx509.truststore = @/gone.pem\n",
	  KCFG_CLIENT_AUTH_TRUSTSTORE, false, NULL },
};

START_TEST(test_config_client_auth)
{
	const struct client_auth_case *cc = &client_auth_cases[_i];
	const char *path, *line;
	bool warning = !cc->warning;

	make_pki();
	path = write_config(cc->name, cc->content);
	kcfg_set_search_paths(NULL, NULL, tmp_path("etc/tlshd/config"));
	load_ok(path);
	ck_assert_int_eq(kcfg_client_auth(&cfg), cc->want);
	line = kcfg_client_auth_notice(&cfg, &warning);
	if (!cc->notice) {
		ck_assert_ptr_null(line);
		ck_assert(!warning);
		return;
	}
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(strstr(line, cc->notice), "\"%s\" lacks \"%s\"", line,
		      cc->notice);
	ck_assert(warning == cc->warning);
	/* The line names the key to set. */
	ck_assert_ptr_nonnull(strstr(line, "x509.truststore in [authenticate.server]"));
}
END_TEST

/* The defaults (no file at all) are ktlsd's own mode: nobody is asked. */
START_TEST(test_config_client_auth_defaults)
{
	bool warning = true;

	load_ok(NULL);
	ck_assert(!cfg.tlshd_compat);
	ck_assert_int_eq(kcfg_client_auth(&cfg), KCFG_CLIENT_AUTH_NONE);
	ck_assert_ptr_nonnull(kcfg_client_auth_notice(&cfg, &warning));
	ck_assert(!warning);
}
END_TEST

/*
 * Requiring client certificates without a trust store to verify them
 * against could only refuse every client: an error in ktlsd's own mode.
 */
START_TEST(test_config_require_needs_truststore)
{
	const char *path;

	path = write_config("r.conf", "[ktlsd]\n[authenticate.server]\n"
				      "x509.require_client_cert = true\n");
	load_fails(path, 0, "x509.require_client_cert needs an x509.truststore in [authenticate.server]");
	path = write_config("r2.conf", "[ktlsd]\n[authenticate.server]\n"
				       "x509.require_client_cert = true\n"
				       "x509.truststore =\n");
	load_fails(path, 0, "needs an x509.truststore");
	/* false needs nothing */
	path = write_config("r3.conf", "[ktlsd]\n[authenticate.server]\n"
				       "x509.require_client_cert = false\n");
	load_ok(path);
}
END_TEST

/* The shipped example loads in ktlsd's own mode with no warnings. */
START_TEST(test_config_example_file)
{
#ifdef KTLS_SRCDIR
	load_ok(KTLS_SRCDIR "/etc/ktlsd/ktlsd.conf");
	ck_assert(!cfg.tlshd_compat);
	assert_defaults(&cfg);
#endif
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_workers);
	tcase_add_test(tc, test_config_full_ktlsd);
	tcase_add_test(tc, test_config_tlshd_compat);
	tcase_add_test(tc, test_config_tlshd_compat_limits);
	tcase_add_loop_test(tc, test_config_errors_have_lines, 0,
			    (int)ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_config_errors_long_and_nul_lines);
	tcase_add_test(tc, test_config_failed_load_keeps_cfg);
	tcase_add_test(tc, test_config_search_order);
	tcase_add_test(tc, test_config_empty_file);
	tcase_add_test(tc, test_config_comments);
	tcase_add_test(tc, test_config_control_keys);
	tcase_add_test(tc, test_config_warnings_are_bounded);
	tcase_add_test(tc, test_config_example_file);
	tcase_add_test(tc, test_config_security_level);
	tcase_add_loop_test(tc, test_config_client_auth, 0,
			    (int)ARRAY_SIZE(client_auth_cases));
	tcase_add_test(tc, test_config_client_auth_defaults);
	tcase_add_test(tc, test_config_require_needs_truststore);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
