#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of test-vm-storm.sh, run inside the VM by /init (busybox ash):
# ktlsd under a handshake storm. bench/storm drives hundreds of concurrent
# kernel handshake requests through the test module ktls_test_hs (one thread
# and one blocking ioctl per request), bench/storm-peer is the TLS peer for
# all of them (one process, many connections). Checks:
#   (a) storms: 256 x509 client requests, 64 PSK server requests (keyring
#       lookups by the monitor): all succeed, kernel TLS carries data,
#       /proc/net/tls_stat counts the sessions;
#   (b) faults: ktlsd SIGKILLed in the middle of a storm and started again
#       (every request completes or reaches its consumer's timeout, none
#       hangs; the new daemon works), requests left un-accepted by a dead
#       daemon are drained by the next one, a request with no daemon fails
#       at once (ESRCH), a silent peer and a garbage peer fail alone
#       (ETIMEDOUT at their own deadline, EACCES) while a storm runs;
#   (c) reload under load: SIGHUP twice during a storm loses nothing and
#       leaves a new generation of $NW workers; a reload with a missing
#       certificate is refused, the old configuration keeps serving, the
#       log says why.
# Each check prints one PASS/FAIL line; the last line is "N passed, N
# failed"; the exit status is 1 if anything failed.
#
# The kernel refuses new requests with EAGAIN while 3..50 (clamp(RAM/400
# MiB)) sit un-accepted in a network namespace: 3 in this 1 GiB guest. A
# storm of simultaneous requests outruns any agent's ACCEPT loop on 2 vCPUs
# now and then, so storm retries EAGAIN after a short random pause (as a
# consumer reconnects) and reports how often it happened.
#
# Layout (made by test-vm-storm.sh): $KTLSD_STORM_DIR/pki holds the interop
# PKI and psk.bin (32 raw bytes, hex in KTLSD_STORM_PSK). Programs are called
# by full path: busybox runs its own applets first.

KTLSD=/usr/sbin/ktlsd
STORM=/usr/bin/storm
PEER=/usr/bin/storm-peer
KEYCTL=/usr/bin/keyctl
PKI=${KTLSD_STORM_DIR:-/opt/ktlsd-test}/pki
PSK_HEX=${KTLSD_STORM_PSK:?}
ID="NVMe0R01 storm-host storm-subsys"
W=/tmp/storm
PORT=4433	# the storm-peer server (module client requests)
SPORT=5000	# module server requests: storm listens, storm-peer connects
# Storm sizes (the defaults are the test; smaller ones help debugging).
NA=${KTLSD_STORM_N:-256}
NB=${KTLSD_STORM_NB:-128}
NC=${KTLSD_STORM_NC:-128}
N64=${KTLSD_STORM_N64:-64}
NW=2	# "workers": one per vCPU, set explicitly
# "max_inflight": below every storm, so requests wait in the monitor's
# queue and each worker is held to its share (MAXF / NW).
MAXF=48

t_tail=60
mkdir -p "$W"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /ktlsd/guest-lib.sh

# field FILE KEY: the value of the first KEY=... line (or " KEY=" field).
field()
{
	sed -n "s/^$2=\([^ ]*\).*/\1/p; s/.* $2=\([^ ]*\).*/\1/p" "$1" | head -n 1
}

# le A B: A <= B for decimals like 123.4
# shellcheck disable=SC2317 # called through t_true
le()
{
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'
}

