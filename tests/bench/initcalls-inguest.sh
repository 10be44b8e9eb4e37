#!/bin/busybox sh
# Runs INSIDE the inner guest for make bench (mvmm.run=/bin/initcalls-inguest.sh,
# with initcall_debug on the command line): every initcall's time from the
# kernel's log, one "@@INITCALL NAME USECS" line each (KERN_DEBUG lines reach
# the log buffer even with quiet).
dmesg | sed -n 's/.*initcall \([A-Za-z0-9_.]*\)+0x[0-9a-f]*\/0x[0-9a-f]*\( \[[^]]*\]\)\{0,1\} returned -\{0,1\}[0-9]* after \([0-9]*\) usecs.*/@@INITCALL \1 \3/p'
