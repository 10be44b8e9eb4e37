/*
 * mock-accel DMA engine against a fake guest memory (three heap regions:
 * two adjacent, one after a hole, each between canary bytes): the checks in
 * their documented order, every bad request through the registers (error
 * code, DMA_SEQ, nothing read or written, no byte outside guest RAM),
 * copy/fill/checksum in every address-space combination and across region
 * boundaries, CSUM_CONTINUE chaining, dropped doorbells, DMA_ABORT and Bus
 * Master Enable cleared mid-operation, a reset dropping a running
 * operation, MSI-X completion with masking and the PBA, the real worker
 * thread (pinned, named, completing on its own), and device memory bound
 * with mbind.
 */
#include <numaif.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/mock_accel_test_util.h"
#include "vmm/util.h"

#define SRC_DEV	MOCK_ACCEL_DMA_CTRL_SRC_DEV
#define DST_DEV	MOCK_ACCEL_DMA_CTRL_DST_DEV
#define COPY	MOCK_ACCEL_DMA_OP_COPY
#define FILL	MOCK_ACCEL_DMA_OP_FILL
#define CSUM	MOCK_ACCEL_DMA_OP_CHECKSUM
#define IRQ	MOCK_ACCEL_DMA_CTRL_IRQ
#define ERR(e)	MOCK_ACCEL_DMA_STATUS_MAKE(MOCK_ACCEL_DMA_STATE_ERROR, MOCK_ACCEL_DMA_ERR_##e)
#define DONE	MOCK_ACCEL_DMA_STATE_DONE
#define MEMSZ	(8ULL << 20)	/* the PF's device memory in these tests */

static struct rig *dma_rig(void)
{
	struct mock_accel_params p = rig_params();

	p.memory_size = MEMSZ;
	p.vf_memory_size = 1ULL << 20;
	return rig_new_with(p);
}

/* Program the DMA registers of the function whose BAR0 is at @bar0. */
static void program(struct rig *r, uint64_t bar0, uint32_t ctrl, uint64_t src, uint64_t dst,
		    uint64_t len)
{
	wr_at(r, bar0 + MOCK_ACCEL_REG_DMA_SRC, 8, src);
	wr_at(r, bar0 + MOCK_ACCEL_REG_DMA_DST, 8, dst);
	wr_at(r, bar0 + MOCK_ACCEL_REG_DMA_LEN, 8, len);
	wr_at(r, bar0 + MOCK_ACCEL_REG_DMA_CTRL, 4, ctrl);
}

/* One operation on the PF, run to completion; returns DMA_STATUS. */
static uint32_t run(struct rig *r, uint32_t ctrl, uint64_t src, uint64_t dst, uint64_t len)
{
	uint32_t seq = mmio_rd(r, MOCK_ACCEL_REG_DMA_SEQ, 4);

	program(r, r->bar0, ctrl, src, dst, len);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_int_equal(mock_accel__dma_poll(&r->d), 1);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_SEQ, 4), seq + 1);
	return mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4);
}

static uint64_t result(struct rig *r)
{
	return mmio_rd(r, MOCK_ACCEL_REG_DMA_RESULT, 8);
}

static void fill_random(uint8_t *p, uint64_t len, uint64_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = seed >> 56;
	}
}

static uint64_t fnv(const void *p, uint64_t len)
{
	return mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, p, len);
}

/* mock_accel_dma__check directly: each failing check, and which wins
 * when several fail (the documented order). */
