// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor's keys and PSKs (see secrets.h). Nothing here talks to a
 * worker or the kernel's netlink: it reads keyrings, builds messages and
 * signs (in its own thread); the monitor sends what it returns.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <keyutils.h>

#include "handshake-uapi.h"
#include "keyring.h"
#include "log.h"
#include "secrets.h"

/* ---------- counted credentials ---------- */

struct mcred {
	atomic_uint refs;
	struct ktls_credential *cred;
};

struct mcred *mcred_new(struct ktls_credential *cred)
{
	struct mcred *mc = calloc(1, sizeof(*mc));

	if (!mc) {
		ktls_credential_free(cred);
		return NULL;
	}
	atomic_init(&mc->refs, 1);
	mc->cred = cred;
	return mc;
}

struct mcred *mcred_get(struct mcred *mc)
{
	if (mc)
		atomic_fetch_add(&mc->refs, 1);
	return mc;
}

void mcred_put(struct mcred *mc)
{
	if (!mc || atomic_fetch_sub(&mc->refs, 1) != 1)
		return;
	ktls_credential_free(mc->cred);
	free(mc);
}

int secrets_load_creds(const struct kcfg *cfg, struct mcred *cred[2])
{
	const struct kcfg_role *rc[2] = { &cfg->client, &cfg->server };
	struct ktls_credential *c;
	int r, ret;

	cred[0] = cred[1] = NULL;
	for (r = 0; r < 2; r++) {
		if (!rc[r]->certificate[0] || !rc[r]->private_key[0])
			continue;
		ret = ktls_credential_load_pem(rc[r]->certificate, rc[r]->private_key, &c);
		if (!ret && !(cred[r] = mcred_new(c)))
			ret = KTLS_E_NOMEM;
		if (ret) {
			log_warnx("%s certificate %s / key %s: %s", r ? "server" : "client",
				  rc[r]->certificate, rc[r]->private_key, ktls_strerror(ret));
			secrets_free_creds(cred);
			return -1;
		}
	}
	return 0;
}

void secrets_free_creds(struct mcred *cred[2])
{
	mcred_put(cred[0]);
	mcred_put(cred[1]);
	cred[0] = cred[1] = NULL;
}

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

_Static_assert(KP_MAX_PSKS <= MREQ_MAX_PSK_SERIALS, "a client's PSKs are all remembered");

