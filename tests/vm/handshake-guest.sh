#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of test-vm-handshake.sh, run inside the VM by /init (busybox ash).
# ktlsd serves real kernel handshake requests: the test module
# ktls_test_hs plays the kernel consumer (NFS, NVMe/TCP) on one end of a
# loopback TCP connection, driven by hs-request, and ktls-peer is the TLS
# peer on the other end. Each check prints one PASS/FAIL line; the last line
# is "N passed, N failed"; the exit status is 1 if anything failed.
#
# Layout (made by test-vm-handshake.sh): $KTLSD_HS_DIR/pki holds the
# interop PKI (mkcerts.sh) plus DER copies (*.der) and raw 32-byte PSKs
# (psk-*.bin); the programs are at the paths below. Called by full path:
# busybox runs its own applets first.

KTLSD=/usr/sbin/ktlsd
PEER=/usr/bin/ktls-peer
HS=/usr/bin/hs-request
KEYCTL=/usr/bin/keyctl
PKI=${KTLSD_HS_DIR:-/opt/ktlsd-test}/pki
W=/tmp/hs
ID=${KTLSD_HS_PSK_ID:-NVMe0R01 host subsys}
PSK_A=${KTLSD_HS_PSK_A:?}	# hex of psk-a.bin
PSK_B=${KTLSD_HS_PSK_B:?}	# hex of psk-b.bin
CIPHERS="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_CCM_SHA256"
# Peers give up after this long; every wait below is bounded.
T=20

pass=0
fail=0
port=5000
mkdir -p "$W"

# ---- reporting -----------------------------------------------------------

# t_begin DESC; then t_want FILE LINE-REGEX ... and t_end.
t_begin()
{
	t_desc=$1
	t_why=
	t_files=
}

t_file()
{
	case " $t_files " in *" $1 "*) ;; *) t_files="$t_files $1" ;; esac
}

t_want()
{
	t_file "$1"
	grep -qxE -- "$2" "$1" 2>/dev/null ||
		t_why="$t_why
#   ${1##*/}: no line matching '$2'"
}

t_reject()
{
	t_file "$1"
	! grep -qxE -- "$2" "$1" 2>/dev/null ||
		t_why="$t_why
#   ${1##*/}: unexpected line matching '$2'"
}

t_true()
{
	t_what=$1
	shift
	"$@" || t_why="$t_why
#   $t_what"
}

t_end()
{
	if [ -z "$t_why" ]; then
		echo "PASS: $t_desc"
		pass=$((pass + 1))
		return 0
	fi
	echo "FAIL: $t_desc$t_why"
	for f in $t_files; do
		echo "#   --- ${f##*/}"
		sed 's/^/#   | /' "$f"
	done
	fail=$((fail + 1))
	return 1
}

