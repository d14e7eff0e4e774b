// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor (see monitor.h). A poll() loop over the READY socket, the
 * signalfd and each worker's socket. Every request the kernel has is
 * taken at once (ACCEPT until EAGAIN), so the kernel's small cap on
 * un-accepted requests never makes a consumer wait; ours wait in a FIFO
 * whose deadlines keep running. Every request ends in exactly one DONE.
 *
 * The workers run as a generation of N ("workers" in ktlsd.conf): a new
 * request goes to the current generation's least busy worker. A reload
 * starts a whole new generation; the old one drains and leaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <keyutils.h>

#include <ktls/ktls.h>

#include "handshake-uapi.h"
#include "keyring.h"
#include "ktls.h"
#include "log.h"
#include "monitor.h"
#include "netlink.h"
#include "notify.h"
#include "privsep.h"
#include "stats.h"
#include "worker.h"

/* A generation, the one draining before it, and a few slow leavers. */
#define MAX_WORKERS (2 * KCFG_MAX_WORKERS + 4)
#define DRAIN_INTERVAL_MS 2000	/* ACCEPT now and then: READYs can be lost */
#define BACKSTOP_MS 2000	/* past a deadline, the monitor answers itself */
#define RESTART_WINDOW_MS 10000	/* at most RESTARTS_MAX worker restarts in it */
#define RESTARTS_MAX 5

struct outmsg {
	struct outmsg *next;
	uint16_t type;
	uint64_t id;
	int fd;
	size_t len;
	uint8_t data[];
};

struct mworker {
	pid_t pid;
	int sock;
	unsigned int inflight;
	bool draining;
	struct ktls_credential *cred[2];	/* the keys for its config */
	struct outmsg *out_head, *out_tail;
};

struct mreq {
	bool used;
	bool queued;			/* waiting for a worker slot */
	bool linked;			/* in the FIFO chain (until popped) */
	uint32_t gen;
	int fd;
	int worker;
	uint32_t role;
	struct ktls_request kreq;
	struct ktls_credential *cred;	/* a keyring certificate and key */
	int32_t held_keyring;		/* the request's keyring, held until DONE */
	uint64_t accepted_ms, deadline_ms;
	unsigned int next_queued;	/* FIFO link, index + 1 */
	struct kp_request *msg;		/* built request, until dispatched */
	size_t msg_len;
};

struct monitor {
	const struct monitor_opts *opts;
	struct kcfg *cfg;
	struct ktls_nl *nl_mc, *nl_req;
	int sigfd;
	struct mworker workers[MAX_WORKERS];
	int gen[KCFG_MAX_WORKERS];	/* the current generation: worker slots */
	unsigned int n_gen;
	unsigned int rr;		/* where least_busy() starts looking */
	struct mreq *reqs;
	unsigned int n_reqs, used;
	unsigned int q_head, q_tail;	/* index + 1, 0 = empty */
	uint64_t last_drain_ms;
	bool stopping;
	struct stats stats;
	unsigned int cipher_mask;	/* what this kernel can install */
	uint64_t stop_deadline_ms;
	int stats_fd;			/* listening statistics socket, or -1 */
	unsigned int restarts_recent;
	uint64_t restart_window_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t req_id(const struct monitor *m, const struct mreq *r)
{
	return ((uint64_t)r->gen << 32) | (uint64_t)(r - m->reqs);
}

static struct mreq *req_by_id(struct monitor *m, uint64_t id)
{
	uint32_t idx = (uint32_t)id;

	if (idx >= m->n_reqs || !m->reqs[idx].used || m->reqs[idx].gen != (uint32_t)(id >> 32))
		return NULL;
	return &m->reqs[idx];
}

static const char *auth_name(uint32_t a)
{
	switch (a) {
	case KTLS_HANDSHAKE_AUTH_UNAUTH:
		return "anon";
	case KTLS_HANDSHAKE_AUTH_PSK:
		return "psk";
	case KTLS_HANDSHAKE_AUTH_X509:
		return "x509";
	default:
		return "unknown";
	}
}

static const char *alert_str(int a)
{
	const char *n = a >= 0 ? ktls_alert_name(a) : NULL;

	return n ? n : "none";
}

static int wsend(struct monitor *m, int wi, uint16_t type, uint64_t id,
		 const void *p, size_t len, int fd);

/* The request's life ends here: DONE, close, forget. */
static void req_done(struct monitor *m, struct mreq *r, int status,
		     const struct kp_result *res, const char *why)
{
	struct ktls_done done;
	unsigned int i;
	int ret;

	/*
	 * The monitor answers for a worker that still holds the request
	 * (its backstop, or stopping): tell it to drop the socket and slot
	 * now rather than at its own deadline.
	 */
	if (!res && r->worker >= 0 && m->workers[r->worker].sock >= 0)
		(void)!wsend(m, r->worker, KP_CANCEL, req_id(m, r), NULL, 0, -1);
	memset(&done, 0, sizeof(done));
	done.sockfd = r->fd;
	done.status = status;
	if (res && !status)
		for (i = 0; i < res->n_remote && i < 2; i++)
			done.remote_auth[done.num_remote_auth++] = res->remote[i];
	if (m->cfg->delay_done > 0)
		sleep((unsigned int)m->cfg->delay_done);	/* test hook, as tlshd */
	ret = ktls_nl_done(m->nl_req, &done);
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
		 r->role == KTLS_ROLE_SERVER ? "server" : "client", auth_name(r->kreq.auth_mode),
		 r->kreq.peername[0] ? r->kreq.peername : "-", status ? "failed" : "ok", status,
		 alert_str(res ? res->alert_sent : -1), alert_str(res ? res->alert_received : -1),
		 res ? res->usec / 1000 : (unsigned int)(now_ms() - r->accepted_ms),
		 res && res->version ? "TLSv1.3" : "-",
		 res && res->suite ? ktls_suite_name(res->suite) : "-",
		 res && res->group ? ktls_group_name(res->group) : "-",
		 why || (res && res->detail[0]) ? " reason=" : "",
		 why ? why : (res ? res->detail : ""));

