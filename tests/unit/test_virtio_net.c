/*
 * virtio-net end to end, driven like a guest driver would, with a
 * SOCK_SEQPACKET socketpair standing in for the TAP (one message = one
 * frame with its 12-byte vnet header, as IFF_VNET_HDR gives it): feature
 * and device configuration, tx (split frames, bad chains dropped and
 * counted while the queue goes on), rx with and without MRG_RXBUF
 * (num_buffers, a frame waiting for room, published whole), a frame too
 * big for the buffers, bad rx buffers, the control queue's VQ_PAIRS_SET,
 * a broken ring, and the real I/O thread woken by its doorbell and by the
 * "TAP".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/virtio_net.h>

#include "tests/unit/virtio_drv_util.h"
#include "devices/virtio/net.h"
#include "vmm/util.h"

#define BIT(n)		(1ULL << (n))
#define DATA_GPA	(DRV_RAM_GPA + 0x80000)
#define HDR		12
#define RX0		0
#define TX0		1
#define BASE_FEATURES	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS))
#define MRG		BIT(VIRTIO_NET_F_MRG_RXBUF)

struct rig {
	struct drv d;
	struct virtio_net n;
	bool up;
	int sock[VIRTIO_NET_MAX_PAIRS][2];	/* [0]: the device's, [1]: the host's */
	unsigned pairs;
};

static struct rig *live;

static struct rig *rig_new(unsigned pairs, bool threads)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct virtio_net_params p = {
		.name = "eth0", .mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, .pairs = pairs,
		.send = drv_count_msi, .no_threads = !threads,
	};
	char err[256] = "";
	unsigned i;

	assert_non_null(r);
	live = r;
	drv_init(&r->d);
	r->pairs = pairs;
	for (i = 0; i < pairs; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, r->sock[i]), 0);
		fcntl(r->sock[i][0], F_SETFL, O_NONBLOCK);
		p.fds[i] = r->sock[i][0];
	}
	p.send_opaque = &r->d;
	p.mem = &r->d.mem;
	assert_int_equal(virtio_net__init(&r->n, &p, err, sizeof(err)), 0);
	r->up = true;
	r->d.vp = &r->n.vp;
	drv_pci_on(&r->d);
	return r;
}

static void rig_release(struct rig *r)
{
	unsigned i;

	if (r->up)
		virtio_net__destroy(&r->n);
	for (i = 0; i < r->pairs; i++) {
		close(r->sock[i][0]);
		close(r->sock[i][1]);
	}
	drv_destroy(&r->d);
	free(r);
	live = NULL;
}

static int cleanup(void **state)
{
	(void)state;
	if (live)
		rig_release(live);
	return 0;
}

static void rig_free(struct rig *r)
{
	assert_int_equal(atomic_load(&r->d.stray), 0);
	rig_release(r);
}

static struct rig *rig_up(unsigned pairs, uint64_t f)
{
	struct rig *r = rig_new(pairs, false);

	assert_int_equal(drv_up(&r->d, f), DRV_S_ACK | DRV_S_DRIVER | DRV_S_FOK | DRV_S_DOK);
	return r;
}

static uint8_t *data(struct rig *r, uint64_t off)
{
	return drv_host(&r->d, DATA_GPA + off);
}

static uint8_t pat(unsigned i, unsigned seed)
{
	return (uint8_t)(i * 7 + seed);
}

/* A frame as the TAP carries it: a zero vnet header, then @len bytes. */
static void host_send(struct rig *r, unsigned pair, unsigned len, unsigned seed)
{
	uint8_t buf[HDR + 4096] = { 0 };
	unsigned i;

	assert_true(len <= 4096);
	for (i = 0; i < len; i++)
		buf[HDR + i] = pat(i, seed);
	assert_int_equal(write(r->sock[pair][1], buf, HDR + len), HDR + len);
}

