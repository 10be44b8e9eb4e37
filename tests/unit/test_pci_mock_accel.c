/*
 * mock-accel PF on the PCIe host: identity and capabilities as a guest reads
 * them through ECAM, BAR0 registers through the MMIO bus at the address the
 * host assigned (docs/mock-accel.md values), odd accesses, the MSI-X table in
 * BAR0 raising a vector, FLR, the device-memory BAR2 (sizing, contents,
 * the bytes past MEMORY_SIZE), capability bits, VF UUIDs, and what the
 * device asks of the host (memory slots, doorbell ioeventfds) as the guest
 * moves BARs and toggles decoding.
 */
#include "tests/unit/mock_accel_test_util.h"

static uint32_t cfg(struct rig *r, unsigned off, unsigned len)
{
	return cfg_rd(r, 0, off, len);
}

static void test_identity(void **state)
{
	struct rig *r = rig_new();
	unsigned pos, ids = 0;

	(void)state;
	assert_int_equal(cfg(r, PCI_VENDOR_ID, 4), 0x00011de5);
	assert_int_equal(cfg(r, PCI_CLASS_REVISION, 4), 0x12000001);
	assert_int_equal(cfg(r, PCI_HEADER_TYPE, 1), 0x80);	/* multifunction */
	assert_int_equal(cfg(r, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x00011de5);
	assert_int_equal(cfg(r, PCI_INTERRUPT_PIN, 1), 0);
	/* PCIe endpoint then MSI-X: 2 vectors, table 0x800 / PBA 0xc00 in BAR0. */
	pos = cfg(r, PCI_CAPABILITY_LIST, 1);
	assert_int_equal(cfg(r, pos, 1), PCI_CAP_ID_EXP);
	assert_int_equal((cfg(r, pos + PCI_EXP_FLAGS, 2) >> 4) & 0xf, PCI_EXP_TYPE_ENDPOINT);
	assert_true(cfg(r, pos + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	pos = cfg(r, pos + 1, 1);
	assert_int_equal(cfg(r, pos, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(cfg(r, pos + PCI_MSIX_FLAGS, 2), MOCK_ACCEL_MSIX_VECTORS - 1);
	assert_int_equal(cfg(r, pos + PCI_MSIX_TABLE, 4), MOCK_ACCEL_MSIX_TABLE_OFFSET);
	assert_int_equal(cfg(r, pos + PCI_MSIX_PBA, 4), MOCK_ACCEL_MSIX_PBA_OFFSET);
	for (pos = cfg(r, PCI_CAPABILITY_LIST, 1); pos; pos = cfg(r, pos + 1, 1))
		ids++;
	assert_int_equal(ids, 2);
	/* BAR0: 4 KiB, 32-bit, assigned in the expander's window. */
	assert_true(r->bar0 >= LAYOUT_MMIO32 && r->bar0 < LAYOUT_MMIO32 + LAYOUT_MMIO32_SIZE);
	assert_int_equal(cfg(r, PCI_BASE_ADDRESS_0, 4), r->bar0);
	assert_int_equal(cfg(r, PCI_BASE_ADDRESS_1, 4), 0);
	rig_free(r);
}

static void test_bar0_registers(void **state)
{
	struct rig *r = rig_new();
	unsigned i;

	(void)state;
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DEVICE_ID, 4), 0x4d4f434b);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_REVISION, 4), MOCK_ACCEL_REVISION);
	/* UUID byte 0 at 0x08. */
	for (i = 0; i < 4; i++)
		assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_UUID + 4 * i, 4),
				 rig_uuid[4 * i] | rig_uuid[4 * i + 1] << 8 | rig_uuid[4 * i + 2] << 16 |
				 (uint32_t)rig_uuid[4 * i + 3] << 24);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_MEMORY_SIZE_LO, 4), 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_MEMORY_SIZE_HI, 4), 4);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_MEMORY_SIZE, 8), 16ULL << 30);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_CAPABILITIES, 4) & MOCK_ACCEL_CAP_COMPUTE,
			 MOCK_ACCEL_CAP_COMPUTE);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_FW_VERSION, 4), MOCK_ACCEL_FW_VERSION);
	/* STATUS reads back what was written; read-only ones ignore writes. */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS, 4), MOCK_ACCEL_STATUS_RESET_VALUE);
	mmio_wr(r, MOCK_ACCEL_REG_STATUS, 4, 0xa5a5f00d);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS, 4), 0xa5a5f00d);
	mmio_wr(r, MOCK_ACCEL_REG_DEVICE_ID, 4, 0);
	mmio_wr(r, MOCK_ACCEL_REG_MEMORY_SIZE, 8, 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DEVICE_ID, 4), 0x4d4f434b);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_MEMORY_SIZE, 8), 16ULL << 30);
	/* Odd widths and misaligned: all-ones, dropped. Reserved: 0. */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DEVICE_ID, 1), 0xff);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DEVICE_ID, 2), 0xffff);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS + 2, 4), 0xffffffff);
	mmio_wr(r, MOCK_ACCEL_REG_STATUS, 2, 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS, 4), 0xa5a5f00d);
	assert_int_equal(mmio_rd(r, 0x34, 4), 0);
	assert_int_equal(mmio_rd(r, 0x7fc, 4), 0);
	assert_int_equal(mmio_rd(r, 0xffc, 4), 0);
	rig_free(r);
}

