#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Payload of test-vm-psk-attack.sh, run inside the VM by /init (busybox ash):
# an attacker host against nvmet served by ktlsd. PSK identities are not
# secret ("NVMe0R01 <hostnqn> <subnqn>"), so the attacker names the right
# one and proves it with a binder made from an empty, a short or a wrong
# key, forcing a HelloRetryRequest (no key share, or only one for a group
# nobody knows). Each attempt must be refused: the attacker gets
# decrypt_error, ktlsd logs the server handshake as failed and counts it,
# and nvmet gets a non-zero status. Next to each attack, the same client
# with the right key through the same retry must be accepted (so a refusal
# means the key, not a broken client), and so must ktls-peer, an honest
# host on our engine, through a retry; the kernel's own host connects
# before and after. Each check prints one PASS/FAIL line; the last line is
# "N passed, N failed"; the exit status is 1 if anything failed.
#
# Programs added with run-vm.sh -b are called by full path: busybox runs its
# own applets first.

KTLSD=/usr/sbin/ktlsd
KEYCTL=/usr/bin/keyctl
ATTACK=/usr/local/bin/psk-hrr-client
PEER=/usr/local/bin/ktls-peer
FLOOD_PEER=/usr/local/bin/flood-peer
W=/tmp/attack
PORT=4420

show_log=${KTLSD_ATTACK_SHOW_LOG:-0}
missing_desc="setup: programs and kernel features present"
mkdir -p "$W"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /ktlsd/guest-lib.sh
# shellcheck source-path=SCRIPTDIR source=guest-nvme-lib.sh
. /ktlsd/guest-nvme-lib.sh

need_progs "$KTLSD" "$KEYCTL" "$ATTACK" "$PEER" "$FLOOD_PEER"

# ---- setup ---------------------------------------------------------------------

say "setting up: modules, a PSK in .nvme, ktlsd (x25519 only, so other shares need a retry), nvmet"
nvme_modules || missing "nvmet configfs, /dev/nvme-fabrics or /dev/nullb0 ($(tr '\n' ' ' <"$W/setup.out"))"
{
	echo "[debug]"
	echo "loglevel = ${KTLSD_ATTACK_LOGLEVEL:-0}"
	echo
	echo "[authenticate]"
	echo "keyrings = .nvme"
	echo
	echo "[ktlsd]"
	echo "user = nobody"
	echo "groups = x25519"
	echo "stats_socket = $W/ktlsd.stats"
} >"$W/ktlsd.conf"
t_begin "setup: PSK in .nvme, ktlsd ready, nvmet TLS port 127.0.0.1:$PORT"
t_true "keyctl padd failed" nvme_psk
t_true "ktlsd did not report ready" ktlsd_start "$W/ktlsd.log" 10 "$KTLSD" -s -c "$W/ktlsd.conf"
t_true "nvmet subsystem setup failed" nvme_target
t_true "nvmet port setup failed" nvme_port 1 $PORT
t_file "$W/setup.out"
t_file "$W/ktlsd.log"
t_end || finish
pid0=$ktlsd_pid
say "identity: $PSK_ID (key $PSK)"

# ---- helpers -------------------------------------------------------------------

