#!/bin/sh
# The two-node mock cluster (docs/cluster.md): one mvmm process per node,
# both NICs on one host bridge, static addresses, SSH from the host.
#
# usage: scripts/cluster.sh [OPTION...] up|status|down
#        scripts/cluster.sh [OPTION...] ssh NODE [CMD...]
#   up        create the bridge (when missing), start every node that is not
#             running, wait for SSH on each, then show what each guest sees:
#             numactl --hardware, lspci -tv, its mock-accel devices
#   status    per node: running or not (pid), address, SSH reachable or not;
#             exit 0 when every node runs and answers SSH, else 1
#   ssh NODE  ssh to NODE as root with the image's key (CMD: run it there)
#   down      SIGTERM every node (the guest's power button: a clean
#             poweroff), wait for each, remove the bridge if `up` made it
# Options (or the environment variable after each):
#   --small         the test-host-sized pair, configs/small/
#   --configs DIR   the node configs: DIR/node*.ini (CLUSTER_CONFIGS;
#                   default configs/, the reference pair)
#   --state DIR     pid files, consoles, logs (CLUSTER_STATE; default
#                   build/cluster/, per config set: build/cluster/small/)
#   --image DIR     the image's key pair, id_ed25519 (CLUSTER_IMAGE;
#                   default build/image/, from make image)
#   --mvmm PATH     the mvmm binary (MVMM; default ./mvmm, else mvmm in PATH)
# CLUSTER_HOST_IP (10.88.0.1/24): the bridge's address on the host.
# CLUSTER_BOOT_TIMEOUT (600 s): up's bound for every node to answer SSH.
# CLUSTER_DOWN_TIMEOUT (180 s): down's bound for each mvmm to exit.
# Each node's address, host name and bridge come from its config
# (mvmm.ip= in [machine] cmdline, bridge = in [net.NAME]). `up` twice and
# `down` with nothing running succeed. POSIX sh: it also runs in the nested
# test host's busybox (tests/guest/scenarios/cluster.sh).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
configs=${CLUSTER_CONFIGS:-}
state=${CLUSTER_STATE:-}
image=${CLUSTER_IMAGE:-$root/build/image}
mvmm=${MVMM:-}
host_ip=${CLUSTER_HOST_IP:-10.88.0.1/24}
boot_timeout=${CLUSTER_BOOT_TIMEOUT:-600}
down_timeout=${CLUSTER_DOWN_TIMEOUT:-180}

# A failing `up` stops what it started (the logs stay in the state dir).
in_up=0
die() {
	echo "cluster: error: $*" >&2
	if [ "$in_up" = 1 ]; then
		in_up=0
		echo "cluster: stopping what up started (logs stay in $state)" >&2
		down >&2 || true
	fi
	exit 1
}
say() { echo "cluster: $*"; }
usage() { sed -n '2,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; }

small=0
while [ $# -gt 0 ]; do
	case $1 in
	--small) small=1; shift ;;
	--configs) [ $# -ge 2 ] || die "--configs needs a directory"; configs=$2; shift 2 ;;
	--state) [ $# -ge 2 ] || die "--state needs a directory"; state=$2; shift 2 ;;
	--image) [ $# -ge 2 ] || die "--image needs a directory"; image=$2; shift 2 ;;
	--mvmm) [ $# -ge 2 ] || die "--mvmm needs a path"; mvmm=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
if [ -z "$configs" ]; then
	if [ "$small" = 1 ]; then configs=$root/configs/small; else configs=$root/configs; fi
fi
[ -d "$configs" ] || die "no config directory $configs"
configs=$(cd "$configs" && pwd)
if [ -z "$state" ]; then
	state=$root/build/cluster
	[ "$configs" = "$root/configs" ] || state=$state/$(basename "$configs")
fi
key=$image/id_ed25519

nodes=
for f in "$configs"/node*.ini; do
	[ -f "$f" ] && nodes="$nodes $(basename "$f" .ini)"
done
[ -n "$nodes" ] || die "no node*.ini in $configs"

# cfg_ip NODE: the address of mvmm.ip= in the node's [machine] cmdline.
cfg_ip() {
	sed -n 's/^[[:space:]]*cmdline[[:space:]]*=.*mvmm\.ip=\([0-9.]*\)\/.*/\1/p' "$configs/$1.ini" | head -n 1
}
# cfg_bridge NODE: the bridge of the node's NIC.
cfg_bridge() {
	sed -n 's/^[[:space:]]*bridge[[:space:]]*=[[:space:]]*\([^[:space:];]*\).*/\1/p' "$configs/$1.ini" | head -n 1
}
bridge=
for n in $nodes; do
	[ -n "$(cfg_ip "$n")" ] || die "$configs/$n.ini: no mvmm.ip=ADDR/LEN in [machine] cmdline"
	b=$(cfg_bridge "$n")
	[ -n "$b" ] || die "$configs/$n.ini: no [net.NAME] with bridge = BRIDGE"
	[ -z "$bridge" ] || [ "$b" = "$bridge" ] || die "$configs/$n.ini: bridge $b, but another node uses $bridge"
	bridge=$b
done

# pid NODE: the pid of the node's mvmm when it runs (a pid file whose
# process is an mvmm, not a zombie), else nothing.
pid_of() {
	_p=$(cat "$state/$1.pid" 2>/dev/null) || return 0
	[ -n "$_p" ] && [ -r "/proc/$_p/stat" ] || return 0
	_st=$(cut -d')' -f2 "/proc/$_p/stat" 2>/dev/null | cut -d' ' -f2)
	[ -n "$_st" ] && [ "$_st" != Z ] || return 0
	case $(cat "/proc/$_p/comm" 2>/dev/null) in mvmm*) echo "$_p" ;; esac
}

