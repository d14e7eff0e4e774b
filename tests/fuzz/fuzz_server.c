// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server engine fed arbitrary client bytes. The server has the fixed
 * Ed25519 (or Ed448) credential, the fixed trust store, the fixture's PSK
 * lookup, and asks for a client certificate, so every server path is
 * reachable: ClientHello parsing and negotiation, HelloRetryRequest with
 * and without a cookie, PSK binders (sync and asynchronous lookup), the
 * client's Certificate/CertificateVerify/Finished, record protection,
 * handshake message reassembly across records, and after the handshake
 * application data, KeyUpdate and close_notify.
 *
 * Input: byte 0 bits 0-6 select the server configuration (fixture.c,
 * replayable ones only); byte 1 the chunking of ktls_input() calls (see
 * fx_drive()); the rest is what the client sends: wire bytes, or with
 * byte 0 bit 7 plaintext records that the harness seals with the keys the
 * server reads with, so that mutated Certificate, CertificateVerify,
 * Finished and KeyUpdate messages get past the AEAD to their parsers. The
 * server's randomness and signatures are deterministic, so a client flight
 * recorded by mkcorpus against the same configuration replays to the end.
 *
 * Target functions: ktls_conn_init, ktls_start, ktls_input, ktls_input_ack,
 * ktls_output, ktls_signature_done, ktls_psk_lookup_done, ktls_app_read,
 * ktls_app_consume, ktls_app_write, ktls_key_update, ktls_close,
 * ktls_get_traffic_keys, ktls_get_result; inside them ksm_dispatch,
 * ksm_s_client_hello, ksm_s_certificate, ksm_s_certificate_verify,
 * ksm_s_finished, ksm_server_psk_answer, kapp_key_update,
 * kmsg_ch_parse, kmsg_cert_parse, kmsg_cv_parse, kmsg_fin_parse,
 * kmsg_ku_parse, kext_parse, krec_check_header, krec_unprotect,
 * kc_kex_derive, kc_sig_verify, kx_verify_chain.
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
	fx_fuzz_input(KTLS_ROLE_SERVER, data, size);
	return 0;
}
