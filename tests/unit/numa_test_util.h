/*
 * Shared by the NUMA unit tests (test_topology.c, test_numa_*.c): a config
 * from text, finished against a stub kernel, and its guest topology.
 * Header-only: each test is its own program (see the Makefile).
 */
#ifndef MVMM_TEST_NUMA_UTIL_H
#define MVMM_TEST_NUMA_UTIL_H

#include "tests/unit/fake_bzimage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/topology.h"

static char nt_kernel[] = "/tmp/mvmm-test-kernel-XXXXXX";
static char nt_dir[] = "/tmp/mvmm-test-numa-XXXXXX";

/* Group setup: a scratch dir and a minimal 64-bit bzImage (config__finish
 * probes the kernel; see test_config.c for the fields). */
static int nt_setup(void **state)
{
	static uint8_t img[FAKE_BZIMAGE_SIZE];
	int fd;

	(void)state;
	if (!mkdtemp(nt_dir))
		return -1;
	fd = mkstemp(nt_kernel);
	fake_bzimage(img);
	if (fd < 0 || write(fd, img, sizeof(img)) != sizeof(img))
		return -1;
	return close(fd);
}

static int nt_teardown(void **state)
{
	char cmd[96];

	(void)state;
	unlink(nt_kernel);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", nt_dir);
	return system(cmd);
}

/* Load @text as NAME.ini in the scratch dir and finish it; 0 or the error
 * (message in @err). */
static int nt_config(const char *text, struct vm_config *cfg, char *err, size_t errlen)
{
	char path[128];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/node.ini", nt_dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	r = config__load(cfg, path, err, errlen);
	if (r < 0)
		return r;
	r = config__override(cfg, nt_kernel, NULL, NULL, err, errlen);
	if (r >= 0)
		r = config__finish(cfg, err, errlen);
	if (r < 0)
		config__free(cfg);
	return r;
}

/* Config and topology from @text, or the test fails. */
static struct topology *nt_topology(const char *text, struct vm_config *cfg)
{
	char err[CONFIG_ERR_LEN];
	struct topology *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	if (nt_config(text, cfg, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	if (topology__build(t, cfg, err, sizeof(err)) < 0)
		fail_msg("topology: %s", err);
	return t;
}

static void nt_done(struct topology *t, struct vm_config *cfg)
{
	free(t);
	config__free(cfg);
}

#endif
