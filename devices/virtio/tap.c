/*
 * TAP: open, create on a bridge, vnet header, offloads, queue attach (tap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "devices/virtio/tap.h"
#include "vmm/util.h"

#define TUN_PATH	"/dev/net/tun"

/* Where interfaces are looked up: $MVMM_SYSFS/class/net (as for
 * host_device; tests check configs naming a bridge this host lacks). */
static const char *sysfs_net(void)
{
	static __thread char buf[256];
	const char *d = getenv("MVMM_SYSFS");

	if (!d || !*d)
		return "/sys/class/net";
	snprintf(buf, sizeof(buf), "%s/class/net", d);
	return buf;
}

/* /sys/class/net/@ifname/@attr, or -errno. */
static int sys_attr(const char *ifname, const char *attr, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", sysfs_net(), ifname, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static bool is_netdev(const char *ifname)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sysfs_net(), ifname);
	return !stat(path, &st);
}

static int check_name(const char *what, const char *name, char *err, size_t errlen)
{
	if (!*name || strlen(name) >= IFNAMSIZ || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		snprintf(err, errlen, "'%s': not a valid %s name (1 to %d characters, no '/')",
			 name, what, IFNAMSIZ - 1);
		return -EINVAL;
	}
	return 0;
}

/* An existing TAP that can take @queues queues. */
static int check_tap(const char *ifname, unsigned queues, char *err, size_t errlen)
{
	char flags[32];
	unsigned long f;
	int ret;

	if ((ret = check_name("interface", ifname, err, errlen)))
		return ret;
	if (!is_netdev(ifname)) {
		snprintf(err, errlen, "TAP %s: no such interface (create it: ip tuntap add %s mode tap%s)",
			 ifname, ifname, queues > 1 ? " multi_queue" : "");
		return -ENODEV;
	}
	if (sys_attr(ifname, "tun_flags", flags, sizeof(flags)) ||
	    sscanf(flags, "%lx", &f) != 1 || !(f & IFF_TAP)) {
		snprintf(err, errlen, "TAP %s: not a TAP device", ifname);
		return -ENODEV;
	}
	if (queues > 1 && !(f & IFF_MULTI_QUEUE)) {
		snprintf(err, errlen, "TAP %s: %u queues need a multi_queue TAP (ip tuntap add %s mode tap multi_queue)",
			 ifname, queues, ifname);
		return -EINVAL;
	}
	return 0;
}

int tap__owner(const char *ifname, long *uid, long *gid)
{
	char buf[32];
	int ret;

	*uid = *gid = -1;
	if ((ret = sys_attr(ifname, "owner", buf, sizeof(buf))) < 0)
		return ret;
	*uid = strtol(buf, NULL, 10);
	if ((ret = sys_attr(ifname, "group", buf, sizeof(buf))) < 0)
		return ret;
	*gid = strtol(buf, NULL, 10);
	return 0;
}

static int check_bridge(const char *bridge, char *err, size_t errlen)
{
	char path[512];
	struct stat st;
	int ret;

	if ((ret = check_name("bridge", bridge, err, errlen)))
		return ret;
	if (!is_netdev(bridge)) {
		snprintf(err, errlen, "bridge %s: no such interface (create it: ip link add %s type bridge)",
			 bridge, bridge);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/%s/bridge", sysfs_net(), bridge);
	if (stat(path, &st)) {
		snprintf(err, errlen, "bridge %s: not a bridge", bridge);
		return -ENODEV;
	}
	return 0;
}

/* One queue fd of TAP @name ("mvmm%d": a new one; @name gets the real name). */
static int open_queue(char *name, bool mq, char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd, len = TAP_VNET_HDR_LEN, ret;

	if (mq)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s%s", TUN_PATH, strerror(-ret),
			 ret == -ENOENT ? " (modprobe tun)" : "");
		return ret;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		snprintf(err, errlen, "TAP %s: %s", name,
			 ret == -EBUSY ? "busy (another process has it open)" :
			 ret == -EPERM ? "no permission (needs CAP_NET_ADMIN, or the TAP's owner)" :
			 ret == -EINVAL ? "its flags do not match (multi_queue, vnet_hdr?)" :
			 strerror(-ret));
		goto err;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &len) < 0) {
		ret = -errno;
		snprintf(err, errlen, "TAP %s: cannot set the vnet header size: %s", name,
			 strerror(-ret));
		goto err;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = 0;
	return fd;
err:
	close(fd);
	return ret;
}

