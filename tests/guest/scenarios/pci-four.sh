#!/bin/sh
# Four expanders on four guest nodes, a mock-accel PF on each, and a fifth
# expander with no device (configs/pci-four-expanders.ini): every PF on the
# bus after its expander's with its node's numa_node, the empty host bridge
# harmless, no PCI or ACPI complaint.
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pci-lib.sh"

[ "$VMM" = mvmm ] || skip "expanders come from mvmm's config"
n=four
pci_boot "$n" "$CONFIGS/pci-four-expanders.ini"
expect_fact "$n" node_online 0-3
for i in 0 1 2 3; do
	expect_pci "$n" "0000:$((i + 1))0:00.0" 0x1b36:0x000c 0x060400 "$i"
	expect_pci "$n" "0000:$((i + 1))1:00.0" 0x1de5:0x0001 0x120000 "$i"
	check_pf_bar0 "$n" "0000:$((i + 1))1:00.0"
done
# Host bridge, 4 ports, 4 PFs; nothing on the empty expander's bus.
expect_fact "$n" pci_devices 9
pci_lines "$n" LSPCI-TV
pci_lines "$n" KLOG | grep -q 'PCI Root Bridge \[PC50\] (domain 0000 \[bus 50\])' ||
	fail "$n: no root bridge PC50 for the empty expander"
check_lspci "$n"
check_klog "$n"
check_dmesg "$n"
