#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of test-vm-nfs.sh, run inside the VM by /init (busybox ash): NFS
# over TLS on loopback with ktlsd doing both ends of every handshake, the
# in-kernel NFS client (mount.nfs, vers=4.2) and the in-kernel NFS server
# (nfsd, with rpc.mountd answering its export upcalls). Each check prints
# one PASS/FAIL line; ktlsd's per-handshake log lines are shown as they
# happen; the last line is "N passed, N failed"; the exit status is 1 if
# anything failed (77 when a program is missing, 1 under KTLS_TEST_STRICT=1).
#
# Exports (one tmpfs each, so each is its own file system):
#   /srv/open  no transport-security policy (none, tls and mtls admitted)
#   /srv/tls   xprtsec=tls only: TLS without a client certificate
#   /srv/mtls  xprtsec=mtls only: TLS with a verified client certificate
# nfs-utils 2.6.2 cannot set xprtsec= on an export, so after mountd is up
# the two restricted entries are written into the kernel's export cache
# (/proc/net/rpc/nfsd.export/channel) with the "xprtsec" field that
# fs/nfsd/export.c:svc_export_parse() reads.
#
# Programs added with run-vm.sh -b are called by full path: busybox runs its
# own applets first.

KTLSD=/usr/sbin/ktlsd
RPC_NFSD=/usr/sbin/rpc.nfsd
RPC_MOUNTD=/usr/sbin/rpc.mountd
EXPORTFS=/usr/sbin/exportfs
MOUNT_NFS=/sbin/mount.nfs
CHRT=/usr/bin/chrt
PKI=${KTLSD_NFS_DIR:-/opt/ktlsd-test}/pki
W=/tmp/nfs
# Every mount attempt is bounded by this (the NFS client's own handshake
# wait is 20 s).
T=60
# NFSD transport-security policy bits (include/uapi/linux/nfsd/export.h):
# NONE 1, TLS 2, MTLS 4.
XPRTSEC_TLS=2
XPRTSEC_MTLS=4

show_log=${KTLSD_NFS_SHOW_LOG:-0}
mkdir -p "$W"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /ktlsd/guest-lib.sh
# shellcheck source-path=SCRIPTDIR source=guest-unit.sh
. /ktlsd/guest-unit.sh

# ---- helpers -------------------------------------------------------------------

# nfs_mount NAME SERVER:PATH DIR OPTIONS: mount.nfs, output in $W/NAME.mount
# with a last line exit=N.
nfs_mount()
{
	mkdir -p "$3"
	m_t0=$(cut -d' ' -f1 /proc/uptime)
	timeout -s KILL "$T" "$MOUNT_NFS" "$2" "$3" -o "$4" >"$W/$1.mount" 2>&1 </dev/null
	m_rc=$?
	echo "seconds=$(awk -v a="$m_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')" >>"$W/$1.mount"
	echo "exit=$m_rc" >>"$W/$1.mount"
}

# The last message mount.nfs printed.
mount_msg()
{
	grep -v -e '^exit=' -e '^seconds=' "$W/$1.mount" | tail -n 1
}

mounted()
{
	grep -q " $1 nfs4 " /proc/mounts
}

nfs_umount()
{
	mounted "$1" || return 0
	timeout "$T" umount "$1" 2>/dev/null || timeout "$T" umount -f "$1" 2>/dev/null ||
		umount -l "$1" 2>/dev/null
}

mount_ok()
{
	grep -qx 'exit=0' "$W/$1.mount" && mounted "$2"
}

# mount_reads NAME DIR EXPORT: mount NAME is up on DIR and reads the file
# the setup put on EXPORT.
mount_reads()
{
	mount_ok "$1" "$2" && [ "$(cat "$2/hello" 2>/dev/null)" = "hello from $3" ]
}

# export_entry PATH MODES: write the export of PATH into the kernel's cache
# again, as mountd wrote it, but with an xprtsec list. The channel syntax
# (fs/nfsd/export.c, svc_export_parse()):
#   DOMAIN PATH EXPIRY FLAGS ANONUID ANONGID FSID [xprtsec COUNT MODE...]
# EXPIRY is wall-clock seconds; FLAGS are NFSEXP_* bits: INSECURE_PORT
# 0x2 | GATHERED_WRITES 0x20 | NOSUBTREECHECK 0x400 | FSID 0x2000 = 9250,
# i.e. rw,insecure,no_root_squash,sync,wdelay,no_subtree_check,fsid=N.
export_entry()
{
	expiry=$(($(date +%s) + 3600))
	line="$domain $1 $expiry 9250 65534 65534 $2 xprtsec"
	shift 2
	line="$line $# $*"
	echo "$line" >>"$W/channel.log"
	echo "$line" >/proc/net/rpc/nfsd.export/channel
}

