#!/usr/bin/env bash
# test_limits.sh - the limits of issue 13 (item 6), each driven to the limit
# through the mount: the call that passes it fails cleanly (its errno, a
# clear answer, a kmsg line where Linux prints one), nothing else changes,
# and everything else still works.
#   - max_map_count: sys/ and sys/vm/ as Linux has them (0555), the file
#     max_map_count (0644) showing the option's value, config's line; a
#     process made to reach the limit gets ENOMEM and an answer naming
#     max_map_count (Linux logs nothing: nor does kmsg); what merges still
#     works; another process is not affected; writing the file raises and
#     lowers the limit, and bad values change nothing;
#   - the page-table pool: pagetables=SIZE bounds it; a hostile sequence
#     (one page touched every 2 MiB, 1 GiB and 512 GiB at 5 and 6 levels)
#     runs it dry: EIO on mem, a kmsg "out of page-table frames" line,
#     fork ENOMEM, nothing else changed; munmap gives the tables back;
#   - the daemon's memory per open file: a process at the map-count limit
#     has maps and smaps that render or fail with EFBIG, and the daemon
#     answers everything else afterwards.
#
# Usage: test_limits.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP
mnt=$t/mnt

# sysctl_write FILE TEXT: one write of TEXT to FILE; its status.
sysctl_write() {
	{ printf '%s' "$2" >"$1"; } 2>"$t/sysctl.err"
}

# ---- max_map_count ------------------------------------------------------------------

vmfs_mount "$mnt" frames=256
expect_eq "$(stat -c %a "$mnt/sys") $(stat -c %a "$mnt/sys/vm")" "555 555" "modes of sys/ and sys/vm/"
expect_eq "$(stat -c %a "$mnt/sys/vm/max_map_count")" 644 "mode of sys/vm/max_map_count"
expect_eq "$(ls "$mnt/sys" | tr '\n' ' ')" "kernel vm " "ls sys"
expect_eq "$(ls "$mnt/sys/vm" | tr '\n' ' ')" "drop_caches max_map_count nr_hugepages overcommit_memory overcommit_ratio read_ahead_kb swappiness " "ls sys/vm"
expect_eq "$(cat "$mnt/sys/vm/max_map_count")" 65530 "the default max_map_count, Linux's"
expect_eq "$(field "$mnt/config" max_map_count)" 65530 "config's max_map_count"
expect_eq "$(grep -A1 '^swap_size ' "$mnt/config" | tail -n 1 | cut -d' ' -f1)" max_map_count "config's line after swap_size"
[[ $(ls "$mnt") == *sys* ]] || fail "ls of the mount does not show sys"
vmfs_unmount "$mnt"
ok "sys/ and sys/vm/ (0555), max_map_count (0644) shows Linux's default 65530, as config does"

max=64
vmfs_mount "$mnt" "frames=256,max_map_count=$max"
expect_eq "$(cat "$mnt/sys/vm/max_map_count")" $max "max_map_count=$max"
expect_eq "$(field "$mnt/config" max_map_count)" $max "config with max_map_count=$max"
pid=$(spawn "$mnt" many)
other=$(spawn "$mnt" other)
base=0x10000000
# Three pages (r--), then one-page mappings of alternating protection,
# which do not merge, up to the limit.
exec {fd}>"$mnt/$pid/ctl"
printf 'mmap %d 12K r-- private,fixed\n' $((base - 3 * 4096)) >&"$fd"
for ((i = 1; i < max; i++)); do
	if ((i & 1)); then prot=rw-; else prot=r--; fi
	printf 'mmap %d 4K %s private,fixed\n' $((base + i * 4096)) "$prot" >&"$fd" ||
		fail "mapping $i of $max refused"
done
exec {fd}>&-
expect_eq "$(wc -l <"$mnt/$pid/maps")" $max "mappings at the limit"
cat "$mnt/$pid/maps" >"$t/maps.before"
cat "$mnt/kmsg" >"$t/kmsg.before"
refused "$mnt/$pid/ctl" "mmap 0 4K rw- private" "Cannot allocate memory" \
	"^error: mmap: .*more than $max mappings \\(max_map_count\\)$"
refused "$mnt/$pid/ctl" "mmap $((base + max * 4096 + 4096)) 4K rw- private,fixed" \
	"Cannot allocate memory" "max_map_count"
