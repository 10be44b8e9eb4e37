/*
 * The control socket's requests against the running machine (control.h is
 * the transport). Each request validates its arguments completely before
 * changing anything; placement changes go to the live plan (m->plan) under
 * plan_lock, so the placement report keeps saying on/off plan.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <numaif.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numa/migrate.h"
#include "numa/pin.h"
#include "numa/plan.h"
#include "numa/report.h"
#include "vmm/config.h"
#include "vmm/machine_priv.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"

#define LIST_LEN 256

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Arguments: only @allowed keys (NULL-terminated), so a typo is an error. */
static int check_keys(json_t *args, const char *const *allowed, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	unsigned i;

	json_object_foreach(args, key, v) {
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i])
			return fail(err, errlen, -EINVAL, "unexpected argument '%.64s'", key);
	}
	return 0;
}

/* A list of ids: "0-3,6", or one id as a JSON number (mvmm-ctl sends
 * "cpus=1" as 1). */
static int get_list(json_t *v, struct idset *out)
{
	char buf[24];

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return idset__parse(out, buf, IDSET_MAX) < 0 || idset__empty(out) ? -EINVAL : 0;
	}
	if (!json_is_string(v) || idset__parse(out, json_string_value(v), IDSET_MAX) < 0)
		return -EINVAL;
	return idset__empty(out) ? -EINVAL : 0;
}

static const char *list(const struct idset *s, char *buf)
{
	return idset__format(s, buf, LIST_LEN);
}

/* Argument @name: a list of ids (get_list) within @allowed, as the INI's
 * host_cpus / host_node are (what this process may use, which the cgroup
 * cpuset bounds). 0, or -EINVAL with the reason in @err. */
static int get_allowed(json_t *v, const char *name, const char *what,
		       const struct idset *allowed, struct idset *out, char *err, size_t errlen)
{
	char a[LIST_LEN], b[LIST_LEN];

	if (get_list(v, out) < 0)
		return fail(err, errlen, -EINVAL, "%s: expected a list like 0-3,6", name);
	if (!idset__subset(out, allowed))
		return fail(err, errlen, -EINVAL, "%s: expected %s this process may use (%s), got '%s'",
			    name, what, list(allowed, a), list(out, b));
	return 0;
}

/* ------------------------------------------------------------ queries */

static int cmd_query_status(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	static const char *const keys[] = { NULL };
	struct machine *m = opaque;
	uint64_t now = timeline__now();
	int status = atomic_load(&m->vm.exit_status);

	if (check_keys(args, keys, err, errlen) < 0)
		return -EINVAL;
	*ret = json_pack("{s:s,s:f,s:b}", "status",
			 status >= 0 ? "stopping" : m->vm.paused ? "paused" : "running",
			 "uptime_s", (double)(now - m->timeline.start_ns) / 1e9,
			 "running", status < 0 && !m->vm.paused);
	if (*ret && status >= 0)
		json_object_set_new(*ret, "exit", json_pack("{s:i,s:s}", "status", status,
							    "detail", m->vm.stop_reason));
	return *ret ? 0 : -ENOMEM;
}

/* The placement report, as --report-json writes it. */
static int cmd_query_placement(void *opaque, json_t *args, json_t **ret, char *err,
			       size_t errlen)
{
	static const char *const keys[] = { NULL };
	struct machine *m = opaque;
	struct numa_report r;
	json_error_t jerr;
	char *buf = NULL;
	size_t len;
	FILE *f;
	int r_;

	if (check_keys(args, keys, err, errlen) < 0)
		return -EINVAL;
	pthread_mutex_lock(&m->plan_lock);
	r_ = machine__collect_report(m, &r, "request");
	if (!r_) {
		f = open_memstream(&buf, &len);
		if (f) {
			numa_report__json(&r, &m->plan, f);
			fclose(f);
		}
		numa_report__free(&r);
	}
	pthread_mutex_unlock(&m->plan_lock);
	if (r_ < 0)
		return fail(err, errlen, r_, "cannot take the report: %s", strerror(-r_));
	*ret = buf ? json_loads(buf, 0, &jerr) : NULL;
	free(buf);
	return *ret ? 0 : -ENOMEM;
}

