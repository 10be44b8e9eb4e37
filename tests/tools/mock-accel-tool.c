/*
 * mock-accel-tool: the guest-side tool for mvmm's mock accelerator (static,
 * copied into the inner guest). Talks to guest-kmod/mock-accel.ko through
 * /sys/class/mock-accel and /dev/mock-accelN[_vfM] (mock_accel_ioctl.h).
 *
 *   mock-accel-tool list
 *       one line per /sys/class/mock-accel device:
 *       @@MOCK name=mock0 type=pf pci=0000:11:00.0 numa_node=0 uuid=...
 *              memory_size=... capabilities=0x... fw_version=1.0.0
 *              status=0x... [sriov_totalvfs=N sriov_numvfs=N]
 *       then @@FACT mock_accel_count=N
 *   mock-accel-tool info DEV
 *       the driver's view of DEV as @@INFO key=value lines
 *   mock-accel-tool selftest DEV [--node K] [--poll] [--no-raw]
 *       copy / fill / checksum correctness over varied sizes and offsets,
 *       requests the driver must refuse, and (as root, through raw DMA)
 *       requests the device itself must refuse: bad op, bad vector, zero
 *       length, overflow, guest addresses outside RAM, device ranges beyond
 *       memory, overlap, Bus Master Enable clear. TAP-like "ok N - ..." /
 *       "not ok N - ..." lines, then
 *       @@FACT selftest_<name>=pass|fail and selftest_<name>_checks=P/T
 *   mock-accel-tool bench DEV [--size N] [--node K] [--iters N] [--poll]
 *                             [--cpu C] [--dev-offset N]
 *       buffer of N bytes (default 16M) on guest node K (default: the
 *       device's); copies it to device memory and back, and prints
 *       @@BENCH dev=... dir=h2d|d2h size=... iters=... buf_node=...
 *               dev_node=... mbps=... dev_mbps=...
 *       (MB = 10^6 bytes; mbps from wall time around the ioctls, dev_mbps
 *       from the driver's doorbell-to-completion time)
 *   mock-accel-tool fuzz PCI-ADDR... [--seed N] [--rounds N] [--doorbells N]
 *       a misbehaving guest against functions no driver holds: garbage into
 *       every BAR0 offset (registers, DMA block, MSI-X table and PBA) at
 *       every width and alignment, garbage doorbells, bad guest addresses
 *       (past RAM, wrapping) with Bus Master Enable on; then the function
 *       must still answer. @@FACT fuzz_<addr>=pass|fail and a histogram.
 * DEV: mock0, mock0_vf1, /dev/mock-accel0, or a PCI address (0000:11:00.0).
 * Exit status: 0 ok, 1 failure, 2 usage, 77 the device has no DMA engine.
 * MOCK_ACCEL_SYSFS, MOCK_ACCEL_DEVDIR and MOCK_ACCEL_PCI_SYSFS override
 * /sys/class/mock-accel, /dev and /sys/bus/pci/devices (unit tests).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest-kmod/mock_accel_ioctl.h"

#define TOOL "mock-accel-tool"
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define NAME_MAX_LEN 64

/* I/O seams: the unit test swaps in a fake driver and device. */
static int sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static void *sys_mmap(size_t len, int fd)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

static int (*io_ioctl)(int fd, unsigned long req, void *arg) = sys_ioctl;
static void *(*io_mmap)(size_t len, int fd) = sys_mmap;
static int (*io_munmap)(void *p, size_t len) = munmap;
static const char *iomem_path = "/proc/iomem";

/* ---- small helpers (unit-tested) ---------------------------------------- */

static const char *sysfs_root(void)
{
	const char *r = getenv("MOCK_ACCEL_SYSFS");

	return r && *r ? r : "/sys/class/mock-accel";
}

static const char *dev_dir(void)
{
	const char *d = getenv("MOCK_ACCEL_DEVDIR");

	return d && *d ? d : "/dev";
}

/* "4096", "4K", "16M", "1G", "0x1000": bytes; -EINVAL on junk or overflow. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static const char *dma_state_name(uint32_t st)
{
	static const char *const names[] = { "idle", "busy", "done", "error" };
	uint32_t s = MOCK_ACCEL_DMA_STATE(st);

	return s < 4 ? names[s] : "unknown";
}

static const char *dma_err_name(uint32_t err)
{
	static const char *const names[] = {
		[MOCK_ACCEL_DMA_ERR_NONE] = "none",
		[MOCK_ACCEL_DMA_ERR_BAD_OP] = "bad_op",
		[MOCK_ACCEL_DMA_ERR_BAD_VECTOR] = "bad_vector",
		[MOCK_ACCEL_DMA_ERR_BAD_LEN] = "bad_len",
		[MOCK_ACCEL_DMA_ERR_OVERFLOW] = "overflow",
		[MOCK_ACCEL_DMA_ERR_BAD_ADDR] = "bad_addr",
		[MOCK_ACCEL_DMA_ERR_DEV_RANGE] = "dev_range",
		[MOCK_ACCEL_DMA_ERR_OVERLAP] = "overlap",
		[MOCK_ACCEL_DMA_ERR_NO_BUSMASTER] = "no_busmaster",
		[MOCK_ACCEL_DMA_ERR_ABORTED] = "aborted",
	};

	return err <= MOCK_ACCEL_DMA_ERR_MAX ? names[err] : "unknown";
}

/* "done", "error:overlap", "done+dropped" ... into @buf. */
static const char *dma_status_str(uint32_t st, char *buf, size_t len)
{
	if (MOCK_ACCEL_DMA_STATE(st) == MOCK_ACCEL_DMA_STATE_ERROR)
		snprintf(buf, len, "error:%s%s", dma_err_name(MOCK_ACCEL_DMA_ERR(st)),
			 st & MOCK_ACCEL_DMA_STATUS_DROPPED ? "+dropped" : "");
	else
		snprintf(buf, len, "%s%s", dma_state_name(st),
			 st & MOCK_ACCEL_DMA_STATUS_DROPPED ? "+dropped" : "");
	return buf;
}

/* Canonical 8-4-4-4-12 from RFC 4122-ordered bytes. */
static void uuid_str(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

/* mockN / mockN_vfM: valid class device name? */
static bool is_mock_name(const char *s)
{
	const char *p = s;

	if (strncmp(p, "mock", 4))
		return false;
	p += 4;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (!*p)
		return true;
	if (strncmp(p, "_vf", 3))
		return false;
	p += 3;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return !*p;
}

/* Read sysfs attribute @dir/@attr, first line without newline; -errno. */
static int read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		int e = ferror(f) ? -EIO : -ENODATA;

		fclose(f);
		return e;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

/* basename of the target of @dir/device (the PCI address), or -errno. */
static int read_pci_addr(const char *dir, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/device", dir);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (snprintf(buf, len, "%s", base) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strverscmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Class device names under @root, naturally sorted (mock2 before mock10,
 * mock0 before mock0_vf0). Returns the count (names malloc'ed into *@out)
 * or -errno.
 */
static int list_names(const char *root, char ***out)
{
	DIR *d = opendir(root);
	struct dirent *e;
	char **names = NULL;
	int n = 0, cap = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!is_mock_name(e->d_name))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names));

			if (!nn)
				goto nomem;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			goto nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	return n;
nomem:
	closedir(d);
	while (n--)
		free(names[n]);
	free(names);
	return -ENOMEM;
}

static void free_names(char **names, int n)
{
	while (n-- > 0)
		free(names[n]);
	free(names);
}

