/*
 * Guest RAM backing and binding: each RAM range of the guest topology is
 * mapped with the configured backing (anonymous, hugetlb 2M/1G, or a
 * file/device from mem_path: a directory such as /dev/shm or a hugetlbfs
 * mount gets an unlinked file, a regular file or a DAX character device is
 * mapped as is), bound with mbind to its node's host nodes and policy, and
 * optionally prefaulted — all before KVM ever sees the memory, so no guest
 * page is allocated under another policy.
 */
#ifndef MVMM_NUMA_MEM_H
#define MVMM_NUMA_MEM_H

#include <stddef.h>

struct gmem;
struct topology;
struct vm_config;

/* Map every range of @t into @mem (regions owned by @mem, guest_node set).
 * 0, or -errno with one line in @err naming the fix. On error the ranges
 * already added stay in @mem (gmem__destroy unmaps them). */
int numa_mem__map(struct gmem *mem, const struct topology *t, const struct vm_config *cfg,
		  char *err, size_t errlen);

#endif
