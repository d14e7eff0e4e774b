// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_key_update.c: one byte, 0 or 1 (RFC 8446 §4.6.3);
 * other values are illegal_parameter, other lengths decode_error; and the
 * builder parsed back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

static size_t build_ku(uint8_t *buf, const void *body, size_t len)
{
	struct kw w;
	struct kw_mark m;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_KEY_UPDATE);
	kw_bytes(&w, body, len);
	return mt_msg_end(&w, m);
}

static int parse_ku(const uint8_t *msg, size_t len)
{
	bool req;

	return kmsg_ku_parse(msg, len, &req);
}

START_TEST(test_msg_key_update_parses_both_values)
{
	static uint8_t buf[MT_CAP];
	bool req = true;
	size_t len;

	len = build_ku(buf, "\x00", 1);
	ck_assert_int_eq(kmsg_ku_parse(buf, len, &req), 0);
	ck_assert(!req);
	len = build_ku(buf, "\x01", 1);
	ck_assert_int_eq(kmsg_ku_parse(buf, len, &req), 0);
	ck_assert(req);
}
END_TEST

START_TEST(test_msg_key_update_truncated)
{
	static uint8_t buf[MT_CAP];

	mt_check_truncations(parse_ku, buf, build_ku(buf, "\x01", 1), MT_NONE, 0);
}
END_TEST

START_TEST(test_msg_key_update_trailing_bytes)
{
	static uint8_t buf[MT_CAP];

	mt_check_trailing(parse_ku, buf, build_ku(buf, "\x00", 1));
	mt_check_trailing(parse_ku, buf, build_ku(buf, "\x01", 1));
}
END_TEST

START_TEST(test_msg_key_update_value_out_of_range)
{
	static uint8_t buf[MT_CAP];
	unsigned int v;

	for (v = 2; v < 256; v++) {
		uint8_t b = (uint8_t)v;

		ck_assert_int_eq(mt_parse(parse_ku, buf, build_ku(buf, &b, 1)),
				 KTLS_E_ALERT_illegal_parameter);
	}
}
END_TEST

START_TEST(test_msg_key_update_build_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	bool req;
	size_t len;

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_CLIENT);
	ck_assert_int_eq(kmsg_ku_build(c, true, &len), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(c->msg, "\x18\x00\x00\x01\x01", 5);
	ck_assert_int_eq(kmsg_ku_parse(c->msg, len, &req), 0);
	ck_assert(req);
	ck_assert_int_eq(kmsg_ku_build(c, false, &len), 0);
	ck_assert_mem_eq(c->msg, "\x18\x00\x00\x01\x00", 5);
	ck_assert_int_eq(kmsg_ku_parse(c->msg, len, &req), 0);
	ck_assert(!req);
	ktls_conn_free(c);
}
END_TEST

static Suite *msg_key_update_suite(void)
{
	Suite *s = suite_create("msg_key_update");
	TCase *tc = tcase_create("msg_key_update");

	tcase_add_test(tc, test_msg_key_update_parses_both_values);
	tcase_add_test(tc, test_msg_key_update_truncated);
	tcase_add_test(tc, test_msg_key_update_trailing_bytes);
	tcase_add_test(tc, test_msg_key_update_value_out_of_range);
	tcase_add_test(tc, test_msg_key_update_build_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_key_update_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