/* The next frame the device sent to the "TAP" (waits up to 5 s); its length. */
static ssize_t host_recv(struct rig *r, unsigned pair, uint8_t *buf, size_t len)
{
	struct pollfd pfd = { .fd = r->sock[pair][1], .events = POLLIN };

	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	return recv(r->sock[pair][1], buf, len, MSG_DONTWAIT);
}

static bool host_idle(struct rig *r, unsigned pair)
{
	uint8_t b;

	return recv(r->sock[pair][1], &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* A tx frame of @len payload bytes at data offset @off, header and payload
 * in two descriptors. */
static uint16_t tx_frame(struct rig *r, unsigned q, uint64_t off, unsigned len, unsigned seed)
{
	unsigned i;

	memset(data(r, off), 0, HDR);
	for (i = 0; i < len; i++)
		data(r, off + HDR)[i] = pat(i, seed);
	return drv_chain(&r->d, q, (const struct drv_seg[]){
		{ DATA_GPA + off, HDR, false }, { DATA_GPA + off + HDR, len, false } }, 2);
}

static uint16_t rx_buf(struct rig *r, unsigned q, uint64_t off, unsigned len)
{
	memset(data(r, off), 0xee, len);
	return drv_chain(&r->d, q, (const struct drv_seg[]){ { DATA_GPA + off, len, true } }, 1);
}

static uint16_t num_buffers(struct rig *r, uint64_t off)
{
	uint16_t v;

	memcpy(&v, data(r, off) + 10, 2);
	return v;
}

static bool payload_is(const uint8_t *p, unsigned from, unsigned len, unsigned seed)
{
	unsigned i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(from + i, seed))
			return false;
	return true;
}

/* ------------------------------------------------------------- tests */

static void test_features_config(void **state)
{
	struct rig *r;
	uint64_t f;

	(void)state;
	r = rig_new(1, false);
	f = drv_device_features(&r->d);
	assert_true(f & BIT(VIRTIO_F_VERSION_1));
	assert_true(f & BIT(VIRTIO_NET_F_MAC));
	assert_true(f & BIT(VIRTIO_NET_F_STATUS));
	assert_true(f & MRG);
	assert_true(f & BIT(VIRTIO_NET_F_CSUM));
	assert_true(f & BIT(VIRTIO_NET_F_GUEST_TSO4));
	assert_false(f & BIT(VIRTIO_NET_F_MQ));
	assert_false(f & BIT(VIRTIO_NET_F_CTRL_VQ));
	assert_int_equal(r->n.vp.nr_queues, 2);
	/* mac, status (link up), max_virtqueue_pairs */
	assert_int_equal(drv_rd(&r->d, VIRTIO_PCI_DEVCFG_OFF + 0, 1), 0x02);
	assert_int_equal(drv_rd(&r->d, VIRTIO_PCI_DEVCFG_OFF + 5, 1), 0x55);
	assert_int_equal(drv_rd(&r->d, VIRTIO_PCI_DEVCFG_OFF + 6, 2), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(drv_rd(&r->d, VIRTIO_PCI_DEVCFG_OFF + 8, 2), 1);
	rig_free(r);

	r = rig_new(3, false);
	f = drv_device_features(&r->d);
	assert_true(f & BIT(VIRTIO_NET_F_MQ));
	assert_true(f & BIT(VIRTIO_NET_F_CTRL_VQ));
	assert_int_equal(r->n.vp.nr_queues, 7);		/* 3 pairs + control */
	assert_int_equal(drv_rd(&r->d, VIRTIO_PCI_DEVCFG_OFF + 8, 2), 3);
	rig_free(r);
}

static void test_default_mac(void **state)
{
	uint8_t a[6], b[6], c[6];

	(void)state;
	virtio_net__default_mac("node1", "eth0", a);
	virtio_net__default_mac("node1", "eth0", b);
	virtio_net__default_mac("node2", "eth0", c);
	assert_memory_equal(a, b, 6);			/* stable */
	assert_memory_not_equal(a, c, 6);		/* per machine */
	assert_int_equal(a[0] & 3, 2);			/* locally administered unicast */
	virtio_net__default_mac("node1", "eth1", c);
	assert_memory_not_equal(a, c, 6);		/* per NIC */
}

static void test_tx(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES);
	uint8_t buf[4096];
	struct vring_used_elem e;
	uint16_t h;

	(void)state;
	h = tx_frame(r, TX0, 0, 1000, 3);
	assert_int_equal(virtio_net__poll(&r->n, 0), 1);
	assert_int_equal(host_recv(r, 0, buf, sizeof(buf)), HDR + 1000);
	assert_true(payload_is(buf + HDR, 0, 1000, 3));
	e = drv_next_used(&r->d, TX0);
	assert_int_equal(e.id, h);
	assert_int_equal(e.len, 0);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.tx_packets), 1);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.tx_bytes), 1000);
	assert_int_equal(atomic_load(&r->d.msi[TX0]), 1);
	assert_true(host_idle(r, 0));
	rig_free(r);
}

