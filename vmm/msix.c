/* MSI-X: capability, table, PBA, masking and delivery. See msix.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/msix.h"
#include "vmm/pci.h"

#define CTRL_MASKBIT	PCI_MSIX_ENTRY_CTRL_MASKBIT

static unsigned pba_words(const struct msix *m)
{
	return (m->nr + 63) / 64;
}

static bool in_range(uint64_t off, uint32_t len, uint64_t start, uint64_t size)
{
	return off >= start && off - start < size && len <= size - (off - start);
}

int msix__init(struct msix *m, struct pci_func *f, unsigned nr, unsigned bar,
	       uint32_t table_off, uint32_t pba_off, msix_send_fn send, void *opaque)
{
	uint64_t tsize = (uint64_t)nr * MSIX_ENTRY_SIZE, psize = (nr + 63) / 64 * 8, bsize;
	int cap, ret;

	memset(m, 0, sizeof(*m));
	if (!nr || nr > MSIX_MAX_VECTORS || bar >= PCI_NR_BARS || !send ||
	    (table_off & 7) || (pba_off & 7))
		return -EINVAL;
	bsize = f->bars[bar].size;
	if (!bsize || (f->bars[bar].type & PCI_BASE_ADDRESS_SPACE_IO) ||
	    table_off >= bsize || tsize > bsize - table_off ||
	    pba_off >= bsize || psize > bsize - pba_off ||
	    (table_off < pba_off + psize && pba_off < table_off + tsize))
		return -EINVAL;
	m->table = calloc(nr, sizeof(*m->table));
	m->pba = calloc((nr + 63) / 64, sizeof(*m->pba));
	if (!m->table || !m->pba) {
		ret = -ENOMEM;
		goto err;
	}
	cap = pci__add_cap(f, PCI_CAP_ID_MSIX, MSIX_CAP_SIZE);
	if (cap < 0) {
		ret = cap;
		goto err;
	}
	ret = -pthread_mutex_init(&m->lock, NULL);
	if (ret)
		goto err;
	m->f = f;
	m->cap = cap;
	m->nr = nr;
	m->bar = bar;
	m->table_off = table_off;
	m->pba_off = pba_off;
	m->send = send;
	m->send_opaque = opaque;
	pci__set16(f, cap + PCI_MSIX_FLAGS, nr - 1);
	pci__set_wmask(f, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pci__set32(f, cap + PCI_MSIX_TABLE, table_off | bar);
	pci__set32(f, cap + PCI_MSIX_PBA, pba_off | bar);
	msix__reset(m);
	return 0;
err:
	free(m->table);
	free(m->pba);
	memset(m, 0, sizeof(*m));
	return ret;
}

void msix__destroy(struct msix *m)
{
	if (!m->table)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->table);
	free(m->pba);
	memset(m, 0, sizeof(*m));
}

/* Tell the update hook about vector @v (all with @v < 0). Lock held. */
static void notify_update(struct msix *m, int v)
{
	unsigned i = v < 0 ? 0 : v, end = v < 0 ? m->nr : (unsigned)v + 1;

	for (; m->update && i < end; i++) {
		const struct msix_entry *e = &m->table[i];

		m->update(m->update_opaque, i,
			  m->enabled && !m->masked && !(e->ctrl & CTRL_MASKBIT),
			  (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
	}
}

void msix__reset(struct msix *m)
{
	unsigned i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nr; i++)
		m->table[i] = (struct msix_entry){ .ctrl = CTRL_MASKBIT };
	memset(m->pba, 0, pba_words(m) * sizeof(*m->pba));
	m->enabled = m->masked = false;
	notify_update(m, -1);
	pthread_mutex_unlock(&m->lock);
}

void msix__set_update(struct msix *m, msix_update_fn fn, void *opaque)
{
	pthread_mutex_lock(&m->lock);
	m->update = fn;
	m->update_opaque = opaque;
	notify_update(m, -1);
	pthread_mutex_unlock(&m->lock);
}

/* Send @v now; the caller checked it may. Lock held. */
static int deliver(struct msix *m, unsigned v)
{
	const struct msix_entry *e = &m->table[v];

	return m->send(m->send_opaque, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
}

/* After an unmask or enable: deliver what became deliverable. Lock held. */
static void flush_pending(struct msix *m)
{
	unsigned v;

	if (!m->enabled || m->masked)
		return;
	for (v = 0; v < m->nr; v++) {
		if (!(m->pba[v / 64] & (1ULL << (v % 64))) || (m->table[v].ctrl & CTRL_MASKBIT))
			continue;
		m->pba[v / 64] &= ~(1ULL << (v % 64));
		deliver(m, v);
	}
}

void msix__cfg_write(struct msix *m, unsigned off, unsigned len)
{
	uint16_t ctrl;

	if (!m->table || !pci__overlaps(off, len, m->cap + PCI_MSIX_FLAGS, 2))
		return;
	ctrl = pci__get16(m->f, m->cap + PCI_MSIX_FLAGS);
	pthread_mutex_lock(&m->lock);
	m->enabled = ctrl & PCI_MSIX_FLAGS_ENABLE;
	m->masked = ctrl & PCI_MSIX_FLAGS_MASKALL;
	notify_update(m, -1);
	flush_pending(m);
	pthread_mutex_unlock(&m->lock);
}

static void fill_ones(void *data, uint32_t len)
{
	memset(data, 0xff, len);
}

static void table_access(struct msix *m, uint64_t off, void *data, uint32_t len,
			 bool is_write)
{
	unsigned v = off / MSIX_ENTRY_SIZE, word = off % MSIX_ENTRY_SIZE / 4, i;
	uint32_t *w = (uint32_t *)&m->table[v];
	uint32_t vals[2] = { 0, 0 };
	bool was_masked = m->table[v].ctrl & CTRL_MASKBIT;

	if (!is_write) {
		for (i = 0; i < len / 4; i++)
			vals[i] = w[word + i];
		memcpy(data, vals, len);
		return;
	}
	memcpy(vals, data, len);
	for (i = 0; i < len / 4; i++) {
		/* Vector Control: only the mask bit is defined, the rest reads 0. */
		w[word + i] = word + i == 3 ? vals[i] & CTRL_MASKBIT : vals[i];
	}
	notify_update(m, v);
	if (was_masked && !(m->table[v].ctrl & CTRL_MASKBIT))
		flush_pending(m);
}

bool msix__bar_access(struct msix *m, uint64_t off, void *data, uint32_t len, bool is_write)
{
	uint64_t tsize = (uint64_t)m->nr * MSIX_ENTRY_SIZE, psize = pba_words(m) * 8ULL;
	bool table;

	if (!m->table)
		return false;
	table = in_range(off, 1, m->table_off, tsize);
	if (!table && !in_range(off, 1, m->pba_off, psize))
		return false;
	/* Dword or qword, aligned, within the structure; anything else is
	 * a misbehaving guest: all-ones, writes dropped. */
	if ((len != 4 && len != 8) || (off & (len - 1)) ||
	    !in_range(off, len, table ? m->table_off : m->pba_off, table ? tsize : psize)) {
		if (!is_write)
			fill_ones(data, len);
		return true;
	}
	pthread_mutex_lock(&m->lock);
	if (table) {
		table_access(m, off - m->table_off, data, len, is_write);
	} else if (!is_write) {
		uint64_t o = off - m->pba_off;

		memcpy(data, (uint8_t *)m->pba + o, len);	/* x86: little-endian */
	}
	pthread_mutex_unlock(&m->lock);
	return true;
}

int msix__notify(struct msix *m, unsigned vector)
{
	int ret = 0;

	if (!m->table || vector >= m->nr)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (!m->enabled)
		ret = -EAGAIN;
	else if (m->masked || (m->table[vector].ctrl & CTRL_MASKBIT))
		m->pba[vector / 64] |= 1ULL << (vector % 64);
	else
		ret = deliver(m, vector);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

bool msix__pending(struct msix *m, unsigned vector)
{
	bool p;

	if (!m->table || vector >= m->nr)
		return false;
	pthread_mutex_lock(&m->lock);
	p = m->pba[vector / 64] & (1ULL << (vector % 64));
	pthread_mutex_unlock(&m->lock);
	return p;
}
