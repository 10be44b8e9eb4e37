/*
 * virtio-net (virtio 1.x, 5.1) on the virtio PCI transport, backed by a
 * TAP (tap.h), one TAP queue per queue pair.
 *
 * Contract:
 *  - Queues: rx0, tx0, rx1, tx1, ..., and with more than one pair a
 *    control queue last (VIRTIO_NET_F_MQ needs CTRL_VQ). Until the driver
 *    sets VQ_PAIRS_SET only pair 0 carries traffic (5.1.6.5.5); TAP
 *    queues of unused pairs are detached, so the host steers nothing there.
 *  - Every frame carries the 12-byte virtio_net_hdr_mrg_rxbuf; the TAP
 *    takes and gives the same header (IFF_VNET_HDR), so checksum and TSO
 *    offloads pass through, and the TAP only hands the guest what the
 *    driver accepted (TUNSETOFFLOAD from GUEST_CSUM / GUEST_TSO*).
 *  - Data path: the in-kernel vhost-net (one vhost fd per pair, its
 *    worker pinned to the NIC's CPUs; kicks and interrupts go straight
 *    between KVM and vhost) or, without vhost, one userspace thread per
 *    pair ("net-NAME.Q"). The control queue is always served in
 *    userspace. vhost-net does not see Bus Master Enable: with vhost the
 *    device keeps serving its rings until reset.
 *  - A chain the driver gets wrong (not in RAM, wrong direction, a tx
 *    frame shorter than the header, an rx buffer shorter than it) is
 *    dropped and counted; the queue goes on. A broken ring sets
 *    DEVICE_NEEDS_RESET and that queue stops until reset.
 *  - rx: a frame waits in the thread until the driver has posted room for
 *    it (with MRG_RXBUF: several buffers, published at once with
 *    num_buffers; without: one buffer, and a frame larger than it is
 *    dropped and counted).
 */
#ifndef MVMM_VIRTIO_NET_H
#define MVMM_VIRTIO_NET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/tap.h"
#include "devices/virtio/vhost.h"
#include "devices/virtio/virtio_pci.h"
#include "vmm/idset.h"
#include "vmm/sandbox.h"

#define VIRTIO_NET_QUEUE_SIZE	256
#define VIRTIO_NET_MAX_PAIRS	TAP_MAX_QUEUES
#define VIRTIO_NET_FRAME_MAX	(TAP_VNET_HDR_LEN + 65536)	/* header + a 64K GSO frame */

struct virtio_net;

/* Per-pair counters (tests, the exit report). */
struct virtio_net_stats {
	atomic_ulong rx_packets, rx_bytes, rx_dropped;	/* dropped: no room, or too big */
	atomic_ulong tx_packets, tx_bytes, tx_dropped;	/* dropped: the TAP refused it */
	atomic_ulong bad_chain;				/* driver errors, either way */
};

struct virtio_net_pair {
	struct virtio_net *net;
	unsigned idx;
	int fd;				/* the TAP queue (or a test's socket) */
	pthread_t thread;
	bool running;
	atomic_int tid;
	int stop_fd;			/* eventfd: leave the loop */
	bool broken;			/* a ring broke: stop until reset */
	uint8_t *frame;			/* rx: the frame waiting for buffers */
	uint32_t frame_len;		/* 0: none waiting */
	struct iovec *chain;		/* scratch for vq__pop */
	struct virtio_net_stats stats;
	struct vhost vhost;		/* vhost-net: this pair's fd (rx, tx) */
	bool vhost_on;			/* started, backend attached */
};

struct virtio_net_params {
	const char *name;		/* the [net.NAME] name */
	uint8_t mac[6];
	unsigned pairs;			/* 1..VIRTIO_NET_MAX_PAIRS */
	int fds[VIRTIO_NET_MAX_PAIRS];	/* one TAP queue per pair (borrowed) */
	struct tap *tap;		/* offloads and queue attach; NULL: fds are
					 * plain sockets (tests), no offloads */
	msix_send_fn send;
	void *send_opaque;
	const struct gmem *mem;
	const struct virtio_pci_hooks *hooks;
	struct irq *irq;		/* irqfd delivery; NULL: msix__notify */
	struct idset io_cpus;		/* threads' CPUs; empty: not pinned */
	bool vhost;			/* in-kernel data path (/dev/vhost-net) */
	/* Unit tests: DRIVER_OK starts no thread and the caller serves the
	 * queues with virtio_net__poll(). */
	bool no_threads;
	enum sandbox_mode sandbox;	/* the I/O threads' seccomp filter */
};

struct virtio_net {
	struct virtio_pci vp;
	char name[64];
	uint8_t mac[6];
	unsigned nr_pairs;
	unsigned active_pairs;		/* VQ_PAIRS_SET, 1 until then */
	struct tap *tap;
	struct virtio_net_pair pair[VIRTIO_NET_MAX_PAIRS];
	/* The control queue (MQ only), served by its own thread. */
	pthread_t ctrl_thread;
	bool ctrl_running;
	atomic_int ctrl_tid;
	int ctrl_stop_fd;
	struct iovec *ctrl_chain;	/* scratch for vq__pop */
	atomic_ulong ctrl_cmds, ctrl_errs;
	struct idset io_cpus;
	bool vhost;
	bool no_threads;
	enum sandbox_mode sandbox;
};

/* Build the function (pci_host__add_device(&n->vp.pci)). -errno with one
 * line in @err on failure. */
int virtio_net__init(struct virtio_net *n, const struct virtio_net_params *p, char *err,
		     size_t errlen);
void virtio_net__destroy(struct virtio_net *n);

/* Unit tests (params.no_threads): serve pair @pair's tx then rx once, or
 * the control queue; returns chains handled, or -errno. */
int virtio_net__poll(struct virtio_net *n, unsigned pair);
int virtio_net__poll_ctrl(struct virtio_net *n);

/* Thread ids for the placement report (0: none): pair @pair's userspace
 * thread, and with vhost its worker (a kernel thread, not one of this
 * process, on Linux before 6.4). */
int virtio_net__io_tid(const struct virtio_net *n, unsigned pair);
pid_t virtio_net__vhost_worker(const struct virtio_net *n, unsigned pair);

/* A stable locally administered MAC from the machine and NIC names. */
void virtio_net__default_mac(const char *machine, const char *nic, uint8_t mac[6]);

#endif
