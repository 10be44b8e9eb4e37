/*
 * Interrupt wiring to KVM's in-kernel irqchip beyond plain IRQ lines:
 *  - the GSI routing table. KVM_SET_GSI_ROUTING replaces KVM's whole
 *    default table, so ours always starts with that default: GSIs 0-15 to
 *    the IOAPIC pin and the PIC pin of the same number, 16-23 to the IOAPIC
 *    (COM1 on GSI 4 keeps working); MSI routes get GSIs from 24 up.
 *  - irqfd: an eventfd whose write raises a GSI inside KVM.
 *  - KVM_SIGNAL_MSI: one MSI message, no route needed; what MSI-X uses.
 * With vm_fd < 0 nothing is sent to KVM (unit tests inspect the table).
 */
#ifndef MVMM_IRQ_H
#define MVMM_IRQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "vmm/alloc.h"

#define IRQ_NR_LEGACY_GSIS	24	/* IOAPIC pins */
#define IRQ_NR_PIC_GSIS		16

struct irq {
	int vm_fd;
	pthread_mutex_t lock;
	struct kvm_irq_routing *table;	/* entries[] sized by max_routes */
	unsigned max_routes;
	struct alloc_ids gsis;		/* for MSI routes */
};

/* Build (and, with a VM, install) the default table. @max_routes is
 * KVM_CAP_IRQ_ROUTING's value. */
int irq__init(struct irq *irq, int vm_fd, unsigned max_routes);
void irq__destroy(struct irq *irq);

/* A GSI for an MSI route; -ENOSPC when none is left. */
int irq__alloc_gsi(struct irq *irq, uint32_t *gsi);
/* Route @gsi (from irq__alloc_gsi) to the MSI message @addr/@data,
 * replacing its previous route, and install the table. */
int irq__set_msi_route(struct irq *irq, uint32_t gsi, uint64_t addr, uint32_t data);
/* Remove @gsi's MSI route; -ENOENT if it has none. */
int irq__del_msi_route(struct irq *irq, uint32_t gsi);
/* Attach (@assign) or detach eventfd @fd to @gsi. */
int irq__irqfd(struct irq *irq, uint32_t gsi, int fd, bool assign);
/* Inject one MSI. 0 once KVM took it, -errno otherwise. */
int irq__signal_msi(struct irq *irq, uint64_t addr, uint32_t data);
/* irq__signal_msi as an msix_send_fn (@opaque is the struct irq). */
int irq__msi_send(void *opaque, uint64_t addr, uint32_t data);

#endif
