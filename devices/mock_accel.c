/*
 * mock-accel PF: identity and BAR0 registers (MOCK-ACCEL.md), MSI-X table
 * in BAR0. See mock_accel.h and mock_accel_regs.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/mock_accel.h"
#include "vmm/pci_host.h"

static void pf_cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val,
			 uint32_t old)
{
	struct mock_accel *d = f->opaque;

	(void)val;
	(void)old;
	msix__cfg_write(&d->msix, off, len);
}

/* FLR or a secondary bus reset: config space is back to its reset image;
 * the MSI-X table goes back to all-masked. STATUS is software state that
 * survives until the VM stops (mock_accel_regs.h). */
static void pf_reset(struct pci_func *f)
{
	struct mock_accel *d = f->opaque;

	msix__reset(&d->msix);
}

static const struct pci_func_ops pf_ops = {
	.cfg_write = pf_cfg_write,
	.reset = pf_reset,
};

/* One aligned dword of the register block; reserved offsets read 0. */
static uint32_t reg_read(struct mock_accel *d, uint64_t off)
{
	uint32_t v;

	switch (off) {
	case MOCK_ACCEL_REG_DEVICE_ID:
		return MOCK_ACCEL_DEVICE_ID_MAGIC;
	case MOCK_ACCEL_REG_REVISION:
		return MOCK_ACCEL_REVISION;
	case MOCK_ACCEL_REG_UUID ... MOCK_ACCEL_REG_UUID + MOCK_ACCEL_UUID_LEN - 1:
		/* byte 0 of the UUID at the lowest address */
		memcpy(&v, d->uuid + (off - MOCK_ACCEL_REG_UUID), 4);
		return v;
	case MOCK_ACCEL_REG_MEMORY_SIZE_LO:
		return (uint32_t)d->memory_size;
	case MOCK_ACCEL_REG_MEMORY_SIZE_HI:
		return d->memory_size >> 32;
	case MOCK_ACCEL_REG_CAPABILITIES:
		return d->caps;
	case MOCK_ACCEL_REG_STATUS:
		return d->status;
	case MOCK_ACCEL_REG_FW_VERSION:
		return MOCK_ACCEL_FW_VERSION;
	default:
		return 0;
	}
}

static void reg_write(struct mock_accel *d, uint64_t off, uint32_t v)
{
	if (off == MOCK_ACCEL_REG_STATUS)
		d->status = v;
	/* everything else is read-only or reserved: dropped */
}

void mock_accel__bar0_access(void *opaque, uint64_t off, void *data, uint32_t len,
			     bool is_write)
{
	struct mock_accel *d = opaque;
	uint32_t v[2];
	unsigned i;

	if (msix__bar_access(&d->msix, off, data, len, is_write))
		return;
	/* Dword registers; an aligned qword is two of them (low first). A
	 * misbehaving guest's odd access reads all-ones and is dropped. */
	if ((len != 4 && len != 8) || (off & (len - 1)) || off + len > MOCK_ACCEL_BAR0_SIZE) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (is_write) {
		memcpy(v, data, len);
		for (i = 0; i < len / 4; i++)
			reg_write(d, off + 4 * i, v[i]);
	} else {
		for (i = 0; i < len / 4; i++)
			v[i] = reg_read(d, off + 4 * i);
		memcpy(data, v, len);
	}
	pthread_mutex_unlock(&d->lock);
}

int mock_accel__init(struct mock_accel *d, const struct mock_accel_params *p)
{
	const struct pci_id id = {
		.vendor = MOCK_ACCEL_VENDOR_ID, .device = MOCK_ACCEL_PF_DEVICE_ID,
		.class_code = MOCK_ACCEL_CLASS_CODE, .revision = MOCK_ACCEL_REVISION_ID,
		.subsys_vendor = MOCK_ACCEL_SUBSYS_VENDOR_ID, .subsys = MOCK_ACCEL_PF_DEVICE_ID,
		/* VFs are functions 1..N of this slot (MOCK-ACCEL.md). */
		.multifunction = true,
	};
	const struct pci_pcie_params pcie = {
		.type = PCI_EXP_TYPE_ENDPOINT,
		.link_speed = PCI_LINK_SPEED,
		.link_width = PCI_LINK_WIDTH,
		.flr = true,
	};
	int ret;

	memset(d, 0, sizeof(*d));
	if (!p->name || !p->send || p->total_vfs > MOCK_ACCEL_MAX_VFS)
		return -EINVAL;
	snprintf(d->name, sizeof(d->name), "%s", p->name);
	memcpy(d->uuid, p->uuid, sizeof(d->uuid));
	d->memory_size = p->memory_size;
	d->vf_memory_size = p->vf_memory_size;
	d->total_vfs = p->total_vfs;
	d->caps = MOCK_ACCEL_CAP_COMPUTE;
	d->status = MOCK_ACCEL_STATUS_RESET_VALUE;
	ret = -pthread_mutex_init(&d->lock, NULL);
	if (ret)
		return ret;

	pci__init(&d->pf, d->name, &id);
	d->pf.ops = &pf_ops;
	d->pf.opaque = d;
	ret = pci__set_bar(&d->pf, MOCK_ACCEL_BAR_REGS, MOCK_ACCEL_BAR0_SIZE, PCI_BAR_MEM32,
			   mock_accel__bar0_access, d);
	if (ret)
		goto err;
	ret = pci__add_pcie_cap(&d->pf, &pcie);
	if (ret < 0)
		goto err;
	ret = msix__init(&d->msix, &d->pf, MOCK_ACCEL_MSIX_VECTORS, MOCK_ACCEL_BAR_REGS,
			 MOCK_ACCEL_MSIX_TABLE_OFFSET, MOCK_ACCEL_MSIX_PBA_OFFSET, p->send,
			 p->send_opaque);
	if (ret)
		goto err;
	return 0;
err:
	pthread_mutex_destroy(&d->lock);
	return ret;
}

void mock_accel__destroy(struct mock_accel *d)
{
	if (!d->pf.name)
		return;
	pci__unmap_bars(&d->pf);
	msix__destroy(&d->msix);
	pthread_mutex_destroy(&d->lock);
	d->pf.name = NULL;
}
