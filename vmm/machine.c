/*
 * The boot sequence, in order (Firecracker style: every step explicit here):
 *   topology + placement plan -> pin the main thread -> signals -> console
 *   (--console-log opened, patterns compiled) -> VM + RAM (bound per node)
 *   -> legacy devices -> PCIe host, expanders, devices -> vCPUs -> ACPI
 *   tables (+ SRAT/SLIT/HMAT, MCFG) -> kernel/initrd/cmdline -> vCPUs
 *   started (pinned) -> placement report -> wait for a stop (SIGUSR1:
 *   report; SIGTERM: the power button, then shutdown_timeout; --timeout:
 *   the deadline; the console watcher: --expect and --fail-on) -> stop vCPUs (--timeout: their state) -> report with the
 *   timeline -> tear down.
 */
#include <errno.h>
#include <limits.h>
#include <numaif.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/mock_accel.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/vsock.h"
#include "numa/host.h"
#include "numa/pin.h"
#include "numa/plan.h"
#include "numa/report.h"
#include "vmm/acpi.h"
#include "vmm/acpi_numa.h"
#include "vmm/boot.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/layout.h"
#include "vmm/machine.h"
#include "vmm/machine_priv.h"
#include "vmm/pci_host.h"
#include "vmm/preflight.h"
#include "vmm/privdrop.h"
#include "vmm/shutdown.h"
#include "devices/power.h"
#include "devices/serial.h"
#include "vmm/timeline.h"
#include "vmm/topology.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"


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
	sigaddset(&m->waitset, SIGUSR1);	/* placement report */
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
		{ pci_host__dsdt, &m->pci },
		{ acpi_nfit__dsdt, &m->topo },
	};
	struct acpi_blob extra[ARRAY_SIZE(m->acpi_numa.blob) + 2];
	unsigned nr_extra;
	uint32_t *apic_ids;
	struct acpi_config ac;
	void *buf;
	size_t used;
	unsigned i;
	int ret;

	ret = acpi_numa__build(&m->topo, &m->acpi_numa);
	if (ret < 0) {
		pr_err("cannot build SRAT/SLIT/HMAT: %s", strerror(-ret));
		return ret;
	}
	memcpy(extra, m->acpi_numa.blob, m->acpi_numa.nr * sizeof(*extra));
	nr_extra = m->acpi_numa.nr;
	extra[nr_extra++] = pci_host__mcfg(&m->pci);
	if (m->topo.nr_pmem) {
		size_t len;

		ret = acpi_nfit__build(&m->topo, &m->nfit_table, &len);
		if (ret < 0) {
			pr_err("cannot build the NFIT: %s", strerror(-ret));
			return ret;
		}
		extra[nr_extra++] = (struct acpi_blob){ m->nfit_table, len };
	}
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
		.extra = extra,
		.nr_extra = nr_extra,
	};
	buf = gmem__ptr(&vm->mem, LAYOUT_ACPI, LAYOUT_ACPI_SIZE);
	ret = buf ? acpi__build(&ac, buf, LAYOUT_ACPI_SIZE, LAYOUT_ACPI, &used) : -EFAULT;
	if (ret < 0)
		pr_err("cannot build the ACPI tables: %s", strerror(-ret));
	free(apic_ids);
	return ret;
}

/* Guest-physical address width (CPUID 0x8000_0008 EAX[7:0]); 36 if absent. */
static unsigned machine_phys_bits(const struct vm *vm)
{
	const struct kvm_cpuid2 *c = vm->supported_cpuid;
	unsigned i;

	for (i = 0; c && i < c->nent; i++)
		if (c->entries[i].function == 0x80000008 && (c->entries[i].eax & 0xff))
			return c->entries[i].eax & 0xff;
	return 36;
}

/* Host hooks of devices: BARs as memory slots, doorbells as ioeventfds. */
static int machine_map_mem(void *opaque, uint64_t gpa, uint64_t size, void *hva)
{
	return vm__map_mem(opaque, gpa, size, hva);
}

static void machine_unmap_mem(void *opaque, int slot)
{
	vm__unmap_mem(opaque, slot);
}

int machine_ioeventfd(void *opaque, uint64_t gpa, uint32_t len, int fd, bool assign)
{
	return vm__ioeventfd(opaque, gpa, len, fd, assign);
}

