// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_server_hello.c: the client's parser for ServerHello
 * and HelloRetryRequest (told apart by the special random, RFC 8446
 * §4.1.3), each truncation point, trailing bytes, vectors out of range,
 * duplicate, misplaced and unsolicited extensions, and the server's
 * builder parsed back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

static const uint8_t sh_random[32] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
	0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
	0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};
static uint8_t pub[32];

struct sh_spec {
	bool hrr;
	size_t sid_len;
	bool no_ext;
	bool std_ext;			/* versions, key_share, psk / cookie */
	const uint8_t *extra;		/* whole extensions after the standard ones */
	size_t extra_len;
};

static size_t ext_offset(const struct sh_spec *s)
{
	return KMSG_HEADER + 2 + 32 + 1 + s->sid_len + 2 + 1;
}

static size_t build_sh(uint8_t *buf, const struct sh_spec *s)
{
	struct kw w;
	struct kw_mark m, l, e, k;

	mt_fill(pub, sizeof(pub), 0x33);
	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_SERVER_HELLO);
	kw_u16(&w, KTLS_VERSION_TLS12);
	kw_bytes(&w, s->hrr ? (const uint8_t *)KMSG_HRR_RANDOM : sh_random, 32);
	kw_u8(&w, (uint8_t)s->sid_len);
	mt_fill(kw_reserve(&w, s->sid_len), s->sid_len, 0x70);
	kw_u16(&w, KTLS_AES_256_GCM_SHA384);
	kw_u8(&w, 0);
	if (s->no_ext)
		return mt_msg_end(&w, m);
	l = kw_open16(&w);
	if (s->std_ext) {
		mt_ext_u16(&w, KTLS_EXT_SUPPORTED_VERSIONS, KTLS_VERSION_TLS13);
		kw_u16(&w, KTLS_EXT_KEY_SHARE);
		e = kw_open16(&w);
		kw_u16(&w, KTLS_GROUP_X25519);
		if (!s->hrr) {
			k = kw_open16(&w);
			kw_bytes(&w, pub, sizeof(pub));
			kw_close(&w, k);
		}
		kw_close(&w, e);
		if (s->hrr)
			mt_ext(&w, KTLS_EXT_COOKIE, "\x00\x04" "cook", 6);
		else
			mt_ext_u16(&w, KTLS_EXT_PRE_SHARED_KEY, 1);
	}
	kw_bytes(&w, s->extra, s->extra_len);
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

static struct sh_spec spec_sh(void)
{
	struct sh_spec s = { .sid_len = 32, .std_ext = true };

	return s;
}

static struct sh_spec spec_hrr(void)
{
	struct sh_spec s = { .hrr = true, .sid_len = 32, .std_ext = true };

	return s;
}

static int parse_sh(const uint8_t *msg, size_t len)
{
	struct kmsg_sh sh;

	return kmsg_sh_parse(msg, len, &sh);
}

/* Parse the hello @s describes (with mt_parse: the answer only). */
static int parse_spec(const struct sh_spec *s)
{
	static uint8_t buf[MT_CAP];

	return mt_parse(parse_sh, buf, build_sh(buf, s));
}

/* Parse a (std) SH or HRR followed by the extension @type with @body. */
static int parse_with(bool hrr, bool std_ext, uint16_t type, const void *body,
		      size_t len)
{
	static uint8_t ext[512];
	struct sh_spec s = hrr ? spec_hrr() : spec_sh();
	struct kw w;

	kw_init(&w, ext, sizeof(ext));
	mt_ext(&w, type, body, len);
	s.std_ext = std_ext;
	s.extra = ext;
	s.extra_len = w.len;
	return parse_spec(&s);
}

/* The standard ServerHello with the extension @type added after its own. */
static int sh_plus(int type, const void *body, size_t len)
{
	return parse_with(false, true, (uint16_t)type, body, len);
}

/* The standard HelloRetryRequest with the extension @type added. */
static int hrr_plus(int type, const void *body, size_t len)
{
	return parse_with(true, true, (uint16_t)type, body, len);
}

/* A ServerHello holding only the extension @type. */
static int sh_only(int type, const void *body, size_t len)
{
	return parse_with(false, false, (uint16_t)type, body, len);
}

/* A HelloRetryRequest holding only the extension @type. */
static int hrr_only(int type, const void *body, size_t len)
{
	return parse_with(true, false, (uint16_t)type, body, len);
}

