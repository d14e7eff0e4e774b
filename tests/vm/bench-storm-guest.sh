#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of bench-storm.sh, run inside the VM by /init (busybox ash): the
# handshake storm benchmark. For each N in $KTLSD_STORM_NS (default
# "1 64 512") it starts a fresh ktlsd (so the worker's resident memory
# starts from idle), runs bench/storm with N concurrent module client
# requests (x509, the server verified against the test CA) against one
# storm-peer server, prints storm's key=value report, and stops ktlsd.
# A table of the figures closes the output. Not a pass/fail test: the exit
# status is 1 only when a storm had failed requests.
#
# Environment: KTLSD_STORM_DIR (where pki/ is), KTLSD_STORM_NS,
# KTLSD_STORM_ROUNDS ("N:R ..." rounds per N, default "1:40 64:4 512:1"),
# KTLSD_STORM_AUTH (x509, default; anon), KTLSD_STORM_EXTRA (more storm
# arguments), KTLSD_STORM_SHOW_LOG=1 (print ktlsd's log).

KTLSD=/usr/sbin/ktlsd
STORM=/usr/bin/storm
PEER=/usr/bin/storm-peer
PKI=${KTLSD_STORM_DIR:-/opt/ktlsd-test}/pki
W=/tmp/bench
NS=${KTLSD_STORM_NS:-1 64 512}
ROUNDS=${KTLSD_STORM_ROUNDS:-1:40 64:4 512:1}
AUTH=${KTLSD_STORM_AUTH:-x509}
PORT=4433
mkdir -p "$W"
bad=0

wait_for()
{
	i=0
	while [ $i -lt 400 ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	grep -qE -- "$2" "$1" 2>/dev/null
}

value()
{
	sed -n "s/^$2=//p" "$1" | head -n 1
}

modprobe tls
modprobe ktls_test_hs
i=0
while [ ! -c /dev/ktls_test_hs ] && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -c /dev/ktls_test_hs ] || {
	echo "bench-storm: no /dev/ktls_test_hs"
	exit 1
}
# (no ulimit: ktlsd runs with what the shell has)

cat >"$W/ktlsd.conf" <<EOF
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
stats_socket = $W/ktlsd.stats
EOF

"$PEER" server --listen "127.0.0.1:$PORT" --cert "$PKI/server-p256.pem" \
	--key "$PKI/server-p256.key" --timeout 120 >"$W/peer.out" 2>&1 </dev/null &
peer_pid=$!
wait_for "$W/peer.out" 'listening on' "$peer_pid" || {
	cat "$W/peer.out"
	exit 1
}

echo "# guest: $(nproc) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM, kernel $(uname -r)"
echo "# kernel cap on un-accepted requests: 3..50 per netns (clamp(RAM/400 MiB))"
table=""
for n in $NS; do
	r=1
	for nr in $ROUNDS; do
		[ "${nr%%:*}" = "$n" ] && r=${nr#*:}
	done
	"$KTLSD" -s -c "$W/ktlsd.conf" >"$W/ktlsd-$n.log" 2>&1 </dev/null &
	kpid=$!
	wait_for "$W/ktlsd-$n.log" 'ready' "$kpid" || {
		echo "bench-storm: ktlsd did not start"
		cat "$W/ktlsd-$n.log"
		exit 1
	}
	sleep 1	# let the worker settle: its idle RSS is the baseline
	[ -z "${KTLSD_STORM_MONITOR_NICE:-}" ] || renice -n "$KTLSD_STORM_MONITOR_NICE" -p "$kpid"
	echo "# ---- N=$n, $r round(s)"
	# shellcheck disable=SC2086 # KTLSD_STORM_EXTRA is a word list
	"$STORM" -n "$n" --rounds "$r" --auth "$AUTH" --connect "127.0.0.1:$PORT" \
		--peername localhost --daemon-pid "$kpid" --retry-eagain --warmup 3 \
		--stats-socket "$W/ktlsd.stats" \
		--timeout-ms 60000 --wait-ms 90000 --label "N=$n" \
		${KTLSD_STORM_EXTRA:-} >"$W/storm-$n.out" 2>&1
	rc=$?
	cat "$W/storm-$n.out"
	[ $rc -eq 0 ] || bad=1
	kill "$kpid"
	wait "$kpid"
	if [ "${KTLSD_STORM_SHOW_LOG:-0}" = 1 ] || [ $rc -ne 0 ]; then
		echo "# ---- ktlsd log (last 40 lines)"
		grep -v 'handshake role=.*result=ok' "$W/ktlsd-$n.log" | tail -n 40 | sed 's/^/# | /'
	fi
	f=$W/storm-$n.out
	table="$table
$(printf '%-5s %8s %9s %9s %9s %12s %12s %7s %7s' "$n" "$(value "$f" hs_per_s)" \
		"$(value "$f" p50_ms)" "$(value "$f" p99_ms)" \
		"$(sed -n 's/^normal_latency_ms.* max=//p' "$f")" \
		"$(value "$f" cpu_per_hs_ms)" "$(value "$f" rss_per_hs_kib)" \
		"$(value "$f" ok)/$((n * r))" \
		"$(sed -n 's/^eagain_retries=\([0-9]*\).*/\1/p' "$f")")"
done
kill "$peer_pid" 2>/dev/null
wait "$peer_pid"
echo "# ---- storm-peer"
sed 's/^/# /' "$W/peer.out"
echo "# ==== summary (x509 module client, ktlsd on a TCG guest)"
printf '%-5s %8s %9s %9s %9s %12s %12s %7s %7s\n' N hs/s p50_ms p99_ms max_ms \
	cpu/hs_ms rss/hs_KiB ok eagain
echo "$table" | sed '/^$/d'
exit $bad
