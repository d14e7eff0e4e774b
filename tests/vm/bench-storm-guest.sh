#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of bench-storm.sh, run inside the VM by /init (busybox ash): the
# handshake storm benchmark. For each N in $KTLSD_STORM_NS (default
# "1 64 512") it starts a fresh ktlsd (so the workers' resident memory
# starts from idle), runs bench/storm with N concurrent module client
# requests (x509, the server verified against the test CA) against one
# storm-peer server, prints storm's key=value report, and stops ktlsd.
# A table of the figures closes the output. Not a pass/fail test: the exit
# status is 1 only when a storm had failed requests.
#
# Environment: KTLSD_STORM_DIR (where pki/ is), KTLSD_STORM_NS,
# KTLSD_STORM_ROUNDS ("N:R ..." rounds per N, default "1:40 64:4 512:1"),
# KTLSD_STORM_AUTH (x509, default; anon), KTLSD_STORM_EXTRA (more storm
# arguments), KTLSD_STORM_SHOW_LOG=1 (print ktlsd's log),
# KTLSD_STORM_WORKERS (ktlsd's "workers"; default one per CPU).

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

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /ktlsd/guest-lib.sh

# The kernel's side: how long requests wait for ACCEPT, from the handshake
# tracepoints (submit -> cmd_accept, per request), and how often the
# kernel refused one (submit_err, EAGAIN = too many un-accepted).
T=/sys/kernel/tracing
trace_start()
{
	[ -w "$T/tracing_on" ] || return 0
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	echo 4096 >"$T/buffer_size_kb"
	for e in handshake_submit handshake_submit_err handshake_cmd_accept; do
		echo 1 >"$T/events/handshake/$e/enable"
	done
	echo 1 >"$T/tracing_on"
}

trace_stop()
{
	[ -w "$T/tracing_on" ] || return 0
	echo 0 >"$T/tracing_on"
	cat "$T/trace" >"$1"
	awk '
	function ts() { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) return substr($i, 1, length($i) - 1) + 0; return -1 }
	function req() { for (i = 1; i <= NF; i++) if ($i ~ /^req=/) return $i; return "" }
	/ handshake_submit: / { sub_t[req()] = ts(); subs++ }
	/ handshake_submit_err: / { errs++; if ($0 ~ /err=-11/) eagain++ }
	/ handshake_cmd_accept: / { r = req(); if (r in sub_t) { d = (ts() - sub_t[r]) * 1000; if (d < 0) d = 0; lat[n++] = d; delete sub_t[r] } }
	END {
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (lat[j] < lat[i]) { t = lat[i]; lat[i] = lat[j]; lat[j] = t }
		p50 = n ? lat[int((n - 1) * 0.5)] : 0; p99 = n ? lat[int((n - 1) * 0.99)] : 0; mx = n ? lat[n - 1] : 0
		printf "kernel_submits=%d kernel_submit_errors=%d kernel_eagain=%d accept_wait_ms p50=%.2f p99=%.2f max=%.2f (n=%d)\n", subs, errs, eagain, p50, p99, mx, n
	}' "$1"
}

load_test_module || {
	echo "bench-storm: no /dev/ktls_test_hs"
	exit 1
}
# (no ulimit: ktlsd runs with what the shell has)

