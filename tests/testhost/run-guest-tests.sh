#!/usr/bin/env bash
# `make guest-test`: run the guest scenarios in the nested test host and print
# one line per scenario, then exactly "guest: N passed, M failed" (CI reads
# it). Exit non-zero on any failure, including a test host that never came
# up. Scenarios come from tests/guest/scenarios/SUITE in order; each file's
# "# host-nodes: N" line picks the host NUMA shape, and every shape costs one
# test-host boot (all scenarios of that shape run in it, one after another);
# "# modules: a b" lines add stock-kernel modules that shape's test host loads,
# "# guest-modules: a b" ones modules of the inner guest's initramfs; a
# "# kvm-amd: PARAMS" line gives the test host's kvm_amd other parameters
# (nested=1 for nested.sh), which makes a shape of its own, as "# needs:
# nvdimm" does (a test host with an emulated NVDIMM, for devdax).
#
# usage: tests/testhost/run-guest-tests.sh [SCENARIO...] [TESTHOST-OPTION...]
#   SCENARIO          run only these (default: SUITE)
#   TESTHOST-OPTION   passed to testhost.sh, e.g. --vmm qemu (validate the
#                     scenarios against QEMU), --mvmm PATH
# Logs: build/testhost/guest-nodes<N>.{log,detail.log,results}.
set -eu
. "$(dirname "$0")/lib.sh"

scen_dir=${TH_SCENARIOS:-$REPO_ROOT/tests/guest/scenarios}
# The runner of one test-host boot; tests/testhost/test-rerun-policy.sh puts
# a fake here.
testhost=${TH_TESTHOST:-$TH_LIB_DIR/testhost.sh}
names=(); opts=()
while [ $# -gt 0 ]; do
	case $1 in
	--with-qemu|--stream) opts+=("$1"); shift ;;
	--*) opts+=("$1" "$2"); shift 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(grep -v -e '^#' -e '^[[:space:]]*$' "$scen_dir/SUITE")

# Group by host shape, keeping the suite order within a group. A shape is
# the host's node count, plus its kvm_amd parameters when a scenario names
# some.
declare -A group=() needq=() needi=() hmods=() hnodes=() kparams=() nvd=()
order=()
for s in "${names[@]}"; do
	[ -f "$scen_dir/$s.sh" ] || th_die "no scenario $s ($scen_dir/$s.sh)"
	n=$(sed -n 's/^# host-nodes: *\([0-9]*\).*/\1/p' "$scen_dir/$s.sh" | head -n 1)
	n=${n:-1}
	kp=$(sed -n 's/^# kvm-amd: *//p' "$scen_dir/$s.sh" | head -n 1)
	k=$n
	[ -z "$kp" ] || k=$n-$(printf %s "$kp" | tr -c 'a-z0-9' '_')
	# "# needs: nvdimm": a test host with an emulated NVDIMM (devdax),
	# a shape of its own.
	grep -q '^# needs: nvdimm' "$scen_dir/$s.sh" && { k=$k-nvdimm; nvd[$k]=1; }
	hnodes[$k]=$n
	[ -z "$kp" ] || kparams[$k]=$kp
	# "# needs: qemu": that shape's test host also gets QEMU (comparisons).
	grep -q '^# needs: qemu' "$scen_dir/$s.sh" && needq[$k]=1
	# "# needs: image": the Debian image (make image) as the test host's disk.
	grep -q '^# needs: image' "$scen_dir/$s.sh" && needi[$k]=1
	# "# modules: a b": stock-kernel modules that shape's test host loads;
	# "# guest-modules: a b": the inner guest's.
	for m in $(sed -n 's/^# modules: *//p' "$scen_dir/$s.sh"); do
		case " ${hmods[$k]:-} " in *" --module $m "*) ;; *) hmods[$k]="${hmods[$k]:-} --module $m" ;; esac
	done
	for m in $(sed -n 's/^# guest-modules: *//p' "$scen_dir/$s.sh"); do
		case " ${hmods[$k]:-} " in *" --guest-module $m "*) ;; *) hmods[$k]="${hmods[$k]:-} --guest-module $m" ;; esac
	done
	[ -n "${group[$k]:-}" ] || order+=("$k")
	group[$k]="${group[$k]:-}${group[$k]:+,}$s"
done

