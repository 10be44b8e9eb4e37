/*
 * The virtio rig of the queue harnesses (fuzz_virtio_blk.c,
 * fuzz_virtio_net.c): tests/unit/virtio_drv_util.h's driver (its asserts
 * become setup checks here) brings the device up with every feature it
 * offers, then the input is a program of guest operations: descriptor
 * chains (well formed or raw: loops, indirect tables, addresses outside
 * RAM, lengths that wrap), writes to guest RAM and the rings, accesses to
 * the BAR and config space, renegotiation, and queue service. The device
 * runs without threads; the harness serves the queues (vrig_ops.poll).
 */
#ifndef MVMM_FUZZ_VIRTIO_RIG_H
#define MVMM_FUZZ_VIRTIO_RIG_H

#include "tests/fuzz/fuzz.h"

/* Rings of 20 queues take the first 320 KiB; a smaller RAM than the unit
 * tests' keeps the per-input reset (a memset of all of it) cheap. */
#define DRV_RAM_SIZE		(512ULL << 10)
#define assert_true(x)		FZ_CHECK(x)
#define assert_non_null(x)	FZ_CHECK((x) != NULL)
#define assert_int_equal(a, b)	FZ_CHECK((a) == (b))
#include "tests/unit/virtio_drv_util.h"

struct vrig_ops {
	void (*poll)(void *dev, unsigned q);
	/* Device-specific operation (e.g. a frame arriving from the TAP). */
	void (*extra)(void *dev, struct fz *f);
	void *dev;
	unsigned nr_queues;
};

enum vrig_op {
	VRIG_CHAIN,		/* a chain of 1..4 segments, header bytes in its first */
	VRIG_RAW_DESC,		/* any descriptor in any slot, any head made available */
	VRIG_RAM,		/* the guest writes its own RAM (rings included) */
	VRIG_POLL,		/* the device serves a queue */
	VRIG_BAR,		/* an access to the virtio BAR (common cfg, ISR, notify, MSI-X) */
	VRIG_CFG,		/* a config-space access */
	VRIG_UP,		/* reset and renegotiate with features from the input */
	VRIG_EXTRA,
	VRIG_NR_OPS
};

/* A guest address: mostly in RAM, sometimes anywhere. */
static inline uint64_t vrig_gpa(struct fz *f)
{
	uint32_t v = fz_u32(f);

	if ((v & 0xf) == 0xf)
		return fz_u64(f);
	return DRV_RAM_GPA + (v >> 4) % DRV_RAM_SIZE;
}

static inline void vrig_chain(struct drv *d, const struct vrig_ops *o, struct fz *f)
{
	unsigned q = fz_u8(f) % o->nr_queues, n = fz_u8(f) % 4 + 1, i, hl;
	struct drv_seg s[4];
	uint8_t hdr[64];

	for (i = 0; i < n; i++) {
		uint16_t len = fz_u16(f);

		s[i].gpa = vrig_gpa(f);
		s[i].len = len & 0x8000 ? fz_u32(f) : len;
		s[i].dev_writes = fz_u8(f) & 1;
	}
	hl = fz_u8(f) % sizeof(hdr);
	fz_bytes(f, hdr, hl);
	if (s[0].gpa - DRV_RAM_GPA < DRV_RAM_SIZE && hl <= DRV_RAM_SIZE - (s[0].gpa - DRV_RAM_GPA))
		memcpy(d->ram + (s[0].gpa - DRV_RAM_GPA), hdr, hl);
	drv_chain(d, q, s, n);
}

static inline void vrig_raw_desc(struct drv *d, const struct vrig_ops *o, struct fz *f)
{
	struct drv_q *dq = &d->q[fz_u8(f) % o->nr_queues];
	struct vring_desc desc;
	uint16_t head;

	fz_bytes(f, &desc, sizeof(desc));
	if (fz_u8(f) & 1)
		desc.addr = vrig_gpa(f);
	dq->desc[fz_u8(f) % DRV_QSZ] = desc;
	head = fz_u16(f);
	if (head & 0x8000) {			/* publish one more avail entry */
		dq->avail->ring[dq->avail_idx % DRV_QSZ] = head & 0x7fff;
		dq->avail_idx++;
		__atomic_store_n(&dq->avail->idx, dq->avail_idx, __ATOMIC_RELEASE);
	}
}

static inline void vrig_op(struct drv *d, const struct vrig_ops *o, struct fz *f, enum vrig_op op)
{
	uint8_t buf[256];
	uint64_t off, v;
	unsigned n;

	switch (op) {
	case VRIG_CHAIN:
		vrig_chain(d, o, f);
		break;
	case VRIG_RAW_DESC:
		vrig_raw_desc(d, o, f);
		break;
	case VRIG_RAM:
		off = fz_u32(f) % DRV_RAM_SIZE;
		n = fz_u8(f);
		if (n > DRV_RAM_SIZE - off)
			n = DRV_RAM_SIZE - off;
		fz_bytes(f, buf, n);
		memcpy(d->ram + off, buf, n);
		break;
	case VRIG_POLL:
		o->poll(o->dev, fz_u8(f));
		break;
	case VRIG_BAR:
		off = fz_u16(f) % VIRTIO_PCI_BAR_SIZE;
		n = fz_width(f);
		v = fz_u64(f);
		virtio_pci__bar_access(d->vp, off, &v, n, v & 1);
		break;
	case VRIG_CFG:
		off = fz_u16(f) % 4096;
		n = fz_width(f);
		v = fz_u32(f);
		if (fz_u8(f) & 1) {
			uint32_t r;

			pci__cfg_read(&d->vp->pci, off, n, &r);
		} else {
			pci__cfg_write(&d->vp->pci, off, n, v);
		}
		break;
	case VRIG_UP:
		drv_up(d, fz_u64(f) & drv_device_features(d));
		break;
	default:
		if (o->extra)
			o->extra(o->dev, f);
		break;
	}
}

/* The driver with zeroed RAM, allocated once per process: a fresh 2 MiB
 * allocation per input would spend most of each run in page faults. */
static inline void vrig_drv_reset(struct drv *d)
{
	if (!d->ram)
		drv_init(d);
	memset(d->ram, 0, DRV_RAM_SIZE);
	memset(d->msi, 0, sizeof(d->msi));
	atomic_store(&d->stray, 0);
	memset(d->q, 0, sizeof(d->q));
	for (unsigned q = 0; q < DRV_MAXQ; q++) {
		d->q[q].desc = drv_host(d, drv_desc_gpa(q));
		d->q[q].avail = drv_host(d, drv_desc_gpa(q) + 0x1000);
		d->q[q].used = drv_host(d, drv_desc_gpa(q) + 0x2000);
	}
}

/* Bring the device up with every feature it offers, run the program, then
 * serve every queue once more. */
static inline void vrig_run(struct drv *d, const struct vrig_ops *o, struct fz *f)
{
	unsigned steps = 0, q;

	drv_pci_on(d);
	drv_up(d, drv_device_features(d));
	while (fz_left(f) && steps++ < 256)
		vrig_op(d, o, f, fz_u8(f) % VRIG_NR_OPS);
	for (q = 0; q < o->nr_queues; q++)
		o->poll(o->dev, q);
}

#endif
