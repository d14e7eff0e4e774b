// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Authentication messages for both roles (RFC 8446 §4.4): choosing our
 * signature scheme, signing the transcript in-process or through ops->sign
 * (which may answer later), checking the peer's CertificateVerify and
 * Finished, sending ours, and the application secrets that follow.
 */
#include <string.h>

#include "msg.h"
#include "sm.h"
#include "x509.h"

uint16_t ksm_pick_sigscheme(const struct ktls_conn *c, const uint16_t *peer,
			    size_t n_peer)
{
	const struct ktls_config *cfg = c->cfg;
	size_t i, j;

	if (!cfg->cred || !cfg->cred->pub)
		return 0;
	for (i = 0; i < cfg->n_sigschemes; i++) {
		uint16_t s = cfg->sigschemes[i];
		bool fits = false;

		for (j = 0; j < cfg->cred->n_fit; j++)
			fits |= cfg->cred->fit[j] == s;
		if (!fits)
			continue;
		for (j = 0; j < n_peer; j++)
			if (peer[j] == s)
				return s;
	}
	return 0;
}

int ksm_sign(struct ktls_conn *c, uint8_t *sig, size_t *sig_len)
{
	uint8_t th[KC_MAX_HASH];
	uint8_t tbs[64 + 34 + KC_MAX_HASH];
	size_t tbs_len;
	int ret;

	ret = kconn_th_hash(c, th);
	if (ret)
		return ret;
	/* A signer elsewhere gets the hash and builds the content itself. */
	if (c->ops->sign_hash)
		return c->ops->sign_hash(c->ops->ctx, c->cfg->cred, c->role,
					 c->sigscheme, th, kc_hash_len(c->hash),
					 sig, sig_len);
	tbs_len = kmsg_cv_tbs(c->role == KTLS_ROLE_SERVER, th, kc_hash_len(c->hash),
			      tbs);
	if (c->ops->sign)
		return c->ops->sign(c->ops->ctx, c->cfg->cred, c->sigscheme, tbs,
				    tbs_len, sig, sig_len);
	if (!c->cfg->cred->key)
		return KTLS_E_NOKEY;
	if (c->cfg->cred->sign_ctx)
		return kc_sig_sign_with(c->sigscheme, c->cfg->cred->sign_ctx, tbs,
					tbs_len, sig, sig_len);
	return kc_sig_sign(c->sigscheme, c->cfg->cred->key, tbs, tbs_len, sig,
			   sig_len);
}

int ksm_verify_peer_cv(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	const struct ktls_config *cfg = c->cfg;
	struct kmsg_cv cv;
	uint8_t th[KC_MAX_HASH];
	uint8_t tbs[64 + 34 + KC_MAX_HASH];
	size_t tbs_len, i;
	bool offered = false;
	int ret;

	ret = kmsg_cv_parse(msg, len, &cv);
	if (ret)
		return kconn_fail(c, ret, "malformed CertificateVerify");
	/* §4.4.3: the scheme must be one we offered. */
	for (i = 0; i < cfg->n_sigschemes; i++)
		if (cfg->sigschemes[i] == cv.scheme)
			offered = true;
	if (!offered || !kc_sig_tls13_ok(cv.scheme))
		return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
				  "CertificateVerify uses a scheme we did not offer");
	ret = kconn_th_hash(c, th);
	if (ret)
		return kconn_fail(c, ret, NULL);
	tbs_len = kmsg_cv_tbs(c->role == KTLS_ROLE_CLIENT, th, kc_hash_len(c->hash),
			      tbs);
	ret = kc_sig_verify(cv.scheme, c->peer_pub, tbs, tbs_len, cv.sig, cv.sig_len);
	if (ret)
		return kconn_fail(c, ret, ret == KTLS_E_ALERT_decrypt_error
				  ? "CertificateVerify signature does not verify"
				  : "CertificateVerify scheme does not fit the certificate key");
	c->peer_sigscheme = cv.scheme;
	return kconn_th_add(c, msg, len);
}

int ksm_check_peer_finished(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	const uint8_t *base = c->role == KTLS_ROLE_CLIENT ? c->s_hs : c->c_hs;
	uint8_t th[KC_MAX_HASH], mac[KC_MAX_HASH];
	size_t hlen = kc_hash_len(c->hash);
	const uint8_t *vd;
	bool ok;
	int ret;

	ret = kmsg_fin_parse(msg, len, hlen, &vd);
	if (ret)
		return kconn_fail(c, ret, "malformed Finished");
	ret = kconn_th_hash(c, th);
	if (!ret)
		ret = ks_finished_mac(c->hash, base, th, mac);
	if (ret)
		return ret;
	/* §4.4.4: compared in constant time. */
	ok = kc_equal(mac, vd, hlen);
	kc_wipe(mac, sizeof(mac));
	if (!ok)
		return kconn_fail(c, KTLS_E_ALERT_decrypt_error,
				  c->role == KTLS_ROLE_CLIENT ? "server Finished does not verify"
							      : "client Finished does not verify");
	return kconn_th_add(c, msg, len);
}

int ksm_send_cv_finished(struct ktls_conn *c, const uint8_t *sig, size_t sig_len)
{
	const uint8_t *base = c->role == KTLS_ROLE_CLIENT ? c->c_hs : c->s_hs;
	uint8_t th[KC_MAX_HASH], mac[KC_MAX_HASH];
	size_t hlen = kc_hash_len(c->hash), len;
	int ret = 0;

	if (sig) {
		ret = kmsg_cv_build(c, c->sigscheme, sig, sig_len, &len);
		if (!ret)
			ret = kconn_send_hs(c, len);
	}
	if (!ret)
		ret = kconn_th_hash(c, th);
	if (!ret)
		ret = ks_finished_mac(c->hash, base, th, mac);
	if (!ret)
		ret = kmsg_fin_build(c, mac, hlen, &len);
	if (!ret)
		ret = kconn_send_hs(c, len);
	kc_wipe(mac, sizeof(mac));
	return ret;
}

int ksm_derive_app_secrets(struct ktls_conn *c)
{
	uint8_t th[KC_MAX_HASH];
	int ret;

	/* §7.1: from the transcript through the server's Finished. */
	ret = kconn_th_hash(c, th);
	if (!ret)
		ret = ks_to_master(&c->ks);
	if (!ret)
		ret = ks_derive(&c->ks, "c ap traffic", th, c->c_ap);
	if (!ret)
		ret = ks_derive(&c->ks, "s ap traffic", th, c->s_ap);
	return ret;
}
