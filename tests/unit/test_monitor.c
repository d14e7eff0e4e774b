// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real monitor (daemon/monitor.c and its parts) linked against a stub
 * kernel (stub_kernel.c: ACCEPT and DONE through kmod-glue/netlink.h),
 * with the test playing the worker over a socketpair and the clock:
 *  - a flood whose deadlines pass while every worker is busy: every
 *    request gets exactly one DONE (ETIMEDOUT), READYs stay in the kernel
 *    while the table is full, nothing crashes;
 *  - server-side slots all busy or their queue full: a client request is
 *    still dispatched at once, the flood beyond the queue gets EBUSY;
 *  - per-peer fairness: with every server slot held by one peer and 100
 *    more of its requests waiting, another peer's request is dispatched at
 *    the next free slot, and the queue's overflow is refused from the
 *    flood's own requests; the peer keys from real sockets, a socket
 *    without a peer in the shared "unknown" key;
 *  - the signer thread: ACCEPT and DONE go on while a signature is
 *    outstanding, a second KP_SIGN for a request is refused, the thread
 *    is not real-time;
 *  - [debug] delay_done is a timer, not a sleep;
 *  - the statistics socket is 0660, bounded per turn.
 */
#include <check.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ktls/ktls.h>

#include "config.h"
#include "handshake-uapi.h"
#include "kernel.h"
#include "log.h"
#include "monitor.h"
#include "privsep.h"
#include "secrets.h"
#include "stub_kernel.h"
#include "testcert.h"

#define FAKE_PID 0x7ffffff0	/* never signalled: the monitor_main() exit path is not run */
#define SERVER KTLS_HANDSHAKE_MSG_TYPE_SERVERHELLO
#define CLIENT KTLS_HANDSHAKE_MSG_TYPE_CLIENTHELLO

/* main.c's, which the test does not link; reload() is not driven here. */
void kcfg_log_warnings(const struct kcfg *cfg)
{
}

static uint64_t fake_now = 1000000;

static uint64_t fake_clock(void)
{
	return fake_now;
}

struct fx {
	struct kcfg cfg;
	struct monitor_opts opts;
	struct monitor *m;
	int wsock;		/* the test's end: it plays the worker */
};

static void fx_start(struct fx *f, unsigned int max_inflight, unsigned int table)
{
	stub_reset();
	memset(f, 0, sizeof(*f));
	kcfg_defaults(&f->cfg);
	f->cfg.max_inflight = max_inflight;
	f->cfg.workers = 1;
	f->opts.table_size = table;
	f->opts.self_exe = "/nonexistent";
}

static void fx_go(struct fx *f)
{
	int sv[2];

	f->m = monitor_new(&f->opts, &f->cfg);
	ck_assert_ptr_nonnull(f->m);
	monitor_set_clock(f->m, fake_clock);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	monitor_add_worker(f->m, FAKE_PID, sv[0]);
	f->wsock = sv[1];
}

static void fx_end(struct fx *f)
{
	monitor_free(f->m);
	close(f->wsock);
	stub_reset();
}

struct wmsg {
	struct kp_hdr hdr;
	union {
		struct kp_request req;
		struct kp_signed sig;
		uint8_t raw[KP_MAX_MSG];
	} u;
};

/* The IPv4 peer of the socket the last message passed, or "". */
static char last_peer[INET_ADDRSTRLEN];

/* As the worker: read one message (closing a passed fd). Return: false if none. */
static bool worker_read(struct fx *f, struct wmsg *w, int wait_ms)
{
	static uint8_t buf[KP_MAX_MSG];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct pollfd p = { f->wsock, POLLIN, 0 };
	ssize_t n;
	int fd;

	if (poll(&p, 1, wait_ms) <= 0)
		return false;
	n = recvmsg(f->wsock, &mh, MSG_DONTWAIT);
	if (n <= 0)
		return false;
	fd = kp_take_fd(&mh);
	last_peer[0] = 0;
	if (fd >= 0) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);

		/* Who the request came from, for the fairness tests. */
		if (!getpeername(fd, (struct sockaddr *)&sin, &sl) && sin.sin_family == AF_INET)
			inet_ntop(AF_INET, &sin.sin_addr, last_peer, sizeof(last_peer));
		close(fd);
	}
	ck_assert_int_eq(kp_parse(buf, (size_t)n, &w->hdr), 0);
	memcpy(&w->u, buf + sizeof(w->hdr), w->hdr.len);
	return true;
}

static void worker_result(struct fx *f, uint64_t id, int status)
{
	struct kp_result res;

	memset(&res, 0, sizeof(res));
	res.status = status;
	res.alert_sent = res.alert_received = -1;
	ck_assert_int_eq(kp_send(f->wsock, KP_RESULT, id, &res, sizeof(res), -1, 0), 0);
}

