#!/bin/sh
# SIGTERM from the host side asks the guest to shut down (the ACPI power
# button), then bounds the wait:
#   term:    a guest that listens to the button prints @@POWERBUTTON and
#            powers off: exit 0, within a few seconds of SIGTERM;
#   timeout: a guest that ignores it (mvmm.button=ignore) with
#            shutdown_timeout=2s: the press reaches the guest, and mvmm stops
#            it hard after 2 s with exit 10 and the reason line;
#   again:   a second SIGTERM during the (default, 30 s) wait: exit 143 at
#            once.
# host-nodes: 1
# budget: 300
. "$(dirname "$0")/lib.sh"

# qemu-as-mvmm does the same with QMP system_powerdown and a timer.
# boot_hang NAME ARGS...: start a guest that ends its /init in a hang and
# wait until it got there (its button listener is set up by then).
boot_hang() {
	_n=$1; shift
	vmm_start "$_n" --config "$CONFIGS/boot-1cpu.ini" --kernel "$VMLINUZ" --initrd "$INITRD" "$@"
	if ! wait_line "$OUT/$_n.out" '^@@DONE action=hang' "$BOOT_TIMEOUT"; then
		kill -KILL "$VMM_PID" 2>/dev/null
		show_output "$_n"
		fail "$_n: guest did not reach its hang within ${BOOT_TIMEOUT}s (or the VMM exited)"
	fi
}
# wait_err NAME PATTERN SECONDS: like wait_line, on the VMM's stderr.
wait_err() { wait_line "$OUT/$1.err" "$2" "$3"; }
# cs_since T0: centiseconds since T0 (now_cs).
cs_since() { echo $(($(now_cs) - $1)); }
pressed='^mvmm: SIGTERM: pressed the power button; waiting up to '

# term: the guest cooperates.
boot_hang term --append "$BASE_CMDLINE mvmm.test=hang"
t0=$(now_cs)
kill -TERM "$VMM_PID"
vmm_finish term 15
note "term: VMM exited $(secs "$(cs_since "$t0")")s after SIGTERM"
expect_rc term 0
expect_line term '^@@POWERBUTTON$' "the guest saw the power button and powered off"
grep -qE "${pressed}30s " "$OUT/term.err" || fail "term: no 'pressed the power button' line on stderr"
note "ok: term: mvmm said it pressed the power button (default shutdown_timeout 30s)"

# timeout: the guest ignores the button.
boot_hang timeout --set machine.shutdown_timeout=2s \
	--append "$BASE_CMDLINE mvmm.test=hang mvmm.button=ignore"
t0=$(now_cs)
kill -TERM "$VMM_PID"
vmm_finish timeout 15
dt=$(cs_since "$t0")
note "timeout: VMM exited $(secs "$dt")s after SIGTERM"
expect_rc timeout 10
expect_line timeout '^@@POWERBUTTON ignored' "the press reached the guest"
expect_range "timeout: centiseconds from SIGTERM to exit" 200 1000 "$dt"
expect_eq "timeout: last stderr line" "mvmm: shutdown_timeout 2s: guest did not power off" \
	"$(tail -n 1 "$OUT/timeout.err")"

# again: a second SIGTERM while mvmm waits (30 s) for a guest that ignores it.
boot_hang again --append "$BASE_CMDLINE mvmm.test=hang mvmm.button=ignore"
kill -TERM "$VMM_PID"
wait_line "$OUT/again.out" '^@@POWERBUTTON ignored' 15 ||
	{ kill -KILL "$VMM_PID"; show_output again; fail "again: the first SIGTERM's press never reached the guest"; }
t0=$(now_cs)
kill -TERM "$VMM_PID"
vmm_finish again 5
dt=$(cs_since "$t0")
note "again: VMM exited $(secs "$dt")s after the second SIGTERM"
expect_rc again 143
expect_range "again: centiseconds from the second SIGTERM to exit" 0 500 "$dt"
expect_eq "again: last stderr line" "mvmm: SIGTERM during the shutdown: guest stopped" \
	"$(tail -n 1 "$OUT/again.err")"
