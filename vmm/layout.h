/*
 * Guest-physical memory map of an x86_64 mvmm guest, in address order.
 * Every guest-physical constant lives here and nowhere else.
 *
 *   0x0000_0000  real-mode IVT/BDA (RAM, untouched)
 *   0x0000_0500  GDT used for the 64-bit / PVH entry
 *   0x0000_6ff0  boot stack top (both entry paths switch stacks at once)
 *   0x0000_7000  zero page (struct boot_params) or PVH hvm_start_info
 *   0x0000_9000  boot page tables: PML4, PDPT, 4 x PD (identity map of 4 GiB)
 *   0x0002_0000  kernel command line
 *   0x0009_fc00  end of low RAM (EBDA and legacy holes above are reserved)
 *   0x000e_0000  ACPI tables, RSDP first (reserved; Linux also scans here)
 *   0x000f_fff0  reset-vector stub (see power.c): a real-mode restart lands here
 *   0x0010_0000  start of high RAM
 *   0x0100_0000  bzImage at its pref_address (16 MiB fallback if below 1 MiB)
 *   ...          initrd, at the top of RAM below 3 GiB
 *   0xc000_0000  32-bit PCI MMIO window           } the "32-bit hole":
 *   0xe000_0000  PCIe ECAM (256 buses x 1 MiB)     } no RAM between
 *   0xfec0_0000  IOAPIC (in-kernel irqchip)        } 3 GiB and 4 GiB
 *   0xfee0_0000  LAPIC  (in-kernel irqchip)        }
 *   0xfeff_c000  KVM identity-map page + 3 TSS pages (VMX only; harmless on SVM)
 *   0x1_0000_0000 RAM above 4 GiB (whatever did not fit below the hole)
 *   after RAM,   persistent memory ([pmem.NAME] in file order), each at a
 *                1 GiB boundary (Linux's ZONE_DEVICE wants whole 128 MiB
 *                sections; 1 GiB also keeps devdax's 1G pages aligned),
 *                not below 4 GiB
 *   after pmem,  64-bit PCI MMIO window, 1 GiB aligned
 */
#ifndef MVMM_LAYOUT_H
#define MVMM_LAYOUT_H

#include <stdint.h>

#define LAYOUT_GDT		0x500ULL
#define LAYOUT_BOOT_STACK	0x6ff0ULL
#define LAYOUT_ZERO_PAGE	0x7000ULL	/* boot_params / hvm_start_info */
#define LAYOUT_PVH_MEMMAP	0x8000ULL	/* hvm_memmap_table_entry[] */
#define LAYOUT_PVH_MODLIST	0x8c00ULL	/* hvm_modlist_entry (initrd) */
#define LAYOUT_PML4		0x9000ULL
#define LAYOUT_PDPT		0xa000ULL
#define LAYOUT_PD		0xb000ULL	/* 4 pages: 0xb000..0xefff */
#define LAYOUT_CMDLINE		0x20000ULL
#define LAYOUT_CMDLINE_MAX	0x10000ULL	/* 64 KiB, well above any kernel's limit */
#define LAYOUT_LOWMEM_END	0x9fc00ULL	/* e820: RAM [0, here) */
#define LAYOUT_ACPI		0xe0000ULL	/* RSDP, then the other tables */
#define LAYOUT_ACPI_SIZE	0x1f000ULL	/* up to 0xfefff */
#define LAYOUT_RESET_VECTOR	0xffff0ULL	/* f000:fff0 */
#define LAYOUT_HIGHMEM		0x100000ULL
#define LAYOUT_KERNEL_MIN	0x1000000ULL	/* the kernel's LOAD_PHYSICAL_ADDR */
#define LAYOUT_MMIO32		0xc0000000ULL	/* start of the 32-bit hole */
#define LAYOUT_MMIO32_SIZE	0x20000000ULL
#define LAYOUT_ECAM		0xe0000000ULL
#define LAYOUT_ECAM_SIZE	0x10000000ULL
#define LAYOUT_IOAPIC		0xfec00000ULL
#define LAYOUT_LAPIC		0xfee00000ULL
#define LAYOUT_KVM_IDENTITY	0xfeffc000ULL
#define LAYOUT_KVM_TSS		0xfeffd000ULL
#define LAYOUT_RAM_ABOVE_4G	0x100000000ULL
#define LAYOUT_PMEM_ALIGN	0x40000000ULL	/* each pmem range starts here */
#define LAYOUT_MMIO64_ALIGN	0x40000000ULL
#define LAYOUT_MMIO64_SIZE	0x4000000000ULL	/* 256 GiB */

/* Where the next pmem range goes when guest memory so far ends at @end:
 * the next LAYOUT_PMEM_ALIGN boundary, not below 4 GiB. */
static inline uint64_t layout__pmem_base(uint64_t end)
{
	if (end < LAYOUT_RAM_ABOVE_4G)
		end = LAYOUT_RAM_ABOVE_4G;
	return (end + LAYOUT_PMEM_ALIGN - 1) & ~(LAYOUT_PMEM_ALIGN - 1);
}

/* Legacy I/O ports (PIO bus). */
#define LAYOUT_PORT_COM1	0x3f8
#define LAYOUT_IRQ_COM1		4
#define LAYOUT_GSI_GED		9	/* the power button's GED interrupt (edge) */
#define LAYOUT_PORT_I8042	0x60		/* 0x60..0x64: reset via 0xfe to 0x64 */
#define LAYOUT_PORT_PVPANIC	0x505
#define LAYOUT_PORT_PCI_CONF_ADDR 0xcf8	/* PCI CONFIG_ADDRESS (dword) */
#define LAYOUT_PORT_PCI_CONF_DATA 0xcfc	/* PCI CONFIG_DATA, 0xcfc..0xcff */
#define LAYOUT_PORT_ACPI_PM	0x600		/* sleep control, sleep status, reset */
#define LAYOUT_PORT_ACPI_PM_LEN	3

#endif
