/*
 * Config sections of guest NUMA and host placement: [numa.N], [distance],
 * [hmat], [vcpu.N], and the cross-checks of config__finish over them and the
 * [machine] keys they depend on (cpus, memory, sockets/cores/threads,
 * hugepages, mem_path).
 *
 * Parsing only records what is written (and its line); every rule that
 * involves more than one key waits for numa_finish(), because sections may
 * come in any order. What the host can do (node exists, CPU allowed, free
 * huge pages) is numa/plan.c's business, not the config's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/config_priv.h"
#include "vmm/util.h"

#define LIST_LEN	160	/* a formatted id list in a message */

static struct config_numa *numa_get(struct cfg_parser *p)
{
	struct config_numa *n = p->cfg->numa;

	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n) {
		cfgp_perr(p, p->lineno, "out of memory");
		p->err = -ENOMEM;
		return NULL;
	}
	n->hmat = true;
	p->cfg->numa = n;
	return n;
}

/* "N" of "[numa.N]": a decimal id below @max, or a reported error. */
static int section_id(struct cfg_parser *p, const char *id, unsigned max, const char *what,
		      unsigned *out)
{
	char shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	uint64_t v;

	if (id[0] == '0' && id[1] == 'x')
		v = max;	/* ids are decimal: "0x1" is not node 1 */
	else if (config__parse_uint(id, max - 1, &v) < 0)
		v = max;
	if (v >= max)
		return cfgp_perr(p, p->lineno, "[%s]: expected a %s number between 0 and %u, got '%s'",
				 p->sec_name, what, max - 1, CFGP_SHOW(shown, id));
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- setters */

/* A cpulist of ids below k->max ("0-3,8"); empty allowed if k->min is 0. */
int cfgp_set_idlist(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	struct idset *s = cfgp_field(obj, k->off);
	int r = idset__parse(s, v, k->max);

	if (r < 0 || (k->min && idset__empty(s)))
		return cfgp_expected(p, k, v, "a list like 0-3,6 of ids below %" PRIu64, k->max);
	return 0;
}

int cfgp_set_bool(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i])) {
			*(bool *)cfgp_field(obj, k->off) = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*(bool *)cfgp_field(obj, k->off) = false;
			return 0;
		}
	}
	return cfgp_expected(p, k, v, "yes or no");
}

int cfgp_set_hugepages(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	uint64_t n;

	if (config__parse_size(v, &n) < 0 || (n != SZ_2M && n != SZ_1G))
		return cfgp_expected(p, k, v, "2M or 1G");
	*(uint64_t *)cfgp_field(obj, k->off) = n;
	return 0;
}

static int set_policy(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	static const char *const names[] = {
		[CONFIG_POLICY_BIND] = "bind",
		[CONFIG_POLICY_PREFERRED] = "preferred",
		[CONFIG_POLICY_INTERLEAVE] = "interleave",
	};
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			*(enum config_policy *)cfgp_field(obj, k->off) = i;
			return 0;
		}
	}
	return cfgp_expected(p, k, v, "bind, preferred or interleave");
}

/* ------------------------------------------------------------- [numa.N] */

#define NKEY(key, setter, fld, ...) \
	CFG_KEY(struct config_numa_node, key, setter, fld, line.fld, __VA_ARGS__)

static const struct cfg_key numa_keys[] = {
	NKEY("cpus", cfgp_set_idlist, cpus, .max = CONFIG_MAX_VCPUS),
	NKEY("memory", cfgp_set_size, memory, .max = CONFIG_MAX_MEMORY, .align = SZ_1M),
	CFG_KEY(struct config_numa_node, "host_node", cfgp_set_idlist, host_nodes, line.host_node,
		.min = 1, .max = IDSET_MAX),
	NKEY("policy", set_policy, policy),
	NKEY("host_cpus", cfgp_set_idlist, host_cpus, .min = 1, .max = IDSET_MAX),
};

static void *numa_open(struct cfg_parser *p, const char *id)
{
	struct config_numa *n;
	struct config_numa_node *node;
	unsigned i;

	if (section_id(p, id, CONFIG_MAX_NODES, "node", &i) < 0 || !(n = numa_get(p)))
		return NULL;
	node = &n->node[i];
	if (node->present && p->set_spec)
		return node;
	if (node->present) {
		cfgp_perr(p, p->lineno, "repeated section [%s] (first at line %u)", p->sec_name,
			  node->line.header);
		return NULL;
	}
	node->present = true;
	node->line.header = p->lineno;
	n->nr_nodes = MAX(n->nr_nodes, i + 1);
	return node;
}

