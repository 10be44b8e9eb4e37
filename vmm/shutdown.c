/* Graceful shutdown's state machine (see shutdown.h). */
#include <signal.h>

#include "vmm/shutdown.h"
#include "vmm/vm.h"

void shutdown__init(struct shutdown *s, uint64_t timeout_ns)
{
	s->timeout_ns = timeout_ns;
	s->deadline_ns = 0;
}

enum shutdown_act shutdown__signal(struct shutdown *s, int sig, uint64_t now_ns, int *status)
{
	if (sig == SIGTERM && s->timeout_ns && !s->deadline_ns) {
		/* Saturating: a huge timeout is "wait for ever", never a wrap
		 * into the past; never 0, which means "not started". */
		s->deadline_ns = now_ns > UINT64_MAX - s->timeout_ns ? UINT64_MAX :
				 now_ns + s->timeout_ns;
		return SHUTDOWN_BUTTON;
	}
	*status = VM_EXIT_SIGNAL_BASE + sig;
	return SHUTDOWN_STOP;
}

uint64_t shutdown__deadline(const struct shutdown *s)
{
	return s->deadline_ns;
}

bool shutdown__expired(const struct shutdown *s, uint64_t now_ns, int *status)
{
	if (!s->deadline_ns || now_ns < s->deadline_ns)
		return false;
	*status = VM_EXIT_SHUTDOWN_TIMEOUT;
	return true;
}
