// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Our client against our server, in memory (engine.c, sm_*.c, record.c,
 * appdata.c, export.c): every suite x group x signature scheme, flights
 * fed whole and then one byte at a time, HelloRetryRequest, mutual
 * authentication, external PSKs, every failure with the alert each side
 * must see, out-of-order messages, no reading past Finished, KeyUpdate,
 * asynchronous signing, ALPN and record_size_limit.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ktls/ktls.h>

#include "testcert.h"

struct side {
	struct ktls_config cfg;
	struct ktls_credential *cred;
	struct ktls_trust *trust;
	struct ktls_conn *c;
};

struct pair {
	struct side cli, srv;
	struct ktls_psk psk;		/* the server's one PSK */
	bool psk_set;
};

static const uint8_t psk_key[32] = "0123456789abcdef0123456789abcdef";

static int lookup(void *arg, const uint8_t *id, size_t len, struct ktls_psk *out)
{
	struct pair *p = arg;

	if (!p->psk_set || len != p->psk.identity_len ||
	    memcmp(id, p->psk.identity, len))
		return KTLS_E_ALERT_unknown_psk_identity;
	*out = p->psk;
	return 0;
}

static void pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	ktls_config_init(&p->cli.cfg);
	ktls_config_init(&p->srv.cfg);
	ck_assert_int_eq(ktls_trust_load(testcert_ca_file(), NULL, NULL, &p->cli.trust), 0);
	p->cli.cfg.trust = p->cli.trust;
	p->srv.cfg.psk_lookup = lookup;
	p->srv.cfg.psk_lookup_arg = p;
}

static void side_cert(struct side *s, enum testcert_key key, const char *name,
		      int days, bool other_ca)
{
	struct testcert tc;

	ck_assert_int_eq(testcert_make(key, name, days, other_ca, &tc), 0);
	ck_assert_int_eq(ktls_credential_load_pem(tc.cert, tc.key, &s->cred), 0);
	s->cfg.cred = s->cred;
}

/* A pair whose server has the usual certificate: P-256, server.test, 30 days, our CA. */
static void pair_init_cert(struct pair *p)
{
	pair_init(p);
	side_cert(&p->srv, TESTCERT_P256, "server.test", 30, false);
}

static void pair_start(struct pair *p, const char *peer_name)
{
	ck_assert_int_eq(ktls_conn_new(&p->cli.cfg, &ktls_default_ops,
				       KTLS_ROLE_CLIENT, &p->cli.c), 0);
	ck_assert_int_eq(ktls_conn_new(&p->srv.cfg, &ktls_default_ops,
				       KTLS_ROLE_SERVER, &p->srv.c), 0);
	if (peer_name)
		ck_assert_int_eq(ktls_conn_set_peer_name(p->cli.c, peer_name), 0);
}

static void side_free(struct side *s)
{
	ktls_conn_free(s->c);
	ktls_credential_free(s->cred);
	ktls_trust_free(s->trust);
}

static void pair_free(struct pair *p)
{
	side_free(&p->cli);
	side_free(&p->srv);
}

/* Move what @from has to send into @to, @chunk bytes at a time (0: all). */
static size_t pump(struct ktls_conn *from, struct ktls_conn *to, size_t chunk)
{
	size_t len, moved = 0;
	const uint8_t *out = ktls_output(from, &len);

	while (len) {
		size_t n = chunk && chunk < len ? chunk : len, used = 0;
		int ret = ktls_input(to, out, n, &used);

		if (ret || used == 0) {
			ktls_output_ack(from, used);
			moved += used;
			break;
		}
		ktls_output_ack(from, used);
		moved += used;
		out = ktls_output(from, &len);
	}
	return moved;
}

#define FINISHED(st) ((st) & (KTLS_DONE | KTLS_FAILED))

/* Run the handshake; true when both sides are done. */
static bool run(struct pair *p, size_t chunk)
{
	int i;

	ck_assert_int_eq(ktls_start(p->srv.c), 0);
	if (ktls_start(p->cli.c))
		return false;
	for (i = 0; i < 100000; i++) {
		unsigned int cs = ktls_status(p->cli.c), ss = ktls_status(p->srv.c);
		size_t moved = 0;

		if (cs & KTLS_HAS_OUTPUT)
			moved += pump(p->cli.c, p->srv.c, chunk);
		if (ss & KTLS_HAS_OUTPUT)
			moved += pump(p->srv.c, p->cli.c, chunk);
		cs = ktls_status(p->cli.c);
		ss = ktls_status(p->srv.c);
		if (FINISHED(cs) && FINISHED(ss) &&
		    !((cs | ss) & KTLS_HAS_OUTPUT))
			break;
		if ((cs & KTLS_FAILED) && !(cs & KTLS_HAS_OUTPUT) && !(ss & KTLS_HAS_OUTPUT))
			break;
		if ((ss & KTLS_FAILED) && !(ss & KTLS_HAS_OUTPUT) && !(cs & KTLS_HAS_OUTPUT))
			break;
		if (!moved && !((cs | ss) & KTLS_HAS_OUTPUT))
			break;
	}
	return (ktls_status(p->cli.c) & KTLS_DONE) && (ktls_status(p->srv.c) & KTLS_DONE);
}

/* Both sides' results. */
static void results(struct pair *p, struct ktls_result *rc, struct ktls_result *rs)
{
	ktls_get_result(p->cli.c, rc);
	ktls_get_result(p->srv.c, rs);
}

