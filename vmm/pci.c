/*
 * PCI function model: config space with write masks, W1C bits, BAR sizing
 * and mapping, capability lists, the PCIe capability, reset. See pci.h.
 */
#include <errno.h>
#include <string.h>

#include "vmm/pci.h"
#include "vmm/util.h"

/* Command bits a guest may change (PCIe keeps the rest hardwired to 0). */
#define CMD_WMASK	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* Error bits of the (secondary) status register: write 1 to clear. */
#define STATUS_W1C	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
			 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)
#define BRIDGE_CTL_WMASK (PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR | PCI_BRIDGE_CTL_ISA | \
			  PCI_BRIDGE_CTL_VGA | 0x10 /* VGA 16-bit decode */ | \
			  PCI_BRIDGE_CTL_MASTER_ABORT | PCI_BRIDGE_CTL_BUS_RESET)
/* The whole v2 structure, slot registers 2 included (0x3c bytes). */
#define PCIE_CAP_V2_SIZE (PCI_EXP_SLTSTA2 + 2)
#define MAX_CAPS	48	/* (256 - 64) / 4: a longer walk is a loop */
#define MAX_EXT_CAPS	((PCI_CFG_SIZE - PCI_EXT_CAP_FIRST) / 4)

void pci__set_wmask(struct pci_func *f, unsigned off, unsigned len, uint32_t mask)
{
	unsigned i;

	for (i = 0; i < len; i++)
		f->wmask[off + i] = mask >> (8 * i);
}

void pci__set_w1c(struct pci_func *f, unsigned off, unsigned len, uint32_t mask)
{
	unsigned i;

	for (i = 0; i < len; i++)
		f->w1c[off + i] = mask >> (8 * i);
}

static void init_common(struct pci_func *f, const char *name, const struct pci_id *id,
			uint8_t header_type)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->cap_free = PCI_CAP_FIRST;
	f->ext_free = PCI_EXT_CAP_FIRST;
	pci__set16(f, PCI_VENDOR_ID, id->vendor);
	pci__set16(f, PCI_DEVICE_ID, id->device);
	pci__set8(f, PCI_REVISION_ID, id->revision);
	pci__set8(f, PCI_CLASS_PROG, id->class_code);
	pci__set16(f, PCI_CLASS_DEVICE, id->class_code >> 8);
	pci__set8(f, PCI_HEADER_TYPE, header_type | (id->multifunction ? 0x80 : 0));
	pci__set_wmask(f, PCI_COMMAND, 2, CMD_WMASK);
	pci__set_w1c(f, PCI_STATUS, 2, STATUS_W1C);
	pci__set_wmask(f, PCI_CACHE_LINE_SIZE, 1, 0xff);
	pci__set_wmask(f, PCI_INTERRUPT_LINE, 1, 0xff);	/* scratch for the OS */
}

void pci__init(struct pci_func *f, const char *name, const struct pci_id *id)
{
	init_common(f, name, id, PCI_HEADER_TYPE_NORMAL);
	pci__set16(f, PCI_SUBSYSTEM_VENDOR_ID, id->subsys_vendor);
	pci__set16(f, PCI_SUBSYSTEM_ID, id->subsys);
}

