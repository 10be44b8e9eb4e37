/* The boot sequence of one VM, from a validated config to its exit status. */
#ifndef MVMM_MACHINE_H
#define MVMM_MACHINE_H

struct vm_config;

/* Build the machine, run it until it stops; returns a VM_EXIT_* status. */
int machine__run(const struct vm_config *cfg);

#endif
