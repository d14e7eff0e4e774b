// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for names.c: every code point in constants.h has a name that
 * maps back to it, aliases and case are accepted on the way in, unknown
 * values give NULL/0/-1, and ktls_parse_list() rejects bad lists.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ktls/constants.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t suites[] = {
	KTLS_AES_128_GCM_SHA256, KTLS_AES_256_GCM_SHA384,
	KTLS_CHACHA20_POLY1305_SHA256, KTLS_AES_128_CCM_SHA256,
};

static const uint16_t groups[] = {
	KTLS_GROUP_SECP256R1, KTLS_GROUP_SECP384R1, KTLS_GROUP_SECP521R1,
	KTLS_GROUP_X25519, KTLS_GROUP_X448, KTLS_GROUP_FFDHE2048,
	KTLS_GROUP_FFDHE3072,
};

static const uint16_t schemes[] = {
	KTLS_SIG_RSA_PKCS1_SHA256, KTLS_SIG_RSA_PKCS1_SHA384,
	KTLS_SIG_RSA_PKCS1_SHA512, KTLS_SIG_ECDSA_SECP256R1_SHA256,
	KTLS_SIG_ECDSA_SECP384R1_SHA384, KTLS_SIG_ECDSA_SECP521R1_SHA512,
	KTLS_SIG_RSA_PSS_RSAE_SHA256, KTLS_SIG_RSA_PSS_RSAE_SHA384,
	KTLS_SIG_RSA_PSS_RSAE_SHA512, KTLS_SIG_ED25519, KTLS_SIG_ED448,
	KTLS_SIG_RSA_PSS_PSS_SHA256, KTLS_SIG_RSA_PSS_PSS_SHA384,
	KTLS_SIG_RSA_PSS_PSS_SHA512, KTLS_SIG_RSA_PKCS1_SHA1,
	KTLS_SIG_ECDSA_SHA1,
};

static const int alerts[] = {
#define ALERT_VALUE(name, value) value,
	KTLS_ALERT_LIST(ALERT_VALUE)
#undef ALERT_VALUE
};

START_TEST(test_names_suites_round_trip)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		ck_assert_ptr_nonnull(ktls_suite_name(suites[i]));
		ck_assert_uint_eq(ktls_suite_from_name(ktls_suite_name(suites[i])),
				  suites[i]);
	}
	ck_assert_str_eq(ktls_suite_name(KTLS_AES_128_GCM_SHA256),
			 "TLS_AES_128_GCM_SHA256");
	ck_assert_str_eq(ktls_suite_name(KTLS_CHACHA20_POLY1305_SHA256),
			 "TLS_CHACHA20_POLY1305_SHA256");
	ck_assert_uint_eq(ktls_suite_from_name("tls_aes_256_gcm_sha384"),
			  KTLS_AES_256_GCM_SHA384);
	ck_assert_uint_eq(ktls_suite_from_name("AES_128_CCM_SHA256"),
			  KTLS_AES_128_CCM_SHA256);
	ck_assert_ptr_null(ktls_suite_name(0x1305));
	ck_assert_ptr_null(ktls_suite_name(0xc02f));
	ck_assert_uint_eq(ktls_suite_from_name("TLS_AES_128_CCM_8_SHA256"), 0);
	ck_assert_uint_eq(ktls_suite_from_name(""), 0);
	ck_assert_uint_eq(ktls_suite_from_name(NULL), 0);
}
END_TEST

START_TEST(test_names_groups_round_trip)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		ck_assert_ptr_nonnull(ktls_group_name(groups[i]));
		ck_assert_uint_eq(ktls_group_from_name(ktls_group_name(groups[i])),
				  groups[i]);
	}
	ck_assert_str_eq(ktls_group_name(KTLS_GROUP_X25519), "x25519");
	ck_assert_str_eq(ktls_group_name(KTLS_GROUP_SECP256R1), "secp256r1");
	ck_assert_str_eq(ktls_group_name(KTLS_GROUP_SECP384R1), "secp384r1");
	ck_assert_str_eq(ktls_group_name(KTLS_GROUP_SECP521R1), "secp521r1");
	ck_assert_str_eq(ktls_group_name(KTLS_GROUP_X448), "x448");
	ck_assert_str_eq(ktls_group_name(KTLS_GROUP_FFDHE2048), "ffdhe2048");
	ck_assert_str_eq(ktls_group_name(KTLS_GROUP_FFDHE3072), "ffdhe3072");
	ck_assert_uint_eq(ktls_group_from_name("X25519"), KTLS_GROUP_X25519);
	ck_assert_uint_eq(ktls_group_from_name("P-256"), KTLS_GROUP_SECP256R1);
	ck_assert_uint_eq(ktls_group_from_name("prime256v1"),
			  KTLS_GROUP_SECP256R1);
	ck_assert_uint_eq(ktls_group_from_name("p-384"), KTLS_GROUP_SECP384R1);
	ck_assert_ptr_null(ktls_group_name(0));
	ck_assert_ptr_null(ktls_group_name(0x0102));
	ck_assert_uint_eq(ktls_group_from_name("x2551"), 0);
	ck_assert_uint_eq(ktls_group_from_name("x25519 "), 0);
}
END_TEST