void pci__init_bridge(struct pci_func *f, const char *name, const struct pci_id *id)
{
	init_common(f, name, id, PCI_HEADER_TYPE_BRIDGE);
	pci__set_wmask(f, PCI_PRIMARY_BUS, 1, 0xff);
	pci__set_wmask(f, PCI_SECONDARY_BUS, 1, 0xff);
	pci__set_wmask(f, PCI_SUBORDINATE_BUS, 1, 0xff);
	/* No I/O window: base/limit hardwired to 0, which is how Linux
	 * (pci_read_bridge_windows) learns the bridge has none. */
	pci__set_w1c(f, PCI_SEC_STATUS, 2, STATUS_W1C);
	pci__set_wmask(f, PCI_MEMORY_BASE, 2, PCI_MEMORY_RANGE_MASK & 0xffff);
	pci__set_wmask(f, PCI_MEMORY_LIMIT, 2, PCI_MEMORY_RANGE_MASK & 0xffff);
	/* 64-bit prefetchable window; the type nibble is read-only. */
	pci__set16(f, PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
	pci__set16(f, PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
	pci__set_wmask(f, PCI_PREF_MEMORY_BASE, 2, PCI_PREF_RANGE_MASK & 0xffff);
	pci__set_wmask(f, PCI_PREF_MEMORY_LIMIT, 2, PCI_PREF_RANGE_MASK & 0xffff);
	pci__set_wmask(f, PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
	pci__set_wmask(f, PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff);
	pci__set_wmask(f, PCI_BRIDGE_CONTROL, 2, BRIDGE_CTL_WMASK);
}

/* ------------------------------------------------------------------ BARs */

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Sizing through the write mask: the address bits below the size are
 * read-only zeros, the type bits read-only. */
static int bar_setup(struct pci_func *f, struct pci_bar *b, uint16_t reg, uint64_t size,
		     uint8_t type)
{
	bool io = type & PCI_BASE_ADDRESS_SPACE_IO;
	bool is64 = !io && (type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	uint64_t mask = ~(size - 1);

	if (!is_pow2(size))
		return -EINVAL;
	if (io) {
		if (type != PCI_BAR_IO || size < 4 || size > 256)
			return -EINVAL;
	} else if (size < 16 || (type & ~(PCI_BASE_ADDRESS_MEM_TYPE_MASK | PCI_BAR_PREFETCH)) ||
		   ((type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) != PCI_BASE_ADDRESS_MEM_TYPE_32 &&
		    !is64) || (!is64 && size > (1ULL << 31))) {
		return -EINVAL;
	}
	if (b->size || reg + (is64 ? 8 : 4) > PCI_CFG_SIZE)
		return -EBUSY;
	b->size = size;
	b->count = 1;
	b->reg = reg;
	b->type = type;
	pci__set32(f, reg, type);
	pci__set_wmask(f, reg, 4, (uint32_t)mask & (io ? PCI_BASE_ADDRESS_IO_MASK :
						   PCI_BASE_ADDRESS_MEM_MASK));
	if (is64) {
		pci__set32(f, reg + 4, 0);
		pci__set_wmask(f, reg + 4, 4, mask >> 32);
	}
	return 0;
}

int pci__set_bar(struct pci_func *f, unsigned bar, uint64_t size, uint8_t type,
		 bus_access_fn fn, void *opaque)
{
	bool is64 = !(type & PCI_BASE_ADDRESS_SPACE_IO) &&
		    (type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	unsigned nbars = (pci__get8(f, PCI_HEADER_TYPE) & 0x7f) == PCI_HEADER_TYPE_BRIDGE ? 2 :
			 PCI_NR_BARS;
	int ret;

	if (bar >= nbars || (is64 && bar + 1 >= nbars) || !fn)
		return -EINVAL;
	/* The upper half of a 64-bit BAR below is not free either. */
	if (f->bars[bar].size || (is64 && f->bars[bar + 1].size) ||
	    (bar && f->bars[bar - 1].size && !(f->bars[bar - 1].type & PCI_BASE_ADDRESS_SPACE_IO) &&
	     (f->bars[bar - 1].type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64))
		return -EBUSY;
	ret = bar_setup(f, &f->bars[bar], PCI_BASE_ADDRESS_0 + 4 * bar, size, type);
	if (ret)
		return ret;
	f->bars[bar].fn = fn;
	f->bars[bar].opaque = opaque;
	return 0;
}

int pci__set_vf_bar(struct pci_func *f, unsigned bar, uint16_t reg, uint64_t size,
		    uint32_t count, uint8_t type)
{
	struct pci_bar *b;
	int ret;

	if (bar >= PCI_NR_VF_BARS || !count || (type & PCI_BASE_ADDRESS_SPACE_IO) ||
	    reg < PCI_EXT_CAP_FIRST || (reg & 3))
		return -EINVAL;
	b = &f->bars[PCI_VF_BAR(bar)];
	ret = bar_setup(f, b, reg, size, type);
	if (ret)
		return ret;
	b->count = count;
	b->vf = true;
	return 0;
}

static bool bar_is64(const struct pci_bar *b)
{
	return !(b->type & PCI_BASE_ADDRESS_SPACE_IO) &&
	       (b->type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
}

uint64_t pci__bar_addr(const struct pci_func *f, unsigned idx)
{
	const struct pci_bar *b = &f->bars[idx];
	uint64_t v;

	if (idx >= PCI_MAX_BARS || !b->size)
		return 0;
	v = pci__get32(f, b->reg);
	if (b->type & PCI_BASE_ADDRESS_SPACE_IO)
		return v & PCI_BASE_ADDRESS_IO_MASK;
	v &= PCI_BASE_ADDRESS_MEM_MASK;
	if (bar_is64(b))
		v |= (uint64_t)pci__get32(f, b->reg + 4) << 32;
	return v;
}

void pci__bar_set_addr(struct pci_func *f, unsigned idx, uint64_t addr)
{
	struct pci_bar *b = &f->bars[idx];

	if (idx >= PCI_MAX_BARS || !b->size)
		return;
	pci__set32(f, b->reg, ((uint32_t)addr & ~(uint32_t)(b->size - 1) &
			       (b->type & PCI_BASE_ADDRESS_SPACE_IO ? PCI_BASE_ADDRESS_IO_MASK :
								       PCI_BASE_ADDRESS_MEM_MASK)) |
			      b->type);
	if (bar_is64(b))
		pci__set32(f, b->reg + 4, (addr & ~(b->size - 1)) >> 32);
}

/* Where BAR @b should decode now, or false if it should not. */
static bool bar_target(const struct pci_func *f, unsigned idx, uint64_t *addr)
{
	const struct pci_bar *b = &f->bars[idx];
	uint16_t cmd = pci__get16(f, PCI_COMMAND);
	bool io = b->type & PCI_BASE_ADDRESS_SPACE_IO;

	if (!(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)) || !(io ? f->pio : f->mmio))
		return false;
	*addr = pci__bar_addr(f, idx);
	/* 0 is "unassigned"; a range that wraps (a BAR left at its sizing
	 * pattern) or leaves the 64 KiB port space cannot be decoded. */
	if (!*addr || *addr + (b->size - 1) < *addr)
		return false;
	return !io || *addr + b->size <= 0x10000;
}

static void bar_unmap(struct pci_func *f, unsigned idx)
{
	struct pci_bar *b = &f->bars[idx];

	if (!b->mapped)
		return;
	bus__unregister(b->type & PCI_BASE_ADDRESS_SPACE_IO ? f->pio : f->mmio, b->mapped_addr);
	b->mapped = false;
	if (f->ops && f->ops->bar_map)
		f->ops->bar_map(f, idx, b->mapped_addr, false);
}

void pci__update_bars(struct pci_func *f)
{
	unsigned i;

	for (i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &f->bars[i];
		uint64_t addr = 0;
		bool want;

		if (!b->size || b->vf)
			continue;
		want = bar_target(f, i, &addr);
		if (b->mapped && (!want || addr != b->mapped_addr))
			bar_unmap(f, i);
		if (!want || b->mapped)
			continue;
		/*
		 * A guest may program overlapping BARs; the later one then
		 * simply does not decode (bus__register refuses the overlap)
		 * until it is moved somewhere free.
		 */
		if (bus__register(b->type & PCI_BASE_ADDRESS_SPACE_IO ? f->pio : f->mmio, addr,
				  b->size, b->fn, b->opaque, f->name))
			continue;
		b->mapped = true;
		b->mapped_addr = addr;
		if (f->ops && f->ops->bar_map)
			f->ops->bar_map(f, i, addr, true);
	}
}

void pci__unmap_bars(struct pci_func *f)
{
	unsigned i;

	for (i = 0; i < PCI_NR_BARS; i++)
		bar_unmap(f, i);
}

/* ---------------------------------------------------------- capabilities */

int pci__add_cap(struct pci_func *f, uint8_t id, unsigned len)
{
	unsigned off = ALIGN_UP(f->cap_free, 4);

	if (len < 2 || off + len > PCI_CFG_LEGACY_SIZE)
		return -ENOSPC;
	pci__set8(f, off, id);
	pci__set8(f, off + 1, 0);
	if (f->cap_last) {
		pci__set8(f, f->cap_last + 1, off);
	} else {
		pci__set8(f, PCI_CAPABILITY_LIST, off);
		pci__set16(f, PCI_STATUS, pci__get16(f, PCI_STATUS) | PCI_STATUS_CAP_LIST);
	}
	f->cap_last = off;
	f->cap_free = off + len;
	return off;
}

int pci__add_ext_cap(struct pci_func *f, uint16_t id, uint8_t version, unsigned len)
{
	unsigned off = ALIGN_UP(f->ext_free, 4);

	if (len < 4 || off + len > PCI_CFG_SIZE || version > 0xf)
		return -ENOSPC;
	pci__set32(f, off, id | (uint32_t)version << 16);
	if (f->ext_last)
		pci__set32(f, f->ext_last, pci__get32(f, f->ext_last) | (uint32_t)off << 20);
	f->ext_last = off;
	f->ext_free = off + len;
	return off;
}

int pci__find_cap(const struct pci_func *f, uint8_t id)
{
	unsigned pos, n;

	if (!(pci__get16(f, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return -ENOENT;
	pos = pci__get8(f, PCI_CAPABILITY_LIST);
	for (n = 0; n < MAX_CAPS && pos >= PCI_CAP_FIRST && pos <= PCI_CFG_LEGACY_SIZE - 4; n++) {
		pos &= ~3u;
		if (pci__get8(f, pos) == id)
			return pos;
		pos = pci__get8(f, pos + 1);
	}
	return -ENOENT;
}

int pci__find_ext_cap(const struct pci_func *f, uint16_t id)
{
	unsigned pos = PCI_EXT_CAP_FIRST, n;
	uint32_t h;

	for (n = 0; n < MAX_EXT_CAPS; n++) {
		h = pci__get32(f, pos);
		if (!h || h == 0xffffffff)
			break;
		if (PCI_EXT_CAP_ID(h) == id)
			return pos;
		pos = PCI_EXT_CAP_NEXT(h);
		if (pos < PCI_EXT_CAP_FIRST || pos > PCI_CFG_SIZE - 4)
			break;
	}
	return -ENOENT;
}

int pci__add_pcie_cap(struct pci_func *f, const struct pci_pcie_params *p)
{
	bool root = p->type == PCI_EXP_TYPE_ROOT_PORT;
	bool downstream = root || p->type == PCI_EXP_TYPE_DOWNSTREAM;
	uint16_t devctl_wmask;
	int off;

	if (!p->link_speed || p->link_speed > 4 || !p->link_width || p->link_width > 32 ||
	    (p->slot && !downstream) || p->slot_number > 0x1fff)
		return -EINVAL;
	off = pci__add_cap(f, PCI_CAP_ID_EXP, PCIE_CAP_V2_SIZE);
	if (off < 0)
		return off;
	f->pcie_cap = off;
	pci__set16(f, off + PCI_EXP_FLAGS, 2 | p->type << 4 | (p->slot ? PCI_EXP_FLAGS_SLOT : 0));

	/* Device: 256-byte payload, extended tags, role-based error
	 * reporting; default control values as after a PCIe reset. */
	pci__set32(f, off + PCI_EXP_DEVCAP, 1 | PCI_EXP_DEVCAP_EXT_TAG | PCI_EXP_DEVCAP_RBER |
		   (p->flr && !downstream ? PCI_EXP_DEVCAP_FLR : 0));
	pci__set16(f, off + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
		   PCI_EXP_DEVCTL_READRQ_512B);
	devctl_wmask = PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE |
		       PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
		       PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_AUX_PME |
		       PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ;
	pci__set_wmask(f, off + PCI_EXP_DEVCTL, 2, devctl_wmask);
	f->flr = p->flr && !downstream;		/* BCR_FLR is write-only: not in wmask */
	pci__set_w1c(f, off + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
		     PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);

	/* Link: trained at its maximum, no ASPM (so Linux leaves it alone). */
	pci__set32(f, off + PCI_EXP_LNKCAP, p->link_speed | p->link_width << 4 |
		   (root ? PCI_EXP_LNKCAP_DLLLARC : 0) | (uint32_t)p->port_number << 24);
	pci__set_wmask(f, off + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES |
		       (downstream ? PCI_EXP_LNKCTL_LD : PCI_EXP_LNKCTL_RCB));
	pci__set16(f, off + PCI_EXP_LNKSTA, p->link_speed | p->link_width << 4 |
		   (root ? PCI_EXP_LNKSTA_DLLLA : 0));
	pci__set32(f, off + PCI_EXP_LNKCAP2, ((1u << p->link_speed) - 1) << 1);
	pci__set16(f, off + PCI_EXP_LNKCTL2, p->link_speed);
	pci__set_wmask(f, off + PCI_EXP_LNKCTL2, 2, PCI_EXP_LNKCTL2_TLS);

	if (p->slot) {
		/* A slot without hot-plug: only its number; a card is present. */
		pci__set32(f, off + PCI_EXP_SLTCAP, (uint32_t)p->slot_number << 19);
		/* No indicators: they read "off", not the reserved 00. */
		pci__set16(f, off + PCI_EXP_SLTCTL, PCI_EXP_SLTCTL_ATTN_IND_OFF |
			   PCI_EXP_SLTCTL_PWR_IND_OFF);
		pci__set16(f, off + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDS);
	}
	if (root) {
		pci__set_wmask(f, off + PCI_EXP_RTCTL, 2, PCI_EXP_RTCTL_SECEE |
			       PCI_EXP_RTCTL_SENFEE | PCI_EXP_RTCTL_SEFEE | PCI_EXP_RTCTL_PMEIE);
		pci__set_w1c(f, off + PCI_EXP_RTSTA, 4, PCI_EXP_RTSTA_PME);
	}
	return off;
}

/* ------------------------------------------------------------ reset */

void pci__seal(struct pci_func *f)
{
	memcpy(f->reset_cfg, f->cfg, sizeof(f->cfg));
	f->sealed = true;
}

void pci__reset(struct pci_func *f)
{
	pci__unmap_bars(f);
	if (f->sealed)
		memcpy(f->cfg, f->reset_cfg, sizeof(f->cfg));
	if (f->ops && f->ops->reset)
		f->ops->reset(f);
}

/* ------------------------------------------------------ guest accesses */

static bool access_ok(unsigned off, unsigned len)
{
	return (len == 1 || len == 2 || len == 4) && off < PCI_CFG_SIZE &&
	       off + len <= PCI_CFG_SIZE && !(off & (len - 1));
}

static uint32_t raw_read(const struct pci_func *f, unsigned off, unsigned len)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < len; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

int pci__cfg_read(struct pci_func *f, unsigned off, unsigned len, uint32_t *val)
{
	if (!access_ok(off, len)) {
		*val = len >= 4 ? 0xffffffff : (1u << (8 * len)) - 1;
		return -EINVAL;
	}
	*val = raw_read(f, off, len);
	if (f->ops && f->ops->cfg_read)
		f->ops->cfg_read(f, off, len, val);
	return 0;
}

/* Did this write touch a register that moves or enables a standard BAR? */
static bool touches_bars(const struct pci_func *f, unsigned off, unsigned len)
{
	unsigned i;

	if (pci__overlaps(off, len, PCI_COMMAND, 2))
		return true;
	for (i = 0; i < PCI_NR_BARS; i++) {
		const struct pci_bar *b = &f->bars[i];

		if (b->size && !b->vf && pci__overlaps(off, len, b->reg, bar_is64(b) ? 8 : 4))
			return true;
	}
	return false;
}

int pci__cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val)
{
	uint32_t old;
	bool flr = false;
	unsigned i;

	if (!access_ok(off, len))
		return -EINVAL;
	old = raw_read(f, off, len);
	for (i = 0; i < len; i++) {
		unsigned o = off + i;
		uint8_t b = val >> (8 * i);

		f->cfg[o] = (f->cfg[o] & ~f->wmask[o]) | (b & f->wmask[o]);
		f->cfg[o] &= ~(b & f->w1c[o]);
	}
	/* Initiate Function Level Reset: DEVCTL bit 15, write-only. */
	if (f->flr && pci__overlaps(off, len, f->pcie_cap + PCI_EXP_DEVCTL + 1, 1) &&
	    ((val >> (8 * (f->pcie_cap + PCI_EXP_DEVCTL + 1 - off))) & 0x80))
		flr = true;
	if (touches_bars(f, off, len))
		pci__update_bars(f);
	if (f->ops && f->ops->cfg_write)
		f->ops->cfg_write(f, off, len, val, old);
	if (flr)
		pci__reset(f);
	return 0;
}
