// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's client (see ktlsctl-client.h). Blocking I/O
 * bounded by one overall timeout: the server closes when done, and one
 * that never does leaves us after KTLSCTL_TIMEOUT_MS, not forever.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "ktlsctl-client.h"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @events until @deadline. Return: 0, or -1 (timed out, error). */
static int wait_for(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int r;

	for (;;) {
		left = deadline - mono_ms();
		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int ktlsctl_request(const char *path, const char *format, const char *command,
		    struct ktlsctl_reply *reply, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	long long deadline = mono_ms() + KTLSCTL_TIMEOUT_MS;
	char line[CONTROL_LINE_MAX + 1];
	size_t cap = 8192, off = 0;
	ssize_t n;
	int fd, len;

	reply->data = NULL;
	reply->len = 0;
	len = snprintf(line, sizeof(line), "%s %d %s %s\n", CONTROL_MAGIC, CONTROL_VERSION, format,
		       command);
	if (len < 0 || len >= CONTROL_LINE_MAX) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		snprintf(err, errlen, "%s: %s (is ktlsd running?)", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (off < (size_t)len) {
		if (wait_for(fd, POLLOUT, deadline)) {
			snprintf(err, errlen, "%s: timed out", path);
			goto fail;
		}
		n = send(fd, line + off, (size_t)len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	reply->data = malloc(cap);
	if (!reply->data) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (;;) {
		if (reply->len + 1 == cap) {
			char *p;

			if (cap >= KTLSCTL_REPLY_MAX) {
				snprintf(err, errlen, "reply too long");
				goto fail;
			}
			p = realloc(reply->data, cap * 2);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			reply->data = p;
			cap *= 2;
		}
		if (wait_for(fd, POLLIN, deadline)) {
			snprintf(err, errlen, "%s: timed out waiting for the reply", path);
			goto fail;
		}
		n = recv(fd, reply->data + reply->len, cap - 1 - reply->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		reply->len += (size_t)n;
	}
	reply->data[reply->len] = 0;
	close(fd);
	if (reply->len == 0) {
		snprintf(err, errlen, "%s: closed without a reply (busy, or too many clients)",
			 path);
		free(reply->data);
		reply->data = NULL;
		return -1;
	}
	return 0;
fail:
	free(reply->data);
	reply->data = NULL;
	reply->len = 0;
	close(fd);
	return -1;
}

const char *ktlsctl_reply_error(const struct ktlsctl_reply *reply)
{
	if (reply->len >= 7 && !strncmp(reply->data, "error: ", 7))
		return reply->data + 7;
	return NULL;
}
