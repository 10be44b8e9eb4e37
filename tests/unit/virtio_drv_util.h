/*
 * A virtio 1.x PCI driver for unit tests of devices on the virtio
 * transport: common configuration through the BAR, MSI-X messages counted
 * at the send callback, and split rings laid out in a fake guest RAM.
 * Header-only, included by one test file each.
 */
#ifndef MVMM_TEST_VIRTIO_DRV_UTIL_H
#define MVMM_TEST_VIRTIO_DRV_UTIL_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "devices/virtio/virtio_pci.h"
#include "vmm/gmem.h"

#define DRV_RAM_GPA	0x100000ULL
#ifndef DRV_RAM_SIZE
#define DRV_RAM_SIZE	(2ULL << 20)
#endif
#define DRV_MSI_ADDR	0xfee00000u
#define DRV_MSI_DATA	0x100u		/* + vector */
#define DRV_NVEC	24
#define DRV_QSZ		64
#define DRV_MAXQ	20
#define DRV_Q_STRIDE	0x4000ULL	/* queue q's rings at RAM + q * stride */

#define DRV_S_ACK	VIRTIO_CONFIG_S_ACKNOWLEDGE
#define DRV_S_DRIVER	VIRTIO_CONFIG_S_DRIVER
#define DRV_S_FOK	VIRTIO_CONFIG_S_FEATURES_OK
#define DRV_S_DOK	VIRTIO_CONFIG_S_DRIVER_OK

/* The driver's side of one split queue. */
struct drv_q {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t next_desc, avail_idx, used_seen;
};

struct drv {
	struct virtio_pci *vp;
	uint8_t *ram;
	struct gmem mem;
	atomic_uint msi[DRV_NVEC];	/* messages per vector */
	atomic_uint stray;		/* messages we did not program */
	struct drv_q q[DRV_MAXQ];
};

static inline int drv_count_msi(void *opaque, uint64_t addr, uint32_t data)
{
	struct drv *d = opaque;

	if (addr == DRV_MSI_ADDR && data - DRV_MSI_DATA < DRV_NVEC)
		atomic_fetch_add(&d->msi[data - DRV_MSI_DATA], 1);
	else
		atomic_fetch_add(&d->stray, 1);
	return 0;
}

static inline void *drv_host(struct drv *d, uint64_t gpa)
{
	assert_true(gpa >= DRV_RAM_GPA && gpa < DRV_RAM_GPA + DRV_RAM_SIZE);
	return d->ram + (gpa - DRV_RAM_GPA);
}

static inline uint64_t drv_desc_gpa(unsigned q)
{
	return DRV_RAM_GPA + q * DRV_Q_STRIDE;
}

/* RAM and its gmem; the device is built by the caller (d->vp set after). */
static inline void drv_init(struct drv *d)
{
	unsigned q;

	memset(d, 0, sizeof(*d));
	d->ram = aligned_alloc(4096, DRV_RAM_SIZE);
	assert_non_null(d->ram);
	memset(d->ram, 0, DRV_RAM_SIZE);
	gmem__init(&d->mem);
	assert_int_equal(gmem__add(&d->mem, DRV_RAM_GPA, DRV_RAM_SIZE, d->ram, 0), 0);
	for (q = 0; q < DRV_MAXQ; q++) {
		d->q[q].desc = drv_host(d, drv_desc_gpa(q));
		d->q[q].avail = drv_host(d, drv_desc_gpa(q) + 0x1000);
		d->q[q].used = drv_host(d, drv_desc_gpa(q) + 0x2000);
	}
}

static inline void drv_destroy(struct drv *d)
{
	gmem__destroy(&d->mem);
	free(d->ram);
	d->ram = NULL;
}

static inline uint32_t drv_rd(struct drv *d, uint64_t off, unsigned len)
{
	uint32_t v = 0;

	virtio_pci__bar_access(d->vp, off, &v, len, false);
	return v;
}

static inline void drv_wr(struct drv *d, uint64_t off, unsigned len, uint32_t v)
{
	virtio_pci__bar_access(d->vp, off, &v, len, true);
}

#define DRV_COMMON(reg)	(VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_##reg)

static inline uint8_t drv_status(struct drv *d)
{
	return drv_rd(d, DRV_COMMON(STATUS), 1);
}

static inline uint64_t drv_device_features(struct drv *d)
{
	uint64_t f;

	drv_wr(d, DRV_COMMON(DFSELECT), 4, 0);
	f = drv_rd(d, DRV_COMMON(DF), 4);
	drv_wr(d, DRV_COMMON(DFSELECT), 4, 1);
	return f | (uint64_t)drv_rd(d, DRV_COMMON(DF), 4) << 32;
}

