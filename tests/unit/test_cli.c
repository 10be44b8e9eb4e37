/*
 * The command line: every option's parsing and its one-line usage error,
 * durations, config-less boots, and --set: validation through the file's
 * own setters (errors name the --set), precedence over the file, order
 * among themselves and against --kernel/--initrd/--append. Runs in a
 * temporary directory holding a fake bzImage.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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

#include "tests/unit/fake_bzimage.h"

#include "vmm/cli.h"
#include "vmm/config.h"

static char tmpdir[] = "/tmp/mvmm-test-cli-XXXXXX";
static char oldcwd[PATH_MAX];

static const char node_ini[] =
	"[machine]\n"			/* 1 */
	"cpus = 4\n"			/* 2 */
	"memory = 2G\n"			/* 3 */
	"kernel = bzImage\n"		/* 4 */
	"[numa.0]\n"			/* 5 */
	"cpus = 0-1\n"			/* 6 */
	"memory = 1G\n"			/* 7 */
	"[numa.1]\n"			/* 8 */
	"cpus = 2-3\n"			/* 9 */
	"memory = 1G\n"			/* 10 */
	"[distance]\n"			/* 11 */
	"0-1 = 20\n";			/* 12 */

static int group_setup(void **state)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];

	(void)state;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		return -1;
	fake_bzimage(img);
	test_write_bytes("bzImage", img, sizeof(img));
	test_write_bytes("other", img, sizeof(img));
	test_write_bytes("initrd", "070701 not empty\n", 17);
	test_write_bytes("node.ini", node_ini, strlen(node_ini));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	return test_rm_tree(tmpdir);
}

/* argv from a NULL-terminated list; "mvmm" in front. */
#define MAX_ARGS 32
static int parse(struct cli *c, char *err, const char *const *args)
{
	static char *argv[MAX_ARGS + 2];
	char buf[4096];
	FILE *out = fmemopen(buf, sizeof(buf), "w");
	int argc = 0, r;

	argv[argc++] = "mvmm";
	for (; *args && argc <= MAX_ARGS; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	assert_non_null(out);
	err[0] = '\0';
	r = cli__parse(c, argc, argv, out, err, CONFIG_ERR_LEN);
	fclose(out);
	return r;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void assert_usage(const char *const *args, const char *msg)
{
	char err[CONFIG_ERR_LEN];
	struct cli c;

	assert_int_equal(parse(&c, err, args), -EINVAL);
	assert_string_equal(err, msg);
	assert_null(strchr(err, '\n'));
}

static void test_usage_errors(void **state)
{
	(void)state;
	assert_usage(ARGS("--check"), "expected --config FILE or --kernel PATH (see --help)");
	assert_usage(ARGS("--kernel"), "--kernel: expected a value (see --help)");
	assert_usage(ARGS("--kernel", "k", "--bogus"), "unknown option '--bogus' (see --help)");
	assert_usage(ARGS("-k", "k", "extra"), "unexpected argument 'extra'");
	assert_usage(ARGS("-k", "k", "--timeout", "0"),
		     "--timeout: expected a duration like 90s, 1500ms, 5m or 1h, got '0'");
	assert_usage(ARGS("-k", "k", "--timeout", "5 s"),
		     "--timeout: expected a duration like 90s, 1500ms, 5m or 1h, got '5 s'");
	assert_usage(ARGS("-k", "k", "--expect", "a(b"),
		     "--expect 'a(b': expected a POSIX extended regular expression (Unmatched ( or \\()");
	assert_usage(ARGS("-k", "k", "--fail-on", "[z-a]"),
		     "--fail-on '[z-a]': expected a POSIX extended regular expression (Invalid range end)");
	assert_usage(ARGS("-k", "k", "--report-json", ""), "--report-json: expected a file name, got ''");
	assert_usage(ARGS("-k", "k", "--console-log", ""), "--console-log: expected a file name, got ''");
	assert_usage(ARGS("-k", "k", "--check", "--expect", "x"),
		     "--check creates no VM: --expect, --fail-on, --timeout and --console-log do not apply");
}

static void test_options(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, err, ARGS("-c", "node.ini", "-k", "K", "-i", "I", "-a", "A B",
					     "--set", "machine.cpus=2", "-s", "numa.1.memory=1G",
					     "--expect", "one", "-e", "two", "--fail-on", "bad",
					     "--fail-on-kernel", "-t", "1500ms", "--console-log", "log",
					     "--report-json", "r.json", "--prefault")), 0);
	assert_string_equal(c.file, "node.ini");
	assert_string_equal(c.kernel, "K");
	assert_string_equal(c.initrd, "I");
	assert_string_equal(c.append, "A B");
	assert_int_equal(c.nr_set, 2);
	assert_string_equal(c.set[1], "numa.1.memory=1G");
	assert_int_equal(c.run.nr_expect, 2);
	assert_string_equal(c.run.expect[0], "one");	/* in order */
	assert_string_equal(c.run.expect[1], "two");
	assert_int_equal(c.run.nr_fail_on, 1);
	assert_string_equal(c.run.fail_on[0], "bad");
	assert_true(c.run.fail_on_kernel);
	assert_int_equal(c.run.timeout_ns, 1500000000ULL);
	assert_string_equal(c.run.console_log, "log");
	assert_string_equal(c.report_json, "r.json");
	assert_true(c.prefault);
	assert_false(c.check);
	/* Parsing twice (getopt state reset) gives the same result. */
	assert_int_equal(parse(&c, err, ARGS("--kernel", "K2")), 0);
	assert_string_equal(c.kernel, "K2");
	assert_null(c.file);
	assert_int_equal(c.nr_set + c.run.nr_expect + c.run.nr_fail_on, 0);
	assert_int_equal(parse(&c, err, ARGS("--help")), 1);
	assert_int_equal(parse(&c, err, ARGS("--version")), 1);
}

