/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mock-accel: the device's programming interface, shared by the device
 * model (devices/, mvmm) and the guest driver (guest-kmod/). Plain C with
 * fixed-width types only, usable from the kernel and from userspace.
 * docs/mock-accel.md documents it; everything marked (mvmm) is an
 * mvmm addition that the out-of-tree vfio-user device does not have.
 *
 * Summary
 *
 *   PCI identity   vendor 0x1de5, PF 0x0001, VF 0x0002, class 0x120000
 *                  (processing accelerator), revision 0x01
 *   BAR0           4 KiB, 32-bit non-prefetchable memory, PF and every VF:
 *     0x000-0x033  docs/mock-accel.md registers (identity, UUID, memory size,
 *                  capabilities, STATUS, firmware version)
 *     0x040-0x07f  (mvmm) DMA engine
 *     0x100-0x10f  passphrase generator registers (out-of-tree device's)
 *     0x200-0x2ff  passphrase generator buffer (out-of-tree device's)
 *     0x800        (mvmm) MSI-X table, MOCK_ACCEL_MSIX_VECTORS entries
 *     0xc00        (mvmm) MSI-X PBA
 *   BAR2/3         (mvmm) 64-bit prefetchable device memory, MEMORY_SIZE
 *                  bytes rounded up to a power of two; present when
 *                  CAPABILITIES has MOCK_ACCEL_CAP_DEVMEM_BAR. VFs: the
 *                  SR-IOV capability's VF BAR2/3, one window per VF.
 *   SR-IOV         extended capability at config offset 0x100 (PF only,
 *                  absent with TotalVFs 0): VFs are functions 1..NumVFs of
 *                  the PF's slot (First VF Offset 1, VF Stride 1), at most
 *                  7; they exist only while VF Enable is set. NumVFs above
 *                  TotalVFs counts as TotalVFs and is frozen while VF Enable
 *                  is set; supported page size 4 KiB only.
 *
 *   BAR0 register map (little-endian; 32-bit accesses unless noted;
 *   UUID and PASSPHRASE_BUFFER take any naturally aligned 8/16/32/64-bit
 *   access inside them)
 *     0x00 DEVICE_ID      RO  0x4d4f434b ("MOCK")
 *     0x04 REVISION       RO  0x00010000
 *     0x08 UUID           RO  16 bytes, RFC 4122 byte order (byte 0 at 0x08)
 *     0x20 MEMORY_SIZE    RO  64-bit (0x20 low, 0x24 high), bytes
 *     0x28 CAPABILITIES   RO  MOCK_ACCEL_CAP_*
 *     0x2c STATUS         RW  free-form allocation state, reads back
 *     0x30 FW_VERSION     RO  0x00MMmmpp
 *     0x40 DMA_SRC        RW  64-bit source address      (mvmm)
 *     0x48 DMA_DST        RW  64-bit destination address (mvmm)
 *     0x50 DMA_LEN        RW  64-bit length in bytes     (mvmm)
 *     0x58 DMA_CTRL       RW  operation, address spaces, flags (mvmm)
 *     0x5c DMA_PATTERN    RW  fill pattern               (mvmm)
 *     0x60 DMA_DOORBELL   WO  start the operation        (mvmm)
 *     0x64 DMA_STATUS     RW  state, error code, flags   (mvmm)
 *     0x68 DMA_RESULT     RW  64-bit checksum / byte count (mvmm)
 *     0x70 DMA_IRQ_VECTOR RW  MSI-X entry for completions (mvmm)
 *     0x74 DMA_SEQ        RO  finished operations count  (mvmm)
 *     0x78 DMA_ABORT      WO  abort the running operation (mvmm)
 *    0x100 PASSPHRASE_CMD    WO  1 = generate a passphrase
 *    0x104 PASSPHRASE_LENGTH RW  words per passphrase, 4..12 (reset 6)
 *    0x108 PASSPHRASE_STATUS RO  0 idle, 1 busy, 2 ready, 3 error
 *    0x10c PASSPHRASE_COUNT  RO  words in the buffer's passphrase
 *    0x200 PASSPHRASE_BUFFER RO  256 bytes: words joined by '-', NUL-terminated
 *   Reserved offsets read as 0 and ignore writes.
 */
#ifndef MOCK_ACCEL_REGS_H
#define MOCK_ACCEL_REGS_H

#ifdef __KERNEL__
#include <linux/types.h>	/* also provides uint8_t..uint64_t */
#else
#include <stdint.h>
#endif

#define MOCK_ACCEL_BIT(n)		(1u << (n))

/* ---- PCI identity ------------------------------------------------------ */

#define MOCK_ACCEL_VENDOR_ID		0x1de5
#define MOCK_ACCEL_PF_DEVICE_ID		0x0001
#define MOCK_ACCEL_VF_DEVICE_ID		0x0002
/* Base class 0x12 (processing accelerator), subclass 0, prog-if 0. */
#define MOCK_ACCEL_CLASS_CODE		0x120000
#define MOCK_ACCEL_REVISION_ID		0x01
/* Subsystem IDs: same vendor, subsystem = the function's device ID. */
#define MOCK_ACCEL_SUBSYS_VENDOR_ID	MOCK_ACCEL_VENDOR_ID

/* ---- BARs ------------------------------------------------------------------ */

/* BAR0: registers + MSI-X, 32-bit non-prefetchable memory, PF and VFs. */
#define MOCK_ACCEL_BAR_REGS		0
#define MOCK_ACCEL_BAR0_SIZE		0x1000
/*
 * (mvmm) BAR2 (with BAR3 as its upper half): device memory, 64-bit
 * prefetchable, sized MEMORY_SIZE rounded up to a power of two (at least
 * 4 KiB); bytes at and above MEMORY_SIZE read as 0 and ignore writes. Guest
 * CPU accesses and the DMA engine's MOCK_ACCEL_SPACE_DEV see the same bytes.
 * The host memory behind it lives on the device's host NUMA node. Untouched
 * device memory reads as zeros.
 */
#define MOCK_ACCEL_BAR_DEVMEM		2

/* ---- SR-IOV (PF only) ---------------------------------------------------- */

#define MOCK_ACCEL_SRIOV_CAP_OFFSET	0x100
#define MOCK_ACCEL_MAX_VFS		7
#define MOCK_ACCEL_VF_OFFSET		1	/* First VF Offset */
#define MOCK_ACCEL_VF_STRIDE		1	/* VF Stride */

/* Defaults (configurable per device: memory_size, vf_memory_size). */
#define MOCK_ACCEL_PF_MEMORY_SIZE_DEFAULT	(16ULL << 30)	/* 16 GiB */
#define MOCK_ACCEL_VF_MEMORY_SIZE_DEFAULT	(2ULL << 30)	/* 2 GiB */

/* ---- MSI-X (mvmm) ---------------------------------------------------------- */

/*
 * The MSI-X table and PBA sit in BAR0 (BIR 0), in their own 1 KiB blocks
 * above the registers. Standard MSI-X semantics: a masked entry (or a set
 * Function Mask) latches the PBA bit and delivers when unmasked.
 */
#define MOCK_ACCEL_MSIX_VECTORS		2
#define MOCK_ACCEL_MSIX_TABLE_OFFSET	0x800
#define MOCK_ACCEL_MSIX_PBA_OFFSET	0xc00
#define MOCK_ACCEL_MSIX_VEC_DMA		0	/* the driver's completion vector */

/* ---- BAR0 registers (docs/mock-accel.md) ---------------------------------- */

/* RO: magic, "MOCK". */
#define MOCK_ACCEL_REG_DEVICE_ID	0x00
#define MOCK_ACCEL_DEVICE_ID_MAGIC	0x4d4f434b
/*
 * The out-of-tree vfio-user device returns the same four characters in
 * memory order ('M' at the lowest address), i.e. this value; drivers accept
 * both.
 */
#define MOCK_ACCEL_DEVICE_ID_MAGIC_SWAPPED 0x4b434f4d

/* RO: register interface revision. */
#define MOCK_ACCEL_REG_REVISION		0x04
#define MOCK_ACCEL_REVISION		0x00010000

/*
 * RO: 16 bytes (four dwords) of UUID in RFC 4122 (big-endian) byte order:
 * byte 0 of the canonical 8-4-4-4-12 string is at 0x08, so dword 0x08 read
 * little-endian holds bytes 0..3 with byte 0 in bits 7:0. Linux prints it
 * with %pUb.
 */
#define MOCK_ACCEL_REG_UUID		0x08
#define MOCK_ACCEL_UUID_LEN		16

/* RO: device memory size in bytes, 64-bit: low dword at 0x20, high at 0x24. */
#define MOCK_ACCEL_REG_MEMORY_SIZE	0x20
#define MOCK_ACCEL_REG_MEMORY_SIZE_LO	0x20
#define MOCK_ACCEL_REG_MEMORY_SIZE_HI	0x24

/* RO: feature bits. Bits 15:0 follow the out-of-tree device, 31:16 are mvmm's. */
#define MOCK_ACCEL_REG_CAPABILITIES	0x28
#define MOCK_ACCEL_CAP_COMPUTE		MOCK_ACCEL_BIT(0)	/* always set */
#define MOCK_ACCEL_CAP_DMA		MOCK_ACCEL_BIT(16)	/* DMA engine at 0x40 */
#define MOCK_ACCEL_CAP_MSIX		MOCK_ACCEL_BIT(17)	/* DMA completion MSI-X */
#define MOCK_ACCEL_CAP_DEVMEM_BAR	MOCK_ACCEL_BIT(18)	/* BAR2 = device memory */
#define MOCK_ACCEL_CAP_SRIOV		MOCK_ACCEL_BIT(19)	/* PF with TotalVFs > 0 */

/*
 * RW: free-form allocation state owned by software (DRA drivers write it);
 * any 32-bit value written reads back. Per function; it keeps its value
 * across guest reboots and VF disable/enable until the VM stops.
 */
#define MOCK_ACCEL_REG_STATUS		0x2c
#define MOCK_ACCEL_STATUS_READY		MOCK_ACCEL_BIT(0)
#define MOCK_ACCEL_STATUS_RESET_VALUE	MOCK_ACCEL_STATUS_READY

/* RO: firmware version 0x00MMmmpp, shown as M.m.p. */
#define MOCK_ACCEL_REG_FW_VERSION	0x30
#define MOCK_ACCEL_FW_VERSION		0x00010000	/* 1.0.0 */
#define MOCK_ACCEL_FW_MAJOR(v)		(((v) >> 16) & 0xff)
#define MOCK_ACCEL_FW_MINOR(v)		(((v) >> 8) & 0xff)
#define MOCK_ACCEL_FW_PATCH(v)		((v) & 0xff)

/* ---- (mvmm) DMA engine -------------------------------------------------------
 *
 * One operation at a time per function (PF and each VF have their own
 * engine). Software writes the parameter registers, then DMA_DOORBELL. The
 * doorbell is an ioeventfd in mvmm, so the operation starts asynchronously:
 * wait for DMA_SEQ to change (or for the MSI-X vector), never for
 * DMA_STATUS to leave a previous value. The device snapshots the parameter
 * registers when it picks the doorbell up; writing them while an operation
 * runs prepares the next one.
 *
 * Addresses: DMA_SRC and DMA_DST are each interpreted in the address space
 * that DMA_CTRL selects for them:
 *   MOCK_ACCEL_SPACE_GUEST  guest-physical address (bus address; there is no
 *                           IOMMU), which must lie entirely in guest RAM
 *   MOCK_ACCEL_SPACE_DEV    offset into this function's device memory,
 *                           which must satisfy offset + len <= MEMORY_SIZE
 * Operations:
 *   COPY      [SRC, SRC+LEN) -> [DST, DST+LEN); any combination of spaces.
 *             RESULT = bytes copied.
 *   FILL      [DST, DST+LEN) = PATTERN repeated: byte i of the range is
 *             (PATTERN >> (8 * (i % 4))) & 0xff. SRC is ignored.
 *             RESULT = bytes written.
 *   CHECKSUM  RESULT = FNV-1a 64 of [SRC, SRC+LEN) (mock_accel_fnv1a64()
 *             below), starting from the FNV offset basis, or from the
 *             current DMA_RESULT when DMA_CTRL has CSUM_CONTINUE (to chain
 *             ranges). DST is ignored.
 *
 * Checks, in this order; the first failing one ends the operation with
 * state ERROR and that error code, before any byte is read or written:
 *   1. op unknown, reserved DMA_CTRL bits set           -> ERR_BAD_OP
 *   2. CTRL_IRQ set and DMA_IRQ_VECTOR >= MSIX_VECTORS  -> ERR_BAD_VECTOR
 *   3. LEN == 0                                         -> ERR_BAD_LEN
 *   4. a used address + LEN wraps past 2^64             -> ERR_OVERFLOW
 *   5. a used GUEST range not entirely in guest RAM      -> ERR_BAD_ADDR
 *   6. a used DEV range beyond MEMORY_SIZE               -> ERR_DEV_RANGE
 *   7. COPY with both ranges in the same space overlapping (including
 *      SRC == DST)                                       -> ERR_OVERLAP
 *   8. a GUEST range used while the function's Bus Master Enable (PCI
 *      command register bit 2) is clear                  -> ERR_NO_BUSMASTER
 * The device never touches memory outside guest RAM and its own device
 * memory, whatever the registers say.
 *
 * A GUEST range may span several guest RAM regions that touch (e.g. two
 * NUMA nodes' RAM); it must not cross a hole.
 *
 * Completion: DMA_STATUS gets DONE (or ERROR + code), DMA_RESULT its value,
 * then DMA_SEQ increments, then, if DMA_CTRL had CTRL_IRQ, the MSI-X entry
 * DMA_IRQ_VECTOR fires (an error completes the same way; a masked entry
 * sets its PBA bit and fires when unmasked; with MSI-X disabled nothing is
 * sent). An operation refused by the checks did nothing: RESULT = 0. Large
 * operations run in pieces; DMA_ABORT or clearing Bus Master Enable stops
 * them between pieces with ERR_ABORTED (RESULT = bytes done so far for
 * COPY/FILL, the hash of the bytes done so far for CHECKSUM). A function
 * reset (FLR, VF Enable cleared) drops a running operation without a
 * completion and returns every DMA register to 0.
 *
 * Doorbells are not queued: a doorbell rung while an operation runs starts
 * nothing and sets the sticky DMA_STATUS_DROPPED flag ("busy") on the
 * running operation's completion status; of several doorbells rung before
 * the device picked any up, one starts the operation and the rest count as
 * dropped the same way.
 */

/* RW: 64-bit source address; low dword at the lower offset. */
#define MOCK_ACCEL_REG_DMA_SRC		0x40
#define MOCK_ACCEL_REG_DMA_SRC_LO	0x40
#define MOCK_ACCEL_REG_DMA_SRC_HI	0x44
/* RW: 64-bit destination address. */
#define MOCK_ACCEL_REG_DMA_DST		0x48
#define MOCK_ACCEL_REG_DMA_DST_LO	0x48
#define MOCK_ACCEL_REG_DMA_DST_HI	0x4c
/* RW: 64-bit length in bytes (64 bits so that overflow can be expressed). */
#define MOCK_ACCEL_REG_DMA_LEN		0x50
#define MOCK_ACCEL_REG_DMA_LEN_LO	0x50
#define MOCK_ACCEL_REG_DMA_LEN_HI	0x54

/* RW: what the next doorbell does. */
#define MOCK_ACCEL_REG_DMA_CTRL		0x58
#define MOCK_ACCEL_DMA_CTRL_OP_MASK	0x0000000fu	/* MOCK_ACCEL_DMA_OP_* */
#define MOCK_ACCEL_DMA_CTRL_SRC_DEV	MOCK_ACCEL_BIT(8)	/* SRC in SPACE_DEV */
#define MOCK_ACCEL_DMA_CTRL_DST_DEV	MOCK_ACCEL_BIT(9)	/* DST in SPACE_DEV */
#define MOCK_ACCEL_DMA_CTRL_CSUM_CONTINUE MOCK_ACCEL_BIT(12)	/* seed = DMA_RESULT */
#define MOCK_ACCEL_DMA_CTRL_IRQ		MOCK_ACCEL_BIT(31)	/* MSI-X on completion */
#define MOCK_ACCEL_DMA_CTRL_VALID_MASK	(MOCK_ACCEL_DMA_CTRL_OP_MASK | \
					 MOCK_ACCEL_DMA_CTRL_SRC_DEV | \
					 MOCK_ACCEL_DMA_CTRL_DST_DEV | \
					 MOCK_ACCEL_DMA_CTRL_CSUM_CONTINUE | \
					 MOCK_ACCEL_DMA_CTRL_IRQ)

#define MOCK_ACCEL_DMA_OP_COPY		1
#define MOCK_ACCEL_DMA_OP_FILL		2
#define MOCK_ACCEL_DMA_OP_CHECKSUM	3

/* Address spaces (the DMA_CTRL_*_DEV bits; also the guest driver's ABI). */
#define MOCK_ACCEL_SPACE_GUEST		0
#define MOCK_ACCEL_SPACE_DEV		1

/* RW: FILL pattern, repeated in little-endian byte order from DST. */
#define MOCK_ACCEL_REG_DMA_PATTERN	0x5c

/*
 * WO: any 32-bit write starts the operation described by the registers
 * above (mvmm registers it as an ioeventfd, no datamatch). Reads return 0.
 */
#define MOCK_ACCEL_REG_DMA_DOORBELL	0x60

/*
 * RW: state of the last operation. Writing any value acknowledges: the
 * state becomes IDLE, the error code and DROPPED clear (ignored while the
 * state is BUSY).
 */
#define MOCK_ACCEL_REG_DMA_STATUS	0x64
#define MOCK_ACCEL_DMA_STATE_MASK	0x0000000fu
#define MOCK_ACCEL_DMA_STATE_IDLE	0	/* reset, or acknowledged */
#define MOCK_ACCEL_DMA_STATE_BUSY	1	/* picked up, running */
#define MOCK_ACCEL_DMA_STATE_DONE	2	/* finished successfully */
#define MOCK_ACCEL_DMA_STATE_ERROR	3	/* finished with ERR_* */
#define MOCK_ACCEL_DMA_ERR_SHIFT	8
#define MOCK_ACCEL_DMA_ERR_MASK		0x0000ff00u
#define MOCK_ACCEL_DMA_ERR_NONE		0
#define MOCK_ACCEL_DMA_ERR_BAD_OP	1	/* unknown op / reserved CTRL bits */
#define MOCK_ACCEL_DMA_ERR_BAD_VECTOR	2	/* CTRL_IRQ with a vector >= MSIX_VECTORS */
#define MOCK_ACCEL_DMA_ERR_BAD_LEN	3	/* LEN == 0 */
#define MOCK_ACCEL_DMA_ERR_OVERFLOW	4	/* address + LEN wraps */
#define MOCK_ACCEL_DMA_ERR_BAD_ADDR	5	/* guest range not in guest RAM */
#define MOCK_ACCEL_DMA_ERR_DEV_RANGE	6	/* device range beyond MEMORY_SIZE */
#define MOCK_ACCEL_DMA_ERR_OVERLAP	7	/* COPY ranges overlap */
#define MOCK_ACCEL_DMA_ERR_NO_BUSMASTER	8	/* guest access with BME clear */
#define MOCK_ACCEL_DMA_ERR_ABORTED	9	/* DMA_ABORT or BME cleared while running */
#define MOCK_ACCEL_DMA_ERR_MAX		9
/* Sticky: a doorbell arrived while BUSY and was dropped. */
#define MOCK_ACCEL_DMA_STATUS_DROPPED	MOCK_ACCEL_BIT(31)

#define MOCK_ACCEL_DMA_STATE(s)		((s) & MOCK_ACCEL_DMA_STATE_MASK)
#define MOCK_ACCEL_DMA_ERR(s)		(((s) & MOCK_ACCEL_DMA_ERR_MASK) >> \
					 MOCK_ACCEL_DMA_ERR_SHIFT)
