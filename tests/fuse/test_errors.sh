#!/usr/bin/env bash
# test_errors.sh - every way a ctl command can be wrong (SPEC §3: "Bad input
# of any kind ... gets a clear error and changes nothing"): the write fails
# with an errno (Linux's choice where the SPEC names one), the read on the
# same open file returns "error: MESSAGE", and the machine is unchanged -
# the same maps, the same PIDs, and the next PID is the one it would have
# been.  Also: a PID that does not exist has no ctl (ENOENT), and a ctl
# held open across its process's end refuses commands.
#
# Usage: test_errors.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt"

pid=$(spawn "$mnt")
addr=$(map "$mnt" "$pid" 64K rw- private 0x10000000)
random_file "$t/page" 4096
mem_write "$mnt" "$pid" "$addr" "$t/page"
next_pid=$((pid + 1))

# The observable state of the machine that no failed command may change.
snapshot() {
	ls "$mnt"
	ls -l "$mnt/objects"
	cat "$mnt/$pid/maps"
	mem_read "$mnt" "$pid" "$addr" 4096 | cksum
	grep -E '^(pswpout|oom_kill) ' "$mnt/vmstat"
}
snapshot >"$t/before"

# reject FILE ERRNO-TEXT WHAT: send the command on stdin in one write(2) to
# a fresh open of FILE; the write must fail (with ERRNO-TEXT, e.g. "Invalid
# argument", when not empty) and the read must answer "error: ...".
reject() {
	local file=$1 want=$2 what=$3 fd rc=0 answer
	exec {fd}<>"$file"
	{ dd bs=1M count=1 iflag=fullblock status=none >&"$fd"; } 2>"$t/err" || rc=$?
	answer=$(cat <&"$fd")
	exec {fd}>&-
	((rc != 0)) || fail "$what: the write succeeded; answer '$answer'"
	[[ -z $want ]] || grep -q "$want" "$t/err" || fail "$what: write failed with '$(cat "$t/err")', expected '$want'"
	[[ $answer == "error: "?* ]] || fail "$what: the read answered '$answer', not 'error: ...'"
	[[ $answer != *$'\n'* ]] || fail "$what: the answer is more than one line: '$answer'"
	snapshot >"$t/after"
	diff "$t/before" "$t/after" >&2 || fail "$what changed the machine"
	echo "ok - $what: $(sed 's/.*: //' "$t/err") / $answer"
}

# bad FILE ERRNO-TEXT COMMAND: reject one line of text.
bad() {
	printf '%s\n' "$3" | reject "$1" "$2" "'$3' on ${1#"$mnt"/}"
}

EINVAL='Invalid argument'
top=$mnt/ctl
pc=$mnt/$pid/ctl

bad "$top" '' 'frobnicate'
bad "$top" '' 'SPAWN sh'
bad "$top" '' 'spawn'
bad "$top" '' 'spawn sh extra'
bad "$top" '' 'reclaim'
bad "$top" '' 'reclaim many'
bad "$top" '' 'reclaim 12abc'
bad "$top" '' 'reclaim -1'
bad "$top" '' 'reclaim 0xffffffffffffffffff'
bad "$top" '' 'reclaim 99999999999999999999999'
bad "$top" '' 'reclaim 1 2'
bad "$top" '' 'policy'
bad "$top" '' 'policy belady'
bad "$top" '' 'sync now'
bad "$top" '' 'mmap 0 1M rw- private'
bad "$top" '' 'fork'
bad "$top" '' ''
bad "$top" '' "spawn $(head -c 300 /dev/zero | tr '\0' x)"

