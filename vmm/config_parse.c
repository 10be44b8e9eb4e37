/*
 * Strict number parsers for config values. strtoull() is too lenient for
 * user input (leading spaces, signs, "-1" wrapping to 2^64-1), so digits are
 * scanned by hand: anything but the documented syntax is -EINVAL and every
 * overflow is -ERANGE.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vmm/config.h"

static int digit_value(char c, unsigned base)
{
	unsigned d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? (int)d : -1;
}

/* Scan at least one digit of @base from *@s; stops at the first non-digit. */
static int scan_digits(const char **s, unsigned base, uint64_t *out)
{
	const char *p = *s;
	bool overflow = false;
	uint64_t v = 0;
	int d;

	if (digit_value(*p, base) < 0)
		return -EINVAL;
	for (; (d = digit_value(*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - d) / base)
			overflow = true;	/* keep scanning: junk after still is -EINVAL */
		else
			v = v * base + d;
	}
	*s = p;
	*out = v;
	return overflow ? -ERANGE : 0;
}

int config__parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	r = scan_digits(&s, base, &v);
	if (r == -EINVAL || *s)
		return -EINVAL;
	if (r < 0 || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int config__parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned shift = 0;
	const char *u;
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	r = scan_digits(&s, 10, &v);
	if (r == -EINVAL)
		return -EINVAL;
	/* Suffix: [KMGT] then optional "iB" or "B", or a lone "B" (bytes);
	 * case-insensitive because "8g" and "512MB" are what people type. */
	if (*s && (u = memchr(units, toupper((unsigned char)*s), 4))) {
		shift = 10 * (unsigned)(u - units + 1);
		s++;
		if ((s[0] == 'i' || s[0] == 'I') && (s[1] == 'B' || s[1] == 'b'))
			s += 2;
		else if (*s == 'B' || *s == 'b')
			s++;
	} else if (*s == 'B' || *s == 'b') {
		s++;
	}
	if (*s)
		return -EINVAL;
	if (r < 0 || v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int config__parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "", 1000000000ULL }, { "s", 1000000000ULL }, { "ms", 1000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	uint64_t v;
	unsigned i;
	int r;

	if (!s)
		return -EINVAL;
	r = scan_digits(&s, 10, &v);
	if (r == -EINVAL)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].unit))
			continue;
		if (r < 0 || v > UINT64_MAX / units[i].ns)
			return -ERANGE;
		*ns = v * units[i].ns;
		return 0;
	}
	return -EINVAL;
}
