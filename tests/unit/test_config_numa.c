/*
 * Config of guest NUMA and host placement: [numa.N], [distance], [hmat],
 * [vcpu.N] and the [machine] keys they touch. Every bad input gets exactly
 * one line "FILE:LINE: [section] key: expected ..., got '...'"; good ones
 * fill struct config_numa and derive cpus, memory and the CPU topology.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/file_test_util.h"

#include "tests/unit/fake_bzimage.h"

#include "vmm/config.h"
#include "vmm/util.h"

static char tmpdir[] = "/tmp/mvmm-test-config-numa-XXXXXX";
static char oldcwd[PATH_MAX];

/* A minimal 64-bit bzImage (see test_config.c): config__finish probes it. */
static void write_bzimage(const char *path)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];

	fake_bzimage(img);
	test_write_bytes(path, img, sizeof(img));
}

static int group_setup(void **state)
{
	(void)state;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		return -1;
	write_bzimage("bzImage");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	return test_rm_tree(tmpdir);
}

static int load(const char *text, struct vm_config *cfg, char *err)
{
	test_write_bytes("node.ini", text, strlen(text));
	return config__load(cfg, "node.ini", err, CONFIG_ERR_LEN);
}

/* Loading @text fails with exactly @msg, leaving nothing allocated. */
static void assert_load_error(const char *text, const char *msg)
{
	static const struct vm_config zero;
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	assert_int_equal(load(text, &cfg, err), -EINVAL);
	assert_string_equal(err, msg);
	assert_memory_equal(&cfg, &zero, sizeof(zero));
}