/* ----------------------------------------------------- [distance], [hmat] */

/* "I-J" with both ids below CONFIG_MAX_NODES. */
static int parse_pair(const char *s, unsigned *i, unsigned *j)
{
	char *end;
	unsigned long a, b;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	if (*end != '-' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (*end || a >= CONFIG_MAX_NODES || b >= CONFIG_MAX_NODES)
		return -EINVAL;
	*i = a;
	*j = b;
	return 0;
}

static void *distance_open(struct cfg_parser *p, const char *id)
{
	(void)id;
	return numa_get(p);
}

static int distance_key(struct cfg_parser *p, void *obj, const char *name, const char *v)
{
	char shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)], val[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	struct config_numa *n = obj;
	unsigned i, j;
	uint64_t d;

	if (parse_pair(name, &i, &j) < 0)
		return cfgp_perr(p, p->lineno,
				 "[distance] %s: expected a key 'I-J' of two node ids below %u, got '%s'",
				 CFGP_SHOW(shown, name), CONFIG_MAX_NODES, CFGP_SHOW(val, name));
	if (n->distance_line[i][j] && !p->set_spec)
		return cfgp_perr(p, p->lineno, "[distance] %u-%u: duplicate key (first set at line %u)",
				 i, j, n->distance_line[i][j]);
	if (config__parse_uint(v, UINT64_MAX, &d) < 0)
		d = 0;
	if (i == j && d != CONFIG_LOCAL_DISTANCE)
		return cfgp_perr(p, p->lineno, "[distance] %u-%u: expected %u (a node's distance to itself), got '%s'",
				 i, j, CONFIG_LOCAL_DISTANCE, CFGP_SHOW(val, v));
	if (i != j && (d <= CONFIG_LOCAL_DISTANCE || d > CONFIG_MAX_DISTANCE))
		return cfgp_perr(p, p->lineno,
				 "[distance] %u-%u: expected a distance between %u and %u (10 is local), got '%s'",
				 i, j, CONFIG_LOCAL_DISTANCE + 1, CONFIG_MAX_DISTANCE, CFGP_SHOW(val, v));
	n->distance[i][j] = d;
	n->distance_line[i][j] = p->lineno;
	return 0;
}

const struct cfg_section config_distance_section = {
	.name = "distance", .open = distance_open, .other_key = distance_key,
};

static const struct cfg_key hmat_keys[] = {
	CFG_KEY(struct config_numa, "enabled", cfgp_set_bool, hmat, hmat_line),
};

static void *hmat_open(struct cfg_parser *p, const char *id)
{
	struct config_numa *n = numa_get(p);

	(void)id;
	if (n)
		n->hmat_header = p->lineno;
	return n;
}

/* latency.I-T = NS, bandwidth.I-T = MB/s (Linux's units in sysfs). */
static int hmat_key(struct cfg_parser *p, void *obj, const char *name, const char *v)
{
	char shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)], val[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	struct config_numa *n = obj;
	struct config_hmat_pair *pair;
	bool latency = !strncmp(name, "latency.", 8);
	unsigned i, j, *line;
	uint64_t x;

	if ((!latency && strncmp(name, "bandwidth.", 10)) ||
	    parse_pair(strchr(name, '.') + 1, &i, &j) < 0)
		return cfgp_perr(p, p->lineno,
				 "[hmat] %s: expected 'enabled', 'latency.I-T' or 'bandwidth.I-T' (I, T node ids below %u), got '%s'",
				 CFGP_SHOW(shown, name), CONFIG_MAX_NODES, CFGP_SHOW(val, name));
	pair = &n->hmat_pair[i][j];
	line = latency ? &pair->latency_line : &pair->bandwidth_line;
	if (*line && !p->set_spec)
		return cfgp_perr(p, p->lineno, "[hmat] %s: duplicate key (first set at line %u)",
				 CFGP_SHOW(shown, name), *line);
	/* Entries are 16 bits times a base unit; keep values where any base
	 * unit can still express them exactly enough. */
	if (config__parse_uint(v, 1000000000, &x) < 0 || !x)
		return cfgp_perr(p, p->lineno, "[hmat] %s: expected %s between 1 and 1000000000, got '%s'",
				 CFGP_SHOW(shown, name),
				 latency ? "a latency in nanoseconds" : "a bandwidth in MB/s",
				 CFGP_SHOW(val, v));
	if (latency)
		pair->latency_ns = x;
	else
		pair->bandwidth_mbs = x;
	*line = p->lineno;
	return 0;
}

