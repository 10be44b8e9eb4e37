/*
 * Split virtqueue, device side, against a fake guest RAM (1 MiB at
 * RAM_GPA, so gpa 0 and everything past the end are outside RAM): ring
 * mapping checks, direct and indirect chains into iovecs, every broken
 * ring (-EPROTO, and no hang on a loop) and every bad buffer (-EFAULT
 * with the head, the queue goes on), 16-bit index wrap, used ring
 * updates, interrupt suppression with and without EVENT_IDX, arming, and
 * the iovec copy helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/virtio/virtqueue.h"
#include "vmm/util.h"

#define RAM_GPA		0x100000ULL
#define RAM_SIZE	(1ULL << 20)
#define RAM_END		(RAM_GPA + RAM_SIZE)
#define QSZ		8
#define DESC_GPA	(RAM_GPA + 0x0000)
#define AVAIL_GPA	(RAM_GPA + 0x1000)
#define USED_GPA	(RAM_GPA + 0x2000)
#define IND_GPA		(RAM_GPA + 0x4000)	/* indirect tables */
#define BUF_GPA		(RAM_GPA + 0x10000)	/* data buffers */

#define R		0			/* device-readable */
#define W		VRING_DESC_F_WRITE
#define NEXT		VRING_DESC_F_NEXT
#define IND		VRING_DESC_F_INDIRECT

struct rig {
	uint8_t *ram;
	struct gmem mem;
	struct virtqueue vq;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;		/* the driver's next avail index */
	struct iovec iov[VQ_MAX_INDIRECT];
	struct vq_chain c;
};

static void *host(struct rig *r, uint64_t gpa)
{
	return r->ram + (gpa - RAM_GPA);
}

/* A queue of @size at the usual place, not yet enabled. */
static void layout(struct rig *r, uint16_t size)
{
	vq__reset(&r->vq);
	r->vq.size = size;
	r->vq.desc_gpa = DESC_GPA;
	r->vq.avail_gpa = AVAIL_GPA;
	r->vq.used_gpa = USED_GPA;
}

static int setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(r->ram);
	memset(r->ram, 0, RAM_SIZE);
	gmem__init(&r->mem);
	assert_int_equal(gmem__add(&r->mem, RAM_GPA, RAM_SIZE, r->ram, 0), 0);
	r->desc = host(r, DESC_GPA);
	r->avail = host(r, AVAIL_GPA);
	r->used = host(r, USED_GPA);
	r->c.iov = r->iov;
	r->c.max = ARRAY_SIZE(r->iov);
	layout(r, QSZ);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;

	gmem__destroy(&r->mem);
	free(r->ram);
	free(r);
	return 0;
}

/* setup + an enabled queue of QSZ; @event_idx as negotiated. */
static struct rig *ready(void **state, bool event_idx)
{
	struct rig *r = *state;

	assert_int_equal(vq__enable(&r->vq, &r->mem, event_idx), 0);
	assert_true(r->vq.ready);
	return r;
}

static void set_desc(struct vring_desc *tab, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	tab[i] = (struct vring_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* The driver makes chain @head available. */
static void offer(struct rig *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % r->vq.size] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

static int pop(struct rig *r)
{
	return vq__pop(&r->vq, &r->c);
}

/* Driver and device indices both at @idx, as after that many requests. */
static void start_at(struct rig *r, uint16_t idx)
{
	r->vq.last_avail = r->vq.used_idx = idx;
	r->avail_idx = idx;
	r->avail->idx = idx;
	r->used->idx = idx;
}

static uint16_t *used_event(struct rig *r)
{
	return &r->avail->ring[r->vq.size];
}

static uint16_t *avail_event(struct rig *r)
{
	return (uint16_t *)&r->used->ring[r->vq.size];
}

/* ------------------------------------------------------------- enable */

static void test_enable_rejects_size(void **state)
{
	static const uint16_t bad[] = { 0, 3, 6, 100, 1023, 2048, 0x8000 };
	struct rig *r = *state;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		layout(r, bad[i]);
		assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EINVAL);
		assert_false(r->vq.ready);
	}
	/* The limits themselves are fine. */
	layout(r, 1);
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), 0);
	layout(r, VQ_MAX_SIZE);
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), 0);
	assert_ptr_equal(r->vq.desc, r->desc);
	assert_ptr_equal(r->vq.avail, r->avail);
	assert_ptr_equal(r->vq.used, r->used);
}