	ktls_keyring_release(r->held_keyring);
	r->held_keyring = 0;
	ktls_credential_free(r->cred);
	if (r->msg) {
		explicit_bzero(r->msg, r->msg_len);
		free(r->msg);
	}
	if (r->worker >= 0 && m->workers[r->worker].inflight)
		m->workers[r->worker].inflight--;
	else if (r->queued && m->stats.v[STAT_queued])
		m->stats.v[STAT_queued]--;
	r->queued = false;
	memset(&r->kreq, 0, sizeof(r->kreq));
	r->cred = NULL;
	r->msg = NULL;
	r->used = false;
	r->gen++;
	m->used--;
}

/* ---------- worker messages ---------- */

static int wsend(struct monitor *m, int wi, uint16_t type, uint64_t id,
		 const void *p, size_t len, int fd)
{
	struct mworker *w = &m->workers[wi];
	struct outmsg *o;
	int ret;

	if (!w->out_head) {
		ret = kp_send(w->sock, type, id, p, len, fd, MSG_DONTWAIT);
		if (ret != -EAGAIN)
			return ret;
	}
	/* The worker is busy: keep it, never block the monitor. */
	o = malloc(sizeof(*o) + len);
	if (!o)
		return -ENOMEM;
	o->next = NULL;
	o->type = type;
	o->id = id;
	o->fd = fd >= 0 ? dup(fd) : -1;
	o->len = len;
	if (len)
		memcpy(o->data, p, len);
	if (w->out_tail)
		w->out_tail->next = o;
	else
		w->out_head = o;
	w->out_tail = o;
	return 0;
}

static void wflush(struct monitor *m, int wi)
{
	struct mworker *w = &m->workers[wi];
	struct outmsg *o;

	while ((o = w->out_head)) {
		if (kp_send(w->sock, o->type, o->id, o->data, o->len, o->fd, MSG_DONTWAIT) == -EAGAIN)
			return;
		w->out_head = o->next;
		if (!w->out_head)
			w->out_tail = NULL;
		if (o->fd >= 0)
			close(o->fd);
		explicit_bzero(o->data, o->len);
		free(o);
	}
}

static void wqueue_free(struct mworker *w)
{
	struct outmsg *o;

	while ((o = w->out_head)) {
		w->out_head = o->next;
		if (o->fd >= 0)
			close(o->fd);
		explicit_bzero(o->data, o->len);
		free(o);
	}
	w->out_tail = NULL;
}

static int load_sign_creds(const struct kcfg *cfg, struct ktls_credential *cred[2])
{
	const struct kcfg_role *rc[2] = { &cfg->client, &cfg->server };
	int r, ret;

	for (r = 0; r < 2; r++) {
		cred[r] = NULL;
		if (!rc[r]->certificate[0] || !rc[r]->private_key[0])
			continue;
		ret = ktls_credential_load_pem(rc[r]->certificate, rc[r]->private_key, &cred[r]);
		if (ret) {
			log_warnx("%s certificate %s / key %s: %s", r ? "server" : "client",
				  rc[r]->certificate, rc[r]->private_key, ktls_strerror(ret));
			ktls_credential_free(cred[0]);
			cred[0] = NULL;
			return -1;
		}
	}
	return 0;
}

/*
 * Start a worker process in slot @wi with @cfg: a fresh exec, so it
 * inherits no key material.
 */
