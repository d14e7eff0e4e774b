// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto.h on OpenSSL 3.0 libcrypto: transcript hashes, HMAC/HKDF, record
 * AEADs, (EC)DHE with peer-share validation, and signature schemes.
 *
 * Fetching an algorithm in 3.0 costs a lock and a store lookup, so every
 * EVP_MD, EVP_CIPHER and EC_GROUP we use is fetched once (CRYPTO_THREAD_
 * run_once) and shared read-only. HMAC is built directly on the cached
 * digest (RFC 2104) instead of EVP_MAC or EVP_KDF: it costs about a third
 * of an EVP_MAC context per call. The NIST curves use EC_POINT arithmetic
 * on the cached groups: a peer point is decoded and checked on the curve
 * once, where EVP_PKEY_fromdata plus EVP_PKEY_derive_set_peer would build a
 * new EC_GROUP and run a full public-key check on every handshake.
 */
#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "crypto.h"

/* Objects fetched once and shared by all threads. */
enum kc_md_id { KC_MD_SHA256, KC_MD_SHA384, KC_MD_SHA512, KC_MD_COUNT };
enum kc_cipher_id {
	KC_CIPHER_AES128GCM,
	KC_CIPHER_AES256GCM,
	KC_CIPHER_CHACHA20POLY1305,
	KC_CIPHER_AES128CCM,
	KC_CIPHER_COUNT
};
enum kc_curve_id {
	KC_CURVE_P256,
	KC_CURVE_P384,
	KC_CURVE_P521,
	KC_CURVE_COUNT
};

static const char *const kc_md_names[KC_MD_COUNT] = {
	"SHA2-256", "SHA2-384", "SHA2-512",
};
static const char *const kc_cipher_names[KC_CIPHER_COUNT] = {
	"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305", "AES-128-CCM",
};
static const int kc_curve_nids[KC_CURVE_COUNT] = {
	NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1,
};

static struct {
	EVP_MD *md[KC_MD_COUNT];
	EVP_CIPHER *cipher[KC_CIPHER_COUNT];
	EC_GROUP *curve[KC_CURVE_COUNT];
	/*
	 * X25519 and X448 key import contexts (EVP_PKEY_fromdata_init done):
	 * EVP_PKEY_fromdata() only reads them, and they save the keymgmt
	 * fetch that EVP_PKEY_new_raw_*_key_ex() makes on every call.
	 */
	EVP_PKEY_CTX *xdh[2];
} kc_cache;
static CRYPTO_ONCE kc_once = CRYPTO_ONCE_STATIC_INIT;

/* Runs first thing in OPENSSL_cleanup(), while the providers still exist. */
static void kc_cache_free(void)
{
	int i;

	for (i = 0; i < KC_MD_COUNT; i++) {
		EVP_MD_free(kc_cache.md[i]);
		kc_cache.md[i] = NULL;
	}
	for (i = 0; i < KC_CIPHER_COUNT; i++) {
		EVP_CIPHER_free(kc_cache.cipher[i]);
		kc_cache.cipher[i] = NULL;
	}
	for (i = 0; i < KC_CURVE_COUNT; i++) {
		EC_GROUP_free(kc_cache.curve[i]);
		kc_cache.curve[i] = NULL;
	}
	for (i = 0; i < 2; i++) {
		EVP_PKEY_CTX_free(kc_cache.xdh[i]);
		kc_cache.xdh[i] = NULL;
	}
}

/*
 * A fetch that fails leaves its slot NULL, and only the calls that need
 * that algorithm fail (say, a FIPS provider without ChaCha20).
 */
static void kc_cache_init(void)
{
	int i;

	ERR_set_mark();
	for (i = 0; i < KC_MD_COUNT; i++)
		kc_cache.md[i] = EVP_MD_fetch(NULL, kc_md_names[i], NULL);
	for (i = 0; i < KC_CIPHER_COUNT; i++)
		kc_cache.cipher[i] = EVP_CIPHER_fetch(NULL, kc_cipher_names[i],
						      NULL);
	for (i = 0; i < KC_CURVE_COUNT; i++)
		kc_cache.curve[i] =
			EC_GROUP_new_by_curve_name_ex(NULL, NULL, kc_curve_nids[i]);
	for (i = 0; i < 2; i++) {
		kc_cache.xdh[i] = EVP_PKEY_CTX_new_from_name(NULL, i ? "X448" : "X25519",
							     NULL);
		if (kc_cache.xdh[i] && EVP_PKEY_fromdata_init(kc_cache.xdh[i]) <= 0) {
			EVP_PKEY_CTX_free(kc_cache.xdh[i]);
			kc_cache.xdh[i] = NULL;
		}
	}
	ERR_pop_to_mark();
	OPENSSL_atexit(kc_cache_free);
}

static const EVP_MD *kc_md_get(enum kc_md_id id)
{
	if (!CRYPTO_THREAD_run_once(&kc_once, kc_cache_init))
		return NULL;
	return kc_cache.md[id];
}

static const EVP_CIPHER *kc_cipher_get(enum kc_cipher_id id)
{
	if (!CRYPTO_THREAD_run_once(&kc_once, kc_cache_init))
		return NULL;
	return kc_cache.cipher[id];
}

static const EC_GROUP *kc_curve_get(enum kc_curve_id id)
{
	if (!CRYPTO_THREAD_run_once(&kc_once, kc_cache_init))
		return NULL;
	return kc_cache.curve[id];
}

/* ---- hashes ---- */

/**
 * kc_hash_len() - output length of a TLS hash
 * @alg: the hash
 *
 * Return: 32 or 48, or 0 for an unknown hash.
 */
size_t kc_hash_len(enum ktls_hash alg)
{
	switch (alg) {
	case KTLS_HASH_SHA256:
		return 32;
	case KTLS_HASH_SHA384:
		return 48;
	default:
		return 0;
	}
}

/**
 * kc_md() - the cached libcrypto digest for a TLS hash
 * @alg: the hash
 *
 * Return: a shared EVP_MD (never free it), or NULL.
 */
const EVP_MD *kc_md(enum ktls_hash alg)
{
	switch (alg) {
	case KTLS_HASH_SHA256:
		return kc_md_get(KC_MD_SHA256);
	case KTLS_HASH_SHA384:
		return kc_md_get(KC_MD_SHA384);
	default:
		return NULL;
	}
}

struct kc_suite_info {
	uint16_t suite;
	enum ktls_hash hash;
	enum kc_cipher_id cipher;
	size_t key_len;
};

static const struct kc_suite_info kc_suites[] = {
	{ KTLS_AES_128_GCM_SHA256, KTLS_HASH_SHA256, KC_CIPHER_AES128GCM, 16 },
	{ KTLS_AES_256_GCM_SHA384, KTLS_HASH_SHA384, KC_CIPHER_AES256GCM, 32 },
	{ KTLS_CHACHA20_POLY1305_SHA256, KTLS_HASH_SHA256,
	  KC_CIPHER_CHACHA20POLY1305, 32 },
	{ KTLS_AES_128_CCM_SHA256, KTLS_HASH_SHA256, KC_CIPHER_AES128CCM, 16 },
};

