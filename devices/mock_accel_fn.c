/*
 * mock-accel: one function's register model (PF and VF alike): PCI
 * identity, BAR0 with docs/mock-accel.md's registers, the DMA block (its
 * semantics in mock_accel_dma.c) and the MSI-X table/PBA.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/mock_accel_priv.h"
#include "vmm/pci_host.h"
#include "vmm/util.h"

/* A VF's command register: Memory Space Enable is RsvdP for VFs (the PF's
 * VF MSE decides), Bus Master Enable is the VF's own. */
#define VF_CMD_WMASK	(PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR | \
			 PCI_COMMAND_INTX_DISABLE)

void mock_accel_fn__sync_bme(struct mock_accel_fn *fn)
{
	atomic_store(&fn->bme, pci__get16(&fn->pci, PCI_COMMAND) & PCI_COMMAND_MASTER);
}

void mock_accel_fn__reset(struct mock_accel_fn *fn)
{
	msix__reset(&fn->msix);
	pthread_mutex_lock(&fn->lock);
	mock_accel_dma__reset_locked(fn);
	mock_accel_pass__reset(&fn->pass, false);
	pthread_mutex_unlock(&fn->lock);
	mock_accel_fn__sync_bme(fn);
}

#define PASS_END	(MOCK_ACCEL_REG_PASSPHRASE_BUFFER + MOCK_ACCEL_PASSPHRASE_BUFFER_LEN)

/*
 * 8- and 16-bit reads of the byte-addressed registers, UUID and
 * PASSPHRASE_BUFFER (the out-of-tree driver reads them bytewise): true
 * when @off/@len is one, naturally aligned and inside. Dword and qword
 * accesses of them take the dword path like every other register.
 */
static bool narrow_read(struct mock_accel_fn *fn, uint64_t off, void *data, uint32_t len)
{
	const uint8_t *b;

	if ((len != 1 && len != 2) || (off & (len - 1)))
		return false;
	if (off >= MOCK_ACCEL_REG_UUID && off + len <= MOCK_ACCEL_REG_UUID + MOCK_ACCEL_UUID_LEN)
		b = fn->uuid + (off - MOCK_ACCEL_REG_UUID);
	else if (off >= MOCK_ACCEL_REG_PASSPHRASE_BUFFER && off + len <= PASS_END)
		b = (const uint8_t *)fn->pass.buf + (off - MOCK_ACCEL_REG_PASSPHRASE_BUFFER);
	else
		return false;
	pthread_mutex_lock(&fn->lock);
	memcpy(data, b, len);
	pthread_mutex_unlock(&fn->lock);
	return true;
}

/* One aligned dword of BAR0 (lock held); reserved offsets read 0. */
static uint32_t reg_read(struct mock_accel_fn *fn, uint64_t off)
{
	uint32_t v;

	switch (off) {
	case MOCK_ACCEL_REG_DEVICE_ID:
		return MOCK_ACCEL_DEVICE_ID_MAGIC;
	case MOCK_ACCEL_REG_REVISION:
		return MOCK_ACCEL_REVISION;
	case MOCK_ACCEL_REG_UUID ... MOCK_ACCEL_REG_UUID + MOCK_ACCEL_UUID_LEN - 1:
		/* byte 0 of the UUID at the lowest address */
		memcpy(&v, fn->uuid + (off - MOCK_ACCEL_REG_UUID), 4);
		return v;
	case MOCK_ACCEL_REG_MEMORY_SIZE_LO:
		return (uint32_t)fn->memory_size;
	case MOCK_ACCEL_REG_MEMORY_SIZE_HI:
		return fn->memory_size >> 32;
	case MOCK_ACCEL_REG_CAPABILITIES:
		return fn->caps;
	case MOCK_ACCEL_REG_STATUS:
		return fn->status;
	case MOCK_ACCEL_REG_FW_VERSION:
		return MOCK_ACCEL_FW_VERSION;
	case MOCK_ACCEL_REG_DMA_SRC ... MOCK_ACCEL_REG_DMA_END - 1:
		return mock_accel_dma__reg_read(fn, off);
	case MOCK_ACCEL_REG_PASSPHRASE_CMD ... PASS_END - 1:
		return mock_accel_pass__reg_read(&fn->pass, off);
	default:
		return 0;
	}
}

static void reg_write(struct mock_accel_fn *fn, uint64_t off, uint32_t v)
{
	if (off == MOCK_ACCEL_REG_STATUS)
		fn->status = v;
	else if (off >= MOCK_ACCEL_REG_DMA_SRC && off < MOCK_ACCEL_REG_DMA_END)
		mock_accel_dma__reg_write(fn, off, v);
	else if (off >= MOCK_ACCEL_REG_PASSPHRASE_CMD && off < PASS_END)
		mock_accel_pass__reg_write(&fn->pass, off, v);
	/* everything else is read-only or reserved: dropped */
}

void mock_accel__bar0_access(void *opaque, uint64_t off, void *data, uint32_t len,
			     bool is_write)
{
	struct mock_accel_fn *fn = opaque;
	uint32_t v[2];
	unsigned i;

	/* A VF's BAR can still be in flight on another vCPU while VF Enable
	 * is cleared: a function that does not exist answers nothing. */
	if (!atomic_load(&fn->present)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (msix__bar_access(&fn->msix, off, data, len, is_write))
		return;
	if (!is_write && narrow_read(fn, off, data, len))
		return;
	/* Dword registers; an aligned qword is two of them (low first). A
	 * misbehaving guest's odd access reads all-ones and is dropped. */
	if ((len != 4 && len != 8) || (off & (len - 1)) || off + len > MOCK_ACCEL_BAR0_SIZE) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&fn->lock);
	if (is_write) {
		memcpy(v, data, len);
		for (i = 0; i < len / 4; i++)
			reg_write(fn, off + 4 * i, v[i]);
	} else {
		for (i = 0; i < len / 4; i++)
			v[i] = reg_read(fn, off + 4 * i);
		memcpy(data, v, len);
	}
	pthread_mutex_unlock(&fn->lock);
}

