#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: ktlsd under a ClientHello flood from the network, in the VM.
# Boots once with ktlsd, nfs-utils (as test-vm-nfs.sh fetches them),
# keyctl, chrt and flood-peer, and runs guest-flood.sh there: nfsd and
# nvmet (a second TLS port of its own for the flood) served by ktlsd, the
# local NFS mount (xprtsec=tls) and NVMe connect (TLS PSK) timed without a
# flood, then again while flood-peer sends paced ClientHellos (half of one
# to the second nvmet port, whole ones and two stalled half ones to nfsd
# after the RPC-with-TLS probe, one byte a second), all from a source
# address of its own (127.0.0.2, the local mount and connect 127.0.0.1),
# under a budget tight enough that the flood fills the server share
# (max_inflight = 64: 48 server slots, each flood handshake holding its
# slot until the flood closes it): so the mount's nfsd end and the
# connect's nvmet end, server requests on the same ktlsd, get through
# only by per-peer fairness, not by a budget too large to fill; once with an ECDSA
# P-256 server key and once with RSA-2048. Checks: the mount and connect
# succeed within twice their normal time, the monitor keeps its pid and no
# worker restarts, the peak RSS of monitor and workers stays bounded;
# prints the times, the peak RSS and how many flood handshakes were
# refused or timed out.
#
# Skips (77) without qemu, busybox-static, openssl, keyctl, apt-get/dpkg-deb,
# nfs-utils or a downloadable kernel, unless KTLS_TEST_STRICT=1.
# Environment:
#   KTLSD, FLOOD_PEER        the programs (make check sets them)
#   KTLSD_FLOOD_RATE=N       connections/s to the second nvmet port (50; 200
#                            under TCG outruns the agent's ACCEPTs, and 6.12's
#                            nvmet-tcp breaks on the kernel's EAGAIN then)
#   KTLSD_FLOOD_SLACK=S      seconds allowed on top of twice the normal times
#                            (0.5: TCG noise, see guest-flood.sh)
#   KTLSD_FLOOD_SECONDS=N    how long each flood runs (20)
#   KTLSD_FLOOD_KEYS=LIST    server keys to run with (p256 rsa)
#   KTLSD_FLOOD_RSS_MAX_KB=N the bound on each process's peak RSS (65536)
#   KTLSD_FLOOD_CONF=TEXT    more [ktlsd] keys (e.g. budgets), \n-separated
#                            (default 'max_inflight = 64'; '' for none)
#   KTLSD_FLOOD_LOGLEVEL=N   ktlsd's [debug] loglevel (default 0)
#   KTLSD_FLOOD_SHOW_LOG=1   print ktlsd's log even when everything passed
#   KTLSD_VM_MEM            guest memory in MiB (default 8192 here)
#   KTLSD_VM_TIMEOUT         VM time limit (default 300 s)

set -euo pipefail
vm_src=${srcdir:-$(dirname "$0")}
vm_src=$(cd "$vm_src" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$vm_src/vm-lib.sh"
vm_test_env

vm_build_hint="make -C tests/vm check builds them"
vm_need_elf "$KTLSD" "$FLOOD_PEER"
vm_need_cmd openssl qemu-system-x86_64
keyctl=$(command -v keyctl 2>/dev/null || true)
[ -n "$keyctl" ] || vm_skip "keyctl not found (install keyutils)"
chrt=$(command -v chrt 2>/dev/null || true)
[ -n "$chrt" ] || vm_skip "chrt not found (util-linux)"

t0=$(date +%s)
vm_work_dir ktlsd-vm-flood "${KTLSD_FLOOD_KEEP:-0}"
vm_nfs_utils
# The interop PKI: ca.pem, server-{p256,rsa} with IP:127.0.0.1, client-p256.
vm_mkcerts "$work/pki"
chmod -R go+rX "$work"
t1=$(date +%s)

# Room for thousands of sockets, and a kernel cap of 20 un-accepted handshake
# requests (one per 400 MiB) rather than 3: nvmet submits what its listen
# queue collected in one burst, and a refused submission is what 6.12's
# nvmet-tcp does not survive (guest-flood.sh). The guest touches only what it
# uses (about 130 MiB more for the page array; the boot takes 4 s longer).
export KTLSD_VM_MEM=${KTLSD_VM_MEM:-8192}
rc=0
LD_LIBRARY_PATH=$nfslibs "$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-300}" \
	-l "$PWD/test-vm-flood.console.log" \
	-b "$KTLSD:/usr/sbin/ktlsd" "${nfs_bins[@]}" -b "$keyctl:/usr/bin/keyctl" \
	-b "$chrt:/usr/bin/chrt" -b "$FLOOD_PEER:/usr/local/bin/flood-peer" \
	-a "$work/pki:/opt/ktlsd-test/pki" \
	-a "$vm_src/guest-nvme-lib.sh:/ktlsd/guest-nvme-lib.sh" \
	-e "KTLSD_FLOOD_RATE=${KTLSD_FLOOD_RATE:-50}" \
	-e "KTLSD_FLOOD_SLACK=${KTLSD_FLOOD_SLACK:-0.5}" \
	-e "KTLSD_FLOOD_SECONDS=${KTLSD_FLOOD_SECONDS:-20}" \
	-e "KTLSD_FLOOD_KEYS=${KTLSD_FLOOD_KEYS:-p256 rsa}" \
	-e "KTLSD_FLOOD_RSS_MAX_KB=${KTLSD_FLOOD_RSS_MAX_KB:-65536}" \
	-e "KTLSD_FLOOD_CONF=${KTLSD_FLOOD_CONF-max_inflight = 64}" \
	-e "KTLSD_FLOOD_LOGLEVEL=${KTLSD_FLOOD_LOGLEVEL:-0}" \
	-e "KTLSD_FLOOD_SHOW_LOG=${KTLSD_FLOOD_SHOW_LOG:-0}" \
	"$vm_src/guest-flood.sh" || rc=$?
t2=$(date +%s)
echo "test-vm-flood: preparation $((t1 - t0)) s, total $((t2 - t0)) s, exit $rc"
exit $rc
