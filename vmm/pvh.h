/*
 * Private header of the boot code (boot.c, boot_probe.c, pvh.c): the PVH
 * start-of-day structures (Xen's public start_info.h, redefined here because
 * Xen headers are not installed) and the helpers the three files share.
 * Nothing outside vmm/boot*.c and vmm/pvh.c should include it; the public
 * interface is vmm/boot.h.
 */
#ifndef MVMM_PVH_H
#define MVMM_PVH_H

#include <stddef.h>
#include <stdint.h>
#include <asm/bootparam.h>

#include "vmm/boot.h"

/* --- Xen PVH ABI (xen/include/public/arch-x86/hvm/start_info.h) --- */

#define XEN_HVM_START_MAGIC_VALUE	0x336ec578
#define XEN_ELFNOTE_PHYS32_ENTRY	18

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;		/* 1: memmap fields present */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

/* Types are the e820 ones (1 RAM, 2 reserved, 3 ACPI, ...). */
struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info ABI");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry ABI");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap ABI");

/* --- kernel files: every read is bounds-checked against the file size --- */

struct kfile {
	int fd;
	uint64_t size;
};

/* Open a regular file for reading. -errno on I/O errors, -ENOEXEC when it is
 * not a regular file; a reason is written to @why either way. */
int kfile__open(struct kfile *f, const char *path, char *why, size_t whylen);
void kfile__close(struct kfile *f);
/* Read exactly [off, off+len): -EIO if the file is shorter, -errno on errors. */
int kfile__pread(const struct kfile *f, void *buf, uint64_t len, uint64_t off);

/* --- identification (boot_probe.c) --- */

/* A PT_LOAD segment that passed the file bounds checks. */
struct pvh_segment {
	uint64_t offset, paddr, filesz, memsz;
};

#define PVH_MAX_SEGMENTS	16

struct pvh_elf {
	uint64_t entry;			/* XEN_ELFNOTE_PHYS32_ENTRY */
	unsigned nr_segs;
	struct pvh_segment segs[PVH_MAX_SEGMENTS];
};

/* What identification learnt, so loading never re-parses differently. */
struct kernel_image {
	enum kernel_kind kind;
	struct boot_params bp;		/* bzImage: first page of the image */
	struct pvh_elf elf;		/* PVH ELF */
};

/* Identify @f and validate everything that can be checked without guest
 * memory. -ENOEXEC with a reason in @why, or -errno for read errors. */
int boot__identify(const struct kfile *f, struct kernel_image *img, char *why, size_t whylen);
/* ELF64 x86_64 parser (pvh.c): program headers, PT_LOAD bounds, PVH note. */
int pvh__parse_elf(const struct kfile *f, struct pvh_elf *elf, char *why, size_t whylen);

/* --- shared loading helpers (boot.c) --- */

/* End of the RAM that starts at guest-physical 0 (contiguous regions
 * merged), capped at the 32-bit hole: kernel, initrd and boot data go there. */
uint64_t boot__low_ram_end(const struct gmem *mem);
/* Copy [off, off+len) of @f to guest [gpa, gpa+len); the range may span
 * contiguous regions. -EFAULT if any byte is not guest RAM. */
int boot__copy_file(struct gmem *mem, uint64_t gpa, const struct kfile *f, uint64_t off, uint64_t len);
int boot__zero(struct gmem *mem, uint64_t gpa, uint64_t len);
/* Write @cmdline (NULL = "") NUL-terminated at LAYOUT_CMDLINE; -E2BIG if
 * it is longer than @max_len bytes (without the NUL). */
int boot__write_cmdline(struct gmem *mem, const char *cmdline, uint64_t max_len);
/* Load @path page-aligned at the highest address below @limit, above
 * @floor. Fills out->initrd_addr/size. */
int boot__load_initrd(struct gmem *mem, const char *path, uint64_t floor, uint64_t limit,
		      struct boot_info *out);
/* A GDT descriptor: @flags is G/DB/L/AVL in bits 15:12 and the access byte
 * (P, DPL, S, type) in bits 7:0. A macro so tables can be static const. */
#define GDT_ENTRY(flags, base, limit)					\
	((((uint64_t)(base) & 0xff000000ULL) << 32) |			\
	 (((uint64_t)(base) & 0x00ffffffULL) << 16) |			\
	 ((uint64_t)(limit) & 0xffffULL) |				\
	 (((uint64_t)(limit) & 0xf0000ULL) << 32) |			\
	 (((uint64_t)(flags) & 0xf0ffULL) << 40))

/* KVM segment from a GDT descriptor, so sregs always match the table. */
void boot__gdt_to_segment(uint64_t desc, unsigned index, struct kvm_segment *seg);
int boot__write_gdt(struct gmem *mem, const uint64_t *gdt, unsigned n);

/* --- PVH (pvh.c) --- */

int pvh__load(struct gmem *mem, const struct boot_params_in *in, const struct kfile *f,
	      const struct pvh_elf *elf, struct boot_info *out);
void pvh__setup_sregs(struct kvm_sregs *sregs);

#endif
