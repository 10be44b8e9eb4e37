/*
 * mock-accel (docs/mock-accel.md): an SR-IOV PF with up to 7 VFs, each function
 * with the BAR0 identity/STATUS registers, mvmm's DMA engine and MSI-X in
 * BAR0, and its device memory in BAR2. The register map lives in
 * devices/mock_accel_regs.h, shared with the guest driver.
 *
 * Split by responsibility:
 *   mock_accel.c        device build/teardown, PF config hooks
 *   mock_accel_fn.c     one function's register model (BAR0)
 *   mock_accel_mem.c    device memory: host mapping bound to the host node,
 *                       BAR2 (a KVM memory slot while decoded), doorbell
 *                       ioeventfd placement
 *   mock_accel_sriov.c  the SR-IOV capability, VF config spaces, VF BARs
 *   mock_accel_dma.c    the DMA engine and its worker thread
 *
 * A device sees only seams: the PCI function model, MSI-X, guest memory
 * (gmem: every DMA address goes through gmem__ptr) and a few host hooks
 * (memory slots, ioeventfds) that are NULL in unit tests.
 */
#ifndef MVMM_MOCK_ACCEL_H
#define MVMM_MOCK_ACCEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/mock_accel_regs.h"
#include "vmm/gmem.h"
#include "vmm/idset.h"
#include "vmm/msix.h"
#include "vmm/pci.h"
#include "vmm/sandbox.h"

#define MOCK_ACCEL_NAME_LEN	64
#define MOCK_ACCEL_NR_FUNCS	(1 + MOCK_ACCEL_MAX_VFS)

/*
 * Host services (all optional). Without them every BAR access traps to the
 * bus handlers and doorbells are signalled by the BAR0 handler, which is
 * how unit tests drive the device.
 */
struct mock_accel_hooks {
	/* Map [@hva, @hva + @size) at guest-physical @gpa so that guest
	 * accesses do not exit (a KVM memory slot): a handle >= 0 or -errno. */
	int (*map_mem)(void *opaque, uint64_t gpa, uint64_t size, void *hva);
	void (*unmap_mem)(void *opaque, int handle);
	/* (Un)register eventfd @fd for guest writes of @len bytes at @gpa. */
	int (*ioeventfd)(void *opaque, uint64_t gpa, uint32_t len, int fd, bool assign);
	void *opaque;
};

struct mock_accel_params {
	const char *name;			/* the [device.NAME] name */
	uint8_t uuid[MOCK_ACCEL_UUID_LEN];	/* the PF's, RFC 4122 byte order */
	uint64_t memory_size;			/* MEMORY_SIZE of the PF */
	uint64_t vf_memory_size;		/* ... of each VF */
	unsigned total_vfs;			/* 0..MOCK_ACCEL_MAX_VFS */
	msix_send_fn send;			/* MSI delivery (irq__msi_send) */
	void *send_opaque;
	const struct gmem *mem;			/* guest RAM for DMA; NULL: none */
	const struct mock_accel_hooks *hooks;	/* NULL: no KVM (tests) */
	/* The device's host NUMA node(s): device memory is bound there with
	 * @mem_policy (MPOL_BIND, MPOL_PREFERRED or MPOL_INTERLEAVE) and the
	 * DMA worker runs on @worker_cpus. Empty: not bound / not pinned. */
	struct idset host_nodes;
	int mem_policy;
	struct idset worker_cpus;
	bool no_worker;		/* tests: doorbells run in mock_accel__dma_poll */
	enum sandbox_mode sandbox;	/* the DMA worker's seccomp filter */
};

/* One DMA operation as the worker runs it (registers snapshotted at pickup). */
struct mock_accel_op {
	uint32_t ctrl, pattern, vector;
	uint64_t src, dst, len;
	uint64_t done;			/* bytes processed */
	uint64_t hash;			/* CHECKSUM: the running FNV-1a value */
	unsigned epoch;			/* the function's epoch at pickup */
	bool dropped;			/* a doorbell came while it ran */
};

/* The DMA register block (MOCK_ACCEL_REG_DMA_*), under the function's lock. */
struct mock_accel_dma_regs {
	uint64_t src, dst, len, result;
	uint32_t ctrl, pattern, status, vector, seq;
};

struct mock_accel;

/* A guest mapping the function's BARs have: where and whether. */
struct mock_accel_bar_map {
	bool mapped;
	uint64_t addr;
};

