/* mvmm command line: parse, validate the config, then run the machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numa/host.h"
#include "numa/plan.h"
#include "vmm/cli.h"
#include "vmm/config.h"
#include "vmm/machine.h"
#include "vmm/preflight.h"
#include "vmm/timeline.h"
#include "vmm/topology.h"
#include "vmm/vm.h"

/* --check: everything machine__run decides before /dev/kvm, then the plan
 * and what the host process needs. */
static int check(const struct vm_config *cfg)
{
	struct topology *t = calloc(1, sizeof(*t));
	struct numa_host *h = calloc(1, sizeof(*h));
	struct preflight *pf = calloc(1, sizeof(*pf));
	struct preflight_host host;
	char err[CONFIG_ERR_LEN];
	int r, status = VM_EXIT_ERROR;

	if (!t || !h || !pf) {
		fprintf(stderr, "mvmm: out of memory\n");
	} else if (numa_plan__make(t, h, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mvmm: %s\n", err);
	} else if ((r = preflight__host(&host)) < 0) {
		fprintf(stderr, "mvmm: cannot read this process's limits: %s\n", strerror(-r));
	} else {
		preflight__collect(pf, cfg, &host);
		if (preflight__check(pf, cfg, err, sizeof(err)) < 0) {
			preflight__print(pf, stderr);
			fprintf(stderr, "mvmm: %s\n", err);
		} else {
			printf("%s: OK\n", cfg->file ? cfg->file : "(no config file)");
			numa_plan__print(t, cfg, h, stdout);
			preflight__print(pf, stdout);
			status = 0;
		}
	}
	free(pf);
	free(t);
	free(h);
	return status;
}

int main(int argc, char **argv)
{
	uint64_t start_ns = timeline__now();	/* the timeline's "vmm-start" */
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;
	struct cli *c;
	int r, status;

	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "mvmm: out of memory\n");
		return VM_EXIT_ERROR;
	}
	r = cli__parse(c, argc, argv, stdout, err, sizeof(err));
	if (r) {
		if (r < 0)
			fprintf(stderr, "mvmm: %s\n", err);
		free(c);
		return r < 0 ? VM_EXIT_USAGE : 0;
	}
	if (cli__config(c, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mvmm: %s\n", err);
		free(c);
		return VM_EXIT_ERROR;
	}
	c->run.start_ns = start_ns;
	status = c->check ? check(&cfg) : machine__run(&cfg, &c->run);
	config__free(&cfg);
	free(c);
	return status;
}
