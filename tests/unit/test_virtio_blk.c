/*
 * virtio-blk end to end, driven like a guest driver would: feature
 * negotiation, queue setup and status through the BAR's common
 * configuration, MSI-X enabled in config space and counted at the send
 * callback, requests laid out in a fake guest RAM and served by
 * virtio_blk__poll (params.no_threads) against a temporary image file
 * that the test checks with pread. Covers read, write, flush, GET_ID,
 * discard and write-zeroes, every way a request can fail alone (range,
 * length, type, direction, read-only, a failing host fd, bad buffers)
 * and the one way the queue fails as a whole (a broken ring:
 * DEVICE_NEEDS_RESET), snapshot overlays, interrupt suppression, device
 * configuration, reset, disk__open's refusals, and one run of the real
 * I/O thread woken by its doorbell.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "devices/virtio/blk.h"
#include "vmm/util.h"

#define RAM_GPA		0x100000ULL
#define RAM_SIZE	(1ULL << 20)
#define RAM_END		(RAM_GPA + RAM_SIZE)
#define QSZ		64			/* what the driver asks for */
#define DESC_GPA	(RAM_GPA + 0x0000)
#define AVAIL_GPA	(RAM_GPA + 0x1000)
#define USED_GPA	(RAM_GPA + 0x2000)
#define IND_GPA		(RAM_GPA + 0x3000)	/* indirect tables */
#define HDR_GPA		(RAM_GPA + 0x4000)	/* 64 bytes per head */
#define STAT_GPA	(RAM_GPA + 0x5000)	/* 1 byte per head */
#define SEG_GPA		(RAM_GPA + 0x6000)	/* discard / write-zeroes, 512 per head */
#define Q1_DESC		(RAM_GPA + 0xe000)	/* queue 1 (8 entries) */
#define Q1_AVAIL	(RAM_GPA + 0xe800)
#define Q1_USED		(RAM_GPA + 0xf000)
#define DATA_GPA	(RAM_GPA + 0x10000)

#define IMG_SIZE	(1ULL << 20)
#define IMG_SECTORS	(IMG_SIZE / 512)
#define MSI_ADDR	0xfee00000u
#define MSI_DATA	0x100u			/* + vector */
#define NVEC		4
#define UNSET		0xee			/* a status the device never writes */

#define S_ACK		VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRIVER	VIRTIO_CONFIG_S_DRIVER
#define S_FOK		VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK		VIRTIO_CONFIG_S_DRIVER_OK
#define S_RESET		VIRTIO_CONFIG_S_NEEDS_RESET

#define BIT(n)		(1ULL << (n))
/* What a Linux driver would accept of a read-write disk, minus EVENT_IDX
 * (tests of suppression negotiate it themselves). */
#define DRV_FEATURES	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_BLK_F_FLUSH) |		\
			 BIT(VIRTIO_BLK_F_BLK_SIZE) | BIT(VIRTIO_BLK_F_SEG_MAX) |	\
			 BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_BLK_F_DISCARD) | \
			 BIT(VIRTIO_BLK_F_WRITE_ZEROES))
#define RO_FEATURES	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_BLK_F_RO) | BIT(VIRTIO_BLK_F_FLUSH))

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool dev_writes;
};

struct rig {
	char path[32];
	uint8_t *ram;
	struct gmem mem;
	struct virtio_blk b;
	bool up;			/* virtio_blk__init succeeded */
	atomic_uint msi[NVEC];		/* messages per vector */
	atomic_uint stray;		/* messages we did not program */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t next_desc, avail_idx, used_seen;
	uint32_t last_len;		/* used length of the last do_req() */
};

/* ---------------------------------------------------------- the image */

static uint8_t pat(uint64_t off)
{
	return (uint8_t)((off >> 9) * 13 + (off & 511) + 1);
}

static void fill_pattern(int fd, uint64_t size)
{
	uint8_t buf[4096];
	uint64_t off, i;

	for (off = 0; off < size; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pat(off + i);
		assert_int_equal(pwrite(fd, buf, sizeof(buf), off), sizeof(buf));
	}
}

/* A fresh temporary file of @size bytes with the pattern; its path in @path. */
static void make_image(char *path, uint64_t size)
{
	int fd;

	strcpy(path, "/tmp/mvmm-blk-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	fill_pattern(fd, size);
	close(fd);
}

/* Does the image hold the pattern over [off, off+len)? */
static bool file_is_pattern(const char *path, uint64_t off, uint64_t len)
{
	uint8_t *buf = malloc(len);
	bool ok = true;
	uint64_t i;
	int fd = open(path, O_RDONLY);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, off), len);
	for (i = 0; i < len && ok; i++)
		ok = buf[i] == pat(off + i);
	close(fd);
	free(buf);
	return ok;
}

static void file_read(const char *path, uint64_t off, void *buf, uint64_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, off), len);
	close(fd);
}

static bool all_bytes(const uint8_t *p, uint64_t len, uint8_t v)
{
	while (len--)
		if (*p++ != v)
			return false;
	return true;
}

static bool is_pattern(const uint8_t *p, uint64_t off, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(off + i))
			return false;
	return true;
}

/* ------------------------------------------------------------ the rig */

static int count_msi(void *opaque, uint64_t addr, uint32_t data)
{
	struct rig *r = opaque;

	if (addr == MSI_ADDR && data - MSI_DATA < NVEC)
		atomic_fetch_add(&r->msi[data - MSI_DATA], 1);
	else
		atomic_fetch_add(&r->stray, 1);
	return 0;
}

static void *host(struct rig *r, uint64_t gpa)
{
	assert_true(gpa >= RAM_GPA && gpa < RAM_END);
	return r->ram + (gpa - RAM_GPA);
}

/* Rigs alive in the current test: a failed assertion leaves the test
 * early, and its teardown (cleanup) frees what it left. */
static struct rig *live[2];

static void track(struct rig *r, struct rig *with)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(live); i++) {
		if (live[i] == r) {
			live[i] = with;
			return;
		}
	}
	fail_msg("more rigs than live[] holds");
}

static struct rig *rig_alloc(void)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	track(NULL, r);
	r->ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(r->ram);
	memset(r->ram, 0, RAM_SIZE);
	gmem__init(&r->mem);
	assert_int_equal(gmem__add(&r->mem, RAM_GPA, RAM_SIZE, r->ram, 0), 0);
	r->desc = host(r, DESC_GPA);
	r->avail = host(r, AVAIL_GPA);
	r->used = host(r, USED_GPA);
	make_image(r->path, IMG_SIZE);
	return r;
}

static struct virtio_blk_params rig_params(struct rig *r)
{
	return (struct virtio_blk_params){
		.name = "vda", .serial = "0123456789abcdefghijKLMN", .queues = 1,
		.disk = { .path = r->path, .tmpdir = "/tmp" },
		.send = count_msi, .send_opaque = r, .mem = &r->mem, .no_threads = true,
	};
}

/* ---------------------------------------------------------------- BAR */

static uint32_t bar_rd(struct rig *r, uint64_t off, unsigned len)
{
	uint32_t v = 0;

	virtio_pci__bar_access(&r->b.vp, off, &v, len, false);
	return v;
}

static void bar_wr(struct rig *r, uint64_t off, unsigned len, uint32_t v)
{
	virtio_pci__bar_access(&r->b.vp, off, &v, len, true);
}

/* Common configuration registers at their architectural widths. */
#define COMMON(reg)	(VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_##reg)
#define rd8(r, reg)	bar_rd(r, COMMON(reg), 1)
#define rd16(r, reg)	bar_rd(r, COMMON(reg), 2)
#define rd32(r, reg)	bar_rd(r, COMMON(reg), 4)
#define wr8(r, reg, v)	bar_wr(r, COMMON(reg), 1, v)
#define wr16(r, reg, v)	bar_wr(r, COMMON(reg), 2, v)
#define wr32(r, reg, v)	bar_wr(r, COMMON(reg), 4, v)

static uint8_t status(struct rig *r)
{
	return rd8(r, STATUS);
}