static void test_enable_rejects_alignment(void **state)
{
	struct rig *r = *state;

	layout(r, QSZ);
	r->vq.desc_gpa = DESC_GPA + 8;		/* descriptors: 16 */
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	layout(r, QSZ);
	r->vq.avail_gpa = AVAIL_GPA + 1;	/* avail: 2 */
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	layout(r, QSZ);
	r->vq.used_gpa = USED_GPA + 2;		/* used: 4 */
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	assert_false(r->vq.ready);
	/* The minimum alignments are enough. */
	layout(r, QSZ);
	r->vq.desc_gpa = DESC_GPA + 16;
	r->vq.avail_gpa = AVAIL_GPA + 2;
	r->vq.used_gpa = USED_GPA + 4;
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), 0);
}

static void test_enable_rejects_outside_ram(void **state)
{
	struct rig *r = *state;

	layout(r, QSZ);
	r->vq.desc_gpa = 0;
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	assert_false(r->vq.ready);
	assert_null(r->vq.desc);
	/* Each ring straddling the end of RAM by its last bytes. */
	layout(r, QSZ);
	r->vq.desc_gpa = RAM_END - 16 * QSZ + 16;
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	layout(r, QSZ);
	r->vq.avail_gpa = RAM_END - (6 + 2 * QSZ) + 2;	/* used_event out */
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	layout(r, QSZ);
	r->vq.used_gpa = RAM_END - (6 + 8 * QSZ) + 2;	/* avail_event out, 4-aligned */
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	assert_null(r->vq.desc);
	assert_null(r->vq.avail);
	assert_null(r->vq.used);
	layout(r, QSZ);
	r->vq.used_gpa = RAM_END;
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), -EFAULT);
	/* Exactly at the end is inside. */
	layout(r, QSZ);
	r->vq.desc_gpa = RAM_END - 16 * QSZ;
	r->vq.avail_gpa = RAM_END - 16 * QSZ - (6 + 2 * QSZ);
	assert_int_equal(vq__enable(&r->vq, &r->mem, false), 0);
}

static void test_reset_keeps_size(void **state)
{
	struct rig *r = ready(state, true);

	r->vq.last_avail = 5;
	vq__reset(&r->vq);
	assert_int_equal(r->vq.size, QSZ);
	assert_false(r->vq.ready);
	assert_false(r->vq.event_idx);
	assert_int_equal(r->vq.last_avail, 0);
	assert_int_equal(r->vq.desc_gpa, 0);
	/* A queue that is not ready pops nothing and never wants a kick. */
	offer(r, 0);
	assert_int_equal(pop(r), 0);
	assert_false(vq__arm(&r->vq));
}

/* ---------------------------------------------------------------- pop */

static void test_pop_simple(void **state)
{
	struct rig *r = ready(state, false);

	/* Not consecutive, not starting at 0: the ring says where. */
	set_desc(r->desc, 5, BUF_GPA, 16, R | NEXT, 2);
	set_desc(r->desc, 2, BUF_GPA + 0x100, 100, W, 7);	/* next ignored without NEXT */
	offer(r, 5);
	assert_int_equal(pop(r), 1);
	assert_int_equal(r->c.head, 5);
	assert_int_equal(r->c.nr, 2);
	assert_int_equal(r->c.nr_out, 1);
	assert_int_equal(r->c.len_out, 16);
	assert_int_equal(r->c.len_in, 100);
	assert_ptr_equal(r->iov[0].iov_base, host(r, BUF_GPA));
	assert_int_equal(r->iov[0].iov_len, 16);
	assert_ptr_equal(r->iov[1].iov_base, host(r, BUF_GPA + 0x100));
	assert_int_equal(r->iov[1].iov_len, 100);
	assert_int_equal(r->vq.last_avail, 1);
	assert_int_equal(pop(r), 0);
}

