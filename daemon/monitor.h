/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The privileged half of ktlsd: netlink READY/ACCEPT/DONE, keyrings,
 * private keys and signing, the queue of accepted requests, and the
 * worker processes it starts (a generation of them, a new one on each
 * reload; the old one finishes what it has).
 */
#ifndef KTLSD_MONITOR_H
#define KTLSD_MONITOR_H

#include "config.h"

struct monitor_opts {
	const char *config_path;	/* NULL: the default search */
	const char *self_exe;		/* to start workers with */
	const char *worker_user;	/* overrides the config when non-NULL */
	int log_stderr;
};

#include "kernel.h"	/* kcfg_apply_cipher_mask() */

/* Log what a lenient (tlshd-compatible) configuration load let pass. */
void kcfg_log_warnings(const struct kcfg *cfg);

/* Run until SIGTERM/SIGINT. Return: the process exit status. */
int monitor_main(const struct monitor_opts *opts, struct kcfg *cfg);

#endif /* KTLSD_MONITOR_H */
