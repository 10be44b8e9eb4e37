/*
 * mock-accel DMA engine (mock_accel_regs.h is the contract): copy, fill and
 * checksum between guest RAM and the function's device memory.
 *
 * A doorbell signals the function's eventfd (KVM does it for a 4-byte
 * write through the ioeventfd; the BAR0 handler for any other). One worker
 * thread per device, named "accel-<device>" and started on the CPUs of the
 * device's host node, waits on every function's eventfd. It snapshots the
 * registers (the operation becomes BUSY), runs the checks in the documented
 * order, then moves the bytes in pieces of DMA_PIECE, serving the functions
 * round-robin and looking for new doorbells, DMA_ABORT and a cleared Bus
 * Master Enable between pieces. Completion writes DMA_STATUS and
 * DMA_RESULT, increments DMA_SEQ, then raises the MSI-X vector.
 *
 * Guest addresses are only ever turned into host pointers by gmem__ptr, a
 * region at a time, after the whole range was checked to be guest RAM;
 * device offsets were checked against MEMORY_SIZE, and the device memory
 * mapping is at least that long. A reset (FLR, VF disable) bumps the
 * function's epoch: a running operation stops at its next piece and its
 * completion is never reported.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/mock_accel_priv.h"
#include "numa/pin.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"

/* Bytes moved between two looks at doorbells, aborts and resets: short
 * enough for a prompt abort (~0.1-1 ms), long enough to amortise it. */
#define DMA_PIECE	SZ_1M
#define FILL_BLOCK	256	/* pattern bytes built once per piece */

#define STATUS_OF(state, err)	MOCK_ACCEL_DMA_STATUS_MAKE(MOCK_ACCEL_DMA_STATE_##state, err)

/* ------------------------------------------------------------ registers */

static void set_lo(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffULL) | v;
}

static void set_hi(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffULL) | (uint64_t)v << 32;
}

uint32_t mock_accel_dma__reg_read(struct mock_accel_fn *fn, uint64_t off)
{
	const struct mock_accel_dma_regs *r = &fn->dma;

	switch (off) {
	case MOCK_ACCEL_REG_DMA_SRC_LO: return (uint32_t)r->src;
	case MOCK_ACCEL_REG_DMA_SRC_HI: return r->src >> 32;
	case MOCK_ACCEL_REG_DMA_DST_LO: return (uint32_t)r->dst;
	case MOCK_ACCEL_REG_DMA_DST_HI: return r->dst >> 32;
	case MOCK_ACCEL_REG_DMA_LEN_LO: return (uint32_t)r->len;
	case MOCK_ACCEL_REG_DMA_LEN_HI: return r->len >> 32;
	case MOCK_ACCEL_REG_DMA_CTRL: return r->ctrl;
	case MOCK_ACCEL_REG_DMA_PATTERN: return r->pattern;
	case MOCK_ACCEL_REG_DMA_STATUS: return r->status;
	case MOCK_ACCEL_REG_DMA_RESULT_LO: return (uint32_t)r->result;
	case MOCK_ACCEL_REG_DMA_RESULT_HI: return r->result >> 32;
	case MOCK_ACCEL_REG_DMA_IRQ_VECTOR: return r->vector;
	case MOCK_ACCEL_REG_DMA_SEQ: return r->seq;
	default: return 0;	/* DOORBELL and ABORT are write-only */
	}
}