static uint64_t device_features(struct rig *r)
{
	uint64_t f;

	wr32(r, DFSELECT, 0);
	f = rd32(r, DF);
	wr32(r, DFSELECT, 1);
	return f | (uint64_t)rd32(r, DF) << 32;
}

static void driver_features(struct rig *r, uint64_t f)
{
	wr32(r, GFSELECT, 0);
	wr32(r, GF, (uint32_t)f);
	wr32(r, GFSELECT, 1);
	wr32(r, GF, f >> 32);
}

static uint64_t accepted_features(struct rig *r)
{
	uint64_t f;

	wr32(r, GFSELECT, 0);
	f = rd32(r, GF);
	wr32(r, GFSELECT, 1);
	return f | (uint64_t)rd32(r, GF) << 32;
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK: the status read back. */
static uint8_t negotiate(struct rig *r, uint64_t f)
{
	wr8(r, STATUS, 0);
	assert_int_equal(status(r), 0);
	wr8(r, STATUS, S_ACK);
	wr8(r, STATUS, S_ACK | S_DRIVER);
	(void)device_features(r);
	driver_features(r, f);
	wr8(r, STATUS, S_ACK | S_DRIVER | S_FOK);
	return status(r);
}

/* MSI-X on in config space, every vector programmed and unmasked. */
static void msix_on(struct rig *r)
{
	struct virtio_pci *vp = &r->b.vp;
	unsigned v;

	for (v = 0; v < vp->msix.nr && v < NVEC; v++) {
		uint64_t e = VIRTIO_PCI_MSIX_OFF + 16ULL * v;

		bar_wr(r, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, MSI_ADDR);
		bar_wr(r, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
		bar_wr(r, e + PCI_MSIX_ENTRY_DATA, 4, MSI_DATA + v);
		bar_wr(r, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	}
	assert_int_equal(pci__cfg_write(&vp->pci, vp->msix.cap + PCI_MSIX_FLAGS, 2,
					PCI_MSIX_FLAGS_ENABLE), 0);
}

static void ring_clear(struct rig *r)
{
	memset(r->desc, 0, 16 * QSZ);
	memset(r->avail, 0, 6 + 2 * QSZ);
	memset(r->used, 0, 6 + 8 * QSZ);
	r->next_desc = r->avail_idx = r->used_seen = 0;
}

/* Queue @q: size, vector @q, ring addresses, enable. */
static void queue_setup(struct rig *r, unsigned q, uint16_t size, uint64_t d, uint64_t a,
			uint64_t u)
{
	wr16(r, Q_SELECT, q);
	wr16(r, Q_SIZE, size);
	wr16(r, Q_MSIX, q);
	wr32(r, Q_DESCLO, (uint32_t)d);
	wr32(r, Q_DESCHI, d >> 32);
	wr32(r, Q_AVAILLO, (uint32_t)a);
	wr32(r, Q_AVAILHI, a >> 32);
	wr32(r, Q_USEDLO, (uint32_t)u);
	wr32(r, Q_USEDHI, u >> 32);
	wr16(r, Q_ENABLE, 1);
}

/* Everything up to DRIVER_OK for queue 0, config vector after the queues'. */
static void driver_setup(struct rig *r, uint64_t f)
{
	ring_clear(r);
	assert_int_equal(negotiate(r, f), S_ACK | S_DRIVER | S_FOK);
	wr16(r, MSIX, r->b.nr_queues);
	queue_setup(r, 0, QSZ, DESC_GPA, AVAIL_GPA, USED_GPA);
}

static void driver_ok(struct rig *r)
{
	wr8(r, STATUS, S_ACK | S_DRIVER | S_FOK | S_DOK);
	assert_int_equal(status(r), S_ACK | S_DRIVER | S_FOK | S_DOK);
}

static void driver_up(struct rig *r, uint64_t f)
{
	driver_setup(r, f);
	driver_ok(r);
}

/* The command register: memory decoding, and Bus Master Enable if @bme. */
static void command(struct rig *r, bool bme)
{
	assert_int_equal(pci__cfg_write(&r->b.vp.pci, PCI_COMMAND, 2,
					PCI_COMMAND_MEMORY | (bme ? PCI_COMMAND_MASTER : 0)), 0);
}

/* virtio_blk__init with @p, bus mastering and MSI-X on; the driver not yet
 * loaded. */
static void rig_init(struct rig *r, const struct virtio_blk_params *p)
{
	char err[256] = "";

	assert_int_equal(virtio_blk__init(&r->b, p, err, sizeof(err)), 0);
	r->up = true;
	command(r, true);
	msix_on(r);
}

/* The common case: a read-write image, the driver running. */
static struct rig *rig_new(void)
{
	struct rig *r = rig_alloc();
	struct virtio_blk_params p = rig_params(r);

	rig_init(r, &p);
	driver_up(r, DRV_FEATURES);
	return r;
}

static void rig_release(struct rig *r)
{
	track(r, NULL);
	if (r->up)
		virtio_blk__destroy(&r->b);
	if (*r->path)
		unlink(r->path);
	gmem__destroy(&r->mem);
	free(r->ram);
	free(r);
}

static void rig_free(struct rig *r)
{
	assert_int_equal(atomic_load(&r->stray), 0);
	rig_release(r);
}

static int cleanup(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(live); i++)
		if (live[i])
			rig_release(live[i]);
	return 0;
}

/* ----------------------------------------------------------- requests */

static uint64_t hdr_gpa(uint16_t head)
{
	return HDR_GPA + 64ULL * head;
}

static uint64_t stat_gpa(uint16_t head)
{
	return STAT_GPA + head;
}

static uint8_t *data(struct rig *r, uint64_t off)
{
	return host(r, DATA_GPA + off);
}

static uint8_t req_status(struct rig *r, uint16_t head)
{
	return *(uint8_t *)host(r, stat_gpa(head));
}

/* @n segments into consecutive free descriptors of @tab (the ring's when
 * @tab is r->desc, wrapping at QSZ); returns the first index. */
static uint16_t put_chain(struct rig *r, struct vring_desc *tab, uint16_t first,
			  const struct seg *s, unsigned n)
{
	unsigned i, mod = tab == r->desc ? QSZ : 0x10000;

	for (i = 0; i < n; i++) {
		uint16_t d = (first + i) % mod;

		tab[d] = (struct vring_desc){
			.addr = s[i].gpa, .len = s[i].len,
			.flags = (s[i].dev_writes ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			.next = (d + 1) % mod,
		};
	}
	return first;
}

static void offer(struct rig *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % QSZ] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

/* A chain of @n segments in the ring, made available; returns its head. */
static uint16_t chain(struct rig *r, const struct seg *s, unsigned n)
{
	uint16_t head = put_chain(r, r->desc, r->next_desc, s, n);

	r->next_desc = (head + n) % QSZ;
	offer(r, head);
	return head;
}

/* The header of the request the next chain will carry, status byte unset. */
static uint16_t prep(struct rig *r, uint32_t type, uint64_t sector)
{
	uint16_t head = r->next_desc;
	struct virtio_blk_outhdr h = { .type = type, .ioprio = 0, .sector = sector };

	memcpy(host(r, hdr_gpa(head)), &h, sizeof(h));
	*(uint8_t *)host(r, stat_gpa(head)) = UNSET;
	return head;
}

/* The usual three descriptors: header, data (if @len), status. */
static uint16_t req(struct rig *r, uint32_t type, uint64_t sector, uint64_t data_off,
		    uint32_t len, bool dev_writes)
{
	uint16_t head = prep(r, type, sector);
	struct seg s[3] = { { hdr_gpa(head), 16, false } };
	unsigned n = 1;

	if (len)
		s[n++] = (struct seg){ DATA_GPA + data_off, len, dev_writes };
	s[n++] = (struct seg){ stat_gpa(head), 1, true };
	return chain(r, s, n);
}

/* Discard / write-zeroes with @n segments (sector, count, flags). */
static uint16_t dwz(struct rig *r, uint32_t type, const uint64_t (*segs)[3], unsigned n)
{
	uint16_t head = prep(r, type, 0);
	struct virtio_blk_discard_write_zeroes *d = host(r, SEG_GPA + 512ULL * head);
	unsigned i;

	for (i = 0; i < n; i++)
		d[i] = (struct virtio_blk_discard_write_zeroes){
			.sector = segs[i][0], .num_sectors = segs[i][1], .flags = segs[i][2],
		};
	return chain(r, (const struct seg[]){
		{ hdr_gpa(head), 16, false }, { SEG_GPA + 512ULL * head, 16 * n, false },
		{ stat_gpa(head), 1, true } }, 3);
}

static int poll_q(struct rig *r)
{
	return virtio_blk__poll(&r->b, 0);
}

/* The next used entry (they come in completion order). */
static struct vring_used_elem next_used(struct rig *r)
{
	uint16_t idx = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
	struct vring_used_elem e;

	assert_int_not_equal(idx, r->used_seen);
	e = r->used->ring[r->used_seen % QSZ];
	r->used_seen++;
	return e;
}

/* Serve one request; its status byte (r->last_len: its used length). */
static uint8_t finish(struct rig *r, uint16_t head)
{
	struct vring_used_elem e;

	assert_int_equal(poll_q(r), 1);
	e = next_used(r);
	assert_int_equal(e.id, head);
	r->last_len = e.len;
	return req_status(r, head);
}

static uint8_t do_req(struct rig *r, uint32_t type, uint64_t sector, uint64_t data_off,
		      uint32_t len, bool dev_writes)
{
	return finish(r, req(r, type, sector, data_off, len, dev_writes));
}

/* One segment, served: its status. */
static uint8_t dwz1(struct rig *r, uint32_t type, uint64_t sector, uint64_t n, uint32_t flags)
{
	return finish(r, dwz(r, type, (const uint64_t[][3]){ { sector, n, flags } }, 1));
}

/* A read that must work (after an error: the device goes on). */
static void read_ok(struct rig *r, uint64_t sector, unsigned n)
{
	memset(data(r, 0x80000), 0, n * 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, sector, 0x80000, n * 512, true),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, n * 512 + 1);
	assert_true(is_pattern(data(r, 0x80000), sector * 512, n * 512));
}

/* ------------------------------------------------------- negotiation */

static void test_features(void **state)
{
	struct rig *r = rig_alloc();
	struct virtio_blk_params p = rig_params(r);
	const uint64_t offered = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_BLK_F_SEG_MAX) |
		BIT(VIRTIO_BLK_F_BLK_SIZE) | BIT(VIRTIO_BLK_F_TOPOLOGY) | BIT(VIRTIO_BLK_F_FLUSH) |
		BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VIRTIO_RING_F_INDIRECT_DESC) |
		BIT(VIRTIO_BLK_F_DISCARD) | BIT(VIRTIO_BLK_F_WRITE_ZEROES);

	(void)state;
	rig_init(r, &p);
	/* Exactly these: no RO, no MQ for one queue, never ACCESS_PLATFORM. */
	assert_int_equal(device_features(r), offered);
	wr32(r, DFSELECT, 2);
	assert_int_equal(rd32(r, DF), 0);

	/* Refused: no VERSION_1 (a legacy driver). */
	assert_int_equal(negotiate(r, DRV_FEATURES & ~BIT(VIRTIO_F_VERSION_1)), S_ACK | S_DRIVER);
	/* Refused: a bit the device did not offer, in either half. */
	assert_int_equal(negotiate(r, DRV_FEATURES | BIT(VIRTIO_BLK_F_RO)), S_ACK | S_DRIVER);
	assert_int_equal(negotiate(r, DRV_FEATURES | BIT(40)), S_ACK | S_DRIVER);
	assert_int_equal(negotiate(r, DRV_FEATURES | BIT(VIRTIO_F_ACCESS_PLATFORM)),
			 S_ACK | S_DRIVER);
	/* DRIVER_OK without FEATURES_OK starts nothing. */
	ring_clear(r);
	queue_setup(r, 0, QSZ, DESC_GPA, AVAIL_GPA, USED_GPA);
	wr8(r, STATUS, S_ACK | S_DRIVER | S_DOK);
	assert_false(r->b.vp.started);
	req(r, VIRTIO_BLK_T_IN, 0, 0, 512, true);
	assert_int_equal(poll_q(r), 0);
	assert_int_equal(req_status(r, 0), UNSET);

	/* Accepted: every offered bit, or just VERSION_1. */
	assert_int_equal(negotiate(r, offered), S_ACK | S_DRIVER | S_FOK);
	assert_int_equal(accepted_features(r), offered);
	assert_int_equal(negotiate(r, BIT(VIRTIO_F_VERSION_1)), S_ACK | S_DRIVER | S_FOK);
	assert_int_equal(accepted_features(r), BIT(VIRTIO_F_VERSION_1));
	/* Features are frozen once FEATURES_OK stuck. */
	driver_features(r, offered);
	assert_int_equal(accepted_features(r), BIT(VIRTIO_F_VERSION_1));
	/* NEEDS_RESET is the device's bit: the driver cannot set it. */
	wr8(r, STATUS, S_ACK | S_DRIVER | S_FOK | S_RESET);
	assert_int_equal(status(r), S_ACK | S_DRIVER | S_FOK);
	rig_free(r);
}