static void test_pop_several(void **state)
{
	struct rig *r = ready(state, false);
	unsigned i;

	/* Three single-descriptor chains, popped in ring order. */
	for (i = 0; i < 3; i++) {
		set_desc(r->desc, i, BUF_GPA + 0x1000 * i, 8 + i, i == 1 ? W : R, 0);
		offer(r, 2 - i);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(pop(r), 1);
		assert_int_equal(r->c.head, 2 - i);
		assert_int_equal(r->c.nr, 1);
		assert_int_equal(r->c.nr_out, 2 - i == 1 ? 0 : 1);
		assert_int_equal(r->c.len_out + r->c.len_in, 8 + 2 - i);
	}
	assert_int_equal(pop(r), 0);
}

static void test_pop_empty(void **state)
{
	struct rig *r = ready(state, false);

	assert_int_equal(pop(r), 0);
	assert_int_equal(r->c.nr, 0);
	assert_int_equal(r->vq.last_avail, 0);
}

static void test_pop_indirect(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);

	/* Table order is the NEXT order, not the array order. */
	set_desc(tab, 0, BUF_GPA, 16, R | NEXT, 2);
	set_desc(tab, 2, BUF_GPA + 0x100, 512, R | NEXT, 1);
	set_desc(tab, 1, BUF_GPA + 0x400, 1, W, 0);
	set_desc(r->desc, 3, IND_GPA, 3 * 16, IND, 0);
	offer(r, 3);
	assert_int_equal(pop(r), 1);
	assert_int_equal(r->c.head, 3);
	assert_int_equal(r->c.nr, 3);
	assert_int_equal(r->c.nr_out, 2);
	assert_int_equal(r->c.len_out, 528);
	assert_int_equal(r->c.len_in, 1);
	assert_ptr_equal(r->iov[1].iov_base, host(r, BUF_GPA + 0x100));
	assert_ptr_equal(r->iov[2].iov_base, host(r, BUF_GPA + 0x400));
	assert_int_equal(pop(r), 0);
}

/* A table bigger than the queue: indirect chains may be longer. */
static void test_pop_indirect_long(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);
	unsigned i, n = 40;

	for (i = 0; i < n; i++)
		set_desc(tab, i, BUF_GPA + 16 * i, 16, (i < 30 ? R : W) | (i + 1 < n ? NEXT : 0),
			 i + 1);
	set_desc(r->desc, 0, IND_GPA, n * 16, IND, 0);
	offer(r, 0);
	assert_int_equal(pop(r), 1);
	assert_int_equal(r->c.nr, n);
	assert_int_equal(r->c.nr_out, 30);
	assert_int_equal(r->c.len_in, 10 * 16);
}

/* --------------------------------------------------- broken rings */

static void test_avail_too_far_ahead(void **state)
{
	struct rig *r = ready(state, false);
	unsigned i;

	set_desc(r->desc, 0, BUF_GPA, 1, R, 0);
	/* A full ring is legal: size entries ahead. */
	for (i = 0; i < QSZ; i++)
		offer(r, 0);
	for (i = 0; i < QSZ; i++)
		assert_int_equal(pop(r), 1);
	assert_int_equal(pop(r), 0);
	/* One more than the ring holds. */
	r->avail->idx = r->vq.last_avail + QSZ + 1;
	assert_int_equal(pop(r), -EPROTO);
	/* The driver going backwards looks the same. */
	r->avail->idx = r->vq.last_avail - 1;
	assert_int_equal(pop(r), -EPROTO);
}

static void test_head_out_of_range(void **state)
{
	struct rig *r = ready(state, false);

	offer(r, QSZ);
	assert_int_equal(pop(r), -EPROTO);
	assert_int_equal(r->vq.last_avail, 0);	/* refused before consuming */
	r->avail->ring[0] = 0xffff;
	assert_int_equal(pop(r), -EPROTO);
	/* The last index is fine. */
	set_desc(r->desc, QSZ - 1, BUF_GPA, 1, R, 0);
	r->avail->ring[0] = QSZ - 1;
	assert_int_equal(pop(r), 1);
}

