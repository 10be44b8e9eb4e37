/* Placement report; see report.h. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "numa/pin.h"
#include "numa/plan.h"
#include "numa/report.h"
#include "vmm/gmem.h"
#include "vmm/topology.h"
#include "vmm/util.h"

#define BATCH		1024	/* pages per move_pages call */
#define LIST_LEN	160

static void read_comm(const char *dir, pid_t tid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/comm", dir, (int)tid);
	out[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(out, len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* "vcpu<N>" (vcpu.c names its threads so) with N a vCPU of @t, or -1. */
static int vcpu_of(const char *name, const struct topology *t)
{
	unsigned n;
	char end;

	if (sscanf(name, "vcpu%u%c", &n, &end) != 1 || n >= t->nr_vcpus)
		return -1;
	return n;
}

static int collect_threads(struct numa_report *r, const struct topology *t)
{
	bool seen[CONFIG_MAX_VCPUS] = { false };
	unsigned cap = 0, i;
	struct dirent *d;
	DIR *dir;

	dir = opendir("/proc/self/task");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		struct numa_report_thread *th, *n;
		pid_t tid = atoi(d->d_name);

		if (tid <= 0)
			continue;
		if (r->nr_threads == cap) {
			cap = cap ? cap * 2 : 16;
			n = realloc(r->thread, cap * sizeof(*n));
			if (!n) {
				closedir(dir);
				return -ENOMEM;
			}
			r->thread = n;
		}
		th = &r->thread[r->nr_threads];
		memset(th, 0, sizeof(*th));
		th->tid = tid;
		if (numa_pin__get(tid, &th->affinity) < 0)
			continue;	/* exited since readdir */
		read_comm("/proc/self/task", tid, th->name, sizeof(th->name));
		th->vcpu = vcpu_of(th->name, t);
		if (th->vcpu >= 0 && !seen[th->vcpu]) {
			seen[th->vcpu] = true;
			th->planned = t->vcpu[th->vcpu].host_cpus;
		} else {
			th->vcpu = -1;
			th->planned = t->emulator_cpus;
		}
		if (idset__empty(&th->planned))
			th->planned = t->allowed_cpus;
		th->ok = idset__equal(&th->affinity, &th->planned);
		r->off_plan += !th->ok;
		r->nr_threads++;
	}
	closedir(dir);
	for (i = 0; i < t->nr_vcpus; i++)
		r->vcpus_missing += !seen[i];
	r->off_plan += r->vcpus_missing;
	return 0;
}

/* move_pages with no target nodes only reports: node, -ENOENT (never
 * touched), or another error (e.g. the shared zero page). */
static int collect_region(struct numa_report_node *n, const struct topo_node *nd, uint64_t ps,
			  const struct gmem_region *g)
{
	uint64_t count = g->size / ps, i, k;
	void *pages[BATCH];
	int status[BATCH];

	for (i = 0; i < count; i += k) {
		uint64_t batch = MIN(count - i, (uint64_t)BATCH);

		for (k = 0; k < batch; k++)
			pages[k] = (uint8_t *)g->hva + (i + k) * ps;
		if (move_pages(0, batch, pages, NULL, status, 0) < 0)
			return -errno;
		for (k = 0; k < batch; k++) {
			int s = status[k];

			if (s >= 0 && s < NUMA_HOST_MAX_NODES) {
				n->present++;
				n->on[s]++;
				if (!idset__empty(&nd->host_nodes) && !idset__has(&nd->host_nodes, s))
					n->off_plan++;
			} else if (s != -ENOENT) {
				n->other++;
			}
		}
		n->pages += batch;
	}
	return 0;
}

int numa_report__collect(struct numa_report *r, const struct topology *t,
			 const struct gmem *mem, const char *when)
{
	unsigned i;
	int ret;

	memset(r, 0, sizeof(*r));
	r->when = when;
	r->pid = getpid();
	r->nr_nodes = t->nr_nodes;
	ret = collect_threads(r, t);
	if (ret < 0)
		goto err;
	for (i = 0; i < mem->nr; i++) {
		const struct gmem_region *g = &mem->regions[i];

		ret = 0;
		if (g->guest_node < 0 || (unsigned)g->guest_node >= t->nr_nodes)
			continue;
		if (g->pmem && r->nr_pmem < CONFIG_MAX_PMEM) {
			/* Not the node's RAM; judged only where it was bound. */
			static const struct topo_node unbound;
			struct numa_report_pmem *p = &r->pmem[r->nr_pmem++];

			p->guest_node = (unsigned)g->guest_node;
			p->bound = g->bound;
			ret = collect_region(&p->n, g->bound ? &t->node[g->guest_node] : &unbound,
					     SZ_4K, g);
		} else if (!g->pmem) {
			ret = collect_region(&r->node[g->guest_node], &t->node[g->guest_node],
					     t->page_size, g);
		}
		if (ret < 0)
			goto err;
	}
	for (i = 0; i < t->nr_nodes; i++)
		r->off_plan += r->node[i].off_plan > 0;
	for (i = 0; i < r->nr_pmem; i++)
		r->off_plan += r->pmem[i].n.off_plan > 0;
	return 0;
err:
	numa_report__free(r);
	return ret;
}

int numa_report__plan_thread(struct numa_report *r, pid_t tid, const struct idset *planned)
{
	unsigned i;

	for (i = 0; i < r->nr_threads; i++) {
		struct numa_report_thread *th = &r->thread[i];

		if (th->tid != tid)
			continue;
		r->off_plan -= !th->ok;
		th->planned = *planned;
		th->ok = idset__equal(&th->affinity, &th->planned);
		r->off_plan += !th->ok;
		return 0;
	}
	return -ENOENT;
}

int numa_report__add_thread(struct numa_report *r, pid_t tid, const struct idset *planned)
{
	struct numa_report_thread *th, *n;
	int ret;

	if (!numa_report__plan_thread(r, tid, planned))
		return 0;
	n = realloc(r->thread, (r->nr_threads + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->thread = n;
	th = &r->thread[r->nr_threads];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->vcpu = -1;
	ret = numa_pin__get(tid, &th->affinity);
	if (ret < 0)
		return ret;
	read_comm("/proc", tid, th->name, sizeof(th->name));
	th->planned = *planned;
	th->ok = idset__equal(&th->affinity, &th->planned);
	r->off_plan += !th->ok;
	r->nr_threads++;
	return 0;
}

void numa_report__free(struct numa_report *r)
{
	free(r->thread);
	r->thread = NULL;
	r->nr_threads = 0;
}

static const char *list(const struct idset *s, char *out, size_t len)
{
	idset__format(s, out, len);
	return out;
}

void numa_report__print(const struct numa_report *r, const struct topology *t, FILE *f)
{
	char a[LIST_LEN], b[LIST_LEN];
	unsigned i, h;

	fprintf(f, "mvmm: placement report (%s), pid %d: %s", r->when, (int)r->pid,
		r->off_plan ? "" : "all on plan\n");
	if (r->off_plan)
		fprintf(f, "%u item(s) OFF-PLAN\n", r->off_plan);
	fprintf(f, "mvmm:   %-8s %-16s %-16s %s\n", "tid", "thread", "affinity", "planned");
	for (i = 0; i < r->nr_threads; i++) {
		const struct numa_report_thread *th = &r->thread[i];

		fprintf(f, "mvmm:   %-8d %-16s %-16s %-16s %s\n", (int)th->tid, th->name,
			list(&th->affinity, a, sizeof(a)), list(&th->planned, b, sizeof(b)),
			th->ok ? "ok" : "OFF-PLAN");
	}
	if (r->vcpus_missing)
		fprintf(f, "mvmm:   %u vCPU(s) without a thread: OFF-PLAN\n", r->vcpus_missing);
	for (i = 0; i < r->nr_nodes; i++) {
		const struct numa_report_node *n = &r->node[i];
		const struct topo_node *nd = &t->node[i];

		fprintf(f, "mvmm:   guest node %u (", i);
		if (idset__empty(&nd->host_nodes))
			fprintf(f, "not bound");
		else
			fprintf(f, "%s host node %s", numa_plan__policy_name(nd->policy),
				list(&nd->host_nodes, a, sizeof(a)));
		fprintf(f, "): %" PRIu64 " of %" PRIu64 " %" PRIu64 "K pages touched:", n->present,
			n->pages, t->page_size >> 10);
		for (h = 0; h < NUMA_HOST_MAX_NODES; h++)
			if (n->on[h])
				fprintf(f, " host node %u: %" PRIu64, h, n->on[h]);
		fprintf(f, "%s\n", n->off_plan ? " OFF-PLAN" : n->present ? " ok" : "");
	}
	for (i = 0; i < r->nr_pmem; i++) {
		const struct numa_report_pmem *p = &r->pmem[i];

		fprintf(f, "mvmm:   pmem %u (guest node %u, %s): %" PRIu64 " of %" PRIu64
			" 4K pages present:", i, p->guest_node,
			p->bound ? "bound to its host node(s)" : "not bound: the backing places it",
			p->n.present, p->n.pages);
		for (h = 0; h < NUMA_HOST_MAX_NODES; h++)
			if (p->n.on[h])
				fprintf(f, " host node %u: %" PRIu64, h, p->n.on[h]);
		fprintf(f, "%s\n", p->n.off_plan ? " OFF-PLAN" : p->bound && p->n.present ? " ok" : "");
	}
}

void numa_report__json(const struct numa_report *r, const struct topology *t, FILE *f)
{
	char a[LIST_LEN], b[LIST_LEN];
	unsigned i, h, k;

	fprintf(f, "{\"when\": \"%s\", \"pid\": %d, \"time\": %lld, \"off_plan\": %u, "
		"\"vcpus_missing\": %u, \"page_size\": %" PRIu64 ",\n", r->when, (int)r->pid,
		(long long)time(NULL), r->off_plan, r->vcpus_missing, t->page_size);
	fprintf(f, "\"threads\": [\n");
	for (i = 0; i < r->nr_threads; i++) {
		const struct numa_report_thread *th = &r->thread[i];

		/* Thread names are ours ("vcpuN", "mvmm", ...): no escaping needed,
		 * but never let a quote through. */
		for (k = 0; th->name[k]; k++)
			if (th->name[k] == '"' || th->name[k] == '\\' || th->name[k] < 0x20)
				break;
		fprintf(f, "{\"tid\": %d, \"name\": \"%.*s\", \"vcpu\": %d, \"affinity\": \"%s\", "
			"\"planned\": \"%s\", \"ok\": %s}%s\n", (int)th->tid, (int)k, th->name,
			th->vcpu, list(&th->affinity, a, sizeof(a)), list(&th->planned, b, sizeof(b)),
			th->ok ? "true" : "false", i + 1 < r->nr_threads ? "," : "");
	}
	fprintf(f, "],\n\"nodes\": [\n");
	for (i = 0; i < r->nr_nodes; i++) {
		const struct numa_report_node *n = &r->node[i];
		const struct topo_node *nd = &t->node[i];
		bool first = true;

		fprintf(f, "{\"guest_node\": %u, \"host_nodes\": \"%s\", \"policy\": \"%s\", "
			"\"pages\": %" PRIu64 ", \"touched\": %" PRIu64 ", \"other\": %" PRIu64
			", \"on_host_node\": {", i, list(&nd->host_nodes, a, sizeof(a)),
			idset__empty(&nd->host_nodes) ? "none" : numa_plan__policy_name(nd->policy),
			n->pages, n->present, n->other);
		for (h = 0; h < NUMA_HOST_MAX_NODES; h++) {
			if (!n->on[h])
				continue;
			fprintf(f, "%s\"%u\": %" PRIu64, first ? "" : ", ", h, n->on[h]);
			first = false;
		}
		fprintf(f, "}, \"off_plan_pages\": %" PRIu64 ", \"ok\": %s}%s\n", n->off_plan,
			n->off_plan ? "false" : "true", i + 1 < r->nr_nodes ? "," : "");
	}
	fprintf(f, "],\n\"pmem\": [\n");
	for (i = 0; i < r->nr_pmem; i++) {
		const struct numa_report_pmem *p = &r->pmem[i];
		bool first = true;

		fprintf(f, "{\"pmem\": %u, \"guest_node\": %u, \"bound\": %s, \"pages\": %" PRIu64
			", \"touched\": %" PRIu64 ", \"on_host_node\": {", i, p->guest_node,
			p->bound ? "true" : "false", p->n.pages, p->n.present);
		for (h = 0; h < NUMA_HOST_MAX_NODES; h++) {
			if (!p->n.on[h])
				continue;
			fprintf(f, "%s\"%u\": %" PRIu64, first ? "" : ", ", h, p->n.on[h]);
			first = false;
		}
		fprintf(f, "}, \"off_plan_pages\": %" PRIu64 ", \"ok\": %s}%s\n", p->n.off_plan,
			p->n.off_plan ? "false" : "true", i + 1 < r->nr_pmem ? "," : "");
	}
	fprintf(f, "]");
	if (r->extra_json)
		fprintf(f, ",\n%s", r->extra_json);
	fprintf(f, "}\n");
}

int numa_report__write_json(const struct numa_report *r, const struct topology *t,
			    const char *path)
{
	size_t len = strlen(path) + 16;
	char *tmp = malloc(len);
	FILE *f;
	int ret = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		ret = -errno;
		goto out;
	}
	numa_report__json(r, t, f);
	if (fflush(f) || ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}
