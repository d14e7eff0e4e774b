/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's request table: ids that a late message cannot confuse
 * with a reused slot, the FIFO of requests waiting for a worker, the
 * deadlines, and exactly one DONE per request. Pure data: the DONE itself
 * is the caller's hook, called once per request by reqtab_finish().
 */
#ifndef KTLSD_REQUESTS_H
#define KTLSD_REQUESTS_H

#include "monitor-types.h"

struct kp_result;

/* Says a request's last word: send DONE, log, count (the monitor's). */
typedef void (*reqtab_done_fn)(void *ctx, struct mreq *r, int status,
			       const struct kp_result *res, const char *why);

struct reqtab {
	struct mreq *reqs;
	unsigned int n, used;
	unsigned int q_head, q_tail;	/* index + 1, 0 = empty */
	unsigned int n_queued;
	reqtab_done_fn done;
	void *ctx;
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

/* A free entry, marked used, or NULL when the table is full. */
struct mreq *reqtab_alloc(struct reqtab *t);

/* The id workers use for @r; a new one each time the entry is reused. */
uint64_t reqtab_id(const struct reqtab *t, const struct mreq *r);

/* The request an id names, or NULL if it has ended since. */
struct mreq *reqtab_by_id(struct reqtab *t, uint64_t id);

/* Queue @r to wait for a worker; reqtab_pop() takes the oldest. */
void reqtab_push(struct reqtab *t, struct mreq *r);
struct mreq *reqtab_pop(struct reqtab *t);

/**
 * reqtab_finish() - end @r: its DONE hook, then the entry is free
 * @t: the table
 * @r: a request in use
 * @status: the DONE status (0 or a positive errno)
 * @res: the worker's result, or NULL when the monitor answers itself
 * @why: a reason for the log, or NULL
 */
void reqtab_finish(struct reqtab *t, struct mreq *r, int status,
		   const struct kp_result *res, const char *why);

#endif /* KTLSD_REQUESTS_H */
