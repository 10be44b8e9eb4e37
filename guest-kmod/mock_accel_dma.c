// SPDX-License-Identifier: GPL-2.0
/*
 * mock-accel: the DMA engine side of the guest driver. A character device
 * per function (/dev/mock-accelN, /dev/mock-accelN_vfM) with the ABI of
 * mock_accel_ioctl.h: a per-file DMA buffer (pages on a chosen node, mapped
 * for DMA and mmap()able), and copy / fill / checksum requests between that
 * buffer and device memory, completed by MSI-X or by polling DMA_SEQ.
 */
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "mock_accel.h"
#include "mock_accel_ioctl.h"

/* Largest physically contiguous chunk: 4 MiB, the buddy allocator's limit. */
#if defined(MAX_PAGE_ORDER)
#define MOCK_ACCEL_MAX_ORDER	min(10, MAX_PAGE_ORDER)
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define MOCK_ACCEL_MAX_ORDER	min(10, MAX_ORDER)
#else
#define MOCK_ACCEL_MAX_ORDER	min(10, MAX_ORDER - 1)
#endif

/* How long an abort may take before the engine counts as wedged. */
#define MOCK_ACCEL_ABORT_MS	1000
/* With MSI-X, DMA_SEQ is still re-read this often (a lost interrupt costs this). */
#define MOCK_ACCEL_IRQ_SLICE_MS	20

/* ---- DMA buffers ------------------------------------------------------------- */

struct mock_accel_chunk {
	struct page *page;
	unsigned int order;
	dma_addr_t bus;
	u64 off;		/* offset in the buffer */
	u64 len;		/* PAGE_SIZE << order */
};

struct mock_accel_dmabuf {
	struct kref ref;
	struct pci_dev *pdev;	/* mapped for it; holds a reference */
	u64 size;
	int node;		/* node of every page, or NUMA_NO_NODE if mixed */
	u64 max_chunk;
	unsigned int nr, cap;
	struct mock_accel_chunk *chunk;	/* sorted by off, contiguous */
};

static void mock_accel_dmabuf_release(struct kref *ref)
{
	struct mock_accel_dmabuf *buf = container_of(ref, struct mock_accel_dmabuf, ref);
	unsigned int i;

	for (i = 0; i < buf->nr; i++) {
		struct mock_accel_chunk *c = &buf->chunk[i];

		dma_unmap_page(&buf->pdev->dev, c->bus, c->len, DMA_BIDIRECTIONAL);
		__free_pages(c->page, c->order);
	}
	kvfree(buf->chunk);
	pci_dev_put(buf->pdev);
	kfree(buf);
}

void mock_accel_dmabuf_put(struct mock_accel_dmabuf *buf)
{
	kref_put(&buf->ref, mock_accel_dmabuf_release);
}

