/*
 * The boot sequence, in order (Firecracker style: every step explicit here):
 *   signals -> VM + RAM -> legacy devices -> ACPI tables -> kernel/initrd/
 *   cmdline -> vCPUs -> run -> wait for a stop -> tear down.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/acpi.h"
#include "vmm/boot.h"
#include "vmm/config.h"
#include "vmm/layout.h"
#include "vmm/machine.h"
#include "vmm/power.h"
#include "vmm/serial.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

struct machine {
	struct vm vm;
	struct serial serial;
	struct power power;
	sigset_t waitset;
};

static void kick_handler(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

/* Block the control signals in every thread (they inherit the mask); main
 * takes them with sigwaitinfo. The vCPU kick stays deliverable. */
static int machine_signals(struct machine *m)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&m->waitset);
	sigaddset(&m->waitset, SIGINT);
	sigaddset(&m->waitset, SIGTERM);
	sigaddset(&m->waitset, SIGHUP);
	sigaddset(&m->waitset, SIG_VM_STOP);
	if (pthread_sigmask(SIG_BLOCK, &m->waitset, NULL))
		return -EINVAL;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_VCPU_KICK, &sa, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int machine_acpi(struct machine *m)
{
	struct vm *vm = &m->vm;
	const struct acpi_dsdt_part parts[] = {
		{ serial__dsdt, &m->serial },
		{ power__dsdt, &m->power },
	};
	uint32_t *apic_ids;
	struct acpi_config ac;
	void *buf;
	size_t used;
	unsigned i;
	int ret;

	apic_ids = calloc(vm->nr_vcpus, sizeof(*apic_ids));
	if (!apic_ids)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++)
		apic_ids[i] = vm->vcpus[i].apic_id;
	ac = (struct acpi_config){
		.nr_cpus = vm->nr_vcpus,
		.apic_ids = apic_ids,
		.ioapic_addr = LAYOUT_IOAPIC,
		.ioapic_id = 0,
		.pm_port = LAYOUT_PORT_ACPI_PM,
		.reset_value = ACPI_RESET_VALUE,
		.dsdt_parts = parts,
		.nr_dsdt_parts = ARRAY_SIZE(parts),
	};
	buf = gmem__ptr(&vm->mem, LAYOUT_ACPI, LAYOUT_ACPI_SIZE);
	ret = buf ? acpi__build(&ac, buf, LAYOUT_ACPI_SIZE, LAYOUT_ACPI, &used) : -EFAULT;
	if (ret < 0)
		pr_err("cannot build the ACPI tables: %s", strerror(-ret));
	free(apic_ids);
	return ret;
}

static int machine_vcpus(struct machine *m)
{
	struct vm *vm = &m->vm;
	unsigned i;
	int ret;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu__create(&vm->vcpus[i], vm, i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int machine_boot(struct machine *m)
{
	const struct vm_config *cfg = m->vm.cfg;
	struct boot_params_in in = {
		.kernel = cfg->kernel,
		.initrd = cfg->initrd,
		.cmdline = cfg->cmdline,
		.rsdp = LAYOUT_ACPI,
	};
	struct boot_info bi;
	int ret;

	ret = boot__load(&m->vm.mem, &in, &bi);
	if (ret < 0) {
		pr_err("cannot load '%s': %s", cfg->kernel, strerror(-ret));
		return ret;
	}
	return vcpu__setup_boot(&m->vm.vcpus[0], &bi);
}

/* Wait for a stop request or a control signal; returns the exit status. */
static int machine_wait(struct machine *m)
{
	struct vm *vm = &m->vm;
	siginfo_t si;

	while (!atomic_load(&vm->stopping)) {
		if (sigwaitinfo(&m->waitset, &si) < 0)
			continue;
		if (si.si_signo != SIG_VM_STOP)
			vm__request_stop(vm, VM_EXIT_SIGNAL_BASE + si.si_signo, NULL);
	}
	return atomic_load(&vm->exit_status);
}

static void machine_stop_vcpus(struct machine *m)
{
	struct vm *vm = &m->vm;
	unsigned i;

	atomic_store(&vm->stopping, true);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu__kick(&vm->vcpus[i]);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu__join(&vm->vcpus[i]);
}

static void machine_destroy(struct machine *m)
{
	struct vm *vm = &m->vm;
	unsigned i;

	if (m->serial.vm)	/* serial__init ran */
		serial__stop(&m->serial);
	if (vm->vcpus) {
		for (i = 0; i < vm->nr_vcpus; i++)
			vcpu__destroy(&vm->vcpus[i]);
		free(vm->vcpus);
		vm->vcpus = NULL;
	}
	vm__destroy(vm);
}

int machine__run(const struct vm_config *cfg)
{
	struct machine *m;
	unsigned i;
	int ret, status = VM_EXIT_ERROR;

	m = calloc(1, sizeof(*m));
	if (!m)
		return VM_EXIT_ERROR;
	ret = machine_signals(m);
	if (ret < 0)
		goto out_free;
	ret = vm__create(&m->vm, cfg);
	if (ret < 0)
		goto out_free;
	ret = serial__init(&m->serial, &m->vm, STDOUT_FILENO, STDIN_FILENO);
	if (ret < 0)
		goto out;
	ret = power__init(&m->power, &m->vm);
	if (ret < 0)
		goto out;
	ret = machine_vcpus(m);
	if (ret < 0)
		goto out;
	ret = machine_acpi(m);
	if (ret < 0)
		goto out;
	ret = machine_boot(m);
	if (ret < 0)
		goto out;
	ret = serial__start(&m->serial);
	if (ret < 0)
		goto out;
	for (i = 0; i < m->vm.nr_vcpus; i++) {
		ret = vcpu__start(&m->vm.vcpus[i]);
		if (ret < 0) {
			vm__request_stop(&m->vm, VM_EXIT_ERROR, NULL);
			break;
		}
	}
	status = machine_wait(m);
	machine_stop_vcpus(m);
	if (status != VM_EXIT_POWEROFF && m->vm.stop_reason[0])
		pr_err("%s", m->vm.stop_reason);
out:
	machine_destroy(m);
out_free:
	free(m);
	return status;
}
