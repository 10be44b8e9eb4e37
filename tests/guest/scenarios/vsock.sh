#!/bin/sh
# virtio-vsock over vhost-vsock (tests/guest/configs/vsock-2node.ini: CID 42
# behind the node-1 expander).
#  0. /dev/vhost-vsock missing (MVMM_VHOST_VSOCK points elsewhere): exit 1,
#     one line naming [vsock] and "modprobe vhost_vsock", before any VM
#     (/dev/kvm bound to /dev/null, as bad-config.sh does).
#  1. Boot: the guest finds the device at 0000:21:00.0 on numa_node 1,
#     bound to virtio-pci and the vsock transport, and its own CID is 42. A checksummed 1 MiB echo
#     in both directions over AF_VSOCK (tests/tools/vsock-echo): the test
#     host connects to CID 42 port 5000 (guest listening), the guest to
#     CID 2 port 5001 (test host listening); both ends agree on the FNV-1a
#     of what was sent and what came back.
#  2. While it runs: a second mvmm with the same CID fails with one line
#     naming [vsock] cid, before any VM (again /dev/kvm -> /dev/null).
#  3. The vhost worker (a kernel thread "vhost-<mvmm pid>" on the test
#     host's 6.1) runs on host node 1's CPU (/proc), and the SIGUSR1
#     placement report lists it on plan.
# host-nodes: 2
# modules: vhost_vsock
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "mvmm's [vsock] syntax"
[ -c /dev/vhost-vsock ] || fail "no /dev/vhost-vsock in the test host (the '# modules: vhost_vsock' line loads it)"
ECHO=$TH/bin/vsock-echo
[ -x "$ECHO" ] || fail "$ECHO missing (make guest-test builds tests/tools)"
CFG=$CONFIGS/vsock-2node.ini
args="--config $CFG --kernel $VMLINUZ --initrd $INITRD"
SIZE=1048576

# one_line_before_vm NAME ENV PATTERN: mvmm with ENV (VAR=value or "") and
# /dev/kvm -> /dev/null exits 1 with exactly one stderr line matching PATTERN.
one_line_before_vm() {
	note "run: $2 $VMM $args (with /dev/kvm -> /dev/null)"
	VMM_T0=$(now_cs)
	env $2 unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh \
		"$VMM" $args >"$OUT/$1.out" 2>"$OUT/$1.err" </dev/null &
	VMM_PID=$!
	vmm_finish "$1" 10
	expect_rc "$1" 1
	[ ! -s "$OUT/$1.out" ] || fail "$1: guest console output"
	[ "$(wc -l <"$OUT/$1.err")" -eq 1 ] || fail "$1: expected one line on stderr, got $(wc -l <"$OUT/$1.err")"
	grep -qE "$3" "$OUT/$1.err" || fail "$1: stderr does not match '$3': $(cat "$OUT/$1.err")"
	note "ok: $1: $(cat "$OUT/$1.err")"
}

# ---- 0: no vhost-vsock device ---------------------------------------------
one_line_before_vm nodev MVMM_VHOST_VSOCK=/dev/no-vhost-vsock \
	"^mvmm: $CFG:[0-9]+: \[vsock\]: expected read-write access to /dev/no-vhost-vsock \(\[vsock\], the guest's virtio-vsock\), got: No such file or directory \(modprobe vhost_vsock\)$"

# ---- 1: boot, echo both ways ----------------------------------------------
# Until the guest connects: after its boot and the first echo.
"$ECHO" listen 5001 "$BOOT_TIMEOUT" >"$OUT/host-listen.out" 2>&1 &
HL=$!
i=0
while ! grep -q listening "$OUT/host-listen.out" && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done
grep -q listening "$OUT/host-listen.out" || fail "test host listener: $(cat "$OUT/host-listen.out")"
n=boot
vmm_start "$n" $args --append "$BASE_CMDLINE mvmm.test=poweroff mvmm.run=/bin/vsock-inguest.sh"
stop() { kill -KILL "$VMM_PID" "$HL" 2>/dev/null; wait "$VMM_PID"; show_output "$n"; fail "$n: $*"; }
wait_line "$OUT/$n.out" '^@@FACT vsock_listening=' "$BOOT_TIMEOUT" || stop "the guest never got to listen"
[ "$(fact "$n" vsock_listening)" = 1 ] || stop "the guest could not listen on port 5000"
expect_sandboxed "$VMM_PID"

