#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the initramfs the VM tests boot: busybox, the guest kernel's modules
# for kTLS, NFS over TLS and NVMe/TCP, /init (guest-init.sh) and a payload
# that /init runs as the test. The archive is two concatenated gzip'd cpio
# members (the kernel unpacks them in order): a cached *base* (busybox and the
# decompressed module subset, built once per kernel and script version) and a
# small per-run *overlay* (init, /etc, payload and the helpers payloads source,
# host binaries with their shared libraries, extra files, out-of-tree
# modules), so a rebuild takes well under a second.
#
# Usage: mkinitramfs.sh -o OUT [options] [--] [PAYLOAD-ARGS...]
#   -o OUT         the archive to write (cpio, gzip-compressed members)
#   -p PAYLOAD     script or program /init runs as the test, with PAYLOAD-ARGS;
#                  without -p /init starts a shell on the console
#   -b BIN[:DEST]  a host program (name or path), copied to DEST (default: its
#                  own absolute path) with every library ldd lists, at the path
#                  ldd prints, plus the dynamic loader; repeatable
#   -a SRC[:DEST]  a file or directory copied to DEST (default: SRC's
#                  absolute path); repeatable
#   -m KO|DIR      out-of-tree modules: a .ko, or every .ko under DIR, put in
#                  /lib/modules/KVER/extra so plain `modprobe NAME` works;
#                  repeatable
#   -e VAR=VALUE   exported to the payload's environment; repeatable
#   -s             /init starts a shell after the payload instead of powering off
# Environment:
#   KTLSD_VM_CACHE, KTLSD_VM_KVER, KTLSD_VM_OFFLINE   see kernel.sh
#   KTLSD_VM_MODULES_EXTRA  more module path globs for the base (relative to
#                           /lib/modules/KVER, e.g. 'kernel/net/netfilter/*')
#   KTLS_TEST_STRICT        passed on to the payload
# Exit: 0, 77 (1 under KTLS_TEST_STRICT=1) when a tool or the kernel is missing.

set -euo pipefail
vm_dir=$(cd "$(dirname "$0")" && pwd)
. "$vm_dir/vm-lib.sh"

# In-tree modules copied into the base archive, as globs on their path below
# /lib/modules/KVER (with the .xz dropped); `!` excludes. Whatever they depend
# on (modules.dep) is added too. Whole crypto/ and lib/ trees go in because
# kTLS and the NVMe PSK code load ciphers by algorithm name at run time.
base_globs=(
	'kernel/crypto/*' 'kernel/arch/x86/crypto/*' 'kernel/lib/*'
	'kernel/net/tls/*' 'kernel/net/sunrpc/*' '!kernel/net/sunrpc/xprtrdma/*'
	'kernel/net/ipv4/*' 'kernel/net/ipv6/*' 'kernel/net/core/*'
	'kernel/net/packet/*' 'kernel/net/unix/*' 'kernel/net/sched/*'
	'kernel/net/bridge/bridge.ko' 'kernel/net/8021q/*' 'kernel/net/dns_resolver/*'
	'kernel/fs/nfs/*' 'kernel/fs/nfsd/*' 'kernel/fs/nfs_common/*'
	'kernel/fs/lockd/*' 'kernel/fs/netfs/*' 'kernel/fs/exportfs/*'
	'kernel/fs/configfs/*' 'kernel/fs/overlayfs/*'
	'kernel/drivers/nvme/host/nvme-fabrics.ko' 'kernel/drivers/nvme/host/nvme-tcp.ko'
	'kernel/drivers/nvme/target/nvmet.ko' 'kernel/drivers/nvme/target/nvmet-tcp.ko'
	'kernel/drivers/nvme/target/nvme-loop.ko' 'kernel/drivers/nvme/common/*'
	'kernel/drivers/block/loop.ko' 'kernel/drivers/block/null_blk/*'
	'kernel/drivers/block/brd.ko' 'kernel/drivers/block/virtio_blk.ko'
	'kernel/drivers/net/veth.ko' 'kernel/drivers/net/dummy.ko'
	'kernel/drivers/net/ifb.ko' 'kernel/drivers/net/macvlan.ko'
	'kernel/drivers/net/virtio_net.ko' 'kernel/drivers/net/net_failover.ko'
)