static void test_durations(void **state)
{
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{ "90", 90000000000ULL }, { "90s", 90000000000ULL }, { "1500ms", 1500000000ULL },
		{ "5m", 300000000000ULL }, { "1h", 3600000000000ULL }, { "1ms", 1000000ULL },
	};
	static const char *const bad[] = {
		"", "0", "0s", "s", "-1", "1.5s", "1d", "1 s", " 1", "1S", "99999999999999999999",
		"9999999999h",
	};
	uint64_t ns;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cli__parse_duration(ok[i].s, &ns), 0);
		assert_int_equal(ns, ok[i].ns);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(cli__parse_duration(bad[i], &ns) < 0);
}

/* cli__config of @args: 0 and @cfg, or the error in @err. */
static int config_of(const char *const *args, struct vm_config *cfg, char *err)
{
	struct cli c;

	assert_int_equal(parse(&c, err, args), 0);
	return cli__config(&c, cfg, err, CONFIG_ERR_LEN);
}

static void assert_config_error(const char *const *args, const char *msg)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	assert_true(config_of(args, &cfg, err) < 0);
	assert_string_equal(err, msg);
	assert_null(strchr(err, '\n'));
}

static void test_set_errors(void **state)
{
	(void)state;
	assert_config_error(ARGS("-c", "node.ini", "--set", "cpus=2"),
			    "--set cpus=2: expected SECTION.KEY=VALUE (SECTION: machine, numa.N, distance, hmat, vcpu.N, pcie.NAME, device.NAME, disk.NAME, net.NAME, vsock or pmem.NAME)");
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.cpus"),
			    "--set machine.cpus: expected SECTION.KEY=VALUE (SECTION: machine, numa.N, distance, hmat, vcpu.N, pcie.NAME, device.NAME, disk.NAME, net.NAME, vsock or pmem.NAME)");
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.=2"),
			    "--set machine.=2: expected SECTION.KEY=VALUE (SECTION: machine, numa.N, distance, hmat, vcpu.N, pcie.NAME, device.NAME, disk.NAME, net.NAME, vsock or pmem.NAME)");
	assert_config_error(ARGS("-c", "node.ini", "--set", "numa.cpus=1"),
			    "--set numa.cpus=1: expected SECTION.KEY=VALUE (SECTION: machine, numa.N, distance, hmat, vcpu.N, pcie.NAME, device.NAME, disk.NAME, net.NAME, vsock or pmem.NAME)");
	assert_config_error(ARGS("-c", "node.ini", "--set", "gpu.0.x=1"),
			    "--set gpu.0.x=1: expected SECTION.KEY=VALUE (SECTION: machine, numa.N, distance, hmat, vcpu.N, pcie.NAME, device.NAME, disk.NAME, net.NAME, vsock or pmem.NAME)");
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.cpuz=2"),
			    "--set machine.cpuz=2: [machine] cpuz: unknown key");
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.memory=12Q"),
			    "--set machine.memory=12Q: [machine] memory: expected a size like 512M or 8G, got '12Q'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.shutdown_timeout=-5s"),
			    "--set machine.shutdown_timeout=-5s: [machine] shutdown_timeout: expected a duration like 30s, 1500ms, 5m or 0, got '-5s'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "numa.16.cpus=0"),
			    "--set numa.16.cpus=0: [numa.16]: expected a node number between 0 and 15, got '16'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "numa.1.policy=random"),
			    "--set numa.1.policy=random: [numa.1] policy: expected bind, preferred or interleave, got 'random'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "distance.0-1=5"),
			    "--set distance.0-1=5: [distance] 0-1: expected a distance between 11 and 255 (10 is local), got '5'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "hmat.latency.0-1=0"),
			    "--set hmat.latency.0-1=0: [hmat] latency.0-1: expected a latency in nanoseconds between 1 and 1000000000, got '0'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.shared=maybe"),
			    "--set machine.shared=maybe: [machine] shared: expected yes or no, got 'maybe'");
	/* Cross-checks after parsing name the --set as their origin. */
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.cpus=3"),
			    "node.ini:9: [numa.1] cpus: expected vCPUs below [machine] cpus = 3, got '2-3'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "numa.1.cpus=2-4"),
			    "--set numa.1.cpus: expected vCPUs below [machine] cpus = 4, got '2-4'");
	assert_config_error(ARGS("-c", "node.ini", "--set", "numa.1.cpus=1-3"),
			    "--set numa.1.cpus: expected vCPUs of no other node, got '1-3' (vCPU 1 is also in node.ini:6: [numa.0] cpus)");
	assert_config_error(ARGS("-c", "node.ini", "--set", "machine.kernel=nothere"),
			    "--set machine.kernel: 'nothere': cannot open: No such file or directory");
}

