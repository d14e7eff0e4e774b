#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ktls-peer as the client, OpenSSL's s_server as the server.
#
# The full matrix: 4 cipher suites x 4 groups x 4 server certificates
# (ECDSA P-256, ECDSA P-384, RSA-2048 signing rsa_pss_rsae, Ed25519), one
# s_server per certificate; then HelloRetryRequest, mutual authentication,
# external PSK (psk_dhe_ke and psk_ke, and through a HelloRetryRequest with
# the right and a wrong key), and the failures, each with the alert on the
# wire as ktls-peer reports it. Lists are given OpenSSL's way (':') here and
# there, which ktls-peer takes as well as ','. Application data goes both
# ways after every successful handshake: s_server -rev answers each line
# reversed, so we send a palindrome and expect it back unchanged.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_setup
P=$IT_PKI
PAL='ktlsd-interop|poretni-dsltk'	# a palindrome, for s_server -rev
OSSL_SUITES=$(IFS=:; echo "${IT_SUITES[*]}")

# s_server NAME ARGS...: one OpenSSL server on a port of the kernel's choosing.
s_server()
{
	local name=$1
	shift
	it_server "$name" '^ACCEPT' openssl s_server -accept 127.0.0.1:0 -rev \
		-tls1_3 -ciphersuites "$OSSL_SUITES" "$@" || return 1
	it_port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$it_server_out")
	it_context=("$it_server_out")
	[ -n "$it_port" ]
}

ok_lines=(exit=0 version=TLSv1.3 "echo=$PAL\\n")
fail_lines=(exit=1 '~error=.+')

# --- the matrix -------------------------------------------------------------
for cert in "${IT_CERTS[@]}"; do
	if ! s_server "s_server-$cert" -cert "$P/server-$cert.pem" \
		-key "$P/server-$cert.key" -groups X25519:P-256:P-384:X448; then
		it_not_ok "s_server with $cert did not start"
		continue
	fi
	for suite in "${IT_SUITES[@]}"; do
		for group in "${IT_GROUPS[@]}"; do
			out=$it_tmp/matrix-$cert-$suite-$group.out
			it_client "$out" --ciphers "$suite" --groups "$group" \
				--send "$PAL\\n"
			it_expect "$cert $suite $group" "$out" "${ok_lines[@]}" \
				"cipher=$suite" "group=$group" \
				"~sigalg=$(it_sigalg_re "$cert")" hrr=no \
				peer_verified=yes psk_identity=none
		done
	done
	it_stop "$it_server_pid"
done

cert_args=(-cert "$P/server-p256.pem" -key "$P/server-p256.key")

# --- HelloRetryRequest: we share x25519, the server takes secp384r1 only ----
if s_server s_server-hrr "${cert_args[@]}" -groups P-384; then
	out=$it_tmp/hrr.out
	it_client "$out" --groups x25519:secp384r1 --key-shares 1 --send "$PAL\\n"
	it_expect "HRR to secp384r1 (--groups x25519:secp384r1)" "$out" \
		"${ok_lines[@]}" hrr=yes group=secp384r1
	out=$it_tmp/hrr-none.out
	it_client "$out" --groups secp384r1,x25519 --key-shares 1 --send "$PAL\\n"
	it_expect "no HRR when the first share fits" "$out" "${ok_lines[@]}" \
		hrr=no group=secp384r1
	it_stop "$it_server_pid"
else
	it_not_ok "s_server for HRR did not start"
fi

# --- mutual authentication: s_server -Verify requires a client certificate --
if s_server s_server-mutual "${cert_args[@]}" -Verify 1 -CAfile "$P/ca.pem"; then
	it_client_cert_checks "$PAL\\n" alert_received=certificate_required
	it_stop "$it_server_pid"
else
	it_not_ok "s_server for mutual authentication did not start"
fi

