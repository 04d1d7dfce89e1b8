#!/usr/bin/env bash
# test_users.sh - what users other than the mounter see under -o allow_other
# (vmfs(1) PERMISSIONS, pagemap), as Linux has it for /proc/PID/pagemap:
#   - PID/pagemap is mode 0400, as Linux's: another user may read maps and
#     status but is refused pagemap (EACCES), like mem, ctl and phys, and
#     pagetable, which prints the same frame numbers;
#   - the mounter reads frame numbers (PFN, bits 0-54) of present pages;
#   - a user who gets pagemap open anyway (past its mode, with
#     CAP_DAC_READ_SEARCH) is neither the mounter nor root: it reads bits
#     0-54 as 0, the frame number of a present page and the swap type and
#     slot of a swapped one alike, the flag bits as the mounter does, as
#     Linux 6.1 shows pagemap to a reader without CAP_SYS_ADMIN;
#   - the same user gets pagetable with every physical address 0 (cr3,
#     tables, entry addresses, frame and slot fields) and the rest as the
#     mounter sees it, and is refused phys (EPERM, as /dev/mem without
#     CAP_SYS_RAWIO);
#   - the opener decides, not whoever reads the descriptor (Linux looks at
#     the opener's credentials): a descriptor the mounter opened shows the
#     PFNs to another user it is handed to.
# Switching users needs root and setpriv: without them the test is skipped
# (77), since there is then no other user to be.
#
# Usage: test_users.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP
mnt=$t/mnt
PFN_MASK=$(((1 << 55) - 1))

if ((EUID != 0)) || ! command -v setpriv >/dev/null; then
	echo "SKIP: switching to another user needs root and setpriv"
	exit 77
fi
other=$(id -u nobody 2>/dev/null || echo 65534)
((other != 0)) || fail "nobody is uid 0"
as_other() { setpriv --reuid="$other" --regid="$other" --clear-groups "$@"; }
# Another user, who passes every read permission check of the kernel.
as_reader() {
	setpriv --reuid="$other" --regid="$other" --clear-groups \
		--inh-caps=+dac_read_search --ambient-caps=+dac_read_search "$@"
}
as_other true || fail "setpriv cannot run as uid $other"
chmod 711 "$t"

