// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor's keys and PSKs (see secrets.h). Nothing here talks to a
 * worker or the kernel's netlink: it reads keyrings, builds messages and
 * signs; the monitor sends what it returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "handshake-uapi.h"
#include "keyring.h"
#include "log.h"
#include "secrets.h"

int secrets_load_creds(const struct kcfg *cfg, struct ktls_credential *cred[2])
{
	const struct kcfg_role *rc[2] = { &cfg->client, &cfg->server };
	int r, ret;

	for (r = 0; r < 2; r++) {
		cred[r] = NULL;
		if (!rc[r]->certificate[0] || !rc[r]->private_key[0])
			continue;
		ret = ktls_credential_load_pem(rc[r]->certificate, rc[r]->private_key, &cred[r]);
		if (ret) {
			log_warnx("%s certificate %s / key %s: %s", r ? "server" : "client",
				  rc[r]->certificate, rc[r]->private_key, ktls_strerror(ret));
			ktls_credential_free(cred[0]);
			cred[0] = NULL;
			return -1;
		}
	}
	return 0;
}

void secrets_free_creds(struct ktls_credential *cred[2])
{
	ktls_credential_free(cred[0]);
	ktls_credential_free(cred[1]);
	cred[0] = cred[1] = NULL;
}

static enum ktls_hash psk_hash(const char *identity, size_t key_len)
{
	/* NVMe identities: "NVMe<v><R|G><hh> ...", hh 01 SHA-256, 02 SHA-384. */
	if (!strncmp(identity, "NVMe", 4) && identity[4] && identity[5] &&
	    identity[6] == '0' && (identity[7] == '1' || identity[7] == '2'))
		return identity[7] == '1' ? KTLS_HASH_SHA256 : KTLS_HASH_SHA384;
	return key_len == 48 ? KTLS_HASH_SHA384 : KTLS_HASH_SHA256;
}

static void fill_psk(struct kp_psk *out, const struct ktls_keyring_psk *k)
{
	size_t idlen = strnlen(k->identity, sizeof(k->identity));

	memset(out, 0, sizeof(*out));
	out->serial = (uint32_t)k->serial;
	out->identity_len = (uint16_t)(idlen < KTLS_MAX_PSK_IDENTITY ? idlen : KTLS_MAX_PSK_IDENTITY);
	memcpy(out->identity, k->identity, out->identity_len);
	out->key_len = (uint16_t)(k->key_len <= KTLS_MAX_PSK_KEY ? k->key_len : 0);
	memcpy(out->key, k->key, out->key_len);
	out->hash = (uint16_t)psk_hash(k->identity, k->key_len);
}

