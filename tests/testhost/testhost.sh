#!/usr/bin/env bash
# Build a test-host initramfs and boot it in QEMU (TCG, emulated AMD-V; see
# docs/testhost.md), run guest scenarios inside, and report. Reusable:
# later issues pick the host NUMA shape, extra files and modules, a scenario
# list, or QEMU inside the test host.
#
# usage: tests/testhost/testhost.sh [options]
#   --run NAME            log/result names: build/testhost/NAME.{log,detail.log,results}
#   --scenarios A,B,...   scenarios from tests/guest/scenarios (default: all in SUITE)
#   --host-nodes N        host NUMA nodes (default 1); CPUs and RAM split evenly
#   --host-cpus N         host CPUs (default 2)
#   --host-mem MIB        host RAM (default 3072)
#   --vmm mvmm|qemu       the VMM the scenarios drive (qemu: qemu-as-mvmm)
#   --with-qemu           put qemu-system-x86_64 + firmware in the test host
#   --mvmm PATH           the mvmm binary (default ./mvmm, or $MVMM_BIN)
#   --add SRC:DST         extra file in the test host (repeatable)
#   --module NAME         extra stock-kernel module loaded in the test host
#   --bin PATH            an executable (with its libraries) in /testhost/bin
#   --nvdimm MIB          an emulated NVDIMM of MIB MiB on the test host's last
#                         node (QEMU nvdimm, no labels; loads nfit, nd_pmem,
#                         dax_pmem, device_dax and adds ndctl), for devdax
#   --disk FILE           a raw image as the test host's read-only virtio disk
#                         (/dev/vda inside; loads virtio_pci and virtio_blk)
#   --guest-add SRC:DST   extra file in the inner guest's initramfs
#   --guest-bin PATH      extra program (with its libraries) in the inner guest
#   --guest-module NAME   extra stock-kernel module in the inner guest's initramfs
#   --scenario-timeout S  per-scenario bound inside the test host (default 240)
#   --timeout S           bound for the whole boot (default: 60 + 150 per scenario)
#   --demo CONFIG         no scenarios: copy CONFIG in, run mvmm on it with the
#                         stock kernel and the guest initramfs; use with --stream
#   --stream              copy the whole serial console to stdout as it comes
#   --tcg single|multi    TCG threading of the test host (default: $TH_TCG or multi)
#   --host-append ARGS    extra test-host kernel parameters (e.g. kvm_amd.X=Y:
#                         busybox modprobe takes module options from there)
#   --kvm-amd PARAMS      the test host's kvm_amd parameters (default: $TH_KVM_AMD
#                         or "vgif=0 nested=0 npt=0"; "" for the module's defaults)
#   --cpu MODEL           the test host's CPU (default: $TH_CPU or max)
#   --qemu PATH           the QEMU that runs the test host (default: $TH_QEMU, or
#                         the system's qemu-system-x86_64; see lib.sh)
#   --progress-timeout S  a test host that prints no result (or stress line) for
#                         S seconds is wedged (default: scenario timeout + 60)
# Prints one line per scenario ("PASS name (Ns)", "FAIL name (Ns): reason"
# plus the log tail), and the boot's timing. Exit 0 iff every scenario passed
# (SKIP counts as passed).
set -eu
shopt -s extglob
. "$(dirname "$0")/lib.sh"

run=guest; scenarios=; nodes=1; hcpus=2; hmem=3072; vmm=mvmm; with_qemu=0
mvmm_bin=${MVMM_BIN:-$REPO_ROOT/mvmm}; per_timeout=240; timeout=; demo=; stream=0
tcg=${TH_TCG:-multi}; host_append=${TH_HOST_APPEND:-}
kvm_amd=${TH_KVM_AMD-vgif=0 nested=0 npt=0}; progress_timeout=; cpu=${TH_CPU:-max}
# Every test host can bridge TAPs and run vhost-net (net.sh, cluster.sh).
adds=(); mods=(tun bridge vhost_net); gargs=(); disk=; bins=(); nvdimm=
while [ $# -gt 0 ]; do
	case $1 in
	--run) run=$2; shift 2 ;;
	--scenarios) scenarios=${2//,/ }; shift 2 ;;
	--host-nodes) nodes=$2; shift 2 ;;
	--host-cpus) hcpus=$2; shift 2 ;;
	--host-mem) hmem=$2; shift 2 ;;
	--vmm) vmm=$2; shift 2 ;;
	--with-qemu) with_qemu=1; shift ;;
	--mvmm) mvmm_bin=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--module) mods+=("$2"); shift 2 ;;
	--bin) bins+=("$2"); shift 2 ;;
	--disk) disk=$2; mods+=(virtio_pci virtio_blk); shift 2 ;;
	--nvdimm) nvdimm=$2; mods+=(nfit nd_pmem dax_pmem device_dax); bins+=(/usr/bin/ndctl); shift 2 ;;
	--guest-add) gargs+=(--add "$2"); shift 2 ;;
	--guest-module) gargs+=(--module "$2"); shift 2 ;;
	--guest-bin) gargs+=(--bin "$2"); shift 2 ;;
	--scenario-timeout) per_timeout=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--demo) demo=$2; shift 2 ;;
	--stream) stream=1; shift ;;
	--tcg) tcg=$2; shift 2 ;;
	--host-append) host_append="$host_append $2"; shift 2 ;;
	--kvm-amd) kvm_amd=$2; shift 2 ;;
	--progress-timeout) progress_timeout=$2; shift 2 ;;
	--qemu) TH_QEMU=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) th_die "unknown option $1 (see --help)" ;;
	esac
