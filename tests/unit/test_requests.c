// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor's request table (daemon/requests.c) alone: allocation up to
 * full and never past it, ids that go stale when an entry is reused, one
 * FIFO per class, requests taken out of the middle of a FIFO when they are
 * answered while they wait, what is due when, and exactly one DONE per
 * request however often it is finished.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake-uapi.h"
#include "requests.h"

static unsigned int n_done[64];
static int last_status[64];

static void done_hook(void *ctx, struct mreq *r, int status, const struct kp_result *res,
		      const char *why)
{
	struct reqtab *t = ctx;
	unsigned int i = (unsigned int)(r - t->reqs);

	n_done[i]++;
	last_status[i] = status;
}

static void setup(struct reqtab *t, unsigned int n)
{
	memset(n_done, 0, sizeof(n_done));
	ck_assert_int_eq(reqtab_init(t, n, done_hook, t), 0);
	t->ctx = t;
}

static struct mreq *new_req(struct reqtab *t, uint32_t role, uint64_t deadline)
{
	struct mreq *r = reqtab_alloc(t);

	ck_assert_ptr_nonnull(r);
	r->role = role;
	r->deadline_ms = deadline;
	return r;
}

START_TEST(test_requests_full_table_allocates_nothing)
{
	struct reqtab t;
	unsigned int i;

	setup(&t, 8);
	for (i = 0; i < 8; i++)
		(void)new_req(&t, KTLS_ROLE_CLIENT, 100);
	ck_assert(reqtab_full(&t));
	ck_assert_ptr_null(reqtab_alloc(&t));
	ck_assert_ptr_null(reqtab_alloc(&t));
	ck_assert_uint_eq(t.used, 8);
	reqtab_finish(&t, &t.reqs[3], 0, NULL, NULL);
	ck_assert(!reqtab_full(&t));
	ck_assert_ptr_eq(reqtab_alloc(&t), &t.reqs[3]);
	reqtab_fini(&t);
}
END_TEST

