// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NewSessionTicket (RFC 8446 §4.6.1): libktls never sends one and never
 * resumes, so a client only checks that a ticket is well formed and then
 * drops it.
 */
#include "msg.h"

int kmsg_nst_parse(const uint8_t *msg, size_t len)
{
	struct kr r, sub;
	struct kext_list ext;
	int ret;

	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	kr_u32(&r);	/* ticket_lifetime */
	kr_u32(&r);	/* ticket_age_add */
	kr_open8(&r, &sub, 0, 255);
	kr_skip(&sub, kr_left(&sub));
	kr_close(&r, &sub);
	kr_open16(&r, &sub, 1, 0xffff);
	kr_skip(&sub, kr_left(&sub));
	kr_close(&r, &sub);
	if (!kr_ok(&r))
		return KTLS_E_ALERT_decode_error;
	ret = kext_parse(&r, KEXT_NST, 0, &ext);
	if (ret)
		return ret;
	return kr_done(&r) ? 0 : KTLS_E_ALERT_decode_error;
}
