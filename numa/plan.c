/* Placement planning against a host topology; see plan.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "numa/host.h"
#include "numa/plan.h"
#include "vmm/config.h"
#include "vmm/topology.h"
#include "vmm/util.h"

#define HUGETLBFS_MAGIC	0x958458f6
#define LIST_LEN	160

const char *numa_plan__policy_name(int policy)
{
	switch (policy) {
	case CONFIG_POLICY_PREFERRED:
		return "preferred";
	case CONFIG_POLICY_INTERLEAVE:
		return "interleave";
	default:
		return "bind";
	}
}

static const char *fmt_list(const struct idset *s, char *out, size_t len)
{
	idset__format(s, out, len);
	if (!out[0])
		snprintf(out, len, "none");
	return out;
}

static const char *fmt_size(uint64_t n, char *out, size_t len)
{
	if (n >= SZ_1G && !(n % SZ_1G))
		snprintf(out, len, "%" PRIu64 "G", n >> 30);
	else if (n >= SZ_1M)
		snprintf(out, len, "%" PRIu64 "M", n >> 20);
	else
		snprintf(out, len, "%" PRIu64 "K", n >> 10);
	return out;
}

/* A set of host CPUs a thread may be given: online, and allowed. */
static int check_cpus(const struct vm_config *cfg, const struct numa_host *h,
		      const struct idset *cpus, unsigned line, const char *sec, const char *key,
		      char *err, size_t errlen)
{
	char got[LIST_LEN], have[LIST_LEN];

	if (!idset__subset(cpus, &h->cpus))
		return config__errorf(cfg, err, errlen, line, sec, key,
			    "expected CPUs of this host (%s), got '%s'",
			    fmt_list(&h->cpus, have, sizeof(have)), fmt_list(cpus, got, sizeof(got)));
	if (!idset__subset(cpus, &h->allowed_cpus))
		return config__errorf(cfg, err, errlen, line, sec, key,
			    "expected CPUs this process may run on (%s: its cgroup cpuset or taskset), got '%s'",
			    fmt_list(&h->allowed_cpus, have, sizeof(have)),
			    fmt_list(cpus, got, sizeof(got)));
	return 0;
}

static int check_host_nodes(const struct vm_config *cfg, const struct numa_host *h,
			    unsigned i, char *err, size_t errlen)
{
	const struct config_numa_node *c = &cfg->numa->node[i];
	char sec[24], have[LIST_LEN], a[24];
	struct idset online;
	unsigned n;

	snprintf(sec, sizeof(sec), "numa.%u", i);
	idset__clear(&online);
	for (n = 0; n < h->nr_nodes; n++)
		if (h->node[n].online)
			idset__add(&online, n);
	idset__for_each(hn, &c->host_nodes) {
		if (!idset__has(&online, hn))
			return config__errorf(cfg, err, errlen, c->line.host_node, sec, "host_node",
				    "expected a node of this host (%s; see numactl --hardware), got '%d'",
				    fmt_list(&online, have, sizeof(have)), hn);
		if (!idset__has(&h->allowed_nodes, hn))
			return config__errorf(cfg, err, errlen, c->line.host_node, sec, "host_node",
				    "expected a node this process may allocate on (%s: its cgroup cpuset.mems), got '%d'",
				    fmt_list(&h->allowed_nodes, have, sizeof(have)), hn);
		if (c->memory && !h->node[hn].mem_total)
			return config__errorf(cfg, err, errlen, c->line.host_node, sec, "host_node",
				    "expected a host node with memory for %s of guest RAM, got '%d' (it has none)",
				    fmt_size(c->memory, a, sizeof(a)), hn);
	}
	return 0;
}

/* Strict binding to one host node must fit in it. */
static int check_fit(const struct vm_config *cfg, const struct numa_host *h, unsigned i,
		     char *err, size_t errlen)
{
	const struct config_numa_node *c = &cfg->numa->node[i];
	char sec[24], a[24], b[24];
	uint64_t cap = 0;

	if (c->policy != CONFIG_POLICY_BIND || !c->memory || cfg->hugepages ||
	    idset__empty(&c->host_nodes))
		return 0;
	idset__for_each(hn, &c->host_nodes)
		cap += h->node[hn].mem_total;
	if (c->memory <= cap)
		return 0;
	snprintf(sec, sizeof(sec), "numa.%u", i);
	return config__errorf(cfg, err, errlen, c->line.memory, sec, "memory",
		    "expected at most the %s of host node(s) it is bound to, got '%s' (use policy = preferred or interleave, or more host nodes)",
		    fmt_size(cap, a, sizeof(a)), fmt_size(c->memory, b, sizeof(b)));
}

