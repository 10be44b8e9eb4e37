/*
 * PCIe host: config cycles through ECAM and 0xCF8/0xCFC (and what a bad
 * guest gets), routing through root ports as programmed, dynamic functions
 * (func_at), secondary bus reset, and the firmware-style assignment of bus
 * numbers, windows and BARs for several expander layouts, with its errors.
 * The ACPI side is in test_pci_acpi.c.
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
#include "vmm/layout.h"
#include "vmm/pci_host.h"
#include "vmm/util.h"

#define MEM64_BASE	0x4000000000ULL
#define MEM64_SIZE	0x4000000000ULL

struct fake {
	struct pci_func f;
	struct pci_func vf;		/* answers at devfn 1 while vf_on */
	bool vf_on;
	unsigned bar_calls, resets;
};

static void fake_bar(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	struct fake *d = opaque;

	(void)off;
	d->bar_calls++;
	if (!is_write)
		memset(data, 0x5a, len);
}

static struct pci_func *fake_func_at(struct pci_func *f, uint8_t devfn)
{
	struct fake *d = f->opaque;

	return d->vf_on && devfn == f->devfn + 1 ? &d->vf : NULL;
}

static void fake_reset(struct pci_func *f)
{
	((struct fake *)f->opaque)->resets++;
}

static const struct pci_func_ops fake_ops = { .func_at = fake_func_at, .reset = fake_reset };

/* A PCIe endpoint: BAR0 4 KiB, optionally a 64-bit prefetchable BAR2 of
 * @pref bytes and VF BARs of @vf_size x @vfs. */
static struct fake *fake_new(uint64_t pref, uint64_t vf_size, unsigned vfs)
{
	static const struct pci_id id = { .vendor = 0x1de5, .device = 0x0001,
					  .class_code = 0x120000, .multifunction = true };
	static const struct pci_id vid = { .vendor = 0x1de5, .device = 0x0002,
					   .class_code = 0x120000 };
	const struct pci_pcie_params pcie = { .type = PCI_EXP_TYPE_ENDPOINT, .link_speed = 3,
					      .link_width = 16 };
	struct fake *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	pci__init(&d->f, "fake", &id);
	d->f.ops = &fake_ops;
	d->f.opaque = d;
	assert_int_equal(pci__set_bar(&d->f, 0, 0x1000, PCI_BAR_MEM32, fake_bar, d), 0);
	if (pref)
		assert_int_equal(pci__set_bar(&d->f, 2, pref, PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					      fake_bar, d), 0);
	assert_true(pci__add_pcie_cap(&d->f, &pcie) > 0);
	if (vfs) {
		int off = pci__add_ext_cap(&d->f, PCI_EXT_CAP_ID_SRIOV, 1, 0x40);

		assert_int_equal(off, 0x100);
		assert_int_equal(pci__set_vf_bar(&d->f, 2, off + PCI_SRIOV_BAR + 8, vf_size, vfs,
						 PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0);
	}
	pci__init(&d->vf, "fake-vf", &vid);
	return d;
}

struct rig {
	struct bus mmio, pio;
	struct pci_host h;
	struct fake *dev[40];
	unsigned nr;
};

static struct rig *rig_new(void)
{
	struct pci_host_layout l = {
		.ecam_base = LAYOUT_ECAM, .ecam_size = LAYOUT_ECAM_SIZE,
		.mem32_base = LAYOUT_MMIO32, .mem32_size = LAYOUT_MMIO32_SIZE,
		.mem64_base = MEM64_BASE, .mem64_size = MEM64_SIZE,
	};
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_int_equal(bus__init(&r->mmio), 0);
	assert_int_equal(bus__init(&r->pio), 0);
	assert_int_equal(pci_host__init(&r->h, &r->mmio, &r->pio, &l), 0);
	return r;
}

static void rig_free(struct rig *r)
{
	unsigned i;

	pci_host__destroy(&r->h);
	assert_int_equal(r->mmio.nr, 0);	/* everything unregistered */
	assert_int_equal(r->pio.nr, 0);
	for (i = 0; i < r->nr; i++)
		free(r->dev[i]);
	bus__destroy(&r->mmio);
	bus__destroy(&r->pio);
	free(r);
}

static struct pci_root *expander(struct rig *r, const char *name, unsigned bus, int node)
{
	struct pci_root *root = NULL;