# Storm figures worth seeing even when all passed.
show()
{
	echo "#   $1: $(grep -E '^(normal|silent|garbage)_(requests|error|latency_ms)|^eagain|^hs_per_s|^max_ioctl_ms|^tls_stat_delta' "$2" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

# The monitor's children (its workers), from /proc.
workers_of()
{
	for s in /proc/[0-9]*/stat; do
		awk -v p="$1" '$4 == p { print $1 }' "$s" 2>/dev/null
	done
}

# new_generation BEFORE AFTER (workers_of lists): $NW workers each, none
# of AFTER among BEFORE.
# shellcheck disable=SC2317 # called through t_true
new_generation()
{
	[ "$(echo "$1" | wc -w)" -eq "$NW" ] && [ "$(echo "$2" | wc -w)" -eq "$NW" ] || return 1
	for ng_w in $2; do
		echo "$1" | grep -qx "$ng_w" && return 1
	done
	return 0
}

# storm_ktlsd NAME: a new ktlsd logging to $W/NAME.log (klog); sets ktlsd_pid.
# shellcheck disable=SC2317 # called through t_true
storm_ktlsd()
{
	klog=$W/$1.log
	ktlsd_start "$klog" 20 "$KTLSD" -s -c "$W/ktlsd.conf"
}

# restart_after_kill NAME PAUSE: the monitor was killed: reap it, check that
# its workers ($old_workers) leave within 5 s, and PAUSE s later start a new
# ktlsd logging to $W/NAME.log.
restart_after_kill()
{
	wait "$ktlsd_pid" 2>/dev/null
	for w in $old_workers; do
		t_true "worker $w still running 5 s after the monitor died" gone_within "$w" 5
	done
	sleep "$2"
	t_true "ktlsd did not start again" storm_ktlsd "$1"
}

# storm_client NAME ARGS...: module client requests against the peer server.
storm_client()
{
	sc_name=$1
	shift
	"$STORM" --connect "127.0.0.1:$PORT" --peername localhost "$@" \
		>"$W/$sc_name.out" 2>"$W/$sc_name.err" </dev/null
	echo "exit=$?" >>"$W/$sc_name.out"
}

# between LO X HI: LO <= X <= HI
# shellcheck disable=SC2317 # called through t_true
between()
{
	le "$1" "$2" && le "$2" "$3"
}

# ---- setup -------------------------------------------------------------------

t_begin "setup: module, keys, storm-peer and ktlsd"
load_test_module >"$W/setup.out" 2>&1
t_true "no /dev/ktls_test_hs" test -c /dev/ktls_test_hs
# PSK keys: a server looks the identity up in the request's keyring; a
# client passes the key by serial.
KR=$("$KEYCTL" newring storm-ring @u 2>>"$W/setup.out")
PSKS=$("$KEYCTL" padd psk "$ID" "$KR" <"$PKI/psk.bin" 2>>"$W/setup.out")
PSKC=$("$KEYCTL" padd psk "$ID" @u <"$PKI/psk.bin" 2>>"$W/setup.out")
echo "keyring=$KR server_psk=$PSKS client_psk=$PSKC" >>"$W/setup.out"
for v in "$KR" "$PSKS" "$PSKC"; do
	case $v in '' | *[!0-9]*) t_why="$t_why
#   a key could not be added" ;; esac
done
cat >"$W/ktlsd.good" <<EOF
$(ktlsd_conf client-p256 server-p256)
workers = $NW
max_inflight = $MAXF
stats_socket = $W/ktlsd.stats
EOF
cp "$W/ktlsd.good" "$W/ktlsd.conf"
# One server for every module client request: x509 and PSK.
"$PEER" server --listen "127.0.0.1:$PORT" --cert "$PKI/server-p256.pem" \
	--key "$PKI/server-p256.key" --psk-identity "$ID" --psk-hex "$PSK_HEX" \
	--timeout 60 >"$W/peer.out" 2>&1 </dev/null &
peer_pid=$!
t_true "storm-peer did not start" wait_for "$W/peer.out" 'listening on' "$peer_pid"
t_file "$W/peer.out"
t_true "ktlsd did not log 'ready'" storm_ktlsd ktlsd1
t_want "$klog" ".*ready: .*, $NW workers, up to $MAXF handshakes in flight"
t_file "$W/setup.out"
t_file "$klog"
t_end || finish

# ---- (a) storms ----------------------------------------------------------------