refused "$mnt/$pid/ctl" "munmap $((base - 2 * 4096)) 4K" "Cannot allocate memory" "max_map_count"
refused "$mnt/$pid/ctl" "mprotect $((base - 3 * 4096)) 4K rw-" "Cannot allocate memory" "max_map_count"
diff "$t/maps.before" "$mnt/$pid/maps" >&2 || fail "a refused call changed the maps"
diff "$t/kmsg.before" "$mnt/kmsg" >&2 || fail "a refused call wrote to kmsg (Linux logs nothing)"
# What merges, or removes whole mappings, still works at the limit.
expect_eq "$(ctl "$mnt/$pid/ctl" "mmap $((base + max * 4096)) 4K $prot private,fixed")" \
	"$(printf '0x%x' $((base + max * 4096)))" "a mapping that merges with the last one"
expect_eq "$(wc -l <"$mnt/$pid/maps")" $max "mappings after the merge"
printf 'written' | dd of="$mnt/$pid/mem" bs=1 seek=$((base + 4096)) conv=notrunc status=none
expect_eq "$(dd if="$mnt/$pid/mem" bs=1 count=7 skip=$((base + 4096)) status=none)" written \
	"a write to a mapping of the process at the limit"
# Another process is not affected.
a=$(map "$mnt" "$other" 64K rw- private)
expect_eq "$(wc -l <"$mnt/$other/maps")" 1 "the other process's mappings"
ok "at max_map_count=$max: mmap, a splitting munmap and mprotect are ENOMEM naming max_map_count, change nothing, log nothing; a merge works; others unaffected"

# The file changes the limit; bad values change nothing.
for bad in abc -1 1048577 '12 13' 0x; do
	! sysctl_write "$mnt/sys/vm/max_map_count" "$bad" || fail "max_map_count took '$bad'"
	grep -q 'Invalid argument' "$t/sysctl.err" || fail "'$bad': $(cat "$t/sysctl.err"), expected EINVAL"
	expect_eq "$(cat "$mnt/sys/vm/max_map_count")" $max "max_map_count after '$bad'"
done
sysctl_write "$mnt/sys/vm/max_map_count" "$((max + 2))
" || fail "max_map_count refused $((max + 2)): $(cat "$t/sysctl.err")"
expect_eq "$(cat "$mnt/sys/vm/max_map_count")" $((max + 2)) "max_map_count after the write"
expect_eq "$(field "$mnt/config" max_map_count)" $((max + 2)) "config after the write"
ctl "$mnt/$pid/ctl" "mmap 0 4K rw- private" >/dev/null
ctl "$mnt/$pid/ctl" "mmap 0 4K r-- private" >/dev/null
refused "$mnt/$pid/ctl" "munmap $((base - 4096 * 2)) 4K" "Cannot allocate memory" "max_map_count"
# Lowered under what the process has: nothing is taken away, no more is made.
echo 8 >"$mnt/sys/vm/max_map_count"
n=$(wc -l <"$mnt/$pid/maps")
refused "$mnt/$pid/ctl" "mmap 0 4K rw- private" "Cannot allocate memory" "more than 8 mappings"
expect_eq "$(ctl "$mnt/$pid/ctl" "munmap $((base + 2 * 4096)) 4K")" ok "a munmap of a whole mapping above the limit"
expect_eq "$(wc -l <"$mnt/$pid/maps")" $((n - 1)) "mappings after it"
expect_eq "$(dd if="$mnt/$pid/mem" bs=1 count=7 skip=$((base + 4096)) status=none)" written \
	"the process's memory above a lowered limit"
echo 0x10000 >"$mnt/sys/vm/max_map_count"
expect_eq "$(cat "$mnt/sys/vm/max_map_count")" 65536 "max_map_count written in hex"
vmfs_unmount "$mnt"
ok "sys/vm/max_map_count: writes raise and lower the limit (0x hex too), bad ones are EINVAL and change nothing"

# ---- the daemon's memory per open file -----------------------------------------------

# fill_maps FILE FROM TO: mappings FROM..TO-1 of one page each, alternating
# r-- and rw- so that none merge, at 0x10000000 + 8 KiB * i (a hole between
# each), in one open of the process's ctl.
fill_maps() {
	local i fd prots=(r-- rw-)
	exec {fd}>"$1"
	for ((i = $2; i < $3; i++)); do
		printf 'mmap %d 4K %s private,fixed\n' $((0x10000000 + i * 8192)) "${prots[i & 1]}" >&"$fd" ||
			{ exec {fd}>&-; fail "mapping $i refused"; }
	done
	exec {fd}>&-
}

