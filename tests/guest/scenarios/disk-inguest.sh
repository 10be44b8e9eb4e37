#!/bin/busybox sh
# Runs INSIDE the inner guest for disk.sh (tests/guest/init runs it for
# mvmm.run=/bin/disk-inguest.sh). mvmm.disk=PHASE picks what it does:
#   write    mount the data disk (ext4), write /mnt/hello, sync, unmount;
#            write 4 MiB of a known pattern to the raw disk
#   read     mount the data disk and report /mnt/hello; checksum the pattern
#   snap     (snapshot boot) overwrite /mnt/hello, read it back, report
# Always: which disks exist, their PCI numa_node, queue count, serial, size.
for w in $(cat /proc/cmdline); do
	case $w in mvmm.disk=*) phase=${w#mvmm.disk=} ;; esac
done
modprobe virtio_pci 2>&1 | sed 's/^/@@FACT modprobe_error=/'
modprobe virtio_blk 2>&1 | sed 's/^/@@FACT modprobe_error=/'
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
# Names follow probe order (bus 0 first), so find each disk by its serial.
data= raw= ro=
i=0
while [ ! -b /dev/vdc ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
for d in /sys/block/vd*; do
	case $(cat "$d/serial") in
	mvmm-data-0001) data=${d##*/} ;;
	raw) raw=${d##*/} ;;
	ro) ro=${d##*/} ;;
	esac
done
echo "@@FACT disks=$(ls -d /sys/block/vd* | wc -l)"
for b in data raw ro; do
	eval dev=\$$b
	[ -n "$dev" ] || { echo "@@FACT ${b}_present=0"; continue; }
	echo "@@FACT ${b}_present=1"
	pci=$(readlink -f /sys/block/$dev/device/..)
	echo "@@FACT ${b}_pci=${pci##*/}"
	echo "@@FACT ${b}_numa_node=$(cat "$pci/numa_node")"
	echo "@@FACT ${b}_mq=$(ls -d /sys/block/$dev/mq/* | wc -l)"
	echo "@@FACT ${b}_serial=$(cat /sys/block/$dev/serial)"
	echo "@@FACT ${b}_sectors=$(cat /sys/block/$dev/size)"
	echo "@@FACT ${b}_ro=$(cat /sys/block/$dev/ro)"
	echo "@@FACT ${b}_discard_max=$(cat /sys/block/$dev/queue/discard_max_bytes)"
	# BLK_SIZE, TOPOLOGY, SEG_MAX, WRITE_ZEROES as the driver took them.
	q=/sys/block/$dev/queue
	echo "@@FACT ${b}_topology=$(cat $q/logical_block_size) $(cat $q/physical_block_size) $(cat $q/max_segments) $(cat $q/write_zeroes_max_bytes)"
done
# The pattern: 4 MiB, the same on both sides (disk.sh makes it with the
# same command to compare checksums).
pattern() { i=0; while [ $i -lt 4096 ]; do printf '%01023d\n' $i; i=$((i + 1)); done; }
mkdir -p /mnt
case ${phase:-} in
write)
	# The read-only disk refuses writes in the guest's block layer.
	if dd if=/dev/zero of=/dev/$ro bs=4k count=1 conv=fsync 2>/dev/null; then
		echo "@@FACT ro_write=accepted"
	else
		echo "@@FACT ro_write=refused"
	fi
	mount -t ext4 /dev/$data /mnt 2>&1 | sed 's/^/@@FACT mount_error=/'
	echo "written by boot 1" >/mnt/hello
	sync
	umount /mnt && echo "@@FACT umount=ok"
	pattern | dd of=/dev/$raw bs=64k conv=fsync 2>/dev/null && echo "@@FACT pattern_written=ok"
	;;
read)
	mount -t ext4 -o ro /dev/$data /mnt 2>&1 | sed 's/^/@@FACT mount_error=/'
	echo "@@FACT hello=$(cat /mnt/hello)"
	umount /mnt
	echo "@@FACT pattern_sum=$(dd if=/dev/$raw bs=64k count=64 2>/dev/null | md5sum | cut -d' ' -f1)"
	echo "@@FACT pattern_ref=$(pattern | md5sum | cut -d' ' -f1)"
	;;
snap)
	mount -t ext4 /dev/$data /mnt 2>&1 | sed 's/^/@@FACT mount_error=/'
	echo "changed in a snapshot" >/mnt/hello
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "@@FACT hello=$(cat /mnt/hello)"
	umount /mnt
	;;
esac
