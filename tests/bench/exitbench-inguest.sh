#!/bin/busybox sh
# Runs INSIDE the inner guest for make bench (mvmm.run=/bin/exitbench-inguest.sh,
# booted with pci=nommconf): the round trip of exits to the VMM's userspace.
# Port I/O: reads of the host bridge's vendor/device dword through sysfs,
# which the kernel makes through 0xCF8/0xCFC (two port exits each); MMIO:
# reads of BAR0 offset 0 of a userspace PCI device (mvmm's mock-accel PF,
# QEMU's edu). Userspace IN is not used: a QEMU guest of the test host takes
# a #GP on it even with ioperm.
out=$(/bin/exit-bench cfg /sys/bus/pci/devices/0000:00:00.0/config 20000 2>&1)
echo "@@EXITBENCH cfg $out (status $?)"
dev=
for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/vendor"):$(cat "$d/device")" in
	0x1de5:0x0001|0x1234:0x11e8) dev=$d ;;
	esac
done
if [ -n "$dev" ]; then
	echo 1 >"$dev/enable"
	out=$(/bin/exit-bench mmio "$dev/resource0" 0 20000 2>&1)
	echo "@@EXITBENCH mmio $out (status $?)"
else
	echo "@@EXITBENCH mmio no device"
fi
