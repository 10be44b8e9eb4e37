/*
 * [vsock]: what a good config yields (the CID, the bus resolved, counted
 * with the other devices of its expander, --set) and the one-line error of
 * every bad one: a reserved or out-of-range CID, no CID, a bus that does not
 * exist, unknown and repeated keys, a repeated section.
 */
#include <errno.h>
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

#include "tests/unit/fake_bzimage.h"
#include "tests/unit/file_test_util.h"
#include "tests/unit/config_test_util.h"

#include "vmm/config.h"

static char tmpdir[] = "/tmp/mvmm-config-vsock-XXXXXX";
static char oldcwd[4096];

static int group_setup(void **state)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];

	(void)state;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		return -1;
	fake_bzimage(img);
	test_write_bytes("bzImage", img, sizeof(img));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	return test_rm_tree(tmpdir);
}

#define MACHINE "[machine]\nname = node1\nkernel = bzImage\ncpus = 2\nmemory = 1G\n"
#define NODES "[numa.0]\ncpus = 0\nmemory = 512M\n[numa.1]\ncpus = 1\nmemory = 512M\n"
#define E10 "[pcie.numa0]\nbus = 0x10\nnuma = 1\n"

static void test_good(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	assert_int_equal(load_finish(MACHINE NODES E10 "[vsock]\ncid = 3\nbus = numa0\n", &cfg, err), 0);
	assert_true(cfg.vsock.present);
	assert_int_equal(cfg.vsock.cid, 3);
	assert_int_equal(cfg.vsock.pcie, 0);
	assert_string_equal(cfg.vsock.bus, "numa0");
	assert_int_equal(cfg.vsock.line.cid, 5 + 6 + 3 + 2);
	config__free(&cfg);
	assert_false(cfg.vsock.present);

	assert_int_equal(load_finish(MACHINE "[vsock]\ncid = 0xfffffffe\n", &cfg, err), 0);
	assert_int_equal(cfg.vsock.cid, 0xfffffffeU);
	assert_int_equal(cfg.vsock.pcie, -1);
	config__free(&cfg);

	/* No [vsock]: no device. */
	assert_int_equal(load_finish(MACHINE, &cfg, err), 0);
	assert_false(cfg.vsock.present);
	config__free(&cfg);

	/* --set creates or replaces it. */
	test_write_bytes("node.ini", MACHINE, strlen(MACHINE));
	assert_int_equal(config__load(&cfg, "node.ini", err, sizeof(err)), 0);
	assert_int_equal(config__set(&cfg, "vsock.cid=1234", err, sizeof(err)), 0);
	assert_int_equal(config__set(&cfg, "vsock.cid=77", err, sizeof(err)), 0);
	assert_int_equal(config__finish(&cfg, err, sizeof(err)), 0);
	assert_true(cfg.vsock.present);
	assert_int_equal(cfg.vsock.cid, 77);
	config__free(&cfg);
}

#define CID_EXPECTED "expected a guest CID between 3 and 0xfffffffe (0, 1, 2 and 0xffffffff are reserved)"

static void test_errors(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	assert_error(MACHINE "[vsock]\ncid = 0\n", "node.ini:7: [vsock] cid: " CID_EXPECTED ", got '0'");
	assert_error(MACHINE "[vsock]\ncid = 1\n", "node.ini:7: [vsock] cid: " CID_EXPECTED ", got '1'");
	assert_error(MACHINE "[vsock]\ncid = 2\n", "node.ini:7: [vsock] cid: " CID_EXPECTED ", got '2'");
	assert_error(MACHINE "[vsock]\ncid = 0xffffffff\n",
		     "node.ini:7: [vsock] cid: " CID_EXPECTED ", got '0xffffffff'");
	assert_error(MACHINE "[vsock]\ncid = 4294967296\n",
		     "node.ini:7: [vsock] cid: " CID_EXPECTED ", got '4294967296'");
	assert_error(MACHINE "[vsock]\ncid = -3\n", "node.ini:7: [vsock] cid: " CID_EXPECTED ", got '-3'");
	assert_error(MACHINE "[vsock]\ncid = three\n",
		     "node.ini:7: [vsock] cid: " CID_EXPECTED ", got 'three'");
	assert_error(MACHINE "[vsock]\ncid =\n", "node.ini:7: [vsock] cid: " CID_EXPECTED ", got ''");
	assert_error(MACHINE "[vsock]\nbus = \n",
		     "node.ini:7: [vsock] bus: expected the NAME of a [pcie.NAME] section, got ''");
	assert_error(MACHINE "[vsock]\ncid = 3\ncid = 4\n",
		     "node.ini:8: [vsock] cid: duplicate key (first set at line 7)");
	assert_error(MACHINE "[vsock]\ncid = 3\nport = 4\n",
		     "node.ini:8: [vsock] port: unknown key");
	assert_error(MACHINE "[vsock]\ncid = 3\n[vsock]\ncid = 4\n",
		     "node.ini:8: repeated section [vsock] (first at line 6)");
	assert_error(MACHINE "[vsock]\nbus = numa0\n",
		     "node.ini:6: [vsock]: cid: missing (expected a guest CID between 3 and 0xfffffffe)");
	assert_error(MACHINE "[vsock]\ncid = 3\nbus = numa9\n",
		     "node.ini:8: [vsock] bus: expected the NAME of a [pcie.NAME] section, got 'numa9'");
	/* It takes a bus number behind its expander like any device. */
	assert_error(MACHINE NODES E10 "[pcie.numa1]\nbus = 0x11\nnuma = 0\n"
		     "[vsock]\ncid = 3\nbus = numa0\n",
		     "node.ini:13: [pcie.numa0] bus: expected buses 0x10-0x11 free for 1 device, got '0x10' (bus 0x11 is another expander's)");
	assert_int_equal(load_finish(MACHINE NODES E10 "[pcie.numa1]\nbus = 0x12\nnuma = 0\n"
				     "[vsock]\ncid = 3\nbus = numa0\n", &cfg, err), 0);
	config__free(&cfg);
	/* --set: the same checks. */
	test_write_bytes("node.ini", MACHINE, strlen(MACHINE));
	assert_int_equal(config__load(&cfg, "node.ini", err, sizeof(err)), 0);
	assert_int_equal(config__set(&cfg, "vsock.cid=2", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--set vsock.cid=2: [vsock] cid: " CID_EXPECTED ", got '2'");
	config__free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