# ---- 2: the same CID again -------------------------------------------------
main_pid=$VMM_PID
one_line_before_vm samecid "" \
	"^mvmm: $CFG:[0-9]+: \[vsock\] cid: expected a guest CID no other VM on this host uses, got '42' \(/dev/vhost-vsock: Address already in use\)$"
VMM_PID=$main_pid

# ---- 3: the vhost worker ---------------------------------------------------
w=
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = "vhost-$VMM_PID" ] && w=${p#/proc/}
done
[ -n "$w" ] || stop "no vhost-$VMM_PID thread"
a=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$w/status")
[ "$a" = 1 ] || stop "the vhost worker $w runs on CPUs '$a', not 1 (host node 1, the device's)"
note "ok: vhost worker $w (vhost-$VMM_PID) on host CPU $a"
kill -USR1 "$VMM_PID"
i=0
while ! grep -qE "^mvmm: +$w +vhost-$VMM_PID " "$OUT/$n.err" && [ $i -lt 200 ]; do usleep 50000; i=$((i + 1)); done
grep -qE "^mvmm: +$w +vhost-$VMM_PID +1 +1 +ok$" "$OUT/$n.err" ||
	stop "the placement report has no '$w vhost-$VMM_PID 1 1 ok' line"
note "ok: placement report: vhost-$VMM_PID on 1, planned 1"

# host -> guest
"$ECHO" send 42 5000 $SIZE >"$OUT/host-send.out" 2>"$OUT/host-send.err"
hs=$?
note "host send: $(cat "$OUT/host-send.out" "$OUT/host-send.err")"
wait_line "$OUT/$n.out" '^@@DONE' "$BOOT_TIMEOUT" || stop "guest did not finish /init"
vmm_finish "$n" "$ACTION_TIMEOUT"
expect_rc "$n" 0
wait_exit "$HL" 10 || { kill -KILL "$HL"; fail "the test host's listener is still waiting"; }
hl=$RC
note "host listener: $(cat "$OUT/host-listen.out")"

expect_eq "host -> guest: vsock-echo send exit status" 0 "$hs"
expect_eq "guest -> host: test host listener exit status" 0 "$hl"
expect_fact "$n" vsock_pci 0000:21:00.0
expect_fact "$n" vsock_numa_node 1
expect_fact "$n" vsock_driver virtio-pci
expect_fact "$n" vsock_transport_bound 1
expect_fact "$n" vsock_cid 42
expect_fact "$n" vsock_listen_rc 0
expect_fact "$n" vsock_send_rc 0
# Both ends saw the same bytes: the sender's checksum is the echoer's.
sum() { sed -n 's/.*fnv=\([0-9a-f]*\).*/\1/p' | head -n 1; }
h2g=$(sum <"$OUT/host-send.out")
[ -n "$h2g" ] || fail "host -> guest: no checksum in '$(cat "$OUT/host-send.out")'"
expect_eq "host -> guest: guest's echo" "vsock-echo: echoed $SIZE bytes fnv=$h2g to cid 2" "$(fact "$n" vsock_listen)"
expect_eq "host -> guest: host's check" "vsock-echo: sent $SIZE bytes fnv=$h2g, echo fnv=$h2g: ok" "$(cat "$OUT/host-send.out")"
g2h=$(fact "$n" vsock_send | sum)
[ -n "$g2h" ] || fail "guest -> host: no checksum in '$(fact "$n" vsock_send)'"
expect_eq "guest -> host: guest's check" "vsock-echo: sent $SIZE bytes fnv=$g2h, echo fnv=$g2h: ok" "$(fact "$n" vsock_send)"
expect_eq "guest -> host: host's echo" "vsock-echo: listening on port 5001
vsock-echo: echoed $SIZE bytes fnv=$g2h to cid 42" "$(cat "$OUT/host-listen.out")"
[ "$h2g" != "$g2h" ] || fail "both directions sent the same bytes (fnv $h2g): the test cannot tell them apart"
note "guest -> host timing: $(fact "$n" vsock_send_stderr)"
check_dmesg "$n"
