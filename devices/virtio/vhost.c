/*
 * vhost core (see vhost.h): open and own a vhost char device, find its
 * worker, hand the kernel guest memory and the transport's rings, kicks and
 * irqfds at start, take them back at stop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "devices/virtio/vhost.h"
#include "numa/pin.h"
#include "vmm/util.h"

/* Feature bits 24 to 40 are the transport's and the rings' (virtio 1.x,
 * 6); everything else is device-specific (virtio-net has bits up to 63). */
#define TRANSPORT_BITS	(((1ULL << 41) - 1) & ~((1ULL << 24) - 1))

static int sys_ioctl(void *opaque, int fd, unsigned long req, void *arg)
{
	(void)opaque;
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int vhost__ioctl(struct vhost *v, unsigned long req, void *arg)
{
	return v->ioctl(v->ioctl_opaque, v->fd, req, arg);
}

/* ------------------------------------------------------------ features */

uint64_t vhost__offer(uint64_t kernel, uint64_t device)
{
	return kernel & device & (~TRANSPORT_BITS | VHOST_RING_FEATURES);
}

/* -------------------------------------------------------------- worker */

static bool comm_is(const char *path, const char *want)
{
	char buf[32];
	FILE *f = fopen(path, "re");
	bool ok = false;

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ok = !strcmp(buf, want);
	}
	fclose(f);
	return ok;
}

/* Numeric entries of @dir whose comm is @want, appended to @out. */
static int scan(const char *dir, const char *want, pid_t *out, unsigned n, unsigned max)
{
	char path[4096];
	struct dirent *d;
	DIR *dp = opendir(dir);
	unsigned i;

	if (!dp)
		return errno == ENOENT ? (int)n : -errno;
	while ((d = readdir(dp)) && n < max) {
		char *end;
		long id = strtol(d->d_name, &end, 10);

		if (*end || id <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, d->d_name);
		if (!comm_is(path, want))
			continue;
		for (i = 0; i < n && out[i] != id; i++)
			;
		if (i == n)
			out[n++] = id;
	}
	closedir(dp);
	return n;
}

int vhost__find_workers(const char *proc, pid_t owner, pid_t *out, unsigned max)
{
	char want[32], task[4096];
	int n;

	snprintf(want, sizeof(want), "vhost-%d", (int)owner);
	n = scan(proc, want, out, 0, max);
	if (n < 0)
		return n;
	snprintf(task, sizeof(task), "%s/self/task", proc);
	return scan(task, want, out, n, max);
}

/* The one worker in @after that is not in @before, or 0. */
static pid_t new_worker(const pid_t *before, int nb, const pid_t *after, int na)
{
	pid_t found = 0;
	int i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && before[j] != after[i]; j++)
			;
		if (j < nb)
			continue;
		if (found)
			return 0;	/* two new ones: cannot tell which */
		found = after[i];
	}
	return found;
}

int vhost__pin_worker(const struct vhost *v, const struct idset *cpus)
{
	cpu_set_t set;

	if (idset__empty(cpus))
		return 0;
	if (!v->worker)
		return -ESRCH;
	numa_pin__to_cpuset(cpus, &set);
	return sched_setaffinity(v->worker, sizeof(set), &set) < 0 ? -errno : 0;
}

/* ------------------------------------------------------------ lifecycle */

int vhost__open(struct vhost *v, const char *name, const char *path, unsigned first,
		unsigned nr)
{
	pid_t before[VHOST_MAX_WORKERS], after[VHOST_MAX_WORKERS];
	pid_t tid = syscall(SYS_gettid);
	int nb, na, ret;

	memset(v, 0, sizeof(*v));
	v->fd = -1;
	if (!nr || nr > VHOST_MAX_VRINGS || first + nr > VIRTIO_PCI_MAX_QUEUES)
		return -EINVAL;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->first = first;
	v->nr = nr;
	v->ioctl = sys_ioctl;
	v->fd = open(path, O_RDWR | O_CLOEXEC);
	if (v->fd < 0)
		return -errno;
	nb = vhost__find_workers("/proc", tid, before, ARRAY_SIZE(before));
	ret = vhost__ioctl(v, VHOST_SET_OWNER, NULL);
	if (ret)
		goto err;
	na = vhost__find_workers("/proc", tid, after, ARRAY_SIZE(after));
	if (nb >= 0 && na >= 0)
		v->worker = new_worker(before, nb, after, na);
	ret = vhost__ioctl(v, VHOST_GET_FEATURES, &v->features);
	if (ret)
		goto err;
	if (!(v->features & (1ULL << VIRTIO_F_VERSION_1))) {
		ret = -EOPNOTSUPP;
		goto err;
	}
	return 0;
err:
	close(v->fd);
	v->fd = -1;
	return ret;
}

void vhost__close(struct vhost *v)
{
	if (v->fd >= 0)
		close(v->fd);	/* the kernel stops the worker */
	v->fd = -1;
	v->worker = 0;
}

