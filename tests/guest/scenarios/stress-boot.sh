#!/bin/sh
# Not in SUITE: the boot loop of tests/testhost/stress.sh. Boots the same
# inner guest STRESS_BOOTS times per VMM, alternating the VMMs, and prints one
# line per boot:
#   @@STRESS <vmm> <i> <result> <rc> <seconds> <detail>
# result: ok | triple (mvmm's exit 5, QEMU's reset before the guest's /init
# finished -- QEMU reports a triple fault as a reset -- or, with th.trace=1,
# KVM's own kvm_exit tracepoint with reason "shutdown", whose RIP and
# intr_info are the detail) | hang (no @@DONE within BOOT_TIMEOUT) | exit<rc>.
# The parameters come from /testhost/stress.env (written by stress.sh):
#   STRESS_BOOTS     boots per VMM
#   STRESS_VMMS      "mvmm qemu": the VMMs, alternating, in this order
#   STRESS_CONFIGS   files in configs/: boot i takes config i mod their count
#   STRESS_KERNELS   "bzimage pvh": each config cycles through these (QEMU
#                    always gets the bzImage)
#   STRESS_HUGEPAGES 2M huge pages reserved on each host node first
#   STRESS_PIN       host CPU of each vCPU, e.g. "0 0 1 1", applied to QEMU's
#                    vCPU threads with taskset (mvmm pins from its config)
#   STRESS_APPEND    extra guest kernel parameters
#   STRESS_TRACE     0 | 1 (the inner VM's kvm events, the failing vCPU's
#                    last 80 printed) | count (exits per boot, @@EXITS lines)
#   STRESS_SETTLE    seconds to wait before the first boot
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/exits-lib.sh"
. /testhost/stress.env

tr=/sys/kernel/tracing
ncfg=$(echo $STRESS_CONFIGS | wc -w) nkern=$(echo $STRESS_KERNELS | wc -w)

# With th.trace=1 host-init records every SVM shutdown exit (a tracepoint
# filtered in the kernel); STRESS_TRACE=1 adds the inner VMs' other kvm
# events, for the failing vCPU's history.
trace_on() {
	[ "${STRESS_TRACE:-0}" = 1 ] || return 0
	[ -d $tr/events ] || mount -t tracefs nodev $tr || return 0
	echo 0 >$tr/tracing_on
	echo 0 >$tr/events/kvm/kvm_exit/filter	# host-init's: shutdown exits only
	echo 8192 >$tr/buffer_size_kb
	for e in kvm_exit kvm_inj_exception kvm_userspace_exit kvm_inj_virq kvm_pio kvm_mmio kvm_page_fault; do
		echo 1 >$tr/events/kvm/$e/enable 2>/dev/null
	done
	echo 1 >$tr/tracing_on
}
trace_reset() {
	[ -f $tr/trace ] && echo >$tr/trace
	[ "${STRESS_TRACE:-0}" = count ] && exits_arm
}

# The shutdown exit, from the tracepoint (KVM resets the vCPU before it
# returns to userspace on AMD, so only the trace has the faulting RIP and
# the event being delivered).
trace_shutdown() {
	[ -f $tr/trace ] && grep -m1 'reason shutdown' $tr/trace
}

# nth I WORD...: word I (from 0) of the list.
nth() { shift $(($1 + 1)); echo "$1"; }

# child_pids PID: the processes whose parent is PID (busybox has no pgrep).
child_pids() {
	for s in /proc/[0-9]*/stat; do
		read -r _p _c _st _pp _ 2>/dev/null <"$s" || continue
		[ "$_pp" = "$1" ] && echo "$_p"
	done
}

# pin_qemu PID: taskset QEMU's "CPU N/KVM" threads as STRESS_PIN says (QEMU
# is the child of the qemu-as-mvmm shell PID). QEMU starts its vCPU threads
# a few seconds after exec in the test host; bounded at 30 s.
pin_qemu() {
	[ -n "${STRESS_PIN:-}" ] || return 0
	_want=$(echo $STRESS_PIN | wc -w) _tries=0
	while [ "$_tries" -lt 600 ] && alive "$1"; do
		_done=0
		for p in $(child_pids "$1"); do
			for t in /proc/$p/task/*; do
				c=$(cat "$t/comm" 2>/dev/null)
				case $c in "CPU "*/KVM) ;; *) continue ;; esac
				c=${c#CPU }; c=${c%/KVM}
				taskset -pc "$(nth "$c" $STRESS_PIN)" "${t##*/}" >/dev/null 2>&1 &&
					_done=$((_done + 1))
			done
		done
		if [ "$_done" -ge "$_want" ]; then
			note "pinned QEMU's vCPU threads to $STRESS_PIN after $((_tries * 50)) ms"
			return 0
		fi
		_tries=$((_tries + 1))
		usleep 50000
	done
	note "could not pin QEMU's vCPU threads ($_done of $_want)"
}

