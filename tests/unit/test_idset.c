/* Id sets and the kernel's cpulist syntax (vmm/idset.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/idset.h"

static const char *fmt(const struct idset *s)
{
	static char buf[256];

	return idset__format(s, buf, sizeof(buf));
}

static void test_parse_format(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "", "" }, { "0", "0" }, { "0-3", "0-3" }, { "3,1,2", "1-3" },
		{ "0-1,4,6-7", "0-1,4,6-7" }, { "5-5", "5" }, { "0-1,1-2", "0-2" },
		{ "63,64", "63-64" }, { "1023", "1023" }, { "0-1023", "0-1023" },
	};
	struct idset s;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(idset__parse(&s, ok[i].in, IDSET_MAX), 0);
		assert_string_equal(fmt(&s), ok[i].out);
	}
	assert_int_equal(idset__count(&s), 1024);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"-1", "1-", ",1", "1,", "1,,2", " 1", "1 ", "a", "0x1", "3-1", "1-2-3", "+1",
	};
	struct idset s;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		idset__add(&s, 7);
		if (idset__parse(&s, bad[i], IDSET_MAX) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
	}
	assert_int_equal(idset__parse(&s, "0-8", 8), -ERANGE);
	assert_true(idset__empty(&s));
	assert_int_equal(idset__parse(&s, "1024", IDSET_MAX), -ERANGE);
	assert_int_equal(idset__parse(&s, "99999999999999999999", IDSET_MAX), -ERANGE);
	/* A syntax error after a range error still says syntax. */
	assert_int_equal(idset__parse(&s, "2000,x", IDSET_MAX), -EINVAL);
}

static void test_ops(void **state)
{
	struct idset a, b, c;

	(void)state;
	assert_int_equal(idset__parse(&a, "0-3,100", IDSET_MAX), 0);
	assert_int_equal(idset__parse(&b, "2-5", IDSET_MAX), 0);
	assert_true(idset__intersects(&a, &b));
	assert_false(idset__subset(&a, &b));
	c = a;
	idset__and(&c, &b);
	assert_string_equal(fmt(&c), "2-3");
	assert_true(idset__subset(&c, &a));
	idset__or(&c, &b);
	assert_true(idset__equal(&c, &b));
	idset__del(&c, 4);
	assert_string_equal(fmt(&c), "2-3,5");
	assert_int_equal(idset__next(&a, 4), 100);
	assert_int_equal(idset__next(&a, 101), -1);
	idset__clear(&c);
	assert_true(idset__empty(&c));
	assert_false(idset__has(&c, 5000));
	idset__add(&c, 5000);	/* out of range: ignored */
	assert_true(idset__empty(&c));
}

/* A short buffer cuts with "..." instead of overflowing. */
static void test_format_cut(void **state)
{
	struct idset s;
	char buf[12];

	(void)state;
	assert_int_equal(idset__parse(&s, "0,2,4,6,8,10,12,14", IDSET_MAX), 0);
	idset__format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "0,2,4,6,...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_format_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
