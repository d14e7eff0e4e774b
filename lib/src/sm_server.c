// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server side of the TLS 1.3 handshake (RFC 8446 §2, §4): reads the
 * ClientHello, chooses PSK, suite, group and signature scheme, asks for a
 * retry when the client shared no usable group, sends its flight, and
 * checks the client's certificate and Finished. It never sends a
 * NewSessionTicket.
 */
#include <string.h>

#include "msg.h"
#include "sm.h"
#include "x509.h"

struct server_choice {
	const struct kmsg_key_share *share;	/* NULL: retry or psk_ke */
	bool retry;
	bool dhe;
	int psk_id;				/* index in ch->ids, or -1 */
};

/*
 * Keep the PSK a lookup returned; reject what we could not use. An empty
 * or short key is a broken lookup, never a key: HMAC takes an empty key
 * as readily as a real one, and anyone can compute binders with it
 * (docs/design.md, "PSK length").
 */
static int server_take_psk(struct ktls_conn *c, const struct kmsg_ch *ch,
			   size_t i, const struct ktls_psk *p)
{
	if (!p->key || p->key_len < KTLS_MIN_PSK_KEY ||
	    p->key_len > KTLS_MAX_PSK_KEY || !kc_hash_len(p->hash))
		return KTLS_E_NOKEY;
	if (i >= ch->n_ids || ch->ids[i].len > KTLS_MAX_PSK_IDENTITY)
		return KTLS_E_INTERNAL;
	memcpy(c->psk.identity, ch->ids[i].id, ch->ids[i].len);
	c->psk.identity_len = ch->ids[i].len;
	memcpy(c->psk.key, p->key, p->key_len);
	c->psk.key_len = p->key_len;
	c->psk.hash = p->hash;
	c->psk.tag = p->tag;
	return 0;
}

/*
 * After a HelloRetryRequest the suite is fixed, so a PSK bound to another
 * hash cannot be selected (§4.2.11): it counts as unknown.
 */
static bool server_psk_fits(const struct ktls_conn *c)
{
	return c->state != KSM_S_WAIT_CH2 ||
	       c->psk.hash == kc_suite_hash(c->suite);
}

/*
 * Look the offered identities up in order; the first one known wins. A
 * lookup may answer later (KTLS_E_PENDING): the ClientHello is then
 * processed again from the start once ktls_psk_lookup_done() has the
 * answer for identity c->lookup_next. The lookup state belongs to one
 * ClientHello: server_send_retry() clears it, so the retried hello is
 * looked up afresh.
 */
static int server_lookup_psk(struct ktls_conn *c, const struct kmsg_ch *ch,
			     int *found)
{
	struct ktls_psk p;
	size_t i;
	int ret;

	*found = -1;
	for (i = 0; i < ch->n_ids; i++) {
		/* Longer than we could ever have configured: not ours. */
		if (ch->ids[i].len > KTLS_MAX_PSK_IDENTITY)
			continue;
		if (i < c->lookup_next)
			continue;	/* answered earlier: unknown */
		if (i == c->lookup_next && c->lookup_answer) {
			if (c->lookup_answer < 0 || !server_psk_fits(c)) {
				kc_wipe(&c->psk, sizeof(c->psk));
				c->lookup_next++;
				c->lookup_answer = 0;
				continue;
			}
			*found = (int)i;
			return 0;
		}
		memset(&p, 0, sizeof(p));
		ret = c->cfg->psk_lookup(c->cfg->psk_lookup_arg, ch->ids[i].id,
					 ch->ids[i].len, &p);
		if (ret == KTLS_E_PENDING) {
			c->lookup_next = i;
			return ret;
		}
		if (ret == KTLS_E_ALERT_unknown_psk_identity)
			continue;
		if (!ret)
			ret = server_take_psk(c, ch, i, &p);
		if (ret)
			return ret;
		if (!server_psk_fits(c)) {
			kc_wipe(&c->psk, sizeof(c->psk));
			continue;
		}
		*found = (int)i;
		return 0;
	}
	return 0;
}

