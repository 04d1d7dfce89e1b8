#!/usr/bin/env bash
# test_pictures.sh - vmfsctl draw against a real mount: every picture is
# drawn from a live machine and read back (check_pictures.py parses the SVG,
# so it must be well-formed) against the files it was drawn from:
#   - draw walk: one table box per entry translate read, each naming the
#     entry (name[index] @address), its raw value, its bits and its target,
#     the table's frame; the frame and the byte when the page is there, and
#     pagemap agrees; the stop box says translate's verdict (cached,
#     copy-on-write, uncached, unallocated, swap slot, PROT_NONE,
#     supervisor only, not canonical); at 4 and 2 levels;
#   - draw tree: every leaf entry of PID/pagetable drawn, under the header
#     of its mapping in PID/maps, its frame pagemap's, shared frames
#     (kpagecount > 1) marked; --range keeps only the entries inside;
#   - draw phys: one rect per frame, its class the owner kpageflags and the
#     pagemaps give, shared and dirty as kpagecount and kpageflags say,
#     --pid's frames highlighted, a legend;
#   - a huge page (a pmd entry with PS, issue 17), from a hand-made mount
#     directory until the engine makes them: the walk ends at the pmd, the
#     frame and offset are the huge page's;
#   - -T png and -T pdf write those formats (magic bytes);
#   - usage mistakes exit 2 and failures exit 1, with a message and no file.
# Without Graphviz in the build, walk and tree must say so (exit 1); their
# checks are skipped with a note.
#
# Usage: test_pictures.sh DAEMON SOURCEDIR VMFSCTL (meson passes all three)
set -euo pipefail
[[ -z ${PIC_DEBUG:-} ]] || set -x
# shellcheck source-path=SCRIPTDIR source=../fuse/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../fuse/lib.sh"
vmfs_init "$1" "$2"
VMFSCTL=$(readlink -f "${3:?usage: $0 DAEMON SOURCEDIR VMFSCTL}")
CHECK=$VMFS_SRC/tests/pictures/check_pictures.py
[[ -x $VMFSCTL ]] || fail "no vmfsctl at $VMFSCTL"
t=$VMFS_TMP

# v ARGS...: vmfsctl ARGS must succeed; its stdout.
v() { "$VMFSCTL" "$@" || fail "vmfsctl $* failed"; }

# fails_with STATUS ERE ARGS...: vmfsctl ARGS exits STATUS with stderr
# matching ERE, nothing on stdout.
fails_with() {
	local status=$1 re=$2 rc=0
	shift 2
	"$VMFSCTL" "$@" >"$t/out" 2>"$t/err" || rc=$?
	((rc == status)) || fail "vmfsctl $*: exit $rc, expected $status ($(cat "$t/err"))"
	[[ ! -s $t/out ]] || fail "vmfsctl $*: printed on stdout while failing"
	[[ $(cat "$t/err") =~ $re ]] || fail "vmfsctl $*: stderr '$(cat "$t/err")' does not match /$re/"
}

