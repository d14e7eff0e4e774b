// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/io/socket.c (ktls/socket.h): our client helper on
 * one end of a socketpair against our server engine on the other (in a
 * thread), with the kernel TLS setsockopt() calls captured (this host's
 * kernel has no kTLS; tests/vm runs the real install). The user's cases:
 * a full handshake, blocking and non-blocking, the keys handed to the
 * kernel equal to the server's, the record size limit, bytes after the
 * handshake left in the socket. The attacker's: garbage, silence, a hang
 * up, a kernel that refuses, calls out of order.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <ktls/ktls.h>
#include <ktls/socket.h>

#include "ktls.h"	/* kmod-glue: the setsockopt() hook */
#include "testcert.h"

/* ---- setsockopt capture ---- */

#define MAX_CALLS 8

struct call {
	int level, optname;
	socklen_t len;
	uint8_t val[64];
};

static struct call calls[MAX_CALLS];
static unsigned int ncalls;
static int fail_optname = -1, fail_errno;

static int fake_setsockopt(int fd, int level, int optname, const void *val,
			   socklen_t len)
{
	struct call *c;

	if (ncalls >= MAX_CALLS || len > sizeof(c->val)) {
		errno = E2BIG;
		return -1;
	}
	c = &calls[ncalls++];
	c->level = level;
	c->optname = optname;
	c->len = len;
	memcpy(c->val, val, len);
	if (optname == fail_optname) {
		errno = fail_errno;
		return -1;
	}
	return 0;
}

static void setup(void)
{
	memset(calls, 0, sizeof(calls));
	ncalls = 0;
	fail_optname = -1;
	fail_errno = 0;
	ktls_glue_set_setsockopt(fake_setsockopt);
}

static void teardown(void)
{
	ktls_glue_set_setsockopt(NULL);
}

/* ---- the server side ---- */

enum srv_mode {
	SRV_NORMAL,	/* ktls_socket_handshake() */
	SRV_EXTRA,	/* own loop: raw bytes right behind its flight */
	SRV_GARBAGE,	/* sends an HTTP request instead of TLS */
	SRV_SILENT,	/* reads, never answers */
	SRV_HANGUP,	/* reads the ClientHello, then hangs up */
	SRV_GONE,	/* closes before the client starts */
};

struct srv {
	int fd;
	enum srv_mode mode;
	uint16_t record_size_limit;
	struct ktls_config cfg;
	struct ktls_credential *cred;
	struct ktls_conn *c;
	int ret;
	uint8_t got[4096];	/* SRV_GARBAGE: what came back */
	ssize_t got_len;
	pthread_t th;
};

static const char extra[] = "EXTRA";

static int send_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The engine loop by hand, with @extra sent once its first flight is out. */
static int serve_extra(struct srv *s)
{
	bool sent_extra = false;
	const uint8_t *out;
	unsigned int st;
	uint8_t *in;
	size_t len;
	ssize_t n;

	for (;;) {
		st = ktls_status(s->c);
		if (st & KTLS_HAS_OUTPUT) {
			out = ktls_output(s->c, &len);
			if (send_all(s->fd, out, len))
				return KTLS_E_IO;
			ktls_output_ack(s->c, len);
			if (!sent_extra) {
				sent_extra = true;
				if (send_all(s->fd, (const uint8_t *)extra,
					     sizeof(extra) - 1))
					return KTLS_E_IO;
			}
			continue;
		}
		if (st & KTLS_FAILED)
			return KTLS_E_FAILED;
		if (st & KTLS_DONE)
			return 0;
		in = ktls_input_space(s->c, &len);
		n = recv(s->fd, in, len, 0);
		if (n < 0)
			return KTLS_E_IO;
		if (ktls_input_ack(s->c, (size_t)n) && !(ktls_status(s->c) & KTLS_FAILED))
			return KTLS_E_INTERNAL;
	}
}

static void *srv_main(void *arg)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct srv *s = arg;
	ssize_t n;

	switch (s->mode) {
	case SRV_NORMAL:
		s->ret = ktls_socket_handshake(s->c, s->fd, 10000);
		break;
	case SRV_EXTRA:
		s->ret = serve_extra(s);
		break;
	case SRV_GARBAGE:
		n = recv(s->fd, s->got, sizeof(s->got), 0);	/* ClientHello, or part */
		s->ret = send_all(s->fd, (const uint8_t *)http, sizeof(http) - 1);
		/* What comes back after the ClientHello: the alert. */
		do
			n = recv(s->fd, s->got, sizeof(s->got), 0);
		while (n > 0 && s->got[0] == 0x16);
		s->got_len = n;
		break;
	case SRV_SILENT:
		while (recv(s->fd, s->got, sizeof(s->got), 0) > 0)
			;
		break;
	case SRV_HANGUP:
		n = recv(s->fd, s->got, sizeof(s->got), 0);
		break;
	case SRV_GONE:
		break;
	}
	if (s->mode != SRV_SILENT)
		shutdown(s->fd, SHUT_WR);
	return NULL;
}

