/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What only the monitor may hold: the configured certificates' private
 * keys, the keys of keyring credentials, PSKs. It builds the request a
 * worker gets (with only the material that request may use), answers a
 * worker's KP_PSK_LOOKUP, and checks a KP_SIGN, which the signer thread
 * then answers off the real-time loop.
 */
#ifndef KTLSD_SECRETS_H
#define KTLSD_SECRETS_H

#include <sys/types.h>

#include "monitor-types.h"

/* Signatures waiting for the signer, per class of request. */
#define SIGNER_QUEUE_MAX 64

/* A counted credential; the last mcred_put() frees it (any thread). */
struct mcred *mcred_new(struct ktls_credential *cred);
struct mcred *mcred_get(struct mcred *mc);
void mcred_put(struct mcred *mc);

/* Load the configured client [0] and server [1] credentials. Return: 0 or -1. */
int secrets_load_creds(const struct kcfg *cfg, struct mcred *cred[2]);
void secrets_free_creds(struct mcred *cred[2]);

/**
 * secrets_prepare() - resolve a fresh request's role, deadline and material
 * @cfg: the configuration (default timeouts, configured certificates)
 * @r: the request, with ->kreq and ->accepted_ms set
 * @why: set to a reason when the request is refused
 *
 * Builds r->msg, the KP_REQUEST for a worker (with a keyring certificate
 * or the client's PSKs), and r->cred for a keyring key.
 * Return: 0, or a positive errno for DONE now.
 */
int secrets_prepare(const struct kcfg *cfg, struct mreq *r, const char **why);

/**
 * secrets_sign_check() - may @r have the signature KP_SIGN @s asks for?
 * @r: the request it names (NULL when unknown or not the asker's)
 * @worker_cred: the asking worker's configured credentials
 * @s: the message
 * @cred: set to the key to sign with
 * @out: the refusal, when it is refused
 * @violation: set when the ask is one an honest worker never makes (the
 *	monitor then kills it); NULL for a refusal an honest one may meet
 *
 * Only a CertificateVerify of an x509 request, once per request: a
 * second KP_SIGN is refused, as is one for a PSK or anonymous request,
 * one whose hash is not 32 or 48 bytes, one whose scheme the key does not
 * fit, and one whose certificate is not the request's own.
 * Return: true when the signer may make it.
 */
bool secrets_sign_check(const struct mreq *r, struct mcred *const worker_cred[2],
			const struct kp_sign *s, struct mcred **cred, struct kp_signed *out,
			const char **violation);

/**
 * secrets_psk_answer() - answer a KP_PSK_LOOKUP for request @r
 * @cfg: the configuration (its keyrings, for a request without one)
 * @r: the request it names (NULL when unknown)
 * @l: the message
 * @out: the answer (wipe it after sending)
 * @violation: set when an honest worker never asks this (see above)
 *
 * Only for a server PSK request, at most MREQ_MAX_PSK_LOOKUPS times, an
 * exact identity in the request's own keyring (or, when the kernel linked
 * none, .nvme and the configured keyrings; never the process keyring). A
 * key found is remembered as one DONE may report.
 * Return: true when a keyring was searched (for the statistics).
 */
bool secrets_psk_answer(const struct kcfg *cfg, struct mreq *r, const struct kp_psk_lookup *l,
			struct kp_psk_answer *out, const char **violation);

/*
 * The signer: a thread at SCHED_OTHER (never the monitor's real-time
 * policy) that makes the signatures, fed by two bounded queues (this
 * host's client requests first), answering through an eventfd that the
 * monitor's poll loop watches. A signing flood fills its queue and is
 * refused; it never delays an ACCEPT or a DONE.
 */
struct signer;

struct signer_answer {
	uint64_t id;		/* the request */
	int worker;		/* who asked */
	bool made;		/* a signature was made (statistics) */
	struct kp_signed out;
};

/* Start the thread. Return: the signer, or NULL (logged). */
struct signer *signer_start(void);

/* Stop and join the thread, dropping what is queued. */
void signer_stop(struct signer *sg);

/* The eventfd to poll for answers. */
int signer_fd(const struct signer *sg);

/* The thread's id (to check its policy). */
pid_t signer_tid(const struct signer *sg);

/**
 * signer_submit() - queue a signature
 * @sg: the signer
 * @id, @worker: the request and the worker that asked
 * @cls: the request's class (its queue)
 * @cred: the key (the signer takes a reference)
 * @role: the request's role: whose CertificateVerify content to build
 * @s: the transcript hash to sign it over
 * Return: 0, or -EBUSY when that class's queue is full.
 */
int signer_submit(struct signer *sg, uint64_t id, int worker, enum rq_class cls,
		  struct mcred *cred, enum ktls_role role, const struct kp_sign *s);

/* Take one answer. Return: false when there is none. */
bool signer_take(struct signer *sg, struct signer_answer *a);

/* Tests: while held, the thread takes no job. */
void signer_hold(struct signer *sg, bool hold);

#endif /* KTLSD_SECRETS_H */
