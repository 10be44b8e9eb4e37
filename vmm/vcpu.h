/* One thread per vCPU, named vcpu<N>, running KVM_RUN and dispatching exits. */
#ifndef MVMM_VCPU_H
#define MVMM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
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
	/* Set when the thread left KVM_RUN for good (vcpu__wait_parked). */
	pthread_mutex_t park_lock;
	pthread_cond_t park_cond;
	bool parked;
	/* The last exit other than a kick, for --timeout's report: its KVM
	 * reason and, for I/O and MMIO, port or address and direction. */
	atomic_uint last_exit;
	atomic_uint_least64_t last_addr;
	atomic_bool last_write;
};

/* Create the KVM vCPU with its CPUID, boot MSRs and LAPIC LINT wiring. */
int vcpu__create(struct vcpu *v, struct vm *vm, unsigned index);
/* Registers of the boot vCPU; the others wait for INIT/SIPI in KVM. */
int vcpu__setup_boot(struct vcpu *v, const struct boot_info *bi);
int vcpu__start(struct vcpu *v);
/* Make a running KVM_RUN return; used to stop the VM. */
void vcpu__kick(struct vcpu *v);
/* After a stop request and a kick: wait until the thread is out of KVM_RUN. */
void vcpu__wait_parked(struct vcpu *v);
/* One line for a parked vCPU: RIP, mode and CPL, last exit, run state
 * (KVM_GET_REGS/SREGS/MP_STATE). */
void vcpu__describe(struct vcpu *v, char *buf, size_t len);
/* Let the (stopped) thread end and wait for it. */
void vcpu__join(struct vcpu *v);
void vcpu__destroy(struct vcpu *v);

#endif
