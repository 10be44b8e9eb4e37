#!/bin/busybox sh
# Runs INSIDE the inner guest (not a test-host scenario; not in SUITE):
# testhost.sh copies it to /bin/accel-inguest.sh of the guest initramfs and
# tests/guest/init runs it for mvmm.run=/bin/accel-inguest.sh, after
# mvmm.kmod= loaded the driver. It drives the mock-accel devices through the
# project's driver and tools and prints what it sees; accel-node.sh (on
# the test host) asserts on it:
#   @@MOCK-<phase> <mock-accel-tool list line>   every device, per phase
#   @@FACT accel_<phase>_count=N                 devices in /sys/class/mock-accel
#   @@FACT accel_status_<name>=0x...             STATUS read back
#   @@FACT selftest_<name>=pass|fail, fuzz_<addr>=pass|fail (from the tool)
#   @@BENCH ...                                  DMA throughput
#   @@ACCEL-PHASE <phase>                        progress (host side reads numa_maps)
# Knobs on the kernel command line: mvmm.accel_selftest=all|pf (default pf
# plus VF 0 of each PF), mvmm.accel_fuzz=0 (skip the fuzz), mvmm.accel_cycles=N,
# mvmm.accel_demo=1 (scripts/demo.sh: print the guest's view, nothing else).
CLS=/sys/class/mock-accel
DRV=/sys/bus/pci/drivers/mock-accel
TOOL=mock-accel-tool

fact() { echo "@@FACT $1=$2"; }
phase() { echo "@@ACCEL-PHASE $1 uptime=$(cut -d' ' -f1 /proc/uptime)"; }
arg() {	# arg NAME DEFAULT: mvmm.NAME=value from the command line
	for w in $(cat /proc/cmdline); do
		case $w in "mvmm.$1="*) echo "${w#*=}"; return ;; esac
	done
	echo "$2"
}
list() {	# list PHASE: every device, and how many
	$TOOL list | sed -n "s/^@@MOCK /@@MOCK-$1 /p"
	fact "accel_$1_count" "$(ls -d $CLS/mock* 2>/dev/null | wc -l)"
}
pfs() { for d in $CLS/mock*; do case ${d##*/} in *_vf*) ;; *) echo "${d##*/}" ;; esac; done; }
vfs() { for d in $CLS/mock*_vf*; do [ -e "$d" ] && echo "${d##*/}"; done; }
pci_of() { basename "$(readlink "$CLS/$1/device")"; }
set_vfs() {	# set_vfs N: sriov_numvfs of every PF
	for p in $(pfs); do
		echo "$1" >"$CLS/$p/sriov_numvfs" || echo "@@FACT error=sriov_numvfs=$1 on $p failed"
	done
}

# mvmm.accel_demo=1 (make demo): only show what the guest sees, as people
# look at it: numactl --hardware, lspci -tv, every mock-accel device.
if [ "$(arg accel_demo 0)" = 1 ]; then
	echo "@@DEMO-SECTION numactl --hardware"
	numactl --hardware 2>&1 | sed 's/^/@@DEMO /'
	echo "@@DEMO-SECTION lspci -tv"
	lspci -tv 2>&1 | sed 's/^/@@DEMO /'
	echo "@@DEMO-SECTION mock-accel devices"
	for d in $CLS/mock*; do
		[ -e "$d" ] || continue
		printf '@@DEMO %-10s %s  numa_node=%s  uuid=%s  memory_size=%s%s\n' "${d##*/}" \
			"$(pci_of "${d##*/}")" "$(cat "$d/numa_node")" "$(cat "$d/uuid")" \
			"$(cat "$d/memory_size")" \
			"$([ -e "$d/sriov_numvfs" ] && echo "  sriov_numvfs=$(cat "$d/sriov_numvfs")")"
	done
	fact accel_demo_count "$(ls -d $CLS/mock* 2>/dev/null | wc -l)"
	exit 0
fi

selftest_mode=$(arg accel_selftest pf)
fuzz=$(arg accel_fuzz 1)
cycles=$(arg accel_cycles 2)

# 1. The PFs alone (the driver was loaded without num_vfs).
phase start
list pf
# 2. VFs enabled through the driver's sriov_numvfs: 2 per PF.
set_vfs 2
list vfs

# 3. STATUS is per function and reads back: a distinct value each.
i=0
for d in $(pfs) $(vfs); do
	i=$((i + 1))
	echo "0x5a5a00$(printf %02x $i)" >"$CLS/$d/status"
	fact "accel_status_$d" "$(cat "$CLS/$d/status")"
done

# 4. The DMA engine on both nodes: the PFs, and VF 0 of each (or all).
for d in $(pfs) $(vfs); do
	case $selftest_mode:$d in all:*|*:mock[0-9]|*:mock[0-9][0-9]|*:*_vf0) ;; *) continue ;; esac
	$TOOL selftest "$d" | grep -E '^(@@|not ok)'
done
phase selftest-done

# 5. Throughput, local and remote: a buffer on each guest node, copied to
# and from every PF's device memory.
for d in $(pfs); do
	for n in 0 1; do
		$TOOL bench "$d" --node "$n" --size 4M --iters 8
	done
done

phase bench-done
# 6. VFs gone after sriov_numvfs = 0, back after enabling again, with the
# STATUS they had; then enable/disable cycles.
set_vfs 0
list off
fact accel_off_pci_vfs "$(ls -d /sys/bus/pci/devices/*:00.[1-7] 2>/dev/null | wc -l)"
set_vfs 2
list again
for d in $(vfs); do fact "accel_again_status_$d" "$(cat "$CLS/$d/status")"; done
# The PCI core's sriov_numvfs too (the driver's sriov_configure).
c=0
while [ "$c" -lt "$cycles" ]; do
	set_vfs 0
	set_vfs 2
	for p in $(pfs); do
		a=/sys/bus/pci/devices/$(pci_of "$p")/sriov_numvfs
		echo 0 >"$a" && echo 2 >"$a" || echo "@@FACT error=$a cycle failed"
	done
	c=$((c + 1))
done
list cycled
phase cycles-done

# 7. A misbehaving guest: garbage into every register of every function and
# bad DMA addresses (mock-accel-tool fuzz maps BAR0 from sysfs, which the
# kernel allows only without a driver). VFs first, then the PFs (unbinding
# a PF takes its VFs away); then bind again and check it all works.
if [ "$fuzz" = 1 ]; then
	vf_pci=; pf_pci=
	for d in $(vfs); do vf_pci="$vf_pci $(pci_of "$d")"; done
	for d in $(pfs); do pf_pci="$pf_pci $(pci_of "$d")"; done
	for a in $vf_pci; do echo "$a" >$DRV/unbind; done
	$TOOL fuzz $vf_pci --rounds 2 --doorbells 300
	phase vf-fuzz-done
	for a in $pf_pci; do echo "$a" >$DRV/unbind; done
	$TOOL fuzz $pf_pci --rounds 2 --doorbells 300
	phase pf-fuzz-done
	for a in $pf_pci; do echo "$a" >$DRV/bind; done

	set_vfs 2
	list refuzzed
	for d in $(pfs); do
		$TOOL selftest "$d" --no-raw | sed -n 's/^@@FACT selftest_/@@FACT refuzz_selftest_/p'
	done
	fact accel_after_fuzz alive
fi
phase fuzz-done

# 8. The module parameter: reload with num_vfs=2, all six devices at once.
rmmod mock_accel && insmod /lib/mock-accel.ko num_vfs=2
list param
phase done
