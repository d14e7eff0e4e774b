// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for ext.c: splitting an extensions block into (type, body)
 * pairs, its framing errors, blocks of any length (only known extensions
 * kept, unknown ones counted), duplicates among all types, the RFC 8446
 * §4.2 table of which extension may appear in which message (checked cell
 * by cell), pre_shared_key last in a ClientHello (§4.2.11), and lookups.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ktls/ktls.h>

/* ext.h uses KTLS_MUST_CHECK without including ktls/error.h itself. */
#include "ext.h"
#include "msgtest.h"

/* Run kext_parse over a block written as its 16-bit length then @body. */
static int parse_block(const uint8_t *body, size_t len, enum kext_msg msg,
		       size_t min, struct kext_list *out)
{
	uint8_t *buf = malloc(len + 2);
	struct kr r;
	int ret;

	ck_assert_ptr_nonnull(buf);
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	if (len)
		memcpy(buf + 2, body, len);
	kr_init(&r, buf, len + 2);
	ret = kext_parse(&r, msg, min, out);
	if (!ret)
		ck_assert(kr_done(&r));
	free(buf);
	return ret;
}

START_TEST(test_ext_splits_block)
{
	static const uint8_t blk[] = {
		0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,	/* supported_versions */
		0xfa, 0xfa, 0x00, 0x00,				/* unknown, empty */
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d,	/* supported_groups */
	};
	uint8_t buf[sizeof(blk) + 4];
	struct kext_list l;
	struct kr r, body;
	const struct kext *e;

	buf[0] = 0;
	buf[1] = sizeof(blk);
	memcpy(buf + 2, blk, sizeof(blk));
	buf[2 + sizeof(blk)] = 0x99;	/* the message goes on after the block */
	kr_init(&r, buf, sizeof(blk) + 3);
	ck_assert_int_eq(kext_parse(&r, KEXT_CH, 0, &l), 0);
	ck_assert_uint_eq(kr_left(&r), 1);
	ck_assert_uint_eq(kr_u8(&r), 0x99);

	/* The known ones are kept in order; the unknown one is counted. */
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(l.n_unknown, 1);
	ck_assert_uint_eq(l.first_unknown, 0xfafa);
	ck_assert_uint_eq(kext_count(&l), 3);
	ck_assert_uint_eq(l.e[0].type, KTLS_EXT_SUPPORTED_VERSIONS);
	ck_assert_uint_eq(l.e[0].len, 3);
	ck_assert_ptr_eq(l.e[0].body, buf + 2 + 4);
	ck_assert_uint_eq(l.e[1].type, KTLS_EXT_SUPPORTED_GROUPS);
	ck_assert_uint_eq(l.e[1].len, 4);
	ck_assert_mem_eq(l.e[1].body, "\x00\x02\x00\x1d", 4);

	e = kext_find(&l, KTLS_EXT_SUPPORTED_GROUPS, &body);
	ck_assert_ptr_eq(e, &l.e[1]);
	ck_assert_uint_eq(kr_left(&body), 4);
	ck_assert_uint_eq(kr_u16(&body), 2);
	ck_assert_uint_eq(kr_u16(&body), KTLS_GROUP_X25519);
	ck_assert(kr_done(&body));
	ck_assert_ptr_null(kext_find(&l, 0xfafa, NULL));
	ck_assert_ptr_null(kext_find(&l, KTLS_EXT_KEY_SHARE, &body));
}
END_TEST