#define MOCK_ACCEL_DMA_STATUS_MAKE(state, err) \
	((uint32_t)(state) | ((uint32_t)(err) << MOCK_ACCEL_DMA_ERR_SHIFT))

/*
 * RW: 64-bit result: CHECKSUM's FNV-1a 64 value, COPY/FILL's byte count.
 * Writable so that CSUM_CONTINUE can chain a checksum over several ranges.
 */
#define MOCK_ACCEL_REG_DMA_RESULT	0x68
#define MOCK_ACCEL_REG_DMA_RESULT_LO	0x68
#define MOCK_ACCEL_REG_DMA_RESULT_HI	0x6c

/* RW: MSI-X table entry raised on completion when CTRL_IRQ is set (reset 0). */
#define MOCK_ACCEL_REG_DMA_IRQ_VECTOR	0x70

/* RO: operations finished (DONE or ERROR) since reset, wrapping at 2^32. */
#define MOCK_ACCEL_REG_DMA_SEQ		0x74

/* WO: writing 1 stops the running operation with ERR_ABORTED; no-op if idle. */
#define MOCK_ACCEL_REG_DMA_ABORT	0x78
#define MOCK_ACCEL_DMA_ABORT_REQ	MOCK_ACCEL_BIT(0)

#define MOCK_ACCEL_REG_DMA_END		0x80	/* first offset after the block */

