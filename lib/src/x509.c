// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Certificates (see x509.h): loading our credential from PEM files or from
 * the DER blobs kernel keyrings hold, loading trust anchors and CRLs into an
 * X509_STORE, and verifying a peer's chain with X509_verify_cert() at the
 * time the engine's ops give, with the name check done by libcrypto (DNS
 * SANs with its wildcard rules, IP SANs). Every X509_V_ERR_* result is turned
 * into the alert RFC 8446 §6.2 asks for, plus a static reason for logs.
 *
 * The certificate policy (see kx_leaf_policy()): libcrypto's auth level
 * checks every key of the path and every signature below the trust anchor;
 * we add what it leaves out for TLS 1.3, the leaf's keyUsage and
 * extendedKeyUsage, and check the leaf's own key ourselves so that a
 * remembered verdict (below) cannot skip it.
 *
 * Peer certificates are parsed through a small cache in struct ktls_trust:
 * a client sees the same server chain on every handshake, and parsing is the
 * expensive part in OpenSSL 3.0. A chain that verified for a purpose and a
 * name is remembered too, with the time window in which that verdict holds
 * (see x509.h); failures are always verified afresh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ktls/ktls.h>

#include "crypto.h"
#include "msg.h"
#include "x509.h"

/* Private key files are small; anything bigger is not one. */
#define KX_MAX_KEY_FILE (1024 * 1024)

/* X509_V_ERR_* to the alert we send (RFC 8446 §6.2). */
struct kx_verify_alert {
	int verr;
	int alert;
};

static const struct kx_verify_alert kx_verify_alerts[] = {
	/* The certificate is outside its validity period. */
	{ X509_V_ERR_CERT_HAS_EXPIRED, KTLS_ALERT_certificate_expired },
	{ X509_V_ERR_CERT_NOT_YET_VALID, KTLS_ALERT_certificate_expired },

	/* No path to a trust anchor we hold. */
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, KTLS_ALERT_unknown_ca },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, KTLS_ALERT_unknown_ca },
	{ X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, KTLS_ALERT_unknown_ca },
	{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, KTLS_ALERT_unknown_ca },
	{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, KTLS_ALERT_unknown_ca },
	{ X509_V_ERR_CERT_UNTRUSTED, KTLS_ALERT_unknown_ca },
	{ X509_V_ERR_INVALID_CA, KTLS_ALERT_unknown_ca },

	{ X509_V_ERR_CERT_REVOKED, KTLS_ALERT_certificate_revoked },

	/* The certificate does not name the peer we wanted. */
	{ X509_V_ERR_HOSTNAME_MISMATCH, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_IP_ADDRESS_MISMATCH, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_EMAIL_MISMATCH, KTLS_ALERT_bad_certificate },

	/*
	 * Corrupt certificates and signatures that do not verify. RFC 8446
	 * §6.2 gives these bad_certificate; decrypt_error is for handshake
	 * signatures (CertificateVerify), not certificate signatures.
	 */
	{ X509_V_ERR_CERT_SIGNATURE_FAILURE, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_NO_ISSUER_PUBLIC_KEY, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_INVALID_EXTENSION, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_INVALID_NON_CA, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_EC_KEY_EXPLICIT_PARAMS, KTLS_ALERT_bad_certificate },
	{ X509_V_ERR_CERT_REJECTED, KTLS_ALERT_bad_certificate },

	/*
	 * Below the security level: the certificate is intact and its
	 * signatures verify, but it is of a kind (key size, digest) we do not
	 * take, which §6.2 calls unsupported_certificate. insufficient_security
	 * is for negotiated parameters, not certificates.
	 */
	{ X509_V_ERR_EE_KEY_TOO_SMALL, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_CA_KEY_TOO_SMALL, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_CA_MD_TOO_WEAK, KTLS_ALERT_unsupported_certificate },

	/* Things libcrypto cannot process. */
	{ X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_UNSUPPORTED_NAME_SYNTAX, KTLS_ALERT_unsupported_certificate },

	/* Wrong (extended) key usage for the role the peer plays. */
	{ X509_V_ERR_INVALID_PURPOSE, KTLS_ALERT_unsupported_certificate },
	{ X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE,
	  KTLS_ALERT_unsupported_certificate },

	/*
	 * Problems with our own CRLs are not the peer's fault: they fall
	 * through to certificate_unknown, like everything not listed.
	 */
};

/* Our own words where libcrypto's would mislead in a log. */
struct kx_verify_reason {
	int verr;
	const char *why;
};

static const struct kx_verify_reason kx_verify_reasons[] = {
	{ X509_V_ERR_EE_KEY_TOO_SMALL,
	  "peer certificate key is weaker than the security level allows" },
	{ X509_V_ERR_CA_KEY_TOO_SMALL,
	  "CA certificate key is weaker than the security level allows" },
	{ X509_V_ERR_INVALID_EXTENSION,
	  "peer certificate has an extension that does not decode or repeats" },
	/* libcrypto says "CA signature" for the leaf's signature too. */
	{ X509_V_ERR_CA_MD_TOO_WEAK,
	  "certificate in the chain signed with a digest weaker than the security level allows (SHA-1, MD5)" },
};

