/*
 * SRAT, SLIT and HMAT of the guest topology, as acpi__build extra tables.
 *
 *  SRAT (rev 3): an affinity entry per vCPU (LAPIC for APIC ids < 255,
 *        x2APIC above) and a memory affinity entry per RAM range, which
 *        together cover all e820 RAM (Linux drops NUMA otherwise), then
 *        one per pmem range (enabled + non-volatile, its node).
 *  SLIT: the distance matrix.
 *  HMAT (rev 2): per node with memory, its initiator (the node itself, or
 *        the nearest node with vCPUs); access latency and access bandwidth
 *        from every node with vCPUs to every node with memory.
 */
#ifndef MVMM_ACPI_NUMA_H
#define MVMM_ACPI_NUMA_H

#include <stddef.h>

#include "vmm/acpi.h"

struct topology;

#define ACPI_SRAT_REV	3
#define ACPI_SLIT_REV	1
#define ACPI_HMAT_REV	2

/* One malloc'd table each; NULL when not emitted. */
struct acpi_numa {
	void *srat, *slit, *hmat;
	struct acpi_blob blob[3];	/* the emitted ones, in XSDT order */
	unsigned nr;
};

/* All tables of @t: none without guest NUMA, no HMAT when disabled.
 * 0 or -ENOMEM/-EINVAL; on error nothing stays allocated. */
int acpi_numa__build(const struct topology *t, struct acpi_numa *out);
void acpi_numa__free(struct acpi_numa *a);

/* Each table alone: malloc'd into *@out, its length in *@len. */
int acpi_numa__srat(const struct topology *t, void **out, size_t *len);
int acpi_numa__slit(const struct topology *t, void **out, size_t *len);
int acpi_numa__hmat(const struct topology *t, void **out, size_t *len);

#endif
