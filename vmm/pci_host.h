/*
 * PCIe host: config space access (ECAM MMIO and legacy 0xCF8/0xCFC PIO),
 * host bridges (the main one on bus 0 plus expander buses, each its own
 * PNP0A08 device like QEMU's pxb-pcie), root ports, and what firmware would
 * otherwise do: bus numbers, bridge windows and BARs. Also the ACPI parts:
 * one DSDT fragment with every host bridge and the MCFG table.
 *
 * Config cycles are routed like real hardware: a bus number belongs to the
 * host bridge whose range holds it; its root bus answers directly, other
 * numbers go to the bridge (root port) whose secondary..subordinate range
 * holds them, as programmed in that bridge's config space. A function
 * answers its own devfn, and may answer others through ops->func_at (a PF's
 * VFs). Absent functions read all-ones.
 *
 * Build order: pci_host__init, pci_host__add_expander for each [pcie.*],
 * pci_host__add_device for each device (a root port is created for it),
 * pci_host__assign once, then the DSDT part and pci_host__mcfg.
 */
#ifndef MVMM_PCI_HOST_H
#define MVMM_PCI_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/acpi.h"
#include "vmm/pci.h"

struct aml;
struct bus;

#define PCI_BUS_MAX_FUNCS	32	/* functions attached to one bus */
#define PCI_HOST_MAX_ROOTS	64	/* main host bridge + expanders */
#define PCI_HOST_MAX_PORTS	256
#define PCI_ROOT_NAME_LEN	64
#define PCI_MCFG_LEN		(ACPI_HEADER_LEN + 8 + 16)	/* one allocation */

/* Identities of mvmm's bridges: the generic virtual PCIe host bridge and
 * root port IDs documented by QEMU (no Linux quirk matches them). */
#define PCI_HOST_VENDOR_ID	0x1b36
#define PCI_HOST_BRIDGE_ID	0x0008
#define PCI_ROOT_PORT_ID	0x000c

/* PCIe link every mvmm port and device reports: 8 GT/s x16. */
#define PCI_LINK_SPEED		3
#define PCI_LINK_WIDTH		16

struct pci_host;

/* A bus segment: the root bus of a host bridge, or what is behind a bridge. */
struct pci_bus {
	struct pci_host *host;
	struct pci_func *bridge;	/* NULL: a root bus */
	uint8_t root_nr;		/* root bus: its number */
	struct pci_func *funcs[PCI_BUS_MAX_FUNCS];
	unsigned nr;
};

/* An address window [base, base + size); size 0: none. */
struct pci_window {
	uint64_t base, size;
};

/* A host bridge: the main one (bus 0) or an expander. */
struct pci_root {
	char name[PCI_ROOT_NAME_LEN];	/* "main" or the [pcie.NAME] name */
	bool main;
	uint8_t bus, bus_end;		/* bus range it decodes (_CRS, _BBN) */
	int node;			/* _PXM; -1: none */
	struct pci_bus root_bus;
	unsigned nr_ports;
	struct pci_window mem32, mem64;	/* what its ports use (pci_host__assign) */
};

/* A root port and the one device behind it. */
struct pci_port {
	struct pci_func func;
	struct pci_bus bus;		/* its secondary bus */
	struct pci_root *root;
	unsigned index;			/* in the host, creation order */
	uint8_t chassis;
	uint16_t slot;			/* Physical Slot Number */
	char name[PCI_ROOT_NAME_LEN + 16];
	struct pci_window mem, pref;	/* assigned windows; size 0: closed */
};

/* Guest-physical resources the host hands out (from layout.h). */
struct pci_host_layout {
	uint64_t ecam_base, ecam_size;	/* ecam_size / 1 MiB buses from 0 */
	uint64_t mem32_base, mem32_size;
	uint64_t mem64_base, mem64_size;
};

