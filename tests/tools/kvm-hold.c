/*
 * kvm-hold: keep one idle KVM VM open -- an in-kernel irqchip and one vCPU
 * that never runs -- until killed. The test host's /init starts it before
 * any scenario (tests/testhost/host-init).
 *
 * Why: KVM enables kernel static keys when the first VM or vCPU appears and
 * disables them when the last one goes (preempt_notifier_key, whose branch
 * sits in __schedule; the local APIC's software-disabled key). Each change
 * live-patches kernel text (INT3, IPI sync, rewrite) while the other CPUs
 * run through it. Under QEMU 7.2's TCG, the test host froze that way: every
 * CPU at that branch in __schedule, or in the INT3 handler, with interrupts
 * off (tests/testhost/README.md). With one VM held, the keys stay enabled
 * and the inner VMs of the scenarios come and go without patching text.
 *
 * Once the VM exists it forks: the child holds it until killed, the parent
 * prints the child's pid and exits 0, so the caller knows the VM is there
 * when the command returns. An error is one line on stderr and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/kvm.h>

static int fail(const char *what)
{
	fprintf(stderr, "kvm-hold: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	int kvm, vm, vcpu, null;
	pid_t pid;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	/* The irqchip first, so the vCPU gets an in-kernel local APIC. */
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail("KVM_CREATE_IRQCHIP");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	/* The child inherits the VM's fds; the parent's exit closes only its
	 * own copies. */
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid > 0) {
		printf("%d\n", (int)pid);
		return 0;
	}
	/* Off the caller's stdout and stderr, which a $(...) reads to EOF. */
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	for (;;)
		pause();
}