vmfs_mount "$mnt" frames=256
pid=$(spawn "$mnt" full)
other=$(spawn "$mnt" other)
a=$(map "$mnt" "$other" 16K rw- private)
T0=$(date +%s%N)
fill_maps "$mnt/$pid/ctl" 0 65530
note "65530 mappings made in $((($(date +%s%N) - T0) / 1000000)) ms"
refused "$mnt/$pid/ctl" "mmap 0 4K rw- private" "Cannot allocate memory" "max_map_count"
expect_eq "$(wc -l <"$mnt/$pid/maps")" 65530 "maps at the limit"
smaps_bytes=$(wc -c <"$mnt/$pid/smaps")
expect_eq "$(grep -c '^VmFlags:' "$mnt/$pid/smaps")" 65530 "smaps at the limit"
note "at the limit: smaps is $smaps_bytes bytes"
((smaps_bytes < 64 << 20)) || fail "smaps at Linux's default limit does not fit the daemon's 64 MiB"
# Raised, and the process given more: smaps no longer fits one open's
# bound and fails cleanly (EFBIG); maps still works; so does the rest.
echo 120000 >"$mnt/sys/vm/max_map_count"
fill_maps "$mnt/$pid/ctl" 65530 120000
expect_eq "$(wc -l <"$mnt/$pid/maps")" 120000 "maps of 120000 mappings"
if cat "$mnt/$pid/smaps" >/dev/null 2>"$t/smaps.err"; then
	fail "smaps of 120000 mappings (about 80 MiB) rendered past the daemon's bound"
fi
grep -q 'File too large' "$t/smaps.err" || fail "smaps past the bound: $(cat "$t/smaps.err"), expected EFBIG"
expect_eq "$(grep -c '^Rss:' "$mnt/$pid/smaps_rollup")" 1 "smaps_rollup of the same process"
printf 'still' | dd of="$mnt/$other/mem" bs=1 seek="$a" conv=notrunc status=none
expect_eq "$(dd if="$mnt/$other/mem" bs=1 count=5 skip="$a" status=none)" still "another process's memory"
expect_eq "$(ctl "$mnt/$pid/ctl" "munmap 0x10000000 $((120000 * 8192))")" ok "one munmap of every mapping"
expect_eq "$(grep -c '^VmFlags:' "$mnt/$pid/smaps")" 0 "smaps after the munmap"
cat "$mnt/meminfo" "$mnt/kmsg" >/dev/null || fail "the daemon no longer answers"
vmfs_unmount "$mnt"
ok "a process at max_map_count: maps and smaps render; raised to 120000, smaps fails with EFBIG (the daemon's bound per open), maps, smaps_rollup and the rest still work"

# ---- overcommit: sys/vm/overcommit_memory and overcommit_ratio, meminfo, ac -----------

vmfs_mount "$mnt" "frames=256,swap=none,overcommit_memory=2"
expect_eq "$(stat -c %a "$mnt/sys/vm/overcommit_memory") $(stat -c %a "$mnt/sys/vm/overcommit_ratio")" \
	"644 644" "modes of sys/vm/overcommit_*"
expect_eq "$(cat "$mnt/sys/vm/overcommit_memory") $(cat "$mnt/sys/vm/overcommit_ratio")" "2 50" \
	"overcommit_memory=2, the default ratio 50"
expect_eq "$(field "$mnt/meminfo" CommitLimit) $(field "$mnt/meminfo" Committed_AS)" "512 0" \
	"CommitLimit: 256 frames * 50%, no swap"
pid=$(spawn "$mnt" hog)
a=$(map "$mnt" "$pid" 400K rw- private)
expect_eq "$(field "$mnt/meminfo" Committed_AS)" 400 "Committed_AS after 100 private writable pages"
refused "$mnt/$pid/ctl" "mmap 0 112K rw- private" "Cannot allocate memory" \
	"^error: .*not enough memory to commit 28 more pages"
grep -q "__vm_enough_memory: pid: $pid, comm: hog, not enough memory for the allocation\$" "$mnt/kmsg" ||
	fail "kmsg lacks Linux's __vm_enough_memory line"
