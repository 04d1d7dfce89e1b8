#!/usr/bin/env bash
# test_pageflags.sh - the views Linux gives of physical pages and working
# sets, used as their documentation says (pagemap.rst, soft-dirty.rst,
# idle_page_tracking.rst), each checked against what the mount says
# otherwise (pagemap's PFNs, smaps, status, phys's size):
#   - kpageflags and kpagecount: one u64 per frame, read with dd|od at
#     pfn * 8; a written anonymous page is UPTODATE|LRU|ACTIVE|MMAP|ANON|
#     SWAPBACKED with count 1 (2 after fork), a free frame BUDDY, the
#     kernel image RESERVED, the pgd PGTABLE; unaligned reads are EINVAL;
#   - PID/clear_refs: 1 makes smaps's Referenced 0, accesses raise it
#     again page by page; 4 clears pagemap bit 55 and exactly the pages
#     written next have it again; 5 sets VmHWM to VmRSS; anything else is
#     EINVAL and changes nothing;
#   - sys/kernel/mm/page_idle/bitmap: the working-set estimate (mark every
#     frame idle, access some pages, read back): exactly the accessed
#     pages are no longer idle, and kpageflags's IDLE bit agrees.
#
# Usage: test_pageflags.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP
mnt=$t/m
vmfs_mount "$mnt" "frames=256,kernel=64K,policy=clock"
KPF_REFERENCED=2 KPF_UPTODATE=3 KPF_LRU=5 KPF_ACTIVE=6 KPF_BUDDY=10 KPF_MMAP=11 KPF_ANON=12
KPF_SWAPBACKED=14 KPF_IDLE=25 KPF_PGTABLE=26 KPF_RESERVED=32
bits() { local v=0 b; for b in "$@"; do v=$((v | 1 << b)); done; printf '0x%016x\n' "$v"; }

# kflags PFN, kcount PFN: the kpageflags and kpagecount words of a frame.
kflags() { u64_at "$mnt/kpageflags" $(($1 * 8)); }
kcount() { u64_at "$mnt/kpagecount" $(($1 * 8)); }

pid=$(spawn "$mnt" wss)
addr=$(map "$mnt" "$pid" 64K rw- private)
random_file "$t/data" 65536
mem_write "$mnt" "$pid" "$addr" "$t/data"

# ---- kpageflags, kpagecount ------------------------------------------------------
phys=$(stat -c %s "$mnt/phys")
expect_eq "$(stat -c %s "$mnt/kpageflags") $(stat -c %s "$mnt/kpagecount")" \
	"$((phys / 4096 * 8)) $((phys / 4096 * 8))" "kpageflags and kpagecount: 8 bytes per frame of phys"
expect_eq "$(stat -c %a "$mnt/kpageflags") $(stat -c %a "$mnt/kpagecount")" "400 400" "modes, Linux's"
expect_eq "$(wc -c <"$mnt/kpageflags")" "$((phys / 4096 * 8))" "cat kpageflags: every frame"
anon=$(bits $KPF_UPTODATE $KPF_LRU $KPF_ACTIVE $KPF_MMAP $KPF_ANON $KPF_SWAPBACKED)
declare -A mine=()
for ((i = 0; i < 16; i++)); do
	pm=$(pagemap "$mnt" "$pid" $((addr + i * 4096)))
	pfn=$(pm_pfn "$pm")
	mine[$pfn]=$i
	expect_eq "$(kflags "$pfn")" "$anon" "kpageflags of page $i's frame $pfn"
	expect_eq "$(kcount "$pfn")" 0x0000000000000001 "kpagecount of page $i's frame"
done
# Every other data frame is free; then the kernel image; then page tables.
od -An -v -tx8 -w8 "$mnt/kpageflags" | awk '{ print "0x" $1 }' >"$t/kpf"
free=$(bits $KPF_BUDDY)
for ((q = 0; q < 256; q++)); do
	[[ -n ${mine[$q]:-} ]] && continue
	expect_eq "$(sed -n "$((q + 1))p" "$t/kpf")" "$free" "kpageflags of free frame $q"
