/* Preflight: access, capabilities and limits a config needs (preflight.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/capability.h>

#include "devices/virtio/tap.h"
#include "vmm/control.h"
#include "vmm/preflight.h"
#include "vmm/privdrop.h"
#include "vmm/util.h"

#define KVM_PATH	"/dev/kvm"
#define TUN_PATH	"/dev/net/tun"
#define VHOST_NET_PATH	"/dev/vhost-net"
#define VHOST_VSOCK_PATH "/dev/vhost-vsock"

/* Open files, by what holds them (see devices/ and vmm/ for each). */
/* stdio, kvm, vm, console log, signals, ...; the control socket's
 * listener, clients and wakeup */
#define FDS_BASE	(16 + CONTROL_MAX_CLIENTS + 2)
#define FDS_PER_VCPU	1
#define FDS_PER_ACCEL	2			/* DMA worker's epoll + stop eventfd */
#define FDS_PER_ACCEL_FN 2			/* doorbell eventfd, slack for its irqfd */
#define FDS_PER_VQ	2			/* kick ioeventfd + call irqfd */
#define FDS_PER_VIRTIO	1			/* config-change vector's irqfd */
#define FDS_PER_DISK	2			/* image, snapshot overlay */
#define FDS_PER_DISK_Q	(FDS_PER_VQ + 2)	/* + its io_uring, stop eventfd */
#define FDS_PER_NIC_PAIR (2 * FDS_PER_VQ + 3)	/* + TAP queue, vhost fd, stop eventfd */
#define FDS_PER_NIC	(FDS_PER_VQ + 2)	/* control queue + its stop eventfd, a socket */
#define FDS_VSOCK	(3 * FDS_PER_VQ + 1)	/* three queues + the vhost fd */

static int real_can_rw(const char *path)
{
	return faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) < 0 ? errno : 0;
}

/* $MVMM_SYSFS (default /sys)/module/kvm_{amd,intel}/parameters/nested. */
static void preflight_kvm_nested(struct preflight_host *h)
{
	static const char *const mods[] = { "kvm_amd", "kvm_intel" };
	const char *root = getenv("MVMM_SYSFS");
	char path[512], v[8] = "";
	unsigned i;
	FILE *f;

	h->kvm_nested = -1;
	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		snprintf(path, sizeof(path), "%s/module/%s/parameters/nested",
			 root && *root ? root : "/sys", mods[i]);
		if (!(f = fopen(path, "re")))
			continue;
		if (fgets(v, sizeof(v), f))
			h->kvm_nested = v[0] == '1' || v[0] == 'Y';
		fclose(f);
		snprintf(h->kvm_module, sizeof(h->kvm_module), "%s", mods[i]);
		return;
	}
}

int preflight__host(struct preflight_host *h)
{
	char line[256];
	FILE *f;
	int n;

	memset(h, 0, sizeof(*h));
	h->euid = geteuid();
	h->egid = getegid();
	n = getgroups(ARRAY_SIZE(h->groups), h->groups);
	h->nr_groups = n > 0 ? (unsigned)n : 0;
	if (getrlimit(RLIMIT_NOFILE, &h->nofile) < 0)
		return -errno;
	if ((f = fopen("/proc/self/status", "re"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %" SCNx64, &h->cap_eff) == 1)
				break;
		fclose(f);
	}
	preflight_kvm_nested(h);
	if ((f = fopen("/proc/meminfo", "re"))) {
		uint64_t kb;

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kb) == 1) {
				h->mem_available = kb << 10;
				break;
			}
		fclose(f);
	}
	return 0;
}

