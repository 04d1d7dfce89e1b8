#!/usr/bin/env bash
# test_sched.sh - the CPU's process model through the mount (issue 16):
# PID/stat's utime in clock ticks of simulated time (10^7 instructions a
# tick), as ps and top show it; slice=N in config and in the interleaving
# of two writers; swap under a real program (every byte right); the OOM
# killer (vmfsctl run exits 137, kmsg's "Out of memory: Killed process"
# line, PID/oom_score); a host file mapped shared by a program and its
# child, one frame per page in both PID/pagemap.
#
# Usage: test_sched.sh DAEMON SOURCEDIR VMFSCTL SLICE TOUCH SHMAP SPIN
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfsctl=$3
slice=$(readlink -f "$4")
touch=$(readlink -f "$5")
shmap=$(readlink -f "$6")
spin=$(readlink -f "$7")
vmfs_init "$1" "$2"

t=$VMFS_TMP
mnt=$t/mnt
vmfs_mount "$mnt" mem=4M,swap_size=8M,slice=4000
export VMFS_MOUNT=$mnt

# in_ns CMD [ARG...]: CMD with the mount over /proc in a private mount
# namespace (as test_tools.sh; nothing reaches the host's /proc).
in_ns() {
	# shellcheck disable=SC2016 # the inner sh expands them
	unshare -m sh -c 'mount --bind "$0" /proc && exec "$@"' "$mnt" "$@"
}
can_ns=0
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	can_ns=1
else
	note "cannot unshare a mount namespace: ps and top are not run"
fi

# ---- utime -------------------------------------------------------------------------------
pid=$("$vmfsctl" run --stop -- "$spin")
expect_eq "$(awk '{ print $14, $15 }' "$mnt/$pid/stat")" "0 0" "utime and stime before it ran"
ctl "$mnt/$pid/ctl" "step 10000000" >/dev/null
expect_eq "$(awk '{ print $14, $15 }' "$mnt/$pid/stat")" "1 0" "utime and stime after 10^7 instructions"
ctl "$mnt/$pid/ctl" "step 9999999" >/dev/null
expect_eq "$(awk '{ print $14 }' "$mnt/$pid/stat")" 1 "utime after 2 * 10^7 - 1 instructions"
ctl "$mnt/$pid/ctl" "step 1" >/dev/null
expect_eq "$(awk '{ print $14 }' "$mnt/$pid/stat")" 2 "utime after 2 * 10^7 instructions"
if ((can_ns)) && command -v top >/dev/null; then
	in_ns top -b -n 1 -p "$pid" >"$t/top" || fail "top -b -n 1 -p $pid"
	expect_eq "$(awk -v p="$pid" '$1 == p { print $11 }' "$t/top")" "0:00.02" "top's TIME+"
	in_ns ps -o pid=,time=,comm= -p "$pid" >"$t/ps" || fail "ps -o time"
	expect_eq "$(xargs <"$t/ps")" "$pid 00:00:00 sched_spin" "ps -o time"
	ok "top shows TIME+ 0:00.02 after 2 * 10^7 instructions, ps TIME 00:00:00"
fi
ok "stat's utime: one tick per 10^7 instructions, stime 0"
"$vmfsctl" kill "$pid"

# ---- slice=N ---------------------------------------------------------------------------
expect_eq "$(awk '$1 == "slice" { print $2 }' "$mnt/config")" 4000 "config's slice"
"$vmfsctl" run -- "$slice" 3000 >"$t/slice.out"
expect_eq "$(wc -c <"$t/slice.out")" 6000 "the writers' bytes"
# the lengths of the runs of one letter, but the first two and the last two
fold -w1 "$t/slice.out" | uniq -c | awk '{ print $1 }' | sed '1,2d' | head -n -2 >"$t/runs"
nruns=$(wc -l <"$t/runs")
((nruns >= 4)) || fail "only $nruns middle runs: $(xargs <"$t/runs")"
read -r lo hi < <(sort -n "$t/runs" | sed -n '1p;$p' | xargs)
((hi - lo <= 1 && lo > 10)) || fail "runs of slice=4000 from $lo to $hi bytes"
ok "slice=4000: the two writers alternate in runs of $lo bytes ($nruns of them)"

