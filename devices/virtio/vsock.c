/*
 * virtio-vsock over vhost-vsock (see vsock.h): the host side at open, the
 * transport's start/stop handing rx/tx to the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/vhost.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_vsock.h>

#include "devices/virtio/vsock.h"
#include "vmm/util.h"

#define CLASS_COMMUNICATION_OTHER	0x078000	/* what QEMU's vhost-vsock-pci reports */

static int set_running(struct virtio_vsock *s, int on)
{
	int ret = vhost__ioctl(&s->vhost, VHOST_VSOCK_SET_RUNNING, &on);

	if (ret)
		fprintf(stderr, "mvmm: %s: vhost VSOCK_SET_RUNNING %d: %s\n", s->vp.name, on,
			strerror(-ret));
	return ret;
}

static int vsock_start(struct virtio_pci *vp)
{
	struct virtio_vsock *s = vp->opaque;
	int ret;

	ret = vhost__start(&s->vhost, vp, 0);
	if (ret)
		return ret;
	ret = set_running(s, 1);
	if (ret)
		vhost__stop(&s->vhost);
	return ret;
}

/* The kernel stops serving (and flushes its worker) before the rings are
 * taken back. */
static void vsock_stop(struct virtio_pci *vp)
{
	struct virtio_vsock *s = vp->opaque;

	set_running(s, 0);
	vhost__stop(&s->vhost);
}

static const struct virtio_pci_ops vsock_ops = {
	.start = vsock_start,
	.stop = vsock_stop,
};

int virtio_vsock__open(struct virtio_vsock *s, const char *path, uint64_t cid, char *err,
		       size_t errlen)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->vhost.fd = -1;
	path = path ? path : VIRTIO_VSOCK_DEV;
	s->cid = cid;
	ret = vhost__open(&s->vhost, "vsock", path, 0, 2);
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO) {
		snprintf(err, errlen, "%s: %s (load the module: modprobe vhost_vsock)", path,
			 strerror(-ret));
		return ret;
	}
	if (ret == -EACCES || ret == -EPERM) {
		snprintf(err, errlen, "%s: %s (mvmm needs read and write access to it)", path,
			 strerror(-ret));
		return ret;
	}
	if (ret) {
		snprintf(err, errlen, "%s: not a usable vhost-vsock device: %s", path,
			 strerror(-ret));
		return ret;
	}
	ret = vhost__ioctl(&s->vhost, VHOST_VSOCK_SET_GUEST_CID, &s->cid);
	if (ret) {
		if (ret == -EADDRINUSE)
			snprintf(err, errlen, "expected a guest CID no other VM on this host uses, got '%llu' (%s: Address already in use)",
				 (unsigned long long)cid, path);
		else
			snprintf(err, errlen, "%s: cannot set guest CID %llu: %s", path,
				 (unsigned long long)cid, strerror(-ret));
		vhost__close(&s->vhost);
		return ret;
	}
	return 0;
}

int virtio_vsock__init(struct virtio_vsock *s, const struct virtio_vsock_params *p)
{
	struct virtio_pci_params vpp = {
		.name = p->name ? p->name : "vsock", .device_type = VIRTIO_ID_VSOCK,
		.class_code = CLASS_COMMUNICATION_OTHER, .nr_queues = VIRTIO_VSOCK_NR_QUEUES,
		.queue_size = VIRTIO_VSOCK_QUEUE_SIZE,
		.devcfg_size = sizeof(struct virtio_vsock_config), .ops = &vsock_ops, .opaque = s,
		.send = p->send, .send_opaque = p->send_opaque, .mem = p->mem, .hooks = p->hooks,
		.irq = p->irq,
	};
	struct virtio_vsock_config c = { .guest_cid = s->cid };
	int ret;

	if (s->vhost.fd < 0)
		return -EBADF;
	vpp.features = vhost__offer(s->vhost.features, VHOST_RING_FEATURES |
				    1ULL << VIRTIO_VSOCK_F_SEQPACKET);
	ret = virtio_pci__init(&s->vp, &vpp);
	if (ret)
		return ret;
	memcpy(s->vp.devcfg, &c, sizeof(c));	/* x86: little-endian already */
	s->has_vp = true;
	s->worker_cpus = p->worker_cpus;
	if (!idset__empty(&s->worker_cpus) && (ret = vhost__pin_worker(&s->vhost, &s->worker_cpus)))
		fprintf(stderr, "mvmm: warning: %s: cannot pin the vhost worker%s: %s\n", vpp.name,
			ret == -ESRCH ? " (no vhost-<tid> thread found)" : "", strerror(-ret));
	return 0;
}

void virtio_vsock__destroy(struct virtio_vsock *s)
{
	if (s->has_vp)
		virtio_pci__destroy(&s->vp);	/* a running device is stopped */
	s->has_vp = false;
	vhost__close(&s->vhost);
}
