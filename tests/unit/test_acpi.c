/*
 * ACPI tables: structure checked in C against ACPI 6.3 offsets, then each
 * table handed to iasl -d (must disassemble without complaint) and the DSDT's
 * \_S5 evaluated with acpiexec. Run from the repository root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/acpi.h"
#include "vmm/layout.h"
#include "devices/power.h"
#include "vmm/aml.h"
#include "vmm/layout.h"

#define GPA		LAYOUT_ACPI
#define PM_PORT		LAYOUT_PORT_ACPI_PM
#define MAX_CPUS	300

/* FADT offsets, ACPI 6.3 table 5-34 */
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_SCI_INT		46
#define FADT_PM1A_CNT_BLK	64
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_REV		131
#define FADT_X_FIRMWARE_CTRL	132
#define FADT_X_DSDT		140
#define FADT_SLEEP_CONTROL	244
#define FADT_SLEEP_STATUS	256
#define FADT_HYPERVISOR_ID	268
#define FADT_LEN		276

struct tables {
	uint8_t buf[LAYOUT_ACPI_SIZE];
	size_t used;
	uint32_t apic_ids[MAX_CPUS];
	struct acpi_config c;
};

/* Everything a test writes goes to one temp dir per run. */
static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/mvmm-acpi-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	memcpy(&v, p, bytes);		/* x86: little-endian */
	return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static struct tables *tables_new(unsigned nr_cpus)
{
	struct tables *t = calloc(1, sizeof(*t));
	unsigned i;

	assert_non_null(t);
	for (i = 0; i < MAX_CPUS; i++)
		t->apic_ids[i] = i;
	t->c = (struct acpi_config){
		.nr_cpus = nr_cpus,
		.apic_ids = t->apic_ids,
		.ioapic_addr = LAYOUT_IOAPIC,
		.ioapic_id = 0,
		.pm_port = PM_PORT,
		.reset_value = ACPI_RESET_VALUE,
	};
	return t;
}

static void build(struct tables *t)
{
	assert_int_equal(acpi__build(&t->c, t->buf, sizeof(t->buf), GPA, &t->used), 0);
	assert_true(t->used > 0 && t->used <= sizeof(t->buf));
}

/* The table at @gpa, after checking it lies in the built area and sums to 0. */
static const uint8_t *table_at(const struct tables *t, uint64_t gpa)
{
	const uint8_t *p;
	uint32_t len;

	assert_true(gpa >= GPA && gpa - GPA + ACPI_HEADER_LEN <= t->used);
	p = t->buf + (gpa - GPA);
	len = rd(p + 4, 4);
	assert_true(len >= ACPI_HEADER_LEN && gpa - GPA + len <= t->used);
	assert_int_equal(sum(p, len), 0);
	return p;
}

static const uint8_t *xsdt(const struct tables *t)
{
	return table_at(t, rd(t->buf + 24, 8));
}

static unsigned xsdt_entries(const struct tables *t)
{
	return (rd(xsdt(t) + 4, 4) - ACPI_HEADER_LEN) / 8;
}

static const uint8_t *xsdt_table(const struct tables *t, unsigned i)
{
	return table_at(t, rd(xsdt(t) + ACPI_HEADER_LEN + 8 * i, 8));
}

/* A table by signature: from the XSDT, or the DSDT through the FADT. */
static const uint8_t *find(const struct tables *t, const char *sig)
{
	const uint8_t *p;
	unsigned i;

	if (!strcmp(sig, "DSDT"))
		return table_at(t, rd(find(t, "FACP") + FADT_X_DSDT, 8));
	for (i = 0; i < xsdt_entries(t); i++) {
		p = xsdt_table(t, i);
		if (!memcmp(p, sig, 4))
			return p;
	}
	fail_msg("no %s table", sig);
	return NULL;
}

static void test_rsdp(void **state)
{
	struct tables *t = tables_new(4);
	const uint8_t *r = t->buf;

	(void)state;
	build(t);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	assert_memory_equal(r + 9, "MVMM  ", 6);
	assert_int_equal(r[15], 2);			/* revision */
	assert_int_equal(rd(r + 16, 4), 0);		/* no RSDT */
	assert_int_equal(rd(r + 20, 4), 36);		/* length */
	assert_memory_equal(xsdt(t), "XSDT", 4);
	assert_int_equal(xsdt(t)[8], 1);
	free(t);
}

