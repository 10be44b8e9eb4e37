/* SRAT, SLIT, HMAT (ACPI 6.3 sections 5.2.16, 5.2.17, 5.2.27). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/acpi_numa.h"
#include "vmm/topology.h"
#include "vmm/util.h"

#define SRAT_LAPIC		0
#define SRAT_MEMORY		1
#define SRAT_X2APIC		2
#define SRAT_ENABLED		1u
#define SRAT_NONVOLATILE	4u	/* memory affinity: non-volatile */
#define X2APIC_MIN_ID		0xff	/* as the MADT: ids >= 255 are x2APIC */

struct srat_head {
	struct acpi_header h;
	uint32_t table_rev;	/* "reserved, must be 1" for compatibility */
	uint64_t reserved;
} __attribute__((packed));

struct srat_lapic {
	uint8_t type, len, pxm_lo, apic_id;
	uint32_t flags;
	uint8_t sapic_eid, pxm_hi[3];
	uint32_t clock_domain;
} __attribute__((packed));

struct srat_memory {
	uint8_t type, len;
	uint32_t pxm;
	uint16_t reserved0;
	uint64_t base, length;	/* written as lo/hi dwords: same bytes */
	uint32_t reserved1, flags;
	uint64_t reserved2;
} __attribute__((packed));

struct srat_x2apic {
	uint8_t type, len;
	uint16_t reserved0;
	uint32_t pxm, x2apic_id, flags, clock_domain, reserved1;
} __attribute__((packed));

_Static_assert(sizeof(struct srat_head) == 48, "SRAT header");
_Static_assert(sizeof(struct srat_lapic) == 16, "SRAT LAPIC affinity");
_Static_assert(sizeof(struct srat_memory) == 40, "SRAT memory affinity");
_Static_assert(sizeof(struct srat_x2apic) == 24, "SRAT x2APIC affinity");

#define HMAT_PROXIMITY		0
#define HMAT_LOCALITY		1
#define HMAT_INITIATOR_VALID	1u
#define HMAT_MEMORY		0	/* locality flags: memory hierarchy */
#define HMAT_ACCESS_LATENCY	0
#define HMAT_ACCESS_BANDWIDTH	3
#define HMAT_ENTRY_MAX		0xfffe	/* 0xffff: unreachable, 0: no information */

struct hmat_head {
	struct acpi_header h;
	uint32_t reserved;
} __attribute__((packed));

struct hmat_proximity {
	uint16_t type, reserved0;
	uint32_t len;
	uint16_t flags, reserved1;
	uint32_t initiator_pd, memory_pd, reserved2;
	uint64_t reserved3, reserved4;
} __attribute__((packed));

struct hmat_locality {
	uint16_t type, reserved0;
	uint32_t len;
	uint8_t flags, data_type, min_transfer, reserved1;
	uint32_t nr_initiators, nr_targets, reserved2;
	uint64_t base_unit;
	/* u32 initiators[], u32 targets[], u16 entries[initiator][target] */
} __attribute__((packed));

_Static_assert(sizeof(struct hmat_head) == 40, "HMAT header");
_Static_assert(sizeof(struct hmat_proximity) == 40, "HMAT proximity domain attributes");
_Static_assert(sizeof(struct hmat_locality) == 32, "HMAT locality");

