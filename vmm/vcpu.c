/* vCPU threads: setup, the KVM_RUN loop and exit dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "numa/pin.h"
#include "vmm/boot.h"
#include "vmm/cpuid.h"
#include "vmm/sandbox.h"
#include "vmm/timeline.h"
#include "vmm/topology.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define MSR_IA32_MISC_ENABLE		0x1a0
#define MISC_ENABLE_FAST_STRING		(1ULL << 0)
#define MSR_MTRR_DEF_TYPE		0x2ff
#define MTRR_DEF_TYPE_E			(1ULL << 11)
#define MTRR_TYPE_WB			6
#define APIC_LVT_LINT0			0x350
#define APIC_LVT_LINT1			0x360
#define APIC_MODE_NMI			0x4
#define APIC_MODE_EXTINT		0x7

static int vcpu_ioctl(struct vcpu *v, unsigned long req, void *arg, const char *what)
{
	if (ioctl(v->fd, req, arg) < 0) {
		int ret = -errno;

		pr_err("vcpu%u: %s: %s", v->index, what, strerror(errno));
		return ret;
	}
	return 0;
}

static int vcpu_set_cpuid(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct kvm_cpuid2 *cpuid;
	int ret;

	ret = cpuid__build(vm->supported_cpuid, &vm->topo, vm->topology->vcpu[v->index].place,
			   &cpuid);
	if (ret < 0) {
		pr_err("vcpu%u: cannot build CPUID: %s", v->index, strerror(-ret));
		return ret;
	}
	ret = vcpu_ioctl(v, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	free(cpuid);
	return ret;
}

/* What firmware leaves behind: fast strings on, and MTRRs enabled with
 * write-back as the default type (KVM's reset value, 0, means "MTRRs off",
 * i.e. all memory uncacheable to a guest that believes its MTRRs; Linux
 * then also skips PAT setup). */
static int vcpu_set_msrs(struct vcpu *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[2];
	} msrs = {
		.hdr.nmsrs = 2,
		.e[0] = { .index = MSR_IA32_MISC_ENABLE, .data = MISC_ENABLE_FAST_STRING },
		.e[1] = { .index = MSR_MTRR_DEF_TYPE, .data = MTRR_DEF_TYPE_E | MTRR_TYPE_WB },
	};

	if (ioctl(v->fd, KVM_SET_MSRS, &msrs) != (int)msrs.hdr.nmsrs) {
		pr_err("vcpu%u: KVM_SET_MSRS failed", v->index);
		return -EIO;
	}
	return 0;
}

static void lapic_set_lvt(struct kvm_lapic_state *l, unsigned reg, uint32_t mode)
{
	uint32_t *p = (uint32_t *)&l->regs[reg];

	*p = (*p & ~0x700u) | (mode << 8);
}

/* Wire LINT0 to ExtINT and LINT1 to NMI, as firmware would (and the MADT says). */
static int vcpu_setup_lapic(struct vcpu *v)
{
	struct kvm_lapic_state lapic;
	int ret;

	ret = vcpu_ioctl(v, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC");
	if (ret < 0)
		return ret;
	lapic_set_lvt(&lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
	lapic_set_lvt(&lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
	return vcpu_ioctl(v, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
}

int vcpu__create(struct vcpu *v, struct vm *vm, unsigned index)
{
	int ret;

	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->park_lock, NULL);
	pthread_cond_init(&v->park_cond, NULL);
	v->fd = -1;
	v->vm = vm;
	v->index = index;
	v->apic_id = vm->topology->vcpu[index].apic_id;
	/* On x86 the KVM vcpu id is the APIC id. */
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->apic_id);
	if (v->fd < 0) {
		ret = -errno;
		pr_err("vcpu%u: KVM_CREATE_VCPU: %s", index, strerror(errno));
		return ret;
	}
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		v->run = NULL;
		pr_err("vcpu%u: mmap kvm_run: %s", index, strerror(errno));
		goto err;
	}
	ret = vcpu_set_cpuid(v);
	if (ret < 0)
		goto err;
	ret = vcpu_set_msrs(v);
	if (ret < 0)
		goto err;
	ret = vcpu_setup_lapic(v);
	if (ret < 0)
		goto err;
	return 0;
err:
	vcpu__destroy(v);
	return ret;
}

int vcpu__setup_boot(struct vcpu *v, const struct boot_info *bi)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	ret = vcpu_ioctl(v, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	if (ret < 0)
		return ret;
	boot__setup_sregs(bi, &sregs);
	ret = vcpu_ioctl(v, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	if (ret < 0)
		return ret;
	memset(&regs, 0, sizeof(regs));
	boot__setup_regs(bi, &regs);
	ret = vcpu_ioctl(v, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	if (ret < 0)
		return ret;
	return vcpu_ioctl(v, KVM_SET_FPU, &fpu, "KVM_SET_FPU");
}

static void vcpu_stop(struct vcpu *v, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void vcpu_stop(struct vcpu *v, int status, const char *fmt, ...)
{
	char reason[256];
	int n;
	va_list ap;

	n = snprintf(reason, sizeof(reason), "vcpu%u: ", v->index);
	va_start(ap, fmt);
	vsnprintf(reason + n, sizeof(reason) - n, fmt, ap);
	va_end(ap);
	vm__request_stop(v->vm, status, reason);
}

static void vcpu_handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	/* String I/O (rep ins/outs) arrives as @count back-to-back items. */
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (bus__access(&v->vm->pio, run->io.port, data, run->io.size, is_write) < 0 &&
		    !is_write)
			memset(data, 0xff, run->io.size);
	}
}

static void vcpu_handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return;
	if (bus__access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			run->mmio.is_write) < 0 && !run->mmio.is_write)
		memset(run->mmio.data, 0xff, run->mmio.len);
}

