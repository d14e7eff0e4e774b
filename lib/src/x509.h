/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificates: our own credential (chain + key), the trust store, and
 * verification of a peer's chain with libcrypto's X509_STORE, including the
 * name check (DNS SAN with wildcard rules, IP SAN). Implemented in x509.c.
 */
#ifndef KTLS_X509_H
#define KTLS_X509_H

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ktls/ktls.h>

struct ktls_credential {
	size_t n_certs;
	uint8_t *der[KTLS_MAX_CHAIN];	/* leaf first */
	size_t der_len[KTLS_MAX_CHAIN];
	EVP_PKEY *key;			/* private key; NULL if signing is remote */
	EVP_PKEY *pub;			/* the leaf's public key */
	/* TLS 1.3 signature schemes the key fits, worked out once at load */
	uint16_t fit[KTLS_MAX_LIST];
	size_t n_fit;
	/* ECDSA: a context set up for signing once, duplicated per signature */
	EVP_PKEY_CTX *sign_ctx;
};

/*
 * Parsed peer certificates, keyed by the SHA-256 of their DER (and the DER
 * itself, compared in full). A client verifies the same server chain on
 * every handshake, and in OpenSSL 3.0 d2i_X509 with its public key decode
 * costs far more than the verification that follows.
 */
#define KX_CACHE_SIZE 64

/*
 * Chains that verified: the SHA-256 over the purpose, the security level,
 * the name checked and the SHA-256 of every certificate as received, with the time window in
 * which the verdict holds (every certificate of the verified path, and
 * every CRL, valid; at most KX_VERIFIED_TTL seconds after it was reached).
 * A hit skips X509_verify_cert() (the issuer signatures, the dominant cost
 * of a client's handshake after its own key exchange); the leaf's
 * CertificateVerify is checked on every handshake all the same. Failures are
 * never cached. The store does not change during a trust object's life
 * (a reload makes a new one), so nothing else can change the verdict. The
 * leaf's own policy (key strength, keyUsage, extendedKeyUsage) is checked
 * on a hit as well: it costs no signature.
 */
#define KX_VERIFIED_SIZE 32
#define KX_VERIFIED_TTL 300

struct kx_verified_entry {
	uint8_t key[32];
	int64_t from, until;		/* the verdict holds in [from, until) */
	uint64_t used;			/* LRU clock; 0 = empty slot */
};

struct kx_cache_entry {
	uint8_t hash[32];		/* SHA-256 of der */
	uint8_t *der;			/* owned copy, compared in full */
	size_t len;
	X509 *x509;			/* one reference held by the cache */
	uint64_t used;			/* LRU clock; 0 = empty slot */
};

struct ktls_trust {
	X509_STORE *store;
	bool crl;			/* check CRLs for the whole chain */

	/*
	 * The parse cache. A trust object is shared by connections (and
	 * threads) and handed around as const; the cache is a hidden
	 * mutable part of it, guarded by @lock.
	 */
	pthread_mutex_t lock;
	bool cache_off;			/* tests and benchmarks: no caches */
	EVP_MD *sha256;			/* fetched once; NULL disables the caches */
	uint64_t clock;
	uint64_t hits;
	uint64_t misses;
	struct kx_cache_entry cache[KX_CACHE_SIZE];

	/*
	 * The verified-chain cache (off when CRLs may be looked up lazily
	 * from a directory: their validity is not known in advance).
	 */
	bool verified_off;
	int64_t crl_from, crl_until;	/* every loaded CRL current in this window */
	uint64_t verified_hits;
	uint64_t verified_misses;
	struct kx_verified_entry verified[KX_VERIFIED_SIZE];
};

/**
 * kx_verify_chain() - verify a peer's certificate chain
 * @trust: anchors (and CRLs)
 * @der, @der_len, @n: the chain as received, leaf first
 * @name: the name the leaf must carry (DNS or IP literal), or NULL
 * @peer_is_server: check the server-auth purpose (else client-auth)
 * @level: the security level (struct ktls_config); above
 *	KTLS_SECURITY_LEVEL_MAX counts as KTLS_SECURITY_LEVEL_MAX
 * @now: verification time (seconds since the epoch)
 * @leaf: set to the parsed leaf (caller frees with X509_free) on success
 *	and on verification failure when it parsed
 * @pub: set to the leaf public key (borrowed from @leaf)
 * @reason: set to a static string explaining any failure
 *
 * Return: 0, or KTLS_E_ALERT_bad_certificate (does not parse, name
 * mismatch), _unknown_ca, _certificate_expired, _certificate_revoked,
 * _unsupported_certificate (also a key or signature weaker than @level,
 * a keyUsage or extendedKeyUsage that does not fit) or
 * _certificate_unknown; KTLS_E_INVALID for an unusable @name, KTLS_E_NOMEM
 * or KTLS_E_INTERNAL when libcrypto fails.
 */
KTLS_MUST_CHECK int kx_verify_chain(const struct ktls_trust *trust,
				    const uint8_t *const *der,
				    const size_t *der_len, size_t n,
				    const char *name, bool peer_is_server,
				    unsigned int level, int64_t now,
				    X509 **leaf, EVP_PKEY **pub,
				    const char **reason);

/* Parse a leaf without verifying it (KTLS_F_NO_VERIFY). */
KTLS_MUST_CHECK int kx_parse_leaf(const uint8_t *der, size_t len, X509 **leaf,
				  EVP_PKEY **pub);

/* Parse-cache counters of @trust, read under its lock. */
void kx_trust_cache_stats(const struct ktls_trust *trust, uint64_t *hits,
			  uint64_t *misses);

/* Verified-chain cache counters of @trust, read under its lock. */
void kx_trust_verified_stats(const struct ktls_trust *trust, uint64_t *hits,
			     uint64_t *misses);

/* True when @name is an IPv4 or IPv6 literal (no SNI for those). */
bool kx_is_ip_literal(const char *name);

#endif /* KTLS_X509_H */
