#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch the guest kernel for the VM tests: the newest Debian
# linux-image-6.12.*-cloud-amd64-unsigned plus its headers (and the -common and
# linux-kbuild packages they need), downloaded with `apt-get download` (never
# installed) and unpacked into the cache. The host kernel has no kTLS and no
# handshake family, so kernel-facing tests boot this one under qemu.
# Idempotent: a kernel already unpacked is used as is, with no download.
#
# Usage: kernel.sh [--env | --kver | --kdir | --kernel | --modules]
#   --env      print shell assignments (default), for eval "$(kernel.sh --env)":
#              KTLSD_VM_KVER, KTLSD_VM_ROOT, KTLSD_VM_KERNEL, KTLSD_VM_MODULES, KDIR
#   --kver ... print just that one value
# Environment:
#   KTLSD_VM_CACHE    cache directory (default /var/cache/ktlsd-vm)
#   KTLSD_VM_KVER     pin a kernel release, e.g. 6.12.117+deb12-cloud-amd64
#   KTLSD_VM_OFFLINE  1: do not ask apt, use the newest kernel already cached
# Exit: 0, 77 when no kernel can be had (1 under KTLS_TEST_STRICT=1).

set -euo pipefail
vm_dir=$(cd "$(dirname "$0")" && pwd)
. "$vm_dir/vm-lib.sh"

what='env'
case "${1:-}" in
'' | --env) what='env' ;;
--kver) what=kver ;;
--kdir) what=kdir ;;
--kernel) what=kernel ;;
--modules) what=modules ;;
-h | --help)
	sed -n '/^# Usage:/,/^# Exit:/s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*) vm_die "unknown option '$1' (try --help)" ;;
esac

cache=$(vm_cache_dir)
kroot=$cache/kernels

# Name pattern of the images we accept; the kernel release is the name without
# the linux-image- prefix and the -unsigned suffix.
pkg_re='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-cloud-amd64-unsigned$'

apt_newest()
{
	apt-cache pkgnames linux-image-6.12. 2>/dev/null | grep -E "$pkg_re" |
		sort -V | tail -n 1 | sed -e 's/^linux-image-//' -e 's/-unsigned$//'
}

cached_newest()
{
	local d
	for d in "$kroot"/*/.complete; do
		[ -e "$d" ] && basename "$(dirname "$d")"
	done | sort -V | tail -n 1
}

is_complete()
{
	[ -e "$kroot/$1/.complete" ]
}

# Field FIELD of the candidate version of package PKG.
pkg_field()
{
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -n 1
}

fetch()
{
	local kver=$1 img=linux-image-$1-unsigned hdr=linux-headers-$1
	local ver deps common kbuild tmp deb

	command -v apt-get >/dev/null || vm_skip "apt-get not found: cannot fetch kernel $kver"
	command -v dpkg-deb >/dev/null || vm_skip "dpkg-deb not found"
	ver=$(pkg_field "$img" Version)
	[ -n "$ver" ] || return 1
	deps=$(pkg_field "$hdr" Depends)
	[ -n "$deps" ] || return 1
	common=$(printf '%s\n' "$deps" | grep -o 'linux-headers-[^ ,]*-common' | head -n 1)
	kbuild=$(printf '%s\n' "$deps" | grep -o 'linux-kbuild-[^ ,]*' | head -n 1)
	[ -n "$common" ] && [ -n "$kbuild" ] || return 1

	tmp=$kroot/.tmp-$kver.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/debs" "$tmp/root"
	vm_log "downloading $img=$ver, $hdr, $common, $kbuild"
	if ! (cd "$tmp/debs" && apt-get -q -o APT::Sandbox::User=root download \
		"$img=$ver" "$hdr=$ver" "$common=$ver" "$kbuild" >&2); then
		rm -rf "$tmp"
		return 1
	fi
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; return 1; }
	done
	rm -rf "$tmp/debs"

	# The headers' Makefile includes the -common tree by absolute path and
	# build points into /usr/src; repoint both into the cache so KDIR
	# works without installing anything on the host.
	local r=$kroot/$kver/root
	sed -i "s|include /usr/src/|include $r/usr/src/|" \
		"$tmp/root/usr/src/linux-headers-$kver/Makefile"
	rm -f "$tmp/root/lib/modules/$kver/build" "$tmp/root/lib/modules/$kver/source"
	ln -s "$r/usr/src/linux-headers-$kver" "$tmp/root/lib/modules/$kver/build"
	[ -f "$tmp/root/boot/vmlinuz-$kver" ] || { rm -rf "$tmp"; return 1; }
	depmod -b "$tmp/root" "$kver" || { rm -rf "$tmp"; return 1; }

	rm -rf "${kroot:?}/$kver"
	mkdir -p "$kroot/$kver"
	mv "$tmp/root" "$r"
	rmdir "$tmp"
	printf '%s\n' "$ver" >"$kroot/$kver/.complete"
}

vm_need_cmd depmod
mkdir -p "$kroot"
vm_lock "$cache/.kernel.lock"

updated=0
apt_update()
{
	[ $updated = 0 ] && [ "$(id -u)" = 0 ] || return 1
	updated=1
	vm_log "$1: running apt-get update"
	apt-get -q update >&2 || true
}

kver=${KTLSD_VM_KVER:-}
if [ -z "$kver" ] && [ "${KTLSD_VM_OFFLINE:-0}" != 1 ] && command -v apt-cache >/dev/null; then
	kver=$(apt_newest)
	if [ -z "$kver" ] && apt_update "no linux-image-6.12.*-cloud-amd64-unsigned in the apt lists"; then
		kver=$(apt_newest)
	fi
	# Stale lists name files the archive no longer has: refresh once.
	if [ -n "$kver" ] && ! is_complete "$kver" && ! fetch "$kver" &&
		apt_update "could not download kernel $kver"; then
		kver=$(apt_newest)
	fi
fi
if [ -n "$kver" ] && ! is_complete "$kver" && ! fetch "$kver"; then
	vm_log "warning: could not download kernel $kver"
	[ -z "${KTLSD_VM_KVER:-}" ] || vm_skip "pinned kernel $kver not available"
	kver=''
fi
[ -n "$kver" ] || kver=$(cached_newest)
[ -n "$kver" ] || vm_skip "no linux-image-6.12.*-cloud-amd64-unsigned available (apt) nor cached in $kroot"
vm_unlock

r=$kroot/$kver/root
case $what in
env)
	printf 'KTLSD_VM_KVER=%q\n' "$kver"
	printf 'KTLSD_VM_ROOT=%q\n' "$r"
	printf 'KTLSD_VM_KERNEL=%q\n' "$r/boot/vmlinuz-$kver"
	printf 'KTLSD_VM_MODULES=%q\n' "$r/lib/modules/$kver"
	printf 'KDIR=%q\n' "$r/usr/src/linux-headers-$kver"
	;;
kver) printf '%s\n' "$kver" ;;
kdir) printf '%s\n' "$r/usr/src/linux-headers-$kver" ;;
kernel) printf '%s\n' "$r/boot/vmlinuz-$kver" ;;
modules) printf '%s\n' "$r/lib/modules/$kver" ;;
esac
