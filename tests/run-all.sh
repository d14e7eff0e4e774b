#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The test command: build ktlsd out of tree and run every test suite.
#
#   bash tests/run-all.sh [--install-deps]
#
# --install-deps first installs every dependency with apt-get (Debian,
# as root; the list is in .ci/run). Then: autoreconf -fi, configure
# --enable-werror in a build directory, make, make check. A failing suite's
# test-suite.log is printed, and the last line counts the tests:
# "N passed, N failed, N skipped". Exit status 0 when nothing failed.
#
# Environment: KTLS_BUILD_DIR (default: build, under the source tree),
# KTLS_CHECK_DIRS (run make check only in these build subdirectories),
# KTLS_CONFIGURE_ARGS (more configure arguments), KTLS_JOBS (default 2),
# KTLS_TEST_STRICT=1 (a test that would skip for a missing tool fails),
# KTLS_DEB_DIR (the Debian packages built by tests/pkg/build-debs.sh, which
# the NFS and NVMe VM tests run: unset, and the VM tests are to run, they
# are built first from `make dist` into BUILD/debs, once per source), and
# CC, CFLAGS, LDFLAGS as configure takes them.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
install=0
for arg in "$@"; do
	case $arg in
	--install-deps) install=1 ;;
	-h | --help)
		sed -n '4,21s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "usage: tests/run-all.sh [--install-deps]" >&2
		exit 2
		;;
	esac
done

section()
{
	printf '\n---- %s ----\n' "$*"
}

if [ "$install" = 1 ]; then
	section "installing dependencies"
	bash "$top/.ci/run" install-deps
fi

build=${KTLS_BUILD_DIR:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
jobs=${KTLS_JOBS:-2}

cd "$top"
if [ -f config.status ]; then
	echo "error: $top is configured in place; run 'make distclean' there first" >&2
	exit 2
fi
section "autoreconf -fi"
autoreconf -fi

mkdir -p "$build"
cd "$build"
section "configure --enable-werror ${KTLS_CONFIGURE_ARGS:-} (in $build)"
# shellcheck disable=SC2086 # extra arguments are words
"$top/configure" --enable-werror ${KTLS_CONFIGURE_ARGS:-}

section "make -j$jobs"
make -j"$jobs"

# The VM tests of NFS and NVMe run the files of the ktlsd .deb: build the
# packages (cached on the source) unless given, or unless only some
# directories other than tests/vm are checked.
case " ${KTLS_CHECK_DIRS:-tests/vm} " in
*" tests/vm "*)
	if [ -z "${KTLS_DEB_DIR:-}" ]; then
		section "Debian packages for the VM tests: tests/pkg/build-debs.sh (in $build/debs)"
		if bash "$top/tests/pkg/build-debs.sh" -b "$build" "$build/debs"; then
			export KTLS_DEB_DIR=$build/debs
		else
			echo "warning: no .debs: the VM tests fall back to the build tree, or fail under KTLS_TEST_STRICT=1" >&2
		fi
	fi
	;;
esac

stamp=$build/.check-stamp
touch "$stamp"
rc=0
if [ -n "${KTLS_CHECK_DIRS:-}" ]; then
	for d in $KTLS_CHECK_DIRS; do
		section "make -j$jobs check in $d"
		make -j"$jobs" -C "$d" check || rc=1
	done
else
	section "make -j$jobs check"
	make -j"$jobs" -k check || rc=1
fi

# Count the results of this run from automake's .trs files.
read -r passed failed skipped < <(
	find . -name '*.trs' -newer "$stamp" -exec cat {} + 2>/dev/null |
	awk '/^:test-result:/ {
		r = $2
		if (r == "PASS" || r == "XFAIL") p++
		else if (r == "SKIP") s++
		else f++
	} END { printf "%d %d %d\n", p, f, s }')
echo "$passed $failed $skipped" >"$build/test-summary.txt"

if [ "$rc" != 0 ] || [ "$failed" != 0 ]; then
	rc=1
	find . -name test-suite.log -newer "$stamp" | sort | while read -r log; do
		grep -qE '^# (FAIL|ERROR|XPASS): +[1-9]' "$log" || continue
		section "$log"
		cat "$log"
	done
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
