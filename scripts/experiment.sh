#!/bin/sh
# The pinning experiment kit: boot one 2-node guest with a mock-accel device,
# then, through mvmm's control socket, walk a placement matrix and measure
# each cell from inside the guest:
#   ram     guest node 0's RAM on host node 0 (local), 1 (remote), or
#           interleaved over 0-1          (migrate-memory while it runs)
#   vcpu    vCPU 0 pinned to host node 0's CPUs, or floating on all
#   worker  the device's DMA worker on host node 0's CPUs (local) or 1's
# measuring memory bandwidth/latency of a buffer on guest node 0 from vCPU 0
# (numa-bench) and DMA throughput of the device with its buffer there
# (mock-accel-tool bench). Writes OUT/results.csv, OUT/results.md and, where
# gnuplot is installed, OUT/results.png.
#
#   scripts/experiment.sh run --kernel K --initrd I [--out DIR] [--config F]
#                             [--mvmm PATH] [--ctl PATH] [--quick]
#   scripts/experiment.sh plot CSV [OUT-DIR]     Markdown table and PNG only
#
# `run` needs a 2-node host with KVM (on a machine without, `make experiment`
# runs it in the nested test host). The initrd must run
# /bin/experiment-inguest.sh (tests/guest's initramfs does, via mvmm.run=).
# Without --config the machine is built from --set alone. --quick: smaller
# buffers (CI). In the nested test host NUMA is emulated by TCG, so the
# numbers are flat: the kit is exercised there, not the hardware.
set -eu
die() { echo "experiment: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)

plot() {	# CSV OUTDIR
	csv=$1 out=$2
	{
		echo "| ram | vcpu | worker | copy MB/s | triad MB/s | latency ns | DMA h2d MB/s | DMA d2h MB/s |"
		echo "|---|---|---|---|---|---|---|---|"
		tail -n +2 "$csv" | awk -F, '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
	} >"$out/results.md"
	if command -v gnuplot >/dev/null 2>&1; then
		gnuplot <<-GP
		set terminal pngcairo size 1100,520 font ",9"
		set output "$out/results.png"
		set datafile separator ","
		set multiplot layout 1,2 title "mvmm placement matrix (ram/vcpu/worker)"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set xtics rotate by -45 scale 0
		set key top left
		set yrange [0:*]
		set ylabel "MB/s"
		plot "$csv" using 4:xtic(sprintf("%s/%s/%s", strcol(1), strcol(2), strcol(3))) title "copy", \
		     "" using 5 title "triad", "" using 7 title "DMA h2d", "" using 8 title "DMA d2h"
		set ylabel "ns"
		plot "$csv" using 6:xtic(sprintf("%s/%s/%s", strcol(1), strcol(2), strcol(3))) title "latency"
		unset multiplot
		GP
	fi
}

[ $# -ge 1 ] || die "usage: $0 run|plot ... (see the header of $0)"
mode=$1; shift
if [ "$mode" = plot ]; then
	[ $# -ge 1 ] || die "plot: expected a CSV file"
	plot "$1" "${2:-$(dirname "$1")}"
	exit 0
fi
[ "$mode" = run ] || die "unknown mode '$mode' (run or plot)"

kernel=; initrd=; out=experiment-out; config=; quick=0
mvmm=$(command -v mvmm || echo "$here/../mvmm")
ctl=$(command -v mvmm-ctl || echo "$here/../build/tools/mvmm-ctl")
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--mvmm) mvmm=$2; shift 2 ;;
	--ctl) ctl=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	*) die "unknown option $1" ;;
	esac
done
[ -n "$kernel" ] && [ -n "$initrd" ] || die "run: --kernel and --initrd are required"
[ -d /sys/devices/system/node/node1 ] || die "run: needs a host with 2 NUMA nodes (this one has $(ls -d /sys/devices/system/node/node[0-9]* | wc -l))"
cpus0=$(cat /sys/devices/system/node/node0/cpulist)
cpus1=$(cat /sys/devices/system/node/node1/cpulist)
allcpus=$(cat /sys/devices/system/cpu/online)
if [ "$quick" = 1 ]; then mib=4 dmasize=256K; else mib=64 dmasize=4M; fi
mkdir -p "$out"
rm -f "$out/console.in" "$out/api.sock"
mkfifo "$out/console.in"
sock=$out/api.sock
if [ -n "$config" ]; then
	machine="--config $config"
