#!/usr/bin/env bash
# test_vmfsctl.sh - vmfsctl against a real mount: every command does what
# the files say it should, and vmfsctl(1)'s rules hold:
#   - usage mistakes exit 2, failures exit 1 with "vmfsctl: MESSAGE" on
#     stderr (MESSAGE being exactly the ctl answer's text after "error: ")
#     and nothing on stdout, success exits 0;
#   - the mountpoint is -m or $VMFS_MOUNT, and neither is a clear error;
#   - --help works overall and for every command;
#   - spawn, fork, mmap print the ctl answer; munmap, mprotect print nothing;
#     kill ends processes; maps is PID/maps; ps agrees with status and stat;
#   - translate's walk is the tables in phys: every entry it prints is the
#     8 bytes at table + 8 * index of phys, each table is where the entry
#     above points, the chain starts at cr3 (PID/pagetable), the leaf is
#     the one PID/pagetable prints and its frame the PFN of pagemap, and the
#     bytes at the physical address it ends with are the bytes written; the
#     verdict names the state (cached, uncached, swap slot, unallocated,
#     PROT_NONE, copy-on-write, supervisor only, not canonical); at 2, 4,
#     5 and 6 levels;
#   - stat agrees with config, vmstat, meminfo and swaps, and shows the
#     policy in use after a switch.
#
# Usage: test_vmfsctl.sh DAEMON SOURCEDIR VMFSCTL (meson passes all three)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../fuse/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../fuse/lib.sh"
vmfs_init "$1" "$2"
VMFSCTL=$(readlink -f "${3:?usage: $0 DAEMON SOURCEDIR VMFSCTL}")
[[ -x $VMFSCTL ]] || fail "no vmfsctl at $VMFSCTL"
t=$VMFS_TMP

# run ARGS...: vmfsctl ARGS; sets OUT, ERR and RC (never fails itself).
run() {
	RC=0
	"$VMFSCTL" "$@" >"$t/out" 2>"$t/err" || RC=$?
	OUT=$(cat "$t/out")
	ERR=$(cat "$t/err")
}

# ok_run ARGS...: vmfsctl ARGS must succeed, silently on stderr.
ok_run() {
	run "$@"
	((RC == 0)) || fail "vmfsctl $*: exit $RC, stderr '$ERR'"
	[[ -z $ERR ]] || fail "vmfsctl $*: stderr '$ERR' on success"
}

# fails_with STATUS ERE ARGS...: vmfsctl ARGS exits STATUS, prints nothing on
# stdout, and its stderr matches ERE.
fails_with() {
	local status=$1 re=$2
	shift 2
	run "$@"
	((RC == status)) || fail "vmfsctl $*: exit $RC, expected $status (stderr '$ERR')"
	[[ -z $OUT ]] || fail "vmfsctl $*: printed '$OUT' on stdout while failing"
	[[ $ERR =~ $re ]] || fail "vmfsctl $*: stderr '$ERR' does not match /$re/"
}

# ---- usage, help, the mountpoint ------------------------------------------------

commands="ps spawn fork kill mmap munmap mprotect maps translate stat reclaim policy sync
	madvise mlock munlock mlockall munlockall mincore msync run"

unset VMFS_MOUNT
ok_run --help
help=$OUT
for c in $commands; do
	[[ $help == *$'\n'"  $c "* ]] || fail "vmfsctl --help does not list '$c'"
	ok_run "$c" --help
	[[ $OUT == "Usage: vmfsctl [-m MOUNTPOINT] $c"* ]] || fail "vmfsctl $c --help: '$OUT'"
	ok_run help "$c"
done
ok_run -V
expect_match "$OUT" '^vmfsctl [0-9]' "vmfsctl -V"
ok "--help overall and per command, -V"

