#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ktls-peer as the server, OpenSSL's s_client as the client.
#
# The full matrix: 4 cipher suites x 4 groups x 4 server certificates,
# the client choosing suite and group; then HelloRetryRequest (with and
# without a cookie), mutual authentication, external PSK (psk_dhe_ke and
# psk_ke), and the failures: certificates s_client rejects (its alert
# reaches our server), and what our server rejects (our alert reaches
# s_client), and PSK through a HelloRetryRequest with the right and a wrong
# key. After every successful handshake s_client sends a line and ktls-peer
# echoes it back. In the async pass (lib.sh) our server signs and looks its
# PSK up on a later turn, and async=N counts those answers.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_setup
P=$IT_PKI

# OpenSSL's name for a group, and its "Server Temp Key" line.
ossl_group()
{
	case $1 in
	x25519) echo X25519 ;; secp256r1) echo P-256 ;;
	secp384r1) echo P-384 ;; x448) echo X448 ;;
	esac
}
ossl_tempkey()
{
	case $1 in
	x25519) echo 'Server Temp Key: X25519, 253 bits' ;;
	secp256r1) echo 'Server Temp Key: ECDH, prime256v1, 256 bits' ;;
	secp384r1) echo 'Server Temp Key: ECDH, secp384r1, 384 bits' ;;
	x448) echo 'Server Temp Key: X448, 448 bits' ;;
	esac
}
ossl_sigtype()
{
	case $1 in
	p256 | p384) echo ECDSA ;; rsa) echo RSA-PSS ;; ed25519) echo ed25519 ;;
	esac
}

# one NAME SERVER-ARGS -- S_CLIENT-ARGS: one ktls-peer server, one s_client
# that sends a line (it_ktls_pair); leaves the outputs in $sout (server) and
# $cout (client) and the line sent in $msg.
one()
{
	it_ktls_pair "$1" s_client_talk "${@:2}"
}
# shellcheck disable=SC2317 # called through it_ktls_pair
s_client_talk()
{
	# Our lines start with 'o' (openssl-server-N-NAME): no s_client
	# command letter (K, k, Q, R). commands=yes lets them through, for the
	# KeyUpdate test.
	local cmds=(-nocommands)
	[ "${commands:-no}" = yes ] && cmds=()
	it_talk "$cout" "$msg" openssl s_client -connect "127.0.0.1:$it_port" \
		-servername localhost -tls1_3 -brief "${cmds[@]}" "$@"
}

verify=(-CAfile "$P/ca.pem" -verify_return_error -verify_hostname localhost)
ok_lines=(exit=0 version=TLSv1.3)
fail_lines=(exit=1 '~error=.+')

# --- the matrix -------------------------------------------------------------
for cert in "${IT_CERTS[@]}"; do
	for suite in "${IT_SUITES[@]}"; do
		for group in "${IT_GROUPS[@]}"; do
			name=matrix-$cert-$suite-$group
			one "$name" --cert "$P/server-$cert.pem" \
				--key "$P/server-$cert.key" --ciphers "$IT_ALL_SUITES" \
				--groups "$IT_ALL_GROUPS" -- "${verify[@]}" \
				-ciphersuites "$suite" -groups "$(ossl_group "$group")"
			it_expect "$cert $suite $group (ktls-peer)" "$sout" \
				"${ok_lines[@]}" "cipher=$suite" "group=$group" \
				hrr=no sigalg=none peer_verified=no psk_identity=none \
				alert_received=close_notify "$(it_async 1)" &&
			it_expect "$cert $suite $group (s_client)" "$cout" \
				'Protocol version: TLSv1.3' "Ciphersuite: $suite" \
				"$(ossl_tempkey "$group")" \
				"Signature type: $(ossl_sigtype "$cert")" \
				'Verification: OK' "$msg"
		done
	done
done

cert_args=(--cert "$P/server-p256.pem" --key "$P/server-p256.key")

# --- HelloRetryRequest: s_client shares x25519, we take secp384r1 only -------
one hrr "${cert_args[@]}" --groups secp384r1 -- "${verify[@]}" \
	-groups X25519:P-384
it_expect "HRR to secp384r1" "$sout" "${ok_lines[@]}" hrr=yes group=secp384r1 \
	"$(it_async 1)" &&
	it_expect_text "HRR: s_client" "$cout" "$(ossl_tempkey secp384r1)" "$msg"
