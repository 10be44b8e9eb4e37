/* What one KVM_SET_USER_MEMORY_REGION costs on this host's /dev/kvm, alone
 * and right after KVM_CREATE_IRQCHIP (an io-bus change): the reason mvmm
 * installs RAM's slots before its irqchip and queues the setup's
 * ioeventfds (vmm/vm.h). make bench prints it with the setup cost.
 *
 * usage: kvm-slot-wait [RUNS]   prints "slot-first MED MIN irqchip-first MED MIN" (ms)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SLOT_SIZE (64ul << 20)

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* One fresh VM; the slot's ioctl time in ms, or -1. */
static double one(int kvm, int irqchip_first, void *mem)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0, .memory_size = SLOT_SIZE, .userspace_addr = (unsigned long)mem,
	};
	int vm = ioctl(kvm, KVM_CREATE_VM, 0), e;
	double t = -1, a;

	if (vm < 0)
		return -1;
	if (irqchip_first && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		goto out;
	a = now_ms();
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		goto out;
	t = now_ms() - a;
	if (!irqchip_first && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		t = -1;
out:
	e = errno;	/* the caller reports the failed ioctl's */
	close(vm);
	errno = e;
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7, kvm, i, k;
	double *v[2];
	void *mem;

	if (runs < 1 || runs > 1000) {
		fprintf(stderr, "kvm-slot-wait: RUNS must be 1..1000\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "kvm-slot-wait: /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	v[0] = calloc(runs, sizeof(double));
	v[1] = calloc(runs, sizeof(double));
	if (mem == MAP_FAILED || !v[0] || !v[1]) {
		fprintf(stderr, "kvm-slot-wait: out of memory\n");
		return 1;
	}
	for (i = 0; i < runs; i++)
		for (k = 0; k < 2; k++) {
			v[k][i] = one(kvm, k, mem);
			if (v[k][i] < 0) {
				fprintf(stderr, "kvm-slot-wait: %s: %s\n",
					k ? "irqchip, slot" : "slot, irqchip", strerror(errno));
				return 1;
			}
		}
	for (k = 0; k < 2; k++)
		qsort(v[k], runs, sizeof(double), cmp);
	printf("slot-first %.2f %.2f irqchip-first %.2f %.2f\n",
	       v[0][runs / 2], v[0][0], v[1][runs / 2], v[1][0]);
	return 0;
}
