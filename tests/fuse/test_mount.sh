#!/usr/bin/env bash
# test_mount.sh - the ways a vmfs mount begins and ends (SPEC §3): `mount -t
# fuse.vmfs` (through mount.fuse3, see below) and `mount -t fuse
# PATH#vmfs`, each ended by umount; a
# daemonized `vmfs MNT` ended by fusermount3 -u; SIGTERM to the daemon
# unmounts and removes the temporary swap file that kmsg names; swap=PATH
# (absolute or relative) leaves a valid SQLite file after the unmount; two
# mounts at once are two independent machines; a bad option mounts nothing.
#
# Usage: test_mount.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP

# swap_path MNT: the swap store kmsg names ("vmfs: swap on PATH (...)").
swap_path() {
	sed -n 's/.*\] vmfs: swap on \(.*\) (\(un\)\{0,1\}limited), policy .*/\1/p' "$1/kmsg"
}

# mount(8): check_mount MNT FRAMES COMMAND...: COMMAND mounts a machine of
# FRAMES frames at MNT; it must serve, show as "vmfs fuse.vmfs" in
# /proc/mounts, and umount must end it and remove its temporary swap file.
check_mount() {
	local mnt=$1 frames=$2 swap
	shift 2
	mkdir -p "$mnt"
	"$@" || fail "$* failed"
	vmfs_adopt_mount "$mnt"
	[[ -n $VMFS_PID ]] || fail "no vmfs daemon serves $mnt after $*"
	vmfs_wait_ready "$mnt" "$VMFS_PID" ""
	expect_eq "$(awk -v m="$mnt" '$2 == m { print $1, $3 }' /proc/mounts)" "vmfs fuse.vmfs" \
		"source and type in /proc/mounts after $*"
	grep -q "\] vmfs: $frames frames" "$mnt/kmsg" || fail "-o frames=$frames did not reach the machine: $(head -n 1 "$mnt/kmsg")"
	expect_eq "$(spawn "$mnt")" 1 "spawn on a mount made by $*"
	swap=$(swap_path "$mnt")
	[[ -n $swap && -f $swap ]] || fail "kmsg names no existing swap file: '$swap'"
	vmfs_unmount "$mnt" umount
	for f in "$swap" "$swap-wal" "$swap-shm"; do
		[[ ! -e $f ]] || fail "the temporary swap file $f survived umount"
	done
}

command -v mount.fuse3 >/dev/null || [[ -x /sbin/mount.fuse3 ]] || fail "mount.fuse3 is missing (package fuse3)"
mkdir -p "$t/bin"
ln -s "$VMFS_BIN" "$t/bin/vmfs"
# mount(8) runs its helper without PATH, so mount.fuse3's `sh -c vmfs`
# finds vmfs only where sh looks by default (/usr/local/bin, /usr/bin, ...):
# the literal `mount -t fuse.vmfs` works once vmfs is installed.  Before
# that, run mount.fuse3 as mount(8) would, with PATH kept.
found=$(env -i /bin/sh -c 'command -v vmfs' || true)
if ((EUID != 0)); then
	note "mount(8) and umount need root: their checks are left out"
elif [[ -n $found ]] && cmp -s "$found" "$VMFS_BIN"; then
	check_mount "$t/mnt1" 128 mount -t fuse.vmfs vmfs "$t/mnt1" -o frames=128
	ok "mount -t fuse.vmfs vmfs MNT -o frames=128 (vmfs is $found) works; umount ends it"
else
	PATH="$t/bin:$PATH" check_mount "$t/mnt1" 128 mount.fuse3 vmfs "$t/mnt1" -o rw,frames=128 -t fuse.vmfs
	ok "mount.fuse3 vmfs MNT -o rw,frames=128 -t fuse.vmfs (mount -t fuse.vmfs's helper; vmfs is not installed) works; umount ends it"
fi
# The old form names the program itself, so mount(8) can run it from here.
if ((EUID == 0)); then
	check_mount "$t/mnt1" 64 mount -t fuse "$t/bin/vmfs#vmfs" "$t/mnt1" -o frames=64
	ok "mount -t fuse 'PATH/vmfs#vmfs' MNT -o frames=64 works; umount ends it and removes the swap file"
fi

# A daemonized vmfs (no -f) returns once mounted; fusermount3 -u ends it.
mkdir -p "$t/mnt2"
timeout 20 "$VMFS_BIN" -o frames=256 "$t/mnt2" || fail "vmfs without -f exited with status $?"
vmfs_adopt_mount "$t/mnt2"
[[ -n $VMFS_PID ]] || fail "no daemon left behind by vmfs $t/mnt2"
vmfs_mounted "$t/mnt2" || fail "vmfs returned before $t/mnt2 was mounted"
expect_eq "$(spawn "$t/mnt2")" 1 "spawn on a daemonized mount"
vmfs_unmount "$t/mnt2"
ok "vmfs MNT goes to the background once mounted; fusermount3 -u ends it"

# SIGTERM unmounts and removes the temporary swap file.
vmfs_mount "$t/mnt3" frames=64
pid=$(spawn "$t/mnt3")
addr=$(map "$t/mnt3" "$pid" 1M rw- private)
random_file "$t/rand" $((1 << 20))
mem_write "$t/mnt3" "$pid" "$addr" "$t/rand"
swap3=$(swap_path "$t/mnt3")
[[ -n $swap3 && -f $swap3 ]] || fail "kmsg names no existing swap file: '$swap3'"
daemon=$VMFS_PID
kill -TERM "$daemon"
vmfs_wait_exit "$daemon" 10 || fail "the daemon is alive 10 s after SIGTERM"
rc=0
wait "$daemon" || rc=$?
expect_eq "$rc" 0 "the daemon's exit status after SIGTERM"
! vmfs_mounted "$t/mnt3" || fail "$t/mnt3 is still mounted after SIGTERM"
for f in "$swap3" "$swap3-wal" "$swap3-shm"; do
	[[ ! -e $f ]] || fail "the temporary swap file $f survived SIGTERM"
