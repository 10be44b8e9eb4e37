#!/bin/sh
# The experiment kit's report half (run by `make unit`): a results CSV of the
# kit's shape becomes a Markdown table with one row per cell and a PNG
# (gnuplot-nox comes with `make deps`). The measuring half runs in the test
# host (tests/guest/scenarios/experiment.sh).
set -eu
cd "$(dirname "$0")/.."
t=$(mktemp -d /tmp/mvmm-plot-XXXXXX)
trap 'rm -rf "$t"' EXIT
fail() { echo "experiment-plot: FAIL: $*"; exit 1; }
echo "ram,vcpu,worker,copy_mbs,triad_mbs,latency_ns,dma_h2d_mbps,dma_d2h_mbps" >"$t/results.csv"
n=0
for r in local remote interleave; do
	for v in pinned floating; do
		for w in local remote; do
			n=$((n + 1))
			echo "$r,$v,$w,$((4000 + n * 37)),3899,$((200 + n)).8,55.3,89.3" >>"$t/results.csv"
		done
	done
done
scripts/experiment.sh plot "$t/results.csv" "$t" >"$t/log" 2>&1 || { cat "$t/log"; fail "plot failed"; }
[ "$(grep -c '^| interleave | floating | remote | 4444 | 3899 | 212.8 | 55.3 | 89.3 |$' "$t/results.md")" = 1 ] ||
	fail "the Markdown table lacks the last cell: $(cat "$t/results.md")"
[ "$(wc -l <"$t/results.md")" = 14 ] || fail "expected 14 Markdown lines, got $(wc -l <"$t/results.md")"
[ -s "$t/results.png" ] || fail "no PNG (gnuplot: $(cat "$t/log"))"
[ "$(head -c 8 "$t/results.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "results.png is not a PNG"
[ -z "$(cat "$t/log")" ] || fail "gnuplot warned: $(cat "$t/log")"
echo "experiment-plot: CSV -> Markdown + PNG: ok"
