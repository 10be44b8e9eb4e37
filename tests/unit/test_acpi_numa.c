/*
 * SRAT, SLIT, HMAT of the guest topology: fields checked in C against the
 * ACPI 6.3 layouts, then each table disassembled by iasl -d, which must not
 * complain, and whose text must show the values Linux will read. Run from
 * the repository root (make unit does).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/acpi_test_util.h"

#include "vmm/acpi.h"
#include "vmm/acpi_numa.h"
#include "vmm/config.h"
#include "vmm/topology.h"
#include "vmm/util.h"

/* A topology straight from values, as topology__build leaves it. */
static struct topology *topo_new(unsigned nodes)
{
	struct topology *t = calloc(1, sizeof(*t));
	unsigned i, j;

	assert_non_null(t);
	t->numa = true;
	t->hmat = true;
	t->nr_nodes = nodes;
	t->page_size = SZ_4K;
	for (i = 0; i < nodes; i++)
		for (j = 0; j < nodes; j++)
			t->distance[i][j] = i == j ? 10 : 20 + i + j;
	return t;
}

static void add_vcpu(struct topology *t, unsigned node, uint32_t apic)
{
	unsigned v = t->nr_vcpus++;

	t->vcpu[v].node = node;
	t->vcpu[v].apic_id = apic;
	idset__add(&t->node[node].cpus, v);
}

static void add_range(struct topology *t, unsigned node, uint64_t gpa, uint64_t size)
{
	t->range[t->nr_ranges++] = (struct topo_range){ gpa, size, node };
	t->node[node].memory += size;
}

/* The OpenStack 3-cell guest (4/2/2 vCPUs, 4/2/2 GiB) as the topology
 * builder lays it out, plus a CPU-less node 3 and one x2APIC vCPU. */
static struct topology *topo_cells(void)
{
	struct topology *t = topo_new(4);
	unsigned i, j;

	for (i = 0; i < 4; i++)
		add_vcpu(t, 0, i);
	add_vcpu(t, 1, 4);
	add_vcpu(t, 1, 5);
	add_vcpu(t, 2, 8);
	add_vcpu(t, 2, 300);		/* x2APIC */
	add_range(t, 0, 0, 3ULL << 30);
	add_range(t, 0, 4ULL << 30, 1ULL << 30);
	add_range(t, 1, 5ULL << 30, 2ULL << 30);
	add_range(t, 2, 7ULL << 30, 2ULL << 30);
	add_range(t, 3, 9ULL << 30, 1ULL << 30);	/* memory only */
	for (i = 0; i < 4; i++) {
		t->node[i].initiator = i == 3 ? 1 : i;
		for (j = 0; j < 4; j++) {
			if (i == 3)
				continue;
			t->latency_ns[i][j] = t->distance[i][j] * 10;
			t->bandwidth_mbs[i][j] = 200000 / t->distance[i][j];
		}
	}
	t->latency_ns[1][3] = 70000;	/* beyond 16 bits of ns: base unit grows */
	return t;
}

static void test_srat(void **state)
{
	struct topology *t = topo_cells();
	uint8_t *s;
	size_t len;
	char *dsl;

	(void)state;
	assert_int_equal(acpi_numa__srat(t, (void **)&s, &len), 0);
	/* 48 header + 7 LAPIC (16) + 1 x2APIC (24) + 5 memory (40) */
	assert_int_equal(len, 48 + 7 * 16 + 24 + 5 * 40);
	check_header(s, len, "SRAT", 3);
	assert_int_equal(rd(s + 36, 4), 1);		/* table revision, legacy */
	/* vCPU 6: LAPIC affinity, APIC id 8, domain 2 (low byte + 3 high). */
	assert_int_equal(s[48 + 6 * 16], 0);
	assert_int_equal(s[48 + 6 * 16 + 1], 16);
	assert_int_equal(s[48 + 6 * 16 + 2], 2);
	assert_int_equal(s[48 + 6 * 16 + 3], 8);
	assert_int_equal(rd(s + 48 + 6 * 16 + 4, 4), 1);	/* enabled */
	assert_int_equal(rd(s + 48 + 6 * 16 + 9, 3), 0);
	/* vCPU 7: x2APIC affinity, id 300, domain 2. */
	assert_int_equal(s[160], 2);
	assert_int_equal(s[161], 24);
	assert_int_equal(rd(s + 164, 4), 2);
	assert_int_equal(rd(s + 168, 4), 300);
	assert_int_equal(rd(s + 172, 4), 1);
	/* Memory: node 0's second range at 4 GiB, node 3 (no CPUs) last. */
	assert_int_equal(s[184 + 40], 1);
	assert_int_equal(s[184 + 41], 40);
	assert_int_equal(rd(s + 184 + 40 + 2, 4), 0);
	assert_int_equal(rd(s + 184 + 40 + 8, 8), 4ULL << 30);
	assert_int_equal(rd(s + 184 + 40 + 16, 8), 1ULL << 30);
	assert_int_equal(rd(s + 184 + 40 + 28, 4), 1);	/* enabled, not hotplug */
	assert_int_equal(rd(s + 184 + 4 * 40 + 2, 4), 3);
	dsl = disassemble(s, len, "srat");
	assert_has(dsl, "Signature : \"SRAT\"");
	assert_has(dsl, "Apic ID : 08");
	assert_has(dsl, "Apic ID : 0000012C");		/* x2APIC entry */
	assert_has(dsl, "Base Address : 0000000240000000");
	assert_has(dsl, "Address Length : 0000000040000000");
	assert_has(dsl, "Proximity Domain : 00000003");
	free(dsl);
	free(s);
	free(t);
}

