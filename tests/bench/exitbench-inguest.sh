#!/bin/busybox sh
# Runs INSIDE the inner guest for make bench (mvmm.run=/bin/exitbench-inguest.sh):
# the round trip of one exit to the VMM's userspace, for an I/O port (COM1's
# scratch register: a 16550 under both VMMs) and for an MMIO register (BAR0
# offset 0 of a userspace PCI device: mvmm's mock-accel PF, QEMU's edu).
echo "@@EXITBENCH pio $(/bin/exit-bench pio 0x3ff 20000 2>&1)"
dev=
for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/vendor"):$(cat "$d/device")" in
	0x1de5:0x0001|0x1234:0x11e8) dev=$d ;;
	esac
done
if [ -n "$dev" ]; then
	echo 1 >"$dev/enable"
	echo "@@EXITBENCH mmio $(/bin/exit-bench mmio "$dev/resource0" 0 20000 2>&1)"
else
	echo "@@EXITBENCH mmio no device"
fi
