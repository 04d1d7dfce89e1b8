#!/usr/bin/env bash
# test_formats.sh - the generated files follow Linux 6.1's procfs formats
# (SPEC §3 "Linux formats, exactly"), checked line by line against the
# kernel's printf formats (fs/proc/task_mmu.c, array.c, meminfo.c,
# mm/vmstat.c, mm/swapfile.c, fs/proc/stat.c, uptime.c) on a machine with
# anonymous, shared and object mappings, resident and untouched pages: field
# widths, key order, and the figures that must agree between files
# (maps = smaps headers, Rss sums = smaps_rollup = VmRSS = statm * 4 = stat
# rss, VmSize = statm size * 4 = stat vsize / 1024); and config states the
# options each machine was mounted with, the policy in use after a change.
#
# Usage: test_formats.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt" frames=4096

name=a-name-longer-than-fifteen-bytes
pid=$(spawn "$mnt" "$name")
anon=$(map "$mnt" "$pid" 1M rw- private)
map "$mnt" "$pid" 64K r-- private >/dev/null
shm=$(map "$mnt" "$pid" 64K rw- shared)
head -c 20000 /dev/urandom >"$mnt/objects/blob"
objmap=$(map "$mnt" "$pid" 20000 r-x private 0 blob 0)
random_file "$t/data" 65536
mem_write "$mnt" "$pid" "$anon" "$t/data"
mem_write "$mnt" "$pid" "$shm" <(head -c 8192 "$t/data")
mem_read "$mnt" "$pid" "$objmap" 8192 >/dev/null
child=$(ctl "$mnt/$pid/ctl" fork)
mem_read "$mnt" "$child" "$anon" 16384 >/dev/null

# Every file is read once into $t, so each check sees one snapshot.
for f in maps smaps smaps_rollup status stat statm comm cmdline pagetable; do
	cat "$mnt/$pid/$f" >"$t/$f" || fail "cat $pid/$f failed"
done
for f in meminfo vmstat swaps stat uptime kmsg config; do
	cat "$mnt/$f" >"$t/top-$f" || fail "cat $f failed"
done

