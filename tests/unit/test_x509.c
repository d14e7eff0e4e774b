// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for x509.c: chain verification and the alert each failure
 * gives, the name check (exact, wildcard, IP literals), credential loading
 * from PEM files and keyring-style DER, trust loading, and the parse cache.
 * Every certificate is built at test time with libcrypto's X509 API, so the
 * tests need neither the openssl binary nor files checked into the tree.
 */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ktls/ktls.h>

#include "x509.h"

/* The verification time every test uses (2025-06-15). */
#define NOW ((int64_t)1750000000)
#define DAY ((int64_t)86400)

/* The level libktls verifies at unless told otherwise. */
#define LEVEL KTLS_SECURITY_LEVEL_DEFAULT

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct cert {
	X509 *x;
	EVP_PKEY *key;
	uint8_t *der;
	size_t len;
};

static struct {
	char dir[512];
	struct cert ca;		/* P-256 root, the trust anchor */
	struct cert inter;	/* P-384 intermediate under ca */
	struct cert other_ca;	/* P-256 root nobody trusts */
	struct cert server;	/* P-256: server.test, 127.0.0.1, ::1 */
	struct cert p384;	/* P-384 server leaf */
	struct cert rsa;	/* RSA-2048 server leaf under inter */
	struct cert ed;		/* Ed25519 server leaf */
	struct cert wild;	/* *.wild.test */
	struct cert partial;	/* w*.part.test */
	struct cert expired;
	struct cert future;
	struct cert unknown;	/* under other_ca */
	struct cert self;	/* self-signed leaf */
	struct cert revoked;	/* listed in the CRL */
	struct cert client;	/* clientAuth only */
	struct cert iponly;	/* IP:10.0.0.1 only */
	struct cert dnsip;	/* DNS:127.0.0.2 (a DNS SAN that looks like an IP) */
	struct cert cnonly;	/* CN=cn.test, no SAN */
	/* The certificate policy: each leaf allows both roles unless noted. */
	struct cert rsa1024;	/* RSA-1024 leaf (80 bits) */
	struct cert sha1;	/* P-256 leaf the root signed with SHA-1 */
	struct cert sha1_inter;	/* P-256 intermediate signed with SHA-1 */
	struct cert under_sha1;	/* P-256 leaf under sha1_inter, SHA-256 */
	struct cert weak_inter;	/* RSA-1024 intermediate */
	struct cert under_weak;	/* P-256 leaf under weak_inter */
	struct cert kuenc;	/* RSA-2048, keyUsage keyEncipherment only */
	struct cert kuagree;	/* P-256, keyUsage keyAgreement only */
	struct cert noext;	/* neither keyUsage nor extendedKeyUsage */
	struct cert kuds;	/* keyUsage digitalSignature, no EKU */
	struct cert both;	/* EKU serverAuth and clientAuth */
	struct cert anyeku;	/* EKU anyExtendedKeyUsage only */
	struct cert dupext;	/* two subjectAltName extensions */
	uint8_t *badsig;	/* server with a corrupted signature */
	size_t badsig_len;
	char ca_pem[PATH_MAX];
	char crl_pem[PATH_MAX];
	char hashdir[1024];
	struct ktls_trust *trust;
	struct ktls_trust *trust_crl;
} fx;

static EVP_PKEY *gen_key(const char *type)
{
	if (strcmp(type, "RSA") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (strcmp(type, "RSA1024") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	if (strcmp(type, "ED25519") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", type);
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1))
		abort();
	X509_EXTENSION_free(ext);
}

static const EVP_MD *md_for(EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256();
}

static void set_der(struct cert *c)
{
	unsigned char *der = NULL;
	int len = i2d_X509(c->x, &der);

	if (len <= 0)
		abort();
	c->der = der;
	c->len = (size_t)len;
}

/*
 * Build a certificate. @issuer NULL means self-signed. @san and @eku may be
 * NULL. A CA gets basicConstraints CA:TRUE and, unless @ku says otherwise,
 * keyCertSign/cRLSign; a leaf gets digitalSignature (@ku "" for no
 * keyUsage at all). The issuer signs with @md, or SHA-256 when NULL.
 */
static void make_cert_ku(struct cert *c, const char *keytype, const char *cn,
			 const struct cert *issuer, long serial, int64_t nb,
			 int64_t na, bool ca, const char *san, const char *eku,
			 const char *ku, const EVP_MD *md)
{
	X509_NAME *name;
	EVP_PKEY *signer;

	c->key = gen_key(keytype);
	c->x = X509_new();
	if (!c->key || !c->x)
		abort();
	X509_set_version(c->x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(c->x), serial);
	ASN1_TIME_set(X509_getm_notBefore(c->x), (time_t)nb);
	ASN1_TIME_set(X509_getm_notAfter(c->x), (time_t)na);
	X509_set_pubkey(c->x, c->key);
	name = X509_get_subject_name(c->x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c->x, issuer ? X509_get_subject_name(issuer->x) :
			     name);
	add_ext(c->x, issuer ? issuer->x : NULL, NID_subject_key_identifier,
		"hash");
	add_ext(c->x, issuer ? issuer->x : NULL, NID_authority_key_identifier,
		"keyid:always");
	if (!ku)
		ku = ca ? "critical,keyCertSign,cRLSign" :
			  "critical,digitalSignature";
	add_ext(c->x, NULL, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ku[0])
		add_ext(c->x, NULL, NID_key_usage, ku);
	if (eku)
		add_ext(c->x, NULL, NID_ext_key_usage, eku);
	if (san)
		add_ext(c->x, NULL, NID_subject_alt_name, san);
	signer = issuer ? issuer->key : c->key;
	if (!X509_sign(c->x, signer, md ? md : md_for(signer)))
		abort();
	set_der(c);
}

static void make_cert(struct cert *c, const char *keytype, const char *cn,
		      const struct cert *issuer, long serial, int64_t nb,
		      int64_t na, bool ca, const char *san, const char *eku)
{
	make_cert_ku(c, keytype, cn, issuer, serial, nb, na, ca, san, eku,
		     NULL, NULL);
}

static void leaf(struct cert *c, const char *keytype, const char *cn,
		 const struct cert *issuer, long serial, const char *san,
		 const char *eku)
{
	make_cert(c, keytype, cn, issuer, serial, NOW - 30 * DAY,
		  NOW + 365 * DAY, false, san, eku);
}

static void free_cert(struct cert *c)
{
	X509_free(c->x);
	EVP_PKEY_free(c->key);
	OPENSSL_free(c->der);
	memset(c, 0, sizeof(*c));
}

static void path_in(char *out, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", fx.dir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		abort();
}

/* Write certificates (and optionally a key) as one PEM file. */
static void write_pem(const char *path, const struct cert *const *certs,
		      size_t n, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		abort();
	for (i = 0; i < n; i++)
		if (!PEM_write_X509(f, certs[i]->x))
			abort();
	if (key && !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
		abort();
	fclose(f);
}

static void write_crl(const char *path)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_TIME *last = ASN1_TIME_set(NULL, (time_t)(NOW - DAY));
	ASN1_TIME *next = ASN1_TIME_set(NULL, (time_t)(NOW + 30 * DAY));
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	FILE *f;

	if (!crl || !r || !last || !next || !serial)
		abort();
	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(fx.ca.x));
	X509_CRL_set1_lastUpdate(crl, last);
	X509_CRL_set1_nextUpdate(crl, next);
	ASN1_INTEGER_set(serial, 666);
	X509_REVOKED_set_serialNumber(r, serial);
	X509_REVOKED_set_revocationDate(r, last);
	X509_CRL_add0_revoked(crl, r);
	X509_CRL_sort(crl);
	if (!X509_CRL_sign(crl, fx.ca.key, EVP_sha256()))
		abort();
	f = fopen(path, "w");
	if (!f || !PEM_write_X509_CRL(f, crl))
		abort();
	fclose(f);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
}

