#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ktls-peer as the server, GnuTLS's gnutls-cli as the client.
#
# Runs in a private network namespace like gnutls-client.sh. The matrix is
# the reduced diagonal (each certificate meets each suite and each group
# once); then HelloRetryRequest, mutual authentication, external PSK with
# psk_dhe_ke and with psk_ke alone (which gnutls-cli, unlike s_client, can
# offer) and through a HelloRetryRequest with the right and a wrong key,
# and the failures in both directions: certificates gnutls-cli rejects (it
# sends bad_certificate for every verification failure) and handshakes our
# server rejects (our alert shows in gnutls-cli's output; gnutls-cli then
# types nothing, and the check waits for the alert to show).
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_netns "$@"
it_need_cmd gnutls-cli
it_setup
P=$IT_PKI

# GnuTLS's words for what was negotiated, in its "- Description:" line.
g_kx()
{
	echo "ECDHE-$(it_gnutls_group "$1")"
}
g_sig()
{
	case $1 in
	p256) echo ECDSA-SECP256R1-SHA256 ;; p384) echo ECDSA-SECP384R1-SHA384 ;;
	rsa) echo 'RSA-PSS-RSAE-SHA(256|384|512)' ;; ed25519) echo EdDSA-Ed25519 ;;
	esac
}

# one NAME SERVER-ARGS -- GNUTLS-CLI-ARGS: one ktls-peer server, one
# gnutls-cli that sends a line (it_ktls_pair). Outputs in $sout and $cout,
# the line in $msg.
one()
{
	it_ktls_pair "$1" gnutls_cli_talk "${@:2}"
}
# shellcheck disable=SC2317 # called through it_ktls_pair
gnutls_cli_talk()
{
	it_talk "$cout" "$msg" gnutls-cli -p "$it_port" 127.0.0.1 "$@"
}

verify=(--x509cafile "$P/ca.pem" --verify-hostname localhost)
ok_lines=(exit=0 version=TLSv1.3)
fail_lines=(exit=1 '~error=.+')
trusted='- Status: The certificate is trusted. '

# --- the diagonal -------------------------------------------------------------
ci=0
for cert in "${IT_CERTS[@]}"; do
	for si in 0 1 2 3; do
		suite=${IT_SUITES[si]}
		group=${IT_GROUPS[(si + ci) % 4]}
		name=diag-$cert-$suite-$group
		one "$name" --cert "$P/server-$cert.pem" --key "$P/server-$cert.key" \
			--ciphers "$IT_ALL_SUITES" --groups "$IT_ALL_GROUPS" -- \
			"${verify[@]}" --priority "$(it_gnutls_prio "$suite" "$group")"
		it_expect "$cert $suite $group (ktls-peer)" "$sout" "${ok_lines[@]}" \
			"cipher=$suite" "group=$group" hrr=no sigalg=none \
			peer_verified=no psk_identity=none "$(it_async 1)" &&
		it_expect "$cert $suite $group (gnutls-cli)" "$cout" "$trusted" "$msg" \
			"~- Description: \\(TLS1\\.3-X\\.509\\)-\\($(g_kx "$group")\\)-\\($(g_sig "$cert")\\)-\\($(it_gnutls_cipher "$suite")\\)"
	done
	ci=$((ci + 1))
done

cert_args=(--cert "$P/server-p256.pem" --key "$P/server-p256.key")
prio=$(it_gnutls_prio)

# --- HRR: gnutls-cli shares x25519 and secp256r1, we take secp384r1 only -----
one hrr "${cert_args[@]}" --groups secp384r1 -- "${verify[@]}" \
	--priority "$(it_gnutls_prio "" x25519,secp256r1,secp384r1)"
it_expect "HRR to secp384r1" "$sout" "${ok_lines[@]}" hrr=yes \
	group=secp384r1 "$(it_async 1)" &&
	it_expect_text "HRR: gnutls-cli" "$cout" "$msg"
one hrr-cookie "${cert_args[@]}" --groups secp384r1 --hrr-cookie -- \
	"${verify[@]}" --priority "$(it_gnutls_prio "" x25519,secp256r1,secp384r1)"
it_expect "HRR with a cookie" "$sout" "${ok_lines[@]}" hrr=yes \
	group=secp384r1 && it_expect_text "HRR cookie: gnutls-cli" "$cout" "$msg"

# --- mutual authentication ----------------------------------------------------
for cc in "${IT_CERTS[@]}"; do
	one "mutual-$cc" "${cert_args[@]}" --ca "$P/ca.pem" --require-client-cert \
		-- "${verify[@]}" --priority "$prio" \
		--x509certfile "$P/client-$cc.pem" --x509keyfile "$P/client-$cc.key"
	it_expect "client certificate $cc" "$sout" "${ok_lines[@]}" \
		peer_verified=yes "~sigalg=$(it_sigalg_re "$cc")" "$(it_async 1)" &&
		it_expect_text "client certificate $cc: gnutls-cli" "$cout" "$msg"
done
it_talk_until='Received alert \[116\]' one mutual-none "${cert_args[@]}" \
	--ca "$P/ca.pem" --require-client-cert -- "${verify[@]}" --priority "$prio"
it_expect "required client certificate missing" "$sout" "${fail_lines[@]}" \
	alert=certificate_required "$(it_async 1)" &&
	it_expect_text "certificate_required reaches gnutls-cli" "$cout" \
		'Received alert [116]'