# ---- setup ---------------------------------------------------------------------

need_progs "$KTLSD" "$RPC_NFSD" "$RPC_MOUNTD" "$EXPORTFS" "$MOUNT_NFS"

say "setting up: kernel modules, ktlsd, nfsd with three exports"
{
	modprobe tls && modprobe nfsd && modprobe nfsv4 &&
		mount -t nfsd nfsd /proc/fs/nfsd
} >"$W/setup.out" 2>&1
# A short grace period and lease; the grace period is ended by hand below.
echo 10 >/proc/fs/nfsd/nfsv4leasetime 2>>"$W/setup.out"
echo 10 >/proc/fs/nfsd/nfsv4gracetime 2>>"$W/setup.out"

# The configuration where the package's ktlsd reads it (no -c), as an
# administrator would edit the copy postinst makes of the default.
mkdir -p /etc/ktlsd
cat >/etc/ktlsd/ktlsd.conf <<EOF
[debug]
loglevel = ${KTLSD_NFS_LOGLEVEL:-0}

$(ktlsd_conf client server)
EOF
# ktlsd starts as the unit starts it (guest-unit.sh): its monitor runs
# SCHED_FIFO priority 1, the unit's CPUSchedulingPolicy=fifo; chrt is not
# told to reset on fork, so it is ktlsd itself that makes the workers doing
# the TLS work ordinary processes (checked below). The kernel refuses
# a handshake request outright (EAGAIN) while 3 are un-accepted (1 GiB
# guest); under TCG, busy kernel threads (nfsd, the RPC client's workers)
# can keep a normal-priority monitor off the CPU for 10-20 ms, long enough
# for a burst of requests to hit that cap. KTLSD_NFS_FIFO=0 starts ktlsd
# without the scheduling lines instead.
nofifo=0
[ "${KTLSD_NFS_FIFO:-1}" != 0 ] || nofifo=1
if ! unit_wrapper "$W/ktlsd-start" $nofifo; then
	bad "setup: ktlsd's command from the unit's ExecStart= and CPUScheduling*=" \
		"no usable ExecStart= or no chrt" "$UNIT_FILE"
	finish
fi
sched=$uw_sched
p=$(sed -n 's/.*(\([a-z]*\)).*/\1/p' /sys/kernel/debug/sched/preempt 2>/dev/null)
say "guest kernel preemption: ${p:-unknown}"
if ktlsd_start "$W/ktlsd.log" 10 "$W/ktlsd-start" -s &&
	grep -q 'ready: /etc/ktlsd/ktlsd.conf' "$W/ktlsd.log"; then
	ok "setup: ktlsd, started as the unit starts it, reads /etc/ktlsd/ktlsd.conf and reports ready"
else
	bad "setup: ktlsd, started as the unit starts it, reads /etc/ktlsd/ktlsd.conf and reports ready" \
		"no 'ready: /etc/ktlsd/ktlsd.conf' line" "$W/ktlsd.log"
	finish
fi
# Scheduling policy (field 41 of /proc/PID/stat): 1 SCHED_FIFO, 0 normal.
if [ -n "$sched" ]; then
	pols="monitor:$(awk '{ print $41 }' "/proc/$ktlsd_pid/stat")"
	for d in $(ktlsd_workers); do
		pols="$pols worker:$(awk '{ print $41 }' "$d/stat")"
	done
	case " $pols " in
	*" monitor:1 "*" worker:0 "*)
		case "$pols" in
		*worker:[1-9]*) bad "setup: the monitor runs SCHED_FIFO, every worker the normal policy" "$pols" ;;
		*) ok "setup: the monitor runs SCHED_FIFO, every worker the normal policy ($pols)" ;;
		esac ;;
	*) bad "setup: the monitor runs SCHED_FIFO, every worker the normal policy" "$pols" ;;
	esac
fi