# attempt NAME KEYARGS...: psk-hrr-client against the port, its output in
# $W/NAME.out with the statistics before and after; ktlsd's new log lines
# in $W/NAME.hs, the kernel's handshake statuses in $W/NAME.status.
attempt()
{
	a_name=$1
	shift
	mark_log
	trace_on
	f0=$(stat_value handshakes_failed)
	o0=$(stat_value handshakes_ok)
	"$ATTACK" --connect "127.0.0.1:$PORT" --psk-identity "$PSK_ID" --timeout 20 "$@" \
		>"$W/$a_name.out" 2>&1 </dev/null
	echo "exit=$?" >>"$W/$a_name.out"
	# ktlsd logs when the worker has answered; the client may see its
	# answer first. Wait for the line, then a moment for the DONE.
	i=0
	while [ "$(count_hs 'role=server')" = 0 ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
	f1=$(stat_value handshakes_failed)
	o1=$(stat_value handshakes_ok)
	new_handshakes >"$W/$a_name.hs"
	trace_statuses >"$W/$a_name.status"
	{
		echo "handshakes_failed $f0 -> $f1, handshakes_ok $o0 -> $o1"
		echo "kernel statuses: $(tr '\n' ' ' <"$W/$a_name.status")"
	} >>"$W/$a_name.out"
	sed 's/^/#   /' "$W/$a_name.out"
	show_handshakes
}

# refused NAME DESC KEYARGS...: the attack must be refused everywhere.
refused()
{
	r_name=$1
	r_desc=$2
	shift 2
	attempt "$r_name" "$@"
	t_begin "$r_desc: refused: the attacker gets decrypt_error; ktlsd logs a failed server PSK handshake and counts it; nvmet gets a non-zero status"
	t_want "$W/$r_name.out" 'result=refused alert=51'
	t_want "$W/$r_name.hs" '.*handshake role=server auth=psk .*result=failed errno=[1-9][0-9]* .*'
	t_reject "$W/$r_name.hs" '.*result=ok.*'
	t_true "handshakes_failed did not go up by one ($f0 -> $f1)" [ "$((f1 - f0))" = 1 ]
	t_true "handshakes_ok moved ($o0 -> $o1)" [ "$o1" = "$o0" ]
	t_want "$W/$r_name.status" '-[1-9][0-9]*'
	t_reject "$W/$r_name.status" '0'
	t_end
}

# accepted NAME DESC KEYARGS...: the same client with the right key. It
# stops at the ServerHello (it has no key schedule), so ktlsd's server ends
# with the peer gone, never with decrypt_error.
accepted()
{
	c_name=$1
	c_desc=$2
	shift 2
	attempt "$c_name" "$@"
	t_begin "$c_desc: accepted: the server answers with a ServerHello selecting the PSK, no alert"
	t_want "$W/$c_name.out" 'result=accepted psk_index=0'
	t_want "$W/$c_name.hs" '.*handshake role=server auth=psk .*'
	t_true "ktlsd sent an alert" sh -c "! grep -v ' alert_sent=none ' '$W/$c_name.hs' | grep -q ."
	t_end
}

SHORT=$(printf '%s' "$PSK_HEX" | cut -c1-32)
WRONG=$(od -An -v -tx1 -N32 /dev/urandom | tr -d ' \n')

# ---- 1. the kernel's host -------------------------------------------------------

say "1. control: the kernel's host connects with the right PSK"
mark_log
nvme_connect first $PORT
show_handshakes
if nvme_connected first; then
	ok "TLS connect of the kernel's host works (controller nvme$instance, $(value "$W/first.connect" seconds) s)"
else
	bad "TLS connect of the kernel's host works" "the connect failed" "$W/first.connect" "$W/ktlsd.log"
fi
nvme_disconnect

# ---- 2. the attacker -------------------------------------------------------------

say "2. the attacker: the right identity, keys it does not have, through a HelloRetryRequest"
refused hrr-empty "empty key, no key share (HelloRetryRequest)" --psk-empty --first-share none
accepted hrr-right "right key, no key share (HelloRetryRequest)" --psk-hex "$PSK_HEX" --first-share none
refused hrr-short "short key (16 of the 32 bytes), no key share (HelloRetryRequest)" \
	--psk-hex "$SHORT" --first-share none
refused hrr-wrong "wrong 32-byte key, no key share (HelloRetryRequest)" \
	--psk-hex "$WRONG" --first-share none
refused hrr-unknown-empty "empty key, a share only for an unknown group (HelloRetryRequest)" \
	--psk-empty --first-share unknown
accepted hrr-unknown-right "right key, a share only for an unknown group (HelloRetryRequest)" \
	--psk-hex "$PSK_HEX" --first-share unknown
# A first hello with a good binder (as replayed from an honest host), then
# a second one signed with a key the attacker made up.
refused replay-empty "the first hello's binder right (a replayed honest hello), the second's from an empty key" \
	--psk-hex "$PSK_HEX" --second-psk-empty --first-share none
refused replay-wrong "the first hello's binder right (a replayed honest hello), the second's from a wrong key" \
	--psk-hex "$PSK_HEX" --second-psk-hex "$WRONG" --first-share none
refused direct-empty "empty key, x25519 share (no retry)" --psk-empty --first-share x25519
accepted direct-right "right key, x25519 share (no retry)" --psk-hex "$PSK_HEX" --first-share x25519
# The right key went through a retry; a server may refuse a wrong binder
# already in the first hello, before any retry (RFC 8446 §4.2.11 lets it
# check the first hello's binder), or in the second.
rm -f "$W/no-hrr"
for n in hrr-right hrr-unknown-right replay-empty replay-wrong; do
	grep -q '^hello1=hrr group=0x001d' "$W/$n.out" || echo "$n" >>"$W/no-hrr"
done
if [ ! -e "$W/no-hrr" ]; then
	ok "the right key went through a HelloRetryRequest for x25519 (both ways of forcing one), and so did both replayed first hellos"
else
	bad "the right key went through a HelloRetryRequest for x25519 (both ways of forcing one), and so did both replayed first hellos" \
		"no retry for: $(tr '\n' ' ' <"$W/no-hrr")"
fi
for n in hrr-empty hrr-short hrr-wrong hrr-unknown-empty; do
	say "$n: refused at $(sed -n 's/^\(hello[12]\)=alert.*/\1/p' "$W/$n.out" | head -n 1)"
done

# ---- 3. an honest host on our engine through a retry -------------------------------

say "3. ktls-peer, the right key, shares only secp256r1 first: a retry to x25519, then the whole handshake"
mark_log
"$PEER" client --connect "127.0.0.1:$PORT" --psk-identity "$PSK_ID" --psk-hex "$PSK_HEX" \
	--groups secp256r1,x25519 --timeout 20 >"$W/peer-hrr.out" 2>&1 </dev/null
echo "exit=$?" >>"$W/peer-hrr.out"
sleep 0.3
new_handshakes >"$W/peer-hrr.hs"
sed 's/^/#   /' "$W/peer-hrr.out"
show_handshakes
t_begin "honest host (ktls-peer) with the right key through a HelloRetryRequest: handshake done on both ends"
t_wants "$W/peer-hrr.out" 'hrr=yes' 'exit=0'
t_want "$W/peer-hrr.hs" '.*handshake role=server auth=psk .*result=ok .*group=x25519.*'
t_end

# ---- 4. afterwards --------------------------------------------------------------------

say "4. after the attacks, the kernel's host still connects"
mark_log
nvme_connect again $PORT
show_handshakes
if nvme_connected again; then
	ok "TLS connect of the kernel's host still works"
else
	bad "TLS connect of the kernel's host still works" "the connect failed" "$W/again.connect"
fi
nvme_disconnect
"$FLOOD_PEER" stats "$W/ktlsd.stats" >"$W/stats.out" 2>&1
grep -E '^(handshakes_|alerts_|psk_lookups)' "$W/stats.out" | sed 's/^/#   stats: /'
if [ "$ktlsd_pid" = "$pid0" ] && kill -0 "$ktlsd_pid" 2>/dev/null &&
	[ "$(stat_value worker_restarts)" = 0 ]; then
	ok "ktlsd's monitor is the one that started (pid $pid0), no worker restarted"
else
	bad "ktlsd's monitor is the one that started, no worker restarted" "see the log" \
		"$W/ktlsd.log" "$W/stats.out"
fi
ktlsd_check_end

finish
