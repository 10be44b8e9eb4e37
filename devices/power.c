/* Poweroff, reboot and panic signalling from the guest. */
#include <errno.h>
#include <string.h>

#include "vmm/acpi.h"
#include "vmm/aml.h"
#include "vmm/layout.h"
#include "devices/power.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/* ACPI 6: SLEEP_CONTROL_REG holds SLP_TYPx in bits 2-4 and SLP_EN in bit 5. */
#define SLP_TYP_SHIFT		2
#define SLP_TYP_MASK		0x1c
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
	if (offset == ACPI_PM_SLEEP_CONTROL && (v & ACPI_SLP_EN)) {
		unsigned type = (v & SLP_TYP_MASK) >> SLP_TYP_SHIFT;

		if (type == ACPI_SLP_TYP_S5)
			vm__request_stop(p->vm, VM_EXIT_POWEROFF, NULL);
		/* Other sleep states are not offered in the DSDT; ignore them. */
	} else if (offset == ACPI_PM_RESET && v == ACPI_RESET_VALUE) {
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

/*
 * Linux 6.1 on hardware-reduced ACPI without EFI picks reboot_type BOOT_EFI,
 * which falls through to machine_real_restart(): a far jump to the BIOS reset
 * vector f000:fff0 in real mode. With no firmware there, the vCPU would run
 * zeroes forever. This stub is the whole "BIOS": write the ACPI reset value
 * to the reset register, then halt.
 */
int power__install_reset_stub(struct gmem *mem)
{
	const uint16_t port = LAYOUT_PORT_ACPI_PM + ACPI_PM_RESET;
	const uint8_t stub[] = {
		0xb0, ACPI_RESET_VALUE,			/* mov al, RESET_VALUE */
		0xba, port & 0xff, port >> 8,		/* mov dx, port */
		0xee,					/* out dx, al */
		0xfa,					/* cli */
		0xf4,					/* hlt */
		0xeb, 0xfd,				/* jmp hlt */
	};

	return gmem__write(mem, LAYOUT_RESET_VECTOR, stub, sizeof(stub));
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

/* pvpanic as QEMU describes it; Linux's pvpanic-mmio driver binds QEMU0001
 * with an I/O resource. (\_S5 comes with the FADT in acpi.c.) */
int power__dsdt(struct aml *a, void *opaque)
{
	(void)opaque;
	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, "PEVT");
	aml__name(a, "_HID");
	aml__string(a, "QEMU0001");
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__io(a, LAYOUT_PORT_PVPANIC, LAYOUT_PORT_PVPANIC, 1, 1);
	aml__end(a);
	aml__name_int(a, "_STA", 0xf);
	aml__end(a);
	/* Method (_EVT, 1) { If (Arg0 == GSI) { Notify (PWRB, 0x80) } } */
	aml__device_begin(a, "GED0");
	aml__name(a, "_HID");
	aml__string(a, "ACPI0013");
	aml__name_int(a, "_UID", 0);
	aml__name(a, "_CRS");
	aml__resource_begin(a);
	aml__interrupt(a, AML_IRQ_EDGE | AML_IRQ_ACTIVE_HIGH, LAYOUT_GSI_GED);
	aml__end(a);
	aml__method_begin(a, "_EVT", 1, true);
	aml__if_begin(a);
	aml__lequal(a);
	aml__arg(a, 0);
	aml__int(a, LAYOUT_GSI_GED);
	aml__notify(a);
	aml__path(a, "\\_SB.PWRB");
	aml__int(a, 0x80);
	aml__end(a);
	aml__end(a);
	aml__end(a);
	aml__device_begin(a, "PWRB");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0C0C");
	aml__name_int(a, "_UID", 0);
	aml__end(a);
	aml__end(a);
	return aml__error(a);
}

int power__button(struct power *p)
{
	int ret = vm__irq_line(p->vm, LAYOUT_GSI_GED, 1);

	return ret ? ret : vm__irq_line(p->vm, LAYOUT_GSI_GED, 0);
}