static const struct kc_suite_info *kc_suite_find(uint16_t suite)
{
	size_t i;

	for (i = 0; i < sizeof(kc_suites) / sizeof(kc_suites[0]); i++)
		if (kc_suites[i].suite == suite)
			return &kc_suites[i];
	return NULL;
}

/**
 * kc_suite_hash() - the hash of a TLS 1.3 cipher suite
 * @suite: IANA cipher suite
 *
 * Return: the hash, or KTLS_HASH_NONE for an unknown suite.
 */
enum ktls_hash kc_suite_hash(uint16_t suite)
{
	const struct kc_suite_info *s = kc_suite_find(suite);

	return s ? s->hash : KTLS_HASH_NONE;
}

/**
 * kc_suite_key_len() - AEAD key length of a cipher suite
 * @suite: IANA cipher suite
 *
 * Return: 16 or 32, or 0 for an unknown suite.
 */
size_t kc_suite_key_len(uint16_t suite)
{
	const struct kc_suite_info *s = kc_suite_find(suite);

	return s ? s->key_len : 0;
}

/**
 * kc_hash_init() - start a running transcript hash
 * @h: the hash; overwritten (release an old one with kc_hash_free())
 * @alg: SHA-256 or SHA-384
 *
 * Return: 0, KTLS_E_INVALID for an unknown hash, KTLS_E_NOMEM or
 * KTLS_E_CRYPTO.
 */
int kc_hash_init(struct kc_hash *h, enum ktls_hash alg)
{
	const EVP_MD *md = kc_md(alg);

	h->ctx = NULL;
	h->alg = alg;
	if (!kc_hash_len(alg))
		return KTLS_E_INVALID;
	if (!md)
		return KTLS_E_CRYPTO;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx)
		return KTLS_E_NOMEM;
	if (!EVP_DigestInit_ex2(h->ctx, md, NULL)) {
		kc_hash_free(h);
		return KTLS_E_CRYPTO;
	}
	return 0;
}

/**
 * kc_hash_update() - feed bytes to a running hash
 * @h: the hash
 * @p: bytes
 * @len: how many
 *
 * Return: 0, KTLS_E_INVALID when @h was not set up, or KTLS_E_CRYPTO.
 */
int kc_hash_update(struct kc_hash *h, const void *p, size_t len)
{
	if (!h->ctx)
		return KTLS_E_INVALID;
	if (len && !EVP_DigestUpdate(h->ctx, p, len))
		return KTLS_E_CRYPTO;
	return 0;
}

/**
 * kc_hash_peek() - digest of everything fed so far; @h keeps running
 * @h: the hash
 * @out: kc_hash_len() bytes
 *
 * Return: 0, KTLS_E_INVALID, KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_hash_peek(const struct kc_hash *h, uint8_t *out)
{
	EVP_MD_CTX *tmp;
	int ret = 0;

	if (!h->ctx)
		return KTLS_E_INVALID;
	tmp = EVP_MD_CTX_new();
	if (!tmp)
		return KTLS_E_NOMEM;
	if (!EVP_MD_CTX_copy_ex(tmp, h->ctx) ||
	    !EVP_DigestFinal_ex(tmp, out, NULL))
		ret = KTLS_E_CRYPTO;
	EVP_MD_CTX_free(tmp);
	return ret;
}

/**
 * kc_hash_free() - release a running hash (safe on a freed one)
 * @h: the hash
 */
void kc_hash_free(struct kc_hash *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static int kc_digest_md(const EVP_MD *md, const void *p, size_t len,
			uint8_t *out)
{
	if (!md)
		return KTLS_E_CRYPTO;
	if (!EVP_Digest(p, len, out, NULL, md, NULL))
		return KTLS_E_CRYPTO;
	return 0;
}

/**
 * kc_digest() - one-shot hash
 * @alg: SHA-256 or SHA-384
 * @p: bytes
 * @len: how many
 * @out: kc_hash_len(@alg) bytes
 *
 * Return: 0, KTLS_E_INVALID or KTLS_E_CRYPTO.
 */
int kc_digest(enum ktls_hash alg, const void *p, size_t len, uint8_t *out)
{
	if (!kc_hash_len(alg))
		return KTLS_E_INVALID;
	return kc_digest_md(kc_md(alg), p, len, out);
}

/* ---- HMAC and HKDF ---- */

#define KC_MAX_BLOCK 128	/* SHA-384 block size */

/* The two padded keys of RFC 2104; wiped by hmac_done(). */
struct kc_hmac_key {
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	size_t block;
	size_t hlen;
	uint8_t ipad[KC_MAX_BLOCK];
	uint8_t opad[KC_MAX_BLOCK];
};

static void hmac_done(struct kc_hmac_key *hk)
{
	EVP_MD_CTX_free(hk->ctx);
	hk->ctx = NULL;
	kc_wipe(hk->ipad, sizeof(hk->ipad));
	kc_wipe(hk->opad, sizeof(hk->opad));
}

static int hmac_setup(struct kc_hmac_key *hk, enum ktls_hash alg,
		      const uint8_t *key, size_t key_len)
{
	uint8_t k0[KC_MAX_BLOCK];
	size_t i;
	int ret = 0;

	hk->ctx = NULL;
	hk->md = kc_md(alg);
	hk->hlen = kc_hash_len(alg);
	if (!hk->hlen)
		return KTLS_E_INVALID;
	if (!hk->md)
		return KTLS_E_CRYPTO;
	hk->block = (size_t)EVP_MD_get_block_size(hk->md);
	if (hk->block < hk->hlen || hk->block > KC_MAX_BLOCK)
		return KTLS_E_CRYPTO;
	hk->ctx = EVP_MD_CTX_new();
	if (!hk->ctx)
		return KTLS_E_NOMEM;

	memset(k0, 0, sizeof(k0));
	if (key_len > hk->block) {
		if (!EVP_DigestInit_ex2(hk->ctx, hk->md, NULL) ||
		    !EVP_DigestUpdate(hk->ctx, key, key_len) ||
		    !EVP_DigestFinal_ex(hk->ctx, k0, NULL)) {
			ret = KTLS_E_CRYPTO;
			goto out;
		}
	} else if (key_len) {
		memcpy(k0, key, key_len);
	}
	for (i = 0; i < hk->block; i++) {
		hk->ipad[i] = k0[i] ^ 0x36;
		hk->opad[i] = k0[i] ^ 0x5c;
	}
out:
	kc_wipe(k0, sizeof(k0));
	if (ret)
		hmac_done(hk);
	return ret;
}

/* HMAC(key, p1 || p2 || p3) into hk->hlen bytes of @out. */
static int hmac_run(struct kc_hmac_key *hk, const uint8_t *p1, size_t l1,
		    const uint8_t *p2, size_t l2, const uint8_t *p3, size_t l3,
		    uint8_t *out)
{
	uint8_t inner[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c = hk->ctx;
	int ret = 0;

	if (!EVP_DigestInit_ex2(c, hk->md, NULL) ||
	    !EVP_DigestUpdate(c, hk->ipad, hk->block) ||
	    (l1 && !EVP_DigestUpdate(c, p1, l1)) ||
	    (l2 && !EVP_DigestUpdate(c, p2, l2)) ||
	    (l3 && !EVP_DigestUpdate(c, p3, l3)) ||
	    !EVP_DigestFinal_ex(c, inner, NULL) ||
	    !EVP_DigestInit_ex2(c, hk->md, NULL) ||
	    !EVP_DigestUpdate(c, hk->opad, hk->block) ||
	    !EVP_DigestUpdate(c, inner, hk->hlen) ||
	    !EVP_DigestFinal_ex(c, out, NULL))
		ret = KTLS_E_CRYPTO;
	kc_wipe(inner, sizeof(inner));
	return ret;
}

/**
 * kc_hmac() - HMAC with a TLS hash
 * @alg: SHA-256 or SHA-384
 * @key: the key (any length)
 * @key_len: its length
 * @msg: the message
 * @len: its length
 * @out: kc_hash_len(@alg) bytes
 *
 * Return: 0, KTLS_E_INVALID, KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_hmac(enum ktls_hash alg, const uint8_t *key, size_t key_len,
	    const uint8_t *msg, size_t len, uint8_t *out)
{
	struct kc_hmac_key hk;
	int ret;

	ret = hmac_setup(&hk, alg, key, key_len);
	if (ret)
		return ret;
	ret = hmac_run(&hk, msg, len, NULL, 0, NULL, 0, out);
	hmac_done(&hk);
	return ret;
}

/**
 * kc_hkdf_extract() - HKDF-Extract (RFC 5869 §2.2)
 * @alg: SHA-256 or SHA-384
 * @salt: the salt; NULL or empty means HashLen zeros
 * @salt_len: its length
 * @ikm: input keying material
 * @ikm_len: its length
 * @out: the PRK, kc_hash_len(@alg) bytes
 *
 * Return: 0, KTLS_E_INVALID, KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_hkdf_extract(enum ktls_hash alg, const uint8_t *salt, size_t salt_len,
		    const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
	/* HMAC pads short keys with zeros, so "no salt" is just empty. */
	return kc_hmac(alg, salt, salt ? salt_len : 0, ikm, ikm_len, out);
}

static int hkdf_expand(struct kc_hmac_key *hk, const uint8_t *info,
		       size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t t[EVP_MAX_MD_SIZE];
	size_t t_len = 0, done = 0, n;
	uint8_t counter = 0;
	int ret = 0;

	while (done < out_len) {
		counter++;
		ret = hmac_run(hk, t, t_len, info, info_len, &counter, 1, t);
		if (ret)
			break;
		t_len = hk->hlen;
		n = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, n);
		done += n;
	}
	kc_wipe(t, sizeof(t));
	return ret;
}

