# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared helpers for the interop tests, sourced (not run) by each
# tests/interop/*.sh. They give every script the same shape:
#
#   - the skip-or-fail policy: a missing tool is automake's SKIP (exit 77),
#     or a failure under KTLS_TEST_STRICT=1 (STYLE.md section 11);
#   - a private network namespace for peers that bind every address
#     (gnutls-serv, NSS selfserv), entered by re-running the script under
#     unshare(1) so that server and client share it;
#   - a temporary directory with the test PKI (mkcerts.sh), removed on exit;
#   - peer processes, each started under timeout(1), recorded by pid and
#     killed by pid (never by name) when the script ends;
#   - checks that compare whole output lines, one PASS/FAIL line each, and
#     the closing "N passed, N failed" line;
#   - two passes (it_modes): every ktls-peer runs as is, then with --async,
#     which answers PSK lookups and signatures on a later turn of its loop
#     as ktlsd does, so the engine's paths that only the daemon takes meet
#     the other stacks too.
#
# Environment: KTLS_PEER (the ktls-peer binary; make check sets it),
# KTLS_TEST_STRICT, KTLS_INTEROP_TIMEOUT (seconds per client, default 10),
# KTLS_INTEROP_KEEP=1 to keep the temporary directory for a post-mortem,
# KTLS_INTEROP_MODES (the passes, default "sync async") or
# KTLS_INTEROP_MODE (run one pass only, sync or async).

# The IT_* settings and it_* results are for the scripts that source this.
# shellcheck disable=SC2034
set -u
# A client that died must not kill the script when we write to its stdin.
trap '' PIPE

it_name=${0##*/}
it_name=${it_name%.sh}
it_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KTLS_PEER=${KTLS_PEER:-$it_dir/../../tools/ktls-peer}
it_timeout=${KTLS_INTEROP_TIMEOUT:-10}
# Servers live as long as all their clients together, and no longer.
it_server_timeout=$((it_timeout * 30))

it_pass=0
it_fail=0
it_mode=sync
it_async_args=()	# --async in the async pass, for every ktls-peer
it_pids=()
it_tmp=
it_context=()		# files to show when a check fails

# The matrix every script draws from. Names are IANA's, as ktls-peer takes them.
IT_SUITES=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384
	TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_CCM_SHA256)
IT_GROUPS=(x25519 secp256r1 secp384r1 x448)
IT_CERTS=(p256 p384 rsa ed25519)
IT_ALL_SUITES=$(IFS=,; echo "${IT_SUITES[*]}")
IT_ALL_GROUPS=$(IFS=,; echo "${IT_GROUPS[*]}")
IT_PSK_ID=ktls-interop-id
IT_PSK=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
IT_PSK_WRONG=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100

it_log()
{
	printf '%s: %s\n' "$it_name" "$*"
}

# The signature scheme a server with this kind of key signs with, as a regex.
it_sigalg_re()
{
	case $1 in
	p256) echo ecdsa_secp256r1_sha256 ;;
	p384) echo ecdsa_secp384r1_sha384 ;;
	rsa) echo 'rsa_pss_rsae_sha(256|384|512)' ;;
	ed25519) echo ed25519 ;;
	esac
}

it_cleanup()
{
	local pid
	for pid in "${it_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${it_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	it_pids=()
	if [ -n "$it_tmp" ] && [ -d "$it_tmp" ]; then
		if [ "${KTLS_INTEROP_KEEP:-0}" = 1 ]; then
			it_log "kept $it_tmp"
		else
			rm -rf "$it_tmp"
		fi
	fi
}
trap it_cleanup EXIT
trap 'exit 1' INT TERM HUP