/* Resolve the request's material; 0 or a positive errno for DONE now. */
int secrets_prepare(const struct kcfg *cfg, struct mreq *r, const char **why)
{
	const struct ktls_request *k = &r->kreq;
	struct kp_request *msg;
	struct ktls_key_blob cert = { 0 }, key = { 0 };
	unsigned int timeout;
	size_t i;
	int ret = 0;

	if (!(k->present & KTLS_REQ_HAS_MESSAGE_TYPE) ||
	    (k->message_type != KTLS_HANDSHAKE_MSG_TYPE_CLIENTHELLO &&
	     k->message_type != KTLS_HANDSHAKE_MSG_TYPE_SERVERHELLO)) {
		*why = "unsupported handshake type";
		return EINVAL;
	}
	r->role = k->message_type == KTLS_HANDSHAKE_MSG_TYPE_SERVERHELLO ? KTLS_ROLE_SERVER
									 : KTLS_ROLE_CLIENT;
	if (k->present & KTLS_REQ_HAS_TIMEOUT && k->timeout_ms)
		timeout = k->timeout_ms;
	else if (k->auth_mode == KTLS_HANDSHAKE_AUTH_PSK)
		timeout = cfg->timeout_psk_ms;
	else if (r->role == KTLS_ROLE_SERVER)
		timeout = cfg->timeout_server_ms;
	else
		timeout = cfg->timeout_client_ms;
	r->deadline_ms = r->accepted_ms + timeout;

	msg = calloc(1, sizeof(*msg) + KP_MAX_CERT);
	if (!msg) {
		*why = "out of memory";
		return ENOMEM;
	}
	r->msg = msg;
	r->msg_len = sizeof(*msg);
	msg->role = r->role;
	msg->auth_mode = k->auth_mode;
	msg->timeout_ms = timeout;
	msg->deadline_ms = r->deadline_ms;
	snprintf(msg->peername, sizeof(msg->peername), "%s", k->peername);

	switch (k->auth_mode) {
	case KTLS_HANDSHAKE_AUTH_UNAUTH:
		if (r->role == KTLS_ROLE_SERVER) {
			*why = "anonymous server handshakes are not supported";
			return EIO;
		}
		break;
	case KTLS_HANDSHAKE_AUTH_X509:
		if (k->cert_serial > 0 || k->privkey_serial > 0) {
			ret = ktls_keyring_read_cert(k->cert_serial, &cert);
			if (!ret)
				ret = ktls_keyring_read_privkey(k->privkey_serial, &key);
			if (!ret && cert.len > KP_MAX_CERT)
				ret = -EMSGSIZE;
			if (!ret)
				ret = ktls_credential_from_der(cert.data, cert.len, key.data,
							       key.len, &r->cred) ? -ENOKEY : 0;
			if (!ret) {
				msg->cred = KP_CRED_KEYRING;
				msg->cert_len = (uint32_t)cert.len;
				memcpy(msg + 1, cert.data, cert.len);
				r->msg_len += cert.len;
			}
			ktls_key_blob_free(&cert);
			ktls_key_blob_free(&key);
			if (ret) {
				*why = "certificate or key from the keyring unusable";
				return ret == -EINVAL ? EINVAL : ENOKEY;
			}
		} else if ((r->role == KTLS_ROLE_SERVER ? cfg->server : cfg->client).certificate[0]) {
			msg->cred = KP_CRED_CONFIG;
		} else {
			*why = "no certificate configured";
			return ENOKEY;
		}
		break;
	case KTLS_HANDSHAKE_AUTH_PSK:
		if (r->role == KTLS_ROLE_SERVER)
			break;	/* looked up by identity during the handshake */
		for (i = 0; i < k->num_peer_identities && msg->n_psks < KP_MAX_PSKS; i++) {
			struct ktls_keyring_psk psk;

			if (k->peer_identities[i] <= 0)
				continue;
			if (ktls_keyring_read_psk(k->peer_identities[i], &psk))
				continue;
			fill_psk(&msg->psks[msg->n_psks++], &psk);
			ktls_keyring_psk_wipe(&psk);
		}
		if (!msg->n_psks) {
			*why = "no usable PSK among the request's identities";
			return ENOKEY;
		}
		break;
	default:
		*why = "unknown authentication mode";
		return EIO;
	}
	/* Fail closed: a client must know whom it talks to (no reverse DNS). */
	if (r->role == KTLS_ROLE_CLIENT && k->auth_mode != KTLS_HANDSHAKE_AUTH_PSK &&
	    !k->peername[0]) {
		*why = "client request without a peer name";
		return EACCES;
	}
	return 0;
}

bool secrets_sign(const struct mreq *r, struct ktls_credential *const worker_cred[2],
		  const struct kp_sign *s, struct kp_signed *out)
{
	struct ktls_credential *cred;
	uint8_t fp[32];
	size_t len = sizeof(out->sig);

	memset(out, 0, sizeof(*out));
	if (!r || s->tbs_len > sizeof(s->tbs)) {
		out->status = KTLS_E_INVALID;
		return false;
	}
	cred = r->cred ? r->cred : worker_cred[r->role];
	/* The certificate the worker sent must be the one this key goes with. */
	if (!cred || ktls_credential_fingerprint(cred, fp) ||
	    memcmp(fp, s->leaf_sha256, sizeof(fp))) {
		out->status = KTLS_E_NOKEY;
		return false;
	}
	out->status = ktls_credential_sign(cred, s->scheme, s->tbs, s->tbs_len, out->sig, &len);
	if (!out->status)
		out->sig_len = (uint16_t)len;
	return true;
}

bool secrets_psk_answer(const struct mreq *r, const struct kp_psk_lookup *l,
			struct kp_psk_answer *out)
{
	struct ktls_keyring_psk psk;
	char identity[KTLS_MAX_PSK_IDENTITY + 1];
	int32_t ring;
	int ret;

	memset(out, 0, sizeof(*out));
	out->status = KTLS_E_ALERT_unknown_psk_identity;
	if (!r || l->identity_len > KTLS_MAX_PSK_IDENTITY ||
	    memchr(l->identity, 0, l->identity_len))
		return false;
	memcpy(identity, l->identity, l->identity_len);
	identity[l->identity_len] = 0;
	/*
	 * Search the request's own keyring (named by the kernel, or the one
	 * it linked at ACCEPT), else every keyring we hold.
	 */
	ring = r->kreq.keyring_serial > 0 ? r->kreq.keyring_serial : KEY_SPEC_PROCESS_KEYRING;
	ret = ktls_keyring_search_psk(ring, identity, 0, &psk);
	if (ret) {
		log_debug("PSK identity '%s' not found: %s", identity, strerror(-ret));
		return true;
	}
	fill_psk(&out->psk, &psk);
	/* The hash comes from the identity the client sent. */
	out->psk.hash = (uint16_t)psk_hash(identity, psk.key_len);
	ktls_keyring_psk_wipe(&psk);
	out->status = 0;
	return true;
}
