/*
 * The VM object: KVM file descriptors, guest memory, the two buses, vCPUs,
 * and the stop protocol. One instance per process, owned by main() — never a
 * global.
 */
#ifndef MVMM_VM_H
#define MVMM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "vmm/bus.h"
#include "vmm/cpuid.h"
#include "vmm/gmem.h"
#include "vmm/irq.h"

struct vm_config;
struct vcpu;
struct topology;
struct timeline;

/* Process exit statuses (README "Exit statuses"). */
enum vm_exit {
	VM_EXIT_POWEROFF = 0,
	VM_EXIT_ERROR = 1,		/* bad config, setup or host failure */
	VM_EXIT_USAGE = 2,		/* bad command line */
	VM_EXIT_REBOOT = 3,		/* guest asked for a reset */
	VM_EXIT_PANIC = 4,		/* guest reported a panic (pvpanic) */
	VM_EXIT_TRIPLE_FAULT = 5,	/* KVM_EXIT_SHUTDOWN */
	VM_EXIT_KVM_ERROR = 6,		/* internal error, failed entry, bad exit */
	VM_EXIT_FAIL_ON = 7,		/* a --fail-on pattern appeared on the console */
	VM_EXIT_TIMEOUT = 8,		/* --timeout reached */
	VM_EXIT_EXPECT_UNMET = 9,	/* guest stopped before every --expect matched */
	VM_EXIT_SHUTDOWN_TIMEOUT = 10,	/* SIGTERM's power button, no poweroff in time */
	VM_EXIT_SIGNAL_BASE = 128,	/* + signal number */
};

/* KVM memory slots: RAM takes 0..mem.nr-1; device memory (BARs mapped
 * without exits) gets slots from its own range, allocated while running. */
#define VM_DEV_SLOT_FIRST	GMEM_MAX_REGIONS
#define VM_DEV_SLOTS		512

/* ioeventfds registered during setup wait here for vm__commit_ioeventfds
 * (more than this many go to KVM at once). */
#define VM_SETUP_IOEVENTFDS	64

struct vm_ioeventfd {		/* compared with memcmp: no padding */
	uint64_t gpa;
	uint32_t len;
	int fd;
};

/* Signals: vCPU kick (interrupts KVM_RUN) and "a stop was requested". */
#define SIG_VCPU_KICK	(SIGRTMIN + 0)
#define SIG_VM_STOP	(SIGRTMIN + 1)

struct vm {
	const struct vm_config *cfg;
	const struct topology *topology;	/* vCPU places, RAM ranges, placement */
	int kvm_fd;
	int vm_fd;
	int run_size;			/* KVM_GET_VCPU_MMAP_SIZE */
	struct kvm_cpuid2 *supported_cpuid;
	struct gmem mem;
	struct bus pio;
	struct bus mmio;
	struct irq irq;			/* GSI routes, irqfd, MSI injection */
	pthread_mutex_t slot_lock;	/* dev_slots */
	uint64_t dev_slots[VM_DEV_SLOTS / 64];	/* device memory slots in use */
	bool ioev_defer;		/* setup: vm__ioeventfd queues */
	unsigned nr_ioev;
	struct vm_ioeventfd ioev[VM_SETUP_IOEVENTFDS];
	struct cpu_topo topo;
	unsigned nr_vcpus;
	struct vcpu *vcpus;
	struct timeline *timeline;	/* may be NULL */
	pthread_t main_thread;
	atomic_bool stopping;
	atomic_int exit_status;		/* -1 while running */
	char stop_reason[256];
	/* Pause protocol (vm__pause): vCPU threads wait on pause_cond while
	 * pause_req is set; nr_paused counts those waiting. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	atomic_bool pause_req;
	unsigned nr_paused;
	bool paused;			/* vm__pause returned, vm__resume not yet */
	struct kvm_clock_data paused_clock;
};

/* Open /dev/kvm, check every capability mvmm relies on (error names the
 * missing one), create the VM with its in-kernel irqchip and map guest RAM
 * as @topo lays it out (backing and host binding applied before KVM sees
 * it). @topo must outlive the VM. */
int vm__create(struct vm *vm, const struct vm_config *cfg, const struct topology *topo);
void vm__destroy(struct vm *vm);

/* Ask the VM to stop with @status; the first request wins. Safe from any
 * thread. @reason (may be NULL) is printed once by main for non-zero statuses. */
void vm__request_stop(struct vm *vm, int status, const char *reason);

/* Stop every running vCPU out of KVM_RUN and keep it there; the guest's
 * kvmclock is saved so that resuming hides the pause from the guest (as
 * QEMU's stop/cont). vm__resume lets them run again. Called from one
 * control thread; 0 or -errno (-EALREADY: already paused / running). */
int vm__pause(struct vm *vm);
int vm__resume(struct vm *vm);
/* Wake paused vCPUs for a stop (they then leave their loops). */
void vm__wake_paused(struct vm *vm);
/* Called by a vCPU thread that saw pause_req: wait until resumed/stopped. */
void vm__pause_point(struct vm *vm);

/* Map [@hva, @hva + @size) at guest-physical @gpa as a device memory slot
 * (a device-memory BAR: guest accesses do not exit). Safe while vCPUs run.
 * Returns the slot, -ENOSPC, or KVM's error (-EEXIST over RAM or another
 * slot). */
int vm__map_mem(struct vm *vm, uint64_t gpa, uint64_t size, void *hva);
void vm__unmap_mem(struct vm *vm, int slot);
/* (Un)register eventfd @fd for guest MMIO writes of @len bytes at @gpa
 * (KVM_IOEVENTFD, no datamatch). From vm__create to vm__commit_ioeventfds
 * (the setup, no vCPU runs) registrations are queued: a memory slot
 * installed just after an io-bus change waited 4-11 ms for KVM's grace
 * period, so the setup's device slots go in first. vCPUs do not start
 * while registrations are queued (vcpu__start). */
int vm__ioeventfd(struct vm *vm, uint64_t gpa, uint32_t len, int fd, bool assign);
/* Hand the queued ioeventfds to KVM; later ones go straight in. 0 or
 * -errno (the error names the address). */
int vm__commit_ioeventfds(struct vm *vm);

/* Drive an interrupt line of the in-kernel PIC/IOAPIC. */
int vm__irq_line(struct vm *vm, uint32_t gsi, int level);

#endif
