/*
 * mock-accel SR-IOV as a guest drives it through config cycles: the
 * capability's layout and sizing, Linux's probe sequence (drivers/pci/iov.c
 * sriov_init, compute_max_vf_buses, sriov_enable/disable), VFs materialised
 * only while VF Enable is set (all-ones before and after), NumVFs rules,
 * VF BARs following the PF's VF BAR registers and VF MSE, per-function
 * STATUS surviving disable/enable, PF FLR, many enable/disable cycles, and
 * storms of random config writes and register accesses (ASan watches).
 */
#include "tests/unit/mock_accel_test_util.h"

#define CAP	MOCK_ACCEL_SRIOV_CAP_OFFSET

static void test_cap_layout(void **state)
{
	struct rig *r = rig_new();
	struct mock_accel_params p = rig_params();
	uint32_t h = cfg_rd(r, 0, CAP, 4);

	(void)state;
	assert_int_equal(PCI_EXT_CAP_ID(h), PCI_EXT_CAP_ID_SRIOV);
	assert_int_equal(PCI_EXT_CAP_VER(h), 1);
	assert_int_equal(PCI_EXT_CAP_NEXT(h), 0);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_CAP, 4), 0);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_CTRL, 2), 0);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_INITIAL_VF, 2), 2);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_TOTAL_VF, 2), 2);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_NUM_VF, 2), 0);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_FUNC_LINK, 1), 0);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_VF_OFFSET, 2), 1);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_VF_STRIDE, 2), 1);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_VF_DID, 2), MOCK_ACCEL_VF_DEVICE_ID);
	assert_true(cfg_rd(r, 0, CAP + PCI_SRIOV_SUP_PGSIZE, 4) & 1);	/* 4 KiB */
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_SYS_PGSIZE, 4), 1);
	/* VF BAR0: 32-bit; VF BAR2/3: 64-bit prefetchable; assigned by
	 * "firmware" in the port's windows, TotalVFs copies each. */
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_BAR, 4) & 0xf, 0);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_BAR + 8, 4) & 0xf, 0xc);
	assert_true(vf_bar(r, 0, 0) >= LAYOUT_MMIO32 && vf_bar(r, 0, 0) % 4096 == 0);
	assert_true(vf_bar(r, 0, 2) >= 1ULL << 36 && vf_bar(r, 0, 2) % (2ULL << 30) == 0);
	assert_true(vf_bar(r, 1, 2) == vf_bar(r, 0, 2) + (2ULL << 30));
	/* The root port's prefetchable window covers PF BAR2 and both VFs'. */
	assert_true(r->d.pf.pci.bars[PCI_VF_BAR(2)].count == 2);
	rig_free(r);

	/* vfs = 0: no SR-IOV capability at all. */
	p.total_vfs = 0;
	r = rig_new_with(p);
	assert_int_equal(cfg_rd(r, 0, CAP, 4), 0);
	assert_int_equal(pci__find_ext_cap(&r->d.pf.pci, PCI_EXT_CAP_ID_SRIOV), -ENOENT);
	assert_int_equal(cfg_rd(r, 1, PCI_VENDOR_ID, 4), 0xffffffff);
	rig_free(r);
}

/* A VF BAR sized the way __pci_read_base does it. */
static uint64_t size_vf_bar(struct rig *r, unsigned reg, bool is64)
{
	uint32_t lo = cfg_rd(r, 0, reg, 4), hi = is64 ? cfg_rd(r, 0, reg + 4, 4) : 0;
	uint64_t mask;

	cfg_wr(r, 0, reg, 4, 0xffffffff);
	if (is64)
		cfg_wr(r, 0, reg + 4, 4, 0xffffffff);
	mask = cfg_rd(r, 0, reg, 4) & ~0xfULL;
	if (is64)
		mask |= (uint64_t)cfg_rd(r, 0, reg + 4, 4) << 32;
	else
		mask |= 0xffffffff00000000ULL;
	cfg_wr(r, 0, reg, 4, lo);
	if (is64)
		cfg_wr(r, 0, reg + 4, 4, hi);
	return ~mask + 1;
}

static void assert_no_vfs(struct rig *r)
{
	unsigned fn;

	for (fn = 1; fn < 8; fn++)
		assert_int_equal(cfg_rd(r, 0 | fn, PCI_VENDOR_ID, 4), 0xffffffff);
}

