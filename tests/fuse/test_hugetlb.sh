#!/usr/bin/env bash
# test_hugetlb.sh - explicit huge pages through the mount (issue 17, second
# stage): `mmap ADDR LEN PROT private,huge` (and shared,huge) on PID/ctl
# and vmfsctl, and the files a Linux user reads to see them.
#   - an unfaulted mapping reserves its page (meminfo HugePages_Rsvd 1); a
#     write takes it (HugePages_Free 1, Rsvd 0);
#   - smaps: KernelPageSize and MMUPageSize 2048 kB, Private_Hugetlb
#     2048 kB, Rss 0, VmFlags "ht"; maps names it /anon_hugepage (deleted);
#     status HugetlbPages 2048 kB, VmRSS 0; the bytes read back;
#   - a fork's child shares a shared mapping's page (Shared_Hugetlb);
#   - vmfsctl translate and the pagetable file stop at the pmd leaf (PS);
#     vmfsctl mmap takes "huge" too;
#   - munmap of 4 KiB of it, "huge,huge1g", and more pages than the pool
#     are refused and change nothing; munmap and exit give the pages back;
#   - huge1g on a machine with a 1 GiB pool: KernelPageSize 1048576 kB,
#     vmfsctl translate ends at the pud.
#
# Usage: test_hugetlb.sh DAEMON SOURCEDIR VMFSCTL (meson passes them)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfsctl=$3
vmfs_init "$1" "$2"

t=$VMFS_TMP
mnt=$t/mnt

vmfs_mount "$mnt" frames=4096,hugepages=3
export VMFS_MOUNT=$mnt
expect_eq "$(field "$mnt/meminfo" HugePages_Total)" 3 "meminfo HugePages_Total"
p=$(spawn "$mnt" huge)
a=$(map "$mnt" "$p" 2M rw- private,huge)
(( a % (2 << 20) == 0 )) || fail "hugetlb mapping at $a is not 2 MiB-aligned"
ax=$(printf '%x' "$a")
expect_eq "$(field "$mnt/meminfo" HugePages_Rsvd)" 1 "meminfo HugePages_Rsvd after mmap"
expect_eq "$(field "$mnt/meminfo" HugePages_Free)" 3 "meminfo HugePages_Free after mmap"
random_file "$t/bytes" 65536
mem_write "$mnt" "$p" "$a" "$t/bytes"
mem_read "$mnt" "$p" "$a" 65536 >"$t/back"
cmp -s "$t/bytes" "$t/back" || fail "the bytes written did not read back"
expect_eq "$(field "$mnt/meminfo" HugePages_Rsvd)" 0 "meminfo HugePages_Rsvd after the fault"
expect_eq "$(field "$mnt/meminfo" HugePages_Free)" 2 "meminfo HugePages_Free after the fault"
expect_eq "$(smaps_field "$mnt" "$p" "$ax" KernelPageSize)" 2048 "smaps KernelPageSize"
expect_eq "$(smaps_field "$mnt" "$p" "$ax" MMUPageSize)" 2048 "smaps MMUPageSize"
expect_eq "$(smaps_field "$mnt" "$p" "$ax" Private_Hugetlb)" 2048 "smaps Private_Hugetlb"
expect_eq "$(smaps_field "$mnt" "$p" "$ax" Shared_Hugetlb)" 0 "smaps Shared_Hugetlb"
expect_eq "$(smaps_field "$mnt" "$p" "$ax" Rss)" 0 "smaps Rss leaves hugetlb out"
expect_match "$(grep "^$ax-" "$mnt/$p/smaps")" ' /anon_hugepage \(deleted\)$' "maps' name"
expect_match "$(awk -v a="$ax" '$1 ~ "^"a"-" { inb = 1 } inb && $1 == "VmFlags:" { print; exit }' "$mnt/$p/smaps")" ' ht ' "VmFlags ht"
expect_eq "$(field "$mnt/$p/status" HugetlbPages)" 2048 "status HugetlbPages"
expect_eq "$(field "$mnt/$p/status" VmRSS)" 0 "status VmRSS leaves hugetlb out"
expect_eq "$(field "$mnt/$p/smaps_rollup" Private_Hugetlb)" 2048 "smaps_rollup Private_Hugetlb"
ok "one hugetlb page, and every file says so"

