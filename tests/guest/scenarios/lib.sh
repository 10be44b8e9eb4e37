# Helpers for guest scenarios. Sourced by tests/guest/scenarios/*.sh, which
# run inside the test host (busybox sh) from its /init. A scenario passes by
# exiting 0; `fail` prints "@@FAIL <reason>" (the first one becomes the
# reported reason) and exits 1; `skip` exits 77.
#
# The VMM is a variable: $VMM is mvmm, or qemu-as-mvmm (same command line and
# exit statuses, QEMU with KVM underneath) when the runner passed --vmm qemu.
# That validates the inner guest and these assertions independently of mvmm.
set -u

TH=/testhost
GUEST=$TH/guest
CONFIGS=$GUEST/configs
VMLINUZ=$GUEST/vmlinuz
VMLINUX=$GUEST/vmlinux
INITRD=$GUEST/initramfs.cpio
ALLOWLIST=$GUEST/dmesg-allowlist
SCENARIO=${SCENARIO:-$(basename "$0" .sh)}
case ${VMM_KIND:-mvmm} in
qemu) VMM=qemu-as-mvmm ;;
*) VMM=mvmm ;;
esac
OUT=/tmp/scn/$SCENARIO
rm -rf "$OUT"; mkdir -p "$OUT"
# The inner guest's command line. mvmm's --append replaces the config's
# cmdline (like QEMU's -append), so scenarios always pass all of it: quiet
# keeps the console (each byte a VM exit) short; warnings still land in the
# ring buffer that /init reads. softlockup_panic: a guest CPU stuck in its
# kernel for 20 s panics at once (panic=-1: the VMM exits), so such a boot
# fails in seconds instead of waiting out BOOT_TIMEOUT behind one line per
# 28 s (numa-2node did, 2026-12-06); panic() turns the console verbose, so
# its stack dump should show under quiet too (not yet seen in a boot: no
# soft lockup has recurred). noxsave: QEMU
# 7.2's TCG, which runs the test host, never intercepts XSETBV for an SVM
# guest, so KVM there never learns the XCR0 an inner guest sets and reports
# a CPUID 0xD size for its stale one; Linux then WARNs ("XSAVE consistency
# problem") and falls back to FXSAVE (QEMU as the inner VMM shows the same).
# noxsave starts the guest in that fallback without the WARN; on any real
# host the guest would use XSAVE (tests/testhost/README.md).
BASE_CMDLINE="console=ttyS0 panic=-1 quiet softlockup_panic=1 noxsave"
# Bounds for one inner boot: the guest reaches /init in ~5-15 s in the test
# host (TCG is noisy, see docs/testhost.md), so 120 s means something is stuck.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
# From the guest's last line to the VMM's exit: poweroff/reboot/panic take
# well under a second of guest time.
ACTION_TIMEOUT=${ACTION_TIMEOUT:-20}

fail() { echo "@@FAIL $*"; exit 1; }
skip() { echo "@@SKIP $*"; exit 77; }
note() { echo "# $*"; }

# centiseconds since boot (the test host's /proc/uptime has 2 decimals)
now_cs() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; }
secs() { echo "$(($1 / 100)).$(($1 % 100 / 10))"; }

# alive PID: the process exists and is not a zombie (a background child
# stays a zombie until `wait`, and kill -0 succeeds on zombies).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	st=$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2)
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_exit PID SECONDS: wait at most SECONDS for PID to end; sets RC to
# its exit status. Returns 1 on timeout (PID still running).
wait_exit() {
	_deadline=$(($(now_cs) + $2 * 100))
	while alive "$1"; do
		[ "$(now_cs)" -lt "$_deadline" ] || return 1
		usleep 50000
	done
	wait "$1"
	RC=$?
}

# wait_line FILE PATTERN SECONDS: wait until FILE has a line matching the
# grep -E PATTERN; returns 1 on timeout or when $VMM_PID ended first.
wait_line() {
	_deadline=$(($(now_cs) + $3 * 100))
	while ! grep -qE "$2" "$1" 2>/dev/null; do
		alive "$VMM_PID" || { grep -qE "$2" "$1" 2>/dev/null; return; }
		[ "$(now_cs)" -lt "$_deadline" ] || return 1
		usleep 50000
	done
}