/* ---- Passphrase generator (the out-of-tree device's, same offsets) -------
 *
 * Draws PASSPHRASE_LENGTH words uniformly from the EFF large wordlist (7776
 * words, the list Debian's diceware package ships as wordlist_en_eff.txt)
 * with the host's getrandom(2) and rejection sampling (no modulo bias).
 * mvmm generates synchronously inside the PASSPHRASE_CMD write, so a read
 * after it sees READY (or ERROR); BUSY is in the encoding for drivers
 * written against the out-of-tree device, which may report it.
 *
 * Reset (power-on, FLR, VF Enable edges): STATUS IDLE, COUNT 0, BUFFER all
 * zero, LENGTH 6 at power-on and kept by function resets (as the
 * out-of-tree device keeps it). Note: the general STATUS register at 0x2c
 * starts at MOCK_ACCEL_STATUS_READY (1); PASSPHRASE_STATUS is a separate
 * register whose 1 means BUSY.
 *
 * Words: four EFF words contain a hyphen themselves ("drop-down",
 * "felt-tip", "t-shirt", "yo-yo"), so splitting the buffer on '-' can
 * give more pieces than PASSPHRASE_COUNT; PASSPHRASE_COUNT is the word
 * count. The longest word has 9 letters, so 12 words fit the buffer.
 */

