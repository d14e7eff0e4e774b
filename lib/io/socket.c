// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine on a real socket (ktls/socket.h): a blocking handshake loop
 * with one deadline, driven by poll() so that a blocking and a
 * non-blocking socket behave the same, and the switch to kernel TLS
 * (kmod-glue/ktls.c, compiled into the shared library, does the
 * setsockopt() work). This is the only part of libktls that touches a file
 * descriptor or a clock; the engine itself stays sans-IO.
 *
 * Reads go straight into ktls_input_space(), which never reaches past the
 * current record, so nothing after the peer's last handshake record is
 * consumed: it belongs to kernel TLS (KERNEL-INTERFACE.md §2).
 *
 * It lives outside lib/src on purpose: lib/src is the sans-IO engine, and
 * tests/fuzz/run-fuzzers.sh compiles every file there without the glue.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero() */
#endif

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <ktls/ktls.h>
#include <ktls/socket.h>

#include "../../kmod-glue/ktls.h"	/* ktls_glue_install() */

/* Milliseconds left until @deadline (CLOCK_MONOTONIC, ms); -1 if none. */
static int ms_left(int64_t deadline)
{
	struct timespec ts;
	int64_t now;

	if (deadline < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

/* Wait for @events on @fd. Return: 0, KTLS_E_TIMEOUT or KTLS_E_IO. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n, left;

	for (;;) {
		left = ms_left(deadline);
		if (left == 0)
			return KTLS_E_TIMEOUT;
		n = poll(&pfd, 1, left);
		if (n > 0) {
			if (pfd.revents & POLLNVAL) {
				errno = EBADF;
				return KTLS_E_IO;
			}
			/* POLLERR/POLLHUP: the next send or recv says what. */
			return 0;
		}
		if (n == 0)
			return KTLS_E_TIMEOUT;
		if (errno != EINTR)
			return KTLS_E_IO;
	}
}

/* Send what the engine holds. Return: 0 or an error code. */
static int flush_output(struct ktls_conn *c, int fd, int64_t deadline)
{
	const uint8_t *p;
	size_t len;
	ssize_t n;
	int ret;

	while ((p = ktls_output(c, &len)) != NULL && len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			ktls_output_ack(c, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ret = wait_fd(fd, POLLOUT, deadline);
			if (ret)
				return ret;
			continue;
		}
		if (n == 0)
			errno = EIO;
		/* The peer went away before our flight: as end of stream. */
		if (errno == EPIPE || errno == ECONNRESET)
			return KTLS_E_CLOSED;
		return KTLS_E_IO;
	}
	return 0;
}

/*
 * Receive once into the engine's input window. End of stream and a reset
 * both reach the engine as end of stream, which fails it with
 * KTLS_E_CLOSED. Return: 0 (the engine may now be failed) or an error.
 */
static int feed_input(struct ktls_conn *c, int fd, int64_t deadline)
{
	uint8_t *p;
	size_t len;
	ssize_t n;
	int ret;

	p = ktls_input_space(c, &len);
	if (!p || len == 0)
		return KTLS_E_INTERNAL;
	for (;;) {
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET) {
			n = 0;
			break;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return KTLS_E_IO;
		ret = wait_fd(fd, POLLIN, deadline);
		if (ret)
			return ret;
	}
	ret = ktls_input_ack(c, (size_t)n);
	if (ret && !(ktls_status(c) & KTLS_FAILED))
		return ret;
	return 0;
}

/* The error a failed engine reports, never 0. */
static int engine_error(const struct ktls_conn *c)
{
	struct ktls_result r;

	ktls_get_result(c, &r);
	return r.error ? r.error : KTLS_E_FAILED;
}

