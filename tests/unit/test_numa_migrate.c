/*
 * numa_migrate__range with the real kernel on this (one-node) host: the
 * policy is applied to the range, present pages are counted and found
 * already in place (node 0 -> node 0 is a no-op move), untouched pages are
 * not counted, misaligned input is refused, and the query counts per node.
 * Real moves between nodes are checked in the test host (control.sh).
 */
#include <errno.h>
#include <numaif.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "numa/host.h"
#include "numa/migrate.h"

#define PAGES 256
#define SZ_2M_ (2u << 20)

static void test_noop_move(void **state)
{
	struct numa_migrate_result res = { 0 };
	uint64_t on[NUMA_HOST_MAX_NODES] = { 0 };
	unsigned long mask = 0;
	struct idset nodes;
	char *p;
	int mode = -1;

	(void)state;
	p = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 0x5a, PAGES / 2 * 4096);	/* the first half is present */
	idset__parse(&nodes, "0", IDSET_MAX);
	assert_int_equal(numa_migrate__range(p, PAGES * 4096, 4096, 4096, &nodes, MPOL_BIND, &res), 0);
	assert_int_equal(res.pages, PAGES);
	assert_int_equal(res.present, PAGES / 2);
	assert_int_equal(res.already, PAGES / 2);
	assert_int_equal(res.moved, 0);
	assert_int_equal(res.failed, 0);
	assert_true(res.ns > 0);
	/* The policy now covers the range (what later faults follow). */
	assert_int_equal(get_mempolicy(&mode, &mask, 64, p + 4096, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_BIND);
	assert_int_equal(mask, 1);
	/* Data untouched. */
	assert_int_equal(p[0], 0x5a);
	assert_int_equal(p[PAGES / 2 * 4096 - 1], 0x5a);
	/* Interleave over one node: all in place too; results add up. */
	assert_int_equal(numa_migrate__range(p, PAGES * 4096, 4096, SZ_2M_, &nodes, MPOL_INTERLEAVE, &res), 0);
	assert_int_equal(res.pages, 2 * PAGES);
	assert_int_equal(res.already, PAGES);
	assert_int_equal(numa_migrate__count(p, PAGES * 4096, 4096, on, NUMA_HOST_MAX_NODES),
			 PAGES / 2);
	assert_int_equal(on[0], PAGES / 2);
	munmap(p, PAGES * 4096);
}

static void test_bad_input(void **state)
{
	struct numa_migrate_result res = { 0 };
	struct idset nodes, none;
	char *p;

	(void)state;
	p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	idset__parse(&nodes, "0", IDSET_MAX);
	idset__clear(&none);
	assert_int_equal(numa_migrate__range(p + 1, 4096, 4096, 4096, &nodes, MPOL_BIND, &res), -EINVAL);
	assert_int_equal(numa_migrate__range(p, 4095, 4096, 4096, &nodes, MPOL_BIND, &res), -EINVAL);
	assert_int_equal(numa_migrate__range(p, 4096, 4096, 4096, &none, MPOL_BIND, &res), -EINVAL);
	assert_int_equal(numa_migrate__range(p, 4096, 4096, 6144, &nodes, MPOL_BIND, &res), -EINVAL);
	/* A node this host lacks: mbind refuses, nothing changed. */
	idset__parse(&nodes, "63", IDSET_MAX);
	assert_true(numa_migrate__range(p, 4096, 4096, 4096, &nodes, MPOL_BIND, &res) < 0);
	assert_int_equal(res.pages, 0);
	munmap(p, 4 * 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noop_move),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
