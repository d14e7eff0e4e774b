// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state table: which handshake message each state accepts. The
 * allowed sequences (RFC 8446 §2, §4) read off the rows:
 *   client, certificate:  SH EE [CR] CT CV FIN
 *   client, PSK:          SH EE FIN
 *   client, retry:        HRR, then SH as above
 *   server:               CH [CH2 after HRR], then [CT [CV]] FIN
 *   after the handshake:  KeyUpdate, NewSessionTicket (client)
 * A message not listed for the current state gets unexpected_message.
 */
#include "msg.h"
#include "sm.h"

static const struct ksm_row ksm_rows[] = {
	{ KSM_C_WAIT_SH, KTLS_HS_SERVER_HELLO, ksm_c_server_hello },
	{ KSM_C_WAIT_SH2, KTLS_HS_SERVER_HELLO, ksm_c_server_hello },
	{ KSM_C_WAIT_EE, KTLS_HS_ENCRYPTED_EXTENSIONS, ksm_c_encrypted_extensions },
	{ KSM_C_WAIT_CERT_CR, KTLS_HS_CERTIFICATE_REQUEST, ksm_c_certificate_request },
	{ KSM_C_WAIT_CERT_CR, KTLS_HS_CERTIFICATE, ksm_c_certificate },
	{ KSM_C_WAIT_CERT, KTLS_HS_CERTIFICATE, ksm_c_certificate },
	{ KSM_C_WAIT_CV, KTLS_HS_CERTIFICATE_VERIFY, ksm_c_certificate_verify },
	{ KSM_C_WAIT_FIN, KTLS_HS_FINISHED, ksm_c_finished },
	{ KSM_S_WAIT_CH, KTLS_HS_CLIENT_HELLO, ksm_s_client_hello },
	{ KSM_S_WAIT_CH2, KTLS_HS_CLIENT_HELLO, ksm_s_client_hello },
	{ KSM_S_WAIT_CERT, KTLS_HS_CERTIFICATE, ksm_s_certificate },
	{ KSM_S_WAIT_CV, KTLS_HS_CERTIFICATE_VERIFY, ksm_s_certificate_verify },
	{ KSM_S_WAIT_FIN, KTLS_HS_FINISHED, ksm_s_finished },
	{ KSM_CONNECTED, KTLS_HS_KEY_UPDATE, kapp_key_update },
	{ KSM_CONNECTED, KTLS_HS_NEW_SESSION_TICKET, kapp_new_session_ticket },
};

static const char *const ksm_names[KSM_STATE_COUNT] = {
	[KSM_START] = "start",
	[KSM_C_WAIT_SH] = "client_wait_server_hello",
	[KSM_C_WAIT_SH2] = "client_wait_server_hello_after_retry",
	[KSM_C_WAIT_EE] = "client_wait_encrypted_extensions",
	[KSM_C_WAIT_CERT_CR] = "client_wait_certificate_or_request",
	[KSM_C_WAIT_CERT] = "client_wait_certificate",
	[KSM_C_WAIT_CV] = "client_wait_certificate_verify",
	[KSM_C_WAIT_FIN] = "client_wait_finished",
	[KSM_C_SIGN] = "client_signing",
	[KSM_S_WAIT_CH] = "server_wait_client_hello",
	[KSM_S_WAIT_CH2] = "server_wait_client_hello_after_retry",
	[KSM_S_SIGN] = "server_signing",
	[KSM_S_PSK_LOOKUP] = "server_psk_lookup",
	[KSM_S_WAIT_CERT] = "server_wait_certificate",
	[KSM_S_WAIT_CV] = "server_wait_certificate_verify",
	[KSM_S_WAIT_FIN] = "server_wait_finished",
	[KSM_CONNECTED] = "connected",
	[KSM_FAILED] = "failed",
};

const char *ksm_state_name(enum ksm_state s)
{
	if ((unsigned int)s >= KSM_STATE_COUNT || !ksm_names[s])
		return "unknown";
	return ksm_names[s];
}

int ksm_dispatch(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(ksm_rows) / sizeof(ksm_rows[0]); i++)
		if (ksm_rows[i].state == c->state && ksm_rows[i].type == msg[0])
			return ksm_rows[i].fn(c, msg, len);
	return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
			  "handshake message not expected in this state");
}