static void test_check_order(void **state)
{
	struct rig *r = dma_rig();
	const struct gmem *m = &r->mem;
	struct mock_accel_op op;
	const uint64_t ram_end = RIG_RAM2 + RIG_RAM2_SIZE;

#define CHECK(expect, c, s, d, l, vec, bme) do { \
	op = (struct mock_accel_op){ .ctrl = (c), .src = (s), .dst = (d), .len = (l), \
				     .vector = (vec) }; \
	assert_int_equal(mock_accel_dma__check(&op, m, MEMSZ, bme), MOCK_ACCEL_DMA_ERR_##expect); \
} while (0)
	(void)state;
	CHECK(NONE, COPY, 0x1000, 0, 4096, 0, true);
	CHECK(NONE, COPY | DST_DEV | IRQ, 0x1000, 0, 4096, 1, true);
	/* 1: op and reserved bits */
	CHECK(BAD_OP, 0, 0x1000, 0, 16, 0, true);
	CHECK(BAD_OP, 4, 0x1000, 0, 16, 0, true);
	CHECK(BAD_OP, 15, 0x1000, 0, 16, 0, true);
	CHECK(BAD_OP, COPY | (1u << 20), 0x1000, 0, 16, 0, true);
	CHECK(BAD_OP, COPY | (1u << 4), 0, 0, 0, 99, false);		/* wins over all */
	/* 2: vector */
	CHECK(BAD_VECTOR, COPY | IRQ, 0x1000, 0, 16, MOCK_ACCEL_MSIX_VECTORS, true);
	CHECK(BAD_VECTOR, COPY | IRQ, 0, 0, 0, 0xffffffff, false);	/* over BAD_LEN */
	CHECK(NONE, COPY, 0x1000, 0x2000, 16, 0xffffffff, true);	/* no IRQ: unused */
	/* 3: length */
	CHECK(BAD_LEN, COPY, 0x1000, 0x2000, 0, 0, true);
	CHECK(BAD_LEN, FILL | DST_DEV, 0, ~0ULL, 0, 0, false);	/* over OVERFLOW */
	/* 4: wrap past 2^64, either side that is used */
	CHECK(OVERFLOW, COPY | SRC_DEV, ~0ULL - 4095, 0x1000, 8192, 0, true);
	CHECK(OVERFLOW, COPY | DST_DEV, 0x1000, ~0ULL, 2, 0, true);
	CHECK(OVERFLOW, CSUM, 0x100000, 0, ~0ULL, 0, true);
	CHECK(OVERFLOW, COPY, ~0ULL, ram_end + 4096, 2, 0, false);	/* over BAD_ADDR */
	CHECK(NONE, CSUM | SRC_DEV, 0, ~0ULL, MEMSZ, 0, true);		/* dst unused */
	CHECK(DEV_RANGE, CSUM | SRC_DEV, ~0ULL - 4095, 0, 4096, 0, true);	/* ends at 2^64 */
	/* 5: guest ranges in RAM (adjacent regions count as one range) */
	CHECK(NONE, COPY | DST_DEV, RIG_RAM0, 0, RIG_RAM0_SIZE + RIG_RAM1_SIZE, 0, true);
	CHECK(BAD_ADDR, COPY | DST_DEV, RIG_RAM0, 0, RIG_RAM0_SIZE + RIG_RAM1_SIZE + 1, 0, true);
	CHECK(BAD_ADDR, COPY | SRC_DEV, 0, RIG_RAM1 + RIG_RAM1_SIZE, 1, 0, true);	/* the hole */
	CHECK(BAD_ADDR, COPY | SRC_DEV, 0, RIG_RAM2 - 1, 2, 0, true);
	CHECK(BAD_ADDR, COPY | SRC_DEV, 0, ram_end - 1, 2, 0, true);
	CHECK(BAD_ADDR, FILL, 0, 1ULL << 50, 4096, 0, true);
	CHECK(BAD_ADDR, COPY | DST_DEV, ram_end, MEMSZ, 1, 0, false);	/* over DEV_RANGE */
	/* 6: device ranges within MEMORY_SIZE */
	CHECK(NONE, FILL | DST_DEV, 0, MEMSZ - 1, 1, 0, true);
	CHECK(DEV_RANGE, FILL | DST_DEV, 0, MEMSZ, 1, 0, true);
	CHECK(DEV_RANGE, COPY | SRC_DEV, MEMSZ - 4095, 0x1000, 4096, 0, true);
	CHECK(DEV_RANGE, CSUM | SRC_DEV, 0, 0, MEMSZ + 1, 0, true);
	CHECK(DEV_RANGE, COPY | SRC_DEV | DST_DEV, 0, MEMSZ, 8, 0, true);	/* over OVERLAP */
	/* 7: COPY overlap in one space, SRC == DST included */
	CHECK(OVERLAP, COPY | SRC_DEV | DST_DEV, 0, 4096, 8192, 0, true);
	CHECK(OVERLAP, COPY | SRC_DEV | DST_DEV, 512, 512, 64, 0, true);
	CHECK(OVERLAP, COPY, 0x1000, 0x1000 + 4095, 4096, 0, false);	/* over BME */
	CHECK(NONE, COPY, 0x1000, 0x1000 + 4096, 4096, 0, true);	/* touching is fine */
	CHECK(NONE, COPY | DST_DEV, 0x1000, 0x1000, 4096, 0, true);	/* other space */
	/* 8: Bus Master Enable for guest ranges only */
	CHECK(NO_BUSMASTER, COPY | DST_DEV, 0x1000, 0, 4096, 0, false);
	CHECK(NO_BUSMASTER, FILL, 0, 0x1000, 4096, 0, false);
	CHECK(NONE, COPY | SRC_DEV | DST_DEV, 0, 8192, 4096, 0, false);
	CHECK(NONE, CSUM | SRC_DEV, 0, 0, 4096, 0, false);
	/* No guest memory at all: every guest range is bad. */
	op = (struct mock_accel_op){ .ctrl = CSUM, .src = 0, .len = 1 };
	assert_int_equal(mock_accel_dma__check(&op, NULL, MEMSZ, true), MOCK_ACCEL_DMA_ERR_BAD_ADDR);
#undef CHECK
	rig_free(r);
}

