/*
 * The graceful-shutdown state machine (vmm/shutdown.h): the first SIGTERM
 * presses the button and arms the deadline, a second stop signal stops at
 * once with 128+N, the deadline gives its own status, timeout 0 and
 * SIGINT/SIGHUP stop at once, and the deadline saturates.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/shutdown.h"
#include "vmm/vm.h"

#define S	1000000000ULL

static void test_sigterm_then_poweroff_wait(void **state)
{
	struct shutdown s;
	int status = -1;

	(void)state;
	shutdown__init(&s, 30 * S);
	assert_int_equal(shutdown__deadline(&s), 0);
	assert_false(shutdown__expired(&s, UINT64_MAX, &status));	/* nothing armed */
	assert_int_equal(shutdown__signal(&s, SIGTERM, 100 * S, &status), SHUTDOWN_BUTTON);
	assert_int_equal(status, -1);
	assert_int_equal(shutdown__deadline(&s), 130 * S);
	assert_false(shutdown__expired(&s, 130 * S - 1, &status));
	assert_int_equal(status, -1);
	assert_true(shutdown__expired(&s, 130 * S, &status));
	assert_int_equal(status, VM_EXIT_SHUTDOWN_TIMEOUT);
	assert_int_equal(VM_EXIT_SHUTDOWN_TIMEOUT, 10);		/* documented */
}

static void test_second_signal_stops(void **state)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct shutdown s;
	unsigned i;
	int status;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		shutdown__init(&s, 30 * S);
		assert_int_equal(shutdown__signal(&s, SIGTERM, 1 * S, &status), SHUTDOWN_BUTTON);
		status = -1;
		assert_int_equal(shutdown__signal(&s, sigs[i], 2 * S, &status), SHUTDOWN_STOP);
		assert_int_equal(status, 128 + sigs[i]);
		/* The deadline stays where the first SIGTERM put it. */
		assert_int_equal(shutdown__deadline(&s), 31 * S);
	}
}

static void test_hard_at_once(void **state)
{
	struct shutdown s;
	int status;

	(void)state;
	/* SIGINT and SIGHUP never ask the guest. */
	shutdown__init(&s, 30 * S);
	assert_int_equal(shutdown__signal(&s, SIGINT, 1 * S, &status), SHUTDOWN_STOP);
	assert_int_equal(status, 130);
	assert_int_equal(shutdown__signal(&s, SIGHUP, 1 * S, &status), SHUTDOWN_STOP);
	assert_int_equal(status, 129);
	assert_int_equal(shutdown__deadline(&s), 0);
	/* shutdown_timeout = 0: SIGTERM stops at once, as before. */
	shutdown__init(&s, 0);
	assert_int_equal(shutdown__signal(&s, SIGTERM, 1 * S, &status), SHUTDOWN_STOP);
	assert_int_equal(status, 143);
	assert_int_equal(shutdown__deadline(&s), 0);
	assert_false(shutdown__expired(&s, UINT64_MAX, &status));
}

static void test_deadline_saturates(void **state)
{
	struct shutdown s;
	int status = -1;

	(void)state;
	shutdown__init(&s, UINT64_MAX - 5);
	assert_int_equal(shutdown__signal(&s, SIGTERM, 10, &status), SHUTDOWN_BUTTON);
	assert_int_equal(shutdown__deadline(&s), UINT64_MAX);
	assert_false(shutdown__expired(&s, UINT64_MAX - 1, &status));
	/* At time 0 the deadline is still "armed" (never 0). */
	shutdown__init(&s, 1);
	assert_int_equal(shutdown__signal(&s, SIGTERM, 0, &status), SHUTDOWN_BUTTON);
	assert_int_equal(shutdown__deadline(&s), 1);
	assert_true(shutdown__expired(&s, 1, &status));
	assert_int_equal(status, VM_EXIT_SHUTDOWN_TIMEOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigterm_then_poweroff_wait),
		cmocka_unit_test(test_second_signal_stops),
		cmocka_unit_test(test_hard_at_once),
		cmocka_unit_test(test_deadline_saturates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
