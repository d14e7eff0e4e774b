// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor's request table (daemon/requests.c) alone: allocation up to
 * full and never past it, ids that go stale when an entry is reused, one
 * FIFO per class, requests taken out of the middle of a FIFO when they are
 * answered while they wait, what is due when, and exactly one DONE per
 * request however often it is finished; per-peer fairness among server
 * requests (fewest in flight first, oldest among equals, the per-peer
 * cap, the flood's own newest refused first) and the peer keys (IPv4
 * /32, IPv6 /64, IPv4-mapped as IPv4, "unknown" shared).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "handshake-uapi.h"
#include "requests.h"

static unsigned int n_done[512];
static int last_status[512];

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

/* ---- per-peer fairness ---- */

static struct rq_peer key4(const char *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct rq_peer k;

	ck_assert_int_eq(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	ck_assert_int_eq(rq_peer_from_sockaddr(&sin, sizeof(sin), &k), 0);
	return k;
}

static struct rq_peer key6(const char *a)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct rq_peer k;

	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6.sin6_addr), 1);
	ck_assert_int_eq(rq_peer_from_sockaddr(&sin6, sizeof(sin6), &k), 0);
	return k;
}

/* A server request from @peer, queued. */
static struct mreq *server_from(struct reqtab *t, struct rq_peer peer, uint64_t deadline)
{
	struct mreq *r = new_req(t, KTLS_ROLE_SERVER, deadline);

	r->peer_key = peer;
	reqtab_push(t, r);
	return r;
}

/*
 * Peer A holds every server slot and has 100 more waiting: peer B's
 * request, queued last, is the next to go; A's go on after it, oldest
 * first. The old FIFO would have sent B's after all 100.
 */
START_TEST(test_requests_fair_other_peer_next_free_slot)
{
	struct rq_peer a = key4("192.0.2.1"), b = key4("198.51.100.7");
	struct mreq *held[8], *first_a, *rb, *r;
	struct reqtab t;
	unsigned int i;

	setup(&t, 256);
	for (i = 0; i < 8; i++)
		held[i] = server_from(&t, a, 1000);
	for (i = 0; i < 8; i++)
		ck_assert_ptr_eq(reqtab_pop_server(&t, 0), held[i]);
	ck_assert_uint_eq(reqtab_peer_inflight(&t, held[0]), 8);
	first_a = server_from(&t, a, 1000);
	for (i = 1; i < 100; i++)
		(void)server_from(&t, a, 1000);
	rb = server_from(&t, b, 1000);
	ck_assert_uint_eq(t.n_peers, 2);
	/* A slot frees: B's goes, not A's oldest. */
	reqtab_finish(&t, held[0], 0, NULL, NULL);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), rb);
	ck_assert_uint_eq(reqtab_peer_inflight(&t, rb), 1);
	/* Then A's, oldest first. */
	r = reqtab_pop_server(&t, 0);
	ck_assert_ptr_eq(r, first_a);
	ck_assert_uint_eq(t.n_queued[RQ_SERVER], 99);
	/* The plain FIFO pop is unchanged: the oldest. */
	ck_assert_ptr_eq(reqtab_pop(&t, RQ_SERVER), &t.reqs[first_a - t.reqs + 1]);
	reqtab_fini(&t);
}
END_TEST

/* Equal counts in flight: the oldest request goes first, whoever sent it. */
START_TEST(test_requests_fair_ties_by_age)
{
	struct rq_peer a = key4("192.0.2.1"), b = key4("192.0.2.2"), c = key4("192.0.2.3");
	struct mreq *a1, *b1, *a2, *c1;
	struct reqtab t;

	setup(&t, 16);
	a1 = server_from(&t, a, 1000);
	b1 = server_from(&t, b, 1000);
	a2 = server_from(&t, a, 1000);
	c1 = server_from(&t, c, 1000);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), a1);	/* all at 0: oldest */
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), b1);	/* B, C at 0; B older */
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), c1);	/* A at 1, C at 0 */
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), a2);
	ck_assert_ptr_null(reqtab_pop_server(&t, 0));
	/* A client request is never taken by the server pop. */
	reqtab_push(&t, new_req(&t, KTLS_ROLE_CLIENT, 1000));
	ck_assert_ptr_null(reqtab_pop_server(&t, 0));
	reqtab_fini(&t);
}
END_TEST

