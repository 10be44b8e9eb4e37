/*
 * AML builder, checked byte for byte against iasl: each golden test builds
 * the same constructs as a reference ASL file in tests/unit/asl/, compiles
 * that file with iasl at test time and compares the AML after the 36-byte
 * table header. iasl runs with -on so it does not shorten name paths (the
 * builder emits them as written). Run from the repository root.
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

#include "vmm/aml.h"

#define ASL_DIR		"tests/unit/asl/"
#define HEADER_LEN	36

struct env {
	char dir[64];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	strcpy(e->dir, "/tmp/mvmm-aml-XXXXXX");
	if (!mkdtemp(e->dir)) {
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	rc = system(cmd);
	free(e);
	return rc;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc(n ? n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

/* Compiles @asl with iasl and returns its AML body (header stripped). */
static uint8_t *iasl_compile(const struct env *e, const char *asl, size_t *len)
{
	char cmd[512], path[128];
	uint8_t *aml;
	int status;

	snprintf(cmd, sizeof(cmd), "iasl -on -p %s/x %s > %s/iasl.log 2>&1",
		 e->dir, asl, e->dir);
	status = system(cmd);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(cmd, sizeof(cmd), "cat %s/iasl.log >&2", e->dir);
		if (system(cmd))
			print_error("cannot show the iasl log\n");
		fail_msg("iasl failed on %s (status %#x)", asl, status);
	}
	snprintf(path, sizeof(path), "%s/x.aml", e->dir);
	aml = read_file(path, len);
	unlink(path);
	assert_true(*len >= HEADER_LEN);
	*len -= HEADER_LEN;
	memmove(aml, aml + HEADER_LEN, *len);
	return aml;
}

static void assert_same_as_iasl(const struct env *e, const struct aml *a, const char *asl)
{
	const uint8_t *got = aml__data(a);
	size_t len, i;
	uint8_t *ref;

	assert_int_equal(aml__error(a), 0);
	ref = iasl_compile(e, asl, &len);
	for (i = 0; i < len && i < aml__len(a); i++)
		if (ref[i] != got[i])
			break;
	if (i < len || i < aml__len(a))
		print_error("%s: first difference at AML offset %#zx: iasl %#x, builder %#x "
			    "(lengths %zu, %zu)\n", asl, i, i < len ? ref[i] : 0,
			    i < aml__len(a) ? got[i] : 0, len, aml__len(a));
	assert_int_equal(aml__len(a), len);
	assert_memory_equal(got, ref, len);
	free(ref);
}

/* Builds with @build and compares with what iasl makes of @asl. */
static void check_golden(const struct env *e, void (*build)(struct aml *), const char *asl)
{
	struct aml a;

	aml__init(&a);
	build(&a);
	assert_same_as_iasl(e, &a, asl);
	aml__free(&a);
}

static void build_names(struct aml *a)
{
	static const char *const refs[] = {
		"\\_SB.PCI0.S00._ADR", "\\_SB.PCI0.S00", "\\_SB.PCI0", "\\_SB", "\\A",
		"^PCI0", "^PCI0.S00", "^^_SB.PCI0.S00", "S00._ADR", "S00", "REFS",
	};
	size_t i;

	aml__scope_begin(a, "\\");
	aml__name_int(a, "A", 0);
	aml__end(a);

	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, "PCI0");
	aml__name(a, "_HID");
	aml__string(a, "ACPI0010");
	aml__device_begin(a, "S00");
	aml__name_int(a, "_ADR", 0);
	aml__end(a);
	aml__name(a, "REFS");
	aml__package_begin(a);
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		aml__path(a, refs[i]);
	aml__end(a);
	aml__end(a);
	aml__end(a);

	aml__scope_begin(a, "\\_SB.PCI0.S00");
	aml__name_int(a, "AB", 1);
	aml__scope_begin(a, "^^PCI0");
	aml__name_int(a, "AB_9", 3);
	aml__end(a);
	aml__end(a);

	aml__scope_begin(a, "_SB.PCI0");
	aml__name_int(a, "ABC", 2);
	aml__end(a);
}

