/*
 * Placement planning on fixture host topologies of 1, 2, 4 and 8 nodes:
 * default and explicit vCPU affinities, emulator threads, and every host
 * mismatch as a one-line error naming the key and the fix.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "numa/host.h"
#include "numa/plan.h"
#include "numa_test_util.h"
#include "vmm/util.h"

static char err[CONFIG_ERR_LEN];

/* Plan @text on @h: 0 or the error (in err). */
static int plan(const char *text, const struct numa_host *h, struct vm_config *cfg,
		struct topology **t)
{
	int r;

	*t = nt_topology(text, cfg);
	r = numa_plan__resolve(*t, cfg, h, err, sizeof(err));
	assert_null(strchr(err, '\n'));
	return r;
}

static void assert_plan_error(const char *text, const struct numa_host *h, const char *msg)
{
	struct vm_config cfg;
	struct topology *t;
	char want[CONFIG_ERR_LEN];

	assert_int_equal(plan(text, h, &cfg, &t), -EINVAL);
	snprintf(want, sizeof(want), "%s/%s", nt_dir, msg);
	assert_string_equal(err, want);
	nt_done(t, &cfg);
}

static const char *list(const struct idset *s)
{
	static char buf[4][64];
	static unsigned n;

	return idset__format(s, buf[n++ % 4], sizeof(buf[0]));
}

static struct numa_host *host(unsigned nodes, unsigned cpus, uint64_t mem)
{
	struct numa_host *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	numa_host__fixture(h, nodes, cpus, mem);
	return h;
}

#define M "[machine]\n"

/* The fixtures themselves: shapes and distances. */
static void test_fixtures(void **state)
{
	struct numa_host *h = host(8, 2, 4ULL << 30);

	(void)state;
	assert_int_equal(h->nr_nodes, 8);
	assert_string_equal(list(&h->node[3].cpus), "6-7");
	assert_string_equal(list(&h->cpus), "0-15");
	assert_string_equal(list(&h->allowed_nodes), "0-7");
	assert_int_equal(h->distance[0][0], 10);
	assert_int_equal(h->distance[0][1], 21);
	assert_int_equal(h->distance[0][4], 24);	/* ring: 4 hops either way */
	assert_int_equal(h->distance[0][7], 21);
	free(h);
	h = host(2, 1, 1ULL << 30);
	assert_int_equal(h->distance[1][0], 20);
	assert_int_equal(h->node[1].mem_total, 1ULL << 30);
	free(h);
}

/* Two guest nodes on two host nodes: vCPUs follow their node's host CPUs;
 * [vcpu.N] overrides one. */
static void test_two_nodes(void **state)
{
	struct numa_host *h = host(2, 2, 4ULL << 30);
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	assert_int_equal(plan(M "[numa.0]\ncpus = 0-1\nmemory = 1G\nhost_node = 0\n"
			      "[numa.1]\ncpus = 2-3\nmemory = 1G\nhost_node = 1\n"
			      "[vcpu.3]\nhost_cpus = 0\n", h, &cfg, &t), 0);
	assert_string_equal(list(&t->node[0].host_cpus), "0-1");
	assert_string_equal(list(&t->node[1].host_cpus), "2-3");
	assert_string_equal(list(&t->vcpu[0].host_cpus), "0-1");
	assert_string_equal(list(&t->vcpu[2].host_cpus), "2-3");
	assert_string_equal(list(&t->vcpu[3].host_cpus), "0");
	assert_true(idset__empty(&t->emulator_cpus));
	assert_string_equal(list(&t->allowed_cpus), "0-3");
	nt_done(t, &cfg);
	free(h);
}

/* Interleave over host nodes 2-3 of four: its vCPUs may use both nodes'
 * CPUs; host_cpus given explicitly wins over the default. */
static void test_four_nodes(void **state)
{
	struct numa_host *h = host(4, 4, 2ULL << 30);
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	assert_int_equal(plan(M "[numa.0]\ncpus = 0-1\nmemory = 1G\nhost_node = 0\nhost_cpus = 1-2\n"
			      "[numa.1]\ncpus = 2-3\nmemory = 3G\nhost_node = 2-3\npolicy = interleave\n",
			      h, &cfg, &t), 0);
	assert_string_equal(list(&t->vcpu[0].host_cpus), "1-2");
	assert_string_equal(list(&t->vcpu[3].host_cpus), "8-15");
	nt_done(t, &cfg);
	free(h);
}

