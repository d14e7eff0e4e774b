// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The client side of the TLS 1.3 handshake (RFC 8446 §2, §4): builds the
 * ClientHello (and the retry after a HelloRetryRequest), checks each of the
 * server's messages against what was offered, verifies the server, and
 * sends the client's final flight.
 */
#include <string.h>

#include "msg.h"
#include "sm.h"
#include "x509.h"

/* Fill in the binders of the ClientHello in c->msg (§4.2.11.2). */
static int client_binders(struct ktls_conn *c, size_t len, size_t binders_off)
{
	uint8_t th[KC_MAX_HASH], bkey[KC_MAX_HASH];
	size_t i, pos = binders_off + 2;
	struct ks ks;
	int ret = 0;

	for (i = 0; i < c->n_psks; i++) {
		const struct kpsk *p = &c->psks[i];
		size_t hlen = kc_hash_len(p->hash);

		if (c->hrr && p->hash != c->hash)
			continue;
		if (c->hrr)
			ret = kconn_th_hash_extra(c, c->msg, binders_off, th);
		else
			ret = kc_digest(p->hash, c->msg, binders_off, th);
		if (!ret)
			ret = ks_init(&ks, p->hash, p->key, p->key_len);
		if (!ret)
			ret = ks_binder_key(&ks, true, bkey);
		ks_wipe(&ks);
		if (!ret)
			ret = ks_finished_mac(p->hash, bkey, th, c->msg + pos + 1);
		kc_wipe(bkey, sizeof(bkey));
		if (ret)
			return ret;
		pos += 1 + hlen;
	}
	return pos == len ? 0 : KTLS_E_INTERNAL;
}

static int client_send_hello(struct ktls_conn *c)
{
	uint8_t pubs[KTLS_MAX_KEY_SHARES][KC_MAX_SHARE];
	const uint8_t *pp[KTLS_MAX_KEY_SHARES];
	size_t lens[KTLS_MAX_KEY_SHARES];
	size_t i, len, binders_off;
	int ret;

	for (i = 0; i < c->n_offered; i++) {
		if (!c->kex[i].key) {
			lens[i] = sizeof(pubs[i]);
			ret = kc_kex_keygen(&c->kex[i], c->offered_groups[i], c->ops,
					    pubs[i], &lens[i]);
		} else {
			/* Retry without a new group: resend the same share. */
			size_t n = sizeof(pubs[i]);

			ret = EVP_PKEY_get_octet_string_param(c->kex[i].key,
				"encoded-pub-key", pubs[i], n, &lens[i]) ? 0 : KTLS_E_CRYPTO;
		}
		if (ret)
			return ret;
		pp[i] = pubs[i];
	}
	ret = kmsg_ch_build(c, pp, lens, &len, &binders_off);
	if (ret)
		return ret;
	if (binders_off) {
		ret = client_binders(c, len, binders_off);
		if (ret)
			return ret;
	}
	return kconn_send_hs(c, len);
}

int ksm_client_start(struct ktls_conn *c)
{
	const struct ktls_config *cfg = c->cfg;
	size_t i;
	int ret;

	ret = c->ops->random(c->ops->ctx, c->client_random, 32);
	if (ret)
		return ret;
	if (cfg->flags & KTLS_F_COMPAT_CCS) {
		/* §D.4: a non-empty session id asks for middlebox compatibility. */
		c->session_id_len = 32;
		ret = c->ops->random(c->ops->ctx, c->session_id, 32);
		if (ret)
			return ret;
	}
	if (!(cfg->flags & KTLS_F_PSK_ONLY_KE)) {
		size_t n = cfg->key_shares ? cfg->key_shares : 1;

		if (n > KTLS_MAX_KEY_SHARES)
			n = KTLS_MAX_KEY_SHARES;
		for (i = 0; i < cfg->n_groups && c->n_offered < n; i++)
			if (kc_group_supported(cfg->groups[i]))
				c->offered_groups[c->n_offered++] = cfg->groups[i];
		if (!c->n_offered)
			return KTLS_E_INVALID;
	} else if (!c->n_psks) {
		return KTLS_E_INVALID;
	}
	/* The suite, and so the hash, is unknown until the ServerHello. */
	ret = kc_hash_init(&c->th, KTLS_HASH_SHA256);
	if (!ret)
		ret = kc_hash_init(&c->th384, KTLS_HASH_SHA384);
	if (ret)
		return ret;
	c->hash = KTLS_HASH_SHA256;
	ret = client_send_hello(c);
	if (ret)
		return ret;
	c->state = KSM_C_WAIT_SH;
	return 0;
}

