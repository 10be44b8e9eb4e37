/*
 * [disk.NAME]: what a good config yields (paths resolved against the file,
 * queues one per vCPU up to 16, the bus resolved, buses counted with
 * mock-accel devices) and the one-line error of every bad disk: missing,
 * unreadable-as-image (directory), empty, not whole sectors, read-only
 * without readonly/snapshot, shared read-write, bad keys.
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

static char tmpdir[] = "/tmp/mvmm-config-disk-XXXXXX";
static char oldcwd[4096];

static void write_file(const char *path, const char *text)
{
	test_write_bytes(path, text, strlen(text));
}

static void write_size(const char *path, off_t size)
{
	write_file(path, "");
	assert_int_equal(truncate(path, size), 0);
}

static int group_setup(void **state)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];

	(void)state;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		return -1;
	fake_bzimage(img);
	test_write_bytes("bzImage", img, sizeof(img));
	write_size("good.img", 1 << 20);
	write_size("empty.img", 0);
	write_size("odd.img", 1000);
	write_size("ro.img", 1 << 20);
	chmod("ro.img", 0444);
	return mkdir("dir.img", 0755);
}

static int group_teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	return test_rm_tree(tmpdir);
}

#define MACHINE "[machine]\nname = node1\nkernel = bzImage\ncpus = 4\nmemory = 1G\n"
#define NODES "[numa.0]\ncpus = 0-1\nmemory = 512M\n[numa.1]\ncpus = 2-3\nmemory = 512M\n"
#define E10 "[pcie.numa0]\nbus = 0x10\nnuma = 0\n"


static void test_good(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	assert_int_equal(load_finish(MACHINE NODES E10
				     "[disk.root]\npath = good.img\nbus = numa0\nserial = abc-1\n"
				     "snapshot = yes\ndirect = yes\n"
				     "[disk.ro]\npath = ro.img\nreadonly = yes\nqueues = 1\n",
				     &cfg, err), 0);
	assert_int_equal(cfg.nr_disks, 2);
	assert_string_equal(cfg.disks[0].path, "good.img");	/* the file has no directory */
	assert_int_equal(cfg.disks[0].pcie, 0);
	assert_int_equal(cfg.disks[0].queues, 4);	/* one per vCPU */
	assert_true(cfg.disks[0].snapshot);
	assert_true(cfg.disks[0].direct);
	assert_false(cfg.disks[0].readonly);
	assert_string_equal(cfg.disks[0].serial, "abc-1");
	assert_int_equal(cfg.disks[1].pcie, -1);
	assert_int_equal(cfg.disks[1].queues, 1);
	assert_true(cfg.disks[1].readonly);
	assert_null(cfg.disks[1].serial);
	config__free(&cfg);

	/* More vCPUs than queues allow: 16. */
	assert_int_equal(load_finish("[machine]\nkernel = bzImage\ncpus = 20\nmemory = 1G\n"
				     "[disk.d]\npath = good.img\n", &cfg, err), 0);
	assert_int_equal(cfg.disks[0].queues, 16);
	config__free(&cfg);

	/* A read-only image may back a snapshot; one image, two snapshots. */
	assert_int_equal(load_finish(MACHINE "[disk.a]\npath = ro.img\nsnapshot = yes\n"
				     "[disk.b]\npath = ro.img\nsnapshot = yes\n", &cfg, err), 0);
	config__free(&cfg);
}

static void test_errors(void **state)
{
	(void)state;
	assert_error(MACHINE "[disk.d]\nreadonly = yes\n",
		     "node.ini:6: [disk.d]: path: missing (expected a raw image file or block device)");
	assert_error(MACHINE "[disk.d]\npath = nothere.img\n",
		     "node.ini:7: [disk.d] path: expected a raw image file or block device, got 'nothere.img' (No such file or directory)");
	assert_error(MACHINE "[disk.d]\npath = dir.img\n",
		     "node.ini:7: [disk.d] path: expected a raw image file or block device, got 'dir.img' (is not a regular file or block device)");
	assert_error(MACHINE "[disk.d]\npath = empty.img\n",
		     "node.ini:7: [disk.d] path: expected a raw image file or block device, got 'empty.img' (is empty)");
	assert_error(MACHINE "[disk.d]\npath = odd.img\n",
		     "node.ini:7: [disk.d] path: expected a raw image file or block device, got 'odd.img' (has 1000 bytes, not a multiple of 512)");
	assert_error(MACHINE "[disk.d]\npath = ro.img\n",
		     "node.ini:7: [disk.d] path: expected a raw image file or block device, got 'ro.img' (is read-only (mode 0444; set readonly = yes or snapshot = yes))");
	assert_error(MACHINE "[disk.a]\npath = good.img\n[disk.b]\npath = good.img\nreadonly = yes\n",
		     "node.ini:9: [disk.b] path: expected an image no other disk uses read-write, got 'good.img' (also [disk.a])");
	assert_error(MACHINE "[disk.d]\npath = good.img\nbus = nowhere\n",
		     "node.ini:8: [disk.d] bus: expected the NAME of a [pcie.NAME] section, got 'nowhere'");
	assert_error(MACHINE "[disk.d]\npath = good.img\nqueues = 17\n",
		     "node.ini:8: [disk.d] queues: expected a number between 1 and 16, got '17'");
	assert_error(MACHINE "[disk.d]\npath = good.img\nqueues = 0\n",
		     "node.ini:8: [disk.d] queues: expected a number between 1 and 16, got '0'");
	assert_error(MACHINE "[disk.d]\npath = good.img\nserial = 123456789012345678901\n",
		     "node.ini:8: [disk.d] serial: expected 1 to 20 printable characters without spaces, got '123456789012345678901'");
	assert_error(MACHINE "[disk.d]\npath = good.img\nsnapshot = maybe\n",
		     "node.ini:8: [disk.d] snapshot: expected yes or no, got 'maybe'");
	assert_error(MACHINE "[disk.d]\npath = good.img\ncache = none\n",
		     "node.ini:8: [disk.d] cache: unknown key");
	assert_error(MACHINE "[disk.d d]\npath = good.img\n",
		     "node.ini:6: [disk.d d]: expected a name of 1 to 63 characters of A-Z a-z 0-9 . _ - after the dot, got 'd d'");
	/* Disks take root ports too: 2 on an expander whose next bus is taken. */
	assert_error(MACHINE E10 "[pcie.b]\nbus = 0x12\n"
		     "[disk.a]\npath = good.img\nbus = numa0\nsnapshot = yes\n"
		     "[disk.b]\npath = good.img\nbus = numa0\nsnapshot = yes\n",
		     "node.ini:7: [pcie.numa0] bus: expected buses 0x10-0x12 free for 2 devices, got '0x10' (bus 0x12 is another expander's)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