/* Extensions a retried ClientHello may change (RFC 8446 §4.1.2). */
static bool retry_may_change(uint16_t type)
{
	switch (type) {
	case KTLS_EXT_KEY_SHARE:	/* one share, for the group asked for */
	case KTLS_EXT_COOKIE:		/* ours, echoed */
	case KTLS_EXT_EARLY_DATA:	/* removed; checked on its own */
	case KTLS_EXT_PADDING:		/* any length */
	case KTLS_EXT_PRE_SHARED_KEY:	/* checked on its own */
	case KTLS_EXT_PSK_KEY_EXCHANGE_MODES:	/* checked on its own */
		return true;
	default:
		return false;
	}
}

/*
 * SHA-256 over what a retried ClientHello must repeat byte for byte:
 * legacy_version, random, legacy_session_id, cipher_suites, compression
 * and every extension (type and body, in order) but those above. @msg has
 * passed kmsg_ch_parse(), so a framing error here is our own.
 */
static int server_hello_digest(const uint8_t *msg, size_t len, uint8_t *out)
{
	struct kc_hash h = { 0 };
	struct kr r, sub;
	const uint8_t *start;
	int ret;

	if (len < KMSG_HEADER)
		return KTLS_E_INTERNAL;
	kr_init(&r, msg + KMSG_HEADER, len - KMSG_HEADER);
	start = r.p;
	kr_skip(&r, 2 + 32);
	kr_open8(&r, &sub, 0, 32);
	kr_skip(&sub, kr_left(&sub));
	kr_close(&r, &sub);
	kr_open16(&r, &sub, 2, 0xfffe);
	kr_skip(&sub, kr_left(&sub));
	kr_close(&r, &sub);
	kr_open8(&r, &sub, 1, 255);
	kr_skip(&sub, kr_left(&sub));
	kr_close(&r, &sub);
	if (!kr_ok(&r))
		return KTLS_E_INTERNAL;
	ret = kc_hash_init(&h, KTLS_HASH_SHA256);
	if (!ret)
		ret = kc_hash_update(&h, start, (size_t)(r.p - start));
	kr_open16(&r, &sub, 0, 0xffff);
	while (!ret && kr_ok(&sub) && kr_left(&sub)) {
		const uint8_t *e = sub.p;
		uint16_t type = kr_u16(&sub);
		struct kr body;

		kr_open16(&sub, &body, 0, 0xffff);
		if (!kr_ok(&sub))
			break;
		if (!retry_may_change(type))
			ret = kc_hash_update(&h, e, (size_t)(body.end - e));
	}
	kr_close(&r, &sub);
	if (!ret && !kr_done(&r))
		ret = KTLS_E_INTERNAL;
	if (!ret)
		ret = kc_hash_peek(&h, out);
	kc_hash_free(&h);
	return ret;
}

/* Note what the first ClientHello offered, for server_check_retry(). */
static int server_note_first(struct ktls_conn *c, const uint8_t *msg,
			     size_t len, const struct kmsg_ch *ch)
{
	size_t i;
	int ret;

	ret = server_hello_digest(msg, len, c->ch1_digest);
	c->ch1_psk = ch->has_psk;
	c->ch1_psk_modes = ch->has_psk_modes;
	c->ch1_psk_dhe_ke = ch->psk_dhe_ke;
	c->ch1_psk_ke = ch->psk_ke;
	c->n_ch1_ids = 0;
	for (i = 0; !ret && ch->has_psk && i < ch->n_ids; i++) {
		ret = kc_digest(KTLS_HASH_SHA256, ch->ids[i].id, ch->ids[i].len,
				c->ch1_ids[i]);
		c->n_ch1_ids = i + 1;
	}
	return ret;
}

/*
 * §4.1.2: the retried ClientHello is the first one again, except that it
 * shares the group we asked for, echoes our cookie, drops early_data and
 * may change padding; its pre_shared_key carries new binders and may drop
 * identities (those not fitting the suite), but never adds, changes or
 * reorders one. The PSK modes stay as they were while a PSK is offered.
 * The group is checked in server_choose(), the binder afresh over the new
 * transcript (§4.2.11.2).
 */
