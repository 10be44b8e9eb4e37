#!/bin/sh
# virtio-blk (tests/guest/configs/disk-2node.ini): an ext4 image behind the
# node-1 expander and a raw scratch disk on bus 0, in three boots.
#  1. write: the guest mounts /dev/vda, writes a file, syncs; dd's a known
#     4 MiB pattern to /dev/vdb. Host: raw.img's first 4 MiB have the
#     pattern's checksum. The guest finds each disk by its serial (GET_ID),
#     the data disk at 21:00.0 on numa_node 1 with one blk-mq queue per
#     vCPU (2), the raw disk at 01:00.0 on node 0 with 1 (queues = 1),
#     discard, write-zeroes, block sizes and segment limit as offered, each
#     image's size; a readonly disk is read-only in the guest.
#  2. read: the file written in boot 1 is there (persistence), the pattern
#     reads back.
#  3. snapshot = yes: the guest overwrites the file and reads its new text
#     back; afterwards the image on the host is byte-for-byte what it was
#     (the writes went to the overlay and vanished).
# Host side, while boot 1 runs: the disks' I/O threads (blk-data.0/1) run
# on host node 1's CPU (the disk's node), blk-raw.0 on node 0's (/proc), and
# the placement report on SIGUSR1 lists them on plan; and boot 1 runs as
# user/group 65534 ([machine] user / group): every thread dropped, no
# capability, the disks (opened as root) still in use; its open files stay
# within the bound preflight checks.
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [disk.NAME] syntax"
MKE2FS=$TH/bin/mke2fs	# e2fsprogs' (busybox's makes no ext4)
[ -x "$MKE2FS" ] || skip "no e2fsprogs mke2fs in this test host"
D=/tmp/disk
rm -rf "$D"; mkdir -p "$D"
"$MKE2FS" -q -F -t ext4 "$D/data.img" 64M || fail "mke2fs failed"
dd if=/dev/zero of="$D/raw.img" bs=1M count=16 2>/dev/null
dd if=/dev/zero of="$D/ro.img" bs=1M count=1 2>/dev/null
pattern() { i=0; while [ $i -lt 4096 ]; do printf '%01023d\n' $i; i=$((i + 1)); done; }
ref=$(pattern | md5sum | cut -d' ' -f1)
args="--config $CONFIGS/disk-2node.ini --kernel $VMLINUZ --initrd $INITRD"
cmd="$BASE_CMDLINE mvmm.test=poweroff mvmm.run=/bin/disk-inguest.sh"

# ---- boot 1: write --------------------------------------------------------
n=write
drop="--set machine.user=65534 --set machine.group=65534"
vmm_start "$n" $args $drop --append "$cmd mvmm.disk=write"
if ! wait_line "$OUT/$n.out" '^@@FACT raw_present' "$BOOT_TIMEOUT"; then
	kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"; show_output "$n"
	fail "$n: the guest never listed its disks"
fi
# The I/O threads exist once the driver set DRIVER_OK (before the facts).
for t in data.0:1 data.1:1 raw.0:0; do
	a=$(thread_affinity "$VMM_PID" "blk-${t%:*}")
	[ "$a" = "${t#*:}" ] || { kill -KILL "$VMM_PID"; wait "$VMM_PID"; show_output "$n"
		fail "$n: I/O thread blk-${t%:*} runs on CPUs '$a', not ${t#*:} (its disk's host node)"; }
	note "ok: $n: blk-${t%:*} on host CPU $a"
done
# ... and the placement report (SIGUSR1) judges them against that plan.
expect_sandboxed "$VMM_PID"
expect_dropped "$VMM_PID" 65534 65534
expect_fds_within "$VMM_PID" $args $drop
kill -USR1 "$VMM_PID"
# Complete once its last line, guest node 1's, is there (the start
# report has one too).
i=0
while [ "$(grep -c 'guest node 1 (' "$OUT/$n.err")" -lt 2 ] && [ $i -lt 200 ]; do
	usleep 50000; i=$((i + 1))
