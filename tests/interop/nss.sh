#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ktls-peer against NSS: selfserv as the server and tstclnt as the client
# (Debian's libnss3-tools ships both).
#
# selfserv binds every address, so this runs in a private network
# namespace. NSS 3.87 has neither x448 nor TLS_AES_128_CCM_SHA256 for
# TLS 1.3, and cannot import Ed25519 keys, so the diagonal here is 3 suites
# x 3 groups over the P-256, P-384 and RSA certificates. Then mutual
# authentication both ways, external PSK with tstclnt (selfserv 3.87 sets
# its -z PSK up but never selects it, not even for tstclnt), and a failure
# each way.
# selfserv is an HTTP-ish server: it answers a request with a canned
# "HTTP/1.0 200 OK" response, which stands in for the echo.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_netns "$@"
it_need_cmd selfserv tstclnt certutil pk12util
it_setup
P=$IT_PKI
DB=sql:$it_tmp/nssdb
NSS_SUITES=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384
	TLS_CHACHA20_POLY1305_SHA256)
NSS_GROUPS=(x25519 secp256r1 secp384r1)
NSS_CERTS=(p256 p384 rsa)
REQ='GET / HTTP/1.0\r\n\r\n'

nss_group()
{
	case $1 in x25519) echo x25519 ;; secp256r1) echo P256 ;; secp384r1) echo P384 ;; esac
}
nss_suite()
{
	case $1 in
	TLS_AES_128_GCM_SHA256) echo :1301 ;; TLS_AES_256_GCM_SHA384) echo :1302 ;;
	TLS_CHACHA20_POLY1305_SHA256) echo :1303 ;;
	esac
}

# The NSS database: our CA trusted for servers and clients, and the keys.
mk_nssdb()
{
	local k
	mkdir -p "$it_tmp/nssdb" &&
		certutil -N -d "$DB" --empty-password &&
		certutil -A -d "$DB" -n ca -t CT,C,C -i "$P/ca.pem" || return 1
	for k in server-p256 server-p384 server-rsa server-expired client-p256; do
		openssl pkcs12 -export -in "$P/$k.pem" -inkey "$P/$k.key" -name "$k" \
			-passout pass: -out "$it_tmp/$k.p12" &&
			pk12util -i "$it_tmp/$k.p12" -d "$DB" -W '' || return 1
	done
}
if ! mk_nssdb >"$it_tmp/nssdb.log" 2>&1; then
	it_not_ok "making the NSS database" "$it_tmp/nssdb.log"
	it_summary
fi

# selfserv NAME ARGS...: one selfserv on a port from the picker.
selfserv_start()
{
	it_server_pick "$1" 'About to call accept' selfserv -v -d "$DB" \
		-V tls1.3:tls1.3 "${@:2}"
}

# one NAME SERVER-ARGS -- TSTCLNT-ARGS: ktls-peer server, tstclnt client
# (it_ktls_pair); the line tstclnt sends is in $msg.
one()
{
	it_ktls_pair "$1" tstclnt_talk "${@:2}"
}
# shellcheck disable=SC2317 # called through it_ktls_pair
tstclnt_talk()
{
	# tstclnt does not hang up at the end of its input: stop it soon.
	it_talk_grace=4 it_talk "$cout" "$msg" tstclnt -h 127.0.0.1 -p "$it_port" \
		-a localhost -V tls1.3:tls1.3 "$@"
}

ok_lines=(exit=0 version=TLSv1.3 '~echo=HTTP/1\.0 200 OK\\r\\n.*')
sok_lines=(exit=0 version=TLSv1.3)
fail_lines=(exit=1 '~error=.+')
nss_groups=$(IFS=,; for g in "${NSS_GROUPS[@]}"; do printf '%s,' "$(nss_group "$g")"; done)
nss_groups=${nss_groups%,}

