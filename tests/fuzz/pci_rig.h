/*
 * The PCI rig of the device harnesses (fuzz_pci.c, fuzz_mock_accel.c): the
 * machine's PCIe host with ECAM on an MMIO bus and 0xCF8/0xCFC on a PIO
 * bus, two NUMA expanders (buses 0x10 and 0x20) each with a root port and
 * a mock-accel PF of 2 VFs behind it, assigned as firmware would, and
 * guest RAM with PROT_NONE guard pages around it (a DMA or descriptor
 * address that escapes guest RAM faults instead of passing silently).
 * The input is a program of guest operations; each harness picks which
 * operations it draws from. Every input starts from the same state (a
 * fresh rig, zeroed RAM), so runs reproduce; the rig's memory itself is
 * reused, as fresh allocations would spend each run in page faults.
 */
#ifndef MVMM_FUZZ_PCI_RIG_H
#define MVMM_FUZZ_PCI_RIG_H

#include <linux/pci_regs.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "devices/mock_accel.h"
#include "tests/fuzz/fuzz.h"
#include "vmm/bus.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"
#include "vmm/pci_host.h"

#define PRIG_RAM_SIZE	(256ULL << 10)	/* small: reset by memset per input */
#define PRIG_GUARD	(1ULL << 20)
#define PRIG_NR_DEV	2
#define PRIG_MSI_ADDR	0xfee00000u

enum prig_op {
	PRIG_ECAM,		/* one ECAM access, biased to functions that exist */
	PRIG_CF8,		/* CONFIG_ADDRESS then a CONFIG_DATA access */
	PRIG_SRIOV,		/* NumVFs and SR-IOV Control (enable/disable storms) */
	PRIG_BAR,		/* an access in BAR0/BAR2 of a PF or VF */
	PRIG_DMA,		/* run the DMA engines' pending doorbells */
	PRIG_RAM,		/* the guest writes its own RAM */
	PRIG_MMIO,		/* an access anywhere on the MMIO bus */
	PRIG_ENABLE,		/* memory decoding + bus mastering on every function */
	PRIG_NR_OPS
};

struct prig {
	struct bus mmio, pio;
	struct pci_host h;
	struct gmem mem;
	uint8_t *map, *ram;
	struct mock_accel d[PRIG_NR_DEV];
	uint8_t bus[PRIG_NR_DEV];	/* each device's bus (root port's secondary) */
	atomic_uint msi;
	bool ram_dirty;			/* RAM may differ from zeroes */
};

static inline int prig_send(void *opaque, uint64_t addr, uint32_t data)
{
	struct prig *r = opaque;

	(void)addr;
	(void)data;
	atomic_fetch_add(&r->msi, 1);
	return 0;
}

/* A fresh rig whose PFs have @mem_size and VFs @vf_mem_size of device
 * memory. fuzz_mock_accel keeps them small: a DMA op may fill, copy or
 * checksum all of it, a byte loop that coverage instrumentation makes cost
 * ~1 s per 64 MiB, and the fuzzer comes to favour such inputs. */
static inline struct prig *prig_new(uint64_t mem_size, uint64_t vf_mem_size)
{
	static const struct pci_host_layout l = {
		.ecam_base = LAYOUT_ECAM, .ecam_size = LAYOUT_ECAM_SIZE,
		.mem32_base = LAYOUT_MMIO32, .mem32_size = LAYOUT_MMIO32_SIZE,
		.mem64_base = 1ULL << 36, .mem64_size = 1ULL << 38,
	};
	static const uint8_t roots[PRIG_NR_DEV] = { 0x10, 0x20 };
	static struct prig rig;
	struct prig *r = &rig;
	uint8_t *map = r->map;
	unsigned i;

	if (!map) {
		map = mmap(NULL, PRIG_RAM_SIZE + 2 * PRIG_GUARD, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		FZ_CHECK(map != MAP_FAILED);
		FZ_CHECK(mprotect(map + PRIG_GUARD, PRIG_RAM_SIZE, PROT_READ | PROT_WRITE) == 0);
	} else if (r->ram_dirty) {
		memset(map + PRIG_GUARD, 0, PRIG_RAM_SIZE);
	}
	memset(r, 0, sizeof(*r));
	r->map = map;
	r->ram = map + PRIG_GUARD;
	gmem__init(&r->mem);
	FZ_CHECK(gmem__add(&r->mem, 0, PRIG_RAM_SIZE, r->ram, 0) == 0);
	FZ_CHECK(bus__init(&r->mmio) == 0);
	FZ_CHECK(bus__init(&r->pio) == 0);
	FZ_CHECK(pci_host__init(&r->h, &r->mmio, &r->pio, &l) == 0);
	for (i = 0; i < PRIG_NR_DEV; i++) {
		struct mock_accel_params p = {
			.name = i ? "acc1" : "acc0", .memory_size = mem_size,
			.vf_memory_size = vf_mem_size, .total_vfs = 2, .send = prig_send,
			.send_opaque = r, .mem = &r->mem, .no_worker = true,
			.uuid = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x80, i },
		};
		struct pci_root *root;
		char name[16];

		snprintf(name, sizeof(name), "numa%u", i);
		FZ_CHECK(pci_host__add_expander(&r->h, name, roots[i], (int)i, &root) == 0);
		FZ_CHECK(mock_accel__init(&r->d[i], &p) == 0);
		FZ_CHECK(pci_host__add_device(&r->h, root, &r->d[i].pf.pci, 0, NULL) == 0);
		r->bus[i] = roots[i] + 1;
	}
	FZ_CHECK(pci_host__assign(&r->h) == 0);
	return r;
}

