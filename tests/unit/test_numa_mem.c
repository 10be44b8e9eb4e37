/*
 * Guest RAM backing and binding (numa/mem.c) and the placement report
 * (numa/report.c), on this machine's real kernel: mappings are made, bound
 * with mbind to host node 0 and touched, and the report must find exactly
 * the touched pages on node 0 via move_pages; threads named like vCPU
 * threads must show the affinity they were started with.
 */
#include <errno.h>
#include <sys/mman.h>
#include <numaif.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "numa/host.h"
#include "numa/mem.h"
#include "numa/pin.h"
#include "numa/plan.h"
#include "numa/report.h"
#include "numa_test_util.h"
#include "vmm/gmem.h"
#include "vmm/util.h"

static char err[CONFIG_ERR_LEN];

struct rig {
	struct vm_config cfg;
	struct topology *t;
	struct numa_host h;
	struct gmem mem;
};

/* Config, topology and plan on the real host, then numa_mem__map. */
static int rig_map(struct rig *r, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->t = nt_topology(text, &r->cfg);
	assert_int_equal(numa_host__probe(&r->h), 0);
	if (numa_plan__resolve(r->t, &r->cfg, &r->h, err, sizeof(err)) < 0)
		fail_msg("plan: %s", err);
	gmem__init(&r->mem);
	return numa_mem__map(&r->mem, r->t, &r->cfg, err, sizeof(err));
}

static void rig_done(struct rig *r)
{
	gmem__destroy(&r->mem);
	nt_done(r->t, &r->cfg);
}

/* Touch @n pages from guest-physical @gpa. */
static void touch(struct rig *r, uint64_t gpa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = gmem__ptr(&r->mem, gpa + (uint64_t)i * SZ_4K, 1);

		assert_non_null(p);
		*p = 1;
	}
}

#define NODES "[numa.0]\ncpus = 0\nmemory = 64M\nhost_node = 0\n" \
	      "[numa.1]\ncpus = 1\nmemory = 64M\n"
#define TWO_NODES "[machine]\n" NODES

/* Two guest nodes, one bound to host node 0: the regions carry their node,
 * and the report counts exactly the touched pages, all on host node 0. */
static void test_bind_and_report(void **state)
{
	struct numa_report rep;
	struct rig r;

	(void)state;
	assert_int_equal(rig_map(&r, TWO_NODES), 0);
	assert_int_equal(r.mem.nr, 2);
	assert_int_equal(r.mem.regions[0].guest_node, 0);
	assert_int_equal(r.mem.regions[1].guest_node, 1);
	assert_int_equal(r.mem.regions[1].gpa, 64ULL << 20);
	touch(&r, 0, 100);
	touch(&r, 64ULL << 20, 7);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "test"), 0);
	assert_int_equal(rep.node[0].pages, 64ULL << 20 >> 12);
	/* Transparent huge pages may back more than was touched. */
	assert_true(rep.node[0].present >= 100);
	assert_int_equal(rep.node[0].on[0], rep.node[0].present);
	assert_int_equal(rep.node[0].off_plan, 0);
	assert_true(rep.node[1].present >= 7);
	assert_int_equal(rep.node[1].off_plan, 0);	/* not bound: nothing is off */
	numa_report__free(&rep);

	/* Now claim node 0 should be on host node 1: every page is off-plan. */
	idset__clear(&r.t->node[0].host_nodes);
	idset__add(&r.t->node[0].host_nodes, 1);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "test"), 0);
	assert_int_equal(rep.node[0].off_plan, rep.node[0].present);
	assert_true(rep.off_plan >= 1);
	numa_report__free(&rep);
	rig_done(&r);
}

/* A pmem file @path of @size, mapped shared (or private) and bound to guest
 * node 0 of @r (host node 0). Returns numa_mem__bind_pmem's result. */
