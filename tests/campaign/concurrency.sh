#!/usr/bin/env bash
# concurrency.sh - the concurrency campaign: for a bounded time, under
# memory pressure (far fewer frames than the pages in use), at once:
#   - campaign-util hammer: threads, each owning a slice of every process's
#     region, writing runs of self-describing pages through mem, reading
#     each back, and reading any other slice (every page must be intact or
#     zero, and belong to that process at that address);
#   - one shell writer per process doing the same with dd on its own slice;
#   - a forker forking those processes while they are written: each child
#     must hold intact pages of its parent; some children are written and
#     ended, others kept and checked at the end against the snapshot taken
#     at their birth (copy-on-write under pressure);
#   - a churner spawning, writing, forking and ending short-lived processes;
#   - a reader cat-ing maps, smaps, status, pagemap, pagetable and the
#     machine files, and dd-ing phys;
#   - a reclaimer evicting pages, syncing and switching policies;
#   - two objecters, each opening descriptors on its objects and then
#     removing them (rm, or mv, which copies and removes) and creating new
#     objects of the same names, while the other does the same and lists
#     objects/: a write through an old descriptor must reach the removed
#     object it was opened on, never the new one (issue 13, item 1).
# Afterwards every page of every process equals the last version its writer
# wrote (campaign-util verify), and the daemon exits 0 at the unmount.
#
# Usage: concurrency.sh DAEMON SOURCEDIR HELPER [--seed N] [--seconds S]
#        [--frames N] [--threads N] [--procs N] [--pages N]
set -euo pipefail
opt_seconds=8 opt_frames=192 opt_threads=4 opt_procs=4 opt_pages=128
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
campaign_init "$@"

t=$VMFS_TMP
mnt=$t/mnt
util=$CAMPAIGN_UTIL
vmfs_mount "$mnt" "frames=$opt_frames"
base=0x10000000
half=$((opt_pages / 2))
((half >= opt_threads)) || fail "--pages must be at least twice --threads"
pids=()
regions=()
for ((k = 0; k < opt_procs; k++)); do
	pids[k]=$(spawn "$mnt" "proc$k")
	map "$mnt" "${pids[k]}" $((opt_pages * 4096)) rw- private,fixed "$base" >/dev/null
	regions+=("${pids[k]}:$base:$half")
done
end=$((SECONDS + opt_seconds))

# Each worker runs in a subshell, reports trouble in $t/fail.NAME and its
# operation count in $t/ops.NAME.
bad() {
	echo "$2" >>"$t/fail.$1"
}

shell_writer() {
	local k=$1 pid=${pids[$1]} n=0 seq=0 run start a p last=()
	worker_seed "$k"
	for ((p = half; p < opt_pages; p++)); do last[p]=0; done
	while ((SECONDS < end)); do
		run=$((1 + $(rand 4)))
		start=$((half + $(rand $((opt_pages - half - run + 1)))))
		a=$((base + start * 4096))
		seq=$((seq + 1))
		"$util" page "$pid" "$a" "$run" "$(((k + 100) << 40 | seq))" >"$t/w$k.pat"
		mem_write "$mnt" "$pid" "$a" "$t/w$k.pat" || { bad "writer$k" "dd write at $pid:$a failed"; break; }
		for ((p = start; p < start + run; p++)); do last[p]=$(((k + 100) << 40 | seq)); done
		mem_read "$mnt" "$pid" "$a" $((run * 4096)) | cmp -s - "$t/w$k.pat" ||
			{ bad "writer$k" "read-back at $pid:$(printf 0x%x "$a") (version $seq) differs"; break; }
		n=$((n + 2))
	done
	for ((p = half; p < opt_pages; p++)); do
		printf '%d 0x%x %d\n' "$pid" $((base + p * 4096)) "${last[p]}"
	done >"$t/state.writer$k"
	echo "$n" >"$t/ops.writer$k"
}

