/*
 * virtio-blk: device configuration, request parsing and the per-queue I/O
 * threads on io_uring (see blk.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "devices/virtio/blk.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"

#define HDR_LEN		16	/* struct virtio_blk_outhdr */
#define DWZ_LEN		16	/* struct virtio_blk_discard_write_zeroes */
#define TAG_KICK	1ULL	/* io_uring user_data of the kick poll */
#define TAG_STOP	2ULL
#define CLASS_STORAGE_SCSI	0x010000	/* what QEMU's virtio-blk-pci reports */
#define MAX_DWZ_SECTORS	(1u << 22)	/* 2 GiB per discard / write-zeroes */

/* One request in flight: what its completion needs. */
struct blk_req {
	uint16_t head;
	uint8_t *status;		/* the chain's last writable byte */
	uint32_t type;
	uint64_t sector, len;		/* data bytes */
	unsigned pending;		/* SQEs not yet completed */
	int res;			/* first error, 0 if none */
	bool zero_fallback;		/* ZERO_RANGE unsupported: zero by hand */
	unsigned nseg;			/* discard / write-zeroes ranges */
	uint64_t seg_sector[VIRTIO_BLK_MAX_DWZ_SEG];
	uint32_t seg_n[VIRTIO_BLK_MAX_DWZ_SEG];
	unsigned nr;
	struct iovec iov[];		/* data buffers */
};

/* The queue's io_uring state, owned by its thread (or by virtio_blk__poll). */
struct blk_ring {
	struct io_uring ring;
	struct iovec *chain;		/* scratch for vq__pop */
	unsigned inflight;		/* requests */
	unsigned completed;		/* pushed since the last publish */
	bool broken;			/* -EPROTO seen: stop until reset */
};

static struct virtqueue *vq_of(struct virtio_blk_queue *bq)
{
	return &bq->blk->vp.q[bq->idx].vq;
}

/* ------------------------------------------------------------ completion */

static void complete(struct virtio_blk_queue *bq, struct blk_ring *r, uint16_t head,
		     uint8_t *status, uint8_t st, uint32_t written)
{
	if (status)
		*(volatile uint8_t *)status = st;
	if (st == VIRTIO_BLK_S_IOERR)
		atomic_fetch_add(&bq->stats.ioerr, 1);
	else if (st == VIRTIO_BLK_S_UNSUPP)
		atomic_fetch_add(&bq->stats.unsupp, 1);
	atomic_fetch_add(&bq->stats.requests, 1);
	vq__push(vq_of(bq), head, written + (status ? 1 : 0));
	r->completed++;
}

/* Write-zeroes where fallocate(ZERO_RANGE) is not supported (tmpfs, some
 * block devices): punch a hole (reads zeroes in a regular file), else write
 * zeroes. Synchronous: rare, and only on such backends. */
static int zero_sync(struct disk *d, const struct blk_req *q)
{
	static const uint8_t zero[64 << 10];
	int fd = disk__write_fd(d);
	unsigned i;

	for (i = 0; i < q->nseg; i++) {
		uint64_t off = q->seg_sector[i] * DISK_SECTOR, len = q->seg_n[i] * DISK_SECTOR;

		if (!d->blockdev &&
		    !fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len))
			continue;
		while (len) {
			ssize_t n = pwrite(fd, zero, MIN(len, sizeof(zero)), off);

			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			off += n;
			len -= n;
		}
	}
	return 0;
}

/* A request's I/O is done: its status, the used entry, free it. */
static void req_done(struct virtio_blk_queue *bq, struct blk_ring *r, struct blk_req *q)
{
	struct disk *d = &bq->blk->disk;
	uint8_t st;
	unsigned i;

	if (q->zero_fallback && !q->res)
		q->res = zero_sync(d, q);
	st = q->res ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;

	/* A snapshot reads these sectors from the overlay from now on. */
	if (!q->res && q->type == VIRTIO_BLK_T_OUT)
		disk__mark(d, q->sector, q->len / DISK_SECTOR);
	for (i = 0; !q->res && i < q->nseg; i++)
		disk__mark(d, q->seg_sector[i], q->seg_n[i]);
	complete(bq, r, q->head, q->status, st,
		 q->type == VIRTIO_BLK_T_IN && !q->res ? (uint32_t)q->len : 0);
	r->inflight--;
	free(q);
}

