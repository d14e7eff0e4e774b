#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: NFS over TLS (RFC 9289) end to end in the VM, with ktlsd as the
# kernel's handshake agent for both the NFS client and the in-kernel NFS
# server (nfsd) on loopback. Makes a test PKI on the host (a CA, a server
# certificate with IP SANs 127.0.0.1-127.0.0.16, a client certificate),
# fetches nfs-utils (rpc.nfsd, rpc.mountd, exportfs, mount.nfs) from Debian's
# archive with `apt-get download` into the VM cache (nothing is installed on
# the host), boots the VM once and runs guest-nfs.sh there: mounts with
# vers=4.2 and xprtsec=tls / xprtsec=mtls, data written through a TLS mount
# read back on the export, exports that require TLS or mutual TLS refusing
# the wrong kind of mount, a server address missing from the certificate
# refused, and 16 TLS mounts started at the same moment. One PASS/FAIL line
# per check and a closing "N passed, N failed" line come from the guest.
#
# Skips (77) without qemu, busybox-static, openssl, apt-get/dpkg-deb, a
# reachable Debian archive (for nfs-utils, unless already cached) or a
# downloadable kernel, unless KTLS_TEST_STRICT=1 (then they are failures).
#
# The 16 simultaneous mounts make 32 handshake requests while the kernel
# refuses new ones (EAGAIN) whenever 3 are un-accepted (1 GiB guest). So that
# the agent gets the CPU the moment a request arrives even under TCG on a
# busy host, ktlsd's monitor runs SCHED_FIFO (util-linux chrt -f -R 1: the
# worker it forks is an ordinary process), the equivalent of systemd's
# CPUSchedulingPolicy=fifo with CPUSchedulingResetOnFork=yes. Without it a
# third to a half of the requests can be refused, and on 6.12 a server that
# closes the connection during the client's handshake (what nfsd does when
# its request is refused) sometimes leaves a mount failing with EPIPE or
# hanging until the RPC timeout; such a mount gets one more try, reported on
# the PASS line, when the kernel did refuse requests: see README.md.
#
# Environment:
#   KTLS_DEB_DIR           the built packages (tests/pkg/build-debs.sh): the
#                          guest runs the ktlsd .deb's files, started as its
#                          unit starts them (vm_deb_ktlsd in vm-lib.sh)
#   KTLSD                  without a .deb, outside KTLS_TEST_STRICT=1: the
#                          daemon (default: ../../daemon/ktlsd from here)
#   KTLSD_NFS_LOGLEVEL=N   ktlsd's [debug] loglevel (default 0)
#   KTLSD_NFS_SHOW_LOG=1   print ktlsd's log even when everything passed
#   KTLSD_NFS_KEEP=1       keep the work directory
#   KTLSD_NFS_FIFO=0       run ktlsd as an ordinary process
#   KTLSD_NFS_PREEMPT=M    boot the guest with preempt=M (default: none, i.e.
#                          voluntary; "full" helps the monitor further but
#                          sometimes panics the guest at boot under TCG)
#   KTLSD_NFS_ROUNDS=N     repeat the 16-mount check N times (default 1)
#   KTLSD_NFS_TRACE=1|2    dump handshake/sunrpc trace events of the 16-mount
#                          check (2: also the monitor's scheduling)
#   KTLSD_VM_TIMEOUT       VM time limit (default 300 s)

set -euo pipefail
vm_src=${srcdir:-$(dirname "$0")}
vm_src=$(cd "$vm_src" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$vm_src/vm-lib.sh"
vm_test_env

vm_need_cmd openssl qemu-system-x86_64 dpkg-deb ldd

t0=$(date +%s)
vm_work_dir ktlsd-vm-nfs "${KTLSD_NFS_KEEP:-0}"
vm_deb_ktlsd

# ---- nfs-utils from the archive, unpacked into the cache (vm-lib.sh) ---

vm_nfs_utils

# util-linux's chrt runs ktlsd's monitor SCHED_FIFO in the guest (see
# guest-nfs.sh); without it ktlsd runs as an ordinary process.
chrt=()
c=$(command -v chrt 2>/dev/null || true)
[ -z "$c" ] || chrt=(-b "$c:/usr/bin/chrt")

# ---- the PKI ----------------------------------------------------------------

pki=$work/pki
mkdir -p "$pki"
(
	cd "$pki"
	q() { openssl "$@" 2>>openssl.err; }
	q genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
	q req -new -x509 -key ca.key -subj "/O=ktlsd NFS test/CN=ktlsd NFS test CA" \
		-days 30 -sha256 -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
	san="DNS:localhost"
	for i in $(seq 1 16); do san="$san,IP:127.0.0.$i"; done
	# leaf NAME CN SAN EKU
	leaf()
	{
		q genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature" "extendedKeyUsage=$4" \
			"subjectAltName=$3" >"$1.ext"
		q req -new -key "$1.key" -subj "/O=ktlsd NFS test/CN=$2" -out "$1.csr"
		q x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 30 -sha256 -extfile "$1.ext" -out "$1.pem"
		rm -f "$1.csr" "$1.ext"
	}
	leaf server localhost "$san" serverAuth
	leaf client nfs-client.test "DNS:nfs-client.test" clientAuth
	rm -f ca.srl
) || {
	cat "$pki/openssl.err" >&2
	vm_die "could not make the test certificates"
}
rm -f "$pki/openssl.err" "$pki/ca.key"
chmod -R go+rX "$work"
t1=$(date +%s)

# ---- the VM -----------------------------------------------------------------

log=$work/console.log
[ "${KTLSD_NFS_KEEP:-0}" = 1 ] || log=$PWD/test-vm-nfs.console.log
rc=0
preempt=${KTLSD_NFS_PREEMPT:-}
LD_LIBRARY_PATH=$nfslibs "$vm_src/run-vm.sh" -t "${KTLSD_VM_TIMEOUT:-300}" -l "$log" \
	${preempt:+-k "preempt=$preempt"} \
	"${deb_files[@]}" -a "$vm_src/guest-unit.sh:/ktlsd/guest-unit.sh" "${nfs_bins[@]}" \
	-a "$pki:/opt/ktlsd-test/pki" \
	-e "KTLSD_NFS_DIR=/opt/ktlsd-test" \
	-e "KTLSD_NFS_LOGLEVEL=${KTLSD_NFS_LOGLEVEL:-0}" \
	-e "KTLSD_NFS_SHOW_LOG=${KTLSD_NFS_SHOW_LOG:-0}" \
	-e "KTLSD_NFS_TRACE=${KTLSD_NFS_TRACE:-0}" \
	-e "KTLSD_NFS_ROUNDS=${KTLSD_NFS_ROUNDS:-1}" \
	-e "KTLSD_NFS_FIFO=${KTLSD_NFS_FIFO:-1}" "${chrt[@]}" \
	"$vm_src/guest-nfs.sh" || rc=$?
t2=$(date +%s)
echo "test-vm-nfs: preparation $((t1 - t0)) s, total $((t2 - t0)) s, exit $rc"
exit $rc