fails_with 2 'no command' 
fails_with 2 "no command 'frobnicate'" frobnicate
fails_with 2 'unknown option -x' -x ps
fails_with 2 "unknown option '--frob'" --frob ps
fails_with 2 '-m needs a MOUNTPOINT' -m
fails_with 2 'no mount: give -m MOUNTPOINT or set VMFS_MOUNT' ps
fails_with 2 'no mount' spawn sh
mkdir "$t/empty"
fails_with 1 "^vmfsctl: $t/empty is not a vmfs mount" -m "$t/empty" ps
ok "usage errors exit 2; no mount and not a mount are clear"

mnt=$t/mnt
vmfs_mount "$mnt" "frames=64"
export VMFS_MOUNT=$mnt

fails_with 2 'spawn: missing arguments' spawn
fails_with 2 'fork: too many arguments' fork 1 2
fails_with 2 "'x' is not a PID" fork x
fails_with 2 "'-1' is not a PID" maps -1
fails_with 2 "'0' is not a PID" translate 0 0x1000
fails_with 2 "'0x10zz' is not an address" translate 1 0x10zz
fails_with 2 'cannot be empty or hold blanks' spawn 'two words'
fails_with 2 'cannot be empty or hold blanks' mmap 1 0 '4K rw-' private x
# a machine's process has a ctl; on an empty machine the root lists find itself, without one
[[ -z $(find "$mnt" -mindepth 2 -maxdepth 2 -path "$mnt/[0-9]*/ctl") ]] || fail "a usage error made a process"
ok "bad arguments exit 2 and reach no ctl"

# ---- one-transaction commands ---------------------------------------------------

ok_run spawn first
expect_eq "$OUT" 1 "vmfsctl spawn first"
unset VMFS_MOUNT
ok_run -m "$mnt" spawn second
expect_eq "$OUT" 2 "vmfsctl -m MNT spawn second"
ok_run --mount "$mnt" spawn third
expect_eq "$OUT" 3 "vmfsctl --mount MNT spawn third"
export VMFS_MOUNT=$mnt
expect_eq "$(cat "$mnt/2/comm")" second "comm of the second spawn"
ok "spawn prints the PID; -m, --mount and \$VMFS_MOUNT all name the mount"

ok_run mmap 1 0 64K rw- private
addr=$OUT
expect_match "$addr" '^0x[0-9a-f]+$' "vmfsctl mmap answer"
ok_run maps 1
expect_eq "$OUT" "$(cat "$mnt/1/maps")" "vmfsctl maps 1 against 1/maps"
[[ $OUT == "$(printf '%x' $((addr)))-"* ]] || fail "maps does not start at the mmap answer $addr: '$OUT'"
ok_run mmap 1 0x10000 8K r-- private,fixed
expect_eq "$OUT" 0x10000 "vmfsctl mmap fixed"
ok_run mprotect 1 0x10000 4K rw-
expect_eq "$OUT" "" "vmfsctl mprotect output"
ok_run munmap 1 0x11000 4K
expect_eq "$OUT" "" "vmfsctl munmap output"
grep -q '^00010000-00011000 rw-p ' "$mnt/1/maps" || fail "mprotect/munmap not in maps: $(cat "$mnt/1/maps")"
grep -q '^00011000-' "$mnt/1/maps" && fail "munmap left 0x11000 mapped"
ok "mmap prints the address; mprotect and munmap print nothing and act"


# A failure shows exactly the daemon's message, as the ctl file answers it.
# check_error PID|. COMMAND ARGS...: COMMAND on PID/ctl (or ctl) fails; so
# does vmfsctl ARGS, with the same message.
check_error() {
	local dir=$1 cmd=$2
	shift 2
	vmfs_tx "$mnt/$dir/ctl" "$cmd" && fail "'$cmd' succeeded through the ctl file"
	expect_match "$TX_ANSWER" '^error: ' "ctl answer to '$cmd'"
	fails_with 1 "^vmfsctl: " "$@"
	expect_eq "$ERR" "vmfsctl: ${TX_ANSWER#error: }" "vmfsctl $* stderr"
}
check_error 1 'mprotect 0x200000 4K r--' mprotect 1 0x200000 4K r--
check_error 1 'mmap 0x1001 4K rw- private,fixed' mmap 1 0x1001 4K rw- private,fixed
check_error 1 'mmap 0x10000 4K rw- private,noreplace' mmap 1 0x10000 4K rw- private,noreplace
check_error 1 'munmap 0 0' munmap 1 0 0
check_error 1 'mmap 0 4K rw- private nosuchobject' mmap 1 0 4K rw- private nosuchobject
check_error 1 'mmap 0 4K rwz private' mmap 1 0 4K rwz private
check_error . 'policy bogus' policy bogus
check_error . 'reclaim x' reclaim x
ok "failures print the ctl answer's message and exit 1"

