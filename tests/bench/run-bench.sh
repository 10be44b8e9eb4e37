#!/usr/bin/env bash
# make bench: mvmm vs QEMU q35, measured side by side in one test-host run
# (TESTHOST.md: timing there is noisy, so only ratios within one run mean
# anything). Reports medians and minimums of boot-to-init time, RSS at init
# and VMM overhead (RSS minus touched guest RAM), and the ratios.
# BENCH_ROUNDS=N changes the number of boots per VMM (default 5).
set -eu
cd "$(dirname "$0")/../.."
. tests/testhost/lib.sh

rounds=${BENCH_ROUNDS:-5}
tests/testhost/testhost.sh --run bench --with-qemu --scenarios bench-boot \
	--add tests/bench/bench-boot.sh:/testhost/scenarios/bench-boot.sh \
	--add tests/bench/bench.ini:/testhost/bench/bench.ini \
	--add build/tools/bootstamp:/testhost/bin/bootstamp \
	--scenario-timeout $((rounds * 2 * 130)) --timeout $((rounds * 2 * 130 + 120)) \
	>"$TH_BUILD/bench.summary" 2>&1 || {
	cat "$TH_BUILD/bench.summary"
	echo "bench: the benchmark run failed (log: $TH_BUILD/bench.log)" >&2
	exit 1
}
grep -a '^@@BENCH ' "$TH_BUILD/bench.detail.log" | tr -d '\r' >"$TH_BUILD/bench.data"

awk '
function field(name,   i, kv) {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
	return ""
}
{
	v = field("vmm"); n[v]++
	init[v, n[v]] = field("init_ms"); rss[v, n[v]] = field("rss_kb"); ovh[v, n[v]] = field("overhead_kb")
}
function median(arr, v, cnt,   i, j, t, a) {
	for (i = 1; i <= cnt; i++) a[i] = arr[v, i] + 0
	for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return cnt % 2 ? a[(cnt + 1) / 2] : (a[cnt / 2] + a[cnt / 2 + 1]) / 2
}
function minimum(arr, v, cnt,   i, m) {
	m = arr[v, 1] + 0
	for (i = 2; i <= cnt; i++) if (arr[v, i] + 0 < m) m = arr[v, i] + 0
	return m
}
END {
	if (!n["mvmm"] || !n["qemu"]) { print "bench: missing measurements"; exit 1 }
	printf "%-6s %5s %14s %12s %14s %18s\n", "vmm", "boots", "init median ms", "init min ms", "RSS median KiB", "overhead med KiB"
	for (k = 1; k <= 2; k++) {
		v = k == 1 ? "mvmm" : "qemu"
		mi[v] = median(init, v, n[v]); mr[v] = median(rss, v, n[v]); mo[v] = median(ovh, v, n[v])
		printf "%-6s %5d %14.0f %12.0f %14.0f %18.0f\n", v, n[v], mi[v], minimum(init, v, n[v]), mr[v], mo[v]
	}
	printf "boot-to-init ratio mvmm/qemu (medians): %.2f   (target <= 0.50)\n", mi["mvmm"] / mi["qemu"]
	printf "boot-to-init ratio mvmm/qemu (minimums): %.2f\n", minimum(init, "mvmm", n["mvmm"]) / minimum(init, "qemu", n["qemu"])
	printf "RSS at init ratio mvmm/qemu: %.2f\n", mr["mvmm"] / mr["qemu"]
	printf "mvmm overhead (RSS - touched guest RAM): %.1f MiB   (target <= 3 MiB); QEMU: %.1f MiB\n", mo["mvmm"] / 1024, mo["qemu"] / 1024
}' "$TH_BUILD/bench.data"
echo "raw data: $TH_BUILD/bench.data"
