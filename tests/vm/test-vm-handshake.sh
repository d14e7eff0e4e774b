#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: ktlsd end to end through the real kernel. Builds the test
# module kmod-glue/kmod (ktls_test_hs, a stand-in for NFS/NVMe as the
# kernel TLS consumer) against the guest kernel, makes the test PKI on the
# host (tests/interop/mkcerts.sh, plus DER copies and raw PSKs for the
# keyrings), boots the VM once with ktlsd, ktls-peer, hs-request and keyctl,
# and runs handshake-guest.sh there: the four ciphers in both roles, data
# through kernel TLS, DONE statuses and peer ids, keyring material, bad
# requests and the kernel's TLS counters. One PASS/FAIL line per check and
# a closing "N passed, N failed" line come from the guest. The guest's
# `ktlsctl stats --prometheus` goes through promtool check metrics here.
#
# Skips (77) without qemu, busybox-static, gcc-12, keyctl, openssl or a
# downloadable kernel, unless KTLS_TEST_STRICT=1 (then they are failures).
# Environment (make check sets the first ones; run by hand, they default to
# a build tree in the current directory's ../..):
#   KTLSD, KTLS_PEER, HS_REQUEST   the programs (and HALF_RTT_SERVER,
#   KTLS_CONNECT: docs/examples/ktls-connect.c on libktls)
#   KTLS_KMOD_SRC, KTLS_KMOD_BUILD the module's sources and build directory
#   KTLS_MKCERTS                   tests/interop/mkcerts.sh
#   KTLSD_HS_LOGLEVEL=N            ktlsd's [debug] loglevel (default 1)
#   KTLSD_HS_SHOW_LOG=1            print ktlsd's log even when all passed
#   KTLSD_HS_KEEP=1                keep the work directory and console log

set -euo pipefail
vm_src=${srcdir:-$(dirname "$0")}
vm_src=$(cd "$vm_src" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$vm_src/vm-lib.sh"
vm_test_env

vm_need_elf "$KTLSD" "$KTLSCTL" "$KTLS_PEER" "$HS_REQUEST" "$HALF_RTT_SERVER" "$KTLS_CONNECT"
vm_need_cmd openssl "${KTLSD_VM_QEMU:-qemu-system-x86_64}"
keyctl=$(command -v keyctl 2>/dev/null || true)
[ -n "$keyctl" ] || vm_skip "keyctl not found (install keyutils)"

t0=$(date +%s)
vm_work_dir ktlsd-vm-hs "${KTLSD_HS_KEEP:-0}"

# The module, against the guest kernel's headers (77 without them).
vm_build_kmod
t1=$(date +%s)

# PKI: PEM for the config and ktls-peer, DER for the keyrings (the kernel
# passes single DER certificates and DER private keys), raw PSKs.
pki=$work/pki
vm_mkcerts "$pki"
for n in client-p384 server-p384; do
	openssl x509 -in "$pki/$n.pem" -outform DER -out "$pki/$n.der"
	openssl pkey -in "$pki/$n.key" -outform DER -out "$pki/$n.key.der"
done
psk_a=$(vm_raw_psk "$pki/psk-a.bin")
psk_b=$(vm_raw_psk "$pki/psk-b.bin")
chmod -R go+rX "$work"

# The console also goes to our stdout (make check's .log file).
rc=0
"$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-300}" -l "$work/console.log" \
	-m "$KTLS_KMOD_BUILD" \
	-b "$KTLSD:/usr/sbin/ktlsd" -b "$KTLSCTL:/usr/sbin/ktlsctl" \
	-b "$KTLS_PEER:/usr/bin/ktls-peer" -b "$HS_REQUEST:/usr/bin/hs-request" -b "$keyctl:/usr/bin/keyctl" \
	-b "$HALF_RTT_SERVER:/usr/bin/half-rtt-server" \
	-b "$KTLS_CONNECT:/usr/bin/ktls-connect" \
	-a "$pki:/opt/ktlsd-test/pki" \
	-e "KTLSD_HS_DIR=/opt/ktlsd-test" \
	-e "KTLSD_HS_PSK_A=$psk_a" -e "KTLSD_HS_PSK_B=$psk_b" \
	-e "KTLSD_HS_LOGLEVEL=${KTLSD_HS_LOGLEVEL:-1}" \
	-e "KTLSD_HS_SHOW_LOG=${KTLSD_HS_SHOW_LOG:-0}" \
	"$vm_src/handshake-guest.sh" || rc=$?
t2=$(date +%s)

# The guest's `ktlsctl stats --prometheus`, lines behind "KTLSD-PROM: " on
# the console, through promtool (Debian's prometheus package) here: the
# guest has no promtool. Missing output fails; missing promtool skips the
# check, a failure under KTLS_TEST_STRICT=1.
tr -d '\r' <"$work/console.log" | sed -n 's/^KTLSD-PROM: //p' >"$work/stats.prom"
if [ ! -s "$work/stats.prom" ]; then
	echo "FAIL promtool check metrics: the guest printed no Prometheus output"
	rc=1
elif ! command -v promtool >/dev/null 2>&1; then
	if [ "${KTLS_TEST_STRICT:-0}" = 1 ]; then
		echo "FAIL promtool check metrics: promtool not found (install prometheus)"
		rc=1
	else
		echo "SKIP promtool check metrics: promtool not found (install prometheus)"
	fi
elif promtool check metrics <"$work/stats.prom" >"$work/promtool.out" 2>&1; then
	echo "PASS promtool check metrics: the guest's ktlsctl stats --prometheus ($(wc -l <"$work/stats.prom") lines)"
else
	echo "FAIL promtool check metrics: the guest's ktlsctl stats --prometheus"
	sed 's/^/# | /' "$work/promtool.out"
	rc=1
fi
echo "test-vm-handshake: module build $((t1 - t0)) s, total $((t2 - t0)) s, exit $rc"
exit $rc
