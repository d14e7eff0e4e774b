// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shared fuzz fixture (see fixture.h): deterministic ops, the fixed
 * PKI, PSKs, the client and server configuration tables, and fx_drive(),
 * the I/O loop every engine target runs. Everything a recorded flight
 * depends on lives here, so mkcorpus and the targets cannot drift apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "conn.h"
#include "crypto.h"
#include "keysched.h"
#include "x509.h"

#include "fixture.h"

static void fx_die(const char *what)
{
	fprintf(stderr, "fuzz invariant broken: %s\n", what);
	abort();
}

/* ---- ops ---- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int fx_random(void *arg, uint8_t *buf, size_t len)
{
	struct fx_ctx *ctx = arg;
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = splitmix64(&ctx->rng);
		size_t n = len - i < 8 ? len - i : 8;

		memcpy(buf + i, &v, n);
	}
	return 0;
}

static int64_t fx_now(void *arg)
{
	return FX_NOW;
}

/* ops->sign: in-process, or remember the request and answer later. */
static int fx_sign(void *arg, const struct ktls_credential *cred,
		   uint16_t scheme, const uint8_t *tbs, size_t tbs_len,
		   uint8_t *sig, size_t *sig_len)
{
	struct fx_ctx *ctx = arg;

	if (!ctx->async_sign)
		return kc_sig_sign(scheme, ktls_credential_key(cred), tbs, tbs_len,
				   sig, sig_len);
	if (ctx->pending != FX_PENDING_NONE || tbs_len > sizeof(ctx->tbs))
		fx_die("ops->sign called while an operation is pending");
	ctx->pending = FX_PENDING_SIGN;
	ctx->cred = cred;
	ctx->scheme = scheme;
	memcpy(ctx->tbs, tbs, tbs_len);
	ctx->tbs_len = tbs_len;
	return KTLS_E_PENDING;
}

void fx_ctx_init(struct fx_ctx *ctx, uint64_t seed)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rng = seed;
	ctx->ops.ctx = ctx;
	ctx->ops.random = fx_random;
	ctx->ops.now = fx_now;
	ctx->ops.sign = fx_sign;
}

/* ---- PSKs ---- */

const struct ktls_psk fx_psks[2] = {
	{
		.identity = (const uint8_t *)"NVMe0R01 fuzz host subsys",
		.identity_len = 25,
		.key = (const uint8_t *)"0123456789abcdef0123456789abcdef",
		.key_len = 32,
		.hash = KTLS_HASH_SHA256,
		.tag = 256,
	},
	{
		.identity = (const uint8_t *)"fuzz-psk-384",
		.identity_len = 12,
		.key = (const uint8_t *)"fedcba9876543210fedcba9876543210fedcba9876543210",
		.key_len = 48,
		.hash = KTLS_HASH_SHA384,
		.tag = 384,
	},
};

static const struct ktls_psk *fx_psk_find(const uint8_t *id, size_t len)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (len == fx_psks[i].identity_len &&
		    !memcmp(id, fx_psks[i].identity, len))
			return &fx_psks[i];
	return NULL;
}

int fx_psk_lookup(void *arg, const uint8_t *id, size_t len,
		  struct ktls_psk *out)
{
	struct fx_ctx *ctx = arg;
	const struct ktls_psk *p;

	if (ctx->async_psk) {
		if (ctx->pending != FX_PENDING_NONE || len > sizeof(ctx->identity))
			fx_die("PSK lookup called while an operation is pending");
		ctx->pending = FX_PENDING_PSK;
		memcpy(ctx->identity, id, len);
		ctx->identity_len = len;
		return KTLS_E_PENDING;
	}
	p = fx_psk_find(id, len);
	if (!p)
		return KTLS_E_ALERT_unknown_psk_identity;
	*out = *p;
	return 0;
}

