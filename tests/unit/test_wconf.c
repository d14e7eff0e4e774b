// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine configuration a worker builds from ktlsd's (wconf_build() in
 * daemon/worker.c, deciding with kcfg_client_auth() in daemon/config.c):
 * whether server handshakes ask for client certificates and against which
 * trust store they verify them, and the certificate security level, for
 * each role. Each decision is then played out: our engine as the server
 * with that configuration against our engine as a client that holds a
 * certificate, in memory, to see what the server reports about the client.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktls/ktls.h>

#include "config.h"
#include "conn.h"
#include "testcert.h"
#include "worker.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct testcert srv_cert, cli_cert;

static void setup(void)
{
	ck_assert_int_eq(testcert_make(TESTCERT_P256, "server.test", 30, false,
				       &srv_cert), 0);
	ck_assert_int_eq(testcert_make(TESTCERT_P256, "client.test", 30, false,
				       &cli_cert), 0);
}

static void teardown(void)
{
	testcert_cleanup();
}

/* A configuration as kcfg_load() would leave it. */
static void base_cfg(struct kcfg *cfg, bool compat, bool server_trust)
{
	kcfg_defaults(cfg);
	cfg->tlshd_compat = compat;
	snprintf(cfg->server.certificate, sizeof(cfg->server.certificate),
		 "%s", srv_cert.cert);
	if (server_trust)
		snprintf(cfg->server.truststore, sizeof(cfg->server.truststore),
			 "%s", testcert_ca_file());
}

static struct wconf *build(const struct kcfg *cfg)
{
	struct wconf *wc = NULL;
	char err[256];

	ck_assert_msg(wconf_build(cfg, &wc, err, sizeof(err)) == 0,
		      "wconf_build: %s", err);
	ck_assert_ptr_nonnull(wc);
	return wc;
}

/* Move what @from has to send into @to. */
static bool pump(struct ktls_conn *from, struct ktls_conn *to)
{
	const uint8_t *out;
	size_t len, used;
	bool moved = false;

	for (out = ktls_output(from, &len); len; out = ktls_output(from, &len)) {
		used = 0;
		(void)!ktls_input(to, out, len, &used);
		ktls_output_ack(from, used ? used : len);	/* a dead peer drops it */
		moved = true;
		if (!used)
			break;
	}
	return moved;
}

/*
 * Our client, holding cli_cert and verifying srv_cert, against a server
 * with @srv (the worker's server configuration plus the key to sign with).
 * Return: the server's result.
 */
static void handshake(const struct ktls_config *srv, struct ktls_result *res)
{
	struct ktls_credential *scred, *ccred;
	struct ktls_config scfg = *srv, ccfg;
	struct ktls_trust *ctrust;
	struct ktls_conn *s, *c;
	int i;

	ck_assert_int_eq(ktls_credential_load_pem(srv_cert.cert, srv_cert.key,
						  &scred), 0);
	ck_assert_int_eq(ktls_credential_load_pem(cli_cert.cert, cli_cert.key,
						  &ccred), 0);
	ck_assert_int_eq(ktls_trust_load(testcert_ca_file(), NULL, NULL,
					 &ctrust), 0);
	scfg.cred = scred;
	ktls_config_init(&ccfg);
	ccfg.cred = ccred;
	ccfg.trust = ctrust;
	ck_assert_int_eq(ktls_conn_new(&scfg, &ktls_default_ops,
				       KTLS_ROLE_SERVER, &s), 0);
	ck_assert_int_eq(ktls_conn_new(&ccfg, &ktls_default_ops,
				       KTLS_ROLE_CLIENT, &c), 0);
	ck_assert_int_eq(ktls_conn_set_peer_name(c, "server.test"), 0);
	ck_assert_int_eq(ktls_start(s), 0);
	ck_assert_int_eq(ktls_start(c), 0);
	for (i = 0; i < 100; i++) {
		bool moved = pump(c, s);

		moved |= pump(s, c);
		if (!moved)
			break;
	}
	ck_assert(ktls_status(s) & (KTLS_DONE | KTLS_FAILED));
	ktls_get_result(s, res);
	ktls_conn_free(s);
	ktls_conn_free(c);
	ktls_trust_free(ctrust);
	ktls_credential_free(scred);
	ktls_credential_free(ccred);
}

/*
 * ktlsd's own mode without a server trust store: no CertificateRequest, no
 * trust object that could verify a client, and a client with a good
 * certificate stays unauthenticated (no REMOTE_AUTH for NFSD's mtls).
 */
START_TEST(test_wconf_own_mode_no_truststore_asks_nobody)
{
	struct ktls_result res;
	struct wconf *wc;
	struct kcfg cfg;

	base_cfg(&cfg, false, false);
	ck_assert_int_eq(kcfg_client_auth(&cfg), KCFG_CLIENT_AUTH_NONE);
	wc = build(&cfg);
	ck_assert_uint_eq(wc->base[KTLS_ROLE_SERVER].flags &
			  (KTLS_F_REQUEST_CLIENT_CERT | KTLS_F_REQUIRE_CLIENT_CERT), 0);
	ck_assert_ptr_null(wc->base[KTLS_ROLE_SERVER].trust);
	ck_assert_ptr_null(wc->trust[KTLS_ROLE_SERVER]);
	/* The client role still verifies servers (the system store). */
	ck_assert_ptr_nonnull(wc->base[KTLS_ROLE_CLIENT].trust);

	handshake(&wc->base[KTLS_ROLE_SERVER], &res);
	ck_assert_int_eq(res.error, 0);
	ck_assert(!res.peer_cert);
	ck_assert(!res.peer_verified);
	wconf_free(wc);
}
END_TEST

