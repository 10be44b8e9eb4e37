/*
 * A fixed-size set of small ids (guest vCPUs, host CPUs, host nodes) with the
 * kernel's cpulist syntax ("0-3,8,10-11"). 1024 ids: the size of cpu_set_t,
 * so a set converts to an affinity mask or an mbind nodemask by copying.
 */
#ifndef MVMM_IDSET_H
#define MVMM_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDSET_MAX	1024
#define IDSET_WORDS	(IDSET_MAX / 64)

struct idset {
	uint64_t w[IDSET_WORDS];
};

static inline void idset__clear(struct idset *s)
{
	for (unsigned i = 0; i < IDSET_WORDS; i++)
		s->w[i] = 0;
}

static inline void idset__add(struct idset *s, unsigned id)
{
	if (id < IDSET_MAX)
		s->w[id / 64] |= 1ULL << (id % 64);
}

static inline void idset__del(struct idset *s, unsigned id)
{
	if (id < IDSET_MAX)
		s->w[id / 64] &= ~(1ULL << (id % 64));
}

static inline bool idset__has(const struct idset *s, unsigned id)
{
	return id < IDSET_MAX && (s->w[id / 64] >> (id % 64)) & 1;
}

unsigned idset__count(const struct idset *s);
bool idset__empty(const struct idset *s);
bool idset__equal(const struct idset *a, const struct idset *b);
/* @a is a subset of @b. */
bool idset__subset(const struct idset *a, const struct idset *b);
bool idset__intersects(const struct idset *a, const struct idset *b);
void idset__or(struct idset *dst, const struct idset *src);
void idset__and(struct idset *dst, const struct idset *src);
/* Smallest id >= @from in @s, or -1. */
int idset__next(const struct idset *s, unsigned from);
#define idset__for_each(id, s) \
	for (int id = idset__next(s, 0); id >= 0; id = idset__next(s, id + 1))

/* Parse a cpulist ("0-3,8"; no blanks; ranges ascending; ids < @limit). An
 * empty string is an empty set. 0 or -EINVAL (syntax) / -ERANGE (id >= @limit). */
int idset__parse(struct idset *s, const char *str, unsigned limit);
/* "0-3,8", "" for an empty set; cut with "..." if @len is too small. */
const char *idset__format(const struct idset *s, char *out, size_t len);

#endif