/* Extra tables as their owners would build them. */
static void make_extra(uint8_t *buf, const char *sig, uint32_t len, uint8_t rev)
{
	uint32_t i;

	acpi__header(buf, sig, len, rev);
	for (i = ACPI_HEADER_LEN; i < len; i++)
		buf[i] = i * 7;
	acpi__checksum(buf, len);
}

static void test_xsdt_and_checksums(void **state)
{
	static const char *const sigs[] = { "FACP", "APIC", "SRAT", "SLIT" };
	struct tables *t = tables_new(4);
	uint8_t srat[100], slit[45];
	struct acpi_blob extra[] = { { srat, sizeof(srat) }, { slit, sizeof(slit) } };
	const uint8_t *p, *prev_end = t->buf + 36;
	unsigned i;

	(void)state;
	make_extra(srat, "SRAT", sizeof(srat), 3);
	make_extra(slit, "SLIT", sizeof(slit), 1);
	t->c.extra = extra;
	t->c.nr_extra = 2;
	build(t);

	assert_int_equal(xsdt_entries(t), 4);
	for (i = 0; i < 4; i++) {
		p = xsdt_table(t, i);
		assert_memory_equal(p, sigs[i], 4);
		assert_memory_equal(p + 10, "MVMM  ", 6);
		assert_memory_equal(p + 16, "MVMM", 4);
		assert_memory_equal(p + 20, sigs[i], 4);
		assert_memory_equal(p + 28, "MVMM", 4);
		assert_true(p >= prev_end);		/* laid out in order, no overlap */
		prev_end = p + rd(p + 4, 4);
	}
	assert_memory_equal(xsdt_table(t, 2), srat, sizeof(srat));
	assert_memory_equal(xsdt_table(t, 3), slit, sizeof(slit));
	p = find(t, "DSDT");
	assert_memory_equal(p, "DSDT", 4);
	assert_int_equal(p[8], 2);			/* 64-bit integers */
	assert_true(p + rd(p + 4, 4) <= t->buf + t->used);
	free(t);
}

static void assert_io_gas(const uint8_t *gas, uint16_t port)
{
	assert_int_equal(gas[0], 1);			/* SystemIO */
	assert_int_equal(gas[1], 8);			/* bit width */
	assert_int_equal(gas[2], 0);			/* bit offset */
	assert_int_equal(gas[3], 1);			/* byte access */
	assert_int_equal(rd(gas + 4, 8), port);
}