# madvise, mlock, mincore, msync (issue 14): mincore prints its digits, the others nothing
ok_run mlock 1 0x10000 4K
expect_eq "$OUT" "" "vmfsctl mlock output"
expect_match "$(grep -A30 '^00010000-' "$mnt/1/smaps" | grep -m1 VmFlags)" ' lo ' "VmFlags after vmfsctl mlock"
ok_run mincore 1 0x10000 4K
expect_eq "$OUT" 1 "vmfsctl mincore of the locked page"
ok_run munlock 1 0x10000 4K
ok_run madvise 1 0x10000 4K dontneed
expect_eq "$OUT" "" "vmfsctl madvise output"
ok_run mincore 1 0x10000 4K
expect_eq "$OUT" 0 "vmfsctl mincore after dontneed"
ok_run mlockall 1 future
ok_run munlockall 1
ok_run msync 1 0x10000 4K sync
expect_eq "$OUT" "" "vmfsctl msync output"
check_error 1 'madvise 0x10000 4K sometimes' madvise 1 0x10000 4K sometimes
ok "mlock, munlock, madvise, mlockall, munlockall, msync print nothing; mincore its digits"

fails_with 1 '^vmfsctl: no process 99$' fork 99
fails_with 1 '^vmfsctl: no process 99$' maps 99
fails_with 1 '^vmfsctl: no process 99$' translate 99 0x1000
fails_with 1 '^vmfsctl: no process 99$' mmap 99 0 4K rw- private
ok "a PID that does not exist is 'no process PID'"

random_file "$t/data" 12288
mem_write "$mnt" 1 $((addr)) "$t/data"
ok_run fork 1
child=$OUT
expect_eq "$child" 4 "vmfsctl fork 1"
expect_eq "$(cat "$mnt/4/maps")" "$(cat "$mnt/1/maps")" "the child's maps"
ok_run kill 2
[[ ! -e $mnt/2 ]] || fail "vmfsctl kill 2 left $mnt/2"
fails_with 1 '^vmfsctl: no process 2$' kill 3 2
[[ ! -e $mnt/3 ]] || fail "vmfsctl kill 3 2 did not end 3 before failing on 2"
ok "fork prints the child; kill ends processes, goes on past a failure, exits 1"

# ---- ps ---------------------------------------------------------------------------

ok_run ps
mapfile -t rows <<<"$OUT"
expect_match "${rows[0]}" '^ +PID NAME +RSS_KiB +SWAP_KiB +MINFLT +MAJFLT$' "ps header"
expect_eq "${#rows[@]}" 3 "ps rows (header, 1, 4)"
for row in "${rows[@]:1}"; do
	read -r pid name rss swap minflt majflt <<<"$row"
	expect_eq "$name" "$(cat "$mnt/$pid/comm")" "ps NAME of $pid"
	expect_eq "$rss" "$(field "$mnt/$pid/status" VmRSS)" "ps RSS of $pid"
	expect_eq "$swap" "$(field "$mnt/$pid/status" VmSwap)" "ps SWAP of $pid"
	read -r -a st <"$mnt/$pid/stat"
	expect_eq "$minflt" "${st[9]}" "ps MINFLT of $pid"
	expect_eq "$majflt" "${st[11]}" "ps MAJFLT of $pid"
done
[[ ${rows[1]} == *" 1 first "* && ${rows[2]} == *" 4 first "* ]] || fail "ps rows not in PID order: $OUT"
ok "ps: one row per process, in order, as status and stat say"

