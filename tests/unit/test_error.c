// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for error.c: the strings, the alert each local failure sends
 * and the errno the kernel gets in the handshake DONE status, row by row.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ktls/error.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct row {
	int err;
	int alert;	/* ktls_error_alert() */
	int errnum;	/* ktls_error_errno() */
	const char *text;
};

static const struct row rows[] = {
	{ 0, -1, 0, "success" },
	{ KTLS_E_PENDING, -1, EINPROGRESS, "waiting for an asynchronous operation" },
	{ KTLS_E_WANT_INPUT, -1, EAGAIN, "more input is needed" },
	{ KTLS_E_INVALID, 80, EINVAL, "invalid argument or call out of order" },
	{ KTLS_E_NOMEM, 80, ENOMEM, "out of memory" },
	{ KTLS_E_INTERNAL, 80, EIO, "internal error" },
	{ KTLS_E_CRYPTO, 80, EIO, "libcrypto operation failed" },
	{ KTLS_E_BUFFER, 80, EIO, "buffer too small" },
	{ KTLS_E_CLOSED, -1, ETIMEDOUT, "peer closed the connection" },
	{ KTLS_E_TIMEOUT, -1, ETIMEDOUT, "timed out" },
	{ KTLS_E_NOKEY, 80, ENOKEY, "local key material missing or unusable" },
	{ KTLS_E_IO, 80, EIO, "I/O error" },
	{ KTLS_E_FAILED, 80, EIO, "connection already failed" },

	/* Alerts we send. */
	{ KTLS_E_ALERT_decode_error, 50, EACCES, "sent alert decode_error" },
	{ KTLS_E_ALERT_bad_certificate, 42, EACCES, "sent alert bad_certificate" },
	{ KTLS_E_ALERT_unknown_ca, 48, EACCES, "sent alert unknown_ca" },
	{ KTLS_E_ALERT_handshake_failure, 40, EACCES,
	  "sent alert handshake_failure" },
	{ KTLS_E_ALERT_unknown_psk_identity, 115, EKEYREJECTED,
	  "sent alert unknown_psk_identity" },
	{ KTLS_E_ALERT_internal_error, 80, EIO, "sent alert internal_error" },
	{ KTLS_E_ALERT_close_notify, 0, EACCES, "sent alert close_notify" },
	{ KTLS_E_ALERT_no_application_protocol, 120, EACCES,
	  "sent alert no_application_protocol" },

	/* Alerts the peer sent: never answered. */
	{ KTLS_E_PEER_unknown_ca, -1, EACCES, "received alert unknown_ca" },
	{ KTLS_E_PEER_decrypt_error, -1, EACCES, "received alert decrypt_error" },
	{ KTLS_E_PEER_unknown_psk_identity, -1, EKEYREJECTED,
	  "received alert unknown_psk_identity" },
	{ KTLS_E_PEER_close_notify, -1, ETIMEDOUT, "received alert close_notify" },
	{ KTLS_E_PEER_internal_error, -1, EACCES, "received alert internal_error" },
	{ KTLS_E_PEER_user_canceled, -1, EACCES, "received alert user_canceled" },

	/* Codes nobody defined. */
	{ -99, 80, EIO, "unknown error" },
	{ -0x300, 80, EIO, "unknown error" },
};

START_TEST(test_error_table)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		ck_assert_msg(ktls_error_alert(rows[i].err) == rows[i].alert,
			      "alert of %d: got %d, want %d", rows[i].err,
			      ktls_error_alert(rows[i].err), rows[i].alert);
		ck_assert_msg(ktls_error_errno(rows[i].err) == rows[i].errnum,
			      "errno of %d: got %d, want %d", rows[i].err,
			      ktls_error_errno(rows[i].err), rows[i].errnum);
		ck_assert_str_eq(ktls_strerror(rows[i].err), rows[i].text);
	}
}
END_TEST

START_TEST(test_error_every_alert_either_way)
{
	static const int alerts[] = {
#define ALERT_VALUE(name, value) value,
		KTLS_ALERT_LIST(ALERT_VALUE)
#undef ALERT_VALUE
	};
	size_t i;
	int a, want;

	for (i = 0; i < ARRAY_SIZE(alerts); i++) {
		a = alerts[i];
		ck_assert(KTLS_E_IS_LOCAL_ALERT(KTLS_E_LOCAL_ALERT(a)));
		ck_assert(KTLS_E_IS_PEER_ALERT(KTLS_E_PEER_ALERT(a)));
		ck_assert_int_eq(ktls_error_alert(KTLS_E_LOCAL_ALERT(a)), a);
		ck_assert_int_eq(ktls_error_alert(KTLS_E_PEER_ALERT(a)), -1);

		want = a == KTLS_ALERT_unknown_psk_identity ? EKEYREJECTED :
			a == KTLS_ALERT_internal_error ? EIO : EACCES;
		ck_assert_int_eq(ktls_error_errno(KTLS_E_LOCAL_ALERT(a)), want);
		want = a == KTLS_ALERT_unknown_psk_identity ? EKEYREJECTED :
			a == KTLS_ALERT_close_notify ? ETIMEDOUT : EACCES;
		ck_assert_int_eq(ktls_error_errno(KTLS_E_PEER_ALERT(a)), want);

		ck_assert(strncmp(ktls_strerror(KTLS_E_LOCAL_ALERT(a)),
				  "sent alert ", 11) == 0);
		ck_assert(strncmp(ktls_strerror(KTLS_E_PEER_ALERT(a)),
				  "received alert ", 15) == 0);
	}
}
END_TEST

START_TEST(test_error_local_list_complete)
{
	/* Every row of the X-macro has text and an errno, and is not an alert. */
#define CHECK_LOCAL(name, value, e, t)                                      \
	do {                                                                \
		ck_assert(!KTLS_E_IS_LOCAL_ALERT(KTLS_E_##name));            \
		ck_assert(!KTLS_E_IS_PEER_ALERT(KTLS_E_##name));             \
		ck_assert_str_eq(ktls_strerror(KTLS_E_##name), t);           \
		ck_assert_int_eq(ktls_error_errno(KTLS_E_##name), e);        \
	} while (0);
	KTLS_LOCAL_ERROR_LIST(CHECK_LOCAL)
#undef CHECK_LOCAL
}
END_TEST

START_TEST(test_error_alert_without_name)
{
	/* An alert number outside KTLS_ALERT_LIST still behaves as an alert. */
	ck_assert_int_eq(ktls_error_alert(KTLS_E_LOCAL_ALERT(200)), 200);
	ck_assert_int_eq(ktls_error_alert(KTLS_E_PEER_ALERT(200)), -1);
	ck_assert_int_eq(ktls_error_errno(KTLS_E_PEER_ALERT(200)), EACCES);
	ck_assert_str_eq(ktls_strerror(KTLS_E_LOCAL_ALERT(200)),
			 "sent unknown alert");
	ck_assert_str_eq(ktls_strerror(KTLS_E_PEER_ALERT(200)),
			 "received unknown alert");
	/* Positive values are not codes. */
	ck_assert_int_eq(ktls_error_alert(5), -1);
	ck_assert_str_eq(ktls_strerror(5), "unknown error");
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("error");

	tcase_add_test(tc, test_error_table);
	tcase_add_test(tc, test_error_every_alert_either_way);
	tcase_add_test(tc, test_error_local_list_complete);
	tcase_add_test(tc, test_error_alert_without_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(error_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
