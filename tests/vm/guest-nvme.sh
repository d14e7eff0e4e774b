#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of test-vm-nvme.sh, run inside the VM by /init (busybox ash):
# NVMe/TCP with TLS 1.3 (TP 8011, PSK) on loopback, with ktlsd doing both
# ends of every handshake: the in-kernel NVMe/TCP target (nvmet-tcp, a port
# with addr_tsas=tls1.3 exporting a memory-backed null_blk namespace) and the
# in-kernel host (nvme-tcp, connected through /dev/nvme-fabrics). Both find
# the retained PSK "NVMe0R01 <hostnqn> <subnqn>" in the kernel's .nvme
# keyring. Each check prints one PASS/FAIL line; ktlsd's per-handshake log
# lines are shown as they happen; the last line is "N passed, N failed"; the
# exit status is 1 if anything failed (77 when a program is missing, 1 under
# KTLS_TEST_STRICT=1).
#
# Programs added with run-vm.sh -b are called by full path: busybox runs its
# own applets first.

KTLSD=/usr/sbin/ktlsd
KEYCTL=/usr/bin/keyctl
W=/tmp/nvme
CFS=/sys/kernel/config/nvmet
PORT=4420
SUBNQN=nqn.2026-01.org.ktlsd:nvme-tls-test
HOSTID=$(cat /proc/sys/kernel/random/uuid)
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:$HOSTID
PSK_ID="NVMe0R01 $HOSTNQN $SUBNQN"
# A connect that is refused or hangs gives up after this long (the kernel's
# own handshake timeout is 10 s).
T=60

show_log=${KTLSD_NVME_SHOW_LOG:-0}
missing_desc="setup: programs and kernel features present"
mkdir -p "$W"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /ktlsd/guest-lib.sh
# shellcheck source-path=SCRIPTDIR source=guest-unit.sh
. /ktlsd/guest-unit.sh

# ---- helpers -------------------------------------------------------------------

# connect NAME OPTIONS: write "transport=tcp,...,OPTIONS" to /dev/nvme-fabrics
# and read back the controller it made. $W/NAME.connect gets the options,
# the answer (instance=N,cntlid=N) or the error, and exit=N.
connect()
{
	opts="transport=tcp,traddr=127.0.0.1,trsvcid=$PORT,nqn=$SUBNQN,hostnqn=$HOSTNQN,hostid=$HOSTID"
	[ -z "$2" ] || opts="$opts,$2"
	echo "options: $opts" >"$W/$1.connect"
	# shellcheck disable=SC2016 # $1 is the inner shell's
	timeout "$T" sh -c '
		exec 3<>/dev/nvme-fabrics || exit 1
		printf "%s" "$1" >&3 || exit 1
		read -r answer <&3
		echo "answer: $answer"
	' connect "$opts" >>"$W/$1.connect" 2>&1
	echo "exit=$?" >>"$W/$1.connect"
	instance=$(sed -n 's/^answer: instance=\([0-9]*\).*/\1/p' "$W/$1.connect")
}

# Why a connect failed: the write to /dev/nvme-fabrics only says "failed",
# so the kernel's last nvme message since mark_log.
connect_msg()
{
	new_dmesg "$W/$1.dmesg"
	grep -i 'nvme' "$W/$1.dmesg" | tail -n 1 | sed 's/^\[[^]]*\] //'
}

connected()
{
	grep -qx 'exit=0' "$W/$1.connect" && [ -n "$instance" ]
}