int fx_pending_complete(struct ktls_conn *c, struct fx_ctx *ctx)
{
	enum fx_pending what = ctx->pending;
	const struct ktls_psk *p;
	uint8_t sig[KC_MAX_SIG];
	size_t sig_len = sizeof(sig);
	int ret;

	ctx->pending = FX_PENDING_NONE;
	switch (what) {
	case FX_PENDING_SIGN:
		ret = kc_sig_sign(ctx->scheme, ktls_credential_key(ctx->cred),
				  ctx->tbs, ctx->tbs_len, sig, &sig_len);
		return ktls_signature_done(c, ret, ret ? NULL : sig,
					   ret ? 0 : sig_len);
	case FX_PENDING_PSK:
		p = fx_psk_find(ctx->identity, ctx->identity_len);
		return ktls_psk_lookup_done(c, p ? 0 : KTLS_E_ALERT_unknown_psk_identity,
					    p);
	default:
		return KTLS_E_INVALID;
	}
}

/* ---- PKI ---- */

EVP_PKEY *fx_key_raw(const char *type, uint8_t seed)
{
	uint8_t priv[57];
	size_t i, len = strcmp(type, "ED448") ? 32 : 57;

	for (i = 0; i < len; i++)
		priv[i] = (uint8_t)(seed * 131 + i * 7 + 1);
	return EVP_PKEY_new_raw_private_key_ex(NULL, type, NULL, priv, len);
}

static int fx_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

X509 *fx_cert_make(EVP_PKEY *pub, const char *cn, const char *san,
		   X509 *issuer, EVP_PKEY *issuer_key, long serial,
		   int64_t not_before, int64_t not_after, unsigned int flags)
{
	X509 *x = X509_new();
	X509_NAME *name;
	const EVP_MD *md = NULL;
	char eku[64] = "";
	int ok;

	if (!x)
		return NULL;
	name = X509_get_subject_name(x);
	ok = X509_set_version(x, 2) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
	     ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) &&
	     ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) &&
	     X509_set_pubkey(x, pub) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) &&
	     X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	if (ok && (flags & FX_CERT_CA))
		ok = fx_add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") &&
		     fx_add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	else if (ok)
		ok = fx_add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
	if (flags & FX_CERT_SERVER)
		strcat(eku, "serverAuth");
	if (flags & FX_CERT_CLIENT)
		strcat(eku, eku[0] ? ",clientAuth" : "clientAuth");
	if (ok && eku[0])
		ok = fx_add_ext(x, issuer, NID_ext_key_usage, eku);
	if (ok && san)
		ok = fx_add_ext(x, issuer, NID_subject_alt_name, san);
	if (ok)
		ok = fx_add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (ok && !EVP_PKEY_is_a(issuer_key, "ED25519") &&
	    !EVP_PKEY_is_a(issuer_key, "ED448"))
		md = EVP_sha256();
	if (ok)
		ok = X509_sign(x, issuer_key, md) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

uint8_t *fx_cert_der(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	if (n <= 0)
		return NULL;
	*len = (size_t)n;
	return der;	/* OPENSSL_malloc'ed: free with OPENSSL_free */
}

uint8_t *fx_key_der(EVP_PKEY *k, size_t *len)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
	unsigned char *der = NULL;
	int n;

	if (!p8)
		return NULL;
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (n <= 0)
		return NULL;
	*len = (size_t)n;
	return der;
}

static struct fx_pki pki;
static bool pki_ready;

/* A credential for a fresh certificate of @key, signed by the CA. */
static struct ktls_credential *fx_cred(EVP_PKEY *key, const char *cn,
				       const char *san, long serial)
{
	struct ktls_credential *cred = NULL;
	uint8_t *cder, *kder = NULL;
	size_t clen = 0, klen = 0;
	X509 *x;

	x = fx_cert_make(key, cn, san, pki.ca, pki.ca_key, serial, FX_NOT_BEFORE,
			 FX_NOT_AFTER, FX_CERT_SERVER | FX_CERT_CLIENT);
	cder = x ? fx_cert_der(x, &clen) : NULL;
	if (cder)
		kder = fx_key_der(key, &klen);
	if (kder && ktls_credential_from_der(cder, clen, kder, klen, &cred))
		cred = NULL;
	if (kder)
		OPENSSL_clear_free(kder, klen);
	OPENSSL_free(cder);
	X509_free(x);
	return cred;
}

