#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A refused client reads ktls-peer's alert, then EOF, not a TCP reset.
# Each hostile ClientHello (legacy_version 0x0300, RFC 8446 Appendix D.5;
# a key share group twice, §4.2.8) is followed by 128 KiB the server never
# reads: a close() with that unread input would answer with RST and may
# destroy the alert (§6). ktls-peer shuts its side down and drains first.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

it_modes "$@"

it_setup

# hex -> bytes on stdout (bash's printf, no xxd needed)
hex_out()
{
	local h=$1 i
	for ((i = 0; i < ${#h}; i += 2)); do
		printf '%b' "\\x${h:i:2}"
	done
}

# ClientHello records, written out by hand: TLS_AES_128_GCM_SHA256, x25519,
# ecdsa_secp256r1_sha256, supported_versions 1.3, no session id.
RANDOM32=$(printf '00%.0s' {1..32})
SHARE=001d00200102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
# after the random: session id <0>, suites <1301>, compression <00>
MIDDLE=00000213010100
EXT_TAIL=000d000400020403	# signature_algorithms
VERSIONS=002b0003020304
SUP_GROUPS=000a00040002001d
CH_SSL3=16030100700100006c0300$RANDOM32${MIDDLE}0041
CH_SSL3+=$VERSIONS${SUP_GROUPS}003300260024$SHARE$EXT_TAIL
CH_DUP=1603010094010000900303$RANDOM32${MIDDLE}0065
CH_DUP+=$VERSIONS${SUP_GROUPS}0033004a0048$SHARE$SHARE$EXT_TAIL

# refused NAME HELLO-HEX ALERT-HEX ALERT-NAME
refused()
{
	local name=$1 hello=$2 want=$3 alert=$4 out=$it_tmp/$1.bin err=$it_tmp/$1.err rc
	it_ktls_server "$name" --psk-identity "$IT_PSK_ID" --psk-hex "$IT_PSK" \
		--count 1 || { it_not_ok "$name: server did not start"; return; }
	it_context=("$it_server_out" "$err")
	if ! exec 3<>"/dev/tcp/127.0.0.1/$it_port"; then
		it_not_ok "$name: connect"
		it_stop "$it_server_pid"
		return
	fi
	{ hex_out "$hello"; head -c 131072 /dev/zero; } >&3 2>/dev/null
	timeout "$it_timeout" cat <&3 >"$out" 2>"$err"
	rc=$?
	exec 3<&- 3>&-
	it_reap "$it_server_pid" "$it_server_out"
	got=$(od -An -tx1 "$out" | tr -d ' \n')
	if [ "$rc" -eq 0 ] && [ "$got" = "1503030002$want" ]; then
		it_ok "$name: the alert, then EOF"
	else
		it_not_ok "$name: read '$got' (cat exit $rc)"
	fi
	it_expect "$name: ktls-peer reports it" "$it_server_out" "alert=$alert"
}

refused legacy-version-ssl3 "$CH_SSL3" 0246 protocol_version
refused duplicate-key-share "$CH_DUP" 022f illegal_parameter

it_summary
