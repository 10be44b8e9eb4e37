/*
 * [pcie.NAME] and [device.NAME]: what a good config yields (nodes, buses,
 * defaults, derived UUIDs, host_device resolved from a fixture sysfs) and
 * the one-line error of every mistake (bus clash or overlap, node that does
 * not exist, too many devices for a bus range, unknown expander, bad values,
 * host_device problems).
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/file_test_util.h"
#include "tests/unit/config_test_util.h"

#include "tests/unit/fake_bzimage.h"

#include "vmm/config.h"

static char tmpdir[] = "/tmp/mvmm-config-pci-XXXXXX";
static char oldcwd[4096];

static void write_file(const char *path, const char *text)
{
	test_write_bytes(path, text, strlen(text));
}

/* The smallest file boot__probe_kernel takes for a 64-bit bzImage. */
static void write_bzimage(const char *path)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];

	fake_bzimage(img);
	test_write_bytes(path, img, sizeof(img));
}

static int group_setup(void **state)
{
	char path[256];

	(void)state;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		return -1;
	write_bzimage("bzImage");
	/* A fixture sysfs: 0000:60:00.0 on host node 1, 0000:61:00.0 on none. */
	if (mkdir("sys", 0755) || mkdir("sys/bus", 0755) || mkdir("sys/bus/pci", 0755) ||
	    mkdir("sys/bus/pci/devices", 0755) || mkdir("sys/bus/pci/devices/0000:60:00.0", 0755) ||
	    mkdir("sys/bus/pci/devices/0000:61:00.0", 0755))
		return -1;
	write_file("sys/bus/pci/devices/0000:60:00.0/numa_node", "1\n");
	write_file("sys/bus/pci/devices/0000:61:00.0/numa_node", "-1\n");
	snprintf(path, sizeof(path), "%s/sys", tmpdir);
	return setenv("MVMM_SYSFS", path, 1);
}

static int group_teardown(void **state)
{
	(void)state;
	unsetenv("MVMM_SYSFS");
	if (chdir(oldcwd) < 0)
		return -1;
	return test_rm_tree(tmpdir);
}

#define MACHINE "[machine]\nname = node1\nkernel = bzImage\ncpus = 2\nmemory = 1G\n"
#define NODES "[numa.0]\ncpus = 0\nmemory = 512M\nhost_node = 0\n" \
	      "[numa.1]\ncpus = 1\nmemory = 512M\nhost_node = 1\n"
#define E10 "[pcie.numa0]\nbus = 0x10\nnuma = 0\n"
#define E20 "[pcie.numa1]\nbus = 0x20\nnuma = 1\n"
#define ACC(n, bus) "[device." n "]\ntype = mock-accel\nbus = " bus "\n"


static void test_reference_cluster(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;
	uint8_t again[16];

	(void)state;
	assert_int_equal(load_finish(MACHINE NODES E10 E20 ACC("acc0", "numa0")
				     "chassis = 100\nvfs = 2\nmemory_size = 8G\n"
				     ACC("acc1", "numa1")
				     "uuid = 123E4567-e89b-12d3-a456-426614174000\n"
				     "vf_memory_size = 1G\n", &cfg, err), 0);
	assert_int_equal(cfg.nr_pcie, 2);
	assert_string_equal(cfg.pcie[0].name, "numa0");
	assert_int_equal(cfg.pcie[0].bus, 0x10);
	assert_int_equal(cfg.pcie[0].node, 0);
	assert_int_equal(cfg.pcie[1].node, 1);
	assert_int_equal(cfg.pcie[1].host_node, -1);
	assert_int_equal(cfg.nr_devices, 2);
	assert_int_equal(cfg.devices[0].type, CONFIG_DEVICE_MOCK_ACCEL);
	assert_int_equal(cfg.devices[0].pcie, 0);
	assert_int_equal(cfg.devices[1].pcie, 1);
	assert_int_equal(cfg.devices[0].chassis, 100);
	assert_int_equal(cfg.devices[1].chassis, 0);
	assert_int_equal(cfg.devices[0].vfs, 2);
	assert_int_equal(cfg.devices[0].memory_size, 8ULL << 30);
	assert_int_equal(cfg.devices[0].vf_memory_size, 2ULL << 30);	/* default */
	assert_int_equal(cfg.devices[1].memory_size, 16ULL << 30);	/* default */
	assert_int_equal(cfg.devices[1].vf_memory_size, 1ULL << 30);
	assert_memory_equal(cfg.devices[1].uuid, "\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56"
			    "\x42\x66\x14\x17\x40\x00", 16);
	/* Derived UUID: version 8, RFC variant, stable, distinct per device. */
	assert_int_equal(cfg.devices[0].uuid[6] >> 4, 8);
	assert_int_equal(cfg.devices[0].uuid[8] >> 6, 2);
	memcpy(again, cfg.devices[0].uuid, 16);
	config__free(&cfg);
	assert_int_equal(load_finish(MACHINE NODES E10 E20 ACC("acc0", "numa0")
				     ACC("acc9", "numa1"), &cfg, err), 0);
	assert_memory_equal(cfg.devices[0].uuid, again, 16);
	assert_memory_not_equal(cfg.devices[1].uuid, again, 16);
	config__free(&cfg);
	config__free(&cfg);
}