/* ktls_trust_load() reads files: write the CA (and a CRL) to /tmp. */
static struct ktls_trust *fx_trust(bool with_crl)
{
	char ca_path[] = "/tmp/ktls-fuzz-ca-XXXXXX";
	char crl_path[] = "/tmp/ktls-fuzz-crl-XXXXXX";
	struct ktls_trust *t = NULL;
	X509_CRL *crl = NULL;
	X509_REVOKED *rev = NULL;
	ASN1_TIME *tm = NULL, *next = NULL;
	ASN1_INTEGER *serial = NULL;
	FILE *f;
	int fd, ok;

	fd = mkstemp(ca_path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	ok = f && PEM_write_X509(f, pki.ca);
	if (f)
		ok &= fclose(f) == 0;
	else
		close(fd);
	if (ok && with_crl) {
		crl = X509_CRL_new();
		rev = X509_REVOKED_new();
		serial = ASN1_INTEGER_new();
		tm = ASN1_TIME_set(NULL, FX_NOT_BEFORE);
		next = ASN1_TIME_set(NULL, FX_NOT_AFTER);
		ok = crl && rev && serial && tm && next &&
		     X509_CRL_set_version(crl, 1) &&
		     X509_CRL_set_issuer_name(crl, X509_get_subject_name(pki.ca)) &&
		     X509_CRL_set1_lastUpdate(crl, tm) &&
		     X509_CRL_set1_nextUpdate(crl, next) &&
		     ASN1_INTEGER_set(serial, FX_REVOKED_SERIAL) &&
		     X509_REVOKED_set_serialNumber(rev, serial) &&
		     X509_REVOKED_set_revocationDate(rev, tm) &&
		     X509_CRL_add0_revoked(crl, rev);
		if (ok)
			rev = NULL;	/* owned by the CRL */
		ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, pki.ca_key, NULL);
		fd = ok ? mkstemp(crl_path) : -1;
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		ok = f && PEM_write_X509_CRL(f, crl);
		if (f)
			ok &= fclose(f) == 0;
		else if (fd >= 0)
			close(fd);
	}
	if (ok && ktls_trust_load(ca_path, NULL, with_crl ? crl_path : NULL, &t))
		t = NULL;
	if (t)
		t->cache_off = true;	/* each input on its own */
	unlink(ca_path);
	if (with_crl)
		unlink(crl_path);
	X509_REVOKED_free(rev);
	X509_CRL_free(crl);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(tm);
	ASN1_TIME_free(next);
	return t;
}

const struct fx_pki *fx_pki_get(void)
{
	EVP_PKEY *k;

	if (pki_ready)
		return &pki;
	pki.ca_key = fx_key_raw("ED25519", 1);
	if (!pki.ca_key)
		goto fail;
	pki.ca = fx_cert_make(pki.ca_key, "Fuzz CA", NULL, NULL, pki.ca_key, 1,
			      FX_NOT_BEFORE, FX_NOT_AFTER, FX_CERT_CA);
	if (!pki.ca)
		goto fail;
	pki.trust = fx_trust(false);
	pki.trust_crl = fx_trust(true);

	k = fx_key_raw("ED25519", 2);
	pki.srv_ed25519 = k ? fx_cred(k, FX_SERVER_NAME,
				      "DNS:" FX_SERVER_NAME ",IP:127.0.0.1", 2) : NULL;
	EVP_PKEY_free(k);
	k = fx_key_raw("ED448", 3);
	pki.srv_ed448 = k ? fx_cred(k, FX_SERVER_NAME,
				    "DNS:" FX_SERVER_NAME ",IP:127.0.0.1", 3) : NULL;
	EVP_PKEY_free(k);
	k = fx_key_raw("ED25519", 4);
	pki.cli_ed25519 = k ? fx_cred(k, "client.test", "DNS:client.test", 4) : NULL;
	EVP_PKEY_free(k);
	if (!pki.trust || !pki.trust_crl || !pki.srv_ed25519 || !pki.srv_ed448 ||
	    !pki.cli_ed25519)
		goto fail;
	pki_ready = true;
	return &pki;
fail:
	ERR_print_errors_fp(stderr);
	fx_pki_free();
	return NULL;
}

