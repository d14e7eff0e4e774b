# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# NVMe/TCP helpers shared by the hostile-peer payloads (guest-psk-attack.sh,
# guest-flood.sh), sourced inside the VM as /ktlsd/guest-nvme-lib.sh after
# guest-lib.sh: the modules, a retained PSK in .nvme, an nvmet subsystem with
# TLS ports, and connects through /dev/nvme-fabrics. Same steps as
# guest-nvme.sh, which explains each of them.
#
# The payload sets W (work directory) and KEYCTL; these set, or use:
#   CFS SUBNQN HOSTID HOSTNQN PSK_ID   the target and the PSK identity
#   PSK                                the key's serial (nvme_psk)
#   $W/psk.bin                         its 32 bytes; PSK_HEX the same in hex
#   instance                           the controller of the last connect

CFS=/sys/kernel/config/nvmet
SUBNQN=nqn.2026-01.org.ktlsd:nvme-hostile-test
HOSTID=$(cat /proc/sys/kernel/random/uuid)
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:$HOSTID
PSK_ID="NVMe0R01 $HOSTNQN $SUBNQN"
# A connect that is refused or hangs gives up after this long.
NVME_T=${NVME_T:-60}

# nvme_modules: tls, nvmet(-tcp), nvme-tcp and a memory-backed null_blk;
# true when configfs, /dev/nvme-fabrics and /dev/nullb0 are there.
nvme_modules()
{
	{
		modprobe tls && modprobe nvmet && modprobe nvmet-tcp && modprobe nvme-tcp &&
			modprobe null_blk nr_devices=1 memory_backed=1 gb=1
	} >>"$W/setup.out" 2>&1
	i=0
	while [ ! -b /dev/nullb0 ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -d "$CFS" ] && [ -c /dev/nvme-fabrics ] && [ -b /dev/nullb0 ]
}

# nvme_psk: 32 random bytes as the retained PSK for (HOSTNQN, SUBNQN) in
# .nvme; sets PSK (its serial) and PSK_HEX; true when it was added.
nvme_psk()
{
	dd if=/dev/urandom of="$W/psk.bin" bs=32 count=1 2>/dev/null
	# shellcheck disable=SC2034 # used by the payloads
	PSK_HEX=$(od -An -v -tx1 "$W/psk.bin" | tr -d ' \n')
	PSK=$("$KEYCTL" padd psk "$PSK_ID" %:.nvme <"$W/psk.bin" 2>>"$W/setup.out")
	case $PSK in '' | *[!0-9]*) return 1 ;; esac
}

# nvme_target: the subsystem, its one allowed host, namespace 1 on
# /dev/nullb0; true on success.
nvme_target()
{
	{
		mkdir "$CFS/subsystems/$SUBNQN" &&
			echo 0 >"$CFS/subsystems/$SUBNQN/attr_allow_any_host" &&
			mkdir "$CFS/hosts/$HOSTNQN" &&
			ln -s "$CFS/hosts/$HOSTNQN" "$CFS/subsystems/$SUBNQN/allowed_hosts/$HOSTNQN" &&
			mkdir "$CFS/subsystems/$SUBNQN/namespaces/1" &&
			printf /dev/nullb0 >"$CFS/subsystems/$SUBNQN/namespaces/1/device_path" &&
			echo 1 >"$CFS/subsystems/$SUBNQN/namespaces/1/enable"
	} >>"$W/setup.out" 2>&1
}

# nvme_port ID PORT: an nvmet port 127.0.0.1:PORT with addr_tsas=tls1.3
# (TLS required) exporting the subsystem; true when it is up.
nvme_port()
{
	p=$CFS/ports/$1
	{
		mkdir "$p" && echo tcp >"$p/addr_trtype" && echo ipv4 >"$p/addr_adrfam" &&
			echo 127.0.0.1 >"$p/addr_traddr" && echo "$2" >"$p/addr_trsvcid" &&
			echo tls1.3 >"$p/addr_tsas" &&
			ln -s "$CFS/subsystems/$SUBNQN" "$p/subsystems/$SUBNQN"
	} >>"$W/setup.out" 2>&1 && grep -q required "$p/addr_treq"
}

# nvme_connect NAME PORT [OPTIONS]: a TLS host connect to 127.0.0.1:PORT;
# $W/NAME.connect gets the options, the answer or error, exit=N and
# seconds=S; sets instance.
nvme_connect()
{
	opts="transport=tcp,traddr=127.0.0.1,trsvcid=$2,nqn=$SUBNQN,hostnqn=$HOSTNQN,hostid=$HOSTID,tls"
	[ -z "${3:-}" ] || opts="$opts,$3"
	echo "options: $opts" >"$W/$1.connect"
	c_t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2016 # $1 is the inner shell's
	timeout "$NVME_T" sh -c '
		exec 3<>/dev/nvme-fabrics || exit 1
		printf "%s" "$1" >&3 || exit 1
		read -r answer <&3
		echo "answer: $answer"
	' connect "$opts" >>"$W/$1.connect" 2>&1
	c_rc=$?
	echo "seconds=$(awk -v a="$c_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.2f", b - a }')" >>"$W/$1.connect"
	echo "exit=$c_rc" >>"$W/$1.connect"
	instance=$(sed -n 's/^answer: instance=\([0-9]*\).*/\1/p' "$W/$1.connect")
}

nvme_connected()
{
	grep -qx 'exit=0' "$W/$1.connect" && [ -n "$instance" ]
}

nvme_disconnect()
{
	[ -n "$instance" ] && [ -e "/sys/class/nvme/nvme$instance/delete_controller" ] || return 0
	echo 1 >"/sys/class/nvme/nvme$instance/delete_controller" 2>/dev/null
	i=0
	while [ -e "/sys/class/nvme/nvme$instance" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# ---- the kernel's view of the handshakes -----------------------------------

# trace_on: record handshake_complete events (the status each consumer
# got) from now on; trace_statuses: the statuses recorded since, one a line.
trace_on()
{
	tr=/sys/kernel/tracing
	echo 0 >$tr/tracing_on
	echo 4096 >$tr/buffer_size_kb
	echo 1 >$tr/events/handshake/handshake_complete/enable
	echo >$tr/trace
	echo 1 >$tr/tracing_on
}

trace_statuses()
{
	sed -n 's/.*handshake_complete:.* status=\(-\{0,1\}[0-9]*\).*/\1/p' /sys/kernel/tracing/trace
}

# stat_value KEY: KEY's value on ktlsd's statistics socket $W/ktlsd.stats.
stat_value()
{
	"$FLOOD_PEER" stats "$W/ktlsd.stats" 2>/dev/null | sed -n "s/^$1=//p"
}