/* Bus mastering, memory decoding and MSI-X on, every vector programmed. */
static inline void drv_pci_on(struct drv *d)
{
	struct virtio_pci *vp = d->vp;
	unsigned v;

	assert_int_equal(pci__cfg_write(&vp->pci, PCI_COMMAND, 2,
					PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), 0);
	for (v = 0; v < vp->msix.nr && v < DRV_NVEC; v++) {
		uint64_t e = VIRTIO_PCI_MSIX_OFF + 16ULL * v;

		drv_wr(d, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, DRV_MSI_ADDR);
		drv_wr(d, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
		drv_wr(d, e + PCI_MSIX_ENTRY_DATA, 4, DRV_MSI_DATA + v);
		drv_wr(d, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	}
	assert_int_equal(pci__cfg_write(&vp->pci, vp->msix.cap + PCI_MSIX_FLAGS, 2,
					PCI_MSIX_FLAGS_ENABLE), 0);
}

/* Reset .. FEATURES_OK with @f; every queue of the device set up (vector
 * = queue index, config vector after them), then DRIVER_OK. Returns the
 * final status. */
static inline uint8_t drv_up(struct drv *d, uint64_t f)
{
	unsigned q;

	drv_wr(d, DRV_COMMON(STATUS), 1, 0);
	drv_wr(d, DRV_COMMON(STATUS), 1, DRV_S_ACK | DRV_S_DRIVER);
	drv_wr(d, DRV_COMMON(GFSELECT), 4, 0);
	drv_wr(d, DRV_COMMON(GF), 4, (uint32_t)f);
	drv_wr(d, DRV_COMMON(GFSELECT), 4, 1);
	drv_wr(d, DRV_COMMON(GF), 4, f >> 32);
	drv_wr(d, DRV_COMMON(STATUS), 1, DRV_S_ACK | DRV_S_DRIVER | DRV_S_FOK);
	if (!(drv_status(d) & DRV_S_FOK))
		return drv_status(d);
	drv_wr(d, DRV_COMMON(MSIX), 2, d->vp->nr_queues);
	for (q = 0; q < d->vp->nr_queues && q < DRV_MAXQ; q++) {
		uint64_t g = drv_desc_gpa(q);

		memset(drv_host(d, g), 0, 0x3000);
		d->q[q].next_desc = d->q[q].avail_idx = d->q[q].used_seen = 0;
		drv_wr(d, DRV_COMMON(Q_SELECT), 2, q);
		drv_wr(d, DRV_COMMON(Q_SIZE), 2, DRV_QSZ);
		drv_wr(d, DRV_COMMON(Q_MSIX), 2, q);
		drv_wr(d, DRV_COMMON(Q_DESCLO), 4, (uint32_t)g);
		drv_wr(d, DRV_COMMON(Q_DESCHI), 4, g >> 32);
		drv_wr(d, DRV_COMMON(Q_AVAILLO), 4, (uint32_t)(g + 0x1000));
		drv_wr(d, DRV_COMMON(Q_AVAILHI), 4, (g + 0x1000) >> 32);
		drv_wr(d, DRV_COMMON(Q_USEDLO), 4, (uint32_t)(g + 0x2000));
		drv_wr(d, DRV_COMMON(Q_USEDHI), 4, (g + 0x2000) >> 32);
		drv_wr(d, DRV_COMMON(Q_ENABLE), 2, 1);
	}
	drv_wr(d, DRV_COMMON(STATUS), 1, DRV_S_ACK | DRV_S_DRIVER | DRV_S_FOK | DRV_S_DOK);
	return drv_status(d);
}

struct drv_seg {
	uint64_t gpa;
	uint32_t len;
	bool dev_writes;
};

/* A chain of @n segments on queue @q, made available; returns its head. */
static inline uint16_t drv_chain(struct drv *d, unsigned q, const struct drv_seg *s, unsigned n)
{
	struct drv_q *dq = &d->q[q];
	uint16_t head = dq->next_desc;
	unsigned i;

	for (i = 0; i < n; i++) {
		uint16_t k = (head + i) % DRV_QSZ;

		dq->desc[k] = (struct vring_desc){
			.addr = s[i].gpa, .len = s[i].len,
			.flags = (s[i].dev_writes ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			.next = (k + 1) % DRV_QSZ,
		};
	}
	dq->next_desc = (head + n) % DRV_QSZ;
	dq->avail->ring[dq->avail_idx % DRV_QSZ] = head;
	dq->avail_idx++;
	__atomic_store_n(&dq->avail->idx, dq->avail_idx, __ATOMIC_RELEASE);
	return head;
}

/* Used entries not yet seen on queue @q. */
static inline unsigned drv_used_pending(struct drv *d, unsigned q)
{
	return (uint16_t)(__atomic_load_n(&d->q[q].used->idx, __ATOMIC_ACQUIRE) -
			  d->q[q].used_seen);
}

static inline struct vring_used_elem drv_next_used(struct drv *d, unsigned q)
{
	struct drv_q *dq = &d->q[q];
	struct vring_used_elem e;

	assert_true(drv_used_pending(d, q) > 0);
	e = dq->used->ring[dq->used_seen % DRV_QSZ];
	dq->used_seen++;
	return e;
}

#endif
