#!/bin/busybox sh
# Runs INSIDE the inner guest (not a test-host scenario; not in SUITE):
# testhost.sh copies it to /bin/passphrase-inguest.sh of the guest
# initramfs; accel-passphrase.sh boots with mvmm.kmod=1
# mvmm.run=/bin/passphrase-inguest.sh and asserts on what it prints:
#   @@FACT pass_<dev>_<what>=...   per device (mock0, mock0_vf0)
# Per device: the default length, lengths 3 and 13 refused by the driver
# (length unchanged), the length set, two generates' status, count and
# passphrase (read through the driver's passphrase attribute).
CLS=/sys/class/mock-accel
fact() { echo "@@FACT $1=$2"; }

echo 1 >$CLS/mock0/sriov_numvfs || fact pass_error "sriov_numvfs=1 failed"
for d in mock0:7 mock0_vf0:12; do
	dev=${d%:*} len=${d#*:} a=$CLS/${d%:*}
	[ -d "$a" ] || { fact "pass_${dev}_present" no; continue; }
	fact "pass_${dev}_present" yes
	fact "pass_${dev}_status0" "$(cat $a/passphrase_status)"
	fact "pass_${dev}_length0" "$(cat $a/passphrase_length)"
	for bad in 3 13; do
		if echo $bad >$a/passphrase_length 2>/dev/null; then r=accepted; else r=refused; fi
		fact "pass_${dev}_len${bad}" "$r"
	done
	fact "pass_${dev}_length_after_bad" "$(cat $a/passphrase_length)"
	echo $len >$a/passphrase_length
	fact "pass_${dev}_length" "$(cat $a/passphrase_length)"
	for k in 1 2; do
		echo 1 >$a/passphrase_generate
		fact "pass_${dev}_status$k" "$(cat $a/passphrase_status)"
		fact "pass_${dev}_count$k" "$(cat $a/passphrase_count)"
		fact "pass_${dev}_phrase$k" "$(cat $a/passphrase)"
		# The attribute is the string and one newline: 1 line, no NUL.
		fact "pass_${dev}_lines$k" "$(wc -l <$a/passphrase)"
		fact "pass_${dev}_bytes$k" "$(wc -c <$a/passphrase)"
	done
done
fact pass_done 1