int vhost__mem_table(const struct gmem *mem, struct vhost_memory *t, unsigned max)
{
	unsigned i;

	if (mem->nr > max)
		return -E2BIG;
	t->nregions = mem->nr;
	t->padding = 0;
	for (i = 0; i < mem->nr; i++)
		t->regions[i] = (struct vhost_memory_region){
			.guest_phys_addr = mem->regions[i].gpa,
			.memory_size = mem->regions[i].size,
			.userspace_addr = (uintptr_t)mem->regions[i].hva,
		};
	return mem->nr;
}

static int vring_ioctl(struct vhost *v, unsigned long req, const char *what, void *arg)
{
	int ret = vhost__ioctl(v, req, arg);

	if (ret)
		fprintf(stderr, "mvmm: %s: vhost %s: %s\n", v->name, what, strerror(-ret));
	return ret;
}

/* Unbind vring @i's eventfds and stop it. */
static void vring_stop(struct vhost *v, unsigned i)
{
	struct vhost_vring_state s = { .index = i };
	struct vhost_vring_file f = { .index = i, .fd = VHOST_FILE_UNBIND };

	vring_ioctl(v, VHOST_GET_VRING_BASE, "GET_VRING_BASE", &s);
	vring_ioctl(v, VHOST_SET_VRING_KICK, "SET_VRING_KICK", &f);
	vring_ioctl(v, VHOST_SET_VRING_CALL, "SET_VRING_CALL", &f);
	v->on[i] = false;
}

/* Is transport queue @q fit for the kernel? Its call eventfd in *@call. */
static int vring_check(struct vhost *v, struct virtio_pci *vp, unsigned q, int *call)
{
	const struct virtio_pci_queue *vq = &vp->q[q];

	if (!vq->vq.ready) {
		fprintf(stderr, "mvmm: %s: queue %u is not enabled; vhost needs every queue\n",
			v->name, q);
		return -EINVAL;
	}
	if (vq->vector == VIRTIO_NO_VECTOR || vq->vector >= ARRAY_SIZE(vp->irqfd)) {
		fprintf(stderr, "mvmm: %s: queue %u has no MSI-X vector; vhost signals only by irqfd\n",
			v->name, q);
		return -EINVAL;
	}
	*call = vp->irqfd[vq->vector].fd;
	if (!vp->irq || *call < 0) {
		fprintf(stderr, "mvmm: %s: no irqfd for queue %u; vhost needs the irq seam\n",
			v->name, q);
		return -EOPNOTSUPP;
	}
	return 0;
}

int vhost__start(struct vhost *v, struct virtio_pci *vp, uint64_t backend)
{
	struct vhost_memory *t;
	/* The kernel's bits of what the driver took (vhost-net knows no
	 * CSUM or MAC: the device model and the TAP do those), and ours. */
	uint64_t features = (vp->driver_features & v->features) | backend;
	int call[VHOST_MAX_VRINGS];
	unsigned i;
	int ret;

	for (i = 0; i < v->nr; i++) {
		ret = vring_check(v, vp, v->first + i, &call[i]);
		if (ret)
			return ret;
	}
	ret = vring_ioctl(v, VHOST_SET_FEATURES, "SET_FEATURES", &features);
	if (ret)
		return ret;
	t = calloc(1, sizeof(*t) + GMEM_MAX_REGIONS * sizeof(t->regions[0]));
	if (!t)
		return -ENOMEM;
	ret = vhost__mem_table(vp->mem, t, GMEM_MAX_REGIONS);
	if (ret >= 0)
		ret = vring_ioctl(v, VHOST_SET_MEM_TABLE, "SET_MEM_TABLE", t);
	free(t);
	if (ret < 0)
		return ret;
	for (i = 0; i < v->nr; i++) {
		const struct virtqueue *q = &vp->q[v->first + i].vq;
		struct vhost_vring_state num = { .index = i, .num = q->size };
		struct vhost_vring_state base = { .index = i, .num = 0 };
		struct vhost_vring_addr addr = {
			.index = i,
			.desc_user_addr = (uintptr_t)q->desc,
			.avail_user_addr = (uintptr_t)q->avail,
			.used_user_addr = (uintptr_t)q->used,
		};
		struct vhost_vring_file kick = { .index = i, .fd = vp->q[v->first + i].kick_fd };
		struct vhost_vring_file cf = { .index = i, .fd = call[i] };

		v->on[i] = true;	/* from here on, stop must undo it */
		if ((ret = vring_ioctl(v, VHOST_SET_VRING_NUM, "SET_VRING_NUM", &num)) ||
		    (ret = vring_ioctl(v, VHOST_SET_VRING_BASE, "SET_VRING_BASE", &base)) ||
		    (ret = vring_ioctl(v, VHOST_SET_VRING_ADDR, "SET_VRING_ADDR", &addr)) ||
		    (ret = vring_ioctl(v, VHOST_SET_VRING_KICK, "SET_VRING_KICK", &kick)) ||
		    (ret = vring_ioctl(v, VHOST_SET_VRING_CALL, "SET_VRING_CALL", &cf))) {
			vhost__stop(v);
			return ret;
		}
	}
	return 0;
}

void vhost__stop(struct vhost *v)
{
	unsigned i;

	for (i = 0; i < v->nr; i++)
		if (v->on[i])
			vring_stop(v, i);
}
