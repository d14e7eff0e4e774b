/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One handshake in the worker: the engine connection set up from the
 * monitor's request, the I/O it wants next, kernel TLS installation and the
 * result sent back. The io_uring plumbing lives in worker.c; this file
 * decides, worker.c carries out.
 */
#ifndef KTLSD_CONN_H
#define KTLSD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/time_types.h>

#include <ktls/ktls.h>

#include "privsep.h"

struct wconf;

/* The life cycle, as a table (names in conn.c, for logs and stats). */
enum conn_state {
	CONN_FREE = 0,
	CONN_HANDSHAKING,	/* engine running */
	CONN_WAITING,		/* engine waits for the monitor (sign, PSK) */
	CONN_FLUSHING,		/* last output (Finished or an alert) going out */
	CONN_DRAINING,		/* result sent; waiting for io_uring ops to end */
	CONN_STATE_COUNT
};

struct conn {
	enum conn_state state;
	uint32_t gen;		/* bumped on reuse: stale CQEs are ignored */
	uint64_t id;		/* the monitor's request id */
	int fd;			/* our copy of the handshake socket */
	int ms;			/* the monitor socket */
	unsigned int ops;	/* io_uring operations in flight */
	bool recv_busy, send_busy, timer_armed;
	int nagle_saved;
	uint64_t start_ns;
	struct __kernel_timespec timeout;	/* read by the kernel at submit */

	struct wconf *wc;	/* the configuration this handshake started with */
	uint32_t role, auth_mode;
	struct ktls_config cfg;
	struct ktls_ops kops;
	struct ktls_credential *cred;	/* a keyring certificate (owned) */
	struct ktls_conn *tls;
	struct kp_result result;
	bool result_sent;
};

/* Worker-wide configuration built from struct kcfg (refcounted for reload). */
struct wconf {
	unsigned int refs;
	struct ktls_config base[2];		/* by enum ktls_role */
	struct ktls_trust *trust[2];
	struct ktls_credential *cred[2];	/* configured chains, no keys */
};

const char *conn_state_name(enum conn_state s);

/*
 * conn_start() - set up the engine for a request from the monitor
 * @ms: the monitor socket (for sign and PSK requests)
 * Return: 0, or a positive errno for an immediate DONE.
 */
int conn_start(struct conn *c, struct wconf *wc, int ms, uint64_t id,
	       const struct kp_request *req, const uint8_t *cert, size_t cert_len,
	       int fd);

/* What the engine needs now. */
enum conn_want {
	CONN_WANT_NOTHING,	/* waiting for something already under way */
	CONN_WANT_SEND,
	CONN_WANT_RECV,
	CONN_WANT_FINISH,	/* done or failed: install or report */
};
enum conn_want conn_next(struct conn *c);

/* Handshake over: install kernel TLS on success, fill c->result. */
void conn_finish(struct conn *c, int forced_status, const char *why);

/* Monitor answers. */
void conn_signed(struct conn *c, const struct kp_signed *s);
void conn_psk(struct conn *c, const struct kp_psk_answer *a);

/* Release everything; the slot may be reused after this. */
void conn_release(struct conn *c);

#endif /* KTLSD_CONN_H */
