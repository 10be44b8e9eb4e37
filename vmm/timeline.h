/*
 * The run's timeline: monotonic timestamps of its milestones (VMM start,
 * first KVM_RUN, console matches, timeout, exit) for the stderr messages of
 * --expect/--fail-on and the "timeline" of --report-json. "wall" times count
 * from the VMM's start, "guest" times from the first KVM_RUN of vCPU 0 (the
 * guest's first instruction). Events may be added from any thread; the
 * table is bounded and drops (and counts) events past its size.
 */
#ifndef MVMM_TIMELINE_H
#define MVMM_TIMELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define TIMELINE_MAX_EVENTS	64

struct timeline_event {
	char name[20];			/* "first-instruction", "expect", ... */
	char *detail;			/* the pattern of a match, or NULL */
	uint64_t ns;			/* CLOCK_MONOTONIC */
};

struct timeline {
	pthread_mutex_t lock;
	uint64_t start_ns;
	atomic_uint_least64_t guest_ns;	/* 0 until the first KVM_RUN */
	unsigned nr, dropped;
	struct timeline_event ev[TIMELINE_MAX_EVENTS];
};

uint64_t timeline__now(void);
/* Start the clock at @start_ns (0: now) with a "vmm-start" event. */
void timeline__init(struct timeline *t, uint64_t start_ns);
void timeline__free(struct timeline *t);
/* Record @name at @ns (0: now); @detail (may be NULL) is copied. */
void timeline__add(struct timeline *t, const char *name, const char *detail, uint64_t ns);
/* The first call records "first-instruction"; later calls do nothing. */
void timeline__guest_started(struct timeline *t);
/* "guest +1.234s, wall +1.456s" (guest part omitted before the first
 * instruction) for an event at @ns. */
const char *timeline__stamp(const struct timeline *t, uint64_t ns, char *buf, size_t len);
/* The events as one JSON array, each {"event", "wall_s", ["guest_s"], ["pattern"]}. */
void timeline__json(struct timeline *t, FILE *f);
/* @s as a JSON string literal (quotes, escapes; control bytes as \u00XX). */
void json__string(FILE *f, const char *s);

#endif
