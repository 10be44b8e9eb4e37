#!/bin/sh
# SIGTERM from the host side stops a running guest: the VMM exits 143
# (128 + SIGTERM) within 5 s.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"
vmm_start hang --config "$CONFIGS/boot-1cpu.ini" \
	--kernel "$VMLINUZ" --initrd "$INITRD" --append "$BASE_CMDLINE mvmm.test=hang"
if ! wait_line "$OUT/hang.out" '^@@DONE action=hang' "$BOOT_TIMEOUT"; then
	kill -KILL "$VMM_PID" 2>/dev/null
	show_output hang
	fail "hang: guest did not reach its hang within ${BOOT_TIMEOUT}s (or the VMM exited)"
fi
t0=$(now_cs)
kill -TERM "$VMM_PID"
vmm_finish hang 5
note "VMM exited $(secs $(($(now_cs) - t0)))s after SIGTERM"
expect_rc hang 143