#define KX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int kx_alert_for(int verr)
{
	size_t i;

	switch (verr) {
	case X509_V_ERR_OUT_OF_MEM:
		return KTLS_E_NOMEM;
	case X509_V_OK:
	case X509_V_ERR_UNSPECIFIED:
	case X509_V_ERR_INVALID_CALL:
	case X509_V_ERR_STORE_LOOKUP:
		return KTLS_E_INTERNAL;
	}
	for (i = 0; i < KX_ARRAY_SIZE(kx_verify_alerts); i++)
		if (kx_verify_alerts[i].verr == verr)
			return KTLS_E_LOCAL_ALERT(kx_verify_alerts[i].alert);
	return KTLS_E_ALERT_certificate_unknown;
}

/* Why verification failed with @verr, for logs. */
static const char *kx_reason_for(int verr)
{
	size_t i;

	if (verr == X509_V_OK)
		return "certificate verification failed";
	for (i = 0; i < KX_ARRAY_SIZE(kx_verify_reasons); i++)
		if (kx_verify_reasons[i].verr == verr)
			return kx_verify_reasons[i].why;
	return X509_verify_cert_error_string(verr);
}

/*
 * The least security bits of a key at each level, as libcrypto's auth
 * level counts them (X509_VERIFY_PARAM_set_auth_level(3)): RSA-2048 and
 * P-224 have 112, RSA-3072, P-256 and Ed25519 128.
 */
static const int kx_level_bits[KTLS_SECURITY_LEVEL_MAX + 1] = {
	0, 80, 112, 128, 192, 256
};

static unsigned int kx_level(unsigned int level)
{
	return level > KTLS_SECURITY_LEVEL_MAX ? KTLS_SECURITY_LEVEL_MAX : level;
}

/*
 * The leaf's part of the certificate policy, on every verification path
 * (a remembered verdict included), before any signature is checked:
 *
 *  - its key meets @level. X509_verify_cert() checks this too
 *    (X509_V_ERR_EE_KEY_TOO_SMALL); the auth level then covers the keys
 *    of the CAs and the signatures of every certificate but the trust
 *    anchor, whose own signature nobody relies on (RFC 8446 §4.4.2.2);
 *  - its keyUsage, when present, allows digitalSignature (RFC 8446
 *    §4.4.2.2, RFC 5280 §4.2.1.3): TLS 1.3 only ever signs with it. The
 *    SSL purpose check also takes keyEncipherment or keyAgreement, for
 *    TLS 1.2 key exchanges we do not have;
 *  - its extendedKeyUsage, when present, allows serverAuth for a server
 *    and clientAuth for a client (RFC 5280 §4.2.1.12). The purpose check
 *    also takes Netscape's and Microsoft's Server Gated Crypto for a
 *    server, and nsCertType; anyExtendedKeyUsage alone is refused by both.
 *
 * libcrypto reports no usage at all for a certificate whose extensions do
 * not decode (or repeat); that is a corrupt certificate, said first.
 *
 * Return: 0, or KTLS_E_ALERT_bad_certificate or
 * KTLS_E_ALERT_unsupported_certificate with *@why set.
 */
static int kx_leaf_policy(X509 *x, EVP_PKEY *key, bool peer_is_server,
			  unsigned int level, const char **why)
{
	uint32_t ku = X509_get_key_usage(x);		/* UINT32_MAX: none */
	uint32_t xku = X509_get_extended_key_usage(x);	/* UINT32_MAX: none */

	if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
		*why = kx_reason_for(X509_V_ERR_INVALID_EXTENSION);
		return KTLS_E_ALERT_bad_certificate;
	}
	if (level && EVP_PKEY_get_security_bits(key) < kx_level_bits[level]) {
		*why = kx_reason_for(X509_V_ERR_EE_KEY_TOO_SMALL);
		return KTLS_E_ALERT_unsupported_certificate;
	}
	if (!(ku & KU_DIGITAL_SIGNATURE)) {
		*why = "peer certificate keyUsage does not allow digitalSignature";
		return KTLS_E_ALERT_unsupported_certificate;
	}
	if (peer_is_server && !(xku & XKU_SSL_SERVER)) {
		*why = "server certificate extendedKeyUsage does not allow serverAuth";
		return KTLS_E_ALERT_unsupported_certificate;
	}
	if (!peer_is_server && !(xku & XKU_SSL_CLIENT)) {
		*why = "client certificate extendedKeyUsage does not allow clientAuth";
		return KTLS_E_ALERT_unsupported_certificate;
	}
	return 0;
}