# mprotect taking write away keeps VM_ACCOUNT and the charge
expect_eq "$(ctl "$mnt/$pid/ctl" "mprotect $a 400K r--")" ok "mprotect r--"
expect_eq "$(field "$mnt/meminfo" Committed_AS)" 400 "Committed_AS after mprotect r--"
grep -q '^VmFlags: rd mr mw me ac sd $' "$mnt/$pid/smaps" || fail "smaps lost 'ac' after mprotect r--: $(grep VmFlags "$mnt/$pid/smaps")"
# the ratio raises CommitLimit from the next call on; bad values change nothing
sysctl_write "$mnt/sys/vm/overcommit_ratio" 100 || fail "writing overcommit_ratio 100: $(cat "$t/sysctl.err")"
expect_eq "$(field "$mnt/meminfo" CommitLimit)" 1024 "CommitLimit at ratio 100"
map "$mnt" "$pid" 112K rw- private >/dev/null
expect_eq "$(field "$mnt/meminfo" Committed_AS)" 512 "Committed_AS after the mapping refused before"
! sysctl_write "$mnt/sys/vm/overcommit_memory" 3 || fail "overcommit_memory 3 accepted"
expect_eq "$(cat "$mnt/sys/vm/overcommit_memory")" 2 "overcommit_memory after a bad write"
sysctl_write "$mnt/sys/vm/overcommit_memory" 1 || fail "writing overcommit_memory 1"
map "$mnt" "$pid" 64M rw- private >/dev/null
vmfs_unmount "$mnt"
ok "overcommit: sys/vm files (0644), strict mode refuses past CommitLimit with ENOMEM and Linux's kmsg line, ac and Committed_AS stay after mprotect r--, ratio and mode change it live"

# ---- sys/vm/swappiness and drop_caches --------------------------------------------

vmfs_mount "$mnt" "frames=256,policy=linux,swappiness=30"
expect_eq "$(stat -c %a "$mnt/sys/vm/swappiness") $(stat -c %a "$mnt/sys/vm/drop_caches")" \
	"644 200" "modes of sys/vm/swappiness and drop_caches (Linux's)"
expect_eq "$(cat "$mnt/sys/vm/swappiness")" 30 "swappiness=30"
expect_eq "$(field "$mnt/config" swappiness)" 30 "config's swappiness"
sysctl_write "$mnt/sys/vm/swappiness" 200 || fail "writing swappiness 200: $(cat "$t/sysctl.err")"
! sysctl_write "$mnt/sys/vm/swappiness" 201 || fail "swappiness 201 accepted"
expect_eq "$(cat "$mnt/sys/vm/swappiness") $(field "$mnt/config" swappiness)" "200 200" \
	"swappiness after a good and a bad write"
ctl "$mnt/ctl" "policy mglru:swappiness=10" >/dev/null
expect_eq "$(cat "$mnt/sys/vm/swappiness")" 10 "a policy's swappiness= parameter sets vm.swappiness"
# drop_caches: clean page-cache pages no one maps go; the count shows in vmstat
head -c 65536 /dev/urandom >"$t/obj"
cp "$t/obj" "$mnt/objects/dc"
pid=$(spawn "$mnt" reader)
a=$(map "$mnt" "$pid" 64K r-- shared 0 dc)
mem_read "$mnt" "$pid" "$a" 65536 | cmp - "$t/obj" || fail "the object read through mem"
cached=$(field "$mnt/meminfo" Cached)
((cached >= 64)) || fail "Cached is $cached kB after reading 64K of an object"
sysctl_write "$mnt/sys/vm/drop_caches" 3 || fail "writing drop_caches 3: $(cat "$t/sysctl.err")"
expect_eq "$(field "$mnt/meminfo" Cached)" "$cached" "Cached after drop_caches while mapped"
expect_eq "$(ctl "$mnt/$pid/ctl" "munmap $a 64K")" ok "munmap"
sysctl_write "$mnt/sys/vm/drop_caches" 1 || fail "writing drop_caches 1"
expect_eq "$(field "$mnt/meminfo" Cached)" $((cached - 64)) "Cached after drop_caches, unmapped"
expect_eq "$(field "$mnt/vmstat" drop_pagecache) $(field "$mnt/vmstat" drop_slab)" "2 1" \
	"vmstat's drop_pagecache and drop_slab"
! sysctl_write "$mnt/sys/vm/drop_caches" 0 || fail "drop_caches 0 accepted"
if ((EUID == 0)); then   # root reads it, as on Linux: the last value written
	expect_eq "$(cat "$mnt/sys/vm/drop_caches")" 1 "drop_caches read by root"
else
	! cat "$mnt/sys/vm/drop_caches" 2>/dev/null || fail "drop_caches readable by its owner (0200)"
fi
cmp "$mnt/objects/dc" "$t/obj" || fail "the object after drop_caches"
vmfs_unmount "$mnt"
ok "sys/vm/swappiness (0644) follows the option, writes and a policy's parameter; drop_caches (0200) drops clean unmapped page cache, counted in vmstat"
