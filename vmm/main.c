/* mvmm command line: parse, validate the config, then run the machine. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numa/host.h"
#include "numa/plan.h"
#include "vmm/config.h"
#include "vmm/machine.h"
#include "vmm/topology.h"
#include "vmm/vm.h"

#ifndef MVMM_VERSION
#define MVMM_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvmm --config FILE [--kernel PATH] [--initrd PATH] [--append CMDLINE]\n"
		"            [--check] [--report-json FILE] [--prefault]\n"
		"\n"
		"Boot a Linux guest described by an INI file on KVM.\n"
		"\n"
		"  -c, --config FILE    machine description (see README.md)\n"
		"  -k, --kernel PATH    kernel (bzImage or PVH ELF vmlinux), overrides the file\n"
		"  -i, --initrd PATH    initrd, overrides the file\n"
		"  -a, --append STRING  kernel command line, replaces the file's cmdline\n"
		"      --check          validate the config against this host and print the\n"
		"                       placement plan; no VM is created\n"
		"      --report-json FILE  placement report as JSON (at start, SIGUSR1, exit)\n"
		"      --prefault       allocate all guest RAM before the guest starts\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"Exit status: 0 guest powered off, 1 error, 2 usage, 3 guest reboot,\n"
		"4 guest panic, 5 triple fault, 6 KVM error, 128+N stopped by signal N.\n");
}

/* --check: everything machine__run decides before /dev/kvm, then the plan. */
static int check(const struct vm_config *cfg)
{
	struct topology *t = calloc(1, sizeof(*t));
	struct numa_host *h = calloc(1, sizeof(*h));
	char err[CONFIG_ERR_LEN];
	int status = VM_EXIT_ERROR;

	if (!t || !h) {
		fprintf(stderr, "mvmm: out of memory\n");
	} else if (numa_plan__make(t, h, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mvmm: %s\n", err);
	} else {
		printf("%s: OK\n", cfg->file);
		numa_plan__print(t, cfg, h, stdout);
		status = 0;
	}
	free(t);
	free(h);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "check", no_argument, NULL, 'C' },
		{ "report-json", required_argument, NULL, 'R' },
		{ "prefault", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *kernel = NULL, *initrd = NULL, *append = NULL;
	const char *report_json = NULL;
	bool check_only = false, prefault = false;
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;
	int c, status;

	while ((c = getopt_long(argc, argv, "c:k:i:a:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': file = optarg; break;
		case 'k': kernel = optarg; break;
		case 'i': initrd = optarg; break;
		case 'a': append = optarg; break;
		case 'C': check_only = true; break;
		case 'R': report_json = optarg; break;
		case 'P': prefault = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("mvmm %s\n", MVMM_VERSION); return 0;
		default: usage(stderr); return VM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mvmm: unexpected argument '%s'\n", argv[optind]);
		return VM_EXIT_USAGE;
	}
	if (!file) {
		fprintf(stderr, "mvmm: --config FILE is required (see --help)\n");
		return VM_EXIT_USAGE;
	}
	if (report_json && !*report_json) {
		fprintf(stderr, "mvmm: --report-json: expected a file name, got ''\n");
		return VM_EXIT_USAGE;
	}
	if (config__load(&cfg, file, err, sizeof(err)) < 0 ||
	    config__override(&cfg, kernel, initrd, append, err, sizeof(err)) < 0 ||
	    config__finish(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mvmm: %s\n", err);
		config__free(&cfg);
		return VM_EXIT_ERROR;
	}
	if (prefault) {
		cfg.prefault = true;
		cfg.line.prefault = CONFIG_LINE_CLI;
	}
	if (report_json && !(cfg.report_json = strdup(report_json))) {
		fprintf(stderr, "mvmm: out of memory\n");
		config__free(&cfg);
		return VM_EXIT_ERROR;
	}
	status = check_only ? check(&cfg) : machine__run(&cfg);
	config__free(&cfg);
	return status;
}