static void keys_match(struct ktls_conn *a, struct ktls_conn *b)
{
	struct ktls_traffic_keys ka, kb;

	ck_assert_int_eq(ktls_get_traffic_keys(a, KTLS_TX, &ka), 0);
	ck_assert_int_eq(ktls_get_traffic_keys(b, KTLS_RX, &kb), 0);
	ck_assert_uint_eq(ka.key_len, kb.key_len);
	ck_assert_mem_eq(ka.key, kb.key, ka.key_len);
	ck_assert_mem_eq(ka.iv, kb.iv, 12);
	ck_assert_uint_eq(ka.seq, kb.seq);
	ktls_traffic_keys_wipe(&ka);
	ktls_traffic_keys_wipe(&kb);
}

/* Send @msg from @a to @b through the user-space data path. */
static void app_roundtrip(struct ktls_conn *a, struct ktls_conn *b, const char *msg)
{
	size_t used = 0, len;
	const uint8_t *got;

	ck_assert_int_eq(ktls_app_write(a, (const uint8_t *)msg, strlen(msg), &used), 0);
	ck_assert_uint_eq(used, strlen(msg));
	pump(a, b, 0);
	ck_assert(ktls_status(b) & KTLS_APP_DATA);
	got = ktls_app_read(b, &len);
	ck_assert_uint_eq(len, strlen(msg));
	ck_assert_mem_eq(got, msg, len);
	ktls_app_consume(b, len);
}

static void check_ok(struct pair *p, size_t chunk)
{
	struct ktls_result rc, rs;

	if (!run(p, chunk))
		ck_abort_msg("handshake failed: client '%s', server '%s'",
			     ktls_error_detail(p->cli.c), ktls_error_detail(p->srv.c));
	results(p, &rc, &rs);
	ck_assert_uint_eq(rc.version, KTLS_VERSION_TLS13);
	ck_assert_uint_eq(rc.suite, rs.suite);
	ck_assert_uint_eq(rc.group, rs.group);
	keys_match(p->cli.c, p->srv.c);
	keys_match(p->srv.c, p->cli.c);
	app_roundtrip(p->cli.c, p->srv.c, "ping from the client");
	app_roundtrip(p->srv.c, p->cli.c, "pong from the server");
}

/* The signature schemes and the key that signs each. */
static const struct {
	uint16_t scheme;
	enum testcert_key key;
} schemes[] = {
	{ KTLS_SIG_ECDSA_SECP256R1_SHA256, TESTCERT_P256 },
	{ KTLS_SIG_ECDSA_SECP384R1_SHA384, TESTCERT_P384 },
	{ KTLS_SIG_ECDSA_SECP521R1_SHA512, TESTCERT_P521 },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA256, TESTCERT_RSA2048 },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA384, TESTCERT_RSA2048 },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA512, TESTCERT_RSA2048 },
	{ KTLS_SIG_RSA_PSS_PSS_SHA256, TESTCERT_RSA_PSS },
	{ KTLS_SIG_RSA_PSS_PSS_SHA384, TESTCERT_RSA_PSS },
	{ KTLS_SIG_RSA_PSS_PSS_SHA512, TESTCERT_RSA_PSS },
	{ KTLS_SIG_ED25519, TESTCERT_ED25519 },
	{ KTLS_SIG_ED448, TESTCERT_ED448 },
};
static const uint16_t suites[] = { KTLS_AES_128_GCM_SHA256, KTLS_AES_256_GCM_SHA384,
				   KTLS_CHACHA20_POLY1305_SHA256, KTLS_AES_128_CCM_SHA256 };
static const uint16_t groups[] = { KTLS_GROUP_X25519, KTLS_GROUP_SECP256R1,
				   KTLS_GROUP_SECP384R1, KTLS_GROUP_X448,
				   KTLS_GROUP_SECP521R1 };
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One credential per key type, made once for the matrix. */
static struct testcert matrix_certs[TESTCERT_KEY_COUNT];

static void matrix_setup(void)
{
	size_t i;

	for (i = 0; i < TESTCERT_KEY_COUNT; i++)
		if (testcert_make(i, "server.test", 30, false, &matrix_certs[i]))
			abort();
}

static void matrix_one(uint16_t suite, uint16_t group, size_t si, size_t chunk)
{
	struct pair p;
	struct ktls_result rc;

	pair_init(&p);
	ck_assert_int_eq(ktls_credential_load_pem(matrix_certs[schemes[si].key].cert,
						  matrix_certs[schemes[si].key].key,
						  &p.srv.cred), 0);
	p.srv.cfg.cred = p.srv.cred;
	p.cli.cfg.suites[0] = suite;
	p.cli.cfg.n_suites = 1;
	p.cli.cfg.groups[0] = group;
	p.cli.cfg.n_groups = 1;
	p.cli.cfg.sigschemes[0] = schemes[si].scheme;
	p.cli.cfg.n_sigschemes = 1;
	pair_start(&p, "server.test");
	check_ok(&p, chunk);
	ktls_get_result(p.cli.c, &rc);
	ck_assert_uint_eq(rc.suite, suite);
	ck_assert_uint_eq(rc.group, group);
	ck_assert_uint_eq(rc.sigscheme, schemes[si].scheme);
	ck_assert(rc.peer_verified);
	ck_assert(!rc.hrr);
	pair_free(&p);
}

START_TEST(test_handshake_matrix_whole_flights)
{
	size_t s, g, si;

	matrix_setup();
	for (s = 0; s < N(suites); s++)
		for (g = 0; g < N(groups); g++)
			for (si = 0; si < N(schemes); si++)
				matrix_one(suites[s], groups[g], si, 0);
}
END_TEST