# magic FILE HEX: the file starts with these bytes.
magic() {
	local got
	got=$(od -An -tx1 -N $((${#2} / 2)) "$1" | tr -d ' \n')
	[[ $got == "$2" ]] || fail "$1 starts with $got, not $2"
}

mnt=$t/mnt
vmfs_mount "$mnt" "frames=128"
export VMFS_MOUNT=$mnt

# A process with every state a walk can end in.
parent=$(v spawn parent)
heap=$(v mmap "$parent" 0 64K rw- private)
head -c 12288 /dev/urandom >"$t/data"
dd if="$t/data" of="$mnt/$parent/mem" bs=4096 seek=$((heap / 4096)) conv=notrunc status=none
head -c 8192 /dev/urandom >"$mnt/objects/lib"
lib=$(v mmap "$parent" 0 8K r-- shared lib)
dd if="$mnt/$parent/mem" bs=4096 skip=$((lib / 4096)) count=1 status=none >/dev/null
v mprotect "$parent" $((heap + 0x1000)) 4K --- >/dev/null
v madvise "$parent" $((heap + 0x2000)) 4K pageout >/dev/null
child=$(v fork "$parent")
dd if="$t/data" of="$mnt/$child/mem" bs=1 count=1 seek=$((heap + 0x30)) conv=notrunc status=none
addrs=(
	$((heap + 0x123))               # cached, copy-on-write (after the fork)
	$((heap + 0x1008))              # PROT_NONE
	$((heap + 0x2000))              # swap slot
	$((heap + 0x5000))              # uncached: mapped, never touched
	$((lib + 0x10))                 # an object page, read-only
	0x1000                          # unallocated
	0xffff800000000000              # the kernel image: supervisor only
	0x0000900000000000              # not canonical
)
addrs_hex=()
for a in "${addrs[@]}"; do addrs_hex+=("$(printf '0x%x' "$a")"); done

graphviz=1
if ! "$VMFSCTL" draw walk "$parent" 0x1000 -o "$t/probe.svg" 2>"$t/err"; then
	grep -q 'built without Graphviz' "$t/err" || fail "draw walk: $(cat "$t/err")"
	[[ ! -e $t/probe.svg ]] || fail "draw walk without Graphviz created its file"
	graphviz=0
	note "SKIP walk and tree: vmfsctl was built without Graphviz ($(cat "$t/err"))"
fi

if ((graphviz)); then
	v draw walk "$parent" "${addrs_hex[@]}" -o "$t/walk.svg"
	python3 "$CHECK" walk "$VMFSCTL" "$mnt" "$parent" "$t/walk.svg" "${addrs_hex[@]}" ||
		fail "draw walk disagrees with translate or pagemap"
	python3 "$CHECK" text "$t/walk.svg" >"$t/walk.txt"
	for want in "copy-on-write" "PROT_NONE" "swap slot" "uncached: mapped" "read-only" \
		"unallocated: no mapping" "supervisor only" "not canonical"; do
		grep -q "$want" "$t/walk.txt" || fail "draw walk: no '$want' on the picture"
	done
	v draw walk "$child" "${addrs_hex[0]}" >"$t/child.svg"   # standard output
	python3 "$CHECK" walk "$VMFSCTL" "$mnt" "$child" "$t/child.svg" "${addrs_hex[0]}" ||
		fail "draw walk of the child"
	ok "draw walk: every state, the tables, entries and frames translate and pagemap read"

	v draw tree "$parent" -o "$t/tree.svg"
	python3 "$CHECK" tree "$mnt" "$parent" "$t/tree.svg" || fail "draw tree disagrees with pagetable"
	python3 "$CHECK" text "$t/tree.svg" >"$t/tree.txt"   # not a pipe: grep -q and pipefail
	grep -q 'shared x2' "$t/tree.txt" || fail "draw tree: the page shared with the child is not marked"
	v draw tree "$child" -o "$t/tree-child.svg"
	python3 "$CHECK" tree "$mnt" "$child" "$t/tree-child.svg" || fail "draw tree of the child"
	lo=$((heap + 0x1000)) hi=$((heap + 0x3000))
	v draw tree "$parent" --range "$(printf '0x%x-0x%x' $lo $hi)" -o "$t/range.svg"
	python3 "$CHECK" tree "$mnt" "$parent" "$t/range.svg" $lo $hi || fail "draw tree --range"
	ok "draw tree: the leaf entries of pagetable by mapping, frames as pagemap, sharing as kpagecount"

	v draw walk "$parent" "${addrs_hex[0]}" -T png -o "$t/walk.png"
	magic "$t/walk.png" 89504e470d0a1a0a
	v draw tree "$parent" -T pdf -o "$t/tree.pdf"
	magic "$t/tree.pdf" 255044462d
	ok "draw -T png and -T pdf write PNG and PDF"

	# At 2 levels: the top level takes 9 bits, addresses are 21-bit.
	mnt2=$t/mnt2
	vmfs_mount "$mnt2" "frames=32,levels=2"
	p2=$(v -m "$mnt2" spawn two)
	a2=$(v -m "$mnt2" mmap "$p2" 0 8K rw- private)
	printf x | dd of="$mnt2/$p2/mem" bs=1 seek=$((a2 + 5)) conv=notrunc status=none
	a2=$(printf '0x%x' $((a2 + 5)))
	v -m "$mnt2" draw walk "$p2" "$a2" 0x1000 -o "$t/walk2.svg"
	python3 "$CHECK" walk "$VMFSCTL" "$mnt2" "$p2" "$t/walk2.svg" "$a2" 0x1000 || fail "draw walk at 2 levels"
	ok "draw walk at 2 levels"
fi

# A huge page (issue 17: a pmd entry with PS, bit 7, ends the walk early).
# The engine makes none yet, so a hand-made mount directory holds one, in
# the formats vmfs(1) documents: vmfsctl reads only files, and must draw
# what a mount with huge pages will show.
if ((graphviz)); then
	fake=$t/fake
	python3 - "$fake" <<'PY'
import os, struct, sys
d = sys.argv[1]
os.makedirs(f"{d}/1")
open(f"{d}/ctl", "w").close()
P, RW, US, A, D, PS = 1, 2, 4, 0x20, 0x40, 0x80
pgd, pud, pmd, huge = 0x1000, 0x2000, 0x3000, 0x200000
phys = bytearray(0x4000)
def put(table, index, e):
    struct.pack_into("<Q", phys, table + 8 * index, e)
put(pgd, 0, pud | P | RW | US | A)
put(pud, 1, pmd | P | RW | US | A)
put(pmd, 0, huge | P | RW | US | A | D | PS)
open(f"{d}/phys", "wb").write(phys)
with open(f"{d}/1/pagetable", "w") as f:
    f.write("cr3 0x0000000000000001: pgd at phys 0x1000; 4 levels: pgd pud pmd pte; entry at table + 8 * index\n"
            f"pgd[0] @0x1000 0x{pud | 0x27:016x} va 0x0 -> table 0x2000  P RW US A\n"
            f"  pud[1] @0x2008 0x{pmd | 0x27:016x} va 0x40000000 -> table 0x3000  P RW US A\n"
            f"    pmd[0] @0x3000 0x{huge | 0xe7:016x} va 0x40000000 -> frame 0x200000  P RW US A D PS\n")
open(f"{d}/1/comm", "w").write("huge\n")
open(f"{d}/1/maps", "w").write("40000000-40200000 rw-p 00000000 00:00 0 \n")
with open(f"{d}/1/pagemap", "wb") as f:   # every page of the huge page, present
    f.seek((0x40000000 >> 12) * 8)
    for i in range(512):
        f.write(struct.pack("<Q", 1 << 63 | 1 << 56 | (huge >> 12) + i))
kpc = bytearray(8 * 0x400)
struct.pack_into("<Q", kpc, 8 * (huge >> 12), 1)
open(f"{d}/kpagecount", "wb").write(kpc)
PY
	v -m "$fake" translate 1 0x40012345 >"$t/huge.txt"
	expect_eq "$(tail -n 1 "$t/huge.txt")" \
		"cached: huge page (pmd entry with PS) at frame 0x200000 + offset 0x12345 = physical address 0x212345; the walk ends at the pmd: PS is set" \
		"translate at a huge page"
	v -m "$fake" draw walk 1 0x40012345 -o "$t/huge.svg"
	python3 "$CHECK" walk "$VMFSCTL" "$fake" 1 "$t/huge.svg" 0x40012345 || fail "draw walk at a huge page"
	python3 "$CHECK" text "$t/huge.svg" >"$t/huge-svg.txt"
	grep -q '^huge page frame$' "$t/huge-svg.txt" || fail "draw walk: the huge page is not named"
	grep -q '^pte table$' "$t/huge-svg.txt" && fail "draw walk at a huge page drew a pte table"
	grep -q '^offset in the huge page$' "$t/huge-svg.txt" || fail "draw walk: the huge page's 21-bit offset"
	v -m "$fake" draw tree 1 -o "$t/huge-tree.svg"
	python3 "$CHECK" tree "$fake" 1 "$t/huge-tree.svg" || fail "draw tree with a huge page"
	ok "a huge page (PS at the pmd): translate, draw walk and draw tree end the walk there"
fi

v draw phys -o "$t/phys.svg"
python3 "$CHECK" phys "$mnt" "$t/phys.svg" || fail "draw phys disagrees with kpageflags or pagemap"
v draw phys --pid "$child" >"$t/phys-child.svg"
python3 "$CHECK" phys "$mnt" "$t/phys-child.svg" "$child" || fail "draw phys --pid"
grep -q 'class="pid-'"$parent"' shared' "$t/phys.svg" || fail "draw phys: no frame shared by the parent"
grep -q 'class="cache' "$t/phys.svg" || fail "draw phys: no page-cache frame (the object's)"
grep -q 'class="pgtable' "$t/phys.svg" || fail "draw phys: no page-table frame"
ok "draw phys: each frame's owner, sharing and dirt as kpageflags, kpagecount and pagemap say"

# ---- mistakes --------------------------------------------------------------------
cd "$t"
fails_with 2 'draw: missing arguments' draw
fails_with 2 "'frob' is not a picture" draw frob
fails_with 2 'draw walk: missing arguments' draw walk "$parent" -o x.svg
fails_with 2 "'0xzz' is not an address" draw walk "$parent" 0xzz -o x.svg
fails_with 2 "'x' is not a PID" draw tree x -o x.svg
fails_with 2 "'gif' is not a format" draw walk "$parent" 0x1000 -T gif -o x.svg
fails_with 2 "'5-3' is not a range" draw tree "$parent" --range 5-3 -o x.svg
fails_with 2 'draw phys: only svg' draw phys -T png -o x.svg
fails_with 2 'draw phys: too many arguments' draw phys 1 -o x.svg
fails_with 2 'unknown option' draw phys --frob -o x.svg
fails_with 2 '--range is for draw tree' draw walk "$parent" 0x1000 --range 1-2 -o x.svg
fails_with 1 'no process 99' draw phys --pid 99 -o x.svg
if ((graphviz)); then
	fails_with 1 'no process 99' draw walk 99 0x1000 -o x.svg
	fails_with 1 'no process 99' draw tree 99 -o x.svg
	fails_with 1 "$t/none/x.svg: No such file or directory" draw tree "$parent" -o "$t/none/x.svg"
fi
[[ ! -e x.svg ]] || fail "a failed draw left x.svg"
"$VMFSCTL" --help >"$t/help.txt"   # a file: grep -q's early exit and pipefail would race
grep -q '^  draw ' "$t/help.txt" || fail "vmfsctl --help does not list draw"
for h in "draw --help" "draw walk --help" "draw tree 1 -h" "draw phys --help"; do
	# shellcheck disable=SC2086 # the words of $h are the arguments
	"$VMFSCTL" $h >"$t/help" || fail "vmfsctl $h failed"
	grep -q '^Usage: vmfsctl \[-m MOUNTPOINT\] draw' "$t/help" || fail "vmfsctl $h: $(head -n 1 "$t/help")"
done
ok "draw: usage mistakes exit 2, failures exit 1, no file left behind"
