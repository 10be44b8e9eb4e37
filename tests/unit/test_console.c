/*
 * The console watcher: --expect in order (partial lines, several matches
 * in one line, split writes), --fail-on on complete lines only and the
 * built-in kernel patterns, one decision only, CR handling, long lines,
 * the raw log, the last line for --timeout, and the timeline's JSON.
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

#include "vmm/console.h"
#include "vmm/timeline.h"

struct stops {
	unsigned n;
	int status;
	char reason[2048];
};

static void on_stop(void *opaque, int status, const char *reason)
{
	struct stops *s = opaque;

	s->n++;
	s->status = status;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
}

static void put(struct console *c, const char *s)
{
	console__write(c, (const uint8_t *)s, strlen(s));
}

static void init(struct console *c, struct stops *st, struct timeline *tl,
		 const char *const *expect, unsigned ne, const char *const *fail, unsigned nf,
		 bool kernel)
{
	const struct console_params p = {
		.out_fd = -1, .expect = expect, .nr_expect = ne, .fail_on = fail, .nr_fail_on = nf,
		.fail_on_kernel = kernel, .fail_status = 7, .timeline = tl, .stop = on_stop,
		.stop_opaque = st,
	};
	char err[256];

	memset(st, 0, sizeof(*st));
	assert_int_equal(console__init(c, &p, err, sizeof(err)), 0);
}

static void test_expect_in_order(void **state)
{
	static const char *const ex[] = { "second", "first" };
	struct console c;
	struct stops st;
	const char *next;

	(void)state;
	init(&c, &st, NULL, ex, 2, NULL, 0, false);
	put(&c, "first\r\nsecond\r\n");	/* "first" before "second" does not count */
	assert_int_equal(console__matched(&c, &next), 1);
	assert_string_equal(next, "first");
	assert_int_equal(st.n, 0);
	put(&c, "first again\r\n");
	assert_int_equal(console__matched(&c, &next), 2);
	assert_null(next);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.status, 0);
	put(&c, "second first\n");	/* decided: nothing more happens */
	assert_int_equal(st.n, 1);
	console__destroy(&c);
}

static void test_partial_line_and_same_line(void **state)
{
	static const char *const ex[] = { "login: $", "a", "a" };
	struct console c;
	struct stops st;

	(void)state;
	init(&c, &st, NULL, ex, 3, NULL, 0, false);
	/* A prompt has no newline; it matches when its last byte arrives,
	 * even written one byte at a time. */
	put(&c, "debian log");
	assert_int_equal(console__matched(&c, NULL), 0);
	put(&c, "i");
	put(&c, "n");
	put(&c, ":");
	assert_int_equal(console__matched(&c, NULL), 0);
	put(&c, " ");
	assert_int_equal(console__matched(&c, NULL), 1);
	/* Next patterns start after the previous match: one "a" is one match. */
	put(&c, "xa");
	assert_int_equal(console__matched(&c, NULL), 2);
	put(&c, "\r\n");
	assert_int_equal(console__matched(&c, NULL), 2);
	put(&c, "a\n");
	assert_int_equal(console__matched(&c, NULL), 3);
	assert_int_equal(st.n, 1);
	console__destroy(&c);
}

static void test_anchor_after_match(void **state)
{
	static const char *const ex[] = { "x", "^y" };
	struct console c;
	struct stops st;

	(void)state;
	init(&c, &st, NULL, ex, 2, NULL, 0, false);
	put(&c, "xy\n");	/* "^" is the start of a line, not of the rest */
	assert_int_equal(console__matched(&c, NULL), 1);
	put(&c, "y\n");
	assert_int_equal(console__matched(&c, NULL), 2);
	console__destroy(&c);
}

static void test_fail_on(void **state)
{
	static const char *const ex[] = { "never" };
	static const char *const fail[] = { "ERROR [0-9]+" };
	struct timeline tl;
	struct console c;
	struct stops st;

	(void)state;
	timeline__init(&tl, 0);
	init(&c, &st, &tl, ex, 1, fail, 1, false);
	put(&c, "all fine\nERROR 4");
	assert_int_equal(st.n, 0);	/* complete lines only */
	put(&c, "2 here\r\n");
	assert_int_equal(st.n, 1);
	assert_int_equal(st.status, 7);
	assert_non_null(strstr(st.reason, "fail-on matched 'ERROR [0-9]+' at wall +"));
	assert_non_null(strstr(st.reason, ": ERROR 42 here"));
	assert_null(strchr(st.reason, '\r'));
	put(&c, "ERROR 5\n");
	assert_int_equal(st.n, 1);
	console__destroy(&c);
	timeline__free(&tl);
}