/* Every way a tx chain can be wrong: dropped, counted, returned; the next
 * good frame still goes out. */
static void test_tx_bad(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES);
	uint8_t buf[4096];
	unsigned i;

	(void)state;
	/* device-writable descriptor in a tx chain */
	drv_chain(&r->d, TX0, (const struct drv_seg[]){
		{ DATA_GPA, HDR, false }, { DATA_GPA + 64, 100, true } }, 2);
	/* shorter than the vnet header */
	drv_chain(&r->d, TX0, (const struct drv_seg[]){ { DATA_GPA, HDR - 1, false } }, 1);
	/* outside guest RAM */
	drv_chain(&r->d, TX0, (const struct drv_seg[]){ { 0x10000000ULL, 100, false } }, 1);
	tx_frame(r, TX0, 0x1000, 60, 9);
	assert_int_equal(virtio_net__poll(&r->n, 0), 4);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.bad_chain), 3);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.tx_packets), 1);
	assert_int_equal(host_recv(r, 0, buf, sizeof(buf)), HDR + 60);
	assert_true(payload_is(buf + HDR, 0, 60, 9));
	assert_true(host_idle(r, 0));
	for (i = 0; i < 4; i++)
		assert_int_equal(drv_next_used(&r->d, TX0).len, 0);
	rig_free(r);
}

static void test_rx_single(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES);
	struct vring_used_elem e;
	uint16_t h;

	(void)state;
	h = rx_buf(r, RX0, 0, 2048);
	rx_buf(r, RX0, 0x1000, 2048);
	host_send(r, 0, 100, 5);
	assert_int_equal(virtio_net__poll(&r->n, 0), 1);
	e = drv_next_used(&r->d, RX0);
	assert_int_equal(e.id, h);
	assert_int_equal(e.len, HDR + 100);
	assert_int_equal(num_buffers(r, 0), 1);
	assert_true(payload_is(data(r, HDR), 0, 100, 5));
	assert_int_equal(drv_used_pending(&r->d, RX0), 0);
	assert_int_equal(atomic_load(&r->d.msi[RX0]), 1);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.rx_packets), 1);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.rx_bytes), 100);
	rig_free(r);
}

/* MRG_RXBUF: a frame over three small buffers, num_buffers 3; with too
 * few buffers nothing is published until the rest come. */
