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
# Peers give up after this long; every wait below is bounded (wait_for's
# default is the same 20 s).
T=20

port=5000
mkdir -p "$W"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /ktlsd/guest-lib.sh

# ---- processes -------------------------------------------------------------

next_port()
{
	port=$((port + 1))
}

# next_case NAME DESC: t_begin DESC for a case on a new port, its files
# $W/NAME.* ($W/$n.*).
next_case()
{
	next_port
	n=$1
	t_begin "$2"
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

# Two PSK requests at once (no waiting in these): hs_psk_server NAME PORT
# KEYRING HS-ARGS... starts a module server request on PORT that looks the
# identity up in KEYRING, output in $W/NAME.hs, and sets hs_pid;
# peer_psk_client NAME PORT HEX MESSAGE runs ktls-peer as a PSK client ($ID,
# key HEX) of PORT sending MESSAGE, output in $W/NAME.peer.
hs_psk_server()
{
	n=$1
	hp_port=$2
	hp_keyring=$3
	shift 3
	timeout $((T + 10)) "$HS" --role server --listen "127.0.0.1:$hp_port" --auth psk \
		--keyring "$hp_keyring" "$@" >"$W/$n.hs" 2>&1 &
	hs_pid=$!
}

peer_psk_client()
{
	timeout $((T + 5)) "$PEER" client --connect "127.0.0.1:$2" --timeout "$T" \
		--psk-identity "$ID" --psk-hex "$3" --psk-hash sha256 \
		--send "$4" >"$W/$1.peer" 2>&1
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
	t_wants "$1" "ulp=tls" "tx_cipher=$2 tx_version=0x0304" \
		"rx_cipher=$2 rx_version=0x0304"
}

# elapsed_below FILE MAX: the request took at most MAX ms;
# elapsed_between FILE MIN MAX: at least MIN and at most MAX.
# shellcheck disable=SC2317 # called through t_true
elapsed_below()
{
	e=$(value "$1" elapsed_ms)
	[ -n "$e" ] && [ "$e" -le "$2" ]
}

# shellcheck disable=SC2317 # called through t_true
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

# ---- setup -----------------------------------------------------------------

t_begin "setup: module ktls_test_hs loads and /dev/ktls_test_hs appears"
load_test_module >"$W/modprobe.out" 2>&1
t_true "no /dev/ktls_test_hs" test -c /dev/ktls_test_hs
t_file "$W/modprobe.out"
t_end || finish

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
t_end || finish

# The control socket's readers (issue 11): group ktlsd, which ktlsd gives
# the socket when it exists at start, with ktlsreader in it; ktlsother is
# in no such group. busybox su, run by root, asks no password.
echo "ktlsd:x:990:ktlsreader" >>/etc/group
echo "ktlsreader:x:1001:1001:reader:/:/bin/sh" >>/etc/passwd
echo "ktlsother:x:1000:1000:other:/:/bin/sh" >>/etc/passwd

# ktlsd with configured certificates for both roles; the keyring ones differ
# (P-384 instead of P-256), so the peer's sigalg shows which was used.
cat >"$W/ktlsd.conf" <<EOF
[debug]
loglevel = ${KTLSD_HS_LOGLEVEL:-1}

$(ktlsd_conf client-p256 server-p256)
EOF
t_begin "setup: ktlsd -s starts and reports ready"
t_true "ktlsd did not log 'ready'" \
	ktlsd_start "$W/ktlsd.log" "$T" "$KTLSD" -s -c "$W/ktlsd.conf"
t_file "$W/ktlsd.log"
t_end || finish

use_a0=$(key_usage "$KR_A")
use_b0=$(key_usage "$KR_B")
# The workers that parse the peers' bytes run unprivileged: every one of
# them, with real, effective, saved and filesystem uid all nobody's.
t_begin "setup: every ktlsd worker runs as user nobody"
nobody=$(awk -F: '$1 == "nobody" { print $3 }' /etc/passwd)
nw=0
wbad=
for d in $(ktlsd_workers); do
	nw=$((nw + 1))
	u=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$d/status")
	[ "$u" = "$nobody $nobody $nobody $nobody" ] || wbad="$wbad ${d#/proc/}:$u"
done
t_true "found $nw workers (nobody is '$nobody'); not nobody:${wbad:- none}" \
	test "$nw" -ge 1 -a -z "$wbad" -a -n "$nobody"
t_end

# ... and sandboxed: a seccomp filter in every worker (which refuses
# socket(), keyctl, fork; tests/unit/test_sandbox.c checks what it does),
# none in the monitor, which must still open sockets and read keyrings.
t_begin "setup: every ktlsd worker has a seccomp filter, the monitor none"
nw=0
wbad=
for d in $(ktlsd_workers); do
	nw=$((nw + 1))
	sc=$(awk '/^Seccomp:/ { print $2 }' "$d/status")
	[ "$sc" = 2 ] || wbad="$wbad ${d#/proc/}:${sc:-?}"
done
msc=$(awk '/^Seccomp:/ { print $2 }' "/proc/$ktlsd_pid/status" 2>/dev/null)
t_true "found $nw workers; without a filter (Seccomp: mode):${wbad:- none}; monitor's mode '${msc:-?}'" \
	test "$nw" -ge 1 -a -z "$wbad" -a "${msc:-x}" = 0
t_end

tx0=$(tls_stat TlsTxSw)
rx0=$(tls_stat TlsRxSw)
ok_sessions=0

# ---- the four ciphers, both roles ------------------------------------------

for c in $CIPHERS; do
	id=$(cipher_id "$c")

	next_case "client-$id" "x509 $c, module client <-> ktls-peer server: status 0, peerid 0, kTLS both ways, echo"
	peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
		--ca "$PKI/ca.pem" --request-client-cert --ciphers "$c"
	hs_client "$n" --auth x509 --peername localhost --send "hello $c via kTLS"
	t_wants "$W/$n.hs" "errno=0" "peerid=0" "flags=done"
	want_ktls "$W/$n.hs" "$id"
	t_wants "$W/$n.hs" "echo=ok" "exit=0"
	t_wants "$W/$n.peer" "cipher=$c" "peer_verified=yes" "exit=0"
	t_end && ok_sessions=$((ok_sessions + 1))

	next_case "server-$id" "x509 $c, ktls-peer client <-> module server: data sent right after the client's Finished arrives, echo, peerid non-zero"
	hs_server_bg "$n" --auth x509 --expect "early data $c" --echo
	peer_client "$n" --servername localhost --ca "$PKI/ca.pem" \
		--cert "$PKI/client-p256.pem" --key "$PKI/client-p256.key" \
		--ciphers "$c" --send "early data $c"
	t_wants "$W/$n.hs" "errno=0" "peerid=-?[1-9][0-9]*"
	want_ktls "$W/$n.hs" "$id"
	t_wants "$W/$n.hs" "expect=ok" "exit=0"
	t_wants "$W/$n.peer" "cipher=$c" "peer_verified=yes" "echo=early data $c" \
		"exit=0"
	t_end && ok_sessions=$((ok_sessions + 1))
done

# ---- x509 variations ---------------------------------------------------------

next_case bulk "x509 client: 300000 bytes each way through kTLS (many records)"
peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key"
hs_client "$n" --auth x509 --peername localhost --bulk 300000
t_wants "$W/$n.hs" "errno=0" "bulk=ok"
t_want "$W/$n.peer" "exit=0"
t_end && ok_sessions=$((ok_sessions + 1))

# A server may send data right behind its Finished, before the client's
# (0.5-RTT); those bytes follow the last record the agent may read, so
# they must reach kernel TLS untouched.
next_case half-rtt "x509 client, libssl server sends data right after its Finished: left to kernel TLS, echoed"
timeout $((T + 5)) /usr/bin/half-rtt-server --listen "127.0.0.1:$port" \
	--cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
	--send "half-rtt line $port" --timeout "$T" >"$W/$n.peer" 2>&1 </dev/null &
peer_pid=$!
wait_for "$W/$n.peer" 'listening on' "$peer_pid" ||
	echo "# half-rtt-server did not start"
hs_client "$n" --auth x509 --peername localhost --expect "half-rtt line $port" --echo
t_wants "$W/$n.hs" "errno=0" "expect=ok" "exit=0"
t_wants "$W/$n.peer" "half_rtt_sent=yes" "echo=ok" "exit=0"
t_end && ok_sessions=$((ok_sessions + 1))

next_case server-nocc "x509 server, client without a certificate: status 0, peerid 0"
hs_server_bg "$n" --auth x509 --expect "no cert" --echo
peer_client "$n" --servername localhost --ca "$PKI/ca.pem" --send "no cert"
t_wants "$W/$n.hs" "errno=0" "peerid=0" "expect=ok"
t_want "$W/$n.peer" "echo=no cert"
t_end && ok_sessions=$((ok_sessions + 1))

next_case client-keyring "x509 client, certificate and key by serial from the keyring (P-384 leaf used)"
peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
	--ca "$PKI/ca.pem" --require-client-cert
hs_client "$n" --auth x509 --peername localhost --cert "$CERT_C" --privkey "$KEY_C" \
	--send "keyring client"
t_wants "$W/$n.hs" "errno=0" "peerid=0" "echo=ok"
t_wants "$W/$n.peer" "peer_verified=yes" "sigalg=ecdsa_secp384r1_sha384"
t_end && ok_sessions=$((ok_sessions + 1))

next_case server-keyring "x509 server, certificate and key by serial from the keyring (P-384 leaf used)"
hs_server_bg "$n" --auth x509 --cert "$CERT_S" --privkey "$KEY_S" \
	--expect "keyring server" --echo
peer_client "$n" --servername localhost --ca "$PKI/ca.pem" --send "keyring server"
t_wants "$W/$n.hs" "errno=0" "expect=ok"
t_wants "$W/$n.peer" "peer_verified=yes" "sigalg=ecdsa_secp384r1_sha384" \
	"echo=keyring server"
t_end && ok_sessions=$((ok_sessions + 1))

next_case anon "anon client: status 0, peerid 0, no client certificate sent, echo"
peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key" \
	--ca "$PKI/ca.pem" --request-client-cert
hs_client "$n" --auth anon --peername localhost --send "anonymous"
t_wants "$W/$n.hs" "errno=0" "peerid=0" "echo=ok"
t_want "$W/$n.peer" "peer_verified=no"
t_end && ok_sessions=$((ok_sessions + 1))

# ---- bad certificates: EACCES ----------------------------------------------

bad_server_cert()
{
	next_case "$1" "$2"
	peer_server "$n" --cert "$PKI/$3.pem" --key "$PKI/$3.key"
	hs_client "$n" --auth x509 --peername "$4" --send "never"
	t_wants "$W/$n.hs" "errno=EACCES" "flags=done" "peerid=0"
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

next_case server-badcc "x509 server, client certificate from an unknown CA: EACCES, no peer id"
hs_server_bg "$n" --auth x509 --expect "never"
peer_client "$n" --servername localhost --ca "$PKI/ca.pem" \
	--cert "$PKI/server-unknownca.pem" --key "$PKI/server-unknownca.key" --send "never"
t_wants "$W/$n.hs" "errno=EACCES" "peerid=0"
t_reject "$W/$n.peer" "echo=.*"
t_end

# ---- PSK ---------------------------------------------------------------------

next_case psk-client "PSK client by serial: status 0, peerid = the PSK key's serial, echo"
peer_server "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256
hs_client "$n" --auth psk --psk "$PSKC_A" --send "psk client data"
t_wants "$W/$n.hs" "errno=0" "peerid=$PSKC_A" "echo=ok"
t_want "$W/$n.peer" "psk_identity=$ID"
t_end && ok_sessions=$((ok_sessions + 1))

next_case psk-client-2nd "PSK client, first serial missing, second usable: peerid = the second"
peer_server "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256
hs_client "$n" --auth psk --psk 999999 --psk "$PSKC_A" --send "second psk"
t_wants "$W/$n.hs" "errno=0" "peerid=$PSKC_A" "echo=ok"
t_end && ok_sessions=$((ok_sessions + 1))

next_case psk-server "PSK server, identity looked up in the request keyring: peerid = its serial, early data kept"
hs_server_bg "$n" --auth psk --keyring "$KR_A" --expect "psk early" --echo
peer_client "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 \
	--send "psk early"
t_wants "$W/$n.hs" "errno=0" "peerid=$PSKS_A" "expect=ok"
t_want "$W/$n.peer" "echo=psk early"
t_end && ok_sessions=$((ok_sessions + 1))

next_case psk-client-unknown "PSK client, the server does not know the identity: EKEYREJECTED"
peer_server "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256
hs_client "$n" --auth psk --psk "$PSKC_OTHER" --send "never"
t_wants "$W/$n.hs" "errno=EKEYREJECTED" "peerid=0"
t_end

next_case psk-server-unknown "PSK server, identity not in the request keyring: EKEYREJECTED"
hs_server_bg "$n" --auth psk --keyring "$KR_A" --expect "never"
peer_client "$n" --psk-identity "NVMe0R01 host nobody" --psk-hex "$PSK_A" \
	--psk-hash sha256 --send "never"
t_wants "$W/$n.hs" "errno=EKEYREJECTED" "peerid=0"
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
	hs_psk_server "conc-a$round" "$pa" "$KR_A" --expect "conc a" --echo
	ha=$hs_pid
	hs_psk_server "conc-b$round" "$pb" "$KR_B" --expect "conc b" --echo
	hb=$hs_pid
	wait_for "$W/conc-a$round.hs" 'listening on' "$ha"
	wait_for "$W/conc-b$round.hs" 'listening on' "$hb"
	peer_psk_client "conc-a$round" "$pa" "$PSK_A" "conc a" &
	pa_pid=$!
	peer_psk_client "conc-b$round" "$pb" "$PSK_B" "conc b" &
	pb_pid=$!
	wait "$pa_pid" "$pb_pid" "$ha" "$hb"
	t_wants "$W/conc-a$round.hs" "errno=0" "peerid=$PSKS_A" "expect=ok"
	t_wants "$W/conc-b$round.hs" "errno=0" "peerid=$PSKS_B" "expect=ok"
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
hs_psk_server overlap-b "$pb" "$KR_A" --delay-peer 1500 --expect "late b" --echo
hb=$hs_pid
hs_psk_server overlap-a "$pa" "$KR_A" --expect "quick a" --echo
ha=$hs_pid
wait_for "$W/overlap-a.hs" 'listening on' "$ha"
wait_for "$W/overlap-b.hs" 'listening on' "$hb"
peer_psk_client overlap-b "$pb" "$PSK_A" "late b" &
pb_pid=$!
sleep 0.3
peer_psk_client overlap-a "$pa" "$PSK_A" "quick a"
wait "$pb_pid" "$ha" "$hb"
t_wants "$W/overlap-a.hs" "errno=0" "peerid=$PSKS_A"
t_wants "$W/overlap-b.hs" "errno=0" "peerid=$PSKS_A" "expect=ok"
t_want "$W/overlap-b.peer" "echo=late b"
t_true "the held-back request took under 1.5 s" elapsed_between "$W/overlap-b.hs" 1500 15000
t_end && ok_sessions=$((ok_sessions + 2))

# Consumers' keyrings that are not what they should be.
next_case psk-server-notkeyring "PSK server, the request's keyring is a user key, not a keyring: fails closed (EKEYREJECTED)"
hs_server_bg "$n" --auth psk --keyring "$CERT_C" --expect "never"
peer_client "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 --send "never"
t_wants "$W/$n.hs" "errno=EKEYREJECTED" "peerid=0"
t_end

next_case psk-server-nokeyring "PSK server, the request's keyring does not exist: fails at once, ktlsd keeps serving"
hs_server_bg "$n" --auth psk --keyring 999996 --expect "never" --wait-ms 15000
peer_client "$n" --psk-identity "$ID" --psk-hex "$PSK_A" --psk-hash sha256 --send "never" \
	--timeout 5
t_wants "$W/$n.hs" "errno=(EIO|ENOKEY|EINVAL|EKEYREJECTED)" "flags=done"
t_true "not answered within 1 s" elapsed_below "$W/$n.hs" 1000
t_desc="$t_desc (got $(value "$W/$n.hs" errno))"
t_end

# ---- silent peers: ETIMEDOUT from the agent ---------------------------------

t_begin "x509 client, silent peer, 2 s request timeout: ETIMEDOUT in DONE (not a consumer cancel)"
hs_alone silent-client --role client --auth x509 --peername localhost --silent-peer \
	--timeout-ms 2000 --wait-ms 15000
t_wants "$W/silent-client.hs" "errno=ETIMEDOUT" "flags=done"
t_true "elapsed not within 1.9-8 s" elapsed_between "$W/silent-client.hs" 1900 8000
t_end

t_begin "x509 server, silent peer, 2 s request timeout: ETIMEDOUT in DONE"
hs_alone silent-server --role server --auth x509 --silent-peer \
	--timeout-ms 2000 --wait-ms 15000
t_wants "$W/silent-server.hs" "errno=ETIMEDOUT" "flags=done"
t_true "elapsed not within 1.9-8 s" elapsed_between "$W/silent-server.hs" 1900 8000
t_end

t_begin "PSK client, silent peer, 2 s request timeout: ETIMEDOUT in DONE"
hs_alone silent-psk --role client --auth psk --psk "$PSKC_A" --silent-peer \
	--timeout-ms 2000 --wait-ms 15000
t_wants "$W/silent-psk.hs" "errno=ETIMEDOUT" "flags=done"
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
	t_wants "$W/$n.hs" "errno=($want)" "flags=done"
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

# ---- libktls for programs: ktls_handshake_socket() ---------------------------

# docs/examples/ktls-connect.c: one call gives it a kernel TLS socket, then
# plain write() and read() go through the kernel to ktls-peer's echo.
next_case connect "ktls_handshake_socket(): ktls-connect gets a kernel TLS socket from ktls-peer, echo through it"
peer_server "$n" --cert "$PKI/server-p256.pem" --key "$PKI/server-p256.key"
ctx0=$(tls_stat TlsTxSw)
crx0=$(tls_stat TlsRxSw)
timeout $((T + 5)) /usr/bin/ktls-connect -c "$PKI/ca.pem" -n localhost \
	-m "ping through kernel TLS" 127.0.0.1 "$port" >"$W/$n.out" 2>&1 </dev/null
rc=$?
# The echo comes back without a newline: end its line first.
echo >>"$W/$n.out"
echo "exit=$rc" >>"$W/$n.out"
wait "$peer_pid"
echo "exit=$?" >>"$W/$n.peer"
t_file "$W/$n.peer"
t_want "$W/$n.out" "kernel TLS: TLS_[A-Z0-9_]+, [a-z0-9]+"
t_want "$W/$n.out" "ping through kernel TLS"
t_want "$W/$n.out" "exit=0"
t_true "TlsTxSw did not grow (${ctx0:-?} -> $(tls_stat TlsTxSw))" \
	test "$(tls_stat TlsTxSw)" -gt "${ctx0:-0}"
t_true "TlsRxSw did not grow (${crx0:-?} -> $(tls_stat TlsRxSw))" \
	test "$(tls_stat TlsRxSw)" -gt "${crx0:-0}"
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

# ---- ktlsctl against this ktlsd --------------------------------------------------

CTL=/usr/sbin/ktlsctl
# ctl NAME ARGS...: run ktlsctl, output and exit status in $W/ctl-NAME.
ctl()
{
	cn=$1
	shift
	"$CTL" "$@" >"$W/ctl-$cn" 2>&1 </dev/null
	echo "exit=$?" >>"$W/ctl-$cn"
}
# stat_of FILE KEY: a key=value line's value.
stat_of()
{
	sed -n "s/^$2=//p" "$1"
}

t_begin "ktlsctl status: the running daemon, its generation and workers"
ctl status status
t_wants "$W/ctl-status" "exit=0" "pid: $ktlsd_pid" "generation: 1" "mode: ktlsd" \
	"worker [0-9]+: pid [0-9]+, [0-9]+ in flight.*"
ctl status-json status --json
t_wants "$W/ctl-status-json" "exit=0" "\{\"version\":.*\"pid\":$ktlsd_pid,.*\"workers\":\[\{.*\}\].*\}"
t_end

t_begin "ktlsctl stats: counts match the handshakes done, the histograms add up"
ctl stats stats
ok_n=$(stat_of "$W/ctl-stats" handshakes_ok)
all_n=$((ok_n + $(stat_of "$W/ctl-stats" handshakes_failed) + $(stat_of "$W/ctl-stats" handshakes_timeout)))
t_want "$W/ctl-stats" "exit=0"
t_true "handshakes_ok ${ok_n:-?} < the $ok_sessions good sessions" test "${ok_n:-0}" -ge "$ok_sessions"
t_want "$W/ctl-stats" "handshake_duration_ms.count=$all_n"
t_want "$W/ctl-stats" "handshake_duration_ms.le_inf=$all_n"
t_want "$W/ctl-stats" "queue_wait_ms.count=$all_n"
t_want "$W/ctl-stats" "failures_by_errno.ETIMEDOUT=[1-9][0-9]*"
t_want "$W/ctl-stats" "peak_inflight=[1-9][0-9]*"
ctl stats-json stats --json
t_want "$W/ctl-stats-json" "\{\"requests_accepted\":[0-9]+,.*\"handshakes_ok\":$ok_n,.*\}"
ctl stats-prom stats --prometheus
t_want "$W/ctl-stats-prom" "ktlsd_handshakes_ok_total $ok_n"
t_want "$W/ctl-stats-prom" "ktlsd_handshake_duration_seconds_count $all_n"
t_want "$W/ctl-stats-prom" "# TYPE ktlsd_handshake_duration_seconds histogram"
# Every line: HELP or TYPE, or NAME{LABELS} VALUE (promtool is not in the guest).
# shellcheck disable=SC2016 # an awk program
t_true "a line that is not in the text exposition format" awk '
	/^exit=/ { next }
	/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
	/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+(\.[0-9]+)?$/ { next }
	{ print "bad: " $0; bad = 1 }
	END { exit bad }' "$W/ctl-stats-prom"
t_end
# For the host's promtool (test-vm-handshake.sh): the exposition, each line
# behind a marker the host greps the console log for.
grep -v '^exit=' "$W/ctl-stats-prom" | sed 's/^/KTLSD-PROM: /'

# ctl_as USER NAME ARGS...: ktlsctl as USER (busybox su), into $W/ctl-NAME.
ctl_as()
{
	cu=$1
	cn=$2
	shift 2
	su -s /bin/sh "$cu" -c "exec $CTL $*" >"$W/ctl-$cn" 2>&1 </dev/null
	echo "exit=$?" >>"$W/ctl-$cn"
}
t_begin "ktlsctl as non-root: outside the control group refused, inside it may read but not reload or clear"
ls -l /run/ktlsd/control >"$W/ctl-sockmode" 2>&1
t_want "$W/ctl-sockmode" "srw-rw---- +1 root +ktlsd .*/run/ktlsd/control"
ctl_as ktlsother other-status status
t_wants "$W/ctl-other-status" "exit=1" "ktlsctl: .*[Pp]ermission denied.*"
t_reject "$W/ctl-other-status" "pid: .*"
ctl_as ktlsreader reader-status status
t_wants "$W/ctl-reader-status" "exit=0" "pid: $ktlsd_pid" "mode: ktlsd"
ctl_as ktlsreader reader-stats stats
t_wants "$W/ctl-reader-stats" "exit=0" "handshakes_ok=[0-9]+"
ctl_as ktlsreader reader-reload reload
t_wants "$W/ctl-reader-reload" "exit=1" "ktlsctl: .*permission denied.*"
ctl_as ktlsreader reader-clear stats --clear
t_wants "$W/ctl-reader-clear" "exit=1" "ktlsctl: .*permission denied.*"
ctl stats-after-clear stats
t_want "$W/ctl-stats-after-clear" "handshakes_ok=$ok_n"
ctl status-after-reader status
t_want "$W/ctl-status-after-reader" "generation: 1"
t_end

t_begin "ktlsctl handshakes: a request held by a silent peer shows as handshaking"
timeout $((T + 10)) "$HS" --role client --auth psk --psk "$PSKC_A" --silent-peer \
	--timeout-ms 4000 --wait-ms 8000 >"$W/held.hs" 2>&1 </dev/null &
held=$!
sleep 1
ctl handshakes handshakes
ctl handshakes-json handshakes --json
wait "$held"
t_wants "$W/ctl-handshakes" "exit=0" "ID +STATE +ROLE +AUTH +AGE_MS +WORKER +PEER" \
	"[0-9]+ +handshaking +client +psk +[0-9]+ +[0-9]+ .*"
t_want "$W/ctl-handshakes-json" "\{\"handshakes\":\[\{\"id\":[0-9]+,\"role\":\"client\",\"auth\":\"psk\",.*\"state\":\"handshaking\".*"
t_end

t_begin "ktlsctl reload: a broken file prints its line, exit 1, ktlsd keeps serving; a good one takes effect"
cp "$W/ktlsd.conf" "$W/ktlsd.conf.good"
printf 'no_such_key = 1\n' >>"$W/ktlsd.conf"	# it ends in [ktlsd]
bad_line=$(wc -l <"$W/ktlsd.conf")
ctl reload-bad reload
t_wants "$W/ctl-reload-bad" "exit=1" "ktlsctl: reload refused: .*ktlsd.conf:$bad_line: .*"
cp "$W/ktlsd.conf.good" "$W/ktlsd.conf"
ctl reload-ok reload
t_wants "$W/ctl-reload-ok" "exit=0" "ok: [0-9]+ workers, configuration .*ktlsd.conf"
ctl status2 status
t_wants "$W/ctl-status2" "exit=0" "generation: 2"
ctl stats2 stats
t_wants "$W/ctl-stats2" "reloads=1" "reloads_failed=1"
ctl loglevel log-level info
t_wants "$W/ctl-loglevel" "exit=0" "ok: log level info"
t_end

t_begin "ktlsctl reload: a changed control_socket moves the socket, the old path goes"
echo "control_socket = /run/ktlsd/control2" >>"$W/ktlsd.conf"
ctl move reload
ctl moved -s /run/ktlsd/control2 status
t_wants "$W/ctl-move" "exit=0" "ok: .*"
t_wants "$W/ctl-moved" "exit=0" "generation: 3"
t_true "/run/ktlsd/control is still there" test ! -e /run/ktlsd/control
cp "$W/ktlsd.conf.good" "$W/ktlsd.conf"
ctl moveback -s /run/ktlsd/control2 reload
ctl back status
t_wants "$W/ctl-moveback" "exit=0"
t_wants "$W/ctl-back" "exit=0" "generation: 4"
t_true "/run/ktlsd/control2 is still there" test ! -e /run/ktlsd/control2
t_end

# [authenticate] keyrings: a PSK server request that names no keyring has
# its identity looked up in .nvme and the configured keyrings, so what a
# reload links is what the next handshake finds (issue 11).
# kr_conf NAME: the good configuration with keyrings = NAME.
kr_conf()
{
	cp "$W/ktlsd.conf.good" "$W/ktlsd.conf"
	printf '\n[authenticate]\nkeyrings = %s\n' "$1" >>"$W/ktlsd.conf"
}
# kr_psk NAME HEX MESSAGE: a module PSK server request without a keyring,
# ktls-peer its client with key HEX.
kr_psk()
{
	next_port
	hs_server_bg "$1" --auth psk --expect "$3" --echo
	peer_client "$1" --psk-identity "$ID" --psk-hex "$2" --psk-hash sha256 --send "$3"
}
t_begin "ktlsctl reload: a changed [authenticate] keyrings takes effect: status lists it, handshakes find keys in it"
kr_conf ktlsd-test-a
ctl kr-reload-a reload
ctl kr-status-a status
t_wants "$W/ctl-kr-reload-a" "exit=0" "ok: .*"
t_wants "$W/ctl-kr-status-a" "exit=0" "generation: 5" "keyrings: .nfs .nfsd .nvme ktlsd-test-a"
kr_psk kr-a "$PSK_A" "ring a"
t_wants "$W/kr-a.hs" "errno=0" "peerid=$PSKS_A" "expect=ok"
kr_conf ktlsd-test-b
ctl kr-reload-b reload
ctl kr-status-b status
t_wants "$W/ctl-kr-reload-b" "exit=0" "ok: .*"
t_wants "$W/ctl-kr-status-b" "exit=0" "generation: 6" "keyrings: .nfs .nfsd .nvme ktlsd-test-b"
# The same identity now resolves to ring b's key: a's key fails its binder.
kr_psk kr-b-old "$PSK_A" "old key"
t_want "$W/kr-b-old.hs" "errno=E[A-Z]+"
t_reject "$W/kr-b-old.hs" "errno=0"
kr_psk kr-b "$PSK_B" "ring b"
t_wants "$W/kr-b.hs" "errno=0" "peerid=$PSKS_B" "expect=ok"
t_want "$W/kr-b.peer" "echo=ring b"
cp "$W/ktlsd.conf.good" "$W/ktlsd.conf"
ctl kr-back reload
t_wants "$W/ctl-kr-back" "exit=0"
t_end

# For the record (the issue's closing note): what an admin sees.
for f in status stats handshakes; do
	echo "# --- ktlsctl $f"
	grep -v '^exit=' "$W/ctl-$f" | sed 's/^/# | /'
done

t_begin "ktlsctl probe and check-config work without asking the daemon"
ctl probe probe
t_wants "$W/ctl-probe" "exit=0" "handshake netlink family: present" "kTLS ciphers: .*TLS_AES_128_GCM_SHA256.*"
export KTLSD
ctl check check-config "$W/ktlsd.conf"
t_wants "$W/ctl-check" "exit=0" ".*configuration OK.*"
t_end

# ---- ktlsd itself --------------------------------------------------------------

t_begin "ktlsd still running, stops on SIGTERM, logged no DONE refusal"
t_true "ktlsd died during the tests" kill -0 "$ktlsd_pid"
kill "$ktlsd_pid" 2>/dev/null
t_true "ktlsd did not exit within 5 s of SIGTERM" gone_within "$ktlsd_pid" 5
t_reject "$W/ktlsd.log" ".*refused by the kernel.*"
t_end

if [ "$fail" -gt 0 ] || [ "${KTLSD_HS_SHOW_LOG:-0}" = 1 ]; then
	echo "# --- ktlsd log"
	sed 's/^/# | /' "$W/ktlsd.log" | tail -n 200
fi
finish
