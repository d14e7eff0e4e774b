// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_certificate.c: the parser for a peer's chain
 * (context, entries, per-entry extensions, the KTLS_MAX_CHAIN bound), each
 * truncation point, trailing bytes, empty entries, unsolicited and
 * misplaced entry extensions, and the builder parsed back. The parser
 * does not look inside the DER, so the entries here are short stand-ins.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"
#include "x509.h"

/* Entry i: "\x30" then i+2 bytes of pattern. */
static size_t der_len(size_t i)
{
	return i + 3;
}

static void put_der(struct kw *w, size_t i)
{
	uint8_t *p = kw_reserve(w, der_len(i));

	ck_assert_ptr_nonnull(p);
	p[0] = 0x30;
	mt_fill(p + 1, der_len(i) - 1, (uint8_t)(0x10 * i));
}

/*
 * A Certificate with @ctx_len context bytes and @n entries; entry
 * @ext_at gets the extensions in @ext (whole extensions).
 */
static size_t build_cert(uint8_t *buf, size_t ctx_len, size_t n, size_t ext_at,
			 const void *ext, size_t ext_len)
{
	struct kw w;
	struct kw_mark m, l, d, e;
	size_t i;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_CERTIFICATE);
	kw_u8(&w, (uint8_t)ctx_len);
	mt_fill(kw_reserve(&w, ctx_len), ctx_len, 'k');
	l = kw_open24(&w);
	for (i = 0; i < n; i++) {
		d = kw_open24(&w);
		put_der(&w, i);
		kw_close(&w, d);
		e = kw_open16(&w);
		if (i == ext_at)
			kw_bytes(&w, ext, ext_len);
		kw_close(&w, e);
	}
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

static int parse_cert(const uint8_t *msg, size_t len)
{
	struct kmsg_cert cert;

	return kmsg_cert_parse(msg, len, &cert);
}

/* A Certificate, empty context, whose one entry is the raw bytes @entry; parsed. */
static int parse_one_entry(const void *entry, size_t len)
{
	static uint8_t buf[MT_CAP];
	struct kw w;
	struct kw_mark m, l;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_CERTIFICATE);
	kw_u8(&w, 0);
	l = kw_open24(&w);
	kw_bytes(&w, entry, len);
	kw_close(&w, l);
	return mt_parse(parse_cert, buf, mt_msg_end(&w, m));
}

/* Two entries, the one at index @at with the whole extensions @ext; parsed. */
static int parse_entry_ext(int at, const void *ext, size_t len)
{
	static uint8_t buf[MT_CAP];

	return mt_parse(parse_cert, buf, build_cert(buf, 0, 2, (size_t)at, ext, len));
}

static void check_entries(const struct kmsg_cert *cert, size_t n)
{
	size_t i;

	ck_assert_uint_eq(cert->n, n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(cert->der_len[i], der_len(i));
		ck_assert_uint_eq(cert->der[i][0], 0x30);
		ck_assert_uint_eq(cert->der[i][1], (uint8_t)(0x10 * i));
		ck_assert_uint_eq(cert->der[i][der_len(i) - 1],
				  (uint8_t)(0x10 * i + der_len(i) - 2));
	}
}

START_TEST(test_msg_certificate_parses_every_field)
{
	static uint8_t buf[MT_CAP];
	struct kmsg_cert cert;
	size_t len = build_cert(buf, 4, 3, MT_NONE, NULL, 0);

	ck_assert_int_eq(kmsg_cert_parse(buf, len, &cert), 0);
	ck_assert_uint_eq(cert.context_len, 4);
	ck_assert_ptr_eq(cert.context, buf + KMSG_HEADER + 1);
	ck_assert_mem_eq(cert.context, "klmn", 4);
	check_entries(&cert, 3);
	/* The first DER starts after context, list length and entry length. */
	ck_assert_ptr_eq(cert.der[0], buf + KMSG_HEADER + 1 + 4 + 3 + 3);
}
END_TEST

