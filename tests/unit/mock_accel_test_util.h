/*
 * Shared by the mock-accel unit tests (test_pci_mock_accel.c,
 * test_mock_accel_sriov.c, test_mock_accel_dma.c): a PCIe host with the
 * reference expander (bus 0x10, node 0) and one mock-accel device behind
 * its root port, assigned as firmware would, guest RAM from the heap, an
 * MSI sink, and config/MMIO accessors as a guest uses them. Header-only:
 * each test is its own program (see the Makefile).
 */
#ifndef MVMM_TEST_MOCK_ACCEL_UTIL_H
#define MVMM_TEST_MOCK_ACCEL_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/mock_accel_priv.h"
#include "vmm/bus.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"
#include "vmm/pci_host.h"

#define RIG_BUS		0x11	/* the device's bus: expander 0x10 + 1 */
#define RIG_RAM0	0x0ULL		/* guest RAM: two adjacent regions ... */
#define RIG_RAM0_SIZE	(2ULL << 20)
#define RIG_RAM1	(2ULL << 20)
#define RIG_RAM1_SIZE	(2ULL << 20)
#define RIG_RAM2	0x10000000ULL	/* ... a hole, and a third one */
#define RIG_RAM2_SIZE	(1ULL << 20)
#define RIG_GUARD	4096		/* canary bytes around each region */

struct sink {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned calls;
	uint64_t addr;
	uint32_t data;
};

