#!/bin/sh
# The control socket on a running guest (2-node host): the socket is 0600;
# query-status/-config/-placement answer; a vCPU re-pinned with
# set-affinity moves at once (the kernel's affinity and the report's plan);
# guest node 0's RAM migrates from host node 0 to host node 1 while the
# guest keeps rewriting 24 MiB there and checking it (every present page
# ends up on host node 1, no check goes bad); the device's memory migrates
# the same way; pause stops the guest (no console output while paused) and
# resume lets it go on; 24 concurrent clients with garbage and good requests
# leave the guest and the socket working; powerdown presses the ACPI power
# button (the guest powers off, exit 0); quit stops a guest that does not
# cooperate (exit 0).
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "the control socket is mvmm's"
name=ctl
sock=/tmp/ctl.sock
ctl() { mvmm-ctl "$sock" "$@"; }
checks() { tr -d '\r' <"$OUT/$name.out" | grep -c '^@@CHECK ok'; }
# wait_checks N SECONDS: until at least N good checks were printed.
wait_checks() {
	_deadline=$(($(now_cs) + $2 * 100))
	while [ "$(checks)" -lt "$1" ]; do
		alive "$VMM_PID" || return 1
		[ "$(now_cs)" -lt "$_deadline" ] || return 1
		usleep 100000
	done
}
vmm_start "$name" --config "$CONFIGS/control-2node.ini" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--api-socket "$sock" --append "$BASE_CMDLINE mvmm.run=/bin/control-inguest.sh"
trap 'kill -KILL $VMM_PID 2>/dev/null' EXIT
wait_checks 1 "$BOOT_TIMEOUT" || { show_output "$name"; fail "$name: the guest's writer never checked its data"; }
expect_eq "$name: socket mode" "srw-------" "$(ls -l "$sock" | cut -c1-10)"

ctl query-status >"$OUT/status.json" || fail "$name: query-status failed: $(cat "$OUT/status.json")"
grep -q '"status":"running"' "$OUT/status.json" || fail "$name: not running: $(cat "$OUT/status.json")"
ctl query-config | grep -q '"name":"control-2node"' || fail "$name: query-config lacks the name"

expect_sandboxed "$VMM_PID"

# Re-pin vCPU 1 (host node 1's CPU 1) onto CPU 0: at once, in the kernel and the plan.
expect_affinity "$name" "$VMM_PID" 1 1
ctl set-affinity vcpu=1 cpus=0 >"$OUT/pin.json" || fail "$name: set-affinity: $(cat "$OUT/pin.json")"
expect_affinity "$name" "$VMM_PID" 1 0
ctl query-placement >"$OUT/placement.json"
tr ',' '\n' <"$OUT/placement.json" | grep -A3 '"name":"vcpu1"' | grep -q '"planned":"0"' ||
	fail "$name: the report's plan did not follow the re-pin: $(cat "$OUT/placement.json")"
grep -q '"off_plan":0,' "$OUT/placement.json" || fail "$name: off-plan items after the re-pin"
note "ok: $name: vcpu1 re-pinned to CPU 0, report on plan"

# Migrate guest node 0 (host node 0 -> 1) while the writer runs.
n0=$(checks)
ctl migrate-memory guest_node=0 host_nodes=1 >"$OUT/migrate.json" ||
	fail "$name: migrate-memory: $(cat "$OUT/migrate.json")"
cat "$OUT/migrate.json"
moved=$(sed -n 's/.*"moved":\([0-9]*\).*/\1/p' "$OUT/migrate.json")
failed=$(sed -n 's/.*"failed":\([0-9]*\).*/\1/p' "$OUT/migrate.json")
expect_range "$name: pages moved" 6144 98304 "$moved"	# >= 24 MiB of 4K pages
expect_eq "$name: pages that could not move" 0 "$failed"
wait_checks $((n0 + 3)) 120 || fail "$name: the writer stopped after the migration"
tr -d '\r' <"$OUT/$name.out" | grep '^@@CHECK bad' && fail "$name: guest data changed during the migration"
ctl query-placement >"$OUT/after.json"
line=$(tr -d '\n' <"$OUT/after.json" | grep -o '{"guest_node":0[^}]*}[^}]*}')
note "guest node 0 after: $line"
echo "$line" | grep -q '"host_nodes":"1"' || fail "$name: the plan does not say host node 1: $line"
echo "$line" | grep -q '"on_host_node":{"1":[0-9]*}' || fail "$name: node 0 pages not all on host node 1: $line"
echo "$line" | grep -q '"off_plan_pages":0' || fail "$name: node 0 has off-plan pages: $line"
note "ok: $name: $moved pages moved, all of guest node 0 on host node 1, data intact"

