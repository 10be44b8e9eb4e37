#!/usr/bin/env bash
# Setup cost, on this machine's own /dev/kvm (no guest needs to boot, so no
# TCG noise): process start (its execve) to the first KVM_RUN, from
# `strace -f -ttt -e trace=execve,ioctl`, for mvmm and QEMU q35 with the
# same shape (2 vCPUs, 512M, direct kernel boot), alternating, N runs each
# (BENCH_SETUP_RUNS, default 7); medians, minimums and the ratio. strace
# slows both alike (every ioctl is traced). Skipped without /dev/kvm.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/testhost/lib.sh
runs=${BENCH_SETUP_RUNS:-7}
[ -c /dev/kvm ] || { echo "setup cost: no /dev/kvm here, skipped"; exit 0; }
command -v strace >/dev/null || th_die "setup cost: strace missing (make deps installs it)"
th_kernel_fetch
t=$(mktemp -d /tmp/mvmm-setup-XXXXXX)
trap 'rm -rf "$t"' EXIT
# QEMU's -cpu host needs MSRs an emulated /dev/kvm may refuse; qemu64 works
# everywhere and costs QEMU no more setup.
cpu=host
rc=0
timeout 5 qemu-system-x86_64 -machine q35,accel=kvm -cpu host -smp 2 -m 512M -nodefaults \
	-nographic -serial null -monitor none -kernel "$KVMLINUZ" >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 124 ] || cpu=qemu64
first_run_ms() {	# STRACE-FILE: from the VMM's own execve (not timeout's)
	awk '/execve\("[^"]*(mvmm|qemu-system-x86_64)"/ && !t0 { t0 = $2 }
	     /KVM_RUN/ && !t1 { t1 = $2 }
	     END { if (t0 && t1) printf "%.1f", (t1 - t0) * 1000; else print "none" }' "$1"
}
one() {	# VMM I
	if [ "$1" = mvmm ]; then
		strace -f -ttt -e trace=execve,ioctl -o "$t/st" timeout 5 ./mvmm --kernel "$KVMLINUZ" \
			--set machine.cpus=2 --set machine.memory=512M --timeout 1s >/dev/null 2>&1 || true
	else
		strace -f -ttt -e trace=execve,ioctl -o "$t/st" timeout 2 qemu-system-x86_64 \
			-machine q35,accel=kvm -cpu $cpu -smp 2 -m 512M -nodefaults -nographic \
			-serial null -monitor none -kernel "$KVMLINUZ" >/dev/null 2>&1 || true
	fi
	echo "$1 $(first_run_ms "$t/st")" >>"$t/data"
}
for i in $(seq 1 "$runs"); do
	if [ $((i % 2)) = 1 ]; then one mvmm "$i"; one qemu "$i"; else one qemu "$i"; one mvmm "$i"; fi
done
grep -q ' none$' "$t/data" && th_die "setup cost: a VMM never reached KVM_RUN: $(grep ' none$' "$t/data" | head -n 1)"
awk -v cpu="$cpu" '
	{ v[$1, ++n[$1]] = $2 }
	function med(k,   i, j, c, a, x) {
		c = n[k]; for (i = 1; i <= c; i++) a[i] = v[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
		mn[k] = a[1]
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	END {
		m = med("mvmm"); q = med("qemu")
		printf "setup cost, start -> first KVM_RUN (this machine'"'"'s /dev/kvm, %d runs each, strace):\n", n["mvmm"]
		printf "  mvmm %.1f ms median, %.1f min; QEMU q35 (-cpu %s) %.1f ms median, %.1f min\n", m, mn["mvmm"], cpu, q, mn["qemu"]
		printf "  ratio mvmm/QEMU (medians): %.2f   (target <= 0.20)\n", m / q
	}' "$t/data"
