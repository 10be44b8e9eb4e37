# Helpers for the numa-*.sh scenarios (sourced after lib.sh): the host-side
# view of a running mvmm (thread affinities from /proc) and its placement
# report (--report-json, one thread or guest node per line).

# thread_affinity PID NAME: Cpus_allowed_list of PID's thread named NAME,
# straight from the kernel (independent of mvmm's own report).
thread_affinity() {
	for _t in /proc/$1/task/*; do
		[ "$(cat "$_t/comm" 2>/dev/null)" = "$2" ] || continue
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$_t/status"
		return 0
	done
	echo missing
}

# other_affinities PID: "comm=cpus" of every non-vCPU thread, space separated.
other_affinities() {
	for _t in /proc/$1/task/*; do
		_c=$(cat "$_t/comm" 2>/dev/null)
		case $_c in vcpu[0-9]*) continue ;; esac
		printf '%s=%s ' "$_c" "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$_t/status")"
	done
}

# expect_affinity NAME PID VCPU CPUS: thread vcpu<VCPU> of PID runs on CPUS.
expect_affinity() {
	expect_eq "$1: vcpu$3 thread affinity (/proc)" "$4" "$(thread_affinity "$2" "vcpu$3")"
}

# report_when FILE: the "when" of the JSON report in FILE.
report_when() {
	sed -n 's/^{"when": "\([a-z]*\)".*/\1/p' "$1" 2>/dev/null
}

# wait_report FILE WHEN SECONDS: until FILE holds a report taken at WHEN.
wait_report() {
	_deadline=$(($(now_cs) + $3 * 100))
	while [ "$(report_when "$1")" != "$2" ]; do
		[ "$(now_cs)" -lt "$_deadline" ] || return 1
		usleep 50000
	done
}

# report_field FILE KIND ID FIELD: FIELD of the thread (KIND=vcpu) or guest
# node (KIND=guest_node) ID in the report, e.g. report_field r.json vcpu 2
# affinity; strings come without quotes; on_host_node as '"0": 12, "1": 3'.
report_field() {
	_l=$(grep "^{\"$2\": $3,\|, \"$2\": $3," "$1" | head -n 1)
	[ -n "$_l" ] || { echo missing; return; }
	case $4 in
	on_host_node) echo "$_l" | sed -n 's/.*"on_host_node": {\([^}]*\)}.*/\1/p' ;;
	*) echo "$_l" | sed -n "s/.*\"$4\": \"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" ;;
	esac
}

# pages_on FILE NODE HOST: touched pages of guest NODE on host node HOST.
pages_on() {
	_v=$(report_field "$1" guest_node "$2" on_host_node | tr ',' '\n' |
		sed -n "s/^ *\"$3\": *\([0-9]*\)/\1/p")
	echo "${_v:-0}"
}

# expect_bound FILE NODE HOST MIN_PAGES: the report shows at least MIN_PAGES
# touched pages of guest NODE, every one of them on host node HOST.
expect_bound() {
	_touched=$(report_field "$1" guest_node "$2" touched)
	expect_range "guest node $2: touched pages" "$4" 999999999 "$_touched"
	expect_eq "guest node $2: pages on host node $3" "$_touched" "$(pages_on "$1" "$2" "$3")"
	expect_eq "guest node $2: off-plan pages" 0 "$(report_field "$1" guest_node "$2" off_plan_pages)"
}

# expect_node_facts NAME NODE CPULIST MEM_MIB DISTANCE: what the guest says.
# MemTotal of a node is its RAM minus what the kernel keeps there (struct
# pages, and on node 0 the kernel image): at least RAM - RAM/32 - 40 MiB.
expect_node_facts() {
	expect_fact "$1" "node$2_cpulist" "$3"
	_kb=$(($4 * 1024))
	if [ "$4" = 0 ]; then
		expect_fact "$1" "node$2_memtotal_kb" 0
	else
		expect_range "$1: node$2 MemTotal kB" $((_kb - _kb / 32 - 40 * 1024)) "$_kb" \
			"$(fact "$1" "node$2_memtotal_kb")"
	fi
	expect_fact "$1" "node$2_distance" "$5"
}

# expect_no_topology_warnings NAME: Linux's topology_sane() and the
# scheduler's domain checks stayed silent (also covered by check_dmesg).
expect_no_topology_warnings() {
	if tr -d '\r' <"$OUT/$1.out" | grep -E 'not on the same node|topology borken|sched: .*sibling'; then
		fail "$1: the guest printed topology warnings"
	fi
	note "ok: $1: no topology warnings"
}

# numactl_line NAME PATTERN: the guest's numactl --hardware has such a line.
expect_numactl() {
	tr -d '\r' <"$OUT/$1.out" | sed -n 's/^@@NUMACTL //p' | sed 's/ *$//' | grep -qxE "$2" ||
		fail "$1: numactl --hardware has no line matching '$2'"
	note "ok: $1: numactl: $2"
}