static void fixture_build(void)
{
	const struct cert *ca1[] = { &fx.ca };
	char link[PATH_MAX];

	snprintf(fx.dir, sizeof(fx.dir), "%s/ktls-x509-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fx.dir))
		abort();

	make_cert(&fx.ca, "P-256", "ktls test root", NULL, 1, NOW - 365 * DAY,
		  NOW + 3650 * DAY, true, NULL, NULL);
	make_cert(&fx.inter, "P-384", "ktls test intermediate", &fx.ca, 2,
		  NOW - 365 * DAY, NOW + 3650 * DAY, true, NULL, NULL);
	make_cert(&fx.other_ca, "P-256", "someone else's root", NULL, 3,
		  NOW - 365 * DAY, NOW + 3650 * DAY, true, NULL, NULL);

	leaf(&fx.server, "P-256", "server.test", &fx.ca, 10,
	     "DNS:server.test,IP:127.0.0.1,IP:::1", "serverAuth");
	leaf(&fx.p384, "P-384", "p384.test", &fx.ca, 11, "DNS:p384.test",
	     "serverAuth");
	leaf(&fx.rsa, "RSA", "rsa.test", &fx.inter, 12, "DNS:rsa.test",
	     "serverAuth");
	leaf(&fx.ed, "ED25519", "ed.test", &fx.ca, 13, "DNS:ed.test",
	     "serverAuth");
	leaf(&fx.wild, "P-256", "wild", &fx.ca, 14, "DNS:*.wild.test",
	     "serverAuth");
	leaf(&fx.partial, "P-256", "partial", &fx.ca, 15, "DNS:w*.part.test",
	     "serverAuth");
	make_cert(&fx.expired, "P-256", "expired.test", &fx.ca, 16,
		  NOW - 20 * DAY, NOW - 10 * DAY, false, "DNS:expired.test",
		  "serverAuth");
	make_cert(&fx.future, "P-256", "future.test", &fx.ca, 17,
		  NOW + 10 * DAY, NOW + 20 * DAY, false, "DNS:future.test",
		  "serverAuth");
	leaf(&fx.unknown, "P-256", "unknown.test", &fx.other_ca, 18,
	     "DNS:unknown.test", "serverAuth");
	leaf(&fx.self, "P-256", "self.test", NULL, 19, "DNS:self.test",
	     "serverAuth");
	leaf(&fx.revoked, "P-256", "revoked.test", &fx.ca, 666,
	     "DNS:revoked.test", "serverAuth");
	leaf(&fx.client, "P-256", "client.test", &fx.ca, 20, "DNS:client.test",
	     "clientAuth");
	leaf(&fx.iponly, "P-256", "10.0.0.1", &fx.ca, 21, "IP:10.0.0.1",
	     "serverAuth");
	leaf(&fx.dnsip, "P-256", "127.0.0.2", &fx.ca, 22, "DNS:127.0.0.2",
	     "serverAuth");
	leaf(&fx.cnonly, "P-256", "cn.test", &fx.ca, 23, NULL, "serverAuth");

	make_cert_ku(&fx.rsa1024, "RSA1024", "rsa1024.test", &fx.ca, 30,
		     NOW - 30 * DAY, NOW + 365 * DAY, false, "DNS:rsa1024.test",
		     "serverAuth,clientAuth", NULL, NULL);
	make_cert_ku(&fx.sha1, "P-256", "sha1.test", &fx.ca, 31,
		     NOW - 30 * DAY, NOW + 365 * DAY, false, "DNS:sha1.test",
		     "serverAuth,clientAuth", NULL, EVP_sha1());
	make_cert_ku(&fx.sha1_inter, "P-256", "SHA-1 intermediate", &fx.ca,
		     32, NOW - 365 * DAY, NOW + 3650 * DAY, true, NULL, NULL,
		     NULL, EVP_sha1());
	leaf(&fx.under_sha1, "P-256", "undersha1.test", &fx.sha1_inter, 33,
	     "DNS:undersha1.test", "serverAuth,clientAuth");
	make_cert(&fx.weak_inter, "RSA1024", "RSA-1024 intermediate", &fx.ca,
		  34, NOW - 365 * DAY, NOW + 3650 * DAY, true, NULL, NULL);
	leaf(&fx.under_weak, "P-256", "underweak.test", &fx.weak_inter, 35,
	     "DNS:underweak.test", "serverAuth,clientAuth");
	make_cert_ku(&fx.kuenc, "RSA", "kuenc.test", &fx.ca, 36,
		     NOW - 30 * DAY, NOW + 365 * DAY, false, "DNS:kuenc.test",
		     "serverAuth,clientAuth", "critical,keyEncipherment", NULL);
	make_cert_ku(&fx.kuagree, "P-256", "kuagree.test", &fx.ca, 37,
		     NOW - 30 * DAY, NOW + 365 * DAY, false, "DNS:kuagree.test",
		     "serverAuth,clientAuth", "critical,keyAgreement", NULL);
	make_cert_ku(&fx.noext, "P-256", "noext.test", &fx.ca, 38,
		     NOW - 30 * DAY, NOW + 365 * DAY, false, "DNS:noext.test",
		     NULL, "", NULL);
	make_cert_ku(&fx.kuds, "P-256", "kuds.test", &fx.ca, 39,
		     NOW - 30 * DAY, NOW + 365 * DAY, false, "DNS:kuds.test",
		     NULL, NULL, NULL);
	leaf(&fx.both, "P-256", "both.test", &fx.ca, 40, "DNS:both.test",
	     "serverAuth,clientAuth");
	leaf(&fx.anyeku, "P-256", "anyeku.test", &fx.ca, 41,
	     "DNS:anyeku.test", "anyExtendedKeyUsage");
	/* RFC 5280 §4.2: an extension appears at most once. */
	leaf(&fx.dupext, "P-256", "dupext.test", &fx.ca, 42,
	     "DNS:dupext.test", "serverAuth,clientAuth");
	add_ext(fx.dupext.x, fx.ca.x, NID_subject_alt_name, "DNS:other.test");
	if (!X509_sign(fx.dupext.x, fx.ca.key, EVP_sha256()))
		abort();
	OPENSSL_free(fx.dupext.der);
	set_der(&fx.dupext);

	/* Flip a bit inside the signature value (the DER's last byte). */
	fx.badsig = malloc(fx.server.len);
	if (!fx.badsig)
		abort();
	memcpy(fx.badsig, fx.server.der, fx.server.len);
	fx.badsig[fx.server.len - 1] ^= 0x01;
	fx.badsig_len = fx.server.len;

	path_in(fx.ca_pem, "ca.pem");
	write_pem(fx.ca_pem, ca1, 1, NULL);
	path_in(fx.crl_pem, "crl.pem");
	write_crl(fx.crl_pem);

	/* A hashed directory like "openssl rehash" makes. */
	path_in(fx.hashdir, "hashed");
	if (mkdir(fx.hashdir, 0700))
		abort();
	snprintf(link, sizeof(link), "%s/%08lx.0", fx.hashdir,
		 X509_subject_name_hash(fx.ca.x));
	write_pem(link, ca1, 1, NULL);

	if (ktls_trust_load(fx.ca_pem, NULL, NULL, &fx.trust) ||
	    ktls_trust_load(fx.ca_pem, NULL, fx.crl_pem, &fx.trust_crl))
		abort();
}

static void fixture_free(void)
{
	char cmd[PATH_MAX + 16];

	ktls_trust_free(fx.trust);
	ktls_trust_free(fx.trust_crl);
	free_cert(&fx.ca);
	free_cert(&fx.inter);
	free_cert(&fx.other_ca);
	free_cert(&fx.server);
	free_cert(&fx.p384);
	free_cert(&fx.rsa);
	free_cert(&fx.ed);
	free_cert(&fx.wild);
	free_cert(&fx.partial);
	free_cert(&fx.expired);
	free_cert(&fx.future);
	free_cert(&fx.unknown);
	free_cert(&fx.self);
	free_cert(&fx.revoked);
	free_cert(&fx.client);
	free_cert(&fx.iponly);
	free_cert(&fx.dnsip);
	free_cert(&fx.cnonly);
	free_cert(&fx.rsa1024);
	free_cert(&fx.sha1);
	free_cert(&fx.sha1_inter);
	free_cert(&fx.under_sha1);
	free_cert(&fx.weak_inter);
	free_cert(&fx.under_weak);
	free_cert(&fx.kuenc);
	free_cert(&fx.kuagree);
	free_cert(&fx.noext);
	free_cert(&fx.kuds);
	free_cert(&fx.both);
	free_cert(&fx.anyeku);
	free_cert(&fx.dupext);
	free(fx.badsig);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", fx.dir);
}

/*
 * Verify a chain of up to 2 certificates at @level; checks the invariants
 * every call must keep (a reason exactly on failure, a leaf whenever it
 * parsed). *@why, when given, gets the reason.
 */
static int verify_level(const struct ktls_trust *t, const char *name,
			bool server, unsigned int level, int64_t now,
			const struct cert *c0, const struct cert *c1,
			const char **why)
{
	const uint8_t *der[2];
	size_t len[2], n = 0;
	const char *reason = "unset";
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;
	int ret;

	der[n] = c0->der;
	len[n++] = c0->len;
	if (c1) {
		der[n] = c1->der;
		len[n++] = c1->len;
	}
	ret = kx_verify_chain(t, der, len, n, name, server, level,
			      now, &x, &pub, &reason);
	if (why)
		*why = reason;
	if (ret) {
		ck_assert_ptr_nonnull(reason);
		ck_assert_int_gt(strlen(reason), 0);
	} else {
		ck_assert_ptr_null(reason);
		ck_assert_ptr_nonnull(x);
		ck_assert_ptr_nonnull(pub);
		ck_assert_int_eq(X509_cmp(x, c0->x), 0);
		ck_assert(EVP_PKEY_eq(pub, c0->key) == 1);
	}
	X509_free(x);
	return ret;
}

static int verify_at(const struct ktls_trust *t, const char *name,
		     bool server, int64_t now, const struct cert *c0,
		     const struct cert *c1)
{
	return verify_level(t, name, server, LEVEL, now, c0, c1, NULL);
}

static int verify(const char *name, const struct cert *c0,
		  const struct cert *c1)
{
	return verify_at(fx.trust, name, true, NOW, c0, c1);
}

START_TEST(test_x509_server_leaf_verifies)
{
	ck_assert_int_eq(verify("server.test", &fx.server, NULL), 0);
	/* No name: the chain alone. */
	ck_assert_int_eq(verify(NULL, &fx.server, NULL), 0);
	/* A trust store can be a hashed directory too. */
	{
		struct ktls_trust *t;

		ck_assert_int_eq(ktls_trust_load(NULL, fx.hashdir, NULL, &t), 0);
		ck_assert_int_eq(verify_at(t, "server.test", true, NOW,
					   &fx.server, NULL), 0);
		ck_assert_int_eq(verify_at(t, NULL, true, NOW, &fx.unknown,
					   NULL), KTLS_E_ALERT_unknown_ca);
		ktls_trust_free(t);
	}
}
END_TEST

START_TEST(test_x509_key_types)
{
	X509 *x = NULL;
	EVP_PKEY *pub = NULL;
	const uint8_t *der[2] = { fx.rsa.der, fx.inter.der };
	size_t len[2] = { fx.rsa.len, fx.inter.len };
	const char *why;

	ck_assert_int_eq(verify("p384.test", &fx.p384, NULL), 0);
	ck_assert_int_eq(verify("ed.test", &fx.ed, NULL), 0);
	/* RSA leaf under a P-384 intermediate under the P-256 root. */
	ck_assert_int_eq(verify("rsa.test", &fx.rsa, &fx.inter), 0);

	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 2, "rsa.test",
					 true, LEVEL, NOW, &x, &pub, &why), 0);
	ck_assert(EVP_PKEY_is_a(pub, "RSA"));
	ck_assert_int_eq(EVP_PKEY_get_bits(pub), 2048);
	X509_free(x);
}
END_TEST

