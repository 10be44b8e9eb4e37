/*
 * LD_PRELOAD shim for tests/bench/setup-cost.sh: the time from the
 * launcher's clock reading just before execve (FIRSTRUN_T0, microseconds of
 * CLOCK_REALTIME, bash's $EPOCHREALTIME) to the VMM's first KVM_RUN,
 * appended as "<ms>\n" to the file FIRSTRUN_OUT. It wraps ioctl() and costs
 * one compare per call, where strace stops the process at every ioctl and
 * so charges a VMM by how many it makes, not by what they cost.
 *
 * The output file is opened by the constructor, before the VMM sandboxes
 * its threads (mvmm's vCPU threads may not open files, only write).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int (*real_ioctl)(int, unsigned long, ...);
static int out_fd = -1;
static double t0_us;
static atomic_int done;

__attribute__((constructor)) static void firstrun_init(void)
{
	const char *t0 = getenv("FIRSTRUN_T0"), *out = getenv("FIRSTRUN_OUT");

	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (!t0 || !out)
		return;
	t0_us = strtod(t0, NULL) * 1e6;
	/* Appending: a launcher (timeout) loads the shim too, opens the file
	 * and never writes; the caller empties it before each run. */
	out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == KVM_RUN && out_fd >= 0 && !atomic_exchange(&done, 1)) {
		struct timeval tv;
		char buf[32];
		int n;

		gettimeofday(&tv, NULL);
		n = snprintf(buf, sizeof(buf), "%.2f\n",
			     ((double)tv.tv_sec * 1e6 + tv.tv_usec - t0_us) / 1000.0);
		if (write(out_fd, buf, (size_t)n) != n)
			n = -1;
		close(out_fd);
	}
	return real_ioctl(fd, req, arg);
}