/* d2i_X509 that insists on exactly @len bytes. */
static X509 *kx_d2i(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (!der || len == 0 || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/*
 * Have libcrypto decode and cache @x's extensions now, in this thread,
 * before other threads can see @x: the cache entry (or store) is then only
 * read concurrently, and the happens-before comes from our own lock rather
 * than from libcrypto's lock-free fast path. The result does not matter
 * here; verification looks at the flags it leaves.
 */
static void kx_precache(X509 *x)
{
	X509_check_purpose(x, -1, 0);
}

/* Are @t's caches on? Then the SHA-256 of each certificate is worked out. */
static bool kx_caching(const struct ktls_trust *t)
{
	return t && !t->cache_off && t->sha256;
}

/*
 * Parse @der, through @t's cache when @hash (its SHA-256) is given. Returns
 * a new reference (the caller frees it), or NULL when the bytes are not a
 * certificate.
 */
static X509 *kx_parse_cached(struct ktls_trust *t, const uint8_t *der,
			     size_t len, const uint8_t *hash)
{
	struct kx_cache_entry *e, *victim = NULL;
	uint8_t *copy = NULL;
	X509 *x = NULL;
	size_t i;

	if (!hash || !der || len == 0)
		return kx_d2i(der, len);

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < KX_CACHE_SIZE; i++) {
		e = &t->cache[i];
		if (e->used && e->len == len &&
		    memcmp(e->hash, hash, sizeof(e->hash)) == 0 &&
		    memcmp(e->der, der, len) == 0 && X509_up_ref(e->x509)) {
			e->used = ++t->clock;
			t->hits++;
			x = e->x509;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (x)
		return x;

	/* Parse without the lock: this is the slow part. */
	x = kx_d2i(der, len);
	if (!x)
		return NULL;
	kx_precache(x);
	copy = malloc(len);
	if (!copy || !X509_up_ref(x))
		goto out;
	memcpy(copy, der, len);

	pthread_mutex_lock(&t->lock);
	t->misses++;
	for (i = 0; i < KX_CACHE_SIZE; i++) {
		e = &t->cache[i];
		if (e->used && e->len == len &&
		    memcmp(e->hash, hash, sizeof(e->hash)) == 0 &&
		    memcmp(e->der, der, len) == 0) {
			/* Another thread got here first; keep its entry. */
			victim = NULL;
			break;
		}
		if (!victim || e->used < victim->used)
			victim = e;
	}
	if (victim) {
		free(victim->der);
		X509_free(victim->x509);
		memcpy(victim->hash, hash, sizeof(victim->hash));
		victim->der = copy;
		victim->len = len;
		victim->x509 = x;	/* the reference taken above */
		victim->used = ++t->clock;
		copy = NULL;
	} else {
		X509_free(x);		/* drop the reference meant for the cache */
	}
	pthread_mutex_unlock(&t->lock);
out:
	free(copy);
	return x;
}

/**
 * kx_trust_cache_stats() - parse-cache counters
 * @trust: the trust object
 * @hits: set to the number of certificates found in the cache
 * @misses: set to the number parsed and added
 */
void kx_trust_cache_stats(const struct ktls_trust *trust, uint64_t *hits,
			  uint64_t *misses)
{
	struct ktls_trust *t = (struct ktls_trust *)trust;

	pthread_mutex_lock(&t->lock);
	*hits = t->hits;
	*misses = t->misses;
	pthread_mutex_unlock(&t->lock);
}

/* An ASN1_TIME as seconds since the epoch. Return: false if it is not one. */
static bool kx_time(const ASN1_TIME *at, int64_t *out)
{
	struct tm tm;

	if (!at || !ASN1_TIME_to_tm(at, &tm))
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

/*
 * The key of a verdict: the purpose, the security level, the name (or its
 * absence) and the SHA-256 of each certificate in the order received,
 * hashed together with lengths so no two inputs run into each other. A
 * chain that verified at a lower level is another question.
 */
static bool kx_verified_key(const struct ktls_trust *t,
			    const uint8_t hashes[][32], size_t n,
			    const char *name, bool peer_is_server,
			    unsigned int level, uint8_t key[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t head[5];
	size_t name_len = name ? strlen(name) : 0;
	bool ok;

	if (!md)
		return false;
	head[0] = peer_is_server;
	head[1] = name != NULL;
	head[2] = (uint8_t)(name_len >> 8);
	head[3] = (uint8_t)name_len;
	head[4] = (uint8_t)level;
	ok = name_len <= 0xffff && EVP_DigestInit_ex(md, t->sha256, NULL) &&
	     EVP_DigestUpdate(md, head, sizeof(head)) &&
	     EVP_DigestUpdate(md, name ? name : "", name_len) &&
	     EVP_DigestUpdate(md, &(uint8_t){ (uint8_t)n }, 1) &&
	     EVP_DigestUpdate(md, hashes, n * 32) &&
	     EVP_DigestFinal_ex(md, key, NULL);
	EVP_MD_CTX_free(md);
	return ok;
}

/* Did the chain behind @key verify, in a window that holds @now? */
static bool kx_verified_find(struct ktls_trust *t, const uint8_t key[32],
			     int64_t now)
{
	bool hit = false;
	size_t i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < KX_VERIFIED_SIZE; i++) {
		struct kx_verified_entry *e = &t->verified[i];

		if (e->used && memcmp(e->key, key, sizeof(e->key)) == 0) {
			if (now >= e->from && now < e->until) {
				e->used = ++t->clock;
				hit = true;
			} else {
				e->used = 0;	/* out of its window: gone */
			}
			break;
		}
	}
	if (hit)
		t->verified_hits++;
	else
		t->verified_misses++;
	pthread_mutex_unlock(&t->lock);
	return hit;
}

/*
 * Remember that the chain behind @key verified at @now. The window is where
 * every certificate of the verified path (anchor included) and every CRL is
 * valid, cut to KX_VERIFIED_TTL from @now; a time we cannot read means the
 * verdict is not kept.
 */
static void kx_verified_add(struct ktls_trust *t, const uint8_t key[32],
			    X509_STORE_CTX *ctx, int64_t now)
{
	STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
	struct kx_verified_entry *victim = NULL;
	int64_t from = now, until = now + KX_VERIFIED_TTL, nb, na;
	int i;

	if (t->crl) {
		from = t->crl_from > from ? t->crl_from : from;
		until = t->crl_until < until ? t->crl_until : until;
	}
	if (!path || sk_X509_num(path) < 1)
		return;
	for (i = 0; i < sk_X509_num(path); i++) {
		X509 *x = sk_X509_value(path, i);

		if (!kx_time(X509_get0_notBefore(x), &nb) ||
		    !kx_time(X509_get0_notAfter(x), &na))
			return;
		if (nb > from)
			from = nb;
		if (na < until)
			until = na;
	}
	if (!(now >= from && now < until))
		return;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < KX_VERIFIED_SIZE; i++) {
		struct kx_verified_entry *e = &t->verified[i];

		if (e->used && memcmp(e->key, key, sizeof(e->key)) == 0) {
			victim = e;	/* another thread verified it too */
			break;
		}
		if (!victim || e->used < victim->used)
			victim = e;
	}
	memcpy(victim->key, key, sizeof(victim->key));
	victim->from = from;
	victim->until = until;
	victim->used = ++t->clock;
	pthread_mutex_unlock(&t->lock);
}

/**
 * kx_trust_verified_stats() - verified-chain cache counters
 * @trust: the trust object
 * @hits: set to the number of chains whose verdict was found
 * @misses: set to the number verified in full
 */
void kx_trust_verified_stats(const struct ktls_trust *trust, uint64_t *hits,
			     uint64_t *misses)
{
	struct ktls_trust *t = (struct ktls_trust *)trust;

	pthread_mutex_lock(&t->lock);
	*hits = t->verified_hits;
	*misses = t->verified_misses;
	pthread_mutex_unlock(&t->lock);
}

/**
 * kx_is_ip_literal() - is @name an IPv4 or IPv6 address literal?
 * @name: a peer name
 *
 * Return: true for dotted-quad IPv4 and RFC 4291 IPv6 text (no brackets, no
 * zone index); such names are not sent as SNI (RFC 6066 §3) and are checked
 * against IP SANs.
 */
bool kx_is_ip_literal(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (!name)
		return false;
	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

/* Set the name the leaf must carry. Return: 0 or KTLS_E_INVALID. */
static int kx_set_name(X509_VERIFY_PARAM *param, const char *name)
{
	char host[KTLS_MAX_SERVER_NAME + 1];
	size_t len = strlen(name);

	/* An empty host would switch the check off rather than fail it. */
	if (len == 0 || len > KTLS_MAX_SERVER_NAME)
		return KTLS_E_INVALID;
	if (kx_is_ip_literal(name))
		return X509_VERIFY_PARAM_set1_ip_asc(param, name) ?
			0 : KTLS_E_INVALID;

	/* A fully qualified "name." matches the SAN "name". */
	memcpy(host, name, len + 1);
	if (len > 1 && host[len - 1] == '.')
		host[--len] = '\0';
	/*
	 * DNS SANs only (RFC 9525 §6.3: no fallback to the subject CN), and
	 * a wildcard only as a whole left-most label (RFC 9525 §6.3,
	 * RFC 6125 §6.4.3): "*.example.com", never "w*.example.com".
	 */
	X509_VERIFY_PARAM_set_hostflags(param,
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
					X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
	return X509_VERIFY_PARAM_set1_host(param, host, len) ?
		0 : KTLS_E_INVALID;
}

/**
 * kx_verify_chain() - verify a peer's certificate chain
 * @trust: anchors (and CRLs); its parse cache is updated under its lock
 * @der, @der_len, @n: the chain as received, leaf first
 * @name: the name the leaf must carry (DNS or IP literal), or NULL
 * @peer_is_server: check the server-auth purpose (else client-auth)
 * @level: the security level; above KTLS_SECURITY_LEVEL_MAX counts as the
 *	maximum
 * @now: verification time (seconds since the epoch)
 * @leaf: set to the parsed leaf (caller frees with X509_free) on success
 *	and on verification failure when it parsed; may be NULL
 * @pub: set to the leaf public key (borrowed from @leaf); may be NULL
 * @reason: set to a static string explaining any failure; may be NULL
 *
 * Return: 0; KTLS_E_ALERT_bad_certificate (does not parse, bad signature,
 * name mismatch), _unknown_ca, _certificate_expired (also not yet valid),
 * _certificate_revoked, _unsupported_certificate (algorithm, a key or
 * digest below @level, keyUsage, extendedKeyUsage or purpose) or
 * _certificate_unknown (anything else, including a chain longer than
 * KTLS_MAX_CHAIN); KTLS_E_INVALID for bad arguments or an unusable @name,
 * KTLS_E_NOMEM or KTLS_E_INTERNAL when libcrypto fails us.
 */
int kx_verify_chain(const struct ktls_trust *trust, const uint8_t *const *der,
		    const size_t *der_len, size_t n, const char *name,
		    bool peer_is_server, unsigned int level, int64_t now,
		    X509 **leaf, EVP_PKEY **pub, const char **reason)
{
	/* Only the parse cache is written, under its lock. */
	struct ktls_trust *t = (struct ktls_trust *)trust;
	X509 *certs[KTLS_MAX_CHAIN] = { NULL };
	uint8_t hashes[KTLS_MAX_CHAIN][32];
	uint8_t vkey[32];
	bool caching, remember = false;
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	EVP_PKEY *key = NULL;
	const char *why = NULL;
	size_t i;
	int ret, verr;

	if (leaf)
		*leaf = NULL;
	if (pub)
		*pub = NULL;
	level = kx_level(level);
	if (!trust || !trust->store || (n && (!der || !der_len))) {
		ret = KTLS_E_INVALID;
		why = "invalid arguments to chain verification";
		goto out;
	}
	if (n == 0) {
		ret = KTLS_E_ALERT_bad_certificate;
		why = "empty certificate chain";
		goto out;
	}
	if (n > KTLS_MAX_CHAIN) {
		ret = KTLS_E_ALERT_certificate_unknown;
		why = "certificate chain longer than we accept";
		goto out;
	}
	caching = kx_caching(t);
	for (i = 0; caching && i < n; i++)
		if (!der[i] || der_len[i] == 0 ||
		    !EVP_Digest(der[i], der_len[i], hashes[i], NULL, t->sha256,
				NULL))
			caching = false;
	if (caching && !t->verified_off) {
		remember = kx_verified_key(t, hashes, n, name, peer_is_server,
					   level, vkey);
		/*
		 * The same bytes verified for this purpose, level and name,
		 * lately. The leaf's policy is checked again all the same.
		 */
		if (remember && kx_verified_find(t, vkey, now)) {
			certs[0] = kx_parse_cached(t, der[0], der_len[0],
						   hashes[0]);
			key = certs[0] ? X509_get0_pubkey(certs[0]) : NULL;
			if (key) {
				ret = kx_leaf_policy(certs[0], key,
						     peer_is_server, level,
						     &why);
				goto out;
			}
			/* It parsed and had a key before: verify in full. */
			X509_free(certs[0]);
			certs[0] = NULL;
		}
	}
	for (i = 0; i < n; i++) {
		certs[i] = kx_parse_cached(t, der[i], der_len[i],
					   caching ? hashes[i] : NULL);
		if (!certs[i]) {
			ret = KTLS_E_ALERT_bad_certificate;
			why = i == 0 ? "peer certificate does not parse" :
				"chain certificate does not parse";
			goto out;
		}
	}
	key = X509_get0_pubkey(certs[0]);
	if (!key) {
		ret = KTLS_E_ALERT_unsupported_certificate;
		why = "unsupported public key in peer certificate";
		goto out;
	}
	/* Cheap, and no issuer signature is worth checking if it fails. */
	ret = kx_leaf_policy(certs[0], key, peer_is_server, level, &why);
	if (ret)
		goto out;

	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx) {
		ret = KTLS_E_NOMEM;
		why = "out of memory";
		goto out;
	}
	/* The stack borrows: certs[] keeps the references. */
	for (i = 1; i < n; i++) {
		if (!sk_X509_push(untrusted, certs[i])) {
			ret = KTLS_E_NOMEM;
			why = "out of memory";
			goto out;
		}
	}
	if (!X509_STORE_CTX_init(ctx, trust->store, certs[0], untrusted)) {
		ret = KTLS_E_INTERNAL;
		why = "cannot set up certificate verification";
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)now);
	/* Intermediates beyond the leaf, not counting the trust anchor. */
	X509_VERIFY_PARAM_set_depth(param, KTLS_MAX_CHAIN - 1);
	if (!X509_STORE_CTX_set_purpose(ctx, peer_is_server ?
					X509_PURPOSE_SSL_SERVER :
					X509_PURPOSE_SSL_CLIENT)) {
		ret = KTLS_E_INTERNAL;
		why = "cannot set certificate purpose";
		goto out;
	}
	/*
	 * Every key of the path (the anchor's too) and every signature below
	 * the anchor at @level or better. Set on the context, not the store:
	 * connections with different levels may share one trust object.
	 */
	X509_VERIFY_PARAM_set_auth_level(param, (int)level);
	if (name) {
		ret = kx_set_name(param, name);
		if (ret) {
			why = "peer name cannot be checked";
			goto out;
		}
	}

	if (X509_verify_cert(ctx) == 1) {
		if (remember)
			kx_verified_add(t, vkey, ctx, now);
		ret = 0;
		goto out;
	}
	verr = X509_STORE_CTX_get_error(ctx);
	ret = kx_alert_for(verr);
	why = kx_reason_for(verr);
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	for (i = 1; i < KTLS_MAX_CHAIN; i++)
		X509_free(certs[i]);
	if (leaf && certs[0]) {
		*leaf = certs[0];
		if (pub)
			*pub = key;
	} else {
		X509_free(certs[0]);
	}
	if (ret)
		/* Hostile input must not pile up in this thread's queue. */
		ERR_clear_error();
	if (reason)
		*reason = ret ? why : NULL;
	return ret;
}

/**
 * kx_parse_leaf() - parse a leaf certificate without verifying it
 * @der, @len: the certificate
 * @leaf: set to the parsed certificate (caller frees with X509_free)
 * @pub: set to its public key (borrowed from @leaf)
 *
 * Used with KTLS_F_NO_VERIFY, where CertificateVerify still needs the key.
 *
 * Return: 0, KTLS_E_ALERT_bad_certificate when @der is not exactly one
 * certificate, or KTLS_E_ALERT_unsupported_certificate for a public key
 * libcrypto cannot use.
 */
int kx_parse_leaf(const uint8_t *der, size_t len, X509 **leaf, EVP_PKEY **pub)
{
	X509 *x;
	EVP_PKEY *key;

	*leaf = NULL;
	*pub = NULL;
	x = kx_d2i(der, len);
	if (!x) {
		ERR_clear_error();
		return KTLS_E_ALERT_bad_certificate;
	}
	key = X509_get0_pubkey(x);
	if (!key) {
		X509_free(x);
		ERR_clear_error();
		return KTLS_E_ALERT_unsupported_certificate;
	}
	*leaf = x;
	*pub = key;
	return 0;
}

/*
 * Credentials.
 */

static struct ktls_credential *kx_credential_new(void)
{
	return calloc(1, sizeof(struct ktls_credential));
}

/* Append @x's DER to @cred's chain. */
static int kx_credential_add(struct ktls_credential *cred, X509 *x)
{
	unsigned char *der = NULL;
	int len;

	if (cred->n_certs >= KTLS_MAX_CHAIN)
		return KTLS_E_INVALID;
	len = i2d_X509(x, &der);
	if (len <= 0)
		return KTLS_E_CRYPTO;
	/* Keep our own malloc'd copy so free() is the only free we use. */
	cred->der[cred->n_certs] = malloc((size_t)len);
	if (!cred->der[cred->n_certs]) {
		OPENSSL_free(der);
		return KTLS_E_NOMEM;
	}
	memcpy(cred->der[cred->n_certs], der, (size_t)len);
	cred->der_len[cred->n_certs] = (size_t)len;
	cred->n_certs++;
	OPENSSL_free(der);
	return 0;
}

/* The leaf's public key, and that @key (if any) is its private half. */
static int kx_credential_finish(struct ktls_credential *cred, X509 *leaf,
				EVP_PKEY *key)
{
	cred->pub = X509_get_pubkey(leaf);
	if (!cred->pub)
		return KTLS_E_NOKEY;
	if (key && X509_check_private_key(leaf, key) != 1)
		return KTLS_E_NOKEY;
	cred->key = key;
	cred->n_fit = kc_sig_schemes_for_key(cred->pub, cred->fit, KTLS_MAX_LIST);
	cred->sign_ctx = kc_sig_sign_ctx_new(key);
	return 0;
}

/* PEM callback that refuses: an encrypted key must not prompt on a tty. */
static int kx_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/*
 * Read a whole private key file into memory we can wipe (stdio buffers would
 * leave copies of the key in freed memory).
 */
static int kx_read_secret_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, ret;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return KTLS_E_IO;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > KX_MAX_KEY_FILE) {
		ret = KTLS_E_INVALID;
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = KTLS_E_IO;
			goto out;
		}
		got += (size_t)r;
	}
	*out = buf;
	*len = got;
	buf = NULL;
	ret = 0;
out:
	if (buf) {
		OPENSSL_cleanse(buf, (size_t)st.st_size);
		free(buf);
	}
	close(fd);
	return ret;
}

