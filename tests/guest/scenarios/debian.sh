#!/bin/sh
# The Debian image (make image) boots under mvmm to multi-user.target: the
# reference node's shape (tests/guest/configs/debian-node.ini) with its root
# disk a snapshot of the test host's /dev/vda (the image). The image's
# mvmm-ready.service reports on the serial console: both guest nodes
# online, all six mock-accel functions (the driver loads at boot with
# num_vfs=2) on the right nodes, no failed unit, root on the virtio disk
# read-write; the serial getty prints its login prompt; then the control
# socket's powerdown presses the ACPI power button, systemd shuts the guest
# down cleanly and mvmm exits 0.
# host-nodes: 2
# needs: image
# budget: 420
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [disk.NAME] syntax"
[ -b /dev/vda ] || fail "the test host has no /dev/vda (run-guest-tests.sh passes the image with --disk)"
INITRD_IMG=$TH/image/initrd.img
[ -f "$INITRD_IMG" ] || fail "no $INITRD_IMG in the test host"
# systemd under nested TCG: give it more than an initramfs boot.
T=${DEBIAN_BOOT_TIMEOUT:-300}
n=debian
sock=/tmp/debian.sock
vmm_start "$n" --config "$CONFIGS/debian-node.ini" --kernel "$VMLINUZ" --initrd "$INITRD_IMG" \
	--api-socket "$sock" --append "console=ttyS0 root=/dev/vda panic=-1 quiet"
if ! wait_line "$OUT/$n.out" '^@@FACT failed_units=' "$T"; then
	kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"; show_output "$n"
	fail "$n: the Debian guest did not reach multi-user.target within ${T}s"
fi
mvmm-ctl "$sock" powerdown >/dev/null || { kill -KILL "$VMM_PID"; wait "$VMM_PID"; show_output "$n"
	fail "$n: powerdown failed"; }
vmm_finish "$n" 120
expect_rc "$n" 0
up=$(tr -d '\r' <"$OUT/$n.out" | sed -n 's/^@@MVMM-MULTI-USER uptime=//p' | head -n 1)
note "multi-user.target reached at guest uptime ${up}s"
expect_fact "$n" nodes 0-1
expect_fact "$n" accel_functions 6
expect_fact "$n" failed_units 0
expect_fact "$n" state running
note "systemd: $(fact "$n" boot)"
expect_fact "$n" root "/dev/vda rw"
for f in 0000:11:00.0:0 0000:11:00.1:0 0000:11:00.2:0 0000:21:00.0:1 0000:21:00.1:1 0000:21:00.2:1; do
	expect_line "$n" "^@@ACCEL ${f%:*} numa_node=${f##*:} uuid=[0-9a-f-]{36}" "${f%:*} on node ${f##*:} with a UUID"
done
expect_line "$n" '^mvmm-guest login: ' "a login prompt on ttyS0"