const struct cfg_section config_hmat_section = {
	.name = "hmat", .open = hmat_open, .keys = hmat_keys, .nkeys = ARRAY_SIZE(hmat_keys),
	.other_key = hmat_key,
};

/* -------------------------------------------------------------- [vcpu.N] */

static const struct cfg_key vcpu_keys[] = {
	CFG_KEY(struct config_vcpu, "host_cpus", cfgp_set_idlist, host_cpus, line.host_cpus,
		.min = 1, .max = IDSET_MAX),
};

static void *vcpu_open(struct cfg_parser *p, const char *id)
{
	struct config_numa *n;
	unsigned i;

	if (section_id(p, id, CONFIG_MAX_VCPUS, "vCPU", &i) < 0 || !(n = numa_get(p)))
		return NULL;
	if (n->vcpu[i].line.header && p->set_spec)
		return &n->vcpu[i];
	if (n->vcpu[i].line.header) {
		cfgp_perr(p, p->lineno, "repeated section [%s] (first at line %u)", p->sec_name,
			  n->vcpu[i].line.header);
		return NULL;
	}
	n->vcpu[i].line.header = p->lineno;
	return &n->vcpu[i];
}

const struct cfg_section config_vcpu_section = {
	.name = "vcpu.", .open = vcpu_open, .keys = vcpu_keys, .nkeys = ARRAY_SIZE(vcpu_keys),
};

/* ---------------------------------------------------------- cross-checks */

static const char *size_str(char *out, size_t len, uint64_t n)
{
	return n ? cfgp_fmt_size(out, len, n) : "0";
}

/* hugepages / mem_path: guest RAM comes in whole pages of the backing. */
static int check_backing(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	char a[24], b[24];
	unsigned i;

	if (!cfg->hugepages)
		return 0;
	if (cfg->memory % cfg->hugepages)
		return config__errorf(cfg, err, errlen, cfg->line.memory, "machine", "memory",
			    "expected a multiple of the %s huge page size, got '%s'",
			    cfgp_fmt_size(a, sizeof(a), cfg->hugepages),
			    cfgp_fmt_size(b, sizeof(b), cfg->memory));
	for (i = 0; n && i < n->nr_nodes; i++) {
		char sec[24];

		snprintf(sec, sizeof(sec), "numa.%u", i);
		if (n->node[i].memory % cfg->hugepages)
			return config__errorf(cfg, err, errlen, n->node[i].line.memory, sec, "memory",
				    "expected a multiple of the %s huge page size, got '%s'",
				    cfgp_fmt_size(a, sizeof(a), cfg->hugepages),
				    size_str(b, sizeof(b), n->node[i].memory));
	}
	return 0;
}

