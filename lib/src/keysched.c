// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TLS 1.3 key schedule (RFC 8446 §7.1) on kc_hkdf_*: one running
 * secret that moves early -> handshake -> master, Derive-Secret for the
 * traffic, exporter and resumption secrets, Finished and binder MACs, and
 * the traffic key and IV of §7.3.
 */
#include <string.h>

#include "keysched.h"

/* Hash("") for Derive-Secret(., "derived", "") and the binder keys. */
static const uint8_t empty_sha256[32] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
	0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
	0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};
static const uint8_t empty_sha384[48] = {
	0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
	0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
	0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
	0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
};

static const uint8_t *empty_hash(enum ktls_hash hash)
{
	switch (hash) {
	case KTLS_HASH_SHA256:
		return empty_sha256;
	case KTLS_HASH_SHA384:
		return empty_sha384;
	default:
		return NULL;
	}
}

/* HKDF-Extract(salt = Derive-Secret(secret, "derived", ""), ikm) in place. */
static int ks_advance(struct ks *ks, const uint8_t *ikm, size_t ikm_len)
{
	uint8_t zeros[KC_MAX_HASH] = { 0 };
	uint8_t derived[KC_MAX_HASH];
	int ret;

	if (!ikm) {
		ikm = zeros;
		ikm_len = ks->hlen;
	}
	ret = kc_hkdf_expand_label(ks->hash, ks->secret, "derived",
				   empty_hash(ks->hash), ks->hlen, derived,
				   ks->hlen);
	if (ret)
		goto out;
	ret = kc_hkdf_extract(ks->hash, derived, ks->hlen, ikm, ikm_len,
			      ks->secret);
out:
	kc_wipe(derived, sizeof(derived));
	return ret;
}

/**
 * ks_init() - Early Secret = HKDF-Extract(0, PSK)
 * @ks: the schedule; overwritten
 * @hash: the suite's (or PSK's) hash
 * @psk: the PSK, or NULL for HashLen zeros (no PSK)
 * @psk_len: its length, at least KTLS_MIN_PSK_KEY
 *
 * An empty or short PSK is refused here too, the last layer before it
 * would key a connection: HKDF takes an empty key as readily as HashLen
 * zeros, which anyone can compute (docs/design.md, "PSK length").
 *
 * Return: 0, KTLS_E_INVALID for an unknown hash, KTLS_E_NOKEY for a PSK
 * shorter than KTLS_MIN_PSK_KEY, or a kc_* error.
 */
int ks_init(struct ks *ks, enum ktls_hash hash, const uint8_t *psk,
	    size_t psk_len)
{
	uint8_t zeros[KC_MAX_HASH] = { 0 };
	int ret;

	memset(ks, 0, sizeof(*ks));
	ks->hash = hash;
	ks->hlen = kc_hash_len(hash);
	if (!ks->hlen || !empty_hash(hash))
		return KTLS_E_INVALID;
	if (!psk) {
		psk = zeros;
		psk_len = ks->hlen;
	} else if (psk_len < KTLS_MIN_PSK_KEY) {
		ks_wipe(ks);
		return KTLS_E_NOKEY;
	}
	/* A zero-length salt is the same HMAC key as HashLen zeros. */
	ret = kc_hkdf_extract(hash, NULL, 0, psk, psk_len, ks->secret);
	if (ret)
		ks_wipe(ks);
	return ret;
}

/**
 * ks_binder_key() - binder_key = Derive-Secret(Early Secret, label, "")
 * @ks: the schedule, still at the early secret
 * @external: true for "ext binder" (external PSK), false for "res binder"
 * @out: kc_hash_len() bytes
 *
 * Return: 0 or a kc_* error.
 */
int ks_binder_key(const struct ks *ks, bool external, uint8_t *out)
{
	return kc_hkdf_expand_label(ks->hash, ks->secret,
				    external ? "ext binder" : "res binder",
				    empty_hash(ks->hash), ks->hlen, out,
				    ks->hlen);
}

/**
 * ks_to_handshake() - move from the early to the handshake secret
 * @ks: the schedule
 * @dhe: the (EC)DHE shared secret, or NULL for HashLen zeros (psk_ke)
 * @dhe_len: its length
 *
 * Return: 0 or a kc_* error.
 */
