/* Preflight: each need a config has of the host process is listed, judged
 * against a given process (capabilities, groups, limits, MemAvailable, device
 * access) and, when missing, refused with one line naming its config key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/capability.h>

#include "vmm/config.h"
#include "vmm/preflight.h"

#define CAPS_ROOT	(~0ULL)
#define MIB		(1ULL << 20)

static int rw_yes(const char *path)
{
	(void)path;
	return 0;
}

static int rw_no_kvm(const char *path)
{
	return strcmp(path, "/dev/kvm") ? 0 : EACCES;
}

/* TAP "mine" belongs to uid 1000, "ours" to group 2000, "theirs" to nobody. */
static int fake_owner(const char *ifname, long *uid, long *gid)
{
	*uid = *gid = -1;
	if (!strcmp(ifname, "mine"))
		*uid = 1000;
	else if (!strcmp(ifname, "ours"))
		*gid = 2000;
	else if (strcmp(ifname, "theirs"))
		return -ENODEV;
	return 0;
}

static struct preflight_host host(uint64_t caps)
{
	struct preflight_host h = {
		.cap_eff = caps, .euid = 1000, .egid = 1000, .nr_groups = 1, .groups = { 3000 },
		.nofile = { .rlim_cur = 1024, .rlim_max = 4096 }, .mem_available = 8192 * MIB,
		.can_rw = rw_yes, .tap_owner = fake_owner, .kvm_nested = -1,
	};
	return h;
}

static struct vm_config base(void)
{
	struct vm_config c = { .file = "t.ini", .cpus = 2, .memory = 1024 * MIB };

	c.line.memory = 3;
	return c;
}

static const struct preflight_item *find(const struct preflight *pf, const char *what)
{
	unsigned i;

	for (i = 0; i < pf->nr; i++)
		if (!strcmp(pf->item[i].what, what))
			return &pf->item[i];
	return NULL;
}

static void check_fails(const struct vm_config *c, const struct preflight_host *h,
			const char *msg)
{
	struct preflight *pf = calloc(1, sizeof(*pf));
	char err[CONFIG_ERR_LEN];

	assert_non_null(pf);
	preflight__collect(pf, c, h);
	assert_true(preflight__check(pf, c, err, sizeof(err)) < 0);
	assert_string_equal(err, msg);
	free(pf);
}

static void check_ok(const struct vm_config *c, const struct preflight_host *h)
{
	struct preflight *pf = calloc(1, sizeof(*pf));
	char err[CONFIG_ERR_LEN] = "";

	assert_non_null(pf);
	preflight__collect(pf, c, h);
	assert_int_equal(preflight__check(pf, c, err, sizeof(err)), 0);
	free(pf);
}

/* A plain VM needs /dev/kvm, its open files and its memory, nothing else. */
static void test_plain(void **state)
{
	struct vm_config c = base();
	struct preflight_host h = host(0);
	struct preflight pf;

	(void)state;
	preflight__collect(&pf, &c, &h);
	assert_int_equal(pf.nr, 3);
	assert_non_null(find(&pf, "/dev/kvm"));
	assert_non_null(find(&pf, "RLIMIT_NOFILE"));
	assert_non_null(find(&pf, "memory"));
	assert_null(find(&pf, "CAP_NET_ADMIN"));
	check_ok(&c, &h);
	h.can_rw = rw_no_kvm;
	check_fails(&c, &h, "t.ini: expected read-write access to /dev/kvm (every VM), got: Permission denied (run mvmm as root or as a member of the kvm group)");
}

/* Every vCPU, device function, queue and NIC raises the bound. */
static void test_nofile_bound(void **state)
{
	struct config_disk disk = { .name = "d", .queues = 4 };
	struct config_net net = { .name = "n", .tap = "mine", .queues = 2 };
	struct config_device dev = { .name = "a", .vfs = 2 };
	struct vm_config c = base();
	unsigned n0, n;

	(void)state;
	n0 = preflight__nofile(&c);
	c.cpus = 3;
	assert_int_equal(preflight__nofile(&c), n0 + 1);
	n = preflight__nofile(&c);
	c.disks = &disk;
	c.nr_disks = 1;
	assert_true(preflight__nofile(&c) >= n + 4 * 4);
	n = preflight__nofile(&c);
	disk.queues = 8;
	assert_true(preflight__nofile(&c) >= n + 4 * 4);
	n = preflight__nofile(&c);
	c.nets = &net;
	c.nr_nets = 1;
	assert_true(preflight__nofile(&c) >= n + 2 * 7);
	n = preflight__nofile(&c);
	c.devices = &dev;
	c.nr_devices = 1;
	assert_true(preflight__nofile(&c) >= n + 3);
	n = preflight__nofile(&c);
	c.vsock.present = true;
	assert_true(preflight__nofile(&c) >= n + 7);
}

