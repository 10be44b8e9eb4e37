/*
 * [net.NAME]: what a good config yields (a stable MAC derived from the
 * machine and NIC names unless given, one queue pair by default, the bus
 * resolved, vhost = auto resolved) and the one-line error of every bad
 * NIC: no TAP or bridge, both, a TAP or bridge that does not exist or is
 * the wrong kind of interface, a bad or repeated MAC, one TAP twice, bad
 * queues or vhost values. A real TAP for the good cases is created (and
 * removed) when /dev/net/tun can be used; otherwise those cases skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/if_tun.h>
#include <net/if.h>

#include "tests/unit/fake_bzimage.h"
#include "tests/unit/file_test_util.h"
#include "tests/unit/config_test_util.h"

#include "vmm/config.h"

static char tmpdir[] = "/tmp/mvmm-config-net-XXXXXX";
static char oldcwd[4096];
static char tap[IFNAMSIZ];		/* a persistent TAP of ours, "" if none */

/* A persistent TAP the kernel names (mvmmt%d), so tests can attach to it. */
static void make_tap(void)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "mvmmt%%d");
	if (!ioctl(fd, TUNSETIFF, &ifr) && !ioctl(fd, TUNSETPERSIST, 1))
		snprintf(tap, sizeof(tap), "%s", ifr.ifr_name);
	close(fd);
}

static void remove_tap(void)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd;

	if (!*tap || (fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	if (!ioctl(fd, TUNSETIFF, &ifr))
		(void)!ioctl(fd, TUNSETPERSIST, 0);
	close(fd);
}

static int group_setup(void **state)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];

	(void)state;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		return -1;
	fake_bzimage(img);
	test_write_bytes("bzImage", img, sizeof(img));
	make_tap();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	remove_tap();
	if (chdir(oldcwd) < 0)
		return -1;
	return test_rm_tree(tmpdir);
}

#define MACHINE "[machine]\nname = node1\nkernel = bzImage\ncpus = 2\nmemory = 1G\n"
#define E10 "[numa.0]\ncpus = 0-1\nmemory = 1G\n[pcie.numa0]\nbus = 0x10\nnuma = 0\n"

static void test_good(void **state)
{
	char err[CONFIG_ERR_LEN], text[1024];
	struct vm_config cfg;

	(void)state;
	if (!*tap)
		skip();
	snprintf(text, sizeof(text), MACHINE E10 "[net.eth0]\ntap = %s\nbus = numa0\nvhost = no\n",
		 tap);
	assert_int_equal(load_finish(text, &cfg, err), 0);
	assert_int_equal(cfg.nr_nets, 1);
	assert_string_equal(cfg.nets[0].tap, tap);
	assert_int_equal(cfg.nets[0].pcie, 0);
	assert_int_equal(cfg.nets[0].queues, 1);
	assert_int_equal(cfg.nets[0].vhost, CONFIG_VHOST_NO);
	/* The derived MAC: locally administered unicast, mvmm's 02:6d:76. */
	assert_int_equal(cfg.nets[0].mac[0], 0x02);
	assert_int_equal(cfg.nets[0].mac[1], 0x6d);
	assert_int_equal(cfg.nets[0].mac[2], 0x76);
	config__free(&cfg);

	snprintf(text, sizeof(text), MACHINE "[net.a]\ntap = %s\nmac = 52:54:00:AB:cd:01\n", tap);
	assert_int_equal(load_finish(text, &cfg, err), 0);
	assert_memory_equal(cfg.nets[0].mac, ((uint8_t[]){ 0x52, 0x54, 0, 0xab, 0xcd, 1 }), 6);
	assert_int_equal(cfg.nets[0].pcie, -1);
	/* auto: whatever this host offers, resolved */
	assert_int_not_equal(cfg.nets[0].vhost, CONFIG_VHOST_AUTO);
	assert_int_equal(cfg.nets[0].vhost, access("/dev/vhost-net", R_OK | W_OK) ?
			 CONFIG_VHOST_NO : CONFIG_VHOST_YES);
	config__free(&cfg);
}

