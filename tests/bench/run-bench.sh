#!/usr/bin/env bash
# make bench: mvmm vs QEMU q35, measured side by side in one test-host run
# (docs/testhost.md: timing there is noisy, so only ratios within one run mean
# anything). Reports medians and minimums of boot-to-init time, RSS at init
# and VMM overhead (RSS minus touched guest RAM), and the ratios; then the
# inner VM's exits per boot by reason, userspace exits and ports, for one
# counted boot per VMM (the issue's target: userspace exits <= 0.5x QEMU's);
# then setup cost (start -> first KVM_RUN) on this machine's /dev/kvm
# (tests/bench/setup-cost.sh).
# BENCH_ROUNDS=N changes the number of boots per VMM (default 5).
set -eu
cd "$(dirname "$0")/../.."
. tests/testhost/lib.sh

rounds=${BENCH_ROUNDS:-5}
mkdir -p "$TH_BUILD"
echo "$rounds" >"$TH_BUILD/bench.rounds"
tests/testhost/testhost.sh --run bench --with-qemu --scenarios bench-boot \
	--add tests/bench/bench-boot.sh:/testhost/scenarios/bench-boot.sh \
	--add tests/bench/bench.ini:/testhost/bench/bench.ini \
	--add "$TH_BUILD/bench.rounds:/testhost/bench/rounds" \
	--add build/tools/bootstamp:/testhost/bin/bootstamp \
	--scenario-timeout $((rounds * 2 * 130)) --timeout $((rounds * 2 * 130 + 120)) \
	>"$TH_BUILD/bench.summary" 2>&1 || {
	cat "$TH_BUILD/bench.summary"
	echo "bench: the benchmark run failed (log: $TH_BUILD/bench.log)" >&2
	exit 1
}
grep -a '^@@BENCH ' "$TH_BUILD/bench.detail.log" | tr -d '\r' >"$TH_BUILD/bench.data"
tr -d '\r' <"$TH_BUILD/bench.detail.log" | sed -n 's/^@@EXITS //p' >"$TH_BUILD/bench.exits"

awk '
function field(name,   i, kv) {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
	return ""
}
BEGIN { nf = split("init_ms kernel_ms pre_kernel_ms rss_kb overhead_kb", F, " ") }
{
	v = field("vmm"); k = ++n[v]
	for (i = 1; i <= nf; i++) val[v, F[i], k] = field(F[i]) + 0
}
function stat(v, f, want_min,   i, j, t, a, c) {
	c = n[v]
	for (i = 1; i <= c; i++) a[i] = val[v, f, i]
	for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	if (want_min) return a[1]
	return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
}
END {
	if (!n["mvmm"] || !n["qemu"]) { print "bench: missing measurements"; exit 1 }
	printf "%-5s %5s | %-21s | %-21s | %-21s | %9s %13s\n", "", "", "fork -> guest /init", \
		"  before the kernel", "  kernel boot", "RSS", "VMM overhead"
	printf "%-5s %5s | %10s %10s | %10s %10s | %10s %10s | %9s %13s\n", "vmm", "boots", \
		"median ms", "min ms", "median ms", "min ms", "median ms", "min ms", "med KiB", "med KiB"
	for (k = 1; k <= 2; k++) {
		v = k == 1 ? "mvmm" : "qemu"
		printf "%-5s %5d | %10.0f %10.0f | %10.0f %10.0f | %10.0f %10.0f | %9.0f %13.0f\n", v, n[v], \
			stat(v, "init_ms"), stat(v, "init_ms", 1), stat(v, "pre_kernel_ms"), \
			stat(v, "pre_kernel_ms", 1), stat(v, "kernel_ms"), stat(v, "kernel_ms", 1), \
			stat(v, "rss_kb"), stat(v, "overhead_kb")
	}
	printf "ratio mvmm/qemu, boot to /init (medians):     %.2f   (target <= 0.50)\n", \
		stat("mvmm", "init_ms") / stat("qemu", "init_ms")
	printf "ratio mvmm/qemu, time before the kernel runs: %.2f\n", \
		stat("mvmm", "pre_kernel_ms") / stat("qemu", "pre_kernel_ms")
	printf "ratio mvmm/qemu, the kernel'"'"'s own boot:       %.2f\n", \
		stat("mvmm", "kernel_ms") / stat("qemu", "kernel_ms")
	printf "ratio mvmm/qemu, RSS at /init:                %.2f\n", stat("mvmm", "rss_kb") / stat("qemu", "rss_kb")
	printf "mvmm overhead (RSS - touched guest RAM): %.1f MiB (target <= 3 MiB); QEMU: %.1f MiB\n", \
		stat("mvmm", "overhead_kb") / 1024, stat("qemu", "overhead_kb") / 1024
}' "$TH_BUILD/bench.data"
# One counted boot per VMM (both "ok": the scenario failed otherwise).
printf 'mvmm count ok\nqemu count ok\n' >"$TH_BUILD/bench.exits.ok"
if [ -s "$TH_BUILD/bench.exits" ]; then
	th_exits_table "$TH_BUILD/bench.exits.ok" "mvmm qemu" <"$TH_BUILD/bench.exits" |
		grep -v '^  pio port\|^  exit reason [0-9]' || true
	echo "(every port and reason: tests/testhost/stress.sh --trace count)"
else
	echo "bench: no exit counts (no tracefs in the test host?)"
fi
echo "raw data: $TH_BUILD/bench.data, $TH_BUILD/bench.exits"
# Setup cost needs no guest to boot: on this machine's own /dev/kvm.
tests/bench/setup-cost.sh 2>/dev/null
