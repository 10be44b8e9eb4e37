/*
 * PCI function model: write masks, W1C bits, BAR sizing and mapping on a
 * real bus, capability chains (walked as a guest walks them), the PCIe
 * capability, FLR/reset, and refused accesses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/bus.h"
#include "vmm/pci.h"

static const struct pci_id ep_id = {
	.vendor = 0x1de5, .device = 0x0001, .class_code = 0x120000, .revision = 7,
	.subsys_vendor = 0x1de5, .subsys = 0x0042,
};

struct hits {
	uint64_t off;
	unsigned calls;
	unsigned maps, unmaps;
	uint64_t map_addr;
	unsigned map_bar;
	unsigned resets;
	unsigned writes;
	uint32_t last_val, last_old;
};

static void bar_fn(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	struct hits *h = opaque;

	h->off = off;
	h->calls++;
	if (!is_write)
		memset(data, 0xab, len);
}

static void on_map(struct pci_func *f, unsigned bar, uint64_t addr, bool mapped)
{
	struct hits *h = f->opaque;

	if (mapped) {
		h->maps++;
		h->map_addr = addr;
	} else {
		h->unmaps++;
	}
	h->map_bar = bar;
}

static void on_reset(struct pci_func *f)
{
	((struct hits *)f->opaque)->resets++;
}

static void on_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val, uint32_t old)
{
	struct hits *h = f->opaque;

	(void)off;
	(void)len;
	h->writes++;
	h->last_val = val;
	h->last_old = old;
}

static const struct pci_func_ops ops = {
	.cfg_write = on_write,
	.bar_map = on_map,
	.reset = on_reset,
};

static struct pci_func *new_func(struct hits *h)
{
	struct pci_func *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pci__init(f, "ep", &ep_id);
	f->ops = &ops;
	f->opaque = h;
	return f;
}

static uint32_t rd(struct pci_func *f, unsigned off, unsigned len)
{
	uint32_t v = 0x12345678;

	assert_int_equal(pci__cfg_read(f, off, len, &v), 0);
	return v;
}

static void wr(struct pci_func *f, unsigned off, unsigned len, uint32_t v)
{
	assert_int_equal(pci__cfg_write(f, off, len, v), 0);
}

static void test_header_masks(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);

	(void)state;
	assert_int_equal(rd(f, PCI_VENDOR_ID, 4), 0x00011de5);
	assert_int_equal(rd(f, PCI_CLASS_REVISION, 4), 0x12000007);
	assert_int_equal(rd(f, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x00421de5);
	assert_int_equal(rd(f, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	/* Identity is read-only, byte by byte as well. */
	wr(f, PCI_VENDOR_ID, 4, 0xffffffff);
	wr(f, PCI_CLASS_REVISION, 1, 0xff);
	assert_int_equal(rd(f, PCI_VENDOR_ID, 4), 0x00011de5);
	assert_int_equal(rd(f, PCI_CLASS_REVISION, 4), 0x12000007);
	/* Command: only the bits a PCIe function implements. */
	wr(f, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(f, PCI_COMMAND, 2), PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			 PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
			 PCI_COMMAND_INTX_DISABLE);
	/* Interrupt line is OS scratch, pin is read-only 0 (no INTx). */
	wr(f, PCI_INTERRUPT_LINE, 2, 0xffff);
	assert_int_equal(rd(f, PCI_INTERRUPT_LINE, 1), 0xff);
	assert_int_equal(rd(f, PCI_INTERRUPT_PIN, 1), 0);
	/* The hook saw the last write, with what was there before. */
	assert_int_equal(h.last_val, 0xffff);
	assert_int_equal(h.last_old, 0);
	/* No capabilities: the list bit is clear, the pointer 0. */
	assert_int_equal(rd(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	assert_int_equal(pci__find_cap(f, PCI_CAP_ID_EXP), -ENOENT);
	assert_int_equal(pci__find_ext_cap(f, PCI_EXT_CAP_ID_SRIOV), -ENOENT);
	free(f);
}

static void test_w1c(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);

	(void)state;
	pci__add_cap(f, PCI_CAP_ID_MSIX, 12);
	/* The device latched two errors. */
	pci__set16(f, PCI_STATUS, pci__get16(f, PCI_STATUS) | PCI_STATUS_REC_MASTER_ABORT |
		   PCI_STATUS_DETECTED_PARITY);
	/* Writing 0 clears nothing; writing 1 clears only that bit; the
	 * read-only capability-list bit survives a write of all-ones. */
	wr(f, PCI_STATUS, 2, 0);
	assert_int_equal(rd(f, PCI_STATUS, 2), PCI_STATUS_CAP_LIST | PCI_STATUS_REC_MASTER_ABORT |
			 PCI_STATUS_DETECTED_PARITY);
	wr(f, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
	assert_int_equal(rd(f, PCI_STATUS, 2), PCI_STATUS_CAP_LIST | PCI_STATUS_DETECTED_PARITY);
	wr(f, PCI_STATUS, 2, 0xffff);
	assert_int_equal(rd(f, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	/* A dword write to command+status: command takes the value, status
	 * only clears. */
	pci__set16(f, PCI_STATUS, pci__get16(f, PCI_STATUS) | PCI_STATUS_SIG_SYSTEM_ERROR);
	wr(f, PCI_COMMAND, 4, (uint32_t)PCI_STATUS_SIG_SYSTEM_ERROR << 16 | PCI_COMMAND_MASTER);
	assert_int_equal(rd(f, PCI_COMMAND, 4), (uint32_t)PCI_STATUS_CAP_LIST << 16 |
			 PCI_COMMAND_MASTER);
	free(f);
}

static void test_bar_sizing(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);

	(void)state;
	assert_int_equal(pci__set_bar(f, 0, 0x1000, PCI_BAR_MEM32, bar_fn, &h), 0);
	assert_int_equal(pci__set_bar(f, 2, 1ULL << 33, PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
				      bar_fn, &h), 0);
	assert_int_equal(pci__set_bar(f, 4, 0x100, PCI_BAR_IO, bar_fn, &h), 0);
	assert_int_equal(pci__set_bar(f, 5, 0x100000, PCI_BAR_MEM32 | PCI_BAR_PREFETCH,
				      bar_fn, &h), 0);

	/* Size the way Linux does: all-ones, read back, restore. */
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_0, 4), 0xfffff000);
	wr(f, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	wr(f, PCI_BASE_ADDRESS_3, 4, 0xffffffff);
	/* 8 GiB: the low dword has only type bits left, the high one 1 bit less. */
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_2, 4), 0x0000000c);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_3, 4), 0xfffffffe);
	wr(f, PCI_BASE_ADDRESS_4, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_4, 4), 0xffffff01);
	wr(f, PCI_BASE_ADDRESS_5, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_5, 4), 0xfff00008);
	/* Unimplemented BAR1 stays 0; type bits cannot be cleared. */
	wr(f, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_1, 4), 0);
	wr(f, PCI_BASE_ADDRESS_2, 4, 0);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_2, 4), 0xc);
	/* An address: low bits below the size are dropped. */
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xc0001234);
	assert_int_equal(pci__bar_addr(f, 0), 0xc0001000);
	wr(f, PCI_BASE_ADDRESS_2, 4, 0x40000000);
	wr(f, PCI_BASE_ADDRESS_3, 4, 0x5);
	assert_int_equal(pci__bar_addr(f, 2), 0x400000000ULL);
	pci__bar_set_addr(f, 4, 0x1234);
	assert_int_equal(pci__bar_addr(f, 4), 0x1200);
	free(f);
}