/* One "@@MOCK ..." line for class device @name under @root. */
static void print_device(FILE *out, const char *root, const char *name)
{
	static const char *const attrs[] = {
		"numa_node", "uuid", "memory_size", "capabilities", "fw_version", "status",
	};
	char dir[PATH_MAX], val[256];
	bool vf = strstr(name, "_vf") != NULL;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	fprintf(out, "@@MOCK name=%s type=%s", name, vf ? "vf" : "pf");
	if (read_pci_addr(dir, val, sizeof(val)))
		snprintf(val, sizeof(val), "none");
	fprintf(out, " pci=%s", val);
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (read_attr(dir, attrs[i], val, sizeof(val)) || !*val)
			snprintf(val, sizeof(val), "none");
		fprintf(out, " %s=%s", attrs[i], val);
	}
	if (!vf) {
		if (read_attr(dir, "sriov_totalvfs", val, sizeof(val)) || !*val)
			snprintf(val, sizeof(val), "none");
		fprintf(out, " sriov_totalvfs=%s", val);
		if (read_attr(dir, "sriov_numvfs", val, sizeof(val)) || !*val)
			snprintf(val, sizeof(val), "none");
		fprintf(out, " sriov_numvfs=%s", val);
	}
	fputc('\n', out);
}

static int cmd_list(FILE *out, const char *root)
{
	char **names;
	int n, i;

	n = list_names(root, &names);
	if (n < 0) {
		fprintf(stderr, TOOL ": %s: %s (is mock-accel.ko loaded?)\n", root, strerror(-n));
		return 1;
	}
	for (i = 0; i < n; i++)
		print_device(out, root, names[i]);
	fprintf(out, "@@FACT mock_accel_count=%d\n", n);
	free_names(names, n);
	return 0;
}

/*
 * DEV argument -> class device name and character device path. Accepts
 * mockN[_vfM], a /dev path (mock-accelN[_vfM]) and a PCI address (with or
 * without the 0000: domain). 0 or -errno.
 */
static int resolve_dev(const char *arg, const char *root, const char *devdir,
		       char name[NAME_MAX_LEN], char *path, size_t path_len)
{
	if (arg[0] == '/') {
		const char *base = strrchr(arg, '/') + 1;

		if (strncmp(base, "mock-accel", 10))
			return -EINVAL;
		snprintf(name, NAME_MAX_LEN, "mock%s", base + 10);
		if (!is_mock_name(name))
			return -EINVAL;
		snprintf(path, path_len, "%s", arg);
		return 0;
	}
	if (is_mock_name(arg)) {
		snprintf(name, NAME_MAX_LEN, "%s", arg);
	} else if (strchr(arg, ':')) {
		char want[64], pci[64], dir[PATH_MAX], **names;
		int n, i, found = -1;

		if (strlen(arg) > 40)
			return -EINVAL;
		/* bb:dd.f -> 0000:bb:dd.f */
		snprintf(want, sizeof(want), "%s%s",
			 strchr(arg, ':') == strrchr(arg, ':') ? "0000:" : "", arg);
		n = list_names(root, &names);
		if (n < 0)
			return n;
		for (i = 0; i < n && found < 0; i++) {
			snprintf(dir, sizeof(dir), "%s/%s", root, names[i]);
			if (!read_pci_addr(dir, pci, sizeof(pci)) && !strcasecmp(pci, want))
				found = i;
		}
		if (found >= 0)
			snprintf(name, NAME_MAX_LEN, "%s", names[found]);
		free_names(names, n);
		if (found < 0)
			return -ENOENT;
	} else {
		return -EINVAL;
	}
	if (snprintf(path, path_len, "%s/mock-accel%s", devdir, name + 4) >= (int)path_len)
		return -ENAMETOOLONG;
	return 0;
}

/* xorshift64*: reproducible test data. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void rng_fill(uint8_t *p, uint64_t len, uint64_t seed)
{
	uint64_t s = seed ? seed : 1;

	while (len >= 8) {
		uint64_t v = rng_next(&s);

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = rng_next(&s);

		memcpy(p, &v, len);
	}
}

/* First byte index where @p differs from a FILL with @pattern, or -1. */
static int64_t fill_mismatch(const uint8_t *p, uint64_t len, uint32_t pattern)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (p[i] != mock_accel_fill_byte(pattern, i))
			return (int64_t)i;
	return -1;
}

/*
 * From /proc/iomem-format text: the end (exclusive) of the highest
 * top-level "System RAM" range, and the start of the first hole between
 * two of them above 1 MiB (0 if none). 0 or -ENOENT (no RAM lines, e.g.
 * addresses hidden from non-root).
 */
static int parse_iomem(FILE *f, uint64_t *ram_end, uint64_t *hole)
{
	char line[256];
	uint64_t prev_end = 0, end_max = 0;

	*hole = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (line[0] == ' ')	/* nested resource */
			continue;
		if (sscanf(line, "%llx-%llx", &a, &b) != 2 || !strstr(line, ": System RAM"))
			continue;
		if (b == 0)
			continue;
		if (!*hole && prev_end >= 0x100000 && a > prev_end)
			*hole = prev_end;
		prev_end = (uint64_t)b + 1;
		if (prev_end > end_max)
			end_max = prev_end;
	}
	if (!end_max)
		return -ENOENT;
	*ram_end = end_max;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the device ------------------------------------------------------------ */

struct dev {
	char name[NAME_MAX_LEN];
	char path[PATH_MAX];
	int fd;
	struct mock_accel_info info;
	uint8_t *buf;
	uint64_t buf_size;
	struct mock_accel_buf alloc;
};

static int dev_open(struct dev *d, const char *arg)
{
	int r = resolve_dev(arg, sysfs_root(), dev_dir(), d->name, d->path, sizeof(d->path));

	d->fd = -1;
	d->buf = NULL;
	if (r) {
		fprintf(stderr, TOOL ": %s: %s\n", arg, r == -ENOENT ?
			"no such mock-accel device" : "expected mockN[_vfM], /dev/mock-accel..., or a PCI address");
		return r;
	}
	d->fd = open(d->path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		r = -errno;
		fprintf(stderr, TOOL ": %s: %s\n", d->path, strerror(errno));
		return r;
	}
	if (io_ioctl(d->fd, MOCK_ACCEL_IOC_INFO, &d->info)) {
		r = -errno;
		fprintf(stderr, TOOL ": %s: INFO: %s\n", d->path, strerror(errno));
		return r;
	}
	if (d->info.abi_version != MOCK_ACCEL_ABI_VERSION) {
		fprintf(stderr, TOOL ": %s: driver ABI %u, tool ABI %u\n", d->path,
			d->info.abi_version, MOCK_ACCEL_ABI_VERSION);
		return -EPROTO;
	}
	return 0;
}

static int dev_buf(struct dev *d, uint64_t size, int node)
{
	void *p;

	memset(&d->alloc, 0, sizeof(d->alloc));
	d->alloc.size = size;
	d->alloc.node = node;
	if (io_ioctl(d->fd, MOCK_ACCEL_IOC_BUF_ALLOC, &d->alloc)) {
		int r = -errno;

		fprintf(stderr, TOOL ": %s: BUF_ALLOC %" PRIu64 " bytes on node %d: %s\n",
			d->name, size, node, strerror(errno));
		return r;
	}
	p = io_mmap(d->alloc.size, d->fd);
	if (p == MAP_FAILED) {
		int r = -errno;

		fprintf(stderr, TOOL ": %s: mmap: %s\n", d->name, strerror(errno));
		return r;
	}
	d->buf = p;
	d->buf_size = d->alloc.size;
	return 0;
}

static void dev_close(struct dev *d)
{
	if (d->buf)
		io_munmap(d->buf, d->buf_size);
	if (d->fd >= 0)
		close(d->fd);
}

/* One DMA request; 0 or -errno (the struct is filled back either way). */
static int dma(struct dev *d, struct mock_accel_dma *r)
{
	return io_ioctl(d->fd, MOCK_ACCEL_IOC_DMA, r) ? -errno : 0;
}

static struct mock_accel_dma req(uint32_t op, uint32_t sspace, uint64_t saddr,
				 uint32_t dspace, uint64_t daddr, uint64_t len,
				 uint32_t flags)
{
	struct mock_accel_dma r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.src.space = sspace;
	r.src.addr = saddr;
	r.dst.space = dspace;
	r.dst.addr = daddr;
	r.len = len;
	r.flags = flags;
	return r;
}

