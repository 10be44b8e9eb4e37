/*
 * Kernel images: the input is the kernel file. It is probed as mvmm probes
 * --kernel, then loaded (bzImage setup header, or ELF vmlinux with its PVH
 * note and program headers) into 64 MiB of guest RAM with a small initrd,
 * and the boot vCPU's registers are derived. Guard pages around guest RAM
 * (PROT_NONE) turn any write outside it into a crash, so a header that
 * steers the loader outside guest memory is found even where ASan cannot
 * see (guest RAM is mmap'd, not malloc'd).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/boot.h"
#include "vmm/gmem.h"
#include "vmm/layout.h"

#define RAM_SIZE	(64ULL << 20)
#define GUARD		(1ULL << 20)

static char kernel[64], initrd[64];
static int kernel_fd = -1;
static uint8_t *ram;
static struct gmem mem;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir;
	static const char rd[] = "070701 fake initrd\n";
	uint8_t *map;
	int fd;

	(void)argc;
	(void)argv;
	dir = fz_scratch("boot");
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd", dir);
	fd = open(initrd, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FZ_CHECK(fd >= 0 && write(fd, rd, sizeof(rd)) == sizeof(rd));
	close(fd);
	kernel_fd = open(kernel, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FZ_CHECK(kernel_fd >= 0);
	map = mmap(NULL, RAM_SIZE + 2 * GUARD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	FZ_CHECK(map != MAP_FAILED);
	ram = map + GUARD;
	FZ_CHECK(mprotect(ram, RAM_SIZE, PROT_READ | PROT_WRITE) == 0);
	gmem__init(&mem);
	FZ_CHECK(gmem__add(&mem, 0, RAM_SIZE, ram, 0) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_params_in in = {
		.kernel = kernel, .initrd = size & 1 ? initrd : NULL,
		.cmdline = "console=ttyS0 root=/dev/vda", .rsdp = LAYOUT_ACPI,
	};
	struct boot_info info;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	enum kernel_kind kind;
	char why[256];

	FZ_CHECK(ftruncate(kernel_fd, 0) == 0);
	FZ_CHECK(pwrite(kernel_fd, data, size, 0) == (ssize_t)size);
	if (boot__probe_kernel(kernel, &kind, why, sizeof(why)) < 0)
		return 0;
	if (boot__load(&mem, &in, &info) < 0)
		return 0;
	FZ_CHECK(info.kind == kind);
	FZ_CHECK(info.entry < RAM_SIZE && info.kernel_end <= RAM_SIZE);
	memset(&sregs, 0, sizeof(sregs));
	boot__setup_sregs(&info, &sregs);
	boot__setup_regs(&info, &regs);
	return 0;
}