static void vcpu_handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm__request_stop(v->vm, VM_EXIT_POWEROFF, NULL);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vcpu_stop(v, VM_EXIT_REBOOT, "guest requested a reset");
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		vcpu_stop(v, VM_EXIT_PANIC, "guest crashed");
		break;
	default:
		vcpu_stop(v, VM_EXIT_KVM_ERROR, "unknown system event %u",
			  v->run->system_event.type);
	}
}

/* A triple fault: say where, so the one-line reason is enough to start
 * debugging (the registers are gone once the VM is torn down). On AMD, KVM
 * resets the vCPU before it reports the exit (svm shutdown_interception), so
 * there this shows the reset state (rip 0xfff0, cr0 0x10); on Intel it shows
 * where the guest faulted. */
static void vcpu_stop_shutdown(struct vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		vcpu_stop(v, VM_EXIT_TRIPLE_FAULT, "triple fault (KVM_EXIT_SHUTDOWN)");
		return;
	}
	vcpu_stop(v, VM_EXIT_TRIPLE_FAULT,
		  "triple fault (KVM_EXIT_SHUTDOWN) rip 0x%llx rsp 0x%llx cr0 0x%llx cr2 0x%llx "
		  "cr3 0x%llx cr4 0x%llx efer 0x%llx",
		  (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
		  (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr2,
		  (unsigned long long)sregs.cr3, (unsigned long long)sregs.cr4,
		  (unsigned long long)sregs.efer);
}

/* Returns false when the loop must end. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT:	/* only without an in-kernel LAPIC; just re-enter */
		return true;
	case KVM_EXIT_SHUTDOWN:
		vcpu_stop_shutdown(v);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_handle_system_event(v);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_stop(v, VM_EXIT_KVM_ERROR, "KVM internal error, suberror %u",
			  run->internal.suberror);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_stop(v, VM_EXIT_KVM_ERROR, "VM entry failed, reason 0x%llx",
			  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	default:
		vcpu_stop(v, VM_EXIT_KVM_ERROR, "unexpected KVM exit reason %u", run->exit_reason);
		return false;
	}
}

/* Wait for vcpu__join. The kick signal is blocked while the flag is read
 * and sigsuspend unblocks it atomically: no wakeup is lost. */
static void vcpu_park(struct vcpu *v)
{
	sigset_t kick, old;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_VCPU_KICK);
	pthread_sigmask(SIG_BLOCK, &kick, &old);
	sigdelset(&old, SIG_VCPU_KICK);
	pthread_mutex_lock(&v->park_lock);
	v->parked = true;
	pthread_cond_broadcast(&v->park_cond);
	pthread_mutex_unlock(&v->park_lock);
	while (!atomic_load(&v->released))
		sigsuspend(&old);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void vcpu_note_exit(struct vcpu *v)
{
	const struct kvm_run *run = v->run;

	if (run->exit_reason == KVM_EXIT_INTR)
		return;
	atomic_store_explicit(&v->last_exit, run->exit_reason, memory_order_relaxed);
	if (run->exit_reason == KVM_EXIT_IO) {
		atomic_store_explicit(&v->last_addr, run->io.port, memory_order_relaxed);
		atomic_store_explicit(&v->last_write, run->io.direction == KVM_EXIT_IO_OUT,
				      memory_order_relaxed);
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		atomic_store_explicit(&v->last_addr, run->mmio.phys_addr, memory_order_relaxed);
		atomic_store_explicit(&v->last_write, run->mmio.is_write, memory_order_relaxed);
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;

	if (sandbox__enter(SANDBOX_VCPU, vm->cfg ? vm->cfg->seccomp : SANDBOX_OFF) < 0) {
		vcpu_stop(v, VM_EXIT_ERROR, "vcpu%u: cannot install the seccomp filter", v->index);
		vcpu_park(v);
		return NULL;
	}
	if (v->index == 0 && vm->timeline)
		timeline__guest_started(vm->timeline);
	while (!atomic_load(&vm->stopping)) {
		if (atomic_load(&vm->pause_req)) {
			vm__pause_point(vm);
			continue;
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* A kick: the loop condition decides. */
				v->run->immediate_exit = 0;
				continue;
			}
			vcpu_stop(v, VM_EXIT_KVM_ERROR, "KVM_RUN: %s", strerror(errno));
			break;
		}
		vcpu_note_exit(v);
		if (!vcpu_handle_exit(v))
			break;
	}
	vcpu_park(v);
	return NULL;
}

