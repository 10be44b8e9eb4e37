/*
 * Boot code without /dev/kvm: probe, bzImage 64-bit protocol, PVH ELF,
 * e820, page tables, GDT and register state. Kernels are tiny synthetic
 * images written to a temp dir; guest RAM is anonymous memory registered
 * through the gmem seam. The real Debian kernel, if cached, is probed and
 * loaded in separate tests that say so when they are skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <asm/bootparam.h>

#include "vmm/boot.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"
#include "vmm/pvh.h"
#include "vmm/util.h"

#define MiB(x)		((uint64_t)(x) << 20)
#define GiB(x)		((uint64_t)(x) << 30)
#define KBASE		MiB(16)		/* where the synthetic kernels live */

static char tmpdir[64];

static const char *tpath(const char *name)
{
	static char buf[4][512];
	static unsigned next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* A sparse file of @size bytes with marker bytes at both ends. */
static void make_initrd(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	assert_int_equal(pwrite(fd, "INIT", 4, 0), 4);
	assert_int_equal(pwrite(fd, "END!", 4, size - 4), 4);
	close(fd);
}

static void check_initrd(const struct gmem *m, uint64_t addr, uint64_t size)
{
	char buf[4];

	assert_int_equal(gmem__read(m, addr, buf, 4), 0);
	assert_memory_equal(buf, "INIT", 4);
	assert_int_equal(gmem__read(m, addr + size - 4, buf, 4), 0);
	assert_memory_equal(buf, "END!", 4);
}

/* ------------------------------------------------------------- guests */

struct guest {
	struct gmem mem;
	void *hva[4];
	uint64_t size[4];
	unsigned n;
};

static void guest_add(struct guest *g, uint64_t gpa, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(p != MAP_FAILED);
	assert_int_equal(gmem__add(&g->mem, gpa, size, p, 0), 0);
	g->hva[g->n] = p;
	g->size[g->n++] = size;
}

/* RAM split around the 32-bit hole the way the guest topology does it. */
static void guest_init(struct guest *g, uint64_t mem_size)
{
	uint64_t low = MIN(mem_size, LAYOUT_MMIO32);

	memset(g, 0, sizeof(*g));
	gmem__init(&g->mem);
	guest_add(g, 0, low);
	if (mem_size > low)
		guest_add(g, LAYOUT_RAM_ABOVE_4G, mem_size - low);
}

static void guest_fini(struct guest *g)
{
	unsigned i;

	gmem__destroy(&g->mem);
	for (i = 0; i < g->n; i++)
		munmap(g->hva[i], g->size[i]);
}

/* ------------------------------------------------------ bzImage files */

struct bz_opts {
	uint16_t boot_flag;
	uint32_t magic;
	uint16_t version;
	uint16_t xlf;
	uint8_t relocatable;
	uint8_t setup_sects;
	uint8_t hdr_end;	/* jump target: header ends at 0x202 + this */
	uint64_t pref;
	uint32_t init_size;
	uint32_t align;
	uint32_t cmdline_size;
	uint32_t initrd_addr_max;
	uint32_t pm_size;
	size_t truncate;	/* 0: whole file */
};

static struct bz_opts bz_defaults(void)
{
	return (struct bz_opts){
		.boot_flag = 0xaa55, .magic = 0x53726448, .version = 0x020f,
		.xlf = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G, .relocatable = 1,
		.setup_sects = 1, .hdr_end = 0x66,	/* ends at 0x268 */
		.pref = KBASE, .init_size = MiB(4), .align = MiB(2),
		.cmdline_size = 2047, .initrd_addr_max = 0x7fffffff, .pm_size = 8192,
	};
}

static uint8_t pm_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void make_bzimage(const char *path, const struct bz_opts *o)
{
	size_t setup = ((size_t)(o->setup_sects ? o->setup_sects : 4) + 1) * 512;
	size_t total = setup + o->pm_size, i;
	uint8_t *buf = calloc(1, total);
	struct setup_header h;

	assert_non_null(buf);
	memset(&h, 0, sizeof(h));
	h.setup_sects = o->setup_sects;
	h.boot_flag = o->boot_flag;
	h.jump = 0xeb | (o->hdr_end << 8);
	h.header = o->magic;
	h.version = o->version;
	h.loadflags = LOADED_HIGH;
	h.initrd_addr_max = o->initrd_addr_max;
	h.kernel_alignment = o->align;
	h.relocatable_kernel = o->relocatable;
	h.min_alignment = 21;
	h.xloadflags = o->xlf;
	h.cmdline_size = o->cmdline_size;
	h.pref_address = o->pref;
	h.init_size = o->init_size;
	/* Past the declared header end: must not reach the zero page. */
	h.kernel_info_offset = 0xdeadbeef;
	memcpy(buf + 0x1f1, &h, sizeof(h));
	for (i = 0; i < o->pm_size; i++)
		buf[setup + i] = pm_byte(i);
	write_file(path, buf, o->truncate ? o->truncate : total);
	free(buf);
}

/* ---------------------------------------------------------- ELF files */

enum note_mode { NOTE_PHDR4, NOTE_PHDR8, NOTE_SECTION, NOTE_NONE };

struct elf_opts {
	uint8_t cls;
	uint16_t machine, type;
	enum note_mode note;
	uint64_t seg0_paddr;
	uint64_t entry_off;		/* entry = seg0_paddr + this */
	uint64_t seg1_offset, seg1_filesz, seg1_memsz;
	uint64_t note_cut;		/* nonzero: PT_NOTE p_filesz */
	size_t truncate;
};

#define ELF_PHOFF	0x40
#define ELF_NOTES	0x200
#define ELF_SHOFF	0x300
#define ELF_SEG0	0x1000
#define ELF_SEG0_SIZE	0x3000
#define ELF_SEG1	0x4000
#define ELF_SIZE	0x5000
#define SEG1_PADDR	(KBASE + 0x10000)

static struct elf_opts elf_defaults(void)
{
	return (struct elf_opts){
		.cls = ELFCLASS64, .machine = EM_X86_64, .type = ET_EXEC,
		.note = NOTE_PHDR4, .seg0_paddr = KBASE, .entry_off = 0x100,
		.seg1_offset = ELF_SEG1, .seg1_filesz = 0x1000, .seg1_memsz = 0x5000,
	};
}

static size_t put_note(uint8_t *p, const char *name, uint32_t type, const void *desc, uint32_t dlen)
{
	Elf64_Nhdr nh = { .n_namesz = strlen(name) + 1, .n_descsz = dlen, .n_type = type };
	size_t off = sizeof(nh);

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + off, name, nh.n_namesz);
	off += ALIGN_UP(nh.n_namesz, 4);
	memcpy(p + off, desc, dlen);
	return off + ALIGN_UP(dlen, 4);
}

static uint8_t elf_byte(size_t i)
{
	return (uint8_t)(i * 13 + 1);
}

