// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The request table (see requests.h). Entries are found by index; an id
 * carries the entry's generation too, bumped when the entry is freed, so a
 * worker's message about a request that has ended finds nothing.
 *
 * The FIFOs are doubly linked through the entries, so a request answered
 * while it waits (its deadline, a refusal, stopping) leaves its FIFO at
 * once and its entry is free at once: a flood that expires in the queue
 * frees the table as it expires, whether or not a worker has room.
 */
#include <stdlib.h>
#include <string.h>

#include "handshake-uapi.h"
#include "requests.h"

int reqtab_init(struct reqtab *t, unsigned int n, reqtab_done_fn done, void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->reqs = calloc(n, sizeof(*t->reqs));
	if (!t->reqs)
		return -1;
	t->n = n;
	t->done = done;
	t->ctx = ctx;
	return 0;
}

void reqtab_fini(struct reqtab *t)
{
	free(t->reqs);
	t->reqs = NULL;
	t->n = 0;
}

bool reqtab_full(const struct reqtab *t)
{
	return t->used >= t->n;
}

uint64_t reqtab_id(const struct reqtab *t, const struct mreq *r)
{
	return ((uint64_t)r->gen << 32) | (uint64_t)(r - t->reqs);
}

struct mreq *reqtab_by_id(struct reqtab *t, uint64_t id)
{
	uint32_t idx = (uint32_t)id;

	if (idx >= t->n || !t->reqs[idx].used || t->reqs[idx].gen != (uint32_t)(id >> 32))
		return NULL;
	return &t->reqs[idx];
}

struct mreq *reqtab_alloc(struct reqtab *t)
{
	unsigned int i;

	if (reqtab_full(t))
		return NULL;
	for (i = 0; i < t->n; i++) {
		struct mreq *r = &t->reqs[i];
		uint32_t gen = r->gen;

		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->gen = gen;
		r->used = true;
		r->worker = -1;
		r->fd = -1;
		r->cls = RQ_CLASSES;	/* not counted in a class yet */
		t->used++;
		return r;
	}
	return NULL;
}

enum rq_class reqtab_class(const struct mreq *r)
{
	return r->role == KTLS_ROLE_SERVER ? RQ_SERVER : RQ_CLIENT;
}

void reqtab_push(struct reqtab *t, struct mreq *r)
{
	unsigned int idx = (unsigned int)(r - t->reqs) + 1;
	enum rq_class c = reqtab_class(r);

	if (r->queued)
		return;
	if (r->cls == RQ_CLASSES) {
		r->cls = (uint8_t)c;
		t->n_used[c]++;
	}
	r->queued = true;
	r->next = 0;
	r->prev = t->q_tail[c];
	if (t->q_tail[c])
		t->reqs[t->q_tail[c] - 1].next = idx;
	else
		t->q_head[c] = idx;
	t->q_tail[c] = idx;
	t->n_queued[c]++;
	t->n_queued_all++;
}

void reqtab_unqueue(struct reqtab *t, struct mreq *r)
{
	enum rq_class c = (enum rq_class)r->cls;

	if (!r->queued)
		return;
	if (r->prev)
		t->reqs[r->prev - 1].next = r->next;
	else
		t->q_head[c] = r->next;
	if (r->next)
		t->reqs[r->next - 1].prev = r->prev;
	else
		t->q_tail[c] = r->prev;
	r->prev = r->next = 0;
	r->queued = false;
	t->n_queued[c]--;
	t->n_queued_all--;
}

struct mreq *reqtab_pop(struct reqtab *t, enum rq_class cls)
{
	struct mreq *r;

	if (!t->q_head[cls])
		return NULL;
	r = &t->reqs[t->q_head[cls] - 1];
	reqtab_unqueue(t, r);
	return r;
}

struct mreq *reqtab_next_due(struct reqtab *t, uint64_t now, uint64_t backstop_ms,
			     struct rq_scan *scan, enum rq_due *due)
{
	struct mreq *r;

	/*
	 * One pass over the table for all that is due at @now, however many:
	 * the caller answers each one before asking again, which frees it or
	 * (delayed) makes it due later, never earlier. Stop once every
	 * request in use was seen: the table is mostly empty. The one handed
	 * back is not counted, as it may be gone by the next call.
	 */
	*due = RQ_DUE_NONE;
	for (; scan->pos < t->n && scan->seen < t->used; scan->pos++) {
		r = &t->reqs[scan->pos];
		if (!r->used)
			continue;
		if (r->delayed) {
			if (now >= r->done_at_ms)
				*due = RQ_DUE_DELAYED;
		} else if (r->queued && now >= r->deadline_ms) {
			*due = RQ_DUE_QUEUED;
		} else if (r->worker >= 0 && now >= r->deadline_ms + backstop_ms) {
			*due = RQ_DUE_BACKSTOP;
		}
		if (*due != RQ_DUE_NONE) {
			scan->pos++;
			return r;
		}
		scan->seen++;
	}
	return NULL;
}

uint64_t reqtab_next_deadline(const struct reqtab *t, uint64_t backstop_ms)
{
	uint64_t next = UINT64_MAX, at;
	unsigned int i, seen = 0;

	for (i = 0; i < t->n && seen < t->used; i++) {
		const struct mreq *r = &t->reqs[i];

		if (!r->used)
			continue;
		seen++;
		if (r->delayed)
			at = r->done_at_ms;
		else if (r->queued)
			at = r->deadline_ms;
		else if (r->worker >= 0)
			at = r->deadline_ms + backstop_ms;
		else
			continue;
		if (at < next)
			next = at;
	}
	return next;
}

void reqtab_finish(struct reqtab *t, struct mreq *r, int status,
		   const struct kp_result *res, const char *why)
{
	uint32_t gen;

	if (!r->used)
		return;
	reqtab_unqueue(t, r);
	t->done(t->ctx, r, status, res, why);
	if (r->cls < RQ_CLASSES && t->n_used[r->cls])
		t->n_used[r->cls]--;
	gen = r->gen + 1;
	explicit_bzero(r, sizeof(*r));
	r->gen = gen;
	r->fd = -1;
	r->worker = -1;
	t->used--;
}
