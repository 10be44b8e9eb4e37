/*
 * Split virtqueue (virtio 1.x, 2.7): the device side of one queue.
 *
 * Contract:
 *  - Every guest address goes through gmem. The three rings are looked up
 *    once, when the driver enables the queue (vq__enable); a descriptor's
 *    buffer is looked up when its chain is popped. Nothing else touches
 *    guest memory.
 *  - vq__pop() walks one chain (direct, or one indirect table) into an
 *    iovec list, readable buffers first. A chain that breaks the ring
 *    (index out of range, a loop, more descriptors than the queue or the
 *    table holds, a nested or chained indirect table, avail.idx more than
 *    the queue size ahead) returns -EPROTO: the queue is broken, the
 *    transport sets DEVICE_NEEDS_RESET. A chain whose buffers are bad (not
 *    in RAM, zero length, readable after writable) returns -EFAULT with
 *    the head filled in: the device fails that request and goes on.
 *  - One thread pops and pushes a queue (its I/O thread); the driver runs
 *    concurrently on other CPUs, so ring indices are read and written with
 *    the barriers the spec asks for.
 *  - VIRTIO_F_EVENT_IDX: vq__push_done() says whether the driver wants an
 *    interrupt; vq__arm() publishes avail_event before the thread sleeps.
 */
#ifndef MVMM_VIRTQUEUE_H
#define MVMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_ring.h>

#include "vmm/gmem.h"

#define VQ_MAX_SIZE		1024	/* the spec's limit for split rings */
#define VQ_MAX_INDIRECT		VQ_MAX_SIZE	/* descriptors in one indirect table */

struct virtqueue {
	const struct gmem *mem;
	uint16_t size;			/* a power of two, <= VQ_MAX_SIZE */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx;			/* VIRTIO_F_EVENT_IDX negotiated */
	bool ready;
	/* Host views of the rings, valid while ready. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;		/* next avail entry to pop */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled_used;	/* used_idx at the last interrupt */
	bool signalled_valid;
};

/* One popped chain. iov[0..nr_out) are device-readable, iov[nr_out..nr)
 * device-writable; len_out / len_in are their byte totals. */
struct vq_chain {
	uint16_t head;
	unsigned nr, nr_out;
	uint64_t len_out, len_in;
	bool last_in;			/* the chain's final descriptor is a good
					 * device-writable buffer: iov[nr - 1] */
	struct iovec *iov;		/* caller's array of @max entries */
	unsigned max;
};

/* Queue back to its reset state (not ready, indices 0). */
void vq__reset(struct virtqueue *vq);
/* The driver wrote queue_enable = 1: map the rings. -EINVAL for a size
 * that is not a power of two <= VQ_MAX_SIZE, -EFAULT for a misaligned
 * ring or one not entirely in guest RAM. */
int vq__enable(struct virtqueue *vq, const struct gmem *mem, bool event_idx);

/* Pop the next available chain into @c (c->iov, c->max set by the
 * caller). 1: popped; 0: the ring is empty; -EFAULT: a bad buffer (c->head
 * is valid: push it back with length 0 or an error status); -EPROTO: the
 * ring is broken. */
int vq__pop(struct virtqueue *vq, struct vq_chain *c);
/* Return chain @head with @len bytes written into its writable buffers. */
void vq__push(struct virtqueue *vq, uint16_t head, uint32_t len);
/* Several used entries published at once (a merged rx packet must appear
 * whole): vq__fill() the @i-th of them, then vq__flush() all @n. */
void vq__fill(struct virtqueue *vq, unsigned i, uint16_t head, uint32_t len);
void vq__flush(struct virtqueue *vq, unsigned n);
/* Give back the last @n popped chains, not yet pushed: they are popped
 * again next time (a packet that found too few buffers waits for more). */
void vq__unpop(struct virtqueue *vq, unsigned n);
/* After a batch of vq__push(): true if the driver wants an interrupt. */
bool vq__push_done(struct virtqueue *vq);
/* Before sleeping: ask for a notification at the next avail entry
 * (EVENT_IDX: avail_event; otherwise clear NO_NOTIFY). Returns true if
 * entries arrived meanwhile, i.e. the caller must not sleep. */
bool vq__arm(struct virtqueue *vq);
/* Before sleeping for more than the available entries (they were popped
 * and given back: too few for a frame): ask for a notification at the
 * next new entry. True if one came meanwhile. */
bool vq__arm_more(struct virtqueue *vq);
/* While processing, notifications are not needed (no EVENT_IDX only). */
void vq__disarm(struct virtqueue *vq);

/* The @len bytes of an iovec list from @skip bytes in, as a list of at
 * most @max entries in @out. Returns the entries used. */
unsigned vq__iov_slice(const struct iovec *iov, unsigned nr, uint64_t skip, uint64_t len,
		       struct iovec *out, unsigned max);
/* Copy up to @len bytes out of / into an iovec list, starting @skip bytes
 * in. Return the bytes copied. */
uint64_t vq__iov_read(const struct iovec *iov, unsigned nr, uint64_t skip, void *dst,
		      uint64_t len);
uint64_t vq__iov_write(const struct iovec *iov, unsigned nr, uint64_t skip, const void *src,
		       uint64_t len);

#endif