/* Every bad request through the registers: the error, DMA_SEQ moves,
 * RESULT 0, and neither guest RAM nor device memory changes. */
static void test_bad_requests(void **state)
{
	struct rig *r = dma_rig();
	const uint64_t ram_end = RIG_RAM2 + RIG_RAM2_SIZE;
	uint64_t sum_ram[3], sum_dev;
	static const struct {
		uint32_t status, ctrl;
		uint64_t src, dst, len;
		uint32_t vector;
		bool no_bme;
	} bad[] = {
		{ ERR(BAD_OP), 0, 0x1000, 0, 16, 0, false },
		{ ERR(BAD_OP), COPY | (1u << 30), 0x1000, 0, 16, 0, false },
		{ ERR(BAD_VECTOR), FILL | DST_DEV | IRQ, 0, 0, 16, 2, false },
		{ ERR(BAD_LEN), FILL, 0, 0x1000, 0, 0, false },
		{ ERR(OVERFLOW), COPY | DST_DEV, ~0ULL - 4095, 0, 8192, 0, false },
		{ ERR(OVERFLOW), FILL | DST_DEV, 0, 8, ~0ULL, 0, false },
		{ ERR(BAD_ADDR), FILL, 0, ram_end, 4096, 0, false },
		{ ERR(BAD_ADDR), FILL, 0, ram_end - 2048, 4096, 0, false },
		{ ERR(BAD_ADDR), COPY | SRC_DEV, 0, RIG_RAM1 + RIG_RAM1_SIZE - 1, 2, 0, false },
		{ ERR(BAD_ADDR), CSUM, 1ULL << 48, 0, 1, 0, false },
		{ ERR(DEV_RANGE), FILL | DST_DEV, 0, MEMSZ - 1, 2, 0, false },
		{ ERR(DEV_RANGE), COPY | DST_DEV, 0x1000, MEMSZ, 1, 0, false },
		{ ERR(OVERLAP), COPY | SRC_DEV | DST_DEV, 0, 100, 4096, 0, false },
		{ ERR(OVERLAP), COPY, 0x1000, 0x1800, 4096, 0, false },
		{ ERR(NO_BUSMASTER), FILL, 0, 0x1000, 4096, 0, true },
		{ ERR(NO_BUSMASTER), COPY | DST_DEV, 0x1000, 0, 4096, 0, true },
	};
	unsigned i;

	(void)state;
	fill_random(rig_ram_ptr(r, 0), RIG_RAM0_SIZE, 1);
	fill_random(r->d.pf.mem, MEMSZ, 2);
	for (i = 0; i < 3; i++)
		sum_ram[i] = fnv(r->ram[i] + RIG_GUARD, rig_ram[i].size);
	sum_dev = fnv(r->d.pf.mem, MEMSZ);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY |
		       (bad[i].no_bme ? 0 : PCI_COMMAND_MASTER));
		mmio_wr(r, MOCK_ACCEL_REG_DMA_RESULT, 8, 0x1234);
		mmio_wr(r, MOCK_ACCEL_REG_DMA_IRQ_VECTOR, 4, bad[i].vector);
		assert_int_equal(run(r, bad[i].ctrl, bad[i].src, bad[i].dst, bad[i].len),
				 bad[i].status);
		assert_true(result(r) == 0);
	}
	for (i = 0; i < 3; i++)
		assert_true(fnv(r->ram[i] + RIG_GUARD, rig_ram[i].size) == sum_ram[i]);
	assert_true(fnv(r->d.pf.mem, MEMSZ) == sum_dev);
	rig_check_guards(r);
	assert_int_equal(r->s.calls, 0);	/* MSI-X never enabled */
	/* Acknowledge: IDLE. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_STATUS, 4, 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), MOCK_ACCEL_DMA_STATE_IDLE);
	rig_free(r);
}

static void test_operations(void **state)
{
	struct rig *r = dma_rig();
	uint8_t *ram = rig_ram_ptr(r, 0), *dev = r->d.pf.mem;
	uint64_t span = RIG_RAM0_SIZE + RIG_RAM1_SIZE, i, h;
	uint8_t *ram2 = rig_ram_ptr(r, RIG_RAM2);

	(void)state;
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* Guest -> device over two adjacent regions, several pieces. */
	fill_random(ram, RIG_RAM0_SIZE, 7);
	fill_random(rig_ram_ptr(r, RIG_RAM1), RIG_RAM1_SIZE, 8);
	assert_int_equal(run(r, COPY | DST_DEV, RIG_RAM0 + 3, 5, span - 3), DONE);
	assert_true(result(r) == span - 3);
	assert_memory_equal(dev + 5, ram + 3, RIG_RAM0_SIZE - 3);
	assert_memory_equal(dev + 5 + RIG_RAM0_SIZE - 3, rig_ram_ptr(r, RIG_RAM1), RIG_RAM1_SIZE);
	/* Checksum in device memory equals FNV-1a of what went there. */
	h = fnv(dev + 5, span - 3);
	assert_int_equal(run(r, CSUM | SRC_DEV, 5, 0, span - 3), DONE);
	assert_true(result(r) == h);
	/* ... and chained: first part, then CSUM_CONTINUE over the rest. */
	assert_int_equal(run(r, CSUM | SRC_DEV, 5, 0, 1000), DONE);
	assert_int_equal(run(r, CSUM | SRC_DEV | MOCK_ACCEL_DMA_CTRL_CSUM_CONTINUE, 1005, 0,
			     span - 1003), DONE);
	assert_true(result(r) == h);
	/* Device -> guest (the region after the hole), device -> device. */
	assert_int_equal(run(r, COPY | SRC_DEV, 5, RIG_RAM2 + 1, RIG_RAM2_SIZE - 1), DONE);
	assert_memory_equal(ram2 + 1, dev + 5, RIG_RAM2_SIZE - 1);
	assert_int_equal(run(r, COPY | SRC_DEV | DST_DEV, 0, MEMSZ / 2, MEMSZ / 2), DONE);
	assert_memory_equal(dev + MEMSZ / 2, dev, MEMSZ / 2);
	/* Guest -> guest, non-overlapping. */
	assert_int_equal(run(r, COPY, RIG_RAM2, 0x1000, 0x10000), DONE);
	assert_memory_equal(ram + 0x1000, ram2, 0x10000);
	/* FILL: byte i is pattern byte i % 4, from the start of the range;
	 * guard bytes around it untouched. */
	memset(dev, 0x3c, 3 * SZ_1M);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_PATTERN, 4, 0xa1b2c3d4);
	assert_int_equal(run(r, FILL | DST_DEV, 0, 1, 2 * SZ_1M + 7), DONE);
	assert_true(result(r) == 2 * SZ_1M + 7);
	assert_int_equal(dev[0], 0x3c);
	for (i = 0; i < 2 * SZ_1M + 7; i++)
		if (dev[1 + i] != mock_accel_fill_byte(0xa1b2c3d4, i))
			fail_msg("fill byte %llu", (unsigned long long)i);
	assert_int_equal(dev[2 * SZ_1M + 8], 0x3c);
	/* FILL into guest RAM across the region boundary. */
	assert_int_equal(run(r, FILL, 0, RIG_RAM1 - 3, 10), DONE);
	assert_int_equal(ram[RIG_RAM0_SIZE - 3], 0xd4);
	assert_int_equal(*rig_ram_ptr(r, RIG_RAM1), 0xa1);	/* byte 3 */
	assert_int_equal(*rig_ram_ptr(r, RIG_RAM1 + 1), 0xd4);
	/* The whole device memory, and the registers read back. */
	assert_int_equal(run(r, CSUM | SRC_DEV, 0, 0, MEMSZ), DONE);
	assert_true(result(r) == fnv(dev, MEMSZ));
	assert_true(mmio_rd(r, MOCK_ACCEL_REG_DMA_LEN, 8) == MEMSZ);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_CTRL, 4), CSUM | SRC_DEV);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4), 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_ABORT, 4), 0);
	rig_check_guards(r);
	rig_free(r);
}

