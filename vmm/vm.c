/* VM creation: KVM capabilities, in-kernel irqchip, guest RAM slots. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "numa/mem.h"
#include "vmm/config.h"
#include "vmm/layout.h"
#include "vmm/topology.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define KVM_CPUID_MAX_ENTRIES 256

static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },	/* MSI routes (irq.c) */
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },		/* MSI-X delivery */
};

static int vm_check_caps(struct vm *vm)
{
	int max_vcpus;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			pr_err("/dev/kvm lacks %s, which mvmm needs", required_caps[i].name);
			return -ENOTSUP;
		}
	}
	max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus <= 0)
		max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max_vcpus > 0 && vm->nr_vcpus > (unsigned)max_vcpus) {
		char err[CONFIG_ERR_LEN];

		/* Only KVM knows its limit: the one check of the config that
		 * needs /dev/kvm open (still before the VM exists). */
		config__errorf(vm->cfg, err, sizeof(err), vm->cfg->line.cpus, "machine", "cpus",
			       "expected at most %d vCPUs (this KVM's KVM_CAP_MAX_VCPUS), got %u",
			       max_vcpus, vm->nr_vcpus);
		pr_err("%s", err);
		return -EINVAL;
	}
	return 0;
}

static int vm_get_supported_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + KVM_CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = KVM_CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		int ret = -errno;

		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		free(c);
		return ret;
	}
	/* nested = yes: SVM/VMX only where KVM offers them (kvm_amd/kvm_intel
	 * nested=1; preflight has checked the parameter when it could). */
	if (vm->cfg->nested && !cpuid__has_virt(c)) {
		char err[CONFIG_ERR_LEN];

		config__errorf(vm->cfg, err, sizeof(err), vm->cfg->line.nested, "machine", "nested",
			       "expected a KVM that offers SVM or VMX to its guests, this one does not (modprobe kvm_amd nested=1, or kvm_intel nested=1)");
		pr_err("%s", err);
		free(c);
		return -ENOTSUP;
	}
	cpuid__normalize(c, (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0 ?
			     CPUID_KVM_TSC_DEADLINE : 0) | (vm->cfg->nested ? CPUID_NESTED : 0));
	vm->supported_cpuid = c;
	return 0;
}

/* [pmem.NAME] at the topology's addresses: the backing mapped shared (or
 * private) and read-only when asked, gmem-owned (munmap on destroy), bound
 * to its guest node's host nodes where the backing allows it. */