static void test_fadt(void **state)
{
	struct tables *t = tables_new(4);
	const uint8_t *f;
	uint32_t flags;
	uint16_t boot;
	unsigned i;

	(void)state;
	t->c.reset_value = 0x5a;
	build(t);
	f = find(t, "FACP");
	assert_int_equal(rd(f + 4, 4), FADT_LEN);
	assert_int_equal(f[8], 6);
	assert_int_equal(f[FADT_MINOR_REV], 3);

	flags = rd(f + FADT_FLAGS, 4);
	assert_true(flags & (1u << 20));		/* HW_REDUCED_ACPI */
	assert_true(flags & (1u << 10));		/* RESET_REG_SUP */
	assert_true(flags & (1u << 4));			/* PWR_BUTTON: no fixed one */
	assert_true(flags & (1u << 5));			/* SLP_BUTTON: no fixed one */

	boot = rd(f + FADT_IAPC_BOOT_ARCH, 2);
	assert_false(boot & (1u << 1));			/* 8042 */
	assert_true(boot & (1u << 2));			/* VGA not present */
	assert_false(boot & (1u << 3));			/* MSI not supported */
	assert_true(boot & (1u << 5));			/* CMOS RTC not present */

	assert_io_gas(f + FADT_RESET_REG, PM_PORT + 2);
	assert_int_equal(f[FADT_RESET_VALUE], 0x5a);
	assert_io_gas(f + FADT_SLEEP_CONTROL, PM_PORT);
	assert_io_gas(f + FADT_SLEEP_STATUS, PM_PORT + 1);
	assert_memory_equal(f + FADT_HYPERVISOR_ID, "MVMM\0\0\0\0", 8);

	/* DSDT through both pointers; no FACS, SCI or fixed PM blocks */
	assert_memory_equal(find(t, "DSDT"), "DSDT", 4);
	assert_int_equal(rd(f + FADT_DSDT, 4), rd(f + FADT_X_DSDT, 8));
	assert_int_equal(rd(f + FADT_FIRMWARE_CTRL, 4), 0);
	assert_int_equal(rd(f + FADT_X_FIRMWARE_CTRL, 8), 0);
	assert_int_equal(rd(f + FADT_SCI_INT, 2), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(rd(f + FADT_PM1A_CNT_BLK - 8 + 4 * i, 4), 0);
	free(t);
}

struct madt_count {
	unsigned lapic, x2apic, ioapic, lapic_nmi, x2apic_nmi, other;
};

/* Walks the MADT, checking each processor entry against the config. */
static struct madt_count walk_madt(const struct tables *t)
{
	const uint8_t *m = find(t, "APIC"), *p = m + 44, *end = m + rd(m + 4, 4);
	struct madt_count n = { 0 };
	unsigned cpu = 0;

	assert_int_equal(m[8], 5);
	assert_int_equal(rd(m + 36, 4), LAYOUT_LAPIC);
	assert_int_equal(rd(m + 40, 4), 1);		/* PCAT_COMPAT */
	while (p < end) {
		assert_true(p[1] >= 2 && p + p[1] <= end);
		switch (p[0]) {
		case 0:					/* Processor Local APIC */
			assert_int_equal(p[1], 8);
			assert_int_equal(p[2], cpu);	/* ACPI processor UID */
			assert_int_equal(p[3], t->apic_ids[cpu]);
			assert_int_equal(rd(p + 4, 4), 1);	/* enabled */
			assert_true(t->apic_ids[cpu] < 255);
			cpu++;
			n.lapic++;
			break;
		case 9:					/* Processor Local x2APIC */
			assert_int_equal(p[1], 16);
			assert_int_equal(rd(p + 4, 4), t->apic_ids[cpu]);
			assert_int_equal(rd(p + 8, 4), 1);
			assert_int_equal(rd(p + 12, 4), cpu);
			assert_true(t->apic_ids[cpu] >= 255);
			cpu++;
			n.x2apic++;
			break;
		case 1:					/* IOAPIC */
			assert_int_equal(p[1], 12);
			assert_int_equal(p[2], t->c.ioapic_id);
			assert_int_equal(rd(p + 4, 4), LAYOUT_IOAPIC);
			assert_int_equal(rd(p + 8, 4), 0);	/* GSI base */
			n.ioapic++;
			break;
		case 4:					/* Local APIC NMI */
			assert_int_equal(p[1], 6);
			assert_int_equal(p[2], 0xff);	/* all processors */
			assert_int_equal(rd(p + 3, 2), 0);
			assert_int_equal(p[5], 1);	/* LINT1 */
			n.lapic_nmi++;
			break;
		case 10:				/* Local x2APIC NMI */
			assert_int_equal(p[1], 12);
			assert_int_equal(rd(p + 4, 4), 0xffffffff);
			assert_int_equal(p[8], 1);
			n.x2apic_nmi++;
			break;
		default:
			n.other++;
		}
		p += p[1];
	}
	assert_ptr_equal(p, end);
	assert_int_equal(cpu, t->c.nr_cpus);
	return n;
}

static void test_madt_counts(void **state)
{
	static const unsigned cpus[] = { 1, 4, 254, 255, 256, 300 };
	struct madt_count n;
	struct tables *t;
	unsigned i, x2;

	(void)state;
	for (i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		t = tables_new(cpus[i]);
		build(t);
		n = walk_madt(t);
		x2 = cpus[i] > 255 ? cpus[i] - 255 : 0;	/* APIC ids 255 and up */
		assert_int_equal(n.lapic, cpus[i] - x2);
		assert_int_equal(n.x2apic, x2);
		assert_int_equal(n.ioapic, 1);
		assert_int_equal(n.lapic_nmi, 1);
		assert_int_equal(n.x2apic_nmi, x2 ? 1 : 0);
		assert_int_equal(n.other, 0);
		free(t);
	}
}

/* Sparse APIC ids: each vCPU gets the entry type its id needs, in order. */
static void test_madt_sparse_ids(void **state)
{
	static const uint32_t ids[] = { 0, 2, 0x100, 4, 0x12345 };
	struct tables *t = tables_new(5);
	struct madt_count n;

	(void)state;
	memcpy(t->apic_ids, ids, sizeof(ids));
	t->c.ioapic_id = 9;
	build(t);
	n = walk_madt(t);
	assert_int_equal(n.lapic, 3);
	assert_int_equal(n.x2apic, 2);
	assert_int_equal(n.x2apic_nmi, 1);
	free(t);
}

/* The ECAM reservation (PNP0C02) that Linux wants before it uses MMCONFIG. */
static int part_ecam(struct aml *a, void *opaque)
{
	(void)opaque;
	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, "MCFG");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0C02");
	aml__name_int(a, "_UID", 0x100);
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__memory32_fixed(a, LAYOUT_ECAM, LAYOUT_ECAM_SIZE, true);
	aml__end(a);
	aml__end(a);
	aml__end(a);
	return 0;
}

