#!/usr/bin/env bash
# `make stress`: boot one inner guest many times in one test host, under mvmm
# and QEMU (alternating, same config, same vCPU pinning), and report per VMM
# how many boots passed, triple-faulted, hung or exited otherwise, per 100
# boots, plus the test host's own faults (panic, soft lockup, reset,
# freeze). This is how boot reliability is measured: one variable per run.
#
# usage: tests/testhost/stress.sh [options] [-- TESTHOST-OPTION...]
#   --boots N           boots per VMM (default 30)
#   --vmm LIST          comma-separated, in boot order (default mvmm,qemu)
#   --config FILE,...   inner guest config(s) (default tests/guest/configs/boot-4cpu.ini);
#                       boot i uses config i mod count; QEMU gets its cpus and
#                       memory (qemu-as-mvmm)
#   --kernel K,...      bzimage and/or pvh, cycled like the configs (default
#                       bzimage; QEMU always gets the bzImage)
#   --hugepages N       reserve N 2M huge pages on each test-host node first
#   --pin LIST          host CPU of each vCPU for QEMU's vCPU threads, e.g.
#                       0,0,1,1 (mvmm pins from the config)
#   --append ARGS       extra inner-guest kernel parameters
#   --trace MODE        kvm tracepoints in the test host: off (default, as in
#                       make check), shutdown (every triple fault's RIP and
#                       the event it hit while delivering), full (also the
#                       failing vCPU's last 80 events), count (exits per boot
#                       by reason, userspace exits, ports; counted in-kernel).
#                       Tracing makes the test host's TCG faults more
#                       frequent: compare like with like.
#   --settle S          wait S seconds in a fresh test host before the first boot
#   --host-nodes N --host-cpus N --host-mem MIB --kvm-amd PARAMS --host-append A
#   --cpu MODEL --qemu PATH
#                       the test host (see testhost.sh --help)
#   --hosts N           repeat the whole run in N fresh test hosts (default 1):
#                       with --boots 1 this measures first boots
#   --run NAME          log names (default stress): build/testhost/NAME[-K].*
# Prints each boot as it ends ("<vmm> <i> <result> <rc> <secs> <config>
# <kernel> <detail>"), the table, and writes build/testhost/NAME.stress. Exit 0 unless the rig failed
# (a failed boot is data here, not a test failure).
set -eu
. "$(dirname "$0")/lib.sh"

boots=30 vmms=mvmm,qemu config=$REPO_ROOT/tests/guest/configs/boot-4cpu.ini
kernel=bzimage pin= append= trace=off settle= run=stress hugepages=0 hosts=1
th=()
while [ $# -gt 0 ]; do
	case $1 in
	--boots) boots=$2; shift 2 ;;
	--vmm) vmms=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--pin) pin=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--trace) trace=$2; shift 2 ;;
	--settle) settle=$2; shift 2 ;;
	--hugepages) hugepages=$2; shift 2 ;;
	--run) run=$2; shift 2 ;;
	--hosts) hosts=$2; shift 2 ;;
	--host-nodes|--host-cpus|--host-mem|--kvm-amd|--host-append|--cpu|--qemu) th+=("$1" "$2"); shift 2 ;;
	--) shift; th+=("$@"); break ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) th_die "unknown option $1 (see --help)" ;;
	esac
done
case $boots in ''|*[!0-9]*|0) th_die "--boots: expected a count >= 1, got '$boots'" ;; esac
for k in ${kernel//,/ }; do
	case $k in bzimage|pvh) ;; *) th_die "--kernel: expected bzimage or pvh, got '$k'" ;; esac
done
cfgs= adds=()
for c in ${config//,/ }; do
	[ -r "$c" ] || th_die "--config $c: cannot read"
	cfgs="$cfgs stress-$(basename "$c")"
	adds+=(--add "$c:/testhost/guest/configs/stress-$(basename "$c")")
done
case ,$vmms, in *,qemu,*) th+=(--with-qemu) ;; esac
case $trace in
off) ;;
shutdown|full|count) th+=(--host-append th.trace=1) ;;
*) th_die "--trace: expected off, shutdown, full or count, got '$trace'" ;;
esac