static int server_check_retry(struct ktls_conn *c, const uint8_t *msg,
			      size_t len, const struct kmsg_ch *ch,
			      const char **why)
{
	uint8_t d[32];
	size_t i, j = 0;
	int ret;

	*why = NULL;
	if (c->cookie_len &&
	    (!ch->has_cookie || ch->cookie_len != c->cookie_len ||
	     !kc_equal(ch->cookie, c->cookie, c->cookie_len)))
		*why = "retried ClientHello without our cookie";
	else if (!c->cookie_len && ch->has_cookie)
		*why = "retried ClientHello with a cookie we did not send";
	else if (ch->session_id_len != c->session_id_len ||
		 memcmp(ch->session_id, c->session_id, c->session_id_len))
		*why = "retried ClientHello changed the session id";
	else if (ch->has_early_data)
		*why = "early_data in a retried ClientHello";
	if (*why)
		return KTLS_E_ALERT_illegal_parameter;
	ret = server_hello_digest(msg, len, d);
	if (ret)
		return ret;
	if (memcmp(d, c->ch1_digest, sizeof(d))) {
		*why = "retried ClientHello differs from the first";
		return KTLS_E_ALERT_illegal_parameter;
	}
	if (ch->has_psk && !c->ch1_psk) {
		*why = "retried ClientHello adds a PSK";
		return KTLS_E_ALERT_illegal_parameter;
	}
	if (ch->has_psk_modes &&
	    (!c->ch1_psk_modes || ch->psk_dhe_ke != c->ch1_psk_dhe_ke ||
	     ch->psk_ke != c->ch1_psk_ke)) {
		*why = "retried ClientHello changed the PSK modes";
		return KTLS_E_ALERT_illegal_parameter;
	}
	if (!ch->has_psk)
		return 0;
	for (i = 0; i < ch->n_ids; i++) {
		ret = kc_digest(KTLS_HASH_SHA256, ch->ids[i].id, ch->ids[i].len, d);
		if (ret)
			return ret;
		while (j < c->n_ch1_ids && memcmp(d, c->ch1_ids[j], sizeof(d)))
			j++;
		if (j == c->n_ch1_ids) {
			*why = "retried ClientHello adds or changes a PSK identity";
			return KTLS_E_ALERT_illegal_parameter;
		}
		j++;
	}
	return 0;
}

static uint16_t server_pick_suite(const struct ktls_conn *c,
				  const struct kmsg_ch *ch, enum ktls_hash need)
{
	const struct ktls_config *cfg = c->cfg;
	size_t i;

	if (c->state == KSM_S_WAIT_CH2)
		return klist16_has(&ch->suites, c->suite) ? c->suite : 0;
	for (i = 0; i < cfg->n_suites; i++) {
		uint16_t s = cfg->suites[i];

		if (!klist16_has(&ch->suites, s) || !kc_suite_hash(s))
			continue;
		if (need && kc_suite_hash(s) != need)
			continue;
		return s;
	}
	return 0;
}

/* Our preferred group with a client share, else one needing a retry. */
static int server_pick_group(struct ktls_conn *c, const struct kmsg_ch *ch,
			     struct server_choice *ch_out)
{
	const struct ktls_config *cfg = c->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_groups; i++) {
		uint16_t g = cfg->groups[i];

		if (!kc_group_supported(g))
			continue;
		for (j = 0; j < ch->n_shares; j++) {
			if (ch->shares[j].group != g)
				continue;
			c->group = g;
			ch_out->share = &ch->shares[j];
			return 0;
		}
	}
	for (i = 0; i < cfg->n_groups; i++) {
		uint16_t g = cfg->groups[i];

		if (kc_group_supported(g) && klist16_has(&ch->groups, g)) {
			c->group = g;
			ch_out->retry = true;
			return 0;
		}
	}
	return KTLS_E_ALERT_handshake_failure;
}

static int server_pick_alpn(struct ktls_conn *c, const struct kmsg_ch *ch)
{
	const char *list = c->cfg->alpn;

	if (!list || !*list || !ch->has_alpn)
		return 0;
	while (*list) {
		size_t n = strcspn(list, ",");
		struct kr r = ch->alpn;

		while (kr_left(&r)) {
			struct kr name;

			kr_open8(&r, &name, 1, 255);
			if (kr_left(&name) == n && !memcmp(kr_bytes(&name, n), list, n)) {
				memcpy(c->alpn, list, n);
				c->alpn[n] = 0;
				return 0;
			}
			kr_skip(&name, kr_left(&name));
		}
		list += n;
		if (*list == ',')
			list++;
	}
	/* RFC 7301 §3.2 */
	return KTLS_E_ALERT_no_application_protocol;
}

