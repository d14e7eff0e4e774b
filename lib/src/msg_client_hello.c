// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ClientHello (RFC 8446 §4.1.2): the server's parser, with every extension
 * a TLS 1.3 server acts on decoded, and the client's builder.
 */
#include <string.h>

#include "msg.h"
#include "x509.h"

static int ch_versions(struct kr *b, struct kmsg_ch *ch)
{
	struct kr l;

	kr_open8(b, &l, 2, 254);
	if (kr_left(&l) % 2)
		kr_fail(&l);
	while (kr_ok(&l) && kr_left(&l))
		if (kr_u16(&l) == KTLS_VERSION_TLS13)
			ch->tls13 = true;
	kr_close(b, &l);
	ch->has_versions = true;
	return 0;
}

static int ch_key_share(struct kr *b, struct kmsg_ch *ch)
{
	struct kr l;
	size_t i;

	kr_open16(b, &l, 0, 0xffff);
	while (kr_ok(&l) && kr_left(&l)) {
		uint16_t group = kr_u16(&l);
		struct kr pub;

		kr_open16(&l, &pub, 1, 0xffff);
		if (!kr_ok(&l))
			break;
		/* §4.2.8: each group at most once. */
		for (i = 0; i < ch->n_shares; i++)
			if (ch->shares[i].group == group)
				return KTLS_E_ALERT_illegal_parameter;
		if (ch->n_shares == KMSG_MAX_SHARES)
			continue;	/* look at the first ones only */
		ch->shares[ch->n_shares].group = group;
		ch->shares[ch->n_shares].len = kr_left(&pub);
		ch->shares[ch->n_shares].pub = kr_bytes(&pub, kr_left(&pub));
		ch->n_shares++;
	}
	kr_close(b, &l);
	ch->has_key_share = true;
	return 0;
}

static int ch_server_name(struct kr *b, struct kmsg_ch *ch)
{
	struct kr l;

	kr_open16(b, &l, 1, 0xffff);
	while (kr_ok(&l) && kr_left(&l)) {
		uint8_t type = kr_u8(&l);
		struct kr name;

		kr_open16(&l, &name, 1, 0xffff);
		if (type == 0 && !ch->sni && kr_ok(&name)) {
			ch->sni_len = kr_left(&name);
			ch->sni = kr_bytes(&name, ch->sni_len);
		} else {
			kr_skip(&name, kr_left(&name));
		}
	}
	kr_close(b, &l);
	return 0;
}

static int ch_alpn(struct kr *b, struct kmsg_ch *ch)
{
	struct kr l, check;

	kr_open16(b, &l, 2, 0xffff);
	ch->alpn = l;
	/* RFC 7301 §3.1: every name non-empty. */
	check = l;
	while (kr_ok(&check) && kr_left(&check)) {
		struct kr name;

		kr_open8(&check, &name, 1, 255);
		kr_skip(&name, kr_left(&name));
	}
	if (!kr_ok(&check))
		kr_fail(b);
	kr_skip(&l, kr_left(&l));
	kr_close(b, &l);
	ch->has_alpn = true;
	return 0;
}

static int ch_psk_modes(struct kr *b, struct kmsg_ch *ch)
{
	struct kr l;

	kr_open8(b, &l, 1, 255);
	while (kr_ok(&l) && kr_left(&l)) {
		uint8_t mode = kr_u8(&l);

		if (mode == KTLS_PSK_DHE_KE)
			ch->psk_dhe_ke = true;
		else if (mode == KTLS_PSK_KE)
			ch->psk_ke = true;
	}
	kr_close(b, &l);
	ch->has_psk_modes = true;
	return 0;
}