/* A socketpair: *cfd for the client under test, the other end served. */
static void srv_start(struct srv *s, enum srv_mode mode, uint16_t rsl, int *cfd)
{
	struct testcert tc;
	int sv[2];

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	*cfd = sv[0];
	s->fd = sv[1];
	ktls_config_init(&s->cfg);
	ck_assert_int_eq(testcert_make(TESTCERT_P256, "server.test", 30, false, &tc), 0);
	ck_assert_int_eq(ktls_credential_load_pem(tc.cert, tc.key, &s->cred), 0);
	s->cfg.cred = s->cred;
	s->cfg.record_size_limit = rsl;
	ck_assert_int_eq(ktls_conn_new(&s->cfg, &ktls_default_ops,
				       KTLS_ROLE_SERVER, &s->c), 0);
	ck_assert_int_eq(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static void srv_finish(struct srv *s)
{
	ck_assert_int_eq(pthread_join(s->th, NULL), 0);
	close(s->fd);
}

static void srv_free(struct srv *s)
{
	ktls_conn_free(s->c);
	ktls_credential_free(s->cred);
}

static struct ktls_trust *trust;

static void client_cfg(struct ktls_config *cfg)
{
	ktls_config_init(cfg);
	if (!trust)
		ck_assert_int_eq(ktls_trust_load(testcert_ca_file(), NULL, NULL, &trust), 0);
	cfg->trust = trust;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The key bytes of a captured TLS_TX/TLS_RX crypto_info (AES-128-GCM). */
static const uint8_t *gcm128_key(const struct call *c)
{
	ck_assert_uint_eq(c->len, sizeof(struct ktls_crypto_info_aes_gcm_128));
	return c->val + offsetof(struct ktls_crypto_info_aes_gcm_128, key);
}

/* ---- the user's cases ---- */

START_TEST(test_socket_handshake_installs_server_keys)
{
	struct ktls_traffic_keys stx, srx;
	struct ktls_config cfg;
	struct ktls_result r;
	struct srv s;
	int fd;

	srv_start(&s, SRV_NORMAL, 0, &fd);
	client_cfg(&cfg);
	cfg.suites[0] = KTLS_AES_128_GCM_SHA256;
	cfg.n_suites = 1;
	ck_assert_int_eq(ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT,
					       "server.test", 10000, &r), 0);
	srv_finish(&s);
	ck_assert_int_eq(s.ret, 0);
	ck_assert_int_eq(r.error, 0);
	ck_assert_uint_eq(r.suite, KTLS_AES_128_GCM_SHA256);
	ck_assert(r.peer_cert && r.peer_verified);

	/* TCP_ULP "tls", then TLS_TX, then TLS_RX: nothing else. */
	ck_assert_uint_eq(ncalls, 3);
	ck_assert_int_eq(calls[0].level, IPPROTO_TCP);
	ck_assert_int_eq(calls[0].optname, TCP_ULP);
	ck_assert_mem_eq(calls[0].val, "tls", 4);
	ck_assert_int_eq(calls[1].optname, TLS_TX);
	ck_assert_int_eq(calls[2].optname, TLS_RX);
	/* What we send with is what the server receives with, and back. */
	ck_assert_int_eq(ktls_get_traffic_keys(s.c, KTLS_TX, &stx), 0);
	ck_assert_int_eq(ktls_get_traffic_keys(s.c, KTLS_RX, &srx), 0);
	ck_assert_mem_eq(gcm128_key(&calls[1]), srx.key, 16);
	ck_assert_mem_eq(gcm128_key(&calls[2]), stx.key, 16);
	ck_assert_mem_ne(stx.key, srx.key, 16);
	ktls_traffic_keys_wipe(&stx);
	ktls_traffic_keys_wipe(&srx);
	close(fd);
	srv_free(&s);
}
END_TEST

/* Blocking and non-blocking client sockets: same outcome, flags kept. */
START_TEST(test_socket_handshake_blocking_and_nonblocking)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct srv s;
	int fd, flags;

	srv_start(&s, SRV_NORMAL, 0, &fd);
	if (_i == 1)
		ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	flags = fcntl(fd, F_GETFL);
	client_cfg(&cfg);
	ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &c), 0);
	ck_assert_int_eq(ktls_conn_set_peer_name(c, "server.test"), 0);
	ck_assert_int_eq(ktls_socket_handshake(c, fd, 10000), 0);
	ck_assert_uint_eq(ktls_status(c) & (KTLS_DONE | KTLS_HAS_OUTPUT), KTLS_DONE);
	ck_assert_int_eq(fcntl(fd, F_GETFL), flags);
	srv_finish(&s);
	ck_assert_int_eq(s.ret, 0);
	ck_assert_uint_eq(ktls_status(s.c) & KTLS_DONE, KTLS_DONE);
	ck_assert_uint_eq(ncalls, 0);	/* no install unless asked */
	ck_assert_int_eq(ktls_socket_install(c, fd), 0);
	ck_assert_uint_eq(ncalls, 3);
	ktls_conn_free(c);
	close(fd);
	srv_free(&s);
}
END_TEST

