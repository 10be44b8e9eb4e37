/*
 * The guest topology seam: from a finished config to vCPU places and APIC
 * ids, RAM ranges split around the 32-bit hole in node order, distances
 * (default, written, mirrored) and derived or overridden HMAT figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/config.h"
#include "vmm/layout.h"
#include "vmm/topology.h"
#include "vmm/util.h"

#include "numa_test_util.h"

#define build nt_topology
#define done nt_done

static void assert_place(const struct topology *t, unsigned v, unsigned node, unsigned s,
			 unsigned c, unsigned th, uint32_t apic)
{
	const struct topo_vcpu *x = &t->vcpu[v];

	if (x->node != node || x->place.socket != s || x->place.core != c ||
	    x->place.thread != th || x->apic_id != apic)
		fail_msg("vCPU %u: node %u socket %u core %u thread %u apic %u, expected %u %u %u %u %u",
			 v, x->node, x->place.socket, x->place.core, x->place.thread, x->apic_id,
			 node, s, c, th, apic);
}

static void assert_range(const struct topology *t, unsigned i, uint64_t gpa, uint64_t size,
			 unsigned node)
{
	assert_true(i < t->nr_ranges);
	assert_int_equal(t->range[i].gpa, gpa);
	assert_int_equal(t->range[i].size, size);
	assert_int_equal(t->range[i].node, node);
}

/* No [numa.N]: one implicit node, places as before NUMA, no tables. */
static void test_flat(void **state)
{
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	t = build("[machine]\ncpus = 4\nsockets = 2\nmemory = 4G\n", &cfg);
	assert_false(t->numa);
	assert_int_equal(t->nr_nodes, 1);
	assert_int_equal(idset__count(&t->node[0].cpus), 4);
	assert_place(t, 0, 0, 0, 0, 0, 0);
	assert_place(t, 1, 0, 0, 1, 0, 1);
	assert_place(t, 2, 0, 1, 0, 0, 2);
	assert_place(t, 3, 0, 1, 1, 0, 3);
	assert_int_equal(t->nr_ranges, 2);
	assert_range(t, 0, 0, LAYOUT_MMIO32, 0);
	assert_range(t, 1, LAYOUT_RAM_ABOVE_4G, (4ULL << 30) - LAYOUT_MMIO32, 0);
	assert_int_equal(t->page_size, SZ_4K);
	assert_true(idset__empty(&t->vcpu[0].host_cpus));
	done(t, &cfg);
}

