/* Host NUMA topology from libnuma and sysfs. */
#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "numa/host.h"
#include "vmm/util.h"

/*
 * libnuma prints its own warnings to stderr and, with numa_exit_on_error,
 * exits; both are weak hooks meant to be overridden. mvmm reports every
 * failure itself, with the config line that caused it.
 */
void numa_warn(int num, char *fmt, ...)
{
	(void)num;
	(void)fmt;
}

void numa_error(char *where)
{
	(void)where;
}

static uint64_t read_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static void probe_huge(struct numa_host_node *n, unsigned id)
{
	char path[128];

	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%u/hugepages/hugepages-2048kB/free_hugepages", id);
	n->free_2m = read_u64(path);
	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%u/hugepages/hugepages-2048kB/nr_hugepages", id);
	n->total_2m = read_u64(path);
	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%u/hugepages/hugepages-1048576kB/free_hugepages", id);
	n->free_1g = read_u64(path);
	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%u/hugepages/hugepages-1048576kB/nr_hugepages", id);
	n->total_1g = read_u64(path);
}

/* "Mems_allowed_list:\t0-1" of /proc/self/status. */
static int probe_mems_allowed(struct idset *s)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Mems_allowed_list:", 18))
			continue;
		line[strcspn(line, "\n")] = '\0';
		r = idset__parse(s, line + 18 + strspn(line + 18, " \t"), IDSET_MAX);
		break;
	}
	fclose(f);
	return r;
}

static int probe_affinity(struct idset *s)
{
	cpu_set_t set;
	unsigned i;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	idset__clear(s);
	for (i = 0; i < CPU_SETSIZE && i < IDSET_MAX; i++)
		if (CPU_ISSET(i, &set))
			idset__add(s, i);
	return 0;
}

/* Without libnuma support (no NUMA in the kernel): node 0 is everything. */
static int probe_flat(struct numa_host *h)
{
	struct numa_host_node *n = &h->node[0];
	struct sysinfo si;
	long i, ncpu = sysconf(_SC_NPROCESSORS_CONF);

	h->nr_nodes = 1;
	n->online = true;
	for (i = 0; i < ncpu && i < IDSET_MAX; i++)
		idset__add(&n->cpus, i);
	if (sysinfo(&si) == 0) {
		n->mem_total = (uint64_t)si.totalram * si.mem_unit;
		n->mem_free = (uint64_t)si.freeram * si.mem_unit;
	}
	probe_huge(n, 0);
	h->distance[0][0] = 10;
	h->cpus = n->cpus;
	idset__add(&h->allowed_nodes, 0);
	return 0;
}

int numa_host__probe(struct numa_host *h)
{
	struct bitmask *cpus = NULL;
	int max, i, j, r;

	memset(h, 0, sizeof(*h));
	r = probe_affinity(&h->allowed_cpus);
	if (r < 0)
		return r;
	if (numa_available() < 0)
		return probe_flat(h);
	h->libnuma = true;
	cpus = numa_allocate_cpumask();
	if (!cpus)
		return -ENOMEM;
	max = numa_max_node();
	for (i = 0; i <= max && i < NUMA_HOST_MAX_NODES; i++) {
		struct numa_host_node *n = &h->node[i];
		long long total, free = 0;
		unsigned c;

		if (!numa_bitmask_isbitset(numa_nodes_ptr, i))
			continue;
		n->online = true;
		h->nr_nodes = i + 1;
		if (numa_node_to_cpus(i, cpus) == 0)
			for (c = 0; c < cpus->size && c < IDSET_MAX; c++)
				if (numa_bitmask_isbitset(cpus, c))
					idset__add(&n->cpus, c);
		idset__or(&h->cpus, &n->cpus);
		total = numa_node_size64(i, &free);
		if (total > 0) {
			n->mem_total = total;
			n->mem_free = free;
		}
		probe_huge(n, i);
	}
	numa_free_cpumask(cpus);
	for (i = 0; i < (int)h->nr_nodes; i++)
		for (j = 0; j < (int)h->nr_nodes; j++) {
			int d = h->node[i].online && h->node[j].online ? numa_distance(i, j) : 0;

			h->distance[i][j] = d > 0 && d < 256 ? d : 0;
		}
	if (probe_mems_allowed(&h->allowed_nodes) < 0)
		for (i = 0; i < (int)h->nr_nodes; i++)
			if (h->node[i].online)
				idset__add(&h->allowed_nodes, i);
	return 0;
}

void numa_host__fixture(struct numa_host *h, unsigned nodes, unsigned cpus_per_node,
			uint64_t mem_per_node)
{
	unsigned i, j, c;

	memset(h, 0, sizeof(*h));
	h->libnuma = true;
	h->nr_nodes = MIN(nodes, NUMA_HOST_MAX_NODES);
	for (i = 0; i < h->nr_nodes; i++) {
		struct numa_host_node *n = &h->node[i];

		n->online = true;
		for (c = 0; c < cpus_per_node; c++)
			idset__add(&n->cpus, i * cpus_per_node + c);
		n->mem_total = n->mem_free = mem_per_node;
		idset__or(&h->cpus, &n->cpus);
		idset__add(&h->allowed_nodes, i);
		for (j = 0; j < h->nr_nodes; j++) {
			unsigned hops = i > j ? i - j : j - i;

			hops = MIN(hops, h->nr_nodes - hops);
			h->distance[i][j] = i == j ? 10 : nodes <= 4 ? 20 : 20 + hops;
		}
	}
	h->allowed_cpus = h->cpus;
}

uint64_t numa_host__free_huge(const struct numa_host *h, unsigned node, uint64_t page_size)
{
	if (node >= h->nr_nodes)
		return 0;
	if (page_size == SZ_2M)
		return h->node[node].free_2m;
	if (page_size == SZ_1G)
		return h->node[node].free_1g;
	return 0;
}

uint64_t numa_host__total_huge(const struct numa_host *h, unsigned node, uint64_t page_size)
{
	if (node >= h->nr_nodes)
		return 0;
	if (page_size == SZ_2M)
		return h->node[node].total_2m;
	if (page_size == SZ_1G)
		return h->node[node].total_1g;
	return 0;
}
