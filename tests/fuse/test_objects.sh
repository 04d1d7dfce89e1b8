#!/usr/bin/env bash
# test_objects.sh - shared objects through objects/ (SPEC §1 Objects, §3): a
# real library copied in with cp reads back byte for byte with its size in
# ls -l; mapped r-x private into two processes, a page touched in each is one
# frame (pagemap PFNs equal, bit 61 set); a private write copies the page
# and leaves the object alone; a shared mapping writes into the object;
# truncate cuts pages off every mapping; rm removes the name while mappings
# keep the pages; chmod 444 forbids shared writable mappings (EACCES);
# descriptors opened before rm keep reading and writing the removed object,
# never a new object of the same name; maps and smaps show a mapping of
# objects/NAME on the device and inode stat(2) gives it, kept after rm.
#
# Usage: test_objects.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt"
obj=$mnt/objects

# A real library; any large file would do, this one is on every Debian.
lib=
for f in /lib/x86_64-linux-gnu/libc.so.6 /lib64/libc.so.6 /usr/lib/libc.so.6 /bin/bash; do
	[[ -f $f ]] && { lib=$(readlink -f "$f"); break; }
done
[[ -n $lib ]] || fail "no library to copy"
name=libc.so.6
size=$(stat -c %s "$lib")

cp "$lib" "$obj/$name" || fail "cp $lib $obj/ failed"
cmp "$lib" "$obj/$name" || fail "the object reads back different from $lib"
expect_eq "$(stat -c %s "$obj/$name")" "$size" "size of the object"
ls -l "$obj" >"$t/ls-l"
expect_eq "$(awk -v n="$name" '$NF == n { print $5 }' "$t/ls-l")" "$size" "ls -l size"
ok "cp $lib into objects/, cmp it back, ls -l says $size bytes"

# Map it into two processes and touch the same pages in each.
p1=$(spawn "$mnt" p1)
p2=$(spawn "$mnt" p2)
a1=$(map "$mnt" "$p1" "$size" r-x private 0 "$name" 0)
a2=$(map "$mnt" "$p2" "$size" r-x private 0 "$name" 0)
grep -qF "$name" "$mnt/$p1/maps" || fail "maps of $p1 does not name $name"
printf -v hdr '%08x-%08x r-xp 00000000 ' "$a1" $((a1 + (size + 4095) / 4096 * 4096))
grep -q "^$hdr" "$mnt/$p1/maps" || fail "maps of $p1 lacks '$hdr': $(cat "$mnt/$p1/maps")"
dd if="$lib" bs=4096 skip=3 count=1 status=none >"$t/page3"
for p in "$p1" "$p2"; do
	a=$a1
	[[ $p == "$p2" ]] && a=$a2
	mem_read "$mnt" "$p" "$a" 4096 | cmp - <(head -c 4096 "$lib") || fail "page 0 in $p differs from $lib"
	mem_read "$mnt" "$p" $((a + 3 * 4096)) 4096 | cmp - "$t/page3" || fail "page 3 in $p differs from $lib"
done
for off in 0 $((3 * 4096)); do
	e1=$(pagemap "$mnt" "$p1" $((a1 + off)))
	e2=$(pagemap "$mnt" "$p2" $((a2 + off)))
	for e in "$e1" "$e2"; do
		pm_present "$e" || fail "pagemap entry $e at +$off is not present"
		pm_file "$e" || fail "pagemap entry $e at +$off lacks bit 61 (file page)"
	done
	expect_eq "$(pm_pfn "$e1")" "$(pm_pfn "$e2")" "PFN of page +$off in $p1 and $p2"
	(((e1 >> 56 & 1) == 0)) || fail "pagemap at +$off: $e1 says exclusively mapped, yet two map it"
done
ok "mapped r-x private into $p1 and $p2: one frame per page (PFN $(pm_pfn "$e1")), bit 61 set"

