/*
 * Machine configuration: the INI contract of docs/config.md parsed with libinih
 * into one validated structure. Every error is one line naming file, line,
 * section/key and what was expected, and is reported before /dev/kvm opens.
 */
#ifndef MVMM_CONFIG_H
#define MVMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "boot.h"
#include "idset.h"
#include "sandbox.h"

#define CONFIG_MAX_VCPUS	255	/* xAPIC ids; KVM's own limit is checked at VM creation */
#define CONFIG_MIN_MEMORY	(128ULL << 20)
#define CONFIG_MAX_MEMORY	(1ULL << 40)
#define CONFIG_ERR_LEN		512
#define CONFIG_DEFAULT_MEMORY	(512ULL << 20)
#define CONFIG_DEFAULT_CMDLINE	"console=ttyS0"
#define CONFIG_MAX_CMDLINE	(64U << 10)	/* exclusive bound, with the NUL */
#define CONFIG_LINE_CLI		(~0U)		/* value given by its own option (--kernel) */
#define CONFIG_LINE_SET		(~1U)		/* value given by --set SECTION.KEY=VALUE */
#define CONFIG_MAX_NODES	16	/* guest NUMA nodes (one RAM slot or two each) */
#define CONFIG_MIN_NODE_MEMORY	(4ULL << 20)	/* Linux ignores smaller nodes (NODE_MIN_SIZE) */
#define CONFIG_LOCAL_DISTANCE	10
#define CONFIG_REMOTE_DISTANCE	20
#define CONFIG_MAX_DISTANCE	255	/* SLIT: 255 = unreachable */
#define CONFIG_DEFAULT_SHUTDOWN_TIMEOUT	(30ULL * 1000000000ULL)	/* ns */

/* Where each [machine] value came from, so checks after parsing can name
 * it: its line in the config file, 0 for a default, CONFIG_LINE_CLI for an
 * override. */
struct config_machine_lines {
	unsigned name, cpus, sockets, cores, threads, memory;
	unsigned kernel, initrd, cmdline;
	unsigned hugepages, mem_path, shared, emulator_cpus, prefault, thp, api_socket;
	unsigned shutdown_timeout, seccomp, user, group, nested;
};

/* Memory policy of a guest node's RAM on the host (mbind). */
enum config_policy {
	CONFIG_POLICY_BIND,		/* strict: only host_node(s) */
	CONFIG_POLICY_PREFERRED,	/* host_node first, others when full */
	CONFIG_POLICY_INTERLEAVE,	/* page by page over host_node(s) */
};

struct config_numa_lines {
	unsigned header, cpus, memory, host_node, policy, host_cpus;
};

/* [numa.N] */
struct config_numa_node {
	bool present;			/* the section exists */
	struct idset cpus;		/* guest vCPUs; empty: a memory-only node */
	uint64_t memory;		/* bytes; 0: a CPU-only node */
	struct idset host_nodes;	/* empty: RAM not bound, vCPUs not pinned */
	enum config_policy policy;
	struct idset host_cpus;		/* empty: the CPUs of host_nodes */
	struct config_numa_lines line;
};

/* [vcpu.N] */
struct config_vcpu {
	struct idset host_cpus;		/* overrides its node's host_cpus */
	struct {
		unsigned header, host_cpus;
	} line;
};

/* [hmat] latency.I-T / bandwidth.I-T overrides; 0: derived from [distance]. */
struct config_hmat_pair {
	uint32_t latency_ns, bandwidth_mbs;
	unsigned latency_line, bandwidth_line;
};

/* Everything of [numa.N], [distance], [hmat] and [vcpu.N]; allocated when
 * the first of them appears. Checked and completed by config__finish. */
struct config_numa {
	unsigned nr_nodes;		/* highest [numa.N] id + 1; 0: no NUMA */
	struct config_numa_node node[CONFIG_MAX_NODES];
	/* [distance] "I-J = D" as written; 0 where not written. */
	uint8_t distance[CONFIG_MAX_NODES][CONFIG_MAX_NODES];
	unsigned distance_line[CONFIG_MAX_NODES][CONFIG_MAX_NODES];
	bool hmat;			/* [hmat] enabled (default yes) */
	unsigned hmat_header, hmat_line;
	struct config_hmat_pair hmat_pair[CONFIG_MAX_NODES][CONFIG_MAX_NODES];
	struct config_vcpu vcpu[CONFIG_MAX_VCPUS];
};

/* [pcie.NAME] and [device.NAME] (config_pci.c). */
#define CONFIG_MAX_PCIE		32	/* expander buses */
#define CONFIG_MAX_DEVICES	64
#define CONFIG_MAX_VFS		7
#define CONFIG_UUID_LEN		16

enum config_device_type {
	CONFIG_DEVICE_NONE = 0,		/* type not given (an error at finish) */
	CONFIG_DEVICE_MOCK_ACCEL,
};

