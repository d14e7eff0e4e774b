# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Shared helpers of the guest payloads (handshake-guest.sh, storm-guest.sh,
# bench-storm-guest.sh, guest-nfs.sh, guest-nvme.sh), sourced, not run, by
# busybox ash inside the VM: mkinitramfs.sh puts this file at
# /ktlsd/guest-lib.sh. It holds the PASS/FAIL counting and the closing
# "N passed, N failed" line, the skip-or-fail policy for a missing program,
# waiting on a file, starting ktlsd, loading the test module, the x509 part
# of ktlsd's test configuration and reading ktlsd's per-handshake log lines.
#
# The payload sets, before calling these:
#   W          its work directory (ktlsd.log is there)
#   PKI        the test PKI (ktlsd_conf)
# and may set:
#   show_log   finish shows ktlsd's and the kernel's log: 1 always, 0 only
#              when a check failed; unset: never
#   missing_desc  the check a missing program fails under KTLS_TEST_STRICT=1
#              (default "setup: programs present")
#   t_tail     t_end shows only the last t_tail lines of each file
# Programs added with run-vm.sh -b are called by full path: busybox runs its
# own applets first.

pass=0
fail=0

# ---- reporting -------------------------------------------------------------

say()
{
	echo "# $*"
}

# ok DESC, bad DESC WHY [FILE...]: a check in one call; a failure shows the
# last lines of the files that explain it.
ok()
{
	echo "PASS: $1"
	pass=$((pass + 1))
}

bad()
{
	echo "FAIL: $1"
	echo "#   $2"
	shift 2
	for f in "$@"; do
		[ -e "$f" ] || continue
		echo "#   --- ${f##*/}"
		tail -n 30 "$f" | sed 's/^/#   | /'
	done
	fail=$((fail + 1))
}

# A check made of several conditions: t_begin DESC; then t_want FILE
# LINE-REGEX (t_wants FILE LINE-REGEX...: several), t_reject FILE LINE-REGEX,
# t_true WHAT CMD... and t_file FILE (files to show when it fails); t_end
# prints PASS or FAIL with the reasons and the files, and returns 0 or 1.
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

t_wants()
{
	tw_file=$1
	shift
	for tw_re in "$@"; do
		t_want "$tw_file" "$tw_re"
	done
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
		if [ -n "${t_tail:-}" ]; then
			echo "#   --- ${f##*/} (last $t_tail lines)"
			tail -n "$t_tail" "$f" | sed 's/^/#   | /'
		else
			echo "#   --- ${f##*/}"
			sed 's/^/#   | /' "$f"
		fi
	done
	fail=$((fail + 1))
	return 1
}