unsigned preflight__nofile(const struct vm_config *cfg)
{
	unsigned n = FDS_BASE + cfg->cpus * FDS_PER_VCPU, i;

	for (i = 0; i < cfg->nr_devices; i++)
		n += FDS_PER_ACCEL + (1 + cfg->devices[i].vfs) * FDS_PER_ACCEL_FN;
	for (i = 0; i < cfg->nr_disks; i++)
		n += FDS_PER_VIRTIO + FDS_PER_DISK +
		     MAX(cfg->disks[i].queues, 1u) * FDS_PER_DISK_Q;
	for (i = 0; i < cfg->nr_nets; i++)
		n += FDS_PER_VIRTIO + FDS_PER_NIC + cfg->nets[i].queues * FDS_PER_NIC_PAIR;
	if (cfg->vsock.present)
		n += FDS_PER_VIRTIO + FDS_VSOCK;
	return n + cfg->nr_pmem;
}

static bool has_cap(const struct preflight_host *h, int cap)
{
	return h->cap_eff & (1ULL << cap);
}

static bool in_groups(const struct preflight_host *h, long gid)
{
	unsigned i;

	if (gid == (long)h->egid)
		return true;
	for (i = 0; i < h->nr_groups; i++)
		if (gid == (long)h->groups[i])
			return true;
	return false;
}

/* One item: @why for the list; @miss (printf) the error once missing. */
static void add(struct preflight *pf, bool ok, unsigned line, const char *sec, const char *key,
		const char *what, const char *why, const char *miss, ...)
	__attribute__((format(printf, 8, 9)));

static void add(struct preflight *pf, bool ok, unsigned line, const char *sec, const char *key,
		const char *what, const char *why, const char *miss, ...)
{
	struct preflight_item *it;
	va_list ap;

	if (pf->nr == ARRAY_SIZE(pf->item))
		return;		/* PREFLIGHT_MAX_ITEMS covers every kind */
	it = &pf->item[pf->nr++];
	memset(it, 0, sizeof(*it));
	it->ok = ok;
	it->line = line;
	if (sec) {
		snprintf(it->sec_buf, sizeof(it->sec_buf), "%s", sec);
		it->sec = it->sec_buf;
	}
	it->key = key;
	snprintf(it->what, sizeof(it->what), "%s", what);
	snprintf(it->why, sizeof(it->why), "%s", why);
	va_start(ap, miss);
	vsnprintf(it->miss, sizeof(it->miss), miss, ap);
	va_end(ap);
}

/* A device node opened read-write. */
static void add_dev(struct preflight *pf, int (*can_rw)(const char *), const char *path,
		    unsigned line, const char *sec, const char *key, const char *why,
		    const char *fix)
{
	int e = can_rw(path);

	add(pf, !e, line, sec, key, path, why, "expected read-write access to %s (%s), got: %s (%s)",
	    path, why, strerror(e), fix);
}

static void collect_net(struct preflight *pf, const struct vm_config *cfg,
			const struct preflight_host *h,
			int (*can_rw)(const char *))
{
	int (*owner)(const char *, long *, long *) = h->tap_owner ? h->tap_owner : tap__owner;
	char sec[40], why[160];
	int vhost = -1;
	unsigned i;

	if (!cfg->nr_nets)
		return;
	snprintf(sec, sizeof(sec), "net.%s", cfg->nets[0].name);
	add_dev(pf, can_rw, TUN_PATH, cfg->nets[0].line.header, sec, "",
		"virtio-net TAP queues", "modprobe tun");
	for (i = 0; i < cfg->nr_nets; i++) {
		const struct config_net *n = &cfg->nets[i];
		long uid, gid;
		bool ok;

		snprintf(sec, sizeof(sec), "net.%s", n->name);
		if (vhost < 0 && n->vhost == CONFIG_VHOST_YES)
			vhost = (int)i;
		if (n->bridge) {
			snprintf(why, sizeof(why), "create a TAP on bridge %s", n->bridge);
			add(pf, has_cap(h, CAP_NET_ADMIN), n->line.bridge, sec, "bridge", "CAP_NET_ADMIN",
			    why, "expected CAP_NET_ADMIN to %s, this process lacks it (run mvmm as root, or use tap = with a TAP you own)",
			    why);
			continue;
		}
		/* The tun driver lets the TAP's owner or group attach without it. */
		ok = has_cap(h, CAP_NET_ADMIN) ||
		     (!owner(n->tap, &uid, &gid) &&
		      ((uid != -1 && uid == (long)h->euid) || (gid != -1 && in_groups(h, gid))));
		snprintf(why, sizeof(why), "attach to TAP %s (its owner or group need not)", n->tap);
		add(pf, ok, n->line.tap, sec, "tap", "CAP_NET_ADMIN", why,
		    "expected CAP_NET_ADMIN to attach to TAP %s, which is neither this user's nor its group's (run mvmm as root, or ip tuntap add %s mode tap user USER)",
		    n->tap, n->tap);
	}
	if (vhost >= 0) {
		snprintf(sec, sizeof(sec), "net.%s", cfg->nets[vhost].name);
		add_dev(pf, can_rw, VHOST_NET_PATH, cfg->nets[vhost].line.vhost, sec, "vhost",
			"the in-kernel virtio-net data path", "modprobe vhost_net, or vhost = no");
	}
}