static int cmd_info(struct dev *d)
{
	char u[37], st[48];

	uuid_str(d->info.uuid, u);
	printf("@@INFO name=%s path=%s pci=%04x:%02x:%02x.%u type=%s numa_node=%d\n",
	       d->name, d->path, d->info.pci_domain, d->info.pci_bus,
	       d->info.pci_devfn >> 3, d->info.pci_devfn & 7,
	       d->info.flags & MOCK_ACCEL_INFO_VF ? "vf" : "pf", d->info.numa_node);
	printf("@@INFO uuid=%s memory_size=%" PRIu64 " capabilities=0x%08x fw_version=%u.%u.%u status=0x%08x\n",
	       u, (uint64_t)d->info.memory_size, d->info.capabilities,
	       MOCK_ACCEL_FW_MAJOR(d->info.fw_version), MOCK_ACCEL_FW_MINOR(d->info.fw_version),
	       MOCK_ACCEL_FW_PATCH(d->info.fw_version), d->info.status);
	printf("@@INFO dma=%s irq=%s wedged=%s dma_status=%s dma_seq=%u\n",
	       d->info.capabilities & MOCK_ACCEL_CAP_DMA ? "yes" : "no",
	       d->info.flags & MOCK_ACCEL_INFO_IRQ ? "msix" : "poll",
	       d->info.flags & MOCK_ACCEL_INFO_WEDGED ? "yes" : "no",
	       dma_status_str(d->info.dma_status, st, sizeof(st)), d->info.dma_seq);
	return 0;
}

/* ---- selftest --------------------------------------------------------------- */

struct st {
	struct dev *d;
	uint32_t flags;		/* MOCK_ACCEL_DMA_F_POLL or 0 */
	int n, passed, failed;
	uint8_t *ref;		/* scratch of buf_size */
};

static bool check(struct st *s, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool check(struct st *s, bool ok, const char *fmt, ...)
{
	va_list ap;

	s->n++;
	printf("%s %d - ", ok ? "ok" : "not ok", s->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		s->passed++;
	else
		s->failed++;
	return ok;
}

/* Run @r expecting success; on failure print why. */
static bool run_ok(struct st *s, struct mock_accel_dma *r, const char *what)
{
	char st[48];
	int e;

	r->flags |= s->flags;
	e = dma(s->d, r);
	if (!e)
		return true;
	check(s, false, "%s: %s (device status %s)", what, strerror(-e),
	      dma_status_str(r->dev_status, st, sizeof(st)));
	return false;
}

/* Copy to the device, checksum there, read back, checksum the buffer. */
static void st_copy_case(struct st *s, uint64_t len, uint64_t boff, uint64_t doff)
{
	struct dev *d = s->d;
	uint8_t *b = d->buf;
	uint64_t want, seed = len * 131 + boff * 7 + doff;
	struct mock_accel_dma r;
	unsigned ops;
	bool guard_lo = boff > 0, guard_hi = boff + len < d->buf_size;
	char what[128];

	snprintf(what, sizeof(what), "copy len=%" PRIu64 " buf_off=%" PRIu64 " dev_off=%" PRIu64,
		 len, boff, doff);
	rng_fill(s->ref, len, seed);
	memcpy(b + boff, s->ref, len);
	want = mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, s->ref, len);

	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, boff,
		MOCK_ACCEL_IOC_SPACE_DEV, doff, len, 0);
	if (!run_ok(s, &r, what))
		return;
	if (r.result != len) {
		check(s, false, "%s: result %" PRIu64 " bytes", what, (uint64_t)r.result);
		return;
	}
	ops = r.dev_ops;
	r = req(MOCK_ACCEL_DMA_OP_CHECKSUM, MOCK_ACCEL_IOC_SPACE_DEV, doff, 0, 0, len, 0);
	if (!run_ok(s, &r, what))
		return;
	if (r.result != want) {
		check(s, false, "%s: device checksum %016" PRIx64 ", expected %016" PRIx64,
		      what, (uint64_t)r.result, want);
		return;
	}
	memset(b + boff, 0, len);
	if (guard_lo)
		b[boff - 1] = 0x5a;
	if (guard_hi)
		b[boff + len] = 0xa5;
	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_DEV, doff,
		MOCK_ACCEL_IOC_SPACE_BUF, boff, len, 0);
	if (!run_ok(s, &r, what))
		return;
	if (memcmp(b + boff, s->ref, len)) {
		check(s, false, "%s: data read back differs", what);
		return;
	}
	if ((guard_lo && b[boff - 1] != 0x5a) || (guard_hi && b[boff + len] != 0xa5)) {
		check(s, false, "%s: read back wrote outside its range", what);
		return;
	}
	r = req(MOCK_ACCEL_DMA_OP_CHECKSUM, MOCK_ACCEL_IOC_SPACE_BUF, boff, 0, 0, len, 0);
	if (!run_ok(s, &r, what))
		return;
	check(s, r.result == want, "%s (%u device ops per copy)", what, ops);
}

/* FILL device memory between known guard bytes, and FILL the buffer. */
static void st_fill_case(struct st *s, uint64_t len, uint64_t boff, uint64_t doff,
			 uint32_t pattern)
{
	struct dev *d = s->d;
	uint8_t *b = d->buf;
	uint64_t mem = d->info.memory_size;
	uint64_t lo = doff ? 1 : 0, hi = doff + len < mem ? 1 : 0;
	struct mock_accel_dma r;
	char what[128];
	int64_t bad;

	snprintf(what, sizeof(what), "fill len=%" PRIu64 " buf_off=%" PRIu64
		 " dev_off=%" PRIu64 " pattern=0x%08x", len, boff, doff, pattern);
	/* device: guard, fill, read back [doff - lo, doff + len + hi) */
	memset(b, 0x3c, len + lo + hi);
	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
		MOCK_ACCEL_IOC_SPACE_DEV, doff - lo, len + lo + hi, 0);
	if (!run_ok(s, &r, what))
		return;
	r = req(MOCK_ACCEL_DMA_OP_FILL, 0, 0, MOCK_ACCEL_IOC_SPACE_DEV, doff, len, 0);
	r.pattern = pattern;
	if (!run_ok(s, &r, what))
		return;
	memset(b, 0, len + lo + hi);
	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_DEV, doff - lo,
		MOCK_ACCEL_IOC_SPACE_BUF, 0, len + lo + hi, 0);
	if (!run_ok(s, &r, what))
		return;
	bad = fill_mismatch(b + lo, len, pattern);
	if (bad >= 0) {
		check(s, false, "%s: device byte %" PRId64 " is 0x%02x", what, bad, b[lo + bad]);
		return;
	}
	if ((lo && b[0] != 0x3c) || (hi && b[lo + len] != 0x3c)) {
		check(s, false, "%s: device fill wrote outside its range", what);
		return;
	}
	/* buffer: guard bytes around [boff, boff + len) */
	memset(b + (boff ? boff - 1 : 0), 0x3c, len + (boff ? 1 : 0) +
	       (boff + len < d->buf_size ? 1 : 0));
	r = req(MOCK_ACCEL_DMA_OP_FILL, 0, 0, MOCK_ACCEL_IOC_SPACE_BUF, boff, len, 0);
	r.pattern = pattern;
	if (!run_ok(s, &r, what))
		return;
	bad = fill_mismatch(b + boff, len, pattern);
	if (bad >= 0) {
		check(s, false, "%s: buffer byte %" PRId64 " is 0x%02x", what, bad, b[boff + bad]);
		return;
	}
	check(s, (!boff || b[boff - 1] == 0x3c) &&
	      (boff + len >= d->buf_size || b[boff + len] == 0x3c), "%s", what);
}

