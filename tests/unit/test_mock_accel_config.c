/*
 * The reference cluster configs (configs/node1.ini, configs/node2.ini) and
 * their test-host variant (tests/guest/configs/accel-node.ini), loaded as
 * mvmm loads them and planned on a fixture two-node host: the shape the
 * issue asks for (8 GiB, 4 vCPUs, two nodes of 2 vCPUs / 4 GiB, expanders
 * 0x10 / 0x20 on nodes 0 / 1, chassis 100 / 101, one PF with 2 VFs each),
 * and twelve distinct, stable UUIDs (PFs from the configs, VFs from the
 * devices) across the two nodes.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "devices/mock_accel.h"
#include "numa/host.h"
#include "numa/plan.h"
#include "tests/unit/file_test_util.h"
#include "tests/unit/numa_test_util.h"

struct loaded {
	struct vm_config cfg;
	struct topology topo;
};

/* Stand-ins for what `make image` builds (the configs name the files in build/image/):
 * any non-empty initrd, and an image of whole sectors. */
static char fx_initrd[] = "/tmp/mvmm-test-initrd-XXXXXX";
static char fx_image[] = "/tmp/mvmm-test-image-XXXXXX";
static char fx_sysnet[64];		/* a fake sysfs with the cluster bridge */

static void fixtures(void)
{
	static bool made;
	char br[128];
	int fd;

	if (made)
		return;
	fd = mkstemp(fx_initrd);
	assert_true(fd >= 0 && write(fd, "initrd", 6) == 6);
	close(fd);
	fd = mkstemp(fx_image);
	assert_true(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
	close(fd);
	/* The reference nodes' NIC names the cluster bridge; this host need
	 * not have it (tap.c looks interfaces up under $MVMM_SYSFS/class/net). */
	snprintf(fx_sysnet, sizeof(fx_sysnet), "/tmp/mvmm-sysfs-XXXXXX");
	assert_non_null(mkdtemp(fx_sysnet));
	snprintf(br, sizeof(br), "%s/class/net/mvcluster0/bridge", fx_sysnet);
	assert_int_equal(test_mkdirs(br), 0);
	setenv("MVMM_SYSFS", fx_sysnet, 1);
	made = true;
}

static void load(const char *path, struct loaded *l)
{
	char err[CONFIG_ERR_LEN], set[128];
	struct numa_host h;

	fixtures();
	memset(l, 0, sizeof(*l));
	snprintf(set, sizeof(set), "disk.root.path=%s", fx_image);
	if (config__load(&l->cfg, path, err, sizeof(err)) < 0 ||
	    (strstr(path, "configs/node") == path &&
	     config__set(&l->cfg, set, err, sizeof(err)) < 0) ||
	    config__override(&l->cfg, nt_kernel, strstr(path, "configs/node") == path ?
			     fx_initrd : NULL, NULL, err, sizeof(err)) < 0 ||
	    config__finish(&l->cfg, err, sizeof(err)) < 0)
		fail_msg("%s: %s", path, err);
	if (topology__build(&l->topo, &l->cfg, err, sizeof(err)) < 0)
		fail_msg("%s: topology: %s", path, err);
	numa_host__fixture(&h, 2, 2, 16ULL << 30);
	if (numa_plan__resolve(&l->topo, &l->cfg, &h, err, sizeof(err)) < 0)
		fail_msg("%s: plan: %s", path, err);
}

/* The reference shape; @node_mem per guest node, device sizes as given. */
static void check_shape(const struct loaded *l, uint64_t node_mem, uint64_t pf_mem,
			uint64_t vf_mem)
{
	const struct vm_config *c = &l->cfg;
	unsigned i;

	assert_int_equal(c->cpus, 4);
	assert_true(c->memory == 2 * node_mem);
	assert_int_equal(l->topo.nr_nodes, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(idset__count(&l->topo.node[i].cpus), 2);
		assert_true(idset__has(&l->topo.node[i].cpus, 2 * i));
		assert_true(l->topo.node[i].memory == node_mem);
		assert_true(idset__has(&l->topo.node[i].host_nodes, i));
		assert_int_equal(idset__count(&l->topo.node[i].host_nodes), 1);
	}
	assert_int_equal(c->nr_pcie, 2);
	assert_int_equal(c->pcie[0].bus, 0x10);
	assert_int_equal(c->pcie[0].node, 0);
	assert_int_equal(c->pcie[1].bus, 0x20);
	assert_int_equal(c->pcie[1].node, 1);
	assert_int_equal(c->nr_devices, 2);
	for (i = 0; i < 2; i++) {
		const struct config_device *d = &c->devices[i];

		assert_int_equal(d->type, CONFIG_DEVICE_MOCK_ACCEL);
		assert_int_equal(d->pcie, (int)i);
		assert_int_equal(d->chassis, 100 + i);
		assert_int_equal(d->vfs, 2);
		assert_true(d->memory_size == pf_mem);
		assert_true(d->vf_memory_size == vf_mem);
	}
}

static int nop_send(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
	return 0;
}

/* Append the six function UUIDs of @l's devices to @out. */
static void collect_uuids(const struct loaded *l, uint8_t (*out)[16], unsigned *n)
{
	unsigned i, k;

	for (i = 0; i < l->cfg.nr_devices; i++) {
		const struct config_device *cd = &l->cfg.devices[i];
		struct mock_accel_params p = {
			.name = cd->name, .memory_size = cd->memory_size,
			.vf_memory_size = cd->vf_memory_size, .total_vfs = cd->vfs,
			.send = nop_send, .no_worker = true,
		};
		struct mock_accel *d = calloc(1, sizeof(*d));

		assert_non_null(d);
		memcpy(p.uuid, cd->uuid, 16);
		assert_int_equal(mock_accel__init(d, &p), 0);
		memcpy(out[(*n)++], d->pf.uuid, 16);
		for (k = 0; k < cd->vfs; k++)
			memcpy(out[(*n)++], d->vfs[k].uuid, 16);
		mock_accel__destroy(d);
		free(d);
	}
}

static void test_reference_nodes(void **state)
{
	struct loaded *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct loaded *again = calloc(1, sizeof(*again));
	uint8_t u[24][16], v[12][16];
	unsigned n = 0, m = 0, i, j;

	(void)state;
	load("configs/node1.ini", a);
	load("configs/node2.ini", b);
	check_shape(a, 4ULL << 30, 16ULL << 30, 2ULL << 30);
	check_shape(b, 4ULL << 30, 16ULL << 30, 2ULL << 30);
	assert_string_equal(a->cfg.name, "mock-cluster-node1");
	assert_string_equal(b->cfg.name, "mock-cluster-node2");
	assert_int_equal(a->topo.distance[0][1], 20);
	/* The root disk: a snapshot behind the node-0 expander. */
	assert_int_equal(a->cfg.nr_disks, 1);
	assert_true(a->cfg.disks[0].snapshot);
	assert_int_equal(a->cfg.disks[0].pcie, 0);
	assert_int_equal(a->cfg.disks[0].queues, 4);
	collect_uuids(a, u, &n);
	collect_uuids(b, u, &n);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_memory_not_equal(u[i], u[j], 16);
	/* Stable: loading node1 again gives the same twelve bytes strings. */
	load("configs/node1.ini", again);
	collect_uuids(again, v, &m);
	for (i = 0; i < m; i++)
		assert_memory_equal(u[i], v[i], 16);
	config__free(&a->cfg);
	config__free(&b->cfg);
	config__free(&again->cfg);
	free(a);
	free(b);
	free(again);
}

/* The test host's variant: the same shape, scaled down. */
static void test_testhost_variant(void **state)
{
	struct loaded *l = calloc(1, sizeof(*l));

	(void)state;
	load("tests/guest/configs/accel-node.ini", l);
	check_shape(l, 512ULL << 20, 256ULL << 20, 64ULL << 20);
	config__free(&l->cfg);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_nodes),
		cmocka_unit_test(test_testhost_variant),
	};

	int ret;

	(void)nt_topology;	/* the shared helpers this test does not need */
	(void)nt_done;
	ret = cmocka_run_group_tests(tests, nt_setup, nt_teardown);
	unlink(fx_initrd);
	unlink(fx_image);
	if (*fx_sysnet)
		test_rm_tree(fx_sysnet);
	return ret;
}
