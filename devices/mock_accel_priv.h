/*
 * mock-accel internals shared by the devices/mock_accel*.c files (see
 * mock_accel.h for who does what). Not for other code.
 */
#ifndef MVMM_MOCK_ACCEL_PRIV_H
#define MVMM_MOCK_ACCEL_PRIV_H

#include "devices/mock_accel.h"

/* The SR-IOV capability: the whole v1 structure (0x40 bytes). */
#define MOCK_ACCEL_SRIOV_CAP_SIZE	0x40
/* VF BARs in use: BAR0 (registers) and BAR2/3 (device memory). */
#define MOCK_ACCEL_VF_BAR0		0
#define MOCK_ACCEL_VF_BAR2		1	/* index into fn->vbar[] */

/* mock_accel_fn.c: one function (PF or VF) */
int mock_accel_fn__init(struct mock_accel_fn *fn, struct mock_accel *d, int vf,
			const uint8_t uuid[MOCK_ACCEL_UUID_LEN], uint64_t memory_size,
			msix_send_fn send, void *send_opaque);
void mock_accel_fn__destroy(struct mock_accel_fn *fn);
/* Function reset (FLR, VF Enable edges, PF reset): MSI-X masked, DMA
 * engine idle and any running operation dropped; STATUS kept. */
void mock_accel_fn__reset(struct mock_accel_fn *fn);
/* Mirror the command register's Bus Master Enable. */
void mock_accel_fn__sync_bme(struct mock_accel_fn *fn);

/* mock_accel_mem.c: device memory and the BAR mappings */
int mock_accel_mem__alloc(struct mock_accel_fn *fn, uint64_t size);
void mock_accel_mem__free(struct mock_accel_fn *fn);
/* BAR @bar (0 or 2) of @fn now decodes at @addr (@mapped) or no longer:
 * place the doorbell ioeventfd (BAR0) or the memory slot (BAR2). */
void mock_accel_mem__bar_moved(struct mock_accel_fn *fn, unsigned bar, uint64_t addr,
			       bool mapped);

/* mock_accel_sriov.c */
int mock_accel_sriov__init(struct mock_accel *d);
/* After a PF config write touching the capability, or a PF reset: follow
 * VF Enable, NumVFs and the VF BARs. Config lock held. */
void mock_accel_sriov__update(struct mock_accel *d);
void mock_accel_sriov__cfg_write(struct mock_accel *d, unsigned off, unsigned len);
struct pci_func *mock_accel_sriov__func_at(struct pci_func *f, uint8_t devfn);
/* Unmap every VF (teardown). */
void mock_accel_sriov__destroy(struct mock_accel *d);

/* mock_accel_dma.c */
uint32_t mock_accel_dma__reg_read(struct mock_accel_fn *fn, uint64_t off);
void mock_accel_dma__reg_write(struct mock_accel_fn *fn, uint64_t off, uint32_t v);
/* Registers back to reset values and the running operation dropped
 * (fn->lock held). */
void mock_accel_dma__reset_locked(struct mock_accel_fn *fn);
/* The checks of mock_accel_regs.h, in order: 0 or MOCK_ACCEL_DMA_ERR_*. */
uint32_t mock_accel_dma__check(const struct mock_accel_op *op, const struct gmem *mem,
			       uint64_t memory_size, bool bme);
/* Worker steps, exported so that tests can interleave them with guest
 * accesses: take a rung doorbell (true if an operation started, even one
 * refused at once), and move one piece of the running operation. */
bool mock_accel_dma__pickup(struct mock_accel_fn *fn);
void mock_accel_dma__step(struct mock_accel_fn *fn);
int mock_accel_dma__start(struct mock_accel *d);
void mock_accel_dma__stop(struct mock_accel *d);

/* mock_accel_pass.c: the passphrase generator (fn->lock held) */
/* Power-on (@power_on) or function reset: IDLE, no words; LENGTH back to
 * its default only at power-on. */
void mock_accel_pass__reset(struct mock_accel_pass *p, bool power_on);
/* Draw PASSPHRASE_LENGTH words into the buffer: 0 and READY, or -errno
 * and ERROR (buffer and COUNT then keep the previous passphrase). */
int mock_accel_pass__generate(struct mock_accel_pass *p);
/* Rejection sampling: a 16-bit draw @r maps to a word index (true) or is
 * refused (false) so that every index is equally likely. */
bool mock_accel_pass__index(uint16_t r, uint16_t *idx);
/* One aligned dword in 0x100..0x2ff. */
uint32_t mock_accel_pass__reg_read(const struct mock_accel_pass *p, uint64_t off);
void mock_accel_pass__reg_write(struct mock_accel_pass *p, uint64_t off, uint32_t v);

#endif