/* A name checked against a leaf (fx.trust, a server, NOW) and the answer. */
struct name_case {
	const char *name;
	const struct cert *c;
	int ret;
};

static void check_names(const struct name_case *tab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = verify(tab[i].name, tab[i].c, NULL);

		ck_assert_msg(got == tab[i].ret, "name '%s': got %d, want %d",
			      tab[i].name ? tab[i].name : "(none)", got, tab[i].ret);
	}
}

START_TEST(test_x509_name_exact)
{
	static const struct name_case tab[] = {
		{ "server.test", &fx.server, 0 },
		{ "SERVER.Test", &fx.server, 0 },
		{ "server.test.", &fx.server, 0 },
		{ "other.test", &fx.server, KTLS_E_ALERT_bad_certificate },
		{ "sub.server.test", &fx.server, KTLS_E_ALERT_bad_certificate },
		{ "test", &fx.server, KTLS_E_ALERT_bad_certificate },
		{ "server.tes", &fx.server, KTLS_E_ALERT_bad_certificate },
		/* An empty name must not switch the check off. */
		{ "", &fx.server, KTLS_E_INVALID },
	};

	check_names(tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_x509_name_wildcard)
{
	static const struct name_case tab[] = {
		{ "a.wild.test", &fx.wild, 0 },
		{ "www.wild.test", &fx.wild, 0 },
		/* One label only. */
		{ "b.a.wild.test", &fx.wild, KTLS_E_ALERT_bad_certificate },
		{ "wild.test", &fx.wild, KTLS_E_ALERT_bad_certificate },
		{ "a.wild.testx", &fx.wild, KTLS_E_ALERT_bad_certificate },
		/* No partial-label wildcards. */
		{ "www.part.test", &fx.partial, KTLS_E_ALERT_bad_certificate },
		{ "w.part.test", &fx.partial, KTLS_E_ALERT_bad_certificate },
	};

	check_names(tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_x509_name_ip_literal)
{
	static const struct name_case tab[] = {
		{ "127.0.0.1", &fx.server, 0 },
		{ "::1", &fx.server, 0 },
		{ "0:0:0:0:0:0:0:1", &fx.server, 0 },
		{ "127.0.0.2", &fx.server, KTLS_E_ALERT_bad_certificate },
		{ "::2", &fx.server, KTLS_E_ALERT_bad_certificate },
		{ "::ffff:127.0.0.1", &fx.server, KTLS_E_ALERT_bad_certificate },
		{ "10.0.0.1", &fx.iponly, 0 },
	};

	check_names(tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_x509_name_dns_vs_ip)
{
	static const struct name_case tab[] = {
		/* A DNS name never matches an IP SAN... */
		{ "ten.test", &fx.iponly, KTLS_E_ALERT_bad_certificate },
		/* ... an IP literal never matches a DNS SAN spelled like an IP ... */
		{ "127.0.0.2", &fx.dnsip, KTLS_E_ALERT_bad_certificate },
		/* ... and nothing falls back to the subject CN. */
		{ "cn.test", &fx.cnonly, KTLS_E_ALERT_bad_certificate },
		{ "10.0.0.1", &fx.dnsip, KTLS_E_ALERT_bad_certificate },
		{ NULL, &fx.cnonly, 0 },
	};

	check_names(tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_x509_validity_period)
{
	ck_assert_int_eq(verify("expired.test", &fx.expired, NULL),
			 KTLS_E_ALERT_certificate_expired);
	ck_assert_int_eq(verify("future.test", &fx.future, NULL),
			 KTLS_E_ALERT_certificate_expired);
	/* The time comes from the caller, not the clock. */
	ck_assert_int_eq(verify_at(fx.trust, "expired.test", true,
				   NOW - 15 * DAY, &fx.expired, NULL), 0);
	ck_assert_int_eq(verify_at(fx.trust, "future.test", true,
				   NOW + 15 * DAY, &fx.future, NULL), 0);
	ck_assert_int_eq(verify_at(fx.trust, "server.test", true,
				   NOW + 400 * DAY, &fx.server, NULL),
			 KTLS_E_ALERT_certificate_expired);
}
END_TEST

START_TEST(test_x509_unknown_ca)
{
	ck_assert_int_eq(verify("unknown.test", &fx.unknown, NULL),
			 KTLS_E_ALERT_unknown_ca);
	ck_assert_int_eq(verify("unknown.test", &fx.unknown, &fx.other_ca),
			 KTLS_E_ALERT_unknown_ca);
	ck_assert_int_eq(verify("self.test", &fx.self, NULL),
			 KTLS_E_ALERT_unknown_ca);
	/* The intermediate is missing. */
	ck_assert_int_eq(verify("rsa.test", &fx.rsa, NULL),
			 KTLS_E_ALERT_unknown_ca);
}
END_TEST

START_TEST(test_x509_revoked)
{
	ck_assert_int_eq(verify_at(fx.trust_crl, "revoked.test", true, NOW,
				   &fx.revoked, NULL),
			 KTLS_E_ALERT_certificate_revoked);
	ck_assert_int_eq(verify_at(fx.trust_crl, "server.test", true, NOW,
				   &fx.server, NULL), 0);
	/* Without the CRL nobody knows. */
	ck_assert_int_eq(verify("revoked.test", &fx.revoked, NULL), 0);
	/* CRL_CHECK_ALL: nobody gave us the intermediate's CRL. */
	ck_assert_int_eq(verify_at(fx.trust_crl, "rsa.test", true, NOW,
				   &fx.rsa, &fx.inter),
			 KTLS_E_ALERT_certificate_unknown);
}
END_TEST

START_TEST(test_x509_purpose)
{
	ck_assert_int_eq(verify_at(fx.trust, "client.test", false, NOW,
				   &fx.client, NULL), 0);
	ck_assert_int_eq(verify_at(fx.trust, NULL, false, NOW, &fx.client,
				   NULL), 0);
	ck_assert_int_eq(verify_at(fx.trust, "client.test", true, NOW,
				   &fx.client, NULL),
			 KTLS_E_ALERT_unsupported_certificate);
	ck_assert_int_eq(verify_at(fx.trust, NULL, false, NOW, &fx.server,
				   NULL), KTLS_E_ALERT_unsupported_certificate);
}
END_TEST

START_TEST(test_x509_garbage_der)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	uint8_t *trailing;
	const uint8_t *der[2];
	size_t len[2];
	const char *why = NULL;
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;

	der[0] = junk;
	len[0] = sizeof(junk);
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 1, NULL, true,
					 LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_bad_certificate);
	ck_assert_ptr_null(x);
	ck_assert_ptr_null(pub);
	ck_assert_int_gt(strlen(why), 0);

	/* Truncated. */
	der[0] = fx.server.der;
	len[0] = fx.server.len - 1;
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 1, NULL, true,
					 LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_bad_certificate);
	ck_assert_ptr_null(x);

	/* Trailing bytes. */
	trailing = malloc(fx.server.len + 1);
	ck_assert_ptr_nonnull(trailing);
	memcpy(trailing, fx.server.der, fx.server.len);
	trailing[fx.server.len] = 0;
	der[0] = trailing;
	len[0] = fx.server.len + 1;
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 1, NULL, true,
					 LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_bad_certificate);
	free(trailing);

	/* Zero length and an empty chain. */
	der[0] = fx.server.der;
	len[0] = 0;
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 1, NULL, true,
					 LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_bad_certificate);
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 0, NULL, true,
					 LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_bad_certificate);
	ck_assert_int_gt(strlen(why), 0);

	/* A good leaf with junk after it: the leaf is still handed back. */
	der[0] = fx.server.der;
	len[0] = fx.server.len;
	der[1] = junk;
	len[1] = sizeof(junk);
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 2, NULL, true,
					 LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_bad_certificate);
	ck_assert_ptr_nonnull(x);
	X509_free(x);
	x = NULL;

	/* A signature that does not verify. */
	der[0] = fx.badsig;
	len[0] = fx.badsig_len;
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, 1, "server.test",
					 true, LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_bad_certificate);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_gt(strlen(why), 0);
	X509_free(x);
	ck_assert(ERR_peek_error() == 0);
}
END_TEST