static void test_next_out_of_range(void **state)
{
	struct rig *r = ready(state, false);

	set_desc(r->desc, 0, BUF_GPA, 16, R | NEXT, QSZ);
	offer(r, 0);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_loop(void **state)
{
	struct rig *r = ready(state, false);

	/* a -> b -> a: without a step limit this never ends. */
	set_desc(r->desc, 1, BUF_GPA, 16, R | NEXT, 4);
	set_desc(r->desc, 4, BUF_GPA + 16, 16, R | NEXT, 1);
	offer(r, 1);
	assert_int_equal(pop(r), -EPROTO);
	/* A descriptor pointing at itself. */
	set_desc(r->desc, 6, BUF_GPA, 16, W | NEXT, 6);
	offer(r, 6);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_chain_longer_than_queue(void **state)
{
	struct rig *r = ready(state, false);
	unsigned i;

	/* Exactly QSZ descriptors: the longest legal chain. */
	for (i = 0; i < QSZ; i++)
		set_desc(r->desc, i, BUF_GPA + 16 * i, 16, R | (i + 1 < QSZ ? NEXT : 0), i + 1);
	offer(r, 0);
	assert_int_equal(pop(r), 1);
	assert_int_equal(r->c.nr, QSZ);
	/* One more must revisit a descriptor. */
	set_desc(r->desc, QSZ - 1, BUF_GPA, 16, R | NEXT, 0);
	offer(r, 0);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_chain_longer_than_iov(void **state)
{
	struct rig *r = ready(state, false);
	unsigned i;

	for (i = 0; i < 5; i++)
		set_desc(r->desc, i, BUF_GPA + 16 * i, 16, R | (i < 4 ? NEXT : 0), i + 1);
	offer(r, 0);
	offer(r, 0);
	r->c.max = 5;
	assert_int_equal(pop(r), 1);
	/* The caller's array is the limit too: never written past. */
	r->c.max = 4;
	assert_int_equal(pop(r), -EPROTO);
}

static void test_indirect_loop(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);

	set_desc(tab, 0, BUF_GPA, 16, R | NEXT, 1);
	set_desc(tab, 1, BUF_GPA, 16, R | NEXT, 0);
	set_desc(r->desc, 0, IND_GPA, 2 * 16, IND, 0);
	offer(r, 0);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_indirect_next_out_of_table(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);

	/* Index 2 is inside the queue but not inside a 2-entry table. */
	set_desc(tab, 0, BUF_GPA, 16, R | NEXT, 2);
	set_desc(tab, 2, BUF_GPA, 16, R, 0);
	set_desc(r->desc, 0, IND_GPA, 2 * 16, IND, 0);
	offer(r, 0);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_indirect_nested(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA), *tab2 = host(r, IND_GPA + 0x100);

	set_desc(tab2, 0, BUF_GPA, 16, R, 0);
	set_desc(tab, 0, BUF_GPA, 16, R | NEXT, 1);
	set_desc(tab, 1, IND_GPA + 0x100, 16, IND, 0);
	set_desc(r->desc, 0, IND_GPA, 2 * 16, IND, 0);
	offer(r, 0);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_indirect_with_next(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);

	set_desc(tab, 0, BUF_GPA, 16, R, 0);
	set_desc(r->desc, 0, IND_GPA, 16, IND | NEXT, 1);
	set_desc(r->desc, 1, BUF_GPA, 16, W, 0);
	offer(r, 0);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_indirect_after_direct(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);

	/* A table is the chain's only descriptor (virtqueue.h). */
	set_desc(tab, 0, BUF_GPA, 16, W, 0);
	set_desc(r->desc, 0, BUF_GPA, 16, R | NEXT, 1);
	set_desc(r->desc, 1, IND_GPA, 16, IND, 0);
	offer(r, 0);
	assert_int_equal(pop(r), -EPROTO);
}

static void test_indirect_bad_table(void **state)
{
	static const struct { uint64_t addr; uint32_t len; } bad[] = {
		{ IND_GPA, 24 },			/* not a multiple of 16 */
		{ IND_GPA, 8 },
		{ IND_GPA, 0 },
		{ 0, 16 },				/* outside RAM */
		{ RAM_END - 16, 32 },			/* runs past the end */
		{ IND_GPA, (VQ_MAX_INDIRECT + 1) * 16 },	/* more than a table holds */
	};
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);
	unsigned i;

	for (i = 0; i < VQ_MAX_INDIRECT + 1; i++)
		set_desc(tab, i, BUF_GPA, 16, R, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		set_desc(r->desc, 0, bad[i].addr, bad[i].len, IND, 0);
		offer(r, 0);
		assert_int_equal(pop(r), -EPROTO);
	}
	/* The same table with a sane length pops. */
	set_desc(r->desc, 0, IND_GPA, 16, IND, 0);
	offer(r, 0);
	assert_int_equal(pop(r), 1);
	assert_int_equal(r->c.nr, 1);
}

/* ---------------------------------------------------- bad buffers */

/* -EFAULT leaves the ring usable: the next chain pops normally. */
static void expect_fault_then_ok(struct rig *r, uint16_t head)
{
	offer(r, head);
	set_desc(r->desc, QSZ - 1, BUF_GPA, 16, R, 0);
	offer(r, QSZ - 1);
	assert_int_equal(pop(r), -EFAULT);
	assert_int_equal(r->c.head, head);
	assert_int_equal(pop(r), 1);
	assert_int_equal(r->c.head, QSZ - 1);
	assert_int_equal(pop(r), 0);
}

static void test_buffer_outside_ram(void **state)
{
	struct rig *r = ready(state, false);

	set_desc(r->desc, 2, BUF_GPA, 16, R | NEXT, 3);
	set_desc(r->desc, 3, 0x1000, 512, W | NEXT, 4);	/* below RAM */
	set_desc(r->desc, 4, BUF_GPA + 16, 1, W, 0);
	expect_fault_then_ok(r, 2);
	set_desc(r->desc, 3, RAM_END - 256, 512, W | NEXT, 4);	/* straddles the end */
	expect_fault_then_ok(r, 2);
	set_desc(r->desc, 3, UINT64_MAX - 15, 512, W | NEXT, 4);	/* wraps */
	expect_fault_then_ok(r, 2);
}

/* A buffer that runs from one RAM region into the adjacent next one (one
 * guest node's RAM into the next) is one descriptor, two iovecs. */
static void test_buffer_across_regions(void **state)
{
	struct rig *r = ready(state, false);
	uint8_t *next = calloc(1, 0x10000);

	assert_non_null(next);
	assert_int_equal(gmem__add(&r->mem, RAM_END, 0x10000, next, 1), 0);
	set_desc(r->desc, 2, BUF_GPA, 16, R | NEXT, 3);
	set_desc(r->desc, 3, RAM_END - 256, 512, W | NEXT, 4);
	set_desc(r->desc, 4, BUF_GPA + 16, 1, W, 0);
	offer(r, 2);
	assert_int_equal(pop(r), 1);
	assert_int_equal(r->c.nr, 4);
	assert_int_equal(r->c.nr_out, 1);
	assert_int_equal(r->c.len_in, 513);
	assert_ptr_equal(r->c.iov[1].iov_base, r->ram + RAM_SIZE - 256);
	assert_int_equal(r->c.iov[1].iov_len, 256);
	assert_ptr_equal(r->c.iov[2].iov_base, next);
	assert_int_equal(r->c.iov[2].iov_len, 256);
	/* Past the second region's end it is outside RAM again. */
	set_desc(r->desc, 3, RAM_END + 0x10000 - 256, 512, W | NEXT, 4);
	expect_fault_then_ok(r, 2);
	gmem__destroy(&r->mem);		/* before @next goes */
	gmem__init(&r->mem);
	free(next);
}

static void test_buffer_outside_ram_indirect(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);

	set_desc(tab, 0, BUF_GPA, 16, R | NEXT, 1);
	set_desc(tab, 1, RAM_END, 16, W, 0);
	set_desc(r->desc, 1, IND_GPA, 2 * 16, IND, 0);
	expect_fault_then_ok(r, 1);
}

