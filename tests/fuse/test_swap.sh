#!/usr/bin/env bash
# test_swap.sh - memory pressure and swap seen from the mount: on a machine
# of 64 frames, 4 MiB written through mem all come back (under every
# policy), vmstat's pswpout/pgsteal_direct/pswpin and swaps' Used move,
# `reclaim` turns present pagemap entries into swapped ones (bit 62 set,
# bit 63 clear) and VmSwap shows them; a fork reads swapped pages; dirty
# shared object pages are written back on eviction; with swap=none or a
# full swap_size the write that finds no frame fails, the kernel log says
# so, and nothing written before is lost.
#
# Usage: test_swap.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt" frames=64

vm() { field "$mnt/vmstat" "$1"; }
swaps_used() { awk 'NR > 1 { used += $4 } END { print used + 0 }' "$mnt/swaps"; }

expect_eq "$(swaps_used)" 0 "swaps Used on a new machine"
pswpout0=$(vm pswpout) steal0=$(vm pgsteal_direct) scan0=$(vm pgscan_direct)

pid=$(spawn "$mnt")
addr=$(map "$mnt" "$pid" 4M rw- private)
random_file "$t/rand" $((4 << 20))
mem_write "$mnt" "$pid" "$addr" "$t/rand" || fail "writing 4 MiB into a 256 KiB machine failed"
pswpout1=$(vm pswpout) steal1=$(vm pgsteal_direct) scan1=$(vm pgscan_direct)
# 1024 dirty pages went through 64 frames: at least 1024 - 64 were written out.
((pswpout1 - pswpout0 >= 1024 - 64)) || fail "pswpout rose by $((pswpout1 - pswpout0)), expected >= 960"
((steal1 - steal0 >= 1024 - 64)) || fail "pgsteal_direct rose by $((steal1 - steal0)), expected >= 960"
((scan1 - scan0 >= steal1 - steal0)) || fail "pgscan_direct rose less than pgsteal_direct"
used=$(swaps_used)
((used >= (1024 - 64) * 4)) || fail "swaps Used is $used KiB, expected >= $(((1024 - 64) * 4))"
ok "4 MiB through 64 frames: pswpout +$((pswpout1 - pswpout0)), pgsteal_direct +$((steal1 - steal0)), swaps Used $used KiB"

swap_kb=$(field "$mnt/$pid/status" VmSwap)
((swap_kb >= (1024 - 64) * 4)) || fail "VmSwap is $swap_kb kB after the pressure"
pswpin0=$(vm pswpin) major0=$(vm pgmajfault)
mem_read "$mnt" "$pid" "$addr" $((4 << 20)) | cmp - "$t/rand" || fail "the 4 MiB came back different"
((($(vm pswpin) - pswpin0) >= 1024 - 64)) || fail "pswpin did not count the pages read back"
((($(vm pgmajfault) - major0) >= 1024 - 64)) || fail "pgmajfault did not count the pages read back"
ok "the 4 MiB come back byte for byte, as major faults (pswpin, pgmajfault)"

for policy in fifo lru arc clock; do
	expect_eq "$(ctl "$mnt/ctl" "policy $policy")" ok "policy $policy"
	mem_read "$mnt" "$pid" "$addr" $((4 << 20)) | cmp - "$t/rand" ||
		fail "under $policy the 4 MiB came back different"
done
ok "every policy gives the 4 MiB back"

# reclaim: present pages become swapped ones.
small=$(map "$mnt" "$pid" 16K rw- private)
head -c 16384 "$t/rand" >"$t/small"
mem_write "$mnt" "$pid" "$small" "$t/small"
e=$(pagemap "$mnt" "$pid" "$small")
pm_present "$e" || fail "pagemap entry $e of a page just written is not present"
! pm_swapped "$e" || fail "pagemap entry $e of a page just written is swapped"
n=$(ctl "$mnt/ctl" 'reclaim 1000')
expect_match "$n" '^[0-9]+$' "reclaim answer"
((n > 0 && n <= 64)) || fail "reclaim 1000 on 64 frames evicted $n pages"
for off in 0 4096 8192 12288; do
	e=$(pagemap "$mnt" "$pid" $((small + off)))
	pm_swapped "$e" || fail "pagemap entry $e at +$off: bit 62 (swapped) clear after reclaim"
	! pm_present "$e" || fail "pagemap entry $e at +$off: bit 63 (present) set after reclaim"
done
echo 'reclaim 1000' >"$mnt/ctl" || fail "echo 'reclaim 1000' > ctl failed"
ok "reclaim evicted $n pages; their pagemap entries are swapped, not present"

mem_read "$mnt" "$pid" "$small" 16384 | cmp - "$t/small" || fail "reclaimed pages came back different"
e=$(pagemap "$mnt" "$pid" "$small")
pm_present "$e" || fail "pagemap entry $e is not present after reading the page back"
ok "a reclaimed page read back is present again"