START_TEST(test_x509_chain_too_long)
{
	const uint8_t *der[KTLS_MAX_CHAIN + 1];
	size_t len[KTLS_MAX_CHAIN + 1];
	const char *why = NULL;
	EVP_PKEY *pub;
	X509 *x;
	size_t i;

	der[0] = fx.server.der;
	len[0] = fx.server.len;
	for (i = 1; i <= KTLS_MAX_CHAIN; i++) {
		der[i] = fx.ca.der;
		len[i] = fx.ca.len;
	}
	/* KTLS_MAX_CHAIN certificates (with spare copies) are fine... */
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len, KTLS_MAX_CHAIN,
					 "server.test", true, LEVEL,
					 NOW, &x, &pub, &why), 0);
	X509_free(x);
	/* ... one more is not. */
	ck_assert_int_eq(kx_verify_chain(fx.trust, der, len,
					 KTLS_MAX_CHAIN + 1, "server.test",
					 true, LEVEL, NOW, &x, &pub, &why),
			 KTLS_E_ALERT_certificate_unknown);
	ck_assert_ptr_null(x);
	ck_assert_int_gt(strlen(why), 0);
}
END_TEST

START_TEST(test_x509_parse_leaf)
{
	static const uint8_t junk[] = { 0x30, 0x00 };
	EVP_PKEY *pub;
	X509 *x;

	ck_assert_int_eq(kx_parse_leaf(fx.ed.der, fx.ed.len, &x, &pub), 0);
	ck_assert(EVP_PKEY_is_a(pub, "ED25519"));
	ck_assert_int_eq(X509_cmp(x, fx.ed.x), 0);
	X509_free(x);
	/* Not verified: an expired leaf from an unknown CA parses. */
	ck_assert_int_eq(kx_parse_leaf(fx.unknown.der, fx.unknown.len, &x,
				       &pub), 0);
	X509_free(x);
	ck_assert_int_eq(kx_parse_leaf(junk, sizeof(junk), &x, &pub),
			 KTLS_E_ALERT_bad_certificate);
	ck_assert_ptr_null(x);
	ck_assert_ptr_null(pub);
	ck_assert_int_eq(kx_parse_leaf(fx.ed.der, fx.ed.len - 1, &x, &pub),
			 KTLS_E_ALERT_bad_certificate);
}
END_TEST

START_TEST(test_x509_is_ip_literal)
{
	ck_assert(kx_is_ip_literal("127.0.0.1"));
	ck_assert(kx_is_ip_literal("::1"));
	ck_assert(kx_is_ip_literal("2001:db8::1"));
	ck_assert(kx_is_ip_literal("::ffff:10.0.0.1"));
	ck_assert(!kx_is_ip_literal("server.test"));
	ck_assert(!kx_is_ip_literal("127.0.0"));
	ck_assert(!kx_is_ip_literal("256.0.0.1"));
	ck_assert(!kx_is_ip_literal("[::1]"));
	ck_assert(!kx_is_ip_literal("1.2.3.4.example"));
	ck_assert(!kx_is_ip_literal(""));
	ck_assert(!kx_is_ip_literal(NULL));
}
END_TEST

START_TEST(test_x509_credential_pem_chain)
{
	const struct cert *chain[] = { &fx.rsa, &fx.inter };
	struct ktls_credential *cred;
	char cert[PATH_MAX], key[PATH_MAX];

	path_in(cert, "chain.pem");
	path_in(key, "rsa-key.pem");
	write_pem(cert, chain, 2, NULL);
	write_pem(key, NULL, 0, fx.rsa.key);
	ck_assert_int_eq(ktls_credential_load_pem(cert, key, &cred), 0);
	ck_assert_uint_eq(cred->n_certs, 2);
	ck_assert_uint_eq(cred->der_len[0], fx.rsa.len);
	ck_assert_mem_eq(cred->der[0], fx.rsa.der, fx.rsa.len);
	ck_assert_uint_eq(cred->der_len[1], fx.inter.len);
	ck_assert_mem_eq(cred->der[1], fx.inter.der, fx.inter.len);
	ck_assert_ptr_nonnull(ktls_credential_key(cred));
	ck_assert(EVP_PKEY_eq(ktls_credential_key(cred), fx.rsa.key) == 1);
	ck_assert(EVP_PKEY_eq(cred->pub, fx.rsa.key) == 1);
	ktls_credential_free(cred);

	/* Certificate and key in one file. */
	path_in(cert, "combined.pem");
	write_pem(cert, chain, 1, fx.rsa.key);
	ck_assert_int_eq(ktls_credential_load_pem(cert, cert, &cred), 0);
	ck_assert_uint_eq(cred->n_certs, 1);
	ktls_credential_free(cred);
	ktls_credential_free(NULL);
}
END_TEST

START_TEST(test_x509_credential_key_mismatch)
{
	const struct cert *chain[] = { &fx.server };
	struct ktls_credential *cred = (void *)1;
	char cert[PATH_MAX], key[PATH_MAX];

	path_in(cert, "server.pem");
	path_in(key, "p384-key.pem");
	write_pem(cert, chain, 1, NULL);
	write_pem(key, NULL, 0, fx.p384.key);
	ck_assert_int_eq(ktls_credential_load_pem(cert, key, &cred),
			 KTLS_E_NOKEY);
	ck_assert_ptr_null(cred);
	/* Same key type and curve, different key. */
	write_pem(key, NULL, 0, fx.wild.key);
	ck_assert_int_eq(ktls_credential_load_pem(cert, key, &cred),
			 KTLS_E_NOKEY);
	ck_assert_ptr_null(cred);
}
END_TEST

START_TEST(test_x509_credential_no_key)
{
	const struct cert *chain[] = { &fx.ed };
	struct ktls_credential *cred;
	char cert[PATH_MAX];

	path_in(cert, "ed.pem");
	write_pem(cert, chain, 1, NULL);
	ck_assert_int_eq(ktls_credential_load_pem(cert, NULL, &cred), 0);
	ck_assert_ptr_null(ktls_credential_key(cred));
	ck_assert_ptr_nonnull(cred->pub);
	ck_assert(EVP_PKEY_is_a(cred->pub, "ED25519"));
	ktls_credential_free(cred);
}
END_TEST

