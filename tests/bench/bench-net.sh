#!/bin/sh
# iperf3 benchmark, run inside the test host (make bench): two initramfs
# guests on the test host's bridge, under mvmm ([net.eth0] on the bridge,
# vhost-net) and under QEMU q35 (virtio-net-pci, a TAP on the same bridge,
# vhost=on), alternating per round. Guest a runs iperf3 for 10 s to the test
# host (guest -> host) and then to guest b (guest <-> guest). Prints
#   @@NET vmm=<mvmm|qemu> round=N mode=<g2h|g2g> mbps=N
# for tests/bench/run-bench.sh.
. /testhost/scenarios/lib.sh

ROUNDS=$(cat /testhost/bench/net-rounds 2>/dev/null || echo 2)
BR=mvbr0
HOSTIP=10.77.0.1
brctl addbr "$BR" 2>/dev/null
ip addr add "$HOSTIP/24" dev "$BR" 2>/dev/null
ip link set "$BR" up
printf '#!/bin/sh\nbrctl addif %s "$1" && ip link set "$1" up\n' "$BR" >/tmp/qemu-ifup
chmod +x /tmp/qemu-ifup
cmd() {	# ROLE IP PEER
	echo "$BASE_CMDLINE mvmm.test=poweroff mvmm.run=/bin/net-bench-inguest.sh mvmm.hostip=$HOSTIP mvmm.bench=$1 mvmm.ip=$2/24 mvmm.peer=$3"
}

start_mvmm() {	# ROLE MAC IP PEER
	mvmm --config /testhost/bench/bench-net.ini --set net.eth0.mac="$2" \
		--kernel "$VMLINUZ" --initrd "$INITRD" --append "$(cmd "$1" "$3" "$4")" \
		>"$OUT/$1.out" 2>"$OUT/$1.err" </dev/null &
}

start_qemu() {	# ROLE MAC IP PEER
	qemu-system-x86_64 -machine q35,accel=kvm -cpu host -smp 1 -m 384M \
		-nodefaults -nographic -serial stdio -no-reboot \
		-netdev tap,id=n0,ifname="q$1$$",script=/tmp/qemu-ifup,downscript=no,vhost=on \
		-device virtio-net-pci,netdev=n0,mac="$2",romfile= \
		-kernel "$VMLINUZ" -initrd "$INITRD" -append "$(cmd "$1" "$3" "$4")" \
		>"$OUT/$1.out" 2>"$OUT/$1.err" </dev/null &
}

one() {	# VMM ROUND
	iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	start_$1 b 52:54:00:00:01:0b 10.77.0.3 10.77.0.2
	pb=$!
	start_$1 a 52:54:00:00:01:0a 10.77.0.2 10.77.0.3
	pa=$!
	wait_exit "$pa" 240 || { kill -KILL $pa $pb $srv; tail -n 30 "$OUT/a.out"; cat "$OUT/a.err"; fail "$1 round $2: guest a did not finish"; }
	wait_exit "$pb" 30 || { kill -KILL $pb $srv; tail -n 20 "$OUT/b.out"; fail "$1 round $2: guest b did not finish"; }
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	n=$(tr -d '\r' <"$OUT/a.out" | grep -c '^@@IPERF mode=.* mbps=[1-9]')
	[ "$n" = 2 ] || { tr -d '\r' <"$OUT/a.out" | tail -n 40; cat "$OUT/a.err"; fail "$1 round $2: $n iperf3 results"; }
	tr -d '\r' <"$OUT/a.out" | sed -n "s/^@@IPERF /@@NET vmm=$1 round=$2 /p"
}

i=1
while [ $i -le "$ROUNDS" ]; do
	if [ $((i % 2)) -eq 1 ]; then one mvmm $i; one qemu $i; else one qemu $i; one mvmm $i; fi
	i=$((i + 1))
done