# value FILE KEY: the value of the first KEY=... line in FILE.
value()
{
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# ---- processes -------------------------------------------------------------

# wait_for FILE REGEX PID: until a line of FILE matches, while PID lives.
wait_for()
{
	i=0
	while [ $i -lt $((T * 20)) ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	grep -qE -- "$2" "$1" 2>/dev/null
}

next_port()
{
	port=$((port + 1))
}

# peer_server NAME ARGS...: ktls-peer server on 127.0.0.1:$port, output in
# $W/NAME.peer; sets peer_pid.
peer_server()
{
	n=$1
	shift
	timeout $((T + 5)) "$PEER" server --listen "127.0.0.1:$port" --timeout "$T" \
		"$@" >"$W/$n.peer" 2>&1 </dev/null &
	peer_pid=$!
	wait_for "$W/$n.peer" 'listening on' "$peer_pid" ||
		echo "# ktls-peer server $n did not start"
}

# hs_client NAME HS-ARGS...: module client against the peer server started
# by peer_server NAME; waits for both.
hs_client()
{
	n=$1
	shift
	timeout $((T + 10)) "$HS" --role client --connect "127.0.0.1:$port" "$@" \
		>"$W/$n.hs" 2>&1 </dev/null
	echo "exit=$?" >>"$W/$n.hs"
	wait "$peer_pid"
	echo "exit=$?" >>"$W/$n.peer"
}

# hs_server_bg NAME HS-ARGS...: module server listening on $port (sets
# hs_pid); then peer_client NAME PEER-ARGS... connects and both are waited.
hs_server_bg()
{
	n=$1
	shift
	timeout $((T + 10)) "$HS" --role server --listen "127.0.0.1:$port" "$@" \
		>"$W/$n.hs" 2>&1 </dev/null &
	hs_pid=$!
	wait_for "$W/$n.hs" 'listening on' "$hs_pid" ||
		echo "# hs-request $n did not start listening"
}

peer_client()
{
	n=$1
	shift
	timeout $((T + 5)) "$PEER" client --connect "127.0.0.1:$port" --timeout "$T" \
		"$@" >"$W/$n.peer" 2>&1 </dev/null
	echo "exit=$?" >>"$W/$n.peer"
	wait "$hs_pid"
	echo "exit=$?" >>"$W/$n.hs"
}

# hs_alone NAME HS-ARGS...: a request with no TLS peer at all.
hs_alone()
{
	n=$1
	shift
	timeout $((T + 10)) "$HS" "$@" >"$W/$n.hs" 2>&1 </dev/null
	echo "exit=$?" >>"$W/$n.hs"
}

cipher_id()
{
	case $1 in
	TLS_AES_128_GCM_SHA256) echo 51 ;;
	TLS_AES_256_GCM_SHA384) echo 52 ;;
	TLS_AES_128_CCM_SHA256) echo 53 ;;
	TLS_CHACHA20_POLY1305_SHA256) echo 54 ;;
	esac
}

# Both directions of kTLS on the socket, with the negotiated cipher.
want_ktls()
{
	t_want "$1" "ulp=tls"
	t_want "$1" "tx_cipher=$2 tx_version=0x0304"
	t_want "$1" "rx_cipher=$2 rx_version=0x0304"
}

# elapsed FILE MAX: the request took at most MAX ms.
elapsed_below()
{
	e=$(value "$1" elapsed_ms)
	[ -n "$e" ] && [ "$e" -le "$2" ]
}

elapsed_between()
{
	e=$(value "$1" elapsed_ms)
	[ -n "$e" ] && [ "$e" -ge "$2" ] && [ "$e" -le "$3" ]
}

# key_usage SERIAL: the key's reference count in /proc/keys (one per link).
key_usage()
{
	awk -v id="$(printf '%08x' "$1")" '$1 == id { print $3 }' /proc/keys
}

tls_stat()
{
	awk -v k="$1" '$1 == k { print $2 }' /proc/net/tls_stat
}

# ---- setup -----------------------------------------------------------------

t_begin "setup: module ktls_test_hs loads and /dev/ktls_test_hs appears"
modprobe tls >"$W/modprobe.out" 2>&1
modprobe ktls_test_hs >>"$W/modprobe.out" 2>&1
i=0
while [ ! -c /dev/ktls_test_hs ] && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
t_true "no /dev/ktls_test_hs" test -c /dev/ktls_test_hs
t_file "$W/modprobe.out"
if ! t_end; then
	echo "0 passed, 1 failed"
	exit 1
fi

