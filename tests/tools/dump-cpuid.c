/*
 * dump-cpuid: print KVM_GET_SUPPORTED_CPUID of /dev/kvm, one entry a line,
 * in the format of the recorded tables under tests/unit/data/cpuid/:
 *
 *   # comment lines
 *   function index flags eax ebx ecx edx      (all hex, 0x-prefixed)
 *
 * Built static so it runs inside the test host's busybox initramfs.
 * Usage: dump-cpuid [/dev/kvm]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kvm.h>

/* Grow the buffer until KVM stops saying E2BIG. */
static struct kvm_cpuid2 *get_supported(int kvm)
{
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	errno = E2BIG;
	return NULL;
}

static void vendor_of(const struct kvm_cpuid2 *c, char v[13])
{
	memset(v, 0, 13);
	for (unsigned i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0) {
			memcpy(v, &e->ebx, 4);
			memcpy(v + 4, &e->edx, 4);
			memcpy(v + 8, &e->ecx, 4);
		}
	}
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/kvm";
	struct kvm_cpuid2 *c;
	struct utsname u;
	char vendor[13];
	int kvm, ver;

	kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "dump-cpuid: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	ver = ioctl(kvm, KVM_GET_API_VERSION, 0);
	c = get_supported(kvm);
	if (!c) {
		fprintf(stderr, "dump-cpuid: KVM_GET_SUPPORTED_CPUID: %s\n", strerror(errno));
		close(kvm);
		return 1;
	}
	vendor_of(c, vendor);
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	printf("# KVM_GET_SUPPORTED_CPUID of %s (KVM API %d), %u entries\n", dev, ver, c->nent);
	printf("# vendor %s; kernel %s %s %s\n", vendor, u.sysname, u.release, u.machine);
	printf("# function index flags eax ebx ecx edx\n");
	for (unsigned i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		printf("0x%08x 0x%x 0x%x 0x%08x 0x%08x 0x%08x 0x%08x\n", e->function, e->index,
		       e->flags, e->eax, e->ebx, e->ecx, e->edx);
	}
	free(c);
	close(kvm);
	return 0;
}
