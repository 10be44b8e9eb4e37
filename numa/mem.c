/* Guest RAM: backing, mbind, prefault; see mem.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "numa/mem.h"
#include "vmm/config.h"
#include "vmm/gmem.h"
#include "vmm/topology.h"
#include "vmm/util.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23	/* Linux 5.14 */
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT		26
#endif

struct backing {
	int fd;			/* -1: anonymous */
	bool chardev;
	uint64_t offset;	/* next range's offset in the file */
};

static unsigned log2u(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

/* The file behind mem_path, or none. A directory gets a fresh unlinked
 * file: nothing to clean up, and not visible to anyone else. */
static int backing_open(struct backing *b, const struct vm_config *cfg, char *err,
			size_t errlen)
{
	const char *p = cfg->mem_path;
	struct stat st = { .st_mode = 0 };
	char tmpl[4096];
	int fd, e;

	b->fd = -1;
	b->offset = 0;
	if (!p)
		return 0;
	if (stat(p, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		fd = open(p, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
			/* hugetlbfs before 4.x and some others lack O_TMPFILE */
			snprintf(tmpl, sizeof(tmpl), "%s/mvmm-ram-XXXXXX", p);
			fd = mkostemp(tmpl, O_CLOEXEC);
			if (fd >= 0)
				unlink(tmpl);
		}
		if (fd < 0)
			goto fail;
		if (ftruncate(fd, cfg->memory) < 0) {
			e = errno;
			close(fd);
			errno = e;
			goto fail;
		}
	} else {
		b->chardev = S_ISCHR(st.st_mode);
		fd = open(p, (cfg->shared || b->chardev ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (fd < 0)
			goto fail;
	}
	b->fd = fd;
	return 0;
fail:
	e = errno;
	snprintf(err, errlen, "[machine] mem_path: cannot use '%s': %s (check that mvmm may %s it)",
		 p, strerror(e), S_ISDIR(st.st_mode) ? "create files in" : "read and write");
	return -e;
}

static void *map_range(struct backing *b, const struct vm_config *cfg, const struct topo_range *r,
		       char *err, size_t errlen)
{
	int flags = cfg->shared || b->chardev ? MAP_SHARED : MAP_PRIVATE;
	char a[24];
	void *hva;

	if (b->fd < 0) {
		flags |= MAP_ANONYMOUS;
		/* hugetlb: no MAP_NORESERVE, so a short pool fails here, not
		 * with SIGBUS when the guest touches the page. */
		if (cfg->hugepages)
			flags |= MAP_HUGETLB | log2u(cfg->hugepages) << MAP_HUGE_SHIFT;
		else
			flags |= MAP_NORESERVE;
	}
	hva = mmap(NULL, r->size, PROT_READ | PROT_WRITE, flags, b->fd, b->fd < 0 ? 0 : b->offset);
	if (hva != MAP_FAILED) {
		b->offset += r->size;
		/* Transparent huge pages where the host allows them (Debian's
		 * default is "madvise"), as QEMU asks for its RAM: KVM then maps
		 * guest RAM with 2M nested page-table entries, so a booting guest
		 * takes one nested page fault per 2M it touches instead of one per
		 * 4K. EINVAL: THP is compiled out; nothing to do. */
		if (b->fd < 0 && !cfg->hugepages && cfg->thp &&
		    madvise(hva, r->size, MADV_HUGEPAGE) < 0 && errno != EINVAL) {
			snprintf(err, errlen, "madvise(MADV_HUGEPAGE) on %" PRIu64 "M of guest node %u RAM: %s",
				 r->size >> 20, r->node, strerror(errno));
			munmap(hva, r->size);
			return NULL;
		}
		return hva;
	}
	snprintf(a, sizeof(a), "%" PRIu64 "M", r->size >> 20);
	if (cfg->hugepages && b->fd < 0 && errno == ENOMEM)
		snprintf(err, errlen,
			 "cannot map %s of guest node %u RAM in %" PRIu64 "M huge pages: not enough free (fix: raise /proc/sys/vm/nr_hugepages or /sys/devices/system/node/nodeN/hugepages/*/nr_hugepages)",
			 a, r->node, cfg->hugepages >> 20);
	else if (cfg->mem_path)
		snprintf(err, errlen, "[machine] mem_path: cannot map %s of '%s' at offset %" PRIu64 ": %s%s",
			 a, cfg->mem_path, b->offset, strerror(errno),
			 b->chardev ? " (a DAX device needs shared = yes and 2M-aligned sizes)" :
			 " (is the file system full, or the file too small?)");
	else
		snprintf(err, errlen, "cannot map %s of guest RAM: %s", a, strerror(errno));
	return NULL;
}

static const int policy_mode[] = {
	[CONFIG_POLICY_BIND] = MPOL_BIND,
	[CONFIG_POLICY_PREFERRED] = MPOL_PREFERRED,
	[CONFIG_POLICY_INTERLEAVE] = MPOL_INTERLEAVE,
};

/* mbind @size bytes at @hva to @nd's host nodes and policy; -errno. */
static int bind_hva(void *hva, uint64_t size, const struct topo_node *nd, unsigned flags)
{
	/* idset words are the kernel's unsigned long bitmap on x86_64; maxnode
	 * counts one past the last bit, as mbind wants. */
	_Static_assert(sizeof(unsigned long) == sizeof(uint64_t), "nodemask layout");
	return mbind(hva, size, policy_mode[nd->policy], (const unsigned long *)nd->host_nodes.w,
		     IDSET_MAX + 1, flags) ? -errno : 0;
}

static int bind_range(void *hva, const struct topo_range *r, const struct topo_node *nd,
		      char *err, size_t errlen)
{
	char list[64];
	int e;

	if (idset__empty(&nd->host_nodes))
		return 0;
	e = bind_hva(hva, r->size, nd, 0);
	if (!e)
		return 0;
	snprintf(err, errlen, "mbind of guest node %u RAM to host node(s) %s: %s", r->node,
		 idset__format(&nd->host_nodes, list, sizeof(list)), strerror(-e));
	return e;
}

int numa_mem__bind_pmem(void *hva, uint64_t size, int fd, bool shared, const struct topo_node *nd,
			char *err, size_t errlen)
{
	struct statfs sfs;
	struct stat st;
	char list[64];
	int e;

	if (idset__empty(&nd->host_nodes))
		return 0;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0) {
		e = errno;
		snprintf(err, errlen, "fstat: %s", strerror(e));
		return -e;
	}
	/* Shared pages of other files are the page cache's, a device's
	 * (devdax: its node in /dev, which is devtmpfs, tmpfs's magic) the
	 * device's. */
	if (shared && (!S_ISREG(st.st_mode) ||
		       (sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC)))
		return 0;
	/* The policy places pages allocated from now on (for tmpfs: the
	 * file's shared policy); pages the file already has stay put. */
	e = bind_hva(hva, size, nd, 0);
	if (!e)
		return 1;
	snprintf(err, errlen, "mbind to host node(s) %s: %s",
		 idset__format(&nd->host_nodes, list, sizeof(list)), strerror(-e));
	return e;
}

/* Allocate every page now, under the policy just set. MADV_POPULATE_WRITE
 * reports a short hugetlb pool as an error instead of a SIGBUS. */
static int prefault(void *hva, const struct topo_range *r, uint64_t page, char *err, size_t errlen)
{
	volatile uint8_t *p = hva;
	uint64_t off;

	if (madvise(hva, r->size, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL) {
		int e = errno;

		snprintf(err, errlen, "cannot prefault guest node %u RAM: %s%s", r->node,
			 strerror(e), e == ENOMEM || e == EFAULT ?
			 " (not enough memory or huge pages on its host node)" : "");
		return -e;
	}
	for (off = 0; off < r->size; off += page)	/* kernel before 5.14 */
		p[off] = p[off];
	return 0;
}

int numa_mem__map(struct gmem *mem, const struct topology *t, const struct vm_config *cfg,
		  char *err, size_t errlen)
{
	struct backing b = { .fd = -1 };
	unsigned i;
	int ret;

	ret = backing_open(&b, cfg, err, errlen);
	if (ret < 0)
		return ret;
	for (i = 0; i < t->nr_ranges; i++) {
		const struct topo_range *r = &t->range[i];
		void *hva = map_range(&b, cfg, r, err, errlen);

		if (!hva) {
			ret = -ENOMEM;
			goto out;
		}
		ret = gmem__adopt(mem, r->gpa, r->size, hva, r->node);
		if (ret < 0) {
			munmap(hva, r->size);
			snprintf(err, errlen, "guest RAM at 0x%" PRIx64 ": %s", r->gpa, strerror(-ret));
			goto out;
		}
		ret = bind_range(hva, r, &t->node[r->node], err, errlen);
		if (ret < 0)
			goto out;
		if (cfg->prefault) {
			ret = prefault(hva, r, t->page_size, err, errlen);
			if (ret < 0)
				goto out;
		}
	}
	ret = 0;
out:
	if (b.fd >= 0)
		close(b.fd);
	return ret;
}
