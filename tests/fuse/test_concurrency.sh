#!/usr/bin/env bash
# test_concurrency.sh - many shell clients at once lose nothing: one writer
# per process puts its own patterns into its mem and reads each back while
# a reader cats every process's maps/smaps/status/stat/pagemap, another
# forks and ends children, another evicts pages (`reclaim`), and two
# spawners race on ctl.  Every read-back must be byte-exact, every text file
# well-formed, every PID handed out once, and afterwards each process holds
# exactly the last patterns its writer wrote.  Bounded: fixed iteration
# counts, and lib.sh's watchdog kills a daemon that hangs.
#
# Usage: test_concurrency.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
# 1 MiB of data frames for 1 MiB of working set plus the forks: reclaim and
# the faults it causes run alongside everything else.
vmfs_mount "$mnt" frames=320

writers=4 iters=40 slot=$((64 << 10)) slots=4
pids=() addrs=()
for ((w = 0; w < writers; w++)); do
	pids[w]=$(spawn "$mnt" "writer$w")
	addrs[w]=$(map "$mnt" "${pids[w]}" $((slots * slot)) rw- private)
	for ((i = 0; i < iters; i++)); do
		random_file "$t/pat.$w.$i" "$slot"
	done
done
forker=$(spawn "$mnt" forker)
faddr=$(map "$mnt" "$forker" 64K rw- private)
random_file "$t/fpat" 65536
mem_write "$mnt" "$forker" "$faddr" "$t/fpat"

# Each client runs in a subshell and reports trouble in $t/fail.NAME.
writer() {
	local w=$1 pid=${pids[$1]} addr=${addrs[$1]} i a
	for ((i = 0; i < iters; i++)); do
		a=$((addr + (i % slots) * slot))
		mem_write "$mnt" "$pid" "$a" "$t/pat.$w.$i" || { echo "write $i failed" >>"$t/fail.writer$w"; return; }
		mem_read "$mnt" "$pid" "$a" "$slot" | cmp -s - "$t/pat.$w.$i" ||
			{ echo "read-back $i differs" >>"$t/fail.writer$w"; return; }
	done
}

reader() {
	local round p f
	for ((round = 0; round < 25; round++)); do
		for p in "${pids[@]}"; do
			for f in maps smaps status stat statm; do
				cat "$mnt/$p/$f" >"$t/r.$f" || { echo "cat $p/$f failed" >>"$t/fail.reader"; return; }
			done
			[[ $(wc -l <"$t/r.maps") == 1 ]] || { echo "$p/maps: $(cat "$t/r.maps")" >>"$t/fail.reader"; return; }
			grep -q '^VmRSS:' "$t/r.status" || { echo "$p/status lacks VmRSS" >>"$t/fail.reader"; return; }
			[[ $(grep -c '^VmFlags:' "$t/r.smaps") == 1 ]] || { echo "$p/smaps is torn" >>"$t/fail.reader"; return; }
			pagemap "$mnt" "$p" "${addrs[0]}" >/dev/null || { echo "$p/pagemap failed" >>"$t/fail.reader"; return; }
		done
		cat "$mnt/meminfo" "$mnt/vmstat" "$mnt/swaps" "$mnt/kmsg" >/dev/null ||
			{ echo "machine files failed" >>"$t/fail.reader"; return; }
	done
}

forker() {
	local i child
	for ((i = 0; i < 15; i++)); do
		child=$(ctl "$mnt/$forker/ctl" fork) || { echo "fork $i failed" >>"$t/fail.forker"; return; }
		mem_read "$mnt" "$child" "$faddr" 65536 | cmp -s - "$t/fpat" ||
			{ echo "child $child does not see its parent's bytes" >>"$t/fail.forker"; return; }
		mem_write "$mnt" "$child" "$faddr" "$t/pat.0.$i" ||
			{ echo "write in child $child failed" >>"$t/fail.forker"; return; }
		rmdir "$mnt/$child" || { echo "rmdir $child failed" >>"$t/fail.forker"; return; }
	done
}

reclaimer() {
	local i
	for ((i = 0; i < 30; i++)); do
		ctl "$mnt/ctl" 'reclaim 64' >/dev/null || { echo "reclaim $i failed" >>"$t/fail.reclaimer"; return; }
		sleep 0.02
	done
}

spawner() {
	local i
	for ((i = 0; i < 20; i++)); do
		spawn "$mnt" "spawner$1" >>"$t/spawned.$1" || { echo "spawn $i failed" >>"$t/fail.spawner$1"; return; }
	done
}

for ((w = 0; w < writers; w++)); do
	client writer "$w"
done
client reader
client forker
client reclaimer
client spawner a
client spawner b
for c in "${VMFS_CLIENTS[@]}"; do
	wait "$c" || fail "a client exited with status $?"
done
! why=$(clients_failed) || fail "$why"
ok "$writers writers x $iters patterns, a reader, a forker, a reclaimer and two spawners: every byte back"

sort -n "$t/spawned.a" "$t/spawned.b" >"$t/spawned"
expect_eq "$(wc -l <"$t/spawned")" 40 "PIDs spawned"
expect_eq "$(uniq -d "$t/spawned")" "" "PIDs handed out twice"
while read -r p; do
	[[ -d $mnt/$p ]] || fail "spawned PID $p has no directory"
done <"$t/spawned"
ok "40 racing spawns: 40 distinct PIDs, all live"

for ((w = 0; w < writers; w++)); do
	for ((s = 0; s < slots; s++)); do
		last=$(((iters - 1) / slots * slots + s))
		((last < iters)) || last=$((last - slots))
		mem_read "$mnt" "${pids[w]}" $((addrs[w] + s * slot)) "$slot" | cmp -s - "$t/pat.$w.$last" ||
			fail "writer $w slot $s does not hold its last pattern ($last)"
	done
done
mem_read "$mnt" "$forker" "$faddr" 65536 | cmp -s - "$t/fpat" || fail "the forker's children changed its memory"
ok "afterwards every process holds exactly its own last patterns"

vmfs_alive "$VMFS_PID" || fail "the daemon died"
vmfs_unmount "$mnt"
ok "unmounted; the daemon exited with status 0"
