/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The privileged half of ktlsd: netlink READY/ACCEPT/DONE, keyrings,
 * private keys and signing, the queue of accepted requests, and the
 * worker processes it starts (a generation of them, a new one on each
 * reload; the old one finishes what it has).
 */
#ifndef KTLSD_MONITOR_H
#define KTLSD_MONITOR_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "kernel.h"	/* kcfg_apply_cipher_mask() */
#include "stats.h"

/* Bounded work per turn of the loop: none of these can hold it. */
#define MON_ACCEPTS_PER_ROUND 64	/* ACCEPTs */
#define MON_WORKER_MSGS_PER_ROUND 64	/* messages read from one worker */
#define MON_SIGNED_PER_ROUND 64		/* signer answers sent on */

struct monitor_opts {
	const char *config_path;	/* NULL: the default search */
	const char *self_exe;		/* to start workers with */
	const char *worker_user;	/* overrides the config when non-NULL */
	int log_stderr;
	unsigned int table_size;	/* requests held at most; 0: from the config */
};

/* Log what a lenient (tlshd-compatible) configuration load let pass. */
void kcfg_log_warnings(const struct kcfg *cfg);

/* Run until SIGTERM/SIGINT. Return: the process exit status. */
int monitor_main(const struct monitor_opts *opts, struct kcfg *cfg);

/*
 * The monitor's loop in pieces, for tests that link it against a stub
 * netlink (kmod-glue/netlink.h) and play the workers: monitor_main() is
 * monitor_new(), kernel_open(), workers, then monitor_round() until it
 * says stop.
 */
struct monitor;

/* Tables, the signer, the signalfd; no kernel sockets, no workers. */
struct monitor *monitor_new(const struct monitor_opts *opts, struct kcfg *cfg);
void monitor_free(struct monitor *m);

/* Tests: time as the test says (ms); NULL restores CLOCK_MONOTONIC. */
void monitor_set_clock(struct monitor *m, uint64_t (*clock)(void));

/*
 * Tests: a worker that is the test's socket @sock, in the current
 * generation, with the configured keys.
 */
void monitor_add_worker(struct monitor *m, pid_t pid, int sock);

/* Tests: the signer, to hold it. */
struct signer *monitor_signer(struct monitor *m);

/* Tests: the statistics. */
const struct stats *monitor_stats(const struct monitor *m);

/* Take what the kernel has (at most MON_ACCEPTS_PER_ROUND). */
void monitor_accept(struct monitor *m);

/*
 * One turn of the loop: poll (at most @max_wait_ms, -1 for as long as
 * nothing is due), then every event. Return: false once stopped.
 */
bool monitor_round(struct monitor *m, int max_wait_ms);

/* Tests: open the control socket of the configuration. */
void monitor_open_control(struct monitor *m);

#endif /* KTLSD_MONITOR_H */
