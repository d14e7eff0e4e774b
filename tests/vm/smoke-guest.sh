#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of test-vm-smoke.sh, run inside the VM by /init: checks that the
# guest kernel has what ktlsd's end-to-end tests need (kTLS, the handshake
# generic netlink family, NFS client and server, NVMe/TCP host and target)
# and that the test bed's plumbing (modprobe, configfs, added host binaries)
# works. Prints one TAP-style line per check; exits 1 if any failed.
# Programs added with run-vm.sh -b must be called by full path: busybox
# runs its own applets first.

genl=${1:-/usr/sbin/genl}
n=0
failed=0

check()
{
	desc=$1
	shift
	n=$((n + 1))
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/#   /' /tmp/check.out
		failed=$((failed + 1))
	fi
}

check "modprobe tls" modprobe tls
check "/proc/net/tls_stat exists" test -r /proc/net/tls_stat
"$genl" ctrl get name handshake >/tmp/genl.out 2>&1
sed -e '/^[[:space:]]*$/d' -e 's/^/# /' /tmp/genl.out
check "genl ctrl get name handshake" grep -q 'Name: handshake' /tmp/genl.out
check "handshake family has the tlshd multicast group" \
	grep -q 'name: tlshd' /tmp/genl.out
check "handshake family lists ACCEPT (2) and DONE (3)" \
	sh -c "grep -q 'ID-0x2' /tmp/genl.out && grep -q 'ID-0x3' /tmp/genl.out"
for m in sunrpc nfs nfsv4 nfsd nvme-fabrics nvme-tcp nvmet nvmet-tcp \
	nvme-loop loop null_blk veth; do
	check "modprobe $m" modprobe "$m"
done
check "nfsd file system mounts" mount -t nfsd nfsd /proc/fs/nfsd
check "nfsd exposes the TLS-capable versions file" test -e /proc/fs/nfsd/versions
check "nvmet configfs is there" test -d /sys/kernel/config/nvmet
check "nvme-tcp is a registered fabrics transport" \
	sh -c 'test -c /dev/nvme-fabrics'
check "null_blk made a block device" test -b /dev/nullb0
check "keyrings are available" test -r /proc/keys
check "network namespaces work" unshare -n true

if [ -n "${KTLSD_VM_SMOKE_KMODS:-}" ]; then
	for m in $KTLSD_VM_SMOKE_KMODS; do
		check "modprobe out-of-tree $m" modprobe "$m"
	done
fi

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
