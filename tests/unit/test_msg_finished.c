// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_finished.c: verify_data is exactly Hash.length bytes
 * (RFC 8446 §4.4.4), so every other length is decode_error; the alert
 * for a header over our bound (decode_error when the syntax cannot be
 * that long, as for a 40 KiB Finished); and the builder parsed back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

static size_t build_fin(uint8_t *buf, size_t vlen)
{
	struct kw w;
	struct kw_mark m;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_FINISHED);
	mt_fill(kw_reserve(&w, vlen), vlen, 0xf0);
	return mt_msg_end(&w, m);
}

static int parse_fin32(const uint8_t *msg, size_t len)
{
	const uint8_t *vd;

	return kmsg_fin_parse(msg, len, 32, &vd);
}

static int parse_fin48(const uint8_t *msg, size_t len)
{
	const uint8_t *vd;

	return kmsg_fin_parse(msg, len, 48, &vd);
}

START_TEST(test_msg_finished_parses_verify_data)
{
	static uint8_t buf[MT_CAP];
	const uint8_t *vd = NULL;
	size_t len;

	len = build_fin(buf, 32);
	ck_assert_int_eq(kmsg_fin_parse(buf, len, 32, &vd), 0);
	ck_assert_ptr_eq(vd, buf + KMSG_HEADER);
	len = build_fin(buf, 48);
	ck_assert_int_eq(kmsg_fin_parse(buf, len, 48, &vd), 0);
	ck_assert_ptr_eq(vd, buf + KMSG_HEADER);
	ck_assert_uint_eq(vd[47], (uint8_t)(0xf0 + 47));
}
END_TEST

START_TEST(test_msg_finished_truncated)
{
	static uint8_t buf[MT_CAP];

	mt_check_truncations(parse_fin32, buf, build_fin(buf, 32), MT_NONE, 0);
	mt_check_truncations(parse_fin48, buf, build_fin(buf, 48), MT_NONE, 0);
}
END_TEST

START_TEST(test_msg_finished_trailing_bytes)
{
	static uint8_t buf[MT_CAP];

	mt_check_trailing(parse_fin32, buf, build_fin(buf, 32));
	mt_check_trailing(parse_fin48, buf, build_fin(buf, 48));
}
END_TEST

START_TEST(test_msg_finished_wrong_length)
{
	static uint8_t buf[MT_CAP];
	static const size_t lens[] = { 0, 1, 31, 33, 47, 48, 64, 1000 };
	size_t i;

	/* A SHA-384 Finished on a SHA-256 connection and the other way round. */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ck_assert_int_eq(mt_parse(parse_fin32, buf, build_fin(buf, lens[i])),
				 KTLS_E_ALERT_decode_error);
		if (lens[i] == 48)
			continue;
		ck_assert_int_eq(mt_parse(parse_fin48, buf, build_fin(buf, lens[i])),
				 KTLS_E_ALERT_decode_error);
	}
	ck_assert_int_eq(mt_parse(parse_fin48, buf, build_fin(buf, 32)),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_finished_header_bound)
{
	static const struct {
		uint8_t type;
		size_t len;
		int ret;
	} tab[] = {
		/* Up to our bound the parsers decide (a 40-byte Finished too). */
		{ KTLS_HS_FINISHED, 40, 0 },
		{ KTLS_HS_FINISHED, KTLS_MAX_HANDSHAKE_MSG, 0 },
		{ KTLS_HS_CLIENT_HELLO, KTLS_MAX_HANDSHAKE_MSG, 0 },
		/* §6: longer than the syntax allows. */
		{ KTLS_HS_FINISHED, KTLS_MAX_HANDSHAKE_MSG + 1, KTLS_E_ALERT_decode_error },
		{ KTLS_HS_FINISHED, 40 * 1024, KTLS_E_ALERT_decode_error },
		{ KTLS_HS_FINISHED, 0xffffff, KTLS_E_ALERT_decode_error },
		{ KTLS_HS_KEY_UPDATE, 40 * 1024, KTLS_E_ALERT_decode_error },
		{ KTLS_HS_END_OF_EARLY_DATA, 40 * 1024, KTLS_E_ALERT_decode_error },
		/* Legal, but more than we buffer. */
		{ KTLS_HS_CLIENT_HELLO, KTLS_MAX_HANDSHAKE_MSG + 1, KTLS_E_ALERT_illegal_parameter },
		{ KTLS_HS_CERTIFICATE, 40 * 1024, KTLS_E_ALERT_illegal_parameter },
		{ 0xee, 0xffffff, KTLS_E_ALERT_illegal_parameter },
	};
	static uint8_t buf[MT_CAP];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		ck_assert_msg(kmsg_check_header(tab[i].type, tab[i].len) == tab[i].ret,
			      "type %u, %zu bytes", tab[i].type, tab[i].len);
	/* The 40-byte Finished is then refused by its parser. */
	ck_assert_int_eq(mt_parse(parse_fin32, buf, build_fin(buf, 40)),
			 KTLS_E_ALERT_decode_error);
	ck_assert_int_eq(mt_parse(parse_fin48, buf, build_fin(buf, 40)),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_finished_build_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	uint8_t mac[48];
	const uint8_t *vd;
	size_t len;

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_CLIENT);
	mt_fill(mac, sizeof(mac), 0x3c);
	ck_assert_int_eq(kmsg_fin_build(c, mac, 32, &len), 0);
	ck_assert_uint_eq(len, KMSG_HEADER + 32);
	ck_assert_mem_eq(c->msg, "\x14\x00\x00\x20", 4);
	ck_assert_int_eq(kmsg_fin_parse(c->msg, len, 32, &vd), 0);
	ck_assert_mem_eq(vd, mac, 32);
	ck_assert_int_eq(kmsg_fin_build(c, mac, 48, &len), 0);
	ck_assert_mem_eq(c->msg, "\x14\x00\x00\x30", 4);
	ck_assert_int_eq(kmsg_fin_parse(c->msg, len, 48, &vd), 0);
	ck_assert_mem_eq(vd, mac, 48);
	ktls_conn_free(c);
}
END_TEST

static Suite *msg_finished_suite(void)
{
	Suite *s = suite_create("msg_finished");
	TCase *tc = tcase_create("msg_finished");

	tcase_add_test(tc, test_msg_finished_parses_verify_data);
	tcase_add_test(tc, test_msg_finished_truncated);
	tcase_add_test(tc, test_msg_finished_trailing_bytes);
	tcase_add_test(tc, test_msg_finished_wrong_length);
	tcase_add_test(tc, test_msg_finished_header_bound);
	tcase_add_test(tc, test_msg_finished_build_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_finished_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