/* [pmem.NAME] after RAM, 1 GiB aligned, in config order, on its node. */
static void test_pmem_after_ram(void **state)
{
	char path[128];
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	snprintf(path, sizeof(path), "%s/pm0.img", nt_dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(truncate(path, 64 << 20), 0);
	snprintf(path, sizeof(path), "%s/pm1.img", nt_dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(truncate(path, 256 << 20), 0);
	t = build("[machine]\ncpus = 2\nmemory = 4G\n"
		  "[numa.0]\ncpus = 0\nmemory = 2G\n[numa.1]\ncpus = 1\nmemory = 2G\n"
		  "[pmem.a]\npath = pm0.img\nnuma = 1\n[pmem.b]\npath = pm1.img\n", &cfg);
	assert_int_equal(t->nr_pmem, 2);
	/* RAM: [0, 3G) and [4G, 5G) */
	assert_int_equal(t->pmem[0].gpa, 5ULL << 30);
	assert_int_equal(t->pmem[0].size, 64 << 20);
	assert_int_equal(t->pmem[0].node, 1);
	assert_int_equal(t->pmem[1].gpa, 6ULL << 30);
	assert_int_equal(t->pmem[1].size, 256 << 20);
	assert_int_equal(t->pmem[1].node, 0);
	assert_int_equal(topology__node_of(t, 5ULL << 30), -1);	/* not RAM */
	done(t, &cfg);
}

/* 4/2/2: sockets of the widest node's widths, so APIC ids skip 6-7. */
static void test_three_cells(void **state)
{
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	t = build("[machine]\n"
		  "[numa.0]\ncpus = 0-3\nmemory = 4G\n"
		  "[numa.1]\ncpus = 4-5\nmemory = 2G\n"
		  "[numa.2]\ncpus = 6-7\nmemory = 2G\n"
		  "[distance]\n0-1 = 21\n0-2 = 31\n1-2 = 41\n", &cfg);
	assert_true(t->numa);
	assert_int_equal(t->cpu.sockets, 3);
	assert_int_equal(t->cpu.cores, 4);
	assert_int_equal(t->cpu.threads, 1);
	assert_place(t, 0, 0, 0, 0, 0, 0);
	assert_place(t, 3, 0, 0, 3, 0, 3);
	assert_place(t, 4, 1, 1, 0, 0, 4);
	assert_place(t, 5, 1, 1, 1, 0, 5);
	assert_place(t, 6, 2, 2, 0, 0, 8);
	assert_place(t, 7, 2, 2, 1, 0, 9);
	assert_int_equal(t->node[1].first_socket, 1);
	assert_int_equal(t->node[1].cores, 2);
	/* Node 0 straddles the hole; the others follow above 4 GiB. */
	assert_int_equal(t->nr_ranges, 4);
	assert_range(t, 0, 0, 3ULL << 30, 0);
	assert_range(t, 1, 4ULL << 30, 1ULL << 30, 0);
	assert_range(t, 2, 5ULL << 30, 2ULL << 30, 1);
	assert_range(t, 3, 7ULL << 30, 2ULL << 30, 2);
	assert_int_equal(t->node[0].nr_ranges, 2);
	assert_int_equal(t->node[2].first_range, 3);
	/* Written one way, mirrored. */
	assert_int_equal(t->distance[0][1], 21);
	assert_int_equal(t->distance[1][0], 21);
	assert_int_equal(t->distance[2][1], 41);
	assert_int_equal(t->distance[1][1], 10);
	/* HMAT from distances: 10 ns and 200000 MB/s per distance unit. */
	assert_int_equal(t->latency_ns[0][0], 100);
	assert_int_equal(t->latency_ns[0][2], 310);
	assert_int_equal(t->bandwidth_mbs[1][1], 20000);
	assert_int_equal(t->bandwidth_mbs[1][2], 200000 / 41);
	assert_int_equal(topology__node_of(t, 0x1000), 0);
	assert_int_equal(topology__node_of(t, (5ULL << 30) + 5), 1);
	assert_int_equal(topology__node_of(t, LAYOUT_MMIO32), -1);
	assert_int_equal(topology__node_of(t, 9ULL << 30), -1);
	done(t, &cfg);
}

/* Interleaved vCPU lists, SMT and sockets per node; socket order follows
 * each node's lowest vCPU, so vCPU 0 is always APIC id 0 (KVM's BSP). */
static void test_interleaved_smt(void **state)
{
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	t = build("[machine]\nthreads = 2\nsockets = 4\n"
		  "[numa.0]\ncpus = 1,3,5,7\nmemory = 256M\n"
		  "[numa.1]\ncpus = 0,2,4,6\nmemory = 256M\n", &cfg);
	assert_int_equal(t->cpu.sockets, 4);
	assert_int_equal(t->cpu.cores, 1);
	assert_int_equal(t->cpu.threads, 2);
	/* node 1 holds vCPU 0: sockets 0-1; node 0 gets sockets 2-3. */
	assert_int_equal(t->node[1].first_socket, 0);
	assert_int_equal(t->node[0].first_socket, 2);
	assert_place(t, 0, 1, 0, 0, 0, 0);
	assert_place(t, 2, 1, 0, 0, 1, 1);
	assert_place(t, 4, 1, 1, 0, 0, 2);
	assert_place(t, 1, 0, 2, 0, 0, 4);
	assert_place(t, 7, 0, 3, 0, 1, 7);
	/* RAM is in node order regardless. */
	assert_range(t, 0, 0, 256ULL << 20, 0);
	assert_range(t, 1, 256ULL << 20, 256ULL << 20, 1);
	done(t, &cfg);
}

/* A CPU-only node gets no RAM range; a memory-only node no socket, and its
 * HMAT initiator is the nearest node with CPUs. */
static void test_cpu_and_memory_only(void **state)
{
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	t = build("[machine]\n"
		  "[numa.0]\ncpus = 0-1\nmemory = 512M\n"
		  "[numa.1]\ncpus = 2-3\nmemory = 0\n"
		  "[numa.2]\nmemory = 256M\n"
		  "[distance]\n0-1 = 20\n0-2 = 30\n1-2 = 25\n"
		  "[hmat]\nlatency.1-2 = 300\nbandwidth.1-2 = 5000\n"
		  "[vcpu.3]\nhost_cpus = 7\n", &cfg);
	assert_int_equal(t->nr_nodes, 3);
	assert_int_equal(t->cpu.sockets, 2);
	assert_int_equal(t->node[1].nr_ranges, 0);
	assert_int_equal(t->nr_ranges, 2);
	assert_range(t, 1, 512ULL << 20, 256ULL << 20, 2);
	assert_int_equal(t->node[2].initiator, 1);
	assert_int_equal(t->node[0].initiator, 0);
	assert_int_equal(t->latency_ns[1][2], 300);
	assert_int_equal(t->bandwidth_mbs[1][2], 5000);
	assert_int_equal(t->latency_ns[0][2], 300);	/* derived: distance 30 */
	assert_int_equal(t->latency_ns[0][1], 0);	/* node 1 has no memory */
	assert_int_equal(t->latency_ns[2][0], 0);	/* node 2 is no initiator */
	assert_true(idset__has(&t->vcpu[3].host_cpus, 7));	/* as configured */
	done(t, &cfg);
}

/* A node crossing 3 GiB exactly at the boundary gets no empty range. */
static void test_hole_boundary(void **state)
{
	struct vm_config cfg;
	struct topology *t;

	(void)state;
	t = build("[machine]\n[numa.0]\ncpus = 0\nmemory = 3G\n"
		  "[numa.1]\ncpus = 1\nmemory = 1G\n", &cfg);
	assert_int_equal(t->nr_ranges, 2);
	assert_range(t, 0, 0, 3ULL << 30, 0);
	assert_range(t, 1, 4ULL << 30, 1ULL << 30, 1);
	done(t, &cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_pmem_after_ram),
		cmocka_unit_test(test_three_cells),
		cmocka_unit_test(test_interleaved_smt),
		cmocka_unit_test(test_cpu_and_memory_only),
		cmocka_unit_test(test_hole_boundary),
	};

	return cmocka_run_group_tests(tests, nt_setup, nt_teardown);
}