/*
 * tlshd compatibility mode without one: tlshd's behaviour, the system
 * trust store. The test CA is not in it, so the client's certificate is
 * refused; it is never taken as verified.
 */
START_TEST(test_wconf_compat_no_truststore_uses_system_store)
{
	struct ktls_result res;
	struct wconf *wc;
	struct kcfg cfg;

	base_cfg(&cfg, true, false);
	ck_assert_int_eq(kcfg_client_auth(&cfg), KCFG_CLIENT_AUTH_SYSTEM);
	wc = build(&cfg);
	ck_assert(wc->base[KTLS_ROLE_SERVER].flags & KTLS_F_REQUEST_CLIENT_CERT);
	ck_assert(!(wc->base[KTLS_ROLE_SERVER].flags & KTLS_F_REQUIRE_CLIENT_CERT));
	ck_assert_ptr_nonnull(wc->base[KTLS_ROLE_SERVER].trust);

	handshake(&wc->base[KTLS_ROLE_SERVER], &res);
	ck_assert_int_eq(res.error, KTLS_E_ALERT_unknown_ca);
	ck_assert(!res.peer_verified);
	wconf_free(wc);
}
END_TEST

/* A server trust store, in either mode: asked, verified, authenticated. */
START_TEST(test_wconf_truststore_verifies_clients)
{
	struct ktls_result res;
	struct wconf *wc;
	struct kcfg cfg;
	int compat;

	for (compat = 0; compat < 2; compat++) {
		base_cfg(&cfg, compat, true);
		ck_assert_int_eq(kcfg_client_auth(&cfg),
				 KCFG_CLIENT_AUTH_TRUSTSTORE);
		cfg.server.require_client_cert = true;
		wc = build(&cfg);
		ck_assert(wc->base[KTLS_ROLE_SERVER].flags &
			  KTLS_F_REQUEST_CLIENT_CERT);
		ck_assert(wc->base[KTLS_ROLE_SERVER].flags &
			  KTLS_F_REQUIRE_CLIENT_CERT);
		handshake(&wc->base[KTLS_ROLE_SERVER], &res);
		ck_assert_int_eq(res.error, 0);
		ck_assert(res.peer_cert);
		ck_assert(res.peer_verified);
		wconf_free(wc);
	}
}
END_TEST

/*
 * require_client_cert with nothing to verify against: kcfg_load() refuses
 * such a file in ktlsd's mode; a configuration built another way fails
 * here rather than letting every client in unauthenticated.
 */
START_TEST(test_wconf_require_without_truststore_fails)
{
	struct wconf *wc = (struct wconf *)1;
	struct kcfg cfg;
	char err[256] = "";

	base_cfg(&cfg, false, false);
	cfg.server.require_client_cert = true;
	ck_assert_int_eq(wconf_build(&cfg, &wc, err, sizeof(err)), -1);
	ck_assert_ptr_null(wc);
	ck_assert_ptr_nonnull(strstr(err, "x509.require_client_cert"));
}
END_TEST

/* The security level reaches both roles' engine configuration. */
START_TEST(test_wconf_security_level)
{
	static const unsigned int levels[] = { 0, 2, 3, 5 };
	struct wconf *wc;
	struct kcfg cfg;
	size_t i;

	base_cfg(&cfg, false, true);
	wc = build(&cfg);
	ck_assert_uint_eq(wc->base[KTLS_ROLE_CLIENT].security_level,
			  KTLS_SECURITY_LEVEL_DEFAULT);
	ck_assert_uint_eq(wc->base[KTLS_ROLE_SERVER].security_level,
			  KTLS_SECURITY_LEVEL_DEFAULT);
	wconf_free(wc);
	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		cfg.security_level = levels[i];
		wc = build(&cfg);
		ck_assert_uint_eq(wc->base[KTLS_ROLE_CLIENT].security_level,
				  levels[i]);
		ck_assert_uint_eq(wc->base[KTLS_ROLE_SERVER].security_level,
				  levels[i]);
		wconf_free(wc);
	}
	/* Level 4 (192 bits) refuses the P-256 client certificate. */
	{
		struct ktls_result res;

		cfg.security_level = 4;
		wc = build(&cfg);
		handshake(&wc->base[KTLS_ROLE_SERVER], &res);
		ck_assert_int_eq(res.error, KTLS_E_ALERT_unsupported_certificate);
		ck_assert(!res.peer_verified);
		wconf_free(wc);
	}
}
END_TEST

static Suite *wconf_suite(void)
{
	Suite *s = suite_create("wconf");
	TCase *tc = tcase_create("wconf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_wconf_own_mode_no_truststore_asks_nobody);
	tcase_add_test(tc, test_wconf_compat_no_truststore_uses_system_store);
	tcase_add_test(tc, test_wconf_truststore_verifies_clients);
	tcase_add_test(tc, test_wconf_require_without_truststore_fails);
	tcase_add_test(tc, test_wconf_security_level);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wconf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
