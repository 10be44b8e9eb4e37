#!/bin/sh
# The two-node cluster, as users run it: scripts/cluster.sh --small (the
# test-host-sized pair, configs/small/) from the test host's mirror of the
# work tree (/testhost/cluster, testhost.sh's add_cluster), one mvmm per
# node booting a snapshot of the Debian image (/dev/vda here), both NICs on
# the bridge cluster.sh makes (all traffic stays in the test host).
#  - `up` starts both, waits for SSH on each and prints what each guest
#    sees; a second `up` starts nothing and succeeds;
#  - `status` reports both running and answering SSH;
#  - SSH with the image's key runs commands on each node (host names
#    node1/node2, addresses 10.88.0.11/12 from mvmm.ip=);
#  - node1 reaches node2 and node2 node1 over TCP (each other's sshd);
#  - each node shows six mock-accel functions, three on guest node 0 and
#    three on node 1, and the two nodes' UUIDs differ;
#  - the two nodes' SSH host keys differ (made at boot, not in the image);
#  - `down` powers both guests off (mvmm exits 0 for each), and leaves no
#    TAP, no bridge, no mvmm process, no pid file; a second `down` succeeds.
# host-nodes: 2
# needs: image
# budget: 1500
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [net.NAME] and [disk.NAME] syntax"
[ -b /dev/vda ] || fail "the test host has no /dev/vda (run-guest-tests.sh passes the image with --disk)"
C=$TH/cluster
CL=$C/scripts/cluster.sh
ST=$C/build/cluster/small
BR=mvcluster0
[ -x "$CL" ] || fail "no $CL in the test host (testhost.sh add_cluster)"
[ -f "$TH/image/id_ed25519" ] || fail "no image key in the test host (make image, run-guest-tests.sh --add)"
command -v ssh >/dev/null || fail "no ssh client in the test host (testhost.sh add_cluster)"
# Two systemd boots at once under nested TCG, on a machine shared with
# other work: minutes (configs/small/ raises systemd's timeouts to match).
export CLUSTER_BOOT_TIMEOUT=${CLUSTER_BOOT_TIMEOUT:-900}
cl() { "$CL" --small "$@"; }
# Whatever happens, no mvmm outlives the scenario (cluster.sh runs them in
# sessions of their own, out of reach of host-init's process-group kill).
trap 'for p in $(cat "$ST"/*.pid 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done' EXIT
show_state() {
	for n in node1 node2; do
		echo "---- $n: mvmm log"; tail -n 20 "$ST/$n.log" 2>/dev/null
		echo "---- $n: console (tail)"; tr -d '\r' <"$ST/$n.console" 2>/dev/null | tail -n 40
	done
}
die() { show_state; fail "$*"; }
mvmm_procs() { grep -lx mvmm /proc/[0-9]*/comm 2>/dev/null | wc -l; }

t0=$(now_cs)
cl up >"$OUT/up.out" 2>&1
rc=$?
t_up=$(secs $(($(now_cs) - t0)))
echo "==== cluster.sh --small up (exit $rc, ${t_up}s)"
cat "$OUT/up.out"
[ "$rc" = 0 ] || die "cluster.sh up exited $rc"
note "up: both nodes answer SSH after ${t_up}s"
# Where the boot's time went (nested TCG is slow; this says on what).
for n in node1 node2; do
	note "$n: $(tr -d '\r' <"$ST/$n.console" | sed -n 's/^@@MVMM-MULTI-USER //p; s/^@@FACT boot=//p' | tr '\n' ' ')"
	tr -d '\r' <"$ST/$n.console" | grep -E '^@@(FAILED-UNIT|JOB) ' | sed "s/^/# $n: /"
done
cl status >"$OUT/status.out" 2>&1
rc=$?
echo "==== cluster.sh --small status (exit $rc)"
cat "$OUT/status.out"
expect_eq "status exit" 0 "$rc"
for i in 1 2; do
	grep -qE "^cluster: node$i: running \(pid [0-9]+\), address 10\.88\.0\.1$i, ssh ok \(hostname node$i\)$" "$OUT/status.out" ||
		die "status: no 'node$i: running ..., ssh ok' line"