static void test_set_precedence(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	/* --set replaces the file's value, a later --set the earlier one. */
	assert_int_equal(config_of(ARGS("-c", "node.ini", "--set", "distance.0-1=31",
					"--set", "machine.memory=4G", "--set", "numa.1.memory=2G",
					"--set", "numa.1.memory=3G", "--set", "numa.1.host_node=0",
					"--set", "vcpu.3.host_cpus=0"), &cfg, err), 0);
	assert_int_equal(cfg.numa->distance[0][1], 31);
	assert_int_equal(cfg.numa->distance_line[0][1], CONFIG_LINE_SET);
	assert_int_equal(cfg.memory, 4ULL << 30);
	assert_int_equal(cfg.numa->node[1].memory, 3ULL << 30);
	assert_int_equal(cfg.numa->node[0].memory, 1ULL << 30);	/* untouched */
	assert_true(idset__has(&cfg.numa->node[1].host_nodes, 0));
	assert_true(idset__has(&cfg.numa->vcpu[3].host_cpus, 0));
	assert_int_equal(cfg.line.memory, CONFIG_LINE_SET);
	assert_int_equal(cfg.line.cpus, 2);		/* still the file's */
	config__free(&cfg);

	/* --kernel wins over a --set of the kernel; a --set may add a section
	 * the file lacks. */
	assert_int_equal(config_of(ARGS("-c", "node.ini", "--set", "machine.kernel=other",
					"--kernel", "bzImage", "--set", "hmat.latency.0-1=120",
					"--set", "device.acc.0.type=mock-accel",
					"--set", "device.acc.0.vfs=2"), &cfg, err), 0);
	assert_string_equal(cfg.kernel, "bzImage");
	assert_int_equal(cfg.numa->hmat_pair[0][1].latency_ns, 120);
	assert_int_equal(cfg.nr_devices, 1);
	assert_string_equal(cfg.devices[0].name, "acc.0");	/* names may hold dots */
	assert_int_equal(cfg.devices[0].vfs, 2);
	config__free(&cfg);
}

static void test_configless(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	(void)state;
	assert_int_equal(config_of(ARGS("--kernel", "bzImage", "--initrd", "initrd"), &cfg, err), 0);
	assert_null(cfg.file);
	assert_string_equal(cfg.name, "mvmm");
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.memory, 512ULL << 20);
	assert_string_equal(cfg.cmdline, "console=ttyS0");
	assert_string_equal(cfg.kernel, "bzImage");
	assert_string_equal(cfg.initrd, "initrd");
	assert_null(cfg.numa);
	config__free(&cfg);

	assert_int_equal(config_of(ARGS("--kernel", "bzImage", "--set", "machine.cpus=2",
					"--set", "machine.memory=1G", "--append", "quiet",
					"--set", "machine.shutdown_timeout=1500ms"), &cfg, err), 0);
	assert_int_equal(cfg.shutdown_timeout_ns, 1500000000ULL);
	assert_int_equal(cfg.line.shutdown_timeout, CONFIG_LINE_SET);
	assert_int_equal(cfg.cpus, 2);
	assert_int_equal(cfg.memory, 1ULL << 30);
	assert_string_equal(cfg.cmdline, "quiet");
	config__free(&cfg);

	/* Without a file, an error has no file to name. */
	assert_config_error(ARGS("--kernel", "bzImage", "--set", "machine.cpus=0"),
			    "--set machine.cpus=0: [machine] cpus: expected a number between 1 and 255, got '0'");
	assert_config_error(ARGS("--kernel", "nothere"),
			    "--kernel: 'nothere': cannot open: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_set_precedence),
		cmocka_unit_test(test_configless),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
