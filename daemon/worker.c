// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The worker's io_uring loop (modelled on liburing's echo-server example):
 * a recvmsg on the monitor socket for requests and answers, and per
 * handshake a recv of exactly the bytes the engine asks for, a send of its
 * flights, and a timeout for its deadline. user_data packs the operation,
 * the connection slot and its generation, so a late completion never acts
 * on a reused slot; a slot's memory is released only when its last
 * operation has completed, because the kernel may still write into it.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "conn.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"

enum wop {
	WOP_MONITOR = 1,	/* recvmsg from the monitor */
	WOP_RECV,
	WOP_SEND,
	WOP_TIMEOUT,
	WOP_CANCEL,		/* cancels and timeout removals: ignored */
	WOP_SIGNAL,
};

#define UD(op, slot, gen) (((uint64_t)(op) << 56) | ((uint64_t)(slot) << 32) | (gen))
#define UD_OP(ud) ((unsigned int)((ud) >> 56))
#define UD_SLOT(ud) ((unsigned int)(((ud) >> 32) & 0xffffff))
#define UD_GEN(ud) ((uint32_t)(ud))

struct worker {
	struct io_uring ring;
	int ms;
	struct wconf *wc;
	struct conn *conns;
	unsigned int n_conns, used;
	bool draining, monitor_gone;
	int sigfd;
	struct signalfd_siginfo si;
	/* the one outstanding recvmsg on the monitor socket */
	uint8_t mbuf[KP_MAX_MSG];
	struct iovec miov;
	struct msghdr mmsg;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} mctl;
};