/* Device-to-device and buffer-to-buffer copies. */
static void st_same_space(struct st *s)
{
	struct dev *d = s->d;
	uint64_t len = 100000, half = d->buf_size / 2;
	uint64_t want;
	struct mock_accel_dma r;

	if (d->info.memory_size < 2 * len + 8192 || d->buf_size < 2 * len)
		return;
	rng_fill(s->ref, len, 4242);
	memcpy(d->buf, s->ref, len);
	want = mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, s->ref, len);
	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
		MOCK_ACCEL_IOC_SPACE_DEV, 0, len, 0);
	if (!run_ok(s, &r, "dev-to-dev copy: setup"))
		return;
	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_DEV, 0,
		MOCK_ACCEL_IOC_SPACE_DEV, len + 4096 + 3, len, 0);
	if (!run_ok(s, &r, "dev-to-dev copy"))
		return;
	r = req(MOCK_ACCEL_DMA_OP_CHECKSUM, MOCK_ACCEL_IOC_SPACE_DEV, len + 4096 + 3, 0, 0, len, 0);
	if (run_ok(s, &r, "dev-to-dev copy: checksum"))
		check(s, r.result == want, "dev-to-dev copy len=%" PRIu64, len);

	memset(d->buf + half, 0, len);
	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
		MOCK_ACCEL_IOC_SPACE_BUF, half + 1, len, 0);
	if (run_ok(s, &r, "buf-to-buf copy"))
		check(s, !memcmp(d->buf + half + 1, s->ref, len), "buf-to-buf copy len=%" PRIu64, len);
}

/* Requests the driver refuses before the device sees them. */
static void st_driver_refuses(struct st *s)
{
	struct dev *d = s->d;
	uint64_t mem = d->info.memory_size;
	const struct {
		const char *what;
		struct mock_accel_dma r;
	} cases[] = {
		{ "zero length", req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
				     MOCK_ACCEL_IOC_SPACE_DEV, 0, 0, 0) },
		{ "device offset at memory_size", req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
						      MOCK_ACCEL_IOC_SPACE_DEV, mem, 1, 0) },
		{ "device range past memory_size", req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
						       MOCK_ACCEL_IOC_SPACE_DEV, mem - 10, 11, 0) },
		{ "length beyond device memory", req(MOCK_ACCEL_DMA_OP_CHECKSUM, MOCK_ACCEL_IOC_SPACE_DEV, 0,
						     0, 0, mem + 1, 0) },
		{ "device offset overflow", req(MOCK_ACCEL_DMA_OP_FILL, 0, 0, MOCK_ACCEL_IOC_SPACE_DEV,
						UINT64_MAX - 4095, 8192, 0) },
		{ "buffer range past its end", req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF,
						   d->buf_size - 100, MOCK_ACCEL_IOC_SPACE_DEV, 0, 101, 0) },
		{ "unknown op", req(7, MOCK_ACCEL_IOC_SPACE_BUF, 0, MOCK_ACCEL_IOC_SPACE_DEV, 0, 16, 0) },
		{ "raw GPA without F_RAW", req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_GPA, 0x100000,
					       MOCK_ACCEL_IOC_SPACE_DEV, 0, 16, 0) },
		{ "overlapping device copy", req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_DEV, 0,
						 MOCK_ACCEL_IOC_SPACE_DEV, 4096, 8192, 0) },
		{ "unknown flag", req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
				      MOCK_ACCEL_IOC_SPACE_DEV, 0, 16, 1u << 7) },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mock_accel_dma r = cases[i].r;
		int e = dma(d, &r);

		check(s, e == -EINVAL, "driver refuses %s (%s)", cases[i].what,
		      e ? strerror(-e) : "accepted");
	}
}

/* Raw request expected to end in device error @err, without side effects. */
static void st_raw_err(struct st *s, const char *what, struct mock_accel_dma r, unsigned err)
{
	char st[48];
	int e;

	r.flags |= MOCK_ACCEL_DMA_F_RAW | s->flags;
	e = dma(s->d, &r);
	check(s, e == -EIO && MOCK_ACCEL_DMA_STATE(r.dev_status) == MOCK_ACCEL_DMA_STATE_ERROR &&
	      MOCK_ACCEL_DMA_ERR(r.dev_status) == err,
	      "device refuses %s with %s (got %s, status %s)", what, dma_err_name(err),
	      e ? strerror(-e) : "success", dma_status_str(r.dev_status, st, sizeof(st)));
}

/* Write the function's PCI command register through sysfs. */
static int set_command(struct st *s, uint16_t *old, bool busmaster)
{
	char path[PATH_MAX];
	uint8_t v[2];
	uint16_t cmd;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s/device/config", sysfs_root(), s->d->name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, v, 2, 4) != 2) {
		r = -EIO;
		goto out;
	}
	cmd = v[0] | v[1] << 8;
	if (old)
		*old = cmd;
	cmd = busmaster ? (cmd | 4) : (cmd & ~4);
	v[0] = cmd & 0xff;
	v[1] = cmd >> 8;
	if (pwrite(fd, v, 2, 4) != 2)
		r = -EIO;
out:
	close(fd);
	return r;
}

/* Requests only the device can refuse (F_RAW, CAP_SYS_RAWIO). */
static void st_device_refuses(struct st *s)
{
	struct dev *d = s->d;
	uint64_t mem = d->info.memory_size, ram_end = 0, hole = 0;
	uint64_t sum_dev, sum_buf, probe_len = 65536;
	struct mock_accel_dma r;
	uint16_t cmd;
	FILE *f;
	int e;

	/* The raw path itself, with a request that must work. */
	rng_fill(d->buf, probe_len, 99);
	r = req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
		MOCK_ACCEL_IOC_SPACE_DEV, 0, probe_len, MOCK_ACCEL_DMA_F_RAW | s->flags);
	e = dma(d, &r);
	if (e == -EPERM) {
		printf("# SKIP device checks: raw DMA needs CAP_SYS_RAWIO\n");
		return;
	}
	if (!check(s, !e, "raw copy to device (%s)", e ? strerror(-e) : "ok"))
		return;
	/* Whatever follows must leave these bytes alone. */
	sum_dev = mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, d->buf, probe_len);
	sum_buf = mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, d->buf, d->buf_size);

