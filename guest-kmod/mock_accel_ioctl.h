/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mock-accel guest driver: the character device ABI (/dev/mock-accelN for
 * the PF mockN, /dev/mock-accelN_vfM for its VF mockN_vfM). Shared by the
 * driver and tests/tools/mock-accel-tool.c.
 *
 * Data moves between a per-open-file DMA buffer and the device:
 *   1. MOCK_ACCEL_IOC_BUF_ALLOC allocates the buffer (pages on a chosen
 *      guest NUMA node, physically contiguous chunks, DMA-mapped), once per
 *      open file; it lives until the file is closed.
 *   2. mmap(fd, MAP_SHARED, offset 0) maps it so the program fills and
 *      checks the bytes directly (no copies through the kernel).
 *   3. MOCK_ACCEL_IOC_DMA runs copy / fill / checksum between the buffer
 *      (SPACE_BUF offsets) and device memory (SPACE_DEV offsets). The driver
 *      checks the request, splits it at chunk boundaries into device
 *      operations, waits for each (MSI-X, or polling), and returns 0,
 *      -EIO (the device reported an error: dev_status says which),
 *      -ETIMEDOUT (the device did not finish within timeout_ms; the driver
 *      aborted it), -ENODEV (the device went away meanwhile) or -EINVAL
 *      (the driver refused the request). The struct is copied back in all
 *      of these cases except -EINVAL.
 *   MOCK_ACCEL_DMA_F_RAW (CAP_SYS_RAWIO) skips the driver's checks and
 *   splitting: one device operation with the addresses as given, including
 *   raw guest-physical ones (SPACE_GPA). It exists to test the device's own
 *   checks (bad addresses, overflow, overlap) and can make a buggy device
 *   scribble over guest memory.
 */
#ifndef MOCK_ACCEL_IOCTL_H
#define MOCK_ACCEL_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#include "../devices/mock_accel_regs.h"	/* MOCK_ACCEL_DMA_OP_*, status codes */

#define MOCK_ACCEL_ABI_VERSION		1
#define MOCK_ACCEL_IOC_MAGIC		0xa7

/* MOCK_ACCEL_IOC_INFO: what the driver knows about the function. */
struct mock_accel_info {
	__u32 abi_version;	/* MOCK_ACCEL_ABI_VERSION */
	__u32 flags;		/* MOCK_ACCEL_INFO_* */
	__u32 index;		/* N of mockN (a VF: its PF's N) */
	__s32 vf_id;		/* M of mockN_vfM, -1 for a PF */
	__s32 numa_node;	/* dev_to_node() of the PCI device */
	__u32 capabilities;	/* CAPABILITIES register */
	__u64 memory_size;	/* MEMORY_SIZE register */
	__u32 fw_version;	/* FW_VERSION register */
	__u32 status;		/* STATUS register, read now */
	__u8 uuid[16];		/* UUID register bytes, RFC 4122 order */
	__u32 dma_status;	/* DMA_STATUS register, read now */
	__u32 dma_seq;		/* DMA_SEQ register, read now */
	__u64 buf_size;		/* this file's DMA buffer, 0 if none */
	__s32 buf_node;		/* node of all its pages, -1 if mixed/none */
	__u32 buf_chunks;	/* physically contiguous chunks */
	__u32 pci_domain;	/* PCI address of the function */
	__u32 pci_bus;
	__u32 pci_devfn;
	__u32 reserved[5];
};

#define MOCK_ACCEL_INFO_VF		(1u << 0)	/* a virtual function */
#define MOCK_ACCEL_INFO_IRQ		(1u << 1)	/* completions use MSI-X */
#define MOCK_ACCEL_INFO_WEDGED		(1u << 2)	/* an operation never finished */

/* MOCK_ACCEL_IOC_BUF_ALLOC: this file's DMA buffer (once per open file). */
struct mock_accel_buf {
	__u64 size;		/* in: bytes (rounded up to pages); out: allocated */
	__s32 node;		/* in: guest node of the pages, -1: the device's */
	__u32 flags;		/* in: 0 */
	__s32 actual_node;	/* out: node of all pages (checked), -1 if mixed */
	__u32 chunks;		/* out: physically contiguous chunks */
	__u64 max_chunk;	/* out: largest chunk in bytes */
	__u64 reserved[2];
};

#define MOCK_ACCEL_BUF_MAX		(1ULL << 30)	/* per buffer */

/* An address in one of the DMA request's spaces. */
struct mock_accel_addr {
	__u32 space;		/* MOCK_ACCEL_IOC_SPACE_* */
	__u32 reserved;
	__u64 addr;		/* offset, or guest-physical address (GPA) */
};

#define MOCK_ACCEL_IOC_SPACE_BUF	0	/* offset into this file's buffer */
#define MOCK_ACCEL_IOC_SPACE_DEV	1	/* offset into device memory */
#define MOCK_ACCEL_IOC_SPACE_GPA	2	/* raw guest-physical (F_RAW only) */

/* MOCK_ACCEL_IOC_DMA */
struct mock_accel_dma {
	__u32 op;		/* MOCK_ACCEL_DMA_OP_COPY / _FILL / _CHECKSUM */
	__u32 flags;		/* MOCK_ACCEL_DMA_F_* */
	struct mock_accel_addr src;	/* COPY, CHECKSUM */
	struct mock_accel_addr dst;	/* COPY, FILL */
	__u64 len;		/* bytes */
	__u32 pattern;		/* FILL */
	__u32 timeout_ms;	/* whole request; 0: 10 s; at most 600 s */
	__u32 raw_ctrl;		/* F_RAW: extra DMA_CTRL bits (e.g. reserved ones) */
	__u32 raw_vector;	/* F_RAW: DMA_IRQ_VECTOR value */
	/* out */
	__u32 dev_status;	/* DMA_STATUS after the last device operation */
	__u32 dev_ops;		/* device operations issued */
	__u64 result;		/* CHECKSUM: FNV-1a 64; COPY/FILL: bytes done */
	__u64 elapsed_ns;	/* doorbell to completion, summed over operations */
	__u64 reserved[2];
};

#define MOCK_ACCEL_DMA_F_POLL		(1u << 0)	/* poll DMA_SEQ, no MSI-X */
#define MOCK_ACCEL_DMA_F_RAW		(1u << 1)	/* no checks, one operation */
#define MOCK_ACCEL_DMA_F_VALID		(MOCK_ACCEL_DMA_F_POLL | MOCK_ACCEL_DMA_F_RAW)
#define MOCK_ACCEL_DMA_TIMEOUT_DEFAULT_MS	10000
#define MOCK_ACCEL_DMA_TIMEOUT_MAX_MS		600000

/* MOCK_ACCEL_IOC_REG_READ: read one 32-bit BAR0 register (debugging). */
struct mock_accel_reg {
	__u32 offset;		/* in: 4-byte aligned, below BAR0 size */
	__u32 value;		/* out */
};

#define MOCK_ACCEL_IOC_INFO	 _IOR(MOCK_ACCEL_IOC_MAGIC, 0x00, struct mock_accel_info)
#define MOCK_ACCEL_IOC_BUF_ALLOC _IOWR(MOCK_ACCEL_IOC_MAGIC, 0x01, struct mock_accel_buf)
#define MOCK_ACCEL_IOC_DMA	 _IOWR(MOCK_ACCEL_IOC_MAGIC, 0x02, struct mock_accel_dma)
#define MOCK_ACCEL_IOC_REG_READ	 _IOWR(MOCK_ACCEL_IOC_MAGIC, 0x03, struct mock_accel_reg)

#endif /* MOCK_ACCEL_IOCTL_H */
