/*
 * How the guest ends: the hardware-reduced ACPI sleep control and reset
 * registers (poweroff, reboot), the i8042 reset line (Linux's fallback), and
 * a pvpanic port (QEMU0001) so a guest panic gets its own exit status.
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
/* DSDT fragment: the pvpanic device (\_S5 comes with the FADT in acpi.c). */
int power__dsdt(struct aml *a, void *opaque);

/* Register models, exported for unit tests. */
void power__pm_access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
void power__pvpanic_access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);
void power__i8042_access(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);

#endif
