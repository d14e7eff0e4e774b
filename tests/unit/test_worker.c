// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The worker (daemon/worker.c, conn.c, privsep.c) driven by a test that
 * plays the monitor: requests with real TCP sockets on 127.0.0.1, our
 * engine on the other end, signatures and PSK lookups answered over the
 * socketpair, deadlines, vanishing and hostile peers, many handshakes at
 * once, and handshakes the monitor cancels (KP_CANCEL). Kernel TLS is not
 * on this host, so the worker's setsockopt is replaced by one that records
 * what would have been installed.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ktls/ktls.h>

#include "config.h"
#include "handshake-uapi.h"
#include "ktls.h"
#include "log.h"
#include "privsep.h"
#include "testcert.h"
#include "worker.h"

static struct testcert srv_cert, cli_cert;
static struct ktls_credential *srv_key;	/* the "monitor's" signing key */
static const uint8_t psk_key[32] = "0123456789abcdef0123456789abcdef";
static const char psk_id[] = "NVMe0R01 nqn.host nqn.subsys";

/* In the worker: pretend TCP_ULP and SOL_TLS work; count installs. */
static int fake_setsockopt(int fd, int level, int optname, const void *val, socklen_t len)
{
	if (level == SOL_TCP && optname == TCP_ULP)
		return 0;
	if (level == SOL_TLS)
		return getenv("KTLS_TEST_FAIL_INSTALL") ? (errno = ENOPROTOOPT, -1) : 0;
	return setsockopt(fd, level, optname, val, len);
}

struct fake_monitor {
	pid_t pid;
	int sock;
};

/* A worker sized for @slots handshakes (0: max_inflight, 128). */
static void start_worker_sized(struct fake_monitor *fm, bool fail_install, unsigned int slots)
{
	static struct kcfg cfg;
	int sv[2];

	kcfg_defaults(&cfg);
	snprintf(cfg.server.certificate, sizeof(cfg.server.certificate), "%s", srv_cert.cert);
	snprintf(cfg.client.truststore, sizeof(cfg.client.truststore), "%s", testcert_ca_file());
	snprintf(cfg.server.truststore, sizeof(cfg.server.truststore), "%s", testcert_ca_file());
	cfg.max_inflight = 128;
	cfg.worker_slots = slots;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	fm->pid = fork();
	ck_assert_int_ge(fm->pid, 0);
	if (fm->pid == 0) {
		close(sv[0]);
		if (fail_install)
			setenv("KTLS_TEST_FAIL_INSTALL", "1", 1);
		ktls_glue_set_setsockopt(fake_setsockopt);
		log_init("test-worker", 1, 1);
		_exit(worker_main(sv[1], &cfg, ""));
	}
	close(sv[1]);
	fm->sock = sv[0];
}

static void start_worker(struct fake_monitor *fm, bool fail_install)
{
	start_worker_sized(fm, fail_install, 0);
}

