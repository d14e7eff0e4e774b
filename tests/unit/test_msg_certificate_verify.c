// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_certificate_verify.c: the parser (scheme and
 * signature<0..2^16-1>, RFC 8446 §4.4.3), each truncation point, trailing
 * bytes, the signed content for both sides, and the builder parsed back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

static size_t build_cv(uint8_t *buf, uint16_t scheme, size_t sig_len)
{
	struct kw w;
	struct kw_mark m, l;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_CERTIFICATE_VERIFY);
	kw_u16(&w, scheme);
	l = kw_open16(&w);
	mt_fill(kw_reserve(&w, sig_len), sig_len, 0x5c);
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

static int parse_cv(const uint8_t *msg, size_t len)
{
	struct kmsg_cv cv;

	return kmsg_cv_parse(msg, len, &cv);
}

/*
 * check_parses() - a CertificateVerify of @scheme with @sig_len pattern
 * bytes parses to that scheme and that signature, in place.
 */
static void check_parses(uint16_t scheme, size_t sig_len)
{
	static uint8_t buf[MT_CAP];
	struct kmsg_cv cv;
	size_t len = build_cv(buf, scheme, sig_len);

	ck_assert_int_eq(kmsg_cv_parse(buf, len, &cv), 0);
	ck_assert_uint_eq(cv.scheme, scheme);
	ck_assert_uint_eq(cv.sig_len, sig_len);
	if (!sig_len)
		return;
	ck_assert_ptr_eq(cv.sig, buf + KMSG_HEADER + 4);
	ck_assert_uint_eq(cv.sig[0], 0x5c);
	ck_assert_uint_eq(cv.sig[sig_len - 1], (uint8_t)(0x5c + sig_len - 1));
}

START_TEST(test_msg_certificate_verify_parses_every_field)
{
	check_parses(KTLS_SIG_ECDSA_SECP256R1_SHA256, 71);
	/* The parser takes any scheme; which are acceptable is the SM's call. */
	check_parses(0xfefe, 1);
	/* A large RSA-8192-sized signature. */
	check_parses(KTLS_SIG_RSA_PSS_RSAE_SHA512, 1024);
}
END_TEST

START_TEST(test_msg_certificate_verify_empty_signature)
{
	/*
	 * §4.4.3: opaque signature<0..2^16-1>. An empty signature is well
	 * formed; it fails verification later (decrypt_error), it is not a
	 * decode error.
	 */
	check_parses(KTLS_SIG_ED25519, 0);
}
END_TEST

START_TEST(test_msg_certificate_verify_truncated)
{
	static uint8_t buf[MT_CAP];

	mt_check_truncations(parse_cv, buf, build_cv(buf, KTLS_SIG_ED25519, 64), MT_NONE, 0);
}
END_TEST

START_TEST(test_msg_certificate_verify_trailing_bytes)
{
	static uint8_t buf[MT_CAP];

	mt_check_trailing(parse_cv, buf, build_cv(buf, KTLS_SIG_ED25519, 64));
}
END_TEST

START_TEST(test_msg_certificate_verify_signature_length_mismatch)
{
	static uint8_t buf[MT_CAP];
	size_t len = build_cv(buf, KTLS_SIG_ED25519, 64);

	/* The signature<> length runs past the message. */
	buf[KMSG_HEADER + 3] = 65;
	ck_assert_int_eq(mt_parse(parse_cv, buf, len), KTLS_E_ALERT_decode_error);
	buf[KMSG_HEADER + 2] = 0xff;
	buf[KMSG_HEADER + 3] = 0xff;
	ck_assert_int_eq(mt_parse(parse_cv, buf, len), KTLS_E_ALERT_decode_error);
}
END_TEST

/*
 * check_tbs() - §4.4.3: the content signed by the server (@server) or the
 * client is 64 spaces, the context string, a zero byte, then the @hlen
 * bytes of transcript hash @th, and nothing is written after it.
 */
static void check_tbs(bool server, const uint8_t *th, size_t hlen)
{
	const char *ctx = server ? "TLS 1.3, server CertificateVerify"
				 : "TLS 1.3, client CertificateVerify";
	uint8_t out[64 + 34 + 48 + 8], spaces[64];
	size_t n;

	memset(spaces, 0x20, sizeof(spaces));
	memset(out, 0xee, sizeof(out));
	n = kmsg_cv_tbs(server, th, hlen, out);
	ck_assert_uint_eq(n, 64 + 33 + 1 + hlen);
	ck_assert_mem_eq(out, spaces, 64);
	ck_assert_mem_eq(out + 64, ctx, 33);
	ck_assert_uint_eq(out[64 + 33], 0);
	ck_assert_mem_eq(out + 98, th, hlen);
	ck_assert_uint_eq(out[n], 0xee);
}

START_TEST(test_msg_certificate_verify_signed_content)
{
	uint8_t th[48];

	mt_fill(th, sizeof(th), 0xd0);
	check_tbs(true, th, 32);
	check_tbs(false, th, 48);
}
END_TEST

/* kmsg_cv_build() on @c with @scheme and @sig_len bytes of @sig, parsed back. */
static void check_round_trip(struct ktls_conn *c, uint16_t scheme,
			     const uint8_t *sig, size_t sig_len)
{
	struct kmsg_cv cv;
	size_t len;

	ck_assert_int_eq(kmsg_cv_build(c, scheme, sig, sig_len, &len), 0);
	ck_assert_uint_eq(len, KMSG_HEADER + 2 + 2 + sig_len);
	ck_assert_uint_eq(c->msg[0], KTLS_HS_CERTIFICATE_VERIFY);
	ck_assert_int_eq(kmsg_cv_parse(c->msg, len, &cv), 0);
	ck_assert_uint_eq(cv.scheme, scheme);
	ck_assert_uint_eq(cv.sig_len, sig_len);
	ck_assert_mem_eq(cv.sig, sig, sig_len);
}

START_TEST(test_msg_certificate_verify_build_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	uint8_t sig[512];

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);
	mt_fill(sig, sizeof(sig), 0x01);
	check_round_trip(c, KTLS_SIG_RSA_PSS_RSAE_SHA256, sig, 256);
	check_round_trip(c, KTLS_SIG_ED448, sig, 114);
	ktls_conn_free(c);
}
END_TEST

static Suite *msg_certificate_verify_suite(void)
{
	Suite *s = suite_create("msg_certificate_verify");
	TCase *tc = tcase_create("msg_certificate_verify");

	tcase_add_test(tc, test_msg_certificate_verify_parses_every_field);
	tcase_add_test(tc, test_msg_certificate_verify_empty_signature);
	tcase_add_test(tc, test_msg_certificate_verify_truncated);
	tcase_add_test(tc, test_msg_certificate_verify_trailing_bytes);
	tcase_add_test(tc, test_msg_certificate_verify_signature_length_mismatch);
	tcase_add_test(tc, test_msg_certificate_verify_signed_content);
	tcase_add_test(tc, test_msg_certificate_verify_build_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_certificate_verify_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