# it_modes "$@": first thing in a script. Without KTLS_INTEROP_MODE it runs
# the script again once per mode of KTLS_INTEROP_MODES (sync, then async),
# shows each pass as it goes, and exits with the sum: "N passed, N failed",
# status 0, 1, or 77 when every pass skipped. With KTLS_INTEROP_MODE it sets
# up that one pass: in async mode every ktls-peer the helpers start gets
# --async, and check names start with "async: ".
it_modes()
{
	local mode rc log line any_fail=0 all_skip=1 np nf p=0 f=0
	if [ -n "${KTLS_INTEROP_MODE:-}" ]; then
		case $KTLS_INTEROP_MODE in
		sync) ;;
		async) it_async_args=(--async) ;;
		*)
			it_log "KTLS_INTEROP_MODE: sync or async, not '$KTLS_INTEROP_MODE'"
			exit 2
			;;
		esac
		it_mode=$KTLS_INTEROP_MODE
		return 0
	fi
	log=$(mktemp "${TMPDIR:-/tmp}/ktls-$it_name-modes.XXXXXX") || exit 1
	for mode in ${KTLS_INTEROP_MODES:-sync async}; do
		it_log "--- $mode pass"
		KTLS_INTEROP_MODE=$mode bash "$0" "$@" | tee "$log"
		rc=${PIPESTATUS[0]}
		line=$(tail -n 1 "$log")
		if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
			np=${BASH_REMATCH[1]}
			nf=${BASH_REMATCH[2]}
		else
			np=0
			nf=1
		fi
		p=$((p + np))
		f=$((f + nf))
		[ "$rc" = 77 ] || all_skip=0
		[ "$rc" = 0 ] || [ "$rc" = 77 ] || any_fail=1
		[ "$rc" = 0 ] || [ "$rc" = 77 ] || [ "$nf" != 0 ] || f=$((f + 1))
	done
	rm -f "$log"
	echo "$p passed, $f failed"
	[ "$all_skip" = 1 ] && exit 77
	[ "$any_fail" = 0 ] && [ "$f" = 0 ]
	exit $?
}

# it_async N: the line of a ktls-peer's output that says it answered N
# questions later (async=N, N an extended regex) in the async pass, and
# that no such line shows in the sync pass ("!..."), for it_expect.
it_async()
{
	if [ "$it_mode" = async ]; then
		echo "~async=$1"
	else
		echo '!async=.*'
	fi
}

# A tool is missing: SKIP, or FAIL when CI asks for strictness.
it_skip()
{
	if [ "${KTLS_TEST_STRICT:-0}" = 1 ]; then
		it_log "FAIL (KTLS_TEST_STRICT=1, would skip): $*"
		echo "0 passed, 1 failed"
		exit 1
	fi
	it_log "SKIP: $*"
	echo "0 passed, 0 failed"
	exit 77
}

it_need_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			it_skip "required command '$c' not found"
	done
}

# Re-run this script in a private network namespace, with lo up. Peers that
# bind every address stay invisible to the host, and every port is ours.
it_netns()
{
	if [ "${KTLS_INTEROP_NETNS:-0}" = 1 ]; then
		ip link set lo up || it_skip "cannot bring up lo in the namespace"
		return 0
	fi
	it_need_cmd unshare ip
	if unshare -n true 2>/dev/null; then
		KTLS_INTEROP_NETNS=1 exec unshare -n -- bash "$0" "$@"
	elif unshare -rn true 2>/dev/null; then
		KTLS_INTEROP_NETNS=1 exec unshare -rn -- bash "$0" "$@"
	fi
	it_skip "cannot create a network namespace (unshare -n needs root or user namespaces)"
}

# Temporary directory, the PKI, and the tools every script needs.
it_setup()
{
	it_need_cmd openssl timeout mkfifo
	[ -x "$KTLS_PEER" ] || it_skip "ktls-peer not built: $KTLS_PEER"
	it_tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktls-$it_name.XXXXXX") || exit 1
	IT_PKI=$it_tmp/pki
	if ! bash "$it_dir/mkcerts.sh" "$IT_PKI" >"$it_tmp/mkcerts.log" 2>&1; then
		cat "$it_tmp/mkcerts.log"
		it_log "could not make the test certificates"
		echo "0 passed, 1 failed"
		exit 1
	fi
	it_log "ktls-peer: $KTLS_PEER; work directory $it_tmp"
}