/* A VF's engine works on the VF's own memory and its own Bus Master. */
static void test_vf_engine(void **state)
{
	struct rig *r = dma_rig();
	uint64_t vf1 = vf_bar(r, 1, 0);

	(void)state;
	rig_enable_vfs(r, 2);
	fill_random(rig_ram_ptr(r, 0), 65536, 3);
	program(r, vf1, COPY | DST_DEV, 0, 100, 65536);
	wr_at(r, vf1 + MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_int_equal(mock_accel__dma_poll(&r->d), 1);
	assert_int_equal(rd_at(r, vf1 + MOCK_ACCEL_REG_DMA_STATUS, 4), ERR(NO_BUSMASTER));
	cfg_wr(r, 2, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	wr_at(r, vf1 + MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_int_equal(mock_accel__dma_poll(&r->d), 1);
	assert_int_equal(rd_at(r, vf1 + MOCK_ACCEL_REG_DMA_STATUS, 4), DONE);
	assert_int_equal(rd_at(r, vf1 + MOCK_ACCEL_REG_DMA_SEQ, 4), 2);
	assert_memory_equal(r->d.vfs[1].mem + 100, rig_ram_ptr(r, 0), 65536);
	/* VF memory is 1 MiB: its range check is its own. */
	program(r, vf1, FILL | DST_DEV, 0, (1ULL << 20) - 10, 11);
	wr_at(r, vf1 + MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	mock_accel__dma_poll(&r->d);
	assert_int_equal(rd_at(r, vf1 + MOCK_ACCEL_REG_DMA_STATUS, 4), ERR(DEV_RANGE));
	/* The PF's engine saw none of it. */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_SEQ, 4), 0);
	/* Disable and enable: the VF engine starts from reset. */
	rig_disable_vfs(r);
	rig_enable_vfs(r, 2);
	assert_int_equal(rd_at(r, vf1 + MOCK_ACCEL_REG_DMA_SEQ, 4), 0);
	assert_int_equal(rd_at(r, vf1 + MOCK_ACCEL_REG_DMA_STATUS, 4), 0);
	rig_free(r);
}

/* Doorbells while busy are dropped (sticky flag), DMA_ABORT stops between
 * pieces with RESULT = bytes done; the worker steps are driven by hand. */
static void test_dropped_and_abort(void **state)
{
	struct rig *r = dma_rig();
	struct mock_accel_fn *pf = &r->d.pf;
	uint32_t st;

	(void)state;
	/* Idle: an abort is a no-op. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_ABORT, 4, 1);
	assert_false(atomic_load(&pf->abort_req));
	program(r, r->bar0, FILL | DST_DEV, 0, 0, MEMSZ);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_true(mock_accel_dma__pickup(pf));
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), MOCK_ACCEL_DMA_STATE_BUSY);
	mock_accel_dma__step(pf);
	/* Registers written now prepare the next operation only. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_LEN, 8, 1);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_false(mock_accel_dma__pickup(pf));	/* dropped */
	st = mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4);
	assert_int_equal(st, MOCK_ACCEL_DMA_STATE_BUSY | MOCK_ACCEL_DMA_STATUS_DROPPED);
	/* Acknowledging while BUSY is ignored. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_STATUS, 4, 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), st);
	mock_accel_dma__step(pf);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_ABORT, 4, 1);
	mock_accel_dma__step(pf);
	assert_false(pf->running);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4),
			 ERR(ABORTED) | MOCK_ACCEL_DMA_STATUS_DROPPED);
	assert_true(result(r) == 2 * SZ_1M);	/* two pieces were done */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_SEQ, 4), 1);
	/* Acknowledge clears the state, the code and DROPPED. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_STATUS, 4, 0xffffffff);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), 0);
	/* The next doorbell runs what the registers say now (LEN 1). */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_int_equal(mock_accel__dma_poll(&r->d), 1);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), DONE);
	assert_true(result(r) == 1);
	/* Two doorbells before the worker looked: one runs, one drops. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 8, 1);	/* a qword: traps, same eventfd */
	assert_int_equal(mock_accel__dma_poll(&r->d), 1);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4),
			 DONE | MOCK_ACCEL_DMA_STATUS_DROPPED);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_SEQ, 4), 3);
	rig_free(r);
}

