/*
 * virtio-net: device configuration, the userspace rx/tx path per queue
 * pair, and the control queue (see net.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "devices/virtio/net.h"
#include "numa/pin.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"

#define HDR_LEN			TAP_VNET_HDR_LEN
#define NUM_BUFFERS_OFF		10	/* le16 num_buffers in the header */
#define CLASS_NETWORK_ETHERNET	0x020000
#define BIT(n)			(1ULL << (n))

#define RXQ(p)			(2 * (p))
#define TXQ(p)			(2 * (p) + 1)
#define CTRLQ(n)		(2 * (n)->nr_pairs)

enum { EV_TAP, EV_RX, EV_TX, EV_STOP };

static struct virtqueue *vq_at(struct virtio_net *n, unsigned q)
{
	return &n->vp.q[q].vq;
}

static void signal_if_wanted(struct virtio_net *n, unsigned q)
{
	if (vq__push_done(vq_at(n, q)))
		virtio_pci__signal_queue(&n->vp, q);
}

static void broke(struct virtio_net_pair *p)
{
	p->broken = true;
	virtio_pci__needs_reset(&p->net->vp, "the driver broke a virtqueue");
}

/* ------------------------------------------------------------------ tx */

/* Send everything the driver queued on pair @p's tx queue. */
static int process_tx(struct virtio_net_pair *p)
{
	struct virtio_net *n = p->net;
	struct virtqueue *vq = vq_at(n, TXQ(p->idx));
	struct vq_chain c = { .iov = p->chain, .max = VQ_MAX_INDIRECT };
	unsigned done = 0;
	ssize_t w;
	int ret;

	if (p->broken || !vq->ready || !virtio_pci__bus_master(&n->vp))
		return 0;
	do {
		vq__disarm(vq);
		while ((ret = vq__pop(vq, &c)) != 0) {
			if (ret == -EPROTO) {
				broke(p);
				return -EPROTO;
			}
			done++;
			/* Device-readable only, and at least the header. */
			if (ret == -EFAULT || c.len_in || c.len_out < HDR_LEN) {
				atomic_fetch_add(&p->stats.bad_chain, 1);
				vq__push(vq, c.head, 0);
				continue;
			}
			w = writev(p->fd, c.iov, (int)c.nr_out);
			if (w == (ssize_t)c.len_out) {
				atomic_fetch_add(&p->stats.tx_packets, 1);
				atomic_fetch_add(&p->stats.tx_bytes, c.len_out - HDR_LEN);
			} else {	/* a bad GSO header, a detached queue, ... */
				atomic_fetch_add(&p->stats.tx_dropped, 1);
			}
			vq__push(vq, c.head, 0);
		}
	} while (vq__arm(vq));
	if (done)
		signal_if_wanted(n, TXQ(p->idx));
	return (int)done;
}

/* ------------------------------------------------------------------ rx */

/* Where the header's num_buffers goes in a chain's first buffer. */
struct nbuf_at {
	struct iovec iov[2];
	unsigned nr;
};

/*
 * Put the waiting frame into rx buffers. 1: delivered (or dropped as too
 * big); 0: not enough buffers (the frame keeps waiting, nothing
 * published); -EPROTO: the ring broke.
 */
