# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared helpers for the VM test bed, sourced (not run) by kernel.sh,
# mkinitramfs.sh, run-vm.sh, build-kmod.sh, the test-vm-*.sh tests and
# bench-storm.sh: the skip-or-fail policy (automake's exit 77 unless
# KTLS_TEST_STRICT=1), the cache directory, locking, where the helper scripts
# live; and for the tests, the programs' default paths, their work directory,
# the test module's build, the test PKI and nfs-utils from Debian's archive.
# (What the payloads share inside the guest is guest-lib.sh.)

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
	KTLSCTL=${KTLSCTL:-$top_bld/daemon/ktlsctl}
	KTLS_PEER=${KTLS_PEER:-$top_bld/tools/ktls-peer}
	HS_REQUEST=${HS_REQUEST:-$PWD/hs-request}
	HALF_RTT_SERVER=${HALF_RTT_SERVER:-$PWD/half-rtt-server}
	KTLS_CONNECT=${KTLS_CONNECT:-$PWD/ktls-connect}
	STORM=${STORM:-$PWD/storm}
	STORM_PEER=${STORM_PEER:-$PWD/storm-peer}
	CTL_STALL=${CTL_STALL:-$PWD/ctl-stall}
	FLOOD_PEER=${FLOOD_PEER:-$PWD/flood-peer}
	PSK_HRR_CLIENT=${PSK_HRR_CLIENT:-$PWD/psk-hrr-client}
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

# ---- nfs-utils from the archive (test-vm-nfs.sh, test-vm-flood.sh) --------
#
# Packages are downloaded (never installed: nfs-kernel-server's scripts would
# start services on the host) and unpacked into $cache/nfs-utils/VERSION.
# Libraries the programs need that the host lacks come along: the lib*
# dependencies that are not installed, followed two levels deep.
vm_nfs_pkgs='nfs-kernel-server nfs-common'

# Package names (no versions, first alternative) a .deb depends on.
vm_deb_deps()
{
	dpkg-deb -f "$1" Depends 2>/dev/null | tr ',' '\n' |
		sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' |
		grep -v '^$' || true
}

vm_deb_installed()
{
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

vm_fetch_nfs_utils()
{
	local dest=$1 tmp=$1.tmp.$$ p want deb
	command -v apt-get >/dev/null || return 1
	rm -rf "$tmp"
	mkdir -p "$tmp/debs" "$tmp/root"
	want=$vm_nfs_pkgs
	for _ in 1 2 3; do
		[ -n "$want" ] || break
		vm_log "downloading $want"
		# shellcheck disable=SC2086 # a list of package names
		(cd "$tmp/debs" && apt-get -q -o APT::Sandbox::User=root download $want >&2) ||
			{ rm -rf "$tmp"; return 1; }
		want=
		for deb in "$tmp"/debs/*.deb; do
			for p in $(vm_deb_deps "$deb"); do
				case $p in lib*) ;; *) continue ;; esac
				vm_deb_installed "$p" && continue
				ls "$tmp/debs/${p}_"*.deb >/dev/null 2>&1 && continue
				case " $want " in *" $p "*) ;; *) want="$want $p" ;; esac
			done
		done
		want=${want# }
	done
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; return 1; }
	done
	rm -rf "$dest"
	mv "$tmp/root" "$dest"
	rm -rf "$tmp"
	touch "$dest/.complete"
}

# vm_nfs_utils: rpc.nfsd, rpc.mountd, exportfs and mount.nfs from the cache
# (downloaded first when the archive has a version not yet there, the newest
# cached one offline), or skip. Sets nfslibs (the unpacked library path, for
# ldd on the host: LD_LIBRARY_PATH=$nfslibs run-vm.sh ...) and the array
# nfs_bins (run-vm.sh -b/-a arguments for the programs and those libraries).
vm_nfs_utils()
{
	local cache nfsroot='' ver='' d b l missing
	vm_need_cmd dpkg-deb ldd
	cache=$(vm_cache_dir)
	mkdir -p "$cache/nfs-utils"
	vm_lock "$cache/.nfs-utils.lock"
	# Left by an interrupted download (we hold the lock: nobody is writing).
	rm -rf "$cache"/nfs-utils/*.tmp.*
	if [ "${KTLSD_VM_OFFLINE:-0}" != 1 ] && command -v apt-cache >/dev/null; then
		ver=$(apt-cache show --no-all-versions nfs-kernel-server 2>/dev/null |
			sed -n 's/^Version: //p' | head -n 1 | tr ':~' '__')
	fi
	if [ -n "$ver" ]; then
		nfsroot=$cache/nfs-utils/$ver
		[ -e "$nfsroot/.complete" ] || vm_fetch_nfs_utils "$nfsroot" || {
			vm_log "warning: could not download nfs-utils $ver"
			nfsroot=''
		}
	fi
	if [ -z "$nfsroot" ]; then
		# Offline: the newest one already unpacked.
		for d in "$cache"/nfs-utils/*/.complete; do
			[ -e "$d" ] && nfsroot=$(dirname "$d")
		done
	fi
	vm_unlock
	[ -n "$nfsroot" ] || vm_skip "nfs-utils not available (apt-get download nfs-kernel-server nfs-common failed, none cached)"

	# Where the unpacked libraries are, for ldd on the host (mkinitramfs.sh
	# copies what it resolves) and, in the guest, the standard directory too.
	nfslibs="$nfsroot/lib/x86_64-linux-gnu:$nfsroot/usr/lib/x86_64-linux-gnu"
	nfs_bins=()
	for b in usr/sbin/rpc.nfsd usr/sbin/rpc.mountd usr/sbin/exportfs sbin/mount.nfs; do
		[ -x "$nfsroot/$b" ] || vm_skip "$nfsroot/$b missing from the nfs-utils packages"
		missing=$(LD_LIBRARY_PATH=$nfslibs ldd "$nfsroot/$b" 2>&1 | grep 'not found' || true)
		[ -z "$missing" ] || vm_skip "$b: libraries missing: $missing"
		nfs_bins+=(-b "$nfsroot/$b:/$b")
	done
	for l in "$nfsroot"/lib/x86_64-linux-gnu/*.so.* "$nfsroot"/usr/lib/x86_64-linux-gnu/*.so.*; do
		[ -e "$l" ] || continue
		nfs_bins+=(-a "$l:/usr/lib/x86_64-linux-gnu/${l##*/}")
	done
}

