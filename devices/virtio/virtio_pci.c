/*
 * virtio 1.x PCI transport (see virtio_pci.h): capabilities, the common
 * configuration registers, ISR, device configuration window, doorbells,
 * status state machine and reset.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "devices/virtio/virtio_pci.h"
#include "vmm/util.h"

#define COMMON_SIZE	0x38	/* struct virtio_pci_common_cfg up to queue_used_hi */
#define ISR_SIZE	4
#define NOTIFY_SIZE(n)	((n) * VIRTIO_PCI_NOTIFY_MULT)
#define PCI_CFG_CAP_LEN	20	/* struct virtio_pci_cfg_cap */

static int vendor_cap(struct pci_func *f, uint8_t type, uint32_t off, uint32_t len,
		      unsigned caplen)
{
	int o = pci__add_cap(f, PCI_CAP_ID_VNDR, caplen);

	if (o < 0)
		return o;
	pci__set8(f, o + VIRTIO_PCI_CAP_LEN, caplen);
	pci__set8(f, o + VIRTIO_PCI_CAP_CFG_TYPE, type);
	pci__set8(f, o + VIRTIO_PCI_CAP_BAR, VIRTIO_PCI_BAR);
	pci__set32(f, o + VIRTIO_PCI_CAP_OFFSET, off);
	pci__set32(f, o + VIRTIO_PCI_CAP_LENGTH, len);
	return o;
}

/* ------------------------------------------------------------ interrupts */

static void vp_raise(struct virtio_pci *vp, uint16_t vector, uint8_t isr_bit)
{
	atomic_fetch_or(&vp->isr, isr_bit);
	if (vector == VIRTIO_NO_VECTOR || vector >= vp->msix.nr)
		return;
	if (atomic_load(&vp->irqfd[vector].on) &&
	    !eventfd_write(vp->irqfd[vector].fd, 1)) {
		atomic_fetch_add(&vp->irqs_irqfd, 1);
		return;
	}
	atomic_fetch_add(&vp->irqs_msix, 1);
	msix__notify(&vp->msix, vector);
}

/* msix_update_fn: keep vector @v's irqfd attached, with its GSI routed to
 * the vector's message, exactly while the vector is deliverable. Under the
 * MSI-X model's lock, so updates of one vector are ordered. */
static void irqfd_update(void *opaque, unsigned v, bool deliverable, uint64_t addr,
			 uint32_t data)
{
	struct virtio_pci *vp = opaque;
	struct virtio_pci_irqfd *q;

	if (v >= ARRAY_SIZE(vp->irqfd) || vp->irqfd[v].fd < 0)
		return;
	q = &vp->irqfd[v];
	if (!deliverable) {
		if (atomic_load(&q->on) && !irq__irqfd(vp->irq, q->gsi, q->fd, false))
			atomic_store(&q->on, false);
		return;
	}
	if (!q->has_gsi) {
		if (irq__alloc_gsi(vp->irq, &q->gsi) < 0)
			return;		/* out of GSIs: msix__notify still works */
		q->has_gsi = true;
	}
	if (!q->routed || q->addr != addr || q->data != data) {
		if (irq__set_msi_route(vp->irq, q->gsi, addr, data) < 0) {
			q->routed = false;
			if (atomic_load(&q->on) && !irq__irqfd(vp->irq, q->gsi, q->fd, false))
				atomic_store(&q->on, false);
			return;
		}
		q->routed = true;
		q->addr = addr;
		q->data = data;
	}
	if (!atomic_load(&q->on) && !irq__irqfd(vp->irq, q->gsi, q->fd, true))
		atomic_store(&q->on, true);
}

void virtio_pci__signal_queue(struct virtio_pci *vp, unsigned q)
{
	if (q < vp->nr_queues)
		vp_raise(vp, __atomic_load_n(&vp->q[q].vector, __ATOMIC_RELAXED), 1);
}

void virtio_pci__signal_config(struct virtio_pci *vp)
{
	atomic_fetch_add(&vp->generation, 1);
	vp_raise(vp, __atomic_load_n(&vp->msix_config, __ATOMIC_RELAXED), 2);
}