START_TEST(test_handshake_byte_at_a_time)
{
	size_t s, si;

	matrix_setup();
	for (s = 0; s < N(suites); s++)
		matrix_one(suites[s], groups[s % N(groups)], s, 1);
	for (si = 0; si < N(schemes); si++)
		matrix_one(KTLS_AES_128_GCM_SHA256, KTLS_GROUP_X25519, si, 1);
}
END_TEST

START_TEST(test_handshake_hello_retry)
{
	struct pair p;
	struct ktls_result rc, rs;
	size_t chunk;

	for (chunk = 0; chunk < 2; chunk++) {
		pair_init_cert(&p);
		p.cli.cfg.flags |= KTLS_F_COMPAT_CCS;
		p.srv.cfg.flags |= KTLS_F_HRR_COOKIE;
		p.srv.cfg.groups[0] = KTLS_GROUP_SECP384R1;
		p.srv.cfg.n_groups = 1;
		pair_start(&p, "server.test");
		check_ok(&p, chunk);
		results(&p, &rc, &rs);
		ck_assert(rc.hrr && rs.hrr);
		ck_assert_uint_eq(rc.group, KTLS_GROUP_SECP384R1);
		pair_free(&p);
	}
}
END_TEST

/* The server trusts our CA for client certificates and asks for one (@flag). */
static void server_asks_client_cert(struct pair *p, unsigned int flag)
{
	ck_assert_int_eq(ktls_trust_load(testcert_ca_file(), NULL, NULL, &p->srv.trust), 0);
	p->srv.cfg.trust = p->srv.trust;
	p->srv.cfg.flags |= flag;
}

START_TEST(test_handshake_mutual_auth)
{
	struct pair p;
	struct ktls_result rs;

	pair_init_cert(&p);
	side_cert(&p.cli, TESTCERT_ED25519, "client.test", 30, false);
	server_asks_client_cert(&p, KTLS_F_REQUIRE_CLIENT_CERT);
	pair_start(&p, "server.test");
	check_ok(&p, 0);
	ktls_get_result(p.srv.c, &rs);
	ck_assert(rs.peer_cert && rs.peer_verified);
	ck_assert_uint_eq(rs.sigscheme, KTLS_SIG_ED25519);
	ck_assert_ptr_nonnull(ktls_peer_certificate(p.srv.c));
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_client_cert_required_but_absent)
{
	struct pair p;
	struct ktls_result rc, rs;

	pair_init_cert(&p);
	server_asks_client_cert(&p, KTLS_F_REQUIRE_CLIENT_CERT);
	pair_start(&p, "server.test");
	ck_assert(!run(&p, 0));
	results(&p, &rc, &rs);
	ck_assert_int_eq(rs.error, KTLS_E_ALERT_certificate_required);
	ck_assert_int_eq(rs.alert_sent, KTLS_ALERT_certificate_required);
	/* The client finished its side before the server's verdict arrived. */
	ck_assert_int_eq(rc.alert_received, KTLS_ALERT_certificate_required);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_client_cert_optional)
{
	struct pair p;
	struct ktls_result rs;

	pair_init_cert(&p);
	server_asks_client_cert(&p, KTLS_F_REQUEST_CLIENT_CERT);
	pair_start(&p, "server.test");
	check_ok(&p, 0);
	ktls_get_result(p.srv.c, &rs);
	ck_assert(!rs.peer_cert && !rs.peer_verified);
	pair_free(&p);
}
END_TEST

/* An external PSK @id with @key for @hash; @tag comes back in the result. */
static struct ktls_psk make_psk(const char *id, const uint8_t *key, enum ktls_hash hash,
				uint32_t tag)
{
	struct ktls_psk k = {
		.identity = (const uint8_t *)id, .identity_len = strlen(id),
		.key = key, .key_len = 32, .hash = hash, .tag = tag,
	};

	return k;
}

/* A pair without certificates whose server knows the one PSK @srv_psk. */
static void pair_init_psk(struct pair *p, const struct ktls_psk *srv_psk)
{
	pair_init(p);
	p->psk = *srv_psk;
	p->psk_set = true;
}

/* Start a PSK pair (no peer name) whose client offers @offer. */
static void pair_start_psk(struct pair *p, const struct ktls_psk *offer)
{
	pair_start(p, NULL);
	ck_assert_int_eq(ktls_conn_set_psks(p->cli.c, offer, 1), 0);
}

/* The server's PSK is "NVMe0R01 host subsys"; the client offers @cli_id with @cli_key. */
static void psk_pair(struct pair *p, enum ktls_hash hash, const char *cli_id,
		     const uint8_t *cli_key)
{
	struct ktls_psk sp = make_psk("NVMe0R01 host subsys", psk_key, hash, 1234);
	struct ktls_psk cp = make_psk(cli_id, cli_key, hash, 77);

	pair_init_psk(p, &sp);
	pair_start_psk(p, &cp);
}

