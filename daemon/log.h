/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging for ktlsd: syslog (ident "ktlsd", facility LOG_AUTH, LOG_PID, as
 * the reference agent) and optionally stderr, with levels. OpenBSD-style
 * helpers: log_warn adds strerror(errno), log_warnx does not; fatal exits.
 *
 * Every line is bounded (LOG_LINE_MAX), carries the process name when one
 * was set ("monitor: ...", "worker: ..."), and has its control characters
 * replaced, so a peer-supplied name cannot forge a second log line. None of
 * these calls changes errno. The setters (log_init, log_set_*) are meant
 * for startup and reload in the one thread that owns the process; the
 * logging calls themselves may run in any thread.
 */
#ifndef KTLSD_LOG_H
#define KTLSD_LOG_H

#include <stdarg.h>

/* Longest line we emit, prefix included, terminating NUL excluded. */
#define LOG_LINE_MAX 1023

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

/**
 * log_init() - choose where lines go; may be called again (after fork,
 *	or when a reload changes the destination)
 * @ident: syslog identity and stderr prefix; NULL means "ktlsd" (copied)
 * @to_stderr: also write each line to stderr (the -s flag)
 * @no_syslog: do not use syslog at all; ignored unless @to_stderr is set,
 *	so that lines always go somewhere
 *
 * Before the first call, lines go to stderr only, so that errors during
 * option parsing reach the terminal. The level is left unchanged
 * (LOG_LVL_INFO until log_set_level() is called).
 */
void log_init(const char *ident, int to_stderr, int no_syslog);

/**
 * log_set_level() - set the most verbose level emitted
 * @level: an enum log_level; values outside the range are clamped
 *
 * log_debug() lines appear only at LOG_LVL_DEBUG. fatal() and fatalx()
 * are always emitted.
 */
void log_set_level(int level);
int log_get_level(void);

/**
 * log_set_procname() - prefix every line with "@name: "
 * @name: e.g. "monitor" or "worker" (copied); NULL or "" removes the prefix
 */
void log_set_procname(const char *name);

/**
 * logit() - log at an explicit level (LOG_LVL_ERR for errors the process
 *	survives, for instance)
 * @level: an enum log_level
 */
void logit(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vlogit(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* LOG_WARNING; log_warn appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* LOG_INFO and LOG_DEBUG. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* LOG_CRIT "fatal: ...", then exit(1); fatal appends ": strerror(errno)". */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/**
 * log_set_syslog_sink() - replace the syslog(3) call (for tests)
 * @fn: gets the full priority (LOG_AUTH | severity) and the finished line,
 *	prefix included; NULL restores syslog(3)
 */
void log_set_syslog_sink(void (*fn)(int priority, const char *line));

#endif /* KTLSD_LOG_H */