static void test_rx_merge(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES | MRG);
	struct vring_used_elem e[3];
	unsigned i;

	(void)state;
	rx_buf(r, RX0, 0x000, 64);
	rx_buf(r, RX0, 0x100, 64);
	host_send(r, 0, 150, 1);		/* 162 bytes with the header */
	assert_int_equal(virtio_net__poll(&r->n, 0), 0);
	assert_int_equal(drv_used_pending(&r->d, RX0), 0);
	assert_int_equal(atomic_load(&r->d.msi[RX0]), 0);
	rx_buf(r, RX0, 0x200, 64);
	assert_int_equal(virtio_net__poll(&r->n, 0), 1);
	assert_int_equal(drv_used_pending(&r->d, RX0), 3);
	for (i = 0; i < 3; i++)
		e[i] = drv_next_used(&r->d, RX0);
	assert_int_equal(e[0].id, 0);
	assert_int_equal(e[1].id, 1);
	assert_int_equal(e[2].id, 2);
	assert_int_equal(e[0].len, 64);
	assert_int_equal(e[1].len, 64);
	assert_int_equal(e[2].len, 162 - 128);
	assert_int_equal(num_buffers(r, 0x000), 3);
	assert_true(payload_is(data(r, 0x000 + HDR), 0, 64 - HDR, 1));
	assert_true(payload_is(data(r, 0x100), 64 - HDR, 64, 1));
	assert_true(payload_is(data(r, 0x200), 128 - HDR, 162 - 128, 1));
	assert_int_equal(atomic_load(&r->d.msi[RX0]), 1);
	rig_free(r);
}

/* Without MRG_RXBUF a frame larger than the buffer is dropped and the
 * buffer kept for the next frame. */
static void test_rx_too_big(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES);
	struct vring_used_elem e;

	(void)state;
	rx_buf(r, RX0, 0, 128);
	host_send(r, 0, 500, 2);
	host_send(r, 0, 50, 4);
	assert_int_equal(virtio_net__poll(&r->n, 0), 2);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.rx_dropped), 1);
	e = drv_next_used(&r->d, RX0);
	assert_int_equal(e.len, HDR + 50);
	assert_true(payload_is(data(r, HDR), 0, 50, 4));
	rig_free(r);
}

/* MRG_RXBUF, but a whole ring of buffers too small for the frame: it is
 * dropped (it could never fit), not waited for; the next frame fits. */
static void test_rx_never_fits(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES | MRG);
	unsigned i;

	(void)state;
	for (i = 0; i < DRV_QSZ; i++)
		rx_buf(r, RX0, 16ULL * i, 16);		/* 64 x 16 bytes: 1 KiB */
	host_send(r, 0, 2000, 3);
	host_send(r, 0, 20, 4);			/* 32 bytes: two buffers */
	assert_int_equal(virtio_net__poll(&r->n, 0), 2);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.rx_dropped), 1);
	assert_int_equal(drv_used_pending(&r->d, RX0), 2);
	assert_int_equal(num_buffers(r, 0), 2);
	assert_true(payload_is(data(r, HDR), 0, 4, 4));
	assert_true(payload_is(data(r, 16), 4, 16, 4));
	rig_free(r);
}

/* rx buffers the device cannot use: returned empty and counted before
 * the frame, which lands in the next good buffer. */
static void test_rx_bad(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES | MRG);
	struct vring_used_elem e;
	uint16_t good;

	(void)state;
	drv_chain(&r->d, RX0, (const struct drv_seg[]){ { DATA_GPA, 256, false } }, 1);
	drv_chain(&r->d, RX0, (const struct drv_seg[]){ { DATA_GPA, HDR - 2, true } }, 1);
	drv_chain(&r->d, RX0, (const struct drv_seg[]){ { 0x10000000ULL, 256, true } }, 1);
	good = rx_buf(r, RX0, 0x1000, 256);
	host_send(r, 0, 40, 6);
	assert_int_equal(virtio_net__poll(&r->n, 0), 1);
	assert_int_equal(atomic_load(&r->n.pair[0].stats.bad_chain), 3);
	assert_int_equal(drv_next_used(&r->d, RX0).len, 0);
	assert_int_equal(drv_next_used(&r->d, RX0).len, 0);
	assert_int_equal(drv_next_used(&r->d, RX0).len, 0);
	e = drv_next_used(&r->d, RX0);
	assert_int_equal(e.id, good);
	assert_int_equal(e.len, HDR + 40);
	assert_true(payload_is(data(r, 0x1000 + HDR), 0, 40, 6));
	rig_free(r);
}

