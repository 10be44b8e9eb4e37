#!/usr/bin/env bash
# make bench: mvmm vs QEMU q35, measured side by side in one test-host run
# (docs/testhost.md: timing there is noisy, so only ratios within one run mean
# anything). Reports medians and minimums of boot-to-init time, RSS at init
# and VMM overhead (RSS minus touched guest RAM), and the ratios; then the
# inner VM's exits per boot by reason, userspace exits and ports, for one
# counted boot per VMM (the issue's target: userspace exits <= 0.5x QEMU's);
# the ten initcalls slowest under mvmm compared with QEMU (initcall_debug
# boots); the round trip of a port exit and an MMIO exit from inside the guest
# (exit-bench);
# then setup cost (start -> first KVM_RUN) on this machine's /dev/kvm
# (tests/bench/setup-cost.sh); then fio (virtio-blk) and iperf3 (virtio-net)
# in the guest under both VMMs.
# BENCH_ROUNDS=N changes the number of boots per VMM (default 5);
# BENCH_FIO_ROUNDS, BENCH_NET_ROUNDS those of the fio and iperf3 parts (2).
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
	--guest-add tests/bench/initcalls-inguest.sh:bin/initcalls-inguest.sh \
	--guest-add tests/bench/exitbench-inguest.sh:bin/exitbench-inguest.sh \
	--guest-add build/tools/exit-bench:bin/exit-bench \
	--scenario-timeout $((rounds * 4 * 130 + 12 * 130)) --timeout $((rounds * 4 * 130 + 12 * 130 + 120)) \
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
	if (!n["mvmm"] || !n["qemu"] || !n["mvmm-pvh"] || !n["qemu-pvh"]) { print "bench: missing measurements"; exit 1 }
	printf "%-8s %5s | %-21s | %-21s | %-21s | %9s %13s\n", "", "", "fork -> guest /init", \
		"  before the kernel", "  kernel boot", "RSS", "VMM overhead"
	printf "%-8s %5s | %10s %10s | %10s %10s | %10s %10s | %9s %13s\n", "vmm", "boots", \
		"median ms", "min ms", "median ms", "min ms", "median ms", "min ms", "med KiB", "med KiB"
	split("mvmm qemu mvmm-pvh qemu-pvh", arms, " ")
	for (k = 1; k <= 4; k++) {
		v = arms[k]
		printf "%-8s %5d | %10.0f %10.0f | %10.0f %10.0f | %10.0f %10.0f | %9.0f %13.0f\n", v, n[v], \
			stat(v, "init_ms"), stat(v, "init_ms", 1), stat(v, "pre_kernel_ms"), \
			stat(v, "pre_kernel_ms", 1), stat(v, "kernel_ms"), stat(v, "kernel_ms", 1), \
			stat(v, "rss_kb"), stat(v, "overhead_kb")
	}
	print "(bzImage rows: the kernel decompresses itself; -pvh rows: the same kernel from its ELF vmlinux)"
	# Each VMM on its faster path for this kernel, by median.
	bm = stat("mvmm", "init_ms") < stat("mvmm-pvh", "init_ms") ? "mvmm" : "mvmm-pvh"
	bq = stat("qemu", "init_ms") < stat("qemu-pvh", "init_ms") ? "qemu" : "qemu-pvh"
	printf "ratio mvmm/qemu, boot to /init (medians), each on its faster path (%s vs %s): %.2f   (target <= 0.50)\n", \
		bm, bq, stat(bm, "init_ms") / stat(bq, "init_ms")
	printf "ratio mvmm/qemu, boot to /init (medians), both bzImage: %.2f, both PVH: %.2f\n", \
		stat("mvmm", "init_ms") / stat("qemu", "init_ms"), stat("mvmm-pvh", "init_ms") / stat("qemu-pvh", "init_ms")
	printf "ratio mvmm/qemu, boot to /init (minimums), faster paths: %.2f\n", \
		stat(bm, "init_ms", 1) / stat(bq, "init_ms", 1)
	printf "ratio mvmm/qemu, time before the kernel runs (bzImage / PVH): %.2f / %.2f\n", \
		stat("mvmm", "pre_kernel_ms") / stat("qemu", "pre_kernel_ms"), \
		stat("mvmm-pvh", "pre_kernel_ms") / stat("qemu-pvh", "pre_kernel_ms")
	printf "ratio mvmm/qemu, the kernel'"'"'s own boot (bzImage / PVH):       %.2f / %.2f\n", \
		stat("mvmm", "kernel_ms") / stat("qemu", "kernel_ms"), \
		stat("mvmm-pvh", "kernel_ms") / stat("qemu-pvh", "kernel_ms")
	printf "ratio mvmm/qemu, RSS at /init (bzImage):                %.2f\n", stat("mvmm", "rss_kb") / stat("qemu", "rss_kb")
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
# The ten initcalls that take longest under mvmm compared with QEMU:
# medians of the initcall boots per VMM, difference in ms.
tr -d '\r' <"$TH_BUILD/bench.detail.log" | grep -a '^@@INITCALLS \|^@@INITCALL ' >"$TH_BUILD/bench.initcalls"
# The kernel's milestones in the same boots (printk time of the line):
# medians per VMM, in mvmm's order, and the time from the one before.
tr -d '\r' <"$TH_BUILD/bench.detail.log" | grep -a '^@@INITCALLS \|^@@PHASE ' >"$TH_BUILD/bench.phases"
awk '
/^@@INITCALLS / { split($2, kv, "="); v = kv[2]; b = ++runs[v]; next }
{ ms = $2; $1 = $2 = ""; sub(/^ +/, ""); t[v, $0, b] = ms; names[$0] = 1 }
function med(v, c,   i, j, m, k, x, y) {
	m = 0
	for (i = 1; i <= runs[v]; i++) if ((v, c, i) in t) x[++m] = t[v, c, i] + 0
	if (!m) return -1
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (x[j] < x[i]) { y = x[i]; x[i] = x[j]; x[j] = y }
	return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
}
END {
	if (!runs["mvmm"] || !runs["qemu"]) exit 0
	printf "\nthe kernel'"'"'s milestones (printk time, medians of the initcall boots; since the previous one):\n"
	printf "%-40s %10s %10s %10s %10s\n", "first line of", "mvmm ms", "qemu ms", "mvmm +ms", "qemu +ms"
	for (c in names) { order[++n] = c; tm[c] = med("mvmm", c) }
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (tm[order[j]] < tm[order[i]]) { x = order[i]; order[i] = order[j]; order[j] = x }
	pm = pq = 0
	for (i = 1; i <= n; i++) {
		c = order[i]; m = med("mvmm", c); q = med("qemu", c)
		printf "%-40s %10.0f %10.0f %+10.0f %+10.0f\n", c, m, q, m - pm, q - pq
		pm = m; pq = q
	}
}' "$TH_BUILD/bench.phases"
# The longest silence in each initcall boot's log before /init, and the lines
# around it: a stall the milestones only bracket, named.
tr -d '\r' <"$TH_BUILD/bench.detail.log" | grep -a '^@@INITCALLS \|^@@GAP ' >"$TH_BUILD/bench.gaps"
awk '
/^@@INITCALLS / { v = $2; r = $3; sub(/^vmm=/, "", v); sub(/^round=/, "", r); first = 1; next }
first { if (!hdr++) printf "\nthe longest silence in the kernel'"'"'s log before /init, per initcall boot:\n"
	ms = $2; $1 = $2 = ""; sub(/^ +/, ""); printf "  %-5s boot %s: %7.0f ms, %s\n", v, r, ms, $0; first = 0 }
