/*
 * The host's NUMA topology as a plain structure: nodes with their CPUs,
 * memory and free huge pages, the distance matrix, and what this process may
 * use (its CPU affinity and allowed memory nodes, i.e. cgroup cpuset and
 * taskset limits). Probed from libnuma/sysfs, or built by a fixture so that
 * the placement code runs on any shape in unit tests.
 */
#ifndef MVMM_NUMA_HOST_H
#define MVMM_NUMA_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/idset.h"

#define NUMA_HOST_MAX_NODES	64

struct numa_host_node {
	bool online;
	struct idset cpus;
	uint64_t mem_total, mem_free;	/* bytes */
	uint64_t free_2m, free_1g;	/* free huge pages of each size */
	uint64_t total_2m, total_1g;	/* nr_hugepages of each size */
};

struct numa_host {
	bool libnuma;			/* false: no NUMA support, one node 0 */
	unsigned nr_nodes;		/* highest online node + 1 */
	struct numa_host_node node[NUMA_HOST_MAX_NODES];
	uint8_t distance[NUMA_HOST_MAX_NODES][NUMA_HOST_MAX_NODES];
	struct idset cpus;		/* online CPUs */
	struct idset allowed_cpus;	/* sched_getaffinity of the process */
	struct idset allowed_nodes;	/* Mems_allowed */
};

/* Probe this host. 0 or -errno. */
int numa_host__probe(struct numa_host *h);

/* A synthetic host: @nodes nodes of @cpus_per_node consecutive CPUs and
 * @mem_per_node bytes each (all free), distance 10 local / 20 remote (21
 * and up by ring hops past 4 nodes, like big boxes), everything allowed,
 * no huge pages. */
void numa_host__fixture(struct numa_host *h, unsigned nodes, unsigned cpus_per_node,
			uint64_t mem_per_node);

/* Free huge pages of @page_size on @node (0 for sizes other than 2M/1G). */
uint64_t numa_host__free_huge(const struct numa_host *h, unsigned node, uint64_t page_size);
uint64_t numa_host__total_huge(const struct numa_host *h, unsigned node, uint64_t page_size);

#endif
