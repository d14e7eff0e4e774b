#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot the test guest under qemu (TCG: this host has no usable KVM) with the
# Debian 6.12 cloud kernel from kernel.sh and an initramfs from
# mkinitramfs.sh, run a payload inside, and exit with the payload's status,
# which the guest reports on the serial console as `KTLSD-VM-RESULT: <n>`.
# The VM has 2 CPUs, 1024 MiB, no disks and no network devices (just lo);
# everything the test needs travels in the initramfs.
#
# Usage: run-vm.sh [options] [--] PAYLOAD [ARGS...]
#        run-vm.sh [options] -s                (no payload: a shell)
#   -b BIN[:DEST]  add a host program and its libraries (see mkinitramfs.sh)
#   -a SRC[:DEST]  add a file or directory
#   -m KO|DIR      add out-of-tree kernel modules (modprobe NAME in the guest)
#   -e VAR=VALUE   set a variable in the payload's environment
#   -i INITRD      boot this initramfs as is (built by mkinitramfs.sh); then
#                  PAYLOAD and -b/-a/-m/-e are ignored
#   -l LOG         also write the console log to LOG (as it happens)
#   -t SECONDS     hard timeout of the whole VM run (default 600)
#   -s             interactive: console on this terminal, shell after the
#                  payload (or instead of it); quit qemu with Ctrl-A x
#   -q             do not echo the console; on failure print its tail
#   -k ARGS        more kernel command line
# Environment:
#   KTLSD_VM_TIMEOUT, KTLSD_VM_APPEND   defaults for -t and -k
#   KTLSD_VM_MEM (1024), KTLSD_VM_SMP (2)   guest size
#   KTLSD_VM_QEMU (qemu-system-x86_64), KTLSD_VM_QEMU_ARGS (extra arguments)
#   KTLSD_VM_ALLOW_WARN=1   do not fail on a kernel warning/oops (via -e)
#   KTLSD_VM_CACHE, KTLSD_VM_KVER, KTLSD_VM_OFFLINE   see kernel.sh
# Exit: the payload's status; 77 (1 under KTLS_TEST_STRICT=1) when qemu or the
# kernel is missing; 99 when the guest printed no result (timeout, panic).

set -euo pipefail
vm_dir=$(cd "$(dirname "$0")" && pwd)
. "$vm_dir/vm-lib.sh"

usage()
{
	sed -n '/^# Usage:/,/^# Exit:/s/^# \{0,1\}//p' "$0"
	exit "${1:-2}"
}

mkargs=() initrd='' log='' timeout_s=${KTLSD_VM_TIMEOUT:-600} interactive=0 quiet=0
append=${KTLSD_VM_APPEND:-}
while getopts 'b:a:m:e:i:l:t:sqk:h' opt; do
	case $opt in
	b | a | m | e) mkargs+=("-$opt" "$OPTARG") ;;
	i) initrd=$OPTARG ;;
	l) log=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	s) interactive=1 ;;
	q) quiet=1 ;;
	k) append="$append $OPTARG" ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || [ $interactive = 1 ] || [ -n "$initrd" ] || usage
case $timeout_s in '' | *[!0-9]*) vm_die "-t wants whole seconds" ;; esac

qemu=${KTLSD_VM_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || vm_skip "$qemu not found (install qemu-system-x86)"
vm_need_cmd timeout

kenv=$("$vm_dir/kernel.sh" --env) || exit $?
eval "$kenv"

work=$(mktemp -d "${TMPDIR:-/tmp}/ktlsd-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -z "$initrd" ]; then
	# The guest's own watchdog fires first so the log shows what hung.
	gt=0
	[ "$timeout_s" -le 60 ] || gt=$((timeout_s - 20))
	mkargs+=(-e "KTLSD_VM_GUEST_TIMEOUT=$gt")
	[ $interactive = 0 ] || mkargs+=(-s)
	if [ $# -gt 0 ]; then
		mkargs+=(-p "$1")
		shift
	fi
	initrd=$work/initramfs.cpio.gz
	"$vm_dir/mkinitramfs.sh" -o "$initrd" "${mkargs[@]}" -- "$@"
fi

# The console log is written as the guest runs: `tail -f LOG` follows it.
console=${log:-$work/console.log}
: >"$console" || vm_die "cannot write $console"
qconsole=$(printf '%s' "$console" | sed 's/,/,,/g')
cmdline="console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off 8250.nr_uarts=1"
cmdline="$cmdline random.trust_cpu=on i8042.noaux i8042.nokbd i8042.nopnp no_timer_check"
cmdline="$cmdline $append"

qargs=(-accel tcg -cpu max -m "${KTLSD_VM_MEM:-1024}" -smp "${KTLSD_VM_SMP:-2}"
	-machine pc -nographic -no-reboot -nodefaults -no-user-config
	-kernel "$KTLSD_VM_KERNEL" -initrd "$initrd" -append "$cmdline")
if [ $interactive = 1 ]; then
	# shellcheck disable=SC2054 # the commas belong to qemu's option syntax
	qargs+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$qconsole"
		-serial chardev:con -mon chardev=con,mode=readline)
else
	qargs+=(-chardev "stdio,id=con,signal=off,logfile=$qconsole" -serial chardev:con)
fi
# qboot skips SeaBIOS's boot menu and its escape codes on the console.
for f in /usr/share/qemu/qboot.rom /usr/share/qemu/firmware/qboot.rom; do
	if [ -f "$f" ]; then
		qargs+=(-bios "$f")
		break
	fi
done
# shellcheck disable=SC2206 # extra qemu arguments are split on purpose
qargs+=(${KTLSD_VM_QEMU_ARGS:-})

t0=$(date +%s.%N)
set +e
if [ $interactive = 1 ]; then
	timeout --foreground -k 5 "$timeout_s" "$qemu" "${qargs[@]}"
elif [ $quiet = 1 ]; then
	timeout -k 5 "$timeout_s" "$qemu" "${qargs[@]}" </dev/null >/dev/null
else
	timeout -k 5 "$timeout_s" "$qemu" "${qargs[@]}" </dev/null
fi
qrc=$?
set -e
t1=$(date +%s.%N)
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

result=$(tr -d '\r' <"$console" | { grep -a -o 'KTLSD-VM-RESULT: [0-9]*' || true; } |
	tail -n 1 | sed 's/.*: //')
booted=$(tr -d '\r' <"$console" | sed -n 's/.*KTLSD-VM-BOOTED: uptime \([0-9.]*\).*/\1/p' |
	head -n 1)

if [ -z "$result" ]; then
	case $qrc in
	124 | 137) why="timed out after $timeout_s s" ;;
	*) why="qemu exited $qrc" ;;
	esac
	vm_log "no KTLSD-VM-RESULT from the guest: $why; console tail:"
	tr -d '\r' <"$console" | tail -n 40 >&2
	exit 99
fi
if [ "$result" != 0 ] && [ $quiet = 1 ]; then
	vm_log "payload failed ($result); console tail:"
	tr -d '\r' <"$console" | tail -n 40 >&2
fi
vm_log "guest result $result, boot ${booted:-?} s (guest uptime at /init), VM run ${elapsed} s"
exit "$result"
