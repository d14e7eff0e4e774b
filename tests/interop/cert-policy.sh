#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The certificate policy (security level 2, the leaf's keyUsage and
# extendedKeyUsage; see ktlsd.conf(5) security_level) against OpenSSL in
# both roles, with the certificates mkcerts.sh makes for it:
#
#   - ktls-peer as the client against s_server presenting each server-*
#     policy certificate: the refused ones fail on our side with
#     unsupported_certificate and the reason in words, and that alert
#     reaches s_server; the accepted ones verify and carry data;
#   - ktls-peer as the server requiring a client certificate, against
#     s_client presenting each client-* one, the same way;
#   - one ktls-peer server for a run of connections (one trust object, so
#     its remembered verdicts are in play): good chains twice, then every
#     refused one, then a good one again.
#
# OpenSSL runs at its security level 0 here, or it would not present the
# weak certificates at all. s_server will not send a leaf signed with SHA-1
# to a client that lists no SHA-1 signature scheme, which ours never does
# (RFC 8446 section 4.4.2.2 lets a server refuse), so that one case has
# ktls-peer as the server.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_setup
P=$IT_PKI
PAL='ktlsd-policy|ycilop-dsltk'	# a palindrome, for s_server -rev
OSSL_WEAK=(-cipher 'DEFAULT:@SECLEVEL=0')

# Refused certificates: NAME:REASON, as ktls-peer's error= line says it.
why_key='peer certificate key is weaker than the security level allows'
why_md='certificate in the chain signed with a digest weaker than the security level allows (SHA-1, MD5)'
why_ku='peer certificate keyUsage does not allow digitalSignature'
refused_servers=("rsa1024:$why_key" "sha1:$why_md" "sha1inter:$why_md"
	"kuenc:$why_ku"
	'ekuclient:server certificate extendedKeyUsage does not allow serverAuth')
refused_clients=("rsa1024:$why_key" "sha1:$why_md" "sha1inter:$why_md"
	"kuenc:$why_ku"
	'ekuserver:client certificate extendedKeyUsage does not allow clientAuth')
# Accepted: the baseline, no extensions, digitalSignature only, both EKUs.
accepted=(p256 noext kuds ekuboth)

ok_lines=(exit=0 version=TLSv1.3 peer_verified=yes)
refused_lines=(exit=1 alert=unsupported_certificate)

# The chain arguments OpenSSL needs for a policy certificate: the leaf
# file holds the chain, but -cert reads its first certificate only.
ossl_chain()
{
	case $1 in
	*sha1inter) echo "-cert_chain $P/inter-sha1.pem" ;;
	esac
}

# s_server NAME CERT: one OpenSSL server presenting $P/CERT.pem.
s_server()
{
	local name=$1 cert=$2
	# shellcheck disable=SC2046 # ossl_chain gives words
	it_server "$name" '^ACCEPT' openssl s_server -accept 127.0.0.1:0 -rev \
		-tls1_3 "${OSSL_WEAK[@]}" -cert "$P/$cert.pem" \
		-key "$P/$cert.key" $(ossl_chain "$cert") || return 1
	it_port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$it_server_out")
	it_context=("$it_server_out")
	[ -n "$it_port" ]
}

# --- ktls-peer verifies a server ---------------------------------------------
for c in "${accepted[@]}"; do
	if ! s_server "server-$c" "server-$c"; then
		it_not_ok "s_server with server-$c did not start"
		continue
	fi
	out=$it_tmp/client-verifies-$c.out
	it_client "$out" --send "$PAL\\n"
	it_expect "server certificate $c is accepted" "$out" "${ok_lines[@]}" \
		"echo=$PAL\\n"
	it_stop "$it_server_pid"
done