done
# (The zero page, once the machine has one, is a kernel frame with bit 24 too.)
expect_eq "$(sed -n 257,272p "$t/kpf" | sed "s/^$(bits $KPF_RESERVED 24)\$/$(bits $KPF_RESERVED)/" | sort -u)" \
	"$(bits $KPF_RESERVED)" "the kernel image's 16 frames"
cr3=$(awk '/^cr3/ { print $2; exit }' "$mnt/$pid/pagetable")
cr3=${cr3%:}
expect_eq "$(kflags $((cr3)))" "$(bits $KPF_PGTABLE)" "the pgd's frame (cr3 $cr3)"
child=$(ctl "$mnt/$pid/ctl" fork)
pfn0=$(pm_pfn "$(pagemap "$mnt" "$pid" "$addr")")
expect_eq "$(kcount "$pfn0")" 0x0000000000000002 "kpagecount after fork"
ctl "$mnt/$child/ctl" exit >/dev/null
expect_eq "$(kcount "$pfn0")" 0x0000000000000001 "kpagecount after the child's exit"
! dd if="$mnt/kpageflags" bs=4 count=1 status=none 2>"$t/err" >/dev/null || fail "a 4-byte read of kpageflags worked"
grep -q "Invalid argument" "$t/err" || fail "a 4-byte read of kpageflags: $(cat "$t/err")"
phys=$(stat -c %s "$mnt/phys")   # the fork's tables came and stayed in the pool
expect_eq "$(dd if="$mnt/kpagecount" bs=8 skip=$((phys / 4096)) count=1 status=none | wc -c)" 0 \
	"kpagecount past the last frame: end of file"
ok "kpageflags and kpagecount: anonymous, free, kernel and table frames; counts follow fork"

