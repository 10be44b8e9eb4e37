/* The guest topology, derived once from the finished config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/layout.h"
#include "vmm/topology.h"
#include "vmm/util.h"

/* RAM of each node with memory in node order, back to back from 0, skipping
 * the 32-bit hole: a node crossing 3 GiB gets a second range at 4 GiB. */
static int place_ram(struct topology *t, char *err, size_t errlen)
{
	uint64_t cursor = 0;
	unsigned i;

	for (i = 0; i < t->nr_nodes; i++) {
		struct topo_node *nd = &t->node[i];
		uint64_t left = nd->memory;

		nd->first_range = t->nr_ranges;
		while (left) {
			uint64_t size = left;

			if (cursor == LAYOUT_MMIO32)
				cursor = LAYOUT_RAM_ABOVE_4G;
			if (cursor < LAYOUT_MMIO32)
				size = MIN(left, LAYOUT_MMIO32 - cursor);
			if (t->nr_ranges == TOPO_MAX_RANGES) {
				snprintf(err, errlen, "guest RAM needs more than %u ranges",
					 TOPO_MAX_RANGES);
				return -EINVAL;
			}
			t->range[t->nr_ranges++] = (struct topo_range){
				.gpa = cursor, .size = size, .node = i,
			};
			cursor += size;
			left -= size;
		}
		nd->nr_ranges = t->nr_ranges - nd->first_range;
	}
	return 0;
}

/* No [numa.N]: node 0 is the whole machine, places as [machine] says. */
static void build_flat(struct topology *t, const struct vm_config *cfg)
{
	struct topo_node *nd = &t->node[0];
	unsigned i;

	t->nr_nodes = 1;
	t->cpu = (struct cpu_topo){ cfg->sockets, cfg->cores, cfg->threads };
	nd->memory = cfg->memory;
	nd->sockets = cfg->sockets;
	nd->cores = cfg->cores;
	for (i = 0; i < t->nr_vcpus; i++) {
		idset__add(&nd->cpus, i);
		t->vcpu[i].place = cpuid__place(&t->cpu, i);
	}
	t->distance[0][0] = CONFIG_LOCAL_DISTANCE;
}

/*
 * Sockets are numbered in the order of each node's lowest vCPU, so vCPU 0
 * is socket 0, core 0, thread 0: APIC id 0, the BSP KVM expects. Within a
 * node, vCPUs fill threads, then cores, then its next socket.
 */
static void place_vcpus(struct topology *t, const struct vm_config *cfg)
{
	unsigned spn = 1, k = 0, socket = 0, i, v;
	bool done[CONFIG_MAX_NODES] = { false };

	for (i = 0; i < t->nr_nodes; i++)
		k += !idset__empty(&t->node[i].cpus);
	spn = cfg->sockets / k;
	t->cpu = (struct cpu_topo){ cfg->sockets, cfg->cores, cfg->threads };
	for (v = 0; v < t->nr_vcpus; v++) {
		unsigned n = t->vcpu[v].node, j = 0, per;
		struct topo_node *nd = &t->node[n];

		if (done[n])
			continue;
		done[n] = true;
		nd->first_socket = socket;
		nd->sockets = spn;
		nd->cores = idset__count(&nd->cpus) / (spn * cfg->threads);
		socket += spn;
		per = nd->cores * cfg->threads;
		idset__for_each(c, &nd->cpus) {
			t->vcpu[c].place = (struct cpu_place){
				.socket = nd->first_socket + j / per,
				.core = j / cfg->threads % nd->cores,
				.thread = j % cfg->threads,
			};
			j++;
		}
	}
}

/* SLIT: written values, one-sided ones mirrored, else 10 local / 20 remote. */
static void set_distances(struct topology *t, const struct config_numa *n)
{
	unsigned i, j;

	for (i = 0; i < t->nr_nodes; i++) {
		for (j = 0; j < t->nr_nodes; j++) {
			uint8_t d = n->distance[i][j];

			if (!n->distance_line[i][j] && n->distance_line[j][i])
				d = n->distance[j][i];
			if (!d)
				d = i == j ? CONFIG_LOCAL_DISTANCE : CONFIG_REMOTE_DISTANCE;
			t->distance[i][j] = d;
		}
	}
}

