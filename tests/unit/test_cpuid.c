/*
 * cpuid__build() on recorded KVM_GET_SUPPORTED_CPUID tables of both vendors.
 *
 * The built leaves are decoded the way two generations of Linux do it
 * (6.1 as in the Debian test guest: intel.c/amd.c/topology.c/cacheinfo.c;
 * >= 6.9: topology_ext.c/topology_amd.c) and must give back the intended
 * (socket, core, thread), the MADT APIC id, and an LLC that never spans
 * sockets. Run from the repository root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cpuid.h"

#define DATA "tests/unit/data/cpuid/"
#define T_AMD_TESTHOST	DATA "amd-testhost-kvm_amd-6.1.txt"
#define T_AMD_EPYC	DATA "amd-epyc-kvm_pvm-6.18.txt"
#define T_INTEL_ICX	DATA "intel-icx-kvm-6.1.txt"

#define SIG_IDX KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* ---- recorded tables ---------------------------------------------------- */

static struct kvm_cpuid2 *table_alloc(unsigned n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

	assert_non_null(c);
	return c;
}

static struct kvm_cpuid2 *load_table(const char *path)
{
	struct kvm_cpuid2 *c = table_alloc(512);
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	while (fgets(line, sizeof(line), f)) {
		struct kvm_cpuid_entry2 *e = &c->entries[c->nent];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_true(c->nent < 512);
		if (sscanf(line, "%x %x %x %x %x %x %x", &e->function, &e->index, &e->flags,
			   &e->eax, &e->ebx, &e->ecx, &e->edx) != 7)
			fail_msg("%s: bad line: %s", path, line);
		c->nent++;
	}
	fclose(f);
	assert_true(c->nent > 10);
	return c;
}

static struct kvm_cpuid2 *table_dup(const struct kvm_cpuid2 *in, unsigned extra)
{
	struct kvm_cpuid2 *c = table_alloc(in->nent + extra);

	c->nent = in->nent;
	memcpy(c->entries, in->entries, in->nent * sizeof(in->entries[0]));
	return c;
}

static struct kvm_cpuid_entry2 *entry(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = (struct kvm_cpuid_entry2 *)&c->entries[i];

		if (e->function == fn && (!(e->flags & SIG_IDX) || e->index == idx))
			return e;
	}
	return NULL;
}

