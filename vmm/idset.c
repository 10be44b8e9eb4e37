/* Id sets and the cpulist syntax. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/idset.h"

unsigned idset__count(const struct idset *s)
{
	unsigned i, n = 0;

	for (i = 0; i < IDSET_WORDS; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

bool idset__empty(const struct idset *s)
{
	return !idset__count(s);
}

bool idset__equal(const struct idset *a, const struct idset *b)
{
	return !memcmp(a->w, b->w, sizeof(a->w));
}

bool idset__subset(const struct idset *a, const struct idset *b)
{
	for (unsigned i = 0; i < IDSET_WORDS; i++)
		if (a->w[i] & ~b->w[i])
			return false;
	return true;
}

bool idset__intersects(const struct idset *a, const struct idset *b)
{
	for (unsigned i = 0; i < IDSET_WORDS; i++)
		if (a->w[i] & b->w[i])
			return true;
	return false;
}

void idset__or(struct idset *dst, const struct idset *src)
{
	for (unsigned i = 0; i < IDSET_WORDS; i++)
		dst->w[i] |= src->w[i];
}

void idset__and(struct idset *dst, const struct idset *src)
{
	for (unsigned i = 0; i < IDSET_WORDS; i++)
		dst->w[i] &= src->w[i];
}

int idset__next(const struct idset *s, unsigned from)
{
	for (unsigned id = from; id < IDSET_MAX; id++) {
		uint64_t w = s->w[id / 64] >> (id % 64);

		if (!w) {
			id |= 63;	/* rest of this word is empty */
			continue;
		}
		return id + __builtin_ctzll(w);
	}
	return -1;
}

/* One decimal id: digits only, no sign, no leading blanks. */
static int parse_id(const char **p, unsigned limit, unsigned *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > IDSET_MAX * 10UL)
			v = IDSET_MAX * 10UL;	/* saturate; still range-checked */
	}
	*p = s;
	if (v >= limit || v >= IDSET_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

int idset__parse(struct idset *s, const char *str, unsigned limit)
{
	const char *p = str;
	unsigned a, b, id;
	int r, err = 0;

	idset__clear(s);
	if (!*p)
		return 0;
	for (;;) {
		r = parse_id(&p, limit, &a);
		if (r == -EINVAL)
			return r;
		if (r < 0)
			err = r;	/* keep going: a syntax error wins */
		b = a;
		if (*p == '-') {
			p++;
			r = parse_id(&p, limit, &b);
			if (r == -EINVAL)
				return r;
			if (r < 0)
				err = r;
			else if (!err && b < a)
				return -EINVAL;
		}
		if (!err)
			for (id = a; id <= b; id++)
				idset__add(s, id);
		if (!*p)
			break;
		if (*p != ',' || !p[1])
			return -EINVAL;
		p++;
	}
	if (err)
		idset__clear(s);
	return err;
}

const char *idset__format(const struct idset *s, char *out, size_t len)
{
	size_t o = 0;
	int id, end;
	int n;

	if (!len)
		return out;
	out[0] = '\0';
	for (id = idset__next(s, 0); id >= 0; id = idset__next(s, end + 1)) {
		for (end = id; idset__has(s, end + 1); end++)
			;
		if (end == id)
			n = snprintf(out + o, len - o, "%s%d", o ? "," : "", id);
		else
			n = snprintf(out + o, len - o, "%s%d-%d", o ? "," : "", id, end);
		if (n < 0 || (size_t)n >= len - o) {
			if (len >= 4)
				memcpy(out + len - 4, "...", 4);
			return out;
		}
		o += n;
	}
	return out;
}
