/* AML byte builder; see aml.h. Encodings follow ACPI 6.x chapter 20. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/aml.h"

enum {
	AML_ZERO	= 0x00,
	AML_ONE		= 0x01,
	AML_NAME	= 0x08,
	AML_BYTE	= 0x0a,
	AML_WORD	= 0x0b,
	AML_DWORD	= 0x0c,
	AML_STRING	= 0x0d,
	AML_QWORD	= 0x0e,
	AML_SCOPE	= 0x10,
	AML_BUFFER	= 0x11,
	AML_PACKAGE	= 0x12,
	AML_VARPACKAGE	= 0x13,
	AML_METHOD	= 0x14,
	AML_DUALNAME	= 0x2e,
	AML_MULTINAME	= 0x2f,
	AML_EXTOP	= 0x5b,
	AML_DEVICE	= 0x82,		/* after AML_EXTOP */
	AML_ROOT	= 0x5c,
	AML_PARENT	= 0x5e,
	AML_LOCAL0	= 0x60,
	AML_ARG0	= 0x68,
	AML_STORE	= 0x70,
	AML_AND		= 0x7b,
	AML_OR		= 0x7d,
	AML_NOTIFY	= 0x86,
	AML_CREATEDWORD	= 0x8a,
	AML_LAND	= 0x90,
	AML_LNOT	= 0x92,
	AML_LEQUAL	= 0x93,
	AML_IF		= 0xa0,
	AML_ELSE	= 0xa1,
	AML_WHILE	= 0xa2,
	AML_RETURN	= 0xa4,
	AML_ONES	= 0xff,
};

/* Resource descriptor tags (ACPI 6.4.2 small, 6.4.3 large). */
enum {
	RES_IRQ_NOFLAGS	= 0x22,		/* small IRQ, 2-byte mask */
	RES_IO		= 0x47,
	RES_END		= 0x79,
	RES_MEM32_FIXED	= 0x86,
	RES_DWORD	= 0x87,
	RES_WORD	= 0x88,
	RES_INTERRUPT	= 0x89,
	RES_QWORD	= 0x8a,
};

enum { SPACE_MEMORY = 0, SPACE_IO = 1, SPACE_BUS = 2 };

/* Address space general flags: ResourceProducer, PosDecode, MinFixed, MaxFixed. */
#define ADDR_PRODUCER_FIXED	0x0c
#define IO_ENTIRE_RANGE		0x03
#define MEM_READWRITE		0x01

enum frame_kind { K_SCOPE, K_DEVICE, K_METHOD, K_IF, K_ELSE, K_WHILE,
		  K_PACKAGE, K_BUFFER, K_RESOURCE };

static void fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

static uint8_t *grow(struct aml *a, size_t n)
{
	uint8_t *p;
	size_t cap;

	if (a->err)
		return NULL;
	if (a->len + n > a->cap) {
		cap = a->cap ? a->cap : 256;
		while (cap < a->len + n)
			cap *= 2;
		p = realloc(a->buf, cap);
		if (!p) {
			fail(a, -ENOMEM);
			return NULL;
		}
		a->buf = p;
		a->cap = cap;
	}
	p = a->buf + a->len;
	a->len += n;
	return p;
}

static void put(struct aml *a, const void *src, size_t n)
{
	uint8_t *p;

	if (!n)
		return;
	p = grow(a, n);
	if (p)
		memcpy(p, src, n);
}

static void put1(struct aml *a, uint8_t b)
{
	put(a, &b, 1);
}

static void put_le(struct aml *a, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	unsigned i;

	for (i = 0; i < bytes; i++)
		b[i] = v >> (8 * i);
	put(a, b, bytes);
}

static bool in_data(const struct aml *a)
{
	uint8_t k;

	if (!a->depth)
		return false;
	k = a->frame[a->depth - 1].kind;
	return k == K_BUFFER || k == K_RESOURCE;
}