static int mock_accel_dmabuf_grow(struct mock_accel_dmabuf *buf)
{
	unsigned int cap = buf->cap ? buf->cap * 2 : 16;
	struct mock_accel_chunk *c;

	c = kvcalloc(cap, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	if (buf->nr)
		memcpy(c, buf->chunk, buf->nr * sizeof(*c));
	kvfree(buf->chunk);
	buf->chunk = c;
	buf->cap = cap;
	return 0;
}

/*
 * @size bytes (page multiple) in chunks of up to 4 MiB, each allocated on
 * @node (only there when @strict), zeroed and mapped for DMA.
 */
static struct mock_accel_dmabuf *mock_accel_dmabuf_alloc(struct pci_dev *pdev,
							 u64 size, int node,
							 bool strict)
{
	unsigned int max_order = MOCK_ACCEL_MAX_ORDER;
	struct mock_accel_dmabuf *buf;
	u64 pos = 0;
	unsigned int i;
	int ret;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	kref_init(&buf->ref);
	buf->pdev = pci_dev_get(pdev);

	while (pos < size) {
		unsigned int order = min_t(unsigned int, max_order,
					   ilog2((size - pos) >> PAGE_SHIFT));
		gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;
		struct mock_accel_chunk *c;
		struct page *page;
		dma_addr_t bus;

		if (order)
			gfp |= __GFP_NORETRY;
		if (strict)
			gfp |= __GFP_THISNODE;
		page = alloc_pages_node(node, gfp, order);
		if (!page) {
			if (!order) {
				ret = -ENOMEM;
				goto err;
			}
			max_order = order - 1;	/* fragmented: smaller chunks */
			continue;
		}
		bus = dma_map_page(&pdev->dev, page, 0, PAGE_SIZE << order,
				   DMA_BIDIRECTIONAL);
		if (dma_mapping_error(&pdev->dev, bus)) {
			__free_pages(page, order);
			ret = -ENOMEM;
			goto err;
		}
		if (buf->nr == buf->cap) {
			ret = mock_accel_dmabuf_grow(buf);
			if (ret) {
				dma_unmap_page(&pdev->dev, bus, PAGE_SIZE << order,
					       DMA_BIDIRECTIONAL);
				__free_pages(page, order);
				goto err;
			}
		}
		c = &buf->chunk[buf->nr++];
		c->page = page;
		c->order = order;
		c->bus = bus;
		c->off = pos;
		c->len = PAGE_SIZE << order;
		pos += c->len;
		buf->size = pos;
		buf->max_chunk = max(buf->max_chunk, c->len);
		cond_resched();
	}

	buf->node = page_to_nid(buf->chunk[0].page);
	for (i = 1; i < buf->nr; i++)
		if (page_to_nid(buf->chunk[i].page) != buf->node)
			buf->node = NUMA_NO_NODE;
	return buf;

err:
	mock_accel_dmabuf_put(buf);
	return ERR_PTR(ret);
}

/* The chunk holding buffer offset @off, or NULL. */
static const struct mock_accel_chunk *
mock_accel_dmabuf_find(const struct mock_accel_dmabuf *buf, u64 off)
{
	unsigned int lo = 0, hi = buf->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct mock_accel_chunk *c = &buf->chunk[mid];

		if (off < c->off)
			hi = mid;
		else if (off - c->off >= c->len)
			lo = mid + 1;
		else
			return c;
	}
	return NULL;
}

/* ---- per-file state ------------------------------------------------------------ */

struct mock_accel_file {
	struct mock_accel *m;
	struct mutex lock;		/* buf */
	struct mock_accel_dmabuf *buf;	/* set once, freed at release */
};

static struct mock_accel_dmabuf *mock_accel_file_buf(struct mock_accel_file *f)
{
	struct mock_accel_dmabuf *buf;

	mutex_lock(&f->lock);
	buf = f->buf;
	if (buf)
		kref_get(&buf->ref);
	mutex_unlock(&f->lock);
	return buf;
}

/* ---- the engine ------------------------------------------------------------------ */

/* One device operation, register values as the device sees them. */
struct mock_accel_hwop {
	u32 ctrl;		/* without CTRL_IRQ: added when waiting on MSI-X */
	u64 src, dst, len;
	u32 pattern;
	u32 vector;
	bool poll;
};

static irqreturn_t mock_accel_irq(int irq, void *data)
{
	struct mock_accel *m = data;

	complete(&m->dma_done);
	return IRQ_HANDLED;
}

int mock_accel_irq_setup(struct mock_accel *m)
{
	struct pci_dev *pdev = m->pdev;
	int ret, irq;

	if (!(m->caps & MOCK_ACCEL_CAP_DMA) || !(m->caps & MOCK_ACCEL_CAP_MSIX))
		return 0;
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_info(&pdev->dev, "%s: no MSI-X (%d), DMA completions are polled\n",
			 m->name, ret);
		return 0;
	}
	irq = pci_irq_vector(pdev, MOCK_ACCEL_MSIX_VEC_DMA);
	ret = request_irq(irq, mock_accel_irq, 0, m->name, m);
	if (ret) {
		pci_free_irq_vectors(pdev);
		dev_info(&pdev->dev, "%s: cannot request irq %d (%d), DMA completions are polled\n",
			 m->name, irq, ret);
		return 0;
	}
	m->irq = irq;
	return 0;
}