static void test_reset_registers(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	wr16(r, Q_SELECT, 0);
	assert_int_equal(rd16(r, Q_SIZE), QSZ);
	assert_int_equal(rd16(r, Q_ENABLE), 1);
	assert_int_equal(rd16(r, Q_MSIX), 0);
	assert_int_equal(rd32(r, Q_DESCLO), (uint32_t)DESC_GPA);
	assert_int_equal(rd16(r, MSIX), 1);
	assert_true(r->b.vp.q[0].vq.ready);
	/* Queue layout is frozen while the device runs. */
	wr16(r, Q_SIZE, 8);
	wr32(r, Q_DESCLO, 0x1000);
	assert_int_equal(rd16(r, Q_SIZE), QSZ);
	assert_int_equal(rd32(r, Q_DESCLO), (uint32_t)DESC_GPA);
	/* Out-of-range selections read as absent. */
	wr16(r, Q_SELECT, 1);
	assert_int_equal(rd16(r, Q_SIZE), 0);

	wr8(r, STATUS, 0);
	assert_int_equal(status(r), 0);
	assert_int_equal(rd16(r, Q_SELECT), 0);
	assert_int_equal(rd16(r, Q_SIZE), VIRTIO_BLK_QUEUE_SIZE);	/* the maximum again */
	assert_int_equal(rd16(r, Q_ENABLE), 0);
	assert_int_equal(rd16(r, Q_MSIX), VIRTIO_NO_VECTOR);
	assert_int_equal(rd16(r, MSIX), VIRTIO_NO_VECTOR);
	assert_int_equal(rd32(r, Q_DESCLO), 0);
	assert_int_equal(rd32(r, Q_DESCHI), 0);
	assert_int_equal(rd32(r, Q_AVAILLO), 0);
	assert_int_equal(rd32(r, Q_USEDLO), 0);
	assert_int_equal(accepted_features(r), 0);
	assert_false(r->b.vp.q[0].vq.ready);
	/* Nothing is served after a reset. */
	req(r, VIRTIO_BLK_T_IN, 0, 0, 512, true);
	assert_int_equal(poll_q(r), 0);
	/* Odd widths are ignored: a 4-byte write to the 1-byte status. */
	bar_wr(r, COMMON(STATUS), 4, S_ACK);
	assert_int_equal(status(r), 0);
	rig_free(r);
}

/* Queue settings the device refuses at DRIVER_OK: NEEDS_RESET, and the
 * driver hears of it by the configuration vector. */
