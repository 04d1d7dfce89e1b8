#!/usr/bin/env bash
# test_lru.sh - Linux's LRU lists and working-set counters seen from the
# mount under `policy linux` (src/policy_linux.c): on a machine of 64
# frames, a hot region of 40 pages read again and again while 2 MiB stream
# through memory makes meminfo's Inactive(anon) non-zero and vmstat's
# pgactivate, pgdeactivate, pgrefill and workingset_refault_anon move; the
# streamed pages evicted last, read back, are refaults; an object mapped
# and read lands on the file lists; at every step Active + Inactive (anon
# and file) is the resident anonymous and page-cache memory (AnonPages +
# Cached), and meminfo's lines are vmstat's nr_* counters in kB.  Under
# another policy the lists are not kept: everything resident is active,
# the counters 0.
#
# Usage: test_lru.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt" frames=64

vm() { field "$mnt/vmstat" "$1"; }
mi() { field "$mnt/meminfo" "$1"; }

# The four lists against the resident pages, and meminfo against vmstat.
check_lists() {
	local what=$1 ia aa fi_ fa
	cp "$mnt/meminfo" "$t/meminfo"
	cp "$mnt/vmstat" "$t/vmstat"
	ia=$(field "$t/meminfo" 'Inactive(anon)') aa=$(field "$t/meminfo" 'Active(anon)')
	fi_=$(field "$t/meminfo" 'Inactive(file)') fa=$(field "$t/meminfo" 'Active(file)')
	expect_eq "$((ia + aa + fi_ + fa))" "$(($(field "$t/meminfo" AnonPages) + $(field "$t/meminfo" Cached)))" \
		"$what: Active + Inactive = AnonPages + Cached (kB)"
	expect_eq "$(field "$t/meminfo" Active)" "$((aa + fa))" "$what: Active"
	expect_eq "$(field "$t/meminfo" Inactive)" "$((ia + fi_))" "$what: Inactive"
	expect_eq "$ia $aa $fi_ $fa" "$(($(field "$t/vmstat" nr_inactive_anon) * 4)) \
$(($(field "$t/vmstat" nr_active_anon) * 4)) $(($(field "$t/vmstat" nr_inactive_file) * 4)) \
$(($(field "$t/vmstat" nr_active_file) * 4))" "$what: meminfo's lists are vmstat's nr_* in kB"
}

pid=$(spawn "$mnt")
hot=$(map "$mnt" "$pid" 160K rw- private)
stream=$(map "$mnt" "$pid" 2M rw- private)
random_file "$t/hot" $((160 << 10))
random_file "$t/stream" $((2 << 20))
mem_write "$mnt" "$pid" "$hot" "$t/hot"

# Under the default policy nothing is inactive and no counter moves.
check_lists "clock"
expect_eq "$(mi 'Inactive(anon)') $(vm pgdeactivate) $(vm workingset_refault_anon)" "0 0 0" \
	"clock: no inactive list, no counters"
ok "under clock every resident page is active"

expect_eq "$(ctl "$mnt/ctl" 'policy linux')" ok "policy linux"
expect_eq "$(awk '$1 == "policy" { print $2 }' "$mnt/config")" linux "config after policy linux"
check_lists "linux, just switched"
(($(mi 'Inactive(anon)') > 0)) || fail "linux: the pages handed over are not on the inactive list"

# Stream 2 MiB in 32 KiB pieces through 64 frames, reading the hot region
# after each: the hot pages are referenced between two passes of the
# inactive list's tail, so they are activated (the streamed ones, touched
# once, are reclaimed at their second pass), and the active list's aging
# deactivates when it outgrows the inactive one.
for ((i = 0; i < 64; i++)); do
	dd if="$t/stream" bs=4096 skip=$((i * 8)) count=8 status=none |
		dd of="$mnt/$pid/mem" bs=4096 seek=$((stream / 4096 + i * 8)) conv=notrunc status=none
	mem_read "$mnt" "$pid" "$hot" $((160 << 10)) | cmp -s - "$t/hot" || fail "hot region read back different"
	((i % 16 == 15)) && check_lists "linux, piece $i"
done
(($(mi 'Inactive(anon)') > 0)) || fail "Inactive(anon) is 0 under pressure"
for c in pgactivate pgdeactivate pgrefill; do
	(($(vm $c) > 0)) || fail "vmstat $c is 0 after the stream"
done
ok "under pressure: Inactive(anon) $(mi 'Inactive(anon)') kB, Active(anon) $(mi 'Active(anon)') kB," \
	"pgactivate $(vm pgactivate), pgdeactivate $(vm pgdeactivate), pgrefill $(vm pgrefill)"

# The streamed pages were evicted with shadow entries, the newest 64 (one
# per frame) kept; reading the stream's last 256 KiB back refaults those
# of its pages that were evicted last, and the whole stream comes back.
nodes=$(vm workingset_nodes)
((nodes > 0 && nodes <= 64)) || fail "workingset_nodes is $nodes (shadow entries, at most one per frame)"
refault0=$(vm workingset_refault_anon)
mem_read "$mnt" "$pid" $((stream + (2 << 20) - (256 << 10))) $((256 << 10)) |
	cmp -s - <(tail -c $((256 << 10)) "$t/stream") || fail "the stream's end read back different"
refault1=$(vm workingset_refault_anon)
((refault1 > refault0)) || fail "workingset_refault_anon did not move when evicted pages came back"
((refault1 - refault0 <= 64)) || fail "workingset_refault_anon rose by $((refault1 - refault0)) for 64 pages"
mem_read "$mnt" "$pid" "$stream" $((2 << 20)) | cmp -s - "$t/stream" || fail "the stream read back different"
(($(vm workingset_refault_file) == 0)) || fail "workingset_refault_file moved without a file page"
(($(vm workingset_activate_anon) <= refault1)) || fail "more activations than refaults"
(($(vm workingset_restore_anon) <= $(vm workingset_activate_anon))) || fail "more restores than activations"
check_lists "linux, after the refaults"
ok "reading the stream back: workingset_refault_anon +$((refault1 - refault0)), workingset_nodes $nodes," \
	"workingset_activate_anon $(vm workingset_activate_anon), workingset_restore_anon $(vm workingset_restore_anon)"

# An object mapped and read is page cache: the file lists.
random_file "$t/obj" $((32 << 10))
cp "$t/obj" "$mnt/objects/o" || fail "cp into objects/"
oaddr=$(map "$mnt" "$pid" 32K r-- shared 0 o)
mem_read "$mnt" "$pid" "$oaddr" $((32 << 10)) | cmp -s - "$t/obj" || fail "the mapped object reads back different"
check_lists "linux, with an object mapped"
(($(mi 'Inactive(file)') + $(mi 'Active(file)') > 0)) || fail "an object's pages are on no file list"
ok "a mapped object's pages are on the file lists: Inactive(file) $(mi 'Inactive(file)') kB"

# Back to clock: the lists are gone, the counters with them.
expect_eq "$(ctl "$mnt/ctl" 'policy clock')" ok "policy clock"
check_lists "clock again"
expect_eq "$(mi 'Inactive(anon)') $(vm pgdeactivate) $(vm workingset_nodes)" "0 0 0" "clock again: no lists"
ok "back under clock the lists and counters are gone"

vmfs_unmount "$mnt"

