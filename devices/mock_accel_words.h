/*
 * mock-accel: the EFF large wordlist the passphrase generator draws from.
 *
 * Contract: mock_accel_words[i], i < MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN, is
 * the word of dice roll i in the list's order (11111 first, 66666 last),
 * lower case, at most MOCK_ACCEL_WORD_MAX letters (a few contain '-').
 * The table is generated at build time (scripts/gen-wordlist.sh) from
 * Debian's diceware package (wordlist_en_eff.txt; scripts/deps.sh
 * installs it); the build fails if the file is missing or not 7776 words.
 */
#ifndef MVMM_MOCK_ACCEL_WORDS_H
#define MVMM_MOCK_ACCEL_WORDS_H

#include "devices/mock_accel_regs.h"

#define MOCK_ACCEL_WORD_MAX	9

extern const char *const mock_accel_words[MOCK_ACCEL_PASSPHRASE_WORDLIST_LEN];

#endif