# A free TCP port: random, and not bound on this host (or namespace).
it_used_ports=" "
it_pick_port()
{
	local p hex i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		case $it_used_ports in *" $p "*) continue ;; esac
		hex=$(printf '%04X' "$p")
		if ! awk -v h="$hex" 'FNR > 1 { split($2, a, ":"); if (a[2] == h) f = 1 }
		     END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			it_used_ports="$it_used_ports$p "
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Wait until extended regex $2 matches a line of file $1, while pid $3 lives.
it_wait_for()
{
	local file=$1 re=$2 pid=$3 i
	for ((i = 0; i < it_timeout * 20; i++)); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -qE -- "$re" "$file" 2>/dev/null
}

# it_server NAME READY_RE CMD...: start a server under timeout(1), output in
# $it_tmp/NAME.out, and wait until READY_RE shows there. Sets it_server_pid
# and it_server_out.
it_server()
{
	local name=$1 ready=$2
	shift 2
	it_server_out=$it_tmp/$name.out
	timeout "$it_server_timeout" "$@" </dev/null >"$it_server_out" 2>&1 &
	it_server_pid=$!
	it_pids+=("$it_server_pid")
	if ! it_wait_for "$it_server_out" "$ready" "$it_server_pid"; then
		it_log "server $name did not start: $*"
		sed 's/^/    /' "$it_server_out"
		it_stop "$it_server_pid"
		return 1
	fi
	return 0
}

# Stop a process we started (by pid) and reap it; its status is in it_rc.
it_stop()
{
	local pid=$1 p keep=()
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	it_rc=$?
	for p in "${it_pids[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	it_pids=("${keep[@]}")
}

# Wait for a process we started to exit by itself (it runs under timeout(1)),
# then record its exit status as an exit=N line in file $2.
it_reap()
{
	local pid=$1 out=$2 p keep=()
	wait "$pid" 2>/dev/null
	echo "exit=$?" >>"$out"
	for p in "${it_pids[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	it_pids=("${keep[@]}")
}

# it_ktls_server NAME ARGS...: ktls-peer server on a port the kernel picks
# (--listen 127.0.0.1:0). Sets it_server_pid, it_server_out and it_port.
it_ktls_server()
{
	local name=$1
	shift
	it_server "$name" 'listening on' "$KTLS_PEER" server \
		--listen 127.0.0.1:0 --timeout "$it_timeout" "${it_async_args[@]}" \
		"$@" || return 1
	it_port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$it_server_out")
	[ -n "$it_port" ]
}

# it_server_pick NAME READY_RE CMD ARGS...: it_server for a peer that binds
# every address and cannot pick its own port (gnutls-serv, selfserv): runs
# CMD -p PORT ARGS... on a port from it_pick_port; a port someone took
# meanwhile just means another try. Sets it_port and it_context as well.
it_server_pick()
{
	local name=$1 ready=$2 cmd=$3 i
	shift 3
	for i in 1 2 3; do
		it_port=$(it_pick_port) || return 1
		if it_server "$name" "$ready" "$cmd" -p "$it_port" "$@"; then
			it_context=("$it_server_out")
			return 0
		fi
	done
	return 1
}

# it_ktls_pair NAME CLIENT SERVER-ARGS -- CLIENT-ARGS...: a ktls-peer server
# with SERVER-ARGS (it_ktls_server), then the function CLIENT run with
# CLIENT-ARGS as the client to $it_port, its output going to $cout, and $msg
# a line of its own to send (SCRIPT-N-NAME); then the server's exit is
# awaited. The outputs are left in $sout (server) and $cout (client), and
# it_context names $cout. Returns 1 when the server did not start.
it_pairs=0
it_ktls_pair()
{
	local name=$1 client=$2 sargs=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		sargs+=("$1")
		shift
	done
	shift
	it_pairs=$((it_pairs + 1))
	msg=$it_name-$it_pairs-$name
	sout=$it_tmp/$name.server
	cout=$it_tmp/$name.client
	: >"$cout"
	if ! it_ktls_server "$name" "${sargs[@]}"; then
		cp "$it_server_out" "$sout"
		return 1
	fi
	"$client" "$@"
	it_reap "$it_server_pid" "$it_server_out"
	cp "$it_server_out" "$sout"
	it_context=("$cout")
	return 0
}