' "$TH_BUILD/bench.gaps"
awk '
/^@@INITCALLS / { split($2, kv, "="); v = kv[2]; b = ++runs[v]; next }
# A name may run more than once per boot (module inits): summed per boot.
{ t[v, $2, b] += $3 / 1000; names[$2] = 1 }
function med(v, c,   i, j, m, x, y) {
	m = runs[v]
	for (i = 1; i <= m; i++) x[i] = t[v, c, i] + 0
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (x[j] < x[i]) { y = x[i]; x[i] = x[j]; x[j] = y }
	return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
}
END {
	if (!runs["mvmm"] || !runs["qemu"]) { print "bench: no initcall data"; exit 0 }
	for (c in names) { d[c] = med("mvmm", c) - med("qemu", c); sm += med("mvmm", c); sq += med("qemu", c) }
	printf "\ninitcalls (initcall_debug, medians of %d boots per VMM): all %.0f ms under mvmm, %.0f ms under QEMU\n", runs["mvmm"], sm, sq
	printf "ten slowest under mvmm compared with QEMU:\n%-40s %10s %10s %10s\n", "initcall", "mvmm ms", "qemu ms", "diff ms"
	for (r = 0; r < 10; r++) {
		best = ""
		for (c in d) if (!(c in done) && (best == "" || d[c] > d[best])) best = c
		if (best == "") break
		done[best] = 1
		printf "%-40s %10.1f %10.1f %+10.1f\n", best, med("mvmm", best), med("qemu", best), d[best]
	}
}' "$TH_BUILD/bench.initcalls"
# One exit's round trip from inside the guest: medians over the boots.
tr -d '\r' <"$TH_BUILD/bench.detail.log" | grep -a '^@@EXITNS ' >"$TH_BUILD/bench.exitns"
awk '
{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
  k = ++n[f["vmm"], f["mode"]]; ns[f["vmm"], f["mode"], k] = f["ns"] + 0 }