void mock_accel_dma__reg_write(struct mock_accel_fn *fn, uint64_t off, uint32_t v)
{
	struct mock_accel_dma_regs *r = &fn->dma;

	switch (off) {
	case MOCK_ACCEL_REG_DMA_SRC_LO: set_lo(&r->src, v); break;
	case MOCK_ACCEL_REG_DMA_SRC_HI: set_hi(&r->src, v); break;
	case MOCK_ACCEL_REG_DMA_DST_LO: set_lo(&r->dst, v); break;
	case MOCK_ACCEL_REG_DMA_DST_HI: set_hi(&r->dst, v); break;
	case MOCK_ACCEL_REG_DMA_LEN_LO: set_lo(&r->len, v); break;
	case MOCK_ACCEL_REG_DMA_LEN_HI: set_hi(&r->len, v); break;
	case MOCK_ACCEL_REG_DMA_CTRL: r->ctrl = v; break;
	case MOCK_ACCEL_REG_DMA_PATTERN: r->pattern = v; break;
	case MOCK_ACCEL_REG_DMA_RESULT_LO: set_lo(&r->result, v); break;
	case MOCK_ACCEL_REG_DMA_RESULT_HI: set_hi(&r->result, v); break;
	case MOCK_ACCEL_REG_DMA_IRQ_VECTOR: r->vector = v; break;
	case MOCK_ACCEL_REG_DMA_DOORBELL:
		/* The ioeventfd path without KVM: same eventfd, same worker.
		 * It cannot fail short of 2^64 - 1 pending doorbells. */
		eventfd_write(fn->doorbell, 1);
		break;
	case MOCK_ACCEL_REG_DMA_STATUS:
		if (MOCK_ACCEL_DMA_STATE(r->status) != MOCK_ACCEL_DMA_STATE_BUSY)
			r->status = STATUS_OF(IDLE, 0);
		break;
	case MOCK_ACCEL_REG_DMA_ABORT:
		if ((v & MOCK_ACCEL_DMA_ABORT_REQ) &&
		    MOCK_ACCEL_DMA_STATE(r->status) == MOCK_ACCEL_DMA_STATE_BUSY)
			atomic_store(&fn->abort_req, true);
		break;
	default:
		break;		/* SEQ is read-only; the rest is reserved */
	}
}

void mock_accel_dma__reset_locked(struct mock_accel_fn *fn)
{
	eventfd_t drop;

	memset(&fn->dma, 0, sizeof(fn->dma));
	atomic_fetch_add(&fn->epoch, 1);
	atomic_store(&fn->abort_req, false);
	/* A doorbell rung before the reset starts nothing after it. */
	eventfd_read(fn->doorbell, &drop);
}

/* --------------------------------------------------------------- checks */

/* Bytes of guest RAM from @gpa to the end of its region; 0 if not RAM. */
static uint64_t guest_span(const struct gmem *m, uint64_t gpa)
{
	unsigned i;

	for (i = 0; m && i < m->nr; i++) {
		const struct gmem_region *r = &m->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r->size - (gpa - r->gpa);
	}
	return 0;
}

/* [@gpa, @gpa + @len) is guest RAM, possibly over adjacent regions. */
static bool guest_ram(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	while (len) {
		uint64_t n = guest_span(m, gpa);

		if (!n)
			return false;
		if (n >= len)
			return true;
		gpa += n;
		len -= n;
	}
	return true;
}

static bool uses_src(uint32_t ctrl)
{
	return (ctrl & MOCK_ACCEL_DMA_CTRL_OP_MASK) != MOCK_ACCEL_DMA_OP_FILL;
}

static bool uses_dst(uint32_t ctrl)
{
	return (ctrl & MOCK_ACCEL_DMA_CTRL_OP_MASK) != MOCK_ACCEL_DMA_OP_CHECKSUM;
}

static bool src_dev(uint32_t ctrl)
{
	return ctrl & MOCK_ACCEL_DMA_CTRL_SRC_DEV;
}

static bool dst_dev(uint32_t ctrl)
{
	return ctrl & MOCK_ACCEL_DMA_CTRL_DST_DEV;
}

static bool uses_guest(uint32_t ctrl)
{
	return (uses_src(ctrl) && !src_dev(ctrl)) || (uses_dst(ctrl) && !dst_dev(ctrl));
}

static bool dev_range_bad(uint64_t off, uint64_t len, uint64_t size)
{
	return off > size || len > size - off;
}

