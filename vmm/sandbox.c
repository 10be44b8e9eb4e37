/*
 * Per-thread seccomp allowlists (sandbox.h). Every call below is one a
 * thread of that kind makes after setup; the comment says who makes it.
 * ioctl is limited to the KVM (0xAE), vhost (0xAF) and 'T' (TUN, tty)
 * request types; clone to thread creation; openat to read-only opens
 * except in the main thread (the vCPU thread's vhost worker lookup and
 * the control thread's placement queries read /proc; glibc itself opens
 * read-only, e.g. malloc's first arena in a thread asks get_nprocs, which
 * reads /sys/devices/system/cpu/online: a device thread was stopped so
 * during a guest's shutdown in the cluster scenario).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include "vmm/sandbox.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/* Calls every thread makes: memory (malloc, thread stacks), locks, time,
 * signals (vCPU kicks, stop requests), the console and eventfds. */
static const int common_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close), SCMP_SYS(lseek),
	SCMP_SYS(preadv), SCMP_SYS(pwritev),	/* virtio-blk: bounce and overlay paths */
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(fcntl),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(mremap), SCMP_SYS(brk),
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigsuspend), SCMP_SYS(rt_sigtimedwait),	/* parked vCPUs, main */
	SCMP_SYS(tgkill), SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(restart_syscall),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl), SCMP_SYS(eventfd2), SCMP_SYS(getrandom),
	SCMP_SYS(prctl),		/* pthread_setname_np on itself */
	SCMP_SYS(seccomp),		/* a thread started under its creator's
					 * filter adds its own (only narrows) */
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* vCPU threads: KVM_RUN and exits; vhost's worker looked up in /proc
 * (getdents64) on DRIVER_OK; BAR moves re-bind device memory (mbind). On
 * DRIVER_OK they also start the device's threads, which then run under
 * this filter and their own: so a vCPU thread allows every device call
 * too (kind_def.starts_devices). */
static const int vcpu_calls[] = {
	SCMP_SYS(getdents64), SCMP_SYS(mbind),
};

/* Device threads: virtio-blk I/O on io_uring (reads, writes, fsync,
 * fallocate go through the ring; fallocate also directly for the
 * write-zeroes fallback), virtio-net on the TAP fds (or socket pairs),
 * MSI delivery (KVM_SIGNAL_MSI), the DMA worker's doorbell eventfd; and
 * what starting them takes (epoll, io_uring setup, pinning). The three
 * id calls: glibc's setxid broadcast makes every existing thread (the
 * serial input and DMA worker threads) change its own credentials when
 * the main thread drops to [machine] user (privdrop.h). */
static const int device_calls[] = {
	SCMP_SYS(setgroups), SCMP_SYS(setresgid), SCMP_SYS(setresuid),
	SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
	SCMP_SYS(epoll_create1), SCMP_SYS(fallocate), SCMP_SYS(fdatasync),
	SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg),
	SCMP_SYS(sched_setaffinity),
};

/* The control thread: its socket's clients, placement queries (/proc),
 * set-affinity, migrate-memory (mbind, move_pages), pause/resume. */
static const int control_calls[] = {
	SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg), SCMP_SYS(shutdown), SCMP_SYS(getdents64),
	SCMP_SYS(sched_setaffinity), SCMP_SYS(mbind), SCMP_SYS(move_pages),
	SCMP_SYS(get_mempolicy), SCMP_SYS(epoll_create1),
};

/* The main thread: waits for signals, writes the placement report
 * (SIGUSR1: /proc reads, move_pages queries, the report file written and
 * renamed into place), presses the power button, and tears down: joins
 * threads, stops vhost, closes the control socket and removes it. */
static const int main_calls[] = {
	SCMP_SYS(getdents64), SCMP_SYS(move_pages),
	SCMP_SYS(get_mempolicy), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(shutdown), SCMP_SYS(sendto), SCMP_SYS(ftruncate),
	SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(io_uring_enter),
	SCMP_SYS(epoll_create1), SCMP_SYS(sched_setaffinity),
};