static int deliver(struct virtio_net_pair *p, bool *pushed)
{
	struct virtio_net *n = p->net;
	struct virtqueue *vq = vq_at(n, RXQ(p->idx));
	struct vq_chain c = { .iov = p->chain, .max = VQ_MAX_INDIRECT };
	bool mrg = virtio_pci__has(&n->vp, VIRTIO_NET_F_MRG_RXBUF);
	uint16_t heads[VIRTIO_NET_QUEUE_SIZE];
	uint32_t lens[VIRTIO_NET_QUEUE_SIZE];
	struct nbuf_at at = { .nr = 0 };
	uint32_t off = 0, take;
	uint16_t nb, i, cnt = 0;
	int ret;

	while (off < p->frame_len) {
		ret = vq__pop(vq, &c);
		if (ret == -EPROTO)
			return -EPROTO;
		if (!ret || cnt == ARRAY_SIZE(heads)) {
			vq__unpop(vq, ret ? cnt + 1 : cnt);
			if (cnt + (ret > 0) < vq->size)
				return 0;	/* more room may come */
			/* The whole ring cannot hold it: it never will. */
			atomic_fetch_add(&p->stats.rx_dropped, 1);
			p->frame_len = 0;
			return 1;
		}
		/* Device-writable only; the first holds at least the header. */
		if (ret == -EFAULT || c.len_out || c.len_in < (cnt ? 1 : HDR_LEN)) {
			atomic_fetch_add(&p->stats.bad_chain, 1);
			vq__push(vq, c.head, 0);	/* before this frame's entries */
			*pushed = true;
			continue;
		}
		if (!mrg && c.len_in < p->frame_len) {
			/* Too big for the driver's buffers: drop it, keep the buffer. */
			vq__unpop(vq, 1);
			atomic_fetch_add(&p->stats.rx_dropped, 1);
			p->frame_len = 0;
			return 1;
		}
		if (!cnt)
			at.nr = vq__iov_slice(c.iov, c.nr, NUM_BUFFERS_OFF, 2, at.iov, 2);
		take = (uint32_t)MIN((uint64_t)p->frame_len - off, c.len_in);
		vq__iov_write(c.iov, c.nr, 0, p->frame + off, take);
		heads[cnt] = c.head;
		lens[cnt++] = take;
		off += take;
	}
	nb = cnt;	/* little-endian on x86 */
	vq__iov_write(at.iov, at.nr, 0, &nb, sizeof(nb));
	for (i = 0; i < cnt; i++)
		vq__fill(vq, i, heads[i], lens[i]);
	vq__flush(vq, cnt);
	*pushed = true;
	atomic_fetch_add(&p->stats.rx_packets, 1);
	atomic_fetch_add(&p->stats.rx_bytes, p->frame_len - HDR_LEN);
	p->frame_len = 0;
	return 1;
}

/*
 * Move frames from the TAP into the guest until the TAP is empty or the
 * guest has no room. Sets *wait_room when a frame waits for buffers (the
 * caller stops polling the TAP until the driver kicks rx).
 */
static int process_rx(struct virtio_net_pair *p, bool *wait_room)
{
	struct virtio_net *n = p->net;
	struct virtqueue *vq = vq_at(n, RXQ(p->idx));
	bool pushed = false;
	unsigned done = 0;
	ssize_t r;
	int ret = 0;

	*wait_room = false;
	if (p->broken || !vq->ready || !virtio_pci__bus_master(&n->vp)) {
		*wait_room = true;	/* a kick (reset, BME) wakes us */
		return 0;
	}
	for (;;) {
		if (!p->frame_len) {
			r = read(p->fd, p->frame, VIRTIO_NET_FRAME_MAX);
			if (r < 0)
				break;		/* EAGAIN: the TAP is empty */
			if (r < HDR_LEN) {
				atomic_fetch_add(&p->stats.rx_dropped, 1);
				continue;
			}
			p->frame_len = (uint32_t)r;
		}
		ret = deliver(p, &pushed);
		if (ret < 0) {
			broke(p);
			break;
		}
		if (ret) {
			done++;
			continue;
		}
		/* No room: ask for a kick when buffers come; they may have already. */
		if (vq__arm_more(vq))
			continue;
		*wait_room = true;
		break;
	}
	if (pushed)
		signal_if_wanted(n, RXQ(p->idx));
	return ret < 0 ? ret : (int)done;
}

/* ------------------------------------------------------------- control */

static uint8_t ctrl_command(struct virtio_net *n, const struct vq_chain *c)
{
	struct virtio_net_ctrl_hdr h;
	uint16_t pairs;

	if (c->len_out < sizeof(h))
		return VIRTIO_NET_ERR;
	vq__iov_read(c->iov, c->nr_out, 0, &h, sizeof(h));
	if (h.class != VIRTIO_NET_CTRL_MQ || h.cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET ||
	    c->len_out != sizeof(h) + sizeof(pairs))
		return VIRTIO_NET_ERR;
	vq__iov_read(c->iov, c->nr_out, sizeof(h), &pairs, sizeof(pairs));
	if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > n->nr_pairs)
		return VIRTIO_NET_ERR;
	if (n->tap && tap__set_queues(n->tap, pairs) < 0)
		return VIRTIO_NET_ERR;
	n->active_pairs = pairs;
	return VIRTIO_NET_OK;
}

