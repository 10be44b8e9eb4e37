#!/usr/bin/env bash
# `make demo`: boot configs/demo.ini (or the config given) and show the
# guest's console, then a short summary of what the guest saw.
# With hardware virtualization (vmx/svm and /dev/kvm) ./mvmm runs right here;
# otherwise (e.g. a VM without nested virtualization) the same mvmm command
# runs inside the nested test host (tests/testhost, QEMU TCG with emulated
# AMD-V), whose console, with the inner guest's in it, is streamed here.
#
# usage: scripts/demo.sh [CONFIG] [--host-nodes N] [--testhost]
#   --testhost   use the test host even when this machine could run mvmm
set -eu
cd "$(dirname "$0")/.."
. tests/testhost/lib.sh

config=configs/demo.ini; nodes=1; force_th=0
while [ $# -gt 0 ]; do
	case $1 in
	--host-nodes) nodes=$2; shift 2 ;;
	--testhost) force_th=1; shift ;;
	-*) th_die "demo: unknown option $1" ;;
	*) config=$1; shift ;;
	esac
done
[ -r "$config" ] || th_die "demo: no config $config"
[ -x ./mvmm ] || th_die "demo: ./mvmm missing (run make)"

th_kernel_fetch
mkdir -p "$TH_BUILD"
console=$TH_BUILD/demo.console
t0=$(th_now)
if [ "$force_th" = 0 ] && grep -qw -e vmx -e svm /proc/cpuinfo && [ -c /dev/kvm ]; then
	initrd=$(tests/guest/build-initramfs.sh -o "$TH_BUILD/demo-guest.cpio")
	echo "demo: ./mvmm --config $config --kernel $KVMLINUZ --initrd $initrd"
	set +e
	timeout 300 ./mvmm --config "$config" --kernel "$KVMLINUZ" --initrd "$initrd" |
		tee "$console"
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