#define COPY_(ss, sa, ds, da, len) req(MOCK_ACCEL_DMA_OP_COPY, ss, sa, ds, da, len, 0)
#define BUF_ MOCK_ACCEL_IOC_SPACE_BUF
#define DEV_ MOCK_ACCEL_IOC_SPACE_DEV
#define GPA_ MOCK_ACCEL_IOC_SPACE_GPA
	r = COPY_(BUF_, 0, DEV_, 0, 16);
	r.op = 0;
	st_raw_err(s, "op 0", r, MOCK_ACCEL_DMA_ERR_BAD_OP);
	r.op = 15;
	st_raw_err(s, "op 15", r, MOCK_ACCEL_DMA_ERR_BAD_OP);
	r = COPY_(BUF_, 0, DEV_, 0, 16);
	r.raw_ctrl = 1u << 20;
	st_raw_err(s, "a reserved DMA_CTRL bit", r, MOCK_ACCEL_DMA_ERR_BAD_OP);
	r = COPY_(BUF_, 0, DEV_, 0, 16);
	r.raw_ctrl = MOCK_ACCEL_DMA_CTRL_IRQ;
	r.raw_vector = 200;
	r.flags = MOCK_ACCEL_DMA_F_POLL;
	st_raw_err(s, "MSI-X vector 200", r, MOCK_ACCEL_DMA_ERR_BAD_VECTOR);
	st_raw_err(s, "zero length", COPY_(BUF_, 0, DEV_, 0, 0), MOCK_ACCEL_DMA_ERR_BAD_LEN);
	st_raw_err(s, "device source offset + length wrapping 2^64",
		   COPY_(DEV_, UINT64_MAX - 4095, BUF_, 0, 8192), MOCK_ACCEL_DMA_ERR_OVERFLOW);
	st_raw_err(s, "guest source address + length wrapping 2^64",
		   COPY_(GPA_, UINT64_MAX - 4095, DEV_, 0, 8192), MOCK_ACCEL_DMA_ERR_OVERFLOW);
	st_raw_err(s, "guest length 2^64-1",
		   COPY_(GPA_, 0x100000, DEV_, 0, UINT64_MAX), MOCK_ACCEL_DMA_ERR_OVERFLOW);
	st_raw_err(s, "guest destination at 2^50 (no RAM)",
		   COPY_(DEV_, 0, GPA_, 1ULL << 50, 4096), MOCK_ACCEL_DMA_ERR_BAD_ADDR);
	f = fopen(iomem_path, "r");
	if (f && !parse_iomem(f, &ram_end, &hole)) {
		/* Guest addresses as sources only: a buggy device reads, never writes. */
		st_raw_err(s, "guest source just past the end of RAM",
			   COPY_(GPA_, ram_end, DEV_, 0, 4096), MOCK_ACCEL_DMA_ERR_BAD_ADDR);
		st_raw_err(s, "guest source straddling the end of RAM",
			   COPY_(GPA_, ram_end - 2048, DEV_, 0, 4096), MOCK_ACCEL_DMA_ERR_BAD_ADDR);
		if (hole)
			st_raw_err(s, "guest checksum in the hole after the first RAM range",
				   req(MOCK_ACCEL_DMA_OP_CHECKSUM, GPA_, hole, 0, 0, 4096, 0),
				   MOCK_ACCEL_DMA_ERR_BAD_ADDR);
	} else {
		printf("# SKIP RAM-edge checks: /proc/iomem has no System RAM addresses\n");
	}
	if (f)
		fclose(f);
	st_raw_err(s, "device offset at memory_size", COPY_(BUF_, 0, DEV_, mem, 1),
		   MOCK_ACCEL_DMA_ERR_DEV_RANGE);
	st_raw_err(s, "device range 1 byte past memory_size", COPY_(BUF_, 0, DEV_, mem - 4095, 4096),
		   MOCK_ACCEL_DMA_ERR_DEV_RANGE);
	st_raw_err(s, "device checksum longer than memory",
		   req(MOCK_ACCEL_DMA_OP_CHECKSUM, DEV_, 0, 0, 0, mem + 1, 0),
		   MOCK_ACCEL_DMA_ERR_DEV_RANGE);
	st_raw_err(s, "fill past device memory",
		   req(MOCK_ACCEL_DMA_OP_FILL, 0, 0, DEV_, mem - 1, 2, 0),
		   MOCK_ACCEL_DMA_ERR_DEV_RANGE);
	st_raw_err(s, "overlapping device copy", COPY_(DEV_, 0, DEV_, 4096, 8192),
		   MOCK_ACCEL_DMA_ERR_OVERLAP);
	st_raw_err(s, "device copy onto itself", COPY_(DEV_, 512, DEV_, 512, 64),
		   MOCK_ACCEL_DMA_ERR_OVERLAP);
	st_raw_err(s, "overlapping guest copy", COPY_(BUF_, 0, BUF_, 100, 4096),
		   MOCK_ACCEL_DMA_ERR_OVERLAP);
	if (!set_command(s, &cmd, false)) {
		st_raw_err(s, "a guest copy with Bus Master Enable clear",
			   COPY_(BUF_, 0, DEV_, 0, 4096), MOCK_ACCEL_DMA_ERR_NO_BUSMASTER);
		set_command(s, NULL, true);
		(void)cmd;
	} else {
		printf("# SKIP busmaster check: cannot write the PCI command register\n");
	}
#undef COPY_
#undef BUF_
#undef DEV_
#undef GPA_

	/* Nothing above may have changed device memory or the buffer. */
	check(s, mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, d->buf, d->buf_size) == sum_buf,
	      "refused requests left the guest buffer untouched");
	r = req(MOCK_ACCEL_DMA_OP_CHECKSUM, MOCK_ACCEL_IOC_SPACE_DEV, 0, 0, 0, probe_len, 0);
	if (run_ok(s, &r, "device memory after refused requests"))
		check(s, r.result == sum_dev, "refused requests left device memory untouched");
}

static int cmd_selftest(struct dev *d, int node, bool poll, bool raw)
{
	/* 4 MiB + 3 pages: at least two chunks, so requests get split. */
	uint64_t size = (4ULL << 20) + 3 * 4096;
	struct st s = { .d = d, .flags = poll ? MOCK_ACCEL_DMA_F_POLL : 0 };
	uint64_t mem = d->info.memory_size, i;
	static const uint64_t lens[] = { 1, 3, 4, 5, 63, 4096, 4097, 65543, (1 << 20) + 5 };
	static const uint64_t boffs[] = { 0, 1, 4093 };

	if (!(d->info.capabilities & MOCK_ACCEL_CAP_DMA)) {
		printf("@@FACT selftest_%s=skip\n", d->name);
		fprintf(stderr, TOOL ": %s: no DMA engine (capabilities 0x%08x)\n",
			d->name, d->info.capabilities);
		return 77;
	}
	if (mem < (2ULL << 20)) {
		fprintf(stderr, TOOL ": %s: device memory %" PRIu64 " bytes is too small for the self-test (2 MiB)\n",
			d->name, mem);
		return 1;
	}
	if (dev_buf(d, size, node))
		return 1;
	s.ref = malloc(d->buf_size);
	if (!s.ref)
		return 1;
	printf("# %s: memory_size=%" PRIu64 " buffer=%" PRIu64 " bytes in %u chunks on node %d, %s\n",
	       d->name, mem, d->buf_size, d->alloc.chunks, d->alloc.actual_node,
	       poll ? "polled" : (d->info.flags & MOCK_ACCEL_INFO_IRQ ? "MSI-X" : "polled (no MSI-X)"));

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint64_t len = lens[i], boff = boffs[i % 3];
		uint64_t doffs[] = { 0, 3 + i, mem - len };
		size_t j;

		for (j = 0; j < 3; j++)
			st_copy_case(&s, len, boff, doffs[j]);
	}
	/* Across the buffer's first chunk boundary, and all of the buffer. */
	st_copy_case(&s, 5000, d->alloc.max_chunk - 1000, 12345);
	if (mem >= d->buf_size)
		st_copy_case(&s, d->buf_size, 0, mem - d->buf_size);
	st_fill_case(&s, 1, 0, 0, 0xa1b2c3d4);
	st_fill_case(&s, 7, 3, 5, 0x01020304);
	st_fill_case(&s, 4099, 4093, 1 << 20, 0xdeadbeef);
	st_fill_case(&s, 70001, 1, mem - 70001, 0x5a5a0ff0);
	st_fill_case(&s, 9000, d->alloc.max_chunk - 4001, 777, 0x89abcdef);
	st_same_space(&s);
	st_driver_refuses(&s);
	if (raw)
		st_device_refuses(&s);
	else
		printf("# SKIP device checks (--no-raw)\n");

	printf("@@FACT selftest_%s=%s\n", d->name, s.failed ? "fail" : "pass");
	printf("@@FACT selftest_%s_checks=%d/%d\n", d->name, s.passed, s.n);
	free(s.ref);
	return s.failed ? 1 : 0;
}

/* ---- bench -------------------------------------------------------------------- */

static struct mock_accel_dma bench_req(bool h2d, uint64_t size, uint64_t doff,
				       uint32_t flags)
{
	return h2d ? req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_BUF, 0,
			 MOCK_ACCEL_IOC_SPACE_DEV, doff, size, flags)
		   : req(MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_IOC_SPACE_DEV, doff,
			 MOCK_ACCEL_IOC_SPACE_BUF, 0, size, flags);
}