static void test_names(void **state)
{
	check_golden(*state, build_names, ASL_DIR "names.asl");
}

static void build_data(struct aml *a)
{
	static const uint64_t ints[] = {
		0, 1, 2, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000,
		UINT64_MAX - 1, UINT64_MAX, 0x0123456789abcdef,
	};
	static const char *const strs[] = {
		"", "a", "MVMM mock accelerator", "~!@#$%^&*()_+{}|:<>?",
	};
	static const char *const eisa[] = {
		"PNP0A08", "PNP0A03", "PNP0C02", "PNP0501", "PNP0000", "ZZZ9999",
	};
	static const uint8_t three[] = { 1, 2, 3 }, answer = 42;
	unsigned i;

	aml__name(a, "INTS");
	aml__package_begin(a);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		aml__int(a, ints[i]);
	aml__end(a);

	aml__name(a, "STRS");
	aml__package_begin(a);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		aml__string(a, strs[i]);
	aml__end(a);

	aml__name(a, "NEST");
	aml__package_begin(a);
	aml__package_begin(a);
	aml__end(a);
	aml__package_begin(a);
	aml__int(a, 1);
	aml__package_begin(a);
	aml__string(a, "x");
	aml__end(a);
	aml__end(a);
	aml__buffer_begin(a);
	aml__bytes(a, three, sizeof(three));
	aml__end(a);
	aml__buffer_begin(a);
	aml__end(a);
	aml__buffer_begin(a);
	aml__bytes(a, &answer, 1);
	aml__end(a);
	aml__end(a);

	aml__name(a, "EISA");
	aml__package_begin(a);
	for (i = 0; i < sizeof(eisa) / sizeof(eisa[0]); i++)
		aml__eisaid(a, eisa[i]);
	aml__end(a);

	aml__name(a, "UUID");
	aml__uuid(a, "33DB4D5B-1FF7-401C-9657-7441C03DD766");

	aml__name(a, "VPKG");		/* 257 elements: a VarPackage */
	aml__package_begin(a);
	for (i = 0; i <= 256; i++)
		aml__int(a, i);
	aml__end(a);
}

static void test_data(void **state)
{
	check_golden(*state, build_data, ASL_DIR "data.asl");
}

static void build_devices(struct aml *a)
{
	aml__scope_begin(a, "\\_SB");

	aml__device_begin(a, "DEV0");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0A08");
	aml__name(a, "_CID");
	aml__eisaid(a, "PNP0A03");
	aml__name_int(a, "_UID", 0x10);
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__io(a, 0xcf8, 0xcf8, 1, 8);
	aml__irq_noflags(a, 4);
	aml__irq_noflags(a, 15);
	aml__interrupt(a, AML_IRQ_EDGE | AML_IRQ_ACTIVE_HIGH, 5);
	aml__interrupt(a, AML_IRQ_LEVEL | AML_IRQ_ACTIVE_LOW | AML_IRQ_SHARED, 0x20);
	aml__interrupt(a, AML_IRQ_LEVEL | AML_IRQ_WAKE, 0x1000);
	aml__memory32_fixed(a, 0xe0000000, 0x10000000, true);
	aml__memory32_fixed(a, 0xfed00000, 0x400, false);
	aml__word_bus_number(a, 0, 0xff);
	aml__word_bus_number(a, 0x10, 0x10);
	aml__word_io(a, 0, 0xcf7);
	aml__word_io(a, 0xd00, 0xffff);
	aml__dword_memory(a, AML_MEM_NONCACHEABLE, 0xc0000000, 0xdfffffff);
	aml__dword_memory(a, AML_MEM_CACHEABLE, 0xa0000, 0xbffff);
	aml__dword_memory(a, AML_MEM_WRITECOMBINING, 0xffffffff, 0xffffffff);
	aml__qword_memory(a, AML_MEM_CACHEABLE, 0x8000000000, 0xbfffffffff);
	aml__qword_memory(a, AML_MEM_PREFETCHABLE, 0, UINT64_MAX - 1);
	aml__end(a);
	aml__end(a);

	aml__device_begin(a, "COM1");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0501");
	aml__name_int(a, "_UID", 0);
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__io(a, 0x3f8, 0x3f8, 0, 8);
	aml__irq_noflags(a, 4);
	aml__end(a);
	aml__end(a);

	aml__device_begin(a, "RES0");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0C02");
	aml__name(a, "_UID");
	aml__string(a, "ecam");
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__memory32_fixed(a, 0xe0000000, 0x10000000, true);
	aml__end(a);
	aml__end(a);

	aml__end(a);
}