/* @text loads, then config__finish fails with exactly @msg. */
static void assert_finish_error(const char *text, const char *msg)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	assert_int_equal(load(text, &cfg, err), 0);
	assert_int_equal(config__finish(&cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_null(strchr(err, '\n'));
	config__free(&cfg);
}

/* @text loads and finishes. */
static void load_ok(const char *text, struct vm_config *cfg)
{
	char err[CONFIG_ERR_LEN];

	if (load(text, cfg, err) < 0)
		fail_msg("load: %s", err);
	if (config__finish(cfg, err, sizeof(err)) < 0)
		fail_msg("finish: %s", err);
}

#define LOAD_ERROR(fn, text, msg) \
	static void fn(void **state) { (void)state; assert_load_error(text, msg); }
#define FINISH_ERROR(fn, text, msg) \
	static void fn(void **state) { (void)state; assert_finish_error(text, msg); }

#define M "[machine]\nkernel = bzImage\n"	/* lines 1-2 */
#define TWO_NODES "[numa.0]\ncpus = 0-1\nmemory = 256M\n[numa.1]\ncpus = 2-3\nmemory = 256M\n"

/* --- parse errors: one key or section header alone is wrong --- */

LOAD_ERROR(test_node_id_not_number, "[numa.x]\n",
	   "node.ini:1: [numa.x]: expected a node number between 0 and 15, got 'x'")
LOAD_ERROR(test_node_id_too_big, "[numa.16]\n",
	   "node.ini:1: [numa.16]: expected a node number between 0 and 15, got '16'")
LOAD_ERROR(test_node_id_hex, "[numa.0x1]\n",
	   "node.ini:1: [numa.0x1]: expected a node number between 0 and 15, got '0x1'")
LOAD_ERROR(test_node_repeated, "[numa.1]\ncpus = 0\n[numa.1]\n",
	   "node.ini:3: repeated section [numa.1] (first at line 1)")
LOAD_ERROR(test_node_cpus_syntax, "[numa.0]\ncpus = 0-\n",
	   "node.ini:2: [numa.0] cpus: expected a list like 0-3,6 of ids below 255, got '0-'")
LOAD_ERROR(test_node_cpus_range_down, "[numa.0]\ncpus = 3-1\n",
	   "node.ini:2: [numa.0] cpus: expected a list like 0-3,6 of ids below 255, got '3-1'")
LOAD_ERROR(test_node_cpus_too_big, "[numa.0]\ncpus = 0,255\n",
	   "node.ini:2: [numa.0] cpus: expected a list like 0-3,6 of ids below 255, got '0,255'")
LOAD_ERROR(test_node_memory_syntax, "[numa.0]\nmemory = 1.5G\n",
	   "node.ini:2: [numa.0] memory: expected a size like 512M or 8G, got '1.5G'")
LOAD_ERROR(test_node_memory_unaligned, "[numa.0]\nmemory = 1536K\n",
	   "node.ini:2: [numa.0] memory: expected a multiple of 1M, got '1536K'")
LOAD_ERROR(test_node_host_node_empty, "[numa.0]\nhost_node =\n",
	   "node.ini:2: [numa.0] host_node: expected a list like 0-3,6 of ids below 1024, got ''")
LOAD_ERROR(test_node_policy, "[numa.0]\npolicy = strict\n",
	   "node.ini:2: [numa.0] policy: expected bind, preferred or interleave, got 'strict'")
LOAD_ERROR(test_node_host_cpus, "[numa.0]\nhost_cpus = all\n",
	   "node.ini:2: [numa.0] host_cpus: expected a list like 0-3,6 of ids below 1024, got 'all'")
LOAD_ERROR(test_node_unknown_key, "[numa.0]\nnode = 1\n",
	   "node.ini:2: [numa.0] node: unknown key")
LOAD_ERROR(test_node_duplicate_key, "[numa.0]\ncpus = 0\ncpus = 1\n",
	   "node.ini:3: [numa.0] cpus: duplicate key (first set at line 2)")
LOAD_ERROR(test_distance_key, "[distance]\n0_1 = 20\n",
	   "node.ini:2: [distance] 0_1: expected a key 'I-J' of two node ids below 16, got '0_1'")
LOAD_ERROR(test_distance_key_big, "[distance]\n0-16 = 20\n",
	   "node.ini:2: [distance] 0-16: expected a key 'I-J' of two node ids below 16, got '0-16'")
LOAD_ERROR(test_distance_below_10, "[distance]\n0-1 = 5\n",
	   "node.ini:2: [distance] 0-1: expected a distance between 11 and 255 (10 is local), got '5'")
LOAD_ERROR(test_distance_remote_10, "[distance]\n1-0 = 10\n",
	   "node.ini:2: [distance] 1-0: expected a distance between 11 and 255 (10 is local), got '10'")
LOAD_ERROR(test_distance_too_big, "[distance]\n0-1 = 256\n",
	   "node.ini:2: [distance] 0-1: expected a distance between 11 and 255 (10 is local), got '256'")
LOAD_ERROR(test_distance_not_number, "[distance]\n0-1 = far\n",
	   "node.ini:2: [distance] 0-1: expected a distance between 11 and 255 (10 is local), got 'far'")
LOAD_ERROR(test_distance_local, "[distance]\n1-1 = 12\n",
	   "node.ini:2: [distance] 1-1: expected 10 (a node's distance to itself), got '12'")
LOAD_ERROR(test_distance_duplicate, "[distance]\n0-1 = 20\n0-1 = 30\n",
	   "node.ini:3: [distance] 0-1: duplicate key (first set at line 2)")
LOAD_ERROR(test_hmat_key, "[hmat]\nlatency = 10\n",
	   "node.ini:2: [hmat] latency: expected 'enabled', 'latency.I-T' or 'bandwidth.I-T' (I, T node ids below 16), got 'latency'")
LOAD_ERROR(test_hmat_zero, "[hmat]\nbandwidth.0-1 = 0\n",
	   "node.ini:2: [hmat] bandwidth.0-1: expected a bandwidth in MB/s between 1 and 1000000000, got '0'")
LOAD_ERROR(test_hmat_enabled, "[hmat]\nenabled = sometimes\n",
	   "node.ini:2: [hmat] enabled: expected yes or no, got 'sometimes'")
LOAD_ERROR(test_vcpu_id, "[vcpu.255]\n",
	   "node.ini:1: [vcpu.255]: expected a vCPU number between 0 and 254, got '255'")
LOAD_ERROR(test_vcpu_key, "[vcpu.0]\ncpus = 1\n",
	   "node.ini:2: [vcpu.0] cpus: unknown key")
LOAD_ERROR(test_vcpu_repeated, "[vcpu.3]\n[vcpu.3]\n",
	   "node.ini:2: repeated section [vcpu.3] (first at line 1)")
LOAD_ERROR(test_emulator_cpus, "[machine]\nemulator_cpus = 1,x\n",
	   "node.ini:2: [machine] emulator_cpus: expected a list like 0-3,6 of ids below 1024, got '1,x'")
LOAD_ERROR(test_thp_value, "[machine]\nthp = maybe\n",
	   "node.ini:2: [machine] thp: expected yes or no, got 'maybe'")

/* --- cross-checks at config__finish --- */

FINISH_ERROR(test_vcpu_in_two_nodes,
	     M "[numa.0]\ncpus = 0-2\nmemory = 256M\n[numa.1]\ncpus = 2-3\nmemory = 256M\n",
	     "node.ini:7: [numa.1] cpus: expected vCPUs of no other node, got '2-3' (vCPU 2 is also in node.ini:4: [numa.0] cpus)")
FINISH_ERROR(test_vcpu_in_no_node,
	     "[machine]\nkernel = bzImage\ncpus = 4\n"
	     "[numa.0]\ncpus = 0-1\nmemory = 256M\n[numa.1]\ncpus = 3\nmemory = 256M\n",
	     "node.ini:3: [machine] cpus: expected every vCPU in one [numa.N] cpus, got vCPU(s) 2 in none")
FINISH_ERROR(test_vcpu_in_no_node_derived,
	     M "[numa.0]\ncpus = 0,2\nmemory = 256M\n",
	     "node.ini: [machine] cpus: expected every vCPU in one [numa.N] cpus, got vCPU(s) 1 in none")
FINISH_ERROR(test_vcpu_beyond_cpus,
	     "[machine]\nkernel = bzImage\ncpus = 2\n[numa.0]\ncpus = 0-3\nmemory = 256M\n",
	     "node.ini:5: [numa.0] cpus: expected vCPUs below [machine] cpus = 2, got '0-3'")
FINISH_ERROR(test_memory_sum_mismatch,
	     "[machine]\nkernel = bzImage\nmemory = 1G\n" TWO_NODES,
	     "node.ini:3: [machine] memory: expected the sum of the [numa.N] memories (512M), got '1G'")
FINISH_ERROR(test_no_memory_anywhere,
	     M "[numa.0]\ncpus = 0\nmemory = 0\n[numa.1]\ncpus = 1\n",
	     "node.ini:3: [numa.0] memory: expected memory in at least one node, got none")
FINISH_ERROR(test_node_gap,
	     M "[numa.0]\ncpus = 0\nmemory = 256M\n[numa.2]\ncpus = 1\nmemory = 256M\n",
	     "node.ini:6: [numa.1]: missing (expected node ids 0 to 2 without gaps, [numa.2] exists)")
FINISH_ERROR(test_node_empty,
	     M TWO_NODES "[numa.2]\n",
	     "node.ini:9: [numa.2] cpus: expected cpus or memory (or both) in a node, got neither")
FINISH_ERROR(test_node_memory_tiny,
	     M "[numa.0]\ncpus = 0\nmemory = 256M\n[numa.1]\ncpus = 1\nmemory = 2M\n",
	     "node.ini:8: [numa.1] memory: expected 0 or at least 4M (Linux ignores smaller nodes), got '2M'")
FINISH_ERROR(test_policy_without_host_node,
	     M "[numa.0]\ncpus = 0\nmemory = 256M\npolicy = interleave\n",
	     "node.ini:6: [numa.0] policy: expected host_node too (a policy needs a host node), got no host_node")
FINISH_ERROR(test_preferred_two_nodes,
	     M "[numa.0]\ncpus = 0\nmemory = 256M\nhost_node = 0-1\npolicy = preferred\n",
	     "node.ini:6: [numa.0] host_node: expected one node for policy = preferred, got '0-1'")
FINISH_ERROR(test_host_cpus_without_vcpus,
	     M "[numa.0]\ncpus = 0\nmemory = 256M\n[numa.1]\nmemory = 256M\nhost_cpus = 1\n",
	     "node.ini:8: [numa.1] host_cpus: expected no host_cpus in a node without vCPUs, got '1'")
FINISH_ERROR(test_distance_unknown_node,
	     M TWO_NODES "[distance]\n0-2 = 20\n",
	     "node.ini:10: [distance] 0-2: expected nodes below 2 (the [numa.N] sections), got node 2")
FINISH_ERROR(test_distance_asymmetric_half,
	     M TWO_NODES "[numa.2]\ncpus = 4\nmemory = 256M\n[distance]\n0-1 = 20\n1-0 = 30\n0-2 = 20\n",
	     "node.ini:14: [distance] 2-0: expected both directions of every node pair once distances are asymmetric, got no '2-0'")
FINISH_ERROR(test_distance_without_nodes,
	     M "[distance]\n0-1 = 20\n",
	     "node.ini:4: [distance]: expected [numa.N] sections to give distances between, got none")
FINISH_ERROR(test_hmat_without_nodes,
	     M "[hmat]\nenabled = no\n",
	     "node.ini:3: [hmat]: expected [numa.N] sections to describe, got none")
FINISH_ERROR(test_hmat_unknown_node,
	     M TWO_NODES "[hmat]\nlatency.0-5 = 100\n",
	     "node.ini:10: [hmat] latency.0-5: expected nodes below 2 (the [numa.N] sections), got node 5")
FINISH_ERROR(test_hmat_initiator_without_cpus,
	     M TWO_NODES "[numa.2]\nmemory = 256M\n[hmat]\nlatency.2-0 = 100\n",
	     "node.ini:12: [hmat] latency.2-0: expected an initiator node with vCPUs, got node 2 (none)")
FINISH_ERROR(test_hmat_target_without_memory,
	     M TWO_NODES "[numa.2]\ncpus = 4\n[hmat]\nbandwidth.0-2 = 100\n",
	     "node.ini:12: [hmat] bandwidth.0-2: expected a target node with memory, got node 2 (none)")
FINISH_ERROR(test_hmat_disabled_override,
	     M TWO_NODES "[hmat]\nenabled = no\nlatency.0-1 = 100\n",
	     "node.ini:11: [hmat] latency.0-1: expected no overrides with enabled = no, got 'latency.0-1'")
FINISH_ERROR(test_vcpu_section_beyond,
	     M TWO_NODES "[vcpu.4]\nhost_cpus = 0\n",
	     "node.ini:9: [vcpu.4]: expected a vCPU below [machine] cpus = 4, got vCPU 4")
FINISH_ERROR(test_vcpu_section_beyond_flat,
	     "[machine]\nkernel = bzImage\ncpus = 2\n[vcpu.2]\nhost_cpus = 0\n",
	     "node.ini:4: [vcpu.2]: expected a vCPU below [machine] cpus = 2, got vCPU 2")
FINISH_ERROR(test_sockets_not_per_node,
	     "[machine]\nkernel = bzImage\nsockets = 3\n" TWO_NODES,
	     "node.ini:3: [machine] sockets: expected a multiple of the 2 guest node(s) with vCPUs (a socket never spans nodes), got '3'")
FINISH_ERROR(test_cores_uneven_nodes,
	     "[machine]\nkernel = bzImage\ncores = 2\n"
	     "[numa.0]\ncpus = 0-3\nmemory = 256M\n[numa.1]\ncpus = 4-5\nmemory = 256M\n",
	     "node.ini:5: [numa.0] cpus: expected sockets per node * cores * threads = 1 * 2 * 1 vCPUs, got '0-3' (4)")
FINISH_ERROR(test_threads_split,
	     "[machine]\nkernel = bzImage\nthreads = 2\n"
	     "[numa.0]\ncpus = 0-2\nmemory = 256M\n[numa.1]\ncpus = 3\nmemory = 256M\n",
	     "node.ini:5: [numa.0] cpus: expected a multiple of sockets per node * threads = 1 * 2 vCPUs, got '0-2' (3)")
FINISH_ERROR(test_hugepages_machine_memory,
	     "[machine]\nkernel = bzImage\nmemory = 1536M\nhugepages = 1G\n",
	     "node.ini:3: [machine] memory: expected a multiple of the 1G huge page size, got '1536M'")
FINISH_ERROR(test_hugepages_node_memory,
	     "[machine]\nkernel = bzImage\nhugepages = 2M\n"
	     "[numa.0]\ncpus = 0\nmemory = 255M\n[numa.1]\ncpus = 1\nmemory = 257M\n",
	     "node.ini:6: [numa.0] memory: expected a multiple of the 2M huge page size, got '255M'")

/* --- good configs --- */

/* OpenStack's classic test guest: cpus and memory derived from the nodes,
 * one socket per node, cores per socket from the widest node. */
static void test_three_cells(void **state)
{
	struct vm_config cfg;

	(void)state;
	load_ok(M "[numa.0]\ncpus = 0-3\nmemory = 4G\nhost_node = 0\n"
		"[numa.1]\ncpus = 4-5\nmemory = 2G\nhost_node = 1\npolicy = preferred\n"
		"[numa.2]\ncpus = 6-7\nmemory = 2G\nhost_node = 0-1\npolicy = interleave\n"
		"host_cpus = 2-3\n[distance]\n0-1 = 21\n0-2 = 31\n1-2 = 41\n", &cfg);
	assert_non_null(cfg.numa);
	assert_int_equal(cfg.numa->nr_nodes, 3);
	assert_int_equal(cfg.cpus, 8);
	assert_int_equal(cfg.memory, 8ULL << 30);
	assert_int_equal(cfg.sockets, 3);
	assert_int_equal(cfg.cores, 4);
	assert_int_equal(cfg.threads, 1);
	assert_int_equal(idset__count(&cfg.numa->node[0].cpus), 4);
	assert_true(idset__has(&cfg.numa->node[1].cpus, 5));
	assert_int_equal(cfg.numa->node[1].policy, CONFIG_POLICY_PREFERRED);
	assert_int_equal(cfg.numa->node[2].policy, CONFIG_POLICY_INTERLEAVE);
	assert_int_equal(idset__count(&cfg.numa->node[2].host_nodes), 2);
	assert_true(idset__has(&cfg.numa->node[2].host_cpus, 3));
	assert_int_equal(cfg.numa->node[0].policy, CONFIG_POLICY_BIND);
	assert_int_equal(cfg.numa->distance[0][2], 31);
	assert_int_equal(cfg.numa->distance[2][0], 0);	/* mirrored by the topology */
	assert_true(cfg.numa->hmat);
	config__free(&cfg);
	assert_null(cfg.numa);
}

/* Asymmetric distances are fine when every pair has both directions. */
static void test_asymmetric_complete(void **state)
{
	struct vm_config cfg;

	(void)state;
	load_ok(M TWO_NODES "[distance]\n0-1 = 20\n1-0 = 30\n0-0 = 10\n", &cfg);
	assert_int_equal(cfg.numa->distance[0][1], 20);
	assert_int_equal(cfg.numa->distance[1][0], 30);
	config__free(&cfg);
}

/* Sockets per node and threads: 2 nodes x 2 sockets x 2 cores x 2 threads. */
static void test_sockets_per_node(void **state)
{
	struct vm_config cfg;

	(void)state;
	load_ok("[machine]\nkernel = bzImage\nsockets = 4\nthreads = 2\n"
		"[numa.0]\ncpus = 0-7\nmemory = 256M\n[numa.1]\ncpus = 8-15\nmemory = 256M\n", &cfg);
	assert_int_equal(cfg.cpus, 16);
	assert_int_equal(cfg.sockets, 4);
	assert_int_equal(cfg.cores, 2);
	assert_int_equal(cfg.threads, 2);
	config__free(&cfg);
}

/* Memory-only and CPU-only nodes; the [machine] keys of placement. */
static void test_memory_and_cpu_only_nodes(void **state)
{
	struct vm_config cfg;

	(void)state;
	load_ok("[machine]\nkernel = bzImage\ncpus = 2\nmemory = 512M\nhugepages = 2M\n"
		"mem_path = /dev/shm\nshared = yes\nprefault = yes\nthp = no\nemulator_cpus = 0,2-3\n"
		"[numa.0]\ncpus = 0\nmemory = 256M\n[numa.1]\ncpus = 1\nmemory = 0\n"
		"[numa.2]\nmemory = 256M\nhost_node = 0-1\npolicy = interleave\n"
		"[vcpu.1]\nhost_cpus = 5\n[hmat]\nlatency.1-2 = 300\nbandwidth.0-2 = 5000\n", &cfg);
	assert_int_equal(cfg.numa->nr_nodes, 3);
	assert_int_equal(cfg.sockets, 2);	/* node 2 has no CPUs, no socket */
	assert_int_equal(cfg.cores, 1);
	assert_int_equal(cfg.hugepages, SZ_2M);
	assert_string_equal(cfg.mem_path, "/dev/shm");
	assert_true(cfg.shared);
	assert_true(cfg.prefault);
	assert_false(cfg.thp);
	assert_int_equal(idset__count(&cfg.emulator_cpus), 3);
	assert_true(idset__has(&cfg.numa->vcpu[1].host_cpus, 5));
	assert_int_equal(cfg.numa->hmat_pair[1][2].latency_ns, 300);
	assert_int_equal(cfg.numa->hmat_pair[0][2].bandwidth_mbs, 5000);
	config__free(&cfg);
}

/* Without [numa.N] nothing changes: no NUMA data, topology as before. */
static void test_no_numa(void **state)
{
	struct vm_config cfg;

	(void)state;
	load_ok("[machine]\nkernel = bzImage\ncpus = 4\nsockets = 2\n", &cfg);
	assert_null(cfg.numa);
	assert_int_equal(cfg.cores, 2);
	config__free(&cfg);
	/* [vcpu.N] alone is pinning without NUMA. */
	load_ok("[machine]\nkernel = bzImage\ncpus = 2\n[vcpu.1]\nhost_cpus = 1\n", &cfg);
	assert_non_null(cfg.numa);
	assert_int_equal(cfg.numa->nr_nodes, 0);
	config__free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_id_not_number),
		cmocka_unit_test(test_node_id_too_big),
		cmocka_unit_test(test_node_id_hex),
		cmocka_unit_test(test_node_repeated),
		cmocka_unit_test(test_node_cpus_syntax),
		cmocka_unit_test(test_node_cpus_range_down),
		cmocka_unit_test(test_node_cpus_too_big),
		cmocka_unit_test(test_node_memory_syntax),
		cmocka_unit_test(test_node_memory_unaligned),
		cmocka_unit_test(test_node_host_node_empty),
		cmocka_unit_test(test_node_policy),
		cmocka_unit_test(test_node_host_cpus),
		cmocka_unit_test(test_node_unknown_key),
		cmocka_unit_test(test_node_duplicate_key),
		cmocka_unit_test(test_distance_key),
		cmocka_unit_test(test_distance_key_big),
		cmocka_unit_test(test_distance_below_10),
		cmocka_unit_test(test_distance_remote_10),
		cmocka_unit_test(test_distance_too_big),
		cmocka_unit_test(test_distance_not_number),
		cmocka_unit_test(test_distance_local),
		cmocka_unit_test(test_distance_duplicate),
		cmocka_unit_test(test_hmat_key),
		cmocka_unit_test(test_hmat_zero),
		cmocka_unit_test(test_hmat_enabled),
		cmocka_unit_test(test_vcpu_id),
		cmocka_unit_test(test_vcpu_key),
		cmocka_unit_test(test_vcpu_repeated),
		cmocka_unit_test(test_emulator_cpus),
		cmocka_unit_test(test_thp_value),
		cmocka_unit_test(test_vcpu_in_two_nodes),
		cmocka_unit_test(test_vcpu_in_no_node),
		cmocka_unit_test(test_vcpu_in_no_node_derived),
		cmocka_unit_test(test_vcpu_beyond_cpus),
		cmocka_unit_test(test_memory_sum_mismatch),
		cmocka_unit_test(test_no_memory_anywhere),
		cmocka_unit_test(test_node_gap),
		cmocka_unit_test(test_node_empty),
		cmocka_unit_test(test_node_memory_tiny),
		cmocka_unit_test(test_policy_without_host_node),
		cmocka_unit_test(test_preferred_two_nodes),
		cmocka_unit_test(test_host_cpus_without_vcpus),
		cmocka_unit_test(test_distance_unknown_node),
		cmocka_unit_test(test_distance_asymmetric_half),
		cmocka_unit_test(test_distance_without_nodes),
		cmocka_unit_test(test_hmat_without_nodes),
		cmocka_unit_test(test_hmat_unknown_node),
		cmocka_unit_test(test_hmat_initiator_without_cpus),
		cmocka_unit_test(test_hmat_target_without_memory),
		cmocka_unit_test(test_hmat_disabled_override),
		cmocka_unit_test(test_vcpu_section_beyond),
		cmocka_unit_test(test_vcpu_section_beyond_flat),
		cmocka_unit_test(test_sockets_not_per_node),
		cmocka_unit_test(test_cores_uneven_nodes),
		cmocka_unit_test(test_threads_split),
		cmocka_unit_test(test_hugepages_machine_memory),
		cmocka_unit_test(test_hugepages_node_memory),
		cmocka_unit_test(test_three_cells),
		cmocka_unit_test(test_asymmetric_complete),
		cmocka_unit_test(test_sockets_per_node),
		cmocka_unit_test(test_memory_and_cpu_only_nodes),
		cmocka_unit_test(test_no_numa),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
