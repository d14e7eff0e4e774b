/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client side of the control protocol (docs/control-protocol.md):
 * connect, send one request line, read the reply to EOF. Kept apart from
 * ktlsctl's argument handling so other programs and tests can use it.
 */
#ifndef KTLSD_KTLSCTL_CLIENT_H
#define KTLSD_KTLSCTL_CLIENT_H

#include <stddef.h>

#define KTLSCTL_REPLY_MAX (4u << 20)	/* a reply longer than this is refused */
#define KTLSCTL_TIMEOUT_MS 10000

struct ktlsctl_reply {
	char *data;	/* NUL-terminated; free() it */
	size_t len;
};

/**
 * ktlsctl_request() - one exchange with the control socket
 * @path: the socket
 * @format: "text", "json" or "prometheus"
 * @command: the command and its arguments, space-separated
 * @reply: the reply on success (also when it is an "error: " line)
 * @err: why it failed otherwise
 * @errlen: bytes at @err
 *
 * Return: 0 when a reply came (check ktlsctl_reply_error()), -1 when none
 * did (no daemon, refused, timed out, nothing written before EOF).
 */
int ktlsctl_request(const char *path, const char *format, const char *command,
		    struct ktlsctl_reply *reply, char *err, size_t errlen);

/* The message of an "error: " reply, or NULL for a success. */
const char *ktlsctl_reply_error(const struct ktlsctl_reply *reply);

#endif /* KTLSD_KTLSCTL_CLIENT_H */
