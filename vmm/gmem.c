/* Guest memory: RAM regions and bounds-checked gpa->hva translation. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/gmem.h"
#include "vmm/layout.h"
#include "vmm/util.h"

void gmem__init(struct gmem *m)
{
	memset(m, 0, sizeof(*m));
}

/* Insert a region in gpa order: the new region, or NULL with *@err. */
static struct gmem_region *region_insert(struct gmem *m, uint64_t gpa, uint64_t size, void *hva,
					 int guest_node, int *err)
{
	unsigned i;

	*err = 0;
	if (!size || gpa + size < gpa || !hva)
		*err = -EINVAL;
	else if (m->nr == GMEM_MAX_REGIONS)
		*err = -ENOSPC;
	for (i = 0; i < m->nr && !*err; i++) {
		const struct gmem_region *r = &m->regions[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			*err = -EEXIST;
	}
	if (*err)
		return NULL;
	/* Keep regions sorted so lookups and e820 can walk them in order. */
	for (i = m->nr; i > 0 && m->regions[i - 1].gpa > gpa; i--)
		m->regions[i] = m->regions[i - 1];
	m->regions[i] = (struct gmem_region){
		.gpa = gpa, .size = size, .hva = hva, .guest_node = guest_node,
	};
	m->nr++;
	return &m->regions[i];
}

int gmem__add(struct gmem *m, uint64_t gpa, uint64_t size, void *hva, int guest_node)
{
	int err;

	region_insert(m, gpa, size, hva, guest_node, &err);
	return err;
}

int gmem__adopt(struct gmem *m, uint64_t gpa, uint64_t size, void *hva, int guest_node)
{
	struct gmem_region *r;
	int err;

	r = region_insert(m, gpa, size, hva, guest_node, &err);
	if (r)
		r->owned = true;
	return err;
}

int gmem__map_anon(struct gmem *m, uint64_t gpa, uint64_t size, int guest_node)
{
	void *hva;
	int ret;

	hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hva == MAP_FAILED)
		return -errno;
	ret = gmem__adopt(m, gpa, size, hva, guest_node);
	if (ret < 0)
		munmap(hva, size);
	return ret;
}

int gmem__add_pmem(struct gmem *m, uint64_t gpa, uint64_t size, void *hva, int guest_node,
		   unsigned flags)
{
	struct gmem_region *r;
	int err;

	r = region_insert(m, gpa, size, hva, guest_node, &err);
	if (r) {
		r->pmem = true;
		r->readonly = flags & GMEM_PMEM_READONLY;
		r->owned = flags & GMEM_PMEM_OWNED;
		r->bound = flags & GMEM_PMEM_BOUND;
	}
	return err;
}

void gmem__destroy(struct gmem *m)
{
	unsigned i;

	for (i = 0; i < m->nr; i++)
		if (m->regions[i].owned)
			munmap(m->regions[i].hva, m->regions[i].size);
	m->nr = 0;
}

void *gmem__span(const struct gmem *m, uint64_t gpa, uint64_t len, uint64_t *avail)
{
	unsigned i;

	for (i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->regions[i];
		uint64_t left;

		if (gpa < r->gpa)
			break;
		/* Written so that no sum can overflow: gpa >= r->gpa here. */
		if (gpa - r->gpa >= r->size)
			continue;
		if (r->readonly)
			break;
		left = r->size - (gpa - r->gpa);
		*avail = len < left ? len : left;
		return (uint8_t *)r->hva + (gpa - r->gpa);
	}
	*avail = 0;
	return NULL;
}

void *gmem__ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	uint64_t avail;
	void *p = gmem__span(m, gpa, len, &avail);

	return p && avail == len ? p : NULL;
}

int gmem__read(const struct gmem *m, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = gmem__ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gmem__write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gmem__ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

uint64_t gmem__total(const struct gmem *m)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < m->nr; i++)
		if (!m->regions[i].pmem)
			sum += m->regions[i].size;
	return sum;
}

uint64_t gmem__end(const struct gmem *m)
{
	unsigned i;

	for (i = m->nr; i > 0; i--)
		if (!m->regions[i - 1].pmem)
			return m->regions[i - 1].gpa + m->regions[i - 1].size;
	return 0;
}

uint64_t gmem__top(const struct gmem *m)
{
	if (!m->nr)
		return 0;
	return m->regions[m->nr - 1].gpa + m->regions[m->nr - 1].size;
}