for r in "${refused_servers[@]}"; do
	c=${r%%:*}
	why=${r#*:}
	out=$it_tmp/client-refuses-$c.out
	if [ "$c" = sha1 ]; then
		if ! it_ktls_server "server-$c" --cert "$P/server-$c.pem" \
			--key "$P/server-$c.key"; then
			it_not_ok "ktls-peer server with server-$c did not start"
			continue
		fi
		it_client "$out" --send "$PAL\\n"
		it_reap "$it_server_pid" "$it_server_out"
		it_expect "server certificate $c is refused" "$out" \
			"${refused_lines[@]}" "error=$why" &&
			it_expect "server certificate $c: the server hears why" \
				"$it_server_out" alert_received=unsupported_certificate
		continue
	fi
	if ! s_server "server-$c" "server-$c"; then
		it_not_ok "s_server with server-$c did not start"
		continue
	fi
	it_client "$out" --send "$PAL\\n"
	# s_server prints the alert when it reads it, which may be after our
	# client has exited: wait for it (or for the timeout) before stopping.
	it_wait_for "$it_server_out" 'alert unsupported certificate' \
		"$it_server_pid"
	it_stop "$it_server_pid"
	it_expect "server certificate $c is refused" "$out" \
		"${refused_lines[@]}" "error=$why" &&
		it_expect_text "server certificate $c: s_server hears why" \
			"$it_server_out" 'alert unsupported certificate'
done

# --- ktls-peer verifies a client ---------------------------------------------
# shellcheck disable=SC2317 # called through it_ktls_pair
s_client_talk()
{
	it_talk "$cout" "$msg" openssl s_client -connect "127.0.0.1:$it_port" \
		-servername localhost -tls1_3 -brief -nocommands \
		"${OSSL_WEAK[@]}" -CAfile "$P/ca.pem" -verify_return_error "$@"
}
server_args=(--cert "$P/server-p256.pem" --key "$P/server-p256.key"
	--ca "$P/ca.pem" --require-client-cert)
client_cert()
{
	# shellcheck disable=SC2046 # ossl_chain gives words
	echo -cert "$P/client-$1.pem" -key "$P/client-$1.key" $(ossl_chain "$1")
}

for c in "${accepted[@]}"; do
	# shellcheck disable=SC2046 # client_cert gives words (no spaces in paths)
	if ! it_ktls_pair "verify-client-$c" s_client_talk "${server_args[@]}" -- \
		$(client_cert "$c"); then
		it_not_ok "ktls-peer server for client-$c did not start"
		continue
	fi
	it_expect "client certificate $c is accepted" "$sout" "${ok_lines[@]}" &&
		it_expect_text "client certificate $c: s_client" "$cout" "$msg"
done

for r in "${refused_clients[@]}"; do
	c=${r%%:*}
	why=${r#*:}
	# shellcheck disable=SC2046
	if ! it_ktls_pair "refuse-client-$c" s_client_talk "${server_args[@]}" -- \
		$(client_cert "$c"); then
		it_not_ok "ktls-peer server for client-$c did not start"
		continue
	fi
	it_expect "client certificate $c is refused" "$sout" \
		"${refused_lines[@]}" "error=$why"
done

# --- one server, many chains: a remembered verdict never lets one through ----
run=(ekuboth ekuboth)
for r in "${refused_clients[@]}"; do
	run+=("${r%%:*}")
done
run+=(ekuboth)
if it_ktls_server verdicts "${server_args[@]}" --count "${#run[@]}"; then
	for c in "${run[@]}"; do
		cout=$it_tmp/verdicts-$c.client
		# shellcheck disable=SC2046
		it_talk "$cout" "cert-policy-$c" openssl s_client \
			-connect "127.0.0.1:$it_port" -servername localhost -tls1_3 \
			-brief -nocommands "${OSSL_WEAK[@]}" -CAfile "$P/ca.pem" \
			$(client_cert "$c")
	done
	it_reap "$it_server_pid" "$it_server_out"
	# One file per connection: conn=N starts each.
	awk -v d="$it_tmp/verdicts" '/^conn=[0-9]+$/ { f = d "." substr($0, 6) }
		f { print > f }' "$it_server_out"
	for ((i = 0; i < ${#run[@]}; i++)); do
		c=${run[i]}
		f=$it_tmp/verdicts.$((i + 1))
		if [ "$c" = ekuboth ]; then
			it_expect "one server, connection $((i + 1)): $c accepted" \
				"$f" version=TLSv1.3 peer_verified=yes
		else
			it_expect "one server, connection $((i + 1)): $c refused" \
				"$f" alert=unsupported_certificate
		fi
	done
else
	it_not_ok "ktls-peer server for the run of chains did not start"
fi

it_summary