static int server_check_binder(struct ktls_conn *c, const struct kmsg_ch *ch,
			       const uint8_t *msg, int id)
{
	uint8_t th[KC_MAX_HASH], bkey[KC_MAX_HASH], mac[KC_MAX_HASH];
	size_t hlen = kc_hash_len(c->hash);
	struct ks ks;
	int ret;

	if (ch->ids[id].binder_len != hlen)
		return KTLS_E_ALERT_decrypt_error;
	/* §4.2.11.2: transcript up to, not including, the binders. */
	ret = kconn_th_hash_extra(c, msg, ch->binders_off, th);
	if (!ret)
		ret = ks_init(&ks, c->hash, c->psk.key, c->psk.key_len);
	if (!ret)
		ret = ks_binder_key(&ks, true, bkey);
	ks_wipe(&ks);
	if (!ret)
		ret = ks_finished_mac(c->hash, bkey, th, mac);
	if (!ret && !kc_equal(mac, ch->ids[id].binder, hlen))
		ret = KTLS_E_ALERT_decrypt_error;
	kc_wipe(bkey, sizeof(bkey));
	kc_wipe(mac, sizeof(mac));
	return ret;
}

/* Decide how to authenticate and key the connection. */
static int server_choose(struct ktls_conn *c, const struct kmsg_ch *ch,
			 struct server_choice *x, const char **why)
{
	const struct ktls_config *cfg = c->cfg;
	bool dhe_possible = false;
	size_t i;
	int ret;

	/* (EC)DHE needs a group both sides have, shared now or after a retry. */
	for (i = 0; ch->has_key_share && ch->has_groups && i < cfg->n_groups; i++)
		if (kc_group_supported(cfg->groups[i]) && klist16_has(&ch->groups, cfg->groups[i]))
			dhe_possible = true;

	x->psk_id = -1;
	/* §9.2: mandatory extension pairs. */
	if (ch->has_psk && !ch->has_psk_modes) {
		*why = "pre_shared_key without psk_key_exchange_modes";
		return KTLS_E_ALERT_missing_extension;
	}
	if (ch->has_key_share != ch->has_groups) {
		*why = "key_share and supported_groups must come together";
		return KTLS_E_ALERT_missing_extension;
	}
	if (ch->has_psk && cfg->psk_lookup) {
		ret = server_lookup_psk(c, ch, &x->psk_id);
		if (ret) {
			*why = "PSK lookup failed";
			return ret;
		}
	}
	if (x->psk_id >= 0) {
		if (ch->psk_dhe_ke && dhe_possible) {
			x->dhe = true;
		} else if (ch->psk_ke && (cfg->flags & KTLS_F_PSK_KE)) {
			x->dhe = false;
		} else {
			*why = "no PSK key exchange mode in common";
			return KTLS_E_ALERT_handshake_failure;
		}
	} else {
		if (ch->has_psk && cfg->psk_lookup && !cfg->cred) {
			*why = "unknown PSK identity";
			return KTLS_E_ALERT_unknown_psk_identity;
		}
		if (!cfg->cred) {
			*why = "no certificate and no PSK to authenticate with";
			return KTLS_E_ALERT_handshake_failure;
		}
		if (!ch->has_sigalgs) {
			*why = "ClientHello without signature_algorithms";
			return KTLS_E_ALERT_missing_extension;
		}
		if (!ch->has_key_share) {
			*why = "ClientHello without key_share";
			return KTLS_E_ALERT_missing_extension;
		}
		if (!dhe_possible) {
			*why = "no group in common";
			return KTLS_E_ALERT_handshake_failure;
		}
		x->dhe = true;
	}

	c->suite = server_pick_suite(c, ch, x->psk_id >= 0 ? c->psk.hash : 0);
	if (!c->suite) {
		*why = "no cipher suite in common";
		return KTLS_E_ALERT_handshake_failure;
	}
	c->hash = kc_suite_hash(c->suite);