static int kx_load_pem_key(const char *key_file, EVP_PKEY **key)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int ret;

	*key = NULL;
	ret = kx_read_secret_file(key_file, &buf, &len);
	if (ret)
		goto out;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	*key = PEM_read_bio_PrivateKey(bio, NULL, kx_no_passphrase, NULL);
	ret = *key ? 0 : KTLS_E_NOKEY;
out:
	BIO_free(bio);
	if (buf) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	return ret;
}

/**
 * ktls_credential_load_pem() - load a certificate chain and private key
 * @cert_file: PEM chain, leaf first, at most KTLS_MAX_CHAIN certificates
 * @key_file: PEM private key (unencrypted), or NULL when signing happens
 *	elsewhere (ops->sign); the key type is then taken from the leaf
 * @out: set to the new credential (free with ktls_credential_free())
 *
 * Return: 0; KTLS_E_IO when a file cannot be read; KTLS_E_INVALID for a
 * file without certificates, a corrupt PEM block or too many certificates;
 * KTLS_E_NOKEY when the key cannot be read or does not match the leaf.
 */
int ktls_credential_load_pem(const char *cert_file, const char *key_file,
			     struct ktls_credential **out)
{
	struct ktls_credential *cred = NULL;
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	BIO *bio = NULL;
	X509 *x;
	unsigned long e;
	int ret;