START_TEST(test_handshake_psk_dhe_ke)
{
	struct pair p;
	struct ktls_result rc, rs;

	psk_pair(&p, KTLS_HASH_SHA384, "NVMe0R01 host subsys", psk_key);
	check_ok(&p, 0);
	results(&p, &rc, &rs);
	ck_assert(rc.psk && rs.psk);
	ck_assert_uint_eq(rs.suite, KTLS_AES_256_GCM_SHA384);
	ck_assert_uint_eq(rs.psk_tag, 1234);
	ck_assert_uint_eq(rc.psk_tag, 77);
	ck_assert_uint_ne(rc.group, 0);
	ck_assert_mem_eq(rs.psk_identity, "NVMe0R01 host subsys", rs.psk_identity_len);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_psk_ke)
{
	struct pair p;
	struct ktls_result rc;
	struct ktls_psk cp = make_psk("NVMe0R01 host subsys", psk_key, KTLS_HASH_SHA256, 0);

	pair_init_psk(&p, &cp);
	p.cli.cfg.flags |= KTLS_F_PSK_ONLY_KE;
	p.srv.cfg.flags |= KTLS_F_PSK_KE;
	pair_start_psk(&p, &cp);
	check_ok(&p, 1);
	ktls_get_result(p.cli.c, &rc);
	ck_assert(rc.psk);
	ck_assert_uint_eq(rc.group, 0);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_psk_ke_refused_by_server)
{
	struct pair p;
	struct ktls_result rs;
	struct ktls_psk cp = make_psk("id", psk_key, KTLS_HASH_SHA256, 0);

	pair_init_psk(&p, &cp);
	p.cli.cfg.flags |= KTLS_F_PSK_ONLY_KE;
	pair_start_psk(&p, &cp);
	ck_assert(!run(&p, 0));
	ktls_get_result(p.srv.c, &rs);
	ck_assert_int_eq(rs.alert_sent, KTLS_ALERT_handshake_failure);
	pair_free(&p);
}
END_TEST

/* No group in common, both PSK modes offered: the server falls back to psk_ke. */
START_TEST(test_handshake_psk_ke_fallback_without_common_group)
{
	struct pair p;
	struct ktls_result rc;
	struct ktls_psk cp = make_psk("id", psk_key, KTLS_HASH_SHA256, 0);

	pair_init_psk(&p, &cp);
	p.cli.cfg.flags |= KTLS_F_PSK_KE;
	p.cli.cfg.groups[0] = KTLS_GROUP_X448;
	p.cli.cfg.n_groups = 1;
	p.srv.cfg.flags |= KTLS_F_PSK_KE;
	p.srv.cfg.groups[0] = KTLS_GROUP_X25519;
	p.srv.cfg.n_groups = 1;
	pair_start_psk(&p, &cp);
	check_ok(&p, 0);
	ktls_get_result(p.cli.c, &rc);
	ck_assert(rc.psk);
	ck_assert_uint_eq(rc.group, 0);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_psk_wrong_key)
{
	static const uint8_t bad[32] = "not the right key, not at all!!";
	struct pair p;
	struct ktls_result rc, rs;

	psk_pair(&p, KTLS_HASH_SHA256, "NVMe0R01 host subsys", bad);
	ck_assert(!run(&p, 0));
	results(&p, &rc, &rs);
	ck_assert_int_eq(rs.error, KTLS_E_ALERT_decrypt_error);
	ck_assert_int_eq(rc.error, KTLS_E_PEER_decrypt_error);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_psk_unknown_identity)
{
	struct pair p;
	struct ktls_result rc;

	psk_pair(&p, KTLS_HASH_SHA256, "somebody else", psk_key);
	ck_assert(!run(&p, 0));
	ktls_get_result(p.cli.c, &rc);
	ck_assert_int_eq(rc.error, KTLS_E_PEER_unknown_psk_identity);
	ck_assert_int_eq(ktls_error_errno(rc.error), EKEYREJECTED);
	pair_free(&p);
}
END_TEST

/*
 * The client, checking for @name, refuses a server certificate for
 * server.test made with @days and @other_ca: the alert it sends is the one
 * the server sees.
 */
static void expect_client_alert(const char *name, int days, bool other_ca, int alert)
{
	struct ktls_result rc, rs;
	struct pair p;

	pair_init(&p);
	side_cert(&p.srv, TESTCERT_P256, "server.test", days, other_ca);
	pair_start(&p, name);
	ck_assert(!run(&p, 0));
	results(&p, &rc, &rs);
	ck_assert_int_eq(rc.alert_sent, alert);
	ck_assert_int_eq(rs.alert_received, alert);
	ck_assert_int_eq(rs.error, KTLS_E_PEER_ALERT(alert));
	ck_assert_str_ne(ktls_error_detail(p.cli.c), "no error");
	ck_assert_int_eq(ktls_error_errno(rc.error), EACCES);
	pair_free(&p);
}

START_TEST(test_handshake_unknown_ca)
{
	expect_client_alert("server.test", 30, true, KTLS_ALERT_unknown_ca);
}
END_TEST

START_TEST(test_handshake_name_mismatch)
{
	expect_client_alert("other.test", 30, false, KTLS_ALERT_bad_certificate);
}
END_TEST

START_TEST(test_handshake_ip_name)
{
	struct pair p;

	pair_init_cert(&p);
	pair_start(&p, "127.0.0.1");
	check_ok(&p, 0);
	pair_free(&p);

	expect_client_alert("127.0.0.2", 30, false, KTLS_ALERT_bad_certificate);
}
END_TEST

START_TEST(test_handshake_expired)
{
	expect_client_alert("server.test", -1, false, KTLS_ALERT_certificate_expired);
}
END_TEST

START_TEST(test_handshake_no_peer_name_fails_closed)
{
	struct pair p;

	pair_init_cert(&p);
	pair_start(&p, NULL);
	ck_assert(!run(&p, 0));
	ck_assert(ktls_status(p.cli.c) & KTLS_FAILED);
	pair_free(&p);
}
END_TEST

