#!/usr/bin/env bash
# test_mem.sh - PID/mem as /proc/PID/mem (SPEC §3): bytes written with dd at
# a virtual address come back with dd and cmp, accesses span pages, a read
# that reaches an unmapped page returns a short count, one that starts there
# fails with EIO, fork gives copy-on-write isolation seen through both mem
# files, and a write that the protection forbids fails with EIO and leaves
# Linux's segfault line in kmsg; a read of an untouched page maps the
# shared zero page (no RSS, pagemap: present with its PFN), unless zero_page=0.
#
# Usage: test_mem.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt"

pid=$(spawn "$mnt")
addr=$(map "$mnt" "$pid" 1M rw- private)

# 1 MiB of random bytes in and out.
random_file "$t/rand" $((1 << 20))
mem_write "$mnt" "$pid" "$addr" "$t/rand" || fail "dd into mem at $addr failed"
mem_read "$mnt" "$pid" "$addr" $((1 << 20)) >"$t/back" || fail "dd from mem failed"
cmp "$t/rand" "$t/back" || fail "mem gave back other bytes than were written"
ok "dd 1 MiB into mem at $(printf 0x%x "$addr") and cmp it back"

# One large write and read (bs=1M), and an untouched page reads as zeros.
addr2=$(map "$mnt" "$pid" 2M rw- private)
dd if="$t/rand" of="$mnt/$pid/mem" bs=1M oflag=seek_bytes seek="$addr2" conv=notrunc status=none ||
	fail "dd bs=1M into mem failed"
dd if="$mnt/$pid/mem" bs=1M iflag=skip_bytes skip="$addr2" count=2 status=none >"$t/back2" ||
	fail "dd bs=1M from mem failed"
head -c $((1 << 20)) "$t/back2" | cmp - "$t/rand" || fail "bs=1M read differs from what was written"
tail -c $((1 << 20)) "$t/back2" | cmp - <(head -c $((1 << 20)) /dev/zero) ||
	fail "untouched pages do not read as zeros"
ok "1 MiB blocks in and out; untouched pages read as zeros"

# Unaligned bytes across a page boundary.
printf 'across-the-page-boundary' >"$t/small"
off=$((addr + 4096 - 7))
dd if="$t/small" of="$mnt/$pid/mem" bs=1 seek="$off" conv=notrunc status=none ||
	fail "unaligned write across a page boundary failed"
got=$(dd if="$mnt/$pid/mem" bs=24 iflag=skip_bytes skip="$off" count=1 status=none)
expect_eq "$got" across-the-page-boundary "unaligned read across a page boundary"
ok "unaligned access spans pages"

# A read that starts on an unmapped page fails with EIO; one that runs into
# it returns the bytes before it.
one=$(map "$mnt" "$pid" 4096 rw- private,fixed 0x40000000)
((one == 0x40000000)) || fail "fixed mmap at 0x40000000 answered $one"
if dd if="$mnt/$pid/mem" bs=4096 skip=$((0x40001000 / 4096)) count=1 of=/dev/null status=none 2>"$t/err"; then
	fail "a read of an unmapped page succeeded"
fi
grep -q 'Input/output error' "$t/err" || fail "read of an unmapped page: $(cat "$t/err"), not EIO"
n=$(dd if="$mnt/$pid/mem" bs=8192 skip=$((0x40000000 / 8192)) count=1 status=none | wc -c)
expect_eq "$n" 4096 "bytes of an 8 KiB read whose second page is unmapped"
if dd if="$t/rand" of="$mnt/$pid/mem" bs=4096 count=1 seek=$((0x40001000 / 4096)) conv=notrunc status=none 2>"$t/err"; then
	fail "a write to an unmapped page succeeded"
fi
grep -q 'Input/output error' "$t/err" || fail "write to an unmapped page: $(cat "$t/err"), not EIO"
ok "EIO at an unmapped page, a short count up to one"

# fork: the child sees the parent's bytes; afterwards each write stays with
# its writer (copy-on-write), seen through both mem files.
page() { mem_read "$mnt" "$1" "$2" 4096; }
head -c 4096 "$t/rand" >"$t/A"
head -c 8192 "$t/rand" | tail -c 4096 >"$t/B"
head -c 12288 "$t/rand" | tail -c 4096 >"$t/C"
mem_write "$mnt" "$pid" "$addr" "$t/A"
child=$(ctl "$mnt/$pid/ctl" fork)
page "$child" "$addr" | cmp - "$t/A" || fail "the child does not see its parent's page"
mem_write "$mnt" "$child" "$addr" "$t/B" || fail "the child's write failed"
page "$child" "$addr" | cmp - "$t/B" || fail "the child does not see its own write"
page "$pid" "$addr" | cmp - "$t/A" || fail "the child's write reached the parent"
mem_write "$mnt" "$pid" "$addr" "$t/C" || fail "the parent's write failed"
page "$pid" "$addr" | cmp - "$t/C" || fail "the parent does not see its own write"
page "$child" "$addr" | cmp - "$t/B" || fail "the parent's write reached the child"
# A page neither wrote after the fork is still shared, byte for byte.
cmp <(mem_read "$mnt" "$pid" $((addr + 0x10000)) 0x10000) \
	<(mem_read "$mnt" "$child" $((addr + 0x10000)) 0x10000) ||
	fail "untouched pages differ between parent and child"
