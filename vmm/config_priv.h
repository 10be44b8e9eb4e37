/*
 * Config parser internals shared by the files that define sections
 * (config.c: [machine]; config_numa.c: [numa.N], [distance], [hmat], [vcpu.N];
 * ...).
 * Not for use outside vmm/config*.c.
 *
 * How to add a section (family):
 *  1. In vmm/config_<thing>.c define a key table (CFG_KEY() entries or your
 *     own struct cfg_key rows) and an open() returning the object its keys
 *     fill (a family's open() gets the id after the '.', e.g. "acc0").
 *  2. Export it: `const struct cfg_section config_<thing>_section = {...}`
 *     with optional .finish (cross-checks after all overrides) and .release.
 *  3. Declare it below and add `&config_<thing>_section` to sections[] in
 *     config.c (order = finish order); put its data in struct vm_config.
 *  4. Errors: cfgp_expected() for a bad value, cfgp_perr() otherwise;
 *     after parsing use config__origin() so messages stay FILE:LINE: [sec] key.
 */
#ifndef MVMM_CONFIG_PRIV_H
#define MVMM_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"

#define CFG_NAME_MAX_LEN	63
#define CFG_SHOW_VALUE		80	/* chars of a value quoted in a message */
#define CFG_SHOW_FILE		200
#define CFG_SHOW_LEN(n)		((n) * 4 + 4)	/* worst case: all escaped, plus "..." */
#define CFG_NO_LINE		SIZE_MAX	/* key without a line field */
#define CFG_MAX_SECTIONS	16

struct cfg_parser;
struct cfg_key;

typedef int (*cfg_setter)(struct cfg_parser *p, const struct cfg_key *k, void *obj,
			  const char *v);

struct cfg_key {
	const char *name;
	cfg_setter set;
	size_t off;		/* value field in the section object */
	size_t line_off;	/* its 'unsigned' line field, or CFG_NO_LINE (no
				 * duplicate check: the setter does its own) */
	uint64_t min, max, align;	/* numbers and sizes */
};

/* A key whose value field @fld and line field @lfld are members of @type. */
#define CFG_KEY(type, key, setter, fld, lfld, ...) {				\
	.name = key, .set = setter, .off = offsetof(type, fld),			\
	.line_off = offsetof(type, lfld), __VA_ARGS__ }

struct cfg_section {
	const char *name;	/* "machine"; a family of sections ends in '.': "numa." */
	/* The object this section's keys fill. @id is what follows the '.' of
	 * a family, "" for a singleton. Returns NULL after reporting an error;
	 * families reject their own repeated ids, singletons are checked by the
	 * parser. */
	void *(*open)(struct cfg_parser *p, const char *id);
	const struct cfg_key *keys;
	size_t nkeys;
	/* Optional. Keys not in @keys (e.g. "0-1" in [distance]): called
	 * when no key matches; returns 0 or a reported error. */
	int (*other_key)(struct cfg_parser *p, void *obj, const char *name, const char *v);
	/* Optional, called once per config__finish in table order whether or
	 * not the section appeared: cross-checks and derived values. */
	int (*finish)(struct vm_config *cfg, char *err, size_t errlen);
	/* Optional: frees what this section allocated in @cfg (config__free). */
	void (*release)(struct vm_config *cfg);
};

/* Sections defined outside config.c (listed in sections[] of config.c). */
extern const struct cfg_section config_numa_section;	/* config_numa.c */
extern const struct cfg_section config_distance_section;
extern const struct cfg_section config_hmat_section;
extern const struct cfg_section config_vcpu_section;
extern const struct cfg_section config_pcie_section;	/* config_pci.c */
extern const struct cfg_section config_device_section;
extern const struct cfg_section config_disk_section;	/* config_disk.c */
extern const struct cfg_section config_net_section;	/* config_net.c */
extern const struct cfg_section config_vsock_section;	/* config_vsock.c */
extern const struct cfg_section config_pmem_section;	/* config_pmem.c */

