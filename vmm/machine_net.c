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
			.vhost = c->vhost == CONFIG_VHOST_YES,
			.send = irq__msi_send, .send_opaque = &vm->irq,
			.mem = &vm->mem, .hooks = &hooks, .irq = &vm->irq,
			.sandbox = vm->cfg->seccomp,
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
		for (q = 0; q < n->nr_pairs; q++) {
			if (virtio_net__io_tid(n, q))
				numa_report__plan_thread(r, virtio_net__io_tid(n, q), &n->io_cpus);
			/* A kernel thread before Linux 6.4, one of ours after. */
			if (virtio_net__vhost_worker(n, q))
				numa_report__add_thread(r, virtio_net__vhost_worker(n, q), &n->io_cpus);
		}
		if (atomic_load(&n->ctrl_tid))
			numa_report__plan_thread(r, atomic_load(&n->ctrl_tid), &n->io_cpus);
	}
}

/* A TAP counter (the kernel's view, whichever data path moved the frames). */
static unsigned long tap_stat(const char *ifname, const char *what)
{
	char path[128];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, what);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* One line per NIC at exit. Guest rx is what the TAP sent, guest tx what
 * it received; drops and bad chains are the userspace path's own. */
void machine_net_stats(const struct machine *m)
{
	unsigned i, q;

	for (i = 0; i < m->nr_nics; i++) {
		const struct virtio_net *n = &m->nics[i].net;
		const char *tap = m->nics[i].tap.ifname;
		unsigned long rxd = 0, txd = 0, bad = 0;

		if (!m->nics[i].up)
			continue;
		for (q = 0; q < n->nr_pairs; q++) {
			const struct virtio_net_stats *s = &n->pair[q].stats;

			rxd += atomic_load(&s->rx_dropped);
			txd += atomic_load(&s->tx_dropped);
			bad += atomic_load(&s->bad_chain);
		}
		fprintf(stderr, "mvmm: net %s (%s, %s): rx %lu packets %lu bytes (%lu dropped), tx %lu packets %lu bytes (%lu dropped), %lu bad chains, %lu control commands (%lu refused); interrupts: %lu by irqfd, %lu by msix\n",
			n->name, tap, n->vhost ? "vhost" : "userspace", tap_stat(tap, "tx_packets"),
			tap_stat(tap, "tx_bytes"), rxd, tap_stat(tap, "rx_packets"),
			tap_stat(tap, "rx_bytes"), txd, bad, atomic_load(&n->ctrl_cmds),
			atomic_load(&n->ctrl_errs), atomic_load(&n->vp.irqs_irqfd),
			atomic_load(&n->vp.irqs_msix));
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
