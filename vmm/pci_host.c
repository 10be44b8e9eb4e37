/*
 * PCIe host: host bridges, config cycle routing (ECAM, 0xCF8/0xCFC), the
 * firmware-style assignment of bus numbers, windows and BARs, and the
 * DSDT/MCFG parts. See pci_host.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/acpi.h"
#include "vmm/alloc.h"
#include "vmm/aml.h"
#include "vmm/bus.h"
#include "vmm/layout.h"
#include "vmm/pci_host.h"
#include "vmm/util.h"

#define PORT_CF8		LAYOUT_PORT_PCI_CONF_ADDR
#define PORT_CFC		LAYOUT_PORT_PCI_CONF_DATA
#define CF8_ENABLE		0x80000000u
#define ECAM_BUS_SIZE		SZ_1M
#define BRIDGE_WINDOW_ALIGN	SZ_1M	/* memory windows: 1 MiB granularity */
#define MAX_ROUTE_DEPTH		8	/* bridges below bridges */
#define PCI_DEVICES		32
#define MCFG_REV		1
#define OSC_UUID		"33DB4D5B-1FF7-401C-9657-7441C03DD766"
/* _OSC controls granted: PME, AER, PCIe capability structure; not native
 * hot-plug (no slot supports it), SHPC (no such bridge) or LTR. */
#define OSC_GRANTED		0x1c

/* ------------------------------------------------------------- buses */

int pci_bus__attach(struct pci_bus *b, struct pci_func *f, uint8_t devfn)
{
	unsigned i;

	for (i = 0; i < b->nr; i++)
		if (b->funcs[i]->devfn == devfn)
			return -EEXIST;
	if (b->nr == PCI_BUS_MAX_FUNCS)
		return -ENOSPC;
	b->funcs[b->nr++] = f;
	f->bus = b;
	f->devfn = devfn;
	return 0;
}

void pci_bus__reset(struct pci_bus *b)
{
	unsigned i;

	for (i = 0; i < b->nr; i++) {
		if (b->funcs[i]->secondary)
			pci_bus__reset(b->funcs[i]->secondary);
		pci__reset(b->funcs[i]);
	}
}

static unsigned bus_number(const struct pci_bus *b)
{
	return b->bridge ? pci__get8(b->bridge, PCI_SECONDARY_BUS) : b->root_nr;
}

static struct pci_func *bus_lookup(struct pci_bus *b, unsigned devfn)
{
	struct pci_func *f;
	unsigned i;

	for (i = 0; i < b->nr; i++)
		if (b->funcs[i]->devfn == devfn)
			return b->funcs[i];
	/* Functions that come and go (VFs) are known to their owner only. */
	for (i = 0; i < b->nr; i++) {
		f = b->funcs[i];
		if (f->ops && f->ops->func_at && (f = f->ops->func_at(f, devfn)))
			return f;
	}
	return NULL;
}

/* Type 0 on @b itself, else down the bridge whose bus range holds @nr. */
static struct pci_func *route(struct pci_bus *b, unsigned nr, unsigned devfn, unsigned depth)
{
	unsigned i, self = bus_number(b);

	if (nr == self)
		return bus_lookup(b, devfn);
	if (depth >= MAX_ROUTE_DEPTH)
		return NULL;
	for (i = 0; i < b->nr; i++) {
		struct pci_func *br = b->funcs[i];
		unsigned sec, sub;

		if (!br->secondary)
			continue;
		sec = pci__get8(br, PCI_SECONDARY_BUS);
		sub = pci__get8(br, PCI_SUBORDINATE_BUS);
		if (sec > self && sec <= nr && nr <= sub)
			return route(br->secondary, nr, devfn, depth + 1);
	}
	return NULL;
}

struct pci_func *pci_host__find(struct pci_host *h, unsigned bus, unsigned devfn)
{
	unsigned i;

	if (devfn > 0xff)
		return NULL;
	for (i = 0; i < h->nr_roots; i++) {
		struct pci_root *r = h->roots[i];

		if (bus >= r->bus && bus <= r->bus_end)
			return route(&r->root_bus, bus, devfn, 0);
	}
	return NULL;
}

