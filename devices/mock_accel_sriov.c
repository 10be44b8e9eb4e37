/*
 * mock-accel SR-IOV: the PF's SR-IOV extended capability at 0x100 and its
 * VFs, which exist only while VF Enable is set. Setting VF Enable
 * materialises NumVFs VFs (capped at TotalVFs) at functions 1..N of the PF's
 * slot with a fresh config space; clearing it removes them (their config
 * reads all-ones again). VF n's BAR0 and BAR2 decode at the PF's VF BAR
 * base + n * size while VF Enable and VF MSE are set, as Linux's
 * drivers/pci/iov.c expects (sriov_init sizes the VF BARs, sriov_enable
 * writes NumVFs, reads First VF Offset/Stride, sets VFE | MSE, waits 100 ms
 * and probes functions 1..N).
 */
#include <errno.h>
#include <string.h>

#include "devices/mock_accel_priv.h"
#include "vmm/pci_host.h"
#include "vmm/util.h"

#define SRIOV_CTRL_WMASK	(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI)
/* Only 4 KiB system pages: VF BAR0 is one page, and x86 guests use 4 KiB. */
#define SRIOV_PGSIZE_4K		0x1

static void vf_cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val,
			 uint32_t old)
{
	struct mock_accel_fn *fn = f->opaque;

	(void)val;
	(void)old;
	msix__cfg_write(&fn->msix, off, len);
	if (pci__overlaps(off, len, PCI_COMMAND, 2))
		mock_accel_fn__sync_bme(fn);
}

/* VF FLR, and every time VF Enable brings the VF back. */
static void vf_reset(struct pci_func *f)
{
	mock_accel_fn__reset(f->opaque);
}

static const struct pci_func_ops vf_ops = {
	.cfg_write = vf_cfg_write,
	.reset = vf_reset,
};

