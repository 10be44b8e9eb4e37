# Exit counters for the test host's scenarios (sourced after lib.sh by
# stress-boot.sh and tests/bench/bench-boot.sh): per boot, the inner VM's
# exits by reason, its userspace exits by reason, its port I/O by port and
# its MMIO by address, counted in the kernel with hist triggers on the kvm
# tracepoints (nothing goes through the ring buffer), printed as
#   @@EXITS <vmm> <i> <event> <key> <count>
# for the host side's exits table (th_exits_table in tests/testhost/lib.sh).
tr=/sys/kernel/tracing
hists="kvm_exit:exit_reason kvm_userspace_exit:reason kvm_pio:port.hex kvm_mmio:gpa.hex"
# exits_arm: (re)start counting from zero.
exits_arm() {
	[ -d $tr/events ] || mount -t tracefs nodev $tr || return 0
	for h in $hists; do
		echo "!hist:keys=${h#*:}" >$tr/events/kvm/${h%%:*}/trigger 2>/dev/null
		echo "hist:keys=${h#*:}:size=4096" >$tr/events/kvm/${h%%:*}/trigger
	done
}
exits_print() {	# VMM I
	for h in $hists; do
		ev=${h%%:*} key=${h#*:}
		sed -n "s/^{ *${key%.hex}: *\([^}]*\)} *hitcount: *\([0-9]*\).*/\1 \2/p" \
			$tr/events/kvm/$ev/hist | while read -r k c; do
			echo "@@EXITS $1 $2 $ev $(echo $k | tr ' ' _) $c"
		done
	done
}