/* A pmem range follows RAM: its node, enabled + non-volatile. */
static void test_srat_pmem(void **state)
{
	struct topology *t = topo_cells();
	const uint8_t *e;
	uint8_t *s;
	size_t len;
	char *dsl;

	(void)state;
	t->nr_pmem = 1;
	t->pmem[0] = (struct topo_range){ .gpa = 0x300000000ULL, .size = 64ULL << 20, .node = 1 };
	assert_int_equal(acpi_numa__srat(t, (void **)&s, &len), 0);
	assert_int_equal(len, 48 + 7 * 16 + 24 + 6 * 40);
	check_header(s, len, "SRAT", 3);
	e = s + len - 40;
	assert_int_equal(e[0], 1);
	assert_int_equal(e[1], 40);
	assert_int_equal(rd(e + 2, 4), 1);
	assert_int_equal(rd(e + 8, 8), 0x300000000ULL);
	assert_int_equal(rd(e + 16, 8), 64ULL << 20);
	assert_int_equal(rd(e + 28, 4), 5);	/* enabled, non-volatile */
	dsl = disassemble(s, len, "srat-pmem");
	assert_has(dsl, "Base Address : 0000000300000000");
	assert_has(dsl, "Non-Volatile : 1");
	free(dsl);
	free(s);
	free(t);
}

static void test_slit(void **state)
{
	struct topology *t = topo_cells();
	uint8_t *s;
	size_t len;
	char *dsl;

	(void)state;
	assert_int_equal(acpi_numa__slit(t, (void **)&s, &len), 0);
	assert_int_equal(len, 36 + 8 + 16);
	check_header(s, len, "SLIT", 1);
	assert_int_equal(rd(s + 36, 8), 4);
	assert_int_equal(s[44], 10);
	assert_int_equal(s[44 + 1], 21);	/* 0 -> 1 */
	assert_int_equal(s[44 + 4 * 2 + 3], 25);	/* 2 -> 3 */
	assert_int_equal(s[44 + 15], 10);
	dsl = disassemble(s, len, "slit");
	assert_has(dsl, "Localities : 0000000000000004");
	assert_has(dsl, "Locality   0 : 0A 15 16 17");
	assert_has(dsl, "Locality   3 : 17 18 19 0A");
	free(dsl);
	free(s);
	free(t);
}

