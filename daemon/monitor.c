// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor (see monitor.h): the poll loop and the wiring. A poll()
 * loop over the READY socket, the signalfd, each worker's socket and the
 * control socket; it reads events and calls the parts (STYLE §7b):
 *
 *   control.c   the control socket (ktlsctl)
 *   workers.c   worker generations, dispatch, the outgoing queue
 *   requests.c  the request table: ids, FIFO, exactly one DONE each
 *   secrets.c   keys, signing, PSK answers
 *   kernel.c    netlink, kTLS probe, keyrings
 *
 * Requests are taken from the kernel as soon as READY says so (at most
 * MON_ACCEPTS_PER_ROUND per turn, the next turn not waiting), so the
 * kernel's small cap on un-accepted requests never makes a consumer wait;
 * ours wait in a FIFO per class whose deadlines keep running, and a
 * request whose deadline passes in the FIFO is answered and freed then.
 * Only when the whole table is taken do READYs stay in the kernel. Every
 * request ends in exactly one DONE. Each turn does bounded work on each
 * source (netlink, workers, signer, statistics socket), and signatures
 * are made by the signer thread, never in this (real-time) loop.
 *
 * The workers run as a generation of N ("workers" in ktlsd.conf): a new
 * request goes to the current generation's least busy worker. A reload
 * starts a whole new generation; the old one drains and leaves.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ktls/ktls.h>

#include "control.h"
#include "handshake-uapi.h"
#include "kernel.h"
#include "keyring.h"
#include "log.h"
#include "monitor.h"
#include "notify.h"
#include "requests.h"
#include "secrets.h"
#include "stats.h"
#include "verdict.h"
#include "workers.h"

#define TABLE_MIN 4096

#define DRAIN_INTERVAL_MS 2000	/* ACCEPT now and then: READYs can be lost */
#define BACKSTOP_MS 2000	/* past a deadline, the monitor answers itself */

struct monitor {
	const struct monitor_opts *opts;
	struct kcfg *cfg;
	struct kernel k;
	struct wpool wp;
	struct reqtab t;
	struct control ctl;
	struct stats stats;
	struct signer *sg;
	int sigfd;
	uint64_t last_drain_ms;
	bool accept_more;		/* stopped short: the kernel may hold more */
	bool stopping;
	uint64_t stop_deadline_ms;
	uint64_t started_ms;
	uint64_t (*clock)(void);
};

static uint64_t clock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_ms(const struct monitor *m)
{
	return m->clock();
}

static const char *alert_str(int a)
{
	const char *n = a >= 0 ? ktls_alert_name(a) : NULL;

	return n ? n : "none";
}

/*
 * The worker holding @r lets go of it: its slot counts no more, and when
 * the monitor answers for it (@cancel: its backstop, stopping) it is told
 * to drop the socket and slot now rather than at its own deadline.
 */
static void release_worker(struct monitor *m, struct mreq *r, bool cancel)
{
	struct mworker *w;

	if (r->worker < 0)
		return;
	w = &m->wp.w[r->worker];
	if (cancel && w->sock >= 0)
		(void)!workers_send(&m->wp, r->worker, KP_CANCEL, reqtab_id(&m->t, r), NULL, 0, -1);
	if (w->inflight)
		w->inflight--;
	if (r->cls == RQ_SERVER && w->inflight_server)
		w->inflight_server--;
	r->worker = -1;
}

/* The labelled statistics of a finished request (stats_note_done()). */
static void note_done(struct monitor *m, const struct mreq *r, int status,
		      const struct kp_result *res)
{
	uint32_t a = r->kreq.auth_mode;
	struct stat_done d = {
		.server = r->cls == RQ_SERVER,
		.auth = a >= KTLS_HANDSHAKE_AUTH_UNAUTH && a <= KTLS_HANDSHAKE_AUTH_X509 ?
			(int)(a - KTLS_HANDSHAKE_AUTH_UNAUTH) : -1,
		.status = status,
		.alert_sent = res ? res->alert_sent : -1,
		.alert_received = res ? res->alert_received : -1,
		.total_ms = now_ms(m) - r->accepted_ms,
	};

	/* Queued until a worker began: all of it unless a worker answered. */
	d.queued_ms = d.total_ms;
	if (res && res->usec / 1000 <= d.total_ms)
		d.queued_ms = d.total_ms - res->usec / 1000;
	stats_note_done(&m->stats, &d);
}