# --- external PSK -------------------------------------------------------------
psk_srv=(--psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK")
psk_cli=(--pskusername "$IT_PSK_ID" --pskkey "$IT_PSK")
one psk-dhe "${psk_srv[@]}" -- "${psk_cli[@]}" \
	--priority "$prio:-KX-ALL:+ECDHE-PSK"
it_expect "PSK psk_dhe_ke" "$sout" "${ok_lines[@]}" "psk_identity=$IT_PSK_ID" \
	'~group=(x25519|secp256r1|secp384r1|x448)' sigalg=none hrr=no \
	"$(it_async 1)" &&
	it_expect_text "PSK psk_dhe_ke: gnutls-cli" "$cout" "$msg"
one psk-ke "${psk_srv[@]}" --psk-ke -- "${psk_cli[@]}" \
	--priority "$prio:-KX-ALL:+PSK"
it_expect "PSK psk_ke" "$sout" "${ok_lines[@]}" "psk_identity=$IT_PSK_ID" \
	group=none sigalg=none "$(it_async 1)" &&
	it_expect_text "PSK psk_ke: gnutls-cli" "$cout" "$msg" \
		"PSK authentication. Connected as '$IT_PSK_ID'"
one psk-ke-refused "${psk_srv[@]}" -- "${psk_cli[@]}" \
	--priority "$prio:-KX-ALL:+PSK"
it_expect "psk_ke without --psk-ke: refused" "$sout" "${fail_lines[@]}" \
	alert=handshake_failure
it_talk_until='Received alert \[51\]' one psk-wrong-key "${psk_srv[@]}" -- \
	--pskusername "$IT_PSK_ID" --pskkey "$IT_PSK_WRONG" \
	--priority "$prio:-KX-ALL:+ECDHE-PSK"
it_expect "wrong PSK: decrypt_error" "$sout" "${fail_lines[@]}" \
	alert=decrypt_error "$(it_async 1)" &&
	it_expect_text "decrypt_error reaches gnutls-cli" "$cout" 'Received alert [51]'
it_talk_until='Received alert \[115\]' one psk-wrong-id "${psk_srv[@]}" -- \
	--pskusername other-id --pskkey "$IT_PSK" --priority "$prio:-KX-ALL:+ECDHE-PSK"
it_expect "unknown PSK identity" "$sout" "${fail_lines[@]}" \
	alert=unknown_psk_identity "$(it_async 1)" &&
	it_expect_text "unknown_psk_identity reaches gnutls-cli" "$cout" \
		'Received alert [115]'

# --- PSK through a HelloRetryRequest (RFC 8446 4.1.4, 4.2.11) ----------------
# gnutls-cli shares x25519 and secp256r1, we take secp384r1 only: the
# retried ClientHello's binder is checked afresh over the new transcript,
# and its identity looked up again (async=2 in the async pass). A wrong key
# fails at the first hello's binder or at the retried one's.
hrr_prio="$(it_gnutls_prio "" x25519,secp256r1,secp384r1):-KX-ALL:+ECDHE-PSK"
one psk-hrr "${psk_srv[@]}" --groups secp384r1 -- "${psk_cli[@]}" \
	--priority "$hrr_prio"
it_expect "PSK after HRR" "$sout" "${ok_lines[@]}" hrr=yes group=secp384r1 \
	"psk_identity=$IT_PSK_ID" sigalg=none "$(it_async 2)" &&
	it_expect_text "PSK after HRR: gnutls-cli" "$cout" "$msg"
it_talk_until='Received alert \[51\]' one psk-hrr-wrong-key "${psk_srv[@]}" \
	--groups secp384r1 -- --pskusername "$IT_PSK_ID" --pskkey "$IT_PSK_WRONG" \
	--priority "$hrr_prio"
it_expect "wrong PSK after HRR: decrypt_error" "$sout" "${fail_lines[@]}" \
	alert=decrypt_error "$(it_async '[12]')" &&
	it_expect_text "wrong PSK after HRR: gnutls-cli" "$cout" 'Received alert [51]'

# --- certificates gnutls-cli rejects: it sends bad_certificate ----------------
for bad in 'unknownca:The certificate issuer is unknown' \
	'wrongname:The name in the certificate does not match' \
	'expired:The certificate chain uses expired certificate'; do
	cert=${bad%%:*}
	why=${bad#*:}
	one "bad-$cert" --cert "$P/server-$cert.pem" --key "$P/server-$cert.key" \
		-- "${verify[@]}" --priority "$prio"
	it_expect "gnutls-cli rejects $cert" "$sout" "${fail_lines[@]}" \
		alert=bad_certificate alert_received=bad_certificate &&
		it_expect_text "gnutls-cli rejects $cert: reason" "$cout" "$why"
done

# --- nothing in common: we send handshake_failure ----------------------------
it_talk_until='Received alert \[40\]' one no-suite "${cert_args[@]}" \
	--ciphers TLS_CHACHA20_POLY1305_SHA256 -- "${verify[@]}" \
	--priority "$(it_gnutls_prio TLS_AES_128_GCM_SHA256)"
it_expect "no common cipher suite" "$sout" "${fail_lines[@]}" \
	alert=handshake_failure &&
	it_expect_text "handshake_failure reaches gnutls-cli" "$cout" \
		'Received alert [40]'
it_talk_until='Received alert \[40\]' one no-group "${cert_args[@]}" \
	--groups x448 -- "${verify[@]}" --priority "$(it_gnutls_prio "" secp256r1)"
it_expect "no common group" "$sout" "${fail_lines[@]}" \
	alert=handshake_failure &&
	it_expect_text "handshake_failure reaches gnutls-cli" "$cout" \
		'Received alert [40]'

it_summary
