#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Debian packages once, into a directory, for CI (.ci/run), the
# test command (tests/run-all.sh) and the VM demo (tests/vm/demo.sh), which
# all test the same .debs:
#
#   bash tests/pkg/build-debs.sh [-t TARBALL | -b BUILDDIR] OUTDIR
#
# The source is TARBALL (a `make dist` tarball), or a fresh `make dist` of
# the configured build directory BUILDDIR. It is unpacked into OUTDIR and
# built there with `dpkg-buildpackage -us -uc -b`, so OUTDIR ends up with
# the source tree (ktlsd-VERSION/), the .debs, the .changes and .buildinfo,
# and build.log. The build is keyed on the source's content (the sha256 of
# every file's name and bytes, not of the tarball, whose time stamps change
# with each `make dist`), kept in OUTDIR/source.sha256: when the key is
# unchanged and the ktlsd .deb is there, nothing is rebuilt.
# Exit: 0 with the packages in OUTDIR; 1 (build.log's tail printed) if not.
set -euo pipefail

usage()
{
	echo "usage: build-debs.sh [-t TARBALL | -b BUILDDIR] OUTDIR" >&2
	exit 2
}

tarball='' builddir=''
while getopts 't:b:h' opt; do
	case $opt in
	t) tarball=$OPTARG ;;
	b) builddir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || usage
[ -z "$tarball" ] || [ -z "$builddir" ] || usage
out=$1

log()
{
	printf 'build-debs: %s\n' "$*" >&2
}

for c in dpkg-buildpackage dh tar sha256sum; do
	command -v "$c" >/dev/null 2>&1 ||
		{ log "error: '$c' not found (install dpkg-dev and debhelper)"; exit 1; }
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "$out/.src.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -z "$tarball" ]; then
	[ -n "$builddir" ] || usage
	[ -f "$builddir/Makefile" ] || { log "error: $builddir is not a configured build directory"; exit 1; }
	log "make dist in $builddir"
	make -s -C "$builddir" distdir="ktlsd-debsrc" dist-gzip >"$tmp/dist.log" 2>&1 || {
		tail -n 30 "$tmp/dist.log" >&2
		log "error: make dist failed"
		exit 1
	}
	tarball=$builddir/ktlsd-debsrc.tar.gz
	mv "$tarball" "$tmp/"
	tarball=$tmp/ktlsd-debsrc.tar.gz
fi
[ -f "$tarball" ] || { log "error: no tarball $tarball"; exit 1; }

mkdir "$tmp/src"
tar -xzf "$tarball" -C "$tmp/src"
key=$(cd "$tmp/src" && find . -type f -print0 | LC_ALL=C sort -z |
	xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/source.sha256" 2>/dev/null)" = "$key" ] &&
	ls "$out"/ktlsd_*.deb >/dev/null 2>&1; then
	log "reusing the packages in $out (source unchanged, sha256 $key)"
	exit 0
fi

# A new source: start from an empty OUTDIR (but for our own temporary).
find "$out" -mindepth 1 -maxdepth 1 ! -path "$tmp" -exec rm -rf {} +
version=$(sed -n '1s/.*(\(.*\)).*/\1/p' "$tmp"/src/*/debian/changelog)
upstream=${version%-*}
mv "$tmp"/src/* "$out/ktlsd-$upstream"
log "dpkg-buildpackage -us -uc -b in $out/ktlsd-$upstream (log: $out/build.log)"
if ! (cd "$out/ktlsd-$upstream" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	log "error: dpkg-buildpackage failed"
	exit 1
fi
echo "$key" >"$out/source.sha256"
log "built: $(cd "$out" && echo ./*.deb)"
