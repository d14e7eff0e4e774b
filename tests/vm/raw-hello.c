// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS 1.3 ClientHellos built by hand for the VM tests' hostile clients (see
 * raw-hello.h): a bounded byte writer, the hello itself, the external-PSK
 * binder over any transcript and with any key length, and a reader for the
 * server's answer. The key schedule parts follow RFC 8446 §7.1 with
 * HMAC-SHA-256 written out, so an empty key is just a zero-length input.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "raw-hello.h"

/* SHA-256("HelloRetryRequest"), the random of a retry (RFC 8446 §4.1.3). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* A byte writer that stops (and stays stopped) at its capacity. */
struct wr {
	uint8_t *p;
	size_t len, cap;
	bool full;
};

static void put(struct wr *w, const void *b, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void put8(struct wr *w, unsigned int v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void put16(struct wr *w, unsigned int v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

/* Start a length-prefixed vector of @width bytes; returns where it starts. */
static size_t open_vec(struct wr *w, int width)
{
	static const uint8_t zero[3];
	size_t at = w->len;

	put(w, zero, (size_t)width);
	return at;
}

static void close_vec(struct wr *w, size_t at, int width)
{
	size_t n;
	int i;

	if (w->full)
		return;
	n = w->len - at - (size_t)width;
	for (i = width - 1; i >= 0; i--, n >>= 8)
		w->p[at + (size_t)i] = (uint8_t)n;
}

size_t rh_build(const struct rh_hello *h, uint8_t *out, size_t cap, size_t *binder_at)
{
	struct wr w = { .p = out, .cap = cap };
	size_t msg, exts, e, l, i;
	static const uint8_t zero_binder[RH_HASH_LEN];

	*binder_at = 0;
	put8(&w, 1);					/* client_hello */
	msg = open_vec(&w, 3);
	put16(&w, 0x0303);
	put(&w, h->random, 32);
	put8(&w, 32);
	put(&w, h->session_id, 32);
	put16(&w, 2);
	put16(&w, 0x1301);				/* TLS_AES_128_GCM_SHA256 */
	put8(&w, 1);
	put8(&w, 0);					/* null compression */
	exts = open_vec(&w, 2);

	put16(&w, 43);					/* supported_versions */
	put16(&w, 3);
	put8(&w, 2);
	put16(&w, 0x0304);

	put16(&w, 10);					/* supported_groups */
	e = open_vec(&w, 2);
	l = open_vec(&w, 2);
	for (i = 0; i < h->n_groups; i++)
		put16(&w, h->groups[i]);
	close_vec(&w, l, 2);
	close_vec(&w, e, 2);

	put16(&w, 13);					/* signature_algorithms */
	put16(&w, 10);
	put16(&w, 8);
	put16(&w, 0x0403);				/* ecdsa_secp256r1_sha256 */
	put16(&w, 0x0804);				/* rsa_pss_rsae_sha256 */
	put16(&w, 0x0805);				/* rsa_pss_rsae_sha384 */
	put16(&w, 0x0807);				/* ed25519 */

	put16(&w, 51);					/* key_share, maybe empty */
	e = open_vec(&w, 2);
	l = open_vec(&w, 2);
	for (i = 0; i < h->n_shares; i++) {
		size_t k;

		put16(&w, h->shares[i].group);
		k = open_vec(&w, 2);
		put(&w, h->shares[i].key, h->shares[i].key_len);
		close_vec(&w, k, 2);
	}
	close_vec(&w, l, 2);
	close_vec(&w, e, 2);

	if (h->cookie_len) {				/* cookie, echoed (§4.2.2) */
		put16(&w, 44);
		e = open_vec(&w, 2);
		l = open_vec(&w, 2);
		put(&w, h->cookie, h->cookie_len);
		close_vec(&w, l, 2);
		close_vec(&w, e, 2);
	}

	if (h->psk_identity) {
		put16(&w, 45);				/* psk_key_exchange_modes */
		put16(&w, 2);
		put8(&w, 1);
		put8(&w, 1);				/* psk_dhe_ke */

		put16(&w, 41);				/* pre_shared_key, last (§4.2.11) */
		e = open_vec(&w, 2);
		l = open_vec(&w, 2);
		i = open_vec(&w, 2);
		put(&w, h->psk_identity, h->psk_identity_len);
		close_vec(&w, i, 2);
		put(&w, "\0\0\0\0", 4);			/* obfuscated_ticket_age: external */
		close_vec(&w, l, 2);
		l = open_vec(&w, 2);
		put8(&w, RH_HASH_LEN);
		*binder_at = w.len;
		put(&w, zero_binder, RH_HASH_LEN);
		close_vec(&w, l, 2);
		close_vec(&w, e, 2);
	}
	close_vec(&w, exts, 2);
	close_vec(&w, msg, 3);
	if (w.full) {
		*binder_at = 0;
		return 0;
	}
	return w.len;
}

/* HKDF-Expand-Label(secret, label, context, 32) with one HMAC block (§7.1). */
static void expand_label(const uint8_t secret[RH_HASH_LEN], const char *label,
			 const uint8_t *ctx, size_t ctx_len, uint8_t out[RH_HASH_LEN])
{
	uint8_t info[2 + 1 + 255 + 1 + 255 + 1];
	struct wr w = { .p = info, .cap = sizeof(info) };
	unsigned int n = RH_HASH_LEN;

	put16(&w, RH_HASH_LEN);
	put8(&w, 6 + strlen(label));
	put(&w, "tls13 ", 6);
	put(&w, label, strlen(label));
	put8(&w, ctx_len);
	put(&w, ctx, ctx_len);
	put8(&w, 1);					/* T(1) = HMAC(PRK, info || 0x01) */
	HMAC(EVP_sha256(), secret, RH_HASH_LEN, info, w.len, out, &n);
	OPENSSL_cleanse(info, sizeof(info));
}

void rh_sign_binder(uint8_t *msg, size_t len, size_t binder_at, const uint8_t *prefix,
		    size_t prefix_len, const uint8_t *key, size_t key_len)
{
	static const uint8_t zeros[RH_HASH_LEN];
	uint8_t early[RH_HASH_LEN], empty_hash[RH_HASH_LEN], binder_key[RH_HASH_LEN];
	uint8_t finished[RH_HASH_LEN], th[RH_HASH_LEN];
	unsigned int n = RH_HASH_LEN;
	EVP_MD_CTX *mc;

	(void)len;
	/* early_secret = HKDF-Extract(0, PSK) = HMAC(0^32, PSK), any PSK length. */
	HMAC(EVP_sha256(), zeros, RH_HASH_LEN, key_len ? key : zeros, key_len, early, &n);
	SHA256((const uint8_t *)"", 0, empty_hash);
	expand_label(early, "ext binder", empty_hash, RH_HASH_LEN, binder_key);
	expand_label(binder_key, "finished", NULL, 0, finished);
	/* The transcript up to the binders list: its 2-byte length and the
	 * binder's 1-byte length come just before the binder (§4.2.11.2). */
	mc = EVP_MD_CTX_new();
	if (!mc || !EVP_DigestInit_ex(mc, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(mc, prefix, prefix_len) ||
	    !EVP_DigestUpdate(mc, msg, binder_at - 3) || !EVP_DigestFinal_ex(mc, th, NULL))
		memset(th, 0, sizeof(th));	/* a binder that verifies nowhere */
	EVP_MD_CTX_free(mc);
	n = RH_HASH_LEN;
	HMAC(EVP_sha256(), finished, RH_HASH_LEN, th, RH_HASH_LEN, msg + binder_at, &n);
	OPENSSL_cleanse(early, sizeof(early));
	OPENSSL_cleanse(binder_key, sizeof(binder_key));
	OPENSSL_cleanse(finished, sizeof(finished));
}

void rh_message_hash(const uint8_t *ch1, size_t len, uint8_t out[4 + RH_HASH_LEN])
{
	out[0] = 254;					/* message_hash */
	out[1] = 0;
	out[2] = 0;
	out[3] = RH_HASH_LEN;
	SHA256(ch1, len, out + 4);
}

void rh_record_header(uint8_t out[5], uint8_t type, size_t len)
{
	out[0] = type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

/* A bounded reader over the server's hello. */
struct rd {
	const uint8_t *p;
	size_t len, at;
	bool bad;
};

static unsigned int get(struct rd *r, size_t n)
{
	unsigned int v = 0;

	if (r->bad || n > r->len - r->at) {
		r->bad = true;
		return 0;
	}
	while (n--)
		v = v << 8 | r->p[r->at++];
	return v;
}

static const uint8_t *skip(struct rd *r, size_t n)
{
	const uint8_t *p = r->p + r->at;

	if (r->bad || n > r->len - r->at) {
		r->bad = true;
		return NULL;
	}
	r->at += n;
	return p;
}

int rh_parse_server_hello(const uint8_t *msg, size_t len, struct rh_server_hello *out)
{
	struct rd r = { .p = msg, .len = len };
	const uint8_t *random;
	size_t end;

	memset(out, 0, sizeof(*out));
	if (get(&r, 1) != 2 || get(&r, 3) != len - 4)
		return -1;
	get(&r, 2);					/* legacy_version */
	random = skip(&r, 32);
	skip(&r, get(&r, 1));				/* legacy_session_id_echo */
	get(&r, 2);					/* cipher_suite */
	get(&r, 1);					/* compression */
	end = get(&r, 2);
	if (r.bad || end != len - r.at)
		return -1;
	out->retry = !memcmp(random, hrr_random, 32);
	while (!r.bad && r.at < len) {
		unsigned int type = get(&r, 2);
		size_t elen = get(&r, 2), eend = r.at + elen;

		if (r.bad || elen > len - r.at)
			return -1;
		if (type == 51)				/* key_share: group first */
			out->group = (uint16_t)get(&r, 2);
		else if (type == 41) {			/* pre_shared_key */
			out->psk = true;
			out->psk_index = (uint16_t)get(&r, 2);
		} else if (type == 44) {		/* cookie */
			size_t cl = get(&r, 2);
			const uint8_t *c = skip(&r, cl);

			if (c && cl <= sizeof(out->cookie)) {
				memcpy(out->cookie, c, cl);
				out->cookie_len = cl;
			}
		}
		if (r.bad || r.at > eend)
			return -1;
		r.at = eend;
	}
	return r.bad ? -1 : 0;
}