/* --------------------------------------------------------- config cycles */

static uint32_t ones(unsigned len)
{
	return len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
}

static uint32_t cfg_read_locked(struct pci_host *h, unsigned bus, unsigned devfn,
				unsigned off, unsigned len)
{
	struct pci_func *f = pci_host__find(h, bus, devfn);
	uint32_t v;

	if (!f || pci__cfg_read(f, off, len, &v) < 0)
		return ones(len);
	return v;
}

static void cfg_write_locked(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
			     unsigned len, uint32_t val)
{
	struct pci_func *f = pci_host__find(h, bus, devfn);

	if (f)
		pci__cfg_write(f, off, len, val);
}

uint32_t pci_host__cfg_read(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
			    unsigned len)
{
	uint32_t v;

	pthread_mutex_lock(&h->lock);
	v = cfg_read_locked(h, bus, devfn, off, len);
	pthread_mutex_unlock(&h->lock);
	return v;
}

void pci_host__cfg_write(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
			 unsigned len, uint32_t val)
{
	pthread_mutex_lock(&h->lock);
	cfg_write_locked(h, bus, devfn, off, len, val);
	pthread_mutex_unlock(&h->lock);
}

static void cfg_access(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
		       void *data, uint32_t len, bool is_write)
{
	uint32_t v = 0;

	if (len > 4) {		/* no 8-byte config cycles */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, len);
		cfg_write_locked(h, bus, devfn, off, len, v);
	} else {
		v = cfg_read_locked(h, bus, devfn, off, len);
		memcpy(data, &v, len);		/* x86: little-endian */
	}
}

void pci_host__ecam_access(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	struct pci_host *h = opaque;

	pthread_mutex_lock(&h->lock);
	cfg_access(h, off >> 20, (off >> 12) & 0xff, off & 0xfff, data, len, is_write);
	pthread_mutex_unlock(&h->lock);
}

/* CONFIG_ADDRESS: only dword accesses reach it (byte writes to 0xCFB are
 * how Linux probes for type 2, and must not disturb it). */
void pci_host__cf8_access(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	struct pci_host *h = opaque;
	uint32_t v;

	if (off || len != 4) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&h->lock);
	if (is_write) {
		memcpy(&v, data, 4);
		h->cf8 = v & ~3u;	/* bits 1:0 are reserved, read 0 */
	} else {
		memcpy(data, &h->cf8, 4);
	}
	pthread_mutex_unlock(&h->lock);
}

void pci_host__cfc_access(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	struct pci_host *h = opaque;
	uint32_t a;

	pthread_mutex_lock(&h->lock);
	a = h->cf8;
	if (!(a & CF8_ENABLE) || off + len > 4) {
		if (!is_write)
			memset(data, 0xff, len);
	} else {
		cfg_access(h, (a >> 16) & 0xff, (a >> 8) & 0xff, (a & 0xfc) + off, data, len,
			   is_write);
	}
	pthread_mutex_unlock(&h->lock);
}

/* ------------------------------------------------------------ building */

/* Bus ranges: each host bridge owns the buses up to the next one. */
static void update_ranges(struct pci_host *h)
{
	unsigned i;

	for (i = 0; i < h->nr_roots; i++)
		h->roots[i]->bus_end = i + 1 < h->nr_roots ? h->roots[i + 1]->bus - 1u :
				       h->nr_buses - 1u;
}

static struct pci_root *root_new(struct pci_host *h, const char *name, uint8_t bus, int node)
{
	struct pci_root *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->bus = bus;
	r->node = node;
	r->root_bus = (struct pci_bus){ .host = h, .root_nr = bus };
	return r;
}

