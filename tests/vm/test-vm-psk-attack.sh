#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: an attacker host against nvmet served by ktlsd, in the VM. Boots
# once with ktlsd, keyctl, ktls-peer, psk-hrr-client and flood-peer (for the
# statistics socket) and runs guest-psk-attack.sh there: a client naming the
# right NVMe PSK identity with an empty, a short and a wrong key, through a
# HelloRetryRequest (and without one), each refused with decrypt_error, a
# failed server handshake in ktlsd's log and statistics and a non-zero
# status for nvmet; the same client with the right key and ktls-peer through
# a retry accepted; the kernel's host connecting before and after.
#
# Skips (77) without qemu, busybox-static, keyctl or a downloadable kernel,
# unless KTLS_TEST_STRICT=1 (then they are failures).
# Environment:
#   KTLSD, KTLS_PEER, PSK_HRR_CLIENT, FLOOD_PEER   the programs (make check
#                             sets them; by hand: the build tree's)
#   KTLSD_ATTACK_LOGLEVEL=N   ktlsd's [debug] loglevel (default 0)
#   KTLSD_ATTACK_SHOW_LOG=1   print ktlsd's log even when everything passed
#   KTLSD_VM_TIMEOUT          VM time limit (default 300 s)

set -euo pipefail
vm_src=${srcdir:-$(dirname "$0")}
vm_src=$(cd "$vm_src" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$vm_src/vm-lib.sh"
vm_test_env

vm_build_hint="make -C tests/vm check builds them"
vm_need_elf "$KTLSD" "$KTLS_PEER" "$PSK_HRR_CLIENT" "$FLOOD_PEER"
vm_need_cmd qemu-system-x86_64
keyctl=$(command -v keyctl 2>/dev/null || true)
[ -n "$keyctl" ] || vm_skip "keyctl not found (install keyutils)"

t0=$(date +%s)
rc=0
"$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-300}" -l "$PWD/test-vm-psk-attack.console.log" \
	-b "$KTLSD:/usr/sbin/ktlsd" -b "$keyctl:/usr/bin/keyctl" \
	-b "$KTLS_PEER:/usr/local/bin/ktls-peer" \
	-b "$PSK_HRR_CLIENT:/usr/local/bin/psk-hrr-client" \
	-b "$FLOOD_PEER:/usr/local/bin/flood-peer" \
	-a "$vm_src/guest-nvme-lib.sh:/ktlsd/guest-nvme-lib.sh" \
	-e "KTLSD_ATTACK_LOGLEVEL=${KTLSD_ATTACK_LOGLEVEL:-0}" \
	-e "KTLSD_ATTACK_SHOW_LOG=${KTLSD_ATTACK_SHOW_LOG:-0}" \
	"$vm_src/guest-psk-attack.sh" || rc=$?
echo "test-vm-psk-attack: total $(($(date +%s) - t0)) s, exit $rc"
exit $rc
