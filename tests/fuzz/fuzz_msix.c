/*
 * MSI-X: the capability's Message Control, the vector table and the PBA
 * of a function with 70 vectors (a PBA of two qwords, the second partial),
 * interleaved with device interrupts, pending-bit queries and function
 * resets. Oracles beyond the sanitizers: a message is only ever sent while
 * MSI-X is enabled and the function unmasked, and the update callback (the
 * irqfd path) never calls a vector deliverable under a mask.
 */
#include <linux/pci_regs.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/msix.h"
#include "vmm/pci.h"

#define NVEC	70
#define TABLE	0x0
#define PBA	0x800

struct dev {
	struct pci_func f;
	struct msix m;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cfg_hook(struct pci_func *f, unsigned off, unsigned len, uint32_t val, uint32_t old)
{
	struct dev *d = f->opaque;

	(void)val;
	(void)old;
	msix__cfg_write(&d->m, off, len);
}

static const struct pci_func_ops ops = { .cfg_write = cfg_hook };

static void nop_bar(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	(void)opaque, (void)off, (void)data, (void)len, (void)is_write;
}

/* Runs under the model's lock: its state is stable here. */
static int send(void *opaque, uint64_t addr, uint32_t data)
{
	struct dev *d = opaque;

	(void)addr;
	(void)data;
	FZ_CHECK(d->m.enabled && !d->m.masked);
	return 0;
}

static void update(void *opaque, unsigned v, bool deliverable, uint64_t addr, uint32_t data)
{
	struct dev *d = opaque;

	(void)addr;
	(void)data;
	FZ_CHECK(v < NVEC);
	if (deliverable)
		FZ_CHECK(d->m.enabled && !d->m.masked && !(d->m.table[v].ctrl & 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pci_id id = { .vendor = 0x1de5, .device = 1, .class_code = 0x120000 };
	static struct dev d;
	struct fz f = { data, size };
	unsigned steps = 0;
	uint32_t r32;
	uint64_t v;

	memset(&d, 0, sizeof(d));
	pci__init(&d.f, "dev", &id);
	d.f.ops = &ops;
	d.f.opaque = &d;
	FZ_CHECK(pci__set_bar(&d.f, 2, 0x4000, PCI_BAR_MEM64, nop_bar, &d) == 0);
	FZ_CHECK(msix__init(&d.m, &d.f, NVEC, 2, TABLE, PBA, send, &d) == 0);
	pci__seal(&d.f);
	if (fz_u8(&f) & 1)
		msix__set_update(&d.m, update, &d);
	while (fz_left(&f) && steps++ < 512) {
		uint8_t op = fz_u8(&f);
		unsigned len = fz_width(&f);
		uint16_t off = fz_u16(&f);

		v = fz_u64(&f);
		switch (op % 6) {
		case 0: case 1:		/* table and PBA, any width and alignment */
			msix__bar_access(&d.m, off % 0x1000, &v, len, op & 0x80);
			break;
		case 2:			/* Message Control: Enable / Function Mask */
			pci__cfg_write(&d.f, d.m.cap + PCI_MSIX_FLAGS, 2, (uint32_t)v);
			break;
		case 3:			/* anywhere in config space */
			if (op & 0x80)
				pci__cfg_write(&d.f, off % 4096, len > 4 ? 4 : len, (uint32_t)v);
			else
				pci__cfg_read(&d.f, off % 4096, len > 4 ? 4 : len, &r32);
			break;
		case 4:			/* the device raises a vector (some out of range) */
			msix__notify(&d.m, off % (NVEC + 4));
			msix__pending(&d.m, off % (NVEC + 4));
			break;
		default:		/* function reset */
			pci__reset(&d.f);
			msix__reset(&d.m);
			break;
		}
	}
	msix__destroy(&d.m);
	return 0;
}
