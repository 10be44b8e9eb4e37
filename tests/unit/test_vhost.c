/*
 * The vhost core without /dev/vhost-*: the features offered (ring features
 * only where the kernel has them, vhost-only bits never), the memory table
 * built from gmem, the worker search on a fake /proc, and the whole ioctl
 * sequence of start and stop recorded through the ioctl seam, with a real
 * transport (irq seam without KVM) driven to DRIVER_OK like a guest driver:
 * features, regions, per vring size / base 0 / ring host addresses / kick =
 * the queue's ioeventfd / call = its vector's irqfd; the refusals (no
 * vector, no irq seam, a queue not enabled) before any ioctl; a failing
 * ioctl unbinding what was bound; open's errors.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_vsock.h>

#include "tests/unit/file_test_util.h"
#include "devices/virtio/vhost.h"
#include "vmm/util.h"

#define BIT(n)		(1ULL << (n))
#define RAM_GPA		0x100000ULL
#define RAM_SIZE	(1ULL << 20)
#define QSZ		64
#define NQ		3		/* like vsock: two vrings and one queue of ours */
#define BACKEND		BIT(27)		/* a backend-only bit (VHOST_NET_F_VIRTIO_NET_HDR) */

/* ------------------------------------------------------------- offer */

/* What Debian 6.1's vhost-vsock reports (VHOST_VSOCK_FEATURES). */
#define K61_VSOCK	(BIT(VIRTIO_F_NOTIFY_ON_EMPTY) | BIT(VIRTIO_RING_F_INDIRECT_DESC) |	\
			 BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VHOST_F_LOG_ALL) |			\
			 BIT(VIRTIO_F_ANY_LAYOUT) | BIT(VIRTIO_F_VERSION_1) |			\
			 BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_VSOCK_F_SEQPACKET))

static void test_offer(void **state)
{
	uint64_t dev = BIT(VIRTIO_VSOCK_F_SEQPACKET) | VHOST_RING_FEATURES;

	(void)state;
	assert_int_equal(vhost__offer(K61_VSOCK, dev),
			 BIT(VIRTIO_VSOCK_F_SEQPACKET) | BIT(VIRTIO_RING_F_INDIRECT_DESC) |
			 BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VIRTIO_F_VERSION_1));
	/* A kernel without EVENT_IDX or INDIRECT_DESC: not offered. */
	assert_int_equal(vhost__offer(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_VSOCK_F_SEQPACKET), dev),
			 BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_VSOCK_F_SEQPACKET));
	/* A device bit the kernel lacks: not offered. */
	assert_int_equal(vhost__offer(BIT(VIRTIO_F_VERSION_1), dev), BIT(VIRTIO_F_VERSION_1));
	/* vhost-only and transport bits never reach the guest, even if asked. */
	assert_int_equal(vhost__offer(K61_VSOCK, ~0ULL),
			 BIT(VIRTIO_VSOCK_F_SEQPACKET) | BIT(VIRTIO_RING_F_INDIRECT_DESC) |
			 BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VIRTIO_F_VERSION_1));
	/* virtio-net's high device bits (e.g. 63, SPEED_DUPLEX) pass. */
	assert_int_equal(vhost__offer(BIT(63) | BIT(0) | BIT(VIRTIO_F_VERSION_1), BIT(63) | BIT(0)),
			 BIT(63) | BIT(0));
}

/* --------------------------------------------------------- mem table */

static void test_mem_table(void **state)
{
	static uint8_t a[8192], b[4096];
	struct vhost_memory *t = calloc(1, sizeof(*t) + 4 * sizeof(t->regions[0]));
	struct gmem m;

	(void)state;
	assert_non_null(t);
	gmem__init(&m);
	assert_int_equal(gmem__add(&m, 0x100000000ULL, sizeof(b), b, 1), 0);
	assert_int_equal(gmem__add(&m, 0x1000, sizeof(a), a, 0), 0);
	assert_int_equal(vhost__mem_table(&m, t, 4), 2);
	assert_int_equal(t->nregions, 2);
	assert_int_equal(t->regions[0].guest_phys_addr, 0x1000);
	assert_int_equal(t->regions[0].memory_size, sizeof(a));
	assert_true(t->regions[0].userspace_addr == (uintptr_t)a);
	assert_int_equal(t->regions[1].guest_phys_addr, 0x100000000ULL);
	assert_int_equal(t->regions[1].memory_size, sizeof(b));
	assert_true(t->regions[1].userspace_addr == (uintptr_t)b);
	assert_int_equal(t->regions[1].flags_padding, 0);
	assert_int_equal(vhost__mem_table(&m, t, 1), -E2BIG);
	gmem__destroy(&m);
	free(t);
}