static void table_add(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx, uint32_t flags,
		      uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

/*
 * The Intel table with leaf 0x1f, as on Sapphire/Emerald Rapids hosts (max
 * basic leaf 0x20 there): leaf 0 raised to 0x1f and the one 0x1f entry KVM
 * (>= 5.19) reports, zeroed but for the host x2APIC id.
 */
static struct kvm_cpuid2 *intel_with_1f(void)
{
	struct kvm_cpuid2 *icx = load_table(T_INTEL_ICX), *c = table_dup(icx, 8);

	free(icx);
	for (uint32_t fn = 0x1c; fn <= 0x1e; fn++)
		table_add(c, fn, 0, 0, 0, 0, 0, 0);
	table_add(c, 0x1f, 0, SIG_IDX, 0, 0, 0, 0x25);
	entry(c, 0, 0)->eax = 0x1f;
	return c;
}

/* ---- a CPUID instruction over a built table ----------------------------- */

struct regs {
	uint32_t eax, ebx, ecx, edx;
};

static struct regs cpuid(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	const struct kvm_cpuid_entry2 *e = entry(c, fn, idx);
	struct regs r = { 0, 0, 0, 0 };

	if (e) {
		r.eax = e->eax;
		r.ebx = e->ebx;
		r.ecx = e->ecx;
		r.edx = e->edx;
	}
	return r;
}

static unsigned count_order(uint32_t n)
{
	unsigned b = 0;

	while (b < 32 && (1ull << b) < n)
		b++;
	return b;
}

static bool is_amd(const struct kvm_cpuid2 *c)
{
	uint32_t ebx = cpuid(c, 0, 0).ebx;

	return ebx == 0x68747541 || ebx == 0x6f677948;
}

static unsigned max_basic(const struct kvm_cpuid2 *c)
{
	return cpuid(c, 0, 0).eax;
}

static unsigned max_ext(const struct kvm_cpuid2 *c)
{
	return cpuid(c, 0x80000000, 0).eax;
}

static unsigned family(const struct kvm_cpuid2 *c)
{
	uint32_t eax = cpuid(c, 1, 0).eax;
	unsigned fam = (eax >> 8) & 0xf;

	return fam == 0xf ? fam + ((eax >> 20) & 0xff) : fam;
}

static unsigned model(const struct kvm_cpuid2 *c)
{
	uint32_t eax = cpuid(c, 1, 0).eax;

	return ((eax >> 4) & 0xf) | (((eax >> 16) & 0xf) << 4);
}

static bool topoext(const struct kvm_cpuid2 *c)
{
	return max_ext(c) >= 0x80000001 && (cpuid(c, 0x80000001, 0).ecx & (1u << 22));
}

/* ---- what Linux makes of it --------------------------------------------- */

struct linux_view {
	uint32_t apicid;	/* initial APIC id Linux ends up with */
	uint32_t pkg;
	uint32_t die;
	uint32_t core;		/* core id within the package */
	uint32_t cu;		/* AMD fam 15h compute unit, or ~0 */
	uint32_t llc;
	unsigned siblings;	/* smp_num_siblings: threads per core */
	unsigned max_cores;	/* x86_max_cores (6.1) / cores per package */
	bool ext_topo;		/* a 0xb/0x1f leaf was used */
};

/* Linux 6.1 arch/x86/kernel/cpu/topology.c: check_extended_topology_leaf(). */
static int leaf_b_ok(const struct kvm_cpuid2 *c, uint32_t leaf)
{
	struct regs r = cpuid(c, leaf, 0);

	return (r.ebx & 0xffff) && ((r.ecx >> 8) & 0xff) == 1;
}

/* Linux 6.1 detect_extended_topology(); also checks every subleaf's EDX. */
static bool detect_ext_topo_61(const struct kvm_cpuid2 *c, struct linux_view *v)
{
	unsigned ht_w, core_w, pkg_w, core_sibs;
	uint32_t leaf;
	struct regs r;

	if (max_basic(c) >= 0x1f && leaf_b_ok(c, 0x1f))
		leaf = 0x1f;
	else if (max_basic(c) >= 0xb && leaf_b_ok(c, 0xb))
		leaf = 0xb;
	else
		return false;

	r = cpuid(c, leaf, 0);
	v->apicid = r.edx;
	core_sibs = r.ebx & 0xffff;
	if (core_sibs > v->siblings)
		v->siblings = core_sibs;
	ht_w = core_w = pkg_w = r.eax & 0x1f;
	for (uint32_t sub = 1;; sub++) {
		unsigned type;

		r = cpuid(c, leaf, sub);
		type = (r.ecx >> 8) & 0xff;
		assert_int_equal(r.ecx & 0xff, sub);	/* level number */
		assert_int_equal(r.edx, v->apicid);	/* x2APIC id, every subleaf */
		if (type == 2) {
			core_sibs = r.ebx & 0xffff;
			core_w = r.eax & 0x1f;
		}
		if (type == 0)
			break;
		pkg_w = r.eax & 0x1f;
		assert_true(sub < 8);
	}
	v->core = (v->apicid >> ht_w) & ((~(~0u << pkg_w)) >> ht_w);
	v->pkg = v->apicid >> pkg_w;
	v->max_cores = core_sibs / v->siblings;
	(void)core_w;
	v->ext_topo = true;
	return true;
}

/* Linux 6.1 init_intel_cacheinfo(): LLC id from leaf 4. */
static uint32_t intel_llc_61(const struct kvm_cpuid2 *c, uint32_t apicid)
{
	uint32_t l2 = ~0u, l3 = ~0u;

	for (uint32_t i = 0; max_basic(c) >= 4 && i < 16; i++) {
		struct regs r = cpuid(c, 4, i);
		unsigned level = (r.eax >> 5) & 7, msb;

		if (!(r.eax & 0x1f))
			break;
		msb = count_order(((r.eax >> 14) & 0xfff) + 1);
		if (level == 2)
			l2 = apicid & ~((1u << msb) - 1);
		if (level == 3)
			l3 = apicid & ~((1u << msb) - 1);
	}
	return l3 != ~0u ? l3 : l2;
}

/* Linux 6.1 cacheinfo_amd_init_llc_id(). */
static void amd_llc_61(const struct kvm_cpuid2 *c, struct linux_view *v)
{
	unsigned fam = family(c), leaves = 0;
	struct regs r;

	if (!cpuid(c, 0x80000006, 0).edx)
		return;
	if (fam < 0x17) {
		v->llc = v->die;
	} else if (fam == 0x17 && model(c) <= 0x1f) {
		v->llc = v->apicid >> 3;
	} else {
		while (leaves < 16 && (cpuid(c, 0x8000001d, leaves).eax & 0x1f))
			leaves++;
		assert_true(leaves > 0);
		r = cpuid(c, 0x8000001d, leaves - 1);
		if (r.eax)
			v->llc = v->apicid >> count_order(((r.eax >> 14) & 0xfff) + 1);
	}
}

static struct linux_view decode_61(const struct kvm_cpuid2 *c)
{
	struct linux_view v = { .cu = ~0u, .siblings = 1, .max_cores = 1 };
	struct regs l1 = cpuid(c, 1, 0);

	v.apicid = l1.ebx >> 24;
	v.pkg = v.apicid;	/* generic_identify() */

	if (!is_amd(c)) {
		struct regs l4 = cpuid(c, 4, 0);

		if (max_basic(c) >= 4 && (l4.eax & 0x1f))
			v.max_cores = (l4.eax >> 26) + 1;	/* intel_num_cpu_cores() */
		if (!detect_ext_topo_61(c, &v) && (l1.edx & (1u << 28))) {
			/* detect_ht() */
			unsigned sibs = (l1.ebx >> 16) & 0xff, msb, core_bits;

			msb = count_order(sibs);
			v.pkg = v.apicid >> msb;
			sibs /= v.max_cores;
			msb = count_order(sibs);
			core_bits = count_order(v.max_cores);
			v.core = (v.apicid >> msb) & ((1u << core_bits) - 1);
			v.siblings = sibs ? sibs : 1;
		}
		v.die = v.pkg;
		v.llc = intel_llc_61(c, v.apicid);
		return v;
	}

	/* AMD: early_init_amd_mc() */
	unsigned bits = 0;

	if (max_ext(c) >= 0x80000008) {
		uint32_t ecx = cpuid(c, 0x80000008, 0).ecx;

		v.max_cores = (ecx & 0xff) + 1;
		bits = (ecx >> 12) & 0xf;
		if (!bits)
			bits = count_order(v.max_cores);
	}
	/* amd_get_topology_early() */
	if (topoext(c))
		v.siblings = ((cpuid(c, 0x8000001e, 0).ebx >> 8) & 0xff) + 1;
	/* amd_detect_cmp() */
	v.core = v.apicid & ((1u << bits) - 1);
	v.pkg = v.apicid >> bits;
	v.llc = v.die = v.pkg;
	/* amd_get_topology() */
	if (topoext(c)) {
		struct regs e = cpuid(c, 0x8000001e, 0);

		v.die = e.ecx & 0xff;
		assert_int_equal((e.ecx >> 8) & 7, 0);	/* one node per socket */
		if (family(c) == 0x15)
			v.cu = e.ebx & 0xff;
		if (family(c) >= 0x17) {
			v.core = e.ebx & 0xff;
			if (v.siblings > 1)
				v.max_cores /= v.siblings;
		}
		detect_ext_topo_61(c, &v);
		amd_llc_61(c, &v);
	}
	return v;
}

/* Linux >= 6.9 topology_ext.c parse_topology_leaf(); shifts per domain. */
struct scan {
	unsigned smt_shift, core_shift;	/* core shift == package shift here */
	unsigned smt_n, core_n;
	uint32_t apicid;
	uint32_t llc;
	uint32_t node;
};

static bool parse_leaf_new(const struct kvm_cpuid2 *c, uint32_t leaf, struct scan *s)
{
	unsigned sub;

	for (sub = 0;; sub++) {
		struct regs r = cpuid(c, leaf, sub);
		unsigned type = (r.ecx >> 8) & 0xff;

		if (!(r.ebx & 0xffff) || !type)
			break;
		assert_true(type <= 2);	/* SMT and core only: die == package */
		if (sub == 0) {
			assert_int_equal(type, 1);
			s->apicid = r.edx;
		} else {
			assert_int_equal(r.edx, s->apicid);
		}
		if (type == 1) {
			s->smt_shift = s->core_shift = r.eax & 0x1f;
			s->smt_n = s->core_n = r.ebx & 0xffff;
		} else {
			s->core_shift = r.eax & 0x1f;
			s->core_n = r.ebx & 0xffff;
		}
	}
	if (!sub)
		return false;
	/* "shift 0 but N CPUs at SMT level" would be fixed up with a FW_BUG. */
	assert_false(!s->smt_shift && s->smt_n > 1);
	return true;
}

static bool parse_ext_new(const struct kvm_cpuid2 *c, struct scan *s)
{
	if (max_basic(c) >= 0x1f && parse_leaf_new(c, 0x1f, s))
		return true;
	/* 0x80000026 (AMD) must have been made invalid by the builder. */
	if (max_ext(c) >= 0x80000026)
		assert_false(parse_leaf_new(c, 0x80000026, s));
	return max_basic(c) >= 0xb && parse_leaf_new(c, 0xb, s);
}

static struct scan decode_new(const struct kvm_cpuid2 *c)
{
	struct regs l1 = cpuid(c, 1, 0);
	struct scan s = { .apicid = l1.ebx >> 24, .llc = ~0u, .node = 0, .smt_n = 1, .core_n = 1 };

	if (!is_amd(c)) {
		if (!parse_ext_new(c, &s)) {
			/* parse_legacy() */
			struct regs l4 = cpuid(c, 4, 0);
			unsigned cores = 1, core_shift, smt_shift = 0;

			if (max_basic(c) >= 4 && (l4.eax & 0x1f))
				cores = (l4.eax >> 26) + 1;
			core_shift = count_order(cores);
			if (l1.edx & (1u << 28)) {
				unsigned nproc_shift = count_order((l1.ebx >> 16) & 0xff);

				assert_true(nproc_shift >= core_shift);
				smt_shift = nproc_shift - core_shift;
				core_shift += smt_shift;
				cores <<= smt_shift;
			}
			s.smt_shift = smt_shift;
			s.smt_n = 1u << smt_shift;
			s.core_shift = core_shift;
			s.core_n = cores;
		}
		s.llc = intel_llc_61(c, s.apicid);	/* same rule in new kernels */
		return s;
	}

	/* topology_amd.c parse_topology_amd() */
	bool has_ext = topoext(c) && parse_ext_new(c, &s);

	if (!has_ext) {
		/* parse_8000_0008() */
		uint32_t ecx = cpuid(c, 0x80000008, 0).ecx;
		unsigned sft = (ecx >> 12) & 0xf;

		assert_true(max_ext(c) >= 0x80000008);
		if (!sft)
			sft = count_order((ecx & 0xff) + 1);
		s.smt_shift = 0;
		s.smt_n = 1;
		s.core_shift = sft;
		s.core_n = (ecx & 0xff) + 1;
	}
	if (topoext(c)) {
		/* parse_8000_001e() */
		struct regs e = cpuid(c, 0x8000001e, 0);

		s.apicid = e.eax;
		if (!has_ext) {
			unsigned n = ((e.ebx >> 8) & 0xff) + 1;

			s.smt_shift = count_order(n);
			s.smt_n = n;
		}
		s.node = e.ecx & 0xff;
		assert_int_equal((e.ecx >> 8) & 7, 0);
		/* cacheinfo_amd_init_llc_id(c, node_id) */
		struct linux_view v = { .apicid = s.apicid, .die = s.node, .llc = ~0u };

		amd_llc_61(c, &v);
		s.llc = v.llc;
	}
	/* legacy_set_llc() */
	if (s.llc == ~0u)
		s.llc = s.apicid >> s.core_shift;
	return s;
}

/* ---- checks -------------------------------------------------------------- */

static bool touched_leaf(uint32_t fn)
{
	switch (fn) {
	case 1: case 4: case 0xb: case 0x1f:
	case 0x80000001: case 0x80000008: case 0x8000001d: case 0x8000001e: case 0x80000026:
		return true;
	}
	return false;
}

/* Every KVM_CPUID_FLAG_SIGNIFCANT_INDEX function: all entries flagged, no
 * duplicates, unflagged functions appear once with index 0, topology and
 * cache leaves have contiguous subleaves ending in a terminator. */
static void check_table_shape(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *a = &c->entries[i];
		uint32_t n = 0, max_idx = 0;

		for (uint32_t j = 0; j < c->nent; j++) {
			const struct kvm_cpuid_entry2 *b = &c->entries[j];

			if (b->function != a->function)
				continue;
			assert_int_equal(a->flags & SIG_IDX, b->flags & SIG_IDX);
			if (j != i)
				assert_int_not_equal(a->index, b->index);
			n++;
			if (b->index > max_idx)
				max_idx = b->index;
		}
		if (!(a->flags & SIG_IDX)) {
			assert_int_equal(n, 1);
			assert_int_equal(a->index, 0);
		}
		if (a->function == 0xb || a->function == 0x1f || a->function == 4 ||
		    a->function == 0x8000001d) {
			const struct kvm_cpuid_entry2 *last = entry(c, a->function, max_idx);

			assert_int_equal(n, max_idx + 1);
			assert_non_null(last);
			if (a->function == 4 || a->function == 0x8000001d)
				assert_int_equal(last->eax & 0x1f, 0);
			else if (n > 1)
				assert_int_equal((last->ecx >> 8) & 0xff, 0);
		}
	}
}