/* Every request the stub handed out got exactly one DONE; none stray. */
static void assert_one_done_each(unsigned int n, int status)
{
	unsigned int i;

	ck_assert_uint_eq(stub.n, n);
	ck_assert_uint_eq(stub.next, n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(stub.reqs[i].n_done == 1, "request %u got %u DONEs", i,
			      stub.reqs[i].n_done);
		if (status >= 0)
			ck_assert_int_eq(stub.reqs[i].status, status);
	}
	ck_assert_uint_eq(stub.stray_dones, 0);
	ck_assert_uint_eq(stub.dones, n);
}

/*
 * The crash of issue 8: a flood bigger than the table, whose deadlines
 * pass while the only worker holds all it may and never answers. The
 * table fills; READYs then stay in the kernel; each deadline frees its
 * entry (the request is answered ETIMEDOUT then, not when a worker has
 * room), the next requests come in, and so on until the kernel is empty.
 */
START_TEST(test_monitor_flood_expires_one_done_each)
{
	const unsigned int n = 500, table = 32;
	unsigned int i, rounds;
	struct fx f;
	struct wmsg w;

	fx_start(&f, 2, table);
	fx_go(&f);
	for (i = 0; i < n; i++)
		stub_queue(i % 3 ? SERVER : CLIENT, i % 3 ? KTLS_HANDSHAKE_AUTH_PSK
							  : KTLS_HANDSHAKE_AUTH_UNAUTH, 1000);
	monitor_accept(f.m);
	ck_assert_uint_eq(stub.accepts, table);
	ck_assert_uint_eq(stub_pending(), n - table);
	/* Full and nothing due: no ACCEPT, however often the loop turns. */
	for (i = 0; i < 5; i++)
		(void)monitor_round(f.m, 0);
	ck_assert_uint_eq(stub.accepts, table);
	ck_assert_uint_eq(stub.dones, 0);
	/* The worker got its two (max_inflight) and is silent from now on. */
	for (rounds = 0; rounds < 10000 && (stub_pending() || stub.dones < n); rounds++) {
		fake_now += 500;
		(void)monitor_round(f.m, 0);
		while (worker_read(&f, &w, 0))
			;
	}
	assert_one_done_each(n, ETIMEDOUT);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_handshakes_timeout], n);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_inflight], 0);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_queued], 0);
	fx_end(&f);
}
END_TEST

/* The same flood with a worker that answers what it gets: one DONE each, right status. */
START_TEST(test_monitor_flood_mixed_answers_one_done_each)
{
	const unsigned int n = 300, table = 16;
	unsigned int i, rounds, ok = 0;
	struct fx f;
	struct wmsg w;

	fx_start(&f, 4, table);
	fx_go(&f);
	for (i = 0; i < n; i++)
		stub_queue(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 1000);
	for (rounds = 0; rounds < 10000 && (stub_pending() || stub.dones < n); rounds++) {
		monitor_accept(f.m);
		(void)monitor_round(f.m, 0);
		/* Answer every other request; let the rest run into the backstop. */
		while (worker_read(&f, &w, 0))
			if (w.hdr.type == KP_REQUEST && (w.hdr.id & 1) == 0) {
				worker_result(&f, w.hdr.id, 0);
				ok++;
			}
		fake_now += 700;
	}
	ck_assert_uint_gt(ok, 0);
	assert_one_done_each(n, -1);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_handshakes_ok], ok);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_handshakes_timeout], n - ok);
	for (i = 0; i < n; i++)
		ck_assert(stub.reqs[i].status == 0 || stub.reqs[i].status == ETIMEDOUT);
	fx_end(&f);
}
END_TEST

/* Count the KP_REQUESTs the worker got, and those of client role. */
static unsigned int worker_requests(struct fx *f, unsigned int *clients)
{
	struct wmsg w;
	unsigned int n = 0;

	*clients = 0;
	while (worker_read(f, &w, 0))
		if (w.hdr.type == KP_REQUEST) {
			n++;
			if (w.u.req.role == KTLS_ROLE_CLIENT)
				(*clients)++;
		}
	return n;
}

/* Every server-side slot busy, more server requests waiting: a client one goes at once. */
START_TEST(test_monitor_client_dispatched_with_server_slots_busy)
{
	unsigned int i, clients;
	struct fx f;

	fx_start(&f, 4, 64);
	f.cfg.max_server_inflight = 2;
	f.cfg.max_server_inflight_per_peer = 2;	/* one peer here ("unknown") */
	fx_go(&f);
	for (i = 0; i < 10; i++)
		stub_queue(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 5000);
	monitor_accept(f.m);
	ck_assert_uint_eq(worker_requests(&f, &clients), 2);
	ck_assert_uint_eq(clients, 0);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_inflight_server], 2);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_queued_server], 8);
	/* This host's own mount comes behind the flood, and does not wait. */
	stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 5000);
	(void)monitor_round(f.m, 0);
	monitor_accept(f.m);
	ck_assert_uint_eq(worker_requests(&f, &clients), 1);
	ck_assert_uint_eq(clients, 1);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_inflight], 3);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_inflight_server], 2);
	fx_end(&f);
}
END_TEST