function med(v, m,   i, j, c, x, y) {
	c = n[v, m]
	for (i = 1; i <= c; i++) x[i] = ns[v, m, i]
	for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (x[j] < x[i]) { y = x[i]; x[i] = x[j]; x[j] = y }
	return c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
}
END {
	if (!n["mvmm", "cfg"] || !n["qemu", "cfg"]) { print "bench: no exit round-trip data"; exit 0 }
	printf "\nexits to the VMM and back, from inside the guest (exit-bench, medians of %d boots):\n", n["mvmm", "cfg"]
	printf "%-44s %10s %10s %10s\n", "", "mvmm ns", "qemu ns", "mvmm/qemu"
	printf "%-44s %10d %10d %10.2f\n", "config dword via 0xCF8/0xCFC (2 port exits)", med("mvmm", "cfg"), med("qemu", "cfg"), med("mvmm", "cfg") / med("qemu", "cfg")
	printf "%-44s %10d %10d %10.2f\n", "MMIO read of BAR0 (mock-accel / edu)", med("mvmm", "mmio"), med("qemu", "mmio"), med("mvmm", "mmio") / med("qemu", "mmio")
}' "$TH_BUILD/bench.exitns"
echo "raw data: $TH_BUILD/bench.data, $TH_BUILD/bench.exits, $TH_BUILD/bench.initcalls, $TH_BUILD/bench.phases, $TH_BUILD/bench.exitns"
# Setup cost needs no guest to boot: on this machine's own /dev/kvm.
tests/bench/setup-cost.sh 2>/dev/null

# Block I/O: fio in the Debian image under both VMMs, and on the test host
# itself (the limit), in one test-host run with the image as its disk.
fio_rounds=${BENCH_FIO_ROUNDS:-2}
scripts/build-image.sh >/dev/null
mkdir -p "$TH_BUILD"
echo "$fio_rounds" >"$TH_BUILD/bench.fio-rounds"
tests/testhost/testhost.sh --run bench-fio --with-qemu --scenarios bench-fio \
	--disk build/image/debian.raw --bin /usr/bin/fio \
	--add build/image/initrd.img:/testhost/image/initrd.img \
	--add tests/bench/bench-fio.sh:/testhost/scenarios/bench-fio.sh \
	--add tests/bench/bench-fio.ini:/testhost/bench/bench-fio.ini \
	--add "$TH_BUILD/bench.fio-rounds:/testhost/bench/fio-rounds" \
	--scenario-timeout $((fio_rounds * 2 * 200 + 120)) --timeout $((fio_rounds * 2 * 200 + 300)) \
	>"$TH_BUILD/bench-fio.summary" 2>&1 || {
	cat "$TH_BUILD/bench-fio.summary"
	echo "bench: the fio run failed (log: $TH_BUILD/bench-fio.detail.log)" >&2
	exit 1
}
tr -d '\r' <"$TH_BUILD/bench-fio.detail.log" | grep -a '^@@FIO vmm=' >"$TH_BUILD/bench-fio.data"
awk '
function field(name,   i, kv) {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
	return ""
}
{
	v = field("vmm"); j = field("job"); k = ++n[v, j]
	iops[v, j, k] = field("iops") + 0; bw[v, j, k] = field("bw_kibs") + 0
	# IOs per busy guest CPU second over the 15 s (+2 s ramp) run
	kib[v, j, k] = field("kib") + 0; busy[v, j, k] = field("busy_ticks") + 0
	# interrupts per I/O over the run (IOPS x 17 s)
	ipi[v, j, k] = field("iops") ? field("irqs") / (field("iops") * 17) : 0
}
function med(a, v, j,   i, c, t, x, y) {
	c = n[v, j]
	for (i = 1; i <= c; i++) x[i] = a[v, j, i]
	for (i = 1; i <= c; i++) for (y = i + 1; y <= c; y++) if (x[y] < x[i]) { t = x[i]; x[i] = x[y]; x[y] = t }
	return c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
}
function per_cpu(v, j, bs,   i, c, r, x, y, t) {
	c = n[v, j]
	for (i = 1; i <= c; i++) x[i] = busy[v, j, i] ? iops[v, j, i] * 17 / (busy[v, j, i] / 100) : 0
	for (i = 1; i <= c; i++) for (y = i + 1; y <= c; y++) if (x[y] < x[i]) { t = x[i]; x[i] = x[y]; x[y] = t }
	return c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
}
END {
	if (!n["mvmm", "randread"] || !n["qemu", "randread"]) { print "bench: missing fio results"; exit 1 }
	printf "\nfio in the guest (Debian image, virtio-blk, O_DIRECT, read-only), medians of %d runs per VMM:\n", n["mvmm", "randread"]
	printf "%-28s %12s %12s %12s %8s\n", "", "mvmm", "qemu", "test host", "mvmm/qemu"
	printf "%-28s %12.0f %12.0f %12.0f %8.2f\n", "4k randread QD32, IOPS", med(iops, "mvmm", "randread"), \
		med(iops, "qemu", "randread"), med(iops, "host", "randread"), med(iops, "mvmm", "randread") / med(iops, "qemu", "randread")
	printf "%-28s %12.1f %12.1f %12.1f %8.2f\n", "1M seq read QD8, MB/s", med(bw, "mvmm", "read") / 1024, \
		med(bw, "qemu", "read") / 1024, med(bw, "host", "read") / 1024, med(bw, "mvmm", "read") / med(bw, "qemu", "read")
	printf "%-28s %12.0f %12.0f %12s %8.2f\n", "4k IOPS per guest CPU second", per_cpu("mvmm", "randread"), \
		per_cpu("qemu", "randread"), "-", per_cpu("qemu", "randread") ? per_cpu("mvmm", "randread") / per_cpu("qemu", "randread") : 0
	printf "%-28s %12.2f %12.2f %12s %8s\n", "4k interrupts per I/O", med(ipi, "mvmm", "randread"), \
		med(ipi, "qemu", "randread"), "-", "-"
}' "$TH_BUILD/bench-fio.data"
echo "raw data: $TH_BUILD/bench-fio.data"