# A node's host key is new on every boot: each node's known_hosts lives in
# the state dir and goes when the node is started again.
ssh_node() {	# NODE SSH-ARGS...
	_n=$1; shift
	ssh -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5 \
		-o StrictHostKeyChecking=accept-new -o "UserKnownHostsFile=$state/$_n.known_hosts" \
		-o LogLevel=ERROR "$@"
}

now() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }

prereqs() {
	[ "$(id -u)" = 0 ] || die "must run as root (it creates a bridge, mvmm creates TAPs)"
	[ -c /dev/kvm ] || die "no /dev/kvm (mvmm needs KVM; see docs/testhost.md for hosts without it)"
	if [ -z "$mvmm" ]; then
		if [ -x "$root/mvmm" ]; then mvmm=$root/mvmm
		else mvmm=$(command -v mvmm) || die "no mvmm: run make (or pass --mvmm)"
		fi
	fi
	[ -f "$key" ] || die "no image key $key: run make image"
	for t in ip ssh setsid; do
		command -v "$t" >/dev/null || die "$t missing (iproute2, openssh-client, util-linux)"
	done
}

bridge_up() {
	if [ ! -d "/sys/class/net/$bridge" ]; then
		ip link add name "$bridge" type bridge || die "cannot create bridge $bridge"
		: >"$state/bridge.created"
		say "bridge $bridge created"
	fi
	[ -d "/sys/class/net/$bridge/bridge" ] || die "$bridge exists and is not a bridge"
	ip addr replace "$host_ip" dev "$bridge"
	ip link set "$bridge" up
}

# start NODE: mvmm in its own session, console (stdout) and diagnostics
# (stderr) to files; a small sh waits for it and writes its exit status.
start() {
	_n=$1
	rm -f "$state/$_n.pid" "$state/$_n.rc" "$state/$_n.known_hosts"
	: >"$state/$_n.console"
	: >"$state/$_n.log"
	# Config errors (one line each) here, before anything runs.
	"$mvmm" --check --config "$configs/$_n.ini" >/dev/null 2>"$state/$_n.log" ||
		die "$_n: $(cat "$state/$_n.log")"
	setsid sh -c '"$1" --config "$2" --api-socket "$3.sock" >"$3.console" 2>>"$3.log" </dev/null &
		echo $! >"$3.pid.tmp"; mv "$3.pid.tmp" "$3.pid"; wait $!; echo $? >"$3.rc"' \
		sh "$mvmm" "$configs/$_n.ini" "$state/$_n" </dev/null >/dev/null 2>&1 &
	_t=0
	while [ ! -s "$state/$_n.pid" ] && [ $_t -lt 100 ]; do sleep 0.1; _t=$((_t + 1)); done
	[ -s "$state/$_n.pid" ] || die "$_n: mvmm did not start (log: $state/$_n.log)"
	say "$_n: started mvmm (pid $(cat "$state/$_n.pid"), config $configs/$_n.ini, console $state/$_n.console)"
}

# wait_ssh: every node answers SSH, each within boot_timeout of the start.
# The console's "login: " prompt (or the image's @@MVMM-MULTI-USER line)
# says when trying is worth it; SSH itself decides.
wait_ssh() {
	_deadline=$(($(now) + boot_timeout))
	_todo=$nodes
	while [ -n "$_todo" ]; do
		_left=
		for _n in $_todo; do
			if [ -z "$(pid_of "$_n")" ]; then
				tail -n 5 "$state/$_n.log" | sed 's/^/  log: /' >&2
				tail -n 10 "$state/$_n.console" | sed 's/^/  console: /' >&2
				die "$_n: mvmm exited ($(cat "$state/$_n.rc" 2>/dev/null || echo '?')) before SSH came up"
			fi
			if grep -qE 'login: |@@MVMM-MULTI-USER' "$state/$_n.console" 2>/dev/null &&
			   ssh_node "$_n" "root@$(cfg_ip "$_n")" true </dev/null 2>/dev/null; then
				say "$_n: ssh root@$(cfg_ip "$_n") answers"
			else
				_left="$_left $_n"
			fi
		done
		_todo=$_left
		[ -n "$_todo" ] || break
		[ "$(now)" -lt "$_deadline" ] ||
			die "no SSH from$_todo within ${boot_timeout}s (consoles: $state/NODE.console)"
		sleep 1
	done
}