void fx_pki_free(void)
{
	ktls_credential_free(pki.srv_ed25519);
	ktls_credential_free(pki.srv_ed448);
	ktls_credential_free(pki.cli_ed25519);
	ktls_trust_free(pki.trust);
	ktls_trust_free(pki.trust_crl);
	X509_free(pki.ca);
	EVP_PKEY_free(pki.ca_key);
	memset(&pki, 0, sizeof(pki));
	pki_ready = false;
}

/* ---- configurations ---- */

#define LIST(dst, n, ...)                                                   \
	do {                                                                \
		static const uint16_t l_[] = { __VA_ARGS__ };               \
		memcpy(dst, l_, sizeof(l_));                                \
		n = sizeof(l_) / sizeof(l_[0]);                             \
	} while (0)

static struct fx_client_variant cvars[CV_COUNT];
static struct fx_server_variant svars[SV_COUNT];
static struct ktls_credential *extra_creds[SV_COUNT];
static bool vars_ready;

static void client_variants(void)
{
	struct fx_client_variant *v;
	size_t i;

	for (i = 0; i < CV_COUNT; i++) {
		v = &cvars[i];
		ktls_config_init(&v->cfg);
		v->cfg.trust = pki.trust;
		v->cfg.cred = pki.cli_ed25519;
		v->peer_name = FX_SERVER_NAME;
	}
	cvars[CV_DEFAULT].name = "default";

	v = &cvars[CV_AES256_P384];
	v->name = "aes256-p384";
	LIST(v->cfg.suites, v->cfg.n_suites, KTLS_AES_256_GCM_SHA384);
	LIST(v->cfg.groups, v->cfg.n_groups, KTLS_GROUP_SECP384R1);

	v = &cvars[CV_CHACHA_COMPAT];
	v->name = "chacha-compat";
	LIST(v->cfg.suites, v->cfg.n_suites, KTLS_CHACHA20_POLY1305_SHA256);
	LIST(v->cfg.groups, v->cfg.n_groups, KTLS_GROUP_X25519, KTLS_GROUP_SECP256R1);
	v->cfg.flags |= KTLS_F_COMPAT_CCS;

	v = &cvars[CV_CCM_X448_ALPN];
	v->name = "ccm-x448-alpn-rsl";
	LIST(v->cfg.suites, v->cfg.n_suites, KTLS_AES_128_CCM_SHA256);
	LIST(v->cfg.groups, v->cfg.n_groups, KTLS_GROUP_X448);
	v->cfg.alpn = "h2,http/1.1";
	v->cfg.record_size_limit = 1024;

	v = &cvars[CV_PSK_DHE];
	v->name = "psk-dhe";
	v->n_psks = 2;

	v = &cvars[CV_PSK_KE];
	v->name = "psk-ke";
	v->n_psks = 2;
	v->cfg.flags |= KTLS_F_PSK_ONLY_KE | KTLS_F_PSK_KE;

	v = &cvars[CV_NO_CERT];
	v->name = "no-client-cert";
	v->cfg.cred = NULL;

	v = &cvars[CV_NO_VERIFY];
	v->name = "no-verify-two-shares";
	v->cfg.flags |= KTLS_F_NO_VERIFY;
	v->cfg.trust = NULL;
	v->cfg.key_shares = 2;
	v->peer_name = NULL;

	v = &cvars[CV_IP_NAME];
	v->name = "ip-name-p521";
	v->peer_name = "127.0.0.1";
	LIST(v->cfg.groups, v->cfg.n_groups, KTLS_GROUP_SECP521R1, KTLS_GROUP_X25519);
}

/* A random-key leaf for recording only (not deterministic). */
static struct ktls_credential *recording_cred(int which)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *kc;
	struct ktls_credential *cred;

	switch (which) {
	case SV_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case SV_P384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case SV_RSA:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case SV_RSA_PSS:
		kc = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
		if (kc && EVP_PKEY_keygen_init(kc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_keygen_bits(kc, 2048) == 1)
			EVP_PKEY_keygen(kc, &k);
		EVP_PKEY_CTX_free(kc);
		break;
	}
	if (!k)
		return NULL;
	cred = fx_cred(k, FX_SERVER_NAME, "DNS:" FX_SERVER_NAME ",IP:127.0.0.1",
		       100 + which);
	EVP_PKEY_free(k);
	return cred;
}