static bool cfg_has(const uint16_t *list, size_t n, uint16_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* Keep only the transcript of the negotiated hash. */
static int client_pick_transcript(struct ktls_conn *c, enum ktls_hash hash)
{
	struct kc_hash drop;

	if (!c->th384.ctx)
		return c->hash == hash ? 0 : KTLS_E_ALERT_illegal_parameter;
	if (hash == KTLS_HASH_SHA384) {
		drop = c->th;
		c->th = c->th384;
	} else {
		drop = c->th384;
	}
	c->th384.ctx = NULL;
	kc_hash_free(&drop);
	c->hash = hash;
	return 0;
}

static int client_hello_retry(struct ktls_conn *c, const struct kmsg_sh *sh,
			      const uint8_t *msg, size_t len)
{
	size_t i;
	int ret;

	/* §4.1.4: a second HelloRetryRequest is unexpected_message. */
	if (c->state == KSM_C_WAIT_SH2)
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "second HelloRetryRequest");
	if (!sh->has_key_share && !sh->cookie)
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "HelloRetryRequest would change nothing");
	if (sh->has_key_share) {
		if (!c->n_offered || !kc_group_supported(sh->ks_group) ||
		    !cfg_has(c->cfg->groups, c->cfg->n_groups, sh->ks_group))
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "HelloRetryRequest selects a group we did not offer");
		for (i = 0; i < c->n_offered; i++)
			if (c->offered_groups[i] == sh->ks_group)
				return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
						  "HelloRetryRequest selects a group we already shared");
		for (i = 0; i < c->n_offered; i++)
			kc_kex_clear(&c->kex[i]);
		c->n_offered = 1;
		c->offered_groups[0] = sh->ks_group;
	}
	if (sh->cookie) {
		if (sh->cookie_len > sizeof(c->cookie))
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "HelloRetryRequest cookie too large");
		memcpy(c->cookie, sh->cookie, sh->cookie_len);
		c->cookie_len = sh->cookie_len;
	}
	c->hrr = true;
	c->suite = sh->suite;
	ret = client_pick_transcript(c, kc_suite_hash(sh->suite));
	if (!ret)
		ret = kconn_th_restart_hrr(c);
	if (!ret)
		ret = kconn_th_add(c, msg, len);
	if (!ret && c->session_id_len && !c->sent_ccs)
		ret = kconn_send_ccs(c);
	if (!ret)
		ret = client_send_hello(c);
	if (ret)
		return ret;
	c->state = KSM_C_WAIT_SH2;
	return 0;
}

/* Map the server's selected_identity to our psks[] (CH order). */
static int client_psk_slot(const struct ktls_conn *c, size_t index)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_psks; i++) {
		if (c->hrr && c->psks[i].hash != c->hash)
			continue;
		if (n++ == index)
			return (int)i;
	}
	return -1;
}