for e in open tls mtls; do
	mkdir -p "/srv/$e"
	mount -t tmpfs -o size=64m "srv-$e" "/srv/$e" 2>>"$W/setup.out"
	echo "hello from /srv/$e" >"/srv/$e/hello"
done
cat >/etc/exports <<EOF
/srv/open *(rw,insecure,no_root_squash,sync,no_subtree_check,fsid=1)
/srv/tls  *(rw,insecure,no_root_squash,sync,no_subtree_check,fsid=2)
/srv/mtls *(rw,insecure,no_root_squash,sync,no_subtree_check,fsid=3)
EOF
# The legacy client-tracking directory: without any tracking the kernel
# refuses to end the grace period early (v4_end_grace).
mkdir -p /var/lib/nfs/v4recovery
touch /var/lib/nfs/etab /var/lib/nfs/rmtab
{
	"$EXPORTFS" -ra && "$RPC_MOUNTD" -N 2 -N 3 &&
		"$RPC_NFSD" -N 3 -V 4.2 8 &&
		echo Y >/proc/fs/nfsd/v4_end_grace
} >>"$W/setup.out" 2>&1
setup_rc=$?
cat /proc/fs/nfsd/versions >>"$W/setup.out" 2>&1
if [ $setup_rc = 0 ] && grep -q '+4.2' /proc/fs/nfsd/versions &&
	[ "$(cat /proc/fs/nfsd/threads 2>/dev/null)" -gt 0 ] 2>/dev/null; then
	ok "setup: nfsd serves NFSv4.2, mountd and the exports are up"
else
	bad "setup: nfsd serves NFSv4.2, mountd and the exports are up" "rc=$setup_rc" "$W/setup.out"
	finish
fi
sed 's/^/#   /' /etc/exports

# ---- 1. the control: a plain mount of the open export ------------------------------

say "1. control: a plain (no TLS) NFSv4.2 mount of 127.0.0.1:/srv/open"
mark_log
nfs_mount plain-open 127.0.0.1:/srv/open /mnt/open vers=4.2
if mount_reads plain-open /mnt/open /srv/open; then
	ok "plain mount of an export with no xprtsec policy works and reads a file"
else
	bad "plain mount of an export with no xprtsec policy works and reads a file" \
		"mount failed or /mnt/open/hello unreadable" "$W/plain-open.mount"
fi
n=$(count_hs .)
if [ "$n" = 0 ]; then
	ok "the plain mount made no handshake"
else
	bad "the plain mount made no handshake" "$n handshake lines"
fi
nfs_umount /mnt/open

# The client's address now maps to an auth domain (mountd's answer to the
# auth.unix.ip upcall); the restricted exports are written under it.
domain=$(awk '$1 == "/srv/open" { sub(/\(.*/, "", $2); print $2; exit }' \
	/proc/net/rpc/nfsd.export/content)
[ -n "$domain" ] || domain='*'
export_entry /srv/tls 2 $XPRTSEC_TLS 2>>"$W/channel.log"
rc1=$?
export_entry /srv/mtls 3 $XPRTSEC_MTLS 2>>"$W/channel.log"
rc2=$?
grep -E '^/srv/(tls|mtls)' /proc/net/rpc/nfsd.export/content >>"$W/channel.log" 2>&1
if [ $rc1 = 0 ] && [ $rc2 = 0 ]; then
	ok "export cache: /srv/tls set to xprtsec=tls and /srv/mtls to xprtsec=mtls (domain '$domain')"
else
	bad "export cache: /srv/tls set to xprtsec=tls and /srv/mtls to xprtsec=mtls" \
		"writing the channel failed" "$W/channel.log"
fi
sed 's/^/#   channel: /' "$W/channel.log"


# ---- 2. xprtsec=tls ------------------------------------------------------------------

dd if=/dev/urandom of="$W/data" bs=64k count=16 2>/dev/null
sum=$(md5sum <"$W/data" | cut -d' ' -f1)

say "2. xprtsec=tls: 127.0.0.1:/srv/tls (export admits TLS without a client certificate)"
mark_log
nfs_mount tls-tls 127.0.0.1:/srv/tls /mnt/tls vers=4.2,xprtsec=tls
show_handshakes
if mount_reads tls-tls /mnt/tls /srv/tls; then
	ok "xprtsec=tls mount of the tls-only export works and reads a file"
else
	bad "xprtsec=tls mount of the tls-only export works and reads a file" \
		"mount failed or /mnt/tls/hello unreadable" "$W/tls-tls.mount"
