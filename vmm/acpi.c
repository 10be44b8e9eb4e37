/* ACPI table builder; see acpi.h. Field layouts follow ACPI 6.3 chapter 5. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "vmm/acpi.h"
#include "vmm/aml.h"
#include "vmm/layout.h"
#include "vmm/util.h"

#define OEM_ID		"MVMM  "
#define CREATOR_ID	"MVMM"
#define TABLE_ALIGN	16

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;		/* of the first 20 bytes (ACPI 1.0 part) */
	char oem_id[6];
	uint8_t rev;
	uint32_t rsdt;
	uint32_t len;
	uint64_t xsdt;
	uint8_t ext_checksum;		/* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_gas {
	uint8_t space;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t addr;
} __attribute__((packed));

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm2_cnt, pm_tmr, gpe0, gpe1;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_len, gpe1_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_rev;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt, x_pm1b_evt, x_pm1a_cnt, x_pm1b_cnt;
	struct acpi_gas x_pm2_cnt, x_pm_tmr, x_gpe0, x_gpe1;
	struct acpi_gas sleep_control;
	struct acpi_gas sleep_status;
	char hypervisor_id[8];
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == ACPI_HEADER_LEN, "ACPI header");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control) == 244, "FADT sleep control");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT");

#define FADT_REV		6
#define FADT_MINOR_REV		3	/* ACPI 6.3 */
#define FADT_PWR_BUTTON		(1u << 4)	/* set: no fixed-feature power button */
#define FADT_SLP_BUTTON		(1u << 5)
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_HW_REDUCED		(1u << 20)
#define BOOT_ARCH_NO_VGA	(1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC	(1u << 5)
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));