# it_run OUT CMD...: run a client to completion; exit=N is appended to OUT.
it_run()
{
	local out=$1
	shift
	timeout "$it_timeout" "$@" </dev/null >"$out" 2>&1
	echo "exit=$?" >>"$out"
}

# it_ktls_client OUT ARGS...: ktls-peer client; exit=N is appended to OUT.
it_ktls_client()
{
	local out=$1
	shift
	it_run "$out" "$KTLS_PEER" client --timeout "$it_timeout" \
		"${it_async_args[@]}" "$@"
}

# it_client OUT ARGS...: ktls-peer client to the server on $it_port, which
# it verifies as localhost against the test CA; exit=N is appended to OUT.
it_client()
{
	it_ktls_client "$1" --connect "127.0.0.1:$it_port" --servername localhost \
		--ca "$IT_PKI/ca.pem" "${@:2}"
}

# it_client_cert_checks SEND [LINE...]: against a server on $it_port that
# echoes and requires a client certificate: a ktls-peer client with each
# client certificate of IT_CERTS gets through and has its --send SEND echoed;
# one without a certificate fails with certificate_required, and each LINE
# shows in its output too.
it_client_cert_checks()
{
	local send=$1 cc out
	shift
	for cc in "${IT_CERTS[@]}"; do
		out=$it_tmp/mutual-$cc.out
		it_client "$out" --cert "$IT_PKI/client-$cc.pem" \
			--key "$IT_PKI/client-$cc.key" --send "$send"
		it_expect "client certificate $cc" "$out" exit=0 version=TLSv1.3 \
			"echo=$send" peer_verified=yes "$(it_async 1)"
	done
	out=$it_tmp/mutual-none.out
	it_client "$out" --send "$send"
	it_expect "no client certificate: certificate_required" "$out" exit=1 \
		'~error=.+' alert=certificate_required "$(it_async 0)" "$@"
}