/* One untimed warm-up copy (first touch of device memory), then @iters timed. */
static int bench_dir(struct dev *d, bool h2d, uint64_t size, uint64_t doff, int iters,
		     uint32_t flags, int node)
{
	struct mock_accel_dma r = bench_req(h2d, size, doff, flags);
	uint64_t dev_ns = 0;
	double t0, t;
	int i, e;

	e = dma(d, &r);
	t0 = now_s();
	for (i = 0; !e && i < iters; i++) {
		r = bench_req(h2d, size, doff, flags);
		e = dma(d, &r);
		dev_ns += r.elapsed_ns;
	}
	t = now_s() - t0;
	if (e) {
		fprintf(stderr, TOOL ": %s: bench %s: %s\n", d->name, h2d ? "h2d" : "d2h",
			strerror(-e));
		return 1;
	}
	printf("@@BENCH dev=%s dir=%s size=%" PRIu64 " iters=%d buf_node=%d dev_node=%d"
	       " seconds=%.6f mbps=%.1f dev_mbps=%.1f\n",
	       d->name, h2d ? "h2d" : "d2h", size, iters, node, d->info.numa_node, t,
	       (double)size * iters / t / 1e6,
	       dev_ns ? (double)size * iters / (dev_ns / 1e9) / 1e6 : 0.0);
	return 0;
}

static int cmd_bench(struct dev *d, uint64_t size, int node, int iters, bool poll,
		     uint64_t doff)
{
	uint32_t flags = poll ? MOCK_ACCEL_DMA_F_POLL : 0;
	int rc;

	if (!(d->info.capabilities & MOCK_ACCEL_CAP_DMA)) {
		fprintf(stderr, TOOL ": %s: no DMA engine\n", d->name);
		return 77;
	}
	if (!size || doff > d->info.memory_size || size > d->info.memory_size - doff) {
		fprintf(stderr, TOOL ": %s: --size %" PRIu64 " at --dev-offset %" PRIu64
			" does not fit device memory (%" PRIu64 " bytes)\n",
			d->name, size, doff, (uint64_t)d->info.memory_size);
		return 2;
	}
	if (dev_buf(d, size, node))
		return 1;
	if (node >= 0 && d->alloc.actual_node != node) {
		fprintf(stderr, TOOL ": %s: buffer pages are on node %d, not %d\n",
			d->name, d->alloc.actual_node, node);
		return 1;
	}
	rng_fill(d->buf, d->buf_size, 1);	/* touch and fill */
	if (iters <= 0)	/* default: about 256 MiB each way, at least 3 */
		iters = (int)((256ULL << 20) / size) > 3 ? (int)((256ULL << 20) / size) : 3;
	rc = bench_dir(d, true, size, doff, iters, flags, d->alloc.actual_node);
	if (!rc)
		rc = bench_dir(d, false, size, doff, iters, flags, d->alloc.actual_node);
	return rc;
}

/* ---- fuzz ------------------------------------------------------------------------ */

/*
 * A misbehaving guest, through BAR0 mapped from sysfs (resource0) of
 * functions no driver holds (the kernel refuses the mapping otherwise,
 * CONFIG_IO_STRICT_DEVMEM): garbage into every offset of the 4 KiB (the
 * registers, the DMA block, the MSI-X table and PBA), accesses of every
 * width at every alignment, doorbells with garbage parameters, and with
 * Bus Master Enable on, doorbells whose guest addresses are past the end of
 * RAM or wrap. Guest RAM is never a target: garbage runs with Bus Master
 * Enable off (the device refuses every guest range), and later guest
 * destinations are outside RAM, so the device must refuse them; the run
 * fails if one of those completes. Afterwards the function must still
 * answer (DEVICE_ID, STATUS read back, a good operation completes).
 */
#define PCI_COMMAND_OFF		0x04	/* config offset of the command register */
#define PCI_COMMAND_MEMORY_BIT	0x02
#define PCI_COMMAND_MASTER_BIT	0x04

struct fz {
	const char *addr;		/* PCI address */
	volatile uint8_t *bar;		/* BAR0, 4 KiB */
	int cfg;			/* config space fd */
	uint64_t rng, ram_end;
	unsigned ops, done, bad;	/* doorbells, DONE, refused guest writes completed */
	unsigned err[MOCK_ACCEL_DMA_ERR_MAX + 2];	/* by error code, +1: unknown */
};

static const char *pci_sysfs(void)
{
	const char *r = getenv("MOCK_ACCEL_PCI_SYSFS");

	return r && *r ? r : "/sys/bus/pci/devices";
}

static uint32_t fz_rd32(struct fz *f, unsigned off)
{
	return *(volatile uint32_t *)(f->bar + off);
}

static void fz_wr32(struct fz *f, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(f->bar + off) = v;
}

static void fz_wr64(struct fz *f, unsigned off, uint64_t v)
{
	fz_wr32(f, off, (uint32_t)v);
	fz_wr32(f, off + 4, v >> 32);
}

/* One access of @len (1, 2, 4, 8) at @off, any alignment. */
static void fz_access(struct fz *f, unsigned off, unsigned len, uint64_t v, bool write)
{
	volatile uint8_t *p = f->bar + off;

	switch (len) {
	case 1: if (write) *p = v; else (void)*p; break;
	case 2: if (write) *(volatile uint16_t *)p = v; else (void)*(volatile uint16_t *)p; break;
	case 4: if (write) *(volatile uint32_t *)p = v; else (void)*(volatile uint32_t *)p; break;
	default: if (write) *(volatile uint64_t *)p = v; else (void)*(volatile uint64_t *)p; break;
	}
}

static uint16_t fz_command(struct fz *f)
{
	uint8_t v[2] = { 0, 0 };

	if (pread(f->cfg, v, 2, PCI_COMMAND_OFF) != 2)
		return 0;
	return v[0] | v[1] << 8;
}

static int fz_set_command(struct fz *f, uint16_t cmd)
{
	uint8_t v[2] = { cmd & 0xff, cmd >> 8 };

	return pwrite(f->cfg, v, 2, PCI_COMMAND_OFF) == 2 ? 0 : -EIO;
}

/* A guest address no RAM is at: past the end of RAM, or so close to 2^64
 * that the range wraps. */
static uint64_t fz_bad_gpa(uint64_t *rng, uint64_t ram_end, uint64_t len)
{
	uint64_t r = rng_next(rng);

	switch (r % 3) {
	case 0:		/* just past the end of RAM */
		return ram_end + (r >> 40);
	case 1:		/* anywhere above it, below 2^52 */
		return ram_end + (r >> 12) % ((1ULL << 52) - ram_end);
	default:	/* wrapping (len > 0: the range passes 2^64) */
		return UINT64_MAX - (r >> 52) % (len ? len : 1);
	}
}

/* Wait (bounded) until the doorbells rung so far are all consumed: ring one
 * with LEN 0 and wait for DMA_SEQ to move and the state to leave BUSY. An
 * operation still running is aborted. 0, or -ETIMEDOUT. */
static int fz_settle(struct fz *f)
{
	double deadline = now_s() + 10, abort_at = now_s() + 2;
	uint32_t seq;

	fz_wr64(f, MOCK_ACCEL_REG_DMA_LEN, 0);
	fz_wr32(f, MOCK_ACCEL_REG_DMA_CTRL, MOCK_ACCEL_DMA_OP_FILL | MOCK_ACCEL_DMA_CTRL_DST_DEV);
	seq = fz_rd32(f, MOCK_ACCEL_REG_DMA_SEQ);
	fz_wr32(f, MOCK_ACCEL_REG_DMA_DOORBELL, 1);
	while (fz_rd32(f, MOCK_ACCEL_REG_DMA_SEQ) == seq ||
	       MOCK_ACCEL_DMA_STATE(fz_rd32(f, MOCK_ACCEL_REG_DMA_STATUS)) ==
	       MOCK_ACCEL_DMA_STATE_BUSY) {
		if (now_s() > deadline)
			return -ETIMEDOUT;
		if (now_s() > abort_at) {	/* a long garbage operation */
			fz_wr32(f, MOCK_ACCEL_REG_DMA_ABORT, MOCK_ACCEL_DMA_ABORT_REQ);
			abort_at = deadline;
		}
		usleep(100);
	}
	return 0;
}

/* One operation with the registers as they are: DMA_STATUS, or 0 when it
 * did not finish within 10 s (then aborted). */
