#!/bin/sh
# Boot the stock Debian kernel from the ELF vmlinux (PVH entry) with 4 vCPU(s)
# and check what it reports: /init reached, CPUs, memory, cmdline, initrd,
# dmesg, exit status 0 after poweroff.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"
boot_and_check pvh-4cpu "$VMLINUX" 4 1024 "$CONFIGS/boot-4cpu.ini"