static void test_hmat(void **state)
{
	struct topology *t = topo_cells();
	uint8_t *h, *lat, *bw;
	size_t len, loc = 32 + 4 * (3 + 4) + 2 * 3 * 4;
	char *dsl;

	(void)state;
	assert_int_equal(acpi_numa__hmat(t, (void **)&h, &len), 0);
	/* 40 header + 4 proximity structures (40) + 2 localities of 3 x 4 */
	assert_int_equal(len, 40 + 4 * 40 + 2 * loc);
	check_header(h, len, "HMAT", 2);
	/* Node 3 (memory only): its initiator is node 1. */
	assert_int_equal(rd(h + 40 + 3 * 40, 2), 0);
	assert_int_equal(rd(h + 40 + 3 * 40 + 4, 4), 40);
	assert_int_equal(rd(h + 40 + 3 * 40 + 8, 2), 1);	/* initiator valid */
	assert_int_equal(rd(h + 40 + 3 * 40 + 12, 4), 1);
	assert_int_equal(rd(h + 40 + 3 * 40 + 16, 4), 3);
	lat = h + 40 + 4 * 40;
	bw = lat + loc;
	assert_int_equal(rd(lat, 2), 1);
	assert_int_equal(rd(lat + 4, 4), loc);
	assert_int_equal(lat[9], 0);			/* access latency */
	assert_int_equal(rd(lat + 12, 4), 3);		/* initiators 0, 1, 2 */
	assert_int_equal(rd(lat + 16, 4), 4);		/* targets 0-3 */
	/* 70000 ns does not fit 16 bits at 1 ns: base unit 10 ns (in ps). */
	assert_int_equal(rd(lat + 24, 8), 10000);
	assert_int_equal(rd(lat + 32 + 4 * 1, 4), 1);	/* initiator list */
	assert_int_equal(rd(lat + 32 + 4 * 6, 4), 3);	/* target list */
	assert_int_equal(rd(lat + 60 + 2 * (1 * 4 + 3), 2), 7000);	/* 1 -> 3 */
	assert_int_equal(rd(lat + 60 + 2 * (0 * 4 + 2), 2), 22);	/* 0 -> 2: 220 ns */
	assert_int_equal(bw[9], 3);			/* access bandwidth */
	assert_int_equal(rd(bw + 24, 8), 1);		/* MB/s */
	assert_int_equal(rd(bw + 60, 2), 20000);	/* 0 -> 0 */
	assert_int_equal(rd(bw + 60 + 2 * (2 * 4 + 1), 2), 200000 / 23);
	dsl = disassemble(h, len, "hmat");
	assert_has(dsl, "Signature : \"HMAT\"");
	assert_has(dsl, "Structure Type : 0000 [Memory Proximity Domain Attributes]");
	assert_has(dsl, "Structure Type : 0001 [System Locality Latency and Bandwidth Information]");
	assert_has(dsl, "Entry Base Unit : 0000000000002710");
	free(dsl);
	free(h);
	free(t);
}

/* Built together for acpi__build; nothing without NUMA, no HMAT if off. */
static void test_build(void **state)
{
	struct topology *t = topo_cells();
	struct acpi_numa a;

	(void)state;
	assert_int_equal(acpi_numa__build(t, &a), 0);
	assert_int_equal(a.nr, 3);
	assert_memory_equal(a.blob[0].data, "SRAT", 4);
	assert_memory_equal(a.blob[1].data, "SLIT", 4);
	assert_memory_equal(a.blob[2].data, "HMAT", 4);
	acpi_numa__free(&a);
	t->hmat = false;
	assert_int_equal(acpi_numa__build(t, &a), 0);
	assert_int_equal(a.nr, 2);
	acpi_numa__free(&a);
	t->numa = false;
	assert_int_equal(acpi_numa__build(t, &a), 0);
	assert_int_equal(a.nr, 0);
	assert_null(a.srat);
	acpi_numa__free(&a);
	free(t);
}

/* The tables ride in the XSDT through acpi__build like any extra. */
static void test_in_xsdt(void **state)
{
	static uint8_t buf[0x20000];
	struct topology *t = topo_cells();
	uint32_t apic[8];
	struct acpi_numa a;
	struct acpi_config c;
	size_t used, i;
	bool srat = false, slit = false, hmat = false;

	(void)state;
	assert_int_equal(acpi_numa__build(t, &a), 0);
	for (i = 0; i < 8; i++)
		apic[i] = t->vcpu[i].apic_id;
	c = (struct acpi_config){
		.nr_cpus = 8, .apic_ids = apic, .ioapic_addr = 0xfec00000, .pm_port = 0x600,
		.reset_value = 1, .extra = a.blob, .nr_extra = a.nr,
	};
	assert_int_equal(acpi__build(&c, buf, sizeof(buf), 0xe0000, &used), 0);
	for (i = 0; i + 4 <= used; i += 4) {
		srat |= !memcmp(buf + i, "SRAT", 4) && !sum8(buf + i, rd(buf + i + 4, 4));
		slit |= !memcmp(buf + i, "SLIT", 4) && !sum8(buf + i, rd(buf + i + 4, 4));
		hmat |= !memcmp(buf + i, "HMAT", 4) && !sum8(buf + i, rd(buf + i + 4, 4));
	}
	assert_true(srat && slit && hmat);
	acpi_numa__free(&a);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srat),
		cmocka_unit_test(test_srat_pmem),
		cmocka_unit_test(test_slit),
		cmocka_unit_test(test_hmat),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_in_xsdt),
	};

	return cmocka_run_group_tests(tests, acpi_test_setup, acpi_test_teardown);
}
