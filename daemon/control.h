/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statistics socket ("stats_socket"): each connection gets the
 * counters as key=value lines, then EOF.
 */
#ifndef KTLSD_CONTROL_H
#define KTLSD_CONTROL_H

#include "config.h"
#include "stats.h"

struct control {
	int fd;				/* listening, or -1 */
	char path[KCFG_PATH_MAX];	/* what to unlink at exit */
};

/* Bind the socket @cfg names (none when it names none). */
void control_open(struct control *c, const struct kcfg *cfg);

/* Answer the connections waiting on the socket. */
void control_serve(struct control *c, const struct stats *st);

/* Close and unlink. */
void control_close(struct control *c);

#endif /* KTLSD_CONTROL_H */