/* Leaves mvmm does not own are bit-identical; owned ones change only their
 * topology fields. */
static void check_unrelated_unchanged(const struct kvm_cpuid2 *in, const struct kvm_cpuid2 *out)
{
	bool amd = is_amd(in);

	for (uint32_t i = 0; i < in->nent; i++) {
		const struct kvm_cpuid_entry2 *a = &in->entries[i];
		const struct kvm_cpuid_entry2 *b = entry(out, a->function, a->index);
		uint32_t keep[4] = { ~0u, ~0u, ~0u, ~0u };

		assert_non_null(b);
		assert_int_equal(a->flags, b->flags);
		if (!touched_leaf(a->function)) {
			assert_memory_equal(a, b, sizeof(*a));
			continue;
		}
		switch (a->function) {
		case 1:
			keep[1] = 0x0000ffff;
			keep[2] = ~(1u << 31);
			keep[3] = ~(1u << 28);
			break;
		case 4:
			if (!amd)
				keep[0] = (1u << 14) - 1;
			break;
		case 0x80000001:
			if (amd)
				keep[2] = ~((1u << 1) | (1u << 22));
			break;
		case 0x80000008:
			if (amd)
				keep[2] = ~(0xfu << 12 | 0xff);
			break;
		case 0x8000001d:
			keep[0] = ~(0xfffu << 14);
			break;
		default:	/* regenerated */
			continue;
		}
		assert_int_equal(a->eax & keep[0], b->eax & keep[0]);
		assert_int_equal(a->ebx & keep[1], b->ebx & keep[1]);
		assert_int_equal(a->ecx & keep[2], b->ecx & keep[2]);
		assert_int_equal(a->edx & keep[3], b->edx & keep[3]);
	}
	for (uint32_t i = 0; i < out->nent; i++)
		assert_non_null(entry(in, out->entries[i].function, 0));
}

