/*
 * Bus seam: a registry of PIO or MMIO ranges. Registration rejects overlap;
 * a handler sees the offset into its own range, never the absolute address.
 * Lookups take a read lock and dispatch outside it, so a handler may itself
 * (un)register ranges, e.g. when the guest moves a BAR.
 */
#ifndef MVMM_BUS_H
#define MVMM_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*bus_access_fn)(void *opaque, uint64_t offset, void *data,
			      uint32_t len, bool is_write);

struct bus_range {
	uint64_t base;
	uint64_t len;
	bus_access_fn fn;
	void *opaque;
	const char *name;
};

struct bus {
	pthread_rwlock_t lock;
	struct bus_range *ranges;	/* sorted by base, non-overlapping */
	unsigned nr, cap;
};

int bus__init(struct bus *b);
void bus__destroy(struct bus *b);
/* -EINVAL for an empty or wrapping range, -EEXIST if it overlaps another. */
int bus__register(struct bus *b, uint64_t base, uint64_t len, bus_access_fn fn,
		  void *opaque, const char *name);
/* -ENOENT unless a range starts exactly at @base. */
int bus__unregister(struct bus *b, uint64_t base);
/* Dispatch one access. -ENOENT when no range covers all of it; the caller
 * then reads all-ones and drops writes. */
int bus__access(struct bus *b, uint64_t addr, void *data, uint32_t len, bool is_write);

#endif