/* Resolve the request's material; 0 or a positive errno for DONE now. */
int secrets_prepare(const struct kcfg *cfg, struct mreq *r, const char **why)
{
	const struct ktls_request *k = &r->kreq;
	struct kp_request *msg;
	struct ktls_key_blob cert = { 0 }, key = { 0 };
	struct ktls_credential *kc;
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
		timeout = cfg->timeout_psk_ms;
	else if (r->role == KTLS_ROLE_SERVER)
		timeout = cfg->timeout_server_ms;
	else
		timeout = cfg->timeout_client_ms;
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
							       key.len, &kc) ? -ENOKEY : 0;
			if (!ret && !(r->cred = mcred_new(kc)))
				ret = -ENOMEM;
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
		} else if ((r->role == KTLS_ROLE_SERVER ? cfg->server : cfg->client).certificate[0]) {
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
			r->psk_serials[r->n_psk_serials++] = (uint32_t)psk.serial;
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

bool secrets_sign_check(const struct mreq *r, struct mcred *const worker_cred[2],
			const struct kp_sign *s, struct mcred **cred, struct kp_signed *out,
			const char **violation)
{
	struct mcred *mc;
	uint8_t fp[32];

	memset(out, 0, sizeof(*out));
	*cred = NULL;
	*violation = NULL;
	out->status = KTLS_E_INVALID;
	/* Unknown: answered already (a deadline) while the ask was on its way. */
	if (!r)
		return false;
	/* One CertificateVerify per handshake: never a second signature. */
	if (r->signs || r->sign_pending) {
		*violation = "asked for a second signature for one request";
		return false;
	}
	/* PSK and anonymous handshakes have no CertificateVerify of ours. */
	if (r->kreq.auth_mode != KTLS_HANDSHAKE_AUTH_X509) {
		*violation = "asked for a signature for a request without a certificate";
		return false;
	}
	/* A TLS 1.3 transcript hash, nothing else (RFC 8446 §4.4.1). */
	if (s->th_len != 32 && s->th_len != 48) {
		*violation = "asked for a signature over something not a TLS 1.3 transcript hash";
		return false;
	}
	mc = r->cred ? r->cred : worker_cred[r->role == KTLS_ROLE_SERVER];
	/*
	 * The certificate the worker sent must be the one this key goes with
	 * (not a violation: a client request may have none configured, and a
	 * reload may have changed it).
	 */
	if (!mc || ktls_credential_fingerprint(mc->cred, fp) ||
	    memcmp(fp, s->leaf_sha256, sizeof(fp))) {
		out->status = KTLS_E_NOKEY;
		return false;
	}
	*cred = mc;
	return true;
}

/*
 * Where a server request's PSKs may be: its own keyring (named by the
 * kernel, or the one it linked at ACCEPT), else .nvme and the configured
 * keyrings, by name. Never the process keyring: it holds .nfs and .nfsd
 * and every other request's keyring too.
 */
static unsigned int psk_rings(const struct kcfg *cfg, const struct mreq *r,
			      int32_t ring[1 + KCFG_MAX_KEYRINGS])
{
	unsigned int n = 0;
	long s;
	size_t i;

	if (r->kreq.keyring_serial > 0) {
		ring[n++] = r->kreq.keyring_serial;
		return n;
	}
	s = find_key_by_type_and_desc("keyring", ".nvme", 0);
	if (s > 0)
		ring[n++] = (int32_t)s;
	for (i = 0; cfg && i < cfg->n_keyrings && i < KCFG_MAX_KEYRINGS; i++) {
		char *end = NULL;

		errno = 0;
		s = strtol(cfg->keyrings[i], &end, 0);
		if (errno || !end || *end || s <= 0 || s > INT32_MAX)
			s = find_key_by_type_and_desc("keyring", cfg->keyrings[i], 0);
		if (s > 0)
			ring[n++] = (int32_t)s;
	}
	return n;
}

bool secrets_psk_answer(const struct kcfg *cfg, struct mreq *r, const struct kp_psk_lookup *l,
			struct kp_psk_answer *out, const char **violation)
{
	struct ktls_keyring_psk psk;
	char identity[KTLS_MAX_PSK_IDENTITY + 1];
	int32_t ring[1 + KCFG_MAX_KEYRINGS];
	unsigned int n, i;
	int ret = -ENOKEY;

	memset(out, 0, sizeof(*out));
	*violation = NULL;
	out->status = KTLS_E_ALERT_unknown_psk_identity;
	if (!r || l->identity_len == 0 || l->identity_len > KTLS_MAX_PSK_IDENTITY ||
	    memchr(l->identity, 0, l->identity_len))
		return false;
	/*
	 * Only a server PSK request looks identities up (a client's PSKs
	 * come from the kernel's list), and no more often than a ClientHello
	 * can offer identities (RFC 8446 §4.2.11: the engine takes at most
	 * KTLS_MAX_PSKS).
	 */
	if (r->kreq.auth_mode != KTLS_HANDSHAKE_AUTH_PSK || r->role != KTLS_ROLE_SERVER) {
		*violation = "looked up a PSK for a request that has none to look up";
		return false;
	}
	if (r->psk_lookups >= MREQ_MAX_PSK_LOOKUPS) {
		*violation = "looked up more PSKs than two ClientHellos can offer";
		return false;
	}
	r->psk_lookups++;
	memcpy(identity, l->identity, l->identity_len);
	identity[l->identity_len] = 0;
	n = psk_rings(cfg, r, ring);
	/* The identity as sent, in full: no prefix of another (gotcha 9). */
	for (i = 0; i < n && ret; i++)
		ret = ktls_keyring_search_psk(ring[i], identity, KTLS_KEYRING_EXACT_ONLY, &psk);
	if (ret) {
		log_debug("PSK identity '%s' not found: %s", identity, strerror(-ret));
		return true;
	}
	fill_psk(&out->psk, &psk);
	/* The one serial DONE may name for this request (verdict.c). */
	if (r->n_psk_serials < MREQ_MAX_PSK_SERIALS)
		r->psk_serials[r->n_psk_serials++] = (uint32_t)psk.serial;
	/* The hash comes from the identity the client sent. */
	out->psk.hash = (uint16_t)psk_hash(identity, psk.key_len);
	ktls_keyring_psk_wipe(&psk);
	out->status = 0;
	return true;
}

/* ---------- the signer thread ---------- */

struct sjob {
	struct sjob *next;
	struct mcred *cred;
	enum ktls_role role;
	struct kp_sign in;
	struct signer_answer a;
};

struct signer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sjob *head[RQ_CLASSES], *tail[RQ_CLASSES];
	unsigned int n[RQ_CLASSES];
	struct sjob *done_head, *done_tail;
	bool stop, hold;
	int efd;
	atomic_int tid;
};

static void sjob_free(struct sjob *j)
{
	mcred_put(j->cred);
	explicit_bzero(j, sizeof(*j));
	free(j);
}

/* The next job, this host's client requests first; NULL when stopping. */
static struct sjob *signer_next(struct signer *sg)
{
	struct sjob *j = NULL;
	int c;

	pthread_mutex_lock(&sg->lock);
	for (;;) {
		if (sg->stop)
			break;
		for (c = 0; c < RQ_CLASSES && !sg->hold; c++) {
			if ((j = sg->head[c])) {
				sg->head[c] = j->next;
				if (!sg->head[c])
					sg->tail[c] = NULL;
				sg->n[c]--;
				break;
			}
		}
		if (j)
			break;
		pthread_cond_wait(&sg->cond, &sg->lock);
	}
	pthread_mutex_unlock(&sg->lock);
	return j;
}

