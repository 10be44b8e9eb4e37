/*
 * Shared by the ACPI table tests (test_acpi_numa.c, test_acpi_nfit.c): a
 * scratch dir for iasl, little-endian field reads, the standard header
 * check (length, revision, checksum, OEM id), and iasl -d of a table that
 * fails the test on any complaint. Header-only: each test is its own
 * program; run the group with acpi_test_setup/acpi_test_teardown.
 */
#ifndef MVMM_TEST_ACPI_UTIL_H
#define MVMM_TEST_ACPI_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "vmm/util.h"

static char tmpdir[] = "/tmp/mvmm-test-acpi-XXXXXX";

static int acpi_test_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int acpi_test_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s%s", getenv("KEEP") ? "echo " : "rm -rf ", tmpdir);
	return system(cmd);
}

static uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void check_header(const uint8_t *tab, size_t len, const char *sig, uint8_t rev)
{
	assert_memory_equal(tab, sig, 4);
	assert_int_equal(rd(tab + 4, 4), len);
	assert_int_equal(tab[8], rev);
	assert_int_equal(sum8(tab, len), 0);
	assert_memory_equal(tab + 10, "MVMM  ", 6);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 1 << 16;
	char *s = malloc(cap);

	assert_non_null(f);
	assert_non_null(s);
	while (!feof(f)) {
		n += fread(s + n, 1, cap - n - 1, f);
		if (n + 1 >= cap) {
			cap *= 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
	}
	s[n] = '\0';
	fclose(f);
	return s;
}

/* iasl -d @table; fails on any complaint; returns the .dsl text. */
static char *disassemble(const void *table, size_t len, const char *name)
{
	static const char *const words[] = {
		"error", "warning", "invalid", "incorrect", "unknown", "****",
	};
	char path[160], cmd[320], *log, *dsl;
	FILE *f;
	int status;
	unsigned i;

	snprintf(path, sizeof(path), "%s/%s.dat", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(table, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat > %s.log 2>&1", tmpdir, name, name);
	status = system(cmd);
	snprintf(path, sizeof(path), "%s/%s.log", tmpdir, name);
	log = slurp(path);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("iasl -d %s failed:\n%s", name, log);
	snprintf(path, sizeof(path), "%s/%s.dsl", tmpdir, name);
	dsl = slurp(path);
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcasestr(log, words[i]))
			fail_msg("%s: iasl says '%s':\n%s", name, words[i], log);
		if (strcasestr(dsl, words[i]))
			fail_msg("%s: iasl says '%s':\n%s", name, words[i], dsl);
	}
	free(log);
	return dsl;
}

/* @what must be in @text, with any run of blanks in @what matching any. */
static void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("'%s' not found in:\n%s", what, text);
}

#endif
