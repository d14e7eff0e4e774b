// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_certificate_request.c: the client's parser (context,
 * the mandatory signature_algorithms, unknown extensions ignored), each
 * truncation point, trailing bytes, vectors out of range, duplicate and
 * misplaced extensions, and the server's builder parsed back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

/* context "ctx", signature_algorithms, certificate_authorities, unknown, sigalgs_cert */
static size_t build_cr(uint8_t *buf, size_t ctx_len, bool sigalgs,
		       const void *extra, size_t extra_len)
{
	struct kw w;
	struct kw_mark m, l;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_CERTIFICATE_REQUEST);
	kw_u8(&w, (uint8_t)ctx_len);
	mt_fill(kw_reserve(&w, ctx_len), ctx_len, 'a');
	l = kw_open16(&w);
	if (sigalgs)
		mt_ext(&w, KTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x04\x08\x04\x04\x03", 6);
	mt_ext(&w, KTLS_EXT_CERTIFICATE_AUTHORITIES, "\x00\x05\x00\x03\x30\x01\x00", 7);
	mt_ext(&w, 0xfafa, "\x99", 1);
	mt_ext(&w, KTLS_EXT_SIGNATURE_ALGORITHMS_CERT, "\x00\x02\x04\x01", 4);
	kw_bytes(&w, extra, extra_len);
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

static int parse_cr(const uint8_t *msg, size_t len)
{
	struct kmsg_cr cr;

	return kmsg_cr_parse(msg, len, &cr);
}

/* A request with an empty context and only the extension @type with @body, parsed. */
static int parse_only(int type, const void *body, size_t len)
{
	static uint8_t buf[MT_CAP];
	struct kw w;
	struct kw_mark m, l;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_CERTIFICATE_REQUEST);
	kw_u8(&w, 0);
	l = kw_open16(&w);
	mt_ext(&w, (uint16_t)type, body, len);
	kw_close(&w, l);
	return mt_parse(parse_cr, buf, mt_msg_end(&w, m));
}

/* The full request (empty context) with the whole extensions @extra added. */
static int parse_with_extra(const void *extra, size_t len)
{
	static uint8_t buf[MT_CAP];

	return mt_parse(parse_cr, buf, build_cr(buf, 0, true, extra, len));
}

/* The full request with one more extension, of @type with @body. */
static int parse_one(int type, const void *body, size_t len)
{
	uint8_t ext[16];
	struct kw w;

	kw_init(&w, ext, sizeof(ext));
	mt_ext(&w, (uint16_t)type, body, len);
	ck_assert(kw_ok(&w));
	return parse_with_extra(ext, w.len);
}

START_TEST(test_msg_certificate_request_parses_every_field)
{
	static uint8_t buf[MT_CAP];
	struct kmsg_cr cr;
	size_t len = build_cr(buf, 3, true, NULL, 0);

	ck_assert_int_eq(kmsg_cr_parse(buf, len, &cr), 0);
	ck_assert_uint_eq(cr.context_len, 3);
	ck_assert_ptr_eq(cr.context, buf + KMSG_HEADER + 1);
	ck_assert_mem_eq(cr.context, "abc", 3);
	ck_assert_uint_eq(cr.ext.n, 3);
	ck_assert_uint_eq(cr.ext.e[0].type, KTLS_EXT_SIGNATURE_ALGORITHMS);
	ck_assert_uint_eq(cr.ext.e[1].type, KTLS_EXT_CERTIFICATE_AUTHORITIES);
	/* §4.3.2: clients ignore unrecognised extensions (counted, not kept). */
	ck_assert_uint_eq(cr.ext.n_unknown, 1);
	ck_assert_uint_eq(cr.ext.first_unknown, 0xfafa);
	ck_assert_uint_eq(cr.ext.e[2].type, KTLS_EXT_SIGNATURE_ALGORITHMS_CERT);
	ck_assert_uint_eq(cr.sigalgs.n, 2);
	ck_assert_uint_eq(klist16_at(&cr.sigalgs, 0), KTLS_SIG_RSA_PSS_RSAE_SHA256);
	ck_assert_uint_eq(klist16_at(&cr.sigalgs, 1), KTLS_SIG_ECDSA_SECP256R1_SHA256);

	/* The context may be empty (in-handshake) or up to 255 bytes. */
	len = build_cr(buf, 0, true, NULL, 0);
	ck_assert_int_eq(kmsg_cr_parse(buf, len, &cr), 0);
	ck_assert_uint_eq(cr.context_len, 0);
	len = build_cr(buf, 255, true, NULL, 0);
	ck_assert_int_eq(kmsg_cr_parse(buf, len, &cr), 0);
	ck_assert_uint_eq(cr.context_len, 255);
}
END_TEST

