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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gmem;
struct topo_node;
struct topology;
struct vm_config;

/* Map every range of @t into @mem (regions owned by @mem, guest_node set).
 * 0, or -errno with one line in @err naming the fix. On error the ranges
 * already added stay in @mem (gmem__destroy unmaps them). */
int numa_mem__map(struct gmem *mem, const struct topology *t, const struct vm_config *cfg,
		  char *err, size_t errlen);

/* A [pmem.NAME] mapping of @fd at @hva, on guest node @nd: bound to @nd's
 * host nodes where the backing lets a VMA policy place its pages — a file
 * on tmpfs or hugetlbfs, or any private (copy-on-write) mapping — from its
 * first page on (a sparse file's pages all; pages a file already has stay
 * where they are). A shared mapping of another file keeps its pages where the
 * page cache or the device (devdax) has them. 1 bound, 0 not (no host
 * node, or such a backing), -errno with one line in @err. */
int numa_mem__bind_pmem(void *hva, uint64_t size, int fd, bool shared, const struct topo_node *nd,
			char *err, size_t errlen);

#endif
