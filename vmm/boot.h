/*
 * Booting without firmware: the Linux 64-bit boot protocol for bzImage and
 * PVH (hvm_start_info) for ELF vmlinux. Everything here writes guest memory
 * through the gmem seam or fills KVM register structures, so it is testable
 * without /dev/kvm.
 */
#ifndef MVMM_BOOT_H
#define MVMM_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

struct gmem;

enum kernel_kind {
	KERNEL_UNKNOWN = 0,
	KERNEL_BZIMAGE,		/* setup header "HdrS", protocol >= 2.12, XLF_KERNEL_64 */
	KERNEL_PVH_ELF,		/* ELF64 x86_64 with XEN_ELFNOTE_PHYS32_ENTRY */
};

#define E820_RAM	1
#define E820_RESERVED	2
#define E820_PMEM	7	/* persistent memory (E820_TYPE_PMEM) */
#define E820_ACPI	3
#define E820_MAX	32

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/* Identify a kernel image without loading it. On failure writes a short
 * reason (e.g. "not a bzImage or ELF vmlinux", "ELF without PVH entry note")
 * to @why and returns -ENOEXEC (or -errno for I/O errors). */
int boot__probe_kernel(const char *path, enum kernel_kind *kind, char *why, size_t whylen);

/* The guest's memory map: RAM from @mem split around legacy holes, plus the
 * reserved ranges of layout.h (ACPI area, ECAM). Sorted. Returns the count
 * or -ENOSPC. */
int boot__e820(const struct gmem *mem, struct e820_entry *out, unsigned max);

struct boot_params_in {
	const char *kernel;
	const char *initrd;	/* may be NULL */
	const char *cmdline;
	uint64_t rsdp;		/* guest-physical address of the ACPI RSDP */
};

struct boot_info {
	enum kernel_kind kind;
	uint64_t entry;		/* RIP (bzImage: 64-bit entry) or EIP (PVH) */
	uint64_t boot_data;	/* RSI = zero page (bzImage) or RBX = start_info (PVH) */
	uint64_t kernel_end;	/* first byte after the loaded kernel */
	uint64_t initrd_addr, initrd_size;
};

/* Load kernel, initrd and command line into guest memory, write the zero
 * page or hvm_start_info (with the e820 map) and, for bzImage, the GDT and
 * identity page tables. */
int boot__load(struct gmem *mem, const struct boot_params_in *in, struct boot_info *out);

/* Register state of the boot vCPU for @info (64-bit long mode for bzImage,
 * 32-bit flat protected mode for PVH). @sregs must come from KVM_GET_SREGS. */
void boot__setup_sregs(const struct boot_info *info, struct kvm_sregs *sregs);
void boot__setup_regs(const struct boot_info *info, struct kvm_regs *regs);

#endif
