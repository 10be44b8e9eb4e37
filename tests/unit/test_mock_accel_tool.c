/*
 * mock-accel guest side without a guest: the shared register header
 * (layout, FNV-1a, FILL bytes), the ioctl ABI layout, and the logic of
 * tests/tools/mock-accel-tool.c (parsing, status names, /proc/iomem, and
 * list/DEV resolution against a fake /sys/class/mock-accel tree), and the
 * fuzz's safety rules (bad guest addresses only, no driver-held function).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#define MOCK_ACCEL_TOOL_NO_MAIN
#include "tests/tools/mock-accel-tool.c"

/* ---- register header ------------------------------------------------------ */

static void test_regs_layout(void **state)
{
	(void)state;
	/* docs/mock-accel.md offsets */
	assert_int_equal(MOCK_ACCEL_REG_DEVICE_ID, 0x00);
	assert_int_equal(MOCK_ACCEL_REG_REVISION, 0x04);
	assert_int_equal(MOCK_ACCEL_REG_UUID, 0x08);
	assert_int_equal(MOCK_ACCEL_REG_MEMORY_SIZE, 0x20);
	assert_int_equal(MOCK_ACCEL_REG_CAPABILITIES, 0x28);
	assert_int_equal(MOCK_ACCEL_REG_STATUS, 0x2c);
	assert_int_equal(MOCK_ACCEL_REG_FW_VERSION, 0x30);
	assert_int_equal(MOCK_ACCEL_DEVICE_ID_MAGIC, 0x4d4f434b);
	/* mvmm additions above 0x30, below the MSI-X table */
	assert_true(MOCK_ACCEL_REG_DMA_SRC > MOCK_ACCEL_REG_FW_VERSION);
	assert_true(MOCK_ACCEL_REG_DMA_ABORT < MOCK_ACCEL_REG_DMA_END);
	assert_true(MOCK_ACCEL_REG_DMA_END <= MOCK_ACCEL_MSIX_TABLE_OFFSET);
	assert_true(MOCK_ACCEL_MSIX_TABLE_OFFSET + 16 * MOCK_ACCEL_MSIX_VECTORS <=
		    MOCK_ACCEL_MSIX_PBA_OFFSET);
	assert_true(MOCK_ACCEL_MSIX_PBA_OFFSET + 8 <= MOCK_ACCEL_BAR0_SIZE);
	assert_true(MOCK_ACCEL_MSIX_VEC_DMA < MOCK_ACCEL_MSIX_VECTORS);
	/* 64-bit registers: low dword first, 8-byte aligned */
	assert_int_equal(MOCK_ACCEL_REG_DMA_SRC_HI, MOCK_ACCEL_REG_DMA_SRC_LO + 4);
	assert_int_equal(MOCK_ACCEL_REG_DMA_RESULT % 8, 0);
	assert_int_equal(MOCK_ACCEL_REG_DMA_LEN % 8, 0);
	/* the self-test's "reserved bit" really is reserved */
	assert_int_equal(MOCK_ACCEL_DMA_CTRL_VALID_MASK & (1u << 20), 0);
	assert_int_equal(MOCK_ACCEL_DMA_CTRL_VALID_MASK & MOCK_ACCEL_DMA_OP_COPY,
			 MOCK_ACCEL_DMA_OP_COPY);
	/* status encoding round trip */
	assert_int_equal(MOCK_ACCEL_DMA_STATE(MOCK_ACCEL_DMA_STATUS_MAKE(3, 7)), 3);
	assert_int_equal(MOCK_ACCEL_DMA_ERR(MOCK_ACCEL_DMA_STATUS_MAKE(3, 7) |
					    MOCK_ACCEL_DMA_STATUS_DROPPED), 7);
	assert_int_equal(MOCK_ACCEL_FW_MAJOR(0x00010203), 1);
	assert_int_equal(MOCK_ACCEL_FW_MINOR(0x00010203), 2);
	assert_int_equal(MOCK_ACCEL_FW_PATCH(0x00010203), 3);
}

/* The ioctl structs are ABI: the same layout for the driver and the tool. */
static void test_abi_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct mock_accel_addr), 16);
	assert_int_equal(sizeof(struct mock_accel_buf), 48);
	assert_int_equal(sizeof(struct mock_accel_dma), 104);
	assert_int_equal(sizeof(struct mock_accel_info), 112);
	assert_int_equal(sizeof(struct mock_accel_reg), 8);
	assert_int_equal(offsetof(struct mock_accel_dma, len), 40);
	assert_int_equal(offsetof(struct mock_accel_dma, dev_status), 64);
	assert_int_equal(offsetof(struct mock_accel_info, memory_size), 24);
	assert_int_equal(offsetof(struct mock_accel_info, buf_size), 64);
}

static uint64_t fnv(const char *s)
{
	return mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, s, strlen(s));
}

