/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's request table: ids that a late message cannot confuse
 * with a reused slot, one FIFO per class of request waiting for a worker,
 * the deadlines, and exactly one DONE per request. Pure data: the DONE
 * itself is the caller's hook, called once per request by
 * reqtab_finish(), and time is what the caller says it is.
 */
#ifndef KTLSD_REQUESTS_H
#define KTLSD_REQUESTS_H

#include "monitor-types.h"

/* Says a request's last word: send DONE, log, count (the monitor's). */
typedef void (*reqtab_done_fn)(void *ctx, struct mreq *r, int status,
			       const struct kp_result *res, const char *why);

/*
 * A peer key with server-side requests in the table: how many it holds
 * (refs) and how many of those wait in the server FIFO (queued); the rest
 * are in flight. Chained in a hash bucket, or on the free list.
 */
struct rq_peerent {
	struct rq_peer key;
	unsigned int refs, queued;
	unsigned int hnext;		/* bucket chain / free list, index + 1 */
};

struct reqtab {
	struct mreq *reqs;
	unsigned int n, used;
	unsigned int q_head[RQ_CLASSES], q_tail[RQ_CLASSES];	/* index + 1, 0 = empty */
	unsigned int n_queued[RQ_CLASSES];
	unsigned int n_used[RQ_CLASSES];	/* pushed once, until finished */
	unsigned int n_queued_all;
	reqtab_done_fn done;
	void *ctx;
	/* per-peer fairness: one entry per peer key in use, at most n */
	struct rq_peerent *peers;
	unsigned int *buckets;		/* index + 1 of a chain's first entry */
	unsigned int bucket_mask;	/* buckets: a power of two >= n */
	unsigned int peer_free;		/* free list, index + 1 */
	unsigned int n_peers;		/* peer keys in use */
	uint64_t hash_key[2];		/* SipHash key, random per table */
};

/* What is due for a request at a given time (reqtab_next_due()). */
enum rq_due {
	RQ_DUE_NONE,
	RQ_DUE_QUEUED,		/* its deadline passed while it waited */
	RQ_DUE_BACKSTOP,	/* its worker did not answer by deadline + backstop */
	RQ_DUE_DELAYED,		/* its DONE was held back until now */
};

/**
 * reqtab_init() - allocate a table of @n requests
 * @t: the table
 * @n: how many requests it holds at most
 * @done: called once for each request that ends (reqtab_finish())
 * @ctx: passed to @done
 * Return: 0, or -1 when out of memory.
 */
int reqtab_init(struct reqtab *t, unsigned int n, reqtab_done_fn done, void *ctx);
void reqtab_fini(struct reqtab *t);

/* Whether every entry is taken (then READYs stay in the kernel). */
bool reqtab_full(const struct reqtab *t);

/* A free entry, marked used, or NULL when the table is full. */
struct mreq *reqtab_alloc(struct reqtab *t);

/* The id workers use for @r; a new one each time the entry is reused. */
uint64_t reqtab_id(const struct reqtab *t, const struct mreq *r);

/* The request an id names, or NULL if it has ended since. */
struct mreq *reqtab_by_id(struct reqtab *t, uint64_t id);

/* The class of a request by its role. */
enum rq_class reqtab_class(const struct mreq *r);

/* Queue @r at the tail of its class's FIFO. */
void reqtab_push(struct reqtab *t, struct mreq *r);

/* The oldest request of class @cls, taken off its FIFO; NULL if none. */
struct mreq *reqtab_pop(struct reqtab *t, enum rq_class cls);

/**
 * reqtab_pop_server() - the next server-side request, fairly among peers
 * @t: the table
 * @per_peer_cap: a peer key with this many in flight gets none more
 *	(0: no cap)
 *
 * Of the queued server requests, the oldest of those whose peer key has
 * the fewest in flight: a flood from one source cannot starve another
 * peer's handshake past the next free slot. One pass over the server
 * FIFO (oldest first), stopping at the first peer with none in flight.
 * Return: the request, taken off its FIFO; NULL if none may go.
 */
struct mreq *reqtab_pop_server(struct reqtab *t, unsigned int per_peer_cap);

/**
 * reqtab_server_victim() - the queued server request to refuse first
 * @t: the table
 *
 * When the server FIFO is over its bound: the newest queued request of
 * the peer key with the most queued (the newest overall among equals),
 * so a flood from one source fills its own share, not other peers'.
 * Return: the request (still queued), or NULL if none is queued.
 */
struct mreq *reqtab_server_victim(struct reqtab *t);

/* Server requests of @r's peer key in flight (used, not queued); 0 if none. */
unsigned int reqtab_peer_inflight(const struct reqtab *t, const struct mreq *r);

/**
 * rq_peer_from_sockaddr() - the peer key for a socket's peer address
 * @sa: from getpeername(), or NULL
 * @len: its length
 * @key: the key: IPv4 /32, IPv6 /64 (IPv4-mapped IPv6 as IPv4), else
 *	"unknown" (all zero), shared by all that have no address
 * Return: 0, or -1 when the key is "unknown".
 */
int rq_peer_from_sockaddr(const void *sa, size_t len, struct rq_peer *key);

/* Take @r off its FIFO (it is answered while it waits). */
void reqtab_unqueue(struct reqtab *t, struct mreq *r);

/* Where reqtab_next_due() goes on from; start it zeroed. */
struct rq_scan {
	unsigned int pos, seen;
};

/**
 * reqtab_next_due() - the next request whose time has come
 * @t: the table
 * @now: the time, ms
 * @backstop_ms: how long past its deadline a worker's request may run
 * @scan: the pass so far (zeroed for a new one)
 * @due: what is due for it
 *
 * Answer each request it returns before calling again.
 * Return: the request, or NULL when nothing more is due at @now.
 */
struct mreq *reqtab_next_due(struct reqtab *t, uint64_t now, uint64_t backstop_ms,
			     struct rq_scan *scan, enum rq_due *due);

/* The earliest time something will be due, or UINT64_MAX. */
uint64_t reqtab_next_deadline(const struct reqtab *t, uint64_t backstop_ms);

/**
 * reqtab_finish() - end @r: its DONE hook, then the entry is free
 * @t: the table
 * @r: a request in use (a request not in use is ignored: one DONE each)
 * @status: the DONE status (0 or a positive errno)
 * @res: the worker's result, or NULL when the monitor answers itself
 * @why: a reason for the log, or NULL
 */
void reqtab_finish(struct reqtab *t, struct mreq *r, int status,
		   const struct kp_result *res, const char *why);

/**
 * rq_auth_name() - the name of a handshake's auth mode in logs and replies
 * @auth_mode: ACCEPT's AUTH_MODE (enum handshake_auth)
 *
 * Return: "anon", "psk", "x509", or "unknown" for any other value.
 */
const char *rq_auth_name(uint32_t auth_mode);

#endif /* KTLSD_REQUESTS_H */