# Certificates and keys by serial (user keys holding DER), and PSKs (type
# "psk" from nvme-keyring) in per-request keyrings. The guest's processes
# have no session keyring, so they share the user session keyring, which
# links @u: ktlsd (root) possesses what we add there.
t_begin "setup: keys added (user keys with DER, psk keys in keyrings)"
: >"$W/keys.out"
addkey()
{
	s=$("$KEYCTL" padd "$1" "$2" "$3" <"$4" 2>>"$W/keys.out")
	echo "$1 '$2' -> ${s:-failed}" >>"$W/keys.out"
	echo "$s"
}
CERT_C=$(addkey user "ktlsd-test client cert" @u "$PKI/client-p384.der")
KEY_C=$(addkey user "ktlsd-test client key" @u "$PKI/client-p384.key.der")
CERT_S=$(addkey user "ktlsd-test server cert" @u "$PKI/server-p384.der")
KEY_S=$(addkey user "ktlsd-test server key" @u "$PKI/server-p384.key.der")
KR_A=$("$KEYCTL" newring ktlsd-test-a @u 2>>"$W/keys.out")
KR_B=$("$KEYCTL" newring ktlsd-test-b @u 2>>"$W/keys.out")
echo "keyrings: a=$KR_A b=$KR_B" >>"$W/keys.out"
# The same identity in both keyrings, with different keys: a lookup in the
# wrong keyring fails the handshake (binder mismatch).
PSKS_A=$(addkey psk "$ID" "$KR_A" "$PKI/psk-a.bin")
PSKS_B=$(addkey psk "$ID" "$KR_B" "$PKI/psk-b.bin")
# Client PSKs are passed by serial.
PSKC_A=$(addkey psk "$ID" @u "$PKI/psk-a.bin")
PSKC_OTHER=$(addkey psk "NVMe0R01 host stranger" @u "$PKI/psk-b.bin")
for v in "$CERT_C" "$KEY_C" "$CERT_S" "$KEY_S" "$KR_A" "$KR_B" "$PSKS_A" \
	"$PSKS_B" "$PSKC_A" "$PSKC_OTHER"; do
	case $v in '' | *[!0-9]*) t_why="$t_why
#   a key could not be added" ;; esac
done
t_file "$W/keys.out"
if ! t_end; then
	echo "$pass passed, $fail failed"
	exit 1
fi

# ktlsd with configured certificates for both roles; the keyring ones differ
# (P-384 instead of P-256), so the peer's sigalg shows which was used.
cat >"$W/ktlsd.conf" <<EOF
[debug]
loglevel = ${KTLSD_HS_LOGLEVEL:-1}

[authenticate.client]
x509.truststore = $PKI/ca.pem
x509.certificate = $PKI/client-p256.pem
x509.private_key = $PKI/client-p256.key

[authenticate.server]
x509.truststore = $PKI/ca.pem
x509.certificate = $PKI/server-p256.pem
x509.private_key = $PKI/server-p256.key

[ktlsd]
user = nobody
EOF
t_begin "setup: ktlsd -s starts and reports ready"
"$KTLSD" -s -c "$W/ktlsd.conf" >"$W/ktlsd.log" 2>&1 </dev/null &
ktlsd_pid=$!
t_true "ktlsd did not log 'ready'" wait_for "$W/ktlsd.log" 'ready' "$ktlsd_pid"
t_file "$W/ktlsd.log"
if ! t_end; then
	echo "$pass passed, $fail failed"
	exit 1
fi

use_a0=$(key_usage "$KR_A")
use_b0=$(key_usage "$KR_B")
# The workers that parse the peers' bytes run unprivileged: every one of
# them, with real, effective, saved and filesystem uid all nobody's.
t_begin "setup: every ktlsd worker runs as user nobody"
nobody=$(awk -F: '$1 == "nobody" { print $3 }' /etc/passwd)
nw=0
wbad=
for d in /proc/[0-9]*; do
	case $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) in
	*ktlsd*--worker*)
		nw=$((nw + 1))
		u=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$d/status")
		[ "$u" = "$nobody $nobody $nobody $nobody" ] || wbad="$wbad ${d#/proc/}:$u"
		;;
	esac
done
t_true "found $nw workers (nobody is '$nobody'); not nobody:${wbad:- none}" \
	test "$nw" -ge 1 -a -z "$wbad" -a -n "$nobody"
t_end

tx0=$(tls_stat TlsTxSw)
rx0=$(tls_stat TlsRxSw)
ok_sessions=0

# ---- the four ciphers, both roles ------------------------------------------