static int map_pmem(struct rig *r, const char *path, bool shared, void **hva)
{
	uint64_t size = 2 * SZ_1M;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), ret;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);	/* sparse */
	*hva = mmap(NULL, size, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	assert_true(*hva != MAP_FAILED);
	ret = numa_mem__bind_pmem(*hva, size, fd, shared, &r->t->node[0], err, sizeof(err));
	close(fd);
	unlink(path);
	if (ret >= 0)
		assert_int_equal(gmem__add_pmem(&r->mem, 1ULL << 32, size, *hva, 0,
						GMEM_PMEM_OWNED | (ret == 1 ? GMEM_PMEM_BOUND : 0)), 0);
	return ret;
}

/* A file name on a file system that is not tmpfs (the build tree's, else
 * /var/tmp's). */
static const char *disk_file(void)
{
	static const char *const dir[] = { ".", "/var/tmp" }, *const file[] = {
		"mvmm-test-pmem", "/var/tmp/mvmm-test-pmem" };
	struct statfs sfs;

	for (unsigned i = 0; i < 2; i++)
		if (!statfs(dir[i], &sfs) && sfs.f_type != TMPFS_MAGIC)
			return file[i];
	fail_msg("no disk file system for the test file");
	return NULL;
}

/* pmem on tmpfs (or mapped private) takes its node's policy, a shared
 * mapping of a file elsewhere does not; the report counts pmem pages apart
 * from the node's RAM and judges them only where bound. */
static void test_pmem_binding(void **state)
{
	unsigned long mask = 0;
	struct numa_report rep;
	struct rig r;
	int mode = -1;
	void *hva;

	(void)state;
	assert_int_equal(rig_map(&r, TWO_NODES), 0);
	assert_int_equal(map_pmem(&r, "/dev/shm/mvmm-test-pmem", true, &hva), 1);
	assert_int_equal(get_mempolicy(&mode, &mask, 64, hva, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_BIND);
	assert_int_equal(mask, 1);
	memset(hva, 0x5a, 3 * SZ_4K);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "test"), 0);
	assert_int_equal(rep.nr_pmem, 1);
	assert_true(rep.pmem[0].bound);
	assert_int_equal(rep.pmem[0].guest_node, 0);
	assert_int_equal(rep.pmem[0].n.pages, 2 * SZ_1M / SZ_4K);
	assert_int_equal(rep.pmem[0].n.present, 3);
	assert_int_equal(rep.pmem[0].n.on[0], 3);
	assert_int_equal(rep.node[0].present, 0);	/* not the node's RAM */
	numa_report__free(&rep);
	/* Judged against the plan: claimed on host node 1, all off-plan. */
	idset__clear(&r.t->node[0].host_nodes);
	idset__add(&r.t->node[0].host_nodes, 1);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "test"), 0);
	assert_int_equal(rep.pmem[0].n.off_plan, 3);
	assert_true(rep.off_plan >= 1);
	numa_report__free(&rep);
	rig_done(&r);

	/* A shared file on a disk file system (not tmpfs): left to the page
	 * cache, so neither bound nor judged. */
	assert_int_equal(rig_map(&r, TWO_NODES), 0);
	assert_int_equal(map_pmem(&r, disk_file(), true, &hva), 0);
	assert_int_equal(get_mempolicy(&mode, &mask, 64, hva, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_DEFAULT);
	memset(hva, 0x5a, SZ_4K);
	idset__clear(&r.t->node[0].host_nodes);
	idset__add(&r.t->node[0].host_nodes, 1);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "test"), 0);
	assert_false(rep.pmem[0].bound);
	assert_int_equal(rep.pmem[0].n.present, 1);
	assert_int_equal(rep.pmem[0].n.off_plan, 0);
	numa_report__free(&rep);
	rig_done(&r);

	/* Private (copy-on-write) pages are anonymous: bound anywhere. */
	assert_int_equal(rig_map(&r, TWO_NODES), 0);
	assert_int_equal(map_pmem(&r, disk_file(), false, &hva), 1);
	/* A device node in /dev (devtmpfs: tmpfs's magic) is not a tmpfs file:
	 * a devdax's pages are the device's. */
	{
		struct topo_node nd = r.t->node[0];
		int fd = open("/dev/zero", O_RDWR);
		void *p;

		assert_true(fd >= 0);
		p = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(p != MAP_FAILED);
		assert_int_equal(numa_mem__bind_pmem(p, SZ_1M, fd, true, &nd, err, sizeof(err)), 0);
		munmap(p, SZ_1M);
		close(fd);
	}
	rig_done(&r);
}