static void test_bar_errors(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);

	(void)state;
	assert_int_equal(pci__set_bar(f, 0, 0x1800, PCI_BAR_MEM32, bar_fn, &h), -EINVAL);
	assert_int_equal(pci__set_bar(f, 0, 8, PCI_BAR_MEM32, bar_fn, &h), -EINVAL);
	assert_int_equal(pci__set_bar(f, 0, 1ULL << 32, PCI_BAR_MEM32, bar_fn, &h), -EINVAL);
	assert_int_equal(pci__set_bar(f, 0, 512, PCI_BAR_IO, bar_fn, &h), -EINVAL);
	assert_int_equal(pci__set_bar(f, 5, 0x1000, PCI_BAR_MEM64, bar_fn, &h), -EINVAL);
	assert_int_equal(pci__set_bar(f, 6, 0x1000, PCI_BAR_MEM32, bar_fn, &h), -EINVAL);
	assert_int_equal(pci__set_bar(f, 0, 0x1000, PCI_BAR_MEM32, NULL, &h), -EINVAL);
	assert_int_equal(pci__set_bar(f, 1, 0x1000, PCI_BAR_MEM64, bar_fn, &h), 0);
	/* Taken: BAR1 itself, and BAR2 as the upper half of BAR1. */
	assert_int_equal(pci__set_bar(f, 1, 0x1000, PCI_BAR_MEM32, bar_fn, &h), -EBUSY);
	assert_int_equal(pci__set_bar(f, 2, 0x1000, PCI_BAR_MEM32, bar_fn, &h), -EBUSY);
	assert_int_equal(pci__set_bar(f, 0, 0x1000, PCI_BAR_MEM64, bar_fn, &h), -EBUSY);
	/* VF BARs live in extended config space. */
	assert_int_equal(pci__set_vf_bar(f, 0, 0x40, 0x1000, 7, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_vf_bar(f, 0, 0x124, 0x1000, 0, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_vf_bar(f, 0, 0x124, 0x1000, 7, PCI_BAR_IO), -EINVAL);
	assert_int_equal(pci__set_vf_bar(f, 0, 0x124, 0x200000, 7,
					 PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0);
	/* VF BAR registers size the same way. */
	wr(f, 0x124, 4, 0xffffffff);
	wr(f, 0x128, 4, 0xffffffff);
	assert_int_equal(rd(f, 0x124, 4), 0xffe0000c);
	assert_int_equal(rd(f, 0x128, 4), 0xffffffff);
	assert_int_equal(f->bars[PCI_VF_BAR(0)].count, 7);
	free(f);
}

static void test_bar_mapping(void **state)
{
	struct hits h = { 0 }, h2 = { 0 };
	struct pci_func *f = new_func(&h), *g = new_func(&h2);
	struct bus mmio;
	uint32_t v = 0;

	(void)state;
	assert_int_equal(bus__init(&mmio), 0);
	f->mmio = g->mmio = &mmio;
	assert_int_equal(pci__set_bar(f, 0, 0x1000, PCI_BAR_MEM32, bar_fn, &h), 0);
	assert_int_equal(pci__set_bar(g, 2, 0x4000, PCI_BAR_MEM64, bar_fn, &h2), 0);

	/* An address without decoding, and decoding without an address:
	 * neither maps. */
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xc0000000);
	assert_int_equal(mmio.nr, 0);
	assert_int_equal(bus__access(&mmio, 0xc0000010, &v, 4, false), -ENOENT);
	wr(g, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(mmio.nr, 0);

	/* Memory decoding on: the handler sees offsets into the BAR. */
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(h.maps, 1);
	assert_int_equal(h.map_addr, 0xc0000000);
	assert_int_equal(bus__access(&mmio, 0xc0000010, &v, 4, false), 0);
	assert_int_equal(h.off, 0x10);
	assert_int_equal(v, 0xabababab);

	/* The guest moves it: the old address is gone, the new one works. */
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xc0100000);
	assert_int_equal(h.unmaps, 1);
	assert_int_equal(h.maps, 2);
	assert_int_equal(bus__access(&mmio, 0xc0000010, &v, 4, false), -ENOENT);
	assert_int_equal(bus__access(&mmio, 0xc0100ffc, &v, 4, false), 0);
	assert_int_equal(h.off, 0xffc);

	/* Another function's BAR on top of it does not decode... */
	wr(g, PCI_BASE_ADDRESS_2, 4, 0xc0100000);
	assert_int_equal(h2.maps, 0);
	/* ...until moved somewhere free (high dword first, as Linux does). */
	wr(g, PCI_BASE_ADDRESS_3, 4, 0x1);
	assert_int_equal(h2.maps, 1);
	assert_int_equal(h2.map_addr, 0x1c0100000ULL);
	assert_int_equal(h2.map_bar, 2);

	/* Decoding off (as around BAR sizing): unmapped, and back. */
	wr(f, PCI_COMMAND, 2, 0);
	assert_int_equal(h.unmaps, 2);
	assert_int_equal(bus__access(&mmio, 0xc0100000, &v, 4, false), -ENOENT);
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xc0100000);
	assert_int_equal(h.maps, 2);
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(h.maps, 3);
	assert_int_equal(mmio.nr, 2);

	/* Address 0 means unassigned. */
	wr(f, PCI_BASE_ADDRESS_0, 4, 0);
	assert_int_equal(mmio.nr, 1);
	pci__unmap_bars(g);
	assert_int_equal(mmio.nr, 0);
	bus__destroy(&mmio);
	free(f);
	free(g);
}

