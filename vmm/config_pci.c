/*
 * Config sections of the PCIe topology: [pcie.NAME] (an expander bus: bus,
 * numa or host_device) and [device.NAME] (type, bus, chassis, uuid, vfs,
 * memory_size, vf_memory_size), and their cross-checks in config__finish:
 * bus clashes and overlaps (each device takes one bus number after its
 * expander's for its root port), nodes that do not exist, host devices
 * without a matching guest node, unknown expander names.
 *
 * host_device is resolved here, before /dev/kvm opens, from
 * $MVMM_SYSFS (default /sys)/bus/pci/devices/<address>/numa_node; the
 * variable exists so tests can point at a fixture tree.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/config_priv.h"
#include "vmm/util.h"

#define MAX_BUS			255
#define ROOT_PORTS_PER_BUS	32	/* device numbers on one bus */
#define MOCK_PF_MEMORY		(16ULL << 30)
#define MOCK_VF_MEMORY		(2ULL << 30)
#define MAX_DEVICE_MEMORY	(1ULL << 40)

/* ------------------------------------------------------------- helpers */

/* A section name after the '.': what [machine] name accepts. */
int cfgp_section_name(struct cfg_parser *p, const char *id)
{
	char shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	size_t i, len = strlen(id);

	for (i = 0; i < len && cfgp_valid_name_char(id[i]); i++)
		;
	if (!len || len > CFG_NAME_MAX_LEN || i < len)
		return cfgp_perr(p, p->lineno, "[%s]: expected a name of 1 to %d characters of "
				 "A-Z a-z 0-9 . _ - after the dot, got '%s'", p->sec_name,
				 CFG_NAME_MAX_LEN, CFGP_SHOW(shown, id));
	return 0;
}

void *cfgp_family_open(struct cfg_parser *p, const char *id, void **arr, unsigned *nr,
		       unsigned max, size_t size, size_t header_off, const void *init,
		       const char *family)
{
	char *o;
	unsigned i;

	if (cfgp_section_name(p, id) < 0)
		return NULL;
	for (i = 0; i < *nr; i++) {
		o = (char *)*arr + i * size;
		if (strcmp(*(char **)o, id))
			continue;
		if (p->set_spec)
			return o;
		cfgp_perr(p, p->lineno, "repeated section [%s] (first at line %u)", p->sec_name,
			  *(unsigned *)(o + header_off));
		return NULL;
	}
	if (*nr == max) {
		cfgp_perr(p, p->lineno, "[%s]: more than %u [%sNAME] sections", p->sec_name, max,
			  family);
		return NULL;
	}
	if (!*arr && !(*arr = calloc(max, size)))
		goto nomem;
	o = (char *)*arr + *nr * size;
	memcpy(o, init, size);
	if (!(*(char **)o = strdup(id)))
		goto nomem;
	*(unsigned *)(o + header_off) = p->lineno;
	(*nr)++;
	return o;
nomem:
	cfgp_perr(p, p->lineno, "out of memory");
	p->err = -ENOMEM;
	return NULL;
}

/* "0000:60:00.0": domain, bus, device (< 32), function (< 8), hex. */
static bool valid_bdf(const char *s)
{
	static const char pat[] = "hhhh:hh:hh.h";
	unsigned i, dev, fn;

	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (i = 0; pat[i]; i++)
		if (pat[i] == 'h' ? !isxdigit((unsigned char)s[i]) : s[i] != pat[i])
			return false;
	if (sscanf(s + 8, "%2x.%1x", &dev, &fn) != 2)
		return false;
	return dev < 32 && fn < 8;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* Canonical 8-4-4-4-12 UUID text to RFC 4122 bytes. */
static int parse_uuid(const char *s, uint8_t out[CONFIG_UUID_LEN])
{
	unsigned i, n = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return -EINVAL;
		out[n++] = hexval(s[i]) << 4 | hexval(s[i + 1]);
		i++;
	}
	return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64's finalizer: FNV alone barely changes for names that differ
 * in their last character. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Default UUID: the same machine and device names give the same UUID on
 * every run and host. Two FNV-1a 64 hashes of "mvmm/<machine>/<device>"
 * (different offset bases), mixed, stamped as an RFC 9562 version 8
 * (custom) UUID.
 */
static void derive_uuid(const char *machine, const char *device, uint8_t out[CONFIG_UUID_LEN])
{
	uint64_t a = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, "mvmm/"), machine), "/");
	uint64_t b = fnv1a(fnv1a(fnv1a(0x84222325cbf29ce4ULL, "mvmm/"), machine), "/");
	unsigned i;

	a = mix(fnv1a(a, device));
	b = mix(fnv1a(b, device));
	for (i = 0; i < 8; i++) {
		out[i] = a >> (56 - 8 * i);
		out[8 + i] = b >> (56 - 8 * i);
	}
	out[6] = (out[6] & 0x0f) | 0x80;	/* version 8 */
	out[8] = (out[8] & 0x3f) | 0x80;	/* RFC variant */
}

