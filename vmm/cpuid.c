/*
 * Per-vCPU CPUID from KVM_GET_SUPPORTED_CPUID.
 *
 * The guest's topology lives in the APIC id: thread bits lowest, then core
 * bits, then socket bits, each field ceil(log2(count)) wide. Every topology
 * leaf is derived from those widths, so whichever leaf a guest kernel parses
 * (Linux 6.1: leaf 1/4 legacy, 0xb/0x1f, AMD 0x8000_0008/0x8000_001e; Linux
 * >= 6.9: topology_ext.c/topology_amd.c) it decodes the same
 * (socket, core, thread) and the same APIC id as the MADT.
 *
 * "Addressable" counts (leaf 1 EBX[23:16], leaf 4 / 0x8000_001d EAX[25:14] and
 * EAX[31:26]) are powers of two: Linux turns them into shifts with
 * get_count_order() and AMD's sysfs cache map uses apicid % nshared, both of
 * which only agree with the APIC id layout for 1 << width.
 *
 * The LLC is shared by one socket and never more (Linux warns in
 * topology_sane() when an LLC spans NUMA nodes, and mvmm puts one socket per
 * guest node); L1/L2 are per core.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cpuid.h"

#define CPUID_SIG_INTEL_EBX	0x756e6547	/* "Genu" */
#define CPUID_SIG_AMD_EBX	0x68747541	/* "Auth" */
#define CPUID_SIG_HYGON_EBX	0x6f677948	/* "Hygo" */

/* Leaf 1 */
#define L1_ECX_VMX		(1u << 5)
#define L1_ECX_X2APIC		(1u << 21)
#define L1_ECX_TSC_DEADLINE	(1u << 24)
#define L1_ECX_HYPERVISOR	(1u << 31)
#define L1_EDX_HTT		(1u << 28)
/* Leaf 0x8000_0001 ECX */
#define EXT1_ECX_CMP_LEGACY	(1u << 1)
#define EXT1_ECX_SVM		(1u << 2)
#define LEAF_SVM		0x8000000au	/* SVM revision, ASIDs, features */
#define EXT1_ECX_TOPOEXT	(1u << 22)

/* Leaf 0xb / 0x1f level types */
#define TOPO_LEVEL_INVALID	0
#define TOPO_LEVEL_SMT		1
#define TOPO_LEVEL_CORE		2

/* Sanity limits: fields the topology must fit in on every vendor. */
#define MAX_THREADS		256	/* 0x8000_001e EBX[15:8] + 1 */
#define MAX_SOCKETS		256	/* 0x8000_001e ECX[7:0] node id */
#define MAX_PER_PKG		0xffff	/* leaf 0xb EBX[15:0] */
#define XAPIC_MAX_ID		254	/* 0xff is the xAPIC broadcast id */

enum vendor { VENDOR_INTEL, VENDOR_AMD };

/* Everything the leaves are derived from, computed once. */
struct topo_bits {
	unsigned tbits;		/* thread field width */
	unsigned cbits;		/* core field width */
	unsigned pkg_shift;	/* tbits + cbits: APIC id >> pkg_shift = socket */
	unsigned per_pkg;	/* cores * threads */
	uint32_t apic_id;
	struct cpu_place p;
	const struct cpu_topo *t;
};

/* ceil(log2(n)) for n >= 1, like Linux's get_count_order(). */
static unsigned order(unsigned n)
{
	unsigned b = 0;

	while (b < 32 && (1ull << b) < n)
		b++;
	return b;
}

struct cpu_place cpuid__place(const struct cpu_topo *t, unsigned vcpu)
{
	struct cpu_place p = { 0, 0, 0 };

	if (!t || !t->threads || !t->cores)
		return p;
	p.thread = vcpu % t->threads;
	p.core = (vcpu / t->threads) % t->cores;
	p.socket = vcpu / t->threads / t->cores;
	return p;
}