/* Start of a term: counts it in the enclosing construct (a Package's
 * element count) and refuses terms inside a Buffer's byte list. */
static bool term(struct aml *a)
{
	if (a->err)
		return false;
	if (in_data(a)) {
		fail(a, -EINVAL);
		return false;
	}
	if (a->depth)
		a->frame[a->depth - 1].items++;
	return true;
}

static bool descriptor(struct aml *a)
{
	if (a->err)
		return false;
	if (!a->depth || a->frame[a->depth - 1].kind != K_RESOURCE) {
		fail(a, -EINVAL);
		return false;
	}
	return true;
}

/* Same choice as iasl's OpcSetOptimalIntegerSize for 64-bit tables. */
static size_t encode_int(uint8_t *out, uint64_t v)
{
	unsigned i, n;

	if (v == 0 || v == 1 || v == UINT64_MAX) {
		out[0] = v == 0 ? AML_ZERO : v == 1 ? AML_ONE : AML_ONES;
		return 1;
	}
	if (v <= UINT8_MAX) {
		out[0] = AML_BYTE;
		n = 1;
	} else if (v <= UINT16_MAX) {
		out[0] = AML_WORD;
		n = 2;
	} else if (v <= UINT32_MAX) {
		out[0] = AML_DWORD;
		n = 4;
	} else {
		out[0] = AML_QWORD;
		n = 8;
	}
	for (i = 0; i < n; i++)
		out[1 + i] = v >> (8 * i);
	return 1 + n;
}

/* PkgLength counts its own 1-4 bytes; a lead byte holds 6 bits alone or
 * 4 bits plus 8 per following byte. -E2BIG beyond 28 bits. */
static int encode_pkglen(uint8_t *out, size_t body)
{
	size_t total;
	unsigned n, i;

	if (body + 1 <= 0x3f) {
		out[0] = body + 1;
		return 1;
	}
	for (n = 2; n <= 4; n++) {
		total = body + n;
		if (total >> (4 + 8 * (n - 1)))
			continue;
		out[0] = (n - 1) << 6 | (total & 0xf);
		for (i = 1; i < n; i++)
			out[i] = total >> (4 + 8 * (i - 1));
		return n;
	}
	return -E2BIG;
}

static bool seg_char(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!lead && c >= '0' && c <= '9');
}

/* Validates @path; returns the number of NameSegs or -EINVAL. @prefix gets
 * the length of the '\' or '^' prefix. */
static int parse_path(const char *path, size_t *prefix)
{
	const char *p = path;
	int segs = 0;
	size_t n;

	if (*p == '\\')
		p++;
	else
		while (*p == '^')
			p++;
	*prefix = p - path;
	if (!*p)
		return *prefix ? 0 : -EINVAL;	/* "\" or "^": NullName */
	for (;;) {
		for (n = 0; seg_char(p[n], n == 0); n++)
			;
		if (n < 1 || n > 4)
			return -EINVAL;
		segs++;
		p += n;
		if (!*p)
			break;
		if (*p++ != '.')
			return -EINVAL;
	}
	return segs > 255 ? -EINVAL : segs;
}

static void put_namestring(struct aml *a, const char *path)
{
	size_t prefix, n;
	int segs;
	const char *p;
	char seg[4];

	if (!path) {
		fail(a, -EINVAL);
		return;
	}
	segs = parse_path(path, &prefix);
	if (segs < 0) {
		fail(a, segs);
		return;
	}
	put(a, path, prefix);
	if (segs == 0)
		put1(a, 0);			/* NullName */
	else if (segs == 2)
		put1(a, AML_DUALNAME);
	else if (segs > 2) {
		put1(a, AML_MULTINAME);
		put1(a, segs);
	}
	for (p = path + prefix; segs--; p += n + 1) {
		n = strcspn(p, ".");
		memset(seg, '_', sizeof(seg));
		memcpy(seg, p, n);
		put(a, seg, sizeof(seg));
	}
}

