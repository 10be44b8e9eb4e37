/*
 * CPU affinity of mvmm's threads (sched_setaffinity): vCPU threads start
 * already on their host CPUs (a pthread attribute, so not one guest
 * instruction runs elsewhere), and the main thread takes emulator_cpus
 * before it starts any other thread, which all inherit it.
 */
#ifndef MVMM_NUMA_PIN_H
#define MVMM_NUMA_PIN_H

#include <pthread.h>
#include <sched.h>
#include <sys/types.h>

#include "vmm/idset.h"

void numa_pin__to_cpuset(const struct idset *s, cpu_set_t *out);
/* Affinity of the calling thread; an empty set changes nothing. 0 or -errno. */
int numa_pin__self(const struct idset *cpus);
/* Make threads created with @attr start on @cpus (empty: inherit). */
int numa_pin__attr(pthread_attr_t *attr, const struct idset *cpus);
/* The kernel's view of thread @tid's affinity. */
int numa_pin__get(pid_t tid, struct idset *out);

#endif
