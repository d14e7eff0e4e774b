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
 *  - the control socket is 0660, bounded per turn, and clients that never
 *    read or send a byte at a time do not hold ACCEPT or DONE.
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
#include <time.h>
#include <unistd.h>

#include <ktls/ktls.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "control.h"
#include "handshake-uapi.h"
#include "kernel.h"
#include "log.h"
#include "monitor.h"
#include "privsep.h"
#include "monitor-types.h"
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
	/* Anonymous: a success needs no peer identity the monitor resolved. */
	for (i = 0; i < n; i++)
		stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 1000);
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
	/*
	 * One of A's ends (the peer went away: a result the monitor takes
	 * as it is; a success would have to name the PSK it resolved):
	 * the slot goes to B.
	 */
	worker_result(&f, a_ids[0], ECONNRESET);
	for (i = 0; i < 20 && !worker_read(&f, &w, 50); i++)
		(void)monitor_round(f.m, 0);
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	ck_assert_str_eq(last_peer, "127.0.0.3");
	ck_assert_uint_eq(stub.reqs[0].n_done, 1);
	ck_assert_uint_eq(stub.reqs[103].n_done, 0);
	/* The next free slot: A's oldest waiting (request 3). */
	worker_result(&f, a_ids[1], ECONNRESET);
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

/*
 * A request of @type and @auth handed to the test's worker, with the test
 * certificate configured for both roles; @s asks for a CertificateVerify
 * over a SHA-256 transcript hash with that certificate's key.
 */
static void sign_setup_for(struct fx *f, uint64_t *id, struct kp_sign *s, uint32_t type,
			   uint32_t auth)
{
	struct ktls_credential *c;
	struct wmsg w;

	fx_start(f, 16, 64);
	snprintf(f->cfg.server.certificate, sizeof(f->cfg.server.certificate), "%s", srv_cert.cert);
	snprintf(f->cfg.server.private_key, sizeof(f->cfg.server.private_key), "%s", srv_cert.key);
	snprintf(f->cfg.client.certificate, sizeof(f->cfg.client.certificate), "%s", srv_cert.cert);
	snprintf(f->cfg.client.private_key, sizeof(f->cfg.client.private_key), "%s", srv_cert.key);
	fx_go(f);
	stub_queue(type, auth, 5000);
	monitor_accept(f->m);
	ck_assert(worker_read(f, &w, 1000));
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	*id = w.hdr.id;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(ktls_credential_load_pem(srv_cert.cert, srv_cert.key, &c), 0);
	ck_assert_int_eq(ktls_credential_fingerprint(c, s->leaf_sha256), 0);
	ktls_credential_free(c);
	s->scheme = KTLS_SIG_ECDSA_SECP256R1_SHA256;
	s->th_len = 32;
	memset(s->th, 0xa5, s->th_len);
}