static void expect_refused(struct rig *r, uint16_t size, uint64_t desc)
{
	unsigned before = atomic_load(&r->msi[1]);

	ring_clear(r);
	assert_int_equal(negotiate(r, DRV_FEATURES), S_ACK | S_DRIVER | S_FOK);
	wr16(r, MSIX, 1);
	queue_setup(r, 0, size, DESC_GPA, AVAIL_GPA, USED_GPA);
	wr32(r, Q_DESCLO, (uint32_t)desc);
	wr8(r, STATUS, S_ACK | S_DRIVER | S_FOK | S_DOK);
	assert_int_equal(status(r), S_ACK | S_DRIVER | S_FOK | S_DOK | S_RESET);
	assert_false(r->b.vp.started);
	assert_int_equal(atomic_load(&r->msi[1]), before + 1);
}

static void test_queue_refused(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	expect_refused(r, 100, DESC_GPA);		/* not a power of two */
	expect_refused(r, 2 * VIRTIO_BLK_QUEUE_SIZE, DESC_GPA);	/* above the maximum */
	expect_refused(r, QSZ, 0);			/* outside RAM */
	expect_refused(r, QSZ, DESC_GPA + 8);		/* misaligned */
	/* A vector the table lacks reads back as NO_VECTOR. */
	wr16(r, Q_MSIX, NVEC + 10);
	assert_int_equal(rd16(r, Q_MSIX), VIRTIO_NO_VECTOR);
	wr16(r, MSIX, r->b.vp.msix.nr);
	assert_int_equal(rd16(r, MSIX), VIRTIO_NO_VECTOR);
	/* And the device is fine after a reset. */
	driver_up(r, DRV_FEATURES);
	read_ok(r, 0, 1);
	rig_free(r);
}

static void test_devcfg(void **state)
{
	struct rig *r = rig_new();
	const uint64_t cfg = VIRTIO_PCI_DEVCFG_OFF;

	(void)state;
	assert_int_equal(bar_rd(r, cfg + offsetof(struct virtio_blk_config, capacity), 4),
			 IMG_SECTORS);
	assert_int_equal(bar_rd(r, cfg + offsetof(struct virtio_blk_config, capacity) + 4, 4), 0);
	assert_int_equal(bar_rd(r, cfg + offsetof(struct virtio_blk_config, blk_size), 4), 512);
	assert_int_equal(bar_rd(r, cfg + offsetof(struct virtio_blk_config, seg_max), 4),
			 VIRTIO_BLK_QUEUE_SIZE - 2);
	assert_int_equal(bar_rd(r, cfg + offsetof(struct virtio_blk_config, num_queues), 2), 1);
	assert_int_equal(bar_rd(r, cfg + offsetof(struct virtio_blk_config, max_discard_seg), 4),
			 VIRTIO_BLK_MAX_DWZ_SEG);
	assert_int_equal(rd16(r, NUMQ), 1);
	/* Past the structure: zeroes. */
	assert_int_equal(bar_rd(r, cfg + sizeof(struct virtio_blk_config), 4), 0);
	assert_int_equal(bar_rd(r, cfg + sizeof(struct virtio_blk_config) - 2, 4), 0);
	/* Nothing in it is the driver's to change (no CONFIG_WCE). */
	bar_wr(r, cfg + offsetof(struct virtio_blk_config, capacity), 4, 7);
	assert_int_equal(bar_rd(r, cfg + offsetof(struct virtio_blk_config, capacity), 4),
			 IMG_SECTORS);
	rig_free(r);
}

/* Two queues: MQ offered, num_queues 2, each queue served on its own. */
static void test_two_queues(void **state)
{
	struct rig *r = rig_alloc();
	struct virtio_blk_params p = rig_params(r);
	struct vring_used *u1 = host(r, Q1_USED);
	struct vring_avail *a1 = host(r, Q1_AVAIL);
	struct vring_desc *d1 = host(r, Q1_DESC);
	uint16_t head;

	(void)state;
	p.queues = 2;
	rig_init(r, &p);
	assert_true(device_features(r) & BIT(VIRTIO_BLK_F_MQ));
	assert_int_equal(bar_rd(r, VIRTIO_PCI_DEVCFG_OFF +
				   offsetof(struct virtio_blk_config, num_queues), 2), 2);
	assert_int_equal(rd16(r, NUMQ), 2);
	driver_setup(r, DRV_FEATURES | BIT(VIRTIO_BLK_F_MQ));
	queue_setup(r, 1, 8, Q1_DESC, Q1_AVAIL, Q1_USED);
	driver_ok(r);
	/* A read on queue 1 (its own rings; header and status borrowed). */
	head = prep(r, VIRTIO_BLK_T_IN, 3);
	put_chain(r, d1, 0, (const struct seg[]){
		{ hdr_gpa(head), 16, false }, { DATA_GPA, 512, true },
		{ stat_gpa(head), 1, true } }, 3);
	a1->ring[0] = 0;
	a1->idx = 1;
	assert_int_equal(poll_q(r), 0);			/* not queue 0's */
	assert_int_equal(virtio_blk__poll(&r->b, 1), 1);
	assert_int_equal(u1->idx, 1);
	assert_int_equal(req_status(r, head), VIRTIO_BLK_S_OK);
	assert_true(is_pattern(data(r, 0), 3 * 512, 512));
	assert_int_equal(atomic_load(&r->msi[1]), 1);	/* queue 1's vector */
	assert_int_equal(atomic_load(&r->msi[0]), 0);
	assert_int_equal(virtio_blk__poll(&r->b, 2), -EINVAL);
	rig_free(r);
}

/* --------------------------------------------------------------- I/O */

static void test_read(void **state)
{
	struct rig *r = rig_new();
	uint16_t head;

	(void)state;
	memset(data(r, 0), 0, 4096);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 10, 0, 4 * 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 4 * 512 + 1);		/* data and status */
	assert_true(is_pattern(data(r, 0), 10 * 512, 4 * 512));
	assert_int_equal(atomic_load(&r->msi[0]), 1);
	assert_int_equal(r->b.q[0].stats.requests, 1);

	/* Data split over odd-sized buffers. */
	memset(data(r, 0), 0, 8192);
	head = prep(r, VIRTIO_BLK_T_IN, 100);
	chain(r, (const struct seg[]){
		{ hdr_gpa(head), 16, false }, { DATA_GPA, 100, true },
		{ DATA_GPA + 0x1000, 1000, true }, { DATA_GPA + 0x2000, 948, true },
		{ stat_gpa(head), 1, true } }, 5);
	assert_int_equal(finish(r, head), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 2049);
	assert_true(is_pattern(data(r, 0), 100 * 512, 100));
	assert_true(is_pattern(data(r, 0x1000), 100 * 512 + 100, 1000));
	assert_true(is_pattern(data(r, 0x2000), 100 * 512 + 1100, 948));
	/* Any layout (1.x): data and status in one buffer, header in two. */
	head = prep(r, VIRTIO_BLK_T_IN, 7);
	chain(r, (const struct seg[]){
		{ hdr_gpa(head), 8, false }, { hdr_gpa(head) + 8, 8, false },
		{ DATA_GPA, 513, true } }, 3);
	assert_int_equal(finish(r, head), UNSET);	/* the usual status slot: unused */
	assert_int_equal(r->last_len, 513);
	assert_true(is_pattern(data(r, 0), 7 * 512, 512));
	assert_int_equal(*data(r, 512), VIRTIO_BLK_S_OK);
	/* The last sector, and a request with no data at all. */
	read_ok(r, IMG_SECTORS - 1, 1);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, IMG_SECTORS, 0, 0, true), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 1);
	rig_free(r);
}