usage()
{
	sed -n '/^# Usage:/,/^# Exit:/s/^# \{0,1\}//p' "$0"
	exit "${1:-2}"
}

out='' payload='' shell_after=0
bins=() adds=() kmods=() envs=()
while getopts 'o:p:b:a:m:e:sh' opt; do
	case $opt in
	o) out=$OPTARG ;;
	p) payload=$OPTARG ;;
	b) bins+=("$OPTARG") ;;
	a) adds+=("$OPTARG") ;;
	m) kmods+=("$OPTARG") ;;
	e) envs+=("$OPTARG") ;;
	s) shell_after=1 ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$out" ] || usage
[ -z "$payload" ] || [ -e "$payload" ] || vm_die "payload '$payload' not found"

vm_need_cmd cpio gzip xz depmod ldd sha256sum flock
[ -x /bin/busybox ] || vm_skip "/bin/busybox not found (install busybox-static)"
{ ldd /bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' ||
	vm_skip "/bin/busybox is not static (install busybox-static)"

kenv=$("$vm_dir/kernel.sh" --env) || exit $?
eval "$kenv"
kver=$KTLSD_VM_KVER
cache=$(vm_cache_dir)

# ---- base archive: busybox + module subset, cached ------------------------

base_key=$( {
	printf '%s\n' "$kver" "${base_globs[@]}" "${KTLSD_VM_MODULES_EXTRA:-}"
	cat "$KTLSD_VM_ROOT/../.complete"
	sha256sum /bin/busybox
	sed -n '/^# ---- base archive/,/^# ---- end of base/p' "$0"
} | sha256sum | cut -c1-16)
base_dir=$cache/initramfs/$kver-$base_key
base_cpio=$base_dir/base.cpio.gz

# Module paths (relative to the modules dir, without .xz) matching the globs.
select_modules()
{
	local m g keep
	local -a globs=("${base_globs[@]}")
	# shellcheck disable=SC2206 # word splitting of the extra globs is wanted
	[ -z "${KTLSD_VM_MODULES_EXTRA:-}" ] || globs+=(${KTLSD_VM_MODULES_EXTRA})
	sed -n 's/^\([^:]*\):.*/\1/p' "$KTLSD_VM_MODULES/modules.dep" | sed 's/\.xz$//' |
		while read -r m; do
			keep=0
			for g in "${globs[@]}"; do
				case $g in
				!*) # shellcheck disable=SC2254
					case $m in ${g#!}) keep=0 ;; esac ;;
				*) # shellcheck disable=SC2254
					case $m in $g) keep=1 ;; esac ;;
				esac
			done
			[ $keep = 0 ] || printf '%s\n' "$m"
		done
}

# Close a module list (stdin) over modules.dep.
close_deps()
{
	awk -v depfile="$KTLSD_VM_MODULES/modules.dep" '
	BEGIN {
		while ((getline line < depfile) > 0) {
			gsub(/\.ko\.xz/, ".ko", line)
			n = index(line, ":")
			dep[substr(line, 1, n - 1)] = substr(line, n + 1)
		}
	}
	{ want[$1] = 1 }
	END {
		do {
			added = 0
			for (m in want) {
				k = split(dep[m], d, " ")
				for (i = 1; i <= k; i++)
					if (!(d[i] in want)) { want[d[i]] = 1; added = 1 }
			}
		} while (added)
		for (m in want) print m
	}' | LC_ALL=C sort
}