int pci_host__init(struct pci_host *h, struct bus *mmio, struct bus *pio,
		   const struct pci_host_layout *l)
{
	static const struct pci_id id = {
		.vendor = PCI_HOST_VENDOR_ID, .device = PCI_HOST_BRIDGE_ID,
		.class_code = PCI_CLASS_CODE_HOST_BRIDGE,
		.subsys_vendor = PCI_HOST_VENDOR_ID, .subsys = PCI_HOST_BRIDGE_ID,
	};
	struct pci_root *r;
	int ret;

	memset(h, 0, sizeof(*h));
	if (!l->ecam_size || l->ecam_size % ECAM_BUS_SIZE || l->ecam_base % ECAM_BUS_SIZE ||
	    l->ecam_size > 256 * ECAM_BUS_SIZE || !l->mem32_size ||
	    l->mem32_base + l->mem32_size > (1ULL << 32) ||
	    l->mem64_base + l->mem64_size < l->mem64_base)
		return -EINVAL;
	h->layout = *l;
	h->nr_buses = l->ecam_size / ECAM_BUS_SIZE;
	ret = -pthread_mutex_init(&h->lock, NULL);
	if (ret)
		return ret;
	r = root_new(h, "main", 0, -1);
	if (!r) {
		ret = -ENOMEM;
		goto err_lock;
	}
	r->main = true;
	h->roots[h->nr_roots++] = r;
	update_ranges(h);
	/* Linux's type 1 probe wants a host bridge (class 0600) on bus 0. */
	pci__init(&h->bridge, "host-bridge", &id);
	h->bridge.mmio = mmio;
	h->bridge.pio = pio;
	pci_bus__attach(&r->root_bus, &h->bridge, 0);
	pci__seal(&h->bridge);

	if (mmio) {
		ret = bus__register(mmio, l->ecam_base, l->ecam_size, pci_host__ecam_access, h,
				    "pcie-ecam");
		if (ret)
			goto err_root;
	}
	if (pio) {
		ret = bus__register(pio, PORT_CF8, 4, pci_host__cf8_access, h, "pci-conf-addr");
		if (!ret) {
			ret = bus__register(pio, PORT_CFC, 4, pci_host__cfc_access, h,
					    "pci-conf-data");
			if (ret)
				bus__unregister(pio, PORT_CF8);
		}
		if (ret)
			goto err_ecam;
	}
	h->mmio = mmio;
	h->pio = pio;
	return 0;
err_ecam:
	if (mmio)
		bus__unregister(mmio, l->ecam_base);
err_root:
	free(r);
err_lock:
	pthread_mutex_destroy(&h->lock);
	memset(h, 0, sizeof(*h));
	return ret;
}

void pci_host__destroy(struct pci_host *h)
{
	unsigned i, j;

	if (!h->nr_roots)
		return;
	/* Devices' functions stay (their owners free them); unmap what we
	 * mapped so that the buses hold no pointer into freed memory. */
	for (i = 0; i < h->nr_ports; i++) {
		struct pci_bus *b = &h->ports[i]->bus;

		for (j = 0; j < b->nr; j++)
			pci__unmap_bars(b->funcs[j]);
		free(h->ports[i]);
	}
	if (h->mmio)
		bus__unregister(h->mmio, h->layout.ecam_base);
	if (h->pio) {
		bus__unregister(h->pio, PORT_CF8);
		bus__unregister(h->pio, PORT_CFC);
	}
	for (i = 0; i < h->nr_roots; i++)
		free(h->roots[i]);
	pthread_mutex_destroy(&h->lock);
	memset(h, 0, sizeof(*h));
}

int pci_host__add_expander(struct pci_host *h, const char *name, uint8_t bus, int node,
			   struct pci_root **out)
{
	struct pci_root *r;
	unsigned i;

	if (!bus || bus >= h->nr_buses || h->assigned || !name || !*name ||
	    !strcmp(name, "main") || strlen(name) >= PCI_ROOT_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < h->nr_roots; i++)
		if (h->roots[i]->bus == bus || !strcmp(h->roots[i]->name, name))
			return -EEXIST;
	if (h->nr_roots == PCI_HOST_MAX_ROOTS)
		return -ENOSPC;
	r = root_new(h, name, bus, node);
	if (!r)
		return -ENOMEM;
	for (i = h->nr_roots; i > 0 && h->roots[i - 1]->bus > bus; i--)
		h->roots[i] = h->roots[i - 1];
	h->roots[i] = r;
	h->nr_roots++;
	update_ranges(h);
	if (out)
		*out = r;
	return 0;
}

