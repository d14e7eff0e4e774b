// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every handshake message parser on its own, without the state machines in
 * front: the first byte of the input selects the parser, the rest is the
 * message body. The body is copied behind a 4-byte handshake header into a
 * buffer of exactly that size, so ASan sees any read past the end, and
 * every span a parser hands back is read in full for the same reason.
 *
 * Selector (byte 0, modulo 12): 0 ClientHello, 1 ServerHello (or
 * HelloRetryRequest), 2 EncryptedExtensions, 3 CertificateRequest,
 * 4 Certificate, 5 CertificateVerify, 6 Finished (SHA-256), 7 Finished
 * (SHA-384), 8 KeyUpdate, 9 NewSessionTicket, 10 an extension block
 * (next byte: which message it is for), 11 a u16 list.
 *
 * Target functions: kmsg_ch_parse, kmsg_sh_parse, kmsg_ee_parse,
 * kmsg_cr_parse, kmsg_cert_parse, kmsg_cv_parse, kmsg_fin_parse,
 * kmsg_ku_parse, kmsg_nst_parse, kext_parse, kext_find, kext_known,
 * klist16_read, klist16_at, klist16_has, and the kr_* reader in codec.c.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#include "fixture.h"

static const uint8_t types[12] = {
	KTLS_HS_CLIENT_HELLO, KTLS_HS_SERVER_HELLO,
	KTLS_HS_ENCRYPTED_EXTENSIONS, KTLS_HS_CERTIFICATE_REQUEST,
	KTLS_HS_CERTIFICATE, KTLS_HS_CERTIFICATE_VERIFY, KTLS_HS_FINISHED,
	KTLS_HS_FINISHED, KTLS_HS_KEY_UPDATE, KTLS_HS_NEW_SESSION_TICKET, 0, 0,
};

