/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, one per surface,
 * each its own program): the fuzz input read as a stream of little-endian
 * fields (reads past the end yield zeros, so every input is a valid
 * program), and a setup check that aborts, since a harness whose rig
 * cannot be built must fail loudly rather than fuzz nothing.
 */
#ifndef MVMM_FUZZ_H
#define MVMM_FUZZ_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline size_t fz_left(const struct fz *f)
{
	return f->n;
}

static inline void fz_bytes(struct fz *f, void *dst, size_t len)
{
	size_t k = len < f->n ? len : f->n;

	memcpy(dst, f->p, k);
	memset((uint8_t *)dst + k, 0, len - k);
	f->p += k;
	f->n -= k;
}

static inline uint64_t fz_uint(struct fz *f, unsigned bytes)
{
	uint8_t b[8];
	uint64_t v = 0;
	unsigned i;

	fz_bytes(f, b, bytes);
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static inline uint8_t fz_u8(struct fz *f) { return fz_uint(f, 1); }
static inline uint16_t fz_u16(struct fz *f) { return fz_uint(f, 2); }
static inline uint32_t fz_u32(struct fz *f) { return fz_uint(f, 4); }
static inline uint64_t fz_u64(struct fz *f) { return fz_uint(f, 8); }

/* An access width as guests issue them: 1, 2, 4 or 8 bytes. */
static inline unsigned fz_width(struct fz *f)
{
	return 1u << (fz_u8(f) & 3);
}

#define FZ_CHECK(expr)                                                            \
	do {                                                                      \
		if (!(expr)) {                                                    \
			fprintf(stderr, "%s:%d: harness setup failed: %s\n", __FILE__, \
				__LINE__, #expr);                                 \
			abort();                                                  \
		}                                                                 \
	} while (0)

/* The harness's scratch dir for the files its input becomes (config,
 * kernel, disk image). On tmpfs when there is one: each input truncates and
 * rewrites a file, which on a disk file system costs writeback and a block
 * request per run (most of fuzz_boot's and fuzz_config's time). Removed at
 * exit. */
static char fz_scratch_path[64];

static inline int fz_scratch_rm(const char *path, const struct stat *st, int flag,
				struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void fz_scratch_cleanup(void)
{
	nftw(fz_scratch_path, fz_scratch_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static inline const char *fz_scratch(const char *name)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(fz_scratch_path, sizeof(fz_scratch_path), "%s/mvmm-fuzz-%s-XXXXXX", base, name);
	FZ_CHECK(mkdtemp(fz_scratch_path));
	FZ_CHECK(atexit(fz_scratch_cleanup) == 0);
	return fz_scratch_path;
}

#endif