uint32_t cpuid__apic_id(const struct cpu_topo *t, struct cpu_place p)
{
	unsigned tbits = order(t->threads), cbits = order(t->cores);

	return ((uint64_t)p.socket << (tbits + cbits)) | (p.core << tbits) | p.thread;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx)
			return e;
	}
	return NULL;
}

/* A leaf is there only if its range's max leaf covers it and KVM listed it. */
static bool has_leaf(const struct kvm_cpuid2 *c, uint32_t fn)
{
	const struct kvm_cpuid_entry2 *max = find(c, fn & 0x80000000u, 0);

	return max && fn <= max->eax && find(c, fn, 0);
}

static int topo_bits__init(struct topo_bits *b, const struct cpu_topo *t, struct cpu_place p)
{
	uint64_t per_pkg, max_apic;

	if (!t->sockets || !t->cores || !t->threads)
		return -EINVAL;
	if (p.socket >= t->sockets || p.core >= t->cores || p.thread >= t->threads)
		return -EINVAL;
	if (t->threads > MAX_THREADS || t->sockets > MAX_SOCKETS)
		return -EINVAL;
	per_pkg = (uint64_t)t->cores * t->threads;
	if (per_pkg > MAX_PER_PKG)
		return -EINVAL;

	b->tbits = order(t->threads);
	b->cbits = order(t->cores);
	b->pkg_shift = b->tbits + b->cbits;
	/* The APIC id must fit in 32 bits and not be the x2APIC broadcast id. */
	if (b->pkg_shift + order(t->sockets) > 32)
		return -EINVAL;
	max_apic = ((uint64_t)(t->sockets - 1) << b->pkg_shift) |
		   ((uint64_t)(t->cores - 1) << b->tbits) | (t->threads - 1);
	if (max_apic >= 0xffffffffull)
		return -EINVAL;
	b->per_pkg = per_pkg;
	b->t = t;
	b->p = p;
	b->apic_id = cpuid__apic_id(t, p);
	return 0;
}

static uint32_t max_apic_id(const struct topo_bits *b)
{
	struct cpu_place last = { b->t->sockets - 1, b->t->cores - 1, b->t->threads - 1 };

	return cpuid__apic_id(b->t, last);
}

static uint32_t clamp(uint64_t v, uint32_t max)
{
	return v > max ? max : (uint32_t)v;
}

/* 1 << width, as the legacy "maximum addressable ids" fields want. */
static uint32_t addressable(unsigned width)
{
	return width >= 32 ? 0xffffffffu : 1u << width;
}

/* Leaf 1: initial APIC id, addressable logical processors per package, HTT. */
static void fix_leaf1(struct kvm_cpuid_entry2 *e, const struct topo_bits *b)
{
	bool multi = b->pkg_shift > 0;

	e->ebx &= 0x0000ffff;
	e->ebx |= (b->apic_id & 0xff) << 24;
	e->ebx |= clamp(addressable(b->pkg_shift), 0xff) << 16;
	e->ecx |= L1_ECX_HYPERVISOR;
	if (multi)
		e->edx |= L1_EDX_HTT;
	else
		e->edx &= ~L1_EDX_HTT;
}

/* Sharing width of a cache level: L1/L2 per core, L3 and beyond per socket. */
static unsigned cache_share_bits(unsigned level, const struct topo_bits *b)
{
	return level <= 2 ? b->tbits : b->pkg_shift;
}

/* EAX[25:14] of leaf 4 and 0x8000_001d: addressable ids sharing the cache - 1. */
static void set_cache_sharing(struct kvm_cpuid_entry2 *e, const struct topo_bits *b)
{
	unsigned level = (e->eax >> 5) & 7;
	uint32_t n = clamp(addressable(cache_share_bits(level, b)) - 1, 0xfff);

	e->eax = (e->eax & ~(0xfffu << 14)) | (n << 14);
}

/* Intel leaf 4 subleaf (cache type in EAX[4:0], 0 = no more caches). */
static void fix_leaf4(struct kvm_cpuid_entry2 *e, const struct topo_bits *b)
{
	uint32_t cores = clamp(addressable(b->cbits) - 1, 0x3f);

	if (!(e->eax & 0x1f))
		return;
	set_cache_sharing(e, b);
	e->eax = (e->eax & ~(0x3fu << 26)) | (cores << 26);
}