void mock_accel_irq_teardown(struct mock_accel *m)
{
	if (m->irq < 0)
		return;
	free_irq(m->irq, m);
	pci_free_irq_vectors(m->pdev);
	m->irq = -1;
}

/*
 * Wait for DMA_SEQ to leave @seq0: 0, -ETIMEDOUT after @deadline, or
 * -ENODEV when the device is being removed.
 */
static int mock_accel_hw_wait(struct mock_accel *m, u32 seq0, bool irq,
			      unsigned long deadline)
{
	unsigned int us = 5;

	for (;;) {
		if (readl(m->regs + MOCK_ACCEL_REG_DMA_SEQ) != seq0)
			return 0;
		if (READ_ONCE(m->removing))
			return -ENODEV;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		if (irq) {
			wait_for_completion_timeout(&m->dma_done,
						    msecs_to_jiffies(MOCK_ACCEL_IRQ_SLICE_MS));
		} else {
			usleep_range(us, 2 * us);
			us = min(2 * us, 1000u);
		}
	}
}

/*
 * The operation started at @seq0 did not finish in time (or the device is
 * going away): abort it, or mark the engine wedged.
 */
static void mock_accel_hw_abort(struct mock_accel *m, u32 seq0, int why)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(MOCK_ACCEL_ABORT_MS);

	writel(MOCK_ACCEL_DMA_ABORT_REQ, m->regs + MOCK_ACCEL_REG_DMA_ABORT);
	while (readl(m->regs + MOCK_ACCEL_REG_DMA_SEQ) == seq0) {
		if (time_after(jiffies, deadline)) {
			m->wedged = true;
			m->wedged_seq = seq0;
			dev_err(&m->pdev->dev, "%s: DMA operation did not stop after an abort; engine wedged\n",
				m->name);
			return;
		}
		usleep_range(100, 200);
	}
	if (why == -ETIMEDOUT)
		dev_warn(&m->pdev->dev, "%s: DMA operation timed out and was aborted\n",
			 m->name);
}

/*
 * Run one operation (dma_lock held): 0 when the device reports DONE, -EIO
 * for ERROR, -ETIMEDOUT if it did not finish by @deadline, -ENODEV if the
 * device is being removed meanwhile (the operation is aborted).
 */
static int mock_accel_hw_run(struct mock_accel *m, const struct mock_accel_hwop *op,
			     unsigned long deadline, u32 *status, u64 *result,
			     u64 *ns)
{
	void __iomem *r = m->regs;
	bool irq = !op->poll && m->irq >= 0;
	u32 seq0;
	u64 t0;
	int ret;

	writel(0, r + MOCK_ACCEL_REG_DMA_STATUS);	/* acknowledge the last one */
	lo_hi_writeq(op->src, r + MOCK_ACCEL_REG_DMA_SRC);
	lo_hi_writeq(op->dst, r + MOCK_ACCEL_REG_DMA_DST);
	lo_hi_writeq(op->len, r + MOCK_ACCEL_REG_DMA_LEN);
	writel(op->pattern, r + MOCK_ACCEL_REG_DMA_PATTERN);
	writel(op->vector, r + MOCK_ACCEL_REG_DMA_IRQ_VECTOR);
	writel(op->ctrl | (irq ? MOCK_ACCEL_DMA_CTRL_IRQ : 0),
	       r + MOCK_ACCEL_REG_DMA_CTRL);
	seq0 = readl(r + MOCK_ACCEL_REG_DMA_SEQ);
	reinit_completion(&m->dma_done);
	t0 = ktime_get_ns();
	writel(1, r + MOCK_ACCEL_REG_DMA_DOORBELL);
	ret = mock_accel_hw_wait(m, seq0, irq, deadline);
	*ns = ktime_get_ns() - t0;
	if (ret)
		mock_accel_hw_abort(m, seq0, ret);
	*status = readl(r + MOCK_ACCEL_REG_DMA_STATUS);
	*result = lo_hi_readq(r + MOCK_ACCEL_REG_DMA_RESULT);
	if (ret)
		return ret;
	return MOCK_ACCEL_DMA_STATE(*status) == MOCK_ACCEL_DMA_STATE_DONE ? 0 : -EIO;
}