/**
 * kc_hkdf_expand() - HKDF-Expand (RFC 5869 §2.3)
 * @alg: SHA-256 or SHA-384
 * @prk: the pseudorandom key
 * @prk_len: its length
 * @info: context
 * @info_len: its length
 * @out: output keying material
 * @out_len: up to 255 * kc_hash_len(@alg)
 *
 * Return: 0, KTLS_E_INVALID (unknown hash, @out_len too large),
 * KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_hkdf_expand(enum ktls_hash alg, const uint8_t *prk, size_t prk_len,
		   const uint8_t *info, size_t info_len, uint8_t *out,
		   size_t out_len)
{
	struct kc_hmac_key hk;
	int ret;

	if (!kc_hash_len(alg) || out_len > 255 * kc_hash_len(alg))
		return KTLS_E_INVALID;
	ret = hmac_setup(&hk, alg, prk, prk_len);
	if (ret)
		return ret;
	ret = hkdf_expand(&hk, info, info_len, out, out_len);
	hmac_done(&hk);
	if (ret)
		kc_wipe(out, out_len);
	return ret;
}

/**
 * kc_hkdf_expand_label() - HKDF-Expand-Label (RFC 8446 §7.1)
 * @alg: SHA-256 or SHA-384
 * @secret: kc_hash_len(@alg) bytes
 * @label: label without the "tls13 " prefix
 * @ctx: context (a transcript hash, or empty)
 * @ctx_len: its length, at most 255
 * @out: output
 * @out_len: its length, at most 255 * kc_hash_len(@alg)
 *
 * Return: 0, KTLS_E_INVALID, KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_hkdf_expand_label(enum ktls_hash alg, const uint8_t *secret,
			 const char *label, const uint8_t *ctx, size_t ctx_len,
			 uint8_t *out, size_t out_len)
{
	static const char prefix[] = "tls13 ";
	/* HkdfLabel: uint16 length, opaque label<7..255>, context<0..255> */
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t label_len = strlen(label), plen = sizeof(prefix) - 1, n = 0;
	size_t hlen = kc_hash_len(alg);

	if (!hlen || out_len > 0xffff || out_len > 255 * hlen ||
	    label_len > 255 - plen || ctx_len > 255)
		return KTLS_E_INVALID;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(plen + label_len);
	memcpy(info + n, prefix, plen);
	n += plen;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)ctx_len;
	if (ctx_len) {
		memcpy(info + n, ctx, ctx_len);
		n += ctx_len;
	}
	return kc_hkdf_expand(alg, secret, hlen, info, n, out, out_len);
}

/**
 * kc_equal() - constant-time comparison
 * @a: first buffer
 * @b: second buffer
 * @len: bytes to compare
 *
 * Return: true when the buffers are equal.
 */
bool kc_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/**
 * kc_wipe() - clear memory the compiler may not optimise away
 * @p: memory
 * @len: bytes
 */
void kc_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

/* ---- record protection ---- */

/**
 * kc_aead_init() - set up record protection for one direction
 * @a: the state; overwritten (release an old one with kc_aead_clear())
 * @suite: TLS 1.3 cipher suite
 * @key: kc_suite_key_len(@suite) bytes
 * @iv: the static write_iv, KC_IV_LEN bytes
 * @encrypt: true to seal, false to open
 *
 * The key schedule is set up here once; each record then only sets its
 * nonce.
 *
 * Return: 0, KTLS_E_INVALID for an unknown suite, KTLS_E_NOMEM or
 * KTLS_E_CRYPTO.
 */