void virtio_pci__needs_reset(struct virtio_pci *vp, const char *why)
{
	uint8_t s = __atomic_fetch_or(&vp->status, VIRTIO_CONFIG_S_NEEDS_RESET, __ATOMIC_SEQ_CST);

	if (!(s & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		fprintf(stderr, "mvmm: %s: %s; device needs reset\n", vp->name, why);
		virtio_pci__signal_config(vp);
	}
}

/* ------------------------------------------------------------------ reset */

/* Status 0 or a function reset (vp->lock held): the device stops first,
 * then every register is back to its reset value. */
static void device_reset(struct virtio_pci *vp)
{
	unsigned i;

	if (vp->started && vp->ops->stop)
		vp->ops->stop(vp);
	vp->started = false;
	vp->driver_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->msix_config = VIRTIO_NO_VECTOR;
	vp->queue_select = 0;
	__atomic_store_n(&vp->status, 0, __ATOMIC_SEQ_CST);
	atomic_store(&vp->isr, 0);
	for (i = 0; i < vp->nr_queues; i++) {
		struct virtio_pci_queue *q = &vp->q[i];

		vq__reset(&q->vq);
		q->size = q->max_size;
		q->vector = VIRTIO_NO_VECTOR;
		q->enable = false;
		q->desc = q->avail = q->used = 0;
	}
}

/* DRIVER_OK: map the rings of every enabled queue, then start the device. */
static void driver_ok(struct virtio_pci *vp)
{
	bool event_idx = virtio_pci__has(vp, VIRTIO_RING_F_EVENT_IDX);
	unsigned i;

	for (i = 0; i < vp->nr_queues; i++) {
		struct virtio_pci_queue *q = &vp->q[i];

		vq__reset(&q->vq);
		if (!q->enable)
			continue;
		q->vq.size = q->size;
		q->vq.desc_gpa = q->desc;
		q->vq.avail_gpa = q->avail;
		q->vq.used_gpa = q->used;
		/* vq__enable knows the spec's limit, not ours. */
		if (q->size > q->max_size || vq__enable(&q->vq, vp->mem, event_idx) < 0) {
			virtio_pci__needs_reset(vp, "the driver set up a queue the device cannot use (size, alignment or rings outside RAM)");
			return;
		}
	}
	if (vp->ops->start && vp->ops->start(vp) < 0) {
		virtio_pci__needs_reset(vp, "cannot start the device");
		return;
	}
	vp->started = true;
}

static void set_status(struct virtio_pci *vp, uint8_t v)
{
	uint8_t old = vp->status;

	if (!v) {
		device_reset(vp);
		return;
	}
	/* FEATURES_OK only for a subset of what we offer, VERSION_1 included. */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((vp->driver_features & ~vp->features) ||
	     !(vp->driver_features & (1ULL << VIRTIO_F_VERSION_1))))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	/* NEEDS_RESET is the device's bit; the driver cannot clear it. */
	v = (v & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (old & VIRTIO_CONFIG_S_NEEDS_RESET);
	__atomic_store_n(&vp->status, v, __ATOMIC_SEQ_CST);
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    (v & VIRTIO_CONFIG_S_FEATURES_OK) && !(v & VIRTIO_CONFIG_S_NEEDS_RESET))
		driver_ok(vp);
}

/* ------------------------------------------------------- common config */

static uint32_t common_read(struct virtio_pci *vp, unsigned off)
{
	struct virtio_pci_queue *q = vp->queue_select < vp->nr_queues ?
				     &vp->q[vp->queue_select] : NULL;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: return vp->dfselect;
	case VIRTIO_PCI_COMMON_DF:
		return vp->dfselect < 2 ? (uint32_t)(vp->features >> (32 * vp->dfselect)) : 0;
	case VIRTIO_PCI_COMMON_GFSELECT: return vp->gfselect;
	case VIRTIO_PCI_COMMON_GF:
		return vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0;
	case VIRTIO_PCI_COMMON_MSIX: return vp->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ: return vp->nr_queues;
	case VIRTIO_PCI_COMMON_STATUS: return __atomic_load_n(&vp->status, __ATOMIC_SEQ_CST);
	case VIRTIO_PCI_COMMON_CFGGENERATION: return (uint8_t)atomic_load(&vp->generation);
	case VIRTIO_PCI_COMMON_Q_SELECT: return vp->queue_select;
	}
	if (!q)		/* a queue that does not exist reads size 0 */
		return 0;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE: return q->size;
	case VIRTIO_PCI_COMMON_Q_MSIX: return q->vector;
	case VIRTIO_PCI_COMMON_Q_ENABLE: return q->enable;
	case VIRTIO_PCI_COMMON_Q_NOFF: return vp->queue_select;
	case VIRTIO_PCI_COMMON_Q_DESCLO: return (uint32_t)q->desc;
	case VIRTIO_PCI_COMMON_Q_DESCHI: return q->desc >> 32;
	case VIRTIO_PCI_COMMON_Q_AVAILLO: return (uint32_t)q->avail;
	case VIRTIO_PCI_COMMON_Q_AVAILHI: return q->avail >> 32;
	case VIRTIO_PCI_COMMON_Q_USEDLO: return (uint32_t)q->used;
	case VIRTIO_PCI_COMMON_Q_USEDHI: return q->used >> 32;
	}
	return 0;
}

