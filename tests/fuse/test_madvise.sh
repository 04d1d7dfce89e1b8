#!/usr/bin/env bash
# test_madvise.sh - madvise, mlock, mincore and msync through the mount
# (issue 14): the PID/ctl commands, and what status, smaps, meminfo,
# vmstat and limits show of them.
#   - mlock: VmLck, smaps's Locked (the mapping's Pss) and VmFlags "lo",
#     meminfo's Mlocked and Unevictable, vmstat's nr_mlock and
#     unevictable_pgs_*; reclaim takes nothing locked; munlock undoes it;
#     the memlock limit (memlock=, limits's "Max locked memory") refuses
#     with ENOMEM and an answer that names it; mlockall's flags.
#   - madvise: free (pglazyfree, smaps and smaps_rollup LazyFree less
#     the pages written again; then reclaim drops the pages without a swap
#     write: pglazyfreed, pswpout unchanged, zeros read back), dontneed,
#     dontfork (VmFlags "dc", the child lacks the mapping), pageout and
#     willneed (the digits of mincore), a bad advice refused.
#   - msync: sync writes an object mapping's dirty pages back (meminfo's
#     Dirty), invalidate of a locked mapping is EBUSY.
#   - readahead: the same scan of an object read through mem under
#     madvise random, normal and sequential takes the major faults (stat)
#     and reads the pages (vmstat pgpgin, mincore) Linux's arithmetic
#     gives; sys/vm/read_ahead_kb shows the window and 0 turns it off.
#
# Usage: test_madvise.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP
mnt=$t/mnt

# ---- mlock --------------------------------------------------------------------------

vmfs_mount "$mnt" frames=256,memlock=64K
p=$(spawn "$mnt" locker)
a=$(map "$mnt" "$p" 32768 rw- private,fixed 0x400000)
expect_eq "$(awk '$1 == "Max" && $2 == "locked" { print $4, $5 }' "$mnt/$p/limits")" "65536 65536" "limits: Max locked memory (memlock=64K)"
# a write first gives the whole mapping its anon_vma, so that its pieces
# merge again after munlock (Linux 6.1 keeps a piece with one apart from a
# neighbour without)
printf x | dd of="$mnt/$p/mem" bs=1 seek=$((0x400000)) conv=notrunc status=none
expect_eq "$(ctl "$mnt/$p/ctl" "mlock 0x400000 16K")" ok "mlock"
expect_eq "$(field "$mnt/$p/status" VmLck)" 16 "status VmLck"
expect_eq "$(field "$mnt/$p/status" RssAnon)" 16 "mlock faulted the range in"
expect_eq "$(smaps_field "$mnt" "$p" 00400000 Locked)" 16 "smaps Locked of the locked mapping"
expect_match "$(vmflags "$mnt" "$p" 00400000)" ' lo ' "VmFlags of the locked mapping"
[[ $(vmflags "$mnt" "$p" 00404000) != *" lo "* ]] || fail "the unlocked rest has lo"
expect_eq "$(grep -c '^[0-9a-f]*-' "$mnt/$p/maps")" 2 "mlock split the mapping"
expect_eq "$(field "$mnt/meminfo" Mlocked)" 16 "meminfo Mlocked"
expect_eq "$(field "$mnt/meminfo" Unevictable)" 16 "meminfo Unevictable"
expect_eq "$(field "$mnt/vmstat" nr_mlock)" 4 "vmstat nr_mlock"
expect_eq "$(field "$mnt/vmstat" unevictable_pgs_mlocked)" 4 "vmstat unevictable_pgs_mlocked"
expect_eq "$(ctl "$mnt/ctl" "reclaim 100")" 0 "reclaim finds nothing to take"
refused "$mnt/$p/ctl" "mlock 0x404000 64K" "Cannot allocate memory" 'memlock limit'
expect_eq "$(ctl "$mnt/$p/ctl" "munlock 0x400000 32K")" ok "munlock"
expect_eq "$(field "$mnt/$p/status" VmLck)" 0 "VmLck after munlock"
expect_eq "$(field "$mnt/meminfo" Mlocked)" 0 "Mlocked after munlock"
expect_eq "$(field "$mnt/vmstat" unevictable_pgs_munlocked)" 4 "unevictable_pgs_munlocked"
expect_eq "$(grep -c '^[0-9a-f]*-' "$mnt/$p/maps")" 1 "munlock merged the mapping back"
expect_eq "$(ctl "$mnt/ctl" "reclaim 100")" 4 "reclaim takes the unlocked pages"
expect_eq "$(ctl "$mnt/$p/ctl" "mlock 0x400000 8K onfault")" ok "mlock onfault"
expect_match "$(vmflags "$mnt" "$p" 00400000)" ' lo lf ' "VmFlags lo and lf"
refused "$mnt/$p/ctl" "mlockall onfault" "Invalid argument" 'bad flags'
refused "$mnt/$p/ctl" "mlockall sometimes" "Invalid argument" 'bad mlockall flag'
expect_eq "$(ctl "$mnt/$p/ctl" "mlockall current,future")" ok "mlockall current,future"
expect_eq "$(field "$mnt/$p/status" VmLck)" 32 "VmLck after mlockall"
refused "$mnt/$p/ctl" "mmap 0 64K rw- private" "Resource temporarily unavailable" 'memlock limit'
expect_eq "$(ctl "$mnt/$p/ctl" "munlockall")" ok "munlockall"
expect_eq "$(field "$mnt/$p/status" VmLck)" 0 "VmLck after munlockall"
vmfs_unmount "$mnt"
ok "mlock, munlock, mlockall, munlockall: status, smaps, meminfo, vmstat, limits, the limit"