# What the guest sees, through SSH.
REPORT='echo "== $(hostname): $(ip -4 -o addr show dev eth0 | awk "{print \$4}"), kernel $(uname -r)"
echo "-- numactl --hardware"; numactl --hardware
echo "-- lspci -tv"; lspci -tv
echo "-- mock-accel devices (address numa_node uuid)"
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor)" = 0x1de5 ] || continue
	echo "${d##*/} numa_node=$(cat $d/numa_node) uuid=$(cat $d/mock-accel/*/uuid 2>/dev/null || echo none)"
done'

up() {
	prereqs
	mkdir -p "$state"
	in_up=1
	bridge_up
	for n in $nodes; do
		p=$(pid_of "$n")
		if [ -n "$p" ]; then
			say "$n: already running (pid $p)"
		else
			start "$n"
		fi
	done
	wait_ssh
	in_up=0
	rc=0
	for n in $nodes; do
		echo
		ssh_node "$n" "root@$(cfg_ip "$n")" "$REPORT" </dev/null ||
			{ echo "cluster: error: $n: the report over SSH failed" >&2; rc=1; }
	done
	return $rc
}

status() {
	rc=0
	if [ -d "/sys/class/net/$bridge" ]; then
		say "bridge $bridge: up, $(ip -4 -o addr show dev "$bridge" | awk '{print $4}' | head -n 1)$([ -e "$state/bridge.created" ] && echo ', made by cluster.sh up')"
	else
		say "bridge $bridge: absent"
	fi
	for n in $nodes; do
		a=$(cfg_ip "$n") p=$(pid_of "$n")
		if [ -z "$p" ]; then
			say "$n: stopped$( [ -s "$state/$n.rc" ] && echo " (last exit $(cat "$state/$n.rc"))"), address $a"
			rc=1
		elif [ -f "$key" ] && command -v ssh >/dev/null &&
		     h=$(ssh_node "$n" "root@$a" hostname </dev/null 2>/dev/null); then
			say "$n: running (pid $p), address $a, ssh ok (hostname $h)"
		else
			say "$n: running (pid $p), address $a, ssh unreachable"
			rc=1
		fi
	done
	return $rc
}

down() {
	[ "$(id -u)" = 0 ] || die "must run as root"
	pids=
	for n in $nodes; do
		p=$(pid_of "$n")
		if [ -n "$p" ]; then
			kill -TERM "$p" && say "$n: SIGTERM to mvmm (pid $p): the guest's power button"
			pids="$pids $n:$p"
		fi
	done
	[ -n "$pids" ] || say "no node running"
	rc=0
	deadline=$(($(now) + down_timeout))
	for np in $pids; do
		n=${np%%:*} p=${np#*:}
		while [ -n "$(pid_of "$n")" ] && [ "$(now)" -lt "$deadline" ]; do sleep 0.2; done
		if [ -n "$(pid_of "$n")" ]; then
			kill -KILL "$p" 2>/dev/null
			echo "cluster: error: $n: mvmm (pid $p) still running after ${down_timeout}s; killed" >&2
			rc=1
			continue
		fi
		# The waiting sh writes the status right after mvmm's exit.
		t=0
		while [ ! -s "$state/$n.rc" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
		s=$(cat "$state/$n.rc" 2>/dev/null || echo '?')
		if [ "$s" = 0 ]; then
			say "$n: guest powered off, mvmm exited 0"
		else
			echo "cluster: error: $n: mvmm exited $s (log: $state/$n.log)" >&2
			rc=1
		fi
	done
	for n in $nodes; do rm -f "$state/$n.pid" "$state/$n.known_hosts"; done
	if [ -e "$state/bridge.created" ]; then
		ip link del "$bridge" 2>/dev/null && say "bridge $bridge removed"
		rm -f "$state/bridge.created"
	fi
	return $rc
}

case $cmd in
up) up ;;
status) status ;;
down) down ;;
ssh)
	[ $# -ge 1 ] || die "ssh needs a node name ($nodes )"
	n=$1; shift
	case " $nodes " in *" $n "*) ;; *) die "no node $n (nodes:$nodes)" ;; esac
	[ -f "$key" ] || die "no image key $key: run make image"
	if [ $# -eq 0 ]; then
		exec ssh -i "$key" -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new \
			-o "UserKnownHostsFile=$state/$n.known_hosts" -o LogLevel=ERROR "root@$(cfg_ip "$n")"
	fi
	ssh_node "$n" "root@$(cfg_ip "$n")" "$@" ;;
*) usage >&2; exit 2 ;;
esac
