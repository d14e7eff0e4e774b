#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build an out-of-tree kernel module directory against the headers of the VM
# guest kernel (kernel.sh), so the .ko loads in the VM. kbuild writes its
# objects next to the sources, so with -o the sources are copied to OUTDIR
# first (VPATH builds and `make distcheck` have a read-only srcdir).
#
# Usage: build-kmod.sh [-o OUTDIR] SRCDIR [MAKE-ARGS...]
#   SRCDIR    holds a Kbuild (or Makefile with obj-m) and the sources
#   -o OUTDIR build in OUTDIR (a copy of SRCDIR's files) instead of SRCDIR
# Prints the absolute path of every .ko built, one a line: pass them (or the
# directory) to run-vm.sh -m, then `modprobe NAME` in the guest.
# Environment: see kernel.sh (KTLSD_VM_CACHE, KTLSD_VM_KVER, ...).
# Exit: 0, 1 when the build fails, 77 (1 under KTLS_TEST_STRICT=1) when no
# kernel headers or compiler can be had.

set -euo pipefail
vm_dir=$(cd "$(dirname "$0")" && pwd)
. "$vm_dir/vm-lib.sh"

out=
while getopts 'o:h' opt; do
	case $opt in
	o) out=$OPTARG ;;
	h)
		sed -n '/^# Usage:/,/^# Exit:/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || vm_die "usage: build-kmod.sh [-o OUTDIR] SRCDIR [MAKE-ARGS...]"
src=$(cd "$1" && pwd) || vm_die "no directory '$1'"
shift

vm_need_cmd make
kenv=$("$vm_dir/kernel.sh" --env) || exit $?
eval "$kenv"
cc=$(sed -n 's/^override CROSS_COMPILE = //p' "$KDIR/.kernelvariables" 2>/dev/null || true)gcc-12
command -v "$cc" >/dev/null || vm_skip "compiler $cc for the guest kernel's modules not found (install gcc-12)"
# Debian's kernel headers set CONFIG_DEBUG_INFO_BTF_MODULES: kbuild runs
# pahole on every module, and a missing pahole fails the build half-way with
# "pahole: not found". Say so up front.
if grep -q '^CONFIG_DEBUG_INFO_BTF_MODULES=y' "$KDIR/.config" 2>/dev/null; then
	command -v pahole >/dev/null || vm_skip "pahole not found: the guest kernel's modules carry BTF (install dwarves)"
fi

if [ -n "$out" ]; then
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	# Tests run in parallel (make check -j) may build the same directory.
	vm_lock "$out/.build-kmod.lock"
	if [ "$out" != "$src" ]; then
		(cd "$src" && find . -path "./${out#"$src"/}" -prune -o -type f \
			\( -name '*.[chS]' -o -name Kbuild -o -name Makefile \) -print |
			cpio -pdm --quiet "$out")
	fi
else
	out=$src
fi

make -C "$KDIR" M="$out" "$@" modules >&2 || vm_die "module build in $out failed"
find "$out" -maxdepth 1 -name '*.ko' | LC_ALL=C sort
