/*
 * MSI-X model: capability layout and masks, table/PBA accesses through the
 * BAR, per-vector mask and function mask with pending bits, delivery
 * through the send callback (what KVM_SIGNAL_MSI gets), bad geometry and
 * bad accesses, concurrent raises.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/msix.h"
#include "vmm/pci.h"

#define NVEC		70	/* more than 64: two PBA qwords */
#define TABLE		0x2000
#define PBA		0x3000

struct sink {
	pthread_mutex_t lock;
	unsigned calls;
	uint64_t addr;
	uint32_t data;
	int ret;
};

static int sink_send(void *opaque, uint64_t addr, uint32_t data)
{
	struct sink *s = opaque;

	pthread_mutex_lock(&s->lock);
	s->calls++;
	s->addr = addr;
	s->data = data;
	pthread_mutex_unlock(&s->lock);
	return s->ret;
}

static void nop_bar(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	(void)opaque;
	(void)off;
	(void)data;
	(void)len;
	(void)is_write;
}

struct dev {
	struct pci_func f;
	struct msix m;
	struct sink s;
};

static void cfg_hook(struct pci_func *f, unsigned off, unsigned len, uint32_t val, uint32_t old)
{
	struct dev *d = f->opaque;

	(void)val;
	(void)old;
	msix__cfg_write(&d->m, off, len);
}

static const struct pci_func_ops ops = { .cfg_write = cfg_hook };

static struct dev *dev_new(void)
{
	static const struct pci_id id = { .vendor = 0x1de5, .device = 1, .class_code = 0x120000 };
	struct dev *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	pthread_mutex_init(&d->s.lock, NULL);
	pci__init(&d->f, "dev", &id);
	d->f.ops = &ops;
	d->f.opaque = d;
	assert_int_equal(pci__set_bar(&d->f, 2, 0x4000, PCI_BAR_MEM64, nop_bar, d), 0);
	assert_int_equal(msix__init(&d->m, &d->f, NVEC, 2, TABLE, PBA, sink_send, &d->s), 0);
	return d;
}

static void dev_free(struct dev *d)
{
	msix__destroy(&d->m);
	pthread_mutex_destroy(&d->s.lock);
	free(d);
}

static uint32_t bar_rd32(struct dev *d, uint64_t off)
{
	uint32_t v = 0;

	assert_true(msix__bar_access(&d->m, off, &v, 4, false));
	return v;
}

static void bar_wr32(struct dev *d, uint64_t off, uint32_t v)
{
	assert_true(msix__bar_access(&d->m, off, &v, 4, true));
}

static void program(struct dev *d, unsigned v, uint64_t addr, uint32_t data, bool masked)
{
	uint64_t e = TABLE + 16ULL * v;

	bar_wr32(d, e + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)addr);
	bar_wr32(d, e + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
	bar_wr32(d, e + PCI_MSIX_ENTRY_DATA, data);
	bar_wr32(d, e + PCI_MSIX_ENTRY_VECTOR_CTRL, masked);
}

static void ctrl(struct dev *d, uint16_t v)
{
	assert_int_equal(pci__cfg_write(&d->f, d->m.cap + PCI_MSIX_FLAGS, 2, v), 0);
}

static bool pba_bit(struct dev *d, unsigned v)
{
	return bar_rd32(d, PBA + v / 32 * 4) & (1u << (v % 32));
}

static void test_capability(void **state)
{
	struct dev *d = dev_new();
	uint32_t v;

	(void)state;
	assert_int_equal(pci__find_cap(&d->f, PCI_CAP_ID_MSIX), d->m.cap);
	pci__cfg_read(&d->f, d->m.cap + PCI_MSIX_FLAGS, 2, &v);
	assert_int_equal(v, NVEC - 1);
	pci__cfg_read(&d->f, d->m.cap + PCI_MSIX_TABLE, 4, &v);
	assert_int_equal(v, TABLE | 2);
	pci__cfg_read(&d->f, d->m.cap + PCI_MSIX_PBA, 4, &v);
	assert_int_equal(v, PBA | 2);
	/* Only Enable and Function Mask are writable; the rest is RO. */
	ctrl(d, 0xffff);
	pci__cfg_read(&d->f, d->m.cap + PCI_MSIX_FLAGS, 2, &v);
	assert_int_equal(v, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | (NVEC - 1));
	pci__cfg_write(&d->f, d->m.cap + PCI_MSIX_TABLE, 4, 0);
	pci__cfg_read(&d->f, d->m.cap + PCI_MSIX_TABLE, 4, &v);
	assert_int_equal(v, TABLE | 2);
	/* Every entry starts masked. */
	assert_int_equal(bar_rd32(d, TABLE + 16 * 69 + 12), 1);
	dev_free(d);
}