START_TEST(test_names_sigschemes_round_trip)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(schemes); i++) {
		ck_assert_ptr_nonnull(ktls_sigscheme_name(schemes[i]));
		ck_assert_uint_eq(ktls_sigscheme_from_name(ktls_sigscheme_name(schemes[i])),
				  schemes[i]);
	}
	ck_assert_str_eq(ktls_sigscheme_name(KTLS_SIG_ECDSA_SECP256R1_SHA256),
			 "ecdsa_secp256r1_sha256");
	ck_assert_str_eq(ktls_sigscheme_name(KTLS_SIG_RSA_PSS_RSAE_SHA256),
			 "rsa_pss_rsae_sha256");
	ck_assert_str_eq(ktls_sigscheme_name(KTLS_SIG_RSA_PSS_PSS_SHA256),
			 "rsa_pss_pss_sha256");
	ck_assert_str_eq(ktls_sigscheme_name(KTLS_SIG_ED25519), "ed25519");
	ck_assert_str_eq(ktls_sigscheme_name(KTLS_SIG_ED448), "ed448");
	ck_assert_str_eq(ktls_sigscheme_name(KTLS_SIG_RSA_PKCS1_SHA256),
			 "rsa_pkcs1_sha256");
	ck_assert_uint_eq(ktls_sigscheme_from_name("ED25519"), KTLS_SIG_ED25519);
	ck_assert_ptr_null(ktls_sigscheme_name(0x0000));
	ck_assert_ptr_null(ktls_sigscheme_name(0x0807 + 0x100));
	ck_assert_uint_eq(ktls_sigscheme_from_name("rsa_pss_sha256"), 0);
}
END_TEST

START_TEST(test_names_alerts_round_trip)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(alerts); i++) {
		ck_assert_ptr_nonnull(ktls_alert_name(alerts[i]));
		ck_assert_int_eq(ktls_alert_from_name(ktls_alert_name(alerts[i])),
				 alerts[i]);
	}
	ck_assert_str_eq(ktls_alert_name(KTLS_ALERT_close_notify),
			 "close_notify");
	ck_assert_str_eq(ktls_alert_name(KTLS_ALERT_unknown_ca), "unknown_ca");
	ck_assert_str_eq(ktls_alert_name(KTLS_ALERT_no_application_protocol),
			 "no_application_protocol");
	/* close_notify is 0, so "unknown" is -1 here. */
	ck_assert_int_eq(ktls_alert_from_name("close_notify"), 0);
	ck_assert_int_eq(ktls_alert_from_name("DECODE_ERROR"),
			 KTLS_ALERT_decode_error);
	ck_assert_int_eq(ktls_alert_from_name("no_such_alert"), -1);
	ck_assert_int_eq(ktls_alert_from_name(NULL), -1);
	ck_assert_ptr_null(ktls_alert_name(1));
	ck_assert_ptr_null(ktls_alert_name(-1));
	ck_assert_ptr_null(ktls_alert_name(255));
}
END_TEST

START_TEST(test_names_hs_types)
{
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_CLIENT_HELLO),
			 "client_hello");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_SERVER_HELLO),
			 "server_hello");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_NEW_SESSION_TICKET),
			 "new_session_ticket");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_END_OF_EARLY_DATA),
			 "end_of_early_data");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_ENCRYPTED_EXTENSIONS),
			 "encrypted_extensions");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_CERTIFICATE), "certificate");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_CERTIFICATE_REQUEST),
			 "certificate_request");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_CERTIFICATE_VERIFY),
			 "certificate_verify");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_FINISHED), "finished");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_KEY_UPDATE), "key_update");
	ck_assert_str_eq(ktls_hs_type_name(KTLS_HS_MESSAGE_HASH),
			 "message_hash");
	ck_assert_ptr_null(ktls_hs_type_name(0));
	ck_assert_ptr_null(ktls_hs_type_name(3));
	ck_assert_ptr_null(ktls_hs_type_name(-1));
}
END_TEST

