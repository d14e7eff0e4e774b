/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The handshake as data: sm_table.c maps (state, message type) to a
 * handler; anything not in the table is unexpected_message, decided in one
 * place. Handlers (sm_client.c, sm_server.c, appdata.c) check the message
 * against the connection, add it to the transcript and set the next state.
 */
#ifndef KTLS_SM_H
#define KTLS_SM_H

#include "conn.h"

typedef int (*ksm_handler)(struct ktls_conn *c, const uint8_t *msg,
			   size_t len);

struct ksm_row {
	enum ksm_state state;
	uint8_t type;
	ksm_handler fn;
};

/* Route a complete handshake message (header included). */
KTLS_MUST_CHECK int ksm_dispatch(struct ktls_conn *c, const uint8_t *msg,
				 size_t len);
const char *ksm_state_name(enum ksm_state s);

/* sm_client.c */
KTLS_MUST_CHECK int ksm_client_start(struct ktls_conn *c);
int ksm_c_server_hello(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_c_encrypted_extensions(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_c_certificate_request(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_c_certificate(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_c_certificate_verify(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_c_finished(struct ktls_conn *c, const uint8_t *msg, size_t len);
KTLS_MUST_CHECK int ksm_client_signed(struct ktls_conn *c, const uint8_t *sig,
				      size_t sig_len);

/* sm_server.c */
int ksm_s_client_hello(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_s_certificate(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_s_certificate_verify(struct ktls_conn *c, const uint8_t *msg, size_t len);
int ksm_s_finished(struct ktls_conn *c, const uint8_t *msg, size_t len);
KTLS_MUST_CHECK int ksm_server_signed(struct ktls_conn *c, const uint8_t *sig,
				      size_t sig_len);
/* The answer to a KTLS_E_PENDING psk_lookup; re-runs the ClientHello. */
KTLS_MUST_CHECK int ksm_server_psk_answer(struct ktls_conn *c, int result,
					  const struct ktls_psk *psk);

/* appdata.c: after the handshake */
int kapp_key_update(struct ktls_conn *c, const uint8_t *msg, size_t len);
int kapp_new_session_ticket(struct ktls_conn *c, const uint8_t *msg, size_t len);

/* sm_auth.c: CertificateVerify for both roles */
/* Pick our scheme: first of ours the peer lists that fits our key; 0 if none. */
uint16_t ksm_pick_sigscheme(const struct ktls_conn *c, const uint16_t *peer,
			    size_t n_peer);
/*
 * Sign the transcript as @c's role. Return 0 with @sig filled, or
 * KTLS_E_PENDING when ops->sign will answer through ktls_signature_done().
 */
KTLS_MUST_CHECK int ksm_sign(struct ktls_conn *c, uint8_t *sig, size_t *sig_len);
/* Check the peer's CertificateVerify message against the transcript. */
KTLS_MUST_CHECK int ksm_verify_peer_cv(struct ktls_conn *c, const uint8_t *msg,
				       size_t len);
/* Check the peer's Finished (constant time) and add it to the transcript. */
KTLS_MUST_CHECK int ksm_check_peer_finished(struct ktls_conn *c, const uint8_t *msg,
					    size_t len);
/* Send our CertificateVerify (when @sig is set), then our Finished. */
KTLS_MUST_CHECK int ksm_send_cv_finished(struct ktls_conn *c, const uint8_t *sig,
					 size_t sig_len);
/* Master secret and both application traffic secrets, from the transcript. */
KTLS_MUST_CHECK int ksm_derive_app_secrets(struct ktls_conn *c);

#endif /* KTLS_SM_H */