static void test_write(void **state)
{
	struct rig *r = rig_new();
	uint8_t buf[1024];
	uint16_t head;

	(void)state;
	memset(data(r, 0), 0x5a, 1024);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 100, 0, 1024, false), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 1);			/* only the status */
	file_read(r->path, 100 * 512, buf, sizeof(buf));
	assert_true(all_bytes(buf, sizeof(buf), 0x5a));
	assert_true(file_is_pattern(r->path, 99 * 512, 512));	/* neighbours intact */
	assert_true(file_is_pattern(r->path, 102 * 512, 512));
	/* The guest reads its write back. */
	memset(data(r, 0x1000), 0, 1024);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 100, 0x1000, 1024, true), VIRTIO_BLK_S_OK);
	assert_true(all_bytes(data(r, 0x1000), 1024, 0x5a));
	/* Header and data in one readable buffer. */
	head = prep(r, VIRTIO_BLK_T_OUT, 200);
	memcpy(data(r, 0x2000), host(r, hdr_gpa(head)), 16);
	memset(data(r, 0x2000 + 16), 0xc3, 512);
	chain(r, (const struct seg[]){
		{ DATA_GPA + 0x2000, 16 + 512, false }, { stat_gpa(head), 1, true } }, 2);
	assert_int_equal(finish(r, head), VIRTIO_BLK_S_OK);
	file_read(r->path, 200 * 512, buf, 512);
	assert_true(all_bytes(buf, 512, 0xc3));
	/* The last sector. */
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, IMG_SECTORS - 1, 0, 512, false),
			 VIRTIO_BLK_S_OK);
	file_read(r->path, IMG_SIZE - 512, buf, 512);
	assert_true(all_bytes(buf, 512, 0x5a));
	rig_free(r);
}

static void test_flush(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 0, 0, 512, false), VIRTIO_BLK_S_OK);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 1);
	rig_free(r);
}

/* A batch: one poll serves them all, one interrupt for the lot. */
static void test_batch(void **state)
{
	struct rig *r = rig_new();
	uint16_t heads[16];
	unsigned i, seen = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(heads); i++)
		heads[i] = req(r, VIRTIO_BLK_T_IN, 8 * i, 0x1000 * i, 4096, true);
	assert_int_equal(poll_q(r), ARRAY_SIZE(heads));
	assert_int_equal(r->used->idx, ARRAY_SIZE(heads));
	assert_int_equal(atomic_load(&r->msi[0]), 1);
	for (i = 0; i < ARRAY_SIZE(heads); i++) {
		struct vring_used_elem e = next_used(r);
		unsigned k;

		/* Completion order is the kernel's; each head exactly once. */
		for (k = 0; k < ARRAY_SIZE(heads) && heads[k] != e.id; k++)
			;
		assert_true(k < ARRAY_SIZE(heads));
		assert_false(seen & (1u << k));
		seen |= 1u << k;
		assert_int_equal(e.len, 4097);
		assert_int_equal(req_status(r, e.id), VIRTIO_BLK_S_OK);
		assert_true(is_pattern(data(r, 0x1000 * k), 8 * k * 512, 4096));
	}
	rig_free(r);
}

static void test_indirect(void **state)
{
	struct rig *r = rig_new();
	struct vring_desc *tab = host(r, IND_GPA);
	uint16_t head = prep(r, VIRTIO_BLK_T_IN, 50);

	(void)state;
	put_chain(r, tab, 0, (const struct seg[]){
		{ hdr_gpa(head), 16, false }, { DATA_GPA, 512, true },
		{ DATA_GPA + 0x1000, 512, true }, { stat_gpa(head), 1, true } }, 4);
	r->desc[head] = (struct vring_desc){
		.addr = IND_GPA, .len = 4 * 16, .flags = VRING_DESC_F_INDIRECT,
	};
	r->next_desc++;
	offer(r, head);
	assert_int_equal(finish(r, head), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 1025);
	assert_true(is_pattern(data(r, 0), 50 * 512, 512));
	assert_true(is_pattern(data(r, 0x1000), 51 * 512, 512));
	rig_free(r);
}

static void test_get_id(void **state)
{
	struct rig *r = rig_new();
	struct virtio_blk_params p;

	(void)state;
	memset(data(r, 0), 0xaa, 64);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_GET_ID, 0, 0, 32, true), VIRTIO_BLK_S_OK);
	/* 20 bytes, cut, not terminated; the rest of the buffer untouched. */
	assert_memory_equal(data(r, 0), "0123456789abcdefghij", VIRTIO_BLK_ID_BYTES);
	assert_true(all_bytes(data(r, 20), 12, 0xaa));
	assert_int_equal(r->last_len, VIRTIO_BLK_ID_BYTES + 1);
	/* A buffer smaller than the ID gets what fits. */
	memset(data(r, 0), 0xaa, 64);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_GET_ID, 0, 0, 8, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(data(r, 0), "01234567", 8);
	assert_true(all_bytes(data(r, 8), 56, 0xaa));
	assert_int_equal(r->last_len, 9);
	/* GET_ID with a device-readable buffer is the wrong direction. */
	assert_int_equal(do_req(r, VIRTIO_BLK_T_GET_ID, 0, 0, 20, false), VIRTIO_BLK_S_IOERR);
	virtio_blk__destroy(&r->b);
	r->up = false;

	/* No serial: the disk's name, NUL-padded. */
	p = rig_params(r);
	p.serial = NULL;
	rig_init(r, &p);
	driver_up(r, DRV_FEATURES);
	memset(data(r, 0), 0xaa, 64);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_GET_ID, 0, 0, 20, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(data(r, 0), "vda", 4);
	assert_true(all_bytes(data(r, 3), 17, 0));
	rig_free(r);
}

static void test_write_zeroes(void **state)
{
	struct rig *r = rig_new();
	uint8_t buf[8 * 512];

	(void)state;
	file_read(r->path, 16 * 512, buf, sizeof(buf));
	assert_false(all_bytes(buf, sizeof(buf), 0));		/* something to zero */
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_WRITE_ZEROES, 16, 8, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 1);
	file_read(r->path, 16 * 512, buf, sizeof(buf));
	assert_true(all_bytes(buf, sizeof(buf), 0));
	assert_true(file_is_pattern(r->path, 15 * 512, 512));
	assert_true(file_is_pattern(r->path, 24 * 512, 512));
	/* The guest reads zeroes back. */
	memset(data(r, 0), 0xff, 4096);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 16, 0, 4096, true), VIRTIO_BLK_S_OK);
	assert_true(all_bytes(data(r, 0), 4096, 0));
	/* Two segments, UNMAP allowed. */
	assert_int_equal(finish(r, dwz(r, VIRTIO_BLK_T_WRITE_ZEROES, (const uint64_t[][3]){
		{ 40, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP }, { 50, 2, 0 } }, 2)),
			 VIRTIO_BLK_S_OK);
	file_read(r->path, 40 * 512, buf, 512);
	assert_true(all_bytes(buf, 512, 0));
	file_read(r->path, 50 * 512, buf, 1024);
	assert_true(all_bytes(buf, 1024, 0));
	assert_true(file_is_pattern(r->path, 41 * 512, 9 * 512));
	/* An unknown flag: UNSUPP, nothing zeroed. */
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_WRITE_ZEROES, 60, 1, 2), VIRTIO_BLK_S_UNSUPP);
	assert_true(file_is_pattern(r->path, 60 * 512, 512));
	/* Out of range, empty, a range running off the end: IOERR, untouched. */
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_WRITE_ZEROES, IMG_SECTORS, 1, 0),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_WRITE_ZEROES, 60, 0, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(finish(r, dwz(r, VIRTIO_BLK_T_WRITE_ZEROES, (const uint64_t[][3]){
		{ 60, 1, 0 }, { IMG_SECTORS - 1, 2, 0 } }, 2)), VIRTIO_BLK_S_IOERR);
	assert_true(file_is_pattern(r->path, 60 * 512, 512));
	assert_true(file_is_pattern(r->path, IMG_SIZE - 512, 512));
	read_ok(r, 60, 1);
	rig_free(r);
}

