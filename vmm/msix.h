/*
 * MSI-X capability model: the capability in a function's config space, the
 * vector table and the Pending Bit Array in one of its BARs, per-vector
 * masks and the function mask. A device raises vector N with one call,
 * msix__notify(); a masked vector latches its pending bit and is delivered
 * when unmasked. Delivery goes through a send callback (in mvmm:
 * irq__msi_send, i.e. KVM_SIGNAL_MSI), so the model is testable without KVM.
 *
 * Locking: the model has its own lock; config writes reach it through
 * msix__cfg_write() (called from the function's cfg_write hook with the
 * host's config lock held), BAR accesses through msix__bar_access(), and
 * msix__notify() may come from any thread. The send callback runs under the
 * model's lock.
 */
#ifndef MVMM_MSIX_H
#define MVMM_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct pci_func;

#define MSIX_MAX_VECTORS	2048
#define MSIX_ENTRY_SIZE		16
#define MSIX_CAP_SIZE		12

typedef int (*msix_send_fn)(void *opaque, uint64_t addr, uint32_t data);
/* Vector @v's message or deliverability may have changed: @deliverable is
 * enabled, not function-masked and not vector-masked. Runs under the
 * model's lock (it must not call back into the model). */
typedef void (*msix_update_fn)(void *opaque, unsigned v, bool deliverable, uint64_t addr,
			       uint32_t data);

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct msix {
	struct pci_func *f;
	pthread_mutex_t lock;
	uint16_t cap;			/* config offset of the capability */
	uint16_t nr;			/* vectors */
	uint8_t bar;
	uint32_t table_off, pba_off;	/* in the BAR */
	struct msix_entry *table;
	uint64_t *pba;
	bool enabled, masked;		/* Message Control, mirrored under lock */
	msix_send_fn send;
	void *send_opaque;
	msix_update_fn update;		/* optional, msix__set_update */
	void *update_opaque;
};

/*
 * Add the capability to @f (table of @nr vectors at @table_off and PBA at
 * @pba_off, both in BAR @bar, which must already be set, 8-byte aligned and
 * not overlapping). -EINVAL for bad geometry, -ENOSPC without room in
 * config space, -ENOMEM.
 */
int msix__init(struct msix *m, struct pci_func *f, unsigned nr, unsigned bar,
	       uint32_t table_off, uint32_t pba_off, msix_send_fn send, void *opaque);
void msix__destroy(struct msix *m);

/* All vectors masked, nothing pending, capability disabled (function reset,
 * after pci__reset restored config space). */
void msix__reset(struct msix *m);

/* From the function's cfg_write hook: picks up Enable / Function Mask. */
void msix__cfg_write(struct msix *m, unsigned off, unsigned len);

/*
 * A BAR access at @off (offset into the BAR). Returns false if @off is not
 * in the table or PBA (the device handles it); true if handled. Table
 * accesses must be 4 or 8 bytes, naturally aligned; others read all-ones
 * and are dropped. The PBA is read-only.
 */
bool msix__bar_access(struct msix *m, uint64_t off, void *data, uint32_t len, bool is_write);

/*
 * Raise @vector: 0 if delivered or latched as pending (masked), -EAGAIN if
 * MSI-X is disabled (the message is dropped), -EINVAL for a bad vector, or
 * the send callback's error.
 */
int msix__notify(struct msix *m, unsigned vector);

/*
 * Follow each vector's state from outside (a device that delivers through
 * a KVM irqfd routed to the vector's message while it is deliverable, and
 * through msix__notify otherwise). Called once for every vector now, then
 * on each change.
 */
void msix__set_update(struct msix *m, msix_update_fn fn, void *opaque);

/* Pending bit of @vector (tests, device state). */
bool msix__pending(struct msix *m, unsigned vector);

#endif
