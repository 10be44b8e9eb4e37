#!/bin/sh
# Install the Debian packages mvmm needs, only those that are missing.
# Idempotent; prints what it installs, or what to install when it cannot.
set -eu
PKGS="gcc make pkg-config linux-libc-dev
libinih-dev libnuma-dev liburing-dev libfdt-dev libcmocka-dev libjansson-dev
acpica-tools pciutils numactl ndctl
qemu-system-x86 busybox-static cpio lz4 gzip kmod
gcc-12 libelf1 groff-base gnuplot-nox strace
mmdebstrap e2fsprogs fio iperf3 openssh-client
clang libclang-rt-dev libseccomp-dev diceware"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An install right after a fresh boot may need the package lists first.
apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends $missing >/dev/null
} || {
	echo "deps: apt-get failed; install by hand:$missing" >&2
	exit 1
}