# finish: "N passed, N failed", and exit 1 if anything failed, else 0 (after
# ktlsd's and the kernel's log, as $show_log says).
finish()
{
	if [ -n "${show_log:-}" ] && [ -n "${ktlsd_pid:-}" ] &&
		{ [ "$fail" -gt 0 ] || [ "$show_log" = 1 ]; }; then
		echo "# --- ktlsd log"
		sed 's/^/# | /' "$W/ktlsd.log" | tail -n 150
		echo "# --- kernel log"
		dmesg | tail -n 40 | sed 's/^/# | /'
	fi
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# missing WHAT: something the payload needs is not there: exit 77 (SKIP), or
# under KTLS_TEST_STRICT=1 a failed check and finish.
missing()
{
	echo "# missing: $*"
	if [ "${KTLS_TEST_STRICT:-0}" = 1 ]; then
		bad "${missing_desc:-setup: programs present}" "$* (KTLS_TEST_STRICT=1)"
		finish
	fi
	exit 77
}

# need_progs PROG...: missing unless every PROG is there to run.
need_progs()
{
	for p in "$@"; do
		[ -x "$p" ] || missing "$p"
	done
}

# value FILE KEY: the value of the first KEY=... line in FILE.
value()
{
	sed -n "s/^$2=//p" "$1" | head -n 1
}

tls_stat()
{
	awk -v k="$1" '$1 == k { print $2 }' /proc/net/tls_stat
}

# ---- processes -------------------------------------------------------------

# wait_for FILE REGEX PID [SECONDS]: until a line of FILE matches, while PID
# lives, for SECONDS (default 20) at most; true when one does.
wait_for()
{
	i=0
	while [ $i -lt $((${4:-20} * 20)) ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	grep -qE -- "$2" "$1" 2>/dev/null
}

# gone_within PID SECONDS: true once PID has exited, false if it still runs
# after SECONDS.
gone_within()
{
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# ktlsd_start LOG SECONDS CMD...: CMD (ktlsd -s ..., or a wrapper running
# it) in the background with its output in LOG; sets ktlsd_pid; true once
# LOG has a 'ready' line, false when ktlsd exits or SECONDS pass first.
ktlsd_start()
{
	ks_log=$1
	ks_wait=$2
	shift 2
	"$@" >"$ks_log" 2>&1 </dev/null &
	ktlsd_pid=$!
	wait_for "$ks_log" 'ready' "$ktlsd_pid" "$ks_wait"
}

# ktlsd_workers: the /proc/PID directories of ktlsd's worker processes.
ktlsd_workers()
{
	for d in /proc/[0-9]*; do
		case $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) in
		*ktlsd*--worker*) echo "$d" ;;
		esac
	done
}

# ktlsd_conf CLIENT SERVER: the x509 part of a ktlsd configuration: both
# roles trust $PKI/ca.pem, the client presents $PKI/CLIENT.pem with
# CLIENT.key, the server SERVER.pem with SERVER.key; it ends in the [ktlsd]
# section (workers run as nobody), where the caller may add keys.
ktlsd_conf()
{
	cat <<EOF
[authenticate.client]
x509.truststore = $PKI/ca.pem
x509.certificate = $PKI/$1.pem
x509.private_key = $PKI/$1.key

[authenticate.server]
x509.truststore = $PKI/ca.pem
x509.certificate = $PKI/$2.pem
x509.private_key = $PKI/$2.key

[ktlsd]
user = nobody
EOF
}

# load_test_module: modprobe tls and the test module ktls_test_hs; true once
# /dev/ktls_test_hs is there (2 s at most).
load_test_module()
{
	modprobe tls
	modprobe ktls_test_hs
	i=0
	while [ ! -c /dev/ktls_test_hs ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -c /dev/ktls_test_hs ]
}

# ---- ktlsd's log of finished handshakes, and the kernel's -----------------

# mark_log: from here on, new_handshakes and new_dmesg.
mark_log()
{
	log_mark=$(wc -l <"$W/ktlsd.log")
	dmesg_mark=$(dmesg | wc -l)
}

# ktlsd's "handshake role=..." lines since mark_log.
new_handshakes()
{
	tail -n "+$((log_mark + 1))" "$W/ktlsd.log" | grep 'handshake role='
}

show_handshakes()
{
	new_handshakes | sed -e 's/^/#   ktlsd: /' -e 's/ktlsd\[[0-9]*\]: //'
}

# count_hs REGEX: handshake lines since mark_log matching REGEX.
count_hs()
{
	new_handshakes | grep -cE -- "$1"
}

# new_dmesg FILE: the kernel's messages since mark_log, into FILE.
new_dmesg()
{
	dmesg | tail -n "+$((dmesg_mark + 1))" >"$1"
}

# ktlsd_check_end: the closing check (ktlsd still there, nothing wrong in its
# log) of the NFS and NVMe payloads; stops ktlsd. 6.12 has no .nfs and .nfsd
# keyrings: their absence is not worth a word.
ktlsd_check_end()
{
	if kill -0 "$ktlsd_pid" 2>/dev/null &&
		! grep -qE 'refused by the kernel|ACCEPT failed|went away|exited|\.nfsd?\b' "$W/ktlsd.log"; then
		ok "ktlsd still running; its log has no refused DONE, failed ACCEPT, lost worker or .nfs/.nfsd keyring complaint"
	else
		bad "ktlsd still running; its log has no refused DONE, failed ACCEPT, lost worker or .nfs/.nfsd keyring complaint" \
			"see the log" "$W/ktlsd.log"
	fi
	kill "$ktlsd_pid" 2>/dev/null
}