done
[ "$vmm" = qemu ] && with_qemu=1
[ -n "$scenarios" ] || [ -n "$demo" ] ||
	scenarios=$(grep -v -e '^#' -e '^[[:space:]]*$' "$REPO_ROOT/tests/guest/scenarios/SUITE" | tr '\n' ' ')
nscen=$(echo $scenarios | wc -w)
# Each scenario may need more than 150 s ("# budget: N" in its file, e.g.
# a systemd boot); the test host's bound is their sum. host-init bounds each
# scenario by its own budget (at least th.timeout); the largest is kept here
# for the progress watchdog, a backstop should host-init itself hang.
budget=0 longest=$per_timeout
for s in $scenarios; do
	b=$(sed -n 's/^# budget: *\([0-9]*\).*/\1/p' "$REPO_ROOT/tests/guest/scenarios/$s.sh" 2>/dev/null | head -n 1)
	b=${b:-150}
	budget=$((budget + b))
	[ "$b" -gt "$longest" ] && longest=$b
done
[ -n "$timeout" ] || timeout=$((60 + (nscen > 0 ? budget : 150)))
[ $((hcpus % nodes)) -eq 0 ] || th_die "--host-cpus $hcpus does not split evenly over $nodes nodes"
[ $((hmem % nodes)) -eq 0 ] || th_die "--host-mem $hmem does not split evenly over $nodes nodes"

mkdir -p "$TH_BUILD"
# Several people share one work tree: a second run of the same name waits
# (bounded) instead of clobbering this one's logs and staging dir. Runs with
# other names, or another TH_BUILD, go in parallel.
exec 9>"$TH_BUILD/$run.lock"
if ! flock -n 9; then
	th_log "$run: another run of that name is in progress; waiting (at most 900s)"
	flock -w 900 9 || th_die "$run: still locked after 900s ($TH_BUILD/$run.lock)"
fi
log=$TH_BUILD/$run.log
detail=$TH_BUILD/$run.detail.log
results=$TH_BUILD/$run.results
hostcpio=$TH_BUILD/$run.host.cpio
rm -f "$log" "$detail" "$results" "$TH_BUILD/$run.qemu-exit"