/* What mvmm writes after the drop must be writable by the user it drops to. */
static void collect_drop_dirs(struct preflight *pf, const struct vm_config *cfg)
{
	const struct { const char *path, *what, *why; } w[] = {
		{ cfg->report_json, "--report-json", "written at start and exit, after the drop" },
		{ cfg->api_socket, "api_socket", "its socket is removed at exit, after the drop" },
	};
	char dir[PATH_MAX];
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		if (!w[i].path)
			continue;
		privdrop__dir_of(w[i].path, dir, sizeof(dir));
		add(pf, privdrop__may_write(dir, cfg->uid, cfg->gid), cfg->line.user, "machine", "user",
		    "writable directory", w[i].why,
		    "expected the directory of %s, '%s', to be writable by '%s' (uid %u, gid %u), it is not (chown it, or put the file elsewhere)",
		    w[i].what, dir, cfg->user, (unsigned)cfg->uid, (unsigned)cfg->gid);
	}
}

void preflight__collect(struct preflight *pf, const struct vm_config *cfg,
			const struct preflight_host *h)
{
	int (*can_rw)(const char *) = h->can_rw ? h->can_rw : real_can_rw;
	const char *vsock = getenv("MVMM_VHOST_VSOCK");
	uint64_t dev_mem = 0, ram = cfg->memory;
	char why[160];
	unsigned i;

	memset(pf, 0, sizeof(*pf));
	add_dev(pf, can_rw, KVM_PATH, 0, NULL, NULL, "every VM",
		"run mvmm as root or as a member of the kvm group");
	collect_net(pf, cfg, h, can_rw);
	if (cfg->vsock.present)
		add_dev(pf, can_rw, vsock && *vsock ? vsock : VHOST_VSOCK_PATH, cfg->vsock.line.header,
			"vsock", "", "[vsock], the guest's virtio-vsock", "modprobe vhost_vsock");
	if (cfg->drop)
		add(pf, has_cap(h, CAP_SETUID) && has_cap(h, CAP_SETGID), cfg->line.user, "machine",
		    "user", "CAP_SETUID, CAP_SETGID", "the drop to user = after setup",
		    "expected CAP_SETUID and CAP_SETGID to drop to '%s', this process lacks them (start mvmm as root)",
		    cfg->user);
	if (cfg->drop)
		collect_drop_dirs(pf, cfg);
	if (cfg->nested && h->kvm_nested >= 0)
		add(pf, h->kvm_nested == 1, cfg->line.nested, "machine", "nested", "nested KVM",
		    "SVM/VMX for the guest",
		    "expected %s's nested parameter on, got off (modprobe -r %s && modprobe %s nested=1)",
		    h->kvm_module, h->kvm_module, h->kvm_module);

	pf->nofile_need = preflight__nofile(cfg);
	pf->raise_nofile = h->nofile.rlim_cur != RLIM_INFINITY &&
			   h->nofile.rlim_cur < pf->nofile_need;
	snprintf(why, sizeof(why), "%u open files at most: %u vCPUs, %u devices, %u disks, %u NICs",
		 pf->nofile_need, cfg->cpus, cfg->nr_devices, cfg->nr_disks, cfg->nr_nets);
	add(pf, h->nofile.rlim_max == RLIM_INFINITY || h->nofile.rlim_max >= pf->nofile_need ||
		has_cap(h, CAP_SYS_RESOURCE), 0, NULL, NULL, "RLIMIT_NOFILE", why,
	    "expected RLIMIT_NOFILE of at least %u (%s), got a hard limit of %" PRIu64 " (raise it: ulimit -Hn %u)",
	    pf->nofile_need, why, (uint64_t)h->nofile.rlim_max, pf->nofile_need);

	for (i = 0; i < cfg->nr_devices; i++)
		dev_mem += cfg->devices[i].memory_size +
			   (uint64_t)cfg->devices[i].vfs * cfg->devices[i].vf_memory_size;
	if (cfg->hugepages)
		ram = 0;		/* from the hugetlb pool */
	else if (cfg->mem_path) {
		struct stat st;

		if (!stat(cfg->mem_path, &st) && !S_ISDIR(st.st_mode))
			ram = 0;	/* a file's pages can be written back */
	}
	if (!h->mem_available)
		return;
	/* Guest RAM must fit; device memory is sparse (MAP_NORESERVE, a
	 * 16 GiB BAR by default), so only a note when the guest could fill
	 * it beyond what the host has. */
	snprintf(why, sizeof(why), "%" PRIu64 " MiB of guest RAM (%" PRIu64 " MiB available)", ram >> 20,
		 h->mem_available >> 20);
	if (ram)
		add(pf, ram <= h->mem_available, cfg->line.memory, "machine", "memory", "memory", why,
		    "expected guest RAM within the host's %" PRIu64 " MiB available (MemAvailable), got %" PRIu64
		    " MiB (lower it, or free host memory)",
		    h->mem_available >> 20, ram >> 20);
	if (dev_mem && ram + dev_mem > h->mem_available)
		snprintf(pf->warning, sizeof(pf->warning),
			 "device memory: %" PRIu64 " MiB, sparse; a guest that writes all of it and its RAM needs %" PRIu64
			 " MiB more than the host has available", dev_mem >> 20,
			 (ram + dev_mem - h->mem_available) >> 20);
}

int preflight__check(const struct preflight *pf, const struct vm_config *cfg, char *err,
		     size_t errlen)
{
	unsigned i;

	for (i = 0; i < pf->nr; i++) {
		const struct preflight_item *it = &pf->item[i];

		if (it->ok)
			continue;
		if (it->sec)
			return config__errorf(cfg, err, errlen, it->line, it->sec, it->key, "%s",
					      it->miss);
		snprintf(err, errlen, "%s: %s", cfg->file ? cfg->file : "mvmm", it->miss);
		return -EPERM;
	}
	return 0;
}

int preflight__apply(const struct preflight *pf)
{
	struct rlimit rl;

	if (!pf->raise_nofile)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	rl.rlim_cur = pf->nofile_need;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur;	/* CAP_SYS_RESOURCE, checked */
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

void preflight__print(const struct preflight *pf, FILE *f)
{
	unsigned i;

	fprintf(f, "host process needs:\n");
	for (i = 0; i < pf->nr; i++)
		fprintf(f, "  %-7s %s: %s\n", pf->item[i].ok ? "ok" : "MISSING", pf->item[i].what,
			pf->item[i].why);
	if (pf->warning[0])
		fprintf(f, "  note    %s\n", pf->warning);
}