/* Over the hard limit: refused unless CAP_SYS_RESOURCE; over the soft one
 * only: raised. */
static void test_nofile_limit(void **state)
{
	struct vm_config c = base();
	struct preflight_host h = host(0);
	struct preflight pf;
	char msg[512];
	unsigned need = preflight__nofile(&c);

	(void)state;
	h.nofile.rlim_cur = h.nofile.rlim_max = need - 1;
	snprintf(msg, sizeof(msg), "t.ini: expected RLIMIT_NOFILE of at least %u (%u open files at most: 2 vCPUs, 0 devices, 0 disks, 0 NICs), got a hard limit of %u (raise it: ulimit -Hn %u)",
		 need, need, need - 1, need);
	check_fails(&c, &h, msg);
	h.cap_eff = 1ULL << CAP_SYS_RESOURCE;
	check_ok(&c, &h);
	preflight__collect(&pf, &c, &h);
	assert_true(pf.raise_nofile);
	h.nofile.rlim_cur = need;
	preflight__collect(&pf, &c, &h);
	assert_false(pf.raise_nofile);
}

/* preflight__apply raises this process's soft limit to the bound. */
static void test_nofile_apply(void **state)
{
	struct vm_config c = base();
	struct preflight_host h;
	struct preflight pf;
	int st;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct rlimit rl;

		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = 8;
		if (setrlimit(RLIMIT_NOFILE, &rl) || preflight__host(&h) || h.nofile.rlim_cur != 8)
			_exit(2);
		preflight__collect(&pf, &c, &h);
		if (!pf.raise_nofile || preflight__apply(&pf) || getrlimit(RLIMIT_NOFILE, &rl))
			_exit(3);
		_exit(rl.rlim_cur == pf.nofile_need ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A bridge always needs CAP_NET_ADMIN; a TAP only if neither its owner nor
 * one of its group's members runs mvmm. */
static void test_net_caps(void **state)
{
	struct config_net net = { .name = "eth0", .bridge = "br0", .queues = 1 };
	struct vm_config c = base();
	struct preflight_host h = host(0);

	(void)state;
	net.line.bridge = 7;
	net.line.tap = 8;
	c.nets = &net;
	c.nr_nets = 1;
	check_fails(&c, &h, "t.ini:7: [net.eth0] bridge: expected CAP_NET_ADMIN to create a TAP on bridge br0, this process lacks it (run mvmm as root, or use tap = with a TAP you own)");
	h.cap_eff = 1ULL << CAP_NET_ADMIN;
	check_ok(&c, &h);
	h.cap_eff = 0;
	net.bridge = NULL;
	net.tap = "mine";
	check_ok(&c, &h);
	net.tap = "ours";
	check_fails(&c, &h, "t.ini:8: [net.eth0] tap: expected CAP_NET_ADMIN to attach to TAP ours, which is neither this user's nor its group's (run mvmm as root, or ip tuntap add ours mode tap user USER)");
	h.groups[0] = 2000;
	check_ok(&c, &h);
	net.tap = "theirs";
	check_fails(&c, &h, "t.ini:8: [net.eth0] tap: expected CAP_NET_ADMIN to attach to TAP theirs, which is neither this user's nor its group's (run mvmm as root, or ip tuntap add theirs mode tap user USER)");
	h.cap_eff = CAPS_ROOT;
	check_ok(&c, &h);
}

static int rw_no_vhost(const char *path)
{
	return strncmp(path, "/dev/vhost", 10) ? 0 : ENOENT;
}

/* vhost devices only when the config uses them. */
static void test_vhost_access(void **state)
{
	struct config_net net = { .name = "eth0", .tap = "mine", .queues = 1,
				  .vhost = CONFIG_VHOST_NO };
	struct vm_config c = base();
	struct preflight_host h = host(0);

	(void)state;
	net.line.vhost = 9;
	c.nets = &net;
	c.nr_nets = 1;
	h.can_rw = rw_no_vhost;
	check_ok(&c, &h);
	net.vhost = CONFIG_VHOST_YES;
	check_fails(&c, &h, "t.ini:9: [net.eth0] vhost: expected read-write access to /dev/vhost-net (the in-kernel virtio-net data path), got: No such file or directory (modprobe vhost_net, or vhost = no)");
	net.vhost = CONFIG_VHOST_NO;
	c.vsock.present = true;
	c.vsock.line.header = 12;
	unsetenv("MVMM_VHOST_VSOCK");
	check_fails(&c, &h, "t.ini:12: [vsock]: expected read-write access to /dev/vhost-vsock ([vsock], the guest's virtio-vsock), got: No such file or directory (modprobe vhost_vsock)");
}

/* user = needs the two capabilities to drop. */
static void test_drop_caps(void **state)
{
	struct vm_config c = base();
	struct preflight_host h = host(1ULL << CAP_SETUID);

	(void)state;
	c.drop = true;
	c.user = "nobody";
	c.line.user = 5;
	check_fails(&c, &h, "t.ini:5: [machine] user: expected CAP_SETUID and CAP_SETGID to drop to 'nobody', this process lacks them (start mvmm as root)");
	h.cap_eff |= 1ULL << CAP_SETGID;
	check_ok(&c, &h);
}

/* nested = yes: the loaded KVM module's parameter; no module: not judged. */
static void test_nested(void **state)
{
	struct vm_config c = base();
	struct preflight_host h = host(0);
	struct preflight pf;

	(void)state;
	c.nested = true;
	c.line.nested = 6;
	h.kvm_nested = 0;
	strcpy(h.kvm_module, "kvm_amd");
	check_fails(&c, &h, "t.ini:6: [machine] nested: expected kvm_amd's nested parameter on, got off (modprobe -r kvm_amd && modprobe kvm_amd nested=1)");
	h.kvm_nested = 1;
	check_ok(&c, &h);
	preflight__collect(&pf, &c, &h);
	assert_non_null(find(&pf, "nested KVM"));
	h.kvm_nested = -1;
	preflight__collect(&pf, &c, &h);
	assert_null(find(&pf, "nested KVM"));
	c.nested = false;
	h.kvm_nested = 0;
	preflight__collect(&pf, &c, &h);
	assert_null(find(&pf, "nested KVM"));
}

/* Guest RAM against MemAvailable (hugetlb RAM is not counted); sparse
 * device memory only gives a note. */
static void test_memory(void **state)
{
	struct config_device dev = { .name = "acc0", .vfs = 2, .vf_memory_size = 512 * MIB };
	struct vm_config c = base();
	struct preflight_host h = host(0);
	struct preflight pf;

	(void)state;
	h.mem_available = 1500 * MIB;
	check_ok(&c, &h);
	preflight__collect(&pf, &c, &h);
	assert_string_equal(pf.warning, "");
	c.devices = &dev;
	c.nr_devices = 1;
	check_ok(&c, &h);
	preflight__collect(&pf, &c, &h);
	assert_string_equal(pf.warning, "device memory: 1024 MiB, sparse; a guest that writes all of it and its RAM needs 548 MiB more than the host has available");
	h.mem_available = 1000 * MIB;
	check_fails(&c, &h, "t.ini:3: [machine] memory: expected guest RAM within the host's 1000 MiB available (MemAvailable), got 1024 MiB (lower it, or free host memory)");
	c.hugepages = 2 * MIB;
	check_ok(&c, &h);
	h.mem_available = 0;	/* unknown: not judged */
	c.hugepages = 0;
	check_ok(&c, &h);
}

/* This process's own view: root has every capability, /proc gives memory. */
static void test_host_self(void **state)
{
	struct preflight_host h;

	(void)state;
	assert_int_equal(preflight__host(&h), 0);
	assert_int_equal(h.euid, geteuid());
	assert_true(h.mem_available > 0);
	if (!geteuid())
		assert_true(h.cap_eff & (1ULL << CAP_NET_ADMIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_nofile_bound),
		cmocka_unit_test(test_nofile_limit),
		cmocka_unit_test(test_nofile_apply),
		cmocka_unit_test(test_net_caps),
		cmocka_unit_test(test_vhost_access),
		cmocka_unit_test(test_drop_caps),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_host_self),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
