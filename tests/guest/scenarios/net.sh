#!/bin/sh
# virtio-net (tests/guest/configs/net-{a,b}.ini), twice: the userspace data
# path (vhost = no), then the in-kernel one (vhost = yes). Each time two
# initramfs guests, each with a NIC on the test host's bridge mvbr0 (mvmm
# creates a TAP there per NIC):
#  - each guest sees its configured MAC and the offered features; a has
#    one queue pair, b two (MQ: Linux asks for both on the control queue,
#    and mvmm's multiqueue TAP serves them);
#  - each pings the test host (10.77.0.1) and the other guest;
#  - guest a sends 8 MiB of random bytes to the test host over TCP and
#    receives 8 MiB from it: both checksums match on both ends;
#  - a tells b "done" over TCP (guest to guest); both power off, exit 0;
#  - mvmm's exit line counts the packets and no bad chains;
#  - while they run the bridge has their two TAPs; afterwards no TAP is
#    left (mvmm's TAPs go with it);
#  - a's NIC is behind guest node 1's expander (host node 1): Linux puts it
#    on node 1, its data path (the thread net-eth0.0, or the vhost-net
#    worker vhost-<pid>, a kernel thread on 6.1) runs on host node 1's
#    CPU, and the placement report (SIGUSR1) judges it on plan.
# All traffic stays on the test host's own bridge (it has no NIC).
# host-nodes: 2
# budget: 420
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/numa-lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [net.NAME] syntax"
BR=mvbr0
HOSTIP=10.77.0.1
D=/tmp/net
rm -rf "$D"; mkdir -p "$D"
brctl addbr "$BR" 2>/dev/null || [ -d /sys/class/net/$BR/bridge ] || fail "cannot create bridge $BR"
ip addr add "$HOSTIP/24" dev "$BR" 2>/dev/null
ip link set "$BR" up
dd if=/dev/urandom of="$D/to-guest" bs=1M count=8 2>/dev/null
to_sha=$(sha256sum "$D/to-guest" | cut -d' ' -f1)
base="$BASE_CMDLINE mvmm.test=poweroff mvmm.run=/bin/net-inguest.sh mvmm.hostip=$HOSTIP"

taps() { ls /sys/class/net/$BR/brif 2>/dev/null | tr '\n' ' '; }
kill_all() { kill -KILL $PA $PB 2>/dev/null; wait $PA $PB 2>/dev/null; }