static void make_elf(const char *path, const struct elf_opts *o)
{
	uint8_t *buf = calloc(1, ELF_SIZE);
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	Elf64_Shdr sh[2];
	uint64_t entry = o->seg0_paddr + o->entry_off;
	uint32_t entry32 = (uint32_t)entry;
	size_t nlen = 0, i;
	unsigned nph = 2;

	assert_non_null(buf);
	/* Notes: an unrelated Xen note first, the PVH entry, a GNU note last. */
	nlen += put_note(buf + ELF_NOTES + nlen, "Xen", 6, "linux", 6);
	if (o->note == NOTE_PHDR8)
		nlen += put_note(buf + ELF_NOTES + nlen, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 8);
	else if (o->note != NOTE_NONE)
		nlen += put_note(buf + ELF_NOTES + nlen, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry32, 4);
	nlen += put_note(buf + ELF_NOTES + nlen, "GNU", 3, "0123456789abcdefghij", 20);

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = o->cls;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = o->type;
	eh.e_machine = o->machine;
	eh.e_version = EV_CURRENT;
	eh.e_entry = 0xffffffff81000000ULL;
	eh.e_phoff = ELF_PHOFF;
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);

	memset(ph, 0, sizeof(ph));
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = ELF_SEG0,
			      .p_vaddr = 0xffffffff81000000ULL, .p_paddr = o->seg0_paddr,
			      .p_filesz = ELF_SEG0_SIZE, .p_memsz = ELF_SEG0_SIZE, .p_align = 0x1000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = o->seg1_offset,
			      .p_vaddr = 0xffffffff81010000ULL, .p_paddr = SEG1_PADDR,
			      .p_filesz = o->seg1_filesz, .p_memsz = o->seg1_memsz, .p_align = 0x1000 };
	if (o->note != NOTE_SECTION) {
		ph[2] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = ELF_NOTES,
				      .p_filesz = o->note_cut ? o->note_cut : nlen,
				      .p_memsz = nlen, .p_align = 4 };
		nph = 3;
	} else {
		memset(sh, 0, sizeof(sh));
		sh[1] = (Elf64_Shdr){ .sh_type = SHT_NOTE, .sh_offset = ELF_NOTES,
				      .sh_size = nlen, .sh_addralign = 4 };
		eh.e_shoff = ELF_SHOFF;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 2;
		memcpy(buf + ELF_SHOFF, sh, sizeof(sh));
	}
	eh.e_phnum = nph;
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + ELF_PHOFF, ph, nph * sizeof(ph[0]));
	for (i = ELF_SEG0; i < ELF_SIZE; i++)
		buf[i] = elf_byte(i);
	write_file(path, buf, o->truncate ? o->truncate : ELF_SIZE);
	free(buf);
}

/* ------------------------------------------------------------ fixture */

static int group_setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/mvmm-test-boot-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	struct dirent *de;
	DIR *d = opendir(tmpdir);

	(void)state;
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				unlink(tpath(de->d_name));
		closedir(d);
	}
	return rmdir(tmpdir);
}

static int probe(const char *path, enum kernel_kind *kind, char *why, size_t len)
{
	int ret = boot__probe_kernel(path, kind, why, len);

	if (ret < 0)
		print_message("      probe %s: %s\n", strrchr(path, '/') + 1, why);
	return ret;
}

/* Probe a file that must be rejected with -ENOEXEC and @reason. */
static void expect_reject(const char *path, const char *reason)
{
	enum kernel_kind kind = KERNEL_BZIMAGE;
	char why[256] = "";

	assert_int_equal(probe(path, &kind, why, sizeof(why)), -ENOEXEC);
	assert_int_equal(kind, KERNEL_UNKNOWN);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\" does not contain \"%s\"", why, reason);
}

/* -------------------------------------------------------------- probe */

static void test_probe_bzimage(void **state)
{
	struct bz_opts o = bz_defaults();
	enum kernel_kind kind;
	char why[128];

	(void)state;
	make_bzimage(tpath("bz"), &o);
	assert_int_equal(probe(tpath("bz"), &kind, why, sizeof(why)), 0);
	assert_int_equal(kind, KERNEL_BZIMAGE);
	/* setup_sects 0 means 4; protocol exactly 2.12 is enough. */
	o.setup_sects = 0;
	o.version = 0x020c;
	make_bzimage(tpath("bz"), &o);
	assert_int_equal(probe(tpath("bz"), &kind, why, sizeof(why)), 0);
	assert_int_equal(kind, KERNEL_BZIMAGE);
}

static void test_probe_elf(void **state)
{
	static const enum note_mode modes[] = { NOTE_PHDR4, NOTE_PHDR8, NOTE_SECTION };
	struct elf_opts o = elf_defaults();
	enum kernel_kind kind;
	char why[128];
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		o.note = modes[i];
		make_elf(tpath("elf"), &o);
		kind = KERNEL_UNKNOWN;
		assert_int_equal(probe(tpath("elf"), &kind, why, sizeof(why)), 0);
		assert_int_equal(kind, KERNEL_PVH_ELF);
	}
}

static void test_probe_not_kernels(void **state)
{
	enum kernel_kind kind = KERNEL_BZIMAGE;
	uint8_t junk[4096];
	char why[128] = "";

	(void)state;
	assert_int_equal(boot__probe_kernel(tpath("does-not-exist"), &kind, why, sizeof(why)), -ENOENT);
	assert_int_equal(kind, KERNEL_UNKNOWN);
	assert_non_null(strstr(why, "cannot open"));

	expect_reject(tmpdir, "not a regular file");
	assert_int_equal(mkfifo(tpath("fifo"), 0600), 0);
	expect_reject(tpath("fifo"), "not a regular file");	/* and no hang */

	write_file(tpath("empty"), "", 0);
	expect_reject(tpath("empty"), "too short");
	memset(junk, 'x', sizeof(junk));
	write_file(tpath("short"), junk, 100);
	expect_reject(tpath("short"), "too short");
	write_file(tpath("junk"), junk, sizeof(junk));
	expect_reject(tpath("junk"), "not a bzImage or ELF vmlinux");

	/* A tiny @why must be truncated, not overrun (ASan watches). */
	kind = KERNEL_BZIMAGE;
	assert_int_equal(boot__probe_kernel(tpath("junk"), &kind, why, 8), -ENOEXEC);
	assert_int_equal(strlen(why), 7);
	assert_int_equal(boot__probe_kernel(tpath("junk"), &kind, NULL, 0), -ENOEXEC);
}

static void test_probe_bad_bzimage(void **state)
{
	struct bz_opts o;

	(void)state;
	o = bz_defaults();
	o.boot_flag = 0x1234;
	make_bzimage(tpath("bz-flag"), &o);
	expect_reject(tpath("bz-flag"), "not a bzImage");

	o = bz_defaults();
	o.magic = 0x12345678;
	make_bzimage(tpath("bz-magic"), &o);
	expect_reject(tpath("bz-magic"), "not a bzImage");

	o = bz_defaults();
	o.version = 0x020b;
	make_bzimage(tpath("bz-old"), &o);
	expect_reject(tpath("bz-old"), "2.11 is too old");

	o = bz_defaults();
	o.xlf = XLF_CAN_BE_LOADED_ABOVE_4G;
	make_bzimage(tpath("bz-32"), &o);
	expect_reject(tpath("bz-32"), "XLF_KERNEL_64");

	o = bz_defaults();
	o.relocatable = 0;
	make_bzimage(tpath("bz-fixed"), &o);
	expect_reject(tpath("bz-fixed"), "not relocatable");

	o = bz_defaults();
	o.align = 0x3000;
	make_bzimage(tpath("bz-align"), &o);
	expect_reject(tpath("bz-align"), "kernel_alignment");

	o = bz_defaults();
	o.truncate = 0x240;		/* "HdrS" and version present, init_size cut */
	make_bzimage(tpath("bz-hdr"), &o);
	expect_reject(tpath("bz-hdr"), "truncated bzImage: setup header");

	o = bz_defaults();
	o.truncate = 1024;		/* setup sectors only, no kernel */
	make_bzimage(tpath("bz-nokernel"), &o);
	expect_reject(tpath("bz-nokernel"), "truncated bzImage: protected-mode code");
}

