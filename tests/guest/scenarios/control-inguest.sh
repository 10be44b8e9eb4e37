#!/bin/busybox sh
# Runs INSIDE the inner guest (not a test-host scenario; not in SUITE):
# testhost.sh copies it to /bin/control-inguest.sh and tests/guest/init runs
# it for mvmm.run=/bin/control-inguest.sh. For control.sh on the test host:
#   - touches 32 pages of the first mock-accel PF's device memory (BAR2,
#     mapped straight to mvmm's device memory), so migrating it moves pages;
#   - writes 24 MiB of random data on guest node 0 (tmpfs, numactl
#     --membind=0), then forever copies it again on node 0 and checks the
#     copy's md5 against the original: "@@CHECK ok N" or "@@CHECK bad N".
# The host migrates guest node 0's RAM while this runs; any corruption
# shows as a bad check.
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1de5 ] && [ "$(cat "$d/device")" = 0x0001 ] || continue
	bar2=$(sed -n 3p "$d/resource" | cut -d' ' -f1)
	i=0
	while [ $i -lt 32 ]; do
		devmem $((bar2 + i * 4096)) 32 0x5a5a0000 && i=$((i + 1)) || break
	done
	echo "@@FACT devmem_pages=$i"
	break
done
mkdir -p /w && mount -t tmpfs -o size=128M tmpfs /w
numactl --membind=0 dd if=/dev/urandom of=/w/ref bs=1M count=24 2>/dev/null
ref=$(md5sum </w/ref | cut -d' ' -f1)
echo "@@CHECK-REF $ref"
n=0
while :; do
	numactl --membind=0 cp /w/ref /w/copy
	sum=$(md5sum </w/copy | cut -d' ' -f1)
	if [ "$sum" = "$ref" ]; then echo "@@CHECK ok $n"; else echo "@@CHECK bad $n $sum"; fi
	n=$((n + 1))
done
