#!/usr/bin/env bash
# test_tools.sh - Linux's own readers of /proc work unchanged on a mount
# (issue 15, Part 1): a mount is bound over /proc in a private mount
# namespace (unshare -m; the host's /proc is never touched) and procps
# (ps, top, vmstat, pmap, free, pgrep, pidof, sysctl, uptime, watch), psmisc (pstree,
# prtstat), sysstat (pidstat) and
# python3-psutil (inside the namespace and through PROCFS_PATH) are run
# against an empty machine and a busy one.  What each prints is checked
# against the machine's own files: RSS, VSZ and faults against PID/stat,
# PSS against smaps_rollup, memory against meminfo, the files the tools
# need (self, cpuinfo, loadavg, sys/kernel/, PID/task/, io, limits, wchan,
# environ) against the figures they stand for.
#
# A tool that is not installed is not a pass: the checks that need it are
# skipped with the reason, and the script then exits 77 (SKIP) after every
# other check passed.  Without the right to unshare a mount namespace
# (not root) the whole script is a skip.  scripts/setup.sh installs procps,
# psmisc, sysstat and python3-psutil, so CI runs everything.
#
# Usage: test_tools.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP
SKIPPED=()

# have TOOL PACKAGE: whether TOOL is installed; if not, the skip is noted.
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	SKIPPED+=("$1 is not installed (Debian package $2)")
	note "SKIP: $1 is not installed (package $2)"
	return 1
}
have_psutil() {
	/usr/bin/python3 -c 'import psutil' 2>/dev/null && return 0
	SKIPPED+=("python3's psutil is missing (Debian package python3-psutil)")
	note "SKIP: psutil is missing (package python3-psutil)"
	return 1
}

# in_ns MNT CMD [ARG...]: CMD with MNT bound over /proc, in a private mount
# namespace (unshare makes its mounts private: nothing reaches the host).
in_ns() {
	local mnt=$1
	shift
	# shellcheck disable=SC2016 # the inner sh expands them
	unshare -m sh -c 'mount --bind "$0" /proc && exec "$@"' "$mnt" "$@"
}

command -v unshare >/dev/null || fail "unshare is missing (package util-linux)"
if ! unshare -m true 2>"$t/unshare.err"; then
	echo "SKIP: cannot unshare a mount namespace: $(cat "$t/unshare.err")"
	exit 77
fi

# stat_field FILE N: field N of a PID/stat line (comm has no space here).
stat_field() {
	awk -v n="$2" '{ print $n }' "$1"
}

# ---- an empty machine ----------------------------------------------------------

mnt=$t/empty
vmfs_mount "$mnt"

# self and thread-self name the reader under its own PID
in_ns "$mnt" sh -c 'echo $$; exec readlink /proc/self' >"$t/self"
expect_eq "$(sed -n 2p "$t/self")" "$(sed -n 1p "$t/self")" "readlink self: the reader's PID"
in_ns "$mnt" sh -c 'echo $$/task/$$; exec readlink /proc/thread-self' >"$t/self"
expect_eq "$(sed -n 2p "$t/self")" "$(sed -n 1p "$t/self")" "readlink thread-self"
in_ns "$mnt" sh -c 'echo $$; exec cat /proc/self/stat' >"$t/self"
expect_match "$(sed -n 2p "$t/self")" "^$(sed -n 1p "$t/self") \\(reader\\) S 0 " "self/stat: the reader"
in_ns "$mnt" sh -c 'exec cat /proc/self/status' >"$t/self"
expect_eq "$(field "$t/self" VmRSS)" 0 "the reader's VmRSS"
in_ns "$mnt" sh -c 'exec ls /proc/self/task/' >"$t/self"
expect_eq "$(wc -l <"$t/self")" 1 "the reader has one thread"
[[ ! -e $mnt/self/mem && ! -e $mnt/self/ctl && ! -e $mnt/self/pagemap ]] ||
	fail "the reader has no mem, ctl or pagemap"
ok "self and thread-self: the reader under its own PID, with no memory"

