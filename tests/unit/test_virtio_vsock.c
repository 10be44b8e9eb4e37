/*
 * virtio-vsock without /dev/vhost-vsock: open's one-line errors, the PCI
 * identity, features (ring features and SEQPACKET only where the kernel has
 * them), the CID in device configuration, and the vhost-vsock ioctls in
 * order through the vhost ioctl seam: at DRIVER_OK the vrings then
 * SET_RUNNING 1 (the event queue stays ours), at reset SET_RUNNING 0 before
 * the rings are taken back; a failing SET_RUNNING leaves nothing bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_vsock.h>

#include "devices/virtio/vsock.h"
#include "vmm/util.h"

#define BIT(n)		(1ULL << (n))
#define RAM_GPA		0x100000ULL
#define RAM_SIZE	(1ULL << 20)
#define K61		(BIT(VIRTIO_F_NOTIFY_ON_EMPTY) | BIT(VIRTIO_RING_F_INDIRECT_DESC) |	\
			 BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VHOST_F_LOG_ALL) |			\
			 BIT(VIRTIO_F_ANY_LAYOUT) | BIT(VIRTIO_F_VERSION_1) |			\
			 BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_VSOCK_F_SEQPACKET))

struct rig {
	uint8_t *ram;
	struct gmem mem;
	struct irq irq;
	struct virtio_vsock s;
	unsigned long req[64];
	int running[64];		/* SET_RUNNING's argument */
	unsigned n;
	bool fail_running;
	int fd;				/* /dev/null: what vhost__close closes */
};

static int rec(void *opaque, int fd, unsigned long req, void *arg)
{
	struct rig *r = opaque;

	assert_int_equal(fd, r->fd);
	assert_true(r->n < ARRAY_SIZE(r->req));
	r->running[r->n] = req == VHOST_VSOCK_SET_RUNNING ? *(int *)arg : -1;
	r->req[r->n++] = req;
	return req == VHOST_VSOCK_SET_RUNNING && r->fail_running ? -EIO : 0;
}

static int no_send(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
	return 0;
}

static struct rig *rig_new(uint64_t kernel)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct virtio_vsock_params p = { .name = "vsock", .send = no_send };

	assert_non_null(r);
	r->ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(r->ram);
	memset(r->ram, 0, RAM_SIZE);
	gmem__init(&r->mem);
	assert_int_equal(gmem__add(&r->mem, RAM_GPA, RAM_SIZE, r->ram, 0), 0);
	assert_int_equal(irq__init(&r->irq, -1, 4096), 0);
	p.mem = &r->mem;
	p.irq = &r->irq;
	/* As virtio_vsock__open leaves it, on a fake vhost fd. */
	r->s.cid = 42;
	r->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(r->fd >= 0);
	r->s.vhost = (struct vhost){ .fd = r->fd, .name = "vsock", .features = kernel, .first = 0,
				     .nr = 2, .ioctl = rec, .ioctl_opaque = r };
	assert_int_equal(virtio_vsock__init(&r->s, &p), 0);
	return r;
}

static void rig_free(struct rig *r)
{
	virtio_vsock__destroy(&r->s);	/* closes r->fd */
	assert_int_equal(r->s.vhost.fd, -1);
	irq__destroy(&r->irq);
	gmem__destroy(&r->mem);
	free(r->ram);
	free(r);
}

static uint32_t rd(struct rig *r, uint64_t off, unsigned len)
{
	uint32_t v = 0;

	virtio_pci__bar_access(&r->s.vp, off, &v, len, false);
	return v;
}

static void wr(struct rig *r, unsigned reg, unsigned len, uint32_t v)
{
	virtio_pci__bar_access(&r->s.vp, VIRTIO_PCI_COMMON_OFF + reg, &v, len, true);
}