static void test_zero_length(void **state)
{
	struct rig *r = ready(state, false);

	set_desc(r->desc, 0, BUF_GPA, 16, R | NEXT, 1);
	set_desc(r->desc, 1, BUF_GPA + 16, 0, W, 0);
	expect_fault_then_ok(r, 0);
}

static void test_readable_after_writable(void **state)
{
	struct rig *r = ready(state, false);
	struct vring_desc *tab = host(r, IND_GPA);

	set_desc(r->desc, 0, BUF_GPA, 16, R | NEXT, 1);
	set_desc(r->desc, 1, BUF_GPA + 16, 16, W | NEXT, 2);
	set_desc(r->desc, 2, BUF_GPA + 32, 16, R, 0);
	expect_fault_then_ok(r, 0);
	/* The same inside a table. */
	set_desc(tab, 0, BUF_GPA, 16, W | NEXT, 1);
	set_desc(tab, 1, BUF_GPA, 16, R, 0);
	set_desc(r->desc, 1, IND_GPA, 2 * 16, IND, 0);
	expect_fault_then_ok(r, 1);
}

/* -------------------------------------------------------------- used */

static void test_push(void **state)
{
	struct rig *r = ready(state, false);

	vq__push(&r->vq, 5, 1234);
	assert_int_equal(r->used->idx, 1);
	assert_int_equal(r->used->ring[0].id, 5);
	assert_int_equal(r->used->ring[0].len, 1234);
	vq__push(&r->vq, 2, 0);
	assert_int_equal(r->used->idx, 2);
	assert_int_equal(r->used->ring[1].id, 2);
	assert_int_equal(r->used->ring[1].len, 0);
	assert_int_equal(r->used->ring[0].id, 5);	/* untouched */
}