static void test_kernel_failures(void **state)
{
	static const char *const lines[] = {
		"[    3.1] Kernel panic - not syncing: VFS: Unable to mount root fs\n",
		"[    2.0] BUG: kernel NULL pointer dereference, address: 0000000000000000\n",
		"[    9.9] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [init:1]\n",
		"[    1.0] Oops: 0002 [#1] PREEMPT SMP NOPTI\n",
		"[    1.0] general protection fault, probably for non-canonical address\n",
		"[    0.5] WARNING: CPU: 0 PID: 1 at kernel/fork.c:1 foo+0x1/0x2\n",
		"[   60.0] rcu: INFO: rcu_preempt self-detected stall on CPU\n",
		"[   60.0] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n",
		"[    2.0] Unable to handle kernel paging request at ffffffffff600000\n",
	};
	static const char *const fine[] = {
		"[    0.0] Linux version 6.1.0-57-cloud-amd64\n",
		"[    0.1] ACPI: PM-Timer IO Port: 0x608\n",
		"Run /init as init process\n",
		"@@DONE action=panic\n",
	};
	struct console c;
	struct stops st;
	unsigned i, hit[CONSOLE_KERNEL_FAILURES] = { 0 }, k;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		init(&c, &st, NULL, NULL, 0, NULL, 0, true);
		put(&c, lines[i]);
		assert_int_equal(st.n, 1);
		assert_int_equal(st.status, 7);
		for (k = 0; k < CONSOLE_KERNEL_FAILURES; k++)
			if (strstr(st.reason, console_kernel_failures[k]))
				hit[k]++;
		console__destroy(&c);
	}
	/* Every built-in pattern is the one that stopped some line. */
	for (k = 0; k < CONSOLE_KERNEL_FAILURES; k++)
		if (!hit[k])
			fail_msg("built-in pattern '%s' matched no test line", console_kernel_failures[k]);
	init(&c, &st, NULL, NULL, 0, NULL, 0, true);
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		put(&c, fine[i]);
	assert_int_equal(st.n, 0);
	console__destroy(&c);
	/* Without the flag the same lines decide nothing. */
	init(&c, &st, NULL, NULL, 0, NULL, 0, false);
	put(&c, lines[0]);
	assert_int_equal(st.n, 0);
	console__destroy(&c);
}

static void test_long_lines_and_last_line(void **state)
{
	static const char *const ex[] = { "tail" };
	char big[CONSOLE_LINE_MAX * 3 + 1], last[CONSOLE_LINE_MAX + 1];
	struct console c;
	struct stops st;

	(void)state;
	init(&c, &st, NULL, ex, 1, NULL, 0, false);
	console__last_line(&c, last, sizeof(last));
	assert_string_equal(last, "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(&c, big);		/* no overflow: matched in pieces */
	put(&c, "\nhello\r\n\r\n");
	console__last_line(&c, last, sizeof(last));
	assert_string_equal(last, "hello");	/* empty lines do not replace it */
	put(&c, "typing");
	console__last_line(&c, last, sizeof(last));
	assert_string_equal(last, "typing");	/* the line being written */
	put(&c, " tail");
	assert_int_equal(st.n, 1);
	console__destroy(&c);
}

static void test_outputs_are_raw(void **state)
{
	static const char *const ex[] = { "b" };
	char path[] = "/tmp/mvmm-test-console-XXXXXX", buf[64] = { 0 };
	const char text[] = "a\r\nb\0c\r\n";
	int pipefd[2], fd;
	struct console c;
	struct stops st;
	struct console_params p = { .expect = ex, .nr_expect = 1, .stop = on_stop,
				    .stop_opaque = &st };
	char err[256];

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old\n", 4), 4);	/* appended, not truncated */
	close(fd);
	assert_int_equal(pipe2(pipefd, O_NONBLOCK), 0);
	p.out_fd = pipefd[1];
	p.log_path = path;
	memset(&st, 0, sizeof(st));
	assert_int_equal(console__init(&c, &p, err, sizeof(err)), 0);
	console__write(&c, (const uint8_t *)text, sizeof(text) - 1);
	console__destroy(&c);
	assert_int_equal(read(pipefd[0], buf, sizeof(buf)), sizeof(text) - 1);
	assert_memory_equal(buf, text, sizeof(text) - 1);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4 + sizeof(text) - 1);
	assert_memory_equal(buf, "old\n", 4);
	assert_memory_equal(buf + 4, text, sizeof(text) - 1);
	close(fd);
	assert_int_equal(st.n, 1);
	/* An unwritable log is an error before anything runs. */
	p.log_path = "/nonexistent/dir/log";
	assert_int_equal(console__init(&c, &p, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "--console-log /nonexistent/dir/log: cannot open: No such file or directory");
	unlink(path);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_timeline_json(void **state)
{
	struct timeline tl;
	char *buf = NULL, stamp[64];
	unsigned i;
	size_t len;
	FILE *f;

	(void)state;
	timeline__init(&tl, 1000);
	timeline__stamp(&tl, 1000 + 1500000000ULL, stamp, sizeof(stamp));
	assert_string_equal(stamp, "wall +1.500s");
	atomic_store(&tl.guest_ns, 1000 + 500000000ULL);
	timeline__add(&tl, "expect", "a\"b\\c\n", 1000 + 2000000000ULL);
	timeline__stamp(&tl, 1000 + 2000000000ULL, stamp, sizeof(stamp));
	assert_string_equal(stamp, "guest +1.500s, wall +2.000s");
	f = open_memstream(&buf, &len);
	timeline__json(&tl, f);
	fclose(f);
	assert_string_equal(buf, "[\n{\"event\": \"vmm-start\", \"wall_s\": 0.000000},\n"
			    "{\"event\": \"expect\", \"wall_s\": 2.000000, \"guest_s\": 1.500000, "
			    "\"pattern\": \"a\\\"b\\\\c\\u000a\"}]");
	free(buf);
	/* Past its size the timeline says how many it dropped. */
	for (i = 0; i < TIMELINE_MAX_EVENTS; i++)
		timeline__add(&tl, "x", NULL, 0);
	f = open_memstream(&buf, &len);
	timeline__json(&tl, f);
	fclose(f);
	assert_non_null(strstr(buf, "{\"event\": \"dropped\", \"count\": 2}]"));
	free(buf);
	timeline__free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expect_in_order),
		cmocka_unit_test(test_partial_line_and_same_line),
		cmocka_unit_test(test_anchor_after_match),
		cmocka_unit_test(test_fail_on),
		cmocka_unit_test(test_kernel_failures),
		cmocka_unit_test(test_long_lines_and_last_line),
		cmocka_unit_test(test_outputs_are_raw),
		cmocka_unit_test(test_timeline_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
