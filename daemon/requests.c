// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The request table (see requests.h). Entries are found by index; an id
 * carries the entry's generation too, bumped when the entry is freed, so a
 * worker's message about a request that has ended finds nothing.
 */
#include <stdlib.h>
#include <string.h>

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

	for (i = 0; i < t->n; i++) {
		struct mreq *r = &t->reqs[i];

		/* A slot still chained in the FIFO waits until it is popped. */
		if (!r->used && !r->linked) {
			r->used = true;
			r->queued = false;
			r->worker = -1;
			r->cred = NULL;
			r->msg = NULL;
			t->used++;
			return r;
		}
	}
	return NULL;
}

void reqtab_push(struct reqtab *t, struct mreq *r)
{
	unsigned int idx = (unsigned int)(r - t->reqs) + 1;

	r->queued = true;
	r->linked = true;
	r->next_queued = 0;
	if (t->q_tail)
		t->reqs[t->q_tail - 1].next_queued = idx;
	else
		t->q_head = idx;
	t->q_tail = idx;
	t->n_queued++;
}

struct mreq *reqtab_pop(struct reqtab *t)
{
	struct mreq *r;

	while (t->q_head) {
		r = &t->reqs[t->q_head - 1];
		t->q_head = r->next_queued;
		if (!t->q_head)
			t->q_tail = 0;
		r->linked = false;
		if (r->used && r->queued) {
			r->queued = false;
			t->n_queued--;
			return r;
		}
	}
	return NULL;
}

void reqtab_finish(struct reqtab *t, struct mreq *r, int status,
		   const struct kp_result *res, const char *why)
{
	t->done(t->ctx, r, status, res, why);
	if (r->queued && t->n_queued)
		t->n_queued--;
	r->queued = false;
	memset(&r->kreq, 0, sizeof(r->kreq));
	r->cred = NULL;
	r->msg = NULL;
	r->used = false;
	r->gen++;
	t->used--;
}