static void test_cap_chains(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);
	unsigned ids[8], n = 0, pos;
	uint32_t hdr;
	int a, b, c, e1, e2, e3;

	(void)state;
	a = pci__add_cap(f, PCI_CAP_ID_PM, 8);
	b = pci__add_cap(f, PCI_CAP_ID_EXP, 0x3c);
	c = pci__add_cap(f, PCI_CAP_ID_MSIX, 12);
	assert_int_equal(a, 0x40);
	assert_int_equal(b, 0x48);
	assert_int_equal(c, 0x84);
	/* Walk as a guest does: status bit, pointer at 0x34, next bytes. */
	assert_true(rd(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (pos = rd(f, PCI_CAPABILITY_LIST, 1); pos; pos = rd(f, pos + 1, 1))
		ids[n++] = rd(f, pos, 1);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], PCI_CAP_ID_PM);
	assert_int_equal(ids[1], PCI_CAP_ID_EXP);
	assert_int_equal(ids[2], PCI_CAP_ID_MSIX);
	assert_int_equal(pci__find_cap(f, PCI_CAP_ID_MSIX), c);
	/* Pointers are read-only. */
	wr(f, PCI_CAPABILITY_LIST, 1, 0);
	wr(f, a + 1, 1, 0);
	assert_int_equal(pci__find_cap(f, PCI_CAP_ID_MSIX), c);
	/* Full: 0x90 + 0x70 = 0x100 fits exactly, one byte more does not. */
	assert_int_equal(pci__add_cap(f, PCI_CAP_ID_VNDR, 0x71), -ENOSPC);
	assert_int_equal(pci__add_cap(f, PCI_CAP_ID_VNDR, 0x70), 0x90);

	/* Extended: the first at 0x100, chained by bits 31:20. */
	e1 = pci__add_ext_cap(f, PCI_EXT_CAP_ID_SRIOV, 1, 0x40);
	e2 = pci__add_ext_cap(f, PCI_EXT_CAP_ID_ARI, 1, 8);
	e3 = pci__add_ext_cap(f, PCI_EXT_CAP_ID_DSN, 1, 12);
	assert_int_equal(e1, 0x100);
	assert_int_equal(e2, 0x140);
	assert_int_equal(e3, 0x148);
	hdr = rd(f, 0x100, 4);
	assert_int_equal(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_SRIOV);
	assert_int_equal(PCI_EXT_CAP_VER(hdr), 1);
	assert_int_equal(PCI_EXT_CAP_NEXT(hdr), 0x140);
	assert_int_equal(PCI_EXT_CAP_NEXT(rd(f, 0x140, 4)), 0x148);
	assert_int_equal(PCI_EXT_CAP_NEXT(rd(f, 0x148, 4)), 0);
	assert_int_equal(pci__find_ext_cap(f, PCI_EXT_CAP_ID_DSN), 0x148);
	assert_int_equal(pci__add_ext_cap(f, PCI_EXT_CAP_ID_VNDR, 1, 0x1000), -ENOSPC);

	/* A corrupted chain (a loop) ends the walk instead of hanging. */
	pci__set8(f, 0x90 + 1, 0x90);
	assert_int_equal(pci__find_cap(f, PCI_CAP_ID_VNDR), 0x90);
	assert_int_equal(pci__find_cap(f, 0x77), -ENOENT);
	pci__set8(f, c + 1, b);
	assert_int_equal(pci__find_cap(f, PCI_CAP_ID_VNDR), -ENOENT);
	/* A pointer into the header ends it too. */
	pci__set8(f, c + 1, 0x10);
	assert_int_equal(pci__find_cap(f, 0x77), -ENOENT);
	pci__set32(f, 0x148, PCI_EXT_CAP_ID_DSN | 1 << 16 | 0x140 << 20);
	assert_int_equal(pci__find_ext_cap(f, 0x77), -ENOENT);
	free(f);
}

