/* Bump allocators for guest resources assigned at machine build time. */
#include <errno.h>

#include "vmm/alloc.h"
#include "vmm/util.h"

void alloc__window_init(struct alloc_window *w, uint64_t base, uint64_t size)
{
	*w = (struct alloc_window){ .base = base, .size = size, .next = 0 };
}

int alloc__window(struct alloc_window *w, uint64_t size, uint64_t align, uint64_t *out)
{
	uint64_t start;

	if (!size || !align || (align & (align - 1)))
		return -EINVAL;
	/* Align the absolute address, not the offset: the base need not be aligned. */
	start = ALIGN_UP(w->base + w->next, align);
	if (start < w->base + w->next || start - w->base > w->size ||
	    size > w->size - (start - w->base))
		return -ENOSPC;
	w->next = start - w->base + size;
	*out = start;
	return 0;
}

void alloc__ids_init(struct alloc_ids *a, uint32_t first, uint32_t end)
{
	*a = (struct alloc_ids){ .next = first, .end = end };
}

int alloc__id(struct alloc_ids *a, uint32_t *out)
{
	if (a->next >= a->end)
		return -ENOSPC;
	*out = a->next++;
	return 0;
}