# A private write copies the page: the object and the other process keep it.
expect_eq "$(ctl "$mnt/$p1/ctl" "mprotect $a1 4096 rw-")" ok "mprotect of the object page"
random_file "$t/junk" 4096
mem_write "$mnt" "$p1" "$a1" "$t/junk" || fail "private write into the object mapping failed"
mem_read "$mnt" "$p1" "$a1" 4096 | cmp - "$t/junk" || fail "$p1 does not see its private write"
mem_read "$mnt" "$p2" "$a2" 4096 | cmp - <(head -c 4096 "$lib") || fail "$p1's private write reached $p2"
cmp "$lib" "$obj/$name" || fail "a private write changed the object"
e1=$(pagemap "$mnt" "$p1" "$a1")
! pm_file "$e1" || fail "pagemap $e1: the copied page is still a file page"
ok "a private write copies the page; the object and $p2 keep theirs"

# A shared writable mapping writes into the object, both ways at once.
head -c 12288 /dev/zero >"$obj/shm" || fail "creating objects/shm failed"
s1=$(map "$mnt" "$p1" 12288 rw- shared 0 shm 0)
s2=$(map "$mnt" "$p2" 12288 r-- shared 0 shm 0)
printf 'hello, shared' >"$t/hello"
dd if="$t/hello" of="$mnt/$p1/mem" bs=1 seek="$s1" conv=notrunc status=none || fail "write to the shared mapping failed"
expect_eq "$(dd if="$mnt/$p2/mem" bs=13 count=1 iflag=skip_bytes skip="$s2" status=none)" 'hello, shared' \
	"the other process reads the shared write"
expect_eq "$(head -c 13 "$obj/shm")" 'hello, shared' "the object after a shared write"
printf 'WORLD' | dd of="$obj/shm" bs=1 seek=100 conv=notrunc status=none || fail "write into objects/shm failed"
expect_eq "$(dd if="$mnt/$p1/mem" bs=5 count=1 iflag=skip_bytes skip=$((s1 + 100)) status=none)" WORLD \
	"a mapping reads a write into the object"
ok "a shared mapping writes into the object and sees writes to it"

# truncate cuts pages off every mapping; extending brings zeros.
truncate -s 4096 "$obj/shm" || fail "truncate -s 4096 failed"
expect_eq "$(stat -c %s "$obj/shm")" 4096 "size after truncate"
if mem_read "$mnt" "$p1" $((s1 + 4096)) 4096 >/dev/null 2>&1; then
	fail "a page cut off by truncate can still be read"
fi
expect_eq "$(head -c 13 "$obj/shm")" 'hello, shared' "the kept page after truncate"
truncate -s 12288 "$obj/shm" || fail "truncate -s 12288 failed"
expect_eq "$(stat -c %s "$obj/shm")" 12288 "size after extending"
tail -c 8192 "$obj/shm" | cmp - <(head -c 8192 /dev/zero) || fail "extended bytes are not zeros"
mem_read "$mnt" "$p1" $((s1 + 4096)) 4096 | cmp - <(head -c 4096 /dev/zero) ||
	fail "the page re-grown by truncate does not read as zeros through the mapping"
ok "truncate shrinks (pages gone from mappings) and extends with zeros"

# Shell writes: create, overwrite, append.
echo hello >"$obj/note" || fail "echo > objects/note failed"
echo more >>"$obj/note" || fail "echo >> objects/note failed"
expect_eq "$(cat "$obj/note")" $'hello\nmore' "objects/note after > and >>"
echo bye >"$obj/note"
expect_eq "$(cat "$obj/note")" bye "objects/note after > again (O_TRUNC)"
ok "echo >, >> and cat on objects"

# mv within objects/ (a copy and an unlink, if rename is refused).
mv "$obj/note" "$obj/renamed" || fail "mv objects/note objects/renamed failed"
[[ ! -e $obj/note ]] || fail "objects/note still exists after mv"
expect_eq "$(cat "$obj/renamed")" bye "objects/renamed after mv"
mv "$obj/renamed" "$obj/note"
ok "mv renames an object"

# chmod 444: no shared writable mapping; read-only ones still work.
chmod 444 "$obj/shm" || fail "chmod 444 objects/shm failed"
expect_eq "$(stat -c %a "$obj/shm")" 444 "mode after chmod"
if vmfs_tx "$mnt/$p1/ctl" "mmap 0 4096 rw- shared shm 0"; then
	fail "a shared writable mapping of a 0444 object succeeded"