static void test_devices(void **state)
{
	check_golden(*state, build_devices, ASL_DIR "device.asl");
}

/* Or (CDW1, @bit, CDW1) */
static void or_cdw1(struct aml *a, uint64_t bit)
{
	aml__or(a);
	aml__path(a, "CDW1");
	aml__int(a, bit);
	aml__path(a, "CDW1");
}

static void create_dword_field(struct aml *a, unsigned arg, uint64_t index, const char *name)
{
	aml__create_dword_field(a);
	aml__arg(a, arg);
	aml__int(a, index);
	aml__path(a, name);
}

static void build_osc(struct aml *a)
{
	aml__method_begin(a, "_OSC", 4, false);
	create_dword_field(a, 3, 0, "CDW1");
	aml__if_begin(a);
	aml__lequal(a);
	aml__arg(a, 0);
	aml__uuid(a, "33DB4D5B-1FF7-401C-9657-7441C03DD766");
	create_dword_field(a, 3, 4, "CDW2");
	create_dword_field(a, 3, 8, "CDW3");
	aml__store(a);
	aml__path(a, "CDW3");
	aml__local(a, 0);
	aml__and(a);
	aml__local(a, 0);
	aml__int(a, 0x1f);
	aml__local(a, 0);
	aml__if_begin(a);		/* LNotEqual (Arg1, One) */
	aml__lnot(a);
	aml__lequal(a);
	aml__arg(a, 1);
	aml__int(a, 1);
	or_cdw1(a, 0x08);
	aml__end(a);
	aml__if_begin(a);		/* LNotEqual (CDW3, Local0) */
	aml__lnot(a);
	aml__lequal(a);
	aml__path(a, "CDW3");
	aml__local(a, 0);
	or_cdw1(a, 0x10);
	aml__end(a);
	aml__store(a);
	aml__local(a, 0);
	aml__path(a, "CDW3");
	aml__end(a);
	aml__else_begin(a);
	or_cdw1(a, 0x04);
	aml__end(a);
	aml__return(a);
	aml__arg(a, 3);
	aml__end(a);
}

static void build_methods(struct aml *a)
{
	unsigned i;

	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, "PCI0");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0A08");
	aml__name(a, "_CID");
	aml__eisaid(a, "PNP0A03");
	aml__name_int(a, "_SEG", 0);
	aml__name_int(a, "_BBN", 0);
	aml__name_int(a, "_UID", 0);
	build_osc(a);
	aml__end(a);
	aml__end(a);

	aml__method_begin(a, "ALL", 7, true);
	for (i = 0; i <= 6; i++) {
		aml__store(a);
		aml__arg(a, i);
		aml__local(a, i);
	}
	aml__store(a);			/* Store (And (Local0, Local1), Local7) */
	aml__and(a);
	aml__local(a, 0);
	aml__local(a, 1);
	aml__no_target(a);
	aml__local(a, 7);
	aml__while_begin(a);		/* LAnd (LNot (LEqual (Local7, Zero)), Local2) */
	aml__land(a);
	aml__lnot(a);
	aml__lequal(a);
	aml__local(a, 7);
	aml__int(a, 0);
	aml__local(a, 2);
	aml__store(a);
	aml__int(a, 0);
	aml__local(a, 7);
	aml__end(a);
	aml__if_begin(a);
	aml__land(a);
	aml__local(a, 3);
	aml__local(a, 4);
	aml__notify(a);
	aml__path(a, "\\_SB.PCI0");
	aml__int(a, 0x80);
	aml__end(a);
	aml__else_begin(a);
	aml__if_begin(a);
	aml__local(a, 5);
	aml__return(a);
	aml__int(a, UINT64_MAX);
	aml__end(a);
	aml__end(a);
	aml__return(a);
	aml__local(a, 7);
	aml__end(a);

	aml__method_begin(a, "EMPT", 0, false);
	aml__end(a);
}