one hrr-cookie "${cert_args[@]}" --groups secp384r1 --hrr-cookie -- \
	"${verify[@]}" -groups X25519:P-384
it_expect "HRR with a cookie" "$sout" "${ok_lines[@]}" hrr=yes \
	group=secp384r1 && it_expect_text "HRR cookie: s_client" "$cout" "$msg"
one compat-ccs "${cert_args[@]}" --compat-ccs -- "${verify[@]}"
it_expect "middlebox compatibility CCS" "$sout" "${ok_lines[@]}" &&
	it_expect_text "compat CCS: s_client" "$cout" "$msg"

# --- KeyUpdate: s_client's "K" command asks us to update our keys too ------
commands=yes it_talk_first=K it_talk_ready='^Server Temp Key' \
	it_talk_ack='^KEYUPDATE' one key-update "${cert_args[@]}" -- "${verify[@]}"
it_expect "KeyUpdate (update_requested) from s_client" "$sout" \
	"${ok_lines[@]}" alert_received=close_notify &&
	it_expect_text "KeyUpdate: s_client" "$cout" KEYUPDATE "$msg"

# --- mutual authentication ----------------------------------------------------
for cc in "${IT_CERTS[@]}"; do
	one "mutual-$cc" "${cert_args[@]}" --ca "$P/ca.pem" \
		--require-client-cert -- "${verify[@]}" \
		-cert "$P/client-$cc.pem" -key "$P/client-$cc.key"
	it_expect "client certificate $cc" "$sout" "${ok_lines[@]}" \
		peer_verified=yes "~sigalg=$(it_sigalg_re "$cc")" "$(it_async 1)" &&
		it_expect_text "client certificate $cc: s_client" "$cout" "$msg"
done
# s_client is done before we read its empty Certificate: it types nothing
# (a line we would not read could turn our close into a reset that
# overtakes the alert), and the check waits for the alert to show.
it_talk_until='alert certificate required' one mutual-none "${cert_args[@]}" \
	--ca "$P/ca.pem" --require-client-cert -- "${verify[@]}"
it_expect "required client certificate missing" "$sout" "${fail_lines[@]}" \
	alert=certificate_required "$(it_async 1)" &&
	it_expect_text "certificate_required reaches s_client" "$cout" \
		'alert certificate required'
one mutual-optional "${cert_args[@]}" --ca "$P/ca.pem" \
	--request-client-cert -- "${verify[@]}"
it_expect "requested client certificate missing" "$sout" "${ok_lines[@]}" \
	peer_verified=no && it_expect_text "optional: s_client" "$cout" "$msg"