static int worker_spawn(struct monitor *m, int wi, const struct kcfg *cfg,
			unsigned int n_gen)
{
	struct mworker *w = &m->workers[wi];
	int sv[2];
	pid_t pid;

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
		char fdarg[16], maskarg[16], slotsarg[16];
		const char *argv[16];
		int n = 0, pol;
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
		snprintf(fdarg, sizeof(fdarg), "%d", 3);
		argv[n++] = m->opts->self_exe;
		argv[n++] = "--worker";
		argv[n++] = fdarg;
		if (cfg->source[0]) {
			argv[n++] = "-c";
			argv[n++] = cfg->source;
		}
		if (m->opts->log_stderr)
			argv[n++] = "-s";
		if (m->opts->worker_user) {
			argv[n++] = "--user";
			argv[n++] = m->opts->worker_user;
		}
		snprintf(maskarg, sizeof(maskarg), "%u", m->cipher_mask);
		argv[n++] = "--kernel-ciphers";
		argv[n++] = maskarg;
		snprintf(slotsarg, sizeof(slotsarg), "%u",
			 worker_slots(cfg->max_inflight, n_gen));
		argv[n++] = "--worker-slots";
		argv[n++] = slotsarg;
		argv[n] = NULL;
		execv(m->opts->self_exe, (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->sock = sv[0];
	if (load_sign_creds(cfg, w->cred)) {
		/* Validated before: a key that vanished since is a local fault. */
		log_warnx("worker %d starts without configured keys", (int)pid);
	}
	log_info("worker %d started in slot %d", (int)pid, wi);
	return 0;
}

static void worker_forget(struct monitor *m, int wi, const char *why)
{
	struct mworker *w = &m->workers[wi];
	unsigned int i;

	/* Closed first: a worker that is gone gets no KP_CANCEL either. */
	wqueue_free(w);
	close(w->sock);
	w->sock = -1;
	/* Whatever it had in hand is lost: answer now, not at a timeout. */
	for (i = 0; i < m->n_reqs; i++) {
		struct mreq *r = &m->reqs[i];

		if (r->used && r->worker == wi)
			req_done(m, r, ETIMEDOUT, NULL, why);
	}
	ktls_credential_free(w->cred[0]);
	ktls_credential_free(w->cred[1]);
	memset(w, 0, sizeof(*w));
	w->sock = -1;
}

/* ---------- requests ---------- */

static enum ktls_hash psk_hash(const char *identity, size_t key_len)
{
	/* NVMe identities: "NVMe<v><R|G><hh> ...", hh 01 SHA-256, 02 SHA-384. */
	if (!strncmp(identity, "NVMe", 4) && identity[4] && identity[5] &&
	    identity[6] == '0' && (identity[7] == '1' || identity[7] == '2'))
		return identity[7] == '1' ? KTLS_HASH_SHA256 : KTLS_HASH_SHA384;
	return key_len == 48 ? KTLS_HASH_SHA384 : KTLS_HASH_SHA256;
}

static void fill_psk(struct kp_psk *out, const struct ktls_keyring_psk *k)
{
	size_t idlen = strnlen(k->identity, sizeof(k->identity));

	memset(out, 0, sizeof(*out));
	out->serial = (uint32_t)k->serial;
	out->identity_len = (uint16_t)(idlen < KTLS_MAX_PSK_IDENTITY ? idlen : KTLS_MAX_PSK_IDENTITY);
	memcpy(out->identity, k->identity, out->identity_len);
	out->key_len = (uint16_t)(k->key_len <= KTLS_MAX_PSK_KEY ? k->key_len : 0);
	memcpy(out->key, k->key, out->key_len);
	out->hash = (uint16_t)psk_hash(k->identity, k->key_len);
}

/* Resolve the request's material; 0 or a positive errno for DONE now. */
static int req_prepare(struct monitor *m, struct mreq *r, const char **why)
{
	const struct ktls_request *k = &r->kreq;
	struct kp_request *msg;
	struct ktls_key_blob cert = { 0 }, key = { 0 };
	unsigned int timeout;
	size_t i;
	int ret = 0;

	if (!(k->present & KTLS_REQ_HAS_MESSAGE_TYPE) ||
	    (k->message_type != KTLS_HANDSHAKE_MSG_TYPE_CLIENTHELLO &&
	     k->message_type != KTLS_HANDSHAKE_MSG_TYPE_SERVERHELLO)) {
		*why = "unsupported handshake type";
		return EINVAL;
	}
	r->role = k->message_type == KTLS_HANDSHAKE_MSG_TYPE_SERVERHELLO ? KTLS_ROLE_SERVER
									 : KTLS_ROLE_CLIENT;
	if (k->present & KTLS_REQ_HAS_TIMEOUT && k->timeout_ms)
		timeout = k->timeout_ms;
	else if (k->auth_mode == KTLS_HANDSHAKE_AUTH_PSK)
		timeout = m->cfg->timeout_psk_ms;
	else if (r->role == KTLS_ROLE_SERVER)
		timeout = m->cfg->timeout_server_ms;
	else
		timeout = m->cfg->timeout_client_ms;
	r->deadline_ms = r->accepted_ms + timeout;

	msg = calloc(1, sizeof(*msg) + KP_MAX_CERT);
	if (!msg) {
		*why = "out of memory";
		return ENOMEM;
	}
	r->msg = msg;
	r->msg_len = sizeof(*msg);
	msg->role = r->role;
	msg->auth_mode = k->auth_mode;
	msg->timeout_ms = timeout;
	msg->deadline_ms = r->deadline_ms;
	snprintf(msg->peername, sizeof(msg->peername), "%s", k->peername);

	switch (k->auth_mode) {
	case KTLS_HANDSHAKE_AUTH_UNAUTH:
		if (r->role == KTLS_ROLE_SERVER) {
			*why = "anonymous server handshakes are not supported";
			return EIO;
		}
		break;
	case KTLS_HANDSHAKE_AUTH_X509:
		if (k->cert_serial > 0 || k->privkey_serial > 0) {
			ret = ktls_keyring_read_cert(k->cert_serial, &cert);
			if (!ret)
				ret = ktls_keyring_read_privkey(k->privkey_serial, &key);
			if (!ret && cert.len > KP_MAX_CERT)
				ret = -EMSGSIZE;
			if (!ret)
				ret = ktls_credential_from_der(cert.data, cert.len, key.data,
							       key.len, &r->cred) ? -ENOKEY : 0;
			if (!ret) {
				msg->cred = KP_CRED_KEYRING;
				msg->cert_len = (uint32_t)cert.len;
				memcpy(msg + 1, cert.data, cert.len);
				r->msg_len += cert.len;
			}
			ktls_key_blob_free(&cert);
			ktls_key_blob_free(&key);
			if (ret) {
				*why = "certificate or key from the keyring unusable";
				return ret == -EINVAL ? EINVAL : ENOKEY;
			}
		} else if ((r->role == KTLS_ROLE_SERVER ? m->cfg->server : m->cfg->client).certificate[0]) {
			msg->cred = KP_CRED_CONFIG;
		} else {
			*why = "no certificate configured";
			return ENOKEY;
		}
		break;
	case KTLS_HANDSHAKE_AUTH_PSK:
		if (r->role == KTLS_ROLE_SERVER)
			break;	/* looked up by identity during the handshake */
		for (i = 0; i < k->num_peer_identities && msg->n_psks < KP_MAX_PSKS; i++) {
			struct ktls_keyring_psk psk;

			if (k->peer_identities[i] <= 0)
				continue;
			if (ktls_keyring_read_psk(k->peer_identities[i], &psk))
				continue;
			fill_psk(&msg->psks[msg->n_psks++], &psk);
			ktls_keyring_psk_wipe(&psk);
		}
		if (!msg->n_psks) {
			*why = "no usable PSK among the request's identities";
			return ENOKEY;
		}
		break;
	default:
		*why = "unknown authentication mode";
		return EIO;
	}
	/* Fail closed: a client must know whom it talks to (no reverse DNS). */
	if (r->role == KTLS_ROLE_CLIENT && k->auth_mode != KTLS_HANDSHAKE_AUTH_PSK &&
	    !k->peername[0]) {
		*why = "client request without a peer name";
		return EACCES;
	}
	return 0;
}

static void queue_push(struct monitor *m, struct mreq *r)
{
	unsigned int idx = (unsigned int)(r - m->reqs) + 1;

	r->queued = true;
	r->linked = true;
	r->next_queued = 0;
	if (m->q_tail)
		m->reqs[m->q_tail - 1].next_queued = idx;
	else
		m->q_head = idx;
	m->q_tail = idx;
	m->stats.v[STAT_queued]++;
}

static struct mreq *queue_pop(struct monitor *m)
{
	struct mreq *r;

	while (m->q_head) {
		r = &m->reqs[m->q_head - 1];
		m->q_head = r->next_queued;
		if (!m->q_head)
			m->q_tail = 0;
		r->linked = false;
		if (r->used && r->queued) {
			r->queued = false;
			m->stats.v[STAT_queued]--;
			return r;
		}
	}
	return NULL;
}

static bool worker_alive(const struct mworker *w)
{
	return w->pid > 0 && w->sock >= 0;
}

_Static_assert(KCFG_MAX_WORKERS <= 64, "a generation must fit a uint64_t mask");

/*
 * The current generation's live worker with the fewest in flight, leaving
 * out those in @skip and those holding their whole share of max_inflight
 * (each is sized for about that: worker_slots()); its index in m->gen, or
 * -1. Ties go round: the search starts after the last worker chosen, so
 * requests that come one at a time visit every worker (each has its caches
 * warm, none sits cold).
 */
static int least_busy(struct monitor *m, uint64_t skip)
{
	unsigned int share = worker_share(m->cfg->max_inflight, m->n_gen);
	unsigned int k, g;
	int best = -1;

	for (k = 0; k < m->n_gen; k++) {
		const struct mworker *w;

		g = (m->rr + k) % m->n_gen;
		w = &m->workers[m->gen[g]];
		if ((skip >> g & 1) || !worker_alive(w) || w->inflight >= share)
			continue;
		if (best < 0 || w->inflight < m->workers[m->gen[best]].inflight)
			best = (int)g;
	}
	if (best >= 0)
		m->rr = (unsigned int)best + 1;
	return best;
}

/*
 * Hand queued requests to the current generation, each to its least busy
 * worker, while the daemon has fewer than max_inflight in flight: an old
 * generation still draining after a reload counts too, so the bound (and
 * the memory it stands for) holds across a reload.
 */
static void dispatch(struct monitor *m)
{
	unsigned int total = 0;
	uint64_t skip = 0;	/* workers whose socket failed: gone, as poll will say */
	struct mreq *r;
	int best, wi, ret, i;

	for (i = 0; i < MAX_WORKERS; i++)
		total += m->workers[i].inflight;
	while (!m->stopping && total < m->cfg->max_inflight &&
	       (best = least_busy(m, skip)) >= 0 && (r = queue_pop(m))) {
		wi = m->gen[best];
		ret = wsend(m, wi, KP_REQUEST, req_id(m, r), r->msg, r->msg_len, r->fd);
		explicit_bzero(r->msg, r->msg_len);
		free(r->msg);
		r->msg = NULL;
		if (ret) {
			req_done(m, r, EIO, NULL, "could not reach the worker");
			skip |= 1ull << best;
			continue;
		}
		r->worker = wi;
		m->workers[wi].inflight++;
		total++;
	}
	m->stats.v[STAT_inflight] = total;
}

static struct mreq *req_alloc(struct monitor *m)
{
	unsigned int i;

	for (i = 0; i < m->n_reqs; i++) {
		struct mreq *r = &m->reqs[i];

		/* A slot still chained in the FIFO waits until it is popped. */
		if (!r->used && !r->linked) {
			r->used = true;
			r->queued = false;
			r->worker = -1;
			r->cred = NULL;
			r->msg = NULL;
			m->used++;
			return r;
		}
	}
	return NULL;
}

/* Take every pending request from the kernel (gotcha 5: drain). */
static void accept_all(struct monitor *m)
{
	struct ktls_request kreq;
	struct mreq *r;
	const char *why = NULL;
	int32_t held;
	int ret, status;

	unsigned int failures = 0;

	m->last_drain_ms = now_ms();
	while (m->used < m->n_reqs && !m->stopping) {
		ret = ktls_nl_accept(m->nl_req, &kreq);
		if (ret == -EAGAIN)
			break;
		if (ret) {
			log_warnx("ACCEPT failed: %s", strerror(-ret));
			/* The kernel may have linked a keyring before it failed. */
			(void)!ktls_keyring_take_request(0, &held);
			ktls_keyring_release(held);
			/*
			 * One bad request (the kernel failed it with EIO for its
			 * consumer) must not hold up those behind it: try on,
			 * but not forever.
			 */
			if (++failures < 16)
				continue;
			break;
		}
		/*
		 * The keyring the kernel linked for this request: kernels
		 * before 6.17 do not name it, and searching every linked
		 * keyring could find another consumer's PSK (gotcha 8).
		 */
		if (ktls_keyring_take_request(kreq.keyring_serial, &held))
			log_warnx("cannot tell the request's keyring apart; PSKs are searched in all");
		if (!kreq.keyring_serial)
			kreq.keyring_serial = held;
		stats_inc(&m->stats, STAT_requests_accepted);
		r = req_alloc(m);
		r->fd = kreq.sockfd;
		r->kreq = kreq;
		r->held_keyring = held;
		r->accepted_ms = now_ms();
		why = NULL;
		status = req_prepare(m, r, &why);
		if (status) {
			stats_inc(&m->stats, STAT_requests_rejected);
			req_done(m, r, status, NULL, why);
			continue;
		}
		queue_push(m, r);
	}
	dispatch(m);
}

/* ---------- answers to the worker ---------- */

static void on_sign(struct monitor *m, int wi, uint64_t id, const struct kp_sign *s)
{
	struct mreq *r = req_by_id(m, id);
	struct ktls_credential *cred;
	struct kp_signed out;
	uint8_t fp[32];
	size_t len = sizeof(out.sig);

	memset(&out, 0, sizeof(out));
	if (!r || r->worker != wi || s->tbs_len > sizeof(s->tbs)) {
		out.status = KTLS_E_INVALID;
		goto reply;
	}
	cred = r->cred ? r->cred : m->workers[wi].cred[r->role];
	/* The certificate the worker sent must be the one this key goes with. */
	if (!cred || ktls_credential_fingerprint(cred, fp) ||
	    memcmp(fp, s->leaf_sha256, sizeof(fp))) {
		out.status = KTLS_E_NOKEY;
		goto reply;
	}
	out.status = ktls_credential_sign(cred, s->scheme, s->tbs, s->tbs_len, out.sig, &len);
	if (!out.status)
		out.sig_len = (uint16_t)len;
	stats_inc(&m->stats, STAT_signatures);
reply:
	if (wsend(m, wi, KP_SIGNED, id, &out, sizeof(out), -1))
		log_warnx("cannot answer the worker");
}

static void on_psk_lookup(struct monitor *m, int wi, uint64_t id,
			  const struct kp_psk_lookup *l)
{
	struct mreq *r = req_by_id(m, id);
	struct kp_psk_answer out;
	struct ktls_keyring_psk psk;
	char identity[KTLS_MAX_PSK_IDENTITY + 1];
	int32_t ring;
	int ret;

	memset(&out, 0, sizeof(out));
	out.status = KTLS_E_ALERT_unknown_psk_identity;
	if (!r || r->worker != wi || l->identity_len > KTLS_MAX_PSK_IDENTITY ||
	    memchr(l->identity, 0, l->identity_len))
		goto reply;
	memcpy(identity, l->identity, l->identity_len);
	identity[l->identity_len] = 0;
	/*
	 * Search the request's own keyring (named by the kernel, or the one
	 * it linked at ACCEPT), else every keyring we hold.
	 */
	ring = r->kreq.keyring_serial > 0 ? r->kreq.keyring_serial : KEY_SPEC_PROCESS_KEYRING;
	stats_inc(&m->stats, STAT_psk_lookups);
	ret = ktls_keyring_search_psk(ring, identity, 0, &psk);
	if (ret) {
		log_debug("PSK identity '%s' not found: %s", identity, strerror(-ret));
		goto reply;
	}
	fill_psk(&out.psk, &psk);
	/* The hash comes from the identity the client sent. */
	out.psk.hash = (uint16_t)psk_hash(identity, psk.key_len);
	ktls_keyring_psk_wipe(&psk);
	out.status = 0;
reply:
	if (wsend(m, wi, KP_PSK, id, &out, sizeof(out), -1))
		log_warnx("cannot answer the worker");
	explicit_bzero(&out, sizeof(out));
}

/* Read what worker @wi sent. Return: -1 once its socket is closed or broken. */
static int on_worker_msg(struct monitor *m, int wi)
{
	struct mworker *w = &m->workers[wi];
	uint8_t buf[sizeof(struct kp_hdr) + sizeof(struct kp_sign) + 64];
	struct kp_hdr hdr;
	struct mreq *r;
	ssize_t n;

	for (;;) {
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
		case KP_SIGN:
			if (hdr.len == sizeof(struct kp_sign))
				on_sign(m, wi, hdr.id, (const void *)(buf + sizeof(hdr)));
			break;
		case KP_PSK_LOOKUP:
			if (hdr.len == sizeof(struct kp_psk_lookup))
				on_psk_lookup(m, wi, hdr.id, (const void *)(buf + sizeof(hdr)));
			break;
		case KP_RESULT:
			r = req_by_id(m, hdr.id);
			if (r && r->worker == wi && hdr.len == sizeof(struct kp_result)) {
				struct kp_result res;

				memcpy(&res, buf + sizeof(hdr), sizeof(res));
				res.detail[sizeof(res.detail) - 1] = 0;
				/* Only errnos DONE may carry (positive, <= 4095). */
				if (res.status < 0 || res.status > 4095)
					res.status = EIO;
				req_done(m, r, res.status, &res, NULL);
			}
			break;
		default:
			log_warnx("unexpected message %u from worker %d", hdr.type, (int)w->pid);
			break;
		}
	}
}

/* ---------- life cycle ---------- */

/* Its socket closed or broke: the worker crashed (or left after draining). */
static void worker_gone(struct monitor *m, int wi)
{
	if (!m->workers[wi].draining)
		log_warnx("worker %d went away", (int)m->workers[wi].pid);
	worker_forget(m, wi, "worker went away");
}

static void reap(struct monitor *m)
{
	pid_t pid;
	int st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < MAX_WORKERS; i++) {
			if (m->workers[i].pid != pid)
				continue;
			if (!m->workers[i].draining || WIFSIGNALED(st) || WEXITSTATUS(st))
				log_warnx("worker %d exited (status %d)", (int)pid, st);
			/*
			 * Its last results may still wait in the socket (a
			 * drained worker leaves right after sending them):
			 * take them before answering the rest.
			 */
			if (m->workers[i].sock >= 0) {
				(void)on_worker_msg(m, i);
				worker_forget(m, i, "worker exited");
			}
			m->workers[i].pid = 0;
		}
	}
}