static void begin(struct aml *a, enum frame_kind kind, const uint8_t *op, size_t oplen)
{
	struct aml_frame *f;

	if (!term(a))
		return;
	if (a->depth == AML_MAX_DEPTH) {
		fail(a, -E2BIG);
		return;
	}
	f = &a->frame[a->depth++];
	f->op = a->len;
	put(a, op, oplen);
	f->body = a->len;
	f->items = 0;
	f->kind = kind;
}

static void begin1(struct aml *a, enum frame_kind kind, uint8_t op)
{
	begin(a, kind, &op, 1);
}

void aml__init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
	a->if_end = SIZE_MAX;
}

void aml__free(struct aml *a)
{
	free(a->buf);
	aml__init(a);
}

int aml__error(const struct aml *a)
{
	if (a->err)
		return a->err;
	return a->depth ? -EINVAL : 0;
}

const uint8_t *aml__data(const struct aml *a)
{
	return a->buf;
}

size_t aml__len(const struct aml *a)
{
	return a->len;
}

void aml__scope_begin(struct aml *a, const char *path)
{
	begin1(a, K_SCOPE, AML_SCOPE);
	put_namestring(a, path);
}

void aml__device_begin(struct aml *a, const char *path)
{
	static const uint8_t op[] = { AML_EXTOP, AML_DEVICE };

	begin(a, K_DEVICE, op, sizeof(op));
	put_namestring(a, path);
}

void aml__method_begin(struct aml *a, const char *path, unsigned nargs, bool serialized)
{
	begin1(a, K_METHOD, AML_METHOD);
	put_namestring(a, path);
	if (nargs > 7)
		fail(a, -EINVAL);
	put1(a, nargs | (serialized ? 1 << 3 : 0));	/* SyncLevel 0 */
}

void aml__if_begin(struct aml *a)
{
	begin1(a, K_IF, AML_IF);
}

void aml__else_begin(struct aml *a)
{
	if (!a->err && (a->if_end != a->len || a->if_depth != a->depth))
		fail(a, -EINVAL);
	begin1(a, K_ELSE, AML_ELSE);
}

void aml__while_begin(struct aml *a)
{
	begin1(a, K_WHILE, AML_WHILE);
}

void aml__package_begin(struct aml *a)
{
	begin1(a, K_PACKAGE, AML_PACKAGE);
}

void aml__buffer_begin(struct aml *a)
{
	begin1(a, K_BUFFER, AML_BUFFER);
}

void aml__resource_begin(struct aml *a)
{
	begin1(a, K_RESOURCE, AML_BUFFER);
}

void aml__end(struct aml *a)
{
	uint8_t head[4 + 9];
	struct aml_frame *f;
	size_t body, extra = 0;
	uint8_t tail[9];
	int n;

	if (a->err)
		return;
	if (!a->depth) {
		fail(a, -EINVAL);
		return;
	}
	f = &a->frame[a->depth - 1];
	if (f->kind == K_RESOURCE) {
		/* EndTag; checksum 0 means "not computed", as iasl writes it. */
		put1(a, RES_END);
		put1(a, 0);
	}
	body = a->len - f->body;
	if (f->kind == K_BUFFER || f->kind == K_RESOURCE) {
		extra = encode_int(tail, body);		/* BufferSize */
	} else if (f->kind == K_PACKAGE) {
		if (f->items <= 255) {
			tail[0] = f->items;		/* NumElements */
			extra = 1;
		} else {
			a->buf[f->op] = AML_VARPACKAGE;
			extra = encode_int(tail, f->items);
		}
	}
	n = encode_pkglen(head, body + extra);
	if (n < 0) {
		fail(a, n);
		return;
	}
	memcpy(head + n, tail, extra);
	if (!grow(a, n + extra))
		return;
	memmove(a->buf + f->body + n + extra, a->buf + f->body, body);
	memcpy(a->buf + f->body, head, n + extra);
	a->depth--;
	if (f->kind == K_IF) {
		a->if_end = a->len;
		a->if_depth = a->depth;
	}
}

