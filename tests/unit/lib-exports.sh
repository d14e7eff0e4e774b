#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libktls.so.0 exports exactly the public API: the functions and objects
# declared in lib/include/ktls/*.h, the names in lib/src/libktls.map and
# the dynamic symbols of the built library are one and the same list, all
# under the version LIBKTLS_0. Run by make check (KTLS_SRCDIR and
# KTLS_BUILDDIR come from tests/unit/Makefile.am); needs nm.
set -eu
src=${KTLS_SRCDIR:?KTLS_SRCDIR is not set}
lib=${KTLS_BUILDDIR:?KTLS_BUILDDIR is not set}/lib/.libs/libktls.so.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declarations: "ktls_name(" and "extern ... ktls_name;", comments dropped.
sed 's|/\*.*\*/||' "$src"/lib/include/ktls/*.h | tr '\n' ' ' | sed 's|/\*[^*]*\*\+\([^/*][^*]*\*\+\)*/||g' |
	grep -oE '\bktls_[a-z0-9_]+ *\(|extern [^;]*\bktls_[a-z0-9_]+;' |
	grep -oE 'ktls_[a-z0-9_]+ *\(?;?$|ktls_[a-z0-9_]+ *\(' | tr -d ' (;' | sort -u >"$tmp/headers"
sed -n 's/^[[:space:]]*\(ktls_[a-z0-9_]*\);$/\1/p' "$src/lib/src/libktls.map" | sort -u >"$tmp/map"
nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^LIBKTLS_0$' >"$tmp/dynsyms"
grep -v '@@LIBKTLS_0$' "$tmp/dynsyms" >"$tmp/unversioned" || true
sed 's/@@LIBKTLS_0$//' "$tmp/dynsyms" | sort -u >"$tmp/exported"

fail=0
if ! diff -u "$tmp/headers" "$tmp/map"; then
	echo "lib-exports: headers (-) and libktls.map (+) differ" >&2
	fail=1
fi
if ! diff -u "$tmp/map" "$tmp/exported"; then
	echo "lib-exports: libktls.map (-) and $lib's exports (+) differ" >&2
	fail=1
fi
if [ -s "$tmp/unversioned" ]; then
	echo "lib-exports: exported without version LIBKTLS_0:" >&2
	cat "$tmp/unversioned" >&2
	fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "lib-exports: $(wc -l <"$tmp/exported") symbols, all in the headers and libktls.map, version LIBKTLS_0"