/* Bring @ifname up and, with @bridge, make it a port of the bridge. */
static int link_up(const char *ifname, const char *bridge, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	int s, ret = 0;

	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	ifr.ifr_ifindex = (int)if_nametoindex(ifname);
	if (!ifr.ifr_ifindex || ioctl(s, SIOCBRADDIF, &ifr) < 0) {
		ret = -errno;
		snprintf(err, errlen, "bridge %s: cannot add %s: %s", bridge, ifname, strerror(-ret));
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)) {
		ret = -errno;
		snprintf(err, errlen, "TAP %s: cannot bring it up: %s", ifname, strerror(-ret));
	}
out:
	close(s);
	return ret;
}

int tap__probe(const char *ifname, const char *bridge, unsigned queues, char *err,
	       size_t errlen)
{
	char name[IFNAMSIZ];
	int fd;

	if (bridge) {
		fd = check_bridge(bridge, err, errlen);
		if (fd)
			return fd;
		fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fd = -errno;
			snprintf(err, errlen, "%s: %s%s", TUN_PATH, strerror(-fd),
				 fd == -ENOENT ? " (modprobe tun)" : "");
			return fd;
		}
		close(fd);
		return 0;
	}
	fd = check_tap(ifname, queues, err, errlen);
	if (fd)
		return fd;
	/* Attach once and let go: busy and permission show only this way. */
	snprintf(name, sizeof(name), "%s", ifname);
	fd = open_queue(name, queues > 1, err, errlen);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int tap__open(struct tap *t, const char *ifname, const char *bridge, unsigned queues,
	      char *err, size_t errlen)
{
	char name[IFNAMSIZ];
	unsigned i;
	int ret;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < TAP_MAX_QUEUES; i++)
		t->fds[i] = -1;
	if (!queues || queues > TAP_MAX_QUEUES || !ifname == !bridge) {
		snprintf(err, errlen, "bad TAP parameters");
		return -EINVAL;
	}
	ret = bridge ? check_bridge(bridge, err, errlen) : check_tap(ifname, queues, err, errlen);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "%s", bridge ? "mvmm%d" : ifname);
	for (i = 0; i < queues; i++) {
		ret = open_queue(name, queues > 1, err, errlen);
		if (ret < 0)
			goto err;
		t->fds[i] = ret;
		t->nr_fds++;
	}
	snprintf(t->ifname, sizeof(t->ifname), "%s", name);
	if (bridge) {
		t->created = true;
		snprintf(t->bridge, sizeof(t->bridge), "%s", bridge);
		ret = link_up(name, bridge, err, errlen);
		if (ret)
			goto err;
	}
	return 0;
err:
	tap__close(t);
	return ret;
}

void tap__close(struct tap *t)
{
	unsigned i;

	for (i = 0; i < TAP_MAX_QUEUES; i++) {
		if (t->fds[i] >= 0)
			close(t->fds[i]);
		t->fds[i] = -1;
	}
	t->nr_fds = 0;
}

int tap__set_offload(struct tap *t, unsigned tun_flags)
{
	unsigned i;

	for (i = 0; i < t->nr_fds; i++)
		if (ioctl(t->fds[i], TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
			return -errno;
	return 0;
}

int tap__set_queues(struct tap *t, unsigned n)
{
	unsigned i;

	if (t->nr_fds < 2)
		return 0;	/* a single-queue TAP has nothing to detach */
	for (i = 0; i < t->nr_fds; i++) {
		struct ifreq ifr = { .ifr_flags = i < n ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE };

		/* Attaching an attached queue (or the reverse) is EINVAL: fine. */
		if (ioctl(t->fds[i], TUNSETQUEUE, &ifr) < 0 && errno != EINVAL)
			return -errno;
	}
	return 0;
}
