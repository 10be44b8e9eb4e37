# shellcheck shell=bash
# Shared helpers for the nested test host (see docs/testhost.md): the stock
# Debian kernel cache, the PVH vmlinux extraction, and initramfs staging.
# Sourced by tests/testhost/*.sh, tests/guest/build-initramfs.sh and
# scripts/demo.sh; everything here runs on the outer machine, never inside
# a guest. Bash, because BASH_SOURCE gives us the repo root from any caller.

TH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TH_LIB_DIR/../.." && pwd)
MVMM_CACHE=${MVMM_CACHE:-$HOME/.cache/mvmm}
TH_BUILD=${TH_BUILD:-$REPO_ROOT/build/testhost}
# Bump when the cache layout or the extraction changes, so old caches redo it.
TH_CACHE_FORMAT=1

# A fault of the test host's own kernel, as its console shows it (the inner
# guests' consoles never reach it): the only reason a scenario may run again.
TH_HOST_FAULT='^\[ *[0-9.]+\] (Kernel panic - not syncing|watchdog: BUG: soft lockup|BUG: TASK stack guard page|rcu: INFO: rcu_[a-z]+ (self-)?detected stall)[^[:cntrl:]]*'

# th_host_fault LOG: one line naming the test host's own fault during the
# run whose console is LOG, or nothing: its kernel's panic, soft-lockup,
# stack-overflow or RCU-stall line; a reset (QEMU, run with -no-reboot,
# exited 0 -- testhost.sh writes its status beside the log -- without
# @@HOST-DONE); or a freeze (host-init's heartbeat stopped: testhost.sh
# wrote "frozen").
th_host_fault() {
	if grep -aqE "$TH_HOST_FAULT" "$1"; then
		grep -aoE "$TH_HOST_FAULT" "$1" | head -n 1 | sed 's/^\[[ 0-9.]*\] //'
	elif ! grep -aq '@@HOST-DONE' "$1"; then
		case $(cat "${1%.log}.qemu-exit" 2>/dev/null) in
		0) echo "test host reset (QEMU exited 0 without finishing)" ;;
		frozen) echo "test host froze (no heartbeat from its own userspace)" ;;
		esac
	fi
}

