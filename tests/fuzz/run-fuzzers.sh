#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build every fuzz target with clang's libFuzzer, ASan and UBSan, straight
# from lib/src/*.c (no configure needed), and fuzz each one for a bounded
# time starting from its seed corpus. Exits non-zero when any target finds
# a crash, a leak, a timeout or an out-of-memory, after running them all.
#
#	tests/fuzz/run-fuzzers.sh [seconds per target] [target...]
#
# Seconds default to 60; targets to all (server client cert messages).
# Everything is built and written in a scratch directory under /tmp (the
# tree is never written to); it is removed on success unless KEEP=1, and
# kept on failure with the crashing inputs in artifacts/. Environment:
# CC (default clang), JOBS (libFuzzer -jobs per target, default 1),
# FUZZ_FLAGS (extra libFuzzer options).
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-server client cert messages}

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${CC:-clang}
jobs=${JOBS:-1}

case $secs in
*[!0-9]* | '') echo "usage: $0 [seconds] [target...]" >&2; exit 2 ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "$0: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi

work=$(mktemp -d /tmp/ktls-fuzz.XXXXXX)
echo "scratch: $work"
mkdir -p "$work/obj" "$work/artifacts"

crypto_cflags=$(pkg-config --cflags libcrypto 2>/dev/null || true)
crypto_libs=$(pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san -I$top/lib/include -I$top/lib/src $crypto_cflags"

# The library and the fixture: instrumented for coverage, no main().
objs=
for src in "$top"/lib/src/*.c "$here/fixture.c"; do
	obj="$work/obj/$(basename "$src" .c).o"
	"$cc" $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
	objs="$objs $obj"
done

status=0
summary=
for t in $targets; do
	src="$here/fuzz_$t.c"
	if [ ! -f "$src" ]; then
		echo "$0: no target $t" >&2
		exit 2
	fi
	"$cc" $cflags -fsanitize=fuzzer "$src" $objs $crypto_libs -lpthread \
		-o "$work/fuzz_$t"
	mkdir -p "$work/corpus/$t"
	log="$work/fuzz_$t.log"
	echo "fuzzing $t for ${secs}s (log: $log)"
	# The first directory takes new inputs; the seeds are only read.
	par=
	[ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
	rc=0
	# From $work: with -jobs, libFuzzer writes fuzz-<n>.log into the cwd.
	(cd "$work" && rm -f fuzz-*.log &&
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$work/fuzz_$t" -max_total_time="$secs" -max_len=20000 \
		-rss_limit_mb=2048 -timeout=25 -print_final_stats=1 $par \
		-artifact_prefix="$work/artifacts/$t-" ${FUZZ_FLAGS:-} \
		"$work/corpus/$t" "$here/corpus/$t") >"$log" 2>&1 || rc=$?
	cat "$work"/fuzz-*.log >>"$log" 2>/dev/null || true
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -n 1 |
		sed 's/.*: //')
	if [ "$rc" -ne 0 ] || ls "$work/artifacts/$t-"* >/dev/null 2>&1; then
		status=1
		why=$(grep -m1 -E 'ERROR|SUMMARY|runtime error|invariant|Timeout|out-of-memory' \
			"$log" || echo "exit $rc")
		line="FAIL $t ($cov, ${execs:-?} runs): $why"
		tail -n 40 "$log" >&2
	else
		line="ok   $t ($cov, ${execs:-?} runs)"
	fi
	echo "$line"
	summary="$summary$line
"
done

echo
printf '%s' "$summary"
if [ "$status" -ne 0 ]; then
	echo "crashing inputs kept in $work/artifacts/" >&2
	ls -l "$work/artifacts" >&2
elif [ "${KEEP:-0}" = 1 ]; then
	echo "kept $work"
else
	rm -rf "$work"
fi
exit "$status"