static void test_table_accesses(void **state)
{
	struct dev *d = dev_new();
	uint64_t q;
	uint32_t v;

	(void)state;
	program(d, 3, 0xfee01000, 0x4041, false);
	assert_int_equal(bar_rd32(d, TABLE + 48), 0xfee01000);
	assert_int_equal(bar_rd32(d, TABLE + 52), 0);
	assert_int_equal(bar_rd32(d, TABLE + 56), 0x4041);
	assert_int_equal(bar_rd32(d, TABLE + 60), 0);
	/* Vector Control: only the mask bit sticks. */
	bar_wr32(d, TABLE + 60, 0xfffffffe);
	assert_int_equal(bar_rd32(d, TABLE + 60), 0);
	/* Qword accesses, as a driver may use for address and data+ctrl. */
	q = 0x00000001fee02000ULL;
	assert_true(msix__bar_access(&d->m, TABLE + 64, &q, 8, true));
	q = 0;
	assert_true(msix__bar_access(&d->m, TABLE + 64, &q, 8, false));
	assert_int_equal(q, 0x00000001fee02000ULL);
	/* Misaligned or narrow: all-ones, writes dropped. */
	v = 0;
	assert_true(msix__bar_access(&d->m, TABLE + 50, &v, 4, false));
	assert_int_equal(v, 0xffffffff);
	v = 0;
	assert_true(msix__bar_access(&d->m, TABLE + 48, &v, 2, true));
	assert_int_equal(bar_rd32(d, TABLE + 48), 0xfee01000);
	q = 0;
	assert_true(msix__bar_access(&d->m, TABLE + 52, &q, 8, false));
	assert_int_equal(q, UINT64_MAX);
	/* The PBA is read-only. */
	bar_wr32(d, PBA, 0xffffffff);
	assert_int_equal(bar_rd32(d, PBA), 0);
	/* Last PBA qword exists (70 vectors: 2 qwords), past it is not ours. */
	assert_int_equal(bar_rd32(d, PBA + 12), 0);
	assert_false(msix__bar_access(&d->m, PBA + 16, &v, 4, false));
	assert_false(msix__bar_access(&d->m, TABLE + 16 * NVEC, &v, 4, false));
	assert_false(msix__bar_access(&d->m, 0, &v, 4, false));
	dev_free(d);
}