/* Linux's sriov_init + compute_max_vf_buses, then sriov_enable. */
static void test_linux_sequence(void **state)
{
	struct rig *r = rig_new();
	uint16_t total;
	unsigned n;

	(void)state;
	if (cfg_rd(r, 0, CAP + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE)
		fail();
	cfg_wr(r, 0, CAP + PCI_SRIOV_CTRL, 2, 0);
	total = cfg_rd(r, 0, CAP + PCI_SRIOV_TOTAL_VF, 2);
	assert_int_equal(total, 2);
	cfg_wr(r, 0, CAP + PCI_SRIOV_SYS_PGSIZE, 4, cfg_rd(r, 0, CAP + PCI_SRIOV_SUP_PGSIZE, 4) & 1);
	assert_true(size_vf_bar(r, CAP + PCI_SRIOV_BAR, false) == 4096);
	assert_true(size_vf_bar(r, CAP + PCI_SRIOV_BAR + 8, true) == 2ULL << 30);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_VF_DID, 2), 2);
	for (n = 1; n <= total; n++) {
		cfg_wr(r, 0, CAP + PCI_SRIOV_NUM_VF, 2, n);
		assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_VF_OFFSET, 2), 1);
		assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_VF_STRIDE, 2), 1);
		assert_no_vfs(r);	/* NumVFs alone creates nothing */
	}
	cfg_wr(r, 0, CAP + PCI_SRIOV_NUM_VF, 2, 0);
	/* sriov_enable(2) */
	cfg_wr(r, 0, CAP + PCI_SRIOV_NUM_VF, 2, 2);
	assert_no_vfs(r);
	cfg_wr(r, 0, CAP + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	for (n = 1; n <= 2; n++) {
		unsigned i, pos;

		assert_int_equal(cfg_rd(r, n, PCI_VENDOR_ID, 4), 0x00021de5);
		assert_int_equal(cfg_rd(r, n, PCI_CLASS_REVISION, 4), 0x12000001);
		assert_int_equal(cfg_rd(r, n, PCI_HEADER_TYPE, 1), 0);	/* single function */
		assert_int_equal(cfg_rd(r, n, PCI_SUBSYSTEM_ID, 2), MOCK_ACCEL_VF_DEVICE_ID);
		/* A VF's own BARs are read-only zero, also after a sizing write. */
		for (i = 0; i < 6; i++) {
			cfg_wr(r, n, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0xffffffff);
			assert_int_equal(cfg_rd(r, n, PCI_BASE_ADDRESS_0 + 4 * i, 4), 0);
		}
		/* Memory Space Enable is RsvdP in a VF; Bus Master is its own. */
		cfg_wr(r, n, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		assert_int_equal(cfg_rd(r, n, PCI_COMMAND, 2), PCI_COMMAND_MASTER);
		pos = cfg_rd(r, n, PCI_CAPABILITY_LIST, 1);
		assert_int_equal(cfg_rd(r, n, pos, 1), PCI_CAP_ID_EXP);
		assert_true(cfg_rd(r, n, pos + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
		pos = cfg_rd(r, n, pos + 1, 1);
		assert_int_equal(cfg_rd(r, n, pos, 1), PCI_CAP_ID_MSIX);
		assert_int_equal(cfg_rd(r, n, pos + PCI_MSIX_TABLE, 4), MOCK_ACCEL_MSIX_TABLE_OFFSET);
		assert_int_equal(cfg_rd(r, n, CAP, 4), 0);	/* no SR-IOV in a VF */
		/* Its BAR0 through the PF's VF BAR0. */
		assert_int_equal(rd_at(r, vf_bar(r, n - 1, 0), 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
		assert_int_equal(rd_at(r, vf_bar(r, n - 1, 0) + MOCK_ACCEL_REG_MEMORY_SIZE, 8),
				 2ULL << 30);
	}
	assert_int_equal(cfg_rd(r, 3, PCI_VENDOR_ID, 4), 0xffffffff);
	/* sriov_disable: VFs gone, config and BARs. */
	cfg_wr(r, 0, CAP + PCI_SRIOV_CTRL, 2, 0);
	cfg_wr(r, 0, CAP + PCI_SRIOV_NUM_VF, 2, 0);
	assert_no_vfs(r);
	assert_int_equal(mmio_at(r, vf_bar(r, 0, 0), &(uint32_t){ 0 }, 4, false), -ENOENT);
	assert_int_equal(mmio_at(r, vf_bar(r, 1, 2), &(uint32_t){ 0 }, 4, false), -ENOENT);
	rig_free(r);
}

static void uuid_of(struct rig *r, uint64_t bar0, uint8_t out[16])
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		uint32_t v = rd_at(r, bar0 + MOCK_ACCEL_REG_UUID + 4 * i, 4);

		memcpy(out + 4 * i, &v, 4);
	}
}

/* STATUS per function, kept through disable/enable; VF state otherwise fresh. */
static void test_status_and_cycles(void **state)
{
	struct rig *r = rig_new();
	uint8_t u0[16], u1[16], again[16];
	unsigned i, ranges;

	(void)state;
	rig_enable_vfs(r, 2);
	mmio_wr(r, MOCK_ACCEL_REG_STATUS, 4, 0x11110000);
	wr_at(r, vf_bar(r, 0, 0) + MOCK_ACCEL_REG_STATUS, 4, 0x22220000);
	wr_at(r, vf_bar(r, 1, 0) + MOCK_ACCEL_REG_STATUS, 4, 0x33330000);
	uuid_of(r, vf_bar(r, 0, 0), u0);
	uuid_of(r, vf_bar(r, 1, 0), u1);
	assert_memory_not_equal(u0, u1, 16);
	assert_memory_not_equal(u0, rig_uuid, 16);
	/* A VF's MSI-X: unmask entry 0, then the re-enable masks it again. */
	wr_at(r, vf_bar(r, 0, 0) + MOCK_ACCEL_MSIX_TABLE_OFFSET + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	wr_at(r, vf_bar(r, 0, 2) + 4096, 4, 0x5a5a5a5a);	/* device memory */
	ranges = r->mmio.nr;
	for (i = 0; i < 1000; i++) {
		rig_disable_vfs(r);
		assert_int_equal(r->mmio.nr, ranges - 4);	/* 2 BARs x 2 VFs */
		assert_int_equal(cfg_rd(r, 1, PCI_VENDOR_ID, 4), 0xffffffff);
		rig_enable_vfs(r, 2);
		assert_int_equal(r->mmio.nr, ranges);
	}
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS, 4), 0x11110000);
	assert_int_equal(rd_at(r, vf_bar(r, 0, 0) + MOCK_ACCEL_REG_STATUS, 4), 0x22220000);
	assert_int_equal(rd_at(r, vf_bar(r, 1, 0) + MOCK_ACCEL_REG_STATUS, 4), 0x33330000);
	uuid_of(r, vf_bar(r, 1, 0), again);
	assert_memory_equal(again, u1, 16);
	assert_int_equal(rd_at(r, vf_bar(r, 0, 0) + MOCK_ACCEL_MSIX_TABLE_OFFSET +
			       PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 1);
	assert_int_equal(rd_at(r, vf_bar(r, 0, 2) + 4096, 4), 0x5a5a5a5a);
	/* The PF's MSI-X and config were never touched by all that. */
	assert_int_equal(cfg_rd(r, 0, PCI_VENDOR_ID, 4), 0x00011de5);
	rig_free(r);
}

static void test_numvfs(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	rig_enable_vfs(r, 1);
	assert_int_equal(cfg_rd(r, 1, PCI_DEVICE_ID, 2), 2);
	assert_int_equal(cfg_rd(r, 2, PCI_DEVICE_ID, 2), 0xffff);
	assert_int_equal(mmio_at(r, vf_bar(r, 1, 0), &(uint32_t){ 0 }, 4, false), -ENOENT);
	/* NumVFs is frozen while VF Enable is set. */
	cfg_wr(r, 0, CAP + PCI_SRIOV_NUM_VF, 2, 2);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_NUM_VF, 2), 1);
	assert_int_equal(cfg_rd(r, 2, PCI_DEVICE_ID, 2), 0xffff);
	/* A dword write over NumVFs and the next fields: still frozen. */
	cfg_wr(r, 0, CAP + PCI_SRIOV_NUM_VF, 4, 0x00000007);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_NUM_VF, 2), 1);
	rig_disable_vfs(r);
	/* More than TotalVFs: capped. */
	rig_enable_vfs(r, 5);
	assert_int_equal(cfg_rd(r, 2, PCI_DEVICE_ID, 2), 2);
	assert_int_equal(cfg_rd(r, 3, PCI_DEVICE_ID, 2), 0xffff);
	assert_int_equal(r->d.nr_vfs, 2);
	rig_disable_vfs(r);
	/* VF Enable with NumVFs 0: nothing appears. */
	rig_enable_vfs(r, 0);
	assert_no_vfs(r);
	rig_disable_vfs(r);
	rig_free(r);
}