/* Huge pages: per host node for strict single-node binding, else overall. */
static int check_huge(const struct topology *t, const struct vm_config *cfg,
		      const struct numa_host *h, char *err, size_t errlen)
{
	uint64_t need[NUMA_HOST_MAX_NODES] = { 0 }, rest = 0, total = 0, ps = t->page_size;
	unsigned line[NUMA_HOST_MAX_NODES] = { 0 }, n, i, kb = ps >> 10;
	char sec[24], a[24];

	if (ps <= SZ_4K)
		return 0;
	for (i = 0; i < t->nr_nodes; i++) {
		const struct topo_node *nd = &t->node[i];
		int hn = idset__next(&nd->host_nodes, 0);

		if (nd->policy == CONFIG_POLICY_BIND && idset__count(&nd->host_nodes) == 1) {
			need[hn] += nd->memory / ps;
			line[hn] = cfg->numa->node[i].line.host_node;
		} else {
			rest += nd->memory / ps;
		}
	}
	for (n = 0; n < h->nr_nodes; n++) {
		uint64_t have = numa_host__free_huge(h, n, ps);

		total += have;
		if (need[n] <= have)
			continue;
		for (i = 0; i < t->nr_nodes; i++)
			if (idset__has(&t->node[i].host_nodes, n))
				break;
		snprintf(sec, sizeof(sec), "numa.%u", i);
		return config__errorf(cfg, err, errlen, line[n], sec, "host_node",
			    "expected host node %u to have %" PRIu64 " free %s huge pages, got %" PRIu64
			    " (fix: echo %" PRIu64 " > /sys/devices/system/node/node%u/hugepages/hugepages-%ukB/nr_hugepages)",
			    n, need[n], fmt_size(ps, a, sizeof(a)), have,
			    numa_host__total_huge(h, n, ps) + need[n] - have, n, kb);
	}
	for (n = 0; n < h->nr_nodes; n++)
		total -= MIN(need[n], numa_host__free_huge(h, n, ps));
	if (rest > total)
		return config__errorf(cfg, err, errlen, cfg->line.hugepages, "machine", "hugepages",
			    "expected %" PRIu64 " free %s huge pages for guest RAM, got %" PRIu64
			    " (fix: raise /proc/sys/vm/nr_hugepages by %" PRIu64 ", or per node under /sys/devices/system/node/nodeN/hugepages/)",
			    rest, fmt_size(ps, a, sizeof(a)), total, rest - total);
	return 0;
}

/* mem_path: what it is decides how RAM is mapped (numa/mem.c). */
static int check_mem_path(struct topology *t, const struct vm_config *cfg, char *err,
			  size_t errlen)
{
	const char *p = cfg->mem_path;
	unsigned line = cfg->line.mem_path;
	char a[24], b[24];
	struct statfs sfs;
	struct stat st;
	unsigned i;

	if (!p)
		return 0;
	if (stat(p, &st) < 0)
		return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
			    "expected an existing directory, file or DAX device, got '%s' (%s; e.g. mkdir it, or mount -t hugetlbfs none %s)",
			    p, strerror(errno), p);
	if (S_ISDIR(st.st_mode)) {
		if (statfs(p, &sfs) < 0)
			return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
				    "expected a directory mvmm can create files in, got '%s' (%s)",
				    p, strerror(errno));
		if ((unsigned long)sfs.f_type == HUGETLBFS_MAGIC) {
			if (cfg->hugepages && (uint64_t)sfs.f_bsize != cfg->hugepages)
				return config__errorf(cfg, err, errlen, cfg->line.hugepages, "machine", "hugepages",
					    "expected the page size of mem_path '%s' (%s), got '%s' (mount -t hugetlbfs -o pagesize=%s none DIR)",
					    p, fmt_size(sfs.f_bsize, a, sizeof(a)),
					    fmt_size(cfg->hugepages, b, sizeof(b)),
					    fmt_size(cfg->hugepages, b, sizeof(b)));
			t->page_size = sfs.f_bsize;
			for (i = 0; i < t->nr_nodes; i++)
				if (t->node[i].memory % t->page_size)
					return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
						    "expected node memories in whole %s pages of hugetlbfs '%s', got node %u with %s",
						    fmt_size(t->page_size, a, sizeof(a)), p, i,
						    fmt_size(t->node[i].memory, b, sizeof(b)));
		} else if (cfg->hugepages) {
			return config__errorf(cfg, err, errlen, cfg->line.hugepages, "machine", "hugepages",
				    "expected mem_path on hugetlbfs with hugepages = %s, got '%s' (another file system)",
				    fmt_size(cfg->hugepages, a, sizeof(a)), p);
		}
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size < cfg->memory)
			return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
				    "expected a file of at least %s (the guest RAM), got '%s' of %s (fix: truncate -s %s %s)",
				    fmt_size(cfg->memory, a, sizeof(a)), p,
				    fmt_size(st.st_size, b, sizeof(b)), a, p);
		if (cfg->hugepages)
			return config__errorf(cfg, err, errlen, cfg->line.hugepages, "machine", "hugepages",
				    "expected no hugepages with mem_path on a regular file, got '%s'", p);
		return 0;
	}
	if (S_ISCHR(st.st_mode)) {
		/* Device DAX (persistent memory): mapped shared, 2M aligned. */
		char sys[96];
		uint64_t size = 0;
		FILE *f;

		if (!cfg->shared)
			return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
				    "expected shared = yes with a DAX device (it only maps shared), got '%s'", p);
		for (i = 0; i < t->nr_nodes; i++)
			if (t->node[i].memory % SZ_2M)
				return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
					    "expected node memories in whole 2M for DAX device '%s', got node %u with %s",
					    p, i, fmt_size(t->node[i].memory, a, sizeof(a)));
		snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u/size", major(st.st_rdev),
			 minor(st.st_rdev));
		f = fopen(sys, "re");
		if (f) {
			if (fscanf(f, "%" SCNu64, &size) != 1)
				size = 0;
			fclose(f);
		}
		if (size && size < cfg->memory)
			return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
				    "expected a device of at least %s (the guest RAM), got '%s' of %s",
				    fmt_size(cfg->memory, a, sizeof(a)), p, fmt_size(size, b, sizeof(b)));
		return 0;
	}
	return config__errorf(cfg, err, errlen, line, "machine", "mem_path",
		    "expected a directory, a regular file or a DAX character device, got '%s'", p);
}

