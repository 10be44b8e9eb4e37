/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mock-accel guest driver: state shared by mock_accel.c (PCI driver, class
 * devices, SR-IOV) and mock_accel_dma.c (character device, DMA buffers,
 * DMA engine).
 */
#ifndef MOCK_ACCEL_H
#define MOCK_ACCEL_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "../devices/mock_accel_regs.h"

#define MOCK_ACCEL_DRV_NAME	"mock-accel"

struct mock_accel_dmabuf;

/*
 * One PCI function (PF or VF). Reference counted: the PCI binding holds one
 * reference, every open file of its character device another, so an open
 * file outlives an unbound device (its ioctls then fail with -ENODEV).
 */
struct mock_accel {
	struct kref ref;
	struct pci_dev *pdev;		/* holds a pci_dev reference */
	void __iomem *regs;		/* BAR0; NULL once removed */
	struct device *cdev;		/* /sys/class/mock-accel/<name> */
	int index;			/* N of mockN (a VF: its PF's N) */
	int vf_id;			/* M of mockN_vfM, -1 for a PF */
	char name[32];			/* mockN, mockN_vfM */

	/* Read once at probe: the registers are read-only. */
	u8 uuid[MOCK_ACCEL_UUID_LEN];
	u64 memory_size;
	u32 caps;
	u32 fw_version;

	/* Passphrase generator: one length/generate/read sequence at a time. */
	struct mutex pass_lock;

	/* SR-IOV (PF): serialises our sriov_numvfs with the PCI core's. */
	struct mutex sriov_lock;

	/* DMA engine */
	struct mutex dma_lock;		/* one request at a time; guards below */
	struct completion dma_done;	/* completed by the MSI-X handler */
	int irq;			/* completion vector's irq, or -1: poll */
	bool dead;			/* removed: never touch regs again */
	bool removing;			/* remove() started: stop waiting */
	bool wedged;			/* an operation did not finish */
	u32 wedged_seq;			/* DMA_SEQ when it started */
	struct mock_accel_dmabuf *stuck; /* buffer it may still write */

	/* Character device /dev/mock-accelN[_vfM] */
	struct miscdevice misc;
	char misc_name[40];
	bool misc_registered;
};

void mock_accel_put(struct mock_accel *m);

/* mock_accel_dma.c */
int mock_accel_irq_setup(struct mock_accel *m);
void mock_accel_irq_teardown(struct mock_accel *m);
int mock_accel_chardev_register(struct mock_accel *m);
void mock_accel_chardev_unregister(struct mock_accel *m);
void mock_accel_dma_shutdown(struct mock_accel *m);
void mock_accel_dmabuf_put(struct mock_accel_dmabuf *buf);

#endif /* MOCK_ACCEL_H */