/* A PCIe expander bus: its own host bridge with a bus range and _PXM. */
struct config_pcie {
	char *name;
	unsigned bus;			/* 1..255 */
	unsigned numa;			/* guest node, when line.numa */
	char *host_device;		/* host PCI address "DDDD:BB:DD.F", or NULL */
	int node;			/* config__finish: guest node (_PXM); -1: none */
	int host_node;			/* config__finish: host_device's node; -1: none */
	struct {
		unsigned header, bus, numa, host_device;
	} line;
};

struct config_device {
	char *name;
	enum config_device_type type;
	char *bus;			/* [pcie.NAME] it plugs into; NULL: bus 0 */
	unsigned chassis;		/* root port chassis; 0: automatic */
	uint8_t uuid[CONFIG_UUID_LEN];	/* given, or derived by config__finish */
	unsigned vfs;			/* SR-IOV TotalVFs */
	uint64_t memory_size, vf_memory_size;
	int pcie;			/* config__finish: index in pcie[]; -1: bus 0 */
	struct {
		unsigned header, type, bus, chassis, uuid, vfs, memory_size, vf_memory_size;
	} line;
};

/* [disk.NAME]: a virtio-blk disk. */
#define CONFIG_MAX_DISKS	16
#define CONFIG_MAX_DISK_QUEUES	16
#define CONFIG_DISK_SERIAL_LEN	20	/* VIRTIO_BLK_ID_BYTES */

struct config_disk {
	char *name;
	char *path;			/* resolved */
	bool readonly;
	bool snapshot;			/* writes to a private overlay, gone at exit */
	bool direct;			/* O_DIRECT */
	char *serial;			/* GET_ID; NULL: the name */
	unsigned queues;		/* 0 until config__finish: one per vCPU, <= 16 */
	char *bus;			/* [pcie.NAME]; NULL: bus 0 */
	int pcie;			/* config__finish: index in pcie[]; -1: bus 0 */
	struct {
		unsigned header, path, readonly, snapshot, direct, serial, queues, bus;
	} line;
};

/* [net.NAME]: a virtio-net NIC on a TAP. */
#define CONFIG_MAX_NICS		8
#define CONFIG_MAX_NIC_QUEUES	8	/* TAP_MAX_QUEUES */

enum config_vhost { CONFIG_VHOST_AUTO, CONFIG_VHOST_NO, CONFIG_VHOST_YES };

struct config_net {
	char *name;
	char *tap;			/* an existing TAP, or NULL */
	char *bridge;			/* a bridge mvmm puts a new TAP on, or NULL */
	uint8_t mac[6];			/* config__finish: derived when not given */
	unsigned queues;		/* queue pairs, default 1 */
	enum config_vhost vhost;	/* config__finish: AUTO resolved */
	char *bus;			/* [pcie.NAME]; NULL: bus 0 */
	int pcie;			/* config__finish: index in pcie[]; -1: bus 0 */
	struct {
		unsigned header, tap, bridge, mac, queues, vhost, bus;
	} line;
};

/* [vsock]: the guest's virtio-vsock device (over vhost-vsock). */
#define CONFIG_VSOCK_CID_MIN	3		/* 0-2: hypervisor, local, host */
#define CONFIG_VSOCK_CID_MAX	0xfffffffeU	/* 0xffffffff: VMADDR_CID_ANY */

struct config_vsock {
	bool present;			/* the section exists */
	uint32_t cid;			/* the guest's CID */
	char *bus;			/* [pcie.NAME]; NULL: bus 0 */
	int pcie;			/* config__finish: index in pcie[]; -1: bus 0 */
	struct {
		unsigned header, cid, bus;
	} line;
};

/* [pmem.NAME]: an NVDIMM (persistent memory) backed by a file or devdax. */
#define CONFIG_MAX_PMEM		8
#define CONFIG_PMEM_ALIGN	(2ULL << 20)	/* size granule (devdax's alignment) */

struct config_pmem {
	char *name;
	char *path;			/* resolved */
	uint64_t size;			/* config__finish: the backing's size if not given */
	unsigned numa;			/* guest node (proximity domain) */
	bool readonly;			/* PROT_READ + KVM_MEM_READONLY */
	bool shared;			/* MAP_SHARED (default yes; devdax: must) */
	bool devdax;			/* config__finish: path is a device-DAX */
	struct {
		unsigned header, path, size, numa, readonly, shared;
	} line;
};