# ---- clear_refs: Referenced, soft-dirty, VmHWM -------------------------------------
referenced() { awk -v a="$(printf '%x' "$addr")" '$1 ~ "^"a"-" { on = 1; next } /^[0-9a-f]+-/ { on = 0 }
	on && $1 == "Referenced:" { print $2 }' "$mnt/$pid/smaps"; }
expect_eq "$(referenced)" 64 "Referenced before clear_refs"
echo 1 >"$mnt/$pid/clear_refs"
expect_eq "$(referenced)" 0 "Referenced after clear_refs 1"
mem_read "$mnt" "$pid" $((addr + 2 * 4096)) 4096 >/dev/null
mem_read "$mnt" "$pid" $((addr + 9 * 4096)) 8192 >/dev/null
expect_eq "$(referenced)" 12 "Referenced after reading 3 pages"
for bad in 0 6 -1 x 4x "" 0x4 99999999999; do
	! printf '%s\n' "$bad" >"$mnt/$pid/clear_refs" 2>/dev/null || fail "clear_refs took '$bad'"
done
expect_eq "$(referenced)" 12 "Referenced after refused writes"
expect_eq "$(stat -c %a "$mnt/$pid/clear_refs")" 200 "mode of clear_refs, Linux's"
! cat "$mnt/$pid/clear_refs" 2>/dev/null || fail "clear_refs could be read"
ok "clear_refs 1: Referenced to 0, then up by the pages read; bad values refused"

# sd_pages: the pages of the mapping whose pagemap entry has bit 55 (soft-dirty).
sd_pages() {
	local i e out=
	for ((i = 0; i < 16; i++)); do
		e=$(pagemap "$mnt" "$pid" $((addr + i * 4096)))
		(((e >> 55) & 1)) && out+="$i "
	done
	echo "$out"
}
expect_eq "$(sd_pages)" "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 " "soft-dirty before clear_refs 4"
echo 4 >"$mnt/$pid/clear_refs"
expect_eq "$(sd_pages)" "" "soft-dirty after clear_refs 4"
mem_read "$mnt" "$pid" "$addr" 65536 | cmp - "$t/data" || fail "contents changed by clear_refs 4"
expect_eq "$(sd_pages)" "" "soft-dirty after reading every page"
head -c 4096 /dev/zero >"$t/zero"
for i in 3 7 12; do mem_write "$mnt" "$pid" $((addr + i * 4096)) "$t/zero"; done
expect_eq "$(sd_pages)" "3 7 12 " "soft-dirty: exactly the pages written"
ok "clear_refs 4: pagemap bit 55 shows exactly the pages written since"

ctl "$mnt/$pid/ctl" "munmap $addr 32K" >/dev/null
rss=$(field "$mnt/$pid/status" VmRSS)
expect_eq "$(field "$mnt/$pid/status" VmHWM)" 64 "VmHWM before clear_refs 5"
echo 5 >"$mnt/$pid/clear_refs"
expect_eq "$(field "$mnt/$pid/status" VmHWM)" "$rss" "VmHWM after clear_refs 5: VmRSS"
ok "clear_refs 5: VmHWM to VmRSS ($rss kB)"

# ---- idle page tracking: a working-set estimate ------------------------------------
bitmap=$mnt/sys/kernel/mm/page_idle/bitmap
expect_eq "$(stat -c %a "$bitmap")" 600 "mode of page_idle/bitmap, Linux's"
words=$(((phys / 4096 + 63) / 64))
expect_eq "$(stat -c %s "$bitmap")" $((words * 8)) "bitmap size: a bit per frame, in words"
addr=$(map "$mnt" "$pid" 128K rw- private)
head -c 131072 /dev/urandom >"$t/data2"
mem_write "$mnt" "$pid" "$addr" "$t/data2"
declare -A page_of=()
for ((i = 0; i < 32; i++)); do
	page_of[$(pm_pfn "$(pagemap "$mnt" "$pid" $((addr + i * 4096)))")]=$i
done
# Mark every frame idle (the documented first step), then use some pages.
head -c $((words * 8)) /dev/zero | tr '\0' '\377' >"$t/ones"
dd if="$t/ones" of="$bitmap" bs=8 status=none
used="1 4 5 9 16 30 "
for i in $used; do mem_read "$mnt" "$pid" $((addr + i * 4096)) 4096 >/dev/null; done
# Read back: the pages of the mapping not idle are the working set.
od -An -v -tx8 -w8 "$bitmap" >"$t/idle"
expect_eq "$(wc -l <"$t/idle")" "$words" "bitmap words read"
busy=
for ((i = 0; i < 32; i++)); do
	for q in "${!page_of[@]}"; do
		((page_of[$q] == i)) || continue
		w=$(sed -n "$((q / 64 + 1))p" "$t/idle")
		w=${w//[[:space:]]/}
		idle=$(((0x$w >> (q % 64)) & 1))
		((idle)) || busy+="$i "
		f=$(kflags "$q")
		expect_eq "$(((f >> KPF_IDLE) & 1))" "$idle" "kpageflags IDLE of page $i's frame $q"
	done
done
expect_eq "$busy" "$used" "the working set: pages not idle"
! dd if="$t/ones" of="$bitmap" bs=4 count=1 status=none 2>/dev/null || fail "a 4-byte write of the bitmap worked"
! dd if="$t/ones" of="$bitmap" bs=8 count=1 seek="$words" status=none 2>"$t/err" || fail "a write past the last frame worked"
grep -q "No such device or address" "$t/err" || fail "a write past the end: $(cat "$t/err")"
expect_eq "$(dd if="$bitmap" bs=8 skip=$(((1 << 60) - 1)) count=1 status=none | wc -c)" 0 "a read at 2^63 - 8: end of file"
expect_eq "$(dd if="$bitmap" bs=8 skip="$words" count=1 status=none | wc -c)" 0 "a read past the last frame: end of file"
ok "page_idle/bitmap: all idle, $(wc -w <<<"$used") pages read, exactly those are the working set"