/* Where a device behind expander @pcie (-1: bus 0) lives on the host: its
 * host bridge's guest node -> that node's host node(s), which bind its
 * device memory (with the node's policy) and whose CPUs run its worker or
 * I/O threads. Nothing for an unbound node. */
void machine_device_place(const struct machine *m, int pcie, struct idset *host_nodes,
			  int *mem_policy, struct idset *cpus)
{
	static const int mpol[] = {
		[CONFIG_POLICY_BIND] = MPOL_BIND,
		[CONFIG_POLICY_PREFERRED] = MPOL_PREFERRED,
		[CONFIG_POLICY_INTERLEAVE] = MPOL_INTERLEAVE,
	};
	const struct vm_config *cfg = m->vm.cfg;
	int node = pcie < 0 ? (m->topo.numa ? 0 : -1) : cfg->pcie[pcie].node;
	const struct topo_node *tn;

	if (node < 0 || (unsigned)node >= m->topo.nr_nodes)
		return;
	tn = &m->topo.node[node];
	if (host_nodes)
		*host_nodes = tn->host_nodes;
	if (mem_policy)
		*mem_policy = mpol[tn->policy];
	idset__for_each(h, &tn->host_nodes)
		if (h < NUMA_HOST_MAX_NODES)
			idset__or(cpus, &m->host.node[h].cpus);
	idset__and(cpus, &m->host.allowed_cpus);
}

/* [disk.NAME]: virtio-blk functions, each behind its own root port. */
static int machine_disks(struct machine *m)
{
	const struct vm_config *cfg = m->vm.cfg;
	struct vm *vm = &m->vm;
	const struct virtio_pci_hooks hooks = { .ioeventfd = machine_ioeventfd, .opaque = vm };
	char err[512];
	unsigned i;
	int ret = 0;

	if (cfg->nr_disks && !(m->disks = calloc(cfg->nr_disks, sizeof(*m->disks))))
		return -ENOMEM;
	for (i = 0; !ret && i < cfg->nr_disks; i++) {
		const struct config_disk *d = &cfg->disks[i];
		struct virtio_blk_params p = {
			.name = d->name, .serial = d->serial, .queues = d->queues,
			.disk = { .path = d->path, .readonly = d->readonly,
				  .snapshot = d->snapshot, .direct = d->direct },
			.send = irq__msi_send, .send_opaque = &vm->irq,
			.mem = &vm->mem, .hooks = &hooks, .irq = &vm->irq,
			.sandbox = vm->cfg->seccomp,
		};

		machine_device_place(m, d->pcie, NULL, NULL, &p.io_cpus);
		ret = virtio_blk__init(&m->disks[i], &p, err, sizeof(err));
		if (ret) {
			pr_err("[disk.%s]: %s", d->name, err);
			break;
		}
		m->nr_disks = i + 1;
		ret = pci_host__add_device(&m->pci, pci_host__root(&m->pci, d->pcie < 0 ? "main" :
						cfg->pcie[d->pcie].name), &m->disks[i].vp.pci, 0, NULL);
	}
	return ret;
}

/* [vsock], host side, before the VM exists: /dev/vhost-vsock and the CID. */
static int machine_vsock_open(struct machine *m, const struct vm_config *cfg)
{
	const struct config_vsock *c = &cfg->vsock;
	char err[CONFIG_ERR_LEN], where[CONFIG_ERR_LEN];
	int ret;

	if (!c->present)
		return 0;
	m->vsock = calloc(1, sizeof(*m->vsock));
	if (!m->vsock)
		return -ENOMEM;
	ret = virtio_vsock__open(m->vsock, getenv("MVMM_VHOST_VSOCK"), c->cid, err, sizeof(err));
	if (ret == -EADDRINUSE)
		config__origin(cfg, c->line.cid, "vsock", "cid", "cid", where, sizeof(where));
	else if (ret)
		config__origin(cfg, c->line.header, "vsock", "", "", where, sizeof(where));
	if (ret)
		pr_err("%s: %s", where, err);
	return ret;
}

/* [vsock]: the PCI function behind its own root port; its vhost worker on
 * the device's node's host CPUs. */