static void test_delivery_and_masks(void **state)
{
	struct dev *d = dev_new();

	(void)state;
	program(d, 5, 0xfee00000, 0x31, false);
	program(d, 66, 0xfee01000, 0x32, true);
	/* Disabled: the message is dropped, not latched. */
	assert_int_equal(msix__notify(&d->m, 5), -EAGAIN);
	assert_int_equal(d->s.calls, 0);
	assert_false(pba_bit(d, 5));

	ctrl(d, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(msix__notify(&d->m, 5), 0);
	assert_int_equal(d->s.calls, 1);
	assert_int_equal(d->s.addr, 0xfee00000);
	assert_int_equal(d->s.data, 0x31);

	/* Masked vector: pending bit, no message; repeated raises coalesce. */
	assert_int_equal(msix__notify(&d->m, 66), 0);
	assert_int_equal(msix__notify(&d->m, 66), 0);
	assert_int_equal(d->s.calls, 1);
	assert_true(pba_bit(d, 66));
	assert_true(msix__pending(&d->m, 66));
	/* Unmask: delivered once, pending cleared. */
	bar_wr32(d, TABLE + 16 * 66 + 12, 0);
	assert_int_equal(d->s.calls, 2);
	assert_int_equal(d->s.data, 0x32);
	assert_false(pba_bit(d, 66));

	/* Function mask holds everything back, clearing it flushes. */
	ctrl(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_int_equal(msix__notify(&d->m, 5), 0);
	assert_int_equal(msix__notify(&d->m, 66), 0);
	assert_int_equal(d->s.calls, 2);
	assert_true(pba_bit(d, 5) && pba_bit(d, 66));
	/* A vector unmasked while the function is masked stays pending. */
	bar_wr32(d, TABLE + 16 * 66 + 12, 1);
	bar_wr32(d, TABLE + 16 * 66 + 12, 0);
	assert_int_equal(d->s.calls, 2);
	ctrl(d, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(d->s.calls, 4);
	assert_false(pba_bit(d, 5) || pba_bit(d, 66));

	/* Latched while enabled+masked, then disabled: enabling later still
	 * delivers it (the pending bit is state, not a message). */
	bar_wr32(d, TABLE + 16 * 5 + 12, 1);
	assert_int_equal(msix__notify(&d->m, 5), 0);
	ctrl(d, 0);
	bar_wr32(d, TABLE + 16 * 5 + 12, 0);
	assert_int_equal(d->s.calls, 4);
	ctrl(d, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(d->s.calls, 5);

	/* Errors: bad vector; the callback's error comes back. */
	assert_int_equal(msix__notify(&d->m, NVEC), -EINVAL);
	d->s.ret = -EIO;
	assert_int_equal(msix__notify(&d->m, 5), -EIO);
	/* Reset: all masked, nothing pending, disabled. */
	msix__reset(&d->m);
	assert_int_equal(bar_rd32(d, TABLE + 16 * 5 + 12), 1);
	assert_int_equal(msix__notify(&d->m, 5), -EAGAIN);
	dev_free(d);
}

/* What the update hook last heard about one vector. */
struct watch {
	unsigned v, calls;
	bool deliverable;
	uint64_t addr;
	uint32_t data;
};

static void watch_update(void *opaque, unsigned v, bool deliverable, uint64_t addr,
			 uint32_t data)
{
	struct watch *w = opaque;

	if (v != w->v)
		return;
	w->calls++;
	w->deliverable = deliverable;
	w->addr = addr;
	w->data = data;
}

/* The hook follows deliverability (enable, function mask, vector mask) and
 * the message of each vector, which is what an irqfd user keys on. */
static void test_update_hook(void **state)
{
	struct dev *d = dev_new();
	struct watch w = { .v = 7 };

	(void)state;
	msix__set_update(&d->m, watch_update, &w);
	assert_int_equal(w.calls, 1);		/* told once at once */
	assert_false(w.deliverable);
	program(d, 7, 0xfee02000, 0x41, false);
	assert_false(w.deliverable);		/* MSI-X still disabled */
	ctrl(d, PCI_MSIX_FLAGS_ENABLE);
	assert_true(w.deliverable);
	assert_int_equal(w.addr, 0xfee02000);
	assert_int_equal(w.data, 0x41);
	ctrl(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_false(w.deliverable);
	ctrl(d, PCI_MSIX_FLAGS_ENABLE);
	assert_true(w.deliverable);
	/* Retargeting: masked, new message, unmasked. */
	bar_wr32(d, TABLE + 16 * 7 + 12, 1);
	assert_false(w.deliverable);
	bar_wr32(d, TABLE + 16 * 7 + 8, 0x42);
	bar_wr32(d, TABLE + 16 * 7 + 12, 0);
	assert_true(w.deliverable);
	assert_int_equal(w.data, 0x42);
	msix__reset(&d->m);
	assert_false(w.deliverable);
	dev_free(d);
}

static void test_bad_geometry(void **state)
{
	struct dev *d = dev_new();
	struct msix m;

	(void)state;
	/* Table overlapping the PBA, outside the BAR, misaligned, no BAR,
	 * I/O BAR, zero vectors. */
	assert_int_equal(msix__init(&m, &d->f, 4, 2, 0x100, 0x120, sink_send, &d->s), -EINVAL);
	assert_int_equal(msix__init(&m, &d->f, 4, 2, 0x3fd0, 0x0, sink_send, &d->s), -EINVAL);
	assert_int_equal(msix__init(&m, &d->f, 4, 2, 0x104, 0x800, sink_send, &d->s), -EINVAL);
	assert_int_equal(msix__init(&m, &d->f, 4, 0, 0x100, 0x800, sink_send, &d->s), -EINVAL);
	assert_int_equal(msix__init(&m, &d->f, 0, 2, 0x100, 0x800, sink_send, &d->s), -EINVAL);
	assert_int_equal(msix__init(&m, &d->f, 4, 2, 0x100, 0x800, NULL, &d->s), -EINVAL);
	assert_int_equal(pci__set_bar(&d->f, 0, 0x100, PCI_BAR_IO, nop_bar, d), 0);
	assert_int_equal(msix__init(&m, &d->f, 4, 0, 0x0, 0x80, sink_send, &d->s), -EINVAL);
	/* An uninitialized (failed) model ignores everything. */
	assert_false(msix__bar_access(&m, 0, &m, 4, false));
	assert_int_equal(msix__notify(&m, 0), -EINVAL);
	dev_free(d);
}

struct raiser {
	struct dev *d;
	unsigned n;
};

static void *raise_many(void *arg)
{
	struct raiser *r = arg;
	unsigned i;

	for (i = 0; i < r->n; i++)
		assert_int_equal(msix__notify(&r->d->m, i % 2), 0);
	return NULL;
}

/* Raises from several threads while the guest toggles the function mask:
 * nothing is lost (everything is either delivered or pending at the end). */
static void test_concurrent_raises(void **state)
{
	struct dev *d = dev_new();
	struct raiser r = { d, 2000 };
	pthread_t t[4];
	unsigned i;

	(void)state;
	program(d, 0, 0xfee00000, 1, false);
	program(d, 1, 0xfee00000, 2, false);
	ctrl(d, PCI_MSIX_FLAGS_ENABLE);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, raise_many, &r), 0);
	for (i = 0; i < 200; i++)
		ctrl(d, PCI_MSIX_FLAGS_ENABLE | (i & 1 ? 0 : PCI_MSIX_FLAGS_MASKALL));
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ctrl(d, PCI_MSIX_FLAGS_ENABLE);
	assert_false(msix__pending(&d->m, 0) || msix__pending(&d->m, 1));
	/* Masked raises coalesce, so at most 8000, at least one per vector. */
	assert_true(d->s.calls >= 2 && d->s.calls <= 8000);
	dev_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capability),
		cmocka_unit_test(test_table_accesses),
		cmocka_unit_test(test_delivery_and_masks),
		cmocka_unit_test(test_update_hook),
		cmocka_unit_test(test_bad_geometry),
		cmocka_unit_test(test_concurrent_raises),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
