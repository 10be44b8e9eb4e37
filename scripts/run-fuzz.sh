#!/bin/sh
# Run the libFuzzer harnesses (build/fuzz/bin/fuzz_NAME, from tests/fuzz/).
#
#   run-fuzz.sh --smoke BIN...        make check: every seed in
#       tests/fuzz/corpus/NAME, then a fixed-seed run of SMOKE_RUNS inputs.
#       Deterministic; new inputs go to a scratch dir, the checked-in corpus
#       is never written.
#   run-fuzz.sh --seconds S BIN...    make fuzz: S seconds per harness,
#       growing build/fuzz/corpus/NAME (kept across runs) from the seeds.
#
# One line per harness: execs, corpus size, crashes; crash inputs are kept
# in build/fuzz/crashes/ and make the script fail.
set -u
mode=$1; shift
secs=60
[ "$mode" = --seconds ] && { secs=$1; shift; }
: "${SMOKE_RUNS:=4000}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Absolute paths: a harness may chdir to a scratch dir of its own.
root=$(pwd)
crashdir=$root/build/fuzz/crashes
mkdir -p "$crashdir"
scratch=$(mktemp -d /tmp/mvmm-fuzz-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
bad=0; total=0; n=0
for bin in "$@"; do
	n=$((n + 1))
	name=$(basename "$bin" | sed 's/^fuzz_//')
	seeds=$root/tests/fuzz/corpus/$name
	[ -d "$seeds" ] || { echo "fuzz: $name: no seed corpus $seeds"; bad=$((bad + 1)); continue; }
	dict=
	[ -f "$root/tests/fuzz/$name.dict" ] && dict=-dict=$root/tests/fuzz/$name.dict
	case $mode in
	--smoke)
		work=$scratch/$name; mkdir -p "$work"
		set -- -seed=1 -runs="$SMOKE_RUNS" ;;
	*)
		work=$root/build/fuzz/corpus/$name; mkdir -p "$work"
		set -- -max_total_time="$secs" ;;
	esac
	log=$scratch/$name.log
	# Crashes are named after the harness; any left from before are not ours.
	rm -f "$crashdir/$name"-*
	"$bin" "$@" $dict -print_final_stats=1 -rss_limit_mb=4096 -timeout=10 \
		-artifact_prefix="$crashdir/$name-" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=$(find "$crashdir" -name "$name-*" | wc -l)
	units=$(find "$work" -type f | wc -l)
	seedn=$(find "$seeds" -type f | wc -l)
	echo "fuzz: $name: ${execs:-0} execs, $seedn seeds, $units new inputs, $crashes crash(es), exit $rc"
	total=$((total + ${execs:-0}))
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		bad=$((bad + 1))
		grep -m 20 -E 'ERROR|runtime error|SUMMARY|harness setup|bad ' "$log" | sed "s/^/fuzz: $name: /"
		ls "$crashdir/$name"-* 2>/dev/null | sed "s/^/fuzz: $name: input: /"
	fi
done
echo "fuzz: $n harness(es), $total execs, $bad failed"
[ "$bad" -eq 0 ]
