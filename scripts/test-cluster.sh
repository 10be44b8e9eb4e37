#!/bin/sh
# scripts/cluster.sh against a fake mvmm and a fake ssh (run by `make unit`;
# the real thing boots in tests/guest/scenarios/cluster.sh): up creates the
# bridge and starts each node once (a second up starts nothing), status and
# its exit status, down's SIGTERM and each mvmm's exit status (0, and 10 for
# a guest that does not power off), the bridge removed, no pid file or
# process left, down twice, a node whose mvmm dies during up (up fails and
# stops the other), a stale pid file, a missing image key. Needs root (a
# real bridge, on a private address) and /dev/kvm's presence; skips without.
set -u
cd "$(dirname "$0")/.." || exit 1
if [ "$(id -u)" != 0 ] || [ ! -c /dev/kvm ] || ! command -v ip >/dev/null; then
	echo "test-cluster: SKIP (needs root, /dev/kvm and ip)"
	exit 0
fi
t=$(mktemp -d /tmp/mvmm-cluster-XXXXXX)
BR=mvcltest0
export CLUSTER_HOST_IP=10.254.77.1/24 CLUSTER_BOOT_TIMEOUT=10 CLUSTER_DOWN_TIMEOUT=10
cleanup() {
	# Every fake mvmm of this run, pid file or not (a broken cluster.sh may lose one).
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q "$t/bin/mvmm" || continue
		p=${f#/proc/}; kill -KILL "${p%/cmdline}" 2>/dev/null
	done
	ip link del "$BR" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "test-cluster: FAIL: $*"; [ -f "$t/out" ] && sed 's/^/  | /' "$t/out"; exit 1; }

mkdir -p "$t/bin" "$t/configs" "$t/image" "$t/state"
: >"$t/image/id_ed25519"
for i in 1 2; do
	printf '[machine]\nname = n%s\ncmdline = console=ttyS0 mvmm.ip=10.254.77.1%s/24\n[net.eth0]\nbridge = %s ; the NIC\n' \
		"$i" "$i" "$BR" >"$t/configs/node$i.ini"
done
# The fake mvmm: --check passes; a run prints a login prompt and waits; on
# SIGTERM it "powers off" with $FAKE_RC; FAKE_DIE=NODE makes that node's
# mvmm exit 1 at once.
cat >"$t/bin/mvmm" <<'EOF'
#!/bin/sh
case " $* " in *" --check "*) exit 0 ;; esac
case " $* " in *"/${FAKE_DIE:-none}.ini "*) echo "mvmm: fake death" >&2; exit 1 ;; esac
trap 'exit ${FAKE_RC:-0}' TERM
echo "fake login: "
while :; do sleep 0.1; done
EOF
# The fake ssh: answers for every address without a "down-ADDR" file.
cat >"$t/bin/ssh" <<EOF
#!/bin/sh
for a; do case \$a in root@*) addr=\${a#root@} ;; esac; done
[ -e "$t/down-\$addr" ] && exit 255
echo "host-\$addr"
EOF
chmod +x "$t/bin/mvmm" "$t/bin/ssh"
export PATH="$t/bin:$PATH"
cl() { scripts/cluster.sh --configs "$t/configs" --state "$t/state" --image "$t/image" --mvmm "$t/bin/mvmm" "$@" >"$t/out" 2>&1; }
has() { grep -qE "$1" "$t/out" || fail "expected a line matching '$1'"; }
procs() { grep -lx mvmm /proc/[0-9]*/comm 2>/dev/null | wc -l; }
[ "$(procs)" = 0 ] || { echo "test-cluster: SKIP (an mvmm is running here)"; exit 0; }

cl up || fail "up exited $?"
has '^cluster: bridge mvcltest0 created$'
has '^cluster: node1: started mvmm \(pid [0-9]+'
has '^cluster: node2: ssh root@10.254.77.12 answers$'
has '^host-10.254.77.11$'
[ -d /sys/class/net/$BR/bridge ] || fail "no bridge $BR after up"
ip -4 -o addr show dev $BR | grep -q ' 10.254.77.1/24 ' || fail "the bridge lacks 10.254.77.1/24"
[ "$(procs)" = 2 ] || fail "$(procs) mvmm processes after up, expected 2"
p1=$(cat "$t/state/node1.pid")
cl up || fail "second up exited $?"
has "^cluster: node1: already running \(pid $p1\)$"
grep -q 'started mvmm' "$t/out" && fail "second up started a node"
[ "$(procs)" = 2 ] || fail "$(procs) mvmm processes after a second up"
cl status || fail "status exited $? with both nodes up"
has '^cluster: node2: running \(pid [0-9]+\), address 10.254.77.12, ssh ok \(hostname host-10.254.77.12\)$'
: >"$t/down-10.254.77.12"
cl status && fail "status exited 0 with node2 unreachable"
has '^cluster: node2: running \(pid [0-9]+\), address 10.254.77.12, ssh unreachable$'
rm -f "$t/down-10.254.77.12"

cl down || fail "down exited $?"
has '^cluster: node1: guest powered off, mvmm exited 0$'
has '^cluster: node2: guest powered off, mvmm exited 0$'
has '^cluster: bridge mvcltest0 removed$'
[ -e /sys/class/net/$BR ] && fail "bridge $BR left after down"
ls "$t"/state/*.pid >/dev/null 2>&1 && fail "pid files left after down"
[ "$(procs)" = 0 ] || fail "$(procs) mvmm processes after down"
cl down || fail "second down exited $?"
has '^cluster: no node running$'
cl status && fail "status exited 0 with nothing running"
has '^cluster: node1: stopped \(last exit 0\), address 10.254.77.11$'

# A guest that ignores the power button: mvmm's shutdown_timeout gives 10.
FAKE_RC=10 cl up || fail "up (FAKE_RC=10) exited $?"
FAKE_RC=10 cl down && fail "down exited 0 though mvmm exited 10"
has '^cluster: error: node1: mvmm exited 10 '
[ "$(procs)" = 0 ] || fail "$(procs) mvmm processes after down"

# node2's mvmm dies during up: up fails naming it and stops node1.
FAKE_DIE=node2 cl up && fail "up exited 0 though node2's mvmm died"
has '^cluster: error: node2: mvmm exited \(1\) before SSH came up$'
has '^cluster: node1: guest powered off, mvmm exited 0$'
[ "$(procs)" = 0 ] || fail "$(procs) mvmm processes after a failed up"
[ -e /sys/class/net/$BR ] && fail "bridge $BR left after a failed up"

# A stale pid file (a live process that is no mvmm) is no running node.
echo $$ >"$t/state/node1.pid"
cl status
has '^cluster: node1: stopped'
rm -f "$t/state/node1.pid"

# No image key: one line naming the fix, nothing created.
rm -f "$t/image/id_ed25519"
cl up && fail "up exited 0 without the image key"
has "^cluster: error: no image key $t/image/id_ed25519: run make image$"
[ -e /sys/class/net/$BR ] && fail "up without a key created the bridge"
echo "test-cluster: ok (up, second up, status, down, second down, exit 10, a node dying in up, stale pid, no key)"
