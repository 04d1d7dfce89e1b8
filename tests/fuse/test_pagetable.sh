#!/usr/bin/env bash
# test_pagetable.sh - the page tables seen three ways agree (SPEC §1 "Page
# tables live in simulated physical memory", §3 pagetable, phys, pagemap):
# every entry PID/pagetable prints is the 8 bytes at table + 8*index of
# phys (read with hexdump and with dd|od), each table entry points at the
# table of the next line, the chain starts at cr3, a leaf's frame holds the
# page's bytes in phys and is the PFN of the pagemap entry (read with
# `od -j VPN*8 -N 8` as the SPEC's users would), and the bits follow what
# was done: NX for rw-, RW gone after mprotect r-- and after fork (COW),
# present gone after munmap.  Run at 4 and at 5 levels.
#
# Usage: test_pagetable.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP
P=$((1 << 0)) RW=$((1 << 1)) US=$((1 << 2)) NX=$((1 << 63))
PFN_MASK=0x000ffffffffff000

# pte_line FILE VA: the leaf line of FILE (a pagetable) for virtual address VA.
pte_line() {
	grep -E "^ *pte\[[0-9]+\] @0x[0-9a-f]+ 0x[0-9a-f]{16} va $(printf '0x%x' "$2") -> " "$1" || true
}

# entry_of LINE: the raw entry of a pagetable line.
entry_of() {
	local w
	read -r -a w <<<"$1"
	echo "${w[2]:-}"
}

