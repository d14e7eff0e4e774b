// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table behind error.h: text for every KTLS_E_* code, the alert a local
 * failure sends, and the errno a kernel consumer gets in the handshake DONE
 * status (EACCES for authentication and protocol failures, EKEYREJECTED for
 * an unknown PSK identity, ETIMEDOUT when the peer went away, as ktls-utils
 * reports them). Everything is generated from KTLS_LOCAL_ERROR_LIST and
 * KTLS_ALERT_LIST so a new code cannot be forgotten here.
 */
#include <errno.h>
#include <stddef.h>

#include <ktls/error.h>

struct ktls_local_error {
	int code;
	int err;
	const char *text;
};

static const struct ktls_local_error ktls_local_errors[] = {
#define KTLS_LOCAL_ROW(name, value, e, t) { value, e, t },
	KTLS_LOCAL_ERROR_LIST(KTLS_LOCAL_ROW)
#undef KTLS_LOCAL_ROW
};

struct ktls_alert_text {
	int alert;
	const char *sent;
	const char *received;
};

static const struct ktls_alert_text ktls_alert_texts[] = {
#define KTLS_ALERT_ROW(name, value) \
	{ value, "sent alert " #name, "received alert " #name },
	KTLS_ALERT_LIST(KTLS_ALERT_ROW)
#undef KTLS_ALERT_ROW
};

#define KTLS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ktls_local_error *ktls_find_local(int err)
{
	size_t i;

	for (i = 0; i < KTLS_ARRAY_SIZE(ktls_local_errors); i++)
		if (ktls_local_errors[i].code == err)
			return &ktls_local_errors[i];
	return NULL;
}

static const struct ktls_alert_text *ktls_find_alert(int alert)
{
	size_t i;

	for (i = 0; i < KTLS_ARRAY_SIZE(ktls_alert_texts); i++)
		if (ktls_alert_texts[i].alert == alert)
			return &ktls_alert_texts[i];
	return NULL;
}

/**
 * ktls_strerror() - text for an error code
 * @err: 0 or a negative KTLS_E_* code
 *
 * Local alerts read "sent alert <name>", peer alerts "received alert
 * <name>", and codes outside the tables "unknown error".
 *
 * Return: a static string, never NULL.
 */
const char *ktls_strerror(int err)
{
	const struct ktls_local_error *le;
	const struct ktls_alert_text *at;

	if (err == 0)
		return "success";
	if (KTLS_E_IS_LOCAL_ALERT(err) || KTLS_E_IS_PEER_ALERT(err)) {
		at = ktls_find_alert(KTLS_E_ALERT_OF(err));
		if (!at)
			return KTLS_E_IS_LOCAL_ALERT(err) ?
				"sent unknown alert" : "received unknown alert";
		return KTLS_E_IS_LOCAL_ALERT(err) ? at->sent : at->received;
	}
	le = ktls_find_local(err);
	return le ? le->text : "unknown error";
}

/**
 * ktls_error_alert() - the alert to send for a local error
 * @err: 0 or a negative KTLS_E_* code
 *
 * A local alert sends itself. Other local failures send internal_error
 * (RFC 8446 §6.2), except the ones that are not failures of this side:
 * waiting (PENDING, WANT_INPUT) and a peer that is already gone (CLOSED,
 * TIMEOUT). Nothing answers an alert the peer sent (RFC 8446 §6.2: the
 * connection is closed without sending one back).
 *
 * Return: the alert description (0..255), or -1 when nothing should be sent.
 */
int ktls_error_alert(int err)
{
	if (err >= 0 || KTLS_E_IS_PEER_ALERT(err))
		return -1;
	if (KTLS_E_IS_LOCAL_ALERT(err))
		return KTLS_E_ALERT_OF(err);
	switch (err) {
	case KTLS_E_PENDING:
	case KTLS_E_WANT_INPUT:
	case KTLS_E_CLOSED:
	case KTLS_E_TIMEOUT:
		return -1;
	default:
		/* Every other local failure, including codes we do not know. */
		return KTLS_ALERT_internal_error;
	}
}

/**
 * ktls_error_errno() - positive errno for the handshake DONE status
 * @err: 0 or a negative KTLS_E_* code
 *
 * unknown_psk_identity (sent or received) gives EKEYREJECTED, so the kernel
 * consumer can tell a key problem from other refusals; a received
 * close_notify means the peer went away (ETIMEDOUT); an internal_error we
 * send is our own failure (EIO); every other alert, either way, is an
 * authentication or protocol failure (EACCES). Local non-alert codes take
 * the errno from KTLS_LOCAL_ERROR_LIST; unknown codes give EIO.
 *
 * Return: 0 for 0, else a positive errno value.
 */
int ktls_error_errno(int err)
{
	const struct ktls_local_error *le;
	int alert;

	if (err == 0)
		return 0;
	if (KTLS_E_IS_LOCAL_ALERT(err) || KTLS_E_IS_PEER_ALERT(err)) {
		alert = KTLS_E_ALERT_OF(err);
		if (alert == KTLS_ALERT_unknown_psk_identity)
			return EKEYREJECTED;
		if (KTLS_E_IS_PEER_ALERT(err) &&
		    alert == KTLS_ALERT_close_notify)
			return ETIMEDOUT;
		if (KTLS_E_IS_LOCAL_ALERT(err) &&
		    alert == KTLS_ALERT_internal_error)
			return EIO;
		return EACCES;
	}
	le = ktls_find_local(err);
	return le ? le->err : EIO;
}
