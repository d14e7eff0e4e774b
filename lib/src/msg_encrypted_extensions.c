// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * EncryptedExtensions (RFC 8446 §4.3.1): the client's parser and the
 * server's builder (ALPN, record_size_limit).
 */
#include <string.h>

#include "msg.h"

static int ee_extension(const struct kext *e, struct kmsg_ee *ee)
{
	struct kr b, l, name;

	kr_init(&b, e->body, e->len);
	switch (e->type) {
	case KTLS_EXT_ALPN:
		/* RFC 7301 §3.1: exactly one protocol in the reply. */
		kr_open16(&b, &l, 2, 0xffff);
		kr_open8(&l, &name, 1, 255);
		ee->alpn_len = kr_left(&name);
		ee->alpn = kr_bytes(&name, ee->alpn_len);
		kr_close(&l, &name);
		kr_close(&b, &l);
		break;
	case KTLS_EXT_RECORD_SIZE_LIMIT:
		ee->rsl = kr_u16(&b);
		if (kr_ok(&b) && ee->rsl < 64)
			return KTLS_E_ALERT_illegal_parameter;
		break;
	case KTLS_EXT_SERVER_NAME:
		/* §4.2 / RFC 6066: the server's acknowledgement is empty. */
		break;
	case KTLS_EXT_SUPPORTED_GROUPS: {
		/* Informational (§4.2.7), but it must still be well formed. */
		struct klist16 groups;

		klist16_read(&b, &groups, 2);
		break;
	}
	default:
		return KTLS_E_ALERT_unsupported_extension;
	}
	return kr_done(&b) ? 0 : KTLS_E_ALERT_decode_error;
}

int kmsg_ee_parse(const uint8_t *msg, size_t len, struct kmsg_ee *ee)
{
	struct kr r;
	size_t i;
	int ret;

	memset(ee, 0, sizeof(*ee));
	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	ret = kext_parse(&r, KEXT_EE, 0, &ee->ext);
	if (ret)
		return ret;
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	for (i = 0; i < ee->ext.n; i++) {
		ret = ee_extension(&ee->ext.e[i], ee);
		if (ret)
			return ret;
	}
	/* §4.2: we offer no extension we do not know, so none may come back. */
	if (ee->ext.n_unknown)
		return KTLS_E_ALERT_unsupported_extension;
	return 0;
}

int kmsg_ee_build(struct ktls_conn *c, bool echo_rsl, size_t *len)
{
	struct kw w;
	struct kw_mark msg, exts, e, l, n;
	size_t alpn_len = strlen(c->alpn);

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_ENCRYPTED_EXTENSIONS);
	exts = kw_open16(&w);
	if (alpn_len) {
		kw_u16(&w, KTLS_EXT_ALPN);
		e = kw_open16(&w);
		l = kw_open16(&w);
		n = kw_open8(&w);
		kw_bytes(&w, c->alpn, alpn_len);
		kw_close(&w, n);
		kw_close(&w, l);
		kw_close(&w, e);
	}
	if (echo_rsl) {
		/* RFC 8449 §4: the largest record we accept, plus one. */
		uint16_t rsl = c->cfg->record_size_limit ? c->cfg->record_size_limit
							 : KTLS_MAX_PLAINTEXT + 1;

		kw_u16(&w, KTLS_EXT_RECORD_SIZE_LIMIT);
		e = kw_open16(&w);
		kw_u16(&w, rsl);
		kw_close(&w, e);
	}
	kw_close(&w, exts);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