START_TEST(test_msg_certificate_empty_list)
{
	static uint8_t buf[MT_CAP];
	struct kmsg_cert cert;
	size_t len = build_cert(buf, 0, 0, MT_NONE, NULL, 0);

	/* certificate_list<0..2^24-1>: empty is well formed (the SM decides). */
	ck_assert_uint_eq(len, KMSG_HEADER + 1 + 3);
	ck_assert_int_eq(kmsg_cert_parse(buf, len, &cert), 0);
	ck_assert_uint_eq(cert.n, 0);
	ck_assert_uint_eq(cert.context_len, 0);
}
END_TEST

START_TEST(test_msg_certificate_truncated)
{
	static uint8_t buf[MT_CAP];

	mt_check_truncations(parse_cert, buf, build_cert(buf, 2, 3, MT_NONE, NULL, 0),
			     MT_NONE, 0);
}
END_TEST

START_TEST(test_msg_certificate_trailing_bytes)
{
	static uint8_t buf[MT_CAP];

	mt_check_trailing(parse_cert, buf, build_cert(buf, 2, 3, MT_NONE, NULL, 0));
	mt_check_trailing(parse_cert, buf, build_cert(buf, 0, 0, MT_NONE, NULL, 0));
}
END_TEST

START_TEST(test_msg_certificate_chain_length)
{
	static uint8_t buf[MT_CAP];
	struct kmsg_cert cert;
	size_t len;

	/* KTLS_MAX_CHAIN entries are taken ... */
	len = build_cert(buf, 0, KTLS_MAX_CHAIN, MT_NONE, NULL, 0);
	ck_assert_int_eq(kmsg_cert_parse(buf, len, &cert), 0);
	check_entries(&cert, KTLS_MAX_CHAIN);
	/* ... one more is refused. */
	len = build_cert(buf, 0, KTLS_MAX_CHAIN + 1, MT_NONE, NULL, 0);
	ck_assert_int_eq(mt_parse(parse_cert, buf, len), KTLS_E_ALERT_bad_certificate);
	len = build_cert(buf, 0, 3 * KTLS_MAX_CHAIN, MT_NONE, NULL, 0);
	ck_assert_int_eq(mt_parse(parse_cert, buf, len), KTLS_E_ALERT_bad_certificate);
}
END_TEST

