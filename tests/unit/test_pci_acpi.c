/*
 * PCIe host's ACPI side, checked by the tools Linux's behaviour is judged
 * against: the DSDT (every host bridge, the ECAM reservation) and the MCFG
 * built into a full table set by acpi__build, disassembled by iasl -d
 * without complaint and evaluated by acpiexec (_PXM, _BBN, _UID, _CRS,
 * _OSC). Run from the repository root.
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
#include "vmm/layout.h"
#include "vmm/pci_host.h"
#include "vmm/util.h"

#define MEM64_BASE	0x140000000ULL
#define MEM64_SIZE	0x4000000000ULL
#define OSC_UUID_BYTES	"(5b 4d db 33 f7 1f 1c 40 96 57 74 41 c0 3d d7 66)"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/mvmm-pci-acpi-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void write_file(const char *name, const void *p, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *name)
{
	char path[128];
	size_t n = 0, cap = 4096;
	char *s = malloc(cap);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(s);
	while ((n += fread(s + n, 1, cap - n - 1, f)) == cap - 1) {
		cap *= 2;
		s = realloc(s, cap);
		assert_non_null(s);
	}
	s[n] = 0;
	fclose(f);
	return s;
}

/* Runs @cmd in tmpdir; returns its output (stdout + stderr). */
static char *run(const char *cmd)
{
	char line[1024];
	int status;

	snprintf(line, sizeof(line), "cd %s && %s > log 2>&1", tmpdir, cmd);
	status = system(line);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char *log = slurp("log");

		print_error("%s", log);
		free(log);
		fail_msg("'%s' failed with status %#x", cmd, status);
	}
	return slurp("log");
}

static void assert_contains(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("'%s' not found in:\n%s", what, text);
}

static void assert_no_complaint(const char *what, const char *text)
{
	static const char *const words[] = { "error", "warning", "invalid", "unknown", "****" };
	unsigned i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(text, words[i]))
			fail_msg("%s: iasl says '%s':\n%s", what, words[i], text);
}

struct tables {
	struct pci_host h;
	uint8_t buf[LAYOUT_ACPI_SIZE];
	struct pci_func funcs[8];
	const uint8_t *dsdt, *mcfg;
};

static void nop_bar(void *opaque, uint64_t off, void *data, uint32_t len, bool is_write)
{
	(void)opaque;
	(void)off;
	(void)data;
	(void)len;
	(void)is_write;
}

static uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

/* Expanders at @buses (nodes @nodes, -1: none), @ndev[i] devices on each;
 * the whole ACPI table set built the way machine.c does it. */
static struct tables *build(const unsigned *buses, const int *nodes, const unsigned *ndev,
			    unsigned n)
{
	static const struct pci_id id = { .vendor = 0x1de5, .device = 1, .class_code = 0x120000 };
	struct pci_host_layout l = {
		.ecam_base = LAYOUT_ECAM, .ecam_size = LAYOUT_ECAM_SIZE,
		.mem32_base = LAYOUT_MMIO32, .mem32_size = LAYOUT_MMIO32_SIZE,
		.mem64_base = MEM64_BASE, .mem64_size = MEM64_SIZE,
	};
	struct tables *t = calloc(1, sizeof(*t));
	struct acpi_dsdt_part part = { pci_host__dsdt, NULL };
	struct acpi_blob mcfg;
	uint32_t apic_id = 0;
	struct acpi_config c = {
		.nr_cpus = 1, .apic_ids = &apic_id, .ioapic_addr = LAYOUT_IOAPIC,
		.pm_port = LAYOUT_PORT_ACPI_PM, .reset_value = ACPI_RESET_VALUE,
		.dsdt_parts = &part, .nr_dsdt_parts = 1, .extra = &mcfg, .nr_extra = 1,
	};
	unsigned i, k, nf = 0, entries;
	const uint8_t *xsdt;
	size_t used;

	assert_non_null(t);
	assert_int_equal(pci_host__init(&t->h, NULL, NULL, &l), 0);
	for (i = 0; i < n; i++) {
		char name[16];
		struct pci_root *r;

		snprintf(name, sizeof(name), "e%u", i);
		assert_int_equal(pci_host__add_expander(&t->h, name, buses[i], nodes[i], &r), 0);
		for (k = 0; k < ndev[i]; k++) {
			struct pci_func *f = &t->funcs[nf++];

			pci__init(f, "dev", &id);
			assert_int_equal(pci__set_bar(f, 0, 0x1000, PCI_BAR_MEM32, nop_bar, NULL), 0);
			if (k == 1)
				assert_int_equal(pci__set_bar(f, 2, 1ULL << 32, PCI_BAR_MEM64 |
							      PCI_BAR_PREFETCH, nop_bar, NULL), 0);
			assert_int_equal(pci_host__add_device(&t->h, r, f, 0, NULL), 0);
		}
	}
	assert_int_equal(pci_host__assign(&t->h), 0);
	part.opaque = &t->h;
	mcfg = pci_host__mcfg(&t->h);
	assert_int_equal(acpi__build(&c, t->buf, sizeof(t->buf), LAYOUT_ACPI, &used), 0);
	/* RSDP -> XSDT -> FADT -> DSDT; MCFG is the third XSDT entry. */
	xsdt = t->buf + (rd(t->buf + 24, 8) - LAYOUT_ACPI);
	entries = (rd(xsdt + 4, 4) - ACPI_HEADER_LEN) / 8;
	assert_int_equal(entries, 3);
	t->mcfg = t->buf + (rd(xsdt + ACPI_HEADER_LEN + 16, 8) - LAYOUT_ACPI);
	assert_memory_equal(t->mcfg, "MCFG", 4);
	t->dsdt = t->buf + (rd(t->buf + (rd(xsdt + ACPI_HEADER_LEN, 8) - LAYOUT_ACPI) + 140, 8) -
			    LAYOUT_ACPI);
	assert_memory_equal(t->dsdt, "DSDT", 4);
	write_file("dsdt.aml", t->dsdt, rd(t->dsdt + 4, 4));
	write_file("mcfg.dat", t->mcfg, rd(t->mcfg + 4, 4));
	return t;
}

