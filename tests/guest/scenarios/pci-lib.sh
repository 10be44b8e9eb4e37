# Helpers for the pci-*.sh scenarios (sourced after lib.sh).

# pci_boot NAME CONFIG: boot the stock bzImage with CONFIG and the PCI report
# (mvmm.pci=1), which must reach the end of init and power off.
pci_boot() {
	vmm_run "$1" "$BOOT_TIMEOUT" --config "$2" --kernel "$VMLINUZ" --initrd "$INITRD" \
		--append "$BASE_CMDLINE mvmm.test=poweroff mvmm.pci=1"
	tr -d '\r' <"$OUT/$1.out" | grep -q '^@@INIT-REACHED' ||
		fail "$1: guest never reached /init (exit status $RC; stderr: $(head -n 1 "$OUT/$1.err"))"
	expect_line "$1" '^@@DONE action=poweroff' "guest init ran to the end"
	expect_rc "$1" 0
}

# expect_pci NAME ADDR VENDOR:DEVICE CLASS NUMA: function ADDR as sysfs shows it.
expect_pci() {
	expect_fact "$1" "pci_$2" "$3 class=$4 numa=$5"
}

# pci_lines NAME PREFIX: the guest's "@@PREFIX " lines, prefix removed.
pci_lines() {
	tr -d '\r' <"$OUT/$1.out" | sed -n "s/^@@$2 //p"
}

# check_lspci NAME: lspci -vvv decoded everything without complaint.
check_lspci() {
	pci_lines "$1" LSPCI >"$OUT/$1.lspci"
	[ -s "$OUT/$1.lspci" ] || fail "$1: no lspci -vvv output"
	if grep -nE '<\?>|<BAD|chain broken|Unknown|unknown|<access denied>|!!!' "$OUT/$1.lspci"; then
		fail "$1: lspci -vvv reports a problem (see above)"
	fi
	note "ok: $1: lspci -vvv decodes $(grep -c 'Capabilities:' "$OUT/$1.lspci") capabilities cleanly"
}

# check_klog NAME: no PCI/ACPI complaint among the kernel's messages of any
# level (resource claims, reassignments, MMCONFIG, _OSC failures).
check_klog() {
	pci_lines "$1" KLOG >"$OUT/$1.klog"
	grep -q 'MMCONFIG' "$OUT/$1.klog" || fail "$1: no MMCONFIG line in the kernel log"
	if grep -nE "can't claim|no space for|failed to assign|not reserved|reassign|[Cc]onflict|Firmware Bug|FW_BUG|\[Firmware|bridge configuration invalid|disabling bridge window|_OSC failed|not CPU addressable|Fatal|No config space|ignored" "$OUT/$1.klog"; then
		fail "$1: the kernel complains about PCI/ACPI (see above)"
	fi
	note "ok: $1: $(wc -l <"$OUT/$1.klog") PCI/ACPI kernel lines, no complaint"
}

# check_pf_bar0 NAME ADDR: docs/mock-accel.md's BAR0 registers through the guest.
check_pf_bar0() {
	expect_fact "$1" "bar0_$2_0x00" 0x4D4F434B
	expect_fact "$1" "bar0_$2_0x04" 0x00010000
	expect_fact "$1" "bar0_$2_0x20" 0x00000000
	expect_fact "$1" "bar0_$2_0x24" 0x00000004
	expect_fact "$1" "bar0_$2_0x30" 0x00010000
	expect_fact "$1" "bar0_$2_status_rw" 0x5A5A1234
}