static void *signer_main(void *arg)
{
	struct signer *sg = arg;
	struct sched_param sp = { 0 };
	uint64_t one = 1;
	struct sjob *j;
	size_t len;

	/*
	 * Never real-time: the monitor's loop may be SCHED_FIFO, and an RSA
	 * signature per ClientHello at that priority would starve ACCEPT and
	 * DONE (and the machine). Created with an explicit SCHED_OTHER; said
	 * again here for a kernel that ignored the attribute.
	 */
	(void)!pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	atomic_store(&sg->tid, (int)gettid());
	(void)!setpriority(PRIO_PROCESS, (id_t)gettid(), 5);
	while ((j = signer_next(sg))) {
		len = sizeof(j->a.out.sig);
		memset(&j->a.out, 0, sizeof(j->a.out));
		/* The content is built here, for the request's own role. */
		j->a.out.status = ktls_credential_sign_cv(j->cred->cred, j->role, j->in.scheme,
							  j->in.th, j->in.th_len, j->a.out.sig,
							  &len);
		if (!j->a.out.status)
			j->a.out.sig_len = (uint16_t)len;
		j->a.made = !j->a.out.status;
		mcred_put(j->cred);
		j->cred = NULL;
		j->next = NULL;
		pthread_mutex_lock(&sg->lock);
		if (sg->done_tail)
			sg->done_tail->next = j;
		else
			sg->done_head = j;
		sg->done_tail = j;
		pthread_mutex_unlock(&sg->lock);
		(void)!write(sg->efd, &one, sizeof(one));
	}
	return NULL;
}

struct signer *signer_start(void)
{
	struct signer *sg = calloc(1, sizeof(*sg));
	struct sched_param sp = { 0 };
	pthread_attr_t attr;
	sigset_t all, old;
	int ret;

	if (!sg)
		return NULL;
	pthread_mutex_init(&sg->lock, NULL);
	pthread_cond_init(&sg->cond, NULL);
	sg->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sg->efd < 0) {
		log_warn("eventfd");
		free(sg);
		return NULL;
	}
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	/* Signals stay with the loop's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&sg->thread, &attr, signer_main, sg);
	/* Refused (a seccomp filter, say): inherit, and drop in the thread. */
	if (ret)
		ret = pthread_create(&sg->thread, NULL, signer_main, sg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (ret) {
		log_warnx("signer thread: %s", strerror(ret));
		close(sg->efd);
		free(sg);
		return NULL;
	}
	return sg;
}

void signer_stop(struct signer *sg)
{
	struct signer_answer a;
	struct sjob *j;
	int c;

	if (!sg)
		return;
	pthread_mutex_lock(&sg->lock);
	sg->stop = true;
	pthread_cond_signal(&sg->cond);
	pthread_mutex_unlock(&sg->lock);
	pthread_join(sg->thread, NULL);
	for (c = 0; c < RQ_CLASSES; c++)
		while ((j = sg->head[c])) {
			sg->head[c] = j->next;
			sjob_free(j);
		}
	while (signer_take(sg, &a))
		explicit_bzero(&a, sizeof(a));
	close(sg->efd);
	pthread_cond_destroy(&sg->cond);
	pthread_mutex_destroy(&sg->lock);
	free(sg);
}

int signer_fd(const struct signer *sg)
{
	return sg->efd;
}

pid_t signer_tid(const struct signer *sg)
{
	return (pid_t)atomic_load(&((struct signer *)sg)->tid);
}

int signer_submit(struct signer *sg, uint64_t id, int worker, enum rq_class cls,
		  struct mcred *cred, enum ktls_role role, const struct kp_sign *s)
{
	struct sjob *j;

	pthread_mutex_lock(&sg->lock);
	if (sg->n[cls] >= SIGNER_QUEUE_MAX) {
		pthread_mutex_unlock(&sg->lock);
		return -EBUSY;
	}
	pthread_mutex_unlock(&sg->lock);
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->cred = mcred_get(cred);
	j->role = role;
	j->in = *s;
	j->a.id = id;
	j->a.worker = worker;
	pthread_mutex_lock(&sg->lock);
	if (sg->tail[cls])
		sg->tail[cls]->next = j;
	else
		sg->head[cls] = j;
	sg->tail[cls] = j;
	sg->n[cls]++;
	pthread_cond_signal(&sg->cond);
	pthread_mutex_unlock(&sg->lock);
	return 0;
}

bool signer_take(struct signer *sg, struct signer_answer *a)
{
	struct sjob *j;
	uint64_t v;

	pthread_mutex_lock(&sg->lock);
	j = sg->done_head;
	if (j) {
		sg->done_head = j->next;
		if (!sg->done_head)
			sg->done_tail = NULL;
	} else {
		/* Empty: clear the eventfd, so poll waits for the next answer. */
		(void)!read(sg->efd, &v, sizeof(v));
	}
	pthread_mutex_unlock(&sg->lock);
	if (!j)
		return false;
	*a = j->a;
	sjob_free(j);
	return true;
}

void signer_hold(struct signer *sg, bool hold)
{
	pthread_mutex_lock(&sg->lock);
	sg->hold = hold;
	pthread_cond_signal(&sg->cond);
	pthread_mutex_unlock(&sg->lock);
}