int kc_aead_init(struct kc_aead *a, uint16_t suite, const uint8_t *key,
		 const uint8_t *iv, bool encrypt)
{
	const struct kc_suite_info *s = kc_suite_find(suite);
	const EVP_CIPHER *cipher;
	int enc = encrypt ? 1 : 0;
	int ret = KTLS_E_CRYPTO;

	a->ctx = NULL;
	a->suite = suite;
	a->encrypt = encrypt;
	a->seq = 0;
	if (!s)
		return KTLS_E_INVALID;
	cipher = kc_cipher_get(s->cipher);
	if (!cipher)
		return KTLS_E_CRYPTO;
	a->ctx = EVP_CIPHER_CTX_new();
	if (!a->ctx)
		return KTLS_E_NOMEM;
	if (!EVP_CipherInit_ex2(a->ctx, cipher, NULL, NULL, enc, NULL))
		goto out;
	/*
	 * CCM fixes its nonce and tag lengths when the key is set, so both
	 * go first: the 12-byte TLS nonce (RFC 8446 §5.3) and the 16-byte
	 * tag of AEAD_AES_128_CCM (RFC 5116 §5.3).
	 */
	if (s->cipher == KC_CIPHER_AES128CCM &&
	    (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, KC_IV_LEN,
				 NULL) <= 0 ||
	     EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, KC_TAG_LEN,
				 NULL) <= 0))
		goto out;
	if (EVP_CIPHER_CTX_get_iv_length(a->ctx) != KC_IV_LEN ||
	    EVP_CIPHER_CTX_get_key_length(a->ctx) != (int)s->key_len)
		goto out;
	if (!EVP_CipherInit_ex2(a->ctx, NULL, key, NULL, enc, NULL))
		goto out;
	memcpy(a->iv, iv, KC_IV_LEN);
	ret = 0;
out:
	if (ret)
		kc_aead_clear(a);
	return ret;
}

/*
 * Per-record nonce (RFC 8446 §5.3) and, for CCM, the message length,
 * which CCM must know before any AAD.
 */
static int aead_start(struct kc_aead *a, size_t len)
{
	uint8_t nonce[KC_IV_LEN];
	int i, outl;
	int ret = 0;

	memcpy(nonce, a->iv, KC_IV_LEN);
	for (i = 0; i < 8; i++)
		nonce[KC_IV_LEN - 1 - i] ^= (uint8_t)(a->seq >> (8 * i));
	if (!EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, -1, NULL))
		ret = KTLS_E_CRYPTO;
	else if (a->suite == KTLS_AES_128_CCM_SHA256 &&
		 !EVP_CipherUpdate(a->ctx, NULL, &outl, NULL, (int)len))
		ret = KTLS_E_CRYPTO;
	kc_wipe(nonce, sizeof(nonce));
	return ret;
}

/**
 * kc_aead_seal() - protect one record
 * @a: sealing state
 * @aad: additional data (the record header)
 * @aad_len: its length
 * @in: plaintext
 * @len: its length
 * @out: @len + KC_TAG_LEN bytes; may equal @in
 *
 * Return: 0 (and the sequence number advances), KTLS_E_INVALID (wrong
 * direction, sequence numbers exhausted, too long) or KTLS_E_CRYPTO.
 */
int kc_aead_seal(struct kc_aead *a, const uint8_t *aad, size_t aad_len,
		 const uint8_t *in, size_t len, uint8_t *out)
{
	int outl, finl;
	int ret;

	/* RFC 8446 §5.3: the sequence number must not wrap. */
	if (!a->ctx || !a->encrypt || a->seq == UINT64_MAX ||
	    len > INT_MAX - KC_TAG_LEN || aad_len > INT_MAX)
		return KTLS_E_INVALID;
	ret = aead_start(a, len);
	if (ret)
		return ret;
	if ((aad_len &&
	     !EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aad_len)) ||
	    !EVP_CipherUpdate(a->ctx, out, &outl, in, (int)len) ||
	    !EVP_CipherFinal_ex(a->ctx, out + outl, &finl) ||
	    (size_t)outl + (size_t)finl != len ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, KC_TAG_LEN,
				out + len) <= 0) {
		kc_wipe(out, len);
		return KTLS_E_CRYPTO;
	}
	a->seq++;
	return 0;
}

/**
 * kc_aead_open() - check and decrypt one record
 * @a: opening state
 * @aad: additional data (the record header)
 * @aad_len: its length
 * @in: ciphertext followed by the tag
 * @len: its length, at least KC_TAG_LEN
 * @out: @len - KC_TAG_LEN bytes; may equal @in
 *
 * On failure nothing of the plaintext is left in @out.
 *
 * Return: 0 (and the sequence number advances), KTLS_E_ALERT_bad_record_mac
 * when authentication fails or the record is shorter than a tag,
 * KTLS_E_INVALID or KTLS_E_CRYPTO.
 */
int kc_aead_open(struct kc_aead *a, const uint8_t *aad, size_t aad_len,
		 const uint8_t *in, size_t len, uint8_t *out)
{
	size_t clen;
	int outl, finl;
	int ret;

	if (!a->ctx || a->encrypt || a->seq == UINT64_MAX ||
	    len > INT_MAX || aad_len > INT_MAX)
		return KTLS_E_INVALID;
	if (len < KC_TAG_LEN)
		return KTLS_E_ALERT_bad_record_mac;
	clen = len - KC_TAG_LEN;
	ret = aead_start(a, clen);
	if (ret)
		return ret;
	/* The context copies the tag, so an in-place open may overwrite it. */
	if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, KC_TAG_LEN,
				(void *)(in + clen)) <= 0)
		return KTLS_E_CRYPTO;
	if ((aad_len &&
	     !EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aad_len)) ||
	    !EVP_CipherUpdate(a->ctx, out, &outl, in, (int)clen) ||
	    !EVP_CipherFinal_ex(a->ctx, out + outl, &finl) ||
	    (size_t)outl + (size_t)finl != clen) {
		kc_wipe(out, clen);
		ERR_clear_error();
		return KTLS_E_ALERT_bad_record_mac;
	}
	a->seq++;
	return 0;
}

/**
 * kc_aead_clear() - wipe the key and IV (safe on a cleared state)
 * @a: the state
 */
void kc_aead_clear(struct kc_aead *a)
{
	EVP_CIPHER_CTX_free(a->ctx);	/* the provider cleanses its key */
	a->ctx = NULL;
	kc_wipe(a->iv, sizeof(a->iv));
	a->seq = 0;
}

/* ---- key exchange ---- */

enum kc_kex_kind { KC_KEX_XDH, KC_KEX_NIST };

struct kc_group_info {
	uint16_t group;
	enum kc_kex_kind kind;
	const char *name;	/* XDH key type */
	enum kc_curve_id curve;	/* NIST */
	size_t share_len;
	size_t secret_len;	/* also the scalar length */
};

static const struct kc_group_info kc_groups[] = {
	{ KTLS_GROUP_X25519, KC_KEX_XDH, "X25519", 0, 32, 32 },
	{ KTLS_GROUP_X448, KC_KEX_XDH, "X448", 0, 56, 56 },
	{ KTLS_GROUP_SECP256R1, KC_KEX_NIST, NULL, KC_CURVE_P256, 65, 32 },
	{ KTLS_GROUP_SECP384R1, KC_KEX_NIST, NULL, KC_CURVE_P384, 97, 48 },
	{ KTLS_GROUP_SECP521R1, KC_KEX_NIST, NULL, KC_CURVE_P521, 133, 66 },
};

