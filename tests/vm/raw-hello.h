/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * raw-hello: TLS 1.3 ClientHellos built byte by byte, for the hostile
 * clients of the VM tests (flood-peer, psk-hrr-client). They must send what
 * our own engine refuses to build: a PSK binder made with an empty or short
 * key, a hello with no key share, a second hello after a HelloRetryRequest
 * whose binder covers the retry transcript (RFC 8446 §4.1.4, §4.2.11.2).
 * Only SHA-256 suites (TLS_AES_128_GCM_SHA256), only what the tests need.
 */
#ifndef KTLS_RAW_HELLO_H
#define KTLS_RAW_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RH_HASH_LEN 32
#define RH_MAX_SHARES 4
#define RH_MAX_GROUPS 8

/* What one ClientHello offers. */
struct rh_hello {
	uint16_t groups[RH_MAX_GROUPS];		/* supported_groups */
	size_t n_groups;
	struct {
		uint16_t group;
		const uint8_t *key;		/* the public key share */
		size_t key_len;
	} shares[RH_MAX_SHARES];		/* key_share; may be none */
	size_t n_shares;
	const uint8_t *cookie;			/* from a HelloRetryRequest */
	size_t cookie_len;
	const uint8_t *psk_identity;		/* NULL: no pre_shared_key */
	size_t psk_identity_len;
	uint8_t session_id[32];
	uint8_t random[32];
};

/**
 * rh_build() - a ClientHello handshake message (type and length included)
 * @h: what it offers
 * @out, @cap: where it goes
 * @binder_at: set to the offset of the binder's 32 bytes when @h has a
 *	PSK (they are zero until rh_sign_binder() fills them), else 0
 *
 * Return: its length, or 0 when it does not fit in @cap.
 */
size_t rh_build(const struct rh_hello *h, uint8_t *out, size_t cap, size_t *binder_at);

/**
 * rh_sign_binder() - the PSK binder of a built ClientHello (RFC 8446 §4.2.11.2)
 * @msg, @len, @binder_at: rh_build()'s message and binder offset
 * @prefix, @prefix_len: the transcript before this hello: nothing for a
 *	first hello; message_hash(CH1) || HelloRetryRequest for a second
 * @key, @key_len: the PSK, of any length, 0 included (that is the point)
 *
 * Binder = HMAC(finished_key, Hash(prefix || hello up to the binders)),
 * finished_key from the early secret of @key, "ext binder" (external PSK).
 */
void rh_sign_binder(uint8_t *msg, size_t len, size_t binder_at, const uint8_t *prefix,
		    size_t prefix_len, const uint8_t *key, size_t key_len);

/**
 * rh_message_hash() - the synthetic handshake message that stands for the
 * first ClientHello after a HelloRetryRequest (RFC 8446 §4.4.1)
 * @ch1, @len: the first hello, as sent
 * @out: 4 + RH_HASH_LEN bytes
 */
void rh_message_hash(const uint8_t *ch1, size_t len, uint8_t out[4 + RH_HASH_LEN]);

/* A TLS record header for @len bytes of @type in @out[5]. */
void rh_record_header(uint8_t out[5], uint8_t type, size_t len);

/* The answer of a server to a hello, from its ServerHello. */
struct rh_server_hello {
	bool retry;			/* a HelloRetryRequest */
	uint16_t group;			/* key_share: its group (both kinds) */
	bool psk;			/* pre_shared_key: an identity selected */
	uint16_t psk_index;
	uint8_t cookie[512];
	size_t cookie_len;
};

/**
 * rh_parse_server_hello() - read a ServerHello or HelloRetryRequest
 * @msg, @len: the handshake message, type and length included
 * @out: what it says
 *
 * Return: 0, or -1 when it is not a well-formed TLS 1.3 ServerHello.
 */
int rh_parse_server_hello(const uint8_t *msg, size_t len, struct rh_server_hello *out);

#endif /* KTLS_RAW_HELLO_H */