static void test_discard(void **state)
{
	struct rig *r = rig_new();
	uint16_t head;

	(void)state;
	/* What a discarded range reads is unspecified; its neighbours are not. */
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_DISCARD, 64, 8, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 1);
	assert_true(file_is_pattern(r->path, 63 * 512, 512));
	assert_true(file_is_pattern(r->path, 72 * 512, 512));
	/* Discard knows no flag at all. */
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_DISCARD, 80, 8, 1), VIRTIO_BLK_S_UNSUPP);
	assert_true(file_is_pattern(r->path, 80 * 512, 8 * 512));
	/* Segment bytes not a multiple of 16, or more segments than offered. */
	head = prep(r, VIRTIO_BLK_T_DISCARD, 0);
	memset(host(r, SEG_GPA + 512ULL * head), 0, 24);
	chain(r, (const struct seg[]){
		{ hdr_gpa(head), 16, false }, { SEG_GPA + 512ULL * head, 24, false },
		{ stat_gpa(head), 1, true } }, 3);
	assert_int_equal(finish(r, head), VIRTIO_BLK_S_IOERR);
	head = prep(r, VIRTIO_BLK_T_DISCARD, 0);
	memset(host(r, SEG_GPA + 512ULL * head), 0, 16 * (VIRTIO_BLK_MAX_DWZ_SEG + 1));
	chain(r, (const struct seg[]){
		{ hdr_gpa(head), 16, false },
		{ SEG_GPA + 512ULL * head, 16 * (VIRTIO_BLK_MAX_DWZ_SEG + 1), false },
		{ stat_gpa(head), 1, true } }, 3);
	assert_int_equal(finish(r, head), VIRTIO_BLK_S_IOERR);
	/* No segment at all. */
	assert_int_equal(do_req(r, VIRTIO_BLK_T_DISCARD, 0, 0, 0, false), VIRTIO_BLK_S_IOERR);
	read_ok(r, 80, 8);
	rig_free(r);
}

/* ------------------------------------------------ requests that fail */

static void test_out_of_range(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, IMG_SECTORS, 0, 512, true),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(r->last_len, 1);		/* no data claimed written */
	read_ok(r, 1, 1);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, IMG_SECTORS - 1, 0, 1024, true),
			 VIRTIO_BLK_S_IOERR);
	read_ok(r, 2, 1);
	/* Sectors chosen to overflow sector * 512 or sector + n. */
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, UINT64_MAX, 0, 512, true), VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, UINT64_MAX / 512 + 1, 0, 512, false),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, IMG_SECTORS, 0, 512, false),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(r->b.q[0].stats.ioerr, 5);
	read_ok(r, 3, 1);
	rig_free(r);
}

static void test_bad_length(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	memset(data(r, 0), 0x11, 1024);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 5, 0, 100, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 5, 0, 513, false), VIRTIO_BLK_S_IOERR);
	assert_true(file_is_pattern(r->path, 5 * 512, 1024));
	memset(data(r, 0), 0x11, 1024);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 5, 0, 513, true), VIRTIO_BLK_S_IOERR);
	assert_true(all_bytes(data(r, 0), 513, 0x11));
	read_ok(r, 5, 2);
	rig_free(r);
}

static void test_unknown_type(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	assert_int_equal(do_req(r, 99, 0, 0, 0, false), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(r->last_len, 1);
	/* Whatever data it carries, either way (GET_LIFETIME-style). */
	assert_int_equal(do_req(r, 99, 0, 0, 512, true), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_req(r, 99, 0, 0, 512, false), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(r->b.q[0].stats.unsupp, 3);
	read_ok(r, 0, 1);
	rig_free(r);
}

static void test_wrong_direction(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	/* IN whose data the device may only read. */
	memset(data(r, 0), 0x77, 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 0, 0, 512, false), VIRTIO_BLK_S_IOERR);
	assert_true(all_bytes(data(r, 0), 512, 0x77));
	/* OUT whose data the device would have to write. */
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 0, 0, 512, true), VIRTIO_BLK_S_IOERR);
	assert_true(all_bytes(data(r, 0), 512, 0x77));
	assert_true(file_is_pattern(r->path, 0, 512));
	read_ok(r, 0, 1);
	rig_free(r);
}

/* Chains without a usable header or status byte. */
static void test_short_chain(void **state)
{
	struct rig *r = rig_new();
	uint16_t head;

	(void)state;
	/* A header only: no status byte to write, used length 0. */
	head = prep(r, VIRTIO_BLK_T_IN, 0);
	chain(r, (const struct seg[]){ { hdr_gpa(head), 16, false } }, 1);
	assert_int_equal(finish(r, head), UNSET);
	assert_int_equal(r->last_len, 0);
	/* A header shorter than 16 bytes: IOERR. */
	head = prep(r, VIRTIO_BLK_T_IN, 0);
	chain(r, (const struct seg[]){
		{ hdr_gpa(head), 8, false }, { stat_gpa(head), 1, true } }, 2);
	assert_int_equal(finish(r, head), VIRTIO_BLK_S_IOERR);
	assert_int_equal(r->b.q[0].stats.bad_chain, 2);
	read_ok(r, 0, 1);
	rig_free(r);
}

/* VIRTIO_PCI_CAP_PCI_CFG: BAR registers through config space, as the
 * spec's alternative access method (a driver without the BAR mapped). */
static void test_pci_cfg_window(void **state)
{
	struct rig *r = rig_new();
	struct pci_func *f = &r->b.vp.pci;
	unsigned o = r->b.vp.cfg_cap;
	uint32_t v = 0;

	(void)state;
	assert_true(o >= PCI_CAP_FIRST);
	assert_int_equal(pci__get8(f, o), PCI_CAP_ID_VNDR);
	assert_int_equal(pci__get8(f, o + VIRTIO_PCI_CAP_CFG_TYPE), VIRTIO_PCI_CAP_PCI_CFG);
	/* num_queues (2 bytes) reads through the window. */
	assert_int_equal(pci__cfg_write(f, o + VIRTIO_PCI_CAP_BAR, 1, 0), 0);
	assert_int_equal(pci__cfg_write(f, o + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_NUMQ), 0);
	assert_int_equal(pci__cfg_write(f, o + VIRTIO_PCI_CAP_LENGTH, 4, 2), 0);
	assert_int_equal(pci__cfg_read(f, o + 16, 2, &v), 0);
	assert_int_equal(v, r->b.nr_queues);
	/* A write goes through too: queue_select. */
	assert_int_equal(pci__cfg_write(f, o + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_Q_SELECT), 0);
	assert_int_equal(pci__cfg_write(f, o + 16, 2, 0x7), 0);
	assert_int_equal(r->b.vp.queue_select, 7);
	/* An odd window (length 3, or past the BAR) does nothing. */
	assert_int_equal(pci__cfg_write(f, o + VIRTIO_PCI_CAP_LENGTH, 4, 3), 0);
	assert_int_equal(pci__cfg_write(f, o + 16, 2, 0x1), 0);
	assert_int_equal(r->b.vp.queue_select, 7);
	assert_int_equal(pci__cfg_write(f, o + VIRTIO_PCI_CAP_LENGTH, 4, 4), 0);
	assert_int_equal(pci__cfg_write(f, o + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_BAR_SIZE), 0);
	assert_int_equal(pci__cfg_write(f, o + 16, 4, 0x1), 0);
	assert_int_equal(r->b.vp.queue_select, 7);
	rig_free(r);
}

/* Bus Master Enable clear: the device leaves the ring and the buffers
 * alone; set again, the waiting request is served. */
static void test_bus_master(void **state)
{
	struct rig *r = rig_new();
	uint16_t head;

	(void)state;
	command(r, false);
	head = req(r, VIRTIO_BLK_T_IN, 1, 0, 512, true);
	assert_int_equal(poll_q(r), 0);
	assert_int_equal(r->b.q[0].stats.requests, 0);
	command(r, true);
	assert_int_equal(poll_q(r), 1);
	assert_int_equal(next_used(r).id, head);
	assert_int_equal(req_status(r, head), VIRTIO_BLK_S_OK);
	rig_free(r);
}

/* A buffer outside RAM: that request fails with IOERR in its (good) status
 * byte and used length 1, the next is served in the same poll. */
