// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hs-request: drive the ktls_test_hs test module (kmod-glue/kmod) from a
 * VM test. It makes a TCP connection on the loopback (connects, accepts
 * one, or builds a "silent" pair whose far end nobody ever reads), hands
 * the socket to /dev/ktls_test_hs with the handshake parameters, so the
 * kernel asks the agent (ktlsd) for a handshake exactly as NFS or NVMe/TCP
 * would, and prints what the done callback got:
 *
 *	status=-13
 *	errno=EACCES
 *	peerid=0
 *	flags=done
 *	elapsed_ms=42
 *
 * After a successful handshake the socket carries kernel TLS: it prints the
 * ciphers installed (getsockopt SOL_TLS) and moves plaintext through the
 * same fd, so the kernel encrypts and decrypts:
 *
 *	--expect TEXT	read TEXT, which the peer sent right after its
 *			Finished (it must not have been eaten by the agent)
 *	--echo		...and write it back (for a ktls-peer client's --send)
 *	--send TEXT	write TEXT and read it back (a ktls-peer server echoes)
 *	--bulk N	the same with N bytes of a pattern (many records)
 *
 * --delay-peer MS puts a relay between a --listen peer and the module's
 * socket that holds the peer's bytes back for MS ms, so the request is
 * accepted by the agent long before its first flight arrives (to overlap
 * requests on purpose).
 *
 * Results are key=value lines a script can grep. Exit status: 0 when the
 * handshake succeeded and every data check passed, 1 otherwise, 2 misuse.
 * Only the module's uapi header and kmod-glue's handshake-uapi.h (the kTLS
 * constants) are needed, and tools/tool-util.c.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "handshake-uapi.h"
#include "ktls_test_hs.h"
#include "tool-util.h"

#define HS_DEVICE "/dev/" KTLS_TEST_HS_DEVICE
#define HS_MAX_TEXT 4096
#define HS_IO_TIMEOUT_S 10		/* per read or write after the handshake */
#define HS_ACCEPT_TIMEOUT_MS 20000	/* --listen: wait for the peer */
#define HS_BULK_MAX (16 * 1024 * 1024)
#define TLS_RECORD_ALERT 21
#define TLS_RECORD_DATA 23

const char *const tool_name = "hs-request";

struct hs_opts {
	struct ktls_test_hs_req req;
	const char *connect;
	const char *listen;
	bool silent;
	long delay_peer_ms;
	const char *device;
	const char *send;
	const char *expect;
	bool echo;
	long bulk;
	bool close_notify;
	long io_timeout;
};

void tool_usage(FILE *f)
{
	fprintf(f,
		"usage: %s --role client|server --auth anon|x509|psk\n"
		"\t(--connect ADDR:PORT | --listen ADDR:PORT | --silent-peer)\n"
		"\t[--keyring SERIAL] [--cert SERIAL] [--privkey SERIAL]\n"
		"\t[--psk SERIAL]... [--peername NAME] [--timeout-ms MS]\n"
		"\t[--wait-ms MS] [--expect TEXT [--echo]] [--send TEXT]\n"
		"\t[--bulk BYTES] [--no-close-notify] [--io-timeout SEC]\n"
		"\t[--delay-peer MS]\n"
		"\t[--device PATH]\n",
		tool_name);
}

/* The errno names the tests compare against; others print as numbers. */
static const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ 0, "0" },
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" },
		{ EINTR, "EINTR" },
		{ EIO, "EIO" },
		{ EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" },
		{ EBUSY, "EBUSY" },
		{ EINVAL, "EINVAL" },
		{ EMSGSIZE, "EMSGSIZE" },
		{ EPROTO, "EPROTO" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
		{ ECONNRESET, "ECONNRESET" },
		{ ENOTCONN, "ENOTCONN" },
		{ ETIMEDOUT, "ETIMEDOUT" },
		{ ECONNREFUSED, "ECONNREFUSED" },
		{ ENOKEY, "ENOKEY" },
		{ EKEYEXPIRED, "EKEYEXPIRED" },
		{ EKEYREVOKED, "EKEYREVOKED" },
		{ EKEYREJECTED, "EKEYREJECTED" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return NULL;
}

static const struct tool_word roles[] = {
	{ "client", KTLS_TEST_HS_CLIENT },
	{ "server", KTLS_TEST_HS_SERVER },
	{ NULL, 0 },
};

static const struct tool_word auths[] = {
	{ "anon", KTLS_TEST_HS_ANON },
	{ "x509", KTLS_TEST_HS_X509 },
	{ "psk", KTLS_TEST_HS_PSK },
	{ NULL, 0 },
};

static void parse_args(int argc, char **argv, struct hs_opts *o)
{
	enum {
		OPT_ROLE = 256, OPT_AUTH, OPT_CONNECT, OPT_LISTEN, OPT_SILENT,
		OPT_KEYRING, OPT_CERT, OPT_PRIVKEY, OPT_PSK, OPT_PEERNAME,
		OPT_TIMEOUT, OPT_WAIT, OPT_SEND, OPT_EXPECT, OPT_ECHO,
		OPT_BULK, OPT_NO_CN, OPT_IO_TIMEOUT, OPT_DEVICE, OPT_DELAY,
	};
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "auth", required_argument, NULL, OPT_AUTH },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "silent-peer", no_argument, NULL, OPT_SILENT },
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "privkey", required_argument, NULL, OPT_PRIVKEY },
		{ "psk", required_argument, NULL, OPT_PSK },
		{ "peername", required_argument, NULL, OPT_PEERNAME },
		{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
		{ "wait-ms", required_argument, NULL, OPT_WAIT },
		{ "send", required_argument, NULL, OPT_SEND },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "echo", no_argument, NULL, OPT_ECHO },
		{ "bulk", required_argument, NULL, OPT_BULK },
		{ "no-close-notify", no_argument, NULL, OPT_NO_CN },
		{ "io-timeout", required_argument, NULL, OPT_IO_TIMEOUT },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "delay-peer", required_argument, NULL, OPT_DELAY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ktls_test_hs_req *r = &o->req;
	int ch, addrs;

	memset(o, 0, sizeof(*o));
	o->device = HS_DEVICE;
	o->close_notify = true;
	o->io_timeout = HS_IO_TIMEOUT_S;
	while ((ch = tool_getopt(argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case OPT_ROLE:
			r->role = (__u32)tool_keyword("--role", optarg, roles);
			break;
		case OPT_AUTH:
			r->auth = (__u32)tool_keyword("--auth", optarg, auths);
			break;
		case OPT_CONNECT:
			o->connect = optarg;
			break;
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_SILENT:
			o->silent = true;
			break;
		/* Serials may be anything, even invalid: that is a test too. */
		case OPT_KEYRING:
			r->keyring = (__s32)tool_parse_num("--keyring", optarg,
							   INT32_MIN, INT32_MAX);
			break;
		case OPT_CERT:
			r->cert = (__s32)tool_parse_num("--cert", optarg, INT32_MIN,
							INT32_MAX);
			break;
		case OPT_PRIVKEY:
			r->privkey = (__s32)tool_parse_num("--privkey", optarg,
							   INT32_MIN, INT32_MAX);
			break;
		case OPT_PSK:
			if (r->num_peerids >= KTLS_TEST_HS_MAX_PEERIDS)
				tool_misuse("--psk: at most %d", KTLS_TEST_HS_MAX_PEERIDS);
			r->peerids[r->num_peerids++] =
				(__s32)tool_parse_num("--psk", optarg, INT32_MIN, INT32_MAX);
			break;
		case OPT_PEERNAME:
			if (strlen(optarg) >= sizeof(r->peername))
				tool_misuse("--peername: at most %zu bytes", sizeof(r->peername) - 1);
			strcpy(r->peername, optarg);
			break;
		case OPT_TIMEOUT:
			r->timeout_ms = (__u32)tool_parse_num("--timeout-ms", optarg, 0,
							      UINT32_MAX);
			break;
		case OPT_WAIT:
			r->wait_ms = (__u32)tool_parse_num("--wait-ms", optarg, 0,
							   UINT32_MAX);
			break;
		case OPT_SEND:
			o->send = optarg;
			break;
		case OPT_EXPECT:
			o->expect = optarg;
			break;
		case OPT_ECHO:
			o->echo = true;
			break;
		case OPT_BULK:
			o->bulk = tool_parse_num("--bulk", optarg, 1, HS_BULK_MAX);
			break;
		case OPT_NO_CN:
			o->close_notify = false;
			break;
		case OPT_IO_TIMEOUT:
			o->io_timeout = tool_parse_num("--io-timeout", optarg, 1, 3600);
			break;
		case OPT_DEVICE:
			o->device = optarg;
			break;
		case OPT_DELAY:
			o->delay_peer_ms = tool_parse_num("--delay-peer", optarg, 1, 60000);
			break;
		}
	}
	if (!r->role || !r->auth)
		tool_misuse("--role and --auth are required");
	addrs = !!o->connect + !!o->listen + o->silent;
	if (addrs != 1)
		tool_misuse("exactly one of --connect, --listen and --silent-peer");
	if ((o->send && strlen(o->send) > HS_MAX_TEXT) ||
	    (o->expect && strlen(o->expect) > HS_MAX_TEXT))
		tool_misuse("--send/--expect: at most %d bytes", HS_MAX_TEXT);
	if ((o->send && !*o->send) || (o->expect && !*o->expect))
		tool_misuse("--send/--expect: empty text");
	if (o->echo && !o->expect)
		tool_misuse("--echo needs --expect");
	if (o->delay_peer_ms && !o->listen)
		tool_misuse("--delay-peer needs --listen");
}