/* Eight guest nodes, one per host node of eight. */
static void test_eight_nodes(void **state)
{
	struct numa_host *h = host(8, 2, 1ULL << 30);
	struct vm_config cfg;
	struct topology *t;
	char text[2048];
	size_t n = 0;
	unsigned i;

	(void)state;
	n += snprintf(text + n, sizeof(text) - n, M);
	for (i = 0; i < 8; i++)
		n += snprintf(text + n, sizeof(text) - n,
			      "[numa.%u]\ncpus = %u\nmemory = 512M\nhost_node = %u\n", i, i, 7 - i);
	assert_int_equal(plan(text, h, &cfg, &t), 0);
	for (i = 0; i < 8; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%u-%u", 2 * (7 - i), 2 * (7 - i) + 1);
		assert_string_equal(list(&t->vcpu[i].host_cpus), want);
		assert_int_equal(t->vcpu[i].place.socket, i);
	}
	nt_done(t, &cfg);
	free(h);
}

/* emulator_cpus: checked like any host CPUs; unpinned vCPUs then get the
 * process's own set instead of inheriting emulator_cpus. */
static void test_emulator_cpus(void **state)
{
	struct numa_host *h = host(1, 4, 4ULL << 30);
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	assert_int_equal(plan(M "cpus = 2\nemulator_cpus = 3\n[vcpu.0]\nhost_cpus = 1\n",
			      h, &cfg, &t), 0);
	assert_false(t->numa);
	assert_string_equal(list(&t->emulator_cpus), "3");
	assert_string_equal(list(&t->vcpu[0].host_cpus), "1");
	assert_string_equal(list(&t->vcpu[1].host_cpus), "0-3");
	nt_done(t, &cfg);
	assert_plan_error(M "emulator_cpus = 4\n", h,
			  "node.ini:2: [machine] emulator_cpus: expected CPUs of this host (0-3), got '4'");
	free(h);
}

/* Without NUMA or pinning nothing is pinned: vCPUs float like today. */
static void test_nothing_pinned(void **state)
{
	struct numa_host *h = host(2, 2, 4ULL << 30);
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	assert_int_equal(plan(M "cpus = 4\n", h, &cfg, &t), 0);
	assert_true(idset__empty(&t->vcpu[2].host_cpus));
	nt_done(t, &cfg);
	/* NUMA guest on any host without host_node: not bound, not pinned. */
	assert_int_equal(plan(M "[numa.0]\ncpus = 0\nmemory = 1G\n[numa.1]\ncpus = 1\nmemory = 1G\n",
			      h, &cfg, &t), 0);
	assert_true(idset__empty(&t->vcpu[1].host_cpus));
	nt_done(t, &cfg);
	free(h);
}

static void test_host_node_missing(void **state)
{
	struct numa_host *h = host(1, 2, 4ULL << 30);

	(void)state;
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 0\n"
			  "[numa.1]\ncpus = 1\nmemory = 1G\nhost_node = 1\n", h,
			  "node.ini:9: [numa.1] host_node: expected a node of this host (0; see numactl --hardware), got '1'");
	free(h);
	h = host(4, 1, 4ULL << 30);
	h->node[2].online = false;	/* a hole in the node numbering */
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 1-2\npolicy = interleave\n", h,
			  "node.ini:5: [numa.0] host_node: expected a node of this host (0-1,3; see numactl --hardware), got '2'");
	free(h);
}

/* cgroup cpuset.mems / cpuset.cpus and taskset limit what may be used. */
static void test_not_allowed(void **state)
{
	struct numa_host *h = host(2, 2, 4ULL << 30);

	(void)state;
	idset__clear(&h->allowed_nodes);
	idset__add(&h->allowed_nodes, 0);
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 1\n", h,
			  "node.ini:5: [numa.0] host_node: expected a node this process may allocate on (0: its cgroup cpuset.mems), got '1'");
	h->allowed_nodes = h->cpus;
	idset__clear(&h->allowed_cpus);
	idset__add(&h->allowed_cpus, 0);
	idset__add(&h->allowed_cpus, 1);
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_cpus = 1-2\n", h,
			  "node.ini:5: [numa.0] host_cpus: expected CPUs this process may run on (0-1: its cgroup cpuset or taskset), got '1-2'");
	assert_plan_error(M "cpus = 2\n[vcpu.1]\nhost_cpus = 3\n", h,
			  "node.ini:4: [vcpu.1] host_cpus: expected CPUs this process may run on (0-1: its cgroup cpuset or taskset), got '3'");
	/* Default CPUs of host node 1 are all outside: say so, name the fix. */
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 1\n", h,
			  "node.ini:5: [numa.0] host_node: expected a host node with CPUs this process may use (0-1) for its vCPUs, got '1' (set host_cpus)");
	free(h);
}