for c in $CIPHERS; do
	id=$(cipher_id "$c")

	next_port
	n=client-$id
	t_begin "x509 $c, module client <-> ktls-peer server: status 0, peerid 0, kTLS both ways, echo"
	peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
		--ca "$PKI/ca.pem" --request-client-cert --ciphers "$c"
	hs_client "$n" --auth x509 --peername localhost --send "hello $c via kTLS"
	t_want "$W/$n.hs" "errno=0"
	t_want "$W/$n.hs" "peerid=0"
	t_want "$W/$n.hs" "flags=done"
	want_ktls "$W/$n.hs" "$id"
	t_want "$W/$n.hs" "echo=ok"
	t_want "$W/$n.hs" "exit=0"
	t_want "$W/$n.peer" "cipher=$c"
	t_want "$W/$n.peer" "peer_verified=yes"
	t_want "$W/$n.peer" "exit=0"
	t_end && ok_sessions=$((ok_sessions + 1))

	next_port
	n=server-$id
	t_begin "x509 $c, ktls-peer client <-> module server: data sent right after the client's Finished arrives, echo, peerid non-zero"
	hs_server_bg "$n" --auth x509 --expect "early data $c" --echo
	peer_client "$n" --servername localhost --ca "$PKI/ca.pem" \
		--cert "$PKI/client-p256.pem" --key "$PKI/client-p256.key" \
		--ciphers "$c" --send "early data $c"
	t_want "$W/$n.hs" "errno=0"
	t_want "$W/$n.hs" "peerid=-?[1-9][0-9]*"
	want_ktls "$W/$n.hs" "$id"
	t_want "$W/$n.hs" "expect=ok"
	t_want "$W/$n.hs" "exit=0"
	t_want "$W/$n.peer" "cipher=$c"
	t_want "$W/$n.peer" "peer_verified=yes"
	t_want "$W/$n.peer" "echo=early data $c"
	t_want "$W/$n.peer" "exit=0"
	t_end && ok_sessions=$((ok_sessions + 1))
done

# ---- x509 variations ---------------------------------------------------------

next_port
n=bulk
t_begin "x509 client: 300000 bytes each way through kTLS (many records)"
peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key"
hs_client "$n" --auth x509 --peername localhost --bulk 300000
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "bulk=ok"
t_want "$W/$n.peer" "exit=0"
t_end && ok_sessions=$((ok_sessions + 1))

# A server may send data right behind its Finished, before the client's
# (0.5-RTT); those bytes follow the last record the agent may read, so
# they must reach kernel TLS untouched.
next_port
n=half-rtt
t_begin "x509 client, libssl server sends data right after its Finished: left to kernel TLS, echoed"
timeout $((T + 5)) /usr/bin/half-rtt-server --listen "127.0.0.1:$port" \
	--cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
	--send "half-rtt line $port" --timeout "$T" >"$W/$n.peer" 2>&1 </dev/null &
peer_pid=$!
wait_for "$W/$n.peer" 'listening on' "$peer_pid" ||
	echo "# half-rtt-server did not start"
hs_client "$n" --auth x509 --peername localhost --expect "half-rtt line $port" --echo
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "expect=ok"
t_want "$W/$n.hs" "exit=0"
t_want "$W/$n.peer" "half_rtt_sent=yes"
t_want "$W/$n.peer" "echo=ok"
t_want "$W/$n.peer" "exit=0"
t_end && ok_sessions=$((ok_sessions + 1))

next_port
n=server-nocc
t_begin "x509 server, client without a certificate: status 0, peerid 0"
hs_server_bg "$n" --auth x509 --expect "no cert" --echo
peer_client "$n" --servername localhost --ca "$PKI/ca.pem" --send "no cert"
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "peerid=0"
t_want "$W/$n.hs" "expect=ok"
t_want "$W/$n.peer" "echo=no cert"
t_end && ok_sessions=$((ok_sessions + 1))

next_port
n=client-keyring
t_begin "x509 client, certificate and key by serial from the keyring (P-384 leaf used)"
peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
	--ca "$PKI/ca.pem" --require-client-cert
hs_client "$n" --auth x509 --peername localhost --cert "$CERT_C" --privkey "$KEY_C" \
	--send "keyring client"
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "peerid=0"
t_want "$W/$n.hs" "echo=ok"
t_want "$W/$n.peer" "peer_verified=yes"
t_want "$W/$n.peer" "sigalg=ecdsa_secp384r1_sha384"
t_end && ok_sessions=$((ok_sessions + 1))