/* The server queue full: the flood beyond it gets EBUSY at once; the client still goes. */
START_TEST(test_monitor_server_queue_full_is_ebusy)
{
	unsigned int i, clients, busy = 0;
	struct fx f;

	fx_start(&f, 4, 64);
	f.cfg.max_server_inflight = 1;
	f.cfg.max_server_queued = 3;
	fx_go(&f);
	for (i = 0; i < 20; i++)
		stub_queue(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 5000);
	stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 5000);
	monitor_accept(f.m);
	ck_assert_uint_eq(worker_requests(&f, &clients), 2);
	ck_assert_uint_eq(clients, 1);
	for (i = 0; i < 20; i++)
		if (stub.reqs[i].n_done) {
			ck_assert_uint_eq(stub.reqs[i].n_done, 1);
			ck_assert_int_eq(stub.reqs[i].status, EBUSY);
			busy++;
		}
	ck_assert_uint_eq(busy, 20 - 1 - 3);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_requests_busy], busy);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_queued_server], 3);
	ck_assert_uint_eq(stub.reqs[20].n_done, 0);
	fx_end(&f);
}
END_TEST

/* Accept until the stub is empty (MON_ACCEPTS_PER_ROUND a call). */
static void accept_all_pending(struct fx *f)
{
	unsigned int i;

	for (i = 0; i < 100 && stub_pending(); i++)
		monitor_accept(f->m);
	ck_assert_uint_eq(stub_pending(), 0);
}

/*
 * The VM flood in small: peer A (127.0.0.2) holds every server slot and
 * has 100 more waiting; peer B's (127.0.0.3) comes last. When one of A's
 * ends, B's is the one dispatched, not A's oldest; A's next come after.
 */
START_TEST(test_monitor_fair_other_peer_at_next_free_slot)
{
	uint64_t a_ids[4];
	unsigned int i, n = 0, clients;
	struct fx f;
	struct wmsg w;

	fx_start(&f, 4, 256);
	f.cfg.max_server_inflight = 3;
	f.cfg.max_server_inflight_per_peer = 3;	/* A may hold them all */
	fx_go(&f);
	for (i = 0; i < 103; i++)
		stub_queue_from(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 60000, "127.0.0.2");
	accept_all_pending(&f);
	while (worker_read(&f, &w, 0))
		if (w.hdr.type == KP_REQUEST) {
			ck_assert_str_eq(last_peer, "127.0.0.2");
			ck_assert_uint_lt(n, 4);
			a_ids[n++] = w.hdr.id;
		}
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_queued_server], 100);
	stub_queue_from(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 60000, "127.0.0.3");
	accept_all_pending(&f);
	ck_assert_uint_eq(worker_requests(&f, &clients), 0);	/* no slot yet */
	/* One of A's ends: the slot goes to B. */
	worker_result(&f, a_ids[0], 0);
	for (i = 0; i < 20 && !worker_read(&f, &w, 50); i++)
		(void)monitor_round(f.m, 0);
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	ck_assert_str_eq(last_peer, "127.0.0.3");
	ck_assert_uint_eq(stub.reqs[0].n_done, 1);
	ck_assert_uint_eq(stub.reqs[103].n_done, 0);
	/* The next free slot: A's oldest waiting (request 3). */
	worker_result(&f, a_ids[1], 0);
	for (i = 0; i < 20 && !worker_read(&f, &w, 50); i++)
		(void)monitor_round(f.m, 0);
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	ck_assert_str_eq(last_peer, "127.0.0.2");
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_queued_server], 99);
	fx_end(&f);
}
END_TEST

/*
 * The default per-peer cap (half the server share) keeps slots free for
 * others even before one ends; and a full server queue refuses the
 * flood's newest, not the other peer's request.
 */
