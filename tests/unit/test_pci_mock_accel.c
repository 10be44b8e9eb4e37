/*
 * mock-accel PF on the PCIe host: identity and capabilities as a guest reads
 * them through ECAM, BAR0 registers through the MMIO bus at the address the
 * host assigned (MOCK-ACCEL.md values), odd accesses, the MSI-X table in
 * BAR0 raising a vector, and FLR.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/mock_accel.h"
#include "vmm/bus.h"
#include "vmm/layout.h"
#include "vmm/pci_host.h"

struct sink {
	unsigned calls;
	uint64_t addr;
	uint32_t data;
};

static int sink_send(void *opaque, uint64_t addr, uint32_t data)
{
	struct sink *s = opaque;

	s->calls++;
	s->addr = addr;
	s->data = data;
	return 0;
}

struct rig {
	struct bus mmio;
	struct pci_host h;
	struct mock_accel d;
	struct sink s;
	uint64_t bar0;
};

static const uint8_t uuid[16] = {
	0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x06, 0x07,
};

static struct rig *rig_new(void)
{
	struct pci_host_layout l = {
		.ecam_base = LAYOUT_ECAM, .ecam_size = LAYOUT_ECAM_SIZE,
		.mem32_base = LAYOUT_MMIO32, .mem32_size = LAYOUT_MMIO32_SIZE,
		.mem64_base = 1ULL << 34, .mem64_size = 1ULL << 36,
	};
	struct rig *r = calloc(1, sizeof(*r));
	struct mock_accel_params p = {
		.name = "acc0", .memory_size = 16ULL << 30, .vf_memory_size = 2ULL << 30,
		.total_vfs = 2, .send = sink_send,
	};
	struct pci_root *e;

	assert_non_null(r);
	p.send_opaque = &r->s;
	memcpy(p.uuid, uuid, 16);
	assert_int_equal(bus__init(&r->mmio), 0);
	assert_int_equal(pci_host__init(&r->h, &r->mmio, NULL, &l), 0);
	assert_int_equal(pci_host__add_expander(&r->h, "numa0", 0x10, 0, &e), 0);
	assert_int_equal(mock_accel__init(&r->d, &p), 0);
	assert_int_equal(pci_host__add_device(&r->h, e, &r->d.pf, 0, NULL), 0);
	assert_int_equal(pci_host__assign(&r->h), 0);
	r->bar0 = pci__bar_addr(&r->d.pf, 0);
	return r;
}

static void rig_free(struct rig *r)
{
	mock_accel__destroy(&r->d);
	pci_host__destroy(&r->h);
	bus__destroy(&r->mmio);
	free(r);
}

static uint32_t cfg(struct rig *r, unsigned off, unsigned len)
{
	return pci_host__cfg_read(&r->h, 0x11, 0, off, len);
}

static uint64_t mmio_rd(struct rig *r, uint64_t off, unsigned len)
{
	uint64_t v = 0;

	assert_int_equal(bus__access(&r->mmio, r->bar0 + off, &v, len, false), 0);
	return v;
}

static void mmio_wr(struct rig *r, uint64_t off, unsigned len, uint64_t v)
{
	assert_int_equal(bus__access(&r->mmio, r->bar0 + off, &v, len, true), 0);
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
				 uuid[4 * i] | uuid[4 * i + 1] << 8 | uuid[4 * i + 2] << 16 |
				 (uint32_t)uuid[4 * i + 3] << 24);
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
	int cap = pci__find_cap(&r->d.pf, PCI_CAP_ID_MSIX);
	int exp = pci__find_cap(&r->d.pf, PCI_CAP_ID_EXP);
	uint64_t e1 = MOCK_ACCEL_MSIX_TABLE_OFFSET + 16;

	(void)state;
	/* The guest programs vector 1 through BAR0, enables MSI-X in config. */
	mmio_wr(r, e1 + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000);
	mmio_wr(r, e1 + PCI_MSIX_ENTRY_DATA, 4, 0x4055);
	mmio_wr(r, e1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	pci_host__cfg_write(&r->h, 0x11, 0, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(msix__notify(&r->d.msix, 1), 0);
	assert_int_equal(r->s.calls, 1);
	assert_int_equal(r->s.addr, 0xfee00000);
	assert_int_equal(r->s.data, 0x4055);
	/* FLR: MSI-X disabled and masked again, BAR0 unassigned, STATUS kept. */
	mmio_wr(r, MOCK_ACCEL_REG_STATUS, 4, 7);
	pci_host__cfg_write(&r->h, 0x11, 0, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(msix__notify(&r->d.msix, 1), -EAGAIN);
	assert_int_equal(cfg(r, cap + PCI_MSIX_FLAGS, 2), MOCK_ACCEL_MSIX_VECTORS - 1);
	assert_int_equal(cfg(r, PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(bus__access(&r->mmio, r->bar0, &(uint32_t){ 0 }, 4, false), -ENOENT);
	pci_host__cfg_write(&r->h, 0x11, 0, PCI_BASE_ADDRESS_0, 4, r->bar0);
	pci_host__cfg_write(&r->h, 0x11, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS, 4), 7);
	assert_int_equal(mmio_rd(r, e1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 1);
	rig_free(r);
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
	mock_accel__destroy(&d);	/* safe on a failed init */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_bar0_registers),
		cmocka_unit_test(test_msix_and_flr),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
