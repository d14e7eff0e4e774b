/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statistics socket ("stats_socket"): each connection gets the
 * counters as key=value lines, then EOF. A later control socket (ktlsctl)
 * belongs here too: bounded work per turn, authorization by group.
 */
#ifndef KTLSD_CONTROL_H
#define KTLSD_CONTROL_H

#include "config.h"
#include "stats.h"

struct control {
	int fd;				/* listening, or -1 */
	char path[KCFG_PATH_MAX];	/* what to unlink at exit */
};

/*
 * Bind the socket @cfg names (none when it names none): mode 0660, group
 * stats_group (or "ktlsd" when that exists, else root's).
 */
void control_open(struct control *c, const struct kcfg *cfg);

/* Answer at most @budget of the connections waiting on the socket. */
void control_serve(struct control *c, const struct stats *st, unsigned int budget);

/* Close and unlink. */
void control_close(struct control *c);

#endif /* KTLSD_CONTROL_H */