static void sign_setup(struct fx *f, uint64_t *id, struct kp_sign *s)
{
	sign_setup_for(f, id, s, SERVER, KTLS_HANDSHAKE_AUTH_X509);
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

/*
 * As the worker: turn the loop until the monitor has closed our socket
 * (it killed us), with no signature or key among what came before.
 */
static bool worker_killed(struct fx *f)
{
	static uint8_t buf[KP_MAX_MSG];
	struct kp_hdr hdr;
	ssize_t n;
	int i;

	for (i = 0; i < 200; i++) {
		(void)monitor_round(f->m, 5);
		while ((n = recv(f->wsock, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			ck_assert_int_eq(kp_parse(buf, (size_t)n, &hdr), 0);
			ck_assert_uint_ne(hdr.type, KP_SIGNED);
			ck_assert_uint_ne(hdr.type, KP_PSK);
		}
		if (n == 0)
			return true;
	}
	return false;
}

/*
 * One CertificateVerify per handshake: a second KP_SIGN, pending or made,
 * is what no honest worker sends. The worker is killed, its request is
 * answered at once, and the signature held for it never reaches it.
 */
static const bool second_after_made[] = { false, true };

START_TEST(test_monitor_second_sign_kills)
{
	struct kp_signed sig;
	struct kp_sign s;
	uint64_t id;
	struct fx f;

	sign_setup(&f, &id, &s);
	if (second_after_made[_i]) {
		ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
		ck_assert(wait_signed(&f, id, &sig));
		ck_assert_int_eq(sig.status, 0);
	} else {
		signer_hold(monitor_signer(f.m), true);
		ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	}
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	ck_assert(worker_killed(&f));
	ck_assert_uint_eq(stub.reqs[0].n_done, 1);
	ck_assert_int_ne(stub.reqs[0].status, 0);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures_refused], 1);
	signer_hold(monitor_signer(f.m), false);
	ck_assert_uint_eq(stub.stray_dones, 0);
	fx_end(&f);
}
END_TEST

/* Does @sig verify as @role's CertificateVerify over @th with the test certificate? */
static bool cv_verifies(enum ktls_role role, const uint8_t *th, size_t th_len,
			const struct kp_signed *sig)
{
	static const char sctx[] = "TLS 1.3, server CertificateVerify";
	static const char cctx[] = "TLS 1.3, client CertificateVerify";
	uint8_t tbs[64 + sizeof(sctx) + 48];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	FILE *fp = fopen(srv_cert.cert, "r");
	X509 *x;
	int ok;

	ck_assert_ptr_nonnull(md);
	ck_assert_ptr_nonnull(fp);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_ptr_nonnull(x);
	memset(tbs, 0x20, 64);
	memcpy(tbs + 64, role == KTLS_ROLE_SERVER ? sctx : cctx, sizeof(sctx));
	memcpy(tbs + 64 + sizeof(sctx), th, th_len);
	ck_assert(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)) == 1);
	ok = EVP_DigestVerify(md, sig->sig, sig->sig_len, tbs, 64 + sizeof(sctx) + th_len);
	EVP_MD_CTX_free(md);
	X509_free(x);
	return ok == 1;
}

/*
 * The honest worker: it sends the transcript hash and gets a signature
 * over the CertificateVerify content of its request's role, which
 * verifies with the certificate's public key (and not as the other role's).
 */
static const struct {
	uint32_t type;
	enum ktls_role role;
} honest_sign[] = {
	{ SERVER, KTLS_ROLE_SERVER },
	{ CLIENT, KTLS_ROLE_CLIENT },
};

START_TEST(test_monitor_sign_builds_cv_content)
{
	struct kp_signed sig;
	struct kp_sign s;
	uint64_t id;
	struct fx f;

	sign_setup_for(&f, &id, &s, honest_sign[_i].type, KTLS_HANDSHAKE_AUTH_X509);
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	ck_assert(wait_signed(&f, id, &sig));
	ck_assert_int_eq(sig.status, 0);
	ck_assert_uint_gt(sig.sig_len, 0);
	ck_assert(cv_verifies(honest_sign[_i].role, s.th, s.th_len, &sig));
	ck_assert(!cv_verifies(!honest_sign[_i].role, s.th, s.th_len, &sig));
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 1);
	fx_end(&f);
}
END_TEST

/*
 * The compromised worker asks for what TLS 1.3 never signs: content of
 * its choice (a hash the length of a TLS 1.2 ServerKeyExchange's params),
 * a hash of a length no suite has, a signature for a PSK or an anonymous
 * request, or with a scheme the key does not allow. Every one is refused
 * and no signature is made.
 */
static const struct {
	const char *what;
	uint32_t type, auth;
	uint16_t th_len, scheme;
	bool kills;	/* no honest worker asks this: it is killed */
} bad_sign[] = {
	{ "256 bytes of content", SERVER, KTLS_HANDSHAKE_AUTH_X509, 256,
	  KTLS_SIG_ECDSA_SECP256R1_SHA256, true },
	{ "a 20-byte (SHA-1) hash", SERVER, KTLS_HANDSHAKE_AUTH_X509, 20,
	  KTLS_SIG_ECDSA_SECP256R1_SHA256, true },
	{ "an empty hash", SERVER, KTLS_HANDSHAKE_AUTH_X509, 0, KTLS_SIG_ECDSA_SECP256R1_SHA256,
	  true },
	{ "a 64-byte hash", SERVER, KTLS_HANDSHAKE_AUTH_X509, 64, KTLS_SIG_ECDSA_SECP256R1_SHA256,
	  true },
	{ "a PSK server request", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 32,
	  KTLS_SIG_ECDSA_SECP256R1_SHA256, true },
	{ "an anonymous client request", CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 32,
	  KTLS_SIG_ECDSA_SECP256R1_SHA256, true },
	{ "RSA-PSS with an EC key", SERVER, KTLS_HANDSHAKE_AUTH_X509, 32,
	  KTLS_SIG_RSA_PSS_RSAE_SHA256, false },
	{ "P-384 with a P-256 key", SERVER, KTLS_HANDSHAKE_AUTH_X509, 32,
	  KTLS_SIG_ECDSA_SECP384R1_SHA384, false },
	{ "rsa_pkcs1_sha256 (TLS 1.2 only)", SERVER, KTLS_HANDSHAKE_AUTH_X509, 32, 0x0401, false },
};

