#!/usr/bin/env bash
# limits.sh - the resource-limits campaign: the machine pushed to its
# limits through the mount.  Every request either works or fails with
# ENOMEM (or EAGAIN) and changes nothing; the daemon stays up and answers;
# its own memory (VmRSS of /proc/DAEMON/status) is measured at every step
# and must not grow from one cycle of the same work to the next.
#   - huge mappings: the whole user half at levels 2, 4, 5 and 6 (512 MiB,
#     128 TiB, 64 PiB, 8 EiB) in one fixed mapping, and 64 TiB placed by the
#     machine; pages touched all across it (each wants new page tables);
#     one page more, or past the end, is ENOMEM; a full address space has
#     no room for one page more (ENOMEM);
#   - many mappings: --maps adjacent 4 KiB mappings of alternating
#     protection in one process (so none merge), timed, on a machine whose
#     max_map_count is --maps: one more is ENOMEM, and so after a raise
#     through sys/vm/max_map_count is the one past the new limit; maps
#     lists them all; every writable one written once; the process forked
#     and ended; all of them unmapped by one munmap;
#   - many processes: --procs spawned and ended, --cycles times; then
#     --procs forks of a process holding 1 MiB, --cycles times;
#   - memory that runs out: swap=none and a full swap_size: writes fail
#     with EIO past the frames, the failure leaks no frame (a new process
#     gets them all back), and the daemon goes on;
#   - a read bigger than the machine: one 1 MiB read of 256 swapped pages
#     on 64 frames returns every page intact.
#
# Usage: limits.sh DAEMON SOURCEDIR HELPER [--seed N] [--maps N]
#        [--procs N] [--cycles N] [--touches N]
set -euo pipefail
opt_maps=20000 opt_procs=2000 opt_cycles=2 opt_touches=300
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
campaign_init "$@"

t=$VMFS_TMP
util=$CAMPAIGN_UTIL
mnt=$t/mnt

# attempt FILE COMMAND: a command that may work or fail with ENOMEM or
# EAGAIN, nothing else.  Sets ATTEMPT to its answer, or to the errno name.
attempt() {
	if vmfs_tx "$1" "$2"; then
		ATTEMPT=$TX_ANSWER
		return 0
	fi
	case $TX_ERROR in
	*"Cannot allocate memory"*) ATTEMPT=ENOMEM ;;
	*"Resource temporarily unavailable"*) ATTEMPT=EAGAIN ;;
	*) fail "'$2' on $1 failed other than with ENOMEM or EAGAIN: $TX_ERROR ($TX_ANSWER)" ;;
	esac
	[[ $TX_ANSWER == "error: "* ]] || fail "'$2' failed without an error answer: '$TX_ANSWER'"
}

# expect_attempt FILE COMMAND EXPECTED: attempt, with a known outcome.
expect_attempt() {
	attempt "$1" "$2"
	expect_eq "$ATTEMPT" "$3" "'$2'"
}

# rss: the daemon's VmRSS in kB; served: the daemon is alive and answers.
rss() { daemon_kb "$VMFS_PID" VmRSS; }
served() {
	vmfs_alive "$VMFS_PID" || fail "the daemon died"
	cat "$1/meminfo" >/dev/null || fail "the daemon no longer answers"
}

# ms COMMAND...: run COMMAND, print its duration in milliseconds on fd 3... kept simple:
# T0 and elapsed_ms around a step.
elapsed_ms() { echo $((($(date +%s%N) - T0) / 1000000)); }

# ---- huge mappings ---------------------------------------------------------------

