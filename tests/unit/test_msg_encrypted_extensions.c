// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_encrypted_extensions.c: the client's parser (ALPN,
 * record_size_limit, the server_name acknowledgement, supported_groups),
 * each truncation point, trailing bytes, duplicate, misplaced and
 * unsolicited extensions, RFC 8449's lower bound, and the server's
 * builder parsed back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

/* EncryptedExtensions: ALPN "h2", record_size_limit 2048, SNI ack, groups. */
static size_t build_ee(uint8_t *buf, const void *extra, size_t extra_len)
{
	struct kw w;
	struct kw_mark m, l;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_ENCRYPTED_EXTENSIONS);
	l = kw_open16(&w);
	mt_ext(&w, KTLS_EXT_ALPN, "\x00\x03\x02h2", 5);
	mt_ext_u16(&w, KTLS_EXT_RECORD_SIZE_LIMIT, 2048);
	mt_ext(&w, KTLS_EXT_SERVER_NAME, NULL, 0);
	mt_ext(&w, KTLS_EXT_SUPPORTED_GROUPS, "\x00\x04\x00\x1d\x00\x17", 6);
	kw_bytes(&w, extra, extra_len);
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

/* EncryptedExtensions holding only the extension @type with @body. */
static size_t build_one(uint8_t *buf, int type, const void *body, size_t len)
{
	struct kw w;
	struct kw_mark m, l;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_ENCRYPTED_EXTENSIONS);
	l = kw_open16(&w);
	mt_ext(&w, (uint16_t)type, body, len);
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

static int parse_ee(const uint8_t *msg, size_t len)
{
	struct kmsg_ee ee;

	return kmsg_ee_parse(msg, len, &ee);
}

static int parse_one(int type, const void *body, size_t len)
{
	static uint8_t buf[MT_CAP];

	return mt_parse(parse_ee, buf, build_one(buf, type, body, len));
}

/* The full EncryptedExtensions with the whole extensions @extra added, parsed. */
static int parse_with_extra(const void *extra, size_t len)
{
	static uint8_t buf[MT_CAP];

	return mt_parse(parse_ee, buf, build_ee(buf, extra, len));
}

START_TEST(test_msg_encrypted_extensions_parses_every_field)
{
	static uint8_t buf[MT_CAP];
	struct kmsg_ee ee;
	size_t len = build_ee(buf, NULL, 0);

	ck_assert_int_eq(kmsg_ee_parse(buf, len, &ee), 0);
	ck_assert_uint_eq(ee.ext.n, 4);
	ck_assert_uint_eq(ee.ext.e[0].type, KTLS_EXT_ALPN);
	ck_assert_uint_eq(ee.ext.e[1].type, KTLS_EXT_RECORD_SIZE_LIMIT);
	ck_assert_uint_eq(ee.ext.e[2].type, KTLS_EXT_SERVER_NAME);
	ck_assert_uint_eq(ee.ext.e[3].type, KTLS_EXT_SUPPORTED_GROUPS);
	ck_assert_uint_eq(ee.alpn_len, 2);
	ck_assert_mem_eq(ee.alpn, "h2", 2);
	ck_assert_uint_eq(ee.rsl, 2048);
}
END_TEST

START_TEST(test_msg_encrypted_extensions_empty)
{
	static uint8_t buf[MT_CAP];
	struct kmsg_ee ee;
	struct kw w;
	struct kw_mark m;
	size_t len;

	/* extensions<0..2^16-1>: an empty block is the usual case. */
	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_ENCRYPTED_EXTENSIONS);
	kw_u16(&w, 0);
	len = mt_msg_end(&w, m);
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(kmsg_ee_parse(buf, len, &ee), 0);
	ck_assert_uint_eq(ee.ext.n, 0);
	ck_assert_ptr_null(ee.alpn);
	ck_assert_uint_eq(ee.rsl, 0);
}
END_TEST

START_TEST(test_msg_encrypted_extensions_truncated)
{
	static uint8_t buf[MT_CAP];

	mt_check_truncations(parse_ee, buf, build_ee(buf, NULL, 0), MT_NONE, 0);
}
END_TEST

START_TEST(test_msg_encrypted_extensions_trailing_bytes)
{
	static uint8_t buf[MT_CAP];

	mt_check_trailing(parse_ee, buf, build_ee(buf, NULL, 0));
}
END_TEST

