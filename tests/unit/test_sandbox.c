/* The seccomp allowlists: what each thread kind may not do kills it with
 * one line (on), is only logged (log), and what it must do still works,
 * including a device thread started under a vCPU thread's filter. Each
 * case runs in a forked child: a filter cannot be removed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/sandbox.h"
#include "vmm/vm.h"

static void *nothing(void *arg)
{
	return arg;
}

/* As in mvmm, where main starts threads before any filter: glibc's first
 * pthread_create sets signal handlers up once (rt_sigaction). */
static void warm_up_threads(void)
{
	pthread_t t;

	if (!pthread_create(&t, NULL, nothing, NULL))
		pthread_join(t, NULL);
}

/* Run @fn(@arg) in a child under @kind/@mode; its exit status, and its
 * stderr in @out. */
static int in_child(enum sandbox_kind kind, enum sandbox_mode mode, int (*fn)(void *),
		    void *arg, char *out, size_t outlen)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		warm_up_threads();
		if (sandbox__enter(kind, mode) < 0)
			_exit(99);
		_exit(fn(arg));
	}
	close(p[1]);
	n = read(p[0], out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int do_socket(void *arg)
{
	(void)arg;
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 3;
}

static int do_fork(void *arg)
{
	pid_t pid;

	(void)arg;
	pid = (pid_t)syscall(SYS_fork);
	if (pid == 0)
		_exit(0);
	return 0;
}

static int do_open_write(void *arg)
{
	return open(arg, O_WRONLY | O_CREAT, 0600) >= 0 ? 0 : 3;
}

static int do_open_read(void *arg)
{
	char buf[16];
	int fd = open(arg, O_RDONLY | O_CLOEXEC);

	return fd >= 0 && read(fd, buf, sizeof(buf)) > 0 && !close(fd) ? 0 : 3;
}

/* virtio-blk's bounce and copy-on-write overlay paths (blk.c, disk.c)
 * read and write images with preadv/pwritev; @arg: an fd opened before. */
static int do_preadv(void *arg)
{
	char buf[1];
	struct iovec v = { buf, sizeof(buf) };
	int fd = *(int *)arg;

	return preadv(fd, &v, 1, 0) == 1 && pwritev(fd, &v, 1, 0) == 1 ? 0 : 3;
}

static int do_accept(void *arg)
{
	(void)arg;
	return accept4(-1, NULL, NULL, 0) < 0 && errno == EBADF ? 0 : 3;
}

static int do_ioctl_other(void *arg)
{
	(void)arg;
	/* SIOCGIFFLAGS (0x8913): not a KVM, vhost or TUN/tty request. */
	return ioctl(0, 0x8913, NULL) < 0 ? 0 : 3;
}

/* What only device threads do (blk's write-zeroes fallback and flush,
 * socket-pair I/O): EBADF when allowed, the trap when not. */
static int device_only_calls(void)
{
	return fallocate(-1, 0, 0, 1) < 0 && errno == EBADF &&
	       fdatasync(-1) < 0 && errno == EBADF &&
	       sendto(-1, "", 1, 0, NULL, 0) < 0 && errno == EBADF ? 0 : 6;
}

static void *device_thread(void *arg)
{
	int *ret = arg;

	*ret = sandbox__enter(SANDBOX_DEVICE, SANDBOX_ON);
	if (!*ret)
		*ret = device_only_calls();
	return NULL;
}

/* A vCPU thread starts a device thread (DRIVER_OK), which adds its own and
 * runs under both: what the device needs must pass the vCPU filter too. */
static int do_start_device(void *arg)
{
	pthread_t t;
	int ret = -1;

	(void)arg;
	if (pthread_create(&t, NULL, device_thread, &ret) || pthread_join(t, NULL))
		return 4;
	return ret == 0 ? 0 : 5;
}

static void expect_killed(enum sandbox_kind kind, int (*fn)(void *), void *arg, int nr)
{
	char out[256], want[64];

	assert_int_equal(in_child(kind, SANDBOX_ON, fn, arg, out, sizeof(out)), VM_EXIT_ERROR);
	snprintf(want, sizeof(want), "the %s thread made a forbidden system call, number %d ",
		 sandbox__kind_name(kind), nr);
	assert_non_null(strstr(out, want));
	assert_true(!strncmp(out, "mvmm: seccomp: ", 15));
	assert_non_null(strchr(out, '\n'));
	assert_true(strchr(out, '\n')[1] == '\0');	/* one line */
}

static void expect_allowed(enum sandbox_kind kind, int (*fn)(void *), void *arg)
{
	char out[256];

	int st = in_child(kind, SANDBOX_ON, fn, arg, out, sizeof(out));

	if (st)
		fail_msg("%s thread: status %d: %s", sandbox__kind_name(kind), st, out);
	assert_string_equal(out, "");
}

static void test_forbidden_everywhere(void **state)
{
	enum sandbox_kind k;

	(void)state;
	for (k = 0; k < SANDBOX_NR_KINDS; k++) {
		expect_killed(k, do_socket, NULL, SYS_socket);
		expect_killed(k, do_fork, NULL, SYS_fork);
		expect_killed(k, do_ioctl_other, NULL, SYS_ioctl);
	}
}

static void test_per_kind(void **state)
{
	char path[] = "/tmp/mvmm-test-sandbox-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	/* /proc reads: vCPU (vhost worker lookup), control (placement). */
	expect_allowed(SANDBOX_VCPU, do_open_read, path);
	expect_allowed(SANDBOX_CONTROL, do_open_read, path);
	expect_allowed(SANDBOX_DEVICE, do_open_read, path);
	expect_killed(SANDBOX_DEVICE, do_open_write, path, SYS_openat);
	/* Writing files: only the main thread (the report file). */
	expect_killed(SANDBOX_VCPU, do_open_write, path, SYS_openat);
	expect_killed(SANDBOX_CONTROL, do_open_write, path, SYS_openat);
	expect_allowed(SANDBOX_MAIN, do_open_write, path);
	/* Accepting clients: only the control thread. */
	expect_allowed(SANDBOX_CONTROL, do_accept, NULL);
	expect_killed(SANDBOX_VCPU, do_accept, NULL, SYS_accept4);
	expect_killed(SANDBOX_DEVICE, do_accept, NULL, SYS_accept4);
	expect_killed(SANDBOX_MAIN, do_accept, NULL, SYS_accept4);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	expect_allowed(SANDBOX_DEVICE, do_preadv, &fd);
	close(fd);
	/* Threads start, and stack their own filter. */
	expect_allowed(SANDBOX_VCPU, do_start_device, NULL);
	unlink(path);
}

static void test_log_mode(void **state)
{
	char out[256];
	enum sandbox_kind k;

	(void)state;
	for (k = 0; k < SANDBOX_NR_KINDS; k++) {
		assert_int_equal(in_child(k, SANDBOX_LOG, do_socket, NULL, out, sizeof(out)), 0);
		assert_string_equal(out, "");
	}
}

static void test_off(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(in_child(SANDBOX_VCPU, SANDBOX_OFF, do_socket, NULL, out, sizeof(out)), 0);
	assert_int_equal(sandbox__enter(SANDBOX_NR_KINDS, SANDBOX_OFF), 0);
	assert_int_equal(in_child(SANDBOX_NR_KINDS, SANDBOX_ON, do_socket, NULL, out, sizeof(out)),
			 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden_everywhere),
		cmocka_unit_test(test_per_kind),
		cmocka_unit_test(test_log_mode),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