static const struct kc_group_info *kc_group_find(uint16_t group)
{
	size_t i;

	for (i = 0; i < sizeof(kc_groups) / sizeof(kc_groups[0]); i++)
		if (kc_groups[i].group == group)
			return &kc_groups[i];
	return NULL;
}

/* A raw X25519/X448 key (@selection: EVP_PKEY_KEYPAIR or _PUBLIC_KEY). */
static EVP_PKEY *xdh_import(const struct kc_group_info *g, int selection,
			    const uint8_t *raw)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;
	OSSL_PARAM p[2];
	int pub = selection == EVP_PKEY_PUBLIC_KEY;

	if (!CRYPTO_THREAD_run_once(&kc_once, kc_cache_init))
		return NULL;
	ctx = kc_cache.xdh[g->group == KTLS_GROUP_X448];
	if (!ctx)
		return pub ? EVP_PKEY_new_raw_public_key_ex(NULL, g->name, NULL, raw,
							    g->share_len)
			   : EVP_PKEY_new_raw_private_key_ex(NULL, g->name, NULL, raw,
							     g->secret_len);
	p[0] = OSSL_PARAM_construct_octet_string(pub ? OSSL_PKEY_PARAM_PUB_KEY :
						 OSSL_PKEY_PARAM_PRIV_KEY,
						 (void *)raw, pub ? g->share_len :
						 g->secret_len);
	p[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(ctx, &pk, selection, p) <= 0) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

/**
 * kc_group_supported() - whether kc_kex_keygen() can use @group
 * @group: IANA named group
 *
 * Return: true for x25519, x448, secp256r1, secp384r1 and secp521r1
 * (FFDHE groups are not offered).
 */
bool kc_group_supported(uint16_t group)
{
	const struct kc_group_info *g = kc_group_find(group);

	if (!g)
		return false;
	if (g->kind == KC_KEX_NIST)
		return kc_curve_get(g->curve) != NULL;
	return true;
}

static int kex_random(const struct ktls_ops *ops, uint8_t *buf, size_t len)
{
	int ret;

	if (!ops || !ops->random)
		return KTLS_E_INVALID;
	ret = ops->random(ops->ctx, buf, len);
	return ret < 0 ? ret : 0;
}

static int xdh_keygen(struct kc_kex *k, const struct kc_group_info *g,
		      const struct ktls_ops *ops, uint8_t *pub, size_t *pub_len)
{
	uint8_t priv[KC_MAX_SECRET];
	size_t len = g->share_len;
	int ret;

	ret = kex_random(ops, priv, g->secret_len);
	if (ret)
		goto out;
	/* The provider clamps the scalar (RFC 7748 §5). */
	k->key = xdh_import(g, EVP_PKEY_KEYPAIR, priv);
	if (!k->key) {
		ret = KTLS_E_CRYPTO;
		goto out;
	}
	if (!EVP_PKEY_get_raw_public_key(k->key, pub, &len) ||
	    len != g->share_len) {
		ret = KTLS_E_CRYPTO;
		goto out;
	}
	*pub_len = len;
out:
	kc_wipe(priv, sizeof(priv));
	return ret;
}

/* Bound on rejected scalars; each try fails with probability < 2^-32. */
#define KC_SCALAR_TRIES 16

static int nist_keygen(struct kc_kex *k, const struct kc_group_info *g,
		       const struct ktls_ops *ops, uint8_t *pub,
		       size_t *pub_len)
{
	const EC_GROUP *grp = kc_curve_get(g->curve);
	const BIGNUM *order;
	EC_POINT *point = NULL;
	BN_CTX *bn = NULL;
	BIGNUM *d;
	int tries, ret;

	if (!grp)
		return KTLS_E_CRYPTO;
	order = EC_GROUP_get0_order(grp);
	bn = BN_CTX_secure_new();
	if (!bn)
		return KTLS_E_NOMEM;
	BN_CTX_start(bn);
	d = BN_CTX_get(bn);
	point = EC_POINT_new(grp);
	if (!d || !point) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	/*
	 * FIPS 186-4 B.4.2 style: draw bits of the order's length and reject
	 * until 1 <= d < n, so deterministic ops give deterministic keys.
	 */
	for (tries = 0;; tries++) {
		if (tries == KC_SCALAR_TRIES) {
			ret = KTLS_E_CRYPTO;
			goto out;
		}
		ret = kex_random(ops, k->priv, g->secret_len);
		if (ret)
			goto out;
		if (g->curve == KC_CURVE_P521)
			k->priv[0] &= 0x01;	/* 521 bits */
		if (!BN_bin2bn(k->priv, (int)g->secret_len, d)) {
			ret = KTLS_E_NOMEM;
			goto out;
		}
		if (!BN_is_zero(d) && BN_cmp(d, order) < 0)
			break;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (!EC_POINT_mul(grp, point, d, NULL, NULL, bn) ||
	    EC_POINT_point2oct(grp, point, POINT_CONVERSION_UNCOMPRESSED, pub,
			       *pub_len, bn) != g->share_len) {
		ret = KTLS_E_CRYPTO;
		goto out;
	}
	*pub_len = g->share_len;
	ret = 0;
out:
	EC_POINT_free(point);
	BN_CTX_end(bn);		/* BN_CTX_free() clears the scalar */
	BN_CTX_free(bn);
	return ret;
}

/**
 * kc_kex_keygen() - make an ephemeral key share
 * @k: the share; overwritten (release an old one with kc_kex_clear())
 * @group: IANA named group
 * @ops: the private key is drawn from @ops->random
 * @pub: the public share in TLS encoding (raw for X25519/X448,
 *	uncompressed point for NIST curves)
 * @pub_len: capacity of @pub on entry, share length on return
 *
 * Return: 0, KTLS_E_INVALID (unsupported group, no ops->random),
 * KTLS_E_BUFFER, an error from ops->random, KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_kex_keygen(struct kc_kex *k, uint16_t group, const struct ktls_ops *ops,
		  uint8_t *pub, size_t *pub_len)
{
	const struct kc_group_info *g = kc_group_find(group);
	int ret;

	k->group = 0;
	k->key = NULL;
	memset(k->priv, 0, sizeof(k->priv));
	if (!g || !kc_group_supported(group))
		return KTLS_E_INVALID;
	if (*pub_len < g->share_len)
		return KTLS_E_BUFFER;
	k->group = group;
	if (g->kind == KC_KEX_XDH)
		ret = xdh_keygen(k, g, ops, pub, pub_len);
	else
		ret = nist_keygen(k, g, ops, pub, pub_len);
	if (ret)
		kc_kex_clear(k);
	return ret;
}

static int xdh_derive(struct kc_kex *k, const struct kc_group_info *g,
		      const uint8_t *peer, uint8_t *secret, size_t *secret_len)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t len = g->secret_len, i;
	uint8_t acc = 0;
	int ret = KTLS_E_CRYPTO;

	/* Any 32/56-byte string is a valid X25519/X448 public key. */
	pk = xdh_import(g, EVP_PKEY_PUBLIC_KEY, peer);
	if (!pk) {
		ret = KTLS_E_ALERT_illegal_parameter;
		goto out;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->key, NULL);
	if (!ctx) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	if (EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) <= 0)
		goto out;
	/*
	 * The provider refuses an all-zero result (RFC 7748 §6), which is
	 * the only way a derive with well-formed keys fails.
	 */
	if (EVP_PKEY_derive(ctx, secret, &len) <= 0 || len != g->secret_len) {
		ret = KTLS_E_ALERT_illegal_parameter;
		goto out;
	}
	/* RFC 8446 §7.4.2: MUST check for the all-zero value; do it again. */
	for (i = 0; i < len; i++)
		acc |= secret[i];
	if (!acc) {
		ret = KTLS_E_ALERT_illegal_parameter;
		goto out;
	}
	*secret_len = len;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ret;
}