	*out = NULL;
	if (!cert_file)
		return KTLS_E_INVALID;
	cred = kx_credential_new();
	if (!cred)
		return KTLS_E_NOMEM;
	bio = BIO_new_file(cert_file, "r");
	if (!bio) {
		ret = KTLS_E_IO;
		goto out;
	}
	for (;;) {
		x = PEM_read_bio_X509(bio, NULL, kx_no_passphrase, NULL);
		if (!x)
			break;
		ret = kx_credential_add(cred, x);
		if (!leaf)
			leaf = x;	/* kept for the key checks below */
		else
			X509_free(x);
		if (ret)
			goto out;
	}
	/* The loop ends at end of file, or at a block that does not parse. */
	e = ERR_peek_last_error();
	if (!leaf || ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		ret = KTLS_E_INVALID;
		goto out;
	}
	ERR_clear_error();
	if (key_file) {
		ret = kx_load_pem_key(key_file, &key);
		if (ret)
			goto out;
	}
	ret = kx_credential_finish(cred, leaf, key);
	if (ret)
		goto out;
	key = NULL;	/* now owned by cred */
	*out = cred;
	cred = NULL;
out:
	if (ret)
		ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(leaf);
	BIO_free(bio);
	ktls_credential_free(cred);
	return ret;
}

