/*
 * Preflight seam: what a finished config asks of the host process, checked
 * before /dev/kvm is opened (machine__run) and listed by --check.
 *
 *  - Access: /dev/kvm, /dev/vhost-net, /dev/vhost-vsock, /dev/net/tun
 *    read-write, as the devices each config section uses need them.
 *  - Capabilities: CAP_NET_ADMIN to create a TAP on a bridge or to attach
 *    to a TAP that neither belongs to this user nor to one of its groups;
 *    CAP_SETUID + CAP_SETGID for [machine] user =; for nested = yes,
 *    kvm_amd's / kvm_intel's nested parameter on. Nothing else: pinning,
 *    mbind and move_pages act on mvmm's own threads and pages, which needs
 *    no CAP_SYS_NICE, and mvmm locks no memory (no RLIMIT_MEMLOCK: io_uring
 *    rings are memcg-accounted since Linux 5.12 and no buffers are
 *    registered).
 *  - Limits: open files (an upper bound of the fds the config's vCPUs,
 *    devices and queues hold, against RLIMIT_NOFILE: the soft limit is
 *    raised up to the hard one by preflight__apply, beyond it is an error
 *    unless CAP_SYS_RESOURCE), and guest RAM against the host's
 *    MemAvailable (RAM from a hugetlb pool or a regular file is not counted
 *    there; numa_plan checks huge pages). mock-accel device memory is
 *    sparse (a 16 GiB BAR by default): only a warning when the guest could
 *    fill it beyond what is available.
 *
 * preflight__collect is pure given @host (tests pass their own);
 * preflight__host reads this process's.
 */
#ifndef MVMM_PREFLIGHT_H
#define MVMM_PREFLIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "vmm/config.h"

#define PREFLIGHT_MAX_ITEMS	(10 + CONFIG_MAX_NICS)

struct preflight_host {
	uint64_t cap_eff;		/* CapEff of /proc/self/status */
	uid_t euid;
	gid_t egid;
	gid_t groups[64];		/* supplementary groups */
	unsigned nr_groups;
	struct rlimit nofile;
	uint64_t mem_available;		/* bytes; 0: unknown, not checked */
	/* kvm_amd's or kvm_intel's nested parameter: 1 on, 0 off, -1 no
	 * such module loaded (not judged: KVM's CPUID is, once open) */
	int kvm_nested;
	char kvm_module[16];
	/* faccessat(AT_EACCESS) for read-write: 0 or an errno; NULL: the real one */
	int (*can_rw)(const char *path);
	/* tap__owner; NULL: the real one */
	int (*tap_owner)(const char *ifname, long *uid, long *gid);
};

struct preflight_item {
	char what[48];			/* "/dev/kvm (read-write)", "CAP_NET_ADMIN", ... */
	char why[160];			/* which part of the config needs it */
	char miss[256];			/* the error when missing: expected, got, fix */
	bool ok;
	unsigned line;			/* config__errorf origin of a missing one */
	const char *sec;		/* NULL: the config as a whole */
	char sec_buf[40];
	const char *key;
};

struct preflight {
	struct preflight_item item[PREFLIGHT_MAX_ITEMS];
	unsigned nr;
	unsigned nofile_need;		/* upper bound of open files */
	bool raise_nofile;		/* soft limit below nofile_need */
	char warning[192];		/* "" or a note that is no error (device memory) */
};

int preflight__host(struct preflight_host *h);
void preflight__collect(struct preflight *pf, const struct vm_config *cfg,
			const struct preflight_host *h);
/* The first missing item as one config__errorf line; 0 when none. */
int preflight__check(const struct preflight *pf, const struct vm_config *cfg, char *err,
		     size_t errlen);
/* Raise RLIMIT_NOFILE's soft limit to what the config needs. */
int preflight__apply(const struct preflight *pf);
void preflight__print(const struct preflight *pf, FILE *f);
/* The open-file bound alone (tests compare it with a running mvmm's). */
unsigned preflight__nofile(const struct vm_config *cfg);

#endif
