#!/bin/sh
# A CPU-only node, a memory-only node interleaved over both host nodes, a
# per-vCPU override, emulator_cpus, and guest RAM in a shared /dev/shm file.
# The guest sees node 1 with CPUs and no memory, node 2 with memory and no
# CPUs (its HMAT initiator the nearest CPU node, with the [hmat] figures);
# the host runs vcpu0 on CPU 1 (override), vcpu1 on CPU 1, every other
# thread on CPU 0; the exit report puts node 0's pages on host node 0 only
# and spreads node 2's over host nodes 0 and 1.
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "the placement report is mvmm's"
name=mixed
json=$OUT/report.json
mkdir -p /dev/shm
mountpoint -q /dev/shm || mount -t tmpfs -o size=1G tmpfs /dev/shm
vmm_start "$name" --config "$CONFIGS/numa-mixed.ini" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--report-json "$json" --append "$BASE_CMDLINE mvmm.test=hang mvmm.fill=64"
if ! wait_line "$OUT/$name.out" '^@@DONE action=hang' "$BOOT_TIMEOUT"; then
	kill -KILL "$VMM_PID" 2>/dev/null
	show_output "$name"
	fail "$name: guest did not reach its hang within ${BOOT_TIMEOUT}s (or mvmm exited)"
fi
expect_affinity "$name" "$VMM_PID" 0 1
expect_affinity "$name" "$VMM_PID" 1 1
others=$(other_affinities "$VMM_PID")
note "other threads: $others"
for o in $others; do
	[ "${o#*=}" = 0 ] || fail "$name: thread ${o%=*} runs on '${o#*=}', expected emulator_cpus 0"
done
# SIGINT stops at once (SIGTERM would ask the guest first: exit-sigterm).
kill -INT "$VMM_PID"
vmm_finish "$name" 10
expect_rc "$name" 130
expect_eq "$name: last report" exit "$(report_when "$json")"
cat "$json"
expect_bound "$json" 0 0 16384
# Interleave: 64 MiB = 16384 4K pages at least, spread over both nodes.
t2=$(report_field "$json" guest_node 2 touched)
expect_range "guest node 2: touched pages" 16384 999999999 "$t2"
expect_eq "guest node 2: off-plan pages" 0 "$(report_field "$json" guest_node 2 off_plan_pages)"
expect_range "guest node 2: pages on host node 0" $((t2 / 4)) "$t2" "$(pages_on "$json" 2 0)"
expect_range "guest node 2: pages on host node 1" $((t2 / 4)) "$t2" "$(pages_on "$json" 2 1)"
expect_eq "report: vcpu0 affinity" 1 "$(report_field "$json" vcpu 0 affinity)"

expect_fact "$name" node_online 0-2
expect_node_facts "$name" 0 0 256 "10 20 30"
expect_node_facts "$name" 1 1 0 "20 10 25"
expect_node_facts "$name" 2 "" 256 "30 25 10"
expect_range "$name: node2 fill (Shmem kB)" 64512 999999 "$(fact "$name" node2_fill_shmem_kb)"
expect_fact "$name" cpu_places "0:0:0,1:1:0"
expect_fact "$name" node2_hmat "node1:300:5000"
expect_numactl "$name" 'available: 3 nodes \(0-2\)'
expect_numactl "$name" 'node 1 size: 0 MB'
expect_numactl "$name" 'node 2 cpus: *'
expect_no_topology_warnings "$name"
check_dmesg "$name"
