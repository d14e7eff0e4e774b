#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ktls-peer itself: its command line as a table of {arguments, exit code,
# output pattern} (STYLE.md section 11), in the sync pass only, then
# ktls-peer against ktls-peer, both passes (in the async pass both ends run
# --async), for what the other scripts do not reach: ALPN, a PSK bound to
# SHA-384, --count, --sigalgs, lists separated by ':' as OpenSSL writes
# them, PSK through a HelloRetryRequest, and the escapes of --send and echo=.
# A list argument that parses reaches the connect (exit 1, error=connect),
# one that does not is misuse (exit 2).
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_setup
P=$IT_PKI

# A port nobody listens on: bind one and let it go.
closed=$(it_pick_port)

# args | exit code | extended regex a line of stdout+stderr must match
cases=(
	"|2|^usage: ktls-peer client"
	"--help|0|^usage: ktls-peer client"
	"bogus|2|unknown mode 'bogus'"
	"client|2|--connect HOST:PORT is required"
	"server|2|--listen ADDR:PORT is required"
	"client --connect nohostport|2|expected HOST:PORT"
	"client --connect 127.0.0.1:1 --bogus|2|unrecognized option"
	"client --connect 127.0.0.1:1 --groups x25519,nosuch|2|--groups: unknown"
	"client --connect 127.0.0.1:1 --ciphers TLS_RSA_WITH_RC4_128_MD5|2|--ciphers: unknown"
	"client --connect 127.0.0.1:1 --sigalgs ecdsa_bogus|2|--sigalgs: unknown"
	"client --connect 127.0.0.1:1 --cert c.pem|2|--cert and --key go together"
	"client --connect 127.0.0.1:1 --psk-identity id|2|--psk-identity and --psk-hex go together"
	"client --connect 127.0.0.1:1 --psk-identity id --psk-hex 0g|2|--psk-hex: expected"
	"client --connect 127.0.0.1:1 --psk-identity id --psk-hex $IT_PSK --psk-hash md5|2|--psk-hash: sha256 or sha384"
	# A key of 16 to 64 bytes (RFC 9257 section 6): shorter is misuse.
	"client --connect 127.0.0.1:1 --psk-identity id --psk-hex 00|2|--psk-hex: 16 to 64 bytes"
	"client --connect 127.0.0.1:1 --psk-identity id --psk-hex ${IT_PSK:0:30}|2|--psk-hex: 16 to 64 bytes"
	"server --listen 127.0.0.1:0 --psk-identity id --psk-hex ${IT_PSK:0:30}|2|--psk-hex: 16 to 64 bytes"
	"client --connect 127.0.0.1:1 --psk-identity id --psk-hex $IT_PSK$IT_PSK$IT_PSK|2|--psk-hex: "
	"client --connect 127.0.0.1:$closed --psk-identity id --psk-hex ${IT_PSK:0:32} --psk-only|1|^error=connect "
	"client --connect 127.0.0.1:1 --psk-only|2|--psk-only needs"
	"client --connect 127.0.0.1:1 --send bad\\q|2|--send: "
	"client --connect 127.0.0.1:1 --timeout 0|2|--timeout: expected a number"
	"client --connect 127.0.0.1:1 --key-shares many|2|--key-shares: expected a number"
	"client --connect 127.0.0.1:1 --count 2|2|--count is a server option"
	"client --connect 127.0.0.1:1 --require-client-cert|2|is a server option"
	"server --listen 127.0.0.1:0 --servername x|2|--servername is a client option"
	"server --listen 127.0.0.1:0|2|a server needs --cert/--key, a PSK, or both"
	"server --listen localhost:0 --psk-identity id --psk-hex $IT_PSK|2|numeric address expected"
	"server --listen 127.0.0.1:0 --cert $P/server-p256.pem --key $P/server-p256.key --request-client-cert|2|need --ca"
	"client --connect 127.0.0.1:$closed --no-verify|1|^error=connect 127.0.0.1:$closed: "
	"client --connect 127.0.0.1:$closed --cert /nonexistent --key /nonexistent|1|^error=loading /nonexistent"
	"client --connect 127.0.0.1:$closed --ca /nonexistent|1|^error=loading /nonexistent"
	# Lists: ',' or ':' between names, mixed; empty items, duplicates,
	# unknown names and more than 16 names are refused either way.
	"client --connect 127.0.0.1:$closed --no-verify --groups x25519:secp256r1|1|^error=connect "
	"client --connect 127.0.0.1:$closed --no-verify --groups X25519:P-256:secp384r1,x448|1|^error=connect "
	"client --connect 127.0.0.1:$closed --no-verify --ciphers TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256|1|^error=connect "
	"client --connect 127.0.0.1:$closed --no-verify --sigalgs ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256:ed25519|1|^error=connect "
	"server --listen 127.0.0.1:0 --psk-identity id --psk-hex $IT_PSK --groups x25519:nosuch|2|--groups: unknown, surplus or empty name in 'x25519:nosuch'"
	"client --connect 127.0.0.1:1 --groups x25519::secp256r1|2|--groups: unknown"
	"client --connect 127.0.0.1:1 --groups x25519:|2|--groups: unknown"
	"client --connect 127.0.0.1:1 --groups :|2|--groups: unknown"
	"client --connect 127.0.0.1:1 --groups x25519:X25519|2|--groups: unknown"
	"client --connect 127.0.0.1:1 --ciphers TLS_AES_128_GCM_SHA256:RC4|2|--ciphers: unknown"
	"client --connect 127.0.0.1:1 --sigalgs ed25519:ecdsa_bogus|2|--sigalgs: unknown"
	"client --connect 127.0.0.1:1 --groups $(printf 'x%.0s' {1..1100})|2|--groups: longer than 1023 bytes"
	# --async is for both roles.
	"client --connect 127.0.0.1:$closed --no-verify --async|1|^error=connect "
	"server --listen 127.0.0.1:0 --async|2|a server needs --cert/--key, a PSK, or both"
	"client --connect 127.0.0.1:1 --async=1|2|doesn't allow an argument"
)
[ "$it_mode" = sync ] || cases=()
for c in "${cases[@]}"; do
	IFS='|' read -r args code re <<<"$c"
	out=$it_tmp/cli.out
	# shellcheck disable=SC2086 # the table's arguments are words
	it_run "$out" "$KTLS_PEER" $args
	it_expect "ktls-peer $args" "$out" "exit=$code" "~.*$re.*"
done

# A server and a client, both ktls-peer. peer NAME SERVER-ARGS -- CLIENT-ARGS
peer()
{
	it_ktls_pair "$1" peer_client "${@:2}"
	it_context=("$sout")
}
# shellcheck disable=SC2317 # called through it_ktls_pair
peer_client()
{
	it_ktls_client "$cout" --connect "127.0.0.1:$it_port" "$@"
}

srv=(--cert "$P/server-p256.pem" --key "$P/server-p256.key")
cli=(--servername localhost --ca "$P/ca.pem")

peer alpn "${srv[@]}" --alpn http/1.1,h2 -- "${cli[@]}" --alpn h2,http/1.1 \
	--send 'a\\b\tc\x01\n'
it_expect "ALPN: the server's preference (client)" "$cout" exit=0 alpn=http/1.1 \
	'echo=a\\b\tc\x01\n'
it_expect "ALPN: the server's preference (server)" "$sout" exit=0 alpn=http/1.1
peer alpn-none "${srv[@]}" --alpn h2 -- "${cli[@]}" --alpn http/1.1
it_expect "ALPN: nothing in common" "$sout" exit=1 \
	alert=no_application_protocol

peer psk384 --psk-identity id384 --psk-hex "$IT_PSK" --psk-hash sha384 -- \
	--psk-identity id384 --psk-hex "$IT_PSK" --psk-hash sha384 --send x