int acpi_numa__srat(const struct topology *t, void **out, size_t *len)
{
	size_t n = sizeof(struct srat_head);
	struct srat_head *head;
	uint8_t *p;
	unsigned i;

	for (i = 0; i < t->nr_vcpus; i++)
		n += t->vcpu[i].apic_id >= X2APIC_MIN_ID ? sizeof(struct srat_x2apic) :
							   sizeof(struct srat_lapic);
	n += (t->nr_ranges + t->nr_pmem) * sizeof(struct srat_memory);
	head = calloc(1, n);
	if (!head)
		return -ENOMEM;
	acpi__header(head, "SRAT", n, ACPI_SRAT_REV);
	head->table_rev = 1;
	p = (uint8_t *)(head + 1);

	/* vCPU order, as in the MADT. */
	for (i = 0; i < t->nr_vcpus; i++) {
		const struct topo_vcpu *v = &t->vcpu[i];

		if (v->apic_id >= X2APIC_MIN_ID) {
			*(struct srat_x2apic *)p = (struct srat_x2apic){
				.type = SRAT_X2APIC, .len = sizeof(struct srat_x2apic),
				.pxm = v->node, .x2apic_id = v->apic_id, .flags = SRAT_ENABLED,
			};
			p += sizeof(struct srat_x2apic);
		} else {
			/* Revision >= 2: the domain is 32 bits, split 8 + 24. */
			*(struct srat_lapic *)p = (struct srat_lapic){
				.type = SRAT_LAPIC, .len = sizeof(struct srat_lapic),
				.pxm_lo = v->node & 0xff, .apic_id = v->apic_id,
				.flags = SRAT_ENABLED,
				.pxm_hi = { v->node >> 8 & 0xff, v->node >> 16 & 0xff,
					    v->node >> 24 & 0xff },
			};
			p += sizeof(struct srat_lapic);
		}
	}
	/* The ranges start at 0 and cover RAM exactly, legacy hole included
	 * (e820 reserves that part; SRAT may cover more RAM than e820). */
	for (i = 0; i < t->nr_ranges; i++) {
		*(struct srat_memory *)p = (struct srat_memory){
			.type = SRAT_MEMORY, .len = sizeof(struct srat_memory),
			.pxm = t->range[i].node, .base = t->range[i].gpa,
			.length = t->range[i].size, .flags = SRAT_ENABLED,
		};
		p += sizeof(struct srat_memory);
	}
	/* Persistent memory, after RAM: its own node, non-volatile. */
	for (i = 0; i < t->nr_pmem; i++) {
		*(struct srat_memory *)p = (struct srat_memory){
			.type = SRAT_MEMORY, .len = sizeof(struct srat_memory),
			.pxm = t->pmem[i].node, .base = t->pmem[i].gpa,
			.length = t->pmem[i].size, .flags = SRAT_ENABLED | SRAT_NONVOLATILE,
		};
		p += sizeof(struct srat_memory);
	}
	acpi__checksum(head, n);
	*out = head;
	*len = n;
	return 0;
}

int acpi_numa__slit(const struct topology *t, void **out, size_t *len)
{
	size_t n = ACPI_HEADER_LEN + 8 + t->nr_nodes * t->nr_nodes;
	uint8_t *tab = calloc(1, n), *p;
	uint64_t count = t->nr_nodes;
	unsigned i, j;

	if (!tab)
		return -ENOMEM;
	acpi__header(tab, "SLIT", n, ACPI_SLIT_REV);
	memcpy(tab + ACPI_HEADER_LEN, &count, 8);
	p = tab + ACPI_HEADER_LEN + 8;
	for (i = 0; i < t->nr_nodes; i++)
		for (j = 0; j < t->nr_nodes; j++)
			*p++ = t->distance[i][j];
	acpi__checksum(tab, n);
	*out = tab;
	*len = n;
	return 0;
}

/* Smallest base unit (@unit times a power of 10) whose 16-bit entries hold
 * @max, in the table's unit (picoseconds or MB/s). */
static uint64_t hmat_base(uint64_t max, uint64_t unit)
{
	uint64_t base = unit;

	while (max / base > HMAT_ENTRY_MAX)
		base *= 10;
	return base;
}

static uint16_t hmat_entry(uint64_t v, uint64_t base)
{
	uint64_t e = (v + base / 2) / base;

	return e ? (e > HMAT_ENTRY_MAX ? HMAT_ENTRY_MAX : e) : 1;
}

