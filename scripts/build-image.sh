#!/usr/bin/env bash
# make image: a bootable raw disk image of Debian 12 for mvmm guests, and
# the kernel and initrd that boot it, at stable paths:
#   build/image/debian.raw   2 GiB raw ext4 (sparse), the root filesystem
#   build/image/vmlinuz      the stock cloud kernel (the kernel cache's)
#   build/image/initrd.img   a small initramfs: loads virtio-pci/virtio-blk,
#                            mounts root= (default /dev/vda), switch_root
#   build/image/id_ed25519   root's SSH key (and .pub): the image's
#                            /root/.ssh/authorized_keys holds the public half
# Boot it with root=/dev/vda console=ttyS0 (configs/node1.ini does).
#
# The image: mmdebstrap (minbase, apt's configured sources) with systemd,
# openssh-server, iproute2, numactl, pciutils, kmod, fio; the stock kernel's
# modules and the guest driver (guest-kmod/, built for that kernel) loaded
# at boot with num_vfs=2; root password "mvmm" (also over SSH: a test
# image, not for networks you do not own); a serial console on ttyS0;
# mvmm-ready.service prints "@@MVMM-MULTI-USER" and the mock-accel
# functions on ttyS0 once multi-user.target is reached.
# Per node, from the kernel command line (docs/cluster.md): mvmm.ip=ADDR/LEN
# is eth0's static address (mvmm-net@.service, iproute2; NICs keep the
# kernel's names), systemd.hostname= the host name. No SSH host key in the
# image: mvmm-hostkeys.service makes one each boot (every boot of a
# snapshot disk is a first boot, and two nodes must not share one).
#
# Cached in ${MVMM_CACHE:-~/.cache/mvmm}/image/<key>/, key = hash of this
# script, scripts/image/*, the guest driver's sources and the kernel
# version: rebuilt only when one of them changes.
#
# usage: scripts/build-image.sh [--force]
set -eu
. "$(dirname "$0")/../tests/testhost/lib.sh"

force=0
[ "${1:-}" = --force ] && force=1
PKGS=systemd,systemd-sysv,udev,dbus,openssh-server,iproute2,numactl,pciutils,kmod,procps,util-linux,e2fsprogs,ca-certificates,less,fio
SIZE=2G
out=$REPO_ROOT/build/image
th_kernel_fetch
kmod=$("$REPO_ROOT/scripts/build-kmod.sh" | head -n 1)
[ -f "$kmod" ] || th_die "build-kmod.sh printed no module ('$kmod')"

