/*
 * Split virtqueue, device side (see virtqueue.h). The guest owns the ring
 * memory and may change it at any time, so every field is read once into a
 * local copy before it is checked and used.
 */
#include <errno.h>
#include <string.h>

#include "devices/virtio/virtqueue.h"
#include "vmm/util.h"

#define LOAD16(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE16(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

void vq__reset(struct virtqueue *vq)
{
	uint16_t size = vq->size;

	memset(vq, 0, sizeof(*vq));
	vq->size = size;
}

int vq__enable(struct virtqueue *vq, const struct gmem *mem, bool event_idx)
{
	uint64_t n = vq->size;

	if (!n || n > VQ_MAX_SIZE || (n & (n - 1)))
		return -EINVAL;
	/* Alignments of 2.7: descriptors 16, avail 2, used 4. */
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		return -EFAULT;
	vq->mem = mem;
	vq->desc = gmem__ptr(mem, vq->desc_gpa, 16 * n);
	/* flags, idx, ring[n], used_event */
	vq->avail = gmem__ptr(mem, vq->avail_gpa, 6 + 2 * n);
	/* flags, idx, ring[n] of 8 bytes, avail_event */
	vq->used = gmem__ptr(mem, vq->used_gpa, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return -EFAULT;
	}
	vq->event_idx = event_idx;
	vq->last_avail = vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->ready = true;
	return 0;
}

/* One buffer into the chain; -EFAULT for a bad one (the walk goes on so the
 * ring stays consistent, the request fails). */
static int add_buf(struct virtqueue *vq, struct vq_chain *c, const struct vring_desc *d,
		   bool *bad)
{
	bool wr = d->flags & VRING_DESC_F_WRITE;
	uint64_t gpa = d->addr, left = d->len, n;
	unsigned first = c->nr;
	void *p;

	c->last_in = false;
	if (!d->len || (!wr && c->nr > c->nr_out) || gpa + left < gpa) {
		*bad = true;
		return 0;
	}
	/* One iovec per RAM region the buffer touches (a buffer may cross
	 * from one guest node's RAM into the next). */
	for (; left; left -= n, gpa += n) {
		if (c->nr == c->max)
			return -EPROTO;	/* longer than anything the queue can hold */
		p = gmem__span(vq->mem, gpa, left, &n);
		if (!p) {
			c->nr = first;
			*bad = true;
			return 0;
		}
		c->iov[c->nr].iov_base = p;
		c->iov[c->nr++].iov_len = n;
	}
	c->last_in = wr;
	if (wr) {
		c->len_in += d->len;
	} else {
		c->nr_out += c->nr - first;
		c->len_out += d->len;
	}
	return 0;
}

static void read_desc(const volatile struct vring_desc *src, struct vring_desc *d)
{
	d->addr = src->addr;
	d->len = src->len;
	d->flags = src->flags;
	d->next = src->next;
}

/* An indirect table (2.7.5.3): no NEXT on the referring descriptor, a
 * length that is a whole number of descriptors, no nesting, every index in
 * the table, at most as many steps as entries. */
static int walk_indirect(struct virtqueue *vq, struct vq_chain *c, const struct vring_desc *ind,
			 bool *bad)
{
	const volatile struct vring_desc *tab;
	struct vring_desc d;
	unsigned n, i, steps;
	int ret;

	if ((ind->flags & VRING_DESC_F_NEXT) || !ind->len || ind->len % 16 ||
	    ind->len / 16 > VQ_MAX_INDIRECT)
		return -EPROTO;
	n = ind->len / 16;
	tab = gmem__ptr(vq->mem, ind->addr, ind->len);
	if (!tab)
		return -EPROTO;
	for (i = 0, steps = 0;; steps++) {
		if (steps == n)
			return -EPROTO;		/* a loop */
		read_desc(&tab[i], &d);
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EPROTO;
		ret = add_buf(vq, c, &d, bad);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= n)
			return -EPROTO;
		i = d.next;
	}
}