memtotal=$(field "$mnt/meminfo" MemTotal)
if have ps procps; then
	in_ns "$mnt" ps -e >"$t/ps" || fail "ps -e on an empty machine: $(cat "$t/ps")"
	expect_eq "$(wc -l <"$t/ps")" 2 "ps -e on an empty machine: the header and ps itself"
	expect_match "$(sed -n 2p "$t/ps")" ' reader$' "ps -e: the reader"
	in_ns "$mnt" ps aux >"$t/ps" || fail "ps aux on an empty machine"
	ok "ps -e and ps aux on an empty machine"
fi
if have top procps; then
	in_ns "$mnt" top -b -n 1 >"$t/top" || fail "top -b -n 1 on an empty machine"
	expect_match "$(grep '^Tasks:' "$t/top")" '^Tasks: +1 total, +0 running' "top's Tasks"
	ok "top -b -n 1 on an empty machine"
fi
if have vmstat procps; then
	in_ns "$mnt" vmstat >"$t/vmstat" || fail "vmstat on an empty machine"
	in_ns "$mnt" vmstat -s >"$t/vmstat" || fail "vmstat -s on an empty machine"
	expect_eq "$(awk '/K total memory/ { print $1 }' "$t/vmstat")" "$memtotal" "vmstat -s total memory"
	ok "vmstat and vmstat -s on an empty machine"
fi
if have free procps; then
	in_ns "$mnt" free >"$t/free" || fail "free on an empty machine"
	expect_eq "$(awk '/^Mem:/ { print $2 }' "$t/free")" "$memtotal" "free: total"
	ok "free on an empty machine"
fi
if have uptime procps; then
	in_ns "$mnt" uptime >"$t/uptime" || fail "uptime on an empty machine"
	expect_match "$(cat "$t/uptime")" 'load average: 0\.00, 0\.00, 0\.00$' "uptime's load"
	ok "uptime on an empty machine"
fi
if have_psutil; then
	in_ns "$mnt" /usr/bin/python3 -c 'import psutil, os
assert psutil.pids() == [os.getpid()], psutil.pids()
print(psutil.virtual_memory().total)' >"$t/psutil" || fail "psutil on an empty machine"
	expect_eq "$(cat "$t/psutil")" $((memtotal * 1024)) "psutil.virtual_memory().total"
	ok "psutil on an empty machine: only itself, MemTotal"
fi
vmfs_unmount "$mnt"

# ---- a busy machine: pressure, swap, sharing -----------------------------------