static void test_bad_buffer(void **state)
{
	struct rig *r = rig_new();
	uint16_t bad, good;
	struct vring_used_elem e;

	(void)state;
	bad = prep(r, VIRTIO_BLK_T_IN, 0);
	chain(r, (const struct seg[]){
		{ hdr_gpa(bad), 16, false }, { RAM_END - 256, 512, true },
		{ stat_gpa(bad), 1, true } }, 3);
	good = req(r, VIRTIO_BLK_T_IN, 1, 0, 512, true);
	assert_int_equal(poll_q(r), 2);
	e = next_used(r);
	assert_int_equal(e.id, bad);
	assert_int_equal(e.len, 1);
	assert_int_equal(req_status(r, bad), VIRTIO_BLK_S_IOERR);
	e = next_used(r);
	assert_int_equal(e.id, good);
	assert_int_equal(req_status(r, good), VIRTIO_BLK_S_OK);
	assert_true(is_pattern(data(r, 0), 512, 512));
	assert_int_equal(r->b.q[0].stats.bad_chain, 1);
	assert_int_equal(status(r) & S_RESET, 0);
	rig_free(r);
}

static void test_readonly(void **state)
{
	struct rig *r = rig_alloc();
	struct virtio_blk_params p = rig_params(r);
	uint64_t f;

	(void)state;
	p.disk.readonly = true;
	rig_init(r, &p);
	f = device_features(r);
	assert_true(f & BIT(VIRTIO_BLK_F_RO));
	assert_false(f & BIT(VIRTIO_BLK_F_DISCARD));
	assert_false(f & BIT(VIRTIO_BLK_F_WRITE_ZEROES));
	driver_up(r, RO_FEATURES);
	memset(data(r, 0), 0, 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 0, 0, 512, false), VIRTIO_BLK_S_IOERR);
	assert_true(file_is_pattern(r->path, 0, 512));
	/* Whatever the driver negotiated, nothing writes. */
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_WRITE_ZEROES, 0, 1, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_DISCARD, 0, 1, 0), VIRTIO_BLK_S_IOERR);
	assert_true(file_is_pattern(r->path, 0, 512));
	assert_int_equal(do_req(r, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false), VIRTIO_BLK_S_OK);
	read_ok(r, 0, 1);
	rig_free(r);
}

/* A host error fails that request only: the image fd made read-only under
 * the device for one write. */
static void test_host_ioerr(void **state)
{
	struct rig *r = rig_new();
	int saved = dup(r->b.disk.fd), ro = open(r->path, O_RDONLY);
	uint8_t buf[512];

	(void)state;
	assert_true(saved >= 0 && ro >= 0);
	assert_true(dup2(ro, r->b.disk.fd) >= 0);
	close(ro);
	memset(data(r, 0), 0x42, 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 9, 0, 512, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(r->b.q[0].stats.ioerr, 1);
	assert_true(file_is_pattern(r->path, 9 * 512, 512));
	read_ok(r, 9, 1);			/* reads still work on that fd */
	/* Fix the host: the same request now succeeds. */
	assert_true(dup2(saved, r->b.disk.fd) >= 0);
	close(saved);
	memset(data(r, 0), 0x42, 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 9, 0, 512, false), VIRTIO_BLK_S_OK);
	file_read(r->path, 9 * 512, buf, 512);
	assert_true(all_bytes(buf, 512, 0x42));
	assert_int_equal(status(r) & S_RESET, 0);
	rig_free(r);
}

static void test_snapshot(void **state)
{
	struct rig *r = rig_alloc();
	struct virtio_blk_params p = rig_params(r);
	uint16_t head;
	int overlay;

	(void)state;
	p.disk.snapshot = true;
	rig_init(r, &p);
	assert_true(r->b.disk.snapshot);
	assert_false(device_features(r) & BIT(VIRTIO_BLK_F_RO));
	driver_up(r, DRV_FEATURES);
	/* Sectors 4 and 5 written; the guest sees them. */
	memset(data(r, 0), 0x5a, 1024);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 4, 0, 1024, false), VIRTIO_BLK_S_OK);
	memset(data(r, 0x1000), 0, 1024);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 4, 0x1000, 1024, true), VIRTIO_BLK_S_OK);
	assert_true(all_bytes(data(r, 0x1000), 1024, 0x5a));
	/* The base is unchanged. */
	assert_true(file_is_pattern(r->path, 0, IMG_SIZE));
	/* 3..6: unwritten, written, written, unwritten, into buffers that
	 * split neither at a sector boundary nor where the runs do. */
	memset(data(r, 0x2000), 0, 0x2000);
	head = prep(r, VIRTIO_BLK_T_IN, 3);
	chain(r, (const struct seg[]){
		{ hdr_gpa(head), 16, false }, { DATA_GPA + 0x2000, 700, true },
		{ DATA_GPA + 0x3000, 1348, true }, { stat_gpa(head), 1, true } }, 4);
	assert_int_equal(finish(r, head), VIRTIO_BLK_S_OK);
	assert_int_equal(r->last_len, 2049);
	assert_true(is_pattern(data(r, 0x2000), 3 * 512, 512));
	assert_true(all_bytes(data(r, 0x2000) + 512, 188, 0x5a));
	assert_true(all_bytes(data(r, 0x3000), 1024 - 188, 0x5a));
	assert_true(is_pattern(data(r, 0x3000) + 1024 - 188, 6 * 512, 512));
	/* Write-zeroes goes to the overlay too. */
	assert_int_equal(dwz1(r, VIRTIO_BLK_T_WRITE_ZEROES, 6, 1, 0), VIRTIO_BLK_S_OK);
	memset(data(r, 0), 0xff, 4 * 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 5, 0, 3 * 512, true), VIRTIO_BLK_S_OK);
	assert_true(all_bytes(data(r, 0), 512, 0x5a));
	assert_true(all_bytes(data(r, 512), 512, 0));
	assert_true(is_pattern(data(r, 1024), 7 * 512, 512));
	assert_int_equal(do_req(r, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false), VIRTIO_BLK_S_OK);
	/* A write that fails on the host leaves the base visible. */
	overlay = r->b.disk.overlay_fd;
	r->b.disk.overlay_fd = r->b.disk.fd;		/* read-only: the write fails */
	memset(data(r, 0), 0x99, 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 20, 0, 512, false), VIRTIO_BLK_S_IOERR);
	r->b.disk.overlay_fd = overlay;
	read_ok(r, 19, 3);
	assert_true(file_is_pattern(r->path, 0, IMG_SIZE));
	rig_free(r);
}

/* Snapshot of an image whose mode says read-only: allowed. */
static void test_snapshot_readonly_file(void **state)
{
	struct rig *r = rig_alloc();
	struct virtio_blk_params p = rig_params(r);

	(void)state;
	assert_int_equal(chmod(r->path, 0444), 0);
	p.disk.snapshot = true;
	rig_init(r, &p);
	driver_up(r, DRV_FEATURES);
	memset(data(r, 0), 0x3c, 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_OUT, 1, 0, 512, false), VIRTIO_BLK_S_OK);
	memset(data(r, 0), 0, 512);
	assert_int_equal(do_req(r, VIRTIO_BLK_T_IN, 1, 0, 512, true), VIRTIO_BLK_S_OK);
	assert_true(all_bytes(data(r, 0), 512, 0x3c));
	assert_true(file_is_pattern(r->path, 0, IMG_SIZE));
	rig_free(r);
}

/* ------------------------------------------------- a broken queue */

static void test_broken_ring(void **state)
{
	struct rig *r = rig_new();
	uint16_t head;

	(void)state;
	/* a -> b -> a */
	head = prep(r, VIRTIO_BLK_T_IN, 0);
	r->desc[head] = (struct vring_desc){
		.addr = hdr_gpa(head), .len = 16, .flags = VRING_DESC_F_NEXT, .next = head + 1 };
	r->desc[head + 1] = (struct vring_desc){
		.addr = DATA_GPA, .len = 512, .flags = VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		.next = head };
	offer(r, head);
	assert_int_equal(poll_q(r), -EPROTO);
	assert_int_equal(status(r), S_ACK | S_DRIVER | S_FOK | S_DOK | S_RESET);
	assert_int_equal(r->used->idx, 0);
	assert_int_equal(req_status(r, head), UNSET);
	/* The driver learns of it through the configuration vector. */
	assert_int_equal(atomic_load(&r->msi[1]), 1);
	assert_int_equal(atomic_load(&r->msi[0]), 0);
	/* The driver cannot clear it short of a reset... */
	wr8(r, STATUS, S_ACK | S_DRIVER | S_FOK | S_DOK);
	assert_true(status(r) & S_RESET);
	/* ...after which the device works again. */
	driver_up(r, DRV_FEATURES);
	read_ok(r, 0, 1);
	rig_free(r);
}