/* The request's life ends here: DONE, close, forget (reqtab's hook). */
static void req_done_hook(void *ctx, struct mreq *r, int status,
			  const struct kp_result *res, const char *why)
{
	struct monitor *m = ctx;
	struct ktls_done done;
	unsigned int i;
	int ret;

	release_worker(m, r, !res);
	memset(&done, 0, sizeof(done));
	done.sockfd = r->fd;
	done.status = status;
	if (res && !status)
		for (i = 0; i < res->n_remote && i < 2; i++)
			done.remote_auth[done.num_remote_auth++] = res->remote[i];
	ret = kernel_done(&m->k, &done);
	stats_inc(&m->stats, STAT_done_sent);
	if (ret) {
		stats_inc(&m->stats, STAT_done_failed);
		log_warnx("DONE for fd %d refused by the kernel: %s", r->fd, strerror(-ret));
	}
	close(r->fd);

	if (status == 0)
		stats_inc(&m->stats, STAT_handshakes_ok);
	else if (status == ETIMEDOUT)
		stats_inc(&m->stats, STAT_handshakes_timeout);
	else
		stats_inc(&m->stats, STAT_handshakes_failed);
	note_done(m, r, status, res);
	if (res) {
		if (res->alert_sent >= 0)
			stats_inc(&m->stats, STAT_alerts_sent);
		if (res->alert_received >= 0)
			stats_inc(&m->stats, STAT_alerts_received);
		if (!status)
			stats_add(&m->stats, STAT_handshake_usec_total, res->usec);
		if (status && res->error == 0 && !strcmp(res->detail, "installing kernel TLS failed"))
			stats_inc(&m->stats, STAT_ktls_install_failed);
	}
	/* One line per finished handshake. */
	log_info("handshake role=%s auth=%s peer=%s result=%s errno=%d alert_sent=%s "
		 "alert_received=%s duration_ms=%u version=%s cipher=%s group=%s%s%s",
		 r->role == KTLS_ROLE_SERVER ? "server" : "client", rq_auth_name(r->kreq.auth_mode),
		 r->kreq.peername[0] ? r->kreq.peername : "-", status ? "failed" : "ok", status,
		 alert_str(res ? res->alert_sent : -1), alert_str(res ? res->alert_received : -1),
		 res ? res->usec / 1000 : (unsigned int)(now_ms(m) - r->accepted_ms),
		 res && res->version ? "TLSv1.3" : "-",
		 res && res->suite ? ktls_suite_name(res->suite) : "-",
		 res && res->group ? ktls_group_name(res->group) : "-",
		 why || (res && res->detail[0]) ? " reason=" : "",
		 why ? why : (res ? res->detail : ""));

	ktls_keyring_release(r->held_keyring);
	r->held_keyring = 0;
	mcred_put(r->cred);
	r->cred = NULL;
	if (r->msg) {
		explicit_bzero(r->msg, r->msg_len);
		free(r->msg);
		r->msg = NULL;
	}
}

/*
 * Answer @r. With [debug] delay_done (a test hook, as tlshd's) the DONE
 * waits for a timer on the request rather than in sleep(): the worker is
 * let go of now, the loop goes on, and the request keeps its entry until
 * the DONE is sent. A request already answered is not answered again.
 */
static void req_done(struct monitor *m, struct mreq *r, int status,
		     const struct kp_result *res, const char *why)
{
	if (!r->used || r->delayed)
		return;
	if (m->cfg->delay_done > 0 && !m->stopping) {
		release_worker(m, r, !res);
		reqtab_unqueue(&m->t, r);
		r->delayed = true;
		r->done_at_ms = now_ms(m) + (uint64_t)m->cfg->delay_done * 1000;
		r->delayed_status = status;
		r->delayed_why = why;
		r->delayed_has_res = res != NULL;
		if (res)
			r->delayed_res = *res;
		return;
	}
	reqtab_finish(&m->t, r, status, res, why);
}

/* The DONE of a delayed request, now. */
static void req_done_delayed(struct monitor *m, struct mreq *r)
{
	reqtab_finish(&m->t, r, r->delayed_status, r->delayed_has_res ? &r->delayed_res : NULL,
		      r->delayed_why);
}