static void test_pcie_cap_and_flr(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);
	struct pci_pcie_params p = {
		.type = PCI_EXP_TYPE_ENDPOINT, .link_speed = 3, .link_width = 16, .flr = true,
	};
	struct bus mmio;
	int off;

	(void)state;
	assert_int_equal(bus__init(&mmio), 0);
	f->mmio = &mmio;
	assert_int_equal(pci__set_bar(f, 0, 0x1000, PCI_BAR_MEM32, bar_fn, &h), 0);
	off = pci__add_pcie_cap(f, &p);
	assert_int_equal(off, 0x40);
	assert_int_equal(rd(f, off + PCI_EXP_FLAGS, 2), 0x0002);	/* v2 endpoint */
	assert_true(rd(f, off + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	assert_int_equal(rd(f, off + PCI_EXP_LNKCAP, 4) & 0x3ff, 0x103);	/* x16 8GT/s */
	assert_int_equal(rd(f, off + PCI_EXP_LNKSTA, 2), 0x103);
	assert_int_equal(rd(f, off + PCI_EXP_LNKCAP2, 4), 0xe);
	/* Link status and capabilities are read-only. */
	wr(f, off + PCI_EXP_LNKSTA, 2, 0);
	assert_int_equal(rd(f, off + PCI_EXP_LNKSTA, 2), 0x103);
	/* Device status: write 1 to clear. */
	pci__set16(f, off + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_URD | PCI_EXP_DEVSTA_CED);
	wr(f, off + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_URD);
	assert_int_equal(rd(f, off + PCI_EXP_DEVSTA, 2), PCI_EXP_DEVSTA_CED);

	/* Program it, take a reset image first (as the host does). */
	pci__seal(f);
	wr(f, off + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_READRQ_4096B);
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(mmio.nr, 1);
	/* Initiate FLR: everything back to reset values, BAR unmapped, the
	 * device told; the bit itself reads 0. */
	wr(f, off + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_EXT_TAG);
	assert_int_equal(h.resets, 1);
	assert_int_equal(mmio.nr, 0);
	assert_int_equal(rd(f, PCI_COMMAND, 2), 0);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(rd(f, off + PCI_EXP_DEVCTL, 2), PCI_EXP_DEVCTL_RELAX_EN |
			 PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B);
	assert_int_equal(rd(f, off + PCI_EXP_DEVSTA, 2), PCI_EXP_DEVSTA_CED);
	/* Without FLR capability the bit does nothing. */
	f->flr = false;
	wr(f, off + PCI_EXP_DEVCTL + 1, 1, 0x80);
	assert_int_equal(h.resets, 1);
	/* Bad parameters. */
	p.link_speed = 0;
	assert_int_equal(pci__add_pcie_cap(f, &p), -EINVAL);
	p.link_speed = 3;
	p.slot = true;		/* endpoints have no slot */
	assert_int_equal(pci__add_pcie_cap(f, &p), -EINVAL);
	bus__destroy(&mmio);
	free(f);
}

static void test_bad_accesses(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);
	static const struct { unsigned off, len; } bad[] = {
		{ 1, 2 }, { 2, 4 }, { 3, 4 }, { 0, 3 }, { 0, 8 }, { 0, 0 },
		{ 4095, 2 }, { 4096, 1 }, { 0xffffffff, 1 }, { 4094, 4 },
	};
	unsigned i;
	uint32_t v;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 0;
		assert_int_equal(pci__cfg_read(f, bad[i].off, bad[i].len, &v), -EINVAL);
		assert_true(v == 0xffffffff || v == (1u << (8 * bad[i].len)) - 1);
		assert_int_equal(pci__cfg_write(f, bad[i].off, bad[i].len, 0), -EINVAL);
	}
	assert_int_equal(h.writes, 0);
	/* The last byte and dword are fine; unimplemented space reads 0. */
	assert_int_equal(rd(f, 4095, 1), 0);
	assert_int_equal(rd(f, 4092, 4), 0);
	assert_int_equal(rd(f, PCI_VENDOR_ID, 2), 0x1de5);
	free(f);
}

