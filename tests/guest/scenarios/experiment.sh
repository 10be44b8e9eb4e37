#!/bin/sh
# The pinning experiment kit (scripts/experiment.sh) end to end on a 2-node
# test host: one guest, the 3 x 2 x 2 placement matrix walked through the
# control socket (RAM migrated local/remote/interleaved, vCPU pinned or
# floating, DMA worker local or remote), each cell measured in the guest.
# Every cell must have all its numbers; the last placement must be what the
# kit asked for. (TCG emulates the NUMA: the numbers are flat and not
# asserted.) The CSV goes to the log as "@@CSV" lines for `make experiment`.
# host-nodes: 2
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "the kit drives mvmm's control socket"
exp=$OUT/exp
experiment.sh run --kernel "$VMLINUZ" --initrd "$INITRD" --out "$exp" --quick \
	--mvmm mvmm --ctl mvmm-ctl >"$OUT/kit.log" 2>&1 || {
	cat "$OUT/kit.log"; tail -n 30 "$exp/console.out" 2>/dev/null; cat "$exp/mvmm.err" 2>/dev/null
	fail "the kit failed: $(tail -n 1 "$OUT/kit.log")"
}
cat "$OUT/kit.log"
sed 's/^/@@CSV /' "$exp/results.csv"
cat "$exp/results.md"
expect_eq "kit: cells" 12 "$(($(wc -l <"$exp/results.csv") - 1))"
expect_eq "kit: header" "ram,vcpu,worker,copy_mbs,triad_mbs,latency_ns,dma_h2d_mbps,dma_d2h_mbps" \
	"$(head -n 1 "$exp/results.csv")"
bad=$(tail -n +2 "$exp/results.csv" | awk -F, 'NF != 8 || $4 <= 0 || $5 <= 0 || $6 <= 0 || $7 <= 0 || $8 <= 0' | wc -l)
expect_eq "kit: cells with a missing or zero number" 0 "$bad"
expect_eq "kit: Markdown rows" 14 "$(wc -l <"$exp/results.md")"
# The last cell: RAM interleaved, vCPU 0 floating, worker on host node 1.
p=$(tr -d '\n' <"$exp/placement-last.json")
echo "$p" | grep -q '"guest_node":0,"host_nodes":"0-1","policy":"interleave"' ||
	fail "kit: guest node 0 is not interleaved at the end: $p"
echo "$p" | grep -q '"off_plan":0,' || fail "kit: off-plan items at the end: $p"
note "ok: kit: 12 cells measured, placement as asked"
