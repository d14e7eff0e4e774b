/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unprivileged worker: one io_uring loop that runs every handshake the
 * monitor hands it, many in flight at once.
 */
#ifndef KTLSD_WORKER_H
#define KTLSD_WORKER_H

#include "config.h"

/*
 * worker_main() - run the worker until told to drain and idle
 * @ms: the monitor socket
 * @cfg: the configuration (already loaded by the monitor)
 * @user: drop to this user ("" to keep the current one: tests)
 * Return: the process exit status.
 */
int worker_main(int ms, const struct kcfg *cfg, const char *user);

/*
 * worker_share() - the most handshakes the monitor hands one worker of a
 *	generation of @n at once: ceil(@max_inflight / @n), which is what
 *	least-busy dispatch gives anyway while every worker is up
 */
unsigned int worker_share(unsigned int max_inflight, unsigned int n);

/* CQEs one turn of the worker's loop handles before it submits again. */
#define WORKER_CQES_PER_ROUND 256

/* Slots a worker keeps beyond twice its share (see worker_slots()). */
#define WORKER_SLOTS_SPARE 8

/*
 * worker_slots() - how many handshakes a worker of a generation of @n
 *	sizes its slot table and io_uring ring for (--worker-slots)
 *
 * Twice its share, never more than @max_inflight, plus WORKER_SLOTS_SPARE:
 * a slot stays taken after its result until its last io_uring operation
 * ends, and one the monitor cancelled until the worker has read the
 * cancel, so the monitor's count of a worker's handshakes can run a little
 * behind the slots it holds. One worker of one sizes for all of
 * @max_inflight, as before; sixteen each size for an eighth of it.
 */
unsigned int worker_slots(unsigned int max_inflight, unsigned int n);

/* Build and free the engine configuration from struct kcfg. */
struct wconf;
int wconf_build(const struct kcfg *cfg, struct wconf **out, char *err, size_t errlen);
void wconf_free(struct wconf *wc);

#endif /* KTLSD_WORKER_H */