bad "$pc" '' 'spawn sh'
bad "$pc" '' 'frobnicate'
bad "$pc" '' 'mmap'
bad "$pc" '' 'mmap 0'
bad "$pc" '' 'mmap 0 1M'
bad "$pc" '' 'mmap 0 1M rw-'
bad "$pc" "$EINVAL" 'mmap 0 0 rw- private'
bad "$pc" "$EINVAL" 'mmap 0x10001001 4096 rw- private,fixed'
bad "$pc" '' 'mmap 0 1X rw- private'
bad "$pc" '' 'mmap 0 abc rw- private'
bad "$pc" '' 'mmap 0 -4096 rw- private'
bad "$pc" '' 'mmap 0 0xffffffffffffffffff rw- private'
bad "$pc" '' 'mmap 0xffffffffffffffffff 4096 rw- private,fixed'
bad "$pc" '' 'mmap 0 18446744073709551616 rw- private'
bad "$pc" '' 'mmap 0 1M rwz private'
bad "$pc" '' 'mmap 0 1M rw private'
bad "$pc" '' 'mmap 0 1M rw-x private'
bad "$pc" '' 'mmap 0 1M wr- private'
bad "$pc" '' 'mmap 0 1M rw- frob'
bad "$pc" '' 'mmap 0 1M rw- private,shared'
bad "$pc" '' 'mmap 0 1M rw- fixed'
bad "$pc" '' 'mmap 0 1M rw- private,'
bad "$pc" 'No such file or directory' 'mmap 0 1M r-- private no-such-object'
bad "$pc" '' 'mmap 0 1M r-- private no-such-object 0 extra'
bad "$pc" 'File exists' "mmap $addr 4096 rw- private,noreplace"
bad "$pc" 'File exists' "mmap $((addr - 4096)) 8192 rw- private,noreplace"
bad "$pc" 'Cannot allocate memory' 'mmap 0x800000000000 4096 rw- private,fixed'
bad "$pc" 'Cannot allocate memory' 'mmap 0x7ffffffff000 8192 rw- private,fixed'
bad "$pc" '' 'munmap'
bad "$pc" '' "munmap $addr"
bad "$pc" "$EINVAL" "munmap $((addr + 1)) 4096"
bad "$pc" "$EINVAL" "munmap $addr 0"
bad "$pc" '' "munmap $addr 4096 4096"
bad "$pc" '' "mprotect $addr 4096"
bad "$pc" '' "mprotect $addr 4096 r-- extra"
bad "$pc" "$EINVAL" "mprotect $((addr + 8)) 4096 r--"
# Length 0 is no error (do_mprotect_pkey returns 0 before it looks at prot),
# but a misaligned address still is.
printf 'mprotect %s 0 r--\n' "$addr" > "$pc" || fail "'mprotect $addr 0 r--' failed"
bad "$pc" "$EINVAL" "mprotect $((addr + 8)) 0 r--"
bad "$pc" '' "mprotect $addr 4096 q--"
bad "$pc" 'Cannot allocate memory' "mprotect $((addr - 4096)) 8192 r--"
bad "$pc" 'Cannot allocate memory' 'mprotect 0x1000 4096 r--'
bad "$pc" '' 'fork now'
bad "$pc" '' 'exit 0'

# Over-long lines and binary junk, each in one write.
head -c 65536 /dev/zero | tr '\0' a | reject "$top" '' "a 64 KiB line on ctl"
{ printf 'spawn '; head -c 65536 /dev/zero | tr '\0' b; echo; } | reject "$top" '' "spawn with a 64 KiB name"
{ printf 'mmap 0 4096 rw- private '; head -c 8192 /dev/zero | tr '\0' c; echo; } |
	reject "$pc" '' "mmap of an 8 KiB object name"
printf 'spawn sh\0junk\n' | reject "$top" '' "spawn with a NUL inside"
printf 'spawn sh\nspawn sh\n' | reject "$top" '' "two commands in one write"
printf '\x00\x01\x02\xff\xfe\x80spawn\r\n' | reject "$top" '' "binary junk on ctl"
printf '\x01\xff\xfe\x80 spawn sh\n' | reject "$top" '' "binary junk without a NUL on ctl"
printf 'spawn sh\r\n' | reject "$top" '' "a CR before the newline"
head -c 4096 /dev/urandom | tr -d '[:lower:]' | reject "$pc" '' "4 KiB of random bytes on PID/ctl"

expect_eq "$(spawn "$mnt")" "$next_pid" "the PID after every rejected command"
next_pid=$((next_pid + 1))
rmdir "$mnt/$((next_pid - 1))"
snapshot >"$t/before"
ok "nothing rejected consumed a PID"

# A PID that does not exist has no ctl.
if (exec 3<>"$mnt/999/ctl") 2>"$t/err"; then
	fail "$mnt/999/ctl could be opened"
fi
grep -q 'No such file or directory' "$t/err" || fail "open of 999/ctl: $(cat "$t/err"), expected ENOENT"
[[ ! -e $mnt/999 ]] || fail "$mnt/999 exists"
if { echo fork >"$mnt/999/ctl"; } 2>/dev/null; then
	fail "echo fork > 999/ctl succeeded"
fi
ok "999/ctl: ENOENT"

# A ctl opened before its process ended refuses commands afterwards.
victim=$(spawn "$mnt")
exec 4<>"$mnt/$victim/ctl"
rmdir "$mnt/$victim" || fail "rmdir $victim failed"
if echo fork >&4 2>"$t/err"; then
	fail "fork on the ctl of an ended process succeeded"
fi
answer=$(cat <&4)
exec 4>&-
expect_match "$answer" '^error: ' "answer of fork on the ctl of an ended process"
[[ ! -e $mnt/$victim ]] || fail "the ended process came back"
ok "the ctl of an ended process: $(sed 's/.*: //' "$t/err") / $answer"

# A good command after a bad one on the same open file answers normally.
exec 3<>"$mnt/ctl"
echo 'frobnicate' >&3 2>/dev/null && fail "frobnicate succeeded"
echo 'spawn sh' >&3 || fail "spawn after a failed command on the same open file failed"
answer=$(cat <&3)
exec 3>&-
expect_match "$answer" '^[0-9]+$' "answer of spawn after a failed command"
ok "a failed command does not poison the open file"

vmfs_alive "$VMFS_PID" || fail "the daemon died"
vmfs_unmount "$mnt"
ok "unmounted; the daemon exited with status 0"