/* A wedged engine is usable again once its operation has finished. */
static bool mock_accel_unwedge(struct mock_accel *m)
{
	if (!m->wedged)
		return true;
	if (readl(m->regs + MOCK_ACCEL_REG_DMA_SEQ) == m->wedged_seq)
		return false;
	m->wedged = false;
	if (m->stuck) {
		mock_accel_dmabuf_put(m->stuck);
		m->stuck = NULL;
	}
	dev_info(&m->pdev->dev, "%s: wedged DMA operation finished\n", m->name);
	return true;
}

static bool mock_accel_uses_src(u32 op)
{
	return op != MOCK_ACCEL_DMA_OP_FILL;
}

static bool mock_accel_uses_dst(u32 op)
{
	return op != MOCK_ACCEL_DMA_OP_CHECKSUM;
}

/* Driver-side validation of one side of a checked request. */
static int mock_accel_check_side(struct mock_accel *m,
				 const struct mock_accel_dmabuf *buf,
				 const struct mock_accel_addr *a, u64 len)
{
	u64 limit;

	switch (a->space) {
	case MOCK_ACCEL_IOC_SPACE_BUF:
		if (!buf)
			return -ENXIO;
		limit = buf->size;
		break;
	case MOCK_ACCEL_IOC_SPACE_DEV:
		limit = m->memory_size;
		break;
	default:
		return -EINVAL;
	}
	if (a->addr > limit || len > limit - a->addr)
		return -EINVAL;
	return 0;
}

/*
 * Hardware address of side @a at request offset @pos; shrinks *@n to what
 * is contiguous there and sets the CTRL space bit. *@c: the buffer chunk.
 */
static u64 mock_accel_resolve(const struct mock_accel_dmabuf *buf,
			      const struct mock_accel_addr *a, u64 pos, u64 *n,
			      u32 *ctrl, u32 dev_bit,
			      const struct mock_accel_chunk **c)
{
	u64 off = a->addr + pos;

	*c = NULL;
	if (a->space == MOCK_ACCEL_IOC_SPACE_DEV) {
		*ctrl |= dev_bit;
		return off;
	}
	if (a->space == MOCK_ACCEL_IOC_SPACE_GPA)
		return off;
	*c = mock_accel_dmabuf_find(buf, off);	/* checked: never NULL */
	*n = min(*n, (*c)->len - (off - (*c)->off));
	return (*c)->bus + (off - (*c)->off);
}

static void mock_accel_sync(struct mock_accel *m, const struct mock_accel_chunk *c,
			    u64 hw, u64 n, bool for_device)
{
	if (!c)
		return;
	n = min(n, c->len - (hw - c->bus));
	if (for_device)
		dma_sync_single_range_for_device(&m->pdev->dev, c->bus, hw - c->bus,
						 n, DMA_BIDIRECTIONAL);
	else
		dma_sync_single_range_for_cpu(&m->pdev->dev, c->bus, hw - c->bus,
					      n, DMA_BIDIRECTIONAL);
}

