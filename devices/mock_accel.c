/*
 * mock-accel device: the PF and its VFs built from the parameters, the PF's
 * config-space hooks (MSI-X, Bus Master Enable, SR-IOV, BAR placement,
 * reset), VF UUIDs, teardown. See mock_accel.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/mock_accel_priv.h"
#include "vmm/util.h"

static void pf_cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t val,
			 uint32_t old)
{
	struct mock_accel_fn *fn = f->opaque;

	(void)val;
	(void)old;
	msix__cfg_write(&fn->msix, off, len);
	if (pci__overlaps(off, len, PCI_COMMAND, 2))
		mock_accel_fn__sync_bme(fn);
	mock_accel_sriov__cfg_write(fn->dev, off, len);
}

static void pf_bar_map(struct pci_func *f, unsigned bar, uint64_t addr, bool mapped)
{
	mock_accel_mem__bar_moved(f->opaque, bar, addr, mapped);
}

/* FLR or a secondary bus reset: config space is back to its reset image
 * (VF Enable clear, so the VFs go), the MSI-X table all-masked, the DMA
 * engine idle. STATUS is software state that survives until the VM stops
 * (mock_accel_regs.h). */
static void pf_reset(struct pci_func *f)
{
	struct mock_accel_fn *fn = f->opaque;

	mock_accel_fn__reset(fn);
	mock_accel_sriov__update(fn->dev);
}

static const struct pci_func_ops pf_ops = {
	.cfg_write = pf_cfg_write,
	.func_at = mock_accel_sriov__func_at,
	.bar_map = pf_bar_map,
	.reset = pf_reset,
};

/* splitmix64's finalizer, as config_pci.c uses for device UUIDs. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * VF @vf's UUID: stable (a function of the PF's UUID, itself derived from
 * the machine and device names unless configured) and distinct per VF. Two
 * FNV-1a 64 hashes of the PF UUID followed by "vf" and the index, mixed,
 * stamped as an RFC 9562 version 8 UUID.
 */
static void vf_uuid(const uint8_t pf[MOCK_ACCEL_UUID_LEN], unsigned vf,
		    uint8_t out[MOCK_ACCEL_UUID_LEN])
{
	const uint8_t tag[3] = { 'v', 'f', (uint8_t)vf };
	uint64_t a = mock_accel_fnv1a64(MOCK_ACCEL_FNV1A64_BASIS, pf, MOCK_ACCEL_UUID_LEN);
	uint64_t b = mock_accel_fnv1a64(0x84222325cbf29ce4ULL, pf, MOCK_ACCEL_UUID_LEN);
	unsigned i;

	a = mix(mock_accel_fnv1a64(a, tag, sizeof(tag)));
	b = mix(mock_accel_fnv1a64(b, tag, sizeof(tag)));
	for (i = 0; i < 8; i++) {
		out[i] = a >> (56 - 8 * i);
		out[8 + i] = b >> (56 - 8 * i);
	}
	out[6] = (out[6] & 0x0f) | 0x80;	/* version 8 */
	out[8] = (out[8] & 0x3f) | 0x80;	/* RFC variant */
}

int mock_accel__init(struct mock_accel *d, const struct mock_accel_params *p)
{
	uint8_t uuid[MOCK_ACCEL_UUID_LEN];
	unsigned i;
	int ret;

	memset(d, 0, sizeof(*d));
	d->epoll_fd = d->stop_fd = -1;
	if (!p->name || !*p->name || !p->send || p->total_vfs > MOCK_ACCEL_MAX_VFS ||
	    !p->memory_size || (p->total_vfs && !p->vf_memory_size))
		return -EINVAL;
	snprintf(d->name, sizeof(d->name), "%s", p->name);
	d->total_vfs = p->total_vfs;
	d->vf_memory_size = p->vf_memory_size;
	d->mem = p->mem;
	if (p->hooks) {
		d->hooks = *p->hooks;
		d->has_hooks = true;
	}
	d->host_nodes = p->host_nodes;
	d->mem_policy = p->mem_policy;
	d->worker_cpus = p->worker_cpus;

	ret = mock_accel_fn__init(&d->pf, d, -1, p->uuid, p->memory_size, p->send,
				  p->send_opaque);
	if (ret)
		goto err;
	d->pf.pci.ops = &pf_ops;
	for (i = 0; i < d->total_vfs; i++) {
		vf_uuid(p->uuid, i, uuid);
		ret = mock_accel_fn__init(&d->vfs[i], d, i, uuid, p->vf_memory_size, p->send,
					  p->send_opaque);
		if (ret)
			goto err;
	}
	ret = mock_accel_sriov__init(d);
	if (ret)
		goto err;
	d->sandbox = p->sandbox;
	if (!p->no_worker) {
		ret = mock_accel_dma__start(d);
		if (ret)
			goto err;
	}
	return 0;
err:
	mock_accel__destroy(d);
	return ret;
}

void mock_accel__destroy(struct mock_accel *d)
{
	unsigned i;

	mock_accel_dma__stop(d);
	mock_accel_sriov__destroy(d);
	for (i = 0; i < MOCK_ACCEL_MAX_VFS; i++)
		mock_accel_fn__destroy(&d->vfs[i]);
	mock_accel_fn__destroy(&d->pf);
}
