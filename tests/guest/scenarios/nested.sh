#!/bin/sh
# Nested virtualization (tests/guest/configs/nested-2node.ini): the guest as a
# NUMA KVM host. The test host's kvm_amd runs with nested=1 for this shape
# only. With [machine] nested = yes the two-cell guest sees SVM, loads
# kvm_amd, has /dev/kvm and runs a VM of its own (kvm-hello: real mode, one
# port write, HLT), and numactl --hardware shows the asymmetric cells (2 + 1
# CPUs, 512 + 256 MiB). With nested = no on the same host the guest sees no
# SVM and kvm_amd refuses to load: mvmm hides it unless asked.
# host-nodes: 2
# kvm-amd: vgif=0 nested=1 npt=0
# guest-modules: kvm_amd
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [machine] nested"
[ "$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null)" = 1 ] ||
	fail "the test host's kvm_amd runs without nested=1 ($(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null))"
args="--config $CONFIGS/nested-2node.ini --kernel $VMLINUZ --initrd $INITRD"
cmd="$BASE_CMDLINE mvmm.test=poweroff mvmm.run=/bin/nested-inguest.sh"

n=nested
vmm_boot "$n" $args --append "$cmd"
expect_rc "$n" 0
expect_fact "$n" svm 3
expect_fact "$n" kvm_amd loaded
expect_fact "$n" dev_kvm 1
expect_fact "$n" kvm_hello "kvm-hello: ok (the guest wrote 'K' to port 0x3f8, then halted at 0x1007)"
# (the console may carry the script's output twice: the first copy counts)
tr -d '\r' <"$OUT/$n.out" | sed -n 's/^@@NUMACTL //p' | awk '!seen[$0]++' >"$OUT/numactl.txt"
cat "$OUT/numactl.txt"
grep -qx 'available: 2 nodes (0-1)' "$OUT/numactl.txt" || fail "$n: numactl does not see 2 nodes"
grep -qx 'node 0 cpus: 0 1' "$OUT/numactl.txt" || fail "$n: node 0 does not have CPUs 0 1"
grep -qx 'node 1 cpus: 2' "$OUT/numactl.txt" || fail "$n: node 1 does not have CPU 2"
# RAM less what the kernel keeps: 512M and 256M cells, by the MB.
s0=$(sed -n 's/^node 0 size: \([0-9]*\) MB$/\1/p' "$OUT/numactl.txt")
s1=$(sed -n 's/^node 1 size: \([0-9]*\) MB$/\1/p' "$OUT/numactl.txt")
expect_range "$n: node 0 size (MB)" 400 512 "$s0"
expect_range "$n: node 1 size (MB)" 200 256 "$s1"
check_dmesg "$n"

n=flat
vmm_boot "$n" $args --set machine.nested=no --append "$cmd"
expect_rc "$n" 0
expect_fact "$n" svm 0
case $(fact "$n" kvm_amd) in
failed:*) note "ok: $n: kvm_amd does not load without SVM ($(fact "$n" kvm_amd))" ;;
*) fail "$n: kvm_amd loaded in a guest without nested = yes" ;;
esac
expect_fact "$n" dev_kvm 0