START_TEST(test_msg_server_hello_parses_every_field)
{
	static uint8_t buf[MT_CAP];
	struct sh_spec s = spec_sh();
	struct kmsg_sh sh;
	size_t len = build_sh(buf, &s);

	ck_assert_int_eq(kmsg_sh_parse(buf, len, &sh), 0);
	ck_assert_uint_eq(sh.legacy_version, KTLS_VERSION_TLS12);
	ck_assert_ptr_eq(sh.random, buf + KMSG_HEADER + 2);
	ck_assert_mem_eq(sh.random, sh_random, 32);
	ck_assert(!sh.is_hrr);
	ck_assert_uint_eq(sh.session_id_len, 32);
	ck_assert_uint_eq(sh.session_id[0], 0x70);
	ck_assert_uint_eq(sh.session_id[31], 0x70 + 31);
	ck_assert_uint_eq(sh.suite, KTLS_AES_256_GCM_SHA384);
	ck_assert_uint_eq(sh.compression, 0);
	ck_assert_uint_eq(sh.ext.n, 3);
	ck_assert_uint_eq(sh.ext.e[0].type, KTLS_EXT_SUPPORTED_VERSIONS);
	ck_assert_uint_eq(sh.ext.e[1].type, KTLS_EXT_KEY_SHARE);
	ck_assert_uint_eq(sh.ext.e[2].type, KTLS_EXT_PRE_SHARED_KEY);
	ck_assert_uint_eq(sh.version, KTLS_VERSION_TLS13);
	ck_assert(sh.has_key_share);
	ck_assert_uint_eq(sh.ks_group, KTLS_GROUP_X25519);
	ck_assert_uint_eq(sh.ks_len, 32);
	ck_assert_mem_eq(sh.ks_pub, pub, 32);
	ck_assert(sh.has_psk);
	ck_assert_uint_eq(sh.psk_index, 1);
	ck_assert_ptr_null(sh.cookie);
	ck_assert_uint_eq(sh.cookie_len, 0);
}
END_TEST

START_TEST(test_msg_server_hello_hrr_detected_by_random)
{
	static uint8_t buf[MT_CAP];
	struct sh_spec s = spec_hrr();
	struct kmsg_sh sh;
	size_t len = build_sh(buf, &s);

	/* §4.1.3: a ServerHello with the SHA-256("HelloRetryRequest") random. */
	ck_assert_int_eq(kmsg_sh_parse(buf, len, &sh), 0);
	ck_assert(sh.is_hrr);
	ck_assert_mem_eq(sh.random, KMSG_HRR_RANDOM, 32);
	ck_assert_uint_eq(sh.version, KTLS_VERSION_TLS13);
	ck_assert(sh.has_key_share);
	ck_assert_uint_eq(sh.ks_group, KTLS_GROUP_X25519);
	ck_assert_ptr_null(sh.ks_pub);
	ck_assert_uint_eq(sh.ks_len, 0);
	ck_assert(!sh.has_psk);
	ck_assert_uint_eq(sh.cookie_len, 4);
	ck_assert_mem_eq(sh.cookie, "cook", 4);

	/* One bit away from the special value is an ordinary ServerHello. */
	buf[KMSG_HEADER + 2 + 31] ^= 1;
	ck_assert_int_eq(kmsg_sh_parse(buf, len, &sh), KTLS_E_ALERT_illegal_parameter);
	buf[KMSG_HEADER + 2 + 31] ^= 1;
	buf[KMSG_HEADER + 2] ^= 0x80;
	ck_assert_int_eq(kmsg_sh_parse(buf, len, &sh), KTLS_E_ALERT_illegal_parameter);
}
END_TEST

START_TEST(test_msg_server_hello_without_extensions)
{
	static uint8_t buf[MT_CAP];
	struct sh_spec s = spec_sh();
	struct kmsg_sh sh;
	size_t len;

	/* A pre-1.3 ServerHello: it parses, with version 0 for the SM. */
	s.no_ext = true;
	len = build_sh(buf, &s);
	ck_assert_int_eq(kmsg_sh_parse(buf, len, &sh), 0);
	ck_assert_uint_eq(sh.version, 0);
	ck_assert_uint_eq(sh.ext.n, 0);
	ck_assert(!sh.has_key_share && !sh.has_psk);
	ck_assert_uint_eq(sh.suite, KTLS_AES_256_GCM_SHA384);

	/* An empty extensions block: no supported_versions either. */
	s.no_ext = false;
	s.std_ext = false;
	len = build_sh(buf, &s);
	ck_assert_int_eq(kmsg_sh_parse(buf, len, &sh), 0);
	ck_assert_uint_eq(sh.version, 0);
}
END_TEST