static void stop_worker(struct fake_monitor *fm)
{
	int st;

	/* Drain, then EOF: the worker leaves when it has nothing in hand. */
	ck_assert_int_eq(kp_send(fm->sock, KP_RELOAD, 0, NULL, 0, -1, 0), 0);
	close(fm->sock);
	ck_assert_int_eq(waitpid(fm->pid, &st, 0), fm->pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A connected TCP pair on 127.0.0.1. */
static void tcp_pair(int *a, int *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(l, (void *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l, 128), 0);
	ck_assert_int_eq(getsockname(l, (void *)&sin, &len), 0);
	*a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(*a, (void *)&sin, sizeof(sin)), 0);
	*b = accept(l, NULL, NULL);
	ck_assert_int_ge(*b, 0);
	close(l);
}

static void send_request(struct fake_monitor *fm, uint64_t id, uint32_t role,
			 uint32_t auth, uint32_t cred, uint32_t timeout_ms,
			 const char *peername, bool with_psk, int fd)
{
	struct kp_request req;

	memset(&req, 0, sizeof(req));
	req.role = role;
	req.auth_mode = auth;
	req.cred = cred;
	req.timeout_ms = timeout_ms;
	snprintf(req.peername, sizeof(req.peername), "%s", peername ? peername : "");
	if (with_psk) {
		req.n_psks = 1;
		req.psks[0].serial = 4242;
		req.psks[0].hash = KTLS_HASH_SHA256;
		req.psks[0].identity_len = sizeof(psk_id) - 1;
		memcpy(req.psks[0].identity, psk_id, sizeof(psk_id) - 1);
		req.psks[0].key_len = 32;
		memcpy(req.psks[0].key, psk_key, 32);
	}
	ck_assert_int_eq(kp_send(fm->sock, KP_REQUEST, id, &req, sizeof(req), fd, 0), 0);
	close(fd);	/* the worker has its own copy now */
}

/* Our engine on the other end of one connection. */
struct peer {
	int fd;
	struct ktls_config cfg;
	struct ktls_trust *trust;
	struct ktls_credential *cred;
	struct ktls_conn *c;
	bool silent;		/* never sends anything */
	bool garbage;		/* sends junk instead of TLS */
	bool closed;
};

static int peer_lookup(void *arg, const uint8_t *id, size_t len, struct ktls_psk *out)
{
	if (len != sizeof(psk_id) - 1 || memcmp(id, psk_id, len))
		return KTLS_E_ALERT_unknown_psk_identity;
	out->identity = id;
	out->identity_len = len;
	out->key = psk_key;
	out->key_len = 32;
	out->hash = KTLS_HASH_SHA256;
	return 0;
}

static void peer_init(struct peer *p, enum ktls_role role, bool psk, const char *name)
{
	memset(p, 0, sizeof(*p));
	ktls_config_init(&p->cfg);
	ck_assert_int_eq(ktls_trust_load(testcert_ca_file(), NULL, NULL, &p->trust), 0);
	p->cfg.trust = p->trust;
	if (role == KTLS_ROLE_SERVER) {
		ck_assert_int_eq(ktls_credential_load_pem(cli_cert.cert, cli_cert.key, &p->cred), 0);
		p->cfg.cred = p->cred;
		if (psk) {
			p->cfg.psk_lookup = peer_lookup;
			p->cfg.cred = NULL;
		}
	}
	ck_assert_int_eq(ktls_conn_new(&p->cfg, &ktls_default_ops, role, &p->c), 0);
	if (name)
		ck_assert_int_eq(ktls_conn_set_peer_name(p->c, name), 0);
	if (role == KTLS_ROLE_CLIENT && psk) {
		struct ktls_psk k = { .identity = (const uint8_t *)psk_id,
				      .identity_len = sizeof(psk_id) - 1, .key = psk_key,
				      .key_len = 32, .hash = KTLS_HASH_SHA256 };

		ck_assert_int_eq(ktls_conn_set_psks(p->c, &k, 1), 0);
	}
	ck_assert_int_eq(ktls_start(p->c), 0);
}

static void peer_free(struct peer *p)
{
	ktls_conn_free(p->c);
	ktls_trust_free(p->trust);
	ktls_credential_free(p->cred);
	if (p->fd >= 0)
		close(p->fd);
}

/* Move bytes for a peer that can; true when it made progress. */
static bool peer_io(struct peer *p, short revents)
{
	unsigned int st = ktls_status(p->c);
	bool progress = false;
	size_t len;

	if (p->silent || p->closed)
		return false;
	if (p->garbage) {
		static const char junk[] = "GET / HTTP/1.0\r\n\r\n";

		(void)!write(p->fd, junk, sizeof(junk));
		p->garbage = false;
		return true;
	}
	if (st & KTLS_HAS_OUTPUT) {
		const uint8_t *out = ktls_output(p->c, &len);
		ssize_t n = send(p->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			ktls_output_ack(p->c, (size_t)n);
			progress = true;
		}
	}
	if ((revents & POLLIN) && (st & KTLS_WANT_INPUT)) {
		uint8_t *in = ktls_input_space(p->c, &len);
		ssize_t n = recv(p->fd, in, len, MSG_DONTWAIT);

		if (n >= 0) {
			(void)!ktls_input_ack(p->c, (size_t)n);
			if (n == 0)
				p->closed = true;
			progress = true;
		}
	}
	return progress;
}

struct outcome {
	bool have;
	struct kp_result res;
};

/* Answer the worker; record results by request id (index). */
static void monitor_io(struct fake_monitor *fm, struct outcome *out, size_t n_out)
{
	uint8_t buf[KP_MAX_MSG];
	struct kp_hdr hdr;
	ssize_t n;

	while ((n = recv(fm->sock, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		ck_assert_int_eq(kp_parse(buf, (size_t)n, &hdr), 0);
		if (hdr.type == KP_SIGN) {
			const struct kp_sign *s = (const void *)(buf + sizeof(hdr));
			struct kp_signed r = { 0 };
			uint8_t fp[32];
			size_t len = sizeof(r.sig);

			ck_assert_int_eq(ktls_credential_fingerprint(srv_key, fp), 0);
			ck_assert_mem_eq(fp, s->leaf_sha256, 32);
			r.status = ktls_credential_sign_cv(srv_key, KTLS_ROLE_SERVER, s->scheme,
							   s->th, s->th_len, r.sig, &len);
			r.sig_len = (uint16_t)len;
			ck_assert_int_eq(kp_send(fm->sock, KP_SIGNED, hdr.id, &r, sizeof(r), -1, 0), 0);
		} else if (hdr.type == KP_PSK_LOOKUP) {
			const struct kp_psk_lookup *l = (const void *)(buf + sizeof(hdr));
			struct kp_psk_answer a = { .status = KTLS_E_ALERT_unknown_psk_identity };

			if (l->identity_len == sizeof(psk_id) - 1 &&
			    !memcmp(l->identity, psk_id, l->identity_len)) {
				a.status = 0;
				a.psk.serial = 777;
				a.psk.hash = KTLS_HASH_SHA256;
				a.psk.identity_len = l->identity_len;
				memcpy(a.psk.identity, l->identity, l->identity_len);
				a.psk.key_len = 32;
				memcpy(a.psk.key, psk_key, 32);
			}
			ck_assert_int_eq(kp_send(fm->sock, KP_PSK, hdr.id, &a, sizeof(a), -1, 0), 0);
		} else if (hdr.type == KP_RESULT) {
			ck_assert_uint_lt(hdr.id, n_out);
			ck_assert(!out[hdr.id].have);	/* exactly one result */
			out[hdr.id].have = true;
			memcpy(&out[hdr.id].res, buf + sizeof(hdr), sizeof(struct kp_result));
		} else {
			ck_abort_msg("unexpected message %u", hdr.type);
		}
	}
}

/* Run until every request has a result (or 15 s pass). */
static void run(struct fake_monitor *fm, struct peer *peers, size_t n_peers,
		struct outcome *out, size_t n)
{
	struct pollfd pfd[257];
	time_t end = time(NULL) + 15;
	size_t i, done;

	ck_assert_uint_le(n_peers, 256);
	while (time(NULL) < end) {
		for (i = 0; i < n_peers; i++) {
			pfd[i].fd = peers[i].fd;
			pfd[i].events = POLLIN;
		}
		pfd[n_peers].fd = fm->sock;
		pfd[n_peers].events = POLLIN;
		poll(pfd, n_peers + 1, 1);
		for (i = 0; i < n_peers; i++)
			while (peer_io(&peers[i], pfd[i].revents))
				pfd[i].revents = POLLIN;
		monitor_io(fm, out, n);
		for (i = 0, done = 0; i < n; i++)
			done += out[i].have;
		if (done == n)
			return;
	}
	for (i = 0; i < n; i++)
		if (!out[i].have)
			fprintf(stderr, "no result for request %zu (peer status %#x)\n", i,
				i < n_peers ? ktls_status(peers[i].c) : 0);
	ck_abort_msg("worker did not answer every request");
}

/*
 * One handshake between the worker and our engine: what the worker is asked
 * to do and how our end behaves. Our engine takes the other role.
 */
struct scenario {
	enum ktls_role role;		/* the worker's */
	uint32_t auth;			/* KTLS_HANDSHAKE_AUTH_* */
	uint32_t cred;			/* KP_CRED_* */
	uint32_t timeout_ms;
	const char *peername;		/* the name the worker checks, or NULL */
	const char *our_name;		/* the name our client checks, or NULL */
	bool psk;			/* both ends use the test PSK */
	bool silent;			/* our end never speaks */
	bool garbage;			/* our end sends junk instead of TLS */
	bool hang_up;			/* our end hangs up once the request is sent */
	bool fail_install;		/* the worker's kernel TLS install fails */
};

/* The worker as the server with the configured certificate; our client checks its name. */
static const struct scenario x509_server = {
	.role = KTLS_ROLE_SERVER, .auth = KTLS_HANDSHAKE_AUTH_X509, .cred = KP_CRED_CONFIG,
	.timeout_ms = 5000, .our_name = "server.test",
};

/* The worker as the server with no certificate: it asks the monitor for our PSK. */
static const struct scenario psk_server = {
	.role = KTLS_ROLE_SERVER, .auth = KTLS_HANDSHAKE_AUTH_PSK, .cred = KP_CRED_NONE,
	.timeout_ms = 5000, .psk = true,
};

/* The worker as a client, answered by our server with the client certificate. */
static const struct scenario x509_client = {
	.role = KTLS_ROLE_CLIENT, .auth = KTLS_HANDSHAKE_AUTH_UNAUTH, .cred = KP_CRED_NONE,
	.timeout_ms = 5000, .peername = "client.test",
};

/*
 * Start @sc as request @id: our engine in @p on one end of a fresh TCP
 * connection, the other end handed to the worker with the request.
 */
static void start_handshake(struct fake_monitor *fm, uint64_t id, const struct scenario *sc,
			    struct peer *p)
{
	enum ktls_role ours = sc->role == KTLS_ROLE_SERVER ? KTLS_ROLE_CLIENT : KTLS_ROLE_SERVER;
	int wfd;

	peer_init(p, ours, sc->psk, sc->our_name);
	p->silent = sc->silent;
	p->garbage = sc->garbage;
	if (ours == KTLS_ROLE_CLIENT)
		tcp_pair(&p->fd, &wfd);
	else
		tcp_pair(&wfd, &p->fd);
	/* The worker brings PSKs of its own only as a client. */
	send_request(fm, id, sc->role, sc->auth, sc->cred, sc->timeout_ms, sc->peername,
		     sc->psk && sc->role == KTLS_ROLE_CLIENT, wfd);
	if (sc->hang_up) {
		close(p->fd);
		p->fd = -1;
	}
}

/* A worker that ran one scenario to its result, and our end of it. */
struct one_run {
	struct fake_monitor fm;
	struct peer p;
	struct kp_result res;
};

/* Run @sc on a fresh worker until its result is in; one_run_end() cleans up. */
static void one_run(struct one_run *r, const struct scenario *sc)
{
	struct outcome out[1] = { 0 };

	start_worker(&r->fm, sc->fail_install);
	start_handshake(&r->fm, 0, sc, &r->p);
	run(&r->fm, &r->p, 1, out, 1);
	r->res = out[0].res;
}

static void one_run_end(struct one_run *r)
{
	peer_free(&r->p);
	stop_worker(&r->fm);
}

START_TEST(test_worker_server_x509_signs_through_monitor)
{
	struct one_run r;
	struct ktls_result res;

	one_run(&r, &x509_server);
	ck_assert_int_eq(r.res.status, 0);
	ck_assert_uint_eq(r.res.version, KTLS_VERSION_TLS13);
	ck_assert_uint_eq(r.res.n_remote, 0);	/* no client certificate */
	ktls_get_result(r.p.c, &res);
	ck_assert(ktls_status(r.p.c) & KTLS_DONE);
	ck_assert(res.peer_verified);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_client_x509_against_our_server)
{
	struct one_run r;

	one_run(&r, &x509_client);
	ck_assert_int_eq(r.res.status, 0);
	ck_assert(r.res.peer_verified);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_client_name_mismatch_is_eacces)
{
	struct scenario sc = x509_client;
	struct one_run r;

	sc.peername = "somebody.else";
	one_run(&r, &sc);
	ck_assert_int_eq(r.res.status, EACCES);
	ck_assert_int_eq(r.res.alert_sent, KTLS_ALERT_bad_certificate);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_client_psk_reports_serial)
{
	static const struct scenario sc = {
		.role = KTLS_ROLE_CLIENT, .auth = KTLS_HANDSHAKE_AUTH_PSK, .cred = KP_CRED_NONE,
		.timeout_ms = 5000, .psk = true,
	};
	struct one_run r;

	one_run(&r, &sc);
	ck_assert_int_eq(r.res.status, 0);
	ck_assert(r.res.psk);
	ck_assert_uint_eq(r.res.n_remote, 1);
	ck_assert_uint_eq(r.res.remote[0], 4242);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_server_psk_looks_up_through_monitor)
{
	struct one_run r;

	one_run(&r, &psk_server);
	ck_assert_int_eq(r.res.status, 0);
	ck_assert_uint_eq(r.res.remote[0], 777);
	ck_assert(ktls_status(r.p.c) & KTLS_DONE);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_silent_peer_times_out)
{
	struct scenario sc = x509_server;
	struct one_run r;

	sc.silent = true;
	sc.timeout_ms = 300;
	one_run(&r, &sc);
	ck_assert_int_eq(r.res.status, ETIMEDOUT);
	ck_assert_uint_ge(r.res.usec, 290000);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_peer_closes_is_etimedout)
{
	struct scenario sc = x509_server;
	struct one_run r;

	sc.silent = true;
	sc.hang_up = true;
	one_run(&r, &sc);
	ck_assert_int_eq(r.res.status, ETIMEDOUT);
	ck_assert_uint_lt(r.res.usec, 4000000);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_garbage_is_eacces)
{
	struct scenario sc = x509_server;
	struct one_run r;

	sc.garbage = true;
	one_run(&r, &sc);
	ck_assert_int_eq(r.res.status, EACCES);
	ck_assert_int_ge(r.res.alert_sent, 0);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_install_failure_is_eio)
{
	struct scenario sc = x509_server;
	struct one_run r;

	sc.fail_install = true;
	one_run(&r, &sc);
	ck_assert_int_eq(r.res.status, EIO);
	one_run_end(&r);
}
END_TEST

START_TEST(test_worker_many_in_flight)
{
	enum { N = 100 };
	static struct peer p[N];
	static struct outcome out[N];
	struct fake_monitor fm;
	size_t i;

	memset(out, 0, sizeof(out));
	start_worker(&fm, false);
	for (i = 0; i < N; i++) {
		struct scenario sc = i % 2 ? psk_server : x509_server;

		sc.timeout_ms = 3000;
		sc.silent = i % 10 == 9;	/* a few never speak */
		start_handshake(&fm, i, &sc, &p[i]);
	}
	run(&fm, p, N, out, N);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(out[i].res.status, i % 10 == 9 ? ETIMEDOUT : 0);
		peer_free(&p[i]);
	}
	stop_worker(&fm);
}
END_TEST

START_TEST(test_worker_rejects_malformed_request)
{
	struct fake_monitor fm;
	struct outcome out[1] = { 0 };
	struct kp_request req;
	int a, b;

	start_worker(&fm, false);
	tcp_pair(&a, &b);
	memset(&req, 0, sizeof(req));
	req.n_psks = 99;	/* out of range */
	ck_assert_int_eq(kp_send(fm.sock, KP_REQUEST, 0, &req, sizeof(req), b, 0), 0);
	close(b);
	run(&fm, NULL, 0, out, 1);
	ck_assert_int_eq(out[0].res.status, EIO);
	close(a);
	stop_worker(&fm);
}
END_TEST

/* The peer's end of a connection sees EOF within @ms. */
static bool peer_sees_eof(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char b;

	if (poll(&pfd, 1, ms) != 1)
		return false;
	return recv(fd, &b, 1, MSG_DONTWAIT) == 0;
}

/*
 * The worker leaves within @ms by itself (the monitor socket stays open),
 * exiting 0; whatever it sends meanwhile is recorded in @out.
 */
static bool worker_exits_within(struct fake_monitor *fm, struct outcome *out, size_t n, int ms)
{
	struct pollfd pfd = { .fd = fm->sock, .events = POLLIN };
	struct timespec now, end;
	int st;

	/*
	 * By the clock, not by poll rounds: once the worker has closed its
	 * end, poll() returns at once (POLLHUP) while the process may still
	 * be tearing down its ring before it can be reaped.
	 */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	for (;;) {
		if (poll(&pfd, 1, 20) > 0 && !(pfd.revents & POLLIN))
			usleep(20000);
		monitor_io(fm, out, n);
		if (waitpid(fm->pid, &st, WNOHANG) == fm->pid) {
			monitor_io(fm, out, n);
			close(fm->sock);
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return false;
	}
}

START_TEST(test_worker_cancel_drops_handshake_without_result)
{
	struct scenario sc = x509_server;
	struct fake_monitor fm;
	struct peer p;
	struct outcome out[1] = { 0 };
	struct timespec t0, t1;

	sc.silent = true;
	sc.timeout_ms = 10000;
	start_worker(&fm, false);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	start_handshake(&fm, 0, &sc, &p);
	/* The monitor answered it itself (its backstop): drop it now. */
	ck_assert_int_eq(kp_send(fm.sock, KP_CANCEL, 0, NULL, 0, -1, 0), 0);
	/* The worker's copy of the socket is closed, not at the 10 s deadline. */
	ck_assert(peer_sees_eof(p.fd, 3000));
	/* Its slot is free: told to drain, it leaves at once, and no result came. */
	ck_assert_int_eq(kp_send(fm.sock, KP_RELOAD, 0, NULL, 0, -1, 0), 0);
	ck_assert(worker_exits_within(&fm, out, 1, 3000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 8);
	ck_assert(!out[0].have);
	peer_free(&p);
}
END_TEST

START_TEST(test_worker_cancel_unknown_id_is_ignored)
{
	struct fake_monitor fm;
	struct peer p[2];
	struct outcome out[2] = { 0 };
	uint64_t junk = 0;

	start_worker(&fm, false);
	/* Nothing in hand yet. */
	ck_assert_int_eq(kp_send(fm.sock, KP_CANCEL, 42, NULL, 0, -1, 0), 0);
	start_handshake(&fm, 0, &x509_server, &p[0]);
	/* Another id, and ours with a payload a cancel never has: both ignored. */
	ck_assert_int_eq(kp_send(fm.sock, KP_CANCEL, 1, NULL, 0, -1, 0), 0);
	ck_assert_int_eq(kp_send(fm.sock, KP_CANCEL, 0, &junk, sizeof(junk), -1, 0), 0);
	run(&fm, &p[0], 1, out, 1);
	ck_assert_int_eq(out[0].res.status, 0);
	/* A cancel that raced with the result finds nothing; the next one works. */
	ck_assert_int_eq(kp_send(fm.sock, KP_CANCEL, 0, NULL, 0, -1, 0), 0);
	start_handshake(&fm, 1, &x509_server, &p[1]);
	run(&fm, &p[1], 1, out, 2);
	ck_assert_int_eq(out[1].res.status, 0);
	peer_free(&p[0]);
	peer_free(&p[1]);
	stop_worker(&fm);
}
END_TEST

START_TEST(test_worker_share_and_slots)
{
	/* One worker: all of max_inflight, and the spare. */
	ck_assert_uint_eq(worker_share(1024, 1), 1024);
	ck_assert_uint_eq(worker_slots(1024, 1), 1024 + WORKER_SLOTS_SPARE);
	/* Two: twice the share is all of it. */
	ck_assert_uint_eq(worker_share(1024, 2), 512);
	ck_assert_uint_eq(worker_slots(1024, 2), 1024 + WORKER_SLOTS_SPARE);
	/* Sixteen: each sizes for twice its sixteenth. */
	ck_assert_uint_eq(worker_share(1024, 16), 64);
	ck_assert_uint_eq(worker_slots(1024, 16), 128 + WORKER_SLOTS_SPARE);
	/* Shares round up, so together they cover max_inflight. */
	ck_assert_uint_eq(worker_share(100, 3), 34);
	ck_assert_uint_eq(worker_slots(100, 3), 68 + WORKER_SLOTS_SPARE);
	ck_assert_uint_eq(worker_share(1, 16), 1);
	ck_assert_uint_eq(worker_slots(1, 16), 1 + WORKER_SLOTS_SPARE);
	ck_assert_uint_eq(worker_share(65536, 64), 1024);
	/* No workers is read as one. */
	ck_assert_uint_eq(worker_share(10, 0), 10);
}
END_TEST

START_TEST(test_worker_full_refuses_with_eio_at_once)
{
	struct scenario sc = x509_server;
	struct fake_monitor fm;
	struct peer p[3];
	struct outcome out[3] = { 0 };
	unsigned int i;

	/* Two slots, both held by silent peers: the third request has none. */
	start_worker_sized(&fm, false, 2);
	sc.silent = true;
	sc.timeout_ms = 1500;
	for (i = 0; i < 3; i++)
		start_handshake(&fm, i, &sc, &p[i]);
	run(&fm, p, 3, out, 3);
	/* A local fault, answered at once; the two in hand run to their deadline. */
	ck_assert_int_eq(out[2].res.status, EIO);
	ck_assert_str_eq(out[2].res.detail, "no free slot in the worker");
	ck_assert_uint_eq(out[2].res.usec, 0);
	ck_assert_int_eq(out[0].res.status, ETIMEDOUT);
	ck_assert_int_eq(out[1].res.status, ETIMEDOUT);
	ck_assert_uint_ge(out[0].res.usec, 1400000);
	ck_assert_uint_ge(out[1].res.usec, 1400000);
	for (i = 0; i < 3; i++)
		peer_free(&p[i]);
	stop_worker(&fm);
}
END_TEST

static Suite *worker_suite(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("worker");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_worker_server_x509_signs_through_monitor);
	tcase_add_test(tc, test_worker_share_and_slots);
	tcase_add_test(tc, test_worker_full_refuses_with_eio_at_once);
	tcase_add_test(tc, test_worker_client_x509_against_our_server);
	tcase_add_test(tc, test_worker_client_name_mismatch_is_eacces);
	tcase_add_test(tc, test_worker_client_psk_reports_serial);
	tcase_add_test(tc, test_worker_server_psk_looks_up_through_monitor);
	tcase_add_test(tc, test_worker_silent_peer_times_out);
	tcase_add_test(tc, test_worker_peer_closes_is_etimedout);
	tcase_add_test(tc, test_worker_garbage_is_eacces);
	tcase_add_test(tc, test_worker_install_failure_is_eio);
	tcase_add_test(tc, test_worker_many_in_flight);
	tcase_add_test(tc, test_worker_rejects_malformed_request);
	tcase_add_test(tc, test_worker_cancel_drops_handshake_without_result);
	tcase_add_test(tc, test_worker_cancel_unknown_id_is_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(worker_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	if (!testcert_ca_file() ||
	    testcert_make(TESTCERT_P256, "server.test", 30, false, &srv_cert) ||
	    testcert_make(TESTCERT_ED25519, "client.test", 30, false, &cli_cert) ||
	    ktls_credential_load_pem(srv_cert.cert, srv_cert.key, &srv_key))
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	ktls_credential_free(srv_key);
	testcert_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
