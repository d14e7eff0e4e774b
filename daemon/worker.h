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

/* Build and free the engine configuration from struct kcfg. */
struct wconf;
int wconf_build(const struct kcfg *cfg, struct wconf **out, char *err, size_t errlen);
void wconf_free(struct wconf *wc);

#endif /* KTLSD_WORKER_H */