static void update_gauges(struct monitor *m)
{
	m->stats.v[STAT_inflight] = workers_inflight(&m->wp);
	m->stats.v[STAT_inflight_server] = workers_inflight_server(&m->wp);
	m->stats.v[STAT_queued] = m->t.n_queued_all;
	m->stats.v[STAT_queued_server] = m->t.n_queued[RQ_SERVER];
	stats_note_peak(&m->stats);
}

/* Hand queued requests to the workers; answer those that cannot reach one. */
static void dispatch(struct monitor *m)
{
	uint64_t skip = 0;
	struct mreq *r;

	while (!m->stopping && (r = workers_dispatch(&m->wp, &m->t, m->cfg, &skip)))
		req_done(m, r, EIO, NULL, "could not reach the worker");
	update_gauges(m);
}

/* Worker @wi is gone or leaving: whatever it had in hand is answered now. */
static void worker_forget(struct monitor *m, int wi, const char *why)
{
	unsigned int i;

	workers_close(&m->wp, wi);
	for (i = 0; i < m->t.n; i++) {
		struct mreq *r = &m->t.reqs[i];

		if (r->used && r->worker == wi)
			req_done(m, r, ETIMEDOUT, NULL, why);
	}
	workers_forget(&m->wp, wi);
}

/*
 * A request the table has no entry for. Cannot happen (the loop stops
 * taking requests when the table is full), but never use a failed
 * allocation: answer it at once.
 */
static void refuse_unheld(struct monitor *m, const struct ktls_request *kreq, int32_t held)
{
	struct ktls_done done = { .sockfd = kreq->sockfd, .status = EBUSY };

	log_warnx("no room for a request: refused");
	stats_inc(&m->stats, STAT_requests_rejected);
	stats_inc(&m->stats, STAT_done_sent);
	stats_inc(&m->stats, STAT_handshakes_failed);
	if (kernel_done(&m->k, &done))
		stats_inc(&m->stats, STAT_done_failed);
	close(kreq->sockfd);
	ktls_keyring_release(held);
}

/*
 * Take what the kernel has (gotcha 5: drain), at most
 * MON_ACCEPTS_PER_ROUND in one turn, and nothing while the table is full:
 * then READYs stay in the kernel, which refuses new submissions to their
 * consumer, rather than being taken with nowhere to keep them. Either way
 * accept_more makes the loop come back as soon as there is room.
 */
void monitor_accept(struct monitor *m)
{
	struct ktls_request kreq;
	struct mreq *r;
	const char *why = NULL;
	int32_t held;
	int ret, status;
	unsigned int failures = 0, taken = 0;

	m->last_drain_ms = now_ms(m);
	m->accept_more = false;
	while (!m->stopping) {
		if (taken >= MON_ACCEPTS_PER_ROUND || reqtab_full(&m->t)) {
			m->accept_more = true;
			break;
		}
		ret = kernel_accept(&m->k, &kreq, &held);
		if (ret == -EAGAIN)
			break;
		taken++;
		if (ret) {
			log_warnx("ACCEPT failed: %s", strerror(-ret));
			/*
			 * One bad request (the kernel failed it with EIO for its
			 * consumer) must not hold up those behind it: try on,
			 * but not forever.
			 */
			if (++failures < 16)
				continue;
			break;
		}
		stats_inc(&m->stats, STAT_requests_accepted);
		r = reqtab_alloc(&m->t);
		if (!r) {
			refuse_unheld(m, &kreq, held);
			continue;
		}
		r->fd = kreq.sockfd;
		(void)kernel_peer_key(r->fd, &r->peer_key);	/* per-peer fairness */
		r->kreq = kreq;
		r->held_keyring = held;
		r->accepted_ms = now_ms(m);
		why = NULL;
		status = secrets_prepare(m->cfg, r, &why);
		if (status) {
			stats_inc(&m->stats, STAT_requests_rejected);
			req_done(m, r, status, NULL, why);
			continue;
		}
		reqtab_push(&m->t, r);
		/*
		 * A remote peer's request finds its own queue full (a flood
		 * from the network): one is refused now, so that it holds
		 * neither an entry nor a slot the client side needs; the
		 * newest of the peer with the most waiting, so that one
		 * source's flood does not push out other peers' requests.
		 */
		if (r->cls == RQ_SERVER && m->t.n_queued[RQ_SERVER] > m->cfg->max_server_queued) {
			dispatch(m);
			if (m->t.n_queued[RQ_SERVER] > m->cfg->max_server_queued &&
			    (r = reqtab_server_victim(&m->t))) {
				stats_inc(&m->stats, STAT_requests_busy);
				req_done(m, r, EBUSY, NULL, "too many server-side requests waiting");
			}
		}
	}
	dispatch(m);
}

