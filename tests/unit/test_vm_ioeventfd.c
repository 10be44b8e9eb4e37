/* The setup's ioeventfd queue (vm__ioeventfd / vm__commit_ioeventfds):
 * queued while deferring, cancelled by a deassign, handed to KVM at commit,
 * straight to KVM afterwards and when the queue is full; no vCPU starts
 * while any is queued. vm_fd -1 makes
 * every real KVM_IOEVENTFD fail with EBADF, which tells the paths apart; a
 * real VM (when /dev/kvm works) shows that the commit registered them. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/kvm.h>

#include "vmm/vcpu.h"
#include "vmm/vm.h"

static void deferring(struct vm *vm, int vm_fd)
{
	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = vm_fd;
	vm->ioev_defer = true;
}

static void test_queued_until_commit(void **state)
{
	struct vm vm;

	(void)state;
	deferring(&vm, -1);
	assert_int_equal(vm__ioeventfd(&vm, 0x1000, 4, 7, true), 0);
	assert_int_equal(vm__ioeventfd(&vm, 0x2000, 4, 8, true), 0);
	assert_int_equal(vm.nr_ioev, 2);
	/* The commit hands them to KVM: with no VM, the first one fails. */
	assert_int_equal(vm__commit_ioeventfds(&vm), -EBADF);
	assert_false(vm.ioev_defer);
	/* After the commit nothing is queued any more. */
	assert_int_equal(vm__ioeventfd(&vm, 0x3000, 4, 9, true), -EBADF);
}

static void test_deassign_cancels(void **state)
{
	struct vm vm;

	(void)state;
	deferring(&vm, -1);
	assert_int_equal(vm__ioeventfd(&vm, 0x1000, 4, 7, true), 0);
	assert_int_equal(vm__ioeventfd(&vm, 0x2000, 4, 8, true), 0);
	assert_int_equal(vm__ioeventfd(&vm, 0x1000, 4, 7, false), 0);
	assert_int_equal(vm.nr_ioev, 1);
	assert_int_equal(vm.ioev[0].gpa, 0x2000);
	/* Not queued (another fd): a deassign for KVM. */
	assert_int_equal(vm__ioeventfd(&vm, 0x2000, 4, 9, false), -EBADF);
	assert_int_equal(vm__ioeventfd(&vm, 0x2000, 4, 8, false), 0);
	assert_int_equal(vm.nr_ioev, 0);
	assert_int_equal(vm__commit_ioeventfds(&vm), 0);
}

static void test_full_queue_goes_to_kvm(void **state)
{
	struct vm vm;
	unsigned i;

	(void)state;
	deferring(&vm, -1);
	for (i = 0; i < VM_SETUP_IOEVENTFDS; i++)
		assert_int_equal(vm__ioeventfd(&vm, 0x1000 + 4 * i, 4, 7, true), 0);
	assert_int_equal(vm__ioeventfd(&vm, 0x9000, 4, 7, true), -EBADF);
	assert_int_equal(vm.nr_ioev, VM_SETUP_IOEVENTFDS);
}

static void test_no_vcpu_before_commit(void **state)
{
	struct vm vm;
	struct vcpu v = { .vm = &vm, .index = 0 };

	(void)state;
	deferring(&vm, -1);
	assert_int_equal(vcpu__start(&v), -EBUSY);
	assert_false(v.started);
}

static void test_commit_registers_with_kvm(void **state)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm_fd, efd;
	struct vm vm;

	(void)state;
	if (kvm < 0)
		skip();
	vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm_fd < 0) {
		close(kvm);
		skip();
	}
	efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
	deferring(&vm, vm_fd);
	assert_int_equal(vm__ioeventfd(&vm, 0xd0000000, 4, efd, true), 0);
	assert_int_equal(vm__commit_ioeventfds(&vm), 0);
	/* KVM has it now: the same registration again is a duplicate, and
	 * it can be deassigned. */
	assert_int_equal(vm__ioeventfd(&vm, 0xd0000000, 4, efd, true), -EEXIST);
	assert_int_equal(vm__ioeventfd(&vm, 0xd0000000, 4, efd, false), 0);
	close(efd);
	close(vm_fd);
	close(kvm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queued_until_commit),
		cmocka_unit_test(test_deassign_cancels),
		cmocka_unit_test(test_full_queue_goes_to_kvm),
		cmocka_unit_test(test_no_vcpu_before_commit),
		cmocka_unit_test(test_commit_registers_with_kvm),
	};

	return cmocka_run_group_tests_name("vm_ioeventfd", tests, NULL, NULL);
}