n=a-x509
t_begin "(a) storm: $NA concurrent x509 client requests, all succeed with kTLS both ways; tls_stat counts $NA sessions open at once"
storm_client "$n" -n "$NA" --auth x509 --hold --retry-eagain --timeout-ms 60000 \
	--wait-ms 90000
t_wants "$W/$n.out" "normal_requests=$NA ok=$NA" "result=PASS" "exit=0" \
	"tls_stat_delta TlsTxSw=$NA TlsRxSw=$NA TlsCurrTxSw=$NA TlsCurrRxSw=$NA"
t_end
show "$n" "$W/$n.out"

n=a-psk-server
t_begin "(a) storm: $N64 concurrent PSK server requests (identity looked up in the request keyring), all succeed, peer id = the key"
"$STORM" -n "$N64" --role server --auth psk --keyring "$KR" --listen "127.0.0.1:$SPORT" \
	--retry-eagain --timeout-ms 60000 --wait-ms 90000 -v >"$W/$n.out" 2>"$W/$n.err" </dev/null &
spid=$!
wait_for "$W/$n.err" 'listening on' "$spid"
"$PEER" client --connect "127.0.0.1:$SPORT" --count "$N64" --psk-identity "$ID" \
	--psk-hex "$PSK_HEX" --timeout 60 >"$W/$n.peer" 2>&1 </dev/null
echo "exit=$?" >>"$W/$n.peer"
wait "$spid"
echo "exit=$?" >>"$W/$n.out"
t_wants "$W/$n.out" "normal_requests=$N64 ok=$N64" "exit=0"
t_true "a peer id other than the PSK's serial $PSKS" \
	sh -c "! grep '^req=' '$W/$n.out' | grep -v ' peerid=$PSKS '"
t_wants "$W/$n.peer" "handshakes_ok=$N64" "exit=0"
t_end
show "$n" "$W/$n.out"

n=a-psk-client
t_begin "(a) storm: $N64 concurrent PSK client requests (key by serial), all succeed, peer id = the key"
storm_client "$n" -n "$N64" --auth psk --psk "$PSKC" --retry-eagain --timeout-ms 60000 \
	--wait-ms 90000 -v
t_wants "$W/$n.out" "normal_requests=$N64 ok=$N64" "exit=0"
t_true "a peer id other than the PSK's serial $PSKC" \
	sh -c "! grep '^req=' '$W/$n.out' | grep -v ' peerid=$PSKC '"
t_end
show "$n" "$W/$n.out"

# ---- (b) faults ------------------------------------------------------------------

# Baseline latency for the bad-peer check below, same size, same daemon.
n=b-baseline
storm_client "$n" -n "$N64" --auth x509 --retry-eagain --timeout-ms 60000 --wait-ms 90000
base_p99=$(field "$W/$n.out" p99_ms)

n=b-bad-peers
t_begin "(b) a silent and a garbage peer among $N64 good requests: ETIMEDOUT at their own 8 s deadline, EACCES at once; the others all succeed, none waits for them"
storm_client "$n" -n "$N64" --silent 1 --garbage 1 --bad-timeout-ms 8000 --auth x509 \
	--retry-eagain --timeout-ms 60000 --wait-ms 90000 -v
t_wants "$W/$n.out" "normal_requests=$N64 ok=$N64" "silent_requests=1 done_error=1" \
	"silent_error=ETIMEDOUT count=1" "garbage_requests=1 done_error=1" \
	"garbage_error=EACCES count=1"
s_ms=$(sed -n 's/^req=.* kind=silent .* elapsed_ms=\([0-9.]*\).*/\1/p' "$W/$n.out")
g_ms=$(sed -n 's/^req=.* kind=garbage .* elapsed_ms=\([0-9.]*\).*/\1/p' "$W/$n.out")
n_max=$(sed -n 's/^normal_latency_ms.* max=//p' "$W/$n.out")
n_p99=$(field "$W/$n.out" p99_ms)
t_true "silent request not answered at its deadline (${s_ms:-?} ms, want 7900-11000)" \
	between 7900 "${s_ms:-0}" 11000
