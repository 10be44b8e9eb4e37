#!/bin/sh
# The rig itself: the test host has a real /dev/kvm (kvm_amd on emulated
# AMD-V) and the VMM binary runs there with its libraries; the CLI contract's
# non-booting paths: --version, --help (exit 0), unknown option (exit 2);
# and the VM host-init holds open (tests/tools/kvm-hold.c): kvm-hold is
# running with a KVM VM and a vCPU among its open files; every CPU is online
# again after host-init's one-CPU window (it booted on one, maxcpus=1); the
# test host's clocksource is tsc.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"

[ -c /dev/kvm ] || fail "no /dev/kvm in the test host"
note "ok: /dev/kvm is a character device"

if ! grep -qw th.hold=0 /proc/cmdline; then
	held=
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = kvm-hold ] || continue
		fds=$(ls -l "$d/fd" 2>/dev/null)
		case $fds in *anon_inode:kvm-vm*) ;; *) continue ;; esac
		case $fds in *anon_inode:kvm-vcpu*) held=${d#/proc/} ;; esac
	done
	[ -n "$held" ] || fail "no kvm-hold process holding a VM and a vCPU"
	note "ok: kvm-hold (pid $held) holds a VM with a vCPU"
fi

# host-init loads KVM with one CPU online (its text patching cannot freeze
# TCG then) and brings the others back before any scenario.
[ "$(cat /sys/devices/system/cpu/online)" = "$(cat /sys/devices/system/cpu/present)" ] ||
	fail "CPUs online $(cat /sys/devices/system/cpu/online), present $(cat /sys/devices/system/cpu/present)"
note "ok: every CPU is back online ($(cat /sys/devices/system/cpu/online))"
grep -qw th.solo=0 /proc/cmdline || grep -qw maxcpus=1 /proc/cmdline ||
	fail "the test host did not boot on one CPU (no maxcpus=1): $(cat /proc/cmdline)"

# testhost.sh boots the test host with tsc=reliable, so its KVM keeps a
# master clock and the inner guests' kvm-clock is stable; on hpet their
# clocksource watchdog fails them now and then.
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
[ "$cs" = tsc ] || fail "the test host's clocksource is $cs, not tsc"
note "ok: the test host runs on the tsc clocksource"

vmm_run version 10 --version
expect_rc version 0
grep -q . "$OUT/version.out" || fail "--version printed nothing on stdout"
note "version: $(head -n 1 "$OUT/version.out")"

vmm_run help 10 --help
expect_rc help 0
grep -q -- --config "$OUT/help.out" "$OUT/help.err" || fail "--help does not mention --config"

vmm_run badopt 10 --no-such-option
expect_rc badopt 2
grep -q '^mvmm: ' "$OUT/badopt.err" || fail "usage error has no 'mvmm: ' line on stderr"