/* ------------------------------------------------------------ worker */

/* mkdir -p @root/@dir (@dir relative, '/'-separated). */
static void mkdirs(const char *root, const char *dir)
{
	char path[512];
	size_t i, n = snprintf(path, sizeof(path), "%s/%s", root, dir);

	for (i = strlen(root) + 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		if (i < n)
			path[i] = '/';
	}
}

static void put_comm(const char *root, const char *dir, const char *comm)
{
	char path[512], text[64];

	mkdirs(root, dir);
	snprintf(path, sizeof(path), "%s/%s/comm", root, dir);
	snprintf(text, sizeof(text), "%s\n", comm);
	test_write_bytes(path, text, strlen(text));
}

static bool has(const pid_t *ids, int n, pid_t id)
{
	while (n-- > 0)
		if (ids[n] == id)
			return true;
	return false;
}

static void test_find_workers(void **state)
{
	char root[] = "/tmp/mvmm-vhost-proc-XXXXXX";
	pid_t ids[8];
	int n;

	(void)state;
	assert_non_null(mkdtemp(root));
	put_comm(root, "123", "vhost-42");		/* a kernel thread (6.1) */
	put_comm(root, "124", "vhost-420");		/* another owner's */
	put_comm(root, "125", "bash");
	put_comm(root, "abc", "vhost-42");		/* not a process */
	put_comm(root, "self/task/77", "vhost-42");	/* a vhost_task of ours (6.4+) */
	put_comm(root, "self/task/78", "vcpu0");
	n = vhost__find_workers(root, 42, ids, ARRAY_SIZE(ids));
	assert_int_equal(n, 2);
	assert_true(has(ids, n, 123));
	assert_true(has(ids, n, 77));
	assert_int_equal(vhost__find_workers(root, 7, ids, ARRAY_SIZE(ids)), 0);
	/* Bounded by @max. */
	assert_int_equal(vhost__find_workers(root, 42, ids, 1), 1);
	assert_int_equal(test_rm_tree(root), 0);
	/* No such /proc at all: an error, not "no worker". */
	assert_true(vhost__find_workers("/nonexistent/proc/dir/", 42, ids, 8) <= 0);
}

/* ---------------------------------------------------- start and stop */

#define MAX_CALLS 64

struct call {
	unsigned long req;
	unsigned index, num;
	int fd;
	uint64_t u64;
	struct vhost_vring_addr addr;
	unsigned nregions;
	struct vhost_memory_region region[2];
};

struct rig {
	uint8_t *ram;
	struct gmem mem;
	struct irq irq;
	struct virtio_pci vp;
	struct vhost v;
	struct call calls[MAX_CALLS];
	unsigned ncalls;
	unsigned long fail_req;		/* this ioctl fails ... */
	unsigned fail_index;		/* ... on this vring */
	int start_ret;
};

static int rec_ioctl(void *opaque, int fd, unsigned long req, void *arg)
{
	struct rig *r = opaque;
	struct call *c;
	unsigned idx = 0;

	assert_int_equal(fd, 99);
	assert_true(r->ncalls < MAX_CALLS);
	c = &r->calls[r->ncalls++];
	memset(c, 0, sizeof(*c));
	c->req = req;
	switch (req) {
	case VHOST_SET_FEATURES:
		c->u64 = *(uint64_t *)arg;
		break;
	case VHOST_SET_MEM_TABLE: {
		const struct vhost_memory *m = arg;

		c->nregions = m->nregions;
		memcpy(c->region, m->regions, MIN(m->nregions, 2u) * sizeof(m->regions[0]));
		break;
	}
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
		idx = c->index = ((struct vhost_vring_state *)arg)->index;
		c->num = ((struct vhost_vring_state *)arg)->num;
		if (req == VHOST_GET_VRING_BASE)
			((struct vhost_vring_state *)arg)->num = 5;
		break;
	case VHOST_SET_VRING_ADDR:
		c->addr = *(struct vhost_vring_addr *)arg;
		idx = c->index = c->addr.index;
		break;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
		idx = c->index = ((struct vhost_vring_file *)arg)->index;
		c->fd = ((struct vhost_vring_file *)arg)->fd;
		break;
	default:
		fail_msg("unexpected ioctl %#lx", req);
	}
	return req == r->fail_req && idx == r->fail_index ? -EINVAL : 0;
}