static inline int sink_send(void *opaque, uint64_t addr, uint32_t data)
{
	struct sink *s = opaque;

	pthread_mutex_lock(&s->lock);
	s->calls++;
	s->addr = addr;
	s->data = data;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

struct rig {
	struct bus mmio;
	struct pci_host h;
	struct gmem mem;
	uint8_t *ram[3];		/* each with RIG_GUARD canary bytes before and after */
	struct mock_accel d;
	struct sink s;
	uint64_t bar0, bar2;
};

static const uint8_t rig_uuid[16] = {
	0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x06, 0x07,
};

static const struct { uint64_t gpa, size; } rig_ram[3] = {
	{ RIG_RAM0, RIG_RAM0_SIZE }, { RIG_RAM1, RIG_RAM1_SIZE }, { RIG_RAM2, RIG_RAM2_SIZE },
};

static inline struct mock_accel_params rig_params(void)
{
	struct mock_accel_params p = {
		.name = "acc0", .memory_size = 16ULL << 30, .vf_memory_size = 2ULL << 30,
		.total_vfs = 2, .send = sink_send, .no_worker = true,
	};

	memcpy(p.uuid, rig_uuid, 16);
	return p;
}

/* A rig around a device built from @p (send_opaque and mem are filled in). */
static inline struct rig *rig_new_with(struct mock_accel_params p)
{
	struct pci_host_layout l = {
		.ecam_base = LAYOUT_ECAM, .ecam_size = LAYOUT_ECAM_SIZE,
		.mem32_base = LAYOUT_MMIO32, .mem32_size = LAYOUT_MMIO32_SIZE,
		.mem64_base = 1ULL << 36, .mem64_size = 1ULL << 38,
	};
	struct rig *r = calloc(1, sizeof(*r));
	struct pci_root *e;
	unsigned i;

	assert_non_null(r);
	pthread_mutex_init(&r->s.lock, NULL);
	pthread_cond_init(&r->s.cond, NULL);
	gmem__init(&r->mem);
	for (i = 0; i < 3; i++) {
		r->ram[i] = malloc(rig_ram[i].size + 2 * RIG_GUARD);
		assert_non_null(r->ram[i]);
		memset(r->ram[i], 0xc5, rig_ram[i].size + 2 * RIG_GUARD);
		assert_int_equal(gmem__add(&r->mem, rig_ram[i].gpa, rig_ram[i].size,
					   r->ram[i] + RIG_GUARD, 0), 0);
	}
	p.send_opaque = &r->s;
	p.mem = &r->mem;
	assert_int_equal(bus__init(&r->mmio), 0);
	assert_int_equal(pci_host__init(&r->h, &r->mmio, NULL, &l), 0);
	assert_int_equal(pci_host__add_expander(&r->h, "numa0", 0x10, 0, &e), 0);
	assert_int_equal(mock_accel__init(&r->d, &p), 0);
	assert_int_equal(pci_host__add_device(&r->h, e, &r->d.pf.pci, 0, NULL), 0);
	assert_int_equal(pci_host__assign(&r->h), 0);
	r->bar0 = pci__bar_addr(&r->d.pf.pci, 0);
	r->bar2 = pci__bar_addr(&r->d.pf.pci, 2);
	return r;
}

static inline struct rig *rig_new(void)
{
	return rig_new_with(rig_params());
}

/* Guest RAM canaries intact: nothing wrote outside the regions. */
static inline void rig_check_guards(struct rig *r)
{
	unsigned i, k;

	for (i = 0; i < 3; i++)
		for (k = 0; k < RIG_GUARD; k++) {
			assert_int_equal(r->ram[i][k], 0xc5);
			assert_int_equal(r->ram[i][RIG_GUARD + rig_ram[i].size + k], 0xc5);
		}
}

static inline void rig_free(struct rig *r)
{
	unsigned i;

	mock_accel__destroy(&r->d);
	pci_host__destroy(&r->h);
	bus__destroy(&r->mmio);
	gmem__destroy(&r->mem);
	for (i = 0; i < 3; i++)
		free(r->ram[i]);
	pthread_cond_destroy(&r->s.cond);
	pthread_mutex_destroy(&r->s.lock);
	free(r);
}

/* Host pointer of guest RAM at @gpa (tests only). */
static inline uint8_t *rig_ram_ptr(struct rig *r, uint64_t gpa)
{
	uint8_t *p = gmem__ptr(&r->mem, gpa, 1);

	assert_non_null(p);
	return p;
}

static inline uint32_t cfg_rd(struct rig *r, unsigned fn, unsigned off, unsigned len)
{
	return pci_host__cfg_read(&r->h, RIG_BUS, fn, off, len);
}

static inline void cfg_wr(struct rig *r, unsigned fn, unsigned off, unsigned len, uint32_t v)
{
	pci_host__cfg_write(&r->h, RIG_BUS, fn, off, len, v);
}

/* MMIO at an absolute guest address; the bus's return value. */
static inline int mmio_at(struct rig *r, uint64_t addr, void *v, unsigned len, bool wr)
{
	return bus__access(&r->mmio, addr, v, len, wr);
}

static inline uint64_t rd_at(struct rig *r, uint64_t addr, unsigned len)
{
	uint64_t v = 0;

	assert_int_equal(mmio_at(r, addr, &v, len, false), 0);
	return v;
}

static inline void wr_at(struct rig *r, uint64_t addr, unsigned len, uint64_t v)
{
	assert_int_equal(mmio_at(r, addr, &v, len, true), 0);
}

static inline uint64_t mmio_rd(struct rig *r, uint64_t off, unsigned len)
{
	return rd_at(r, r->bar0 + off, len);
}

static inline void mmio_wr(struct rig *r, uint64_t off, unsigned len, uint64_t v)
{
	wr_at(r, r->bar0 + off, len, v);
}

/* SR-IOV: NumVFs @n, then VF Enable and VF MSE, as sriov_enable does. */
static inline void rig_enable_vfs(struct rig *r, unsigned n)
{
	unsigned cap = MOCK_ACCEL_SRIOV_CAP_OFFSET;

	cfg_wr(r, 0, cap + PCI_SRIOV_NUM_VF, 2, n);
	cfg_wr(r, 0, cap + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
}

static inline void rig_disable_vfs(struct rig *r)
{
	unsigned cap = MOCK_ACCEL_SRIOV_CAP_OFFSET;

	cfg_wr(r, 0, cap + PCI_SRIOV_CTRL, 2, 0);
	cfg_wr(r, 0, cap + PCI_SRIOV_NUM_VF, 2, 0);
}

/* Guest address of BAR @bar (0 or 2) of VF @vf, from the PF's VF BAR. */
static inline uint64_t vf_bar(struct rig *r, unsigned vf, unsigned bar)
{
	unsigned idx = PCI_VF_BAR(bar);

	return pci__bar_addr(&r->d.pf.pci, idx) + vf * r->d.pf.pci.bars[idx].size;
}

#endif