static int server_variants(bool recording)
{
	static const char *const names[SV_COUNT] = {
		[SV_DEFAULT] = "default",
		[SV_HRR_COOKIE] = "hrr-cookie-p256",
		[SV_REQUIRE_384] = "require-cert-aes256",
		[SV_ED448_ASYNC] = "ed448-psk-ke-async",
		[SV_RSL_ALPN] = "no-cr-rsl-alpn",
		[SV_HRR_X448] = "hrr-x448",
		[SV_P256] = "ecdsa-p256",
		[SV_RSA] = "rsa-pss-rsae",
		[SV_RSA_PSS] = "rsa-pss-pss",
		[SV_P384] = "ecdsa-p384",
	};
	struct fx_server_variant *v;
	size_t i;

	for (i = 0; i < SV_COUNT; i++) {
		v = &svars[i];
		v->name = names[i];
		v->replayable = i < SV_REPLAYABLE;
		ktls_config_init(&v->cfg);
		v->cfg.cred = pki.srv_ed25519;
		v->cfg.trust = pki.trust;
		v->cfg.psk_lookup = fx_psk_lookup;
		v->cfg.flags = KTLS_F_REQUEST_CLIENT_CERT;
		v->cfg.alpn = "http/1.1,h2";
		if (!v->replayable && recording) {
			extra_creds[i] = recording_cred((int)i);
			if (!extra_creds[i])
				return -1;
			v->cfg.cred = extra_creds[i];
		}
	}

	v = &svars[SV_HRR_COOKIE];
	LIST(v->cfg.groups, v->cfg.n_groups, KTLS_GROUP_SECP256R1, KTLS_GROUP_SECP384R1);
	v->cfg.flags |= KTLS_F_HRR_COOKIE;

	v = &svars[SV_REQUIRE_384];
	LIST(v->cfg.suites, v->cfg.n_suites, KTLS_AES_256_GCM_SHA384,
	     KTLS_AES_128_GCM_SHA256);
	v->cfg.flags |= KTLS_F_REQUIRE_CLIENT_CERT;

	v = &svars[SV_ED448_ASYNC];
	v->cfg.cred = pki.srv_ed448;
	v->cfg.flags |= KTLS_F_PSK_KE;
	v->async_sign = true;
	v->async_psk = true;

	v = &svars[SV_RSL_ALPN];
	v->cfg.flags = 0;
	v->cfg.record_size_limit = 2048;
	v->cfg.alpn = "h2";

	v = &svars[SV_HRR_X448];
	LIST(v->cfg.groups, v->cfg.n_groups, KTLS_GROUP_X448);
	return 0;
}

int fx_variants_init(bool recording)
{
	if (vars_ready)
		return 0;
	if (!fx_pki_get())
		return -1;
	client_variants();
	if (server_variants(recording))
		return -1;
	vars_ready = true;
	return 0;
}

size_t fx_client_variant_count(void)
{
	return CV_COUNT;
}

const struct fx_client_variant *fx_client_variant(size_t i)
{
	return &cvars[i % CV_COUNT];
}

size_t fx_server_variant_count(void)
{
	return SV_COUNT;
}

size_t fx_server_replayable_count(void)
{
	return SV_REPLAYABLE;
}

const struct fx_server_variant *fx_server_variant(size_t i)
{
	return &svars[i % SV_COUNT];
}

struct ktls_conn *fx_client_new(const struct fx_client_variant *v,
				struct fx_ctx *ctx)
{
	struct ktls_conn *c;
	size_t n = v->n_psks;