/* A PCIe host bridge like the ones the PCIe host will contribute. */
static int part_host_bridge(struct aml *a, void *opaque)
{
	const unsigned *bus = opaque;
	char name[8];

	snprintf(name, sizeof(name), "PC%02X", *bus);
	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, name);
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0A08");
	aml__name(a, "_CID");
	aml__eisaid(a, "PNP0A03");
	aml__name_int(a, "_SEG", 0);
	aml__name_int(a, "_BBN", *bus);
	aml__name_int(a, "_UID", *bus);
	aml__name_int(a, "_PXM", *bus ? 1 : 0);
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__word_bus_number(a, *bus, *bus + 0xf);
	aml__dword_memory(a, AML_MEM_NONCACHEABLE, LAYOUT_MMIO32 + *bus * 0x100000,
			  LAYOUT_MMIO32 + *bus * 0x100000 + 0xfffff);
	aml__qword_memory(a, AML_MEM_CACHEABLE, 0x8000000000ULL + *bus * 0x40000000ULL,
			  0x8000000000ULL + *bus * 0x40000000ULL + 0x3fffffff);
	aml__end(a);
	aml__end(a);
	aml__end(a);
	return 0;
}

static int part_fails(struct aml *a, void *opaque)
{
	(void)a;
	return *(int *)opaque;
}

static int part_unclosed(struct aml *a, void *opaque)
{
	(void)opaque;
	aml__scope_begin(a, "\\_SB");
	return 0;
}

static int part_bad_name(struct aml *a, void *opaque)
{
	(void)opaque;
	aml__device_begin(a, "toolong");
	aml__end(a);
	return 0;
}

static void test_dsdt_parts(void **state)
{
	unsigned buses[] = { 0, 0x10 };
	const struct acpi_dsdt_part parts[] = {
		{ part_host_bridge, &buses[0] },
		{ part_host_bridge, &buses[1] },
		{ part_ecam, NULL },
	};
	struct tables *t = tables_new(2);
	const uint8_t *d;
	struct aml want;
	unsigned i;

	(void)state;
	t->c.dsdt_parts = parts;
	t->c.nr_dsdt_parts = 3;
	build(t);

	/* header, \_S5, then each part's bytes in order */
	aml__init(&want);
	aml__name(&want, "_S5");
	aml__package_begin(&want);
	aml__int(&want, ACPI_SLP_TYP_S5);
	aml__int(&want, 0);
	aml__int(&want, 0);
	aml__int(&want, 0);
	aml__end(&want);
	for (i = 0; i < 3; i++)
		assert_int_equal(parts[i].build(&want, parts[i].opaque), 0);
	assert_int_equal(aml__error(&want), 0);
	d = find(t, "DSDT");
	assert_int_equal(rd(d + 4, 4), ACPI_HEADER_LEN + aml__len(&want));
	assert_memory_equal(d + ACPI_HEADER_LEN, aml__data(&want), aml__len(&want));
	aml__free(&want);
	free(t);
}