static void test_bridge_header(void **state)
{
	static const struct pci_id id = { .vendor = 0x1b36, .device = 0x000c,
					  .class_code = 0x060400 };
	struct pci_func *f = calloc(1, sizeof(*f));

	(void)state;
	assert_non_null(f);
	pci__init_bridge(f, "rp", &id);
	assert_int_equal(rd(f, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_BRIDGE);
	wr(f, PCI_PRIMARY_BUS, 4, 0xff121110);
	assert_int_equal(rd(f, PCI_PRIMARY_BUS, 4), 0x00121110);	/* latency RO */
	/* No I/O window: Linux's probe writes 0xe0f0 and must read 0. */
	wr(f, PCI_IO_BASE, 2, 0xe0f0);
	assert_int_equal(rd(f, PCI_IO_BASE, 2), 0);
	wr(f, PCI_MEMORY_BASE, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_MEMORY_BASE, 4), 0xfff0fff0);
	/* 64-bit prefetchable: type nibble read-only, upper halves RW. */
	wr(f, PCI_PREF_MEMORY_BASE, 4, 0);
	assert_int_equal(rd(f, PCI_PREF_MEMORY_BASE, 4), 0x00010001);
	wr(f, PCI_PREF_MEMORY_BASE, 4, 0xffe0fff0);
	assert_int_equal(rd(f, PCI_PREF_MEMORY_BASE, 4), 0xffe1fff1);
	wr(f, PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_PREF_BASE_UPPER32, 4), 0xffffffff);
	wr(f, PCI_IO_BASE_UPPER16, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_IO_BASE_UPPER16, 4), 0);
	wr(f, PCI_ROM_ADDRESS1, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_ROM_ADDRESS1, 4), 0);
	wr(f, PCI_BRIDGE_CONTROL, 2, 0xffff);
	assert_int_equal(rd(f, PCI_BRIDGE_CONTROL, 2), 0x7f);
	/* Secondary status errors are W1C. */
	pci__set16(f, PCI_SEC_STATUS, PCI_STATUS_REC_MASTER_ABORT);
	wr(f, PCI_IO_BASE, 4, (uint32_t)PCI_STATUS_REC_MASTER_ABORT << 16);
	assert_int_equal(rd(f, PCI_SEC_STATUS, 2), 0);
	free(f);
}

static void test_reset_without_seal(void **state)
{
	struct hits h = { 0 };
	struct pci_func *f = new_func(&h);

	(void)state;
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	/* Unsealed: nothing to restore, only the callback runs. */
	pci__reset(f);
	assert_int_equal(h.resets, 1);
	assert_int_equal(rd(f, PCI_VENDOR_ID, 2), 0x1de5);
	pci__seal(f);
	wr(f, PCI_COMMAND, 2, 0);
	wr(f, PCI_CACHE_LINE_SIZE, 1, 0x10);
	pci__reset(f);
	assert_int_equal(rd(f, PCI_COMMAND, 2), PCI_COMMAND_MASTER);
	assert_int_equal(rd(f, PCI_CACHE_LINE_SIZE, 1), 0);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_masks),
		cmocka_unit_test(test_w1c),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_bar_errors),
		cmocka_unit_test(test_bar_mapping),
		cmocka_unit_test(test_cap_chains),
		cmocka_unit_test(test_pcie_cap_and_flr),
		cmocka_unit_test(test_bad_accesses),
		cmocka_unit_test(test_bridge_header),
		cmocka_unit_test(test_reset_without_seal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