struct vm_config {
	char *file;		/* config path as given, for messages */
	char *name;		/* [machine] name; default: config file stem */
	unsigned cpus;
	unsigned sockets, cores, threads;	/* cores per socket, threads per core */
	uint64_t memory;	/* bytes */
	char *kernel;		/* resolved path */
	char *initrd;		/* NULL when none */
	char *cmdline;		/* never NULL after config__load */
	enum kernel_kind kernel_kind;	/* set by config__finish */
	uint64_t hugepages;	/* 0, 2M or 1G: hugetlb page size of guest RAM */
	char *mem_path;		/* NULL, a directory or a file/device to map */
	bool shared;		/* MAP_SHARED guest RAM */
	bool prefault;		/* touch all guest RAM before the guest runs */
	bool thp;		/* MADV_HUGEPAGE on anonymous RAM (default yes) */
	bool nested;		/* SVM/VMX for the guest (cpuid.h CPUID_NESTED) */
	struct idset emulator_cpus;	/* non-vCPU threads; empty: not pinned */
	char *report_json;	/* --report-json: placement report file, or NULL */
	char *api_socket;	/* control socket path (control.h), or NULL */
	/* SIGTERM presses the power button and waits this long for the guest
	 * to power off (vmm/shutdown.h); 0: SIGTERM stops it at once. */
	uint64_t shutdown_timeout_ns;
	enum sandbox_mode seccomp;	/* [machine] seccomp, default on */
	/* [machine] user / group: drop to them before the guest runs
	 * (vmm/privdrop.h); config__finish resolves them to ids. */
	char *user, *group;
	bool drop;
	uid_t uid;
	gid_t gid;
	struct config_numa *numa;	/* NULL without [numa.N]/[distance]/[hmat]/[vcpu.N] */
	struct config_pcie *pcie;	/* [pcie.NAME] in file order; NULL: none */
	unsigned nr_pcie;
	struct config_device *devices;	/* [device.NAME] in file order; NULL: none */
	unsigned nr_devices;
	struct config_disk *disks;	/* [disk.NAME] in file order; NULL: none */
	unsigned nr_disks;
	struct config_net *nets;	/* [net.NAME] in file order; NULL: none */
	unsigned nr_nets;
	struct config_vsock vsock;	/* [vsock]; .present false: none */
	struct config_pmem *pmem;	/* [pmem.NAME] in file order; NULL: none */
	unsigned nr_pmem;
	struct config_machine_lines line;
};

/* Defaults only, no file (file NULL, name "mvmm"): for running with
 * --kernel alone. config__load does this itself. -ENOMEM on failure. */
int config__init(struct vm_config *cfg);

/* Parse @path into @cfg (overwritten, not freed first). On error returns
 * -EINVAL (or -errno), writes one line, without newline, to @err and leaves
 * @cfg zeroed. Relative paths in the file are resolved against the file's
 * directory. */
int config__load(struct vm_config *cfg, const char *path, char *err, size_t errlen);

/* --set SECTION.KEY=VALUE: set or replace one key of any section (creating
 * the section if the file lacks it) through the same setters as the file,
 * so validation is identical; errors read "--set SPEC: ...". Call after
 * config__load/config__init, before config__override and config__finish.
 * Paths are taken as given (relative to the working directory). */
int config__set(struct vm_config *cfg, const char *spec, char *err, size_t errlen);

/* Command-line overrides (any may be NULL); paths are taken as given. */
int config__override(struct vm_config *cfg, const char *kernel, const char *initrd,
		     const char *append, char *err, size_t errlen);

/* Cross-key checks and probing of the kernel/initrd files; call once after
 * loading and overriding. Derives the topology: sockets and threads default
 * to 1, cores to cpus / (sockets * threads). */
int config__finish(struct vm_config *cfg, char *err, size_t errlen);

/* "FILE:LINE: [@sec] @key" (as messages after parsing start), "FILE: [@sec]
 * @key" for a default (line 0), "--@opt" for a command-line override, or
 * "--set @sec.@key" for a --set. */
const char *config__origin(const struct vm_config *cfg, unsigned line, const char *sec,
			   const char *key, const char *opt, char *out, size_t outlen);

/* "<config__origin>: <message>" into @err, for checks after parsing;
 * returns -EINVAL. */
int config__errorf(const struct vm_config *cfg, char *err, size_t errlen, unsigned line,
		   const char *sec, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Frees everything and zeroes @cfg; safe on a zeroed or already freed one. */
void config__free(struct vm_config *cfg);

/* "512M", "8G", "1T", plain bytes; suffixes K/M/G/T (binary), optional "iB"/"B".
 * 0 on success, -EINVAL on syntax, -ERANGE on overflow. */
int config__parse_size(const char *s, uint64_t *out);
/* Decimal or 0x-hex unsigned integer. */
int config__parse_uint(const char *s, uint64_t max, uint64_t *out);
/* "30", "30s", "1500ms", "5m", "1h" (decimal digits, then an optional unit;
 * no unit: seconds) -> nanoseconds; "0" is 0. -EINVAL on syntax (signs,
 * blanks, fractions, other units), -ERANGE on overflow. */
int config__parse_duration(const char *s, uint64_t *ns);

#endif