forker() {
	local n=0 k child kept=0
	worker_seed 50
	while ((SECONDS < end)); do
		k=$(rand "$opt_procs")
		child=$(ctl "$mnt/${pids[k]}/ctl" fork) || { bad forker "fork of ${pids[k]} failed"; break; }
		"$util" check "$mnt/$child/mem" "${pids[k]}" "$base" "$opt_pages" >/dev/null 2>"$t/forker.err" ||
			{ bad forker "child $child of ${pids[k]}: $(cat "$t/forker.err")"; break; }
		n=$((n + 2))
		if ((RANDOM % 3 == 0 && kept < 6)); then
			mem_read "$mnt" "$child" "$base" $((opt_pages * 4096)) >"$t/snap.$child" ||
				{ bad forker "snapshot of child $child failed"; break; }
			echo "$child" >>"$t/kept"
			kept=$((kept + 1))
		else
			"$util" page "$child" "$base" 4 1 >"$t/forker.pat"
			mem_write "$mnt" "$child" "$base" "$t/forker.pat" || { bad forker "write in child $child failed"; break; }
			mem_read "$mnt" "$child" "$base" 16384 | cmp -s - "$t/forker.pat" ||
				{ bad forker "child $child does not hold what was written to it"; break; }
			ctl "$mnt/$child/ctl" exit >/dev/null || { bad forker "exit of $child failed"; break; }
			n=$((n + 3))
		fi
	done
	echo "$n" >"$t/ops.forker"
}

churner() {
	local n=0 pid child a
	worker_seed 51
	while ((SECONDS < end)); do
		pid=$(ctl "$mnt/ctl" "spawn churn") || { bad churner "spawn failed"; break; }
		a=$(map "$mnt" "$pid" 64K rw- private) || { bad churner "mmap in $pid failed"; break; }
		"$util" page "$pid" "$a" 16 "$((RANDOM + 1))" >"$t/churn.pat"
		mem_write "$mnt" "$pid" "$a" "$t/churn.pat" || { bad churner "write in $pid failed"; break; }
		child=$(ctl "$mnt/$pid/ctl" fork) || { bad churner "fork of $pid failed"; break; }
		ctl "$mnt/$pid/ctl" exit >/dev/null || { bad churner "exit of $pid failed"; break; }
		mem_read "$mnt" "$child" "$a" 65536 | cmp -s - "$t/churn.pat" ||
			{ bad churner "child $child lost its parent's bytes when the parent ended"; break; }
		rmdir "$mnt/$child" || { bad churner "rmdir $child failed"; break; }
		n=$((n + 7))
	done
	echo "$n" >"$t/ops.churner"
}

reader() {
	local n=0 p f e
	worker_seed 52
	while ((SECONDS < end)); do
		for p in "${pids[@]}"; do
			for f in maps smaps status stat statm pagetable smaps_rollup; do
				cat "$mnt/$p/$f" >"$t/r.$f" || { bad reader "cat $p/$f failed"; return; }
				n=$((n + 1))
			done
			[[ $(wc -l <"$t/r.maps") == 1 ]] || { bad reader "$p/maps: $(cat "$t/r.maps")"; return; }
			[[ $(grep -c '^VmFlags:' "$t/r.smaps") == 1 ]] || { bad reader "$p/smaps is torn"; return; }
			e=$(pagemap "$mnt" "$p" $((base + $(rand "$opt_pages") * 4096))) ||
				{ bad reader "$p/pagemap failed"; return; }
			(((e & ~(1 << 55)) == 0)) || pm_present "$e" || pm_swapped "$e" || { bad reader "$p/pagemap: entry $e"; return; }
		done
		cat "$mnt/meminfo" "$mnt/vmstat" "$mnt/swaps" "$mnt/kmsg" "$mnt/stat" >/dev/null ||
			{ bad reader "machine files failed"; break; }
		dd if="$mnt/phys" bs=64K count=4 skip="$(rand 4)" status=none >/dev/null ||
			{ bad reader "dd of phys failed"; break; }
		n=$((n + 6))
	done
	echo "$n" >"$t/ops.reader"
}

