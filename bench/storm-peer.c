// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * storm-peer: the far end of a handshake storm (bench/storm.c). One
 * process, one epoll loop, any number of concurrent TLS 1.3 connections on
 * libktls, so hundreds of kernel handshake requests can each have a live
 * peer without hundreds of ktls-peer processes. Like ktls-peer it drives the
 * sans-IO engine with input space / ack and output / ack (here on
 * non-blocking sockets) and moves application data in user space.
 *
 *   storm-peer server --listen ADDR:PORT --cert F --key F [--ca F]
 *	[--request-client-cert] [--psk-identity ID --psk-hex HEX]
 *	[--psk-hash sha256|sha384] [--timeout SEC]
 *	Serves until SIGTERM/SIGINT; every connection: handshake, then echo
 *	whatever arrives until the peer closes.
 *   storm-peer client --connect HOST:PORT --count N [--servername NAME]
 *	[--ca F] [--psk-identity ID --psk-hex HEX] [--timeout SEC]
 *	Opens N connections at once; each: handshake, then echo until the
 *	peer closes. Exits when all are done.
 *
 * Prints "storm-peer: listening on ADDR:PORT" (server, stderr) and, at the
 * end, key=value totals on stdout: handshakes_ok=, handshakes_failed=,
 * echoed_bytes=, and one fail_reason= line per distinct failure.
 * Exit status: 0, or 1 when a client-mode connection failed; 2 misuse.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ktls/ktls.h>

#include "tool-util.h"

#define SP_MAX_EVENTS 256
#define SP_MAX_REASONS 16

struct sp_opts {
	enum ktls_role role;
	const char *addr;
	const char *servername;
	const char *ca;
	const char *cert;
	const char *key;
	const char *psk_identity;
	uint8_t psk_key[KTLS_MAX_PSK_KEY];
	size_t psk_key_len;
	enum ktls_hash psk_hash;
	long count;
	long timeout;
	unsigned int flags;
};

struct sp_conn {
	int fd;
	struct ktls_conn *c;
	bool connecting;	/* client: non-blocking connect in progress */
	bool hs_done;
	uint32_t events;	/* what epoll watches now */
	time_t deadline;	/* CLOCK_MONOTONIC seconds */
	struct sp_conn *next, *prev;	/* all live connections */
};

static struct {
	struct sp_opts o;
	struct ktls_config cfg;
	struct ktls_credential *cred;
	struct ktls_trust *trust;
	struct ktls_psk psk;
	int ep;
	int lfd;
	struct sp_conn *live;
	long started, finished, ok, failed;
	unsigned long long echoed;
	struct {
		char text[160];
		long n;
	} reasons[SP_MAX_REASONS];
	volatile sig_atomic_t stop;
} g = { .ep = -1, .lfd = -1 };

const char *const tool_name = "storm-peer";

void tool_usage(FILE *f)
{
	fprintf(f,
		"usage: %s server --listen ADDR:PORT [--cert FILE --key FILE] [--ca FILE]\n"
		"\t[--request-client-cert] [--psk-identity ID --psk-hex HEX]\n"
		"\t[--psk-hash sha256|sha384] [--timeout SEC]\n"
		"       %s client --connect HOST:PORT --count N [--servername NAME]\n"
		"\t[--ca FILE] [--psk-identity ID --psk-hex HEX] [--psk-only] [--timeout SEC]\n",
		tool_name, tool_name);
}

static time_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void __attribute__((format(printf, 1, 2))) reason(const char *fmt, ...)
{
	char text[160];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (i = 0; i < SP_MAX_REASONS && g.reasons[i].n; i++)
		if (!strcmp(g.reasons[i].text, text)) {
			g.reasons[i].n++;
			return;
		}
	if (i < SP_MAX_REASONS) {
		snprintf(g.reasons[i].text, sizeof(g.reasons[i].text), "%s", text);
		g.reasons[i].n = 1;
	}
}

static const struct tool_word psk_hashes[] = {
	{ "sha256", KTLS_HASH_SHA256 },
	{ "sha384", KTLS_HASH_SHA384 },
	{ NULL, 0 },
};