static void test_probe_bad_elf(void **state)
{
	struct elf_opts o;

	(void)state;
	o = elf_defaults();
	o.cls = ELFCLASS32;
	make_elf(tpath("elf32"), &o);
	expect_reject(tpath("elf32"), "not 64-bit");

	o = elf_defaults();
	o.machine = EM_AARCH64;
	make_elf(tpath("elf-arm"), &o);
	expect_reject(tpath("elf-arm"), "not x86_64");

	o = elf_defaults();
	o.type = ET_REL;
	make_elf(tpath("elf-rel"), &o);
	expect_reject(tpath("elf-rel"), "not an executable");

	o = elf_defaults();
	o.note = NOTE_NONE;
	make_elf(tpath("elf-nonote"), &o);
	expect_reject(tpath("elf-nonote"), "without PVH entry note");

	o = elf_defaults();
	o.truncate = 40;
	make_elf(tpath("elf-hdr"), &o);
	expect_reject(tpath("elf-hdr"), "truncated ELF header");

	o = elf_defaults();
	o.truncate = 0x80;		/* program headers cut */
	make_elf(tpath("elf-ph"), &o);
	expect_reject(tpath("elf-ph"), "truncated ELF: program headers");

	o = elf_defaults();
	o.seg1_offset = ELF_SIZE - 0x800;	/* 0x1000 bytes from here: past EOF */
	make_elf(tpath("elf-seg"), &o);
	expect_reject(tpath("elf-seg"), "truncated ELF: segment 1");

	o = elf_defaults();
	o.seg1_offset = UINT64_MAX - 0x10;	/* offset + size wraps */
	make_elf(tpath("elf-wrap"), &o);
	expect_reject(tpath("elf-wrap"), "truncated ELF: segment 1");

	o = elf_defaults();
	o.seg1_filesz = 0x6000;
	o.seg1_memsz = 0x1000;
	make_elf(tpath("elf-bss"), &o);
	expect_reject(tpath("elf-bss"), "p_filesz > p_memsz");

	o = elf_defaults();
	o.truncate = ELF_NOTES + 0x10;	/* PT_NOTE past EOF */
	make_elf(tpath("elf-notes-eof"), &o);
	/* Segments are checked first; they are past EOF too. */
	expect_reject(tpath("elf-notes-eof"), "truncated ELF");

	o = elf_defaults();
	o.note_cut = 24 + 12 + 4 + 2;	/* first note (24 bytes), then half of the PVH note */
	make_elf(tpath("elf-note-cut"), &o);
	expect_reject(tpath("elf-note-cut"), "truncated ELF note");

	o = elf_defaults();
	o.note_cut = 24 + 6;		/* inside the PVH note's header */
	make_elf(tpath("elf-note-hdr"), &o);
	expect_reject(tpath("elf-note-hdr"), "truncated ELF note header");

	o = elf_defaults();
	o.entry_off = 0x100000;		/* not in any segment */
	make_elf(tpath("elf-entry"), &o);
	expect_reject(tpath("elf-entry"), "not inside a loadable segment");
}

/* --------------------------------------------------------------- e820 */

static void check_e820(const struct e820_entry *e, unsigned i, uint64_t addr, uint64_t end, uint32_t type)
{
	assert_int_equal(e[i].addr, addr);
	assert_int_equal(e[i].addr + e[i].size, end);
	assert_int_equal(e[i].type, type);
}

static void test_e820(void **state)
{
	struct e820_entry e[E820_MAX];
	struct guest g;
	int n;

	(void)state;
	guest_init(&g, MiB(128));
	n = boot__e820(&g.mem, e, E820_MAX);
	assert_int_equal(n, 4);
	check_e820(e, 0, 0, LAYOUT_LOWMEM_END, E820_RAM);
	check_e820(e, 1, LAYOUT_LOWMEM_END, LAYOUT_HIGHMEM, E820_RESERVED);
	check_e820(e, 2, LAYOUT_HIGHMEM, MiB(128), E820_RAM);
	check_e820(e, 3, LAYOUT_ECAM, LAYOUT_ECAM + LAYOUT_ECAM_SIZE, E820_RESERVED);
	/* The ACPI tables sit in the reserved legacy hole. */
	assert_true(LAYOUT_ACPI >= e[1].addr && LAYOUT_ACPI + LAYOUT_ACPI_SIZE <= e[1].addr + e[1].size);
	assert_int_equal(boot__e820(&g.mem, e, 3), -ENOSPC);
	guest_fini(&g);

	guest_init(&g, GiB(3));
	n = boot__e820(&g.mem, e, E820_MAX);
	assert_int_equal(n, 4);
	check_e820(e, 2, LAYOUT_HIGHMEM, GiB(3), E820_RAM);
	check_e820(e, 3, LAYOUT_ECAM, LAYOUT_ECAM + LAYOUT_ECAM_SIZE, E820_RESERVED);
	guest_fini(&g);

	guest_init(&g, GiB(8));
	n = boot__e820(&g.mem, e, E820_MAX);
	assert_int_equal(n, 5);
	check_e820(e, 0, 0, LAYOUT_LOWMEM_END, E820_RAM);
	check_e820(e, 1, LAYOUT_LOWMEM_END, LAYOUT_HIGHMEM, E820_RESERVED);
	check_e820(e, 2, LAYOUT_HIGHMEM, GiB(3), E820_RAM);
	check_e820(e, 3, LAYOUT_ECAM, LAYOUT_ECAM + LAYOUT_ECAM_SIZE, E820_RESERVED);
	check_e820(e, 4, LAYOUT_RAM_ABOVE_4G, LAYOUT_RAM_ABOVE_4G + GiB(5), E820_RAM);
	assert_int_equal(boot__e820(&g.mem, e, 4), -ENOSPC);
	guest_fini(&g);

	/* Two NUMA nodes back to back below the hole read as one range. */
	memset(&g, 0, sizeof(g));
	gmem__init(&g.mem);
	guest_add(&g, 0, MiB(64));
	guest_add(&g, MiB(64), MiB(64));
	n = boot__e820(&g.mem, e, E820_MAX);
	assert_int_equal(n, 4);
	check_e820(e, 2, LAYOUT_HIGHMEM, MiB(128), E820_RAM);
	guest_fini(&g);
}

/* Persistent memory: its own type 7 entry, never merged with RAM it touches;
 * placed 1 GiB aligned above RAM and 4 GiB. */
