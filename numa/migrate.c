/* Moving memory between host nodes (see migrate.h). */
#include <errno.h>
#include <numaif.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "numa/migrate.h"
#include "vmm/timeline.h"

#define CHUNK	4096	/* pages per move_pages call: bounded stacks, steady progress */
#define RETRIES	4	/* passes over pages that were busy */

static void add_reason(struct numa_migrate_result *res, int err)
{
	unsigned i;

	for (i = 0; i < res->nr_reasons && res->reason[i].err != err; i++)
		;
	if (i == res->nr_reasons) {
		if (i == NUMA_MIGRATE_MAX_REASONS)
			i--;	/* the last slot collects the rarest */
		else
			res->nr_reasons++;
		res->reason[i].err = err;
	}
	res->reason[i].pages++;
}

/* Where pages @first..@first+@c-1 of the range are: @status gets each
 * page's node, or -ENOENT (never touched) / -EFAULT (zero page). */
static int query(void *addr, uint64_t first, uint64_t c, uint64_t page_size, void **pages,
		 int *status)
{
	uint64_t j;

	for (j = 0; j < c; j++)
		pages[j] = (char *)addr + (first + j) * page_size;
	return move_pages(0, c, pages, NULL, status, 0) < 0 ? -errno : 0;
}

static int nth_node(const struct idset *nodes, uint64_t n)
{
	unsigned count = idset__count(nodes);
	int id = idset__next(nodes, 0);

	for (n %= count; n; n--)
		id = idset__next(nodes, id + 1);
	return id;
}

/* Move @k pages; a page the guest (or KVM) holds at that instant is
 * -EBUSY or -EAGAIN, and usually free again a moment later. */
static int move_batch(void **move, int *want, int *mst, uint64_t k,
		      struct numa_migrate_result *res)
{
	uint64_t j, left;
	unsigned pass;

	for (pass = 0; k && pass < RETRIES; pass++) {
		if (move_pages(0, k, move, want, mst, MPOL_MF_MOVE) < 0 && errno != ENOENT)
			return -errno;
		for (j = left = 0; j < k; j++) {
			if (mst[j] == want[j]) {
				res->moved++;
			} else if ((mst[j] == -EBUSY || mst[j] == -EAGAIN) && pass + 1 < RETRIES) {
				move[left] = move[j];
				want[left++] = want[j];
			} else {
				res->failed++;
				add_reason(res, mst[j] < 0 ? -mst[j] : EAGAIN);
			}
		}
		res->retried += left;
		k = left;
		if (k)
			sched_yield();
	}
	return 0;
}

int numa_migrate__range(void *addr, uint64_t len, uint64_t page_size, uint64_t granule,
			const struct idset *nodes, int mode, struct numa_migrate_result *res)
{
	uint64_t t0 = timeline__now(), n = len / page_size, i, j, k, kt;
	void *pages[CHUNK], *move[CHUNK], *tmove[CHUNK];
	int status[CHUNK], want[CHUNK], twant[CHUNK], mst[CHUNK], t, r;
	unsigned count = idset__count(nodes);

	if (!count || !page_size || len % page_size || (uintptr_t)addr % page_size ||
	    !granule || granule % page_size)
		return -EINVAL;
	if (mbind(addr, len, mode, (const unsigned long *)nodes->w, IDSET_MAX + 1, 0) < 0)
		return -errno;
	for (i = 0; i < n; i += CHUNK) {
		uint64_t c = n - i < CHUNK ? n - i : CHUNK;
		int ret = query(addr, i, c, page_size, pages, status);

		if (ret < 0)
			return ret;
		for (j = k = 0; j < c; j++) {
			int target;

			if (status[j] < 0)	/* -ENOENT: never touched; -EFAULT: zero page */
				continue;
			res->present++;
			/* As the kernel interleaves an anonymous mapping: by
			 * address (vm_pgoff is vm_start's page) in granules of
			 * what it allocates (a transparent huge page moves
			 * whole), so that later faults agree with the move. */
			if (mode == MPOL_INTERLEAVE)
				target = nth_node(nodes, (uintptr_t)pages[j] / granule);
			else if (mode == MPOL_PREFERRED)
				target = idset__next(nodes, 0);
			else if (!idset__has(nodes, status[j]))	/* bind: spread, granule-wise */
				target = nth_node(nodes, (uintptr_t)pages[j] / granule);
			else
				target = status[j];
			if (target == status[j]) {
				res->already++;
				continue;
			}
			move[k] = pages[j];
			want[k++] = target;
		}
		/* One call per target node: move_pages migrates a run of pages
		 * with one target as a batch, but flushes at every change of
		 * target (page by page for an interleave, thousands of times
		 * slower). */
		for (t = idset__next(nodes, 0); k && t >= 0; t = idset__next(nodes, t + 1)) {
			for (j = kt = 0; j < k; j++) {
				if (want[j] != t)
					continue;
				tmove[kt] = move[j];
				twant[kt++] = t;
			}
			r = move_batch(tmove, twant, mst, kt, res);
			if (r < 0)
				return r;
		}
	}
	res->pages += n;
	res->ns += timeline__now() - t0;
	return 0;
}

int64_t numa_migrate__count(void *addr, uint64_t len, uint64_t page_size, uint64_t *on,
			    unsigned nr_on)
{
	uint64_t n = len / page_size, i, j;
	void *pages[CHUNK];
	int status[CHUNK];
	int64_t present = 0;

	for (i = 0; i < n; i += CHUNK) {
		uint64_t c = n - i < CHUNK ? n - i : CHUNK;
		int ret = query(addr, i, c, page_size, pages, status);

		if (ret < 0)
			return ret;
		for (j = 0; j < c; j++) {
			if (status[j] < 0)
				continue;
			present++;
			if ((unsigned)status[j] < nr_on)
				on[status[j]]++;
		}
	}
	return present;
}