int numa_plan__resolve(struct topology *t, const struct vm_config *cfg,
		       const struct numa_host *h, char *err, size_t errlen)
{
	const struct config_numa *cn = cfg->numa;
	char sec[24], have[LIST_LEN], got[LIST_LEN];
	unsigned i;
	int r;

	if (err && errlen)
		err[0] = '\0';
	t->allowed_cpus = h->allowed_cpus;
	if (!idset__empty(&t->emulator_cpus)) {
		r = check_cpus(cfg, h, &t->emulator_cpus, cfg->line.emulator_cpus, "machine",
			       "emulator_cpus", err, errlen);
		if (r < 0)
			return r;
	}
	for (i = 0; t->numa && i < t->nr_nodes; i++) {
		struct topo_node *nd = &t->node[i];
		const struct config_numa_node *c = &cn->node[i];

		snprintf(sec, sizeof(sec), "numa.%u", i);
		r = check_host_nodes(cfg, h, i, err, errlen);
		if (r < 0)
			return r;
		r = check_fit(cfg, h, i, err, errlen);
		if (r < 0)
			return r;
		if (idset__empty(&nd->cpus))
			continue;
		if (!idset__empty(&nd->host_cpus)) {
			r = check_cpus(cfg, h, &nd->host_cpus, c->line.host_cpus, sec, "host_cpus",
				       err, errlen);
			if (r < 0)
				return r;
		} else if (!idset__empty(&nd->host_nodes)) {
			/* Default: the host nodes' CPUs this process may use. */
			idset__for_each(hn, &nd->host_nodes)
				idset__or(&nd->host_cpus, &h->node[hn].cpus);
			idset__and(&nd->host_cpus, &h->allowed_cpus);
			if (idset__empty(&nd->host_cpus))
				return config__errorf(cfg, err, errlen, c->line.host_node, sec, "host_node",
					    "expected a host node with CPUs this process may use (%s) for its vCPUs, got '%s' (set host_cpus)",
					    fmt_list(&h->allowed_cpus, have, sizeof(have)),
					    fmt_list(&nd->host_nodes, got, sizeof(got)));
		}
	}
	for (i = 0; i < t->nr_vcpus; i++) {
		struct topo_vcpu *v = &t->vcpu[i];

		if (!idset__empty(&v->host_cpus)) {
			snprintf(sec, sizeof(sec), "vcpu.%u", i);
			r = check_cpus(cfg, h, &v->host_cpus, cn->vcpu[i].line.host_cpus, sec,
				       "host_cpus", err, errlen);
			if (r < 0)
				return r;
		} else {
			v->host_cpus = t->node[v->node].host_cpus;
		}
		/* An unpinned vCPU must not inherit emulator_cpus from the
		 * thread that creates it: give it the process's own set. */
		if (idset__empty(&v->host_cpus) && !idset__empty(&t->emulator_cpus))
			v->host_cpus = h->allowed_cpus;
	}
	r = check_mem_path(t, cfg, err, errlen);
	if (r < 0)
		return r;
	return check_huge(t, cfg, h, err, errlen);
}

