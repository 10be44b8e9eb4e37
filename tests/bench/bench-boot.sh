#!/bin/sh
# Benchmark scenario, run inside the test host: boot the same stock kernel,
# initrd and command line with mvmm and with QEMU q35 (KVM, -kernel direct
# boot, same vCPUs and memory), each from the bzImage and from the ELF
# vmlinux (PVH entry: no decompressor; QEMU takes that path too, through
# its PVH option ROM), rotating the four arms' order per round, and print
# one line per boot:
#   @@BENCH vmm=<mvmm|qemu>[-pvh] round=N init_ms=N rss_kb=N guest_rss_kb=N overhead_kb=N exit=N
# bootstamp times fork -> the guest's "@@INIT-REACHED" line and samples the
# VMM's memory at that moment. After the timed rounds, one more boot per VMM
# with the kvm exits counted in the kernel (exits-lib.sh: @@EXITS lines, not
# timed: counting costs time). Then INITCALL_ROUNDS (3) boots per VMM,
# alternating, with initcall_debug: "@@INITCALLS vmm=V round=N" and the
# guest's "@@INITCALL NAME USECS" lines; then EXIT_ROUNDS (3) boots per
# VMM measuring one PIO and one MMIO exit from inside the guest ("@@EXITNS").
# tests/bench/run-bench.sh reads them.
. /testhost/scenarios/lib.sh
. /testhost/scenarios/exits-lib.sh

ROUNDS=$(cat /testhost/bench/rounds 2>/dev/null || echo 5)
MEM=512M
MEM_BYTES=536870912
CPUS=2
APPEND="$BASE_CMDLINE mvmm.test=poweroff"

run_mvmm() {	# [KERNEL]
	bootstamp --guest-mem $MEM_BYTES --timeout 120 -- \
		mvmm --config /testhost/bench/bench.ini --kernel "${1:-$VMLINUZ}" \
		--initrd "$INITRD" --append "$APPEND" 2>/dev/null
}

run_qemu() {	# [KERNEL]
	bootstamp --guest-mem $MEM_BYTES --timeout 120 -- \
		qemu-system-x86_64 -machine q35,accel=kvm -cpu host -smp $CPUS -m $MEM \
		-nodefaults -nographic -serial stdio -no-reboot \
		-kernel "${1:-$VMLINUZ}" -initrd "$INITRD" -append "$APPEND" 2>/dev/null
}

one() {	# ARM ROUND: ARM is mvmm, qemu, mvmm-pvh or qemu-pvh
	case $1 in
	*-pvh) line=$(run_${1%-pvh} "$VMLINUX" | tail -n 1) ;;
	*) line=$(run_$1 | tail -n 1) ;;
	esac
	case $line in
	init_ms=*) echo "@@BENCH vmm=$1 round=$2 $line" ;;
	*) fail "$1 round $2: no measurement (got '$line')" ;;
	esac
	case $line in *" exit=0") ;; *) fail "$1 round $2: $line" ;; esac
}

# rounds COUNT FN ARM...: COUNT rounds of "FN ARM ROUND" for every ARM, the
# order rotated each round so that no arm always boots on a warmer host.
rounds() {
	_n=$1 _fn=$2; shift 2
	_i=1
	while [ $_i -le "$_n" ]; do
		for _a in "$@"; do $_fn "$_a" $_i; done
		_a=$1; shift; set -- "$@" "$_a"
		_i=$((_i + 1))
	done
}

rounds "$ROUNDS" one mvmm qemu mvmm-pvh qemu-pvh
# Exits per boot: deterministic counts, free of TCG's timing noise.
for v in mvmm qemu; do
	exits_arm
	line=$(run_$v | tail -n 1)
	case $line in *" exit=0") ;; *) fail "$v counted boot: $line" ;; esac
	exits_print "$v" count
done
# Where the kernel's own boot goes: each initcall's time under both VMMs.
initcalls() {	# VMM ROUND
	_app="$APPEND initcall_debug log_buf_len=4M mvmm.run=/bin/initcalls-inguest.sh"
	echo "@@INITCALLS vmm=$1 round=$2"
	case $1 in
	mvmm) timeout 120 mvmm --config /testhost/bench/bench.ini --kernel "$VMLINUZ" \
		--initrd "$INITRD" --append "$_app" 2>/dev/null </dev/null ;;
	qemu) timeout 120 qemu-system-x86_64 -machine q35,accel=kvm -cpu host -smp $CPUS -m $MEM \
		-nodefaults -nographic -serial stdio -no-reboot \
		-kernel "$VMLINUZ" -initrd "$INITRD" -append "$_app" 2>/dev/null </dev/null ;;
	esac | tr -d '\r' | grep '^@@INITCALL \|^@@PHASE \|^@@GAP ' >"$OUT/initcalls.$1.$2"
	grep -q '^@@INITCALL ' "$OUT/initcalls.$1.$2" || fail "$1 initcall boot $2: no @@INITCALL lines"
	grep -q '^@@PHASE .* Freeing unused kernel image' "$OUT/initcalls.$1.$2" ||
		fail "$1 initcall boot $2: no @@PHASE line for the end of the kernel's boot"
	cat "$OUT/initcalls.$1.$2"
}
rounds "${INITCALL_ROUNDS:-3}" initcalls mvmm qemu
# Exits' round trips, port I/O (config reads through 0xCF8/0xCFC, pci=nommconf)
# and MMIO (BAR0), from inside the guest (exit-bench):
# mvmm with a mock-accel PF, QEMU with edu, EXIT_ROUNDS (3) boots each.
exitbench() {	# VMM ROUND
	_app="$APPEND pci=nommconf mvmm.run=/bin/exitbench-inguest.sh"
	case $1 in
	mvmm) timeout 120 mvmm --config /testhost/bench/bench.ini --set device.acc0.type=mock-accel \
		--kernel "$VMLINUZ" --initrd "$INITRD" --append "$_app" 2>/dev/null </dev/null ;;
	qemu) timeout 120 qemu-system-x86_64 -machine q35,accel=kvm -cpu host -smp $CPUS -m $MEM \
		-nodefaults -nographic -serial stdio -no-reboot -device edu \
		-kernel "$VMLINUZ" -initrd "$INITRD" -append "$_app" 2>/dev/null </dev/null ;;
	esac | tr -d '\r' >"$OUT/exitbench.raw.$1.$2"
	sed -n "s/.*@@EXITBENCH \([a-z]*\) exit-bench: [a-z]* [0-9]* reads, \([0-9]*\) ns each.*/@@EXITNS vmm=$1 round=$2 mode=\1 ns=\2/p" \
		"$OUT/exitbench.raw.$1.$2" >"$OUT/exitbench.$1.$2"
	[ "$(wc -l <"$OUT/exitbench.$1.$2")" = 2 ] ||
		fail "$1 exit-bench boot $2: expected a config (port) and an mmio figure, got: $(grep -a EXITBENCH "$OUT/exitbench.raw.$1.$2" | tr '\n' ' ')"
	cat "$OUT/exitbench.$1.$2"
}
rounds "${EXIT_ROUNDS:-3}" exitbench mvmm qemu