# ---- swap under a real program ------------------------------------------------------------
out=$("$vmfsctl" run -- "$touch" 6) || fail "touch 6 exited $?"
expect_eq "$out" "ok 1536" "touch 6's answer"
swapped=$(awk '$1 == "pswpout" { print $2 }' "$mnt/vmstat")
((swapped > 256)) || fail "pswpout $swapped after touching 6 MiB of a 4 MiB machine"
ok "touch 6 on a 4 MiB machine: every byte right after $swapped pages went to swap"

# ---- oom_score ---------------------------------------------------------------------------
plain=$(spawn "$mnt" plain)
expect_eq "$(cat "$mnt/$plain/oom_score")" 666 "oom_score of a process with no memory"
addr=$(map "$mnt" "$plain" 1048576 rw- private)
head -c 1048576 /dev/zero | tr '\0' x | dd of="$mnt/$plain/mem" bs=65536 iflag=fullblock \
	oflag=seek_bytes seek="$addr" conv=notrunc status=none
rss=$(awk '{ print $24 }' "$mnt/$plain/stat")
pte=$(awk '/^VmPTE:/ { print $2 / 4 }' "$mnt/$plain/status")
total=$(( (4 + 8) * 256 ))
expect_eq "$(cat "$mnt/$plain/oom_score")" $(((1000 + (rss + pte) * 1000 / total) * 2 / 3)) \
	"oom_score of $rss resident pages and $pte of page tables"
ok "oom_score: 666 with no memory, proc_oom_score's formula with 1 MiB written"

# ---- the OOM killer -------------------------------------------------------------------------
rc=0
"$vmfsctl" run -- "$touch" 16 >"$t/oom.out" || rc=$?
expect_eq "$rc" 137 "vmfsctl run of touch 16 (128 + SIGKILL)"
grep -Eq '^\[ *[0-9.]+\] Out of memory: Killed process [0-9]+ \((sched_touch|plain)\) total-vm:[0-9]+kB, anon-rss:[0-9]+kB, file-rss:[0-9]+kB, shmem-rss:[0-9]+kB, UID:0 pgtables:[0-9]+kB oom_score_adj:0$' "$mnt/kmsg" ||
	fail "no Out of memory line in kmsg: $(grep -i 'out of memory' "$mnt/kmsg")"
grep -q 'sched_touch invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0$' "$mnt/kmsg" ||
	fail "no 'invoked oom-killer' line"
ok "touch 16 on 4 MiB + 8 MiB of swap: the OOM killer's lines, vmfsctl run exits 137"
"$vmfsctl" kill "$plain" 2>/dev/null || true

# ---- a host file mapped shared by a program and its child -----------------------------------
random_file "$t/shared" 32768
"$vmfsctl" run --keep -- "$shmap" "$t/shared" >"$t/shmap.out"
expect_eq "$(head -1 "$t/shmap.out")" "shared-write -1 13" "MAP_SHARED|PROT_WRITE of a read-only file (EACCES)"
parent=$("$vmfsctl" ps | awk '$NF == "sched_shmap" || $2 == "sched_shmap" { print $1 }' | head -1)
child=$(awk '$1 == "child" && $2 != "sum" { print $2 }' "$t/shmap.out")
[[ -n $parent && -n $child ]] || fail "no parent ($parent) or child ($child) of shmap"
expect_eq "$(awk '$1 == "child" && $2 == "sum" { print $3 }' "$t/shmap.out")" \
	"$(awk '$1 == "map" { print $6 }' "$t/shmap.out")" "the child's checksum"
addr=$(awk '$1 == "map" { print $2 }' "$t/shmap.out")
lo=$((addr >> 12)) hi=$(((addr + 32768) >> 12))
pm() { dd if="$mnt/$1/pagemap" bs=8 skip="$lo" count=$((hi - lo)) status=none | od -An -tu8 -v | tr -s ' ' '\n' | grep .; }
read -r both differ < <(paste <(pm "$parent") <(pm "$child") | awk '
	function present(e) { return e >= 9223372036854775808 }
	present($1) && present($2) { n++; if ($1 != $2) bad++ } END { print n + 0, bad + 0 }')
expect_eq "$both $differ" "8 0" "pages of the shared file present in both, and with different frames"
ok "a host file mapped shared: both processes read it from the same 8 frames"
"$vmfsctl" kill "$child" "$parent"

vmfs_unmount "$mnt"
ok "unmounted"
