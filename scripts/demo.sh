#!/usr/bin/env bash
# `make demo`: boot the reference cluster node (configs/node1.ini) with the
# mock-accel driver loaded with its VFs enabled, and show the guest's
# console, then what the guest saw: numactl --hardware, lspci -tv and every
# mock-accel device with its PCI address and numa_node (six devices, three
# per node). With a CONFIG argument, boot that instead (e.g. configs/demo.ini).
# With hardware virtualization (vmx/svm and /dev/kvm) ./mvmm runs right here;
# otherwise (e.g. a VM without nested virtualization) the same mvmm command
# runs inside the nested test host (tests/testhost, QEMU TCG with emulated
# AMD-V), whose console, with the inner guest's in it, is streamed here.
#
# node1.ini itself needs hardware virtualization, two host NUMA nodes and
# 8 GiB; elsewhere the test host runs tests/guest/configs/accel-demo.ini, the
# same shape scaled down (512 MiB nodes, small device memory).
#
# With --cluster: the two-node cluster instead (scripts/cluster.sh,
# docs/cluster.md): up, status, a command over SSH on each node, down;
# here with hardware virtualization and two host NUMA nodes (the reference
# pair; --small for configs/small/), else the small pair in the test host
# (tests/guest/scenarios/cluster.sh, whose transcript is shown).
#
# usage: scripts/demo.sh [CONFIG] [--host-nodes N] [--testhost]
#        scripts/demo.sh --cluster [--small] [--testhost]
#   --testhost   use the test host even when this machine could run mvmm
set -eu
cd "$(dirname "$0")/.."
. tests/testhost/lib.sh

config=; nodes=1; force_th=0; append=; cluster=0; small=
while [ $# -gt 0 ]; do
	case $1 in
	--cluster) cluster=1; shift ;;
	--small) small=--small; shift ;;
	--host-nodes) nodes=$2; shift 2 ;;
	--testhost) force_th=1; shift ;;
	-*) th_die "demo: unknown option $1" ;;
	*) config=$1; shift ;;
	esac
done
hw_kvm=0
grep -qw -e vmx -e svm /proc/cpuinfo && [ -c /dev/kvm ] && hw_kvm=1
if [ "$cluster" = 1 ]; then
	if [ "$force_th" = 0 ] && [ "$hw_kvm" = 1 ] && [ -d /sys/devices/system/node/node1 ]; then
		scripts/build-image.sh >/dev/null
		scripts/cluster.sh $small up
		scripts/cluster.sh $small status || true
		for n in node1 node2; do
			echo "demo: scripts/cluster.sh $small ssh $n uname -n"
			scripts/cluster.sh $small ssh "$n" uname -n
		done
		exec scripts/cluster.sh $small down
	fi
	echo "demo: no hardware virtualization and two host nodes here; running the small" \
		"pair in the nested test host (tests/guest/scenarios/cluster.sh)"
	set +e
	tests/testhost/run-guest-tests.sh cluster
	rc=$?
	set -e
	echo
	echo "==== the scenario's transcript (build/testhost/guest-nodes2.detail.log)"
	sed -n '/^===== BEGIN cluster/,/^===== END cluster/p' "$TH_BUILD/guest-nodes2.detail.log" | tr -d '\r'
	exit "$rc"
fi
# The mock-accel pieces for the inner guest's initramfs, when built.
accel_adds=()
for g in guest-kmod/mock-accel.ko:lib/mock-accel.ko build/tools/mock-accel-tool:bin/mock-accel-tool \
	tests/guest/scenarios/accel-inguest.sh:bin/accel-inguest.sh; do
	if [ -f "${g%%:*}" ]; then accel_adds+=(--add "$g"); fi