static void parse_args(int argc, char **argv)
{
	enum { O_LISTEN = 256, O_CONNECT, O_CERT, O_KEY, O_CA, O_REQ_CC, O_PSK_ID,
	       O_PSK_HEX, O_PSK_HASH, O_PSK_ONLY, O_COUNT, O_TIMEOUT, O_SNI };
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "ca", required_argument, NULL, O_CA },
		{ "request-client-cert", no_argument, NULL, O_REQ_CC },
		{ "psk-identity", required_argument, NULL, O_PSK_ID },
		{ "psk-hex", required_argument, NULL, O_PSK_HEX },
		{ "psk-hash", required_argument, NULL, O_PSK_HASH },
		{ "psk-only", no_argument, NULL, O_PSK_ONLY },
		{ "count", required_argument, NULL, O_COUNT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "servername", required_argument, NULL, O_SNI },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_opts *o = &g.o;
	int opt;

	o->timeout = 30;
	o->psk_hash = KTLS_HASH_SHA256;
	if (argc < 2)
		tool_misuse("client or server?");
	if (!strcmp(argv[1], "server"))
		o->role = KTLS_ROLE_SERVER;
	else if (!strcmp(argv[1], "client"))
		o->role = KTLS_ROLE_CLIENT;
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		tool_usage(stdout);
		exit(0);
	} else
		tool_misuse("the first argument is client or server");
	optind = 2;
	while ((opt = tool_getopt(argc, argv, "h", lo)) != -1) {
		switch (opt) {
		case O_LISTEN:
		case O_CONNECT:
			o->addr = optarg;
			break;
		case O_CERT:
			o->cert = optarg;
			break;
		case O_KEY:
			o->key = optarg;
			break;
		case O_CA:
			o->ca = optarg;
			break;
		case O_REQ_CC:
			o->flags |= KTLS_F_REQUEST_CLIENT_CERT;
			break;
		case O_PSK_ID:
			o->psk_identity = optarg;
			break;
		case O_PSK_HEX:
			o->psk_key_len = tool_parse_hex("--psk-hex", optarg, o->psk_key,
							sizeof(o->psk_key));
			break;
		case O_PSK_HASH:
			o->psk_hash = (enum ktls_hash)tool_keyword("--psk-hash", optarg,
								   psk_hashes);
			break;
		case O_PSK_ONLY:
			o->flags |= KTLS_F_PSK_ONLY_KE;
			break;
		case O_COUNT:
			o->count = tool_parse_num("--count", optarg, 1, INT_MAX);
			break;
		case O_TIMEOUT:
			o->timeout = tool_parse_num("--timeout", optarg, 1, 86400);
			break;
		case O_SNI:
			o->servername = optarg;
			break;
		}
	}
	if (!o->addr)
		tool_misuse("%s is required",
			    o->role == KTLS_ROLE_SERVER ? "--listen" : "--connect");
	if (!o->cert != !o->key)
		tool_misuse("--cert and --key go together");
	if (!o->psk_identity != !o->psk_key_len)
		tool_misuse("--psk-identity and --psk-hex go together");
	if (o->role == KTLS_ROLE_SERVER && !o->cert && !o->psk_identity)
		tool_misuse("a server needs --cert/--key or a PSK");
	if (o->role == KTLS_ROLE_CLIENT && !o->count)
		tool_misuse("--count is required for a client");
}

static int psk_lookup(void *arg, const uint8_t *identity, size_t len, struct ktls_psk *out)
{
	if (!g.psk.identity || len != g.psk.identity_len ||
	    memcmp(identity, g.psk.identity, len))
		return KTLS_E_ALERT_unknown_psk_identity;
	*out = g.psk;
	return 0;
}

static void setup(void)
{
	const struct sp_opts *o = &g.o;
	int ret;

	ktls_config_init(&g.cfg);
	g.cfg.flags |= o->flags;
	if (o->cert) {
		ret = ktls_credential_load_pem(o->cert, o->key, &g.cred);
		if (ret)
			tool_die("%s: %s", o->cert, ktls_strerror(ret));
		g.cfg.cred = g.cred;
	}
	if (o->ca) {
		ret = ktls_trust_load(o->ca, NULL, NULL, &g.trust);
		if (ret)
			tool_die("%s: %s", o->ca, ktls_strerror(ret));
		g.cfg.trust = g.trust;
	} else if (o->role == KTLS_ROLE_CLIENT) {
		g.cfg.flags |= KTLS_F_NO_VERIFY;
	}
	if (o->psk_identity) {
		g.psk.identity = (const uint8_t *)o->psk_identity;
		g.psk.identity_len = strlen(o->psk_identity);
		g.psk.key = o->psk_key;
		g.psk.key_len = o->psk_key_len;
		g.psk.hash = o->psk_hash;
		if (o->role == KTLS_ROLE_SERVER) {
			g.cfg.psk_lookup = psk_lookup;
			g.cfg.psk_lookup_arg = NULL;
		}
	}
}

static void watch(struct sp_conn *pc, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = pc };

	if (events == pc->events)
		return;
	if (epoll_ctl(g.ep, pc->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, pc->fd, &ev) == 0)
		pc->events = events;
}

