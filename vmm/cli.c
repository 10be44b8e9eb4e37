/* mvmm's command line (see cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/util.h"

#ifndef MVMM_VERSION
#define MVMM_VERSION "0.1.0"
#endif

void cli__usage(FILE *f)
{
	fprintf(f,
		"usage: mvmm [--config FILE] [--kernel PATH] [--initrd PATH] [--append CMDLINE]\n"
		"            [--set SECTION.KEY=VALUE]... [--check] [--report-json FILE] [--prefault]\n"
		"            [--expect REGEX]... [--fail-on REGEX]... [--fail-on-kernel]\n"
		"            [--timeout DURATION] [--console-log FILE] [--api-socket PATH]\n"
		"\n"
		"Boot a Linux guest described by an INI file (or by defaults and --set) on KVM.\n"
		"\n"
		"  -c, --config FILE    machine description; without it: 1 vCPU, 512M, and\n"
		"                       --kernel is required\n"
		"  -k, --kernel PATH    kernel (bzImage or PVH ELF vmlinux), overrides the file\n"
		"  -i, --initrd PATH    initrd, overrides the file\n"
		"  -a, --append STRING  kernel command line, replaces the file's cmdline\n"
		"  -s, --set S.K=V      set INI key K of section S (e.g. machine.cpus=2,\n"
		"                       numa.1.host_node=0, distance.0-1=31), after the file\n"
		"      --check          validate the config against this host and print the\n"
		"                       placement plan; no VM is created\n"
		"      --report-json FILE  placement report and boot timeline as JSON (at\n"
		"                       start, SIGUSR1, exit)\n"
		"      --prefault       allocate all guest RAM before the guest starts\n"
		"  -e, --expect REGEX   stop the guest and exit 0 once the console has shown\n"
		"                       every --expect pattern, in order (POSIX ERE)\n"
		"      --fail-on REGEX  exit 7 as soon as a console line matches\n"
		"      --fail-on-kernel add the kernel's failure messages (panic, BUG, Oops,\n"
		"                       WARNING, RCU stall) to --fail-on\n"
		"  -t, --timeout DUR    stop at the deadline (90, 90s, 1500ms, 5m, 1h), exit 8,\n"
		"                       after printing each vCPU's state\n"
		"      --console-log FILE  append the raw console output to FILE too\n"
		"      --api-socket PATH  serve the control socket (JSON requests, QMP framing:\n"
		"                       query-status, query-placement, set-affinity,\n"
		"                       migrate-memory, pause, resume, quit, ...)\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"INI sections (docs/config.md, mvmm(1)): [machine] cpus memory kernel initrd\n"
		"cmdline hugepages mem_path shared prefault thp emulator_cpus api_socket\n"
		"shutdown_timeout; [numa.N] cpus memory host_node policy host_cpus;\n"
		"[distance] I-J; [hmat] enabled latency.I-T bandwidth.I-T; [vcpu.N] host_cpus;\n"
		"[pcie.NAME] bus numa host_device; [device.NAME] type bus chassis uuid vfs\n"
		"memory_size vf_memory_size.\n"
		"\n"
		"Exit status: 0 guest powered off (or every --expect matched), 1 error,\n"
		"2 usage, 3 guest reboot, 4 guest panic, 5 triple fault, 6 KVM error,\n"
		"7 --fail-on matched, 8 --timeout reached, 9 guest stopped before every\n"
		"--expect matched, 10 guest did not power off within shutdown_timeout of\n"
		"SIGTERM, 128+N stopped by signal N (SIGTERM asks the guest first: the power\n"
		"button; a second SIGTERM, or SIGINT, stops it at once).\n");
}

int cli__parse_duration(const char *s, uint64_t *ns)
{
	int r = config__parse_duration(s, ns);

	return r ? r : *ns ? 0 : -EINVAL;	/* a zero --timeout means nothing */
}

static int usage_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errlen, fmt, a, b);
	return -EINVAL;
}

static int add(const char **arr, unsigned *n, unsigned max, const char *opt, const char *v,
	       char *err, size_t errlen)
{
	char m[16];

	if (*n == max) {
		snprintf(m, sizeof(m), "%u", max);
		return usage_err(err, errlen, "--%s: more than %s given", opt, m);
	}
	arr[(*n)++] = v;
	return 0;
}