/* A checked request: validated here, split at chunk boundaries. */
static int mock_accel_dma_checked(struct mock_accel *m,
				  struct mock_accel_dmabuf *buf,
				  struct mock_accel_dma *req,
				  unsigned long deadline)
{
	bool src = mock_accel_uses_src(req->op), dst = mock_accel_uses_dst(req->op);
	u64 pos = 0, bytes = 0;
	int ret = 0;

	if (!req->len)
		return -EINVAL;
	if (src) {
		ret = mock_accel_check_side(m, buf, &req->src, req->len);
		if (ret)
			return ret;
	}
	if (dst) {
		ret = mock_accel_check_side(m, buf, &req->dst, req->len);
		if (ret)
			return ret;
	}
	if (src && dst && req->src.space == req->dst.space &&
	    req->src.addr < req->dst.addr + req->len &&
	    req->dst.addr < req->src.addr + req->len)
		return -EINVAL;		/* overlap: the device refuses it too */

	while (pos < req->len) {
		const struct mock_accel_chunk *sc = NULL, *dc = NULL;
		struct mock_accel_hwop op = {
			.ctrl = req->op,
			.len = req->len - pos,
			/* FILL's pattern is relative to the range start */
			.pattern = ror32(req->pattern, 8 * (pos % 4)),
			.vector = MOCK_ACCEL_MSIX_VEC_DMA,
			.poll = req->flags & MOCK_ACCEL_DMA_F_POLL,
		};
		u64 res, ns;

		if (src)
			op.src = mock_accel_resolve(buf, &req->src, pos, &op.len,
						    &op.ctrl, MOCK_ACCEL_DMA_CTRL_SRC_DEV, &sc);
		if (dst)
			op.dst = mock_accel_resolve(buf, &req->dst, pos, &op.len,
						    &op.ctrl, MOCK_ACCEL_DMA_CTRL_DST_DEV, &dc);
		if (req->op == MOCK_ACCEL_DMA_OP_CHECKSUM && pos)
			op.ctrl |= MOCK_ACCEL_DMA_CTRL_CSUM_CONTINUE;

		mock_accel_sync(m, sc, op.src, op.len, true);
		mock_accel_sync(m, dc, op.dst, op.len, true);
		ret = mock_accel_hw_run(m, &op, deadline, &req->dev_status, &res, &ns);
		mock_accel_sync(m, sc, op.src, op.len, false);
		mock_accel_sync(m, dc, op.dst, op.len, false);
		req->dev_ops++;
		req->elapsed_ns += ns;
		if (ret) {
			if (m->wedged && (sc || dc) && !m->stuck) {
				kref_get(&buf->ref);
				m->stuck = buf;
			}
			break;
		}
		if (req->op == MOCK_ACCEL_DMA_OP_CHECKSUM)
			req->result = res;
		else
			bytes += res;
		pos += op.len;
	}
	if (req->op != MOCK_ACCEL_DMA_OP_CHECKSUM)
		req->result = bytes;
	return ret;
}

/* A raw request: one device operation with the values as given. */
static int mock_accel_dma_raw(struct mock_accel *m, struct mock_accel_dmabuf *buf,
			      struct mock_accel_dma *req, unsigned long deadline)
{
	const struct mock_accel_chunk *sc = NULL, *dc = NULL;
	struct mock_accel_hwop op = {
		.ctrl = (req->op & MOCK_ACCEL_DMA_CTRL_OP_MASK) | req->raw_ctrl,
		.len = req->len,
		.pattern = req->pattern,
		.vector = req->raw_vector,
		.poll = req->flags & MOCK_ACCEL_DMA_F_POLL,
	};
	u64 n = U64_MAX, ns;
	int ret;