t_true "garbage request not answered at once (${g_ms:-?} ms, want < 3000)" le "${g_ms:-99999}" 3000
t_true "a good request waited for the silent one (max ${n_max:-?} ms >= 7900)" le "${n_max:-99999}" 7900
t_true "good requests slowed down: p99 ${n_p99:-?} ms vs ${base_p99:-?} ms alone (limit 3x + 1000)" \
	le "${n_p99:-99999}" "$(awk -v b="${base_p99:-0}" 'BEGIN { print 3 * b + 1000 }')"
t_end
echo "#   good requests alone: p99 ${base_p99:-?} ms; with the bad peers: p99 ${n_p99:-?} ms, max ${n_max:-?} ms; silent ${s_ms:-?} ms, garbage ${g_ms:-?} ms"

# Control clients that hold their connections (ctl-stall: half never read
# their reply, half send the request a byte a second; reopened as the
# monitor closes them) during a storm: the monitor serves the control
# socket from the loop that answers ACCEPT and DONE, so nothing they do may
# hold it. 12 of the 16 client slots: ktlsctl still gets in meanwhile.
n=b-ctl-stall
t_begin "(b) 12 control clients that never read or drip a byte a second during a storm of $N64: all succeed, p99 within 2x + 1000 ms of the storm alone, ktlsctl still answers"
/usr/bin/ctl-stall -s "$W/ktlsd.stats" -n 12 -t 6 >"$W/$n.stall" 2>&1 </dev/null &
stall_pid=$!
sleep 1
storm_client "$n" -n "$N64" --auth x509 --retry-eagain --timeout-ms 60000 --wait-ms 90000
timeout 10 /usr/sbin/ktlsctl -s "$W/ktlsd.stats" status >"$W/$n.status" 2>&1 </dev/null
echo "exit=$?" >>"$W/$n.status"
wait "$stall_pid"
echo "exit=$?" >>"$W/$n.stall"
c_p99=$(field "$W/$n.out" p99_ms)
t_wants "$W/$n.out" "normal_requests=$N64 ok=$N64" "exit=0"
t_wants "$W/$n.status" "exit=0" "pid: $ktlsd_pid"
t_wants "$W/$n.stall" "exit=0" "connections=(1[2-9]|[2-9][0-9]|[0-9]{3,})" \
	"closed_by_server=[1-9][0-9]*" "connect_errors=0"
t_true "the storm slowed down: p99 ${c_p99:-?} ms vs ${base_p99:-?} ms alone (limit 2x + 1000)" \
	le "${c_p99:-99999}" "$(awk -v b="${base_p99:-0}" 'BEGIN { print 2 * b + 1000 }')"
t_end
echo "#   storm alone: p99 ${base_p99:-?} ms; with 12 stalling control clients: p99 ${c_p99:-?} ms; $(tr '\n' ' ' <"$W/$n.stall")"

n=b-kill
old_kpid=$ktlsd_pid
old_workers=$(workers_of "$ktlsd_pid")
t_begin "(b) ktlsd SIGKILLed after $((NB / 4)) of $NB requests returned, started again: every request completes or reaches its consumer's 10 s timeout, none hangs; the workers leave too"
storm_client "$n" -n "$NB" --auth x509 --retry-eagain --retry-max-ms 30000 \
	--timeout-ms 10000 --wait-ms 10000 --signal-at "$((NB / 4)):9:$ktlsd_pid" -q &