# ---- the test host's initramfs ------------------------------------------
build_host() {
	th_kernel_fetch
	local root=$TH_BUILD/$run.host-root
	th_stage_init "$root"
	install -m 755 "$TH_LIB_DIR/host-init" "$root/init"
	mkdir -p "$root/testhost/bin" "$root/testhost/guest/configs" "$root/testhost/scenarios"
	th_add_modules "$root" kvm_amd ${mods[@]+"${mods[@]}"}
	printf '%s\n' ${mods[@]+"${mods[@]}"} >"$root/testhost/modules"
	# host-init's @@KMSG reports look for the same faults as the parser.
	printf '%s\n' "$TH_HOST_FAULT" >"$root/testhost/host-fault.re"
	if [ -x "$mvmm_bin" ]; then
		th_add_bin "$root" "$mvmm_bin" /testhost/bin/mvmm
	elif [ "$vmm" = mvmm ]; then
		th_die "$mvmm_bin missing: build it first (make mvmm) or pass --mvmm/--vmm qemu"
	fi
	install -m 755 "$TH_LIB_DIR/qemu-as-mvmm" "$root/testhost/bin/"
	# Disk images for the virtio-blk scenarios are made in the test host.
	[ -x /usr/sbin/mke2fs ] && th_add_bin "$root" /usr/sbin/mke2fs /testhost/bin/mke2fs
	install -m 755 "$REPO_ROOT/scripts/experiment.sh" "$root/testhost/bin/"
	add_cluster "$root"
	local t
	for t in "$REPO_ROOT"/build/tools/*; do
		[ -f "$t" ] && [ -x "$t" ] && th_add_bin "$root" "$t" "/testhost/bin/$(basename "$t")"
	done
	[ "$with_qemu" = 1 ] && add_qemu "$root"
	# The inner guest: same stock kernel as bzImage and PVH vmlinux, plus
	# mock-accel's driver, tool and in-guest test script when built (the
	# init loads/runs them only when mvmm.kmod= / mvmm.run= say so).
	local g
	for g in guest-kmod/mock-accel.ko:lib/mock-accel.ko \
		build/tools/mock-accel-tool:bin/mock-accel-tool \
		tests/guest/scenarios/accel-inguest.sh:bin/accel-inguest.sh \
		tests/guest/scenarios/passphrase-inguest.sh:bin/passphrase-inguest.sh \
		tests/guest/scenarios/control-inguest.sh:bin/control-inguest.sh \
		tests/guest/scenarios/experiment-inguest.sh:bin/experiment-inguest.sh \
		tests/guest/scenarios/disk-inguest.sh:bin/disk-inguest.sh \
		tests/guest/scenarios/net-inguest.sh:bin/net-inguest.sh \
		tests/guest/scenarios/pmem-inguest.sh:bin/pmem-inguest.sh \
		tests/guest/scenarios/nested-inguest.sh:bin/nested-inguest.sh \
		build/tools/kvm-hello:bin/kvm-hello \
		build/tools/netxfer:bin/netxfer \
		tests/guest/scenarios/vsock-inguest.sh:bin/vsock-inguest.sh \
		build/tools/vsock-echo:bin/vsock-echo \
		build/tools/numa-bench:bin/numa-bench; do
		if [ -f "$REPO_ROOT/${g%%:*}" ]; then gargs+=(--add "$REPO_ROOT/$g"); fi
	done
	# ndctl for pmem.sh, when installed (make deps).
	[ -x /usr/bin/ndctl ] && gargs+=(--bin /usr/bin/ndctl)
	"$REPO_ROOT/tests/guest/build-initramfs.sh" -o "$TH_BUILD/$run.guest.cpio" \
		${gargs[@]+"${gargs[@]}"} >/dev/null
	cp "$TH_BUILD/$run.guest.cpio" "$root/testhost/guest/initramfs.cpio"
	cp "$KVMLINUZ" "$root/testhost/guest/vmlinuz"
	cp "$KVMLINUX" "$root/testhost/guest/vmlinux"
	cp "$REPO_ROOT"/tests/guest/configs/*.ini "$root/testhost/guest/configs/"
	# accel-passphrase.sh checks the guest's words against the list mvmm
	# embeds (the Makefile's WORDLIST, Debian's diceware package).
	local wl=${WORDLIST:-/usr/lib/python3/dist-packages/diceware/wordlists/wordlist_en_eff.txt}
	[ -r "$wl" ] && cp "$wl" "$root/testhost/guest/eff_wordlist.txt"
	cp "$REPO_ROOT/tests/guest/dmesg-allowlist" "$REPO_ROOT/tests/guest/dmesg-filter.awk" "$root/testhost/guest/"
	cp "$REPO_ROOT"/tests/guest/scenarios/*.sh "$root/testhost/scenarios/"
	[ -n "$demo" ] && th_add_file "$root" "$demo" "/testhost/demo/$(basename "$demo")"
	local a
	for a in ${bins[@]+"${bins[@]}"}; do
		th_add_bin "$root" "$a" "/testhost/bin/$(basename "$a")"
	done
	for a in ${adds[@]+"${adds[@]}"}; do
		th_add_file "$root" "${a%%:*}" "${a#*:}"
	done
	th_pack "$root" "$hostcpio"
	rm -rf "$root"
}

# scripts/cluster.sh as it runs from a work tree: /testhost/cluster mirrors
# the repository's layout (scripts/, configs/small/, build/image/), the
# image's files linked to where the test host has them (the disk is
# /dev/vda, the key and initrd come with --add from run-guest-tests.sh), and
# an ssh client, which needs a passwd entry for root.
add_cluster() {
	local root=$1 c=$1/testhost/cluster
	mkdir -p "$c/scripts" "$c/configs/small" "$c/build/image" "$root/root"
	install -m 755 "$REPO_ROOT/scripts/cluster.sh" "$c/scripts/"
	cp "$REPO_ROOT"/configs/small/*.ini "$c/configs/small/"
	ln -s /dev/vda "$c/build/image/debian.raw"
	ln -s /testhost/guest/vmlinuz "$c/build/image/vmlinuz"
	ln -s /testhost/image/initrd.img "$c/build/image/initrd.img"
	ln -s /testhost/image/id_ed25519 "$c/build/image/id_ed25519"
	if [ -x /usr/bin/ssh ]; then
		th_add_bin "$root" /usr/bin/ssh
		echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
		echo 'root:x:0:' >"$root/etc/group"
	fi
}

# QEMU for use inside the test host: the binary with its libraries and the
# firmware a q35 direct-kernel boot loads (-nodefaults: no VGA or NIC ROMs).
add_qemu() {
	local root=$1 f
	th_add_bin "$root" /usr/bin/qemu-system-x86_64
	for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin \
		/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin \
		/usr/share/qemu/pvh.bin /usr/share/qemu/qboot.rom; do
		th_add_file "$root" "$f" "/usr/share/qemu/$(basename "$f")"
	done
	ln -sf qboot.rom "$root/usr/share/qemu/bios-microvm.bin"
}

# qemu_state: is the stuck test host's QEMU still running code (its TCG
# threads busy: the emulated machine spins) or not (QEMU itself stuck)? Its
# CPU time over 2 s, in clock ticks per second (100 per busy CPU).
qemu_state() {
	local pid t0 t1
	pid=$(pgrep -P "$qpid" -x qemu-system-x86 | head -n 1)
	[ -n "$pid" ] || { echo "gone"; return; }
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 2
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	echo "$(((t1 - t0) / 2)) ticks/s of CPU"
}

# host-init's heartbeat comes every 10 s (with the test host's uptime, so
# the gaps can be read back from the log); six missed beats while the test
# host's CPUs run means its kernel no longer schedules its own userspace.
# The clock starts when host-init is reached, so a freeze before the first
# beat counts too (one was seen 4 s into a test host's life).
FROZEN_AFTER=${TH_FROZEN_AFTER:-60}
# A test host whose own kernel reported a fault (TH_HOST_FAULT: a soft
# lockup, an RCU stall...) is ended this long after the report -- time for
# host-init's heartbeat to print the report's backtrace (@@KMSG) -- instead
# of letting its scenarios run on into their timeouts: every one of them is
# run again in a fresh test host anyway (run-guest-tests.sh), and one CI run
# lost 50 minutes to two scenarios wedged in a test host that had reported a
# soft lockup and went on beating.
FAULT_GRACE=${TH_FAULT_GRACE:-25}

# The test host's QEMU monitor: "info registers -a" when it freezes or a
# scenario wedges, three times a second apart (do the CPUs move?), and once
# as a probe after its /init, so a broken capture shows up in every run.
# Everything QEMU answers goes to build/testhost/<run>.monitor.
mon=$TH_BUILD/$run.mon
monlog=$TH_BUILD/$run.monitor
# Each dump starts with a marker QEMU itself prints, in order with its
# answers ("unknown command: '@@MON-LABEL-N'"): a marker written into the
# log from here would race the answers still on their way (the third dump
# of a freeze used to land under the next marker).
monitor_regs() {	# LABEL COUNT
	local i
	for ((i = 1; i <= $2; i++)); do
		printf '@@MON-%s-%s\ninfo registers -a\n' "$1" "$i" >&6
		[ "$i" -lt "$2" ] && sleep 1
	done
	# And each CPU's local APIC, once: a CPU halted with interrupts on
	# that nothing wakes shows here whether its timer was armed (LVTT
	# masked or not, its mode) and whether an interrupt sat undelivered
	# in IRR.
	if [ "$1" = stopped ]; then
		printf '@@MON-lapic-1\n' >&6
		for ((i = 0; i < hcpus; i++)); do printf 'info lapic %d\n' "$i" >&6; done
		# And the top of each CPU's stack: the return addresses in it
		# name the callers of a RIP that alone says only "spinning on a
		# lock" or "in the INT3 handler".
		for ((i = 0; i < hcpus; i++)); do
			printf '@@MON-stack-%d\ncpu %d\nx/64gx $sp\n' "$i" "$i" >&6
		done
	fi
	# Until QEMU has answered all of it (its answers come in order), at
	# most 5 s: a monitor that does not answer is itself a finding.
	mon_n=$((${mon_n:-0} + 1))
	printf '@@MON-end-%d\n' "$mon_n" >&6
	for ((i = 0; i < 50; i++)); do
		grep -aq "^unknown command: '@@MON-end-$mon_n'" "$monlog" && break
		sleep 0.1
	done
}
# The monitor's log with its markers as "@@MON LABEL N" lines.
monitor_log() {
	tr -d '\r' <"$monlog" | sed "s/^unknown command: '@@MON-\([a-z]*\)-\([0-9]*\)'\$/@@MON \1 \2/"
}
# One line per CPU from the lapic dump: its timer (LVTT, counts), ISR/IRR
# and PPR (the priority a pending vector must beat).
monitor_lapic() {
	monitor_log | awk '
		/^@@MON / { on = ($2 == "lapic"); next }
		!on { next }
		/^dumping local APIC state for CPU/ { if (l != "") print l; l = "cpu" $NF ":" }
		/^LVTT[ \t]/ { $1 = ""; gsub(/  +/, " "); l = l " LVTT" $0 ";" }
		/^Timer/ { $1 = ""; l = l $0 ";" }
		/^(ISR|IRR)/ { l = l " " $0 ";" }
		/^APR/ { for (i = 1; i < NF; i++) if ($i == "PPR") l = l " PPR " $(i + 1) ";" }
		END { if (l != "") print l }' | tr -s ' \t' ' '
}
# One line per CPU: the words on top of its stack that point into the
# kernel's text or a module (th_locate), innermost first, at most 16 —
# a scan, like the kernel's own unreliable backtrace, not an unwind.
monitor_stack() {
	monitor_log | awk '
		/^@@MON / { on = ($2 == "stack"); cpu = $3; next }
		on && /^[0-9a-f]+: / { for (i = 2; i <= NF; i++) print cpu, substr($i, 3) }' |
	while read -r cpu w; do
		case $w in ffffffff*) echo "$cpu $(th_locate "$log" "$w")" ;; esac
	done | awk '$2 !~ /^f/ && n[$1]++ < 16 { l[$1] = l[$1] " " $2 }
		END { for (c in l) print "cpu" c ":" l[c] }' | sort
}
# One line per dump of LABEL: each CPU's RIP (th_locate), CPL, halted or not,
# its interrupt flag and STI shadow.
monitor_summary() {	# LABEL
	monitor_log | awk -v want="$1" '
		/^@@MON / { on = ($2 == want); n = $3; next }
		on && /^CPU#/ { cpu = substr($1, 5) }
		on && /^RIP=/ { cpl = hlt = ii = fl = "?"
			for (i = 1; i <= NF; i++) { split($i, kv, "=")
				if (kv[1] == "CPL") cpl = kv[2]; if (kv[1] == "HLT") hlt = kv[2]
				if (kv[1] == "II") ii = kv[2]; if (kv[1] == "RFL") fl = kv[2] }
			print n, cpu, substr($1, 5), cpl, hlt, ii, fl }' |
	while read -r n cpu rip cpl hlt ii fl; do
		# Interrupts on or off (RFLAGS.IF) and the STI/MOV SS shadow
		# (II): what a CPU with a vector pending in IRR may take.
		h=; [ "$hlt" = 1 ] && h=" halted"
		case $fl in *[!0-9a-fA-F]*|'') ;; *) h="$h if$(((0x$fl >> 9) & 1))" ;; esac
		[ "$ii" = 1 ] && h="$h shadow"
		printf '%s %s\n' "$n" "cpu$cpu $(th_locate "$log" "$rip") cpl$cpl$h"
	done | awk '{ k = $1; $1 = ""; l[k] = l[k] ";" $0 } END {
		for (k = 1; k in l; k++) printf "dump %d:%s\n", k, substr(l[k], 2) }'
}

# ---- boot -----------------------------------------------------------------
qemu_args() {
	local i per_cpu=$((hcpus / nodes)) per_mem=$((hmem / nodes))
	if [ -n "$nvdimm" ]; then
		echo -machine q35,nvdimm=on -accel "tcg,thread=$tcg" -cpu "$cpu" -smp "$hcpus"
		echo -m "${hmem}M,slots=1,maxmem=$((hmem + nvdimm))M"
	else
		echo -machine q35 -accel "tcg,thread=$tcg" -cpu "$cpu" -smp "$hcpus" -m "${hmem}M"
	fi
	if [ "$nodes" -gt 1 ]; then
		for ((i = 0; i < nodes; i++)); do
			echo -object "memory-backend-ram,id=m$i,size=${per_mem}M"
			echo -numa "node,nodeid=$i,cpus=$((i * per_cpu))-$(((i + 1) * per_cpu - 1)),memdev=m$i"
		done
		# A host PCI device behind a node-1 expander (41:00.0 in the test
		# host), for mvmm's [pcie.NAME] host_device scenarios.
		echo -device pxb-pcie,id=thpxb,bus_nr=0x40,numa_node=1,bus=pcie.0
		echo -device pcie-root-port,id=thrp,bus=thpxb,chassis=40
		echo -device edu,bus=thrp
	fi
	# An NVDIMM without labels: the test host sees one raw pmem namespace
	# (as mvmm's guests do) and can make it a devdax one. Backed by a
	# sparse file of this run, on the last node (the guest's node 1).
	if [ -n "$nvdimm" ]; then
		rm -f "$TH_BUILD/$run.nvdimm"
		truncate -s "${nvdimm}M" "$TH_BUILD/$run.nvdimm"
		echo -object "memory-backend-file,id=thnv,share=on,mem-path=$TH_BUILD/$run.nvdimm,size=${nvdimm}M,align=2M"
		echo -device "nvdimm,memdev=thnv,id=thnvdimm,node=$((nodes - 1))"
	fi
	# The test host's own disk (the Debian image for the disk-image boot):
	# read-only, so nothing in the test host can change the cached image.
	if [ -n "$disk" ]; then
		echo -drive "file=$disk,if=none,id=thdisk,format=raw,readonly=on,cache=unsafe"
		echo -device virtio-blk-pci,drive=thdisk,bus=pcie.0
	fi
	# The monitor on a pipe pair (QEMU opens both ends O_RDWR, so neither
	# side blocks): where the test host's CPUs are when it freezes.
	echo -nographic -no-reboot -chardev "pipe,id=thmon,path=$mon" -mon chardev=thmon,mode=readline
	echo -nic none -vga none
	echo -serial stdio -serial "file:$detail"
}

# kvm_amd.npt=0: KVM shadows the inner guest's page tables instead of using
# nested paging, so QEMU TCG never runs its emulation of SVM nested paging.
# With npt=1 the inner guest (under mvmm and under QEMU alike) now and then
# fetches a valid kernel-text address and gets a not-present #PF, or fails to
# deliver an injected interrupt -- a triple fault -- and the test host's own
# kernel now and then faults recursively on its own stack ("BUG: TASK stack
# guard page was hit", "corrupted stack end detected inside scheduler"):
# both are TCG translating through the wrong page tables around VMRUN/#VMEXIT.
# tests/testhost/README.md has the measured rates (make stress).
# kvm_amd.vgif=0: with TCG's emulated virtual GIF the test host kernel
# crashed within a few inner boots. kvm_amd.nested=0: the inner guest needs
# no SVM of its own, and nested SVM is what vGIF exists for.
# tsc=reliable: TCG's TSC is the machine's own (constant, synchronized), but
# the emulated CPU is an AMD without invariant TSC, so with more than one CPU
# the kernel's heuristic marks it unsynchronized and runs on hpet. KVM then
# treats the TSC as unstable: no master clock, no PVCLOCK_TSC_STABLE_BIT for
# the inner guests, and every KVM_RUN re-offsets the inner TSC to where it
# stopped. The inner guest's clocksource watchdog then saw its TSC and
# kvm-clock drift apart ("Marking clocksource 'tsc' as unstable", a CI
# failure, mvmm and QEMU alike) and its tracing clock went "global".
cmdline="console=ttyS0 panic=-1 quiet tsc=reliable"
# maxcpus=1: the kernel's boot patches its text for about fifteen static
# keys after SMP bring-up (DO_ONCE, the timer-migration keys, crypto and
# netfilter initcalls), and a 3-CPU test host froze on one in a CI run
# (every CPU at the timer-migration branch in __hrtimer_start_range_ns or in
# the INT3 handler, interrupts off), as on KVM's keys before host-init's
# one-CPU window. Booted on one CPU, host-init brings the others online
# after its window (th.solo=0: every CPU from boot, for comparison).
case " $host_append " in *" th.solo=0 "*) ;; *) cmdline="$cmdline maxcpus=1" ;; esac
for p in $kvm_amd; do cmdline="$cmdline kvm_amd.$p"; done
cmdline="$cmdline th.timeout=$per_timeout th.vmm=$vmm${host_append:+ $host_append}"
[ -n "$scenarios" ] && cmdline="$cmdline th.scenarios=${scenarios// /,}"
cmdline="${cmdline%,}"
[ -n "$demo" ] && cmdline="$cmdline th.demo=/testhost/demo/$(basename "$demo")"

t_build=$(th_now)
build_host
th_log "$run: host initramfs $(du -h "$hostcpio" | cut -f1) built in $(th_elapsed "$t_build")s;" \
	"booting ($nodes node(s), $hcpus CPUs, ${hmem} MiB, timeout ${timeout}s)"

# The serial console goes through a fifo to the parser below (in this shell,
# so its state is plain variables), which appends it to the log and prints
# results as they arrive. Besides the overall timeout, a progress watchdog
# ends a wedged test host: host-init reports each scenario within
# --scenario-timeout, so no result for that long plus a margin means it is
# stuck; and host-init's heartbeat missing for FROZEN_AFTER seconds means
# the test host itself froze.
# stop_host REASON: end a frozen, wedged or faulted test host, after the
# monitor's dumps of where its CPUs were.
stop_host() {
	wedged="$1 (QEMU: $(qemu_state))"
	monitor_regs stopped 3
	kill -TERM "$qpid" 2>/dev/null
}
t_boot=$(th_now)
: >"$results"; : >"$log"
rm -f "$mon.in" "$mon.out"; mkfifo "$mon.in" "$mon.out"; : >"$monlog"
exec 6<>"$mon.in" 7<>"$mon.out"
cat <&7 6>&- 7>&- >>"$monlog" &
monpid=$!
# Its stdin is a read-write end, so it never sees EOF: ended by us.
# (|| :, or set -e makes a monitor reader already gone the script's status)
trap 'kill "$monpid" 2>/dev/null || :' EXIT
fifo=$TH_BUILD/$run.console
rm -f "$fifo"; mkfifo "$fifo"
set +e
# shellcheck disable=SC2046
th_qemu
timeout -k 10 "$timeout" "${TH_QEMU_CMD[@]}" $(qemu_args) \
	-kernel "$KVMLINUZ" -initrd "$hostcpio" -append "$cmdline" </dev/null >"$fifo" 2>&1 &
qpid=$!
exec 8<"$fifo"
got_init=0; got_done=0; wedged=; frozen=; carry=; beat=; fault_at=; fault=
progress=$SECONDS
set -f	# `set -- $line` below must not glob
while :; do
	[ -z "$wedged" ] && [ -n "$fault_at" ] && [ $((SECONDS - fault_at)) -ge "$FAULT_GRACE" ] &&
		stop_host "its kernel reported a fault ($fault) ${FAULT_GRACE}s before"
	if IFS= read -r -t 5 line <&8; then
		line=$carry$line; carry=
	else
		[ $? -gt 128 ] || { [ -n "$line$carry" ] && printf '%s' "$carry$line" >>"$log"; break; }
		carry=$carry$line	# read timed out mid-line: keep the part
		limit=$((got_init ? ${progress_timeout:-longest + 60} : 120))
		if [ -z "$wedged" ] && [ -n "$beat" ] && [ $((SECONDS - beat)) -gt "$FROZEN_AFTER" ]; then
			frozen=1
			stop_host "test host froze: no heartbeat from its userspace for $((SECONDS - beat))s"
		elif [ -z "$wedged" ] && [ $((SECONDS - progress)) -gt "$limit" ]; then
			stop_host "no progress for ${limit}s, its heartbeat still beating (wedged scenario)"
		fi
		continue
	fi
	printf '%s\n' "$line" >>"$log"
	line=${line%$'\r'}
	if [ -z "$fault_at" ] && [[ $line =~ $TH_HOST_FAULT ]]; then
		fault_at=$SECONDS fault=${BASH_REMATCH[1]}
		th_log "$run: the test host's kernel reported a fault: ${line#\[*\] }; ending it in ${FAULT_GRACE}s"
	fi
	case $line in @@HEARTBEAT*)
		beat=$SECONDS
		[ -n "${probed:-}" ] || { probed=1; monitor_regs probe 1; }
		continue ;;
	esac
	if [ "$stream" = 1 ]; then
		# SeaBIOS resets and clears the terminal (ESC c, ESC[2J): not ours
		line=${line//$'\e'c/}
		printf '%s\n' "${line//$'\e'\[*([0-9;?])[a-zA-Z]/}"
	fi
	case $line in
	*@@HOST-INIT-REACHED*) got_init=1; progress=$SECONDS; beat=$SECONDS; init_at=$(th_elapsed "$t_boot") ;;
	@@RESULT\ *)
		progress=$SECONDS
		set -- $line
		[ $# -ge 4 ] || continue	# a line cut by a kernel message
		name=$2 res=$3 dt=$4; shift 4
		echo "$res $name $dt $*" >>"$results"
		[ "$stream" = 1 ] && continue
		case $res in
		FAIL) printf 'FAIL %s (%ss): %s\n' "$name" "$dt" "$*" ;;
		SKIP) printf 'SKIP %s (%ss): %s\n' "$name" "$dt" "$*" ;;
		*) printf 'PASS %s (%ss)\n' "$name" "$dt" ;;
		esac ;;
	\|\ *) [ "$stream" = 0 ] && printf '    %s\n' "$line" ;;
	@@STRESS\ *) progress=$SECONDS; [ "$stream" = 0 ] && printf '%s\n' "${line#@@STRESS }" ;;
	*@@HOST-DONE*) got_done=1 ;;
	esac
done
set +f
exec 8<&-
wait "$qpid"
qrc=$?
kill "$monpid" 2>/dev/null; wait "$monpid" 2>/dev/null
exec 6>&- 7>&-
rm -f "$mon.in" "$mon.out"
# QEMU's own exit status, for th_host_fault; "frozen" or "killed" when the
# watchdog ended it (QEMU exits 0 on SIGTERM too).
if [ -n "$frozen" ]; then echo frozen; elif [ -n "$wedged" ]; then echo killed; else echo "$qrc"; fi \
	>"$TH_BUILD/$run.qemu-exit"
rm -f "$fifo"
set -e
total=$(th_elapsed "$t_boot")

# ---- verdict ----------------------------------------------------------------
rig_fail=
if [ "$got_init" = 0 ]; then
	rig_fail="test host never reached its /init (${wedged:-qemu exit $qrc})"
elif [ "$got_done" = 0 ]; then
	if [ -n "$wedged" ]; then
		rig_fail="test host stopped: $wedged"
	elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		rig_fail="test host timed out after ${timeout}s"
	elif [ "$qrc" = 0 ]; then
		rig_fail="test host reset (QEMU exited 0 under -no-reboot without finishing)"
	else
		rig_fail="test host stopped before finishing (qemu exit $qrc)"
	fi
fi
if [ -n "$rig_fail" ]; then
	echo "FAIL testhost $run: $rig_fail; log tail ($log):"
	tail -n 30 "$log" | tr -d '\r' | sed 's/^/    /'
	if [ -n "$wedged" ]; then
		echo "    where the test host's CPUs were (QEMU monitor, ${monlog#"$REPO_ROOT"/}):"
		monitor_summary stopped | sed 's/^/    /'
		[ -n "$(monitor_summary stopped)" ] ||
			echo "    (the monitor did not answer: QEMU's main loop was stuck too)"
		monitor_lapic | sed 's/^/    lapic /'
		monitor_stack | sed 's/^/    stack /'
	fi
	# Every scenario without a result failed with the rig.
	for s in $scenarios; do
		grep -q "^[A-Z]* $s " "$results" && continue
		echo "FAIL $s 0 $rig_fail" >>"$results"
		echo "FAIL $s: no result ($rig_fail)"
	done
fi
# Without the held VM, every inner VM flips KVM's static keys again
# (tests/tools/kvm-hold.c): say so when it was asked for and failed.
h=$(tr -d '\r' <"$log" | sed -n 's/^@@HOST-FACT kvm_hold=\(failed.*\)/\1/p' | head -n 1)
[ -z "$h" ] || th_log "$run: warning: kvm-hold $h"
# The probe: a freeze would be located only if the monitor answers.
if [ -n "${probed:-}" ] && [ -z "$(monitor_summary probe)" ]; then
	th_log "$run: warning: the QEMU monitor gave no registers (${monlog#"$REPO_ROOT"/}); a freeze would not be located"
fi
if [ "$got_init" = 1 ]; then
	init_t="reached /init in ${init_at}s"
else
	init_t="never reached /init"
fi
th_log "$run: test host $init_t, whole boot ${total}s (log: ${log#"$REPO_ROOT"/})"
[ -z "$rig_fail" ] && ! grep -q '^FAIL ' "$results"
