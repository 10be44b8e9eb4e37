/*
 * PVH boot of an ELF vmlinux (Xen's HVM direct boot ABI, which Linux
 * implements in arch/x86/platform/pvh): PT_LOAD segments at p_paddr, the
 * 32-bit entry from the XEN_ELFNOTE_PHYS32_ENTRY note, and hvm_start_info
 * (command line, RSDP, memory map, initrd as module 0) in EBX. The vCPU
 * starts in flat 32-bit protected mode with paging off.
 *
 * The ELF comes from the user: every offset and size is checked against
 * the file size before it is used, and reads go through kfile__pread.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/processor-flags.h>

#include "vmm/boot.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"
#include "vmm/pvh.h"
#include "vmm/util.h"

#define MAX_PHDRS	256		/* vmlinux has 5 */
#define MAX_SHDRS	4096		/* vmlinux has ~40, more with debug info */
#define MAX_NOTES_SIZE	(1U << 20)	/* vmlinux's .notes is 512 bytes */

/* Flat 32-bit GDT: null, code 0x08, data 0x10, 32-bit busy TSS 0x18. */
static const uint64_t gdt32[] = {
	0,
	GDT_ENTRY(0xc09b, 0, 0xfffff),
	GDT_ENTRY(0xc093, 0, 0xfffff),
	GDT_ENTRY(0x008b, 0, 0x67),
};

_Static_assert((LAYOUT_PVH_MODLIST - LAYOUT_PVH_MEMMAP) / sizeof(struct hvm_memmap_table_entry) >= E820_MAX,
	       "PVH memmap area too small for E820_MAX entries");

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -ENOEXEC;
}

/* [off, off+len) lies inside a file of @size bytes (no overflow). */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/*
 * Walk the notes in @buf (one PT_NOTE segment or SHT_NOTE section). Name and
 * descriptor are padded to @align (4, or 8 for 8-aligned note sections).
 * Returns 1 and sets @entry when the PVH note is found, 0 if not, or
 * -ENOEXEC if a note is cut off.
 */
static int scan_notes(const uint8_t *buf, uint64_t len, uint64_t align, uint64_t *entry,
		      char *why, size_t whylen)
{
	Elf64_Nhdr nh;
	uint64_t off = 0, name, desc;
	uint32_t e32;

	while (off < len) {
		if (len - off < sizeof(nh))
			return fail(why, whylen, "truncated ELF note header at note offset %llu",
				    (unsigned long long)off);
		memcpy(&nh, buf + off, sizeof(nh));
		name = off + sizeof(nh);
		/* n_namesz and n_descsz are 32-bit: these sums cannot wrap. */
		if (nh.n_namesz > len - name)
			return fail(why, whylen, "truncated ELF note: name runs past the note segment");
		desc = name + ALIGN_UP((uint64_t)nh.n_namesz, align);
		if (desc > len || nh.n_descsz > len - desc)
			return fail(why, whylen, "truncated ELF note: descriptor runs past the note segment");

		if (nh.n_namesz == 4 && !memcmp(buf + name, "Xen", 4) &&
		    nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY) {
			if (nh.n_descsz == 4) {
				memcpy(&e32, buf + desc, 4);
				*entry = e32;
			} else if (nh.n_descsz == 8) {
				memcpy(entry, buf + desc, 8);
			} else {
				return fail(why, whylen, "PVH entry note has a bad size (%u bytes)",
					    nh.n_descsz);
			}
			if (*entry > UINT32_MAX)
				return fail(why, whylen, "PVH entry 0x%llx is not a 32-bit address",
					    (unsigned long long)*entry);
			return 1;
		}
		/* The last note's padding may be missing: stop at the end. */
		off = MIN(len, desc + ALIGN_UP((uint64_t)nh.n_descsz, align));
	}
	return 0;
}

