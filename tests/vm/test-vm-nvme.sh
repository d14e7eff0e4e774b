#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: NVMe/TCP with TLS 1.3 (PSK) end to end in the VM, with ktlsd
# as the kernel's handshake agent for both the NVMe/TCP host (nvme-tcp) and
# the target (nvmet-tcp) on loopback. Boots the VM once with ktlsd and
# keyctl and runs guest-nvme.sh there: an nvmet port with addr_tsas=tls1.3
# over a memory-backed null_blk namespace, a retained PSK in the .nvme
# keyring, a TLS connect through /dev/nvme-fabrics, 1 MiB written and read
# back, a connect with keyring=, a wrong PSK and a plain connect refused.
# One PASS/FAIL line per check and a closing "N passed, N failed" line come
# from the guest. No nvme-cli needed.
#
# Skips (77) without qemu, busybox-static, keyctl or a downloadable kernel,
# unless KTLS_TEST_STRICT=1 (then they are failures).
# Environment:
#   KTLS_DEB_DIR            the built packages (tests/pkg/build-debs.sh): the
#                           guest runs the ktlsd .deb's files, started as its
#                           unit starts them (vm_deb_ktlsd in vm-lib.sh)
#   KTLSD                   without a .deb, outside KTLS_TEST_STRICT=1: the
#                           daemon (default: ../../daemon/ktlsd from here)
#   KTLSD_NVME_LOGLEVEL=N   ktlsd's [debug] loglevel (default 0)
#   KTLSD_NVME_SHOW_LOG=1   print ktlsd's log even when everything passed
#   KTLSD_VM_TIMEOUT        VM time limit (default 300 s)

set -euo pipefail
vm_src=${srcdir:-$(dirname "$0")}
vm_src=$(cd "$vm_src" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$vm_src/vm-lib.sh"
vm_test_env

vm_need_cmd qemu-system-x86_64
keyctl=$(command -v keyctl 2>/dev/null || true)
[ -n "$keyctl" ] || vm_skip "keyctl not found (install keyutils)"

t0=$(date +%s)
vm_work_dir ktlsd-vm-nvme
vm_deb_ktlsd
# util-linux's chrt for the unit's CPUSchedulingPolicy= (guest-unit.sh).
chrt=$(command -v chrt 2>/dev/null || true)
[ -n "$chrt" ] || vm_skip "chrt not found (install util-linux)"
rc=0
"$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-300}" -l "$PWD/test-vm-nvme.console.log" \
	"${deb_files[@]}" -a "$vm_src/guest-unit.sh:/ktlsd/guest-unit.sh" -b "$keyctl:/usr/bin/keyctl" -b "$chrt:/usr/bin/chrt" \
	-e "KTLSD_NVME_LOGLEVEL=${KTLSD_NVME_LOGLEVEL:-0}" \
	-e "KTLSD_NVME_SHOW_LOG=${KTLSD_NVME_SHOW_LOG:-0}" \
	"$vm_src/guest-nvme.sh" || rc=$?
echo "test-vm-nvme: total $(($(date +%s) - t0)) s, exit $rc"
exit $rc