	/* A buffer offset must name a byte of the buffer; nothing else is checked. */
	if ((req->src.space == MOCK_ACCEL_IOC_SPACE_BUF &&
	     (!buf || !mock_accel_dmabuf_find(buf, req->src.addr))) ||
	    (req->dst.space == MOCK_ACCEL_IOC_SPACE_BUF &&
	     (!buf || !mock_accel_dmabuf_find(buf, req->dst.addr))))
		return -EINVAL;
	op.src = mock_accel_resolve(buf, &req->src, 0, &n, &op.ctrl,
				    MOCK_ACCEL_DMA_CTRL_SRC_DEV, &sc);
	op.dst = mock_accel_resolve(buf, &req->dst, 0, &n, &op.ctrl,
				    MOCK_ACCEL_DMA_CTRL_DST_DEV, &dc);

	mock_accel_sync(m, sc, op.src, req->len, true);
	mock_accel_sync(m, dc, op.dst, req->len, true);
	ret = mock_accel_hw_run(m, &op, deadline, &req->dev_status, &req->result, &ns);
	mock_accel_sync(m, sc, op.src, req->len, false);
	mock_accel_sync(m, dc, op.dst, req->len, false);
	req->dev_ops = 1;
	req->elapsed_ns = ns;
	if (ret && m->wedged && (sc || dc) && !m->stuck) {
		kref_get(&buf->ref);
		m->stuck = buf;
	}
	return ret;
}

static int mock_accel_dma_validate(const struct mock_accel_dma *req)
{
	bool raw = req->flags & MOCK_ACCEL_DMA_F_RAW;
	u32 max_space = raw ? MOCK_ACCEL_IOC_SPACE_GPA : MOCK_ACCEL_IOC_SPACE_DEV;

	if (req->flags & ~MOCK_ACCEL_DMA_F_VALID)
		return -EINVAL;
	if (req->src.reserved || req->dst.reserved || req->reserved[0] ||
	    req->reserved[1] || req->src.space > max_space ||
	    req->dst.space > max_space)
		return -EINVAL;
	if (req->timeout_ms > MOCK_ACCEL_DMA_TIMEOUT_MAX_MS)
		return -EINVAL;
	if (raw)
		return 0;
	if (req->raw_ctrl || req->raw_vector)
		return -EINVAL;
	if (req->op != MOCK_ACCEL_DMA_OP_COPY && req->op != MOCK_ACCEL_DMA_OP_FILL &&
	    req->op != MOCK_ACCEL_DMA_OP_CHECKSUM)
		return -EINVAL;
	return 0;
}

static long mock_accel_ioctl_dma(struct mock_accel_file *f,
				 struct mock_accel_dma __user *uarg)
{
	struct mock_accel *m = f->m;
	struct mock_accel_dmabuf *buf;
	struct mock_accel_dma req;
	unsigned long deadline;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	ret = mock_accel_dma_validate(&req);
	if (ret)
		return ret;
	if ((req.flags & MOCK_ACCEL_DMA_F_RAW) && !capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (!(m->caps & MOCK_ACCEL_CAP_DMA))
		return -EOPNOTSUPP;
	req.dev_status = 0;
	req.dev_ops = 0;
	req.result = 0;
	req.elapsed_ns = 0;

	buf = mock_accel_file_buf(f);
	if (mutex_lock_interruptible(&m->dma_lock)) {
		ret = -ERESTARTSYS;
		goto out;
	}
	deadline = jiffies + msecs_to_jiffies(req.timeout_ms ? req.timeout_ms :
					      MOCK_ACCEL_DMA_TIMEOUT_DEFAULT_MS);
	if (m->dead)
		ret = -ENODEV;
	else if (!mock_accel_unwedge(m))
		ret = -EBUSY;
	else if (req.flags & MOCK_ACCEL_DMA_F_RAW)
		ret = mock_accel_dma_raw(m, buf, &req, deadline);
	else
		ret = mock_accel_dma_checked(m, buf, &req, deadline);
	mutex_unlock(&m->dma_lock);

	if ((!ret || ret == -EIO || ret == -ETIMEDOUT || ret == -ENODEV) &&
	    copy_to_user(uarg, &req, sizeof(req)))
		ret = -EFAULT;
out:
	if (buf)
		mock_accel_dmabuf_put(buf);
	return ret;
}

static long mock_accel_ioctl_buf_alloc(struct mock_accel_file *f,
				       struct mock_accel_buf __user *uarg)
{
	struct mock_accel *m = f->m;
	struct mock_accel_dmabuf *buf;
	struct mock_accel_buf req;
	bool strict = true;
	int node;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved[0] || req.reserved[1] || !req.size ||
	    req.size > MOCK_ACCEL_BUF_MAX)
		return -EINVAL;
	node = req.node;
	if (node == -1) {
		node = dev_to_node(&m->pdev->dev);
		strict = node != NUMA_NO_NODE;
	} else if (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY)) {
		return -EINVAL;
	}

	mutex_lock(&f->lock);
	if (f->buf) {
		ret = -EBUSY;
		goto out;
	}
	buf = mock_accel_dmabuf_alloc(m->pdev, PAGE_ALIGN(req.size), node, strict);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto out;
	}
	f->buf = buf;
	req.size = buf->size;
	req.actual_node = buf->node;
	req.chunks = buf->nr;
	req.max_chunk = buf->max_chunk;
	ret = copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