static void expect_server_alert(struct pair *p, int alert)
{
	struct ktls_result rc, rs;

	ck_assert(!run(p, 0));
	results(p, &rc, &rs);
	ck_assert_int_eq(rs.alert_sent, alert);
	ck_assert_int_eq(rc.alert_received, alert);
}

START_TEST(test_handshake_no_common_suite)
{
	struct pair p;

	pair_init_cert(&p);
	p.cli.cfg.suites[0] = KTLS_AES_128_CCM_SHA256;
	p.cli.cfg.n_suites = 1;
	p.srv.cfg.n_suites = 2;	/* AES-GCM only */
	pair_start(&p, "server.test");
	expect_server_alert(&p, KTLS_ALERT_handshake_failure);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_no_common_group)
{
	struct pair p;

	pair_init_cert(&p);
	p.cli.cfg.groups[0] = KTLS_GROUP_X448;
	p.cli.cfg.n_groups = 1;
	p.srv.cfg.groups[0] = KTLS_GROUP_X25519;
	p.srv.cfg.n_groups = 1;
	pair_start(&p, "server.test");
	expect_server_alert(&p, KTLS_ALERT_handshake_failure);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_alpn)
{
	struct pair p;
	struct ktls_result rc, rs;

	pair_init_cert(&p);
	p.cli.cfg.alpn = "h2,sunrpc";
	p.srv.cfg.alpn = "sunrpc";
	pair_start(&p, "server.test");
	check_ok(&p, 0);
	results(&p, &rc, &rs);
	ck_assert_str_eq(rc.alpn, "sunrpc");
	ck_assert_str_eq(rs.alpn, "sunrpc");
	pair_free(&p);

	pair_init_cert(&p);
	p.cli.cfg.alpn = "h2";
	p.srv.cfg.alpn = "sunrpc";
	pair_start(&p, "server.test");
	expect_server_alert(&p, KTLS_ALERT_no_application_protocol);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_record_size_limit)
{
	struct pair p;
	struct ktls_result rc, rs;
	uint8_t big[3000];
	size_t used, len;
	const uint8_t *out;

	pair_init_cert(&p);
	p.cli.cfg.record_size_limit = 1000;
	pair_start(&p, "server.test");
	check_ok(&p, 0);
	results(&p, &rc, &rs);
	ck_assert_uint_eq(rs.peer_record_size_limit, 1000);
	ck_assert_uint_eq(rc.peer_record_size_limit, KTLS_MAX_PLAINTEXT + 1);
	/* The server now writes records of at most 999 + type + tag bytes. */
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(ktls_app_write(p.srv.c, big, sizeof(big), &used), 0);
	out = ktls_output(p.srv.c, &len);
	ck_assert_uint_eq((out[3] << 8) | out[4], 999 + 1 + 16);
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_key_update)
{
	struct pair p;

	pair_init_cert(&p);
	pair_start(&p, "server.test");
	check_ok(&p, 0);
	ck_assert_int_eq(ktls_key_update(p.cli.c, true), 0);
	app_roundtrip(p.cli.c, p.srv.c, "after the client's update");
	/* The server answered the request with its own KeyUpdate. */
	app_roundtrip(p.srv.c, p.cli.c, "after the server's update");
	keys_match(p.cli.c, p.srv.c);
	keys_match(p.srv.c, p.cli.c);
	pair_free(&p);
}
END_TEST

/* Data the client sends right after Finished stays unread by the server. */
START_TEST(test_handshake_no_read_past_finished)
{
	struct pair p;
	size_t len, used, used2, alen;
	const uint8_t *out, *got;
	int i;

	pair_init_cert(&p);
	pair_start(&p, "server.test");
	ck_assert_int_eq(ktls_start(p.cli.c), 0);
	for (i = 0; i < 10 && !(ktls_status(p.cli.c) & KTLS_DONE); i++) {
		pump(p.cli.c, p.srv.c, 0);
		pump(p.srv.c, p.cli.c, 0);
	}
	ck_assert(ktls_status(p.cli.c) & KTLS_DONE);
	/* Client's final flight, then application data, in one buffer. */
	ck_assert_int_eq(ktls_app_write(p.cli.c, (const uint8_t *)"early bird", 10, &used), 0);
	out = ktls_output(p.cli.c, &len);
	ck_assert_int_eq(ktls_input(p.srv.c, out, len, &used), 0);
	ck_assert(ktls_status(p.srv.c) & KTLS_DONE);
	ck_assert_uint_lt(used, len);
	ck_assert_uint_eq(len - used, 5 + 10 + 1 + 16);
	ck_assert_uint_eq(out[used], KTLS_CT_APPLICATION_DATA);
	/* What is left decrypts under the server's receive key. */
	ck_assert_int_eq(ktls_input(p.srv.c, out + used, len - used, &used2), 0);
	ck_assert_uint_eq(used2, len - used);
	got = ktls_app_read(p.srv.c, &alen);
	ck_assert_uint_eq(alen, 10);
	ck_assert_mem_eq(got, "early bird", 10);
	ktls_output_ack(p.cli.c, len);
	pair_free(&p);
}
END_TEST