int ksm_c_server_hello(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	struct kmsg_sh sh;
	uint8_t secret[KC_MAX_SECRET], th[KC_MAX_HASH];
	size_t secret_len = 0, i;
	struct kc_kex *kex = NULL;
	int ret;

	ret = kmsg_sh_parse(msg, len, &sh);
	if (ret)
		return kconn_fail(c, ret, "malformed ServerHello");
	if (sh.version != KTLS_VERSION_TLS13) {
		/* §4.1.3: downgrade sentinels in a pre-1.3 ServerHello. */
		if (!sh.version && sh.random &&
		    (!memcmp(sh.random + 24, KMSG_DOWNGRADE_TLS12, 8) ||
		     !memcmp(sh.random + 24, KMSG_DOWNGRADE_TLS11, 8)))
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "downgrade sentinel in ServerHello");
		if (!sh.version)
			return kconn_fail(c, KTLS_E_ALERT_protocol_version,
					  "server does not speak TLS 1.3");
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "server selected a version we did not offer");
	}
	if (sh.legacy_version != KTLS_VERSION_TLS12 || sh.compression != 0)
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "bad legacy fields in ServerHello");
	if (sh.session_id_len != c->session_id_len ||
	    memcmp(sh.session_id, c->session_id, c->session_id_len))
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "ServerHello does not echo our session id");
	if (!cfg_has(c->cfg->suites, c->cfg->n_suites, sh.suite) ||
	    (c->hrr && sh.suite != c->suite))
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "server selected a cipher suite we did not offer");
	if (sh.is_hrr)
		return client_hello_retry(c, &sh, msg, len);

	c->suite = sh.suite;
	ret = client_pick_transcript(c, kc_suite_hash(sh.suite));
	if (ret)
		return kconn_fail(c, ret, "suite hash changed after retry");
	if (sh.has_psk) {
		int slot = client_psk_slot(c, sh.psk_index);

		if (slot < 0 || c->psks[slot].hash != c->hash)
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "server selected a PSK we did not offer");
		c->psk_used = true;
		c->psk_index = slot;
		c->psk = c->psks[slot];
	}
	if (sh.has_key_share) {
		for (i = 0; i < c->n_offered; i++)
			if (c->offered_groups[i] == sh.ks_group)
				kex = &c->kex[i];
		if (!kex)
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "server key share for a group we did not share");
		secret_len = sizeof(secret);
		ret = kc_kex_derive(kex, sh.ks_pub, sh.ks_len, secret, &secret_len);
		if (ret)
			return kconn_fail(c, ret, "bad server key share");
		c->group = sh.ks_group;
	} else if (!c->psk_used) {
		return kconn_fail(c, KTLS_E_ALERT_missing_extension,
				  "ServerHello without key_share or pre_shared_key");
	} else if (!(c->cfg->flags & (KTLS_F_PSK_KE | KTLS_F_PSK_ONLY_KE))) {
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "server chose psk_ke, which we did not offer");
	} else {
		c->psk_ke = true;
	}
	for (i = 0; i < c->n_offered; i++)
		kc_kex_clear(&c->kex[i]);

	ret = kconn_th_add(c, msg, len);
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
	if (ret)
		return ret;
	/* §5.1: handshake messages may not span a key change. */
	if (kconn_hs_pending(c))
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "data after ServerHello in the same record");
	ret = kconn_set_read_key(c, c->s_hs);
	if (!ret)
		ret = kconn_set_write_key(c, c->c_hs);
	if (ret)
		return ret;
	c->state = KSM_C_WAIT_EE;
	return 0;
}

static bool alpn_offered(const char *list, const uint8_t *p, size_t n)
{
	while (list && *list) {
		size_t l = strcspn(list, ",");

		if (l == n && !memcmp(list, p, n))
			return true;
		list += l;
		if (*list == ',')
			list++;
	}
	return false;
}

int ksm_c_encrypted_extensions(struct ktls_conn *c, const uint8_t *msg,
			       size_t len)
{
	struct kmsg_ee ee;
	int ret;

	ret = kmsg_ee_parse(msg, len, &ee);
	if (ret)
		return kconn_fail(c, ret, "malformed EncryptedExtensions");
	if (ee.alpn) {
		if (!c->offered_alpn || !alpn_offered(c->cfg->alpn, ee.alpn, ee.alpn_len))
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "server selected a protocol we did not offer");
		memcpy(c->alpn, ee.alpn, ee.alpn_len);
		c->alpn[ee.alpn_len] = 0;
	}
	if (ee.rsl) {
		if (!c->offered_rsl)
			return kconn_fail(c, KTLS_E_ALERT_unsupported_extension,
					  "unsolicited record_size_limit");
		c->peer_rsl = ee.rsl;
	}
	if (kext_find(&ee.ext, KTLS_EXT_SERVER_NAME, NULL) && !c->offered_sni)
		return kconn_fail(c, KTLS_E_ALERT_unsupported_extension,
				  "unsolicited server_name");
	ret = kconn_th_add(c, msg, len);
	if (ret)
		return ret;
	c->state = c->psk_used ? KSM_C_WAIT_FIN : KSM_C_WAIT_CERT_CR;
	return 0;
}

int ksm_c_certificate_request(struct ktls_conn *c, const uint8_t *msg,
			      size_t len)
{
	struct kmsg_cr cr;
	int ret;

	ret = kmsg_cr_parse(msg, len, &cr);
	if (ret)
		return kconn_fail(c, ret, "malformed CertificateRequest");
	/* §4.3.2: the context is empty outside post-handshake auth. */
	if (cr.context_len)
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "CertificateRequest context not empty");
	/* §4.3.2, §4.2.3: the whole list; we keep the schemes we could use. */
	c->n_peer_sigs = klist16_common(&cr.sigalgs, c->cfg->sigschemes,
					c->cfg->n_sigschemes, c->peer_sigs);
	c->cert_requested = true;
	ret = kconn_th_add(c, msg, len);
	if (ret)
		return ret;
	c->state = KSM_C_WAIT_CERT;
	return 0;
}