# huge LEVELS BITS: map the whole user half [0, 2^BITS) at LEVELS.  Bash
# numbers are signed 64-bit, so 2^63 is computed with as 2 * 2^62 and
# written in hex (printf %x shows it unsigned).
huge() {
	local levels=$1 hh=$((1 << ($2 - 1))) half stride n pt pt_after rss0 pid
	half=$(printf '0x%x' $((2 * hh)))
	vmfs_mount "$mnt" "frames=256,levels=$levels"
	rss0=$(rss)
	pid=$(spawn "$mnt" huge)
	expect_attempt "$mnt/$pid/ctl" "mmap 0 $half rw- private,fixed" 0x0
	expect_eq "$(cat "$mnt/$pid/maps")" "00000000-${half#0x} rw-p 00000000 00:00 0 " "levels=$levels: maps"
	# Touches spread evenly over the half, then the last page.
	stride=$((hh / opt_touches))
	stride=$((stride * 2 / 4096 * 4096))
	n=$("$util" touch "$mnt/$pid/mem" 0 "$stride" "$opt_touches")
	expect_eq "$n" "$opt_touches -" "levels=$levels: pages touched across the user half (worked, first error)"
	n=$("$util" touch "$mnt/$pid/mem" "$(printf '0x%x' $((hh - 4096 + hh)))" 4096 1)
	expect_eq "$n" "1 -" "levels=$levels: the last page of user space"
	pt=$(field "$mnt/meminfo" PageTables)
	expect_attempt "$mnt/$pid/ctl" "mmap 0 4K rw- private" ENOMEM
	expect_attempt "$mnt/$pid/ctl" "mmap $half 4K rw- private,fixed" ENOMEM
	expect_attempt "$mnt/$pid/ctl" "mmap 0 $(printf '0x%x' $((2 * hh + 4096))) rw- private,fixed" ENOMEM
	expect_eq "$(wc -l <"$mnt/$pid/maps")" 1 "levels=$levels: mappings after the refusals"
	expect_eq "$(ctl "$mnt/$pid/ctl" "munmap 0 $half")" ok "levels=$levels: munmap of the whole user half"
	expect_eq "$(cat "$mnt/$pid/maps")" "" "levels=$levels: maps after the munmap"
	((pt_after = $(field "$mnt/meminfo" PageTables), pt_after < pt)) ||
		fail "levels=$levels: PageTables $pt kB before the munmap, $pt_after kB after"
	note "levels=$levels: $half bytes mapped, $opt_touches pages touched across it: PageTables ${pt} kB ($pt_after kB after the munmap), daemon RSS $rss0 -> $(rss) kB"
	figure "limits.huge.levels$levels.pagetables_kb" "$pt"
	served "$mnt"
	vmfs_unmount "$mnt"
}
huge 2 29
huge 4 47
huge 5 56
huge 6 63
# 64 TiB where the machine chooses, twice, at levels=5.
vmfs_mount "$mnt" frames=64,levels=5
pid=$(spawn "$mnt" big)
expect_attempt "$mnt/$pid/ctl" "mmap 0 64T rw- private" 0xffc00000000000
expect_attempt "$mnt/$pid/ctl" "mmap 0 64T r-- private" 0xff800000000000
expect_eq "$("$util" touch "$mnt/$pid/mem" 0xff800000000000 $((1 << 40)) 128)" "64 EIO" "touches in the two 64 TiB mappings (the second is read-only)"
vmfs_unmount "$mnt"
ok "the whole user half at levels 2, 4, 5 and 6 and 64 TiB mappings work, touched across; more is ENOMEM"
figure limits.huge "user half mapped at levels 2 4 5 6 (8 EiB at 6), $opt_touches touches each"

# ---- many mappings ---------------------------------------------------------------

vmfs_mount "$mnt" "frames=1024,max_map_count=$opt_maps"
pid=$(spawn "$mnt" many)
rss0=$(rss)
base=0x10000000
T0=$(date +%s%N)
enomem=0
exec {fd}>"$mnt/$pid/ctl"
for ((i = 0; i < opt_maps; i++)); do
	if ((i & 1)); then prot=rw-; else prot=r--; fi
	{ printf 'mmap %d 4K %s private,fixed\n' $((base + i * 4096)) "$prot" >&"$fd"; } 2>/dev/null || enomem=$((enomem + 1))