START_TEST(test_monitor_fair_cap_and_overflow_refuse_the_flood)
{
	unsigned int i, busy = 0, clients;
	struct fx f;
	struct wmsg w;

	fx_start(&f, 8, 256);
	f.cfg.max_server_inflight = 4;	/* per peer: 2 by default */
	f.cfg.max_server_queued = 10;
	fx_go(&f);
	for (i = 0; i < 40; i++)
		stub_queue_from(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 60000, "127.0.0.2");
	accept_all_pending(&f);
	ck_assert_uint_eq(worker_requests(&f, &clients), 2);	/* A at its cap */
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_queued_server], 10);
	/* B's comes into a full queue: B goes at once (a free slot). */
	stub_queue_from(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 60000, "127.0.0.3");
	accept_all_pending(&f);
	ck_assert(worker_read(&f, &w, 0));
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	ck_assert_str_eq(last_peer, "127.0.0.3");
	/* Two of C's: one goes (a slot), one waits; then A's overflow. */
	stub_queue_from(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 60000, "127.0.0.4");
	stub_queue_from(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 60000, "127.0.0.4");
	stub_queue_from(SERVER, KTLS_HANDSHAKE_AUTH_PSK, 60000, "127.0.0.2");
	accept_all_pending(&f);
	ck_assert_uint_eq(worker_requests(&f, &clients), 1);
	ck_assert_uint_eq(stub.reqs[42].n_done, 0);	/* C's second still waits */
	for (i = 0; i < stub.n; i++)
		if (stub.reqs[i].n_done) {
			ck_assert_int_eq(stub.reqs[i].status, EBUSY);
			ck_assert_str_eq(stub.reqs[i].peer, "127.0.0.2");
			busy++;
		}
	ck_assert_uint_eq(busy, 40 - 2 - 10 + 1 + 1);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_requests_busy], busy);
	fx_end(&f);
}
END_TEST

/* kernel_peer_key() on real sockets; without a peer, the shared "unknown" key. */
START_TEST(test_monitor_peer_key_from_socket_or_unknown)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct rq_peer k, zero;
	int fd;

	memset(&zero, 0, sizeof(zero));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	/* Not connected: getpeername() fails (ENOTCONN). */
	memset(&k, 0xff, sizeof(k));
	ck_assert_int_eq(kernel_peer_key(fd, &k), -1);
	ck_assert(!memcmp(&k, &zero, sizeof(k)));
	inet_pton(AF_INET, "127.0.0.5", &sin.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(kernel_peer_key(fd, &k), 0);
	ck_assert_int_eq(k.family, RQ_PEER_IPV4);
	ck_assert(!memcmp(k.addr, "\x7f\0\0\x05\0\0\0\0", 8));
	close(fd);
	/* A bad fd, and a socket that is not IP. */
	memset(&k, 0xff, sizeof(k));
	ck_assert_int_eq(kernel_peer_key(-1, &k), -1);
	ck_assert(!memcmp(&k, &zero, sizeof(k)));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&k, 0xff, sizeof(k));
	ck_assert_int_eq(kernel_peer_key(fd, &k), -1);
	ck_assert(!memcmp(&k, &zero, sizeof(k)));
	close(fd);
}
END_TEST

/* The table's bound holds per turn too: at most MON_ACCEPTS_PER_ROUND ACCEPTs. */
START_TEST(test_monitor_accepts_bounded_per_round)
{
	unsigned int i;
	struct fx f;

	fx_start(&f, 1024, 4096);
	fx_go(&f);
	for (i = 0; i < 3 * MON_ACCEPTS_PER_ROUND; i++)
		stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 5000);
	monitor_accept(f.m);
	ck_assert_uint_eq(stub.accepts, MON_ACCEPTS_PER_ROUND);
	(void)monitor_round(f.m, 0);	/* comes back at once for the rest */
	ck_assert_uint_eq(stub.accepts, 2 * MON_ACCEPTS_PER_ROUND);
	fx_end(&f);
}
END_TEST

static struct testcert srv_cert;

static void sign_setup(struct fx *f, uint64_t *id, struct kp_sign *s)
{
	struct ktls_credential *c;
	unsigned int clients;
	struct wmsg w;

	fx_start(f, 16, 64);
	snprintf(f->cfg.server.certificate, sizeof(f->cfg.server.certificate), "%s", srv_cert.cert);
	snprintf(f->cfg.server.private_key, sizeof(f->cfg.server.private_key), "%s", srv_cert.key);
	fx_go(f);
	stub_queue(SERVER, KTLS_HANDSHAKE_AUTH_X509, 5000);
	monitor_accept(f->m);
	ck_assert(worker_read(f, &w, 1000));
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	ck_assert_uint_eq(w.u.req.cred, KP_CRED_CONFIG);
	*id = w.hdr.id;
	(void)clients;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(ktls_credential_load_pem(srv_cert.cert, srv_cert.key, &c), 0);
	ck_assert_int_eq(ktls_credential_fingerprint(c, s->leaf_sha256), 0);
	ktls_credential_free(c);
	s->scheme = KTLS_SIG_ECDSA_SECP256R1_SHA256;
	s->tbs_len = 100;
	memset(s->tbs, 0x20, s->tbs_len);
}

/* Wait (by turns of the loop, up to 10 s) for the KP_SIGNED of @id. */
static bool wait_signed(struct fx *f, uint64_t id, struct kp_signed *out)
{
	struct wmsg w;
	int i;

	for (i = 0; i < 1000; i++) {
		(void)monitor_round(f->m, 10);
		while (worker_read(f, &w, 0))
			if (w.hdr.type == KP_SIGNED && w.hdr.id == id) {
				*out = w.u.sig;
				return true;
			}
	}
	return false;
}

