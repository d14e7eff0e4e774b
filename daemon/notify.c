// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sd_notify(3) without libsystemd.
 *
 * The protocol is small and stable (systemd's "notify" socket protocol,
 * documented in sd_notify(3)): the service manager exports the address of
 * an AF_UNIX datagram socket in $NOTIFY_SOCKET and the service sends it
 * datagrams of "VAR=value" lines. The manager learns the sender's pid from
 * SO_PASSCRED on its side, so we attach nothing. A path is used as is; a
 * name starting with '@' is an abstract socket, whose address starts with a
 * NUL byte and whose length is given exactly (no trailing NUL).
 *
 * Not depending on libsystemd keeps the daemon's dependency list to
 * libcrypto and the kernel glue, and lets initramfs images without
 * libsystemd run it. Each call opens and closes its own socket: we notify
 * a handful of times per process lifetime, and holding no descriptor means
 * there is nothing to leak into the worker.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

/*
 * Fill @sa from the $NOTIFY_SOCKET value @name. Return the address length
 * or -errno.
 */
static int notify_addr(const char *name, struct sockaddr_un *sa)
{
	size_t len = strlen(name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (name[0] == '@') {
		/* An abstract name: a NUL and the bytes after '@', exactly. */
		if (len < 2 || len > sizeof(sa->sun_path))
			return -EINVAL;
		memcpy(sa->sun_path + 1, name + 1, len - 1);
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	if (name[0] != '/')
		return -EAFNOSUPPORT;
	if (len >= sizeof(sa->sun_path))
		return -EINVAL;
	memcpy(sa->sun_path, name, len + 1);
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

int notify_send(const char *state)
{
	int saved = errno;
	struct sockaddr_un sa;
	const char *name;
	size_t len;
	ssize_t n;
	int addrlen, fd, ret;

	name = getenv("NOTIFY_SOCKET");
	if (!name || !name[0])
		return 0;
	if (!state || !state[0])
		return -EINVAL;
	addrlen = notify_addr(name, &sa);
	if (addrlen < 0)
		return addrlen;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	len = strlen(state);
	do {
		n = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, (socklen_t)addrlen);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;	/* a datagram goes whole or not at all */
	else
		ret = 1;
	close(fd);
out:
	errno = saved;
	return ret;
}

int notify_ready(void)
{
	return notify_send("READY=1");
}

int notify_reloading(void)
{
	char msg[64];
	struct timespec ts;
	uint64_t usec;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return notify_send("RELOADING=1");
	usec = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, usec);
	return notify_send(msg);
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int notify_watchdog(void)
{
	return notify_send("WATCHDOG=1");
}

int notify_status(const char *fmt, ...)
{
	char msg[sizeof("STATUS=") - 1 + NOTIFY_STATUS_MAX + 1];
	const size_t off = sizeof("STATUS=") - 1;
	va_list ap;
	char *p;
	int n;

	memcpy(msg, "STATUS=", off);
	va_start(ap, fmt);
	n = vsnprintf(msg + off, sizeof(msg) - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	for (p = msg + off; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return notify_send(msg);
}

static int parse_u64(const char *s, uint64_t *v)
{
	int saved = errno;
	unsigned long long x;
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end) {
		errno = saved;
		return -EINVAL;
	}
	errno = saved;
	*v = x;
	return 0;
}

int notify_watchdog_usec(uint64_t *usec)
{
	const char *s = getenv("WATCHDOG_USEC");
	const char *p = getenv("WATCHDOG_PID");
	uint64_t v, pid;

	if (!s || !s[0])
		return 0;
	if (parse_u64(s, &v) < 0 || v == 0)
		return -EINVAL;
	if (p && p[0]) {
		if (parse_u64(p, &pid) < 0 || pid == 0)
			return -EINVAL;
		/* The watchdog is meant for another process (our parent). */
		if (pid != (uint64_t)getpid())
			return 0;
	}
	*usec = v;
	return 1;
}

void notify_forget(void)
{
	int saved = errno;

	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	errno = saved;
}
