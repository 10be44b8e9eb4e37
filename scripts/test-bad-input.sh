#!/bin/sh
# The bad-input table (docs/bad-input.md), run by `make unit`: every case of
# tests/bad-input/cases.txt is a small INI file (plus arguments) that mvmm
# must refuse with exit status 1, nothing on stdout and exactly one stderr
# line, equal to the case's expected line. Each run has /dev/kvm replaced by
# /dev/null in a private mount namespace, so an mvmm that opened KVM before
# reporting fails on that instead (another message) and the case fails.
#
# cases.txt: blocks of
#   === NAME [ARG...]     NAME.ini gets the lines up to the '->' line; ARGs
#                         (VAR=VALUE ones, upper case, go to the environment) are added;
#                         without --kernel, '--kernel bzImage' is added
#                         (NOKERNEL: nothing is)
#   ...INI lines...
#   -> EXPECTED LINE      mvmm's whole stderr
# In EXPECTED, @CPUS@ and @NODES@ are this host's online CPUs and nodes.
# An INI line '@include FIXTURE' copies a fixture in (a NUL byte); an ARG
# '@FIXTURE' is the fixture's text (a 64 KiB --append).
# mvmm runs in a scratch directory holding the fixtures made below (kernel
# images good and bad, initrds, disk images, a fake sysfs), as
# `mvmm --config NAME.ini ARG...`, so messages carry relative names.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
MVMM=${MVMM:-$top/mvmm}
CASES=${BAD_INPUT_CASES:-$top/tests/bad-input/cases.txt}
fail() { echo "bad-input: FAIL: $*"; exit 1; }
[ -x "$MVMM" ] || fail "no $MVMM (make mvmm)"
[ -r "$CASES" ] || fail "no $CASES"
if [ "$(id -u)" != 0 ]; then
	echo "bad-input: skipped (needs root for unshare -m and the /dev/kvm bind mount)"
	exit 0
fi
unshare -m sh -c 'mount --bind /dev/null /dev/kvm' 2>/dev/null ||
	fail "unshare -m + mount --bind /dev/null /dev/kvm does not work here"

t=$(mktemp -d /tmp/mvmm-bad-input-XXXXXX)
trap 'rm -rf "$t"' EXIT
cd "$t" || fail "cd $t"

# ------------------------------------------------------------ fixtures
# put FILE OFFSET HEX...: write bytes at OFFSET (file grows as needed).
put() {
	f=$1 off=$2
	shift 2
	s=
	for h in "$@"; do s="$s\\$(printf %03o "0x$h")"; done
	# shellcheck disable=SC2059
	printf "$s" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}
# A bzImage boot__probe_kernel takes (tests/unit/fake_bzimage.h).
bzimage() {
	head -c 16384 /dev/zero >"$1"
	put "$1" $((0x1f1)) 04			# setup_sects
	put "$1" $((0x1fe)) 55 aa		# boot_flag
	put "$1" $((0x202)) 48 64 72 53		# "HdrS"
	put "$1" $((0x206)) 0f 02		# protocol 2.15
	put "$1" $((0x211)) 01			# loadflags LOADED_HIGH
	put "$1" $((0x232)) 20			# kernel_alignment 2M
	put "$1" $((0x234)) 01			# relocatable_kernel
	put "$1" $((0x236)) 01			# xloadflags XLF_KERNEL_64
	put "$1" $((0x262)) 10			# init_size 1M
}
bzimage bzImage
: >k-zero
head -c 100 /dev/urandom >k-short
head -c 16384 /dev/zero >k-zeros
head -c 16384 /dev/urandom >k-random
bzimage k-old && put k-old $((0x206)) 06 02		# protocol 2.06
bzimage k-trunc && head -c $((0x230)) bzImage >k-trunc	# header cut before init_size
bzimage k-setup && put k-setup $((0x1f1)) ff		# 255 setup sectors: past the end
bzimage k-no64 && put k-no64 $((0x236)) 00
bzimage k-noreloc && put k-noreloc $((0x234)) 00
bzimage k-align && put k-align $((0x230)) 00 01 00	# kernel_alignment 256
mkdir k-dir
mkfifo k-fifo
ln -s nowhere k-dangling
# ELF64 x86_64 executables: header, then program headers at 0x40.
elfhdr() {	# FILE PHNUM [PHENTSIZE]
	head -c 64 /dev/zero >"$1"
	put "$1" 0 7f 45 4c 46 02 01 01
	put "$1" 16 02 00 3e 00 01		# ET_EXEC, EM_X86_64, EV_CURRENT
	put "$1" 32 40				# e_phoff
	put "$1" 52 40 00 "${3:-38}" 00 "$2" 00	# e_ehsize, e_phentsize, e_phnum
}
phdr() {	# FILE INDEX TYPE OFFSET FILESZ MEMSZ-LOW MEMSZ-HIGH (hex bytes)
	o=$((64 + $2 * 56))
	head -c 56 /dev/zero | dd of="$1" bs=1 seek=$o conv=notrunc status=none
	put "$1" $o "$3"
	put "$1" $((o + 8)) "$4"
	put "$1" $((o + 16)) 00 00 10		# p_vaddr 1M
	put "$1" $((o + 24)) 00 00 10		# p_paddr 1M
	put "$1" $((o + 32)) "$5"
	put "$1" $((o + 40)) "$6" "$7"
}
head -c 10 /dev/zero >elf-cut && put elf-cut 0 7f 45 4c 46 02 01 01
elfhdr elf-32 1 && put elf-32 4 01
elfhdr elf-be 1 && put elf-be 5 02
elfhdr elf-arm 1 && put elf-arm 18 b7
elfhdr elf-nophdr 0
elfhdr elf-phcut 2				# headers past the end of a 64-byte file
elfhdr elf-phent 1 20
elfhdr elf-segcut 1 && phdr elf-segcut 0 01 00 ff ff 00	# 0xff bytes in a 120-byte file
elfhdr elf-memsz 1 && phdr elf-memsz 0 01 00 78 10 00	# filesz 0x78 > memsz 0x10
elfhdr elf-nonote 1 && phdr elf-nonote 0 01 00 78 78 00
# PT_LOAD [1M, 1M+0x100) and a PT_NOTE at 0xb0: Xen note type 18
elfnote() {	# FILE DESCSZ DESC...
	f=$1 sz=$2
	shift 2
	elfhdr "$f" 2
	phdr "$f" 0 01 00 ff ff 00
	phdr "$f" 1 04 b0 $(printf %02x $((16 + (sz + 3) / 4 * 4))) 00 00
	put "$f" $((0xb0)) 04 00 00 00 "$sz" 00 00 00 12 00 00 00 58 65 6e 00 "$@"
	head -c 256 /dev/zero | dd of="$f" bs=1 seek=$((0xc0 + (sz + 3) / 4 * 4)) \
		conv=notrunc status=none
}
elfnote elf-notesz 2 00 00 00 00
elfnote elf-entry 4 00 00 20 00			# entry 2M: outside the segment
# initrds and disk images
echo initrd >initrd.img
: >empty.img
truncate -s 2G big.img				# sparse: larger than the guest's RAM
truncate -s 1M disk.raw
head -c 1000 /dev/zero >odd.raw
: >empty.raw
truncate -s 1M ro.raw && chmod 0444 ro.raw
mkdir adir
mkfifo fifo.raw
# A fake sysfs for [pcie.NAME] host_device (MVMM_SYSFS).
mkdir -p sys/bus/pci/devices/0000:60:00.0 sys/bus/pci/devices/0000:61:00.0
echo -1 >sys/bus/pci/devices/0000:60:00.0/numa_node
echo 5 >sys/bus/pci/devices/0000:61:00.0/numa_node
export MVMM_SYSFS="$t/sys"
: >notasocket
printf '[machine]\ncpus = 1\0\n' >nul.txt
head -c 65536 /dev/zero | tr '\0' x >long.txt	# a 64 KiB kernel command line