done
exec {fd}>&-
map_ms=$(elapsed_ms)
((enomem == 0)) || note "$enomem of $opt_maps mmaps failed"
# At max_map_count: one more is ENOMEM, until the limit is raised by one.
expect_attempt "$mnt/$pid/ctl" "mmap 0 4K rw- private" ENOMEM
echo $((opt_maps + 1)) >"$mnt/sys/vm/max_map_count"
expect_attempt "$mnt/$pid/ctl" "mmap 0x8000000 4K r-x private,fixed" 0x8000000
expect_attempt "$mnt/$pid/ctl" "mmap 0 4K rw- private" ENOMEM
expect_attempt "$mnt/$pid/ctl" "munmap 0x8000000 4K" ok
nmaps=$(wc -l <"$mnt/$pid/maps")
expect_eq "$nmaps" "$((opt_maps - enomem))" "mappings listed in maps"
rss1=$(rss)
T0=$(date +%s%N)
expect_eq "$(grep -c '^VmFlags:' "$mnt/$pid/smaps")" "$nmaps" "mappings in smaps"
smaps_ms=$(elapsed_ms)
T0=$(date +%s%N)
expect_eq "$("$util" touch "$mnt/$pid/mem" $((base + 4096)) 8192 $((opt_maps / 2)))" "$((opt_maps / 2)) -" "writes to every writable mapping"
expect_eq "$("$util" touch "$mnt/$pid/mem" "$base" 8192 1)" "0 EIO" "a write to a read-only mapping"
touch_ms=$(elapsed_ms)
T0=$(date +%s%N)
child=$(ctl "$mnt/$pid/ctl" fork)
fork_ms=$(elapsed_ms)
expect_eq "$(wc -l <"$mnt/$child/maps")" "$nmaps" "mappings of the child"
expect_eq "$(dd if="$mnt/$child/mem" bs=1 count=7 skip=$((base + 4096 * (opt_maps - 1))) status=none)" touched \
	"the child's last writable mapping"
ctl "$mnt/$child/ctl" exit >/dev/null
rss2=$(rss)
T0=$(date +%s%N)
expect_eq "$(ctl "$mnt/$pid/ctl" "munmap $base $((opt_maps * 4096))")" ok "one munmap of all the mappings"
munmap_ms=$(elapsed_ms)
expect_eq "$(wc -l <"$mnt/$pid/maps")" 0 "mappings after the munmap"
served "$mnt"
rss3=$(rss)
ok "$nmaps mappings in one process: mapped in $map_ms ms, smaps in $smaps_ms ms, $((opt_maps / 2)) written in $touch_ms ms, forked in $fork_ms ms, unmapped in $munmap_ms ms"
note "daemon RSS: $rss0 kB before, $rss1 kB with the mappings, $rss2 kB after writes and the fork, $rss3 kB after the munmap"
figure limits.maps "$nmaps"
figure limits.maps.ms "map $map_ms, smaps $smaps_ms, touch $touch_ms, fork $fork_ms, munmap $munmap_ms"
figure limits.maps.daemon_bytes_per_mapping $(((rss1 - rss0) * 1024 / nmaps))
figure limits.maps.rss_kb "before $rss0, mapped $rss1, written+forked $rss2, unmapped $rss3"
vmfs_unmount "$mnt"

# ---- many processes -----------------------------------------------------------------

# spawn_all N PREFIX-FILE COMMAND: COMMAND (spawn, or fork on a PID/ctl) N
# times on one open file; prints how many worked, ENOMEM/EAGAIN counted.
many() {
	local n=$1 file=$2 cmd=$3 i fd worked=0
	exec {fd}<>"$file"
	for ((i = 0; i < n; i++)); do
		if { printf '%s\n' "$cmd" >&"$fd"; } 2>"$t/many.err"; then
			worked=$((worked + 1))
		elif ! grep -qE 'Cannot allocate memory|Resource temporarily unavailable' "$t/many.err"; then
			exec {fd}>&-
			fail "'$cmd' failed other than with ENOMEM or EAGAIN: $(cat "$t/many.err")"
		fi
	done
	exec {fd}>&-
	echo "$worked"
}