# --- ktls-peer client, selfserv server: the diagonal ---------------------------
ci=0
for cert in "${NSS_CERTS[@]}"; do
	if ! selfserv_start "selfserv-$cert" -n "server-$cert" -I "$nss_groups"; then
		it_not_ok "selfserv with $cert did not start"
		ci=$((ci + 1))
		continue
	fi
	for si in 0 1 2; do
		suite=${NSS_SUITES[si]}
		group=${NSS_GROUPS[(si + ci) % 3]}
		out=$it_tmp/client-$cert-$suite-$group.out
		it_client "$out" --ciphers "$suite" --groups "$group" --send "$REQ"
		it_expect "client: $cert $suite $group" "$out" "${ok_lines[@]}" \
			"cipher=$suite" "group=$group" \
			"~sigalg=$(it_sigalg_re "$cert")" hrr=no peer_verified=yes
	done
	it_stop "$it_server_pid"
	ci=$((ci + 1))
done

# --- ktls-peer client: mutual authentication, no common suite ------------
if selfserv_start selfserv-mutual -n server-p256 -r -r; then
	out=$it_tmp/client-mutual.out
	it_client "$out" --cert "$P/client-p256.pem" --key "$P/client-p256.key" \
		--send "$REQ"
	it_expect "client: mutual authentication" "$out" "${ok_lines[@]}" \
		"$(it_async 1)"
	out=$it_tmp/client-mutual-none.out
	it_client "$out" --send "$REQ"
	it_expect "client: no client certificate" "$out" "${fail_lines[@]}" \
		alert=certificate_required
	it_stop "$it_server_pid"
else
	it_not_ok "selfserv for mutual authentication did not start"
fi
if selfserv_start selfserv-narrow -n server-p256 -c :1302; then
	out=$it_tmp/client-no-suite.out
	it_client "$out" --ciphers TLS_AES_128_GCM_SHA256 --send "$REQ"
	it_expect "client: no common cipher suite" "$out" "${fail_lines[@]}" \
		alert=handshake_failure alert_received=handshake_failure
	it_stop "$it_server_pid"
else
	it_not_ok "narrow selfserv did not start"
fi

# --- ktls-peer server, tstclnt client: the diagonal ----------------------------
ci=0
for cert in "${NSS_CERTS[@]}"; do
	for si in 0 1 2; do
		suite=${NSS_SUITES[si]}
		group=${NSS_GROUPS[(si + ci) % 3]}
		name=server-$cert-$suite-$group
		one "$name" --cert "$P/server-$cert.pem" --key "$P/server-$cert.key" \
			--ciphers "$IT_ALL_SUITES" --groups "$IT_ALL_GROUPS" -- \
			-d "$DB" -c "$(nss_suite "$suite")" -I "$(nss_group "$group")"
		it_expect "server: $cert $suite $group" "$sout" "${sok_lines[@]}" \
			"cipher=$suite" "group=$group" peer_verified=no \
			"$(it_async 1)" &&
			it_expect_text "server: $cert $suite $group (tstclnt)" "$cout" "$msg"
	done
	ci=$((ci + 1))
done

cert_args=(--cert "$P/server-p256.pem" --key "$P/server-p256.key")
one server-mutual "${cert_args[@]}" --ca "$P/ca.pem" --require-client-cert -- \
	-d "$DB" -n client-p256
it_expect "server: mutual authentication" "$sout" "${sok_lines[@]}" \
	peer_verified=yes sigalg=ecdsa_secp256r1_sha256 "$(it_async 1)" &&
	it_expect_text "server: mutual authentication (tstclnt)" "$cout" "$msg"
one server-psk --psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK" -- \
	-D -z "0x$IT_PSK:$IT_PSK_ID"
it_expect "server: PSK" "$sout" "${sok_lines[@]}" "psk_identity=$IT_PSK_ID" \
	"$(it_async 1)" &&
	it_expect_text "server: PSK (tstclnt)" "$cout" "$msg"
it_talk_until=SEC_ERROR_EXPIRED_CERTIFICATE one server-expired \
	--cert "$P/server-expired.pem" --key "$P/server-expired.key" -- -d "$DB"
it_expect "server: tstclnt rejects an expired certificate" "$sout" \
	"${fail_lines[@]}" alert_received=certificate_expired &&
	it_expect_text "server: expired (tstclnt)" "$cout" \
		SEC_ERROR_EXPIRED_CERTIFICATE

it_summary
