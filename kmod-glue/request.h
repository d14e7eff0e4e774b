/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plain-data views of the two messages a handshake agent exchanges with
 * the kernel: struct ktls_request is an ACCEPT reply after parsing (no
 * pointers into netlink buffers, safe to copy, hand to another process or
 * feed from a fuzzer), struct ktls_done is what the agent reports back.
 * netlink.c converts between these and the wire; nothing else needs libnl.
 */
#ifndef KTLS_GLUE_REQUEST_H
#define KTLS_GLUE_REQUEST_H

#include <stdint.h>

/* Fallible glue functions return 0 or a negative errno; don't drop it. */
#ifndef KTLS_GLUE_MUST_CHECK
#define KTLS_GLUE_MUST_CHECK __attribute__((warn_unused_result))
#endif

/*
 * Bounds. The kernel sends at most 5 PSK identities and 5 remote peer ids
 * (tls_handshake_args.ta_my_peerids[5]); we accept a little more so that a
 * future kernel raising its limit is not an immediate failure.
 */
#define KTLS_MAX_PEER_IDENTITIES 8
#define KTLS_PEERNAME_MAX 256		/* bytes, including the NUL */
#define KTLS_DONE_MAX_REMOTE_AUTH 8
#define KTLS_DONE_MAX_TAGS 16
#define KTLS_DONE_TAG_MAX 64		/* bytes, excluding the NUL */

/* Bits in ktls_request.present: which attributes the kernel sent. */
enum ktls_request_present {
	KTLS_REQ_HAS_SOCKFD = 1u << 0,
	KTLS_REQ_HAS_MESSAGE_TYPE = 1u << 1,
	KTLS_REQ_HAS_TIMEOUT = 1u << 2,
	KTLS_REQ_HAS_AUTH_MODE = 1u << 3,
	KTLS_REQ_HAS_PEER_IDENTITY = 1u << 4,
	KTLS_REQ_HAS_CERTIFICATE = 1u << 5,
	KTLS_REQ_HAS_CERT = 1u << 6,
	KTLS_REQ_HAS_PRIVKEY = 1u << 7,
	KTLS_REQ_HAS_PEERNAME = 1u << 8,
	KTLS_REQ_HAS_KEYRING = 1u << 9,
};

/**
 * struct ktls_request - one handshake request, as delivered by ACCEPT
 * @sockfd: fd for the consumer's socket, installed in our fd table by the
 *	kernel (O_CLOEXEC); -1 if the reply carried none. Valid even when
 *	parsing failed later on, so the caller can still report DONE and close
 *	it.
 * @message_type: enum ktls_handshake_msg_type (client or server hello).
 * @timeout_ms: consumer's handshake timeout; 0 if absent.
 * @auth_mode: enum ktls_handshake_auth.
 * @num_peer_identities: number of valid entries in @peer_identities.
 * @peer_identities: every PEER_IDENTITY key serial, in wire order (PSK).
 * @cert_serial: CERTIFICATE.X509_CERT key serial; 0 if absent.
 * @privkey_serial: CERTIFICATE.X509_PRIVKEY key serial; 0 if absent.
 * @keyring_serial: KEYRING key serial; 0 if absent (kernels < 6.17).
 * @peername: PEERNAME, NUL-terminated; empty string if absent.
 * @present: enum ktls_request_present bits.
 */
struct ktls_request {
	int sockfd;
	uint32_t message_type;
	uint32_t timeout_ms;
	uint32_t auth_mode;
	unsigned int num_peer_identities;
	int32_t peer_identities[KTLS_MAX_PEER_IDENTITIES];
	int32_t cert_serial;
	int32_t privkey_serial;
	int32_t keyring_serial;
	char peername[KTLS_PEERNAME_MAX];
	uint32_t present;
};

/**
 * struct ktls_done - the agent's verdict on one handshake
 * @sockfd: the fd ACCEPT gave us (struct ktls_request.sockfd).
 * @status: 0 on success, else a *positive* errno no larger than 4095
 *	(EACCES, ETIMEDOUT, EKEYREJECTED, EIO ...; KERNEL-INTERFACE.md §1.7).
 * @num_remote_auth: number of valid entries in @remote_auth.
 * @remote_auth: remote peer ids: PSK key serial, or
 *	KTLS_HANDSHAKE_PEERID_VERIFIED for a verified client certificate. The
 *	kernel hands only the first to the consumer.
 * @num_tags: number of valid entries in @tags.
 * @tags: session tag names ([A-Za-z0-9_-]+), borrowed; sent only when the
 *	kernel's DONE policy has the TAG attribute (nfsd tree kernels).
 */
struct ktls_done {
	int sockfd;
	int status;
	unsigned int num_remote_auth;
	uint32_t remote_auth[KTLS_DONE_MAX_REMOTE_AUTH];
	unsigned int num_tags;
	const char *tags[KTLS_DONE_MAX_TAGS];
};

#endif /* KTLS_GLUE_REQUEST_H */
