#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install, reinstall, remove and purge test of the .deb packages (what
# piuparts checks, on this machine instead of a chroot): run as root with
# the directory holding ktlsd_*.deb, ktls-tools_*.deb, libktls0_*.deb and
# libktls-dev_*.deb. Checks after install that the daemon, the unit (enabled,
# with its tlshd.service alias), the configuration and the ktlsd user are in
# place, that a program built with `pkg-config --cflags --libs libktls`
# against the installed headers links and runs a handshake with the
# installed ktls-peer; that a reinstall keeps a changed configuration;
# that a host with tlshd's /etc/tlshd/config gets no ktlsd.conf; and that
# purge leaves nothing behind: no file of the packages, nothing named
# *ktls* or *tlshd* that was not there before, /etc and /var/lib/systemd as
# they were (the ktlsd system user stays, as Debian leaves system users).
#
# A policy-rc.d that refuses starts keeps the daemon from starting should
# systemd run here (without systemd as PID 1, deb-systemd-invoke does
# nothing anyway). Prints "pkg-install: N passed, N failed", and writes
# "PASSED FAILED 0" to $KTLS_SUMMARY if set (.ci/run adds it up).
#
# usage: tests/pkg/install-test.sh DEBDIR
set -uo pipefail

debdir=$(cd "${1:?usage: install-test.sh DEBDIR}" && pwd)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pkgs=(ktlsd ktls-tools libktls0 libktls-dev)
passed=0 failed=0

if [ "$(id -u)" != 0 ]; then
	echo "install-test: must run as root (dpkg -i)" >&2
	exit 1
fi
debs=()
for p in "${pkgs[@]}"; do
	f=$(ls "$debdir"/"${p}"_*.deb 2>/dev/null | head -n 1)
	if [ -z "$f" ]; then
		echo "install-test: no ${p}_*.deb in $debdir" >&2
		exit 1
	fi
	debs+=("$f")
done

work=$(mktemp -d)
policy=/usr/sbin/policy-rc.d
made_policy=0
made_tlshd=0
cleanup()
{
	[ "$made_policy" = 1 ] && rm -f "$policy"
	if [ "$made_tlshd" = 1 ]; then
		rm -f /etc/tlshd/config
		rmdir /etc/tlshd 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@" >"$work/out" 2>&1; then
		ok "$what"
	else
		bad "$what"
		sed 's/^/    /' "$work/out" | head -n 20
	fi
}

purge_all() {
	DEBIAN_FRONTEND=noninteractive dpkg --purge "${pkgs[@]}" >"$work/dpkg.log" 2>&1
}

# What the packages could leave: names, file types and link targets.
snapshot() { # snapshot FILE
	{
		find /etc /var/lib/systemd -xdev \
			\( -path /etc/ld.so.cache -o -name 'passwd*' -o -name 'group*' \
			   -o -name 'shadow*' -o -name 'gshadow*' -o -name 'subuid*' \
			   -o -name 'subgid*' \) -prune -o -printf '%y %p %l\n'
		find /etc /lib /usr /var/lib -xdev \( -path /var/lib/dpkg -prune \) -o \
			\( -iname '*ktls*' -o -iname '*tlshd*' \) -printf '%y %p %l\n'
	} 2>/dev/null | sort -u >"$1"
}

installed() { # installed PKG: dpkg says installed
	[ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# Someone's earlier run, interrupted: start clean.
for p in "${pkgs[@]}"; do
	if dpkg-query -W "$p" >/dev/null 2>&1; then
		echo "install-test: $p is installed already; purging it first"
		purge_all || true
		break
	fi
done
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# install-test.sh: no service starts during the test\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=1
fi
[ -e /etc/tlshd/config ] || [ -e /etc/tlshd.conf ] || tlshd_free=1

# The packages' dependencies from the archive first (dpkg -i resolves
# none), so that what they bring is in the "before" picture: on a fresh
# machine that is systemd, for systemd-sysusers.
deps=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Depends; echo; done |
	tr ',' '\n' | sed 's/^ *//; /^$/d' | grep -Ev '^(ktlsd|ktls-tools|libktls0|libktls-dev)( |$)' |
	sort -u | paste -sd, -)
if [ -n "$deps" ] && ! DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -q "$deps" >"$work/apt.log" 2>&1; then
	echo "install-test: apt-get satisfy '$deps' failed:" >&2
	tail -n 5 "$work/apt.log" >&2
fi
snapshot "$work/before"

echo "--- install: dpkg -i ${debs[*]##*/}"
check "dpkg -i of all four packages" env DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}"
for p in "${pkgs[@]}"; do
	check "$p is installed" installed "$p"
done
check "every file of each package is on disk" bash -c '
	for p in '"${pkgs[*]}"'; do
		dpkg -L "$p" | while read -r f; do
			[ -e "$f" ] || [ -L "$f" ] || { echo "missing: $f"; exit 1; }
		done || exit 1
	done'
check "ktlsd --version" /usr/sbin/ktlsd --version
check "ktlsctl installed with its manual" bash -c \
	'/usr/sbin/ktlsctl -h 2>&1 | grep -q "^usage: ktlsctl" && [ -f /usr/share/man/man8/ktlsctl.8.gz ]'
if [ "${tlshd_free:-0}" = 1 ]; then
	check "first install wrote /etc/ktlsd/ktlsd.conf (the default)" \
		cmp /usr/share/ktlsd/ktlsd.conf /etc/ktlsd/ktlsd.conf
	check "ktlsd --check-config reads it" bash -c \
		'/usr/sbin/ktlsd --check-config | grep -F /etc/ktlsd/ktlsd.conf'
