#!/usr/bin/env bash
# testhost.sh's watchdogs, against a fake QEMU that plays a test host's
# console: a test host whose own kernel reports a soft lockup while its
# userspace goes on beating is ended FAULT_GRACE seconds later (not at its
# scenarios' timeouts), and one whose heartbeat stops is ended as frozen;
# either way every scenario without a result fails with that reason, and
# th_host_fault (what run-guest-tests.sh reruns on) names the fault; a
# healthy run exits 0 (make bench relies on it). Builds
# the real host initramfs, so it needs mvmm and the kernel cache (make
# guest-test runs it first). Prints "watchdog: N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The fake QEMU: the console on stdout, as -serial stdio gives it. A frozen
# one execs its sleep, so the TERM that ends it leaves no child holding the
# console open.
cat >"$tmp/qemu" <<'FAKE'
#!/usr/bin/env bash
echo @@HOST-INIT-REACHED
case $FAKE_MODE in
lockup)
	echo "@@HEARTBEAT 1.0"
	echo "[   12.345678] watchdog: BUG: soft lockup - CPU#0 stuck for 27s! [vcpu0:42]"
	echo "@@HEARTBEAT 2.0"
	echo "@@KMSG [   12.345700] RIP: 0010:kvm_mmu_page_fault+0x1/0x2 [kvm]"
	while :; do echo "@@HEARTBEAT 3.0"; sleep 0.5; done ;;
frozen)
	# Answers the monitor as QEMU does (testhost.sh's freeze summary reads
	# it), from a child that holds only the monitor's pipes.
	for a; do case $a in pipe,id=thmon,path=*) mon=${a#*path=} ;; esac; done
	while read -r c; do
		case $c in
		@@MON-*) echo "unknown command: '$c'" ;;
		"info registers -a")
			echo CPU#0
			echo "RIP=ffffffff99818710 RFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0"
			echo CPU#1
			echo "RIP=ffffffff98e5e2f1 RFL=00000202 [-------] CPL=0 II=1 A20=1 SMM=0 HLT=1" ;;
		"info lapic "*)
			echo "dumping local APIC state for CPU ${c##* } "
			printf 'LVTT\t 0x000000ec active-hi edge                 one-shot     Fixed  (vec 236)\n'
			printf 'Timer\t DCR=0x3 (divide by 16) initial_count = 5323 current_count = 0\n'
			printf 'ISR\t (none)\nIRR\t 236 251\n'
			echo "APR 0x00 TPR 0x10 DFR 0x0f LDR 0x01 PPR 0x10" ;;
		"cpu "*) cur=${c#cpu } ;;
		"x/64gx \$sp")
			[ "$cur" = 0 ] && echo "ff4c400cc0003bd8: 0xffffffff99818710 0x0000000000000001" &&
				echo "ff4c400cc0003be8: 0xffffffffc0480010 0xffffffffffffffff"
			[ "$cur" = 1 ] && echo "ff4c400cc1607aa8: 0xff2341901e431980 0xffffffff98f00000" ;;
		esac
	done <"$mon.in" >"$mon.out" 2>/dev/null &
	echo "@@HOST-FACT ktext=ffffffff98e00000"
	echo "@@HOST-FACT kmods=kvm_amd:0xffffffffc05d7000:126976 kvm:0xffffffffc0474000:1146880 "
	echo "@@HEARTBEAT 1.0"
	exec sleep 600 ;;
ok)
	echo "@@HEARTBEAT 1.0"
	echo "@@RESULT boot-bzimage-1cpu PASS 1.0 "
	echo "@@HOST-DONE" ;;
esac
FAKE
chmod +x "$tmp/qemu"

pass=0 fail=0
# check MODE WANT-RC WANT-RESULT WANT-QEMU-EXIT WANT-FAULT: the run's status
# (0 or not), its result line's start, the .qemu-exit testhost.sh wrote,
# and the start of what th_host_fault names (empty: nothing).
check() {
	local mode=$1 want_rc=$2 want=$3 want_exit=$4 want_fault=$5 rc res got
	out=$(FAKE_MODE=$mode TH_BUILD=$tmp/b TH_QEMU=$tmp/qemu TH_FAULT_GRACE=2 TH_FROZEN_AFTER=3 \
		"$TH_LIB_DIR/testhost.sh" --run "wd-$mode" --scenarios boot-bzimage-1cpu --timeout 120 2>&1)
	rc=$?
	[ "$rc" = 0 ] || rc=1
	res=$(cat "$tmp/b/wd-$mode.results" 2>/dev/null)
	got=$(th_host_fault "$tmp/b/wd-$mode.log")
	if [ "$rc" = "$want_rc" ] && [[ $res == "$want"* ]] &&
	   [ "$(cat "$tmp/b/wd-$mode.qemu-exit")" = "$want_exit" ] &&
	   { [ -n "$want_fault" ] || [ -z "$got" ]; } && [[ $got == "$want_fault"* ]]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL watchdog $mode: status $rc, result '$res', fault '$got'; wanted $want_rc, '$want...', $want_exit, '$want_fault...'"
		printf '%s\n' "$out" | tail -n 15 | sed 's/^/    /'
	fi
}
# A healthy run exits 0 with its result; the watchdogs stay quiet.
check ok 0 "PASS boot-bzimage-1cpu 1.0" 0 ""
check lockup 1 "FAIL boot-bzimage-1cpu 0 test host stopped: its kernel reported a fault (watchdog: BUG: soft lockup" \
	killed "watchdog: BUG: soft lockup - CPU#0 stuck for 27s!"
check frozen 1 "FAIL boot-bzimage-1cpu 0 test host stopped: test host froze: no heartbeat" frozen "test host froze"
# ... and its output says where each CPU was, from the monitor: RIP as
# _text+offset with interrupt flag, halt and STI shadow, the lapic's IRR and
# PPR, and the kernel-text words on top of its stack.
for want in "dump 1: cpu0 _text+0xa18710 cpl0 if0; cpu1 _text+0x5e2f1 cpl0 halted if1 shadow" \
	"dump 3: cpu0 _text+0xa18710 cpl0 if0; cpu1 _text+0x5e2f1 cpl0 halted if1 shadow" \
	"lapic cpu0: LVTT 0x000000ec active-hi edge one-shot Fixed (vec 236); DCR=0x3 (divide by 16) initial_count = 5323 current_count = 0; ISR (none); IRR 236 251; PPR 0x10;" \
	"lapic cpu1: LVTT 0x000000ec active-hi edge one-shot Fixed (vec 236); DCR=0x3 (divide by 16) initial_count = 5323 current_count = 0; ISR (none); IRR 236 251; PPR 0x10;" \
	"stack cpu0: _text+0xa18710 kvm+0xc010" "stack cpu1: _text+0x100000"; do
	if grep -qxF "    $want" <<<"$out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL watchdog frozen: no '$want' in its output:"
		printf '%s\n' "$out" | grep -A12 "where the test host" | sed 's/^/    /'
	fi
done
# host-init's @@KMSG reports use lib.sh's fault pattern, staged beside it.
if [ "$(cpio -i --quiet --to-stdout testhost/host-fault.re <"$tmp/b/wd-ok.host.cpio" 2>/dev/null)" = "$TH_HOST_FAULT" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL watchdog: the test host's /testhost/host-fault.re is not lib.sh's TH_HOST_FAULT"
fi
echo "watchdog: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
