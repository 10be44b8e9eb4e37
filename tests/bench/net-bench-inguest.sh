#!/bin/busybox sh
# Runs INSIDE the inner guest for bench-net.sh (mvmm.run=/bin/net-bench-inguest.sh).
# mvmm.ip=ADDR/LEN, mvmm.hostip=IP, mvmm.peer=IP, mvmm.bench=a|b:
#   b: an iperf3 server for one test (a's), then ends
#   a: iperf3 10 s to the test host, then 10 s to b; prints
#      @@IPERF mode=g2h|g2g mbps=N  (the receiver's rate)
for w in $(cat /proc/cmdline); do
	case $w in
	mvmm.ip=*) ip=${w#*=} ;;
	mvmm.hostip=*) hostip=${w#*=} ;;
	mvmm.peer=*) peer=${w#*=} ;;
	mvmm.bench=*) role=${w#*=} ;;
	esac
done
modprobe virtio_pci; modprobe virtio_net
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
ip addr add "$ip" dev eth0; ip link set eth0 up; ip link set lo up
# iperf3 -c until the server is there (bounded: it boots alongside), once.
client() {
	n=0
	while [ $n -lt 120 ]; do
		out=$(iperf3 -c "$1" -t 10 -f m 2>&1) && break
		n=$((n + 1)); sleep 1
	done
	echo "$out" | sed 's/^/@@IPERF-LOG /'
	mbps=$(echo "$out" | awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }')
	echo "@@IPERF mode=$2 mbps=${mbps:-0}"
}
case $role in
b) iperf3 -s -1 >/dev/null 2>&1 ;;
a) client "$hostip" g2h; client "$peer" g2g ;;
esac
# Where the interrupts went, for the record.
grep -E 'virtio|CPU' /proc/interrupts | sed 's/^/@@IPERF-LOG /'