key=$( { echo "$KVER $PKGS $SIZE"; cat "$0" "$REPO_ROOT"/scripts/image/* \
	"$REPO_ROOT"/guest-kmod/*.[ch] "$REPO_ROOT"/guest-kmod/Makefile; } | sha256sum | cut -c1-16)
cache=$MVMM_CACHE/image/$key
mkdir -p "$out"
link() {
	ln -sfn "$cache/debian.raw" "$out/debian.raw"
	ln -sfn "$cache/initrd.img" "$out/initrd.img"
	ln -sfn "$KVMLINUZ" "$out/vmlinuz"
	ln -sfn "$cache/id_ed25519" "$out/id_ed25519"
	ln -sfn "$cache/id_ed25519.pub" "$out/id_ed25519.pub"
	echo "$out/debian.raw"
}
if [ "$force" = 0 ] && [ -f "$cache/debian.raw" ] && [ -f "$cache/initrd.img" ] &&
   [ -f "$cache/id_ed25519" ]; then
	th_log "image: cached ($cache)"
	link
	exit 0
fi
command -v mmdebstrap >/dev/null || th_die "mmdebstrap missing (make deps installs it)"
command -v mke2fs >/dev/null || th_die "mke2fs missing (e2fsprogs)"
command -v ssh-keygen >/dev/null || th_die "ssh-keygen missing (openssh-client)"
mkdir -p "$cache"
t0=$(th_now)
root=$(mktemp -d "$out/root.XXXXXX")
trap 'rm -rf "$root" "$cache/debian.raw.tmp" "$cache/initrd.img.tmp" "$cache"/id_ed25519.tmp*' EXIT

# apt's configured sources, as the host uses them.
srcs=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && srcs+=("$f")
done
[ ${#srcs[@]} -gt 0 ] || th_die "no apt sources configured"
th_log "image: mmdebstrap bookworm ($PKGS)"
cat "${srcs[@]}" | mmdebstrap --quiet --variant=minbase --include="$PKGS" bookworm "$root" - \
	>"$cache/mmdebstrap.log" 2>&1 || { tail -n 20 "$cache/mmdebstrap.log" >&2; th_die "mmdebstrap failed (log: $cache/mmdebstrap.log)"; }

# Kernel modules and the guest driver, loaded at boot.
mkdir -p "$root/lib/modules"
cp -a "$KMODDIR" "$root/lib/modules/"
rm -f "$root/lib/modules/$KVER/build" "$root/lib/modules/$KVER/source"
install -D -m 644 "$kmod" "$root/lib/modules/$KVER/extra/mock-accel.ko"
chroot "$root" depmod -a "$KVER"
echo mock-accel >"$root/etc/modules-load.d/mock-accel.conf"
echo "options mock-accel num_vfs=2" >"$root/etc/modprobe.d/mock-accel.conf"

# Identity, root filesystem, console, logins.
echo mvmm-guest >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmvmm-guest\n' >"$root/etc/hosts"
echo "/dev/vda / ext4 defaults,errors=remount-ro 0 1" >"$root/etc/fstab"
echo "root:mvmm" | chroot "$root" chpasswd
mkdir -p "$root/etc/ssh/sshd_config.d"
echo "PermitRootLogin yes" >"$root/etc/ssh/sshd_config.d/mvmm-test.conf"
# Host keys are made at boot (mvmm-hostkeys.service), ed25519 only.
rm -f "$root"/etc/ssh/ssh_host_*
echo "HostKey /etc/ssh/ssh_host_ed25519_key" >>"$root/etc/ssh/sshd_config.d/mvmm-test.conf"
install -m 644 "$REPO_ROOT/scripts/image/mvmm-hostkeys.service" "$root/etc/systemd/system/"
# Root's key login (scripts/cluster.sh ssh): a key pair of this image.
rm -f "$cache"/id_ed25519*
ssh-keygen -q -t ed25519 -N "" -C "mvmm-image-$key" -f "$cache/id_ed25519.tmp"
install -d -m 700 "$root/root/.ssh"
install -m 600 "$cache/id_ed25519.tmp.pub" "$root/root/.ssh/authorized_keys"
# The NIC's static address from mvmm.ip= (mvmm-net@.service): interfaces
# keep the kernel's names, so the first NIC is eth0 on every node.
mkdir -p "$root/etc/systemd/network" "$root/etc/udev/rules.d"
ln -sfn /dev/null "$root/etc/systemd/network/99-default.link"
install -m 755 "$REPO_ROOT/scripts/image/mvmm-net" "$root/usr/local/sbin/mvmm-net"
install -m 644 "$REPO_ROOT/scripts/image/mvmm-net@.service" "$root/etc/systemd/system/"
install -m 644 "$REPO_ROOT/scripts/image/99-mvmm-net.rules" "$root/etc/udev/rules.d/"
# Each boot gets a machine id of its own (two nodes from one image).
: >"$root/etc/machine-id"
install -m 755 "$REPO_ROOT/scripts/image/mvmm-ready" "$root/usr/local/sbin/mvmm-ready"
install -m 644 "$REPO_ROOT/scripts/image/mvmm-ready.service" "$root/etc/systemd/system/"
chroot "$root" systemctl enable mvmm-ready.service mvmm-hostkeys.service \
	serial-getty@ttyS0.service >/dev/null 2>&1
# Timers and scrubs a throw-away snapshot root never needs; e2scrub_reap
# alone costs up to 2 minutes of a boot in the nested test host.
chroot "$root" systemctl mask e2scrub_reap.service e2scrub_all.timer apt-daily.timer \
	apt-daily-upgrade.timer fstrim.timer >/dev/null 2>&1
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*

th_log "image: mke2fs -d ($SIZE)"
mke2fs -q -F -t ext4 -L mvmm-root -d "$root" "$cache/debian.raw.tmp" "$SIZE"

# The initramfs: busybox, the two virtio modules, the init above.
iroot=$root.initrd
th_stage_init "$iroot"
install -m 755 "$REPO_ROOT/scripts/image/initramfs-init" "$iroot/init"
th_add_modules "$iroot" virtio_pci virtio_blk
th_pack "$iroot" "$cache/initrd.img.tmp"
rm -rf "$iroot"
mv "$cache/debian.raw.tmp" "$cache/debian.raw"
mv "$cache/initrd.img.tmp" "$cache/initrd.img"
mv "$cache/id_ed25519.tmp.pub" "$cache/id_ed25519.pub"
mv "$cache/id_ed25519.tmp" "$cache/id_ed25519"
th_log "image: built in $(th_elapsed "$t0")s ($(du -h --apparent-size "$cache/debian.raw" | cut -f1) raw, $(du -h "$cache/debian.raw" | cut -f1) used)"
link