# Network: iperf3 between initramfs guests and the test host, both VMMs on
# vhost-net, in one test-host run.
net_rounds=${BENCH_NET_ROUNDS:-2}
echo "$net_rounds" >"$TH_BUILD/bench.net-rounds"
tests/testhost/testhost.sh --run bench-net --with-qemu --scenarios bench-net \
	--bin /usr/bin/iperf3 --guest-bin /usr/bin/iperf3 \
	--guest-add tests/bench/net-bench-inguest.sh:bin/net-bench-inguest.sh \
	--add tests/bench/bench-net.sh:/testhost/scenarios/bench-net.sh \
	--add tests/bench/bench-net.ini:/testhost/bench/bench-net.ini \
	--add "$TH_BUILD/bench.net-rounds:/testhost/bench/net-rounds" \
	--scenario-timeout $((net_rounds * 2 * 300 + 120)) --timeout $((net_rounds * 2 * 300 + 300)) \
	>"$TH_BUILD/bench-net.summary" 2>&1 || {
	cat "$TH_BUILD/bench-net.summary"
	echo "bench: the iperf3 run failed (log: $TH_BUILD/bench-net.detail.log)" >&2
	exit 1
}
tr -d '\r' <"$TH_BUILD/bench-net.detail.log" | grep -a '^@@NET vmm=' >"$TH_BUILD/bench-net.data"
awk '
function field(name,   i, kv) {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
	return ""
}
{ v = field("vmm"); m = field("mode"); mb[v, m, ++n[v, m]] = field("mbps") + 0 }
function med(v, m,   i, c, t, x, y) {
	c = n[v, m]
	for (i = 1; i <= c; i++) x[i] = mb[v, m, i]
	for (i = 1; i <= c; i++) for (y = i + 1; y <= c; y++) if (x[y] < x[i]) { t = x[i]; x[i] = x[y]; x[y] = t }
	return c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
}
END {
	if (!n["mvmm", "g2h"] || !n["qemu", "g2h"]) { print "bench: missing iperf3 results"; exit 1 }
	printf "\niperf3 TCP, 10 s (initramfs guests on the test host bridge, vhost-net), medians of %d runs per VMM:\n", n["mvmm", "g2h"]
	printf "%-28s %12s %12s %10s\n", "", "mvmm Mbit/s", "qemu Mbit/s", "mvmm/qemu"
	printf "%-28s %12.0f %12.0f %10.2f\n", "guest -> test host", med("mvmm", "g2h"), med("qemu", "g2h"), med("mvmm", "g2h") / med("qemu", "g2h")
	printf "%-28s %12.0f %12.0f %10.2f\n", "guest -> guest", med("mvmm", "g2g"), med("qemu", "g2g"), med("mvmm", "g2g") / med("qemu", "g2g")
}' "$TH_BUILD/bench-net.data"
echo "raw data: $TH_BUILD/bench-net.data"
