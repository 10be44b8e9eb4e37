/*
 * [net.NAME]: a virtio-net NIC (tap or bridge, mac, queues, vhost, bus).
 * config__finish resolves the bus, derives a stable MAC when none is
 * given, refuses two NICs with one MAC or one TAP, probes the TAP or the
 * bridge (tap.h) and resolves vhost = auto, so that every refusal is one
 * line naming the key before any VM exists.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/net.h"
#include "devices/virtio/tap.h"
#include "vmm/config.h"
#include "vmm/config_priv.h"
#include "vmm/util.h"

#define VHOST_NET_PATH	"/dev/vhost-net"

static int set_mac(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	struct config_net *n = obj;
	unsigned i, b[6];

	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i]))
			break;
	if (i < 17 || v[17] ||
	    sscanf(v, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return cfgp_expected(p, k, v, "a MAC address like 52:54:00:12:34:56");
	if (b[0] & 1)
		return cfgp_expected(p, k, v, "a unicast MAC address (the first byte even)");
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return cfgp_expected(p, k, v, "a MAC address other than 00:00:00:00:00:00");
	for (i = 0; i < 6; i++)
		n->mac[i] = (uint8_t)b[i];
	return 0;
}

static int set_vhost(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	enum config_vhost *f = cfgp_field(obj, k->off);

	if (!strcmp(v, "auto"))
		*f = CONFIG_VHOST_AUTO;
	else if (!strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
		*f = CONFIG_VHOST_YES;
	else if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
		*f = CONFIG_VHOST_NO;
	else
		return cfgp_expected(p, k, v, "yes, no or auto");
	return 0;
}

static int set_ifname(struct cfg_parser *p, const struct cfg_key *k, void *obj, const char *v)
{
	if (!*v || strlen(v) >= IFNAMSIZ || strchr(v, '/') || strchr(v, ' ') ||
	    !strcmp(v, ".") || !strcmp(v, ".."))
		return cfgp_expected(p, k, v, "an interface name (1 to %d characters, no '/' or space)",
				     IFNAMSIZ - 1);
	return cfgp_set_string(p, k, obj, v);
}

#define NKEY(key, setter, fld, ...) \
	CFG_KEY(struct config_net, key, setter, fld, line.fld, __VA_ARGS__)

static const struct cfg_key net_keys[] = {
	NKEY("tap", set_ifname, tap),
	NKEY("bridge", set_ifname, bridge),
	NKEY("mac", set_mac, mac),
	NKEY("queues", cfgp_set_unsigned, queues, .min = 1, .max = CONFIG_MAX_NIC_QUEUES),
	NKEY("vhost", set_vhost, vhost),
	NKEY("bus", cfgp_set_bus_name, bus),
};

static void *net_open(struct cfg_parser *p, const char *id)
{
	struct vm_config *cfg = p->cfg;

	return CFGP_FAMILY_OPEN(p, id, cfg->nets, cfg->nr_nets, CONFIG_MAX_NICS,
				struct config_net, "net.", .pcie = -1, .queues = 1);
}

static const char *at(const struct vm_config *cfg, const struct config_net *n, unsigned line,
		      const char *key, char *out, size_t outlen)
{
	char sec[CFG_NAME_MAX_LEN + 16];

	snprintf(sec, sizeof(sec), "net.%s", n->name);
	return config__origin(cfg, line, sec, key, key, out, outlen);
}

static int net_finish_one(struct vm_config *cfg, unsigned i, char *err, size_t errlen)
{
	char where[CONFIG_ERR_LEN], why[256];
	struct config_net *n = &cfg->nets[i];
	unsigned j;
	int fd;

	if (!n->tap == !n->bridge) {
		at(cfg, n, n->tap ? n->line.bridge : n->line.header, n->tap ? "bridge" : "",
		   where, sizeof(where));
		cfgp_bprintf(err, errlen, n->tap ? "%s: expected either tap or bridge, not both" :
			     "%s: tap, bridge: missing (expected tap = an existing TAP, or bridge = a bridge to put a new TAP on)",
			     where);
		return -EINVAL;
	}
	n->pcie = -1;
	if (n->bus && (n->pcie = cfgp_find_pcie(cfg, n->bus)) < 0) {
		at(cfg, n, n->line.bus, "bus", where, sizeof(where));
		cfgp_bprintf(err, errlen, "%s: expected the NAME of a [pcie.NAME] section, got '%s'",
			     where, n->bus);
		return -EINVAL;
	}
	if (!n->line.mac)
		virtio_net__default_mac(cfg->name ? cfg->name : "mvmm", n->name, n->mac);
	for (j = 0; j < i; j++) {
		const struct config_net *o = &cfg->nets[j];

		if (!memcmp(o->mac, n->mac, sizeof(n->mac))) {
			at(cfg, n, n->line.mac ? n->line.mac : n->line.header, "mac", where,
			   sizeof(where));
			cfgp_bprintf(err, errlen, "%s: expected a MAC no other NIC has, got %02x:%02x:%02x:%02x:%02x:%02x (also [net.%s])",
				     where, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
				     n->mac[5], o->name);
			return -EINVAL;
		}
		if (n->tap && o->tap && !strcmp(n->tap, o->tap)) {
			at(cfg, n, n->line.tap, "tap", where, sizeof(where));
			cfgp_bprintf(err, errlen, "%s: expected a TAP no other NIC uses, got '%s' (also [net.%s])",
				     where, n->tap, o->name);
			return -EINVAL;
		}
	}
	if (tap__probe(n->tap, n->bridge, n->queues, why, sizeof(why))) {
		at(cfg, n, n->tap ? n->line.tap : n->line.bridge, n->tap ? "tap" : "bridge", where,
		   sizeof(where));
		cfgp_bprintf(err, errlen, "%s: %s", where, why);
		return -EINVAL;
	}
	if (n->vhost != CONFIG_VHOST_NO) {
		fd = open(VHOST_NET_PATH, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			n->vhost = CONFIG_VHOST_YES;
		} else if (n->vhost == CONFIG_VHOST_YES) {
			at(cfg, n, n->line.vhost, "vhost", where, sizeof(where));
			cfgp_bprintf(err, errlen, "%s: expected %s usable for vhost = yes, got %s%s",
				     where, VHOST_NET_PATH, strerror(errno),
				     errno == ENOENT ? " (modprobe vhost_net)" : "");
			return -EINVAL;
		} else {
			n->vhost = CONFIG_VHOST_NO;	/* auto: the userspace path */
		}
	}
	return 0;
}

static int net_finish(struct vm_config *cfg, char *err, size_t errlen)
{
	unsigned i;
	int ret;

	for (i = 0; i < cfg->nr_nets; i++)
		if ((ret = net_finish_one(cfg, i, err, errlen)))
			return ret;
	return 0;
}

static void net_release(struct vm_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->nr_nets; i++) {
		free(cfg->nets[i].name);
		free(cfg->nets[i].tap);
		free(cfg->nets[i].bridge);
		free(cfg->nets[i].bus);
	}
	free(cfg->nets);
	cfg->nets = NULL;
	cfg->nr_nets = 0;
}

const struct cfg_section config_net_section = {
	.name = "net.", .open = net_open, .keys = net_keys, .nkeys = ARRAY_SIZE(net_keys),
	.finish = net_finish, .release = net_release,
};
