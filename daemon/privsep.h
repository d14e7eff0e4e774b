/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The messages between ktlsd's two processes, over a SOCK_SEQPACKET
 * socketpair (one message per packet). The privileged monitor holds
 * CAP_NET_ADMIN, the netlink sockets, the keyrings and the private keys;
 * the worker parses peer bytes and holds none of them (except, for now,
 * the PSKs of its own PSK requests: docs/design.md, issue 10).
 *
 *   monitor -> worker  KP_REQUEST  + the handshake socket (SCM_RIGHTS)
 *   worker -> monitor  KP_SIGN (a hash) monitor -> worker  KP_SIGNED
 *   worker -> monitor  KP_PSK_LOOKUP  monitor -> worker  KP_PSK
 *   worker -> monitor  KP_RESULT  (the monitor then sends DONE)
 *   monitor -> worker  KP_RELOAD  (finish what you have, then leave)
 *   monitor -> worker  KP_CANCEL  (the monitor answered this request
 *                                  itself: drop it, send no result)
 *
 * Every receiver checks the type, the exact size of the fixed part and
 * every length field before it uses a message (as ntpd checks imsgs).
 * The monitor also checks each against the request it names, since a
 * worker may be in a peer's hands: KP_SIGN only once for an x509 request
 * of that worker, a 32- or 48-byte transcript hash, the request's own
 * certificate (secrets_sign_check()); KP_PSK_LOOKUP only for a server PSK
 * request, bounded, exact, in its own keyring (secrets_psk_answer());
 * KP_RESULT's success and peer identity only as far as the monitor can
 * confirm them (verdict_check()).
 */
#ifndef KTLSD_PRIVSEP_H
#define KTLSD_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ktls/ktls.h>

#define KP_MAX_PSKS 5		/* the kernel passes at most five */
#define KP_MAX_CERT (16 * 1024)	/* one DER certificate from a keyring */
#define KP_MAX_HASH 48		/* a transcript hash: SHA-256 or SHA-384 */
#define KP_MAX_SIG 1024
#define KP_MAX_MSG (sizeof(struct kp_hdr) + sizeof(struct kp_request) + KP_MAX_CERT)
#define KP_DETAIL 128

enum kp_type {
	KP_REQUEST = 1,
	KP_SIGN,
	KP_SIGNED,
	KP_PSK_LOOKUP,
	KP_PSK,
	KP_RESULT,
	KP_RELOAD,
	KP_CANCEL,	/* no payload; the id names the request */
};

struct kp_hdr {
	uint16_t type;
	uint16_t pad;
	uint32_t len;		/* payload bytes after the header */
	uint64_t id;		/* the monitor's request id */
};

enum kp_cred {
	KP_CRED_NONE = 0,
	KP_CRED_CONFIG = 1,	/* the configured chain of the role */
	KP_CRED_KEYRING = 2,	/* the DER certificate after kp_request */
};

struct kp_psk {
	uint32_t serial;
	uint16_t hash;		/* enum ktls_hash */
	uint16_t identity_len;
	uint16_t key_len;
	uint16_t pad;
	uint8_t identity[KTLS_MAX_PSK_IDENTITY];
	uint8_t key[KTLS_MAX_PSK_KEY];
};

struct kp_request {
	uint32_t role;		/* enum ktls_role */
	uint32_t auth_mode;	/* HANDSHAKE_AUTH_* */
	uint32_t timeout_ms;	/* the whole budget, already defaulted */
	uint32_t cred;		/* enum kp_cred */
	uint32_t n_psks;
	uint32_t cert_len;	/* bytes of DER following, KP_CRED_KEYRING */
	/*
	 * When the budget ends, in CLOCK_MONOTONIC milliseconds (0: none,
	 * then timeout_ms from receipt). The budget starts at ACCEPT, and a
	 * request may wait in the socket while the worker is busy.
	 */
	uint64_t deadline_ms;
	char peername[256];
	struct kp_psk psks[KP_MAX_PSKS];
};

/*
 * Not content to sign: the transcript hash of a CertificateVerify. The
 * monitor builds the content itself (RFC 8446 §4.4.3) for the role of the
 * request, so a worker gets no signature over anything else.
 */
struct kp_sign {
	uint16_t scheme;
	uint16_t th_len;		/* 32 or 48 */
	uint8_t leaf_sha256[32];	/* which certificate's key to use */
	uint8_t th[KP_MAX_HASH];
};

struct kp_signed {
	int32_t status;		/* 0 or KTLS_E_* */
	uint16_t sig_len;
	uint16_t pad;
	uint8_t sig[KP_MAX_SIG];
};

struct kp_psk_lookup {
	uint16_t identity_len;
	uint16_t pad;
	uint8_t identity[KTLS_MAX_PSK_IDENTITY];
};

struct kp_psk_answer {
	int32_t status;		/* 0, KTLS_E_ALERT_unknown_psk_identity, ... */
	uint32_t pad;
	struct kp_psk psk;
};

struct kp_result {
	int32_t status;		/* positive errno for DONE */
	int32_t error;		/* the engine's KTLS_E_* code, 0 on success */
	uint32_t n_remote;
	uint32_t remote[2];	/* REMOTE_AUTH values */
	uint32_t usec;		/* handshake duration */
	uint16_t version, suite, group, sigscheme;
	int16_t alert_sent, alert_received;
	uint8_t hrr, peer_verified, psk, pad;
	char detail[KP_DETAIL];
};

/* What a worker may send: the monitor's receive buffer holds the largest. */
union kp_from_worker {
	struct kp_sign sign;
	struct kp_psk_lookup lookup;
	struct kp_result result;
};
#define KP_MAX_FROM_WORKER (sizeof(struct kp_hdr) + sizeof(union kp_from_worker))

/*
 * kp_send() - send one message, optionally with an fd
 * @fd: passed with SCM_RIGHTS, or -1
 * @flags: MSG_DONTWAIT for a sender that must never block
 * Return: 0, or -errno (-EAGAIN when MSG_DONTWAIT and the peer is full).
 */
int kp_send(int sock, uint16_t type, uint64_t id, const void *payload,
	    size_t len, int fd, int flags);

/*
 * kp_parse() - check a received packet's header
 * @buf, @n: the packet
 * @hdr: the header, copied out
 * Return: 0 when the header is whole and its length matches @n.
 */
int kp_parse(const void *buf, size_t n, struct kp_hdr *hdr);

/* Take the fd out of a received control buffer; -1 if none. Extra fds are closed. */
int kp_take_fd(struct msghdr *msg);

#endif /* KTLSD_PRIVSEP_H */