cat >"$W/ktlsd.conf" <<EOF
$(ktlsd_conf client-p256 server-p256)
${KTLSD_STORM_WORKERS:+workers = $KTLSD_STORM_WORKERS}
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
ratios=""
for n in $NS; do
	r=1
	for nr in $ROUNDS; do
		[ "${nr%%:*}" = "$n" ] && r=${nr#*:}
	done
	ktlsd_start "$W/ktlsd-$n.log" 20 "$KTLSD" -s -c "$W/ktlsd.conf" || {
		echo "bench-storm: ktlsd did not start"
		cat "$W/ktlsd-$n.log"
		exit 1
	}
	sleep 1	# let the workers settle: their idle RSS is the baseline
	echo "# ---- N=$n, $r round(s)"
	sed -n "s/.*\(ready: .*\)/# ktlsd \1/p" "$W/ktlsd-$n.log"
	trace_start
	# shellcheck disable=SC2086 # KTLSD_STORM_EXTRA is a word list
	"$STORM" -n "$n" --rounds "$r" --auth "$AUTH" --connect "127.0.0.1:$PORT" \
		--peername localhost --daemon-pid "$ktlsd_pid" --retry-eagain --warmup 3 \
		--sample-ms 10 \
		--timeout-ms 60000 --wait-ms 90000 --label "N=$n" \
		${KTLSD_STORM_EXTRA:-} >"$W/storm-$n.out" 2>&1
	rc=$?
	trace_stop "$W/trace-$n.txt" >>"$W/storm-$n.out"
	cat "$W/storm-$n.out"
	[ $rc -eq 0 ] || bad=1
	kill "$ktlsd_pid"
	wait "$ktlsd_pid"
	if [ "${KTLSD_STORM_SHOW_LOG:-0}" = 1 ] || [ $rc -ne 0 ]; then
		echo "# ---- ktlsd log (last 40 lines)"
		grep -v 'handshake role=.*result=ok' "$W/ktlsd-$n.log" | tail -n 40 | sed 's/^/# | /'
	fi
	f=$W/storm-$n.out
	table="$table
$(printf '%-5s %8s %9s %9s %9s %10s %10s %11s %8s %7s %10s %8s %9s' "$n" "$(value "$f" hs_per_s)" \
		"$(value "$f" p50_ms)" "$(value "$f" p99_ms)" \
		"$(sed -n 's/^normal_latency_ms.* max=//p' "$f")" \
		"$(value "$f" cpu_per_hs_ms)" "$(value "$f" rss_per_hs_kib)" \
		"$(sed -n 's/.*rss_per_active_kib=//p' "$f")/$(sed -n 's/.*worker_active_max=\([0-9]*\).*/\1/p' "$f")" \
		"$(value "$f" ok)/$((n * r))" \
		"$(sed -n 's/^eagain_retries=\([0-9]*\).*/\1/p' "$f")" \
		"$(sed -n 's/.*accept_wait_ms p50=[0-9.]* p99=\([0-9.]*\).*/\1/p' "$f")" \
		"$(sed -n 's/^system_cpu_per_hs_ms=\([0-9.]*\).*/\1/p' "$f")" \
		"$(sed -n 's/^bound_ms=\([0-9.]*\).*/\1/p' "$f")")"
	ratios="$ratios $n:$(value "$f" p50_ms):$(value "$f" p99_ms):$(sed -n 's/^bound_ms=\([0-9.]*\).*/\1/p' "$f")"
done
kill "$peer_pid" 2>/dev/null
wait "$peer_pid"
echo "# ---- storm-peer"
sed 's/^/# /' "$W/peer.out"
echo "# ==== summary (x509 module client, ktlsd on a TCG guest)"
printf '%-5s %8s %9s %9s %9s %10s %10s %11s %8s %7s %10s %8s %9s\n' N hs/s p50_ms p99_ms max_ms \
	cpu/hs_ms rss/N_KiB rss/act@n ok eagain acc_p99_ms sys/hs bound_ms
echo "$table" | sed '/^$/d'
# Latency under load against the single request's: p99 at each N over
# p50 at N=1, and the floor the machine itself sets (bound_ms).
echo "$ratios" | awk '{
	for (i = 1; i <= NF; i++) { split($i, f, ":"); n[i] = f[1]; p50[i] = f[2]; p99[i] = f[3]; b[i] = f[4]; if (f[1] == 1) single = f[2] }
	if (!single) exit
	for (i = 1; i <= NF; i++) if (n[i] != 1 && b[i] > 0)
		printf "# N=%s: p99 = %.1f x the single request (p50 at N=1, %.1f ms); the floor, N x sys/hs / CPUs = %.1f ms, is already %.1f x; p99 is %.2f x the floor\n", n[i], p99[i] / single, single, b[i], b[i] / single, p99[i] / b[i]
}'
cat <<'EOF'
# hs/s: handshakes / storm wall time; p50/p99/max: ioctl start to return
# (with EAGAIN back-off); cpu/hs: ktlsd monitor + worker utime+stime per
# handshake; rss/N: the workers' VmRSS (summed) peak minus idle (after 3 warm-up
# handshakes) over N; rss/act@n: the same over the most handshakes active
# in the workers at once (their open sockets), and that count; eagain: the
# kernel refused a request (3 un-accepted at most in this 1 GiB guest) and
# storm retried; acc_p99: p99 of submit -> ACCEPT in the kernel's trace;
# sys/hs: every CPU's busy time in the guest (ktlsd, the peer, storm's
# threads, the kernel) per handshake; bound: N x sys/hs / CPUs, the
# earliest the last of N requests started at once can finish.
EOF
exit $bad