static int scan_note_range(const struct kfile *f, uint64_t off, uint64_t size, uint64_t align,
			   uint64_t *entry, char *why, size_t whylen)
{
	uint8_t *buf;
	int ret;

	if (!size)
		return 0;
	if (!in_file(off, size, f->size))
		return fail(why, whylen, "truncated ELF: notes at 0x%llx+0x%llx run past the end of the file (%llu bytes)",
			    (unsigned long long)off, (unsigned long long)size,
			    (unsigned long long)f->size);
	if (size > MAX_NOTES_SIZE)
		return fail(why, whylen, "ELF note area of %llu bytes is implausibly large",
			    (unsigned long long)size);
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	ret = kfile__pread(f, buf, size, off);
	if (ret == 0)
		ret = scan_notes(buf, size, align == 8 ? 8 : 4, entry, why, whylen);
	else
		fail(why, whylen, "read error: %s", strerror(-ret));
	free(buf);
	return ret;
}

/* Fallback for ELFs whose notes are only in section headers. */
static int scan_note_sections(const struct kfile *f, const Elf64_Ehdr *eh, uint64_t *entry,
			      char *why, size_t whylen)
{
	Elf64_Shdr *sh;
	unsigned i;
	int ret = 0;

	if (!eh->e_shoff || !eh->e_shnum)
		return 0;
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return fail(why, whylen, "ELF has a bad e_shentsize %u", eh->e_shentsize);
	if (eh->e_shnum > MAX_SHDRS)
		return fail(why, whylen, "ELF has too many section headers (%u)", eh->e_shnum);
	if (!in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh), f->size))
		return fail(why, whylen, "truncated ELF: section headers run past the end of the file");
	sh = calloc(eh->e_shnum, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	ret = kfile__pread(f, sh, (uint64_t)eh->e_shnum * sizeof(*sh), eh->e_shoff);
	if (ret < 0) {
		fail(why, whylen, "read error: %s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < eh->e_shnum && ret == 0; i++)
		if (sh[i].sh_type == SHT_NOTE)
			ret = scan_note_range(f, sh[i].sh_offset, sh[i].sh_size,
					      sh[i].sh_addralign, entry, why, whylen);
out:
	free(sh);
	return ret;
}

int pvh__parse_elf(const struct kfile *f, struct pvh_elf *elf, char *why, size_t whylen)
{
	unsigned char ident[EI_NIDENT];
	Elf64_Ehdr eh;
	Elf64_Phdr *ph = NULL;
	uint64_t entry = 0;
	bool in_seg = false;
	unsigned i;
	int ret;

	memset(elf, 0, sizeof(*elf));
	if (f->size < EI_NIDENT)
		return fail(why, whylen, "truncated ELF header (%llu bytes)",
			    (unsigned long long)f->size);
	ret = kfile__pread(f, ident, sizeof(ident), 0);
	if (ret < 0)
		goto read_err;
	if (ident[EI_CLASS] != ELFCLASS64)
		return fail(why, whylen, "ELF is not 64-bit (class %u)", ident[EI_CLASS]);
	if (ident[EI_DATA] != ELFDATA2LSB)
		return fail(why, whylen, "ELF is not little-endian");
	if (f->size < sizeof(eh))
		return fail(why, whylen, "truncated ELF header (%llu bytes)",
			    (unsigned long long)f->size);
	ret = kfile__pread(f, &eh, sizeof(eh), 0);
	if (ret < 0)
		goto read_err;
	if (eh.e_machine != EM_X86_64)
		return fail(why, whylen, "ELF is not x86_64 (e_machine %u)", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return fail(why, whylen, "ELF is not an executable (e_type %u)", eh.e_type);
	if (!eh.e_phnum)
		return fail(why, whylen, "ELF has no program headers");
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(why, whylen, "ELF has a bad e_phentsize %u", eh.e_phentsize);
	if (eh.e_phnum > MAX_PHDRS)
		return fail(why, whylen, "ELF has too many program headers (%u)", eh.e_phnum);
	if (!in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(*ph), f->size))
		return fail(why, whylen, "truncated ELF: program headers run past the end of the file");

	ph = calloc(eh.e_phnum, sizeof(*ph));
	if (!ph)
		return -ENOMEM;
	ret = kfile__pread(f, ph, (uint64_t)eh.e_phnum * sizeof(*ph), eh.e_phoff);
	if (ret < 0) {
		fail(why, whylen, "read error: %s", strerror(-ret));
		goto out;
	}

	for (i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		ret = -ENOEXEC;
		if (p->p_filesz > p->p_memsz) {
			fail(why, whylen, "ELF segment %u has p_filesz > p_memsz", i);
			goto out;
		}
		if (!in_file(p->p_offset, p->p_filesz, f->size)) {
			fail(why, whylen, "truncated ELF: segment %u (0x%llx+0x%llx) runs past the end of the file (%llu bytes)",
			     i, (unsigned long long)p->p_offset, (unsigned long long)p->p_filesz,
			     (unsigned long long)f->size);
			goto out;
		}
		if (p->p_paddr + p->p_memsz < p->p_paddr) {
			fail(why, whylen, "ELF segment %u wraps around the address space", i);
			goto out;
		}
		if (elf->nr_segs == PVH_MAX_SEGMENTS) {
			fail(why, whylen, "ELF has more than %u loadable segments", PVH_MAX_SEGMENTS);
			goto out;
		}
		elf->segs[elf->nr_segs++] = (struct pvh_segment){
			.offset = p->p_offset, .paddr = p->p_paddr,
			.filesz = p->p_filesz, .memsz = p->p_memsz,
		};
	}
	if (!elf->nr_segs) {
		ret = fail(why, whylen, "ELF has no loadable segments");
		goto out;
	}

	ret = 0;
	for (i = 0; i < eh.e_phnum && ret == 0; i++)
		if (ph[i].p_type == PT_NOTE)
			ret = scan_note_range(f, ph[i].p_offset, ph[i].p_filesz, ph[i].p_align,
					      &entry, why, whylen);
	if (ret == 0)
		ret = scan_note_sections(f, &eh, &entry, why, whylen);
	if (ret < 0)
		goto out;
	if (ret == 0) {
		ret = fail(why, whylen, "ELF without PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY; needs CONFIG_PVH=y)");
		goto out;
	}

	for (i = 0; i < elf->nr_segs; i++)
		if (entry >= elf->segs[i].paddr && entry - elf->segs[i].paddr < elf->segs[i].memsz)
			in_seg = true;
	if (!in_seg) {
		ret = fail(why, whylen, "PVH entry 0x%llx is not inside a loadable segment",
			   (unsigned long long)entry);
		goto out;
	}
	elf->entry = entry;
	ret = 0;
out:
	free(ph);
	return ret;
read_err:
	fail(why, whylen, "read error: %s", strerror(-ret));
	return ret;
}

static int write_start_info(struct gmem *mem, const struct boot_params_in *in,
			    const struct boot_info *info)
{
	struct hvm_memmap_table_entry map[E820_MAX];
	struct e820_entry e820[E820_MAX];
	struct hvm_modlist_entry mod;
	struct hvm_start_info si;
	int i, n, ret;

	n = boot__e820(mem, e820, E820_MAX);
	if (n < 0) {
		pr_err("cannot build the e820 map: %s", strerror(-n));
		return n;
	}
	memset(map, 0, sizeof(map));
	for (i = 0; i < n; i++) {
		map[i].addr = e820[i].addr;
		map[i].size = e820[i].size;
		map[i].type = e820[i].type;
	}
	ret = gmem__write(mem, LAYOUT_PVH_MEMMAP, map, n * sizeof(map[0]));
	if (ret < 0)
		goto err;

	memset(&si, 0, sizeof(si));
	si.magic = XEN_HVM_START_MAGIC_VALUE;
	si.version = 1;
	si.cmdline_paddr = LAYOUT_CMDLINE;
	si.rsdp_paddr = in->rsdp;
	si.memmap_paddr = LAYOUT_PVH_MEMMAP;
	si.memmap_entries = n;
	if (info->initrd_size) {
		memset(&mod, 0, sizeof(mod));
		mod.paddr = info->initrd_addr;
		mod.size = info->initrd_size;
		ret = gmem__write(mem, LAYOUT_PVH_MODLIST, &mod, sizeof(mod));
		if (ret < 0)
			goto err;
		si.nr_modules = 1;
		si.modlist_paddr = LAYOUT_PVH_MODLIST;
	}
	ret = gmem__write(mem, LAYOUT_ZERO_PAGE, &si, sizeof(si));
	if (ret < 0)
		goto err;
	return 0;
err:
	pr_err("no guest RAM for hvm_start_info at 0x%llx", (unsigned long long)LAYOUT_ZERO_PAGE);
	return ret;
}

int pvh__load(struct gmem *mem, const struct boot_params_in *in, const struct kfile *f,
	      const struct pvh_elf *elf, struct boot_info *out)
{
	uint64_t low_end = boot__low_ram_end(mem);
	uint64_t end = 0;
	unsigned i;
	int ret;

	for (i = 0; i < elf->nr_segs; i++) {
		const struct pvh_segment *s = &elf->segs[i];

		/* Below 1 MiB live our boot structures; the initrd and the
		 * boot data need the kernel inside the RAM that starts at 0. */
		if (s->paddr < LAYOUT_HIGHMEM || s->paddr > low_end || s->memsz > low_end - s->paddr) {
			pr_err("kernel %s: ELF segment %u [0x%llx, 0x%llx) is outside guest RAM [0x%llx, 0x%llx)",
			       in->kernel, i, (unsigned long long)s->paddr,
			       (unsigned long long)(s->paddr + s->memsz),
			       (unsigned long long)LAYOUT_HIGHMEM, (unsigned long long)low_end);
			return -ENOMEM;
		}
		ret = boot__copy_file(mem, s->paddr, f, s->offset, s->filesz);
		if (ret == 0)	/* bss */
			ret = boot__zero(mem, s->paddr + s->filesz, s->memsz - s->filesz);
		if (ret < 0) {
			pr_err("kernel %s: cannot load ELF segment %u at 0x%llx: %s", in->kernel,
			       i, (unsigned long long)s->paddr, strerror(-ret));
			return ret;
		}
		end = MAX(end, s->paddr + s->memsz);
	}

	/* No header says how long a command line the kernel takes; the
	 * kernel truncates at its COMMAND_LINE_SIZE. */
	ret = boot__write_cmdline(mem, in->cmdline, LAYOUT_CMDLINE_MAX - 1);
	if (ret < 0)
		return ret;
	ret = boot__load_initrd(mem, in->initrd, end, low_end, out);
	if (ret < 0)
		return ret;

	out->kind = KERNEL_PVH_ELF;
	out->entry = elf->entry;
	out->boot_data = LAYOUT_ZERO_PAGE;
	out->kernel_end = end;

	ret = write_start_info(mem, in, out);
	if (ret < 0)
		return ret;
	return boot__write_gdt(mem, gdt32, ARRAY_SIZE(gdt32));
}

void pvh__setup_sregs(struct kvm_sregs *sregs)
{
	boot__gdt_to_segment(gdt32[1], 1, &sregs->cs);
	boot__gdt_to_segment(gdt32[2], 2, &sregs->ds);
	boot__gdt_to_segment(gdt32[2], 2, &sregs->es);
	boot__gdt_to_segment(gdt32[2], 2, &sregs->fs);
	boot__gdt_to_segment(gdt32[2], 2, &sregs->gs);
	boot__gdt_to_segment(gdt32[2], 2, &sregs->ss);
	boot__gdt_to_segment(gdt32[3], 3, &sregs->tr);
	sregs->gdt.base = LAYOUT_GDT;
	sregs->gdt.limit = sizeof(gdt32) - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	/* PVH ABI: protected mode, paging off, CR4 and EFER clear. */
	sregs->cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
}