out:
	mutex_unlock(&f->lock);
	return ret;
}

static long mock_accel_ioctl_info(struct mock_accel_file *f,
				  struct mock_accel_info __user *uarg)
{
	struct mock_accel *m = f->m;
	struct mock_accel_info info = {
		.abi_version = MOCK_ACCEL_ABI_VERSION,
		.index = m->index,
		.vf_id = m->vf_id,
		.numa_node = dev_to_node(&m->pdev->dev),
		.capabilities = m->caps,
		.memory_size = m->memory_size,
		.fw_version = m->fw_version,
		.buf_node = NUMA_NO_NODE,
		.pci_domain = pci_domain_nr(m->pdev->bus),
		.pci_bus = m->pdev->bus->number,
		.pci_devfn = m->pdev->devfn,
	};
	struct mock_accel_dmabuf *buf;

	memcpy(info.uuid, m->uuid, sizeof(info.uuid));
	if (m->pdev->is_virtfn)
		info.flags |= MOCK_ACCEL_INFO_VF;
	buf = mock_accel_file_buf(f);
	if (buf) {
		info.buf_size = buf->size;
		info.buf_node = buf->node;
		info.buf_chunks = buf->nr;
		mock_accel_dmabuf_put(buf);
	}
	if (mutex_lock_interruptible(&m->dma_lock))
		return -ERESTARTSYS;
	if (m->dead) {
		mutex_unlock(&m->dma_lock);
		return -ENODEV;
	}
	if (m->irq >= 0)
		info.flags |= MOCK_ACCEL_INFO_IRQ;
	if (m->wedged)
		info.flags |= MOCK_ACCEL_INFO_WEDGED;
	info.status = readl(m->regs + MOCK_ACCEL_REG_STATUS);
	info.dma_status = readl(m->regs + MOCK_ACCEL_REG_DMA_STATUS);
	info.dma_seq = readl(m->regs + MOCK_ACCEL_REG_DMA_SEQ);
	mutex_unlock(&m->dma_lock);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long mock_accel_ioctl_reg_read(struct mock_accel_file *f,
				      struct mock_accel_reg __user *uarg)
{
	struct mock_accel *m = f->m;
	struct mock_accel_reg reg;

