#!/bin/busybox sh
# Runs INSIDE the inner guest for vsock.sh (mvmm.run=/bin/vsock-inguest.sh):
# loads the virtio-vsock transport, reports the device (PCI address,
# numa_node) and the guest's CID, then
#  1. listens on port 5000 for the host's 1 MiB echo (host -> guest),
#  2. sends 1 MiB to the host, CID 2 port 5001, and checks the echo
#     (guest -> host).
modprobe virtio_pci 2>&1 | sed 's/^/@@FACT modprobe_error=/'
modprobe vmw_vsock_virtio_transport 2>&1 | sed 's/^/@@FACT modprobe_error=/'
vs=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1053 ] && vs=$d
done
echo "@@FACT vsock_pci=${vs##*/}"
echo "@@FACT vsock_numa_node=$(cat "$vs/numa_node" 2>/dev/null)"
echo "@@FACT vsock_driver=$(basename "$(readlink "$vs/driver" 2>/dev/null)")"
# The transport has the CID once it probed the device.
drv=/sys/bus/virtio/drivers/vmw_vsock_virtio_transport
i=0
while ! ls -d $drv/virtio* >/dev/null 2>&1 && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
echo "@@FACT vsock_transport_bound=$(ls -d $drv/virtio* 2>/dev/null | wc -l)"
echo "@@FACT vsock_cid=$(vsock-echo cid 2>&1)"
# 1. host -> guest. The listening line is the host's cue to connect.
vsock-echo listen 5000 >/tmp/listen.out 2>&1 &
lp=$!
i=0
while ! grep -q listening /tmp/listen.out && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done
echo "@@FACT vsock_listening=$(grep -c listening /tmp/listen.out)"
wait $lp
echo "@@FACT vsock_listen_rc=$?"
echo "@@FACT vsock_listen=$(grep echoed /tmp/listen.out)"
grep -v 'listening\|echoed' /tmp/listen.out | sed 's/^/@@FACT vsock_listen_error=/'
# 2. guest -> host.
out=$(vsock-echo send 2 5001 1048576 2>/tmp/send.err)
echo "@@FACT vsock_send_rc=$?"
echo "@@FACT vsock_send=$out"
sed 's/^/@@FACT vsock_send_stderr=/' /tmp/send.err