int ks_to_handshake(struct ks *ks, const uint8_t *dhe, size_t dhe_len)
{
	return ks_advance(ks, dhe, dhe_len);
}

/**
 * ks_to_master() - move from the handshake to the master secret
 * @ks: the schedule
 *
 * Return: 0 or a kc_* error.
 */
int ks_to_master(struct ks *ks)
{
	return ks_advance(ks, NULL, 0);
}

/**
 * ks_derive() - Derive-Secret(current secret, @label, transcript)
 * @ks: the schedule
 * @label: e.g. "c hs traffic" (without "tls13 ")
 * @transcript_hash: Transcript-Hash(Messages), kc_hash_len() bytes
 * @out: kc_hash_len() bytes
 *
 * Return: 0 or a kc_* error.
 */
int ks_derive(const struct ks *ks, const char *label,
	      const uint8_t *transcript_hash, uint8_t *out)
{
	return kc_hkdf_expand_label(ks->hash, ks->secret, label,
				    transcript_hash, ks->hlen, out, ks->hlen);
}

/**
 * ks_finished_mac() - Finished verify_data or a PSK binder (RFC 8446 §4.4.4)
 * @hash: the hash
 * @base: base key: a handshake traffic secret, or a binder key
 * @transcript_hash: kc_hash_len(@hash) bytes
 * @out: kc_hash_len(@hash) bytes
 *
 * Return: 0, KTLS_E_INVALID or a kc_* error.
 */
int ks_finished_mac(enum ktls_hash hash, const uint8_t *base,
		    const uint8_t *transcript_hash, uint8_t *out)
{
	uint8_t finished_key[KC_MAX_HASH];
	size_t hlen = kc_hash_len(hash);
	int ret;

	if (!hlen)
		return KTLS_E_INVALID;
	ret = kc_hkdf_expand_label(hash, base, "finished", NULL, 0,
				   finished_key, hlen);
	if (ret)
		goto out;
	ret = kc_hmac(hash, finished_key, hlen, transcript_hash, hlen, out);
out:
	kc_wipe(finished_key, sizeof(finished_key));
	return ret;
}

/**
 * ks_traffic_keys() - write key and IV from a traffic secret (§7.3)
 * @hash: the suite's hash
 * @suite: the cipher suite, for the key length
 * @secret: the traffic secret, kc_hash_len(@hash) bytes
 * @key: KC_MAX_KEY bytes of room
 * @key_len: set to the key length
 * @iv: KC_IV_LEN bytes
 *
 * Return: 0, KTLS_E_INVALID for an unknown suite, or a kc_* error.
 */
int ks_traffic_keys(enum ktls_hash hash, uint16_t suite, const uint8_t *secret,
		    uint8_t *key, size_t *key_len, uint8_t *iv)
{
	size_t klen = kc_suite_key_len(suite);
	int ret;

	if (!klen || klen > KC_MAX_KEY)
		return KTLS_E_INVALID;
	ret = kc_hkdf_expand_label(hash, secret, "key", NULL, 0, key, klen);
	if (ret)
		return ret;
	ret = kc_hkdf_expand_label(hash, secret, "iv", NULL, 0, iv, KC_IV_LEN);
	if (ret) {
		kc_wipe(key, klen);
		return ret;
	}
	*key_len = klen;
	return 0;
}

/**
 * ks_next_traffic_secret() - application_traffic_secret_N+1 (§7.2)
 * @hash: the suite's hash
 * @secret: the current secret, replaced by the next one
 *
 * Return: 0 or a kc_* error (then @secret is unchanged).
 */
int ks_next_traffic_secret(enum ktls_hash hash, uint8_t *secret)
{
	uint8_t next[KC_MAX_HASH];
	size_t hlen = kc_hash_len(hash);
	int ret;

	if (!hlen)
		return KTLS_E_INVALID;
	ret = kc_hkdf_expand_label(hash, secret, "traffic upd", NULL, 0, next,
				   hlen);
	if (!ret)
		memcpy(secret, next, hlen);
	kc_wipe(next, sizeof(next));
	return ret;
}

/**
 * ks_wipe() - clear the schedule's secret
 * @ks: the schedule
 */
void ks_wipe(struct ks *ks)
{
	kc_wipe(ks->secret, sizeof(ks->secret));
	ks->hlen = 0;
	ks->hash = KTLS_HASH_NONE;
}