/* Initiators of memory-only nodes, and latency/bandwidth of every pair. */
static void set_hmat(struct topology *t, const struct config_numa *n)
{
	unsigned i, j;

	for (j = 0; j < t->nr_nodes; j++) {
		struct topo_node *tg = &t->node[j];
		unsigned best = j;

		if (idset__empty(&tg->cpus)) {
			best = CONFIG_MAX_NODES;
			for (i = 0; i < t->nr_nodes; i++) {
				if (idset__empty(&t->node[i].cpus))
					continue;
				if (best == CONFIG_MAX_NODES || t->distance[j][i] < t->distance[j][best])
					best = i;
			}
		}
		tg->initiator = best;
	}
	for (i = 0; i < t->nr_nodes; i++) {
		if (idset__empty(&t->node[i].cpus))
			continue;
		for (j = 0; j < t->nr_nodes; j++) {
			const struct config_hmat_pair *p = &n->hmat_pair[i][j];
			unsigned d = t->distance[i][j];

			if (!t->node[j].memory)
				continue;
			t->latency_ns[i][j] = p->latency_ns ? p->latency_ns :
					      d * TOPO_LATENCY_NS_PER_DISTANCE;
			t->bandwidth_mbs[i][j] = p->bandwidth_mbs ? p->bandwidth_mbs :
						 TOPO_BANDWIDTH_MBS_TIMES_DISTANCE / d;
		}
	}
}

/* After RAM, in config order (vmm/layout.h). */
static void place_pmem(struct topology *t, const struct vm_config *cfg)
{
	uint64_t end = 0;
	unsigned i;

	for (i = 0; i < t->nr_ranges; i++)
		end = MAX(end, t->range[i].gpa + t->range[i].size);
	t->nr_pmem = MIN(cfg->nr_pmem, (unsigned)CONFIG_MAX_PMEM);
	for (i = 0; i < t->nr_pmem; i++) {
		t->pmem[i] = (struct topo_range){
			.gpa = layout__pmem_base(end), .size = cfg->pmem[i].size,
			.node = cfg->pmem[i].numa,
		};
		end = t->pmem[i].gpa + t->pmem[i].size;
	}
}

int topology__build(struct topology *t, const struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	unsigned i;
	int ret;

	memset(t, 0, sizeof(*t));
	if (err && errlen)
		err[0] = '\0';
	if (!cfg->cpus || cfg->cpus > CONFIG_MAX_VCPUS || !cfg->sockets || !cfg->cores ||
	    !cfg->threads) {
		snprintf(err, errlen, "config not finished (no CPU topology)");
		return -EINVAL;
	}
	t->nr_vcpus = cfg->cpus;
	t->emulator_cpus = cfg->emulator_cpus;
	t->page_size = cfg->hugepages ? cfg->hugepages : SZ_4K;
	if (!n || !n->nr_nodes) {
		build_flat(t, cfg);
	} else {
		t->numa = true;
		t->hmat = n->hmat;
		t->nr_nodes = n->nr_nodes;
		for (i = 0; i < t->nr_nodes; i++) {
			const struct config_numa_node *c = &n->node[i];
			struct topo_node *nd = &t->node[i];

			nd->cpus = c->cpus;
			nd->memory = c->memory;
			nd->host_nodes = c->host_nodes;
			nd->policy = c->policy;
			nd->host_cpus = c->host_cpus;
			idset__for_each(v, &c->cpus) {
				if ((unsigned)v >= t->nr_vcpus) {
					snprintf(err, errlen, "vCPU %d of node %u beyond cpus = %u",
						 v, i, t->nr_vcpus);
					return -EINVAL;
				}
				t->vcpu[v].node = i;
			}
		}
		place_vcpus(t, cfg);
		set_distances(t, n);
		set_hmat(t, n);
	}
	for (i = 0; i < t->nr_vcpus; i++) {
		t->vcpu[i].apic_id = cpuid__apic_id(&t->cpu, t->vcpu[i].place);
		if (n)
			t->vcpu[i].host_cpus = n->vcpu[i].host_cpus;
	}
	ret = place_ram(t, err, errlen);
	if (ret < 0)
		return ret;
	place_pmem(t, cfg);
	return 0;
}

int topology__node_of(const struct topology *t, uint64_t gpa)
{
	unsigned i;

	for (i = 0; i < t->nr_ranges; i++)
		if (gpa >= t->range[i].gpa && gpa - t->range[i].gpa < t->range[i].size)
			return t->range[i].node;
	return -1;
}
