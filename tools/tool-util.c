// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The helpers the diagnostic and test programs share (see tool-util.h):
 * one copy of the command-line chores and of the socket set-up that
 * ktls-peer, storm, storm-peer, hs-request and half-rtt-server each wrote
 * for themselves.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include "tool-util.h"

/* "NAME: ..." and a newline on stderr. */
static void __attribute__((format(printf, 1, 0))) say(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tool_misuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	tool_usage(stderr);
	exit(2);
}

void tool_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	exit(1);
}

int tool_getopt(int argc, char **argv, const char *shortopts,
		const struct option *longopts)
{
	int ch = getopt_long(argc, argv, shortopts, longopts, NULL);

	switch (ch) {
	case 'h':
		tool_usage(stdout);
		exit(0);
	case '?':
		tool_usage(stderr);
		exit(2);
	case -1:
		if (optind != argc)
			tool_misuse("unexpected argument '%s'", argv[optind]);
		break;
	}
	return ch;
}

long tool_parse_num(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		tool_misuse("%s: expected a number from %ld to %ld, got '%s'", opt,
			    min, max, s);
	return v;
}

int tool_keyword(const char *opt, const char *arg, const struct tool_word *words)
{
	char list[256];
	size_t i, n = 0;

	for (i = 0; words[i].word; i++)
		if (!strcasecmp(arg, words[i].word))
			return words[i].value;
	list[0] = '\0';
	for (i = 0; words[i].word && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      i == 0 ? "" : words[i + 1].word ? ", " : " or ",
				      words[i].word);
	tool_misuse("%s: %s", opt, list);
}

int tool_list_commas(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i]; i++) {
		if (i + 1 >= cap)
			return -1;
		out[i] = in[i] == ':' ? ',' : in[i];
	}
	if (cap == 0)
		return -1;
	out[i] = '\0';
	return 0;
}

int tool_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

size_t tool_parse_hex(const char *opt, const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (s[0]) {
		hi = tool_hexval(s[0]);
		lo = hi < 0 ? -1 : tool_hexval(s[1]);
		if (lo < 0 || n == cap)
			break;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (s[0] || n == 0)
		tool_misuse("%s: expected 1 to %zu bytes in hex", opt, cap);
	return n;
}

int tool_split_hostport(char *s, char **host, char **port)
{
	char *colon;

	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		*close = '\0';
		*host = s + 1;
		*port = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		*colon = '\0';
		*host = s;
		*port = colon + 1;
	}
	return **host && **port ? 0 : -1;
}

int tool_resolve(const char *addr, int ai_flags, struct addrinfo **res,
		 const char **why)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = ai_flags,
	};
	char buf[NI_MAXHOST + NI_MAXSERV + 2], *host, *port;
	int gai;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", addr) >= sizeof(buf) ||
	    tool_split_hostport(buf, &host, &port)) {
		*why = "expected HOST:PORT";
		return -1;
	}
	gai = getaddrinfo(host, port, &hints, res);
	if (gai) {
		*why = gai_strerror(gai);
		return 1;
	}
	return 0;
}

/* Close @fd on a failure path, leaving errno as the failure set it; -1. */
static int close_failed(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
	return -1;
}

int tool_listen(const struct sockaddr *sa, socklen_t len, int sock_flags,
		int backlog)
{
	int fd, one = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | sock_flags, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, sa, len) || listen(fd, backlog))
		return close_failed(fd);
	return fd;
}

void tool_print_listening(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[NI_MAXHOST], p[NI_MAXSERV];
	bool v6;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) ||
	    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), p, sizeof(p),
			NI_NUMERICHOST | NI_NUMERICSERV))
		return;
	v6 = ss.ss_family == AF_INET6;
	fprintf(stderr, "%s: listening on %s%s%s:%s\n", tool_name, v6 ? "[" : "",
		h, v6 ? "]" : "", p);
}

int tool_connect(const struct sockaddr *sa, socklen_t len)
{
	int fd;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, sa, len))
		return close_failed(fd);
	return fd;
}

int tool_loopback_listen(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = tool_listen((struct sockaddr *)sin, sizeof(*sin), 0, 4);
	if (fd < 0)
		return -1;
	if (getsockname(fd, (struct sockaddr *)sin, &len))
		return close_failed(fd);
	return fd;
}

int tool_loopback_pair(int *a, int *b)
{
	struct sockaddr_in sin;
	int l, err;

	*a = *b = -1;
	l = tool_loopback_listen(&sin);
	if (l < 0)
		return errno;
	*a = tool_connect((struct sockaddr *)&sin, sizeof(sin));
	if (*a >= 0)
		*b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	err = errno;
	close(l);
	if (*b < 0) {
		if (*a >= 0)
			close(*a);
		*a = -1;
		return err;
	}
	return 0;
}

void tool_set_timeouts(int fd, long seconds)
{
	struct timeval tv = { .tv_sec = seconds };
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

ssize_t tool_control_query(const char *path, const char *command, char *buf, size_t size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char line[300];
	size_t have = 0;
	ssize_t n;
	int fd, len, err;

	len = snprintf(line, sizeof(line), "ktlsd-control 1 text %s\n", command);
	if (len < 0 || (size_t)len >= sizeof(line) || strlen(path) >= sizeof(sun.sun_path) ||
	    size == 0) {
		errno = EINVAL;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	tool_set_timeouts(fd, 5);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    write(fd, line, (size_t)len) != len)
		goto fail;
	while (have < size - 1 && (n = read(fd, buf + have, size - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = 0;
	close(fd);
	if (have == 0) {
		errno = ENODATA;
		return -1;
	}
	if (!strncmp(buf, "error: ", 7)) {
		errno = EPROTO;
		return -1;
	}
	return (ssize_t)have;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