static void test_methods(void **state)
{
	check_golden(*state, build_methods, ASL_DIR "method.asl");
}

/*
 * Name (P, Package () { strings }) whose package body (everything after the
 * PkgLength) is exactly @body bytes, written both as ASL (to @f) and with
 * the builder. iasl limits a string literal to 4096 characters, so large
 * bodies use 300 strings (a VarPackage with a Word element count).
 */
static void build_package_of_size(struct aml *a, FILE *f, size_t body)
{
	unsigned i, n = body - 3 <= 4096 ? 1 : 300;
	size_t payload = body - (n > 255 ? 3 : 1) - 2 * n, l;
	char *s = malloc(payload / n + 2);

	assert_non_null(s);
	fprintf(f, "DefinitionBlock (\"\", \"DSDT\", 2, \"MVMM\", \"PKGLEN\", 1)\n"
		"{\n    Name (P, Package ()\n    {\n");
	aml__name(a, "P");
	aml__package_begin(a);
	for (i = 0; i < n; i++) {
		l = payload / n + (i < payload % n);
		memset(s, 'A' + i % 26, l);
		s[l] = 0;
		fprintf(f, "        \"%s\"%s\n", s, i + 1 < n ? "," : "");
		aml__string(a, s);
	}
	fprintf(f, "    })\n}\n");
	aml__end(a);
	free(s);
}

/* Bodies on both sides of each PkgLength size step (1/2, 2/3, 3/4 bytes). */
static void test_pkglen_boundaries(void **state)
{
	static const size_t bodies[] = {
		61, 62, 63, 64, 65,
		4092, 4093, 4094, 4095, 4096, 4097,
		0xffffc - 1, 0xffffc, 0xffffd, 0xffffe, 0x100000, 1200000,
	};
	struct env *e = *state;
	char asl[128];
	unsigned i, want;
	struct aml a;
	FILE *f;

	snprintf(asl, sizeof(asl), "%s/pkglen.asl", e->dir);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		f = fopen(asl, "w");
		assert_non_null(f);
		aml__init(&a);
		build_package_of_size(&a, f, bodies[i]);
		assert_int_equal(fclose(f), 0);
		/* NameOp, "P___", PackageOp, then the PkgLength lead byte */
		want = bodies[i] <= 62 ? 1 : bodies[i] <= 4093 ? 2 : bodies[i] <= 0xffffc ? 3 : 4;
		assert_int_equal((aml__data(&a)[6] >> 6) + 1, want);
		assert_same_as_iasl(e, &a, asl);
		aml__free(&a);
	}
}