build_base()
{
	local s=$base_dir.tmp.$$ md m a
	rm -rf "$s"
	mkdir -p "$s/root"
	md=$s/root/lib/modules/$kver
	mkdir -p "$md"
	(cd "$s/root" && mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp \
		run root var/lib/nfs var/tmp mnt srv ktlsd)
	ln -s ../run "$s/root/var/run"
	cp /bin/busybox "$s/root/bin/busybox"
	/bin/busybox --list-full | while read -r a; do
		[ -e "$s/root/$a" ] || [ -L "$s/root/$a" ] || ln -s /bin/busybox "$s/root/$a"
	done

	select_modules | close_deps >"$s/modules.list"
	while read -r m; do
		mkdir -p "$md/${m%/*}"
		if [ -e "$KTLSD_VM_MODULES/$m.xz" ]; then
			xz -dc "$KTLSD_VM_MODULES/$m.xz" >"$md/$m"
		else
			cp "$KTLSD_VM_MODULES/$m" "$md/$m"
		fi
	done <"$s/modules.list"
	cp "$KTLSD_VM_MODULES"/modules.builtin "$KTLSD_VM_MODULES"/modules.builtin.modinfo "$md/"
	sed 's/\.xz$//' "$KTLSD_VM_MODULES/modules.order" >"$md/modules.order"
	depmod -b "$s/root" "$kver"

	(cd "$s/root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -6 -n >"$s/base.cpio.gz"
	rm -rf "$base_dir"
	mv "$s" "$base_dir"
	vm_log "built base archive $base_cpio ($(du -h "$base_cpio" | cut -f1), $(wc -l <"$base_dir/modules.list") modules)"
}

mkdir -p "$cache/initramfs"
vm_lock "$cache/.initramfs.lock"
[ -e "$base_cpio" ] || build_base
# Bases unused for a week (older kernels, older versions of this script) go.
touch "$base_dir"
find "$cache/initramfs" -mindepth 1 -maxdepth 1 -type d -mtime +7 \
	! -name "${base_dir##*/}" -exec rm -rf {} + 2>/dev/null || true
vm_unlock
# The base's module tree stays unpacked next to it: depmod for -m needs it.
base_root=$base_dir/root

# ---- end of base -----------------------------------------------------------

# ---- overlay archive: per run ----------------------------------------------

ov=$(mktemp -d "${TMPDIR:-/tmp}/ktlsd-vm-initramfs.XXXXXX")
trap 'rm -rf "$ov"' EXIT
mkdir -p "$ov/root/etc" "$ov/root/ktlsd"
r=$ov/root

# put SRC DEST: copy SRC (file, symlink target or directory) to $r/DEST.
put()
{
	local src=$1 dst=$2
	case $dst in
	/proc/* | /sys/* | /dev/*) vm_die "$dst would be hidden by a mount in the guest" ;;
	esac
	mkdir -p "$r/$(dirname "$dst")"
	if [ -d "$src" ]; then
		mkdir -p "$r/$dst"
		cp -a "$src/." "$r/$dst/"
	else
		cp -L -p "$src" "$r/$dst"
	fi
}

# Absolute path of a host path (which may not be under the current directory).
abspath()
{
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

put_libs()
{
	local lib
	# ldd lines: "libx.so.1 => /path/libx.so.1 (0x...)", "/lib64/ld-linux... (0x...)"
	{ ldd "$1" 2>/dev/null || true; } | awk '
		/=> not found/ { print "NOTFOUND " $1; next }
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }' |
		while read -r lib; do
			case $lib in
			NOTFOUND*) vm_die "$1: shared library ${lib#NOTFOUND } not found" ;;
			esac
			[ -e "$r/$lib" ] || put "$lib" "$lib"
		done
}

install -m 0755 "$vm_dir/guest-init.sh" "$r/init"
# The payloads' shared helpers: they source /ktlsd/guest-lib.sh.
install -m 0644 "$vm_dir/guest-lib.sh" "$r/ktlsd/guest-lib.sh"

for b in "${bins[@]}"; do
	src=${b%%:*}
	dst=${b#*:}
	[ "$dst" != "$b" ] || dst=
	case $src in
	*/*) [ -e "$src" ] || vm_die "binary '$src' not found" ;;
	*) src=$(command -v "$src") || vm_skip "program '${b%%:*}' not found on the host" ;;
	esac
	src=$(abspath "$src")
	[ -n "$dst" ] || dst=$src
	head -c 4 "$src" | grep -q 'ELF' ||
		vm_log "warning: $src is not an ELF file (a libtool wrapper script?)"
	put "$src" "$dst"
	put_libs "$src"
done