static int vh_start(struct virtio_pci *vp)
{
	struct rig *r = vp->opaque;

	r->start_ret = vhost__start(&r->v, vp, BACKEND);
	return r->start_ret;
}

static void vh_stop(struct virtio_pci *vp)
{
	struct rig *r = vp->opaque;

	vhost__stop(&r->v);
}

static const struct virtio_pci_ops vh_ops = { .start = vh_start, .stop = vh_stop };

static int no_send(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
	return 0;
}

static void bar_wr(struct rig *r, unsigned reg, unsigned len, uint32_t v)
{
	virtio_pci__bar_access(&r->vp, VIRTIO_PCI_COMMON_OFF + reg, &v, len, true);
}

static uint8_t status(struct rig *r)
{
	uint32_t v = 0;

	virtio_pci__bar_access(&r->vp, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_STATUS, &v, 1,
			       false);
	return v;
}

static struct rig *rig_new(bool with_irq)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct virtio_pci_params p = {
		.name = "vh0", .device_type = 19, .class_code = 0xff0000,
		.features = BIT(VIRTIO_RING_F_EVENT_IDX), .nr_queues = NQ, .queue_size = 128,
		.devcfg_size = 8, .ops = &vh_ops, .send = no_send, .mem = NULL,
	};

	assert_non_null(r);
	r->ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(r->ram);
	memset(r->ram, 0, RAM_SIZE);
	gmem__init(&r->mem);
	assert_int_equal(gmem__add(&r->mem, RAM_GPA, RAM_SIZE, r->ram, 0), 0);
	p.mem = &r->mem;
	p.opaque = r;
	if (with_irq) {
		assert_int_equal(irq__init(&r->irq, -1, 4096), 0);
		p.irq = &r->irq;
	}
	assert_int_equal(virtio_pci__init(&r->vp, &p), 0);
	/* As vhost__open leaves it, on a fake fd. */
	r->v = (struct vhost){ .fd = 99, .name = "vh0", .features = ~0ULL, .first = 0, .nr = 2,
			       .ioctl = rec_ioctl, .ioctl_opaque = r };
	return r;
}

static void rig_free(struct rig *r, bool with_irq)
{
	virtio_pci__destroy(&r->vp);
	if (with_irq)
		irq__destroy(&r->irq);
	gmem__destroy(&r->mem);
	free(r->ram);
	free(r);
}

static uint64_t ring(unsigned q, unsigned which)
{
	return RAM_GPA + q * 0x4000 + which * 0x1000;
}