	ctx->cfg = v->cfg;
	ctx->role = KTLS_ROLE_CLIENT;
	ctx->check_auth = !(v->cfg.flags & KTLS_F_NO_VERIFY);
	if (ktls_conn_new(&ctx->cfg, &ctx->ops, KTLS_ROLE_CLIENT, &c))
		return NULL;
	if ((v->peer_name && ktls_conn_set_peer_name(c, v->peer_name)) ||
	    (n && ktls_conn_set_psks(c, fx_psks, n))) {
		ktls_conn_free(c);
		return NULL;
	}
	if (ktls_start(c)) {
		/* The failure shows in ktls_status(); the caller carries on. */
	}
	return c;
}

struct ktls_conn *fx_server_new(const struct fx_server_variant *v,
				struct fx_ctx *ctx)
{
	struct ktls_conn *c;

	ctx->cfg = v->cfg;
	ctx->cfg.psk_lookup_arg = ctx;
	ctx->role = KTLS_ROLE_SERVER;
	ctx->async_sign = v->async_sign;
	ctx->async_psk = v->async_psk;
	ctx->check_auth = v->cfg.flags & KTLS_F_REQUIRE_CLIENT_CERT;
	if (!v->async_sign)
		ctx->ops.sign = NULL;	/* the engine signs in-process */
	if (ktls_conn_new(&ctx->cfg, &ctx->ops, KTLS_ROLE_SERVER, &c))
		return NULL;
	if (ktls_start(c)) {
		ktls_conn_free(c);
		return NULL;
	}
	return c;
}

void fx_check_errors(void)
{
	if (ERR_peek_error()) {
		ERR_print_errors_fp(stderr);
		fx_die("libcrypto errors left in the queue");
	}
}

int fx_replay(enum ktls_role role, size_t variant, const uint8_t *data,
	      size_t len, uint8_t chunk_mode, bool records)
{
	struct fx_ctx ctx;
	struct ktls_conn *c;
	int done;

	if (role == KTLS_ROLE_CLIENT) {
		fx_ctx_init(&ctx, FX_CLIENT_SEED);
		c = fx_client_new(fx_client_variant(variant), &ctx);
	} else {
		fx_ctx_init(&ctx, FX_SERVER_SEED);
		c = fx_server_new(fx_server_variant(variant), &ctx);
	}
	if (!c)
		return -1;
	fx_drive(c, &ctx, data, len, chunk_mode, records);
	done = (ktls_status(c) & KTLS_DONE) ? 1 : 0;
	ktls_conn_free(c);
	return done;
}

void fx_fuzz_input(enum ktls_role role, const uint8_t *data, size_t size)
{
	size_t n = role == KTLS_ROLE_CLIENT ? fx_client_variant_count()
					    : fx_server_replayable_count();

	if (size < 2)
		return;
	if (fx_replay(role, (data[0] & 0x7f) % n, data + 2, size - 2, data[1],
		      data[0] & 0x80) < 0)
		abort();
	fx_check_errors();
}

/* ---- the I/O loop ---- */

unsigned int fx_touch(const void *p, size_t len)
{
	const volatile uint8_t *b = p;
	unsigned int sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += b[i];
	return sum;
}

struct fx_chunker {
	uint8_t mode;
	uint32_t state;
};

static size_t next_chunk(struct fx_chunker *ch)
{
	if (ch->mode == 0)
		return SIZE_MAX;
	if (ch->mode < 128)
		return ch->mode;
	/* xorshift32 */
	ch->state ^= ch->state << 13;
	ch->state ^= ch->state >> 17;
	ch->state ^= ch->state << 5;
	return 1 + ch->state % 512;
}

static void drain(struct ktls_conn *c)
{
	size_t n;
	const uint8_t *p = ktls_output(c, &n);

	fx_touch(p, n);
	ktls_output_ack(c, n);
}

/* Invariants of a finished handshake. */
static void check_done(struct ktls_conn *c, struct fx_ctx *ctx)
{
	struct ktls_traffic_keys k;
	struct ktls_result r;

	ktls_get_result(c, &r);
	if (r.version != KTLS_VERSION_TLS13 || r.error)
		fx_die("DONE without TLS 1.3, or with an error");
	if (ctx->check_auth && !r.psk && !(r.peer_cert && r.peer_verified))
		fx_die("DONE without authenticating the peer");
	if (r.psk && ctx->role == KTLS_ROLE_CLIENT &&
	    !(r.psk_tag == fx_psks[0].tag || r.psk_tag == fx_psks[1].tag))
		fx_die("client used a PSK it did not offer");
	if (ktls_get_traffic_keys(c, KTLS_TX, &k))
		fx_die("no TX keys when DONE");
	ktls_traffic_keys_wipe(&k);
	if (ktls_get_traffic_keys(c, KTLS_RX, &k))
		fx_die("no RX keys when DONE");
	ktls_traffic_keys_wipe(&k);
}

/* After the input: the post-handshake calls, or end of stream. */
static void finish(struct ktls_conn *c, struct fx_ctx *ctx)
{
	static const uint8_t data[300] = { 'f', 'u', 'z', 'z' };
	struct ktls_result r;
	unsigned int st = ktls_status(c);
	size_t used, n;
	uint8_t *space;

	if (st & KTLS_DONE) {
		check_done(c, ctx);
		if (!ktls_app_write(c, data, sizeof(data), &used))
			drain(c);
		if (!ktls_key_update(c, true))
			drain(c);
		if (!ktls_close(c))
			drain(c);
	} else if (!(st & (KTLS_FAILED | KTLS_PENDING))) {
		space = ktls_input_space(c, &n);
		if (space && ktls_input_ack(c, 0) != KTLS_E_CLOSED &&
		    !(ktls_status(c) & KTLS_FAILED))
			fx_die("end of stream mid-handshake did not fail");
		drain(c);
	}
	ktls_get_result(c, &r);
	fx_touch(ktls_error_detail(c), strlen(ktls_error_detail(c)));
	fx_touch(r.alpn, strlen(r.alpn));
	if (r.psk_identity_len > sizeof(r.psk_identity))
		fx_die("PSK identity length out of range");
	ktls_peer_certificate(c);
}

/*
 * Records mode: the input is a list of plaintext records, [type][u16
 * length][data], which we seal the way the peer would, with the secret and
 * sequence number @c reads with at that moment. Type bit 7 sends the record
 * as it is (no protection, type & 0x7f); otherwise, once @c reads
 * protected records, type & 0x1f is the inner content type and bits 5-6
 * ask for 0, 7, 14 or 21 bytes of zero padding.
 */
static uint8_t rec_buf[KTLS_RECORD_HEADER + 0xffff];

/* The traffic secret of the peer's writes, which @c reads with now. */
static const uint8_t *read_secret(const struct ktls_conn *c)
{
	bool ap = c->state == KSM_CONNECTED;

	if (c->role == KTLS_ROLE_CLIENT)
		return ap ? c->s_ap : c->s_hs;
	return ap ? c->c_ap : c->c_hs;
}

static size_t seal_record(const struct ktls_conn *c, uint8_t type,
			  const uint8_t *data, size_t n, size_t pad)
{
	uint8_t key[KC_MAX_KEY], iv[KC_IV_LEN];
	size_t key_len, body;
	struct kc_aead a;
	int ret;

	if (n + 1 + pad + KC_TAG_LEN > 0xffff)
		n = 0xffff - 1 - pad - KC_TAG_LEN;
	body = n + 1 + pad + KC_TAG_LEN;
	rec_buf[0] = KTLS_CT_APPLICATION_DATA;
	rec_buf[1] = 3;
	rec_buf[2] = 3;
	rec_buf[3] = (uint8_t)(body >> 8);
	rec_buf[4] = (uint8_t)body;
	memcpy(rec_buf + KTLS_RECORD_HEADER, data, n);
	rec_buf[KTLS_RECORD_HEADER + n] = type;
	memset(rec_buf + KTLS_RECORD_HEADER + n + 1, 0, pad);
	memset(&a, 0, sizeof(a));
	ret = ks_traffic_keys(c->hash, c->suite, read_secret(c), key, &key_len, iv);
	if (!ret)
		ret = kc_aead_init(&a, c->suite, key, iv, true);
	a.seq = c->rd.seq;
	if (!ret)
		ret = kc_aead_seal(&a, rec_buf, KTLS_RECORD_HEADER,
				   rec_buf + KTLS_RECORD_HEADER, n + 1 + pad,
				   rec_buf + KTLS_RECORD_HEADER);
	kc_aead_clear(&a);
	kc_wipe(key, sizeof(key));
	if (ret)
		fx_die("cannot seal a record with the reader's keys");
	return KTLS_RECORD_HEADER + body;
}

