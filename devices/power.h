/*
 * How the guest ends: the hardware-reduced ACPI sleep control and reset
 * registers (poweroff, reboot), the i8042 reset line (Linux's fallback), a
 * pvpanic port (QEMU0001) so a guest panic gets its own exit status, and a
 * power button the host can press: hardware-reduced ACPI has no fixed
 * power button, so a Generic Event Device (ACPI0013, edge interrupt on
 * LAYOUT_GSI_GED) notifies a PNP0C0C button (0x80, "pressed"), which
 * Linux's button driver turns into KEY_POWER for userspace (logind, acpid).
 */
#ifndef MVMM_POWER_H
#define MVMM_POWER_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct aml;
struct gmem;

#define PVPANIC_PANICKED	(1u << 0)
#define PVPANIC_CRASH_LOADED	(1u << 1)

struct power {
	struct vm *vm;
};

int power__init(struct power *p, struct vm *vm);
/* Write the reset-vector stub into guest RAM (call after RAM is mapped). */
int power__install_reset_stub(struct gmem *mem);
/* DSDT fragment: pvpanic, the GED and the power button (\_S5 comes with
 * the FADT in acpi.c). */
int power__dsdt(struct aml *a, void *opaque);
/* Press the power button: one edge on the GED's GSI. */
int power__button(struct power *p);

/* Register models, exported for unit tests. */
void power__pm_access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
void power__pvpanic_access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
void power__i8042_access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);

#endif