/* AMD 0x8000_001d subleaf. */
static void fix_ext1d(struct kvm_cpuid_entry2 *e, const struct topo_bits *b)
{
	if (e->eax & 0x1f)
		set_cache_sharing(e, b);
}

/* Leaf 0xb / 0x1f: SMT level, core level, then the invalid terminator. */
static void make_ext_topo(struct kvm_cpuid_entry2 out[3], uint32_t fn, const struct topo_bits *b)
{
	for (unsigned i = 0; i < 3; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].function = fn;
		out[i].index = i;
		out[i].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		out[i].ecx = i;
		out[i].edx = b->apic_id;
	}
	out[0].eax = b->tbits;
	out[0].ebx = b->t->threads;
	out[0].ecx |= TOPO_LEVEL_SMT << 8;
	out[1].eax = b->pkg_shift;
	out[1].ebx = b->per_pkg;
	out[1].ecx |= TOPO_LEVEL_CORE << 8;
	out[2].ecx |= TOPO_LEVEL_INVALID << 8;
}

/* AMD 0x8000_0008 ECX: NC (threads per package - 1), ApicIdCoreIdSize. */
static void fix_ext8(struct kvm_cpuid_entry2 *e, const struct topo_bits *b)
{
	/* NC is 8 bits; beyond 256 threads Linux goes by ApicIdCoreIdSize. */
	uint32_t nc = clamp(b->per_pkg - 1, 0xff);

	e->ecx &= ~(0xfu << 12 | 0xffu);
	e->ecx |= (b->pkg_shift & 0xf) << 12 | nc;
}

/* AMD 0x8000_001e: extended APIC id, core (compute unit) id, threads per
 * core, node id. One node per socket, so node id == socket. */
static void fix_ext1e(struct kvm_cpuid_entry2 *e, const struct topo_bits *b)
{
	e->eax = b->apic_id;
	e->ebx = (b->p.core & 0xff) | ((b->t->threads - 1) & 0xff) << 8;
	e->ecx = b->p.socket & 0xff;	/* ECX[10:8] = nodes per socket - 1 = 0 */
	e->edx = 0;
}

static enum vendor vendor_of(const struct kvm_cpuid_entry2 *leaf0)
{
	if (leaf0->ebx == CPUID_SIG_AMD_EBX || leaf0->ebx == CPUID_SIG_HYGON_EBX)
		return VENDOR_AMD;
	/* Intel, and Intel-style (Centaur/Zhaoxin) leaves for everyone else. */
	return VENDOR_INTEL;
}

/* The TSC-deadline timer is the in-kernel LAPIC's (KVM never lists it, the
 * host may not have it). Without it Linux calibrates the LAPIC timer against
 * the PIT at boot and programs it through TMICT; with it, one WRMSR per
 * timer event and no calibration. */
void cpuid__normalize(struct kvm_cpuid2 *supported, unsigned kvm_caps)
{
	struct kvm_cpuid_entry2 *leaf1 = (struct kvm_cpuid_entry2 *)find(supported, 1, 0);
	struct kvm_cpuid_entry2 *ext1 = (struct kvm_cpuid_entry2 *)find(supported, 0x80000001u, 0);
	struct kvm_cpuid_entry2 *svm = (struct kvm_cpuid_entry2 *)find(supported, LEAF_SVM, 0);

	if (leaf1 && (kvm_caps & CPUID_KVM_TSC_DEADLINE))
		leaf1->ecx |= L1_ECX_TSC_DEADLINE;
	if (kvm_caps & CPUID_NESTED)
		return;
	if (leaf1)
		leaf1->ecx &= ~L1_ECX_VMX;
	if (ext1)
		ext1->ecx &= ~EXT1_ECX_SVM;
	if (svm)
		svm->eax = svm->ebx = svm->ecx = svm->edx = 0;
}

