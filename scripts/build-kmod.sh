#!/usr/bin/env bash
# Build the guest driver guest-kmod/mock-accel.ko against the stock guest
# kernel's headers (Debian linux-headers-<ver>-cloud-amd64, the version
# behind linux-image-cloud-amd64, resolved at run time; MVMM_KERNEL_VERSION
# pins it).
#
# Nothing is installed system-wide. The kernel cache of tests/testhost/lib.sh
# (${MVMM_CACHE:-~/.cache/mvmm}/kernel/<ver>/root) already holds the two
# extracted header packages (<ver>-cloud-amd64 and <ver>-common); this script
# adds Debian's kbuild tools package (linux-kbuild-<major.minor>, the one the
# headers depend on, same version when apt still has it) extracted into the
# same root, where the headers' relative `scripts`/`tools` symlinks
# (../../lib/linux-kbuild-X/...) find them, and points the cloud-amd64
# Makefile's absolute `include /usr/src/linux-headers-<ver>-common/Makefile`
# at the extracted copy. The result is a normal kbuild tree:
#   make -C guest-kmod KDIR=<printed headers dir>
# System packages needed (scripts/deps.sh installs them): the compiler the
# kernel was built with (gcc-12 for Debian 12's 6.1, read from the headers'
# .kernelvariables), make, and libelf1 (objtool).
#
# usage: scripts/build-kmod.sh [--print-kdir] [--keep-warnings]
#   --print-kdir     only prepare the headers and print the KDIR
#   --keep-warnings  do not fail when the compiler or modpost warn
# Prints the module path and the build time; exit non-zero on any failure,
# including a warning (unless --keep-warnings).
set -eu
. "$(dirname "$0")/../tests/testhost/lib.sh"

print_kdir=0; keep_warnings=0
while [ $# -gt 0 ]; do
	case $1 in
	--print-kdir) print_kdir=1; shift ;;
	--keep-warnings) keep_warnings=1; shift ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) th_die "build-kmod.sh: unknown argument $1 (see --help)" ;;
	esac
done

kb_log() { printf '%s\n' "build-kmod: $*" >&2; }
kb_die() { printf '%s\n' "build-kmod: error: $*" >&2; exit 1; }

# kb_kbuild_fetch: make $KROOT/usr/lib/linux-kbuild-X (the tools the headers'
# symlinks point to) exist. Idempotent, with a stamp per cache format.
kb_kbuild_fetch() {
	local link target kbdir pkg ver stamp tmp
	link=$(readlink "$KHEADERS/scripts") ||
		kb_die "$KHEADERS/scripts is not a symlink; unexpected headers layout"
	# ../../lib/linux-kbuild-6.1/scripts -> linux-kbuild-6.1
	target=${link%/scripts}
	kbdir=$KHEADERS/$target
	pkg=${target##*/}
	stamp=$KDIR/.kbuild-complete-v1
	if [ -f "$stamp" ] && [ -x "$kbdir/scripts/basic/fixdep" ]; then
		return 0
	fi
	ver=$(apt-cache show "linux-headers-$KVER" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	kb_log "fetching $pkg${ver:+ $ver} into the kernel cache"
	tmp=$(mktemp -d "$KDIR/.tmp-kbuild.XXXXXX")
	# The version of the headers first (same source package); apt may
	# only have a newer one, which is compatible within a stable series.
	if ! (cd "$tmp" && { [ -n "$ver" ] && apt-get download -q "$pkg=$ver" ||
		apt-get download -q "$pkg"; } >"$tmp/download.log" 2>&1); then
		cat "$tmp/download.log" >&2
		rm -rf "$tmp"
		kb_die "apt-get download $pkg failed"
	fi
	dpkg-deb -x "$tmp"/*.deb "$tmp/root" || { rm -rf "$tmp"; kb_die "dpkg-deb -x $pkg failed"; }
	[ -d "$tmp/root/usr/lib/$pkg/scripts" ] ||
		{ rm -rf "$tmp"; kb_die "$pkg has no usr/lib/$pkg/scripts"; }
	mkdir -p "$KROOT/usr/lib"
	rm -rf "$KROOT/usr/lib/$pkg"
	mv "$tmp/root/usr/lib/$pkg" "$KROOT/usr/lib/$pkg"
	rm -rf "$tmp"
	[ -x "$kbdir/scripts/basic/fixdep" ] || kb_die "$kbdir/scripts/basic/fixdep missing after extraction"
	touch "$stamp"
}

# kb_fix_makefile: the arch headers' Makefile includes the -common one by
# its absolute installed path; point it at the extracted copy.
kb_fix_makefile() {
	local mk=$KHEADERS/Makefile inc common
	inc=$(sed -n 's/^include \(.*\/linux-headers-[^/]*\/Makefile\)$/\1/p' "$mk" | head -n 1)
	[ -n "$inc" ] || kb_die "$mk: no 'include .../linux-headers-*/Makefile' line"
	[ -f "$inc" ] && return 0
	common=$KROOT/usr/src/$(basename "$(dirname "$inc")")
	[ -f "$common/Makefile" ] || kb_die "$common/Makefile missing (headers -common package not extracted?)"
	sed -i "s|^include .*/linux-headers-[^/]*/Makefile\$|include $common/Makefile|" "$mk"
}

# The compiler the kernel was built with (CC = ... gcc-12 in .kernelvariables).
kb_check_compiler() {
	local cc
	cc=$(sed -n 's/^CC = .*)\(gcc-[0-9]*\)$/\1/p' "$KHEADERS/.kernelvariables" 2>/dev/null | head -n 1)
	cc=${cc:-gcc}
	command -v "$cc" >/dev/null ||
		kb_die "$cc (the guest kernel's compiler) is not installed: apt-get install $cc (make deps)"
}

t0=$(th_now)
th_kernel_fetch
[ -d "$KHEADERS" ] || kb_die "$KHEADERS missing from the kernel cache"
kb_kbuild_fetch
kb_fix_makefile
kb_check_compiler
t_prep=$(th_elapsed "$t0")
if [ "$print_kdir" = 1 ]; then
	echo "$KHEADERS"
	exit 0
fi

mod_dir=$REPO_ROOT/guest-kmod
log=$(mktemp)
trap 'rm -f "$log"' EXIT
t1=$(th_now)
if ! make -C "$mod_dir" KDIR="$KHEADERS" >"$log" 2>&1; then
	cat "$log" >&2
	kb_die "module build failed"
fi
t_build=$(th_elapsed "$t1")
# BTF for modules needs the kernel's vmlinux in the build tree; the headers
# do not ship one and the module loads fine without .BTF, so that one note
# is expected. Anything else that warns fails the build.
warn=$(grep -v 'Skipping BTF generation' "$log" | grep -iE 'warning|error' || true)
if [ -n "$warn" ]; then
	printf '%s\n' "$warn" >&2
	[ "$keep_warnings" = 1 ] || kb_die "the module build warned (--keep-warnings to accept)"
fi
[ -f "$mod_dir/mock-accel.ko" ] || kb_die "no $mod_dir/mock-accel.ko after the build"
kb_log "built against $KVER in ${t_build}s (headers ready in ${t_prep}s)"
echo "$mod_dir/mock-accel.ko"