static void test_host_cpus_missing(void **state)
{
	struct numa_host *h = host(2, 1, 4ULL << 30);

	(void)state;
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 0\nhost_cpus = 2\n", h,
			  "node.ini:6: [numa.0] host_cpus: expected CPUs of this host (0-1), got '2'");
	free(h);
}

/* A CPU-less host node (CXL memory): fine for guest memory, not for vCPUs
 * unless host_cpus says where they run. A memory-less one holds no RAM. */
static void test_cpuless_host_node(void **state)
{
	struct numa_host *h = host(3, 1, 4ULL << 30);
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	idset__clear(&h->node[2].cpus);
	h->cpus = h->node[0].cpus;
	idset__or(&h->cpus, &h->node[1].cpus);
	h->allowed_cpus = h->cpus;
	assert_int_equal(plan(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 0\n"
			      "[numa.1]\nmemory = 1G\nhost_node = 2\n", h, &cfg, &t), 0);
	nt_done(t, &cfg);
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 2\n", h,
			  "node.ini:5: [numa.0] host_node: expected a host node with CPUs this process may use (0-1) for its vCPUs, got '2' (set host_cpus)");
	assert_int_equal(plan(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 2\nhost_cpus = 1\n",
			      h, &cfg, &t), 0);
	assert_string_equal(list(&t->vcpu[0].host_cpus), "1");
	nt_done(t, &cfg);
	h->node[1].mem_total = 0;
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 1\n", h,
			  "node.ini:5: [numa.0] host_node: expected a host node with memory for 1G of guest RAM, got '1' (it has none)");
	free(h);
}

/* Strict binding cannot exceed the bound node(s); interleave across two
 * nodes or preferred can. */
static void test_bind_too_big(void **state)
{
	struct numa_host *h = host(2, 1, 1ULL << 30);
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	assert_plan_error(M "[numa.0]\ncpus = 0\nmemory = 1536M\nhost_node = 0\n", h,
			  "node.ini:4: [numa.0] memory: expected at most the 1G of host node(s) it is bound to, got '1536M' (use policy = preferred or interleave, or more host nodes)");
	assert_int_equal(plan(M "[numa.0]\ncpus = 0\nmemory = 1536M\nhost_node = 0-1\npolicy = interleave\n",
			      h, &cfg, &t), 0);
	nt_done(t, &cfg);
	assert_int_equal(plan(M "[numa.0]\ncpus = 0\nmemory = 1536M\nhost_node = 0-1\n", h, &cfg, &t), 0);
	nt_done(t, &cfg);
	free(h);
}

/* Not enough free huge pages on the bound node: the error says how many
 * and the command that reserves them. */
static void test_hugepages(void **state)
{
	struct numa_host *h = host(2, 1, 4ULL << 30);
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	h->node[0].free_2m = h->node[0].total_2m = 512;
	h->node[1].free_2m = 100;
	h->node[1].total_2m = 150;
	assert_plan_error(M "hugepages = 2M\n[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 0\n"
			  "[numa.1]\ncpus = 1\nmemory = 512M\nhost_node = 1\n", h,
			  "node.ini:10: [numa.1] host_node: expected host node 1 to have 256 free 2M huge pages, got 100 (fix: echo 306 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages)");
	h->node[1].free_2m = 256;
	assert_int_equal(plan(M "hugepages = 2M\n[numa.0]\ncpus = 0\nmemory = 1G\nhost_node = 0\n"
			      "[numa.1]\ncpus = 1\nmemory = 512M\nhost_node = 1\n", h, &cfg, &t), 0);
	assert_int_equal(t->page_size, SZ_2M);
	nt_done(t, &cfg);
	/* Not bound: counted against all nodes' free pages together. */
	assert_plan_error(M "memory = 2G\nhugepages = 1G\n", h,
			  "node.ini:3: [machine] hugepages: expected 2 free 1G huge pages for guest RAM, got 0 (fix: raise /proc/sys/vm/nr_hugepages by 2, or per node under /sys/devices/system/node/nodeN/hugepages/)");
	free(h);
}