/* Pop and push across the 16-bit wrap of both indices. */
static void test_wrap(void **state)
{
	struct rig *r = ready(state, false);
	uint16_t idx;
	unsigned i;

	start_at(r, 0xfffd);
	for (i = 0; i < QSZ; i++)
		set_desc(r->desc, i, BUF_GPA + 16 * i, 16, W, 0);
	for (i = 0; i < 6; i++)
		offer(r, i);
	assert_int_equal(r->avail->idx, 3);
	for (i = 0; i < 6; i++) {
		idx = 0xfffd + i;
		assert_int_equal(pop(r), 1);
		/* Ring slot is the free-running index modulo the size. */
		assert_int_equal(r->c.head, r->avail->ring[idx % QSZ]);
		assert_int_equal(r->c.head, i);
		vq__push(&r->vq, r->c.head, 10 + i);
		assert_int_equal(r->used->idx, (uint16_t)(idx + 1));
		assert_int_equal(r->used->ring[idx % QSZ].id, i);
		assert_int_equal(r->used->ring[idx % QSZ].len, 10 + i);
	}
	assert_int_equal(r->vq.last_avail, 3);
	assert_int_equal(pop(r), 0);
	/* The "at most one ring ahead" check across the wrap. */
	start_at(r, 0xfffe);
	r->avail->idx = (uint16_t)(0xfffe + QSZ);
	for (i = 0; i < QSZ; i++)
		r->avail->ring[i] = i;
	for (i = 0; i < QSZ; i++)
		assert_int_equal(pop(r), 1);
	assert_int_equal(pop(r), 0);
	start_at(r, 0xfffe);
	r->avail->idx = (uint16_t)(0xfffe + QSZ + 1);
	assert_int_equal(pop(r), -EPROTO);
}