static int ch_psk(struct kr *b, const uint8_t *msg, struct kmsg_ch *ch)
{
	struct kr ids, binders;
	size_t n_ids = 0, n_binders = 0;

	kr_open16(b, &ids, 7, 0xffff);
	while (kr_ok(&ids) && kr_left(&ids)) {
		struct kr id;

		kr_open16(&ids, &id, 1, 0xffff);
		kr_u32(&ids);	/* obfuscated_ticket_age: external PSKs, ignored */
		if (!kr_ok(&ids))
			break;
		if (n_ids < KTLS_MAX_PSKS) {
			ch->ids[n_ids].len = kr_left(&id);
			ch->ids[n_ids].id = kr_bytes(&id, kr_left(&id));
		}
		n_ids++;
	}
	kr_close(b, &ids);
	if (!kr_ok(b))
		return KTLS_E_ALERT_decode_error;
	ch->binders_off = (size_t)(b->p - msg);
	kr_open16(b, &binders, 33, 0xffff);
	while (kr_ok(&binders) && kr_left(&binders)) {
		struct kr binder;

		kr_open8(&binders, &binder, 32, 255);
		if (!kr_ok(&binders))
			break;
		if (n_binders < KTLS_MAX_PSKS) {
			ch->ids[n_binders].binder_len = kr_left(&binder);
			ch->ids[n_binders].binder = kr_bytes(&binder, kr_left(&binder));
		}
		n_binders++;
	}
	kr_close(b, &binders);
	if (!kr_ok(b))
		return KTLS_E_ALERT_decode_error;
	/* §4.2.11: one binder per identity. */
	if (n_ids != n_binders)
		return KTLS_E_ALERT_illegal_parameter;
	ch->n_ids = n_ids < KTLS_MAX_PSKS ? n_ids : KTLS_MAX_PSKS;
	ch->has_psk = true;
	return 0;
}

static int ch_extension(const struct kext *e, const uint8_t *msg,
			struct kmsg_ch *ch)
{
	struct kr b;
	int ret = 0;

	kr_init(&b, e->body, e->len);
	switch (e->type) {
	case KTLS_EXT_SUPPORTED_VERSIONS:
		ret = ch_versions(&b, ch);
		break;
	case KTLS_EXT_SUPPORTED_GROUPS:
		klist16_read(&b, &ch->groups, 2);
		ch->has_groups = true;
		break;
	case KTLS_EXT_SIGNATURE_ALGORITHMS:
		klist16_read(&b, &ch->sigalgs, 2);
		ch->has_sigalgs = true;
		break;
	case KTLS_EXT_SIGNATURE_ALGORITHMS_CERT:
		klist16_read(&b, &ch->sigalgs_cert, 2);
		ch->has_sigalgs_cert = true;
		break;
	case KTLS_EXT_KEY_SHARE:
		ret = ch_key_share(&b, ch);
		break;
	case KTLS_EXT_SERVER_NAME:
		ret = ch_server_name(&b, ch);
		break;
	case KTLS_EXT_ALPN:
		ret = ch_alpn(&b, ch);
		break;
	case KTLS_EXT_PSK_KEY_EXCHANGE_MODES:
		ret = ch_psk_modes(&b, ch);
		break;
	case KTLS_EXT_PRE_SHARED_KEY:
		ret = ch_psk(&b, msg, ch);
		break;
	case KTLS_EXT_COOKIE: {
		struct kr l;

		kr_open16(&b, &l, 1, 0xffff);
		ch->cookie_len = kr_left(&l);
		ch->cookie = kr_bytes(&l, ch->cookie_len);
		kr_close(&b, &l);
		ch->has_cookie = true;
		break;
	}
	case KTLS_EXT_RECORD_SIZE_LIMIT:
		ch->rsl = kr_u16(&b);
		/* RFC 8449 §4: a value below 64 is illegal_parameter. */
		if (kr_ok(&b) && ch->rsl < 64)
			return KTLS_E_ALERT_illegal_parameter;
		break;
	case KTLS_EXT_EARLY_DATA:
		ch->has_early_data = true;
		break;
	default:
		/* Unknown or not acted on: ignored (§4.1.2). */
		kr_skip(&b, kr_left(&b));
		break;
	}
	if (ret)
		return ret;
	return kr_done(&b) ? 0 : KTLS_E_ALERT_decode_error;
}