static void test_errors(void **state)
{
	char text[1024], msg[512];

	(void)state;
	assert_error(MACHINE "[net.n]\nqueues = 2\n",
		     "node.ini:6: [net.n]: tap, bridge: missing (expected tap = an existing TAP, or bridge = a bridge to put a new TAP on)");
	assert_error(MACHINE "[net.n]\ntap = lo\nbridge = br0\n",
		     "node.ini:8: [net.n] bridge: expected either tap or bridge, not both");
	assert_error(MACHINE "[net.n]\ntap = nosuchtap0\n",
		     "node.ini:7: [net.n] tap: TAP nosuchtap0: no such interface (create it: ip tuntap add nosuchtap0 mode tap)");
	assert_error(MACHINE "[net.n]\ntap = lo\n",
		     "node.ini:7: [net.n] tap: TAP lo: not a TAP device");
	assert_error(MACHINE "[net.n]\nbridge = nosuchbr0\n",
		     "node.ini:7: [net.n] bridge: bridge nosuchbr0: no such interface (create it: ip link add nosuchbr0 type bridge)");
	assert_error(MACHINE "[net.n]\nbridge = lo\n",
		     "node.ini:7: [net.n] bridge: bridge lo: not a bridge");
	assert_error(MACHINE "[net.n]\ntap = a/b\n",
		     "node.ini:7: [net.n] tap: expected an interface name (1 to 15 characters, no '/' or space), got 'a/b'");
	assert_error(MACHINE "[net.n]\ntap = abcdefghijklmnop\n",
		     "node.ini:7: [net.n] tap: expected an interface name (1 to 15 characters, no '/' or space), got 'abcdefghijklmnop'");
	assert_error(MACHINE "[net.n]\nmac = 52:54:00:12:34\n",
		     "node.ini:7: [net.n] mac: expected a MAC address like 52:54:00:12:34:56, got '52:54:00:12:34'");
	assert_error(MACHINE "[net.n]\nmac = 52:54:00:12:34:5g\n",
		     "node.ini:7: [net.n] mac: expected a MAC address like 52:54:00:12:34:56, got '52:54:00:12:34:5g'");
	assert_error(MACHINE "[net.n]\nmac = 52-54-00-12-34-56\n",
		     "node.ini:7: [net.n] mac: expected a MAC address like 52:54:00:12:34:56, got '52-54-00-12-34-56'");
	assert_error(MACHINE "[net.n]\nmac = 01:00:5e:00:00:01\n",
		     "node.ini:7: [net.n] mac: expected a unicast MAC address (the first byte even), got '01:00:5e:00:00:01'");
	assert_error(MACHINE "[net.n]\nmac = 00:00:00:00:00:00\n",
		     "node.ini:7: [net.n] mac: expected a MAC address other than 00:00:00:00:00:00, got '00:00:00:00:00:00'");
	assert_error(MACHINE "[net.n]\ntap = lo\nqueues = 9\n",
		     "node.ini:8: [net.n] queues: expected a number between 1 and 8, got '9'");
	assert_error(MACHINE "[net.n]\ntap = lo\nvhost = maybe\n",
		     "node.ini:8: [net.n] vhost: expected yes, no or auto, got 'maybe'");
	assert_error(MACHINE "[net.n]\ntap = lo\nbus = nowhere\n",
		     "node.ini:8: [net.n] bus: expected the NAME of a [pcie.NAME] section, got 'nowhere'");
	assert_error(MACHINE "[net.n]\ntap = lo\nspeed = 10G\n",
		     "node.ini:8: [net.n] speed: unknown key");
	/* Two NICs, one MAC; one TAP twice (checked before the TAP itself). */
	assert_error(MACHINE "[net.a]\ntap = lo\nmac = 52:54:00:00:00:01\n"
		     "[net.b]\ntap = lo\nmac = 52:54:00:00:00:01\n",
		     "node.ini:7: [net.a] tap: TAP lo: not a TAP device");
	if (!*tap)
		return;
	snprintf(text, sizeof(text), MACHINE "[net.a]\ntap = %s\nmac = 52:54:00:00:00:01\n"
		 "[net.b]\nbridge = nosuchbr0\nmac = 52:54:00:00:00:01\n", tap);
	assert_error(text, "node.ini:11: [net.b] mac: expected a MAC no other NIC has, got 52:54:00:00:00:01 (also [net.a])");
	snprintf(text, sizeof(text), MACHINE "[net.a]\ntap = %s\n[net.b]\ntap = %s\n", tap, tap);
	snprintf(msg, sizeof(msg), "node.ini:9: [net.b] tap: expected a TAP no other NIC uses, got '%s' (also [net.a])",
		 tap);
	assert_error(text, msg);
	/* Our TAP was made without multi_queue. */
	snprintf(text, sizeof(text), MACHINE "[net.a]\ntap = %s\nqueues = 2\n", tap);
	snprintf(msg, sizeof(msg), "node.ini:7: [net.a] tap: TAP %s: 2 queues need a multi_queue TAP (ip tuntap add %s mode tap multi_queue)",
		 tap, tap);
	assert_error(text, msg);
	/* Someone else holds it. */
	{
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

		assert_true(fd >= 0);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
		assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
		snprintf(text, sizeof(text), MACHINE "[net.a]\ntap = %s\n", tap);
		snprintf(msg, sizeof(msg), "node.ini:7: [net.a] tap: TAP %s: busy (another process has it open)",
			 tap);
		assert_error(text, msg);
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
