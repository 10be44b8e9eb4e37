# Print the dmesg lines (stdin or file arguments, without the "@@DMESG "
# prefix) that the allowlist file -v allowf=FILE does not cover. Entries
# (grep -E syntax; '#' comments and blank lines skipped):
#   splat:RE  drops a whole WARN splat ("cut here" .. "end trace") that has a
#             line matching RE
#   RE        drops a matching line and the continuation lines of the same
#             printk record (same timestamp)
# Used inside the test host (busybox awk) and by scripts/demo.sh.
function ts(l) { return match(l, /^\[ *[0-9]+\.[0-9]+\]/) ? substr(l, 1, RLENGTH) : "" }
function flush(   i, j, ok) {
	ok = 0
	for (i = 1; i <= n; i++) for (j = 1; j <= ns; j++) if (buf[i] ~ sp[j]) ok = 1
	if (!ok) for (i = 1; i <= n; i++) print buf[i]
	n = 0; insplat = 0
}
BEGIN {
	while ((getline p < allowf) > 0) {
		if (p ~ /^#/ || p ~ /^[ \t]*$/) continue
		if (p ~ /^splat:/) sp[++ns] = substr(p, 7); else ln[++nl] = p
	}
}
insplat { buf[++n] = $0; if ($0 ~ /---\[ end trace/) flush(); next }
/------------\[ cut here \]------------/ { insplat = 1; buf[++n] = $0; next }
{
	t = ts($0)
	if (t != "" && t == okts) next
	for (i = 1; i <= nl; i++) if ($0 ~ ln[i]) { okts = t; next }
	print
}
END { if (insplat) flush() }