START_TEST(test_monitor_sign_only_tls13_cv)
{
	struct kp_signed sig;
	struct kp_sign s;
	uint64_t id;
	struct fx f;

	sign_setup_for(&f, &id, &s, bad_sign[_i].type, bad_sign[_i].auth);
	s.th_len = bad_sign[_i].th_len;
	s.scheme = bad_sign[_i].scheme;
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	if (bad_sign[_i].kills) {
		ck_assert_msg(worker_killed(&f), "%s: the worker lives on", bad_sign[_i].what);
		ck_assert_uint_eq(stub.reqs[0].n_done, 1);
		ck_assert_int_ne(stub.reqs[0].status, 0);
	} else {
		ck_assert_msg(wait_signed(&f, id, &sig), "%s: no answer", bad_sign[_i].what);
		ck_assert_msg(sig.status == KTLS_E_INVALID, "%s: status %d", bad_sign[_i].what,
			      sig.status);
		ck_assert_uint_eq(sig.sig_len, 0);
	}
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 0);
	fx_end(&f);
}
END_TEST

/* The old message, 256 bytes of content to sign: not a KP_SIGN, nothing is signed. */
START_TEST(test_monitor_sign_old_layout_ignored)
{
	struct {
		uint16_t scheme, tbs_len;
		uint8_t leaf[32], tbs[256];
	} old;
	struct kp_signed sig;
	struct kp_sign s;
	uint64_t id;
	struct fx f;
	int i;

	sign_setup(&f, &id, &s);
	memset(&old, 0, sizeof(old));
	old.scheme = s.scheme;
	old.tbs_len = sizeof(old.tbs);
	memcpy(old.leaf, s.leaf_sha256, sizeof(old.leaf));
	memset(old.tbs, 0x41, sizeof(old.tbs));
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &old, sizeof(old), -1, 0), 0);
	for (i = 0; i < 20; i++)
		(void)monitor_round(f.m, 10);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 0);
	/* The request is still its own: the honest signature is still made. */
	ck_assert_int_eq(kp_send(f.wsock, KP_SIGN, id, &s, sizeof(s), -1, 0), 0);
	ck_assert(wait_signed(&f, id, &sig));
	ck_assert_int_eq(sig.status, 0);
	ck_assert_uint_eq(monitor_stats(f.m)->v[STAT_signatures], 1);
	fx_end(&f);
}
END_TEST

/* ---- the monitor decides what DONE says ---- */

#define VERIFIED 0xffffffffu

enum vstep {
	V_NONE,
	V_SIGN,		/* the worker has the server CertificateVerify made first */
	V_LOOKUP,	/* the worker looks up "id-a" first (found: serial 777) */
};

