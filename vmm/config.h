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
};

/* Parse @path into @cfg. On error returns -EINVAL (or -errno) and writes one
 * line, without newline, to @err. Relative paths in the file are resolved
 * against the file's directory. */
int config__load(struct vm_config *cfg, const char *path, char *err, size_t errlen);

/* Command-line overrides (any may be NULL); paths are taken as given. */
int config__override(struct vm_config *cfg, const char *kernel, const char *initrd,
		     const char *append, char *err, size_t errlen);

/* Cross-key checks and probing of the kernel/initrd files; call once after
 * loading and overriding. */
int config__finish(struct vm_config *cfg, char *err, size_t errlen);

void config__free(struct vm_config *cfg);

/* "512M", "8G", "1T", plain bytes; suffixes K/M/G/T (binary), optional "iB"/"B".
 * 0 on success, -EINVAL on syntax, -ERANGE on overflow. */
int config__parse_size(const char *s, uint64_t *out);
/* Decimal or 0x-hex unsigned integer. */
int config__parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif
