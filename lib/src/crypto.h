/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libcrypto primitives the handshake needs, behind small engine-shaped
 * calls: transcript hashes, HMAC/HKDF, record AEADs, (EC)DHE key exchange
 * with peer-share validation, and signature schemes. Implemented in
 * crypto_ossl.c; the rest of libktls never calls libcrypto for these.
 * All return 0 or a negative KTLS_E_* code.
 */
#ifndef KTLS_CRYPTO_H
#define KTLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <ktls/ktls.h>

#define KC_MAX_HASH 48		/* SHA-384 */
#define KC_MAX_KEY 32
#define KC_IV_LEN 12
#define KC_TAG_LEN 16
#define KC_MAX_SHARE 133	/* uncompressed P-521 point */
#define KC_MAX_SECRET 66	/* P-521 x coordinate */
#define KC_MAX_SIG 1024		/* RSA-8192 */

size_t kc_hash_len(enum ktls_hash alg);
const EVP_MD *kc_md(enum ktls_hash alg);
/* The hash of a TLS 1.3 cipher suite (KTLS_HASH_NONE if unknown). */
enum ktls_hash kc_suite_hash(uint16_t suite);
/* Key length of a suite's AEAD (0 if unknown). */
size_t kc_suite_key_len(uint16_t suite);

/* A running transcript hash. */
struct kc_hash {
	EVP_MD_CTX *ctx;
	enum ktls_hash alg;
};
KTLS_MUST_CHECK int kc_hash_init(struct kc_hash *h, enum ktls_hash alg);
KTLS_MUST_CHECK int kc_hash_update(struct kc_hash *h, const void *p, size_t len);
/* Digest of everything fed so far; @h keeps running. */
KTLS_MUST_CHECK int kc_hash_peek(const struct kc_hash *h, uint8_t *out);
void kc_hash_free(struct kc_hash *h);
KTLS_MUST_CHECK int kc_digest(enum ktls_hash alg, const void *p, size_t len,
			      uint8_t *out);

KTLS_MUST_CHECK int kc_hmac(enum ktls_hash alg, const uint8_t *key, size_t key_len,
			    const uint8_t *msg, size_t len, uint8_t *out);
KTLS_MUST_CHECK int kc_hkdf_extract(enum ktls_hash alg, const uint8_t *salt,
				    size_t salt_len, const uint8_t *ikm,
				    size_t ikm_len, uint8_t *out);
/* RFC 5869 expand; out_len up to 255 * hash length. */
KTLS_MUST_CHECK int kc_hkdf_expand(enum ktls_hash alg, const uint8_t *prk,
				   size_t prk_len, const uint8_t *info,
				   size_t info_len, uint8_t *out, size_t out_len);
/* RFC 8446 §7.1 HKDF-Expand-Label; @label without the "tls13 " prefix. */
KTLS_MUST_CHECK int kc_hkdf_expand_label(enum ktls_hash alg, const uint8_t *secret,
					 const char *label, const uint8_t *ctx,
					 size_t ctx_len, uint8_t *out,
					 size_t out_len);

/* Constant-time equality: true when equal. */
bool kc_equal(const void *a, const void *b, size_t len);
/* Wipe memory the compiler may not optimise away. */
void kc_wipe(void *p, size_t len);

/*
 * Record protection for one direction: key, static IV and the sequence
 * number (the nonce is iv XOR seq, RFC 8446 §5.3).
 */
struct kc_aead {
	EVP_CIPHER_CTX *ctx;
	uint16_t suite;
	bool encrypt;
	uint8_t iv[KC_IV_LEN];
	uint64_t seq;
};
KTLS_MUST_CHECK int kc_aead_init(struct kc_aead *a, uint16_t suite,
				 const uint8_t *key, const uint8_t *iv,
				 bool encrypt);
/* @out gets len + KC_TAG_LEN bytes; in place allowed; seq advances. */
KTLS_MUST_CHECK int kc_aead_seal(struct kc_aead *a, const uint8_t *aad,
				 size_t aad_len, const uint8_t *in, size_t len,
				 uint8_t *out);
/*
 * @in is ciphertext plus tag (len >= KC_TAG_LEN); @out gets len - tag
 * bytes; in place allowed; seq advances on success.
 * Return: KTLS_E_ALERT_bad_record_mac when authentication fails.
 */
KTLS_MUST_CHECK int kc_aead_open(struct kc_aead *a, const uint8_t *aad,
				 size_t aad_len, const uint8_t *in, size_t len,
				 uint8_t *out);
void kc_aead_clear(struct kc_aead *a);

/*
 * An ephemeral key share. X25519/X448 keep an EVP_PKEY; the NIST curves
 * keep only the scalar and use low-level EC point arithmetic on a group
 * cached once, which saves building a provider key (and its EC_GROUP) per
 * keygen and per peer share.
 */
struct kc_kex {
	uint16_t group;
	EVP_PKEY *key;			/* X25519, X448 */
	uint8_t priv[KC_MAX_SECRET];	/* NIST curves: scalar, big-endian */
};
bool kc_group_supported(uint16_t group);
/*
 * Generate a private key from ops->random (deterministic ops give
 * deterministic keys) and write the public share in TLS encoding (raw for
 * X25519/X448, uncompressed point for NIST curves). @pub_len holds the
 * capacity on entry and the length on return.
 */
KTLS_MUST_CHECK int kc_kex_keygen(struct kc_kex *k, uint16_t group,
				  const struct ktls_ops *ops, uint8_t *pub,
				  size_t *pub_len);
/*
 * Shared secret with the peer's share. Bad lengths, points not on the
 * curve, points at infinity, non-uncompressed encodings and all-zero
 * X25519/X448 results give KTLS_E_ALERT_illegal_parameter (RFC 8446
 * §4.2.8.1, §4.2.8.2, §7.4).
 */
KTLS_MUST_CHECK int kc_kex_derive(struct kc_kex *k, const uint8_t *peer,
				  size_t peer_len, uint8_t *secret,
				  size_t *secret_len);
void kc_kex_clear(struct kc_kex *k);

/*
 * Signature schemes (RFC 8446 §4.2.3). fits_key says whether @scheme can be
 * used with @key (type, curve, rsaEncryption vs RSASSA-PSS key).
 */
bool kc_sig_fits_key(uint16_t scheme, EVP_PKEY *key);
/* Schemes allowed in CertificateVerify (no PKCS#1 v1.5, no SHA-1). */
bool kc_sig_tls13_ok(uint16_t scheme);
/* Return: KTLS_E_ALERT_decrypt_error on a bad signature. */
KTLS_MUST_CHECK int kc_sig_verify(uint16_t scheme, EVP_PKEY *pub,
				  const uint8_t *msg, size_t len,
				  const uint8_t *sig, size_t sig_len);
/* All CertificateVerify schemes that fit @key; returns how many. */
size_t kc_sig_schemes_for_key(EVP_PKEY *key, uint16_t *out, size_t max);
/* An ECDSA signing context to keep with a key (NULL for other keys). */
EVP_PKEY_CTX *kc_sig_sign_ctx_new(EVP_PKEY *priv);
/* kc_sig_sign() with a context from kc_sig_sign_ctx_new(); no fit check. */
KTLS_MUST_CHECK int kc_sig_sign_with(uint16_t scheme, EVP_PKEY_CTX *tmpl,
				     const uint8_t *msg, size_t len,
				     uint8_t *sig, size_t *sig_len);
/* @sig_len: capacity in, length out. */
KTLS_MUST_CHECK int kc_sig_sign(uint16_t scheme, EVP_PKEY *priv,
				const uint8_t *msg, size_t len, uint8_t *sig,
				size_t *sig_len);

#endif /* KTLS_CRYPTO_H */
