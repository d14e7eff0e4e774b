# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared helpers for the VM test bed, sourced (not run) by kernel.sh,
# mkinitramfs.sh, run-vm.sh, build-kmod.sh, the test-vm-*.sh tests and
# bench-storm.sh: the skip-or-fail policy (automake's exit 77 unless
# KTLS_TEST_STRICT=1), the cache directory, locking, where the helper scripts
# live; and for the tests, the programs' default paths, their work directory,
# the test module's build and the test PKI. (What the payloads share inside
# the guest is guest-lib.sh.)

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

# ---- for the test-vm-*.sh tests and bench-storm.sh -------------------------

# vm_test_env: what `make check` passes to the tests (AM_TESTS_ENVIRONMENT in
# Makefile.am), for a run by hand defaulting to the build tree whose
# tests/vm is the current directory and to this source tree.
vm_test_env()
{
	local top_src top_bld
	top_src=$(cd "$vm_dir/../.." && pwd)
	top_bld=$(cd ../.. 2>/dev/null && pwd) || top_bld=$PWD
	KTLSD=${KTLSD:-$top_bld/daemon/ktlsd}
	KTLS_PEER=${KTLS_PEER:-$top_bld/tools/ktls-peer}
	HS_REQUEST=${HS_REQUEST:-$PWD/hs-request}
	HALF_RTT_SERVER=${HALF_RTT_SERVER:-$PWD/half-rtt-server}
	KTLS_CONNECT=${KTLS_CONNECT:-$PWD/ktls-connect}
	STORM=${STORM:-$PWD/storm}
	STORM_PEER=${STORM_PEER:-$PWD/storm-peer}
	KTLS_KMOD_SRC=${KTLS_KMOD_SRC:-$top_src/kmod-glue/kmod}
	KTLS_KMOD_BUILD=${KTLS_KMOD_BUILD:-$PWD/kmod}
	KTLS_MKCERTS=${KTLS_MKCERTS:-$top_src/tests/interop/mkcerts.sh}
}

# vm_need_elf PROG...: skip unless every PROG is built, as a real ELF program
# (a libtool wrapper script cannot run in the guest). $vm_build_hint, when
# set, says how to build a missing one.
vm_need_elf()
{
	local p
	for p in "$@"; do
		[ -x "$p" ] || vm_skip "$p not built${vm_build_hint:+ ($vm_build_hint)}"
		head -c 4 "$p" | grep -q 'ELF' || vm_skip "$p is not an ELF program"
	done
}

# vm_work_dir NAME [KEEP]: a new work directory, in $work, removed when the
# script exits unless KEEP is 1 (then its name is logged).
vm_work_dir()
{
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	vm_keep_work=${2:-0}
	trap vm_work_cleanup EXIT
}

# shellcheck disable=SC2317 # called by the trap
vm_work_cleanup()
{
	if [ "$vm_keep_work" = 1 ]; then
		vm_log "kept $work"
	else
		rm -rf "$work"
	fi
}

# vm_build_kmod: the test module ($KTLS_KMOD_SRC) built into $KTLS_KMOD_BUILD
# against the guest kernel's headers; on failure its output and exit with
# build-kmod.sh's status (77 without the headers).
vm_build_kmod()
{
	local rc=0
	"$vm_dir/build-kmod.sh" -o "$KTLS_KMOD_BUILD" "$KTLS_KMOD_SRC" >"$work/kmod.out" 2>&1 || rc=$?
	if [ $rc != 0 ]; then
		cat "$work/kmod.out" >&2
		exit $rc
	fi
}

# vm_mkcerts DIR: the interop test PKI ($KTLS_MKCERTS) in DIR.
vm_mkcerts()
{
	bash "$KTLS_MKCERTS" "$1" >"$work/mkcerts.log" 2>&1 || {
		cat "$work/mkcerts.log" >&2
		vm_die "could not make the test certificates"
	}
}

# vm_raw_psk FILE: 32 random bytes in FILE, for a PSK; prints them in hex.
vm_raw_psk()
{
	local hex
	hex=$(openssl rand -hex 32)
	# shellcheck disable=SC2059 # the format is the point
	printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" >"$1"
	[ "$(wc -c <"$1")" = 32 ] || vm_die "could not write the raw PSK"
	printf '%s\n' "$hex"
}
