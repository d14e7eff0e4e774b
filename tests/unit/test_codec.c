// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for codec.c: the bounded reader's sticky errors, vector
 * bounds and close checks, and the writer's length prefixes and overflow.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

START_TEST(test_codec_reads_fields_in_order)
{
	static const uint8_t in[] = { 1, 0, 2, 0, 0, 3, 0, 0, 0, 4 };
	struct kr r;

	kr_init(&r, in, sizeof(in));
	ck_assert_uint_eq(kr_u8(&r), 1);
	ck_assert_uint_eq(kr_u16(&r), 2);
	ck_assert_uint_eq(kr_u24(&r), 3);
	ck_assert_uint_eq(kr_u32(&r), 4);
	ck_assert(kr_done(&r));
}
END_TEST

START_TEST(test_codec_truncated_read_is_sticky)
{
	static const uint8_t in[] = { 0xff };
	struct kr r;

	kr_init(&r, in, sizeof(in));
	ck_assert_uint_eq(kr_u16(&r), 0);
	ck_assert(!kr_ok(&r));
	/* Later reads keep failing and yield zeros, even if bytes remain. */
	ck_assert_uint_eq(kr_u8(&r), 0);
	ck_assert_ptr_null(kr_bytes(&r, 1));
	ck_assert_uint_eq(kr_left(&r), 0);
}
END_TEST

START_TEST(test_codec_vector_bounds)
{
	static const uint8_t in[] = { 0, 3, 'a', 'b', 'c', 9 };
	struct kr r, sub;

	kr_init(&r, in, sizeof(in));
	kr_open16(&r, &sub, 1, 3);
	ck_assert(kr_ok(&sub));
	ck_assert_uint_eq(kr_left(&sub), 3);
	kr_skip(&sub, 3);
	kr_close(&r, &sub);
	ck_assert(kr_ok(&r));
	ck_assert_uint_eq(kr_u8(&r), 9);
	ck_assert(kr_done(&r));

	/* Longer than the stated maximum. */
	kr_init(&r, in, sizeof(in));
	kr_open16(&r, &sub, 1, 2);
	ck_assert(!kr_ok(&r));
	ck_assert(!kr_ok(&sub));

	/* Shorter than the minimum. */
	kr_init(&r, in, sizeof(in));
	kr_open16(&r, &sub, 4, 10);
	ck_assert(!kr_ok(&r));
}
END_TEST

START_TEST(test_codec_vector_past_end)
{
	static const uint8_t in[] = { 5, 'a', 'b' };
	struct kr r, sub;

	kr_init(&r, in, sizeof(in));
	kr_open8(&r, &sub, 0, 255);
	ck_assert(!kr_ok(&r));
	ck_assert(!kr_ok(&sub));
	ck_assert_uint_eq(kr_left(&sub), 0);
}
END_TEST

START_TEST(test_codec_close_with_trailing_bytes)
{
	static const uint8_t in[] = { 2, 'a', 'b' };
	struct kr r, sub;

	kr_init(&r, in, sizeof(in));
	kr_open8(&r, &sub, 0, 255);
	kr_u8(&sub);
	kr_close(&r, &sub);
	ck_assert(!kr_ok(&r));
}
END_TEST

START_TEST(test_codec_u24_vector)
{
	uint8_t in[3 + 70000];
	struct kr r, sub;

	memset(in, 0, sizeof(in));
	in[0] = 0x01;
	in[1] = 0x11;
	in[2] = 0x70;	/* 70000 */
	kr_init(&r, in, sizeof(in));
	kr_open24(&r, &sub, 0, 0xffffff);
	ck_assert(kr_ok(&sub));
	ck_assert_uint_eq(kr_left(&sub), 70000);
}
END_TEST

START_TEST(test_codec_writer_prefixes)
{
	uint8_t buf[16];
	struct kw w;
	struct kw_mark m8, m16;

	kw_init(&w, buf, sizeof(buf));
	m16 = kw_open16(&w);
	kw_u8(&w, 0xaa);
	m8 = kw_open8(&w);
	kw_bytes(&w, "xyz", 3);
	kw_close(&w, m8);
	kw_close(&w, m16);
	ck_assert(kw_ok(&w));
	ck_assert_uint_eq(w.len, 7);
	ck_assert_mem_eq(buf, "\x00\x05\xaa\x03xyz", 7);
}
END_TEST

START_TEST(test_codec_writer_overflow_is_sticky)
{
	uint8_t buf[4];
	struct kw w;

	kw_init(&w, buf, sizeof(buf));
	kw_u24(&w, 1);
	kw_u16(&w, 2);
	ck_assert(!kw_ok(&w));
	kw_u8(&w, 3);
	ck_assert(!kw_ok(&w));
	ck_assert_uint_eq(kw_room(&w), 0);
	ck_assert_ptr_null(kw_reserve(&w, 0));
}
END_TEST

START_TEST(test_codec_writer_prefix_too_small)
{
	uint8_t buf[300];
	struct kw w;
	struct kw_mark m;

	kw_init(&w, buf, sizeof(buf));
	m = kw_open8(&w);
	kw_zeros(&w, 256);
	kw_close(&w, m);
	ck_assert(!kw_ok(&w));
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_codec_reads_fields_in_order);
	tcase_add_test(tc, test_codec_truncated_read_is_sticky);
	tcase_add_test(tc, test_codec_vector_bounds);
	tcase_add_test(tc, test_codec_vector_past_end);
	tcase_add_test(tc, test_codec_close_with_trailing_bytes);
	tcase_add_test(tc, test_codec_u24_vector);
	tcase_add_test(tc, test_codec_writer_prefixes);
	tcase_add_test(tc, test_codec_writer_overflow_is_sticky);
	tcase_add_test(tc, test_codec_writer_prefix_too_small);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
