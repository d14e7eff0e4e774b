#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: ktlsd under a handshake storm, through the real kernel. Builds
# the test module kmod-glue/kmod (ktls_test_hs, the stand-in kernel TLS
# consumer) against the guest kernel, makes the test PKI and a PSK on the
# host, boots the VM once with ktlsd, bench/storm, bench/storm-peer and
# keyctl, and runs storm-guest.sh there: storms of hundreds of concurrent
# requests (all succeed, kernel TLS carries data, tls_stat counts them),
# faults (ktlsd SIGKILLed mid-storm and restarted, requests left queued by a
# dead daemon, no daemon at all, silent and garbage peers next to a storm,
# control socket clients that never read next to a storm)
# and reloads under load (SIGHUP; a bad configuration kept out). One
# PASS/FAIL line per check and a closing "N passed, N failed" line come
# from the guest.
#
# Skips (77) without qemu, busybox-static, gcc-12, keyctl, openssl or a
# downloadable kernel, unless KTLS_TEST_STRICT=1 (then they are failures).
# Environment (make check sets the first ones; run by hand, they default to
# a build tree in the current directory's ../..):
#   KTLSD, KTLSCTL, STORM, STORM_PEER, CTL_STALL   the programs
#   KTLS_KMOD_SRC, KTLS_KMOD_BUILD  the module's sources and build directory
#   KTLS_MKCERTS                    tests/interop/mkcerts.sh
#   KTLSD_STORM_N=256               the big storm's size (KTLSD_STORM_NB,
#                                   _NC, _N64: the other storms')
#   KTLSD_STORM_SHOW_LOG=1          print ktlsd's logs even when all passed
#   KTLSD_STORM_KEEP=1              keep the work directory and console log

set -euo pipefail
vm_src=${srcdir:-$(dirname "$0")}
vm_src=$(cd "$vm_src" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$vm_src/vm-lib.sh"
vm_test_env

vm_need_elf "$KTLSD" "$KTLSCTL" "$STORM" "$STORM_PEER" "$CTL_STALL"
vm_need_cmd openssl qemu-system-x86_64
keyctl=$(command -v keyctl 2>/dev/null || true)
[ -n "$keyctl" ] || vm_skip "keyctl not found (install keyutils)"

t0=$(date +%s)
vm_work_dir ktlsd-vm-storm "${KTLSD_STORM_KEEP:-0}"

vm_build_kmod
t1=$(date +%s)

pki=$work/pki
vm_mkcerts "$pki"
psk=$(vm_raw_psk "$pki/psk.bin")
chmod -R go+rX "$work"

log=$work/console.log
[ "${KTLSD_STORM_KEEP:-0}" = 1 ] || log=$PWD/test-vm-storm.console.log
rc=0
"$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-400}" -l "$log" \
	-m "$KTLS_KMOD_BUILD" \
	-b "$KTLSD:/usr/sbin/ktlsd" -b "$STORM:/usr/bin/storm" \
	-b "$STORM_PEER:/usr/bin/storm-peer" -b "$keyctl:/usr/bin/keyctl" \
	-b "$KTLSCTL:/usr/sbin/ktlsctl" -b "$CTL_STALL:/usr/bin/ctl-stall" \
	-a "$pki:/opt/ktlsd-test/pki" \
	-e "KTLSD_STORM_DIR=/opt/ktlsd-test" -e "KTLSD_STORM_PSK=$psk" \
	-e "KTLSD_STORM_N=${KTLSD_STORM_N:-256}" -e "KTLSD_STORM_NB=${KTLSD_STORM_NB:-128}" \
	-e "KTLSD_STORM_NC=${KTLSD_STORM_NC:-128}" -e "KTLSD_STORM_N64=${KTLSD_STORM_N64:-64}" \
	-e "KTLSD_STORM_SHOW_LOG=${KTLSD_STORM_SHOW_LOG:-0}" \
	"$vm_src/storm-guest.sh" || rc=$?
t2=$(date +%s)
echo "test-vm-storm: module build $((t1 - t0)) s, total $((t2 - t0)) s, exit $rc"
exit $rc