/* Bus Master Enable cleared mid-operation: aborted. A reset mid-operation:
 * dropped without a completion. */
static void test_bme_and_reset_midway(void **state)
{
	struct rig *r = dma_rig();
	struct mock_accel_fn *pf = &r->d.pf;
	int exp = pci__find_cap(&pf->pci, PCI_CAP_ID_EXP);

	(void)state;
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	program(r, r->bar0, COPY | DST_DEV, RIG_RAM0, 0, RIG_RAM0_SIZE + RIG_RAM1_SIZE);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_true(mock_accel_dma__pickup(pf));
	mock_accel_dma__step(pf);
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	mock_accel_dma__step(pf);
	assert_false(pf->running);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), ERR(ABORTED));
	assert_true(result(r) == SZ_1M);
	/* Device-only operations do not need Bus Master. */
	program(r, r->bar0, FILL | DST_DEV, 0, 0, 3 * SZ_1M);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	assert_true(mock_accel_dma__pickup(pf));
	mock_accel_dma__step(pf);
	/* FLR now: the operation is forgotten, registers reset, no MSI. */
	cfg_wr(r, 0, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	mock_accel_dma__step(pf);
	assert_false(pf->running);
	cfg_wr(r, 0, PCI_BASE_ADDRESS_0, 4, r->bar0);
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_SEQ, 4), 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), 0);
	assert_true(mmio_rd(r, MOCK_ACCEL_REG_DMA_LEN, 8) == 0);
	/* A doorbell rung just before a reset starts nothing after it. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	cfg_wr(r, 0, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(mock_accel__dma_poll(&r->d), 0);
	rig_free(r);
}

static void msix_setup(struct rig *r, unsigned vec, uint32_t data, bool masked)
{
	uint64_t e = MOCK_ACCEL_MSIX_TABLE_OFFSET + 16 * vec;
	int cap = pci__find_cap(&r->d.pf.pci, PCI_CAP_ID_MSIX);

	mmio_wr(r, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000);
	mmio_wr(r, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
	mmio_wr(r, e + PCI_MSIX_ENTRY_DATA, 4, data);
	mmio_wr(r, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, masked);
	cfg_wr(r, 0, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
}

/* Completion raises the vector after DMA_SEQ moved; a masked vector sets
 * its PBA bit and fires on unmask. */
