/*
 * [net.NAME] on the machine: each NIC's TAP (opened or created on its
 * bridge), its virtio-net function behind its own root port, its threads
 * on the NIC's node's host CPUs, and its counters at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/machine_priv.h"
#include "vmm/util.h"

int machine_nets(struct machine *m)
{
	const struct vm_config *cfg = m->vm.cfg;
	struct vm *vm = &m->vm;
	const struct virtio_pci_hooks hooks = { .ioeventfd = machine_ioeventfd, .opaque = vm };
	char err[512];
	unsigned i, q;
	int ret = 0;

	if (cfg->nr_nets && !(m->nics = calloc(cfg->nr_nets, sizeof(*m->nics))))
		return -ENOMEM;
	for (i = 0; !ret && i < cfg->nr_nets; i++) {
		const struct config_net *c = &cfg->nets[i];
		struct machine_nic *nic = &m->nics[i];
		struct virtio_net_params p = {
			.name = c->name, .pairs = c->queues, .tap = &nic->tap,
			.send = irq__msi_send, .send_opaque = &vm->irq,
			.mem = &vm->mem, .hooks = &hooks, .irq = &vm->irq,
		};

		m->nr_nics = i + 1;
		ret = tap__open(&nic->tap, c->tap, c->bridge, c->queues, err, sizeof(err));
		if (ret) {
			pr_err("[net.%s]: %s", c->name, err);
			break;
		}
		memcpy(p.mac, c->mac, sizeof(p.mac));
		for (q = 0; q < c->queues; q++)
			p.fds[q] = nic->tap.fds[q];
		machine_device_place(m, c->pcie, NULL, NULL, &p.io_cpus);
		ret = virtio_net__init(&nic->net, &p, err, sizeof(err));
		if (ret) {
			pr_err("[net.%s]: %s", c->name, err);
			break;
		}
		nic->up = true;
		if (nic->tap.created)
			fprintf(stderr, "mvmm: [net.%s]: TAP %s on bridge %s\n", c->name, nic->tap.ifname,
				nic->tap.bridge);
		ret = pci_host__add_device(&m->pci, pci_host__root(&m->pci, c->pcie < 0 ? "main" :
						cfg->pcie[c->pcie].name), &nic->net.vp.pci, 0, NULL);
	}
	return ret;
}

void machine_net_report(struct machine *m, struct numa_report *r)
{
	unsigned i, q;

	for (i = 0; i < m->nr_nics; i++) {
		struct virtio_net *n = &m->nics[i].net;

		if (!m->nics[i].up || idset__empty(&n->io_cpus))
			continue;
		for (q = 0; q < n->nr_pairs; q++)
			if (virtio_net__io_tid(n, q))
				numa_report__plan_thread(r, virtio_net__io_tid(n, q), &n->io_cpus);
		if (atomic_load(&n->ctrl_tid))
			numa_report__plan_thread(r, atomic_load(&n->ctrl_tid), &n->io_cpus);
	}
}

void machine_net_stats(const struct machine *m)
{
	unsigned i, q;

	for (i = 0; i < m->nr_nics; i++) {
		const struct virtio_net *n = &m->nics[i].net;
		unsigned long rxp = 0, rxb = 0, rxd = 0, txp = 0, txb = 0, txd = 0, bad = 0;

		if (!m->nics[i].up)
			continue;
		for (q = 0; q < n->nr_pairs; q++) {
			const struct virtio_net_stats *s = &n->pair[q].stats;

			rxp += atomic_load(&s->rx_packets);
			rxb += atomic_load(&s->rx_bytes);
			rxd += atomic_load(&s->rx_dropped);
			txp += atomic_load(&s->tx_packets);
			txb += atomic_load(&s->tx_bytes);
			txd += atomic_load(&s->tx_dropped);
			bad += atomic_load(&s->bad_chain);
		}
		fprintf(stderr, "mvmm: net %s (%s, %s): rx %lu packets %lu bytes (%lu dropped), tx %lu packets %lu bytes (%lu dropped), %lu bad chains, %lu control commands (%lu refused); interrupts: %lu by irqfd, %lu by msix\n",
			n->name, m->nics[i].tap.ifname, "userspace", rxp, rxb, rxd, txp, txb, txd,
			bad, atomic_load(&n->ctrl_cmds), atomic_load(&n->ctrl_errs),
			atomic_load(&n->vp.irqs_irqfd), atomic_load(&n->vp.irqs_msix));
	}
}

void machine_nets_destroy(struct machine *m)
{
	unsigned i;

	for (i = 0; i < m->nr_nics; i++) {
		if (m->nics[i].up)
			virtio_net__destroy(&m->nics[i].net);
		tap__close(&m->nics[i].tap);
	}
	free(m->nics);
	m->nics = NULL;
	m->nr_nics = 0;
}