# end_all KEEP: end every process but KEEP.
end_all() {
	local p
	for p in "$mnt"/[0-9]*; do
		[[ ${p##*/} == "$1" ]] || { echo exit >"$p/ctl"; } || fail "exit of ${p##*/} failed"
	done
}

sanitized && note "the daemon is built with a sanitizer: its memory is reported, not bounded"
# bounded WHAT FIRST LATER: LATER (kB) within 25% + 16 MiB of FIRST.
bounded() {
	(($3 <= $2 * 5 / 4 + 16384)) || sanitized ||
		fail "$1: the daemon's memory grew from $2 kB to $3 kB from one cycle to the next"
}

vmfs_mount "$mnt" frames=1024
parent=$(spawn "$mnt" parent)
addr=$(map "$mnt" "$parent" 1M rw- private)
random_file "$t/mib" $((1 << 20))
mem_write "$mnt" "$parent" "$addr" "$t/mib"
rss0=$(rss)
for ((cycle = 1; cycle <= opt_cycles; cycle++)); do
	T0=$(date +%s%N)
	n=$(many "$opt_procs" "$mnt/ctl" "spawn p")
	spawn_ms=$(elapsed_ms)
	expect_eq "$(find "$mnt" -mindepth 1 -maxdepth 1 -name '[0-9]*' | wc -l)" $((n + 1)) "cycle $cycle: processes listed"
	peak=$(rss)
	end_all "$parent"
	after=$(rss)
	note "cycle $cycle: $n of $opt_procs spawns worked in $spawn_ms ms; daemon RSS $rss0 -> $peak kB, $after kB after they ended"
	((cycle > 1)) || { spawn_peak=$peak spawn_after=$after; }
	bounded "cycle $cycle of spawns, at the peak" "$spawn_peak" "$peak"
	bounded "cycle $cycle of spawns, after the exits" "$spawn_after" "$after"
done
figure limits.procs "$n"
figure limits.procs.daemon_bytes_per_process $(((spawn_peak - rss0) * 1024 / opt_procs))
figure limits.procs.rss_kb "before $rss0, with $opt_procs $spawn_peak, after exit $spawn_after, last cycle $peak/$after"
for ((cycle = 1; cycle <= opt_cycles; cycle++)); do
	T0=$(date +%s%N)
	n=$(many "$opt_procs" "$mnt/$parent/ctl" fork)
	fork_ms=$(elapsed_ms)
	peak=$(rss)
	pt=$(field "$mnt/meminfo" PageTables)
	last=$(find "$mnt" -mindepth 1 -maxdepth 1 -name '[0-9]*' -printf '%f\n' | sort -n | tail -n 1)
	mem_read "$mnt" "$last" "$addr" $((1 << 20)) | cmp -s - "$t/mib" || fail "cycle $cycle: the last child $last lost its parent's MiB"
	end_all "$parent"
	after=$(rss)
	note "cycle $cycle: $n of $opt_procs forks of a 1 MiB process in $fork_ms ms; PageTables $pt kB; daemon RSS $peak kB, $after kB after they ended"
	((cycle > 1)) || { fork_peak=$peak fork_after=$after; }
	bounded "cycle $cycle of forks, at the peak" "$fork_peak" "$peak"
	bounded "cycle $cycle of forks, after the exits" "$fork_after" "$after"
done
mem_read "$mnt" "$parent" "$addr" $((1 << 20)) | cmp -s - "$t/mib" || fail "the parent lost its MiB"
served "$mnt"
figure limits.forks "$n"
figure limits.forks.pagetables_kb "$pt"
figure limits.forks.rss_kb "peak $fork_peak, after exit $fork_after, last cycle $peak/$after"
ok "$opt_procs processes spawned and $opt_procs forks, $opt_cycles cycles each: all worked, the daemon's memory did not grow from cycle to cycle"
vmfs_unmount "$mnt"

# ---- memory that runs out -------------------------------------------------------------

# exhaust OPTIONS FRAMES-EXPECTED: a process writes 1024 pages; the writes
# past what the machine holds fail with EIO; a new process then gets as
# many pages as the first one did (nothing leaked).
exhaust() {
	local worked again pid
	vmfs_mount "$mnt" "$1"
	pid=$(spawn "$mnt" hog)
	map "$mnt" "$pid" 4M rw- private,fixed 0x10000000 >/dev/null
	worked=$("$util" touch "$mnt/$pid/mem" 0x10000000 4096 1024)
	[[ $worked == *" EIO" ]] || fail "$1: 1024 pages written: $worked (expected a failure with EIO)"
	grep -q 'page allocation failure\|out of memory\|swap' "$mnt/kmsg" || fail "$1: kmsg says nothing of the failure"
	# Without swap the pages written stay resident and readable (with a full
	# swap, a page in swap cannot come back: no frame can be freed for it).
	[[ $1 != *swap=none* ]] ||
		expect_eq "$(dd if="$mnt/$pid/mem" bs=1 count=7 skip=$((0x10000000)) status=none)" touched "$1: the first page"
	served "$mnt"
	ctl "$mnt/$pid/ctl" exit >/dev/null
	pid=$(spawn "$mnt" again)
	map "$mnt" "$pid" 4M rw- private,fixed 0x10000000 >/dev/null
	again=$("$util" touch "$mnt/$pid/mem" 0x10000000 4096 1024)
	expect_eq "${again% *}" "${worked% *}" "$1: pages a new process gets once the first ended"
	note "$1: ${worked% *} of 1024 pages, then EIO; again ${again% *} after the exit"
	figure "limits.exhaust.${1//[,=]/_}" "${worked% *} pages then EIO"
	vmfs_unmount "$mnt"
}
exhaust frames=64,swap=none
exhaust frames=64,swap_size=256K
# A full address space: no room for one page more.
vmfs_mount "$mnt" frames=64,levels=2
pid=$(spawn "$mnt" full)
expect_attempt "$mnt/$pid/ctl" "mmap 0 512M rw- private,fixed" 0x0
expect_attempt "$mnt/$pid/ctl" "mmap 0 4K rw- private" ENOMEM
expect_attempt "$mnt/$pid/ctl" "munmap 0x100000 4K" ok
expect_attempt "$mnt/$pid/ctl" "mmap 0 4K r-- private" 0x100000
vmfs_unmount "$mnt"
ok "memory that runs out: EIO past the frames, nothing leaked; a full address space is ENOMEM"

# One read of more pages than the machine has frames (the largest request,
# 1 MiB, 256 pages, on 64 frames, all in swap): each page is brought in
# while the ones before it are evicted again, and every byte must still be
# the page's own.
vmfs_mount "$mnt" frames=64
pid=$(spawn "$mnt" big)
a=$(map "$mnt" "$pid" 1M rw- private,fixed 0x10000000)
"$util" page "$pid" "$a" 256 1 >"$t/pages"
mem_write "$mnt" "$pid" "$a" "$t/pages"
ctl "$mnt/ctl" "reclaim 1000" >/dev/null
dd if="$mnt/$pid/mem" bs=1M count=1 iflag=skip_bytes skip="$a" status=none >"$t/read"
if ! cmp -s "$t/read" "$t/pages"; then
	byte=$({ cmp "$t/read" "$t/pages" || true; } | sed 's/.*differ: byte \([0-9]*\),.*/\1/')
	page=$(((byte - 1) / 4096))
	fail "one 1 MiB read of 256 swapped pages on 64 frames: the page at $(printf 0x%x $((a + page * 4096))) reads as \
$("$util" check "$t/read" "$pid" $((page * 4096)) 1 2>&1 | sed 's/.*found //') (offsets in the read)"
fi
"$util" check "$mnt/$pid/mem" "$pid" "$a" 256 >/dev/null || fail "the pages read one by one are not intact"
vmfs_unmount "$mnt"
ok "one 1 MiB read of 256 pages on a 64-frame machine returns every page intact"