/* Turn the next plaintext record of the input into wire bytes. */
static size_t next_record(const struct ktls_conn *c, const uint8_t *data,
			  size_t len, size_t *pos)
{
	size_t n, left;
	uint8_t type;

	type = data[(*pos)++];
	left = len - *pos;
	if (left >= 2) {
		n = (size_t)data[*pos] << 8 | data[*pos + 1];
		*pos += 2;
		left -= 2;
	} else {
		n = left;
		*pos += left;
		left = 0;
	}
	if (n > left)
		n = left;
	data += *pos;
	*pos += n;
	if ((type & 0x80) || !c->rd_protected) {
		rec_buf[0] = type & 0x7f;
		rec_buf[1] = 3;
		rec_buf[2] = 3;
		rec_buf[3] = (uint8_t)(n >> 8);
		rec_buf[4] = (uint8_t)n;
		memcpy(rec_buf + KTLS_RECORD_HEADER, data, n);
		return KTLS_RECORD_HEADER + n;
	}
	return seal_record(c, type & 0x1f, data, n, ((type >> 5) & 3) * 7);
}

void fx_drive(struct ktls_conn *c, struct fx_ctx *ctx, const uint8_t *data,
	      size_t len, uint8_t chunk_mode, bool records)
{
	struct fx_chunker ch = { chunk_mode, 0x9e3779b9u ^ chunk_mode };
	size_t pos = 0, rec_len = 0, rec_pos = 0, steps;
	bool done_seen = false;

	for (steps = 0;; steps++) {
		unsigned int st = ktls_status(c);
		const uint8_t *src, *app;
		size_t n, avail, used = 0;
		int ret;

		/* Every step consumes input or makes other progress. */
		if (steps > 64 * len + 1000)
			fx_die("no progress");
		if (st & KTLS_HAS_OUTPUT) {
			drain(c);
			continue;
		}
		if ((st & KTLS_DONE) && !done_seen) {
			done_seen = true;
			check_done(c, ctx);
		}
		if (st & KTLS_PENDING) {
			if (ctx->pending == FX_PENDING_NONE)
				fx_die("KTLS_PENDING without an outstanding operation");
			ret = fx_pending_complete(c, ctx);
			(void)ret;	/* failure shows in the status */
			continue;
		}
		if (st & KTLS_APP_DATA) {
			app = ktls_app_read(c, &n);
			if (!app || !n)
				fx_die("KTLS_APP_DATA without data");
			fx_touch(app, n);
			/* Half, then the rest: both consume paths. */
			ktls_app_consume(c, n / 2);
			app = ktls_app_read(c, &n);
			fx_touch(app, n);
			ktls_app_consume(c, n);
			continue;
		}
		if (st & KTLS_FAILED)
			break;
		if (records) {
			/* Seal the next record only now: keys may just have changed. */
			if (rec_pos == rec_len) {
				if (pos == len)
					break;
				rec_len = next_record(c, data, len, &pos);
				rec_pos = 0;
			}
			src = rec_buf + rec_pos;
			avail = rec_len - rec_pos;
		} else {
			if (pos == len)
				break;
			src = data + pos;
			avail = len - pos;
		}
		n = next_chunk(&ch);
		if (n > avail)
			n = avail;
		ret = ktls_input(c, src, n, &used);
		(void)ret;	/* failure shows in the status */
		if (used > n)
			fx_die("ktls_input used more than it was given");
		if (records)
			rec_pos += used;
		else
			pos += used;
		if (used == 0 &&
		    !(ktls_status(c) & (KTLS_HAS_OUTPUT | KTLS_PENDING | KTLS_APP_DATA)))
			break;	/* the engine takes no more (peer closed) */
	}
	finish(c, ctx);
}