/* A private key as DER: the type-specific form or PKCS#8 PrivateKeyInfo. */
static EVP_PKEY *kx_d2i_key(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8;
	EVP_PKEY *key;

	if (len > LONG_MAX)
		return NULL;
	key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	if (key && p == der + len)
		return key;
	EVP_PKEY_free(key);

	p = der;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (!p8)
		return NULL;
	key = p == der + len ? EVP_PKCS82PKEY(p8) : NULL;
	PKCS8_PRIV_KEY_INFO_free(p8);
	return key;
}

/**
 * ktls_credential_from_der() - credential from one DER certificate and key
 * @cert, @cert_len: the certificate, as a kernel keyring holds it
 * @key, @key_len: the private key, DER in its type-specific form (RSA, EC)
 *	or PKCS#8 PrivateKeyInfo; NULL when signing happens elsewhere
 * @out: set to the new credential (free with ktls_credential_free())
 *
 * The caller still owns (and should wipe) @key.
 *
 * Return: 0; KTLS_E_INVALID when @cert is not one certificate; KTLS_E_NOKEY
 * when @key is not a private key or does not match the certificate.
 */
int ktls_credential_from_der(const uint8_t *cert, size_t cert_len,
			     const uint8_t *key, size_t key_len,
			     struct ktls_credential **out)
{
	struct ktls_credential *cred = NULL;
	EVP_PKEY *pkey = NULL;
	X509 *leaf = NULL;
	int ret;

