/*
 * Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst) for bzImage:
 * protected-mode code at its load address, zero page, command line, initrd,
 * e820, a flat GDT and an identity map of the first 4 GiB, then the vCPU
 * enters startup_64 (load address + 0x200) in long mode with RSI = zero page.
 * Also the helpers the PVH path (pvh.c) shares.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <asm/processor-flags.h>

#include "vmm/boot.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"
#include "vmm/pvh.h"
#include "vmm/util.h"

#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)

#define PTE_P			(1ULL << 0)
#define PTE_RW			(1ULL << 1)
#define PTE_PS			(1ULL << 7)	/* 2 MiB page in a PD entry */

#define BOOT_STACK_TOP		LAYOUT_BOOT_STACK
#define KERNEL_MIN_ADDR		LAYOUT_KERNEL_MIN

#define SETUP_HDR_OFF		0x1f1
#define BZ_ENTRY64_OFF		0x200	/* startup_64 from the load address */
#define LOADER_UNDEFINED	0xff	/* type_of_loader: no assigned id */
#define VID_MODE_NORMAL		0xffff
#define PROTOCOL_RSDP		0x020e	/* 2.14: acpi_rsdp_addr */
#define PD_PAGES		4	/* 4 x 1 GiB of 2 MiB pages */

/* Long-mode GDT: null, 64-bit code 0x08, data 0x10, 64-bit busy TSS 0x18
 * (16 bytes in long mode, hence the zero upper half at index 4). */
static const uint64_t gdt64[] = {
	0,
	GDT_ENTRY(0xa09b, 0, 0xfffff),
	GDT_ENTRY(0xc093, 0, 0xfffff),
	GDT_ENTRY(0x008b, 0, 0x67),
	0,
};

/* ---------------------------------------------------------------- e820 */

static int e820_add(struct e820_entry *out, unsigned max, unsigned *n,
		    uint64_t addr, uint64_t end, uint32_t type)
{
	if (end <= addr)
		return 0;
	if (*n >= max)
		return -ENOSPC;
	out[(*n)++] = (struct e820_entry){ .addr = addr, .size = end - addr, .type = type };
	return 0;
}

int boot__e820(const struct gmem *mem, struct e820_entry *out, unsigned max)
{
	struct e820_entry tmp;
	unsigned i, j, n = 0;
	uint64_t a, b;
	int ret;

	for (i = 0; i < mem->nr;) {
		a = mem->regions[i].gpa;
		b = a + mem->regions[i].size;
		if (mem->regions[i++].pmem) {
			/* Persistent memory: one entry each, never merged. */
			ret = e820_add(out, max, &n, a, b, E820_PMEM);
			if (ret < 0)
				return ret;
			continue;
		}
		/* RAM regions that touch (NUMA nodes back to back) are one range. */
		for (; i < mem->nr && !mem->regions[i].pmem && mem->regions[i].gpa == b; i++)
			b += mem->regions[i].size;
		/* Legacy hole: EBDA, VGA, option ROMs, BIOS area (and our ACPI). */
		if (a < LAYOUT_LOWMEM_END) {
			ret = e820_add(out, max, &n, a, MIN(b, LAYOUT_LOWMEM_END), E820_RAM);
			if (ret < 0)
				return ret;
		}
		ret = e820_add(out, max, &n, MAX(a, LAYOUT_HIGHMEM), b, E820_RAM);
		if (ret < 0)
			return ret;
	}
	ret = e820_add(out, max, &n, LAYOUT_LOWMEM_END, LAYOUT_HIGHMEM, E820_RESERVED);
	if (ret < 0)
		return ret;
	/* Linux only uses MMCONFIG if the ECAM window is reserved. */
	ret = e820_add(out, max, &n, LAYOUT_ECAM, LAYOUT_ECAM + LAYOUT_ECAM_SIZE, E820_RESERVED);
	if (ret < 0)
		return ret;

	for (i = 1; i < n; i++) {
		tmp = out[i];
		for (j = i; j > 0 && out[j - 1].addr > tmp.addr; j--)
			out[j] = out[j - 1];
		out[j] = tmp;
	}
	for (i = 1; i < n; i++) {
		if (out[i].addr < out[i - 1].addr + out[i - 1].size) {
			pr_err("e820: guest RAM overlaps [0x%llx, 0x%llx)",
			       (unsigned long long)out[i].addr,
			       (unsigned long long)(out[i].addr + out[i].size));
			return -EINVAL;
		}
	}
	return n;
}