/* ---------- answers to the worker ---------- */

/*
 * Worker @wi asked for what an honest worker never does: it is in a
 * peer's hands. Kill it, answer its requests now, and let the loop start
 * another once it is reaped.
 */
static void worker_violation(struct monitor *m, int wi, const char *what)
{
	pid_t pid = m->wp.w[wi].pid;

	log_warnx("worker %d %s: killed", (int)pid, what);
	if (pid > 0)
		(void)kill(pid, SIGKILL);
	worker_forget(m, wi, "worker killed for breaking the protocol");
	m->wp.w[wi].pid = pid;	/* reaped later, then restarted */
}

/* Return: false when the worker broke the protocol (and was killed). */
static bool on_sign(struct monitor *m, int wi, uint64_t id, const struct kp_sign *s)
{
	struct mreq *r = reqtab_by_id(&m->t, id);
	struct kp_signed out;
	struct mcred *cred;
	const char *violation;

	if (r && r->worker != wi)
		r = NULL;
	if (!secrets_sign_check(r, m->wp.w[wi].cred, s, &cred, &out, &violation)) {
		stats_inc(&m->stats, STAT_signatures_refused);
		if (violation) {
			worker_violation(m, wi, violation);
			return false;
		}
		goto reply;
	}
	r->signs++;
	if (signer_submit(m->sg, id, wi, (enum rq_class)r->cls, cred,
			  (enum ktls_role)r->role, s)) {
		/* A signing flood: its handshakes fail, nothing waits. */
		stats_inc(&m->stats, STAT_signatures_refused);
		out.status = KTLS_E_INTERNAL;
		goto reply;
	}
	r->sign_pending = true;
	return true;
reply:
	if (workers_send(&m->wp, wi, KP_SIGNED, id, &out, sizeof(out), -1))
		log_warnx("cannot answer the worker");
	return true;
}

/* The signer's answers go to the workers that asked, if they still hold the request. */
static void on_signed(struct monitor *m)
{
	struct signer_answer a;
	struct mreq *r;
	unsigned int n;

	for (n = 0; n < MON_SIGNED_PER_ROUND && signer_take(m->sg, &a); n++) {
		r = reqtab_by_id(&m->t, a.id);
		if (a.made)
			stats_inc(&m->stats, STAT_signatures);
		if (r && r->worker == a.worker && r->sign_pending) {
			r->sign_pending = false;
			if (workers_send(&m->wp, a.worker, KP_SIGNED, a.id, &a.out, sizeof(a.out), -1))
				log_warnx("cannot answer the worker");
		}
		explicit_bzero(&a, sizeof(a));
	}
}

/* Return: false when the worker broke the protocol (and was killed). */
static bool on_psk_lookup(struct monitor *m, int wi, uint64_t id,
			  const struct kp_psk_lookup *l)
{
	struct mreq *r = reqtab_by_id(&m->t, id);
	struct kp_psk_answer out;
	const char *violation;

	if (r && r->worker != wi)
		r = NULL;
	if (secrets_psk_answer(m->cfg, r, l, &out, &violation))
		stats_inc(&m->stats, STAT_psk_lookups);
	if (violation) {
		explicit_bzero(&out, sizeof(out));
		worker_violation(m, wi, violation);
		return false;
	}
	if (workers_send(&m->wp, wi, KP_PSK, id, &out, sizeof(out), -1))
		log_warnx("cannot answer the worker");
	explicit_bzero(&out, sizeof(out));
	return true;
}

/*
 * Read what worker @wi sent, at most @budget messages (poll says again
 * when more wait). Return: -1 once its socket is closed or broken.
 */