static void tables_free(struct tables *t)
{
	pci_host__destroy(&t->h);
	free(t);
}

static char *evaluate(const char *what)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "acpiexec -b '%s' dsdt.aml", what);
	return run(cmd);
}

/* The integer acpiexec printed for 'evaluate PATH'. */
static uint64_t eval_int(const char *path)
{
	char cmd[256], *out, *p;
	uint64_t v;

	snprintf(cmd, sizeof(cmd), "evaluate %s", path);
	out = evaluate(cmd);
	p = strstr(out, "[Integer] = ");
	if (!p)
		fail_msg("%s: no integer in:\n%s", path, out);
	v = strtoull(p + 12, NULL, 16);
	free(out);
	return v;
}

static void test_mcfg(void **state)
{
	static const unsigned buses[] = { 0x10, 0x20 };
	static const int nodes[] = { 0, 1 };
	static const unsigned ndev[] = { 1, 1 };
	struct tables *t = build(buses, nodes, ndev, 2);
	uint8_t sum = 0;
	unsigned i;
	char *out, *dsl;

	(void)state;
	assert_int_equal(rd(t->mcfg + 4, 4), 60);
	assert_int_equal(t->mcfg[8], 1);
	for (i = 0; i < 60; i++)
		sum += t->mcfg[i];
	assert_int_equal(sum, 0);
	/* One allocation: ECAM base, segment 0, buses 0 to the last in use
	 * (so Linux probes no empty bus for peer bridges). */
	assert_int_equal(rd(t->mcfg + 44, 8), LAYOUT_ECAM);
	assert_int_equal(rd(t->mcfg + 52, 2), 0);
	assert_int_equal(t->mcfg[54], 0);
	assert_int_equal(t->mcfg[55], 0x21);
	out = run("iasl -d mcfg.dat");
	assert_no_complaint("mcfg", out);
	free(out);
	dsl = slurp("mcfg.dsl");
	assert_no_complaint("mcfg", dsl);
	assert_contains(dsl, "Base Address : 00000000E0000000");
	assert_contains(dsl, "End Bus Number : 21");
	free(dsl);
	tables_free(t);
}

static void test_dsdt_disassembles(void **state)
{
	static const unsigned buses[] = { 0x10, 0x20 };
	static const int nodes[] = { 0, 1 };
	static const unsigned ndev[] = { 1, 2 };
	struct tables *t = build(buses, nodes, ndev, 2);
	char *out, *dsl;

	(void)state;
	out = run("iasl -d dsdt.aml");
	assert_no_complaint("dsdt", out);
	free(out);
	dsl = slurp("dsdt.dsl");
	assert_no_complaint("dsdt", dsl);
	assert_contains(dsl, "Device (PCI0)");
	assert_contains(dsl, "Device (PC10)");
	assert_contains(dsl, "Device (PC20)");
	assert_contains(dsl, "Name (_HID, EisaId (\"PNP0A08\")");
	assert_contains(dsl, "Name (_HID, EisaId (\"PNP0C02\")");
	assert_contains(dsl, "Method (_OSC, 4, NotSerialized)");
	free(dsl);
	/* What it disassembled to compiles again. */
	free(run("iasl -p again dsdt.dsl"));
	tables_free(t);
}