static void set_lo(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffULL) | v;
}

static void set_hi(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffULL) | (uint64_t)v << 32;
}

/* A vector the table has, or NO_VECTOR (what the driver reads back to
 * learn that its choice was refused, 4.1.4.3). */
static uint16_t vector_ok(const struct virtio_pci *vp, uint32_t v)
{
	return v < vp->msix.nr ? v : VIRTIO_NO_VECTOR;
}

static void common_write(struct virtio_pci *vp, unsigned off, uint32_t v)
{
	struct virtio_pci_queue *q = vp->queue_select < vp->nr_queues ?
				     &vp->q[vp->queue_select] : NULL;
	/* Queue layout is frozen once the device runs (4.1.4.3.2). */
	bool frozen = vp->status & VIRTIO_CONFIG_S_DRIVER_OK;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: vp->dfselect = v; return;
	case VIRTIO_PCI_COMMON_GFSELECT: vp->gfselect = v; return;
	case VIRTIO_PCI_COMMON_GF:
		if (vp->gfselect < 2 && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			if (vp->gfselect)
				set_hi(&vp->driver_features, v);
			else
				set_lo(&vp->driver_features, v);
		}
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		__atomic_store_n(&vp->msix_config, vector_ok(vp, v), __ATOMIC_RELAXED);
		return;
	case VIRTIO_PCI_COMMON_STATUS: set_status(vp, v); return;
	case VIRTIO_PCI_COMMON_Q_SELECT: vp->queue_select = v; return;
	}
	if (!q)
		return;
	if (off == VIRTIO_PCI_COMMON_Q_MSIX) {
		__atomic_store_n(&q->vector, vector_ok(vp, v), __ATOMIC_RELAXED);
		return;
	}
	if (frozen)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		/* Any power of two up to the maximum; others are refused at
		 * DRIVER_OK (vq__enable) with NEEDS_RESET. */
		q->size = v;
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE: q->enable = v == 1; return;
	case VIRTIO_PCI_COMMON_Q_DESCLO: set_lo(&q->desc, v); return;
	case VIRTIO_PCI_COMMON_Q_DESCHI: set_hi(&q->desc, v); return;
	case VIRTIO_PCI_COMMON_Q_AVAILLO: set_lo(&q->avail, v); return;
	case VIRTIO_PCI_COMMON_Q_AVAILHI: set_hi(&q->avail, v); return;
	case VIRTIO_PCI_COMMON_Q_USEDLO: set_lo(&q->used, v); return;
	case VIRTIO_PCI_COMMON_Q_USEDHI: set_hi(&q->used, v); return;
	}
}

/* Width of each common register (2.4 / 4.1.4.3): accesses must match it. */
static unsigned common_width(unsigned off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_STATUS:
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return 1;
	case VIRTIO_PCI_COMMON_MSIX: case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_Q_SELECT: case VIRTIO_PCI_COMMON_Q_SIZE:
	case VIRTIO_PCI_COMMON_Q_MSIX: case VIRTIO_PCI_COMMON_Q_ENABLE:
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return 2;
	}
	return off < COMMON_SIZE && !(off & 3) ? 4 : 0;
}

/* ------------------------------------------------------------------ BAR */

static void devcfg_access(struct virtio_pci *vp, uint64_t off, void *data, uint32_t len,
			  bool is_write)
{
	if (off + len > vp->devcfg_size || (is_write && !vp->ops->cfg_write)) {
		if (!is_write)
			memset(data, 0, len);
		return;		/* no writable field: the bytes stay the device's */
	}
	pthread_mutex_lock(&vp->cfg_lock);
	if (is_write)
		memcpy(vp->devcfg + off, data, len);
	else
		memcpy(data, vp->devcfg + off, len);
	pthread_mutex_unlock(&vp->cfg_lock);
	if (is_write && vp->ops->cfg_write)
		vp->ops->cfg_write(vp, off, len);
}