/* Many full turns of the ring by popping and pushing only. */
static void test_wrap_by_traffic(void **state)
{
	struct rig *r = ready(state, true);
	unsigned i;

	set_desc(r->desc, 3, BUF_GPA, 16, R, 0);
	for (i = 0; i < 70000; i++) {
		offer(r, 3);
		assert_int_equal(pop(r), 1);
		vq__push(&r->vq, 3, i);
		assert_false(vq__arm(&r->vq));
	}
	assert_int_equal(r->used->idx, (uint16_t)70000);
	assert_int_equal(r->used->ring[(uint16_t)69999 % QSZ].len, 69999);
	assert_int_equal(*avail_event(r), (uint16_t)70000);
}

static void test_push_done_event_idx(void **state)
{
	struct rig *r = ready(state, true);

	/* Nothing signalled yet: the first batch always interrupts. */
	*used_event(r) = 100;
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));		/* used 1 */
	/* used_event 0: "interrupt after entry 0"; 1 is past it already. */
	*used_event(r) = 0;
	vq__push(&r->vq, 0, 0);
	assert_false(vq__push_done(&r->vq));		/* old 1, new 2 */
	/* used_event 2: the driver waits for the entry that makes idx 3. */
	*used_event(r) = 2;
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));		/* old 2, new 3 */
	/* A batch that jumps over used_event still interrupts. */
	*used_event(r) = 4;
	vq__push(&r->vq, 0, 0);
	vq__push(&r->vq, 0, 0);
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));		/* old 3, new 6 */
	/* One that stops short of it does not. */
	*used_event(r) = 7;
	vq__push(&r->vq, 0, 0);
	assert_false(vq__push_done(&r->vq));		/* old 6, new 7 */
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));		/* old 7, new 8 */
	/* NO_INTERRUPT is ignored under EVENT_IDX (2.7.10). */
	r->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*used_event(r) = 8;
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));
}

static void test_push_done_event_idx_wrap(void **state)
{
	struct rig *r = ready(state, true);

	start_at(r, 0xfffe);
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));		/* first: 0xffff */
	*used_event(r) = 0xffff;
	vq__push(&r->vq, 0, 0);
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));		/* 0xffff -> 1, event passed */
	*used_event(r) = 0xffff;
	vq__push(&r->vq, 0, 0);
	assert_false(vq__push_done(&r->vq));		/* 1 -> 2, event long past */
}

static void test_push_done_no_event_idx(void **state)
{
	struct rig *r = ready(state, false);

	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));
	r->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vq__push(&r->vq, 0, 0);
	assert_false(vq__push_done(&r->vq));
	/* used_event means nothing without EVENT_IDX. */
	*used_event(r) = 2;
	vq__push(&r->vq, 0, 0);
	assert_false(vq__push_done(&r->vq));
	r->avail->flags = 0;
	*used_event(r) = 100;
	vq__push(&r->vq, 0, 0);
	assert_true(vq__push_done(&r->vq));
}

static void test_arm_event_idx(void **state)
{
	struct rig *r = ready(state, true);

	set_desc(r->desc, 0, BUF_GPA, 16, R, 0);
	*avail_event(r) = 0xabcd;
	assert_false(vq__arm(&r->vq));
	assert_int_equal(*avail_event(r), 0);
	assert_int_equal(r->used->flags, 0);
	/* An entry that arrived before arming: do not sleep. */
	offer(r, 0);
	assert_true(vq__arm(&r->vq));
	assert_int_equal(*avail_event(r), 0);
	assert_int_equal(pop(r), 1);
	assert_false(vq__arm(&r->vq));
	assert_int_equal(*avail_event(r), 1);
	/* disarm is a no-op with EVENT_IDX: the flag is not ours to use. */
	vq__disarm(&r->vq);
	assert_int_equal(r->used->flags, 0);
}