disconnect()
{
	[ -n "$instance" ] && [ -e "/sys/class/nvme/nvme$instance/delete_controller" ] || return 0
	echo 1 >"/sys/class/nvme/nvme$instance/delete_controller" 2>/dev/null
	i=0
	while [ -e "/sys/class/nvme/nvme$instance" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# The namespace's block device of controller $instance (waits for it).
namespace_dev()
{
	i=0
	while [ $i -lt 100 ]; do
		for d in /sys/class/nvme/nvme"$instance"/nvme*n1 /sys/block/nvme"$instance"n1; do
			if [ -e "$d" ] && [ -b "/dev/${d##*/}" ]; then
				echo "/dev/${d##*/}"
				return 0
			fi
		done
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

md5()
{
	md5sum | cut -d' ' -f1
}

# ---- setup ---------------------------------------------------------------------

need_progs "$KTLSD" "$KEYCTL"

say "setting up: kernel modules, a PSK in .nvme, ktlsd, an nvmet TLS port"
{
	modprobe tls && modprobe nvmet && modprobe nvmet-tcp && modprobe nvme-tcp &&
		modprobe null_blk nr_devices=1 memory_backed=1 gb=1
} >"$W/setup.out" 2>&1
i=0
while [ ! -b /dev/nullb0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -d "$CFS" ] || [ ! -c /dev/nvme-fabrics ] || [ ! -b /dev/nullb0 ]; then
	missing "nvmet configfs, /dev/nvme-fabrics or /dev/nullb0 ($(tr '\n' ' ' <"$W/setup.out"))"
fi

# The retained PSK, 32 random bytes (SHA-256, hence NVMe0R01), in .nvme where
# both the host and the target look for it; and for the wrong-PSK check a key
# with the same identity but other bytes, outside .nvme.
dd if=/dev/urandom of="$W/psk.bin" bs=32 count=1 2>/dev/null
dd if=/dev/urandom of="$W/wrong.bin" bs=32 count=1 2>/dev/null
{
	echo "identity: $PSK_ID"
	PSK=$("$KEYCTL" padd psk "$PSK_ID" %:.nvme <"$W/psk.bin")
	echo "psk key: ${PSK:-failed}"
	WRONG=$("$KEYCTL" padd psk "$PSK_ID" @u <"$W/wrong.bin")
	echo "wrong key (in @u): ${WRONG:-failed}"
	"$KEYCTL" show %:.nvme
} >"$W/keys.out" 2>&1
case $PSK$WRONG in
'' | *[!0-9]*)
	bad "setup: PSK 'NVMe0R01 <hostnqn> <subnqn>' added to the .nvme keyring" \
		"keyctl padd failed" "$W/keys.out"
	finish
	;;
esac
ok "setup: PSK 'NVMe0R01 <hostnqn> <subnqn>' added to the .nvme keyring (key $PSK)"
sed 's/^/#   /' "$W/keys.out"

# Drop-in for the reference agent: its own configuration file, in its own
# format and place, and ktlsd started exactly as "tlshd -s" would be.
mkdir -p /etc/tlshd
cat >/etc/tlshd/config <<EOF
[debug]
loglevel=${KTLSD_NVME_LOGLEVEL:-0}
tls=0
nl=0

[authenticate]
keyrings=.nvme

[authenticate.client]

[authenticate.server]
EOF
# ktlsd starts as the package's unit starts it (guest-unit.sh): ExecStart=
# has no -c, so with no /etc/ktlsd/ktlsd.conf it falls back to tlshd's file.
if ! unit_wrapper "$W/ktlsd-start"; then
	bad "setup: ktlsd's command from the unit's ExecStart= and CPUScheduling*=" \
		"no usable ExecStart= or no chrt" "$UNIT_FILE"
	finish
fi
ktlsd_start "$W/ktlsd.log" 10 "$W/ktlsd-start" -s
if grep -q 'ready: /etc/tlshd/config' "$W/ktlsd.log"; then
	ok "setup: ktlsd, started as the unit starts it, reads tlshd's /etc/tlshd/config (no ktlsd.conf) and reports ready"
else
	bad "setup: ktlsd, started as the unit starts it, reads tlshd's /etc/tlshd/config and reports ready" \
		"no 'ready: /etc/tlshd/config' line" "$W/ktlsd.log"
	finish
fi

# The target: subsystem, allowed host, namespace on /dev/nullb0, TLS port.
{
	set -e
	mkdir "$CFS/subsystems/$SUBNQN"
	echo 0 >"$CFS/subsystems/$SUBNQN/attr_allow_any_host"
	mkdir "$CFS/hosts/$HOSTNQN"
	ln -s "$CFS/hosts/$HOSTNQN" "$CFS/subsystems/$SUBNQN/allowed_hosts/$HOSTNQN"
	mkdir "$CFS/subsystems/$SUBNQN/namespaces/1"
	printf /dev/nullb0 >"$CFS/subsystems/$SUBNQN/namespaces/1/device_path"
	echo 1 >"$CFS/subsystems/$SUBNQN/namespaces/1/enable"
	mkdir "$CFS/ports/1"
	echo tcp >"$CFS/ports/1/addr_trtype"
	echo ipv4 >"$CFS/ports/1/addr_adrfam"
	echo 127.0.0.1 >"$CFS/ports/1/addr_traddr"
	echo $PORT >"$CFS/ports/1/addr_trsvcid"
	echo tls1.3 >"$CFS/ports/1/addr_tsas"
	ln -s "$CFS/subsystems/$SUBNQN" "$CFS/ports/1/subsystems/$SUBNQN"
	set +e
} >>"$W/setup.out" 2>&1
setup_rc=$?
for a in addr_trtype addr_adrfam addr_traddr addr_trsvcid addr_tsas addr_treq; do
	echo "$a=$(cat "$CFS/ports/1/$a" 2>/dev/null)" >>"$W/setup.out"
done
if [ $setup_rc = 0 ] && grep -qx 'addr_tsas=tls1.3' "$W/setup.out" &&
	grep -q 'addr_treq=.*required' "$W/setup.out"; then
	ok "setup: nvmet port 127.0.0.1:$PORT with addr_tsas=tls1.3, treq $(sed -n 's/^addr_treq=//p' "$W/setup.out")"
else
	bad "setup: nvmet port 127.0.0.1:$PORT with addr_tsas=tls1.3" "configfs setup failed" \
		"$W/setup.out"
	finish
fi
say "target: $SUBNQN, namespace 1 = /dev/nullb0 (null_blk, memory-backed), host $HOSTNQN"

# ---- 1. connect with TLS -------------------------------------------------------------

say "1. host connects with 'tls': the PSK for (hostnqn, subnqn) is found in .nvme"
mark_log
connect tls tls
show_handshakes
if connected tls; then
	ok "TLS connect to the TLS-only port works (controller nvme$instance)"
else
	bad "TLS connect to the TLS-only port works" "the connect failed" "$W/tls.connect"
	new_dmesg "$W/dmesg.out"
	bad "(kernel log)" "" "$W/dmesg.out"
	finish
fi
c=$(count_hs 'role=client auth=psk .*result=ok')
s=$(count_hs 'role=server auth=psk .*result=ok')
nf=$(count_hs 'result=failed')
# One handshake per queue: the admin queue and one I/O queue per CPU.
if [ "$c" -ge 2 ] && [ "$c" = "$s" ] && [ "$nf" = 0 ]; then
	ok "ktlsd did both ends of every queue: $c host (client) and $s target (server) PSK handshakes ok"
else
	bad "ktlsd did both ends of every queue" "client ok: $c, server ok: $s, failed: $nf" "$W/ktlsd.log"
fi
key=$(cat "/sys/class/nvme/nvme$instance/tls_key" 2>/dev/null)
want=$(printf '%08x' "$PSK")
if [ "$key" = "$want" ]; then
	ok "the controller uses our PSK (sysfs tls_key $key = key $PSK)"
else
	bad "the controller uses our PSK" "sysfs tls_key '${key:-none}', want $want"
fi
say "kTLS on the queues: TlsCurrTxSw=$(tls_stat TlsCurrTxSw) TlsCurrRxSw=$(tls_stat TlsCurrRxSw)"

dev=$(namespace_dev)
dd if=/dev/urandom of="$W/block" bs=64k count=16 2>/dev/null
sum=$(md5 <"$W/block")
# 1 MiB at offset 4 MiB, around the page cache both ways.
dd if="$W/block" of="$dev" bs=64k seek=64 count=16 oflag=direct conv=fsync \
	>"$W/dd.out" 2>&1
back=$(dd if="$dev" bs=64k skip=64 count=16 iflag=direct 2>>"$W/dd.out" | md5)
echo 3 >/proc/sys/vm/drop_caches
target=$(dd if=/dev/nullb0 bs=64k skip=64 count=16 iflag=direct 2>>"$W/dd.out" | md5)
if [ -n "$dev" ] && [ "$back" = "$sum" ] && [ "$target" = "$sum" ]; then
	ok "1 MiB written to $dev over NVMe/TCP+TLS reads back intact, and is on the target's /dev/nullb0 (md5 $sum)"
else
	bad "1 MiB written to ${dev:-the namespace} over NVMe/TCP+TLS reads back intact and is on the target" \
		"md5: wrote $sum, read back ${back:-none}, on /dev/nullb0 ${target:-none}" "$W/dd.out"
fi
disconnect
if [ ! -e "/sys/class/nvme/nvme$instance" ]; then
	ok "disconnect (delete_controller) works"
else
	bad "disconnect (delete_controller) works" "nvme$instance is still there"
fi

# ---- 2. a keyring passed with keyring= ----------------------------------------------

say "2. host connects with 'tls,keyring=K': the PSK is in a keyring of our own"
# The kernel links K into ktlsd's process keyring at ACCEPT, which needs
# LINK permission for ktlsd (here root possesses K through @u; elsewhere
# grant it with setperm, as here: possessor all, user view|read|search|link).
{
	KR=$("$KEYCTL" newring ktlsd-nvme-test @u)
	echo "keyring: $KR"
	"$KEYCTL" setperm "$KR" 0x3f1b0000
	KPSK=$("$KEYCTL" padd psk "$PSK_ID" "$KR" <"$W/psk.bin")
	echo "psk key in it: $KPSK"
} >"$W/keyring.out" 2>&1
mark_log
connect keyring "tls,keyring=$KR"
show_handshakes
key=$(cat "/sys/class/nvme/nvme$instance/tls_key" 2>/dev/null)
if connected keyring && [ "$key" = "$(printf '%08x' "$KPSK")" ] &&
	[ "$(count_hs 'result=failed')" = 0 ]; then
	ok "TLS connect with keyring=$KR works and uses the PSK found there (key $KPSK)"
else
	bad "TLS connect with keyring=$KR works and uses the PSK found there" \
		"connect failed or tls_key '${key:-none}' is not $KPSK" "$W/keyring.out" \
		"$W/keyring.connect" "$W/ktlsd.log"
fi
disconnect

# ---- 3. refusals -------------------------------------------------------------------------

say "3. a wrong PSK: the host offers a key with the right identity but other bytes (tls_key=$WRONG)"
mark_log
connect wrongpsk "tls,tls_key=$WRONG"
show_handshakes
if ! connected wrongpsk; then
	ok "connect with the wrong PSK is refused ($(connect_msg wrongpsk))"
else
	bad "connect with the wrong PSK is refused" "it connected (nvme$instance)" "$W/wrongpsk.connect"
	disconnect
fi
c=$(count_hs 'role=client auth=psk .*result=failed')
s=$(count_hs 'role=server auth=psk .*result=failed')
okc=$(count_hs 'result=ok')
if [ "$c" -ge 1 ] && [ "$s" -ge 1 ] && [ "$okc" = 0 ]; then
	ok "ktlsd failed both ends of the wrong-PSK handshake, none succeeded"
else
	bad "ktlsd failed both ends of the wrong-PSK handshake, none succeeded" \
		"client failed: $c, server failed: $s, ok: $okc" "$W/ktlsd.log"
fi

say "4. a plain (no TLS) connect to the TLS-only port"
mark_log
connect plain ""
if ! connected plain; then
	ok "plain connect to the TLS-only port is refused ($(connect_msg plain))"
else
	bad "plain connect to the TLS-only port is refused" "it connected (nvme$instance)" "$W/plain.connect"
	disconnect
fi
show_handshakes
# nvmet in 6.12 hands a TLS port's connection to the agent whatever arrives
# first, so ktlsd sees the plaintext ICReq where a ClientHello should be.
n=$(count_hs .)
nok=$(count_hs 'result=ok')
nbad=$(count_hs 'role=server auth=psk .*result=failed errno=13 ')
if [ "$nok" = 0 ] && [ "$n" = "$nbad" ]; then
	if [ "$n" = 0 ]; then
		ok "no handshake was made for the plain connect"
	else
		ok "the target's handshake on the plaintext connection failed in ktlsd (EACCES), none succeeded"
	fi
else
	bad "no handshake succeeded for the plain connect" \
		"$n handshake lines, $nok ok, $nbad server EACCES" "$W/ktlsd.log"
fi

say "5. after the refusals, TLS still works"
mark_log
connect again tls
show_handshakes
if connected again && dev=$(namespace_dev) &&
	[ "$(dd if="$dev" bs=64k skip=64 count=16 iflag=direct 2>/dev/null | md5)" = "$sum" ]; then
	ok "a new TLS connect works and still reads the block written before"
else
	bad "a new TLS connect works and still reads the block written before" \
		"connect or read failed" "$W/again.connect"
fi
disconnect

# ---- ktlsd itself ------------------------------------------------------------------------

ktlsd_check_end

finish