static int nist_derive(struct kc_kex *k, const struct kc_group_info *g,
		       const uint8_t *peer, uint8_t *secret,
		       size_t *secret_len)
{
	const EC_GROUP *grp = kc_curve_get(g->curve);
	EC_POINT *q = NULL, *r = NULL;
	BN_CTX *bn = NULL;
	BIGNUM *d, *x;
	int ret = KTLS_E_CRYPTO;

	/* RFC 8446 §4.2.8.2: only the uncompressed form (legacy_form 4). */
	if (peer[0] != POINT_CONVERSION_UNCOMPRESSED)
		return KTLS_E_ALERT_illegal_parameter;
	if (!grp)
		return KTLS_E_CRYPTO;
	bn = BN_CTX_secure_new();
	if (!bn)
		return KTLS_E_NOMEM;
	BN_CTX_start(bn);
	d = BN_CTX_get(bn);
	x = BN_CTX_get(bn);
	q = EC_POINT_new(grp);
	r = EC_POINT_new(grp);
	if (!x || !q || !r) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	/*
	 * The one validity check (RFC 8446 §4.2.8.2, NIST SP 800-56A
	 * 5.6.2.3.4): oct2point rejects coordinates >= p and, through
	 * EC_POINT_set_affine_coordinates, points not on the curve. An
	 * uncompressed encoding cannot name the point at infinity, and with
	 * cofactor 1 every curve point is in the prime-order group.
	 */
	if (!EC_POINT_oct2point(grp, q, peer, g->share_len, bn) ||
	    EC_POINT_is_at_infinity(grp, q)) {
		ret = KTLS_E_ALERT_illegal_parameter;
		goto out;
	}
	if (!BN_bin2bn(k->priv, (int)g->secret_len, d))
		goto out;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (!EC_POINT_mul(grp, r, NULL, q, d, bn))
		goto out;
	if (EC_POINT_is_at_infinity(grp, r)) {
		ret = KTLS_E_ALERT_illegal_parameter;
		goto out;
	}
	/* RFC 8446 §7.4.2: the shared secret is the x-coordinate, padded. */
	if (!EC_POINT_get_affine_coordinates(grp, r, x, NULL, bn) ||
	    BN_bn2binpad(x, secret, (int)g->secret_len) != (int)g->secret_len)
		goto out;
	*secret_len = g->secret_len;
	ret = 0;
out:
	EC_POINT_clear_free(r);
	EC_POINT_free(q);
	BN_CTX_end(bn);
	BN_CTX_free(bn);
	return ret;
}

/**
 * kc_kex_derive() - shared secret with the peer's share
 * @k: our share from kc_kex_keygen()
 * @peer: the peer's key_exchange bytes
 * @peer_len: their length
 * @secret: output (KC_MAX_SECRET bytes always suffice)
 * @secret_len: capacity of @secret on entry, secret length on return
 *
 * Return: 0, KTLS_E_ALERT_illegal_parameter for a bad share (wrong length,
 * not uncompressed, not on the curve, infinity, all-zero X25519/X448
 * result; RFC 8446 §4.2.8.1, §4.2.8.2, §7.4), KTLS_E_INVALID,
 * KTLS_E_BUFFER, KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_kex_derive(struct kc_kex *k, const uint8_t *peer, size_t peer_len,
		  uint8_t *secret, size_t *secret_len)
{
	const struct kc_group_info *g = kc_group_find(k->group);
	int ret;

	if (!g || (g->kind == KC_KEX_XDH && !k->key))
		return KTLS_E_INVALID;
	if (*secret_len < g->secret_len)
		return KTLS_E_BUFFER;
	if (peer_len != g->share_len)
		return KTLS_E_ALERT_illegal_parameter;
	if (g->kind == KC_KEX_XDH)
		ret = xdh_derive(k, g, peer, secret, secret_len);
	else
		ret = nist_derive(k, g, peer, secret, secret_len);
	if (ret) {
		kc_wipe(secret, g->secret_len);
		ERR_clear_error();
	}
	return ret;
}

/**
 * kc_kex_clear() - wipe and release a key share (safe on a cleared one)
 * @k: the share
 */
void kc_kex_clear(struct kc_kex *k)
{
	EVP_PKEY_free(k->key);
	k->key = NULL;
	kc_wipe(k->priv, sizeof(k->priv));
	k->group = 0;
}

/* ---- signatures ---- */

enum kc_sig_kind {
	KC_SIG_ECDSA,
	KC_SIG_RSAE_PSS,	/* RSASSA-PSS with an rsaEncryption key */
	KC_SIG_PSS_PSS,		/* RSASSA-PSS with an RSASSA-PSS key */
	KC_SIG_PKCS1,
	KC_SIG_ED25519,
	KC_SIG_ED448,
};

struct kc_sig_info {
	uint16_t scheme;
	enum kc_sig_kind kind;
	enum kc_md_id md;	/* unused for EdDSA */
	int curve_nid;		/* ECDSA only */
	bool tls13;		/* allowed in CertificateVerify */
};

static const struct kc_sig_info kc_sigs[] = {
	{ KTLS_SIG_ECDSA_SECP256R1_SHA256, KC_SIG_ECDSA, KC_MD_SHA256,
	  NID_X9_62_prime256v1, true },
	{ KTLS_SIG_ECDSA_SECP384R1_SHA384, KC_SIG_ECDSA, KC_MD_SHA384,
	  NID_secp384r1, true },
	{ KTLS_SIG_ECDSA_SECP521R1_SHA512, KC_SIG_ECDSA, KC_MD_SHA512,
	  NID_secp521r1, true },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA256, KC_SIG_RSAE_PSS, KC_MD_SHA256, 0, true },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA384, KC_SIG_RSAE_PSS, KC_MD_SHA384, 0, true },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA512, KC_SIG_RSAE_PSS, KC_MD_SHA512, 0, true },
	{ KTLS_SIG_RSA_PSS_PSS_SHA256, KC_SIG_PSS_PSS, KC_MD_SHA256, 0, true },
	{ KTLS_SIG_RSA_PSS_PSS_SHA384, KC_SIG_PSS_PSS, KC_MD_SHA384, 0, true },
	{ KTLS_SIG_RSA_PSS_PSS_SHA512, KC_SIG_PSS_PSS, KC_MD_SHA512, 0, true },
	{ KTLS_SIG_ED25519, KC_SIG_ED25519, KC_MD_SHA512, 0, true },
	{ KTLS_SIG_ED448, KC_SIG_ED448, KC_MD_SHA512, 0, true },
	/* Certificate signatures only (RFC 8446 §4.2.3). */
	{ KTLS_SIG_RSA_PKCS1_SHA256, KC_SIG_PKCS1, KC_MD_SHA256, 0, false },
	{ KTLS_SIG_RSA_PKCS1_SHA384, KC_SIG_PKCS1, KC_MD_SHA384, 0, false },
	{ KTLS_SIG_RSA_PKCS1_SHA512, KC_SIG_PKCS1, KC_MD_SHA512, 0, false },
};