struct pci_host {
	pthread_mutex_t lock;		/* serializes config cycles */
	struct bus *mmio, *pio;		/* NULL pio/mmio: not registered (tests) */
	struct pci_host_layout layout;
	unsigned nr_buses;		/* ECAM-decodable buses */
	uint32_t cf8;			/* CONFIG_ADDRESS */
	struct pci_root *roots[PCI_HOST_MAX_ROOTS];	/* sorted by bus; [0] = main */
	unsigned nr_roots;
	struct pci_port *ports[PCI_HOST_MAX_PORTS];
	unsigned nr_ports;
	struct pci_func bridge;		/* the host bridge function, 00:00.0 */
	bool assigned;
	unsigned last_bus;		/* pci_host__assign: highest bus in use */
	uint8_t mcfg[PCI_MCFG_LEN];
};

/*
 * Create the main host bridge and register ECAM on @mmio and 0xCF8/0xCFC
 * on @pio (either may be NULL in tests). -EINVAL for a bad layout. (x86
 * Linux wants type 1 ports early: without them it logs "PCI: Fatal: No
 * config space access function found" before it validates MMCONFIG
 * through ACPI, so they stay.)
 */
int pci_host__init(struct pci_host *h, struct bus *mmio, struct bus *pio,
		   const struct pci_host_layout *l);
void pci_host__destroy(struct pci_host *h);

/*
 * An expander host bridge on bus @bus (1..nr_buses-1) for guest NUMA node
 * @node (-1: no _PXM). -EINVAL for a bad bus, -EEXIST if another host
 * bridge has it, -ENOSPC past PCI_HOST_MAX_ROOTS.
 */
int pci_host__add_expander(struct pci_host *h, const char *name, uint8_t bus, int node,
			   struct pci_root **out);
/* The host bridge named @name ("main" is the main one), or NULL. */
struct pci_root *pci_host__root(struct pci_host *h, const char *name);

/*
 * Plug @f (function 0 of a device, fully built: BARs and capabilities set)
 * into a new root port on @root, as device 0 of the port's secondary bus.
 * @chassis 0 picks the port's index % 255 + 1. The function is sealed here (its
 * reset image). -ENOSPC when the root has no device number left.
 */
int pci_host__add_device(struct pci_host *h, struct pci_root *root, struct pci_func *f,
			 unsigned chassis, struct pci_port **out);

/*
 * Firmware's job: bus ranges of the host bridges, root port bus numbers
 * (secondary = root bus + 1 + port number), bridge windows and BARs from
 * the layout's windows, memory decoding on. Writes one line to stderr and
 * returns -ENOSPC for a bus range that cannot hold its ports or windows
 * that do not fit, -ENOTSUP for I/O BARs.
 */
int pci_host__assign(struct pci_host *h);

/* acpi_dsdt_part: \_SB.PCI0, one \_SB.PCxx per expander (xx = its bus, hex),
 * and a PNP0C02 device reserving the ECAM. @opaque is the host. */
int pci_host__dsdt(struct aml *a, void *opaque);
/* The MCFG table (one allocation for segment 0 covering every bus). */
struct acpi_blob pci_host__mcfg(struct pci_host *h);

/* The function answering (@bus, @devfn) now, or NULL. Config lock held or
 * single-threaded. */
struct pci_func *pci_host__find(struct pci_host *h, unsigned bus, unsigned devfn);
/* One config cycle, as the guest does it; all-ones / dropped if nobody
 * answers or the access is bad. Takes the config lock. */
uint32_t pci_host__cfg_read(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
			    unsigned len);
void pci_host__cfg_write(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
			 unsigned len, uint32_t val);

/* The bus handlers (exported for tests). @opaque is the host. */
void pci_host__ecam_access(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write);
void pci_host__cf8_access(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write);
void pci_host__cfc_access(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write);

/* Attach @f at @devfn of @b (static functions; VFs come via func_at). */
int pci_bus__attach(struct pci_bus *b, struct pci_func *f, uint8_t devfn);
/* Conventional reset of every function on @b (secondary bus reset). */
void pci_bus__reset(struct pci_bus *b);

/* Root port (pci_port.c): set up @p's function on @root at device @dev. */
int pci_port__init(struct pci_port *p, struct pci_host *h, struct pci_root *root,
		   unsigned dev, unsigned chassis);

#endif