fi
c=$(count_hs 'role=client auth=anon peer=127\.0\.0\.1 result=ok')
s=$(count_hs 'role=server auth=x509 .*result=ok')
if [ "$c" -ge 1 ] && [ "$s" -ge 1 ]; then
	ok "ktlsd did both ends: client (anon, peer 127.0.0.1) and server (x509) handshakes ok"
else
	bad "ktlsd did both ends: client (anon, peer 127.0.0.1) and server (x509) handshakes ok" \
		"client ok lines: $c, server ok lines: $s" "$W/ktlsd.log"
fi
cp "$W/data" /mnt/tls/data 2>"$W/tls-write.out"
nfs_umount /mnt/tls
got=$(md5sum </srv/tls/data 2>/dev/null | cut -d' ' -f1)
if [ "$got" = "$sum" ]; then
	ok "1 MiB written through the TLS mount is intact on the export (md5 $sum)"
else
	bad "1 MiB written through the TLS mount is intact on the export" \
		"md5 ${got:-none} != $sum" "$W/tls-write.out"
fi

say "3. the tls-only export refuses a plain mount and an mtls mount"
mark_log
nfs_mount plain-tls 127.0.0.1:/srv/tls /mnt/tls vers=4.2,retry=0
if ! mount_ok plain-tls /mnt/tls; then
	ok "plain mount of the tls-only export is refused ($(mount_msg plain-tls))"
else
	bad "plain mount of the tls-only export is refused" "it was mounted" "$W/plain-tls.mount"
fi
nfs_umount /mnt/tls
n=$(count_hs .)
if [ "$n" = 0 ]; then
	ok "the plain mount made no handshake"
else
	bad "the plain mount made no handshake" "$n handshake lines" "$W/ktlsd.log"
fi
mark_log
nfs_mount mtls-tls 127.0.0.1:/srv/tls /mnt/tls vers=4.2,xprtsec=mtls,retry=0
show_handshakes
if ! mount_ok mtls-tls /mnt/tls; then
	ok "xprtsec=mtls mount of the tls-only export is refused: the client presented a certificate"
else
	bad "xprtsec=mtls mount of the tls-only export is refused" \
		"it was mounted: the server did not report the client as authenticated?" "$W/mtls-tls.mount"
fi
nfs_umount /mnt/tls

# ---- 4. xprtsec=mtls -----------------------------------------------------------------

say "4. xprtsec=mtls: 127.0.0.1:/srv/mtls (export admits only TLS with a verified client certificate)"
mark_log
nfs_mount tls-mtls 127.0.0.1:/srv/mtls /mnt/mtls vers=4.2,xprtsec=tls,retry=0
show_handshakes
if ! mount_ok tls-mtls /mnt/mtls; then
	ok "xprtsec=tls mount of the mtls-only export is refused: no client certificate"
else
	bad "xprtsec=tls mount of the mtls-only export is refused" "it was mounted" "$W/tls-mtls.mount"
fi
nfs_umount /mnt/mtls
mark_log
nfs_mount mtls-mtls 127.0.0.1:/srv/mtls /mnt/mtls vers=4.2,xprtsec=mtls
show_handshakes
if mount_reads mtls-mtls /mnt/mtls /srv/mtls; then
	ok "xprtsec=mtls mount of the mtls-only export works and reads a file"
else
	bad "xprtsec=mtls mount of the mtls-only export works and reads a file" \
		"mount failed or /mnt/mtls/hello unreadable" "$W/mtls-mtls.mount"
fi
c=$(count_hs 'role=client auth=x509 peer=127\.0\.0\.1 result=ok')
if [ "$c" -ge 1 ]; then
	ok "ktlsd's client handshake used the configured client certificate (auth=x509)"
else
	bad "ktlsd's client handshake used the configured client certificate (auth=x509)" \
		"no client x509 ok line" "$W/ktlsd.log"
fi
cp "$W/data" /mnt/mtls/data 2>"$W/mtls-write.out"
sync
got=$(md5sum </srv/mtls/data 2>/dev/null | cut -d' ' -f1)
cp /srv/tls/data /srv/mtls/data2 2>>"$W/mtls-write.out"
nfs_umount /mnt/mtls
nfs_mount mtls-mtls2 127.0.0.1:/srv/mtls /mnt/mtls vers=4.2,xprtsec=mtls
read2=$(md5sum </mnt/mtls/data2 2>/dev/null | cut -d' ' -f1)
nfs_umount /mnt/mtls
if [ "$got" = "$sum" ] && [ "$read2" = "$sum" ]; then
	ok "1 MiB written through the mTLS mount is intact on the export, and reads back intact through it"