/* The rest of a short read or write, synchronously. */
static int finish_rw(struct blk_req *q, int fd, uint64_t done)
{
	struct iovec tmp[VQ_MAX_INDIRECT];
	unsigned k;
	ssize_t n;

	while (done < q->len) {
		k = vq__iov_slice(q->iov, q->nr, done, q->len - done, tmp, ARRAY_SIZE(tmp));
		n = q->type == VIRTIO_BLK_T_IN ?
		    preadv(fd, tmp, k, q->sector * DISK_SECTOR + done) :
		    pwritev(fd, tmp, k, q->sector * DISK_SECTOR + done);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

static void handle_cqe(struct virtio_blk_queue *bq, struct blk_ring *r, struct io_uring_cqe *cqe)
{
	struct blk_req *q = io_uring_cqe_get_data(cqe);
	struct disk *d = &bq->blk->disk;
	int res = cqe->res;

	if ((q->type == VIRTIO_BLK_T_IN || q->type == VIRTIO_BLK_T_OUT) && res >= 0 &&
	    (uint64_t)res < q->len)
		res = finish_rw(q, q->type == VIRTIO_BLK_T_IN ?
				   disk__read_fd(d, q->sector, q->len / DISK_SECTOR) :
				   disk__write_fd(d), res);
	/* A discard is a hint: a backend without hole punching ignores it. */
	if (q->type == VIRTIO_BLK_T_DISCARD && (res == -EOPNOTSUPP || res == -EINVAL))
		res = 0;
	if (q->type == VIRTIO_BLK_T_WRITE_ZEROES && (res == -EOPNOTSUPP || res == -EINVAL)) {
		q->zero_fallback = true;
		res = 0;
	}
	if (res < 0 && !q->res)
		q->res = res;
	if (!--q->pending)
		req_done(bq, r, q);
}

/* --------------------------------------------------------------- submit */

static struct io_uring_sqe *get_sqe(struct blk_ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {		/* the SQ is full: hand it to the kernel */
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	return sqe;
}

/* Discard / write-zeroes segments: one fallocate each. */
static int submit_dwz(struct virtio_blk_queue *bq, struct blk_ring *r, struct blk_req *q,
		      const struct vq_chain *c)
{
	struct disk *d = &bq->blk->disk;
	uint64_t nseg = (c->len_out - HDR_LEN) / DWZ_LEN, i;
	struct virtio_blk_discard_write_zeroes seg[VIRTIO_BLK_MAX_DWZ_SEG];

	if ((c->len_out - HDR_LEN) % DWZ_LEN || !nseg || nseg > VIRTIO_BLK_MAX_DWZ_SEG)
		return VIRTIO_BLK_S_IOERR;
	vq__iov_read(c->iov, c->nr_out, HDR_LEN, seg, nseg * DWZ_LEN);
	for (i = 0; i < nseg; i++) {
		uint64_t s = seg[i].sector, n = seg[i].num_sectors;
		uint32_t fl = seg[i].flags;

		/* Only write-zeroes knows a flag (unmap); discard knows none. */
		if (fl & ~(q->type == VIRTIO_BLK_T_WRITE_ZEROES ?
			   VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0u))
			return VIRTIO_BLK_S_UNSUPP;
		if (!n || n > MAX_DWZ_SECTORS || s >= d->sectors || n > d->sectors - s)
			return VIRTIO_BLK_S_IOERR;
		q->seg_sector[i] = s;
		q->seg_n[i] = n;
	}
	q->nseg = nseg;
	for (i = 0; i < nseg; i++) {
		struct io_uring_sqe *sqe = get_sqe(r);
		/* Zeroes must read back as zeroes; a discard may drop blocks. */
		int mode = q->type == VIRTIO_BLK_T_DISCARD ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE :
			   FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

		if (!sqe)
			return VIRTIO_BLK_S_IOERR;
		io_uring_prep_fallocate(sqe, disk__write_fd(d), mode, seg[i].sector * DISK_SECTOR,
					(uint64_t)seg[i].num_sectors * DISK_SECTOR);
		io_uring_sqe_set_data(sqe, q);
		q->pending++;
	}
	return -1;
}

/*
 * One popped chain: check it, then either complete it now (an error, GET_ID,
 * nothing to do) or submit its I/O. Layout (5.2.6): a 16-byte header the
 * device reads, data, and a status byte the device writes last.
 */
static void submit(struct virtio_blk_queue *bq, struct blk_ring *r, const struct vq_chain *c)
{
	struct virtio_blk *b = bq->blk;
	struct disk *d = &b->disk;
	struct virtio_blk_outhdr hdr;
	struct io_uring_sqe *sqe;
	uint8_t *status = NULL;
	struct blk_req *q;
	const struct iovec *last;
	unsigned i, n;
	uint64_t skip, len;
	int st = VIRTIO_BLK_S_IOERR, fd;

	if (c->len_in) {
		last = &c->iov[c->nr - 1];
		status = (uint8_t *)last->iov_base + last->iov_len - 1;
	}
	if (!status || c->len_out < HDR_LEN) {
		atomic_fetch_add(&bq->stats.bad_chain, 1);
		goto now;
	}
	vq__iov_read(c->iov, c->nr_out, 0, &hdr, HDR_LEN);
	q = calloc(1, sizeof(*q) + c->nr * sizeof(struct iovec));
	if (!q)
		goto now;
	q->head = c->head;
	q->status = status;
	q->type = hdr.type;
	q->sector = hdr.sector;
	/* An unknown type is UNSUPP whatever its data looks like (5.2.6.1). */
	if (q->type != VIRTIO_BLK_T_IN && q->type != VIRTIO_BLK_T_OUT &&
	    q->type != VIRTIO_BLK_T_FLUSH && q->type != VIRTIO_BLK_T_GET_ID &&
	    q->type != VIRTIO_BLK_T_DISCARD && q->type != VIRTIO_BLK_T_WRITE_ZEROES) {
		st = VIRTIO_BLK_S_UNSUPP;
		goto done_now;
	}
	/* The data: readable after the header (OUT, DISCARD, WRITE_ZEROES) or
	 * writable before the status byte (IN, GET_ID). */
	if (q->type == VIRTIO_BLK_T_IN || q->type == VIRTIO_BLK_T_GET_ID) {
		if (c->len_out != HDR_LEN)
			goto bad;	/* readable data where the device must write */
		i = c->nr_out;
		n = c->nr;
		skip = 0;
		len = c->len_in - 1;
	} else {
		if (c->len_in != 1)
			goto bad;	/* writable data where the device must read */
		i = 0;
		n = c->nr_out;
		skip = HDR_LEN;
		len = c->len_out - HDR_LEN;
	}
	q->len = len;
	q->nr = vq__iov_slice(c->iov + i, n - i, skip, len, q->iov, c->nr);

	switch (q->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		if (q->type == VIRTIO_BLK_T_OUT && d->readonly)
			goto bad;
		if (q->len % DISK_SECTOR || q->sector > d->sectors ||
		    q->len / DISK_SECTOR > d->sectors - q->sector)
			goto bad;
		if (!q->len) {
			st = VIRTIO_BLK_S_OK;
			goto done_now;
		}
		if (q->type == VIRTIO_BLK_T_IN) {
			fd = disk__read_fd(d, q->sector, q->len / DISK_SECTOR);
			if (fd < 0) {	/* a snapshot read across base and overlay */
				int e = disk__read_split(d, q->iov, q->nr, q->sector,
							 q->len / DISK_SECTOR);

				free(q);
				complete(bq, r, c->head, status,
					 e ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, e ? 0 : c->len_in - 1);
				return;
			}
		} else {
			fd = disk__write_fd(d);
		}
		if (!(sqe = get_sqe(r)))
			goto bad;
		if (q->type == VIRTIO_BLK_T_IN)
			io_uring_prep_readv(sqe, fd, q->iov, q->nr, q->sector * DISK_SECTOR);
		else
			io_uring_prep_writev(sqe, fd, q->iov, q->nr, q->sector * DISK_SECTOR);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* A snapshot's writes vanish at exit: nothing to make durable. */
		if (d->snapshot || d->readonly) {
			st = VIRTIO_BLK_S_OK;
			goto done_now;
		}
		if (!(sqe = get_sqe(r)))
			goto bad;
		io_uring_prep_fsync(sqe, d->fd, IORING_FSYNC_DATASYNC);
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t w = MIN(q->len, (uint64_t)VIRTIO_BLK_ID_BYTES);

		vq__iov_write(q->iov, q->nr, 0, b->serial, w);
		free(q);
		complete(bq, r, c->head, status, VIRTIO_BLK_S_OK, w);
		return;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (d->readonly)
			goto bad;
		st = submit_dwz(bq, r, q, c);
		if (st >= 0)
			goto done_now;
		io_uring_submit(&r->ring);
		r->inflight++;
		return;
	default:	/* not reached: unknown types were answered UNSUPP above */
		goto bad;
	}
	io_uring_sqe_set_data(sqe, q);
	q->pending = 1;
	r->inflight++;
	return;
bad:
	st = VIRTIO_BLK_S_IOERR;
done_now:
	if (q->pending) {	/* some segments already queued: let them finish */
		q->res = -EIO;
		r->inflight++;
		return;
	}
	free(q);
now:
	complete(bq, r, c->head, status, st, 0);
}

/* Pop and submit everything available. */
static void process(struct virtio_blk_queue *bq, struct blk_ring *r)
{
	struct virtqueue *vq = vq_of(bq);
	struct vq_chain c = { .iov = r->chain, .max = VQ_MAX_INDIRECT };
	int ret;

	/* Without Bus Master Enable the device leaves guest memory alone;
	 * setting it again kicks the queue. */
	if (r->broken || !virtio_pci__bus_master(&bq->blk->vp))
		return;
	do {
		vq__disarm(vq);
		while ((ret = vq__pop(vq, &c)) != 0) {
			if (ret == -EPROTO) {
				r->broken = true;
				virtio_pci__needs_reset(&bq->blk->vp, "the driver broke a virtqueue");
				return;
			}
			if (ret == -EFAULT) {	/* bad buffers: fail it, status if we can */
				uint8_t *st = c.last_in ? (uint8_t *)c.iov[c.nr - 1].iov_base +
							  c.iov[c.nr - 1].iov_len - 1 : NULL;

				atomic_fetch_add(&bq->stats.bad_chain, 1);
				complete(bq, r, c.head, st, VIRTIO_BLK_S_IOERR, 0);
				continue;
			}
			submit(bq, r, &c);
		}
	} while (vq__arm(vq));
	io_uring_submit(&r->ring);
}

static void reap(struct virtio_blk_queue *bq, struct blk_ring *r, bool *kick, bool *stop)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&r->ring, head, cqe) {
		n++;
		if (cqe->user_data == TAG_KICK)
			*kick = true;
		else if (cqe->user_data == TAG_STOP)
			*stop = true;
		else
			handle_cqe(bq, r, cqe);
	}
	io_uring_cq_advance(&r->ring, n);
}

/* One interrupt per batch, if the driver wants it. */
static void publish(struct virtio_blk_queue *bq, struct blk_ring *r)
{
	if (!r->completed)
		return;
	r->completed = 0;
	if (vq__push_done(vq_of(bq)))
		virtio_pci__signal_queue(&bq->blk->vp, bq->idx);
}

static int ring_init(struct blk_ring *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->chain = calloc(VQ_MAX_INDIRECT, sizeof(*r->chain));
	if (!r->chain)
		return -ENOMEM;
	ret = io_uring_queue_init(2 * VIRTIO_BLK_QUEUE_SIZE, &r->ring, 0);
	if (ret < 0)
		free(r->chain);
	return ret;
}

/* Wait for every request in flight (reset, teardown): their buffers are
 * the guest's until then. */
static void drain(struct virtio_blk_queue *bq, struct blk_ring *r)
{
	bool kick = false, stop = false;

	while (r->inflight) {
		io_uring_submit_and_wait(&r->ring, 1);
		reap(bq, r, &kick, &stop);
	}
}

static void ring_exit(struct blk_ring *r)
{
	io_uring_queue_exit(&r->ring);
	free(r->chain);
}

static void arm_poll(struct blk_ring *r, int fd, uint64_t tag)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (sqe) {
		io_uring_prep_poll_add(sqe, fd, POLLIN);
		io_uring_sqe_set_data64(sqe, tag);
	}
}

