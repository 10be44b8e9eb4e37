#!/bin/sh
# The control socket on a three-node host: a guest built from --set (two
# nodes bound to host nodes 0 and 1, 32 MiB written on each); guest node 0's
# RAM is re-spread over host nodes 1-2 (interleave) and guest node 1's moved
# to host node 2 (preferred) while the guest runs; vCPU 1 goes to host node
# 2's CPU. The report then finds node 0's pages on host nodes 1 and 2 only,
# node 1's on 2 only, nothing off plan.
# host-nodes: 3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "the control socket is mvmm's"
name=ctl3
sock=/tmp/ctl3.sock
ctl() { mvmm-ctl "$sock" "$@"; }
vmm_start "$name" --kernel "$VMLINUZ" --initrd "$INITRD" --api-socket "$sock" \
	--set machine.cpus=2 --set machine.memory=512M \
	--set numa.0.cpus=0 --set numa.0.memory=256M --set numa.0.host_node=0 \
	--set numa.1.cpus=1 --set numa.1.memory=256M --set numa.1.host_node=1 \
	--append "$BASE_CMDLINE mvmm.test=hang mvmm.fill=32"
trap 'kill -KILL $VMM_PID 2>/dev/null' EXIT
wait_line "$OUT/$name.out" '^@@DONE action=hang' "$BOOT_TIMEOUT" ||
	{ vmm_finish "$name" 5; fail "$name: guest did not reach its hang"; }

ctl migrate-memory guest_node=0 host_nodes=1-2 policy=interleave >"$OUT/m0.json" ||
	fail "$name: migrate node 0: $(cat "$OUT/m0.json")"
cat "$OUT/m0.json"
grep -q '"failed":0,' "$OUT/m0.json" || fail "$name: node 0 pages could not move"
ctl migrate-memory guest_node=1 host_nodes=2 policy=preferred >"$OUT/m1.json" ||
	fail "$name: migrate node 1: $(cat "$OUT/m1.json")"
cat "$OUT/m1.json"
grep -q '"failed":0,' "$OUT/m1.json" || fail "$name: node 1 pages could not move"
ctl set-affinity vcpu=1 cpus=2 >/dev/null || fail "$name: set-affinity failed"
expect_affinity "$name" "$VMM_PID" 1 2

ctl query-placement | tr -d '\n' >"$OUT/p.json"
n0=$(grep -o '{"guest_node":0[^}]*}[^}]*}' "$OUT/p.json")
n1=$(grep -o '{"guest_node":1[^}]*}[^}]*}' "$OUT/p.json")
note "node 0: $n0"
note "node 1: $n1"
echo "$n0" | grep -q '"host_nodes":"1-2","policy":"interleave"' || fail "$name: node 0's plan: $n0"
echo "$n0" | grep -qE '"on_host_node":\{"1":[0-9]+,"2":[0-9]+\}' ||
	fail "$name: node 0 pages not on host nodes 1 and 2 only: $n0"
# Interleaved page by page (by address, as the kernel does): an even split.
a=$(echo "$n0" | sed -n 's/.*"on_host_node":{"1":\([0-9]*\),"2":\([0-9]*\)}.*/\1/p')
b=$(echo "$n0" | sed -n 's/.*"on_host_node":{"1":\([0-9]*\),"2":\([0-9]*\)}.*/\2/p')
expect_range "$name: node 0 pages on host node 1, per cent" 40 60 $((a * 100 / (a + b)))
echo "$n1" | grep -q '"host_nodes":"2","policy":"preferred"' || fail "$name: node 1's plan: $n1"
echo "$n1" | grep -qE '"on_host_node":\{"2":[0-9]+\}' || fail "$name: node 1 pages not on host node 2 only: $n1"
grep -q '"off_plan":0,' "$OUT/p.json" || fail "$name: off-plan items: $(cat "$OUT/p.json")"
note "ok: $name: node 0 interleaved over host nodes 1-2, node 1 on host node 2, vcpu1 on CPU 2"
ctl quit >/dev/null
vmm_finish "$name" 20
expect_rc "$name" 0