bool cpuid__has_virt(const struct kvm_cpuid2 *supported)
{
	const struct kvm_cpuid_entry2 *leaf1 = find(supported, 1, 0);
	const struct kvm_cpuid_entry2 *ext1 = find(supported, 0x80000001u, 0);

	return (leaf1 && (leaf1->ecx & L1_ECX_VMX)) || (ext1 && (ext1->ecx & EXT1_ECX_SVM));
}

int cpuid__build(const struct kvm_cpuid2 *supported, const struct cpu_topo *t,
		 struct cpu_place p, struct kvm_cpuid2 **out)
{
	const struct kvm_cpuid_entry2 *leaf0, *leaf1;
	struct kvm_cpuid2 *c = NULL;
	bool topo_b, topo_1f, topoext, done_b = false, done_1f = false;
	enum vendor vendor;
	struct topo_bits b;
	uint32_t n = 0;
	int ret;

	if (!supported || !t || !out)
		return -EINVAL;
	*out = NULL;
	ret = topo_bits__init(&b, t, p);
	if (ret)
		return ret;

	leaf0 = find(supported, 0, 0);
	leaf1 = find(supported, 1, 0);
	if (!leaf0 || !leaf1 || leaf0->eax < 1)
		return -EINVAL;
	vendor = vendor_of(leaf0);

	/* APIC ids above 254 only exist in x2APIC mode. */
	if (max_apic_id(&b) > XAPIC_MAX_ID && !(leaf1->ecx & L1_ECX_X2APIC))
		return -EINVAL;

	topo_b = has_leaf(supported, 0xb);
	topo_1f = has_leaf(supported, 0x1f);
	topoext = vendor == VENDOR_AMD && has_leaf(supported, 0x8000001d) &&
		  has_leaf(supported, 0x8000001e);

	/* 0xb and 0x1f may each grow to three subleaves. */
	c = calloc(1, sizeof(*c) + (supported->nent + 6) * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;

	for (uint32_t i = 0; i < supported->nent; i++) {
		const struct kvm_cpuid_entry2 *in = &supported->entries[i];
		struct kvm_cpuid_entry2 *e = &c->entries[n];
		uint32_t fn = in->function;

		/* Regenerate all of 0xb / 0x1f where their first entry was. */
		if ((fn == 0xb && topo_b) || (fn == 0x1f && topo_1f)) {
			bool *done = fn == 0xb ? &done_b : &done_1f;

			if (!*done) {
				make_ext_topo(e, fn, &b);
				n += 3;
				*done = true;
			}
			continue;
		}

		*e = *in;
		n++;
		switch (fn) {
		case 1:
			fix_leaf1(e, &b);
			break;
		case 4:
			if (vendor == VENDOR_INTEL && has_leaf(supported, 4))
				fix_leaf4(e, &b);
			break;
		case 0x80000001:
			if (vendor != VENDOR_AMD || !has_leaf(supported, fn))
				break;
			/* CmpLegacy: more than one logical processor per socket. */
			e->ecx &= ~(EXT1_ECX_CMP_LEGACY | EXT1_ECX_TOPOEXT);
			if (b.pkg_shift)
				e->ecx |= EXT1_ECX_CMP_LEGACY;
			if (topoext)
				e->ecx |= EXT1_ECX_TOPOEXT;
			break;
		case 0x80000008:
			if (vendor == VENDOR_AMD && has_leaf(supported, fn))
				fix_ext8(e, &b);
			break;
		case 0x8000001d:
			if (topoext)
				fix_ext1d(e, &b);
			break;
		case 0x8000001e:
			if (topoext)
				fix_ext1e(e, &b);
			break;
		case 0x80000026:
			/* AMD extended topology would carry the host's layout and
			 * Linux prefers it to 0xb: make it invalid (subleaf 0
			 * type 0) so the guest falls back to leaf 0xb. */
			if (!has_leaf(supported, fn))
				break;
			e->eax = e->ebx = e->edx = 0;
			e->ecx = e->index & 0xff;
			break;
		}
	}
	c->nent = n;
	*out = c;
	return 0;
}
