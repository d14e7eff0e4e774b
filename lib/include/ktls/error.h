/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libktls error codes. Every fallible function returns 0 or one of these
 * negative codes. They fall into three classes:
 *   - local errors that are not alerts (pending, would-block, internal);
 *   - local alerts: we found a fault and send (or would send) alert A,
 *     code KTLS_E_ALERT_<name> = -(0x100 + A);
 *   - peer alerts: the peer sent us alert A, code KTLS_E_PEER_<name> =
 *     -(0x200 + A).
 * One table (error.c) maps each code to a string, the alert to send and the
 * errno a kernel consumer expects in the handshake DONE status.
 */
#ifndef KTLS_ERROR_H
#define KTLS_ERROR_H

#include <ktls/constants.h>

/* name, value, errno, description: the non-alert errors. */
#define KTLS_LOCAL_ERROR_LIST(X)                                              \
	X(PENDING, -1, EINPROGRESS, "waiting for an asynchronous operation")   \
	X(WANT_INPUT, -2, EAGAIN, "more input is needed")                      \
	X(INVALID, -3, EINVAL, "invalid argument or call out of order")        \
	X(NOMEM, -4, ENOMEM, "out of memory")                                  \
	X(INTERNAL, -5, EIO, "internal error")                                 \
	X(CRYPTO, -6, EIO, "libcrypto operation failed")                      \
	X(BUFFER, -7, EIO, "buffer too small")                                 \
	X(CLOSED, -8, ETIMEDOUT, "peer closed the connection")                \
	X(TIMEOUT, -9, ETIMEDOUT, "timed out")                                 \
	X(NOKEY, -10, ENOKEY, "local key material missing or unusable")       \
	X(IO, -11, EIO, "I/O error")                                           \
	X(FAILED, -12, EIO, "connection already failed")

enum ktls_error {
#define KTLS_E_LOCAL_ENUM(name, value, err, text) KTLS_E_##name = value,
	KTLS_LOCAL_ERROR_LIST(KTLS_E_LOCAL_ENUM)
#undef KTLS_E_LOCAL_ENUM
#define KTLS_E_ALERT_ENUM(name, value) KTLS_E_ALERT_##name = -(0x100 + value),
	KTLS_ALERT_LIST(KTLS_E_ALERT_ENUM)
#undef KTLS_E_ALERT_ENUM
#define KTLS_E_PEER_ENUM(name, value) KTLS_E_PEER_##name = -(0x200 + value),
	KTLS_ALERT_LIST(KTLS_E_PEER_ENUM)
#undef KTLS_E_PEER_ENUM
};

#define KTLS_E_IS_LOCAL_ALERT(e) ((e) <= -0x100 && (e) > -0x200)
#define KTLS_E_IS_PEER_ALERT(e) ((e) <= -0x200 && (e) > -0x300)
#define KTLS_E_ALERT_OF(e) (-(e) & 0xff)
#define KTLS_E_LOCAL_ALERT(a) (-(0x100 + (a)))
#define KTLS_E_PEER_ALERT(a) (-(0x200 + (a)))

#if defined(__GNUC__)
#define KTLS_MUST_CHECK __attribute__((warn_unused_result))
#else
#define KTLS_MUST_CHECK
#endif

/** ktls_strerror() - text for an error code (never NULL). */
const char *ktls_strerror(int err);

/**
 * ktls_error_alert() - the alert to send for a local error
 * Return: the alert description, or -1 when nothing should be sent (peer
 * alerts, pending, a closed connection).
 */
int ktls_error_alert(int err);

/**
 * ktls_error_errno() - positive errno for the handshake DONE status
 * Return: 0 for 0; EACCES for authentication and protocol failures,
 * EKEYREJECTED for unknown_psk_identity either way, ETIMEDOUT when the peer
 * went away, EIO (or the listed errno) for local failures.
 */
int ktls_error_errno(int err);

#endif /* KTLS_ERROR_H */