	if (x->dhe) {
		uint16_t asked = c->group;	/* in a retry: our HRR's group */

		ret = server_pick_group(c, ch, x);
		if (ret) {
			*why = "no group in common";
			return ret;
		}
		/* §4.1.2: the retried hello shares exactly the group asked for. */
		if (c->state == KSM_S_WAIT_CH2 &&
		    (x->retry || ch->n_shares != 1 || ch->shares[0].group != asked ||
		     c->group != asked)) {
			*why = "retried ClientHello does not share the requested group";
			return KTLS_E_ALERT_illegal_parameter;
		}
	}
	if (x->psk_id < 0) {
		uint16_t peer[KTLS_MAX_LIST * 4];
		size_t n = 0;

		for (i = 0; i < ch->sigalgs.n && n < sizeof(peer) / 2; i++)
			peer[n++] = klist16_at(&ch->sigalgs, i);
		c->sigscheme = ksm_pick_sigscheme(c, peer, n);
		if (!c->sigscheme) {
			*why = "no signature scheme in common";
			return KTLS_E_ALERT_handshake_failure;
		}
	}
	ret = server_pick_alpn(c, ch);
	if (ret) {
		*why = "no application protocol in common";
		return ret;
	}
	return 0;
}

static int server_send_retry(struct ktls_conn *c, const struct kmsg_ch *ch)
{
	size_t len;
	int ret;

	if (c->state == KSM_S_WAIT_CH2)
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "retried ClientHello still needs a retry");
	if (c->cfg->flags & KTLS_F_HRR_COOKIE) {
		c->cookie_len = 32;
		ret = c->ops->random(c->ops->ctx, c->cookie, c->cookie_len);
		if (ret)
			return ret;
	}
	/*
	 * What the first ClientHello found belongs to it: the retried hello
	 * is looked up and its binder checked afresh (§4.1.4, §4.2.11), so
	 * no answer, key or position of a lookup outlives this point.
	 */
	c->hrr = true;
	c->psk_used = false;
	c->psk_index = -1;
	kc_wipe(&c->psk, sizeof(c->psk));
	c->lookup_next = 0;
	c->lookup_answer = 0;
	c->lookup_msg_len = 0;
	c->lookup_resume = KSM_START;
	c->alpn[0] = 0;
	c->peer_rsl = 0;
	ret = kconn_th_restart_hrr(c);
	if (!ret)
		ret = kmsg_sh_build(c, NULL, NULL, 0, &len);
	if (!ret)
		ret = kconn_send_hs(c, len);
	/* §D.4: in compatibility mode a CCS follows the first message. */
	if (!ret && ch->session_id_len)
		ret = kconn_send_ccs(c);
	if (ret)
		return ret;
	c->state = KSM_S_WAIT_CH2;
	return 0;
}

static int server_finish_flight(struct ktls_conn *c, const uint8_t *sig,
				size_t sig_len)
{
	int ret = ksm_send_cv_finished(c, sig, sig_len);

	if (!ret)
		ret = ksm_derive_app_secrets(c);
	/* After our Finished we write with the application key (§4.4.4). */
	if (!ret)
		ret = kconn_set_write_key(c, c->s_ap);
	if (ret)
		return ret;
	c->state = c->cert_requested ? KSM_S_WAIT_CERT : KSM_S_WAIT_FIN;
	return 0;
}

int ksm_server_signed(struct ktls_conn *c, const uint8_t *sig, size_t sig_len)
{
	return server_finish_flight(c, sig, sig_len);
}