static void conn_close(struct sp_conn *pc, bool ok, const char *why)
{
	if (!pc->hs_done) {
		struct ktls_result r;
		const char *detail = NULL;

		if (pc->c) {
			ktls_get_result(pc->c, &r);
			detail = ktls_error_detail(pc->c);
			if (!detail || !*detail)
				detail = r.error ? ktls_strerror(r.error) : NULL;
		}
		g.failed++;
		if (detail)
			reason("%s: %s", why ? why : "handshake failed", detail);
		else
			reason("%s", why ? why : "handshake failed");
	} else if (!ok) {
		reason("%s", why ? why : "after the handshake");
	}
	if (pc->fd >= 0) {
		epoll_ctl(g.ep, EPOLL_CTL_DEL, pc->fd, NULL);
		close(pc->fd);
	}
	ktls_conn_free(pc->c);
	if (pc->prev)
		pc->prev->next = pc->next;
	else
		g.live = pc->next;
	if (pc->next)
		pc->next->prev = pc->prev;
	free(pc);
	g.finished++;
}

/* Move bytes until the socket would block; may free @pc. */
static void pump(struct sp_conn *pc)
{
	unsigned int st;
	const uint8_t *p;
	uint8_t *in;
	size_t len, used;
	ssize_t n;

	for (;;) {
		st = ktls_status(pc->c);
		if (st & KTLS_HAS_OUTPUT) {
			p = ktls_output(pc->c, &len);
			n = send(pc->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				watch(pc, EPOLLOUT);
				return;
			}
			if (n < 0) {
				conn_close(pc, false, "send failed");
				return;
			}
			ktls_output_ack(pc->c, (size_t)n);
			continue;
		}
		if (st & KTLS_FAILED) {
			/* after the handshake: the peer hung up or a bad record */
			conn_close(pc, pc->hs_done, NULL);
			return;
		}
		if ((st & KTLS_DONE) && !pc->hs_done) {
			pc->hs_done = true;
			g.ok++;
			pc->deadline = mono_s() + g.o.timeout;
			continue;
		}
		if (st & KTLS_APP_DATA) {
			p = ktls_app_read(pc->c, &len);
			if (!p || !len) {
				ktls_app_consume(pc->c, len);
				continue;
			}
			if (ktls_app_write(pc->c, p, len, &used)) {
				conn_close(pc, false, "echo failed");
				return;
			}
			ktls_app_consume(pc->c, used);
			g.echoed += used;
			continue;
		}
		if (st & KTLS_PEER_CLOSED) {
			if (ktls_close(pc->c) == 0 && (ktls_status(pc->c) & KTLS_HAS_OUTPUT)) {
				p = ktls_output(pc->c, &len);
				(void)!send(pc->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			}
			conn_close(pc, true, NULL);
			return;
		}
		if (st & KTLS_PENDING) {
			conn_close(pc, false, "engine pending (unexpected)");
			return;
		}
		if (!pc->hs_done && !(st & KTLS_WANT_INPUT)) {
			conn_close(pc, false, "engine stuck");
			return;
		}
		in = ktls_input_space(pc->c, &len);
		if (!in || !len) {
			conn_close(pc, false, "no input space");
			return;
		}
		n = recv(pc->fd, in, len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			watch(pc, EPOLLIN);
			return;
		}
		if (n <= 0) {
			/* EOF or reset: the far end is gone */
			if (pc->hs_done) {
				conn_close(pc, true, NULL);
				return;
			}
			(void)!ktls_input_ack(pc->c, 0);
			conn_close(pc, false, n < 0 ? "receive failed" : "peer closed during the handshake");
			return;
		}
		(void)!ktls_input_ack(pc->c, (size_t)n);
	}
}

static struct sp_conn *conn_new(int fd)
{
	struct sp_conn *pc = calloc(1, sizeof(*pc));
	int one = 1, ret;

	if (!pc) {
		close(fd);
		reason("out of memory");
		g.failed++;
		return NULL;
	}
	pc->fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ret = ktls_conn_new(&g.cfg, &ktls_default_ops, g.o.role, &pc->c);
	if (!ret && g.o.role == KTLS_ROLE_CLIENT) {
		ret = ktls_conn_set_peer_name(pc->c, g.o.servername ? g.o.servername : "localhost");
		if (!ret && g.psk.identity)
			ret = ktls_conn_set_psks(pc->c, &g.psk, 1);
	}
	if (!ret)
		ret = ktls_start(pc->c);
	pc->deadline = mono_s() + g.o.timeout;
	pc->next = g.live;
	if (g.live)
		g.live->prev = pc;
	g.live = pc;
	g.started++;
	if (ret) {
		reason("engine setup: %s", ktls_strerror(ret));
		conn_close(pc, false, "engine setup failed");
		return NULL;
	}
	return pc;
}

static void on_accept(void)
{
	int fd;

	for (;;) {
		fd = accept4(g.lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				reason("accept: %s", strerror(errno));
			if (errno == EMFILE || errno == ENFILE)
				usleep(10000);
			return;
		}
		struct sp_conn *pc = conn_new(fd);

		if (pc)
			pump(pc);
	}
}

static struct addrinfo *resolve(bool passive)
{
	struct addrinfo *res;
	const char *why;
	int ret;

	ret = tool_resolve(g.o.addr, passive ? TOOL_AI_LISTEN : 0, &res, &why);
	if (ret < 0)
		tool_misuse("expected HOST:PORT, got '%s'", g.o.addr);
	if (ret)
		tool_die("%s: %s", g.o.addr, why);
	return res;
}

static void start_server(void)
{
	struct addrinfo *res = resolve(true);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	g.lfd = tool_listen(res->ai_addr, res->ai_addrlen, SOCK_NONBLOCK, 4096);
	if (g.lfd < 0)
		tool_die("listen %s: %s", g.o.addr, strerror(errno));
	freeaddrinfo(res);
	if (epoll_ctl(g.ep, EPOLL_CTL_ADD, g.lfd, &ev)) {
		perror("epoll_ctl");
		exit(1);
	}
	tool_print_listening(g.lfd);
}

static void start_clients(void)
{
	struct addrinfo *res = resolve(false);
	struct sp_conn *pc;
	long i;
	int fd;

	for (i = 0; i < g.o.count; i++) {
		fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    res->ai_protocol);
		if (fd < 0) {
			reason("socket: %s", strerror(errno));
			g.started++;
			g.finished++;
			g.failed++;
			continue;
		}
		if (connect(fd, res->ai_addr, res->ai_addrlen) && errno != EINPROGRESS) {
			reason("connect: %s", strerror(errno));
			close(fd);
			g.started++;
			g.finished++;
			g.failed++;
			continue;
		}
		pc = conn_new(fd);
		if (!pc)
			continue;
		pc->connecting = true;
		watch(pc, EPOLLOUT);
	}
	freeaddrinfo(res);
}

