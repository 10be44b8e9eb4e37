/*
 * CPUID for each vCPU, built from KVM_GET_SUPPORTED_CPUID: topology leaves
 * (Intel 0x1/0x4/0xB/0x1F, AMD 0x8000_0001/0x8000_0008/0x8000_001D/0x8000_001E)
 * that agree with one another and with the APIC ids mvmm puts in the MADT.
 */
#ifndef MVMM_CPUID_H
#define MVMM_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct cpu_topo {
	unsigned sockets;
	unsigned cores;		/* per socket */
	unsigned threads;	/* per core */
};

struct cpu_place {
	unsigned socket, core, thread;
};

/* Standard mapping of vCPU index to place: threads fastest, then cores. */
struct cpu_place cpuid__place(const struct cpu_topo *t, unsigned vcpu);
/* APIC id: socket | core | thread bit fields, each field as wide as its
 * count needs (so APIC id == vCPU index when cores and threads are powers of
 * two). */
uint32_t cpuid__apic_id(const struct cpu_topo *t, struct cpu_place p);

/* Features KVM emulates but does not list in KVM_GET_SUPPORTED_CPUID, as
 * KVM_CHECK_EXTENSION reports them. */
#define CPUID_KVM_TSC_DEADLINE	(1u << 0)	/* KVM_CAP_TSC_DEADLINE_TIMER */
/* [machine] nested = yes: keep SVM / VMX (else they are hidden). */
#define CPUID_NESTED		(1u << 1)

/* Normalise the supported table once, before any vCPU's is built (as
 * Firecracker's and QEMU's CPU models do): set what KVM emulates per
 * @kvm_caps (CPUID_KVM_*); without CPUID_NESTED, hide hardware
 * virtualization (leaf 1 ECX.VMX, 0x8000_0001 ECX.SVM and the SVM leaf
 * 0x8000_000A), which KVM lists whenever its nested parameter is on: a
 * guest runs KVM only when its config asks. Idempotent; touches nothing
 * else. */
void cpuid__normalize(struct kvm_cpuid2 *supported, unsigned kvm_caps);
/* Whether @supported offers SVM or VMX (what nested = yes needs). */
bool cpuid__has_virt(const struct kvm_cpuid2 *supported);

/* Build the CPUID table of one vCPU. *@out is malloc'd (free()).
 * Returns 0 or -errno (-EINVAL for an inconsistent topology). */
int cpuid__build(const struct kvm_cpuid2 *supported, const struct cpu_topo *t,
		 struct cpu_place p, struct kvm_cpuid2 **out);

#endif