static const struct kc_sig_info *kc_sig_find(uint16_t scheme)
{
	size_t i;

	for (i = 0; i < sizeof(kc_sigs) / sizeof(kc_sigs[0]); i++)
		if (kc_sigs[i].scheme == scheme)
			return &kc_sigs[i];
	return NULL;
}

static int key_curve_nid(EVP_PKEY *key)
{
	char name[64];
	int nid;

	if (!EVP_PKEY_get_group_name(key, name, sizeof(name), NULL))
		return NID_undef;
	nid = OBJ_sn2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

/*
 * An RSASSA-PSS key may carry parameters (RFC 4055 §3.1) that restrict it
 * to one hash, an MGF1 hash (SHA-1 when not given) and a minimum salt
 * length. TLS 1.3 needs MGF1 with the scheme's hash and a salt as long as
 * the hash (RFC 8446 §4.2.3), so the key must allow exactly that.
 */
static bool pss_key_allows(EVP_PKEY *key, const EVP_MD *md)
{
	char name[64];
	int min_salt = 0;
	bool ok = false;

	if (!md)
		return false;
	ERR_set_mark();
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_MANDATORY_DIGEST,
					    name, sizeof(name), NULL)) {
		ok = true;	/* unrestricted */
		goto out;
	}
	if (!EVP_MD_is_a(md, name))
		goto out;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_RSA_MGF1_DIGEST,
					    name, sizeof(name), NULL) ||
	    !EVP_MD_is_a(md, name))
		goto out;
	if (EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_RSA_PSS_SALTLEN,
				   &min_salt) &&
	    min_salt > EVP_MD_get_size(md))
		goto out;
	ok = true;
out:
	ERR_pop_to_mark();
	return ok;
}

static bool sig_fits(const struct kc_sig_info *s, EVP_PKEY *key)
{
	if (!key)
		return false;
	switch (s->kind) {
	case KC_SIG_ECDSA:
		return EVP_PKEY_is_a(key, "EC") &&
		       key_curve_nid(key) == s->curve_nid;
	case KC_SIG_RSAE_PSS:
	case KC_SIG_PKCS1:
		return EVP_PKEY_is_a(key, "RSA");
	case KC_SIG_PSS_PSS:
		return EVP_PKEY_is_a(key, "RSA-PSS") &&
		       pss_key_allows(key, kc_md_get(s->md));
	case KC_SIG_ED25519:
		return EVP_PKEY_is_a(key, "ED25519");
	case KC_SIG_ED448:
		return EVP_PKEY_is_a(key, "ED448");
	}
	return false;
}

/**
 * kc_sig_fits_key() - whether @scheme can be used with @key
 * @scheme: IANA signature scheme
 * @key: public or private key
 *
 * ECDSA schemes need an EC key on the scheme's curve, rsa_pss_rsae_* and
 * rsa_pkcs1_* an rsaEncryption key, rsa_pss_pss_* an RSASSA-PSS key (whose
 * digest restriction, if any, matches), ed25519/ed448 the matching key.
 *
 * Return: true when it fits; false for unknown schemes.
 */
bool kc_sig_fits_key(uint16_t scheme, EVP_PKEY *key)
{
	const struct kc_sig_info *s = kc_sig_find(scheme);

	return s && sig_fits(s, key);
}

/**
 * kc_sig_tls13_ok() - whether @scheme may appear in CertificateVerify
 * @scheme: IANA signature scheme
 *
 * Return: true for ECDSA, RSA-PSS and EdDSA schemes; false for PKCS#1
 * v1.5, SHA-1 and unknown schemes (RFC 8446 §4.4.3).
 */
bool kc_sig_tls13_ok(uint16_t scheme)
{
	const struct kc_sig_info *s = kc_sig_find(scheme);

	return s && s->tls13;
}

static bool sig_is_eddsa(const struct kc_sig_info *s)
{
	return s->kind == KC_SIG_ED25519 || s->kind == KC_SIG_ED448;
}

/*
 * A context for signing or verifying a digest: ECDSA needs nothing more,
 * RSA gets its padding and, for PSS, MGF1 with the same hash and a salt
 * as long as the hash (RFC 8446 §4.2.3).
 */
static int sig_pkey_ctx(const struct kc_sig_info *s, EVP_PKEY *key,
			bool sign, EVP_PKEY_CTX **out)
{
	const EVP_MD *md = kc_md_get(s->md);
	EVP_PKEY_CTX *ctx;
	int ret = KTLS_E_CRYPTO;

	*out = NULL;
	if (!md)
		return KTLS_E_CRYPTO;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx)
		return KTLS_E_NOMEM;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) <= 0)
		goto out;
	if (s->kind == KC_SIG_PKCS1 &&
	    (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	     EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0))
		goto out;
	if ((s->kind == KC_SIG_RSAE_PSS || s->kind == KC_SIG_PSS_PSS) &&
	    (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	     EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0)) {
		/* A restricted RSASSA-PSS key that does not take this. */
		ret = KTLS_E_ALERT_illegal_parameter;
		goto out;
	}
	*out = ctx;
	return 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

/**
 * kc_sig_verify() - check a signature
 * @scheme: IANA signature scheme
 * @pub: the signer's public key
 * @msg: the signed content (hashed here)
 * @len: its length
 * @sig: the signature (DER for ECDSA)
 * @sig_len: its length
 *
 * Return: 0 when it verifies, KTLS_E_ALERT_decrypt_error on a bad
 * signature, KTLS_E_ALERT_illegal_parameter when @scheme is unknown or
 * does not fit @pub, KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_sig_verify(uint16_t scheme, EVP_PKEY *pub, const uint8_t *msg,
		  size_t len, const uint8_t *sig, size_t sig_len)
{
	const struct kc_sig_info *s = kc_sig_find(scheme);
	uint8_t dgst[EVP_MAX_MD_SIZE];
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	int ret, ok;

	if (!s || !sig_fits(s, pub))
		return KTLS_E_ALERT_illegal_parameter;
	if (sig_is_eddsa(s)) {
		mctx = EVP_MD_CTX_new();
		if (!mctx)
			return KTLS_E_NOMEM;
		if (EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pub,
					    NULL) <= 0) {
			ret = KTLS_E_CRYPTO;
			goto out;
		}
		ok = EVP_DigestVerify(mctx, sig, sig_len, msg, len);
	} else {
		const EVP_MD *md = kc_md_get(s->md);

		ret = kc_digest_md(md, msg, len, dgst);
		if (ret)
			goto out;
		ret = sig_pkey_ctx(s, pub, false, &pctx);
		if (ret)
			goto out;
		ok = EVP_PKEY_verify(pctx, sig, sig_len, dgst,
				     (size_t)EVP_MD_get_size(md));
	}
	/* 0 is a wrong signature, < 0 one that does not even parse. */
	ret = ok == 1 ? 0 : KTLS_E_ALERT_decrypt_error;
