#!/usr/bin/env bash
# test_ctl.sh - the transaction files of SPEC §3 driven from a shell: every
# command of ctl and PID/ctl gives its documented answer on the same open
# file, `echo CMD > ctl` works alone, PIDs count from 1, processes appear and
# vanish as directories (rmdir ends one), and mem and ctl are mode 0600.
#
# Usage: test_ctl.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
vmfs_mount "$mnt"

# The idiom of the SPEC, literally: one open file, write then read.
exec 3<>"$mnt/ctl"
echo 'spawn sh' >&3
answer=$(cat <&3)
exec 3>&-
expect_eq "$answer" 1 "first spawn (exec 3<>ctl; echo >&3; cat <&3)"
[[ -d $mnt/1 ]] || fail "$mnt/1 is not a directory after spawn"
ok "spawn on one open file answers the PID"

echo 'spawn sh' >"$mnt/ctl" || fail "echo 'spawn sh' > ctl failed"
[[ -d $mnt/2 ]] || fail "echo 'spawn sh' > ctl alone did not make PID 2"
ok "echo 'spawn sh' > ctl works alone"

# The read returns the answer of the last command on this open file.
exec 3<>"$mnt/ctl"
echo 'spawn first' >&3
echo 'spawn second' >&3
answer=$(cat <&3)
exec 3>&-
expect_eq "$answer" 4 "answer after two spawns on one open file"
expect_eq "$(cat "$mnt/4/comm")" second "comm of PID 4"
expect_eq "$(cat "$mnt/3/comm")" first "comm of PID 3"
ok "the read answers the last command"

listed=$(find "$mnt" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9]+' -printf '%f\n' | sort -n | tr '\n' ' ')
expect_eq "$listed" "1 2 3 4 " "PID directories"
ok "ls lists the live PIDs"

# mmap: ADDR 0 lets the machine choose, top-down in user space.
addr=$(ctl "$mnt/1/ctl" 'mmap 0 1M rw- private')
expect_match "$addr" '^0x[0-9a-f]+$' "mmap answer"
((addr % 4096 == 0 && addr > 0 && addr + 0x100000 <= 0x800000000000)) ||
	fail "mmap placed 1M at $addr, not page-aligned inside user space"
printf -v hex '%08x-%08x rw-p ' "$addr" $((addr + 0x100000))
grep -q "^$hex" "$mnt/1/maps" || fail "maps lacks '$hex': $(cat "$mnt/1/maps")"
ok "mmap 0 1M rw- private answers $addr and maps shows it"

fixed=$(ctl "$mnt/1/ctl" 'mmap 0x10000000 64K r-x private,fixed')
expect_eq "$fixed" 0x10000000 "mmap fixed"
grep -q '^10000000-10010000 r-xp ' "$mnt/1/maps" || fail "fixed mapping missing from maps"
expect_eq "$(ctl "$mnt/1/ctl" 'mprotect 0x10000000 0x1000 rw-')" ok "mprotect answer"
grep -q '^10000000-10001000 rw-p ' "$mnt/1/maps" || fail "mprotect did not split the mapping"
grep -q '^10001000-10010000 r-xp ' "$mnt/1/maps" || fail "mprotect did not keep the rest r-x"
expect_eq "$(ctl "$mnt/1/ctl" 'munmap 0x10000000 64K')" ok "munmap answer"
! grep -q '^1000' "$mnt/1/maps" || fail "munmap left a mapping at 0x10000000"
noreplace=$(ctl "$mnt/1/ctl" 'mmap 0x20000000 8192 rw- shared,noreplace')
expect_eq "$noreplace" 0x20000000 "mmap noreplace on a free range"
grep -q '^20000000-20002000 rw-s ' "$mnt/1/maps" || fail "shared mapping missing from maps"
ok "mmap fixed/noreplace, mprotect and munmap answer and show in maps"

# fork copies the mappings; exit and rmdir end processes at once.
child=$(ctl "$mnt/1/ctl" fork)
expect_eq "$child" 5 "fork answer"
cmp -s "$mnt/1/maps" "$mnt/5/maps" || fail "the child's maps differ from its parent's"
grep -q "^PPid:[[:space:]]*1$" "$mnt/5/status" || fail "the child's PPid is not 1"
ok "fork answers the child PID, whose maps equal its parent's"