static struct io_uring_sqe *get_sqe(struct worker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	if (!sqe) {
		/* Ring full: hand what we have to the kernel and retry. */
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	if (!sqe)
		fatalx("io_uring submission queue stuck");
	return sqe;
}

static void arm_monitor(struct worker *w)
{
	struct io_uring_sqe *sqe = get_sqe(w);

	w->miov.iov_base = w->mbuf;
	w->miov.iov_len = sizeof(w->mbuf);
	memset(&w->mmsg, 0, sizeof(w->mmsg));
	w->mmsg.msg_iov = &w->miov;
	w->mmsg.msg_iovlen = 1;
	w->mmsg.msg_control = w->mctl.buf;
	w->mmsg.msg_controllen = sizeof(w->mctl.buf);
	io_uring_prep_recvmsg(sqe, w->ms, &w->mmsg, MSG_CMSG_CLOEXEC);
	io_uring_sqe_set_data64(sqe, UD(WOP_MONITOR, 0, 0));
}

static void arm_signal(struct worker *w)
{
	struct io_uring_sqe *sqe = get_sqe(w);

	io_uring_prep_read(sqe, w->sigfd, &w->si, sizeof(w->si), 0);
	io_uring_sqe_set_data64(sqe, UD(WOP_SIGNAL, 0, 0));
}

static unsigned int slot_of(struct worker *w, struct conn *c)
{
	return (unsigned int)(c - w->conns);
}

static void cancel_ops(struct worker *w, struct conn *c)
{
	unsigned int slot = slot_of(w, c);
	struct io_uring_sqe *sqe;

	if (c->recv_busy) {
		sqe = get_sqe(w);
		io_uring_prep_cancel64(sqe, UD(WOP_RECV, slot, c->gen), 0);
		io_uring_sqe_set_data64(sqe, UD(WOP_CANCEL, slot, c->gen));
	}
	if (c->send_busy) {
		sqe = get_sqe(w);
		io_uring_prep_cancel64(sqe, UD(WOP_SEND, slot, c->gen), 0);
		io_uring_sqe_set_data64(sqe, UD(WOP_CANCEL, slot, c->gen));
	}
	if (c->timer_armed) {
		sqe = get_sqe(w);
		io_uring_prep_timeout_remove(sqe, UD(WOP_TIMEOUT, slot, c->gen), 0);
		io_uring_sqe_set_data64(sqe, UD(WOP_CANCEL, slot, c->gen));
	}
}

/* Free the slot once nothing the kernel does can touch it any more. */
static void maybe_release(struct worker *w, struct conn *c)
{
	if (c->state != CONN_DRAINING || c->ops)
		return;
	conn_release(c);
	w->used--;
}

/*
 * The socket is the kernel's again: our copy goes now, unless an operation
 * of ours may still be queued on it (prepared but not yet submitted). Then
 * the number must stay taken until that operation completes, or a socket
 * the monitor sends meanwhile could be given it and that operation would
 * act on the new socket; conn_release() closes it then.
 */
static void drop_fd(struct conn *c)
{
	if (c->fd >= 0 && !c->ops) {
		close(c->fd);
		c->fd = -1;
	}
}

/* Report and wind down a handshake (any state but FREE/DRAINING). */
static void finish(struct worker *w, struct conn *c, int forced, const char *why)
{
	int ret;

	conn_finish(c, forced, why);
	drop_fd(c);
	ret = kp_send(w->ms, KP_RESULT, c->id, &c->result, sizeof(c->result), -1, 0);
	if (ret)
		log_warnx("cannot report request %llu to the monitor: %s",
			  (unsigned long long)c->id, strerror(-ret));
	c->result_sent = true;
	cancel_ops(w, c);
	maybe_release(w, c);
}

/*
 * KP_CANCEL: the monitor has already sent DONE for this handshake (its
 * backstop), so drop it the way a deadline would, but report nothing and
 * install nothing: the monitor's answer stands.
 */
static void cancel_conn(struct worker *w, struct conn *c)
{
	log_debug("request %llu cancelled by the monitor", (unsigned long long)c->id);
	drop_fd(c);
	c->state = CONN_DRAINING;
	c->result_sent = true;
	cancel_ops(w, c);
	maybe_release(w, c);
}

/* Give the engine whatever I/O it asks for next. */
static void step(struct worker *w, struct conn *c)
{
	unsigned int slot = slot_of(w, c);
	struct io_uring_sqe *sqe;
	const uint8_t *out;
	uint8_t *in;
	size_t len;

	for (;;) {
		switch (conn_next(c)) {
		case CONN_WANT_SEND:
			out = ktls_output(c->tls, &len);
			sqe = get_sqe(w);
			io_uring_prep_send(sqe, c->fd, out, len, MSG_NOSIGNAL);
			io_uring_sqe_set_data64(sqe, UD(WOP_SEND, slot, c->gen));
			c->send_busy = true;
			c->ops++;
			continue;
		case CONN_WANT_RECV:
			/* Exactly the rest of the current record, never more. */
			in = ktls_input_space(c->tls, &len);
			sqe = get_sqe(w);
			io_uring_prep_recv(sqe, c->fd, in, len, 0);
			io_uring_sqe_set_data64(sqe, UD(WOP_RECV, slot, c->gen));
			c->recv_busy = true;
			c->ops++;
			continue;
		case CONN_WANT_FINISH:
			finish(w, c, 0, NULL);
			return;
		case CONN_WANT_NOTHING:
			return;
		}
	}
}

static struct conn *conn_by_id(struct worker *w, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < w->n_conns; i++)
		if (w->conns[i].state != CONN_FREE &&
		    w->conns[i].state != CONN_DRAINING && w->conns[i].id == id)
			return &w->conns[i];
	return NULL;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_request(struct worker *w, uint64_t id, const uint8_t *p,
		       size_t len, int fd)
{
	const struct kp_request *req = (const void *)p;
	const char *why = "worker refused the request";
	struct kp_result res;
	struct conn *c = NULL;
	uint32_t budget;
	uint64_t now;
	unsigned int i;
	int status;

	if (len < sizeof(*req) || req->cert_len > KP_MAX_CERT ||
	    len != sizeof(*req) + req->cert_len || req->n_psks > KP_MAX_PSKS || fd < 0) {
		log_warnx("malformed request %llu from the monitor", (unsigned long long)id);
		status = EIO;
		goto fail;
	}
	/*
	 * What is left of the budget that started at ACCEPT: under load the
	 * request may have waited here for a while, and the monitor answers
	 * it at its deadline anyway. Never work on an answered request.
	 */
	budget = req->timeout_ms;
	if (req->deadline_ms) {
		now = mono_ms();
		if (now >= req->deadline_ms) {
			status = ETIMEDOUT;
			why = "deadline passed before the handshake started";
			goto fail;
		}
		if (req->deadline_ms - now < budget)
			budget = (uint32_t)(req->deadline_ms - now);
	}
	for (i = 0; i < w->n_conns && !c; i++)
		if (w->conns[i].state == CONN_FREE)
			c = &w->conns[i];
	if (!c) {
		/*
		 * The monitor keeps count and sizes us with room to spare:
		 * this is a local fault, not the peer's.
		 */
		status = EIO;
		why = "no free slot in the worker";
		log_warnx("request %llu: all %u slots taken", (unsigned long long)id,
			  w->n_conns);
		goto fail;
	}
	w->used++;
	status = conn_start(c, w->wc, w->ms, id, req, p + sizeof(*req),
			    req->cert_len, fd);
	if (status) {
		finish(w, c, status, "request could not be set up");
		return;
	}
	/* The deadline: a linked timeout of the whole handshake. */
	c->timeout.tv_sec = budget / 1000;
	c->timeout.tv_nsec = (long long)(budget % 1000) * 1000000;
	{
		struct io_uring_sqe *sqe = get_sqe(w);

		io_uring_prep_timeout(sqe, &c->timeout, 0, 0);
		io_uring_sqe_set_data64(sqe, UD(WOP_TIMEOUT, slot_of(w, c), c->gen));
		c->timer_armed = true;
		c->ops++;
	}
	step(w, c);
	return;
fail:
	if (fd >= 0)
		close(fd);
	memset(&res, 0, sizeof(res));
	res.status = status;
	res.alert_sent = res.alert_received = -1;
	snprintf(res.detail, sizeof(res.detail), "%s", why);
	(void)!kp_send(w->ms, KP_RESULT, id, &res, sizeof(res), -1, 0);
}

static void on_monitor(struct worker *w, int res)
{
	struct kp_hdr hdr;
	struct conn *c;
	const uint8_t *p = w->mbuf + sizeof(hdr);
	int fd;

	if (res <= 0) {
		if (res == -EINTR || res == -EAGAIN) {
			arm_monitor(w);
			return;
		}
		/* The monitor is gone: nobody can send DONE for us. */
		w->monitor_gone = true;
		return;
	}
	fd = kp_take_fd(&w->mmsg);
	if ((w->mmsg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    kp_parse(w->mbuf, (size_t)res, &hdr)) {
		log_warnx("malformed message from the monitor");
		if (fd >= 0)
			close(fd);
		arm_monitor(w);
		return;
	}
	switch (hdr.type) {
	case KP_REQUEST:
		on_request(w, hdr.id, p, hdr.len, fd);
		fd = -1;
		/* A client's PSKs: the engine has its copy; none stays here. */
		explicit_bzero(w->mbuf, (size_t)res);
		break;
	case KP_SIGNED:
		c = conn_by_id(w, hdr.id);
		if (c && hdr.len == sizeof(struct kp_signed)) {
			conn_signed(c, (const void *)p);
			step(w, c);
		}
		break;
	case KP_PSK:
		c = conn_by_id(w, hdr.id);
		if (c && hdr.len == sizeof(struct kp_psk_answer)) {
			conn_psk(c, (const void *)p);
			step(w, c);
		}
		explicit_bzero(w->mbuf, (size_t)res);
		break;
	case KP_RELOAD:
		/* The monitor started new workers: finish ours and leave. */
		w->draining = true;
		break;
	case KP_CANCEL:
		/* An id we no longer hold raced with our own result: ignore it. */
		c = conn_by_id(w, hdr.id);
		if (c && hdr.len == 0)
			cancel_conn(w, c);
		break;
	default:
		log_warnx("unexpected message %u from the monitor", hdr.type);
		break;
	}
	if (fd >= 0)
		close(fd);
	arm_monitor(w);
}

static void on_io(struct worker *w, struct conn *c, unsigned int op, int res)
{
	int ret;

	c->ops--;
	if (op == WOP_RECV)
		c->recv_busy = false;
	else if (op == WOP_SEND)
		c->send_busy = false;
	else if (op == WOP_TIMEOUT)
		c->timer_armed = false;

	if (c->state == CONN_DRAINING) {
		maybe_release(w, c);
		return;
	}
	switch (op) {
	case WOP_TIMEOUT:
		if (res == -ETIME)
			finish(w, c, ETIMEDOUT, "handshake deadline passed");
		return;
	case WOP_RECV:
		if (res < 0) {
			/* A reset or a closed peer is a peer that went away. */
			finish(w, c, ETIMEDOUT, "receive failed");
			return;
		}
		ret = ktls_input_ack(c->tls, (size_t)res);
		(void)ret;	/* the engine's status says what follows */
		break;
	case WOP_SEND:
		if (res < 0) {
			finish(w, c, ETIMEDOUT, "send failed");
			return;
		}
		ktls_output_ack(c->tls, (size_t)res);
		break;
	}
	step(w, c);
}

static void on_cqe(struct worker *w, struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	unsigned int op = UD_OP(ud), slot = UD_SLOT(ud);
	struct conn *c;

	switch (op) {
	case WOP_MONITOR:
		on_monitor(w, cqe->res);
		return;
	case WOP_SIGNAL:
		if (w->si.ssi_signo == SIGTERM || w->si.ssi_signo == SIGINT)
			w->draining = true;
		arm_signal(w);
		return;
	case WOP_CANCEL:
		return;
	}
	if (slot >= w->n_conns)
		return;
	c = &w->conns[slot];
	if (c->gen != UD_GEN(ud) || c->state == CONN_FREE)
		return;	/* a stale completion for a reused slot */
	on_io(w, c, op, cqe->res);
}

static int drop_privileges(const char *user)
{
	struct passwd *pw;

	if (!user || !*user)
		return 0;
	pw = getpwnam(user);
	/* Not shared with other daemons, unless the system has no such user. */
	if (!pw && !strcmp(user, KCFG_DEFAULT_USER)) {
		log_warnx("no user %s: the worker runs as %s, which other daemons may share",
			  user, KCFG_FALLBACK_USER);
		user = KCFG_FALLBACK_USER;
		pw = getpwnam(user);
	}
	if (!pw) {
		log_warnx("no user %s to run the worker as", user);
		return -1;
	}
	if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		log_warn("cannot drop privileges to %s", user);
		return -1;
	}
	if (setuid(0) == 0) {
		log_warnx("privileges could be regained: refusing to run");
		return -1;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

unsigned int worker_share(unsigned int max_inflight, unsigned int n)
{
	if (!n)
		n = 1;
	return max_inflight / n + (max_inflight % n != 0);
}

unsigned int worker_slots(unsigned int max_inflight, unsigned int n)
{
	unsigned long twice = 2ul * worker_share(max_inflight, n);

	return (unsigned int)(twice < max_inflight ? twice : max_inflight) +
	       WORKER_SLOTS_SPARE;
}

int worker_main(int ms, const struct kcfg *cfg, const char *user)
{
	struct worker *w;
	struct io_uring_cqe *cqe;
	sigset_t mask;
	char err[256];
	unsigned int i, entries;
	bool restricted;
	int ret;

	log_set_procname("worker");
	w = calloc(1, sizeof(*w));
	if (!w)
		fatalx("out of memory");
	w->ms = ms;
	w->n_conns = cfg->worker_slots ? cfg->worker_slots : cfg->max_inflight;
	if (!w->n_conns)
		w->n_conns = 1;
	w->conns = calloc(w->n_conns, sizeof(*w->conns));
	if (!w->conns)
		fatalx("out of memory");
	for (i = 0; i < w->n_conns; i++)
		w->conns[i].fd = -1;
	if (wconf_build(cfg, &w->wc, err, sizeof(err)))
		fatalx("worker configuration: %s", err);
	w->wc->refs++;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	w->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (w->sigfd < 0)
		fatal("signalfd");

	/* Every handshake may have a recv, a send and a timeout in flight. */
	entries = 64;
	while (entries < 4 * w->n_conns && entries < 32768)
		entries <<= 1;
	/* Only the operations the loop submits (sandbox.c). */
	ret = sandbox_ring_init(entries, &w->ring, IORING_SETUP_SUBMIT_ALL, &restricted);
	if (ret == -EINVAL)	/* kernels before 5.18 lack SUBMIT_ALL */
		ret = sandbox_ring_init(entries, &w->ring, 0, &restricted);
	if (ret < 0)
		fatalx("io_uring_queue_init: %s", strerror(-ret));
	if (!restricted)
		log_warnx("this kernel cannot restrict io_uring operations (before 5.10)");
	log_debug("%u handshake slots, %u ring entries", w->n_conns, entries);

	if (drop_privileges(user))
		fatalx("worker stays unprivileged or does not run");
	/*
	 * From here on no socket, keyring, process or program of its own:
	 * what a peer that took this process over could reach is the
	 * connections it holds.
	 */
	ret = sandbox_seccomp();
	if (ret == -ENOSYS || ret == -EINVAL)
		log_warnx("no seccomp filter for the worker: %s", strerror(-ret));
	else if (ret)
		fatalx("seccomp filter: %s", strerror(-ret));

	arm_monitor(w);
	arm_signal(w);
	while (!(w->draining && w->used == 0) && !w->monitor_gone) {
		unsigned int head, n = 0;

		io_uring_submit_and_wait(&w->ring, 1);
		/*
		 * At most WORKER_CQES_PER_ROUND at a time: the loop re-reads
		 * the tail, so a busy ring would otherwise keep it here and
		 * never submit what the handled CQEs queued. What is left
		 * is still there for the next round, which does not wait.
		 */
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			on_cqe(w, cqe);
			if (++n >= WORKER_CQES_PER_ROUND)
				break;
		}
		io_uring_cq_advance(&w->ring, n);
	}
	if (w->monitor_gone) {
		unsigned int owed = 0;

		/*
		 * A drained worker's socket is closed by the monitor once every
		 * result is in; slots still waiting for their cancellations
		 * are no loss. Only handshakes without a result are.
		 */
		for (i = 0; i < w->n_conns; i++)
			if (w->conns[i].state != CONN_FREE && !w->conns[i].result_sent)
				owed++;
		if (owed)
			log_warnx("monitor went away with %u handshakes in flight", owed);
	}
	io_uring_queue_exit(&w->ring);
	return 0;
}

void wconf_free(struct wconf *wc)
{
	int r;

	if (!wc)
		return;
	for (r = 0; r < 2; r++) {
		ktls_trust_free(wc->trust[r]);
		ktls_credential_free(wc->cred[r]);
	}
	free(wc);
}

static int role_conf(const struct kcfg *cfg, const struct kcfg_role *rc,
		     struct wconf *wc, int role, char *err, size_t errlen)
{
	struct ktls_config *k = &wc->base[role];
	/* Only a trust store meant for them may verify clients. */
	bool verify = role == KTLS_ROLE_CLIENT ||
		      kcfg_client_auth(cfg) != KCFG_CLIENT_AUTH_NONE;
	int ret;

	ktls_config_init(k);
	k->security_level = cfg->security_level;
	if (cfg->n_suites) {
		memcpy(k->suites, cfg->suites, cfg->n_suites * sizeof(uint16_t));
		k->n_suites = cfg->n_suites;
	}
	if (cfg->n_groups) {
		memcpy(k->groups, cfg->groups, cfg->n_groups * sizeof(uint16_t));
		k->n_groups = cfg->n_groups;
	}
	if (cfg->n_sigschemes) {
		memcpy(k->sigschemes, cfg->sigschemes, cfg->n_sigschemes * sizeof(uint16_t));
		k->n_sigschemes = cfg->n_sigschemes;
	}
	ret = verify ? ktls_trust_load(rc->truststore[0] ? rc->truststore : NULL, NULL,
				       rc->crl[0] ? rc->crl : NULL, &wc->trust[role]) : 0;
	if (ret) {
		snprintf(err, errlen, "trust store %s: %s",
			 rc->truststore[0] ? rc->truststore : "(system)", ktls_strerror(ret));
		return -1;
	}
	k->trust = wc->trust[role];
	if (rc->certificate[0]) {
		/* The chain only: the key stays with the monitor. */
		ret = ktls_credential_load_pem(rc->certificate, NULL, &wc->cred[role]);
		if (ret) {
			snprintf(err, errlen, "certificate %s: %s", rc->certificate,
				 ktls_strerror(ret));
			return -1;
		}
	}
	if (role == KTLS_ROLE_SERVER && !verify && rc->require_client_cert) {
		snprintf(err, errlen, "x509.require_client_cert without a server x509.truststore");
		return -1;
	}
	if (role == KTLS_ROLE_SERVER && verify) {
		/* As tlshd: ask for a client certificate, verify it if sent. */
		k->flags |= KTLS_F_REQUEST_CLIENT_CERT;
		if (rc->require_client_cert)
			k->flags |= KTLS_F_REQUIRE_CLIENT_CERT;
	}
	return 0;
}

int wconf_build(const struct kcfg *cfg, struct wconf **out, char *err, size_t errlen)
{
	struct wconf *wc = calloc(1, sizeof(*wc));

	*out = NULL;
	if (!wc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (role_conf(cfg, &cfg->client, wc, KTLS_ROLE_CLIENT, err, errlen) ||
	    role_conf(cfg, &cfg->server, wc, KTLS_ROLE_SERVER, err, errlen)) {
		wconf_free(wc);
		return -1;
	}
	*out = wc;
	return 0;
}