out:
	if (ret)
		ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	EVP_MD_CTX_free(mctx);
	return ret;
}

/**
 * kc_sig_sign() - sign with a local private key
 * @scheme: IANA signature scheme
 * @priv: the private key
 * @msg: the content to sign (hashed here)
 * @len: its length
 * @sig: output
 * @sig_len: capacity of @sig on entry, signature length on return
 *
 * Return: 0, KTLS_E_NOKEY without a key, KTLS_E_INVALID when @scheme is
 * unknown, not a TLS 1.3 CertificateVerify scheme (kc_sig_tls13_ok()) or
 * does not fit @priv, KTLS_E_BUFFER when @sig is too small,
 * KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_sig_sign(uint16_t scheme, EVP_PKEY *priv, const uint8_t *msg,
		size_t len, uint8_t *sig, size_t *sig_len)
{
	const struct kc_sig_info *s = kc_sig_find(scheme);
	uint8_t dgst[EVP_MAX_MD_SIZE];
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	size_t n = *sig_len;
	int ret;

	if (!priv)
		return KTLS_E_NOKEY;
	/* We never make PKCS#1 v1.5 signatures: TLS 1.3 only checks them. */
	if (!s || !s->tls13 || !sig_fits(s, priv))
		return KTLS_E_INVALID;
	if (EVP_PKEY_get_size(priv) <= 0 ||
	    (size_t)EVP_PKEY_get_size(priv) > n)
		return KTLS_E_BUFFER;
	if (sig_is_eddsa(s)) {
		mctx = EVP_MD_CTX_new();
		if (!mctx)
			return KTLS_E_NOMEM;
		if (EVP_DigestSignInit_ex(mctx, NULL, NULL, NULL, NULL, priv,
					  NULL) <= 0 ||
		    EVP_DigestSign(mctx, sig, &n, msg, len) <= 0) {
			ret = KTLS_E_CRYPTO;
			goto out;
		}
	} else {
		const EVP_MD *md = kc_md_get(s->md);

		ret = kc_digest_md(md, msg, len, dgst);
		if (ret)
			goto out;
		ret = sig_pkey_ctx(s, priv, true, &pctx);
		if (ret) {
			if (ret == KTLS_E_ALERT_illegal_parameter)
				ret = KTLS_E_INVALID;
			goto out;
		}
		if (EVP_PKEY_sign(pctx, sig, &n, dgst,
				  (size_t)EVP_MD_get_size(md)) <= 0) {
			ret = KTLS_E_CRYPTO;
			goto out;
		}
	}
	*sig_len = n;
	ret = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	EVP_MD_CTX_free(mctx);
	kc_wipe(dgst, sizeof(dgst));
	return ret;
}

/**
 * kc_sig_schemes_for_key() - the CertificateVerify schemes @key can make
 * @key: public or private key
 * @out: filled with the schemes, in kc_sigs[] order
 * @max: room in @out
 *
 * A credential works this out once at load, so choosing a scheme per
 * handshake needs no EVP_PKEY queries (each costs a name lookup in 3.0).
 *
 * Return: the number of schemes written.
 */
size_t kc_sig_schemes_for_key(EVP_PKEY *key, uint16_t *out, size_t max)
{
	size_t i, n = 0;

	ERR_set_mark();
	for (i = 0; i < sizeof(kc_sigs) / sizeof(kc_sigs[0]) && n < max; i++)
		if (kc_sigs[i].tls13 && sig_fits(&kc_sigs[i], key))
			out[n++] = kc_sigs[i].scheme;
	ERR_pop_to_mark();
	return n;
}

/**
 * kc_sig_sign_ctx_new() - a signing context to keep beside an ECDSA key
 * @priv: the private key
 *
 * EVP_PKEY_CTX_new_from_pkey() plus EVP_PKEY_sign_init() fetch the
 * signature method by name (about 1.1 µs in 3.0); duplicating a context
 * made once costs a few tens of ns.
 *
 * Return: the context (free with EVP_PKEY_CTX_free()), or NULL for keys
 * other than EC and on failure (then signing takes the slow path).
 */
EVP_PKEY_CTX *kc_sig_sign_ctx_new(EVP_PKEY *priv)
{
	EVP_PKEY_CTX *ctx;

	if (!priv || !EVP_PKEY_is_a(priv, "EC"))
		return NULL;
	ERR_set_mark();
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (ctx && EVP_PKEY_sign_init(ctx) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	ERR_pop_to_mark();
	return ctx;
}

/**
 * kc_sig_sign_with() - ECDSA signature with a context from
 *	kc_sig_sign_ctx_new()
 * @scheme: an ECDSA scheme the key fits (the caller checked)
 * @tmpl: the prepared context; only read, so threads may share it
 * @msg: the content to sign (hashed here)
 * @len: its length
 * @sig: output
 * @sig_len: capacity of @sig on entry, signature length on return
 *
 * Return: 0, KTLS_E_INVALID (not an ECDSA scheme, no context),
 * KTLS_E_NOMEM or KTLS_E_CRYPTO.
 */
int kc_sig_sign_with(uint16_t scheme, EVP_PKEY_CTX *tmpl, const uint8_t *msg,
		     size_t len, uint8_t *sig, size_t *sig_len)
{
	const struct kc_sig_info *s = kc_sig_find(scheme);
	uint8_t dgst[EVP_MAX_MD_SIZE];
	const EVP_MD *md;
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = *sig_len;
	int ret;

	if (!s || s->kind != KC_SIG_ECDSA || !tmpl)
		return KTLS_E_INVALID;
	md = kc_md_get(s->md);
	ret = kc_digest_md(md, msg, len, dgst);
	if (ret)
		goto out;
	/* The template is shared: each signature works on its own copy. */
	ctx = EVP_PKEY_CTX_dup(tmpl);
	if (!ctx) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	if (EVP_PKEY_sign(ctx, sig, &n, dgst, (size_t)EVP_MD_get_size(md)) <= 0) {
		ret = KTLS_E_CRYPTO;
		goto out;
	}
	*sig_len = n;
out:
	EVP_PKEY_CTX_free(ctx);
	kc_wipe(dgst, sizeof(dgst));
	return ret;
}
