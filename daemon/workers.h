/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's worker processes: generations of them (a new one on each
 * reload, the old one drains), spawning, restarts within a budget,
 * least-busy dispatch of queued requests and the outgoing queue of
 * messages a busy worker could not take yet.
 */
#ifndef KTLSD_WORKERS_H
#define KTLSD_WORKERS_H

#include "monitor-types.h"
#include "requests.h"

#define RESTART_WINDOW_MS 10000	/* at most RESTARTS_MAX worker restarts in it */
#define RESTARTS_MAX 5

struct wpool {
	struct mworker w[MAX_WORKERS];
	int gen[KCFG_MAX_WORKERS];	/* the current generation: worker slots */
	unsigned int n_gen;
	unsigned int rr;		/* where least_busy() starts looking */
	unsigned int restarts_recent;
	uint64_t restart_window_ms;
	/* How workers are started. */
	const char *self_exe;
	const char *worker_user;	/* NULL: the config's */
	bool log_stderr;
	unsigned int cipher_mask;
};

void workers_init(struct wpool *p);

/* Whether worker @wi can take requests (running, socket open). */
bool workers_alive(const struct wpool *p, int wi);

/**
 * workers_send() - send a message to worker @wi, never blocking
 * @p: the pool
 * @wi: the worker's slot
 * @type, @id, @data, @len: the message
 * @fd: passed with it (SCM_RIGHTS, duplicated if it must wait), or -1
 *
 * A worker that cannot take it now gets it later (workers_flush()).
 * Return: 0, or -errno when the socket is broken, memory is short or
 * WORKER_OUTQ_MAX messages already wait (-ENOBUFS).
 */
int workers_send(struct wpool *p, int wi, uint16_t type, uint64_t id,
		 const void *data, size_t len, int fd);

/* Send what waits for @wi while it takes it (POLLOUT). */
void workers_flush(struct wpool *p, int wi);

/* Start a worker in slot @wi with @cfg, one of a generation of @n_gen. */
int workers_spawn(struct wpool *p, int wi, const struct kcfg *cfg, unsigned int n_gen);

/*
 * Close worker @wi's socket and drop what waits for it: first, so that a
 * worker that is gone gets no KP_CANCEL for the requests the caller then
 * answers (they still name it in ->worker).
 */
void workers_close(struct wpool *p, int wi);

/* Then drop its keys and free the slot. */
void workers_forget(struct wpool *p, int wi);

/* Find @n free slots for a new generation; false if there are not. */
bool workers_free_slots(const struct wpool *p, int *slots, unsigned int n);

/* Start a generation of @n in @slots with @cfg. Return: how many started. */
unsigned int workers_start_generation(struct wpool *p, const struct kcfg *cfg,
				      const int *slots, unsigned int n);

/* Restart dead workers of the current generation, within the budget. */
void workers_restart(struct wpool *p, const struct kcfg *cfg, uint64_t now,
		     unsigned int *restarts);

/* Tell every worker of @slots to finish what it has and leave. */
void workers_drain(struct wpool *p, const int *slots, unsigned int n);

/* Handshakes in flight across every worker, old generations too. */
unsigned int workers_inflight(const struct wpool *p);

/* Of those, the server-side ones (remote-initiated). */
unsigned int workers_inflight_server(const struct wpool *p);

/**
 * workers_dispatch() - hand queued requests to the current generation
 * @p: the pool
 * @t: the request table whose queue is served
 * @cfg: the limits (max_inflight)
 * @skip: workers whose socket failed in this round (bits of the
 *	generation); the caller starts it at 0
 *
 * Each request goes to the least busy worker below its share, while the
 * daemon has fewer than max_inflight in flight. This host's own (client)
 * requests go first; server-side ones only while fewer than
 * kcfg_server_inflight() of them are in flight, so the rest of
 * max_inflight is always there for the client side.
 * Return: a request that could not be sent (the caller answers it and
 * calls again), or NULL when nothing more can be dispatched.
 */
struct mreq *workers_dispatch(struct wpool *p, struct reqtab *t, const struct kcfg *cfg,
			      uint64_t *skip);

#endif /* KTLSD_WORKERS_H */
