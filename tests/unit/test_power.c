/* Poweroff / reboot / panic decoding, and the stop protocol it drives. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/acpi.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"
#include "devices/power.h"
#include "vmm/vm.h"

static struct vm *new_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	sigset_t set;

	/* vm__request_stop signals main; keep that signal pending, not fatal. */
	sigemptyset(&set);
	sigaddset(&set, SIG_VM_STOP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	vm->main_thread = pthread_self();
	atomic_init(&vm->exit_status, -1);
	return vm;
}

static void wr8(void (*fn)(void *, uint64_t, void *, uint32_t, bool), struct power *p,
		uint64_t off, uint8_t v)
{
	fn(p, off, &v, 1, true);
}

static void drain_stop_signal(void)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIG_VM_STOP);
	assert_int_equal(sigtimedwait(&set, &si, &ts), SIG_VM_STOP);
}

static void test_poweroff(void **state)
{
	struct vm *vm = new_vm();
	struct power p = { vm };

	(void)state;
	/* SLP_EN without S5 type, and S5 type without SLP_EN: no stop. */
	wr8(power__pm_access, &p, 0, 0x20 | (3 << 2));
	wr8(power__pm_access, &p, 0, ACPI_SLP_TYP_S5 << 2);
	assert_int_equal(atomic_load(&vm->exit_status), -1);
	/* Exactly what Linux's acpi_hw_extended_sleep writes for S5. */
	wr8(power__pm_access, &p, 0, ACPI_SLEEP_CTL_S5);
	assert_int_equal(atomic_load(&vm->exit_status), VM_EXIT_POWEROFF);
	assert_true(atomic_load(&vm->stopping));
	drain_stop_signal();
	/* First request wins. */
	wr8(power__pm_access, &p, 2, ACPI_RESET_VALUE);
	assert_int_equal(atomic_load(&vm->exit_status), VM_EXIT_POWEROFF);
	free(vm);
}

static void test_reboot(void **state)
{
	struct vm *vm = new_vm();
	struct power p = { vm };
	uint8_t v = 0xaa;

	(void)state;
	wr8(power__pm_access, &p, 2, 0x7);
	assert_int_equal(atomic_load(&vm->exit_status), -1);
	power__pm_access(&p, 1, &v, 1, false);
	assert_int_equal(v, 0);
	wr8(power__pm_access, &p, 2, ACPI_RESET_VALUE);
	assert_int_equal(atomic_load(&vm->exit_status), VM_EXIT_REBOOT);
	assert_non_null(strstr(vm->stop_reason, "reset"));
	drain_stop_signal();
	free(vm);
}

static void test_i8042_reset(void **state)
{
	struct vm *vm = new_vm();
	struct power p = { vm };
	uint8_t st = 0xff;

	(void)state;
	power__i8042_access(&p, 4, &st, 1, false);
	assert_int_equal(st, 0);
	wr8(power__i8042_access, &p, 0, 0xfe);	/* data port: not a command */
	wr8(power__i8042_access, &p, 4, 0xd1);
	assert_int_equal(atomic_load(&vm->exit_status), -1);
	wr8(power__i8042_access, &p, 4, 0xfe);
	assert_int_equal(atomic_load(&vm->exit_status), VM_EXIT_REBOOT);
	drain_stop_signal();
	free(vm);
}

static void test_pvpanic(void **state)
{
	struct vm *vm = new_vm();
	struct power p = { vm };
	uint8_t v = 0;

	(void)state;
	power__pvpanic_access(&p, 0, &v, 1, false);
	assert_int_equal(v, PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	wr8(power__pvpanic_access, &p, 0, PVPANIC_CRASH_LOADED);
	assert_int_equal(atomic_load(&vm->exit_status), -1);
	wr8(power__pvpanic_access, &p, 0, PVPANIC_PANICKED);
	assert_int_equal(atomic_load(&vm->exit_status), VM_EXIT_PANIC);
	drain_stop_signal();
	free(vm);
}

/* The reset-vector stub must write ACPI_RESET_VALUE to the reset port. */
static void test_reset_stub(void **state)
{
	static uint8_t ram[0x100000];
	struct gmem mem;
	const uint8_t *p = ram + LAYOUT_RESET_VECTOR;
	uint16_t port;

	(void)state;
	gmem__init(&mem);
	assert_int_equal(gmem__add(&mem, 0, sizeof(ram), ram, 0), 0);
	assert_int_equal(power__install_reset_stub(&mem), 0);
	assert_int_equal(p[0], 0xb0);			/* mov al, imm8 */
	assert_int_equal(p[1], ACPI_RESET_VALUE);
	assert_int_equal(p[2], 0xba);			/* mov dx, imm16 */
	port = p[3] | p[4] << 8;
	assert_int_equal(port, LAYOUT_PORT_ACPI_PM + ACPI_PM_RESET);
	assert_int_equal(p[5], 0xee);			/* out dx, al */
	/* It must fit below 1 MiB: the reset vector is 16 bytes from the top. */
	assert_true(LAYOUT_RESET_VECTOR + 16 <= 0x100000);
	assert_true(LAYOUT_ACPI + LAYOUT_ACPI_SIZE <= LAYOUT_RESET_VECTOR);
	/* No RAM there: an error, not a crash. */
	gmem__init(&mem);
	assert_int_equal(power__install_reset_stub(&mem), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poweroff),
		cmocka_unit_test(test_reboot),
		cmocka_unit_test(test_i8042_reset),
		cmocka_unit_test(test_pvpanic),
		cmocka_unit_test(test_reset_stub),
	};

	return cmocka_run_group_tests_name("power", tests, NULL, NULL);
}