# fork of a process whose pages are in swap: the child reads them all,
# and its write stays its own.
child=$(ctl "$mnt/$pid/ctl" fork)
mem_read "$mnt" "$child" "$addr" $((4 << 20)) | cmp - "$t/rand" || fail "the child reads its parent's swapped pages differently"
mem_write "$mnt" "$child" "$addr" <(head -c 4096 /dev/zero)
mem_read "$mnt" "$pid" "$addr" 4096 | cmp - <(head -c 4096 "$t/rand") || fail "the child's write reached the parent"
rmdir "$mnt/$child"
ok "fork under pressure: the child reads the swapped pages, writes its own copy"

# A dirty page of a shared object mapping goes back to the object when
# it is evicted, and comes back from it.
random_file "$t/obj" 65536
cp "$t/obj" "$mnt/objects/shm"
shm=$(map "$mnt" "$pid" 64K rw- shared 0 shm 0)
random_file "$t/obj2" 65536
mem_write "$mnt" "$pid" "$shm" "$t/obj2"
ctl "$mnt/ctl" 'reclaim 1000' >/dev/null
cmp "$mnt/objects/shm" "$t/obj2" || fail "the object does not hold what the evicted shared mapping wrote"
mem_read "$mnt" "$pid" "$shm" 65536 | cmp - "$t/obj2" || fail "the shared mapping reads back differently after eviction"
ok "evicted dirty shared pages are written back to the object"

# swap_size: when swap is full, the allocation fails as with no swap.
mnt3=$VMFS_TMP/mnt3
vmfs_mount "$mnt3" frames=64,swap_size=256K
pid3=$(spawn "$mnt3")
addr3=$(map "$mnt3" "$pid3" 1M rw- private)
if mem_write "$mnt3" "$pid3" "$addr3" <(head -c $((1 << 20)) "$t/rand") 2>/dev/null; then
	fail "1 MiB fit into 64 frames and 256K of swap"
fi
grep -q 'out of memory.*swap full' "$mnt3/kmsg" || fail "kmsg does not say 'swap full': $(tail -n 2 "$mnt3/kmsg")"
expect_eq "$(awk 'NR == 2 { print $3, $4 }' "$mnt3/swaps")" "256 256" "swaps Size and Used when full"
# Nothing stored is lost: once frames are freed (munmap of the pages after
# the first 64), the first 64 come back from swap.
expect_eq "$(ctl "$mnt3/$pid3/ctl" "munmap $((addr3 + 64 * 4096)) $((192 * 4096))")" ok "munmap"
mem_read "$mnt3" "$pid3" "$addr3" $((64 * 4096)) | cmp - <(head -c $((64 * 4096)) "$t/rand") ||
	fail "the 64 pages in the full swap came back different"
vmfs_unmount "$mnt3"
ok "swap_size=256K: 64 frames + 64 slots hold 128 pages, then 'swap full'; the swapped ones come back"

# swap=none: the allocation that finds nothing to evict fails.
mnt2=$VMFS_TMP/mnt2
vmfs_mount "$mnt2" frames=64,swap=none
expect_eq "$(awk 'NR > 1' "$mnt2/swaps")" "" "swaps with swap=none"
pid2=$(spawn "$mnt2")
addr2=$(map "$mnt2" "$pid2" 1M rw- private)
head -c $((1 << 20)) "$t/rand" >"$t/1m"
if dd if="$t/1m" of="$mnt2/$pid2/mem" bs=4096 seek=$((addr2 / 4096)) conv=notrunc 2>"$t/dd.err"; then
	fail "1 MiB fit into 64 frames without swap"
fi
done_pages=$(sed -n 's/^\([0-9]*\)+0 records out$/\1/p' "$t/dd.err")
expect_match "$done_pages" '^[0-9]+$' "records out of the failed dd ($(cat "$t/dd.err"))"
((done_pages > 0 && done_pages <= 64)) || fail "$done_pages pages fit into 64 frames without swap"
# SPEC §3: "if nothing can be transferred at A the call fails with EIO",
# whatever the reason (as /proc/PID/mem); the reason is in kmsg.
grep -q 'Input/output error' "$t/dd.err" || fail "the write that found no frame failed with '$(grep error "$t/dd.err")', not EIO"
grep -q 'out of memory' "$mnt2/kmsg" || fail "kmsg does not say 'out of memory': $(tail -n 3 "$mnt2/kmsg")"
(($(field "$mnt2/vmstat" oom_kill) > 0)) || fail "vmstat oom_kill is 0 after an allocation failure"
mem_read "$mnt2" "$pid2" "$addr2" $((done_pages * 4096)) | cmp - <(head -c $((done_pages * 4096)) "$t/1m") ||
	fail "the pages written before the failure came back different"
ok "swap=none: the write fails after $done_pages pages, kmsg and oom_kill say so, nothing is lost"

vmfs_unmount "$mnt2"
vmfs_unmount "$mnt"
ok "unmounted; the daemons exited with status 0"
