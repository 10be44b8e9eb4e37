/*
 * NFIT of the guest's NVDIMMs and the ACPI0012 root device: fields checked in
 * C against the ACPI 6.3 5.2.25 layouts (what Linux's drivers/acpi/nfit
 * reads), then the table disassembled by iasl -d, which must not complain,
 * and whose text must show the SPA range, mapping and control region.
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
#include "vmm/acpi_nfit.h"
#include "vmm/aml.h"
#include "vmm/topology.h"
#include "vmm/util.h"

static const struct topo_range ranges[] = {
	{ .gpa = 0x100000000ULL, .size = 64ULL << 20, .node = 1 },
	{ .gpa = 0x140000000ULL, .size = 2ULL << 30, .node = 0 },
};

/* A topology with @nr of @ranges as its pmem (the rest does not matter). */
static struct topology *pmem_topology(unsigned nr)
{
	static struct topology t;

	memset(&t, 0, sizeof(t));
	memcpy(t.pmem, ranges, nr * sizeof(ranges[0]));
	t.nr_pmem = nr;
	return &t;
}

static void test_nfit(void **state)
{
	static const uint8_t guid[16] = {
		0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
		0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb,
	};
	const uint8_t *t, *p;
	size_t len;
	void *out;
	char *dsl;
	unsigned i;

	(void)state;
	assert_int_equal(acpi_nfit__build(pmem_topology(0), &out, &len), -EINVAL);
	assert_int_equal(acpi_nfit__build(pmem_topology(2), &out, &len), 0);
	t = out;
	assert_int_equal(len, 40 + 2 * (56 + 48 + 80));
	check_header(t, len, "NFIT", ACPI_NFIT_REV);
	p = t + 40;
	for (i = 0; i < 2; i++) {
		/* SPA range: index, proximity domain valid, PM GUID, base/length */
		assert_int_equal(rd(p, 2), 0);
		assert_int_equal(rd(p + 2, 2), 56);
		assert_int_equal(rd(p + 4, 2), (i + 1) * 2);
		assert_int_equal(rd(p + 6, 2), 2);
		assert_int_equal(rd(p + 12, 4), ranges[i].node);
		assert_memory_equal(p + 16, guid, 16);
		assert_int_equal(rd(p + 32, 8), ranges[i].gpa);
		assert_int_equal(rd(p + 40, 8), ranges[i].size);
		assert_int_equal(rd(p + 48, 8), 0x8008);
		p += 56;
		/* Region mapping: handle -> that SPA range and control region */
		assert_int_equal(rd(p, 2), 1);
		assert_int_equal(rd(p + 2, 2), 48);
		assert_int_equal(rd(p + 4, 4), acpi_nfit__handle(i));
		assert_int_equal(rd(p + 12, 2), (i + 1) * 2);
		assert_int_equal(rd(p + 14, 2), (i + 1) * 2 + 1);
		assert_int_equal(rd(p + 16, 8), ranges[i].size);
		assert_int_equal(rd(p + 42, 2), 1);
		p += 48;
		/* Control region: byte addressable (0x301), no block windows */
		assert_int_equal(rd(p, 2), 4);
		assert_int_equal(rd(p + 2, 2), 80);
		assert_int_equal(rd(p + 4, 2), (i + 1) * 2 + 1);
		assert_int_equal(rd(p + 28, 2), 0x301);
		assert_int_equal(rd(p + 30, 2), 0);
		p += 80;
	}
	dsl = disassemble(t, len, "nfit");
	assert_has(dsl, "Signature : \"NFIT\"");
	assert_has(dsl, "Subtable Type : 0001 [Memory Range Map]");
	assert_has(dsl, "Subtable Type : 0004 [NVDIMM Control Region]");
	assert_has(dsl, "66F0D379-B4F3-4074-AC43-0D3318B78CDB");
	assert_has(dsl, "Proximity Domain : 00000001");
	assert_has(dsl, "Address Range Base : 0000000100000000");
	assert_has(dsl, "Length : 0000000004000000");
	assert_has(dsl, "Device Handle : 00000001");
	assert_has(dsl, "Device Handle : 00000002");
	assert_has(dsl, "Code : 0301");
	free(dsl);
	free(out);
}

/* The root device Linux's nfit driver binds to, one child per handle. */
static void test_dsdt(void **state)
{
	struct aml a;
	const char *needle = "ACPI0012";
	uint8_t *t;
	size_t len;
	char *dsl;

	(void)state;
	aml__init(&a);
	assert_int_equal(acpi_nfit__dsdt(&a, pmem_topology(0)), 0);
	assert_int_equal(aml__len(&a), 0);
	assert_int_equal(acpi_nfit__dsdt(&a, pmem_topology(2)), 0);
	assert_true(aml__len(&a) > 0);
	assert_non_null(memmem(aml__data(&a), aml__len(&a), needle, strlen(needle)));
	assert_non_null(memmem(aml__data(&a), aml__len(&a), "NV00", 4));
	assert_non_null(memmem(aml__data(&a), aml__len(&a), "NV01", 4));
	/* As a DSDT of its own, iasl must read it back cleanly. */
	len = 36 + aml__len(&a);
	t = calloc(1, len);
	assert_non_null(t);
	memcpy(t + 36, aml__data(&a), aml__len(&a));
	acpi__header(t, "DSDT", len, 2);
	acpi__checksum(t, len);
	dsl = disassemble(t, len, "dsdt");
	assert_has(dsl, "Device (NVDR)");
	assert_has(dsl, "Name (_HID, \"ACPI0012\" /* NVDIMM Root Device */)");
	assert_has(dsl, "Device (NV00)");
	assert_has(dsl, "Name (_ADR, One)");
	assert_has(dsl, "Device (NV01)");
	assert_has(dsl, "Name (_ADR, 0x02)");
	free(dsl);
	free(t);
	aml__free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfit),
		cmocka_unit_test(test_dsdt),
	};

	return cmocka_run_group_tests(tests, acpi_test_setup, acpi_test_teardown);
}
