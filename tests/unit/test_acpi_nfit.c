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

#include "vmm/acpi.h"
#include "vmm/acpi_nfit.h"
#include "vmm/aml.h"
#include "vmm/topology.h"
#include "vmm/util.h"

static char tmpdir[] = "/tmp/mvmm-test-acpi-nfit-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s%s", getenv("KEEP") ? "echo " : "rm -rf ", tmpdir);
	return system(cmd);
}

static uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void check_header(const uint8_t *tab, size_t len, const char *sig, uint8_t rev)
{
	assert_memory_equal(tab, sig, 4);
	assert_int_equal(rd(tab + 4, 4), len);
	assert_int_equal(tab[8], rev);
	assert_int_equal(sum8(tab, len), 0);
	assert_memory_equal(tab + 10, "MVMM  ", 6);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 1 << 16;
	char *s = malloc(cap);

	assert_non_null(f);
	assert_non_null(s);
	while (!feof(f)) {
		n += fread(s + n, 1, cap - n - 1, f);
		if (n + 1 >= cap) {
			cap *= 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
	}
	s[n] = '\0';
	fclose(f);
	return s;
}

/* iasl -d @table; fails on any complaint; returns the .dsl text. */
static char *disassemble(const void *table, size_t len, const char *name)
{
	static const char *const words[] = {
		"error", "warning", "invalid", "incorrect", "unknown", "****",
	};
	char path[160], cmd[320], *log, *dsl;
	FILE *f;
	int status;
	unsigned i;

	snprintf(path, sizeof(path), "%s/%s.dat", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(table, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat > %s.log 2>&1", tmpdir, name, name);
	status = system(cmd);
	snprintf(path, sizeof(path), "%s/%s.log", tmpdir, name);
	log = slurp(path);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("iasl -d %s failed:\n%s", name, log);
	snprintf(path, sizeof(path), "%s/%s.dsl", tmpdir, name);
	dsl = slurp(path);
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcasestr(log, words[i]))
			fail_msg("%s: iasl says '%s':\n%s", name, words[i], log);
		if (strcasestr(dsl, words[i]))
			fail_msg("%s: iasl says '%s':\n%s", name, words[i], dsl);
	}
	free(log);
	return dsl;
}

/* @what must be in @text, with any run of blanks in @what matching any. */
static void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("'%s' not found in:\n%s", what, text);
}

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

	return cmocka_run_group_tests(tests, setup, teardown);
}
