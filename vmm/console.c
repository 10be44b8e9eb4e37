/* Guest console output: stdout, --console-log and the --expect/--fail-on
 * watcher (see console.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/console.h"
#include "vmm/timeline.h"
#include "vmm/util.h"

/* Each names one failure and nothing a healthy boot prints: "BUG: " covers
 * soft lockups and scheduling-while-atomic, the RCU entry stalls. */
const char *const console_kernel_failures[] = {	/* its size must match the header's */
	"Kernel panic - not syncing",
	"BUG: ",
	"Oops: ",
	"general protection fault",
	"WARNING: CPU: [0-9]+ PID: ",
	"rcu: INFO: rcu_[a-z]+ (self-)?detected stall",
	"Unable to handle kernel",
};

/* regcomp, with a bad pattern reported as an option error. */
static int regcomp_opt(regex_t *re, const char *text, int flags, const char *opt, char *err,
		       size_t errlen)
{
	char why[128];
	int r = regcomp(re, text, REG_EXTENDED | flags);

	if (!r)
		return 0;
	regerror(r, re, why, sizeof(why));
	snprintf(err, errlen, "--%s '%s': expected a POSIX extended regular expression (%s)",
		 opt, text, why);
	return -EINVAL;
}

int console__check_pattern(const char *opt, const char *re, char *err, size_t errlen)
{
	regex_t r;

	if (regcomp_opt(&r, re, REG_NOSUB, opt, err, errlen) < 0)
		return -EINVAL;
	regfree(&r);
	return 0;
}

static int compile(struct console_pattern *pt, const char *text, const char *opt, char *err,
		   size_t errlen)
{
	pt->text = strdup(text);
	if (!pt->text)
		return -ENOMEM;
	if (regcomp_opt(&pt->re, text, 0, opt, err, errlen) < 0) {
		free(pt->text);
		pt->text = NULL;
		return -EINVAL;
	}
	return 0;
}

int console__init(struct console *c, const struct console_params *p, char *err, size_t errlen)
{
	unsigned i;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->out_fd = p->out_fd;
	c->log_fd = -1;
	c->fail_status = p->fail_status;
	c->timeline = p->timeline;
	c->stop = p->stop;
	c->stop_opaque = p->stop_opaque;
	if (p->nr_expect > CONSOLE_MAX_PATTERNS || p->nr_fail_on > CONSOLE_MAX_PATTERNS) {
		snprintf(err, errlen, "--%s: more than %u patterns",
			 p->nr_expect > CONSOLE_MAX_PATTERNS ? "expect" : "fail-on",
			 CONSOLE_MAX_PATTERNS);
		ret = -E2BIG;
		goto err;
	}
	for (i = 0; i < p->nr_expect; i++, c->nr_expect++)
		if ((ret = compile(&c->expect[i], p->expect[i], "expect", err, errlen)) < 0)
			goto err;
	for (i = 0; i < p->nr_fail_on; i++, c->nr_fail++)
		if ((ret = compile(&c->fail[c->nr_fail], p->fail_on[i], "fail-on", err, errlen)) < 0)
			goto err;
	for (i = 0; p->fail_on_kernel && i < CONSOLE_KERNEL_FAILURES; i++, c->nr_fail++)
		if ((ret = compile(&c->fail[c->nr_fail], console_kernel_failures[i], "fail-on-kernel",
				   err, errlen)) < 0)
			goto err;
	if (p->log_path) {
		c->log_fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (c->log_fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "--console-log %s: cannot open: %s", p->log_path,
				 strerror(errno));
			goto err;
		}
	}
	return 0;
err:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	console__destroy(c);
	return ret;
}

static void free_patterns(struct console_pattern *pt, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		regfree(&pt[i].re);
		free(pt[i].text);
	}
}