START_TEST(test_x509_credential_errors)
{
	const struct cert *many[KTLS_MAX_CHAIN + 1];
	const struct cert *one[] = { &fx.server };
	struct ktls_credential *cred;
	char cert[PATH_MAX], key[PATH_MAX], bad[PATH_MAX], *text;
	size_t i;
	FILE *f;
	long n;

	path_in(cert, "server.pem");
	path_in(key, "server-key.pem");
	write_pem(cert, one, 1, NULL);
	write_pem(key, NULL, 0, fx.server.key);
	ck_assert_int_eq(ktls_credential_load_pem(cert, key, &cred), 0);
	ktls_credential_free(cred);

	path_in(bad, "missing.pem");
	ck_assert_int_eq(ktls_credential_load_pem(bad, key, &cred),
			 KTLS_E_IO);
	ck_assert_ptr_null(cred);
	ck_assert_int_eq(ktls_credential_load_pem(cert, bad, &cred),
			 KTLS_E_IO);
	ck_assert_ptr_null(cred);

	/* No certificate in the file; a key where the key should not be. */
	path_in(bad, "junk.pem");
	write_file(bad, "hello\n", 6);
	ck_assert_int_eq(ktls_credential_load_pem(bad, key, &cred),
			 KTLS_E_INVALID);
	ck_assert_int_eq(ktls_credential_load_pem(key, key, &cred),
			 KTLS_E_INVALID);
	ck_assert_int_eq(ktls_credential_load_pem(cert, bad, &cred),
			 KTLS_E_NOKEY);
	ck_assert_int_eq(ktls_credential_load_pem(cert, cert, &cred),
			 KTLS_E_NOKEY);

	/* A corrupt block after a good certificate. */
	f = fopen(cert, "r");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 8192);
	n = (long)fread(text, 1, 8000, f);
	fclose(f);
	ck_assert_int_gt(n, 100);
	path_in(bad, "corrupt.pem");
	f = fopen(bad, "w");
	fwrite(text, 1, (size_t)n, f);
	text[70] ^= 0x01;	/* inside the base64 body */
	text[71] = '!';
	fwrite(text, 1, (size_t)n, f);
	fclose(f);
	free(text);
	ck_assert_int_eq(ktls_credential_load_pem(bad, key, &cred),
			 KTLS_E_INVALID);

	/* More than KTLS_MAX_CHAIN certificates. */
	for (i = 0; i <= KTLS_MAX_CHAIN; i++)
		many[i] = i ? &fx.ca : &fx.server;
	path_in(bad, "long.pem");
	write_pem(bad, many, KTLS_MAX_CHAIN + 1, NULL);
	ck_assert_int_eq(ktls_credential_load_pem(bad, key, &cred),
			 KTLS_E_INVALID);
	write_pem(bad, many, KTLS_MAX_CHAIN, NULL);
	ck_assert_int_eq(ktls_credential_load_pem(bad, key, &cred), 0);
	ck_assert_uint_eq(cred->n_certs, KTLS_MAX_CHAIN);
	ktls_credential_free(cred);
	ck_assert(ERR_peek_error() == 0);
}
END_TEST

static size_t pkcs8_der(EVP_PKEY *key, uint8_t **out)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	unsigned char *der = NULL;
	int len;

	ck_assert_ptr_nonnull(p8);
	len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	ck_assert_int_gt(len, 0);
	*out = der;
	return (size_t)len;
}

static void check_der_credential(const struct cert *c)
{
	struct ktls_credential *cred;
	unsigned char *der = NULL;
	uint8_t *p8;
	size_t p8_len;
	int len;

	/* The type-specific form (RSAPrivateKey, ECPrivateKey). */
	len = i2d_PrivateKey(c->key, &der);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(ktls_credential_from_der(c->der, c->len, der,
						  (size_t)len, &cred), 0);
	ck_assert_uint_eq(cred->n_certs, 1);
	ck_assert_mem_eq(cred->der[0], c->der, c->len);
	ck_assert(EVP_PKEY_eq(ktls_credential_key(cred), c->key) == 1);
	ktls_credential_free(cred);
	/* Trailing bytes in the key blob. */
	ck_assert_int_eq(ktls_credential_from_der(c->der, c->len, der,
						  (size_t)len - 1, &cred),
			 KTLS_E_NOKEY);
	OPENSSL_clear_free(der, (size_t)len);

	/* PKCS#8 PrivateKeyInfo. */
	p8_len = pkcs8_der(c->key, &p8);
	ck_assert_int_eq(ktls_credential_from_der(c->der, c->len, p8, p8_len,
						  &cred), 0);
	ck_assert(EVP_PKEY_eq(ktls_credential_key(cred), c->key) == 1);
	ktls_credential_free(cred);
	OPENSSL_clear_free(p8, p8_len);
}

START_TEST(test_x509_credential_from_der)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	struct ktls_credential *cred;
	uint8_t *p8;
	size_t p8_len;

	check_der_credential(&fx.server);
	check_der_credential(&fx.p384);
	check_der_credential(&fx.rsa);
	check_der_credential(&fx.ed);

	/* The key of another certificate. */
	p8_len = pkcs8_der(fx.p384.key, &p8);
	ck_assert_int_eq(ktls_credential_from_der(fx.server.der, fx.server.len,
						  p8, p8_len, &cred),
			 KTLS_E_NOKEY);
	ck_assert_ptr_null(cred);
	ck_assert_int_eq(ktls_credential_from_der(junk, sizeof(junk), p8,
						  p8_len, &cred),
			 KTLS_E_INVALID);
	ck_assert_int_eq(ktls_credential_from_der(fx.p384.der,
						  fx.p384.len - 1, p8, p8_len,
						  &cred), KTLS_E_INVALID);
	ck_assert_int_eq(ktls_credential_from_der(fx.p384.der, fx.p384.len,
						  junk, sizeof(junk), &cred),
			 KTLS_E_NOKEY);
	OPENSSL_clear_free(p8, p8_len);
	/* No key: signing happens elsewhere. */
	ck_assert_int_eq(ktls_credential_from_der(fx.p384.der, fx.p384.len,
						  NULL, 0, &cred), 0);
	ck_assert_ptr_null(ktls_credential_key(cred));
	ck_assert(EVP_PKEY_eq(cred->pub, fx.p384.key) == 1);
	ktls_credential_free(cred);
	ck_assert(ERR_peek_error() == 0);
}
END_TEST

START_TEST(test_x509_trust_load_errors)
{
	struct ktls_trust *t = (void *)1;
	char missing[PATH_MAX], junk[PATH_MAX], key[PATH_MAX];

	path_in(missing, "no-such-file.pem");
	path_in(junk, "junk-trust.pem");
	path_in(key, "only-a-key.pem");
	write_file(junk, "not PEM\n", 8);
	write_pem(key, NULL, 0, fx.server.key);

	ck_assert_int_eq(ktls_trust_load(missing, NULL, NULL, &t), KTLS_E_IO);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(ktls_trust_load(NULL, missing, NULL, &t), KTLS_E_IO);
	ck_assert_int_eq(ktls_trust_load(NULL, fx.ca_pem, NULL, &t),
			 KTLS_E_IO);
	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, missing, &t),
			 KTLS_E_IO);
	ck_assert_int_eq(ktls_trust_load(junk, NULL, NULL, &t),
			 KTLS_E_INVALID);
	ck_assert_int_eq(ktls_trust_load(key, NULL, NULL, &t),
			 KTLS_E_INVALID);
	/* A CRL file without CRLs; a CA file holding only a CRL. */
	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, fx.ca_pem, &t),
			 KTLS_E_INVALID);
	ck_assert_int_eq(ktls_trust_load(fx.crl_pem, NULL, NULL, &t),
			 KTLS_E_INVALID);
	ck_assert_ptr_null(t);

	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, fx.hashdir, fx.crl_pem,
					 &t), 0);
	ck_assert(t->crl);
	ktls_trust_free(t);
	ktls_trust_free(NULL);

	/* Neither file nor directory: the system store, without our CA. */
	ck_assert_int_eq(ktls_trust_load(NULL, NULL, NULL, &t), 0);
	ck_assert(!t->crl);
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), KTLS_E_ALERT_unknown_ca);
	ktls_trust_free(t);
	ck_assert(ERR_peek_error() == 0);
}
END_TEST

