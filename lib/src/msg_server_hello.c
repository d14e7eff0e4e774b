// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): the
 * client's parser and the server's builder. A HelloRetryRequest is a
 * ServerHello whose random is the fixed HRR value.
 */
#include <string.h>

#include "msg.h"

static int sh_extension(const struct kext *e, struct kmsg_sh *sh)
{
	struct kr b, l;

	kr_init(&b, e->body, e->len);
	switch (e->type) {
	case KTLS_EXT_SUPPORTED_VERSIONS:
		sh->version = kr_u16(&b);
		break;
	case KTLS_EXT_KEY_SHARE:
		sh->has_key_share = true;
		sh->ks_group = kr_u16(&b);
		if (!sh->is_hrr) {
			kr_open16(&b, &l, 1, 0xffff);
			sh->ks_len = kr_left(&l);
			sh->ks_pub = kr_bytes(&l, sh->ks_len);
			kr_close(&b, &l);
		}
		break;
	case KTLS_EXT_PRE_SHARED_KEY:
		sh->has_psk = true;
		sh->psk_index = kr_u16(&b);
		break;
	case KTLS_EXT_COOKIE:
		kr_open16(&b, &l, 1, 0xffff);
		sh->cookie_len = kr_left(&l);
		sh->cookie = kr_bytes(&l, sh->cookie_len);
		kr_close(&b, &l);
		break;
	default:
		/*
		 * §4.2: the server may only send extensions the client
		 * offered, and we offered none of the others here.
		 */
		return KTLS_E_ALERT_unsupported_extension;
	}
	return kr_done(&b) ? 0 : KTLS_E_ALERT_decode_error;
}

int kmsg_sh_parse(const uint8_t *msg, size_t len, struct kmsg_sh *sh)
{
	struct kr r, sub;
	size_t i;
	int ret;

	memset(sh, 0, sizeof(*sh));
	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	sh->legacy_version = kr_u16(&r);
	sh->random = kr_bytes(&r, 32);
	kr_open8(&r, &sub, 0, 32);
	sh->session_id_len = kr_left(&sub);
	sh->session_id = kr_bytes(&sub, sh->session_id_len);
	kr_close(&r, &sub);
	sh->suite = kr_u16(&r);
	sh->compression = kr_u8(&r);
	if (!kr_ok(&r))
		return KTLS_E_ALERT_decode_error;
	sh->is_hrr = memcmp(sh->random, KMSG_HRR_RANDOM, 32) == 0;
	if (kr_left(&r) == 0)
		return 0;	/* pre-1.3 ServerHello: version stays 0 */
	ret = kext_parse(&r, sh->is_hrr ? KEXT_HRR : KEXT_SH, 0, &sh->ext);
	if (ret)
		return ret;
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	for (i = 0; i < sh->ext.n; i++) {
		ret = sh_extension(&sh->ext.e[i], sh);
		if (ret)
			return ret;
	}
	/* §4.2: we offer no extension we do not know, so none may come back. */
	if (sh->ext.n_unknown)
		return KTLS_E_ALERT_unsupported_extension;
	return 0;
}

int kmsg_sh_build(struct ktls_conn *c, const uint8_t *random,
		  const uint8_t *ks_pub, size_t ks_len, size_t *len)
{
	struct kw w;
	struct kw_mark msg, exts, e, l;
	bool hrr = random == NULL;

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_SERVER_HELLO);
	kw_u16(&w, KTLS_VERSION_TLS12);
	kw_bytes(&w, hrr ? (const uint8_t *)KMSG_HRR_RANDOM : random, 32);
	l = kw_open8(&w);
	kw_bytes(&w, c->session_id, c->session_id_len);
	kw_close(&w, l);
	kw_u16(&w, c->suite);
	kw_u8(&w, 0);

	exts = kw_open16(&w);
	kw_u16(&w, KTLS_EXT_SUPPORTED_VERSIONS);
	e = kw_open16(&w);
	kw_u16(&w, KTLS_VERSION_TLS13);
	kw_close(&w, e);
	if (hrr || ks_pub) {
		kw_u16(&w, KTLS_EXT_KEY_SHARE);
		e = kw_open16(&w);
		kw_u16(&w, c->group);
		if (!hrr) {
			l = kw_open16(&w);
			kw_bytes(&w, ks_pub, ks_len);
			kw_close(&w, l);
		}
		kw_close(&w, e);
	}
	if (hrr && c->cookie_len) {
		kw_u16(&w, KTLS_EXT_COOKIE);
		e = kw_open16(&w);
		l = kw_open16(&w);
		kw_bytes(&w, c->cookie, c->cookie_len);
		kw_close(&w, l);
		kw_close(&w, e);
	}
	if (!hrr && c->psk_used) {
		kw_u16(&w, KTLS_EXT_PRE_SHARED_KEY);
		e = kw_open16(&w);
		kw_u16(&w, (uint16_t)c->psk_index);
		kw_close(&w, e);
	}
	kw_close(&w, exts);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
