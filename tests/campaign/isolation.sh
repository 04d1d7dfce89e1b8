#!/usr/bin/env bash
# isolation.sh - the isolation campaign: nothing a process may not see
# reaches it.
#   - secrets: several processes write distinct random secrets at the same
#     address; each one's mem, read in every order and again after its pages
#     went to swap, holds exactly its own bytes; private pages of different
#     processes never share a frame (pagemap); after fork, a child's writes
#     and its parent's stay apart, down to a grandchild outliving its parent;
#   - reuse: when the secrets' owners end, new processes map more memory
#     than the machine has, read zeros everywhere (fresh frames and reused
#     swap slots), write half of it, are pushed to swap, read back their own
#     bytes and zeros; and a scan of every mapping of every live process
#     finds no token of any secret; an object cut to 0 and grown again reads
#     zeros through cat and through a shared mapping of it;
#   - the kernel half: mem offsets from 2^63 up are refused (EINVAL), those
#     above user space fail (EIO), a read from the last user page stops at
#     the end of user space (levels=4 and levels=6, where the kernel half
#     follows user space at once); campaign-util kernel-api does the same
#     through libvmfs at every depth, with and without VMFS_ACCESS_FORCE;
#   - other users: a uid other than the mounter's is kept out of the mount
#     unless -o allow_other, and with it reads the text files but cannot
#     open mem, ctl or phys, end a process or create an object (needs root
#     and setpriv; left out, with a note, otherwise).
# phys is the machine's RAM and root's by design (mode 0400), so it is not
# one of the ways in; what it shows of freed frames is not checked.
#
# Usage: isolation.sh DAEMON SOURCEDIR HELPER [--seed N] [--rounds N]
#        [--procs N] [--pages N] [--frames N]
set -euo pipefail
opt_rounds=2 opt_procs=5 opt_pages=64 opt_frames=96
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
campaign_init "$@"

t=$VMFS_TMP
util=$CAMPAIGN_UTIL
mnt=$t/mnt
len=$((opt_pages * 4096))
secret_at=0x20000000 zero_at=0x30000000
head -c $((4 * len)) /dev/zero >"$t/zeros"

# same_as MNT PID ADDR FILE WHAT: PID's memory at ADDR is exactly FILE.
same_as() {
	mem_read "$1" "$2" "$3" "$(stat -c %s "$4")" | cmp -s - "$4" || fail "$5"
}

# tokens FILE: the first 16 bytes of every page of FILE, in hex, one per line.
tokens() {
	local size p
	size=$(stat -c %s "$1")
	for ((p = 0; p < size; p += 4096)); do
		od -An -v -tx1 -j "$p" -N 16 "$1" | tr -d ' \n'
		echo
	done
}