	*out = NULL;
	leaf = kx_d2i(cert, cert_len);
	if (!leaf) {
		ret = KTLS_E_INVALID;
		goto out;
	}
	if (key) {
		pkey = kx_d2i_key(key, key_len);
		if (!pkey) {
			ret = KTLS_E_NOKEY;
			goto out;
		}
	}
	cred = kx_credential_new();
	if (!cred) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	ret = kx_credential_add(cred, leaf);
	if (ret)
		goto out;
	ret = kx_credential_finish(cred, leaf, pkey);
	if (ret)
		goto out;
	pkey = NULL;	/* now owned by cred */
	*out = cred;
	cred = NULL;
out:
	if (ret)
		ERR_clear_error();
	EVP_PKEY_free(pkey);
	X509_free(leaf);
	ktls_credential_free(cred);
	return ret;
}

/**
 * ktls_credential_free() - free a credential and its private key
 * @cred: the credential, or NULL
 *
 * libcrypto clears the private key's components as it frees them; the
 * struct itself is wiped too.
 */
void ktls_credential_free(struct ktls_credential *cred)
{
	size_t i;

	if (!cred)
		return;
	for (i = 0; i < cred->n_certs; i++)
		free(cred->der[i]);
	EVP_PKEY_CTX_free(cred->sign_ctx);
	EVP_PKEY_free(cred->key);
	EVP_PKEY_free(cred->pub);
	OPENSSL_cleanse(cred, sizeof(*cred));
	free(cred);
}

/**
 * ktls_credential_key() - the loaded private key
 * @cred: the credential
 *
 * Return: the key (borrowed), or NULL when signing happens elsewhere.
 */
struct evp_pkey_st *ktls_credential_key(const struct ktls_credential *cred)
{
	return cred ? cred->key : NULL;
}

/*
 * Trust.
 */

/* Add every certificate (and, when @crls, every CRL) in a PEM file. */
static int kx_store_add_pem(X509_STORE *store, const char *path, bool crls,
			    size_t *n_added)
{
	STACK_OF(X509_INFO) *infos = NULL;
	X509_INFO *info;
	BIO *bio;
	int i, ret = 0;

	*n_added = 0;
	bio = BIO_new_file(path, "r");
	if (!bio)
		return KTLS_E_IO;
	infos = PEM_X509_INFO_read_bio(bio, NULL, kx_no_passphrase, NULL);
	if (!infos) {
		ret = KTLS_E_INVALID;
		goto out;
	}
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		info = sk_X509_INFO_value(infos, i);
		if (!crls && info->x509) {
			kx_precache(info->x509);
			if (!X509_STORE_add_cert(store, info->x509)) {
				ret = KTLS_E_CRYPTO;
				goto out;
			}
			(*n_added)++;
		}
		if (crls && info->crl) {
			if (!X509_STORE_add_crl(store, info->crl)) {
				ret = KTLS_E_CRYPTO;
				goto out;
			}
			(*n_added)++;
		}
	}
	if (*n_added == 0)
		ret = KTLS_E_INVALID;
out:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	return ret;
}

/*
 * The window in which every CRL in @t's store is current: from the latest
 * lastUpdate to the earliest nextUpdate (none: no end). Return: false when
 * a time cannot be read.
 */
static bool kx_crl_window(struct ktls_trust *t)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(t->store);
	int64_t when;
	int i;

	t->crl_from = INT64_MIN;
	t->crl_until = INT64_MAX;
	for (i = 0; objs && i < sk_X509_OBJECT_num(objs); i++) {
		X509_CRL *crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objs, i));

		if (!crl)
			continue;
		if (!kx_time(X509_CRL_get0_lastUpdate(crl), &when))
			return false;
		if (when > t->crl_from)
			t->crl_from = when;
		if (!X509_CRL_get0_nextUpdate(crl))
			continue;
		if (!kx_time(X509_CRL_get0_nextUpdate(crl), &when))
			return false;
		if (when < t->crl_until)
			t->crl_until = when;
	}
	return true;
}

