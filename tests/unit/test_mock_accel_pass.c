/*
 * mock-accel passphrase generator and any-width BAR0 access, through the
 * MMIO bus as a guest sees them (PF and a VF): every register and its reset
 * value, UUID and PASSPHRASE_BUFFER at 8/16/32/64 bits, a rejected LENGTH,
 * generate -> READY with COUNT words from the EFF list joined by '-',
 * NUL-terminated and zero-padded, two generates differing, FLR, the
 * rejection sampling bound, and the generated table itself.
 */
#include <stdio.h>

#include "tests/unit/mock_accel_test_util.h"
#include "devices/mock_accel_words.h"
#include "vmm/util.h"

#define PB	MOCK_ACCEL_REG_PASSPHRASE_BUFFER

/* The buffer read one byte at a time, as the out-of-tree driver does. */
static void read_buf(struct rig *r, uint64_t base, char out[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN])
{
	unsigned i;

	for (i = 0; i < MOCK_ACCEL_PASSPHRASE_BUFFER_LEN; i++)
		out[i] = (char)rd_at(r, base + PB + i, 1);
}

/* @s is exactly the words of @idx (from the list) joined by '-', then NULs. */
static void assert_passphrase(const char *s, const uint16_t *idx, unsigned n)
{
	char want[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN] = { 0 };
	size_t pos = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		assert_true(idx[i] < MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN);
		pos += snprintf(want + pos, sizeof(want) - pos, "%s%s", i ? "-" : "",
				mock_accel_words[idx[i]]);
	}
	assert_true(pos > 0 && pos < sizeof(want));
	assert_memory_equal(s, want, sizeof(want));	/* incl. the zero padding */
}

static void test_reset_values(void **state)
{
	struct rig *r = rig_new();
	unsigned i;

	(void)state;
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4), 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4), 6);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
			 MOCK_ACCEL_PASSPHRASE_IDLE);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4), 0);
	for (i = 0; i < MOCK_ACCEL_PASSPHRASE_BUFFER_LEN; i += 8)
		assert_int_equal(mmio_rd(r, PB + i, 8), 0);
	/* The general STATUS is a different register: READY (1) at reset. */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_STATUS, 4), MOCK_ACCEL_STATUS_READY);
	/* Reserved around the block; DMA registers still in place. */
	assert_int_equal(mmio_rd(r, 0x110, 4), 0);
	assert_int_equal(mmio_rd(r, 0x1fc, 4), 0);
	assert_int_equal(mmio_rd(r, 0x300, 4), 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DMA_IRQ_VECTOR, 4), 0);
	rig_free(r);
}

static void test_uuid_any_width(void **state)
{
	struct rig *r = rig_new();
	uint64_t want;
	unsigned w, i;

	(void)state;
	for (w = 1; w <= 8; w <<= 1) {
		for (i = 0; i < MOCK_ACCEL_UUID_LEN; i += w) {
			want = 0;
			memcpy(&want, rig_uuid + i, w);
			assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_UUID + i, w), want);
		}
	}
	/* Read-only at any width. */
	mmio_wr(r, MOCK_ACCEL_REG_UUID + 1, 1, 0);
	mmio_wr(r, MOCK_ACCEL_REG_UUID, 8, 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_UUID + 1, 1), rig_uuid[1]);
	/* Misaligned, or spilling out of the UUID: all-ones as before. */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_UUID + 1, 2), 0xffff);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_UUID + 2, 4), 0xffffffff);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_UUID + 4, 8), ~0ULL);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_UUID + 15, 2), 0xffff);
	/* Other registers keep dword/qword only. */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_DEVICE_ID, 1), 0xff);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 1), 0xff);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 2), 0xffff);
	rig_free(r);
}

static void test_generate(void **state)
{
	struct rig *r = rig_new();
	char a[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN], b[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN];
	uint16_t idx_a[MOCK_ACCEL_PASSPHRASE_MAX_WORDS];
	uint64_t q, want;
	unsigned n, w, i;

	(void)state;
	for (n = MOCK_ACCEL_PASSPHRASE_MIN_WORDS; n <= MOCK_ACCEL_PASSPHRASE_MAX_WORDS; n++) {
		mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4, n);
		assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4), n);
		mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, MOCK_ACCEL_PASSPHRASE_CMD_GENERATE);
		assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
				 MOCK_ACCEL_PASSPHRASE_READY);
		assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4), n);
		read_buf(r, r->bar0, a);
		assert_passphrase(a, r->d.pf.pass.idx, n);
		/* Every other width reads the same bytes. */
		for (w = 2; w <= 8; w <<= 1) {
			for (i = 0; i < MOCK_ACCEL_PASSPHRASE_BUFFER_LEN; i += w) {
				want = 0;
				memcpy(&want, a + i, w);
				assert_int_equal(mmio_rd(r, PB + i, w), want);
			}
		}
	}
	/* Two generates differ (12 words: a repeat has odds 7776^-12). */
	read_buf(r, r->bar0, a);
	memcpy(idx_a, r->d.pf.pass.idx, sizeof(idx_a));
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 1);
	read_buf(r, r->bar0, b);
	assert_passphrase(b, r->d.pf.pass.idx, 12);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(idx_a, r->d.pf.pass.idx, sizeof(idx_a));
	/* Other CMD values, and writes to the read-only ones, change nothing. */
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 2);
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 0);
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4, 0);
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4, 0);
	mmio_wr(r, PB, 4, 0);
	mmio_wr(r, PB, 1, 0);
	mmio_wr(r, PB + 8, 8, 0);
	read_buf(r, r->bar0, a);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
			 MOCK_ACCEL_PASSPHRASE_READY);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4), 12);
	/* A qword access at the buffer's last qword works, past it is reserved. */
	q = mmio_rd(r, PB + MOCK_ACCEL_PASSPHRASE_BUFFER_LEN - 8, 8);
	assert_int_equal(q, 0);
	assert_int_equal(mmio_rd(r, PB + 1, 2), 0xffff);	/* misaligned */
	rig_free(r);
}