static int server_send_flight(struct ktls_conn *c, const struct kmsg_ch *ch,
			      const struct server_choice *x)
{
	uint8_t random[32], pub[KC_MAX_SHARE], secret[KC_MAX_SECRET];
	uint8_t th[KC_MAX_HASH], sig[KC_MAX_SIG];
	size_t pub_len = sizeof(pub), secret_len = 0, sig_len = sizeof(sig), len;
	int ret;

	ret = c->ops->random(c->ops->ctx, random, sizeof(random));
	if (ret)
		return ret;
	if (x->dhe) {
		ret = kc_kex_keygen(&c->kex[0], c->group, c->ops, pub, &pub_len);
		if (ret)
			return ret;
		secret_len = sizeof(secret);
		ret = kc_kex_derive(&c->kex[0], x->share->pub, x->share->len, secret,
				    &secret_len);
		kc_kex_clear(&c->kex[0]);
		if (ret)
			return kconn_fail(c, ret, "bad client key share");
	} else {
		c->group = 0;
		c->psk_ke = true;
	}
	ret = kmsg_sh_build(c, random, x->dhe ? pub : NULL, pub_len, &len);
	if (!ret)
		ret = kconn_send_hs(c, len);
	if (!ret && ch->session_id_len && !c->hrr)
		ret = kconn_send_ccs(c);
	if (!ret)
		ret = kconn_th_hash(c, th);
	if (!ret)
		ret = ks_init(&c->ks, c->hash, c->psk_used ? c->psk.key : NULL,
			      c->psk_used ? c->psk.key_len : 0);
	if (!ret)
		ret = ks_to_handshake(&c->ks, secret_len ? secret : NULL, secret_len);
	kc_wipe(secret, sizeof(secret));
	if (!ret)
		ret = ks_derive(&c->ks, "c hs traffic", th, c->c_hs);
	if (!ret)
		ret = ks_derive(&c->ks, "s hs traffic", th, c->s_hs);
	if (!ret && kconn_hs_pending(c))
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "data after ClientHello in the same record");
	if (!ret)
		ret = kconn_set_read_key(c, c->c_hs);
	if (!ret)
		ret = kconn_set_write_key(c, c->s_hs);
	if (!ret)
		ret = kmsg_ee_build(c, ch->rsl != 0, &len);
	if (!ret)
		ret = kconn_send_hs(c, len);
	if (ret)
		return ret;
	if (c->psk_used)
		return server_finish_flight(c, NULL, 0);

	if (c->cfg->flags & (KTLS_F_REQUEST_CLIENT_CERT | KTLS_F_REQUIRE_CLIENT_CERT)) {
		ret = kmsg_cr_build(c, &len);
		if (!ret)
			ret = kconn_send_hs(c, len);
		if (ret)
			return ret;
		c->cert_requested = true;
	}
	ret = kmsg_cert_build(c, c->cfg->cred, NULL, 0, &len);
	if (!ret)
		ret = kconn_send_hs(c, len);
	if (ret)
		return ret;
	ret = ksm_sign(c, sig, &sig_len);
	if (ret == KTLS_E_PENDING) {
		c->state = KSM_S_SIGN;
		return 0;
	}
	if (ret)
		return kconn_fail(c, ret, "signing CertificateVerify failed");
	return server_finish_flight(c, sig, sig_len);
}

int ksm_s_client_hello(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	struct kmsg_ch ch;
	struct server_choice x;
	const char *why = NULL;
	bool first = c->state == KSM_S_WAIT_CH;
	int ret;

	ret = kmsg_ch_parse(msg, len, &ch);
	if (ret)
		return kconn_fail(c, ret, "malformed ClientHello");
	if (!ch.tls13)
		return kconn_fail(c, KTLS_E_ALERT_protocol_version,
				  "client does not offer TLS 1.3");
	if (!first) {
		ret = server_check_retry(c, msg, len, &ch, &why);
		if (ret)
			return kconn_fail(c, ret, why);
	} else {
		if (ch.has_cookie)
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "cookie in an initial ClientHello");
		memcpy(c->session_id, ch.session_id, ch.session_id_len);
		c->session_id_len = ch.session_id_len;
		memcpy(c->client_random, ch.random, 32);
		ret = server_note_first(c, msg, len, &ch);
		if (ret)
			return ret;
	}
	memset(&x, 0, sizeof(x));
	ret = server_choose(c, &ch, &x, &why);
	if (ret == KTLS_E_PENDING) {
		c->lookup_resume = c->state;
		c->lookup_msg_len = len;
		c->state = KSM_S_PSK_LOOKUP;
		return 0;
	}
	if (ret)
		return kconn_fail(c, ret, why);
	if (first) {
		ret = kc_hash_init(&c->th, c->hash);
		if (ret)
			return ret;
	}
	/*
	 * A PSK found in the first hello has its binder checked before we
	 * ask for a retry too (§4.2.11): a client without the key is refused
	 * here, and the retried hello is checked again on its own.
	 */
	if (x.psk_id >= 0) {
		ret = server_check_binder(c, &ch, msg, x.psk_id);
		if (ret)
			return kconn_fail(c, ret, "PSK binder does not verify");
		if (x.retry) {
			kc_wipe(&c->psk, sizeof(c->psk));
		} else {
			c->psk_used = true;
			c->psk_index = x.psk_id;
		}
	}
	if (x.retry)
		return kconn_th_add(c, msg, len) ?: server_send_retry(c, &ch);
	c->peer_rsl = ch.rsl;
	ret = kconn_th_add(c, msg, len);
	if (ret)
		return ret;
	return server_send_flight(c, &ch, &x);
}