static void on_event(struct sp_conn *pc, uint32_t events)
{
	if (pc->connecting) {
		int err = 0;
		socklen_t el = sizeof(err);

		getsockopt(pc->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			conn_close(pc, false, "connect failed");
			return;
		}
		pc->connecting = false;
	}
	pump(pc);
}

static void expire(void)
{
	struct sp_conn *pc, *next;
	time_t now = mono_s();

	for (pc = g.live; pc; pc = next) {
		next = pc->next;
		if (now >= pc->deadline)
			conn_close(pc, false, pc->hs_done ? "idle timeout after the handshake"
							  : "handshake timeout");
	}
}

static void on_signal(int sig)
{
	g.stop = 1;
}

int main(int argc, char **argv)
{
	struct epoll_event evs[SP_MAX_EVENTS];
	struct rlimit rl;
	time_t last_expire = 0;
	int i, n;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	/* Room for many sockets. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	setup();
	g.ep = epoll_create1(EPOLL_CLOEXEC);
	if (g.ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	if (g.o.role == KTLS_ROLE_SERVER)
		start_server();
	else
		start_clients();

	while (!g.stop) {
		if (g.o.role == KTLS_ROLE_CLIENT && g.finished >= g.o.count)
			break;
		n = epoll_wait(g.ep, evs, SP_MAX_EVENTS, 500);
		if (n < 0 && errno != EINTR) {
			perror("epoll_wait");
			break;
		}
		for (i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				on_accept();
			else
				on_event(evs[i].data.ptr, evs[i].events);
		}
		if (mono_s() != last_expire) {
			last_expire = mono_s();
			expire();
		}
	}
	while (g.live)
		conn_close(g.live, g.live->hs_done, "still open at exit");
	printf("connections=%ld\nhandshakes_ok=%ld\nhandshakes_failed=%ld\nechoed_bytes=%llu\n",
	       g.started, g.ok, g.failed, g.echoed);
	for (i = 0; i < SP_MAX_REASONS && g.reasons[i].n; i++)
		printf("fail_reason=%s (x%ld)\n", g.reasons[i].text, g.reasons[i].n);
	ktls_credential_free(g.cred);
	ktls_trust_free(g.trust);
	if (g.o.role == KTLS_ROLE_CLIENT)
		return g.failed || g.ok < g.o.count ? 1 : 0;
	return 0;
}
