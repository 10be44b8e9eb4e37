/*
 * Placement planning: the host side of the guest topology. Checks what the
 * config asks of this host (host nodes exist and may be used, host CPUs are
 * online and in the process's allowed set, enough free huge pages, a
 * mappable mem_path) and fills in the defaults (a node's vCPUs run on the
 * CPUs of its host nodes). Pure: it reads a struct numa_host, so unit tests
 * drive it with fixture hosts.
 */
#ifndef MVMM_NUMA_PLAN_H
#define MVMM_NUMA_PLAN_H

#include <stddef.h>
#include <stdio.h>

struct topology;
struct vm_config;
struct numa_host;

/* Complete @t (built by topology__build from @cfg) for host @h. Errors are
 * one line "FILE:LINE: [section] key: ..." naming the fix; -EINVAL. */
int numa_plan__resolve(struct topology *t, const struct vm_config *cfg,
		       const struct numa_host *h, char *err, size_t errlen);

/* topology__build + numa_host__probe + numa_plan__resolve: everything
 * decided before /dev/kvm is opened (mvmm --check stops after it). */
int numa_plan__make(struct topology *t, struct numa_host *h, const struct vm_config *cfg,
		    char *err, size_t errlen);

/* The plan as text (mvmm --check): guest nodes -> vCPUs, RAM ranges, host
 * nodes and policy; every vCPU -> APIC id, place, host CPUs; backing. */
void numa_plan__print(const struct topology *t, const struct vm_config *cfg,
		      const struct numa_host *h, FILE *f);

/* "bind", "preferred", "interleave". */
const char *numa_plan__policy_name(int policy);

#endif
