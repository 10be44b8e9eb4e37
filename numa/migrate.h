/*
 * Moving memory between host nodes while the guest runs (the control
 * socket's migrate-memory): the range's policy is replaced first (mbind
 * without MPOL_MF_MOVE, so every later fault follows it), then each present
 * page that is not where the new policy wants it is moved with
 * move_pages(2), in chunks, which tells per page why one could not move.
 * The kernel migrates a page under its own locks while vCPUs keep writing
 * to it; mvmm never copies guest data. A page that is busy at that instant
 * (-EBUSY, -EAGAIN) is tried again, up to 4 passes. Targets: bind spreads moved pages
 * over the set (pages already in it stay), preferred moves everything to
 * its one node (bind's spread is by granule too), interleave puts the page at address A on the
 * ((A / granule) mod n)-th node of the set, as the kernel's own interleave
 * of an anonymous mapping does; the granule is what the kernel allocates
 * there (2 MiB where transparent huge pages back 4K memory: move_pages
 * moves a THP whole, so a finer interleave would only move it twice).
 * Pages move in one batch per target node.
 */
#ifndef MVMM_NUMA_MIGRATE_H
#define MVMM_NUMA_MIGRATE_H

#include <stdint.h>

#include "vmm/idset.h"

#define NUMA_MIGRATE_MAX_REASONS	8

struct numa_migrate_result {
	uint64_t pages;			/* in the range(s), of the page size */
	uint64_t present;		/* allocated when the move started */
	uint64_t moved;
	uint64_t already;		/* already where the policy wants them */
	uint64_t failed;		/* present, not moved: see reasons */
	uint64_t retried;		/* busy on a pass, tried again */
	struct {
		int err;		/* positive errno from move_pages' status */
		uint64_t pages;
	} reason[NUMA_MIGRATE_MAX_REASONS];
	unsigned nr_reasons;
	uint64_t ns;			/* wall time of the whole call */
};

/* Apply MPOL_@mode (MPOL_BIND, MPOL_PREFERRED, MPOL_INTERLEAVE) over
 * @nodes to [@addr, @addr + @len) (aligned to @page_size) and move its
 * pages, interleaving by @granule (a multiple of @page_size); adds to @res
 * (zero it first). 0 or -errno (mbind failed: nothing was changed). */
int numa_migrate__range(void *addr, uint64_t len, uint64_t page_size, uint64_t granule,
			const struct idset *nodes, int mode, struct numa_migrate_result *res);
/* Query only: present pages of the range per host node, added to @on
 * (NUMA_HOST_MAX_NODES entries); returns the present count or -errno. */
int64_t numa_migrate__count(void *addr, uint64_t len, uint64_t page_size, uint64_t *on,
			    unsigned nr_on);

#endif
