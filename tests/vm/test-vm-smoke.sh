#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: boot the VM test bed and run smoke-guest.sh inside it, proving
# the guest kernel has kTLS, the handshake netlink family, NFS and NVMe/TCP
# with TLS, and that the plumbing (kernel download, initramfs, host binaries
# in the guest, result marker) works. Skips (77) without qemu, busybox-static,
# iproute2's genl or a downloadable kernel, unless KTLS_TEST_STRICT=1.
# Extra: KTLSD_VM_SMOKE_KMODS="mod..." with run-vm.sh -m is for manual runs.

set -euo pipefail
# automake exports srcdir; run by hand, find ourselves.
vm_src=${srcdir:-$(dirname "$0")}
vm_src=$(cd "$vm_src" && pwd)
. "$vm_src/vm-lib.sh"

genl=$(command -v genl 2>/dev/null || true)
for g in /usr/sbin/genl /sbin/genl; do
	[ -n "$genl" ] || [ ! -x "$g" ] || genl=$g
done
[ -n "$genl" ] || vm_skip "genl not found (install iproute2)"

t0=$(date +%s)
rc=0
"$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-300}" -b "$genl:/usr/sbin/genl" \
	-e "KTLSD_VM_SMOKE_KMODS=${KTLSD_VM_SMOKE_KMODS:-}" \
	"$vm_src/smoke-guest.sh" /usr/sbin/genl || rc=$?
echo "test-vm-smoke: total $(($(date +%s) - t0)) s, exit $rc"
exit $rc