START_TEST(test_ext_empty_block_and_minimum)
{
	struct kext_list l;

	ck_assert_int_eq(parse_block(NULL, 0, KEXT_EE, 0, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	/* CertificateRequest: extensions<2..2^16-1>. */
	ck_assert_int_eq(parse_block(NULL, 0, KEXT_CR, 2, &l), KTLS_E_ALERT_decode_error);
	ck_assert_int_eq(parse_block((const uint8_t *)"\xfa\xfa\x00\x00", 4, KEXT_CR, 2, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_uint_eq(l.n_unknown, 1);
}
END_TEST

START_TEST(test_ext_truncated)
{
	static const uint8_t blk[] = {
		0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d,
	};
	uint8_t buf[sizeof(blk) + 2];
	struct kext_list l;
	struct kr r;
	size_t cut;

	buf[0] = 0;
	buf[1] = sizeof(blk);
	memcpy(buf + 2, blk, sizeof(blk));
	/* The block's length prefix promises more than there is. */
	for (cut = 0; cut < sizeof(buf); cut++) {
		uint8_t *copy = malloc(cut + 1);

		memcpy(copy, buf, cut);
		kr_init(&r, copy, cut);
		ck_assert_msg(kext_parse(&r, KEXT_CH, 0, &l) == KTLS_E_ALERT_decode_error,
			      "cut at %zu", cut);
		free(copy);
	}
	/* Inner truncations, with the block length kept consistent. */
	for (cut = 1; cut < sizeof(blk); cut++) {
		if (cut == 7)
			continue;	/* a whole first extension */
		ck_assert_msg(parse_block(blk, cut, KEXT_CH, 0, &l) ==
			      KTLS_E_ALERT_decode_error, "block cut at %zu", cut);
	}
	ck_assert_int_eq(parse_block(blk, 7, KEXT_CH, 0, &l), 0);
}
END_TEST

START_TEST(test_ext_body_past_block)
{
	struct kext_list l;

	/* An extension body longer than what is left in the block. */
	ck_assert_int_eq(parse_block((const uint8_t *)"\x00\x2b\x00\x04\x02\x03\x04", 7,
				     KEXT_CH, 0, &l),
			 KTLS_E_ALERT_decode_error);
	ck_assert_int_eq(parse_block((const uint8_t *)"\x00\x2b\xff\xff", 4, KEXT_CH, 0, &l),
			 KTLS_E_ALERT_decode_error);
	/* A lone byte or three after the last extension. */
	ck_assert_int_eq(parse_block((const uint8_t *)"\xfa\xfa\x00\x00\x00", 5,
				     KEXT_CH, 0, &l),
			 KTLS_E_ALERT_decode_error);
	ck_assert_int_eq(parse_block((const uint8_t *)"\xfa\xfa\x00\x00\x00\x01\x00", 7,
				     KEXT_CH, 0, &l),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_ext_duplicate)
{
	struct kext_list l;

	/* §4.2: at most one of each type, known or not. */
	ck_assert_int_eq(parse_block((const uint8_t *)"\xfa\xfa\x00\x00\xfa\xfa\x00\x01\x00",
				     9, KEXT_EE, 0, &l),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_block((const uint8_t *)"\x00\x00\x00\x00\x00\x10\x00\x00"
				     "\x00\x00\x00\x00", 12, KEXT_CH, 0, &l),
			 KTLS_E_ALERT_illegal_parameter);
}
END_TEST

/* A block of @n_unknown empty unknown extensions around @known ones. */
static size_t many_block(uint8_t *blk, size_t cap, size_t n_unknown,
			 const uint16_t *known, size_t n_known, size_t known_at)
{
	struct kw w;
	size_t i, k = 0;

	kw_init(&w, blk, cap);
	for (i = 0; i < n_unknown; i++) {
		while (k < n_known && known_at + k == i)
			mt_ext(&w, known[k++], NULL, 0);
		mt_ext(&w, (uint16_t)(0x8000 + i), NULL, 0);
	}
	while (k < n_known)
		mt_ext(&w, known[k++], NULL, 0);
	ck_assert(kw_ok(&w));
	return w.len;
}

START_TEST(test_ext_many_unknown)
{
	static const uint16_t known[] = { KTLS_EXT_SUPPORTED_VERSIONS,
					  KTLS_EXT_EARLY_DATA,
					  KTLS_EXT_POST_HANDSHAKE_AUTH };
	static uint8_t blk[4 * 600];
	struct kext_list l;
	size_t len;

	/*
	 * §4.1.2: a server ignores the extensions it does not know, however
	 * many (here 500, the known ones in the middle); none is stored.
	 */
	len = many_block(blk, sizeof(blk), 500, known, ARRAY_SIZE(known), 250);
	ck_assert_int_eq(parse_block(blk, len, KEXT_CH, 0, &l), 0);
	ck_assert_uint_eq(l.n, ARRAY_SIZE(known));
	ck_assert_uint_eq(l.n_unknown, 500);
	ck_assert_uint_eq(l.first_unknown, 0x8000);
	ck_assert_uint_eq(l.e[0].type, KTLS_EXT_SUPPORTED_VERSIONS);
	ck_assert_uint_eq(l.e[2].type, KTLS_EXT_POST_HANDSHAKE_AUTH);
	ck_assert_ptr_nonnull(kext_find(&l, KTLS_EXT_EARLY_DATA, NULL));
	/* The same block, known ones last, then first. */
	len = many_block(blk, sizeof(blk), 500, known, ARRAY_SIZE(known), 500);
	ck_assert_int_eq(parse_block(blk, len, KEXT_CH, 0, &l), 0);
	ck_assert_uint_eq(l.n, 3);
	len = many_block(blk, sizeof(blk), 500, known, ARRAY_SIZE(known), 0);
	ck_assert_int_eq(parse_block(blk, len, KEXT_CH, 0, &l), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_uint_eq(l.n_unknown, 500);
}
END_TEST

START_TEST(test_ext_many_unknown_duplicates)
{
	static const uint16_t dup_unknown[] = { 0x8000 + 3 };
	static const uint16_t dup_known[] = { KTLS_EXT_SUPPORTED_VERSIONS,
					      KTLS_EXT_SUPPORTED_VERSIONS };
	static const uint16_t psk_early[] = { KTLS_EXT_PRE_SHARED_KEY };
	static uint8_t blk[4 * 600];
	struct kext_list l;
	struct kw w;
	size_t len;

	/* §4.2: a duplicate of an unknown type, 400 extensions in. */
	len = many_block(blk, sizeof(blk), 500, dup_unknown, 1, 400);
	ck_assert_int_eq(parse_block(blk, len, KEXT_CH, 0, &l),
			 KTLS_E_ALERT_illegal_parameter);
	/* A known one twice, far apart. */
	len = many_block(blk, sizeof(blk), 500, dup_known, 1, 10);
	kw_init(&w, blk + len, sizeof(blk) - len);
	mt_ext(&w, dup_known[1], NULL, 0);
	ck_assert_int_eq(parse_block(blk, len + w.len, KEXT_CH, 0, &l),
			 KTLS_E_ALERT_illegal_parameter);
	/* §4.2.11: pre_shared_key before 500 unknown ones is not last. */
	len = many_block(blk, sizeof(blk), 500, psk_early, 1, 499);
	ck_assert_int_eq(parse_block(blk, len, KEXT_CH, 0, &l),
			 KTLS_E_ALERT_illegal_parameter);
	len = many_block(blk, sizeof(blk), 500, psk_early, 1, 500);
	ck_assert_int_eq(parse_block(blk, len, KEXT_CH, 0, &l), 0);
	ck_assert_uint_eq(l.e[l.n - 1].type, KTLS_EXT_PRE_SHARED_KEY);
}
END_TEST

START_TEST(test_ext_every_known_once)
{
	static uint8_t blk[4 * 600];
	struct kext_list l;
	struct kw w;
	uint16_t t;
	size_t n = 0;

	/* Each known type once fills the list: KEXT_MAX is enough. */
	kw_init(&w, blk, sizeof(blk));
	for (t = 0; t < 0x100; t++)
		if (kext_known(t) && t != KTLS_EXT_PRE_SHARED_KEY) {
			mt_ext(&w, t, NULL, 0);
			n++;
		}
	mt_ext(&w, KTLS_EXT_PRE_SHARED_KEY, NULL, 0);
	n++;
	ck_assert_uint_le(n, KEXT_MAX);
	/* Most are not CH extensions: check framing and storage with msg = all. */
	ck_assert_int_eq(parse_block(blk, w.len, (enum kext_msg)0x7f, 0, &l), 0);
	ck_assert_uint_eq(l.n, n);
	ck_assert_uint_eq(l.n_unknown, 0);
}
END_TEST

/*
 * RFC 8446 §4.2 (plus RFC 8449 for record_size_limit), row by row.
 *
 * This is deliberately a copy, not lib/src/ext.c's kext_rules: it is the
 * test's own transcription of the RFC, the oracle the parser is checked
 * against. Reading the library's table instead would make the test agree
 * with any mistake made in it. Change both only when the RFC does.
 */
static const struct {
	uint16_t type;
	unsigned int where;
} table[] = {
	{ KTLS_EXT_SERVER_NAME, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_MAX_FRAGMENT_LENGTH, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_STATUS_REQUEST, KEXT_CH | KEXT_CR | KEXT_CT },
	{ KTLS_EXT_SUPPORTED_GROUPS, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_SIGNATURE_ALGORITHMS, KEXT_CH | KEXT_CR },
	{ KTLS_EXT_USE_SRTP, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_HEARTBEAT, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_ALPN, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_SCT, KEXT_CH | KEXT_CR | KEXT_CT },
	{ KTLS_EXT_CLIENT_CERT_TYPE, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_SERVER_CERT_TYPE, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_PADDING, KEXT_CH },
	{ KTLS_EXT_RECORD_SIZE_LIMIT, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_PRE_SHARED_KEY, KEXT_CH | KEXT_SH },
	{ KTLS_EXT_EARLY_DATA, KEXT_CH | KEXT_EE | KEXT_NST },
	{ KTLS_EXT_SUPPORTED_VERSIONS, KEXT_CH | KEXT_SH | KEXT_HRR },
	{ KTLS_EXT_COOKIE, KEXT_CH | KEXT_HRR },
	{ KTLS_EXT_PSK_KEY_EXCHANGE_MODES, KEXT_CH },
	{ KTLS_EXT_CERTIFICATE_AUTHORITIES, KEXT_CH | KEXT_CR },
	{ KTLS_EXT_OID_FILTERS, KEXT_CR },
	{ KTLS_EXT_POST_HANDSHAKE_AUTH, KEXT_CH },
	{ KTLS_EXT_SIGNATURE_ALGORITHMS_CERT, KEXT_CH | KEXT_CR },
	{ KTLS_EXT_KEY_SHARE, KEXT_CH | KEXT_SH | KEXT_HRR },
};

static const enum kext_msg msgs[] = {
	KEXT_CH, KEXT_SH, KEXT_HRR, KEXT_EE, KEXT_CT, KEXT_CR, KEXT_NST,
};

START_TEST(test_ext_placement_table)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(table); i++) {
		uint8_t blk[4] = { (uint8_t)(table[i].type >> 8), (uint8_t)table[i].type, 0, 0 };

		ck_assert(kext_known(table[i].type));
		for (j = 0; j < ARRAY_SIZE(msgs); j++) {
			struct kext_list l;
			int want = (table[i].where & msgs[j]) ? 0
							      : KTLS_E_ALERT_illegal_parameter;
			int got = parse_block(blk, sizeof(blk), msgs[j], 0, &l);

			ck_assert_msg(got == want, "extension %u in message %#x: got %d, want %d",
				      table[i].type, msgs[j], got, want);
		}
	}
}
END_TEST

START_TEST(test_ext_unknown_allowed_everywhere)
{
	static const uint16_t unknown[] = { 0x0003, 0x0017, 0x0023, 0x002e, 0xfafa, 0xffff };
	size_t i, j;

	/* The parser leaves unknown ones to the message (ignore or refuse). */
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		uint8_t blk[4] = { (uint8_t)(unknown[i] >> 8), (uint8_t)unknown[i], 0, 0 };

		ck_assert(!kext_known(unknown[i]));
		for (j = 0; j < ARRAY_SIZE(msgs); j++) {
			struct kext_list l;

			ck_assert_int_eq(parse_block(blk, sizeof(blk), msgs[j], 0, &l), 0);
			ck_assert_uint_eq(l.n, 0);
			ck_assert_uint_eq(l.n_unknown, 1);
			ck_assert_uint_eq(l.first_unknown, unknown[i]);
		}
	}
}
END_TEST

START_TEST(test_ext_pre_shared_key_last)
{
	static const uint8_t psk_first[] = { 0x00, 0x29, 0x00, 0x00, 0xfa, 0xfa, 0x00, 0x00 };
	static const uint8_t psk_middle[] = { 0x00, 0x2b, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00,
					      0x00, 0x15, 0x00, 0x00 };
	static const uint8_t psk_last[] = { 0xfa, 0xfa, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00 };
	struct kext_list l;

	/* §4.2.11: in a ClientHello pre_shared_key MUST be last. */
	ck_assert_int_eq(parse_block(psk_first, sizeof(psk_first), KEXT_CH, 0, &l),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_block(psk_middle, sizeof(psk_middle), KEXT_CH, 0, &l),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_block(psk_last, sizeof(psk_last), KEXT_CH, 0, &l), 0);
	ck_assert_int_eq(parse_block(psk_last, 4 + 4, KEXT_CH, 0, &l), 0);
	ck_assert_int_eq(parse_block(psk_last + 4, 4, KEXT_CH, 0, &l), 0);
	/* The rule is the ClientHello's; a ServerHello may order freely. */
	ck_assert_int_eq(parse_block(psk_first, sizeof(psk_first), KEXT_SH, 0, &l), 0);
}
END_TEST

static Suite *ext_suite(void)
{
	Suite *s = suite_create("ext");
	TCase *tc = tcase_create("ext");

	tcase_add_test(tc, test_ext_splits_block);
	tcase_add_test(tc, test_ext_empty_block_and_minimum);
	tcase_add_test(tc, test_ext_truncated);
	tcase_add_test(tc, test_ext_body_past_block);
	tcase_add_test(tc, test_ext_duplicate);
	tcase_add_test(tc, test_ext_many_unknown);
	tcase_add_test(tc, test_ext_many_unknown_duplicates);
	tcase_add_test(tc, test_ext_every_known_once);
	tcase_add_test(tc, test_ext_placement_table);
	tcase_add_test(tc, test_ext_unknown_allowed_everywhere);
	tcase_add_test(tc, test_ext_pre_shared_key_last);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ext_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