# --- external PSK ------------------------------------------------------------
psk_args=(-nocert -psk "$IT_PSK" -psk_identity "$IT_PSK_ID")
if s_server s_server-psk "${psk_args[@]}"; then
	out=$it_tmp/psk-dhe.out
	it_client "$out" --psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK" \
		--ciphers TLS_AES_128_GCM_SHA256 --send "$PAL\\n"
	it_expect "PSK psk_dhe_ke" "$out" "${ok_lines[@]}" \
		"psk_identity=$IT_PSK_ID" "~group=(x25519|secp256r1|secp384r1|x448)" \
		sigalg=none
	out=$it_tmp/psk-wrong-key.out
	it_client "$out" --psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK_WRONG" \
		--ciphers TLS_AES_128_GCM_SHA256
	# OpenSSL answers a binder that does not verify with illegal_parameter.
	it_expect "wrong PSK: the server rejects the binder" "$out" \
		"${fail_lines[@]}" alert_received=illegal_parameter
	out=$it_tmp/psk-wrong-id.out
	it_client "$out" --psk-identity other-id --psk-hex "$IT_PSK" \
		--ciphers TLS_AES_128_GCM_SHA256
	# An identity it does not know leaves s_server -nocert nothing to use.
	it_expect "unknown PSK identity: handshake_failure" "$out" \
		"${fail_lines[@]}" alert_received=handshake_failure
	it_stop "$it_server_pid"
else
	it_not_ok "s_server for PSK did not start"
fi
# s_server takes secp384r1 only, we share x25519 first: the retried
# ClientHello carries new binders over the new transcript (RFC 8446 4.2.11).
if s_server s_server-psk-hrr "${psk_args[@]}" -groups P-384; then
	hrr_args=(--groups x25519:secp384r1 --key-shares 1
		--ciphers TLS_AES_128_GCM_SHA256 --psk-identity "$IT_PSK_ID")
	out=$it_tmp/psk-hrr.out
	it_client "$out" "${hrr_args[@]}" --psk-hex "$IT_PSK" --send "$PAL\\n"
	it_expect "PSK after HRR" "$out" "${ok_lines[@]}" hrr=yes \
		group=secp384r1 "psk_identity=$IT_PSK_ID" sigalg=none \
		"$(it_async 0)"
	out=$it_tmp/psk-hrr-wrong-key.out
	it_client "$out" "${hrr_args[@]}" --psk-hex "$IT_PSK_WRONG"
	it_expect "wrong PSK after HRR: the server rejects the binder" "$out" \
		"${fail_lines[@]}" alert_received=illegal_parameter
	it_stop "$it_server_pid"
else
	it_not_ok "s_server for PSK after HRR did not start"
fi
if s_server s_server-psk-ke "${psk_args[@]}" -allow_no_dhe_kex; then
	out=$it_tmp/psk-ke.out
	it_client "$out" --psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK" \
		--ciphers TLS_AES_128_GCM_SHA256 --psk-only --send "$PAL\\n"
	it_expect "PSK psk_ke" "$out" "${ok_lines[@]}" \
		"psk_identity=$IT_PSK_ID" group=none sigalg=none
	it_stop "$it_server_pid"
else
	it_not_ok "s_server for psk_ke did not start"
fi

# --- certificate failures: we detect them and send the alert ----------------
# bad_server NAME CERT KEY: s_server with a certificate we must refuse.
# shellcheck disable=SC2317 # called through it_bad_server_cert_checks
bad_server()
{
	s_server "s_server-$1" -cert "$2" -key "$3"
}
it_bad_server_cert_checks bad_server "$PAL\\n"

# --- nothing in common: the server sends handshake_failure -------------------
if s_server s_server-narrow "${cert_args[@]}" -groups P-384 \
	-ciphersuites TLS_AES_256_GCM_SHA384; then
	out=$it_tmp/no-suite.out
	it_client "$out" --ciphers TLS_AES_128_GCM_SHA256 --groups secp384r1
	it_expect "no common cipher suite" "$out" "${fail_lines[@]}" \
		alert=handshake_failure alert_received=handshake_failure
	out=$it_tmp/no-group.out
	it_client "$out" --ciphers TLS_AES_256_GCM_SHA384 --groups x25519
	it_expect "no common group" "$out" "${fail_lines[@]}" \
		alert=handshake_failure alert_received=handshake_failure
	it_stop "$it_server_pid"
else
	it_not_ok "s_server for the no-overlap tests did not start"
fi

it_summary