static const enum kext_msg ext_msgs[7] = {
	KEXT_CH, KEXT_SH, KEXT_HRR, KEXT_EE, KEXT_CT, KEXT_CR, KEXT_NST,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void touch_list(const struct klist16 *l)
{
	size_t i;

	fx_touch(l->p, 2 * l->n);
	for (i = 0; i < l->n; i++)
		klist16_has(l, klist16_at(l, i));
}

static void touch_ext(const struct kext_list *ext)
{
	size_t i;

	if (ext->n > KEXT_MAX)
		abort();
	/* Only known types are kept, each once; unknown ones are counted. */
	for (i = 0; i < ext->n; i++) {
		fx_touch(ext->e[i].body, ext->e[i].len);
		if (!kext_known(ext->e[i].type) ||
		    kext_find(ext, ext->e[i].type, NULL) != &ext->e[i])
			abort();
	}
	if (!ext->n_unknown && ext->first_unknown)
		abort();
}

static void client_hello(const uint8_t *msg, size_t len)
{
	struct kmsg_ch ch;
	size_t i;

	if (kmsg_ch_parse(msg, len, &ch))
		return;
	if (ch.n_shares > KMSG_MAX_SHARES || ch.n_shares > ch.n_shares_offered ||
	    ch.n_ids > KTLS_MAX_PSKS ||
	    ch.session_id_len > 32 || (ch.has_psk && ch.binders_off >= len))
		abort();
	fx_touch(ch.random, 32);
	fx_touch(ch.session_id, ch.session_id_len);
	touch_list(&ch.suites);
	touch_ext(&ch.ext);
	if (ch.has_groups)
		touch_list(&ch.groups);
	if (ch.has_sigalgs)
		touch_list(&ch.sigalgs);
	if (ch.has_sigalgs_cert)
		touch_list(&ch.sigalgs_cert);
	for (i = 0; i < ch.n_shares; i++)
		fx_touch(ch.shares[i].pub, ch.shares[i].len);
	fx_touch(ch.sni, ch.sni_len);
	if (ch.has_alpn)
		fx_touch(ch.alpn.p, kr_left(&ch.alpn));
	for (i = 0; i < ch.n_ids; i++) {
		fx_touch(ch.ids[i].id, ch.ids[i].len);
		fx_touch(ch.ids[i].binder, ch.ids[i].binder_len);
	}
	if (ch.has_cookie)
		fx_touch(ch.cookie, ch.cookie_len);
}

static void server_hello(const uint8_t *msg, size_t len)
{
	struct kmsg_sh sh;

	if (kmsg_sh_parse(msg, len, &sh))
		return;
	if (sh.session_id_len > 32)
		abort();
	fx_touch(sh.random, 32);
	fx_touch(sh.session_id, sh.session_id_len);
	touch_ext(&sh.ext);
	if (sh.ks_pub)
		fx_touch(sh.ks_pub, sh.ks_len);
	if (sh.cookie)
		fx_touch(sh.cookie, sh.cookie_len);
}

static void extensions(const uint8_t *p, size_t len)
{
	struct kext_list ext;
	struct kr r, body;

	if (len < 1)
		return;
	kr_init(&r, p + 1, len - 1);
	if (kext_parse(&r, ext_msgs[p[0] % 7], p[0] & 0x80 ? 2 : 0, &ext))
		return;
	touch_ext(&ext);
	if (kext_find(&ext, KTLS_EXT_KEY_SHARE, &body))
		fx_touch(body.p, kr_left(&body));
	kext_find(&ext, KTLS_EXT_SUPPORTED_VERSIONS, NULL);
}

static void list16(const uint8_t *p, size_t len)
{
	struct klist16 l;
	struct kr r;

	kr_init(&r, p, len);
	klist16_read(&r, &l, len ? p[0] % 4 : 0);
	if (kr_ok(&r))
		touch_list(&l);
}

static void parse(unsigned int sel, const uint8_t *msg, size_t len)
{
	struct kmsg_ee ee;
	struct kmsg_cr cr;
	struct kmsg_cert cert;
	struct kmsg_cv cv;
	const uint8_t *vd;
	bool req;
	size_t i;

	switch (sel) {
	case 0:
		client_hello(msg, len);
		break;
	case 1:
		server_hello(msg, len);
		break;
	case 2:
		if (!kmsg_ee_parse(msg, len, &ee)) {
			touch_ext(&ee.ext);
			fx_touch(ee.alpn, ee.alpn_len);
			if (ee.alpn_len > KTLS_MAX_ALPN || (ee.alpn && !ee.alpn_len))
				abort();
		}
		break;
	case 3:
		if (!kmsg_cr_parse(msg, len, &cr)) {
			fx_touch(cr.context, cr.context_len);
			touch_ext(&cr.ext);
			touch_list(&cr.sigalgs);
		}
		break;
	case 4:
		if (!kmsg_cert_parse(msg, len, &cert)) {
			if (cert.n > KTLS_MAX_CHAIN)
				abort();
			fx_touch(cert.context, cert.context_len);
			for (i = 0; i < cert.n; i++)
				fx_touch(cert.der[i], cert.der_len[i]);
		}
		break;
	case 5:
		if (!kmsg_cv_parse(msg, len, &cv))
			fx_touch(cv.sig, cv.sig_len);
		break;
	case 6:
	case 7:
		if (!kmsg_fin_parse(msg, len, sel == 6 ? 32 : 48, &vd))
			fx_touch(vd, sel == 6 ? 32 : 48);
		break;
	case 8:
		if (!kmsg_ku_parse(msg, len, &req) && len != KMSG_HEADER + 1)
			abort();
		break;
	case 9:
		if (kmsg_nst_parse(msg, len)) {
			/* rejected: nothing else to check */
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int sel;
	size_t len;
	uint8_t *buf;

	if (size < 1 || size - 1 > 0xffffff)
		return 0;
	sel = data[0] % 12;
	len = size - 1;
	if (sel >= 10) {
		/* Not a message: the bytes alone, in an exact-size buffer. */
		buf = malloc(len ? len : 1);
		if (!buf)
			return 0;
		memcpy(buf, data + 1, len);
		if (sel == 10)
			extensions(buf, len);
		else
			list16(buf, len);
		free(buf);
		return 0;
	}
	buf = malloc(KMSG_HEADER + len);
	if (!buf)
		return 0;
	buf[0] = types[sel];
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + KMSG_HEADER, data + 1, len);
	parse(sel, buf, KMSG_HEADER + len);
	free(buf);
	return 0;
}