/* BAR2 size: MEMORY_SIZE rounded up to a power of two, at least a page. */
static uint64_t bar2_size_of(uint64_t memory_size)
{
	uint64_t s = SZ_4K;

	while (s < memory_size)
		s <<= 1;
	return s;
}

int mock_accel_fn__init(struct mock_accel_fn *fn, struct mock_accel *d, int vf,
			const uint8_t uuid[MOCK_ACCEL_UUID_LEN], uint64_t memory_size,
			msix_send_fn send, void *send_opaque)
{
	const struct pci_id id = {
		.vendor = MOCK_ACCEL_VENDOR_ID,
		.device = vf < 0 ? MOCK_ACCEL_PF_DEVICE_ID : MOCK_ACCEL_VF_DEVICE_ID,
		.class_code = MOCK_ACCEL_CLASS_CODE, .revision = MOCK_ACCEL_REVISION_ID,
		.subsys_vendor = MOCK_ACCEL_SUBSYS_VENDOR_ID,
		.subsys = vf < 0 ? MOCK_ACCEL_PF_DEVICE_ID : MOCK_ACCEL_VF_DEVICE_ID,
		/* VFs are functions 1..N of the PF's slot (docs/mock-accel.md). */
		.multifunction = vf < 0,
	};
	const struct pci_pcie_params pcie = {
		.type = PCI_EXP_TYPE_ENDPOINT,
		.link_speed = PCI_LINK_SPEED,
		.link_width = PCI_LINK_WIDTH,
		.flr = true,
	};
	int ret;

	fn->dev = d;
	fn->vf = vf;
	fn->slot = -1;
	fn->doorbell = -1;
	if (vf < 0)
		snprintf(fn->name, sizeof(fn->name), "%s", d->name);
	else
		snprintf(fn->name, sizeof(fn->name), "%s.vf%d", d->name, vf);
	memcpy(fn->uuid, uuid, MOCK_ACCEL_UUID_LEN);
	fn->memory_size = memory_size;
	fn->bar2_size = bar2_size_of(memory_size);
	fn->caps = MOCK_ACCEL_CAP_COMPUTE | MOCK_ACCEL_CAP_DMA | MOCK_ACCEL_CAP_MSIX |
		   MOCK_ACCEL_CAP_DEVMEM_BAR;
	if (vf < 0 && d->total_vfs)
		fn->caps |= MOCK_ACCEL_CAP_SRIOV;
	fn->status = MOCK_ACCEL_STATUS_RESET_VALUE;
	mock_accel_pass__reset(&fn->pass, true);
	atomic_init(&fn->present, vf < 0);
	atomic_init(&fn->epoch, 0);
	atomic_init(&fn->abort_req, false);
	atomic_init(&fn->bme, false);
	ret = -pthread_mutex_init(&fn->lock, NULL);
	if (ret)
		return ret;
	fn->doorbell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fn->doorbell < 0) {
		ret = -errno;
		goto err_lock;
	}

	pci__init(&fn->pci, fn->name, &id);
	fn->pci.opaque = fn;
	ret = pci__set_bar(&fn->pci, MOCK_ACCEL_BAR_REGS, MOCK_ACCEL_BAR0_SIZE, PCI_BAR_MEM32,
			   mock_accel__bar0_access, fn);
	if (ret)
		goto err_fd;
	if (vf < 0) {
		ret = pci__set_bar(&fn->pci, MOCK_ACCEL_BAR_DEVMEM, fn->bar2_size,
				   PCI_BAR_MEM64 | PCI_BAR_PREFETCH, mock_accel__bar2_access, fn);
		if (ret)
			goto err_fd;
	} else {
		/* A VF's own BAR registers are read-only zero: its BARs are the
		 * PF's VF BARs. bars[0] stays described for MSI-X (table in
		 * BAR0); with Memory Space Enable hardwired to 0, pci.c never
		 * maps it. */
		pci__set_wmask(&fn->pci, PCI_BASE_ADDRESS_0, 4, 0);
		pci__set_wmask(&fn->pci, PCI_COMMAND, 2, VF_CMD_WMASK);
	}
	ret = pci__add_pcie_cap(&fn->pci, &pcie);
	if (ret < 0)
		goto err_fd;
	ret = msix__init(&fn->msix, &fn->pci, MOCK_ACCEL_MSIX_VECTORS, MOCK_ACCEL_BAR_REGS,
			 MOCK_ACCEL_MSIX_TABLE_OFFSET, MOCK_ACCEL_MSIX_PBA_OFFSET, send,
			 send_opaque);
	if (ret)
		goto err_fd;
	ret = mock_accel_mem__alloc(fn, memory_size);
	if (ret)
		goto err_msix;
	return 0;
err_msix:
	msix__destroy(&fn->msix);
err_fd:
	close(fn->doorbell);
	fn->doorbell = -1;
err_lock:
	pthread_mutex_destroy(&fn->lock);
	fn->dev = NULL;
	return ret;
}

void mock_accel_fn__destroy(struct mock_accel_fn *fn)
{
	if (!fn->dev)
		return;
	atomic_store(&fn->present, false);
	pci__unmap_bars(&fn->pci);
	mock_accel_mem__free(fn);
	msix__destroy(&fn->msix);
	close(fn->doorbell);
	fn->doorbell = -1;
	pthread_mutex_destroy(&fn->lock);
	fn->dev = NULL;
}
