/* Poweroff, reboot and panic signalling from the guest. */
#include <errno.h>
#include <string.h>

#include "vmm/layout.h"
#include "vmm/power.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/* ACPI 6: SLEEP_CONTROL_REG holds SLP_TYPx in bits 2-4 and SLP_EN in bit 5. */
#define SLP_TYP_SHIFT		2
#define SLP_TYP_MASK		0x1c
#define SLP_EN			0x20
#define PM_SLEEP_CONTROL	0
#define PM_SLEEP_STATUS		1
#define PM_RESET		2
#define I8042_CMD_RESET		0xfe
#define I8042_COMMAND		4	/* port 0x64 */

void power__pm_access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct power *p = opaque;
	uint8_t v = *(uint8_t *)data;

	if (!is_write) {
		/* Nothing to report: no wake events exist. */
		memset(data, 0, len);
		return;
	}
	if (offset == PM_SLEEP_CONTROL && (v & SLP_EN)) {
		unsigned type = (v & SLP_TYP_MASK) >> SLP_TYP_SHIFT;

		if (type == POWER_S5_TYPE)
			vm__request_stop(p->vm, VM_EXIT_POWEROFF, NULL);
		/* Other sleep states are not offered in the DSDT; ignore them. */
	} else if (offset == PM_RESET && v == POWER_RESET_VALUE) {
		vm__request_stop(p->vm, VM_EXIT_REBOOT, "guest requested a reset (ACPI)");
	}
}

void power__pvpanic_access(void *opaque, uint64_t offset, void *data, uint32_t len,
			   bool is_write)
{
	struct power *p = opaque;
	uint8_t v = *(uint8_t *)data;

	(void)offset;
	if (!is_write) {
		/* The guest driver reads which events we understand. */
		memset(data, 0, len);
		*(uint8_t *)data = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
		return;
	}
	if (v & PVPANIC_PANICKED)
		vm__request_stop(p->vm, VM_EXIT_PANIC, "guest panicked (pvpanic)");
	/* CRASH_LOADED means a kdump kernel takes over: let it run. */
}

void power__i8042_access(void *opaque, uint64_t offset, void *data, uint32_t len,
			 bool is_write)
{
	struct power *p = opaque;

	if (!is_write) {
		/* Status 0: input buffer empty, so a reset write is not delayed. */
		memset(data, 0, len);
		return;
	}
	if (offset == I8042_COMMAND && *(uint8_t *)data == I8042_CMD_RESET)
		vm__request_stop(p->vm, VM_EXIT_REBOOT, "guest requested a reset (i8042)");
}

int power__init(struct power *p, struct vm *vm)
{
	int ret;

	p->vm = vm;
	ret = bus__register(&vm->pio, LAYOUT_PORT_ACPI_PM, LAYOUT_PORT_ACPI_PM_LEN,
			    power__pm_access, p, "acpi-pm");
	if (ret < 0)
		goto err;
	ret = bus__register(&vm->pio, LAYOUT_PORT_PVPANIC, 1, power__pvpanic_access, p,
			    "pvpanic");
	if (ret < 0)
		goto err;
	ret = bus__register(&vm->pio, LAYOUT_PORT_I8042, 5, power__i8042_access, p, "i8042");
	if (ret < 0)
		goto err;
	return 0;
err:
	pr_err("cannot register the power devices: %s", strerror(-ret));
	return ret;
}