fi
expect_match "$TX_ERROR" 'Permission denied' "errno of a shared rw- mapping of a 0444 object"
map "$mnt" "$p1" 4096 r-- shared 0 shm 0 >/dev/null
ok "chmod 444 forbids shared writable mappings (EACCES)"

# rm removes the name; the mappings keep their pages.
rm "$obj/$name" || fail "rm objects/$name failed"
[[ ! -e $obj/$name ]] || fail "objects/$name still exists after rm"
ls "$obj" >"$t/ls"
! grep -qxF "$name" "$t/ls" || fail "ls objects still lists $name"
dd if="$lib" bs=4096 skip=5 count=1 status=none >"$t/page5"
mem_read "$mnt" "$p2" $((a2 + 5 * 4096)) 4096 | cmp - "$t/page5" || fail "$p2 lost the removed object's pages"
cp "$lib" "$obj/$name" || fail "cp under a removed object's name failed"
cmp "$lib" "$obj/$name" || fail "the new object differs"
rm "$obj/$name" "$obj/note"
rmdir "$mnt/$p2"
ok "rm removes the name at once, mappings keep the pages"

# Descriptors opened before rm keep the removed object (issue 13, item 1):
# writing through one never reaches a new object of the same name.
printf 'first version' >"$obj/x"
exec 7<>"$obj/x" 8<"$obj/x"
rm "$obj/x"
[[ ! -e $obj/x ]] || fail "objects/x still exists after rm"
printf 'second' >"$obj/x" || fail "creating a new objects/x after rm failed"
printf 'OLD' >&7 || fail "a write through a descriptor of the removed objects/x failed"
printf ' and more' >&7 || fail "a second write through the old descriptor failed"
expect_eq "$(cat "$obj/x")" second "the new objects/x after writes through the old descriptor"
expect_eq "$(cat <&8)" 'OLD and moren' "the removed objects/x read through an old descriptor"
expect_eq "$(stat -L -c '%s %h' /dev/fd/8)" '13 0' "size and links of the removed object (fstat)"
exec 7>&- 8<&-
expect_eq "$(cat "$obj/x")" second "the new objects/x after the old descriptors closed"
expect_eq "$(stat -c %s "$obj/x")" 6 "size of the new objects/x"
rm "$obj/x"
ok "a descriptor opened before rm reads and writes the removed object, never the new one of its name"

# maps and smaps show an object mapping's file as stat(2) of objects/NAME
# gives it: the mount's device (major:minor in hex, as maps prints it) and
# the inode number (also ls -i's); after rm the mapping keeps that number.
printf 'some bytes' >"$obj/devino"
p3=$(spawn "$mnt" p3)
a3=$(map "$mnt" "$p3" 4096 r-- private 0 devino 0)
read -r dev ino < <(stat -c '%d %i' "$obj/devino")
# st_dev's major and minor, as glibc's gnu_dev_major and gnu_dev_minor split it
printf -v want '%02x:%02x %s' $(((dev >> 8 & 0xfff) | (dev >> 32 & ~0xfff))) \
	$(((dev & 0xff) | (dev >> 12 & ~0xff))) "$ino"
printf -v hdr '%08x-%08x r--p 00000000 ' "$a3" $((a3 + 4096))
for f in maps smaps; do
	line=$(grep "^$hdr" "$mnt/$p3/$f") || fail "$f of $p3 lacks '$hdr': $(cat "$mnt/$p3/$f")"
	expect_eq "$(awk '{ print $4 " " $5 }' <<<"$line")" "$want" "$f device and inode of objects/devino"
done
expect_eq "$(ls -i "$obj" | awk '$2 == "devino" { print $1 }')" "$ino" "ls -i of objects/devino"
rm "$obj/devino"
line=$(grep "^$hdr" "$mnt/$p3/maps") || fail "maps of $p3 lost the removed object's mapping"
expect_eq "$(awk '{ print $4 " " $5 " " $6 " " $7 }' <<<"$line")" "$want /objects/devino (deleted)" \
	"maps of a removed object's mapping"
rmdir "$mnt/$p3"
ok "maps and smaps show objects/devino's device and inode ($want), kept after rm"

vmfs_unmount "$mnt"
ok "unmounted; the daemon exited with status 0"