stpid=$!
# The storm kills the monitor; restart once it is gone.
t_true "the monitor did not die" gone_within "$ktlsd_pid" 60
restart_after_kill ktlsd2 0.5
wait "$stpid"
t_file "$W/$n.out"
t_file "$W/$n.err"
# Allowed: success, DONE ETIMEDOUT, a consumer timeout (cancelled), a
# submit error with no daemon (ESRCH) or too many pending (EAGAIN).
t_reject "$W/$n.out" "normal_requests=.* (data_fail|setup_error)=.*"
t_reject "$W/$n.out" "normal_error=(EACCES|EIO|EINVAL|ENOKEY|EKEYREJECTED|E[0-9]+) .*"
t_want "$W/$n.out" "normal_requests=$NB ok=[1-9][0-9]*.*"
mx=$(field "$W/$n.out" max_ioctl_ms)
t_true "an ioctl took ${mx:-?} ms (limit: 10 s consumer timeout + 2.5 s)" le "${mx:-99999}" 12500
t_want "$W/$n.err" ".*sending signal 9 to $old_kpid"
t_end
show "$n" "$W/$n.out"

n=b-after-restart
t_begin "(b) the restarted ktlsd serves a storm of $N64: all succeed"
storm_client "$n" -n "$N64" --auth x509 --retry-eagain --timeout-ms 60000 --wait-ms 90000
t_wants "$W/$n.out" "normal_requests=$N64 ok=$N64" "exit=0"
t_end
show "$n" "$W/$n.out"

# Overload: more requests than the worker can finish in their budget. The
# budget starts at ACCEPT; requests that wait in the worker's queue must
# not get a fresh one there, or the worker keeps working on requests the
# monitor has already answered (its backstop, 2 s later) and installs
# kernel TLS on sockets whose consumer was told ETIMEDOUT.
n=b-overload
t_begin "(b) overload: $NA requests with a 1.5 s budget: late ones get ETIMEDOUT from the worker at their deadline (no monitor backstop), kernel TLS only where DONE said 0"
bs0=$(grep -c 'worker did not answer in time' "$klog")
storm_client "$n" -n "$NA" --auth x509 --retry-eagain --timeout-ms 1500 --wait-ms 20000 -q
bs1=$(grep -c 'worker did not answer in time' "$klog")
ok=$(field "$W/$n.out" ok)
t_reject "$W/$n.out" "normal_requests=.* (cancelled|data_fail|setup_error|submit_error)=.*"
t_reject "$W/$n.out" "normal_error=(EACCES|EIO|EINVAL|ENOKEY|EKEYREJECTED|E[0-9]+|cancelled_at_wait_ms) .*"
t_true "the monitor's backstop answered $((bs1 - bs0)) requests the worker still held" \
	test "$bs1" -eq "$bs0"
t_want "$W/$n.out" "tls_stat_delta TlsTxSw=${ok:-x} TlsRxSw=${ok:-x} .*"
t_end
show "$n" "$W/$n.out"

# Workers that stop answering: the monitor answers for them at the deadline
# plus its 2 s backstop and sends each a KP_CANCEL. Continued, a worker
# finds those requests answered (the deadline has passed, the cancel names
# nothing it holds) and goes on serving.
n=b-stopped
t_begin "(b) both workers stopped (SIGSTOP) with 4 requests of 1.5 s in hand: each gets ETIMEDOUT from the monitor's backstop at 3.5 s, none hangs; continued, the workers serve a storm of $N64"
ws=$(workers_of "$ktlsd_pid")
bs0=$(grep -c 'worker did not answer in time' "$klog")
# shellcheck disable=SC2086 # a list of pids
kill -STOP $ws
storm_client "$n" -n 4 --auth x509 --retry-eagain --timeout-ms 1500 --wait-ms 15000 -v
bs1=$(grep -c 'worker did not answer in time' "$klog")
# shellcheck disable=SC2086
kill -CONT $ws
t_wants "$W/$n.out" "normal_requests=4 done_error=4" "normal_error=ETIMEDOUT count=4"
t_true "the backstop answered $((bs1 - bs0)) requests, not 4" test $((bs1 - bs0)) -eq 4
e=$(sed -n 's/^normal_latency_ms min=\([0-9.]*\).*/\1/p' "$W/$n.out")
e2=$(sed -n 's/^normal_latency_ms .* max=\([0-9.]*\).*/\1/p' "$W/$n.out")
t_true "answered between ${e:-?} and ${e2:-?} ms, not within 3.4 to 5 s" \
	between 3400 "${e:-0}" 5000