void console__destroy(struct console *c)
{
	free_patterns(c->expect, c->nr_expect);
	free_patterns(c->fail, c->nr_fail);
	c->nr_expect = c->nr_fail = 0;
	if (c->log_fd >= 0)
		close(c->log_fd);
	c->log_fd = -1;
	pthread_mutex_destroy(&c->lock);
}

/* A closed stdout or log must not stop the guest: on error the bytes are
 * dropped. A slow reader of a blocking stdout slows the guest down, as a
 * real UART at its baud rate would (nothing is lost). */
static void write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (fd >= 0 && len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static void decide(struct console *c, int status, const char *reason)
{
	c->decided = true;
	if (c->stop)
		c->stop(c->stop_opaque, status, reason);
}

/* Called with the lock held after the line grew or ended. */
static void match(struct console *c, bool line_end)
{
	char stamp[64], reason[CONSOLE_LINE_MAX + 256];
	regmatch_t m;
	uint64_t now;
	unsigned i;

	for (i = 0; line_end && i < c->nr_fail && !c->decided; i++) {
		if (regexec(&c->fail[i].re, c->line, 0, NULL, 0))
			continue;
		now = timeline__now();
		if (c->timeline)
			timeline__add(c->timeline, "fail-on", c->fail[i].text, now);
		snprintf(reason, sizeof(reason), "fail-on matched '%s' at %s: %s", c->fail[i].text,
			 c->timeline ? timeline__stamp(c->timeline, now, stamp, sizeof(stamp)) : "-",
			 c->line);
		pr_err("%s", reason);
		decide(c, c->fail_status, reason);
	}
	while (!c->decided && c->matched < c->nr_expect && c->expect_off <= c->len &&
	       !regexec(&c->expect[c->matched].re, c->line + c->expect_off, 1, &m,
			c->expect_off ? REG_NOTBOL : 0)) {
		now = timeline__now();
		if (c->timeline)
			timeline__add(c->timeline, "expect", c->expect[c->matched].text, now);
		pr_err("expect %u/%u matched '%s' at %s", c->matched + 1, c->nr_expect,
		       c->expect[c->matched].text,
		       c->timeline ? timeline__stamp(c->timeline, now, stamp, sizeof(stamp)) : "-");
		/* An empty match still moves on, or "^" would match forever. */
		c->expect_off += m.rm_eo > 0 ? (size_t)m.rm_eo : 1;
		if (++c->matched == c->nr_expect)
			decide(c, 0, "every --expect matched");
	}
}

static bool watching(const struct console *c)
{
	return !c->decided && (c->nr_expect || c->nr_fail);
}

static void end_line(struct console *c)
{
	if (watching(c))
		match(c, true);
	if (c->len)
		memcpy(c->last, c->line, c->len + 1);
	c->len = c->expect_off = 0;
	c->line[0] = '\0';
}

void console__write(struct console *c, const uint8_t *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	write_all(c->out_fd, buf, len);
	write_all(c->log_fd, buf, len);
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			end_line(c);
			continue;
		}
		/* CR and NUL never help a pattern (the 8250 driver sends CRLF). */
		if (buf[i] == '\r' || !buf[i])
			continue;
		c->line[c->len++] = buf[i];
		c->line[c->len] = '\0';
		if (c->len == CONSOLE_LINE_MAX)
			end_line(c);
		else if (watching(c) && c->matched < c->nr_expect)
			match(c, false);
	}
	pthread_mutex_unlock(&c->lock);
}

void console__last_line(struct console *c, char *out, size_t outlen)
{
	pthread_mutex_lock(&c->lock);
	snprintf(out, outlen, "%s", c->len ? c->line : c->last);
	pthread_mutex_unlock(&c->lock);
}

unsigned console__matched(struct console *c, const char **next)
{
	unsigned n;

	pthread_mutex_lock(&c->lock);
	n = c->matched;
	if (next)
		*next = n < c->nr_expect ? c->expect[n].text : NULL;
	pthread_mutex_unlock(&c->lock);
	return n;
}
