/*
 * virtio-net queues: two queue pairs and the control queue (MQ, merged rx
 * buffers, offloads through the vnet header), a SOCK_SEQPACKET pair per
 * queue pair standing in for the TAP. The program adds tx chains and rx
 * buffers, control commands, and frames of any size arriving from the
 * host side; what the device transmits is drained. See virtio_rig.h.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio/net.h"
#include "tests/fuzz/virtio_rig.h"

#define PAIRS	2

struct net_rig {
	struct virtio_net n;
	int sock[PAIRS][2];	/* [0]: the device's, [1]: the host's */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct net_rig *r)
{
	static uint8_t buf[65536];
	unsigned i;

	for (i = 0; i < PAIRS; i++)
		while (recv(r->sock[i][1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
}

static void poll(void *dev, unsigned q)
{
	struct net_rig *r = dev;

	q %= 2 * PAIRS + 1;
	if (q == 2 * PAIRS)
		virtio_net__poll_ctrl(&r->n);
	else
		virtio_net__poll(&r->n, q / 2);
	drain(r);
}

/* A frame from the host: vnet header and payload from the input, padded
 * with zeros up to any length a TAP can deliver. */
static void rx_frame(void *dev, struct fz *f)
{
	static uint8_t frame[65550];
	struct net_rig *r = dev;
	unsigned pair = fz_u8(f) % PAIRS, len = fz_u16(f) % sizeof(frame), k;

	k = fz_u8(f);
	if (k > len)
		k = len;
	memset(frame, 0, len);
	fz_bytes(f, frame, k);
	send(r->sock[pair][1], frame, len, MSG_DONTWAIT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct drv d;
	static struct net_rig r;
	struct fz f = { data, size };
	struct virtio_net_params p = {
		.name = "eth0", .mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, .pairs = PAIRS,
		.send = drv_count_msi, .send_opaque = &d, .mem = &d.mem, .no_threads = true,
	};
	struct vrig_ops o = { .poll = poll, .extra = rx_frame, .dev = &r,
			      .nr_queues = 2 * PAIRS + 1 };
	char err[256];
	unsigned i;

	vrig_drv_reset(&d);
	for (i = 0; i < PAIRS; i++) {
		FZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r.sock[i]) == 0);
		FZ_CHECK(fcntl(r.sock[i][0], F_SETFL, O_NONBLOCK) == 0);
		p.fds[i] = r.sock[i][0];
	}
	FZ_CHECK(virtio_net__init(&r.n, &p, err, sizeof(err)) == 0);
	d.vp = &r.n.vp;
	vrig_run(&d, &o, &f);
	virtio_net__destroy(&r.n);
	for (i = 0; i < PAIRS; i++) {
		close(r.sock[i][0]);
		close(r.sock[i][1]);
	}
	return 0;
}
