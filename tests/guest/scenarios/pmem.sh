#!/bin/sh
# Persistent memory (tests/guest/configs/pmem-2node.ini): a 128 MiB file in
# the test host as [pmem.p0] numa = 1 of a two-node guest. The guest's nfit
# and nd_pmem make /dev/pmem0 of 128 MiB on node 1 (the NFIT's proximity
# domain), ndctl lists the region and its raw namespace, and a pattern
# written with O_DIRECT at 16 MiB is in the file on the host after poweroff
# (MAP_SHARED: the guest's stores are the file's pages). The file is a
# sparse one on tmpfs (/dev/shm), so mvmm binds it to guest node 1's host
# node: the exit placement report finds every page the guest touched there.
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [pmem.NAME] syntax"
D=/dev/shm/pmem
rm -rf "$D"; mkdir -p "$D"
dd if=/dev/zero of="$D/p0.img" bs=1M seek=128 count=0 2>/dev/null	# sparse
json=$OUT/pmem-report.json
pattern() { i=0; while [ $i -lt 1024 ]; do printf 'mvmm-pmem %01013d\n' $i; i=$((i + 1)); done; }
ref=$(pattern | md5sum | cut -d' ' -f1)
n=pmem
vmm_boot "$n" --config "$CONFIGS/pmem-2node.ini" --set pmem.p0.path="$D/p0.img" \
	--report-json "$json" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--append "$BASE_CMDLINE mvmm.test=poweroff mvmm.run=/bin/pmem-inguest.sh"
expect_rc "$n" 0
[ -z "$(fact "$n" modprobe_error)" ] || fail "$n: modprobe: $(fact "$n" modprobe_error)"
expect_fact "$n" pmem0 1
expect_fact "$n" pmem0_sectors 262144
expect_fact "$n" region_numa_node 1
expect_fact "$n" pattern_written ok
tr -d '\r' <"$OUT/$n.out" | sed -n 's/^@@NDCTL //p'
[ -n "$(fact "$n" ndctl_mode)" ] && expect_fact "$n" ndctl_mode raw
expect_fact "$n" pattern_ref "$ref"
expect_fact "$n" pattern_back "$ref"
expect_eq "$n: the file's 1 MiB at 16 MiB (md5, host side)" "$ref" \
	"$(dd if="$D/p0.img" bs=64k skip=256 count=16 2>/dev/null | md5sum | cut -d' ' -f1)"
# Where its pages are: bound (tmpfs), every touched page on host node 1.
grep '"pmem"' "$json"
expect_eq "$n: report: pmem 0 bound" true "$(report_field "$json" pmem 0 bound)"
expect_eq "$n: report: pmem 0 guest node" 1 "$(report_field "$json" pmem 0 guest_node)"
t=$(report_field "$json" pmem 0 touched)
expect_range "$n: report: pmem 0 touched 4K pages (the 1 MiB pattern at least)" 256 32768 "$t"
expect_eq "$n: report: pmem 0 pages on host node 1" "\"1\": $t" "$(report_field "$json" pmem 0 on_host_node)"
expect_eq "$n: report: pmem 0 off-plan pages" 0 "$(report_field "$json" pmem 0 off_plan_pages)"
check_dmesg "$n"
rm -rf "$D"
