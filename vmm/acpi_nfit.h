/*
 * NFIT (ACPI 6.3 5.2.25) for the guest's NVDIMMs, as an acpi__build extra
 * table. Per range, what Linux's drivers/acpi/nfit needs for a label-less
 * "persistent memory" region (and what QEMU's hw/acpi/nvdimm.c emits):
 *  - a System Physical Address Range (type 0): the persistent-memory GUID
 *    66F0D379-B4F3-4074-AC43-0D3318B78CDB, base, length, proximity domain
 *    (flagged valid), memory attributes WB | NV;
 *  - an NVDIMM Region Mapping (type 1): the DIMM's handle, its whole DPA
 *    range mapped 1-way onto that SPA range and its control region;
 *  - an NVDIMM Control Region (type 4): byte-addressable, format interface
 *    code 0x301, no block windows.
 * Handles are index + 1, SPA range indexes (i + 1) * 2, control region
 * indexes (i + 1) * 2 + 1 (all non-zero, as Linux requires). The DSDT's
 * ACPI0012 root device (acpi_nfit__dsdt) is what makes Linux's nfit driver
 * bind and read this table; its children's _ADR are the handles.
 */
#ifndef MVMM_ACPI_NFIT_H
#define MVMM_ACPI_NFIT_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_NFIT_REV		1

struct aml;
struct topology;

static inline uint32_t acpi_nfit__handle(unsigned i)
{
	return i + 1;
}

/* The table for the topology's pmem ranges (proximity domain = their
 * node), malloc'd into *@out with its length in *@len; -EINVAL without
 * pmem, -ENOMEM. */
int acpi_nfit__build(const struct topology *t, void **out, size_t *len);

/* DSDT part (struct acpi_dsdt_part, @opaque the struct topology): the
 * NVDIMM root device NVDR (_HID ACPI0012) with one NVnn child per pmem
 * range (_ADR = its handle); nothing without pmem. No _DSM: Linux then has no label or
 * health commands, which a label-less region does not need. */
int acpi_nfit__dsdt(struct aml *a, void *opaque);

#endif