void aml__name(struct aml *a, const char *path)
{
	if (!term(a))
		return;
	put1(a, AML_NAME);
	put_namestring(a, path);
}

void aml__name_int(struct aml *a, const char *path, uint64_t v)
{
	aml__name(a, path);
	aml__int(a, v);
}

void aml__path(struct aml *a, const char *path)
{
	if (term(a))
		put_namestring(a, path);
}

void aml__int(struct aml *a, uint64_t v)
{
	uint8_t b[9];

	if (term(a))
		put(a, b, encode_int(b, v));
}

void aml__string(struct aml *a, const char *s)
{
	const char *p;

	if (!term(a))
		return;
	for (p = s; p && *p; p++)
		if (*p & 0x80)
			break;
	if (!s || *p) {
		fail(a, -EINVAL);
		return;
	}
	put1(a, AML_STRING);
	put(a, s, strlen(s) + 1);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses @n hex digits; -1 if any is not one. */
static int64_t hex(const char *s, unsigned n)
{
	int64_t v = 0;
	unsigned i;
	int d;

	for (i = 0; i < n; i++) {
		d = hexval(s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Compressed EISA id: three letters in 5 bits each, then four hex digits,
 * stored big-endian in a 32-bit integer. */
void aml__eisaid(struct aml *a, const char *id)
{
	int64_t prod;
	uint32_t v;
	int i;

	if (a->err)
		return;
	if (!id || strlen(id) != 7 || (prod = hex(id + 3, 4)) < 0) {
		fail(a, -EINVAL);
		return;
	}
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			fail(a, -EINVAL);
			return;
		}
	}
	v = (id[0] - 0x40) << 26 | (id[1] - 0x40) << 21 | (id[2] - 0x40) << 16 | prod;
	aml__int(a, __builtin_bswap32(v));
}

/* ToUUID: the first three fields little-endian, the last two as written. */
void aml__uuid(struct aml *a, const char *uuid)
{
	static const unsigned field[] = { 8, 4, 4, 4, 12 };
	const char *p = uuid;
	uint8_t b[16], *q = b;
	int64_t v;
	unsigned i, j;

	if (a->err)
		return;
	if (!uuid || strlen(uuid) != 36)
		goto bad;
	for (i = 0; i < 5; i++) {
		for (j = 0; j < field[i] / 2; j++) {
			v = hex(p + 2 * j, 2);
			if (v < 0)
				goto bad;
			/* fields 0-2 are stored byte-swapped */
			q[i < 3 ? field[i] / 2 - 1 - j : j] = v;
		}
		q += field[i] / 2;
		p += field[i];
		if (i < 4 && *p++ != '-')
			goto bad;
	}
	aml__buffer_begin(a);
	aml__bytes(a, b, sizeof(b));
	aml__end(a);
	return;
bad:
	fail(a, -EINVAL);
}

void aml__bytes(struct aml *a, const void *p, size_t n)
{
	put(a, p, n);
}

static void op(struct aml *a, uint8_t opcode)
{
	if (term(a))
		put1(a, opcode);
}

void aml__local(struct aml *a, unsigned n)
{
	if (n > 7)
		fail(a, -EINVAL);
	op(a, AML_LOCAL0 + n);
}

void aml__arg(struct aml *a, unsigned n)
{
	if (n > 6)
		fail(a, -EINVAL);
	op(a, AML_ARG0 + n);
}

void aml__no_target(struct aml *a)	{ op(a, 0); }
void aml__store(struct aml *a)		{ op(a, AML_STORE); }
void aml__and(struct aml *a)		{ op(a, AML_AND); }
void aml__or(struct aml *a)		{ op(a, AML_OR); }
void aml__lequal(struct aml *a)		{ op(a, AML_LEQUAL); }
void aml__land(struct aml *a)		{ op(a, AML_LAND); }
void aml__lnot(struct aml *a)		{ op(a, AML_LNOT); }
void aml__return(struct aml *a)		{ op(a, AML_RETURN); }
void aml__notify(struct aml *a)		{ op(a, AML_NOTIFY); }
void aml__create_dword_field(struct aml *a) { op(a, AML_CREATEDWORD); }

void aml__io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	if (!descriptor(a))
		return;
	if (min > max) {
		fail(a, -EINVAL);
		return;
	}
	put1(a, RES_IO);
	put1(a, 1);				/* Decode16 */
	put_le(a, min, 2);
	put_le(a, max, 2);
	put1(a, align);
	put1(a, len);
}

void aml__irq_noflags(struct aml *a, unsigned irq)
{
	if (!descriptor(a))
		return;
	if (irq > 15) {
		fail(a, -EINVAL);
		return;
	}
	put1(a, RES_IRQ_NOFLAGS);
	put_le(a, 1u << irq, 2);
}

void aml__interrupt(struct aml *a, unsigned flags, uint32_t gsi)
{
	if (!descriptor(a))
		return;
	if (flags & ~(AML_IRQ_EDGE | AML_IRQ_ACTIVE_LOW | AML_IRQ_SHARED | AML_IRQ_WAKE)) {
		fail(a, -EINVAL);
		return;
	}
	put1(a, RES_INTERRUPT);
	put_le(a, 6, 2);
	put1(a, flags | 1);			/* ResourceConsumer */
	put1(a, 1);				/* one interrupt */
	put_le(a, gsi, 4);
}

void aml__memory32_fixed(struct aml *a, uint32_t base, uint32_t len, bool rw)
{
	if (!descriptor(a))
		return;
	put1(a, RES_MEM32_FIXED);
	put_le(a, 9, 2);
	put1(a, rw ? MEM_READWRITE : 0);
	put_le(a, base, 4);
	put_le(a, len, 4);
}

/* Word/DWord/QWord address space descriptor of @width bytes per field. */
static void addr_space(struct aml *a, uint8_t tag, unsigned width, uint8_t type,
		       uint8_t type_flags, uint64_t min, uint64_t max)
{
	uint64_t len = max - min + 1;

	if (!descriptor(a))
		return;
	/* The length must fit the field too: 0-0xffff is not a WordIO. */
	if (min > max || (width < 8 && len >> (8 * width)) || !len) {
		fail(a, -ERANGE);
		return;
	}
	put1(a, tag);
	put_le(a, 3 + 5 * width, 2);
	put1(a, type);
	put1(a, ADDR_PRODUCER_FIXED);
	put1(a, type_flags);
	put_le(a, 0, width);			/* granularity */
	put_le(a, min, width);
	put_le(a, max, width);
	put_le(a, 0, width);			/* translation offset */
	put_le(a, len, width);
}

void aml__word_bus_number(struct aml *a, uint16_t min, uint16_t max)
{
	addr_space(a, RES_WORD, 2, SPACE_BUS, 0, min, max);
}

void aml__word_io(struct aml *a, uint16_t min, uint16_t max)
{
	addr_space(a, RES_WORD, 2, SPACE_IO, IO_ENTIRE_RANGE, min, max);
}

void aml__dword_memory(struct aml *a, enum aml_mem_cache cache, uint32_t min, uint32_t max)
{
	addr_space(a, RES_DWORD, 4, SPACE_MEMORY, (cache & 3) << 1 | MEM_READWRITE, min, max);
}

void aml__qword_memory(struct aml *a, enum aml_mem_cache cache, uint64_t min, uint64_t max)
{
	addr_space(a, RES_QWORD, 8, SPACE_MEMORY, (cache & 3) << 1 | MEM_READWRITE, min, max);
}