# u64 FILE OFFSET READER...: the 64-bit word at OFFSET of FILE read by the
# command READER (as_other, as_reader, or env for the mounter), 0x%016x.
u64() {
	local file=$1 off=$2 w
	shift 2
	w=$("$@" dd if="$file" bs=8 skip=$((off / 8)) count=1 status=none | od -An -tx8 -v) || return 1
	w=${w//[[:space:]]/}
	[[ -n $w ]] || return 1
	printf '0x%s\n' "$w"
}

vmfs_mount "$mnt" frames=64,allow_other
pid=$(spawn "$mnt" owner)
pages=4
base=$(map "$mnt" "$pid" $((pages * 4096)) rw- private)
random_file "$t/data" $((pages * 4096))
mem_write "$mnt" "$pid" "$base" "$t/data"
pm=$mnt/$pid/pagemap

expect_eq "$(stat -c %a "$pm")" 400 "mode of pagemap (Linux's)"
as_other cat "$mnt/$pid/maps" "$mnt/$pid/status" >/dev/null ||
	fail "uid $other cannot read maps and status with allow_other"
if as_other dd if="$pm" of=/dev/null bs=8 count=1 status=none 2>"$t/err"; then
	fail "uid $other read $pm (mode 0400)"
fi
grep -q 'Permission denied' "$t/err" || fail "uid $other reading pagemap: $(cat "$t/err")"
ok "pagemap is 0400: uid $other reads maps and status but is refused pagemap (EACCES)"
# pagetable prints the same frame numbers, so it is closed the same way.
expect_eq "$(stat -c %a "$mnt/$pid/pagetable")" 400 "mode of pagetable"
if as_other cat "$mnt/$pid/pagetable" >/dev/null 2>"$t/err"; then
	fail "uid $other read $mnt/$pid/pagetable (mode 0400)"
fi
grep -q 'Permission denied' "$t/err" || fail "uid $other reading pagetable: $(cat "$t/err")"
ok "pagetable is 0400 too: uid $other is refused it (EACCES)"
# kpageflags, kpagecount and the idle bitmap are indexed by frame number:
# closed by their modes, and past them refused as phys is (EPERM).
for f in kpageflags kpagecount sys/kernel/mm/page_idle/bitmap; do
	if as_other dd if="$mnt/$f" of=/dev/null bs=8 count=1 status=none 2>"$t/err"; then
		fail "uid $other read $mnt/$f"
	fi
	grep -q 'Permission denied' "$t/err" || fail "uid $other reading $f: $(cat "$t/err")"
	if as_reader dd if="$mnt/$f" of=/dev/null bs=8 count=1 status=none 2>"$t/err"; then
		fail "uid $other with CAP_DAC_READ_SEARCH read $mnt/$f"
	fi
	grep -q 'Operation not permitted' "$t/err" || fail "uid $other past the mode of $f: $(cat "$t/err")"
	u64 "$mnt/$f" 0 env >/dev/null || fail "the mounter cannot read $f"
done
ok "kpageflags, kpagecount, page_idle/bitmap: uid $other is refused (EACCES, EPERM past the mode)"
# cwd and root are links only who may ptrace reads (proc_fd_access_allowed)
for f in cwd root "task/$pid/cwd"; do
	expect_eq "$(readlink "$mnt/$pid/$f")" / "the mounter's readlink $f"
	if as_other readlink -v "$mnt/$pid/$f" >/dev/null 2>"$t/err"; then
		fail "uid $other read the link $f"
	fi
	grep -q 'Permission denied' "$t/err" || fail "uid $other reading $f: $(cat "$t/err")"
	as_other stat -c %A "$mnt/$pid/$f" >"$t/mode" || fail "uid $other cannot stat $f"
	expect_eq "$(cat "$t/mode")" lrwxrwxrwx "the mode of $f, to uid $other"
done
ok "PID/cwd and PID/root: / to the mounter, refused to uid $other (EACCES), lrwxrwxrwx as Linux's"

# The mounter's view: present, and the frames are the frames.
nonzero=0
declare -a owner_pm
for ((i = 0; i < pages; i++)); do
	e=$(u64 "$pm" $(((base / 4096 + i) * 8)) env) || fail "the mounter cannot read $pm"
	pm_present "$e" || fail "page $i: entry $e is not present"
	owner_pm[i]=$e
	(($(pm_pfn "$e") == 0)) || nonzero=$((nonzero + 1))
done
((nonzero >= pages - 1)) || fail "the mounter sees $nonzero non-zero PFNs of $pages distinct frames"
ok "the mounter reads the PFNs of present pages ($nonzero of $pages non-zero)"

# Past the mode: bit 63 and the flags, no PFN.
for ((i = 0; i < pages; i++)); do
	e=$(u64 "$pm" $(((base / 4096 + i) * 8)) as_reader) ||
		fail "uid $other with CAP_DAC_READ_SEARCH cannot read $pm"
	pm_present "$e" || fail "page $i seen by uid $other: entry $e is not present"
	(($(pm_pfn "$e") == 0)) || fail "page $i seen by uid $other: PFN bits in $e"
	((e == (owner_pm[i] & ~PFN_MASK))) ||
		fail "page $i seen by uid $other: $e, the mounter sees ${owner_pm[i]}"
done
# A whole read, not only one entry at a time.
as_reader dd if="$pm" bs=$((pages * 8)) skip=$((base / 4096 * 8)) count=1 \
	iflag=skip_bytes status=none | od -An -tx8 -v | tr -s ' \n' '\n\n' | grep . >"$t/other.pm" ||
	fail "uid $other: a read of $pages entries failed"
expect_eq "$(wc -l <"$t/other.pm")" "$pages" "entries in one read by uid $other"
while read -r w; do
	(((0x$w >> 63) & 1)) && ((((0x$w) & PFN_MASK) == 0)) || fail "uid $other read entry $w in one read"
done <"$t/other.pm"
ok "uid $other with CAP_DAC_READ_SEARCH reads bit 63 and the flags, PFN bits 0"

# The opener decides: a descriptor the mounter opened shows the PFNs to
# whoever it is handed to.
for ((i = 0; i < pages; i++)); do
	(($(pm_pfn "${owner_pm[i]}") != 0)) || continue
	e=$(as_other dd bs=8 skip=$((base / 4096 + i)) count=1 status=none <"$pm" | od -An -tx8 -v)
	expect_eq "0x${e//[[:space:]]/}" "${owner_pm[i]}" "page $i read by uid $other through the mounter's descriptor"
	break
done
ok "a descriptor opened by the mounter shows the PFNs to uid $other (the opener decides, as on Linux)"

# Swapped pages: the swap type and slot are hidden too (Linux 6.1).
ctl "$mnt/ctl" "reclaim 64" >/dev/null
swapped=0
for ((i = 0; i < pages; i++)); do
	e=$(u64 "$pm" $(((base / 4096 + i) * 8)) env)
	pm_swapped "$e" || continue
	swapped=$((swapped + 1))
	w=$(u64 "$pm" $(((base / 4096 + i) * 8)) as_reader)
	((w == (e & ~PFN_MASK))) || fail "swapped page $i seen by uid $other: $w, the mounter sees $e"
	pm_swapped "$w" || fail "swapped page $i seen by uid $other: $w lacks bit 62"
done
((swapped > 0)) || fail "reclaim put none of the $pages dirty pages in swap"
ok "uid $other reads bit 62 of $swapped swapped pages, swap type and slot 0"

# pagetable: the same lines, every physical address 0.
cat "$mnt/$pid/pagetable" >"$t/owner.pt"
as_reader cat "$mnt/$pid/pagetable" >"$t/other.pt" || fail "uid $other with CAP_DAC_READ_SEARCH cannot read pagetable"
grep -q '@0x[0-9a-f]*[1-9a-f]' "$t/owner.pt" || fail "the mounter's pagetable shows no physical address"
grep -q '^cr3 0x0000000000000000: pgd at phys 0x0;' "$t/other.pt" ||
	fail "uid $other sees cr3: $(head -n 1 "$t/other.pt")"
unaddr() {
	sed -E 's/^cr3 0x[0-9a-f]+: pgd at phys 0x[0-9a-f]+;/cr3;/; s/@0x[0-9a-f]+ 0x[0-9a-f]+ va/va/;
		s/-> (table|frame) 0x[0-9a-f]+/-> \1/; s/swap slot [0-9]+/swap slot/' "$1"
}
expect_eq "$(unaddr "$t/other.pt")" "$(unaddr "$t/owner.pt")" "pagetable of uid $other but for its addresses"
n=0
while read -r line; do
	re='@0x([0-9a-f]+) 0x([0-9a-f]+) va 0x[0-9a-f]+ -> (table 0x0|frame 0x0|swap slot 0|not present) '
	[[ $line =~ $re ]] || fail "uid $other reads pagetable line '$line'"
	((0x${BASH_REMATCH[1]} == 0 && (0x${BASH_REMATCH[2]} & 0x000ffffffffff000) == 0)) ||
		fail "uid $other reads a physical address in '$line'"
	n=$((n + 1))
done < <(tail -n +2 "$t/other.pt")
grep -q 'swap slot 0 ' "$t/other.pt" || fail "no swapped entry in uid $other's pagetable"
ok "uid $other with CAP_DAC_READ_SEARCH reads pagetable's $n entries with their flags, every physical address 0"

# phys is physical memory itself: refused to anyone else, as /dev/mem is.
dd if="$mnt/phys" of=/dev/null bs=4096 count=1 status=none || fail "the mounter cannot read phys"
if as_reader dd if="$mnt/phys" of=/dev/null bs=4096 count=1 status=none 2>"$t/err"; then
	fail "uid $other with CAP_DAC_READ_SEARCH read phys"
fi
grep -q 'Operation not permitted' "$t/err" || fail "uid $other reading phys: $(cat "$t/err")"
ok "uid $other with CAP_DAC_READ_SEARCH is refused phys (EPERM)"

mem_read "$mnt" "$pid" "$base" $((pages * 4096)) | cmp -s - "$t/data" || fail "the data changed"
vmfs_unmount "$mnt"
