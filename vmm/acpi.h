/*
 * ACPI tables for an x86_64 guest booted without firmware, hardware-reduced
 * (no PM1/GPE blocks, no SCI, no FACS):
 *
 *	RSDP (rev 2) -> XSDT -> FADT (rev 6.3) -> DSDT
 *	                     -> MADT
 *	                     -> extra tables built by their owners (SRAT, SLIT,
 *	                        MCFG, ...) with acpi__header() and acpi__checksum()
 *
 * Power management: three 8-bit SystemIO registers at pm_port, used by
 * Linux's extended (hardware-reduced) sleep and ACPI reset code.
 *
 *	pm_port + 0  SLEEP_CONTROL_REG: Linux writes SLP_TYP << 2 | SLP_EN.
 *	             Poweroff (S5; SLP_TYP comes from \_S5) writes
 *	             ACPI_SLEEP_CTL_S5 = 0x34.
 *	pm_port + 1  SLEEP_STATUS_REG: Linux writes ACPI_WAK_STS (0x80) to clear
 *	             it just before the sleep control write, then polls it until
 *	             bit 7 reads set (it never needs to for S5).
 *	pm_port + 2  RESET_REG: reboot writes the configured reset_value once
 *	             (ACPI_RESET_VALUE is the suggested value).
 */
#ifndef MVMM_ACPI_H
#define MVMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_PM_SLEEP_CONTROL	0	/* offsets from acpi_config.pm_port */
#define ACPI_PM_SLEEP_STATUS	1
#define ACPI_PM_RESET		2

#define ACPI_SLP_TYP_S5		5	/* the SLP_TYPa value in \_S5 */
#define ACPI_SLP_EN		0x20
#define ACPI_SLEEP_CTL_S5	(ACPI_SLP_TYP_S5 << 2 | ACPI_SLP_EN)	/* 0x34 */
#define ACPI_WAK_STS		0x80
#define ACPI_RESET_VALUE	0x01

#define ACPI_HEADER_LEN		36

/* The header every ACPI table except the RSDP starts with. */
struct acpi_header {
	char sig[4];
	uint32_t len;
	uint8_t rev;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_rev;
	char creator_id[4];
	uint32_t creator_rev;
} __attribute__((packed));

struct aml;

/* Appended inside the DSDT at root scope, in order. */
struct acpi_dsdt_part {
	int (*build)(struct aml *a, void *opaque);	/* negative errno on failure */
	void *opaque;
};

/* A complete extra table (header, checksum and all), built by its owner. */
struct acpi_blob {
	const void *data;
	size_t len;
};

struct acpi_config {
	unsigned nr_cpus;
	const uint32_t *apic_ids;	/* per vCPU, index = vCPU = ACPI processor UID */
	uint64_t ioapic_addr;		/* from layout.h */
	uint8_t ioapic_id;
	uint16_t pm_port;		/* see the register list above */
	uint8_t reset_value;		/* what the guest writes to reset */
	const struct acpi_dsdt_part *dsdt_parts;
	unsigned nr_dsdt_parts;
	const struct acpi_blob *extra;	/* listed in the XSDT after FADT and MADT */
	unsigned nr_extra;
};

/*
 * Build the RSDP (at offset 0 = @gpa) and every table into @buf, which will
 * be copied to guest-physical @gpa; *@used gets the bytes written. -EINVAL
 * for a bad config or extra table, -ENOSPC if @len is too small, or the
 * error of a DSDT part.
 */
int acpi__build(const struct acpi_config *c, void *buf, size_t len, uint64_t gpa,
		size_t *used);

/* Fill a standard header: OEM "MVMM  ", table id "MVMM" + @sig, creator
 * "MVMM"; the checksum is left 0 for acpi__checksum(). */
void acpi__header(void *hdr, const char sig[4], uint32_t len, uint8_t rev);
/* Set the checksum byte at offset 9 so that all @len bytes sum to 0. */
void acpi__checksum(void *table, size_t len);

#endif