static int cmd_query_config(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	static const char *const keys[] = { NULL };
	struct machine *m = opaque;
	const struct vm_config *cfg = m->vm.cfg;
	const struct topology *t = &m->topo;
	json_t *nodes, *devs, *o;
	char a[LIST_LEN], b[LIST_LEN], c[LIST_LEN];
	unsigned i;

	if (check_keys(args, keys, err, errlen) < 0)
		return -EINVAL;
	o = json_pack("{s:s?,s:s,s:i,s:I,s:s,s:s?,s:s,s:I,s:b,s:s}", "file", cfg->file,
		      "name", cfg->name, "cpus", (int)cfg->cpus, "memory", (json_int_t)cfg->memory,
		      "kernel", cfg->kernel, "initrd", cfg->initrd, "cmdline", cfg->cmdline,
		      "page_size", (json_int_t)t->page_size, "numa", t->numa,
		      "emulator_cpus", list(&t->emulator_cpus, a));
	nodes = json_array();
	devs = json_array();
	if (!o || !nodes || !devs)
		goto nomem;
	for (i = 0; i < t->nr_nodes; i++) {
		const struct topo_node *n = &t->node[i];

		json_array_append_new(nodes, json_pack("{s:i,s:s,s:I,s:s,s:s,s:s}", "node", (int)i,
			"cpus", list(&n->cpus, a), "memory", (json_int_t)n->memory,
			"host_nodes", list(&n->host_nodes, b),
			"policy", numa_plan__policy_name(n->policy),
			"host_cpus", list(&n->host_cpus, c)));
	}
	for (i = 0; i < cfg->nr_devices; i++) {
		const struct config_device *d = &cfg->devices[i];

		json_array_append_new(devs, json_pack("{s:s,s:s,s:s,s:i,s:I,s:I}", "name", d->name,
			"type", "mock-accel", "bus", d->bus ? d->bus : "main", "vfs", (int)d->vfs,
			"memory_size", (json_int_t)d->memory_size,
			"vf_memory_size", (json_int_t)d->vf_memory_size));
	}
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "devices", devs);
	*ret = o;
	return 0;
nomem:
	json_decref(o);
	json_decref(nodes);
	json_decref(devs);
	return -ENOMEM;
}

/* --------------------------------------------------------- set-affinity */

static struct mock_accel *find_device(struct machine *m, const char *name)
{
	unsigned i;

	for (i = 0; i < m->nr_devs; i++)
		if (!strcmp(m->devs[i].name, name))
			return &m->devs[i];
	return NULL;
}

static int set_tid(pid_t tid, const struct idset *cpus)
{
	cpu_set_t set;

	numa_pin__to_cpuset(cpus, &set);
	return sched_setaffinity(tid, sizeof(set), &set) < 0 ? -errno : 0;
}

static bool is_device_worker(const struct machine *m, pid_t tid)
{
	unsigned i;

	for (i = 0; i < m->nr_devs; i++)
		if (mock_accel__worker_tid(&m->devs[i]) == tid)
			return true;
	return false;
}

/* Every thread that is neither a vCPU nor a device worker. */
static int set_emulator(struct machine *m, const struct idset *cpus, unsigned *count)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[64], name[32];
	int ret = 0;
	FILE *f;

	if (!d)
		return -errno;
	*count = 0;
	while ((e = readdir(d))) {
		pid_t tid = atoi(e->d_name);

		if (tid <= 0 || is_device_worker(m, tid))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
		f = fopen(path, "re");
		if (!f)
			continue;	/* ended meanwhile */
		name[0] = '\0';
		if (!fgets(name, sizeof(name), f))
			name[0] = '\0';
		fclose(f);
		if (!strncmp(name, "vcpu", 4) && name[4] >= '0' && name[4] <= '9')
			continue;
		ret = set_tid(tid, cpus);
		if (ret == -ESRCH)
			ret = 0;
		if (ret < 0)
			break;
		(*count)++;
	}
	closedir(d);
	return ret;
}