int ksm_s_certificate(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	const struct ktls_config *cfg = c->cfg;
	struct kmsg_cert cert;
	const char *reason = NULL;
	int ret;

	ret = kmsg_cert_parse(msg, len, &cert);
	if (ret)
		return kconn_fail(c, ret, "malformed Certificate");
	if (cert.context_len)
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "client Certificate context does not match");
	if (!cert.n) {
		/* §4.4.2.4 */
		if (cfg->flags & KTLS_F_REQUIRE_CLIENT_CERT)
			return kconn_fail(c, KTLS_E_ALERT_certificate_required,
					  "client sent no certificate");
		ret = kconn_th_add(c, msg, len);
		if (ret)
			return ret;
		c->state = KSM_S_WAIT_FIN;
		return 0;
	}
	c->peer_cert = true;
	if (cfg->trust) {
		ret = kx_verify_chain(cfg->trust, cert.der, cert.der_len, cert.n,
				      NULL, false, c->ops->now(c->ops->ctx),
				      &c->peer_leaf, &c->peer_pub, &reason);
		if (ret)
			return kconn_fail(c, ret, reason);
		c->peer_verified = true;
	} else {
		if (cfg->flags & KTLS_F_REQUIRE_CLIENT_CERT)
			return kconn_fail(c, KTLS_E_ALERT_unknown_ca,
					  "no trust anchors to verify the client");
		ret = kx_parse_leaf(cert.der[0], cert.der_len[0], &c->peer_leaf,
				    &c->peer_pub);
		if (ret)
			return kconn_fail(c, ret, "client certificate does not parse");
	}
	ret = kconn_th_add(c, msg, len);
	if (ret)
		return ret;
	c->state = KSM_S_WAIT_CV;
	return 0;
}

int ksm_s_certificate_verify(struct ktls_conn *c, const uint8_t *msg,
			     size_t len)
{
	int ret = ksm_verify_peer_cv(c, msg, len);

	if (ret)
		return ret;
	c->state = KSM_S_WAIT_FIN;
	return 0;
}

int ksm_s_finished(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	int ret = ksm_check_peer_finished(c, msg, len);

	if (ret)
		return ret;
	if (kconn_hs_pending(c))
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "data after Finished in the same record");
	ret = kconn_set_read_key(c, c->c_ap);
	if (ret)
		return ret;
	c->state = KSM_CONNECTED;
	return 0;
}

int ksm_server_psk_answer(struct ktls_conn *c, int result,
			  const struct ktls_psk *psk)
{
	struct kmsg_ch ch;
	int ret;

	/* Fail closed, with an alert, on an answer that is no answer. */
	if (result > 0 || result == KTLS_E_PENDING || result == KTLS_E_WANT_INPUT)
		result = KTLS_E_INTERNAL;
	if (result == KTLS_E_ALERT_unknown_psk_identity) {
		c->lookup_answer = -1;
	} else if (result) {
		return kconn_fail(c, result, "PSK lookup failed");
	} else {
		ret = kmsg_ch_parse(c->hs, c->lookup_msg_len, &ch);
		if (!ret && (c->lookup_next >= ch.n_ids || !psk))
			ret = KTLS_E_INVALID;
		if (!ret)
			ret = server_take_psk(c, &ch, c->lookup_next, psk);
		if (ret)
			return kconn_fail(c, ret, "bad PSK from the lookup");
		c->lookup_answer = 1;
	}
	c->state = c->lookup_resume;
	ret = ksm_s_client_hello(c, c->hs, c->lookup_msg_len);
	if (ret && c->state != KSM_FAILED)
		return kconn_fail(c, ret, NULL);
	return ret;
}
