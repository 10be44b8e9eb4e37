/* NFIT and the NVDIMM root device: see acpi_nfit.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/acpi.h"
#include "vmm/acpi_nfit.h"
#include "vmm/aml.h"
#include "vmm/topology.h"

#define NFIT_HDR	40	/* standard header + 4 reserved */
#define NFIT_SPA_LEN	56
#define NFIT_MAP_LEN	48
#define NFIT_DCR_LEN	80

#define NFIT_SPA_PXM_VALID	(1u << 1)
#define EFI_MEMORY_WB		0x8ULL
#define EFI_MEMORY_NV		0x8000ULL

/* 66F0D379-B4F3-4074-AC43-0D3318B78CDB in its on-disk (mixed-endian) form. */
static const uint8_t pmem_guid[16] = {
	0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
	0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb,
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint16_t spa_index(unsigned i) { return (i + 1) * 2; }
static uint16_t dcr_index(unsigned i) { return (i + 1) * 2 + 1; }

int acpi_nfit__build(const struct topology *tp, void **out, size_t *len)
{
	size_t per = NFIT_SPA_LEN + NFIT_MAP_LEN + NFIT_DCR_LEN, total;
	uint8_t *t, *p;
	unsigned i;

	if (!tp->nr_pmem)
		return -EINVAL;
	total = NFIT_HDR + tp->nr_pmem * per;
	t = calloc(1, total);
	if (!t)
		return -ENOMEM;
	acpi__header(t, "NFIT", total, ACPI_NFIT_REV);
	p = t + NFIT_HDR;
	for (i = 0; i < tp->nr_pmem; i++) {
		const struct topo_range *r = &tp->pmem[i];

		/* System Physical Address Range */
		put16(p + 0, 0);
		put16(p + 2, NFIT_SPA_LEN);
		put16(p + 4, spa_index(i));
		put16(p + 6, NFIT_SPA_PXM_VALID);
		put32(p + 12, r->node);
		memcpy(p + 16, pmem_guid, sizeof(pmem_guid));
		put64(p + 32, r->gpa);
		put64(p + 40, r->size);
		put64(p + 48, EFI_MEMORY_WB | EFI_MEMORY_NV);
		p += NFIT_SPA_LEN;

		/* NVDIMM Region Mapping: the whole DIMM, 1-way, at DPA 0 */
		put16(p + 0, 1);
		put16(p + 2, NFIT_MAP_LEN);
		put32(p + 4, acpi_nfit__handle(i));
		put16(p + 8, i);		/* physical id */
		put16(p + 10, 0);		/* region id */
		put16(p + 12, spa_index(i));
		put16(p + 14, dcr_index(i));
		put64(p + 16, r->size);		/* region size */
		put64(p + 24, 0);		/* region offset */
		put64(p + 32, 0);		/* DPA base */
		put16(p + 40, 0);		/* no interleave structure */
		put16(p + 42, 1);		/* interleave ways */
		put16(p + 44, 0);		/* flags: healthy, persists */
		p += NFIT_MAP_LEN;

		/* NVDIMM Control Region: byte addressable, no block windows */
		put16(p + 0, 4);
		put16(p + 2, NFIT_DCR_LEN);
		put16(p + 4, dcr_index(i));
		put16(p + 6, 0x8086);		/* vendor (as QEMU) */
		put16(p + 8, 0x0001);		/* device */
		put16(p + 10, 0x0001);		/* revision */
		p[18] = 1;			/* valid fields: manufacturing */
		put32(p + 24, 0x4d564d00 | i);	/* serial: "MVM" + index */
		put16(p + 28, 0x0301);		/* byte-addressable energy backed */
		p += NFIT_DCR_LEN;
	}
	acpi__checksum(t, total);
	*out = t;
	*len = total;
	return 0;
}

int acpi_nfit__dsdt(struct aml *a, void *opaque)
{
	const struct topology *t = opaque;
	char name[8];
	unsigned i;

	if (!t || !t->nr_pmem)
		return 0;
	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, "NVDR");
	aml__name(a, "_HID");
	aml__string(a, "ACPI0012");
	for (i = 0; i < t->nr_pmem; i++) {
		snprintf(name, sizeof(name), "NV%02X", i & 0xff);
		aml__device_begin(a, name);
		aml__name_int(a, "_ADR", acpi_nfit__handle(i));
		aml__end(a);
	}
	aml__end(a);
	aml__end(a);
	return aml__error(a);
}