struct kind_def {
	const char *name;
	const int *calls;
	unsigned nr;
	int openat;		/* 1: read-only, 2: any */
	bool starts_devices;	/* its filter is also its device threads' */
};

#define KIND(n, c, op, dev) { n, c, sizeof(c) / sizeof(c[0]), op, dev }

static const struct kind_def kinds[SANDBOX_NR_KINDS] = {
	[SANDBOX_MAIN] = KIND("main", main_calls, 2, false),
	[SANDBOX_VCPU] = KIND("vcpu", vcpu_calls, 1, true),
	[SANDBOX_DEVICE] = KIND("device", device_calls, 1, false),
	[SANDBOX_CONTROL] = KIND("control", control_calls, 1, false),
};

/* The kind of the thread that trapped, for the one-line report. */
static __thread const char *thread_kind;

static void put_num(char *p, unsigned *n, long v)
{
	char d[24];
	unsigned k = 0;

	if (v < 0) {
		p[(*n)++] = '-';
		v = -v;
	}
	do
		d[k++] = '0' + v % 10;
	while ((v /= 10) && k < sizeof(d));
	while (k)
		p[(*n)++] = d[--k];
}

static void put_str(char *p, unsigned *n, const char *s)
{
	while (*s)
		p[(*n)++] = *s++;
}

/* Async-signal-safe: one line, then the error exit status. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[160];
	unsigned n = 0;

	(void)sig;
	(void)uc;
	put_str(line, &n, "mvmm: seccomp: the ");
	put_str(line, &n, thread_kind ? thread_kind : "?");
	put_str(line, &n, " thread made a forbidden system call, number ");
	put_num(line, &n, si->si_syscall);
	put_str(line, &n, " (scmp_sys_resolver names it)\n");
	if (write(STDERR_FILENO, line, n) < 0)
		_exit(VM_EXIT_ERROR);
	_exit(VM_EXIT_ERROR);
}

const char *sandbox__kind_name(enum sandbox_kind kind)
{
	return kind < SANDBOX_NR_KINDS ? kinds[kind].name : "?";
}

const char *sandbox__mode_name(enum sandbox_mode mode)
{
	return mode == SANDBOX_ON ? "on" : mode == SANDBOX_LOG ? "log" : "off";
}

static int add_list(scmp_filter_ctx ctx, const int *calls, unsigned nr)
{
	unsigned i;
	int r = 0;

	for (i = 0; i < nr && !r; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	return r;
}

static int add_rules(scmp_filter_ctx ctx, const struct kind_def *k)
{
	static const unsigned ioctl_types[] = { 0xae00, 0xaf00, 0x5400 };
	unsigned i;
	int r;

	r = add_list(ctx, common_calls, ARRAY_SIZE(common_calls));
	if (!r)
		r = add_list(ctx, k->calls, k->nr);
	if (!r && k->starts_devices)
		r = add_list(ctx, device_calls, ARRAY_SIZE(device_calls));
	/* Threads only: fork is clone without CLONE_THREAD. glibc tries clone3
	 * first, whose flags a filter cannot see, and falls back on ENOSYS. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	for (i = 0; i < ARRAY_SIZE(ioctl_types) && !r; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, ioctl_types[i]));
	if (!r && k->openat == 1)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, 0));
	else if (!r && k->openat == 2)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 0);
	return r;
}

int sandbox__enter(enum sandbox_kind kind, enum sandbox_mode mode)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	int r;

	if (mode == SANDBOX_OFF)
		return 0;
	if (kind >= SANDBOX_NR_KINDS)
		return -EINVAL;
	/* The handler is process-wide: set it while no filter is on yet (a
	 * thread starting under its creator's filter finds it set). */
	if (mode == SANDBOX_ON && prctl(PR_GET_SECCOMP) == 0 && sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	ctx = seccomp_init(mode == SANDBOX_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP);
	if (!ctx)
		return -ENOMEM;
	r = add_rules(ctx, &kinds[kind]);
	if (!r) {
		thread_kind = kinds[kind].name;
		r = seccomp_load(ctx);
	}
	seccomp_release(ctx);
	return r;
}