/* RFC 8449: the server's limit becomes TLS_TX_MAX_PAYLOAD_LEN (limit - 1). */
START_TEST(test_socket_install_record_size_limit)
{
	struct ktls_config cfg;
	struct ktls_result r;
	uint16_t v;
	struct srv s;
	int fd;

	srv_start(&s, SRV_NORMAL, 1024, &fd);
	client_cfg(&cfg);
	cfg.record_size_limit = 4096;
	ck_assert_int_eq(ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT,
					       "server.test", 10000, &r), 0);
	srv_finish(&s);
	ck_assert_uint_eq(r.peer_record_size_limit, 1024);
	ck_assert_uint_eq(ncalls, 4);
	ck_assert_int_eq(calls[1].level, SOL_TLS);
	ck_assert_int_eq(calls[1].optname, TLS_TX_MAX_PAYLOAD_LEN);
	memcpy(&v, calls[1].val, sizeof(v));
	ck_assert_uint_eq(v, 1023);
	close(fd);
	srv_free(&s);
}
END_TEST

/* Bytes behind the server's last handshake record stay for kernel TLS. */
START_TEST(test_socket_handshake_reads_no_further)
{
	struct ktls_config cfg;
	struct ktls_result r;
	char buf[16];
	struct srv s;
	int fd;

	srv_start(&s, SRV_EXTRA, 0, &fd);
	client_cfg(&cfg);
	ck_assert_int_eq(ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT,
					       "server.test", 10000, &r), 0);
	srv_finish(&s);
	ck_assert_int_eq(s.ret, 0);
	ck_assert_int_eq(recv(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(extra) - 1);
	ck_assert_mem_eq(buf, extra, sizeof(extra) - 1);
	close(fd);
	srv_free(&s);
}
END_TEST

/* ---- the attacker's cases ---- */

/* Not TLS: fail with an alert, send it, install nothing. */
START_TEST(test_socket_handshake_garbage_alerts)
{
	struct ktls_config cfg;
	struct ktls_result r;
	struct srv s;
	int fd, ret;

	srv_start(&s, SRV_GARBAGE, 0, &fd);
	client_cfg(&cfg);
	ret = ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT, "server.test",
				    10000, &r);
	shutdown(fd, SHUT_WR);
	srv_finish(&s);
	ck_assert_msg(KTLS_E_IS_LOCAL_ALERT(ret), "ret %d", ret);
	ck_assert_int_eq(r.error, ret);
	ck_assert_int_eq(r.alert_sent, KTLS_E_ALERT_OF(ret));
	/* The alert reached the peer: an alert record (21) of 2 bytes. */
	ck_assert_int_ge(s.got_len, 7);
	ck_assert_uint_eq(s.got[0], 21);
	ck_assert_uint_eq(s.got[6], (unsigned int)r.alert_sent);
	ck_assert_uint_eq(ncalls, 0);
	close(fd);
	srv_free(&s);
}
END_TEST

/* A peer that never answers: KTLS_E_TIMEOUT on time, nothing installed. */
START_TEST(test_socket_handshake_timeout)
{
	struct ktls_config cfg;
	struct ktls_result r;
	int64_t t0, dt;
	struct srv s;
	int fd, ret;

	srv_start(&s, SRV_SILENT, 0, &fd);
	client_cfg(&cfg);
	t0 = now_ms();
	ret = ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT, "server.test",
				    300, &r);
	dt = now_ms() - t0;
	ck_assert_int_eq(ret, KTLS_E_TIMEOUT);
	ck_assert_int_eq(r.error, KTLS_E_TIMEOUT);
	ck_assert_int_ge(dt, 300);
	ck_assert_int_lt(dt, 3000);
	ck_assert_uint_eq(ncalls, 0);
	close(fd);
	srv_finish(&s);
	srv_free(&s);
}
END_TEST

