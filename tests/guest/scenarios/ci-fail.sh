#!/bin/sh
# The other ends of a CI smoke boot, each with its own exit status:
#  - a guest that panics, with --fail-on 'Kernel panic - not syncing': exit 7
#    as soon as the line is on the console (before pvpanic's 4); the
#    built-in --fail-on-kernel patterns are unit-tested
#    (tests/unit/test_console.c);
#  - a guest that hangs, with --timeout: exit 8 at the deadline, after
#    printing each vCPU's RIP, mode, last exit and run state and the last
#    console line;
#  - a guest that powers off before the --expect pattern appears: exit 9.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "--fail-on, --timeout and --expect are mvmm's"
cfg=$CONFIGS/boot-1cpu.ini

vmm_run panic "$BOOT_TIMEOUT" --config "$cfg" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--append "$BASE_CMDLINE mvmm.test=panic" --fail-on 'Kernel panic - not syncing' \
	--report-json "$OUT/panic.json"
expect_rc panic 7
grep -qE "^mvmm: fail-on matched 'Kernel panic - not syncing' at guest \+[0-9.]+s, wall \+[0-9.]+s: .*Kernel panic - not syncing" \
	"$OUT/panic.err" || fail "panic: no fail-on report on stderr"
tr -d '\n' <"$OUT/panic.json" | grep -q '"exit": {"status": 7, "reason": "fail-on"' ||
	fail "panic: the report's exit is not fail-on: $(tail -c 300 "$OUT/panic.json")"
grep -q '{"event": "fail-on",.*"pattern": "Kernel panic - not syncing"' "$OUT/panic.json" ||
	fail "panic: the timeline lacks the fail-on event"
note "ok: panic: --fail-on stopped it with status 7"

# The deadline leaves room for the boot (5-15 s here); the scenario checks
# the guest really was in its hang when the deadline came.
timeout=40
vmm_start hang --config "$cfg" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--append "$BASE_CMDLINE mvmm.test=hang" --timeout ${timeout}s
wait_line "$OUT/hang.out" '^@@DONE action=hang' "$timeout" ||
	{ vmm_finish hang 30; fail "hang: the guest did not reach its hang before the ${timeout}s deadline"; }
vmm_finish hang $((timeout + 20))
expect_rc hang 8
grep -q "^mvmm: --timeout: $timeout.000s reached; guest state:$" "$OUT/hang.err" ||
	fail "hang: no timeout report on stderr"
line=$(grep '^mvmm:   vcpu0: ' "$OUT/hang.err")
echo "$line" | grep -qE '^mvmm:   vcpu0: rip 0x[0-9a-f]+, long mode, cpl [03], last exit [a-z-]+( (read|write) 0x[0-9a-f]+)?, (halted|running)$' ||
	fail "hang: vCPU report is not 'rip, mode, cpl, last exit, state': '$line'"
grep -q "^mvmm:   last console line: '@@DONE action=hang'$" "$OUT/hang.err" ||
	fail "hang: the report does not show the last console line"
note "ok: hang: $line"

vmm_run unmet "$BOOT_TIMEOUT" --config "$cfg" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--append "$BASE_CMDLINE mvmm.test=poweroff" --expect '^@@INIT-REACHED' --expect 'never printed'
expect_rc unmet 9
grep -q "^mvmm: guest powered off after 1 of 2 --expect patterns (next: 'never printed')$" "$OUT/unmet.err" ||
	fail "unmet: no one-line reason on stderr"
note "ok: unmet: exit 9 with its reason"