static const struct {
	const char *what;
	uint32_t type, auth;
	enum vstep step;
	bool no_ktls;
	uint32_t n_remote, remote[2];
	int status;		/* the DONE's */
	uint32_t done_remote;	/* the DONE's one REMOTE_AUTH value, or 0 for none */
} verdicts[] = {
	{ "anonymous client, kTLS on", CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, V_NONE, false, 0, { 0 },
	  0, 0 },
	{ "anonymous client, no kTLS on the socket", CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, V_NONE,
	  true, 0, { 0 }, EIO, 0 },
	{ "anonymous client claims a verified peer", CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, V_NONE,
	  false, 1, { VERIFIED }, EACCES, 0 },
	{ "x509 server, verified client, CertificateVerify made", SERVER,
	  KTLS_HANDSHAKE_AUTH_X509, V_SIGN, false, 1, { VERIFIED }, 0, VERIFIED },
	{ "x509 server, verified client, no CertificateVerify made", SERVER,
	  KTLS_HANDSHAKE_AUTH_X509, V_NONE, false, 1, { VERIFIED }, EACCES, 0 },
	{ "x509 server, verified client, no kTLS", SERVER, KTLS_HANDSHAKE_AUTH_X509, V_SIGN, true,
	  1, { VERIFIED }, EIO, 0 },
	{ "x509 server claims a key serial", SERVER, KTLS_HANDSHAKE_AUTH_X509, V_SIGN, false, 1,
	  { 777 }, EACCES, 0 },
	{ "x509 client claims a verified peer", CLIENT, KTLS_HANDSHAKE_AUTH_X509, V_NONE, false,
	  1, { VERIFIED }, EACCES, 0 },
	{ "PSK server, the key the monitor looked up", SERVER, KTLS_HANDSHAKE_AUTH_PSK, V_LOOKUP,
	  false, 1, { 777 }, 0, 777 },
	{ "PSK server, another key of the keyring", SERVER, KTLS_HANDSHAKE_AUTH_PSK, V_LOOKUP,
	  false, 1, { 778 }, EACCES, 0 },
	{ "PSK server, a key without a lookup", SERVER, KTLS_HANDSHAKE_AUTH_PSK, V_NONE, false, 1,
	  { 777 }, EACCES, 0 },
	{ "PSK server, success with no key", SERVER, KTLS_HANDSHAKE_AUTH_PSK, V_LOOKUP, false, 0,
	  { 0 }, EACCES, 0 },
	{ "PSK server, the key and another", SERVER, KTLS_HANDSHAKE_AUTH_PSK, V_LOOKUP, false, 2,
	  { 777, 778 }, EACCES, 0 },
	{ "PSK client, the kernel's key", CLIENT, KTLS_HANDSHAKE_AUTH_PSK, V_NONE, false, 1,
	  { 501 }, 0, 501 },
	{ "PSK client, a key the kernel did not name", CLIENT, KTLS_HANDSHAKE_AUTH_PSK, V_NONE,
	  false, 1, { 777 }, EACCES, 0 },
	{ "PSK client, the sentinel", CLIENT, KTLS_HANDSHAKE_AUTH_PSK, V_NONE, false, 1,
	  { VERIFIED }, EACCES, 0 },
};

/* Send @type/@payload as the worker and wait for the answer of @want for @id. */
static bool worker_ask(struct fx *f, uint16_t type, uint64_t id, const void *payload,
		       size_t len, uint16_t want, struct wmsg *w)
{
	int i;

	ck_assert_int_eq(kp_send(f->wsock, type, id, payload, len, -1, 0), 0);
	for (i = 0; i < 1000; i++) {
		(void)monitor_round(f->m, 10);
		while (worker_read(f, w, 0))
			if (w->hdr.type == want && w->hdr.id == id)
				return true;
	}
	return false;
}

static void lookup_msg(struct kp_psk_lookup *l, const char *identity)
{
	memset(l, 0, sizeof(*l));
	l->identity_len = (uint16_t)strlen(identity);
	memcpy(l->identity, identity, l->identity_len);
}