/*
 * A signature outstanding (the signer held): the loop still takes
 * requests and sends DONEs. Then the signature arrives; no condition here
 * depends on how long anything takes.
 */
START_TEST(test_monitor_signer_does_not_hold_the_loop)
{
	struct kp_signed sig;
	struct kp_sign s;
	struct wmsg w;
	uint64_t id, other = 0;
	bool got = false;
	unsigned int i;
	struct fx f;
	int policy;

	sign_setup(&f, &id, &s);
	policy = sched_getscheduler(signer_tid(monitor_signer(f.m)));
	ck_assert_int_eq(policy & ~SCHED_RESET_ON_FORK, SCHED_OTHER);

	signer_hold(monitor_signer(f.m), true);
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	for (i = 0; i < 5; i++)
		(void)monitor_round(f.m, 0);
	/* New requests are taken and handed out, and one finishes, meanwhile. */
	for (i = 0; i < 3; i++)
		stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 5000);
	monitor_accept(f.m);
	ck_assert_uint_eq(stub.accepts, 4);
	while (worker_read(&f, &w, 0)) {
		ck_assert_uint_ne(w.hdr.type, KP_SIGNED);
		if (w.hdr.type == KP_REQUEST) {
			other = w.hdr.id;
			got = true;
		}
	}
	ck_assert(got);
	worker_result(&f, other, 0);
	for (i = 0; i < 5 && stub.dones == 0; i++)
		(void)monitor_round(f.m, 100);
	ck_assert_uint_eq(stub.dones, 1);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 0);
	/* Let it sign: the answer comes through the eventfd. */
	signer_hold(monitor_signer(f.m), false);
	ck_assert(wait_signed(&f, id, &sig));
	ck_assert_int_eq(sig.status, 0);
	ck_assert_uint_gt(sig.sig_len, 0);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 1);
	fx_end(&f);
}
END_TEST

/* One CertificateVerify per handshake: a second KP_SIGN is refused, pending or not. */
START_TEST(test_monitor_second_sign_refused)
{
	struct kp_signed sig;
	struct kp_sign s;
	uint64_t id;
	struct fx f;

	sign_setup(&f, &id, &s);
	signer_hold(monitor_signer(f.m), true);
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	/* The second is answered at once (refused) while the first is held. */
	ck_assert(wait_signed(&f, id, &sig));
	ck_assert_int_eq(sig.status, KTLS_E_INVALID);
	ck_assert_uint_eq(sig.sig_len, 0);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures_refused], 1);
	signer_hold(monitor_signer(f.m), false);
	ck_assert(wait_signed(&f, id, &sig));
	ck_assert_int_eq(sig.status, 0);
	/* And after it was made. */
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	ck_assert(wait_signed(&f, id, &sig));
	ck_assert_int_eq(sig.status, KTLS_E_INVALID);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 1);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures_refused], 2);
	fx_end(&f);
}
END_TEST

/* A signature for a request the worker does not hold, or a wrong certificate: refused. */
START_TEST(test_monitor_sign_wrong_request_or_cert_refused)
{
	struct kp_signed sig;
	struct kp_sign s;
	uint64_t id;
	struct fx f;

	sign_setup(&f, &id, &s);
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id + 1, &s, sizeof(s), -1, 0), 0);
	ck_assert(wait_signed(&f, id + 1, &sig));
	ck_assert_int_eq(sig.status, KTLS_E_INVALID);
	s.leaf_sha256[0] ^= 1;
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	ck_assert(wait_signed(&f, id, &sig));
	ck_assert_int_eq(sig.status, KTLS_E_NOKEY);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 0);
	fx_end(&f);
}
END_TEST

/* [debug] delay_done: the DONE waits for its timer; the loop goes on meanwhile. */
START_TEST(test_monitor_delay_done_is_a_timer)
{
	struct wmsg w;
	uint64_t id = 0;
	bool got = false;
	struct fx f;
	int i;

	fx_start(&f, 4, 16);
	f.cfg.delay_done = 5;
	fx_go(&f);
	stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 60000);
	monitor_accept(f.m);
	while (worker_read(&f, &w, 0))
		if (w.hdr.type == KP_REQUEST) {
			id = w.hdr.id;
			got = true;
		}
	ck_assert(got);
	worker_result(&f, id, 0);
	for (i = 0; i < 5; i++)
		(void)monitor_round(f.m, 50);
	ck_assert_uint_eq(stub.dones, 0);
	/* Meanwhile the next request is taken and handed out. */
	stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 60000);
	monitor_accept(f.m);
	ck_assert_uint_eq(stub.accepts, 2);
	ck_assert(worker_read(&f, &w, 1000));
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	fake_now += 4999;
	(void)monitor_round(f.m, 0);
	ck_assert_uint_eq(stub.dones, 0);
	fake_now += 1;
	(void)monitor_round(f.m, 0);
	ck_assert_uint_eq(stub.dones, 1);
	ck_assert_uint_eq(stub.reqs[0].n_done, 1);
	ck_assert_int_eq(stub.reqs[0].status, 0);
	/* A late message for it changes nothing. */
	worker_result(&f, id, EIO);
	(void)monitor_round(f.m, 50);
	ck_assert_uint_eq(stub.dones, 1);
	fx_end(&f);
}
END_TEST

