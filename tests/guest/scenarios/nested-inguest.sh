#!/bin/busybox sh
# Runs INSIDE the inner guest for nested.sh (mvmm.run=/bin/nested-inguest.sh):
# does the CPU offer SVM, does kvm_amd load and give /dev/kvm, does a VM run
# in here (kvm-hello), and what NUMA cells does numactl see.
echo "@@FACT svm=$(grep -c -w svm /proc/cpuinfo)"
if modprobe kvm_amd 2>/tmp/modprobe.err; then
	echo "@@FACT kvm_amd=loaded"
else
	echo "@@FACT kvm_amd=failed: $(head -n 1 /tmp/modprobe.err)"
fi
[ -c /dev/kvm ] && echo "@@FACT dev_kvm=1" || echo "@@FACT dev_kvm=0"
if [ -c /dev/kvm ]; then
	out=$(/bin/kvm-hello 2>&1)
	echo "@@FACT kvm_hello=$out"
fi
numactl --hardware 2>&1 | sed 's/^/@@NUMACTL /'