trace_on
for n in /sys/devices/system/node/node[0-9]*; do
	echo "${STRESS_HUGEPAGES:-0}" >"$n/hugepages/hugepages-2048kB/nr_hugepages"
done
[ -n "${STRESS_SETTLE:-}" ] && sleep "$STRESS_SETTLE"
i=0
while [ "$i" -lt "$STRESS_BOOTS" ]; do
	i=$((i + 1))
	cfg=$CONFIGS/$(nth $(((i - 1) % ncfg)) $STRESS_CONFIGS)
	kern=$VMLINUZ
	[ "$(nth $(((i - 1) / ncfg % nkern)) $STRESS_KERNELS)" = pvh ] && kern=$VMLINUX
	for kind in $STRESS_VMMS; do
		kernel=$kern
		[ "$kind" = qemu ] && kernel=$VMLINUZ
		case $kind in qemu) VMM=qemu-as-mvmm ;; *) VMM=mvmm ;; esac
		n=$kind-$i
		trace_reset
		vmm_start "$n" --config "$cfg" --kernel "$kernel" --initrd "$INITRD" \
			--append "$BASE_CMDLINE mvmm.test=poweroff ${STRESS_APPEND:-}"
		[ "$kind" = qemu ] && pin_qemu "$VMM_PID"
		res=ok detail=
		if ! wait_line "$OUT/$n.out" '^@@DONE' "$BOOT_TIMEOUT"; then
			if alive "$VMM_PID"; then
				kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"
				RC=137 res=hang
			else
				wait "$VMM_PID"; RC=$?
				res=exit$RC
			fi
		elif ! wait_exit "$VMM_PID" "$ACTION_TIMEOUT"; then
			kill -KILL "$VMM_PID" 2>/dev/null; wait "$VMM_PID"
			RC=137 res=hang detail="no exit after @@DONE"
		elif [ "$RC" != 0 ]; then
			res=exit$RC
		fi
		# Without the tracepoint: mvmm says triple fault with 5; QEMU with a
		# reset (3) before the guest's /init finished.
		case $kind:$RC in
		mvmm:5) res=triple ;;
		qemu:3) grep -q '^@@DONE' "$OUT/$n.out" || { res=triple; detail="QEMU: reset before /init finished"; } ;;
		esac
		DT=$(secs $(($(now_cs) - VMM_T0)))
		[ "${STRESS_TRACE:-0}" = count ] && exits_print "$kind" "$i"
		if sd=$(trace_shutdown); then
			res=triple
			detail="$(echo "$sd" | sed 's/^ *//; s/  */ /g')"
		fi
		[ "$res" != ok ] && [ -z "$detail" ] && detail=$(tail -n 1 "$OUT/$n.err")
		# stdout is the detail log (ttyS1); the result line also goes to
		# the console, where the runner counts it and sees progress.
		line="@@STRESS $kind $i $res $RC $DT ${cfg##*/stress-} ${kernel##*/} $detail"
		echo "$line"; echo "$line" >/dev/console
		if [ "$res" != ok ]; then
			# From the guest kernel's first fault line (its RIP and
			# stack are what a soft lockup or panic is about), else the tail.
			echo "--- $n: console ---"
			tr -d '\r' <"$OUT/$n.out" | awk '
				/BUG: |Oops|Kernel panic|watchdog: |rcu: .*stall/ && !s { s = NR }
				s && NR < s + 60 { print; next } { t[NR % 15] = $0 }
				END { if (!s) for (i = NR - 14; i <= NR; i++) if (i > 0) print t[i % 15] }'
			echo "--- $n: stderr ---"; tail -n 5 "$OUT/$n.err"
			if [ "${STRESS_TRACE:-0}" = 1 ]; then
				echo "--- $n: kvm trace before the failure ---"
				if [ "$res" = triple ]; then
					# that vCPU thread's events ("vcpu1-123" leads each line)
					who=$(echo "$sd" | awk '{print $1}')
					grep -F -- "$who " $tr/trace | grep -B 80 -m1 'reason shutdown'
				else
					tail -n 80 $tr/trace
				fi
			fi
		fi
		# The first boot's CPU flags, to compare what each VMM gives.
		if [ "$i" = 1 ]; then
			echo "# $kind flags: $(fact "$n" cpuinfo_flags)"
			tr -d '\r' <"$OUT/$n.out" | grep '^@@DMESG' | sed "s/^/# $kind /"
		fi
		rm -f "$OUT/$n.out" "$OUT/$n.err"
	done
done
exit 0
