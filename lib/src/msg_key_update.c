// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KeyUpdate (RFC 8446 §4.6.3): one byte, update_not_requested (0) or
 * update_requested (1); anything else is illegal_parameter.
 */
#include "msg.h"

int kmsg_ku_parse(const uint8_t *msg, size_t len, bool *update_requested)
{
	struct kr r;
	uint8_t v;

	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	v = kr_u8(&r);
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	if (v > 1)
		return KTLS_E_ALERT_illegal_parameter;
	*update_requested = v == 1;
	return 0;
}

int kmsg_ku_build(struct ktls_conn *c, bool update_requested, size_t *len)
{
	struct kw w;
	struct kw_mark msg;

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_KEY_UPDATE);
	kw_u8(&w, update_requested ? 1 : 0);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