static void test_e820_pmem(void **state)
{
	static uint8_t backing[4096];	/* never dereferenced by boot__e820 */
	struct e820_entry e[E820_MAX];
	struct guest g;
	int n;

	(void)state;
	/* Not below 4 GiB, on 1 GiB boundaries, one after the other. */
	assert_int_equal(layout__pmem_base(MiB(128)), LAYOUT_RAM_ABOVE_4G);
	assert_int_equal(layout__pmem_base(LAYOUT_RAM_ABOVE_4G), LAYOUT_RAM_ABOVE_4G);
	assert_int_equal(layout__pmem_base(LAYOUT_RAM_ABOVE_4G + MiB(64)),
			 LAYOUT_RAM_ABOVE_4G + GiB(1));
	assert_int_equal(layout__pmem_base(LAYOUT_RAM_ABOVE_4G + GiB(1) + MiB(1)),
			 LAYOUT_RAM_ABOVE_4G + GiB(2));

	guest_init(&g, GiB(5));	/* RAM up to 4G + 2G */
	gmem__add_pmem(&g.mem, LAYOUT_RAM_ABOVE_4G + GiB(2), MiB(64), backing, 0, 0);
	n = boot__e820(&g.mem, e, E820_MAX);
	assert_int_equal(n, 6);
	check_e820(e, 4, LAYOUT_RAM_ABOVE_4G, LAYOUT_RAM_ABOVE_4G + GiB(2), E820_RAM);
	check_e820(e, 5, LAYOUT_RAM_ABOVE_4G + GiB(2), LAYOUT_RAM_ABOVE_4G + GiB(2) + MiB(64),
		   E820_PMEM);
	assert_int_equal(gmem__end(&g.mem), LAYOUT_RAM_ABOVE_4G + GiB(2));
	assert_int_equal(gmem__total(&g.mem), GiB(5));
	assert_int_equal(gmem__top(&g.mem), LAYOUT_RAM_ABOVE_4G + GiB(2) + MiB(64));
	guest_fini(&g);
}

/* ------------------------------------------------------------ bzImage */

static int load(struct guest *g, const char *kernel, const char *initrd, const char *cmdline,
		struct boot_info *info)
{
	struct boot_params_in in = {
		.kernel = kernel, .initrd = initrd, .cmdline = cmdline, .rsdp = LAYOUT_ACPI,
	};

	return boot__load(&g->mem, &in, info);
}

