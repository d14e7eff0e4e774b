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
# authentication, external PSK (psk_dhe_ke and psk_ke) and the failures,
# each with the alert on the wire as ktls-peer reports it.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_netns "$@"
it_need_cmd gnutls-serv
it_setup
P=$IT_PKI
MSG='gnutls echo \t check'

# g_server NAME ARGS...: one gnutls-serv on a port from the picker; a port
# someone took meanwhile just means another try.
g_server()
{
	local name=$1 i
	shift
	for i in 1 2 3; do
		it_port=$(it_pick_port) || return 1
		if it_server "$name" 'Echo Server listening on IPv4' gnutls-serv \
			--echo -p "$it_port" "$@"; then
			it_context=("$it_server_out")
			return 0
		fi
	done
	return 1
}

client()
{
	it_ktls_client "$1" --connect "127.0.0.1:$it_port" --servername localhost \
		--ca "$P/ca.pem" "${@:2}"
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
		client "$out" --ciphers "$suite" --groups "$group" --send "$MSG\\n"
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
	client "$out" --groups x25519,secp384r1 --key-shares 1 --send "$MSG\\n"
	it_expect "HRR to secp384r1" "$out" "${ok_lines[@]}" hrr=yes \
		group=secp384r1 cipher=TLS_AES_256_GCM_SHA384
	out=$it_tmp/no-suite.out
	client "$out" --ciphers TLS_AES_128_GCM_SHA256,TLS_AES_128_CCM_SHA256
	it_expect "no common cipher suite" "$out" "${fail_lines[@]}" \
		alert=handshake_failure alert_received=handshake_failure
	out=$it_tmp/no-group.out
	client "$out" --groups x25519,secp256r1,x448
	it_expect "no common group" "$out" "${fail_lines[@]}" \
		alert=handshake_failure alert_received=handshake_failure
	it_stop "$it_server_pid"
else
	it_not_ok "narrow gnutls-serv did not start"
fi

# --- mutual authentication ----------------------------------------------------
if g_server gnutls-serv-mutual "${cert_args[@]}" --require-client-cert \
	--verify-client-cert --x509cafile "$P/ca.pem" --priority "$(it_gnutls_prio)"; then
	for cc in "${IT_CERTS[@]}"; do
		out=$it_tmp/mutual-$cc.out
		client "$out" --cert "$P/client-$cc.pem" --key "$P/client-$cc.key" \
			--send "$MSG\\n"
		it_expect "client certificate $cc" "$out" "${ok_lines[@]}" \
			peer_verified=yes
	done
	out=$it_tmp/mutual-none.out
	client "$out" --send "$MSG\\n"
	it_expect "no client certificate: certificate_required" "$out" \
		"${fail_lines[@]}" alert=certificate_required
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
	client "$out" "${psk[@]}" --send "$MSG\\n"
	it_expect "PSK psk_dhe_ke" "$out" "${ok_lines[@]}" \
		"psk_identity=$IT_PSK_ID" '~group=(x25519|secp256r1|secp384r1|x448)' \
		sigalg=none peer_verified=no
	out=$it_tmp/psk-ke.out
	client "$out" "${psk[@]}" --psk-only --send "$MSG\\n"
	it_expect "PSK psk_ke" "$out" "${ok_lines[@]}" "psk_identity=$IT_PSK_ID" \
		group=none sigalg=none
	# GnuTLS answers a binder that does not verify, and an identity it
	# does not know, with illegal_parameter.
	out=$it_tmp/psk-wrong-key.out
	client "$out" --psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK_WRONG"
	it_expect "wrong PSK" "$out" "${fail_lines[@]}" \
		alert_received=illegal_parameter
	out=$it_tmp/psk-wrong-id.out
	client "$out" --psk-identity other-id --psk-hex "$IT_PSK"
	it_expect "unknown PSK identity" "$out" "${fail_lines[@]}" \
		alert_received=illegal_parameter
	it_stop "$it_server_pid"
else
	it_not_ok "gnutls-serv for PSK did not start"
fi

# --- certificate failures: we detect them and send the alert ----------------
for bad in unknownca:unknown_ca wrongname:bad_certificate \
	expired:certificate_expired; do
	cert=${bad%%:*}
	alert=${bad#*:}
	if g_server "gnutls-serv-$cert" --x509certfile "$P/server-$cert.pem" \
		--x509keyfile "$P/server-$cert.key" --priority "$(it_gnutls_prio)"; then
		out=$it_tmp/bad-$cert.out
		client "$out" --send "$MSG\\n"
		it_expect "server certificate $cert: $alert" "$out" \
			"${fail_lines[@]}" "alert=$alert"
		it_stop "$it_server_pid"
	else
		it_not_ok "gnutls-serv with $cert did not start"
	fi
done

it_summary
