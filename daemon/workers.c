// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor's workers (see workers.h). Each is a fresh exec of ktlsd,
 * so it inherits no key material; a new request goes to the current
 * generation's least busy worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "secrets.h"
#include "worker.h"
#include "workers.h"

void workers_init(struct wpool *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < MAX_WORKERS; i++)
		p->w[i].sock = -1;
}

bool workers_alive(const struct wpool *p, int wi)
{
	return p->w[wi].pid > 0 && p->w[wi].sock >= 0;
}

int workers_send(struct wpool *p, int wi, uint16_t type, uint64_t id,
		 const void *data, size_t len, int fd)
{
	struct mworker *w = &p->w[wi];
	struct outmsg *o;
	int ret;

	if (!w->out_head) {
		ret = kp_send(w->sock, type, id, data, len, fd, MSG_DONTWAIT);
		if (ret != -EAGAIN)
			return ret;
	}
	/*
	 * The worker is busy: keep it, never block the monitor; but not
	 * without bound, for a worker that has stopped reading.
	 */
	if (w->n_out >= WORKER_OUTQ_MAX)
		return -ENOBUFS;
	o = malloc(sizeof(*o) + len);
	if (!o)
		return -ENOMEM;
	o->next = NULL;
	o->type = type;
	o->id = id;
	o->fd = fd >= 0 ? dup(fd) : -1;
	o->len = len;
	if (len)
		memcpy(o->data, data, len);
	if (w->out_tail)
		w->out_tail->next = o;
	else
		w->out_head = o;
	w->out_tail = o;
	w->n_out++;
	return 0;
}

static void outmsg_free(struct outmsg *o)
{
	if (o->fd >= 0)
		close(o->fd);
	explicit_bzero(o->data, o->len);
	free(o);
}

void workers_flush(struct wpool *p, int wi)
{
	struct mworker *w = &p->w[wi];
	struct outmsg *o;

	while ((o = w->out_head)) {
		if (kp_send(w->sock, o->type, o->id, o->data, o->len, o->fd, MSG_DONTWAIT) == -EAGAIN)
			return;
		w->out_head = o->next;
		if (!w->out_head)
			w->out_tail = NULL;
		w->n_out--;
		outmsg_free(o);
	}
}

static void wqueue_free(struct mworker *w)
{
	struct outmsg *o;

	while ((o = w->out_head)) {
		w->out_head = o->next;
		outmsg_free(o);
	}
	w->out_tail = NULL;
	w->n_out = 0;
}

