/*
 * Kernel image identification: bzImage (Linux boot protocol >= 2.12 with a
 * 64-bit entry) or ELF vmlinux with a PVH entry note. Used by config
 * validation (boot__probe_kernel, before /dev/kvm is opened) and by
 * boot__load, so both accept and reject exactly the same files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/boot.h"
#include "vmm/pvh.h"
#include "vmm/util.h"

#define SETUP_HDR_OFF	0x1f1	/* struct setup_header inside the image */
#define HDRS_MAGIC	0x53726448	/* "HdrS" */
#define BOOT_FLAG	0xaa55
#define MIN_PROTOCOL	0x020c	/* 2.12: XLF_KERNEL_64, pref_address, init_size */

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

int kfile__open(struct kfile *f, const char *path, char *why, size_t whylen)
{
	struct stat st;
	int ret;

	f->fd = -1;
	/* O_NONBLOCK: probing a FIFO must not hang; fstat rejects it below. */
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (f->fd < 0) {
		ret = -errno;
		return fail(why, whylen, ret, "cannot open: %s", strerror(-ret));
	}
	if (fstat(f->fd, &st) < 0) {
		ret = -errno;
		fail(why, whylen, ret, "cannot stat: %s", strerror(-ret));
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = fail(why, whylen, -ENOEXEC, "not a regular file");
		goto err;
	}
	f->size = st.st_size;
	return 0;
err:
	close(f->fd);
	f->fd = -1;
	return ret;
}

void kfile__close(struct kfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

int kfile__pread(const struct kfile *f, void *buf, uint64_t len, uint64_t off)
{
	uint8_t *p = buf;
	ssize_t n;

	if (off > f->size || len > f->size - off)
		return -EIO;
	while (len) {
		/* pread moves at most ~2 GiB at once; loop for big initrds. */
		n = pread(f->fd, p, MIN(len, (uint64_t)1 << 30), off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;	/* file shrank under us */
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int check_bzimage(const struct kfile *f, struct boot_params *bp, char *why, size_t whylen)
{
	const struct setup_header *h = &bp->hdr;
	uint64_t pm_off;

	if (h->version < MIN_PROTOCOL)
		return fail(why, whylen, -ENOEXEC,
			    "bzImage boot protocol %u.%02u is too old (need 2.12 or newer)",
			    h->version >> 8, h->version & 0xff);
	/* Everything up to init_size must be in the file to be trusted. */
	if (f->size < SETUP_HDR_OFF + offsetof(struct setup_header, init_size) + sizeof(h->init_size))
		return fail(why, whylen, -ENOEXEC, "truncated bzImage: setup header cut off at %llu bytes",
			    (unsigned long long)f->size);
	if (!(h->xloadflags & XLF_KERNEL_64))
		return fail(why, whylen, -ENOEXEC, "bzImage has no 64-bit entry point (XLF_KERNEL_64 not set)");
	if (!h->relocatable_kernel)
		return fail(why, whylen, -ENOEXEC, "bzImage is not relocatable");
	if (h->kernel_alignment < SZ_4K || (h->kernel_alignment & (h->kernel_alignment - 1)))
		return fail(why, whylen, -ENOEXEC, "bzImage has a bad kernel_alignment 0x%x",
			    h->kernel_alignment);
	pm_off = ((uint64_t)(h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	if (pm_off >= f->size)
		return fail(why, whylen, -ENOEXEC,
			    "truncated bzImage: protected-mode code at 0x%llx is past the end of the file (%llu bytes)",
			    (unsigned long long)pm_off, (unsigned long long)f->size);
	return 0;
}

int boot__identify(const struct kfile *f, struct kernel_image *img, char *why, size_t whylen)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	uint64_t n = MIN(f->size, sizeof(img->bp));
	int ret;

	memset(img, 0, sizeof(*img));
	/* The first page of a bzImage lines up with struct boot_params. */
	ret = kfile__pread(f, &img->bp, n, 0);
	if (ret < 0)
		return fail(why, whylen, ret, "read error: %s", strerror(-ret));

	if (n >= sizeof(elf_magic) && !memcmp(&img->bp, elf_magic, sizeof(elf_magic))) {
		ret = pvh__parse_elf(f, &img->elf, why, whylen);
		if (ret < 0)
			return ret;
		img->kind = KERNEL_PVH_ELF;
		return 0;
	}
	if (n < SETUP_HDR_OFF + offsetof(struct setup_header, version) + sizeof(img->bp.hdr.version))
		return fail(why, whylen, -ENOEXEC,
			    "too short to be a bzImage or ELF vmlinux (%llu bytes)",
			    (unsigned long long)f->size);
	if (img->bp.hdr.boot_flag != BOOT_FLAG || img->bp.hdr.header != HDRS_MAGIC)
		return fail(why, whylen, -ENOEXEC,
			    "not a bzImage or ELF vmlinux (no ELF magic, no \"HdrS\" setup header)");
	ret = check_bzimage(f, &img->bp, why, whylen);
	if (ret < 0)
		return ret;
	img->kind = KERNEL_BZIMAGE;
	return 0;
}

int boot__probe_kernel(const char *path, enum kernel_kind *kind, char *why, size_t whylen)
{
	struct kernel_image *img;
	struct kfile f;
	int ret;

	*kind = KERNEL_UNKNOWN;
	if (why && whylen)
		why[0] = '\0';
	ret = kfile__open(&f, path, why, whylen);
	if (ret < 0)
		return ret;
	/* boot_params is 4 KiB: keep it off the caller's stack. */
	img = calloc(1, sizeof(*img));
	if (!img) {
		ret = fail(why, whylen, -ENOMEM, "out of memory");
		goto out;
	}
	ret = boot__identify(&f, img, why, whylen);
	if (ret == 0)
		*kind = img->kind;
	free(img);
out:
	kfile__close(&f);
	return ret;
}