int vq__pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t avail_idx, head, i;
	struct vring_desc d;
	unsigned steps;
	bool bad = false;
	int ret;

	c->nr = c->nr_out = 0;
	c->len_out = c->len_in = 0;
	c->last_in = false;
	if (!vq->ready)
		return 0;
	avail_idx = LOAD16(&vq->avail->idx);
	if (avail_idx == vq->last_avail)
		return 0;
	/* The driver can be at most one ring ahead of us. */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return -EPROTO;
	head = LOAD16(&vq->avail->ring[vq->last_avail & (vq->size - 1)]);
	if (head >= vq->size)
		return -EPROTO;
	c->head = head;
	vq->last_avail++;
	for (i = head, steps = 0;; steps++) {
		if (steps == vq->size)
			return -EPROTO;		/* a loop, or longer than the queue */
		read_desc(&vq->desc[i], &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* An indirect table is the chain's only descriptor. */
			if (steps)
				return -EPROTO;
			ret = walk_indirect(vq, c, &d, &bad);
			if (ret)
				return ret;
			break;
		}
		ret = add_buf(vq, c, &d, &bad);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= vq->size)
			return -EPROTO;
		i = d.next;
	}
	return bad ? -EFAULT : 1;
}

void vq__fill(struct virtqueue *vq, unsigned i, uint16_t head, uint32_t len)
{
	volatile struct vring_used_elem *e =
		&vq->used->ring[(uint16_t)(vq->used_idx + i) & (vq->size - 1)];

	e->id = head;
	e->len = len;
}

void vq__flush(struct virtqueue *vq, unsigned n)
{
	vq->used_idx += n;
	/* The elements are visible before the index that publishes them. */
	STORE16(&vq->used->idx, vq->used_idx);
}

void vq__push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	vq__fill(vq, 0, head, len);
	vq__flush(vq, 1);
}

void vq__unpop(struct virtqueue *vq, unsigned n)
{
	vq->last_avail -= n;
}

bool vq__push_done(struct virtqueue *vq)
{
	uint16_t old = vq->signalled_used, now = vq->used_idx, event;
	bool valid = vq->signalled_valid;

	/* used->idx must be visible before we read the driver's wish (2.7.10). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(LOAD16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = now;
	vq->signalled_valid = true;
	event = LOAD16(&vq->avail->ring[vq->size]);	/* used_event */
	return !valid || vring_need_event(event, now, old);
}

bool vq__arm(struct virtqueue *vq)
{
	if (!vq->ready)
		return false;
	if (vq->event_idx)
		STORE16((uint16_t *)&vq->used->ring[vq->size], vq->last_avail);	/* avail_event */
	else
		STORE16(&vq->used->flags, 0);
	/* Publish before re-reading avail->idx, or a kick can be lost. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return LOAD16(&vq->avail->idx) != vq->last_avail;
}

bool vq__arm_more(struct virtqueue *vq)
{
	uint16_t seen;

	if (!vq->ready)
		return false;
	seen = LOAD16(&vq->avail->idx);
	if (vq->event_idx)
		STORE16((uint16_t *)&vq->used->ring[vq->size], seen);	/* avail_event */
	else
		STORE16(&vq->used->flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return LOAD16(&vq->avail->idx) != seen;
}

void vq__disarm(struct virtqueue *vq)
{
	if (vq->ready && !vq->event_idx)
		STORE16(&vq->used->flags, VRING_USED_F_NO_NOTIFY);
}

unsigned vq__iov_slice(const struct iovec *iov, unsigned nr, uint64_t skip, uint64_t len,
		       struct iovec *out, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < nr && len && n < max; i++) {
		uint64_t l;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		l = MIN(iov[i].iov_len - skip, len);
		out[n].iov_base = (char *)iov[i].iov_base + skip;
		out[n++].iov_len = l;
		len -= l;
		skip = 0;
	}
	return n;
}

/* Copy between an iovec list (from @skip bytes in) and @buf. */
static uint64_t iov_copy(const struct iovec *iov, unsigned nr, uint64_t skip, void *buf,
			 uint64_t len, bool to_iov)
{
	uint64_t done = 0, n;
	unsigned i;

	for (i = 0; i < nr && done < len; i++) {
		char *p = iov[i].iov_base;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		n = MIN(iov[i].iov_len - skip, len - done);
		if (to_iov)
			memcpy(p + skip, (char *)buf + done, n);
		else
			memcpy((char *)buf + done, p + skip, n);
		done += n;
		skip = 0;
	}
	return done;
}

uint64_t vq__iov_read(const struct iovec *iov, unsigned nr, uint64_t skip, void *dst,
		      uint64_t len)
{
	return iov_copy(iov, nr, skip, dst, len, false);
}

uint64_t vq__iov_write(const struct iovec *iov, unsigned nr, uint64_t skip, const void *src,
		       uint64_t len)
{
	return iov_copy(iov, nr, skip, (void *)src, len, true);
}
