# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared helpers for the VM test bed, sourced (not run) by kernel.sh,
# mkinitramfs.sh, run-vm.sh, build-kmod.sh and the test-vm-*.sh tests: the
# skip-or-fail policy (automake's exit 77 unless KTLS_TEST_STRICT=1), the cache
# directory, locking, and where the helper scripts live.

# Directory holding these scripts (works from a VPATH build too: every script
# locates vm-lib.sh next to itself, never via the current directory).
vm_dir=${vm_dir:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

# depmod, modinfo and genl live in sbin, which a user's PATH may lack.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac

vm_log()
{
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

vm_die()
{
	vm_log "error: $*"
	exit 1
}

# A missing tool, kernel or network: automake SKIP (77), or a FAILURE when CI
# asks for strictness (STYLE.md section 11).
vm_skip()
{
	if [ "${KTLS_TEST_STRICT:-0}" = 1 ]; then
		vm_log "FAIL (KTLS_TEST_STRICT=1, would skip): $*"
		exit 1
	fi
	vm_log "SKIP: $*"
	exit 77
}

vm_need_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			vm_skip "required command '$c' not found (see tests/vm/README.md for the packages)"
	done
}

# The cache: KTLSD_VM_CACHE, else /var/cache/ktlsd-vm when we may write there,
# else the user's cache directory.
vm_cache_dir()
{
	local d=${KTLSD_VM_CACHE:-}
	if [ -z "$d" ]; then
		d=/var/cache/ktlsd-vm
		if ! mkdir -p "$d" 2>/dev/null || [ ! -w "$d" ]; then
			d=${XDG_CACHE_HOME:-$HOME/.cache}/ktlsd-vm
		fi
	fi
	mkdir -p "$d" || vm_die "cannot create cache directory $d"
	printf '%s\n' "$d"
}

# vm_lock FILE: hold an exclusive lock on FILE (fd 9) until the script exits,
# so parallel `make check -j` runs share one download and one base archive.
vm_lock()
{
	exec 9>"$1" || vm_die "cannot open lock $1"
	flock 9 || vm_die "cannot lock $1"
}

vm_unlock()
{
	exec 9>&-
}

# vm_quote ARG: ARG as one single-quoted word for /bin/sh (busybox ash).
vm_quote()
{
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
