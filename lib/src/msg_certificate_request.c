// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CertificateRequest (RFC 8446 §4.3.2): the client's parser and the
 * server's builder. signature_algorithms is mandatory; unknown extensions
 * are ignored, as the RFC requires of clients.
 */
#include <string.h>

#include "msg.h"

int kmsg_cr_parse(const uint8_t *msg, size_t len, struct kmsg_cr *cr)
{
	struct kr r, sub, b;
	int ret;

	memset(cr, 0, sizeof(*cr));
	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	kr_open8(&r, &sub, 0, 255);
	cr->context_len = kr_left(&sub);
	cr->context = kr_bytes(&sub, cr->context_len);
	kr_close(&r, &sub);
	if (!kr_ok(&r))
		return KTLS_E_ALERT_decode_error;
	ret = kext_parse(&r, KEXT_CR, 2, &cr->ext);
	if (ret)
		return ret;
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	if (!kext_find(&cr->ext, KTLS_EXT_SIGNATURE_ALGORITHMS, &b))
		return KTLS_E_ALERT_missing_extension;
	klist16_read(&b, &cr->sigalgs, 2);
	if (!kr_done(&b))
		return KTLS_E_ALERT_decode_error;
	return 0;
}

int kmsg_cr_build(struct ktls_conn *c, size_t *len)
{
	const struct ktls_config *cfg = c->cfg;
	struct kw w;
	struct kw_mark msg, exts, e, l;
	size_t i;

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_CERTIFICATE_REQUEST);
	kw_u8(&w, 0);	/* empty certificate_request_context (§4.3.2) */
	exts = kw_open16(&w);
	kw_u16(&w, KTLS_EXT_SIGNATURE_ALGORITHMS);
	e = kw_open16(&w);
	l = kw_open16(&w);
	for (i = 0; i < cfg->n_sigschemes; i++)
		kw_u16(&w, cfg->sigschemes[i]);
	kw_close(&w, l);
	kw_close(&w, e);
	kw_close(&w, exts);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