/* Each [numa.N] on its own. */
static int check_nodes(struct vm_config *cfg, char *err, size_t errlen)
{
	struct config_numa *n = cfg->numa;
	char sec[24], a[24], list[LIST_LEN];
	unsigned i;

	for (i = 0; i < n->nr_nodes; i++) {
		const struct config_numa_node *nd = &n->node[i];

		snprintf(sec, sizeof(sec), "numa.%u", i);
		if (!nd->present) {
			unsigned j = i + 1;

			while (!n->node[j].present)
				j++;
			return config__errorf(cfg, err, errlen, n->node[j].line.header, sec, "",
				    "missing (expected node ids 0 to %u without gaps, [numa.%u] exists)",
				    n->nr_nodes - 1, j);
		}
		if (idset__empty(&nd->cpus) && !nd->memory)
			return config__errorf(cfg, err, errlen, nd->line.header, sec, "cpus",
				    "expected cpus or memory (or both) in a node, got neither");
		if (nd->memory && nd->memory < CONFIG_MIN_NODE_MEMORY)
			return config__errorf(cfg, err, errlen, nd->line.memory, sec, "memory",
				    "expected 0 or at least 4M (Linux ignores smaller nodes), got '%s'",
				    cfgp_fmt_size(a, sizeof(a), nd->memory));
		if (nd->line.policy && idset__empty(&nd->host_nodes))
			return config__errorf(cfg, err, errlen, nd->line.policy, sec, "policy",
				    "expected host_node too (a policy needs a host node), got no host_node");
		if (nd->policy == CONFIG_POLICY_PREFERRED && idset__count(&nd->host_nodes) > 1)
			return config__errorf(cfg, err, errlen, nd->line.host_node, sec, "host_node",
				    "expected one node for policy = preferred, got '%s'",
				    idset__format(&nd->host_nodes, list, sizeof(list)));
		if (nd->line.host_cpus && idset__empty(&nd->cpus))
			return config__errorf(cfg, err, errlen, nd->line.host_cpus, sec, "host_cpus",
				    "expected no host_cpus in a node without vCPUs, got '%s'",
				    idset__format(&nd->host_cpus, list, sizeof(list)));
	}
	return 0;
}

/* Every vCPU in exactly one node; [machine] cpus derived or checked. */
static int check_vcpus(struct vm_config *cfg, char *err, size_t errlen)
{
	struct config_numa *n = cfg->numa;
	struct idset all, full;
	char sec[24], list[LIST_LEN], other[CONFIG_ERR_LEN];
	unsigned i, j, cpus;
	int v;

	idset__clear(&all);
	for (i = 0; i < n->nr_nodes; i++) {
		const struct config_numa_node *nd = &n->node[i];
		struct idset both = nd->cpus;

		if (idset__intersects(&all, &nd->cpus)) {
			/* Name the other node: the one that holds the vCPU. */
			for (j = 0; j < i; j++)
				if (idset__intersects(&n->node[j].cpus, &nd->cpus))
					break;
			idset__and(&both, &n->node[j].cpus);
			snprintf(sec, sizeof(sec), "numa.%u", j);
			config__origin(cfg, n->node[j].line.cpus, sec, "cpus", "cpus", other,
				       sizeof(other));
			snprintf(sec, sizeof(sec), "numa.%u", i);
			return config__errorf(cfg, err, errlen, nd->line.cpus, sec, "cpus",
				    "expected vCPUs of no other node, got '%s' (vCPU %d is also in %s)",
				    idset__format(&nd->cpus, list, sizeof(list)), idset__next(&both, 0),
				    other);
		}
		idset__or(&all, &nd->cpus);
	}
	if (!cfg->line.cpus) {
		/* Derived: the highest vCPU + 1; gaps are caught below. */
		for (v = idset__next(&all, 0), cpus = 0; v >= 0; v = idset__next(&all, v + 1))
			cpus = v + 1;
		if (!cpus)
			return config__errorf(cfg, err, errlen, n->node[0].line.header, "numa.0", "cpus",
				    "expected vCPUs in at least one node, got none");
		cfg->cpus = cpus;
	}
	idset__clear(&full);
	for (i = 0; i < cfg->cpus; i++)
		idset__add(&full, i);
	if (!idset__subset(&all, &full)) {
		for (i = 0; i < n->nr_nodes && idset__subset(&n->node[i].cpus, &full); i++)
			;
		snprintf(sec, sizeof(sec), "numa.%u", i);
		return config__errorf(cfg, err, errlen, n->node[i].line.cpus, sec, "cpus",
			    "expected vCPUs below [machine] cpus = %u, got '%s'", cfg->cpus,
			    idset__format(&n->node[i].cpus, list, sizeof(list)));
	}
	if (!idset__equal(&all, &full)) {
		struct idset none = full;

		idset__for_each(v, &all)
			idset__del(&none, v);
		return config__errorf(cfg, err, errlen, cfg->line.cpus, "machine", "cpus",
			    "expected every vCPU in one [numa.N] cpus, got vCPU(s) %s in none",
			    idset__format(&none, list, sizeof(list)));
	}
	return 0;
}