static void test_fnv1a64(void **state)
{
	(void)state;
	/* published FNV-1a 64 test vectors */
	assert_true(fnv("") == 0xcbf29ce484222325ULL);
	assert_true(fnv("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(fnv("foobar") == 0x85944171f73967e8ULL);
	/* chaining (CSUM_CONTINUE): hash(foo) continued over bar */
	assert_true(mock_accel_fnv1a64(fnv("foo"), "bar", 3) == fnv("foobar"));
}

static uint32_t ror32_(uint32_t v, unsigned s)
{
	return s ? (v >> s) | (v << (32 - s)) : v;
}

static void test_fill_bytes(void **state)
{
	uint8_t b[11];
	uint64_t i, pos;
	uint32_t p = 0x04030201;

	(void)state;
	for (i = 0; i < sizeof(b); i++)
		b[i] = mock_accel_fill_byte(p, i);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[3], 4);
	assert_int_equal(b[4], 1);
	assert_int_equal(b[10], 3);
	assert_int_equal(fill_mismatch(b, sizeof(b), p), -1);
	b[6] ^= 1;
	assert_int_equal(fill_mismatch(b, sizeof(b), p), 6);
	/* The driver splits a FILL at chunk boundaries and rotates the pattern
	 * by the piece's offset: piece byte j must equal range byte pos + j. */
	for (pos = 0; pos < 9; pos++)
		for (i = 0; i < 8; i++)
			assert_int_equal(mock_accel_fill_byte(ror32_(0xdeadbeef, 8 * (pos % 4)), i),
					 mock_accel_fill_byte(0xdeadbeef, pos + i));
}

/* ---- tool helpers -------------------------------------------------------- */

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(parse_size("4K", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(parse_size("16M", &v), 0);
	assert_true(v == 16ULL << 20);
	assert_int_equal(parse_size("2g", &v), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(parse_size("0x1000", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(parse_size("", &v), -EINVAL);
	assert_int_equal(parse_size("-1", &v), -EINVAL);
	assert_int_equal(parse_size("4Q", &v), -EINVAL);
	assert_int_equal(parse_size("4KB", &v), -EINVAL);
	assert_int_equal(parse_size("K", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999999999", &v), -EINVAL);
	assert_int_equal(parse_size("17179869184G", &v), -EINVAL);
}

static void test_parse_int(void **state)
{
	int v;

	(void)state;
	assert_int_equal(parse_int("-1", &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(parse_int("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(parse_int("1x", &v), -EINVAL);
	assert_int_equal(parse_int("", &v), -EINVAL);
	assert_int_equal(parse_int("99999999999", &v), -EINVAL);
}

static void test_names_and_status(void **state)
{
	char buf[48], u[37];
	static const uint8_t id[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
					0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

	(void)state;
	assert_true(is_mock_name("mock0"));
	assert_true(is_mock_name("mock12_vf3"));
	assert_false(is_mock_name("mock"));
	assert_false(is_mock_name("mockx"));
	assert_false(is_mock_name("mock0_vf"));
	assert_false(is_mock_name("mock0_vf1x"));
	assert_false(is_mock_name("mock0vf1"));
	assert_false(is_mock_name("xmock0"));

	assert_string_equal(dma_status_str(MOCK_ACCEL_DMA_STATUS_MAKE(MOCK_ACCEL_DMA_STATE_ERROR,
								      MOCK_ACCEL_DMA_ERR_OVERLAP),
					   buf, sizeof(buf)), "error:overlap");
	assert_string_equal(dma_status_str(MOCK_ACCEL_DMA_STATE_DONE | MOCK_ACCEL_DMA_STATUS_DROPPED,
					   buf, sizeof(buf)), "done+dropped");
	assert_string_equal(dma_status_str(0, buf, sizeof(buf)), "idle");
	assert_string_equal(dma_status_str(MOCK_ACCEL_DMA_STATUS_MAKE(3, 200), buf, sizeof(buf)),
			    "error:unknown");
	assert_string_equal(dma_status_str(9, buf, sizeof(buf)), "unknown");
	uuid_str(id, u);
	assert_string_equal(u, "12345678-9abc-def0-0123-456789abcdef");
}

static void test_parse_iomem(void **state)
{
	static const char iomem[] =
		"00000000-00000fff : Reserved\n"
		"00001000-0009fbff : System RAM\n"
		"0009fc00-0009ffff : Reserved\n"
		"00100000-bfffffff : System RAM\n"
		"  01000000-01ffffff : Kernel code\n"
		"c0000000-dfffffff : PCI Bus 0000:00\n"
		"100000000-13fffffff : System RAM\n";
	static const char hidden[] =
		"00000000-00000000 : Reserved\n"
		"00000000-00000000 : System RAM\n";
	static const char flat[] =
		"00001000-0009fbff : System RAM\n"
		"00100000-1fffffff : System RAM\n";
	uint64_t end, hole;
	FILE *f;

	(void)state;
	f = fmemopen((void *)iomem, sizeof(iomem) - 1, "r");
	assert_int_equal(parse_iomem(f, &end, &hole), 0);
	fclose(f);
	assert_true(end == 0x140000000ULL);
	assert_true(hole == 0xc0000000ULL);

	f = fmemopen((void *)flat, sizeof(flat) - 1, "r");
	assert_int_equal(parse_iomem(f, &end, &hole), 0);
	fclose(f);
	assert_true(end == 0x20000000ULL);
	assert_true(hole == 0);	/* the gap below 1 MiB does not count */

	f = fmemopen((void *)hidden, sizeof(hidden) - 1, "r");
	assert_int_equal(parse_iomem(f, &end, &hole), -ENOENT);
	fclose(f);
}

/* ---- fake sysfs ------------------------------------------------------------ */

struct fake {
	char dir[64];		/* mkdtemp root */
	char cls[128];		/* <dir>/class (the MOCK_ACCEL_SYSFS root) */
};

static void put(const char *dir, const char *name, const char *val)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void fake_dev(struct fake *fk, const char *name, const char *pci, int node, bool pf)
{
	char d[256], pdir[256], link[300], v[32];

	snprintf(pdir, sizeof(pdir), "%s/devices/%s", fk->dir, pci);
	assert_int_equal(mkdir(pdir, 0755), 0);
	snprintf(d, sizeof(d), "%s/%s", fk->cls, name);
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(link, sizeof(link), "%s/device", d);
	assert_int_equal(symlink(pdir, link), 0);
	snprintf(v, sizeof(v), "%d", node);
	put(d, "numa_node", v);
	put(d, "uuid", "6d6f636b-0000-4000-8000-000000000001");
	put(d, "memory_size", pf ? "17179869184" : "2147483648");
	put(d, "capabilities", "0x000f0001");
	put(d, "fw_version", "1.0.0");
	put(d, "status", "0x00000001");
	if (pf) {
		put(d, "sriov_totalvfs", "2");
		put(d, "sriov_numvfs", "1");
	}
}

static int fake_setup(void **state)
{
	struct fake *fk = calloc(1, sizeof(*fk));
	char p[256];

	snprintf(fk->dir, sizeof(fk->dir), "/tmp/mvmm-mock-accel-XXXXXX");
	assert_non_null(mkdtemp(fk->dir));
	snprintf(fk->cls, sizeof(fk->cls), "%s/class", fk->dir);
	assert_int_equal(mkdir(fk->cls, 0755), 0);
	snprintf(p, sizeof(p), "%s/devices", fk->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	/* created out of order on purpose */
	fake_dev(fk, "mock10", "0000:31:00.0", 1, true);
	fake_dev(fk, "mock0_vf0", "0000:11:00.1", 0, false);
	fake_dev(fk, "mock2", "0000:21:00.0", 1, true);
	fake_dev(fk, "mock0", "0000:11:00.0", 0, true);
	snprintf(p, sizeof(p), "%s/not-a-mock", fk->cls);
	assert_int_equal(mkdir(p, 0755), 0);
	*state = fk;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *fk = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fk->dir);
	assert_int_equal(system(cmd), 0);
	free(fk);
	return 0;
}

static void test_list(void **state)
{
	struct fake *fk = *state;
	char *out = NULL, *l1, *l2, *l3, *l4;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_int_equal(cmd_list(f, fk->cls), 0);
	fclose(f);
	/* natural order: mock0, mock0_vf0, mock2, mock10 */
	l1 = strstr(out, "@@MOCK name=mock0 ");
	l2 = strstr(out, "@@MOCK name=mock0_vf0 ");
	l3 = strstr(out, "@@MOCK name=mock2 ");
	l4 = strstr(out, "@@MOCK name=mock10 ");
	assert_non_null(l1);
	assert_non_null(l2);
	assert_non_null(l3);
	assert_non_null(l4);
	assert_true(l1 < l2 && l2 < l3 && l3 < l4);
	assert_non_null(strstr(out,
		"@@MOCK name=mock0 type=pf pci=0000:11:00.0 numa_node=0 "
		"uuid=6d6f636b-0000-4000-8000-000000000001 memory_size=17179869184 "
		"capabilities=0x000f0001 fw_version=1.0.0 status=0x00000001 "
		"sriov_totalvfs=2 sriov_numvfs=1\n"));
	assert_non_null(strstr(out,
		"@@MOCK name=mock0_vf0 type=vf pci=0000:11:00.1 numa_node=0 "
		"uuid=6d6f636b-0000-4000-8000-000000000001 memory_size=2147483648 "
		"capabilities=0x000f0001 fw_version=1.0.0 status=0x00000001\n"));
	assert_null(strstr(out, "not-a-mock"));
	assert_non_null(strstr(out, "@@FACT mock_accel_count=4\n"));
	free(out);
}

static void test_list_missing_class(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_int_equal(cmd_list(f, "/nonexistent/mock-accel"), 1);
	fclose(f);
	free(out);
}

static void test_resolve(void **state)
{
	struct fake *fk = *state;
	char name[NAME_MAX_LEN], path[256];

	assert_int_equal(resolve_dev("mock0_vf0", fk->cls, "/dev", name, path, sizeof(path)), 0);
	assert_string_equal(name, "mock0_vf0");
	assert_string_equal(path, "/dev/mock-accel0_vf0");
	assert_int_equal(resolve_dev("/dev/mock-accel2", fk->cls, "/dev", name, path, sizeof(path)), 0);
	assert_string_equal(name, "mock2");
	assert_string_equal(path, "/dev/mock-accel2");
	assert_int_equal(resolve_dev("11:00.1", fk->cls, "/xdev", name, path, sizeof(path)), 0);
	assert_string_equal(name, "mock0_vf0");
	assert_string_equal(path, "/xdev/mock-accel0_vf0");
	assert_int_equal(resolve_dev("0000:31:00.0", fk->cls, "/dev", name, path, sizeof(path)), 0);
	assert_string_equal(name, "mock10");
	assert_int_equal(resolve_dev("0000:99:00.0", fk->cls, "/dev", name, path, sizeof(path)),
			 -ENOENT);
	assert_int_equal(resolve_dev("foo", fk->cls, "/dev", name, path, sizeof(path)), -EINVAL);
	assert_int_equal(resolve_dev("/dev/sda", fk->cls, "/dev", name, path, sizeof(path)), -EINVAL);
	assert_int_equal(resolve_dev("mock0", fk->cls, "/dev", name, path, 8), -ENAMETOOLONG);
}

/* ---- fake driver + device: the selftest and bench against the spec -------
 *
 * A userspace model of what mock_accel_ioctl.h and mock_accel_regs.h
 * promise (the driver's checks and chunk splitting, the device's checks in
 * their documented order), behind the tool's I/O seams. It proves the
 * selftest's expectations match the spec, and (with injected device bugs)
 * that the selftest notices when a device gets them wrong.
 */
#include <fcntl.h>

#define FK_MEM		(8ULL << 20)
#define FK_C0_GPA	0x10000000ULL	/* buffer chunk 0 (non-contiguous with 1) */
#define FK_C1_GPA	0x20000000ULL

static const char fk_iomem[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"
	"00100000-3fffffff : System RAM\n"
	"  01000000-01ffffff : Kernel code\n"
	"40000000-ffffffff : PCI Bus 0000:00\n"
	"100000000-10fffffff : System RAM\n";
static const struct { uint64_t gpa, len; } fk_ram[] = {
	{ 0x1000, 0x9fbff - 0x1000 + 1 },
	{ 0x100000, 0x40000000 - 0x100000 },
	{ 0x100000000ULL, 0x10000000 },
};

static struct {
	uint8_t *mem;		/* device memory */
	uint8_t *buf;		/* the file's DMA buffer */
	uint64_t c0_len, c1_len;
	uint64_t result;	/* DMA_RESULT */
	uint32_t caps;
	char config[256];	/* the PF's sysfs config file (BME) */
	bool buggy_overlap;	/* device skips the overlap check */
	bool buggy_copy;	/* device corrupts a byte per copy */
	bool stray;		/* an accepted guest access outside the buffer */
	unsigned ops;
} fk;

static bool fk_in_ram(uint64_t a, uint64_t len)
{
	size_t i;

	for (i = 0; i < sizeof(fk_ram) / sizeof(fk_ram[0]); i++)
		if (a >= fk_ram[i].gpa && len <= fk_ram[i].len &&
		    a - fk_ram[i].gpa <= fk_ram[i].len - len)
			return true;
	return false;
}

static uint8_t *fk_guest(uint64_t a, uint64_t len)
{
	if (a >= FK_C0_GPA && a - FK_C0_GPA <= fk.c0_len && len <= fk.c0_len - (a - FK_C0_GPA))
		return fk.buf + (a - FK_C0_GPA);
	if (a >= FK_C1_GPA && a - FK_C1_GPA <= fk.c1_len && len <= fk.c1_len - (a - FK_C1_GPA))
		return fk.buf + fk.c0_len + (a - FK_C1_GPA);
	fk.stray = true;
	return NULL;
}

static bool fk_busmaster(void)
{
	uint8_t v[2] = { 0, 0 };
	int fd = open(fk.config, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, v, 2, 4), 2);
	close(fd);
	return v[0] & 4;
}

/* One device operation: the checks of mock_accel_regs.h, in order. */
static uint32_t fk_hw(uint32_t ctrl, uint64_t src, uint64_t dst, uint64_t len,
		      uint32_t pattern, uint32_t vector, uint64_t *result)
{
	uint32_t op = ctrl & MOCK_ACCEL_DMA_CTRL_OP_MASK;
	bool sdev = ctrl & MOCK_ACCEL_DMA_CTRL_SRC_DEV, ddev = ctrl & MOCK_ACCEL_DMA_CTRL_DST_DEV;
	bool us = op != MOCK_ACCEL_DMA_OP_FILL, ud = op != MOCK_ACCEL_DMA_OP_CHECKSUM;
	uint8_t *sp = NULL, *dp = NULL;
	uint64_t i;
#define FK_ERR(e) MOCK_ACCEL_DMA_STATUS_MAKE(MOCK_ACCEL_DMA_STATE_ERROR, MOCK_ACCEL_DMA_ERR_##e)

	fk.ops++;
	if (op < MOCK_ACCEL_DMA_OP_COPY || op > MOCK_ACCEL_DMA_OP_CHECKSUM ||
	    (ctrl & ~MOCK_ACCEL_DMA_CTRL_VALID_MASK))
		return FK_ERR(BAD_OP);
	if ((ctrl & MOCK_ACCEL_DMA_CTRL_IRQ) && vector >= MOCK_ACCEL_MSIX_VECTORS)
		return FK_ERR(BAD_VECTOR);
	if (!len)
		return FK_ERR(BAD_LEN);
	if ((us && src + (len - 1) < src) || (ud && dst + (len - 1) < dst))
		return FK_ERR(OVERFLOW);
	if ((us && !sdev && !fk_in_ram(src, len)) || (ud && !ddev && !fk_in_ram(dst, len)))
		return FK_ERR(BAD_ADDR);
	if ((us && sdev && src + len > FK_MEM) || (ud && ddev && dst + len > FK_MEM))
		return FK_ERR(DEV_RANGE);
	if (op == MOCK_ACCEL_DMA_OP_COPY && sdev == ddev && !fk.buggy_overlap &&
	    src < dst + len && dst < src + len)
		return FK_ERR(OVERLAP);
	if (((us && !sdev) || (ud && !ddev)) && !fk_busmaster())
		return FK_ERR(NO_BUSMASTER);
	if (us)
		sp = sdev ? fk.mem + src : fk_guest(src, len);
	if (ud)
		dp = ddev ? fk.mem + dst : fk_guest(dst, len);
	if ((us && !sp) || (ud && !dp))
		return FK_ERR(BAD_ADDR);	/* RAM the fake does not back */
	switch (op) {
	case MOCK_ACCEL_DMA_OP_COPY:
		memmove(dp, sp, len);
		if (fk.buggy_copy)
			dp[len / 2] ^= 0x40;
		*result = len;
		break;
	case MOCK_ACCEL_DMA_OP_FILL:
		for (i = 0; i < len; i++)
			dp[i] = mock_accel_fill_byte(pattern, i);
		*result = len;
		break;
	default:
		*result = mock_accel_fnv1a64(ctrl & MOCK_ACCEL_DMA_CTRL_CSUM_CONTINUE ?
					     fk.result : MOCK_ACCEL_FNV1A64_BASIS, sp, len);
	}
	fk.result = *result;
	return MOCK_ACCEL_DMA_STATE_DONE;
#undef FK_ERR
}

/* Buffer offset -> fake bus address; *n shrinks to the chunk's end. */
static uint64_t fk_bus(uint64_t off, uint64_t *n)
{
	if (off < fk.c0_len) {
		if (*n > fk.c0_len - off)
			*n = fk.c0_len - off;
		return FK_C0_GPA + off;
	}
	off -= fk.c0_len;
	if (*n > fk.c1_len - off)
		*n = fk.c1_len - off;
	return FK_C1_GPA + off;
}

static int fk_side_bad(const struct mock_accel_addr *a, uint64_t len)
{
	uint64_t lim = a->space == MOCK_ACCEL_IOC_SPACE_BUF ? fk.c0_len + fk.c1_len : FK_MEM;

	return a->space > MOCK_ACCEL_IOC_SPACE_DEV || a->addr > lim || len > lim - a->addr;
}

/* What guest-kmod/mock_accel_dma.c does with MOCK_ACCEL_IOC_DMA. */
static int fk_dma(struct mock_accel_dma *u)
{
	struct mock_accel_dma r = *u;
	bool raw = r.flags & MOCK_ACCEL_DMA_F_RAW, irq = !(r.flags & MOCK_ACCEL_DMA_F_POLL);
	bool us = r.op != MOCK_ACCEL_DMA_OP_FILL, ud = r.op != MOCK_ACCEL_DMA_OP_CHECKSUM;
	uint32_t maxsp = raw ? MOCK_ACCEL_IOC_SPACE_GPA : MOCK_ACCEL_IOC_SPACE_DEV;
	uint64_t pos = 0, bytes = 0, res = 0;
	int ret = 0;

	if ((r.flags & ~MOCK_ACCEL_DMA_F_VALID) || r.src.space > maxsp || r.dst.space > maxsp ||
	    (!raw && (r.raw_ctrl || r.raw_vector || r.op < 1 || r.op > 3)))
		return -EINVAL;
	r.dev_status = r.dev_ops = 0;
	r.result = r.elapsed_ns = 0;
	if (raw) {
		uint32_t ctrl = (r.op & MOCK_ACCEL_DMA_CTRL_OP_MASK) | r.raw_ctrl |
				(irq ? MOCK_ACCEL_DMA_CTRL_IRQ : 0);
		uint64_t s = r.src.addr, d = r.dst.addr, n = UINT64_MAX;

		if ((r.src.space == MOCK_ACCEL_IOC_SPACE_BUF && r.src.addr >= fk.c0_len + fk.c1_len) ||
		    (r.dst.space == MOCK_ACCEL_IOC_SPACE_BUF && r.dst.addr >= fk.c0_len + fk.c1_len))
			return -EINVAL;
		if (r.src.space == MOCK_ACCEL_IOC_SPACE_BUF)
			s = fk_bus(s, &n);
		if (r.dst.space == MOCK_ACCEL_IOC_SPACE_BUF)
			d = fk_bus(d, &n);
		if (r.src.space == MOCK_ACCEL_IOC_SPACE_DEV)
			ctrl |= MOCK_ACCEL_DMA_CTRL_SRC_DEV;
		if (r.dst.space == MOCK_ACCEL_IOC_SPACE_DEV)
			ctrl |= MOCK_ACCEL_DMA_CTRL_DST_DEV;
		r.dev_status = fk_hw(ctrl, s, d, r.len, r.pattern, r.raw_vector, &res);
		r.dev_ops = 1;
		r.result = res;
		r.elapsed_ns = 1000;
		ret = MOCK_ACCEL_DMA_STATE(r.dev_status) == MOCK_ACCEL_DMA_STATE_DONE ? 0 : -EIO;
		*u = r;
		return ret;
	}
	if (!r.len || (us && fk_side_bad(&r.src, r.len)) || (ud && fk_side_bad(&r.dst, r.len)))
		return -EINVAL;
	if (us && ud && r.src.space == r.dst.space &&
	    r.src.addr < r.dst.addr + r.len && r.dst.addr < r.src.addr + r.len)
		return -EINVAL;
	while (pos < r.len) {
		uint64_t n = r.len - pos, s = r.src.addr + pos, d = r.dst.addr + pos;
		uint32_t ctrl = r.op | (irq ? MOCK_ACCEL_DMA_CTRL_IRQ : 0);
		uint32_t pat = r.pattern;
		unsigned rot = 8 * (pos % 4);

		if (rot)
			pat = (pat >> rot) | (pat << (32 - rot));
		if (us && r.src.space == MOCK_ACCEL_IOC_SPACE_BUF)
			s = fk_bus(s, &n);
		else if (us)
			ctrl |= MOCK_ACCEL_DMA_CTRL_SRC_DEV;
		if (ud && r.dst.space == MOCK_ACCEL_IOC_SPACE_BUF)
			d = fk_bus(d, &n);
		else if (ud)
			ctrl |= MOCK_ACCEL_DMA_CTRL_DST_DEV;
		if (r.op == MOCK_ACCEL_DMA_OP_CHECKSUM && pos)
			ctrl |= MOCK_ACCEL_DMA_CTRL_CSUM_CONTINUE;
		r.dev_status = fk_hw(ctrl, s, d, n, pat, MOCK_ACCEL_MSIX_VEC_DMA, &res);
		r.dev_ops++;
		r.elapsed_ns += 1000;
		if (MOCK_ACCEL_DMA_STATE(r.dev_status) != MOCK_ACCEL_DMA_STATE_DONE) {
			ret = -EIO;
			break;
		}
		if (r.op == MOCK_ACCEL_DMA_OP_CHECKSUM)
			r.result = res;
		else
			bytes += res;
		pos += n;
	}
	if (r.op != MOCK_ACCEL_DMA_OP_CHECKSUM)
		r.result = bytes;
	*u = r;
	return ret;
}

static int fk_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = 0;

	(void)fd;
	if (req == MOCK_ACCEL_IOC_INFO) {
		struct mock_accel_info *i = arg;

		memset(i, 0, sizeof(*i));
		i->abi_version = MOCK_ACCEL_ABI_VERSION;
		i->flags = MOCK_ACCEL_INFO_IRQ;
		i->vf_id = -1;
		i->capabilities = fk.caps;
		i->memory_size = FK_MEM;
		i->fw_version = MOCK_ACCEL_FW_VERSION;
		i->buf_node = -1;
	} else if (req == MOCK_ACCEL_IOC_BUF_ALLOC) {
		struct mock_accel_buf *b = arg;
		uint64_t size = (b->size + 4095) & ~4095ULL;

		if (fk.buf || !size || size > (256ULL << 20)) {
			ret = fk.buf ? -EBUSY : -EINVAL;
		} else {
			fk.c0_len = size < (4ULL << 20) ? size : (4ULL << 20);
			fk.c1_len = size - fk.c0_len;
			fk.buf = calloc(1, size);
			b->size = size;
			b->actual_node = 0;
			b->chunks = fk.c1_len ? 2 : 1;
			b->max_chunk = fk.c0_len;
		}
	} else if (req == MOCK_ACCEL_IOC_DMA) {
		ret = fk_dma(arg);
	} else {
		ret = -ENOTTY;
	}
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}

static void *fk_mmap(size_t len, int fd)
{
	(void)fd;
	assert_int_equal(len, fk.c0_len + fk.c1_len);
	return fk.buf;
}

static int fk_munmap(void *p, size_t len)
{
	(void)p;
	(void)len;
	return 0;
}

static int fk_setup(void **state)
{
	struct fake *f;
	char p[300];
	uint8_t cfg[64] = { [4] = 0x06 };	/* memory space + bus master */
	FILE *o;

	fake_setup(state);
	f = *state;
	memset(&fk, 0, sizeof(fk));
	fk.mem = calloc(1, FK_MEM);
	fk.caps = MOCK_ACCEL_CAP_COMPUTE | MOCK_ACCEL_CAP_DMA | MOCK_ACCEL_CAP_MSIX;
	snprintf(fk.config, sizeof(fk.config), "%s/devices/0000:11:00.0/config", f->dir);
	o = fopen(fk.config, "w");
	assert_non_null(o);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), o), sizeof(cfg));
	fclose(o);
	snprintf(p, sizeof(p), "%s/dev", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	setenv("MOCK_ACCEL_DEVDIR", p, 1);
	setenv("MOCK_ACCEL_SYSFS", f->cls, 1);
	snprintf(p, sizeof(p), "%s/dev/mock-accel0", f->dir);
	put(f->dir, "dev/mock-accel0", "");
	snprintf(p, sizeof(p), "%s/iomem", f->dir);
	put(f->dir, "iomem", fk_iomem);
	iomem_path = strdup(p);
	io_ioctl = fk_ioctl;
	io_mmap = fk_mmap;
	io_munmap = fk_munmap;
	return 0;
}

static int fk_teardown(void **state)
{
	io_ioctl = sys_ioctl;
	io_mmap = sys_mmap;
	io_munmap = munmap;
	free((void *)iomem_path);
	iomem_path = "/proc/iomem";
	unsetenv("MOCK_ACCEL_DEVDIR");
	unsetenv("MOCK_ACCEL_SYSFS");
	free(fk.mem);
	free(fk.buf);
	return fake_teardown(state);
}

/* Run the tool with @argv, its stdout into a malloc'ed string. */
static int run_tool(struct fake *f, char **out, int argc, char **argv)
{
	char path[300];
	int saved, fd, rc;
	FILE *in;
	long n;

	snprintf(path, sizeof(path), "%s/out", f->dir);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	rc = mock_accel_tool_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	in = fopen(path, "r");
	fseek(in, 0, SEEK_END);
	n = ftell(in);
	rewind(in);
	*out = calloc(1, n + 1);
	assert_int_equal(fread(*out, 1, n, in), (size_t)n);
	fclose(in);
	return rc;
}

/* Print the "not ok" lines (diagnosis when an assertion below fails). */
static void show_failures(const char *out)
{
	const char *p = out;

	while ((p = strstr(p, "not ok"))) {
		const char *e = strchr(p, '\n');

		printf("    %.*s\n", (int)(e ? e - p : (long)strlen(p)), p);
		p = e ? e : p + strlen(p);
	}
}

static void test_selftest_fake(void **state)
{
	char *argv[] = { "mock-accel-tool", "selftest", "mock0", NULL }, *out;
	int rc = run_tool(*state, &out, 3, argv);

	show_failures(out);
	if (getenv("MOCK_ACCEL_TEST_VERBOSE"))
		fputs(out, stderr);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "@@FACT selftest_mock0=pass\n"));
	assert_null(strstr(out, "not ok"));
	assert_null(strstr(out, "SKIP"));	/* every device check ran */
	assert_non_null(strstr(out, "device refuses guest checksum in the hole"));
	assert_non_null(strstr(out, "device refuses a guest copy with Bus Master Enable clear"));
	assert_false(fk.stray);
	assert_true(fk.ops > 100);
	assert_true(fk_busmaster());		/* restored */
	free(out);
}

static void test_selftest_fake_overlap_bug(void **state)
{
	char *argv[] = { "mock-accel-tool", "selftest", "mock0", NULL }, *out;
	int rc;

	fk.buggy_overlap = true;
	rc = run_tool(*state, &out, 3, argv);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "not ok"));
	assert_non_null(strstr(out, "device refuses overlapping device copy with overlap (got success"));
	assert_non_null(strstr(out, "@@FACT selftest_mock0=fail\n"));
	free(out);
}

static void test_selftest_fake_copy_bug(void **state)
{
	char *argv[] = { "mock-accel-tool", "selftest", "mock0", NULL }, *out;
	int rc;

	fk.buggy_copy = true;
	rc = run_tool(*state, &out, 3, argv);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "not ok 1 - copy len=1 "));
	free(out);
}

static void test_selftest_no_dma(void **state)
{
	char *argv[] = { "mock-accel-tool", "selftest", "mock0", NULL }, *out;
	int rc;

	fk.caps = MOCK_ACCEL_CAP_COMPUTE;	/* the out-of-tree device */
	rc = run_tool(*state, &out, 3, argv);
	assert_int_equal(rc, 77);
	assert_non_null(strstr(out, "@@FACT selftest_mock0=skip\n"));
	free(out);
}

static void test_bench_fake(void **state)
{
	char *argv[] = { "mock-accel-tool", "bench", "mock0", "--size", "1M", "--iters", "2", NULL };
	char *out;
	int rc = run_tool(*state, &out, 7, argv);

	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "@@BENCH dev=mock0 dir=h2d size=1048576 iters=2 buf_node=0 "));
	assert_non_null(strstr(out, "@@BENCH dev=mock0 dir=d2h size=1048576 iters=2 buf_node=0 "));
	assert_non_null(strstr(out, " dev_mbps="));
	free(out);
}

static void test_bench_bad_args(void **state)
{
	char *big[] = { "mock-accel-tool", "bench", "mock0", "--size", "16M", NULL };
	char *junk[] = { "mock-accel-tool", "bench", "mock0", "--size", "1X", NULL };
	char *out;

	assert_int_equal(run_tool(*state, &out, 5, big), 2);	/* > device memory */
	free(out);
	assert_int_equal(run_tool(*state, &out, 5, junk), 2);
	free(out);
}

/* ---- fuzz ------------------------------------------------------------------- */

/* The fuzz's guest destinations are never RAM: past its end, or wrapping. */
static void test_fuzz_bad_gpa(void **state)
{
	const uint64_t ram_end = 0x140000000ULL;
	uint64_t rng = 42, i, len, a;
	unsigned past = 0, wrap = 0;

	(void)state;
	for (i = 0; i < 200000; i++) {
		len = 1 + rng_next(&rng) % (1ULL << 30);
		a = fz_bad_gpa(&rng, ram_end, len);
		if (a >= ram_end && a < (1ULL << 52))
			past++;
		else if (a + len < a || a + len == 0)
			wrap++;
		else
			fail_msg("0x%llx + %llu is neither past RAM nor wrapping",
				 (unsigned long long)a, (unsigned long long)len);
	}
	assert_true(past > 100000 && wrap > 50000);	/* both kinds used */
}

/* It refuses functions a driver holds (the kernel would not map BAR0) and
 * functions that are not mock-accel. */
static void test_fuzz_refuses(void **state)
{
	struct fake *fk = *state;
	char *argv[] = { "mock-accel-tool", "fuzz", "0000:11:00.0", NULL }, *out;
	char d[256], link[300];

	snprintf(d, sizeof(d), "%s/devices", fk->dir);
	setenv("MOCK_ACCEL_PCI_SYSFS", d, 1);
	snprintf(d, sizeof(d), "%s/devices/0000:11:00.0", fk->dir);
	put(d, "vendor", "0x8086");
	assert_int_equal(run_tool(fk, &out, 3, argv), 1);
	free(out);
	put(d, "vendor", "0x1de5");
	snprintf(link, sizeof(link), "%s/driver", d);
	assert_int_equal(symlink("/nonexistent/mock-accel", link), 0);
	assert_int_equal(run_tool(fk, &out, 3, argv), 2);
	free(out);
	argv[2] = "0000:99:00.0";
	assert_int_equal(run_tool(fk, &out, 3, argv), 1);
	free(out);
	unsetenv("MOCK_ACCEL_PCI_SYSFS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regs_layout),
		cmocka_unit_test(test_abi_layout),
		cmocka_unit_test(test_fnv1a64),
		cmocka_unit_test(test_fill_bytes),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_names_and_status),
		cmocka_unit_test(test_parse_iomem),
		cmocka_unit_test(test_list_missing_class),
		cmocka_unit_test_setup_teardown(test_list, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_resolve, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_selftest_fake, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_selftest_fake_overlap_bug, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_selftest_fake_copy_bug, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_selftest_no_dma, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_bench_fake, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_bench_bad_args, fk_setup, fk_teardown),
		cmocka_unit_test(test_fuzz_bad_gpa),
		cmocka_unit_test_setup_teardown(test_fuzz_refuses, fk_setup, fk_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
