/*
 * virtio-vsock (virtio 1.x, 5.10, device type 19) on the virtio PCI
 * transport, its data plane in the kernel's vhost-vsock (vhost.h).
 *
 * Contract:
 *  - Two steps. virtio_vsock__open() is the host side, before the VM
 *    exists: /dev/vhost-vsock opened and owned, the guest's CID claimed
 *    (VHOST_VSOCK_SET_GUEST_CID: a CID another VM holds is EADDRINUSE). Its
 *    error is one line in @err. virtio_vsock__init() then builds the PCI
 *    function and pins the vhost worker to params.worker_cpus (a failure
 *    to pin is a warning; the placement report shows it off-plan).
 *  - Queues: 0 rx and 1 tx are vhost vrings 0 and 1, served by the kernel
 *    from DRIVER_OK (vhost__start, then SET_RUNNING 1) until reset
 *    (SET_RUNNING 0, then vhost__stop). Queue 2, the event queue, stays in
 *    userspace and unused: it only carries VIRTIO_VSOCK_EVENT_TRANSPORT_RESET,
 *    which a device sends after live migration, and mvmm has none.
 *  - Device configuration: le64 guest_cid, read-only.
 *  - Features: VERSION_1, EVENT_IDX, INDIRECT_DESC and SEQPACKET, each
 *    only if the kernel's vhost-vsock has it (vhost__offer).
 */
#ifndef MVMM_VIRTIO_VSOCK_H
#define MVMM_VIRTIO_VSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/virtio/vhost.h"
#include "devices/virtio/virtio_pci.h"
#include "vmm/idset.h"

#define VIRTIO_VSOCK_QUEUE_SIZE	128	/* as QEMU's vhost-vsock-pci */
#define VIRTIO_VSOCK_NR_QUEUES	3	/* rx, tx, event */
#define VIRTIO_VSOCK_DEV	"/dev/vhost-vsock"

struct virtio_vsock_params {
	const char *name;		/* for messages */
	msix_send_fn send;
	void *send_opaque;
	const struct gmem *mem;
	const struct virtio_pci_hooks *hooks;
	struct irq *irq;		/* required at start: vhost signals by irqfd */
	struct idset worker_cpus;	/* the vhost worker's CPUs; empty: not pinned */
};

struct virtio_vsock {
	struct virtio_pci vp;
	struct vhost vhost;		/* open: fd >= 0 */
	uint64_t cid;
	struct idset worker_cpus;
	bool has_vp;			/* virtio_vsock__init succeeded */
};

/* Host side: @path (NULL: VIRTIO_VSOCK_DEV), claim @cid. -errno with one
 * line in @err: the device missing (modprobe vhost_vsock), no permission,
 * the CID in use, not a vhost-vsock device. */
int virtio_vsock__open(struct virtio_vsock *s, const char *path, uint64_t cid, char *err,
		       size_t errlen);
/* The PCI function (pci_host__add_device(&s->vp.pci)), after open. */
int virtio_vsock__init(struct virtio_vsock *s, const struct virtio_vsock_params *p);
/* Reset the device, close the vhost fd (the kernel releases the CID). */
void virtio_vsock__destroy(struct virtio_vsock *s);

/* The vhost worker's thread id (0: not found), for the placement report. */
static inline pid_t virtio_vsock__worker(const struct virtio_vsock *s)
{
	return s->vhost.fd >= 0 ? s->vhost.worker : 0;
}

#endif