done
ok "SIGTERM: the daemon unmounts, exits 0 and removes $swap3"

# swap=PATH leaves a valid SQLite file; a relative PATH is relative to
# where vmfs was started.
vmfs_mount "$t/mnt4" "frames=64,swap=$t/swap.db"
expect_eq "$(swap_path "$t/mnt4")" "$t/swap.db" "the swap file kmsg names"
pid=$(spawn "$t/mnt4")
addr=$(map "$t/mnt4" "$pid" 1M rw- private)
mem_write "$t/mnt4" "$pid" "$addr" "$t/rand"
cp "$t/rand" "$t/mnt4/objects/blob"
expect_eq "$(ctl "$t/mnt4/ctl" sync)" ok "sync"
expect_eq "$(sqlite3 "file:$t/swap.db?mode=ro" 'PRAGMA integrity_check')" ok "integrity_check during the mount"
mem_read "$t/mnt4" "$pid" "$addr" $((1 << 20)) | cmp - "$t/rand" || fail "swapped pages came back different"
vmfs_unmount "$t/mnt4"
[[ -f $t/swap.db ]] || fail "swap=$t/swap.db is gone after the unmount"
expect_eq "$(sqlite3 "$t/swap.db" 'PRAGMA integrity_check')" ok "integrity_check after the unmount"
mkdir -p "$t/rel"
pushd "$t/rel" >/dev/null
vmfs_mount "$t/mnt5" "frames=64,swap=rel.db"
popd >/dev/null
expect_eq "$(swap_path "$t/mnt5")" "$t/rel/rel.db" "the swap file of swap=rel.db"
vmfs_unmount "$t/mnt5"
expect_eq "$(sqlite3 "$t/rel/rel.db" 'PRAGMA integrity_check')" ok "integrity_check of rel.db"
ok "swap=PATH (absolute, relative) leaves a SQLite file that passes integrity_check"

# Two mounts at once are two machines.
vmfs_mount "$t/a" frames=256
vmfs_mount "$t/b" frames=512
expect_eq "$(spawn "$t/a")" 1 "first PID on mount a"
expect_eq "$(spawn "$t/a")" 2 "second PID on mount a"
expect_eq "$(spawn "$t/b")" 1 "first PID on mount b"
pids_of() { find "$1" -mindepth 1 -maxdepth 1 -regex '.*/[0-9]+' -printf '%f\n' | sort -n | tr '\n' ' '; }
expect_eq "$(pids_of "$t/a")/$(pids_of "$t/b")" "1 2 /1 " "PIDs of mounts a and b"
aa=$(map "$t/a" 1 4096 rw- private,fixed 0x10000000)
ab=$(map "$t/b" 1 4096 rw- private,fixed 0x10000000)
head -c 4096 "$t/rand" >"$t/pa"
tail -c 4096 "$t/rand" >"$t/pb"
mem_write "$t/a" 1 "$aa" "$t/pa"
mem_write "$t/b" 1 "$ab" "$t/pb"
mem_read "$t/a" 1 "$aa" 4096 | cmp - "$t/pa" || fail "mount a's page changed"
mem_read "$t/b" 1 "$ab" 4096 | cmp - "$t/pb" || fail "mount b's page changed"
grep -q '\] vmfs: 512 frames' "$t/b/kmsg" || fail "mount b is not the 512-frame machine"
vmfs_unmount "$t/b"
expect_eq "$(spawn "$t/a")" 3 "spawn on mount a after mount b ended"
mem_read "$t/a" 1 "$aa" 4096 | cmp - "$t/pa" || fail "mount a's page changed after mount b ended"
vmfs_unmount "$t/a"
ok "two mounts at once are independent machines"

# The FUSE options vmfs --help lists reach libfuse and the mount works.
vmfs_mount "$t/mnt7" frames=64,max_read=131072,max_threads=4
pid=$(spawn "$t/mnt7")
addr=$(map "$t/mnt7" "$pid" 1M rw- private)
mem_write "$t/mnt7" "$pid" "$addr" "$t/rand"
dd if="$t/mnt7/$pid/mem" bs=1M count=1 iflag=skip_bytes skip="$addr" status=none | cmp - "$t/rand" ||
	fail "1 MiB read with max_read=131072 differs"
vmfs_unmount "$t/mnt7"
ok "-o max_read=131072,max_threads=4 mounts and serves"

# A bad option mounts nothing and says why.
mkdir -p "$t/mnt6"
vmfs_register "$t/mnt6" "" ""
for opt in bogus=1 frames=abc levels=9 policy=belady; do
	if timeout 20 "$VMFS_BIN" -f -o "$opt" "$t/mnt6" 2>"$t/err"; then
		fail "vmfs -o $opt succeeded"
	fi
	! vmfs_mounted "$t/mnt6" || fail "vmfs -o $opt mounted $t/mnt6"
	[[ -s $t/err ]] || fail "vmfs -o $opt failed without a word"
done
ok "bad options (bogus=1, frames=abc, levels=9, policy=belady) mount nothing: $(head -n 1 "$t/err")"