done
for t in data.0:1 data.1:1 raw.0:0; do
	grep -qE "^mvmm: +[0-9]+ +blk-${t%:*} +${t#*:} +${t#*:} +ok$" "$OUT/$n.err" || {
		kill -KILL "$VMM_PID"; wait "$VMM_PID"; show_output "$n"
		fail "$n: the signal report has no 'blk-${t%:*} ${t#*:} ${t#*:} ok' line"; }
	note "ok: $n: report: blk-${t%:*} on ${t#*:}, planned ${t#*:}"
done
if ! wait_line "$OUT/$n.out" '^@@DONE' "$BOOT_TIMEOUT"; then
	kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"; show_output "$n"
	fail "$n: guest did not finish /init"
fi
vmm_finish "$n" "$ACTION_TIMEOUT"
expect_rc "$n" 0
expect_fact "$n" disks 3
expect_fact "$n" data_present 1
expect_fact "$n" raw_present 1
expect_fact "$n" data_pci 0000:21:00.0
expect_fact "$n" raw_pci 0000:01:00.0
expect_fact "$n" data_numa_node 1
expect_fact "$n" raw_numa_node 0
expect_fact "$n" data_mq 2
expect_fact "$n" raw_mq 1
expect_fact "$n" data_sectors 131072
expect_fact "$n" raw_sectors 32768
expect_fact "$n" data_ro 0
expect_range "$n: raw disk's discard_max_bytes" 1 4294967296 "$(fact "$n" raw_discard_max)"
# logical 512 (BLK_SIZE), physical 4096 (TOPOLOGY), 254 segments (SEG_MAX),
# write-zeroes up to 2 GiB (WRITE_ZEROES).
expect_fact "$n" raw_topology "512 4096 254 2147483648"
# readonly = yes: RO offered, so no discard or write-zeroes; writes refused.
expect_fact "$n" ro_ro 1
expect_fact "$n" ro_topology "512 4096 254 0"
expect_fact "$n" ro_discard_max 0
expect_fact "$n" ro_write refused
[ -z "$(fact "$n" modprobe_error)" ] || fail "$n: modprobe: $(fact "$n" modprobe_error)"
[ -z "$(fact "$n" mount_error)" ] || fail "$n: mount: $(fact "$n" mount_error)"
expect_fact "$n" umount ok
expect_fact "$n" pattern_written ok
expect_eq "$n: raw.img's first 4 MiB (md5, host side)" "$ref" \
	"$(dd if="$D/raw.img" bs=64k count=64 2>/dev/null | md5sum | cut -d' ' -f1)"
check_dmesg "$n"
# Interrupts leave the I/O threads by irqfd (no vCPU userspace exit).
l=$(grep '^mvmm: disk data: ' "$OUT/$n.err")
note "$l"
set -- $(echo "$l" | sed -n 's/.*: \([0-9]*\) requests (\([0-9]*\) I\/O errors.*interrupts: \([0-9]*\) by irqfd, \([0-9]*\) by msix/\1 \2 \3 \4/p')
[ $# = 4 ] || fail "$n: no 'disk data' statistics line on stderr"
expect_range "$n: data disk requests" 10 1000000 "$1"
expect_eq "$n: data disk I/O errors" 0 "$2"
expect_range "$n: data disk interrupts by irqfd" 10 1000000 "$3"
expect_range "$n: data disk interrupts by msix (masked vectors only)" 0 $(($3 / 10)) "$4"

# ---- boot 2: read back ------------------------------------------------------
n=read
vmm_boot "$n" $args --append "$cmd mvmm.disk=read"
expect_rc "$n" 0
expect_fact "$n" hello "written by boot 1"
expect_fact "$n" pattern_sum "$ref"
expect_fact "$n" pattern_ref "$ref"

# ---- boot 3: snapshot ------------------------------------------------------
n=snap
before=$(md5sum "$D/data.img" | cut -d' ' -f1)
vmm_boot "$n" $args --set disk.data.snapshot=yes --append "$cmd mvmm.disk=snap"
expect_rc "$n" 0
[ -z "$(fact "$n" mount_error)" ] || fail "$n: mount: $(fact "$n" mount_error)"
expect_fact "$n" hello "changed in a snapshot"
expect_eq "$n: data.img after a snapshot boot (md5)" "$before" \
	"$(md5sum "$D/data.img" | cut -d' ' -f1)"
rm -rf "$D"