# th_locate LOG HEX: HEX, an address in the test host, as MODULE+0xOFF of a
# KVM module (LOG's "@@HOST-FACT kmods=") or _text+0xOFF of its kernel
# ("@@HOST-FACT ktext=", the KASLR base); else HEX as it is (user space, or
# an inner guest's). The offsets are the same from boot to boot of one
# kernel, so freezes can be compared, and named later with the kernel's
# symbols (Debian ships them only in linux-image-*-dbg).
th_locate() {
	local a=$((16#$2)) kt m name base size off
	for m in $(tr -d '\r' <"$1" | sed -n 's/^@@HOST-FACT kmods=//p' | head -n 1); do
		IFS=: read -r name base size <<<"$m"
		off=$((a - base))
		[ "$off" -ge 0 ] && [ "$off" -lt "$size" ] && { printf '%s+0x%x\n' "$name" "$off"; return; }
	done
	kt=$(tr -d '\r' <"$1" | sed -n 's/^@@HOST-FACT ktext=//p' | head -n 1)
	if [ -n "$kt" ]; then
		off=$((a - 16#$kt))
		[ "$off" -ge 0 ] && [ "$off" -lt $((64 << 20)) ] && { printf '_text+0x%x\n' "$off"; return; }
	fi
	echo "$2"
}

th_log() { printf '%s\n' "testhost: $*" >&2; }
th_die() { printf '%s\n' "testhost: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Kernel cache

# Print the versioned name behind linux-image-cloud-amd64 (e.g.
# 6.1.0-56-cloud-amd64). Debian moves it, so it is resolved at run time;
# MVMM_KERNEL_VERSION pins it. Without package lists (fresh machine) we run
# apt-get update once; when that fails too (offline) we reuse the newest
# version already in the cache.
th_kernel_version() {
	if [ -n "${MVMM_KERNEL_VERSION:-}" ]; then
		echo "$MVMM_KERNEL_VERSION"; return 0
	fi
	local v
	v=$(_th_depends linux-image-cloud-amd64 linux-image-)
	if [ -z "$v" ]; then
		th_log "apt-cache knows no linux-image-cloud-amd64; running apt-get update"
		apt-get update -q >/dev/null 2>&1 || th_log "apt-get update failed"
		v=$(_th_depends linux-image-cloud-amd64 linux-image-)
	fi
	if [ -z "$v" ]; then
		v=$(ls -1 "$MVMM_CACHE/kernel" 2>/dev/null | sort -V | tail -n 1)
		[ -n "$v" ] && th_log "using cached kernel $v (apt could not resolve one)"
	fi
	[ -n "$v" ] || th_die "cannot resolve the linux-image-cloud-amd64 version (apt-cache depends)"
	echo "$v"
}

# _th_depends PKG PREFIX: the first "Depends: PREFIX<rest>" of PKG, minus PREFIX.
_th_depends() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n "s/^ *Depends: $2//p" | head -n 1
}

# Make sure the cache holds kernel $1 (image, modules with a modules.dep,
# headers, and the PVH vmlinux), then set:
#   KVER KDIR KROOT KVMLINUZ KVMLINUX KMODDIR KHEADERS
# Idempotent: a stamp file per version marks a complete extraction; an
# interrupted one leaves only a tmp dir that the next call removes.
th_kernel_fetch() {
	KVER=${1:-$(th_kernel_version)}
	KDIR=$MVMM_CACHE/kernel/$KVER
	KROOT=$KDIR/root
	KVMLINUZ=$KROOT/boot/vmlinuz-$KVER
	KVMLINUX=$KDIR/vmlinux
	KMODDIR=$KROOT/lib/modules/$KVER
	KHEADERS=$KROOT/usr/src/linux-headers-$KVER
	local stamp=$KDIR/.complete-v$TH_CACHE_FORMAT
	[ -f "$stamp" ] && return 0

	th_log "fetching kernel $KVER into $KDIR"
	mkdir -p "$MVMM_CACHE/kernel"
	rm -rf "$KDIR"
	local tmp
	tmp=$(mktemp -d "$MVMM_CACHE/kernel/.tmp-$KVER.XXXXXX")
	chmod 755 "$tmp"
	# The headers package depends on a -common one that holds most files.
	local common pkgs
	common=$(_th_depends "linux-headers-$KVER" linux-headers-)
	pkgs="linux-image-$KVER linux-headers-$KVER"
	[ -n "$common" ] && pkgs="$pkgs linux-headers-$common"
	# apt-get download as root warns that _apt cannot write the cwd; harmless.
	if ! (cd "$tmp" && apt-get download -q $pkgs >"$tmp/download.log" 2>&1); then
		cat "$tmp/download.log" >&2
		rm -rf "$tmp"
		th_die "apt-get download $pkgs failed"
	fi
	local deb
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; th_die "dpkg-deb -x $deb failed"; }
	done
	rm -f "$tmp"/*.deb "$tmp/download.log"
	# The package's postinst would run depmod; we never install it, so do it
	# here (busybox's depmod: kmod may be absent on a fresh machine).
	busybox depmod -b "$tmp/root" "$KVER" ||
		{ rm -rf "$tmp"; th_die "depmod for $KVER failed"; }
	th_extract_vmlinux "$tmp/root/boot/vmlinuz-$KVER" "$tmp/vmlinux" ||
		{ rm -rf "$tmp"; th_die "cannot extract vmlinux from vmlinuz-$KVER"; }
	mv "$tmp" "$KDIR"
	touch "$stamp"
	th_log "kernel $KVER cached ($(du -sh "$KDIR" | cut -f1))"
}

# ---------------------------------------------------------------------------
# The test host's QEMU

# th_qemu: set TH_QEMU_CMD, the QEMU (and its firmware path) that runs
# the test host: bookworm's qemu-system-x86 (7.2), or $TH_QEMU. A QEMU
# unpacked elsewhere (.../usr/bin/qemu-system-x86_64) gets its own
# .../usr/share/qemu, then Debian's SeaBIOS. bookworm-backports' QEMU 10.0
# was measured as the test host too and was far less stable
# (tests/testhost/README.md), so 7.2 it is.
th_qemu() {
	local q=${TH_QEMU:-qemu-system-x86_64}
	TH_QEMU_CMD=("$q")
	case $q in
	*/usr/bin/*) [ "$q" = /usr/bin/qemu-system-x86_64 ] ||
		TH_QEMU_CMD+=(-L "${q%/bin/*}/share/qemu" -L /usr/share/seabios) ;;
	esac
}

# _th_le32 FILE OFFSET / _th_u8 FILE OFFSET: little-endian fields of a file.
_th_le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
_th_u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

# th_extract_vmlinux BZIMAGE OUT: the ELF vmlinux (with the PVH note) is the
# bzImage's compressed payload. Boot protocol: setup_sects at 0x1f1 (0 means
# 4), protected-mode code starts at (setup_sects+1)*512, payload_offset
# (0x248) and payload_length (0x24c) are relative to that start.
th_extract_vmlinux() {
	local bz=$1 out=$2
	[ "$(od -An -c -j $((0x202)) -N4 "$bz" | tr -d ' ')" = HdrS ] ||
		{ th_log "$bz is not a bzImage (no HdrS)"; return 1; }
	local sects off len start magic
	sects=$(_th_u8 "$bz" $((0x1f1)))
	[ "$sects" -eq 0 ] && sects=4
	off=$(_th_le32 "$bz" $((0x248)))
	len=$(_th_le32 "$bz" $((0x24c)))
	start=$(( (sects + 1) * 512 + off ))
	magic=$(od -An -tx1 -j "$start" -N6 "$bz" | tr -d ' ')
	local dec
	case $magic in
	02214c18*) dec="lz4 -dc" ;;	# LZ4 legacy frame: Debian 6.1
	1f8b*) dec="gzip -dc" ;;
	fd377a585a00) dec="xz -dc" ;;
	28b52ffd*) dec="zstd -dc" ;;
	*) th_log "unknown payload compression (magic $magic)"; return 1 ;;
	esac
	# lz4 -dc of a legacy frame followed by padding warns; the ELF check
	# below is what decides.
	tail -c +$((start + 1)) "$bz" | head -c "$len" | $dec >"$out.tmp" 2>/dev/null || true
	if [ "$(od -An -tx1 -N4 "$out.tmp" | tr -d ' ')" != 7f454c46 ]; then
		rm -f "$out.tmp"
		th_log "payload of $bz did not decompress to an ELF"
		return 1
	fi
	# lz4 exits 1 on the kernel's trailing size word, so prove the ELF is
	# whole instead: every program header's data must lie inside the file.
	local need
	need=$(_th_elf_end "$out.tmp")
	if [ "$need" -gt "$(stat -c %s "$out.tmp")" ]; then
		rm -f "$out.tmp"
		th_log "vmlinux from $bz is truncated (needs $need bytes)"
		return 1
	fi
	mv "$out.tmp" "$out"
}

# _th_elf_end ELF: the largest p_offset + p_filesz of a 64-bit ELF.
_th_elf_end() {
	local f=$1 phoff phentsize phnum i ph o s end=0
	phoff=$(od -An -tu8 -j 32 -N8 "$f" | tr -d ' ')
	phentsize=$(od -An -tu2 -j 54 -N2 "$f" | tr -d ' ')
	phnum=$(od -An -tu2 -j 56 -N2 "$f" | tr -d ' ')
	for ((i = 0; i < phnum; i++)); do
		ph=$((phoff + i * phentsize))
		o=$(od -An -tu8 -j $((ph + 8)) -N8 "$f" | tr -d ' ')
		s=$(od -An -tu8 -j $((ph + 32)) -N8 "$f" | tr -d ' ')
		[ $((o + s)) -gt "$end" ] && end=$((o + s))
	done
	echo "$end"
}

# ---------------------------------------------------------------------------
# Initramfs staging (used for both the test host and the inner guest)

# th_stage_init DIR: an empty root with the directories and device nodes an
# /init needs before it mounts devtmpfs (the kernel opens /dev/console for
# init's stdio).
th_stage_init() {
	rm -rf "$1"
	mkdir -p "$1"/{bin,sbin,dev,proc,sys,tmp,etc,lib,lib64,usr/bin,usr/lib,usr/sbin,usr/share,run,var}
	mknod -m 600 "$1/dev/console" c 5 1
	mknod -m 666 "$1/dev/null" c 1 3
	cp /bin/busybox "$1/bin/busybox"
	file_is_static "$1/bin/busybox" || th_die "/bin/busybox is not static (install busybox-static)"
}

file_is_static() { ! LC_ALL=C ldd "$1" >/dev/null 2>&1; }

# th_add_file ROOT SRC DST: copy SRC (following symlinks) to ROOT/DST.
th_add_file() {
	mkdir -p "$1/$(dirname "$3")"
	cp -L "$2" "$1/$3"
}

# th_add_bin ROOT SRC [DST]: copy an executable and, when dynamic, every
# shared library ldd names plus the loader, at the paths ldd prints (glibc's
# loader searches /lib/x86_64-linux-gnu and friends by default, no ld.so.cache
# needed).
th_add_bin() {
	local root=$1 src=$2 dst=${3:-$2} lib
	[ -x "$src" ] || th_die "$src: not an executable"
	th_add_file "$root" "$src" "$dst"
	file_is_static "$src" && return 0
	for lib in $(LC_ALL=C ldd "$src" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}'); do
		[ -e "$root/$lib" ] || th_add_file "$root" "$lib" "$lib"
	done
}

# th_add_modules ROOT NAME...: copy kernel modules (and what they depend on,
# from the cache's modules.dep) into ROOT/lib/modules/$KVER, and append
# their modules.dep lines so busybox modprobe can load them inside.
th_add_modules() {
	local root=$1; shift
	local name line rel dep
	mkdir -p "$root/lib/modules/$KVER"
	touch "$root/lib/modules/$KVER/modules.dep"
	for name in "$@"; do
		line=$(_th_modline "$name")
		[ -n "$line" ] || th_die "kernel module $name not found in $KMODDIR"
		for rel in $line; do
			rel=${rel%:}
			[ -e "$root/lib/modules/$KVER/$rel" ] && continue
			th_add_file "$root" "$KMODDIR/$rel" "lib/modules/$KVER/$rel"
			_th_modline "$(basename "$rel" .ko)" >>"$root/lib/modules/$KVER/modules.dep"
		done
	done
}

# _th_modline NAME: NAME's line of modules.dep ('-' and '_' are equivalent).
_th_modline() {
	local pat
	pat=$(printf '%s' "$1" | sed 's/[-_]/[-_]/g')
	grep -E "(^|/)$pat\.ko:" "$KMODDIR/modules.dep" | head -n 1
}

# th_pack ROOT OUT: an uncompressed newc cpio. Uncompressed on purpose: the
# test host runs under TCG, where inflating tens of MiB costs seconds while
# the kernel's copy of an uncompressed archive is cheap.
th_pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# th_elapsed START: seconds since START (from `date +%s.%N`), 1 decimal.
th_now() { date +%s.%N; }
th_elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}'; }

# th_exits_table OKFILE "VMM...": the "@@EXITS" lines (prefix removed) on
# stdin as a table: the mean count per boot of every exit reason, userspace
# exit and port, per VMM, and the ratio mvmm/QEMU. Only boots that OKFILE
# lists as "<vmm> <i> ok" count (stress.sh's results, or bench's).
th_exits_table() {
	awk -v okf="$1" -v vmms="$2" '
	function hex(s,   i, n) {	# mawk has no strtonum
		s = tolower(s); sub(/^0x/, "", s); n = 0
		for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	BEGIN {
		while ((getline l < okf) > 0) { split(l, f, " "); if (f[3] == "ok") ok[f[1] " " f[2]] = 1 }
		split("16:cr0_write 19:cr3_write 20:cr4_write 24:cr8_write 78:#PF 96:intr 97:nmi 100:vintr 114:cpuid 116:iret 119:pause 120:hlt 121:invlpg 123:io 124:msr 127:shutdown 129:vmmcall 141:xsetbv 1024:npf", m, " ")
		for (i in m) { split(m[i], kv, ":"); name[kv[1]] = kv[2] }
		split("2:IO 5:HLT 6:MMIO 8:SHUTDOWN 10:INTR 24:SYSTEM_EVENT", u, " ")
		for (i in u) { split(u[i], kv, ":"); uname[kv[1]] = kv[2] }
		nv = split(vmms, vm, " ")
	}
	ok[$1 " " $2] {
		if (!(($1, $2) in seen)) { seen[$1, $2] = 1; nb[$1]++ }
		if ($3 == "kvm_exit") k = "exit " (($4 in name) ? name[$4] : "reason " $4)
		else if ($3 == "kvm_userspace_exit") k = "userspace " (($4 in uname) ? uname[$4] : $4)
		else if ($3 == "kvm_pio") k = sprintf("pio port 0x%x", hex($4))
		else next
		c[$1, k] += $5; keys[k] = 1
		if ($3 == "kvm_userspace_exit") tu[$1] += $5
		if ($3 == "kvm_exit") te[$1] += $5
	}
	END {
		printf "a%-28s", "exits per boot (means)"
		for (i = 1; i <= nv; i++) printf " %14s", vm[i] " (" nb[vm[i]] + 0 " boots)"
		printf "\n"
		for (k in keys) {
			printf "b  %-26s", k
			for (i = 1; i <= nv; i++) printf " %14.0f", nb[vm[i]] ? c[vm[i], k] / nb[vm[i]] : 0
			printf "\n"
		}
		for (i = 1; i <= nv; i++)
			if (nb[vm[i]]) printf "c%s: %.0f exits, %.0f to userspace per boot\n", vm[i], te[vm[i]] / nb[vm[i]], tu[vm[i]] / nb[vm[i]]
		if (nb["mvmm"] && nb["qemu"] && te["qemu"] && tu["qemu"])
			printf "dratio mvmm/QEMU: exits %.2f, userspace exits %.2f\n",
				(te["mvmm"] / nb["mvmm"]) / (te["qemu"] / nb["qemu"]), (tu["mvmm"] / nb["mvmm"]) / (tu["qemu"] / nb["qemu"])
	}' | LC_ALL=C sort | sed 's/^[abcd]//'
}