/*
 * A worker of the current generation that died gets a new one in its
 * slot, but not in a tight loop: at most RESTARTS_MAX in a window. The
 * loop calls this on every turn, so a slot refused now is filled once the
 * window has passed (poll wakes at least every DRAIN_INTERVAL_MS).
 */
static void restart_workers(struct monitor *m)
{
	uint64_t now = now_ms();
	unsigned int g;
	int wi;

	for (g = 0; g < m->n_gen && !m->stopping; g++) {
		wi = m->gen[g];
		if (m->workers[wi].pid > 0 || m->workers[wi].sock >= 0)
			continue;
		if (now - m->restart_window_ms > RESTART_WINDOW_MS) {
			m->restart_window_ms = now;
			m->restarts_recent = 0;
		}
		if (m->restarts_recent >= RESTARTS_MAX)
			return;
		m->restarts_recent++;
		stats_inc(&m->stats, STAT_worker_restarts);
		(void)!worker_spawn(m, wi, m->cfg, m->n_gen);
	}
}

static bool in_generation(const struct monitor *m, int wi)
{
	unsigned int g;

	for (g = 0; g < m->n_gen; g++)
		if (m->gen[g] == wi)
			return true;
	return false;
}

/* Find @n free worker slots for a new generation; false if there are not. */
static bool free_worker_slots(const struct monitor *m, int *slots, unsigned int n)
{
	unsigned int found = 0;
	int i;

	for (i = 0; i < MAX_WORKERS && found < n; i++)
		if (!in_generation(m, i) && m->workers[i].pid <= 0 && m->workers[i].sock < 0)
			slots[found++] = i;
	return found == n;
}