int kmsg_ch_parse(const uint8_t *msg, size_t len, struct kmsg_ch *ch)
{
	struct kr r, sub;
	size_t i;
	int ret;

	memset(ch, 0, sizeof(*ch));
	if (len < KMSG_HEADER)
		return KTLS_E_ALERT_decode_error;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	ch->legacy_version = kr_u16(&r);
	ch->random = kr_bytes(&r, 32);
	kr_open8(&r, &sub, 0, 32);
	ch->session_id_len = kr_left(&sub);
	ch->session_id = kr_bytes(&sub, ch->session_id_len);
	kr_close(&r, &sub);
	klist16_read(&r, &ch->suites, 2);
	kr_open8(&r, &sub, 1, 255);
	/* §4.1.2: for TLS 1.3 exactly one byte, the null method. */
	if (kr_left(&sub) != 1 || kr_u8(&sub) != 0)
		ret = KTLS_E_ALERT_illegal_parameter;
	else
		ret = 0;
	kr_skip(&sub, kr_left(&sub));
	kr_close(&r, &sub);
	if (!kr_ok(&r))
		return KTLS_E_ALERT_decode_error;
	/* No extensions at all: a pre-1.3 ClientHello. */
	if (kr_left(&r) == 0)
		return KTLS_E_ALERT_protocol_version;
	if (ret)
		return ret;
	ret = kext_parse(&r, KEXT_CH, 0, &ch->ext);
	if (ret)
		return ret;
	if (!kr_done(&r))
		return KTLS_E_ALERT_decode_error;
	for (i = 0; i < ch->ext.n; i++) {
		ret = ch_extension(&ch->ext.e[i], msg, ch);
		if (ret)
			return ret;
	}
	return 0;
}

static void put_list16(struct kw *w, const uint16_t *v, size_t n)
{
	struct kw_mark m = kw_open16(w);
	size_t i;

	for (i = 0; i < n; i++)
		kw_u16(w, v[i]);
	kw_close(w, m);
}

/* ALPN: the configured comma-separated list as a ProtocolNameList. */
static void put_alpn_list(struct kw *w, const char *alpn)
{
	struct kw_mark m = kw_open16(w);
	const char *p = alpn;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n > KTLS_MAX_ALPN) {
			w->err = true;
			return;
		}
		kw_u8(w, (uint8_t)n);
		kw_bytes(w, p, n);
		p += n;
		if (*p == ',')
			p++;
	}
	kw_close(w, m);
}

/* The schemes we accept in certificates: ours plus PKCS#1 v1.5. */
static void put_sigalgs_cert(struct kw *w, const struct ktls_config *cfg)
{
	static const uint16_t pkcs1[] = { KTLS_SIG_RSA_PKCS1_SHA256,
					  KTLS_SIG_RSA_PKCS1_SHA384,
					  KTLS_SIG_RSA_PKCS1_SHA512 };
	struct kw_mark m = kw_open16(w);
	size_t i;

	for (i = 0; i < cfg->n_sigschemes; i++)
		kw_u16(w, cfg->sigschemes[i]);
	for (i = 0; i < sizeof(pkcs1) / sizeof(pkcs1[0]); i++)
		kw_u16(w, pkcs1[i]);
	kw_close(w, m);
}

