#!/bin/sh
# Persistent memory from device-DAX, as the MCAS deployment passes it: the
# test host has an emulated NVDIMM on its node 1 (no labels: one raw
# namespace), which ndctl turns into a devdax namespace (/dev/dax0.0, 2 MiB
# aligned). mvmm maps it shared as [pmem.p0] of guest node 1: the guest's
# /dev/pmem0 has the device's size on node 1, a 1 MiB pattern written in one
# boot reads back in a second boot on the same device (persistence through
# the device, not through a file), and the report says the device's pages
# are the device's (not bound).
# host-nodes: 2
# needs: nvdimm
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [pmem.NAME] syntax"
command -v ndctl >/dev/null || fail "no ndctl in this test host"
i=0
while [ ! -e /sys/bus/nd/devices/namespace0.0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
[ -e /sys/bus/nd/devices/namespace0.0 ] || fail "the test host's NVDIMM has no namespace0.0 (nfit?)"
ndctl create-namespace -f -e namespace0.0 -m devdax -a 2M >"$OUT/ns.json" 2>&1 ||
	fail "ndctl create-namespace -m devdax: $(tr '\n' ' ' <"$OUT/ns.json")"
cat "$OUT/ns.json"
i=0
while [ ! -c /dev/dax0.0 ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
[ -c /dev/dax0.0 ] || fail "no /dev/dax0.0 after create-namespace"
size=$(cat /sys/bus/dax/devices/dax0.0/size)
note "devdax: /dev/dax0.0, $size bytes, node $(cat /sys/bus/dax/devices/dax0.0/numa_node 2>/dev/null)"
pattern() { i=0; while [ $i -lt 1024 ]; do printf 'mvmm-pmem %01013d\n' $i; i=$((i + 1)); done; }
ref=$(pattern | md5sum | cut -d' ' -f1)
json=$OUT/devdax-report.json
args="--config $CONFIGS/pmem-2node.ini --set pmem.p0.path=/dev/dax0.0 --kernel $VMLINUZ --initrd $INITRD"
cmd="$BASE_CMDLINE mvmm.test=poweroff mvmm.run=/bin/pmem-inguest.sh"

n=write
vmm_boot "$n" $args --report-json "$json" --append "$cmd"
expect_rc "$n" 0
[ -z "$(fact "$n" modprobe_error)" ] || fail "$n: modprobe: $(fact "$n" modprobe_error)"
expect_fact "$n" pmem0 1
expect_fact "$n" pmem0_sectors $((size / 512))
expect_fact "$n" region_numa_node 1
expect_fact "$n" pattern_written ok
expect_fact "$n" pattern_back "$ref"
tr -d '\r' <"$OUT/$n.out" | sed -n 's/^@@NDCTL //p'
grep '"pmem"' "$json"
expect_eq "$n: report: pmem 0 bound (a device's pages are its own)" false \
	"$(report_field "$json" pmem 0 bound)"
check_dmesg "$n"

n=read
vmm_boot "$n" $args --append "$cmd mvmm.pmem=check"
expect_rc "$n" 0
[ -z "$(fact "$n" pattern_written)" ] || fail "$n: the check boot wrote"
expect_fact "$n" pattern_back "$ref"
