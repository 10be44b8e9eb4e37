#!/bin/sh
# The reference cluster's PCIe shape (configs/pci-two-expanders.ini):
# expanders 0x10 (guest node 0) and 0x20 (node 1), a mock-accel PF on each.
# The guest must show root ports at 10:00.0 / 20:00.0, the PFs at 11:00.0 /
# 21:00.0 with numa_node 0 / 1 (sysfs and lspci -tv), decode the PF's
# capabilities with lspci -vvv, read BAR0's registers through MMIO, use
# MMCONFIG, and log no PCI or ACPI complaint. Then QEMU builds the same
# topology with pxb-pcie in the same test host: same bus numbers, same
# numa_node values.
# host-nodes: 2
# needs: qemu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pci-lib.sh"

n=two
if [ "$VMM" = mvmm ]; then
	pci_boot "$n" "$CONFIGS/pci-two-expanders.ini"
	expect_fact "$n" node_online 0-1
	expect_pci "$n" 0000:00:00.0 0x1b36:0x0008 0x060000 0
	expect_pci "$n" 0000:10:00.0 0x1b36:0x000c 0x060400 0
	expect_pci "$n" 0000:11:00.0 0x1de5:0x0001 0x120000 0
	expect_pci "$n" 0000:20:00.0 0x1b36:0x000c 0x060400 1
	expect_pci "$n" 0000:21:00.0 0x1de5:0x0001 0x120000 1
	expect_fact "$n" pci_devices 5
	pci_lines "$n" LSPCI-TV
	pci_lines "$n" LSPCI-TV | grep -q '\[0000:10\]---00\.0-\[11\]----00\.0' ||
		fail "$n: lspci -tv has no 10:00.0 -> [11] -> 00.0"
	pci_lines "$n" LSPCI-TV | grep -q '\[0000:20\]---00\.0-\[21\]----00\.0' ||
		fail "$n: lspci -tv has no 20:00.0 -> [21] -> 00.0"
	check_lspci "$n"
	# The PF's decode: PCIe endpoint, MSI-X with 2 vectors in BAR0.
	awk '/^11:00.0 /,/^$/' "$OUT/$n.lspci" >"$OUT/pf.lspci"
	cat "$OUT/pf.lspci"
	grep -q 'Capabilities: \[40\] Express (v2) Endpoint' "$OUT/pf.lspci" || fail "$n: PF has no PCIe capability in lspci"
	grep -q 'MSI-X: Enable- Count=2 Masked-' "$OUT/pf.lspci" || fail "$n: PF has no MSI-X capability in lspci"
	grep -q 'Vector table: BAR=0 offset=00000800' "$OUT/pf.lspci" || fail "$n: MSI-X table not at BAR0+0x800"
	grep -q 'NUMA node: 0' "$OUT/pf.lspci" || fail "$n: lspci shows no NUMA node 0 for the PF"
	grep -qE 'Region 0: Memory at [0-9a-f]+ \(32-bit, non-prefetchable\) \[size=4K\]' "$OUT/pf.lspci" ||
		fail "$n: PF BAR0 not a 4K 32-bit region"
	awk '/^20:00.0 /,/^$/' "$OUT/$n.lspci" | grep -q 'Slot ID: 1 slots, First+, chassis 15' ||
		fail "$n: root port 20:00.0 does not carry chassis 21 (0x15)"
	check_pf_bar0 "$n" 0000:11:00.0
	check_pf_bar0 "$n" 0000:21:00.0
	# acc1's configured UUID, byte 0 at 0x08.
	expect_fact "$n" bar0_0000:21:00.0_0x08 0x6B636F6D
	expect_fact "$n" bar0_0000:21:00.0_0x14 0x21000000
	check_klog "$n"
	check_dmesg "$n"
fi

# QEMU with pxb-pcie, same shape (edu devices stand in for the PFs).
command -v qemu-system-x86_64 >/dev/null || skip "no QEMU in this test host"
export QEMU_EXTRA="-object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
 -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1
 -device pxb-pcie,id=pxb10,bus_nr=0x10,numa_node=0,bus=pcie.0
 -device pcie-root-port,id=rp10,bus=pxb10,chassis=1,addr=0 -device edu,bus=rp10
 -device pxb-pcie,id=pxb20,bus_nr=0x20,numa_node=1,bus=pcie.0
 -device pcie-root-port,id=rp20,bus=pxb20,chassis=2,addr=0 -device edu,bus=rp20"
VMM=qemu-as-mvmm
q=qemu
pci_boot "$q" "$CONFIGS/pci-two-expanders.ini"
pci_lines "$q" LSPCI-TV
for a in 0000:10:00.0 0000:11:00.0 0000:20:00.0 0000:21:00.0; do
	qv=$(fact "$q" "pci_$a")
	[ -n "$qv" ] || fail "qemu: no PCI function at $a"
	if [ "$VMM_KIND" = qemu ]; then
		note "qemu: $a: $qv"
		continue
	fi
	expect_eq "numa_node of $a, mvmm vs QEMU" "${qv##*numa=}" "$(fact "$n" "pci_$a" | sed 's/.*numa=//')"
done
expect_eq "qemu: root port class" 0x060400 "$(fact "$q" pci_0000:10:00.0 | sed 's/.* class=\([^ ]*\).*/\1/')"
