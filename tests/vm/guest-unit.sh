# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Guest side (busybox ash), sourced by guest-nfs.sh and guest-nvme.sh as
# /ktlsd/guest-unit.sh: start ktlsd the way its systemd unit does, read from
# the unit file the package installs (/lib/systemd/system/ktlsd.service,
# unpacked from the .deb by the host), so a change to the unit shows up in
# the VM tests. What the initramfs can do of the unit is done: ExecStart=
# (binary and arguments), CPUSchedulingPolicy=/CPUSchedulingPriority= (chrt),
# LimitNOFILE= (ulimit -n), UMask= (umask) and RuntimeDirectory= (mkdir in
# /run). Added: -s, a copy of the log on standard error, because the guest
# has no syslog or journal. Not done: the sandboxing and capability bounding
# lines (no systemd in the guest) and sd_notify (readiness is the 'ready'
# log line).

UNIT_FILE=${UNIT_FILE:-/lib/systemd/system/ktlsd.service}
# util-linux's chrt, added by the host with run-vm.sh -b (busybox's applet
# would run first on a bare "chrt").
UNIT_CHRT=${UNIT_CHRT:-/usr/bin/chrt}

# unit_value KEY: the last KEY= value of the unit's [Service] section.
unit_value()
{
	sed -n '/^\[Service\]/,/^\[/p' "$UNIT_FILE" | sed -n "s/^$1=//p" | tail -n 1
}

# unit_wrapper FILE [NOFIFO]: write FILE, a script that starts ktlsd as the
# unit does, its arguments appended to ExecStart='s; say what it does. With
# NOFIFO=1 the scheduling lines are left out. False without chrt when the
# unit sets a policy. Chrt is not told to reset on
# fork (CPUSchedulingResetOnFork=): ktlsd itself resets the workers it
# forks, which guest-nfs.sh checks. False when the unit has no ExecStart=.
unit_wrapper()
{
	uw_exec=$(unit_value ExecStart)
	[ -n "$uw_exec" ] || return 1
	# systemd's prefixes (-, @, +, !) would change the meaning: refuse them.
	case $uw_exec in [-@+!:]*) return 1 ;; esac
	uw_sched=
	uw_pol=$(unit_value CPUSchedulingPolicy)
	uw_prio=$(unit_value CPUSchedulingPriority)
	if [ "${2:-0}" != 1 ] && [ -n "$uw_pol" ]; then
		[ -x "$UNIT_CHRT" ] || return 1
		case $uw_pol in
		fifo) uw_sched="$UNIT_CHRT -f ${uw_prio:-1}" ;;
		rr) uw_sched="$UNIT_CHRT -r ${uw_prio:-1}" ;;
		other) uw_sched="$UNIT_CHRT -o 0" ;;
		batch) uw_sched="$UNIT_CHRT -b 0" ;;
		idle) uw_sched="$UNIT_CHRT -i 0" ;;
		*) return 1 ;;
		esac
	fi
	uw_nofile=$(unit_value LimitNOFILE)
	uw_umask=$(unit_value UMask)
	uw_rundir=$(unit_value RuntimeDirectory)
	uw_runmode=$(unit_value RuntimeDirectoryMode)
	{
		echo '#!/bin/sh'
		[ -z "$uw_nofile" ] || echo "ulimit -n $uw_nofile || exit 1"
		[ -z "$uw_umask" ] || echo "umask $uw_umask"
		[ -z "$uw_rundir" ] || echo "mkdir -p -m ${uw_runmode:-0755} /run/$uw_rundir || exit 1"
		echo "exec $uw_sched $uw_exec \"\$@\""
	} >"$1"
	chmod 0755 "$1"
	unit_cmd="${uw_sched:+$uw_sched }$uw_exec"
	echo "# ktlsd started as $UNIT_FILE starts it: $unit_cmd" \
		"(LimitNOFILE=${uw_nofile:-default} UMask=${uw_umask:-default}" \
		"RuntimeDirectory=${uw_rundir:-none}), plus -s (no syslog in the guest)"
}
