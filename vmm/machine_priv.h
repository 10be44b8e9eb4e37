/*
 * The running machine, shared by the boot sequence (machine.c) and the
 * control socket's requests (machine_control.c). Not for other files.
 */
#ifndef MVMM_MACHINE_PRIV_H
#define MVMM_MACHINE_PRIV_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "devices/mock_accel.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/net.h"
#include "devices/virtio/vsock.h"
#include "numa/host.h"
#include "numa/report.h"
#include "vmm/acpi_nfit.h"
#include "vmm/acpi_numa.h"
#include "vmm/console.h"
#include "vmm/control.h"
#include "vmm/machine.h"
#include "vmm/pci_host.h"
#include "devices/power.h"
#include "devices/serial.h"
#include "vmm/timeline.h"
#include "vmm/topology.h"
#include "vmm/vm.h"

#define MACHINE_VMSTAT_MAX	16

struct machine {
	struct vm vm;
	const struct machine_opts *opts;
	struct timeline timeline;
	struct console console;		/* the guest's console output, watched */
	bool console_ready;
	struct serial serial;
	struct power power;
	sigset_t waitset;
	struct topology topo;		/* the guest topology seam: read-only once planned */
	struct numa_host host;
	struct acpi_numa acpi_numa;
	void *nfit_table;		/* NULL without pmem */
	bool report;			/* placement report at start and exit */
	struct pci_host pci;		/* the main host bridge always exists */
	struct mock_accel *devs;	/* cfg->devices, in order */
	unsigned nr_devs;
	struct virtio_blk *disks;	/* cfg->disks, in order */
	unsigned nr_disks;
	struct machine_nic *nics;	/* cfg->nets, in order */
	unsigned nr_nics;
	struct virtio_vsock *vsock;	/* [vsock]; NULL: none */
	/* The live placement: starts as a copy of topo, changed by the
	 * control socket (set-affinity, migrate-memory); what the placement
	 * report judges against. plan_lock also serialises reports. */
	pthread_mutex_t plan_lock;
	struct topology plan;
	struct control control;		/* --api-socket */
	bool control_ready;
	uint64_t vmstat0[MACHINE_VMSTAT_MAX];	/* /proc/vmstat numa_* at start */
};

/* A [net.NAME]: its TAP and its virtio-net function. */
struct machine_nic {
	struct tap tap;
	struct virtio_net net;
	bool up;			/* virtio_net__init succeeded */
};

/* machine.c, for the device files: */
int machine_ioeventfd(void *opaque, uint64_t gpa, uint32_t len, int fd, bool assign);
/* Where a device behind expander @pcie (-1: bus 0) lives on the host. */
void machine_device_place(const struct machine *m, int pcie, struct idset *host_nodes,
			  int *mem_policy, struct idset *cpus);

/* NICs (machine_net.c): build and plug them, list their threads in a
 * placement report, one stats line each at exit, tear down. */
int machine_nets(struct machine *m);
void machine_net_report(struct machine *m, struct numa_report *r);
void machine_net_stats(const struct machine *m);
void machine_nets_destroy(struct machine *m);

/* The control socket's commands (machine_control.c). */
extern const struct control_command machine_commands[];
extern const unsigned machine_nr_commands;
/* Snapshot of /proc/vmstat's numa_* counters into @out (names in
 * machine_control.c), for deltas. */
void machine__vmstat(uint64_t out[MACHINE_VMSTAT_MAX]);
/* The placement report now, judged against the live plan (plan_lock
 * taken inside). 0 or -errno; numa_report__free() it. */
int machine__collect_report(struct machine *m, struct numa_report *r, const char *when);

#endif
