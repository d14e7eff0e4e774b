// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CertificateVerify (RFC 8446 §4.4.3): parser, builder, and the signed
 * content (64 spaces, a context string, a zero byte, the transcript hash).
 */
#include <string.h>

#include "msg.h"

int kmsg_cv_parse(const uint8_t *msg, size_t len, struct kmsg_cv *cv)
{
	struct kr r, sig;

	memset(cv, 0, sizeof(*cv));
	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	cv->scheme = kr_u16(&r);
	kr_open16(&r, &sig, 0, 0xffff);
	cv->sig_len = kr_left(&sig);
	cv->sig = kr_bytes(&sig, cv->sig_len);
	kr_close(&r, &sig);
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	return 0;
}

size_t kmsg_cv_tbs(bool server, const uint8_t *th, size_t hlen, uint8_t *out)
{
	static const char sctx[] = "TLS 1.3, server CertificateVerify";
	static const char cctx[] = "TLS 1.3, client CertificateVerify";
	const char *ctx = server ? sctx : cctx;
	size_t n = 0;

	memset(out, 0x20, 64);
	n += 64;
	memcpy(out + n, ctx, sizeof(sctx));	/* with the NUL separator */
	n += sizeof(sctx);
	memcpy(out + n, th, hlen);
	return n + hlen;
}

int kmsg_cv_build(struct ktls_conn *c, uint16_t scheme, const uint8_t *sig,
		  size_t sig_len, size_t *len)
{
	struct kw w;
	struct kw_mark msg, l;

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_CERTIFICATE_VERIFY);
	kw_u16(&w, scheme);
	l = kw_open16(&w);
	kw_bytes(&w, sig, sig_len);
	kw_close(&w, l);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