START_TEST(test_x509_cache_repeated)
{
	struct ktls_trust *t;
	uint64_t hits, misses;
	const uint8_t *der[1] = { fx.server.der };
	size_t len[1] = { fx.server.len };
	const char *why;
	EVP_PKEY *pub;
	X509 *x1, *x2;
	int i;

	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, NULL, &t), 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(verify_at(t, "server.test", true, NOW,
					   &fx.server, NULL), 0);
	kx_trust_cache_stats(t, &hits, &misses);
	ck_assert_uint_eq(misses, 1);
	ck_assert_uint_eq(hits, 4);

	/* Verification is not cached: the same bytes fail at another time. */
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW + 400 * DAY,
				   &fx.server, NULL),
			 KTLS_E_ALERT_certificate_expired);
	ck_assert_int_eq(verify_at(t, "other.test", true, NOW, &fx.server,
				   NULL), KTLS_E_ALERT_bad_certificate);

	/* The leaf handed out outlives the trust object and its cache. */
	ck_assert_int_eq(kx_verify_chain(t, der, len, 1, "server.test", true,
					 LEVEL, NOW, &x1, &pub, &why), 0);
	ck_assert_int_eq(kx_verify_chain(t, der, len, 1, "server.test", true,
					 LEVEL, NOW, &x2, &pub, &why), 0);
	ck_assert_ptr_eq(x1, x2);
	X509_free(x2);
	ktls_trust_free(t);
	ck_assert_int_eq(X509_cmp(x1, fx.server.x), 0);
	ck_assert_ptr_nonnull(X509_get0_pubkey(x1));
	X509_free(x1);
}
END_TEST

struct expect {
	const struct cert *c0, *c1;
	const char *name;
	bool server;
	int ret;
};

/* A mix of chains and expected answers, built once before any thread runs. */
static struct expect mixed_tab[16];
static size_t mixed_n;

static void mixed_build(void)
{
	struct expect *e = mixed_tab;
	size_t i = 0;

	e[i++] = (struct expect){ &fx.server, NULL, "server.test", true, 0 };
	e[i++] = (struct expect){ &fx.expired, NULL, "expired.test", true,
				  KTLS_E_ALERT_certificate_expired };
	e[i++] = (struct expect){ &fx.wild, NULL, "x.wild.test", true, 0 };
	e[i++] = (struct expect){ &fx.wild, NULL, "x.y.wild.test", true,
				  KTLS_E_ALERT_bad_certificate };
	e[i++] = (struct expect){ &fx.rsa, &fx.inter, "rsa.test", true, 0 };
	e[i++] = (struct expect){ &fx.rsa, NULL, "rsa.test", true,
				  KTLS_E_ALERT_unknown_ca };
	e[i++] = (struct expect){ &fx.unknown, NULL, "unknown.test", true,
				  KTLS_E_ALERT_unknown_ca };
	e[i++] = (struct expect){ &fx.client, NULL, "client.test", false, 0 };
	e[i++] = (struct expect){ &fx.client, NULL, "client.test", true,
				  KTLS_E_ALERT_unsupported_certificate };
	e[i++] = (struct expect){ &fx.ed, NULL, "ed.test", true, 0 };
	e[i++] = (struct expect){ &fx.p384, NULL, "127.0.0.1", true,
				  KTLS_E_ALERT_bad_certificate };
	e[i++] = (struct expect){ &fx.server, NULL, "127.0.0.1", true, 0 };
	mixed_n = i;
}

static const struct expect *mixed(size_t *n)
{
	*n = mixed_n;
	return mixed_tab;
}

/* Each of the @n chains in @e against @t at NOW gives its answer. */
static void verify_all(const struct ktls_trust *t, const struct expect *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(verify_at(t, e[i].name, e[i].server, NOW, e[i].c0,
					   e[i].c1), e[i].ret);
}

START_TEST(test_x509_cache_different_chains)
{
	struct cert many[KX_CACHE_SIZE + 8];
	struct ktls_trust *t;
	const struct expect *e;
	uint64_t hits, misses;
	char name[32];
	size_t n, i, round;

	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, NULL, &t), 0);
	e = mixed(&n);
	for (round = 0; round < 3; round++)
		verify_all(t, e, n);
	kx_trust_cache_stats(t, &hits, &misses);
	/* 9 distinct certificates, each parsed once. */
	ck_assert_uint_eq(misses, 9);
	ck_assert_uint_gt(hits, 0);

	/* More distinct certificates than slots: eviction stays correct. */
	for (i = 0; i < KX_CACHE_SIZE + 8; i++) {
		snprintf(name, sizeof(name), "DNS:host%zu.test", i);
		leaf(&many[i], "P-256", name + 4, &fx.ca, 1000 + (long)i, name,
		     "serverAuth");
	}
	for (round = 0; round < 2; round++) {
		for (i = 0; i < KX_CACHE_SIZE + 8; i++) {
			snprintf(name, sizeof(name), "host%zu.test", i);
			ck_assert_int_eq(verify_at(t, name, true, NOW,
						   &many[i], NULL), 0);
			ck_assert_int_eq(verify_at(t, "host.test", true, NOW,
						   &many[i], NULL),
					 KTLS_E_ALERT_bad_certificate);
		}
		verify_all(t, e, n);
	}
	/* The same answers with the cache off. */
	t->cache_off = true;
	verify_all(t, e, n);
	ktls_trust_free(t);
	for (i = 0; i < KX_CACHE_SIZE + 8; i++)
		free_cert(&many[i]);
}
END_TEST

struct worker {
	struct ktls_trust *t;
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct expect *e;
	const uint8_t *der[2];
	size_t len[2], n, i, k;
	const char *why;
	EVP_PKEY *pub;
	X509 *x;
	int ret;

	e = mixed(&n);
	for (k = 0; k < 40; k++) {
		for (i = 0; i < n; i++) {
			der[0] = e[i].c0->der;
			len[0] = e[i].c0->len;
			if (e[i].c1) {
				der[1] = e[i].c1->der;
				len[1] = e[i].c1->len;
			}
			ret = kx_verify_chain(w->t, der, len, e[i].c1 ? 2 : 1,
					      e[i].name, e[i].server, LEVEL,
					      NOW, &x, &pub, &why);
			if (ret != e[i].ret)
				w->failures++;
			X509_free(x);
		}
	}
	return NULL;
}

START_TEST(test_x509_cache_threads)
{
	struct worker w[8];
	pthread_t tid[8];
	struct ktls_trust *t;
	uint64_t hits, misses;
	size_t i;

	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, NULL, &t), 0);
	for (i = 0; i < 8; i++) {
		w[i].t = t;
		w[i].failures = 0;
		ck_assert_int_eq(pthread_create(&tid[i], NULL, worker_run,
						&w[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(tid[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	/* One verdict lookup per chain; a hit parses only the leaf. */
	kx_trust_verified_stats(t, &hits, &misses);
	ck_assert_uint_eq(hits + misses, 8 * 40 * 12);
	ck_assert_uint_gt(hits, 0);
	kx_trust_cache_stats(t, &hits, &misses);
	ck_assert_uint_ge(misses, 9);
	ck_assert_uint_ge(hits + misses, 8 * 40 * 12);
	ck_assert_uint_le(hits + misses, 8 * 40 * 13);
	ktls_trust_free(t);
}
END_TEST

/* Expect @hits and @misses of @t's verdict cache so far. */
static void verdicts(const struct ktls_trust *t, uint64_t hits,
		     uint64_t misses)
{
	uint64_t h, m;

	kx_trust_verified_stats(t, &h, &m);
	ck_assert_uint_eq(h, hits);
	ck_assert_uint_eq(m, misses);
}

START_TEST(test_x509_verdict_cache)
{
	struct ktls_trust *t;

	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, NULL, &t), 0);
	ck_assert(!t->verified_off);
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), 0);
	verdicts(t, 0, 1);
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), 0);
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW + 10,
				   &fx.server, NULL), 0);
	verdicts(t, 2, 1);

	/* A verdict lasts KX_VERIFIED_TTL and never reaches back in time. */
	ck_assert_int_eq(verify_at(t, "server.test", true,
				   NOW + KX_VERIFIED_TTL, &fx.server, NULL), 0);
	verdicts(t, 2, 2);
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), 0);
	verdicts(t, 2, 3);

	/* Past the leaf's notAfter the chain is verified, and fails. */
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW + 400 * DAY,
				   &fx.server, NULL),
			 KTLS_E_ALERT_certificate_expired);
	verdicts(t, 2, 4);

	/* A verdict ends with the first notAfter of the path. */
	ck_assert_int_eq(verify_at(t, "expired.test", true,
				   NOW - 10 * DAY - 100, &fx.expired, NULL), 0);
	ck_assert_int_eq(verify_at(t, "expired.test", true,
				   NOW - 10 * DAY - 1, &fx.expired, NULL), 0);
	verdicts(t, 3, 5);
	ck_assert_int_eq(verify_at(t, "expired.test", true, NOW - 10 * DAY,
				   &fx.expired, NULL),
			 KTLS_E_ALERT_certificate_expired);
	verdicts(t, 3, 6);

	/* Another name, purpose or chain is another question. */
	ck_assert_int_eq(verify_at(t, "other.test", true, NOW, &fx.server,
				   NULL), KTLS_E_ALERT_bad_certificate);
	ck_assert_int_eq(verify_at(t, "other.test", true, NOW, &fx.server,
				   NULL), KTLS_E_ALERT_bad_certificate);
	verdicts(t, 3, 8);	/* failures are never kept */
	ck_assert_int_eq(verify_at(t, NULL, true, NOW, &fx.server, NULL), 0);
	verdicts(t, 3, 9);
	ck_assert_int_eq(verify_at(t, "client.test", false, NOW, &fx.client,
				   NULL), 0);
	ck_assert_int_eq(verify_at(t, "client.test", false, NOW, &fx.client,
				   NULL), 0);
	verdicts(t, 4, 10);
	ck_assert_int_eq(verify_at(t, "client.test", true, NOW, &fx.client,
				   NULL), KTLS_E_ALERT_unsupported_certificate);
	verdicts(t, 4, 11);
	ck_assert_int_eq(verify_at(t, "rsa.test", true, NOW, &fx.rsa,
				   &fx.inter), 0);
	ck_assert_int_eq(verify_at(t, "rsa.test", true, NOW, &fx.rsa, NULL),
			 KTLS_E_ALERT_unknown_ca);
	ck_assert_int_eq(verify_at(t, "rsa.test", true, NOW, &fx.rsa,
				   &fx.inter), 0);
	verdicts(t, 5, 13);

	/* Off with the parse cache: no lookups at all. */
	t->cache_off = true;
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), 0);
	verdicts(t, 5, 13);
	ktls_trust_free(t);
}
END_TEST