static void test_dsdt_objects(void **state)
{
	static const unsigned buses[] = { 0x10, 0x20, 0x30 };
	static const int nodes[] = { 0, 1, -1 };
	static const unsigned ndev[] = { 1, 1, 0 };
	struct tables *t = build(buses, nodes, ndev, 3);
	char *out;

	(void)state;
	assert_int_equal(eval_int("\\_SB.PC10._PXM"), 0);
	assert_int_equal(eval_int("\\_SB.PC20._PXM"), 1);
	assert_int_equal(eval_int("\\_SB.PC10._BBN"), 0x10);
	assert_int_equal(eval_int("\\_SB.PC20._BBN"), 0x20);
	assert_int_equal(eval_int("\\_SB.PC30._BBN"), 0x30);
	assert_int_equal(eval_int("\\_SB.PCI0._BBN"), 0);
	assert_int_equal(eval_int("\\_SB.PC20._UID"), 0x20);
	assert_int_equal(eval_int("\\_SB.PC20._SEG"), 0);
	/* No node: no _PXM at all (Linux then reads numa_node -1). */
	out = evaluate("evaluate \\_SB.PC30._PXM");
	assert_contains(out, "AE_NOT_FOUND");
	free(out);
	out = evaluate("evaluate \\_SB.PCI0._PXM");
	assert_contains(out, "AE_NOT_FOUND");
	free(out);
	tables_free(t);
}

/* "Address Minimum : XXXX" and Maximum of each descriptor in order. */
struct range {
	uint64_t min, max;
	bool bus;
};

static unsigned parse_resources(const char *out, struct range *r, unsigned max)
{
	const char *p = out;
	unsigned n = 0;

	while (n < max && (p = strstr(p, "Resource Type : "))) {
		r[n].bus = !strncmp(p + 16, "Bus Number Range", 16);
		p = strstr(p, "Address Minimum : ");
		assert_non_null(p);
		r[n].min = strtoull(p + 18, NULL, 16);
		p = strstr(p, "Address Maximum : ");
		assert_non_null(p);
		r[n].max = strtoull(p + 18, NULL, 16);
		n++;
	}
	return n;
}

static unsigned resources(const char *dev, struct range *r, unsigned max)
{
	char cmd[128], *out, *first;
	unsigned n;

	snprintf(cmd, sizeof(cmd), "resources %s", dev);
	out = evaluate(cmd);
	/* acpiexec prints the list twice (conversion check); the first one. */
	first = strstr(out, "Evaluating _CRS");
	assert_non_null(first);
	n = parse_resources(first, r, max);
	free(out);
	return n;
}

static bool overlap(const struct range *a, const struct range *b)
{
	return a->min <= b->max && b->min <= a->max;
}