START_TEST(test_msg_certificate_request_truncated)
{
	static uint8_t buf[MT_CAP];

	mt_check_truncations(parse_cr, buf, build_cr(buf, 3, true, NULL, 0), MT_NONE, 0);
}
END_TEST

START_TEST(test_msg_certificate_request_trailing_bytes)
{
	static uint8_t buf[MT_CAP];

	mt_check_trailing(parse_cr, buf, build_cr(buf, 3, true, NULL, 0));
}
END_TEST

START_TEST(test_msg_certificate_request_missing_signature_algorithms)
{
	static uint8_t buf[MT_CAP];

	/* §4.3.2: signature_algorithms MUST be present. */
	ck_assert_int_eq(mt_parse(parse_cr, buf, build_cr(buf, 0, false, NULL, 0)),
			 KTLS_E_ALERT_missing_extension);
}
END_TEST

START_TEST(test_msg_certificate_request_empty_extensions)
{
	static uint8_t buf[MT_CAP];
	struct kw w;
	struct kw_mark m;

	/* extensions<2..2^16-1>: an empty block is out of range. */
	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_CERTIFICATE_REQUEST);
	kw_u8(&w, 0);
	kw_u16(&w, 0);
	ck_assert_int_eq(mt_parse(parse_cr, buf, mt_msg_end(&w, m)),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_certificate_request_signature_algorithms_bounds)
{
	/* supported_signature_algorithms<2..2^16-2> */
	static const struct mt_body tab[] = {
		{ KTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x08\x04", 4, 0 },
		{ KTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x00", 2, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x03\x08\x04\x04", 5,
		  KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x08\x04\x00", 5,
		  KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x04\x08\x04", 4, KTLS_E_ALERT_decode_error },
		{ KTLS_EXT_SIGNATURE_ALGORITHMS, "", 0, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(parse_only, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_certificate_request_duplicate_extension)
{
	static const struct mt_extra tab[] = {
		{ "second signature_algorithms",
		  "\x00\x0d\x00\x04\x00\x02\x08\x04", 8, KTLS_E_ALERT_illegal_parameter },
		{ "second 0xfafa", "\xfa\xfa\x00\x00", 4, KTLS_E_ALERT_illegal_parameter },
	};

	mt_check_extras(parse_with_extra, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_certificate_request_extension_not_allowed)
{
	static const uint16_t not_in_cr[] = {
		KTLS_EXT_SERVER_NAME, KTLS_EXT_SUPPORTED_GROUPS, KTLS_EXT_ALPN,
		KTLS_EXT_RECORD_SIZE_LIMIT, KTLS_EXT_KEY_SHARE,
		KTLS_EXT_PRE_SHARED_KEY, KTLS_EXT_SUPPORTED_VERSIONS,
		KTLS_EXT_COOKIE, KTLS_EXT_EARLY_DATA, KTLS_EXT_PADDING,
		KTLS_EXT_PSK_KEY_EXCHANGE_MODES, KTLS_EXT_POST_HANDSHAKE_AUTH,
	};
	/* ... while oid_filters and status_request belong here. */
	static const struct mt_body belong[] = {
		{ KTLS_EXT_OID_FILTERS, "\x00\x00", 2, 0 },
		{ KTLS_EXT_STATUS_REQUEST, "\x01\x00\x00\x00\x00", 5, 0 },
	};

	/* §4.2: a known extension in the wrong message. */
	mt_check_ext_types(parse_one, not_in_cr, ARRAY_SIZE(not_in_cr), "\x00\x00", 2,
			   KTLS_E_ALERT_illegal_parameter, "CertificateRequest");
	mt_check_bodies(parse_one, belong, ARRAY_SIZE(belong));
}
END_TEST

START_TEST(test_msg_certificate_request_build_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct kmsg_cr cr;
	size_t len, i;

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);
	ck_assert_int_eq(kmsg_cr_build(c, &len), 0);
	ck_assert_uint_eq(c->msg[0], KTLS_HS_CERTIFICATE_REQUEST);
	ck_assert_int_eq(kmsg_cr_parse(c->msg, len, &cr), 0);
	/* §4.3.2: empty context during the handshake. */
	ck_assert_uint_eq(cr.context_len, 0);
	ck_assert_uint_eq(cr.ext.n, 1);
	ck_assert_uint_eq(cr.sigalgs.n, cfg.n_sigschemes);
	for (i = 0; i < cfg.n_sigschemes; i++)
		ck_assert_uint_eq(klist16_at(&cr.sigalgs, i), cfg.sigschemes[i]);
	ktls_conn_free(c);

	cfg.n_sigschemes = 1;
	cfg.sigschemes[0] = KTLS_SIG_ED25519;
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);
	ck_assert_int_eq(kmsg_cr_build(c, &len), 0);
	ck_assert_int_eq(kmsg_cr_parse(c->msg, len, &cr), 0);
	ck_assert_uint_eq(cr.sigalgs.n, 1);
	ck_assert_uint_eq(klist16_at(&cr.sigalgs, 0), KTLS_SIG_ED25519);
	ktls_conn_free(c);
}
END_TEST

START_TEST(test_msg_certificate_request_long_lists)
{
	static const uint16_t ours[] = { KTLS_SIG_ED25519, KTLS_SIG_ECDSA_SECP256R1_SHA256 };
	static uint8_t buf[MT_CAP], body[1024], extra[4 * 600];
	struct kmsg_cr cr;
	struct kw w, e, m;
	struct kw_mark l, mm, ll;
	uint16_t common[ARRAY_SIZE(ours)];
	size_t i, len;

	/*
	 * §4.3.2: 300 schemes, ours last, and 500 unknown extensions, which
	 * a client ignores; the whole list is there to choose from.
	 */
	kw_init(&w, body, sizeof(body));
	l = kw_open16(&w);
	for (i = 0; i < 299; i++)
		kw_u16(&w, (uint16_t)(0xfe00 + i));
	kw_u16(&w, KTLS_SIG_ECDSA_SECP256R1_SHA256);
	kw_close(&w, l);
	ck_assert(kw_ok(&w));
	kw_init(&e, extra, sizeof(extra));
	for (i = 0; i < 500; i++)
		mt_ext(&e, (uint16_t)(0xa000 + i), NULL, 0);
	ck_assert(kw_ok(&e));
	mm = mt_msg_begin(&m, buf, MT_CAP, KTLS_HS_CERTIFICATE_REQUEST);
	kw_u8(&m, 0);
	ll = kw_open16(&m);
	kw_bytes(&m, extra, e.len);
	mt_ext(&m, KTLS_EXT_SIGNATURE_ALGORITHMS, body, w.len);
	kw_close(&m, ll);
	len = mt_msg_end(&m, mm);
	ck_assert_int_eq(mt_parse(parse_cr, buf, len), 0);
	ck_assert_int_eq(kmsg_cr_parse(buf, len, &cr), 0);
	ck_assert_uint_eq(cr.ext.n, 1);
	ck_assert_uint_eq(cr.ext.n_unknown, 500);
	ck_assert_uint_eq(cr.sigalgs.n, 300);
	ck_assert_uint_eq(klist16_common(&cr.sigalgs, ours, ARRAY_SIZE(ours), common), 1);
	ck_assert_uint_eq(common[0], KTLS_SIG_ECDSA_SECP256R1_SHA256);
}
END_TEST

static Suite *msg_certificate_request_suite(void)
{
	Suite *s = suite_create("msg_certificate_request");
	TCase *tc = tcase_create("msg_certificate_request");

	tcase_add_test(tc, test_msg_certificate_request_parses_every_field);
	tcase_add_test(tc, test_msg_certificate_request_truncated);
	tcase_add_test(tc, test_msg_certificate_request_trailing_bytes);
	tcase_add_test(tc, test_msg_certificate_request_missing_signature_algorithms);
	tcase_add_test(tc, test_msg_certificate_request_empty_extensions);
	tcase_add_test(tc, test_msg_certificate_request_signature_algorithms_bounds);
	tcase_add_test(tc, test_msg_certificate_request_duplicate_extension);
	tcase_add_test(tc, test_msg_certificate_request_extension_not_allowed);
	tcase_add_test(tc, test_msg_certificate_request_build_round_trip);
	tcase_add_test(tc, test_msg_certificate_request_long_lists);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_certificate_request_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
