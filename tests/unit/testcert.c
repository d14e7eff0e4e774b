// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run-time test certificates (see testcert.h). Everything is generated
 * with libcrypto, so the unit tests need no openssl binary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "testcert.h"

static char dir[64];
static EVP_PKEY *ca_key[2];
static X509 *ca_cert[2];
static char ca_file[128];
static int serial = 1;

/* An RSASSA-PSS key (EVP_PKEY_Q_keygen takes no size for RSA-PSS). */
static EVP_PKEY *make_pss_key(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *k = NULL;

	if (ctx && EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1)
		EVP_PKEY_keygen(ctx, &k);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static EVP_PKEY *make_key(enum testcert_key key)
{
	switch (key) {
	case TESTCERT_P256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case TESTCERT_P384:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case TESTCERT_P521:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	case TESTCERT_RSA2048:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case TESTCERT_RSA_PSS:
		return make_pss_key();
	case TESTCERT_ED25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case TESTCERT_ED448:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	default:
		return NULL;
	}
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext) {
		X509_add_ext(cert, ext, -1);
		X509_EXTENSION_free(ext);
	}
}

static X509 *make_cert(EVP_PKEY *pub, const char *cn, X509 *issuer,
		       EVP_PKEY *issuer_key, int days, bool ca, const char *san)
{
	X509 *x = X509_new();
	X509_NAME *name;
	bool ed = EVP_PKEY_is_a(issuer_key, "ED25519") ||
		  EVP_PKEY_is_a(issuer_key, "ED448");

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -2L * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400);
	X509_set_pubkey(x, pub);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	if (ca) {
		add_ext(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth");
		add_ext(x, issuer, NID_subject_alt_name, san);
	}
	add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
	if (!X509_sign(x, issuer_key, ed ? NULL : EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int write_pem(const char *path, X509 *leaf, X509 *ca, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	int ok = 1;

	if (!f)
		return -1;
	if (leaf)
		ok &= PEM_write_X509(f, leaf);
	if (ca)
		ok &= PEM_write_X509(f, ca);
	if (key)
		ok &= PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int setup(void)
{
	int i;

	if (dir[0])
		return 0;
	strcpy(dir, "/tmp/ktls-testcert-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	for (i = 0; i < 2; i++) {
		ca_key[i] = make_key(TESTCERT_P256);
		ca_cert[i] = ca_key[i] ? make_cert(ca_key[i], i ? "Other CA" : "Test CA",
						   NULL, ca_key[i], 3650, true, NULL)
				       : NULL;
		if (!ca_cert[i])
			return -1;
	}
	snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", dir);
	return write_pem(ca_file, ca_cert[0], NULL, NULL);
}

int testcert_make(enum testcert_key key, const char *name, int days,
		  bool other_ca, struct testcert *out)
{
	EVP_PKEY *k;
	X509 *leaf;
	char san[300];
	int n = serial, ret;

	if (setup())
		return -1;
	k = make_key(key);
	if (!k)
		return -1;
	snprintf(san, sizeof(san), "DNS:%s,IP:127.0.0.1", name);
	leaf = make_cert(k, name, ca_cert[other_ca], ca_key[other_ca],
			 days, false, san);
	if (days < 0 && leaf) {
		/* Expired: valid from ten days ago until `days` ago. */
		X509_gmtime_adj(X509_getm_notBefore(leaf), -10L * 86400);
		X509_gmtime_adj(X509_getm_notAfter(leaf), (long)days * 86400);
		X509_sign(leaf, ca_key[other_ca], EVP_sha256());
	}
	snprintf(out->cert, sizeof(out->cert), "%s/leaf%d.pem", dir, n);
	snprintf(out->key, sizeof(out->key), "%s/key%d.pem", dir, n);
	ret = leaf ? write_pem(out->cert, leaf, ca_cert[other_ca], NULL) : -1;
	if (!ret)
		ret = write_pem(out->key, NULL, NULL, k);
	X509_free(leaf);
	EVP_PKEY_free(k);
	return ret;
}

const char *testcert_ca_file(void)
{
	return setup() ? NULL : ca_file;
}

void testcert_cleanup(void)
{
	char cmd[128];
	int i;

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	for (i = 0; i < 2; i++) {
		X509_free(ca_cert[i]);
		EVP_PKEY_free(ca_key[i]);
		ca_cert[i] = NULL;
		ca_key[i] = NULL;
	}
	dir[0] = 0;
}
