#!/usr/bin/env bash
# `make experiment`: the pinning experiment kit (scripts/experiment.sh) with
# results in build/experiment/ (results.csv, results.md, results.png). With
# hardware virtualization and two host NUMA nodes the kit runs right here;
# otherwise it runs in the nested test host (scenario experiment.sh, the
# same one `make check` runs, with its small --quick buffers) and the CSV comes
# back through the scenario's log. There TCG emulates the NUMA, so the
# numbers are flat: it shows the kit working, not the hardware.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../tests/testhost/lib.sh
. tests/testhost/lib.sh
out=build/experiment
mkdir -p "$out"
if grep -qw -e vmx -e svm /proc/cpuinfo && [ -c /dev/kvm ] && [ -d /sys/devices/system/node/node1 ]; then
	th_kernel_fetch
	initrd=$(tests/guest/build-initramfs.sh -o "$out/guest.cpio" \
		--add guest-kmod/mock-accel.ko:lib/mock-accel.ko \
		--add build/tools/mock-accel-tool:bin/mock-accel-tool \
		--add build/tools/numa-bench:bin/numa-bench \
		--add tests/guest/scenarios/experiment-inguest.sh:bin/experiment-inguest.sh)
	scripts/experiment.sh run --kernel "$KVMLINUZ" --initrd "$initrd" --out "$out" \
		--mvmm ./mvmm --ctl build/tools/mvmm-ctl
else
	echo "experiment: no hardware virtualization with 2 NUMA nodes here; running in the nested test host"
	tests/testhost/run-guest-tests.sh experiment
	sed -n 's/^@@CSV //p' build/testhost/guest-nodes2.detail.log | tr -d '\r' >"$out/results.csv"
	[ "$(wc -l <"$out/results.csv")" -gt 1 ] || th_die "experiment: no results in the test host's log"
	scripts/experiment.sh plot "$out/results.csv" "$out"
fi
cat "$out/results.md"
echo "experiment: $out/results.csv, $out/results.md$([ -f "$out/results.png" ] && echo ", $out/results.png")"
