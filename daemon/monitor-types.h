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

/* Messages that may wait for one worker (then -ENOBUFS: it stopped reading). */
#define WORKER_OUTQ_MAX 4096

/* A message for a worker that could not be sent at once. */
struct outmsg {
	struct outmsg *next;
	uint16_t type;
	uint64_t id;
	int fd;
	size_t len;
	uint8_t data[];
};

/*
 * A credential the signer thread may still use after the monitor has let
 * go of it: counted, freed by whoever drops the last reference.
 */
struct mcred;

/* One worker process, as the monitor sees it. */
struct mworker {
	pid_t pid;
	int sock;
	unsigned int inflight;
	unsigned int inflight_server;	/* of which RQ_SERVER */
	bool draining;
	struct mcred *cred[2];		/* the keys for its config */
	struct outmsg *out_head, *out_tail;
	unsigned int n_out;		/* messages in that queue */
};

/* Who started a request: the classes have budgets of their own. */
enum rq_class {
	RQ_CLIENT,	/* this host's own: NFS mounts, NVMe connects */
	RQ_SERVER,	/* a remote peer's: nfsd, the NVMe/TCP target */
	RQ_CLASSES,
};

/*
 * Who a server-side request comes from, for per-peer fairness
 * (requests.c): an IPv4 address (/32), the /64 prefix of an IPv6 one
 * (an IPv4-mapped IPv6 address counts as its IPv4 address), or "unknown"
 * (all zero) when the socket's peer cannot be had. Bytes only: compared
 * and hashed whole.
 */
enum rq_peer_family {
	RQ_PEER_UNKNOWN,
	RQ_PEER_IPV4,
	RQ_PEER_IPV6,
};

struct rq_peer {
	uint8_t family;		/* enum rq_peer_family */
	uint8_t addr[8];	/* IPv4: 4 bytes; IPv6: the first 8; rest 0 */
};

/* One request from the kernel, from ACCEPT to DONE. */
struct mreq {
	bool used;
	bool queued;			/* in its class's FIFO, waiting for a worker */
	bool delayed;			/* answered; DONE waits for done_at_ms */
	bool sign_pending;		/* a KP_SIGN is with the signer */
	uint8_t cls;			/* enum rq_class, set by reqtab_push() */
	uint8_t signs;			/* KP_SIGNs taken for it: at most one */
	uint32_t gen;
	int fd;
	int worker;
	uint32_t role;
	struct ktls_request kreq;
	struct mcred *cred;		/* a keyring certificate and key */
	int32_t held_keyring;		/* the request's keyring, held until DONE */
	uint64_t accepted_ms, deadline_ms;
	uint64_t done_at_ms;		/* delayed: when DONE goes out */
	unsigned int prev, next;	/* FIFO links, index + 1 */
	/*
	 * The PSKs the monitor resolved for this request (a client's from
	 * the kernel's list, a server's lookups that found a key): the only
	 * serials its DONE may carry (verdict.c).
	 */
#define MREQ_MAX_PSK_SERIALS (2 * KTLS_MAX_PSKS)
	uint32_t psk_serials[MREQ_MAX_PSK_SERIALS];
	uint8_t n_psk_serials;
	uint8_t psk_lookups;		/* KP_PSK_LOOKUPs taken for it */
	/* Each identity of a ClientHello, and again after HelloRetryRequest. */
#define MREQ_MAX_PSK_LOOKUPS (2 * KTLS_MAX_PSKS)
	struct rq_peer peer_key;	/* server: its peer (kernel_peer_key()) */
	unsigned int peer;		/* server: its entry in the peer table,
					 * index + 1, set by reqtab_push() */
	struct kp_request *msg;		/* built request, until dispatched */
	size_t msg_len;
	/* delayed: the answer, kept until done_at_ms ([debug] delay_done) */
	int delayed_status;
	const char *delayed_why;
	bool delayed_has_res;
	struct kp_result delayed_res;
};

#endif /* KTLSD_MONITOR_TYPES_H */
