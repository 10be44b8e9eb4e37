/*
 * numa-bench: memory bandwidth and latency of a buffer on one NUMA node,
 * measured from one CPU — the guest half of the pinning experiment kit
 * (scripts/experiment.sh). Static, raw syscalls: it runs in minimal guests.
 *
 *   numa-bench [--node N] [--cpu C] [--size MIB] [--iters K] [--steps S]
 *
 * The thread pins itself to CPU C, the buffer (MIB MiB) is bound to node N
 * (MPOL_BIND) and touched before timing. Copy (b[i] = a[i]) and triad
 * (a[i] = b[i] + 3 * c[i]) count bytes as STREAM does (2 and 3 arrays);
 * latency is a dependent pointer chase over a random cycle of 64-byte
 * slots spanning the buffer. Best of K runs. One line on stdout:
 *   @@BENCH-MEM node=N cpu=C size_mib=M copy_mbs=X triad_mbs=Y latency_ns=Z
 * Exit status: 0, 1 a failed system call, 2 usage.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MPOL_BIND_	2
#define SLOT		64

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int num(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < 0 ? -1 : 0;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	long node = 0, cpu = -1, mib = 16, iters = 3, steps = 1 << 20, v;
	double best_copy = 0, best_triad = 0, best_lat = 0, t, s;
	uint64_t *a, *b, *c, n, i, k, seed = 0x9e3779b97f4a7c15ULL, slots, *perm;
	unsigned long mask[16] = { 0 };
	volatile uint64_t sink = 0;
	char *buf;
	int it;

	for (it = 1; it < argc; it++) {
		if (it + 1 >= argc || num(argv[it + 1], &v) < 0)
			goto usage;
		if (!strcmp(argv[it], "--node") && v < 1024)
			node = v;
		else if (!strcmp(argv[it], "--cpu"))
			cpu = v;
		else if (!strcmp(argv[it], "--size") && v >= 1 && v <= 65536)
			mib = v;
		else if (!strcmp(argv[it], "--iters") && v >= 1)
			iters = v;
		else if (!strcmp(argv[it], "--steps") && v >= 1)
			steps = v;
		else
			goto usage;
		it++;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, "numa-bench: CPU %ld: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	buf = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fprintf(stderr, "numa-bench: mmap: %s\n", strerror(errno));
		return 1;
	}
	mask[node / 64] = 1UL << (node % 64);
	if (syscall(SYS_mbind, buf, mib << 20, MPOL_BIND_, mask, 1024, 0) < 0) {
		fprintf(stderr, "numa-bench: node %ld: %s\n", node, strerror(errno));
		return 1;
	}
	memset(buf, 1, mib << 20);	/* fault it in where it is bound */
	n = (mib << 20) / 3 / sizeof(uint64_t);
	a = (uint64_t *)buf;
	b = a + n;
	c = b + n;
	for (it = 0; it < iters; it++) {
		t = now();
		for (i = 0; i < n; i++)
			b[i] = a[i];
		s = now() - t;
		if (s > 0 && 2.0 * n * 8 / s / 1e6 > best_copy)
			best_copy = 2.0 * n * 8 / s / 1e6;
		t = now();
		for (i = 0; i < n; i++)
			a[i] = b[i] + 3 * c[i];
		s = now() - t;
		if (s > 0 && 3.0 * n * 8 / s / 1e6 > best_triad)
			best_triad = 3.0 * n * 8 / s / 1e6;
	}
	/* A random cycle through every slot: each load depends on the last. */
	slots = (mib << 20) / SLOT;
	perm = malloc(slots * sizeof(*perm));
	if (!perm)
		return 1;
	for (i = 0; i < slots; i++)
		perm[i] = i;
	for (i = slots - 1; i > 0; i--) {
		uint64_t j = rnd(&seed) % (i + 1), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (i = 0; i < slots; i++)
		*(uint64_t *)(buf + perm[i] * SLOT) = (uint64_t)(uintptr_t)(buf + perm[(i + 1) % slots] * SLOT);
	free(perm);
	for (it = 0; it < iters; it++) {
		uint64_t *p = (uint64_t *)buf;

		t = now();
		for (k = 0; k < (uint64_t)steps; k++)
			p = (uint64_t *)(uintptr_t)*p;
		s = now() - t;
		sink += (uintptr_t)p;
		if (!best_lat || s / steps * 1e9 < best_lat)
			best_lat = s / steps * 1e9;
	}
	printf("@@BENCH-MEM node=%ld cpu=%ld size_mib=%ld copy_mbs=%.0f triad_mbs=%.0f latency_ns=%.1f\n",
	       node, cpu, mib, best_copy, best_triad, best_lat);
	return sink == 1;	/* never: keeps the chase from being optimized out */
usage:
	fprintf(stderr, "usage: numa-bench [--node N] [--cpu C] [--size MIB] [--iters K] [--steps S]\n");
	return 2;
}