static int cmd_set_affinity(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)
{
	static const char *const keys[] = { "vcpu", "thread", "device", "cpus", NULL };
	struct machine *m = opaque;
	json_t *jv = json_object_get(args, "vcpu"), *jt = json_object_get(args, "thread");
	json_t *jd = json_object_get(args, "device"), *jc = json_object_get(args, "cpus");
	char a[LIST_LEN];
	struct mock_accel *dev = NULL;
	struct idset cpus;
	unsigned count = 1;
	json_int_t vcpu = -1;
	int r;

	if (check_keys(args, keys, err, errlen) < 0)
		return -EINVAL;
	if ((!!jv + !!jt + !!jd) != 1)
		return fail(err, errlen, -EINVAL, "expected exactly one of 'vcpu', 'thread', 'device'");
	if (get_allowed(jc, "cpus", "CPUs", &m->host.allowed_cpus, &cpus, err, errlen) < 0)
		return -EINVAL;
	if (jv) {
		vcpu = json_is_integer(jv) ? json_integer_value(jv) : -1;
		if (vcpu < 0 || vcpu >= m->vm.nr_vcpus)
			return fail(err, errlen, -EINVAL, "vcpu: expected a vCPU index below %u",
				    m->vm.nr_vcpus);
	} else if (jt) {
		if (!json_is_string(jt) || strcmp(json_string_value(jt), "emulator"))
			return fail(err, errlen, -EINVAL, "thread: expected \"emulator\"");
	} else {
		if (!json_is_string(jd) || !(dev = find_device(m, json_string_value(jd))))
			return fail(err, errlen, -EINVAL, "device: expected the name of a [device.NAME]");
		if (!mock_accel__worker_tid(dev))
			return fail(err, errlen, -EAGAIN, "device %s: its worker is not running",
				    dev->name);
	}
	pthread_mutex_lock(&m->plan_lock);
	if (jv) {
		cpu_set_t set;

		numa_pin__to_cpuset(&cpus, &set);
		r = -pthread_setaffinity_np(m->vm.vcpus[vcpu].thread, sizeof(set), &set);
		if (!r)
			m->plan.vcpu[vcpu].host_cpus = cpus;
	} else if (jt) {
		r = set_emulator(m, &cpus, &count);
		if (!r)
			m->plan.emulator_cpus = cpus;
	} else {
		r = set_tid(mock_accel__worker_tid(dev), &cpus);
		if (!r)
			dev->worker_cpus = cpus;
	}
	pthread_mutex_unlock(&m->plan_lock);
	if (r < 0)
		return fail(err, errlen, r, "sched_setaffinity: %s", strerror(-r));
	*ret = json_pack("{s:s,s:i}", "cpus", list(&cpus, a), "threads", (int)count);
	return *ret ? 0 : -ENOMEM;
}

/* ------------------------------------------------------- migrate-memory */

static const struct {
	const char *name;
	enum config_policy policy;
	int mode;
} policies[] = {
	{ "bind", CONFIG_POLICY_BIND, MPOL_BIND },
	{ "preferred", CONFIG_POLICY_PREFERRED, MPOL_PREFERRED },
	{ "interleave", CONFIG_POLICY_INTERLEAVE, MPOL_INTERLEAVE },
};

static json_t *result_json(const struct numa_migrate_result *res, uint64_t page_size)
{
	double s = (double)res->ns / 1e9;
	json_t *o, *why = json_object();
	unsigned i;

	for (i = 0; why && i < res->nr_reasons; i++)
		json_object_set_new(why, strerror(res->reason[i].err),
				    json_integer((json_int_t)res->reason[i].pages));
	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:f,s:f}", "page_size",
		      (json_int_t)page_size, "pages", (json_int_t)res->pages,
		      "present", (json_int_t)res->present, "moved", (json_int_t)res->moved,
		      "already", (json_int_t)res->already, "retried", (json_int_t)res->retried,
		      "failed", (json_int_t)res->failed, "failed_why", why ? why : json_object(),
		      "seconds", s,
		      "mb_per_s", s > 0 ? (double)res->moved * page_size / (1 << 20) / s : 0.0);
	return o;
}

/* What the kernel allocates at a time in guest RAM: transparent huge
 * pages where mvmm asked for them (anonymous 4K RAM, thp = yes), else the
 * page size. Device memory is anonymous too: 2M (THP where enabled). */
static uint64_t ram_granule(const struct machine *m)
{
	const struct vm_config *cfg = m->vm.cfg;

	return m->topo.page_size == SZ_4K && cfg->thp && !cfg->mem_path ? SZ_2M :
	       m->topo.page_size;
}

static int cmd_migrate_memory(void *opaque, json_t *args, json_t **ret, char *err,
			      size_t errlen)
{
	static const char *const keys[] = { "guest_node", "device", "host_nodes", "policy", NULL };
	struct machine *m = opaque;
	json_t *jn = json_object_get(args, "guest_node"), *jd = json_object_get(args, "device");
	json_t *jh = json_object_get(args, "host_nodes"), *jp = json_object_get(args, "policy");
	struct numa_migrate_result res = { 0 };
	char a[LIST_LEN];
	struct mock_accel *dev = NULL;
	struct idset nodes;
	json_int_t node = -1;
	unsigned i, p = 0;
	int r = 0;

	if (check_keys(args, keys, err, errlen) < 0)
		return -EINVAL;
	if (!!jn + !!jd != 1)
		return fail(err, errlen, -EINVAL, "expected exactly one of 'guest_node', 'device'");
	if (get_allowed(jh, "host_nodes", "nodes", &m->host.allowed_nodes, &nodes, err,
			errlen) < 0)
		return -EINVAL;
	if (jp) {
		for (p = 0; json_is_string(jp) && p < ARRAY_SIZE(policies) &&
			    strcmp(policies[p].name, json_string_value(jp)); p++)
			;
		if (!json_is_string(jp) || p == ARRAY_SIZE(policies))
			return fail(err, errlen, -EINVAL, "policy: expected bind, preferred or interleave");
	}
	if (policies[p].policy == CONFIG_POLICY_PREFERRED && idset__count(&nodes) != 1)
		return fail(err, errlen, -EINVAL, "host_nodes: expected one node for policy preferred");
	if (jn) {
		node = json_is_integer(jn) ? json_integer_value(jn) : -1;
		if (node < 0 || node >= m->topo.nr_nodes || !m->topo.node[node].memory)
			return fail(err, errlen, -EINVAL,
				    "guest_node: expected a guest node with memory (0-%u)",
				    m->topo.nr_nodes - 1);
	} else if (!json_is_string(jd) || !(dev = find_device(m, json_string_value(jd)))) {
		return fail(err, errlen, -EINVAL, "device: expected the name of a [device.NAME]");
	}
	pthread_mutex_lock(&m->plan_lock);
	if (jn) {
		const struct topo_node *tn = &m->topo.node[node];

		for (i = 0; !r && i < tn->nr_ranges; i++) {
			const struct topo_range *rg = &m->topo.range[tn->first_range + i];
			void *hva = gmem__ptr(&m->vm.mem, rg->gpa, rg->size);

			r = hva ? numa_migrate__range(hva, rg->size, m->topo.page_size,
						      ram_granule(m), &nodes, policies[p].mode,
						      &res) : -EFAULT;
		}
		if (!r) {
			m->plan.node[node].host_nodes = nodes;
			m->plan.node[node].policy = policies[p].policy;
		}
	} else {
		for (i = 0; !r && i <= dev->total_vfs; i++) {
			struct mock_accel_fn *fn = i ? &dev->vfs[i - 1] : &dev->pf;

			if (fn->mem)
				r = numa_migrate__range(fn->mem, fn->mem_len, SZ_4K, SZ_2M,
							&nodes, policies[p].mode, &res);
		}
		if (!r) {
			dev->host_nodes = nodes;
			dev->mem_policy = policies[p].mode;
		}
	}
	pthread_mutex_unlock(&m->plan_lock);
	if (r < 0)
		return fail(err, errlen, r, "mbind/move_pages: %s", strerror(-r));
	*ret = result_json(&res, jn ? m->topo.page_size : SZ_4K);
	if (*ret)
		json_object_set_new(*ret, "host_nodes", json_string(list(&nodes, a)));
	if (*ret)
		json_object_set_new(*ret, "policy", json_string(policies[p].name));
	return *ret ? 0 : -ENOMEM;
}