START_TEST(test_monitor_verdict)
{
	struct kp_result res;
	struct kp_sign s;
	struct kp_psk_lookup l;
	struct wmsg w;
	uint64_t id;
	struct fx f;
	int i, q;

	fx_start(&f, 16, 64);
	snprintf(f.cfg.server.certificate, sizeof(f.cfg.server.certificate), "%s", srv_cert.cert);
	snprintf(f.cfg.server.private_key, sizeof(f.cfg.server.private_key), "%s", srv_cert.key);
	snprintf(f.cfg.client.certificate, sizeof(f.cfg.client.certificate), "%s", srv_cert.cert);
	snprintf(f.cfg.client.private_key, sizeof(f.cfg.client.private_key), "%s", srv_cert.key);
	fx_go(&f);
	stub_add_psk(40, 777, "id-a", 0x11);
	stub_add_psk(40, 778, "id-b", 0x22);
	stub_add_psk(41, 501, "id-c", 0x33);
	q = stub_queue(verdicts[_i].type, verdicts[_i].auth, 5000);
	stub.reqs[q].no_ktls = verdicts[_i].no_ktls;
	stub.reqs[q].keyring = 40;
	if (verdicts[_i].type == CLIENT && verdicts[_i].auth == KTLS_HANDSHAKE_AUTH_PSK) {
		stub.reqs[q].peer_ids[0] = 501;
		stub.reqs[q].n_peer_ids = 1;
	}
	monitor_accept(f.m);
	ck_assert(worker_read(&f, &w, 1000));
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	id = w.hdr.id;
	if (verdicts[_i].step == V_SIGN) {
		struct ktls_credential *c;

		memset(&s, 0, sizeof(s));
		ck_assert_int_eq(ktls_credential_load_pem(srv_cert.cert, srv_cert.key, &c), 0);
		ck_assert_int_eq(ktls_credential_fingerprint(c, s.leaf_sha256), 0);
		ktls_credential_free(c);
		s.scheme = KTLS_SIG_ECDSA_SECP256R1_SHA256;
		s.th_len = 32;
		ck_assert(worker_ask(&f, KP_SIGN, id, &s, sizeof(s), KP_SIGNED, &w));
		ck_assert_int_eq(w.u.sig.status, 0);
	} else if (verdicts[_i].step == V_LOOKUP) {
		lookup_msg(&l, "id-a");
		ck_assert(worker_ask(&f, KP_PSK_LOOKUP, id, &l, sizeof(l), KP_PSK, &w));
		ck_assert_int_eq(((struct kp_psk_answer *)w.u.raw)->status, 0);
	}
	memset(&res, 0, sizeof(res));
	res.alert_sent = res.alert_received = -1;
	res.n_remote = verdicts[_i].n_remote;
	memcpy(res.remote, verdicts[_i].remote, sizeof(res.remote));
	ck_assert_int_eq(kp_send(f.wsock, KP_RESULT, id, &res, sizeof(res), -1, 0), 0);
	for (i = 0; i < 100 && !stub.reqs[q].n_done; i++)
		(void)monitor_round(f.m, 10);
	ck_assert_uint_eq(stub.reqs[q].n_done, 1);
	ck_assert_msg(stub.reqs[q].status == verdicts[_i].status, "%s: DONE status %d, not %d",
		      verdicts[_i].what, stub.reqs[q].status, verdicts[_i].status);
	if (verdicts[_i].done_remote) {
		ck_assert_uint_eq(stub.reqs[q].n_remote, 1);
		ck_assert_uint_eq(stub.reqs[q].remote[0], verdicts[_i].done_remote);
	} else {
		ck_assert_uint_eq(stub.reqs[q].n_remote, 0);
	}
	/* A success was checked on the socket itself. */
	if (!verdicts[_i].status || verdicts[_i].status == EIO)
		ck_assert_uint_gt(stub.tls_probes, 0);
	/* A worker that lied is killed; one that told the truth serves on. */
	if (verdicts[_i].status) {
		ck_assert_msg(worker_killed(&f), "%s: the worker lives on", verdicts[_i].what);
	} else {
		for (i = 0; i < 5; i++)
			(void)monitor_round(f.m, 5);
		ck_assert_int_eq(recv(f.wsock, &i, sizeof(i), MSG_DONTWAIT), -1);
		ck_assert_int_eq(errno, EAGAIN);
	}
	fx_end(&f);
}
END_TEST

/* ---- PSK lookups: only a server PSK request's, only its keyring, exact, bounded ---- */

