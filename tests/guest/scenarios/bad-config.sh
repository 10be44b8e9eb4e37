#!/bin/sh
# Bad configs end mvmm with exit status 1 and exactly one "mvmm: " line on
# stderr naming the file and the key, before any VM exists. "Before any VM"
# is checked by running mvmm with /dev/kvm replaced by /dev/null (in a
# private mount namespace): an mvmm that opened KVM first would fail on
# that instead of reporting the config error.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"

check_bad() {	# CONFIG KEY
	name=$(basename "$1" .ini)
	note "run: $VMM --config $1 (with /dev/kvm -> /dev/null)"
	VMM_T0=$(now_cs)
	unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh \
		"$VMM" --config "$1" --kernel "$VMLINUZ" --initrd "$INITRD" \
		>"$OUT/$name.out" 2>"$OUT/$name.err" </dev/null &
	VMM_PID=$!
	vmm_finish "$name" 10
	expect_rc "$name" 1
	[ ! -s "$OUT/$name.out" ] || fail "$name: guest console output from a bad config"
	lines=$(wc -l <"$OUT/$name.err")
	[ "$lines" -eq 1 ] || fail "$name: expected one line on stderr, got $lines"
	msg=$(cat "$OUT/$name.err")
	case $msg in mvmm:\ *) ;; *) fail "$name: error line does not start with 'mvmm: ': $msg" ;; esac
	case $msg in *"$name.ini"*) ;; *) fail "$name: error does not name the file: $msg" ;; esac
	case $msg in *"$2"*) ;; *) fail "$name: error does not name the key '$2': $msg" ;; esac
	note "ok: $name: $msg"
}

[ "$VMM" = mvmm ] || skip "bad-config checks mvmm's own error messages"
check_bad "$CONFIGS/bad-cpus0.ini" cpus
check_bad "$CONFIGS/bad-memory.ini" memory
check_bad "$CONFIGS/bad-key.ini" cpu
# The 1-node test host's kvm_amd has nested=0: preflight names the parameter.
check_bad "$CONFIGS/bad-nested.ini" nested
grep -q "expected kvm_amd's nested parameter on, got off" "$OUT/bad-nested.err" ||
	fail "bad-nested: the error does not name kvm_amd's nested parameter: $(cat "$OUT/bad-nested.err")"