/*
 * Start a generation of @n workers with @cfg in @slots; it becomes the
 * current one. Return: how many started.
 */
static unsigned int start_generation(struct monitor *m, const struct kcfg *cfg,
				     const int *slots, unsigned int n)
{
	unsigned int g, started = 0;

	for (g = 0; g < n; g++)
		if (worker_spawn(m, slots[g], cfg, n) == 0)
			started++;
	if (!started)
		return 0;
	/* A slot whose spawn failed stays in; restart_workers() retries it. */
	memcpy(m->gen, slots, n * sizeof(*slots));
	m->n_gen = n;
	return started;
}

static void reload(struct monitor *m)
{
	struct kcfg *fresh;
	struct ktls_credential *probe[2];
	char err[KCFG_ERR_MAX];
	int old[KCFG_MAX_WORKERS], slots[KCFG_MAX_WORKERS];
	unsigned int g, n, n_old = m->n_gen;

	if (m->stopping)
		return;	/* new workers would only be told to stop */
	fresh = calloc(1, sizeof(*fresh));
	notify_reloading();
	if (!fresh || kcfg_load(m->opts->config_path, fresh, err)) {
		log_warnx("reload refused, keeping the old configuration: %s",
			  fresh ? err : "out of memory");
		stats_inc(&m->stats, STAT_reloads_failed);
		goto out;
	}
	if (kcfg_apply_cipher_mask(fresh, m->cipher_mask)) {
		log_warnx("reload refused: no configured cipher suite can be installed");
		stats_inc(&m->stats, STAT_reloads_failed);
		goto out;
	}
	if (load_sign_creds(fresh, probe)) {
		log_warnx("reload refused, keeping the old configuration: bad certificate or key");
		stats_inc(&m->stats, STAT_reloads_failed);
		goto out;
	}
	ktls_credential_free(probe[0]);
	ktls_credential_free(probe[1]);
	n = kcfg_workers(fresh);
	if (!free_worker_slots(m, slots, n)) {
		log_warnx("reload refused: too many workers still draining for %u new ones", n);
		stats_inc(&m->stats, STAT_reloads_failed);
		goto out;
	}
	memcpy(old, m->gen, n_old * sizeof(*old));
	if (!start_generation(m, fresh, slots, n)) {
		log_warnx("reload refused: no worker of the new configuration started");
		stats_inc(&m->stats, STAT_reloads_failed);
		goto out;
	}
	*m->cfg = *fresh;
	log_set_level(m->cfg->loglevel > 0 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	kcfg_log_warnings(m->cfg);
	/* New requests go to the new generation; the old one finishes its own. */
	for (g = 0; g < n_old; g++) {
		m->workers[old[g]].draining = true;
		if (m->workers[old[g]].sock >= 0)
			(void)!wsend(m, old[g], KP_RELOAD, 0, NULL, 0, -1);
	}
	stats_inc(&m->stats, STAT_reloads);
	log_info("configuration reloaded from %s, %u workers",
		 m->cfg->source[0] ? m->cfg->source : "defaults", n);
	dispatch(m);
out:
	free(fresh);
	notify_ready();
}

static void expire(struct monitor *m)
{
	uint64_t now = now_ms();
	unsigned int i, seen = 0, used = m->used;

	/* Stop once every request in use was seen: the table is mostly empty. */
	for (i = 0; i < m->n_reqs && seen < used; i++) {
		struct mreq *r = &m->reqs[i];

		if (!r->used)
			continue;
		seen++;
		/* Queued past its deadline, or a worker that never answered. */
		if (r->queued && now >= r->deadline_ms)
			req_done(m, r, ETIMEDOUT, NULL, "deadline passed while queued");
		else if (r->worker >= 0 && now >= r->deadline_ms + BACKSTOP_MS)
			req_done(m, r, ETIMEDOUT, NULL, "worker did not answer in time");
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
	m->stop_deadline_ms = now_ms() + 3000;
	notify_stopping();
	log_info("stopping: %u requests in hand", m->used);
	while ((r = queue_pop(m)))
		req_done(m, r, ETIMEDOUT, NULL, "ktlsd stopping");
	for (i = 0; i < MAX_WORKERS; i++)
		if (m->workers[i].sock >= 0 && !m->workers[i].draining) {
			m->workers[i].draining = true;
			(void)!wsend(m, i, KP_RELOAD, 0, NULL, 0, -1);
		}
}

static int next_timeout(struct monitor *m)
{
	uint64_t now = now_ms(), next = m->last_drain_ms + DRAIN_INTERVAL_MS;
	unsigned int i, seen = 0;

	for (i = 0; i < m->n_reqs && seen < m->used; i++) {
		const struct mreq *r = &m->reqs[i];

		if (!r->used)
			continue;
		seen++;
		if (r->queued && r->deadline_ms < next)
			next = r->deadline_ms;
		else if (r->worker >= 0 && r->deadline_ms + BACKSTOP_MS < next)
			next = r->deadline_ms + BACKSTOP_MS;
	}
	return next <= now ? 0 : (int)(next - now);
}

int kcfg_apply_cipher_mask(struct kcfg *cfg, unsigned int mask)
{
	static const uint16_t all[] = { KTLS_AES_128_GCM_SHA256, KTLS_AES_256_GCM_SHA384,
					KTLS_CHACHA20_POLY1305_SHA256, KTLS_AES_128_CCM_SHA256 };
	size_t i, n;

	if (!cfg->n_suites)
		for (i = 0; i < 4; i++)
			cfg->suites[cfg->n_suites++] = all[i];
	for (i = 0, n = 0; i < cfg->n_suites; i++)
		if (mask & ktls_glue_cipher_bit(cfg->suites[i]))
			cfg->suites[n++] = cfg->suites[i];
	cfg->n_suites = n;
	return n ? 0 : -1;
}

/* The statistics socket: each connection gets key=value lines, then EOF. */
static void stats_open(struct monitor *m)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = m->cfg->stats_socket;
	int fd;

	m->stats_fd = -1;
	if (!path[0])
		return;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("statistics socket path too long: %s", path);
		return;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("statistics socket");
		return;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 16)) {
		log_warn("statistics socket %s", path);
		close(fd);
		return;
	}
	/* Counters are not secret; anyone on the machine may read them. */
	chmod(path, 0666);
	m->stats_fd = fd;
}

