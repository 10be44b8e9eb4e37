#!/bin/sh
# The asymmetric OpenStack test guest (4/2/2 vCPUs, 512/256/256 MiB, per-pair
# distances) on a three-node host, one cell per host
# node, default (anonymous) backing: the guest sees exactly that, with
# uneven sockets and no topology warnings; the exit report finds each cell's
# pages on its own host node only.
# host-nodes: 3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "the placement report is mvmm's"
name=cell3
json=$OUT/report.json
vmm_run "$name" "$BOOT_TIMEOUT" --config "$CONFIGS/numa-3cell.ini" --kernel "$VMLINUZ" \
	--initrd "$INITRD" --report-json "$json" \
	--append "$BASE_CMDLINE mvmm.test=poweroff mvmm.fill=48"
tr -d '\r' <"$OUT/$name.out" | grep -q '^@@DONE action=poweroff' ||
	fail "$name: guest did not run to the end (exit status $RC)"
expect_rc "$name" 0
cat "$json"
expect_eq "$name: last report" exit "$(report_when "$json")"
for v in 0 1 2 3; do expect_eq "report: vcpu$v affinity" 0 "$(report_field "$json" vcpu $v affinity)"; done
for v in 4 5; do expect_eq "report: vcpu$v affinity" 1 "$(report_field "$json" vcpu $v affinity)"; done
for v in 6 7; do expect_eq "report: vcpu$v affinity" 2 "$(report_field "$json" vcpu $v affinity)"; done
# 48 MiB = 12288 4K pages at least on each.
expect_bound "$json" 0 0 12288
expect_bound "$json" 1 1 12288
expect_bound "$json" 2 2 12288

expect_fact "$name" nproc 8
expect_fact "$name" node_online 0-2
expect_node_facts "$name" 0 0-3 512 "10 21 31"
expect_node_facts "$name" 1 4-5 256 "21 10 41"
expect_node_facts "$name" 2 6-7 256 "31 41 10"
# Sockets 0/1/2 = cells, cores as wide as the widest cell (4): APIC ids
# skip 6-7.
expect_fact "$name" cpu_places "0:0:0,1:0:1,2:0:2,3:0:3,4:1:0,5:1:1,6:2:0,7:2:1"
expect_fact "$name" cpuinfo_apicids "0,1,2,3,4,5,8,9"
expect_fact "$name" cpuinfo_sockets 3
expect_numactl "$name" 'available: 3 nodes \(0-2\)'
expect_numactl "$name" 'node 0 cpus: 0 1 2 3'
expect_numactl "$name" ' +2: +31 +41 +10'
expect_no_topology_warnings "$name"
check_dmesg "$name"
