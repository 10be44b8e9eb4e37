/*
 * exit-bench: the cost of one trip through the VMM, from inside a guest.
 *   exit-bench cfg CONFIG N         N 4-byte reads at offset 0 of a PCI
 *                                   function's sysfs config file (the
 *                                   kernel's access: with pci=nommconf two
 *                                   port exits, 0xCF8 out + 0xCFC in, each;
 *                                   a QEMU guest of the test host faults on
 *                                   user-space IN even with ioperm)
 *   exit-bench mmio RESOURCE OFF N  N 4-byte reads at OFF of a PCI BAR
 *                                   (/sys/bus/pci/devices/.../resourceN)
 * Each read of an emulated register is one exit to the VMM's userspace and
 * back. Prints "exit-bench: MODE N reads, T ns each (value V)" using the
 * median of 5 batches of N; exit 1 with one line on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 5

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int usage(void)
{
	fprintf(stderr, "usage: exit-bench cfg CONFIG N | mmio RESOURCE OFFSET N\n");
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t t[BATCHES], n, i, v = 0;
	volatile uint32_t *reg = NULL;
	unsigned long off = 0;
	int cfgfd = -1;
	unsigned b;

	if (argc < 4)
		return usage();
	if (!strcmp(argv[1], "cfg") && argc == 4) {
		cfgfd = open(argv[2], O_RDONLY);
		n = strtoull(argv[3], NULL, 0);
		if (cfgfd < 0) {
			fprintf(stderr, "exit-bench: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
	} else if (!strcmp(argv[1], "mmio") && argc == 5) {
		int fd = open(argv[2], O_RDWR | O_SYNC);
		void *p;

		off = strtoul(argv[3], NULL, 0);
		n = strtoull(argv[4], NULL, 0);
		if (fd < 0) {
			fprintf(stderr, "exit-bench: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		p = mmap(NULL, (off & ~0xfffUL) + 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED || (off & 3)) {
			fprintf(stderr, "exit-bench: mmap %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		reg = (volatile uint32_t *)((uint8_t *)p + off);
	} else {
		return usage();
	}
	if (!n)
		return usage();
	for (b = 0; b < BATCHES; b++) {
		uint64_t t0 = now_ns();

		for (i = 0; i < n; i++) {
			uint32_t d = 0;

			if (cfgfd >= 0) {
				if (pread(cfgfd, &d, 4, 0) != 4) {
					fprintf(stderr, "exit-bench: config read: %s\n", strerror(errno));
					return 1;
				}
				v = d;
			} else {
				v = *reg;
			}
		}
		t[b] = now_ns() - t0;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp);
	printf("exit-bench: %s %llu reads, %llu ns each (value 0x%llx)\n", argv[1],
	       (unsigned long long)n, (unsigned long long)(t[BATCHES / 2] / n), (unsigned long long)v);
	return 0;
}