	if (copy_from_user(&reg, uarg, sizeof(reg)))
		return -EFAULT;
	if (reg.offset % 4 || reg.offset >= MOCK_ACCEL_BAR0_SIZE)
		return -EINVAL;
	if (mutex_lock_interruptible(&m->dma_lock))
		return -ERESTARTSYS;
	if (m->dead) {
		mutex_unlock(&m->dma_lock);
		return -ENODEV;
	}
	reg.value = readl(m->regs + reg.offset);
	mutex_unlock(&m->dma_lock);
	return copy_to_user(uarg, &reg, sizeof(reg)) ? -EFAULT : 0;
}

static long mock_accel_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mock_accel_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MOCK_ACCEL_IOC_INFO:
		return mock_accel_ioctl_info(f, uarg);
	case MOCK_ACCEL_IOC_BUF_ALLOC:
		return mock_accel_ioctl_buf_alloc(f, uarg);
	case MOCK_ACCEL_IOC_DMA:
		return mock_accel_ioctl_dma(f, uarg);
	case MOCK_ACCEL_IOC_REG_READ:
		return mock_accel_ioctl_reg_read(f, uarg);
	default:
		return -ENOTTY;
	}
}

/* mmap(MAP_SHARED) of this file's DMA buffer; the mapping pins the file,
 * so the buffer outlives every mapping of it.
 */
static int mock_accel_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mock_accel_file *f = file->private_data;
	struct mock_accel_dmabuf *buf;
	unsigned long addr = vma->vm_start;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 size = vma->vm_end - vma->vm_start;
	int ret = 0;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	buf = mock_accel_file_buf(f);
	if (!buf)
		return -ENXIO;
	if (off > buf->size || size > buf->size - off) {
		ret = -EINVAL;
		goto out;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	while (size) {
		const struct mock_accel_chunk *c = mock_accel_dmabuf_find(buf, off);
		u64 in = off - c->off, n = min(size, c->len - in);

		ret = remap_pfn_range(vma, addr, page_to_pfn(c->page) + (in >> PAGE_SHIFT),
				      n, vma->vm_page_prot);
		if (ret)
			break;
		addr += n;
		off += n;
		size -= n;
	}
out:
	mock_accel_dmabuf_put(buf);
	return ret;
}

static int mock_accel_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data and holds misc_mtx: no remove race. */
	struct mock_accel *m = container_of(file->private_data, struct mock_accel, misc);
	struct mock_accel_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	kref_get(&m->ref);
	f->m = m;
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int mock_accel_release(struct inode *inode, struct file *file)
{
	struct mock_accel_file *f = file->private_data;

	if (f->buf)
		mock_accel_dmabuf_put(f->buf);
	mock_accel_put(f->m);
	kfree(f);
	return 0;
}

static const struct file_operations mock_accel_fops = {
	.owner = THIS_MODULE,
	.open = mock_accel_open,
	.release = mock_accel_release,
	.unlocked_ioctl = mock_accel_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mock_accel_mmap,
	.llseek = no_llseek,
};

int mock_accel_chardev_register(struct mock_accel *m)
{
	int ret;

	/* mockN -> mock-accelN, mockN_vfM -> mock-accelN_vfM */
	snprintf(m->misc_name, sizeof(m->misc_name), "mock-accel%s",
		 m->name + strlen("mock"));
	m->misc.minor = MISC_DYNAMIC_MINOR;
	m->misc.name = m->misc_name;
	m->misc.fops = &mock_accel_fops;
	m->misc.parent = &m->pdev->dev;
	m->misc.mode = 0600;
	ret = misc_register(&m->misc);
	if (!ret)
		m->misc_registered = true;
	return ret;
}

void mock_accel_chardev_unregister(struct mock_accel *m)
{
	if (m->misc_registered)
		misc_deregister(&m->misc);
	m->misc_registered = false;
}

/*
 * Device going away: a waiting request aborts its operation and returns
 * -ENODEV, later ones fail; a wedged operation is told to stop.
 */
void mock_accel_dma_shutdown(struct mock_accel *m)
{
	WRITE_ONCE(m->removing, true);
	complete(&m->dma_done);
	mutex_lock(&m->dma_lock);
	m->dead = true;
	if (m->wedged)
		writel(MOCK_ACCEL_DMA_ABORT_REQ, m->regs + MOCK_ACCEL_REG_DMA_ABORT);
	mutex_unlock(&m->dma_lock);
}
