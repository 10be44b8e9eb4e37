/*
 * TAP: the host side of a virtio-net NIC.
 *
 * Contract:
 *  - tap__open() attaches to an existing TAP by name, or (bridge mode)
 *    creates one the kernel names ("mvmm%d"), puts it on the bridge and
 *    brings it up. A created TAP is not persistent: the kernel removes it
 *    with the last fd, so it goes with mvmm however mvmm ends.
 *  - One fd per queue (IFF_MULTI_QUEUE when more than one), each with
 *    IFF_VNET_HDR and a TAP_VNET_HDR_LEN-byte header (virtio 1.x's
 *    struct virtio_net_hdr_mrg_rxbuf, so frames pass between the guest's
 *    buffers and the TAP unchanged), non-blocking.
 *  - tap__probe() is the config-time check: the same refusals as
 *    tap__open(), one line each, and nothing left behind.
 *  - Errors: -errno and one line in @err naming the interface and why.
 */
#ifndef MVMM_TAP_H
#define MVMM_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

#define TAP_MAX_QUEUES		8
#define TAP_VNET_HDR_LEN	12

struct tap {
	char ifname[IFNAMSIZ];
	char bridge[IFNAMSIZ];		/* "" unless created on a bridge */
	bool created;
	unsigned nr_fds;
	int fds[TAP_MAX_QUEUES];
};

/* Exactly one of @ifname, @bridge. @queues 1..TAP_MAX_QUEUES. */
int tap__open(struct tap *t, const char *ifname, const char *bridge, unsigned queues,
	      char *err, size_t errlen);
int tap__probe(const char *ifname, const char *bridge, unsigned queues, char *err,
	       size_t errlen);
void tap__close(struct tap *t);
/* Who may attach to the existing TAP @ifname without CAP_NET_ADMIN: its
 * owner uid and group gid (-1: nobody), as the tun driver checks them.
 * -errno when @ifname is not a TUN/TAP device. */
int tap__owner(const char *ifname, long *uid, long *gid);

/* What the guest can take (TUN_F_CSUM, TUN_F_TSO4, ...): the TAP hands
 * over only such frames. */
int tap__set_offload(struct tap *t, unsigned tun_flags);
/* Queues 0..n-1 receive, the rest are detached (the kernel steers nothing
 * to them): virtio-net's VQ_PAIRS_SET. */
int tap__set_queues(struct tap *t, unsigned n);

#endif
