/* PIO/MMIO range registry with overlap rejection and offset dispatch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"

int bus__init(struct bus *b)
{
	memset(b, 0, sizeof(*b));
	return -pthread_rwlock_init(&b->lock, NULL);
}

void bus__destroy(struct bus *b)
{
	free(b->ranges);
	pthread_rwlock_destroy(&b->lock);
	memset(b, 0, sizeof(*b));
}

/* Index of the first range whose end is above @addr (binary search). */
static unsigned bus_lower_bound(const struct bus *b, uint64_t addr)
{
	unsigned lo = 0, hi = b->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &b->ranges[mid];

		if (r->base + (r->len - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus__register(struct bus *b, uint64_t base, uint64_t len, bus_access_fn fn,
		  void *opaque, const char *name)
{
	unsigned i;
	int ret = 0;

	if (!len || base + (len - 1) < base || !fn)
		return -EINVAL;
	pthread_rwlock_wrlock(&b->lock);
	i = bus_lower_bound(b, base);
	if (i < b->nr && b->ranges[i].base <= base + (len - 1)) {
		ret = -EEXIST;
		goto out;
	}
	if (b->nr == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 16;
		struct bus_range *n = realloc(b->ranges, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		b->ranges = n;
		b->cap = cap;
	}
	memmove(&b->ranges[i + 1], &b->ranges[i], (b->nr - i) * sizeof(*b->ranges));
	b->ranges[i] = (struct bus_range){ base, len, fn, opaque, name };
	b->nr++;
out:
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus__unregister(struct bus *b, uint64_t base)
{
	unsigned i;
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&b->lock);
	i = bus_lower_bound(b, base);
	if (i < b->nr && b->ranges[i].base == base) {
		memmove(&b->ranges[i], &b->ranges[i + 1],
			(b->nr - i - 1) * sizeof(*b->ranges));
		b->nr--;
		ret = 0;
	}
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus__access(struct bus *b, uint64_t addr, void *data, uint32_t len, bool is_write)
{
	struct bus_range r;
	unsigned i;
	bool hit = false;

	if (!len)
		return -EINVAL;
	pthread_rwlock_rdlock(&b->lock);
	i = bus_lower_bound(b, addr);
	if (i < b->nr) {
		r = b->ranges[i];
		/* The whole access must fall inside one range. */
		hit = r.base <= addr && len - 1 <= r.base + (r.len - 1) - addr;
	}
	pthread_rwlock_unlock(&b->lock);
	/*
	 * Dispatch outside the lock: a config-space write may move a BAR and so
	 * re-register ranges. Handlers' objects live as long as the VM.
	 */
	if (!hit)
		return -ENOENT;
	r.fn(r.opaque, addr - r.base, data, len, is_write);
	return 0;
}
