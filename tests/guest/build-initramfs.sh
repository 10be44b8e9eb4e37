#!/usr/bin/env bash
# Build the inner guest's initramfs: busybox-static, tests/guest/init, a
# marker file (proves the initrd was loaded), numactl and lspci with their
# libraries, and kernel modules of the cached stock kernel (pvpanic, the
# ACPI button, evdev, virtio-pci, virtio-blk, virtio-net, virtio-vsock, nfit and nd_pmem by default; ext4 is built in) with a
# modules.dep for busybox modprobe.
#
# usage: tests/guest/build-initramfs.sh [-o OUT] [--add SRC:DST]... [--module NAME]...
#   -o OUT          output cpio (default build/testhost/guest-initramfs.cpio)
#   --add SRC:DST   extra file (e.g. a guest kernel module, a test program)
#   --module NAME   extra module from the stock kernel (dependencies follow)
#   --bin PATH      extra program with its shared libraries (at the same path)
# Prints the output path. Needs the kernel cache (fetched if missing).
set -eu
. "$(dirname "$0")/../testhost/lib.sh"

out=$TH_BUILD/guest-initramfs.cpio
adds=(); bins=()
mods=(pvpanic-mmio button evdev virtio_pci virtio_blk virtio_net vsock
	vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport nfit nd_pmem)
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--module) mods+=("$2"); shift 2 ;;
	--bin) bins+=("$2"); shift 2 ;;
	*) th_die "build-initramfs.sh: unknown argument $1" ;;
	esac
done

th_kernel_fetch
mkdir -p "$(dirname "$out")"
root=$(mktemp -d "$TH_BUILD/guest-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
th_stage_init "$root"
install -m 755 "$REPO_ROOT/tests/guest/init" "$root/init"
echo mvmm-initrd-ok >"$root/etc/mvmm-initrd-marker"
for b in /usr/bin/numactl /usr/bin/lspci; do
	[ -x "$b" ] || th_die "$b missing (make deps installs numactl and pciutils)"
	th_add_bin "$root" "$b"
done
# lspci prints names from pci.ids when it finds it; optional.
[ -r /usr/share/misc/pci.ids ] && th_add_file "$root" /usr/share/misc/pci.ids usr/share/misc/pci.ids
th_add_modules "$root" "${mods[@]}"
for b in ${bins[@]+"${bins[@]}"}; do
	th_add_bin "$root" "$b"
done
for a in ${adds[@]+"${adds[@]}"}; do
	th_add_file "$root" "${a%%:*}" "${a#*:}"
done
th_pack "$root" "$out"
echo "$out"
