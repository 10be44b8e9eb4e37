/*
 * PCI function model: one PCI/PCIe function's configuration space, used by
 * everything that answers config cycles (host bridge, root ports, devices,
 * SR-IOV VFs).
 *
 *  - cfg[] holds the 4 KiB of (extended) config space, little-endian.
 *  - wmask[] says which bits a guest write may change, w1c[] which bits a
 *    guest clears by writing 1 (status registers). Everything else is
 *    read-only; writes outside 0..4095 or misaligned are refused.
 *  - BARs: pci__set_bar() sizes a standard BAR through wmask, so a guest
 *    sizing it (write all-ones, read back) sees ~(size - 1) | flags. While
 *    the command register enables decoding and the BAR holds a usable
 *    address, pci.c keeps the BAR registered on the MMIO (or PIO) bus at
 *    that address; a guest moving the BAR or toggling decoding moves the
 *    registration and calls ops->bar_map.
 *  - SR-IOV VF BARs (in the PF's SR-IOV capability) use the same bookkeeping
 *    with pci__set_vf_bar(): sized the same way and counted by the host's
 *    resource assignment (size x TotalVFs), but mapped by the device (VF n
 *    decodes at base + n * size while VF Enable and VF MSE are set).
 *  - Capabilities: pci__add_cap() / pci__add_ext_cap() append to the
 *    standard (0x40..0xff) and extended (0x100..0xfff) lists.
 *  - A function on a bus answers its own devfn; ops->func_at lets it answer
 *    for other devfns of its bus dynamically (a PF's VFs while VF Enable is
 *    set), so lookups ask it instead of a static table.
 *
 * Register names and bits come from <linux/pci_regs.h>.
 */
#ifndef MVMM_PCI_H
#define MVMM_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/pci_regs.h>

#include "vmm/bus.h"

#define PCI_CFG_SIZE		4096	/* PCIe: extended config space */
#define PCI_CFG_LEGACY_SIZE	256
#define PCI_NR_BARS		6	/* standard BARs 0..5 */
#define PCI_NR_VF_BARS		6	/* SR-IOV VF BARs 0..5 */
#define PCI_MAX_BARS		(PCI_NR_BARS + PCI_NR_VF_BARS)
#define PCI_VF_BAR(n)		(PCI_NR_BARS + (n))	/* index of VF BAR n in bars[] */
#define PCI_CAP_FIRST		0x40
#define PCI_EXT_CAP_FIRST	0x100
/* Class codes (base << 16 | sub << 8 | prog-if); <linux/pci_ids.h> is kernel-only. */
#define PCI_CLASS_CODE_HOST_BRIDGE	0x060000
#define PCI_CLASS_CODE_PCI_BRIDGE	0x060400
#define PCI_DEVFN_OF(dev, fn)	((uint8_t)(((dev) << 3) | (fn)))

struct pci_func;
struct pci_bus;

/* BAR type: the low bits of the BAR register. */
enum pci_bar_type {
	PCI_BAR_MEM32		= PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32,
	PCI_BAR_MEM64		= PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64,
	PCI_BAR_IO		= PCI_BASE_ADDRESS_SPACE_IO,
	PCI_BAR_PREFETCH	= PCI_BASE_ADDRESS_MEM_PREFETCH,	/* or'ed with a MEM type */
};

struct pci_bar {
	uint64_t size;		/* bytes one BAR decodes, a power of two; 0: absent */
	uint32_t count;		/* copies needing space: 1, or TotalVFs for a VF BAR */
	uint16_t reg;		/* config offset of the (low) BAR register */
	uint8_t type;		/* enum pci_bar_type bits */
	bool vf;		/* mapped by the device, not by pci.c */
	bus_access_fn fn;	/* handler, gets the offset into the BAR */
	void *opaque;
	/* Mapping state, kept by pci.c for standard BARs. */
	bool mapped;
	uint64_t mapped_addr;
};

struct pci_func_ops {
	/* After a guest write of @val landed in cfg[] (masks applied). @old
	 * holds the @len bytes at @off before the write. Called with the
	 * host's config lock held, after pci.c has updated BAR mappings. */
	void (*cfg_write)(struct pci_func *f, unsigned off, unsigned len, uint32_t val,
			  uint32_t old);
	/* Optional: adjust a read before it is returned (computed registers). */
	void (*cfg_read)(struct pci_func *f, unsigned off, unsigned len, uint32_t *val);
	/* Another function at @devfn of the bus this one sits on, or NULL. */
	struct pci_func *(*func_at)(struct pci_func *f, uint8_t devfn);
	/* A standard BAR was mapped at @addr (@mapped) or unmapped. */
	void (*bar_map)(struct pci_func *f, unsigned bar, uint64_t addr, bool mapped);
	/* Conventional reset (secondary bus reset, FLR): after pci.c restored
	 * cfg[] to its reset image and unmapped the BARs. */
	void (*reset)(struct pci_func *f);
};

struct pci_func {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	uint8_t w1c[PCI_CFG_SIZE];
	uint8_t reset_cfg[PCI_CFG_SIZE];	/* cfg[] at pci__seal() */
	struct pci_bar bars[PCI_MAX_BARS];
	const struct pci_func_ops *ops;
	void *opaque;			/* the device owning this function */
	const char *name;		/* for messages */
	struct bus *mmio, *pio;		/* where BARs are mapped; set when placed */
	struct pci_bus *bus;		/* the bus it sits on (NULL: none yet) */
	uint8_t devfn;
	struct pci_bus *secondary;	/* bridges: the bus behind them */
	uint8_t cap_last;		/* last standard capability, 0: none */
	uint8_t cap_free;		/* first free byte for the next one */
	uint16_t ext_last;		/* last extended capability, 0: none */
	uint16_t ext_free;
	uint16_t pcie_cap;		/* offset of the PCIe capability, 0: none */
	bool flr;			/* Function Level Reset on DEVCTL bit 15 */
	bool sealed;
};