# ---- translate ----------------------------------------------------------------------

PFN_MASK=0x000ffffffffff000

# check_walk MNT PID ADDR: the walk vmfsctl prints against phys, pagetable and
# pagemap; sets VERDICT to its last line.
check_walk() {
	local m=$1 pid=$2 va=$3 cr3_top line depth=0 table idx entry next="" leaf_entry="" verdict pm
	local -a names
	run -m "$m" translate "$pid" "$va"
	((RC == 0)) || fail "translate $pid $va: exit $RC: $ERR"
	head -n 1 "$m/$pid/pagetable" >"$t/pthead"
	cr3_top=$(sed 's/.* at phys \(0x[0-9a-f]*\);.*/\1/' "$t/pthead")
	read -r -a names <<<"$(sed 's/.* levels: \([a-z0-9 ]*\);.*/\1/' "$t/pthead")"
	while IFS= read -r line; do
		[[ $line =~ ^\ \ ([a-z0-9]+)\ +(0x[0-9a-f]+)\ +([0-9]+)\ +(0x[0-9a-f]{16})\ \  ]] || continue
		expect_eq "${BASH_REMATCH[1]}" "${names[depth]}" "translate $va: level $depth's name"
		table=${BASH_REMATCH[2]} idx=${BASH_REMATCH[3]} entry=${BASH_REMATCH[4]}
		if ((depth == 0)); then
			((table == cr3_top)) || fail "translate $va: the walk starts at $table, not cr3's $cr3_top"
		else
			((table == next)) || fail "translate $va: level $depth's table $table is not where the entry above points"
		fi
		expect_eq "$(u64_at "$m/phys" $((table + 8 * idx)))" "$entry" "translate $va: the ${table}[$idx] entry in phys"
		next=$((entry & PFN_MASK)) leaf_entry=$entry
		depth=$((depth + 1))
	done <<<"$OUT"
	((depth >= 1)) || fail "translate $va: no walk rows in '$OUT'"
	verdict=$(tail -n 1 <<<"$OUT")
	if [[ $verdict == cached:* ]]; then
		((depth == ${#names[@]})) || fail "translate $va: cached after $depth of ${#names[@]} levels"
		# A user page: the leaf is the one pagetable prints (it lists the
		# user half only), and the PFN of its pagemap entry.
		if ((va >= 0)) && [[ $OUT == *": user half;"* ]]; then
			grep -q "^ *${names[depth - 1]}\[[0-9]*\] @0x[0-9a-f]* $leaf_entry va $(printf '0x%x' $((va & ~0xfff))) -> " \
				"$m/$pid/pagetable" || fail "translate $va: leaf $leaf_entry not in pagetable"
			pm=$(pagemap "$m" "$pid" "$va")
			expect_eq "$(pm_pfn "$pm")" $(((leaf_entry & PFN_MASK) >> 12)) "translate $va: pagemap PFN"
		fi
		expect_match "$verdict" "^cached: frame $(printf '0x%x' $((leaf_entry & PFN_MASK))) \+ offset $(printf '0x%x' $((va & 0xfff))) = physical address $(printf '0x%x' $(((leaf_entry & PFN_MASK) + (va & 0xfff))))" \
			"translate $va verdict"
	fi
	VERDICT=$verdict
}

# A written page: the walk, then the bytes at the physical address it ends with.
check_walk "$mnt" 1 $((addr + 0x123))
phys_addr=${VERDICT##*physical address }
phys_addr=${phys_addr%%;*}
cmp <(dd if="$mnt/phys" bs=1 skip=$((phys_addr)) count=16 status=none) \
	<(dd if="$t/data" bs=1 skip=$((0x123)) count=16 status=none) ||
	fail "the 16 bytes at $phys_addr of phys are not those written at $addr + 0x123"
expect_match "$VERDICT" 'copy-on-write$' "a page shared after fork"
ok "translate: the walk is in phys, ends at the written bytes, agrees with pagetable and pagemap"

# The split: every field's bits, and the index of each level.
run translate 1 0x7fffffff0123
expect_match "$OUT" $'\n  bits    63-48   47-39      38-30      29-21      20-12      11-0\n' "the bits row"
expect_match "$OUT" $'\n  binary  0x0000  011111111  111111111  111111111  111110000  000100100011\n' "the binary row"
expect_match "$OUT" $'\n  index           255        511        511        496        0x123\n' "the index row"
ok "translate: the address split into sign, 4 x 9 bits and the offset"

# The states.
check_walk "$mnt" 1 $((addr + 0x8000))
expect_match "$VERDICT" \
	'^uncached: mapped rw-p, not in memory \(empty pte entry\); an access faults it in$' "untouched page"
check_walk "$mnt" 1 0x20000000
expect_match "$VERDICT" \
	'^unallocated: no mapping here \(empty [a-z]+ entry\); an access is a segfault$' "unmapped page"
check_walk "$mnt" 1 0xffff800000000000
expect_match "$VERDICT" \
	'^cached: frame 0x[0-9a-f]+ \+ offset 0x0 = physical address 0x[0-9a-f]+; supervisor only$' "kernel image"
check_walk "$mnt" 1 0xffffc00000000000
expect_match "$VERDICT" '^unallocated: no kernel page here' "kernel half outside the image"
run translate 1 0x800000000000
((RC == 0)) || fail "translate of a non-canonical address: exit $RC"
expect_match "$(tail -n 1 <<<"$OUT")" '^not canonical \(bits 63-48 differ from bit 47\)' "non-canonical address"
printf x | dd of="$mnt/4/mem" bs=1 seek=$((addr)) conv=notrunc status=none
check_walk "$mnt" 4 $((addr))
expect_match "$VERDICT" '^cached: frame .*[0-9a-f]$' "the child's page after its write"
ok_run mprotect 1 $((addr)) 4K ---
check_walk "$mnt" 1 $((addr))
expect_match "$VERDICT" "^cached in frame 0x[0-9a-f]+, but PROT_NONE" "a PROT_NONE page"
ok_run mprotect 1 $((addr)) 4K rw-
ok "translate: uncached, unallocated, kernel, non-canonical, COW, PROT_NONE"

# Under pressure: a page in swap.  Fill the 64 frames twice over.
ok_run spawn hog
hog=$OUT
ok_run mmap "$hog" 0 512K rw- private
hogaddr=$OUT
head -c 524288 /dev/urandom >"$t/hog"
mem_write "$mnt" "$hog" $((hogaddr)) "$t/hog"
ok_run reclaim 8
expect_match "$OUT" '^[0-9]+$' "vmfsctl reclaim answer"
swapped=$(grep -m 1 -E 'SWAP( NX)?$' "$mnt/$hog/pagetable" || true)
[[ -n $swapped ]] || fail "no page of the hog went to swap: $(tail -n 3 "$mnt/$hog/pagetable")"
[[ $swapped =~ va\ (0x[0-9a-f]+)\ -\>\ swap\ slot\ ([0-9]+) ]] || fail "pagetable swap line: $swapped"
swva=${BASH_REMATCH[1]} slot=${BASH_REMATCH[2]}
check_walk "$mnt" "$hog" "$swva"
expect_eq "$VERDICT" "uncached: in swap slot $slot; an access reads it back" "a swapped page"
ok "translate: a page in swap names the slot pagetable shows"

# ---- stat -------------------------------------------------------------------------

ok_run stat
declare -A S
while read -r k v; do S[$k]=$v; done <<<"$OUT"
for k in levels va_bits policy frames free anon page_cache swap_used swap_cached page_tables processes \
	faults major_faults swap_in swap_out scanned evicted oom_kills; do
	[[ -n ${S[$k]:-} ]] || fail "vmfsctl stat has no '$k': $OUT"
done
expect_eq "${S[levels]}" 4 "stat levels"
expect_eq "${S[va_bits]}" 48 "stat va_bits"
expect_eq "${S[policy]}" clock "stat policy (config's, as mounted)"
expect_eq "${S[frames]}" 64 "stat frames"
expect_eq "${S[processes]}" 3 "stat processes (1, 4, the hog)"
for pair in free:nr_free_pages anon:nr_anon_pages swap_cached:nr_swapcached page_tables:nr_page_table_pages \
	faults:pgfault major_faults:pgmajfault swap_in:pswpin swap_out:pswpout scanned:pgscan_direct \
	evicted:pgsteal_direct oom_kills:oom_kill; do
	expect_eq "${S[${pair%%:*}]}" "$(field "$mnt/vmstat" "${pair#*:}")" "stat ${pair%%:*} against vmstat ${pair#*:}"
done
expect_eq "${S[page_cache]}" $(($(field "$mnt/meminfo" Cached) / 4)) "stat page_cache against meminfo Cached"
expect_eq "${S[swap_used]}" $(($(awk 'NR == 2 { print $4 }' "$mnt/swaps") / 4)) "stat swap_used against swaps"
((S[swap_out] > 0)) || fail "stat swap_out is 0 after the hog"
ok "stat agrees with vmstat, meminfo and swaps"
# the TLB lines (since 0.8): the tlb file's, and a reach that is the entries' sum
for pair in tlb_4k:used_4k tlb_2m:used_2m tlb_1g:used_1g tlb_reach_kb:reach_kb; do
	expect_eq "${S[${pair%%:*}]:-}" "$(field "$mnt/tlb" "${pair#*:}")" "stat ${pair%%:*} against tlb ${pair#*:}"
done
expect_eq "${S[tlb_reach_kb]}" $((4 * S[tlb_4k] + 2048 * S[tlb_2m] + 1048576 * S[tlb_1g])) "stat tlb_reach_kb"
((S[tlb_4k] > 0)) || fail "stat tlb_4k is 0 after processes touched memory"
expect_eq "$(field "$mnt/tlb" entries_4k)" 64 "tlb entries_4k (tlb=64)"
expect_eq "$(field "$mnt/tlb" entries_2m)" 32 "tlb entries_2m"
expect_eq "$(field "$mnt/tlb" entries_1g)" 4 "tlb entries_1g"
ok "stat's TLB lines agree with the tlb file"

ok_run policy lru
expect_eq "$OUT" "" "vmfsctl policy output"
ok_run sync
expect_eq "$OUT" "" "vmfsctl sync output"
ok "policy and sync print nothing"
ok_run stat
expect_eq "$(awk '$1 == "policy" { print $2 }' <<<"$OUT")" lru "stat policy after 'vmfsctl policy lru'"
expect_eq "$(field "$mnt/config" policy)" lru "config policy after 'vmfsctl policy lru'"
ok "stat shows the policy in use after a switch"

# ---- other depths -------------------------------------------------------------------

for spec in "2 0x1ffff000 pgd pte" "5 0xfffffffffff000 pgd p4d pud pmd pte" \
	"6 0x7ffffffffffff000 pgd p5d p4d pud pmd pte"; do
	read -r levels top names <<<"$spec"
	m=$t/mnt$levels
	vmfs_mount "$m" "levels=$levels,frames=16"
	ok_run -m "$m" spawn deep
	ok_run -m "$m" mmap 1 0 4K rw- private
	expect_eq "$OUT" "$top" "the first mapping at $levels levels"
	printf 'deep' | dd of="$m/1/mem" bs=1 seek=$((top)) conv=notrunc status=none
	check_walk "$m" 1 $((top + 2))
	expect_match "$VERDICT" '^cached: ' "translate at $levels levels"
	run -m "$m" translate 1 $((top + 2))
	expect_match "$OUT" "^$(printf '0x%x' $((top + 2))) in process 1 \(deep\): user half; $levels levels" "header at $levels levels"
	expect_match "$(head -n 1 "$m/1/pagetable")" "; $levels levels: $names;" "level names at $levels levels"
	vmfs_unmount "$m"
done
ok "translate at 2, 5 and 6 levels"

vmfs_unmount "$mnt"