# The device's memory (the guest touched 32 pages of it through BAR2).
expect_fact "$name" devmem_pages 32
ctl query-memory-stats >"$OUT/stats0.json"
note "device memory before: $(tr -d '\n' <"$OUT/stats0.json" | grep -o '"devices":\[[^]]*\]')"
ctl migrate-memory device=acc0 host_nodes=1 >"$OUT/dev.json" || fail "$name: device migrate: $(cat "$OUT/dev.json")"
cat "$OUT/dev.json"
j() { sed -n "s/.*\"$1\":\([0-9]*\).*/\\1/p" "$OUT/dev.json"; }
expect_range "$name: device pages present" 32 6144 "$(j present)"
expect_eq "$name: device pages moved or in place" "$(j present)" $(($(j moved) + $(j already)))
expect_eq "$name: device pages that could not move" 0 "$(j failed)"
ctl query-memory-stats >"$OUT/stats.json"
p=$(j present)
tr -d '\n' <"$OUT/stats.json" | grep -q "\"device\":\"acc0\",\"present\":$p,\"on_host_node\":{\"1\":$p}" ||
	fail "$name: device memory not all on host node 1: $(cat "$OUT/stats.json")"
note "ok: $name: device memory moved to host node 1"

# Pause: no vCPU thread runs (their CPU time, from the kernel, stands
# still; it grows while the guest's writer runs), the console stays still;
# then resume.
vcpu_ticks() {	# utime + stime of every vcpuN thread of $VMM_PID
	_t=0
	for _d in /proc/$VMM_PID/task/*; do
		case $(cat "$_d/comm" 2>/dev/null) in vcpu[0-9]*) ;; *) continue ;; esac
		set -- $(cut -d')' -f2 "$_d/stat")
		_t=$((_t + ${12} + ${13}))
	done
	echo $_t
}
t0=$(vcpu_ticks); usleep 1500000; t1=$(vcpu_ticks)
[ "$t1" -gt "$t0" ] || fail "$name: vCPU threads used no CPU while running ($t0 -> $t1 ticks)"
ctl pause >/dev/null || fail "$name: pause failed"
ctl query-status | grep -q '"status":"paused"' || fail "$name: query-status does not say paused"
s1=$(wc -c <"$OUT/$name.out"); p0=$(vcpu_ticks)
usleep 1500000
s2=$(wc -c <"$OUT/$name.out"); p1=$(vcpu_ticks)
expect_eq "$name: vCPU CPU ticks while paused" "$p0" "$p1"
expect_eq "$name: console bytes while paused" "$s1" "$s2"
n1=$(checks)
ctl resume >/dev/null || fail "$name: resume failed"
wait_checks $((n1 + 1)) 60 || fail "$name: the guest did not run on after resume"
note "ok: $name: running: $((t1 - t0)) vCPU ticks in 1.5 s; paused: none, no output; resumed"

# Many clients at once, most with garbage; the guest and the socket go on.
i=0
while [ $i -lt 24 ]; do
	case $((i % 4)) in
	0) ctl query-status ;;
	1) ctl --raw 'not json at all' ;;
	2) ctl --raw '{"execute": "migrate-memory", "arguments": {"guest_node": "x"}}' ;;
	3) ctl --raw "$(head -c 3000 /dev/zero | tr '\0' '[')" ;;
	esac >"$OUT/client$i.out" 2>&1 &
	i=$((i + 1))
done
wait_exit_all() { for p in $(jobs -p); do [ "$p" = "$VMM_PID" ] || wait "$p"; done; }
wait_exit_all
bad=0
for f in "$OUT"/client*.out; do grep -q '^{"return"\|^{"error"' "$f" || bad=$((bad + 1)); done
expect_eq "$name: clients without a reply" 0 "$bad"
n2=$(checks)
wait_checks $((n2 + 1)) 60 || fail "$name: the guest stopped after the client storm"
ctl query-status | grep -q '"status":"running"' || fail "$name: socket unusable after the storm"
note "ok: $name: 24 concurrent clients answered, guest unaffected"

# The power button: the guest's init powers off, mvmm exits 0.
ctl powerdown >/dev/null || fail "$name: powerdown failed"
vmm_finish "$name" 60
expect_rc "$name" 0
expect_line "$name" '^@@POWERBUTTON' "the guest saw the power button"
[ ! -e "$sock" ] || fail "$name: the socket was not removed at exit"
tr -d '\r' <"$OUT/$name.out" | grep '^@@CHECK bad' && fail "$name: guest data changed"
note "ok: $name: powerdown -> guest poweroff -> exit 0, socket removed, $(checks) good checks in all"

# quit: no guest cooperation; mvmm stops it and exits 0.
vmm_start quit --config "$CONFIGS/boot-1cpu.ini" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--api-socket "$sock" --append "$BASE_CMDLINE mvmm.test=hang"
wait_line "$OUT/quit.out" '^@@DONE action=hang' "$BOOT_TIMEOUT" || { vmm_finish quit 5; fail "quit: guest did not reach its hang"; }
ctl quit >"$OUT/quit.json" || fail "quit: $(cat "$OUT/quit.json")"
vmm_finish quit 20
expect_rc quit 0
grep -q "placement report (exit)" "$OUT/quit.err" || note "quit: no exit report (nothing placed)"
note "ok: quit -> exit 0"