/* ------------------------------------------------------- shared helpers */

uint64_t boot__low_ram_end(const struct gmem *mem)
{
	uint64_t end = 0;
	unsigned i;

	for (i = 0; i < mem->nr && mem->regions[i].gpa == end; i++)
		end += mem->regions[i].size;
	return MIN(end, LAYOUT_MMIO32);
}

/* Bytes from @gpa to the end of its region (at most @len), 0 if not RAM. */
static uint64_t region_chunk(const struct gmem *mem, uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < mem->nr; i++) {
		const struct gmem_region *r = &mem->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return MIN(len, r->size - (gpa - r->gpa));
	}
	return 0;
}

int boot__copy_file(struct gmem *mem, uint64_t gpa, const struct kfile *f, uint64_t off, uint64_t len)
{
	uint64_t chunk;
	void *p;
	int ret;

	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		chunk = region_chunk(mem, gpa, len);
		/* The seam does the real bounds check; the chunk only splits. */
		p = chunk ? gmem__ptr(mem, gpa, chunk) : NULL;
		if (!p)
			return -EFAULT;
		ret = kfile__pread(f, p, chunk, off);
		if (ret < 0)
			return ret;
		gpa += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

int boot__zero(struct gmem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t chunk;
	void *p;

	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		chunk = region_chunk(mem, gpa, len);
		p = chunk ? gmem__ptr(mem, gpa, chunk) : NULL;
		if (!p)
			return -EFAULT;
		memset(p, 0, chunk);
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

int boot__write_cmdline(struct gmem *mem, const char *cmdline, uint64_t max_len)
{
	const char *s = cmdline ? cmdline : "";
	size_t len = strlen(s);
	int ret;

	max_len = MIN(max_len, LAYOUT_CMDLINE_MAX - 1);
	if (len > max_len) {
		pr_err("kernel command line is %zu bytes, the kernel accepts at most %llu",
		       len, (unsigned long long)max_len);
		return -E2BIG;
	}
	ret = gmem__write(mem, LAYOUT_CMDLINE, s, len + 1);
	if (ret < 0)
		pr_err("no guest RAM for the command line at 0x%llx",
		       (unsigned long long)LAYOUT_CMDLINE);
	return ret;
}

int boot__load_initrd(struct gmem *mem, const char *path, uint64_t floor, uint64_t limit,
		      struct boot_info *out)
{
	struct kfile f;
	char why[128];
	uint64_t addr;
	int ret;

	out->initrd_addr = out->initrd_size = 0;
	if (!path)
		return 0;
	ret = kfile__open(&f, path, why, sizeof(why));
	if (ret < 0) {
		pr_err("initrd %s: %s", path, why);
		return ret;
	}
	if (!f.size) {
		pr_err("initrd %s is empty", path);
		ret = -EINVAL;
		goto out;
	}
	/* Highest page-aligned spot below @limit: the kernel's decompression
	 * area sits just above the kernel, so the initrd stays out of its way. */
	floor = ALIGN_UP(floor, SZ_4K);
	if (f.size > limit || ALIGN_DOWN(limit - f.size, SZ_4K) < floor) {
		pr_err("initrd %s (%llu KiB) does not fit in guest RAM between the kernel's end 0x%llx and 0x%llx; give the guest more memory",
		       path, (unsigned long long)(f.size >> 10),
		       (unsigned long long)floor, (unsigned long long)limit);
		ret = -ENOMEM;
		goto out;
	}
	addr = ALIGN_DOWN(limit - f.size, SZ_4K);
	ret = boot__copy_file(mem, addr, &f, 0, f.size);
	if (ret < 0) {
		pr_err("initrd %s: cannot load at 0x%llx: %s", path,
		       (unsigned long long)addr, strerror(-ret));
		goto out;
	}
	out->initrd_addr = addr;
	out->initrd_size = f.size;
out:
	kfile__close(&f);
	return ret;
}

void boot__gdt_to_segment(uint64_t desc, unsigned index, struct kvm_segment *seg)
{
	uint32_t limit = (desc & 0xffff) | ((desc >> 32) & 0xf0000);

	memset(seg, 0, sizeof(*seg));
	seg->base = ((desc >> 16) & 0xffffff) | ((desc >> 32) & 0xff000000);
	seg->g = (desc >> 55) & 1;
	/* KVM wants the byte-granular limit the CPU would cache. */
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	seg->selector = index * 8;
	seg->type = (desc >> 40) & 0xf;
	seg->s = (desc >> 44) & 1;
	seg->dpl = (desc >> 45) & 3;
	seg->present = (desc >> 47) & 1;
	seg->avl = (desc >> 52) & 1;
	seg->l = (desc >> 53) & 1;
	seg->db = (desc >> 54) & 1;
	seg->unusable = !seg->present;
}

int boot__write_gdt(struct gmem *mem, const uint64_t *gdt, unsigned n)
{
	int ret = gmem__write(mem, LAYOUT_GDT, gdt, n * sizeof(*gdt));

	if (ret < 0)
		pr_err("no guest RAM for the GDT at 0x%llx", (unsigned long long)LAYOUT_GDT);
	return ret;
}

/* ------------------------------------------------------------- bzImage */

/* Identity map of [0, 4 GiB) with 2 MiB pages: the protocol wants the
 * kernel, zero page and command line mapped; mapping everything is simpler. */
static int write_page_tables(struct gmem *mem)
{
	uint64_t page[512];
	unsigned i, j;
	int ret;

	memset(page, 0, sizeof(page));
	page[0] = LAYOUT_PDPT | PTE_P | PTE_RW;
	ret = gmem__write(mem, LAYOUT_PML4, page, sizeof(page));
	if (ret < 0)
		goto err;

	memset(page, 0, sizeof(page));
	for (i = 0; i < PD_PAGES; i++)
		page[i] = (LAYOUT_PD + i * SZ_4K) | PTE_P | PTE_RW;
	ret = gmem__write(mem, LAYOUT_PDPT, page, sizeof(page));
	if (ret < 0)
		goto err;

	for (i = 0; i < PD_PAGES; i++) {
		for (j = 0; j < 512; j++)
			page[j] = ((uint64_t)(i * 512 + j) * SZ_2M) | PTE_P | PTE_RW | PTE_PS;
		ret = gmem__write(mem, LAYOUT_PD + i * SZ_4K, page, sizeof(page));
		if (ret < 0)
			goto err;
	}
	return 0;
err:
	pr_err("no guest RAM for the boot page tables at 0x%llx", (unsigned long long)LAYOUT_PML4);
	return ret;
}

/* Where startup_64 will run: it rounds the load address up to
 * kernel_alignment and never goes below LOAD_PHYSICAL_ADDR, which the
 * header exports as pref_address (arch/x86/boot/compressed/head_64.S). */
static uint64_t bz_run_addr(const struct setup_header *h, uint64_t load)
{
	return MAX(ALIGN_UP(load, h->kernel_alignment), h->pref_address);
}

/* End of everything the kernel owns when loaded at @load, or 0 if that
 * does not fit in [1 MiB, @low_end). */
static uint64_t bz_fit(const struct setup_header *h, uint64_t load, uint64_t pm_size,
		       uint64_t low_end)
{
	uint64_t run, end;

	if (load < LAYOUT_HIGHMEM || load >= low_end || h->pref_address >= low_end)
		return 0;
	/* Every term is below 4 GiB + 4 GiB here: no overflow. */
	run = bz_run_addr(h, load);
	end = MAX(load + pm_size, run + h->init_size);
	return end <= low_end ? end : 0;
}

static int bz_write_zero_page(struct gmem *mem, const struct boot_params_in *in,
			      const struct boot_params *img, const struct boot_info *info)
{
	struct e820_entry e820[E820_MAX];
	struct boot_params *zp;
	size_t hdr_len;
	int i, n, ret;

	zp = calloc(1, sizeof(*zp));
	if (!zp)
		return -ENOMEM;
	/* Copy the setup header as the image defines it: it ends where the
	 * 2-byte jump at 0x200 lands (boot.rst, "Details of header fields"). */
	hdr_len = 0x202 + ((const uint8_t *)img)[0x201] - SETUP_HDR_OFF;
	memcpy(&zp->hdr, &img->hdr, MIN(hdr_len, sizeof(zp->hdr)));

	zp->hdr.type_of_loader = LOADER_UNDEFINED;
	zp->hdr.vid_mode = VID_MODE_NORMAL;
	zp->hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE;
	zp->ext_cmd_line_ptr = (uint32_t)(LAYOUT_CMDLINE >> 32);
	zp->hdr.ramdisk_image = (uint32_t)info->initrd_addr;
	zp->hdr.ramdisk_size = (uint32_t)info->initrd_size;
	zp->ext_ramdisk_image = (uint32_t)(info->initrd_addr >> 32);
	zp->ext_ramdisk_size = (uint32_t)(info->initrd_size >> 32);
	if (img->hdr.version >= PROTOCOL_RSDP)
		zp->acpi_rsdp_addr = in->rsdp;

	n = boot__e820(mem, e820, MIN(E820_MAX, E820_MAX_ENTRIES_ZEROPAGE));
	if (n < 0) {
		pr_err("cannot build the e820 map: %s", strerror(-n));
		ret = n;
		goto out;
	}
	for (i = 0; i < n; i++) {
		zp->e820_table[i].addr = e820[i].addr;
		zp->e820_table[i].size = e820[i].size;
		zp->e820_table[i].type = e820[i].type;
	}
	zp->e820_entries = n;

	ret = gmem__write(mem, LAYOUT_ZERO_PAGE, zp, sizeof(*zp));
	if (ret < 0)
		pr_err("no guest RAM for the zero page at 0x%llx",
		       (unsigned long long)LAYOUT_ZERO_PAGE);
out:
	free(zp);
	return ret;
}

static int bz_load(struct gmem *mem, const struct boot_params_in *in, const struct kfile *f,
		   const struct boot_params *img, struct boot_info *out)
{
	const struct setup_header *h = &img->hdr;
	uint64_t low_end = boot__low_ram_end(mem);
	uint64_t pm_off = ((uint64_t)(h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	uint64_t pm_size = f->size - pm_off;	/* > 0: checked by identify */
	uint64_t load, end, max_addr, need;
	int ret;

	load = h->pref_address;
	end = bz_fit(h, load, pm_size, low_end);
	if (!end) {
		load = ALIGN_UP(KERNEL_MIN_ADDR, h->kernel_alignment);
		end = bz_fit(h, load, pm_size, low_end);
	}
	if (!end) {
		need = MAX(load + pm_size, bz_run_addr(h, load) + h->init_size);
		pr_err("kernel %s needs %llu MiB of RAM below 3 GiB (it runs at 0x%llx and needs init_size %llu MiB), the guest has %llu MiB there",
		       in->kernel, (unsigned long long)((need + SZ_1M - 1) >> 20),
		       (unsigned long long)bz_run_addr(h, load),
		       (unsigned long long)((h->init_size + SZ_1M - 1) >> 20),
		       (unsigned long long)(low_end >> 20));
		return -ENOMEM;
	}

	ret = boot__copy_file(mem, load, f, pm_off, pm_size);
	if (ret < 0) {
		pr_err("kernel %s: cannot load at 0x%llx: %s", in->kernel,
		       (unsigned long long)load, strerror(-ret));
		return ret;
	}
	ret = boot__write_cmdline(mem, in->cmdline, h->cmdline_size);
	if (ret < 0)
		return ret;

	/* Below initrd_addr_max, unless the kernel takes any address; either
	 * way below the 32-bit hole, in the RAM that starts at 0. */
	if (h->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)
		max_addr = LAYOUT_RAM_ABOVE_4G;
	else
		max_addr = (uint64_t)h->initrd_addr_max + 1;
	ret = boot__load_initrd(mem, in->initrd, end, MIN(max_addr, low_end), out);
	if (ret < 0)
		return ret;

	out->kind = KERNEL_BZIMAGE;
	out->entry = load + BZ_ENTRY64_OFF;
	out->boot_data = LAYOUT_ZERO_PAGE;
	out->kernel_end = end;

	ret = bz_write_zero_page(mem, in, img, out);
	if (ret < 0)
		return ret;
	ret = boot__write_gdt(mem, gdt64, ARRAY_SIZE(gdt64));
	if (ret < 0)
		return ret;
	return write_page_tables(mem);
}

/* --------------------------------------------------------------- entry */

int boot__load(struct gmem *mem, const struct boot_params_in *in, struct boot_info *out)
{
	struct kernel_image *img = NULL;
	struct kfile f;
	char why[256];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = kfile__open(&f, in->kernel, why, sizeof(why));
	if (ret < 0) {
		pr_err("kernel %s: %s", in->kernel, why);
		return ret;
	}
	/* Holds a 4 KiB boot_params copy: keep it off the stack. */
	img = calloc(1, sizeof(*img));
	if (!img) {
		ret = -ENOMEM;
		goto out;
	}
	ret = boot__identify(&f, img, why, sizeof(why));
	if (ret < 0) {
		pr_err("kernel %s: %s", in->kernel, why);
		goto out;
	}
	if (img->kind == KERNEL_BZIMAGE)
		ret = bz_load(mem, in, &f, &img->bp, out);
	else
		ret = pvh__load(mem, in, &f, &img->elf, out);
	if (ret < 0)
		memset(out, 0, sizeof(*out));
out:
	free(img);
	kfile__close(&f);
	return ret;
}

void boot__setup_sregs(const struct boot_info *info, struct kvm_sregs *sregs)
{
	if (info->kind == KERNEL_PVH_ELF) {
		pvh__setup_sregs(sregs);
		return;
	}
	boot__gdt_to_segment(gdt64[1], 1, &sregs->cs);
	boot__gdt_to_segment(gdt64[2], 2, &sregs->ds);
	boot__gdt_to_segment(gdt64[2], 2, &sregs->es);
	boot__gdt_to_segment(gdt64[2], 2, &sregs->fs);
	boot__gdt_to_segment(gdt64[2], 2, &sregs->gs);
	boot__gdt_to_segment(gdt64[2], 2, &sregs->ss);
	boot__gdt_to_segment(gdt64[3], 3, &sregs->tr);
	sregs->gdt.base = LAYOUT_GDT;
	sregs->gdt.limit = sizeof(gdt64) - 1;
	/* No IDT: interrupts stay off until the kernel installs its own. */
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	/* Explicit values: the reset state has CD|NW set, which we drop. */
	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	sregs->cr3 = LAYOUT_PML4;
	sregs->cr4 = X86_CR4_PAE;
	sregs->efer = EFER_LME | EFER_LMA;
}

void boot__setup_regs(const struct boot_info *info, struct kvm_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;	/* bit 1 is reserved-one; IF clear */
	regs->rip = info->entry;
	regs->rsp = BOOT_STACK_TOP;
	regs->rbp = BOOT_STACK_TOP;
	if (info->kind == KERNEL_PVH_ELF)
		regs->rbx = info->boot_data;	/* hvm_start_info */
	else
		regs->rsi = info->boot_data;	/* zero page */
}