static uint32_t fz_run(struct fz *f)
{
	uint32_t seq = fz_rd32(f, MOCK_ACCEL_REG_DMA_SEQ);
	double deadline = now_s() + 10;

	fz_wr32(f, MOCK_ACCEL_REG_DMA_STATUS, 0);
	fz_wr32(f, MOCK_ACCEL_REG_DMA_DOORBELL, 1);
	while (fz_rd32(f, MOCK_ACCEL_REG_DMA_SEQ) == seq) {
		if (now_s() > deadline) {
			fz_wr32(f, MOCK_ACCEL_REG_DMA_ABORT, MOCK_ACCEL_DMA_ABORT_REQ);
			return 0;
		}
		usleep(50);
	}
	return fz_rd32(f, MOCK_ACCEL_REG_DMA_STATUS);
}

static void fz_count(struct fz *f, uint32_t st)
{
	uint32_t e = MOCK_ACCEL_DMA_ERR(st);

	f->ops++;
	if (MOCK_ACCEL_DMA_STATE(st) == MOCK_ACCEL_DMA_STATE_DONE)
		f->done++;
	else
		f->err[e <= MOCK_ACCEL_DMA_ERR_MAX ? e : MOCK_ACCEL_DMA_ERR_MAX + 1]++;
}

/* Garbage everywhere, Bus Master Enable off. */
static int fz_garbage(struct fz *f, unsigned rounds)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	unsigned r, off, i;

	for (r = 0; r < rounds; r++) {
		/* Every dword of the 4 KiB, in order (so the DMA parameters
		 * are garbage when the doorbell at 0x60 rings) ... */
		for (off = 0; off < MOCK_ACCEL_BAR0_SIZE; off += 4)
			fz_wr32(f, off, (uint32_t)rng_next(&f->rng));
		/* ... then every width at random offsets, reads and writes. */
		for (i = 0; i < 1024; i++) {
			uint64_t x = rng_next(&f->rng);
			unsigned len = widths[x % 4];

			off = (x >> 8) % (MOCK_ACCEL_BAR0_SIZE - 7);
			fz_access(f, off, len, rng_next(&f->rng), (x >> 20) & 1);
		}
		if (fz_settle(f))
			return -ETIMEDOUT;
	}
	return 0;
}

/* Doorbells with garbage parameters and bad guest addresses, bus master on. */
static void fz_bad_dma(struct fz *f, unsigned n)
{
	static const uint32_t ops[] = {
		MOCK_ACCEL_DMA_OP_COPY, MOCK_ACCEL_DMA_OP_FILL, MOCK_ACCEL_DMA_OP_CHECKSUM,
	};
	unsigned i;

	for (i = 0; i < n; i++) {
		uint64_t x = rng_next(&f->rng), len, src, dst;
		uint32_t op = (x >> 4) % 8 ? ops[x % 3] : (uint32_t)(x >> 32) & 0xf;
		uint32_t ctrl = op, st;
		bool guest_dst;

		/* Lengths: tiny, page-ish, huge, or 2^64 - 1. */
		switch ((x >> 8) % 4) {
		case 0: len = 1 + (x >> 40) % 64; break;
		case 1: len = 1 + (x >> 20) % (1 << 22); break;
		case 2: len = rng_next(&f->rng); break;
		default: len = UINT64_MAX; break;
		}
		if ((x >> 12) & 1)
			ctrl |= MOCK_ACCEL_DMA_CTRL_SRC_DEV;
		if ((x >> 13) & 1)
			ctrl |= MOCK_ACCEL_DMA_CTRL_DST_DEV;
		if ((x >> 14) & 1)
			ctrl |= MOCK_ACCEL_DMA_CTRL_IRQ;	/* MSI-X is off: nothing fires */
		if (!((x >> 15) % 16))
			ctrl |= (uint32_t)rng_next(&f->rng) & 0x7ff00000;	/* reserved bits */
		/* Sources: anything (reading guest RAM harms no one). */
		src = (x >> 16) & 1 ? rng_next(&f->rng) % f->ram_end : rng_next(&f->rng);
		guest_dst = (op == MOCK_ACCEL_DMA_OP_COPY || op == MOCK_ACCEL_DMA_OP_FILL) &&
			    !(ctrl & MOCK_ACCEL_DMA_CTRL_DST_DEV);
		/* Guest destinations: never RAM. Device ones: anything. */
		dst = guest_dst ? fz_bad_gpa(&f->rng, f->ram_end, len) : rng_next(&f->rng) >> (x % 64);
		if (guest_dst && dst < f->ram_end)
			dst = f->ram_end;	/* belt and braces */
		fz_wr64(f, MOCK_ACCEL_REG_DMA_SRC, src);
		fz_wr64(f, MOCK_ACCEL_REG_DMA_DST, dst);
		fz_wr64(f, MOCK_ACCEL_REG_DMA_LEN, len);
		fz_wr32(f, MOCK_ACCEL_REG_DMA_PATTERN, (uint32_t)x);
		fz_wr32(f, MOCK_ACCEL_REG_DMA_IRQ_VECTOR, (x >> 48) % 4);
		fz_wr32(f, MOCK_ACCEL_REG_DMA_CTRL, ctrl);
		st = fz_run(f);
		fz_count(f, st);
		if (guest_dst && (ctrl & ~MOCK_ACCEL_DMA_CTRL_VALID_MASK) == 0 &&
		    MOCK_ACCEL_DMA_STATE(st) == MOCK_ACCEL_DMA_STATE_DONE) {
			printf("# %s: a write to guest address 0x%" PRIx64 " (+%" PRIu64 ") completed\n",
			       f->addr, dst, len);
			f->bad++;
		}
	}
}

/* The function still works: identity, STATUS, and a good operation. */
static bool fz_alive(struct fz *f, uint32_t status)
{
	uint32_t st;

	if (fz_rd32(f, MOCK_ACCEL_REG_DEVICE_ID) != MOCK_ACCEL_DEVICE_ID_MAGIC) {
		printf("# %s: DEVICE_ID reads 0x%08x\n", f->addr, fz_rd32(f, MOCK_ACCEL_REG_DEVICE_ID));
		return false;
	}
	fz_wr32(f, MOCK_ACCEL_REG_STATUS, 0x600dcafe);
	if (fz_rd32(f, MOCK_ACCEL_REG_STATUS) != 0x600dcafe)
		return false;
	fz_wr32(f, MOCK_ACCEL_REG_STATUS, status);
	fz_wr64(f, MOCK_ACCEL_REG_DMA_DST, 0);
	fz_wr64(f, MOCK_ACCEL_REG_DMA_LEN, 4096);
	fz_wr32(f, MOCK_ACCEL_REG_DMA_CTRL, MOCK_ACCEL_DMA_OP_FILL | MOCK_ACCEL_DMA_CTRL_DST_DEV);
	st = fz_run(f);
	if (MOCK_ACCEL_DMA_STATE(st) != MOCK_ACCEL_DMA_STATE_DONE) {
		printf("# %s: a good FILL ends with DMA_STATUS 0x%08x\n", f->addr, st);
		return false;
	}
	fz_wr32(f, MOCK_ACCEL_REG_DMA_STATUS, 0);
	return fz_rd32(f, MOCK_ACCEL_REG_STATUS) == status;
}

/* Odd config reads: every offset, widths 1, 2, 4, 8 in turn (sysfs splits
 * them into aligned config cycles). */
static void fz_config_reads(struct fz *f)
{
	uint8_t buf[8];
	unsigned off, len;

	for (off = 0; off < 4096; off++) {
		len = 1u << (off % 4);
		if (pread(f->cfg, buf, MIN(len, 4096 - off), off) < 0)
			break;
	}
}

