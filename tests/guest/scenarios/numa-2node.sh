#!/bin/sh
# Two guest nodes bound (strict) to the two host nodes, backed by 2M huge
# pages. The guest must see exactly the configured nodes, CPUs, memory,
# distances and HMAT, with one socket per node and no topology warnings; on
# the host, each vCPU thread runs on its node's host CPU, and after the
# guest filled 64 MiB on each node, the placement report (SIGUSR1 while
# running, then at exit) finds every touched page of guest node N on host
# node N.
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "the placement report is mvmm's"
name=numa2
cfg=$CONFIGS/numa-2node.ini
json=$OUT/report.json
# 192 free 2M pages per host node (384M each), as the config needs; given
# back at the end, for the scenarios that share this test host.
hp() { echo "$2" >/sys/devices/system/node/node$1/hugepages/hugepages-2048kB/nr_hugepages; }
trap 'hp 0 0; hp 1 0' EXIT
for n in 0 1; do
	hp $n 192
	note "host node $n: $(cat /sys/devices/system/node/node$n/hugepages/hugepages-2048kB/free_hugepages) free 2M pages"
done
vmm_start "$name" --config "$cfg" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--report-json "$json" --append "$BASE_CMDLINE mvmm.test=hang mvmm.fill=64"
if ! wait_line "$OUT/$name.out" '^@@DONE action=hang' "$BOOT_TIMEOUT"; then
	kill -KILL "$VMM_PID" 2>/dev/null
	show_output "$name"
	fail "$name: guest did not reach its hang within ${BOOT_TIMEOUT}s (or mvmm exited)"
fi
wait_report "$json" start 5 || fail "$name: no start report in $json"

# Host side, from /proc: vCPUs 0-1 on host CPU 0 (host node 0), 2-3 on 1.
for v in 0 1; do expect_affinity "$name" "$VMM_PID" $v 0; done
for v in 2 3; do expect_affinity "$name" "$VMM_PID" $v 1; done
note "other threads: $(other_affinities "$VMM_PID")"

# The report on SIGUSR1, after the fill.
kill -USR1 "$VMM_PID"
wait_report "$json" signal 20 || fail "$name: no report after SIGUSR1 (json: $(head -c 300 "$json"))"
cp "$json" "$OUT/report-signal.json"
cat "$OUT/report-signal.json"
expect_eq "$name: report off-plan items" 0 \
	"$(sed -n 's/.*"off_plan": \([0-9]*\),.*/\1/p' "$json" | head -n 1)"
for v in 0 1; do expect_eq "report: vcpu$v affinity" 0 "$(report_field "$json" vcpu $v affinity)"; done
for v in 2 3; do expect_eq "report: vcpu$v affinity" 1 "$(report_field "$json" vcpu $v affinity)"; done
# 64 MiB in 2M pages = 32 pages at least, all on the bound host node.
expect_eq "report: page size" 2097152 "$(sed -n 's/.*"page_size": \([0-9]*\),.*/\1/p' "$json" | head -n 1)"
expect_bound "$json" 0 0 32
expect_bound "$json" 1 1 32

# SIGINT stops at once (SIGTERM would ask the guest first: exit-sigterm).
kill -INT "$VMM_PID"
vmm_finish "$name" 10
expect_rc "$name" 130
expect_eq "$name: last report" exit "$(report_when "$json")"
expect_bound "$json" 0 0 32
expect_bound "$json" 1 1 32
grep -q 'placement report (exit).*all on plan' "$OUT/$name.err" ||
	fail "$name: no clean exit report on stderr"

# Guest side.
expect_fact "$name" node_online 0-1
expect_node_facts "$name" 0 0-1 384 "10 17"
expect_node_facts "$name" 1 2-3 384 "17 10"
# Per-node counters are folded from per-CPU deltas lazily: allow 1 MiB.
expect_range "$name: node0 fill (Shmem kB)" 64512 999999 "$(fact "$name" node0_fill_shmem_kb)"
expect_range "$name: node1 fill (Shmem kB)" 64512 999999 "$(fact "$name" node1_fill_shmem_kb)"
# One socket per node, two cores each: cpu:package:core.
expect_fact "$name" cpu_places "0:0:0,1:0:1,2:1:0,3:1:1"
expect_fact "$name" cpuinfo_sockets 2
# HMAT: node 0 derived from distance 10 (100 ns, 20000 MB/s), node 1 the
# [hmat] override.
expect_fact "$name" node0_hmat "node0:100:20000"
expect_fact "$name" node1_hmat "node1:90:25000"
expect_numactl "$name" 'available: 2 nodes \(0-1\)'
expect_numactl "$name" 'node 0 cpus: 0 1'
expect_numactl "$name" 'node 1 cpus: 2 3'
expect_numactl "$name" ' +0: +10 +17'
expect_numactl "$name" ' +1: +17 +10'
expect_no_topology_warnings "$name"
check_dmesg "$name"
