#!/usr/bin/env bash
# test_mglru.sh - the mglru policy (Linux 6.1's multi-generational LRU)
# seen from the mount: `policy mglru` on ctl switches a running machine of
# 64 frames to it; meminfo's Active/Inactive lines are then the generations
# (the two youngest active, as 6.1 accounts MGLRU pages) and always add up:
# Active = Active(anon) + Active(file), Inactive likewise, the anon lists
# hold AnonPages + Shmem and the file lists Cached, whatever the pressure;
# under pressure old generations show as Inactive, evictions leave shadow
# entries (workingset_nodes), a loop a little larger than memory refaults
# recently (workingset_refault_anon, and workingset_restore_anon with it:
# every refault here is a fault), object pages are on the file lists, and
# pgdeactivate stays 0 as under MGLRU.  Back under clock every page is
# active again.
#
# Usage: test_mglru.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt" frames=64

mi() { field "$mnt/meminfo" "$1"; }
vm() { field "$mnt/vmstat" "$1"; }

# lists_ok WHEN: meminfo's lists add up and hold the resident pages.
lists_ok() {
	local aa ia af if_
	aa=$(mi 'Active(anon)') ia=$(mi 'Inactive(anon)') af=$(mi 'Active(file)') if_=$(mi 'Inactive(file)')
	expect_eq "$(mi Active)" $((aa + af)) "Active = Active(anon) + Active(file) $1"
	expect_eq "$(mi Inactive)" $((ia + if_)) "Inactive = Inactive(anon) + Inactive(file) $1"
	expect_eq $((aa + ia)) $(($(mi AnonPages) + $(mi Shmem))) "the anon lists hold AnonPages + Shmem $1"
	expect_eq $((af + if_)) "$(mi Cached)" "the file lists hold Cached $1"
	(((aa + ia + af + if_) <= $(mi MemTotal))) || fail "the lists hold more than MemTotal $1"
}

expect_eq "$(ctl "$mnt/ctl" 'policy mglru')" ok "policy mglru answer"
expect_eq "$(awk '$1 == "policy" { print $2 }' "$mnt/config")" mglru "config after policy mglru"
lists_ok "on an empty machine"

pid=$(spawn "$mnt")
addr=$(map "$mnt" "$pid" 1M rw- private)
random_file "$t/rand" $((1 << 20))
nodes0=$(vm workingset_nodes) out0=$(vm pswpout)
mem_write "$mnt" "$pid" "$addr" "$t/rand" || fail "writing 1 MiB into 64 frames failed"
lists_ok "after 1 MiB written through 64 frames"
(($(vm pswpout) - out0 >= 256 - 64)) || fail "pswpout rose by $(($(vm pswpout) - out0))"
(($(mi 'Inactive(anon)') > 0)) || fail "no page in an old generation after the pressure"
(($(mi 'Active(anon)') > 0)) || fail "no page in the two youngest generations"
(($(vm workingset_nodes) > nodes0)) || fail "no shadow entry after evictions"
ok "under pressure: Inactive(anon) $(mi 'Inactive(anon)') kB, Active(anon) $(mi 'Active(anon)') kB, $(vm workingset_nodes) shadows"

# A loop over 80 pages, a little more than memory: pages come back soon
# after their eviction, while their generation is still the oldest.
ref0=$(vm workingset_refault_anon) res0=$(vm workingset_restore_anon)
for pass in 1 2 3 4; do
	mem_read "$mnt" "$pid" "$addr" $((80 * 4096)) | cmp - <(head -c $((80 * 4096)) "$t/rand") ||
		fail "pass $pass over 80 pages read back different"
	lists_ok "after pass $pass over 80 pages"
done
ref=$(($(vm workingset_refault_anon) - ref0)) res=$(($(vm workingset_restore_anon) - res0))
((ref > 0)) || fail "no recent refault in a loop over 80 pages on 64 frames"
expect_eq "$res" "$ref" "workingset_restore_anon (refaults in a fault) against workingset_refault_anon"
expect_eq "$(vm workingset_refault_file)" 0 "workingset_refault_file with no object mapped"
expect_eq "$(vm pgdeactivate)" 0 "pgdeactivate under MGLRU"
ok "a loop over 80 pages: $ref recent refaults, each restored; pgdeactivate 0"

# Object pages are the file type.
head -c $((128 * 1024)) "$t/rand" >"$t/obj"
cp "$t/obj" "$mnt/objects/data" || fail "cp into objects/ failed"
oaddr=$(map "$mnt" "$pid" 128K r-- shared 0 data 0)
mem_read "$mnt" "$pid" "$oaddr" $((128 * 1024)) | cmp - "$t/obj" || fail "the object mapping reads back different"
lists_ok "with an object mapped and read"
af=$(mi 'Active(file)') if_=$(mi 'Inactive(file)')
((af + if_ > 0)) || fail "no object page on the file lists"
mem_read "$mnt" "$pid" "$addr" $((1 << 20)) | cmp - "$t/rand" || fail "the 1 MiB came back different"
lists_ok "after anon and object pages compete"
ok "object pages on the file lists: Active(file) $af kB, Inactive(file) $if_ kB"

# Back to clock, which keeps no lists: every resident page counts as active.
expect_eq "$(ctl "$mnt/ctl" 'policy clock')" ok "policy clock answer"
expect_eq "$(mi Inactive)" 0 "Inactive under clock"
lists_ok "under clock"
ok "back under clock every page is active"
