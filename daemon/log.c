// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging for both ktlsd processes.
 *
 * Lines go to syslog with facility LOG_AUTH and LOG_PID under the ident
 * "ktlsd", as the reference agent's do (so existing syslog rules for tlshd
 * keep matching by facility), and to stderr with -s. Each line is built
 * once in a fixed buffer: "[procname: ]message[: strerror]", cut at
 * LOG_LINE_MAX with "..." marking the cut, and with control characters
 * replaced by '?' because messages quote peer names and certificate
 * subjects, which must not be able to start a forged line. The stderr copy
 * is written with one write(2), so lines from the monitor and the worker do
 * not interleave mid-line.
 *
 * The helpers follow OpenBSD's log.c: log_warn() appends the text of the
 * errno in effect at the call, log_warnx() does not, fatal()/fatalx() log
 * at LOG_CRIT and exit(1). errno is preserved across every call, so a
 * caller can log and then still return -errno.
 */
/* Autoconf's config.h arrives by -include; the unit tests build without it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define LOG_IDENT_DEFAULT "ktlsd"
#define LOG_IDENT_MAX 64
#define LOG_PROCNAME_MAX 32
/* "ident[pid]: " in front of a stderr line. */
#define LOG_STDERR_PREFIX_MAX (LOG_IDENT_MAX + 24)

static char log_ident[LOG_IDENT_MAX] = LOG_IDENT_DEFAULT;
static char log_procname[LOG_PROCNAME_MAX];
static int log_level = LOG_LVL_INFO;
/* Until log_init(): stderr only, so option errors reach the terminal. */
static bool log_to_stderr = true;
static bool log_to_syslog;
static bool log_opened;
static void (*log_sink)(int priority, const char *line);

struct log_buf {
	char b[LOG_LINE_MAX + 1];
	size_t len;
	bool cut;
};

static void lb_vappend(struct log_buf *lb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void lb_vappend(struct log_buf *lb, const char *fmt, va_list ap)
{
	size_t room = sizeof(lb->b) - lb->len;
	int n;

	if (lb->cut)
		return;
	n = vsnprintf(lb->b + lb->len, room, fmt, ap);
	if (n < 0) {
		/* Only for an invalid format; keep what we have. */
		lb->b[lb->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		lb->len = sizeof(lb->b) - 1;
		lb->cut = true;
		return;
	}
	lb->len += (size_t)n;
}

static void lb_append(struct log_buf *lb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void lb_append(struct log_buf *lb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_vappend(lb, fmt, ap);
	va_end(ap);
}

static void lb_finish(struct log_buf *lb)
{
	size_t i;

	if (lb->cut && lb->len >= 3)
		memcpy(lb->b + lb->len - 3, "...", 3);
	for (i = 0; i < lb->len; i++) {
		unsigned char c = (unsigned char)lb->b[i];

		if (c < 0x20 || c == 0x7f)
			lb->b[i] = '?';
	}
	lb->b[lb->len] = '\0';
}

static int severity(int level)
{
	switch (level) {
	case LOG_LVL_ERR:
		return LOG_ERR;
	case LOG_LVL_WARN:
		return LOG_WARNING;
	case LOG_LVL_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

static void write_stderr(const char *line)
{
	char out[LOG_STDERR_PREFIX_MAX + LOG_LINE_MAX + 2];
	size_t off = 0;
	int n;

	n = snprintf(out, sizeof(out), "%s[%ld]: %s\n", log_ident, (long)getpid(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) {
		n = sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	while (off < (size_t)n) {
		ssize_t w = write(STDERR_FILENO, out + off, (size_t)n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/*
 * Build and emit one line. @sev is the syslog severity, @fatal adds the
 * "fatal: " marker, @err >= 0 appends strerror(@err). Callers filter by
 * level and restore errno.
 */
static void emit(int sev, bool fatal_line, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void emit(int sev, bool fatal_line, int err, const char *fmt, va_list ap)
{
	struct log_buf lb = { .len = 0 };

	lb.b[0] = '\0';
	if (log_procname[0])
		lb_append(&lb, "%s: ", log_procname);
	if (fatal_line)
		lb_append(&lb, "fatal: ");
	if (fmt && fmt[0]) {
		lb_vappend(&lb, fmt, ap);
		if (err >= 0)
			lb_append(&lb, ": %s", strerror(err));
	} else if (err >= 0) {
		lb_append(&lb, "%s", strerror(err));
	}
	lb_finish(&lb);

	if (log_to_syslog) {
		if (log_sink)
			log_sink(LOG_AUTH | sev, lb.b);
		else
			syslog(LOG_AUTH | sev, "%s", lb.b);
	}
	if (log_to_stderr)
		write_stderr(lb.b);
}

void log_init(const char *ident, int to_stderr, int no_syslog)
{
	int saved = errno;

	if (log_opened) {
		closelog();
		log_opened = false;
	}
	if (!ident || !ident[0])
		ident = LOG_IDENT_DEFAULT;
	/* openlog() keeps the pointer: it must stay ours and unchanged. */
	snprintf(log_ident, sizeof(log_ident), "%s", ident);

	log_to_stderr = to_stderr != 0;
	log_to_syslog = !(no_syslog && to_stderr);
	if (log_to_syslog) {
		/*
		 * LOG_NDELAY connects now, so a worker forked later (and
		 * possibly unable to reach /dev/log any more) shares the
		 * connected socket.
		 */
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_AUTH);
		log_opened = true;
	}
	errno = saved;
}

void log_set_level(int level)
{
	if (level < LOG_LVL_ERR)
		level = LOG_LVL_ERR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_set_procname(const char *name)
{
	snprintf(log_procname, sizeof(log_procname), "%s", name ? name : "");
}

void log_set_syslog_sink(void (*fn)(int priority, const char *line))
{
	log_sink = fn;
}

void vlogit(int level, const char *fmt, va_list ap)
{
	int saved = errno;

	if (level <= log_level)
		emit(severity(level), false, -1, fmt, ap);
	errno = saved;
}

void logit(int level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlogit(level, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (LOG_LVL_WARN <= log_level) {
		va_start(ap, fmt);
		emit(LOG_WARNING, false, saved, fmt, ap);
		va_end(ap);
	}
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlogit(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlogit(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_debug(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlogit(LOG_LVL_DEBUG, fmt, ap);
	va_end(ap);
	errno = saved;
}

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_CRIT, true, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_CRIT, true, -1, fmt, ap);
	va_end(ap);
	exit(1);
}
