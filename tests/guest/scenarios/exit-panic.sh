#!/bin/sh
# A guest panic, reported through pvpanic (the guest loads the stock
# pvpanic-mmio driver, then crashes with sysrq-c), ends the VMM with exit
# status 4.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"
vmm_boot panic --config "$CONFIGS/boot-1cpu.ini" \
	--kernel "$VMLINUZ" --initrd "$INITRD" --append "$BASE_CMDLINE mvmm.test=panic"
expect_line panic '^@@DONE action=panic' "guest was about to panic"
[ "$RC" = 4 ] || fail "panic: expected exit status 4, got $RC (pvpanic driver bound to $(fact panic pvpanic_bound) device(s))"
expect_rc panic 4