# vmm_start NAME ARGS...: start "$VMM ARGS" in the background, stdout (the
# guest console) to $OUT/NAME.out, stderr to $OUT/NAME.err; sets VMM_PID.
vmm_start() {
	_name=$1; shift
	note "run: $VMM $*"
	VMM_T0=$(now_cs)
	"$VMM" "$@" >"$OUT/$_name.out" 2>"$OUT/$_name.err" </dev/null &
	VMM_PID=$!
}

# vmm_finish NAME SECONDS: wait for the VMM started by vmm_start; on timeout
# SIGTERM it, then SIGKILL, and fail. Sets RC and DT (seconds). Always shows
# the run's output in the scenario log.
vmm_finish() {
	if wait_exit "$VMM_PID" "$2"; then
		DT=$(secs $(($(now_cs) - VMM_T0)))
		note "$1: exit status $RC after ${DT}s"
		show_output "$1"
		return 0
	fi
	kill -TERM "$VMM_PID" 2>/dev/null
	wait_exit "$VMM_PID" 5 || { kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"; }
	show_output "$1"
	fail "$1: $VMM still running after ${2}s (killed)"
}

# vmm_run NAME SECONDS ARGS...: vmm_start + vmm_finish.
vmm_run() {
	_n=$1 _t=$2; shift 2
	vmm_start "$_n" "$@"
	vmm_finish "$_n" "$_t"
}

# vmm_boot NAME ARGS...: boot a guest whose /init ends with an action
# (mvmm.test=...): wait up to $BOOT_TIMEOUT for its "@@DONE" line, then up to
# $ACTION_TIMEOUT for the VMM to exit (so a VMM that misses a poweroff,
# reboot or panic costs 20 s, not the whole boot timeout). Sets RC and DT.
vmm_boot() {
	_n=$1; shift
	vmm_start "$_n" "$@"
	if ! wait_line "$OUT/$_n.out" '^@@DONE' "$BOOT_TIMEOUT"; then
		if alive "$VMM_PID"; then
			kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"
			show_output "$_n"
			fail "$_n: guest did not finish /init within ${BOOT_TIMEOUT}s (killed)"
		fi
		vmm_finish "$_n" 1
		tr -d '\r' <"$OUT/$_n.out" | grep -q '^@@INIT-REACHED' ||
			fail "$_n: guest never reached /init (exit status $RC; stderr: $(head -n 1 "$OUT/$_n.err"))"
		fail "$_n: VMM exited $RC before the guest's /init finished"
	fi
	_t0=$(now_cs)
	if ! wait_exit "$VMM_PID" "$ACTION_TIMEOUT"; then
		kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"
		show_output "$_n"
		fail "$_n: VMM still running ${ACTION_TIMEOUT}s after the guest's $(tr -d '\r' <"$OUT/$_n.out" | sed -n 's/^@@DONE //p' | head -n 1) (killed)"
	fi
	DT=$(secs $(($(now_cs) - VMM_T0)))
	note "$_n: exit status $RC after ${DT}s ($(secs $(($(now_cs) - _t0)))s after @@DONE)"
	show_output "$_n"
}

# expect_sandboxed PID: every thread of a running mvmm has its seccomp filter
# ([machine] seccomp = on is the default); names the threads it checked.
expect_sandboxed() {
	[ "$VMM" = mvmm ] || return 0
	_n=0 _names=
	for _t in /proc/$1/task/*; do
		_s=$(awk '/^Seccomp:/ { print $2 }' "$_t/status" 2>/dev/null)
		[ -n "$_s" ] || continue	# the thread has just ended
		_c=$(cat "$_t/comm" 2>/dev/null)
		[ "$_s" = 2 ] || fail "thread $_c of pid $1 runs without a seccomp filter (Seccomp: $_s)"
		_n=$((_n + 1)) _names="$_names $_c"
	done
	[ "$_n" -gt 0 ] || fail "pid $1: no threads to check"
	note "sandbox: all $_n threads of pid $1 filtered:$_names"
}

# expect_dropped PID UID GID: every thread of a running mvmm runs as UID/GID
# (real, effective, saved, fs), in GID alone, with no capability ([machine]
# user / group).
expect_dropped() {
	[ "$VMM" = mvmm ] || return 0
	_n=0
	for _t in /proc/$1/task/*; do
		_s=$(awk -v u="$2" -v g="$3" '
			/^Uid:/ { ok += ($2 == u && $3 == u && $4 == u && $5 == u) }
			/^Gid:/ { ok += ($2 == g && $3 == g && $4 == g && $5 == g) }
			/^Groups:/ { ok += (NF == 2 && $2 == g) }
			/^Cap(Eff|Prm):/ { ok += ($2 ~ /^0+$/) }
			END { print ok + 0 }' "$_t/status" 2>/dev/null)
		[ -n "$_s" ] || continue
		[ "$_s" = 5 ] || fail "thread $(cat "$_t/comm" 2>/dev/null) of pid $1 is not dropped to $2/$3 with no capabilities: $(grep -E '^(Uid|Gid|Groups|CapEff|CapPrm):' "$_t/status" | tr '\n\t' '  ')"
		_n=$((_n + 1))
	done
	[ "$_n" -gt 0 ] || fail "pid $1: no threads to check"
	note "privileges: all $_n threads of pid $1 run as $2/$3, no capabilities"
}

# expect_fds_within PID ARGS...: a running mvmm holds no more open files
# than `mvmm --check ARGS` says its config needs at most (the bound
# preflight checks RLIMIT_NOFILE against).
expect_fds_within() {
	[ "$VMM" = mvmm ] || return 0
	_p=$1; shift
	_b=$("$VMM" --check "$@" 2>&1 | sed -n 's/.*RLIMIT_NOFILE: \([0-9]*\) open files at most.*/\1/p')
	[ -n "$_b" ] || fail "mvmm --check $* prints no open-file bound"
	_f=$(ls "/proc/$_p/fd" | wc -l)
	[ "$_f" -le "$_b" ] || fail "pid $_p holds $_f open files, more than the bound of $_b preflight checks"
	note "open files: pid $_p holds $_f, preflight's bound is $_b"
}

show_output() {
	echo "--- $1: stdout (guest console) ---"
	tr -d '\r' <"$OUT/$1.out"
	echo "--- $1: stderr ---"
	cat "$OUT/$1.err"
	echo "--- $1: end ---"
}

# fact NAME KEY: the value of "@@FACT KEY=value" in run NAME's console.
fact() {
	tr -d '\r' <"$OUT/$1.out" | sed -n "s/^@@FACT $2=//p" | head -n 1
}

expect_eq() {	# WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	note "ok: $1 = '$3'"
}
expect_rc() {	# NAME EXPECTED  (after vmm_run/vmm_finish)
	expect_eq "$1: exit status" "$2" "$RC"
}
expect_fact() {	# NAME KEY EXPECTED
	grep -q "^@@FACT $2=" "$OUT/$1.out" || fail "$1: guest reported no fact '$2'"
	expect_eq "$1: guest $2" "$3" "$(fact "$1" "$2")"
}
expect_line() {	# NAME PATTERN(grep -E) WHAT
	tr -d '\r' <"$OUT/$1.out" | grep -qE "$2" || fail "$1: $3 (no line matching '$2' on the console)"
	note "ok: $1: $3"
}
expect_range() {	# WHAT LOW HIGH ACTUAL (integers)
	case $4 in ''|*[!0-9]*) fail "$1: not a number: '$4'" ;; esac
	[ "$4" -ge "$2" ] && [ "$4" -le "$3" ] || fail "$1: $4 not in [$2, $3]"
	note "ok: $1 = $4 in [$2, $3]"
}