START_TEST(test_msg_encrypted_extensions_duplicate_extension)
{
	static const struct mt_extra tab[] = {
		{ "second alpn", "\x00\x10\x00\x05\x00\x03\x02h2", 9,
		  KTLS_E_ALERT_illegal_parameter },
		{ "second record_size_limit", "\x00\x1c\x00\x02\x40\x00", 6,
		  KTLS_E_ALERT_illegal_parameter },
	};

	mt_check_extras(parse_with_extra, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_encrypted_extensions_extension_not_allowed)
{
	/* §4.2 table: none of these may appear in EncryptedExtensions. */
	static const uint16_t not_in_ee[] = {
		KTLS_EXT_STATUS_REQUEST, KTLS_EXT_SIGNATURE_ALGORITHMS,
		KTLS_EXT_SCT, KTLS_EXT_PADDING, KTLS_EXT_KEY_SHARE,
		KTLS_EXT_PRE_SHARED_KEY, KTLS_EXT_SUPPORTED_VERSIONS,
		KTLS_EXT_COOKIE, KTLS_EXT_PSK_KEY_EXCHANGE_MODES,
		KTLS_EXT_CERTIFICATE_AUTHORITIES, KTLS_EXT_OID_FILTERS,
		KTLS_EXT_POST_HANDSHAKE_AUTH,
		KTLS_EXT_SIGNATURE_ALGORITHMS_CERT,
	};

	mt_check_ext_types(parse_one, not_in_ee, ARRAY_SIZE(not_in_ee), "\x00\x00", 2,
			   KTLS_E_ALERT_illegal_parameter, "EncryptedExtensions");
}
END_TEST

START_TEST(test_msg_encrypted_extensions_unsolicited_extension)
{
	/*
	 * Allowed in EE but never offered by us, or unknown: §4.2 says an
	 * unrequested response is unsupported_extension.
	 */
	static const uint16_t unsolicited[] = {
		KTLS_EXT_MAX_FRAGMENT_LENGTH, KTLS_EXT_USE_SRTP,
		KTLS_EXT_HEARTBEAT, KTLS_EXT_CLIENT_CERT_TYPE,
		KTLS_EXT_SERVER_CERT_TYPE, KTLS_EXT_EARLY_DATA, 0xfafa, 0x7777,
	};

	mt_check_ext_types(parse_one, unsolicited, ARRAY_SIZE(unsolicited), "", 0,
			   KTLS_E_ALERT_unsupported_extension, "EncryptedExtensions");
}
END_TEST

START_TEST(test_msg_encrypted_extensions_record_size_limit_bounds)
{
	static const struct mt_body tab[] = {
		/* RFC 8449 §4: below 64 is illegal_parameter. */
		{ KTLS_EXT_RECORD_SIZE_LIMIT, "\x00\x3f", 2, KTLS_E_ALERT_illegal_parameter },
		{ KTLS_EXT_RECORD_SIZE_LIMIT, "\x00\x00", 2, KTLS_E_ALERT_illegal_parameter },
		{ KTLS_EXT_RECORD_SIZE_LIMIT, "\x00\x40", 2, 0 },
		{ KTLS_EXT_RECORD_SIZE_LIMIT, "\x40\x01", 2, 0 },
		{ KTLS_EXT_RECORD_SIZE_LIMIT, "\x40", 1, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_RECORD_SIZE_LIMIT, "", 0, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_RECORD_SIZE_LIMIT, "\x40\x00\x00", 3, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(parse_one, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_encrypted_extensions_alpn_bounds)
{
	/* RFC 7301 §3.1: exactly one non-empty name in the reply. */
	static const struct mt_body tab[] = {
		{ KTLS_EXT_ALPN, "\x00\x03\x02h2", 5, 0 },
		{ KTLS_EXT_ALPN, "\x00\x06\x02h2\x02h3", 8, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_ALPN, "\x00\x01\x00", 3, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_ALPN, "\x00\x00", 2, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_ALPN, "\x00\x03\x03h2", 5, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_ALPN, "\x00\x03\x02h2\x00", 6, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_ALPN, "", 0, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(parse_one, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_encrypted_extensions_server_name_ack_is_empty)
{
	/* RFC 6066 §3: the server's server_name has an empty body. */
	static const struct mt_body tab[] = {
		{ KTLS_EXT_SERVER_NAME, "", 0, 0 },
		{ KTLS_EXT_SERVER_NAME, "\x00", 1, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_SERVER_NAME, "\x00\x03\x00\x00\x00", 5, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(parse_one, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_encrypted_extensions_too_many_extensions)
{
	static uint8_t buf[MT_CAP];
	static uint8_t raw[4 * 600];
	struct kw w, m;
	struct kw_mark mm, l;
	size_t i;

	/* 500 unknown ones, all unsolicited: unsupported_extension (§4.2). */
	kw_init(&w, raw, sizeof(raw));
	mt_ext(&w, KTLS_EXT_SERVER_NAME, NULL, 0);
	for (i = 0; i < 500; i++)
		mt_ext(&w, (uint16_t)(0xa000 + i), NULL, 0);
	ck_assert(kw_ok(&w));
	mm = mt_msg_begin(&m, buf, MT_CAP, KTLS_HS_ENCRYPTED_EXTENSIONS);
	l = kw_open16(&m);
	kw_bytes(&m, raw, w.len);
	kw_close(&m, l);
	ck_assert_int_eq(mt_parse(parse_ee, buf, mt_msg_end(&m, mm)),
			 KTLS_E_ALERT_unsupported_extension);
}
END_TEST

START_TEST(test_msg_encrypted_extensions_build_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct kmsg_ee ee;
	size_t len;

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);

	/* Nothing negotiated: an empty block. */
	ck_assert_int_eq(kmsg_ee_build(c, false, &len), 0);
	ck_assert_uint_eq(len, 6);
	ck_assert_mem_eq(c->msg, "\x08\x00\x00\x02\x00\x00", 6);
	ck_assert_int_eq(kmsg_ee_parse(c->msg, len, &ee), 0);
	ck_assert_uint_eq(ee.ext.n, 0);

	/* ALPN and our limit: none configured, so 2^14 + 1 (RFC 8449 §4). */
	strcpy(c->alpn, "http/1.1");
	ck_assert_int_eq(kmsg_ee_build(c, true, &len), 0);
	ck_assert_int_eq(kmsg_ee_parse(c->msg, len, &ee), 0);
	ck_assert_uint_eq(ee.ext.n, 2);
	ck_assert_uint_eq(ee.alpn_len, 8);
	ck_assert_mem_eq(ee.alpn, "http/1.1", 8);
	ck_assert_uint_eq(ee.rsl, KTLS_MAX_PLAINTEXT + 1);
	ktls_conn_free(c);

	/* A configured limit is echoed as it is. */
	cfg.record_size_limit = 512;
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);
	ck_assert_int_eq(kmsg_ee_build(c, true, &len), 0);
	ck_assert_int_eq(kmsg_ee_parse(c->msg, len, &ee), 0);
	ck_assert_uint_eq(ee.ext.n, 1);
	ck_assert_ptr_null(ee.alpn);
	ck_assert_uint_eq(ee.rsl, 512);
	ktls_conn_free(c);
}
END_TEST

static Suite *msg_encrypted_extensions_suite(void)
{
	Suite *s = suite_create("msg_encrypted_extensions");
	TCase *tc = tcase_create("msg_encrypted_extensions");

	tcase_add_test(tc, test_msg_encrypted_extensions_parses_every_field);
	tcase_add_test(tc, test_msg_encrypted_extensions_empty);
	tcase_add_test(tc, test_msg_encrypted_extensions_truncated);
	tcase_add_test(tc, test_msg_encrypted_extensions_trailing_bytes);
	tcase_add_test(tc, test_msg_encrypted_extensions_duplicate_extension);
	tcase_add_test(tc, test_msg_encrypted_extensions_extension_not_allowed);
	tcase_add_test(tc, test_msg_encrypted_extensions_unsolicited_extension);
	tcase_add_test(tc, test_msg_encrypted_extensions_record_size_limit_bounds);
	tcase_add_test(tc, test_msg_encrypted_extensions_alpn_bounds);
	tcase_add_test(tc, test_msg_encrypted_extensions_server_name_ack_is_empty);
	tcase_add_test(tc, test_msg_encrypted_extensions_too_many_extensions);
	tcase_add_test(tc, test_msg_encrypted_extensions_build_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_encrypted_extensions_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
