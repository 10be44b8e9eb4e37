/* Bus seam: overlap rejection, offset-relative dispatch, partial accesses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/bus.h"

struct rec {
	uint64_t offset;
	uint32_t len;
	bool is_write;
	unsigned calls;
};

static void rec_fn(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct rec *r = opaque;

	r->offset = offset;
	r->len = len;
	r->is_write = is_write;
	r->calls++;
	if (!is_write)
		memset(data, 0x5a, len);
}

static void test_overlap_rejected(void **state)
{
	struct bus b;
	struct rec r = { 0 };

	(void)state;
	assert_int_equal(bus__init(&b), 0);
	assert_int_equal(bus__register(&b, 0x1000, 0x100, rec_fn, &r, "a"), 0);
	/* Same start, inside, straddling either end, enclosing: all overlap. */
	assert_int_equal(bus__register(&b, 0x1000, 0x10, rec_fn, &r, "b"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x1080, 0x10, rec_fn, &r, "b"), -EEXIST);
	assert_int_equal(bus__register(&b, 0xff0, 0x11, rec_fn, &r, "b"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x10ff, 0x10, rec_fn, &r, "b"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x800, 0x1000, rec_fn, &r, "b"), -EEXIST);
	/* Adjacent ranges are fine on both sides. */
	assert_int_equal(bus__register(&b, 0xf00, 0x100, rec_fn, &r, "c"), 0);
	assert_int_equal(bus__register(&b, 0x1100, 0x100, rec_fn, &r, "d"), 0);
	/* Empty, wrapping and handler-less ranges are invalid. */
	assert_int_equal(bus__register(&b, 0x5000, 0, rec_fn, &r, "e"), -EINVAL);
	assert_int_equal(bus__register(&b, UINT64_MAX - 1, 4, rec_fn, &r, "e"), -EINVAL);
	assert_int_equal(bus__register(&b, 0x5000, 4, NULL, &r, "e"), -EINVAL);
	/* The top of the address space can be registered. */
	assert_int_equal(bus__register(&b, UINT64_MAX - 3, 4, rec_fn, &r, "top"), 0);
	assert_int_equal(b.nr, 4);
	bus__destroy(&b);
}

static void test_dispatch_offset(void **state)
{
	struct bus b;
	struct rec r1 = { 0 }, r2 = { 0 };
	uint32_t v = 0;

	(void)state;
	assert_int_equal(bus__init(&b), 0);
	assert_int_equal(bus__register(&b, 0xfee00000, 0x1000, rec_fn, &r1, "one"), 0);
	assert_int_equal(bus__register(&b, 0x3f8, 8, rec_fn, &r2, "two"), 0);
	assert_int_equal(bus__access(&b, 0xfee00020, &v, 4, false), 0);
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r1.offset, 0x20);
	assert_int_equal(r1.len, 4);
	assert_false(r1.is_write);
	assert_int_equal(v, 0x5a5a5a5a);
	assert_int_equal(bus__access(&b, 0x3fd, &v, 1, true), 0);
	assert_int_equal(r2.offset, 5);
	assert_true(r2.is_write);
	assert_int_equal(r1.calls, 1);
	bus__destroy(&b);
}

static void test_miss_and_straddle(void **state)
{
	struct bus b;
	struct rec r = { 0 };
	uint64_t v;

	(void)state;
	assert_int_equal(bus__init(&b), 0);
	assert_int_equal(bus__register(&b, 0x100, 0x10, rec_fn, &r, "a"), 0);
	assert_int_equal(bus__access(&b, 0xff, &v, 1, false), -ENOENT);
	assert_int_equal(bus__access(&b, 0x110, &v, 1, false), -ENOENT);
	/* An access running off the end of its range is not dispatched. */
	assert_int_equal(bus__access(&b, 0x10e, &v, 4, false), -ENOENT);
	assert_int_equal(bus__access(&b, 0xfe, &v, 4, false), -ENOENT);
	assert_int_equal(bus__access(&b, 0x10c, &v, 4, false), 0);
	assert_int_equal(bus__access(&b, 0x100, &v, 0, false), -EINVAL);
	assert_int_equal(r.calls, 1);
	bus__destroy(&b);
}

static void test_unregister(void **state)
{
	struct bus b;
	struct rec r = { 0 };
	uint8_t v;

	(void)state;
	assert_int_equal(bus__init(&b), 0);
	assert_int_equal(bus__register(&b, 0x100, 0x10, rec_fn, &r, "a"), 0);
	assert_int_equal(bus__unregister(&b, 0x104), -ENOENT);
	assert_int_equal(bus__unregister(&b, 0x100), 0);
	assert_int_equal(bus__access(&b, 0x100, &v, 1, false), -ENOENT);
	/* The space is free again, e.g. for a BAR that moved. */
	assert_int_equal(bus__register(&b, 0x108, 0x10, rec_fn, &r, "a"), 0);
	bus__destroy(&b);
}

/* A handler that re-registers itself, as a BAR move does, must not deadlock. */
struct mover {
	struct bus *b;
	uint64_t base;
};

static void move_fn(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct mover *m = opaque;

	(void)offset; (void)data; (void)len; (void)is_write;
	assert_int_equal(bus__unregister(m->b, m->base), 0);
	m->base += 0x1000;
	assert_int_equal(bus__register(m->b, m->base, 0x10, move_fn, m, "mover"), 0);
}

static void test_handler_may_reregister(void **state)
{
	struct bus b;
	struct mover m = { &b, 0x1000 };
	uint8_t v = 0;

	(void)state;
	assert_int_equal(bus__init(&b), 0);
	assert_int_equal(bus__register(&b, 0x1000, 0x10, move_fn, &m, "mover"), 0);
	assert_int_equal(bus__access(&b, 0x1000, &v, 1, true), 0);
	assert_int_equal(bus__access(&b, 0x1000, &v, 1, true), -ENOENT);
	assert_int_equal(bus__access(&b, 0x2000, &v, 1, true), 0);
	assert_int_equal(m.base, 0x3000);
	bus__destroy(&b);
}

static void test_many_sorted(void **state)
{
	struct bus b;
	struct rec r[64];
	unsigned i;
	uint8_t v;

	(void)state;
	memset(r, 0, sizeof(r));
	assert_int_equal(bus__init(&b), 0);
	/* Register in a scrambled order; binary search must still find each. */
	for (i = 0; i < 64; i++) {
		unsigned k = (i * 37) % 64;

		assert_int_equal(bus__register(&b, 0x10000 + k * 0x100, 0x80, rec_fn, &r[k], "x"), 0);
	}
	for (i = 0; i < 64; i++) {
		assert_int_equal(bus__access(&b, 0x10000 + i * 0x100 + 0x7f, &v, 1, false), 0);
		assert_int_equal(r[i].offset, 0x7f);
		assert_int_equal(bus__access(&b, 0x10000 + i * 0x100 + 0x80, &v, 1, false), -ENOENT);
	}
	for (i = 1; i < b.nr; i++)
		assert_true(b.ranges[i - 1].base < b.ranges[i].base);
	bus__destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap_rejected),
		cmocka_unit_test(test_dispatch_offset),
		cmocka_unit_test(test_miss_and_straddle),
		cmocka_unit_test(test_unregister),
		cmocka_unit_test(test_handler_may_reregister),
		cmocka_unit_test(test_many_sorted),
	};

	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
