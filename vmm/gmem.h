/*
 * Guest memory seam: the only way to turn a guest-physical address into a
 * host pointer. Every lookup is bounds-checked against one RAM region, so a
 * bad guest address becomes an error, never a host access outside guest RAM.
 */
#ifndef MVMM_GMEM_H
#define MVMM_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_MAX_REGIONS 32

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	void *hva;
	int guest_node;		/* guest NUMA node owning it, 0 without NUMA */
	bool owned;		/* mapped by gmem (munmap on destroy) */
};

struct gmem {
	struct gmem_region regions[GMEM_MAX_REGIONS];	/* sorted by gpa */
	unsigned nr;
};

void gmem__init(struct gmem *m);
/* Add a region backed by caller-provided memory (tests, file mappings). */
int gmem__add(struct gmem *m, uint64_t gpa, uint64_t size, void *hva, int guest_node);
/* Add a region gmem takes over: munmap(@hva, @size) on destroy. */
int gmem__adopt(struct gmem *m, uint64_t gpa, uint64_t size, void *hva, int guest_node);
/* Add a region backed by fresh anonymous memory (MAP_NORESERVE). */
int gmem__map_anon(struct gmem *m, uint64_t gpa, uint64_t size, int guest_node);
void gmem__destroy(struct gmem *m);

/* Host pointer for @gpa if it is in RAM (else NULL), with *@avail the bytes
 * of [gpa, gpa+len) that its region holds from there: a range across
 * adjacent regions (guest NUMA nodes) is walked piece by piece. */
void *gmem__span(const struct gmem *m, uint64_t gpa, uint64_t len, uint64_t *avail);
/* Host pointer for [gpa, gpa+len) if it lies entirely in one region, else NULL. */
void *gmem__ptr(const struct gmem *m, uint64_t gpa, uint64_t len);
/* Copy helpers: 0 or -EFAULT. */
int gmem__read(const struct gmem *m, uint64_t gpa, void *dst, uint64_t len);
int gmem__write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len);
uint64_t gmem__total(const struct gmem *m);
/* Highest guest-physical RAM address + 1. */
uint64_t gmem__end(const struct gmem *m);

#endif
