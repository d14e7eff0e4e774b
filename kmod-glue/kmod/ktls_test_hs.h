/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktls_test_hs: the ioctl interface of the test-only kernel module that
 * plays a kernel TLS consumer (like NFS or NVMe/TCP) for ktlsd's VM tests.
 * User space hands it a connected TCP socket and the handshake parameters;
 * the module calls tls_client_hello_*() / tls_server_hello_*() on that
 * socket, waits for the agent's DONE and returns the status and peer id.
 * Shared by the module and the user-space tests, so uapi types only.
 */
#ifndef _KTLS_TEST_HS_H
#define _KTLS_TEST_HS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KTLS_TEST_HS_DEVICE "ktls_test_hs"	/* /dev/ktls_test_hs */
#define KTLS_TEST_HS_MAX_PEERIDS 5		/* ta_my_peerids[5] */
#define KTLS_TEST_HS_PEERNAME_MAX 256		/* including the NUL */
#define KTLS_TEST_HS_DEFAULT_WAIT_MS 30000
#define KTLS_TEST_HS_MAX_WAIT_MS 120000

/* ktls_test_hs_req.role */
enum ktls_test_hs_role {
	KTLS_TEST_HS_CLIENT = 1,
	KTLS_TEST_HS_SERVER = 2,
};

/* ktls_test_hs_req.auth */
enum ktls_test_hs_auth {
	KTLS_TEST_HS_ANON = 1,	/* client only: tls_client_hello_anon() */
	KTLS_TEST_HS_X509 = 2,
	KTLS_TEST_HS_PSK = 3,
};

/* ktls_test_hs_req.flags (out) */
#define KTLS_TEST_HS_F_DONE (1u << 0)		/* the done callback ran */
#define KTLS_TEST_HS_F_CANCELLED (1u << 1)	/* we cancelled the request */
#define KTLS_TEST_HS_F_TIMEDOUT (1u << 2)	/* ...because wait_ms expired */

/**
 * struct ktls_test_hs_req - one handshake request and its outcome
 * @sockfd: (in) connected TCP socket in the caller's fd table
 * @role: (in) enum ktls_test_hs_role
 * @auth: (in) enum ktls_test_hs_auth
 * @timeout_ms: (in) ta_timeout_ms; 0 leaves ACCEPT's TIMEOUT out
 * @wait_ms: (in) how long the ioctl waits for DONE before cancelling;
 *	0 means KTLS_TEST_HS_DEFAULT_WAIT_MS, capped at
 *	KTLS_TEST_HS_MAX_WAIT_MS
 * @keyring: (in) ta_keyring key serial, 0 for none
 * @cert: (in) x509: ta_my_cert key serial, 0 for none
 * @privkey: (in) x509: ta_my_privkey key serial, 0 for none
 * @num_peerids: (in) psk: number of valid @peerids (client: 1..5, server:
 *	0..5)
 * @peerids: (in) psk: ta_my_peerids key serials
 * @peername: (in) ta_peername, NUL-terminated; empty for none
 * @status: (out) status given to the done callback (6.12 kernels pass the
 *	agent's errno negated, see net/handshake/tlshd.c), or -ETIMEDOUT /
 *	-EINTR when we cancelled
 * @peerid: (out) peer id given to the done callback (first REMOTE_AUTH)
 * @flags: (out) KTLS_TEST_HS_F_* bits
 * @reserved: must be zero
 */
struct ktls_test_hs_req {
	__s32 sockfd;
	__u32 role;
	__u32 auth;
	__u32 timeout_ms;
	__u32 wait_ms;
	__s32 keyring;
	__s32 cert;
	__s32 privkey;
	__u32 num_peerids;
	__s32 peerids[KTLS_TEST_HS_MAX_PEERIDS];
	char peername[KTLS_TEST_HS_PEERNAME_MAX];
	__s32 status;
	__s32 peerid;
	__u32 flags;
	__u32 reserved[5];
};

#define KTLS_TEST_HS_IOC_HANDSHAKE _IOWR('K', 0x71, struct ktls_test_hs_req)

#endif /* _KTLS_TEST_HS_H */
