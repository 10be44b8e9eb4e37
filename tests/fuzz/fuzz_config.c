/*
 * INI config: the input is a config file. It is loaded, finished against a
 * valid stub kernel, turned into a guest topology and planned on a fixture
 * host (4 nodes x 4 CPUs x 8 GiB), then printed as --check does: the whole
 * path mvmm takes before /dev/kvm. Every failure must be a one-line error;
 * an error string that is empty or spans lines is a bug, so it aborts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numa/host.h"
#include "numa/plan.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_bzimage.h"
#include "vmm/config.h"
#include "vmm/topology.h"

static char kernel[64];
static int ini_fd = -1;
static char ini_path[64];
static struct numa_host host;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir;
	static uint8_t img[FAKE_BZIMAGE_SIZE];
	int fd;

	(void)argc;
	(void)argv;
	dir = fz_scratch("config");
	/* Relative paths in the input (disks, kernels) resolve in a scratch
	 * dir, and host devices are looked up in an empty sysfs. */
	FZ_CHECK(chdir(dir) == 0);
	FZ_CHECK(setenv("MVMM_SYSFS", dir, 1) == 0);
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
	fd = open(kernel, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fake_bzimage(img);
	FZ_CHECK(fd >= 0 && write(fd, img, sizeof(img)) == sizeof(img));
	close(fd);
	snprintf(ini_path, sizeof(ini_path), "%s/node.ini", dir);
	ini_fd = open(ini_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FZ_CHECK(ini_fd >= 0);
	numa_host__fixture(&host, 4, 4, 8ULL << 30);
	devnull = fopen("/dev/null", "w");
	FZ_CHECK(devnull);
	return 0;
}

static void check_err(const char *err)
{
	if (!err[0] || strchr(err, '\n')) {
		fprintf(stderr, "bad error message: \"%s\"\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;
	struct topology *t;

	FZ_CHECK(ftruncate(ini_fd, 0) == 0);
	FZ_CHECK(pwrite(ini_fd, data, size, 0) == (ssize_t)size);
	err[0] = 0;
	if (config__load(&cfg, ini_path, err, sizeof(err)) < 0) {
		check_err(err);
		return 0;
	}
	if (config__override(&cfg, kernel, NULL, NULL, err, sizeof(err)) < 0 ||
	    config__finish(&cfg, err, sizeof(err)) < 0) {
		check_err(err);
		config__free(&cfg);
		return 0;
	}
	t = calloc(1, sizeof(*t));
	FZ_CHECK(t);
	if (topology__build(t, &cfg, err, sizeof(err)) < 0 ||
	    numa_plan__resolve(t, &cfg, &host, err, sizeof(err)) < 0)
		check_err(err);
	else
		numa_plan__print(t, &cfg, &host, devnull);
	free(t);
	config__free(&cfg);
	return 0;
}
