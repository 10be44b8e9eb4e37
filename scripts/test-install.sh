#!/bin/sh
# `make install` into a temporary PREFIX (run by `make unit`): the binary,
# the man page, the configs and the docs land where the README says, the
# installed binary runs, its man page renders without warnings, and a
# DESTDIR staging puts the same tree under DESTDIR.
set -eu
cd "$(dirname "$0")/.."
t=$(mktemp -d /tmp/mvmm-install-XXXXXX)
trap 'rm -rf "$t"' EXIT
fail() { echo "install: FAIL: $*"; exit 1; }
make -s --no-print-directory install PREFIX="$t/usr" >"$t/make.log" 2>&1 ||
	{ cat "$t/make.log"; fail "make install PREFIX=$t/usr failed"; }
for f in bin/mvmm bin/mvmm-ctl share/man/man1/mvmm.1 share/mvmm/configs/node1.ini \
	share/mvmm/configs/node2.ini share/mvmm/configs/demo.ini share/doc/mvmm/README.md \
	share/doc/mvmm/config.md; do
	[ -s "$t/usr/$f" ] || fail "missing $f under PREFIX"
done
[ -x "$t/usr/bin/mvmm" ] || fail "bin/mvmm is not executable"
"$t/usr/bin/mvmm" --version | grep -q '^mvmm [0-9]' || fail "installed mvmm --version"
[ -x "$t/usr/bin/mvmm-ctl" ] || fail "bin/mvmm-ctl missing"
rc=0; "$t/usr/bin/mvmm-ctl" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "installed mvmm-ctl without arguments: expected usage status 2, got $rc"
for c in configs/*.ini; do
	cmp -s "$c" "$t/usr/share/mvmm/configs/${c##*/}" || fail "installed ${c##*/} differs"
done
# groff-base comes with `make deps`. Every option of --help is in the page.
w=$(groff -man -Tutf8 -ww -z "$t/usr/share/man/man1/mvmm.1" 2>&1)
[ -z "$w" ] || fail "man page warnings: $w"
groff -man -Tascii "$t/usr/share/man/man1/mvmm.1" 2>/dev/null | sed 's/\x08.//g' >"$t/man.txt"
for o in $("$t/usr/bin/mvmm" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	grep -q -- "$o" "$t/man.txt" || fail "the man page does not document $o"
done
make -s --no-print-directory install PREFIX=/opt/mvmm DESTDIR="$t/stage" >"$t/make.log" 2>&1 ||
	{ cat "$t/make.log"; fail "make install DESTDIR=... failed"; }
[ -x "$t/stage/opt/mvmm/bin/mvmm" ] || fail "DESTDIR staging: no $t/stage/opt/mvmm/bin/mvmm"
echo "install: make install PREFIX/DESTDIR: ok"
