// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finished (RFC 8446 §4.4.4): verify_data is exactly Hash.length bytes.
 * The MAC itself is computed in keysched.c and compared in constant time
 * by the state machines. Also the alert for a handshake header whose
 * length is over our bound (KTLS_MAX_HANDSHAKE_MSG), which the engine
 * checks before it buffers the body: for a Finished it is a length the
 * syntax cannot have, so decode_error, like a Finished of any other wrong
 * length.
 */
#include "msg.h"

int kmsg_fin_parse(const uint8_t *msg, size_t len, size_t hlen,
		   const uint8_t **verify_data)
{
	struct kr r;

	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	*verify_data = kr_bytes(&r, hlen);
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	return 0;
}

int kmsg_check_header(uint8_t type, size_t body_len)
{
	if (body_len <= KTLS_MAX_HANDSHAKE_MSG)
		return 0;
	switch (type) {
	case KTLS_HS_FINISHED:		/* §4.4.4: Hash.length bytes */
	case KTLS_HS_KEY_UPDATE:	/* §4.6.3: one byte */
	case KTLS_HS_END_OF_EARLY_DATA:	/* §4.5: empty */
		/* §6: a length the message's syntax cannot have. */
		return KTLS_E_ALERT_decode_error;
	default:
		/*
		 * A length the syntax allows but we do not buffer: the alert
		 * OpenSSL and BoringSSL send for a message over their bound.
		 */
		return KTLS_E_ALERT_illegal_parameter;
	}
}

int kmsg_fin_build(struct ktls_conn *c, const uint8_t *verify_data,
		   size_t hlen, size_t *len)
{
	struct kw w;
	struct kw_mark msg;

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_FINISHED);
	kw_bytes(&w, verify_data, hlen);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
