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
	local mode=$1 want_rc=$2 want=$3 want_exit=$4 want_fault=$5 out rc res got
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
# host-init's @@KMSG reports use lib.sh's fault pattern, staged beside it.
if [ "$(cpio -i --quiet --to-stdout testhost/host-fault.re <"$tmp/b/wd-ok.host.cpio" 2>/dev/null)" = "$TH_HOST_FAULT" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL watchdog: the test host's /testhost/host-fault.re is not lib.sh's TH_HOST_FAULT"
fi
echo "watchdog: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
