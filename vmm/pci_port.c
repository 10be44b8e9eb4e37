/*
 * PCIe root port: a type 1 function on a host bridge's root bus with the
 * PCIe capability of a root port (a slot without hot-plug, its Physical
 * Slot Number) and a Slot Identification capability carrying the chassis
 * number. The bus behind it is routed by its secondary/subordinate
 * registers (pci_host.c); a Secondary Bus Reset resets what is behind it.
 * No I/O window, no interrupts: nothing below it needs them, and Linux then
 * leaves the port to the PCI core (pcieport finds no usable service).
 */
#include <errno.h>
#include <stdio.h>

#include "vmm/pci_host.h"

#define SLOTID_CAP_SIZE		4

static void port_cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val,
			   uint32_t old)
{
	struct pci_port *p = f->opaque;
	uint8_t before;

	(void)val;
	if (!pci__overlaps(off, len, PCI_BRIDGE_CONTROL, 1))
		return;
	before = old >> (8 * (PCI_BRIDGE_CONTROL - off));
	/* Secondary Bus Reset takes effect on the 0 -> 1 edge. */
	if (!(before & PCI_BRIDGE_CTL_BUS_RESET) &&
	    (pci__get8(f, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_BUS_RESET))
		pci_bus__reset(&p->bus);
}

static const struct pci_func_ops port_ops = {
	.cfg_write = port_cfg_write,
};

int pci_port__init(struct pci_port *p, struct pci_host *h, struct pci_root *root,
		   unsigned dev, unsigned chassis)
{
	static const struct pci_id id = {
		.vendor = PCI_HOST_VENDOR_ID, .device = PCI_ROOT_PORT_ID,
		.class_code = PCI_CLASS_CODE_PCI_BRIDGE,
	};
	struct pci_pcie_params pcie = {
		.type = PCI_EXP_TYPE_ROOT_PORT,
		.link_speed = PCI_LINK_SPEED,
		.link_width = PCI_LINK_WIDTH,
		.port_number = dev,
		.slot = true,
		.slot_number = p->index,
	};
	struct pci_func *f = &p->func;
	int off;

	if (dev >= 32 || !chassis || chassis > 0xff)
		return -EINVAL;
	snprintf(p->name, sizeof(p->name), "%s-port%u", root->name, dev);
	p->root = root;
	p->chassis = chassis;
	p->slot = p->index;
	pci__init_bridge(f, p->name, &id);
	f->ops = &port_ops;
	f->opaque = p;
	f->mmio = h->mmio;
	f->pio = h->pio;
	f->secondary = &p->bus;
	p->bus = (struct pci_bus){ .host = h, .bridge = f };
	off = pci__add_pcie_cap(f, &pcie);
	if (off < 0)
		return off;
	off = pci__add_cap(f, PCI_CAP_ID_SLOTID, SLOTID_CAP_SIZE);
	if (off < 0)
		return off;
	pci__set8(f, off + PCI_SID_ESR, 1 | PCI_SID_ESR_FIC);	/* one slot, first */
	pci__set8(f, off + PCI_SID_CHASSIS_NR, chassis);
	pci__seal(f);
	return pci_bus__attach(&root->root_bus, f, PCI_DEVFN_OF(dev, 0));
}
