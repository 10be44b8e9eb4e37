#!/bin/sh
# Boot the stock Debian kernel from the bzImage (64-bit boot protocol) with 1 vCPU(s)
# and check what it reports: /init reached, CPUs, memory, cmdline, initrd,
# dmesg, exit status 0 after poweroff.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"
boot_and_check bzimage-1cpu "$VMLINUZ" 1 512 "$CONFIGS/boot-1cpu.ini"