static void test_msix_completion(void **state)
{
	struct rig *r = dma_rig();
	uint64_t e0 = MOCK_ACCEL_MSIX_TABLE_OFFSET;

	(void)state;
	msix_setup(r, 0, 0x4041, false);
	msix_setup(r, 1, 0x4042, true);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_IRQ_VECTOR, 4, 0);
	assert_int_equal(run(r, FILL | DST_DEV | IRQ, 0, 0, 64), DONE);
	assert_int_equal(r->s.calls, 1);
	assert_int_equal(r->s.data, 0x4041);
	/* An error completes with the vector too. */
	assert_int_equal(run(r, FILL | DST_DEV | IRQ, 0, MEMSZ, 64), ERR(DEV_RANGE));
	assert_int_equal(r->s.calls, 2);
	/* Without CTRL_IRQ: silent. */
	assert_int_equal(run(r, FILL | DST_DEV, 0, 0, 64), DONE);
	assert_int_equal(r->s.calls, 2);
	/* Masked vector 1: pending, delivered on unmask. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_IRQ_VECTOR, 4, 1);
	assert_int_equal(run(r, FILL | DST_DEV | IRQ, 0, 0, 64), DONE);
	assert_int_equal(r->s.calls, 2);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_MSIX_PBA_OFFSET, 8), 2);
	mmio_wr(r, e0 + 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	assert_int_equal(r->s.calls, 3);
	assert_int_equal(r->s.data, 0x4042);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_MSIX_PBA_OFFSET, 8), 0);
	/* A bad vector: the error, no message. */
	mmio_wr(r, MOCK_ACCEL_REG_DMA_IRQ_VECTOR, 4, 2);
	assert_int_equal(run(r, FILL | DST_DEV | IRQ, 0, 0, 64), ERR(BAD_VECTOR));
	assert_int_equal(r->s.calls, 3);
	rig_free(r);
}

