/* [machine] user / group: names and ids resolve (or are refused), and the
 * drop changes every id of every thread for good, with no capability left,
 * even for a thread already under the device seccomp filter. The drops run
 * in forked children (as root; skipped otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/privdrop.h"
#include "vmm/sandbox.h"

#define NOBODY	65534

static void test_resolve_user(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	char why[160];
	bool has_gid;
	uid_t uid;
	gid_t gid;

	(void)state;
	assert_non_null(pw);	/* Debian's base-passwd */
	assert_int_equal(privdrop__user("nobody", &uid, &gid, &has_gid, why, sizeof(why)), 0);
	assert_int_equal(uid, pw->pw_uid);
	assert_int_equal(gid, pw->pw_gid);
	assert_true(has_gid);
	/* A numeric uid with a passwd entry has its group ... */
	assert_int_equal(privdrop__user("65534", &uid, &gid, &has_gid, why, sizeof(why)), 0);
	assert_int_equal(uid, NOBODY);
	assert_true(has_gid);
	/* ... one without has none. */
	assert_int_equal(privdrop__user("4242", &uid, &gid, &has_gid, why, sizeof(why)), 0);
	assert_int_equal(uid, 4242);
	assert_false(has_gid);
	assert_int_equal(privdrop__user("root", &uid, &gid, &has_gid, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "root is no drop (expected an unprivileged user)");
	assert_int_equal(privdrop__user("0", &uid, &gid, &has_gid, why, sizeof(why)), -EINVAL);
	assert_int_equal(privdrop__user("no-such-user", &uid, &gid, &has_gid, why, sizeof(why)),
			 -ENOENT);
	assert_string_equal(why, "no such user (expected a name in the passwd database or a numeric uid)");
	/* -1 means "unchanged" to setresuid: never an id. */
	assert_int_equal(privdrop__user("4294967295", &uid, &gid, &has_gid, why, sizeof(why)),
			 -ENOENT);
	assert_int_equal(privdrop__user("12x", &uid, &gid, &has_gid, why, sizeof(why)), -ENOENT);
}

static void test_resolve_group(void **state)
{
	struct group *gr = getgrnam("nogroup");
	char why[160];
	gid_t gid;

	(void)state;
	assert_non_null(gr);
	assert_int_equal(privdrop__group("nogroup", &gid, why, sizeof(why)), 0);
	assert_int_equal(gid, gr->gr_gid);
	assert_int_equal(privdrop__group("4243", &gid, why, sizeof(why)), 0);
	assert_int_equal(gid, 4243);
	assert_int_equal(privdrop__group("no-such-group", &gid, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no such group (expected a name in the group database or a numeric gid)");
}

/* "Uid:" / "Gid:" / "Groups:" / "CapEff:" of /proc/self/task/@tid/status. */
static int task_status(pid_t tid, const char *field, char *out, size_t len)
{
	char path[64], line[256];
	size_t n = strlen(field);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n)) {
			snprintf(out, len, "%s", line + n);
			out[strcspn(out, "\n")] = 0;
			fclose(f);
			return 0;
		}
	fclose(f);
	return -1;
}

struct worker {
	sem_t ready, done;
	pid_t tid;
};

/* A device-like thread: under the device filter before the drop, as the
 * serial input and DMA worker threads are in mvmm. */
static void *worker(void *arg)
{
	struct worker *w = arg;

	w->tid = (pid_t)syscall(SYS_gettid);
	if (sandbox__enter(SANDBOX_DEVICE, SANDBOX_ON) < 0)
		_exit(20);
	sem_post(&w->ready);
	while (sem_wait(&w->done) < 0)
		;
	return NULL;
}

static int drop_child(void)
{
	char v[128], want[64];
	struct worker w;
	pthread_t t;
	gid_t groups[4];
	int fd;

	sem_init(&w.ready, 0, 0);
	sem_init(&w.done, 0, 0);
	if (pthread_create(&t, NULL, worker, &w))
		return 2;
	while (sem_wait(&w.ready) < 0)
		;
	if (privdrop__drop(NOBODY, NOBODY, NULL, v, sizeof(v)) < 0) {
		fprintf(stderr, "%s\n", v);
		return 3;
	}
	snprintf(want, sizeof(want), "\t%d\t%d\t%d\t%d", NOBODY, NOBODY, NOBODY, NOBODY);
	/* Both threads: real, effective, saved, fs ids; no capability. */
	if (task_status((pid_t)syscall(SYS_gettid), "Uid:", v, sizeof(v)) || strcmp(v, want))
		return 4;
	if (task_status(w.tid, "Uid:", v, sizeof(v)) || strcmp(v, want))
		return 5;
	if (task_status(w.tid, "Gid:", v, sizeof(v)) || strcmp(v, want))
		return 6;
	if (task_status(w.tid, "CapEff:", v, sizeof(v)) || strcmp(v, "\t0000000000000000"))
		return 7;
	if (task_status((pid_t)syscall(SYS_gettid), "CapPrm:", v, sizeof(v)) ||
	    strcmp(v, "\t0000000000000000"))
		return 8;
	if (getgroups(4, groups) != 1 || groups[0] != NOBODY)
		return 9;
	/* Root cannot be had back (raw calls: glibc's would make the
	 * sandboxed thread try too), nor root's files. */
	if (!syscall(SYS_setuid, 0) || !syscall(SYS_setresuid, -1, 0, -1) ||
	    !syscall(SYS_setgid, 0) || !syscall(SYS_setgroups, 0, NULL))
		return 10;
	fd = open("/root/.mvmm-privdrop-test", O_WRONLY | O_CREAT, 0600);
	if (fd >= 0 || errno != EACCES)
		return 11;
	sem_post(&w.done);
	pthread_join(t, NULL);
	return 0;
}

static int run_child(int (*fn)(void *), void *arg)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int drop_child_fn(void *arg)
{
	(void)arg;
	return drop_child();
}

static void test_drop(void **state)
{
	(void)state;
	if (geteuid()) {
		skip();
		return;
	}
	assert_int_equal(run_child(drop_child_fn, NULL), 0);
}

/* The report's directory must stay writable after the drop. */
static int dir_child(void *arg)
{
	char err[256];
	int r = privdrop__drop(NOBODY, NOBODY, arg, err, sizeof(err));

	if (r != -EACCES)
		return 2;
	return strstr(err, "not writable by user 65534") ? 0 : 3;
}

static int dir_ok_child(void *arg)
{
	char err[256];

	return privdrop__drop(NOBODY, NOBODY, arg, err, sizeof(err)) ? 2 : 0;
}

static void test_drop_report_dir(void **state)
{
	char dir[] = "/tmp/mvmm-privdrop-XXXXXX";

	(void)state;
	if (geteuid()) {
		skip();
		return;
	}
	assert_non_null(mkdtemp(dir));	/* 0700 root */
	assert_int_equal(run_child(dir_child, dir), 0);
	assert_int_equal(chown(dir, NOBODY, NOBODY), 0);
	assert_int_equal(run_child(dir_ok_child, dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_user),
		cmocka_unit_test(test_resolve_group),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_report_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
