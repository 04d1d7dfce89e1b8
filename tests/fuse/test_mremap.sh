#!/usr/bin/env bash
# test_mremap.sh - mremap through the mount (issue 14): the PID/ctl
# command and vmfsctl mremap, seen with the files a Linux user reads.
#   - grow in place: the answer is the old address, maps shows the longer
#     mapping, the bytes stay and the new page reads zeros;
#   - grow past a neighbour with maymove: the answer is the new address,
#     pagemap shows the same frames there, mem the same bytes, and the
#     old range is gone from maps;
#   - fixed onto another mapping, dontunmap (the old mapping stays with
#     no pages: smaps Rss 0 there), a shrink through vmfsctl;
#   - a fork's child keeps the pages at the old address; reclaim takes
#     every page of both (the reverse map finds the moved entries) and
#     both read their bytes back;
#   - refusals: misaligned (EINVAL), unmapped (EFAULT), no room without
#     maymove (ENOMEM), each answered with a reason and maps unchanged.
#
# Usage: test_mremap.sh DAEMON SOURCEDIR VMFSCTL (meson passes them)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfsctl=$3
vmfs_init "$1" "$2"

t=$VMFS_TMP
mnt=$t/mnt

vmfs_mount "$mnt" frames=64,swap_size=1M
export VMFS_MOUNT=$mnt
p=$(spawn "$mnt" mover)
map "$mnt" "$p" 8192 rw- private,fixed 0x400000 >/dev/null
head -c 8192 /dev/urandom >"$t/bytes"
mem_write "$mnt" "$p" $((0x400000)) "$t/bytes"
pfn0=$(pm_pfn "$(pagemap "$mnt" "$p" $((0x400000)))")

# ---- grow in place ------------------------------------------------------------------
expect_eq "$(ctl "$mnt/$p/ctl" "mremap 0x400000 8K 12K")" 0x400000 "grown in place: the same address"
expect_eq "$(awk '{ print $1 }' "$mnt/$p/maps")" 00400000-00403000 "maps: the mapping is 3 pages"
mem_read "$mnt" "$p" $((0x400000)) 8192 | cmp -s - "$t/bytes" || fail "the bytes changed when the mapping grew"
expect_eq "$(mem_read "$mnt" "$p" $((0x402000)) 4096 | tr -d '\0' | wc -c)" 0 "the new page reads zeros"

# ---- grow past a neighbour: a move ----------------------------------------------------
map "$mnt" "$p" 4096 r-- private,fixed 0x403000 >/dev/null
before=$(cat "$mnt/$p/maps")
refused "$mnt/$p/ctl" "mremap 0x400000 12K 16K" "Cannot allocate memory" 'MREMAP_MAYMOVE'
expect_eq "$(cat "$mnt/$p/maps")" "$before" "a refused mremap left maps as it was"
refused "$mnt/$p/ctl" "mremap 0x400001 4K 4K" "Invalid argument" 'not page-aligned'
refused "$mnt/$p/ctl" "mremap 0x900000 4K 8K maymove" "Bad address" 'not mapped'
refused "$mnt/$p/ctl" "mremap 0x400000 4K 8K sometimes" "Invalid argument" 'mremap flag'
expect_eq "$(cat "$mnt/$p/maps")" "$before" "refused mremaps left maps as they were"
new=$(ctl "$mnt/$p/ctl" "mremap 0x400000 12K 16K maymove")
expect_match "$new" '^0x[0-9a-f]+$' "the answer is the new address"
[[ $new != 0x400000 ]] || fail "maymove past a neighbour stayed at 0x400000"
expect_eq "$(pm_pfn "$(pagemap "$mnt" "$p" $((new)))")" "$pfn0" "pagemap: the same frame at the new address"
mem_read "$mnt" "$p" $((new)) 8192 | cmp -s - "$t/bytes" || fail "the bytes did not move with the mapping"
grep -q '^00400000-' "$mnt/$p/maps" && fail "the old range is still in maps"
expect_eq "$(grep -c "^$(printf '%08x' $((new)))-$(printf '%08x' $((new + 16384))) rw-p" "$mnt/$p/maps")" 1 "maps: the moved mapping, 4 pages, rw-p"
ok "mremap grows in place, refuses, and moves with maymove"

# ---- a fork's child at the old address; reclaim finds both --------------------------
c=$(ctl "$mnt/$p/ctl" "fork")
back=$(ctl "$mnt/$p/ctl" "mremap $new 16K 16K maymove,fixed 0x600000")
expect_eq "$back" 0x600000 "fixed: the address asked"
expect_eq "$(pm_pfn "$(pagemap "$mnt" "$c" $((new)))")" "$pfn0" "the child keeps the frame at the old address"
expect_eq "$(pm_pfn "$(pagemap "$mnt" "$p" $((0x600000)))")" "$pfn0" "the parent has it at the new one"
ctl "$mnt/ctl" "reclaim 64" >/dev/null
pm_swapped "$(pagemap "$mnt" "$p" $((0x600000)))" || fail "reclaim left the parent's moved page in memory"
pm_swapped "$(pagemap "$mnt" "$c" $((new)))" || fail "reclaim left the child's page in memory"
mem_read "$mnt" "$p" $((0x600000)) 8192 | cmp -s - "$t/bytes" || fail "the parent read other bytes back from swap"
mem_read "$mnt" "$c" $((new)) 8192 | cmp -s - "$t/bytes" || fail "the child read other bytes back from swap"
ok "after a move the reverse map finds both processes' entries: reclaim and swap-in work"

# ---- dontunmap, and vmfsctl -----------------------------------------------------------
d=$("$vmfsctl" mremap "$p" 0x600000 8K 8K maymove,dontunmap 0x700000) || fail "vmfsctl mremap dontunmap"
expect_eq "$d" 0x700000 "dontunmap took the hint"
mem_read "$mnt" "$p" $((0x700000)) 8192 | cmp -s - "$t/bytes" || fail "dontunmap: the bytes did not move"
expect_eq "$(smaps_field "$mnt" "$p" 00600000 Rss)" 0 "dontunmap: the old mapping has no pages"
grep -q '^00600000-' "$mnt/$p/maps" || fail "dontunmap: the old mapping went"
expect_eq "$(mem_read "$mnt" "$p" $((0x600000)) 4096 | tr -d '\0' | wc -c)" 0 "dontunmap: the old range reads zeros"
s=$("$vmfsctl" mremap "$p" 0x700000 8K 4K) || fail "vmfsctl mremap shrink"
expect_eq "$s" 0x700000 "a shrink keeps the address"
grep -q '^00700000-00701000 ' "$mnt/$p/maps" || fail "the shrink left another length: $(grep '^00700000' "$mnt/$p/maps")"
if "$vmfsctl" mremap "$p" 0x123000 4K 8K 2>"$t/err"; then fail "vmfsctl mremap of a hole worked"; fi
grep -q 'not mapped' "$t/err" || fail "vmfsctl mremap's error does not say why: $(cat "$t/err")"
ok "dontunmap leaves the old mapping empty; vmfsctl mremap shrinks and reports refusals"