done
if [ -z "$config" ]; then
	# The reference node: here when the host can take it, else in the test host.
	if [ "$force_th" = 0 ] && [ "$hw_kvm" = 1 ] && [ -d /sys/devices/system/node/node1 ]; then
		config=configs/node1.ini
		# node1.ini names the image's files (its root disk among them).
		scripts/build-image.sh >/dev/null
		append="console=ttyS0 panic=-1 mvmm.kmod=num_vfs=2 mvmm.run=/bin/accel-inguest.sh mvmm.accel_demo=1"
	else
		config=tests/guest/configs/accel-demo.ini
		nodes=2
	fi
fi
[ -r "$config" ] || th_die "demo: no config $config"
[ -x ./mvmm ] || th_die "demo: ./mvmm missing (run make)"

th_kernel_fetch
mkdir -p "$TH_BUILD"
console=$TH_BUILD/demo.console
t0=$(th_now)
if [ "$force_th" = 0 ] && [ "$hw_kvm" = 1 ]; then
	initrd=$(tests/guest/build-initramfs.sh -o "$TH_BUILD/demo-guest.cpio" \
		${accel_adds[@]+"${accel_adds[@]}"})
	echo "demo: ./mvmm --config $config --kernel $KVMLINUZ --initrd $initrd${append:+ --append \"$append\"}"
	set +e
	timeout 300 ./mvmm --config "$config" --kernel "$KVMLINUZ" --initrd "$initrd" \
		${append:+--append "$append"} | tee "$console"
	rc=${PIPESTATUS[0]}
	set -e
	where="this machine"
else
	echo "demo: no hardware virtualization here (no vmx/svm flag);" \
		"booting the nested test host and running mvmm inside it"
	set +e
	tests/testhost/testhost.sh --run demo --demo "$config" --host-nodes "$nodes" \
		--host-cpus $((nodes > 2 ? nodes : 2)) --stream --timeout 300
	set -e
	tr -d '\r' <"$TH_BUILD/demo.log" >"$console"
	rc=$(sed -n 's/^@@DEMO-END rc=//p' "$console" | head -n 1)
	rc=${rc:-"none (the test host did not finish: see $TH_BUILD/demo.log)"}
	where="the nested test host"
fi

# Summary from the guest's own report (tests/guest/init).
f() { tr -d '\r' <"$console" | sed -n "s/^@@FACT $1=//p" | head -n 1; }
echo
echo "==== demo summary ($config on $(f kernel) in $where, $(th_elapsed "$t0")s)"
if grep -q '@@INIT-REACHED' "$console"; then
	echo "  guest /init report at    $(f uptime)s of guest uptime"
	echo "  CPUs                     $(f nproc) online ($(f cpu_online)), $(f cpuinfo_vendor) '$(f cpuinfo_model)'"
	echo "  memory                   MemTotal $(( $(f memtotal_kb) / 1024 )) MiB"
	echo "  NUMA nodes online        $(f node_online)"
	echo "  PCI functions            $(f pci_devices)"
	echo "  kernel command line      $(f cmdline)"
	echo "  initrd marker            $(f initrd_marker)"
	# The mock-accel demo's sections (tests/guest/scenarios/accel-inguest.sh).
	if grep -q '^@@DEMO-SECTION' "$console"; then
		tr -d '\r' <"$console" | sed -n 's/^@@DEMO-SECTION \(.*\)/\n==== guest: \1/p; s/^@@DEMO //p'
		echo
		echo "  mock-accel devices       $(f accel_demo_count)"
	fi
	tr -d '\r' <"$console" | sed -n 's/^@@DMESG //p' >"$console.dmesg"
	awk -v allowf=tests/guest/dmesg-allowlist -f tests/guest/dmesg-filter.awk \
		"$console.dmesg" >"$console.dmesg-unexpected"
	echo "  dmesg warnings or worse  $(wc -l <"$console.dmesg") lines," \
		"$(wc -l <"$console.dmesg-unexpected") outside tests/guest/dmesg-allowlist"
	sed 's/^/      /' "$console.dmesg-unexpected"
else
	echo "  the guest never reached /init"
fi
echo "  mvmm exit status         $rc"
[ "$rc" = 0 ]
