#!/bin/sh
# The reference cluster node, scaled (tests/guest/configs/accel-node.ini:
# two guest nodes bound to the two host nodes, expanders 0x10 / 0x20, a
# mock-accel PF with 2 VFs on each), with the project's driver
# (mvmm.kmod=) and the in-guest script accel-inguest.sh (mvmm.run=). The
# guest must show 2 PFs before VFs are enabled and 6 functions after
# (11:00.0-2 on node 0, 21:00.0-2 on node 1, unique UUIDs, the configured
# memory sizes), STATUS reading back per function and surviving VF
# disable/enable, no VFs after sriov_numvfs = 0, enable again and cycles,
# the DMA self-test passing on both nodes, and after a fuzz of every
# register and bad DMA addresses, the devices still working; then the
# driver's num_vfs parameter gives all six at load. mvmm must keep
# running and end with the guest's poweroff (exit 0). Host side: each DMA
# worker runs on its device's host node (/proc and the placement report),
# and device memory is bound there (numa_maps).
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "mock-accel is emulated by mvmm"
n=accel
json=$OUT/report.json
# A failure while mvmm runs: stop it and show what the guest printed.
early_fail() {
	kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"
	show_output "$n"
	fail "$@"
}
PF_MEM=268435456	# 256M, the config's memory_size
VF_MEM=67108864		# 64M, its vf_memory_size

vmm_start "$n" --config "$CONFIGS/accel-node.ini" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--report-json "$json" \
	--append "$BASE_CMDLINE mvmm.test=poweroff mvmm.kmod=1 mvmm.run=/bin/accel-inguest.sh"
if ! wait_line "$OUT/$n.out" '^@@ACCEL-PHASE selftest-done' "$BOOT_TIMEOUT"; then
	kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"
	show_output "$n"
	fail "$n: the guest did not get through its DMA self-tests within ${BOOT_TIMEOUT}s"
fi

# ---- host side, while the guest runs -------------------------------------
# The DMA workers: one per device, on the CPUs of its host node.
for d in acc0:0 acc1:1; do
	a=$(thread_affinity "$VMM_PID" "accel-${d%:*}")
	[ "$a" = "${d#*:}" ] || early_fail "$n: accel-${d%:*} worker runs on CPUs '$a', not ${d#*:} (/proc)"
	note "ok: $n: accel-${d%:*} worker on host CPU $a (/proc)"
done
wait_report "$json" start 5 || early_fail "$n: no start report in $json"
for d in acc0:0 acc1:1; do
	l=$(grep "\"name\": \"accel-${d%:*}\"" "$json")
	note "report: $l"
	case $l in *"\"affinity\": \"${d#*:}\", \"planned\": \"${d#*:}\", \"ok\": true"*) ;;
	*) early_fail "$n: the placement report does not show accel-${d%:*} on host CPU ${d#*:}: '$l'" ;;
	esac
done
grep -q 'accel-acc0 .* ok$' "$OUT/$n.err" || early_fail "$n: no accel-acc0 line in the report on stderr"

# Device memory: anonymous mappings bound to the device's host node. The
# kernel merges neighbouring mappings of one policy (a PF's 256 MiB with its
# VFs' 64 MiB), so count megabytes: per host node 512 MiB of guest RAM (one
# mapping) plus 256 + 2 x 64 MiB of device memory, whose pages the
# self-tests touched on that node only.
: >"$OUT/bound"
grep ' bind:' "/proc/$VMM_PID/numa_maps" | while read -r start pol rest; do
	end=$(grep "^$start-" "/proc/$VMM_PID/maps" | head -n 1 | cut -d' ' -f1 | cut -d- -f2)
	[ -n "$end" ] || continue
	echo "$(((0x$end - 0x$start) >> 20)) $pol $rest" >>"$OUT/bound"
done
cat "$OUT/bound"
for h in 0 1; do
	mib=$(awk -v p="bind:$h" '$2 == p { s += $1 } END { print s + 0 }' "$OUT/bound")
	[ "$mib" = 896 ] || early_fail "$n: $mib MiB bound to host node $h, expected 896 (RAM 512 + device 384)"
	grep -v '^512 ' "$OUT/bound" | grep " bind:$h " | grep -q " N$h=" ||
		early_fail "$n: the device memory bound to host node $h has no page there"
	if grep -v '^512 ' "$OUT/bound" | grep " bind:$h " | grep -q " N$((1 - h))="; then
		early_fail "$n: device memory bound to host node $h has pages on host node $((1 - h))"
	fi