int ksm_c_certificate(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	const struct ktls_config *cfg = c->cfg;
	struct kmsg_cert cert;
	const char *reason = NULL;
	const char *name;
	int ret;

	ret = kmsg_cert_parse(msg, len, &cert);
	if (ret)
		return kconn_fail(c, ret, "malformed Certificate");
	if (cert.context_len)
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "server Certificate context not empty");
	/* §4.4.2.4: an empty server Certificate is decode_error. */
	if (!cert.n)
		return kconn_fail(c, KTLS_E_ALERT_decode_error,
				  "server sent no certificate");
	c->peer_cert = true;
	if (cfg->flags & KTLS_F_NO_VERIFY) {
		ret = kx_parse_leaf(cert.der[0], cert.der_len[0], &c->peer_leaf,
				    &c->peer_pub);
		if (ret)
			return kconn_fail(c, ret, "server certificate does not parse");
	} else {
		if (!cfg->trust)
			return kconn_fail(c, KTLS_E_ALERT_unknown_ca,
					  "no trust anchors configured");
		name = c->peer_name[0] ? c->peer_name : NULL;
		/* Fail closed: without a name, nothing ties the chain to the peer. */
		if (!name && !(cfg->flags & KTLS_F_NO_PEER_NAME_CHECK))
			return kconn_fail(c, KTLS_E_ALERT_certificate_unknown,
					  "no peer name to check the certificate against");
		ret = kx_verify_chain(cfg->trust, cert.der, cert.der_len, cert.n,
				      name, true, cfg->security_level,
				      c->ops->now(c->ops->ctx),
				      &c->peer_leaf, &c->peer_pub, &reason);
		if (ret)
			return kconn_fail(c, ret, reason);
		c->peer_verified = true;
	}
	ret = kconn_th_add(c, msg, len);
	if (ret)
		return ret;
	c->state = KSM_C_WAIT_CV;
	return 0;
}

int ksm_c_certificate_verify(struct ktls_conn *c, const uint8_t *msg,
			     size_t len)
{
	int ret = ksm_verify_peer_cv(c, msg, len);

	if (ret)
		return ret;
	c->state = KSM_C_WAIT_FIN;
	return 0;
}

/* The tail of the client's flight: Finished, then application keys. */
static int client_finish(struct ktls_conn *c, const uint8_t *sig, size_t sig_len)
{
	int ret = ksm_send_cv_finished(c, sig, sig_len);

	if (!ret)
		ret = kconn_set_write_key(c, c->c_ap);
	if (ret)
		return ret;
	c->state = KSM_CONNECTED;
	return 0;
}

int ksm_client_signed(struct ktls_conn *c, const uint8_t *sig, size_t sig_len)
{
	return client_finish(c, sig, sig_len);
}

int ksm_c_finished(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t sig[KC_MAX_SIG];
	size_t sig_len = sizeof(sig), n;
	int ret;

	ret = ksm_check_peer_finished(c, msg, len);
	if (!ret)
		ret = ksm_derive_app_secrets(c);
	if (ret)
		return ret;
	if (kconn_hs_pending(c))
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "data after Finished in the same record");
	ret = kconn_set_read_key(c, c->s_ap);
	if (!ret && c->session_id_len && !c->sent_ccs)
		ret = kconn_send_ccs(c);
	if (ret)
		return ret;
	if (!c->cert_requested)
		return client_finish(c, NULL, 0);

	/* §4.4.2: answer a CertificateRequest, with an empty list if need be. */
	c->sigscheme = ksm_pick_sigscheme(c, c->peer_sigs, c->n_peer_sigs);
	ret = kmsg_cert_build(c, c->sigscheme ? c->cfg->cred : NULL, c->cr_context,
			      c->cr_context_len, &n);
	if (!ret)
		ret = kconn_send_hs(c, n);
	if (ret)
		return ret;
	if (!c->sigscheme)
		return client_finish(c, NULL, 0);
	ret = ksm_sign(c, sig, &sig_len);
	if (ret == KTLS_E_PENDING) {
		c->state = KSM_C_SIGN;
		return 0;
	}
	if (ret)
		return kconn_fail(c, ret, "signing CertificateVerify failed");
	return client_finish(c, sig, sig_len);
}