/* The server sends nothing after its flight: no NewSessionTicket. */
START_TEST(test_handshake_no_ticket)
{
	struct pair p;
	size_t len;

	pair_init_cert(&p);
	pair_start(&p, "server.test");
	ck_assert(run(&p, 0));
	ktls_output(p.srv.c, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert(!(ktls_status(p.cli.c) & KTLS_APP_DATA));
	pair_free(&p);
}
END_TEST

/* A plaintext handshake record holding one message of @type. */
static size_t fake_record(uint8_t *buf, uint8_t type, size_t body)
{
	buf[0] = KTLS_CT_HANDSHAKE;
	buf[1] = 3;
	buf[2] = 3;
	buf[3] = (uint8_t)((4 + body) >> 8);
	buf[4] = (uint8_t)(4 + body);
	buf[5] = type;
	buf[6] = 0;
	buf[7] = (uint8_t)(body >> 8);
	buf[8] = (uint8_t)body;
	memset(buf + 9, 0, body);
	return 9 + body;
}

START_TEST(test_handshake_out_of_order)
{
	static const uint8_t types[] = { KTLS_HS_FINISHED, KTLS_HS_CERTIFICATE,
					 KTLS_HS_CLIENT_HELLO, KTLS_HS_KEY_UPDATE };
	struct ktls_config cfg;
	struct ktls_conn *c;
	uint8_t rec[64];
	size_t i, n, used;

	ktls_config_init(&cfg);
	cfg.flags |= KTLS_F_NO_VERIFY;
	for (i = 0; i < N(types); i++) {
		ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &c), 0);
		ck_assert_int_eq(ktls_start(c), 0);
		n = fake_record(rec, types[i], 32);
		ck_assert_int_eq(ktls_input(c, rec, n, &used), KTLS_E_ALERT_unexpected_message);
		ck_assert(ktls_status(c) & KTLS_FAILED);
		ktls_conn_free(c);
	}
	/* A server that gets anything but a ClientHello first. */
	ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops, KTLS_ROLE_SERVER, &c), 0);
	n = fake_record(rec, KTLS_HS_FINISHED, 32);
	ck_assert_int_eq(ktls_input(c, rec, n, &used), KTLS_E_ALERT_unexpected_message);
	ktls_conn_free(c);
}
END_TEST

START_TEST(test_handshake_garbage_fails_cleanly)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	uint8_t junk[4096];
	size_t i, used;
	unsigned int seed = 1;

	ktls_config_init(&cfg);
	for (i = 0; i < 200; i++) {
		size_t j;

		for (j = 0; j < sizeof(junk); j++)
			junk[j] = (uint8_t)rand_r(&seed);
		junk[0] = 22;
		junk[1] = 3;
		junk[5] = 1;	/* looks like a ClientHello */
		ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops, KTLS_ROLE_SERVER, &c), 0);
		(void)!ktls_input(c, junk, sizeof(junk), &used);
		ck_assert(ktls_status(c) & (KTLS_FAILED | KTLS_WANT_INPUT));
		ktls_conn_free(c);
	}
}
END_TEST

START_TEST(test_handshake_closed_mid_handshake)
{
	struct pair p;

	pair_init_cert(&p);
	pair_start(&p, "server.test");
	ck_assert_int_eq(ktls_start(p.cli.c), 0);
	pump(p.cli.c, p.srv.c, 0);
	ck_assert_int_eq(ktls_input_ack(p.cli.c, 0), KTLS_E_CLOSED);
	ck_assert_int_eq(ktls_error_errno(KTLS_E_CLOSED), ETIMEDOUT);
	pair_free(&p);
}
END_TEST

/* ops->sign answers later, as a privileged helper process would. */
struct pending_sign {
	uint8_t tbs[256];
	size_t tbs_len;
	uint16_t scheme;
	int calls;
};

static struct pending_sign pend;

static int sign_later(void *ctx, const struct ktls_credential *cred, uint16_t scheme,
		      const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t *sig_len)
{
	ck_assert_uint_le(tbs_len, sizeof(pend.tbs));
	memcpy(pend.tbs, tbs, tbs_len);
	pend.tbs_len = tbs_len;
	pend.scheme = scheme;
	pend.calls++;
	return KTLS_E_PENDING;
}

/*
 * A certificate pair whose server runs @ops (the client the default ops),
 * started and pumped until the server's first asynchronous step holds it.
 */
static void start_with_server_ops(struct pair *p, const struct ktls_ops *ops)
{
	pair_init_cert(p);
	ck_assert_int_eq(ktls_conn_new(&p->cli.cfg, &ktls_default_ops, KTLS_ROLE_CLIENT,
					&p->cli.c), 0);
	ck_assert_int_eq(ktls_conn_new(&p->srv.cfg, ops, KTLS_ROLE_SERVER, &p->srv.c), 0);
	ck_assert_int_eq(ktls_conn_set_peer_name(p->cli.c, "server.test"), 0);
	ck_assert_int_eq(ktls_start(p->cli.c), 0);
	pump(p->cli.c, p->srv.c, 0);
}

/* After an asynchronous step was answered: a few rounds each way, and both are done. */
static void finish_after_pending(struct pair *p)
{
	int i;

	for (i = 0; i < 10; i++) {
		pump(p->srv.c, p->cli.c, 0);
		pump(p->cli.c, p->srv.c, 0);
	}
	ck_assert(ktls_status(p->cli.c) & KTLS_DONE);
	ck_assert(ktls_status(p->srv.c) & KTLS_DONE);
}