/* prefault: every page exists before the guest could touch one. */
static void test_prefault(void **state)
{
	struct numa_report rep;
	struct rig r;

	(void)state;
	assert_int_equal(rig_map(&r, "[machine]\nmemory = 128M\nprefault = yes\n"
				 "[numa.0]\ncpus = 0\nmemory = 128M\nhost_node = 0\n"), 0);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "test"), 0);
	assert_int_equal(rep.node[0].present, 128ULL << 20 >> 12);
	assert_int_equal(rep.node[0].on[0], 128ULL << 20 >> 12);
	numa_report__free(&rep);
	rig_done(&r);
}

/* Does /proc/self/smaps flag the mapping at @addr with @flag (VmFlags)? */
static bool vm_flag(const void *addr, const char *flag)
{
	char line[512], want[32];
	bool in = false, found = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strspn(line, "0123456789abcdef");

		if (n > 0 && line[n] == '-')	/* a mapping's header line */
			in = !strncmp(line, want, strlen(want));
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			char pat[8];

			snprintf(pat, sizeof(pat), " %s", flag);
			found = strstr(line, pat) != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Anonymous RAM asks for transparent huge pages (VmFlags "hg",
 * MADV_HUGEPAGE) unless thp = no; hugetlb RAM never does. */
static void test_thp(void **state)
{
	struct rig r;

	(void)state;
	assert_int_equal(rig_map(&r, TWO_NODES), 0);
	assert_true(r.cfg.thp);
	assert_true(vm_flag(r.mem.regions[0].hva, "hg"));
	assert_true(vm_flag(r.mem.regions[1].hva, "hg"));
	rig_done(&r);
	assert_int_equal(rig_map(&r, "[machine]\nthp = no\n" NODES), 0);
	assert_false(r.cfg.thp);
	assert_false(vm_flag(r.mem.regions[0].hva, "hg"));
	assert_false(vm_flag(r.mem.regions[1].hva, "hg"));
	rig_done(&r);
}

/* mem_path: a directory gets an unlinked file, mapped shared; a regular
 * file is mapped at each range's offset. */
static void test_mem_path(void **state)
{
	char text[512], path[160];
	struct numa_report rep;
	struct rig r;
	FILE *f;
	uint8_t buf[4];

	(void)state;
	snprintf(text, sizeof(text), "[machine]\nmem_path = %s\nshared = yes\n" NODES,
		 nt_dir);
	assert_int_equal(rig_map(&r, text), 0);
	touch(&r, 64ULL << 20, 3);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "test"), 0);
	assert_true(rep.node[1].present >= 3);
	numa_report__free(&rep);
	rig_done(&r);

	/* A file whose second 64M holds a marker: node 1's RAM starts there. */
	snprintf(path, sizeof(path), "%s/ram", nt_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, 64 << 20, SEEK_SET), 0);
	fputs("MVMM", f);
	assert_int_equal(ftruncate(fileno(f), 128 << 20), 0);
	fclose(f);
	snprintf(text, sizeof(text), "[machine]\nmem_path = %s\n" NODES, path);
	assert_int_equal(rig_map(&r, text), 0);
	assert_int_equal(gmem__read(&r.mem, 64ULL << 20, buf, 4), 0);
	assert_memory_equal(buf, "MVMM", 4);
	touch(&r, 64ULL << 20, 1);	/* private: the file keeps its bytes */
	rig_done(&r);
	f = fopen(path, "r");
	assert_int_equal(fseek(f, 64 << 20, SEEK_SET), 0);
	assert_int_equal(fread(buf, 1, 4, f), 4);
	fclose(f);
	assert_memory_equal(buf, "MVMM", 4);
}

/* Huge pages the host does not have: a clear error, no crash. */
static void test_no_hugepages(void **state)
{
	struct rig r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.t = nt_topology("[machine]\nmemory = 128M\nhugepages = 2M\n", &r.cfg);
	assert_int_equal(numa_host__probe(&r.h), 0);
	if (numa_host__free_huge(&r.h, 0, SZ_2M) >= 64) {
		nt_done(r.t, &r.cfg);
		skip();
	}
	/* The plan refuses it already; mapping anyway fails cleanly too. */
	assert_int_equal(numa_plan__resolve(r.t, &r.cfg, &r.h, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "free 2M huge pages"));
	gmem__init(&r.mem);
	assert_true(numa_mem__map(&r.mem, r.t, &r.cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "huge pages: not enough free (fix: raise /proc/sys/vm/nr_hugepages"));
	rig_done(&r);
}

static pthread_barrier_t barrier;

static void *parked(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);	/* reported */
	pthread_barrier_wait(&barrier);	/* released */
	return NULL;
}

/* A thread started with numa_pin__attr is on its CPUs from the start; the
 * report names it by its "vcpuN" name and compares with the plan. */
static void test_threads(void **state)
{
	struct numa_report rep;
	struct idset one;
	pthread_attr_t attr;
	pthread_t th;
	struct rig r;
	unsigned i, found = 0;
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(rig_map(&r, "[machine]\ncpus = 2\n"), 0);
	idset__clear(&one);
	idset__add(&one, idset__next(&r.h.allowed_cpus, 0));
	r.t->vcpu[0].host_cpus = one;
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(numa_pin__attr(&attr, &one), 0);
	assert_int_equal(pthread_create(&th, &attr, parked, NULL), 0);
	pthread_attr_destroy(&attr);
	pthread_setname_np(th, "vcpu0");

	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "start"), 0);
	assert_int_equal(rep.vcpus_missing, 1);		/* no vcpu1 thread */
	for (i = 0; i < rep.nr_threads; i++) {
		const struct numa_report_thread *x = &rep.thread[i];

		if (x->vcpu == 0) {
			found++;
			assert_true(idset__equal(&x->affinity, &one));
			assert_true(x->ok);
		} else {
			assert_int_equal(x->vcpu, -1);
			assert_true(idset__equal(&x->planned, &r.h.allowed_cpus));
		}
	}
	assert_int_equal(found, 1);
	assert_int_equal(rep.off_plan, 1);	/* the missing vcpu1 */
	f = open_memstream(&json, &len);
	numa_report__json(&rep, r.t, f);
	fclose(f);
	assert_non_null(strstr(json, "{\"when\": \"start\", \"pid\": "));
	assert_non_null(strstr(json, "\"name\": \"vcpu0\", \"vcpu\": 0, \"affinity\": "));
	assert_non_null(strstr(json, "{\"guest_node\": 0, \"host_nodes\": \"\", \"policy\": \"none\", \"pages\": "));
	free(json);
	numa_report__free(&rep);

	/* Planned elsewhere than it runs: off-plan, and said so. */
	idset__clear(&r.t->vcpu[0].host_cpus);
	idset__add(&r.t->vcpu[0].host_cpus, 1000);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "signal"), 0);
	assert_int_equal(rep.off_plan, 2);
	f = open_memstream(&json, &len);
	numa_report__print(&rep, r.t, f);
	fclose(f);
	assert_non_null(strstr(json, "placement report (signal)"));
	assert_non_null(strstr(json, "2 item(s) OFF-PLAN"));
	assert_non_null(strstr(json, " 1000             OFF-PLAN"));
	free(json);
	numa_report__free(&rep);

	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&barrier);
	rig_done(&r);
}