/* -------------------------------------------------------- interrupts */

static void test_event_idx(void **state)
{
	struct rig *r = rig_new();
	uint16_t *used_event = &r->avail->ring[QSZ];
	uint16_t *avail_event = (uint16_t *)&r->used->ring[QSZ];

	(void)state;
	driver_up(r, DRV_FEATURES | BIT(VIRTIO_RING_F_EVENT_IDX));
	*used_event = 0;
	read_ok(r, 0, 1);
	assert_int_equal(atomic_load(&r->msi[0]), 1);		/* the first always */
	/* The device asked to be kicked at the next avail entry. */
	assert_int_equal(*avail_event, 1);
	/* The driver wants no interrupt before entry 4. */
	*used_event = 4;
	read_ok(r, 1, 1);
	read_ok(r, 2, 1);
	read_ok(r, 3, 1);
	assert_int_equal(atomic_load(&r->msi[0]), 1);
	read_ok(r, 4, 1);					/* entry 4: used idx 5 */
	assert_int_equal(atomic_load(&r->msi[0]), 2);
	assert_int_equal(*avail_event, 5);
	rig_free(r);
}

static void test_no_interrupt_flag(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	r->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	read_ok(r, 0, 1);
	read_ok(r, 1, 1);
	assert_int_equal(atomic_load(&r->msi[0]), 0);
	r->avail->flags = 0;
	read_ok(r, 2, 1);
	assert_int_equal(atomic_load(&r->msi[0]), 1);
	/* A masked vector latches its pending bit instead. */
	bar_wr(r, VIRTIO_PCI_MSIX_OFF + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 1);
	read_ok(r, 3, 1);
	assert_int_equal(atomic_load(&r->msi[0]), 1);
	assert_true(msix__pending(&r->b.vp.msix, 0));
	bar_wr(r, VIRTIO_PCI_MSIX_OFF + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	assert_int_equal(atomic_load(&r->msi[0]), 2);
	/* Suppressed interrupts never reached the transport. */
	assert_int_equal(atomic_load(&r->b.vp.irqs_msix), 2);
	rig_free(r);
}

/* --------------------------------------------------------- disk__open */

static void test_disk_open_errors(void **state)
{
	struct disk_params dp = { .tmpdir = "/tmp" };
	char path[32], why[256], err[512];
	struct virtio_blk_params p = { .name = "vdx", .queues = 1, .send = count_msi };
	struct virtio_blk *b = calloc(1, sizeof(*b));
	struct disk d;
	int fd;

	(void)state;
	assert_non_null(b);
	dp.path = "/tmp/mvmm-blk-does-not-exist";
	assert_int_equal(disk__open(&d, &dp, why, sizeof(why)), -ENOENT);
	p.disk = dp;
	assert_int_equal(virtio_blk__init(b, &p, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/tmp/mvmm-blk-does-not-exist"));
	dp.path = "/tmp";
	assert_int_equal(disk__open(&d, &dp, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a regular file"));

	strcpy(path, "/tmp/mvmm-blk-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	dp.path = path;
	assert_int_equal(disk__open(&d, &dp, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(ftruncate(fd, 1000), 0);
	assert_int_equal(disk__open(&d, &dp, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a multiple of 512"));
	assert_int_equal(ftruncate(fd, 4096), 0);
	close(fd);

	/* Mode 0444: refused read-write even to root (who could open it),
	 * fine read-only or as a snapshot. */
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(disk__open(&d, &dp, why, sizeof(why)), -EROFS);
	assert_non_null(strstr(why, "read-only"));
	dp.readonly = true;
	assert_int_equal(disk__open(&d, &dp, why, sizeof(why)), 0);
	assert_true(d.readonly);
	assert_int_equal(d.sectors, 8);
	disk__close(&d);
	dp.readonly = false;
	dp.snapshot = true;
	assert_int_equal(disk__open(&d, &dp, why, sizeof(why)), 0);
	assert_true(d.snapshot);
	assert_true(d.overlay_fd >= 0);
	disk__close(&d);

	/* Bad parameters. */
	p.disk.path = path;
	p.queues = 0;
	assert_int_equal(virtio_blk__init(b, &p, err, sizeof(err)), -EINVAL);
	p.queues = VIRTIO_BLK_MAX_QUEUES + 1;
	assert_int_equal(virtio_blk__init(b, &p, err, sizeof(err)), -EINVAL);
	p.queues = 1;
	p.disk.readonly = true;
	p.send = NULL;				/* the transport refuses */
	assert_int_equal(virtio_blk__init(b, &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(b->disk.fd, -1);	/* closed again */
	unlink(path);
	free(b);
}

/* ------------------------------------------------ the real I/O thread */

static bool wait_used(struct rig *r, uint16_t idx)
{
	struct timespec ts = { 0, 1000000 };
	unsigned i;

	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) == idx)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static void test_io_thread(void **state)
{
	struct rig *r = rig_alloc();
	struct virtio_blk_params p = rig_params(r);
	uint16_t h1, h2, h3;
	unsigned i;

	(void)state;
	p.no_threads = false;
	rig_init(r, &p);
	driver_setup(r, DRV_FEATURES | BIT(VIRTIO_RING_F_EVENT_IDX));
	/* A request waiting since before DRIVER_OK is served at start. */
	h1 = req(r, VIRTIO_BLK_T_IN, 30, 0, 512, true);
	driver_ok(r);
	assert_true(wait_used(r, 1));
	assert_int_equal(req_status(r, h1), VIRTIO_BLK_S_OK);
	assert_true(is_pattern(data(r, 0), 30 * 512, 512));
	assert_true(virtio_blk__io_tid(&r->b, 0) > 0);
	/* Then by the doorbell. */
	memset(data(r, 0x1000), 0x61, 512);
	h2 = req(r, VIRTIO_BLK_T_OUT, 31, 0x1000, 512, false);
	bar_wr(r, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	assert_true(wait_used(r, 2));
	assert_int_equal(req_status(r, h2), VIRTIO_BLK_S_OK);
	h3 = req(r, VIRTIO_BLK_T_IN, 31, 0x2000, 512, true);
	bar_wr(r, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	assert_true(wait_used(r, 3));
	assert_int_equal(req_status(r, h3), VIRTIO_BLK_S_OK);
	assert_true(all_bytes(data(r, 0x2000), 512, 0x61));
	/* The interrupt follows the used entry; give it a moment. */
	for (i = 0; i < 1000 && !atomic_load(&r->msi[0]); i++)
		usleep(1000);
	assert_true(atomic_load(&r->msi[0]) >= 1);
	/* Reset stops (joins) the thread. */
	wr8(r, STATUS, 0);
	assert_int_equal(virtio_blk__io_tid(&r->b, 0), 0);
	assert_false(r->b.q[0].running);
	rig_free(r);
}

#define T(fn)	cmocka_unit_test_teardown(fn, cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_features),
		T(test_reset_registers),
		T(test_queue_refused),
		T(test_devcfg),
		T(test_two_queues),
		T(test_read),
		T(test_write),
		T(test_flush),
		T(test_batch),
		T(test_indirect),
		T(test_get_id),
		T(test_write_zeroes),
		T(test_discard),
		T(test_out_of_range),
		T(test_bad_length),
		T(test_unknown_type),
		T(test_wrong_direction),
		T(test_short_chain),
		T(test_bad_buffer),
		T(test_bus_master),
		T(test_pci_cfg_window),
		T(test_readonly),
		T(test_host_ioerr),
		T(test_snapshot),
		T(test_snapshot_readonly_file),
		T(test_broken_ring),
		T(test_event_idx),
		T(test_no_interrupt_flag),
		T(test_disk_open_errors),
		T(test_io_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