START_TEST(test_names_parse_list)
{
	uint16_t out[16];

	ck_assert_int_eq(ktls_parse_list("x25519,secp256r1",
					 ktls_group_from_name, out, 16), 2);
	ck_assert_uint_eq(out[0], KTLS_GROUP_X25519);
	ck_assert_uint_eq(out[1], KTLS_GROUP_SECP256R1);

	ck_assert_int_eq(ktls_parse_list("  ffdhe2048 ,\tX448 , secp521r1  ",
					 ktls_group_from_name, out, 16), 3);
	ck_assert_uint_eq(out[0], KTLS_GROUP_FFDHE2048);
	ck_assert_uint_eq(out[1], KTLS_GROUP_X448);
	ck_assert_uint_eq(out[2], KTLS_GROUP_SECP521R1);

	ck_assert_int_eq(ktls_parse_list("TLS_CHACHA20_POLY1305_SHA256",
					 ktls_suite_from_name, out, 1), 1);
	ck_assert_uint_eq(out[0], KTLS_CHACHA20_POLY1305_SHA256);

	ck_assert_int_eq(ktls_parse_list("ed25519,rsa_pss_rsae_sha256,"
					 "ecdsa_secp384r1_sha384",
					 ktls_sigscheme_from_name, out, 3), 3);
	ck_assert_uint_eq(out[2], KTLS_SIG_ECDSA_SECP384R1_SHA384);
}
END_TEST

START_TEST(test_names_parse_list_rejects)
{
	uint16_t out[4];
	char longname[200];

	/* Unknown names, including one of another kind. */
	ck_assert_int_eq(ktls_parse_list("x25519,bogus", ktls_group_from_name,
					 out, 4), -1);
	ck_assert_int_eq(ktls_parse_list("ed25519", ktls_group_from_name, out,
					 4), -1);
	/* Empty lists and empty items. */
	ck_assert_int_eq(ktls_parse_list("", ktls_group_from_name, out, 4), -1);
	ck_assert_int_eq(ktls_parse_list("   ", ktls_group_from_name, out, 4),
			 -1);
	ck_assert_int_eq(ktls_parse_list(",", ktls_group_from_name, out, 4),
			 -1);
	ck_assert_int_eq(ktls_parse_list("x25519,", ktls_group_from_name, out,
					 4), -1);
	ck_assert_int_eq(ktls_parse_list(",x25519", ktls_group_from_name, out,
					 4), -1);
	ck_assert_int_eq(ktls_parse_list("x25519,,x448", ktls_group_from_name,
					 out, 4), -1);
	ck_assert_int_eq(ktls_parse_list("x25519, ,x448", ktls_group_from_name,
					 out, 4), -1);
	/* Spaces inside a name are not trimmed. */
	ck_assert_int_eq(ktls_parse_list("x 25519", ktls_group_from_name, out,
					 4), -1);
	/* Overflow of cap. */
	ck_assert_int_eq(ktls_parse_list("x25519,x448,secp256r1",
					 ktls_group_from_name, out, 2), -1);
	ck_assert_int_eq(ktls_parse_list("x25519", ktls_group_from_name, out,
					 0), -1);
	ck_assert_int_eq(ktls_parse_list("x25519,x448,secp256r1",
					 ktls_group_from_name, out, 3), 3);
	/* Duplicates, also through an alias. */
	ck_assert_int_eq(ktls_parse_list("x25519,x25519", ktls_group_from_name,
					 out, 4), -1);
	ck_assert_int_eq(ktls_parse_list("secp256r1,P-256",
					 ktls_group_from_name, out, 4), -1);
	/* A very long item. */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(ktls_parse_list(longname, ktls_group_from_name, out,
					 4), -1);
	/* Bad arguments. */
	ck_assert_int_eq(ktls_parse_list(NULL, ktls_group_from_name, out, 4),
			 -1);
	ck_assert_int_eq(ktls_parse_list("x25519", NULL, out, 4), -1);
	ck_assert_int_eq(ktls_parse_list("x25519", ktls_group_from_name, NULL,
					 4), -1);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_names_suites_round_trip);
	tcase_add_test(tc, test_names_groups_round_trip);
	tcase_add_test(tc, test_names_sigschemes_round_trip);
	tcase_add_test(tc, test_names_alerts_round_trip);
	tcase_add_test(tc, test_names_hs_types);
	tcase_add_test(tc, test_names_parse_list);
	tcase_add_test(tc, test_names_parse_list_rejects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(names_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
