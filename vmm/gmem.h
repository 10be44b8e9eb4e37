/*
 * Guest memory seam: the only way to turn a guest-physical address into a
 * host pointer. Every lookup is bounds-checked against one RAM region, so a
 * bad guest address becomes an error, never a host access outside guest RAM.
 *
 * Persistent memory ([pmem.NAME]) is in gmem too, as regions marked pmem,
 * so that devices can DMA to and from it as to RAM; gmem__total and
 * gmem__end count RAM only (what e820 RAM, SRAT RAM and the boot loader
 * place things in), gmem__top covers both. A read-only pmem region is
 * never handed out by gmem__span/gmem__ptr (its mapping is PROT_READ: a
 * device write would fault the host), so DMA to or from it is -EFAULT.
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
	bool pmem;		/* persistent memory, not RAM (gmem__add_pmem) */
	bool readonly;		/* pmem mapped PROT_READ: KVM_MEM_READONLY */
	bool bound;		/* pmem whose host pages follow its node's policy */
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
/* gmem__add_pmem @flags. */
#define GMEM_PMEM_READONLY	(1u << 0)	/* mapped PROT_READ: KVM_MEM_READONLY */
#define GMEM_PMEM_OWNED		(1u << 1)	/* munmap on destroy */
#define GMEM_PMEM_BOUND		(1u << 2)	/* host pages follow its node's policy */
/* Add persistent memory mapped by the caller. */
int gmem__add_pmem(struct gmem *m, uint64_t gpa, uint64_t size, void *hva, int guest_node,
		   unsigned flags);
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
/* Bytes of RAM (pmem not counted). */
uint64_t gmem__total(const struct gmem *m);
/* Highest guest-physical RAM address + 1 (pmem not counted). */
uint64_t gmem__end(const struct gmem *m);
/* Highest guest-physical address of any region, RAM or pmem, + 1. */
uint64_t gmem__top(const struct gmem *m);

#endif