static int cmd_fuzz(const char *addr, uint64_t seed, unsigned rounds, unsigned dmas)
{
	char path[PATH_MAX], val[64];
	struct fz f = { .addr = addr, .cfg = -1, .rng = seed ? seed : 1 };
	uint64_t hole;
	uint32_t status;
	uint16_t cmd;
	bool ok = false;
	void *map = MAP_FAILED;
	FILE *im;
	int fd = -1;
	unsigned i;

	snprintf(path, sizeof(path), "%s/%s", pci_sysfs(), addr);
	if (read_attr(path, "vendor", val, sizeof(val)) || strcmp(val, "0x1de5")) {
		fprintf(stderr, TOOL ": %s: not a mock-accel PCI function\n", addr);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s/driver", pci_sysfs(), addr);
	if (!lstat(path, &(struct stat){ 0 })) {
		fprintf(stderr, TOOL ": %s: unbind its driver first (the kernel lets nobody else map BAR0)\n",
			addr);
		return 2;
	}
	im = fopen(iomem_path, "r");
	if (!im || parse_iomem(im, &f.ram_end, &hole)) {
		fprintf(stderr, TOOL ": %s: no RAM addresses in %s (run as root)\n", addr, iomem_path);
		if (im)
			fclose(im);
		return 1;
	}
	fclose(im);
	snprintf(path, sizeof(path), "%s/%s/config", pci_sysfs(), addr);
	f.cfg = open(path, O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/%s/resource0", pci_sysfs(), addr);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (f.cfg < 0 || fd < 0 ||
	    (map = io_mmap(MOCK_ACCEL_BAR0_SIZE, fd)) == MAP_FAILED) {
		fprintf(stderr, TOOL ": %s: cannot map BAR0: %s\n", addr, strerror(errno));
		goto out;
	}
	f.bar = map;
	if (fz_rd32(&f, MOCK_ACCEL_REG_DEVICE_ID) != MOCK_ACCEL_DEVICE_ID_MAGIC) {
		fprintf(stderr, TOOL ": %s: not a mock-accel BAR0\n", addr);
		goto out;
	}
	status = fz_rd32(&f, MOCK_ACCEL_REG_STATUS);
	cmd = fz_command(&f);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress survives a dying guest */
	printf("# fuzz %s: seed %" PRIu64 ", %u rounds, %u doorbells, RAM ends at 0x%" PRIx64 "\n",
	       addr, seed, rounds, dmas, f.ram_end);
	fz_config_reads(&f);
	printf("# %s: garbage with Bus Master Enable off\n", addr);
	/* Garbage with Bus Master Enable off: no guest range is accepted. */
	if (fz_set_command(&f, (cmd | PCI_COMMAND_MEMORY_BIT) & ~PCI_COMMAND_MASTER_BIT) ||
	    fz_garbage(&f, rounds)) {
		printf("# %s: the device did not settle after garbage\n", addr);
		goto restore;
	}
	/* Bad guest addresses with Bus Master Enable on. */
	printf("# %s: bad DMA addresses with Bus Master Enable on\n", addr);
	fz_set_command(&f, cmd | PCI_COMMAND_MEMORY_BIT | PCI_COMMAND_MASTER_BIT);
	fz_bad_dma(&f, dmas);
	fz_set_command(&f, (cmd | PCI_COMMAND_MEMORY_BIT) & ~PCI_COMMAND_MASTER_BIT);
	ok = !f.bad && fz_alive(&f, status);
restore:
	fz_set_command(&f, cmd);
	fz_wr32(&f, MOCK_ACCEL_REG_STATUS, status);
	printf("@@FACT fuzz_%s=%s\n", addr, ok ? "pass" : "fail");
	printf("@@FACT fuzz_%s_doorbells=%u done=%u refused=", addr, f.ops, f.done);
	for (i = 0; i <= MOCK_ACCEL_DMA_ERR_MAX + 1; i++)
		if (f.err[i])
			printf("%s:%u,", i <= MOCK_ACCEL_DMA_ERR_MAX ? dma_err_name(i) : "unknown",
			       f.err[i]);
	printf("\n");
out:
	if (map != MAP_FAILED)
		io_munmap(map, MOCK_ACCEL_BAR0_SIZE);
	if (fd >= 0)
		close(fd);
	if (f.cfg >= 0)
		close(f.cfg);
	return ok ? 0 : 1;
}

/* ---- main ------------------------------------------------------------------------ */

static int usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " list\n"
		"       " TOOL " info DEV\n"
		"       " TOOL " selftest DEV [--node K] [--poll] [--no-raw]\n"
		"       " TOOL " bench DEV [--size N] [--node K] [--iters N] [--poll] [--cpu C] [--dev-offset N]\n"
		"       " TOOL " fuzz PCI-ADDR... [--seed N] [--rounds N] [--doorbells N]\n"
		"DEV: mockN[_vfM], /dev/mock-accelN[_vfM] or a PCI address\n");
	return 2;
}

/* fuzz PCI-ADDR... [--seed N] [--rounds N] [--doorbells N] */
static int main_fuzz(int argc, char **argv)
{
	int rounds = 4, dmas = 2000, i, n = 0, rc = 0;
	uint64_t seed = 1;

	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--seed") && v && !parse_size(v, &seed)) {
			i++;
		} else if (!strcmp(a, "--rounds") && v && !parse_int(v, &rounds) && rounds >= 0) {
			i++;
		} else if (!strcmp(a, "--doorbells") && v && !parse_int(v, &dmas) && dmas >= 0) {
			i++;
		} else if (a[0] == '-') {
			fprintf(stderr, TOOL ": bad argument '%s'\n", a);
			return usage();
		}
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") || !strcmp(argv[i], "--rounds") ||
		    !strcmp(argv[i], "--doorbells")) {
			i++;
			continue;
		}
		n++;
		/* Each function its own stream, reproducible from the seed. */
		rc |= cmd_fuzz(argv[i], seed ^ mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, argv[i],
								   strlen(argv[i])), rounds, dmas);
	}
	return n ? rc : usage();
}

int mock_accel_tool_main(int argc, char **argv);

int mock_accel_tool_main(int argc, char **argv)
{
	uint64_t size = 16ULL << 20, doff = 0;
	int node = -1, iters = 0, cpu = -1, i, rc;
	bool poll = false, raw = true;
	struct dev d;
	const char *cmd;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "list"))
		return argc == 2 ? cmd_list(stdout, sysfs_root()) : usage();
	if (!strcmp(cmd, "fuzz"))
		return main_fuzz(argc, argv);
	if (strcmp(cmd, "info") && strcmp(cmd, "selftest") && strcmp(cmd, "bench"))
		return usage();
	if (argc < 3)
		return usage();
	for (i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool bench = !strcmp(cmd, "bench"), st = !strcmp(cmd, "selftest");

		if (!strcmp(a, "--poll") && (bench || st)) {
			poll = true;
		} else if (!strcmp(a, "--no-raw") && st) {
			raw = false;
		} else if (!strcmp(a, "--node") && (bench || st) && v && !parse_int(v, &node) && node >= -1) {
			i++;
		} else if (!strcmp(a, "--size") && bench && v && !parse_size(v, &size) && size) {
			i++;
		} else if (!strcmp(a, "--dev-offset") && bench && v && !parse_size(v, &doff)) {
			i++;
		} else if (!strcmp(a, "--iters") && bench && v && !parse_int(v, &iters) && iters > 0) {
			i++;
		} else if (!strcmp(a, "--cpu") && bench && v && !parse_int(v, &cpu) && cpu >= 0) {
			i++;
		} else {
			fprintf(stderr, TOOL ": bad argument '%s'\n", a);
			return usage();
		}
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, TOOL ": --cpu %d: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	if (dev_open(&d, argv[2])) {
		dev_close(&d);
		return 1;
	}
	if (!strcmp(cmd, "info"))
		rc = cmd_info(&d);
	else if (!strcmp(cmd, "selftest"))
		rc = cmd_selftest(&d, node, poll, raw);
	else
		rc = cmd_bench(&d, size, node, iters, poll, doff);
	dev_close(&d);
	return rc;
}

#ifndef MOCK_ACCEL_TOOL_NO_MAIN
int main(int argc, char **argv)
{
	return mock_accel_tool_main(argc, argv);
}
#endif