struct cfg_parser {
	struct vm_config *cfg;
	const char *dir;		/* of the config file; NULL: it has none */
	const char *buf;		/* the whole file */
	size_t len, pos;
	unsigned lineno;		/* physical line last handed to libinih;
					 * CONFIG_LINE_SET for a --set */
	const char *set_spec;		/* the --set being applied, or NULL: then a
					 * repeated section or key replaces, not fails */
	const struct cfg_section *sec;	/* NULL before the first header */
	void *obj;
	char sec_name[64];		/* header as written, for messages */
	unsigned first_line[CFG_MAX_SECTIONS];	/* singletons: line of the header */
	unsigned err_line;		/* 0: no error yet */
	int err;
	char *errbuf;
	size_t errlen;
};

/* @v quoted for a message: at most @max chars, the rest cut to "...", and
 * non-printable bytes escaped, so that one error stays one line. */
const char *cfgp_show(char *out, size_t outlen, const char *v, size_t max);
#define CFGP_SHOW(buf, v)	cfgp_show(buf, sizeof(buf), v, CFG_SHOW_VALUE)

/* snprintf that takes a NULL buffer and may cut. */
void cfgp_bprintf(char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: <msg>"; only the first error of a parse is kept. */
int cfgp_perr(struct cfg_parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: [section] key: expected <what>, got '<v>'" */
int cfgp_expected(struct cfg_parser *p, const struct cfg_key *k, const char *v,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "1T", "128M", "4K" or plain bytes, whichever is exact. */
const char *cfgp_fmt_size(char *out, size_t outlen, uint64_t n);

static inline void *cfgp_field(void *obj, size_t off)
{
	return (char *)obj + off;
}

/* Frees *@dst and takes @s; @s NULL reports out of memory. */
int cfgp_replace_string(struct cfg_parser *p, char **dst, char *s);
bool cfgp_valid_name_char(char c);
/* A section name after the '.' ("acc0"), or report; config_pci.c. */
int cfgp_section_name(struct cfg_parser *p, const char *id);
/* Open [FAMILY.@id] whose objects live in a fixed array of @max (the
 * parser keeps a pointer to the open one): the existing object for a
 * --set, else a new one copied from @init with its name (the type's first
 * member, char *) and header line set; NULL after reporting a bad name, a
 * repeat, too many or no memory. config_pci.c. Use CFGP_FAMILY_OPEN with
 * the defaults as a compound literal. */
void *cfgp_family_open(struct cfg_parser *p, const char *id, void **arr, unsigned *nr,
		       unsigned max, size_t size, size_t header_off, const void *init,
		       const char *family);
#define CFGP_FAMILY_OPEN(p, id, arr, nr, max, type, family, ...)			\
	((type *)cfgp_family_open(p, id, (void **)&(arr), &(nr), max, sizeof(type),	\
				  offsetof(type, line.header), &(type){ __VA_ARGS__ }, family))
/* The NAME of a [pcie.NAME] (checked at finish); config_pci.c. */
int cfgp_set_bus_name(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
/* Index of [pcie.@name] in cfg->pcie, or -1; config_pci.c. */
int cfgp_find_pcie(const struct vm_config *cfg, const char *name);

/* Setters: parse @v into the field at k->off of @obj, or report. */
int cfgp_set_unsigned(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
int cfgp_set_size(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
int cfgp_set_string(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
int cfgp_set_name(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
int cfgp_set_path(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
int cfgp_set_unsupported(struct cfg_parser *p, const struct cfg_key *k, void *obj,
			 const char *v);
/* In config_numa.c: */
/* struct idset of ids below k->max; empty allowed unless k->min. */
int cfgp_set_idlist(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
/* bool: yes/no, true/false, on/off, 1/0. */
int cfgp_set_bool(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);
/* uint64_t: 2M or 1G. */
int cfgp_set_hugepages(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v);

#endif
