/*
 * PCI config space: the host bridge, the expanders' root ports and the
 * mock-accel PFs and VFs, through ECAM and through 0xCF8/0xCFC, with
 * SR-IOV enable/disable storms and BAR accesses in between (BARs and VFs
 * appear and move as the program rewrites them). See pci_rig.h.
 */
#include "tests/fuzz/pci_rig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum prig_op ops[] = {
		PRIG_ECAM, PRIG_ECAM, PRIG_ECAM, PRIG_CF8, PRIG_SRIOV, PRIG_BAR, PRIG_MMIO,
		PRIG_ENABLE,
	};
	struct fz f = { data, size };
	struct prig *r = prig_new(64ULL << 20, 16ULL << 20);

	prig_run(r, &f, ops, sizeof(ops) / sizeof(ops[0]));
	prig_free(r);
	return 0;
}