static int stats_connect(const char path[64])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static bool readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 1;
}

/* 0660, root's and the group's; at most MON_CONTROL_PER_ROUND answered per turn. */
START_TEST(test_monitor_stats_socket_0660_bounded)
{
	char dir[] = "/tmp/ktlsd-mon-XXXXXX", path[64], buf[4096];
	int c[MON_CONTROL_PER_ROUND + 4];
	unsigned int i, ready = 0;
	struct group *gr = getgrnam("ktlsd");
	struct stat st;
	struct fx f;
	ssize_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stats.sock", dir);
	fx_start(&f, 4, 16);
	snprintf(f.cfg.stats_socket, sizeof(f.cfg.stats_socket), "%s", path);
	fx_go(&f);
	monitor_open_control(f.m);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	/*
	 * "ktlsd" when it exists, else root's; a test that is not root cannot
	 * give it a group it is not in, and the socket keeps its own.
	 */
	if (geteuid() == 0)
		ck_assert_uint_eq(st.st_gid, gr ? gr->gr_gid : 0);
	else
		ck_assert(st.st_gid == getegid() || (gr && st.st_gid == gr->gr_gid));

	for (i = 0; i < MON_CONTROL_PER_ROUND + 4; i++)
		c[i] = stats_connect(path);
	(void)monitor_round(f.m, 0);
	for (i = 0; i < MON_CONTROL_PER_ROUND + 4; i++)
		ready += readable(c[i]);
	ck_assert_uint_eq(ready, MON_CONTROL_PER_ROUND);
	(void)monitor_round(f.m, 0);
	for (i = 0, ready = 0; i < MON_CONTROL_PER_ROUND + 4; i++)
		ready += readable(c[i]);
	ck_assert_uint_eq(ready, MON_CONTROL_PER_ROUND + 4);
	n = read(c[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_ptr_nonnull(strstr(buf, "requests_accepted=0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "requests_busy=0\n"));
	for (i = 0; i < MON_CONTROL_PER_ROUND + 4; i++)
		close(c[i]);
	fx_end(&f);
	ck_assert_int_ne(access(path, F_OK), 0);	/* unlinked at close */
	rmdir(dir);
}
END_TEST

/* A stats_group that does not exist: the socket is root's group (or ours), still 0660. */
START_TEST(test_monitor_stats_socket_unknown_group)
{
	char dir[] = "/tmp/ktlsd-mon-XXXXXX", path[64];
	struct stat st;
	struct fx f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stats.sock", dir);
	fx_start(&f, 4, 16);
	snprintf(f.cfg.stats_socket, sizeof(f.cfg.stats_socket), "%s", path);
	snprintf(f.cfg.stats_group, sizeof(f.cfg.stats_group), "no-such-group-ktlsd");
	fx_go(&f);
	monitor_open_control(f.m);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_uint_eq(st.st_gid, geteuid() == 0 ? 0 : getegid());
	fx_end(&f);
	rmdir(dir);
}
END_TEST

/*
 * A signing flood: the server class's signer queue holds SIGNER_QUEUE_MAX;
 * the next server KP_SIGN is refused at once, a client one is still taken,
 * and once the signer goes on, the client's signature is made first.
 */
START_TEST(test_monitor_signer_queue_bounded_client_first)
{
	const unsigned int n = SIGNER_QUEUE_MAX + 1;
	uint64_t ids[SIGNER_QUEUE_MAX + 1], cid = 0;
	struct ktls_credential *c;
	struct kp_signed sig;
	struct kp_sign s;
	struct wmsg w;
	unsigned int i, got = 0, refused = 0, signed_ok = 0;
	bool have_client = false, first_is_client = false, first = true;
	struct fx f;

	fx_start(&f, 256, 512);
	snprintf(f.cfg.server.certificate, sizeof(f.cfg.server.certificate), "%s", srv_cert.cert);
	snprintf(f.cfg.server.private_key, sizeof(f.cfg.server.private_key), "%s", srv_cert.key);
	snprintf(f.cfg.client.certificate, sizeof(f.cfg.client.certificate), "%s", srv_cert.cert);
	snprintf(f.cfg.client.private_key, sizeof(f.cfg.client.private_key), "%s", srv_cert.key);
	fx_go(&f);
	for (i = 0; i < n; i++)
		stub_queue(SERVER, KTLS_HANDSHAKE_AUTH_X509, 60000);
	stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_X509, 60000);
	monitor_accept(f.m);
	/* What did not fit in the socket at once comes as the loop turns. */
	for (i = 0; i < 100 && (got < n || !have_client); i++) {
		(void)monitor_round(f.m, 0);
		while (worker_read(&f, &w, 0))
			if (w.hdr.type == KP_REQUEST) {
				if (w.u.req.role == KTLS_ROLE_CLIENT) {
					cid = w.hdr.id;
					have_client = true;
				} else if (got < n) {
					ids[got++] = w.hdr.id;
				}
			}
	}
	ck_assert_uint_eq(got, n);
	ck_assert(have_client);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ktls_credential_load_pem(srv_cert.cert, srv_cert.key, &c), 0);
	ck_assert_int_eq(ktls_credential_fingerprint(c, s.leaf_sha256), 0);
	ktls_credential_free(c);
	s.scheme = KTLS_SIG_ECDSA_SECP256R1_SHA256;
	s.tbs_len = 64;
	signer_hold(monitor_signer(f.m), true);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, ids[i], &s, sizeof(s), -1, 0), 0);
		if (i % 32 == 31)
			(void)monitor_round(f.m, 0);
	}
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, cid, &s, sizeof(s), -1, 0), 0);
	for (i = 0; i < 10; i++)
		(void)monitor_round(f.m, 0);
	/* Only the one past the bound is answered yet: refused. */
	while (worker_read(&f, &w, 0))
		if (w.hdr.type == KP_SIGNED) {
			ck_assert_uint_eq(w.hdr.id, ids[n - 1]);
			ck_assert_int_eq(w.u.sig.status, KTLS_E_INTERNAL);
			refused++;
		}
	ck_assert_uint_eq(refused, 1);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures_refused], 1);
	signer_hold(monitor_signer(f.m), false);
	for (i = 0; i < 2000 && signed_ok < n; i++) {
		(void)monitor_round(f.m, 10);
		while (worker_read(&f, &w, 0))
			if (w.hdr.type == KP_SIGNED) {
				ck_assert_int_eq(w.u.sig.status, 0);
				if (first)
					first_is_client = w.hdr.id == cid;
				first = false;
				signed_ok++;
			}
	}
	ck_assert_uint_eq(signed_ok, n);	/* 64 server, 1 client */
	ck_assert(first_is_client);
	(void)sig;
	fx_end(&f);
}
END_TEST

