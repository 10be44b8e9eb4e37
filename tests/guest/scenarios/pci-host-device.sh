#!/bin/sh
# [pcie.NAME] host_device = 0000:41:00.0: the test host's device behind its
# node-1 expander (tests/testhost/testhost.sh) ties the expander to the guest
# node bound to host node 1, so the PF at 11:00.0 reads numa_node 1. Without
# a guest node on that host node, or for a device the host does not have,
# mvmm refuses the config with one line and status 1.
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pci-lib.sh"

[ "$VMM" = mvmm ] || skip "host_device is mvmm's"
hd=/sys/bus/pci/devices/0000:41:00.0
[ -f "$hd/numa_node" ] || fail "the test host has no $hd"
expect_eq "test host: numa_node of 0000:41:00.0" 1 "$(cat "$hd/numa_node")"
n=hostdev
pci_boot "$n" "$CONFIGS/pci-host-device.ini"
expect_fact "$n" node_online 0-1
expect_pci "$n" 0000:10:00.0 0x1b36:0x000c 0x060400 1
expect_pci "$n" 0000:11:00.0 0x1de5:0x0001 0x120000 1
check_klog "$n"
check_dmesg "$n"

vmm_run bad 20 --config "$CONFIGS/pci-bad-host-device.ini" --kernel "$VMLINUZ"
expect_rc bad 1
grep -qx "mvmm: $CONFIGS/pci-bad-host-device.ini:14: \[pcie.gpu\] host_device: '0000:41:00.0' is on host node 1, but no \[numa.N\] section has host_node = 1" "$OUT/bad.err" ||
	fail "bad: unexpected message: $(cat "$OUT/bad.err")"
sed 's/0000:41:00.0/0000:42:00.0/' "$CONFIGS/pci-bad-host-device.ini" >"$OUT/nodev.ini"
vmm_run nodev 20 --config "$OUT/nodev.ini" --kernel "$VMLINUZ"
expect_rc nodev 1
grep -q "host_device: expected a PCI device of this host, got '0000:42:00.0'" "$OUT/nodev.err" ||
	fail "nodev: unexpected message: $(cat "$OUT/nodev.err")"