/* Identity of a function (header type 0 or 1). */
struct pci_id {
	uint16_t vendor, device;
	uint32_t class_code;		/* base class << 16 | subclass << 8 | prog-if */
	uint8_t revision;
	uint16_t subsys_vendor, subsys;	/* type 0 only */
	bool multifunction;		/* header type bit 7 */
};

/* Clear @f and write a type 0 (endpoint) or type 1 (bridge) header. */
void pci__init(struct pci_func *f, const char *name, const struct pci_id *id);
void pci__init_bridge(struct pci_func *f, const char *name, const struct pci_id *id);

/*
 * Standard BAR @bar (0..5; a 64-bit BAR also takes @bar + 1) of @size bytes
 * (a power of two, at least 16 for memory and 4 for I/O), handled by @fn.
 * -EINVAL for a bad size, index or type, -EBUSY if the slot is taken.
 */
int pci__set_bar(struct pci_func *f, unsigned bar, uint64_t size, uint8_t type,
		 bus_access_fn fn, void *opaque);
/* SR-IOV VF BAR @bar (0..5) whose register is at config offset @reg (in
 * the SR-IOV capability): each VF decodes @size bytes, @count VFs at most. */
int pci__set_vf_bar(struct pci_func *f, unsigned bar, uint16_t reg, uint64_t size,
		    uint32_t count, uint8_t type);
/* The address BAR @idx (an index into bars[]) holds now. */
uint64_t pci__bar_addr(const struct pci_func *f, unsigned idx);
/* Write @addr into BAR @idx's register(s), as firmware does (no masks). */
void pci__bar_set_addr(struct pci_func *f, unsigned idx, uint64_t addr);
/* Register/unregister the standard BARs on the bus to match cfg[]. */
void pci__update_bars(struct pci_func *f);
/* Unmap every standard BAR (device teardown). */
void pci__unmap_bars(struct pci_func *f);

/*
 * Capabilities. @len counts the whole capability, header included; the
 * offset is dword aligned. Return the offset, or -ENOSPC.
 */
int pci__add_cap(struct pci_func *f, uint8_t id, unsigned len);
int pci__add_ext_cap(struct pci_func *f, uint16_t id, uint8_t version, unsigned len);
/* Offset of the first capability @id, following the list as a guest would
 * (loops and out-of-range pointers end the walk); -ENOENT if none. */
int pci__find_cap(const struct pci_func *f, uint8_t id);
int pci__find_ext_cap(const struct pci_func *f, uint16_t id);

/* PCI Express capability (version 2). */
struct pci_pcie_params {
	uint8_t type;			/* PCI_EXP_TYPE_ENDPOINT, _ROOT_PORT, ... */
	uint8_t link_speed;		/* 1 = 2.5 GT/s .. 4 = 16 GT/s */
	uint8_t link_width;		/* lanes */
	uint8_t port_number;		/* Link Capabilities port number */
	bool slot;			/* root ports: a slot is implemented */
	uint16_t slot_number;		/* Physical Slot Number (13 bits) */
	bool flr;			/* endpoints: Function Level Reset capable */
};
int pci__add_pcie_cap(struct pci_func *f, const struct pci_pcie_params *p);

/* Take the reset image of cfg[] (call once the function is fully built,
 * before any firmware-style programming). */
void pci__seal(struct pci_func *f);
/* Conventional reset: cfg[] back to the reset image, BARs unmapped, then
 * ops->reset. */
void pci__reset(struct pci_func *f);

/*
 * Guest config accesses: @len 1, 2 or 4, naturally aligned, inside the
 * 4 KiB space. Anything else returns -EINVAL (reads give all-ones).
 */
int pci__cfg_read(struct pci_func *f, unsigned off, unsigned len, uint32_t *val);
int pci__cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val);

/* Raw accessors for device code (no masks, no callbacks). */
static inline uint8_t pci__get8(const struct pci_func *f, unsigned off)
{
	return f->cfg[off];
}

static inline uint16_t pci__get16(const struct pci_func *f, unsigned off)
{
	return f->cfg[off] | f->cfg[off + 1] << 8;
}

static inline uint32_t pci__get32(const struct pci_func *f, unsigned off)
{
	return (uint32_t)pci__get16(f, off) | (uint32_t)pci__get16(f, off + 2) << 16;
}

static inline void pci__set8(struct pci_func *f, unsigned off, uint8_t v)
{
	f->cfg[off] = v;
}

static inline void pci__set16(struct pci_func *f, unsigned off, uint16_t v)
{
	f->cfg[off] = v;
	f->cfg[off + 1] = v >> 8;
}

static inline void pci__set32(struct pci_func *f, unsigned off, uint32_t v)
{
	pci__set16(f, off, v);
	pci__set16(f, off + 2, v >> 16);
}

/* Set the write mask / write-1-to-clear mask of @len (1, 2, 4) bytes. */
void pci__set_wmask(struct pci_func *f, unsigned off, unsigned len, uint32_t mask);
void pci__set_w1c(struct pci_func *f, unsigned off, unsigned len, uint32_t mask);

/* True if [@off, @off + @len) overlaps [@start, @start + @n). */
static inline bool pci__overlaps(unsigned off, unsigned len, unsigned start, unsigned n)
{
	return off < start + n && start < off + len;
}

#endif
