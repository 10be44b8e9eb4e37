#!/usr/bin/env bash
# The rerun policy of run-guest-tests.sh, against a fake test host: a
# scenario failure is a failure; only a detected fault of the test host
# itself (its kernel's panic, soft-lockup, stack-overflow or RCU-stall line,
# a reset, or a freeze: no heartbeat from its own userspace) reruns what did
# not pass, at most twice, printed and counted; a wedged scenario (heartbeat still
# beating) or a repeated fault stays a failure. Run by make check; prints
# "rerun-policy: N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scen"
for s in a b c; do printf '# host-nodes: 1\n' >"$tmp/scen/$s.sh"; done

# The fake testhost.sh: $tmp/plan has one line per boot, in order:
#   <fault|reset|frozen|wedge|ok> <scenario>=<PASS|FAIL|none> ...
# and writes what testhost.sh would: NAME.log (console), .results,
# .qemu-exit.
cat >"$tmp/fake-testhost.sh" <<'FAKE'
#!/usr/bin/env bash
while [ $# -gt 0 ]; do case $1 in --run) run=$2; shift 2 ;; --scenarios) scen=$2; shift 2 ;; *) shift ;; esac; done
n=$(($(cat "$FAKE_DIR/boots" 2>/dev/null || echo 0) + 1)); echo "$n" >"$FAKE_DIR/boots"
set -- $(sed -n "${n}p" "$FAKE_DIR/plan")
kind=$1; shift
echo "$run $scen" >>"$FAKE_DIR/calls"
log=$TH_BUILD/$run.log; : >"$TH_BUILD/$run.results"
echo "@@HOST-INIT-REACHED" >"$log"
for r in "$@"; do
	s=${r%=*} v=${r#*=}
	case ,$scen, in *,$s,*) ;; *) continue ;; esac
	[ "$v" = none ] || echo "$v $s 1.0 ${v/PASS/}" >>"$TH_BUILD/$run.results"
done
case $kind in
fault) echo '[   81.04] Kernel panic - not syncing: Fatal exception in interrupt' >>"$log"; echo 0 >"$TH_BUILD/$run.qemu-exit" ;;
reset) echo 0 >"$TH_BUILD/$run.qemu-exit" ;;
frozen) echo frozen >"$TH_BUILD/$run.qemu-exit" ;;
wedge) echo killed >"$TH_BUILD/$run.qemu-exit" ;;
ok) echo "@@HOST-DONE" >>"$log"; echo 0 >"$TH_BUILD/$run.qemu-exit" ;;
esac
FAKE
chmod +x "$tmp/fake-testhost.sh"

pass=0 fail=0
# check NAME EXPECTED-RC EXPECTED-SUMMARY EXPECTED-BOOTS PLAN-LINE...
check() {
	local name=$1 want_rc=$2 want_sum=$3 want_boots=$4 out rc
	shift 4
	rm -rf "$tmp/b"; mkdir -p "$tmp/b"; : >"$tmp/b/calls"
	printf '%s\n' "$@" >"$tmp/b/plan"
	out=$(FAKE_DIR=$tmp/b TH_BUILD=$tmp/b TH_SCENARIOS=$tmp/scen TH_TESTHOST=$tmp/fake-testhost.sh \
		"$here/run-guest-tests.sh" a b c 2>&1)
	rc=$?
	if [ "$rc" = "$want_rc" ] && printf '%s\n' "$out" | grep -qx "$want_sum" &&
	   [ "$(cat "$tmp/b/boots")" = "$want_boots" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: rc $rc (want $want_rc), boots $(cat "$tmp/b/boots") (want $want_boots), want '$want_sum'; output:"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

check "all pass" 0 "guest: 3 passed, 0 failed" 1 \
	"ok a=PASS b=PASS c=PASS"
check "a failure is a failure, no rerun" 1 "guest: 2 passed, 1 failed" 1 \
	"ok a=PASS b=FAIL c=PASS"
check "panic: what did not pass reruns once" 0 "guest: 3 passed, 0 failed" 2 \
	"fault a=PASS b=FAIL c=none" "ok b=PASS c=PASS"
check "panic again in the rerun: a second rerun" 0 "guest: 3 passed, 0 failed" 3 \
	"fault a=PASS b=FAIL c=none" "fault b=FAIL c=none" "ok b=PASS c=PASS"
check "a fault in every run: failure after two reruns" 1 "guest: 1 passed, 2 failed" 3 \
	"fault a=PASS b=FAIL c=none" "fault b=FAIL c=none" "fault b=FAIL c=none"
check "reset (QEMU exit 0, no HOST-DONE) reruns" 0 "guest: 3 passed, 0 failed" 2 \
	"reset a=PASS b=none c=none" "ok b=PASS c=PASS"
check "a wedge is a failure, no rerun" 1 "guest: 1 passed, 2 failed" 1 \
	"wedge a=PASS b=none c=none"
check "a frozen test host (no heartbeat) reruns" 0 "guest: 3 passed, 0 failed" 2 \
	"frozen a=PASS b=none c=none" "ok b=PASS c=PASS"
check "a rerun's real failure stays" 1 "guest: 2 passed, 1 failed" 2 \
	"fault a=PASS b=none c=none" "ok b=FAIL c=PASS"
# The rerun is printed and counted.
out=$(FAKE_DIR=$tmp/b TH_BUILD=$tmp/b TH_SCENARIOS=$tmp/scen TH_TESTHOST=$tmp/fake-testhost.sh \
	bash -c 'rm -f "$FAKE_DIR/boots"; printf "%s\n" "fault a=PASS b=FAIL c=none" "ok b=PASS c=PASS" >"$FAKE_DIR/plan"; "$0" a b c' \
	"$here/run-guest-tests.sh" 2>&1)
if printf '%s\n' "$out" | grep -q '^RERUN b c: the test host itself failed' &&
   printf '%s\n' "$out" | grep -q 'scenarios rerun after a test-host fault: 2'; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); echo "FAIL rerun printed and counted:"; printf '%s\n' "$out" | sed 's/^/    /'
fi
echo "rerun-policy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