static void test_dsdt_crs(void **state)
{
	static const unsigned buses[] = { 0x10, 0x20, 0x30 };
	static const int nodes[] = { 0, 1, 1 };
	static const unsigned ndev[] = { 1, 2, 0 };
	struct tables *t = build(buses, nodes, ndev, 3);
	struct range m[8], e10[8], e20[8], e30[8];
	unsigned nm, n10, n20, n30, i, j;
	struct pci_root *r20 = pci_host__root(&t->h, "e1");

	(void)state;
	nm = resources("\\_SB.PCI0", m, 8);
	n10 = resources("\\_SB.PC10", e10, 8);
	n20 = resources("\\_SB.PC20", e20, 8);
	n30 = resources("\\_SB.PC30", e30, 8);
	/* Bus ranges: main up to the first expander, each expander up to
	 * the next one, the last one to the last bus in use (its own: no
	 * device). */
	assert_true(m[0].bus && m[0].min == 0 && m[0].max == 0x0f);
	assert_true(e10[0].bus && e10[0].min == 0x10 && e10[0].max == 0x1f);
	assert_true(e20[0].bus && e20[0].min == 0x20 && e20[0].max == 0x2f);
	assert_true(e30[0].bus && e30[0].min == 0x30 && e30[0].max == 0x30);
	/* 0x10: one 1 MiB 32-bit window. 0x20: 32-bit (two ports) and a
	 * 64-bit window for the 4 GiB BAR. 0x30 (no device): bus range only. */
	assert_int_equal(n10, 2);
	assert_int_equal(e10[1].max - e10[1].min + 1, SZ_1M);
	assert_int_equal(n20, 3);
	assert_int_equal(e20[1].min, r20->mem32.base);
	assert_int_equal(e20[1].max - e20[1].min + 1, 2 * SZ_1M);
	assert_int_equal(e20[2].min, r20->mem64.base);
	assert_int_equal(e20[2].max - e20[2].min + 1, 1ULL << 32);
	assert_int_equal(n30, 1);
	/* Main: everything else of both windows, nothing of the expanders'. */
	for (i = 1; i < nm; i++) {
		for (j = 1; j < n10; j++)
			assert_false(overlap(&m[i], &e10[j]));
		for (j = 1; j < n20; j++)
			assert_false(overlap(&m[i], &e20[j]));
		assert_true(m[i].max < LAYOUT_ECAM || m[i].min >= (1ULL << 32));
	}
	{
		uint64_t total = 0;

		for (i = 1; i < nm; i++)
			total += m[i].max - m[i].min + 1;
		for (j = 1; j < n10; j++)
			total += e10[j].max - e10[j].min + 1;
		for (j = 1; j < n20; j++)
			total += e20[j].max - e20[j].min + 1;
		assert_int_equal(total, LAYOUT_MMIO32_SIZE + MEM64_SIZE);
	}
	/* The ECAM reservation Linux looks for before using MMCONFIG. */
	{
		char *out = evaluate("resources \\_SB.ECAM");

		assert_contains(out, "Address : E0000000");
		assert_contains(out, "Address Length : 10000000");
		free(out);
	}
	tables_free(t);
}

static void test_osc(void **state)
{
	static const unsigned buses[] = { 0x10 };
	static const int nodes[] = { 0 };
	static const unsigned ndev[] = { 1 };
	struct tables *t = build(buses, nodes, ndev, 1);
	char *out;

	(void)state;
	/* Linux asks for everything (query): PME, AER, PCIe capability are
	 * granted, the rest masked and flagged (bit 4). */
	out = evaluate("evaluate \\_SB.PC10._OSC " OSC_UUID_BYTES
		       " 1 3 (01 00 00 00 1f 01 00 00 3f 00 00 00)");
	assert_contains(out, "[Buffer] Length 0C =     0000: 11 00 00 00 1F 01 00 00 1C 00 00 00");
	free(out);
	/* Asking for what was granted: no error bits. */
	out = evaluate("evaluate \\_SB.PCI0._OSC " OSC_UUID_BYTES
		       " 1 3 (00 00 00 00 1f 01 00 00 1c 00 00 00)");
	assert_contains(out, "0000: 00 00 00 00 1F 01 00 00 1C 00 00 00");
	free(out);
	/* Unknown revision, unknown UUID. */
	out = evaluate("evaluate \\_SB.PC10._OSC " OSC_UUID_BYTES
		       " 2 3 (00 00 00 00 1f 01 00 00 1c 00 00 00)");
	assert_contains(out, "0000: 08 00 00 00");
	free(out);
	out = evaluate("evaluate \\_SB.PC10._OSC (00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f)"
		       " 1 3 (00 00 00 00 1f 01 00 00 1c 00 00 00)");
	assert_contains(out, "0000: 04 00 00 00");
	free(out);
	tables_free(t);
}

static void test_no_expanders(void **state)
{
	struct tables *t = build(NULL, NULL, NULL, 0);
	struct range m[8];
	unsigned n;

	(void)state;
	/* Main alone, no device: bus 0 only, both windows whole. */
	n = resources("\\_SB.PCI0", m, 8);
	assert_int_equal(n, 3);
	assert_true(m[0].bus && m[0].min == 0 && m[0].max == 0);
	assert_int_equal(m[1].min, LAYOUT_MMIO32);
	assert_int_equal(m[1].max, LAYOUT_MMIO32 + LAYOUT_MMIO32_SIZE - 1);
	assert_int_equal(m[2].min, MEM64_BASE);
	assert_int_equal(m[2].max, MEM64_BASE + MEM64_SIZE - 1);
	tables_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_dsdt_disassembles),
		cmocka_unit_test(test_dsdt_objects),
		cmocka_unit_test(test_dsdt_crs),
		cmocka_unit_test(test_osc),
		cmocka_unit_test(test_no_expanders),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