/* The driver: features, queues with vectors @vec[] (@enable), DRIVER_OK. */
static void driver(struct rig *r, const uint16_t *vec, const bool *enable)
{
	uint64_t f = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX);
	unsigned q;

	bar_wr(r, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	bar_wr(r, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	bar_wr(r, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	bar_wr(r, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
	bar_wr(r, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	bar_wr(r, VIRTIO_PCI_COMMON_GF, 4, f >> 32);
	bar_wr(r, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	       VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	for (q = 0; q < NQ; q++) {
		bar_wr(r, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
		bar_wr(r, VIRTIO_PCI_COMMON_Q_SIZE, 2, QSZ);
		bar_wr(r, VIRTIO_PCI_COMMON_Q_MSIX, 2, vec[q]);
		bar_wr(r, VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)ring(q, 0));
		bar_wr(r, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)ring(q, 1));
		bar_wr(r, VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)ring(q, 2));
		bar_wr(r, VIRTIO_PCI_COMMON_Q_ENABLE, 2, enable[q]);
	}
	bar_wr(r, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	       VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

static const struct call *expect(struct rig *r, unsigned *i, unsigned long req)
{
	assert_true(*i < r->ncalls);
	assert_int_equal(r->calls[*i].req, req);
	return &r->calls[(*i)++];
}

/* GET_VRING_BASE, KICK -1, CALL -1 for vring @v, from call *@i on. */
static void expect_stop(struct rig *r, unsigned *i, unsigned v)
{
	const struct call *c;

	c = expect(r, i, VHOST_GET_VRING_BASE);
	assert_int_equal(c->index, v);
	c = expect(r, i, VHOST_SET_VRING_KICK);
	assert_int_equal(c->index, v);
	assert_int_equal(c->fd, VHOST_FILE_UNBIND);
	c = expect(r, i, VHOST_SET_VRING_CALL);
	assert_int_equal(c->index, v);
	assert_int_equal(c->fd, VHOST_FILE_UNBIND);
}

static void test_start_stop(void **state)
{
	static const uint16_t vec[NQ] = { 2, 0, 1 };
	static const bool en[NQ] = { true, true, true };
	struct rig *r = rig_new(true);
	const struct call *c;
	unsigned i = 0, v;

	(void)state;
	driver(r, vec, en);
	assert_int_equal(r->start_ret, 0);
	assert_int_equal(status(r) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	c = expect(r, &i, VHOST_SET_FEATURES);
	assert_int_equal(c->u64, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX) | BACKEND);
	c = expect(r, &i, VHOST_SET_MEM_TABLE);
	assert_int_equal(c->nregions, 1);
	assert_int_equal(c->region[0].guest_phys_addr, RAM_GPA);
	assert_int_equal(c->region[0].memory_size, RAM_SIZE);
	assert_true(c->region[0].userspace_addr == (uintptr_t)r->ram);
	for (v = 0; v < 2; v++) {
		c = expect(r, &i, VHOST_SET_VRING_NUM);
		assert_int_equal(c->index, v);
		assert_int_equal(c->num, QSZ);
		c = expect(r, &i, VHOST_SET_VRING_BASE);
		assert_int_equal(c->index, v);
		assert_int_equal(c->num, 0);
		c = expect(r, &i, VHOST_SET_VRING_ADDR);
		assert_int_equal(c->index, v);
		assert_true(c->addr.desc_user_addr == (uintptr_t)(r->ram + ring(v, 0) - RAM_GPA));
		assert_true(c->addr.avail_user_addr == (uintptr_t)(r->ram + ring(v, 1) - RAM_GPA));
		assert_true(c->addr.used_user_addr == (uintptr_t)(r->ram + ring(v, 2) - RAM_GPA));
		assert_int_equal(c->addr.flags, 0);
		c = expect(r, &i, VHOST_SET_VRING_KICK);
		assert_int_equal(c->index, v);
		assert_true(c->fd >= 0);
		assert_int_equal(c->fd, r->vp.q[v].kick_fd);
		c = expect(r, &i, VHOST_SET_VRING_CALL);
		assert_int_equal(c->index, v);
		assert_true(c->fd >= 0);
		assert_int_equal(c->fd, r->vp.irqfd[vec[v]].fd);
	}
	assert_int_equal(i, r->ncalls);	/* queue 2 stays ours */

	/* Reset: every vring stopped and unbound; the next start sets all again. */
	bar_wr(r, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	expect_stop(r, &i, 0);
	expect_stop(r, &i, 1);
	assert_int_equal(i, r->ncalls);
	r->ncalls = i = 0;
	driver(r, vec, en);
	assert_int_equal(r->start_ret, 0);
	expect(r, &i, VHOST_SET_FEATURES);
	expect(r, &i, VHOST_SET_MEM_TABLE);
	assert_int_equal(r->ncalls, 2 + 2 * 5);
	rig_free(r, true);
}

/* A vring at a later queue index (vhost-net's second pair). */
static void test_first(void **state)
{
	static const uint16_t vec[NQ] = { 0, 1, 2 };
	static const bool en[NQ] = { true, true, true };
	struct rig *r = rig_new(true);
	unsigned i = 2;

	(void)state;
	r->v.first = 1;
	driver(r, vec, en);
	assert_int_equal(r->start_ret, 0);
	/* vring 0 is queue 1, vring 1 queue 2. */
	i += 3;
	assert_int_equal(r->calls[i].req, VHOST_SET_VRING_KICK);
	assert_int_equal(r->calls[i].index, 0);
	assert_int_equal(r->calls[i].fd, r->vp.q[1].kick_fd);
	assert_int_equal(r->calls[i + 1].fd, r->vp.irqfd[1].fd);
	assert_int_equal(r->calls[i + 5].fd, r->vp.q[2].kick_fd);
	assert_int_equal(r->calls[i + 6].fd, r->vp.irqfd[2].fd);
	assert_true(r->calls[i - 1].addr.desc_user_addr ==
		    (uintptr_t)(r->ram + ring(1, 0) - RAM_GPA));
	rig_free(r, true);
}

static void test_refusals(void **state)
{
	static const uint16_t vec[NQ] = { 0, 1, 2 };
	static const uint16_t novec[NQ] = { 0, VIRTIO_NO_VECTOR, 2 };
	static const bool en[NQ] = { true, true, true };
	static const bool half[NQ] = { true, false, true };
	struct rig *r;

	(void)state;
	/* A queue without an MSI-X vector: no irqfd to signal. */
	r = rig_new(true);
	driver(r, novec, en);
	assert_int_equal(r->start_ret, -EINVAL);
	assert_int_equal(r->ncalls, 0);
	assert_true(status(r) & VIRTIO_CONFIG_S_NEEDS_RESET);
	rig_free(r, true);

	/* A queue the driver did not enable. */
	r = rig_new(true);
	driver(r, vec, half);
	assert_int_equal(r->start_ret, -EINVAL);
	assert_int_equal(r->ncalls, 0);
	rig_free(r, true);

	/* No irq seam (no irqfds at all). */
	r = rig_new(false);
	driver(r, vec, en);
	assert_int_equal(r->start_ret, -EOPNOTSUPP);
	assert_int_equal(r->ncalls, 0);
	assert_true(status(r) & VIRTIO_CONFIG_S_NEEDS_RESET);
	rig_free(r, false);
}

/* A failing ioctl half-way: what was bound is unbound again. */
static void test_start_fails(void **state)
{
	static const uint16_t vec[NQ] = { 0, 1, 2 };
	static const bool en[NQ] = { true, true, true };
	struct rig *r = rig_new(true);
	unsigned i;

	(void)state;
	r->fail_req = VHOST_SET_VRING_ADDR;
	r->fail_index = 1;
	driver(r, vec, en);
	assert_int_equal(r->start_ret, -EINVAL);
	assert_true(status(r) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* features, mem, vring 0 (5), vring 1 NUM, BASE, ADDR: then the stops. */
	i = 2 + 5 + 3;
	assert_int_equal(r->calls[i - 1].req, VHOST_SET_VRING_ADDR);
	expect_stop(r, &i, 0);
	expect_stop(r, &i, 1);
	assert_int_equal(i, r->ncalls);
	/* The device never started: a reset stops nothing more. */
	bar_wr(r, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(i, r->ncalls);
	rig_free(r, true);
}

static void test_open_errors(void **state)
{
	struct vhost v;

	(void)state;
	assert_int_equal(vhost__open(&v, "x", "/nonexistent/vhost-vsock", 0, 2), -ENOENT);
	assert_int_equal(v.fd, -1);
	/* Not a vhost device: SET_OWNER fails, nothing stays open. */
	assert_int_equal(vhost__open(&v, "x", "/dev/null", 0, 2), -ENOTTY);
	assert_int_equal(v.fd, -1);
	assert_int_equal(vhost__open(&v, "x", "/dev/null", 0, 0), -EINVAL);
	assert_int_equal(vhost__open(&v, "x", "/dev/null", 0, VHOST_MAX_VRINGS + 1), -EINVAL);
	/* Pinning needs a worker. */
	v = (struct vhost){ .fd = -1 };
	{
		struct idset s;

		idset__clear(&s);
		assert_int_equal(vhost__pin_worker(&v, &s), 0);
		idset__add(&s, 0);
		assert_int_equal(vhost__pin_worker(&v, &s), -ESRCH);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer),
		cmocka_unit_test(test_mem_table),
		cmocka_unit_test(test_find_workers),
		cmocka_unit_test(test_start_stop),
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_start_fails),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
