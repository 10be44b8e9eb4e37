/*
 * Allocators seam: guest resources handed out once at machine build time
 * (GSIs, MSI routes, bus numbers, MMIO windows). Nothing is freed while a VM
 * lives, so bump allocation inside a fixed window is enough and keeps
 * assignments deterministic (same config, same addresses).
 */
#ifndef MVMM_ALLOC_H
#define MVMM_ALLOC_H

#include <stdint.h>

struct alloc_window {
	uint64_t base;
	uint64_t size;
	uint64_t next;		/* offset of the first free byte */
};

struct alloc_ids {
	uint32_t next;
	uint32_t end;		/* exclusive */
};

void alloc__window_init(struct alloc_window *w, uint64_t base, uint64_t size);
/* Naturally align @align (power of two); -ENOSPC when it does not fit. */
int alloc__window(struct alloc_window *w, uint64_t size, uint64_t align, uint64_t *out);

void alloc__ids_init(struct alloc_ids *a, uint32_t first, uint32_t end);
int alloc__id(struct alloc_ids *a, uint32_t *out);

#endif