static int vm_map_pmem(struct vm *vm)
{
	const struct topology *t = vm->topology;
	unsigned i;

	for (i = 0; i < t->nr_pmem; i++) {
		const struct config_pmem *c = &vm->cfg->pmem[i];
		int prot = PROT_READ | (c->readonly ? 0 : PROT_WRITE);
		char err[CONFIG_ERR_LEN];
		int fd, ret, bound;
		void *hva;

		fd = open(c->path, (c->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			pr_err("[pmem.%s] %s: %s", c->name, c->path, strerror(errno));
			return ret;
		}
		/* A private read-only map needs no write access; a private
		 * writable one is copy-on-write (config_pmem.c). */
		hva = mmap(NULL, t->pmem[i].size, prot, c->shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
		if (hva == MAP_FAILED) {
			ret = -errno;
			close(fd);
			pr_err("[pmem.%s] cannot map %s: %s", c->name, c->path, strerror(-ret));
			return ret;
		}
		/* Before KVM maps it: the guest node's host nodes, where the
		 * backing lets a policy place pages (numa/mem.h). */
		bound = numa_mem__bind_pmem(hva, t->pmem[i].size, fd, c->shared,
					    &t->node[t->pmem[i].node], err, sizeof(err));
		close(fd);
		ret = bound < 0 ? bound :
		      gmem__add_pmem(&vm->mem, t->pmem[i].gpa, t->pmem[i].size, hva, t->pmem[i].node,
				     GMEM_PMEM_OWNED | (c->readonly ? GMEM_PMEM_READONLY : 0) |
				     (bound == 1 ? GMEM_PMEM_BOUND : 0));
		if (ret < 0) {
			munmap(hva, t->pmem[i].size);
			pr_err("[pmem.%s] %s: %s", c->name, c->path, bound < 0 ? err : strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int vm_map_ram(struct vm *vm)
{
	char err[CONFIG_ERR_LEN];
	unsigned i;
	int ret;

	/* Per guest node, bound to its host node(s): before any slot exists. */
	ret = numa_mem__map(&vm->mem, vm->topology, vm->cfg, err, sizeof(err));
	if (ret < 0) {
		pr_err("%s", err);
		return ret;
	}
	ret = vm_map_pmem(vm);
	if (ret < 0)
		return ret;
	for (i = 0; i < vm->mem.nr; i++) {
		const struct gmem_region *r = &vm->mem.regions[i];
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->hva,
			/* Guest writes to read-only pmem exit as MMIO: dropped. */
			.flags = r->readonly ? KVM_MEM_READONLY : 0,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
			ret = -errno;
			pr_err("KVM_SET_USER_MEMORY_REGION slot %u: %s", i, strerror(errno));
			return ret;
		}
	}
	return 0;
}

/* Each step names itself on failure, so the one-line error says what broke. */
static int vm_ioctl(struct vm *vm, unsigned long req, unsigned long arg, const char *what)
{
	if (ioctl(vm->vm_fd, req, arg) < 0) {
		int ret = -errno;

		pr_err("%s: %s", what, strerror(errno));
		return ret;
	}
	return 0;
}

int vm__create(struct vm *vm, const struct vm_config *cfg, const struct topology *topo)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t identity = LAYOUT_KVM_IDENTITY;
	int ret, version;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->topology = topo;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->ioev_defer = true;
	vm->nr_vcpus = topo->nr_vcpus;
	vm->topo = topo->cpu;
	vm->main_thread = pthread_self();
	pthread_mutex_init(&vm->slot_lock, NULL);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	atomic_init(&vm->stopping, false);
	atomic_init(&vm->exit_status, -1);
	gmem__init(&vm->mem);
	ret = bus__init(&vm->pio);
	if (ret < 0)
		return ret;
	ret = bus__init(&vm->mmio);
	if (ret < 0)
		goto err_pio;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		pr_err("cannot open /dev/kvm: %s", strerror(errno));
		goto err;
	}
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		pr_err("KVM API version %d, expected %d", version, KVM_API_VERSION);
		ret = -ENOTSUP;
		goto err;
	}
	ret = vm_check_caps(vm);
	if (ret < 0)
		goto err;
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0) {
		ret = -errno;
		pr_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto err;
	}
	ret = vm_get_supported_cpuid(vm);
	if (ret < 0)
		goto err;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		goto err;
	}
	/* Intel VMX needs these two pages for real mode; AMD ignores them. */
	ret = vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (unsigned long)&identity,
		       "KVM_SET_IDENTITY_MAP_ADDR");
	if (ret < 0)
		goto err;
	ret = vm_ioctl(vm, KVM_SET_TSS_ADDR, LAYOUT_KVM_TSS, "KVM_SET_TSS_ADDR");
	if (ret < 0)
		goto err;
	/* RAM's slots before the irqchip: the first slot installed after
	 * KVM_CREATE_IRQCHIP waited 4-11 ms for KVM's grace period, one
	 * installed before it 0.3 ms (docs/architecture.md). */
	ret = vm_map_ram(vm);
	if (ret < 0)
		goto err;
	ret = vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
	if (ret < 0)
		goto err;
	ret = vm_ioctl(vm, KVM_CREATE_PIT2, (unsigned long)&pit, "KVM_CREATE_PIT2");
	if (ret < 0)
		goto err;
	/* Our routing table starts as KVM's default (GSI 0-23 keep their pins). */
	ret = irq__init(&vm->irq, vm->vm_fd,
			ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	if (ret < 0) {
		pr_err("KVM_SET_GSI_ROUTING: %s", strerror(-ret));
		goto err;
	}
	return 0;
err:
	vm__destroy(vm);
	return ret;
err_pio:
	bus__destroy(&vm->pio);
	return ret;
}

void vm__destroy(struct vm *vm)
{
	irq__destroy(&vm->irq);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
	gmem__destroy(&vm->mem);
	free(vm->supported_cpuid);
	vm->supported_cpuid = NULL;
	bus__destroy(&vm->mmio);
	bus__destroy(&vm->pio);
}

static unsigned started_vcpus(const struct vm *vm)
{
	unsigned i, n = 0;

	for (i = 0; vm->vcpus && i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].started;
	return n;
}