for path in no yes; do
	a=a-vhost-$path b=b-vhost-$path
	netxfer recv 5001 "$D/from-guest" >"$D/recv.log" 2>&1 &
	NC=$!
	vmm_start "$b" --config "$CONFIGS/net-b.ini" --set net.eth0.vhost=$path \
		--kernel "$VMLINUZ" --initrd "$INITRD" \
		--append "$base mvmm.role=b mvmm.ip=10.77.0.3/24 mvmm.peer=10.77.0.2"
	PB=$VMM_PID
	vmm_start "$a" --config "$CONFIGS/net-a.ini" --set net.eth0.vhost=$path \
		--kernel "$VMLINUZ" --initrd "$INITRD" \
		--append "$base mvmm.role=a mvmm.ip=10.77.0.2/24 mvmm.peer=10.77.0.3"
	PA=$VMM_PID
	# Host to guest, once a listens.
	# A boot, two pings and 8 MiB out come first: twice the boot bound.
	if ! wait_line "$OUT/$a.out" '^@@NET-LISTENING' $((2 * BOOT_TIMEOUT)); then
		kill_all; kill $NC 2>/dev/null; show_output "$a"; show_output "$b"
		fail "$a: the guest never got to its TCP listener"
	fi
	ntap=$(taps | wc -w)
	expect_sandboxed "$PA"
	expect_sandboxed "$PB"
	# multi-queue, vhost or not: its open files within preflight's bound
	expect_fds_within "$PA" --config "$CONFIGS/net-a.ini" --set net.eth0.vhost=$path \
		--kernel "$VMLINUZ" --initrd "$INITRD"
	if [ $path = no ]; then
		worker=net-eth0.0
		aff=$(thread_affinity "$PA" "$worker")
	else
		worker=vhost-$PA aff=missing
		for c in /proc/[0-9]*/comm; do
			[ "$(cat "$c" 2>/dev/null)" = "$worker" ] || continue
			aff=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "${c%/comm}/status")
		done
	fi
	kill -USR1 "$PA"
	i=0
	while [ "$(grep -c 'guest node 1 (' "$OUT/$a.err")" -lt 2 ] && [ $i -lt 200 ]; do
		usleep 50000; i=$((i + 1))
	done
	sent=$(netxfer send 10.77.0.2 5002 "$D/to-guest" 2>&1)
	VMM_PID=$PA
	vmm_finish "$a" 60
	RA=$RC
	VMM_PID=$PB
	vmm_finish "$b" 30
	RB=$RC
	wait $NC
	expect_eq "$a: exit status" 0 "$RA"
	expect_eq "$b: exit status" 0 "$RB"
	expect_eq "vhost=$path: TAPs on $BR while both ran" 2 "$ntap"
	expect_eq "vhost=$path: TAPs left on $BR" "" "$(taps)"
	ls /sys/class/net | grep -q '^mvmm' && fail "vhost=$path: a TAP outlived mvmm: $(ls /sys/class/net)"
	expect_eq "vhost=$path: $worker's CPUs (host node 1)" 1 "$aff"
	grep -qE "^mvmm: +[0-9]+ +$worker +1 +1 +ok$" "$OUT/$a.err" ||
		fail "$a: the signal report has no '$worker 1 1 ok' line"
	note "ok: $a: report: $worker on 1, planned 1"
	expect_fact "$a" net_numa 1
	expect_fact "$a" net_mac 52:54:00:00:00:0a
	expect_fact "$b" net_mac 52:54:00:00:00:0b
	expect_fact "$a" net_rxqueues 1
	expect_fact "$b" net_rxqueues 2
	grep -q "^mvmm: net eth0 .* 1 control commands (0 refused)" "$OUT/$b.err" ||
		fail "$b: the driver's VQ_PAIRS_SET was not served ($(grep 'net eth0' "$OUT/$b.err"))"
	for g in $a $b; do
		expect_fact "$g" ping_host ok
		expect_fact "$g" ping_peer ok
		# Offered and accepted by Linux: MAC (5), MRG_RXBUF (15), CSUM (0), GUEST_CSUM (1),
		# GUEST_TSO4 (7), HOST_TSO4 (11), STATUS (16), VERSION_1 (32).
		f=$(fact "$g" net_features)
		for bit in 0 1 5 7 11 15 16 32; do
			[ "$(echo "$f" | cut -c$((bit + 1)))" = 1 ] || fail "$g: feature bit $bit not negotiated ($f)"
		done
		grep -qE "^mvmm: net eth0 \(mvmm[0-9]+, $([ $path = yes ] && echo vhost || echo userspace)\): rx [1-9][0-9]* packets .* tx [1-9][0-9]* packets .*, 0 bad chains" "$OUT/$g.err" ||
			fail "$g: no exit line of a NIC that moved packets with no bad chains ($(grep 'net eth0' "$OUT/$g.err"))"
	done
	expect_eq "vhost=$path: test host to guest" "netxfer: 8388608 bytes" "$sent"
	expect_fact "$a" tx_result "netxfer: 8388608 bytes"
	expect_eq "vhost=$path: guest to test host" "netxfer: 8388608 bytes" "$(cat "$D/recv.log" | tail -n 1)"
	expect_fact "$a" tx_sha "$(sha256sum "$D/from-guest" | cut -d' ' -f1)"
	expect_fact "$a" rx_result "netxfer: 8388608 bytes"
	expect_fact "$a" rx_sha "$to_sha"
	expect_fact "$a" peer_result "netxfer: 5 bytes"
	expect_fact "$b" from_peer done
	note "ok: vhost=$path: ping, 8 MiB each way with the test host, guest to guest"
done