static void test_mem_path(void **state)
{
	struct numa_host *h = host(1, 2, 8ULL << 30);
	struct vm_config cfg;
	struct topology *t;
	char text[512], file[160];
	FILE *f;

	(void)state;
	assert_plan_error(M "mem_path = /nonexistent/ram\n", h,
			  "node.ini:2: [machine] mem_path: expected an existing directory, file or DAX device, got '/nonexistent/ram' (No such file or directory; e.g. mkdir it, or mount -t hugetlbfs none /nonexistent/ram)");
	/* A directory (tmpfs, ext4, ...): fine, 4K pages. */
	snprintf(text, sizeof(text), M "mem_path = %s\nshared = yes\n", nt_dir);
	assert_int_equal(plan(text, h, &cfg, &t), 0);
	assert_int_equal(t->page_size, SZ_4K);
	nt_done(t, &cfg);
	/* ...but not with hugepages: those need hugetlbfs. */
	snprintf(text, sizeof(text), M "mem_path = %s\nhugepages = 2M\n", nt_dir);
	assert_int_equal(plan(text, h, &cfg, &t), -EINVAL);
	assert_non_null(strstr(err, "[machine] hugepages: expected mem_path on hugetlbfs with hugepages = 2M"));
	nt_done(t, &cfg);
	/* A file smaller than guest RAM: the fix is a truncate away. */
	snprintf(file, sizeof(file), "%s/ram", nt_dir);
	f = fopen(file, "w");
	fputs("x", f);
	fclose(f);
	snprintf(text, sizeof(text), M "memory = 256M\nmem_path = ram\n");
	assert_int_equal(plan(text, h, &cfg, &t), -EINVAL);
	snprintf(text, sizeof(text), "node.ini:3: [machine] mem_path: expected a file of at least 256M (the guest RAM), got '%s' of 0K (fix: truncate -s 256M %s)",
		 file, file);
	assert_non_null(strstr(err, text));
	nt_done(t, &cfg);
	/* A character device maps shared only. */
	assert_plan_error(M "mem_path = /dev/zero\n", h,
			  "node.ini:2: [machine] mem_path: expected shared = yes with a DAX device (it only maps shared), got '/dev/zero'");
	free(h);
}

/* The --check text names every node, range, policy and vCPU pinning. */
static void test_print(void **state)
{
	struct numa_host *h = host(2, 2, 4ULL << 30);
	struct vm_config cfg;
	struct topology *t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(plan(M "[numa.0]\ncpus = 0-1\nmemory = 3584M\nhost_node = 0\n"
			      "[numa.1]\nmemory = 512M\nhost_node = 0-1\npolicy = interleave\n"
			      "[distance]\n0-1 = 30\n", h, &cfg, &t), 0);
	f = open_memstream(&buf, &len);
	numa_plan__print(t, &cfg, h, f);
	fclose(f);
	assert_non_null(strstr(buf, "host: 2 node(s), CPUs 0-3, this process may use CPUs 0-3, nodes 0-1\n"));
	assert_non_null(strstr(buf, "guest node 0: vCPUs 0-1, 3584M RAM at [0x0-0xc0000000) [0x100000000-0x120000000), host node 0 policy bind, host CPUs 0-1\n"));
	assert_non_null(strstr(buf, "guest node 1: vCPUs none, 512M RAM at [0x120000000-0x140000000), host node 0-1 policy interleave\n"));
	assert_non_null(strstr(buf, "distances: 10 30 | 30 10\n"));
	assert_non_null(strstr(buf, "vCPU 1: node 0, socket 0 core 1 thread 0, APIC id 1, host CPUs 0-1\n"));
	assert_non_null(strstr(buf, "other threads: host CPUs any (not pinned)\n"));
	free(buf);
	nt_done(t, &cfg);
	free(h);
}

/* The real host probes without error and agrees with itself. */
static void test_probe(void **state)
{
	struct numa_host *h = calloc(1, sizeof(*h));

	(void)state;
	assert_non_null(h);
	assert_int_equal(numa_host__probe(h), 0);
	assert_true(h->nr_nodes >= 1);
	assert_true(h->node[0].online || h->nr_nodes > 1);
	assert_false(idset__empty(&h->allowed_cpus));
	assert_true(idset__subset(&h->allowed_cpus, &h->cpus));
	assert_false(idset__empty(&h->allowed_nodes));
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_four_nodes),
		cmocka_unit_test(test_eight_nodes),
		cmocka_unit_test(test_emulator_cpus),
		cmocka_unit_test(test_nothing_pinned),
		cmocka_unit_test(test_host_node_missing),
		cmocka_unit_test(test_not_allowed),
		cmocka_unit_test(test_host_cpus_missing),
		cmocka_unit_test(test_cpuless_host_node),
		cmocka_unit_test(test_bind_too_big),
		cmocka_unit_test(test_hugepages),
		cmocka_unit_test(test_mem_path),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, nt_setup, nt_teardown);
}
