/*
 * AML builder seam: a growable byte buffer that ACPI code and every host
 * bridge or device writes its DSDT fragment into.
 *
 * Emission is in prefix order, like AML itself: an operator call writes its
 * opcode and the caller then writes the operands in ASL order, e.g.
 *
 *	aml__store(a); aml__arg(a, 3); aml__local(a, 0);	// Store (Arg3, Local0)
 *
 * Constructs that carry a PkgLength (Scope, Device, Method, If, Else, While,
 * Package, Buffer, ResourceTemplate) are opened with *_begin() and closed
 * with aml__end(), which inserts the shortest PkgLength encoding (and a
 * Buffer's size or a Package's element count) in front of the body, so the
 * output is byte-for-byte what iasl emits for the same ASL (compiled with
 * -on: paths are emitted as written, never shortened).
 *
 * Errors (allocation failure, nesting too deep, a bad name or argument, an
 * unbalanced aml__end()) are sticky: the first one is kept and every later
 * call does nothing, so callers chain calls and check aml__error() once.
 * Integers are encoded for a DSDT of revision 2 or more (64-bit integers).
 */
#ifndef MVMM_AML_H
#define MVMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH	32

struct aml_frame {
	size_t op;		/* offset of the construct's opcode */
	size_t body;		/* offset where its PkgLength goes */
	uint32_t items;		/* terms written directly inside it */
	uint8_t kind;
};

struct aml {
	uint8_t *buf;
	size_t len, cap;
	int err;		/* first error, negative errno; 0 if none */
	unsigned depth;
	size_t if_end;		/* where the last If closed, for Else */
	unsigned if_depth;
	struct aml_frame frame[AML_MAX_DEPTH];
};

void aml__init(struct aml *a);
void aml__free(struct aml *a);
/* The sticky error, or -EINVAL while a construct is still open; 0 if fine. */
int aml__error(const struct aml *a);
const uint8_t *aml__data(const struct aml *a);
size_t aml__len(const struct aml *a);

/*
 * Names are ASL paths: optional root '\' or parent '^' prefixes, then
 * NameSegs of 1-4 characters ([A-Z_][A-Z0-9_]*) separated by '.'; short
 * segments are padded with '_'. "\\" alone is the root scope.
 */

/* Nested constructs, each closed by aml__end(). */
void aml__scope_begin(struct aml *a, const char *path);
void aml__device_begin(struct aml *a, const char *path);
void aml__method_begin(struct aml *a, const char *path, unsigned nargs, bool serialized);
void aml__if_begin(struct aml *a);	/* then the predicate, then the body */
void aml__else_begin(struct aml *a);	/* only right after an If's aml__end() */
void aml__while_begin(struct aml *a);	/* then the predicate, then the body */
/* Elements are counted; more than 255 make a VarPackage, as iasl does. */
void aml__package_begin(struct aml *a);
void aml__buffer_begin(struct aml *a);	/* then aml__bytes() */
/* A Buffer of resource descriptors; aml__end() appends the EndTag. */
void aml__resource_begin(struct aml *a);
void aml__end(struct aml *a);

/* Names and data objects. */
void aml__name(struct aml *a, const char *path);	/* Name (path, <next object>) */
void aml__name_int(struct aml *a, const char *path, uint64_t v);
void aml__path(struct aml *a, const char *path);	/* a reference to a named object */
/* Zero, One, Ones or the smallest Byte/Word/DWord/QWord constant. */
void aml__int(struct aml *a, uint64_t v);
void aml__string(struct aml *a, const char *s);		/* ASCII 0x01-0x7f */
void aml__eisaid(struct aml *a, const char *id);	/* "PNP0A08" */
void aml__uuid(struct aml *a, const char *uuid);	/* ToUUID ("xxxxxxxx-xxxx-...") */
void aml__bytes(struct aml *a, const void *p, size_t n);	/* raw, e.g. a ByteList */

/* Terms: opcodes whose operands follow in ASL order. */
void aml__local(struct aml *a, unsigned n);	/* Local0-7 */
void aml__arg(struct aml *a, unsigned n);	/* Arg0-6 */
void aml__no_target(struct aml *a);		/* an omitted Target operand */
void aml__store(struct aml *a);			/* Store (source, target) */
void aml__and(struct aml *a);			/* And (x, y, target) */
void aml__or(struct aml *a);			/* Or (x, y, target) */
void aml__lequal(struct aml *a);		/* LEqual (x, y) */
void aml__land(struct aml *a);			/* LAnd (x, y) */
void aml__lnot(struct aml *a);			/* LNot (x); LNotEqual is LNot (LEqual ()) */
void aml__return(struct aml *a);		/* Return (x) */
void aml__notify(struct aml *a);		/* Notify (object, value) */
void aml__create_dword_field(struct aml *a);	/* (buffer, byte index, aml__path (name)) */

/*
 * Resource descriptors, only inside aml__resource_begin(). The address space
 * ones are what a PCI host bridge's _CRS uses: ResourceProducer, PosDecode,
 * MinFixed, MaxFixed, granularity and translation 0, length max - min + 1.
 */
enum aml_irq_flags {		/* Interrupt (): ResourceConsumer, then these */
	AML_IRQ_LEVEL		= 0,
	AML_IRQ_EDGE		= 1 << 1,
	AML_IRQ_ACTIVE_HIGH	= 0,
	AML_IRQ_ACTIVE_LOW	= 1 << 2,
	AML_IRQ_SHARED		= 1 << 3,
	AML_IRQ_WAKE		= 1 << 4,
};

enum aml_mem_cache {		/* memory attributes of [DQ]WordMemory */
	AML_MEM_NONCACHEABLE	= 0,
	AML_MEM_CACHEABLE	= 1,
	AML_MEM_WRITECOMBINING	= 2,
	AML_MEM_PREFETCHABLE	= 3,
};

void aml__io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len); /* Decode16 */
void aml__irq_noflags(struct aml *a, unsigned irq);	/* IRQNoFlags () {irq}, irq 0-15 */
void aml__interrupt(struct aml *a, unsigned flags, uint32_t gsi);
void aml__memory32_fixed(struct aml *a, uint32_t base, uint32_t len, bool rw);
void aml__word_bus_number(struct aml *a, uint16_t min, uint16_t max);
void aml__word_io(struct aml *a, uint16_t min, uint16_t max);	/* EntireRange */
void aml__dword_memory(struct aml *a, enum aml_mem_cache cache, uint32_t min, uint32_t max);
void aml__qword_memory(struct aml *a, enum aml_mem_cache cache, uint64_t min, uint64_t max);

#endif