done
note "ok: $n: device memory bound to each device's host node"

# ---- the rest of the guest's run: fuzz, cycles, reload, poweroff --------
if ! wait_line "$OUT/$n.out" '^@@DONE' 600; then
	kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"
	show_output "$n"
	fail "$n: the guest did not finish (mvmm hung, or the guest stopped answering)"
fi
vmm_finish "$n" "$ACTION_TIMEOUT"
expect_rc "$n" 0
expect_line "$n" '^@@DONE action=poweroff' "guest powered off after everything"
expect_fact "$n" kmod_loaded yes
if tr -d '\r' <"$OUT/$n.out" | grep '^@@FACT error='; then
	fail "$n: the in-guest script reported an error (above)"
fi
expect_fact "$n" node_online 0-1

# mock_line NAME PHASE DEV: the tool's list line for DEV in PHASE.
mock_line() { tr -d '\r' <"$OUT/$1.out" | sed -n "s/^@@MOCK-$2 name=$3 //p" | head -n 1; }
# expect_dev PHASE DEV TYPE PCI NODE MEM
expect_dev() {
	l=$(mock_line "$n" "$1" "$2")
	case "$l" in "type=$3 pci=$4 numa_node=$5 "*"memory_size=$6 "*) note "ok: $1: $2 $l" ;;
	*) fail "$n: $1: $2 is not a $3 at $4 on node $5 with memory_size $6: '$l'" ;;
	esac
}
expect_six() {	# PHASE
	expect_fact "$n" "accel_$1_count" 6
	expect_dev "$1" mock0 pf 0000:11:00.0 0 $PF_MEM
	expect_dev "$1" mock0_vf0 vf 0000:11:00.1 0 $VF_MEM
	expect_dev "$1" mock0_vf1 vf 0000:11:00.2 0 $VF_MEM
	expect_dev "$1" mock1 pf 0000:21:00.0 1 $PF_MEM
	expect_dev "$1" mock1_vf0 vf 0000:21:00.1 1 $VF_MEM
	expect_dev "$1" mock1_vf1 vf 0000:21:00.2 1 $VF_MEM
}

# Two PFs before VFs, six after; UUIDs all different.
expect_fact "$n" accel_pf_count 2
expect_dev pf mock0 pf 0000:11:00.0 0 $PF_MEM
expect_dev pf mock1 pf 0000:21:00.0 1 $PF_MEM
mock_line "$n" pf mock0 | grep -q 'sriov_totalvfs=2 sriov_numvfs=0' || fail "$n: mock0 before VFs: $(mock_line "$n" pf mock0)"
expect_six vfs
uuids=$(tr -d '\r' <"$OUT/$n.out" | sed -n 's/^@@MOCK-vfs .* uuid=\([^ ]*\) .*/\1/p' | sort -u | wc -l)
expect_eq "$n: distinct UUIDs among the six" 6 "$uuids"
# STATUS reads back, per function.
i=0
for d in mock0 mock1 mock0_vf0 mock0_vf1 mock1_vf0 mock1_vf1; do
	i=$((i + 1))
	expect_fact "$n" "accel_status_$d" "0x5a5a000$i"
done
# The DMA engine on both nodes.
for d in mock0 mock1 mock0_vf0 mock1_vf0; do expect_fact "$n" "selftest_$d" pass; done
tr -d '\r' <"$OUT/$n.out" | grep '^@@BENCH' || fail "$n: no DMA throughput figures"
# VFs gone with sriov_numvfs = 0; back (with their STATUS) after enabling.
expect_fact "$n" accel_off_count 2
expect_fact "$n" accel_off_pci_vfs 0
expect_six again
for d in mock0_vf0:3 mock0_vf1:4 mock1_vf0:5 mock1_vf1:6; do
	expect_fact "$n" "accel_again_status_${d%:*}" "0x5a5a000${d#*:}"
done
expect_six cycled
# The fuzz: every function refused what it had to and kept working.
for a in 0000:11:00.0 0000:11:00.1 0000:11:00.2 0000:21:00.0 0000:21:00.1 0000:21:00.2; do
	expect_fact "$n" "fuzz_$a" pass
	note "fuzz $a: $(fact "$n" "fuzz_${a}_doorbells")"
done
expect_six refuzzed
for d in mock0 mock1; do expect_fact "$n" "refuzz_selftest_$d" pass; done
expect_fact "$n" accel_after_fuzz alive
# num_vfs=2 at load: all six right away.
expect_six param
check_dmesg "$n"