int workers_spawn(struct wpool *p, int wi, const struct kcfg *cfg, unsigned int n_gen)
{
	struct mworker *w = &p->w[wi];
	char fdarg[16], maskarg[16], slotsarg[16];
	const char *argv[16];
	int sv[2], n = 0;
	pid_t pid;

	/* Built before fork: the child only execs (the monitor has threads). */
	snprintf(fdarg, sizeof(fdarg), "%d", 3);
	argv[n++] = p->self_exe;
	argv[n++] = "--worker";
	argv[n++] = fdarg;
	if (cfg->source[0]) {
		argv[n++] = "-c";
		argv[n++] = cfg->source;
	}
	if (p->log_stderr)
		argv[n++] = "-s";
	if (p->worker_user) {
		argv[n++] = "--user";
		argv[n++] = p->worker_user;
	}
	snprintf(maskarg, sizeof(maskarg), "%u", p->cipher_mask);
	argv[n++] = "--kernel-ciphers";
	argv[n++] = maskarg;
	snprintf(slotsarg, sizeof(slotsarg), "%u", worker_slots(cfg->max_inflight, n_gen));
	argv[n++] = "--worker-slots";
	argv[n++] = slotsarg;
	argv[n] = NULL;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("socketpair");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		int pol;
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		notify_forget();	/* only the monitor talks to systemd */
		/*
		 * A real-time monitor (the unit's SCHED_FIFO, or chrt without
		 * reset-on-fork) must not hand that to a worker, whose crypto
		 * would then starve the rest of the machine.
		 */
		pol = sched_getscheduler(0);
		if (pol >= 0 && ((pol & ~SCHED_RESET_ON_FORK) == SCHED_FIFO ||
				 (pol & ~SCHED_RESET_ON_FORK) == SCHED_RR))
			(void)!sched_setscheduler(0, SCHED_OTHER,
						  &(struct sched_param){ 0 });
		/* The worker's end must survive exec; everything else closes. */
		if (dup2(sv[1], 3) < 0 || fcntl(3, F_SETFD, 0) < 0)
			_exit(127);
		close_range(4, ~0u, 0);
		execv(p->self_exe, (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->sock = sv[0];
	if (secrets_load_creds(cfg, w->cred)) {
		/* Validated before: a key that vanished since is a local fault. */
		log_warnx("worker %d starts without configured keys", (int)pid);
	}
	log_info("worker %d started in slot %d", (int)pid, wi);
	return 0;
}

void workers_close(struct wpool *p, int wi)
{
	struct mworker *w = &p->w[wi];

	wqueue_free(w);
	if (w->sock >= 0)
		close(w->sock);
	w->sock = -1;
}

void workers_forget(struct wpool *p, int wi)
{
	struct mworker *w = &p->w[wi];

	workers_close(p, wi);
	secrets_free_creds(w->cred);
	memset(w, 0, sizeof(*w));
	w->sock = -1;
}

static bool in_generation(const struct wpool *p, int wi)
{
	unsigned int g;

	for (g = 0; g < p->n_gen; g++)
		if (p->gen[g] == wi)
			return true;
	return false;
}

bool workers_free_slots(const struct wpool *p, int *slots, unsigned int n)
{
	unsigned int found = 0;
	int i;

	for (i = 0; i < MAX_WORKERS && found < n; i++)
		if (!in_generation(p, i) && p->w[i].pid <= 0 && p->w[i].sock < 0)
			slots[found++] = i;
	return found == n;
}

unsigned int workers_start_generation(struct wpool *p, const struct kcfg *cfg,
				      const int *slots, unsigned int n)
{
	unsigned int g, started = 0;

	for (g = 0; g < n; g++)
		if (workers_spawn(p, slots[g], cfg, n) == 0)
			started++;
	if (!started)
		return 0;
	/* A slot whose spawn failed stays in; workers_restart() retries it. */
	memcpy(p->gen, slots, n * sizeof(*slots));
	p->n_gen = n;
	return started;
}

/*
 * A worker of the current generation that died gets a new one in its
 * slot, but not in a tight loop: at most RESTARTS_MAX in a window. The
 * loop calls this on every turn, so a slot refused now is filled once the
 * window has passed.
 */
void workers_restart(struct wpool *p, const struct kcfg *cfg, uint64_t now,
		     unsigned int *restarts)
{
	unsigned int g;
	int wi;

	for (g = 0; g < p->n_gen; g++) {
		wi = p->gen[g];
		if (p->w[wi].pid > 0 || p->w[wi].sock >= 0)
			continue;
		if (now - p->restart_window_ms > RESTART_WINDOW_MS) {
			p->restart_window_ms = now;
			p->restarts_recent = 0;
		}
		if (p->restarts_recent >= RESTARTS_MAX)
			return;
		p->restarts_recent++;
		(*restarts)++;
		(void)!workers_spawn(p, wi, cfg, p->n_gen);
	}
}

void workers_drain(struct wpool *p, const int *slots, unsigned int n)
{
	unsigned int g;

	for (g = 0; g < n; g++) {
		p->w[slots[g]].draining = true;
		if (p->w[slots[g]].sock >= 0)
			(void)!workers_send(p, slots[g], KP_RELOAD, 0, NULL, 0, -1);
	}
}

unsigned int workers_inflight(const struct wpool *p)
{
	unsigned int total = 0;
	int i;

	for (i = 0; i < MAX_WORKERS; i++)
		total += p->w[i].inflight;
	return total;
}

_Static_assert(KCFG_MAX_WORKERS <= 64, "a generation must fit a uint64_t mask");

/*
 * The current generation's live worker with the fewest in flight, leaving
 * out those in @skip and those holding their whole share of max_inflight
 * (each is sized for about that: worker_slots()); its index in p->gen, or
 * -1. Ties go round: the search starts after the last worker chosen, so
 * requests that come one at a time visit every worker (each has its caches
 * warm, none sits cold).
 */
static int least_busy(struct wpool *p, const struct kcfg *cfg, uint64_t skip)
{
	unsigned int share = worker_share(cfg->max_inflight, p->n_gen);
	unsigned int k, g;
	int best = -1;

	for (k = 0; k < p->n_gen; k++) {
		const struct mworker *w;

		g = (p->rr + k) % p->n_gen;
		w = &p->w[p->gen[g]];
		if ((skip >> g & 1) || !workers_alive(p, p->gen[g]) || w->inflight >= share)
			continue;
		if (best < 0 || w->inflight < p->w[p->gen[best]].inflight)
			best = (int)g;
	}
	if (best >= 0)
		p->rr = (unsigned int)best + 1;
	return best;
}

unsigned int workers_inflight_server(const struct wpool *p)
{
	unsigned int total = 0;
	int i;

	for (i = 0; i < MAX_WORKERS; i++)
		total += p->w[i].inflight_server;
	return total;
}

/*
 * The next request to hand out: this host's own first, then a remote
 * peer's while server-side handshakes have slots of their own left, and
 * of those the oldest of the peer with the fewest in flight (and under
 * max_server_inflight_per_peer), so that one source's flood holds back
 * only itself. An old generation still draining after a reload counts
 * against both limits, so the bounds (and the memory they stand for) hold
 * across a reload.
 */
static struct mreq *next_request(struct reqtab *t, const struct kcfg *cfg, unsigned int server,
				 unsigned int server_max)
{
	struct mreq *r = reqtab_pop(t, RQ_CLIENT);

	if (!r && server < server_max)
		r = reqtab_pop_server(t, kcfg_server_inflight_per_peer(cfg));
	return r;
}

struct mreq *workers_dispatch(struct wpool *p, struct reqtab *t, const struct kcfg *cfg,
			      uint64_t *skip)
{
	unsigned int total = workers_inflight(p), server = workers_inflight_server(p);
	unsigned int server_max = kcfg_server_inflight(cfg);
	struct mreq *r;
	int best, wi, ret;

	while (total < cfg->max_inflight && (best = least_busy(p, cfg, *skip)) >= 0 &&
	       (r = next_request(t, cfg, server, server_max))) {
		wi = p->gen[best];
		ret = workers_send(p, wi, KP_REQUEST, reqtab_id(t, r), r->msg, r->msg_len, r->fd);
		explicit_bzero(r->msg, r->msg_len);
		free(r->msg);
		r->msg = NULL;
		if (ret) {
			*skip |= 1ull << best;
			return r;
		}
		r->worker = wi;
		p->w[wi].inflight++;
		total++;
		if (r->cls == RQ_SERVER) {
			p->w[wi].inflight_server++;
			server++;
		}
	}
	return NULL;
}
