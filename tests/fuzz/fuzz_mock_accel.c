/*
 * mock-accel BAR0 (identity, STATUS, the DMA engine, the MSI-X table and
 * PBA) and BAR2 (device memory) of the PFs and VFs, with DMA run against
 * guest RAM whose contents the program also writes. The rig starts as the
 * guest driver leaves it after probe: decoding and bus mastering on, MSI-X
 * enabled with every vector programmed, both VFs of each PF enabled; the
 * program may still undo any of it. See pci_rig.h.
 */
#include "tests/fuzz/pci_rig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void driver_probe(struct prig *r)
{
	unsigned i, fn, v, cap = MOCK_ACCEL_SRIOV_CAP_OFFSET;

	for (i = 0; i < PRIG_NR_DEV; i++) {
		pci_host__cfg_write(&r->h, r->bus[i], 0, cap + PCI_SRIOV_NUM_VF, 2, 2);
		pci_host__cfg_write(&r->h, r->bus[i], 0, cap + PCI_SRIOV_CTRL, 2,
				    PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	}
	prig_enable(r);
	for (i = 0; i < PRIG_NR_DEV; i++)
		for (fn = 0; fn < 3; fn++) {
			struct mock_accel_fn *m = mock_accel__fn(&r->d[i], (int)fn - 1);
			uint64_t t = prig_bar_addr(r, i, fn, 0) + MOCK_ACCEL_MSIX_TABLE_OFFSET;
			int msix = pci__find_cap(&m->pci, PCI_CAP_ID_MSIX);

			FZ_CHECK(msix >= 0);
			for (v = 0; v < MOCK_ACCEL_MSIX_VECTORS; v++) {
				uint32_t e[4] = { PRIG_MSI_ADDR, 0, 0x30 + v, 0 };

				for (unsigned k = 0; k < 4; k++)
					bus__access(&r->mmio, t + 16 * v + 4 * k, &e[k], 4, true);
			}
			pci_host__cfg_write(&r->h, r->bus[i], fn, msix + PCI_MSIX_FLAGS, 2,
					    PCI_MSIX_FLAGS_ENABLE);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum prig_op ops[] = {
		PRIG_BAR, PRIG_BAR, PRIG_BAR, PRIG_DMA, PRIG_RAM, PRIG_SRIOV, PRIG_ECAM,
		PRIG_ENABLE,
	};
	struct fz f = { data, size };
	struct prig *r = prig_new(1ULL << 20, 256ULL << 10);

	driver_probe(r);
	prig_run(r, &f, ops, sizeof(ops) / sizeof(ops[0]));
	prig_free(r);
	return 0;
}