/* Can this table tell Linux about SMT? Intel-style leaves always can; AMD
 * only through TopologyExtensions (the test host's kvm_amd has none). */
static bool smt_expressible(const struct kvm_cpuid2 *c)
{
	return !is_amd(c) || topoext(c);
}

struct seen {
	struct cpu_place p;
	uint32_t apic;
	uint32_t pkg61, core61, llc61, llc_new, pkg_new, core_new;
	uint32_t l1_share, l2_share;	/* 0x8000001d NumSharingCache, 0 = n/a */
};

/* 0x8000001d subleaf of the given level (data/unified), sharing count. */
static uint32_t amd_cache_share(const struct kvm_cpuid2 *c, unsigned level)
{
	for (uint32_t i = 0; topoext(c) && i < 16; i++) {
		struct regs r = cpuid(c, 0x8000001d, i);

		if (!(r.eax & 0x1f))
			break;
		if (((r.eax >> 5) & 7) == level && (r.eax & 0x1f) != 2)
			return ((r.eax >> 14) & 0xfff) + 1;
	}
	return 0;
}

/* Linux cache_shared_amd_cpu_map_setup() (TOPOEXT, levels below L3):
 * CPUs whose APIC id lies in [id - id % nshared, + nshared) share it. */
static bool amd_sysfs_shares(uint32_t apic_a, uint32_t apic_b, uint32_t nshared)
{
	uint32_t first = apic_a - apic_a % nshared;

	return apic_b >= first && apic_b < first + nshared;
}

static void check_one(const struct kvm_cpuid2 *in, const struct cpu_topo *t, unsigned vcpu,
		      struct seen *s)
{
	struct cpu_place p = cpuid__place(t, vcpu);
	uint32_t apic = cpuid__apic_id(t, p);
	unsigned tb = count_order(t->threads), cb = count_order(t->cores);
	struct kvm_cpuid2 *out = NULL;
	struct linux_view v;
	struct scan n;

	assert_int_equal(cpuid__build(in, t, p, &out), 0);
	assert_non_null(out);

	check_table_shape(out);
	check_unrelated_unchanged(in, out);
	assert_true(cpuid(out, 1, 0).ecx & (1u << 31));	/* hypervisor */
	assert_int_equal(cpuid(out, 1, 0).ebx >> 24, apic & 0xff);
	assert_int_equal(!!(cpuid(out, 1, 0).edx & (1u << 28)), t->cores * t->threads > 1);
	assert_int_equal(count_order((cpuid(out, 1, 0).ebx >> 16) & 0xff), tb + cb);
	/* One socket without SMT: APIC id == vCPU index (MADT order). */
	if (t->sockets == 1 && t->threads == 1)
		assert_int_equal(apic, vcpu);