START_TEST(test_handshake_async_sign)
{
	struct ktls_ops ops = ktls_default_ops;
	struct pair p;
	EVP_MD_CTX *md;
	uint8_t sig[128];
	size_t sig_len = sizeof(sig);

	ops.sign = sign_later;
	memset(&pend, 0, sizeof(pend));
	start_with_server_ops(&p, &ops);
	ck_assert(ktls_status(p.srv.c) & KTLS_PENDING);
	ck_assert_int_eq(pend.calls, 1);
	ck_assert_uint_eq(pend.scheme, KTLS_SIG_ECDSA_SECP256R1_SHA256);
	md = EVP_MD_CTX_new();
	ck_assert(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
				     ktls_credential_key(p.srv.cred)) == 1);
	ck_assert(EVP_DigestSign(md, sig, &sig_len, pend.tbs, pend.tbs_len) == 1);
	EVP_MD_CTX_free(md);
	ck_assert_int_eq(ktls_signature_done(p.srv.c, 0, sig, sig_len), 0);
	finish_after_pending(&p);
	keys_match(p.cli.c, p.srv.c);
	pair_free(&p);
}
END_TEST


/* ops->sign_hash: the signer gets the transcript hash and the role, not content. */
static struct {
	uint8_t th[64];
	size_t th_len;
	enum ktls_role role;
	uint16_t scheme;
	int calls;
} pend_hash;

static int sign_hash_later(void *ctx, const struct ktls_credential *cred, enum ktls_role role,
			   uint16_t scheme, const uint8_t *th, size_t th_len, uint8_t *sig,
			   size_t *sig_len)
{
	ck_assert_uint_le(th_len, sizeof(pend_hash.th));
	memcpy(pend_hash.th, th, th_len);
	pend_hash.th_len = th_len;
	pend_hash.role = role;
	pend_hash.scheme = scheme;
	pend_hash.calls++;
	return KTLS_E_PENDING;
}

START_TEST(test_handshake_async_sign_hash)
{
	struct ktls_ops ops = ktls_default_ops;
	struct pair p;
	uint8_t sig[128];
	size_t sig_len = sizeof(sig);

	ops.sign = sign_later;		/* sign_hash wins when both are set */
	ops.sign_hash = sign_hash_later;
	memset(&pend, 0, sizeof(pend));
	memset(&pend_hash, 0, sizeof(pend_hash));
	start_with_server_ops(&p, &ops);
	ck_assert(ktls_status(p.srv.c) & KTLS_PENDING);
	ck_assert_int_eq(pend.calls, 0);
	ck_assert_int_eq(pend_hash.calls, 1);
	ck_assert_uint_eq(pend_hash.th_len, 32);	/* an AES-128-GCM-SHA256 transcript */
	ck_assert_int_eq(pend_hash.role, KTLS_ROLE_SERVER);
	ck_assert_uint_eq(pend_hash.scheme, KTLS_SIG_ECDSA_SECP256R1_SHA256);
	/* What ktls_credential_sign_cv() refuses: no TLS 1.3 hash, a scheme off the key. */
	ck_assert_int_eq(ktls_credential_sign_cv(p.srv.cred, KTLS_ROLE_SERVER, pend_hash.scheme,
						 pend_hash.th, 20, sig, &sig_len), KTLS_E_INVALID);
	ck_assert_int_eq(ktls_credential_sign_cv(p.srv.cred, KTLS_ROLE_SERVER,
						 KTLS_SIG_RSA_PSS_RSAE_SHA256, pend_hash.th,
						 pend_hash.th_len, sig, &sig_len), KTLS_E_INVALID);
	/* The client context would not verify at the client. */
	ck_assert_int_eq(ktls_credential_sign_cv(p.srv.cred, pend_hash.role, pend_hash.scheme,
						 pend_hash.th, pend_hash.th_len, sig, &sig_len), 0);
	ck_assert_int_eq(ktls_signature_done(p.srv.c, 0, sig, sig_len), 0);
	finish_after_pending(&p);
	keys_match(p.cli.c, p.srv.c);
	pair_free(&p);
}
END_TEST

/* Signed as the client's CertificateVerify: the client refuses the server. */
START_TEST(test_handshake_async_sign_hash_wrong_role)
{
	struct ktls_ops ops = ktls_default_ops;
	struct pair p;
	uint8_t sig[128];
	size_t sig_len = sizeof(sig);
	int i;

	ops.sign_hash = sign_hash_later;
	memset(&pend_hash, 0, sizeof(pend_hash));
	start_with_server_ops(&p, &ops);
	ck_assert_int_eq(pend_hash.calls, 1);
	ck_assert_int_eq(ktls_credential_sign_cv(p.srv.cred, KTLS_ROLE_CLIENT, pend_hash.scheme,
						 pend_hash.th, pend_hash.th_len, sig, &sig_len), 0);
	ck_assert_int_eq(ktls_signature_done(p.srv.c, 0, sig, sig_len), 0);
	for (i = 0; i < 10; i++) {
		pump(p.srv.c, p.cli.c, 0);
		pump(p.cli.c, p.srv.c, 0);
	}
	ck_assert(ktls_status(p.cli.c) & KTLS_FAILED);
	ck_assert(!(ktls_status(p.cli.c) & KTLS_DONE));
	pair_free(&p);
}
END_TEST

/* psk_lookup answers later, as the privileged process of ktlsd does. */
static int lookup_calls;

static int lookup_later(void *arg, const uint8_t *id, size_t len, struct ktls_psk *out)
{
	lookup_calls++;
	return KTLS_E_PENDING;
}

