// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One handshake in the worker (see conn.h): the request turned into an
 * engine connection, signing and PSK lookups sent to the monitor, kernel
 * TLS installed with the pulled keys, and the DONE status decided.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "handshake-uapi.h"
#include "ktls.h"
#include "log.h"

static const char *const conn_state_names[CONN_STATE_COUNT] = {
	[CONN_FREE] = "free",
	[CONN_HANDSHAKING] = "handshaking",
	[CONN_WAITING] = "waiting_for_monitor",
	[CONN_FLUSHING] = "flushing",
	[CONN_DRAINING] = "draining",
};

const char *conn_state_name(enum conn_state s)
{
	return (unsigned int)s < CONN_STATE_COUNT ? conn_state_names[s] : "unknown";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * ops->sign_hash: the private key lives in the monitor, which builds the
 * CertificateVerify content from the hash for the request's role.
 */
static int conn_sign(void *ctx, const struct ktls_credential *cred,
		     enum ktls_role role, uint16_t scheme, const uint8_t *th,
		     size_t th_len, uint8_t *sig, size_t *sig_len)
{
	struct conn *c = ctx;
	struct kp_sign s;
	int ret;

	if (th_len > sizeof(s.th))
		return KTLS_E_INTERNAL;
	memset(&s, 0, sizeof(s));
	s.scheme = scheme;
	s.th_len = (uint16_t)th_len;
	memcpy(s.th, th, th_len);
	ret = ktls_credential_fingerprint(cred, s.leaf_sha256);
	if (ret)
		return ret;
	if (kp_send(c->ms, KP_SIGN, c->id, &s, sizeof(s), -1, 0))
		return KTLS_E_IO;
	c->state = CONN_WAITING;
	return KTLS_E_PENDING;
}

/* cfg->psk_lookup (server): identities are looked up by the monitor. */
static int conn_psk_lookup(void *arg, const uint8_t *identity, size_t len,
			   struct ktls_psk *out)
{
	struct conn *c = arg;
	struct kp_psk_lookup l;

	if (len > sizeof(l.identity))
		return KTLS_E_ALERT_unknown_psk_identity;
	memset(&l, 0, sizeof(l));
	l.identity_len = (uint16_t)len;
	memcpy(l.identity, identity, len);
	if (kp_send(c->ms, KP_PSK_LOOKUP, c->id, &l, sizeof(l), -1, 0))
		return KTLS_E_IO;
	c->state = CONN_WAITING;
	return KTLS_E_PENDING;
}

static int64_t conn_now(void *ctx)
{
	return (int64_t)time(NULL);
}

int conn_start(struct conn *c, struct wconf *wc, int ms, uint64_t id,
	       const struct kp_request *req, const uint8_t *cert,
	       size_t cert_len, int fd)
{
	enum ktls_role role = req->role == KTLS_ROLE_SERVER ? KTLS_ROLE_SERVER
							    : KTLS_ROLE_CLIENT;
	struct ktls_psk psks[KP_MAX_PSKS];
	size_t i;
	int ret;

	memset(&c->result, 0, sizeof(c->result));
	c->id = id;
	c->fd = fd;
	c->ms = ms;
	c->ops = 0;
	c->recv_busy = c->send_busy = c->timer_armed = false;
	c->result_sent = false;
	c->start_ns = now_ns();
	c->role = role;
	c->auth_mode = req->auth_mode;
	c->cred = NULL;
	c->tls = NULL;
	c->nagle_saved = -1;
	c->wc = wc;
	wc->refs++;
	c->state = CONN_HANDSHAKING;

	c->kops = ktls_default_ops;
	c->kops.ctx = c;
	c->kops.now = conn_now;
	c->kops.sign = NULL;
	c->kops.sign_hash = conn_sign;
	c->cfg = wc->base[role];
	c->cfg.cred = NULL;
	c->cfg.psk_lookup = NULL;

	switch (req->auth_mode) {
	case KTLS_HANDSHAKE_AUTH_UNAUTH:
		if (role == KTLS_ROLE_SERVER)
			return EIO;	/* no such thing (as tlshd) */
		break;
	case KTLS_HANDSHAKE_AUTH_X509:
		if (req->cred == KP_CRED_KEYRING) {
			if (ktls_credential_from_der(cert, cert_len, NULL, 0, &c->cred))
				return ENOKEY;
			c->cfg.cred = c->cred;
		} else if (req->cred == KP_CRED_CONFIG) {
			c->cfg.cred = wc->cred[role];
		}
		if (role == KTLS_ROLE_SERVER && !c->cfg.cred)
			return ENOKEY;
		break;
	case KTLS_HANDSHAKE_AUTH_PSK:
		if (role == KTLS_ROLE_SERVER) {
			c->cfg.psk_lookup = conn_psk_lookup;
			c->cfg.psk_lookup_arg = c;
			c->cfg.flags &= ~(KTLS_F_REQUEST_CLIENT_CERT |
					  KTLS_F_REQUIRE_CLIENT_CERT);
		} else if (!req->n_psks) {
			return ENOKEY;
		}
		break;
	default:
		return EIO;
	}

	ret = ktls_conn_new(&c->cfg, &c->kops, role, &c->tls);
	if (ret)
		return EIO;
	if (role == KTLS_ROLE_CLIENT && req->peername[0]) {
		char name[sizeof(req->peername)];

		memcpy(name, req->peername, sizeof(name));
		name[sizeof(name) - 1] = 0;
		if (ktls_conn_set_peer_name(c->tls, name))
			return EINVAL;
	}
	if (role == KTLS_ROLE_CLIENT && req->auth_mode == KTLS_HANDSHAKE_AUTH_PSK) {
		size_t n = req->n_psks < KP_MAX_PSKS ? req->n_psks : KP_MAX_PSKS;

		for (i = 0; i < n; i++) {
			const struct kp_psk *p = &req->psks[i];

			psks[i] = (struct ktls_psk){
				.identity = p->identity,
				.identity_len = p->identity_len,
				.key = p->key,
				.key_len = p->key_len,
				.hash = (enum ktls_hash)p->hash,
				.tag = p->serial,
			};
		}
		ret = ktls_conn_set_psks(c->tls, psks, n);
		memset(psks, 0, sizeof(psks));
		if (ret)
			return ENOKEY;
	}
	/* As tlshd: no Nagle delay while the flights go back and forth. */
	if (ktls_glue_nagle_save(fd, &c->nagle_saved))
		c->nagle_saved = -1;
	ret = ktls_start(c->tls);
	if (ret)
		return ktls_error_errno(ret) ? ktls_error_errno(ret) : EIO;
	return 0;
}

enum conn_want conn_next(struct conn *c)
{
	unsigned int st;

	if (c->state == CONN_WAITING) {
		/* What the engine built before it paused can go out already. */
		st = ktls_status(c->tls);
		return (st & KTLS_HAS_OUTPUT) && !c->send_busy ? CONN_WANT_SEND
								: CONN_WANT_NOTHING;
	}
	if (c->state != CONN_HANDSHAKING && c->state != CONN_FLUSHING)
		return CONN_WANT_NOTHING;
	st = ktls_status(c->tls);
	if (st & KTLS_HAS_OUTPUT)
		return c->send_busy ? CONN_WANT_NOTHING : CONN_WANT_SEND;
	if (c->send_busy)
		return CONN_WANT_NOTHING;
	if (st & (KTLS_DONE | KTLS_FAILED))
		return CONN_WANT_FINISH;
	if (st & KTLS_PENDING)
		return CONN_WANT_NOTHING;
	if (st & KTLS_WANT_INPUT)
		return c->recv_busy ? CONN_WANT_NOTHING : CONN_WANT_RECV;
	return CONN_WANT_NOTHING;
}

static void to_glue(const struct ktls_traffic_keys *k, struct ktls_glue_keys *g)
{
	memset(g, 0, sizeof(*g));
	g->cipher_suite = k->suite;
	memcpy(g->key, k->key, k->key_len);
	g->key_len = k->key_len;
	memcpy(g->iv, k->iv, sizeof(g->iv));
	g->seq = k->seq;
}

/* Kernel TLS on the socket; 0 or a positive errno. */
static int conn_install(struct conn *c, const struct ktls_result *r)
{
	struct ktls_traffic_keys tk, rk;
	struct ktls_glue_keys tx, rx;
	unsigned int max = 0, res = 0;
	int ret;

	if (ktls_get_traffic_keys(c->tls, KTLS_TX, &tk))
		return EIO;
	if (ktls_get_traffic_keys(c->tls, KTLS_RX, &rk)) {
		ktls_traffic_keys_wipe(&tk);
		return EIO;
	}
	to_glue(&tk, &tx);
	to_glue(&rk, &rx);
	ktls_traffic_keys_wipe(&tk);
	ktls_traffic_keys_wipe(&rk);
	/* RFC 8449 §4: the limit counts the inner content type in TLS 1.3. */
	if (r->peer_record_size_limit && r->peer_record_size_limit - 1u < KTLS_MAX_PLAINTEXT)
		max = r->peer_record_size_limit - 1u;
	ret = ktls_glue_install(c->fd, &tx, &rx, max, &res);
	explicit_bzero(&tx, sizeof(tx));
	explicit_bzero(&rx, sizeof(rx));
	/* Once TLS_TX/TLS_RX succeed nothing fallible may follow but DONE. */
	return ret ? EIO : 0;
}

void conn_finish(struct conn *c, int forced_status, const char *why)
{
	struct kp_result *res = &c->result;
	struct ktls_result r;
	int status;

	memset(&r, 0, sizeof(r));
	r.alert_sent = r.alert_received = -1;
	if (c->tls)
		ktls_get_result(c->tls, &r);
	if (forced_status) {
		status = forced_status;
	} else if (ktls_status(c->tls) & KTLS_DONE) {
		status = conn_install(c, &r);
		if (status)
			why = "installing kernel TLS failed";
	} else {
		status = ktls_error_errno(r.error);
		if (!status)
			status = EIO;
		why = ktls_error_detail(c->tls);
	}
	if (c->nagle_saved >= 0 && ktls_glue_nagle_restore(c->fd, c->nagle_saved))
		log_debug("could not restore TCP_NODELAY");

	memset(res, 0, sizeof(*res));
	res->status = status;
	res->error = r.error;
	res->version = r.version;
	res->suite = r.suite;
	res->group = r.group;
	res->sigscheme = r.sigscheme;
	res->alert_sent = (int16_t)r.alert_sent;
	res->alert_received = (int16_t)r.alert_received;
	res->hrr = r.hrr;
	res->peer_verified = r.peer_verified;
	res->psk = r.psk;
	res->usec = (uint32_t)((now_ns() - c->start_ns) / 1000);
	if (!status) {
		/*
		 * REMOTE_AUTH: the PSK's key serial; for a server, a sentinel
		 * only when a client certificate was presented and verified
		 * (never for an absent or unverified one: it would satisfy
		 * xprtsec=mtls).
		 */
		if (r.psk) {
			res->remote[res->n_remote++] = r.psk_tag;
		} else if (c->role == KTLS_ROLE_SERVER && r.peer_cert && r.peer_verified) {
			res->remote[res->n_remote++] = 0xffffffffu;
		}
	}
	if (why)
		snprintf(res->detail, sizeof(res->detail), "%s", why);
	c->state = CONN_DRAINING;
}

void conn_signed(struct conn *c, const struct kp_signed *s)
{
	size_t len = s->sig_len <= sizeof(s->sig) ? s->sig_len : 0;

	if (c->state != CONN_WAITING)
		return;
	c->state = CONN_HANDSHAKING;
	(void)!ktls_signature_done(c->tls, s->status ? s->status : (len ? 0 : KTLS_E_INTERNAL),
				   s->sig, len);
}

void conn_psk(struct conn *c, const struct kp_psk_answer *a)
{
	struct ktls_psk p = {
		.identity = a->psk.identity,
		.identity_len = a->psk.identity_len <= KTLS_MAX_PSK_IDENTITY ? a->psk.identity_len : 0,
		.key = a->psk.key,
		.key_len = a->psk.key_len <= KTLS_MAX_PSK_KEY ? a->psk.key_len : 0,
		.hash = (enum ktls_hash)a->psk.hash,
		.tag = a->psk.serial,
	};

	if (c->state != CONN_WAITING)
		return;
	c->state = CONN_HANDSHAKING;
	(void)!ktls_psk_lookup_done(c->tls, a->status, a->status ? NULL : &p);
	explicit_bzero(&p, sizeof(p));
}

void conn_release(struct conn *c)
{
	ktls_conn_free(c->tls);
	c->tls = NULL;
	ktls_credential_free(c->cred);
	c->cred = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->wc)
		c->wc->refs--;
	c->wc = NULL;
	c->state = CONN_FREE;
	c->gen++;
}