/* ---------------------------------------------------- query-memory-stats */

static const char *const vmstat_names[MACHINE_VMSTAT_MAX] = {
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local",
	"numa_other", "numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults",
	"numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail",
};

void machine__vmstat(uint64_t out[MACHINE_VMSTAT_MAX])
{
	char name[64];
	unsigned long long v;
	unsigned i;
	FILE *f = fopen("/proc/vmstat", "re");

	memset(out, 0, MACHINE_VMSTAT_MAX * sizeof(*out));
	if (!f)
		return;
	while (fscanf(f, "%63s %llu", name, &v) == 2)
		for (i = 0; i < MACHINE_VMSTAT_MAX && vmstat_names[i]; i++)
			if (!strcmp(name, vmstat_names[i]))
				out[i] = v;
	fclose(f);
}

/* numa_* fields of /proc/self/sched (CONFIG_NUMA_BALANCING), if any. */
static json_t *sched_numa(void)
{
	json_t *o = json_object();
	char line[256], key[128];
	long long v;
	FILE *f = fopen("/proc/self/sched", "re");

	if (!f || !o)
		goto out;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %127[a-z_.] : %lld", key, &v) == 2 && strstr(key, "numa"))
			json_object_set_new(o, key, json_integer(v));
out:
	if (f)
		fclose(f);
	return o;
}

static json_t *per_host_node(const uint64_t *on)
{
	json_t *o = json_object();
	char k[16];
	unsigned h;

	for (h = 0; o && h < NUMA_HOST_MAX_NODES; h++) {
		if (!on[h])
			continue;
		snprintf(k, sizeof(k), "%u", h);
		json_object_set_new(o, k, json_integer((json_int_t)on[h]));
	}
	return o;
}

static int cmd_query_memory_stats(void *opaque, json_t *args, json_t **ret, char *err,
				  size_t errlen)
{
	static const char *const keys[] = { NULL };
	struct machine *m = opaque;
	uint64_t now[MACHINE_VMSTAT_MAX], on[NUMA_HOST_MAX_NODES];
	json_t *o, *nodes, *devs, *vm;
	struct numa_report r;
	unsigned i, j;
	int rr;

	if (check_keys(args, keys, err, errlen) < 0)
		return -EINVAL;
	o = json_object();
	nodes = json_array();
	devs = json_array();
	vm = json_object();
	if (!o || !nodes || !devs || !vm)
		goto nomem;
	pthread_mutex_lock(&m->plan_lock);
	rr = machine__collect_report(m, &r, "request");
	for (i = 0; !rr && i < r.nr_nodes; i++)
		json_array_append_new(nodes, json_pack("{s:i,s:I,s:I,s:o,s:I}", "guest_node", (int)i,
			"pages", (json_int_t)r.node[i].pages, "present", (json_int_t)r.node[i].present,
			"on_host_node", per_host_node(r.node[i].on),
			"off_plan_pages", (json_int_t)r.node[i].off_plan));
	if (!rr)
		numa_report__free(&r);
	for (i = 0; i < m->nr_devs; i++) {
		struct mock_accel *d = &m->devs[i];
		int64_t present = 0, p;

		memset(on, 0, sizeof(on));
		for (j = 0; j <= d->total_vfs; j++) {
			struct mock_accel_fn *fn = j ? &d->vfs[j - 1] : &d->pf;

			if (fn->mem && (p = numa_migrate__count(fn->mem, fn->mem_len, SZ_4K, on,
								NUMA_HOST_MAX_NODES)) > 0)
				present += p;
		}
		json_array_append_new(devs, json_pack("{s:s,s:I,s:o}", "device", d->name,
			"present", (json_int_t)present, "on_host_node", per_host_node(on)));
	}
	pthread_mutex_unlock(&m->plan_lock);
	if (rr < 0) {
		json_decref(o);
		json_decref(nodes);
		json_decref(devs);
		json_decref(vm);
		return fail(err, errlen, rr, "cannot take the report: %s", strerror(-rr));
	}
	machine__vmstat(now);
	for (i = 0; i < MACHINE_VMSTAT_MAX && vmstat_names[i]; i++)
		json_object_set_new(vm, vmstat_names[i],
				    json_integer((json_int_t)(now[i] - m->vmstat0[i])));
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "devices", devs);
	json_object_set_new(o, "vmstat_delta", vm);
	json_object_set_new(o, "sched", sched_numa());
	*ret = o;
	return 0;