# maps: "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", then for a named
# mapping padding to column 73 and the name (show_map_vma, seq_pad).
maps_re='^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8,} [0-9a-f]{2,}:[0-9a-f]{2,} [0-9]+ '
n=0
while IFS= read -r line; do
	n=$((n + 1))
	expect_match "$line" "$maps_re" "maps line $n"
	prefix=${BASH_REMATCH[0]}
	if ((${#line} > ${#prefix})); then
		((${#prefix} <= 73)) || fail "maps line $n: prefix longer than 73 columns"
		expect_match "${line:0:73}" '^[^ ].* $' "maps line $n: padding before the name"
		expect_match "${line:73}" '^[^ ]' "maps line $n: the name starts at column 73"
	fi
	lo=${line%%-*} rest=${line#*-}
	hi=${rest%% *}
	((0x$lo < 0x$hi && 0x$lo % 4096 == 0 && 0x$hi % 4096 == 0)) || fail "maps line $n: bad range $lo-$hi"
	[[ -z ${prev_hi:-} ]] || ((0x$lo >= 0x$prev_hi)) || fail "maps line $n: not in address order"
	prev_hi=$hi
done <"$t/maps"
((n >= 4)) || fail "maps has $n lines, expected at least 4: $(cat "$t/maps")"
grep -q ' rw-s ' "$t/maps" || fail "maps shows no shared mapping"
grep -q ' r-xp .*blob$' "$t/maps" || fail "maps does not name the object mapping 'blob'"
ok "maps: $n lines in Linux's format, names at column 73, address order"

# smaps: the maps header, then "%-16s%8lu kB" lines with the same keys in
# the same order for every mapping (Rss before Swap), THPeligible, VmFlags
# last.
grep -E "$maps_re" "$t/smaps" | cmp - "$t/maps" || fail "smaps headers differ from maps"
first='' keys=''
n=0
while IFS= read -r line; do
	n=$((n + 1))
	if [[ $line =~ $maps_re ]]; then
		if [[ -n $keys ]]; then
			[[ -n $first ]] || first=$keys
			[[ $keys == "$first" ]] || fail "smaps line $n: the mapping before has keys$keys, the first had$first"
		fi
		keys=''
		continue
	fi
	keys+=" ${line%%:*}:"
	case $line in
	VmFlags:*) expect_match "$line" '^VmFlags:( [a-z]{2})* ?$' "smaps line $n" ;;
	THPeligible:*) expect_match "$line" '^THPeligible: +[01]$' "smaps line $n" ;;
	ProtectionKey:*) ;;
	*)
		expect_match "$line" '^[A-Za-z_]+: +[0-9]+ kB$' "smaps line $n"
		expect_match "$line" '^.{23}[0-9] kB$|: +[0-9]{9,} kB$' "smaps line $n: value right-aligned at column 24"
		;;
	esac
done <"$t/smaps"
[[ $keys == "$first" ]] || fail "smaps: the last mapping has keys$keys, the first had$first"
keys=$first
expect_match "$keys" '^ Size: KernelPageSize: MMUPageSize: Rss: Pss: ' "smaps keys start"
expect_match "$keys" ' Rss: .* Swap: .* VmFlags:$' "smaps keys: Swap after Rss, VmFlags last"
for k in Shared_Clean Shared_Dirty Private_Clean Private_Dirty Referenced Anonymous SwapPss Locked; do
	[[ $keys == *" $k: "* ]] || fail "smaps lacks $k"
done
expect_eq "$(awk '$1 == "KernelPageSize:" && $2 != 4 { print }' "$t/smaps")" "" "KernelPageSize"
ok "smaps: every mapping has the keys$keys"

# Figures that must agree.
kb() { awk -v k="$1:" '$1 == k { s += $2 } END { print s + 0 }' "$2"; }
rss_smaps=$(kb Rss "$t/smaps")
rss_rollup=$(kb Rss "$t/smaps_rollup")
rss_status=$(kb VmRSS "$t/status")
anon_status=$(kb RssAnon "$t/status") file_status=$(kb RssFile "$t/status") shmem_status=$(kb RssShmem "$t/status")
read -r statm_size statm_res _ <"$t/statm"
expect_eq "$rss_rollup" "$rss_smaps" "smaps_rollup Rss against the sum of smaps Rss"
expect_eq "$rss_status" "$rss_smaps" "status VmRSS against the sum of smaps Rss"
expect_eq "$((anon_status + file_status + shmem_status))" "$rss_status" "RssAnon + RssFile + RssShmem against VmRSS"
expect_eq "$((statm_res * 4))" "$rss_status" "statm resident * 4 against VmRSS"
((rss_status >= 64 + 8 + 8)) || fail "VmRSS is $rss_status kB after touching 80 KiB"
expect_eq "$(kb Size "$t/smaps")" "$(kb VmSize "$t/status")" "sum of smaps Size against VmSize"
expect_eq "$((statm_size * 4))" "$(kb VmSize "$t/status")" "statm size * 4 against VmSize"
expect_eq "$(kb Anonymous "$t/smaps")" "$anon_status" "smaps Anonymous against RssAnon"
pss=$(kb Pss "$t/smaps")
((pss < rss_smaps)) || fail "Pss $pss is not below Rss $rss_smaps, though pages are shared with the child"
ok "Rss, VmRSS, statm, smaps_rollup and Size agree ($rss_status kB resident, Pss $pss kB)"

# smaps_rollup: the [rollup] header, then Rss, Pss, Pss_Dirty, Pss_Anon...
head -n 1 "$t/smaps_rollup" | grep -Eq '^[0-9a-f]{8,}-[0-9a-f]{8,} ---p 00000000 00:00 0 +\[rollup\]$' ||
	fail "smaps_rollup header: $(head -n 1 "$t/smaps_rollup")"
expect_eq "$(sed -n '2,7s/:.*//p' "$t/smaps_rollup" | tr '\n' ' ')" "Rss Pss Pss_Dirty Pss_Anon Pss_File Pss_Shmem " \
	"smaps_rollup keys"
ok "smaps_rollup: [rollup] header and Linux's keys"

# status: "Key:\tvalue", the Vm lines "%8lu kB" in Linux's order.
! grep -Evn $'^[A-Za-z_]+:\t' "$t/status" || fail "status lines not 'Key:<TAB>value'"
! grep -En '^(Vm[A-Za-z]+|Rss[A-Za-z]+|HugetlbPages):' "$t/status" | grep -Ev $':\t[ 0-9]{7}[0-9] kB$' ||
	fail "status lines not 'Key:<TAB>%8lu kB'"
order=$(grep -Eo '^(Name|State|Pid|PPid|VmPeak|VmSize|VmLck|VmPin|VmHWM|VmRSS|RssAnon|RssFile|RssShmem|VmData|VmStk|VmExe|VmLib|VmPTE|VmSwap|Threads):' "$t/status" | tr -d : | tr '\n' ' ')
expect_eq "$order" "Name State Pid PPid VmPeak VmSize VmLck VmPin VmHWM VmRSS RssAnon RssFile RssShmem VmData VmStk VmExe VmLib VmPTE VmSwap Threads " \
	"status keys in Linux's order"
expect_eq "$(sed -n 's/^Name:\t//p' "$t/status")" "${name:0:15}" "status Name"
expect_eq "$(sed -n 's/^Pid:\t//p' "$t/status")" "$pid" "status Pid"
(($(kb VmHWM "$t/status") >= rss_status)) || fail "VmHWM below VmRSS"
(($(kb VmPeak "$t/status") >= $(kb VmSize "$t/status"))) || fail "VmPeak below VmSize"
(($(kb VmPTE "$t/status") >= 3 * 4)) || fail "VmPTE is below 3 tables of 4 kB (pud, pmd, pte; Linux leaves out the pgd)"
ok "status: Linux's keys, order and widths"

# stat: 52 fields; comm in parentheses; minflt (10), majflt (12), vsize (23)
# and rss (24) agree with the other files.
line=$(cat "$t/stat")
expect_match "$line" "^$pid \\(${name:0:15}\\) [RSDZTtXIW] " "stat start"
rest=${line##*) }
read -r -a f <<<"$rest"
expect_eq "$((${#f[@]} + 2))" 52 "number of fields in stat"
[[ ${line: -1} != ' ' ]] || fail "stat ends with a space"
# f[0] is field 3 (state); field N is f[N-3].
expect_match "${f[7]}" '^[0-9]+$' "stat minflt"
((f[7] + f[9] >= 16 + 2 + 2)) || fail "stat minflt + majflt is $((f[7] + f[9])) after 20 first touches"
expect_eq "$((f[20] / 1024))" "$(kb VmSize "$t/status")" "stat vsize / 1024 against VmSize"
expect_eq "$((f[21] * 4))" "$rss_status" "stat rss * 4 against VmRSS"
for x in "${f[@]:1}"; do
	expect_match "$x" '^-?[0-9]+$' "stat field"
done
ok "stat: 52 fields, minflt ${f[7]}, vsize and rss agree"

expect_match "$(cat "$t/statm")" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$' "statm"
expect_eq "$(cat "$t/comm")" "${name:0:15}" "comm"
expect_eq "$(tr '\0' '\n' <"$t/cmdline" | head -n 1)" "$name" "cmdline"
expect_eq "$(tail -c 1 "$t/cmdline" | od -An -tx1 | tr -d ' ')" 00 "cmdline ends with NUL"
ok "statm, comm (15 bytes), cmdline (NUL-terminated)"

# meminfo: "%-16s%8lu kB" (show_val_kb), MemTotal, MemFree, MemAvailable first.
! grep -Evn '^[A-Za-z0-9_()]+: +[0-9]+( kB)?$' "$t/top-meminfo" || fail "meminfo lines not 'Key: N [kB]'"
! grep -n ' kB$' "$t/top-meminfo" | cut -d: -f2- | grep -Ev '^.{23}[0-9] kB$|: +[0-9]{9,} kB$' ||
	fail "meminfo values not right-aligned at column 24 ('%-16s%8lu kB')"
expect_eq "$(head -n 3 "$t/top-meminfo" | cut -d: -f1 | tr '\n' ' ')" "MemTotal MemFree MemAvailable " "meminfo first keys"
for k in Buffers Cached SwapCached Active Inactive SwapTotal SwapFree Dirty AnonPages Mapped Shmem PageTables; do
	grep -q "^$k:" "$t/top-meminfo" || fail "meminfo lacks $k"
done
total=$(kb MemTotal "$t/top-meminfo") free=$(kb MemFree "$t/top-meminfo")
((total >= 4096 * 4 && free < total)) || fail "meminfo MemTotal $total kB, MemFree $free kB on 4096 frames"
(($(kb PageTables "$t/top-meminfo") > 0)) || fail "meminfo PageTables is 0"
ok "meminfo: Linux's widths and keys (MemTotal $total kB)"

# vmstat: "name value" lines, the counters of SPEC §3.
! grep -Evn '^[a-z0-9_]+ [0-9]+$' "$t/top-vmstat" || fail "vmstat lines not 'name value'"
expect_eq "$(head -n 1 "$t/top-vmstat" | cut -d' ' -f1)" nr_free_pages "vmstat first line"
for k in pgfault pgmajfault pswpin pswpout pgsteal_direct pgscan_direct pgfree oom_kill; do
	grep -q "^$k " "$t/top-vmstat" || fail "vmstat lacks $k"
done
(($(field "$t/top-vmstat" pgfault) >= 20)) || fail "vmstat pgfault below the faults taken"
ok "vmstat: one 'name value' per line, every counter of SPEC §3"

# swaps: mm/swapfile.c's header and "%*s%s\t%lu\t%s%lu\t%s%d" rows.
expect_eq "$(head -n 1 "$t/top-swaps")" $'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority' "swaps header"
swapfile=$(sed -n 's/.*vmfs: swap on \(.*\) (\(un\)\{0,1\}limited), policy .*/\1/p' "$t/top-kmsg")
[[ -n $swapfile ]] || fail "kmsg does not name the swap file: $(head -n 5 "$t/top-kmsg")"
row=$(sed -n 2p "$t/top-swaps")
read -r _ _ size used prio <<<"$row"
pad=$((${#swapfile} < 40 ? 40 - ${#swapfile} : 1))
printf -v want '%s%*s%s\t%s\t%s%s\t%s%s' "$swapfile" "$pad" ' ' $'file\t' "$size" \
	"$( ((size < 10000000)) && printf '\t')" "$used" "$( ((used < 10000000)) && printf '\t')" "$prio"
expect_eq "$row" "$want" "swaps row"
expect_eq "$(wc -l <"$t/top-swaps")" 2 "lines of swaps"
ok "swaps: header and row as mm/swapfile.c prints them"

# The top-level stat and uptime.
expect_match "$(head -n 1 "$t/top-stat")" '^cpu  [0-9]+( [0-9]+){9}$' "stat cpu line"
for k in intr ctxt btime processes procs_running procs_blocked softirq; do
	grep -q "^$k " "$t/top-stat" || fail "stat lacks $k"
done
btime=$(field "$t/top-stat" btime)
now=$(date +%s)
((btime <= now && btime > now - 600)) || fail "stat btime $btime is not a recent time (now $now)"
expect_match "$(cat "$t/top-uptime")" '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$' "uptime"
ok "stat (btime $btime) and uptime"

# kmsg: dmesg's "[SSSSS.UUUUUU] message".
! grep -Evn '^\[ *[0-9]+\.[0-9]{6}\] ' "$t/top-kmsg" || fail "kmsg lines not '[SSSSS.UUUUUU] message'"
grep -q '\] vmfs: 4096 frames' "$t/top-kmsg" || fail "kmsg does not start with the machine's size"
ok "kmsg: dmesg's format"

# A text file is seekable and each open is one snapshot: reading it in
# small pieces gives the same bytes as cat.
dd if="$mnt/$pid/smaps" bs=7 status=none | cmp - "$t/smaps" || fail "smaps read 7 bytes at a time differs"
expect_eq "$(dd if="$mnt/$pid/status" bs=1 skip=6 count=10 status=none)" "${name:0:10}" "status read at offset 6"
ok "text files read in pieces and at offsets give the same bytes"

# counters: the machine's own counters, "name value" lines in this order;
# a write by the forked child to a page it shares with its parent is one
# copy-on-write fault; clock's hand rests on a resident frame.
expect_match "$(cut -d' ' -f1 "$mnt/counters" | tr '\n' ' ')" '^cow_fault segfault tlb_hit tlb_miss clock_hand $' "counters' names"
cow0=$(field "$mnt/counters" cow_fault)
mem_write "$mnt" "$child" "$anon" <(printf z)
expect_eq "$(field "$mnt/counters" cow_fault)" $((cow0 + 1)) "counters' cow_fault after a write by the child"
expect_match "$(field "$mnt/counters" clock_hand)" '^[0-9]+$' "counters' clock_hand under clock"
[[ $(stat -c %a "$mnt/counters") == 444 ]] || fail "counters mode $(stat -c %a "$mnt/counters"), expected 444"
ok "counters: cow_fault counts the child's copy-on-write fault, clock_hand names a frame"

# buddyinfo (mm/vmstat.c frag_show_print): "Node %d, zone %8s " then
# "%6lu " for each of the 11 orders; the blocks' frames are free frames.
bi=$(cat "$mnt/buddyinfo")
expect_match "$bi" '^Node 0, zone   Normal ( {0,5}[0-9]{1,6} ){11}$' "buddyinfo format"
read -ra b <<<"${bi#*Normal}"
sum=0
for o in "${!b[@]}"; do sum=$((sum + (b[o] << o))); done
((sum * 4 <= $(field "$mnt/meminfo" MemFree))) || fail "buddyinfo: $sum free frames in blocks, more than MemFree"
((sum > 0)) || fail "buddyinfo: no free block on a machine with free frames"
[[ $(stat -c %a "$mnt/buddyinfo") == 444 ]] || fail "buddyinfo mode $(stat -c %a "$mnt/buddyinfo"), expected 444"
ok "buddyinfo: Linux's format, $sum free frames in blocks, mode 0444"

# config: "key value" lines in a fixed order, the options as mounted (the
# defaults here), the swap file the one swaps and kmsg name.
config_keys="levels va_bits frames policy tlb kernel swap swap_size max_map_count contents zero_page overcommit_memory overcommit_ratio swappiness aslr seed read_ahead_kb slice cpu_tlb hugepages hugepages_1g thp "
expect_eq "$(cut -d' ' -f1 "$t/top-config" | tr '\n' ' ')" "$config_keys" "config keys"
expect_eq "$(cat "$t/top-config")" "$(printf '%s\n' "levels 4" "va_bits 48" "frames 4096" "policy clock" \
	"tlb 64" "kernel 1048576" "swap $swapfile" "swap_size 0" "max_map_count 65530" "contents ram" \
	"zero_page 1" "overcommit_memory 1" "overcommit_ratio 50" "swappiness 60" "aslr 0" "seed 0" "read_ahead_kb 128" "slice 200000" "cpu_tlb 1" "hugepages 0" "hugepages_1g 0" "thp madvise")" "config of frames=4096"
ok "config: the defaults, frames=4096 and the swap file of swaps"

# vmfs(1) documents every file the mount has: each name below the root
# (objects/'s own aside; PID/ and task/TID/ as _PID_ and _TID_) is in the
# page in bold, *NAME* or *PATH*, and each directory's name followed by /.
man=$VMFS_SRC/man/vmfs.1.scd
undocumented=
while read -r type path; do
	base=${path##*/}
	if [[ $type == d ]]; then
		[[ $base == PID || $base == TID ]] || grep -qF "$base/" "$man" || undocumented+=" $path/"
	else
		grep -qF -e "*$base*" -e "*$path*" "$man" || undocumented+=" $path"
	fi
done < <(cd "$mnt" && find . -mindepth 1 -path ./objects/'*' -prune -o -printf '%y %P\n' |
	sed -E 's|^(. )[0-9]+/task/[0-9]+|\1PID/task/TID|; s|^(. )[0-9]+|\1PID|' | sort -u)
expect_eq "${undocumented:-none}" none "the mount's names vmfs(1) does not document"
ok "vmfs(1) documents every name of the mount"

vmfs_unmount "$mnt"
ok "unmounted; the daemon exited with status 0"

# Other options, and the policy after `policy NAME`.
mnt2=$VMFS_TMP/mnt2
opts=levels=5,frames=1100,policy=lru,tlb=8,kernel=2M,swap=none,contents=none,zero_page=0,overcommit_memory=2,overcommit_ratio=70,swappiness=5,aslr=1,seed=42,read_ahead_kb=64,slice=5000,cpu_tlb=0,hugepages=2,thp=always
vmfs_mount "$mnt2" "$opts"
expect_eq "$(cat "$mnt2/config")" "$(printf '%s\n' "levels 5" "va_bits 57" "frames 1100" "policy lru" \
	"tlb 8" "kernel 2097152" "swap none" "swap_size 0" "max_map_count 65530" "contents none" \
	"zero_page 0" "overcommit_memory 2" "overcommit_ratio 70" "swappiness 5" "aslr 1" "seed 42" "read_ahead_kb 64" "slice 5000" "cpu_tlb 0" "hugepages 2" "hugepages_1g 0" "thp always")" "config of $opts"
[[ $(stat -c %a "$mnt2/config") == 444 ]] || fail "config mode $(stat -c %a "$mnt2/config"), expected 444"
# hugepages=2: the pool in meminfo (hugetlb_report_meminfo) and sys/vm/nr_hugepages
expect_eq "$(grep -E '^(HugePages_|Hugepagesize|Hugetlb)' "$mnt2/meminfo")" "$(printf '%s\n' \
	"HugePages_Total:       2" "HugePages_Free:        2" "HugePages_Rsvd:        0" \
	"HugePages_Surp:        0" "Hugepagesize:       2048 kB" "Hugetlb:            4096 kB")" "meminfo with hugepages=2"
expect_eq "$(field "$mnt2/meminfo" MemFree)" $(((1100 - 1024) * 4)) "MemFree without the pool's frames"
expect_eq "$(cat "$mnt2/sys/vm/nr_hugepages")" 2 "sys/vm/nr_hugepages"
echo 1 >"$mnt2/sys/vm/nr_hugepages" || fail "echo 1 > sys/vm/nr_hugepages"
expect_eq "$(field "$mnt2/meminfo" HugePages_Total)" 1 "HugePages_Total after echo 1"
expect_eq "$(field "$mnt2/meminfo" MemFree)" $(((1100 - 512) * 4)) "MemFree after echo 1"
! echo 3 2>/dev/null >"$mnt2/sys/vm/nr_hugepages" || fail "echo 3 > nr_hugepages of a 1100-frame machine succeeded"
expect_eq "$(cat "$mnt2/sys/vm/nr_hugepages")" 1 "nr_hugepages after a refused write"
expect_eq "$(field "$mnt2/config" hugepages)" 1 "config hugepages after echo 1"
ok "hugepages=2: meminfo's HugePages lines, sys/vm/nr_hugepages written, a refused write changes nothing"
echo policy fifo >"$mnt2/ctl"
expect_eq "$(field "$mnt2/config" policy)" fifo "config policy after 'policy fifo'"
vmfs_unmount "$mnt2"
ok "config: levels=5, swap=none, mode 0444, and policy fifo after the switch"

mnt3=$VMFS_TMP/mnt3
vmfs_mount "$mnt3" "frames=64,swap=$t/swap.db,swap_size=1M"
expect_eq "$(cat "$mnt3/buddyinfo")" "Node 0, zone   Normal      0      0      0      0      0      0      1      0      0      0      0 " \
	"buddyinfo of a fresh 64-frame machine: one block of order 6"
expect_eq "$(sed -n 's/^swap //p' "$mnt3/config")" "$t/swap.db" "config swap with swap=PATH"
expect_eq "$(field "$mnt3/config" swap_size)" 1048576 "config swap_size with swap_size=1M"
expect_eq "$(cut -d' ' -f1 "$mnt3/config" | tr '\n' ' ')" "$config_keys" "config keys with swap=PATH"
vmfs_unmount "$mnt3"
ok "config: swap=PATH and swap_size=1M as given"