next_port
n=server-keyring
t_begin "x509 server, certificate and key by serial from the keyring (P-384 leaf used)"
hs_server_bg "$n" --auth x509 --cert "$CERT_S" --privkey "$KEY_S" \
	--expect "keyring server" --echo
peer_client "$n" --servername localhost --ca "$PKI/ca.pem" --send "keyring server"
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "expect=ok"
t_want "$W/$n.peer" "peer_verified=yes"
t_want "$W/$n.peer" "sigalg=ecdsa_secp384r1_sha384"
t_want "$W/$n.peer" "echo=keyring server"
t_end && ok_sessions=$((ok_sessions + 1))

next_port
n=anon
t_begin "anon client: status 0, peerid 0, no client certificate sent, echo"
peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
	--ca "$PKI/ca.pem" --request-client-cert
hs_client "$n" --auth anon --peername localhost --send "anonymous"
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "peerid=0"
t_want "$W/$n.hs" "echo=ok"
t_want "$W/$n.peer" "peer_verified=no"
t_end && ok_sessions=$((ok_sessions + 1))

# ---- bad certificates: EACCES ----------------------------------------------

bad_server_cert()
{
	next_port
	n=$1
	t_begin "$2"
	peer_server "$n" --cert "$PKI/$3.pem" --key "$PKI/$3.key"
	hs_client "$n" --auth x509 --peername "$4" --send "never"
	t_want "$W/$n.hs" "errno=EACCES"
	t_want "$W/$n.hs" "flags=done"
	t_want "$W/$n.hs" "peerid=0"
	t_reject "$W/$n.hs" "echo=.*"
	t_end
}
bad_server_cert wrongname "x509 client, server certificate for another name: EACCES" \
	server-wrongname localhost
bad_server_cert peername "x509 client, peer name does not match the certificate: EACCES" \
	server-p256 nfs.example.org
bad_server_cert unknownca "x509 client, server certificate from an unknown CA: EACCES" \
	server-unknownca localhost
bad_server_cert expired "x509 client, expired server certificate: EACCES" \
	server-expired localhost

next_port
n=server-badcc
t_begin "x509 server, client certificate from an unknown CA: EACCES, no peer id"
hs_server_bg "$n" --auth x509 --expect "never"
peer_client "$n" --servername localhost --ca "$PKI/ca.pem" \
	--cert "$PKI/server-unknownca.pem" --key "$PKI/server-unknownca.key" --send "never"
t_want "$W/$n.hs" "errno=EACCES"
t_want "$W/$n.hs" "peerid=0"
t_reject "$W/$n.peer" "echo=.*"
t_end

# ---- PSK ---------------------------------------------------------------------

next_port
n=psk-client
t_begin "PSK client by serial: status 0, peerid = the PSK key's serial, echo"
peer_server "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256
hs_client "$n" --auth psk --psk "$PSKC_A" --send "psk client data"
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "peerid=$PSKC_A"
t_want "$W/$n.hs" "echo=ok"
t_want "$W/$n.peer" "psk_identity=$ID"
t_end && ok_sessions=$((ok_sessions + 1))

next_port
n=psk-client-2nd
t_begin "PSK client, first serial missing, second usable: peerid = the second"
peer_server "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256
hs_client "$n" --auth psk --psk 999999 --psk "$PSKC_A" --send "second psk"
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "peerid=$PSKC_A"
t_want "$W/$n.hs" "echo=ok"
t_end && ok_sessions=$((ok_sessions + 1))

next_port
n=psk-server
t_begin "PSK server, identity looked up in the request keyring: peerid = its serial, early data kept"
hs_server_bg "$n" --auth psk --keyring "$KR_A" --expect "psk early" --echo
peer_client "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 \
	--send "psk early"
t_want "$W/$n.hs" "errno=0"
t_want "$W/$n.hs" "peerid=$PSKS_A"
t_want "$W/$n.hs" "expect=ok"
t_want "$W/$n.peer" "echo=psk early"
t_end && ok_sessions=$((ok_sessions + 1))