uint32_t mock_accel_dma__check(const struct mock_accel_op *op, const struct gmem *mem,
			       uint64_t memory_size, bool bme)
{
	uint32_t ctrl = op->ctrl, code = ctrl & MOCK_ACCEL_DMA_CTRL_OP_MASK;
	bool us = uses_src(ctrl), ud = uses_dst(ctrl), sd = src_dev(ctrl), dd = dst_dev(ctrl);
	uint64_t len = op->len;

	if (code < MOCK_ACCEL_DMA_OP_COPY || code > MOCK_ACCEL_DMA_OP_CHECKSUM ||
	    (ctrl & ~MOCK_ACCEL_DMA_CTRL_VALID_MASK))
		return MOCK_ACCEL_DMA_ERR_BAD_OP;
	if ((ctrl & MOCK_ACCEL_DMA_CTRL_IRQ) && op->vector >= MOCK_ACCEL_MSIX_VECTORS)
		return MOCK_ACCEL_DMA_ERR_BAD_VECTOR;
	if (!len)
		return MOCK_ACCEL_DMA_ERR_BAD_LEN;
	if ((us && op->src + (len - 1) < op->src) || (ud && op->dst + (len - 1) < op->dst))
		return MOCK_ACCEL_DMA_ERR_OVERFLOW;
	if ((us && !sd && !guest_ram(mem, op->src, len)) ||
	    (ud && !dd && !guest_ram(mem, op->dst, len)))
		return MOCK_ACCEL_DMA_ERR_BAD_ADDR;
	if ((us && sd && dev_range_bad(op->src, len, memory_size)) ||
	    (ud && dd && dev_range_bad(op->dst, len, memory_size)))
		return MOCK_ACCEL_DMA_ERR_DEV_RANGE;
	/* Both ranges are inside RAM or device memory here: no sum wraps. */
	if (code == MOCK_ACCEL_DMA_OP_COPY && sd == dd &&
	    op->src < op->dst + len && op->dst < op->src + len)
		return MOCK_ACCEL_DMA_ERR_OVERLAP;
	if (uses_guest(ctrl) && !bme)
		return MOCK_ACCEL_DMA_ERR_NO_BUSMASTER;
	return MOCK_ACCEL_DMA_ERR_NONE;
}

/* ------------------------------------------------------------ execution */

/* Host pointer for @addr of one side, *@n shrunk to what is contiguous
 * there; NULL only if the checks were wrong (never trusted blindly). */
static uint8_t *side_ptr(struct mock_accel_fn *fn, bool dev, uint64_t addr, uint64_t *n)
{
	const struct gmem *mem = fn->dev->mem;

	if (dev)
		return dev_range_bad(addr, *n, MIN(fn->memory_size, fn->mem_len)) ? NULL :
		       fn->mem + addr;
	*n = MIN(*n, guest_span(mem, addr));
	return *n ? gmem__ptr(mem, addr, *n) : NULL;
}

static void fill(uint8_t *p, uint64_t n, uint32_t pattern, uint64_t pos)
{
	uint8_t block[FILL_BLOCK];
	unsigned i;

	/* FILL_BLOCK is a multiple of 4: every block starts in phase. */
	for (i = 0; i < FILL_BLOCK; i++)
		block[i] = mock_accel_fill_byte(pattern, pos + i);
	while (n) {
		uint64_t k = MIN(n, (uint64_t)FILL_BLOCK);

		memcpy(p, block, k);
		p += k;
		n -= k;
	}
}

/* End the running operation with @err (0: DONE) and report it. */
static void finish(struct mock_accel_fn *fn, uint32_t err, bool started)
{
	struct mock_accel_op *op = &fn->op;
	uint32_t code = op->ctrl & MOCK_ACCEL_DMA_CTRL_OP_MASK;
	bool irq = false;

	fn->running = false;
	pthread_mutex_lock(&fn->lock);
	if (atomic_load(&fn->epoch) == op->epoch) {
		fn->dma.status = err ? STATUS_OF(ERROR, err) : STATUS_OF(DONE, 0);
		if (op->dropped)
			fn->dma.status |= MOCK_ACCEL_DMA_STATUS_DROPPED;
		/* CHECKSUM: the hash (so far, when aborted); COPY/FILL: bytes
		 * done. A refused operation did nothing: 0. */
		if (!started)
			fn->dma.result = 0;
		else
			fn->dma.result = code == MOCK_ACCEL_DMA_OP_CHECKSUM ? op->hash : op->done;
		fn->dma.seq++;
		irq = (op->ctrl & MOCK_ACCEL_DMA_CTRL_IRQ) && op->vector < MOCK_ACCEL_MSIX_VECTORS;
	}
	pthread_mutex_unlock(&fn->lock);
	/* After DMA_SEQ moved: a driver woken by the vector sees it. A
	 * disabled or masked vector is MSI-X's business (drop / pending). */
	if (irq)
		msix__notify(&fn->msix, op->vector);
}

