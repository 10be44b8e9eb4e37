/*
 * bootstamp: run a VMM command, time its guest's boot and sample its memory.
 *
 *   bootstamp [--marker STR] [--uptime-marker STR] [--guest-mem BYTES]
 *             [--timeout SEC] -- CMD ARGS...
 *
 * Starts CMD with stdout on a pipe, copies that output to stderr, and when a
 * line containing the marker (default "@@INIT-REACHED") appears, records the
 * time since fork and reads /proc/PID/status (VmRSS) and /proc/PID/smaps: the
 * guest RAM is every mapping at least as large as --guest-mem (how both mvmm
 * and QEMU allocate it), so VMM overhead = VmRSS - Rss(guest RAM). Then waits
 * for CMD to exit (the guest powers itself off) within the timeout, else
 * kills it. A line "<uptime-marker> <seconds>" (default "@@UPTIME", printed
 * by the guest right after the marker) gives the guest kernel's own boot
 * time, so pre_kernel_ms = init_ms - kernel_ms is what the VMM and any
 * firmware took before the kernel started. Prints one line:
 *   init_ms=N kernel_ms=N pre_kernel_ms=N rss_kb=N guest_rss_kb=N overhead_kb=N exit=N
 * Exits 0 only if the marker was seen and CMD exited 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Sum of Rss over mappings of at least @min_bytes. */
static long guest_rss_kb(pid_t pid, uint64_t min_bytes)
{
	char path[64], line[512];
	unsigned long long start, end;
	int big = 0;
	long sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' '))
			big = min_bytes && end - start >= min_bytes;
		else if (big && !strncmp(line, "Rss:", 4))
			sum += strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return sum;
}

int main(int argc, char **argv)
{
	const char *marker = "@@INIT-REACHED", *up_marker = "@@UPTIME";
	double kernel_ms = -1;
	uint64_t guest_mem = 0;
	int timeout_s = 300, i, pfd[2], st = 0, seen = 0;
	long rss = -1, grss = -1;
	double t0, t_init = -1;
	char buf[4096], line[4096];
	size_t llen = 0;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--marker") && i + 1 < argc)
			marker = argv[++i];
		else if (!strcmp(argv[i], "--uptime-marker") && i + 1 < argc)
			up_marker = argv[++i];
		else if (!strcmp(argv[i], "--guest-mem") && i + 1 < argc)
			guest_mem = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
		else
			goto usage;
	}
	if (i + 1 >= argc)
		goto usage;
	if (pipe(pfd) < 0)
		return perror("pipe"), 2;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return perror("fork"), 2;
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[i + 1], argv + i + 1);
		perror(argv[i + 1]);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = (int)(timeout_s * 1e3 - (now_ms() - t0));
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			fprintf(stderr, "bootstamp: timeout after %d s, killing %d\n", timeout_s, pid);
			kill(pid, SIGKILL);
			break;
		}
		n = read(pfd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		/* The console copy is best effort; a closed stderr must not stop us. */
		(void)!write(STDERR_FILENO, buf, n);
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] != '\n' && llen < sizeof(line) - 1) {
				line[llen++] = buf[k];
				continue;
			}
			line[llen] = '\0';
			llen = 0;
			char *u = strstr(line, up_marker);

			if (seen && kernel_ms < 0 && u)
				kernel_ms = strtod(u + strlen(up_marker), NULL) * 1e3;
			if (!seen && strstr(line, marker)) {
				t_init = now_ms() - t0;
				rss = status_kb(pid, "VmRSS");
				grss = guest_rss_kb(pid, guest_mem);
				seen = 1;
			}
		}
	}
	waitpid(pid, &st, 0);
	printf("init_ms=%.0f kernel_ms=%.0f pre_kernel_ms=%.0f rss_kb=%ld guest_rss_kb=%ld "
	       "overhead_kb=%ld exit=%d\n", t_init, kernel_ms,
	       kernel_ms >= 0 ? t_init - kernel_ms : -1, rss, grss,
	       rss >= 0 && grss >= 0 ? rss - grss : -1,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return seen && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : 1;
usage:
	fprintf(stderr, "usage: bootstamp [--marker S] [--guest-mem BYTES] [--timeout SEC] -- CMD...\n");
	return 2;
}
