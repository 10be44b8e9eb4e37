/*
 * [disk.NAME]: a virtio-blk disk (path, readonly, snapshot, direct, serial,
 * queues, bus). config__finish resolves the bus, defaults the queues to one
 * per vCPU and opens the image once (read-only, then closed) so that a
 * missing, unreadable, empty or misshapen image, or a read-only one used
 * read-write, is one line naming the key before any VM exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/disk.h"
#include "vmm/config.h"
#include "vmm/config_priv.h"
#include "vmm/util.h"

static int set_serial(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	size_t i, len = strlen(v);

	for (i = 0; i < len && v[i] > ' ' && v[i] < 0x7f; i++)
		;
	if (!len || len > CONFIG_DISK_SERIAL_LEN || i < len)
		return cfgp_expected(p, k, v, "1 to %d printable characters without spaces",
				     CONFIG_DISK_SERIAL_LEN);
	return cfgp_set_string(p, k, obj, v);
}

#define KKEY(key, setter, fld, ...) \
	CFG_KEY(struct config_disk, key, setter, fld, line.fld, __VA_ARGS__)

static const struct cfg_key disk_keys[] = {
	KKEY("path", cfgp_set_path, path),
	KKEY("readonly", cfgp_set_bool, readonly),
	KKEY("snapshot", cfgp_set_bool, snapshot),
	KKEY("direct", cfgp_set_bool, direct),
	KKEY("serial", set_serial, serial),
	KKEY("queues", cfgp_set_unsigned, queues, .min = 1, .max = CONFIG_MAX_DISK_QUEUES),
	KKEY("bus", cfgp_set_bus_name, bus),
};

static void *disk_open(struct cfg_parser *p, const char *id)
{
	struct vm_config *cfg = p->cfg;

	return CFGP_FAMILY_OPEN(p, id, cfg->disks, cfg->nr_disks, CONFIG_MAX_DISKS,
				struct config_disk, "disk.", .pcie = -1);
}

static const char *at(const struct vm_config *cfg, const struct config_disk *d, unsigned line,
		      const char *key, char *out, size_t outlen)
{
	char sec[CFG_NAME_MAX_LEN + 16];

	snprintf(sec, sizeof(sec), "disk.%s", d->name);
	return config__origin(cfg, line, sec, key, key, out, outlen);
}

static int disk_finish(struct vm_config *cfg, char *err, size_t errlen)
{
	char where[CONFIG_ERR_LEN], shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)], why[256];
	unsigned i, j;

	for (i = 0; i < cfg->nr_disks; i++) {
		struct config_disk *d = &cfg->disks[i];
		struct disk_params dp = {
			.path = d->path, .readonly = d->readonly || d->snapshot,
		};
		struct disk probe;
		int ret;

		if (!d->path) {
			at(cfg, d, d->line.header, "", where, sizeof(where));
			cfgp_bprintf(err, errlen, "%s: path: missing (expected a raw image file or block device)",
				     where);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			const struct config_disk *o = &cfg->disks[j];

			if (!strcmp(o->path, d->path) &&
			    (!(d->readonly || d->snapshot) || !(o->readonly || o->snapshot))) {
				at(cfg, d, d->line.path, "path", where, sizeof(where));
				cfgp_bprintf(err, errlen, "%s: expected an image no other disk uses read-write, got '%s' (also [disk.%s])",
					     where, CFGP_SHOW(shown, d->path), cfg->disks[j].name);
				return -EINVAL;
			}
		}
		d->pcie = -1;
		if (d->bus && (d->pcie = cfgp_find_pcie(cfg, d->bus)) < 0) {
			at(cfg, d, d->line.bus, "bus", where, sizeof(where));
			cfgp_bprintf(err, errlen, "%s: expected the NAME of a [pcie.NAME] section, got '%s'",
				     where, CFGP_SHOW(shown, d->bus));
			return -EINVAL;
		}
		if (!d->line.queues)
			d->queues = MIN(MAX(cfg->cpus, 1u), (unsigned)CONFIG_MAX_DISK_QUEUES);
		/* Open it as the VM will (a snapshot's base read-only, no overlay). */
		ret = disk__open(&probe, &dp, why, sizeof(why));
		if (ret) {
			at(cfg, d, d->line.path, "path", where, sizeof(where));
			cfgp_bprintf(err, errlen, "%s: expected a raw image file or block device, got '%s' (%s)",
				     where, CFGP_SHOW(shown, d->path), why);
			return -EINVAL;
		}
		disk__close(&probe);
	}
	return 0;
}

static void disk_release(struct vm_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->nr_disks; i++) {
		free(cfg->disks[i].name);
		free(cfg->disks[i].path);
		free(cfg->disks[i].serial);
		free(cfg->disks[i].bus);
	}
	free(cfg->disks);
	cfg->disks = NULL;
	cfg->nr_disks = 0;
}

const struct cfg_section config_disk_section = {
	.name = "disk.", .open = disk_open, .keys = disk_keys, .nkeys = ARRAY_SIZE(disk_keys),
	.finish = disk_finish, .release = disk_release,
};
