/* The run's timeline (see timeline.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm/timeline.h"

uint64_t timeline__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void timeline__init(struct timeline *t, uint64_t start_ns)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->start_ns = start_ns ? start_ns : timeline__now();
	timeline__add(t, "vmm-start", NULL, t->start_ns);
}

void timeline__free(struct timeline *t)
{
	unsigned i;

	for (i = 0; i < t->nr; i++)
		free(t->ev[i].detail);
	t->nr = 0;
	pthread_mutex_destroy(&t->lock);
}

void timeline__add(struct timeline *t, const char *name, const char *detail, uint64_t ns)
{
	struct timeline_event *e;

	pthread_mutex_lock(&t->lock);
	if (t->nr == TIMELINE_MAX_EVENTS) {
		t->dropped++;
	} else {
		e = &t->ev[t->nr++];
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->detail = detail ? strdup(detail) : NULL;	/* NULL on ENOMEM: no pattern shown */
		e->ns = ns ? ns : timeline__now();
	}
	pthread_mutex_unlock(&t->lock);
}

void timeline__guest_started(struct timeline *t)
{
	uint_least64_t zero = 0, now = timeline__now();

	if (atomic_compare_exchange_strong(&t->guest_ns, &zero, now))
		timeline__add(t, "first-instruction", NULL, now);
}

static double secs(uint64_t from, uint64_t to)
{
	return to >= from ? (double)(to - from) / 1e9 : 0.0;
}

const char *timeline__stamp(const struct timeline *t, uint64_t ns, char *buf, size_t len)
{
	uint64_t g = atomic_load(&t->guest_ns);

	if (g)
		snprintf(buf, len, "guest +%.3fs, wall +%.3fs", secs(g, ns), secs(t->start_ns, ns));
	else
		snprintf(buf, len, "wall +%.3fs", secs(t->start_ns, ns));
	return buf;
}

void json__string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void timeline__json(struct timeline *t, FILE *f)
{
	uint64_t g = atomic_load(&t->guest_ns);
	unsigned i;

	pthread_mutex_lock(&t->lock);
	fprintf(f, "[");
	for (i = 0; i < t->nr; i++) {
		const struct timeline_event *e = &t->ev[i];

		fprintf(f, "%s\n{\"event\": \"%s\", \"wall_s\": %.6f", i ? "," : "", e->name,
			secs(t->start_ns, e->ns));
		if (g && e->ns >= g)
			fprintf(f, ", \"guest_s\": %.6f", secs(g, e->ns));
		if (e->detail) {
			fprintf(f, ", \"pattern\": ");
			json__string(f, e->detail);
		}
		fprintf(f, "}");
	}
	if (t->dropped)	/* past TIMELINE_MAX_EVENTS: said, not hidden */
		fprintf(f, ",\n{\"event\": \"dropped\", \"count\": %u}", t->dropped);
	fprintf(f, "]");
	pthread_mutex_unlock(&t->lock);
}
