// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The certificate path on its own: a Certificate message body, or a bare
 * DER chain, verified against the fixture's fixed trust store (Ed25519
 * "Fuzz CA", optionally with a CRL), and credentials loaded from DER as
 * kernel keyrings hand them over.
 *
 * Input: byte 0 is a set of flags, the rest the payload.
 *	bit 0	peer is a server (serverAuth purpose), else a client
 *	bits 1-2 name to check: none, "server.test", "127.0.0.1", "a.wild.test"
 *	bit 3	trust store with the CRL (every chain certificate checked)
 *	bit 4	parse cache on: verify twice (miss, then hit) and compare
 *	bits 5-6 payload: 0, 3 a Certificate message body; 1 a DER list with
 *		2-byte big-endian lengths; 2 a credential, 2-byte length +
 *		certificate, then the private key (empty: none)
 *	bit 7	the clock is past every fixture certificate's notAfter
 *
 * Target functions: kmsg_cert_parse, kext_parse (certificate entry
 * extensions), kx_verify_chain, kx_parse_leaf, the parse cache in x509.c,
 * ktls_credential_from_der, ktls_credential_free.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "x509.h"

#include "fixture.h"

static const char *const names[4] = {
	NULL, FX_SERVER_NAME, "127.0.0.1", "a.wild.test",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!fx_pki_get())
		abort();
	return 0;
}

/* Forget what the cache learnt, so every input starts from the same state. */
static void cache_purge(struct ktls_trust *t)
{
	size_t i;

	for (i = 0; i < KX_CACHE_SIZE; i++) {
		free(t->cache[i].der);
		X509_free(t->cache[i].x509);
		memset(&t->cache[i], 0, sizeof(t->cache[i]));
	}
	t->clock = 0;
}

static int verify_once(struct ktls_trust *t, const uint8_t *const *der,
		       const size_t *der_len, size_t n, uint8_t flags)
{
	const char *reason = (const char *)1;
	int64_t now = flags & 0x80 ? FX_NOT_AFTER + 86400 : FX_NOW;
	EVP_PKEY *pub = (EVP_PKEY *)1;
	X509 *leaf = (X509 *)1;
	int ret;

	ret = kx_verify_chain(t, der, der_len, n, names[(flags >> 1) & 3],
			      flags & 1, KTLS_SECURITY_LEVEL_DEFAULT, now,
			      &leaf, &pub, &reason);
	if (ret == 0 && (!leaf || !pub || reason))
		abort();	/* success must hand back the leaf and its key */
	if (ret != 0 && !reason)
		abort();	/* a failure explains itself */
	if (leaf == (X509 *)1 || pub == (EVP_PKEY *)1)
		abort();	/* outputs always set */
	if (reason)
		fx_touch(reason, strlen(reason));
	X509_free(leaf);
	return ret;
}

static void verify(const uint8_t *const *der, const size_t *der_len, size_t n,
		   uint8_t flags)
{
	const struct fx_pki *pki = fx_pki_get();
	struct ktls_trust *t = flags & 8 ? pki->trust_crl : pki->trust;
	EVP_PKEY *pub;
	X509 *leaf;
	int ret, again;

	if (flags & 0x10) {
		t->cache_off = false;
		ret = verify_once(t, der, der_len, n, flags);
		again = verify_once(t, der, der_len, n, flags);
		cache_purge(t);
		t->cache_off = true;
		if (ret != again)
			abort();	/* the cache changed the verdict */
	} else {
		ret = verify_once(t, der, der_len, n, flags);
	}
	if (n && !kx_parse_leaf(der[0], der_len[0], &leaf, &pub)) {
		X509_free(leaf);
	} else if (ret == 0) {
		abort();	/* verified, yet the leaf does not parse */
	}
}

/* A Certificate message: header, then the body from the input. */
static void from_message(const uint8_t *body, size_t len, uint8_t flags)
{
	struct kmsg_cert cert;
	uint8_t *msg;
	size_t i;

	if (len > 0xffffff)
		return;
	msg = malloc(KMSG_HEADER + len);
	if (!msg)
		return;
	msg[0] = KTLS_HS_CERTIFICATE;
	msg[1] = (uint8_t)(len >> 16);
	msg[2] = (uint8_t)(len >> 8);
	msg[3] = (uint8_t)len;
	memcpy(msg + KMSG_HEADER, body, len);
	if (kmsg_cert_parse(msg, KMSG_HEADER + len, &cert) == 0) {
		if (cert.n > KTLS_MAX_CHAIN)
			abort();
		fx_touch(cert.context, cert.context_len);
		for (i = 0; i < cert.n; i++)
			fx_touch(cert.der[i], cert.der_len[i]);
		verify(cert.der, cert.der_len, cert.n, flags);
	}
	free(msg);
}

/* Length-prefixed DER blobs, each copied to its own exact-size buffer. */
static void from_list(const uint8_t *p, size_t len, uint8_t flags)
{
	uint8_t *der[KTLS_MAX_CHAIN + 2] = { NULL };
	size_t der_len[KTLS_MAX_CHAIN + 2] = { 0 };
	size_t n = 0, i;

	while (len >= 2 && n < KTLS_MAX_CHAIN + 2) {
		size_t l = (size_t)p[0] << 8 | p[1];

		p += 2;
		len -= 2;
		if (l > len)
			l = len;
		der[n] = malloc(l ? l : 1);
		if (!der[n])
			break;
		memcpy(der[n], p, l);
		der_len[n++] = l;
		p += l;
		len -= l;
	}
	verify((const uint8_t *const *)der, der_len, n, flags);
	for (i = 0; i < n; i++)
		free(der[i]);
}

static void from_credential(const uint8_t *p, size_t len)
{
	struct ktls_credential *cred;
	uint8_t *cert, *key = NULL;
	size_t cl, kl;

	if (len < 2)
		return;
	cl = (size_t)p[0] << 8 | p[1];
	if (cl > len - 2)
		cl = len - 2;
	kl = len - 2 - cl;
	cert = malloc(cl ? cl : 1);
	if (kl)
		key = malloc(kl);
	if (cert && (key || !kl)) {
		memcpy(cert, p + 2, cl);
		if (kl)
			memcpy(key, p + 2 + cl, kl);
		if (!ktls_credential_from_der(cert, cl, key, kl, &cred)) {
			if (!cred || cred->n_certs != 1 || !cred->pub ||
			    (kl && !ktls_credential_key(cred)))
				abort();
			fx_touch(cred->der[0], cred->der_len[0]);
			ktls_credential_free(cred);
		}
	}
	free(cert);
	free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	switch ((flags >> 5) & 3) {
	case 1:
		from_list(data + 1, size - 1, flags);
		break;
	case 2:
		from_credential(data + 1, size - 1);
		break;
	default:
		from_message(data + 1, size - 1, flags);
		break;
	}
	fx_check_errors();
	return 0;
}