/* VF MSE and moving the VF BARs while the VFs exist. */
static void test_vf_bars_follow(void **state)
{
	struct rig *r = rig_new();
	uint64_t base = vf_bar(r, 0, 0), moved = base + 0x10000;

	(void)state;
	rig_enable_vfs(r, 2);
	cfg_wr(r, 0, CAP + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);	/* MSE off */
	assert_int_equal(cfg_rd(r, 1, PCI_DEVICE_ID, 2), 2);		/* config stays */
	assert_int_equal(mmio_at(r, base, &(uint32_t){ 0 }, 4, false), -ENOENT);
	assert_int_equal(mmio_at(r, vf_bar(r, 0, 2), &(uint32_t){ 0 }, 4, false), -ENOENT);
	cfg_wr(r, 0, CAP + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	assert_int_equal(rd_at(r, base, 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	/* Move VF BAR0 (both VFs follow). */
	cfg_wr(r, 0, CAP + PCI_SRIOV_BAR, 4, moved);
	assert_int_equal(mmio_at(r, base, &(uint32_t){ 0 }, 4, false), -ENOENT);
	assert_int_equal(rd_at(r, moved, 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	assert_int_equal(rd_at(r, moved + 4096, 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	/* A sizing pattern left in the BAR decodes nothing, and no crash. */
	cfg_wr(r, 0, CAP + PCI_SRIOV_BAR + 8, 4, 0xffffffff);
	cfg_wr(r, 0, CAP + PCI_SRIOV_BAR + 12, 4, 0xffffffff);
	assert_int_equal(rd_at(r, moved, 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	/* VF BAR0 on top of the PF's BAR0: refused by the bus, the PF wins. */
	cfg_wr(r, 0, CAP + PCI_SRIOV_BAR, 4, r->bar0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_MEMORY_SIZE, 8), 16ULL << 30);
	rig_free(r);
}

/* FLR or a secondary bus reset of the PF takes the VFs away. */
static void test_pf_reset(void **state)
{
	struct rig *r = rig_new();
	int exp = pci__find_cap(&r->d.pf.pci, PCI_CAP_ID_EXP);

	(void)state;
	rig_enable_vfs(r, 2);
	wr_at(r, vf_bar(r, 1, 0) + MOCK_ACCEL_REG_STATUS, 4, 0xfeed);
	cfg_wr(r, 0, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_no_vfs(r);
	assert_int_equal(cfg_rd(r, 0, CAP + PCI_SRIOV_CTRL, 2), 0);
	assert_int_equal(r->d.nr_vfs, 0);
	/* Firmware's VF BAR addresses are gone with the reset: reprogram. */
	pci__bar_set_addr(&r->d.pf.pci, PCI_VF_BAR(0), LAYOUT_MMIO32 + 0x100000);
	rig_enable_vfs(r, 2);
	assert_int_equal(rd_at(r, LAYOUT_MMIO32 + 0x101000 + MOCK_ACCEL_REG_STATUS, 4), 0xfeed);
	/* VF FLR: its MSI-X table masks again, STATUS stays. */
	exp = pci__find_cap(&r->d.vfs[0].pci, PCI_CAP_ID_EXP);
	wr_at(r, LAYOUT_MMIO32 + 0x100000 + MOCK_ACCEL_MSIX_TABLE_OFFSET + 12, 4, 0);
	cfg_wr(r, 1, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(rd_at(r, LAYOUT_MMIO32 + 0x100000 + MOCK_ACCEL_MSIX_TABLE_OFFSET + 12, 4), 1);
	rig_free(r);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * A guest gone mad, in two rounds. Config: random writes of every width to
 * the PF and every function number of its slot (mostly the SR-IOV
 * capability), random MMIO wherever the BARs were; the VFs must answer
 * exactly while VF Enable is set. Registers: with the device programmed
 * and the VFs up, random values of random widths into every function's
 * registers, doorbells included (half of them small numbers, so that some
 * DMA ranges are valid). Nothing may crash or leak (ASan), guest RAM
 * outside its regions stays intact, and a PF FLR brings everything back.
 */
static void test_storm(void **state)
{
	struct mock_accel_params p = rig_params();
	uint64_t s = 0x9e3779b97f4a7c15ULL, addrs[6];
	unsigned i, k, ops = 0, enabled = 0;
	struct rig *r;
	int exp;

	(void)state;
	/* Small device memory: random lengths then often fit, and a FILL of
	 * all of it stays cheap. */
	p.memory_size = 1ULL << 20;
	p.vf_memory_size = 256ULL << 10;
	r = rig_new_with(p);
	exp = pci__find_cap(&r->d.pf.pci, PCI_CAP_ID_EXP);
	addrs[0] = r->bar0;
	addrs[1] = r->bar2;
	addrs[2] = vf_bar(r, 0, 0);
	addrs[3] = vf_bar(r, 1, 0);
	addrs[4] = vf_bar(r, 0, 2);
	addrs[5] = vf_bar(r, 1, 2);
	for (i = 0; i < 100000; i++) {
		uint64_t x = xorshift(&s), v = xorshift(&s), d = v;
		unsigned len = 1u << (x % 3), fn = (x >> 8) % 8;
		unsigned off = (x >> 16) % PCI_CFG_SIZE;

		if ((x >> 40) & 1) {
			if ((x >> 44) & 3)
				off = CAP + off % MOCK_ACCEL_SRIOV_CAP_SIZE;
			cfg_wr(r, fn, off & ~(len - 1), len, v);
		} else {
			cfg_rd(r, fn, off, len);
			mmio_at(r, addrs[(x >> 48) % 6] + (v >> 52), &d, 1u << (x % 4), (x >> 47) & 1);
		}
		if (!(i % 1024)) {
			bool vfe = cfg_rd(r, 0, CAP + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE;

			for (k = 1; k < 8; k++)
				assert_int_equal(cfg_rd(r, k, PCI_VENDOR_ID, 2) != 0xffff,
						 vfe && k <= r->d.nr_vfs);
			enabled += vfe && r->d.nr_vfs;
		}
	}
	ops += mock_accel__dma_poll(&r->d);
	assert_true(enabled > 10);		/* the VFs did come and go */

	/* Back to a programmed device, VFs up, bus masters, then registers. */
	cfg_wr(r, 0, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_no_vfs(r);
	cfg_wr(r, 0, PCI_BASE_ADDRESS_0, 4, addrs[0]);
	cfg_wr(r, 0, PCI_BASE_ADDRESS_2, 4, (uint32_t)addrs[1]);
	cfg_wr(r, 0, PCI_BASE_ADDRESS_3, 4, addrs[1] >> 32);
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DEVICE_ID, 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	pci__bar_set_addr(&r->d.pf.pci, PCI_VF_BAR(0), addrs[2]);
	pci__bar_set_addr(&r->d.pf.pci, PCI_VF_BAR(2), addrs[4]);
	rig_enable_vfs(r, 2);
	cfg_wr(r, 1, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	cfg_wr(r, 2, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(rd_at(r, addrs[3], 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	for (i = 0; i < 100000; i++) {
		uint64_t x = xorshift(&s), v = xorshift(&s);
		unsigned len = 1u << (x % 4);
		/* Half in the DMA block, half anywhere in BAR0 (MSI-X too). */
		uint64_t off = (x >> 8) & 1 ? 0x40 | ((x >> 16) & 0x3c) : (x >> 16) % MOCK_ACCEL_BAR0_SIZE;
		uint64_t d = (x >> 9) & 1 ? v & 0x3fffff : v;

		mmio_at(r, addrs[(x >> 32) % 4 == 1 ? 0 : (x >> 32) % 4] + off, &d, len,
			(x >> 40) % 4 != 0);
		if (!(i % 16))
			ops += mock_accel__dma_poll(&r->d);
	}
	ops += mock_accel__dma_poll(&r->d);
	print_message("storm: %u DMA operations, PF seq %u\n", ops, r->d.pf.dma.seq);
	assert_true(ops > 1000);		/* the engine was exercised */
	rig_check_guards(r);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DEVICE_ID, 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	assert_int_equal(rd_at(r, addrs[2], 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_layout),
		cmocka_unit_test(test_linux_sequence),
		cmocka_unit_test(test_status_and_cycles),
		cmocka_unit_test(test_numvfs),
		cmocka_unit_test(test_vf_bars_follow),
		cmocka_unit_test(test_pf_reset),
		cmocka_unit_test(test_storm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
