/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, one per surface,
 * each its own program): the fuzz input read as a stream of little-endian
 * fields (reads past the end yield zeros, so every input is a valid
 * program), and a setup check that aborts, since a harness whose rig
 * cannot be built must fail loudly rather than fuzz nothing.
 */
#ifndef MVMM_FUZZ_H
#define MVMM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