objecter() {
	local k=$1 n=0 seq=0 name old new wfd rfd mv got
	worker_seed $((60 + k))
	while ((SECONDS < end)); do
		name=$mnt/objects/race$k.$(rand 4)
		seq=$((seq + 1))
		old="old $k.$seq"
		new="new $k.$seq"
		printf '%s' "$old" >"$name" || { bad "objecter$k" "creating $name failed"; break; }
		exec {wfd}<>"$name" {rfd}<"$name"
		mv=$(rand 2)
		if ((mv)); then
			mv "$name" "$name.mv" || { bad "objecter$k" "mv $name failed"; break; }
		else
			rm "$name" || { bad "objecter$k" "rm $name failed"; break; }
		fi
		printf '%s' "$new" >"$name" || { bad "objecter$k" "re-creating $name failed"; break; }
		# A name the other objecter removes between readdir and lstat is no failure.
		if ! ls -l "$mnt/objects" >/dev/null 2>"$t/objecter$k.err" &&
			grep -qv 'No such file or directory' "$t/objecter$k.err"; then
			bad "objecter$k" "ls -l objects: $(cat "$t/objecter$k.err")"
			break
		fi
		printf 'X' >&"$wfd" || { bad "objecter$k" "a write through the old descriptor of $name failed"; break; }
		got=$(cat "$name")
		[[ $got == "$new" ]] || { bad "objecter$k" "$name is '$got' after a write through an old descriptor, not '$new'"; break; }
		got=$(cat <&"$rfd")
		[[ $got == "X${old:1}" ]] || { bad "objecter$k" "the removed $name reads '$got', not 'X${old:1}'"; break; }
		exec {wfd}>&- {rfd}<&-
		if ((mv)); then
			got=$(cat "$name.mv")
			[[ $got == "$old" ]] || { bad "objecter$k" "$name.mv is '$got', not '$old'"; break; }
			rm "$name.mv"
		fi
		n=$((n + 10))
	done
	echo "$n" >"$t/ops.objecter$k"
}

reclaimer() {
	local n=0 i=0 policies=(fifo lru clock arc)
	while ((SECONDS < end)); do
		ctl "$mnt/ctl" "reclaim $((16 + $(rand 64)))" >/dev/null || { bad reclaimer "reclaim failed"; break; }
		if ((++i % 10 == 0)); then
			ctl "$mnt/ctl" "policy ${policies[i / 10 % 4]}" >/dev/null || { bad reclaimer "policy failed"; break; }
			ctl "$mnt/ctl" sync >/dev/null || { bad reclaimer "sync failed"; break; }
			n=$((n + 2))
		fi
		n=$((n + 1))
		sleep 0.01
	done
	echo "$n" >"$t/ops.reclaimer"
}

client "$util" hammer "$mnt" "$opt_seconds" "$SEED" "$opt_threads" "$t/state.hammer" "${regions[@]}" \
	>"$t/hammer.out" 2>"$t/fail.hammer"
for ((k = 0; k < opt_procs; k++)); do
	client shell_writer "$k"
done
client forker
client churner
client reader
client reclaimer
for k in 0 1; do
	client objecter "$k"
done
# Every client ends by itself at the deadline (or earlier, on a failure):
# wait for all of them before judging, so none is left running.
status=0
for c in "${VMFS_CLIENTS[@]}"; do
	wait "$c" || status=$?
done
[[ -s $t/fail.hammer ]] || rm -f "$t/fail.hammer"
[[ $status == 0 || -e $t/fail.hammer ]] || fail "a client exited with status $status"
! why=$(clients_failed) || fail "$why"
read -r hw _ hr _ hc _ <"$t/hammer.out"
note "hammer: $hw writes, $hr read-backs, $hc cross-reads with $opt_threads threads"
ops=$((hw + hr + hc))
for f in "$t"/ops.*; do
	ops=$((ops + $(cat "$f")))
done

# Afterwards: every page is the last version written, every kept child
# still its birth snapshot.
verified=$("$util" verify "$mnt" "$t/state.hammer" "$t"/state.writer*) || fail "verify: $verified"
note "$verified"
kept=0
if [[ -f $t/kept ]]; then
	while read -r child; do
		mem_read "$mnt" "$child" "$base" $((opt_pages * 4096)) | cmp -s - "$t/snap.$child" ||
			fail "kept child $child no longer holds its memory at birth"
		kept=$((kept + 1))
	done <"$t/kept"
fi
pswpout=$(field "$mnt/vmstat" pswpout)
((pswpout > 0)) || fail "no page went to swap: no memory pressure"
ok "$ops operations in $opt_seconds s under pressure ($pswpout pages swapped out), no mismatch; $kept kept children intact"
vmfs_alive "$VMFS_PID" || fail "the daemon died"
vmfs_unmount "$mnt"
ok "unmounted; the daemon exited with status 0"
figure concurrency.seconds "$opt_seconds"
figure concurrency.ops "$ops"
figure concurrency.mismatches 0
figure concurrency.pswpout "$pswpout"
