#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the VM test guest (busybox ash, PID 1). Mounts the usual pseudo
# file systems, brings up lo, runs /ktlsd/payload with the arguments and
# environment mkinitramfs.sh stored in /ktlsd/env, prints
#   KTLSD-VM-RESULT: <exit status>
# on the console for run-vm.sh to parse, and powers the VM off. A kernel
# warning, oops or soft lockup during the payload turns success into failure
# (set KTLSD_VM_ALLOW_WARN=1 to allow them). A watchdog dumps tasks and dmesg
# shortly before the host's hard timeout would kill the VM.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# /tmp and /run stay on the rootfs (a tmpfs already), so files the initramfs
# put there, e.g. a build tree under /tmp, stay visible.
chmod 1777 /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
modprobe configfs 2>/dev/null && mount -t configfs configfs /sys/kernel/config
hostname -F /etc/hostname
ip link set lo up
# Console shows warnings and worse from now on (boot runs with `quiet`).
echo 5 >/proc/sys/kernel/printk

# shellcheck source=/dev/null
. /ktlsd/env

echo "KTLSD-VM-BOOTED: uptime $(cut -d' ' -f1 /proc/uptime) s"

dmesg0=$(dmesg | wc -l)
if [ "${KTLSD_VM_GUEST_TIMEOUT:-0}" -gt 0 ]; then
	(
		sleep "$KTLSD_VM_GUEST_TIMEOUT"
		echo w >/proc/sysrq-trigger
		echo "KTLSD-VM: kernel log since the payload started:"
		dmesg | tail -n "+$((dmesg0 + 1))" | tail -n 80
		echo "KTLSD-VM: processes:"
		# shellcheck disable=SC2009 # busybox has no pgrep -a
		ps | grep -v " \[[^]]*\]$"
		echo "KTLSD-VM-TIMEOUT: payload still running after ${KTLSD_VM_GUEST_TIMEOUT} s"
		sync
		echo "KTLSD-VM-RESULT: 124"
		poweroff -f
	) &
	watchdog=$!
fi

taint0=$(cat /proc/sys/kernel/tainted)
cd /tmp || exit 1
if [ -x /ktlsd/payload ]; then
	/ktlsd/payload "$@" </dev/console
	rc=$?
else
	echo "KTLSD-VM: no payload, starting a shell (exit it to power off)"
	setsid cttyhack sh
	rc=$?
fi
[ -z "${watchdog:-}" ] || kill "$watchdog" 2>/dev/null

# New taint bits: 7 D (oops), 9 W (warning), 14 L (soft lockup).
taint1=$(cat /proc/sys/kernel/tainted)
bad=$(((taint1 & ~taint0) & (128 | 512 | 16384)))
if [ "$bad" -ne 0 ]; then
	echo "KTLSD-VM-TAINTED: kernel taint went from $taint0 to $taint1 during the payload"
	dmesg | tail -n "+$((dmesg0 + 1))" | tail -n 60
	if [ "${KTLSD_VM_ALLOW_WARN:-0}" != 1 ] && [ "$rc" -eq 0 ]; then
		rc=1
	fi
fi

if [ "${KTLSD_VM_SHELL_AFTER:-0}" = 1 ] && [ -x /ktlsd/payload ]; then
	echo "KTLSD-VM: payload exited $rc, starting a shell (exit it to power off)"
	setsid cttyhack sh
fi

sync
echo
echo "KTLSD-VM-RESULT: $rc"
# Again through printk, which is flushed before power-off even if the tty
# buffer is not.
echo "<2>KTLSD-VM-RESULT: $rc" >/dev/kmsg
poweroff -f