int kmsg_ch_build(struct ktls_conn *c, const uint8_t *const *pubs,
		  const size_t *pub_lens, size_t *len, size_t *binders_off)
{
	const struct ktls_config *cfg = c->cfg;
	struct kw w;
	struct kw_mark msg, exts, e, l;
	size_t i, n_psk = 0;

	kw_init(&w, c->msg, sizeof(c->msg));
	msg = kmsg_begin(&w, KTLS_HS_CLIENT_HELLO);
	kw_u16(&w, KTLS_VERSION_TLS12);
	kw_bytes(&w, c->client_random, 32);
	l = kw_open8(&w);
	kw_bytes(&w, c->session_id, c->session_id_len);
	kw_close(&w, l);
	/* §4.1.2: the retried hello repeats the suites; SH must pick HRR's. */
	put_list16(&w, cfg->suites, cfg->n_suites);
	kw_u8(&w, 1);
	kw_u8(&w, 0);

	exts = kw_open16(&w);
	if (c->peer_name[0] && !c->peer_name_is_ip) {
		size_t n = strlen(c->peer_name);

		kw_u16(&w, KTLS_EXT_SERVER_NAME);
		e = kw_open16(&w);
		l = kw_open16(&w);
		kw_u8(&w, 0);
		kw_u16(&w, (uint16_t)n);
		kw_bytes(&w, c->peer_name, n);
		kw_close(&w, l);
		kw_close(&w, e);
		c->offered_sni = true;
	}
	kw_u16(&w, KTLS_EXT_SUPPORTED_VERSIONS);
	e = kw_open16(&w);
	kw_u8(&w, 2);
	kw_u16(&w, KTLS_VERSION_TLS13);
	kw_close(&w, e);

	if (c->n_offered) {
		kw_u16(&w, KTLS_EXT_SUPPORTED_GROUPS);
		e = kw_open16(&w);
		put_list16(&w, cfg->groups, cfg->n_groups);
		kw_close(&w, e);

		kw_u16(&w, KTLS_EXT_KEY_SHARE);
		e = kw_open16(&w);
		l = kw_open16(&w);
		for (i = 0; i < c->n_offered; i++) {
			struct kw_mark k;

			kw_u16(&w, c->offered_groups[i]);
			k = kw_open16(&w);
			kw_bytes(&w, pubs[i], pub_lens[i]);
			kw_close(&w, k);
		}
		kw_close(&w, l);
		kw_close(&w, e);
	}

	kw_u16(&w, KTLS_EXT_SIGNATURE_ALGORITHMS);
	e = kw_open16(&w);
	put_list16(&w, cfg->sigschemes, cfg->n_sigschemes);
	kw_close(&w, e);
	kw_u16(&w, KTLS_EXT_SIGNATURE_ALGORITHMS_CERT);
	e = kw_open16(&w);
	put_sigalgs_cert(&w, cfg);
	kw_close(&w, e);

	if (cfg->alpn && cfg->alpn[0]) {
		kw_u16(&w, KTLS_EXT_ALPN);
		e = kw_open16(&w);
		put_alpn_list(&w, cfg->alpn);
		kw_close(&w, e);
		c->offered_alpn = true;
	}
	if (cfg->record_size_limit) {
		kw_u16(&w, KTLS_EXT_RECORD_SIZE_LIMIT);
		e = kw_open16(&w);
		kw_u16(&w, cfg->record_size_limit);
		kw_close(&w, e);
		c->offered_rsl = true;
	}
	if (c->cookie_len) {
		kw_u16(&w, KTLS_EXT_COOKIE);
		e = kw_open16(&w);
		l = kw_open16(&w);
		kw_bytes(&w, c->cookie, c->cookie_len);
		kw_close(&w, l);
		kw_close(&w, e);
	}

	/* After a HelloRetryRequest only PSKs of the chosen hash (§4.1.4). */
	for (i = 0; i < c->n_psks; i++)
		if (!c->hrr || c->psks[i].hash == c->hash)
			n_psk++;
	if (n_psk) {
		kw_u16(&w, KTLS_EXT_PSK_KEY_EXCHANGE_MODES);
		e = kw_open16(&w);
		l = kw_open8(&w);
		if (!(cfg->flags & KTLS_F_PSK_ONLY_KE))
			kw_u8(&w, KTLS_PSK_DHE_KE);
		if (cfg->flags & (KTLS_F_PSK_KE | KTLS_F_PSK_ONLY_KE))
			kw_u8(&w, KTLS_PSK_KE);
		kw_close(&w, l);
		kw_close(&w, e);

		/* §4.2.11: pre_shared_key goes last. */
		kw_u16(&w, KTLS_EXT_PRE_SHARED_KEY);
		e = kw_open16(&w);
		l = kw_open16(&w);
		for (i = 0; i < c->n_psks; i++) {
			struct kw_mark id;

			if (c->hrr && c->psks[i].hash != c->hash)
				continue;
			id = kw_open16(&w);
			kw_bytes(&w, c->psks[i].identity, c->psks[i].identity_len);
			kw_close(&w, id);
			kw_u32(&w, 0);
		}
		kw_close(&w, l);
		*binders_off = w.len;
		l = kw_open16(&w);
		for (i = 0; i < c->n_psks; i++) {
			size_t hlen = kc_hash_len(c->psks[i].hash);

			if (c->hrr && c->psks[i].hash != c->hash)
				continue;
			kw_u8(&w, (uint8_t)hlen);
			kw_zeros(&w, hlen);
		}
		kw_close(&w, l);
		kw_close(&w, e);
	} else {
		*binders_off = 0;
	}
	kw_close(&w, exts);
	kmsg_end(&w, msg);
	if (!kw_ok(&w))
		return KTLS_E_BUFFER;
	*len = w.len;
	return 0;
}
