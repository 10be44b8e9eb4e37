/*
 * kvm-hello: the smallest KVM program that proves a working /dev/kvm. One
 * VM, one page of guest RAM, one vCPU in real mode running
 *     mov $0x3f8, %dx; mov $'K', %al; out %al, (%dx); hlt
 * It must exit to userspace once for the port write (port 0x3f8, byte 'K')
 * and once for the HLT; then it prints "kvm-hello: ok ..." and exits 0.
 * Anything else is one line on stderr and exit 1. Run in a guest with
 * [machine] nested = yes, it is a VM inside the VM (tests/guest/scenarios/
 * nested.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

static int die(const char *what)
{
	fprintf(stderr, "kvm-hello: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	static const uint8_t code[] = {
		0xba, 0xf8, 0x03,	/* mov $0x3f8, %dx */
		0xb0, 'K',		/* mov $'K', %al */
		0xee,			/* out %al, (%dx) */
		0xf4,			/* hlt */
	};
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_run *run;
	int kvm, vm, vcpu, size, api, io = 0, i;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return die("/dev/kvm");
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		fprintf(stderr, "kvm-hello: KVM API version %d, expected %d\n", api, KVM_API_VERSION);
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return die("KVM_CREATE_VM");
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return die("mmap");
	memcpy(mem, code, sizeof(code));
	region.guest_phys_addr = 0x1000;
	region.memory_size = 0x1000;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return die("KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*run))
		return die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return die("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return die("KVM_SET_SREGS");
	regs.rip = 0x1000;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return die("KVM_SET_REGS");
	for (i = 0; i < 16; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return die("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != 0x3f8 ||
			    run->io.size != 1 || run->io.count != 1 ||
			    *((uint8_t *)run + run->io.data_offset) != 'K') {
				fprintf(stderr, "kvm-hello: unexpected port access (port 0x%x, size %u)\n",
					run->io.port, run->io.size);
				return 1;
			}
			io++;
			break;
		case KVM_EXIT_HLT:
			if (io != 1) {
				fprintf(stderr, "kvm-hello: HLT after %d port writes, expected 1\n", io);
				return 1;
			}
			if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
				return die("KVM_GET_REGS");
			printf("kvm-hello: ok (the guest wrote 'K' to port 0x3f8, then halted at 0x%llx)\n",
			       (unsigned long long)regs.rip);
			return 0;
		default:
			fprintf(stderr, "kvm-hello: unexpected exit reason %u\n", run->exit_reason);
			return 1;
		}
	}
	fprintf(stderr, "kvm-hello: no HLT after 16 exits\n");
	return 1;
}