/* WO: writing PASSPHRASE_CMD_GENERATE generates; other values are ignored,
 * reads return 0. */
#define MOCK_ACCEL_REG_PASSPHRASE_CMD		0x100
#define MOCK_ACCEL_PASSPHRASE_CMD_GENERATE	1

/*
 * RW: words per passphrase. A write outside MIN..MAX is rejected: LENGTH
 * keeps its old value and PASSPHRASE_STATUS becomes ERROR (COUNT and the
 * buffer keep the previous passphrase). A valid write leaves STATUS alone.
 */
#define MOCK_ACCEL_REG_PASSPHRASE_LENGTH	0x104
#define MOCK_ACCEL_PASSPHRASE_MIN_WORDS		4
#define MOCK_ACCEL_PASSPHRASE_MAX_WORDS		12
#define MOCK_ACCEL_PASSPHRASE_DEFAULT_WORDS	6

/* RO: generator state. */
#define MOCK_ACCEL_REG_PASSPHRASE_STATUS	0x108
#define MOCK_ACCEL_PASSPHRASE_IDLE		0	/* reset: nothing generated */
#define MOCK_ACCEL_PASSPHRASE_BUSY		1	/* never seen on mvmm */
#define MOCK_ACCEL_PASSPHRASE_READY		2	/* BUFFER holds a passphrase */
#define MOCK_ACCEL_PASSPHRASE_ERROR		3	/* bad LENGTH write, no entropy */