START_TEST(test_x509_verdict_cache_crl)
{
	struct ktls_trust *t;

	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, fx.crl_pem, &t), 0);
	ck_assert(t->crl);
	ck_assert(!t->verified_off);
	ck_assert_int_eq(t->crl_from, NOW - DAY);
	ck_assert_int_eq(t->crl_until, NOW + 30 * DAY);

	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), 0);
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), 0);
	verdicts(t, 1, 1);
	ck_assert_int_eq(verify_at(t, "revoked.test", true, NOW, &fx.revoked,
				   NULL), KTLS_E_ALERT_certificate_revoked);
	ck_assert_int_eq(verify_at(t, "revoked.test", true, NOW, &fx.revoked,
				   NULL), KTLS_E_ALERT_certificate_revoked);
	verdicts(t, 1, 3);

	/* A verdict ends when the CRL does: then the CRL is stale. */
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW + 30 * DAY - 10,
				   &fx.server, NULL), 0);
	verdicts(t, 1, 4);
	ck_assert_int_ne(verify_at(t, "server.test", true, NOW + 30 * DAY,
				   &fx.server, NULL), 0);
	verdicts(t, 1, 5);
	ktls_trust_free(t);

	/* CRLs a directory may add at lookup: no verdicts kept. */
	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, fx.hashdir, fx.crl_pem,
					 &t), 0);
	ck_assert(t->verified_off);
	ck_assert_int_eq(verify_at(t, "server.test", true, NOW, &fx.server,
				   NULL), 0);
	ck_assert_int_eq(verify_at(t, "revoked.test", true, NOW, &fx.revoked,
				   NULL), KTLS_E_ALERT_certificate_revoked);
	verdicts(t, 0, 0);
	ktls_trust_free(t);
}
END_TEST

/*
 * The certificate policy. One row: a chain (leaf, optional intermediate),
 * the role the peer plays, the level, the answer and a word of the reason.
 */
struct policy_case {
	const struct cert *c0, *c1;
	bool server;		/* the peer is a server */
	unsigned int level;
	int ret;
	const char *why;	/* in the reason; NULL when it verifies */
};

#define UNSUP KTLS_E_ALERT_unsupported_certificate
#define WEAK_KEY "key is weaker than the security level"
#define WEAK_CA "CA certificate key is weaker"
#define WEAK_MD "digest weaker than the security level"

static void check_policy(const struct policy_case *tab, size_t n)
{
	const char *why;
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		got = verify_level(fx.trust, NULL, tab[i].server, tab[i].level,
				   NOW, tab[i].c0, tab[i].c1, &why);
		ck_assert_msg(got == tab[i].ret,
			      "row %zu (%s, %s, level %u): got %d (%s), want %d",
			      i, tab[i].c0->x ? "cert" : "?",
			      tab[i].server ? "server" : "client",
			      tab[i].level, got, why ? why : "-", tab[i].ret);
		if (tab[i].why)
			ck_assert_msg(why && strstr(why, tab[i].why),
				      "row %zu: reason \"%s\" lacks \"%s\"", i,
				      why ? why : "(none)", tab[i].why);
	}
}

/* Keys and signatures below the level, in either role (RFC 8446 §4.4.2.2). */
START_TEST(test_x509_policy_level)
{
	const struct policy_case tab[] = {
		/* RSA-1024 leaf: 80 bits */
		{ &fx.rsa1024, NULL, true, 2, UNSUP, WEAK_KEY },
		{ &fx.rsa1024, NULL, false, 2, UNSUP, WEAK_KEY },
		{ &fx.rsa1024, NULL, true, 1, 0, NULL },
		{ &fx.rsa1024, NULL, false, 0, 0, NULL },
		/* a leaf signed with SHA-1 (63 bits in libcrypto 3) */
		{ &fx.sha1, NULL, true, 2, UNSUP, WEAK_MD },
		{ &fx.sha1, NULL, false, 2, UNSUP, WEAK_MD },
		{ &fx.sha1, NULL, true, 1, UNSUP, WEAK_MD },
		{ &fx.sha1, NULL, true, 0, 0, NULL },
		/* an intermediate signed with SHA-1 */
		{ &fx.under_sha1, &fx.sha1_inter, true, 2, UNSUP, WEAK_MD },
		{ &fx.under_sha1, &fx.sha1_inter, false, 2, UNSUP, WEAK_MD },
		{ &fx.under_sha1, &fx.sha1_inter, false, 0, 0, NULL },
		/* an RSA-1024 intermediate */
		{ &fx.under_weak, &fx.weak_inter, true, 2, UNSUP, WEAK_CA },
		{ &fx.under_weak, &fx.weak_inter, false, 2, UNSUP, WEAK_CA },
		{ &fx.under_weak, &fx.weak_inter, true, 1, 0, NULL },
		/* level 3 (128 bits): RSA-2048 is out, P-256 and Ed25519 in */
		{ &fx.rsa, &fx.inter, true, 2, 0, NULL },
		{ &fx.rsa, &fx.inter, true, 3, UNSUP, WEAK_KEY },
		{ &fx.server, NULL, true, 3, 0, NULL },
		{ &fx.ed, NULL, true, 3, 0, NULL },
		/* level 4 (192 bits): a P-384 leaf under a P-256 root */
		{ &fx.server, NULL, true, 4, UNSUP, WEAK_KEY },
		{ &fx.p384, NULL, true, 4, UNSUP, WEAK_MD },	/* SHA-256 */
		/* above the maximum is the maximum, never "no level" */
		{ &fx.p384, NULL, true, 5, UNSUP, WEAK_KEY },
		{ &fx.p384, NULL, true, 99, UNSUP, WEAK_KEY },
		{ &fx.server, NULL, true, 0x100, UNSUP, WEAK_KEY },
	};

	check_policy(tab, ARRAY_SIZE(tab));
}
END_TEST