/* Take a rung doorbell: start an operation, or mark the running one. */
bool mock_accel_dma__pickup(struct mock_accel_fn *fn)
{
	struct mock_accel_op *op = &fn->op;
	eventfd_t count;
	uint32_t err;

	if (eventfd_read(fn->doorbell, &count) < 0 || !count)
		return false;
	if (!atomic_load(&fn->present))
		return false;
	if (fn->running) {
		/* Doorbells are not queued (mock_accel_regs.h). */
		op->dropped = true;
		pthread_mutex_lock(&fn->lock);
		if (atomic_load(&fn->epoch) == op->epoch)
			fn->dma.status |= MOCK_ACCEL_DMA_STATUS_DROPPED;
		pthread_mutex_unlock(&fn->lock);
		return false;
	}
	pthread_mutex_lock(&fn->lock);
	*op = (struct mock_accel_op){
		.ctrl = fn->dma.ctrl, .pattern = fn->dma.pattern, .vector = fn->dma.vector,
		.src = fn->dma.src, .dst = fn->dma.dst, .len = fn->dma.len,
		.hash = fn->dma.ctrl & MOCK_ACCEL_DMA_CTRL_CSUM_CONTINUE ? fn->dma.result :
			MOCK_ACCEL_FNV1A64_BASIS,
		.epoch = atomic_load(&fn->epoch),
		/* Several doorbells before we looked: one runs, the rest drop. */
		.dropped = count > 1,
	};
	fn->dma.status = STATUS_OF(BUSY, 0) | (op->dropped ? MOCK_ACCEL_DMA_STATUS_DROPPED : 0);
	atomic_store(&fn->abort_req, false);
	pthread_mutex_unlock(&fn->lock);

	fn->running = true;
	err = mock_accel_dma__check(op, fn->dev->mem, fn->memory_size, atomic_load(&fn->bme));
	if (err)
		finish(fn, err, false);
	return true;
}

/* Move one piece of the running operation. */
void mock_accel_dma__step(struct mock_accel_fn *fn)
{
	struct mock_accel_op *op = &fn->op;
	uint32_t code = op->ctrl & MOCK_ACCEL_DMA_CTRL_OP_MASK;
	uint64_t n = MIN(DMA_PIECE, op->len - op->done);
	uint8_t *s = NULL, *d = NULL;

	if (atomic_load(&fn->epoch) != op->epoch) {	/* reset: forget it */
		fn->running = false;
		return;
	}
	if (atomic_load(&fn->abort_req) || (uses_guest(op->ctrl) && !atomic_load(&fn->bme))) {
		finish(fn, MOCK_ACCEL_DMA_ERR_ABORTED, true);
		return;
	}
	if (uses_src(op->ctrl))
		s = side_ptr(fn, src_dev(op->ctrl), op->src + op->done, &n);
	if (uses_dst(op->ctrl))
		d = side_ptr(fn, dst_dev(op->ctrl), op->dst + op->done, &n);
	if ((uses_src(op->ctrl) && !s) || (uses_dst(op->ctrl) && !d)) {
		finish(fn, MOCK_ACCEL_DMA_ERR_BAD_ADDR, true);
		return;
	}
	switch (code) {
	case MOCK_ACCEL_DMA_OP_COPY:
		memmove(d, s, n);	/* never overlapping (checked); memmove costs nothing */
		break;
	case MOCK_ACCEL_DMA_OP_FILL:
		fill(d, n, op->pattern, op->done);
		break;
	default:
		op->hash = mock_accel_fnv1a64(op->hash, s, n);
		break;
	}
	op->done += n;
	if (op->done == op->len)
		finish(fn, MOCK_ACCEL_DMA_ERR_NONE, true);
}

static unsigned nr_funcs(const struct mock_accel *d)
{
	return 1 + d->total_vfs;
}

