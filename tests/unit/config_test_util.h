/* Config tests that write "node.ini" in the current (temporary) directory:
 * load and finish it, or check it fails with exactly one message line.
 * Include after cmocka.h and file_test_util.h. */
#ifndef MVMM_TEST_CONFIG_UTIL_H
#define MVMM_TEST_CONFIG_UTIL_H

#include <errno.h>
#include <string.h>

#include "vmm/config.h"

static inline int load_finish(const char *text, struct vm_config *cfg, char *err)
{
	int r;

	test_write_bytes("node.ini", text, strlen(text));
	r = config__load(cfg, "node.ini", err, CONFIG_ERR_LEN);
	if (r < 0)
		return r;
	r = config__finish(cfg, err, CONFIG_ERR_LEN);
	if (r < 0)
		config__free(cfg);
	return r;
}

/* @text fails (at load or finish) with exactly @msg. */
static inline void assert_error(const char *text, const char *msg)
{
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	assert_int_equal(load_finish(text, &cfg, err), -EINVAL);
	assert_string_equal(err, msg);
	assert_null(strchr(err, '\n'));
}

#endif