static inline void prig_free(struct prig *r)
{
	unsigned i;

	for (i = 0; i < PRIG_NR_DEV; i++)
		mock_accel__destroy(&r->d[i]);
	pci_host__destroy(&r->h);
	bus__destroy(&r->mmio);
	bus__destroy(&r->pio);
	gmem__destroy(&r->mem);
}

/* A bus number: mostly one that has functions (host bridge, root ports,
 * devices), sometimes any. */
static inline unsigned prig_pick_bus(struct prig *r, struct fz *f)
{
	uint8_t b = fz_u8(f);

	switch (b & 7) {
	case 0: return 0;
	case 1: return 0x10;
	case 2: return 0x20;
	case 3: case 4: return r->bus[0];
	case 5: return r->bus[1];
	default: return b;
	}
}

static inline unsigned prig_pick_devfn(struct fz *f)
{
	uint8_t v = fz_u8(f);

	return v & 0x80 ? v : v & 3;		/* PF, VF1, VF2, nothing */
}

/* Config register: the standard header, capability lists, SR-IOV. */
static inline unsigned prig_pick_reg(struct fz *f)
{
	return fz_u16(f) & 0xfff;
}

static inline void prig_access(struct bus *b, uint64_t addr, struct fz *f)
{
	uint8_t ctl = fz_u8(f);
	unsigned len = 1u << (ctl & 3);
	uint64_t v = fz_u64(f);

	/* The vCPU loop dispatches what KVM decodes: 1..8 bytes. */
	bus__access(b, addr, &v, len, ctl & 4);
}

static inline uint64_t prig_bar_addr(struct prig *r, unsigned dev, unsigned fn, unsigned bar)
{
	struct pci_func *pf = &r->d[dev].pf.pci;
	unsigned idx;

	if (fn == 0)
		return pci__bar_addr(pf, bar);
	idx = PCI_VF_BAR(bar);
	return pci__bar_addr(pf, idx) + (fn - 1) * pf->bars[idx].size;
}

static inline void prig_enable(struct prig *r)
{
	unsigned i, fn;

	for (i = 0; i < PRIG_NR_DEV; i++) {
		pci_host__cfg_write(&r->h, r->bus[i] - 1, 0, PCI_COMMAND, 2,
				    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		for (fn = 0; fn < 3; fn++)
			pci_host__cfg_write(&r->h, r->bus[i], fn, PCI_COMMAND, 2,
					    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	}
}

static inline void prig_op(struct prig *r, struct fz *f, enum prig_op op)
{
	/* Anything but a config cycle may make a DMA engine write RAM. */
	r->ram_dirty |= op == PRIG_BAR || op == PRIG_DMA || op == PRIG_RAM || op == PRIG_MMIO;
	unsigned dev = fz_u8(f) % PRIG_NR_DEV, bus, devfn, reg, cap = MOCK_ACCEL_SRIOV_CAP_OFFSET;
	uint64_t off, addr;
	uint8_t buf[256];
	uint32_t cf8;
	unsigned n;

	switch (op) {
	case PRIG_ECAM:
		bus = prig_pick_bus(r, f);
		devfn = prig_pick_devfn(f);
		reg = prig_pick_reg(f);
		prig_access(&r->mmio, LAYOUT_ECAM + ((uint64_t)bus << 20 | devfn << 12 | reg), f);
		break;
	case PRIG_CF8:
		bus = prig_pick_bus(r, f);
		devfn = prig_pick_devfn(f);
		reg = fz_u8(f);
		cf8 = fz_u8(f) & 1 ? fz_u32(f) : 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc);
		bus__access(&r->pio, 0xcf8, &cf8, 4, true);
		prig_access(&r->pio, 0xcfc + (reg & 3), f);
		break;
	case PRIG_SRIOV:
		pci_host__cfg_write(&r->h, r->bus[dev], 0, cap + PCI_SRIOV_NUM_VF, 2, fz_u8(f) % 4);
		pci_host__cfg_write(&r->h, r->bus[dev], 0, cap + PCI_SRIOV_CTRL, 2, fz_u16(f));
		break;
	case PRIG_BAR:
		n = fz_u8(f);
		addr = prig_bar_addr(r, dev, n % 3, n & 4 ? 2 : 0);
		off = n & 4 ? fz_u32(f) % (r->d[dev].pf.memory_size + r->d[dev].vf_memory_size) :
			      fz_u16(f) % 0x1100;
		prig_access(&r->mmio, addr + off, f);
		break;
	case PRIG_DMA:
		mock_accel__dma_poll(&r->d[dev]);
		break;
	case PRIG_RAM:
		off = fz_u32(f) % PRIG_RAM_SIZE;
		n = fz_u8(f);
		if (n > PRIG_RAM_SIZE - off)
			n = PRIG_RAM_SIZE - off;
		fz_bytes(f, buf, n);
		memcpy(r->ram + off, buf, n);
		break;
	case PRIG_MMIO:
		prig_access(&r->mmio, fz_u64(f), f);
		break;
	default:
		prig_enable(r);
		break;
	}
}

/* Run the input as a program drawing from @ops. */
static inline void prig_run(struct prig *r, struct fz *f, const enum prig_op *ops, unsigned nops)
{
	unsigned steps = 0;

	while (fz_left(f) && steps++ < 512)
		prig_op(r, f, ops[fz_u8(f) % nops]);
	/* Whatever the program left pending runs too, as the worker would. */
	for (unsigned i = 0; i < PRIG_NR_DEV; i++)
		mock_accel__dma_poll(&r->d[i]);
}

#endif