static int on_worker_msg(struct monitor *m, int wi, unsigned int budget)
{
	struct mworker *w = &m->wp.w[wi];
	uint8_t buf[KP_MAX_FROM_WORKER];
	struct kp_hdr hdr;
	struct mreq *r;
	ssize_t n;

	while (budget--) {
		n = recv(w->sock, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		if ((size_t)n > sizeof(buf) || kp_parse(buf, (size_t)n, &hdr)) {
			log_warnx("malformed message from worker %d", (int)w->pid);
			continue;
		}
		switch (hdr.type) {
		/* A worker killed for breaking the protocol is read no further. */
		case KP_SIGN:
			if (hdr.len == sizeof(struct kp_sign) &&
			    !on_sign(m, wi, hdr.id, (const void *)(buf + sizeof(hdr))))
				return 0;
			break;
		case KP_PSK_LOOKUP:
			if (hdr.len == sizeof(struct kp_psk_lookup) &&
			    !on_psk_lookup(m, wi, hdr.id, (const void *)(buf + sizeof(hdr))))
				return 0;
			break;
		case KP_RESULT:
			r = reqtab_by_id(&m->t, hdr.id);
			if (r && r->worker == wi && hdr.len == sizeof(struct kp_result)) {
				struct kp_result res;
				const char *why;

				memcpy(&res, buf + sizeof(hdr), sizeof(res));
				res.detail[sizeof(res.detail) - 1] = 0;
				/* Only errnos DONE may carry (positive, <= 4095). */
				if (res.status < 0 || res.status > 4095)
					res.status = EIO;
				/* The worker claims; the monitor decides (verdict.c). */
				res.status = verdict_check(r, &res, &why);
				if (why) {
					/* A lie: that request fails, then the worker goes. */
					snprintf(res.detail, sizeof(res.detail), "%s", why);
					req_done(m, r, res.status, &res, NULL);
					worker_violation(m, wi, why);
					return 0;
				}
				req_done(m, r, res.status, &res, NULL);
			}
			break;
		default:
			log_warnx("unexpected message %u from worker %d", hdr.type, (int)w->pid);
			break;
		}
	}
	return 0;
}

/* ---------- life cycle ---------- */

/* Its socket closed or broke: the worker crashed (or left after draining). */
static void worker_gone(struct monitor *m, int wi)
{
	if (!m->wp.w[wi].draining)
		log_warnx("worker %d went away", (int)m->wp.w[wi].pid);
	worker_forget(m, wi, "worker went away");
}

static void reap(struct monitor *m)
{
	pid_t pid;
	int st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < MAX_WORKERS; i++) {
			if (m->wp.w[i].pid != pid)
				continue;
			if (!m->wp.w[i].draining || WIFSIGNALED(st) || WEXITSTATUS(st))
				log_warnx("worker %d exited (status %d)", (int)pid, st);
			/*
			 * Its last results may still wait in the socket (a
			 * drained worker leaves right after sending them):
			 * take them before answering the rest.
			 */
			if (m->wp.w[i].sock >= 0) {
				/* Reaped: that number is never signalled again. */
				m->wp.w[i].pid = 0;
				(void)on_worker_msg(m, i, UINT_MAX);
				if (m->wp.w[i].sock >= 0)
					worker_forget(m, i, "worker exited");
			}
			m->wp.w[i].pid = 0;
		}
	}
}

/*
 * SIGHUP, or `ktlsctl reload`: all of the new configuration or none of
 * it. Return: 0, or -1 with the reason in @why (file and line for a
 * configuration error).
 */