expect_eq "$(ctl "$mnt/5/ctl" exit)" ok "exit answer"
[[ ! -e $mnt/5 ]] || fail "$mnt/5 still exists after exit"
rmdir "$mnt/2" || fail "rmdir $mnt/2 failed"
[[ ! -e $mnt/2 ]] || fail "$mnt/2 still exists after rmdir"
ls "$mnt" >"$VMFS_TMP/ls" || fail "ls $mnt failed"
! grep -qx 2 "$VMFS_TMP/ls" || fail "ls still lists 2 after rmdir"
[[ ! -e $mnt/2/mem ]] || fail "$mnt/2/mem still exists"
expect_eq "$(spawn "$mnt")" 6 "the PID after exits (PIDs are not reused)"
ok "exit and rmdir PID end a process at once"

# Machine-wide commands.
n=$(ctl "$mnt/ctl" 'reclaim 10')
expect_match "$n" '^[0-9]+$' "reclaim answer"
expect_eq "$(ctl "$mnt/ctl" 'policy lru')" ok "policy answer"
expect_eq "$(ctl "$mnt/ctl" 'policy clock')" ok "policy answer"
# Every built-in policy, with parameters where it takes them, is a running
# machine's policy (config says which), its resident pages handed over.
for p in 2q:kin=20:kout=40 car clockpro:adaptive=1:min=1:max=99 lirs:hir=2:stack=3 \
	random:seed=7 s3fifo sieve wsclock linux:swappiness=100; do
	expect_eq "$(ctl "$mnt/ctl" "policy $p")" ok "policy $p answer"
	expect_eq "$(awk '$1 == "policy" { print $2 }' "$mnt/config")" "${p%%:*}" "config after policy $p"
done
expect_eq "$(ctl "$mnt/ctl" 'policy clock')" ok "policy answer"
expect_eq "$(ctl "$mnt/ctl" sync)" ok "sync answer"
ok "reclaim, policy and sync answer"

# Hex and suffixed numbers are the same numbers.
a=$(ctl "$mnt/1/ctl" 'mmap 0x30000000 2M rw- private,fixed')
b=$(ctl "$mnt/1/ctl" 'mmap 0x30200000 0x200000 rw- private,fixed')
c=$(ctl "$mnt/1/ctl" 'mmap 805306368 2097152 rw- private,fixed')
expect_eq "$a $b $c" "0x30000000 0x30200000 0x30000000" "decimal, hex and suffixed numbers"
ok "numbers are decimal or 0x hex, lengths take suffixes"

# Modes: a process's memory and the control files belong to root alone.
for f in "$mnt/ctl" "$mnt/1/ctl" "$mnt/1/mem"; do
	expect_eq "$(stat -c %a "$f")" 600 "mode of $f"
done
[[ -d $mnt/objects ]] || fail "$mnt/objects is missing"
for f in meminfo vmstat swaps stat uptime kmsg phys; do
	[[ -f $mnt/$f ]] || fail "$mnt/$f is missing"
done
for f in mem maps smaps smaps_rollup pagemap stat statm status comm cmdline pagetable ctl; do
	[[ -f $mnt/1/$f ]] || fail "$mnt/1/$f is missing"
done
ok "mem and ctl are 0600; every file of SPEC §3 is there"

# What cannot be written is refused even to root (who passes every mode
# check): generated files, phys, new names outside objects/.
for f in "$mnt/meminfo" "$mnt/phys" "$mnt/1/maps" "$mnt/1/pagemap" "$mnt/1/status"; do
	if { echo x >"$f"; } 2>/dev/null; then
		fail "writing $f succeeded"
	fi
done
if { : >"$mnt/newfile"; } 2>/dev/null; then
	fail "creating $mnt/newfile succeeded"
fi
if mkdir "$mnt/99" 2>/dev/null || mkdir "$mnt/1/sub" 2>/dev/null; then
	fail "mkdir inside the mount succeeded"
fi
if rm -f "$mnt/meminfo" 2>/dev/null && [[ ! -e $mnt/meminfo ]]; then
	fail "rm meminfo removed it"
fi
[[ -e $mnt/1/maps && -e $mnt/meminfo ]] || fail "a refused write removed a file"
ok "generated files, phys and new names are refused, even to root"

vmfs_unmount "$mnt"
ok "unmounted; the daemon exited with status 0"