/* Inner constructs growing their PkgLength must move the outer bodies. */
static void test_pkglen_nested(void **state)
{
	static const uint8_t zeros[3000];
	struct aml a;
	const uint8_t *p;

	(void)state;
	aml__init(&a);
	aml__scope_begin(&a, "\\");
	aml__method_begin(&a, "M", 0, false);
	aml__return(&a);
	aml__buffer_begin(&a);
	aml__bytes(&a, zeros, sizeof(zeros));
	aml__end(&a);
	aml__end(&a);
	aml__end(&a);
	assert_int_equal(aml__error(&a), 0);
	p = aml__data(&a);
	/* Scope: 10 <pkglen 2> 5C 00; Method: 14 <pkglen 2> "M___" 00; A4; Buffer: 11 <pkglen 2> 0B 88 13 */
	assert_int_equal(aml__len(&a), 1 + 2 + 2 + 1 + 2 + 4 + 1 + 1 + 1 + 2 + 3 + sizeof(zeros));
	assert_int_equal(p[0], 0x10);
	assert_int_equal(((p[2] << 4) | (p[1] & 0xf)), aml__len(&a) - 1);
	assert_int_equal(p[5], 0x14);
	assert_int_equal(((p[7] << 4) | (p[6] & 0xf)), aml__len(&a) - 6);
	assert_int_equal(p[14], 0x11);
	assert_int_equal(((p[16] << 4) | (p[15] & 0xf)), aml__len(&a) - 15);
	assert_int_equal(p[17], 0x0b);
	assert_int_equal(p[18] | p[19] << 8, sizeof(zeros));
	aml__free(&a);
}

/* A body beyond the 28 bits a PkgLength can hold (256 MiB). */
static void test_pkglen_too_big(void **state)
{
	static const uint8_t zeros[1 << 20];
	struct aml a;
	unsigned i;

	(void)state;
	aml__init(&a);
	aml__buffer_begin(&a);
	for (i = 0; i < 256; i++)
		aml__bytes(&a, zeros, sizeof(zeros));
	aml__end(&a);
	assert_int_equal(aml__error(&a), -E2BIG);
	aml__free(&a);
}

#define EXPECT_ERROR(err, ...) do {					\
	struct aml a_;							\
	aml__init(&a_);							\
	{ struct aml *a = &a_; __VA_ARGS__; }				\
	assert_int_equal(aml__error(&a_), err);				\
	aml__free(&a_);							\
} while (0)