int ktls_socket_handshake(struct ktls_conn *c, int fd, int timeout_ms)
{
	int64_t deadline = -1;
	struct timespec ts;
	unsigned int st;
	int ret;

	if (!c || fd < 0 || timeout_ms < -1)
		return KTLS_E_INVALID;
	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
			   timeout_ms;
	}
	ret = ktls_start(c);
	if (ret)
		return ret;

	for (;;) {
		st = ktls_status(c);
		if (st & KTLS_HAS_OUTPUT) {
			ret = flush_output(c, fd, deadline);
			if (ret && (st & KTLS_FAILED))
				return engine_error(c);
		} else if (st & KTLS_FAILED) {
			return engine_error(c);
		} else if (st & KTLS_DONE) {
			return 0;
		} else if (st & KTLS_WANT_INPUT) {
			ret = feed_input(c, fd, deadline);
		} else {
			/* KTLS_PENDING: nobody here can complete it. */
			ret = KTLS_E_INVALID;
		}
		if (ret)
			return ret;
	}
}

/* Engine keys to the glue's layout. */
static void to_glue(const struct ktls_traffic_keys *k, struct ktls_glue_keys *g)
{
	memset(g, 0, sizeof(*g));
	g->cipher_suite = k->suite;
	memcpy(g->key, k->key, k->key_len);
	g->key_len = k->key_len;
	memcpy(g->iv, k->iv, sizeof(g->iv));
	g->seq = k->seq;
}

int ktls_socket_install(const struct ktls_conn *c, int fd)
{
	struct ktls_traffic_keys tk, rk;
	struct ktls_glue_keys tx, rx;
	struct ktls_result r;
	unsigned int max = 0;
	int ret;

	memset(&tk, 0, sizeof(tk));
	memset(&rk, 0, sizeof(rk));
	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	if (!c || fd < 0)
		return KTLS_E_INVALID;
	if ((ktls_status(c) & (KTLS_DONE | KTLS_FAILED | KTLS_HAS_OUTPUT)) !=
	    KTLS_DONE)
		return KTLS_E_INVALID;
	ret = KTLS_E_INVALID;
	if (ktls_get_traffic_keys(c, KTLS_TX, &tk) ||
	    ktls_get_traffic_keys(c, KTLS_RX, &rk) ||
	    tk.key_len > sizeof(tx.key) || rk.key_len > sizeof(rx.key))
		goto out;
	to_glue(&tk, &tx);
	to_glue(&rk, &rx);
	ktls_get_result(c, &r);
	/* RFC 8449 §4: in TLS 1.3 the limit counts the inner content type. */
	if (r.peer_record_size_limit &&
	    r.peer_record_size_limit - 1u < KTLS_MAX_PLAINTEXT)
		max = r.peer_record_size_limit - 1u;
	ret = ktls_glue_install(fd, &tx, &rx, max, NULL);
	if (ret) {
		errno = -ret;
		ret = KTLS_E_IO;
	}
out:
	ktls_traffic_keys_wipe(&tk);
	ktls_traffic_keys_wipe(&rk);
	explicit_bzero(&tx, sizeof(tx));
	explicit_bzero(&rx, sizeof(rx));
	return ret;
}

int ktls_handshake_socket(int fd, const struct ktls_config *cfg,
			  enum ktls_role role, const char *peer_name,
			  int timeout_ms, struct ktls_result *out)
{
	struct ktls_conn *c = NULL;
	int ret, saved;

	if (out) {
		memset(out, 0, sizeof(*out));
		out->alert_sent = out->alert_received = -1;
	}
	if (!cfg || fd < 0 || (role != KTLS_ROLE_CLIENT && role != KTLS_ROLE_SERVER)) {
		ret = KTLS_E_INVALID;
		goto report;
	}
	ret = ktls_conn_new(cfg, &ktls_default_ops, role, &c);
	if (ret) {
		c = NULL;
		goto report;
	}
	if (role == KTLS_ROLE_CLIENT && peer_name) {
		ret = ktls_conn_set_peer_name(c, peer_name);
		if (ret)
			goto report;
	}
	ret = ktls_socket_handshake(c, fd, timeout_ms);
	if (!ret)
		ret = ktls_socket_install(c, fd);
report:
	saved = errno;
	if (out) {
		if (c)
			ktls_get_result(c, out);
		if (ret && !out->error)
			out->error = ret;
	}
	ktls_conn_free(c);
	errno = saved;
	return ret;
}