static int ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The connected socket for the handshake; *lfd is a listener to keep. */
static int get_socket(const struct hs_opts *o, int *lfd)
{
	const char *addr = o->connect ? o->connect : o->listen, *why;
	struct sockaddr_in sin;
	struct addrinfo *res;
	struct pollfd pfd;
	int fd;

	*lfd = -1;
	if (o->silent) {
		/*
		 * A connection nobody accepts: the kernel completes it into
		 * the backlog, takes what we send and never answers.
		 */
		*lfd = tool_loopback_listen(&sin);
		if (*lfd < 0) {
			printf("error=silent listener: %s\n", strerror(errno));
			return -1;
		}
		fd = tool_connect((struct sockaddr *)&sin, sizeof(sin));
		if (fd < 0)
			printf("error=silent connect: %s\n", strerror(errno));
		return fd;
	}
	if (tool_resolve(addr, AI_NUMERICHOST | AI_NUMERICSERV, &res, &why))
		tool_misuse("expected a numeric ADDR:PORT, got '%s'", addr);
	if (o->connect) {
		fd = tool_connect(res->ai_addr, res->ai_addrlen);
		if (fd < 0)
			printf("error=connect %s: %s\n", o->connect, strerror(errno));
		freeaddrinfo(res);
		return fd;
	}
	*lfd = tool_listen(res->ai_addr, res->ai_addrlen, 0, 4);
	if (*lfd < 0) {
		printf("error=listen %s: %s\n", o->listen, strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	/* Scripts wait for this line before they start the peer. */
	tool_print_listening(*lfd);
	pfd.fd = *lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, HS_ACCEPT_TIMEOUT_MS) != 1) {
		printf("error=accept: no peer within %d ms\n", HS_ACCEPT_TIMEOUT_MS);
		return -1;
	}
	fd = accept4(*lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		printf("error=accept: %s\n", strerror(errno));
	return fd;
}

/*
 * The relay child: after @delay_ms, copy bytes both ways between @a and
 * @b until both directions reached end of stream (or a minute passed).
 */
static void __attribute__((noreturn)) relay(int a, int b, long delay_ms)
{
	struct pollfd pfd[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	int peer[2] = { b, a };
	bool open_[2] = { true, true };
	uint8_t buf[16384];
	ssize_t n;
	int i;

	alarm(60);
	poll(NULL, 0, (int)delay_ms);
	while (open_[0] || open_[1]) {
		pfd[0].events = open_[0] ? POLLIN : 0;
		pfd[1].events = open_[1] ? POLLIN : 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (i = 0; i < 2; i++) {
			if (!open_[i] || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(pfd[i].fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				shutdown(peer[i], SHUT_WR);
				open_[i] = false;
				continue;
			}
			if (send(peer[i], buf, (size_t)n, MSG_NOSIGNAL) != n)
				_exit(1);
		}
	}
	_exit(0);
}

/*
 * Put a relay child between the accepted peer @fd and a fresh loopback
 * connection; return our end of that connection (for the module).
 */
static int delay_peer(int fd, long delay_ms, pid_t *pid)
{
	int near, far, err;

	err = tool_loopback_pair(&far, &near);
	if (err) {
		printf("error=relay connection: %s\n", strerror(err));
		return -1;
	}
	*pid = fork();
	if (*pid < 0) {
		printf("error=fork: %s\n", strerror(errno));
		close(near);
		close(far);
		return -1;
	}
	if (*pid == 0) {
		close(near);
		relay(fd, far, delay_ms);
	}
	close(far);
	close(fd);
	return near;
}

/* What kTLS has on the socket: "tx_cipher=51 rx_cipher=51" or why not. */
static void print_ktls(int fd)
{
	static const char *const names[] = { "tx", "rx" };
	static const int opts[] = { TLS_TX, TLS_RX };
	struct ktls_crypto_info_hdr ci;
	char ulp[16] = "";
	socklen_t len = sizeof(ulp);
	int i;

	if (getsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, &len) == 0)
		printf("ulp=%s\n", ulp[0] ? ulp : "none");
	for (i = 0; i < 2; i++) {
		/*
		 * The kernel wants either the exact size of the cipher's
		 * struct or just the common header; the header (version and
		 * cipher) is all we print, and it carries no key.
		 */
		len = sizeof(ci);
		memset(&ci, 0, sizeof(ci));
		if (getsockopt(fd, SOL_TLS, opts[i], &ci, &len))
			printf("%s_cipher=none (%s)\n", names[i], strerror(errno));
		else
			printf("%s_cipher=%u %s_version=0x%04x\n", names[i],
			       ci.cipher_type, names[i], ci.version);
	}
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			printf("error=write: %s\n", n < 0 ? strerror(errno) : "nothing written");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Receive up to @len bytes of application data. kTLS hands other record
 * types (alerts, handshake messages) only with a control buffer, so ask
 * for the record type and refuse anything but data.
 * Return: bytes read; 0 with MSG_DONTWAIT and nothing there; -1 on error
 * or end of stream (printed).
 */
static ssize_t recv_data(int fd, uint8_t *p, size_t len, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(unsigned char))];
	} ctl;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	do {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = p;
		iov.iov_len = len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(fd, &msg, flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (flags & MSG_DONTWAIT) && errno == EAGAIN)
		return 0;
	if (n < 0) {
		printf("error=read: %s\n", strerror(errno));
		return -1;
	}
	if (n == 0) {
		printf("error=read: end of stream with %zu bytes missing\n", len);
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_TLS && cm->cmsg_type == TLS_GET_RECORD_TYPE &&
		    *(unsigned char *)CMSG_DATA(cm) != TLS_RECORD_DATA) {
			printf("error=read: record type %u, not application data\n",
			       *(unsigned char *)CMSG_DATA(cm));
			return -1;
		}
	}
	return n;
}