/* The passphrase generator's registers (mock_accel_regs.h; fn->lock). */
struct mock_accel_pass {
	uint32_t length;		/* PASSPHRASE_LENGTH */
	uint32_t status;		/* MOCK_ACCEL_PASSPHRASE_* */
	uint32_t count;			/* PASSPHRASE_COUNT */
	uint16_t idx[MOCK_ACCEL_PASSPHRASE_MAX_WORDS];	/* the words drawn (tests) */
	char buf[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN];	/* PASSPHRASE_BUFFER */
};

/* One PCI function: the PF, or a VF. */
struct mock_accel_fn {
	struct pci_func pci;
	struct msix msix;
	struct mock_accel *dev;
	int vf;				/* -1: the PF, else the VF index */
	char name[MOCK_ACCEL_NAME_LEN + 16];	/* "acc0", "acc0.vf1" */
	atomic_bool present;		/* a VF exists only while VF Enable is set */

	pthread_mutex_t lock;		/* the registers below */
	uint8_t uuid[MOCK_ACCEL_UUID_LEN];
	uint64_t memory_size;
	uint32_t caps;
	uint32_t status;		/* STATUS: kept until the VM stops */
	struct mock_accel_dma_regs dma;
	struct mock_accel_pass pass;

	/* DMA engine state shared with the worker. */
	atomic_uint epoch;		/* bumped by resets: a running op is dropped */
	atomic_bool abort_req;		/* DMA_ABORT */
	atomic_bool bme;		/* Bus Master Enable, mirrored from config */
	int doorbell;			/* eventfd, written by KVM or the BAR0 handler */
	struct mock_accel_op op;	/* worker only */
	bool running;			/* worker only */

	/* Device memory: MEMORY_SIZE bytes (page-rounded) on the host node. */
	uint8_t *mem;
	uint64_t mem_len;
	uint64_t bar2_size;		/* BAR2: MEMORY_SIZE rounded to a power of two */

	/* Guest mappings (VFs: kept by mock_accel_sriov.c; the PF's by pci.c). */
	struct mock_accel_bar_map vbar[2];	/* VF BAR0, BAR2 on the MMIO bus */
	bool db_on;			/* doorbell ioeventfd registered at db_gpa */
	uint64_t db_gpa;
	int slot;			/* BAR2 memory slot handle, -1: none */
	uint64_t slot_gpa;
};

struct mock_accel {
	struct mock_accel_fn pf;
	struct mock_accel_fn vfs[MOCK_ACCEL_MAX_VFS];
	char name[MOCK_ACCEL_NAME_LEN];
	unsigned total_vfs;
	uint64_t vf_memory_size;
	const struct gmem *mem;
	struct mock_accel_hooks hooks;		/* zeroed when none */
	bool has_hooks;
	struct idset host_nodes;
	int mem_policy;

	/* SR-IOV state (config lock held): what VF Enable materialised. */
	int sriov_cap;			/* config offset, 0: no SR-IOV */
	bool vf_enable;
	unsigned nr_vfs;		/* VFs answering now */
	uint16_t nr_vfs_written;	/* NumVFs as VF Enable found it */

	/* The DMA worker. */
	bool has_worker;
	enum sandbox_mode sandbox;
	pthread_t worker;
	int epoll_fd, stop_fd;
	atomic_int worker_tid;		/* 0 until it runs */
	struct idset worker_cpus;
	bool warned_slot;		/* one warning per device for memory slots */
};

/* Build the device (not yet on a bus: see pci_host__add_device with
 * &d->pf.pci). -EINVAL for bad parameters, -errno from the host. */
int mock_accel__init(struct mock_accel *d, const struct mock_accel_params *p);
void mock_accel__destroy(struct mock_accel *d);

/* The function at VF index @vf (-1: the PF). */
static inline struct mock_accel_fn *mock_accel__fn(struct mock_accel *d, int vf)
{
	return vf < 0 ? &d->pf : &d->vfs[vf];
}

/* BAR0 and BAR2 handlers (exported for tests): @opaque is the function,
 * @off the offset into the BAR. */
void mock_accel__bar0_access(void *opaque, uint64_t off, void *data, uint32_t len,
			     bool is_write);
void mock_accel__bar2_access(void *opaque, uint64_t off, void *data, uint32_t len,
			     bool is_write);

/* Tests without a worker: run every rung doorbell to completion in the
 * calling thread. Returns the operations finished. */
int mock_accel__dma_poll(struct mock_accel *d);

/* The worker thread's TID (placement report); 0 without a worker. */
int mock_accel__worker_tid(const struct mock_accel *d);

#endif