void vm__pause_point(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->nr_paused++;
	pthread_cond_broadcast(&vm->pause_cond);
	while (atomic_load(&vm->pause_req) && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->nr_paused--;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

int vm__pause(struct vm *vm)
{
	unsigned i, n = started_vcpus(vm);
	int ret = 0;

	if (vm->paused)
		return -EALREADY;
	atomic_store(&vm->pause_req, true);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu__kick(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->nr_paused < n && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	pthread_mutex_unlock(&vm->pause_lock);
	if (atomic_load(&vm->stopping))
		return -ESHUTDOWN;
	/* Every vCPU is out of KVM_RUN: the guest clock stops here. */
	memset(&vm->paused_clock, 0, sizeof(vm->paused_clock));
	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &vm->paused_clock) < 0)
		ret = -errno;
	vm->paused = true;
	return ret;
}

int vm__resume(struct vm *vm)
{
	struct kvm_clock_data c = { .clock = vm->paused_clock.clock };
	int ret = 0;

	if (!vm->paused)
		return -EALREADY;
	if (vm->paused_clock.clock && ioctl(vm->vm_fd, KVM_SET_CLOCK, &c) < 0)
		ret = -errno;
	vm->paused = false;
	pthread_mutex_lock(&vm->pause_lock);
	atomic_store(&vm->pause_req, false);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	return ret;
}

void vm__wake_paused(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm__request_stop(struct vm *vm, int status, const char *reason)
{
	int running = -1;

	if (!atomic_compare_exchange_strong(&vm->exit_status, &running, status))
		return;
	if (reason)
		snprintf(vm->stop_reason, sizeof(vm->stop_reason), "%s", reason);
	atomic_store(&vm->stopping, true);
	pthread_kill(vm->main_thread, SIG_VM_STOP);
}

int vm__map_mem(struct vm *vm, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.guest_phys_addr = gpa, .memory_size = size, .userspace_addr = (uintptr_t)hva,
	};
	int i, ret = -ENOSPC;

	pthread_mutex_lock(&vm->slot_lock);
	for (i = 0; i < VM_DEV_SLOTS; i++)
		if (!(vm->dev_slots[i / 64] & (1ULL << (i % 64))))
			break;
	if (i < VM_DEV_SLOTS) {
		r.slot = VM_DEV_SLOT_FIRST + i;
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
			ret = -errno;
		} else {
			vm->dev_slots[i / 64] |= 1ULL << (i % 64);
			ret = r.slot;
		}
	}
	pthread_mutex_unlock(&vm->slot_lock);
	return ret;
}

void vm__unmap_mem(struct vm *vm, int slot)
{
	struct kvm_userspace_memory_region r = { .slot = slot };	/* size 0: delete */
	int i = slot - VM_DEV_SLOT_FIRST;

	if (i < 0 || i >= VM_DEV_SLOTS)
		return;
	pthread_mutex_lock(&vm->slot_lock);
	if (vm->dev_slots[i / 64] & (1ULL << (i % 64))) {
		/* Deleting an existing slot cannot fail short of a KVM bug. */
		ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
		vm->dev_slots[i / 64] &= ~(1ULL << (i % 64));
	}
	pthread_mutex_unlock(&vm->slot_lock);
}

_Static_assert(sizeof(struct vm_ioeventfd) == 16, "vm__ioeventfd compares entries with memcmp");

static int vm_kvm_ioeventfd(struct vm *vm, uint64_t gpa, uint32_t len, int fd, bool assign)
{
	struct kvm_ioeventfd e = {
		.addr = gpa, .len = len, .fd = fd, .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &e) < 0 ? -errno : 0;
}

int vm__ioeventfd(struct vm *vm, uint64_t gpa, uint32_t len, int fd, bool assign)
{
	const struct vm_ioeventfd e = { .gpa = gpa, .len = len, .fd = fd };
	unsigned i;

	if (!vm->ioev_defer)
		return vm_kvm_ioeventfd(vm, gpa, len, fd, assign);
	if (assign && vm->nr_ioev < VM_SETUP_IOEVENTFDS) {
		vm->ioev[vm->nr_ioev++] = e;
		return 0;
	}
	/* A deassign cancels a queued one; anything else is KVM's. */
	for (i = 0; !assign && i < vm->nr_ioev; i++)
		if (!memcmp(&vm->ioev[i], &e, sizeof(e))) {
			vm->ioev[i] = vm->ioev[--vm->nr_ioev];
			return 0;
		}
	return vm_kvm_ioeventfd(vm, gpa, len, fd, assign);
}

int vm__commit_ioeventfds(struct vm *vm)
{
	unsigned i;
	int ret;

	vm->ioev_defer = false;
	for (i = 0; i < vm->nr_ioev; i++) {
		ret = vm_kvm_ioeventfd(vm, vm->ioev[i].gpa, vm->ioev[i].len, vm->ioev[i].fd, true);
		if (ret < 0) {
			pr_err("KVM_IOEVENTFD at %#llx: %s", (unsigned long long)vm->ioev[i].gpa,
			       strerror(-ret));
			return ret;
		}
	}
	vm->nr_ioev = 0;
	return 0;
}

int vm__irq_line(struct vm *vm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		return -errno;
	return 0;
}
