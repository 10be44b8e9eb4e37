#!/bin/sh
# A CI smoke boot in one command, no config file: the stock kernel with a
# two-node NUMA guest built from --set alone (a distance of 31, node 1 bound
# to host node 0), --expect of two console markers in order, the console
# also to --console-log, the timeline in --report-json. The guest's /init
# then hangs, so only mvmm's --expect can end the run: exit 0 once both
# markers appeared, each match reported with guest and wall times; the log
# is byte for byte the console; the guest saw the --set topology.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "--expect, --set and config-less boots are mvmm's"
name=expect
log=$OUT/console.log
json=$OUT/report.json
vmm_run "$name" "$BOOT_TIMEOUT" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--set machine.cpus=2 --set machine.memory=768M \
	--set numa.0.cpus=0 --set numa.0.memory=384M \
	--set numa.1.cpus=1 --set numa.1.memory=384M --set numa.1.host_node=0 \
	--set distance.0-1=31 \
	--append "$BASE_CMDLINE mvmm.test=hang" \
	--expect '^@@INIT-REACHED' --expect '^@@DONE action=hang$' \
	--console-log "$log" --report-json "$json"
expect_rc "$name" 0
expect_line "$name" '^@@DONE action=hang' "the guest reached its hang (so --expect stopped it)"
# stderr: "mvmm: expect 2/2 matched 'RE' at guest +G s, wall +W s"
for i in 1 2; do
	grep -qE "^mvmm: expect $i/2 matched '.*' at guest \+[0-9]+\.[0-9]{3}s, wall \+[0-9]+\.[0-9]{3}s$" \
		"$OUT/$name.err" || fail "$name: no report of --expect $i/2 on stderr"
done
g=$(sed -n "s/^mvmm: expect 2\/2 .* at guest +\([0-9.]*\)s, wall +\([0-9.]*\)s$/\1 \2/p" "$OUT/$name.err")
note "time to '@@DONE': guest ${g% *}s, wall ${g#* }s"
awk -v g="${g% *}" -v w="${g#* }" 'BEGIN { exit !(g > 0 && w > g) }' ||
	fail "$name: expected 0 < guest time < wall time, got '$g'"

# The log is exactly what stdout got.
cmp "$OUT/$name.out" "$log" || fail "$name: --console-log differs from the console on stdout"
note "ok: $name: --console-log equals stdout ($(wc -c <"$log") bytes)"

# The guest's view of the --set topology.
expect_fact "$name" nproc 2
expect_fact "$name" node_online 0-1
expect_fact "$name" node0_cpulist 0
expect_fact "$name" node1_cpulist 1
expect_fact "$name" node0_distance "10 31"
expect_fact "$name" node1_distance "31 10"

# The exit report's timeline and end.
sed -n '/^"timeline"/,$p' "$json"
tr -d '\n' <"$json" | grep -qE '"exit": \{"status": 0, "reason": "expect", "detail": "every --expect matched"\}' ||
	fail "$name: the report does not end with the --expect exit: $(tail -c 300 "$json")"
# The setup's steps, in the order machine__run takes them (make bench's
# setup split reads them), before the first instruction.
expect_eq "$name: timeline's first events" \
	"vmm-start planned vm-created pci-ready vcpus-created acpi-written kernel-loaded first-instruction" \
	"$(grep -o '{"event": "[a-z-]*"' "$json" | cut -d'"' -f4 | head -n 8 | tr '\n' ' ' | sed 's/ $//')"
grep -q '{"event": "exit"' "$json" || fail "$name: timeline lacks 'exit'"
expect_eq "$name: expect events in the timeline" 2 "$(grep -c '{"event": "expect",.*"guest_s": ' "$json")"
grep -q '"pattern": "^@@DONE action=hang\$"' "$json" || fail "$name: timeline lacks the second pattern"
grep -q '"guest_node": 1, "host_nodes": "0", "policy": "bind"' "$json" ||
	fail "$name: guest node 1 is not bound to host node 0 as --set asked"
note "ok: $name: report has the timeline, the exit and the --set binding"
