#!/bin/busybox sh
# Runs INSIDE the inner guest (not a test-host scenario; not in SUITE): the
# guest half of scripts/experiment.sh. testhost.sh copies it to
# /bin/experiment-inguest.sh; tests/guest/init runs it for
# mvmm.run=/bin/experiment-inguest.sh (with mvmm.kmod=1 for DMA cells).
# It reads one command per line from the console and answers on it:
#   mem NODE CPU [MIB]   numa-bench: "@@BENCH-MEM ..." (bandwidth, latency)
#   dma NODE CPU [SIZE]  mock-accel-tool bench of the first device with its
#                        buffer on NODE from CPU: "@@BENCH ..." (h2d, d2h)
#   quit                 leave (init then powers off)
# and "@@CELL-DONE rc=N" after each command. The host writes the commands
# through mvmm's console input (a FIFO on mvmm's stdin).
stty -F /dev/ttyS0 -echo 2>/dev/null
echo "@@EXPERIMENT-READY"
while read -r cmd node cpu size; do
	case $cmd in
	mem) numa-bench --node "$node" --cpu "$cpu" --size "${size:-16}" --iters 2 --steps 200000 ;;
	dma) dev=$(mock-accel-tool list | sed -n 's/^@@MOCK name=\([^ ]*\) type=pf.*/\1/p' | head -n 1)
		mock-accel-tool bench "$dev" --node "$node" --cpu "$cpu" --size "${size:-1M}" --iters 4 ;;
	quit) echo "@@CELL-DONE rc=0"; break ;;
	'') continue ;;
	*) echo "@@CELL-ERROR unknown command '$cmd'" ;;
	esac
	echo "@@CELL-DONE rc=$?"
done </dev/ttyS0