# --------------------------------------------------------------- cases
pass=0 nfail=0 name=
run_case() {	# NAME EXPECTED, args in $args
	set -- "$1" "$2"
	envs= argv= kernel=no
	for a in $args; do
		case $a in
		[A-Z]*=*) envs="$envs $a" ;;
		--kernel) kernel=yes; argv="$argv $a" ;;
		NOKERNEL) kernel=yes ;;
		@*) argv="$argv $(cat "${a#@}")" ;;
		*) argv="$argv $a" ;;
		esac
	done
	[ "$kernel" = yes ] || argv="$argv --kernel bzImage"
	rc=0
	# shellcheck disable=SC2086
	env $envs unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh \
		"$MVMM" --config "$1.ini" $argv >"$1.out" 2>"$1.err" </dev/null || rc=$?
	why=
	got=$(cat "$1.err")
	if [ "$rc" != 1 ]; then
		why="exit status $rc, expected 1"
	elif [ -s "$1.out" ]; then
		why="output on stdout: $(head -c 200 "$1.out")"
	elif [ "$(wc -l <"$1.err")" != 1 ]; then
		why="$(wc -l <"$1.err") lines on stderr, expected 1"
	elif [ "$got" != "$2" ]; then
		why="message differs"
	fi
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		return
	fi
	nfail=$((nfail + 1))
	echo "bad-input: FAIL: $1: $why"
	echo "  expected: $2"
	sed 's/^/  got:      /' "$1.err"
}
cpus=$(cat /sys/devices/system/cpu/online)
nodes=$(cat /sys/devices/system/node/online 2>/dev/null || echo 0)
n=0
while IFS= read -r line; do
	case $line in
	'=== '*)
		[ -z "$name" ] || fail "$name: no '->' line before '$line'"
		set -- ${line#=== }
		name=$1
		shift
		args="$*"
		[ ! -e "$name.ini" ] || fail "$name: case named twice"
		: >"$name.ini"
		;;
	'-> '*)
		[ -n "$name" ] || fail "'$line' outside a case"
		exp=${line#-> }
		exp=$(printf '%s\n' "$exp" | sed "s/@CPUS@/$cpus/g; s/@NODES@/$nodes/g")
		run_case "$name" "$exp"
		n=$((n + 1))
		name=
		;;
	'@include '*)
		cat "${line#@include }" >>"$name.ini" || fail "$name: $line"
		;;
	*)
		[ -n "$name" ] && printf '%s\n' "$line" >>"$name.ini"
		;;
	esac
done <"$CASES"
[ -z "$name" ] || fail "$name: no '->' line"
echo "bad-input: $n cases: $pass rejected as expected, $nfail failed"
[ "$nfail" -eq 0 ] && [ "$n" -gt 0 ]