static void test_bz_zero_page(void **state)
{
	struct e820_entry e[E820_MAX];
	const char *cmdline = "console=ttyS0 root=/dev/vda quiet";
	struct bz_opts o = bz_defaults();
	struct boot_params *zp;
	struct boot_info info;
	struct guest g;
	uint8_t *k;
	int i, n;

	(void)state;
	make_bzimage(tpath("bz"), &o);
	make_initrd(tpath("initrd"), 10000);
	guest_init(&g, MiB(128));
	assert_int_equal(load(&g, tpath("bz"), tpath("initrd"), cmdline, &info), 0);

	assert_int_equal(info.kind, KERNEL_BZIMAGE);
	assert_int_equal(info.entry, KBASE + 0x200);
	assert_int_equal(info.boot_data, LAYOUT_ZERO_PAGE);
	assert_int_equal(info.kernel_end, KBASE + o.init_size);
	assert_int_equal(info.initrd_addr, ALIGN_DOWN(MiB(128) - 10000, SZ_4K));
	assert_int_equal(info.initrd_size, 10000);
	check_initrd(&g.mem, info.initrd_addr, 10000);

	/* Protected-mode code copied to the load address. */
	k = gmem__ptr(&g.mem, KBASE, o.pm_size);
	assert_non_null(k);
	for (i = 0; i < (int)o.pm_size; i++)
		assert_int_equal(k[i], pm_byte(i));

	zp = gmem__ptr(&g.mem, LAYOUT_ZERO_PAGE, sizeof(*zp));
	assert_non_null(zp);
	assert_int_equal(zp->hdr.header, 0x53726448);
	assert_int_equal(zp->hdr.boot_flag, 0xaa55);
	assert_int_equal(zp->hdr.version, 0x020f);
	assert_int_equal(zp->hdr.init_size, o.init_size);
	assert_int_equal(zp->hdr.pref_address, o.pref);
	assert_int_equal(zp->hdr.kernel_info_offset, 0);	/* past the header end */
	assert_int_equal(zp->hdr.type_of_loader, 0xff);
	assert_int_equal(zp->hdr.vid_mode, 0xffff);
	assert_int_equal(zp->sentinel, 0);
	assert_int_equal(zp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
	assert_int_equal(zp->ext_cmd_line_ptr, 0);
	assert_string_equal((char *)gmem__ptr(&g.mem, LAYOUT_CMDLINE, strlen(cmdline) + 1), cmdline);
	assert_int_equal(zp->hdr.ramdisk_image, info.initrd_addr);
	assert_int_equal(zp->hdr.ramdisk_size, 10000);
	assert_int_equal(zp->ext_ramdisk_image, 0);
	assert_int_equal(zp->ext_ramdisk_size, 0);
	assert_int_equal(zp->acpi_rsdp_addr, LAYOUT_ACPI);

	n = boot__e820(&g.mem, e, E820_MAX);
	assert_int_equal(zp->e820_entries, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(zp->e820_table[i].addr, e[i].addr);
		assert_int_equal(zp->e820_table[i].size, e[i].size);
		assert_int_equal(zp->e820_table[i].type, e[i].type);
	}
	guest_fini(&g);

	/* Protocol 2.12 has no acpi_rsdp_addr; no initrd leaves the fields 0. */
	o.version = 0x020c;
	make_bzimage(tpath("bz"), &o);
	guest_init(&g, MiB(128));
	assert_int_equal(load(&g, tpath("bz"), NULL, NULL, &info), 0);
	zp = gmem__ptr(&g.mem, LAYOUT_ZERO_PAGE, sizeof(*zp));
	assert_int_equal(zp->acpi_rsdp_addr, 0);
	assert_int_equal(zp->hdr.ramdisk_image, 0);
	assert_int_equal(zp->hdr.ramdisk_size, 0);
	assert_int_equal(info.initrd_addr, 0);
	assert_string_equal((char *)gmem__ptr(&g.mem, LAYOUT_CMDLINE, 1), "");
	guest_fini(&g);
}

static uint64_t bz_entry_for(struct bz_opts *o, uint64_t mem, int *ret)
{
	struct boot_info info;
	struct guest g;

	make_bzimage(tpath("bz-addr"), o);
	guest_init(&g, mem);
	*ret = load(&g, tpath("bz-addr"), NULL, "", &info);
	guest_fini(&g);
	return info.entry;
}

static void test_bz_load_address(void **state)
{
	struct bz_opts o = bz_defaults();
	int ret;

	(void)state;
	/* pref_address fits: used as is. */
	o.pref = MiB(32);
	assert_int_equal(bz_entry_for(&o, MiB(128), &ret), MiB(32) + 0x200);
	assert_int_equal(ret, 0);

	/* pref_address on top of the boot structures below 1 MiB: lowest
	 * aligned address from 16 MiB instead. */
	o.pref = 0x80000;
	assert_int_equal(bz_entry_for(&o, MiB(128), &ret), MiB(16) + 0x200);
	assert_int_equal(ret, 0);
	o.align = MiB(32);
	assert_int_equal(bz_entry_for(&o, MiB(128), &ret), MiB(32) + 0x200);
	assert_int_equal(ret, 0);

	/* init_size does not fit below the end of RAM. */
	o = bz_defaults();
	o.init_size = MiB(64);
	assert_int_equal(bz_entry_for(&o, MiB(80), &ret), KBASE + 0x200);
	assert_int_equal(ret, 0);
	bz_entry_for(&o, MiB(64), &ret);
	assert_int_equal(ret, -ENOMEM);

	/* The kernel never runs below its pref_address (LOAD_PHYSICAL_ADDR),
	 * so a pref_address past the end of RAM cannot be helped. */
	o = bz_defaults();
	o.pref = MiB(256);
	bz_entry_for(&o, MiB(128), &ret);
	assert_int_equal(ret, -ENOMEM);

	/* Less than 1 MiB of guest RAM. */
	o = bz_defaults();
	bz_entry_for(&o, 0x80000, &ret);
	assert_int_equal(ret, -ENOMEM);
}

static void test_bz_cmdline_too_long(void **state)
{
	struct bz_opts o = bz_defaults();
	struct boot_info info;
	struct guest g;

	(void)state;
	o.cmdline_size = 16;
	make_bzimage(tpath("bz-cmd"), &o);
	guest_init(&g, MiB(64));
	assert_int_equal(load(&g, tpath("bz-cmd"), NULL, "0123456789abcdefX", &info), -E2BIG);
	assert_int_equal(info.kind, KERNEL_UNKNOWN);
	assert_int_equal(load(&g, tpath("bz-cmd"), NULL, "0123456789abcdef", &info), 0);
	assert_string_equal((char *)gmem__ptr(&g.mem, LAYOUT_CMDLINE, 17), "0123456789abcdef");
	guest_fini(&g);
}

static void test_bz_load_errors(void **state)
{
	struct bz_opts o;
	struct boot_info info;
	struct guest g;
	uint8_t junk[600];

	(void)state;
	guest_init(&g, MiB(64));
	assert_int_equal(load(&g, tpath("nope"), NULL, "", &info), -ENOENT);
	memset(junk, 0, sizeof(junk));
	write_file(tpath("zeros"), junk, sizeof(junk));
	assert_int_equal(load(&g, tpath("zeros"), NULL, "", &info), -ENOEXEC);
	make_bzimage(tpath("bz"), &(struct bz_opts){ 0 });
	assert_int_equal(load(&g, tpath("bz"), NULL, "", &info), -ENOEXEC);
	/* Missing and empty initrds are errors, not silently ignored. */
	o = bz_defaults();
	make_bzimage(tpath("bz"), &o);
	assert_int_equal(load(&g, tpath("bz"), tpath("no-initrd"), "", &info), -ENOENT);
	write_file(tpath("empty-initrd"), "", 0);
	assert_int_equal(load(&g, tpath("bz"), tpath("empty-initrd"), "", &info), -EINVAL);
	assert_int_equal(load(&g, tpath("bz"), tmpdir, "", &info), -ENOEXEC);
	guest_fini(&g);
}

/* ------------------------------------------------------------- initrd */

static uint64_t initrd_for(struct bz_opts *o, uint64_t mem, uint64_t size, int *ret)
{
	struct boot_info info;
	struct guest g;

	make_bzimage(tpath("bz-rd"), o);
	make_initrd(tpath("initrd-rd"), size);
	guest_init(&g, mem);
	*ret = load(&g, tpath("bz-rd"), tpath("initrd-rd"), "", &info);
	if (*ret == 0) {
		assert_int_equal(info.initrd_size, size);
		assert_int_equal(info.initrd_addr % SZ_4K, 0);
		assert_true(info.initrd_addr >= info.kernel_end);
		check_initrd(&g.mem, info.initrd_addr, size);
	}
	guest_fini(&g);
	return info.initrd_addr;
}

static void test_initrd_placement(void **state)
{
	struct bz_opts o = bz_defaults();
	int ret;

	(void)state;
	/* Top of RAM, page aligned. */
	assert_int_equal(initrd_for(&o, MiB(128), MiB(8) + 1, &ret), ALIGN_DOWN(MiB(120) - 1, SZ_4K));
	assert_int_equal(ret, 0);
	/* Below 3 GiB guest: top of RAM even above initrd_addr_max when the
	 * kernel says it can take any address. */
	assert_int_equal(initrd_for(&o, MiB(2560), MiB(16), &ret), MiB(2560) - MiB(16));
	assert_int_equal(ret, 0);
	assert_int_equal(initrd_for(&o, GiB(3), MiB(16), &ret), GiB(3) - MiB(16));
	assert_int_equal(ret, 0);
	/* More than 4 GiB: stays below the 32-bit hole, not at the end of RAM. */
	assert_int_equal(initrd_for(&o, GiB(8), MiB(16), &ret), GiB(3) - MiB(16));
	assert_int_equal(ret, 0);

	/* Without XLF_CAN_BE_LOADED_ABOVE_4G, initrd_addr_max is the limit. */
	o.xlf = XLF_KERNEL_64;
	assert_int_equal(initrd_for(&o, GiB(3), MiB(16), &ret), GiB(2) - MiB(16));
	assert_int_equal(ret, 0);
	o.initrd_addr_max = 0x37ffffff;
	assert_int_equal(initrd_for(&o, GiB(8), MiB(16), &ret), 0x38000000 - MiB(16));
	assert_int_equal(ret, 0);
	/* ... unless RAM ends first. */
	assert_int_equal(initrd_for(&o, MiB(512), MiB(16), &ret), MiB(496));
	assert_int_equal(ret, 0);

	/* Does not fit above the kernel (16 MiB + 4 MiB init_size). */
	o = bz_defaults();
	initrd_for(&o, MiB(64), MiB(45), &ret);
	assert_int_equal(ret, -ENOMEM);
	assert_int_equal(initrd_for(&o, MiB(64), MiB(44), &ret), MiB(20));
	assert_int_equal(ret, 0);
}

/* RAM below the hole in two back-to-back regions (two NUMA nodes): the
 * initrd may straddle them. */
static void test_initrd_spans_regions(void **state)
{
	struct bz_opts o = bz_defaults();
	struct boot_info info;
	struct guest g;

	(void)state;
	make_bzimage(tpath("bz"), &o);
	make_initrd(tpath("initrd-big"), MiB(40));
	memset(&g, 0, sizeof(g));
	gmem__init(&g.mem);
	guest_add(&g, 0, MiB(32));
	guest_add(&g, MiB(32), MiB(32));
	assert_int_equal(load(&g, tpath("bz"), tpath("initrd-big"), "", &info), 0);
	assert_int_equal(info.initrd_addr, MiB(24));
	check_initrd(&g.mem, MiB(24), MiB(40));
	guest_fini(&g);
}

/* ------------------------------------------------ page tables and GDT */

static void test_bz_page_tables(void **state)
{
	struct bz_opts o = bz_defaults();
	struct boot_info info;
	uint64_t *pml4, *pdpt, *pd;
	struct guest g;
	unsigned i;

	(void)state;
	make_bzimage(tpath("bz"), &o);
	guest_init(&g, MiB(128));
	assert_int_equal(load(&g, tpath("bz"), NULL, "", &info), 0);

	pml4 = gmem__ptr(&g.mem, LAYOUT_PML4, SZ_4K);
	pdpt = gmem__ptr(&g.mem, LAYOUT_PDPT, SZ_4K);
	pd = gmem__ptr(&g.mem, LAYOUT_PD, 4 * SZ_4K);
	assert_non_null(pml4);
	assert_non_null(pdpt);
	assert_non_null(pd);
	assert_int_equal(pml4[0], LAYOUT_PDPT | 0x3);
	for (i = 1; i < 512; i++)
		assert_int_equal(pml4[i], 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pdpt[i], (LAYOUT_PD + i * SZ_4K) | 0x3);
	for (i = 4; i < 512; i++)
		assert_int_equal(pdpt[i], 0);
	/* 2048 2 MiB pages: present, writable, PS, identity. */
	for (i = 0; i < 2048; i++)
		assert_int_equal(pd[i], ((uint64_t)i << 21) | 0x83);
	/* Spot-check a walk: the LAPIC page maps to itself. */
	assert_int_equal(pd[(LAYOUT_LAPIC >> 30) * 512 + ((LAYOUT_LAPIC >> 21) & 511)] & ~0xfffULL,
			 LAYOUT_LAPIC & ~(SZ_2M - 1));
	/* The tables do not overlap the zero page, cmdline or the kernel. */
	assert_true(LAYOUT_PD + 4 * SZ_4K <= LAYOUT_CMDLINE);
	assert_true(LAYOUT_ZERO_PAGE + SZ_4K <= LAYOUT_PML4);
	guest_fini(&g);
}

/* Decode a GDT descriptor independently of the code under test. */
static void decode_desc(uint64_t d, struct kvm_segment *s)
{
	memset(s, 0, sizeof(*s));
	s->base = (uint32_t)(((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24));
	s->limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
	s->type = (d >> 40) & 0xf;
	s->s = (d >> 44) & 1;
	s->dpl = (d >> 45) & 3;
	s->present = (d >> 47) & 1;
	s->avl = (d >> 52) & 1;
	s->l = (d >> 53) & 1;
	s->db = (d >> 54) & 1;
	s->g = (d >> 55) & 1;
	if (s->g)
		s->limit = (s->limit << 12) | 0xfff;
}

/* A segment register must be exactly what loading its selector from the
 * GDT in guest memory would give. */
static void check_seg_matches_gdt(const struct gmem *m, const struct kvm_sregs *sr,
				  const struct kvm_segment *seg)
{
	struct kvm_segment want;
	uint64_t d;

	assert_true(seg->selector + 8u <= sr->gdt.limit + 1u);
	assert_int_equal(gmem__read(m, sr->gdt.base + seg->selector, &d, 8), 0);
	decode_desc(d, &want);
	assert_int_equal(seg->base, want.base);
	assert_int_equal(seg->limit, want.limit);
	assert_int_equal(seg->type, want.type);
	assert_int_equal(seg->s, want.s);
	assert_int_equal(seg->dpl, want.dpl);
	assert_int_equal(seg->present, want.present);
	assert_int_equal(seg->l, want.l);
	assert_int_equal(seg->db, want.db);
	assert_int_equal(seg->g, want.g);
	assert_int_equal(seg->avl, want.avl);
	assert_int_equal(seg->unusable, 0);
}

static void check_data_segs(const struct gmem *m, const struct kvm_sregs *sr)
{
	const struct kvm_segment *segs[] = { &sr->ds, &sr->es, &sr->fs, &sr->gs, &sr->ss };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		assert_int_equal(segs[i]->selector, 0x10);
		assert_int_equal(segs[i]->type, 0x3);	/* read/write, accessed */
		assert_int_equal(segs[i]->s, 1);
		assert_int_equal(segs[i]->db, 1);
		assert_int_equal(segs[i]->base, 0);
		assert_int_equal(segs[i]->limit, 0xffffffff);
		check_seg_matches_gdt(m, sr, segs[i]);
	}
}

static void test_bz_sregs_regs(void **state)
{
	struct bz_opts o = bz_defaults();
	struct boot_info info;
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct guest g;

	(void)state;
	make_bzimage(tpath("bz"), &o);
	guest_init(&g, MiB(128));
	assert_int_equal(load(&g, tpath("bz"), NULL, "", &info), 0);

	/* As from KVM_GET_SREGS: fields we do not own must survive. */
	memset(&sr, 0, sizeof(sr));
	sr.apic_base = 0xfee00900;
	sr.cr0 = 0x60000010;
	boot__setup_sregs(&info, &sr);
	assert_int_equal(sr.apic_base, 0xfee00900);

	assert_int_equal(sr.cr0, 0x80000011);	/* PG | ET | PE, no CD/NW */
	assert_int_equal(sr.cr3, LAYOUT_PML4);
	assert_int_equal(sr.cr4, 0x20);		/* PAE */
	assert_int_equal(sr.efer, 0x500);	/* LMA | LME */
	assert_int_equal(sr.gdt.base, LAYOUT_GDT);
	assert_int_equal(sr.gdt.limit, 5 * 8 - 1);
	assert_int_equal(sr.idt.base, 0);

	assert_int_equal(sr.cs.selector, 0x08);
	assert_int_equal(sr.cs.type, 0xb);
	assert_int_equal(sr.cs.l, 1);
	assert_int_equal(sr.cs.db, 0);
	assert_int_equal(sr.cs.present, 1);
	assert_int_equal(sr.cs.s, 1);
	assert_int_equal(sr.cs.limit, 0xffffffff);
	check_seg_matches_gdt(&g.mem, &sr, &sr.cs);
	check_data_segs(&g.mem, &sr);
	assert_int_equal(sr.tr.selector, 0x18);
	assert_int_equal(sr.tr.type, 0xb);	/* 64-bit TSS, busy */
	assert_int_equal(sr.tr.s, 0);
	assert_int_equal(sr.tr.present, 1);
	assert_int_equal(sr.tr.limit, 0x67);
	check_seg_matches_gdt(&g.mem, &sr, &sr.tr);
	{
		uint64_t hi = 1;	/* upper half of the 16-byte TSS descriptor */

		assert_int_equal(gmem__read(&g.mem, LAYOUT_GDT + 0x20, &hi, 8), 0);
		assert_int_equal(hi, 0);
	}

	memset(&r, 0xff, sizeof(r));
	boot__setup_regs(&info, &r);
	assert_int_equal(r.rip, KBASE + 0x200);
	assert_int_equal(r.rsi, LAYOUT_ZERO_PAGE);
	assert_int_equal(r.rflags, 0x2);
	assert_int_equal(r.rbx, 0);
	assert_int_equal(r.rsp % 16, 0);
	/* The stack grows down through free RAM, clear of GDT and zero page. */
	assert_true(r.rsp > LAYOUT_GDT + 0x100 && r.rsp <= LAYOUT_ZERO_PAGE);
	guest_fini(&g);
}

/* ---------------------------------------------------------------- PVH */

static void test_pvh_load(void **state)
{
	const char *cmdline = "console=ttyS0 earlyprintk=ttyS0";
	struct elf_opts o = elf_defaults();
	struct e820_entry e[E820_MAX];
	struct hvm_memmap_table_entry *map;
	struct hvm_modlist_entry *mod;
	struct hvm_start_info *si;
	struct boot_info info;
	struct guest g;
	uint8_t *p;
	int i, n;

	(void)state;
	make_elf(tpath("elf"), &o);
	make_initrd(tpath("initrd"), 5000);
	guest_init(&g, MiB(128));
	/* Stale bytes where the bss goes: the loader must clear them. */
	memset(gmem__ptr(&g.mem, SEG1_PADDR, o.seg1_memsz), 0xaa, o.seg1_memsz);
	assert_int_equal(load(&g, tpath("elf"), tpath("initrd"), cmdline, &info), 0);

	assert_int_equal(info.kind, KERNEL_PVH_ELF);
	assert_int_equal(info.entry, KBASE + 0x100);
	assert_int_equal(info.boot_data, LAYOUT_ZERO_PAGE);
	assert_int_equal(info.kernel_end, SEG1_PADDR + o.seg1_memsz);
	assert_int_equal(info.initrd_addr, ALIGN_DOWN(MiB(128) - 5000, SZ_4K));
	check_initrd(&g.mem, info.initrd_addr, 5000);

	p = gmem__ptr(&g.mem, KBASE, ELF_SEG0_SIZE);
	for (i = 0; i < ELF_SEG0_SIZE; i++)
		assert_int_equal(p[i], elf_byte(ELF_SEG0 + i));
	p = gmem__ptr(&g.mem, SEG1_PADDR, o.seg1_memsz);
	for (i = 0; i < (int)o.seg1_filesz; i++)
		assert_int_equal(p[i], elf_byte(ELF_SEG1 + i));
	for (; i < (int)o.seg1_memsz; i++)
		assert_int_equal(p[i], 0);

	si = gmem__ptr(&g.mem, LAYOUT_ZERO_PAGE, sizeof(*si));
	assert_int_equal(si->magic, 0x336ec578);
	assert_int_equal(si->version, 1);
	assert_int_equal(si->flags, 0);
	assert_int_equal(si->cmdline_paddr, LAYOUT_CMDLINE);
	assert_string_equal((char *)gmem__ptr(&g.mem, LAYOUT_CMDLINE, strlen(cmdline) + 1), cmdline);
	assert_int_equal(si->rsdp_paddr, LAYOUT_ACPI);
	assert_int_equal(si->nr_modules, 1);
	assert_int_equal(si->modlist_paddr, LAYOUT_PVH_MODLIST);
	mod = gmem__ptr(&g.mem, LAYOUT_PVH_MODLIST, sizeof(*mod));
	assert_int_equal(mod->paddr, info.initrd_addr);
	assert_int_equal(mod->size, 5000);
	assert_int_equal(mod->cmdline_paddr, 0);
	assert_int_equal(si->memmap_paddr, LAYOUT_PVH_MEMMAP);
	n = boot__e820(&g.mem, e, E820_MAX);
	assert_int_equal(si->memmap_entries, n);
	map = gmem__ptr(&g.mem, LAYOUT_PVH_MEMMAP, n * sizeof(*map));
	for (i = 0; i < n; i++) {
		assert_int_equal(map[i].addr, e[i].addr);
		assert_int_equal(map[i].size, e[i].size);
		assert_int_equal(map[i].type, e[i].type);
		assert_int_equal(map[i].reserved, 0);
	}
	guest_fini(&g);

	/* No initrd: no module list. 8-byte note and section notes work too. */
	o.note = NOTE_PHDR8;
	make_elf(tpath("elf"), &o);
	guest_init(&g, MiB(128));
	assert_int_equal(load(&g, tpath("elf"), NULL, NULL, &info), 0);
	si = gmem__ptr(&g.mem, LAYOUT_ZERO_PAGE, sizeof(*si));
	assert_int_equal(si->nr_modules, 0);
	assert_int_equal(si->modlist_paddr, 0);
	assert_int_equal(info.initrd_size, 0);
	assert_int_equal(info.entry, KBASE + 0x100);
	guest_fini(&g);

	o.note = NOTE_SECTION;
	make_elf(tpath("elf"), &o);
	guest_init(&g, GiB(8));
	make_initrd(tpath("initrd"), MiB(3));
	assert_int_equal(load(&g, tpath("elf"), tpath("initrd"), "", &info), 0);
	assert_int_equal(info.entry, KBASE + 0x100);
	assert_int_equal(info.initrd_addr, GiB(3) - MiB(3));
	si = gmem__ptr(&g.mem, LAYOUT_ZERO_PAGE, sizeof(*si));
	assert_int_equal(si->memmap_entries, 5);
	guest_fini(&g);
}

static void test_pvh_sregs_regs(void **state)
{
	struct elf_opts o = elf_defaults();
	struct boot_info info;
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct guest g;

	(void)state;
	make_elf(tpath("elf"), &o);
	guest_init(&g, MiB(64));
	assert_int_equal(load(&g, tpath("elf"), NULL, "", &info), 0);

	memset(&sr, 0, sizeof(sr));
	sr.apic_base = 0xfee00900;
	sr.cr0 = 0x60000010;
	sr.efer = 0x500;
	boot__setup_sregs(&info, &sr);
	assert_int_equal(sr.apic_base, 0xfee00900);
	assert_int_equal(sr.cr0, 0x11);		/* PE | ET, paging off */
	assert_int_equal(sr.cr3, 0);
	assert_int_equal(sr.cr4, 0);
	assert_int_equal(sr.efer, 0);
	assert_int_equal(sr.gdt.base, LAYOUT_GDT);
	assert_int_equal(sr.gdt.limit, 4 * 8 - 1);

	assert_int_equal(sr.cs.selector, 0x08);
	assert_int_equal(sr.cs.type, 0xb);	/* execute/read, accessed */
	assert_int_equal(sr.cs.db, 1);
	assert_int_equal(sr.cs.l, 0);
	assert_int_equal(sr.cs.base, 0);
	assert_int_equal(sr.cs.limit, 0xffffffff);
	check_seg_matches_gdt(&g.mem, &sr, &sr.cs);
	check_data_segs(&g.mem, &sr);
	assert_int_equal(sr.tr.selector, 0x18);
	assert_int_equal(sr.tr.type, 0xb);	/* 32-bit TSS, busy */
	assert_int_equal(sr.tr.s, 0);
	assert_int_equal(sr.tr.limit, 0x67);
	check_seg_matches_gdt(&g.mem, &sr, &sr.tr);

	memset(&r, 0xff, sizeof(r));
	boot__setup_regs(&info, &r);
	assert_int_equal(r.rip, KBASE + 0x100);
	assert_int_equal(r.rbx, LAYOUT_ZERO_PAGE);
	assert_int_equal(r.rsi, 0);
	assert_int_equal(r.rflags, 0x2);
	guest_fini(&g);
}

static void test_pvh_bad_placement(void **state)
{
	struct elf_opts o;
	struct boot_info info;
	struct guest g;

	(void)state;
	guest_init(&g, MiB(64));
	o = elf_defaults();
	o.seg0_paddr = MiB(512);	/* beyond RAM */
	make_elf(tpath("elf-far"), &o);
	assert_int_equal(load(&g, tpath("elf-far"), NULL, "", &info), -ENOMEM);
	assert_int_equal(info.kind, KERNEL_UNKNOWN);

	o.seg0_paddr = MiB(64) - 0x1000;	/* straddles the end of RAM */
	make_elf(tpath("elf-edge"), &o);
	assert_int_equal(load(&g, tpath("elf-edge"), NULL, "", &info), -ENOMEM);

	o.seg0_paddr = 0x10000;		/* on top of the boot structures */
	make_elf(tpath("elf-low"), &o);
	assert_int_equal(load(&g, tpath("elf-low"), NULL, "", &info), -ENOMEM);

	o.seg0_paddr = UINT64_MAX - 0x1000;	/* wraps */
	o.entry_off = 0x10;
	make_elf(tpath("elf-wrap"), &o);
	assert_int_equal(load(&g, tpath("elf-wrap"), NULL, "", &info), -ENOEXEC);

	/* Malformed files fail the same way at load time as at probe time. */
	o = elf_defaults();
	o.seg1_offset = ELF_SIZE - 0x800;
	make_elf(tpath("elf-seg"), &o);
	assert_int_equal(load(&g, tpath("elf-seg"), NULL, "", &info), -ENOEXEC);
	o = elf_defaults();
	o.note_cut = 24 + 12 + 4 + 2;
	make_elf(tpath("elf-cut"), &o);
	assert_int_equal(load(&g, tpath("elf-cut"), NULL, "", &info), -ENOEXEC);

	/* Initrd that does not fit above the kernel. */
	o = elf_defaults();
	make_elf(tpath("elf"), &o);
	make_initrd(tpath("initrd-huge"), MiB(60));
	assert_int_equal(load(&g, tpath("elf"), tpath("initrd-huge"), "", &info), -ENOMEM);
	guest_fini(&g);
}

static void test_pvh_cmdline_too_long(void **state)
{
	struct elf_opts o = elf_defaults();
	struct boot_info info;
	struct guest g;
	char *cmd = malloc(LAYOUT_CMDLINE_MAX + 1);

	(void)state;
	assert_non_null(cmd);
	make_elf(tpath("elf"), &o);
	guest_init(&g, MiB(64));
	memset(cmd, 'a', LAYOUT_CMDLINE_MAX);
	cmd[LAYOUT_CMDLINE_MAX] = '\0';
	assert_int_equal(load(&g, tpath("elf"), NULL, cmd, &info), -E2BIG);
	cmd[LAYOUT_CMDLINE_MAX - 1] = '\0';	/* fills the area exactly */
	assert_int_equal(load(&g, tpath("elf"), NULL, cmd, &info), 0);
	assert_int_equal(strlen(gmem__ptr(&g.mem, LAYOUT_CMDLINE, LAYOUT_CMDLINE_MAX)),
			 LAYOUT_CMDLINE_MAX - 1);
	guest_fini(&g);
	free(cmd);
}

/* ------------------------------------------------ the real Debian kernel */

/* Path of the cached Debian bzImage, or NULL (then the test says skipped). */
static const char *real_kernel(char *buf, size_t len)
{
	const char *cache = getenv("MVMM_CACHE"), *home = getenv("HOME");
	char dir[512];
	struct dirent *de;
	DIR *d;

	if (cache && *cache)
		snprintf(dir, sizeof(dir), "%s/k/boot", cache);
	else
		snprintf(dir, sizeof(dir), "%s/.cache/mvmm/k/boot", home ? home : "");
	d = opendir(dir);
	if (!d) {
		print_message("      no kernel cache at %s\n", dir);
		return NULL;
	}
	buf[0] = '\0';
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vmlinuz-", 8)) {
			snprintf(buf, len, "%s/%s", dir, de->d_name);
			break;
		}
	closedir(d);
	if (!buf[0])
		print_message("      no vmlinuz-* in %s\n", dir);
	return buf[0] ? buf : NULL;
}

