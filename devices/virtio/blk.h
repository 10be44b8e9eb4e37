/*
 * virtio-blk (virtio 1.x, 5.2) on the virtio PCI transport, backed by a
 * disk image (disk.h) through io_uring.
 *
 * Each queue has its own I/O thread with its own io_uring: the thread
 * waits in the ring for the queue's kick (a poll on the kick eventfd) and
 * for I/O completions, pops every available request, submits their I/O in
 * one io_uring_submit, and publishes completions in batches with one
 * interrupt per batch (EVENT_IDX permitting). Requests never leave their
 * queue's thread; a request that is malformed, out of range or fails on
 * the host completes with VIRTIO_BLK_S_IOERR (or UNSUPP) alone. A broken
 * ring sets DEVICE_NEEDS_RESET and the queue stops until reset.
 */
#ifndef MVMM_VIRTIO_BLK_H
#define MVMM_VIRTIO_BLK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_blk.h>

#include "devices/virtio/disk.h"
#include "devices/virtio/virtio_pci.h"
#include "vmm/idset.h"
#include "vmm/sandbox.h"

#define VIRTIO_BLK_QUEUE_SIZE	256
#define VIRTIO_BLK_MAX_QUEUES	16
#define VIRTIO_BLK_MAX_DWZ_SEG	16	/* discard / write-zeroes segments */

struct virtio_blk;

/* Per-queue counters (tests, reports). */
struct virtio_blk_stats {
	atomic_ulong requests, ioerr, unsupp, bad_chain;	/* interrupts: vp.irqs_* */
};

struct virtio_blk_queue {
	struct virtio_blk *blk;
	unsigned idx;
	pthread_t thread;
	bool running;
	atomic_int tid;
	int stop_fd;			/* eventfd: leave the loop */
	struct virtio_blk_stats stats;
};

struct virtio_blk_params {
	const char *name;		/* the [disk.NAME] name */
	struct disk_params disk;
	const char *serial;		/* GET_ID; NULL: the name */
	unsigned queues;		/* 1..VIRTIO_BLK_MAX_QUEUES */
	msix_send_fn send;
	void *send_opaque;
	const struct gmem *mem;
	const struct virtio_pci_hooks *hooks;
	struct irq *irq;		/* irqfd delivery; NULL: msix__notify */
	struct idset io_cpus;		/* I/O threads' CPUs; empty: not pinned */
	/* Unit tests: DRIVER_OK starts no I/O thread and the caller serves
	 * the queues with virtio_blk__poll(). A running thread owns its
	 * queue, so polling one while it runs would race on the ring. */
	bool no_threads;
	enum sandbox_mode sandbox;	/* the I/O threads' seccomp filter */
};

struct virtio_blk {
	struct virtio_pci vp;
	struct disk disk;
	char name[64];
	char serial[VIRTIO_BLK_ID_BYTES];
	unsigned nr_queues;
	struct virtio_blk_queue q[VIRTIO_BLK_MAX_QUEUES];
	struct idset io_cpus;
	bool no_threads;		/* params.no_threads */
	enum sandbox_mode sandbox;
};

/* Open the image and build the function (pci_host__add_device(&b->vp.pci)).
 * -errno with one line in @err (the disk's problem) on failure. */
int virtio_blk__init(struct virtio_blk *b, const struct virtio_blk_params *p, char *err,
		     size_t errlen);
void virtio_blk__destroy(struct virtio_blk *b);

/*
 * Serve queue @q once, synchronously, on its own io_uring (unit tests
 * built with params.no_threads: never while the queue's I/O thread runs):
 * pop everything available, run it to completion, publish. Returns the
 * requests completed, or -errno.
 */
int virtio_blk__poll(struct virtio_blk *b, unsigned q);

/* The I/O thread TID of queue @q, 0 if not running (placement report). */
int virtio_blk__io_tid(const struct virtio_blk *b, unsigned q);

#endif