out=$("$vmfsctl" translate "$p" $((a + 0x12345))) || fail "vmfsctl translate"
expect_match "$(printf '%s\n' "$out" | tail -n 1)" "^cached: huge page \\(pmd entry with PS\\) at frame .* \\+ offset 0x12345 .*the walk ends at the pmd: PS is set" "translate's verdict"
pmdline=$(grep -E "^    pmd\[[0-9]+\] .* va 0x$ax -> " "$mnt/$p/pagetable") || fail "no pmd line for 0x$ax in pagetable"
expect_match "$pmdline" ' PS NX$' "pagetable: the hugetlb pmd leaf"
[[ $(grep -cE "^      pte\[[0-9]+\] .* va 0x${ax:0:${#ax}-5}[0-9a-f]{5} " "$mnt/$p/pagetable") == 0 ]] || fail "pagetable lists ptes under the hugetlb leaf"
ok "vmfsctl translate and pagetable stop at the pmd"

# refused, nothing changed
refused "$mnt/$p/ctl" "munmap $a 4K" "Invalid argument" 'cannot be split'
refused "$mnt/$p/ctl" "mmap 0 2M rw- private,huge,huge1g" "Invalid argument" 'more than one of huge and huge1g'
refused "$mnt/$p/ctl" "mmap 0 6M rw- private,huge" "Cannot allocate memory" 'HugePages_Free - HugePages_Rsvd'
expect_eq "$(field "$mnt/meminfo" HugePages_Rsvd)" 0 "nothing reserved by the refusals"
expect_eq "$(smaps_field "$mnt" "$p" "$ax" Private_Hugetlb)" 2048 "the page is still there"
ok "bad hugetlb commands refused"

# shared, through vmfsctl, across fork
s=$("$vmfsctl" mmap "$p" 0 4M rw- shared,huge) || fail "vmfsctl mmap shared,huge"
sx=$(printf '%x' "$((s))")
expect_eq "$(field "$mnt/meminfo" HugePages_Rsvd)" 2 "meminfo HugePages_Rsvd of the shared mapping"
mem_write "$mnt" "$p" "$((s))" "$t/bytes"
c=$(ctl "$mnt/$p/ctl" fork)
expect_match "$c" '^[1-9][0-9]*$' "fork answer"
mem_read "$mnt" "$c" "$((s))" 65536 >"$t/back"
cmp -s "$t/bytes" "$t/back" || fail "the child does not see the shared page"
expect_eq "$(smaps_field "$mnt" "$c" "$sx" Shared_Hugetlb)" 2048 "the child's Shared_Hugetlb"
expect_eq "$(smaps_field "$mnt" "$p" "$sx" Shared_Hugetlb)" 2048 "the parent's Shared_Hugetlb"
expect_eq "$(field "$mnt/meminfo" HugePages_Free)" 1 "one page for both"
ok "a shared hugetlb page across fork"

expect_eq "$(ctl "$mnt/$c/ctl" exit)" ok "the child exits"
expect_eq "$(ctl "$mnt/$p/ctl" "munmap $a 2M")" ok "munmap the private page"
expect_eq "$(field "$mnt/meminfo" HugePages_Free)" 2 "munmap gave the page back"
expect_eq "$(ctl "$mnt/$p/ctl" exit)" ok "the parent exits"
expect_eq "$(field "$mnt/meminfo" HugePages_Free)" 3 "exit gave the rest back"
expect_eq "$(field "$mnt/meminfo" HugePages_Rsvd)" 0 "no reservation left"
ok "munmap and exit give the pages back"

vmfs_unmount "$mnt"

# 1 GiB: huge1g, the walk ends at the pud (contents=none: no host memory for it)
vmfs_mount "$mnt" frames=263168,contents=none,hugepages_1g=1,levels=4
p=$(spawn "$mnt" gig)
g=$(map "$mnt" "$p" 1G rw- private,huge1g)
(( g % (1 << 30) == 0 )) || fail "1 GiB hugetlb mapping at $g is not 1 GiB-aligned"
gx=$(printf '%x' "$g")
printf 'x' >"$t/one"
mem_write "$mnt" "$p" $((g + (1 << 30) - 4096)) "$t/one"
expect_eq "$(smaps_field "$mnt" "$p" "$gx" KernelPageSize)" 1048576 "smaps KernelPageSize of a 1 GiB page"
expect_eq "$(smaps_field "$mnt" "$p" "$gx" Private_Hugetlb)" 1048576 "smaps Private_Hugetlb of a 1 GiB page"
out=$("$vmfsctl" translate "$p" $((g + 0x2345678))) || fail "vmfsctl translate of the 1 GiB page"
expect_match "$(printf '%s\n' "$out" | tail -n 1)" "^cached: huge page \\(pud entry with PS\\) at frame .* \\+ offset 0x2345678 .*the walk ends at the pud: PS is set" "translate's verdict at the pud"
refused "$mnt/$p/ctl" "munmap $((g + (2 << 20))) 2M" "Invalid argument" 'cannot be split'
expect_eq "$(ctl "$mnt/$p/ctl" exit)" ok "exit"
ok "a 1 GiB hugetlb page: the walk ends at the pud"
vmfs_unmount "$mnt"