static const struct {
	const char *what;
	uint32_t type, auth;
	int32_t keyring;
	const char *identity;
	unsigned int before;	/* lookups of an unknown identity first */
	bool other_id;		/* ask with an id the worker was never given */
	int status;		/* the answer's */
	uint32_t serial;	/* of the key it carries, when found */
	bool kills;		/* no answer: the worker is killed */
} lookups[] = {
	{ "its own keyring, exact identity", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 40, "id-a", 0, false,
	  0, 777, false },
	{ "another request's keyring", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 40, "id-c", 0, false,
	  KTLS_E_ALERT_unknown_psk_identity, 0, false },
	{ "a prefix of an identity", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 40, "id-", 0, false,
	  KTLS_E_ALERT_unknown_psk_identity, 0, false },
	{ "an empty identity", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 40, "", 0, false,
	  KTLS_E_ALERT_unknown_psk_identity, 0, false },
	{ "a client PSK request, its own identity", CLIENT, KTLS_HANDSHAKE_AUTH_PSK, 41, "id-c",
	  0, false, KTLS_E_ALERT_unknown_psk_identity, 0, true },
	{ "an x509 server request", SERVER, KTLS_HANDSHAKE_AUTH_X509, 40, "id-a", 0, false,
	  KTLS_E_ALERT_unknown_psk_identity, 0, true },
	{ "an anonymous client request", CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 40, "id-a", 0, false,
	  KTLS_E_ALERT_unknown_psk_identity, 0, true },
	{ "a request it does not hold", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 40, "id-a", 0, true,
	  KTLS_E_ALERT_unknown_psk_identity, 0, false },
	{ "the last lookup allowed", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 40, "id-a",
	  MREQ_MAX_PSK_LOOKUPS - 1, false, 0, 777, false },
	{ "one lookup too many", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 40, "id-a", MREQ_MAX_PSK_LOOKUPS,
	  false, KTLS_E_ALERT_unknown_psk_identity, 0, true },
	{ "no keyring: not the process keyring", SERVER, KTLS_HANDSHAKE_AUTH_PSK, 0, "id-a", 0,
	  false, KTLS_E_ALERT_unknown_psk_identity, 0, false },
};

