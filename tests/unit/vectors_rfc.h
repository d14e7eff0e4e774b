/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Readers for test vectors printed in RFC text: the RFC 8448 TLS 1.3
 * traces and the RFC 5869 HKDF test cases. Both drop the RFC page breaks
 * (a "[Page N]" footer, a form feed and the running header), across which
 * a hex value may continue.
 */
#ifndef KTLS_TEST_VECTORS_RFC_H
#define KTLS_TEST_VECTORS_RFC_H

#include <stddef.h>
#include <stdint.h>

/* One "label (N octets):  hex..." value of an RFC 8448 trace. */
struct rfc_value {
	int section;		/* e.g. 3 for "3.  Simple 1-RTT Handshake" */
	char *step;		/* first line of "{client}  derive ...:" */
	char *label;		/* e.g. "expanded", "ClientHello" */
	uint8_t *data;
	size_t len;
};

struct rfc_trace {
	struct rfc_value *v;
	size_t n;
};

/*
 * rfc8448_load() - parse every value of the trace file at @path
 * Return: 0, or -1 when the file is missing or a value does not hold as
 * many octets as its label says.
 */
int rfc8448_load(const char *path, struct rfc_trace *t);
void rfc8448_free(struct rfc_trace *t);
/*
 * rfc8448_find() - the @nth (from 0) value labelled @label under a step
 * whose title contains @step, in section @section; NULL if there is none.
 */
const struct rfc_value *rfc8448_find(const struct rfc_trace *t, int section,
				     const char *step, const char *label,
				     int nth);

/* One RFC 5869 Appendix A test case. */
struct rfc5869_case {
	int number;
	char hash[16];		/* "SHA-256", "SHA-1" */
	uint8_t *ikm, *salt, *info, *prk, *okm;
	size_t ikm_len, salt_len, info_len, prk_len, okm_len;
	size_t L;
};

/*
 * rfc5869_load() - parse the Appendix A test cases of the file at @path
 * into @cases (capacity @max); @n gets how many.
 * Return: 0, or -1 when missing or malformed.
 */
int rfc5869_load(const char *path, struct rfc5869_case *cases, size_t max,
		 size_t *n);
void rfc5869_free(struct rfc5869_case *cases, size_t n);

#endif /* KTLS_TEST_VECTORS_RFC_H */