int mock_accel__dma_poll(struct mock_accel *d)
{
	unsigned i, ops = 0;
	bool again = true;

	while (again) {
		again = false;
		for (i = 0; i < nr_funcs(d); i++) {
			struct mock_accel_fn *fn = mock_accel__fn(d, (int)i - 1);

			if (mock_accel_dma__pickup(fn)) {
				ops++;
				again = true;
			}
			while (fn->running)
				mock_accel_dma__step(fn);
		}
	}
	return ops;
}

/* --------------------------------------------------------------- worker */

struct worker_start {
	struct mock_accel *d;
	sem_t ready;
};

static void *worker(void *arg)
{
	struct worker_start *ws = arg;
	struct mock_accel *d = ws->d;
	struct epoll_event ev[MOCK_ACCEL_NR_FUNCS + 1];
	unsigned i;
	int n, k;

	atomic_store(&d->worker_tid, (int)syscall(SYS_gettid));
	sem_post(&ws->ready);	/* @ws is gone after this */
	if (sandbox__enter(SANDBOX_DEVICE, d->sandbox) < 0) {
		pr_err("%s: DMA worker: cannot install the seccomp filter", d->name);
		return NULL;
	}
	for (;;) {
		bool busy = false;

		for (i = 0; i < nr_funcs(d); i++)
			busy |= mock_accel__fn(d, (int)i - 1)->running;
		/* Busy: only a look at new doorbells between pieces. */
		n = epoll_wait(d->epoll_fd, ev, ARRAY_SIZE(ev), busy ? 0 : -1);
		for (k = 0; k < n; k++) {
			if (!ev[k].data.ptr)
				return NULL;	/* mock_accel_dma__stop */
			mock_accel_dma__pickup(ev[k].data.ptr);
		}
		for (i = 0; i < nr_funcs(d); i++) {
			struct mock_accel_fn *fn = mock_accel__fn(d, (int)i - 1);

			if (fn->running)
				mock_accel_dma__step(fn);
		}
	}
}

int mock_accel_dma__start(struct mock_accel *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct worker_start ws = { .d = d };
	char name[16], cpus[64];
	pthread_attr_t attr;
	unsigned i;
	int ret;

	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	d->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (d->epoll_fd < 0 || d->stop_fd < 0)
		return -errno;
	ev.data.ptr = NULL;
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->stop_fd, &ev) < 0)
		return -errno;
	for (i = 0; i < nr_funcs(d); i++) {
		ev.data.ptr = mock_accel__fn(d, (int)i - 1);
		if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, mock_accel__fn(d, (int)i - 1)->doorbell,
			      &ev) < 0)
			return -errno;
	}
	ret = -sem_init(&ws.ready, 0, 0);
	if (ret)
		return ret;
	ret = -pthread_attr_init(&attr);
	if (ret)
		goto out_sem;
	/* Created on its host node's CPUs: not one byte is moved elsewhere. */
	ret = numa_pin__attr(&attr, &d->worker_cpus);
	if (!ret)
		ret = -pthread_create(&d->worker, &attr, worker, &ws);
	pthread_attr_destroy(&attr);
	if (ret) {
		pr_err("mock-accel %s: cannot start its DMA worker on CPUs %s: %s", d->name,
		       idset__format(&d->worker_cpus, cpus, sizeof(cpus)), strerror(-ret));
		goto out_sem;
	}
	d->has_worker = true;
	snprintf(name, sizeof(name), "accel-%.9s", d->name);	/* 15 chars max */
	pthread_setname_np(d->worker, name);
	while (sem_wait(&ws.ready) < 0 && errno == EINTR)
		;
out_sem:
	sem_destroy(&ws.ready);
	return ret;
}

void mock_accel_dma__stop(struct mock_accel *d)
{
	if (d->has_worker) {
		eventfd_write(d->stop_fd, 1);
		pthread_join(d->worker, NULL);
		d->has_worker = false;
	}
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	d->epoll_fd = d->stop_fd = -1;
}

int mock_accel__worker_tid(const struct mock_accel *d)
{
	return d->has_worker ? atomic_load(&d->worker_tid) : 0;
}
