/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The service manager's readiness protocol (sd_notify(3)), spoken
 * directly, without libsystemd: one datagram of newline-separated
 * "VAR=value" assignments sent to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').
 * Every call is a no-op returning 0 when $NOTIFY_SOCKET is unset, so the
 * daemon calls them unconditionally.
 *
 * Return convention (that of sd_notify()): 1 when the datagram was sent,
 * 0 when there is no service manager to tell, -errno on failure. errno is
 * left unchanged. Only the main process may notify: systemd's default
 * NotifyAccess=main ignores datagrams from the worker.
 */
#ifndef KTLSD_NOTIFY_H
#define KTLSD_NOTIFY_H

#include <stdint.h>

/* Longest STATUS= text we send; longer text is cut. */
#define NOTIFY_STATUS_MAX 512

/**
 * notify_send() - send @state as one datagram
 * @state: e.g. "READY=1" or "STATUS=...\nREADY=1"; sent verbatim
 *
 * Return: 1 sent, 0 $NOTIFY_SOCKET unset or empty, -EINVAL for an empty
 * @state or a malformed or too long socket name, -EAFNOSUPPORT for a
 * socket kind other than a path or '@' (such as "vsock:"), or the -errno
 * of socket(2)/sendto(2).
 */
int notify_send(const char *state);

/* "READY=1": startup finished (and, after notify_reloading(), reload done). */
int notify_ready(void);

/**
 * notify_reloading() - "RELOADING=1" with "MONOTONIC_USEC=" (the current
 *	CLOCK_MONOTONIC time in microseconds, as Type=notify-reload requires)
 *
 * Send notify_ready() when the reload has finished, whether or not the new
 * configuration was taken.
 */
int notify_reloading(void);

/* "STOPPING=1": shutdown has begun. */
int notify_stopping(void);

/**
 * notify_status() - "STATUS=<text>", shown by systemctl status
 * @fmt: printf format for the text
 *
 * The text is cut at NOTIFY_STATUS_MAX bytes, and newlines in it become
 * spaces: a newline would start another assignment (such as READY=1).
 */
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "WATCHDOG=1": keep-alive when the unit sets WatchdogSec=. */
int notify_watchdog(void);

/**
 * notify_watchdog_usec() - is the service manager's watchdog on for us?
 * @usec: set to $WATCHDOG_USEC when it is; ping at about half of it
 *
 * Return: 1 enabled (and $WATCHDOG_PID, when set, is our pid), 0 not
 * enabled, -EINVAL if the variables are malformed.
 */
int notify_watchdog_usec(uint64_t *usec);

/**
 * notify_forget() - unset $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID
 *
 * For the worker right after fork(), so that it neither tries to notify
 * nor passes the variables on. Not thread-safe (it calls unsetenv()).
 */
void notify_forget(void);

#endif /* KTLSD_NOTIFY_H */
