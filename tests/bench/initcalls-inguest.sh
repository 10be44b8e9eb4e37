#!/bin/busybox sh
# Runs INSIDE the inner guest for make bench (mvmm.run=/bin/initcalls-inguest.sh,
# with initcall_debug on the command line): every initcall's time from the
# kernel's log, one "@@INITCALL NAME USECS" line each (KERN_DEBUG lines reach
# the log buffer even with quiet). And the kernel's milestones, the printk
# time of the first line matching each: "@@PHASE MS TEXT", so make bench can
# say where the kernel's boot outside the initcalls goes; and its longest
# silences (@@GAP).
dmesg | sed -n 's/.*initcall \([A-Za-z0-9_.]*\)+0x[0-9a-f]*\/0x[0-9a-f]*\( \[[^]]*\]\)\{0,1\} returned -\{0,1\}[0-9]* after \([0-9]*\) usecs.*/@@INITCALL \1 \3/p'
dmesg | awk '
BEGIN { n = split("smp: Bringing up secondary CPUs|smp: Brought up|ACPI: Interpreter enabled|PCI host bridge to bus|clocksource: Switched to clocksource|Freeing unused kernel image|Run /init as init process", m, "|") }
{ for (i = 1; i <= n; i++) if (!(i in seen) && index($0, m[i])) {
	seen[i] = 1; t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
	printf "@@PHASE %.1f %s\n", t * 1000, m[i] } }'
# The three longest silences in the log before /init: "@@GAP MS BEFORE -> AFTER"
# with the lines around each, so a stall the milestones only bracket is named.
dmesg | awk '
/^\[ *[0-9]+\.[0-9]+\]/ { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); t *= 1000
	l = $0; sub(/^\[[^]]*\] */, "", l)
	if (seen) { d = t - prev
		for (i = 1; i <= 3; i++) if (d > g[i]) { for (j = 3; j > i; j--) { g[j] = g[j-1]; w[j] = w[j-1] } g[i] = d; w[i] = substr(pl, 1, 60) " -> " substr(l, 1, 60); break } }
	seen = 1; prev = t; pl = l
	if (index($0, "Run /init as init process")) exit }
END { for (i = 1; i <= 3; i++) if (i in w) printf "@@GAP %.1f %s\n", g[i], w[i] }'