# ---- madvise and mincore ------------------------------------------------------------

vmfs_mount "$mnt" frames=256
p=$(spawn "$mnt" adviser)
a=$(map "$mnt" "$p" 16384 rw- private,fixed 0x400000)
random_file "$t/data" 16384
mem_write "$mnt" "$p" $a "$t/data"
expect_eq "$(ctl "$mnt/$p/ctl" "mincore 0x400000 16K")" 1111 "mincore of written pages"
expect_eq "$(ctl "$mnt/$p/ctl" "madvise 0x400000 16K free")" ok "madvise free"
expect_eq "$(field "$mnt/vmstat" pglazyfree)" 4 "vmstat pglazyfree"
expect_eq "$(smaps_field "$mnt" "$p" 00400000 LazyFree) $(field "$mnt/$p/smaps_rollup" LazyFree)" "16 16" \
	"smaps and smaps_rollup LazyFree after madvise free"
head -c 4096 "$t/data" >"$t/page"
mem_write "$mnt" "$p" $((a + 12288)) "$t/page"
expect_eq "$(smaps_field "$mnt" "$p" 00400000 LazyFree) $(field "$mnt/$p/smaps_rollup" LazyFree)" "12 12" \
	"LazyFree after one lazy page is written again"
expect_eq "$(ctl "$mnt/$p/ctl" "madvise 0x403000 4K free")" ok "madvise free of it again"
out=$(field "$mnt/vmstat" pswpout)
expect_eq "$(ctl "$mnt/ctl" "reclaim 100")" 4 "reclaim takes the lazy pages"
expect_eq "$(field "$mnt/vmstat" pglazyfreed)" 4 "vmstat pglazyfreed"
expect_eq "$(field "$mnt/vmstat" pswpout)" "$out" "lazy pages went without a swap write"
expect_eq "$(ctl "$mnt/$p/ctl" "mincore 0x400000 16K")" 0000 "mincore after they were dropped"
cmp -s <(mem_read "$mnt" "$p" $a 4096) <(head -c 4096 /dev/zero) || fail "a dropped lazy page does not read as zeros"
mem_write "$mnt" "$p" $a "$t/data"
expect_eq "$(ctl "$mnt/$p/ctl" "madvise 0x400000 8K pageout")" ok "madvise pageout"
expect_eq "$(ctl "$mnt/$p/ctl" "mincore 0x400000 16K")" 0011 "mincore after pageout"
expect_eq "$(field "$mnt/$p/status" VmSwap)" 8 "VmSwap after pageout"
expect_eq "$(ctl "$mnt/$p/ctl" "madvise 0x400000 16K willneed")" ok "madvise willneed"
expect_eq "$(ctl "$mnt/$p/ctl" "mincore 0x400000 16K")" 1111 "mincore after willneed (swap cache)"
cmp -s <(mem_read "$mnt" "$p" $a 16384) "$t/data" || fail "the pages read back differ"
expect_eq "$(ctl "$mnt/$p/ctl" "madvise 0x400000 4K dontneed")" ok "madvise dontneed"
expect_eq "$(ctl "$mnt/$p/ctl" "mincore 0x400000 8K")" 01 "mincore after dontneed"
expect_eq "$(ctl "$mnt/$p/ctl" "madvise 0x403000 4K dontfork")" ok "madvise dontfork"
expect_match "$(vmflags "$mnt" "$p" 00403000)" ' dc ' "VmFlags dc"
c=$(ctl "$mnt/$p/ctl" fork)
expect_eq "$(grep -c '^[0-9a-f]*-' "$mnt/$c/maps")" 1 "the child lacks the dontfork mapping"
refused "$mnt/$p/ctl" "madvise 0x400000 4K sometimes" "Invalid argument" 'bad advice'
refused "$mnt/$p/ctl" "madvise 0x400001 4K free" "Invalid argument" 'not page-aligned'
refused "$mnt/$p/ctl" "madvise 0x800000 4K free" "Cannot allocate memory" 'mapped'
refused "$mnt/$p/ctl" "mincore 0x400000 4M" "Invalid argument" 'at most 512 pages'
vmfs_unmount "$mnt"
ok "madvise free, pageout, willneed, dontneed, dontfork; mincore's digits"

# ---- msync ----------------------------------------------------------------------------

