/*
 * [pmem.NAME]: an NVDIMM backed by a regular file or a device-DAX character
 * device (path, size, numa, readonly, shared). config__finish opens the
 * backing as the VM will and sizes it (a file by stat, a devdax by
 * $MVMM_SYSFS (default /sys)/dev/char/MAJ:MIN/size), so that a missing or
 * unreadable backing, a size that is not a multiple of 2 MiB or larger than
 * the backing, a devdax without shared, a node that does not exist and two
 * sections on one backing are one line naming the key before any VM exists.
 *
 * shared defaults to yes: only MAP_SHARED writes reach the file (that is
 * what persistent memory is for). shared = no maps a file copy-on-write
 * (the guest's writes are lost at exit); a devdax cannot be mapped private.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/config_priv.h"
#include "vmm/util.h"

#define MKEY(key, setter, fld, ...) \
	CFG_KEY(struct config_pmem, key, setter, fld, line.fld, __VA_ARGS__)

static const struct cfg_key pmem_keys[] = {
	MKEY("path", cfgp_set_path, path),
	MKEY("size", cfgp_set_size, size, .min = CONFIG_PMEM_ALIGN, .max = CONFIG_MAX_MEMORY,
	     .align = CONFIG_PMEM_ALIGN),
	MKEY("numa", cfgp_set_unsigned, numa, .max = CONFIG_MAX_NODES - 1),
	MKEY("readonly", cfgp_set_bool, readonly),
	MKEY("shared", cfgp_set_bool, shared),
};

static void *pmem_open(struct cfg_parser *p, const char *id)
{
	struct vm_config *cfg = p->cfg;

	return CFGP_FAMILY_OPEN(p, id, cfg->pmem, cfg->nr_pmem, CONFIG_MAX_PMEM,
				struct config_pmem, "pmem.", .shared = true);
}

static const char *at(const struct vm_config *cfg, const struct config_pmem *m, unsigned line,
		      const char *key, char *out, size_t outlen)
{
	char sec[CFG_NAME_MAX_LEN + 16];

	snprintf(sec, sizeof(sec), "pmem.%s", m->name);
	return config__origin(cfg, line, sec, key, key, out, outlen);
}

/* Size of the device-DAX @rdev from sysfs; -ENOENT: not a devdax. */
static int devdax_size(dev_t rdev, uint64_t *size)
{
	const char *root = getenv("MVMM_SYSFS");
	char path[512], buf[32], *end;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/dev/char/%u:%u/size", root && *root ? root : "/sys",
		 major(rdev), minor(rdev));
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -ENOENT;
	errno = 0;
	*size = strtoull(buf, &end, 0);
	return errno || end == buf ? -ENOENT : 0;
}

static unsigned nr_nodes(const struct vm_config *cfg)
{
	return cfg->numa && cfg->numa->nr_nodes ? cfg->numa->nr_nodes : 1;
}

/* Opens the backing as the VM will and sizes it; @st for the repeat check. */
static int pmem_check(struct vm_config *cfg, struct config_pmem *m, struct stat *st,
		      char *err, size_t errlen)
{
	char where[CONFIG_ERR_LEN], shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)], a[24], b[24];
	uint64_t have = 0;
	int fd;

	if (!m->path) {
		at(cfg, m, m->line.header, "", where, sizeof(where));
		cfgp_bprintf(err, errlen, "%s: path: missing (expected a regular file or a device-DAX like /dev/dax0.0)",
			     where);
		return -EINVAL;
	}
	CFGP_SHOW(shown, m->path);
	at(cfg, m, m->line.path, "path", where, sizeof(where));
	fd = open(m->path, (m->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0 || fstat(fd, st) < 0) {
		cfgp_bprintf(err, errlen, "%s: expected a regular file or a device-DAX to map %s, got '%s' (%s)",
			     where, m->readonly ? "read-only" : "read-write", shown, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	close(fd);
	if (S_ISREG(st->st_mode)) {
		m->devdax = false;
		have = st->st_size;
	} else if (S_ISCHR(st->st_mode) && !devdax_size(st->st_rdev, &have)) {
		m->devdax = true;
	} else {
		cfgp_bprintf(err, errlen, "%s: expected a regular file or a device-DAX, got '%s' (%s)",
			     where, shown, S_ISCHR(st->st_mode) ? "a character device without a dax size in sysfs" :
			     "neither a file nor a character device");
		return -EINVAL;
	}
	if (m->devdax && !m->shared) {
		at(cfg, m, m->line.shared, "shared", where, sizeof(where));
		cfgp_bprintf(err, errlen, "%s: expected yes for a device-DAX ('%s' cannot be mapped private), got no",
			     where, shown);
		return -EINVAL;
	}
	if (!m->line.size) {
		if (!have || have % CONFIG_PMEM_ALIGN) {
			cfgp_bprintf(err, errlen, "%s: expected a backing whose size is a non-zero multiple of 2M (or a size key), got '%s' of %s",
				     where, shown, cfgp_fmt_size(a, sizeof(a), have));
			return -EINVAL;
		}
		m->size = have;
	} else if (m->size > have) {
		at(cfg, m, m->line.size, "size", where, sizeof(where));
		cfgp_bprintf(err, errlen, "%s: expected at most the %s of '%s', got %s",
			     where, cfgp_fmt_size(a, sizeof(a), have), shown,
			     cfgp_fmt_size(b, sizeof(b), m->size));
		return -EINVAL;
	}
	if (m->numa >= nr_nodes(cfg)) {
		at(cfg, m, m->line.numa, "numa", where, sizeof(where));
		cfgp_bprintf(err, errlen, "%s: expected a guest node between 0 and %u (a [numa.N] id), got '%u'",
			     where, nr_nodes(cfg) - 1, m->numa);
		return -EINVAL;
	}
	return 0;
}

static int pmem_finish(struct vm_config *cfg, char *err, size_t errlen)
{
	char where[CONFIG_ERR_LEN], shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	struct stat st[CONFIG_MAX_PMEM];
	unsigned i, j;
	int ret;

	for (i = 0; i < cfg->nr_pmem; i++) {
		struct config_pmem *m = &cfg->pmem[i];

		ret = pmem_check(cfg, m, &st[i], err, errlen);
		if (ret < 0)
			return ret;
		for (j = 0; j < i; j++) {
			if (st[j].st_dev != st[i].st_dev || st[j].st_ino != st[i].st_ino)
				continue;
			at(cfg, m, m->line.path, "path", where, sizeof(where));
			cfgp_bprintf(err, errlen, "%s: expected a backing no other [pmem.NAME] uses, got '%s' (also [pmem.%s])",
				     where, CFGP_SHOW(shown, m->path), cfg->pmem[j].name);
			return -EINVAL;
		}
	}
	return 0;
}

static void pmem_release(struct vm_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->nr_pmem; i++) {
		free(cfg->pmem[i].name);
		free(cfg->pmem[i].path);
	}
	free(cfg->pmem);
	cfg->pmem = NULL;
	cfg->nr_pmem = 0;
}

const struct cfg_section config_pmem_section = {
	.name = "pmem.", .open = pmem_open, .keys = pmem_keys, .nkeys = ARRAY_SIZE(pmem_keys),
	.finish = pmem_finish, .release = pmem_release,
};