nomem:
	json_decref(o);
	json_decref(nodes);
	json_decref(devs);
	json_decref(vm);
	return -ENOMEM;
}

/* ------------------------------------------------------- run control */

/* Requests without arguments that act on the running machine. */
enum run_action { RUN_PAUSE, RUN_RESUME, RUN_POWERDOWN, RUN_QUIT };

static int run_control(void *opaque, json_t *args, char *err, size_t errlen,
		       enum run_action what)
{
	static const char *const keys[] = { NULL };
	static const char *const event[] = {
		[RUN_PAUSE] = "pause", [RUN_RESUME] = "resume", [RUN_POWERDOWN] = "powerdown",
		[RUN_QUIT] = "quit",
	};
	struct machine *m = opaque;
	int r = 0;

	if (check_keys(args, keys, err, errlen) < 0)
		return -EINVAL;
	switch (what) {
	case RUN_PAUSE:
		r = vm__pause(&m->vm);
		if (r < 0)
			return fail(err, errlen, r, r == -EALREADY ? "already paused" :
				    "cannot pause: %s", strerror(-r));
		break;
	case RUN_RESUME:
		r = vm__resume(&m->vm);
		if (r < 0)
			return fail(err, errlen, r, r == -EALREADY ? "not paused" :
				    "resumed, but the guest clock was not restored: %s",
				    strerror(-r));
		break;
	case RUN_POWERDOWN:
		/* The guest's ACPI power button; the guest decides what to do (a
		 * systemd guest powers off, and mvmm exits 0 as for any poweroff). */
		r = power__button(&m->power);
		if (r < 0)
			return fail(err, errlen, r, "cannot press the power button: %s",
				    strerror(-r));
		break;
	case RUN_QUIT:
		vm__request_stop(&m->vm, VM_EXIT_POWEROFF, "quit (control socket)");
		break;
	}
	timeline__add(&m->timeline, event[what], NULL, 0);
	return 0;
}

#define RUN_COMMAND(fn, what)								\
	static int fn(void *opaque, json_t *args, json_t **ret, char *err, size_t errlen)	\
	{										\
		(void)ret;								\
		return run_control(opaque, args, err, errlen, what);			\
	}
RUN_COMMAND(cmd_pause, RUN_PAUSE)
RUN_COMMAND(cmd_resume, RUN_RESUME)
RUN_COMMAND(cmd_powerdown, RUN_POWERDOWN)
RUN_COMMAND(cmd_quit, RUN_QUIT)

const struct control_command machine_commands[] = {
	{ "query-status", cmd_query_status },
	{ "query-placement", cmd_query_placement },
	{ "query-config", cmd_query_config },
	{ "query-memory-stats", cmd_query_memory_stats },
	{ "set-affinity", cmd_set_affinity },
	{ "migrate-memory", cmd_migrate_memory },
	{ "pause", cmd_pause },
	{ "resume", cmd_resume },
	{ "powerdown", cmd_powerdown },
	{ "quit", cmd_quit },
};
const unsigned machine_nr_commands = ARRAY_SIZE(machine_commands);