next_port
n=psk-client-unknown
t_begin "PSK client, the server does not know the identity: EKEYREJECTED"
peer_server "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256
hs_client "$n" --auth psk --psk "$PSKC_OTHER" --send "never"
t_want "$W/$n.hs" "errno=EKEYREJECTED"
t_want "$W/$n.hs" "peerid=0"
t_end

next_port
n=psk-server-unknown
t_begin "PSK server, identity not in the request keyring: EKEYREJECTED"
hs_server_bg "$n" --auth psk --keyring "$KR_A" --expect "never"
peer_client "$n" --psk-identity "NVMe0R01 host nobody" --psk-hex "$PSK_A" \
	--psk-hash sha256 --send "never"
t_want "$W/$n.hs" "errno=EKEYREJECTED"
t_want "$W/$n.hs" "peerid=0"
t_want "$W/$n.peer" "alert=unknown_psk_identity"
t_end

# Two server requests at once, same identity in two keyrings with different
# keys: each must find the key in its own keyring (a wrong key fails the
# binder), and one finishing must not unlink the other's keyring.
t_begin "two concurrent PSK server requests, each finds the key in its own keyring"
for round in 1 2 3; do
	next_port
	pa=$port
	next_port
	pb=$port
	timeout $((T + 10)) "$HS" --role server --listen "127.0.0.1:$pa" --auth psk \
		--keyring "$KR_A" --expect "conc a" --echo >"$W/conc-a$round.hs" 2>&1 &
	ha=$!
	timeout $((T + 10)) "$HS" --role server --listen "127.0.0.1:$pb" --auth psk \
		--keyring "$KR_B" --expect "conc b" --echo >"$W/conc-b$round.hs" 2>&1 &
	hb=$!
	wait_for "$W/conc-a$round.hs" 'listening on' "$ha"
	wait_for "$W/conc-b$round.hs" 'listening on' "$hb"
	timeout $((T + 5)) "$PEER" client --connect "127.0.0.1:$pa" --timeout "$T" \
		--psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 \
		--send "conc a" >"$W/conc-a$round.peer" 2>&1 &
	pa_pid=$!
	timeout $((T + 5)) "$PEER" client --connect "127.0.0.1:$pb" --timeout "$T" \
		--psk-identity "$ID" --psk-hex "$PSK_B" --psk-hash sha256 \
		--send "conc b" >"$W/conc-b$round.peer" 2>&1 &
	pb_pid=$!
	wait "$pa_pid" "$pb_pid" "$ha" "$hb"
	t_want "$W/conc-a$round.hs" "errno=0"
	t_want "$W/conc-a$round.hs" "peerid=$PSKS_A"
	t_want "$W/conc-a$round.hs" "expect=ok"
	t_want "$W/conc-b$round.hs" "errno=0"
	t_want "$W/conc-b$round.hs" "peerid=$PSKS_B"
	t_want "$W/conc-b$round.hs" "expect=ok"
	t_want "$W/conc-a$round.peer" "echo=conc a"
	t_want "$W/conc-b$round.peer" "echo=conc b"
done
t_end && ok_sessions=$((ok_sessions + 6))

# The same keyring for two overlapping requests: B is accepted (its keyring
# linked) first but its ClientHello is held back 1.5 s; A comes and goes
# meanwhile. A's end must not take B's keyring away.
t_begin "same keyring, overlapping requests: the first to finish leaves the keyring to the other"
next_port
pa=$port
next_port
pb=$port
timeout $((T + 10)) "$HS" --role server --listen "127.0.0.1:$pb" --auth psk \
	--keyring "$KR_A" --delay-peer 1500 --expect "late b" --echo >"$W/overlap-b.hs" 2>&1 &
hb=$!
timeout $((T + 10)) "$HS" --role server --listen "127.0.0.1:$pa" --auth psk \
	--keyring "$KR_A" --expect "quick a" --echo >"$W/overlap-a.hs" 2>&1 &
