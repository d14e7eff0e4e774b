#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ktls-peer as the client, GnuTLS's gnutls-serv --echo as the server.
#
# gnutls-serv binds every address, so the script re-runs itself in a
# private network namespace and the client runs there too. The matrix is
# a reduced diagonal (openssl-client.sh has the full product): each
# certificate meets each suite once and each group once, 16 handshakes,
# one gnutls-serv per certificate. Then HelloRetryRequest, mutual
# authentication, external PSK (psk_dhe_ke and psk_ke, and through a
# HelloRetryRequest with the right and a wrong key) and the failures, each
# with the alert on the wire as ktls-peer reports it.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_netns "$@"
it_need_cmd gnutls-serv
it_setup
P=$IT_PKI
MSG='gnutls echo \t check'

# g_server NAME ARGS...: one gnutls-serv on a port from the picker.
g_server()
{
	it_server_pick "$1" 'Echo Server listening on IPv4' gnutls-serv --echo \
		"${@:2}"
}

ok_lines=(exit=0 version=TLSv1.3 "echo=$MSG\\n")
fail_lines=(exit=1 '~error=.+')

# --- the diagonal -------------------------------------------------------------
ci=0
for cert in "${IT_CERTS[@]}"; do
	if ! g_server "gnutls-serv-$cert" --x509certfile "$P/server-$cert.pem" \
		--x509keyfile "$P/server-$cert.key" --priority "$(it_gnutls_prio)"; then
		it_not_ok "gnutls-serv with $cert did not start"
		ci=$((ci + 1))
		continue
	fi
	for si in 0 1 2 3; do
		suite=${IT_SUITES[si]}
		group=${IT_GROUPS[(si + ci) % 4]}
		out=$it_tmp/diag-$cert-$suite-$group.out
		it_client "$out" --ciphers "$suite" --groups "$group" --send "$MSG\\n"
		it_expect "$cert $suite $group" "$out" "${ok_lines[@]}" \
			"cipher=$suite" "group=$group" \
			"~sigalg=$(it_sigalg_re "$cert")" hrr=no peer_verified=yes \
			psk_identity=none
	done
	it_stop "$it_server_pid"
	ci=$((ci + 1))
done

cert_args=(--x509certfile "$P/server-p256.pem" --x509keyfile "$P/server-p256.key")

# --- HRR, and nothing in common: a server with one suite and one group -------
if g_server gnutls-serv-narrow "${cert_args[@]}" \
	--priority "$(it_gnutls_prio TLS_AES_256_GCM_SHA384 secp384r1)"; then
	out=$it_tmp/hrr.out
	it_client "$out" --groups x25519:secp384r1 --key-shares 1 --send "$MSG\\n"
	it_expect "HRR to secp384r1" "$out" "${ok_lines[@]}" hrr=yes \
		group=secp384r1 cipher=TLS_AES_256_GCM_SHA384
	out=$it_tmp/no-suite.out
	it_client "$out" --ciphers TLS_AES_128_GCM_SHA256,TLS_AES_128_CCM_SHA256
	it_expect "no common cipher suite" "$out" "${fail_lines[@]}" \
		alert=handshake_failure alert_received=handshake_failure
	out=$it_tmp/no-group.out
	it_client "$out" --groups x25519,secp256r1,x448
	it_expect "no common group" "$out" "${fail_lines[@]}" \
		alert=handshake_failure alert_received=handshake_failure
	it_stop "$it_server_pid"
else
	it_not_ok "narrow gnutls-serv did not start"
fi

# --- mutual authentication ----------------------------------------------------
if g_server gnutls-serv-mutual "${cert_args[@]}" --require-client-cert \
	--verify-client-cert --x509cafile "$P/ca.pem" --priority "$(it_gnutls_prio)"; then
	it_client_cert_checks "$MSG\\n"
	it_stop "$it_server_pid"
else
	it_not_ok "gnutls-serv for mutual authentication did not start"
fi

# --- external PSK -------------------------------------------------------------
echo "$IT_PSK_ID:$IT_PSK" >"$it_tmp/psk.passwd"
psk=(--psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK")
if g_server gnutls-serv-psk --pskpasswd "$it_tmp/psk.passwd" \
	--priority "$(it_gnutls_prio):-KX-ALL:+ECDHE-PSK:+DHE-PSK:+PSK"; then
	out=$it_tmp/psk-dhe.out
	it_client "$out" "${psk[@]}" --send "$MSG\\n"
	it_expect "PSK psk_dhe_ke" "$out" "${ok_lines[@]}" \
		"psk_identity=$IT_PSK_ID" '~group=(x25519|secp256r1|secp384r1|x448)' \
		sigalg=none peer_verified=no
	out=$it_tmp/psk-ke.out
	it_client "$out" "${psk[@]}" --psk-only --send "$MSG\\n"
	it_expect "PSK psk_ke" "$out" "${ok_lines[@]}" "psk_identity=$IT_PSK_ID" \
		group=none sigalg=none
	# GnuTLS answers a binder that does not verify, and an identity it
	# does not know, with illegal_parameter.
	out=$it_tmp/psk-wrong-key.out
	it_client "$out" --psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK_WRONG"
	it_expect "wrong PSK" "$out" "${fail_lines[@]}" \
		alert_received=illegal_parameter
	out=$it_tmp/psk-wrong-id.out
	it_client "$out" --psk-identity other-id --psk-hex "$IT_PSK"
	it_expect "unknown PSK identity" "$out" "${fail_lines[@]}" \
		alert_received=illegal_parameter
	it_stop "$it_server_pid"
else
	it_not_ok "gnutls-serv for PSK did not start"
fi

# gnutls-serv takes secp384r1 only, we share x25519 first: the retried
# ClientHello carries new binders over the new transcript (RFC 8446 4.2.11).
if g_server gnutls-serv-psk-hrr --pskpasswd "$it_tmp/psk.passwd" \
	--priority "$(it_gnutls_prio "" secp384r1):-KX-ALL:+ECDHE-PSK"; then
	hrr=(--groups x25519:secp384r1 --key-shares 1 --psk-identity "$IT_PSK_ID")
	out=$it_tmp/psk-hrr.out
	it_client "$out" "${hrr[@]}" --psk-hex "$IT_PSK" --send "$MSG\\n"
	it_expect "PSK after HRR" "$out" "${ok_lines[@]}" hrr=yes \
		group=secp384r1 "psk_identity=$IT_PSK_ID" sigalg=none \
		"$(it_async 0)"
	out=$it_tmp/psk-hrr-wrong-key.out
	it_client "$out" "${hrr[@]}" --psk-hex "$IT_PSK_WRONG"
	it_expect "wrong PSK after HRR" "$out" "${fail_lines[@]}" \
		alert_received=illegal_parameter
	it_stop "$it_server_pid"
else
	it_not_ok "gnutls-serv for PSK after HRR did not start"
fi

# --- certificate failures: we detect them and send the alert ----------------
# bad_server NAME CERT KEY: gnutls-serv with a certificate we must refuse.
# shellcheck disable=SC2317 # called through it_bad_server_cert_checks
bad_server()
{
	g_server "gnutls-serv-$1" --x509certfile "$2" --x509keyfile "$3" \
		--priority "$(it_gnutls_prio)"
}
it_bad_server_cert_checks bad_server "$MSG\\n"

it_summary