struct madt_lapic {
	uint8_t type, len;
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, len;
	uint8_t id;
	uint8_t reserved;
	uint32_t addr;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, len;
	uint8_t uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

struct madt_x2apic {
	uint8_t type, len;
	uint16_t reserved;
	uint32_t apic_id;
	uint32_t flags;
	uint32_t uid;
} __attribute__((packed));

struct madt_x2apic_nmi {
	uint8_t type, len;
	uint16_t flags;
	uint32_t uid;
	uint8_t lint;
	uint8_t reserved[3];
} __attribute__((packed));

#define MADT_REV		5	/* ACPI 6.3 */
#define MADT_PCAT_COMPAT	1u	/* dual 8259s exist (KVM emulates them) */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_LAPIC_NMI		4
#define MADT_X2APIC		9
#define MADT_X2APIC_NMI		10
#define MADT_ENABLED		1u
#define MADT_ALL_CPUS_UID	0xff		/* in Local APIC NMI */
#define MADT_ALL_X2CPUS_UID	0xffffffffu	/* in Local x2APIC NMI */
#define X2APIC_MIN_ID		0xff		/* ids >= 255 need x2APIC entries */

#define XSDT_FIXED_ENTRIES	2		/* FADT, MADT */
#define DSDT_REV		2		/* 64-bit AML integers */

/* Where the tables go: @buf is copied to guest-physical @gpa. */
struct acpi_out {
	uint8_t *buf;
	size_t len, used;
	uint64_t gpa;
};

static uint8_t sum8(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

void acpi__checksum(void *table, size_t len)
{
	struct acpi_header *h = table;

	h->checksum = 0;
	h->checksum = -sum8(table, len);
}

void acpi__header(void *hdr, const char sig[4], uint32_t len, uint8_t rev)
{
	struct acpi_header *h = hdr;

	memset(h, 0, sizeof(*h));
	memcpy(h->sig, sig, 4);
	h->len = len;
	h->rev = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, CREATOR_ID, 4);
	memcpy(h->oem_table_id + 4, sig, 4);
	h->oem_rev = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_rev = 1;
}

/* Reserve @len zeroed bytes, 16-byte aligned; NULL when @buf is full. */
static void *place(struct acpi_out *o, size_t len, uint64_t *gpa)
{
	size_t off = ALIGN_UP(o->used, TABLE_ALIGN);

	if (off > o->len || len > o->len - off)
		return NULL;
	o->used = off + len;
	memset(o->buf + off, 0, len);
	*gpa = o->gpa + off;
	return o->buf + off;
}

static void *place_table(struct acpi_out *o, const char sig[4], size_t len, uint8_t rev,
			 uint64_t *gpa)
{
	void *t = place(o, len, gpa);

	if (t)
		acpi__header(t, sig, len, rev);
	else
		pr_err("ACPI: the %.4s table does not fit in %zu bytes", sig, o->len);
	return t;
}

static struct acpi_gas io_reg(uint16_t port)
{
	return (struct acpi_gas){
		.space = GAS_SYSTEM_IO,
		.bit_width = 8,
		.access_size = GAS_ACCESS_BYTE,
		.addr = port,
	};
}

static int build_fadt(struct acpi_out *o, const struct acpi_config *c, uint64_t dsdt,
		      uint64_t *gpa)
{
	struct acpi_fadt *f = place_table(o, "FACP", sizeof(*f), FADT_REV, gpa);

	if (!f)
		return -ENOSPC;
	f->dsdt = dsdt >> 32 ? 0 : dsdt;
	f->x_dsdt = dsdt;
	/*
	 * No i8042 (the 8042 flag stays clear, so Linux does not probe one),
	 * no VGA, no CMOS RTC; "MSI not supported" must stay clear or Linux
	 * disables MSI, which mock-accel needs.
	 */
	f->iapc_boot_arch = BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC;
	f->flags = FADT_HW_REDUCED | FADT_RESET_REG_SUP | FADT_PWR_BUTTON | FADT_SLP_BUTTON;
	f->reset_reg = io_reg(c->pm_port + ACPI_PM_RESET);
	f->reset_value = c->reset_value;
	f->minor_rev = FADT_MINOR_REV;
	/* Linux's acpi_hw_extended_sleep() writes these on a hardware-reduced
	 * platform; both must be present for it to offer poweroff. */
	f->sleep_control = io_reg(c->pm_port + ACPI_PM_SLEEP_CONTROL);
	f->sleep_status = io_reg(c->pm_port + ACPI_PM_SLEEP_STATUS);
	memcpy(f->hypervisor_id, "MVMM\0\0\0\0", 8);
	acpi__checksum(f, sizeof(*f));
	return 0;
}

static size_t madt_len(const struct acpi_config *c, bool *x2apic)
{
	size_t len = sizeof(struct acpi_madt) + sizeof(struct madt_ioapic) +
		     sizeof(struct madt_lapic_nmi);
	unsigned i;

	*x2apic = false;
	for (i = 0; i < c->nr_cpus; i++) {
		if (c->apic_ids[i] >= X2APIC_MIN_ID) {
			len += sizeof(struct madt_x2apic);
			*x2apic = true;
		} else {
			len += sizeof(struct madt_lapic);
		}
	}
	if (*x2apic)
		len += sizeof(struct madt_x2apic_nmi);
	return len;
}

/*
 * Interrupt source overrides: none. ISA IRQs are identity-mapped to GSIs
 * 0-15 with ISA polarity (edge, active high), which is how the VMM wires
 * COM1 (GSI 4) and how KVM's default routing wires the PIT (GSI 0, IOAPIC
 * pin 0, not pin 2). Besides, on a hardware-reduced platform Linux swaps in
 * null_legacy_pic, so nr_legacy_irqs() is 0: it neither creates the
 * identity ISA entries nor maps ISA IRQs through overrides, and the IOAPIC
 * domain is dynamic. An ISA device therefore gets its interrupt only from
 * its DSDT _CRS (acpi_register_gsi()): COM1 needs a PNP0501 device with
 * IRQNoFlags () {4} (or an Interrupt descriptor) in the DSDT.
 */
static int build_madt(struct acpi_out *o, const struct acpi_config *c, uint64_t *gpa)
{
	bool x2apic;
	size_t len = madt_len(c, &x2apic);
	struct acpi_madt *m = place_table(o, "APIC", len, MADT_REV, gpa);
	uint8_t *p;
	unsigned i;

	if (!m)
		return -ENOSPC;
	p = (uint8_t *)(m + 1);
	m->lapic_addr = LAYOUT_LAPIC;
	/* The in-kernel irqchip has the PIC too; with a hardware-reduced FADT
	 * Linux leaves it alone and uses the IOAPIC and LAPICs. */
	m->flags = MADT_PCAT_COMPAT;

	/* Linux numbers CPUs in MADT order, so vCPU index order it is. */
	for (i = 0; i < c->nr_cpus; i++) {
		if (c->apic_ids[i] >= X2APIC_MIN_ID) {
			*(struct madt_x2apic *)p = (struct madt_x2apic){
				.type = MADT_X2APIC, .len = sizeof(struct madt_x2apic),
				.apic_id = c->apic_ids[i], .flags = MADT_ENABLED, .uid = i,
			};
			p += sizeof(struct madt_x2apic);
		} else {
			*(struct madt_lapic *)p = (struct madt_lapic){
				.type = MADT_LAPIC, .len = sizeof(struct madt_lapic),
				.uid = i, .apic_id = c->apic_ids[i], .flags = MADT_ENABLED,
			};
			p += sizeof(struct madt_lapic);
		}
	}
	*(struct madt_ioapic *)p = (struct madt_ioapic){
		.type = MADT_IOAPIC, .len = sizeof(struct madt_ioapic),
		.id = c->ioapic_id, .addr = c->ioapic_addr, .gsi_base = 0,
	};
	p += sizeof(struct madt_ioapic);
	/* NMI on LINT1 of every processor, polarity and trigger per bus. */
	*(struct madt_lapic_nmi *)p = (struct madt_lapic_nmi){
		.type = MADT_LAPIC_NMI, .len = sizeof(struct madt_lapic_nmi),
		.uid = MADT_ALL_CPUS_UID, .lint = 1,
	};
	p += sizeof(struct madt_lapic_nmi);
	if (x2apic)
		*(struct madt_x2apic_nmi *)p = (struct madt_x2apic_nmi){
			.type = MADT_X2APIC_NMI, .len = sizeof(struct madt_x2apic_nmi),
			.uid = MADT_ALL_X2CPUS_UID, .lint = 1,
		};
	acpi__checksum(m, len);
	return 0;
}

/* \_S5 then every part, at root scope. */
static int build_dsdt_aml(struct aml *a, const struct acpi_config *c)
{
	unsigned i;
	int ret;

	/* SLP_TYPa for S5; SLP_TYPb is unused without a PM1b block. */
	aml__name(a, "_S5");
	aml__package_begin(a);
	aml__int(a, ACPI_SLP_TYP_S5);
	aml__int(a, 0);
	aml__int(a, 0);
	aml__int(a, 0);
	aml__end(a);
	ret = aml__error(a);
	if (ret)
		return ret;

	for (i = 0; i < c->nr_dsdt_parts; i++) {
		ret = c->dsdt_parts[i].build(a, c->dsdt_parts[i].opaque);
		if (!ret)
			ret = aml__error(a);
		if (ret) {
			pr_err("ACPI: DSDT part %u failed: %s", i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int build_dsdt(struct acpi_out *o, const struct acpi_config *c, uint64_t *gpa)
{
	struct acpi_header *h;
	struct aml a;
	size_t len;
	int ret;

	aml__init(&a);
	ret = build_dsdt_aml(&a, c);
	if (ret)
		goto out;
	len = ACPI_HEADER_LEN + aml__len(&a);
	if (len > UINT32_MAX) {
		ret = -E2BIG;
		goto out;
	}
	h = place_table(o, "DSDT", len, DSDT_REV, gpa);
	if (!h) {
		ret = -ENOSPC;
		goto out;
	}
	memcpy(h + 1, aml__data(&a), aml__len(&a));
	acpi__checksum(h, len);
out:
	aml__free(&a);
	return ret;
}

static int check_config(const struct acpi_config *c)
{
	const struct acpi_header *h;
	unsigned i;

	if (!c->nr_cpus || !c->apic_ids || c->ioapic_addr >> 32 ||
	    (c->nr_dsdt_parts && !c->dsdt_parts) || (c->nr_extra && !c->extra)) {
		pr_err("ACPI: incomplete configuration");
		return -EINVAL;
	}
	for (i = 0; i < c->nr_cpus; i++) {
		/* A Local APIC entry's UID is one byte and 0xff means "all". */
		if ((c->apic_ids[i] < X2APIC_MIN_ID && i >= MADT_ALL_CPUS_UID) ||
		    c->apic_ids[i] == UINT32_MAX) {
			pr_err("ACPI: vCPU %u: APIC id %#x cannot be described", i,
			       c->apic_ids[i]);
			return -EINVAL;
		}
	}
	for (i = 0; i < c->nr_dsdt_parts; i++) {
		if (!c->dsdt_parts[i].build) {
			pr_err("ACPI: DSDT part %u has no build function", i);
			return -EINVAL;
		}
	}
	for (i = 0; i < c->nr_extra; i++) {
		h = c->extra[i].data;
		if (!h || c->extra[i].len < ACPI_HEADER_LEN || c->extra[i].len > UINT32_MAX ||
		    h->len != c->extra[i].len || sum8(h, h->len)) {
			pr_err("ACPI: extra table %u%s%.4s has a bad length or checksum", i,
			       h ? " " : "", h ? h->sig : "");
			return -EINVAL;
		}
	}
	return 0;
}

int acpi__build(const struct acpi_config *c, void *buf, size_t len, uint64_t gpa,
		size_t *used)
{
	struct acpi_out o = { .buf = buf, .len = len, .gpa = gpa };
	struct acpi_rsdp *rsdp;
	struct acpi_header *xsdt;
	uint64_t at, dsdt;
	uint8_t *entry;
	unsigned nr = XSDT_FIXED_ENTRIES + c->nr_extra, i;
	size_t xsdt_len = ACPI_HEADER_LEN + 8 * (size_t)nr;
	void *t;
	int ret;

	if (!buf || !used)
		return -EINVAL;
	ret = check_config(c);
	if (ret)
		return ret;
	rsdp = place(&o, sizeof(*rsdp), &at);
	xsdt = place_table(&o, "XSDT", xsdt_len, 1, &at);
	if (!rsdp || !xsdt)
		return -ENOSPC;
	entry = (uint8_t *)(xsdt + 1);		/* 64-bit pointers, unaligned */

	/* The FADT points at the DSDT, so the DSDT goes first. */
	ret = build_dsdt(&o, c, &dsdt);
	if (ret)
		return ret;
	ret = build_fadt(&o, c, dsdt, &at);
	if (ret)
		return ret;
	memcpy(entry, &at, 8);
	ret = build_madt(&o, c, &at);
	if (ret)
		return ret;
	memcpy(entry + 8, &at, 8);
	for (i = 0; i < c->nr_extra; i++) {
		t = place(&o, c->extra[i].len, &at);
		if (!t) {
			pr_err("ACPI: extra table %u does not fit in %zu bytes", i, len);
			return -ENOSPC;
		}
		memcpy(t, c->extra[i].data, c->extra[i].len);
		memcpy(entry + 8 * (XSDT_FIXED_ENTRIES + i), &at, 8);
	}
	acpi__checksum(xsdt, xsdt_len);

	memcpy(rsdp->sig, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->rev = 2;
	rsdp->len = sizeof(*rsdp);
	rsdp->xsdt = gpa + ((uint8_t *)xsdt - o.buf);
	rsdp->checksum = -sum8(rsdp, 20);
	rsdp->ext_checksum = -sum8(rsdp, sizeof(*rsdp));
	*used = o.used;
	return 0;
}