int mock_accel_sriov__init(struct mock_accel *d)
{
	struct pci_func *f = &d->pf.pci;
	uint16_t total = d->total_vfs;
	int cap, ret;
	unsigned i;

	for (i = 0; i < d->total_vfs; i++) {
		d->vfs[i].pci.ops = &vf_ops;
		pci__seal(&d->vfs[i].pci);	/* what VF Enable restores */
	}
	if (!total)
		return 0;
	cap = pci__add_ext_cap(f, PCI_EXT_CAP_ID_SRIOV, 1, MOCK_ACCEL_SRIOV_CAP_SIZE);
	if (cap < 0)
		return cap;
	if (cap != MOCK_ACCEL_SRIOV_CAP_OFFSET)	/* docs/mock-accel.md: at 0x100 */
		return -EINVAL;
	d->sriov_cap = cap;
	pci__set_wmask(f, cap + PCI_SRIOV_CTRL, 2, SRIOV_CTRL_WMASK);
	pci__set16(f, cap + PCI_SRIOV_INITIAL_VF, total);
	pci__set16(f, cap + PCI_SRIOV_TOTAL_VF, total);
	pci__set_wmask(f, cap + PCI_SRIOV_NUM_VF, 2, 0xffff);
	pci__set16(f, cap + PCI_SRIOV_VF_OFFSET, MOCK_ACCEL_VF_OFFSET);
	pci__set16(f, cap + PCI_SRIOV_VF_STRIDE, MOCK_ACCEL_VF_STRIDE);
	pci__set16(f, cap + PCI_SRIOV_VF_DID, MOCK_ACCEL_VF_DEVICE_ID);
	pci__set32(f, cap + PCI_SRIOV_SUP_PGSIZE, SRIOV_PGSIZE_4K);
	pci__set32(f, cap + PCI_SRIOV_SYS_PGSIZE, SRIOV_PGSIZE_4K);
	pci__set_wmask(f, cap + PCI_SRIOV_SYS_PGSIZE, 4, SRIOV_PGSIZE_4K);
	ret = pci__set_vf_bar(f, MOCK_ACCEL_BAR_REGS, cap + PCI_SRIOV_BAR, MOCK_ACCEL_BAR0_SIZE,
			      total, PCI_BAR_MEM32);
	if (ret)
		return ret;
	return pci__set_vf_bar(f, MOCK_ACCEL_BAR_DEVMEM,
			       cap + PCI_SRIOV_BAR + 4 * MOCK_ACCEL_BAR_DEVMEM,
			       d->vfs[0].bar2_size, total, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
}

struct pci_func *mock_accel_sriov__func_at(struct pci_func *f, uint8_t devfn)
{
	struct mock_accel_fn *pf = f->opaque;
	struct mock_accel *d = pf->dev;
	unsigned fnum = devfn & 7;

	/* First VF Offset 1, VF Stride 1: VF n is function n + 1 of our slot. */
	if ((devfn >> 3) != (f->devfn >> 3) || fnum < MOCK_ACCEL_VF_OFFSET ||
	    fnum - MOCK_ACCEL_VF_OFFSET >= d->nr_vfs)
		return NULL;
	return &d->vfs[fnum - MOCK_ACCEL_VF_OFFSET].pci;
}

/* VF @vf's BAR (@k: MOCK_ACCEL_VF_BAR0 or _BAR2) to where the PF's VF BAR
 * says, or off the bus when @on is false. */
static void vf_bar_sync(struct mock_accel *d, struct mock_accel_fn *vf, unsigned k, bool on)
{
	unsigned bar = k == MOCK_ACCEL_VF_BAR0 ? MOCK_ACCEL_BAR_REGS : MOCK_ACCEL_BAR_DEVMEM;
	unsigned idx = PCI_VF_BAR(bar);
	struct pci_func *pf = &d->pf.pci;
	struct mock_accel_bar_map *m = &vf->vbar[k];
	uint64_t size = pf->bars[idx].size, base = pci__bar_addr(pf, idx);
	uint64_t addr = base + (uint64_t)vf->vf * size;
	/* 0 is "unassigned"; a window that wraps (a BAR left at its sizing
	 * pattern) cannot be decoded. */
	bool want = on && base && pf->mmio &&
		    addr + (size - 1) >= base && addr >= base;

	if (m->mapped && (!want || addr != m->addr)) {
		bus__unregister(pf->mmio, m->addr);
		m->mapped = false;
		mock_accel_mem__bar_moved(vf, bar, m->addr, false);
	}
	if (!want || m->mapped)
		return;
	/* Overlapping BARs: this one does not decode until moved somewhere
	 * free, as pci.c does for standard BARs. */
	if (bus__register(pf->mmio, addr, size, bar == MOCK_ACCEL_BAR_REGS ?
			  mock_accel__bar0_access : mock_accel__bar2_access, vf, vf->name))
		return;
	m->mapped = true;
	m->addr = addr;
	mock_accel_mem__bar_moved(vf, bar, addr, true);
}

static void vf_remove(struct mock_accel *d, struct mock_accel_fn *vf)
{
	atomic_store(&vf->present, false);
	vf_bar_sync(d, vf, MOCK_ACCEL_VF_BAR0, false);
	vf_bar_sync(d, vf, MOCK_ACCEL_VF_BAR2, false);
	mock_accel_fn__reset(vf);	/* drops a running DMA operation */
}

void mock_accel_sriov__update(struct mock_accel *d)
{
	struct pci_func *pf = &d->pf.pci;
	unsigned cap = d->sriov_cap, i, n;
	uint16_t ctrl;
	bool vfe, mse;

	if (!cap)
		return;
	ctrl = pci__get16(pf, cap + PCI_SRIOV_CTRL);
	vfe = ctrl & PCI_SRIOV_CTRL_VFE;
	mse = ctrl & PCI_SRIOV_CTRL_MSE;
	if (vfe && !d->vf_enable) {
		n = MIN((unsigned)pci__get16(pf, cap + PCI_SRIOV_NUM_VF), d->total_vfs);
		for (i = 0; i < n; i++) {
			struct mock_accel_fn *vf = &d->vfs[i];

			vf->pci.bus = pf->bus;
			vf->pci.devfn = pf->devfn + MOCK_ACCEL_VF_OFFSET + i * MOCK_ACCEL_VF_STRIDE;
			vf->pci.mmio = pf->mmio;
			vf->pci.pio = pf->pio;
			pci__reset(&vf->pci);	/* a fresh config space each time */
			atomic_store(&vf->present, true);
		}
		d->nr_vfs = n;
		d->vf_enable = true;
	} else if (!vfe && d->vf_enable) {
		for (i = 0; i < d->nr_vfs; i++)
			vf_remove(d, &d->vfs[i]);
		d->nr_vfs = 0;
		d->vf_enable = false;
	}
	for (i = 0; i < d->nr_vfs; i++) {
		vf_bar_sync(d, &d->vfs[i], MOCK_ACCEL_VF_BAR0, mse);
		vf_bar_sync(d, &d->vfs[i], MOCK_ACCEL_VF_BAR2, mse);
	}
}

void mock_accel_sriov__cfg_write(struct mock_accel *d, unsigned off, unsigned len)
{
	struct pci_func *pf = &d->pf.pci;
	unsigned cap = d->sriov_cap;

	if (!cap || !pci__overlaps(off, len, cap, MOCK_ACCEL_SRIOV_CAP_SIZE))
		return;
	/* NumVFs may only change while VF Enable is clear (the spec leaves
	 * other writes undefined): the VFs that exist stay. */
	if (d->vf_enable && pci__overlaps(off, len, cap + PCI_SRIOV_NUM_VF, 2))
		pci__set16(pf, cap + PCI_SRIOV_NUM_VF, d->nr_vfs_written);
	mock_accel_sriov__update(d);
	if (d->vf_enable)
		d->nr_vfs_written = pci__get16(pf, cap + PCI_SRIOV_NUM_VF);
}

void mock_accel_sriov__destroy(struct mock_accel *d)
{
	unsigned i;

	for (i = 0; i < d->nr_vfs; i++) {
		atomic_store(&d->vfs[i].present, false);
		vf_bar_sync(d, &d->vfs[i], MOCK_ACCEL_VF_BAR0, false);
		vf_bar_sync(d, &d->vfs[i], MOCK_ACCEL_VF_BAR2, false);
	}
	d->nr_vfs = 0;
	d->vf_enable = false;
}