static void test_dsdt_part_errors(void **state)
{
	int eio = -EIO;
	const struct acpi_dsdt_part fails[] = { { part_ecam, NULL }, { part_fails, &eio } };
	const struct acpi_dsdt_part unclosed = { part_unclosed, NULL };
	const struct acpi_dsdt_part bad_name = { part_bad_name, NULL };
	struct tables *t = tables_new(1);

	(void)state;
	t->c.dsdt_parts = fails;
	t->c.nr_dsdt_parts = 2;
	assert_int_equal(acpi__build(&t->c, t->buf, sizeof(t->buf), GPA, &t->used), -EIO);
	t->c.dsdt_parts = &unclosed;
	t->c.nr_dsdt_parts = 1;
	assert_int_equal(acpi__build(&t->c, t->buf, sizeof(t->buf), GPA, &t->used), -EINVAL);
	t->c.dsdt_parts = &bad_name;
	assert_int_equal(acpi__build(&t->c, t->buf, sizeof(t->buf), GPA, &t->used), -EINVAL);
	free(t);
}

static int build_err(struct tables *t)
{
	return acpi__build(&t->c, t->buf, sizeof(t->buf), GPA, &t->used);
}

static void test_config_errors(void **state)
{
	const struct acpi_dsdt_part no_fn = { NULL, NULL };
	struct tables *t = tables_new(4);
	uint8_t extra[40];
	struct acpi_blob blob = { extra, sizeof(extra) };

	(void)state;
	assert_int_equal(acpi__build(&t->c, NULL, 100, GPA, &t->used), -EINVAL);
	assert_int_equal(acpi__build(&t->c, t->buf, sizeof(t->buf), GPA, NULL), -EINVAL);
	t->c.nr_cpus = 0;
	assert_int_equal(build_err(t), -EINVAL);
	t->c.nr_cpus = 4;
	t->c.apic_ids = NULL;
	assert_int_equal(build_err(t), -EINVAL);
	t->c.apic_ids = t->apic_ids;
	t->c.ioapic_addr = 1ULL << 32;
	assert_int_equal(build_err(t), -EINVAL);
	t->c.ioapic_addr = LAYOUT_IOAPIC;

	/* APIC id 0xffffffff is "invalid"; a one-byte UID cannot be 255 */
	t->apic_ids[3] = UINT32_MAX;
	assert_int_equal(build_err(t), -EINVAL);
	t->apic_ids[3] = 3;
	t->c.nr_cpus = 256;
	t->apic_ids[255] = 7;
	assert_int_equal(build_err(t), -EINVAL);
	t->apic_ids[255] = 255;
	assert_int_equal(build_err(t), 0);
	t->c.nr_cpus = 4;

	t->c.nr_dsdt_parts = 1;
	assert_int_equal(build_err(t), -EINVAL);
	t->c.dsdt_parts = &no_fn;
	assert_int_equal(build_err(t), -EINVAL);
	t->c.nr_dsdt_parts = 0;

	t->c.nr_extra = 1;
	assert_int_equal(build_err(t), -EINVAL);	/* NULL list */
	t->c.extra = &blob;
	make_extra(extra, "MCFG", sizeof(extra), 1);
	assert_int_equal(build_err(t), 0);
	extra[20] ^= 1;					/* checksum broken */
	assert_int_equal(build_err(t), -EINVAL);
	make_extra(extra, "MCFG", sizeof(extra) - 1, 1);
	assert_int_equal(build_err(t), -EINVAL);	/* header length != blob length */
	blob.len = 20;
	assert_int_equal(build_err(t), -EINVAL);	/* shorter than a header */
	blob.data = NULL;
	assert_int_equal(build_err(t), -EINVAL);
	free(t);
}