static void stats_serve(struct monitor *m)
{
	char buf[4096];
	size_t len;
	int c;

	while ((c = accept4(m->stats_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		len = stats_format_kv(&m->stats, buf, sizeof(buf));
		if (len >= sizeof(buf))
			len = strlen(buf);
		/* A reader too slow for 4 KiB in one go gets what fits. */
		(void)!send(c, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(c);
	}
}

static int setup_kernel(struct monitor *m)
{
	struct ktls_nl_caps caps;
	unsigned int mask = 0, linked = 0;
	size_t i;
	int ret;

	ret = ktls_nl_open(&m->nl_mc, KTLS_NL_SUBSCRIBE);
	if (ret == -ENOENT) {
		log_warnx("the kernel has no handshake netlink family (CONFIG_NET_HANDSHAKE)");
		return -1;
	}
	if (!ret)
		ret = ktls_nl_open(&m->nl_req, 0);
	if (ret) {
		log_warnx("netlink: %s", strerror(-ret));
		return -1;
	}
	if (ktls_nl_probe(m->nl_req, &caps) == 0)
		ktls_nl_set_caps(m->nl_req, &caps);
	/* Loads the tls module too (we still hold CAP_NET_ADMIN here). */
	if (ktls_glue_probe_ciphers(&mask) || !mask) {
		log_warnx("kernel TLS is not available (CONFIG_TLS, module tls)");
		return -1;
	}
	m->cipher_mask = mask;
	if (kcfg_apply_cipher_mask(m->cfg, mask)) {
		log_warnx("none of the configured cipher suites can be installed by this kernel");
		return -1;
	}
	if (ktls_keyring_link_defaults(&linked))
		log_debug("could not link the default keyrings");
	for (i = 0; i < m->cfg->n_keyrings; i++) {
		int32_t serial;

		if (ktls_keyring_link_named(m->cfg->keyrings[i], &serial))
			log_warnx("keyring %s not found", m->cfg->keyrings[i]);
	}
	return 0;
}

int monitor_main(const struct monitor_opts *opts, struct kcfg *cfg)
{
	struct monitor *m = calloc(1, sizeof(*m));
	struct signalfd_siginfo si;
	int slots[KCFG_MAX_WORKERS];
	unsigned int g, nw;
	sigset_t mask;
	int i;

	if (!m)
		fatalx("out of memory");
	log_set_procname("monitor");
	m->opts = opts;
	m->cfg = cfg;
	m->n_reqs = cfg->max_inflight * 4 < 4096 ? 4096 : cfg->max_inflight * 4;
	m->reqs = calloc(m->n_reqs, sizeof(*m->reqs));
	if (!m->reqs)
		fatalx("out of memory");
	for (i = 0; i < MAX_WORKERS; i++)
		m->workers[i].sock = -1;

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

	if (setup_kernel(m))
		return 1;
	stats_open(m);
	nw = kcfg_workers(cfg);
	for (g = 0; g < nw; g++)
		slots[g] = (int)g;
	if (!start_generation(m, cfg, slots, nw))
		return 1;
	notify_ready();
	log_info("ready: %s, %u workers, up to %u handshakes in flight",
		 cfg->source[0] ? cfg->source : "built-in defaults", nw, cfg->max_inflight);
	accept_all(m);

	while (!m->stopping || m->used) {
		struct pollfd pfd[3 + MAX_WORKERS];
		int widx[3 + MAX_WORKERS];
		int stats_idx = -1;
		int n = 0, ret;
		unsigned int nready = 0;

		pfd[n].fd = ktls_nl_fd(m->nl_mc);
		pfd[n++].events = POLLIN;
		pfd[n].fd = m->sigfd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < MAX_WORKERS; i++) {
			if (m->workers[i].sock < 0)
				continue;
			widx[n] = i;
			pfd[n].fd = m->workers[i].sock;
			pfd[n++].events = POLLIN | (m->workers[i].out_head ? POLLOUT : 0);
		}
		if (m->stats_fd >= 0) {
			stats_idx = n;
			pfd[n].fd = m->stats_fd;
			pfd[n++].events = POLLIN;
		}
		ret = poll(pfd, (nfds_t)n, next_timeout(m));
		if (ret < 0 && errno != EINTR)
			fatal("poll");
		if (pfd[1].revents & POLLIN) {
			while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					begin_stop(m);
				else if (si.ssi_signo == SIGHUP || si.ssi_signo == SIGUSR1)
					reload(m);
				else if (si.ssi_signo == SIGCHLD)
					reap(m);
			}
		}
		if (stats_idx >= 0 && (pfd[stats_idx].revents & POLLIN))
			stats_serve(m);
		for (i = 2; i < n; i++) {
			/* Also skip a worker forgotten since poll (reaped, say). */
			if (i == stats_idx || m->workers[widx[i]].sock < 0)
				continue;
			if (pfd[i].revents & POLLOUT)
				wflush(m, widx[i]);
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    on_worker_msg(m, widx[i]))
				worker_gone(m, widx[i]);
		}
		if (pfd[0].revents & POLLIN) {
			ret = ktls_nl_recv_ready(m->nl_mc, &nready);
			if (ret == -ENOBUFS) {
				/* READYs were lost: the queue still has them. */
				stats_inc(&m->stats, STAT_netlink_overruns);
				nready = 1;
			}
			if (nready)
				accept_all(m);
		}
		expire(m);
		if (m->stopping && now_ms() >= m->stop_deadline_ms)
			break;
		if (now_ms() - m->last_drain_ms >= DRAIN_INTERVAL_MS)
			accept_all(m);
		/* Old workers leave once they have nothing in hand. */
		for (i = 0; i < MAX_WORKERS; i++)
			if (m->workers[i].draining && !m->workers[i].inflight &&
			    m->workers[i].pid > 0 && m->workers[i].sock >= 0) {
				pid_t pid = m->workers[i].pid;

				worker_forget(m, i, "worker drained");
				m->workers[i].pid = pid;	/* reaped later */
				m->workers[i].draining = true;
			}
		restart_workers(m);
		dispatch(m);
	}
	/* Whatever is still in hand gets an answer, not a consumer timeout. */
	for (i = 0; i < (int)m->n_reqs; i++)
		if (m->reqs[i].used)
			req_done(m, &m->reqs[i], ETIMEDOUT, NULL, "ktlsd stopping");
	for (i = 0; i < MAX_WORKERS; i++)
		if (m->workers[i].pid > 0)
			kill(m->workers[i].pid, SIGTERM);
	if (m->stats_fd >= 0)
		unlink(m->cfg->stats_socket);
	return 0;
}