mkdir -p "$TH_BUILD"
env=$TH_BUILD/$run.stress.env
cat >"$env" <<EOF
STRESS_BOOTS=$boots
STRESS_VMMS="${vmms//,/ }"
STRESS_CONFIGS="${cfgs# }"
STRESS_KERNELS="${kernel//,/ }"
STRESS_HUGEPAGES=$hugepages
STRESS_PIN="${pin//,/ }"
STRESS_APPEND="$append"
STRESS_TRACE=$(case $trace in full) echo 1 ;; count) echo count ;; *) echo 0 ;; esac)
STRESS_SETTLE=$settle
EOF
nboots=$((boots * $(echo "${vmms//,/ }" | wc -w)))
# One boot is bounded by the scenario's BOOT_TIMEOUT + ACTION_TIMEOUT (140 s);
# a failed one also dumps its trace.
out=$TH_BUILD/$run.stress
faults=$TH_BUILD/$run.faults
: >"$out"; : >"$faults"
for h in $(seq 1 "$hosts"); do
	r=$run
	[ "$hosts" -gt 1 ] && r=$run-$h
	"$TH_LIB_DIR/testhost.sh" --run "$r" --scenarios stress-boot \
		--add "$env:/testhost/stress.env" "${adds[@]}" \
		--scenario-timeout $((nboots * 160)) --timeout $((120 + nboots * 170)) \
		--progress-timeout 220 ${th[@]+"${th[@]}"} || true
	log=$TH_BUILD/$r.log
	n0=$(wc -l <"$out")
	tr -d '\r' <"$log" | sed -n 's/^@@STRESS //p' >>"$out"
	fault=$(th_host_fault "$log")
	if [ -n "$fault" ]; then
		echo "host $h: fault after $(($(wc -l <"$out") - n0)) boots: $fault" >>"$faults"
	elif ! grep -aq '@@HOST-DONE' "$log"; then
		echo "host $h: did not finish: wedged or timed out (see $log)" >>"$faults"
	fi
done
# exits_table: the @@EXITS lines of every test host's detail log, as a
# table (only boots that passed count).
exits_table() {
	local d
	for h in $(seq 1 "$hosts"); do
		d=$TH_BUILD/$run.detail.log
		[ "$hosts" -gt 1 ] && d=$TH_BUILD/$run-$h.detail.log
		tr -d '\r' <"$d" | sed -n 's/^@@EXITS //p'
	done | th_exits_table "$out" "${vmms//,/ }"
}

{
	printf '%-6s %6s %6s %7s %6s %6s %10s\n' vmm boots ok triple hang other 'fail/100'
	for v in ${vmms//,/ }; do
		awk -v v="$v" '$1 == v { n++; r[$3 ~ /^exit/ ? "other" : $3]++ }
			END { f = n - r["ok"]
			      printf "%-6s %6d %6d %7d %6d %6d %10.1f\n", v, n, r["ok"], r["triple"],
				     r["hang"], r["other"], n ? 100 * f / n : 0 }' "$out"
	done
	if [ "$(awk '{print $6, $7}' "$out" | sort -u | wc -l)" -gt 1 ]; then
		echo "by config and kernel:"
		awk '{ k = $1 " " $6 " " $7; n[k]++; if ($3 != "ok") f[k]++ }
		     END { for (k in n) printf "  %-40s %4d boots %4d failed\n", k, n[k], f[k] }' "$out" | sort
	fi
	[ "$trace" = count ] && exits_table
	echo "test hosts: $hosts, with a fault or wedge: $(wc -l <"$faults")"
	cat "$faults"
} | tee "$out.table"