/* The bug of issue 8: queued requests answered at their deadline free their entries. */
START_TEST(test_requests_expired_queued_entries_are_free_at_once)
{
	struct rq_scan scan = { 0 };
	struct reqtab t;
	enum rq_due due;
	struct mreq *r;
	unsigned int i, n = 0;

	setup(&t, 8);
	for (i = 0; i < 8; i++)
		reqtab_push(&t, new_req(&t, i & 1 ? KTLS_ROLE_SERVER : KTLS_ROLE_CLIENT, 100 + i));
	ck_assert_ptr_null(reqtab_alloc(&t));
	ck_assert_ptr_null(reqtab_next_due(&t, 99, 2000, &scan, &due));
	ck_assert_int_eq(due, RQ_DUE_NONE);
	memset(&scan, 0, sizeof(scan));
	while ((r = reqtab_next_due(&t, 104, 2000, &scan, &due))) {
		ck_assert_int_eq(due, RQ_DUE_QUEUED);
		reqtab_finish(&t, r, 110, NULL, NULL);
		n++;
	}
	ck_assert_uint_eq(n, 5);
	/* No worker took anything, yet every expired entry is free again. */
	ck_assert_uint_eq(t.used, 3);
	ck_assert_uint_eq(t.n_queued_all, 3);
	for (i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(reqtab_alloc(&t));
	ck_assert_ptr_null(reqtab_alloc(&t));
	/* The FIFOs still hold the rest, oldest first, per class. */
	ck_assert_ptr_eq(reqtab_pop(&t, RQ_CLIENT), &t.reqs[6]);
	ck_assert_ptr_eq(reqtab_pop(&t, RQ_SERVER), &t.reqs[5]);
	ck_assert_ptr_eq(reqtab_pop(&t, RQ_SERVER), &t.reqs[7]);
	ck_assert_ptr_null(reqtab_pop(&t, RQ_SERVER));
	ck_assert_ptr_null(reqtab_pop(&t, RQ_CLIENT));
	reqtab_fini(&t);
}
END_TEST

START_TEST(test_requests_fifo_per_class_and_unqueue_middle)
{
	struct mreq *a, *b, *c, *s;
	struct reqtab t;

	setup(&t, 8);
	a = new_req(&t, KTLS_ROLE_CLIENT, 100);
	s = new_req(&t, KTLS_ROLE_SERVER, 100);
	b = new_req(&t, KTLS_ROLE_CLIENT, 100);
	c = new_req(&t, KTLS_ROLE_CLIENT, 100);
	reqtab_push(&t, a);
	reqtab_push(&t, s);
	reqtab_push(&t, b);
	reqtab_push(&t, c);
	reqtab_push(&t, c);	/* twice: still once in the FIFO */
	ck_assert_uint_eq(t.n_queued[RQ_CLIENT], 3);
	ck_assert_uint_eq(t.n_queued[RQ_SERVER], 1);
	ck_assert_uint_eq(t.n_used[RQ_SERVER], 1);
	reqtab_unqueue(&t, b);
	ck_assert(!b->queued);
	ck_assert_ptr_eq(reqtab_pop(&t, RQ_CLIENT), a);
	ck_assert_ptr_eq(reqtab_pop(&t, RQ_CLIENT), c);
	ck_assert_ptr_null(reqtab_pop(&t, RQ_CLIENT));
	ck_assert_ptr_eq(reqtab_pop(&t, RQ_SERVER), s);
	/* Popped requests stay counted in their class until they end. */
	ck_assert_uint_eq(t.n_used[RQ_CLIENT], 3);
	reqtab_finish(&t, a, 0, NULL, NULL);
	ck_assert_uint_eq(t.n_used[RQ_CLIENT], 2);
	reqtab_fini(&t);
}
END_TEST

START_TEST(test_requests_one_done_each_and_stale_ids)
{
	struct reqtab t;
	struct mreq *r;
	uint64_t id, id2;

	setup(&t, 4);
	r = new_req(&t, KTLS_ROLE_SERVER, 100);
	reqtab_push(&t, r);
	id = reqtab_id(&t, r);
	ck_assert_ptr_eq(reqtab_by_id(&t, id), r);
	reqtab_finish(&t, r, 110, NULL, NULL);
	reqtab_finish(&t, r, 5, NULL, NULL);	/* a second answer is ignored */
	ck_assert_uint_eq(n_done[0], 1);
	ck_assert_int_eq(last_status[0], 110);
	ck_assert_uint_eq(t.used, 0);
	ck_assert_uint_eq(t.n_queued_all, 0);
	ck_assert_ptr_null(reqtab_by_id(&t, id));
	/* Reused entry: new id, the old one still names nothing. */
	r = new_req(&t, KTLS_ROLE_CLIENT, 100);
	ck_assert_ptr_eq(r, &t.reqs[0]);
	id2 = reqtab_id(&t, r);
	ck_assert_uint_ne(id, id2);
	ck_assert_ptr_null(reqtab_by_id(&t, id));
	ck_assert_ptr_eq(reqtab_by_id(&t, id2), r);
	ck_assert_ptr_null(reqtab_by_id(&t, id2 + 7));	/* out of range */
	reqtab_fini(&t);
}
END_TEST

/* What is due, and when: queued, with a worker (+ backstop), delayed DONE. */
START_TEST(test_requests_due_and_next_deadline)
{
	static const struct {
		int kind;	/* 0 queued, 1 with a worker, 2 delayed */
		uint64_t deadline, done_at, due_at;
		enum rq_due due;
	} rows[] = {
		{ 0, 500, 0, 500, RQ_DUE_QUEUED },
		{ 1, 500, 0, 2500, RQ_DUE_BACKSTOP },
		{ 2, 500, 9000, 9000, RQ_DUE_DELAYED },
	};
	struct rq_scan scan;
	struct reqtab t;
	enum rq_due due;
	struct mreq *r;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		setup(&t, 4);
		r = new_req(&t, KTLS_ROLE_CLIENT, rows[i].deadline);
		if (rows[i].kind == 0)
			reqtab_push(&t, r);
		else if (rows[i].kind == 1)
			r->worker = 0;
		else {
			r->delayed = true;
			r->done_at_ms = rows[i].done_at;
		}
		ck_assert_uint_eq(reqtab_next_deadline(&t, 2000), rows[i].due_at);
		memset(&scan, 0, sizeof(scan));
		ck_assert_ptr_null(reqtab_next_due(&t, rows[i].due_at - 1, 2000, &scan, &due));
		memset(&scan, 0, sizeof(scan));
		ck_assert_ptr_eq(reqtab_next_due(&t, rows[i].due_at, 2000, &scan, &due), r);
		ck_assert_int_eq(due, rows[i].due);
		reqtab_fini(&t);
	}
	setup(&t, 4);
	(void)new_req(&t, KTLS_ROLE_CLIENT, 5);	/* neither queued nor held: nothing due */
	ck_assert_uint_eq(reqtab_next_deadline(&t, 2000), UINT64_MAX);
	memset(&scan, 0, sizeof(scan));
	ck_assert_ptr_null(reqtab_next_due(&t, UINT64_MAX - 1, 0, &scan, &due));
	reqtab_fini(&t);
}
END_TEST

static Suite *requests_suite(void)
{
	Suite *s = suite_create("requests");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_requests_full_table_allocates_nothing);
	tcase_add_test(tc, test_requests_expired_queued_entries_are_free_at_once);
	tcase_add_test(tc, test_requests_fifo_per_class_and_unqueue_middle);
	tcase_add_test(tc, test_requests_one_done_each_and_stale_ids);
	tcase_add_test(tc, test_requests_due_and_next_deadline);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(requests_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
