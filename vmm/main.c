/* mvmm command line: parse, validate the config, then run the machine. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmm/config.h"
#include "vmm/machine.h"
#include "vmm/vm.h"

#ifndef MVMM_VERSION
#define MVMM_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvmm --config FILE [--kernel PATH] [--initrd PATH] [--append CMDLINE]\n"
		"\n"
		"Boot a Linux guest described by an INI file on KVM.\n"
		"\n"
		"  -c, --config FILE    machine description (see README.md)\n"
		"  -k, --kernel PATH    kernel (bzImage or PVH ELF vmlinux), overrides the file\n"
		"  -i, --initrd PATH    initrd, overrides the file\n"
		"  -a, --append STRING  kernel command line, replaces the file's cmdline\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"Exit status: 0 guest powered off, 1 error, 2 usage, 3 guest reboot,\n"
		"4 guest panic, 5 triple fault, 6 KVM error, 128+N stopped by signal N.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *kernel = NULL, *initrd = NULL, *append = NULL;
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;
	int c, status;

	while ((c = getopt_long(argc, argv, "c:k:i:a:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': file = optarg; break;
		case 'k': kernel = optarg; break;
		case 'i': initrd = optarg; break;
		case 'a': append = optarg; break;
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
	if (config__load(&cfg, file, err, sizeof(err)) < 0 ||
	    config__override(&cfg, kernel, initrd, append, err, sizeof(err)) < 0 ||
	    config__finish(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mvmm: %s\n", err);
		config__free(&cfg);
		return VM_EXIT_ERROR;
	}
	status = machine__run(&cfg);
	config__free(&cfg);
	return status;
}