# scan MNT: every mapping of every live process, in hex, one line per
# mapping, to stdout (unreadable pages, PROT_NONE, end a mapping early).
scan() {
	local p from to
	for p in "$1"/[0-9]*; do
		while read -r from to; do
			dd if="$p/mem" bs=4096 skip=$((16#$from / 4096)) count=$(((16#$to - 16#$from) / 4096)) \
				status=none 2>/dev/null | od -An -v -tx1 | tr -d ' \n'
			echo
		done < <(sed 's/^\([0-9a-f]*\)-\([0-9a-f]*\) .*/\1 \2/' "$p/maps")
	done
}

secrets_checked=0 bytes_compared=0
vmfs_mount "$mnt" "frames=$opt_frames"
for ((round = 0; round < opt_rounds; round++)); do
	# Secrets at the same address in every process, and an untouched region.
	pids=()
	: >"$t/tokens"
	for ((k = 0; k < opt_procs; k++)); do
		random_file "$t/secret.$k" "$len"
		tokens "$t/secret.$k" >>"$t/tokens"
		pids[k]=$(spawn "$mnt" "secret$k")
		map "$mnt" "${pids[k]}" "$len" rw- private,fixed "$secret_at" >/dev/null
		map "$mnt" "${pids[k]}" "$len" rw- private,fixed "$zero_at" >/dev/null
		mem_write "$mnt" "${pids[k]}" "$secret_at" "$t/secret.$k"
	done
	for order in forward reclaimed backward; do
		[[ $order != reclaimed ]] || ctl "$mnt/ctl" "reclaim 100000" >/dev/null
		for ((i = 0; i < opt_procs; i++)); do
			k=$i
			[[ $order != backward ]] || k=$((opt_procs - 1 - i))
			same_as "$mnt" "${pids[k]}" "$secret_at" "$t/secret.$k" \
				"round $round ($order): process ${pids[k]} does not read exactly its own secret"
			mem_read "$mnt" "${pids[k]}" "$zero_at" "$len" | cmp -s - "$t/zeros" -n "$len" ||
				fail "round $round ($order): the untouched region of ${pids[k]} is not zeros"
			bytes_compared=$((bytes_compared + 2 * len))
		done
	done
	# Reading present pages allocates nothing, so nothing moves in between.
	for ((k = 0; k < opt_procs; k++)); do
		mem_read "$mnt" "${pids[k]}" "$secret_at" 4096 >/dev/null
	done
	pfns=()
	for ((k = 0; k < opt_procs; k++)); do
		e=$(pagemap "$mnt" "${pids[k]}" "$secret_at")
		pm_present "$e" || fail "round $round: the secret of ${pids[k]} is not present after a read"
		pfns+=("$(pm_pfn "$e")")
	done
	expect_eq "$(printf '%s\n' "${pfns[@]}" | sort | uniq -d)" "" "round $round: frames shared by private pages of different processes"
	secrets_checked=$((secrets_checked + opt_procs))

	# Fork: child and parent apart; a grandchild outlives its parent.
	child=$(ctl "$mnt/${pids[0]}/ctl" fork)
	same_as "$mnt" "$child" "$secret_at" "$t/secret.0" "round $round: child $child does not start with its parent's bytes"
	random_file "$t/child" 32768
	mem_write "$mnt" "$child" "$secret_at" "$t/child"
	tokens "$t/child" >>"$t/tokens"
	same_as "$mnt" "${pids[0]}" "$secret_at" "$t/secret.0" "round $round: the child's write reached its parent ${pids[0]}"
	grand=$(ctl "$mnt/$child/ctl" fork)
	random_file "$t/parent" 32768
	mem_write "$mnt" "${pids[0]}" $((secret_at + 32768)) "$t/parent"
	tokens "$t/parent" >>"$t/tokens"
	same_as "$mnt" "$child" "$secret_at" "$t/child" "round $round: child $child lost its own bytes"
	mem_read "$mnt" "$child" $((secret_at + 32768)) 32768 | cmp -s - <(tail -c +32769 "$t/secret.0" | head -c 32768) ||
		fail "round $round: the parent's write after fork reached child $child"
	ctl "$mnt/$child/ctl" exit >/dev/null
	same_as "$mnt" "$grand" "$secret_at" "$t/child" "round $round: grandchild $grand lost its bytes when its parent ended"
	ctl "$mnt/$grand/ctl" exit >/dev/null

	# The scan below is no check unless it finds the secrets while they live.
	scan "$mnt" >"$t/scan"
	grep -q -F -f "$t/tokens" "$t/scan" || fail "round $round: the scan does not find the live secrets"

	# Reuse: the owners end; fresh processes see zeros, then their own.
	for p in "${pids[@]}"; do
		rmdir "$mnt/$p"
	done
	fresh=()
	for ((k = 0; k < 3; k++)); do
		fresh[k]=$(spawn "$mnt" "fresh$k")
		map "$mnt" "${fresh[k]}" $((4 * len)) rw- private,fixed "$secret_at" >/dev/null
	done
	for ((k = 0; k < 3; k++)); do
		same_as "$mnt" "${fresh[k]}" "$secret_at" "$t/zeros" "round $round: fresh process ${fresh[k]} reads other than zeros"
		random_file "$t/own.$k" "$len"
		mem_write "$mnt" "${fresh[k]}" $((secret_at + len)) "$t/own.$k"
		mem_write "$mnt" "${fresh[k]}" $((secret_at + 3 * len)) "$t/own.$k"
		bytes_compared=$((bytes_compared + 4 * len))
	done
	ctl "$mnt/ctl" "reclaim 100000" >/dev/null
	for ((k = 2; k >= 0; k--)); do
		cat "$t/zeros" >"$t/expect"
		dd if="$t/own.$k" of="$t/expect" bs="$len" seek=1 conv=notrunc status=none
		dd if="$t/own.$k" of="$t/expect" bs="$len" seek=3 conv=notrunc status=none
		same_as "$mnt" "${fresh[k]}" "$secret_at" "$t/expect" \
			"round $round: fresh process ${fresh[k]} after swap does not read exactly its own bytes and zeros"
		bytes_compared=$((bytes_compared + 4 * len))
	done
	# Objects: a cut page is gone for good, in the file and in a mapping.
	head -c 65536 "$t/secret.1" >"$mnt/objects/secret$round"
	head -c 65536 "$t/secret.1" | tokens /dev/stdin >>"$t/tokens"
	a=$(map "$mnt" "${fresh[0]}" 64K rw- shared "0" "secret$round")
	mem_read "$mnt" "${fresh[0]}" "$a" 65536 | cmp -s - <(head -c 65536 "$t/secret.1") ||
		fail "round $round: the shared mapping of secret$round does not show it"
	truncate -s 0 "$mnt/objects/secret$round"
	truncate -s 64K "$mnt/objects/secret$round"
	cmp -s "$mnt/objects/secret$round" "$t/zeros" -n 65536 || fail "round $round: an object cut to 0 and grown again shows old bytes"
	mem_read "$mnt" "${fresh[0]}" "$a" 65536 | cmp -s - "$t/zeros" -n 65536 ||
		fail "round $round: a mapping of an object cut to 0 and grown again shows old bytes"
	ctl "$mnt/${fresh[0]}/ctl" "munmap $a 64K" >/dev/null
	rm "$mnt/objects/secret$round"

	# No token of any secret anywhere a live process can read.
	scan "$mnt" >"$t/scan"
	found=$(grep -o -F -f "$t/tokens" "$t/scan" | head -n 3 || true)
	[[ -z $found ]] || fail "round $round: secret tokens in live processes' memory: $found"
	for p in "${fresh[@]}"; do
		rmdir "$mnt/$p"
	done
done
ok "$opt_rounds rounds of $opt_procs secrets: each process reads only its own bytes, through swap, fork and reuse; freed frames and slots read as zeros"
figure isolation.secrets "$secrets_checked"
figure isolation.bytes_compared "$bytes_compared"

# The kernel half through mem.
pid=$(spawn "$mnt" kernel)
top=$(map "$mnt" "$pid" 4K rw- private,fixed 0x7ffffffff000)
random_file "$t/top" 4096
mem_write "$mnt" "$pid" "$top" "$t/top"
expect_eq "$("$util" pread "$mnt/$pid/mem" 0x8000000000000000 4096)" "errno EINVAL" "mem read at 2^63"
expect_eq "$("$util" pread "$mnt/$pid/mem" 0xffff800000000000 4096)" "errno EINVAL" "mem read at the kernel image (levels=4)"
expect_eq "$("$util" pread "$mnt/$pid/mem" 0x800000000000 4096)" "errno EIO" "mem read above user space (levels=4)"
expect_eq "$("$util" pread "$mnt/$pid/mem" 0x7fffffffe0000000 4096)" "errno EIO" "mem read at a non-canonical address (levels=4)"
expect_eq "$("$util" pread "$mnt/$pid/mem" "$top" 8192)" "ok 4096" "mem read across the end of user space (levels=4)"
vmfs_unmount "$mnt"
# At levels=6 user space ends at 2^63, where the kernel's offsets end: a
# transfer must end before 2^63 - 1 (the kernel refuses one reaching it
# with EINVAL), so the last page is read as its first 4095 bytes.
vmfs_mount "$mnt" frames=64,levels=6
pid=$(spawn "$mnt" kernel)
top=$(map "$mnt" "$pid" 4K rw- private,fixed 0x7ffffffffffff000)
mem_write "$mnt" "$pid" $((top - 4096)) "$t/top" 2>/dev/null && fail "levels=6: a write below the last user page (unmapped) worked"
dd if="$t/top" of="$mnt/$pid/mem" bs=4095 count=1 oflag=seek_bytes seek="$top" status=none
dd if="$mnt/$pid/mem" bs=4095 count=1 iflag=skip_bytes skip="$top" status=none | cmp -s - <(head -c 4095 "$t/top") ||
	fail "levels=6: the last user page does not read back"
expect_eq "$("$util" pread "$mnt/$pid/mem" "$top" 4095)" "ok 4095" "levels=6: a read of the last user page but its last byte"
expect_eq "$("$util" pread "$mnt/$pid/mem" "$top" 8192)" "errno EINVAL" "levels=6: a read from the last user page into the kernel half"
expect_eq "$("$util" pread "$mnt/$pid/mem" 0x8000000000000000 4096)" "errno EINVAL" "mem read at 2^63 (levels=6)"
vmfs_unmount "$mnt"
ok "mem: the kernel half is refused (EINVAL), outside user space is EIO, a read stops at the end of user space"
"$util" kernel-api "$SEED" || fail "campaign-util kernel-api $SEED"
ok "libvmfs, levels 2-6: no user-mode access reaches the kernel half, secrets stay private"

# Other users.
if ((EUID != 0)); then
	note "not root: the checks of other users are left out"
elif ! command -v setpriv >/dev/null; then
	note "no setpriv: the checks of other users are left out"
else
	uid=54321
	as_other() { setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; }
	chmod 711 "$t"
	as_other true || fail "setpriv cannot run as uid $uid"
	vmfs_mount "$mnt" frames=64
	pid=$(spawn "$mnt" private)
	for f in "$mnt" "$mnt/meminfo" "$mnt/$pid/maps"; do
		! as_other cat "$f" >/dev/null 2>&1 || fail "uid $uid read $f without allow_other"
	done
	! as_other stat "$mnt/ctl" >/dev/null 2>&1 || fail "uid $uid reached $mnt/ctl without allow_other"
	! as_other ls "$mnt" >/dev/null 2>&1 || fail "uid $uid listed $mnt without allow_other"
	vmfs_unmount "$mnt"
	vmfs_mount "$mnt" frames=64,allow_other
	pid=$(spawn "$mnt" private)
	as_other ls "$mnt" >/dev/null || fail "uid $uid cannot list $mnt with allow_other"
	as_other cat "$mnt/meminfo" "$mnt/$pid/maps" "$mnt/$pid/status" >/dev/null ||
		fail "uid $uid cannot read the text files with allow_other"
	for f in "$mnt/$pid/mem" "$mnt/phys" "$mnt/ctl" "$mnt/$pid/ctl"; do
		! as_other dd if="$f" of=/dev/null bs=4096 count=1 status=none 2>/dev/null ||
			fail "uid $uid opened $f for reading"
	done
	! as_other sh -c "echo 'spawn intruder' > '$mnt/ctl'" 2>/dev/null || fail "uid $uid wrote to ctl"
	! as_other sh -c "echo exit > '$mnt/$pid/ctl'" 2>/dev/null || fail "uid $uid wrote to $pid/ctl"
	! as_other rmdir "$mnt/$pid" 2>/dev/null || fail "uid $uid ended process $pid"
	! as_other sh -c "echo x > '$mnt/objects/intruder'" 2>/dev/null || fail "uid $uid created an object"
	[[ -d $mnt/$pid ]] || fail "process $pid is gone"
	vmfs_unmount "$mnt"
	ok "uid $uid: kept out without allow_other; with it, text files only (no mem, phys, ctl, rmdir, objects)"
fi