int cli__parse(struct cli *c, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	enum { O_CHECK = 256, O_REPORT, O_PREFAULT, O_FAIL_ON, O_FAIL_KERNEL, O_CONSOLE_LOG,
	       O_API };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "set", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, O_CHECK },
		{ "report-json", required_argument, NULL, O_REPORT },
		{ "prefault", no_argument, NULL, O_PREFAULT },
		{ "expect", required_argument, NULL, 'e' },
		{ "fail-on", required_argument, NULL, O_FAIL_ON },
		{ "fail-on-kernel", no_argument, NULL, O_FAIL_KERNEL },
		{ "timeout", required_argument, NULL, 't' },
		{ "console-log", required_argument, NULL, O_CONSOLE_LOG },
		{ "api-socket", required_argument, NULL, O_API },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, r = 0;

	memset(c, 0, sizeof(*c));
	c->run.expect = c->expect;
	c->run.fail_on = c->fail_on;
	optind = 0;	/* re-entrant for tests; 0 also resets getopt's state */
	opterr = 0;	/* our own one-line messages */
	while (!r && (opt = getopt_long(argc, argv, ":c:k:i:a:s:e:t:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': c->file = optarg; break;
		case 'k': c->kernel = optarg; break;
		case 'i': c->initrd = optarg; break;
		case 'a': c->append = optarg; break;
		case 's': r = add(c->set, &c->nr_set, CLI_MAX_SETS, "set", optarg, err, errlen); break;
		case O_CHECK: c->check = true; break;
		case O_REPORT:
			c->report_json = optarg;
			if (!*optarg)
				r = usage_err(err, errlen, "--report-json: expected a file name, got '%s'%s", "", "");
			break;
		case O_PREFAULT: c->prefault = true; break;
		case 'e':
			/* A typo is a usage error now, not a boot that never ends. */
			r = console__check_pattern("expect", optarg, err, errlen);
			if (!r)
				r = add(c->expect, &c->run.nr_expect, MACHINE_MAX_PATTERNS, "expect",
					optarg, err, errlen);
			break;
		case O_FAIL_ON:
			r = console__check_pattern("fail-on", optarg, err, errlen);
			if (!r)
				r = add(c->fail_on, &c->run.nr_fail_on, MACHINE_MAX_PATTERNS, "fail-on",
					optarg, err, errlen);
			break;
		case O_FAIL_KERNEL: c->run.fail_on_kernel = true; break;
		case 't':
			if (cli__parse_duration(optarg, &c->run.timeout_ns) < 0)
				r = usage_err(err, errlen, "--timeout: expected a duration like 90s, 1500ms, 5m or 1h, got '%s'%s",
					      optarg, "");
			break;
		case O_CONSOLE_LOG:
			c->run.console_log = optarg;
			if (!*optarg)
				r = usage_err(err, errlen, "--console-log: expected a file name, got '%s'%s", "", "");
			break;
		case O_API:
			c->api_socket = optarg;
			if (!*optarg)
				r = usage_err(err, errlen, "--api-socket: expected a socket path, got '%s'%s", "", "");
			break;
		case 'h': cli__usage(out); return 1;
		case 'V': fprintf(out, "mvmm %s\n", MVMM_VERSION); return 1;
		case ':':
			r = usage_err(err, errlen, "%s: expected a value%s (see --help)",
				      argv[optind - 1], "");
			break;
		default:
			r = usage_err(err, errlen, "unknown option '%s'%s (see --help)",
				      argv[optind - 1], "");
			break;
		}
	}
	if (r)
		return r;
	if (optind < argc)
		return usage_err(err, errlen, "unexpected argument '%s'%s", argv[optind], "");
	if (!c->file && !c->kernel)
		return usage_err(err, errlen, "expected --config FILE or --kernel PATH%s%s (see --help)", "", "");
	if (c->check && (c->run.nr_expect || c->run.nr_fail_on || c->run.fail_on_kernel ||
			 c->run.timeout_ns || c->run.console_log))
		return usage_err(err, errlen, "--check creates no VM: --expect, --fail-on, --timeout and --console-log do not apply%s%s", "", "");
	return 0;
}

int cli__config(const struct cli *c, struct vm_config *cfg, char *err, size_t errlen)
{
	unsigned i;
	int r;

	r = c->file ? config__load(cfg, c->file, err, errlen) : config__init(cfg);
	if (r < 0) {
		if (!c->file)
			snprintf(err, errlen, "out of memory");
		return r;
	}
	for (i = 0; i < c->nr_set && r >= 0; i++)
		r = config__set(cfg, c->set[i], err, errlen);
	if (r >= 0)
		r = config__override(cfg, c->kernel, c->initrd, c->append, err, errlen);
	if (r >= 0)
		r = config__finish(cfg, err, errlen);
	if (r >= 0 && c->prefault) {
		cfg->prefault = true;
		cfg->line.prefault = CONFIG_LINE_CLI;
	}
	if (r >= 0 && c->api_socket) {
		free(cfg->api_socket);
		cfg->line.api_socket = CONFIG_LINE_CLI;
		if (!(cfg->api_socket = strdup(c->api_socket)))
			r = -ENOMEM;
	}
	if (r >= 0 && c->report_json && !(cfg->report_json = strdup(c->report_json)))
		r = -ENOMEM;
	if (r == -ENOMEM) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	}
	if (r < 0)
		config__free(cfg);
	return r;
}
