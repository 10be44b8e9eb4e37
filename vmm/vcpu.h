/* One thread per vCPU, named vcpu<N>, running KVM_RUN and dispatching exits. */
#ifndef MVMM_VCPU_H
#define MVMM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <linux/kvm.h>

struct vm;
struct boot_info;

struct vcpu {
	struct vm *vm;
	unsigned index;			/* 0..nr_vcpus-1 */
	uint32_t apic_id;		/* also the KVM vcpu id */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	/* After its run loop the thread waits for this (vcpu__join), so that
	 * the exit placement report still finds it in /proc. */
	atomic_bool released;
};

/* Create the KVM vCPU with its CPUID, boot MSRs and LAPIC LINT wiring. */
int vcpu__create(struct vcpu *v, struct vm *vm, unsigned index);
/* Registers of the boot vCPU; the others wait for INIT/SIPI in KVM. */
int vcpu__setup_boot(struct vcpu *v, const struct boot_info *bi);
int vcpu__start(struct vcpu *v);
/* Make a running KVM_RUN return; used to stop the VM. */
void vcpu__kick(struct vcpu *v);
/* Let the (stopped) thread end and wait for it. */
void vcpu__join(struct vcpu *v);
void vcpu__destroy(struct vcpu *v);

#endif