vmfs_mount "$mnt" frames=256
head -c 8192 /dev/zero >"$mnt/objects/obj"
p=$(spawn "$mnt" syncer)
a=$(map "$mnt" "$p" 8192 rw- shared,fixed 0x400000 obj)
head -c 8192 "$t/data" >"$t/data8"
mem_write "$mnt" "$p" $a "$t/data8"
[[ $(field "$mnt/meminfo" Dirty) -gt 0 ]] || fail "no Dirty after writing the object"
expect_eq "$(ctl "$mnt/$p/ctl" "msync 0x400000 8K async")" ok "msync async"
expect_eq "$(ctl "$mnt/$p/ctl" "msync 0x400000 8K sync")" ok "msync sync"
expect_eq "$(field "$mnt/meminfo" Dirty)" 0 "Dirty after msync sync"
cmp -s "$mnt/objects/obj" "$t/data8" || fail "the object does not hold what was written"
refused "$mnt/$p/ctl" "msync 0x400000 8K sync,async" "Invalid argument" 'MS_ASYNC and MS_SYNC'
expect_eq "$(ctl "$mnt/$p/ctl" "mlock 0x400000 8K")" ok "mlock of the object mapping"
refused "$mnt/$p/ctl" "msync 0x400000 8K invalidate" "Device or resource busy" 'locked'
vmfs_unmount "$mnt"
ok "msync sync writes back (Dirty 0); async,sync is EINVAL; invalidate of a locked range is EBUSY"

# ---- readahead around major faults -----------------------------------------------------
# A 128-page object read through mem one page at a time, pages 64 to 127,
# under each advice (tests/test_readahead.c works the figures out):
#   random      no readahead: 64 major faults, 64 pages read;
#   normal      read-around at 64: [48, 80) marked at 72, whose touch reads
#               [80, 112) marked at 80, whose touch reads [112, 128):
#               1 major fault, 80 pages read;
#   sequential  a standalone read of 32 pages at 64 ([64, 96), no mark), the
#               same at 96: 2 major faults, 64 pages read.
# With sys/vm/read_ahead_kb 0, normal takes 64 major faults too.

# scan MNT PID: read pages 64..127 of the mapping at 0x400000 through mem.
scan() {
	for ((i = 64; i < 128; i++)); do
		dd if="$1/$2/mem" bs=4096 skip=$((0x400 + i)) count=1 status=none >/dev/null
	done
}

random_file "$t/lib" 524288
for case in random:64:256 normal:1:320 sequential:2:256 off:64:256; do
	IFS=: read -r adv majors kib <<<"$case"
	vmfs_mount "$mnt" frames=1024
	expect_eq "$(cat "$mnt/sys/vm/read_ahead_kb")" 128 "sys/vm/read_ahead_kb, Linux's default"
	cp "$t/lib" "$mnt/objects/lib"
	p=$(spawn "$mnt" reader)
	a=$(map "$mnt" "$p" 524288 r-- private,fixed 0x400000 lib)
	if [[ $adv == off ]]; then
		printf 0 >"$mnt/sys/vm/read_ahead_kb"
		expect_eq "$(field "$mnt/config" read_ahead_kb)" 0 "config's read_ahead_kb after writing 0"
		adv=normal
	fi
	expect_eq "$(ctl "$mnt/$p/ctl" "madvise 0x400000 512K $adv")" ok "madvise $adv"
	in0=$(field "$mnt/vmstat" pgpgin)
	scan "$mnt" "$p"
	expect_eq "$(cut -d ' ' -f 12 "$mnt/$p/stat")" "$majors" "major faults of the scan under $case"
	expect_eq "$(($(field "$mnt/vmstat" pgpgin) - in0))" "$kib" "pgpgin (KiB) of the scan under $case"
	cmp -s <(mem_read "$mnt" "$p" $((a + 64 * 4096)) 262144) <(tail -c 262144 "$t/lib") ||
		fail "the pages read under $case differ from the object"
	vmfs_unmount "$mnt"
done
# read-around's window in mincore: a fault at page 64 caches [48, 80) only
vmfs_mount "$mnt" frames=1024
cp "$t/lib" "$mnt/objects/lib"
p=$(spawn "$mnt" reader)
a=$(map "$mnt" "$p" 524288 r-- private,fixed 0x400000 lib)
dd if="$mnt/$p/mem" bs=4096 skip=$((0x400 + 64)) count=1 status=none >/dev/null
expect_eq "$(ctl "$mnt/$p/ctl" "mincore 0x42c000 160K")" "$(printf '0%.0s' {1..4})$(printf '1%.0s' {1..32})$(printf '0%.0s' {1..4})" \
	"mincore of pages 44..83 after a fault at 64"
expect_eq "$(field "$mnt/$p/status" RssFile)" 4 "only the page touched is mapped"
if { printf 1048577 >"$mnt/sys/vm/read_ahead_kb"; } 2>"$t/ra.err"; then
	fail "sys/vm/read_ahead_kb took 1048577 (more than 1 GiB)"
fi
expect_eq "$(cat "$mnt/sys/vm/read_ahead_kb")" 128 "read_ahead_kb after a refused write"
vmfs_unmount "$mnt"
ok "readahead: random 64, normal 1, sequential 2 major faults over pages 64..127 (80, 64 pages read); read_ahead_kb 0 is off"