	/* Linux 6.1 */
	v = decode_61(out);
	assert_int_equal(v.apicid, apic);
	assert_int_equal(v.pkg, p.socket);
	assert_int_equal(v.die, p.socket);
	if (smt_expressible(in)) {
		assert_int_equal(v.core, p.core);
		assert_int_equal(v.siblings, t->threads);
		assert_int_equal(v.max_cores, t->cores);
		if (v.cu != ~0u)
			assert_int_equal(v.cu, p.core);
	} else {
		/* Threads show up as cores of their own, still per socket. */
		assert_int_equal(v.core, (p.core << tb) | p.thread);
		assert_int_equal(v.siblings, 1);
		assert_int_equal(v.max_cores, t->cores * t->threads);
	}
	if (!is_amd(in) || topoext(in))
		assert_true(v.ext_topo);

	/* Linux >= 6.9 */
	n = decode_new(out);
	assert_int_equal(n.apicid, apic);
	assert_int_equal(apic >> n.core_shift, p.socket);
	if (smt_expressible(in)) {
		assert_int_equal(n.smt_shift, tb);
		assert_int_equal(n.smt_n, t->threads);
		assert_int_equal(n.core_n, t->cores * t->threads);
		assert_int_equal((apic >> n.smt_shift) & ((1u << (n.core_shift - n.smt_shift)) - 1),
				 p.core);
		assert_int_equal(apic & ((1u << n.smt_shift) - 1), p.thread);
	}
	assert_int_equal(n.core_shift, tb + cb);
	if (topoext(out))
		assert_int_equal(n.node, p.socket);

	/* AMD extended leaves say the same. */
	if (is_amd(in) && max_ext(in) >= 0x80000008) {
		uint32_t ecx = cpuid(out, 0x80000008, 0).ecx;

		assert_int_equal((ecx >> 12) & 0xf, tb + cb);
		assert_int_equal(ecx & 0xff, t->cores * t->threads - 1);
	}
	if (topoext(out)) {
		struct regs e = cpuid(out, 0x8000001e, 0);

		assert_int_equal(e.eax, apic);
		assert_int_equal(e.ebx, p.core | (t->threads - 1) << 8);
		assert_int_equal(e.ecx, p.socket);
		assert_int_equal(e.edx, 0);
	}
	assert_int_equal(!!(cpuid(out, 0x80000001, 0).ecx & (1u << 22)),
			 is_amd(in) && max_ext(in) >= 0x8000001e);

	s->p = p;
	s->apic = apic;
	s->pkg61 = v.pkg;
	s->core61 = v.core;
	s->llc61 = v.llc;
	s->llc_new = n.llc;
	s->pkg_new = apic >> n.core_shift;
	s->core_new = apic >> n.smt_shift;
	s->l1_share = amd_cache_share(out, 1);
	s->l2_share = amd_cache_share(out, 2);
	free(out);
}

/* Cross-vCPU: unique APIC ids, SMT siblings exactly the threads of a core,
 * LLC exactly one socket (never spanning two: topology_sane()). */
static void check_machine(const char *table, struct cpu_topo t)
{
	struct kvm_cpuid2 *in = load_table(table);
	unsigned n = t.sockets * t.cores * t.threads;
	struct seen *s = calloc(n, sizeof(*s));

	assert_non_null(s);
	for (unsigned i = 0; i < n; i++)
		check_one(in, &t, i, &s[i]);
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < n; j++) {
			bool same_socket = s[i].p.socket == s[j].p.socket;
			bool same_core = same_socket && s[i].p.core == s[j].p.core;

			if (i != j)
				assert_int_not_equal(s[i].apic, s[j].apic);
			assert_int_equal(s[i].llc61 == s[j].llc61, same_socket);
			assert_int_equal(s[i].llc_new == s[j].llc_new, same_socket);
			assert_int_equal(s[i].pkg61 == s[j].pkg61, same_socket);
			if (smt_expressible(in)) {
				assert_int_equal(s[i].pkg61 == s[j].pkg61 &&
						 s[i].core61 == s[j].core61, same_core);
				assert_int_equal(s[i].core_new == s[j].core_new, same_core);
			}
			/* AMD sysfs shared_cpu_map of L1d and L2: one core. */
			if (s[i].l1_share)
				assert_int_equal(amd_sysfs_shares(s[i].apic, s[j].apic, s[i].l1_share),
						 same_core);
			if (s[i].l2_share)
				assert_int_equal(amd_sysfs_shares(s[i].apic, s[j].apic, s[i].l2_share),
						 same_core);
		}
	}
	free(s);
	free(in);
}

static const struct cpu_topo machines[] = {
	{ 1, 1, 1 }, { 1, 2, 1 }, { 1, 4, 1 }, { 1, 8, 1 },
	{ 2, 2, 1 }, { 2, 2, 2 }, { 3, 2, 1 },
	/* non-powers of two: holes in the APIC id space */
	{ 1, 3, 1 }, { 1, 6, 1 }, { 2, 3, 1 }, { 3, 3, 2 }, { 1, 3, 3 },
};

static void test_machines(const char *table)
{
	for (unsigned i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		check_machine(table, machines[i]);
}

static void test_amd_testhost(void **state)
{
	(void)state;
	test_machines(T_AMD_TESTHOST);
}

static void test_amd_epyc(void **state)
{
	(void)state;
	test_machines(T_AMD_EPYC);
}

static void test_intel_icx(void **state)
{
	(void)state;
	test_machines(T_INTEL_ICX);
}

/* Same battery, table written to a temp file so check_machine can load it. */
static void test_intel_with_1f(void **state)
{
	struct kvm_cpuid2 *c = intel_with_1f();
	char path[] = "/tmp/mvmm-cpuid-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		fprintf(f, "0x%x 0x%x 0x%x 0x%x 0x%x 0x%x 0x%x\n", e->function, e->index,
			e->flags, e->eax, e->ebx, e->ecx, e->edx);
	}
	fclose(f);
	for (unsigned i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		check_machine(path, machines[i]);
	remove(path);
	free(c);
}

/* ---- exact values ------------------------------------------------------- */