/* --------------------------------------------------------- [pcie.NAME] */

static int set_bdf(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	if (!valid_bdf(v))
		return cfgp_expected(p, k, v, "a host PCI address like 0000:60:00.0");
	return cfgp_set_string(p, k, obj, v);
}

#define PKEY(key, setter, fld, ...) \
	CFG_KEY(struct config_pcie, key, setter, fld, line.fld, __VA_ARGS__)

static const struct cfg_key pcie_keys[] = {
	PKEY("bus", cfgp_set_unsigned, bus, .min = 1, .max = MAX_BUS),
	PKEY("numa", cfgp_set_unsigned, numa, .max = CONFIG_MAX_NODES - 1),
	PKEY("host_device", set_bdf, host_device),
};

static void *pcie_open(struct cfg_parser *p, const char *id)
{
	struct vm_config *cfg = p->cfg;

	if (cfgp_section_name(p, id) < 0)
		return NULL;
	if (!strcmp(id, "main")) {	/* the name of bus 0's host bridge */
		cfgp_perr(p, p->lineno, "[%s]: expected a name other than 'main' (bus 0's host bridge)",
			  p->sec_name);
		return NULL;
	}
	return CFGP_FAMILY_OPEN(p, id, cfg->pcie, cfg->nr_pcie, CONFIG_MAX_PCIE, struct config_pcie,
				"pcie.", .node = -1, .host_node = -1);
}

const struct cfg_section config_pcie_section = {
	.name = "pcie.", .open = pcie_open, .keys = pcie_keys, .nkeys = ARRAY_SIZE(pcie_keys),
};

/* ------------------------------------------------------- [device.NAME] */

static int set_type(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	if (strcmp(v, "mock-accel"))
		return cfgp_expected(p, k, v, "mock-accel");
	*(enum config_device_type *)cfgp_field(obj, k->off) = CONFIG_DEVICE_MOCK_ACCEL;
	return 0;
}

static int set_uuid(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	if (parse_uuid(v, cfgp_field(obj, k->off)) < 0)
		return cfgp_expected(p, k, v, "a UUID like 123e4567-e89b-12d3-a456-426614174000");
	return 0;
}

int cfgp_set_bus_name(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	size_t i, len = strlen(v);

	for (i = 0; i < len && cfgp_valid_name_char(v[i]); i++)
		;
	if (!len || len > CFG_NAME_MAX_LEN || i < len)
		return cfgp_expected(p, k, v, "the NAME of a [pcie.NAME] section");
	return cfgp_set_string(p, k, obj, v);
}

#define DKEY(key, setter, fld, ...) \
	CFG_KEY(struct config_device, key, setter, fld, line.fld, __VA_ARGS__)

static const struct cfg_key device_keys[] = {
	DKEY("type", set_type, type),
	DKEY("bus", cfgp_set_bus_name, bus),
	DKEY("chassis", cfgp_set_unsigned, chassis, .min = 1, .max = 255),
	DKEY("uuid", set_uuid, uuid),
	DKEY("vfs", cfgp_set_unsigned, vfs, .max = CONFIG_MAX_VFS),
	DKEY("memory_size", cfgp_set_size, memory_size, .min = 1, .max = MAX_DEVICE_MEMORY),
	DKEY("vf_memory_size", cfgp_set_size, vf_memory_size, .min = 1, .max = MAX_DEVICE_MEMORY),
};

static void *device_open(struct cfg_parser *p, const char *id)
{
	struct vm_config *cfg = p->cfg;

	return CFGP_FAMILY_OPEN(p, id, cfg->devices, cfg->nr_devices, CONFIG_MAX_DEVICES,
				struct config_device, "device.", .memory_size = MOCK_PF_MEMORY,
				.vf_memory_size = MOCK_VF_MEMORY, .pcie = -1);
}

/* -------------------------------------------------------------- finish */

/* "FILE:LINE: [pcie.NAME] key" / "[device.NAME] key" for messages. */
static const char *where(const struct vm_config *cfg, const char *fam, const char *name,
			 unsigned line, const char *key, char *out, size_t outlen)
{
	char sec[CFG_NAME_MAX_LEN + 16];

	snprintf(sec, sizeof(sec), "%s.%s", fam, name);
	return config__origin(cfg, line, sec, key, key, out, outlen);
}

static unsigned nr_nodes(const struct vm_config *cfg)
{
	return cfg->numa && cfg->numa->nr_nodes ? cfg->numa->nr_nodes : 1;
}

/* The host node of PCI device @bdf from sysfs; -ENOENT if there is no such
 * device, -ENODATA if it has no node. */