static int read_exact(int fd, uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = recv_data(fd, p, len, 0);
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A warning-level close_notify alert, through kTLS (record type 21). */
static void send_close_notify(int fd)
{
	static const uint8_t alert[2] = { 1, 0 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(unsigned char))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)alert, .iov_len = sizeof(alert) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(unsigned char));
	*(unsigned char *)CMSG_DATA(cm) = TLS_RECORD_ALERT;
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(alert))
		printf("close_notify=failed (%s)\n", strerror(errno));
	else
		printf("close_notify=sent\n");
}

/*
 * Write @len bytes and read as many back, interleaved (an echo peer
 * blocks when we do not read), then compare; prints @what=ok|mismatch.
 */
static int round_trip(int fd, const char *what, const uint8_t *data, size_t len,
		      int timeout_ms)
{
	uint8_t *back = malloc(len);
	size_t sent = 0, got = 0;
	struct pollfd pfd = { .fd = fd };
	ssize_t n;
	int ret = -1;

	if (!back) {
		printf("error=out of memory\n");
		return -1;
	}
	while (got < len) {
		pfd.events = POLLIN | (sent < len ? POLLOUT : 0);
		n = poll(&pfd, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			printf("error=%s: %zu of %zu bytes sent, %zu back, then %s\n", what,
			       sent, len, got, n ? strerror(errno) : "nothing moved");
			goto out;
		}
		if (sent < len && (pfd.revents & POLLOUT)) {
			n = send(fd, data + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				printf("error=write: %s\n", strerror(errno));
				goto out;
			}
			if (n > 0)
				sent += (size_t)n;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv_data(fd, back + got, len - got, MSG_DONTWAIT);
			if (n < 0)
				goto out;
			got += (size_t)n;
		}
	}
	ret = memcmp(data, back, len) ? -1 : 0;
	printf("%s=%s\n", what, ret ? "mismatch" : "ok");
out:
	free(back);
	return ret;
}