static void test_arm_no_event_idx(void **state)
{
	struct rig *r = ready(state, false);

	set_desc(r->desc, 0, BUF_GPA, 16, R, 0);
	vq__disarm(&r->vq);
	assert_int_equal(r->used->flags, VRING_USED_F_NO_NOTIFY);
	assert_false(vq__arm(&r->vq));
	assert_int_equal(r->used->flags, 0);
	*avail_event(r) = 0x5555;
	offer(r, 0);
	vq__disarm(&r->vq);
	assert_true(vq__arm(&r->vq));
	assert_int_equal(r->used->flags, 0);
	assert_int_equal(*avail_event(r), 0x5555);	/* not written */
}

/* ---------------------------------------------------------------- iov */

static void test_iov_copy(void **state)
{
	char src[] = "abcdefghijklmno", out[16];
	/* Three buffers of 3, 5 and 7 bytes. */
	const struct iovec iov[] = {
		{ src, 3 }, { src + 3, 5 }, { src + 8, 7 },
	};
	char wa[3], wb[5], wc[7];
	const struct iovec wiov[] = {
		{ wa, sizeof(wa) }, { wb, sizeof(wb) }, { wc, sizeof(wc) },
	};

	(void)state;
	memset(out, 0, sizeof(out));
	/* From the middle of the second buffer into the third. */
	assert_int_equal(vq__iov_read(iov, 3, 4, out, 6), 6);
	assert_memory_equal(out, "efghij", 6);
	/* Skipping exactly the first buffer. */
	assert_int_equal(vq__iov_read(iov, 3, 3, out, 5), 5);
	assert_memory_equal(out, "defgh", 5);
	/* Short at the end, nothing past it. */
	assert_int_equal(vq__iov_read(iov, 3, 12, out, 16), 3);
	assert_memory_equal(out, "mno", 3);
	assert_int_equal(vq__iov_read(iov, 3, 15, out, 4), 0);
	assert_int_equal(vq__iov_read(iov, 3, 100, out, 4), 0);
	assert_int_equal(vq__iov_read(iov, 3, 0, out, 15), 15);
	assert_memory_equal(out, "abcdefghijklmno", 15);
	assert_int_equal(vq__iov_read(iov, 2, 0, out, 15), 8);	/* nr limits */

	memset(wa, '.', sizeof(wa));
	memset(wb, '.', sizeof(wb));
	memset(wc, '.', sizeof(wc));
	assert_int_equal(vq__iov_write(wiov, 3, 2, "XYZUVW", 6), 6);
	assert_memory_equal(wa, "..X", 3);
	assert_memory_equal(wb, "YZUVW", 5);
	assert_memory_equal(wc, ".......", 7);
	assert_int_equal(vq__iov_write(wiov, 3, 10, "1234567", 7), 5);
	assert_memory_equal(wc, "..12345", 7);
	assert_int_equal(vq__iov_write(wiov, 3, 15, "1", 1), 0);
	assert_int_equal(vq__iov_write(wiov, 3, 0, "", 0), 0);
	assert_memory_equal(wa, "..X", 3);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_enable_rejects_size),
		T(test_enable_rejects_alignment),
		T(test_enable_rejects_outside_ram),
		T(test_reset_keeps_size),
		T(test_pop_simple),
		T(test_pop_several),
		T(test_pop_empty),
		T(test_pop_indirect),
		T(test_pop_indirect_long),
		T(test_avail_too_far_ahead),
		T(test_head_out_of_range),
		T(test_next_out_of_range),
		T(test_loop),
		T(test_chain_longer_than_queue),
		T(test_chain_longer_than_iov),
		T(test_indirect_loop),
		T(test_indirect_next_out_of_table),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		T(test_indirect_after_direct),
		T(test_indirect_bad_table),
		T(test_buffer_outside_ram),
		T(test_buffer_across_regions),
		T(test_buffer_outside_ram_indirect),
		T(test_zero_length),
		T(test_readable_after_writable),
		T(test_push),
		T(test_wrap),
		T(test_wrap_by_traffic),
		T(test_push_done_event_idx),
		T(test_push_done_event_idx_wrap),
		T(test_push_done_no_event_idx),
		T(test_arm_event_idx),
		T(test_arm_no_event_idx),
		T(test_iov_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