struct pci_root *pci_host__root(struct pci_host *h, const char *name)
{
	unsigned i;

	for (i = 0; i < h->nr_roots; i++)
		if (!strcmp(h->roots[i]->name, name))
			return h->roots[i];
	return NULL;
}

int pci_host__add_device(struct pci_host *h, struct pci_root *root, struct pci_func *f,
			 unsigned chassis, struct pci_port **out)
{
	struct pci_port *p;
	unsigned dev;
	int ret;

	if (h->assigned || chassis > 0xff || f->bus)
		return -EINVAL;
	/* The main bus starts with the host bridge at device 0. */
	dev = root->nr_ports + (root->main ? 1 : 0);
	if (dev >= PCI_DEVICES || h->nr_ports == PCI_HOST_MAX_PORTS)
		return -ENOSPC;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->index = h->nr_ports;
	ret = pci_port__init(p, h, root, dev, chassis ? chassis : p->index % 255 + 1);
	if (ret)
		goto err;
	ret = pci_bus__attach(&p->bus, f, 0);
	if (ret)
		goto err;
	f->mmio = h->mmio;
	f->pio = h->pio;
	pci__seal(f);
	root->nr_ports++;
	h->ports[h->nr_ports++] = p;
	if (out)
		*out = p;
	return 0;
err:
	if (p->func.bus)	/* undo pci_port__init's attach */
		root->root_bus.nr--;
	free(p);
	return ret;
}

/* ------------------------------------------------------------ assignment */

struct need {
	struct pci_func *f;
	unsigned bar;
	uint64_t size, align;
};

struct needs {
	struct need mem[PCI_BUS_MAX_FUNCS * PCI_MAX_BARS];
	struct need pref[PCI_BUS_MAX_FUNCS * PCI_MAX_BARS];
	unsigned nr_mem, nr_pref;
};

static void sort_needs(struct need *n, unsigned nr)
{
	unsigned i, j;
	struct need t;

	/* Largest alignment first: then every BAR lands aligned, no holes. */
	for (i = 1; i < nr; i++) {
		t = n[i];
		for (j = i; j > 0 && n[j - 1].align < t.align; j--)
			n[j] = n[j - 1];
		n[j] = t;
	}
}

