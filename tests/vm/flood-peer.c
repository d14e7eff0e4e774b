// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flood-peer: a ClientHello flood for the VM flood test. One process, one
 * epoll loop, opening connections to a TLS server port at a set pace (so
 * the flood tests the agent, not the port's listen backlog), each sending a
 * ClientHello whole, half of it, or one byte a second, then holding the
 * connection until the server closes it or the hold time ends. Bounded in
 * count, open connections and time. For nfsd, --rpc-tls first sends the
 * RPC-with-TLS probe (a NULL call with AUTH_TLS, RFC 9289 §4.1) and waits
 * for STARTTLS, since nfsd asks for a handshake only after it. With
 * --psk-identity the hello offers that PSK with a random binder, which
 * makes a PSK server look the identity up and then refuse it. With --bind
 * every connection comes from that source address (e.g. 127.0.0.2), so a
 * server that tells peers apart sees the flood as one peer of its own.
 *
 *   flood-peer flood --connect HOST:PORT --count N --rate PER_SEC
 *	[--mode whole|half|slow] [--max-open N] [--hold SEC] [--duration SEC]
 *	[--rpc-tls] [--psk-identity ID] [--bind SOURCE_ADDR]
 *   flood-peer stats PATH
 *	Prints what ktlsd's statistics socket PATH answers.
 *
 * flood prints key=value totals on stdout at the end: opened=,
 * connect_failed=, starttls_failed=, answered_hello= (the server sent a
 * handshake record), answered_alert=, closed_by_server= (EOF or reset
 * without an answer), held= (still open at the hold time), max_open=,
 * seconds=. Exit 0, 1 on a local failure, 2 misuse.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "raw-hello.h"
#include "tool-util.h"

const char *const tool_name = "flood-peer";

void tool_usage(FILE *f)
{
	fprintf(f,
		"usage: %s flood --connect HOST:PORT --count N --rate PER_SEC\n"
		"\t[--mode whole|half|slow] [--max-open N] [--hold SEC] [--duration SEC]\n"
		"\t[--rpc-tls] [--psk-identity ID] [--bind SOURCE_ADDR]\n"
		"       %s stats PATH\n", tool_name, tool_name);
}

enum mode { M_WHOLE, M_HALF, M_SLOW };
enum state { S_CONNECTING, S_STARTTLS, S_SENDING, S_HOLDING };

static const struct tool_word mode_words[] = {
	{ "whole", M_WHOLE }, { "half", M_HALF }, { "slow", M_SLOW }, { NULL, 0 },
};

struct conn {
	int fd;
	enum state st;
	uint8_t hello[1024];
	size_t len, sent, goal;		/* record bytes, sent, to send in all */
	uint8_t rpc[256];
	size_t rpc_len;
	double deadline, next_byte;
	bool dead;
};

static struct {
	enum mode mode;
	long count, rate, max_open, hold, duration;
	bool rpc_tls;
	const char *src_name;		/* --bind */
	struct addrinfo *src;
	const char *psk_identity;
	struct addrinfo *ai;
	int ep;
	long open_now;
	unsigned long opened, connect_failed, starttls_failed, answered_hello,
		answered_alert, closed_by_server, held, max_open_seen;
} g = { .mode = M_WHOLE, .max_open = 4096, .hold = 30, .duration = 60 };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The ClientHello record a connection sends: x25519 share (random bytes
 * suffice: the server either refuses earlier or does the exchange), and,
 * with --psk-identity, that PSK with a binder from a random key. */
static void make_hello(struct conn *c)
{
	uint8_t share[32], key[32];
	struct rh_hello h;
	size_t n, b;

	memset(&h, 0, sizeof(h));
	if (RAND_bytes(h.random, 32) != 1 || RAND_bytes(h.session_id, 32) != 1 ||
	    RAND_bytes(share, 32) != 1 || RAND_bytes(key, 32) != 1)
		tool_die("no random bytes");
	h.groups[h.n_groups++] = 0x001d;
	h.shares[0].group = 0x001d;
	h.shares[0].key = share;
	h.shares[0].key_len = 32;
	h.n_shares = 1;
	if (g.psk_identity) {
		h.psk_identity = (const uint8_t *)g.psk_identity;
		h.psk_identity_len = strlen(g.psk_identity);
	}
	n = rh_build(&h, c->hello + 5, sizeof(c->hello) - 5, &b);
	if (!n)
		tool_die("hello too large");
	if (b)
		rh_sign_binder(c->hello + 5, n, b, NULL, 0, key, sizeof(key));
	rh_record_header(c->hello, 22, n);
	c->len = n + 5;
	c->goal = g.mode == M_HALF ? c->len / 2 : c->len;
}

/* RPC NULL call, NFS v4, credential AUTH_TLS (7) with no body, verifier
 * AUTH_NONE: the probe of RFC 9289 §4.1, behind its record mark. */
static void make_rpc_probe(struct conn *c)
{
	uint32_t w[] = { 0, 0 /* CALL */, 2, 100003, 4, 0 /* NULL */, 7, 0, 0, 0 };
	size_t i;

	if (RAND_bytes((uint8_t *)&w[0], 4) != 1)
		tool_die("no random bytes");
	c->rpc_len = 4 + sizeof(w);
	c->rpc[0] = 0x80;
	c->rpc[1] = 0;
	c->rpc[2] = 0;
	c->rpc[3] = sizeof(w);
	for (i = 0; i < sizeof(w) / 4; i++) {
		uint32_t v = w[i];

		c->rpc[4 + 4 * i] = (uint8_t)(v >> 24);
		c->rpc[5 + 4 * i] = (uint8_t)(v >> 16);
		c->rpc[6 + 4 * i] = (uint8_t)(v >> 8);
		c->rpc[7 + 4 * i] = (uint8_t)v;
	}
}

/* Every connection not yet freed, for expire() to walk once a round. */
static struct conn **table;
static size_t table_len, table_cap;

static void track(struct conn *c)
{
	if (table_len == table_cap) {
		size_t cap = table_cap ? 2 * table_cap : 1024;
		struct conn **t = realloc(table, cap * sizeof(*t));

		if (!t)
			tool_die("out of memory");
		table = t;
		table_cap = cap;
	}
	table[table_len++] = c;
}

/* Closed now, freed by expire(): later events of this round may name it. */
static void conn_close(struct conn *c)
{
	close(c->fd);
	c->dead = true;
	g.open_now--;
}

static void conn_open(void)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	struct conn *c = calloc(1, sizeof(*c));
	int fd;

	if (!c)
		tool_die("out of memory");
	fd = socket(g.ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		tool_die("socket: %s", strerror(errno));
	if (g.src) {
		/* The port comes with connect(): binding does not use one up. */
		(void)!setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &(int){ 1 }, sizeof(int));
		if (bind(fd, g.src->ai_addr, g.src->ai_addrlen) < 0)
			tool_die("bind %s: %s", g.src_name, strerror(errno));
	}
	g.opened++;
	if (connect(fd, g.ai->ai_addr, g.ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		g.connect_failed++;
		close(fd);
		free(c);
		return;
	}
	c->fd = fd;
	c->st = S_CONNECTING;
	c->deadline = now_s() + (double)g.hold;
	make_hello(c);
	if (g.rpc_tls)
		make_rpc_probe(c);
	ev.data.ptr = c;
	if (epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		tool_die("epoll_ctl: %s", strerror(errno));
	track(c);
	if (++g.open_now > (long)g.max_open_seen)
		g.max_open_seen = (unsigned long)g.open_now;
}

static void watch(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	epoll_ctl(g.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send what is due: all of the goal, or (slow) one byte a second. */
static void send_due(struct conn *c, double now)
{
	size_t want = c->goal - c->sent;
	ssize_t n;

	if (g.mode == M_SLOW) {
		if (now < c->next_byte)
			return;
		want = want ? 1 : 0;
		c->next_byte = now + 1.0;
	}
	if (want) {
		n = send(c->fd, c->hello + c->sent, want, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			c->sent += (size_t)n;
	}
	if (c->sent == c->goal && c->st == S_SENDING) {
		c->st = S_HOLDING;
		watch(c, EPOLLIN);
	}
}

/* Whatever the server sent while we hold: its first record decides. */
static void on_input(struct conn *c)
{
	uint8_t buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0 && c->st == S_STARTTLS) {
		/* The accepted reply's verifier body is "STARTTLS" (RFC 9289 §4.1). */
		if (memmem(buf, (size_t)n, "STARTTLS", 8)) {
			c->st = S_SENDING;
			watch(c, EPOLLIN);
			send_due(c, now_s());
			return;
		}
		g.starttls_failed++;
	} else if (n > 0 && buf[0] == 21) {
		g.answered_alert++;
	} else if (n > 0) {
		g.answered_hello++;
	} else if (c->st == S_STARTTLS) {
		g.starttls_failed++;
	} else {
		g.closed_by_server++;
	}
	conn_close(c);
}

static void on_event(struct conn *c, uint32_t events)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (c->dead)
		return;
	if (c->st == S_CONNECTING) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err || (events & (EPOLLERR | EPOLLHUP))) {
			g.connect_failed++;
			conn_close(c);
			return;
		}
		if (g.rpc_tls) {
			c->st = S_STARTTLS;
			if (send(c->fd, c->rpc, c->rpc_len, MSG_NOSIGNAL) != (ssize_t)c->rpc_len) {
				g.starttls_failed++;
				conn_close(c);
				return;
			}
			watch(c, EPOLLIN);
			return;
		}
		c->st = S_SENDING;
		watch(c, EPOLLIN);
		send_due(c, now_s());
		return;
	}
	on_input(c);
}

/* Free the closed, close those past their hold time, send slow bytes due. */
static void expire(double now)
{
	size_t i, j = 0;

	for (i = 0; i < table_len; i++) {
		struct conn *c = table[i];

		if (!c->dead && now >= c->deadline) {
			g.held++;
			conn_close(c);
		}
		if (c->dead) {
			free(c);
			continue;
		}
		if (c->st == S_SENDING)
			send_due(c, now);
		table[j++] = c;
	}
	table_len = j;
}

static int flood(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "max-open", required_argument, NULL, 'o' },
		{ "hold", required_argument, NULL, 'H' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rpc-tls", no_argument, NULL, 'R' },
		{ "psk-identity", required_argument, NULL, 'i' },
		{ "bind", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *addr = NULL, *why;
	struct epoll_event evs[256];
	struct rlimit rl;
	double t0, now, last_walk = 0;
	int opt, n, i;

	while ((opt = tool_getopt(argc, argv, "", opts)) != -1) {
		switch (opt) {
		case 'c': addr = optarg; break;
		case 'n': g.count = tool_parse_num("--count", optarg, 1, 1000000); break;
		case 'r': g.rate = tool_parse_num("--rate", optarg, 1, 100000); break;
		case 'm': g.mode = (enum mode)tool_keyword("--mode", optarg, mode_words); break;
		case 'o': g.max_open = tool_parse_num("--max-open", optarg, 1, 1000000); break;
		case 'H': g.hold = tool_parse_num("--hold", optarg, 1, 3600); break;
		case 'd': g.duration = tool_parse_num("--duration", optarg, 1, 3600); break;
		case 'R': g.rpc_tls = true; break;
		case 'i': g.psk_identity = optarg; break;
		case 'b': g.src_name = optarg; break;
		}
	}
	if (!addr || !g.count || !g.rate)
		tool_misuse("--connect, --count and --rate are needed");
	if (g.psk_identity && (!*g.psk_identity || strlen(g.psk_identity) > 512))
		tool_misuse("--psk-identity: 1 to 512 bytes");
	if (tool_resolve(addr, AI_NUMERICSERV, &g.ai, &why))
		tool_die("%s: %s", addr, why);
	if (g.src_name) {
		struct addrinfo hints = { .ai_family = g.ai->ai_family, .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_NUMERICHOST };

		if (getaddrinfo(g.src_name, NULL, &hints, &g.src) || !g.src)
			tool_misuse("--bind: a numeric address of the --connect address's family");
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	g.ep = epoll_create1(EPOLL_CLOEXEC);
	if (g.ep < 0)
		tool_die("epoll: %s", strerror(errno));
	t0 = now_s();
	for (;;) {
		long due, burst;

		now = now_s();
		due = (long)((now - t0) * (double)g.rate) + 1;
		if (due > g.count)
			due = g.count;
		/* Paced, never a burst: a turn opens at most what 10 ms of the
		 * rate is (at least one), so a flood that fell behind (this
		 * process off the CPU) catches up slowly instead of at once. */
		for (burst = g.rate / 100 + 1; burst > 0 && (long)g.opened < due &&
		     g.open_now < g.max_open && now - t0 < (double)g.duration; burst--)
			conn_open();
		if (g.open_now == 0 && ((long)g.opened >= g.count || now - t0 >= (double)g.duration))
			break;
		n = epoll_wait(g.ep, evs, 256, 10);
		for (i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
		/* The walk costs as much as there are connections: ten a second
		 * is enough for hold times and one byte a second, and leaves
		 * the CPU to the peers under test. */
		now = now_s();
		if (now - last_walk >= 0.1) {
			expire(now);
			last_walk = now;
		}
	}
	printf("opened=%lu\nconnect_failed=%lu\nstarttls_failed=%lu\nanswered_hello=%lu\n"
	       "answered_alert=%lu\nclosed_by_server=%lu\nheld=%lu\nmax_open=%lu\nseconds=%.1f\n",
	       g.opened, g.connect_failed, g.starttls_failed, g.answered_hello, g.answered_alert,
	       g.closed_by_server, g.held, g.max_open_seen, now_s() - t0);
	freeaddrinfo(g.ai);
	return 0;
}

/* ktlsd's statistics (key=value lines) from its control socket on stdout. */
static int stats(const char *path)
{
	static char buf[65536];

	if (tool_control_query(path, "stats", buf, sizeof(buf)) < 0)
		tool_die("%s: %s", path, strerror(errno));
	fputs(buf, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "flood"))
		return flood(argc - 1, argv + 1);
	if (argc == 3 && !strcmp(argv[1], "stats"))
		return stats(argv[2]);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		tool_usage(stdout);
		return 0;
	}
	tool_misuse("flood or stats first");
}
