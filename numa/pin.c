/* Thread affinity; see pin.h. */
#include <errno.h>
#include <sched.h>

#include "numa/pin.h"

void numa_pin__to_cpuset(const struct idset *s, cpu_set_t *out)
{
	CPU_ZERO(out);
	idset__for_each(c, s)
		if (c < CPU_SETSIZE)
			CPU_SET(c, out);
}

int numa_pin__self(const struct idset *cpus)
{
	cpu_set_t set;

	if (idset__empty(cpus))
		return 0;
	numa_pin__to_cpuset(cpus, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

int numa_pin__attr(pthread_attr_t *attr, const struct idset *cpus)
{
	cpu_set_t set;

	if (idset__empty(cpus))
		return 0;
	numa_pin__to_cpuset(cpus, &set);
	return -pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

int numa_pin__get(pid_t tid, struct idset *out)
{
	cpu_set_t set;
	unsigned i;

	if (sched_getaffinity(tid, sizeof(set), &set) < 0)
		return -errno;
	idset__clear(out);
	for (i = 0; i < CPU_SETSIZE && i < IDSET_MAX; i++)
		if (CPU_ISSET(i, &set))
			idset__add(out, i);
	return 0;
}
