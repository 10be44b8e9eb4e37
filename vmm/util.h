/* Small helpers shared by every mvmm source file. */
#ifndef MVMM_UTIL_H
#define MVMM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SZ_4K		0x1000ULL
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* Diagnostics go to stderr with a fixed prefix; library code reports and
 * returns -errno, only main() decides to exit. */
#define pr_err(fmt, ...)  fprintf(stderr, "mvmm: " fmt "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) fprintf(stderr, "mvmm: warning: " fmt "\n", ##__VA_ARGS__)

#endif