/* Every buffer one byte short of what a build uses fails cleanly. */
static void test_no_space(void **state)
{
	unsigned bus = 0;
	const struct acpi_dsdt_part part = { part_host_bridge, &bus };
	struct tables *t = tables_new(4);
	uint8_t srat[64];
	struct acpi_blob blob = { srat, sizeof(srat) };
	size_t len, used;
	int saved, devnull;

	(void)state;
	make_extra(srat, "SRAT", sizeof(srat), 3);
	t->c.dsdt_parts = &part;
	t->c.nr_dsdt_parts = 1;
	t->c.extra = &blob;
	t->c.nr_extra = 1;
	build(t);
	fflush(stderr);			/* one "no room" line per length: hide them */
	saved = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && devnull >= 0 && dup2(devnull, 2) == 2);
	close(devnull);
	for (len = 0; len < t->used; len++)
		if (acpi__build(&t->c, t->buf, len, GPA, &used) != -ENOSPC)
			break;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(len, t->used);
	assert_int_equal(acpi__build(&t->c, t->buf, t->used, GPA, &used), 0);
	assert_int_equal(used, t->used);
	free(t);
}

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Reads a whole text file, NUL-terminated. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 4096;
	char *s = malloc(cap);

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

/* Runs @cmd (in tmpdir, output to tmpdir/log) and returns its output. */
static char *run(const char *cmd)
{
	char line[1024], log[128];
	int status;

	snprintf(line, sizeof(line), "cd %s && %s > log 2>&1", tmpdir, cmd);
	status = system(line);
	snprintf(log, sizeof(log), "%s/log", tmpdir);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		print_error("%s", slurp(log));
		fail_msg("'%s' failed with status %#x", cmd, status);
	}
	return slurp(log);
}

/* What iasl says when a table is wrong: checksum, lengths, subtables. */
static void assert_no_complaint(const char *what, const char *text)
{
	static const char *const words[] = {
		"error", "warning", "invalid", "incorrect", "unknown", "****",
	};
	unsigned i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(text, words[i]))
			fail_msg("%s: iasl says '%s':\n%s", what, words[i], text);
}

/* Disassembles @table (written as tmpdir/name.dat); returns the .dsl text. */
static char *disassemble(const uint8_t *table, const char *name)
{
	char path[128], cmd[128], *log, *dsl;

	snprintf(path, sizeof(path), "%s/%s.dat", tmpdir, name);
	write_file(path, table, rd(table + 4, 4));
	snprintf(cmd, sizeof(cmd), "iasl -d %s.dat", name);
	log = run(cmd);
	assert_no_complaint(name, log);
	free(log);
	snprintf(path, sizeof(path), "%s/%s.dsl", tmpdir, name);
	dsl = slurp(path);
	assert_no_complaint(name, dsl);
	return dsl;
}

static void assert_contains(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("'%s' not found in:\n%s", what, text);
}

static struct tables *full_tables(unsigned nr_cpus, uint8_t *srat, size_t srat_len)
{
	static unsigned buses[] = { 0, 0x10 };
	static struct power pw;		/* its DSDT part needs no VM */
	static const struct acpi_dsdt_part parts[] = {
		{ part_host_bridge, &buses[0] },
		{ part_host_bridge, &buses[1] },
		{ part_ecam, NULL },
		{ power__dsdt, &pw },
	};
	static struct acpi_blob blob;
	struct tables *t = tables_new(nr_cpus);

	make_extra(srat, "SRAT", srat_len, 3);
	blob = (struct acpi_blob){ srat, srat_len };
	t->c.dsdt_parts = parts;
	t->c.nr_dsdt_parts = 4;
	t->c.extra = &blob;
	t->c.nr_extra = 1;
	build(t);
	return t;
}

static void test_iasl_disassembles(void **state)
{
	static const unsigned cpus[] = { 1, 300 };
	uint8_t srat[48];		/* header + reserved fields only */
	struct tables *t;
	unsigned i;
	char *dsl;

	(void)state;
	for (i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		t = full_tables(cpus[i], srat, sizeof(srat));
		free(disassemble(xsdt(t), "xsdt"));

		dsl = disassemble(find(t, "FACP"), "facp");
		assert_contains(dsl, "Hardware Reduced (V5) : 1");
		assert_contains(dsl, "Reset Register Supported (V2) : 1");
		free(dsl);

		dsl = disassemble(find(t, "APIC"), "apic");
		assert_contains(dsl, "[Processor Local APIC]");
		if (cpus[i] > 255)
			assert_contains(dsl, "[Processor Local x2APIC]");
		free(dsl);

		free(disassemble(find(t, "SRAT"), "srat"));

		dsl = disassemble(find(t, "DSDT"), "dsdt");
		assert_contains(dsl, "Name (_S5, Package (0x04)");
		assert_contains(dsl, "Device (PC10)");
		assert_contains(dsl, "Device (MCFG)");
		assert_contains(dsl, "Name (_HID, \"ACPI0013\"");
		assert_contains(dsl, "Name (_HID, EisaId (\"PNP0C0C\")");
		free(dsl);
		/* and what it disassembled to compiles again */
		free(run("iasl -p again dsdt.dsl"));
		free(t);
	}
}