else
	machine="--set machine.cpus=2 --set machine.memory=1G
		--set numa.0.cpus=0 --set numa.0.memory=512M --set numa.0.host_node=0
		--set numa.1.cpus=1 --set numa.1.memory=512M --set numa.1.host_node=1
		--set pcie.n0.bus=0x10 --set pcie.n0.numa=0
		--set device.acc0.type=mock-accel --set device.acc0.bus=n0
		--set device.acc0.memory_size=64M"
fi
# shellcheck disable=SC2086 # $machine is a word list on purpose
"$mvmm" $machine --kernel "$kernel" --initrd "$initrd" --api-socket "$sock" \
	--append "console=ttyS0 panic=-1 quiet mvmm.kmod=1 mvmm.run=/bin/experiment-inguest.sh" \
	<"$out/console.in" >"$out/console.out" 2>"$out/mvmm.err" &
pid=$!
exec 3>"$out/console.in"	# the guest's keyboard; open until the end
trap 'kill $pid 2>/dev/null || true' EXIT

# count PATTERN: console lines matching PATTERN (grep -c exits 1 for none).
count() { tr -d '\r' <"$out/console.out" | grep -c "$1" || true; }
# wait_for PATTERN SECONDS: until the console has more lines matching
# PATTERN than $seen (taken when the current command was sent).
wait_for() {
	_n=0
	while [ "$(count "$1")" -le "$seen" ]; do
		kill -0 "$pid" 2>/dev/null || die "mvmm exited (see $out/mvmm.err: $(tail -n 1 "$out/mvmm.err"))"
		_n=$((_n + 1))
		[ "$_n" -lt $(($2 * 10)) ] || die "no '$1' on the console within $2 s"
		sleep 0.1
	done
}
seen=0
wait_for '^@@EXPERIMENT-READY' 300
cmd() {	# guest command: send it, wait for its @@CELL-DONE
	seen=$(count '^@@CELL-DONE')
	echo "$*" >&3
	wait_for '^@@CELL-DONE' 600
}
last() { tr -d '\r' <"$out/console.out" | grep "$1" | tail -n 1; }
field() { echo "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
ask() { "$ctl" "$sock" "$@" >"$out/ctl.last" || die "mvmm-ctl $*: $(cat "$out/ctl.last")"; }

echo "ram,vcpu,worker,copy_mbs,triad_mbs,latency_ns,dma_h2d_mbps,dma_d2h_mbps" >"$out/results.csv"
for ram in local remote interleave; do
	case $ram in
	local) ask migrate-memory guest_node=0 host_nodes=0 ;;
	remote) ask migrate-memory guest_node=0 host_nodes=1 ;;
	interleave) ask migrate-memory guest_node=0 host_nodes=0-1 policy=interleave ;;
	esac
	for vcpu in pinned floating; do
		if [ "$vcpu" = pinned ]; then ask set-affinity vcpu=0 cpus="$cpus0"
		else ask set-affinity vcpu=0 cpus="$allcpus"; fi
		for worker in local remote; do
			if [ "$worker" = local ]; then ask set-affinity device=acc0 cpus="$cpus0"
			else ask set-affinity device=acc0 cpus="$cpus1"; fi
			cmd mem 0 0 "$mib"
			m=$(last '^@@BENCH-MEM')
			cmd dma 0 0 "$dmasize"
			h=$(last '^@@BENCH .*dir=h2d')
			d=$(last '^@@BENCH .*dir=d2h')
			row="$ram,$vcpu,$worker,$(field "$m" copy_mbs),$(field "$m" triad_mbs),$(field "$m" latency_ns),$(field "$h" mbps),$(field "$d" mbps)"
			echo "$row" >>"$out/results.csv"
			echo "experiment: $row"
		done
	done
done
ask query-placement
cp "$out/ctl.last" "$out/placement-last.json"
# The guest's loop ends, its init powers off, mvmm exits 0.
echo quit >&3
n=0
while kill -0 "$pid" 2>/dev/null; do
	n=$((n + 1))
	[ "$n" -lt 1200 ] || die "the guest did not power off within 120 s"
	sleep 0.1
done
rc=0; wait "$pid" || rc=$?
[ "$rc" = 0 ] || die "mvmm exited with $rc (see $out/mvmm.err)"
trap - EXIT
exec 3>&-
plot "$out/results.csv" "$out"
png=; [ -f "$out/results.png" ] && png=", $out/results.png"
echo "experiment: $(($(wc -l <"$out/results.csv") - 1)) cells in $out/results.csv, $out/results.md$png"
