#!/bin/sh
# The mock-accel passphrase generator through the project's driver
# (mvmm.kmod=1) on a PF and its VF (tests/guest/configs/accel-passphrase.ini,
# in-guest part passphrase-inguest.sh): the out-of-tree driver's sysfs
# attributes, idle at first with length 6, bad lengths refused, the length
# set, generate -> ready, COUNT words, each one from the EFF large wordlist
# (the Debian file testhost.sh copies to $GUEST/eff_wordlist.txt), joined by
# '-', and two generates giving different passphrases.
# host-nodes: 1
. "$(dirname "$0")/lib.sh"

[ "$VMM" = mvmm ] || skip "mock-accel is emulated by mvmm"
WORDS=$GUEST/eff_wordlist.txt
[ -s "$WORDS" ] || fail "no wordlist at $WORDS (testhost.sh copies Debian's diceware list)"
n=pass
vmm_boot "$n" --config "$CONFIGS/accel-passphrase.ini" --kernel "$VMLINUZ" --initrd "$INITRD" \
	--append "$BASE_CMDLINE mvmm.test=poweroff mvmm.kmod=1 mvmm.run=/bin/passphrase-inguest.sh"
expect_rc "$n" 0
expect_fact "$n" pass_done 1

# phrase_ok PHRASE COUNT: PHRASE is exactly COUNT words of the list joined
# by '-'. Four EFF words contain a '-' themselves, so split on '-' and
# accept a word made of one piece or of two pieces joined back (dynamic
# programming over the pieces: ok[i, c] = the first i pieces are c words).
phrase_ok() {
	awk -F'\t' -v p="$1" -v want="$2" '
		{ w[$2] = 1 }
		END {
			if (p !~ /^[a-z]+(-[a-z]+)*$/) exit 1
			k = split(p, s, "-")
			ok[0, 0] = 1
			for (i = 1; i <= k; i++)
				for (c = 1; c <= i; c++) {
					if (ok[i - 1, c - 1] && (s[i] in w)) ok[i, c] = 1
					if (i >= 2 && ok[i - 2, c - 1] && ((s[i - 1] "-" s[i]) in w)) ok[i, c] = 1
				}
			exit ok[k, want] ? 0 : 1
		}' "$WORDS"
}

for d in mock0:7 mock0_vf0:12; do
	dev=${d%:*} len=${d#*:}
	expect_fact "$n" "pass_${dev}_present" yes
	expect_fact "$n" "pass_${dev}_status0" idle
	expect_fact "$n" "pass_${dev}_length0" 6
	expect_fact "$n" "pass_${dev}_len3" refused
	expect_fact "$n" "pass_${dev}_len13" refused
	expect_fact "$n" "pass_${dev}_length_after_bad" 6
	expect_fact "$n" "pass_${dev}_length" "$len"
	for k in 1 2; do
		expect_fact "$n" "pass_${dev}_status$k" ready
		expect_fact "$n" "pass_${dev}_count$k" "$len"
		expect_fact "$n" "pass_${dev}_lines$k" 1
		p=$(fact "$n" "pass_${dev}_phrase$k")
		# The attribute's bytes: the string and its newline, nothing after.
		expect_fact "$n" "pass_${dev}_bytes$k" $((${#p} + 1))
		phrase_ok "$p" "$len" ||
			fail "$n: $dev passphrase $k '$p' is not $len words of the EFF list joined by '-'"
		note "ok: $n: $dev passphrase $k: $p ($len words, all in the list)"
	done
	[ "$(fact "$n" "pass_${dev}_phrase1")" != "$(fact "$n" "pass_${dev}_phrase2")" ] ||
		fail "$n: $dev gave the same passphrase twice"
	note "ok: $n: $dev: two generates differ"
done
check_dmesg "$n"
