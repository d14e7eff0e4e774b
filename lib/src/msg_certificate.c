// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Certificate (RFC 8446 §4.4.2): parser for the peer's chain (X.509 only,
 * bounded by KTLS_MAX_CHAIN) and the builder for ours.
 */
#include <string.h>

#include "msg.h"
#include "x509.h"

int kmsg_cert_parse(const uint8_t *msg, size_t len, struct kmsg_cert *cert)
{
	struct kr r, sub, list;
	int ret;

	memset(cert, 0, sizeof(*cert));
	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	kr_open8(&r, &sub, 0, 255);
	cert->context_len = kr_left(&sub);
	cert->context = kr_bytes(&sub, cert->context_len);
	kr_close(&r, &sub);
	kr_open24(&r, &list, 0, 0xffffff);
	while (kr_ok(&list) && kr_left(&list)) {
		struct kr der;
		struct kext_list ext;

		kr_open24(&list, &der, 1, 0xffffff);
		if (!kr_ok(&list))
			break;
		if (cert->n == KTLS_MAX_CHAIN)
			return KTLS_E_ALERT_bad_certificate;
		cert->der_len[cert->n] = kr_left(&der);
		cert->der[cert->n] = kr_bytes(&der, cert->der_len[cert->n]);
		cert->n++;
		ret = kext_parse(&list, KEXT_CT, 0, &ext);
		if (ret)
			return ret;
		/* We request no OCSP or SCT, so any entry extension is unsolicited. */
		if (kext_count(&ext))
			return KTLS_E_ALERT_unsupported_extension;
	}
	kr_close(&r, &list);
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	return 0;
}

int kmsg_cert_build(struct ktls_conn *c, const struct ktls_credential *cred,
		    const uint8_t *context, size_t context_len, size_t *len)
{
	struct kw w;
	struct kw_mark msg, l, d;
	size_t i;

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_CERTIFICATE);
	l = kw_open8(&w);
	kw_bytes(&w, context, context_len);
	kw_close(&w, l);
	l = kw_open24(&w);
	for (i = 0; cred && i < cred->n_certs; i++) {
		d = kw_open24(&w);
		kw_bytes(&w, cred->der[i], cred->der_len[i]);
		kw_close(&w, d);
		kw_u16(&w, 0);	/* no entry extensions */
	}
	kw_close(&w, l);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