static uint64_t offered(struct rig *r)
{
	uint64_t f;

	wr(r, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	f = rd(r, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_DF, 4);
	wr(r, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	return f | (uint64_t)rd(r, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_DF, 4) << 32;
}

#define S_UP	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK)

static void driver_up(struct rig *r)
{
	uint64_t f = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX);
	unsigned q;

	wr(r, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	wr(r, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(r, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	wr(r, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
	wr(r, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	wr(r, VIRTIO_PCI_COMMON_GF, 4, f >> 32);
	wr(r, VIRTIO_PCI_COMMON_STATUS, 1, S_UP);
	for (q = 0; q < 3; q++) {
		wr(r, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
		wr(r, VIRTIO_PCI_COMMON_Q_SIZE, 2, 64);
		wr(r, VIRTIO_PCI_COMMON_Q_MSIX, 2, q);
		wr(r, VIRTIO_PCI_COMMON_Q_DESCLO, 4, RAM_GPA + q * 0x4000);
		wr(r, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, RAM_GPA + q * 0x4000 + 0x1000);
		wr(r, VIRTIO_PCI_COMMON_Q_USEDLO, 4, RAM_GPA + q * 0x4000 + 0x2000);
		wr(r, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	}
	wr(r, VIRTIO_PCI_COMMON_STATUS, 1, S_UP | VIRTIO_CONFIG_S_DRIVER_OK);
}

static uint8_t status(struct rig *r)
{
	return rd(r, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_STATUS, 1);
}

static void test_open_errors(void **state)
{
	struct virtio_vsock s;
	struct virtio_vsock_params p = { .send = no_send };
	char err[256];

	(void)state;
	assert_int_equal(virtio_vsock__open(&s, "/nonexistent/vhost-vsock", 3, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/vhost-vsock: No such file or directory (load the module: modprobe vhost_vsock)");
	assert_int_equal(s.vhost.fd, -1);
	assert_int_equal(virtio_vsock__open(&s, "/dev/null", 3, err, sizeof(err)), -ENOTTY);
	assert_string_equal(err, "/dev/null: not a usable vhost-vsock device: Inappropriate ioctl for device");
	assert_int_equal(s.vhost.fd, -1);
	/* No PCI function without the host side. */
	assert_int_equal(virtio_vsock__init(&s, &p), -EBADF);
	virtio_vsock__destroy(&s);
}

static void test_identity(void **state)
{
	struct rig *r = rig_new(K61);
	uint64_t cid = 0;

	(void)state;
	assert_int_equal(pci__get16(&r->s.vp.pci, PCI_VENDOR_ID), 0x1af4);
	assert_int_equal(pci__get16(&r->s.vp.pci, PCI_DEVICE_ID), 0x1040 + 19);
	assert_int_equal(pci__get32(&r->s.vp.pci, PCI_CLASS_REVISION) >> 8, 0x078000);
	assert_int_equal(rd(r, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_NUMQ, 2), 3);
	assert_int_equal(offered(r), BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX) |
			 BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_VSOCK_F_SEQPACKET));
	cid = rd(r, VIRTIO_PCI_DEVCFG_OFF, 4) | (uint64_t)rd(r, VIRTIO_PCI_DEVCFG_OFF + 4, 4) << 32;
	assert_int_equal(cid, 42);
	/* Read-only: a driver write changes nothing. */
	{
		uint32_t v = 7;

		virtio_pci__bar_access(&r->s.vp, VIRTIO_PCI_DEVCFG_OFF, &v, 4, true);
	}
	assert_int_equal(rd(r, VIRTIO_PCI_DEVCFG_OFF, 4), 42);
	rig_free(r);

	/* A kernel without SEQPACKET or EVENT_IDX: the guest is not offered them. */
	r = rig_new(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_INDIRECT_DESC));
	assert_int_equal(offered(r), BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_INDIRECT_DESC));
	rig_free(r);
}

static void test_running(void **state)
{
	struct rig *r = rig_new(K61);
	unsigned i;

	(void)state;
	driver_up(r);
	assert_int_equal(status(r), S_UP | VIRTIO_CONFIG_S_DRIVER_OK);
	/* SET_FEATURES, SET_MEM_TABLE, 5 per vring (2), then running. */
	assert_int_equal(r->n, 2 + 2 * 5 + 1);
	assert_int_equal(r->req[0], VHOST_SET_FEATURES);
	assert_int_equal(r->req[12], VHOST_VSOCK_SET_RUNNING);
	assert_int_equal(r->running[12], 1);
	for (i = 0; i < 12; i++)
		assert_int_not_equal(r->req[i], VHOST_VSOCK_SET_RUNNING);
	/* Reset: stop running first, then the rings come back. */
	r->n = 0;
	wr(r, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(r->n, 1 + 2 * 3);
	assert_int_equal(r->req[0], VHOST_VSOCK_SET_RUNNING);
	assert_int_equal(r->running[0], 0);
	assert_int_equal(r->req[1], VHOST_GET_VRING_BASE);
	assert_int_equal(r->req[4], VHOST_GET_VRING_BASE);
	/* And up again: everything set again. */
	r->n = 0;
	driver_up(r);
	assert_int_equal(r->n, 13);
	assert_int_equal(r->running[12], 1);
	rig_free(r);
}

static void test_running_fails(void **state)
{
	struct rig *r = rig_new(K61);

	(void)state;
	r->fail_running = true;
	driver_up(r);
	assert_true(status(r) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* ... SET_RUNNING 1 failed, then both vrings stopped and unbound. */
	assert_int_equal(r->n, 13 + 2 * 3);
	assert_int_equal(r->req[13], VHOST_GET_VRING_BASE);
	assert_int_equal(r->req[16], VHOST_GET_VRING_BASE);
	/* Never started: a reset sends nothing. */
	r->n = 0;
	wr(r, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(r->n, 0);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_running_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