static void test_bad_length(void **state)
{
	static const uint32_t bad[] = { 0, 1, 3, 13, 255, 0x80000004 };
	struct rig *r = rig_new();
	char before[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN], after[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN];
	unsigned i;

	(void)state;
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4, 5);
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 1);
	read_buf(r, r->bar0, before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4, bad[i]);
		assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4), 5);
		assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
				 MOCK_ACCEL_PASSPHRASE_ERROR);
		assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4), 5);
		read_buf(r, r->bar0, after);
		assert_memory_equal(before, after, sizeof(before));
	}
	/* A sub-dword write to LENGTH is an odd access: dropped, no error. */
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 1);
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 1, 9);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4), 5);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
			 MOCK_ACCEL_PASSPHRASE_READY);
	/* The next valid length and generate recover. */
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4, 4);
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 1);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
			 MOCK_ACCEL_PASSPHRASE_READY);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4), 4);
	rig_free(r);
}

static void test_flr(void **state)
{
	struct rig *r = rig_new();
	int exp = pci__find_cap(&r->d.pf.pci, PCI_CAP_ID_EXP);
	unsigned i;

	(void)state;
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4, 8);
	mmio_wr(r, MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 1);
	pci_host__cfg_write(&r->h, 0x11, 0, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	pci_host__cfg_write(&r->h, 0x11, 0, PCI_BASE_ADDRESS_0, 4, r->bar0);
	pci_host__cfg_write(&r->h, 0x11, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
			 MOCK_ACCEL_PASSPHRASE_IDLE);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4), 0);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4), 8);	/* kept */
	for (i = 0; i < MOCK_ACCEL_PASSPHRASE_BUFFER_LEN; i += 8)
		assert_int_equal(mmio_rd(r, PB + i, 8), 0);
	rig_free(r);
}

/* A VF's BAR0 has its own generator and byte-wide UUID. */
static void test_vf(void **state)
{
	struct rig *r = rig_new();
	char s[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN];
	uint64_t b;

	(void)state;
	rig_enable_vfs(r, 2);
	b = vf_bar(r, 1, 0);
	assert_int_equal(rd_at(r, b + MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4), 6);
	wr_at(r, b + MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4, 7);
	wr_at(r, b + MOCK_ACCEL_REG_PASSPHRASE_CMD, 4, 1);
	assert_int_equal(rd_at(r, b + MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
			 MOCK_ACCEL_PASSPHRASE_READY);
	assert_int_equal(rd_at(r, b + MOCK_ACCEL_REG_PASSPHRASE_COUNT, 4), 7);
	read_buf(r, b, s);
	assert_passphrase(s, r->d.vfs[1].pass.idx, 7);
	assert_int_equal(rd_at(r, b + MOCK_ACCEL_REG_UUID, 1), r->d.vfs[1].uuid[0]);
	assert_int_equal(rd_at(r, b + MOCK_ACCEL_REG_UUID + 3, 1), r->d.vfs[1].uuid[3]);
	/* The PF's generator is untouched. */
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_STATUS, 4),
			 MOCK_ACCEL_PASSPHRASE_IDLE);
	assert_int_equal(mmio_rd(r, MOCK_ACCEL_REG_PASSPHRASE_LENGTH, 4), 6);
	rig_free(r);
}

static void test_index_sampling(void **state)
{
	unsigned hits[MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN] = { 0 };
	uint16_t idx;
	unsigned r, ok = 0;

	(void)state;
	/* Over all 2^16 draws, each word is hit exactly 8 times; 3328 refused. */
	for (r = 0; r < 65536; r++) {
		if (mock_accel_pass__index((uint16_t)r, &idx)) {
			assert_true(idx < MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN);
			hits[idx]++;
			ok++;
		}
	}
	assert_int_equal(ok, 8 * MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN);
	for (r = 0; r < MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN; r++)
		assert_int_equal(hits[r], 8);
	assert_false(mock_accel_pass__index(62208, &idx));
	assert_true(mock_accel_pass__index(62207, &idx));
	assert_int_equal(idx, 7775);
}

static void test_wordlist(void **state)
{
	unsigned i;

	(void)state;
	assert_string_equal(mock_accel_words[0], "abacus");
	assert_string_equal(mock_accel_words[MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN - 1], "zoom");
	for (i = 0; i < MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN; i++) {
		assert_true(strlen(mock_accel_words[i]) >= 3);
		assert_true(strlen(mock_accel_words[i]) <= MOCK_ACCEL_WORD_MAX);
		if (i)
			assert_true(strcmp(mock_accel_words[i - 1], mock_accel_words[i]) < 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_uuid_any_width),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_flr),
		cmocka_unit_test(test_vf),
		cmocka_unit_test(test_index_sampling),
		cmocka_unit_test(test_wordlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
