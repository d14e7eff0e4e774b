#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The in-tree test vectors (tests/vectors) are unmodified copies: every file
# matches its SHA-256 in tests/vectors/SHA256SUMS, none is missing, and no
# file is there that the list does not name. Run by make check; needs
# $KTLS_SRCDIR (set by tests/unit/Makefile.am) and sha256sum.
set -eu
dir=${KTLS_SRCDIR:?KTLS_SRCDIR is not set}/tests/vectors
cd "$dir"
sha256sum --check --strict --quiet SHA256SUMS
# A missing file fails the check above; a file nobody listed fails here.
sed 's/^[0-9a-f]*  //' SHA256SUMS | sort >"${TMPDIR:-/tmp}/ktls-sums.$$"
extra=$(find rfc wycheproof -type f | sort | comm -13 "${TMPDIR:-/tmp}/ktls-sums.$$" -)
n=$(wc -l <"${TMPDIR:-/tmp}/ktls-sums.$$")
rm -f "${TMPDIR:-/tmp}/ktls-sums.$$"
if [ -n "$extra" ]; then
	echo "tests/vectors: not in SHA256SUMS: $extra" >&2
	exit 1
fi
echo "tests/vectors: $n files match SHA256SUMS"
