/*
 * The host side of the guest console: every byte the guest's UART sends
 * goes to the output fd (stdout), to the --console-log file (raw, appended)
 * and through the watcher. The watcher matches --fail-on patterns against
 * each complete line and the pending --expect pattern (they are taken in
 * order) against the line as it grows, so a prompt without a newline
 * ("login: ") matches as soon as it is there; the next --expect is searched
 * after the end of the previous match. A decision (every --expect seen, or
 * a --fail-on) is reported on stderr with its timestamps and passed to
 * @stop once; matching then ends, output continues until the VM stops.
 * Patterns are POSIX extended regular expressions; a pattern never spans a
 * line break. Lines longer than CONSOLE_LINE_MAX are matched in pieces.
 */
#ifndef MVMM_CONSOLE_H
#define MVMM_CONSOLE_H

#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timeline;

#define CONSOLE_LINE_MAX	1024
#define CONSOLE_MAX_PATTERNS	64	/* --expect, --fail-on each */
#define CONSOLE_KERNEL_FAILURES	7	/* entries of console_kernel_failures */

/* The kernel's own failure messages (--fail-on-kernel). */
extern const char *const console_kernel_failures[CONSOLE_KERNEL_FAILURES];

struct console_pattern {
	char *text;
	regex_t re;
};

/* Called once, from the writing (vCPU) thread, when the watcher decides:
 * status 0 (every --expect matched) or @fail_status; @reason is one line. */
typedef void (*console_stop_fn)(void *opaque, int status, const char *reason);

struct console_params {
	int out_fd;			/* the console itself (stdout); -1: none */
	const char *log_path;		/* NULL: no log */
	const char *const *expect;	/* in order */
	unsigned nr_expect;
	const char *const *fail_on;
	unsigned nr_fail_on;
	bool fail_on_kernel;		/* add console_kernel_failures */
	int fail_status;		/* exit status of a --fail-on match */
	struct timeline *timeline;	/* for stamps and events; may be NULL */
	console_stop_fn stop;
	void *stop_opaque;
};

struct console {
	pthread_mutex_t lock;
	int out_fd, log_fd;
	struct console_pattern expect[CONSOLE_MAX_PATTERNS];
	unsigned nr_expect, matched;	/* matched: --expect patterns seen so far */
	struct console_pattern fail[CONSOLE_MAX_PATTERNS + CONSOLE_KERNEL_FAILURES];
	unsigned nr_fail;
	int fail_status;
	bool decided;			/* stop already requested */
	char line[CONSOLE_LINE_MAX + 1];	/* current line, NUL-terminated, no CR */
	size_t len, expect_off;		/* expect_off: where the next --expect may start */
	char last[CONSOLE_LINE_MAX + 1];	/* last complete non-empty line */
	struct timeline *timeline;
	console_stop_fn stop;
	void *stop_opaque;
};

/* 0 if @re compiles as a POSIX ERE; else -EINVAL and "--@opt 'RE':
 * expected ... (why)" in @err. For checking options before any VM. */
int console__check_pattern(const char *opt, const char *re, char *err, size_t errlen);
/* Compile the patterns (a bad one: -EINVAL with "--expect 'X': <why>" in
 * @err) and open the log (-errno, "--console-log FILE: <why>"). */
int console__init(struct console *c, const struct console_params *p, char *err, size_t errlen);
void console__destroy(struct console *c);
/* The guest wrote @len bytes. */
void console__write(struct console *c, const uint8_t *buf, size_t len);
/* The line being written, or else the last complete one ("" if none). */
void console__last_line(struct console *c, char *out, size_t outlen);
/* --expect patterns matched so far, and the next pending one (NULL: all). */
unsigned console__matched(struct console *c, const char **next);

#endif