	assert_int_equal(pci_host__add_expander(&r->h, name, bus, node, &root), 0);
	return root;
}

static struct fake *plug(struct rig *r, struct pci_root *root, uint64_t pref)
{
	struct fake *d = fake_new(pref, 0, 0);

	assert_int_equal(pci_host__add_device(&r->h, root, &d->f, 0, NULL), 0);
	r->dev[r->nr++] = d;
	return d;
}

/* Config cycles the way the guest makes them. */
static uint32_t ecam_rd(struct rig *r, unsigned bus, unsigned devfn, unsigned off, unsigned len)
{
	uint64_t v = 0;

	assert_int_equal(bus__access(&r->mmio, LAYOUT_ECAM + ((uint64_t)bus << 20 | devfn << 12 |
							     off), &v, len, false), 0);
	return v;
}

static void ecam_wr(struct rig *r, unsigned bus, unsigned devfn, unsigned off, unsigned len,
		    uint32_t v)
{
	assert_int_equal(bus__access(&r->mmio, LAYOUT_ECAM + ((uint64_t)bus << 20 | devfn << 12 |
							     off), &v, len, true), 0);
}

static void cf8(struct rig *r, uint32_t v)
{
	assert_int_equal(bus__access(&r->pio, 0xcf8, &v, 4, true), 0);
}

static uint32_t cf8_rd(struct rig *r, unsigned bus, unsigned devfn, unsigned off, unsigned len)
{
	uint32_t v = 0;

	cf8(r, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
	assert_int_equal(bus__access(&r->pio, 0xcfc + (off & 3), &v, len, false), 0);
	return v;
}

static void test_host_bridge_cf8(void **state)
{
	struct rig *r = rig_new();
	uint32_t v;
	uint8_t b;

	(void)state;
	/* What Linux's pci_check_type1 does: byte to 0xCFB, then the
	 * enable bit must read back; then a host bridge on bus 0. */
	b = 1;
	assert_int_equal(bus__access(&r->pio, 0xcfb, &b, 1, true), 0);
	cf8(r, 0x80000000);
	v = 0;
	assert_int_equal(bus__access(&r->pio, 0xcf8, &v, 4, false), 0);
	assert_int_equal(v, 0x80000000);
	assert_int_equal(cf8_rd(r, 0, 0, PCI_VENDOR_ID, 4),
			 (uint32_t)PCI_HOST_BRIDGE_ID << 16 | PCI_HOST_VENDOR_ID);
	assert_int_equal(cf8_rd(r, 0, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	assert_int_equal(cf8_rd(r, 0, 0, PCI_CLASS_DEVICE + 1, 1), 0x06);
	/* Bits 1:0 of CONFIG_ADDRESS read 0. */
	cf8(r, 0x80000003);
	assert_int_equal(bus__access(&r->pio, 0xcf8, &v, 4, false), 0);
	assert_int_equal(v, 0x80000000);
	/* Absent functions, absent buses, disabled CONFIG_ADDRESS. */
	assert_int_equal(cf8_rd(r, 0, 8, 0, 4), 0xffffffff);
	assert_int_equal(cf8_rd(r, 0x42, 0, 0, 2), 0xffff);
	cf8(r, 0 /* enable bit clear */);
	assert_int_equal(bus__access(&r->pio, 0xcfc, &v, 4, false), 0);
	assert_int_equal(v, 0xffffffff);
	/* A word at 0xCFD is misaligned, a word at 0xCFF crosses the port. */
	cf8(r, 0x80000000);
	v = 0;
	assert_int_equal(bus__access(&r->pio, 0xcfd, &v, 2, false), 0);
	assert_int_equal(v, 0xffff);
	assert_int_equal(bus__access(&r->pio, 0xcfe, &v, 2, false), 0);
	assert_int_equal(v, PCI_HOST_BRIDGE_ID);
	/* Narrow accesses to CONFIG_ADDRESS do not change it. */
	b = 0;
	assert_int_equal(bus__access(&r->pio, 0xcf8, &b, 1, true), 0);
	assert_int_equal(bus__access(&r->pio, 0xcf8, &v, 4, false), 0);
	assert_int_equal(v, 0x80000000);
	/* Writes to read-only identity are dropped. */
	cf8(r, 0x80000000);
	v = 0;
	assert_int_equal(bus__access(&r->pio, 0xcfc, &v, 4, true), 0);
	assert_int_equal(cf8_rd(r, 0, 0, 0, 2), PCI_HOST_VENDOR_ID);
	rig_free(r);
}

static void test_ecam_matches_cf8(void **state)
{
	struct rig *r = rig_new();
	struct pci_root *e = expander(r, "numa0", 0x10, 0);
	uint64_t q;
	unsigned off;

	(void)state;
	plug(r, e, 0);
	assert_int_equal(pci_host__assign(&r->h), 0);
	/* The same 256 bytes through both mechanisms, for each function. */
	for (off = 0; off < 256; off += 4) {
		assert_int_equal(ecam_rd(r, 0, 0, off, 4), cf8_rd(r, 0, 0, off, 4));
		assert_int_equal(ecam_rd(r, 0x10, 0, off, 4), cf8_rd(r, 0x10, 0, off, 4));
		assert_int_equal(ecam_rd(r, 0x11, 0, off, 4), cf8_rd(r, 0x11, 0, off, 4));
	}
	/* Extended space only through ECAM; 8-byte cycles do not exist. */
	assert_int_equal(ecam_rd(r, 0x11, 0, 0x100, 4), 0);
	q = 0;
	assert_int_equal(bus__access(&r->mmio, LAYOUT_ECAM + (0x11 << 20), &q, 8, false), 0);
	assert_int_equal(q, UINT64_MAX);
	/* Misaligned ECAM access: all-ones; the last bus is decoded. */
	assert_int_equal(ecam_rd(r, 0x11, 0, 0x1, 2), 0xffff);
	assert_int_equal(ecam_rd(r, 0xff, 0xff, 0xffc, 4), 0xffffffff);
	rig_free(r);
}

/* The reference cluster: expanders 0x10 (node 0) and 0x20 (node 1), one
 * device each. */
static void test_two_expanders(void **state)
{
	struct rig *r = rig_new();
	struct pci_root *e0 = expander(r, "numa0", 0x10, 0), *e1 = expander(r, "numa1", 0x20, 1);
	struct fake *d0 = plug(r, e0, 0), *d1 = plug(r, e1, 0);
	uint64_t a0, a1;
	uint32_t v = 0;

	(void)state;
	/* Before assignment the ports exist, the devices are unreachable. */
	assert_int_equal(ecam_rd(r, 0x10, 0, PCI_VENDOR_ID, 2), PCI_HOST_VENDOR_ID);
	assert_int_equal(ecam_rd(r, 0x11, 0, PCI_VENDOR_ID, 2), 0xffff);
	assert_int_equal(pci_host__assign(&r->h), 0);
	assert_int_equal(pci_host__assign(&r->h), -EALREADY);

	assert_int_equal(r->h.roots[0]->bus_end, 0x0f);
	assert_int_equal(e0->bus_end, 0x1f);
	assert_int_equal(e1->bus_end, 0x21);	/* the last bus in use, as the MCFG */
	assert_int_equal(r->h.last_bus, 0x21);
	/* Root ports at 10:00.0 and 20:00.0, devices at 11:00.0, 21:00.0. */
	assert_int_equal(ecam_rd(r, 0x10, 0, PCI_CLASS_DEVICE, 2), 0x0604);
	assert_int_equal(ecam_rd(r, 0x10, 0, PCI_PRIMARY_BUS, 4), 0x00111110);
	assert_int_equal(ecam_rd(r, 0x20, 0, PCI_PRIMARY_BUS, 4), 0x00212120);
	assert_int_equal(ecam_rd(r, 0x11, 0, PCI_VENDOR_ID, 4), 0x00011de5);
	assert_int_equal(ecam_rd(r, 0x21, 0, PCI_VENDOR_ID, 4), 0x00011de5);
	assert_int_equal(ecam_rd(r, 0x12, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(ecam_rd(r, 0x10, 8, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(ecam_rd(r, 0x01, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	/* BAR0s inside their port's window, inside their expander's window,
	 * 32-bit space, decoding on and reachable on the MMIO bus. */
	a0 = pci__bar_addr(&d0->f, 0);
	a1 = pci__bar_addr(&d1->f, 0);
	assert_true(a0 >= e0->mem32.base && a0 + 0x1000 <= e0->mem32.base + e0->mem32.size);
	assert_true(a1 >= e1->mem32.base && a1 + 0x1000 <= e1->mem32.base + e1->mem32.size);
	assert_true(e0->mem32.base + e0->mem32.size <= e1->mem32.base);
	assert_true(e0->mem32.base >= LAYOUT_MMIO32 &&
		    e1->mem32.base + e1->mem32.size <= LAYOUT_MMIO32 + LAYOUT_MMIO32_SIZE);
	assert_int_equal(ecam_rd(r, 0x10, 0, PCI_MEMORY_BASE, 2), (a0 >> 16) & 0xfff0);
	assert_int_equal(ecam_rd(r, 0x10, 0, PCI_MEMORY_LIMIT, 2),
			 ((e0->mem32.base + e0->mem32.size - 1) >> 16) & 0xfff0);
	/* No prefetchable BARs: the prefetchable window is closed. */
	assert_int_equal(e0->mem64.size, 0);
	assert_true((ecam_rd(r, 0x10, 0, PCI_PREF_MEMORY_BASE, 2) & 0xfff0) >
		    (ecam_rd(r, 0x10, 0, PCI_PREF_MEMORY_LIMIT, 2) & 0xfff0));
	assert_true(ecam_rd(r, 0x11, 0, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	assert_int_equal(bus__access(&r->mmio, a1 + 0x10, &v, 4, false), 0);
	assert_int_equal(d1->bar_calls, 1);
	assert_int_equal(v, 0x5a5a5a5a);
	/* The BAR register reads back the address. */
	assert_int_equal(ecam_rd(r, 0x11, 0, PCI_BASE_ADDRESS_0, 4), (uint32_t)a0);
	/* A slot without indicators: they read "off". */
	assert_int_equal(ecam_rd(r, 0x10, 0, pci__find_cap(&r->h.ports[0]->func, PCI_CAP_ID_EXP) +
				 PCI_EXP_SLTCTL, 2), 0x03c0);
	/* The ports carry their chassis (index + 1) and slot numbers. */
	assert_int_equal(r->h.ports[0]->chassis, 1);
	assert_int_equal(r->h.ports[1]->chassis, 2);
	assert_int_equal(ecam_rd(r, 0x20, 0, pci__find_cap(&r->h.ports[1]->func,
							   PCI_CAP_ID_SLOTID) + 3, 1), 2);
	rig_free(r);
}

static void test_layouts(void **state)
{
	struct rig *r = rig_new();
	struct pci_root *main = r->h.roots[0];
	struct pci_root *e10 = expander(r, "a", 0x10, 0);
	struct pci_root *e30 = expander(r, "empty", 0x30, 1);
	struct pci_root *e40 = expander(r, "big", 0x40, 2);
	struct fake *m1, *m2, *p[3], *big;
	unsigned i;

	(void)state;
	/* Two devices on the main bus, three on 0x10, none on 0x30, and one
	 * with a 16 GiB prefetchable BAR on 0x40. */
	m1 = plug(r, main, 0);
	m2 = plug(r, main, 0);
	for (i = 0; i < 3; i++)
		p[i] = plug(r, e10, 0);
	big = plug(r, e40, 16ULL << 30);
	assert_int_equal(pci_host__assign(&r->h), 0);

	/* Main: ports at 00:01.0 and 00:02.0 behind the host bridge. */
	assert_int_equal(ecam_rd(r, 0, PCI_DEVFN_OF(1, 0), PCI_PRIMARY_BUS, 4), 0x00010100);
	assert_int_equal(ecam_rd(r, 0, PCI_DEVFN_OF(2, 0), PCI_PRIMARY_BUS, 4), 0x00020200);
	assert_int_equal(ecam_rd(r, 1, 0, PCI_VENDOR_ID, 2), 0x1de5);
	assert_int_equal(ecam_rd(r, 2, 0, PCI_VENDOR_ID, 2), 0x1de5);
	(void)m1;
	(void)m2;
	/* 0x10: ports 10:00.0..10:02.0 with buses 0x11..0x13. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(ecam_rd(r, 0x10, PCI_DEVFN_OF(i, 0), PCI_SECONDARY_BUS, 1),
				 0x11 + i);
		assert_int_equal(ecam_rd(r, 0x11 + i, 0, PCI_VENDOR_ID, 2), 0x1de5);
		assert_true(pci__bar_addr(&p[i]->f, 0) >= e10->mem32.base);
	}
	assert_int_equal(ecam_rd(r, 0x10, PCI_DEVFN_OF(3, 0), PCI_VENDOR_ID, 2), 0xffff);
	/* Each port has its own 1 MiB window. */
	assert_int_equal(e10->mem32.size, 3 * SZ_1M);
	/* The empty expander: a bus range, no windows, nothing on its bus. */
	assert_int_equal(e30->bus_end, 0x3f);
	assert_int_equal(e30->mem32.size, 0);
	assert_int_equal(e30->mem64.size, 0);
	assert_int_equal(ecam_rd(r, 0x30, 0, PCI_VENDOR_ID, 2), 0xffff);
	/* The 16 GiB BAR: 64-bit prefetchable window above 4 GiB, aligned. */
	assert_int_equal(e40->mem64.size, 16ULL << 30);
	assert_int_equal(pci__bar_addr(&big->f, 2) % (16ULL << 30), 0);
	assert_true(pci__bar_addr(&big->f, 2) >= MEM64_BASE);
	assert_int_equal(ecam_rd(r, 0x40, 0, PCI_PREF_BASE_UPPER32, 4),
			 pci__bar_addr(&big->f, 2) >> 32);
	assert_int_equal(ecam_rd(r, 0x40, 0, PCI_PREF_MEMORY_BASE, 2) & 0xf,
			 PCI_PREF_RANGE_TYPE_64);
	/* Windows of different host bridges never overlap. */
	for (i = 0; i + 1 < r->h.nr_roots; i++) {
		struct pci_root *a = r->h.roots[i], *b = r->h.roots[i + 1];

		if (a->mem32.size && b->mem32.size)
			assert_true(a->mem32.base + a->mem32.size <= b->mem32.base);
	}
	rig_free(r);
}

static void test_four_expanders(void **state)
{
	struct rig *r = rig_new();
	struct pci_root *e[4];
	unsigned i;

	(void)state;
	/* Added out of order: sorted by bus. */
	e[2] = expander(r, "n2", 0x30, 2);
	e[0] = expander(r, "n0", 0x10, 0);
	e[3] = expander(r, "n3", 0x40, 3);
	e[1] = expander(r, "n1", 0x20, 1);
	for (i = 0; i < 4; i++)
		plug(r, e[i], 0);
	assert_int_equal(pci_host__assign(&r->h), 0);
	for (i = 0; i < 4; i++) {
		assert_ptr_equal(r->h.roots[i + 1], e[i]);
		assert_int_equal(e[i]->node, (int)i);
		assert_int_equal(e[i]->bus_end, i < 3 ? 0x1f + 0x10 * i : 0x41);
		assert_int_equal(ecam_rd(r, 0x11 + 0x10 * i, 0, PCI_VENDOR_ID, 2), 0x1de5);
	}
	assert_ptr_equal(pci_host__root(&r->h, "n3"), e[3]);
	assert_ptr_equal(pci_host__root(&r->h, "main"), r->h.roots[0]);
	assert_null(pci_host__root(&r->h, "nope"));
	rig_free(r);
}

static void test_vf_bars_and_func_at(void **state)
{
	struct rig *r = rig_new();
	struct pci_root *e = expander(r, "numa0", 0x10, 0);
	struct fake *d = fake_new(1ULL << 30, 2ULL << 20, 7);
	struct pci_port *port;
	uint64_t vf, pf;

	(void)state;
	r->dev[r->nr++] = d;
	assert_int_equal(pci_host__add_device(&r->h, e, &d->f, 100, &port), 0);
	assert_int_equal(pci_host__assign(&r->h), 0);
	/* PF BAR2 (1 GiB) and the VF BAR (7 x 2 MiB) share the prefetchable
	 * window, each naturally aligned. */
	pf = pci__bar_addr(&d->f, 2);
	vf = pci__bar_addr(&d->f, PCI_VF_BAR(2));
	assert_int_equal(pf % (1ULL << 30), 0);
	assert_int_equal(vf % (2ULL << 20), 0);
	assert_true(vf >= port->pref.base && vf + 7 * (2ULL << 20) <= port->pref.base +
		    port->pref.size);
	assert_true(pf + (1ULL << 30) <= vf || vf + 7 * (2ULL << 20) <= pf);
	assert_int_equal(ecam_rd(r, 0x11, 0, 0x100 + PCI_SRIOV_BAR + 8, 4),
			 (uint32_t)vf | PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	assert_int_equal(port->chassis, 100);
	/* The VF answers at 11:00.1 only while its PF says so. */
	assert_int_equal(ecam_rd(r, 0x11, 1, PCI_VENDOR_ID, 4), 0xffffffff);
	d->vf_on = true;
	assert_int_equal(ecam_rd(r, 0x11, 1, PCI_VENDOR_ID, 4), 0x00021de5);
	assert_int_equal(ecam_rd(r, 0x11, 2, PCI_VENDOR_ID, 4), 0xffffffff);
	d->vf_on = false;
	assert_int_equal(ecam_rd(r, 0x11, 1, PCI_VENDOR_ID, 4), 0xffffffff);
	rig_free(r);
}

/* Config routing follows the port's bus registers, as on hardware. */
static void test_reprogrammed_port(void **state)
{
	struct rig *r = rig_new();
	struct pci_root *e = expander(r, "numa0", 0x10, 0);
	struct fake *d = plug(r, e, 0);

	(void)state;
	expander(r, "numa1", 0x20, 1);
	assert_int_equal(pci_host__assign(&r->h), 0);
	ecam_wr(r, 0x10, 0, PCI_PRIMARY_BUS, 4, 0x00151510);
	assert_int_equal(ecam_rd(r, 0x11, 0, PCI_VENDOR_ID, 2), 0xffff);
	assert_int_equal(ecam_rd(r, 0x15, 0, PCI_VENDOR_ID, 2), 0x1de5);
	/* A misaligned write (a word at 0x19) is dropped. */
	ecam_wr(r, 0x10, 0, PCI_SECONDARY_BUS, 2, 0x1616);
	assert_int_equal(ecam_rd(r, 0x15, 0, PCI_VENDOR_ID, 2), 0x1de5);
	/* A range outside its host bridge's buses is not decoded there. */
	ecam_wr(r, 0x10, 0, PCI_PRIMARY_BUS, 4, 0x00252510);
	assert_int_equal(ecam_rd(r, 0x25, 0, PCI_VENDOR_ID, 2), 0xffff);
	/* Secondary bus reset resets the device behind the port. */
	ecam_wr(r, 0x10, 0, PCI_PRIMARY_BUS, 4, 0x00111110);
	assert_true(ecam_rd(r, 0x11, 0, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	ecam_wr(r, 0x10, 0, PCI_BRIDGE_CONTROL, 2, PCI_BRIDGE_CTL_BUS_RESET);
	assert_int_equal(d->resets, 1);
	assert_int_equal(ecam_rd(r, 0x11, 0, PCI_COMMAND, 2), 0);
	assert_int_equal(ecam_rd(r, 0x11, 0, PCI_BASE_ADDRESS_0, 4), 0);
	/* Only the 0 -> 1 edge resets. */
	ecam_wr(r, 0x10, 0, PCI_BRIDGE_CONTROL, 2, PCI_BRIDGE_CTL_BUS_RESET);
	assert_int_equal(d->resets, 1);
	ecam_wr(r, 0x10, 0, PCI_BRIDGE_CONTROL, 2, 0);
	ecam_wr(r, 0x10, 0, PCI_BRIDGE_CONTROL, 2, PCI_BRIDGE_CTL_BUS_RESET);
	assert_int_equal(d->resets, 2);
	rig_free(r);
}

static void test_errors(void **state)
{
	struct rig *r = rig_new();
	struct pci_root *e = expander(r, "numa0", 0x10, 0), *root;
	struct fake *d;
	unsigned i;

	(void)state;
	/* Bus clash, bus 0 (main), past the ECAM, duplicate or reserved names. */
	assert_int_equal(pci_host__add_expander(&r->h, "x", 0x10, 1, &root), -EEXIST);
	assert_int_equal(pci_host__add_expander(&r->h, "numa0", 0x11, 1, &root), -EEXIST);
	assert_int_equal(pci_host__add_expander(&r->h, "x", 0, 1, &root), -EINVAL);
	assert_int_equal(pci_host__add_expander(&r->h, "main", 0x50, 1, &root), -EINVAL);
	assert_int_equal(pci_host__add_expander(&r->h, "", 0x50, 1, &root), -EINVAL);
	/* 0x12 leaves 0x10 the buses 0x10-0x11: room for one port only. */
	assert_int_equal(pci_host__add_expander(&r->h, "next", 0x12, 1, &root), 0);
	plug(r, e, 0);
	plug(r, e, 0);
	assert_int_equal(pci_host__assign(&r->h), -ENOSPC);
	rig_free(r);

	/* 32 device numbers per bus. */
	r = rig_new();
	e = expander(r, "numa0", 0x80, 0);
	for (i = 0; i < 32; i++)
		plug(r, e, 0);
	d = fake_new(0, 0, 0);
	r->dev[r->nr++] = d;
	assert_int_equal(pci_host__add_device(&r->h, e, &d->f, 0, NULL), -ENOSPC);
	assert_int_equal(pci_host__add_device(&r->h, r->h.roots[0], &d->f, 256, NULL), -EINVAL);
	assert_int_equal(pci_host__assign(&r->h), 0);
	assert_int_equal(ecam_rd(r, 0x80 + 32, 0, PCI_VENDOR_ID, 2), 0x1de5);
	/* A plugged function cannot be plugged twice. */
	assert_int_equal(pci_host__add_device(&r->h, e, &r->dev[0]->f, 0, NULL), -EINVAL);
	rig_free(r);

	/* The 64-bit window too small for a BAR. */
	r = rig_new();
	r->h.layout.mem64_size = 1ULL << 30;
	plug(r, expander(r, "numa0", 0x10, 0), 2ULL << 30);
	assert_int_equal(pci_host__assign(&r->h), -ENOSPC);
	rig_free(r);
}

static void test_bad_layout(void **state)
{
	struct pci_host h;
	struct pci_host_layout l = {
		.ecam_base = LAYOUT_ECAM, .ecam_size = 3 * SZ_1M + 1,
		.mem32_base = LAYOUT_MMIO32, .mem32_size = LAYOUT_MMIO32_SIZE,
	};

	(void)state;
	assert_int_equal(pci_host__init(&h, NULL, NULL, &l), -EINVAL);
	l.ecam_size = 512 * SZ_1M;
	assert_int_equal(pci_host__init(&h, NULL, NULL, &l), -EINVAL);
	l.ecam_size = 16 * SZ_1M;
	l.mem32_base = 0xf0000000;
	assert_int_equal(pci_host__init(&h, NULL, NULL, &l), -EINVAL);
	/* 16 buses: expanders must stay below. */
	l.mem32_base = LAYOUT_MMIO32;
	assert_int_equal(pci_host__init(&h, NULL, NULL, &l), 0);
	assert_int_equal(pci_host__add_expander(&h, "x", 0x10, 0, NULL), -EINVAL);
	assert_int_equal(pci_host__add_expander(&h, "x", 0x0f, 0, NULL), 0);
	assert_int_equal(pci_host__cfg_read(&h, 0, 0, PCI_VENDOR_ID, 2), PCI_HOST_VENDOR_ID);
	pci_host__destroy(&h);
	pci_host__destroy(&h);		/* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_bridge_cf8),
		cmocka_unit_test(test_ecam_matches_cf8),
		cmocka_unit_test(test_two_expanders),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_four_expanders),
		cmocka_unit_test(test_vf_bars_and_func_at),
		cmocka_unit_test(test_reprogrammed_port),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