ha=$!
wait_for "$W/overlap-a.hs" 'listening on' "$ha"
wait_for "$W/overlap-b.hs" 'listening on' "$hb"
timeout $((T + 5)) "$PEER" client --connect "127.0.0.1:$pb" --timeout "$T" \
	--psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 \
	--send "late b" >"$W/overlap-b.peer" 2>&1 &
pb_pid=$!
sleep 0.3
timeout $((T + 5)) "$PEER" client --connect "127.0.0.1:$pa" --timeout "$T" \
	--psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 \
	--send "quick a" >"$W/overlap-a.peer" 2>&1
wait "$pb_pid" "$ha" "$hb"
t_want "$W/overlap-a.hs" "errno=0"
t_want "$W/overlap-a.hs" "peerid=$PSKS_A"
t_want "$W/overlap-b.hs" "errno=0"
t_want "$W/overlap-b.hs" "peerid=$PSKS_A"
t_want "$W/overlap-b.hs" "expect=ok"
t_want "$W/overlap-b.peer" "echo=late b"
t_true "the held-back request took under 1.5 s" elapsed_between "$W/overlap-b.hs" 1500 15000
t_end && ok_sessions=$((ok_sessions + 2))

# Consumers' keyrings that are not what they should be.
next_port
n=psk-server-notkeyring
t_begin "PSK server, the request's keyring is a user key, not a keyring: fails closed (EKEYREJECTED)"
hs_server_bg "$n" --auth psk --keyring "$CERT_C" --expect "never"
peer_client "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 --send "never"
t_want "$W/$n.hs" "errno=EKEYREJECTED"
t_want "$W/$n.hs" "peerid=0"
t_end

next_port
n=psk-server-nokeyring
t_begin "PSK server, the request's keyring does not exist: fails at once, ktlsd keeps serving"
hs_server_bg "$n" --auth psk --keyring 999996 --expect "never" --wait-ms 15000
peer_client "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 --send "never" \
	--timeout 5
t_want "$W/$n.hs" "errno=(EIO|ENOKEY|EINVAL|EKEYREJECTED)"
t_want "$W/$n.hs" "flags=done"
t_true "not answered within 1 s" elapsed_below "$W/$n.hs" 1000
t_desc="$t_desc (got $(value "$W/$n.hs" errno))"
t_end

# ---- silent peers: ETIMEDOUT from the agent ---------------------------------

t_begin "x509 client, silent peer, 2 s request timeout: ETIMEDOUT in DONE (not a consumer cancel)"
hs_alone silent-client --role client --auth x509 --peername localhost --silent-peer \
	--timeout-ms 2000 --wait-ms 15000
t_want "$W/silent-client.hs" "errno=ETIMEDOUT"
t_want "$W/silent-client.hs" "flags=done"
t_true "elapsed not within 1.9-8 s" elapsed_between "$W/silent-client.hs" 1900 8000
t_end

t_begin "x509 server, silent peer, 2 s request timeout: ETIMEDOUT in DONE"
hs_alone silent-server --role server --auth x509 --silent-peer \
	--timeout-ms 2000 --wait-ms 15000
t_want "$W/silent-server.hs" "errno=ETIMEDOUT"
t_want "$W/silent-server.hs" "flags=done"
t_true "elapsed not within 1.9-8 s" elapsed_between "$W/silent-server.hs" 1900 8000
t_end

t_begin "PSK client, silent peer, 2 s request timeout: ETIMEDOUT in DONE"
hs_alone silent-psk --role client --auth psk --psk "$PSKC_A" --silent-peer \
	--timeout-ms 2000 --wait-ms 15000
t_want "$W/silent-psk.hs" "errno=ETIMEDOUT"
t_want "$W/silent-psk.hs" "flags=done"
t_end

# ---- bad requests: answered at once -----------------------------------------