START_TEST(test_msg_certificate_empty_cert_data)
{
	/* cert_data<1..2^24-1>: an empty one, then empty extensions. */
	static const uint8_t entry[] = { 0x00, 0x00, 0x00, 0x00, 0x00 };

	ck_assert_int_eq(parse_one_entry(entry, sizeof(entry)), KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_certificate_entry_without_extensions_field)
{
	/*
	 * A TLS 1.2-shaped entry: cert_data (entry 0 of build_cert(), 3
	 * bytes) with no extensions<> after it.
	 */
	static const uint8_t entry[] = { 0x00, 0x00, 0x03, 0x30, 0x00, 0x01 };
	static const uint8_t with_ext[] = { 0x00, 0x00, 0x03, 0x30, 0x00, 0x01, 0x00, 0x00 };

	ck_assert_int_eq(parse_one_entry(entry, sizeof(entry)), KTLS_E_ALERT_decode_error);
	/* The same entry with its (empty) extensions<> is well formed. */
	ck_assert_int_eq(parse_one_entry(with_ext, sizeof(with_ext)), 0);
}
END_TEST

START_TEST(test_msg_certificate_entry_extensions)
{
	/* The entry (0 or 1) that carries the extensions, and what it carries. */
	static const struct mt_body tab[] = {
		/*
		 * We request neither OCSP nor SCTs, so a status_request or SCT
		 * entry extension is an unsolicited response (§4.2, §4.4.2).
		 */
		{ 0, "\x00\x05\x00\x02\x01\x00", 6, KTLS_E_ALERT_unsupported_extension },
		{ 1, "\x00\x12\x00\x00", 4, KTLS_E_ALERT_unsupported_extension },
		{ 0, "\xfa\xfa\x00\x00", 4, KTLS_E_ALERT_unsupported_extension },
		/* Known extensions that never go in a Certificate. */
		{ 0, "\x00\x33\x00\x00", 4, KTLS_E_ALERT_illegal_parameter },
		{ 1, "\x00\x10\x00\x00", 4, KTLS_E_ALERT_illegal_parameter },
		/* The same one twice. */
		{ 0, "\xfa\xfa\x00\x00\xfa\xfa\x00\x00", 8, KTLS_E_ALERT_illegal_parameter },
		/* status_request running past the extensions' end. */
		{ 0, "\x00\x05\x00\x09\x01", 5, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(parse_entry_ext, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_certificate_list_length_mismatch)
{
	static uint8_t buf[MT_CAP];
	size_t len = build_cert(buf, 0, 2, MT_NONE, NULL, 0);
	size_t list_at = KMSG_HEADER + 1;

	/* certificate_list one byte longer / shorter than its entries. */
	buf[list_at + 2]++;
	ck_assert_int_eq(mt_parse(parse_cert, buf, len), KTLS_E_ALERT_decode_error);
	buf[list_at + 2] -= 2;
	ck_assert_int_eq(mt_parse(parse_cert, buf, len), KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_certificate_build_round_trip)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct ktls_credential cred;
	struct kmsg_cert cert;
	uint8_t der[3][64];
	size_t len, i;

	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_SERVER);

	/* No credential: an empty list, with the context echoed. */
	ck_assert_int_eq(kmsg_cert_build(c, NULL, (const uint8_t *)"ctx", 3, &len), 0);
	ck_assert_uint_eq(c->msg[0], KTLS_HS_CERTIFICATE);
	ck_assert_int_eq(kmsg_cert_parse(c->msg, len, &cert), 0);
	ck_assert_uint_eq(cert.n, 0);
	ck_assert_uint_eq(cert.context_len, 3);
	ck_assert_mem_eq(cert.context, "ctx", 3);

	memset(&cred, 0, sizeof(cred));
	cred.n_certs = 3;
	for (i = 0; i < 3; i++) {
		mt_fill(der[i], sizeof(der[i]), (uint8_t)(i * 50));
		cred.der[i] = der[i];
		cred.der_len[i] = 20 + 10 * i;
	}
	ck_assert_int_eq(kmsg_cert_build(c, &cred, NULL, 0, &len), 0);
	ck_assert_int_eq(kmsg_cert_parse(c->msg, len, &cert), 0);
	ck_assert_uint_eq(cert.context_len, 0);
	ck_assert_uint_eq(cert.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(cert.der_len[i], 20 + 10 * i);
		ck_assert_mem_eq(cert.der[i], der[i], cert.der_len[i]);
	}
	ktls_conn_free(c);
}
END_TEST

static Suite *msg_certificate_suite(void)
{
	Suite *s = suite_create("msg_certificate");
	TCase *tc = tcase_create("msg_certificate");

	tcase_add_test(tc, test_msg_certificate_parses_every_field);
	tcase_add_test(tc, test_msg_certificate_empty_list);
	tcase_add_test(tc, test_msg_certificate_truncated);
	tcase_add_test(tc, test_msg_certificate_trailing_bytes);
	tcase_add_test(tc, test_msg_certificate_chain_length);
	tcase_add_test(tc, test_msg_certificate_empty_cert_data);
	tcase_add_test(tc, test_msg_certificate_entry_without_extensions_field);
	tcase_add_test(tc, test_msg_certificate_entry_extensions);
	tcase_add_test(tc, test_msg_certificate_list_length_mismatch);
	tcase_add_test(tc, test_msg_certificate_build_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_certificate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