static int process_ctrl(struct virtio_net *n, bool *broken)
{
	struct virtqueue *vq = vq_at(n, CTRLQ(n));
	/* Room for any chain the queue can hold: a long but valid chain is a
	 * command like any other, not a broken ring. */
	struct vq_chain c = { .iov = n->ctrl_chain, .max = VQ_MAX_INDIRECT };
	unsigned done = 0;
	uint8_t ack;
	int ret;

	if (*broken || !vq->ready || !virtio_pci__bus_master(&n->vp))
		return 0;
	do {
		vq__disarm(vq);
		while ((ret = vq__pop(vq, &c)) != 0) {
			if (ret == -EPROTO) {
				*broken = true;
				virtio_pci__needs_reset(&n->vp, "the driver broke the control queue");
				return -EPROTO;
			}
			done++;
			atomic_fetch_add(&n->ctrl_cmds, 1);
			/* The ack is the chain's last writable byte. */
			if (ret == -EFAULT || !c.last_in) {
				atomic_fetch_add(&n->ctrl_errs, 1);
				vq__push(vq, c.head, 0);
				continue;
			}
			ack = ctrl_command(n, &c);
			if (ack != VIRTIO_NET_OK)
				atomic_fetch_add(&n->ctrl_errs, 1);
			*((uint8_t *)c.iov[c.nr - 1].iov_base + c.iov[c.nr - 1].iov_len - 1) = ack;
			vq__push(vq, c.head, 1);
		}
	} while (vq__arm(vq));
	if (done)
		signal_if_wanted(n, CTRLQ(n));
	return (int)done;
}

static void *ctrl_thread(void *arg)
{
	struct virtio_net *n = arg;
	struct pollfd pfd[2] = {
		{ .fd = n->vp.q[CTRLQ(n)].kick_fd, .events = POLLIN },
		{ .fd = n->ctrl_stop_fd, .events = POLLIN },
	};
	bool broken = false;
	char name[16];

	atomic_store(&n->ctrl_tid, (int)syscall(SYS_gettid));
	snprintf(name, sizeof(name), "net-%.6s.c", n->name);
	pthread_setname_np(pthread_self(), name);
	if (sandbox__enter(SANDBOX_DEVICE, n->sandbox) < 0) {
		virtio_pci__needs_reset(&n->vp, "cannot install the seccomp filter");
		return NULL;
	}
	process_ctrl(n, &broken);
	while (!(pfd[1].revents & POLLIN)) {
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			(void)!eventfd_read(pfd[0].fd, &(eventfd_t){ 0 });
			process_ctrl(n, &broken);
		}
	}
	atomic_store(&n->ctrl_tid, 0);
	return NULL;
}

/* ------------------------------------------------------- the I/O thread */

static int ep_add(int ep, int fd, uint32_t events, uint64_t tag, int op)
{
	struct epoll_event e = { .events = events, .data.u64 = tag };

	return epoll_ctl(ep, op, fd, &e);
}

static void *io_thread(void *arg)
{
	struct virtio_net_pair *p = arg;
	struct virtio_net *n = p->net;
	int rx_kick = n->vp.q[RXQ(p->idx)].kick_fd, tx_kick = n->vp.q[TXQ(p->idx)].kick_fd;
	struct epoll_event ev[4];
	bool wait_room = false, tap_on = true;
	char name[16];
	int ep, i, k;

	atomic_store(&p->tid, (int)syscall(SYS_gettid));
	snprintf(name, sizeof(name), "net-%.6s.%u", n->name, p->idx);
	pthread_setname_np(pthread_self(), name);
	if (sandbox__enter(SANDBOX_DEVICE, n->sandbox) < 0) {
		virtio_pci__needs_reset(&n->vp, "cannot install the seccomp filter");
		return NULL;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || ep_add(ep, p->fd, EPOLLIN, EV_TAP, EPOLL_CTL_ADD) ||
	    ep_add(ep, rx_kick, EPOLLIN, EV_RX, EPOLL_CTL_ADD) ||
	    ep_add(ep, tx_kick, EPOLLIN, EV_TX, EPOLL_CTL_ADD) ||
	    ep_add(ep, p->stop_fd, EPOLLIN, EV_STOP, EPOLL_CTL_ADD)) {
		virtio_pci__needs_reset(&n->vp, "cannot set up epoll for a queue pair");
		goto out;
	}
	/* Frames may be queued since before DRIVER_OK. */
	process_tx(p);
	process_rx(p, &wait_room);
	for (;;) {
		/* Poll the TAP only while there is room for what it gives. */
		if (wait_room == tap_on) {
			tap_on = !wait_room;
			ep_add(ep, p->fd, tap_on ? EPOLLIN : 0, EV_TAP, EPOLL_CTL_MOD);
		}
		k = epoll_wait(ep, ev, ARRAY_SIZE(ev), -1);
		for (i = 0; i < k; i++) {
			switch (ev[i].data.u64) {
			case EV_STOP:
				goto out;
			case EV_TX:
				(void)!eventfd_read(tx_kick, &(eventfd_t){ 0 });
				process_tx(p);
				break;
			case EV_RX:
				(void)!eventfd_read(rx_kick, &(eventfd_t){ 0 });
				/* fallthrough */
			case EV_TAP:
				process_rx(p, &wait_room);
				break;
			}
		}
	}
out:
	if (ep >= 0)
		close(ep);
	atomic_store(&p->tid, 0);
	return NULL;
}

