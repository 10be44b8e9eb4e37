#!/usr/bin/env bash
# Setup cost, on this machine's own /dev/kvm (no guest needs to boot, so no
# TCG noise): the launcher's clock just before execve to the VMM's first
# KVM_RUN, taken by an LD_PRELOAD shim around ioctl()
# (build/bench/firstrun.so, tests/bench/firstrun.c), for mvmm and QEMU q35
# with the same shape, alternating, N runs each (BENCH_SETUP_RUNS, default 7);
# medians, minimums and the ratio; for two shapes: "flat" (2 vCPUs, 512M,
# direct kernel boot) and "2-node" (two guest nodes of 1 vCPU and 256M, two
# NUMA expander buses, each with a device: mvmm's mock-accel PF with 2 VFs,
# QEMU's pxb-pcie + root port + edu). Not strace: it stops the process at
# every traced ioctl, which charges a VMM for how many it makes (mvmm's
# device memslots, say) rather than for what they cost. Skipped without
# /dev/kvm. Last, one memory slot's cost before and after an irqchip
# (build/tools/kvm-slot-wait).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/testhost/lib.sh
runs=${BENCH_SETUP_RUNS:-7}
[ -c /dev/kvm ] || { echo "setup cost: no /dev/kvm here, skipped"; exit 0; }
shim=$PWD/build/bench/firstrun.so
[ -f "$shim" ] || th_die "setup cost: $shim missing (make bench builds it)"
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
first_run_ms() {	# OUT-FILE of the shim: its first line, or "none"
	local v
	v=$(head -n 1 "$1")
	echo "${v:-none}"
}
# The two-node shape for each VMM (no host binding: this machine may have
# one node).
MVMM_2NODE="--set numa.0.cpus=0 --set numa.0.memory=256M --set numa.1.cpus=1 --set numa.1.memory=256M"
for i in 0 1; do
	MVMM_2NODE="$MVMM_2NODE --set pcie.numa$i.bus=$((16 * (i + 1))) --set pcie.numa$i.numa=$i
		--set device.acc$i.type=mock-accel --set device.acc$i.bus=numa$i --set device.acc$i.vfs=2
		--set device.acc$i.memory_size=64M --set device.acc$i.vf_memory_size=16M"
done
QEMU_2NODE="-object memory-backend-ram,id=m0,size=256M -object memory-backend-ram,id=m1,size=256M
	-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1"
for i in 0 1; do
	QEMU_2NODE="$QEMU_2NODE -device pxb-pcie,id=pxb$i,bus_nr=$((16 * (i + 1))),numa_node=$i,bus=pcie.0
		-device pcie-root-port,id=rp$i,bus=pxb$i,chassis=$((i + 1)) -device edu,bus=rp$i"
done
one() {	# SHAPE VMM I
	local extra_m= extra_q=
	: >"$t/st"
	[ "$1" = 2-node ] && { extra_m=$MVMM_2NODE; extra_q=$QEMU_2NODE; }
	if [ "$2" = mvmm ]; then
		# shellcheck disable=SC2086
		FIRSTRUN_OUT=$t/st FIRSTRUN_T0=$EPOCHREALTIME LD_PRELOAD=$shim timeout 5 ./mvmm --kernel "$KVMLINUZ" \
			--set machine.cpus=2 --set machine.memory=512M $extra_m --timeout 1s >/dev/null 2>&1 || true
	else
		# shellcheck disable=SC2086
		FIRSTRUN_OUT=$t/st FIRSTRUN_T0=$EPOCHREALTIME LD_PRELOAD=$shim timeout 2 qemu-system-x86_64 \
			-machine q35,accel=kvm -cpu $cpu -smp 2 -m 512M $extra_q -nodefaults -nographic \
			-serial null -monitor none -kernel "$KVMLINUZ" >/dev/null 2>&1 || true
	fi
	echo "$1 $2 $(first_run_ms "$t/st")" >>"$t/data"
}
for shape in flat 2-node; do
	for i in $(seq 1 "$runs"); do
		if [ $((i % 2)) = 1 ]; then one $shape mvmm "$i"; one $shape qemu "$i"
		else one $shape qemu "$i"; one $shape mvmm "$i"; fi
	done