/* RO: number of words in BUFFER (0 until the first generate). */
#define MOCK_ACCEL_REG_PASSPHRASE_COUNT		0x10c

/* RO: the passphrase, NUL-terminated, zero-padded to the end; any width. */
#define MOCK_ACCEL_REG_PASSPHRASE_BUFFER	0x200
#define MOCK_ACCEL_PASSPHRASE_BUFFER_LEN	256

#define MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN	7776	/* EFF large wordlist */

/* ---- FNV-1a 64, the CHECKSUM operation's function -------------------------- */

#define MOCK_ACCEL_FNV1A64_BASIS	0xcbf29ce484222325ULL
#define MOCK_ACCEL_FNV1A64_PRIME	0x00000100000001b3ULL

/* Continue hash @h over @len bytes at @p (start with MOCK_ACCEL_FNV1A64_BASIS). */
static inline uint64_t mock_accel_fnv1a64(uint64_t h, const void *p, uint64_t len)
{
	const uint8_t *b = (const uint8_t *)p;

	while (len--) {
		h ^= *b++;
		h *= MOCK_ACCEL_FNV1A64_PRIME;
	}
	return h;
}

/* Byte @i (counted from the start of the range) of a FILL with @pattern. */
static inline uint8_t mock_accel_fill_byte(uint32_t pattern, uint64_t i)
{
	return (uint8_t)(pattern >> (8 * (i % 4)));
}

#endif /* MOCK_ACCEL_REGS_H */