/* ----------------------------------------------------- transport hooks */

/* What the TAP may hand the guest: the offloads the driver accepted. */
static unsigned tun_offloads(const struct virtio_pci *vp)
{
	unsigned f = 0;

	if (!virtio_pci__has(vp, VIRTIO_NET_F_GUEST_CSUM))
		return 0;	/* segmentation offloads need checksum offload */
	f |= TUN_F_CSUM;
	if (virtio_pci__has(vp, VIRTIO_NET_F_GUEST_TSO4))
		f |= TUN_F_TSO4;
	if (virtio_pci__has(vp, VIRTIO_NET_F_GUEST_TSO6))
		f |= TUN_F_TSO6;
	if ((f & (TUN_F_TSO4 | TUN_F_TSO6)) && virtio_pci__has(vp, VIRTIO_NET_F_GUEST_ECN))
		f |= TUN_F_TSO_ECN;
	return f;
}

/* vhost-net: attach (@fd) or detach (-1) pair @p's TAP queue on both vrings. */
static int vhost_backend(struct virtio_net_pair *p, int fd)
{
	struct vhost_vring_file f = { .fd = fd };
	int ret = 0;

	for (f.index = 0; f.index < 2; f.index++) {
		int r = vhost__ioctl(&p->vhost, VHOST_NET_SET_BACKEND, &f);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

static void vhost_stop(struct virtio_net *n)
{
	unsigned i;

	for (i = 0; i < n->nr_pairs; i++) {
		if (!n->pair[i].vhost_on)
			continue;
		vhost_backend(&n->pair[i], -1);
		vhost__stop(&n->pair[i].vhost);
		n->pair[i].vhost_on = false;
	}
}

static int vhost_start(struct virtio_net *n)
{
	struct virtio_pci *vp = &n->vp;
	unsigned i;
	int ret;

	for (i = 0; i < n->nr_pairs; i++) {
		struct virtio_net_pair *p = &n->pair[i];

		if (!vp->q[RXQ(i)].vq.ready || !vp->q[TXQ(i)].vq.ready)
			continue;	/* the driver left this pair off */
		ret = vhost__start(&p->vhost, vp, 0);
		if (ret)
			goto err;
		p->vhost_on = true;
		ret = vhost_backend(p, p->fd);
		if (ret) {
			fprintf(stderr, "mvmm: %s: vhost-net: cannot attach the TAP: %s\n", n->name,
				strerror(-ret));
			goto err;
		}
	}
	return 0;
err:
	vhost_stop(n);
	return ret;
}

static void net_stop(struct virtio_pci *vp)
{
	struct virtio_net *n = vp->opaque;
	unsigned i;

	vhost_stop(n);

	for (i = 0; i < n->nr_pairs; i++) {
		struct virtio_net_pair *p = &n->pair[i];

		if (p->running) {
			(void)!eventfd_write(p->stop_fd, 1);
			pthread_join(p->thread, NULL);
			p->running = false;
			(void)!eventfd_read(p->stop_fd, &(eventfd_t){ 0 });
		}
		p->frame_len = 0;
		p->broken = false;
	}
	if (n->ctrl_running) {
		(void)!eventfd_write(n->ctrl_stop_fd, 1);
		pthread_join(n->ctrl_thread, NULL);
		n->ctrl_running = false;
		(void)!eventfd_read(n->ctrl_stop_fd, &(eventfd_t){ 0 });
	}
}

static int net_start(struct virtio_pci *vp)
{
	struct virtio_net *n = vp->opaque;
	pthread_attr_t attr;
	unsigned i;
	int ret;

	n->active_pairs = 1;
	if (n->tap) {
		ret = tap__set_offload(n->tap, tun_offloads(vp));
		if (!ret)
			ret = tap__set_queues(n->tap, 1);
		if (ret)
			return ret;
	}
	if (n->no_threads)
		return 0;
	if (n->vhost && (ret = vhost_start(n)))
		return ret;
	pthread_attr_init(&attr);
	ret = numa_pin__attr(&attr, &n->io_cpus);
	for (i = 0; i < n->nr_pairs && !ret && !n->vhost; i++) {
		if (!vp->q[RXQ(i)].vq.ready && !vp->q[TXQ(i)].vq.ready)
			continue;
		ret = -pthread_create(&n->pair[i].thread, &attr, io_thread, &n->pair[i]);
		if (!ret)
			n->pair[i].running = true;
	}
	if (!ret && n->nr_pairs > 1 && vp->q[CTRLQ(n)].vq.ready) {
		ret = -pthread_create(&n->ctrl_thread, &attr, ctrl_thread, n);
		if (!ret)
			n->ctrl_running = true;
	}
	pthread_attr_destroy(&attr);
	if (ret)
		net_stop(vp);
	return ret;
}

static const struct virtio_pci_ops net_ops = {
	.start = net_start,
	.stop = net_stop,
};

/* --------------------------------------------------------------- public */

int virtio_net__poll(struct virtio_net *n, unsigned pair)
{
	bool wait;
	int tx, rx;

	if (pair >= n->nr_pairs)
		return -EINVAL;
	tx = process_tx(&n->pair[pair]);
	if (tx < 0)
		return tx;
	rx = process_rx(&n->pair[pair], &wait);
	return rx < 0 ? rx : tx + rx;
}

int virtio_net__poll_ctrl(struct virtio_net *n)
{
	bool broken = false;

	return n->nr_pairs > 1 ? process_ctrl(n, &broken) : -EINVAL;
}

int virtio_net__io_tid(const struct virtio_net *n, unsigned pair)
{
	return pair < n->nr_pairs ? atomic_load(&n->pair[pair].tid) : 0;
}

pid_t virtio_net__vhost_worker(const struct virtio_net *n, unsigned pair)
{
	return pair < n->nr_pairs && n->vhost ? n->pair[pair].vhost.worker : 0;
}

/* The features vhost-net decides (the ring's and MRG_RXBUF) only where the
 * kernel has them; the rest (MAC, offloads through the TAP, MQ) are ours. */
#define VHOST_NET_DECIDES	(VHOST_RING_FEATURES | BIT(VIRTIO_NET_F_MRG_RXBUF))

static int open_vhost(struct virtio_net *n, uint64_t *features, char *err, size_t errlen)
{
	unsigned i;
	int ret;

	for (i = 0; i < n->nr_pairs; i++) {
		ret = vhost__open(&n->pair[i].vhost, n->name, "/dev/vhost-net", RXQ(i), 2);
		if (ret) {
			snprintf(err, errlen, "/dev/vhost-net: %s%s", strerror(-ret),
				 ret == -ENOENT ? " (modprobe vhost_net, or vhost = no)" : "");
			return ret;
		}
		if (!i)
			*features &= ~VHOST_NET_DECIDES | n->pair[0].vhost.features;
		/* The worker runs where the NIC's node is. */
		if (!idset__empty(&n->io_cpus) && n->pair[i].vhost.worker)
			vhost__pin_worker(&n->pair[i].vhost, &n->io_cpus);
	}
	return 0;
}

void virtio_net__default_mac(const char *machine, const char *nic, uint8_t mac[6])
{
	uint32_t h = 2166136261u;	/* FNV-1a over "machine/nic" */
	const char *s;

	for (s = machine; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (s = nic; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	/* 02: locally administered unicast; "mv" marks mvmm's range. */
	mac[0] = 0x02;
	mac[1] = 'm';
	mac[2] = 'v';
	mac[3] = h >> 16;
	mac[4] = h >> 8;
	mac[5] = h;
}

int virtio_net__init(struct virtio_net *n, const struct virtio_net_params *p, char *err,
		     size_t errlen)
{
	struct virtio_pci_params vpp = {
		.name = p->name, .device_type = VIRTIO_ID_NET, .class_code = CLASS_NETWORK_ETHERNET,
		.nr_queues = 2 * p->pairs + (p->pairs > 1), .queue_size = VIRTIO_NET_QUEUE_SIZE,
		.devcfg_size = offsetof(struct virtio_net_config, mtu), .ops = &net_ops,
		.opaque = n, .send = p->send, .send_opaque = p->send_opaque, .mem = p->mem,
		.hooks = p->hooks, .irq = p->irq,
	};
	struct virtio_net_config cfg = { .status = VIRTIO_NET_S_LINK_UP };
	unsigned i;
	int ret;

	memset(n, 0, sizeof(*n));
	n->ctrl_stop_fd = -1;
	for (i = 0; i < VIRTIO_NET_MAX_PAIRS; i++) {
		n->pair[i].stop_fd = -1;
		n->pair[i].vhost.fd = -1;
	}
	if (!p->name || !p->pairs || p->pairs > VIRTIO_NET_MAX_PAIRS) {
		snprintf(err, errlen, "bad virtio-net parameters");
		return -EINVAL;
	}
	snprintf(n->name, sizeof(n->name), "%s", p->name);
	memcpy(n->mac, p->mac, sizeof(n->mac));
	n->nr_pairs = p->pairs;
	n->active_pairs = 1;
	n->tap = p->tap;
	n->io_cpus = p->io_cpus;
	n->vhost = p->vhost;
	n->no_threads = p->no_threads;
	n->sandbox = p->sandbox;
	vpp.features = BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS) |
		       BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(VIRTIO_NET_F_CSUM) |
		       BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_TSO4) |
		       BIT(VIRTIO_NET_F_GUEST_TSO6) | BIT(VIRTIO_NET_F_GUEST_ECN) |
		       BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) |
		       BIT(VIRTIO_NET_F_HOST_ECN) | BIT(VIRTIO_RING_F_EVENT_IDX) |
		       BIT(VIRTIO_RING_F_INDIRECT_DESC);
	if (p->pairs > 1)
		vpp.features |= BIT(VIRTIO_NET_F_CTRL_VQ) | BIT(VIRTIO_NET_F_MQ);
	if (n->vhost && (ret = open_vhost(n, &vpp.features, err, errlen)))
		goto err_vhost;
	for (i = 0; i < p->pairs; i++) {
		struct virtio_net_pair *q = &n->pair[i];

		q->net = n;
		q->idx = i;
		q->fd = p->fds[i];
		q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->frame = malloc(VIRTIO_NET_FRAME_MAX);
		q->chain = calloc(VQ_MAX_INDIRECT, sizeof(*q->chain));
		if (q->stop_fd < 0 || !q->frame || !q->chain) {
			ret = q->stop_fd < 0 ? -errno : -ENOMEM;
			goto err;
		}
	}
	n->ctrl_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->ctrl_chain = calloc(VQ_MAX_INDIRECT, sizeof(*n->ctrl_chain));
	if (n->ctrl_stop_fd < 0 || !n->ctrl_chain) {
		ret = n->ctrl_stop_fd < 0 ? -errno : -ENOMEM;
		goto err;
	}
	ret = virtio_pci__init(&n->vp, &vpp);
	if (ret)
		goto err;
	memcpy(cfg.mac, n->mac, sizeof(cfg.mac));
	cfg.max_virtqueue_pairs = (uint16_t)p->pairs;
	memcpy(n->vp.devcfg, &cfg, vpp.devcfg_size);
	return 0;
err:
	snprintf(err, errlen, "%s: cannot build the device: %s", p->name, strerror(-ret));
err_vhost:
	virtio_net__destroy(n);
	return ret;
}

void virtio_net__destroy(struct virtio_net *n)
{
	unsigned i;

	virtio_pci__destroy(&n->vp);	/* stops the threads */
	for (i = 0; i < VIRTIO_NET_MAX_PAIRS; i++) {
		struct virtio_net_pair *q = &n->pair[i];

		if (q->stop_fd >= 0)
			close(q->stop_fd);
		q->stop_fd = -1;
		free(q->frame);
		free(q->chain);
		if (q->vhost.fd >= 0)
			vhost__close(&q->vhost);
		q->frame = NULL;
		q->chain = NULL;
	}
	if (n->ctrl_stop_fd >= 0)
		close(n->ctrl_stop_fd);
	n->ctrl_stop_fd = -1;
	free(n->ctrl_chain);
	n->ctrl_chain = NULL;
}