static void test_real_bzimage(void **state)
{
	struct boot_params *zp;
	struct boot_info info;
	enum kernel_kind kind;
	struct guest g;
	char path[768], why[256];

	(void)state;
	if (!real_kernel(path, sizeof(path))) {
		print_message("      SKIPPED: real Debian kernel not in the cache (run make deps / the guest tests first)\n");
		skip();
	}
	assert_int_equal(probe(path, &kind, why, sizeof(why)), 0);
	assert_int_equal(kind, KERNEL_BZIMAGE);

	make_initrd(tpath("initrd-real"), MiB(2));
	guest_init(&g, MiB(512));
	assert_int_equal(load(&g, path, tpath("initrd-real"), "console=ttyS0", &info), 0);
	zp = gmem__ptr(&g.mem, LAYOUT_ZERO_PAGE, sizeof(*zp));
	assert_true(zp->hdr.version >= 0x020c);
	assert_int_equal(info.entry, zp->hdr.pref_address + 0x200);
	assert_int_equal(info.kernel_end, zp->hdr.pref_address + zp->hdr.init_size);
	assert_int_equal(info.initrd_addr, MiB(510));
	assert_int_equal(zp->hdr.type_of_loader, 0xff);
	guest_fini(&g);
}

/* The ELF vmlinux is the bzImage's payload (LZ4 on Debian 6.1). */
static void test_real_pvh(void **state)
{
	struct boot_params *bp;
	struct hvm_start_info *si;
	struct boot_info info;
	enum kernel_kind kind;
	struct guest g;
	char path[768], why[256], cmd[2048];
	uint64_t off;
	uint8_t *img;
	FILE *f;
	long size;

	(void)state;
	if (!real_kernel(path, sizeof(path))) {
		print_message("      SKIPPED: real Debian kernel not in the cache\n");
		skip();
	}
	if (system("command -v lz4 >/dev/null 2>&1") != 0) {
		print_message("      SKIPPED: lz4 not installed (apt-get install lz4)\n");
		skip();
	}
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	img = malloc(size);
	assert_non_null(img);
	assert_int_equal(fread(img, 1, size, f), (size_t)size);
	fclose(f);
	bp = (struct boot_params *)img;
	off = ((uint64_t)(bp->hdr.setup_sects ? bp->hdr.setup_sects : 4) + 1) * 512 + bp->hdr.payload_offset;
	assert_true(bp->hdr.payload_length > 4);
	assert_true(off + bp->hdr.payload_length <= (uint64_t)size);
	/* The payload ends with the kernel's 4-byte uncompressed size
	 * (size_append), which lz4 would reject as a bad frame. */
	write_file(tpath("payload.lz4"), img + off, bp->hdr.payload_length - 4);
	free(img);
	snprintf(cmd, sizeof(cmd), "lz4 -dcq '%s' > '%s'", tpath("payload.lz4"), tpath("vmlinux"));
	if (system(cmd) != 0) {
		print_message("      SKIPPED: payload is not LZ4 (another kernel build?)\n");
		skip();
	}

	assert_int_equal(probe(tpath("vmlinux"), &kind, why, sizeof(why)), 0);
	assert_int_equal(kind, KERNEL_PVH_ELF);
	guest_init(&g, MiB(512));
	assert_int_equal(load(&g, tpath("vmlinux"), NULL, "console=ttyS0", &info), 0);
	assert_true(info.entry >= MiB(16) && info.entry < info.kernel_end);
	si = gmem__ptr(&g.mem, LAYOUT_ZERO_PAGE, sizeof(*si));
	assert_int_equal(si->magic, 0x336ec578);
	print_message("      PVH entry 0x%llx, kernel end 0x%llx\n",
		      (unsigned long long)info.entry, (unsigned long long)info.kernel_end);
	guest_fini(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_bzimage),
		cmocka_unit_test(test_probe_elf),
		cmocka_unit_test(test_probe_not_kernels),
		cmocka_unit_test(test_probe_bad_bzimage),
		cmocka_unit_test(test_probe_bad_elf),
		cmocka_unit_test(test_e820),
		cmocka_unit_test(test_e820_pmem),
		cmocka_unit_test(test_bz_zero_page),
		cmocka_unit_test(test_bz_load_address),
		cmocka_unit_test(test_bz_cmdline_too_long),
		cmocka_unit_test(test_bz_load_errors),
		cmocka_unit_test(test_initrd_placement),
		cmocka_unit_test(test_initrd_spans_regions),
		cmocka_unit_test(test_bz_page_tables),
		cmocka_unit_test(test_bz_sregs_regs),
		cmocka_unit_test(test_pvh_load),
		cmocka_unit_test(test_pvh_sregs_regs),
		cmocka_unit_test(test_pvh_bad_placement),
		cmocka_unit_test(test_pvh_cmdline_too_long),
		cmocka_unit_test(test_real_bzimage),
		cmocka_unit_test(test_real_pvh),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