# check_tables MNT PID LEVELS NAMES: every line of PID/pagetable against phys.
check_tables() {
	local mnt=$1 pid=$2 levels=$3 names=$4 line n=0 depth at entry hd idx table cr3_phys
	local -a expect_table=()
	cat "$mnt/$pid/pagetable" >"$t/pt"
	head -n 1 "$t/pt" | grep -Eq "^cr3 0x[0-9a-f]{16}: [a-z0-9]+ at phys 0x[0-9a-f]+; $levels levels: $names;" ||
		fail "pagetable header: $(head -n 1 "$t/pt")"
	cr3_phys=$(head -n 1 "$t/pt" | sed 's/.* at phys \(0x[0-9a-f]*\);.*/\1/')
	while IFS= read -r line; do
		n=$((n + 1))
		expect_match "$line" '^( *)([a-z0-9]+)\[([0-9]+)\] @(0x[0-9a-f]+) (0x[0-9a-f]{16}) va (0x[0-9a-f]+) -> ' "pagetable line $n"
		depth=$((${#BASH_REMATCH[1]} / 2))
		idx=${BASH_REMATCH[3]} at=${BASH_REMATCH[4]} entry=${BASH_REMATCH[5]}
		((depth < levels)) || fail "pagetable line $n: depth $depth of $levels levels"
		# The entry is the 8 bytes at its address in phys, by two tools.
		hd=$(hexdump -s "$((at))" -n 8 -e '1/8 "%016x"' "$mnt/phys")
		expect_eq "0x$hd" "$entry" "hexdump -s $at -n 8 phys (pagetable line $n)"
		expect_eq "$(u64_at "$mnt/phys" "$((at))")" "$entry" "dd|od of phys at $at (pagetable line $n)"
		# The table this entry sits in: cr3 for depth 0, else what the
		# entry above pointed to.
		table=$((at - 8 * idx))
		if ((depth == 0)); then
			((table == cr3_phys)) || fail "pagetable line $n: a top-level entry outside the cr3 table"
		elif [[ -n ${expect_table[depth]:-} ]]; then
			((table == expect_table[depth])) ||
				fail "pagetable line $n: its table $(printf 0x%x "$table") is not the one the level above points to"
		fi
		if ((depth < levels - 1)); then
			(((entry & P) && (entry & US))) || fail "pagetable line $n: a table entry without P and US: $line"
			expect_table[depth + 1]=$((entry & PFN_MASK))
			[[ $line == *"-> table $(printf '0x%x' $((entry & PFN_MASK)))"* ]] ||
				fail "pagetable line $n: '-> table' does not name the entry's frame"
		fi
	done < <(tail -n +2 "$t/pt")
	((n >= levels)) || fail "pagetable has $n entries, fewer than its $levels levels"
	echo "$n"
}

for levels in 4 5; do
	mnt=$VMFS_TMP/mnt$levels
	names="pgd pud pmd pte"
	((levels == 5)) && names="pgd p4d pud pmd pte"
	vmfs_mount "$mnt" "levels=$levels,frames=1024"

	pid=$(spawn "$mnt")
	addr=$(map "$mnt" "$pid" 64K rw- private 0x40000000)
	random_file "$t/data" 16384
	mem_write "$mnt" "$pid" "$addr" "$t/data"
	n=$(check_tables "$mnt" "$pid" "$levels" "$names")
	ok "$levels levels: all $n pagetable entries are the bytes in phys, chained from cr3"

	for i in 0 1 2 3; do
		va=$((addr + i * 4096))
		line=$(pte_line "$t/pt" "$va")
		[[ -n $line ]] || fail "no pte line for $(printf 0x%x "$va"): $(cat "$t/pt")"
		entry=$(entry_of "$line")
		(((entry & P) && (entry & RW) && (entry & US) && (entry & NX))) ||
			fail "pte of a written rw- page lacks P, RW, US or NX: $line"
		frame=$((entry & PFN_MASK))
		[[ $line == *"-> frame $(printf 0x%x "$frame")"* ]] || fail "'-> frame' does not name the entry's frame: $line"
		dd if="$mnt/phys" bs=4096 skip=$((frame / 4096)) count=1 status=none |
			cmp - <(dd if="$t/data" bs=4096 skip="$i" count=1 status=none) ||
			fail "phys at the frame of page $i differs from what was written"
		# The SPEC's own command for a pagemap entry.
		pm=$(timeout 20 od -An -tx8 -j $((va >> 12 << 3)) -N 8 "$mnt/$pid/pagemap") ||
			fail "od -j $((va >> 12 << 3)) -N 8 pagemap failed or took over 20 s"
		pm=0x${pm//[[:space:]]/}
		pm_present "$pm" || fail "pagemap entry $pm of page $i is not present"
		expect_eq "$(pm_pfn "$pm")" $((frame >> 12)) "pagemap PFN of page $i against the pte's frame"
		(((pm >> 56) & 1)) || fail "pagemap entry $pm: an anonymous page of one process is not exclusive"
		! pm_file "$pm" || fail "pagemap entry $pm: an anonymous private page has bit 61"
	done
	[[ -z $(pte_line "$t/pt" $((addr + 4 * 4096))) ]] || fail "an untouched page has a pte"
	expect_eq "$(pagemap "$mnt" "$pid" $((addr + 4 * 4096)))" 0x0080000000000000 "pagemap of an untouched page (only bit 55: a new mapping is soft-dirty)"
	ok "$levels levels: leaf frames hold the bytes; pagemap (od -j) gives the same PFNs"

	if dd if="$mnt/$pid/pagemap" bs=8 count=1 iflag=skip_bytes skip=$((addr >> 12 << 3 | 4)) of=/dev/null status=none 2>"$t/err"; then
		fail "a pagemap read at an unaligned offset succeeded"
	fi
	grep -q 'Invalid argument' "$t/err" || fail "unaligned pagemap read: $(cat "$t/err"), expected EINVAL"
	ok "pagemap refuses unaligned reads (EINVAL)"

	# mprotect r--: RW goes from the pte; fork: COW in both, one frame.
	expect_eq "$(ctl "$mnt/$pid/ctl" "mprotect $addr 4096 r--")" ok "mprotect r--"
	cat "$mnt/$pid/pagetable" >"$t/pt"
	entry=$(entry_of "$(pte_line "$t/pt" "$addr")")
	(((entry & P) && !(entry & RW))) || fail "pte after mprotect r-- is $entry"
	child=$(ctl "$mnt/$pid/ctl" fork)
	cat "$mnt/$pid/pagetable" >"$t/pt"
	cat "$mnt/$child/pagetable" >"$t/ptc"
	va=$((addr + 4096))
	pe=$(entry_of "$(pte_line "$t/pt" "$va")")
	ce=$(entry_of "$(pte_line "$t/ptc" "$va")")
	expect_eq "$((pe & PFN_MASK))" "$((ce & PFN_MASK))" "the frame of a page after fork, parent and child"
	((!(pe & RW) && !(ce & RW))) || fail "after fork a private page is writable: parent $pe child $ce"
	[[ $(pte_line "$t/pt" "$va") == *COW* ]] || fail "the parent's pte after fork is not marked COW: $(pte_line "$t/pt" "$va")"
	mem_write "$mnt" "$child" "$va" <(head -c 4096 /dev/zero)
	ce2=$(entry_of "$(pte_line "$mnt/$child/pagetable" "$va")")
	(((ce2 & RW) && (ce2 & PFN_MASK) != (pe & PFN_MASK))) ||
		fail "after the child's write its pte is $ce2 (parent's frame $((pe & PFN_MASK)))"
	check_tables "$mnt" "$child" "$levels" "$names" >/dev/null
	ok "$levels levels: mprotect clears RW; fork shares frames read-only (COW); a write copies"

	# The SPEC's od command where the machine places mappings by default
	# (top-down, near the top of user space): od seeks only in a file whose
	# size reaches the offset; else it reads its way there.
	top=$(map "$mnt" "$pid" 4096 rw- private)
	mem_write "$mnt" "$pid" "$top" <(head -c 4096 /dev/zero)
	pm=$(timeout 10 od -An -tx8 -j $((top >> 12 << 3)) -N 8 "$mnt/$pid/pagemap") ||
		fail "od -j $((top >> 12 << 3)) -N 8 pagemap (the entry of $(printf 0x%x "$top")) did not finish in 10 s; pagemap's st_size is $(stat -c %s "$mnt/$pid/pagemap")"
	pm=0x${pm//[[:space:]]/}
	pm_present "$pm" || fail "od -j: pagemap entry $pm of a written page at $(printf 0x%x "$top") is not present"
	ok "$levels levels: od -j reads the pagemap entry of a top-down mapping"

	# munmap: the ptes go, the pagemap entries are 0.
	expect_eq "$(ctl "$mnt/$pid/ctl" "munmap $addr 64K")" ok "munmap"
	[[ -z $(pte_line "$mnt/$pid/pagetable" "$addr") ]] || fail "a pte survives munmap"
	expect_eq "$(pagemap "$mnt" "$pid" "$addr")" 0x0000000000000000 "pagemap after munmap"
	ok "$levels levels: munmap clears the ptes and the pagemap entries"
	vmfs_unmount "$mnt"
done
ok "unmounted; the daemons exited with status 0"