static int check_memory(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	char a[24], b[24];
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < n->nr_nodes; i++)
		sum += n->node[i].memory;
	if (!sum)
		return config__errorf(cfg, err, errlen, n->node[0].line.header, "numa.0", "memory",
			    "expected memory in at least one node, got none");
	if (!cfg->line.memory) {
		if (sum < CONFIG_MIN_MEMORY || sum > CONFIG_MAX_MEMORY)
			return config__errorf(cfg, err, errlen, 0, "machine", "memory",
				    "expected [numa.N] memories adding up to between 128M and 1T, got '%s'",
				    cfgp_fmt_size(a, sizeof(a), sum));
		cfg->memory = sum;
	} else if (sum != cfg->memory) {
		return config__errorf(cfg, err, errlen, cfg->line.memory, "machine", "memory",
			    "expected the sum of the [numa.N] memories (%s), got '%s'",
			    cfgp_fmt_size(a, sizeof(a), sum), cfgp_fmt_size(b, sizeof(b), cfg->memory));
	}
	return 0;
}

/*
 * One socket (or sockets/nodes sockets) per node with CPUs, so that no
 * socket, hence no LLC, spans two nodes. Nodes may differ in size (4/2/2):
 * cores per socket is then per node, and cfg->cores the widest, which is
 * what the CPUID field widths follow.
 */
static int check_topology(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	unsigned i, k = 0, spn, t = cfg->threads, cores = 0;
	char sec[24], list[LIST_LEN];

	for (i = 0; i < n->nr_nodes; i++)
		k += !idset__empty(&n->node[i].cpus);
	spn = 1;
	if (cfg->line.sockets) {
		if (cfg->sockets % k)
			return config__errorf(cfg, err, errlen, cfg->line.sockets, "machine", "sockets",
				    "expected a multiple of the %u guest node(s) with vCPUs (a socket never spans nodes), got '%u'",
				    k, cfg->sockets);
		spn = cfg->sockets / k;
	}
	for (i = 0; i < n->nr_nodes; i++) {
		const struct config_numa_node *nd = &n->node[i];
		unsigned c = idset__count(&nd->cpus);

		if (!c)
			continue;
		snprintf(sec, sizeof(sec), "numa.%u", i);
		if (cfg->line.cores && c != spn * cfg->cores * t)
			return config__errorf(cfg, err, errlen, nd->line.cpus, sec, "cpus",
				    "expected sockets per node * cores * threads = %u * %u * %u vCPUs, got '%s' (%u)",
				    spn, cfg->cores, t, idset__format(&nd->cpus, list, sizeof(list)), c);
		if (c % (spn * t))
			return config__errorf(cfg, err, errlen, nd->line.cpus, sec, "cpus",
				    "expected a multiple of sockets per node * threads = %u * %u vCPUs, got '%s' (%u)",
				    spn, t, idset__format(&nd->cpus, list, sizeof(list)), c);
		cores = MAX(cores, c / (spn * t));
	}
	cfg->sockets = spn * k;
	cfg->cores = cores;
	return 0;
}

/* SLIT: ids exist; one-sided entries mirror; asymmetric needs both sides
 * of every pair (QEMU's rule: a mirrored guess would be wrong there). */
static int check_distances(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	unsigned i, j, nr = n->nr_nodes, asym_line = 0;
	char key[24];

	for (i = 0; i < CONFIG_MAX_NODES; i++) {
		for (j = 0; j < CONFIG_MAX_NODES; j++) {
			if (!n->distance_line[i][j])
				continue;
			snprintf(key, sizeof(key), "%u-%u", i, j);
			if (i >= nr || j >= nr)
				return config__errorf(cfg, err, errlen, n->distance_line[i][j], "distance", key,
					    "expected nodes below %u (the [numa.N] sections), got node %u",
					    nr, i >= nr ? i : j);
			if (n->distance_line[j][i] && n->distance[j][i] != n->distance[i][j] &&
			    !asym_line)
				asym_line = MAX(n->distance_line[i][j], n->distance_line[j][i]);
		}
	}
	if (!asym_line)
		return 0;
	for (i = 0; i < nr; i++) {
		for (j = 0; j < nr; j++) {
			if (i == j || (n->distance_line[i][j] && n->distance_line[j][i]))
				continue;
			snprintf(key, sizeof(key), "%u-%u", j, i);
			if (!n->distance_line[i][j])
				snprintf(key, sizeof(key), "%u-%u", i, j);
			return config__errorf(cfg, err, errlen, asym_line, "distance", key,
				    "expected both directions of every node pair once distances are asymmetric, got no '%s'",
				    key);
		}
	}
	return 0;
}