static int host_device_node(const char *bdf, int *node)
{
	const char *root = getenv("MVMM_SYSFS");
	char path[512], buf[32];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/numa_node", root && *root ? root : "/sys",
		 bdf);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	n = fgets(buf, sizeof(buf), f) ? atoi(buf) : -1;
	fclose(f);
	if (n < 0)
		return -ENODATA;
	*node = n;
	return 0;
}

static int resolve_node(struct vm_config *cfg, struct config_pcie *e, char *err, size_t errlen)
{
	char at[CONFIG_ERR_LEN], shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	unsigned i, n = nr_nodes(cfg);
	int ret, hn;

	if (e->line.numa && e->line.host_device) {
		where(cfg, "pcie", e->name, MAX(e->line.numa, e->line.host_device),
		      e->line.numa > e->line.host_device ? "numa" : "host_device", at, sizeof(at));
		cfgp_bprintf(err, errlen, "%s: expected either numa or host_device, not both", at);
		return -EINVAL;
	}
	if (e->line.numa) {
		if (e->numa >= n) {
			where(cfg, "pcie", e->name, e->line.numa, "numa", at, sizeof(at));
			cfgp_bprintf(err, errlen, "%s: expected a guest node between 0 and %u (a [numa.N] id), got '%u'",
				     at, n - 1, e->numa);
			return -EINVAL;
		}
		e->node = e->numa;
		return 0;
	}
	if (!e->line.host_device) {
		/* With guest NUMA every host bridge needs a node, or Linux warns
		 * "Unknown NUMA node"; node 0 like the main bridge. Without it,
		 * no _PXM. */
		e->node = cfg->numa && cfg->numa->nr_nodes ? 0 : -1;
		return 0;
	}
	where(cfg, "pcie", e->name, e->line.host_device, "host_device", at, sizeof(at));
	cfgp_show(shown, sizeof(shown), e->host_device, CFG_SHOW_VALUE);
	ret = host_device_node(e->host_device, &hn);
	if (ret == -ENOENT) {
		cfgp_bprintf(err, errlen, "%s: expected a PCI device of this host, got '%s' (not in /sys/bus/pci/devices)",
			     at, shown);
		return -EINVAL;
	}
	if (ret < 0) {
		cfgp_bprintf(err, errlen, "%s: expected a PCI device with a NUMA node, got '%s' (its numa_node is -1)",
			     at, shown);
		return -EINVAL;
	}
	e->host_node = hn;
	for (i = 0; cfg->numa && i < cfg->numa->nr_nodes; i++) {
		if (idset__has(&cfg->numa->node[i].host_nodes, hn)) {
			e->node = i;
			return 0;
		}
	}
	cfgp_bprintf(err, errlen, "%s: '%s' is on host node %d, but no [numa.N] section has host_node = %d",
		     at, shown, hn, hn);
	return -EINVAL;
}

int cfgp_find_pcie(const struct vm_config *cfg, const char *name)
{
	unsigned j;

	for (j = 0; j < cfg->nr_pcie; j++)
		if (!strcmp(cfg->pcie[j].name, name))
			return j;
	return -1;
}

/* Devices (mock-accel, disks, NICs and vsock, each behind its own root
 * port) plugged into expander @idx (-1: bus 0). */
static unsigned devices_on(const struct vm_config *cfg, int idx)
{
	unsigned i, n = 0;

	for (i = 0; i < cfg->nr_devices; i++)
		n += cfg->devices[i].pcie == idx;
	for (i = 0; i < cfg->nr_disks; i++)
		n += cfg->disks[i].pcie == idx;
	for (i = 0; i < cfg->nr_nets; i++)
		n += cfg->nets[i].pcie == idx;
	n += cfg->vsock.present && cfg->vsock.pcie == idx;
	return n;
}