/* A worker that floods the monitor gets MON_WORKER_MSGS_PER_ROUND read per turn, no more. */
START_TEST(test_monitor_worker_messages_bounded_per_round)
{
	const unsigned int n = 3 * MON_WORKER_MSGS_PER_ROUND;
	struct kp_psk_lookup l;
	unsigned int i, sent, answers = 0;
	struct wmsg w;
	struct fx f;

	fx_start(&f, 4, 16);
	fx_go(&f);
	memset(&l, 0, sizeof(l));
	l.identity_len = 4;
	memcpy(l.identity, "nope", 4);
	/* As many as the socket takes (it stops short of n): more than one turn's worth. */
	for (sent = 0; sent < n; sent++)
		if (kp_send(f.wsock, KP_PSK_LOOKUP, 77, &l, sizeof(l), -1, MSG_DONTWAIT))
			break;
	ck_assert_uint_gt(sent, MON_WORKER_MSGS_PER_ROUND);
	(void)monitor_round(f.m, 0);
	while (worker_read(&f, &w, 0)) {
		ck_assert_uint_eq(w.hdr.type, KP_PSK);
		answers++;
	}
	ck_assert_uint_eq(answers, MON_WORKER_MSGS_PER_ROUND);
	for (i = 0; i < 10 && answers < sent; i++) {
		(void)monitor_round(f.m, 0);
		while (worker_read(&f, &w, 0))
			answers++;
	}
	ck_assert_uint_eq(answers, sent);
	fx_end(&f);
}
END_TEST