for a in "${adds[@]}"; do
	src=${a%%:*}
	dst=${a#*:}
	[ "$dst" != "$a" ] || dst=
	[ -e "$src" ] || vm_die "'$src' not found"
	src=$(abspath "$src")
	put "$src" "${dst:-$src}"
done

if [ ${#kmods[@]} -gt 0 ]; then
	# depmod needs the whole tree: hard-link the base's and add ours. A
	# cache on another file system than the work directory (a chroot with
	# a tmpfs /tmp) cannot be hard-linked: copy it then.
	t=$ov/depmod
	mkdir -p "$t/lib/modules"
	cp -al "$base_root/lib/modules/$kver" "$t/lib/modules/$kver" 2>/dev/null || {
		rm -rf "$t/lib/modules/$kver"
		cp -a "$base_root/lib/modules/$kver" "$t/lib/modules/$kver"
	}
	mkdir -p "$t/lib/modules/$kver/extra" "$r/lib/modules/$kver/extra"
	for k in "${kmods[@]}"; do
		if [ -d "$k" ]; then
			find "$k" -name '*.ko' -exec cp {} "$r/lib/modules/$kver/extra/" \;
		elif [ -f "$k" ]; then
			cp "$k" "$r/lib/modules/$kver/extra/"
		else
			vm_die "module '$k' not found"
		fi
	done
	cp "$r/lib/modules/$kver/extra/"*.ko "$t/lib/modules/$kver/extra/" 2>/dev/null ||
		vm_die "no .ko found in: ${kmods[*]}"
	depmod -b "$t" "$kver"
	cp "$t/lib/modules/$kver"/modules.* "$r/lib/modules/$kver/"
fi

# A minimal /etc: enough for glibc name lookups, libtirpc and nfs-utils.
cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
nogroup:x:65534:
EOF
cat >"$r/etc/hosts" <<'EOF'
127.0.0.1	localhost ktlsd-vm
::1	localhost ip6-localhost ip6-loopback
EOF
cat >"$r/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files
networks: files
protocols: files
services: files
rpc: files
EOF
printf 'ktlsd-vm\n' >"$r/etc/hostname"
: >"$r/etc/fstab"
ln -s /proc/mounts "$r/etc/mtab"
for f in netconfig protocols services rpc; do
	[ ! -f "/etc/$f" ] || cp "/etc/$f" "$r/etc/$f"
done
[ -f "$r/etc/netconfig" ] || cat >"$r/etc/netconfig" <<'EOF'
udp        tpi_clts      v     inet     udp     -       -
tcp        tpi_cots_ord  v     inet     tcp     -       -
udp6       tpi_clts      v     inet6    udp     -       -
tcp6       tpi_cots_ord  v     inet6    tcp     -       -
rawip      tpi_raw       -     inet      -      -       -
local      tpi_cots_ord  -     loopback  -      -       -
unix       tpi_cots_ord  -     loopback  -      -       -
EOF
[ -f "$r/etc/protocols" ] || printf 'ip 0 IP\nicmp 1 ICMP\ntcp 6 TCP\nudp 17 UDP\nipv6-icmp 58 IPv6-ICMP\n' >"$r/etc/protocols"
[ -f "$r/etc/services" ] || printf 'sunrpc 111/tcp portmapper\nsunrpc 111/udp portmapper\nnfs 2049/tcp\nnvme-tcp 4420/tcp\n' >"$r/etc/services"

# The payload, its arguments and environment, for /init.
if [ -n "$payload" ]; then
	put "$payload" /ktlsd/payload
	chmod 0755 "$r/ktlsd/payload"
fi
{
	printf '# generated by mkinitramfs.sh\n'
	printf 'KTLSD_VM_KVER=%s\n' "$(vm_quote "$kver")"
	printf 'KTLSD_VM_SHELL_AFTER=%s\n' "$shell_after"
	printf 'KTLS_TEST_STRICT=%s\n' "$(vm_quote "${KTLS_TEST_STRICT:-0}")"
	printf 'export KTLSD_VM_KVER KTLS_TEST_STRICT\n'
	for e in "${envs[@]}"; do
		case $e in
		[A-Za-z_]*=*) ;;
		*) vm_die "-e wants VAR=VALUE, got '$e'" ;;
		esac
		printf 'export %s=%s\n' "${e%%=*}" "$(vm_quote "${e#*=}")"
	done
	printf 'set --'
	for a in "$@"; do
		printf ' %s' "$(vm_quote "$a")"
	done
	printf '\n'
} >"$r/ktlsd/env"

out_tmp=$out.tmp.$$
{
	cat "$base_cpio"
	(cd "$r" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -1 -n
} >"$out_tmp"
mv "$out_tmp" "$out"