/* What Linux reads from \_S5 becomes the poweroff write to SLEEP_CONTROL. */
static void test_acpiexec_s5(void **state)
{
	uint8_t srat[48];
	struct tables *t = full_tables(4, srat, sizeof(srat));
	char path[128], *out, *pkg;

	(void)state;
	snprintf(path, sizeof(path), "%s/dsdt.aml", tmpdir);
	write_file(path, find(t, "DSDT"), rd(find(t, "DSDT") + 4, 4));
	out = run("acpiexec -b 'evaluate \\_S5' dsdt.aml");
	pkg = strstr(out, "[Package] Contains 4 Elements:");
	if (!pkg)
		fail_msg("no \\_S5 package in:\n%s", out);
	assert_contains(pkg, "[Integer] = 0000000000000005\n"
			"    [Integer] = 0000000000000000\n");
	/* Linux: SLEEP_CONTROL = (SLP_TYPa << 2 & 0x1c) | SLP_EN */
	assert_int_equal(((ACPI_SLP_TYP_S5 << 2) & 0x1c) | 0x20, ACPI_SLEEP_CTL_S5);
	assert_int_equal(ACPI_SLEEP_CTL_S5, 0x34);
	free(out);
	free(t);
}

/* Pressing the power button: the GED's _EVT for its GSI notifies the
 * PNP0C0C button with 0x80, any other GSI notifies nothing. */
static void test_acpiexec_power_button(void **state)
{
	uint8_t srat[48];
	struct tables *t = full_tables(4, srat, sizeof(srat));
	char path[128], cmd[160], *out;

	(void)state;
	snprintf(path, sizeof(path), "%s/dsdt.aml", tmpdir);
	write_file(path, find(t, "DSDT"), rd(find(t, "DSDT") + 4, 4));
	snprintf(cmd, sizeof(cmd), "acpiexec -b 'execute \\_SB.GED0._EVT %u' dsdt.aml",
		 LAYOUT_GSI_GED);
	out = run(cmd);
	if (!strstr(out, "Notify on [PWRB]") || !strstr(out, "Value 0x80")) {
		FILE *f = fopen("/tmp/mvmm-acpiexec.out", "w");

		if (f) {
			fputs(out, f);
			fclose(f);
		}
		fail_msg("no Notify (PWRB, 0x80): acpiexec output in /tmp/mvmm-acpiexec.out");
	}
	free(out);
	out = run("acpiexec -b 'execute \\_SB.GED0._EVT 3' dsdt.aml");
	if (strstr(out, "Notify on [PWRB]"))
		fail_msg("a GSI other than the GED's pressed the button:\n%s", out);
	free(out);
	free(t);
}

static void test_header_helpers(void **state)
{
	uint8_t t[64] = { 0 };

	(void)state;
	acpi__header(t, "MCFG", sizeof(t), 1);
	assert_memory_equal(t, "MCFG", 4);
	assert_int_equal(rd(t + 4, 4), sizeof(t));
	assert_int_equal(t[8], 1);
	assert_memory_equal(t + 10, "MVMM  MVMMMCFG", 14);
	t[50] = 0x77;
	acpi__checksum(t, sizeof(t));
	assert_int_equal(sum(t, sizeof(t)), 0);
	acpi__checksum(t, sizeof(t));			/* idempotent */
	assert_int_equal(sum(t, sizeof(t)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_xsdt_and_checksums),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt_counts),
		cmocka_unit_test(test_madt_sparse_ids),
		cmocka_unit_test(test_dsdt_parts),
		cmocka_unit_test(test_dsdt_part_errors),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_no_space),
		cmocka_unit_test(test_header_helpers),
		cmocka_unit_test(test_iasl_disassembles),
		cmocka_unit_test(test_acpiexec_power_button),
		cmocka_unit_test(test_acpiexec_s5),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
