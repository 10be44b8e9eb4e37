/*
 * Guest topology seam (docs/architecture.md): one validated structure saying
 * which vCPUs (with their socket/core/thread and APIC id) and which
 * guest-physical RAM ranges make up each guest NUMA node, the distances and
 * HMAT figures between nodes, and where on the host each node lives (host
 * nodes + memory policy, host CPUs of every vCPU, CPUs of the other threads).
 *
 * topology__build derives the guest side from a finished config; the host
 * side (host_cpus) is completed by numa_plan__resolve against the host's
 * topology. After that it is read-only: the MADT/SRAT/SLIT/HMAT builders,
 * vCPU creation and pinning, RAM mapping and mbind, and the placement report
 * all read it, and nothing re-derives any of it.
 *
 * Without [numa.N] sections there is one implicit node 0 holding every vCPU
 * and all RAM (numa == false): no SRAT/SLIT/HMAT are emitted, exactly as
 * before NUMA support, and RAM is bound nowhere.
 */
#ifndef MVMM_TOPOLOGY_H
#define MVMM_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"
#include "vmm/cpuid.h"
#include "vmm/idset.h"

#define TOPO_MAX_RANGES	(CONFIG_MAX_NODES + 1)	/* one node may straddle the hole */

/* A guest-physical RAM range of one node. */
struct topo_range {
	uint64_t gpa, size;
	unsigned node;
};

struct topo_vcpu {
	unsigned node;
	struct cpu_place place;		/* in the widths of topology.cpu */
	uint32_t apic_id;		/* also its KVM vcpu id */
	struct idset host_cpus;		/* numa_plan: its affinity; empty: not pinned */
};

struct topo_node {
	struct idset cpus;		/* guest vCPU indexes */
	uint64_t memory;		/* bytes; 0: CPU-only node */
	unsigned first_range, nr_ranges;	/* in topology.range */
	unsigned first_socket, sockets, cores;	/* its sockets; cores per socket */
	unsigned initiator;		/* HMAT: nearest node with vCPUs (itself if any) */
	struct idset host_nodes;	/* empty: RAM not bound */
	enum config_policy policy;
	struct idset host_cpus;		/* numa_plan: default affinity of its vCPUs */
};

struct topology {
	bool numa;			/* [numa.N] given: SRAT, SLIT, HMAT emitted */
	bool hmat;
	unsigned nr_nodes, nr_vcpus, nr_ranges;
	struct cpu_topo cpu;		/* CPUID field widths (the widest socket) */
	struct topo_node node[CONFIG_MAX_NODES];
	struct topo_vcpu vcpu[CONFIG_MAX_VCPUS];
	struct topo_range range[TOPO_MAX_RANGES];	/* ascending gpa, by node */
	/* [pmem.NAME] in config order: placed after RAM (layout__pmem_base),
	 * node = its numa key. Not RAM: topology__node_of ignores them. */
	struct topo_range pmem[CONFIG_MAX_PMEM];
	unsigned nr_pmem;
	uint8_t distance[CONFIG_MAX_NODES][CONFIG_MAX_NODES];
	/* HMAT, initiator (node with vCPUs) x target (node with memory); 0
	 * elsewhere. Nanoseconds and MB/s, Linux's sysfs units. */
	uint32_t latency_ns[CONFIG_MAX_NODES][CONFIG_MAX_NODES];
	uint32_t bandwidth_mbs[CONFIG_MAX_NODES][CONFIG_MAX_NODES];
	struct idset emulator_cpus;	/* non-vCPU threads; empty: not pinned */
	/* numa_plan: the process's own affinity (what unpinned threads get),
	 * and the host page size of guest RAM (4K, or the huge page size). */
	struct idset allowed_cpus;
	uint64_t page_size;
};

/* HMAT figures derived from a SLIT distance when not configured. */
#define TOPO_LATENCY_NS_PER_DISTANCE	10	/* 10 (local) -> 100 ns */
#define TOPO_BANDWIDTH_MBS_TIMES_DISTANCE 200000	/* 10 -> 20000 MB/s, 20 -> 10000 */

/* Guest side from a config that passed config__finish: nodes, vCPU places
 * and APIC ids, RAM ranges around the 32-bit hole, pmem after RAM, distances, HMAT. Host
 * CPUs stay empty (numa_plan__resolve). 0 or -EINVAL with a message. */
int topology__build(struct topology *t, const struct vm_config *cfg, char *err, size_t errlen);

/* Node of guest-physical @gpa, or -1 when it is not RAM. */
int topology__node_of(const struct topology *t, uint64_t gpa);

#endif
