// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the caller takes away from a handshake: the negotiated parameters,
 * the reason for a failure, the peer's certificate, and the application
 * traffic keys in the shape kernel TLS installs.
 */
#include <string.h>

#include "conn.h"

void ktls_get_result(const struct ktls_conn *c, struct ktls_result *r)
{
	memset(r, 0, sizeof(*r));
	r->version = c->state == KSM_CONNECTED ? KTLS_VERSION_TLS13 : 0;
	r->suite = c->suite;
	r->group = c->group;
	r->sigscheme = c->peer_sigscheme;
	memcpy(r->alpn, c->alpn, sizeof(r->alpn));
	r->hrr = c->hrr;
	r->peer_cert = c->peer_cert;
	r->peer_verified = c->peer_verified && c->state == KSM_CONNECTED;
	r->psk = c->psk_used;
	if (c->psk_used) {
		const struct kpsk *p = c->role == KTLS_ROLE_CLIENT && c->psk_index >= 0
				       ? &c->psks[c->psk_index] : &c->psk;

		memcpy(r->psk_identity, p->identity, p->identity_len);
		r->psk_identity_len = p->identity_len;
		r->psk_tag = p->tag;
	}
	r->peer_record_size_limit = c->peer_rsl;
	r->alert_sent = c->alert_sent;
	r->alert_received = c->alert_received;
	r->error = c->error;
}

const char *ktls_error_detail(const struct ktls_conn *c)
{
	if (c->state != KSM_FAILED)
		return "no error";
	return c->detail ? c->detail : ktls_strerror(c->error);
}

struct x509_st *ktls_peer_certificate(const struct ktls_conn *c)
{
	return c->peer_leaf;
}

int ktls_get_traffic_keys(const struct ktls_conn *c, enum ktls_direction dir,
			  struct ktls_traffic_keys *k)
{
	bool client = c->role == KTLS_ROLE_CLIENT;
	const struct kconn_key *key;
	const uint8_t *secret;
	const struct kc_aead *a;

	memset(k, 0, sizeof(*k));
	if (c->state != KSM_CONNECTED)
		return KTLS_E_INVALID;
	if (dir == KTLS_TX) {
		secret = client ? c->c_ap : c->s_ap;
		a = &c->wr;
		key = &c->wr_key;
	} else {
		secret = client ? c->s_ap : c->c_ap;
		a = &c->rd;
		key = &c->rd_key;
	}
	/* Derived when the key was switched on; a lazy AEAD still has seq 0. */
	if (!key->key_len)
		return KTLS_E_INTERNAL;
	k->suite = c->suite;
	k->secret_len = kc_hash_len(c->hash);
	memcpy(k->secret, secret, k->secret_len);
	memcpy(k->key, key->key, key->key_len);
	k->key_len = key->key_len;
	memcpy(k->iv, key->iv, sizeof(k->iv));
	k->seq = a->seq;
	return 0;
}

void ktls_traffic_keys_wipe(struct ktls_traffic_keys *k)
{
	kc_wipe(k, sizeof(*k));
}
