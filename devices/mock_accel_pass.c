/*
 * mock-accel: the passphrase generator (mock_accel_regs.h has the register
 * semantics). Words come from the EFF large wordlist; indices from
 * getrandom(2), 16 bits at a time with rejection sampling so that each of
 * the 7776 words is equally likely.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "devices/mock_accel_priv.h"
#include "devices/mock_accel_words.h"
#include "vmm/util.h"

/* The largest multiple of 7776 that fits 16 bits: 8 * 7776 = 62208. */
#define PASS_LIMIT	(65536 / MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN * \
			 MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN)

bool mock_accel_pass__index(uint16_t r, uint16_t *idx)
{
	if (r >= PASS_LIMIT)
		return false;
	*idx = r % MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN;
	return true;
}

void mock_accel_pass__reset(struct mock_accel_pass *p, bool power_on)
{
	uint32_t length = power_on ? MOCK_ACCEL_PASSPHRASE_DEFAULT_WORDS : p->length;

	memset(p, 0, sizeof(*p));
	p->length = length;
	p->status = MOCK_ACCEL_PASSPHRASE_IDLE;
}

/* Fill @n 16-bit draws; the kernel's CSPRNG, blocking only before it is
 * seeded (early boot), so never in practice. */
static int pass_random(uint16_t *r, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n * sizeof(*r)) {
		k = getrandom((uint8_t *)r + got, n * sizeof(*r) - got, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += k;
	}
	return 0;
}

int mock_accel_pass__generate(struct mock_accel_pass *p)
{
	/* Enough draws that a refill is rare: each is rejected with p = 0.05. */
	uint16_t r[2 * MOCK_ACCEL_PASSPHRASE_MAX_WORDS], idx[MOCK_ACCEL_PASSPHRASE_MAX_WORDS];
	char buf[MOCK_ACCEL_PASSPHRASE_BUFFER_LEN] = { 0 };
	size_t used = ARRAY_SIZE(r), pos = 0;
	uint32_t i;
	int ret;

	for (i = 0; i < p->length; i++) {
		do {
			if (used == ARRAY_SIZE(r)) {
				ret = pass_random(r, ARRAY_SIZE(r));
				if (ret)
					goto err;
				used = 0;
			}
		} while (!mock_accel_pass__index(r[used++], &idx[i]));
	}
	for (i = 0; i < p->length; i++) {
		const char *w = mock_accel_words[idx[i]];
		size_t len = strlen(w);

		/* 12 words of at most 9 letters and 11 hyphens fit 256 bytes. */
		if (pos + len + (i > 0) >= sizeof(buf)) {
			ret = -ENOSPC;
			goto err;
		}
		if (i > 0)
			buf[pos++] = '-';
		memcpy(buf + pos, w, len);
		pos += len;
	}
	/* Only a complete passphrase replaces the previous one. */
	memcpy(p->idx, idx, p->length * sizeof(idx[0]));
	memcpy(p->buf, buf, sizeof(buf));
	p->count = p->length;
	p->status = MOCK_ACCEL_PASSPHRASE_READY;
	return 0;
err:
	p->status = MOCK_ACCEL_PASSPHRASE_ERROR;
	return ret;
}

uint32_t mock_accel_pass__reg_read(const struct mock_accel_pass *p, uint64_t off)
{
	uint32_t v;

	switch (off) {
	case MOCK_ACCEL_REG_PASSPHRASE_LENGTH:
		return p->length;
	case MOCK_ACCEL_REG_PASSPHRASE_STATUS:
		return p->status;
	case MOCK_ACCEL_REG_PASSPHRASE_COUNT:
		return p->count;
	case MOCK_ACCEL_REG_PASSPHRASE_BUFFER ...
	     MOCK_ACCEL_REG_PASSPHRASE_BUFFER + MOCK_ACCEL_PASSPHRASE_BUFFER_LEN - 4:
		memcpy(&v, p->buf + (off - MOCK_ACCEL_REG_PASSPHRASE_BUFFER), 4);
		return v;
	default:
		return 0;	/* CMD (write-only) and the reserved gaps */
	}
}

void mock_accel_pass__reg_write(struct mock_accel_pass *p, uint64_t off, uint32_t v)
{
	switch (off) {
	case MOCK_ACCEL_REG_PASSPHRASE_CMD:
		if (v == MOCK_ACCEL_PASSPHRASE_CMD_GENERATE)
			mock_accel_pass__generate(p);
		break;
	case MOCK_ACCEL_REG_PASSPHRASE_LENGTH:
		if (v >= MOCK_ACCEL_PASSPHRASE_MIN_WORDS && v <= MOCK_ACCEL_PASSPHRASE_MAX_WORDS)
			p->length = v;
		else
			p->status = MOCK_ACCEL_PASSPHRASE_ERROR;
		break;
	default:
		break;	/* read-only */
	}
}