int numa_plan__make(struct topology *t, struct numa_host *h, const struct vm_config *cfg,
		    char *err, size_t errlen)
{
	int r;

	r = topology__build(t, cfg, err, errlen);
	if (r < 0)
		return r;
	r = numa_host__probe(h);
	if (r < 0) {
		snprintf(err, errlen, "cannot read the host's NUMA topology: %s", strerror(-r));
		return r;
	}
	return numa_plan__resolve(t, cfg, h, err, errlen);
}

void numa_plan__print(const struct topology *t, const struct vm_config *cfg,
		      const struct numa_host *h, FILE *f)
{
	char a[LIST_LEN], b[LIST_LEN], s[24];
	unsigned i, j, r;

	fprintf(f, "host: %u node(s)%s, CPUs %s, this process may use CPUs %s, nodes %s\n",
		h->nr_nodes, h->libnuma ? "" : " (no NUMA support)", fmt_list(&h->cpus, a, sizeof(a)),
		fmt_list(&h->allowed_cpus, b, sizeof(b)),
		fmt_list(&h->allowed_nodes, s, sizeof(s)));
	for (i = 0; i < h->nr_nodes; i++) {
		if (!h->node[i].online)
			continue;
		fprintf(f, "  host node %u: CPUs %s, %s (%s free), free huge pages 2M %" PRIu64
			", 1G %" PRIu64 "\n", i, fmt_list(&h->node[i].cpus, a, sizeof(a)),
			fmt_size(h->node[i].mem_total, b, sizeof(b)),
			fmt_size(h->node[i].mem_free, s, sizeof(s)), h->node[i].free_2m,
			h->node[i].free_1g);
	}
	fprintf(f, "guest: %u vCPU(s) (CPUID: %u socket(s) x %u core(s) x %u thread(s) max), %s RAM, %s\n",
		t->nr_vcpus, t->cpu.sockets, t->cpu.cores, t->cpu.threads,
		fmt_size(cfg->memory, a, sizeof(a)),
		t->numa ? (t->hmat ? "SRAT+SLIT+HMAT" : "SRAT+SLIT") : "no NUMA tables (one node)");
	fprintf(f, "backing: %s%s%s, page size %s%s\n",
		cfg->mem_path ? "file " : "anonymous", cfg->mem_path ? cfg->mem_path : "",
		cfg->shared ? " (shared)" : " (private)", fmt_size(t->page_size, s, sizeof(s)),
		cfg->prefault ? ", prefaulted" : "");
	for (i = 0; i < t->nr_nodes; i++) {
		const struct topo_node *nd = &t->node[i];

		fprintf(f, "guest node %u: vCPUs %s, %s RAM", i, fmt_list(&nd->cpus, a, sizeof(a)),
			fmt_size(nd->memory, b, sizeof(b)));
		for (r = 0; r < nd->nr_ranges; r++) {
			const struct topo_range *rg = &t->range[nd->first_range + r];

			fprintf(f, "%s[0x%" PRIx64 "-0x%" PRIx64 ")", r ? " " : " at ", rg->gpa,
				rg->gpa + rg->size);
		}
		if (idset__empty(&nd->host_nodes))
			fprintf(f, ", host node: any (not bound)");
		else
			fprintf(f, ", host node %s policy %s", fmt_list(&nd->host_nodes, a, sizeof(a)),
				numa_plan__policy_name(nd->policy));
		if (!idset__empty(&nd->cpus))
			fprintf(f, ", host CPUs %s", idset__empty(&nd->host_cpus) ? "any" :
				fmt_list(&nd->host_cpus, a, sizeof(a)));
		fprintf(f, "\n");
	}
	if (t->numa) {
		fprintf(f, "distances:");
		for (i = 0; i < t->nr_nodes; i++) {
			fprintf(f, "%s", i ? " |" : "");
			for (j = 0; j < t->nr_nodes; j++)
				fprintf(f, " %u", t->distance[i][j]);
		}
		fprintf(f, "\n");
	}
	for (i = 0; i < t->nr_vcpus; i++) {
		const struct topo_vcpu *v = &t->vcpu[i];

		fprintf(f, "vCPU %u: node %u, socket %u core %u thread %u, APIC id %u, host CPUs %s\n",
			i, v->node, v->place.socket, v->place.core, v->place.thread, v->apic_id,
			idset__empty(&v->host_cpus) ? "any (not pinned)" :
			fmt_list(&v->host_cpus, a, sizeof(a)));
	}
	fprintf(f, "other threads: host CPUs %s\n", idset__empty(&t->emulator_cpus) ?
		"any (not pinned)" : fmt_list(&t->emulator_cpus, a, sizeof(a)));
}