/* One locality structure over initiators x targets; returns its length. */
static size_t hmat_put_locality(uint8_t *p, const struct topology *t, const unsigned *ini,
				unsigned ni, const unsigned *tgt, unsigned nt, bool latency)
{
	struct hmat_locality *l = (struct hmat_locality *)p;
	uint32_t *ids = (uint32_t *)(l + 1);
	uint16_t *e = (uint16_t *)(ids + ni + nt);
	uint64_t max = 0, scale = latency ? 1000 : 1, base;	/* latency: ns -> ps */
	unsigned i, j;

	for (i = 0; i < ni; i++)
		for (j = 0; j < nt; j++)
			max = MAX(max, (latency ? t->latency_ns : t->bandwidth_mbs)[ini[i]][tgt[j]] *
				       scale);
	base = hmat_base(max, scale);
	*l = (struct hmat_locality){
		.type = HMAT_LOCALITY,
		.len = sizeof(*l) + 4 * (ni + nt) + 2 * ni * nt,
		.flags = HMAT_MEMORY,
		.data_type = latency ? HMAT_ACCESS_LATENCY : HMAT_ACCESS_BANDWIDTH,
		.nr_initiators = ni, .nr_targets = nt, .base_unit = base,
	};
	for (i = 0; i < ni; i++)
		ids[i] = ini[i];
	for (j = 0; j < nt; j++)
		ids[ni + j] = tgt[j];
	for (i = 0; i < ni; i++)
		for (j = 0; j < nt; j++)
			e[i * nt + j] = hmat_entry((latency ? t->latency_ns : t->bandwidth_mbs)
						   [ini[i]][tgt[j]] * scale, base);
	return l->len;
}

int acpi_numa__hmat(const struct topology *t, void **out, size_t *len)
{
	unsigned ini[CONFIG_MAX_NODES], tgt[CONFIG_MAX_NODES], ni = 0, nt = 0, i;
	size_t n, loc;
	uint8_t *tab, *p;

	for (i = 0; i < t->nr_nodes; i++) {
		if (!idset__empty(&t->node[i].cpus))
			ini[ni++] = i;
		if (t->node[i].memory)
			tgt[nt++] = i;
	}
	loc = sizeof(struct hmat_locality) + 4 * (ni + nt) + 2 * ni * nt;
	n = sizeof(struct hmat_head) + nt * sizeof(struct hmat_proximity) + 2 * loc;
	tab = calloc(1, n);
	if (!tab)
		return -ENOMEM;
	acpi__header(tab, "HMAT", n, ACPI_HMAT_REV);
	p = tab + sizeof(struct hmat_head);
	for (i = 0; i < nt; i++) {
		*(struct hmat_proximity *)p = (struct hmat_proximity){
			.type = HMAT_PROXIMITY, .len = sizeof(struct hmat_proximity),
			.flags = HMAT_INITIATOR_VALID,
			.initiator_pd = t->node[tgt[i]].initiator, .memory_pd = tgt[i],
		};
		p += sizeof(struct hmat_proximity);
	}
	p += hmat_put_locality(p, t, ini, ni, tgt, nt, true);
	p += hmat_put_locality(p, t, ini, ni, tgt, nt, false);
	acpi__checksum(tab, n);
	*out = tab;
	*len = n;
	return 0;
}

void acpi_numa__free(struct acpi_numa *a)
{
	free(a->srat);
	free(a->slit);
	free(a->hmat);
	memset(a, 0, sizeof(*a));
}

int acpi_numa__build(const struct topology *t, struct acpi_numa *out)
{
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!t->numa)
		return 0;
	ret = acpi_numa__srat(t, &out->srat, &len);
	if (ret < 0)
		goto err;
	out->blob[out->nr++] = (struct acpi_blob){ out->srat, len };
	ret = acpi_numa__slit(t, &out->slit, &len);
	if (ret < 0)
		goto err;
	out->blob[out->nr++] = (struct acpi_blob){ out->slit, len };
	if (t->hmat) {
		ret = acpi_numa__hmat(t, &out->hmat, &len);
		if (ret < 0)
			goto err;
		out->blob[out->nr++] = (struct acpi_blob){ out->hmat, len };
	}
	return 0;
err:
	acpi_numa__free(out);
	return ret;
}