static int move_data(const struct hs_opts *o, int fd)
{
	uint8_t buf[HS_MAX_TEXT];
	uint8_t *bulk;
	size_t len;
	long i;

	tool_set_timeouts(fd, o->io_timeout);
	if (o->expect) {
		len = strlen(o->expect);
		if (read_exact(fd, buf, len))
			return -1;
		if (memcmp(buf, o->expect, len)) {
			printf("expect=mismatch\n");
			return -1;
		}
		printf("expect=ok\n");
		if (o->echo && write_all(fd, buf, len))
			return -1;
		if (o->echo)
			printf("echoed=%zu\n", len);
	}
	if (o->send && round_trip(fd, "echo", (const uint8_t *)o->send, strlen(o->send),
				  (int)o->io_timeout * 1000))
		return -1;
	if (o->bulk) {
		bulk = malloc((size_t)o->bulk);
		if (!bulk) {
			printf("error=out of memory\n");
			return -1;
		}
		for (i = 0; i < o->bulk; i++)
			bulk[i] = (uint8_t)(i * 7 + i / 251);
		i = round_trip(fd, "bulk", bulk, (size_t)o->bulk, (int)o->io_timeout * 1000);
		free(bulk);
		if (i)
			return -1;
	}
	if (o->close_notify && (o->send || o->expect || o->bulk))
		send_close_notify(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct hs_opts o;
	struct ktls_test_hs_req *r = &o.req;
	struct timespec t0;
	const char *name;
	pid_t relay_pid = -1;
	int dev, fd, lfd, ret, err;

	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	/* Open the device first: without the module there is no test. */
	dev = open(o.device, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("error=open %s: %s\n", o.device, strerror(errno));
		return 1;
	}
	fd = get_socket(&o, &lfd);
	if (fd >= 0 && o.delay_peer_ms)
		fd = delay_peer(fd, o.delay_peer_ms, &relay_pid);
	if (fd < 0) {
		close(dev);
		return 1;
	}
	r->sockfd = fd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = ioctl(dev, KTLS_TEST_HS_IOC_HANDSHAKE, r);
	err = errno;
	if (ret) {
		printf("error=ioctl: %s\n", strerror(err));
		name = errno_name(err);
		printf("ioctl_errno=%s\n", name ? name : "other");
		ret = 1;
		goto out;
	}
	name = errno_name(r->status < 0 ? -r->status : r->status);
	/* One value a line: scripts compare whole lines. */
	printf("status=%d\nerrno=%s\npeerid=%d\nflags=%s%s%s\nelapsed_ms=%d\n",
	       r->status, name ? name : "other", r->peerid,
	       r->flags & KTLS_TEST_HS_F_DONE ? "done" : "",
	       r->flags & KTLS_TEST_HS_F_CANCELLED ? "cancelled" : "",
	       r->flags & KTLS_TEST_HS_F_TIMEDOUT ? ",timedout" : "", ms_since(&t0));
	if (r->status || !(r->flags & KTLS_TEST_HS_F_DONE)) {
		ret = 1;
		goto out;
	}
	print_ktls(fd);
	ret = move_data(&o, fd) ? 1 : 0;
out:
	close(fd);
	if (lfd >= 0)
		close(lfd);
	close(dev);
	if (relay_pid > 0)
		waitpid(relay_pid, NULL, 0);
	return ret;
}