static int check_hmat(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	unsigned i, j, nr = n->nr_nodes;
	char key[40];

	for (i = 0; i < CONFIG_MAX_NODES; i++) {
		for (j = 0; j < CONFIG_MAX_NODES; j++) {
			const struct config_hmat_pair *p = &n->hmat_pair[i][j];
			unsigned line = MAX(p->latency_line, p->bandwidth_line);

			if (!line)
				continue;
			snprintf(key, sizeof(key), "%s.%u-%u",
				 p->latency_line == line ? "latency" : "bandwidth", i, j);
			if (!n->hmat)
				return config__errorf(cfg, err, errlen, line, "hmat", key,
					    "expected no overrides with enabled = no, got '%s'", key);
			if (i >= nr || j >= nr)
				return config__errorf(cfg, err, errlen, line, "hmat", key,
					    "expected nodes below %u (the [numa.N] sections), got node %u",
					    nr, i >= nr ? i : j);
			if (idset__empty(&n->node[i].cpus))
				return config__errorf(cfg, err, errlen, line, "hmat", key,
					    "expected an initiator node with vCPUs, got node %u (none)", i);
			if (!n->node[j].memory)
				return config__errorf(cfg, err, errlen, line, "hmat", key,
					    "expected a target node with memory, got node %u (none)", j);
		}
	}
	return 0;
}

static int check_vcpu_sections(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	char sec[24];
	unsigned i;

	for (i = cfg->cpus; i < CONFIG_MAX_VCPUS; i++) {
		if (!n->vcpu[i].line.header)
			continue;
		snprintf(sec, sizeof(sec), "vcpu.%u", i);
		return config__errorf(cfg, err, errlen, n->vcpu[i].line.header, sec, "",
			    "expected a vCPU below [machine] cpus = %u, got vCPU %u", cfg->cpus, i);
	}
	return 0;
}

/* Sections that only make sense with [numa.N] ones. */
static int check_no_nodes(struct vm_config *cfg, char *err, size_t errlen)
{
	const struct config_numa *n = cfg->numa;
	unsigned i, j;

	for (i = 0; i < CONFIG_MAX_NODES; i++)
		for (j = 0; j < CONFIG_MAX_NODES; j++)
			if (n->distance_line[i][j])
				return config__errorf(cfg, err, errlen, n->distance_line[i][j], "distance", "",
					    "expected [numa.N] sections to give distances between, got none");
	if (n->hmat_header)
		return config__errorf(cfg, err, errlen, n->hmat_header, "hmat", "",
			    "expected [numa.N] sections to describe, got none");
	return check_vcpu_sections(cfg, err, errlen);
}

static int numa_finish(struct vm_config *cfg, char *err, size_t errlen)
{
	int r;

	if (cfg->numa && !cfg->numa->nr_nodes) {
		r = check_no_nodes(cfg, err, errlen);
		if (r < 0)
			return r;
	} else if (cfg->numa) {
		if ((r = check_nodes(cfg, err, errlen)) < 0 ||
		    (r = check_vcpus(cfg, err, errlen)) < 0 ||
		    (r = check_memory(cfg, err, errlen)) < 0 ||
		    (r = check_topology(cfg, err, errlen)) < 0 ||
		    (r = check_distances(cfg, err, errlen)) < 0 ||
		    (r = check_hmat(cfg, err, errlen)) < 0 ||
		    (r = check_vcpu_sections(cfg, err, errlen)) < 0)
			return r;
	}
	return check_backing(cfg, err, errlen);
}

static void numa_release(struct vm_config *cfg)
{
	free(cfg->numa);
	cfg->numa = NULL;
}

/* Its finish and release serve all four sections (and the [machine]
 * backing keys): they share cfg->numa. */
const struct cfg_section config_numa_section = {
	.name = "numa.", .open = numa_open, .keys = numa_keys, .nkeys = ARRAY_SIZE(numa_keys),
	.finish = numa_finish, .release = numa_release,
};