static int reload(struct monitor *m, char *why, size_t len)
{
	struct kcfg *fresh;
	struct mcred *probe[2];
	char err[KCFG_ERR_MAX];
	int old[KCFG_MAX_WORKERS], slots[KCFG_MAX_WORKERS];
	unsigned int n, n_old = m->wp.n_gen;
	int ret = -1;

	if (m->stopping) {
		snprintf(why, len, "ktlsd is stopping");
		return -1;	/* new workers would only be told to stop */
	}
	fresh = calloc(1, sizeof(*fresh));
	notify_reloading();
	if (!fresh || kcfg_load(m->opts->config_path, fresh, err)) {
		snprintf(why, len, "%s", fresh ? err : "out of memory");
		goto refused;
	}
	if (kcfg_apply_cipher_mask(fresh, m->k.cipher_mask)) {
		snprintf(why, len, "no configured cipher suite can be installed");
		goto refused;
	}
	if (secrets_load_creds(fresh, probe)) {
		snprintf(why, len, "bad certificate or key");
		goto refused;
	}
	secrets_free_creds(probe);
	n = kcfg_workers(fresh);
	if (!workers_free_slots(&m->wp, slots, n)) {
		snprintf(why, len, "too many workers still draining for %u new ones", n);
		goto refused;
	}
	memcpy(old, m->wp.gen, n_old * sizeof(*old));
	if (!workers_start_generation(&m->wp, fresh, slots, n)) {
		snprintf(why, len, "no worker of the new configuration started");
		goto refused;
	}
	*m->cfg = *fresh;
	kernel_link_keyrings(m->cfg);
	log_set_level(m->cfg->loglevel > 0 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	kcfg_log_warnings(m->cfg);
	/* A changed control_socket or control_group: the old one goes now. */
	control_reconfigure(&m->ctl, m->cfg);
	m->ctl.env.generation++;
	/* New requests go to the new generation; the old one finishes its own. */
	workers_drain(&m->wp, old, n_old);
	stats_inc(&m->stats, STAT_reloads);
	log_info("configuration reloaded from %s, %u workers",
		 m->cfg->source[0] ? m->cfg->source : "defaults", n);
	dispatch(m);
	ret = 0;
	goto out;
refused:
	log_warnx("reload refused, keeping the old configuration: %s", why);
	stats_inc(&m->stats, STAT_reloads_failed);
out:
	free(fresh);
	notify_ready();
	return ret;
}

/* The control socket's hooks (control_env). */
static uint64_t ctl_clock(void *ctx)
{
	return now_ms(ctx);
}

static int ctl_reload(void *ctx, char *err, size_t len)
{
	return reload(ctx, err, len);
}

/* Whatever is due now: queued past its deadline, a silent worker, a delayed DONE. */
static void expire(struct monitor *m)
{
	struct rq_scan scan = { 0 };
	uint64_t now = now_ms(m);
	enum rq_due due;
	struct mreq *r;

	while ((r = reqtab_next_due(&m->t, now, BACKSTOP_MS, &scan, &due))) {
		switch (due) {
		case RQ_DUE_QUEUED:
			req_done(m, r, ETIMEDOUT, NULL, "deadline passed while queued");
			break;
		case RQ_DUE_BACKSTOP:
			req_done(m, r, ETIMEDOUT, NULL, "worker did not answer in time");
			break;
		case RQ_DUE_DELAYED:
		default:
			req_done_delayed(m, r);
			break;
		}
	}
}

/* SIGTERM: take no more, let the workers finish for a moment, then answer. */
static void begin_stop(struct monitor *m)
{
	struct mreq *r;
	int i;

	if (m->stopping)
		return;
	m->stopping = true;
	m->stop_deadline_ms = now_ms(m) + 3000;
	notify_stopping();
	log_info("stopping: %u requests in hand", m->t.used);
	while ((r = reqtab_pop(&m->t, RQ_CLIENT)) || (r = reqtab_pop(&m->t, RQ_SERVER)))
		req_done(m, r, ETIMEDOUT, NULL, "ktlsd stopping");
	for (i = 0; i < MAX_WORKERS; i++)
		if (m->wp.w[i].sock >= 0 && !m->wp.w[i].draining)
			workers_drain(&m->wp, &i, 1);
}

static int next_timeout(struct monitor *m)
{
	uint64_t now = now_ms(m), next = m->last_drain_ms + DRAIN_INTERVAL_MS;
	uint64_t due = reqtab_next_deadline(&m->t, BACKSTOP_MS);
	uint64_t ctl_due = control_next_deadline(&m->ctl);

	if (m->accept_more && !reqtab_full(&m->t))
		return 0;
	if (due < next)
		next = due;
	if (ctl_due < next)
		next = ctl_due;
	return next <= now ? 0 : (next - now > INT_MAX ? INT_MAX : (int)(next - now));
}

static unsigned int table_size(const struct monitor_opts *opts, const struct kcfg *cfg)
{
	unsigned long n = TABLE_MIN;

	if (opts->table_size)
		return opts->table_size;
	/* Room for the server side's whole budget and as much again for clients. */
	if (4ul * cfg->max_inflight > n)
		n = 4ul * cfg->max_inflight;
	if ((unsigned long)cfg->max_inflight + cfg->max_server_queued + TABLE_MIN / 4 > n)
		n = (unsigned long)cfg->max_inflight + cfg->max_server_queued + TABLE_MIN / 4;
	return (unsigned int)n;
}

struct monitor *monitor_new(const struct monitor_opts *opts, struct kcfg *cfg)
{
	struct monitor *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->opts = opts;
	m->cfg = cfg;
	m->clock = clock_monotonic_ms;
	m->sigfd = -1;
	m->started_ms = now_ms(m);
	control_init(&m->ctl, &(struct control_env){
		.ctx = m, .stats = &m->stats, .t = &m->t, .wp = &m->wp, .cfg = cfg,
		.generation = 1, .started_ms = m->started_ms, .now = ctl_clock,
		.reload = ctl_reload });
	if (reqtab_init(&m->t, table_size(opts, cfg), req_done_hook, m)) {
		free(m);
		return NULL;
	}
	workers_init(&m->wp);
	m->wp.self_exe = opts->self_exe;
	m->wp.worker_user = opts->worker_user;
	m->wp.log_stderr = opts->log_stderr;
	m->sg = signer_start();
	if (!m->sg) {
		reqtab_fini(&m->t);
		free(m);
		return NULL;
	}
	m->last_drain_ms = now_ms(m);
	return m;
}

void monitor_free(struct monitor *m)
{
	unsigned int i;

	if (!m)
		return;
	signer_stop(m->sg);
	/* What is still held is dropped without DONE (the caller answered what it had to). */
	for (i = 0; i < m->t.n; i++) {
		struct mreq *r = &m->t.reqs[i];

		if (!r->used)
			continue;
		ktls_keyring_release(r->held_keyring);
		mcred_put(r->cred);
		if (r->msg) {
			explicit_bzero(r->msg, r->msg_len);
			free(r->msg);
		}
		if (r->fd >= 0)
			close(r->fd);
	}
	for (i = 0; i < MAX_WORKERS; i++)
		workers_forget(&m->wp, (int)i);
	control_close(&m->ctl);
	reqtab_fini(&m->t);
	free(m);
}

void monitor_set_clock(struct monitor *m, uint64_t (*clock)(void))
{
	m->clock = clock ? clock : clock_monotonic_ms;
	m->last_drain_ms = now_ms(m);
}

void monitor_add_worker(struct monitor *m, pid_t pid, int sock)
{
	int wi = (int)m->wp.n_gen;

	m->wp.w[wi].pid = pid;
	m->wp.w[wi].sock = sock;
	(void)!secrets_load_creds(m->cfg, m->wp.w[wi].cred);
	m->wp.gen[m->wp.n_gen++] = wi;
}

struct signer *monitor_signer(struct monitor *m)
{
	return m->sg;
}

const struct stats *monitor_stats(const struct monitor *m)
{
	return &m->stats;
}

void monitor_open_control(struct monitor *m)
{
	control_open(&m->ctl, m->cfg);
}

bool monitor_round(struct monitor *m, int max_wait_ms)
{
	struct pollfd pfd[4 + MAX_WORKERS + CONTROL_MAX_CLIENTS + 1];
	int widx[4 + MAX_WORKERS + CONTROL_MAX_CLIENTS + 1];
	int nl_idx = -1, sig_idx = -1, sg_idx, w_first, ctl_first;
	struct signalfd_siginfo si;
	unsigned int restarts;
	int n = 0, ret, i, timeout;
	bool overrun;

	if (m->k.mc) {
		nl_idx = n;
		pfd[n].fd = kernel_ready_fd(&m->k);
		pfd[n++].events = POLLIN;
	}
	if (m->sigfd >= 0) {
		sig_idx = n;
		pfd[n].fd = m->sigfd;
		pfd[n++].events = POLLIN;
	}
	sg_idx = n;
	pfd[n].fd = signer_fd(m->sg);
	pfd[n++].events = POLLIN;
	w_first = n;
	for (i = 0; i < MAX_WORKERS; i++) {
		if (m->wp.w[i].sock < 0)
			continue;
		widx[n] = i;
		pfd[n].fd = m->wp.w[i].sock;
		pfd[n++].events = POLLIN | (m->wp.w[i].out_head ? POLLOUT : 0);
	}
	ctl_first = n;
	n += (int)control_pollfds(&m->ctl, pfd + n, CONTROL_MAX_CLIENTS + 1);
	timeout = next_timeout(m);
	if (max_wait_ms >= 0 && timeout > max_wait_ms)
		timeout = max_wait_ms;
	ret = poll(pfd, (nfds_t)n, timeout);
	if (ret < 0 && errno != EINTR)
		fatal("poll");
	if (ret < 0)
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
	if (sig_idx >= 0 && (pfd[sig_idx].revents & POLLIN)) {
		while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				begin_stop(m);
			else if (si.ssi_signo == SIGHUP || si.ssi_signo == SIGUSR1) {
				char why[KCFG_ERR_MAX];

				(void)reload(m, why, sizeof(why));
			}
			else if (si.ssi_signo == SIGCHLD)
				reap(m);
		}
	}
	if (pfd[sg_idx].revents & POLLIN)
		on_signed(m);
	for (i = w_first; i < ctl_first; i++) {
		/* Also skip a worker forgotten since poll (reaped, say). */
		if (m->wp.w[widx[i]].sock < 0)
			continue;
		if (pfd[i].revents & POLLOUT)
			workers_flush(&m->wp, widx[i]);
		if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    on_worker_msg(m, widx[i], MON_WORKER_MSGS_PER_ROUND))
			worker_gone(m, widx[i]);
	}
	if (nl_idx >= 0 && (pfd[nl_idx].revents & POLLIN) && kernel_ready(&m->k, &overrun)) {
		if (overrun)
			stats_inc(&m->stats, STAT_netlink_overruns);
		monitor_accept(m);
	}
	expire(m);
	control_events(&m->ctl, pfd + ctl_first, (unsigned int)(n - ctl_first));
	if (m->stopping && now_ms(m) >= m->stop_deadline_ms)
		return false;
	if ((m->accept_more && !reqtab_full(&m->t)) ||
	    now_ms(m) - m->last_drain_ms >= DRAIN_INTERVAL_MS)
		monitor_accept(m);
	/* Old workers leave once they have nothing in hand. */
	for (i = 0; i < MAX_WORKERS; i++)
		if (m->wp.w[i].draining && !m->wp.w[i].inflight &&
		    m->wp.w[i].pid > 0 && m->wp.w[i].sock >= 0) {
			pid_t pid = m->wp.w[i].pid;

			worker_forget(m, i, "worker drained");
			m->wp.w[i].pid = pid;	/* reaped later */
			m->wp.w[i].draining = true;
		}
	if (!m->stopping) {
		restarts = 0;
		workers_restart(&m->wp, m->cfg, now_ms(m), &restarts);
		stats_add(&m->stats, STAT_worker_restarts, restarts);
	}
	dispatch(m);
	return !m->stopping || m->t.used;
}

