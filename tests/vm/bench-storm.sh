#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The handshake storm benchmark (not a make check test; run it with
# `make -C bench bench-storm` from a build tree, or by hand from
# tests/vm in a build tree). Builds the test module against the guest
# kernel, makes the test PKI, boots the VM with ktlsd, bench/storm and
# bench/storm-peer, and runs bench-storm-guest.sh there: N = 1, 64, 512
# concurrent kernel handshake requests (module client, x509) against one
# storm-peer server, a fresh ktlsd per N. Prints storm's report per N and a
# table: handshakes per second, p50/p99 latency (ioctl start to return),
# ktlsd CPU per handshake (monitor + worker, utime + stime), worker
# resident memory per handshake in flight, EAGAIN retries.
#
# The guest is qemu TCG (no KVM) with 2 vCPUs shared with everything else
# on the host: compare runs with each other, not with bare metal.
#
# Environment (defaults: a build tree in the current directory's ../..):
#   KTLSD, STORM, STORM_PEER          the programs
#   KTLS_KMOD_SRC, KTLS_KMOD_BUILD    the test module's sources and build dir
#   KTLS_MKCERTS                      tests/interop/mkcerts.sh
#   KTLSD_STORM_NS="1 64 512"         the storm sizes
#   KTLSD_STORM_ROUNDS="1:40 64:4 512:1"  rounds per size
#   KTLSD_STORM_AUTH=x509|anon        module client auth mode
#   KTLSD_STORM_EXTRA="..."           more bench/storm arguments
#   KTLSD_STORM_SHOW_LOG=1            print ktlsd's log
#   KTLSD_STORM_WORKERS=N             ktlsd's "workers" (default: per CPU)
#   KTLSD_VM_TIMEOUT                  VM timeout (default 900 s)

set -euo pipefail
vm_src=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$vm_src/vm-lib.sh"
vm_test_env

vm_build_hint="make -C tests/vm storm storm-peer"
vm_need_elf "$KTLSD" "$STORM" "$STORM_PEER"
vm_need_cmd openssl qemu-system-x86_64

t0=$(date +%s)
vm_work_dir ktlsd-vm-bench-storm

vm_build_kmod
pki=$work/pki
vm_mkcerts "$pki"
chmod -R go+rX "$work"

rc=0
"$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-900}" -l "$work/console.log" \
	-m "$KTLS_KMOD_BUILD" \
	-b "$KTLSD:/usr/sbin/ktlsd" -b "$STORM:/usr/bin/storm" \
	-b "$STORM_PEER:/usr/bin/storm-peer" \
	-a "$pki:/opt/ktlsd-test/pki" \
	-e "KTLSD_STORM_DIR=/opt/ktlsd-test" \
	-e "KTLSD_STORM_NS=${KTLSD_STORM_NS:-1 64 512}" \
	-e "KTLSD_STORM_ROUNDS=${KTLSD_STORM_ROUNDS:-1:40 64:4 512:1}" \
	-e "KTLSD_STORM_AUTH=${KTLSD_STORM_AUTH:-x509}" \
	-e "KTLSD_STORM_EXTRA=${KTLSD_STORM_EXTRA:-}" \
	-e "KTLSD_STORM_SHOW_LOG=${KTLSD_STORM_SHOW_LOG:-0}" \
	-e "KTLSD_STORM_WORKERS=${KTLSD_STORM_WORKERS:-}" \
	"$vm_src/bench-storm-guest.sh" || rc=$?
echo "bench-storm: total $(($(date +%s) - t0)) s, exit $rc"
exit $rc
