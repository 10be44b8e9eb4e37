/*
 * Sandbox seam: a seccomp-bpf allowlist (libseccomp) per thread kind,
 * installed by each thread on itself after its setup and before it touches
 * guest state: vCPU threads before their first KVM_RUN, device threads
 * (virtio-blk/net I/O, the mock-accel DMA worker, serial input) at their
 * start, the control thread before it accepts, the main thread once every
 * setup-time thread exists. Filters are inherited and stack: a device
 * thread started by a vCPU thread (on the guest's DRIVER_OK) runs under
 * both, so the vCPU list also holds what those threads need to start.
 *
 * Modes: SANDBOX_ON traps a forbidden call (SIGSYS): the handler writes one
 * line naming the thread kind and the syscall number and exits with
 * VM_EXIT_ERROR. SANDBOX_LOG allows it and the kernel logs it (audit,
 * dmesg "type=1326"). SANDBOX_OFF installs nothing. The list of each kind,
 * with why each call is there, is in sandbox.c.
 */
#ifndef MVMM_SANDBOX_H
#define MVMM_SANDBOX_H

enum sandbox_mode { SANDBOX_OFF = 0, SANDBOX_ON, SANDBOX_LOG };

enum sandbox_kind {
	SANDBOX_MAIN,
	SANDBOX_VCPU,
	SANDBOX_DEVICE,		/* device worker and I/O threads */
	SANDBOX_CONTROL,
	SANDBOX_NR_KINDS
};

/* Install @kind's filter on the calling thread (nothing for SANDBOX_OFF).
 * 0 or -errno. */
int sandbox__enter(enum sandbox_kind kind, enum sandbox_mode mode);
const char *sandbox__kind_name(enum sandbox_kind kind);
const char *sandbox__mode_name(enum sandbox_mode mode);

#endif