/* The budget keys: defaults, the reserve kept for clients, bad values refused. */
START_TEST(test_monitor_config_budget_keys)
{
	static const struct {
		const char *text;
		int ok;
		unsigned int server_inflight, server_queued;
		const char *group;
	} rows[] = {
		{ "[ktlsd]\n", 1, 768, 1024, "" },
		{ "[ktlsd]\nmax_inflight = 8\n", 1, 6, 1024, "" },
		{ "[ktlsd]\nmax_inflight = 1\n", 1, 1, 1024, "" },
		{ "[ktlsd]\nmax_inflight = 8\nmax_server_inflight = 7\n", 1, 7, 1024, "" },
		{ "[ktlsd]\nmax_inflight = 8\nmax_server_inflight = 8\n", 0, 0, 0, "" },
		{ "[ktlsd]\nmax_inflight = 8\nmax_server_inflight = 0\n", 0, 0, 0, "" },
		{ "[ktlsd]\nmax_server_queued = 0\n", 1, 768, 0, "" },
		{ "[ktlsd]\nmax_server_queued = 65537\n", 0, 0, 0, "" },
		{ "[ktlsd]\nstats_group = adm\n", 1, 768, 1024, "adm" },
		{ "[ktlsd]\nstats_group = a/b\n", 0, 0, 0, "" },
	};
	char dir[] = "/tmp/ktlsd-cfg-XXXXXX", path[64], err[KCFG_ERR_MAX];
	static struct kcfg cfg;
	size_t i;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.conf", dir);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fp = fopen(path, "w");
		ck_assert_ptr_nonnull(fp);
		fputs(rows[i].text, fp);
		fclose(fp);
		if (!rows[i].ok) {
			ck_assert_msg(kcfg_load(path, &cfg, err) == -1, "row %zu loaded", i);
			continue;
		}
		ck_assert_msg(kcfg_load(path, &cfg, err) == 0, "row %zu: %s", i, err);
		ck_assert_uint_eq(kcfg_server_inflight(&cfg), rows[i].server_inflight);
		ck_assert_uint_eq(cfg.max_server_queued, rows[i].server_queued);
		ck_assert_str_eq(cfg.stats_group, rows[i].group);
	}
	unlink(path);
	rmdir(dir);
}
END_TEST

/* max_server_inflight_per_peer: its default, its bounds, never above the server share. */
START_TEST(test_monitor_config_per_peer_key)
{
	static const struct {
		const char *text;
		int ok;
		unsigned int per_peer;
	} rows[] = {
		{ "[ktlsd]\n", 1, 384 },
		{ "[ktlsd]\nmax_inflight = 8\n", 1, 3 },
		{ "[ktlsd]\nmax_inflight = 1\n", 1, 1 },
		{ "[ktlsd]\nmax_inflight = 2\n", 1, 1 },
		{ "[ktlsd]\nmax_inflight = 8\nmax_server_inflight_per_peer = 2\n", 1, 2 },
		{ "[ktlsd]\nmax_inflight = 8\nmax_server_inflight_per_peer = 100\n", 1, 6 },
		{ "[ktlsd]\nmax_server_inflight_per_peer = 0\n", 1, 384 },
		{ "[ktlsd]\nmax_server_inflight_per_peer = 65537\n", 0, 0 },
		{ "[ktlsd]\nmax_server_inflight_per_peer = -1\n", 0, 0 },
		{ "[ktlsd]\nmax_server_inflight_per_peer = many\n", 0, 0 },
	};
	char dir[] = "/tmp/ktlsd-cfg-XXXXXX", path[64], err[KCFG_ERR_MAX];
	static struct kcfg cfg;
	size_t i;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.conf", dir);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fp = fopen(path, "w");
		ck_assert_ptr_nonnull(fp);
		fputs(rows[i].text, fp);
		fclose(fp);
		if (!rows[i].ok) {
			ck_assert_msg(kcfg_load(path, &cfg, err) == -1, "row %zu loaded", i);
			continue;
		}
		ck_assert_msg(kcfg_load(path, &cfg, err) == 0, "row %zu: %s", i, err);
		ck_assert_uint_eq(kcfg_server_inflight_per_peer(&cfg), rows[i].per_peer);
	}
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *monitor_suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_monitor_flood_expires_one_done_each);
	tcase_add_test(tc, test_monitor_flood_mixed_answers_one_done_each);
	tcase_add_test(tc, test_monitor_client_dispatched_with_server_slots_busy);
	tcase_add_test(tc, test_monitor_server_queue_full_is_ebusy);
	tcase_add_test(tc, test_monitor_fair_other_peer_at_next_free_slot);
	tcase_add_test(tc, test_monitor_fair_cap_and_overflow_refuse_the_flood);
	tcase_add_test(tc, test_monitor_peer_key_from_socket_or_unknown);
	tcase_add_test(tc, test_monitor_accepts_bounded_per_round);
	tcase_add_test(tc, test_monitor_worker_messages_bounded_per_round);
	tcase_add_test(tc, test_monitor_signer_does_not_hold_the_loop);
	tcase_add_test(tc, test_monitor_second_sign_refused);
	tcase_add_test(tc, test_monitor_sign_wrong_request_or_cert_refused);
	tcase_add_test(tc, test_monitor_signer_queue_bounded_client_first);
	tcase_add_test(tc, test_monitor_delay_done_is_a_timer);
	tcase_add_test(tc, test_monitor_stats_socket_0660_bounded);
	tcase_add_test(tc, test_monitor_stats_socket_unknown_group);
	tcase_add_test(tc, test_monitor_config_budget_keys);
	tcase_add_test(tc, test_monitor_config_per_peer_key);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(monitor_suite());
	int failed;

	log_set_level(LOG_LVL_WARN);
	if (!testcert_ca_file() ||
	    testcert_make(TESTCERT_P256, "server.test", 30, false, &srv_cert))
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testcert_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
