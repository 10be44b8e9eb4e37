/*
 * [pmem.NAME]: what a good config yields (size from the file or given,
 * numa, readonly, shared default yes, a devdax sized from the sysfs
 * fixture) and the one-line error of every bad one: unaligned size, missing
 * path, size larger than the backing, devdax without shared, a missing
 * node, two sections on one backing, a backing that is not a file or devdax.
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
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/fake_bzimage.h"
#include "tests/unit/file_test_util.h"
#include "tests/unit/config_test_util.h"

#include "vmm/config.h"

static char tmpdir[] = "/tmp/mvmm-config-pmem-XXXXXX";
static char oldcwd[4096];

static int group_setup(void **state)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];
	char dir[4096], size[64];
	struct stat st;

	(void)state;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		return -1;
	fake_bzimage(img);
	test_write_bytes("bzImage", img, sizeof(img));
	if (truncate("pm.img", 0) < 0 && errno != ENOENT)
		return -1;
	test_write_bytes("pm.img", "", 0);
	test_write_bytes("odd.img", "x", 1);
	if (truncate("pm.img", 64 << 20) < 0 || truncate("odd.img", 3 << 20) < 0)
		return -1;
	/* /dev/null stands in for a devdax: the fixture gives its char
	 * device a dax size (a real /sys has none for 1:3). */
	if (stat("/dev/null", &st) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "sys/dev/char/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (test_mkdirs(dir) < 0)
		return -1;
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/size");
	snprintf(size, sizeof(size), "%llu\n", 128ULL << 20);
	test_write_bytes(dir, size, strlen(size));
	snprintf(dir, sizeof(dir), "%s/sys", tmpdir);
	return setenv("MVMM_SYSFS", dir, 1);
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
#define NODES "[numa.0]\ncpus = 0\nmemory = 512M\n[numa.1]\ncpus = 1\nmemory = 512M\n"

static void test_good(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	assert_int_equal(load_finish(MACHINE NODES "[pmem.p0]\npath = pm.img\nnuma = 1\n"
				     "[pmem.dax]\npath = /dev/null\n", &cfg, err), 0);
	assert_int_equal(cfg.nr_pmem, 2);
	assert_string_equal(cfg.pmem[0].name, "p0");
	assert_int_equal(cfg.pmem[0].size, 64 << 20);
	assert_int_equal(cfg.pmem[0].numa, 1);
	assert_true(cfg.pmem[0].shared);
	assert_false(cfg.pmem[0].readonly);
	assert_false(cfg.pmem[0].devdax);
	assert_true(cfg.pmem[1].devdax);
	assert_int_equal(cfg.pmem[1].size, 128 << 20);
	config__free(&cfg);

	/* A smaller size, read-only, private. */
	assert_int_equal(load_finish(MACHINE "[pmem.p0]\npath = pm.img\nsize = 32M\nreadonly = yes\n"
				     "shared = no\n", &cfg, err), 0);
	assert_int_equal(cfg.pmem[0].size, 32 << 20);
	assert_true(cfg.pmem[0].readonly);
	assert_false(cfg.pmem[0].shared);
	assert_int_equal(cfg.pmem[0].numa, 0);
	config__free(&cfg);

	/* --set creates a section as the file would. */
	assert_int_equal(config__init(&cfg), 0);
	assert_int_equal(config__set(&cfg, "machine.kernel=bzImage", err, sizeof(err)), 0);
	assert_int_equal(config__set(&cfg, "pmem.x.path=pm.img", err, sizeof(err)), 0);
	assert_int_equal(config__finish(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nr_pmem, 1);
	assert_int_equal(cfg.pmem[0].size, 64 << 20);
	config__free(&cfg);
}

static void test_errors(void **state)
{
	(void)state;
	assert_error(MACHINE "[pmem.p0]\npath = pm.img\nsize = 3M\n",
		     "node.ini:8: [pmem.p0] size: expected a multiple of 2M, got '3M'");
	assert_error(MACHINE "[pmem.p0]\nsize = 2M\n",
		     "node.ini:6: [pmem.p0]: path: missing (expected a regular file or a device-DAX like /dev/dax0.0)");
	assert_error(MACHINE "[pmem.p0]\npath = pm.img\nsize = 128M\n",
		     "node.ini:8: [pmem.p0] size: expected at most the 64M of 'pm.img', got 128M");
	assert_error(MACHINE "[pmem.p0]\npath = odd.img\n",
		     "node.ini:7: [pmem.p0] path: expected a backing whose size is a non-zero multiple of 2M (or a size key), got 'odd.img' of 3M");
	assert_error(MACHINE "[pmem.d]\npath = /dev/null\nshared = no\n",
		     "node.ini:8: [pmem.d] shared: expected yes for a device-DAX ('/dev/null' cannot be mapped private), got no");
	assert_error(MACHINE "[pmem.p0]\npath = pm.img\nnuma = 1\n",
		     "node.ini:8: [pmem.p0] numa: expected a guest node between 0 and 0 (a [numa.N] id), got '1'");
	assert_error(MACHINE NODES "[pmem.p0]\npath = pm.img\nnuma = 2\n",
		     "node.ini:14: [pmem.p0] numa: expected a guest node between 0 and 1 (a [numa.N] id), got '2'");
	assert_error(MACHINE "[pmem.a]\npath = pm.img\n[pmem.b]\npath = ./pm.img\n",
		     "node.ini:9: [pmem.b] path: expected a backing no other [pmem.NAME] uses, got './pm.img' (also [pmem.a])");
	assert_error(MACHINE "[pmem.p0]\npath = nothere\n",
		     "node.ini:7: [pmem.p0] path: expected a regular file or a device-DAX to map read-write, got 'nothere' (No such file or directory)");
	assert_error(MACHINE "[pmem.p0]\npath = /dev/zero\n",
		     "node.ini:7: [pmem.p0] path: expected a regular file or a device-DAX, got '/dev/zero' (a character device without a dax size in sysfs)");
	assert_error(MACHINE "[pmem.p0]\npath = pm.img\nsize = 0\n",
		     "node.ini:8: [pmem.p0] size: expected a size between 2M and 1T, got '0'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