# --- external PSK -------------------------------------------------------------
psk_srv=(--psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK")
psk_cli=(-psk_identity "$IT_PSK_ID" -psk "$IT_PSK")
one psk-dhe "${psk_srv[@]}" -- "${psk_cli[@]}"
it_expect "PSK psk_dhe_ke" "$sout" "${ok_lines[@]}" "psk_identity=$IT_PSK_ID" \
	'~group=(x25519|secp256r1|secp384r1|x448)' sigalg=none hrr=no \
	"$(it_async 1)" &&
	it_expect_text "PSK psk_dhe_ke: s_client" "$cout" "$msg"
# s_client -allow_no_dhe_kex offers psk_ke next to psk_dhe_ke (OpenSSL cannot
# offer psk_ke alone; gnutls-server.sh does that): either mode may be chosen.
one psk-ke "${psk_srv[@]}" --psk-ke -- "${psk_cli[@]}" -allow_no_dhe_kex
it_expect "PSK with psk_ke allowed both sides" "$sout" "${ok_lines[@]}" \
	"psk_identity=$IT_PSK_ID" '~group=(none|x25519|secp256r1|secp384r1|x448)' &&
	it_expect_text "PSK psk_ke allowed: s_client" "$cout" "$msg"
it_talk_until='alert decrypt error' one psk-wrong-key "${psk_srv[@]}" -- \
	-psk_identity "$IT_PSK_ID" -psk "$IT_PSK_WRONG"
it_expect "wrong PSK: decrypt_error (RFC 8446 6.2)" "$sout" "${fail_lines[@]}" \
	alert=decrypt_error "$(it_async 1)" &&
	it_expect_text "decrypt_error reaches s_client" "$cout" 'alert decrypt error'
it_talk_until='alert unknown psk identity' one psk-wrong-id "${psk_srv[@]}" -- \
	-psk_identity other-id -psk "$IT_PSK"
it_expect "unknown PSK identity" "$sout" "${fail_lines[@]}" \
	alert=unknown_psk_identity "$(it_async 1)" &&
	it_expect_text "unknown_psk_identity reaches s_client" "$cout" \
		'alert unknown psk identity'

# --- PSK through a HelloRetryRequest (RFC 8446 4.1.4, 4.2.11) ----------------
# s_client shares x25519, we take secp384r1 only: the second ClientHello's
# binder is computed over the new transcript and must be checked afresh,
# and its identity looked up again (async=2 in the async pass). A wrong key
# fails at the first hello's binder or at the retried one's.
hrr_cli=(-groups X25519:P-384)
one psk-hrr "${psk_srv[@]}" --groups secp384r1 -- "${psk_cli[@]}" "${hrr_cli[@]}"
it_expect "PSK after HRR" "$sout" "${ok_lines[@]}" hrr=yes group=secp384r1 \
	"psk_identity=$IT_PSK_ID" sigalg=none "$(it_async 2)" &&
	it_expect_text "PSK after HRR: s_client" "$cout" "$msg"
one psk-hrr-cookie "${psk_srv[@]}" --groups secp384r1 --hrr-cookie -- \
	"${psk_cli[@]}" "${hrr_cli[@]}"
it_expect "PSK after HRR with a cookie" "$sout" "${ok_lines[@]}" hrr=yes \
	"psk_identity=$IT_PSK_ID" "$(it_async 2)" &&
	it_expect_text "PSK after HRR with a cookie: s_client" "$cout" "$msg"
it_talk_until='alert decrypt error' one psk-hrr-wrong-key "${psk_srv[@]}" \
	--groups secp384r1 -- -psk_identity "$IT_PSK_ID" -psk "$IT_PSK_WRONG" \
	"${hrr_cli[@]}"
it_expect "wrong PSK after HRR: decrypt_error" "$sout" "${fail_lines[@]}" \
	alert=decrypt_error "$(it_async '[12]')" &&
	it_expect_text "wrong PSK after HRR: s_client" "$cout" 'alert decrypt error'
it_talk_until='alert unknown psk identity' one psk-hrr-wrong-id \
	"${psk_srv[@]}" --groups secp384r1 -- -psk_identity other-id \
	-psk "$IT_PSK" "${hrr_cli[@]}"
it_expect "unknown PSK identity after HRR" "$sout" "${fail_lines[@]}" \
	alert=unknown_psk_identity &&
	it_expect_text "unknown identity after HRR: s_client" "$cout" \
		'alert unknown psk identity'

# --- certificates s_client rejects: its alert reaches us ---------------------
for bad in unknownca:unknown_ca wrongname:bad_certificate \
	expired:certificate_expired; do
	cert=${bad%%:*}
	alert=${bad#*:}
	one "bad-$cert" --cert "$P/server-$cert.pem" --key "$P/server-$cert.key" \
		-- "${verify[@]}"
	it_expect "s_client rejects $cert with $alert" "$sout" "${fail_lines[@]}" \
		"alert=$alert" "alert_received=$alert"
done

# --- nothing in common: we send handshake_failure ----------------------------
it_talk_until='alert handshake failure' one no-suite "${cert_args[@]}" \
	--ciphers TLS_CHACHA20_POLY1305_SHA256 -- "${verify[@]}" \
	-ciphersuites TLS_AES_128_GCM_SHA256
it_expect "no common cipher suite" "$sout" "${fail_lines[@]}" \
	alert=handshake_failure "$(it_async 0)" &&
	it_expect_text "handshake_failure reaches s_client" "$cout" \
		'alert handshake failure'
it_talk_until='alert handshake failure' one no-group "${cert_args[@]}" \
	--groups x448 -- "${verify[@]}" -groups P-256
it_expect "no common group" "$sout" "${fail_lines[@]}" \
	alert=handshake_failure "$(it_async 0)" &&
	it_expect_text "handshake_failure reaches s_client" "$cout" \
		'alert handshake failure'

it_summary