# ---- the built .deb (test-vm-nfs.sh, test-vm-nvme.sh, demo.sh) ------------
#
# vm_deb_ktlsd: the files of the ktlsd package in $KTLS_DEB_DIR (made by
# tests/pkg/build-debs.sh), unpacked with `dpkg -x` into $work/deb and
# given to the guest at their installed paths, so the guest runs what users
# install: /usr/sbin/ktlsd, the unit lib/systemd/system/ktlsd.service (the
# payload derives ktlsd's command line and scheduling from its ExecStart=
# and CPUScheduling*= lines) and the default /usr/share/ktlsd/ktlsd.conf.
# Sets the array deb_files (run-vm.sh -b/-a arguments) and KTLSD (the
# unpacked daemon, for the host's checks). Without a .deb: a failure under
# KTLS_TEST_STRICT=1, else the build tree's daemon with a clear message
# (deb_files then carries the source tree's unit file).
vm_deb_ktlsd()
{
	local deb f rel
	deb_files=()
	deb=''
	for f in "${KTLS_DEB_DIR:-/nonexistent}"/ktlsd_*.deb; do
		[ -f "$f" ] && deb=$f && break
	done
	if [ -z "$deb" ]; then
		if [ "${KTLS_TEST_STRICT:-0}" = 1 ]; then
			vm_log "FAIL (KTLS_TEST_STRICT=1): no ktlsd_*.deb in KTLS_DEB_DIR='${KTLS_DEB_DIR:-}' (tests/pkg/build-debs.sh builds it)"
			exit 1
		fi
		vm_need_elf "$KTLSD"
		vm_log "warning: no ktlsd .deb (KTLS_DEB_DIR='${KTLS_DEB_DIR:-}'): testing the build tree's $KTLSD instead"
		deb_files=(-b "$KTLSD:/usr/sbin/ktlsd"
			-a "$vm_dir/../../systemd/ktlsd.service:/lib/systemd/system/ktlsd.service")
		return 0
	fi
	vm_need_cmd dpkg
	rm -rf "$work/deb"
	dpkg -x "$deb" "$work/deb" || vm_die "dpkg -x $deb failed"
	vm_log "testing the package: ${deb##*/} (dpkg -x into the guest)"
	while IFS= read -r f; do
		rel=${f#"$work/deb"}
		if head -c 4 "$f" | grep -q 'ELF'; then
			deb_files+=(-b "$f:$rel")
		else
			deb_files+=(-a "$f:$rel")
		fi
	done < <(find "$work/deb" -type f | sort)
	KTLSD=$work/deb/usr/sbin/ktlsd
	[ -x "$KTLSD" ] || vm_die "${deb##*/} has no /usr/sbin/ktlsd"
	[ -f "$work/deb/lib/systemd/system/ktlsd.service" ] ||
		vm_die "${deb##*/} has no /lib/systemd/system/ktlsd.service"
}
