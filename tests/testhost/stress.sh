#!/usr/bin/env bash
# `make stress`: boot one inner guest many times in one test host, under mvmm
# and QEMU (alternating, same config, same vCPU pinning), and report per VMM
# how many boots passed, triple-faulted, hung or exited otherwise, per 100
# boots, plus the test host's own faults (panic, soft lockup, reset). This
# is how boot reliability is measured: one variable per run.
#
# usage: tests/testhost/stress.sh [options] [-- TESTHOST-OPTION...]
#   --boots N           boots per VMM (default 30)
#   --vmm LIST          comma-separated, in boot order (default mvmm,qemu)
#   --config FILE       inner guest config (default tests/guest/configs/boot-4cpu.ini);
#                       QEMU gets its cpus/memory (qemu-as-mvmm)
#   --kernel bzimage|pvh  (default bzimage; QEMU always gets the bzImage)
#   --pin LIST          host CPU of each vCPU for QEMU's vCPU threads, e.g.
#                       0,0,1,1 (mvmm pins from the config)
#   --append ARGS       extra inner-guest kernel parameters
#   --no-trace          no kvm tracepoints in the test host (default: on, the
#                       failing vCPU's last events printed after a failure)
#   --settle S          wait S seconds in a fresh test host before the first boot
#   --host-nodes N --host-cpus N --host-mem MIB --kvm-amd PARAMS --host-append A
#                       the test host (see testhost.sh --help)
#   --run NAME          log names (default stress): build/testhost/NAME.*
# Prints each boot as it ends ("<vmm> <i> <result> <rc> <secs> <detail>"), the
# table, and writes build/testhost/NAME.stress. Exit 0 unless the rig failed
# (a failed boot is data here, not a test failure).
set -eu
. "$(dirname "$0")/lib.sh"

boots=30 vmms=mvmm,qemu config=$REPO_ROOT/tests/guest/configs/boot-4cpu.ini
kernel=bzimage pin= append= trace=1 settle= run=stress
th=()
while [ $# -gt 0 ]; do
	case $1 in
	--boots) boots=$2; shift 2 ;;
	--vmm) vmms=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--pin) pin=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--no-trace) trace=0; shift ;;
	--settle) settle=$2; shift 2 ;;
	--run) run=$2; shift 2 ;;
	--host-nodes|--host-cpus|--host-mem|--kvm-amd|--host-append) th+=("$1" "$2"); shift 2 ;;
	--) shift; th+=("$@"); break ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) th_die "unknown option $1 (see --help)" ;;
	esac
done
case $boots in ''|*[!0-9]*|0) th_die "--boots: expected a count >= 1, got '$boots'" ;; esac
case $kernel in bzimage|pvh) ;; *) th_die "--kernel: expected bzimage or pvh, got '$kernel'" ;; esac
[ -r "$config" ] || th_die "--config $config: cannot read"
case ,$vmms, in *,qemu,*) th+=(--with-qemu) ;; esac

mkdir -p "$TH_BUILD"
env=$TH_BUILD/$run.stress.env
cat >"$env" <<EOF
STRESS_BOOTS=$boots
STRESS_VMMS="${vmms//,/ }"
STRESS_CONFIG=stress-$(basename "$config")
STRESS_KERNEL=$kernel
STRESS_PIN="${pin//,/ }"
STRESS_APPEND="$append"
STRESS_TRACE=$trace
STRESS_SETTLE=$settle
EOF
nboots=$((boots * $(echo "${vmms//,/ }" | wc -w)))
# One boot is bounded by the scenario's BOOT_TIMEOUT + ACTION_TIMEOUT (140 s);
# a failed one also dumps its trace.
"$TH_LIB_DIR/testhost.sh" --run "$run" --scenarios stress-boot \
	--add "$env:/testhost/stress.env" \
	--add "$config:/testhost/guest/configs/stress-$(basename "$config")" \
	--scenario-timeout $((nboots * 160)) --timeout $((120 + nboots * 170)) \
	--progress-timeout 220 ${th[@]+"${th[@]}"} || true

log=$TH_BUILD/$run.log
out=$TH_BUILD/$run.stress
tr -d '\r' <"$log" | sed -n 's/^@@STRESS //p' >"$out"
fault=$(th_host_fault "$log")
{
	printf '%-6s %6s %6s %7s %6s %6s %10s\n' vmm boots ok triple hang other 'fail/100'
	for v in ${vmms//,/ }; do
		awk -v v="$v" '$1 == v { n++; r[$3 ~ /^exit/ ? "other" : $3]++ }
			END { f = n - r["ok"]
			      printf "%-6s %6d %6d %7d %6d %6d %10.1f\n", v, n, r["ok"], r["triple"],
				     r["hang"], r["other"], n ? 100 * f / n : 0 }' "$out"
	done
	if [ -n "$fault" ]; then
		echo "test host fault after $(wc -l <"$out") boots: $fault"
	elif grep -aq '@@HOST-DONE' "$log"; then
		echo "test host: no fault, all boots done"
	else
		echo "test host did not finish: wedged or timed out (see $log)"
	fi
} | tee "$out.table"
