// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The client engine fed arbitrary server flights. The client's randomness
 * (client_random, session id, key shares) comes from the fixture's
 * deterministic ops, so a server flight recorded by mkcorpus against the
 * same client configuration still matches this client's ClientHello: its
 * encrypted records decrypt and the fuzzer mutates past the ServerHello,
 * into EncryptedExtensions, CertificateRequest, the server's chain
 * (verified against the fixed trust store, or parsed only with
 * KTLS_F_NO_VERIFY), CertificateVerify, Finished, and after the handshake
 * KeyUpdate, NewSessionTicket, application data and alerts.
 *
 * Input: byte 0 bits 0-6 select the client configuration (fixture.c);
 * byte 1 the chunking of ktls_input() calls (see fx_drive()); the rest is
 * what the server sends: wire bytes, or with byte 0 bit 7 plaintext
 * records that the harness seals with the keys the client reads with, so
 * mutated server messages get past the AEAD to their parsers.
 *
 * Target functions: ktls_conn_set_peer_name, ktls_conn_set_psks,
 * ktls_start, ktls_input, ktls_input_ack, ktls_output, ktls_app_read,
 * ktls_app_consume, ktls_app_write, ktls_key_update, ktls_close,
 * ktls_get_traffic_keys, ktls_get_result; inside them ksm_dispatch,
 * ksm_c_server_hello (and the HelloRetryRequest path),
 * ksm_c_encrypted_extensions, ksm_c_certificate_request,
 * ksm_c_certificate, ksm_c_certificate_verify, ksm_c_finished,
 * kapp_key_update, kapp_new_session_ticket, kmsg_sh_parse, kmsg_ee_parse,
 * kmsg_cr_parse, kmsg_cert_parse, kmsg_cv_parse, kmsg_fin_parse,
 * kmsg_ku_parse, kmsg_nst_parse, krec_unprotect, kc_kex_derive,
 * kc_sig_verify, kx_verify_chain, kx_parse_leaf.
 */
#include <stdlib.h>

#include "fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (fx_variants_init(false))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fx_fuzz_input(KTLS_ROLE_CLIENT, data, size);
	return 0;
}
