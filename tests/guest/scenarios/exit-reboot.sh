#!/bin/sh
# A guest reboot ends the VMM with exit status 3.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"
vmm_boot reboot --config "$CONFIGS/boot-1cpu.ini" \
	--kernel "$VMLINUZ" --initrd "$INITRD" --append "$BASE_CMDLINE mvmm.test=reboot"
expect_line reboot '^@@DONE action=reboot' "guest asked for a reboot"
expect_rc reboot 3
