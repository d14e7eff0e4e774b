/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test certificates made at run time with libcrypto: a CA and leaves of
 * each key type libktls signs with, written as PEM files into a temporary
 * directory so tests load them the way users do.
 */
#ifndef KTLS_TESTCERT_H
#define KTLS_TESTCERT_H

#include <stdbool.h>

enum testcert_key {
	TESTCERT_P256,
	TESTCERT_P384,
	TESTCERT_P521,
	TESTCERT_RSA2048,
	TESTCERT_RSA_PSS,
	TESTCERT_ED25519,
	TESTCERT_ED448,
	TESTCERT_KEY_COUNT
};

struct testcert {
	char cert[256];	/* PEM chain: leaf, then CA */
	char key[256];	/* PEM private key */
};

/*
 * testcert_make() - make a leaf for @key under the run's CA
 * @name: DNS SAN (an IP SAN 127.0.0.1 is always added)
 * @days: validity from yesterday; negative for an already expired leaf
 * @other_ca: sign with a second CA that nobody trusts
 * Return: 0, or -1 (the test should fail).
 */
int testcert_make(enum testcert_key key, const char *name, int days,
		  bool other_ca, struct testcert *out);
/* The trusted CA's PEM file. */
const char *testcert_ca_file(void);
/* Remove the temporary directory. */
void testcert_cleanup(void);

#endif /* KTLS_TESTCERT_H */