static struct kvm_cpuid2 *build(const char *table, struct cpu_topo t, unsigned vcpu)
{
	struct kvm_cpuid2 *in = load_table(table), *out = NULL;

	assert_int_equal(cpuid__build(in, &t, cpuid__place(&t, vcpu), &out), 0);
	free(in);
	return out;
}

static void assert_regs(struct regs r, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	assert_int_equal(r.eax, a);
	assert_int_equal(r.ebx, b);
	assert_int_equal(r.ecx, c);
	assert_int_equal(r.edx, d);
}

/* 2 sockets x 2 cores x 2 threads, vCPU 5 = socket 1, core 0, thread 1. */
static void test_intel_values(void **state)
{
	struct kvm_cpuid2 *in = load_table(T_INTEL_ICX);
	struct kvm_cpuid2 *c = build(T_INTEL_ICX, (struct cpu_topo){ 2, 2, 2 }, 5);

	(void)state;
	assert_int_equal(c->nent, in->nent + 2);	/* 0xb: 1 subleaf -> 3 */
	free(in);
	assert_regs(cpuid(c, 0xb, 0), 1, 2, 0x100, 5);
	assert_regs(cpuid(c, 0xb, 1), 2, 4, 0x201, 5);
	assert_regs(cpuid(c, 0xb, 2), 0, 0, 0x002, 5);
	assert_int_equal(cpuid(c, 1, 0).ebx, 0x05040800);
	assert_int_equal(cpuid(c, 1, 0).ecx, 0x76fab227u | 1u << 31);
	assert_int_equal(cpuid(c, 1, 0).edx, 0x0fabfbffu | 1u << 28);
	/* L1d, L1i, L2 per core (2 threads), L3 per socket (4), 2 cores */
	assert_int_equal(cpuid(c, 4, 0).eax, 0x04004121);
	assert_int_equal(cpuid(c, 4, 1).eax, 0x04004122);
	assert_int_equal(cpuid(c, 4, 2).eax, 0x04004143);
	assert_int_equal(cpuid(c, 4, 3).eax, 0x0400c163);
	assert_int_equal(cpuid(c, 4, 4).eax, 0);
	/* Intel: AMD-only leaves untouched */
	assert_int_equal(cpuid(c, 0x80000001, 0).ecx, 0x121);
	assert_int_equal(cpuid(c, 0x80000008, 0).ecx, 0);
	free(c);

	/* 3 cores x 3 threads: "addressable" counts are powers of two (4 and 4,
	 * 16 per socket), not 3 and 9: Linux turns them into APIC id shifts. */
	c = build(T_INTEL_ICX, (struct cpu_topo){ 2, 3, 3 }, 17);	/* s1 c2 t2 */
	assert_int_equal(cpuid(c, 4, 0).eax, 0x0c00c121);
	assert_int_equal(cpuid(c, 4, 3).eax, 0x0c03c163);
	assert_int_equal(cpuid(c, 1, 0).ebx, 0x1a100800);
	assert_regs(cpuid(c, 0xb, 0), 2, 3, 0x100, 0x1a);
	assert_regs(cpuid(c, 0xb, 1), 4, 9, 0x201, 0x1a);
	free(c);
}

static void test_amd_values(void **state)
{
	struct kvm_cpuid2 *c = build(T_AMD_EPYC, (struct cpu_topo){ 2, 2, 2 }, 5);

	(void)state;
	assert_regs(cpuid(c, 0x8000001e, 0), 5, 0x100, 1, 0);
	assert_int_equal(cpuid(c, 0x80000008, 0).ecx, 0x2003);
	assert_int_equal(cpuid(c, 0x80000001, 0).ecx, 0x00400393);	/* CmpLegacy+TopoExt */
	assert_int_equal(cpuid(c, 0x8000001d, 0).eax, 0x00004121);	/* L1d: 2 threads */
	assert_int_equal(cpuid(c, 0x8000001d, 2).eax, 0x00004143);	/* L2: 2 threads */
	assert_int_equal(cpuid(c, 0x8000001d, 3).eax, 0x0000c163);	/* L3: socket */
	assert_regs(cpuid(c, 0xb, 1), 2, 4, 0x201, 5);
	assert_int_equal(cpuid(c, 4, 0).eax, 0);			/* AMD: no leaf 4 */
	free(c);

	/* One vCPU: no CmpLegacy, no HTT, one thread per everything. */
	c = build(T_AMD_TESTHOST, (struct cpu_topo){ 1, 1, 1 }, 0);
	assert_int_equal(cpuid(c, 0x80000001, 0).ecx & 0x00400002, 0);
	assert_int_equal(cpuid(c, 1, 0).edx & (1u << 28), 0);
	assert_int_equal(cpuid(c, 1, 0).ebx >> 16, 0x0001);
	assert_int_equal(cpuid(c, 0x80000008, 0).ecx, 0);
	assert_regs(cpuid(c, 0xb, 0), 0, 1, 0x100, 0);
	assert_regs(cpuid(c, 0xb, 1), 0, 1, 0x201, 0);
	free(c);

	/* Test host, 4 cores: CmpLegacy on, still no TopoExt (no 0x8000001e). */
	c = build(T_AMD_TESTHOST, (struct cpu_topo){ 1, 4, 1 }, 3);
	assert_int_equal(cpuid(c, 0x80000001, 0).ecx & 0x00400002, 0x2);
	assert_int_equal(cpuid(c, 0x80000008, 0).ecx, 0x2003);
	assert_null(entry(c, 0x8000001e, 0));
	free(c);
}

/* AMD 0x80000026 (Zen 4+) carries the host's topology and would win over
 * 0xb in Linux >= 6.9: the builder makes it invalid. */
