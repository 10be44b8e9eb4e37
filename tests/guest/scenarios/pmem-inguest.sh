#!/bin/busybox sh
# Runs INSIDE the inner guest for pmem.sh (mvmm.run=/bin/pmem-inguest.sh):
# load nfit + nd_pmem, report /dev/pmem0's size and node, ndctl's view, and
# write a 1 MiB pattern at offset 16 MiB with O_DIRECT for the host to find
# (mvmm.pmem=check: only read it back, as a second boot on the same backing).
for m in nfit nd_pmem; do
	modprobe $m 2>&1 | sed 's/^/@@FACT modprobe_error=/'
done
i=0
while [ ! -b /dev/pmem0 ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
[ -b /dev/pmem0 ] && echo "@@FACT pmem0=1" || echo "@@FACT pmem0=0"
echo "@@FACT pmem0_sectors=$(cat /sys/block/pmem0/size 2>/dev/null)"
echo "@@FACT pmem0_numa_node=$(cat /sys/block/pmem0/device/numa_node 2>/dev/null)"
r=$(readlink -f /sys/block/pmem0/device/.. 2>/dev/null)
echo "@@FACT region_numa_node=$(cat "$r/numa_node" 2>/dev/null)"
echo "@@FACT dax=$(cat /sys/block/pmem0/queue/dax 2>/dev/null)"
if [ -x /usr/bin/ndctl ]; then
	ndctl list -R -N 2>&1 | sed 's/^/@@NDCTL /'
	echo "@@FACT ndctl_mode=$(ndctl list -N 2>/dev/null | tr -d ' \n' | sed -n 's/.*"mode":"\([a-z]*\)".*/\1/p')"
fi
pattern() { i=0; while [ $i -lt 1024 ]; do printf 'mvmm-pmem %01013d\n' $i; i=$((i + 1)); done; }
# From a file: dd reading a pipe writes short blocks at shifted offsets.
pattern >/tmp/pattern
case " $(cat /proc/cmdline) " in
*" mvmm.pmem=check "*) ;;
*) dd if=/tmp/pattern of=/dev/pmem0 bs=64k seek=256 oflag=direct conv=fsync 2>/dev/null &&
	echo "@@FACT pattern_written=ok" ;;
esac
echo "@@FACT pattern_ref=$(md5sum </tmp/pattern | cut -d' ' -f1)"
echo "@@FACT pattern_back=$(dd if=/dev/pmem0 bs=64k skip=256 count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)"