static int machine_vsock(struct machine *m)
{
	const struct vm_config *cfg = m->vm.cfg;
	struct vm *vm = &m->vm;
	const struct virtio_pci_hooks hooks = { .ioeventfd = machine_ioeventfd, .opaque = vm };
	struct virtio_vsock_params p = {
		.name = "vsock", .send = irq__msi_send, .send_opaque = &vm->irq,
		.mem = &vm->mem, .hooks = &hooks, .irq = &vm->irq,
	};
	int pcie = cfg->vsock.pcie, ret;

	if (!m->vsock)
		return 0;
	machine_device_place(m, pcie, NULL, NULL, &p.worker_cpus);
	ret = virtio_vsock__init(m->vsock, &p);
	if (ret) {
		pr_err("[vsock]: cannot build the device: %s", strerror(-ret));
		return ret;
	}
	return pci_host__add_device(&m->pci, pci_host__root(&m->pci, pcie < 0 ? "main" :
				    cfg->pcie[pcie].name), &m->vsock->vp.pci, 0, NULL);
}

/* PCIe host, expander buses, devices behind their root ports; bus numbers,
 * windows and BARs assigned as firmware would. */
static int machine_pci(struct machine *m)
{
	const struct vm_config *cfg = m->vm.cfg;
	struct vm *vm = &m->vm;
	uint64_t top = 1ULL << MIN(machine_phys_bits(vm), 52u);
	struct pci_host_layout l = {
		.ecam_base = LAYOUT_ECAM, .ecam_size = LAYOUT_ECAM_SIZE,
		.mem32_base = LAYOUT_MMIO32, .mem32_size = LAYOUT_MMIO32_SIZE,
		.mem64_base = ALIGN_UP(MAX(gmem__top(&vm->mem), LAYOUT_RAM_ABOVE_4G),
				       LAYOUT_MMIO64_ALIGN),
	};
	unsigned i;
	int ret;

	/* The 64-bit window ends where the guest's physical addresses do. */
	l.mem64_size = l.mem64_base < top ? MIN(LAYOUT_MMIO64_SIZE, top - l.mem64_base) : 0;
	ret = pci_host__init(&m->pci, &vm->mmio, &vm->pio, &l);
	/* Without a _PXM Linux warns "Unknown NUMA node" for a host bridge of
	 * a NUMA guest: bus 0 belongs to node 0 (always online), as expanders
	 * without a node do (config_pci.c). */
	if (!ret && m->topo.numa)
		pci_host__root(&m->pci, "main")->node = 0;
	for (i = 0; !ret && i < cfg->nr_pcie; i++)
		ret = pci_host__add_expander(&m->pci, cfg->pcie[i].name, cfg->pcie[i].bus,
					     cfg->pcie[i].node, NULL);
	if (!ret && cfg->nr_devices && !(m->devs = calloc(cfg->nr_devices, sizeof(*m->devs))))
		ret = -ENOMEM;
	for (i = 0; !ret && i < cfg->nr_devices; i++) {
		const struct mock_accel_hooks hooks = {
			.map_mem = machine_map_mem, .unmap_mem = machine_unmap_mem,
			.ioeventfd = machine_ioeventfd, .opaque = vm,
		};
		const struct config_device *d = &cfg->devices[i];
		struct mock_accel_params p = {
			.name = d->name, .memory_size = d->memory_size,
			.vf_memory_size = d->vf_memory_size, .total_vfs = d->vfs,
			.send = irq__msi_send, .send_opaque = &vm->irq,
			.mem = &vm->mem, .hooks = &hooks, .sandbox = cfg->seccomp,
		};

		memcpy(p.uuid, d->uuid, sizeof(p.uuid));
		machine_device_place(m, d->pcie, &p.host_nodes, &p.mem_policy, &p.worker_cpus);
		ret = mock_accel__init(&m->devs[i], &p);
		if (ret)
			break;
		m->nr_devs = i + 1;
		ret = pci_host__add_device(&m->pci, pci_host__root(&m->pci, d->pcie < 0 ? "main" :
						cfg->pcie[d->pcie].name), &m->devs[i].pf.pci, d->chassis,
					   NULL);
	}
	if (!ret)
		ret = machine_disks(m);
	if (!ret)
		ret = machine_nets(m);
	if (!ret)
		ret = machine_vsock(m);
	if (!ret)
		ret = pci_host__assign(&m->pci);
	if (ret)
		pr_err("cannot build the PCIe topology: %s", strerror(-ret));
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

static const char *exit_name(int status)
{
	static const char *const names[] = {
		[VM_EXIT_POWEROFF] = "poweroff", [VM_EXIT_ERROR] = "error",
		[VM_EXIT_USAGE] = "usage", [VM_EXIT_REBOOT] = "reboot", [VM_EXIT_PANIC] = "panic",
		[VM_EXIT_TRIPLE_FAULT] = "triple-fault", [VM_EXIT_KVM_ERROR] = "kvm-error",
		[VM_EXIT_FAIL_ON] = "fail-on", [VM_EXIT_TIMEOUT] = "timeout",
		[VM_EXIT_EXPECT_UNMET] = "expect-unmet",
		[VM_EXIT_SHUTDOWN_TIMEOUT] = "shutdown-timeout",
	};

	if (status >= VM_EXIT_SIGNAL_BASE)
		return "signal";
	return status >= 0 && (size_t)status < ARRAY_SIZE(names) && names[status] ?
	       names[status] : "unknown";
}

/* The timeline and, at exit, how the run ended: members for the JSON
 * report. NULL (no members) if memory is short. */
static const char *machine_json_extra(struct machine *m, bool at_exit, char **buf)
{
	int status = atomic_load(&m->vm.exit_status);
	size_t len;
	FILE *f;

	*buf = NULL;
	f = open_memstream(buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "\"timeline\": ");
	timeline__json(&m->timeline, f);
	if (at_exit && status >= 0) {
		/* A clean end after every --expect is "expect", not "poweroff". */
		fprintf(f, ",\n\"exit\": {\"status\": %d, \"reason\": \"%s\", \"detail\": ", status,
			status == 0 && m->opts && m->opts->nr_expect &&
			console__matched(&m->console, NULL) == m->opts->nr_expect ? "expect" :
			exit_name(status));
		json__string(f, m->vm.stop_reason);
		fprintf(f, "}");
	}
	if (fclose(f)) {
		free(*buf);
		*buf = NULL;
	}
	return *buf;
}

/* Placement report from the kernel's answers: a table on stderr (stdout is
 * the guest's console) and, with --report-json, the JSON file. A failure
 * to report is worth a warning, never a stop. */
static void machine_report(struct machine *m, const char *when)
{
	const char *json = m->vm.cfg->report_json;
	struct numa_report r;
	char *extra = NULL;
	int ret;

	pthread_mutex_lock(&m->plan_lock);
	ret = machine__collect_report(m, &r, when);
	if (ret < 0) {
		pthread_mutex_unlock(&m->plan_lock);
		pr_warn("placement report (%s): %s", when, strerror(-ret));
		return;
	}
	numa_report__print(&r, &m->plan, stderr);
	if (json) {
		r.extra_json = machine_json_extra(m, !strcmp(when, "exit"), &extra);
		if ((ret = numa_report__write_json(&r, &m->plan, json)) < 0)
			pr_warn("placement report: cannot write '%s': %s", json, strerror(-ret));
		free(extra);
	}
	pthread_mutex_unlock(&m->plan_lock);
	numa_report__free(&r);
}

int machine__collect_report(struct machine *m, struct numa_report *r, const char *when)
{
	unsigned i;
	int ret;

	ret = numa_report__collect(r, &m->plan, &m->vm.mem, when);
	if (ret < 0)
		return ret;
	/* Device DMA workers run on their device's host node, not with the
	 * emulator threads. */
	for (i = 0; i < m->nr_devs; i++)
		if (mock_accel__worker_tid(&m->devs[i]) && !idset__empty(&m->devs[i].worker_cpus))
			numa_report__plan_thread(r, mock_accel__worker_tid(&m->devs[i]),
						 &m->devs[i].worker_cpus);
	machine_net_report(m, r);
	/* So do disks' I/O threads (running once the driver set DRIVER_OK). */
	for (i = 0; i < m->nr_disks; i++)
		for (unsigned q = 0; q < m->disks[i].nr_queues; q++)
			if (virtio_blk__io_tid(&m->disks[i], q) && !idset__empty(&m->disks[i].io_cpus))
				numa_report__plan_thread(r, virtio_blk__io_tid(&m->disks[i], q),
							 &m->disks[i].io_cpus);
	/* The vsock vhost worker: a kernel thread before Linux 6.4, added. */
	if (m->vsock && virtio_vsock__worker(m->vsock) && !idset__empty(&m->vsock->worker_cpus))
		numa_report__add_thread(r, virtio_vsock__worker(m->vsock), &m->vsock->worker_cpus);
	return 0;
}

/* "30s", or "1500ms" when not whole seconds (durations are whole ms). */
static const char *machine_fmt_duration(char *out, size_t len, uint64_t ns)
{
	if (ns % 1000000000ULL)
		snprintf(out, len, "%llums", (unsigned long long)(ns / 1000000ULL));
	else
		snprintf(out, len, "%llus", (unsigned long long)(ns / 1000000000ULL));
	return out;
}

/* The first SIGTERM: ask the guest to power off (shutdown.h). A failed
 * press leaves nothing to wait for: stop now, as SIGTERM did before. */
static void machine_powerdown(struct machine *m, int sig)
{
	char t[32];
	int r;

	r = power__button(&m->power);
	if (r < 0) {
		pr_err("SIGTERM: cannot press the power button: %s", strerror(-r));
		vm__request_stop(&m->vm, VM_EXIT_SIGNAL_BASE + sig, NULL);
		return;
	}
	timeline__add(&m->timeline, "sigterm-powerdown", NULL, 0);
	fprintf(stderr, "mvmm: SIGTERM: pressed the power button; waiting up to %s (shutdown_timeout) for the guest to power off; SIGTERM again or SIGINT stops it now\n",
		machine_fmt_duration(t, sizeof(t), m->vm.cfg->shutdown_timeout_ns));
}

/* Wait for a stop request or a control signal; returns the exit status.
 * Two deadlines: --timeout's (from mvmm's start) and, once SIGTERM pressed
 * the power button, shutdown_timeout's; the earlier one wakes the wait. */
static int machine_wait(struct machine *m)
{
	struct vm *vm = &m->vm;
	siginfo_t si;

	uint64_t deadline, timeout_at = m->opts && m->opts->timeout_ns ?
					m->timeline.start_ns + m->opts->timeout_ns : 0;
	struct shutdown sd;
	struct timespec ts;
	uint64_t now;
	char why[96], t[32];
	int r, status;
	bool graceful;

	shutdown__init(&sd, vm->cfg->shutdown_timeout_ns);
	while (!atomic_load(&vm->stopping)) {
		now = timeline__now();
		if (timeout_at && now >= timeout_at) {
			timeline__add(&m->timeline, "timeout", NULL, now);
			snprintf(why, sizeof(why), "--timeout: %.3fs reached",
				 (double)m->opts->timeout_ns / 1e9);
			vm__request_stop(vm, VM_EXIT_TIMEOUT, why);
			continue;
		}
		if (shutdown__expired(&sd, now, &status)) {
			timeline__add(&m->timeline, "shutdown-timeout", NULL, now);
			snprintf(why, sizeof(why), "shutdown_timeout %s: guest did not power off",
				 machine_fmt_duration(t, sizeof(t), sd.timeout_ns));
			vm__request_stop(vm, status, why);
			continue;
		}
		deadline = shutdown__deadline(&sd);
		if (!deadline || (timeout_at && timeout_at < deadline))
			deadline = timeout_at;
		if (!deadline) {
			r = sigwaitinfo(&m->waitset, &si);
		} else {
			ts.tv_sec = (deadline - now) / 1000000000ULL;
			ts.tv_nsec = (deadline - now) % 1000000000ULL;
			r = sigtimedwait(&m->waitset, &si, &ts);
		}
		if (r < 0 || si.si_signo == SIG_VM_STOP)
			continue;
		if (si.si_signo == SIGUSR1) {
			machine_report(m, "signal");
			continue;
		}
		graceful = shutdown__deadline(&sd) != 0;
		if (shutdown__signal(&sd, si.si_signo, timeline__now(), &status) == SHUTDOWN_BUTTON) {
			machine_powerdown(m, si.si_signo);
			continue;
		}
		/* Said only when it changes what the guest was doing. */
		snprintf(why, sizeof(why), "SIG%s during the shutdown: guest stopped",
			 sigabbrev_np(si.si_signo) ? sigabbrev_np(si.si_signo) : "?");
		vm__request_stop(vm, status, graceful ? why : NULL);
	}
	return atomic_load(&vm->exit_status);
}

/* What a hung guest was doing: each vCPU once out of KVM_RUN, and the
 * console's last line. */
static void machine_dump_vcpus(struct machine *m)
{
	char line[CONSOLE_LINE_MAX + 1], desc[256];
	unsigned i;

	pr_err("%s; guest state:", m->vm.stop_reason);
	for (i = 0; i < m->vm.nr_vcpus; i++) {
		if (!m->vm.vcpus[i].started)
			continue;
		vcpu__wait_parked(&m->vm.vcpus[i]);
		vcpu__describe(&m->vm.vcpus[i], desc, sizeof(desc));
		pr_err("  %s", desc);
	}
	console__last_line(&m->console, line, sizeof(line));
	pr_err("  last console line: '%s'", line);
}

/* One line per disk at exit: what it served and how its interrupts went
 * out (irqfd: from the I/O thread straight into KVM; msix: a masked vector
 * latched, or no irqfd). */
static void machine_disk_stats(const struct machine *m)
{
	unsigned i, q;

	for (i = 0; i < m->nr_disks; i++) {
		const struct virtio_blk *b = &m->disks[i];
		unsigned long req = 0, ioerr = 0, unsupp = 0, bad = 0;

		for (q = 0; q < b->nr_queues; q++) {
			req += atomic_load(&b->q[q].stats.requests);
			ioerr += atomic_load(&b->q[q].stats.ioerr);
			unsupp += atomic_load(&b->q[q].stats.unsupp);
			bad += atomic_load(&b->q[q].stats.bad_chain);
		}
		fprintf(stderr, "mvmm: disk %s: %lu requests (%lu I/O errors, %lu unsupported, %lu bad chains); interrupts: %lu by irqfd, %lu by msix\n",
			b->name, req, ioerr, unsupp, bad, atomic_load(&b->vp.irqs_irqfd),
			atomic_load(&b->vp.irqs_msix));
	}
}

/* vCPU threads leave their run loop and park (vcpu.c) until joined, so the
 * exit report still sees each of them. */
static void machine_stop_vcpus(struct machine *m)
{
	struct vm *vm = &m->vm;
	unsigned i;

	atomic_store(&vm->stopping, true);
	vm__wake_paused(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu__kick(&vm->vcpus[i]);
	if (atomic_load(&vm->exit_status) == VM_EXIT_TIMEOUT)
		machine_dump_vcpus(m);
	timeline__add(&m->timeline, "exit", NULL, 0);
	if (m->report)
		machine_report(m, "exit");
	machine_disk_stats(m);
	machine_net_stats(m);
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
	pci_host__destroy(&m->pci);
	for (i = 0; i < m->nr_devs; i++)
		mock_accel__destroy(&m->devs[i]);
	free(m->devs);
	for (i = 0; i < m->nr_disks; i++)
		virtio_blk__destroy(&m->disks[i]);
	free(m->disks);
	machine_nets_destroy(m);
	if (m->vsock)		/* its irqfds and ioeventfds are the VM's */
		virtio_vsock__destroy(m->vsock);
	vm__destroy(vm);
	acpi_numa__free(&m->acpi_numa);
	free(m->nfit_table);
}

/* Report at start and exit when placement was asked for. */
static bool machine_wants_report(const struct machine *m, const struct vm_config *cfg)
{
	const struct topology *t = &m->topo;
	unsigned i;

	if (t->numa || cfg->report_json || !idset__empty(&t->emulator_cpus))
		return true;
	for (i = 0; i < t->nr_vcpus; i++)
		if (!idset__empty(&t->vcpu[i].host_cpus))
			return true;
	return false;
}

static void machine_console_stop(void *opaque, int status, const char *reason)
{
	vm__request_stop(opaque, status, reason);
}

static int machine_console(struct machine *m)
{
	const struct machine_opts none = { 0 }, *o = m->opts ? m->opts : &none;
	const struct console_params p = {
		.out_fd = STDOUT_FILENO, .log_path = o->console_log,
		.expect = o->expect, .nr_expect = o->nr_expect,
		.fail_on = o->fail_on, .nr_fail_on = o->nr_fail_on,
		.fail_on_kernel = o->fail_on_kernel, .fail_status = VM_EXIT_FAIL_ON,
		.timeline = &m->timeline, .stop = machine_console_stop, .stop_opaque = &m->vm,
	};
	char err[CONFIG_ERR_LEN];
	int ret;

	ret = console__init(&m->console, &p, err, sizeof(err));
	if (ret < 0)
		pr_err("%s", err);
	m->console_ready = !ret;
	return ret;
}

/* A guest that ends on its own before the console showed every --expect
 * has not done what the run asked for. */
static int machine_expect_status(struct machine *m, int status)
{
	const char *next;
	unsigned n;

	if (!m->opts || !m->opts->nr_expect ||
	    (status != VM_EXIT_POWEROFF && status != VM_EXIT_REBOOT))
		return status;
	n = console__matched(&m->console, &next);
	if (n == m->opts->nr_expect)
		return status;
	snprintf(m->vm.stop_reason, sizeof(m->vm.stop_reason),
		 "guest %s after %u of %u --expect patterns (next: '%s')",
		 status == VM_EXIT_POWEROFF ? "powered off" : "rebooted", n, m->opts->nr_expect,
		 next);
	return VM_EXIT_EXPECT_UNMET;
}

/* What the host process must offer (vmm/preflight.h), before /dev/kvm. */
static int machine_preflight(const struct vm_config *cfg, char *err, size_t errlen)
{
	struct preflight *pf = calloc(1, sizeof(*pf));
	struct preflight_host h;
	int ret;

	if (!pf)
		return -ENOMEM;
	ret = preflight__host(&h);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read this process's limits: %s", strerror(-ret));
		goto out;
	}
	preflight__collect(pf, cfg, &h);
	ret = preflight__check(pf, cfg, err, errlen);
	if (!ret && pf->warning[0])
		pr_warn("%s", pf->warning);
	if (!ret && (ret = preflight__apply(pf)) < 0)
		snprintf(err, errlen, "cannot raise RLIMIT_NOFILE to %u: %s", pf->nofile_need,
			 strerror(-ret));
out:
	free(pf);
	return ret;
}

/* [machine] user / group (vmm/privdrop.h). */
static int machine_drop(struct machine *m)
{
	const struct vm_config *cfg = m->vm.cfg;
	char err[CONFIG_ERR_LEN], dir[PATH_MAX];
	int ret;

	if (!cfg->drop)
		return 0;
	ret = privdrop__drop(cfg->uid, cfg->gid,
			     cfg->report_json ? privdrop__dir_of(cfg->report_json, dir, sizeof(dir)) :
						NULL, err, sizeof(err));
	if (ret < 0)
		pr_err("[machine] user = %s: %s", cfg->user, err);
	return ret;
}

int machine__run(const struct vm_config *cfg, const struct machine_opts *o)
{
	char err[CONFIG_ERR_LEN];
	struct machine *m;
	unsigned i;
	int ret, status = VM_EXIT_ERROR;

	m = calloc(1, sizeof(*m));
	if (!m)
		return VM_EXIT_ERROR;
	m->opts = o;
	timeline__init(&m->timeline, o ? o->start_ns : 0);
	/* Everything the host must offer is checked before /dev/kvm opens. */
	ret = numa_plan__make(&m->topo, &m->host, cfg, err, sizeof(err));
	if (ret < 0) {
		pr_err("%s", err);
		goto out_free;
	}
	ret = machine_preflight(cfg, err, sizeof(err));
	if (ret < 0) {
		pr_err("%s", err);
		goto out_free;
	}
	m->plan = m->topo;
	pthread_mutex_init(&m->plan_lock, NULL);
	machine__vmstat(m->vmstat0);
	/* Before any other thread exists: they all inherit it (vCPU threads
	 * are created with their own set). */
	ret = numa_pin__self(&m->topo.emulator_cpus);
	if (ret < 0) {
		pr_err("cannot pin mvmm to emulator_cpus: %s", strerror(-ret));
		goto out_free;
	}
	ret = machine_signals(m);
	if (ret < 0)
		goto out_free;
	m->report = machine_wants_report(m, cfg);
	ret = machine_console(m);	/* --console-log opens before the VM exists */
	if (ret < 0)
		goto out_free;
	if (cfg->api_socket) {		/* so does the control socket */
		ret = control__init(&m->control, cfg->api_socket, machine_commands,
				    machine_nr_commands, m, err, sizeof(err));
		if (ret < 0) {
			pr_err("%s", err);
			goto out_free;
		}
		m->control_ready = true;
	}
	ret = machine_vsock_open(m, cfg);	/* and the host's vhost-vsock */
	if (ret < 0)
		goto out_free;
	/* The setup's steps in the timeline: make bench splits the time to
	 * the first KVM_RUN by them (tests/bench/setup-cost.sh). */
	timeline__add(&m->timeline, "planned", NULL, 0);
	ret = vm__create(&m->vm, cfg, &m->topo);
	if (ret < 0)
		goto out_free;
	m->vm.timeline = &m->timeline;
	timeline__add(&m->timeline, "vm-created", NULL, 0);
	ret = serial__init(&m->serial, &m->vm, &m->console, STDIN_FILENO);
	if (ret < 0)
		goto out;
	ret = power__init(&m->power, &m->vm);
	if (ret < 0)
		goto out;
	ret = power__install_reset_stub(&m->vm.mem);
	if (ret < 0)
		goto out;
	ret = machine_pci(m);
	if (ret < 0)
		goto out;
	ret = vm__commit_ioeventfds(&m->vm);
	if (ret < 0)
		goto out;
	timeline__add(&m->timeline, "pci-ready", NULL, 0);
	ret = machine_vcpus(m);
	if (ret < 0)
		goto out;
	timeline__add(&m->timeline, "vcpus-created", NULL, 0);
	ret = machine_acpi(m);
	if (ret < 0)
		goto out;
	timeline__add(&m->timeline, "acpi-written", NULL, 0);
	ret = machine_boot(m);
	if (ret < 0)
		goto out;
	timeline__add(&m->timeline, "kernel-loaded", NULL, 0);
	ret = serial__start(&m->serial);
	if (ret < 0)
		goto out;
	/* Everything is open: the guest's first instruction runs unprivileged. */
	ret = machine_drop(m);
	if (ret < 0)
		goto out;
	for (i = 0; i < m->vm.nr_vcpus; i++) {
		ret = vcpu__start(&m->vm.vcpus[i]);
		if (ret < 0) {
			vm__request_stop(&m->vm, VM_EXIT_ERROR, NULL);
			break;
		}
	}
	if (m->report && !ret)
		machine_report(m, "start");
	/* Served from here on, by its own thread (on emulator_cpus, inherited). */
	if (!ret && m->control_ready) {
		m->control.sandbox = cfg->seccomp;
		ret = control__start(&m->control);
		if (ret < 0) {
			pr_err("cannot start the control socket: %s", strerror(-ret));
			vm__request_stop(&m->vm, VM_EXIT_ERROR, NULL);
		}
	}
	/* Last: every thread of the setup exists and has its own filter. */
	if (!ret && (ret = sandbox__enter(SANDBOX_MAIN, cfg->seccomp)) < 0) {
		pr_err("cannot install the seccomp filter: %s", strerror(-ret));
		vm__request_stop(&m->vm, VM_EXIT_ERROR, NULL);
	}
	machine_wait(m);
	/* A request waiting for paused vCPUs gives up once stopping is set;
	 * after this no request runs any more. */
	vm__wake_paused(&m->vm);
	if (m->control_ready) {
		control__destroy(&m->control);
		m->control_ready = false;
	}
	status = machine_expect_status(m, atomic_load(&m->vm.exit_status));
	atomic_store(&m->vm.exit_status, status);
	machine_stop_vcpus(m);
	if (status != VM_EXIT_POWEROFF && status != VM_EXIT_TIMEOUT && status != VM_EXIT_FAIL_ON &&
	    m->vm.stop_reason[0])
		pr_err("%s", m->vm.stop_reason);
out:
	machine_destroy(m);
out_free:
	if (m->vsock) {
		virtio_vsock__destroy(m->vsock);
		free(m->vsock);
	}
	if (m->control_ready)
		control__destroy(&m->control);
	if (m->console_ready)
		console__destroy(&m->console);
	timeline__free(&m->timeline);
	free(m);
	return status;
}