static void test_amd_80000026(void **state)
{
	struct kvm_cpuid2 *epyc = load_table(T_AMD_EPYC), *in = table_dup(epyc, 16), *out = NULL;
	struct cpu_topo t = { 2, 4, 2 };

	(void)state;
	free(epyc);
	for (uint32_t fn = 0x80000022; fn <= 0x80000025; fn++)
		table_add(in, fn, 0, 0, 0, 0, 0, 0);
	table_add(in, 0x80000026, 0, SIG_IDX, 1, 0x2, 0x100, 7);
	table_add(in, 0x80000026, 1, SIG_IDX, 6, 0x10, 0x201, 7);
	table_add(in, 0x80000026, 2, SIG_IDX, 0, 0, 0x2, 7);
	entry(in, 0x80000000, 0)->eax = 0x80000026;
	for (unsigned i = 0; i < 16; i++) {
		struct scan s;

		assert_int_equal(cpuid__build(in, &t, cpuid__place(&t, i), &out), 0);
		assert_regs(cpuid(out, 0x80000026, 0), 0, 0, 0, 0);
		assert_regs(cpuid(out, 0x80000026, 1), 0, 0, 1, 0);
		s = decode_new(out);
		assert_int_equal(s.apicid, i);
		assert_int_equal(s.apicid >> s.core_shift, cpuid__place(&t, i).socket);
		check_table_shape(out);
		free(out);
	}
	free(in);
}

static void test_place_and_apic_id(void **state)
{
	struct cpu_topo t = { 3, 3, 2 };	/* thread 1 bit, core 2 bits */
	struct cpu_place p;

	(void)state;
	p = cpuid__place(&t, 0);
	assert_true(p.socket == 0 && p.core == 0 && p.thread == 0);
	p = cpuid__place(&t, 7);	/* 7 = socket 1, core 0, thread 1 */
	assert_true(p.socket == 1 && p.core == 0 && p.thread == 1);
	assert_int_equal(cpuid__apic_id(&t, p), (1 << 3) | 1);
	p = cpuid__place(&t, 17);
	assert_true(p.socket == 2 && p.core == 2 && p.thread == 1);
	assert_int_equal(cpuid__apic_id(&t, p), (2 << 3) | (2 << 1) | 1);
	/* Default machine: one socket of N cores → APIC id == index. */
	for (unsigned n = 1; n <= 64; n++) {
		struct cpu_topo one = { 1, n, 1 };

		for (unsigned i = 0; i < n; i++)
			assert_int_equal(cpuid__apic_id(&one, cpuid__place(&one, i)), i);
	}
	/* Zero counts do not divide by zero. */
	p = cpuid__place(&(struct cpu_topo){ 1, 0, 0 }, 5);
	assert_true(p.socket == 0 && p.core == 0 && p.thread == 0);
}

static int try_build(const struct kvm_cpuid2 *in, struct cpu_topo t, struct cpu_place p)
{
	struct kvm_cpuid2 *out = (struct kvm_cpuid2 *)0x1;
	int ret = cpuid__build(in, &t, p, &out);

	if (ret)
		assert_null(out);
	free(out);
	return ret;
}

static void test_reject(void **state)
{
	struct kvm_cpuid2 *in = load_table(T_AMD_TESTHOST), *no_x2 = table_dup(in, 0);
	struct kvm_cpuid2 *out = NULL;
	struct cpu_place p0 = { 0, 0, 0 };

	(void)state;
	/* zero counts */
	assert_int_equal(try_build(in, (struct cpu_topo){ 0, 1, 1 }, p0), -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 1, 0, 1 }, p0), -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 1, 1, 0 }, p0), -EINVAL);
	/* place out of range */
	assert_int_equal(try_build(in, (struct cpu_topo){ 2, 2, 2 }, (struct cpu_place){ 2, 0, 0 }),
			 -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 2, 2, 2 }, (struct cpu_place){ 0, 2, 0 }),
			 -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 2, 2, 2 }, (struct cpu_place){ 0, 0, 2 }),
			 -EINVAL);
	/* more than the fields can say: threads per core (0x8000001e EBX[15:8]),
	 * logical processors per socket (0xb EBX[15:0]), sockets (node id) */
	assert_int_equal(try_build(in, (struct cpu_topo){ 1, 1, 257 }, p0), -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 1, 70000, 1 }, p0), -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 1, 256, 256 }, p0), -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 257, 1, 1 }, p0), -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 1, 255, 257 }, p0), -EINVAL);
	/* bad arguments and tables */
	assert_int_equal(cpuid__build(NULL, &(struct cpu_topo){ 1, 1, 1 }, p0, &out), -EINVAL);
	assert_int_equal(cpuid__build(in, NULL, p0, &out), -EINVAL);
	assert_int_equal(cpuid__build(in, &(struct cpu_topo){ 1, 1, 1 }, p0, NULL), -EINVAL);
	struct kvm_cpuid2 *empty = table_alloc(1);

	assert_int_equal(try_build(empty, (struct cpu_topo){ 1, 1, 1 }, p0), -EINVAL);
	free(empty);

	/* xAPIC: 255 cores → ids 0..254 fit; 256 need x2APIC. */
	entry(no_x2, 1, 0)->ecx &= ~(1u << 21);
	assert_int_equal(try_build(no_x2, (struct cpu_topo){ 1, 255, 1 }, p0), 0);
	assert_int_equal(try_build(no_x2, (struct cpu_topo){ 1, 256, 1 }, p0), -EINVAL);
	assert_int_equal(try_build(no_x2, (struct cpu_topo){ 2, 128, 1 }, p0), -EINVAL);
	/* 2 sockets x 96 cores: max APIC id (1 << 7) | 95 = 223 → fine. */
	assert_int_equal(try_build(no_x2, (struct cpu_topo){ 2, 96, 1 }, p0), 0);
	/* 3 sockets x 96: socket 2 starts at 256 → x2APIC only */
	assert_int_equal(try_build(no_x2, (struct cpu_topo){ 3, 96, 1 }, p0), -EINVAL);
	assert_int_equal(try_build(in, (struct cpu_topo){ 3, 96, 1 }, p0), 0);
	assert_int_equal(try_build(in, (struct cpu_topo){ 1, 256, 1 }, p0), 0);
	free(no_x2);
	free(in);
}