mnt=$t/busy
vmfs_mount "$mnt" frames=512
web=$(spawn "$mnt" web)
anon=$(map "$mnt" "$web" 4M rw- private)
shm=$(map "$mnt" "$web" 64K rw- shared)
random_file "$t/data" $((3 << 20))
mem_write "$mnt" "$web" "$anon" "$t/data"            # 768 pages in 512 frames: swap
mem_write "$mnt" "$web" "$shm" <(head -c 32768 "$t/data")
child=$(ctl "$mnt/$web/ctl" fork)
mem_read "$mnt" "$child" "$anon" 65536 >/dev/null   # swap-ins: major faults
db=$(spawn "$mnt" db)
dbmem=$(map "$mnt" "$db" 256K rw- private)
mem_write "$mnt" "$db" "$dbmem" <(head -c 131072 "$t/data")
pids=("$web" "$child" "$db")
nproc=${#pids[@]}
majors=0
for p in "${pids[@]}"; do
	majors=$((majors + $(stat_field "$mnt/$p/stat" 12)))
done
((majors > 0)) || fail "the busy machine took no major fault"

# the files themselves
expect_eq "$(grep -c '^processor' "$mnt/cpuinfo")" 1 "cpuinfo: one processor"
va_bits=$(awk '$1 == "va_bits" { print $2 }' "$mnt/config")
expect_match "$(grep '^address sizes' "$mnt/cpuinfo")" \
	"^address sizes	: [0-9]+ bits physical, $va_bits bits virtual$" "cpuinfo: address sizes"
expect_eq "$(cat "$mnt/loadavg")" "0.00 0.00 0.00 0/$nproc $db" "loadavg"
expect_eq "$(cat "$mnt/sys/kernel/osrelease")" "6.1.0-vmfs" "sys/kernel/osrelease"
expect_eq "$(cat "$mnt/sys/kernel/pid_max")" 2147483647 "sys/kernel/pid_max"
expect_eq "$(find "$mnt/sys/kernel" -mindepth 1 -printf '%P ' | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"mm mm/page_idle mm/page_idle/bitmap osrelease pid_max randomize_va_space " "the names under sys/kernel"
expect_eq "$(ls "$mnt/$web/task")" "$web" "ls PID/task: TID = PID"
for f in stat status statm maps smaps_rollup io; do
	cmp -s "$mnt/$web/$f" "$mnt/$web/task/$web/$f" || fail "task/$web/$f differs from $f"
done
[[ ! -e $mnt/$web/task/$web/task ]] || fail "task/TID/ has no task/"
[[ ! -e $mnt/$web/task/$db ]] || fail "task/ has only the process's own TID"
for p in "${pids[@]}"; do
	expect_eq "$(field "$mnt/$p/io" read_bytes)" $(($(stat_field "$mnt/$p/stat" 12) * 4096)) \
		"$p/io read_bytes = major faults * 4096"
done
expect_eq "$(wc -c <"$mnt/$web/environ")" 0 "environ is empty"
expect_eq "$(cat "$mnt/$web/wchan")" 0 "wchan"
expect_eq "$(head -n 1 "$mnt/$web/limits")" \
	"Limit                     Soft Limit           Hard Limit           Units     " "limits header"
expect_match "$(grep '^Max stack size' "$mnt/$web/limits")" \
	'^Max stack size +8388608 +unlimited +bytes +$' "limits: the stack"
ok "cpuinfo, loadavg, sys/kernel/, PID/task/, io, environ, wchan, limits"

# bad input changes nothing: the new files cannot be written, a PID that is
# neither the machine's nor the reader's is not there, the reader cannot be
# ended and is not listed on a busy machine
for f in cpuinfo loadavg sys/kernel/osrelease sys/kernel/pid_max "$web/limits" "$web/io"; do
	if (: >>"$mnt/$f") 2>/dev/null; then fail "$f could be opened for writing"; fi
done
[[ ! -e $mnt/999999 && ! -e $mnt/$web/task/999999 ]] || fail "a PID of nobody exists"
reader=$(sh -c 'echo $$; exec true')   # a PID that has just ended
[[ ! -e $mnt/$reader ]] || fail "the PID of a process that is not reading exists"
in_ns "$mnt" sh -c 'exec rmdir /proc/$$' 2>/dev/null && fail "rmdir of the reader succeeded"
in_ns "$mnt" sh -c 'exec test -d /proc/$$/task' || fail "the reader's PID/ on a busy machine"
expect_eq "$(find "$mnt" -mindepth 1 -maxdepth 1 -name '[0-9]*' | wc -l)" "$nproc" \
	"the PIDs listed on a busy machine: its processes, not the lister"
expect_eq "$(cat "$mnt/loadavg")" "0.00 0.00 0.00 0/$nproc $db" "loadavg after the failed calls"
ok "the new files refuse writes; no PID but the machine's and the reader's; the reader stays"

if have ps procps; then
	in_ns "$mnt" ps -eo pid,comm,rss,vsz,min_flt,maj_flt >"$t/ps" || fail "ps -eo"
	for p in "${pids[@]}"; do
		read -r _ comm rss vsz minflt majflt < <(awk -v p="$p" '$1 == p' "$t/ps")
		expect_eq "$comm" "$(cat "$mnt/$p/comm")" "ps comm of $p"
		expect_eq "$rss" $(($(stat_field "$mnt/$p/stat" 24) * 4)) "ps rss of $p"
		expect_eq "$vsz" $(($(stat_field "$mnt/$p/stat" 23) / 1024)) "ps vsz of $p"
		expect_eq "$minflt" "$(stat_field "$mnt/$p/stat" 10)" "ps min_flt of $p"
		expect_eq "$majflt" "$(stat_field "$mnt/$p/stat" 12)" "ps maj_flt of $p"
	done
	expect_eq "$(($(wc -l <"$t/ps") - 1))" "$nproc" "ps -eo: the machine's processes, not ps"
	in_ns "$mnt" ps aux >"$t/ps" || fail "ps aux"
	read -r _ _ _ _ vsz rss _ < <(awk -v p="$web" '$2 == p' "$t/ps")
	expect_eq "$rss" "$(field "$mnt/$web/status" VmRSS)" "ps aux RSS = VmRSS"
	expect_eq "$vsz" "$(field "$mnt/$web/status" VmSize)" "ps aux VSZ = VmSize"
	ok "ps -eo pid,comm,rss,vsz,min_flt,maj_flt and ps aux agree with PID/stat and status"
	# one thread each, found through PID/task/
	in_ns "$mnt" ps -eLo pid,lwp,nlwp >"$t/ps" || fail "ps -eLo"
	for p in "${pids[@]}"; do
		expect_eq "$(awk -v p="$p" '$1 == p { print $2, $3 }' "$t/ps")" "$p 1" "ps -L of $p"
	done
	ok "ps -L: one thread per process, TID = PID"
	# PSS and USS, which ps reads from smaps_rollup (USS: the private pages)
	in_ns "$mnt" ps -eo pid,pss,uss >"$t/ps" || fail "ps -eo pid,pss,uss"
	for p in "${pids[@]}"; do
		uss=$(($(field "$mnt/$p/smaps_rollup" Private_Clean) + $(field "$mnt/$p/smaps_rollup" Private_Dirty)))
		expect_eq "$(awk -v p="$p" '$1 == p { print $2, $3 }' "$t/ps")" \
			"$(field "$mnt/$p/smaps_rollup" Pss) $uss" "ps pss and uss of $p"
	done
	ok "ps -eo pid,pss,uss agree with smaps_rollup"
fi
if have top procps; then
	in_ns "$mnt" top -b -n 1 >"$t/top" || fail "top -b -n 1"
	expect_match "$(grep '^Tasks:' "$t/top")" "^Tasks: +$nproc total" "top's Tasks"
	res=$(awk -v p="$db" '$1 == p { print $6 }' "$t/top")
	expect_eq "$res" "$(field "$mnt/$db/status" VmRSS)" "top RES of db"
	ok "top -b -n 1: tasks and RES"
fi
if have vmstat procps; then
	in_ns "$mnt" vmstat >"$t/vmstat" || fail "vmstat"
	cp "$mnt/meminfo" "$t/meminfo"
	expect_eq "$(awk 'NR == 3 { print $4 }' "$t/vmstat")" "$(field "$t/meminfo" MemFree)" "vmstat free"
	in_ns "$mnt" vmstat -s >"$t/vmstat" || fail "vmstat -s"
	expect_eq "$(awk '/K used swap/ { print $1 }' "$t/vmstat")" \
		$(($(field "$mnt/meminfo" SwapTotal) - $(field "$mnt/meminfo" SwapFree))) "vmstat -s used swap"
	in_ns "$mnt" vmstat -a >"$t/vmstat" || fail "vmstat -a"
	cp "$mnt/meminfo" "$t/meminfo"
	expect_eq "$(awk 'NR == 3 { print $5, $6 }' "$t/vmstat")" \
		"$(field "$t/meminfo" Inactive) $(field "$t/meminfo" Active)" "vmstat -a inact and active"
	ok "vmstat, vmstat -s and vmstat -a agree with meminfo"
fi
if have pmap procps; then
	in_ns "$mnt" pmap -x "$web" >"$t/pmap" || fail "pmap -x"
	read -r _ _ kb rss _ < <(grep '^total kB' "$t/pmap")
	expect_eq "$kb" "$(field "$mnt/$web/status" VmSize)" "pmap -x total Kbytes = VmSize"
	expect_eq "$rss" "$(field "$mnt/$web/status" VmRSS)" "pmap -x total RSS = VmRSS"
	for opt in -X -XX; do
		in_ns "$mnt" pmap "$opt" "$web" >"$t/pmap" || fail "pmap $opt: $(cat "$t/pmap")"
		# the column under "Pss" in the totals line
		col=$(awk 'NR == 2 { for (i = 1; i <= NF; i++) if ($i == "Pss") print i - 5 }' "$t/pmap")
		pss=$(awk -v c="$col" '$NF == "KB" { print $c }' "$t/pmap")
		expect_eq "$pss" "$(field "$mnt/$web/smaps_rollup" Pss)" "pmap $opt total Pss = smaps_rollup"
		# every total under a key smaps_rollup has, and Size's = VmSize
		awk 'NR == 2 { for (i = 6; i <= NF; i++) h[i - 5] = $i }
		     $NF == "KB" { for (i = 1; i < NF; i++) print h[i], $i }' "$t/pmap" >"$t/totals"
		checked=0
		while read -r key total; do
			if [[ $key == Size ]]; then
				expect_eq "$total" "$(field "$mnt/$web/status" VmSize)" "pmap $opt total Size = VmSize"
			elif grep -q "^$key:" "$mnt/$web/smaps_rollup"; then
				expect_eq "$total" "$(field "$mnt/$web/smaps_rollup" "$key")" "pmap $opt total $key"
			else
				continue
			fi
			checked=$((checked + 1))
		done <"$t/totals"
		want=14   # -X: Size and 13 of the rollup's keys; -XX: Size and 18
		[[ $opt == -XX ]] && want=19
		((checked >= want)) || fail "pmap $opt: $checked totals checked: $(cat "$t/totals")"
	done
	ok "pmap -x, -X, -XX agree with status and smaps_rollup (every total of -XX that smaps_rollup has)"
fi
if have free procps; then
	in_ns "$mnt" free >"$t/free" || fail "free"
	cp "$mnt/meminfo" "$t/meminfo"
	expect_eq "$(awk '/^Mem:/ { print $2 }' "$t/free")" "$(field "$t/meminfo" MemTotal)" "free total"
	expect_eq "$(awk '/^Mem:/ { print $4 }' "$t/free")" "$(field "$t/meminfo" MemFree)" "free free"
	expect_eq "$(awk '/^Swap:/ { print $2 }' "$t/free")" "$(field "$t/meminfo" SwapTotal)" "free swap"
	ok "free agrees with meminfo"
fi
if have pgrep procps && have pidof procps; then
	expect_eq "$(in_ns "$mnt" pgrep -x db)" "$db" "pgrep -x db"
	expect_eq "$(in_ns "$mnt" pgrep -x web | tr '\n' ' ')" "$web $child " "pgrep -x web"
	expect_eq "$(in_ns "$mnt" pidof web)" "$child $web" "pidof web"
	ok "pgrep and pidof find the machine's processes by name"
fi
if have sysctl procps; then
	expect_eq "$(in_ns "$mnt" sysctl -n kernel.osrelease kernel.pid_max vm.max_map_count | tr '\n' ' ')" \
		"6.1.0-vmfs 2147483647 $(cat "$mnt/sys/vm/max_map_count") " "sysctl"
	ok "sysctl reads sys/"
	# and sets the machine's tunables; a value out of range changes nothing
	in_ns "$mnt" sysctl -q -w vm.swappiness=10 || fail "sysctl -w vm.swappiness=10"
	expect_eq "$(cat "$mnt/sys/vm/swappiness") $(field "$mnt/config" swappiness)" "10 10" "swappiness after sysctl -w"
	in_ns "$mnt" sysctl -q -w vm.swappiness=300 2>"$t/err" && fail "sysctl -w vm.swappiness=300 succeeded"
	grep -q 'Invalid argument' "$t/err" || fail "sysctl -w vm.swappiness=300: $(cat "$t/err")"
	expect_eq "$(cat "$mnt/sys/vm/swappiness")" 10 "swappiness after a refused sysctl -w"
	ok "sysctl -w sets vm.swappiness (sys/vm/ and config follow); 300 is EINVAL and changes nothing"
fi
if have uptime procps; then
	expect_match "$(in_ns "$mnt" uptime)" 'load average: 0\.00, 0\.00, 0\.00$' "uptime"
	ok "uptime"
fi
if have pstree psmisc; then
	in_ns "$mnt" pstree -p >"$t/pstree" || fail "pstree -p"
	grep -qF "web($web)---web($child)" "$t/pstree" || fail "pstree -p: $(cat "$t/pstree")"
	# like init's on Linux, the tree of PID 1; the others by their PID
	expect_eq "$(in_ns "$mnt" pstree -p "$db")" "db($db)" "pstree -p $db"
	ok "pstree -p: the fork tree"
fi
if have pwdx procps; then
	# the working directory of each: "/", as getcwd answers in the machine
	expect_eq "$(in_ns "$mnt" pwdx "${pids[@]}" | tr '\n' ' ')" \
		"$(printf '%s: / ' "${pids[@]}")" "pwdx"
	for p in "${pids[@]}"; do
		for f in cwd root "task/$p/cwd"; do
			expect_eq "$(readlink "$mnt/$p/$f")" / "readlink $p/$f"
		done
	done
	in_ns "$mnt" sh -c 'exec test ! -e /proc/$$/cwd' || fail "the reader has a cwd link"
	ok "pwdx: PID/cwd is / for each process (and root), none for the reader"
fi
if have prtstat psmisc; then
	# prtstat reads PID/stat alone: its raw fields are stat's
	for p in "${pids[@]}"; do
		in_ns "$mnt" prtstat -r "$p" >"$t/prtstat" || fail "prtstat -r $p: $(cat "$t/prtstat")"
		for kv in pid:1 ppid:4 minflt:10 majflt:12 vsize:23 rss:24; do
			expect_eq "$(grep -oE "(^| )${kv%:*}: [^ 	]+" "$t/prtstat" | awk '{ print $2 }')" \
				"$(stat_field "$mnt/$p/stat" "${kv#*:}")" "prtstat -r $p: ${kv%:*}"
		done
		expect_eq "$(grep -oE ' comm: [^ 	]+' "$t/prtstat" | awk '{ print $2 }')" \
			"$(cat "$mnt/$p/comm")" "prtstat -r $p: comm"
	done
	in_ns "$mnt" prtstat "$web" >"$t/prtstat" || fail "prtstat $web"
	expect_match "$(grep 'This Process .*(minor major)' "$t/prtstat")" \
		" $(stat_field "$mnt/$web/stat" 10) +$(stat_field "$mnt/$web/stat" 12)\$" "prtstat $web: page faults"
	ok "prtstat and prtstat -r: every process's IDs, faults and sizes are its PID/stat's"
fi
if have pidstat sysstat; then
	# pidstat -r: VSZ and RSS in KiB, %MEM of MemTotal
	in_ns "$mnt" pidstat -r -p "$(IFS=,; echo "${pids[*]}")" >"$t/pidstat" || fail "pidstat -r"
	for p in "${pids[@]}"; do
		expect_eq "$(awk -v p="$p" '$3 == p { print $6, $7, $9 }' "$t/pidstat")" \
			"$(field "$mnt/$p/status" VmSize) $(field "$mnt/$p/status" VmRSS) $(cat "$mnt/$p/comm")" \
			"pidstat -r: VSZ, RSS and command of $p"
	done
	ok "pidstat -r: VSZ and RSS agree with status"
fi
if have_psutil; then
	cat >"$t/check.py" <<'EOF'
import os, sys, psutil
procfs = sys.argv[1]
if procfs != "/proc":
    psutil.PROCFS_PATH = procfs
def kb(path, key):
    for line in open(os.path.join(procfs, path)):
        if line.split(":")[0] == key:
            return int(line.split()[1]) * 1024
    raise KeyError(key)
pids = [int(p) for p in sys.argv[2:]]
assert set(pids) <= set(psutil.pids()), psutil.pids()
vm = psutil.virtual_memory()
assert vm.total == kb("meminfo", "MemTotal"), vm
assert vm.free == kb("meminfo", "MemFree"), vm
sw = psutil.swap_memory()
assert sw.total == kb("meminfo", "SwapTotal"), sw
def vmstat(key):
    for line in open(os.path.join(procfs, "vmstat")):
        if line.split()[0] == key:
            return int(line.split()[1])
    raise KeyError(key)
assert (sw.sin, sw.sout) == (vmstat("pswpin") * 4096, vmstat("pswpout") * 4096), sw
assert sw.sout > 0, sw
for pid in pids:
    p = psutil.Process(pid)
    full = p.memory_full_info()
    assert full.rss == kb(f"{pid}/status", "VmRSS"), full
    assert full.vms == kb(f"{pid}/status", "VmSize"), full
    assert full.pss == kb(f"{pid}/smaps_rollup", "Pss"), full
    assert full.swap == kb(f"{pid}/smaps_rollup", "Swap"), full
    assert full.uss == sum(kb(f"{pid}/smaps_rollup", k)
                           for k in ("Private_Clean", "Private_Dirty", "Private_Hugetlb")), full
    statm = [int(x) * 4096 for x in open(os.path.join(procfs, f"{pid}/statm")).read().split()]
    mi = p.memory_info()
    assert (mi.vms, mi.rss, mi.shared, mi.text, mi.data) == \
        (statm[0], statm[1], statm[2], statm[3], statm[5]), (mi, statm)
    assert abs(p.memory_percent() - 100.0 * full.rss / vm.total) < 1e-9, p.memory_percent()
    maps = p.memory_maps(grouped=False)
    assert sum(m.rss for m in maps) == full.rss, maps
    assert p.num_threads() == 1 and p.status() == "sleeping"
    assert p.name() == open(os.path.join(procfs, f"{pid}/comm")).read().strip()
print("ok")
EOF
	expect_eq "$(in_ns "$mnt" /usr/bin/python3 "$t/check.py" /proc "${pids[@]}")" ok "psutil in the namespace"
	expect_eq "$(/usr/bin/python3 "$t/check.py" "$mnt" "${pids[@]}")" ok "psutil with PROCFS_PATH"
	ok "psutil: virtual_memory, swap_memory (sin, sout), memory_info, memory_full_info (uss), memory_percent, memory_maps, in the namespace and through PROCFS_PATH"
fi
if have watch procps && have script bsdutils; then
	# watch draws on a terminal: script(1) gives it one.  With -g it ends
	# as soon as what it runs prints something else, here once a process
	# spawned meanwhile shows in ps -e; it never ends on its own.
	( sleep 1; spawn "$mnt" watched >"$t/watched" ) &
	spawner=$!
	TERM=xterm timeout 30 script -qec "unshare -m sh -c 'mount --bind \"\$0\" /proc && exec watch -g -n 0.2 -t ps -e' '$mnt'" \
		/dev/null >"$t/watch.out" 2>&1 || fail "watch -g ps -e: status $?: $(tail -c 300 "$t/watch.out")"
	wait "$spawner"
	# (curses moves the cursor between the columns of a line)
	grep -q "00:00:00 db" "$t/watch.out" && grep -q "00:00:00 watched" "$t/watch.out" ||
		fail "watch drew no ps -e screen with the new process: $(tail -c 300 "$t/watch.out")"
	[[ -d $mnt/$(cat "$t/watched") ]] || fail "the process spawned under watch"
	ok "watch -g: ps -e redrawn until the machine's new process shows"
fi
vmfs_unmount "$mnt"

if ((${#SKIPPED[@]})); then
	printf 'SKIP: %s\n' "${SKIPPED[@]}"
	exit 77
fi
