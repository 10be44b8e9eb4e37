#!/bin/sh
# mvmm --check prints the placement plan without creating a VM, and host
# placement errors (missing host node, host CPU, huge pages, a CPU outside
# the allowed set) are one-line errors naming the key and the fix, reported
# before /dev/kvm is opened (run with /dev/kvm replaced by /dev/null).
# host-nodes: 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "--check is mvmm's"
nokvm() {	# NAME ARGS...: run mvmm with /dev/kvm -> /dev/null, bounded
	_n=$1; shift
	note "run: mvmm $* (with /dev/kvm -> /dev/null)"
	VMM_T0=$(now_cs)
	unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh \
		"$@" >"$OUT/$_n.out" 2>"$OUT/$_n.err" </dev/null &
	VMM_PID=$!
	vmm_finish "$_n" 10
}
expect_error() {	# NAME PATTERN
	[ "$(wc -l <"$OUT/$1.err")" -eq 1 ] || fail "$1: expected one line on stderr"
	grep -qE "$2" "$OUT/$1.err" || fail "$1: error does not match '$2': $(cat "$OUT/$1.err")"
	note "ok: $1: $(cat "$OUT/$1.err")"
}

nokvm plan mvmm --check --config "$CONFIGS/numa-3cell.ini" --kernel "$VMLINUZ"
expect_rc plan 1
expect_error plan "numa-3cell.ini:[0-9]+: \[numa.2\] host_node: expected a node of this host \(0-1"

for v in 0 1; do
	echo 192 >/sys/devices/system/node/node$v/hugepages/hugepages-2048kB/nr_hugepages
done
nokvm plan2 mvmm --check --config "$CONFIGS/numa-2node.ini" --kernel "$VMLINUZ"
expect_rc plan2 0
grep -q 'guest node 1: vCPUs 2-3, 384M RAM at \[0x18000000-0x30000000), host node 1 policy bind, host CPUs 1' "$OUT/plan2.out" ||
	fail "plan2: no plan line for guest node 1"
grep -q 'vCPU 3: node 1, socket 1 core 1 thread 0, APIC id 3, host CPUs 1' "$OUT/plan2.out" ||
	fail "plan2: no plan line for vCPU 3"
note "ok: plan printed"
for v in 0 1; do
	echo 0 >/sys/devices/system/node/node$v/hugepages/hugepages-2048kB/nr_hugepages
done

nokvm hostnode mvmm --config "$CONFIGS/numa-bad-host-node.ini" --kernel "$VMLINUZ"
expect_rc hostnode 1
expect_error hostnode "numa-bad-host-node.ini:14: \[numa.1\] host_node: expected a node of this host \(0-1; see numactl --hardware\), got '5'"
nokvm hostcpus mvmm --config "$CONFIGS/numa-bad-host-cpus.ini" --kernel "$VMLINUZ"
expect_rc hostcpus 1
expect_error hostcpus "numa-bad-host-cpus.ini:10: \[numa.0\] host_cpus: expected CPUs of this host \(0-1\), got '7'"
nokvm huge mvmm --config "$CONFIGS/numa-bad-hugepages.ini" --kernel "$VMLINUZ"
expect_rc huge 1
expect_error huge "numa-bad-hugepages.ini:10: \[numa.0\] host_node: expected host node 1 to have 128 free 2M huge pages, got 0 \(fix: echo 128 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages\)"
# The allowed CPU set (cgroup cpuset / taskset): CPU 1 exists but is not ours.
command -v taskset >/dev/null || skip "no taskset in the test host"
nokvm allowed taskset 1 mvmm --config "$CONFIGS/numa-2node.ini" --kernel "$VMLINUZ"
expect_rc allowed 1
expect_error allowed "\[numa.1\] host_node: expected a host node with CPUs this process may use \(0\)"