# One test-host boot per shape. A scenario failure is a failure. The only
# exception is a detected fault of the test host itself, which takes every
# scenario still running or not yet run with it: its own kernel's panic or
# soft-lockup line on its console (never an inner guest's: those go to
# scenario logs), the test host resetting (QEMU exits 0 under -no-reboot
# without the @@HOST-DONE of a finished run), or freezing (host-init's
# heartbeat stopped while QEMU's CPUs ran). QEMU 7.2's TCG emulation of
# SVM does that now and then with QEMU as the inner VMM too
# (tests/testhost/README.md). Then the scenarios of that run that did not
# pass run again in a fresh test host, at most twice (two faults in a row
# were seen in one clean-clone run), each time only after such a detected
# fault; every rerun is printed and counted in the summary. A wedged scenario (the heartbeat still beating)
# is a failure.
# The image is built (or found in its cache) once, before any test host.
image_opts=()
if [ ${#needi[@]} -gt 0 ]; then
	"$REPO_ROOT/scripts/build-image.sh" >/dev/null
	image_opts=(--disk "$REPO_ROOT/build/image/debian.raw"
		--add "$REPO_ROOT/build/image/initrd.img:/testhost/image/initrd.img"
		--add "$REPO_ROOT/build/image/id_ed25519:/testhost/image/id_ed25519")
fi
MAX_RETRIES=2
reruns=0
run_shape() {	# SHAPE: writes guest-nodesSHAPE.final, one result line per scenario
	local k=$1 n=${hnodes[$1]} todo=${group[$1]} attempt=0 run res s lost line fault
	local final=$TH_BUILD/guest-nodes$k.final
	: >"$final"
	while :; do
		run=guest-nodes$k
		[ "$attempt" -gt 0 ] && run=guest-nodes$k-rerun$attempt
		"$testhost" --run "$run" --host-nodes "$n" \
			--host-cpus $((n > 2 ? n : 2 / n * n)) --scenarios "$todo" \
			${needq[$k]:+--with-qemu} ${needi[$k]:+"${image_opts[@]}"} ${hmods[$k]:-} \
			${kparams[$k]+--kvm-amd "${kparams[$k]}"} ${nvd[$k]:+--nvdimm 256} \
			${opts[@]+"${opts[@]}"} || true
		res=$TH_BUILD/$run.results
		fault=$(th_host_fault "$TH_BUILD/$run.log")
		lost=()
		for s in ${todo//,/ }; do
			if ! grep -q "^[A-Z]* $s " "$res" 2>/dev/null ||
			   grep -q "^FAIL $s 0 test host" "$res" ||
			   { [ -n "$fault" ] && grep -q "^FAIL $s " "$res"; }; then
				lost+=("$s")
			else
				grep "^[A-Z]* $s " "$res" | head -n 1 >>"$final"
			fi
		done
		[ ${#lost[@]} -eq 0 ] && return
		if [ "$attempt" -lt "$MAX_RETRIES" ] && [ -n "$fault" ]; then
			attempt=$((attempt + 1))
			reruns=$((reruns + ${#lost[@]}))
			echo "RERUN ${lost[*]}: the test host itself failed in $run ($fault); running them again in a fresh test host (rerun $attempt of at most $MAX_RETRIES)"
			todo=$(IFS=,; echo "${lost[*]}")
			continue
		fi
		for s in "${lost[@]}"; do
			line=$(grep "^FAIL $s " "$res" 2>/dev/null | head -n 1)
			echo "${line:-FAIL $s 0 no result${fault:+ (test host: $fault)}}" >>"$final"
		done
		return
	done
}

t0=$(th_now)
rc=0
mkdir -p "$TH_BUILD"
for k in "${order[@]}"; do
	run_shape "$k"
done

pass=0; fail=0; skip=0
for k in "${order[@]}"; do
	f=$TH_BUILD/guest-nodes$k.final
	[ -f "$f" ] || continue
	pass=$((pass + $(grep -c '^PASS ' "$f" || true)))
	fail=$((fail + $(grep -c '^FAIL ' "$f" || true)))
	skip=$((skip + $(grep -c '^SKIP ' "$f" || true)))
done
# A scenario with no line at all (e.g. the runner died before writing any)
# counts as failed.
missing=$((${#names[@]} - pass - fail - skip))
[ "$missing" -gt 0 ] && fail=$((fail + missing))
[ "$fail" -gt 0 ] && rc=1
th_log "guest tests took $(th_elapsed "$t0")s; scenarios rerun after a test-host fault: $reruns"
if [ "$skip" -gt 0 ]; then
	echo "guest: $pass passed, $fail failed, $skip skipped"
else
	echo "guest: $pass passed, $fail failed"
fi
exit "$rc"