/* A frame waits for buffers; it is neither lost nor reordered. */
static void test_rx_waits(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES | MRG);

	(void)state;
	host_send(r, 0, 30, 7);
	host_send(r, 0, 31, 8);
	assert_int_equal(virtio_net__poll(&r->n, 0), 0);
	rx_buf(r, RX0, 0, 256);
	assert_int_equal(virtio_net__poll(&r->n, 0), 1);
	assert_int_equal(drv_next_used(&r->d, RX0).len, HDR + 30);
	assert_true(payload_is(data(r, HDR), 0, 30, 7));
	rx_buf(r, RX0, 0x400, 256);
	assert_int_equal(virtio_net__poll(&r->n, 0), 1);
	assert_int_equal(drv_next_used(&r->d, RX0).len, HDR + 31);
	assert_true(payload_is(data(r, 0x400 + HDR), 0, 31, 8));
	rig_free(r);
}

static uint8_t ctrl(struct rig *r, uint8_t class, uint8_t cmd, uint16_t pairs)
{
	unsigned q = 2 * r->pairs;
	uint8_t *out = data(r, 0x8000), *ack = data(r, 0x8100);

	out[0] = class;
	out[1] = cmd;
	memcpy(out + 2, &pairs, 2);
	*ack = 0xee;
	drv_chain(&r->d, q, (const struct drv_seg[]){
		{ DATA_GPA + 0x8000, 2, false }, { DATA_GPA + 0x8002, 2, false },
		{ DATA_GPA + 0x8100, 1, true } }, 3);
	assert_int_equal(virtio_net__poll_ctrl(&r->n), 1);
	assert_int_equal(drv_next_used(&r->d, q).len, 1);
	return *ack;
}

static void test_ctrl_mq(void **state)
{
	struct rig *r = rig_up(2, BASE_FEATURES | BIT(VIRTIO_NET_F_CTRL_VQ) | BIT(VIRTIO_NET_F_MQ));
	uint8_t buf[256];

	(void)state;
	assert_int_equal(r->n.active_pairs, 1);
	assert_int_equal(ctrl(r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2),
			 VIRTIO_NET_OK);
	assert_int_equal(r->n.active_pairs, 2);
	assert_int_equal(ctrl(r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 3),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 0),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(r, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 1),
			 VIRTIO_NET_ERR);
	assert_int_equal(r->n.active_pairs, 2);
	assert_int_equal(atomic_load(&r->n.ctrl_errs), 3);
	/* Pair 1 carries its own traffic. */
	tx_frame(r, 3, 0, 70, 11);
	assert_int_equal(virtio_net__poll(&r->n, 1), 1);
	assert_int_equal(host_recv(r, 1, buf, sizeof(buf)), HDR + 70);
	assert_true(host_idle(r, 0));
	rig_free(r);
}

/* A valid control chain longer than 16 descriptors (header and data, then
 * 17 one-byte writable buffers, the ack the last): served, not a broken
 * ring. */