static int gather(const struct pci_port *p, struct needs *n)
{
	unsigned i, j;

	n->nr_mem = n->nr_pref = 0;
	for (i = 0; i < p->bus.nr; i++) {
		struct pci_func *f = p->bus.funcs[i];

		for (j = 0; j < PCI_MAX_BARS; j++) {
			const struct pci_bar *b = &f->bars[j];
			bool is64 = (b->type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
				    PCI_BASE_ADDRESS_MEM_TYPE_64;
			struct need *d;

			if (!b->size)
				continue;
			if (b->type & PCI_BASE_ADDRESS_SPACE_IO) {
				pr_err("PCI: %s: I/O BARs are not supported (no I/O windows)",
				       f->name);
				return -ENOTSUP;
			}
			if (b->count > UINT64_MAX / b->size)
				return -ERANGE;
			/* 64-bit prefetchable BARs go to the prefetchable
			 * window, everything else below 4 GiB. */
			if (is64 && (b->type & PCI_BAR_PREFETCH))
				d = &n->pref[n->nr_pref++];
			else
				d = &n->mem[n->nr_mem++];
			*d = (struct need){ f, j, b->size * b->count, b->size };
		}
	}
	sort_needs(n->mem, n->nr_mem);
	sort_needs(n->pref, n->nr_pref);
	return 0;
}

/* Place @nr needs in one bridge window taken from @a; @w gets the window. */
static int place(struct need *n, unsigned nr, struct alloc_window *a, struct pci_window *w)
{
	uint64_t off = 0, base, size, align;
	unsigned i;
	int ret;

	*w = (struct pci_window){ 0, 0 };
	if (!nr)
		return 0;
	for (i = 0; i < nr; i++) {
		off = ALIGN_UP(off, n[i].align);
		if (off + n[i].size < off)
			return -ENOSPC;
		off += n[i].size;
	}
	align = MAX(BRIDGE_WINDOW_ALIGN, n[0].align);
	size = ALIGN_UP(off, BRIDGE_WINDOW_ALIGN);
	if (!size)
		return -ENOSPC;
	ret = alloc__window(a, size, align, &base);
	if (ret)
		return ret;
	*w = (struct pci_window){ base, size };
	for (i = 0, off = 0; i < nr; i++) {
		off = ALIGN_UP(off, n[i].align);
		pci__bar_set_addr(n[i].f, n[i].bar, base + off);
		off += n[i].size;
	}
	return 0;
}

static void grow_window(struct pci_window *root, const struct pci_window *w)
{
	uint64_t end;

	if (!w->size)
		return;
	if (!root->size) {
		*root = *w;
		return;
	}
	end = MAX(root->base + root->size, w->base + w->size);
	root->base = MIN(root->base, w->base);
	root->size = end - root->base;
}

static void program_port(struct pci_port *p, unsigned secondary)
{
	struct pci_func *f = &p->func;
	uint64_t end;

	pci__set8(f, PCI_PRIMARY_BUS, p->root->bus);
	pci__set8(f, PCI_SECONDARY_BUS, secondary);
	pci__set8(f, PCI_SUBORDINATE_BUS, secondary);
	if (p->mem.size) {
		end = p->mem.base + p->mem.size - 1;
		pci__set16(f, PCI_MEMORY_BASE, (p->mem.base >> 16) & PCI_MEMORY_RANGE_MASK);
		pci__set16(f, PCI_MEMORY_LIMIT, (end >> 16) & PCI_MEMORY_RANGE_MASK);
	} else {	/* closed: base above limit */
		pci__set16(f, PCI_MEMORY_BASE, 0xfff0);
		pci__set16(f, PCI_MEMORY_LIMIT, 0);
	}
	if (p->pref.size) {
		end = p->pref.base + p->pref.size - 1;
		pci__set16(f, PCI_PREF_MEMORY_BASE,
			   ((p->pref.base >> 16) & PCI_PREF_RANGE_MASK) | PCI_PREF_RANGE_TYPE_64);
		pci__set16(f, PCI_PREF_MEMORY_LIMIT,
			   ((end >> 16) & PCI_PREF_RANGE_MASK) | PCI_PREF_RANGE_TYPE_64);
		pci__set32(f, PCI_PREF_BASE_UPPER32, p->pref.base >> 32);
		pci__set32(f, PCI_PREF_LIMIT_UPPER32, end >> 32);
	} else {
		pci__set16(f, PCI_PREF_MEMORY_BASE, 0xfff0 | PCI_PREF_RANGE_TYPE_64);
		pci__set16(f, PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
		pci__set32(f, PCI_PREF_BASE_UPPER32, 0);
		pci__set32(f, PCI_PREF_LIMIT_UPPER32, 0);
	}
	pci__set16(f, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void enable_functions(struct pci_bus *b)
{
	unsigned i, j;

	for (i = 0; i < b->nr; i++) {
		struct pci_func *f = b->funcs[i];
		bool mem = false;

		for (j = 0; j < PCI_NR_BARS; j++)
			mem |= f->bars[j].size && !(f->bars[j].type & PCI_BASE_ADDRESS_SPACE_IO);
		if (mem)
			pci__set16(f, PCI_COMMAND, pci__get16(f, PCI_COMMAND) | PCI_COMMAND_MEMORY);
		pci__update_bars(f);
	}
}

int pci_host__assign(struct pci_host *h)
{
	struct alloc_window a32, a64;
	unsigned i, k, sec, last = 0;
	struct needs *n;
	int ret = 0;

	if (h->assigned)
		return -EALREADY;
	update_ranges(h);
	for (i = 0; i < h->nr_roots; i++) {
		struct pci_root *r = h->roots[i];

		if (r->bus + r->nr_ports > r->bus_end) {
			pr_err("PCI: host bridge %s: bus range %#x-%#x cannot hold %u root port%s "
			       "(each needs a bus number after %#x)", r->name, r->bus, r->bus_end,
			       r->nr_ports, r->nr_ports == 1 ? "" : "s", r->bus);
			return -ENOSPC;
		}
	}
	n = malloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	alloc__window_init(&a32, h->layout.mem32_base, h->layout.mem32_size);
	alloc__window_init(&a64, h->layout.mem64_base, h->layout.mem64_size);
	/* Host bridges in bus order, ports in device order: same config, same
	 * addresses. */
	for (i = 0; i < h->nr_roots; i++) {
		struct pci_root *r = h->roots[i];

		r->mem32 = r->mem64 = (struct pci_window){ 0, 0 };
		for (k = 0; k < h->nr_ports; k++) {
			struct pci_port *p = h->ports[k];

			if (p->root != r)
				continue;
			ret = gather(p, n);
			if (ret)
				goto out;
			ret = place(n->mem, n->nr_mem, &a32, &p->mem);
			if (ret) {
				pr_err("PCI: %s: the 32-bit MMIO window (%llu MiB) is full",
				       p->name, (unsigned long long)(h->layout.mem32_size >> 20));
				goto out;
			}
			ret = place(n->pref, n->nr_pref, &a64, &p->pref);
			if (ret) {
				pr_err("PCI: %s: the 64-bit MMIO window (%llu GiB) is full",
				       p->name, (unsigned long long)(h->layout.mem64_size >> 30));
				goto out;
			}
			grow_window(&r->mem32, &p->mem);
			grow_window(&r->mem64, &p->pref);
			/* The k-th port of a host bridge gets bus number + 1 + k. */
			sec = r->bus + 1 + (p->func.devfn >> 3) - (r->main ? 1 : 0);
			program_port(p, sec);
			last = MAX(last, sec);
			enable_functions(&p->bus);
		}
		last = MAX(last, r->bus);
	}
	/* The last host bridge, and the MCFG, end at the last bus in use:
	 * Linux probes every bus the MCFG covers for peer host bridges
	 * (pcibios_fixup_peer_bridges, 32 config reads per bus), 8160 reads
	 * for nothing with a 0-255 window. */
	h->roots[h->nr_roots - 1]->bus_end = last;
	h->last_bus = last;
	h->assigned = true;
out:
	free(n);
	return ret;
}

/* ----------------------------------------------------------------- ACPI */

/* _OSC as in the PCI Firmware Specification: grant OSC_GRANTED of what the
 * OS asks for, flag an unknown revision or UUID. */
static void build_osc(struct aml *a)
{
	aml__method_begin(a, "_OSC", 4, false);
	aml__create_dword_field(a);
	aml__arg(a, 3);
	aml__int(a, 0);
	aml__path(a, "CDW1");
	aml__if_begin(a);
	aml__lequal(a);
	aml__arg(a, 0);
	aml__uuid(a, OSC_UUID);
	{
		aml__create_dword_field(a);
		aml__arg(a, 3);
		aml__int(a, 4);
		aml__path(a, "CDW2");
		aml__create_dword_field(a);
		aml__arg(a, 3);
		aml__int(a, 8);
		aml__path(a, "CDW3");
		aml__store(a);
		aml__path(a, "CDW3");
		aml__local(a, 0);
		aml__and(a);
		aml__local(a, 0);
		aml__int(a, OSC_GRANTED);
		aml__local(a, 0);
		aml__if_begin(a);		/* unknown revision */
		aml__lnot(a);
		aml__lequal(a);
		aml__arg(a, 1);
		aml__int(a, 1);
		aml__or(a);
		aml__path(a, "CDW1");
		aml__int(a, 0x08);
		aml__path(a, "CDW1");
		aml__end(a);
		aml__if_begin(a);		/* capabilities masked */
		aml__lnot(a);
		aml__lequal(a);
		aml__path(a, "CDW3");
		aml__local(a, 0);
		aml__or(a);
		aml__path(a, "CDW1");
		aml__int(a, 0x10);
		aml__path(a, "CDW1");
		aml__end(a);
		aml__store(a);
		aml__local(a, 0);
		aml__path(a, "CDW3");
	}
	aml__end(a);
	aml__else_begin(a);			/* unrecognized UUID */
	aml__or(a);
	aml__path(a, "CDW1");
	aml__int(a, 0x04);
	aml__path(a, "CDW1");
	aml__end(a);
	aml__return(a);
	aml__arg(a, 3);
	aml__end(a);
}

static void crs_mem(struct aml *a, uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	if (end <= (1ULL << 32))
		aml__dword_memory(a, AML_MEM_NONCACHEABLE, start, end - 1);
	else
		aml__qword_memory(a, AML_MEM_CACHEABLE, start, end - 1);
}

/* [@base, @base + @size) minus every expander's window of that kind. */
static void crs_main_windows(struct aml *a, const struct pci_host *h, uint64_t base,
			     uint64_t size, bool is64)
{
	uint64_t cur = base, end = base + size;
	unsigned i;

	/* Expanders are in bus order, and so are their windows (assignment
	 * follows bus order); main's own ports come first and stay main's. */
	for (i = 0; i < h->nr_roots; i++) {
		const struct pci_root *r = h->roots[i];
		const struct pci_window *w = is64 ? &r->mem64 : &r->mem32;

		if (r->main || !w->size)
			continue;
		crs_mem(a, cur, w->base);
		cur = w->base + w->size;
	}
	crs_mem(a, cur, end);
}

static void build_root(struct aml *a, const struct pci_host *h, const struct pci_root *r)
{
	char name[8];

	if (r->main)
		snprintf(name, sizeof(name), "PCI0");
	else
		snprintf(name, sizeof(name), "PC%02X", r->bus);
	aml__device_begin(a, name);
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0A08");
	aml__name(a, "_CID");
	aml__eisaid(a, "PNP0A03");
	if (r->main)
		aml__name_int(a, "_ADR", 0);
	aml__name_int(a, "_SEG", 0);
	aml__name_int(a, "_UID", r->bus);
	aml__name_int(a, "_BBN", r->bus);
	if (r->node >= 0)
		aml__name_int(a, "_PXM", r->node);
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__word_bus_number(a, r->bus, r->bus_end);
	if (r->main) {
		crs_main_windows(a, h, h->layout.mem32_base, h->layout.mem32_size, false);
		crs_main_windows(a, h, h->layout.mem64_base, h->layout.mem64_size, true);
	} else {
		crs_mem(a, r->mem32.base, r->mem32.base + r->mem32.size);
		crs_mem(a, r->mem64.base, r->mem64.base + r->mem64.size);
	}
	aml__end(a);
	build_osc(a);
	aml__end(a);
}

int pci_host__dsdt(struct aml *a, void *opaque)
{
	struct pci_host *h = opaque;
	unsigned i;

	if (!h->assigned)
		return -EINVAL;
	aml__scope_begin(a, "\\_SB");
	for (i = 0; i < h->nr_roots; i++)
		build_root(a, h, h->roots[i]);
	/* Motherboard resource holding the ECAM: Linux checks that MMCONFIG
	 * is reserved here before trusting it for extended config space. */
	aml__device_begin(a, "ECAM");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0C02");
	aml__name(a, "_UID");
	aml__string(a, "PCI-ECAM");
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__memory32_fixed(a, h->layout.ecam_base, h->layout.ecam_size, true);
	aml__end(a);
	aml__end(a);
	aml__end(a);
	return aml__error(a);
}

struct acpi_blob pci_host__mcfg(struct pci_host *h)
{
	uint8_t *p = h->mcfg + ACPI_HEADER_LEN + 8;	/* after 8 reserved bytes */
	uint64_t base = h->layout.ecam_base;

	memset(h->mcfg, 0, sizeof(h->mcfg));
	acpi__header(h->mcfg, "MCFG", sizeof(h->mcfg), MCFG_REV);
	memcpy(p, &base, 8);			/* segment 0, little-endian */
	p[10] = 0;				/* start bus */
	p[11] = h->assigned ? h->last_bus : h->nr_buses - 1;	/* end bus */
	acpi__checksum(h->mcfg, sizeof(h->mcfg));
	return (struct acpi_blob){ h->mcfg, sizeof(h->mcfg) };
}