void virtio_pci__bar_access(void *opaque, uint64_t off, void *data, uint32_t len,
			    bool is_write)
{
	struct virtio_pci *vp = opaque;
	uint32_t v = 0;
	unsigned w;

	if (msix__bar_access(&vp->msix, off, data, len, is_write))
		return;
	if (off < VIRTIO_PCI_COMMON_OFF + COMMON_SIZE) {
		w = common_width(off);
		if (w != len) {		/* odd widths: reads 0, writes dropped */
			if (!is_write)
				memset(data, 0, len);
			return;
		}
		pthread_mutex_lock(&vp->lock);
		if (is_write) {
			memcpy(&v, data, len);
			common_write(vp, off, v);
		} else {
			v = common_read(vp, off);
			memcpy(data, &v, len);
		}
		pthread_mutex_unlock(&vp->lock);
		return;
	}
	if (off >= VIRTIO_PCI_ISR_OFF && off < VIRTIO_PCI_ISR_OFF + ISR_SIZE) {
		if (!is_write) {
			memset(data, 0, len);
			/* Reading ISR clears it (4.1.4.5). */
			if (off == VIRTIO_PCI_ISR_OFF)
				*(uint8_t *)data = atomic_exchange(&vp->isr, 0);
		}
		return;
	}
	if (off >= VIRTIO_PCI_DEVCFG_OFF && off < VIRTIO_PCI_DEVCFG_OFF + VIRTIO_PCI_DEVCFG_MAX) {
		devcfg_access(vp, off - VIRTIO_PCI_DEVCFG_OFF, data, len, is_write);
		return;
	}
	if (off >= VIRTIO_PCI_NOTIFY_OFF && off < VIRTIO_PCI_NOTIFY_OFF + NOTIFY_SIZE(vp->nr_queues)) {
		/* Without an ioeventfd the doorbell traps here. */
		unsigned qi = (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT;

		if (is_write && vp->q[qi].kick_fd >= 0)
			(void)!eventfd_write(vp->q[qi].kick_fd, 1);
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (!is_write)
		memset(data, 0xff, len);
}

/* ---------------------------------------------------- PCI function hooks */

/* The doorbells follow the BAR: one ioeventfd per queue, 2-byte writes. */
static void place_doorbells(struct virtio_pci *vp, uint64_t addr, bool mapped)
{
	unsigned i;

	for (i = 0; vp->has_hooks && vp->hooks.ioeventfd && i < vp->nr_queues; i++) {
		struct virtio_pci_queue *q = &vp->q[i];

		if (q->ioeventfd_on) {
			vp->hooks.ioeventfd(vp->hooks.opaque, q->ioeventfd_gpa, 2, q->kick_fd, false);
			q->ioeventfd_on = false;
		}
		if (!mapped)
			continue;
		q->ioeventfd_gpa = addr + VIRTIO_PCI_NOTIFY_OFF + i * VIRTIO_PCI_NOTIFY_MULT;
		if (!vp->hooks.ioeventfd(vp->hooks.opaque, q->ioeventfd_gpa, 2, q->kick_fd, true))
			q->ioeventfd_on = true;
	}
}

static void vp_bar_map(struct pci_func *f, unsigned bar, uint64_t addr, bool mapped)
{
	if (bar == VIRTIO_PCI_BAR)
		place_doorbells(f->opaque, addr, mapped);
}

/* VIRTIO_PCI_CAP_PCI_CFG (at vp->cfg_cap): a window into the BAR through
 * config space. The window's access, if @off..@len is its data field and
 * the window is valid. */
static bool window(struct virtio_pci *vp, unsigned off, unsigned len, uint64_t *bar_off,
		   uint32_t *wlen)
{
	unsigned o = vp->cfg_cap;
	uint32_t l;

	if (!pci__overlaps(off, len, o + 16, 4))
		return false;
	l = pci__get32(&vp->pci, o + VIRTIO_PCI_CAP_LENGTH);
	*bar_off = pci__get32(&vp->pci, o + VIRTIO_PCI_CAP_OFFSET);
	if (pci__get8(&vp->pci, o + VIRTIO_PCI_CAP_BAR) != VIRTIO_PCI_BAR ||
	    (l != 1 && l != 2 && l != 4) || (*bar_off & (l - 1)) ||
	    *bar_off + l > VIRTIO_PCI_BAR_SIZE)
		return false;
	*wlen = l;
	return true;
}

static void vp_cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val,
			 uint32_t old)
{
	struct virtio_pci *vp = f->opaque;
	uint64_t boff;
	uint32_t wlen, data;

	(void)val;
	(void)old;
	msix__cfg_write(&vp->msix, off, len);
	if (pci__overlaps(off, len, PCI_COMMAND, 2)) {
		bool bme = pci__get16(f, PCI_COMMAND) & PCI_COMMAND_MASTER;
		unsigned i;

		/* Requests that waited while it was clear get served now. */
		if (bme && !atomic_exchange(&vp->bme, true))
			for (i = 0; i < vp->nr_queues; i++)
				(void)!eventfd_write(vp->q[i].kick_fd, 1);
		if (!bme)
			atomic_store(&vp->bme, false);
	}
	if (window(vp, off, len, &boff, &wlen)) {
		data = pci__get32(f, vp->cfg_cap + 16);
		virtio_pci__bar_access(vp, boff, &data, wlen, true);
	}
}

static void vp_cfg_read(struct pci_func *f, unsigned off, unsigned len, uint32_t *val)
{
	struct virtio_pci *vp = f->opaque;
	uint64_t boff;
	uint32_t wlen, data = 0;

	if (!window(vp, off, len, &boff, &wlen))
		return;
	virtio_pci__bar_access(vp, boff, &data, wlen, false);
	*val = (uint32_t)((uint64_t)data >> (8 * (off - (vp->cfg_cap + 16))));
	if (len < 4)
		*val &= (1u << (8 * len)) - 1;
}

static void vp_reset(struct pci_func *f)
{
	struct virtio_pci *vp = f->opaque;

	msix__reset(&vp->msix);
	atomic_store(&vp->bme, false);	/* the command register is reset too */
	pthread_mutex_lock(&vp->lock);
	device_reset(vp);
	pthread_mutex_unlock(&vp->lock);
}

static const struct pci_func_ops vp_ops = {
	.cfg_write = vp_cfg_write,
	.cfg_read = vp_cfg_read,
	.bar_map = vp_bar_map,
	.reset = vp_reset,
};

/* ------------------------------------------------------------ lifecycle */

/* Detach and close every vector's irqfd, release its GSI. */
static void irqfds_close(struct virtio_pci *vp)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(vp->irqfd); i++) {
		struct virtio_pci_irqfd *q = &vp->irqfd[i];

		if (atomic_load(&q->on))
			irq__irqfd(vp->irq, q->gsi, q->fd, false);
		if (q->routed)
			irq__del_msi_route(vp->irq, q->gsi);
		if (q->fd >= 0)
			close(q->fd);
		q->fd = -1;
		atomic_store(&q->on, false);
		q->routed = false;
	}
}