done
# Where mvmm's time goes: more runs of it alone with --report-json, whose
# timeline has a wall-clock stamp per setup step (vmm/machine.c); the shim's
# total minus the first instruction's stamp is exec, dynamic linking and
# main() up to the timeline's start. Separate runs: the report mvmm writes
# at start must not be charged to the timed ones.
split() {	# SHAPE: one line "SHAPE exec plan vm pci vcpus acpi kernel start" (ms)
	local extra_m= i
	[ "$1" = 2-node ] && extra_m=$MVMM_2NODE
	for i in $(seq 1 "$runs"); do
		: >"$t/st"; rm -f "$t/r.json"
		# shellcheck disable=SC2086
		FIRSTRUN_OUT=$t/st FIRSTRUN_T0=$EPOCHREALTIME LD_PRELOAD=$shim timeout 5 ./mvmm --kernel "$KVMLINUZ" \
			--set machine.cpus=2 --set machine.memory=512M $extra_m --timeout 1s \
			--report-json "$t/r.json" >/dev/null 2>&1 || true
		awk -v total="$(first_run_ms "$t/st")" -v shape="$1" '
			match($0, /"event": "[a-z-]*", "wall_s": [0-9.]*/) {
				split(substr($0, RSTART, RLENGTH), f, "\"")
				w[f[4]] = substr(f[7], 3) * 1000 }
			END {
				n = split("vmm-start planned vm-created pci-ready vcpus-created acpi-written kernel-loaded first-instruction", e, " ")
				for (i = 1; i <= n; i++) if (!(e[i] in w)) exit
				printf "%s %.2f", shape, total - w["first-instruction"]
				for (i = 2; i <= n; i++) printf " %.2f", w[e[i]] - w[e[i - 1]]
				printf "\n" }' "$t/r.json" >>"$t/split"
	done
}
: >"$t/split"
split flat; split 2-node
grep -q ' none$' "$t/data" && th_die "setup cost: a VMM never reached KVM_RUN: $(grep ' none$' "$t/data" | head -n 1)"
awk -v cpu="$cpu" '
	{ k = $1 " " $2; v[k, ++n[k]] = $3; shapes[$1] = 1 }
	function med(k,   i, j, c, a, x) {
		c = n[k]; for (i = 1; i <= c; i++) a[i] = v[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
		mn[k] = a[1]
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	END {
		printf "setup cost, start -> first KVM_RUN (this machine'"'"'s /dev/kvm, %d runs each; QEMU q35 -cpu %s):\n", n["flat mvmm"], cpu
		split("flat 2-node", order, " ")
		for (o = 1; o <= 2; o++) {
			s = order[o]
			m = med(s " mvmm"); q = med(s " qemu")
			printf "  %-7s mvmm %.1f ms median, %.1f min; QEMU %.1f ms median, %.1f min; ratio %.2f (target <= 0.20)\n", \
				s, m, mn[s " mvmm"], q, mn[s " qemu"], m / q
		}
	}' "$t/data"
[ -s "$t/split" ] || th_die "setup cost: mvmm's --report-json timeline had no setup steps"
awk '{ k = $1; c[k]++; for (i = 2; i <= NF; i++) v[k, i, c[k]] = $i; nf = NF; shapes[k] = 1 }
	function med(k, i,   j, l, a, x, m) {
		m = c[k]; for (j = 1; j <= m; j++) a[j] = v[k, i, j]
		for (j = 1; j <= m; j++) for (l = j + 1; l <= m; l++) if (a[l] < a[j]) { x = a[j]; a[j] = a[l]; a[l] = x }
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		split("exec+libs config+plan vm+memory devices+pci vcpus acpi kernel+initrd threads", name, " ")
		printf "  where mvmm'"'"'s time goes (medians of %d more runs with --report-json, ms):\n", c["flat"]
		split("flat 2-node", order, " ")
		for (o = 1; o <= 2; o++) {
			k = order[o]; if (!(k in shapes)) continue
			printf "    %-7s", k
			for (i = 2; i <= nf; i++) printf " %s %.1f", name[i - 1], med(k, i)
			printf "\n"
		}
	}' "$t/split"
# Why mvmm installs RAM's slots before its irqchip and queues the setup's
# ioeventfds (vmm/vm.h): one slot's ioctl, alone and right after an irqchip.
w=build/tools/kvm-slot-wait
[ -x "$w" ] || th_die "setup cost: $w missing (make bench builds it)"
"$w" "$runs" | awk '{ printf "  one KVM_SET_USER_MEMORY_REGION (64M) in a fresh VM: %.2f ms median (%.2f min); right after KVM_CREATE_IRQCHIP: %.2f ms (%.2f min)\n", $2, $3, $5, $6 }'