static void *io_thread(void *arg)
{
	struct virtio_blk_queue *bq = arg;
	struct virtio_blk *b = bq->blk;
	int kick_fd = b->vp.q[bq->idx].kick_fd;
	struct blk_ring r;
	eventfd_t v;
	char name[16];

	atomic_store(&bq->tid, (int)syscall(SYS_gettid));
	/* "blk-NAME.Q", cut to the kernel's 15 characters. */
	snprintf(name, sizeof(name), "blk-%.6s.%u", b->name, bq->idx);
	pthread_setname_np(pthread_self(), name);
	if (sandbox__enter(SANDBOX_DEVICE, b->sandbox) < 0) {
		virtio_pci__needs_reset(&b->vp, "cannot install the seccomp filter");
		return NULL;
	}
	if (ring_init(&r) < 0) {
		virtio_pci__needs_reset(&b->vp, "cannot set up an io_uring for a queue");
		return NULL;
	}
	arm_poll(&r, kick_fd, TAG_KICK);
	arm_poll(&r, bq->stop_fd, TAG_STOP);
	/* Requests may be waiting since before DRIVER_OK. */
	process(bq, &r);
	publish(bq, &r);
	for (;;) {
		bool kick = false, stop = false;

		io_uring_submit_and_wait(&r.ring, 1);
		reap(bq, &r, &kick, &stop);
		if (stop)
			break;
		if (kick) {
			(void)!eventfd_read(kick_fd, &v);
			arm_poll(&r, kick_fd, TAG_KICK);
			process(bq, &r);
		}
		publish(bq, &r);
	}
	drain(bq, &r);
	ring_exit(&r);
	atomic_store(&bq->tid, 0);
	return NULL;
}