static void test_defaults_and_main_bus(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	/* Without [numa.N]: node 0 exists implicitly; no numa: no _PXM; a
	 * device without bus sits on bus 0's host bridge. */
	assert_int_equal(load_finish(MACHINE "[pcie.x]\nbus = 0x40\nnuma = 0\n"
				     "[pcie.nonode]\nbus = 0x80\n"
				     "[device.d]\ntype = mock-accel\n", &cfg, err), 0);
	assert_int_equal(cfg.pcie[0].node, 0);
	assert_int_equal(cfg.pcie[1].node, -1);
	assert_int_equal(cfg.devices[0].pcie, -1);
	config__free(&cfg);
	/* With guest NUMA, an expander without numa/host_device is node 0's
	 * (Linux warns about root buses without a node). */
	assert_int_equal(load_finish(MACHINE NODES "[pcie.nonode]\nbus = 0x80\n", &cfg, err), 0);
	assert_int_equal(cfg.pcie[0].node, 0);
	config__free(&cfg);
	/* No PCIe sections at all. */
	assert_int_equal(load_finish(MACHINE, &cfg, err), 0);
	assert_int_equal(cfg.nr_pcie, 0);
	assert_null(cfg.devices);
	config__free(&cfg);
}

static void test_host_device(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	assert_int_equal(load_finish(MACHINE NODES "[pcie.gpu]\nbus = 0x60\n"
				     "host_device = 0000:60:00.0\n" ACC("a", "gpu"), &cfg, err), 0);
	assert_string_equal(cfg.pcie[0].host_device, "0000:60:00.0");
	assert_int_equal(cfg.pcie[0].host_node, 1);
	assert_int_equal(cfg.pcie[0].node, 1);
	config__free(&cfg);
}