else
	bad "1 MiB written through the mTLS mount is intact on the export, and reads back intact through it" \
		"md5 on export ${got:-none}, read through mount ${read2:-none}, want $sum" "$W/mtls-write.out"
fi

# ---- 5. a server address the certificate does not name ------------------------------

say "5. xprtsec=tls to 127.0.0.17, an address not in the server's certificate"
mark_log
nfs_mount wrong 127.0.0.17:/srv/open /mnt/wrong vers=4.2,xprtsec=tls,retry=0
show_handshakes
if ! mount_ok wrong /mnt/wrong; then
	ok "mount of 127.0.0.17 is refused ($(mount_msg wrong))"
else
	bad "mount of 127.0.0.17 is refused" "it was mounted" "$W/wrong.mount"
fi
nfs_umount /mnt/wrong
c=$(count_hs 'role=client auth=anon peer=127\.0\.0\.17 result=failed errno=13')
if [ "$c" -ge 1 ]; then
	ok "ktlsd failed the client handshake with EACCES (errno=13)"
else
	bad "ktlsd failed the client handshake with EACCES (errno=13)" \
		"no such line" "$W/ktlsd.log"
fi

# ---- 6. 16 mounts at once -----------------------------------------------------------

# many_count: of the 16 mounts of many_mounts, how many are up and read the
# file (good), and which are not (bad_list).
many_count()
{
	good=0
	bad_list=
	i=1
	while [ $i -le 16 ]; do
		if mount_reads "many$i" "/mnt/many$i" /srv/open; then
			good=$((good + 1))
		else
			bad_list="$bad_list $i"
		fi
		i=$((i + 1))
	done
}

