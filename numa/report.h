/*
 * Placement report: where mvmm's threads and the guest's pages really are,
 * from the kernel's own answers — /proc/self/task and sched_getaffinity for
 * every thread, move_pages(2) (query mode, no move) over every page of each
 * guest node's RAM and of each pmem region — compared with the plan in the
 * guest topology. Anything
 * that differs is counted as off-plan.
 */
#ifndef MVMM_NUMA_REPORT_H
#define MVMM_NUMA_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "numa/host.h"
#include "vmm/config.h"
#include "vmm/idset.h"

struct gmem;
struct topology;

struct numa_report_thread {
	pid_t tid;
	char name[16];
	int vcpu;			/* -1: not a vCPU thread */
	struct idset affinity;		/* sched_getaffinity(tid) */
	struct idset planned;
	bool ok;
};

struct numa_report_node {
	uint64_t pages;			/* of topology.page_size in its RAM */
	uint64_t present;		/* allocated: the kernel names a node */
	uint64_t other;			/* mapped but not placeable (zero page, ...) */
	uint64_t on[NUMA_HOST_MAX_NODES];	/* present pages per host node */
	uint64_t off_plan;		/* present pages outside its host nodes */
};

/* A [pmem.NAME] region: its pages where the kernel has them, judged
 * against its guest node's host nodes only when mvmm could bind it
 * (gmem_region.bound, numa/mem.h). */
struct numa_report_pmem {
	unsigned guest_node;
	bool bound;
	struct numa_report_node n;	/* 4K pages */
};

struct numa_report {
	const char *when;		/* "start", "signal", "exit" */
	pid_t pid;
	unsigned nr_threads;
	struct numa_report_thread *thread;
	unsigned vcpus_missing;		/* vCPUs without a thread */
	unsigned nr_nodes;
	struct numa_report_node node[CONFIG_MAX_NODES];
	unsigned nr_pmem;
	struct numa_report_pmem pmem[CONFIG_MAX_PMEM];	/* in guest-physical order */
	unsigned off_plan;		/* threads + nodes + bound pmem + missing vCPUs off-plan */
	const char *extra_json;		/* caller's members appended to the JSON
					 * object ("\"k\": v, ..."), or NULL */
};

/* Take the report now. 0 or -errno (then nothing to free). */
int numa_report__collect(struct numa_report *r, const struct topology *t,
			 const struct gmem *mem, const char *when);
void numa_report__free(struct numa_report *r);
/* Thread @tid has its own plan (a device's DMA worker runs on its device's
 * host node, not on emulator_cpus): judge it against @planned instead.
 * -ENOENT if the report has no such thread. */
int numa_report__plan_thread(struct numa_report *r, pid_t tid, const struct idset *planned);
/* Like numa_report__plan_thread, and a thread outside this process (a
 * kernel thread working for us: a vhost worker before Linux 6.4) is added
 * to the report, with its name and affinity from /proc/@tid. -errno if
 * the kernel has no such thread. */
int numa_report__add_thread(struct numa_report *r, pid_t tid, const struct idset *planned);

/* Human table (stderr in mvmm). */
void numa_report__print(const struct numa_report *r, const struct topology *t, FILE *f);
/* JSON: one object, one thread or node per line (grep-friendly). */
void numa_report__json(const struct numa_report *r, const struct topology *t, FILE *f);
/* JSON to @path, replaced atomically (readers never see half a report). */
int numa_report__write_json(const struct numa_report *r, const struct topology *t,
			    const char *path);

#endif