static void test_errors(void **state)
{
	(void)state;
	/* Bus clash. */
	assert_error(MACHINE NODES E10 "[pcie.b]\nbus = 16\nnuma = 1\n",
		     "node.ini:18: [pcie.b] bus: expected a bus number no other expander has, got '0x10' (also node.ini:15: [pcie.numa0] bus)");
	/* Overlap: two devices on 0x10 need 0x11 and 0x12, 0x12 is taken. */
	assert_error(MACHINE NODES E10 "[pcie.b]\nbus = 0x12\nnuma = 1\n" ACC("a", "numa0")
		     ACC("c", "numa0"),
		     "node.ini:15: [pcie.numa0] bus: expected buses 0x10-0x12 free for 2 devices, got '0x10' (bus 0x12 is another expander's)");
	/* Too many devices for the bus range at the end of the bus space. */
	assert_error(MACHINE NODES "[pcie.e]\nbus = 0xff\nnuma = 1\n" ACC("a", "e"),
		     "node.ini:15: [pcie.e] bus: expected buses 0xff-0x100 free for 1 device, got '0xff' (past the last bus 0xff)");
	/* Expander on a node that does not exist. */
	assert_error(MACHINE NODES "[pcie.e]\nbus = 0x10\nnuma = 2\n",
		     "node.ini:16: [pcie.e] numa: expected a guest node between 0 and 1 (a [numa.N] id), got '2'");
	assert_error(MACHINE "[pcie.e]\nbus = 0x10\nnuma = 1\n",
		     "node.ini:8: [pcie.e] numa: expected a guest node between 0 and 0 (a [numa.N] id), got '1'");
	/* Unknown bus in a device, missing type, bad type. */
	assert_error(MACHINE NODES E10 ACC("acc0", "numa9"),
		     "node.ini:19: [device.acc0] bus: expected the NAME of a [pcie.NAME] section, got 'numa9'");
	assert_error(MACHINE NODES E10 "[device.acc0]\nbus = numa0\n",
		     "node.ini:17: [device.acc0]: type: missing (expected mock-accel)");
	assert_error(MACHINE "[device.x]\ntype = virtio-net\n",
		     "node.ini:7: [device.x] type: expected mock-accel, got 'virtio-net'");
	/* Values. */
	assert_error(MACHINE "[pcie.e]\nbus = 0\n",
		     "node.ini:7: [pcie.e] bus: expected a number between 1 and 255, got '0'");
	assert_error(MACHINE "[pcie.e]\nbus = 0x100\n",
		     "node.ini:7: [pcie.e] bus: expected a number between 1 and 255, got '0x100'");
	assert_error(MACHINE "[pcie.e]\nnuma = 0\n", "node.ini:6: [pcie.e]: bus: missing (expected a bus number like 0x10)");
	assert_error(MACHINE "[device.x]\ntype = mock-accel\nvfs = 8\n",
		     "node.ini:8: [device.x] vfs: expected a number between 0 and 7, got '8'");
	assert_error(MACHINE "[device.x]\nuuid = 123e4567-e89b-12d3-a456-42661417400\n",
		     "node.ini:7: [device.x] uuid: expected a UUID like 123e4567-e89b-12d3-a456-426614174000, got '123e4567-e89b-12d3-a456-42661417400'");
	assert_error(MACHINE "[device.x]\nchassis = 0\n",
		     "node.ini:7: [device.x] chassis: expected a number between 1 and 255, got '0'");
	assert_error(MACHINE "[device.x]\nmemory_size = 0\n",
		     "node.ini:7: [device.x] memory_size: expected a size between 1 and 1T, got '0'");
	assert_error(MACHINE "[device.x]\nfunctions = 2\n", "node.ini:7: [device.x] functions: unknown key");
	/* Sections. */
	assert_error(MACHINE "[pcie.main]\nbus = 0x10\n",
		     "node.ini:6: [pcie.main]: expected a name other than 'main' (bus 0's host bridge)");
	assert_error(MACHINE "[pcie.]\n", "node.ini:6: unknown section [pcie.]");
	assert_error(MACHINE "[pcie.a b]\n",
		     "node.ini:6: [pcie.a b]: expected a name of 1 to 63 characters of A-Z a-z 0-9 . _ - after the dot, got 'a b'");
	assert_error(MACHINE E10 "[pcie.numa0]\n", "node.ini:9: repeated section [pcie.numa0] (first at line 6)");
	assert_error(MACHINE ACC("a", "x") ACC("a", "x"), "node.ini:9: repeated section [device.a] (first at line 6)");
	assert_error(MACHINE E10 "bus = 0x20\n", "node.ini:9: [pcie.numa0] bus: duplicate key (first set at line 7)");
}

static void test_host_device_errors(void **state)
{
	(void)state;
	assert_error(MACHINE "[pcie.g]\nhost_device = 60:00.0\n",
		     "node.ini:7: [pcie.g] host_device: expected a host PCI address like 0000:60:00.0, got '60:00.0'");
	assert_error(MACHINE "[pcie.g]\nhost_device = 0000:60:20.0\n",
		     "node.ini:7: [pcie.g] host_device: expected a host PCI address like 0000:60:00.0, got '0000:60:20.0'");
	assert_error(MACHINE NODES "[pcie.g]\nbus = 0x10\nnuma = 0\nhost_device = 0000:60:00.0\n",
		     "node.ini:17: [pcie.g] host_device: expected either numa or host_device, not both");
	assert_error(MACHINE NODES "[pcie.g]\nbus = 0x10\nhost_device = 0000:62:00.0\n",
		     "node.ini:16: [pcie.g] host_device: expected a PCI device of this host, got '0000:62:00.0' (not in /sys/bus/pci/devices)");
	assert_error(MACHINE NODES "[pcie.g]\nbus = 0x10\nhost_device = 0000:61:00.0\n",
		     "node.ini:16: [pcie.g] host_device: expected a PCI device with a NUMA node, got '0000:61:00.0' (its numa_node is -1)");
	/* The device is on host node 1, no guest node is bound there. */
	assert_error(MACHINE "[numa.0]\ncpus = 0-1\nmemory = 1G\nhost_node = 0\n"
		     "[pcie.g]\nbus = 0x10\nhost_device = 0000:60:00.0\n",
		     "node.ini:12: [pcie.g] host_device: '0000:60:00.0' is on host node 1, but no [numa.N] section has host_node = 1");
	assert_error(MACHINE "[pcie.g]\nbus = 0x10\nhost_device = 0000:60:00.0\n",
		     "node.ini:8: [pcie.g] host_device: '0000:60:00.0' is on host node 1, but no [numa.N] section has host_node = 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_cluster),
		cmocka_unit_test(test_defaults_and_main_bus),
		cmocka_unit_test(test_host_device),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_host_device_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