/* A thread outside the process (a vhost worker is a kernel thread on
 * Linux < 6.4): added with its name and affinity, judged against its plan. */
static void test_outside_thread(void **state)
{
	struct numa_report rep;
	struct idset bad;
	struct rig r;
	unsigned n, off0;
	pid_t child;
	int pfd[2];
	char c;

	(void)state;
	assert_int_equal(rig_map(&r, "[machine]\ncpus = 1\n"), 0);
	assert_int_equal(pipe(pfd), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive a failed test */
		prctl(PR_SET_NAME, "vhost-1");
		close(pfd[0]);
		(void)!write(pfd[1], "x", 1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);	/* named by now */
	close(pfd[0]);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "start"), 0);
	n = rep.nr_threads;
	off0 = rep.off_plan;	/* the missing vcpu0 */
	assert_int_equal(numa_report__add_thread(&rep, child, &r.h.allowed_cpus), 0);
	assert_int_equal(rep.nr_threads, n + 1);
	assert_int_equal(rep.thread[n].tid, child);
	assert_string_equal(rep.thread[n].name, "vhost-1");
	assert_int_equal(rep.thread[n].vcpu, -1);
	assert_true(rep.thread[n].ok);
	assert_int_equal(rep.off_plan, off0);
	/* Already listed: re-planned, not added twice. */
	idset__clear(&bad);
	idset__add(&bad, 1000);
	assert_int_equal(numa_report__add_thread(&rep, child, &bad), 0);
	assert_int_equal(rep.nr_threads, n + 1);
	assert_false(rep.thread[n].ok);
	assert_int_equal(rep.off_plan, off0 + 1);
	numa_report__free(&rep);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* Gone: an error, nothing added. */
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "exit"), 0);
	n = rep.nr_threads;
	assert_int_equal(numa_report__add_thread(&rep, child, &bad), -ESRCH);
	assert_int_equal(rep.nr_threads, n);
	numa_report__free(&rep);
	rig_done(&r);
}

/* The JSON file is replaced whole: a reader sees the old or the new one. */
static void test_write_json(void **state)
{
	struct numa_report rep;
	char path[160], tmp[176];
	struct stat st;
	struct rig r;
	char *text;
	FILE *f;
	long n;

	(void)state;
	assert_int_equal(rig_map(&r, TWO_NODES), 0);
	touch(&r, 0, 10);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "exit"), 0);
	snprintf(path, sizeof(path), "%s/report.json", nt_dir);
	assert_int_equal(numa_report__write_json(&rep, r.t, path), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(stat(tmp, &st), -1);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, n + 1);
	assert_int_equal(fread(text, 1, n, f), n);
	fclose(f);
	assert_non_null(strstr(text, "{\"when\": \"exit\""));
	assert_non_null(strstr(text, "\"policy\": \"bind\""));
	assert_non_null(strstr(text, "\"on_host_node\": {\"0\": "));
	assert_non_null(strstr(text, "\"off_plan_pages\": 0, \"ok\": true}"));
	assert_int_equal(text[n - 1], '\n');
	free(text);
	numa_report__free(&rep);
	snprintf(path, sizeof(path), "%s/no/such/dir/r.json", nt_dir);
	assert_int_equal(numa_report__collect(&rep, r.t, &r.mem, "exit"), 0);
	assert_int_equal(numa_report__write_json(&rep, r.t, path), -ENOENT);
	numa_report__free(&rep);
	rig_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_and_report),
		cmocka_unit_test(test_prefault),
		cmocka_unit_test(test_pmem_binding),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_mem_path),
		cmocka_unit_test(test_no_hugepages),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_outside_thread),
		cmocka_unit_test(test_write_json),
	};

	return cmocka_run_group_tests(tests, nt_setup, nt_teardown);
}