/* keyUsage and extendedKeyUsage of the leaf, at every level. */
START_TEST(test_x509_policy_usage)
{
	static const char ku[] = "keyUsage does not allow digitalSignature";
	static const char sa[] = "does not allow serverAuth";
	static const char ca[] = "does not allow clientAuth";
	const struct policy_case tab[] = {
		/* keyUsage without digitalSignature: TLS 1.3 only signs */
		{ &fx.kuenc, NULL, true, 2, UNSUP, ku },
		{ &fx.kuenc, NULL, false, 2, UNSUP, ku },
		{ &fx.kuenc, NULL, true, 0, UNSUP, ku },
		{ &fx.kuagree, NULL, true, 2, UNSUP, ku },
		{ &fx.kuagree, NULL, false, 2, UNSUP, ku },
		/* the wrong extendedKeyUsage for the role */
		{ &fx.client, NULL, true, 2, UNSUP, sa },
		{ &fx.client, NULL, true, 0, UNSUP, sa },
		{ &fx.client, NULL, false, 2, 0, NULL },
		{ &fx.server, NULL, false, 2, UNSUP, ca },
		{ &fx.server, NULL, false, 0, UNSUP, ca },
		{ &fx.server, NULL, true, 2, 0, NULL },
		{ &fx.anyeku, NULL, true, 2, UNSUP, sa },
		{ &fx.anyeku, NULL, false, 2, UNSUP, ca },
		/* what must pass: no extensions, digitalSignature, both EKUs */
		{ &fx.noext, NULL, true, 2, 0, NULL },
		{ &fx.noext, NULL, false, 2, 0, NULL },
		{ &fx.kuds, NULL, true, 2, 0, NULL },
		{ &fx.kuds, NULL, false, 2, 0, NULL },
		{ &fx.both, NULL, true, 2, 0, NULL },
		{ &fx.both, NULL, false, 2, 0, NULL },
		/* extensions libcrypto cannot make sense of: corrupt, not weak */
		{ &fx.dupext, NULL, true, 2, KTLS_E_ALERT_bad_certificate,
		  "does not decode or repeats" },
		{ &fx.dupext, NULL, false, 0, KTLS_E_ALERT_bad_certificate,
		  "does not decode or repeats" },
	};

	check_policy(tab, ARRAY_SIZE(tab));
	/* The policy comes before the chain: no CA was asked. */
	ck_assert_int_eq(verify_at(fx.trust, NULL, true, NOW, &fx.kuenc, NULL),
			 UNSUP);
}
END_TEST

/*
 * A remembered verdict answers only for the level it was reached at: a
 * chain good at level 0 or 1 is verified again, and refused, at level 2.
 */
START_TEST(test_x509_policy_verdict_cache)
{
	const char *why;
	struct ktls_trust *t;

	ck_assert_int_eq(ktls_trust_load(fx.ca_pem, NULL, NULL, &t), 0);
	/* The good chain twice: the second is a hit, both roles. */
	ck_assert_int_eq(verify_level(t, NULL, true, 2, NOW, &fx.both, NULL,
				      NULL), 0);
	ck_assert_int_eq(verify_level(t, NULL, true, 2, NOW, &fx.both, NULL,
				      NULL), 0);
	verdicts(t, 1, 1);
	ck_assert_int_eq(verify_level(t, NULL, false, 2, NOW, &fx.both, NULL,
				      NULL), 0);
	ck_assert_int_eq(verify_level(t, NULL, false, 2, NOW, &fx.both, NULL,
				      NULL), 0);
	verdicts(t, 2, 2);

	/* SHA-1 intermediate: remembered at level 0 ... */
	ck_assert_int_eq(verify_level(t, NULL, true, 0, NOW, &fx.under_sha1,
				      &fx.sha1_inter, NULL), 0);
	ck_assert_int_eq(verify_level(t, NULL, true, 0, NOW, &fx.under_sha1,
				      &fx.sha1_inter, NULL), 0);
	verdicts(t, 3, 3);
	/* ... and refused at level 2, every time (failures are not kept). */
	ck_assert_int_eq(verify_level(t, NULL, true, 2, NOW, &fx.under_sha1,
				      &fx.sha1_inter, &why), UNSUP);
	ck_assert_ptr_nonnull(strstr(why, WEAK_MD));
	ck_assert_int_eq(verify_level(t, NULL, true, 2, NOW, &fx.under_sha1,
				      &fx.sha1_inter, NULL), UNSUP);
	verdicts(t, 3, 5);

	/* RSA-1024 leaf: remembered at level 1, refused at 2, as a client. */
	ck_assert_int_eq(verify_level(t, NULL, false, 1, NOW, &fx.rsa1024,
				      NULL, NULL), 0);
	ck_assert_int_eq(verify_level(t, NULL, false, 1, NOW, &fx.rsa1024,
				      NULL, NULL), 0);
	verdicts(t, 4, 6);
	ck_assert_int_eq(verify_level(t, NULL, false, 2, NOW, &fx.rsa1024,
				      NULL, &why), UNSUP);
	ck_assert_ptr_nonnull(strstr(why, WEAK_KEY));
	verdicts(t, 4, 7);
	/* Levels above the maximum share the maximum's verdicts. */
	ck_assert_int_eq(verify_level(t, NULL, true, 5, NOW, &fx.ed, NULL,
				      NULL), UNSUP);
	ck_assert_int_eq(verify_level(t, NULL, true, 1, NOW, &fx.ed, NULL,
				      NULL), 0);
	ck_assert_int_eq(verify_level(t, NULL, true, 1, NOW, &fx.ed, NULL,
				      NULL), 0);
	verdicts(t, 5, 9);

	/* A usage failure is looked up but never remembered, at any level. */
	ck_assert_int_eq(verify_level(t, NULL, true, 0, NOW, &fx.kuenc, NULL,
				      NULL), UNSUP);
	ck_assert_int_eq(verify_level(t, NULL, true, 0, NOW, &fx.kuenc, NULL,
				      NULL), UNSUP);
	ck_assert_int_eq(verify_level(t, NULL, true, 2, NOW, &fx.client, NULL,
				      NULL), UNSUP);
	verdicts(t, 5, 12);
	ktls_trust_free(t);
}
END_TEST

/* The level is part of the engine's configuration, checked at init. */
START_TEST(test_x509_policy_config)
{
	struct ktls_config cfg;
	struct ktls_conn *c = NULL;

	ktls_config_init(&cfg);
	ck_assert_uint_eq(cfg.security_level, 2);
	ck_assert_uint_eq(cfg.security_level, KTLS_SECURITY_LEVEL_DEFAULT);
	cfg.security_level = KTLS_SECURITY_LEVEL_MAX;
	ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops,
				       KTLS_ROLE_CLIENT, &c), 0);
	ktls_conn_free(c);
	c = NULL;
	cfg.security_level = 0;
	ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops,
				       KTLS_ROLE_SERVER, &c), 0);
	ktls_conn_free(c);
	c = NULL;
	cfg.security_level = KTLS_SECURITY_LEVEL_MAX + 1;
	ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops,
				       KTLS_ROLE_CLIENT, &c), KTLS_E_INVALID);
	ck_assert_ptr_null(c);
}
END_TEST

static Suite *x509_suite(void)
{
	Suite *s = suite_create("x509");
	TCase *tc = tcase_create("x509");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_x509_server_leaf_verifies);
	tcase_add_test(tc, test_x509_key_types);
	tcase_add_test(tc, test_x509_name_exact);
	tcase_add_test(tc, test_x509_name_wildcard);
	tcase_add_test(tc, test_x509_name_ip_literal);
	tcase_add_test(tc, test_x509_name_dns_vs_ip);
	tcase_add_test(tc, test_x509_validity_period);
	tcase_add_test(tc, test_x509_unknown_ca);
	tcase_add_test(tc, test_x509_revoked);
	tcase_add_test(tc, test_x509_purpose);
	tcase_add_test(tc, test_x509_garbage_der);
	tcase_add_test(tc, test_x509_chain_too_long);
	tcase_add_test(tc, test_x509_parse_leaf);
	tcase_add_test(tc, test_x509_is_ip_literal);
	tcase_add_test(tc, test_x509_credential_pem_chain);
	tcase_add_test(tc, test_x509_credential_key_mismatch);
	tcase_add_test(tc, test_x509_credential_no_key);
	tcase_add_test(tc, test_x509_credential_errors);
	tcase_add_test(tc, test_x509_credential_from_der);
	tcase_add_test(tc, test_x509_trust_load_errors);
	tcase_add_test(tc, test_x509_cache_repeated);
	tcase_add_test(tc, test_x509_cache_different_chains);
	tcase_add_test(tc, test_x509_cache_threads);
	tcase_add_test(tc, test_x509_verdict_cache);
	tcase_add_test(tc, test_x509_verdict_cache_crl);
	tcase_add_test(tc, test_x509_policy_level);
	tcase_add_test(tc, test_x509_policy_usage);
	tcase_add_test(tc, test_x509_policy_verdict_cache);
	tcase_add_test(tc, test_x509_policy_config);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	fixture_build();
	mixed_build();
	sr = srunner_create(x509_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fixture_free();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