# check_dmesg NAME: every "@@DMESG" line (warning or worse) must be allowed
# by $ALLOWLIST (grep -E patterns, see the file for the two kinds of entry).
check_dmesg() {
	grep -q '^@@FACT dmesg_done=1' "$OUT/$1.out" || fail "$1: guest did not finish its dmesg report"
	tr -d '\r' <"$OUT/$1.out" | sed -n 's/^@@DMESG //p' >"$OUT/$1.dmesg"
	awk -v allowf="$ALLOWLIST" -f "$GUEST/dmesg-filter.awk" "$OUT/$1.dmesg" >"$OUT/$1.dmesg.bad"
	if [ -s "$OUT/$1.dmesg.bad" ]; then
		echo "--- $1: dmesg warnings not in the allowlist ---"
		cat "$OUT/$1.dmesg.bad"
		fail "$1: $(wc -l <"$OUT/$1.dmesg.bad") unexpected dmesg warning line(s), first: $(head -n 1 "$OUT/$1.dmesg.bad")"
	fi
	note "ok: $1: dmesg has no warnings outside the allowlist ($(wc -l <"$OUT/$1.dmesg") allowed lines)"
}

# boot_and_check NAME KERNEL CPUS MEMORY_MIB CONFIG: boot KERNEL (bzImage or
# vmlinux) with CONFIG, which sets CPUS vCPUs and MEMORY_MIB of RAM, and
# check everything the guest reports.
boot_and_check() {
	_name=$1 _kernel=$2 _cpus=$3 _mib=$4 _cfg=$5
	_token="mvmm.token=$_name-$$"
	vmm_boot "$_name" --config "$_cfg" --kernel "$_kernel" \
		--initrd "$INITRD" --append "$BASE_CMDLINE mvmm.test=poweroff $_token"
	expect_line "$_name" '^@@DONE action=poweroff' "guest init ran to the end"
	expect_rc "$_name" 0
	expect_fact "$_name" nproc "$_cpus"
	expect_fact "$_name" cpuinfo_processors "$_cpus"
	if [ "$_cpus" = 1 ]; then _online=0; else _online="0-$((_cpus - 1))"; fi
	expect_fact "$_name" cpu_online "$_online"
	expect_fact "$_name" initrd_marker mvmm-initrd-ok
	# MemTotal is the RAM the buddy allocator got: RAM minus what the kernel
	# took before it, i.e. a fixed part (kernel image text/data/bss/brk,
	# ~24 MiB for Debian cloud 6.1, plus page tables, per-cpu areas, the log
	# buffer, the low 1 MiB) and struct pages (64 B per 4 KiB page = RAM/64).
	# Measured with QEMU q35 + SeaBIOS in the test host: 512 MiB -> 480284 kB
	# (43 MiB kept), 1 GiB -> 994876 kB (52 MiB kept), i.e. ~35 MiB + RAM/64.
	# Bound: RAM - RAM/32 - 40 MiB <= MemTotal <= RAM (13-20 MiB of slack
	# over QEMU; a VMM that loses a memory region or a 64 MiB chunk fails).
	_kb=$((_mib * 1024))
	expect_range "$_name: MemTotal kB" $((_kb - _kb / 32 - 40 * 1024)) "$_kb" "$(fact "$_name" memtotal_kb)"
	# Firmware state and CPUID a VMM must provide (QEMU does too): the
	# TSC-deadline timer of the in-kernel LAPIC, and MTRRs enabled
	# (write-back default), without which Linux 6.1 leaves PAT unprogrammed.
	case " $(fact "$_name" cpuinfo_flags) " in
	*" tsc_deadline_timer "*) note "ok: $_name: CPU flags have tsc_deadline_timer" ;;
	*) fail "$_name: CPU flags lack tsc_deadline_timer: $(fact "$_name" cpuinfo_flags)" ;;
	esac
	case $(fact "$_name" pat) in
	"Configuration [0-7]: WB"*" WC "*) note "ok: $_name: PAT programmed" ;;
	*) fail "$_name: PAT not set up: 'x86/PAT: $(fact "$_name" pat)'" ;;
	esac
	_cmd=$(fact "$_name" cmdline)
	case " $_cmd " in *" $_token "*) ;; *) fail "$_name: /proc/cmdline lacks the --append token $_token: '$_cmd'" ;; esac
	note "ok: $_name: /proc/cmdline has the --append token: '$_cmd'"
	check_dmesg "$_name"
}