# bad_request NAME DESC ERRNO-REGEX HS-ARGS...
bad_request()
{
	n=$1
	t_begin "$2"
	want=$3
	shift 3
	hs_alone "$n" --silent-peer --timeout-ms 10000 --wait-ms 15000 "$@"
	t_want "$W/$n.hs" "errno=($want)"
	t_want "$W/$n.hs" "flags=done"
	t_true "not answered within 1 s" elapsed_below "$W/$n.hs" 1000
	t_end
}
bad_request cert-missing "x509 client, certificate serial that does not exist: ENOKEY at once" \
	ENOKEY --role client --auth x509 --peername localhost --cert 999999 --privkey "$KEY_C"
bad_request key-missing "x509 server, private key serial that does not exist: ENOKEY at once" \
	ENOKEY --role server --auth x509 --cert "$CERT_S" --privkey 999998
bad_request cert-wrongtype "x509 client, certificate serial of a psk key: EINVAL at once" \
	EINVAL --role client --auth x509 --peername localhost --cert "$PSKC_A" --privkey "$KEY_C"
bad_request key-wrongtype "x509 server, private key serial of a keyring: EINVAL at once" \
	EINVAL --role server --auth x509 --cert "$CERT_S" --privkey "$KR_A"
bad_request key-mismatch "x509 client, key does not belong to the certificate: ENOKEY/EINVAL at once" \
	"ENOKEY|EINVAL" --role client --auth x509 --peername localhost --cert "$CERT_C" --privkey "$KEY_S"
bad_request psk-missing "PSK client, PSK serial that does not exist: ENOKEY at once" \
	"ENOKEY" --role client --auth psk --psk 999997
bad_request psk-wrongtype "PSK client, PSK serial of a user key: ENOKEY/EINVAL at once" \
	"ENOKEY|EINVAL" --role client --auth psk --psk "$CERT_C"
bad_request no-peername "x509 client without a peer name: EACCES at once (fail closed)" \
	EACCES --role client --auth x509
bad_request anon-no-peername "anon client without a peer name: EACCES at once (fail closed)" \
	EACCES --role client --auth anon

t_begin "request keyrings are let go when their requests end (/proc/keys usage back to ${use_a0:-?}/${use_b0:-?})"
use_a1=$(key_usage "$KR_A")
use_b1=$(key_usage "$KR_B")
t_true "keyring a: usage ${use_a1:-?}, was ${use_a0:-?}" test "${use_a1:-x}" = "${use_a0:-y}"
t_true "keyring b: usage ${use_b1:-?}, was ${use_b0:-?}" test "${use_b1:-x}" = "${use_b0:-y}"
t_end

# ---- the kernel's counters ---------------------------------------------------

tx1=$(tls_stat TlsTxSw)
rx1=$(tls_stat TlsRxSw)
cat /proc/net/tls_stat >"$W/tls_stat"
t_begin "/proc/net/tls_stat: TlsTxSw and TlsRxSw grew by the $ok_sessions good sessions (${tx0:-?}->${tx1:-?}, ${rx0:-?}->${rx1:-?})"
t_true "TlsTxSw did not grow by $ok_sessions" test "$((${tx1:-0} - ${tx0:-0}))" -ge "$ok_sessions"
t_true "TlsRxSw did not grow by $ok_sessions" test "$((${rx1:-0} - ${rx0:-0}))" -ge "$ok_sessions"
t_want "$W/tls_stat" "TlsDecryptError[[:space:]]+0"
t_end

# ---- ktlsd itself --------------------------------------------------------------

t_begin "ktlsd still running, stops on SIGTERM, logged no DONE refusal"
t_true "ktlsd died during the tests" kill -0 "$ktlsd_pid"
kill "$ktlsd_pid" 2>/dev/null
i=0
while kill -0 "$ktlsd_pid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
t_true "ktlsd did not exit within 5 s of SIGTERM" sh -c "! kill -0 $ktlsd_pid 2>/dev/null"
t_reject "$W/ktlsd.log" ".*refused by the kernel.*"
t_end

if [ "$fail" -gt 0 ] || [ "${KTLSD_HS_SHOW_LOG:-0}" = 1 ]; then
	echo "# --- ktlsd log"
	sed 's/^/# | /' "$W/ktlsd.log" | tail -n 200
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
