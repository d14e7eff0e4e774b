#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel demo, from a fresh clone on Debian 12 (as root):
#
#     bash tests/vm/demo.sh
#
# Installs what it needs with apt-get, builds ktlsd and its Debian packages
# (tests/pkg/build-debs.sh), and boots a Debian 6.12
# kernel under qemu (no KVM needed) twice to show ktlsd doing real kernel
# TLS handshakes, both ends each time:
#   1. NFS over TLS (RFC 9289): the in-kernel NFS server exports tmpfs
#      directories, the in-kernel client mounts them on loopback with
#      vers=4.2,xprtsec=tls and xprtsec=mtls; data written through the
#      mount is read back on the export; exports that require TLS or mutual
#      TLS refuse the wrong kind of mount; a server address missing from the
#      certificate is refused; 16 TLS mounts started at the same moment all
#      succeed (tests/vm/test-vm-nfs.sh).
#   2. NVMe/TCP with TLS 1.3 and a PSK: an nvmet port with addr_tsas=tls1.3
#      over a memory-backed null_blk disk, the host connecting through
#      /dev/nvme-fabrics, a block written and read back, a wrong PSK and a
#      plain connect refused (tests/vm/test-vm-nvme.sh).
# The guest runs the files of the ktlsd .deb (dpkg -x), started as the
# package's systemd unit starts them: what is shown is what users install.
# Each step prints what happens, ktlsd's one log line per finished
# handshake, and PASS/FAIL. The first run downloads the guest kernel
# (~100 MB) and nfs-utils (.debs, unpacked, never installed) into
# /var/cache/ktlsd-vm; later runs take about a minute.
#
# Environment: KTLS_DEMO_NO_INSTALL=1 skips apt-get; KTLS_BUILD_DIR builds
# elsewhere than build-vm-demo/; KTLS_DEB_DIR uses packages built already
# (default: built into BUILD/debs, once per source); KTLS_DEMO_LOG=1 keeps the full console
# output (kernel messages included) instead of the filtered view.
# Exit status: 0 when both scenarios passed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${KTLS_BUILD_DIR:-build-vm-demo}
case $build in /*) ;; *) build=$top/$build ;; esac
start=$SECONDS

# Debian packages: the build (compiler, autotools, libcrypto, libnl,
# keyutils, liburing), the VM test bed (qemu, static busybox, cpio, xz,
# kmod, iproute2) and the tests (openssl for the certificates, keyctl,
# chrt from util-linux) and the packages (dpkg-dev, debhelper, and check for
# the unit tests the package build runs).
packages="build-essential autoconf automake libtool pkg-config libssl-dev
	libnl-genl-3-dev libkeyutils-dev keyutils liburing-dev qemu-system-x86
	busybox-static cpio xz-utils kmod iproute2 openssl util-linux ca-certificates
	dpkg-dev debhelper check"

step()
{
	printf '\n==> %s (%ds)\n' "$*" $((SECONDS - start))
}

die()
{
	echo "demo: $*" >&2
	exit 1
}

# apt-get, again while another apt or dpkg holds the lock (a fresh cloud
# machine often runs unattended-upgrades at boot) or a mirror hiccups.
apt_retry()
{
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		if apt-get -q -o DPkg::Lock::Timeout=120 -o Acquire::Retries=3 "$@"; then
			return 0
		fi
		echo "apt-get $1 failed (try $try of 10); retrying in 15 s" >&2
		sleep 15
	done
	return 1
}

if [ "${KTLS_DEMO_NO_INSTALL:-0}" != 1 ]; then
	[ "$(id -u)" = 0 ] || die "run me as root (or set KTLS_DEMO_NO_INSTALL=1 with these installed: $packages)"
	command -v apt-get >/dev/null || die "apt-get not found: this demo is for Debian 12"
	step "installing build tools, qemu and busybox (apt-get)"
	ilog=$(mktemp)
	# shellcheck disable=SC2086 # the list is words
	if ! { export DEBIAN_FRONTEND=noninteractive && apt_retry update &&
		apt_retry install -y --no-install-recommends $packages; } >"$ilog" 2>&1; then
		tail -n 30 "$ilog"
		rm -f "$ilog"
		die "apt-get failed"
	fi
	rm -f "$ilog"
	# shellcheck disable=SC2086 # the list is words
	echo "installed:" $packages
fi

step "building ktlsd in $build"
blog=$(mktemp)
if ! (cd "$top" && autoreconf -fi && mkdir -p "$build" && cd "$build" &&
	"$top/configure" && make -j"$(nproc)") >"$blog" 2>&1; then
	tail -n 40 "$blog"
	rm -f "$blog"
	die "the build failed"
fi
rm -f "$blog"
ktlsd=$build/daemon/ktlsd
[ -x "$ktlsd" ] || die "$ktlsd was not built (libnl-genl-3, keyutils or liburing missing?)"
echo "built $ktlsd ($("$ktlsd" -v))"

if [ -z "${KTLS_DEB_DIR:-}" ]; then
	step "building the Debian packages in $build/debs (tests/pkg/build-debs.sh)"
	bash "$top/tests/pkg/build-debs.sh" -b "$build" "$build/debs" || die "the package build failed"
	KTLS_DEB_DIR=$build/debs
fi
ls "$KTLS_DEB_DIR"/ktlsd_*.deb >/dev/null 2>&1 || die "no ktlsd .deb in $KTLS_DEB_DIR"
echo "packages: $(cd "$KTLS_DEB_DIR" && echo ./*.deb)"

step "fetching the guest kernel (Debian's 6.12 cloud kernel; cached after the first run)"
kver=$("$top/tests/vm/kernel.sh" --kver) || die "could not get the guest kernel"
echo "guest kernel: $kver"

# The tests echo the VM's console; keep the guest's own lines (PASS/FAIL,
# '# ' narration, ktlsd's handshake lines) and the tests' summaries.
view()
{
	if [ "${KTLS_DEMO_LOG:-0}" = 1 ]; then
		tr -d '\r'
	else
		tr -d '\r' | grep --line-buffered -E \
			-e '^(PASS|FAIL|SKIP)' -e '^# ' -e '^#   ' -e '^[0-9]+ passed, [0-9]+ failed' \
			-e '^[a-z-]+\.sh: ' -e '^test-vm-[a-z]+: ' -e '^build-debs: ' -e 'KTLSD-VM-TIMEOUT' |
			grep --line-buffered -v -E -e '^# \| \[' -e '^#   \| \['
	fi
}

# run NAME: a test script from the build tree's tests/vm, strictly (a
# missing tool is a failure, not a skip); its exit status.
run()
{
	local rc
	mkdir -p "$build/tests/vm"
	set +e
	(cd "$build/tests/vm" && KTLS_TEST_STRICT=1 KTLSD=$ktlsd KTLS_DEB_DIR=$KTLS_DEB_DIR \
		srcdir=$top/tests/vm bash "$top/tests/vm/$1" 2>&1) | view
	rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}

results=()
step "1. NFS over TLS: nfsd and the NFS client on loopback, ktlsd doing both ends"
if run test-vm-nfs.sh; then
	results+=("PASS: NFS over TLS (tests/vm/test-vm-nfs.sh)")
else
	results+=("FAIL: NFS over TLS (tests/vm/test-vm-nfs.sh; console in $build/tests/vm/test-vm-nfs.console.log)")
fi

step "2. NVMe/TCP with TLS 1.3 (PSK): nvmet and the NVMe host on loopback, ktlsd doing both ends"
if run test-vm-nvme.sh; then
	results+=("PASS: NVMe/TCP over TLS (tests/vm/test-vm-nvme.sh)")
else
	results+=("FAIL: NVMe/TCP over TLS (tests/vm/test-vm-nvme.sh; console in $build/tests/vm/test-vm-nvme.console.log)")
fi

step "summary"
printf '%s\n' "${results[@]}"
case ${results[*]} in
*FAIL:*) exit 1 ;;
esac
echo "done in $((SECONDS - start)) s: ktlsd served the kernel's NFS and NVMe/TCP TLS handshakes"