t_true "answered between ${e:-?} and ${e2:-?} ms, not within 3.4 to 5 s" \
	between 3400 "${e2:-0}" 5000
t_true "a worker was restarted" test "$(workers_of "$ktlsd_pid" | sort)" = "$(echo "$ws" | sort)"
storm_client b-stopped-after -n "$N64" --auth x509 --retry-eagain --timeout-ms 60000 \
	--wait-ms 90000
t_wants "$W/b-stopped-after.out" "normal_requests=$N64 ok=$N64" "exit=0"
t_end
show "$n" "$W/$n.out"

# Requests the kernel holds for an agent that died before ACCEPT: stop the
# monitor, submit, kill it, then start a new one. Only 3 may sit
# un-accepted in this guest (a 4th gets EAGAIN, even with no agent left).
n=b-drain
t_begin "(b) 3 requests submitted to a stopped ktlsd, which is then SIGKILLed: a new ktlsd ACCEPTs them at start and they succeed"
kill -STOP "$ktlsd_pid"
old_workers=$(workers_of "$ktlsd_pid")
storm_client "$n" -n 3 --auth x509 --timeout-ms 20000 --wait-ms 30000 -v &
stpid=$!
sleep 1.5
storm_client b-drain-4th -n 1 --auth x509 --timeout-ms 20000 --wait-ms 2000 -v
kill -KILL "$ktlsd_pid"
restart_after_kill ktlsd3 1
wait "$stpid"
t_wants "$W/$n.out" "normal_requests=3 ok=3" "exit=0"
e=$(sed -n 's/^normal_latency_ms min=\([0-9.]*\).*/\1/p' "$W/$n.out")
t_true "they did not wait for the new daemon (min ${e:-?} ms)" le 2500 "${e:-0}"
t_end
show "$n" "$W/$n.out"
echo "#   a 4th request while 3 were pending: $(grep '^req=' "$W/b-drain-4th.out" | sed 's/.*outcome=\([^ ]*\) \(errno=[^ ]*\).*/\1 \2/')"

n=b-nodaemon
t_begin "(b) no ktlsd at all (stopped with SIGTERM): a request fails at once with ESRCH; ktlsd starts again"
kill "$ktlsd_pid"
t_true "ktlsd did not exit within 5 s of SIGTERM" gone_within "$ktlsd_pid" 5
wait "$ktlsd_pid" 2>/dev/null
storm_client "$n" -n 1 --auth x509 --timeout-ms 20000 --wait-ms 5000 -v
t_wants "$W/$n.out" "normal_requests=1 submit_error=1" "normal_error=ESRCH count=1"
e=$(field "$W/$n.out" max_ioctl_ms)
t_true "ESRCH took ${e:-?} ms" le "${e:-99999}" 1000
t_true "ktlsd did not start again" storm_ktlsd ktlsd4
t_end

# ---- (c) reload under load -----------------------------------------------------------

n=c-hup
t_begin "(c) SIGHUP twice during a storm of $NC: all succeed, a new generation of $NW workers, the old ones leave"
w_before=$(workers_of "$ktlsd_pid")
storm_client "$n" -n "$NC" --auth x509 --retry-eagain --timeout-ms 60000 --wait-ms 90000 \
	--signal-at "$((NC / 4)):1:$ktlsd_pid" --signal-at "$((NC / 2)):1:$ktlsd_pid"
t_wants "$W/$n.out" "normal_requests=$NC ok=$NC" "exit=0"
t_true "not two 'configuration reloaded' lines in the log" \
	test "$(grep -c 'configuration reloaded' "$klog")" -eq 2