done
expect_eq "TAPs on $BR" 2 "$(ls /sys/class/net/$BR/brif | wc -l)"
expect_eq "mvmm processes" 2 "$(mvmm_procs)"
# One SSH session per node (each costs seconds under nested TCG): its host
# name, eth0's address, its SSH host key, and the other node's sshd banner
# over TCP (bash's /dev/tcp: the image has no ping); node1 also says where
# its boot's time went.
for pair in 1:2 2:1; do
	a=${pair%:*} b=${pair#*:}
	cl ssh node$a "hostname; ip -4 -o addr show dev eth0 | awk '{print \$4}';
		cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub;
		timeout 10 bash -c 'exec 3<>/dev/tcp/10.88.0.1$b/22; head -c 8 <&3'; echo;
		if [ $a = 1 ]; then systemd-analyze blame --no-pager | head -n 12; fi" >"$OUT/ssh$a" 2>&1
	expect_eq "ssh node$a: host name" "node$a" "$(sed -n 1p "$OUT/ssh$a")"
	expect_eq "ssh node$a: eth0" "10.88.0.1$a/24" "$(sed -n 2p "$OUT/ssh$a")"
	expect_eq "node$a -> node$b (10.88.0.1$b:22)" "SSH-2.0-" "$(sed -n 4p "$OUT/ssh$a")"
done
echo "==== node1: systemd-analyze blame (top 12)"
sed -n '5,$p' "$OUT/ssh1"

# The six mock-accel functions per node, from up's report: the PF and its
# two VFs behind each expander, on the expander's guest node.
accel() {	# NODE: that node's "address numa_node=N uuid=U" lines
	awk -v h="== $1:" 'index($0, h) == 1 { on = 1; next } /^== / { on = 0 }
		on && /^0000:[0-9a-f:.]+ numa_node=/' "$OUT/up.out"
}
for i in 1 2; do
	accel node$i >"$OUT/accel$i"
	expect_eq "node$i: mock-accel functions" 6 "$(wc -l <"$OUT/accel$i")"
	expect_eq "node$i: on guest node 0" "0000:11:00.0 0000:11:00.1 0000:11:00.2" \
		"$(awk '$2 == "numa_node=0" {print $1}' "$OUT/accel$i" | sort | tr '\n' ' ' | sed 's/ $//')"
	expect_eq "node$i: on guest node 1" "0000:21:00.0 0000:21:00.1 0000:21:00.2" \
		"$(awk '$2 == "numa_node=1" {print $1}' "$OUT/accel$i" | sort | tr '\n' ' ' | sed 's/ $//')"
	grep -qvE ' uuid=[0-9a-f-]{36}$' "$OUT/accel$i" && die "node$i: a function without a UUID"
done
u1=$(awk '{print $3}' "$OUT/accel1" | sort | tr '\n' ' ')
u2=$(awk '{print $3}' "$OUT/accel2" | sort | tr '\n' ' ')
[ "$u1" != "$u2" ] || die "node1 and node2 show the same mock-accel UUIDs ($u1)"
[ "$(grep -c '^available: 2 nodes (0-1)' "$OUT/up.out")" = 2 ] ||
	die "up's report lacks numactl --hardware's 2 nodes for each node"

# Host keys: each node's own, as the node has it and as SSH saw it.
k1=$(sed -n 3p "$OUT/ssh1")
k2=$(sed -n 3p "$OUT/ssh2")
[ ${#k1} -gt 40 ] && [ ${#k2} -gt 40 ] || die "no host keys read back (node1 '$k1', node2 '$k2')"
[ "$k1" != "$k2" ] || die "node1 and node2 share the SSH host key $k1"
grep -q "$k1" "$ST/node1.known_hosts" && grep -q "$k2" "$ST/node2.known_hosts" ||
	die "the keys SSH recorded are not the nodes' own"
note "host keys: node1 ${k1#????????????????????????????????}, node2 ${k2#????????????????????????????????} (tails)"

# `up` again: nothing new starts.
p1=$(cat "$ST/node1.pid") p2=$(cat "$ST/node2.pid")
cl up >"$OUT/up2.out" 2>&1
rc=$?
expect_eq "second up: exit" 0 "$rc"
grep -q "^cluster: node1: already running (pid $p1)" "$OUT/up2.out" &&
	grep -q "^cluster: node2: already running (pid $p2)" "$OUT/up2.out" ||
	{ cat "$OUT/up2.out"; die "second up did not find both nodes running"; }
grep -q 'started mvmm' "$OUT/up2.out" && die "second up started another mvmm"
expect_eq "mvmm processes after the second up" 2 "$(mvmm_procs)"

t0=$(now_cs)
cl down >"$OUT/down.out" 2>&1
rc=$?
t_down=$(secs $(($(now_cs) - t0)))
echo "==== cluster.sh --small down (exit $rc, ${t_down}s)"
cat "$OUT/down.out"
[ "$rc" = 0 ] || die "cluster.sh down exited $rc"
for i in 1 2; do
	expect_eq "node$i: mvmm's exit status" 0 "$(cat "$ST/node$i.rc" 2>/dev/null)"
	grep -q "^cluster: node$i: guest powered off, mvmm exited 0" "$OUT/down.out" ||
		die "down: no clean poweroff line for node$i"
	grep -q 'reboot: Power down' "$ST/node$i.console" ||
		die "node$i: the console shows no 'reboot: Power down' (not a clean poweroff)"
done
note "down: both guests powered off in ${t_down}s"
[ -e /sys/class/net/$BR ] && die "bridge $BR left after down"
ls /sys/class/net | grep -q '^mvmm' && die "a TAP outlived mvmm: $(ls /sys/class/net | tr '\n' ' ')"
expect_eq "mvmm processes after down" 0 "$(mvmm_procs)"
ls "$ST"/*.pid >/dev/null 2>&1 && die "pid files left: $(ls "$ST"/*.pid)"
cl down >"$OUT/down2.out" 2>&1
expect_eq "second down: exit" 0 "$?"
grep -q '^cluster: no node running' "$OUT/down2.out" || { cat "$OUT/down2.out"; die "second down did not say 'no node running'"; }
cl status >"$OUT/status2.out" 2>&1
expect_eq "status with nothing running: exit" 1 "$?"
grep -q '^cluster: node1: stopped (last exit 0), address 10.88.0.11$' "$OUT/status2.out" ||
	{ cat "$OUT/status2.out"; die "status after down does not say node1 stopped"; }
note "ok: up ${t_up}s, down ${t_down}s"