it_expect "PSK bound to SHA-384" "$cout" exit=0 \
	cipher=TLS_AES_256_GCM_SHA384 psk_identity=id384 echo=x

peer sigalgs --cert "$P/server-rsa.pem" --key "$P/server-rsa.key" -- \
	"${cli[@]}" --sigalgs rsa_pss_rsae_sha384 --send x
it_expect "--sigalgs picks the server's scheme" "$cout" exit=0 \
	sigalg=rsa_pss_rsae_sha384

# ':' lists take effect in order: the second scheme, the second suite, and
# a key share for the first group only, which the server answers with HRR.
peer colon-lists --cert "$P/server-rsa.pem" --key "$P/server-rsa.key" \
	--groups secp384r1:x448 --ciphers TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256 \
	-- "${cli[@]}" --sigalgs ecdsa_secp256r1_sha256:rsa_pss_rsae_sha512 \
	--ciphers TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256 \
	--groups x25519:secp384r1 --key-shares 1 --send x
it_expect "lists separated by ':' (client)" "$cout" exit=0 \
	sigalg=rsa_pss_rsae_sha512 cipher=TLS_AES_128_GCM_SHA256 hrr=yes \
	group=secp384r1 echo=x
it_expect "lists separated by ':' (server)" "$sout" exit=0 hrr=yes \
	group=secp384r1 "$(it_async 1)"

# PSK through a HelloRetryRequest, ktls-peer on both ends: the retried
# ClientHello is looked up and its binder checked afresh (RFC 8446 4.2.11);
# a wrong key gets decrypt_error, at the first hello's binder (async=1) or
# the retried one's (async=2).
psk=(--psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK")
peer psk-hrr "${psk[@]}" --groups secp384r1 -- "${psk[@]}" \
	--groups x25519:secp384r1 --key-shares 1 --send x
it_expect "PSK after HRR (client)" "$cout" exit=0 hrr=yes group=secp384r1 \
	"psk_identity=$IT_PSK_ID" echo=x "$(it_async 0)"
it_expect "PSK after HRR (server)" "$sout" exit=0 hrr=yes \
	"psk_identity=$IT_PSK_ID" "$(it_async 2)"
peer psk-hrr-wrong-key "${psk[@]}" --groups secp384r1 -- \
	--psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK_WRONG" \
	--groups x25519:secp384r1 --key-shares 1 --send x
it_expect "wrong PSK after HRR (server)" "$sout" exit=1 alert=decrypt_error \
	"$(it_async '[12]')"
it_expect "wrong PSK after HRR (client)" "$cout" exit=1 \
	alert_received=decrypt_error

# A server with a certificate and a PSK, a client offering an identity it
# does not know: the lookup's answer (unknown) raises the next question at
# once, the signature, and the handshake falls back to the certificate.
peer psk-unknown-cert "${srv[@]}" "${psk[@]}" -- "${cli[@]}" \
	--psk-identity other-id --psk-hex "$IT_PSK" --send x
it_expect "unknown PSK identity, certificate instead (client)" "$cout" exit=0 \
	psk_identity=none sigalg=ecdsa_secp256r1_sha256 peer_verified=yes echo=x
it_expect "unknown PSK identity, certificate instead (server)" "$sout" exit=0 \
	psk_identity=none "$(it_async 2)"

if it_ktls_server count "${srv[@]}" --count 2; then
	for i in 1 2; do
		it_client "$it_tmp/count-$i.client" --send "conn $i"
	done
	it_reap "$it_server_pid" "$it_server_out"
	it_expect "--count 2 serves two connections" "$it_server_out" exit=0 \
		conn=1 conn=2
	it_expect "--count 2: second client" "$it_tmp/count-2.client" exit=0 \
		'echo=conn 2'
else
	it_not_ok "--count server did not start"
fi

it_summary
