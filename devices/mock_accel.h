/*
 * mock-accel PF (MOCK-ACCEL.md): PCI identity, BAR0 identity/status
 * registers, the PCIe and MSI-X capabilities. The register map lives in
 * devices/mock_accel_regs.h, shared with the guest driver. SR-IOV, the DMA
 * engine and the device-memory BAR build on this (their registers read 0
 * until then).
 */
#ifndef MVMM_MOCK_ACCEL_H
#define MVMM_MOCK_ACCEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/mock_accel_regs.h"
#include "vmm/msix.h"
#include "vmm/pci.h"

#define MOCK_ACCEL_NAME_LEN	64

struct mock_accel_params {
	const char *name;			/* the [device.NAME] name */
	uint8_t uuid[MOCK_ACCEL_UUID_LEN];	/* RFC 4122 byte order */
	uint64_t memory_size;			/* MEMORY_SIZE of the PF */
	uint64_t vf_memory_size;		/* ... of each VF */
	unsigned total_vfs;			/* 0..MOCK_ACCEL_MAX_VFS */
	msix_send_fn send;			/* MSI delivery (irq__msi_send) */
	void *send_opaque;
};

struct mock_accel {
	struct pci_func pf;
	struct msix msix;
	pthread_mutex_t lock;			/* BAR0 registers */
	char name[MOCK_ACCEL_NAME_LEN];
	uint8_t uuid[MOCK_ACCEL_UUID_LEN];
	uint64_t memory_size, vf_memory_size;
	unsigned total_vfs;
	uint32_t caps;
	uint32_t status;			/* STATUS, kept until the VM stops */
};

/* Build the PF (not yet on a bus: see pci_host__add_device). -EINVAL for
 * bad parameters. */
int mock_accel__init(struct mock_accel *d, const struct mock_accel_params *p);
void mock_accel__destroy(struct mock_accel *d);

/* BAR0 handler (exported for tests): @off is the offset into BAR0. */
void mock_accel__bar0_access(void *opaque, uint64_t off, void *data, uint32_t len,
			     bool is_write);

#endif