START_TEST(test_msg_server_hello_truncated)
{
	static uint8_t buf[MT_CAP];
	struct sh_spec s = spec_sh();
	size_t len = build_sh(buf, &s);

	/* Cut after legacy_compression_method: a hello without extensions. */
	mt_check_truncations(parse_sh, buf, len, ext_offset(&s), 0);
	s = spec_hrr();
	len = build_sh(buf, &s);
	mt_check_truncations(parse_sh, buf, len, ext_offset(&s), 0);
}
END_TEST

START_TEST(test_msg_server_hello_trailing_bytes)
{
	static uint8_t buf[MT_CAP];
	struct sh_spec s = spec_sh();

	mt_check_trailing(parse_sh, buf, build_sh(buf, &s));
	s = spec_hrr();
	mt_check_trailing(parse_sh, buf, build_sh(buf, &s));
}
END_TEST

START_TEST(test_msg_server_hello_session_id_bounds)
{
	struct sh_spec s = spec_sh();

	/* legacy_session_id_echo<0..32> */
	s.sid_len = 0;
	ck_assert_int_eq(parse_spec(&s), 0);
	s.sid_len = 33;
	ck_assert_int_eq(parse_spec(&s), KTLS_E_ALERT_decode_error);
	s.sid_len = 200;
	ck_assert_int_eq(parse_spec(&s), KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_server_hello_duplicate_extension)
{
	/* §4.2: no more than one extension of the same type. */
	ck_assert_int_eq(sh_plus(KTLS_EXT_SUPPORTED_VERSIONS, "\x03\x04", 2),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(sh_plus(KTLS_EXT_PRE_SHARED_KEY, "\x00\x00", 2),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(hrr_plus(KTLS_EXT_COOKIE, "\x00\x01x", 3),
			 KTLS_E_ALERT_illegal_parameter);
}
END_TEST

START_TEST(test_msg_server_hello_extension_not_allowed)
{
	/* §4.2: a known extension in the wrong message is illegal_parameter. */
	static const uint16_t not_in_sh[] = {
		KTLS_EXT_SERVER_NAME, KTLS_EXT_SUPPORTED_GROUPS,
		KTLS_EXT_SIGNATURE_ALGORITHMS, KTLS_EXT_ALPN,
		KTLS_EXT_RECORD_SIZE_LIMIT, KTLS_EXT_EARLY_DATA,
		KTLS_EXT_COOKIE, KTLS_EXT_PSK_KEY_EXCHANGE_MODES,
		KTLS_EXT_STATUS_REQUEST, KTLS_EXT_PADDING,
		KTLS_EXT_CERTIFICATE_AUTHORITIES, KTLS_EXT_OID_FILTERS,
		KTLS_EXT_POST_HANDSHAKE_AUTH,
		KTLS_EXT_SIGNATURE_ALGORITHMS_CERT,
	};
	static const uint16_t not_in_hrr[] = {
		KTLS_EXT_SERVER_NAME, KTLS_EXT_SUPPORTED_GROUPS,
		KTLS_EXT_SIGNATURE_ALGORITHMS, KTLS_EXT_ALPN,
		KTLS_EXT_RECORD_SIZE_LIMIT, KTLS_EXT_EARLY_DATA,
		KTLS_EXT_PRE_SHARED_KEY, KTLS_EXT_PSK_KEY_EXCHANGE_MODES,
		KTLS_EXT_PADDING, KTLS_EXT_OID_FILTERS,
	};

	mt_check_ext_types(sh_plus, not_in_sh, ARRAY_SIZE(not_in_sh), "\x00\x00", 2,
			   KTLS_E_ALERT_illegal_parameter, "a ServerHello");
	mt_check_ext_types(hrr_plus, not_in_hrr, ARRAY_SIZE(not_in_hrr), "\x00\x00", 2,
			   KTLS_E_ALERT_illegal_parameter, "a HelloRetryRequest");
}
END_TEST

START_TEST(test_msg_server_hello_unknown_extension)
{
	/* §4.2: we offered none; an unsolicited one is unsupported_extension. */
	ck_assert_int_eq(sh_plus(0xfafa, "", 0), KTLS_E_ALERT_unsupported_extension);
	ck_assert_int_eq(sh_plus(0x1234, "\x01\x02", 2), KTLS_E_ALERT_unsupported_extension);
	ck_assert_int_eq(hrr_plus(0xfafa, "", 0), KTLS_E_ALERT_unsupported_extension);
}
END_TEST

START_TEST(test_msg_server_hello_extension_body_bounds)
{
	static const struct mt_body in_sh[] = {
		/* supported_versions: exactly one uint16. */
		{ KTLS_EXT_SUPPORTED_VERSIONS, "\x03", 1, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_SUPPORTED_VERSIONS, "\x03\x04\x00", 3, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_SUPPORTED_VERSIONS, "\x02\x03\x04", 3, KTLS_E_ALERT_decode_error },
		/* KeyShareServerHello: group and key_exchange<1..2^16-1>. */
		{ KTLS_EXT_KEY_SHARE, "\x00\x1d", 2, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_KEY_SHARE, "\x00\x1d\x00\x00", 4, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_KEY_SHARE, "\x00\x1d\x00\x02\xaa", 5, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_KEY_SHARE, "\x00\x1d\x00\x01\xaa\xbb", 6, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_KEY_SHARE, "\x00\x1d\x00\x01\xaa", 5, 0 },
		/* pre_shared_key: selected_identity, one uint16. */
		{ KTLS_EXT_PRE_SHARED_KEY, "\x00", 1, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_PRE_SHARED_KEY, "\x00\x00\x00", 3, KTLS_E_ALERT_decode_error },
	};
	static const struct mt_body in_hrr[] = {
		/* KeyShareHelloRetryRequest: the group only. */
		{ KTLS_EXT_KEY_SHARE, "\x00\x1d", 2, 0 },
		{ KTLS_EXT_KEY_SHARE, "\x00\x1d\x00\x01\xaa", 5, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_KEY_SHARE, "\x00", 1, KTLS_E_ALERT_decode_error },
		/* cookie<1..2^16-1> */
		{ KTLS_EXT_COOKIE, "\x00\x00", 2, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_COOKIE, "\x00\x02x", 3, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_COOKIE, "\x00\x01xy", 4, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(sh_only, in_sh, ARRAY_SIZE(in_sh));
	mt_check_bodies(hrr_only, in_hrr, ARRAY_SIZE(in_hrr));
}
END_TEST

START_TEST(test_msg_server_hello_too_many_extensions)
{
	static uint8_t raw[4 * 600];
	struct sh_spec s = spec_sh();
	struct kw w;
	size_t i;

	/*
	 * However many there are, unknown extensions in a ServerHello are
	 * unsolicited: unsupported_extension (§4.2), as for one of them.
	 */
	kw_init(&w, raw, sizeof(raw));
	for (i = 0; i < 500; i++)
		mt_ext(&w, (uint16_t)(0xa000 + i), NULL, 0);
	ck_assert(kw_ok(&w));
	s.extra = raw;
	s.extra_len = w.len;
	ck_assert_int_eq(parse_spec(&s), KTLS_E_ALERT_unsupported_extension);
}
END_TEST

START_TEST(test_msg_server_hello_build_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct kmsg_sh sh;
	uint8_t random[32], ks[65];
	size_t len;

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);
	mt_fill(random, sizeof(random), 0x10);
	mt_fill(ks, sizeof(ks), 0x04);
	mt_fill(c->session_id, 32, 0xe0);
	c->session_id_len = 32;
	c->suite = KTLS_CHACHA20_POLY1305_SHA256;
	c->group = KTLS_GROUP_SECP256R1;
	c->psk_used = true;
	c->psk_index = 3;
	ck_assert_int_eq(kmsg_sh_build(c, random, ks, sizeof(ks), &len), 0);
	ck_assert_uint_eq(c->msg[0], KTLS_HS_SERVER_HELLO);
	ck_assert_int_eq(kmsg_sh_parse(c->msg, len, &sh), 0);
	ck_assert(!sh.is_hrr);
	ck_assert_uint_eq(sh.legacy_version, KTLS_VERSION_TLS12);
	ck_assert_mem_eq(sh.random, random, 32);
	ck_assert_uint_eq(sh.session_id_len, 32);
	ck_assert_mem_eq(sh.session_id, c->session_id, 32);
	ck_assert_uint_eq(sh.suite, KTLS_CHACHA20_POLY1305_SHA256);
	ck_assert_uint_eq(sh.compression, 0);
	ck_assert_uint_eq(sh.version, KTLS_VERSION_TLS13);
	ck_assert(sh.has_key_share);
	ck_assert_uint_eq(sh.ks_group, KTLS_GROUP_SECP256R1);
	ck_assert_uint_eq(sh.ks_len, sizeof(ks));
	ck_assert_mem_eq(sh.ks_pub, ks, sizeof(ks));
	ck_assert(sh.has_psk);
	ck_assert_uint_eq(sh.psk_index, 3);
	ck_assert_ptr_null(sh.cookie);

	/* psk_ke: no key share; no PSK: no pre_shared_key. */
	c->psk_used = false;
	ck_assert_int_eq(kmsg_sh_build(c, random, NULL, 0, &len), 0);
	ck_assert_int_eq(kmsg_sh_parse(c->msg, len, &sh), 0);
	ck_assert(!sh.has_key_share && !sh.has_psk);
	ck_assert_uint_eq(sh.ext.n, 1);
	ck_assert_uint_eq(sh.version, KTLS_VERSION_TLS13);
	ktls_conn_free(c);
}
END_TEST

START_TEST(test_msg_server_hello_build_hrr_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct kmsg_sh sh;
	size_t len;

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);
	c->session_id_len = 0;
	c->suite = KTLS_AES_128_GCM_SHA256;
	c->group = KTLS_GROUP_SECP384R1;
	c->psk_used = true;	/* never in an HRR */
	memcpy(c->cookie, "state-in-a-cookie", 17);
	c->cookie_len = 17;
	ck_assert_int_eq(kmsg_sh_build(c, NULL, NULL, 0, &len), 0);
	ck_assert_int_eq(kmsg_sh_parse(c->msg, len, &sh), 0);
	ck_assert(sh.is_hrr);
	ck_assert_mem_eq(sh.random, KMSG_HRR_RANDOM, 32);
	ck_assert_uint_eq(sh.session_id_len, 0);
	ck_assert_uint_eq(sh.suite, KTLS_AES_128_GCM_SHA256);
	ck_assert_uint_eq(sh.version, KTLS_VERSION_TLS13);
	ck_assert(sh.has_key_share);
	ck_assert_uint_eq(sh.ks_group, KTLS_GROUP_SECP384R1);
	ck_assert_ptr_null(sh.ks_pub);
	ck_assert(!sh.has_psk);
	ck_assert_uint_eq(sh.cookie_len, 17);
	ck_assert_mem_eq(sh.cookie, "state-in-a-cookie", 17);

	/* Without a cookie: versions and key_share only. */
	c->cookie_len = 0;
	ck_assert_int_eq(kmsg_sh_build(c, NULL, NULL, 0, &len), 0);
	ck_assert_int_eq(kmsg_sh_parse(c->msg, len, &sh), 0);
	ck_assert(sh.is_hrr);
	ck_assert_uint_eq(sh.ext.n, 2);
	ck_assert_ptr_null(sh.cookie);
	ktls_conn_free(c);
}
END_TEST

static Suite *msg_server_hello_suite(void)
{
	Suite *s = suite_create("msg_server_hello");
	TCase *tc = tcase_create("msg_server_hello");

	tcase_add_test(tc, test_msg_server_hello_parses_every_field);
	tcase_add_test(tc, test_msg_server_hello_hrr_detected_by_random);
	tcase_add_test(tc, test_msg_server_hello_without_extensions);
	tcase_add_test(tc, test_msg_server_hello_truncated);
	tcase_add_test(tc, test_msg_server_hello_trailing_bytes);
	tcase_add_test(tc, test_msg_server_hello_session_id_bounds);
	tcase_add_test(tc, test_msg_server_hello_duplicate_extension);
	tcase_add_test(tc, test_msg_server_hello_extension_not_allowed);
	tcase_add_test(tc, test_msg_server_hello_unknown_extension);
	tcase_add_test(tc, test_msg_server_hello_extension_body_bounds);
	tcase_add_test(tc, test_msg_server_hello_too_many_extensions);
	tcase_add_test(tc, test_msg_server_hello_build_round_trip);
	tcase_add_test(tc, test_msg_server_hello_build_hrr_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_server_hello_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
