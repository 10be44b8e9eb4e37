/*
 * mock-accel device memory and BAR placement: each function's memory is an
 * anonymous MAP_NORESERVE mapping (a 16 GiB BAR costs nothing until
 * touched) bound with mbind to the device's host node(s) before any page
 * exists. While BAR2 decodes, the page-aligned part of it is a KVM memory
 * slot (guest CPU accesses do not exit); the bus handler below serves the
 * rest (a sub-page tail, the power-of-two padding) and runs without KVM in
 * unit tests. BAR0's doorbell is an ioeventfd wherever BAR0 sits.
 */
#include <errno.h>
#include <numaif.h>
#include <string.h>
#include <sys/mman.h>

#include "devices/mock_accel_priv.h"
#include "vmm/util.h"

int mock_accel_mem__alloc(struct mock_accel_fn *fn, uint64_t size)
{
	struct mock_accel *d = fn->dev;
	uint64_t len = ALIGN_UP(size, SZ_4K);
	char nodes[64];
	void *p;
	int ret;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		pr_err("mock-accel %s: cannot map %llu MiB of device memory: %s", fn->name,
		       (unsigned long long)(len >> 20), strerror(-ret));
		return ret;
	}
	/* idset words are the kernel's nodemask layout (see numa/mem.c). */
	if (!idset__empty(&d->host_nodes) &&
	    mbind(p, len, d->mem_policy, (const unsigned long *)d->host_nodes.w, IDSET_MAX + 1,
		  0) < 0) {
		ret = -errno;
		pr_err("mock-accel %s: cannot bind device memory to host node(s) %s: %s", fn->name,
		       idset__format(&d->host_nodes, nodes, sizeof(nodes)), strerror(-ret));
		munmap(p, len);
		return ret;
	}
	/* Guest data, possibly huge: keep it out of core dumps. */
	madvise(p, len, MADV_DONTDUMP);
	fn->mem = p;
	fn->mem_len = len;
	return 0;
}

void mock_accel_mem__free(struct mock_accel_fn *fn)
{
	/* Never unmap memory KVM still maps (no-ops when nothing is placed). */
	mock_accel_mem__bar_moved(fn, MOCK_ACCEL_BAR_REGS, 0, false);
	mock_accel_mem__bar_moved(fn, MOCK_ACCEL_BAR_DEVMEM, 0, false);
	if (fn->mem)
		munmap(fn->mem, fn->mem_len);
	fn->mem = NULL;
	fn->mem_len = 0;
}

static void place_doorbell(struct mock_accel_fn *fn, uint64_t bar, bool mapped)
{
	const struct mock_accel_hooks *h = &fn->dev->hooks;

	if (fn->db_on) {
		h->ioeventfd(h->opaque, fn->db_gpa, 4, fn->doorbell, false);
		fn->db_on = false;
	}
	/* Without an ioeventfd the doorbell write traps to the BAR0 handler,
	 * which signals the same eventfd: only slower. */
	if (mapped && fn->dev->has_hooks && h->ioeventfd &&
	    !h->ioeventfd(h->opaque, bar + MOCK_ACCEL_REG_DMA_DOORBELL, 4, fn->doorbell, true)) {
		fn->db_on = true;
		fn->db_gpa = bar + MOCK_ACCEL_REG_DMA_DOORBELL;
	}
}

static void place_slot(struct mock_accel_fn *fn, uint64_t bar, bool mapped)
{
	struct mock_accel *d = fn->dev;
	const struct mock_accel_hooks *h = &d->hooks;
	uint64_t size = ALIGN_DOWN(fn->memory_size, SZ_4K);
	int slot;

	if (fn->slot >= 0) {
		h->unmap_mem(h->opaque, fn->slot);
		fn->slot = -1;
	}
	if (!mapped || !d->has_hooks || !h->map_mem || !size)
		return;
	/* A guest may program BAR2 over RAM or another slot: KVM refuses, and
	 * the BAR then only works where accesses still reach the bus. */
	slot = h->map_mem(h->opaque, bar, size, fn->mem);
	if (slot >= 0) {
		fn->slot = slot;
		fn->slot_gpa = bar;
	} else if (!d->warned_slot) {
		d->warned_slot = true;
		pr_warn("mock-accel %s: BAR2 at %#llx cannot be a memory slot (%s); "
			"its accesses trap", fn->name, (unsigned long long)bar, strerror(-slot));
	}
}

void mock_accel_mem__bar_moved(struct mock_accel_fn *fn, unsigned bar, uint64_t addr,
			       bool mapped)
{
	if (bar == MOCK_ACCEL_BAR_REGS)
		place_doorbell(fn, addr, mapped);
	else if (bar == MOCK_ACCEL_BAR_DEVMEM)
		place_slot(fn, addr, mapped);
}

/* Any width and alignment (it is memory); bytes at and above MEMORY_SIZE
 * read 0 and ignore writes (mock_accel_regs.h). */
void mock_accel__bar2_access(void *opaque, uint64_t off, void *data, uint32_t len,
			     bool is_write)
{
	struct mock_accel_fn *fn = opaque;
	uint64_t n;

	if (!atomic_load(&fn->present) || !fn->mem) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	n = off < fn->memory_size ? MIN((uint64_t)len, fn->memory_size - off) : 0;
	if (is_write) {
		memcpy(fn->mem + off, data, n);
	} else {
		memcpy(data, fn->mem + off, n);
		memset((uint8_t *)data + n, 0, len - n);
	}
}