int vcpu__start(struct vcpu *v)
{
	pthread_attr_t attr;
	char name[16];
	int ret;

	/* Queued ioeventfds are not in KVM yet: the guest would miss them. */
	if (v->vm->ioev_defer) {
		pr_err("vcpu%u: started before the setup's ioeventfds were committed", v->index);
		return -EBUSY;
	}
	/* Created on its host CPUs: no guest instruction runs elsewhere. */
	ret = -pthread_attr_init(&attr);
	if (ret < 0)
		return ret;
	ret = numa_pin__attr(&attr, &v->vm->topology->vcpu[v->index].host_cpus);
	if (!ret)
		ret = -pthread_create(&v->thread, &attr, vcpu_thread, v);
	pthread_attr_destroy(&attr);
	if (ret < 0) {
		pr_err("vcpu%u: cannot start its thread%s: %s", v->index,
		       idset__empty(&v->vm->topology->vcpu[v->index].host_cpus) ? "" :
		       " on its host CPUs", strerror(-ret));
		return ret;
	}
	v->started = true;
	snprintf(name, sizeof(name), "vcpu%u", v->index);
	pthread_setname_np(v->thread, name);
	return 0;
}

void vcpu__kick(struct vcpu *v)
{
	if (!v->started)
		return;
	/* Set before signalling: if the thread is about to enter KVM_RUN, the
	 * flag makes it return at once; if it is inside, the signal does. */
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, SIG_VCPU_KICK);
}

void vcpu__wait_parked(struct vcpu *v)
{
	if (!v->started)
		return;
	pthread_mutex_lock(&v->park_lock);
	while (!v->parked)
		pthread_cond_wait(&v->park_cond, &v->park_lock);
	pthread_mutex_unlock(&v->park_lock);
}

static const char *exit_name(unsigned reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "none", [KVM_EXIT_IO] = "io", [KVM_EXIT_HLT] = "hlt",
		[KVM_EXIT_MMIO] = "mmio", [KVM_EXIT_SHUTDOWN] = "shutdown",
		[KVM_EXIT_FAIL_ENTRY] = "fail-entry", [KVM_EXIT_INTR] = "intr",
		[KVM_EXIT_INTERNAL_ERROR] = "internal-error",
		[KVM_EXIT_SYSTEM_EVENT] = "system-event",
	};

	return reason < ARRAY_SIZE(names) && names[reason] ? names[reason] : "other";
}

static const char *mp_state_name(uint32_t st)
{
	switch (st) {
	case KVM_MP_STATE_RUNNABLE: return "running";
	case KVM_MP_STATE_UNINITIALIZED: return "not started";
	case KVM_MP_STATE_INIT_RECEIVED: return "waiting for SIPI";
	case KVM_MP_STATE_HALTED: return "halted";
	case KVM_MP_STATE_SIPI_RECEIVED: return "SIPI received";
	default: return "unknown state";
	}
}

void vcpu__describe(struct vcpu *v, char *buf, size_t len)
{
	unsigned reason = atomic_load(&v->last_exit);
	struct kvm_mp_state mp = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	const char *mode;
	char last[64];

	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &mp) < 0) {
		snprintf(buf, len, "vcpu%u: cannot read its state: %s", v->index, strerror(errno));
		return;
	}
	if (!(sregs.cr0 & 1))
		mode = "real";
	else if (!(sregs.efer & (1 << 10)))	/* EFER.LMA */
		mode = "protected";
	else
		mode = sregs.cs.l ? "long" : "compat";
	if (reason == KVM_EXIT_IO || reason == KVM_EXIT_MMIO)
		snprintf(last, sizeof(last), "%s %s 0x%llx", exit_name(reason),
			 atomic_load(&v->last_write) ? "write" : "read",
			 (unsigned long long)atomic_load(&v->last_addr));
	else
		snprintf(last, sizeof(last), "%s", exit_name(reason));
	snprintf(buf, len, "vcpu%u: rip 0x%llx, %s mode, cpl %u, last exit %s, %s", v->index,
		 (unsigned long long)regs.rip, mode, sregs.ss.dpl, last, mp_state_name(mp.mp_state));
}

void vcpu__join(struct vcpu *v)
{
	if (v->started) {
		atomic_store(&v->released, true);
		pthread_kill(v->thread, SIG_VCPU_KICK);
		pthread_join(v->thread, NULL);
	}
	v->started = false;
}

void vcpu__destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->vm->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
	pthread_mutex_destroy(&v->park_lock);
	pthread_cond_destroy(&v->park_cond);
}