static void test_ctrl_long_chain(void **state)
{
	struct rig *r = rig_up(2, BASE_FEATURES | BIT(VIRTIO_NET_F_CTRL_VQ) | BIT(VIRTIO_NET_F_MQ));
	struct drv_seg s[20];
	uint8_t *out = data(r, 0x8000);
	uint16_t pairs = 2;
	unsigned i, q = 2 * r->pairs;

	(void)state;
	out[0] = VIRTIO_NET_CTRL_MQ;
	out[1] = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
	memcpy(out + 2, &pairs, 2);
	s[0] = (struct drv_seg){ DATA_GPA + 0x8000, 1, false };
	s[1] = (struct drv_seg){ DATA_GPA + 0x8001, 1, false };
	s[2] = (struct drv_seg){ DATA_GPA + 0x8002, 2, false };
	for (i = 3; i < 20; i++)
		s[i] = (struct drv_seg){ DATA_GPA + 0x8100 + i, 1, true };
	*data(r, 0x8100 + 19) = 0xee;
	drv_chain(&r->d, q, s, 20);
	assert_int_equal(virtio_net__poll_ctrl(&r->n), 1);
	assert_int_equal(*data(r, 0x8100 + 19), VIRTIO_NET_OK);
	assert_int_equal(r->n.active_pairs, 2);
	assert_false(drv_status(&r->d) & VIRTIO_CONFIG_S_NEEDS_RESET);
	rig_free(r);
}

/* A ring the driver broke: DEVICE_NEEDS_RESET, nothing more served. */
static void test_broken_ring(void **state)
{
	struct rig *r = rig_up(1, BASE_FEATURES);

	(void)state;
	__atomic_store_n(&r->d.q[TX0].avail->idx, DRV_QSZ + 5, __ATOMIC_RELEASE);
	assert_int_equal(virtio_net__poll(&r->n, 0), -EPROTO);
	assert_true(drv_status(&r->d) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(virtio_net__poll(&r->n, 0), 0);
	assert_true(host_idle(r, 0));
	rig_free(r);
}

/* The I/O thread: a tx doorbell sends, a frame from the "TAP" lands. */
static void test_thread(void **state)
{
	struct rig *r = rig_new(1, true);
	uint8_t buf[256];
	unsigned i;

	(void)state;
	assert_int_equal(drv_up(&r->d, BASE_FEATURES | MRG),
			 DRV_S_ACK | DRV_S_DRIVER | DRV_S_FOK | DRV_S_DOK);
	rx_buf(r, RX0, 0, 256);
	(void)!eventfd_write(r->n.vp.q[RX0].kick_fd, 1);
	tx_frame(r, TX0, 0x1000, 80, 12);
	(void)!eventfd_write(r->n.vp.q[TX0].kick_fd, 1);
	assert_int_equal(host_recv(r, 0, buf, sizeof(buf)), HDR + 80);
	assert_true(payload_is(buf + HDR, 0, 80, 12));
	host_send(r, 0, 90, 13);
	/* Bounded wait for the thread's used entry. */
	for (i = 0; i < 5000 && !drv_used_pending(&r->d, RX0); i++)
		poll(NULL, 0, 1);
	assert_int_equal(drv_next_used(&r->d, RX0).len, HDR + 90);
	assert_true(payload_is(data(r, HDR), 0, 90, 13));
	assert_true(virtio_net__io_tid(&r->n, 0) > 0);
	drv_wr(&r->d, DRV_COMMON(STATUS), 1, 0);	/* reset stops the thread */
	assert_int_equal(virtio_net__io_tid(&r->n, 0), 0);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_features_config, cleanup),
		cmocka_unit_test(test_default_mac),
		cmocka_unit_test_teardown(test_tx, cleanup),
		cmocka_unit_test_teardown(test_tx_bad, cleanup),
		cmocka_unit_test_teardown(test_rx_single, cleanup),
		cmocka_unit_test_teardown(test_rx_merge, cleanup),
		cmocka_unit_test_teardown(test_rx_too_big, cleanup),
		cmocka_unit_test_teardown(test_rx_never_fits, cleanup),
		cmocka_unit_test_teardown(test_rx_bad, cleanup),
		cmocka_unit_test_teardown(test_rx_waits, cleanup),
		cmocka_unit_test_teardown(test_ctrl_mq, cleanup),
		cmocka_unit_test_teardown(test_ctrl_long_chain, cleanup),
		cmocka_unit_test_teardown(test_broken_ring, cleanup),
		cmocka_unit_test_teardown(test_thread, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