/* ----------------------------------------------------- transport hooks */

static void blk_stop(struct virtio_pci *vp)
{
	struct virtio_blk *b = vp->opaque;
	unsigned i;

	for (i = 0; i < b->nr_queues; i++) {
		if (!b->q[i].running)
			continue;
		(void)!eventfd_write(b->q[i].stop_fd, 1);
		pthread_join(b->q[i].thread, NULL);
		b->q[i].running = false;
		(void)!eventfd_read(b->q[i].stop_fd, &(eventfd_t){ 0 });
	}
}

static int blk_start(struct virtio_pci *vp)
{
	struct virtio_blk *b = vp->opaque;
	cpu_set_t set;
	pthread_attr_t attr;
	unsigned i;
	int ret = 0;

	if (b->no_threads)	/* the test serves the queues (virtio_blk__poll) */
		return 0;
	pthread_attr_init(&attr);
	if (!idset__empty(&b->io_cpus)) {
		CPU_ZERO(&set);
		idset__for_each(c, &b->io_cpus)
			if (c < CPU_SETSIZE)
				CPU_SET(c, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	for (i = 0; i < b->nr_queues && !ret; i++) {
		if (!vp->q[i].vq.ready)
			continue;
		ret = -pthread_create(&b->q[i].thread, &attr, io_thread, &b->q[i]);
		if (!ret)
			b->q[i].running = true;
	}
	pthread_attr_destroy(&attr);
	if (ret)
		blk_stop(vp);
	return ret;
}

static const struct virtio_pci_ops blk_ops = {
	.start = blk_start,
	.stop = blk_stop,
};

/* --------------------------------------------------------------- public */

int virtio_blk__poll(struct virtio_blk *b, unsigned qi)
{
	struct virtio_blk_queue *bq;
	struct blk_ring r;
	unsigned long before;
	int ret;

	if (qi >= b->nr_queues)
		return -EINVAL;
	bq = &b->q[qi];
	before = atomic_load(&bq->stats.requests);
	ret = ring_init(&r);
	if (ret)
		return ret;
	process(bq, &r);
	drain(bq, &r);
	publish(bq, &r);
	ret = r.broken ? -EPROTO : (int)(atomic_load(&bq->stats.requests) - before);
	ring_exit(&r);
	return ret;
}

int virtio_blk__io_tid(const struct virtio_blk *b, unsigned q)
{
	return q < b->nr_queues ? atomic_load(&b->q[q].tid) : 0;
}

static void blk_config(struct virtio_blk *b)
{
	struct virtio_blk_config c = { 0 };
	uint32_t exp = 0;

	while ((DISK_SECTOR << (exp + 1)) <= b->disk.phys_block && exp < 15)
		exp++;
	c.capacity = b->disk.sectors;
	c.seg_max = VIRTIO_BLK_QUEUE_SIZE - 2;	/* header and status take two */
	c.blk_size = DISK_SECTOR;
	c.physical_block_exp = exp;
	c.min_io_size = 1;
	c.num_queues = b->nr_queues;
	c.max_discard_sectors = MAX_DWZ_SECTORS;
	c.max_discard_seg = VIRTIO_BLK_MAX_DWZ_SEG;
	c.discard_sector_alignment = b->disk.phys_block / DISK_SECTOR;
	c.max_write_zeroes_sectors = MAX_DWZ_SECTORS;
	c.max_write_zeroes_seg = VIRTIO_BLK_MAX_DWZ_SEG;
	c.write_zeroes_may_unmap = 0;
	memcpy(b->vp.devcfg, &c, sizeof(c));
}

int virtio_blk__init(struct virtio_blk *b, const struct virtio_blk_params *p, char *err,
		     size_t errlen)
{
	struct virtio_pci_params vpp = {
		.name = p->name, .device_type = VIRTIO_ID_BLOCK, .class_code = CLASS_STORAGE_SCSI,
		.nr_queues = p->queues, .queue_size = VIRTIO_BLK_QUEUE_SIZE,
		.devcfg_size = sizeof(struct virtio_blk_config), .ops = &blk_ops, .opaque = b,
		.send = p->send, .send_opaque = p->send_opaque, .mem = p->mem, .hooks = p->hooks,
		.irq = p->irq,
	};
	char why[256];
	unsigned i;
	int ret;

	memset(b, 0, sizeof(*b));
	b->disk.fd = b->disk.overlay_fd = -1;
	for (i = 0; i < VIRTIO_BLK_MAX_QUEUES; i++)
		b->q[i].stop_fd = -1;
	if (!p->name || !p->queues || p->queues > VIRTIO_BLK_MAX_QUEUES || !p->disk.path) {
		snprintf(err, errlen, "bad virtio-blk parameters");
		return -EINVAL;
	}
	snprintf(b->name, sizeof(b->name), "%s", p->name);
	/* GET_ID: up to 20 bytes, NUL-padded (not terminated when full). */
	memcpy(b->serial, p->serial ? p->serial : p->name,
	       MIN(strlen(p->serial ? p->serial : p->name), sizeof(b->serial)));
	b->nr_queues = p->queues;
	b->io_cpus = p->io_cpus;
	b->no_threads = p->no_threads;
	b->sandbox = p->sandbox;
	ret = disk__open(&b->disk, &p->disk, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "%s: %s", p->disk.path, why);
		return ret;
	}
	vpp.features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
		       1ULL << VIRTIO_BLK_F_TOPOLOGY | 1ULL << VIRTIO_BLK_F_FLUSH |
		       1ULL << VIRTIO_RING_F_EVENT_IDX | 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (b->nr_queues > 1)
		vpp.features |= 1ULL << VIRTIO_BLK_F_MQ;
	if (b->disk.readonly)
		vpp.features |= 1ULL << VIRTIO_BLK_F_RO;
	else
		vpp.features |= 1ULL << VIRTIO_BLK_F_DISCARD | 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	for (i = 0; i < b->nr_queues; i++) {
		b->q[i].blk = b;
		b->q[i].idx = i;
		b->q[i].stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (b->q[i].stop_fd < 0) {
			ret = -errno;
			goto err;
		}
	}
	ret = virtio_pci__init(&b->vp, &vpp);
	if (ret)
		goto err;
	blk_config(b);
	return 0;
err:
	snprintf(err, errlen, "%s: cannot build the device: %s", p->name, strerror(-ret));
	virtio_blk__destroy(b);
	return ret;
}

void virtio_blk__destroy(struct virtio_blk *b)
{
	unsigned i;

	virtio_pci__destroy(&b->vp);	/* stops the I/O threads */
	for (i = 0; i < VIRTIO_BLK_MAX_QUEUES; i++) {
		if (b->q[i].stop_fd >= 0)
			close(b->q[i].stop_fd);
		b->q[i].stop_fd = -1;
	}
	disk__close(&b->disk);
}