# many_mounts: 16 xprtsec=tls mounts, 127.0.0.1..16, released together; then
# checks, and unmounts.
many_mounts()
{
	mark_log
	# The kernel's handshake tracepoints count the requests it refused at
	# its cap (handshake_submit_err, err=-11).
	tr=/sys/kernel/tracing
	echo 0 >$tr/tracing_on
	echo 16384 >$tr/buffer_size_kb
	echo >$tr/trace
	for e in handshake_submit handshake_submit_err; do
		echo 1 >$tr/events/handshake/$e/enable
	done
	if [ "${KTLSD_NFS_TRACE:-0}" != 0 ]; then
		echo 1 >$tr/events/handshake/enable
		for e in "$tr"/events/sunrpc/*tls* "$tr"/events/sunrpc/xprt_connect \
			"$tr"/events/sunrpc/rpc_socket_* "$tr"/events/sunrpc/rpc_task_end; do
			[ -e "$e/enable" ] && echo 1 >"$e/enable"
		done
		if [ "${KTLSD_NFS_TRACE:-0}" = 2 ]; then
			echo "pid == $ktlsd_pid" >$tr/events/sched/sched_wakeup/filter
			echo "prev_pid == $ktlsd_pid || next_pid == $ktlsd_pid" >$tr/events/sched/sched_switch/filter
			echo 1 >$tr/events/sched/sched_wakeup/enable
			echo 1 >$tr/events/sched/sched_switch/enable
		fi
	fi
	echo 1 >$tr/tracing_on
	rm -f "$W/go"
	pids=
	i=1
	while [ $i -le 16 ]; do
		(
			while [ ! -e "$W/go" ]; do sleep 0.01; done
			nfs_mount "many$i" "127.0.0.$i:/srv/open" "/mnt/many$i" \
				vers=4.2,xprtsec=tls,timeo=50
		) &
		pids="$pids $!"
		i=$((i + 1))
	done
	sleep 0.2
	t_start=$(cut -d' ' -f1 /proc/uptime)
	touch "$W/go"
	# Not a bare `wait`: ktlsd is a child of this shell too.
	for p in $pids; do
		wait "$p"
	done
	t_end=$(cut -d' ' -f1 /proc/uptime)
	submitted=$(grep -c 'handshake_submit:' $tr/trace)
	refused=$(grep -c 'handshake_submit_err:' $tr/trace)
	echo "#   seconds per mount: $(sed -n 's/^seconds=//p' "$W"/many*.mount | sort -n | tr '\n' ' ')"
	echo "#   handshake requests: $submitted queued, $refused refused by the kernel at its cap (EAGAIN)"
	new_handshakes | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(role|result)=/) k = k " " $i; c[k]++; k = "" }
		END { for (k in c) printf "#   %3d x%s\n", c[k], k }' | sort
	many_count
	# When the kernel refused requests, nfsd closed connections in the
	# middle of client handshakes; the 6.12 client sometimes loses the
	# handshake's ETIMEDOUT then (README.md) and that mount fails, or hangs
	# until its RPC times out (timeo=50 above: 5 s instead of 60 s, three
	# times over, instead of three minutes). Such a mount gets one more try,
	# and the PASS line says so.
	retried=
	if [ -n "$bad_list" ] && [ "$refused" -gt 0 ]; then
		for i in $bad_list; do
			cp "$W/many$i.mount" "$W/many$i.first"
			nfs_umount "/mnt/many$i"
			nfs_mount "many$i" "127.0.0.$i:/srv/open" "/mnt/many$i" vers=4.2,xprtsec=tls
			echo "#   127.0.0.$i: first try: $(grep -v -e '^exit=' -e '^seconds=' "$W/many$i.first" | tail -n 1) ($(sed -n 's/^seconds=//p' "$W/many$i.first") s); second try: exit $(sed -n 's/^exit=//p' "$W/many$i.mount")"
			retried="$retried $i"
		done
		many_count
	fi
	took=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.1f", b - a }')
	if [ "$good" = 16 ] && [ -z "$retried" ]; then
		ok "all 16 concurrent TLS mounts succeeded and read a file (in $took s)"
	elif [ "$good" = 16 ]; then
		ok "all 16 concurrent TLS mounts succeeded and read a file (in $took s; 127.0.0.{$(echo "${retried# }" | tr ' ' ',')} on a second try after the kernel client lost a handshake status)"
	else
		f=
		for i in $bad_list; do f="$f $W/many$i.mount"; done
		# shellcheck disable=SC2086
		bad "all 16 concurrent TLS mounts succeeded and read a file" "failed:$bad_list" $f
	fi
	miss=
	i=1
	while [ $i -le 16 ]; do
		[ "$(count_hs "role=client auth=anon peer=127\\.0\\.0\\.$i result=ok")" -ge 1 ] ||
			miss="$miss 127.0.0.$i"
		i=$((i + 1))
	done
	# A refused request makes that consumer close its connection, and the
	# other end's handshake sees the peer go (ETIMEDOUT, "peer closed the
	# connection"); NFS reconnects. Any other failure is ktlsd's.
	other=$(new_handshakes | grep 'result=failed' | grep -vc 'errno=110 .*reason=peer closed the connection')
	if [ -z "$miss" ] && [ "$other" = 0 ]; then
		ok "ktlsd: a successful client handshake for each of the 16 addresses; no failure but peers closing"
	else
		bad "ktlsd: a successful client handshake for each of the 16 addresses; no failure but peers closing" \
			"no client ok line for:${miss:- -}; other failures: $other" "$W/ktlsd.log"
	fi
	if [ "${KTLSD_NFS_TRACE:-0}" != 0 ]; then
		echo "# --- trace"
		sed 's/^/# T /' /sys/kernel/tracing/trace | grep -v 'handshake_destruct' | head -n 3000
	fi
	i=1
	while [ $i -le 16 ]; do
		nfs_umount "/mnt/many$i"
		i=$((i + 1))
	done
}

say "6. 16 xprtsec=tls mounts started at the same moment, to 127.0.0.1 .. 127.0.0.16"
say "   (the kernel queues at most $(awk '/MemTotal/ { n = int($2 * 1024 / 4096 / 25 / 4096); print (n < 3 ? 3 : (n > 50 ? 50 : n)) }' /proc/meminfo) un-accepted handshake requests here)"
r=1
while [ $r -le "${KTLSD_NFS_ROUNDS:-1}" ]; do
	[ "${KTLSD_NFS_ROUNDS:-1}" = 1 ] || say "   round $r"
	many_mounts
	r=$((r + 1))
done

# ---- ktlsd itself ------------------------------------------------------------------------

ktlsd_check_end

finish