static int check_buses(struct vm_config *cfg, char *err, size_t errlen)
{
	char at[CONFIG_ERR_LEN], other[CONFIG_ERR_LEN];
	unsigned i, j, need, next, first = MAX_BUS + 1;

	for (i = 0; i < cfg->nr_pcie; i++) {
		struct config_pcie *e = &cfg->pcie[i];

		if (!e->line.bus) {
			where(cfg, "pcie", e->name, e->line.header, "", at, sizeof(at));
			cfgp_bprintf(err, errlen, "%s: bus: missing (expected a bus number like 0x10)", at);
			return -EINVAL;
		}
		first = MIN(first, e->bus);
	}
	for (i = 0; i < cfg->nr_pcie; i++) {
		struct config_pcie *e = &cfg->pcie[i];

		where(cfg, "pcie", e->name, e->line.bus, "bus", at, sizeof(at));
		next = MAX_BUS + 1;
		for (j = 0; j < cfg->nr_pcie; j++) {
			if (j == i)
				continue;
			if (cfg->pcie[j].bus == e->bus && j < i) {
				where(cfg, "pcie", cfg->pcie[j].name, cfg->pcie[j].line.bus, "bus",
				      other, sizeof(other));
				cfgp_bprintf(err, errlen, "%s: expected a bus number no other expander has, got '%#x' (also %s)",
					     at, e->bus, other);
				return -EINVAL;
			}
			if (cfg->pcie[j].bus > e->bus)
				next = MIN(next, cfg->pcie[j].bus);
		}
		/* Each device's root port takes the next bus number. */
		need = devices_on(cfg, i);
		if (need > ROOT_PORTS_PER_BUS) {
			cfgp_bprintf(err, errlen, "%s: expected at most %u devices on one expander, got %u on '%#x'",
				     at, ROOT_PORTS_PER_BUS, need, e->bus);
			return -EINVAL;
		}
		if (e->bus + need >= next) {
			if (next > MAX_BUS)
				cfgp_bprintf(err, errlen, "%s: expected buses %#x-%#x free for %u device%s, got '%#x' (past the last bus 0xff)",
					     at, e->bus, e->bus + need, need, need == 1 ? "" : "s", e->bus);
			else
				cfgp_bprintf(err, errlen, "%s: expected buses %#x-%#x free for %u device%s, got '%#x' (bus %#x is another expander's)",
					     at, e->bus, e->bus + need, need, need == 1 ? "" : "s", e->bus,
					     next);
			return -EINVAL;
		}
	}
	/* Devices without bus sit behind root ports on bus 0 (device 1..). */
	need = devices_on(cfg, -1);
	if (need + 1 > ROOT_PORTS_PER_BUS) {
		cfgp_bprintf(err, errlen, "%s: expected at most %u devices without 'bus' (on bus 0), got %u",
			     cfg->file ? cfg->file : "config", ROOT_PORTS_PER_BUS - 1, need);
		return -EINVAL;
	}
	/* Blame the expander in the way, with its line. */
	for (i = 0; need && need >= first && i < cfg->nr_pcie; i++) {
		struct config_pcie *e = &cfg->pcie[i];

		if (e->bus != first)
			continue;
		where(cfg, "pcie", e->name, e->line.bus, "bus", at, sizeof(at));
		cfgp_bprintf(err, errlen, "%s: expected a bus number above %#x (%u device%s without 'bus' take%s buses 0x1-%#x behind bus 0), got '%#x'",
			     at, need, need, need == 1 ? "" : "s", need == 1 ? "s" : "", need, e->bus);
		return -EINVAL;
	}
	return 0;
}

static int pci_finish(struct vm_config *cfg, char *err, size_t errlen)
{
	char at[CONFIG_ERR_LEN], shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	unsigned i;
	int ret;

	for (i = 0; i < cfg->nr_devices; i++) {
		struct config_device *d = &cfg->devices[i];

		if (d->type == CONFIG_DEVICE_NONE) {
			where(cfg, "device", d->name, d->line.header, "", at, sizeof(at));
			cfgp_bprintf(err, errlen, "%s: type: missing (expected mock-accel)", at);
			return -EINVAL;
		}
		d->pcie = -1;
		if (d->bus) {
			int j = cfgp_find_pcie(cfg, d->bus);

			if (j < 0) {
				where(cfg, "device", d->name, d->line.bus, "bus", at, sizeof(at));
				cfgp_bprintf(err, errlen, "%s: expected the NAME of a [pcie.NAME] section, got '%s'",
					     at, cfgp_show(shown, sizeof(shown), d->bus, CFG_SHOW_VALUE));
				return -EINVAL;
			}
			d->pcie = j;
		}
		if (!d->line.uuid)
			derive_uuid(cfg->name ? cfg->name : "mvmm", d->name, d->uuid);
	}
	ret = check_buses(cfg, err, errlen);
	if (ret)
		return ret;
	for (i = 0; i < cfg->nr_pcie; i++) {
		ret = resolve_node(cfg, &cfg->pcie[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static void pci_release(struct vm_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->nr_pcie; i++) {
		free(cfg->pcie[i].name);
		free(cfg->pcie[i].host_device);
	}
	for (i = 0; i < cfg->nr_devices; i++) {
		free(cfg->devices[i].name);
		free(cfg->devices[i].bus);
	}
	free(cfg->pcie);
	free(cfg->devices);
	cfg->pcie = NULL;
	cfg->devices = NULL;
	cfg->nr_pcie = cfg->nr_devices = 0;
}

/* Cross-checks of both sections run once, from [device.] (listed last). */
const struct cfg_section config_device_section = {
	.name = "device.", .open = device_open, .keys = device_keys,
	.nkeys = ARRAY_SIZE(device_keys), .finish = pci_finish, .release = pci_release,
};