/* max_server_inflight_per_peer: a peer at its cap waits; others do not. */
START_TEST(test_requests_fair_per_peer_cap)
{
	struct rq_peer a = key4("192.0.2.1"), b = key4("192.0.2.2");
	struct mreq *a1, *a2, *a3, *b1;
	struct reqtab t;

	setup(&t, 16);
	a1 = server_from(&t, a, 1000);
	a2 = server_from(&t, a, 1000);
	a3 = server_from(&t, a, 1000);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 2), a1);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 2), a2);
	ck_assert_ptr_null(reqtab_pop_server(&t, 2));	/* A at its cap */
	b1 = server_from(&t, b, 1000);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 2), b1);
	reqtab_finish(&t, a1, 0, NULL, NULL);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 2), a3);
	/* No cap: A's would all go. */
	ck_assert_uint_eq(reqtab_peer_inflight(&t, a3), 2);
	reqtab_fini(&t);
}
END_TEST

/* Over the queue bound, the newest of the peer with the most waiting goes. */
START_TEST(test_requests_fair_victim_is_the_floods_newest)
{
	struct rq_peer a = key4("192.0.2.1"), b = key4("192.0.2.2");
	struct mreq *a_last = NULL, *b1, *b2, *r;
	struct reqtab t;
	unsigned int i;

	setup(&t, 32);
	ck_assert_ptr_null(reqtab_server_victim(&t));
	b1 = server_from(&t, b, 1000);
	for (i = 0; i < 10; i++)
		a_last = server_from(&t, a, 1000);
	b2 = server_from(&t, b, 1000);	/* the newest of all, but B has 2 */
	ck_assert_ptr_eq(reqtab_server_victim(&t), a_last);
	ck_assert(a_last->queued);	/* chosen, not taken */
	reqtab_finish(&t, a_last, 16, NULL, NULL);
	/* A's go down to B's two; then, equal counts: the newest overall. */
	for (i = 0; i < 7; i++) {
		r = reqtab_server_victim(&t);
		ck_assert_uint_eq(r->peer, t.reqs[2].peer);	/* entry 2: one of A's */
		reqtab_finish(&t, r, 16, NULL, NULL);
	}
	ck_assert_uint_eq(t.n_queued[RQ_SERVER], 4);
	ck_assert_ptr_eq(reqtab_server_victim(&t), b2);
	reqtab_finish(&t, b2, 16, NULL, NULL);
	ck_assert_uint_eq(reqtab_server_victim(&t)->peer, t.reqs[2].peer);
	ck_assert(b1->queued);
	reqtab_fini(&t);
}
END_TEST

/* Whether two keys are one peer. */
static bool same_peer(struct rq_peer x, struct rq_peer y)
{
	return !memcmp(&x, &y, sizeof(x));
}

