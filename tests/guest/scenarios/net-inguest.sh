#!/bin/busybox sh
# Runs INSIDE the inner guest for net.sh (mvmm.run=/bin/net-inguest.sh).
# mvmm.ip=ADDR/LEN, mvmm.hostip=IP (the test host's bridge), mvmm.peer=IP
# (the other guest), mvmm.role=a|b:
#   both: eth0 up with ADDR; report its MAC, numa_node, features, queue
#         count; ping the test host and the peer (bounded waits: the peer
#         boots at the same time)
#   a:    TCP to the test host (8 MiB of random bytes to its port 5001, the
#         checksum as a fact), then from it (a listener on 5002; the host
#         sends a file, the checksum as a fact), then "done" to b:5003;
#         netxfer (tests/tools) moves each file and waits for the other
#         side's close, so a transfer ends only when all of it arrived
#   b:    waits for a's "done" on 5003 (guest-to-guest TCP), then ends
for w in $(cat /proc/cmdline); do
	case $w in
	mvmm.ip=*) ip=${w#*=} ;;
	mvmm.hostip=*) hostip=${w#*=} ;;
	mvmm.peer=*) peer=${w#*=} ;;
	mvmm.role=*) role=${w#*=} ;;
	esac
done
modprobe virtio_pci 2>&1 | sed "s/^/@@FACT modprobe_error=/"
modprobe virtio_net 2>&1 | sed 's/^/@@FACT modprobe_error=/'
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
[ -e /sys/class/net/eth0 ] || { echo "@@FACT net_error=no eth0"; exit 0; }
dev=/sys/class/net/eth0/device
echo "@@FACT net_mac=$(cat /sys/class/net/eth0/address)"
echo "@@FACT net_numa=$(cat $dev/../numa_node 2>/dev/null)"
echo "@@FACT net_features=$(cat $dev/features)"
echo "@@FACT net_rxqueues=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)"
ip addr add "$ip" dev eth0
ip link set eth0 up
ip link set lo up
# Bounded: the link and, for the peer, its whole boot.
pingwait() {
	n=0
	while [ $n -lt "$2" ]; do
		ping -c 1 -W 1 "$1" >/dev/null 2>&1 && { echo ok; return; }
		n=$((n + 1))
	done
	echo "no answer after $2 tries"
}
echo "@@FACT ping_host=$(pingwait "$hostip" 30)"
echo "@@FACT ping_peer=$(pingwait "$peer" 120)"
case $role in
a)
	dd if=/dev/urandom of=/tmp/out bs=1M count=8 2>/dev/null
	echo "@@FACT tx_sha=$(sha256sum /tmp/out | cut -d' ' -f1)"
	echo "@@FACT tx_result=$(netxfer send "$hostip" 5001 /tmp/out 2>&1)"
	netxfer recv 5002 /tmp/in >/tmp/recv.log 2>&1 &
	i=0
	while ! grep -q listening /tmp/recv.log && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
	echo "@@NET-LISTENING"
	wait
	echo "@@FACT rx_result=$(tail -n 1 /tmp/recv.log)"
	echo "@@FACT rx_sha=$(sha256sum /tmp/in | cut -d' ' -f1)"
	echo done >/tmp/done
	echo "@@FACT peer_result=$(netxfer send "$peer" 5003 /tmp/done 2>&1)"
	;;
b)
	netxfer recv 5003 /tmp/peer >/dev/null 2>&1
	echo "@@FACT from_peer=$(cat /tmp/peer)"
	;;
esac
# The link's own counters, for the record.
ip -s link show eth0 | sed 's/^/@@NETSTAT /'