int monitor_main(const struct monitor_opts *opts, struct kcfg *cfg)
{
	struct monitor *m;
	int slots[KCFG_MAX_WORKERS];
	unsigned int g, nw;
	sigset_t mask;
	int i;

	log_set_procname("monitor");
	m = monitor_new(opts, cfg);
	if (!m)
		fatalx("out of memory");

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	m->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sigfd < 0)
		fatal("signalfd");

	if (kernel_open(&m->k, cfg))
		return 1;
	m->wp.cipher_mask = m->k.cipher_mask;
	m->ctl.env.cipher_mask = m->k.cipher_mask;
	control_open(&m->ctl, cfg);
	nw = kcfg_workers(cfg);
	for (g = 0; g < nw; g++)
		slots[g] = (int)g;
	if (!workers_start_generation(&m->wp, cfg, slots, nw))
		return 1;
	notify_ready();
	log_info("budgets: %u server-side handshakes in flight, %u server-side requests "
		 "waiting, %u requests held", kcfg_server_inflight(cfg), cfg->max_server_queued,
		 m->t.n);
	log_info("ready: %s, %u workers, up to %u handshakes in flight",
		 cfg->source[0] ? cfg->source : "built-in defaults", nw, cfg->max_inflight);
	monitor_accept(m);

	while (monitor_round(m, -1))
		;
	/* Whatever is still in hand gets an answer, not a consumer timeout. */
	for (i = 0; i < (int)m->t.n; i++) {
		struct mreq *r = &m->t.reqs[i];

		if (r->used && r->delayed)
			req_done_delayed(m, r);
		else if (r->used)
			req_done(m, r, ETIMEDOUT, NULL, "ktlsd stopping");
	}
	for (i = 0; i < MAX_WORKERS; i++)
		if (m->wp.w[i].pid > 0)
			kill(m->wp.w[i].pid, SIGTERM);
	monitor_free(m);
	return 0;
}
