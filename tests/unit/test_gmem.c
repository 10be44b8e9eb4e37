/* Guest memory seam and allocators: bounds checks that cannot overflow. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/alloc.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"

static void test_ptr_bounds(void **state)
{
	static uint8_t low[0x2000], high[0x1000];
	struct gmem m;

	(void)state;
	gmem__init(&m);
	assert_int_equal(gmem__add(&m, 0x100000000ULL, sizeof(high), high, 1), 0);
	assert_int_equal(gmem__add(&m, 0, sizeof(low), low, 0), 0);
	assert_int_equal(m.regions[0].gpa, 0);	/* kept sorted */
	assert_ptr_equal(gmem__ptr(&m, 0, 1), low);
	assert_ptr_equal(gmem__ptr(&m, 0x1ff0, 0x10), low + 0x1ff0);
	assert_null(gmem__ptr(&m, 0x1ff0, 0x11));		/* runs past the end */
	assert_null(gmem__ptr(&m, 0x2000, 1));			/* in the gap */
	assert_ptr_equal(gmem__ptr(&m, 0x100000800ULL, 0x800), high + 0x800);
	assert_null(gmem__ptr(&m, 0x100000800ULL, 0x801));
	/* Lengths and addresses chosen to overflow a naive gpa + len check. */
	assert_null(gmem__ptr(&m, 0x10, UINT64_MAX));
	assert_null(gmem__ptr(&m, UINT64_MAX, 2));
	assert_null(gmem__ptr(&m, 0x100000000ULL, UINT64_MAX - 0xfff));
	/* A range spanning two regions is refused even if both exist. */
	assert_int_equal(gmem__total(&m), sizeof(low) + sizeof(high));
	assert_int_equal(gmem__end(&m), 0x100001000ULL);
}

static void test_add_rejects(void **state)
{
	static uint8_t buf[0x3000];
	struct gmem m;

	(void)state;
	gmem__init(&m);
	assert_int_equal(gmem__add(&m, 0x1000, 0x1000, buf, 0), 0);
	assert_int_equal(gmem__add(&m, 0x1800, 0x1000, buf, 0), -EEXIST);
	assert_int_equal(gmem__add(&m, 0x0, 0x1001, buf, 0), -EEXIST);
	assert_int_equal(gmem__add(&m, 0x5000, 0, buf, 0), -EINVAL);
	assert_int_equal(gmem__add(&m, UINT64_MAX - 10, 0x1000, buf, 0), -EINVAL);
	assert_int_equal(gmem__add(&m, 0x5000, 0x10, NULL, 0), -EINVAL);
}

static void test_read_write(void **state)
{
	struct gmem m;
	uint32_t v = 0xdeadbeef, r = 0;

	(void)state;
	gmem__init(&m);
	assert_int_equal(gmem__map_anon(&m, 0, 0x10000, 0), 0);
	assert_true(m.regions[0].owned);
	assert_int_equal(gmem__write(&m, 0xfffc, &v, 4), 0);
	assert_int_equal(gmem__read(&m, 0xfffc, &r, 4), 0);
	assert_int_equal(r, v);
	assert_int_equal(gmem__write(&m, 0xfffd, &v, 4), -EFAULT);
	assert_int_equal(gmem__read(&m, 0x10000, &r, 4), -EFAULT);
	gmem__destroy(&m);
	assert_int_equal(m.nr, 0);
}

/* pmem is reachable like RAM but not counted as RAM; read-only pmem is
 * never handed to a device (its mapping is PROT_READ). */
static void test_pmem(void **state)
{
	static uint8_t ram[4096], pm[8192], ro[4096];
	struct gmem m;
	uint8_t b = 0x5a;

	(void)state;
	gmem__init(&m);
	assert_int_equal(gmem__add(&m, 0, sizeof(ram), ram, 0), 0);
	assert_int_equal(gmem__add_pmem(&m, LAYOUT_RAM_ABOVE_4G, sizeof(pm), pm, 1, 0), 0);
	assert_int_equal(gmem__add_pmem(&m, 2 * LAYOUT_RAM_ABOVE_4G, sizeof(ro), ro, 1, GMEM_PMEM_READONLY), 0);
	assert_int_equal(gmem__total(&m), sizeof(ram));
	assert_int_equal(gmem__end(&m), sizeof(ram));
	assert_int_equal(gmem__top(&m), 2 * LAYOUT_RAM_ABOVE_4G + sizeof(ro));
	assert_true(m.regions[1].pmem && !m.regions[1].readonly && m.regions[1].guest_node == 1);
	assert_true(m.regions[2].pmem && m.regions[2].readonly);
	assert_int_equal(gmem__write(&m, LAYOUT_RAM_ABOVE_4G + 100, &b, 1), 0);
	assert_int_equal(pm[100], 0x5a);
	assert_null(gmem__ptr(&m, 2 * LAYOUT_RAM_ABOVE_4G, 1));
	assert_int_equal(gmem__write(&m, 2 * LAYOUT_RAM_ABOVE_4G, &b, 1), -EFAULT);
	assert_int_equal(gmem__read(&m, 2 * LAYOUT_RAM_ABOVE_4G, &b, 1), -EFAULT);
	assert_int_equal(gmem__add_pmem(&m, LAYOUT_RAM_ABOVE_4G + 4096, 4096, ro, 0, 0),
			 -EEXIST);
	gmem__destroy(&m);
}

static void test_alloc_window(void **state)
{
	struct alloc_window w;
	uint64_t a;

	(void)state;
	alloc__window_init(&w, 0xc0000800ULL, 0x10000);
	/* Alignment is of the absolute address even if the base is unaligned. */
	assert_int_equal(alloc__window(&w, 0x1000, 0x1000, &a), 0);
	assert_int_equal(a, 0xc0001000ULL);
	assert_int_equal(alloc__window(&w, 0x10, 0x10, &a), 0);
	assert_int_equal(a, 0xc0002000ULL);
	assert_int_equal(alloc__window(&w, 0x4000, 0x4000, &a), 0);
	assert_int_equal(a, 0xc0004000ULL);
	assert_int_equal(alloc__window(&w, 0x10000, 0x8000, &a), -ENOSPC);
	assert_int_equal(alloc__window(&w, 0x1000, 0x3000, &a), -EINVAL);
	assert_int_equal(alloc__window(&w, 0, 0x1000, &a), -EINVAL);
	assert_int_equal(alloc__window(&w, UINT64_MAX, 1, &a), -ENOSPC);
	/* Exactly filling the rest works; one more byte does not. */
	assert_int_equal(alloc__window(&w, 0xc0010800ULL - 0xc0008000ULL, 1, &a), 0);
	assert_int_equal(alloc__window(&w, 1, 1, &a), -ENOSPC);
}

static void test_alloc_ids(void **state)
{
	struct alloc_ids ids;
	uint32_t id;

	(void)state;
	alloc__ids_init(&ids, 24, 26);
	assert_int_equal(alloc__id(&ids, &id), 0);
	assert_int_equal(id, 24);
	assert_int_equal(alloc__id(&ids, &id), 0);
	assert_int_equal(id, 25);
	assert_int_equal(alloc__id(&ids, &id), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptr_bounds),
		cmocka_unit_test(test_add_rejects),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_pmem),
		cmocka_unit_test(test_alloc_window),
		cmocka_unit_test(test_alloc_ids),
	};

	return cmocka_run_group_tests_name("gmem", tests, NULL, NULL);
}
