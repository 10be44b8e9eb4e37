/*
 * vhost: the in-kernel virtio data plane (/dev/vhost-vsock, /dev/vhost-net)
 * behind a device on the virtio PCI transport. The core every vhost device
 * shares; device-specific ioctls (vhost-net's SET_BACKEND, vhost-vsock's
 * GUEST_CID / SET_RUNNING) stay in the device, through vhost__ioctl().
 *
 * Contract:
 *  - One struct vhost is one open char device serving @nr vrings; vring i
 *    is transport queue @first + i (vhost-net: one fd per queue pair,
 *    first = 2 * pair; vhost-vsock: rx, tx = queues 0, 1).
 *  - vhost__open() opens the device, takes ownership (SET_OWNER) and reads
 *    the kernel's features. SET_OWNER starts the fd's worker, named
 *    "vhost-<tid of the caller>": a kernel thread on Linux < 6.4, a thread
 *    of this process (vhost_task) from 6.4. The one that appears is
 *    v->worker (0 if none or several did), for vhost__pin_worker() and the
 *    placement report. Call vhost__open() from one thread at a time.
 *  - Features: the guest is offered vhost__offer(kernel, device): the
 *    device model's own bits and the ring features (VERSION_1, EVENT_IDX,
 *    INDIRECT_DESC), each only where the kernel reports it; nothing that
 *    only concerns vhost (LOG_ALL, ANY_LAYOUT, NOTIFY_ON_EMPTY,
 *    ACCESS_PLATFORM). A kernel without VERSION_1 is refused at open.
 *  - vhost__start() runs from the device's ops->start: every ring is mapped
 *    and bounds-checked by the transport (vq__enable), so the kernel gets
 *    the driver's features that it knows (plus the device's backend-only
 *    bits; the rest are the device model's, e.g. vhost-net's CSUM), the
 *    guest RAM regions (gmem, host addresses), and per vring: size, base 0,
 *    the ring host addresses, kick = the queue's ioeventfd (vp->q[].kick_fd)
 *    and call = its MSI-X vector's irqfd (vp->irqfd[vector].fd; KVM injects
 *    a count left while the vector was masked when it is unmasked). A
 *    queue without a vector (-EINVAL), a transport without the irq seam
 *    (-EOPNOTSUPP) or a queue not enabled (-EINVAL) is refused before any
 *    ioctl. On error nothing stays bound.
 *  - vhost__stop() runs from ops->stop after the device detached its
 *    backend: every started ring is stopped (GET_VRING_BASE) and its kick
 *    and call unbound. The next start sets everything again; the kernel
 *    state is never trusted across a reset.
 *  - Errors are -errno; start and stop log one line naming the ioctl.
 */
#ifndef MVMM_VHOST_H
#define MVMM_VHOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vhost.h>

#include "devices/virtio/virtio_pci.h"
#include "vmm/gmem.h"
#include "vmm/idset.h"

#define VHOST_MAX_VRINGS	8
#define VHOST_MAX_WORKERS	64	/* "vhost-<tid>" threads one scan tells apart */

/* The ioctl seam: ioctl(2) unless a unit test records the calls. */
typedef int (*vhost_ioctl_fn)(void *opaque, int fd, unsigned long req, void *arg);

struct vhost {
	int fd;				/* -1: closed */
	char name[64];			/* for messages: the device's name */
	uint64_t features;		/* the kernel's (VHOST_GET_FEATURES) */
	pid_t worker;			/* the fd's worker thread, 0: not found */
	unsigned first, nr;		/* transport queues first..first+nr-1 */
	bool on[VHOST_MAX_VRINGS];	/* vring configured by the last start */
	vhost_ioctl_fn ioctl;
	void *ioctl_opaque;
};

/* Ring features the core passes through to the guest when the kernel has them. */
#define VHOST_RING_FEATURES	((1ULL << VIRTIO_F_VERSION_1) |		\
				 (1ULL << VIRTIO_RING_F_EVENT_IDX) |		\
				 (1ULL << VIRTIO_RING_F_INDIRECT_DESC))

/* Open @path for vrings = queues @first..@first+@nr-1 of device @name.
 * -errno (ENOENT: no such device, EACCES, ENOTTY: not a vhost device,
 * EOPNOTSUPP: no VERSION_1); nothing to close then. */
int vhost__open(struct vhost *v, const char *name, const char *path, unsigned first,
		unsigned nr);
void vhost__close(struct vhost *v);

/* What the device may offer the guest: @device's bits that the kernel has
 * too, of the device-specific ones (0-23, 41-63) and VHOST_RING_FEATURES. */
uint64_t vhost__offer(uint64_t kernel, uint64_t device);

/* Pin the worker to @cpus (empty: nothing to do). -ESRCH without a
 * worker, -errno from sched_setaffinity. */
int vhost__pin_worker(const struct vhost *v, const struct idset *cpus);

/* From ops->start: features (the driver's the kernel knows | @backend),
 * memory, vrings. */
int vhost__start(struct vhost *v, struct virtio_pci *vp, uint64_t backend);
/* From ops->stop, after the device's own backend is detached. */
void vhost__stop(struct vhost *v);

/* A device-specific ioctl on the fd (through the seam). 0 or -errno. */
int vhost__ioctl(struct vhost *v, unsigned long req, void *arg);

/* Exported for tests. */
/* VHOST_SET_MEM_TABLE's argument for @mem into @t (room for @max regions):
 * every region at its guest address with its host address, in gpa order.
 * The number of regions, or -E2BIG. */
int vhost__mem_table(const struct gmem *mem, struct vhost_memory *t, unsigned max);
/* Threads named "vhost-<owner>" under @proc ("/proc"): the processes
 * @proc/N and the threads @proc/self/task/N. Up to @max ids into @out
 * (each once); returns how many, or -errno. */
int vhost__find_workers(const char *proc, pid_t owner, pid_t *out, unsigned max);

#endif