static void test_msix_and_flr(void **state)
{
	struct rig *r = rig_new();
	int cap = pci__find_cap(&r->d.pf.pci, PCI_CAP_ID_MSIX);
	int exp = pci__find_cap(&r->d.pf.pci, PCI_CAP_ID_EXP);
	uint64_t e1 = MOCK_ACCEL_MSIX_TABLE_OFFSET + 16;

	(void)state;
	/* The guest programs vector 1 through BAR0, enables MSI-X in config. */
	mmio_wr(r, e1 + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000);
	mmio_wr(r, e1 + PCI_MSIX_ENTRY_DATA, 4, 0x4055);
	mmio_wr(r, e1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	pci_host__cfg_write(&r->h, 0x11, 0, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(msix__notify(&r->d.pf.msix, 1), 0);
	assert_int_equal(r->s.calls, 1);
	assert_int_equal(r->s.addr, 0xfee00000);
	assert_int_equal(r->s.data, 0x4055);
	/* FLR: MSI-X disabled and masked again, BAR0 unassigned, STATUS kept. */
	mmio_wr(r, MOCK_ACCEL_REG_STATUS, 4, 7);
	pci_host__cfg_write(&r->h, 0x11, 0, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(msix__notify(&r->d.pf.msix, 1), -EAGAIN);
	assert_int_equal(cfg(r, cap + PCI_MSIX_FLAGS, 2), MOCK_ACCEL_MSIX_VECTORS - 1);
	assert_int_equal(cfg(r, PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(bus__access(&r->mmio, r->bar0, &(uint32_t){ 0 }, 4, false), -ENOENT);
	pci_host__cfg_write(&r->h, 0x11, 0, PCI_BASE_ADDRESS_0, 4, r->bar0);
	pci_host__cfg_write(&r->h, 0x11, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS, 4), 7);
	assert_int_equal(mmio_rd(r, e1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 1);
	rig_free(r);
}

static void test_caps_and_bar2(void **state)
{
	struct rig *r = rig_new();
	struct mock_accel_params p = rig_params();
	uint32_t caps = mmio_rd(r, MOCK_ACCEL_REG_CAPABILITIES, 4);
	uint32_t lo, hi;

	(void)state;
	assert_int_equal(caps, MOCK_ACCEL_CAP_COMPUTE | MOCK_ACCEL_CAP_DMA | MOCK_ACCEL_CAP_MSIX |
			 MOCK_ACCEL_CAP_DEVMEM_BAR | MOCK_ACCEL_CAP_SRIOV);
	/* BAR2: 64-bit prefetchable, 16 GiB, in the 64-bit window; sizing
	 * reads back ~(size - 1). */
	assert_int_equal(cfg(r, PCI_BASE_ADDRESS_2, 4) & 0xf,
			 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_true(r->bar2 >= 1ULL << 36 && r->bar2 % (16ULL << 30) == 0);
	cfg_wr(r, 0, PCI_COMMAND, 2, 0);
	cfg_wr(r, 0, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	cfg_wr(r, 0, PCI_BASE_ADDRESS_3, 4, 0xffffffff);
	lo = cfg(r, PCI_BASE_ADDRESS_2, 4);
	hi = cfg(r, PCI_BASE_ADDRESS_3, 4);
	assert_int_equal(lo, 0x0000000c);
	assert_int_equal(hi, 0xfffffffc);	/* ~(16 GiB - 1) >> 32 */
	cfg_wr(r, 0, PCI_BASE_ADDRESS_2, 4, (uint32_t)r->bar2);
	cfg_wr(r, 0, PCI_BASE_ADDRESS_3, 4, r->bar2 >> 32);
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* Contents: what the guest writes is device memory. */
	wr_at(r, r->bar2 + 0x123456, 8, 0x1122334455667788ULL);
	assert_true(rd_at(r, r->bar2 + 0x123456, 8) == 0x1122334455667788ULL);
	assert_true(rd_at(r, r->bar2 + 0x123457, 2) == 0x6677);
	assert_int_equal(r->d.pf.mem[0x123456], 0x88);
	rig_free(r);

	/* MEMORY_SIZE not a power of two: the BAR rounds up, the bytes past
	 * MEMORY_SIZE read 0 and drop writes; without VFs no SR-IOV bit. */
	p.memory_size = 3 * 4096 + 100;
	p.total_vfs = 0;
	r = rig_new_with(p);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_CAPABILITIES, 4) & MOCK_ACCEL_CAP_SRIOV, 0);
	assert_int_equal(r->d.pf.pci.bars[2].size, 16384);
	wr_at(r, r->bar2 + 3 * 4096 + 96, 8, ~0ULL);
	assert_true(rd_at(r, r->bar2 + 3 * 4096 + 96, 8) == 0xffffffffULL);
	assert_true(rd_at(r, r->bar2 + 3 * 4096 + 100, 4) == 0);
	assert_true(rd_at(r, r->bar2 + 16380, 4) == 0);
	rig_free(r);
}

/* VF UUIDs: a function of the PF UUID and the index, distinct. */
static void test_vf_uuids(void **state)
{
	struct rig *a = rig_new(), *b = rig_new();
	struct mock_accel_params p = rig_params();

	(void)state;
	assert_memory_equal(a->d.pf.uuid, rig_uuid, 16);
	assert_memory_equal(a->d.vfs[0].uuid, b->d.vfs[0].uuid, 16);
	assert_memory_equal(a->d.vfs[1].uuid, b->d.vfs[1].uuid, 16);
	assert_memory_not_equal(a->d.vfs[0].uuid, a->d.vfs[1].uuid, 16);
	assert_memory_not_equal(a->d.vfs[0].uuid, rig_uuid, 16);
	assert_int_equal(a->d.vfs[1].uuid[6] >> 4, 8);		/* version 8 */
	assert_int_equal(a->d.vfs[1].uuid[8] >> 6, 2);		/* RFC variant */
	rig_free(b);
	p.uuid[15] ^= 1;
	b = rig_new_with(p);
	assert_memory_not_equal(a->d.vfs[0].uuid, b->d.vfs[0].uuid, 16);
	assert_int_equal(a->d.vfs[0].memory_size, 2ULL << 30);
	rig_free(a);
	rig_free(b);
}

/* What the device asked of the host: slots and ioeventfds, live. */
struct hooks_log {
	int next_slot;
	unsigned maps, unmaps, assigns, deassigns;
	bool refuse;			/* map_mem fails (BAR over RAM) */
	struct { bool on; uint64_t gpa, size; void *hva; } slot[16];
	struct { bool on; uint64_t gpa; int fd; } efd[16];
};

static int fake_map(void *opaque, uint64_t gpa, uint64_t size, void *hva)
{
	struct hooks_log *l = opaque;
	int i;

	if (l->refuse)
		return -EEXIST;
	for (i = 0; i < 16; i++)
		if (l->slot[i].on && gpa < l->slot[i].gpa + l->slot[i].size &&
		    l->slot[i].gpa < gpa + size)
			return -EEXIST;		/* KVM refuses overlapping slots */
	i = l->next_slot++;
	assert_true(i < 16);
	l->slot[i].on = true;
	l->slot[i].gpa = gpa;
	l->slot[i].size = size;
	l->slot[i].hva = hva;
	l->maps++;
	return i;
}

static void fake_unmap(void *opaque, int slot)
{
	struct hooks_log *l = opaque;

	assert_true(slot >= 0 && slot < 16 && l->slot[slot].on);
	l->slot[slot].on = false;
	l->unmaps++;
}

static int fake_ioeventfd(void *opaque, uint64_t gpa, uint32_t len, int fd, bool assign)
{
	struct hooks_log *l = opaque;
	int i;

	assert_int_equal(len, 4);
	for (i = 0; i < 16; i++) {
		if (assign && !l->efd[i].on) {
			l->efd[i].on = true;
			l->efd[i].gpa = gpa;
			l->efd[i].fd = fd;
			l->assigns++;
			return 0;
		}
		if (!assign && l->efd[i].on && l->efd[i].gpa == gpa && l->efd[i].fd == fd) {
			l->efd[i].on = false;
			l->deassigns++;
			return 0;
		}
	}
	return assign ? -ENOSPC : -ENOENT;	/* KVM: deassign of nothing fails */
}

static int live(const struct hooks_log *l, bool slots)
{
	int i, n = 0;

	for (i = 0; i < 16; i++)
		n += slots ? l->slot[i].on : l->efd[i].on;
	return n;
}

static bool has_efd(const struct hooks_log *l, uint64_t gpa, int fd)
{
	int i;

	for (i = 0; i < 16; i++)
		if (l->efd[i].on && l->efd[i].gpa == gpa && l->efd[i].fd == fd)
			return true;
	return false;
}

static void test_host_hooks(void **state)
{
	struct hooks_log log = { 0 };
	struct mock_accel_hooks hooks = {
		.map_mem = fake_map, .unmap_mem = fake_unmap, .ioeventfd = fake_ioeventfd,
		.opaque = &log,
	};
	struct mock_accel_params p = rig_params();
	struct rig *r;
	uint64_t moved;

	(void)state;
	p.hooks = &hooks;
	p.memory_size = (64ULL << 20) + 100;	/* slot: the page-aligned 64 MiB */
	p.vf_memory_size = 8ULL << 20;
	r = rig_new_with(p);
	/* Firmware-style assignment decoded both BARs: a slot over BAR2, the
	 * doorbell's ioeventfd in BAR0. */
	assert_int_equal(live(&log, true), 1);
	assert_true(log.slot[0].gpa == r->bar2 && log.slot[0].size == 64ULL << 20 &&
		    log.slot[0].hva == r->d.pf.mem);
	assert_true(has_efd(&log, r->bar0 + MOCK_ACCEL_REG_DMA_DOORBELL, r->d.pf.doorbell));
	/* The guest moves BAR0: the ioeventfd follows. */
	moved = r->bar0 + 0x10000;
	cfg_wr(r, 0, PCI_BASE_ADDRESS_0, 4, moved);
	assert_false(has_efd(&log, r->bar0 + MOCK_ACCEL_REG_DMA_DOORBELL, r->d.pf.doorbell));
	assert_true(has_efd(&log, moved + MOCK_ACCEL_REG_DMA_DOORBELL, r->d.pf.doorbell));
	assert_int_equal(rd_at(r, moved, 4), MOCK_ACCEL_DEVICE_ID_MAGIC);
	/* Decoding off: no slot, no ioeventfd; on again: both back. */
	cfg_wr(r, 0, PCI_COMMAND, 2, 0);
	assert_int_equal(live(&log, true), 0);
	assert_int_equal(live(&log, false), 0);
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(live(&log, true), 1);
	assert_int_equal(live(&log, false), 1);
	/* VFs: one slot and one ioeventfd each while enabled with MSE. */
	rig_enable_vfs(r, 2);
	assert_int_equal(live(&log, true), 3);
	assert_int_equal(live(&log, false), 3);
	assert_true(has_efd(&log, vf_bar(r, 1, 0) + MOCK_ACCEL_REG_DMA_DOORBELL,
			    r->d.vfs[1].doorbell));
	rig_disable_vfs(r);
	assert_int_equal(live(&log, true), 1);
	assert_int_equal(live(&log, false), 1);
	/* KVM refusing a slot (BAR over RAM): the BAR still answers on the bus. */
	log.refuse = true;
	cfg_wr(r, 0, PCI_COMMAND, 2, 0);
	cfg_wr(r, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(live(&log, true), 0);
	wr_at(r, r->bar2 + 8, 4, 0xabcd);
	assert_int_equal(rd_at(r, r->bar2 + 8, 4), 0xabcd);
	log.refuse = false;
	rig_free(r);
	/* Teardown released everything it took. */
	assert_int_equal(live(&log, true), 0);
	assert_int_equal(live(&log, false), 0);
	assert_int_equal(log.maps, log.unmaps);
	assert_int_equal(log.assigns, log.deassigns);
}

static void test_bad_params(void **state)
{
	struct mock_accel d;
	struct mock_accel_params p = { .name = "x", .send = sink_send, .total_vfs = 8 };

	(void)state;
	assert_int_equal(mock_accel__init(&d, &p), -EINVAL);
	p.total_vfs = 7;
	p.send = NULL;
	assert_int_equal(mock_accel__init(&d, &p), -EINVAL);
	p.send = sink_send;
	p.memory_size = 4096;		/* VFs without VF memory */
	assert_int_equal(mock_accel__init(&d, &p), -EINVAL);
	p.total_vfs = 0;
	p.memory_size = 0;
	assert_int_equal(mock_accel__init(&d, &p), -EINVAL);
	mock_accel__destroy(&d);	/* safe on a failed init */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_bar0_registers),
		cmocka_unit_test(test_msix_and_flr),
		cmocka_unit_test(test_caps_and_bar2),
		cmocka_unit_test(test_vf_uuids),
		cmocka_unit_test(test_host_hooks),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