/* x2APIC ids above 255: leaf 1 keeps the low byte, 0xb/0x8000001e the id. */
static void test_x2apic_ids(void **state)
{
	struct cpu_topo t = { 2, 200, 1 };	/* core bits 8: socket 1 at 256 */
	struct kvm_cpuid2 *c = build(T_AMD_EPYC, t, 200 + 7);

	(void)state;
	assert_int_equal(cpuid(c, 0xb, 0).edx, 256 + 7);
	assert_int_equal(cpuid(c, 0x8000001e, 0).eax, 256 + 7);
	assert_int_equal(cpuid(c, 1, 0).ebx >> 24, 7);
	assert_int_equal((cpuid(c, 1, 0).ebx >> 16) & 0xff, 0xff);	/* 256 clamped */
	assert_int_equal(cpuid(c, 0x80000008, 0).ecx & 0xf0ff, 0x80c7);
	assert_int_equal(decode_new(c).apicid >> decode_new(c).core_shift, 1);
	free(c);
}

/* Normalisation adds the TSC-deadline bit (leaf 1 ECX[24]) exactly when KVM
 * has the capability, on every recorded table, is idempotent, and (with
 * nested = yes, so SVM/VMX stay) changes no other bit of any leaf. */
static void test_normalize(void **state)
{
	static const char *const tables[] = { T_AMD_TESTHOST, T_AMD_EPYC, T_INTEL_ICX };

	(void)state;
	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		struct kvm_cpuid2 *in = load_table(tables[t]);
		struct kvm_cpuid2 *off = table_dup(in, 0), *on = table_dup(in, 0);

		cpuid__normalize(off, CPUID_NESTED);
		assert_memory_equal(off->entries, in->entries, in->nent * sizeof(in->entries[0]));
		cpuid__normalize(on, CPUID_KVM_TSC_DEADLINE | CPUID_NESTED);
		cpuid__normalize(on, CPUID_KVM_TSC_DEADLINE | CPUID_NESTED);
		assert_int_equal(on->nent, in->nent);
		assert_true(cpuid(on, 1, 0).ecx & (1u << 24));
		entry(on, 1, 0)->ecx &= ~(1u << 24);
		entry(in, 1, 0)->ecx &= ~(1u << 24);
		assert_memory_equal(on->entries, in->entries, in->nent * sizeof(in->entries[0]));
		free(in);
		free(off);
		free(on);
	}
}

/* Without nested = yes the guest sees no SVM (0x8000_0001 ECX[2], leaf
 * 0x8000_000A zeroed) and no VMX (leaf 1 ECX[5]), whatever KVM offers; with
 * it, exactly what KVM offers. Every other bit stays. The test host's table
 * was recorded with kvm_amd nested=1: SVM on, SVM leaf filled. */
static void test_hide_virt(void **state)
{
	static const char *const tables[] = { T_AMD_TESTHOST, T_AMD_EPYC, T_INTEL_ICX };

	(void)state;
	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		struct kvm_cpuid2 *in = load_table(tables[t]);
		struct kvm_cpuid2 *hid, *kept;
		bool amd = t < 2;

		/* Whatever was recorded: offer the vendor's extension. */
		if (amd)
			entry(in, 0x80000001, 0)->ecx |= 1u << 2;
		else
			entry(in, 1, 0)->ecx |= 1u << 5;
		hid = table_dup(in, 0);
		kept = table_dup(in, 0);
		assert_true(cpuid__has_virt(in));
		cpuid__normalize(hid, 0);
		cpuid__normalize(kept, CPUID_NESTED);
		assert_false(cpuid__has_virt(hid));
		assert_true(cpuid__has_virt(kept));
		assert_memory_equal(kept->entries, in->entries, in->nent * sizeof(in->entries[0]));
		assert_int_equal(cpuid(hid, 0x80000001, 0).ecx & (1u << 2), 0);
		assert_int_equal(cpuid(hid, 1, 0).ecx & (1u << 5), 0);
		if (amd && entry(hid, 0x8000000a, 0)) {
			struct regs e = cpuid(hid, 0x8000000a, 0);

			assert_int_equal(e.eax | e.ebx | e.ecx | e.edx, 0);
		}
		/* Nothing else changed. */
		entry(in, 0x80000001, 0)->ecx &= ~(1u << 2);
		entry(in, 1, 0)->ecx &= ~(1u << 5);
		if (entry(in, 0x8000000a, 0)) {
			struct kvm_cpuid_entry2 *e = entry(in, 0x8000000a, 0);

			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		assert_memory_equal(hid->entries, in->entries, in->nent * sizeof(in->entries[0]));
		free(in);
		free(hid);
		free(kept);
	}
	/* The recorded test-host table itself offers SVM (nested=1). */
	{
		struct kvm_cpuid2 *th = load_table(T_AMD_TESTHOST);

		assert_true(cpuid__has_virt(th));
		assert_int_equal(cpuid(th, 0x8000000a, 0).ebx, 8);	/* ASIDs */
		free(th);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_and_apic_id),
		cmocka_unit_test(test_amd_testhost),
		cmocka_unit_test(test_amd_epyc),
		cmocka_unit_test(test_intel_icx),
		cmocka_unit_test(test_intel_with_1f),
		cmocka_unit_test(test_intel_values),
		cmocka_unit_test(test_amd_values),
		cmocka_unit_test(test_amd_80000026),
		cmocka_unit_test(test_x2apic_ids),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_hide_virt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