/*
 * The peer hangs up: after reading the ClientHello (end of stream while
 * the engine waits), or before the client said anything (the send fails).
 */
START_TEST(test_socket_handshake_peer_closed)
{
	struct ktls_config cfg;
	struct ktls_result r;
	struct srv s;
	int fd;

	srv_start(&s, _i == 0 ? SRV_HANGUP : SRV_GONE, 0, &fd);
	if (_i == 1)
		srv_finish(&s);	/* the server end is closed now */
	client_cfg(&cfg);
	ck_assert_int_eq(ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT,
					       "server.test", 10000, &r),
			 KTLS_E_CLOSED);
	ck_assert_int_eq(r.error, KTLS_E_CLOSED);
	ck_assert_uint_eq(ncalls, 0);
	if (_i == 0)
		srv_finish(&s);
	close(fd);
	srv_free(&s);
}
END_TEST

/* The kernel refuses each step in turn: KTLS_E_IO with its errno. */
static const struct {
	int optname, err;
	unsigned int calls;
} refuse[] = {
	{ TCP_ULP, ENOENT, 1 },		/* no tls module */
	{ TLS_TX, EOPNOTSUPP, 2 },	/* no such cipher */
	{ TLS_RX, ENOMEM, 3 },
};

START_TEST(test_socket_install_refused)
{
	struct ktls_config cfg;
	struct ktls_result r;
	struct srv s;
	int fd;

	fail_optname = refuse[_i].optname;
	fail_errno = refuse[_i].err;
	srv_start(&s, SRV_NORMAL, 0, &fd);
	client_cfg(&cfg);
	errno = 0;
	ck_assert_int_eq(ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT,
					       "server.test", 10000, &r),
			 KTLS_E_IO);
	ck_assert_int_eq(errno, refuse[_i].err);
	ck_assert_int_eq(r.error, KTLS_E_IO);
	ck_assert_uint_ne(r.suite, 0);	/* the handshake itself completed */
	ck_assert_uint_eq(ncalls, refuse[_i].calls);
	srv_finish(&s);
	close(fd);
	srv_free(&s);
}
END_TEST

/* Out of order and bad arguments: refused before any I/O. */
START_TEST(test_socket_invalid_calls)
{
	struct ktls_config cfg;
	struct ktls_result r;
	struct ktls_conn *c;
	int sv[2];

	client_cfg(&cfg);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &c), 0);
	ck_assert_int_eq(ktls_socket_install(c, sv[0]), KTLS_E_INVALID);
	ck_assert_int_eq(ktls_socket_handshake(c, -1, 1000), KTLS_E_INVALID);
	ck_assert_int_eq(ktls_socket_handshake(c, sv[0], -2), KTLS_E_INVALID);
	ck_assert_int_eq(ktls_socket_handshake(NULL, sv[0], 1000), KTLS_E_INVALID);
	ck_assert_int_eq(ktls_handshake_socket(sv[0], NULL, KTLS_ROLE_CLIENT,
					       NULL, 1000, &r), KTLS_E_INVALID);
	ck_assert_int_eq(r.error, KTLS_E_INVALID);
	ck_assert_int_eq(ktls_handshake_socket(sv[0], &cfg, (enum ktls_role)7,
					       NULL, 1000, &r), KTLS_E_INVALID);
	ck_assert_uint_eq(ncalls, 0);
	/* Nothing was sent on the way. */
	ck_assert_int_eq(recv(sv[1], &r, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ktls_conn_free(c);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static Suite *socket_suite(void)
{
	Suite *s = suite_create("socket");
	TCase *tc = tcase_create("socket");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_socket_handshake_installs_server_keys);
	tcase_add_loop_test(tc, test_socket_handshake_blocking_and_nonblocking, 0, 2);
	tcase_add_test(tc, test_socket_install_record_size_limit);
	tcase_add_test(tc, test_socket_handshake_reads_no_further);
	tcase_add_test(tc, test_socket_handshake_garbage_alerts);
	tcase_add_test(tc, test_socket_handshake_timeout);
	tcase_add_loop_test(tc, test_socket_handshake_peer_closed, 0, 2);
	tcase_add_loop_test(tc, test_socket_install_refused, 0,
			    (int)(sizeof(refuse) / sizeof(refuse[0])));
	tcase_add_test(tc, test_socket_invalid_calls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(socket_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testcert_cleanup();
	ktls_trust_free(trust);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
