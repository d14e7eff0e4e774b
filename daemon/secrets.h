/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What only the monitor may hold: the configured certificates' private
 * keys, the keys of keyring credentials, PSKs. It builds the request a
 * worker gets (with only the material that request may use) and answers a
 * worker's KP_SIGN and KP_PSK_LOOKUP for the request in question.
 */
#ifndef KTLSD_SECRETS_H
#define KTLSD_SECRETS_H

#include "monitor-types.h"

/* Load the configured client [0] and server [1] credentials. Return: 0 or -1. */
int secrets_load_creds(const struct kcfg *cfg, struct ktls_credential *cred[2]);
void secrets_free_creds(struct ktls_credential *cred[2]);

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
 * secrets_sign() - answer a KP_SIGN for request @r
 * @r: the request it names (NULL when unknown)
 * @worker_cred: the asking worker's configured credentials
 * @s: the message
 * @out: the answer
 * Return: true when a signature was made (for the statistics).
 */
bool secrets_sign(const struct mreq *r, struct ktls_credential *const worker_cred[2],
		  const struct kp_sign *s, struct kp_signed *out);

/**
 * secrets_psk_answer() - answer a KP_PSK_LOOKUP for request @r
 * @r: the request it names (NULL when unknown)
 * @l: the message
 * @out: the answer (wipe it after sending)
 * Return: true when a keyring was searched (for the statistics).
 */
bool secrets_psk_answer(const struct mreq *r, const struct kp_psk_lookup *l,
			struct kp_psk_answer *out);

#endif /* KTLSD_SECRETS_H */
