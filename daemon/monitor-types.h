/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The structs the monitor's parts share (STYLE §7b): a request in the
 * table, a worker process and a message waiting to reach it. Each part
 * owns its own state; these are only the records they hand each other.
 */
#ifndef KTLSD_MONITOR_TYPES_H
#define KTLSD_MONITOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktls/ktls.h>

#include "config.h"
#include "netlink.h"
#include "privsep.h"

/* A generation, the one draining before it, and a few slow leavers. */
#define MAX_WORKERS (2 * KCFG_MAX_WORKERS + 4)

/* A message for a worker that could not be sent at once. */
struct outmsg {
	struct outmsg *next;
	uint16_t type;
	uint64_t id;
	int fd;
	size_t len;
	uint8_t data[];
};

/* One worker process, as the monitor sees it. */
struct mworker {
	pid_t pid;
	int sock;
	unsigned int inflight;
	bool draining;
	struct ktls_credential *cred[2];	/* the keys for its config */
	struct outmsg *out_head, *out_tail;
};

/* One request from the kernel, from ACCEPT to DONE. */
struct mreq {
	bool used;
	bool queued;			/* waiting for a worker slot */
	bool linked;			/* in the FIFO chain (until popped) */
	uint32_t gen;
	int fd;
	int worker;
	uint32_t role;
	struct ktls_request kreq;
	struct ktls_credential *cred;	/* a keyring certificate and key */
	int32_t held_keyring;		/* the request's keyring, held until DONE */
	uint64_t accepted_ms, deadline_ms;
	unsigned int next_queued;	/* FIFO link, index + 1 */
	struct kp_request *msg;		/* built request, until dispatched */
	size_t msg_len;
};

#endif /* KTLSD_MONITOR_TYPES_H */