START_TEST(test_handshake_async_psk_lookup)
{
	struct pair p;
	struct ktls_result rc, rs;
	struct ktls_psk offer[2] = {
		{ .identity = (const uint8_t *)"stale", .identity_len = 5,
		  .key = psk_key, .key_len = 32, .hash = KTLS_HASH_SHA256, .tag = 1 },
		{ .identity = (const uint8_t *)"NVMe0R01 h s", .identity_len = 12,
		  .key = psk_key, .key_len = 32, .hash = KTLS_HASH_SHA256, .tag = 2 },
	};
	struct ktls_psk answer = offer[1];

	lookup_calls = 0;
	pair_init(&p);
	p.srv.cfg.psk_lookup = lookup_later;
	pair_start(&p, NULL);
	ck_assert_int_eq(ktls_conn_set_psks(p.cli.c, offer, 2), 0);
	ck_assert_int_eq(ktls_start(p.cli.c), 0);
	pump(p.cli.c, p.srv.c, 0);
	ck_assert(ktls_status(p.srv.c) & KTLS_PENDING);
	ck_assert_int_eq(lookup_calls, 1);
	/* The first identity is unknown: the engine asks for the second. */
	ck_assert_int_eq(ktls_psk_lookup_done(p.srv.c, KTLS_E_ALERT_unknown_psk_identity, NULL), 0);
	ck_assert(ktls_status(p.srv.c) & KTLS_PENDING);
	ck_assert_int_eq(lookup_calls, 2);
	answer.tag = 99;
	ck_assert_int_eq(ktls_psk_lookup_done(p.srv.c, 0, &answer), 0);
	ck_assert(!(ktls_status(p.srv.c) & KTLS_PENDING));
	finish_after_pending(&p);
	results(&p, &rc, &rs);
	ck_assert_uint_eq(rc.psk_tag, 2);
	ck_assert_uint_eq(rs.psk_tag, 99);
	keys_match(p.cli.c, p.srv.c);
	/* A second answer is refused. */
	ck_assert_int_eq(ktls_psk_lookup_done(p.srv.c, 0, &answer), KTLS_E_INVALID);
	pair_free(&p);
}
END_TEST

/* Deterministic ops give byte-identical ClientHellos. */
static int det_random(void *ctx, uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	return 0;
}

START_TEST(test_handshake_deterministic_ops)
{
	struct ktls_ops ops = ktls_default_ops;
	struct ktls_config cfg;
	struct ktls_conn *a, *b;
	size_t la, lb;
	const uint8_t *oa, *ob;

	ops.random = det_random;
	ktls_config_init(&cfg);
	cfg.flags |= KTLS_F_NO_VERIFY;
	ck_assert_int_eq(ktls_conn_new(&cfg, &ops, KTLS_ROLE_CLIENT, &a), 0);
	ck_assert_int_eq(ktls_conn_new(&cfg, &ops, KTLS_ROLE_CLIENT, &b), 0);
	ck_assert_int_eq(ktls_start(a), 0);
	ck_assert_int_eq(ktls_start(b), 0);
	oa = ktls_output(a, &la);
	ob = ktls_output(b, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert_mem_eq(oa, ob, la);
	ktls_conn_free(a);
	ktls_conn_free(b);
}
END_TEST

static Suite *handshake_suite(void)
{
	Suite *s = suite_create("handshake");
	TCase *tc = tcase_create("handshake");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_handshake_matrix_whole_flights);
	tcase_add_test(tc, test_handshake_byte_at_a_time);
	tcase_add_test(tc, test_handshake_hello_retry);
	tcase_add_test(tc, test_handshake_mutual_auth);
	tcase_add_test(tc, test_handshake_client_cert_required_but_absent);
	tcase_add_test(tc, test_handshake_client_cert_optional);
	tcase_add_test(tc, test_handshake_psk_dhe_ke);
	tcase_add_test(tc, test_handshake_psk_ke);
	tcase_add_test(tc, test_handshake_psk_ke_refused_by_server);
	tcase_add_test(tc, test_handshake_psk_ke_fallback_without_common_group);
	tcase_add_test(tc, test_handshake_psk_wrong_key);
	tcase_add_test(tc, test_handshake_psk_unknown_identity);
	tcase_add_test(tc, test_handshake_unknown_ca);
	tcase_add_test(tc, test_handshake_name_mismatch);
	tcase_add_test(tc, test_handshake_ip_name);
	tcase_add_test(tc, test_handshake_expired);
	tcase_add_test(tc, test_handshake_no_peer_name_fails_closed);
	tcase_add_test(tc, test_handshake_no_common_suite);
	tcase_add_test(tc, test_handshake_no_common_group);
	tcase_add_test(tc, test_handshake_alpn);
	tcase_add_test(tc, test_handshake_record_size_limit);
	tcase_add_test(tc, test_handshake_key_update);
	tcase_add_test(tc, test_handshake_no_read_past_finished);
	tcase_add_test(tc, test_handshake_no_ticket);
	tcase_add_test(tc, test_handshake_out_of_order);
	tcase_add_test(tc, test_handshake_garbage_fails_cleanly);
	tcase_add_test(tc, test_handshake_closed_mid_handshake);
	tcase_add_test(tc, test_handshake_async_sign);
	tcase_add_test(tc, test_handshake_async_sign_hash);
	tcase_add_test(tc, test_handshake_async_sign_hash_wrong_role);
	tcase_add_test(tc, test_handshake_async_psk_lookup);
	tcase_add_test(tc, test_handshake_deterministic_ops);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(handshake_suite());
	int failed;

	/* Made before the tests fork, so one cleanup removes everything. */
	if (!testcert_ca_file())
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testcert_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