int virtio_pci__init(struct virtio_pci *vp, const struct virtio_pci_params *p)
{
	const struct pci_id id = {
		.vendor = VIRTIO_PCI_VENDOR, .device = VIRTIO_PCI_DEVICE_BASE + p->device_type,
		.class_code = p->class_code, .revision = 1,	/* modern (4.1.2.1) */
		.subsys_vendor = VIRTIO_PCI_VENDOR, .subsys = 0x40 + p->device_type,
	};
	const struct pci_pcie_params pcie = {
		.type = PCI_EXP_TYPE_ENDPOINT, .link_speed = 1, .link_width = 1,
	};
	uint16_t qs = p->queue_size;
	unsigned i;
	int ret, o;

	memset(vp, 0, sizeof(*vp));
	for (i = 0; i < VIRTIO_PCI_MAX_QUEUES; i++)
		vp->q[i].kick_fd = -1;
	if (!p->name || !p->ops || !p->send || !p->nr_queues ||
	    p->nr_queues > VIRTIO_PCI_MAX_QUEUES || !qs || qs > VQ_MAX_SIZE || (qs & (qs - 1)) ||
	    p->devcfg_size > VIRTIO_PCI_DEVCFG_MAX ||
	    (p->features & (1ULL << VIRTIO_F_ACCESS_PLATFORM)))
		return -EINVAL;
	snprintf(vp->name, sizeof(vp->name), "%s", p->name);
	vp->ops = p->ops;
	vp->opaque = p->opaque;
	vp->mem = p->mem;
	if (p->hooks) {
		vp->hooks = *p->hooks;
		vp->has_hooks = true;
	}
	vp->irq = p->irq;
	for (i = 0; i < ARRAY_SIZE(vp->irqfd); i++) {
		vp->irqfd[i].fd = -1;
		atomic_init(&vp->irqfd[i].on, false);
	}
	atomic_init(&vp->irqs_irqfd, 0);
	atomic_init(&vp->irqs_msix, 0);
	vp->features = p->features | 1ULL << VIRTIO_F_VERSION_1;
	vp->nr_queues = p->nr_queues;
	vp->devcfg_size = p->devcfg_size;
	atomic_init(&vp->isr, 0);
	atomic_init(&vp->generation, 0);
	atomic_init(&vp->bme, false);
	ret = -pthread_mutex_init(&vp->lock, NULL);
	if (ret)
		return ret;
	ret = -pthread_mutex_init(&vp->cfg_lock, NULL);
	if (ret)
		goto err_lock;
	for (i = 0; i < vp->nr_queues; i++) {
		vp->q[i].max_size = qs;
		vp->q[i].vq.size = qs;
		vp->q[i].kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vp->q[i].kick_fd < 0) {
			ret = -errno;
			goto err_fds;
		}
	}
	device_reset(vp);

	pci__init(&vp->pci, vp->name, &id);
	vp->pci.opaque = vp;
	vp->pci.ops = &vp_ops;
	ret = pci__set_bar(&vp->pci, VIRTIO_PCI_BAR, VIRTIO_PCI_BAR_SIZE, PCI_BAR_MEM64,
			   virtio_pci__bar_access, vp);
	if (ret)
		goto err_fds;
	ret = pci__add_pcie_cap(&vp->pci, &pcie);
	if (ret < 0)
		goto err_fds;
	ret = msix__init(&vp->msix, &vp->pci, vp->nr_queues + 1, VIRTIO_PCI_BAR,
			 VIRTIO_PCI_MSIX_OFF, VIRTIO_PCI_PBA_OFF, p->send, p->send_opaque);
	if (ret)
		goto err_fds;
	if ((ret = vendor_cap(&vp->pci, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF,
			      COMMON_SIZE, 16)) < 0 ||
	    (ret = vendor_cap(&vp->pci, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, ISR_SIZE,
			      16)) < 0 ||
	    (ret = vendor_cap(&vp->pci, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVCFG_OFF,
			      MAX(vp->devcfg_size, 4u), 16)) < 0 ||
	    (ret = vendor_cap(&vp->pci, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
			      NOTIFY_SIZE(vp->nr_queues), 20)) < 0)
		goto err_msix;
	pci__set32(&vp->pci, ret + 16, VIRTIO_PCI_NOTIFY_MULT);
	o = ret = vendor_cap(&vp->pci, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, PCI_CFG_CAP_LEN);
	if (ret < 0)
		goto err_msix;
	vp->cfg_cap = o;
	/* The window's bar, offset, length and data are the driver's. */
	pci__set_wmask(&vp->pci, o + VIRTIO_PCI_CAP_BAR, 1, 0xff);
	pci__set_wmask(&vp->pci, o + VIRTIO_PCI_CAP_OFFSET, 4, 0xffffffff);
	pci__set_wmask(&vp->pci, o + VIRTIO_PCI_CAP_LENGTH, 4, 0xffffffff);
	pci__set_wmask(&vp->pci, o + 16, 4, 0xffffffff);
	if (vp->irq) {
		for (i = 0; i <= vp->nr_queues; i++) {
			vp->irqfd[i].fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (vp->irqfd[i].fd < 0) {
				ret = -errno;
				goto err_msix;
			}
		}
		msix__set_update(&vp->msix, irqfd_update, vp);
	}
	return 0;
err_msix:
	msix__destroy(&vp->msix);
err_fds:
	irqfds_close(vp);
	for (i = 0; i < vp->nr_queues; i++)
		if (vp->q[i].kick_fd >= 0)
			close(vp->q[i].kick_fd);
	pthread_mutex_destroy(&vp->cfg_lock);
err_lock:
	pthread_mutex_destroy(&vp->lock);
	vp->ops = NULL;		/* virtio_pci__destroy: nothing left to undo */
	return ret;
}

void virtio_pci__destroy(struct virtio_pci *vp)
{
	unsigned i;

	if (!vp->ops)
		return;
	pthread_mutex_lock(&vp->lock);
	device_reset(vp);
	pthread_mutex_unlock(&vp->lock);
	pci__unmap_bars(&vp->pci);
	place_doorbells(vp, 0, false);
	msix__destroy(&vp->msix);
	irqfds_close(vp);
	for (i = 0; i < vp->nr_queues; i++)
		if (vp->q[i].kick_fd >= 0)
			close(vp->q[i].kick_fd);
	pthread_mutex_destroy(&vp->cfg_lock);
	pthread_mutex_destroy(&vp->lock);
	vp->ops = NULL;
}