# it_bad_server_cert_checks START SEND: the server certificates a client
# must refuse (unknown CA, wrong name, expired). For each, START NAME CERT KEY
# starts a server with it (on $it_port), and a ktls-peer client sending SEND
# must fail with the alert that names the fault.
it_bad_server_cert_checks()
{
	local start=$1 send=$2 bad cert alert out
	for bad in unknownca:unknown_ca wrongname:bad_certificate \
		expired:certificate_expired; do
		cert=${bad%%:*}
		alert=${bad#*:}
		if ! "$start" "bad-$cert" "$IT_PKI/server-$cert.pem" \
			"$IT_PKI/server-$cert.key"; then
			it_not_ok "server with $cert did not start"
			continue
		fi
		out=$it_tmp/bad-$cert.out
		it_client "$out" --send "$send"
		it_expect "server certificate $cert: $alert" "$out" exit=1 \
			'~error=.+' "alert=$alert"
		it_stop "$it_server_pid"
	done
}

# it_talk OUT MSG CMD...: run a client that sends what it reads on stdin and
# prints what it receives (s_client, gnutls-cli, tstclnt). Type MSG and a
# newline, wait until MSG comes back or the client exits, then close its
# stdin so that it closes the connection, and wait for it to exit (for
# it_talk_grace ticks of 50 ms, the client timeout by default) before it
# is stopped. Every wait is for an event in the client's output, never a
# fixed time, so a busy machine only makes a check slower:
#   it_talk_until=RE  a check of a refused handshake: type nothing (data
#                     the server would not read may turn its close into a
#                     reset that overtakes its alert) and wait until RE
#                     shows, the alert, or the client exits;
#   it_talk_first=LINE  a line of its own first (an s_client command), typed
#                     once it_talk_ready=RE shows (the handshake is done)
#                     and followed by MSG once it_talk_ack=RE shows (the
#                     command was taken).
it_talk()
{
	local out=$1 msg=$2 fifo pid fd i
	shift 2
	fifo=$it_tmp/stdin.$$.$RANDOM
	mkfifo "$fifo" || return 1
	timeout "$it_timeout" "$@" <"$fifo" >"$out" 2>&1 &
	pid=$!
	it_pids+=("$pid")
	exec {fd}>"$fifo"
	if [ -n "${it_talk_until:-}" ]; then
		it_wait_for "$out" "$it_talk_until" "$pid"
	else
		if [ -n "${it_talk_first:-}" ]; then
			it_wait_for "$out" "${it_talk_ready:-.}" "$pid"
			printf '%s\n' "$it_talk_first" 1>&"$fd" 2>/dev/null
			it_wait_for "$out" "${it_talk_ack:-.}" "$pid"
		fi
		printf '%s\n' "$msg" 1>&"$fd" 2>/dev/null
		it_wait_for "$out" "$msg" "$pid"
	fi
	exec {fd}>&-
	for ((i = 0; i < ${it_talk_grace:-$((it_timeout * 20))}; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	it_stop "$pid"
	rm -f "$fifo"
}

# "async: " before a check's name in the async pass.
it_prefix()
{
	[ "$it_mode" = sync ] || printf '%s: ' "$it_mode"
}

it_ok()
{
	it_pass=$((it_pass + 1))
	echo "PASS: $(it_prefix)$1"
}

it_not_ok()
{
	local f
	it_fail=$((it_fail + 1))
	echo "FAIL: $(it_prefix)$1"
	shift
	local shown=" "
	for f in "$@" "${it_context[@]}"; do
		[ -f "$f" ] || continue
		case $shown in *" $f "*) continue ;; esac
		shown="$shown$f "
		echo "  --- ${f##*/} (last 40 lines)"
		tail -n 40 "$f" | sed 's/^/    /'
	done
}

# it_expect DESC FILE LINE...: each LINE must be a whole line of FILE;
# a LINE starting with '~' is an extended regex for a whole line instead,
# and one starting with '!' an extended regex no whole line may match.
it_expect()
{
	local desc=$1 file=$2 l
	shift 2
	for l in "$@"; do
		case $l in
		"~"*) grep -qxE -- "${l#\~}" "$file" && continue ;;
		"!"*)
			grep -qxE -- "${l#!}" "$file" || continue
			it_not_ok "$desc: a line '${l#!}'" "$file"
			return 1
			;;
		*) grep -qxF -- "$l" "$file" && continue ;;
		esac
		it_not_ok "$desc: no line '$l'" "$file"
		return 1
	done
	it_ok "$desc"
}

# it_expect_text DESC FILE TEXT...: each TEXT must occur somewhere in FILE.
it_expect_text()
{
	local desc=$1 file=$2 t
	shift 2
	for t in "$@"; do
		grep -qF -- "$t" "$file" && continue
		it_not_ok "$desc: no '$t'" "$file"
		return 1
	done
	it_ok "$desc"
}

it_summary()
{
	echo "$it_pass passed, $it_fail failed"
	[ "$it_fail" -eq 0 ]
	exit $?
}

# GnuTLS priority-string names for our IANA names.
it_gnutls_cipher()
{
	case $1 in
	TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
	TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
	TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
	TLS_AES_128_CCM_SHA256) echo AES-128-CCM ;;
	esac
}
it_gnutls_group()
{
	case $1 in
	x25519) echo X25519 ;; secp256r1) echo SECP256R1 ;;
	secp384r1) echo SECP384R1 ;; x448) echo X448 ;;
	esac
}
# it_gnutls_prio [SUITES [GROUPS]]: a TLS 1.3-only priority string, limited
# to the given comma-separated IANA suites and groups (default: our four).
it_gnutls_prio()
{
	local s g p="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:-GROUP-ALL"
	local IFS=,
	for s in ${1:-$IT_ALL_SUITES}; do
		p="$p:+$(it_gnutls_cipher "$s")"
	done
	for g in ${2:-$IT_ALL_GROUPS}; do
		p="$p:+GROUP-$(it_gnutls_group "$g")"
	done
	echo "$p"
}
