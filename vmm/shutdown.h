/*
 * Graceful shutdown: what a stop signal does, as a small pure state machine
 * that machine_wait drives (and the unit tests drive alone).
 *
 * Contract:
 *  - SIGTERM, the first time and with a non-zero timeout, asks the guest:
 *    SHUTDOWN_BUTTON (the caller presses the ACPI power button and logs it)
 *    and a deadline @timeout_ns later. A guest that powers off meanwhile
 *    ends the run as any poweroff does (the caller sees that, not us).
 *  - Any stop signal during that wait (SIGTERM again, SIGINT, SIGHUP), a
 *    SIGTERM with timeout 0, SIGINT and SIGHUP at any time: SHUTDOWN_STOP
 *    with status 128 + the signal (VM_EXIT_SIGNAL_BASE + sig), at once.
 *  - The deadline passing: shutdown__expired() gives
 *    VM_EXIT_SHUTDOWN_TIMEOUT; the caller stops the guest hard.
 *  - Times are the caller's clock (CLOCK_MONOTONIC ns); no signal, thread
 *    or clock is touched here. The control socket's powerdown does not
 *    come through here: it presses the button and arms no deadline.
 */
#ifndef MVMM_SHUTDOWN_H
#define MVMM_SHUTDOWN_H

#include <stdbool.h>
#include <stdint.h>

enum shutdown_act {
	SHUTDOWN_BUTTON,	/* press the power button, wait until the deadline */
	SHUTDOWN_STOP,		/* stop the guest now with the status given */
};

struct shutdown {
	uint64_t timeout_ns;	/* the graceful phase's length; 0: none */
	uint64_t deadline_ns;	/* 0 until SIGTERM started the graceful phase */
};

void shutdown__init(struct shutdown *s, uint64_t timeout_ns);
/* Stop signal @sig (SIGTERM, SIGINT, SIGHUP) received at @now_ns. For
 * SHUTDOWN_STOP, *@status is the exit status. */
enum shutdown_act shutdown__signal(struct shutdown *s, int sig, uint64_t now_ns, int *status);
/* The graceful phase runs (the button was pressed): its deadline, else 0. */
uint64_t shutdown__deadline(const struct shutdown *s);
/* The graceful phase's deadline has passed at @now_ns: *@status is
 * VM_EXIT_SHUTDOWN_TIMEOUT. */
bool shutdown__expired(const struct shutdown *s, uint64_t now_ns, int *status);

#endif