static void test_errors(void **state)
{
	static const char *const bad_names[] = {
		"", "TOOLONG", "_SB.TOOLONG", "ab", "1ABC", "A-B", "_SB.", ".A",
		"_SB..X", "\\\\A", "^\\A", "A B", "\\_SB.", "^^.A",
	};
	char path[256 * 5 + 1];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		EXPECT_ERROR(-EINVAL, aml__name(a, bad_names[i]));
		EXPECT_ERROR(-EINVAL, aml__path(a, bad_names[i]));
		EXPECT_ERROR(-EINVAL, aml__scope_begin(a, bad_names[i]); aml__end(a));
	}
	EXPECT_ERROR(-EINVAL, aml__path(a, NULL));
	EXPECT_ERROR(0, aml__path(a, "^"));

	/* 255 segments fit a MultiNamePath's count byte, 256 do not */
	memcpy(path, "ABCD", 4);
	for (i = 1; i < 256; i++)
		memcpy(path + 5 * i - 1, ".ABCD", 5);
	path[255 * 5 - 1] = 0;
	EXPECT_ERROR(0, aml__path(a, path));
	path[255 * 5 - 1] = '.';
	path[256 * 5 - 1] = 0;
	EXPECT_ERROR(-EINVAL, aml__path(a, path));

	/* unbalanced */
	EXPECT_ERROR(-EINVAL, aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__scope_begin(a, "\\"));
	EXPECT_ERROR(-EINVAL, aml__package_begin(a); aml__end(a); aml__end(a));
	EXPECT_ERROR(-E2BIG, for (i = 0; i <= AML_MAX_DEPTH; i++) aml__scope_begin(a, "\\"));
	EXPECT_ERROR(0, for (i = 0; i < AML_MAX_DEPTH; i++) aml__package_begin(a);
		     for (i = 0; i < AML_MAX_DEPTH; i++) aml__end(a));

	/* Else only right after an If closes, at the same level */
	EXPECT_ERROR(-EINVAL, aml__else_begin(a); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__if_begin(a); aml__int(a, 1); aml__end(a);
		     aml__int(a, 1); aml__else_begin(a); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__method_begin(a, "M", 0, false); aml__if_begin(a);
		     aml__int(a, 1); aml__end(a); aml__end(a); aml__else_begin(a); aml__end(a));

	/* arguments out of range */
	EXPECT_ERROR(-EINVAL, aml__method_begin(a, "M", 8, false); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__local(a, 8));
	EXPECT_ERROR(-EINVAL, aml__arg(a, 7));
	EXPECT_ERROR(-EINVAL, aml__string(a, "caf\xc3\xa9"));
	EXPECT_ERROR(-EINVAL, aml__string(a, NULL));
	EXPECT_ERROR(-EINVAL, aml__eisaid(a, "PNP0A0"));
	EXPECT_ERROR(-EINVAL, aml__eisaid(a, "pnp0A08"));
	EXPECT_ERROR(-EINVAL, aml__eisaid(a, "PNP0A0G"));
	EXPECT_ERROR(-EINVAL, aml__eisaid(a, NULL));
	EXPECT_ERROR(-EINVAL, aml__uuid(a, "33DB4D5B-1FF7-401C-9657-7441C03DD76"));
	EXPECT_ERROR(-EINVAL, aml__uuid(a, "33DB4D5B-1FF7-401C-9657+7441C03DD766"));
	EXPECT_ERROR(-EINVAL, aml__uuid(a, "33DB4D5B-1FF7-401C-9657-7441C03DD7G6"));
	EXPECT_ERROR(0, aml__uuid(a, "33db4d5b-1ff7-401c-9657-7441c03dd766"));

	/* descriptors only in a ResourceTemplate, terms never in one */
	EXPECT_ERROR(-EINVAL, aml__io(a, 0, 0, 0, 1));
	EXPECT_ERROR(-EINVAL, aml__buffer_begin(a); aml__irq_noflags(a, 1); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__resource_begin(a); aml__int(a, 1); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__buffer_begin(a); aml__name(a, "X"); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__resource_begin(a); aml__irq_noflags(a, 16); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__resource_begin(a); aml__io(a, 2, 1, 0, 1); aml__end(a));
	EXPECT_ERROR(-EINVAL, aml__resource_begin(a); aml__interrupt(a, 1, 5); aml__end(a));
	EXPECT_ERROR(-ERANGE, aml__resource_begin(a); aml__word_io(a, 0, 0xffff); aml__end(a));
	EXPECT_ERROR(-ERANGE, aml__resource_begin(a); aml__word_bus_number(a, 2, 1); aml__end(a));
	EXPECT_ERROR(-ERANGE, aml__resource_begin(a);
		     aml__dword_memory(a, AML_MEM_CACHEABLE, 0, UINT32_MAX); aml__end(a));
	EXPECT_ERROR(-ERANGE, aml__resource_begin(a);
		     aml__qword_memory(a, AML_MEM_CACHEABLE, 0, UINT64_MAX); aml__end(a));
	EXPECT_ERROR(0, aml__resource_begin(a);
		     aml__qword_memory(a, AML_MEM_CACHEABLE, 1, UINT64_MAX); aml__end(a));
}

/* The first error sticks and later calls write nothing. */
static void test_sticky_error(void **state)
{
	struct aml a;
	size_t len;

	(void)state;
	aml__init(&a);
	aml__scope_begin(&a, "\\_SB");
	aml__name(&a, "TOOLONG");
	len = aml__len(&a);
	aml__int(&a, 5);
	aml__end(&a);
	aml__end(&a);
	aml__local(&a, 9);
	assert_int_equal(aml__error(&a), -EINVAL);
	assert_int_equal(aml__len(&a), len);
	aml__free(&a);
	assert_int_equal(aml__len(&a), 0);
	assert_null(aml__data(&a));
	assert_int_equal(aml__error(&a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_pkglen_boundaries),
		cmocka_unit_test(test_pkglen_nested),
		cmocka_unit_test(test_pkglen_too_big),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sticky_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