START_TEST(test_monitor_psk_lookup_bounded)
{
	const struct kp_psk_answer *a;
	struct kp_psk_lookup l;
	struct wmsg w;
	uint64_t id;
	unsigned int i;
	struct fx f;
	int q;

	fx_start(&f, 16, 64);
	snprintf(f.cfg.server.certificate, sizeof(f.cfg.server.certificate), "%s", srv_cert.cert);
	snprintf(f.cfg.server.private_key, sizeof(f.cfg.server.private_key), "%s", srv_cert.key);
	fx_go(&f);
	stub_add_psk(40, 777, "id-a", 0x11);
	stub_add_psk(41, 501, "id-c", 0x33);
	q = stub_queue(lookups[_i].type, lookups[_i].auth, 5000);
	stub.reqs[q].keyring = lookups[_i].keyring;
	if (lookups[_i].type == CLIENT && lookups[_i].auth == KTLS_HANDSHAKE_AUTH_PSK) {
		stub.reqs[q].peer_ids[0] = 501;
		stub.reqs[q].n_peer_ids = 1;
	}
	monitor_accept(f.m);
	ck_assert(worker_read(&f, &w, 1000));
	ck_assert_uint_eq(w.hdr.type, KP_REQUEST);
	id = w.hdr.id + (lookups[_i].other_id ? 1 : 0);
	for (i = 0; i < lookups[_i].before; i++) {
		lookup_msg(&l, "nope");
		ck_assert(worker_ask(&f, KP_PSK_LOOKUP, id, &l, sizeof(l), KP_PSK, &w));
		ck_assert_int_eq(((struct kp_psk_answer *)w.u.raw)->status,
				 KTLS_E_ALERT_unknown_psk_identity);
	}
	lookup_msg(&l, lookups[_i].identity);
	if (lookups[_i].kills) {
		ck_assert_int_eq(kp_send(f.wsock, KP_PSK_LOOKUP, id, &l, sizeof(l), -1, 0), 0);
		ck_assert_msg(worker_killed(&f), "%s: the worker lives on", lookups[_i].what);
		ck_assert_uint_eq(stub.reqs[q].n_done, 1);
		fx_end(&f);
		return;
	}
	ck_assert(worker_ask(&f, KP_PSK_LOOKUP, id, &l, sizeof(l), KP_PSK, &w));
	a = (const void *)w.u.raw;
	ck_assert_msg(a->status == lookups[_i].status, "%s: status %d", lookups[_i].what,
		      a->status);
	if (!lookups[_i].status) {
		ck_assert_uint_eq(a->psk.serial, lookups[_i].serial);
		ck_assert_uint_eq(a->psk.key_len, 32);
	} else {
		/* No byte of any key comes back. */
		uint8_t zero[sizeof(a->psk.key)] = { 0 };

		ck_assert_uint_eq(a->psk.key_len, 0);
		ck_assert_mem_eq(a->psk.key, zero, sizeof(zero));
		ck_assert_uint_eq(a->psk.serial, 0);
	}
	/* Never the process keyring, never another request's. */
	if (stub.psk_searches)
		ck_assert_int_eq(stub.last_search_ring, lookups[_i].keyring);
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

/* Connect and send @req (NULL: nothing). */
static int ctl_connect(const char *path, const char *req)
{
	int fd = stats_connect(path);

	if (req)
		ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* Everything the server wrote, once it closed (or @max rounds passed). */
static size_t ctl_reply(struct fx *f, int fd, char *buf, size_t cap, unsigned int max)
{
	size_t len = 0;
	ssize_t n;

	while (max--) {
		(void)monitor_round(f->m, 0);
		while ((n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT)) > 0)
			len += (size_t)n;
		if (n == 0)
			break;
	}
	buf[len] = 0;
	return len;
}

/*
 * 0660, root's and the group's; at most CONTROL_ACCEPTS_PER_ROUND taken
 * per turn, each answered by the protocol.
 */
START_TEST(test_monitor_stats_socket_0660_bounded)
{
	char dir[] = "/tmp/ktlsd-mon-XXXXXX", path[64], buf[16384];
	int c[CONTROL_ACCEPTS_PER_ROUND + 4];
	unsigned int i, ready = 0;
	struct group *gr = getgrnam("ktlsd");
	struct stat st;
	struct fx f;

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

	for (i = 0; i < CONTROL_ACCEPTS_PER_ROUND + 4; i++)
		c[i] = ctl_connect(path, "ktlsd-control 1 text stats\n");
	/* Accepted this turn, read the next, answered the one after. */
	(void)monitor_round(f.m, 0);
	(void)monitor_round(f.m, 0);
	(void)monitor_round(f.m, 0);
	for (i = 0; i < CONTROL_ACCEPTS_PER_ROUND + 4; i++)
		ready += readable(c[i]);
	ck_assert_uint_eq(ready, CONTROL_ACCEPTS_PER_ROUND);
	(void)monitor_round(f.m, 0);
	for (i = 0, ready = 0; i < CONTROL_ACCEPTS_PER_ROUND + 4; i++)
		ready += readable(c[i]);
	ck_assert_uint_eq(ready, CONTROL_ACCEPTS_PER_ROUND + 4);
	ck_assert_uint_gt(ctl_reply(&f, c[0], buf, sizeof(buf), 50), 0);
	ck_assert_ptr_nonnull(strstr(buf, "requests_accepted=0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "requests_busy=0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "handshake_duration_ms.count=0\n"));
	for (i = 0; i < CONTROL_ACCEPTS_PER_ROUND + 4; i++)
		close(c[i]);
	fx_end(&f);
	ck_assert_int_ne(access(path, F_OK), 0);	/* unlinked at close */
	rmdir(dir);
}
END_TEST

/*
 * The attacker's side: every client slot taken by one that sends nothing,
 * one that sends its line a byte per turn, and one that asks for the
 * statistics and never reads. ACCEPT and DONE go on at once, each turn
 * returns at once, and each such client is closed at its deadline; then
 * a well-behaved client is served again.
 */
START_TEST(test_monitor_control_slow_clients_do_not_hold)
{
	char dir[] = "/tmp/ktlsd-mon-XXXXXX", path[64], buf[16384];
	const char *line = "ktlsd-control 1 prometheus stats\n";
	int c[CONTROL_MAX_CLIENTS], ok;
	unsigned int i, k, n = 0;
	struct timespec t0, t1;
	struct wmsg w;
	struct fx f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/control", dir);
	fx_start(&f, 64, 128);
	snprintf(f.cfg.stats_socket, sizeof(f.cfg.stats_socket), "%s", path);
	fx_go(&f);
	monitor_open_control(f.m);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		int rcv = 1;

		c[i] = ctl_connect(path, i % 3 == 2 ? line : NULL);
		/* The one that never reads: as little room for the reply as it can. */
		(void)setsockopt(c[i], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < 30; k++) {
		stub_queue(CLIENT, KTLS_HANDSHAKE_AUTH_UNAUTH, 60000);
		monitor_accept(f.m);
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (i % 3 == 1 && k < strlen(line))
				(void)!send(c[i], line + k, 1, MSG_NOSIGNAL);
		(void)monitor_round(f.m, 0);
		while (worker_read(&f, &w, 0))
			if (w.hdr.type == KP_REQUEST) {
				worker_result(&f, w.hdr.id, 0);
				n++;
			}
		(void)monitor_round(f.m, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Every request was taken and answered while the clients sat there. */
	ck_assert_uint_eq(n, 30);
	assert_one_done_each(30, 0);
	/* 60 turns with no one waiting in poll: well under the deadline. */
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
			 CONTROL_DEADLINE_MS / 2);
	/* The deadline closes every one of them, wherever it was. */
	fake_now += CONTROL_DEADLINE_MS;
	(void)monitor_round(f.m, 0);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		while (recv(c[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		ok = recv(c[i], buf, sizeof(buf), MSG_DONTWAIT);
		ck_assert_msg(ok == 0 || (ok < 0 && errno == ECONNRESET),
			      "client %u not closed at its deadline", i);
		close(c[i]);
	}
	/* The slots are free again: a client that behaves gets its answer. */
	c[0] = ctl_connect(path, "ktlsd-control 1 json stats\n");
	ck_assert_uint_gt(ctl_reply(&f, c[0], buf, sizeof(buf), 50), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"handshakes_ok\":30,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"handshakes_by_mode\":{\"client\":{\"anon\":30,"));
	close(c[0]);
	fx_end(&f);
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
	s.th_len = 32;
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

/* kcfg_load() of @text, written to a file of its own and removed again. */
static int load_conf_text(const char *text, struct kcfg *cfg, char *err)
{
	char dir[] = "/tmp/ktlsd-cfg-XXXXXX", path[64];
	FILE *fp;
	int ret;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.conf", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	ret = kcfg_load(path, cfg, err);
	unlink(path);
	rmdir(dir);
	return ret;
}

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
	char err[KCFG_ERR_MAX];
	static struct kcfg cfg;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].ok) {
			ck_assert_msg(load_conf_text(rows[i].text, &cfg, err) == -1,
				      "row %zu loaded", i);
			continue;
		}
		ck_assert_msg(load_conf_text(rows[i].text, &cfg, err) == 0, "row %zu: %s", i, err);
		ck_assert_uint_eq(kcfg_server_inflight(&cfg), rows[i].server_inflight);
		ck_assert_uint_eq(cfg.max_server_queued, rows[i].server_queued);
		ck_assert_str_eq(cfg.stats_group, rows[i].group);
	}
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
	char err[KCFG_ERR_MAX];
	static struct kcfg cfg;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].ok) {
			ck_assert_msg(load_conf_text(rows[i].text, &cfg, err) == -1,
				      "row %zu loaded", i);
			continue;
		}
		ck_assert_msg(load_conf_text(rows[i].text, &cfg, err) == 0, "row %zu: %s", i, err);
		ck_assert_uint_eq(kcfg_server_inflight_per_peer(&cfg), rows[i].per_peer);
	}
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
	tcase_add_loop_test(tc, test_monitor_second_sign_kills, 0, 2);
	tcase_add_test(tc, test_monitor_sign_wrong_request_or_cert_refused);
	tcase_add_loop_test(tc, test_monitor_sign_builds_cv_content, 0,
			    sizeof(honest_sign) / sizeof(honest_sign[0]));
	tcase_add_loop_test(tc, test_monitor_sign_only_tls13_cv, 0,
			    sizeof(bad_sign) / sizeof(bad_sign[0]));
	tcase_add_test(tc, test_monitor_sign_old_layout_ignored);
	tcase_add_loop_test(tc, test_monitor_verdict, 0, sizeof(verdicts) / sizeof(verdicts[0]));
	tcase_add_loop_test(tc, test_monitor_psk_lookup_bounded, 0,
			    sizeof(lookups) / sizeof(lookups[0]));
	tcase_add_test(tc, test_monitor_signer_queue_bounded_client_first);
	tcase_add_test(tc, test_monitor_delay_done_is_a_timer);
	tcase_add_test(tc, test_monitor_stats_socket_0660_bounded);
	tcase_add_test(tc, test_monitor_control_slow_clients_do_not_hold);
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
