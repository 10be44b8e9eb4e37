#!/bin/sh
# fio benchmark, run inside the test host (make bench): the Debian image
# (the test host's /dev/vda) under mvmm and under QEMU q35 (virtio-blk-pci,
# aio=io_uring, cache=none), alternating, the same two fio jobs in the guest
# (the image's mvmm-ready with mvmm.fio=1: 4k random read at queue depth 32,
# 1M sequential read at depth 8, 15 s each, O_DIRECT, read-only), then the
# same jobs on the test host itself against /dev/vda (the limit). Prints
#   @@FIO vmm=<mvmm|qemu|host> round=N job=J kib=N bw_kibs=N iops=N busy_ticks=N
# for tests/bench/run-bench.sh.
. /testhost/scenarios/lib.sh

ROUNDS=$(cat /testhost/bench/fio-rounds 2>/dev/null || echo 2)
INITRD_IMG=/testhost/image/initrd.img
APPEND="console=ttyS0 root=/dev/vda panic=-1 quiet mvmm.fio=1"
mkdir -p /var/tmp	# QEMU puts its snapshot overlay there

run_mvmm() {
	mvmm --config /testhost/bench/bench-fio.ini --kernel "$VMLINUZ" --initrd "$INITRD_IMG" \
		--append "$APPEND" 2>"$OUT/mvmm.err"
}

run_qemu() {
	qemu-system-x86_64 -machine q35,accel=kvm -cpu host -smp 2 -m 1G \
		-nodefaults -nographic -serial stdio -no-reboot \
		-drive file=/dev/vda,if=none,id=root,format=raw,snapshot=on,file.locking=off \
		-device virtio-blk-pci,drive=root \
		-drive file=/dev/vda,if=none,id=bench,format=raw,readonly=on,cache=none,aio=io_uring,file.locking=off \
		-device virtio-blk-pci,drive=bench,serial=bench \
		-kernel "$VMLINUZ" -initrd "$INITRD_IMG" -append "$APPEND" 2>"$OUT/qemu.err"
}

one() {	# VMM ROUND
	run_$1 >"$OUT/$1.$2.out" </dev/null
	n=$(tr -d '\r' <"$OUT/$1.$2.out" | grep -c '^@@FIO job=.* iops=[0-9]')
	[ "$n" = 2 ] || { tail -n 30 "$OUT/$1.$2.out"; cat "$OUT/$1.err"; fail "$1 round $2: $n fio results"; }
	tr -d '\r' <"$OUT/$1.$2.out" | sed -n "s/^@@FIO /@@FIO vmm=$1 round=$2 /p"
}

i=1
while [ $i -le "$ROUNDS" ]; do
	if [ $((i % 2)) -eq 1 ]; then one mvmm $i; one qemu $i; else one qemu $i; one mvmm $i; fi
	i=$((i + 1))
done
# The limit: the same jobs on the test host's own disk.
for job in "randread 4k 32" "read 1M 8"; do
	set -- $job
	r=$(fio --name="$1" --filename=/dev/vda --readonly --direct=1 --ioengine=libaio \
		--rw="$1" --bs="$2" --iodepth="$3" --runtime=15 --time_based --ramp_time=2 \
		--output-format=terse --terse-version=3 2>&1 | tail -n 1)
	echo "@@FIO vmm=host round=1 job=$1 $(echo "$r" | awk -F';' '{print "kib=" $6 " bw_kibs=" $7 " iops=" $8}') busy_ticks=0"
done