# The old generations leave once their handshakes are done.
i=0
while [ "$(workers_of "$ktlsd_pid" | wc -w)" -ne "$NW" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
w_after=$(workers_of "$ktlsd_pid")
t_true "workers before: '$(echo "$w_before" | tr '\n' ' ')', after: '$(echo "$w_after" | tr '\n' ' ')' (want $NW new ones)" \
	new_generation "$w_before" "$w_after"
t_reject "$klog" ".*(refused by the kernel|went away|exited \\(status).*"
t_file "$klog"
t_end
show "$n" "$W/$n.out"

n=c-badconf
t_begin "(c) SIGHUP with a missing certificate during a storm of $N64: reload refused (log says why), all succeed, then the old configuration still serves module servers"
sed "s|$PKI/server-p256.pem|$W/missing-server.pem|" "$W/ktlsd.good" >"$W/ktlsd.conf"
storm_client "$n" -n "$N64" --auth x509 --retry-eagain --timeout-ms 60000 --wait-ms 90000 \
	--signal-at "$((N64 / 4)):1:$ktlsd_pid"
t_wants "$W/$n.out" "normal_requests=$N64 ok=$N64" "exit=0"
t_want "$klog" ".*reload refused.*"
t_true "the log does not name the missing file" grep -q "missing-server.pem" "$klog"
t_true "the refused reload was logged as 'configuration reloaded'" \
	test "$(grep -c 'configuration reloaded' "$klog")" -eq 2
# Server requests need the configured server certificate.
"$STORM" -n 16 --role server --auth x509 --listen "127.0.0.1:$((SPORT + 1))" --retry-eagain \
	--timeout-ms 60000 --wait-ms 90000 >"$W/c-badconf-server.out" 2>"$W/c-badconf-server.err" </dev/null &
spid=$!
wait_for "$W/c-badconf-server.err" 'listening on' "$spid"
"$PEER" client --connect "127.0.0.1:$((SPORT + 1))" --count 16 --ca "$PKI/ca.pem" \
	--servername localhost --timeout 60 >"$W/c-badconf-server.peer" 2>&1 </dev/null
wait "$spid"
echo "exit=$?" >>"$W/c-badconf-server.out"
t_wants "$W/c-badconf-server.out" "normal_requests=16 ok=16" "exit=0"
t_want "$W/c-badconf-server.peer" "handshakes_ok=16"
t_file "$klog"
t_end
show "$n" "$W/$n.out"
echo "#   $(grep -m1 'reload refused' "$klog" | sed 's/^ktlsd\[[0-9]*\]: //')"

t_begin "(c) the good configuration back, SIGHUP: reloaded, a storm of $N64 succeeds"
cp "$W/ktlsd.good" "$W/ktlsd.conf"
kill -HUP "$ktlsd_pid"
i=0
while [ "$(grep -c 'configuration reloaded' "$klog")" -lt 3 ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
t_true "no third 'configuration reloaded' line" \
	test "$(grep -c 'configuration reloaded' "$klog")" -eq 3
n=c-restored
storm_client "$n" -n "$N64" --auth x509 --retry-eagain --timeout-ms 60000 --wait-ms 90000
t_want "$W/$n.out" "normal_requests=$N64 ok=$N64"
t_end

# ---- the end ------------------------------------------------------------------------------

t_begin "ktlsd stops on SIGTERM; no DONE was refused by the kernel"
kill "$ktlsd_pid"
t_true "ktlsd did not exit within 5 s of SIGTERM" gone_within "$ktlsd_pid" 5
for f in "$W"/ktlsd[0-9].log; do
	t_reject "$f" ".*refused by the kernel.*"
	t_reject "$f" ".*slots taken.*"
done
t_end

kill "$peer_pid" 2>/dev/null
wait "$peer_pid" 2>/dev/null
if [ "$fail" -gt 0 ] || [ "${KTLSD_STORM_SHOW_LOG:-0}" = 1 ]; then
	for f in "$W"/ktlsd[0-9].log; do
		echo "# --- ${f##*/} (without per-handshake success lines)"
		grep -v 'handshake role=.* result=ok' "$f" | tail -n 60 | sed 's/^/# | /'
	done
fi
finish