/* The keys: IPv4 /32, IPv6 /64, IPv4-mapped as IPv4, anything else "unknown". */
START_TEST(test_requests_peer_keys_ipv6_64_and_unknown)
{
	static const struct rq_peer want6 = {
		RQ_PEER_IPV6, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2 } };
	struct sockaddr_in6 short6 = { .sin6_family = AF_INET6 };
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "x" };
	struct mreq *r1, *r2, *r3, *r4;
	struct rq_peer k, zero;
	struct reqtab t;

	memset(&zero, 0, sizeof(zero));
	k = key6("2001:db8:1:2::1");
	ck_assert(same_peer(k, want6));
	/* Same /64, other interface ids: one peer; the next /64: another. */
	ck_assert(same_peer(k, key6("2001:db8:1:2:ffff:ab:cd:ef")));
	ck_assert(!same_peer(k, key6("2001:db8:1:3::1")));
	/* IPv4-mapped is the IPv4 peer; two IPv4 /32s differ. */
	ck_assert(same_peer(key6("::ffff:192.0.2.1"), key4("192.0.2.1")));
	ck_assert_int_eq(key4("192.0.2.1").family, RQ_PEER_IPV4);
	ck_assert(!same_peer(key4("192.0.2.1"), key4("192.0.2.2")));
	ck_assert(!same_peer(key4("0.0.0.0"), zero));
	/* No address, a short one, not IP: the shared "unknown" key. */
	k.family = 9;
	ck_assert_int_eq(rq_peer_from_sockaddr(NULL, 0, &k), -1);
	ck_assert(same_peer(k, zero));
	k.family = 9;
	ck_assert_int_eq(rq_peer_from_sockaddr(&short6, sizeof(short6) - 1, &k), -1);
	ck_assert(same_peer(k, zero));
	k.family = 9;
	ck_assert_int_eq(rq_peer_from_sockaddr(&un, sizeof(un), &k), -1);
	ck_assert(same_peer(k, zero));

	/* In the table: one /64 is one entry, counted together. */
	setup(&t, 8);
	r1 = server_from(&t, key6("2001:db8:1:2::1"), 1000);
	r2 = server_from(&t, key6("2001:db8:1:2::2"), 1000);
	r3 = server_from(&t, key6("2001:db8:1:3::1"), 1000);
	r4 = server_from(&t, zero, 1000);
	ck_assert_uint_eq(t.n_peers, 3);
	ck_assert_uint_ne(r1->peer, 0);
	ck_assert_uint_eq(r1->peer, r2->peer);
	ck_assert_uint_ne(r1->peer, r3->peer);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), r1);
	ck_assert_uint_eq(reqtab_peer_inflight(&t, r2), 1);
	/* r2 shares r1's count: the other /64 and "unknown" go before it. */
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), r3);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), r4);
	ck_assert_ptr_eq(reqtab_pop_server(&t, 0), r2);
	reqtab_fini(&t);
}
END_TEST

/*
 * The attacker's side of the peer table: as many distinct peers as the
 * table holds, churned through many times, never lose or leak an entry
 * (each request holds one at most; the last to go frees it), and the
 * bucket key differs per table.
 */
START_TEST(test_requests_peer_table_churn_no_leak)
{
	struct reqtab t, t2;
	struct mreq *r;
	unsigned int round, i;
	char a[32];

	setup(&t, 64);
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 64; i++) {
			snprintf(a, sizeof(a), "10.%u.%u.%u", round & 0xff, i / 8, i % 8 + round % 7);
			(void)server_from(&t, key4(a), 1000);
		}
		ck_assert(reqtab_full(&t));
		ck_assert_uint_eq(t.n_peers, 64);
		/* Half go in flight, then all end. */
		for (i = 0; i < 32; i++)
			ck_assert_ptr_nonnull(reqtab_pop_server(&t, 1));
		for (i = 0; i < 64; i++) {
			r = &t.reqs[i];
			reqtab_finish(&t, r, 0, NULL, NULL);
		}
		ck_assert_uint_eq(t.n_peers, 0);
		ck_assert_uint_eq(t.used, 0);
	}
	ck_assert_int_eq(reqtab_init(&t2, 64, done_hook, &t2), 0);
	ck_assert(memcmp(t.hash_key, t2.hash_key, sizeof(t.hash_key)));
	reqtab_fini(&t2);
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
	tcase_add_test(tc, test_requests_fair_other_peer_next_free_slot);
	tcase_add_test(tc, test_requests_fair_ties_by_age);
	tcase_add_test(tc, test_requests_fair_per_peer_cap);
	tcase_add_test(tc, test_requests_fair_victim_is_the_floods_newest);
	tcase_add_test(tc, test_requests_peer_keys_ipv6_64_and_unknown);
	tcase_add_test(tc, test_requests_peer_table_churn_no_leak);
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