ok "fork: copy-on-write isolation through both mem files"

# A write to a read-only page: EIO, nothing changes, a segfault line.
expect_eq "$(ctl "$mnt/$pid/ctl" "mprotect $addr 4096 r--")" ok "mprotect r--"
if mem_write "$mnt" "$pid" "$addr" "$t/A" 2>"$t/err"; then
	fail "a write to a read-only page succeeded"
fi
grep -q 'Input/output error' "$t/err" || fail "write to a read-only page: $(cat "$t/err"), not EIO"
page "$pid" "$addr" | cmp - "$t/C" || fail "the refused write changed the page"
line=$(printf 'sh[%d]: segfault at %x ip 0000000000000000 sp 0000000000000000 error 7' "$pid" "$addr")
grep -qF "$line" "$mnt/kmsg" || fail "kmsg lacks '$line': $(tail -n 3 "$mnt/kmsg")"
expect_match "$(grep -F "$line" "$mnt/kmsg" | tail -n 1)" '^\[ *[0-9]+\.[0-9]{6}\] sh\[' "kmsg line prefix"
ok "write to r-- fails with EIO and logs '$line'"

# Never-touched read-only page: not present, so error 6; PROT_NONE: no read.
ro=$(map "$mnt" "$pid" 4096 r-- private)
if mem_write "$mnt" "$pid" "$ro" "$t/A" 2>/dev/null; then
	fail "a write to an untouched read-only page succeeded"
fi
line=$(printf 'sh[%d]: segfault at %x ip 0000000000000000 sp 0000000000000000 error 6' "$pid" "$ro")
grep -qF "$line" "$mnt/kmsg" || fail "kmsg lacks '$line'"
none=$(map "$mnt" "$pid" 4096 --- private)
if page "$pid" "$none" >/dev/null 2>&1; then
	fail "a read of a PROT_NONE page succeeded"
fi
ok "untouched r-- page gives error 6, PROT_NONE cannot be read"

# mem is user-mode access, not a debugger's forced one: the child's own
# page, once r--, cannot be written through it either.
expect_eq "$(ctl "$mnt/$child/ctl" "mprotect $addr 4096 r--")" ok "mprotect r-- in the child"
if mem_write "$mnt" "$child" "$addr" "$t/A" 2>/dev/null; then
	fail "a write to the child's read-only page succeeded"
fi
page "$child" "$addr" | cmp - "$t/B" || fail "the refused write changed the child's page"
ok "mem is user-mode access: no write through r--"

# The shared zero page: a read of untouched private anonymous memory maps
# it (kernel image's last frame: frames + kernel pages - 1), so VmRSS stays,
# pagemap says present with its PFN and nothing else (bits 56 and 61
# clear); a write copies it into a frame of its own.
zp=$(spawn "$mnt")
za=$(map "$mnt" "$zp" 4K rw- private)
rss0=$(field "$mnt/$zp/status" VmRSS)
mem_read "$mnt" "$zp" "$za" 4096 | cmp - <(head -c 4096 /dev/zero) || fail "an untouched page does not read as zeros"
expect_eq "$(field "$mnt/$zp/status" VmRSS)" "$rss0" "VmRSS after reading an untouched page"
frames=$(field "$mnt/config" frames)
kpages=$(($(field "$mnt/config" kernel) / 4096))
zpm=$(pagemap "$mnt" "$zp" "$za")
# present, soft-dirty (a new mapping is VM_SOFTDIRTY), the zero page's PFN
expect_eq "$zpm" "$(printf '0x%016x' $(((1 << 63) | (1 << 55) | (frames + kpages - 1))))" "pagemap of a zero-page entry"
printf 'z' | mem_write "$mnt" "$zp" "$za" /dev/stdin || fail "writing the zero-page entry failed"
expect_eq "$(field "$mnt/$zp/status" VmRSS)" "$((rss0 + 4))" "VmRSS after writing it"
zpm=$(pagemap "$mnt" "$zp" "$za")
pm_present "$zpm" || fail "the written page is not present"
(((zpm >> 56) & 1)) || fail "the written page is not exclusively mapped: $zpm"
(($(pm_pfn "$zpm") < frames)) || fail "the written page is not in a data frame: $zpm"
ok "a read maps the shared zero page (no RSS, pagemap present with its PFN only); a write copies it"

vmfs_unmount "$mnt"
ok "unmounted; the daemon exited with status 0"

# zero_page=0: a first read takes a frame.
vmfs_mount "$mnt" zero_page=0
zp=$(spawn "$mnt")
za=$(map "$mnt" "$zp" 4K rw- private)
rss0=$(field "$mnt/$zp/status" VmRSS)
mem_read "$mnt" "$zp" "$za" 4096 >/dev/null || fail "reading an untouched page failed"
expect_eq "$(field "$mnt/$zp/status" VmRSS)" "$((rss0 + 4))" "VmRSS after a read with zero_page=0"
vmfs_unmount "$mnt"
ok "zero_page=0: a first read takes a frame"