/**
 * ktls_trust_load() - trust anchors for peer verification
 * @ca_file: PEM bundle or NULL
 * @ca_dir: hashed directory (c_rehash / openssl rehash) or NULL
 * @crl_file: PEM CRLs checked for the whole chain, or NULL
 * @out: set to the new trust object (free with ktls_trust_free())
 *
 * With neither @ca_file nor @ca_dir, libcrypto's default locations (the
 * system trust store) are used. With @crl_file, every certificate of a
 * chain must be covered by a CRL of its issuer (X509_V_FLAG_CRL_CHECK_ALL).
 *
 * Return: 0; KTLS_E_IO when a file or the directory cannot be opened;
 * KTLS_E_INVALID when a file holds no certificate (no CRL for @crl_file).
 */
int ktls_trust_load(const char *ca_file, const char *ca_dir,
		    const char *crl_file, struct ktls_trust **out)
{
	struct ktls_trust *t;
	struct stat st;
	size_t n;
	int ret;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return KTLS_E_NOMEM;
	if (pthread_mutex_init(&t->lock, NULL)) {
		free(t);
		return KTLS_E_NOMEM;
	}
	t->store = X509_STORE_new();
	if (!t->store) {
		ret = KTLS_E_NOMEM;
		goto out;
	}
	/* Without SHA-256 the cache is off; verification works the same. */
	t->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);

	if (ca_file) {
		ret = kx_store_add_pem(t->store, ca_file, false, &n);
		if (ret)
			goto out;
	}
	if (ca_dir) {
		/* The lookup is lazy; find a missing directory now. */
		if (stat(ca_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			ret = KTLS_E_IO;
			goto out;
		}
		if (!X509_STORE_load_path(t->store, ca_dir)) {
			ret = KTLS_E_CRYPTO;
			goto out;
		}
	}
	if (!ca_file && !ca_dir && !X509_STORE_set_default_paths(t->store)) {
		ret = KTLS_E_CRYPTO;
		goto out;
	}
	if (crl_file) {
		ret = kx_store_add_pem(t->store, crl_file, true, &n);
		if (ret)
			goto out;
		X509_STORE_set_flags(t->store, X509_V_FLAG_CRL_CHECK |
				     X509_V_FLAG_CRL_CHECK_ALL);
		t->crl = true;
		/*
		 * A directory (ours or the system's) may add CRLs later, at
		 * lookup, whose windows we cannot know: no verdicts then.
		 */
		t->verified_off = ca_dir || !ca_file || !kx_crl_window(t);
	}
	*out = t;
	t = NULL;
	ret = 0;
out:
	if (ret)
		ERR_clear_error();
	ktls_trust_free(t);
	return ret;
}

/**
 * ktls_trust_free() - free a trust object and its parse cache
 * @trust: the trust object, or NULL; no connection may still use it
 */
void ktls_trust_free(struct ktls_trust *trust)
{
	size_t i;

	if (!trust)
		return;
	for (i = 0; i < KX_CACHE_SIZE; i++) {
		free(trust->cache[i].der);
		X509_free(trust->cache[i].x509);
	}
	EVP_MD_free(trust->sha256);
	X509_STORE_free(trust->store);
	pthread_mutex_destroy(&trust->lock);
	free(trust);
}

int ktls_credential_sign(const struct ktls_credential *cred, uint16_t scheme,
			 const uint8_t *tbs, size_t tbs_len, uint8_t *sig,
			 size_t *sig_len)
{
	if (!cred || !cred->key)
		return KTLS_E_NOKEY;
	if (!kc_sig_tls13_ok(scheme) || !kc_sig_fits_key(scheme, cred->key))
		return KTLS_E_INVALID;
	return kc_sig_sign(scheme, cred->key, tbs, tbs_len, sig, sig_len);
}

int ktls_credential_sign_cv(const struct ktls_credential *cred,
			    enum ktls_role role, uint16_t scheme,
			    const uint8_t *th, size_t th_len, uint8_t *sig,
			    size_t *sig_len)
{
	uint8_t tbs[64 + 34 + KC_MAX_HASH];
	size_t tbs_len, i;
	bool fits = false;
	int ret;

	if (!cred || !cred->key)
		return KTLS_E_NOKEY;
	/* Only a TLS 1.3 transcript hash: SHA-256 or SHA-384 (§B.4). */
	if (!th || (th_len != 32 && th_len != 48) ||
	    (role != KTLS_ROLE_CLIENT && role != KTLS_ROLE_SERVER))
		return KTLS_E_INVALID;
	for (i = 0; i < cred->n_fit; i++)
		fits |= cred->fit[i] == scheme;
	if (!fits || !kc_sig_tls13_ok(scheme) || !kc_sig_fits_key(scheme, cred->key))
		return KTLS_E_INVALID;
	tbs_len = kmsg_cv_tbs(role == KTLS_ROLE_SERVER, th, th_len, tbs);
	if (cred->sign_ctx)
		ret = kc_sig_sign_with(scheme, cred->sign_ctx, tbs, tbs_len, sig, sig_len);
	else
		ret = kc_sig_sign(scheme, cred->key, tbs, tbs_len, sig, sig_len);
	explicit_bzero(tbs, sizeof(tbs));
	return ret;
}

int ktls_credential_fingerprint(const struct ktls_credential *cred,
				uint8_t out[32])
{
	if (!cred || !cred->n_certs)
		return KTLS_E_INVALID;
	return kc_digest(KTLS_HASH_SHA256, cred->der[0], cred->der_len[0], out);
}
