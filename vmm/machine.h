/* The boot sequence of one VM, from a validated config to its exit status. */
#ifndef MVMM_MACHINE_H
#define MVMM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

struct vm_config;

#include "vmm/console.h"

#define MACHINE_MAX_PATTERNS	CONSOLE_MAX_PATTERNS	/* --expect, --fail-on each */

/* How one run is watched and bounded (command line, not the INI). */
struct machine_opts {
	const char *const *expect;	/* console patterns, in order (console.h) */
	unsigned nr_expect;
	const char *const *fail_on;
	unsigned nr_fail_on;
	bool fail_on_kernel;		/* plus the built-in kernel failure patterns */
	const char *console_log;	/* NULL: none */
	uint64_t timeout_ns;		/* 0: none */
	uint64_t start_ns;		/* the VMM's start (timeline.h); 0: now */
};

/* Build the machine, run it until it stops; returns a VM_EXIT_* status.
 * @o may be NULL (no watching, no timeout). */
int machine__run(const struct vm_config *cfg, const struct machine_opts *o);

#endif
