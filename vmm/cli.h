/*
 * The command line: options parsed and checked (a bad one is a usage error
 * naming it), then turned into a validated config — the file (or defaults
 * for a config-less boot), every --set in order, then --kernel/--initrd/
 * --append, then config__finish — and the run options of machine__run.
 * Nothing here touches /dev/kvm.
 */
#ifndef MVMM_CLI_H
#define MVMM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/machine.h"

struct vm_config;

#define CLI_MAX_SETS	256

struct cli {
	const char *file, *kernel, *initrd, *append, *report_json, *api_socket;
	bool check, prefault;
	const char *set[CLI_MAX_SETS];
	unsigned nr_set;
	const char *expect[MACHINE_MAX_PATTERNS];
	const char *fail_on[MACHINE_MAX_PATTERNS];
	struct machine_opts run;	/* points into the arrays above */
};

/* Parse @argv into @c (argv strings are kept, not copied). 0: run; 1: help
 * or version printed to @out, exit 0; -EINVAL: usage error in @err. */
int cli__parse(struct cli *c, int argc, char **argv, FILE *out, char *err, size_t errlen);
/* The config @c describes, validated; -errno with one line in @err. */
int cli__config(const struct cli *c, struct vm_config *cfg, char *err, size_t errlen);
/* "90", "90s", "1500ms", "5m", "1h" -> nanoseconds (> 0). */
int cli__parse_duration(const char *s, uint64_t *ns);
void cli__usage(FILE *f);

#endif
