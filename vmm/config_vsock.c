/*
 * [vsock]: one virtio-vsock device (cid, bus). config__finish resolves the
 * bus; the host side (/dev/vhost-vsock, a CID no other VM holds) is checked
 * by the machine before the VM exists (devices/virtio/vsock.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/config_priv.h"
#include "vmm/util.h"

/* 0 (hypervisor), 1 (local), 2 (host) and U32_MAX (any) are reserved;
 * Linux's vhost-vsock takes 32-bit CIDs only. */
static int set_cid(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	uint64_t n;

	if (config__parse_uint(v, UINT64_MAX, &n) < 0 || n < CONFIG_VSOCK_CID_MIN ||
	    n > CONFIG_VSOCK_CID_MAX)
		return cfgp_expected(p, k, v, "a guest CID between 3 and 0xfffffffe (0, 1, 2 and 0xffffffff are reserved)");
	*(uint32_t *)cfgp_field(obj, k->off) = n;
	return 0;
}

#define VKEY(key, setter, fld, ...) \
	CFG_KEY(struct config_vsock, key, setter, fld, line.fld, __VA_ARGS__)

static const struct cfg_key vsock_keys[] = {
	VKEY("cid", set_cid, cid),
	VKEY("bus", cfgp_set_bus_name, bus),
};

static void *vsock_open(struct cfg_parser *p, const char *id)
{
	struct config_vsock *s = &p->cfg->vsock;

	(void)id;
	if (!s->present) {
		s->present = true;
		s->pcie = -1;
		s->line.header = p->lineno;
	}
	return s;
}

static int vsock_finish(struct vm_config *cfg, char *err, size_t errlen)
{
	char shown[CFG_SHOW_LEN(CFG_SHOW_VALUE)];
	struct config_vsock *s = &cfg->vsock;

	if (!s->present)
		return 0;
	if (!s->line.cid)
		return config__errorf(cfg, err, errlen, s->line.header, "vsock", "",
				      "cid: missing (expected a guest CID between 3 and 0xfffffffe)");
	s->pcie = -1;
	if (s->bus && (s->pcie = cfgp_find_pcie(cfg, s->bus)) < 0)
		return config__errorf(cfg, err, errlen, s->line.bus, "vsock", "bus",
				      "expected the NAME of a [pcie.NAME] section, got '%s'",
				      CFGP_SHOW(shown, s->bus));
	return 0;
}

static void vsock_release(struct vm_config *cfg)
{
	free(cfg->vsock.bus);
	memset(&cfg->vsock, 0, sizeof(cfg->vsock));
}

const struct cfg_section config_vsock_section = {
	.name = "vsock", .open = vsock_open, .keys = vsock_keys, .nkeys = ARRAY_SIZE(vsock_keys),
	.finish = vsock_finish, .release = vsock_release,
};
