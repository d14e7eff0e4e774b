#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The demo, from a fresh clone on Debian (as root): bash tests/interop/demo.sh
#
# Installs what it needs with apt-get, builds ktlsd, and shows the libktls
# TLS 1.3 engine (through ktls-peer) talking to OpenSSL on 127.0.0.1:
#   1. ktls-peer client -> openssl s_server -rev (server answers reversed)
#   2. openssl s_client -> ktls-peer server (echo), mutually authenticated
#   3. a failure: a server certificate from a CA we do not trust, and the
#      alert that goes on the wire.
# Certificates are made on the spot by mkcerts.sh and removed at the end.
# Set KTLS_DEMO_NO_INSTALL=1 to skip apt-get, KTLS_BUILD_DIR to build
# elsewhere than build-demo/.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$top/tests/interop
build=${KTLS_BUILD_DIR:-build-demo}
case $build in /*) ;; *) build=$top/$build ;; esac

step()
{
	printf '\n==> %s\n' "$*"
}

if [ "${KTLS_DEMO_NO_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] &&
	command -v apt-get >/dev/null; then
	step "installing build tools and OpenSSL (apt-get)"
	bash "$top/.ci/run" install-deps build-essential autoconf automake \
		libtool pkg-config libssl-dev openssl >"$top/demo-install.log" 2>&1 || {
		tail -n 30 "$top/demo-install.log"
		exit 1
	}
	rm -f "$top/demo-install.log"
fi

step "building ktlsd in $build"
log=$(mktemp)
if ! (cd "$top" && autoreconf -fi && mkdir -p "$build" && cd "$build" &&
	"$top/configure" && make -j2) >"$log" 2>&1; then
	tail -n 40 "$log"
	rm -f "$log"
	exit 1
fi
rm -f "$log"
peer=$build/tools/ktls-peer
echo "built $peer"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktls-demo.XXXXXX")
pids=()
cleanup()
{
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
bash "$here/mkcerts.sh" "$tmp/pki" >/dev/null
P=$tmp/pki

# wait_for FILE REGEX: up to 10 s for a line to show up.
wait_for()
{
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timed out waiting for '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

# show CMD...: the command as one would type it, paths shortened.
show()
{
	local a line='$'
	for a in "$@"; do
		a=${a#"$P/"}
		a=${a#"$build/tools/"}
		case $a in
		*[!A-Za-z0-9_./:=,@+-]*) line="$line '$a'" ;;
		*) line="$line $a" ;;
		esac
	done
	echo "$line"
}

# s_server NAME CERT: an openssl s_server -rev for one connection, with
# server-CERT.pem, on a port it picks (set in port); its output in NAME.out.
s_server()
{
	timeout 60 openssl s_server -accept 127.0.0.1:0 -rev -tls1_3 -naccept 1 \
		-cert "$P/server-$2.pem" -key "$P/server-$2.key" </dev/null \
		>"$tmp/$1.out" 2>&1 &
	pids+=($!)
	wait_for "$tmp/$1.out" '^ACCEPT'
	port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$tmp/$1.out")
}

step "1. ktls-peer client -> openssl s_server (ECDSA P-256 certificate, X25519)"
s_server s_server p256
cmd=("$peer" client --connect "127.0.0.1:$port" --servername localhost
	--ca "$P/ca.pem" --groups x25519 --send 'hello from libktls\n')
show "${cmd[@]}"
"${cmd[@]}"
echo "(s_server -rev answers each line reversed)"

step "2. openssl s_client -> ktls-peer server, client certificate required (RSA-PSS)"
timeout 60 "$peer" server --listen 127.0.0.1:0 --cert "$P/server-rsa.pem" \
	--key "$P/server-rsa.key" --ca "$P/ca.pem" --require-client-cert \
	</dev/null >"$tmp/server.out" 2>"$tmp/server.err" &
pids+=($!)
spid=$!
wait_for "$tmp/server.err" 'listening on'
port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$tmp/server.err")
echo "$ ktls-peer server --listen 127.0.0.1:$port --cert server-rsa.pem --key server-rsa.key --ca ca.pem --require-client-cert"
echo "$ echo 'hello from OpenSSL' | openssl s_client -connect 127.0.0.1:$port -cert client-ed25519.pem ..."
{
	echo 'hello from OpenSSL'
	sleep 1
} | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
	-CAfile "$P/ca.pem" -verify_return_error -brief -nocommands \
	-cert "$P/client-ed25519.pem" -key "$P/client-ed25519.key" 2>&1 |
	sed 's/^/  s_client: /'
wait "$spid" || true
sed 's/^/  ktls-peer server: /' "$tmp/server.out"

step "3. a failure: the server's certificate comes from a CA we do not trust"
s_server s_server2 unknownca
cmd=("$peer" client --connect "127.0.0.1:$port" --servername localhost
	--ca "$P/ca.pem")
show "${cmd[@]}"
rc=0
"${cmd[@]}" || rc=$?
echo "(exit status $rc; s_server saw: $(grep -o 'alert [a-z ]*' "$tmp/s_server2.out" | head -n 1))"
[ "$rc" = 1 ]

step "done: libktls completed TLS 1.3 handshakes with OpenSSL both ways"