fi
check "system user and group ktlsd, no login" bash -c \
	'getent passwd ktlsd | grep -q ":/usr/sbin/nologin$" && getent group ktlsd'
check "unit installed" test -f /lib/systemd/system/ktlsd.service
check "unit enabled (wanted by remote-fs.target)" \
	test -L /etc/systemd/system/remote-fs.target.wants/ktlsd.service
check "unit answers to tlshd.service" bash -c \
	'[ "$(readlink /etc/systemd/system/tlshd.service)" = /lib/systemd/system/ktlsd.service ]'
check "ktls-peer runs" bash -c '/usr/bin/ktls-peer --help 2>&1 | grep -q client'
check "man pages installed" test -f /usr/share/man/man8/ktlsd.8.gz -a \
	-f /usr/share/man/man3/ktls_handshake_socket.3.gz
check "libktls.so.0 resolves from the system" bash -c \
	'ldconfig -p | grep -q "libktls.so.0 "'

# The example against the installed package only: no -I into the tree.
echo "--- example: docs/examples/ktls-connect.c with pkg-config libktls"
check "pkg-config --cflags --libs libktls" pkg-config --exists libktls
check "ktls-connect builds against the installed package" bash -c \
	"cc -Wall -Wextra -Werror -o '$work/ktls-connect' '$top/docs/examples/ktls-connect.c' \
		\$(pkg-config --cflags --libs libktls)"
check "ktls-connect links the installed libktls.so.0" bash -c \
	"ldd '$work/ktls-connect' | grep -Eq 'libktls\.so\.0 => /(usr/)?lib/[^ ]*/libktls\.so\.0 '"
check "make the test PKI" bash "$top/tests/interop/mkcerts.sh" "$work/pki"
/usr/bin/ktls-peer server --listen 127.0.0.1:0 --count 1 --cert "$work/pki/server-p256.pem" \
	--key "$work/pki/server-p256.key" >"$work/server.log" 2>&1 &
srv=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.log")
	[ -n "$port" ] && break
	sleep 0.1
done
# With kernel TLS here the line comes back through the kernel; without it
# (no tls module) the handshake still completes and the install is refused.
"$work/ktls-connect" -c "$work/pki/ca.pem" -n localhost -m "ping" 127.0.0.1 "$port" \
	>"$work/client.log" 2>&1
rc=$?
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
if [ $rc = 0 ] && grep -q '^kernel TLS: ' "$work/client.log" && grep -qx ping "$work/client.log"; then
	ok "ktls-connect: handshake, kernel TLS, echo"
elif [ ! -d /sys/module/tls ] && grep -q 'I/O error' "$work/client.log" &&
     ! grep -q 'alert\|closed\|timed out' "$work/client.log"; then
	ok "ktls-connect: handshake done; this kernel has no kernel TLS, install refused ($(tail -n 1 "$work/client.log"))"
else
	bad "ktls-connect against the installed ktls-peer (rc $rc)"
	sed 's/^/    /' "$work/client.log" "$work/server.log"
fi

echo "--- reinstall (upgrade to the same version) keeps a changed configuration"
if [ -e /etc/ktlsd/ktlsd.conf ]; then
	echo "#local change" >>/etc/ktlsd/ktlsd.conf
	check "dpkg -i again" env DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}"
	check "configuration kept" grep -qx '#local change' /etc/ktlsd/ktlsd.conf
fi

echo "--- remove: the configuration stays, the programs go"
check "dpkg --remove" env DEBIAN_FRONTEND=noninteractive dpkg --remove "${pkgs[@]}"
check "programs removed" bash -c '! [ -e /usr/sbin/ktlsd ] && ! [ -e /usr/sbin/ktlsctl ] && ! [ -e /usr/bin/ktls-peer ] &&
	! ls /usr/lib/*/libktls.so* >/dev/null 2>&1'
if [ "${tlshd_free:-0}" = 1 ]; then
	check "configuration kept after remove" test -f /etc/ktlsd/ktlsd.conf
fi

echo "--- purge: nothing left"
check "dpkg --purge" purge_all
for p in "${pkgs[@]}"; do
	check "$p is gone from dpkg" bash -c "! dpkg-query -W '$p' >/dev/null 2>&1"
done
snapshot "$work/after"
check "no file left behind (/etc, /var/lib/systemd, *ktls*, *tlshd*)" \
	diff -u "$work/before" "$work/after"

# A host that ran tlshd: its configuration is read, not replaced.
if [ "${tlshd_free:-0}" = 1 ]; then
	echo "--- a host with tlshd's /etc/tlshd/config"
	mkdir -p /etc/tlshd
	printf '[debug]\nloglevel=0\n' >/etc/tlshd/config
	made_tlshd=1
	check "dpkg -i ktlsd" env DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[0]}"
	check "no /etc/ktlsd/ktlsd.conf written" test ! -e /etc/ktlsd/ktlsd.conf
	check "ktlsd --check-config reads /etc/tlshd/config" bash -c \
		'/usr/sbin/ktlsd --check-config | grep -F /etc/tlshd/config'
	check "dpkg --purge ktlsd" purge_all
	check "tlshd's configuration untouched by purge" \
		grep -qx 'loglevel=0' /etc/tlshd/config
	rm -f /etc/tlshd/config
	rmdir /etc/tlshd 2>/dev/null
	made_tlshd=0
	snapshot "$work/after2"
	check "nothing left behind after the tlshd case" diff -u "$work/before" "$work/after2"
fi

echo "pkg-install: $passed passed, $failed failed"
[ -z "${KTLS_SUMMARY:-}" ] || echo "$passed $failed 0" >"$KTLS_SUMMARY"
[ "$failed" = 0 ]
