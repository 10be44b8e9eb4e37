/*
 * Machine configuration: the INI contract of DESIGN.md parsed with libinih
 * into one validated structure. Every error is one line naming file, line,
 * section/key and what was expected, and is reported before /dev/kvm opens.
 */
#ifndef MVMM_CONFIG_H
#define MVMM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "boot.h"

#define CONFIG_MAX_VCPUS	255	/* xAPIC ids; KVM's own limit is checked at VM creation */
#define CONFIG_MIN_MEMORY	(128ULL << 20)
#define CONFIG_MAX_MEMORY	(1ULL << 40)
#define CONFIG_ERR_LEN		512
#define CONFIG_DEFAULT_MEMORY	(512ULL << 20)
#define CONFIG_DEFAULT_CMDLINE	"console=ttyS0"
#define CONFIG_MAX_CMDLINE	(64U << 10)	/* exclusive bound, with the NUL */
#define CONFIG_LINE_CLI		(~0U)		/* value given on the command line */

/* Where each [machine] value came from, so checks after parsing can name
 * it: its line in the config file, 0 for a default, CONFIG_LINE_CLI for an
 * override. */
struct config_machine_lines {
	unsigned name, cpus, sockets, cores, threads, memory;
	unsigned kernel, initrd, cmdline;
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

/* Command-line overrides (any may be NULL); paths are taken as given. */
int config__override(struct vm_config *cfg, const char *kernel, const char *initrd,
		     const char *append, char *err, size_t errlen);

/* Cross-key checks and probing of the kernel/initrd files; call once after
 * loading and overriding. Derives the topology: sockets and threads default
 * to 1, cores to cpus / (sockets * threads). */
int config__finish(struct vm_config *cfg, char *err, size_t errlen);

/* Frees everything and zeroes @cfg; safe on a zeroed or already freed one. */
void config__free(struct vm_config *cfg);

/* "512M", "8G", "1T", plain bytes; suffixes K/M/G/T (binary), optional "iB"/"B".
 * 0 on success, -EINVAL on syntax, -ERANGE on overflow. */
int config__parse_size(const char *s, uint64_t *out);
/* Decimal or 0x-hex unsigned integer. */
int config__parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif
