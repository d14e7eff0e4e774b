// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_new_session_ticket.c: libktls drops tickets, but
 * only well-formed ones (RFC 8446 §4.6.1): each truncation point,
 * trailing bytes, vectors out of range, and duplicate or misplaced
 * extensions are refused; unknown extensions are ignored.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

/* A ticket with @nonce_len nonce bytes, @ticket_len ticket bytes and @ext. */
static size_t build_nst(uint8_t *buf, size_t nonce_len, size_t ticket_len,
			const void *ext, size_t ext_len)
{
	struct kw w;
	struct kw_mark m, l;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_NEW_SESSION_TICKET);
	kw_u32(&w, 7200);
	kw_u32(&w, 0x12345678);
	l = kw_open8(&w);
	mt_fill(kw_reserve(&w, nonce_len), nonce_len, 0x01);
	kw_close(&w, l);
	l = kw_open16(&w);
	mt_fill(kw_reserve(&w, ticket_len), ticket_len, 0x80);
	kw_close(&w, l);
	l = kw_open16(&w);
	kw_bytes(&w, ext, ext_len);
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

/* early_data (max_early_data_size) and an unknown extension. */
static const uint8_t std_ext[] = {
	0x00, 0x2a, 0x00, 0x04, 0x00, 0x00, 0x40, 0x00,
	0xfa, 0xfa, 0x00, 0x02, 0xab, 0xcd,
};

static int parse_nst(const uint8_t *msg, size_t len)
{
	return kmsg_nst_parse(msg, len);
}

/* A one-byte nonce, one-byte ticket, with the whole extensions @ext, parsed. */
static int parse_with_ext(const void *ext, size_t len)
{
	static uint8_t buf[MT_CAP];

	return mt_parse(parse_nst, buf, build_nst(buf, 1, 1, ext, len));
}

START_TEST(test_msg_new_session_ticket_parses_valid)
{
	static uint8_t buf[MT_CAP];

	ck_assert_int_eq(mt_parse(parse_nst, buf, build_nst(buf, 8, 100, std_ext,
							    sizeof(std_ext))), 0);
	/* ticket_nonce<0..255> may be empty; extensions<0..> too. */
	ck_assert_int_eq(mt_parse(parse_nst, buf, build_nst(buf, 0, 1, NULL, 0)), 0);
	ck_assert_int_eq(mt_parse(parse_nst, buf, build_nst(buf, 255, 5000, NULL, 0)), 0);
}
END_TEST

START_TEST(test_msg_new_session_ticket_truncated)
{
	static uint8_t buf[MT_CAP];

	mt_check_truncations(parse_nst, buf,
			     build_nst(buf, 8, 40, std_ext, sizeof(std_ext)), MT_NONE, 0);
}
END_TEST

START_TEST(test_msg_new_session_ticket_trailing_bytes)
{
	static uint8_t buf[MT_CAP];

	mt_check_trailing(parse_nst, buf, build_nst(buf, 8, 40, std_ext, sizeof(std_ext)));
}
END_TEST

START_TEST(test_msg_new_session_ticket_empty_ticket)
{
	static uint8_t buf[MT_CAP];

	/* opaque ticket<1..2^16-1> */
	ck_assert_int_eq(mt_parse(parse_nst, buf, build_nst(buf, 8, 0, NULL, 0)),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_new_session_ticket_extensions)
{
	static const struct mt_extra tab[] = {
		{ "0xfafa twice", "\xfa\xfa\x00\x00\xfa\xfa\x00\x00", 8,
		  KTLS_E_ALERT_illegal_parameter },
		/* §4.2 table: only early_data (of the known ones) goes in a ticket. */
		{ "key_share", "\x00\x33\x00\x00", 4, KTLS_E_ALERT_illegal_parameter },
		{ "alpn", "\x00\x10\x00\x00", 4, KTLS_E_ALERT_illegal_parameter },
		{ "early_data running past its end", "\x00\x2a\x00\x08\x00", 5,
		  KTLS_E_ALERT_decode_error },
	};

	mt_check_extras(parse_with_ext, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_new_session_ticket_many_extensions)
{
	static uint8_t raw[4 * 600];
	struct kw w;
	size_t i;

	/* §4.6.1: clients ignore unknown extensions, however many. */
	kw_init(&w, raw, sizeof(raw));
	for (i = 0; i < 500; i++)
		mt_ext(&w, (uint16_t)(0xa000 + i), NULL, 0);
	ck_assert_int_eq(parse_with_ext(raw, w.len), 0);
	/* ... but not one twice (§4.2). */
	mt_ext(&w, 0xa000 + 7, NULL, 0);
	ck_assert(kw_ok(&w));
	ck_assert_int_eq(parse_with_ext(raw, w.len), KTLS_E_ALERT_illegal_parameter);
}
END_TEST

static Suite *msg_new_session_ticket_suite(void)
{
	Suite *s = suite_create("msg_new_session_ticket");
	TCase *tc = tcase_create("msg_new_session_ticket");

	tcase_add_test(tc, test_msg_new_session_ticket_parses_valid);
	tcase_add_test(tc, test_msg_new_session_ticket_truncated);
	tcase_add_test(tc, test_msg_new_session_ticket_trailing_bytes);
	tcase_add_test(tc, test_msg_new_session_ticket_empty_ticket);
	tcase_add_test(tc, test_msg_new_session_ticket_extensions);
	tcase_add_test(tc, test_msg_new_session_ticket_many_extensions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_new_session_ticket_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