/* The real worker: started on the given CPUs, named, completing on its own
 * (bounded wait for the MSI). */
static void test_worker_thread(void **state)
{
	struct mock_accel_params p = rig_params();
	struct timespec deadline;
	cpu_set_t mine, its;
	char path[64], comm[32] = "";
	struct rig *r;
	FILE *f;
	int cpu, tid;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	for (cpu = CPU_SETSIZE - 1; cpu >= 0 && !CPU_ISSET(cpu, &mine); cpu--)
		;
	idset__add(&p.worker_cpus, cpu);	/* one CPU we may use */
	p.no_worker = false;
	p.memory_size = MEMSZ;
	r = rig_new_with(p);
	tid = mock_accel__worker_tid(&r->d);
	assert_true(tid > 0 && tid != (int)syscall(SYS_gettid));
	assert_int_equal(sched_getaffinity(tid, sizeof(its), &its), 0);
	assert_int_equal(CPU_COUNT(&its), 1);
	assert_true(CPU_ISSET(cpu, &its));
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	assert_string_equal(comm, "accel-acc0\n");

	msix_setup(r, 0, 0x4041, false);
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	fill_random(rig_ram_ptr(r, 0), SZ_1M, 9);
	program(r, r->bar0, COPY | DST_DEV | IRQ, 0, 0, 3 * SZ_1M);
	mmio_wr(r, MOCK_ACCEL_REG_DMA_DOORBELL, 4, 1);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&r->s.lock);
	while (!r->s.calls)
		if (pthread_cond_timedwait(&r->s.cond, &r->s.lock, &deadline))
			break;
	pthread_mutex_unlock(&r->s.lock);
	assert_int_equal(r->s.calls, 1);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_SEQ, 4), 1);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_STATUS, 4), DONE);
	assert_memory_equal(r->d.pf.mem, rig_ram_ptr(r, 0), SZ_1M);
	rig_free(r);	/* stops and joins the worker */
}

/* Device memory is bound to the host node(s) before any page exists. */
static void test_memory_binding(void **state)
{
	struct mock_accel_params p = rig_params();
	unsigned long mask[IDSET_WORDS] = { 0 };
	struct rig *r;
	int mode = -1;

	(void)state;
	idset__add(&p.host_nodes, 0);
	p.mem_policy = MPOL_BIND;
	p.memory_size = MEMSZ;
	r = rig_new_with(p);
	assert_int_equal(get_mempolicy(&mode, mask, IDSET_MAX + 1, r->d.pf.mem, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_BIND);
	assert_int_equal(mask[0], 1);
	assert_int_equal(get_mempolicy(&mode, mask, IDSET_MAX + 1,
				       r->d.vfs[1].mem + r->d.vfs[1].mem_len - 1, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_BIND);
	/* Lazily backed: nothing is resident before it is used. */
	assert_true(r->d.pf.mem_len == MEMSZ);
	rig_free(r);
	/* A host node that does not exist: init fails, nothing leaks. */
	idset__clear(&p.host_nodes);
	idset__add(&p.host_nodes, IDSET_MAX - 1);
	{
		struct mock_accel *d = calloc(1, sizeof(*d));

		p.send_opaque = NULL;
		assert_true(mock_accel__init(d, &p) < 0);
		mock_accel__destroy(d);
		free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_operations),
		cmocka_unit_test(test_vf_engine),
		cmocka_unit_test(test_dropped_and_abort),
		cmocka_unit_test(test_bme_and_reset_midway),
		cmocka_unit_test(test_msix_completion),
		cmocka_unit_test(test_worker_thread),
		cmocka_unit_test(test_memory_binding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
