#!/usr/bin/env bash
# test_cpu.sh - programs running on the machine's CPU, through the mount
# (issue 16): `vmfsctl run -- PROGRAM` prints what the program prints and
# exits with its status (0, 3, and 139 for a segfault, with Linux's line in
# kmsg); `vmfsctl run --stop` leaves it stopped at its entry point, where
# PID/regs holds the exec's entry and stack pointer and status says T;
# `step N` on PID/ctl moves rip; `run` answers at once with the program
# running (R; regs then EBUSY), its stdout growing and its memory (PID/mem)
# changing; `stop` answers once it is stopped (T); `run keep` leaves a
# zombie (Z, stat's exit_code the wait status) whose memory PID/mem still
# reads; bad commands (`step 0`, `run now`, run of a process with no
# program, of a zombie) fail and change nothing; sh's pipelines give the
# host's output and SIGPIPE exits 141; PID/fd/ lists a stopped program's
# open file and pipe; an unmount with a program running ends the daemon.
#
# Usage: test_cpu.sh DAEMON SOURCEDIR VMFSCTL HELLO HEAP SEGV SPIN SYS ... (cpu_pipe among them)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfsctl=$3
hello=$(readlink -f "$4")
heap=$(readlink -f "$5")
segv=$(readlink -f "$6")
spin=$(readlink -f "$7")
vmfs_init "$1" "$2"

t=$VMFS_TMP
mnt=$t/mnt
vmfs_mount "$mnt" mem=32M
export VMFS_MOUNT=$mnt

# mem_at PID ADDR BYTES: BYTES of PID/mem at ADDR, raw.
mem_at() {
	dd if="$mnt/$1/mem" bs="$3" count=1 skip="$2" iflag=skip_bytes status=none
}

# ---- vmfsctl run: output and exit status ----------------------------------------
out=$("$vmfsctl" run -- "$hello") || fail "vmfsctl run hello exited $?"
expect_eq "$out" "hello" "vmfsctl run hello's output"
ok "vmfsctl run -- hello prints hello and exits 0"

rc=0
"$vmfsctl" run -- "$heap" >"$t/heap.out" 2>"$t/heap.err" || rc=$?
expect_eq "$rc" 3 "vmfsctl run heap's exit status"
expect_eq "$(cat "$t/heap.err")" "to stderr" "heap's stderr"
expect_match "$(head -1 "$t/heap.out")" '^heap 0x[0-9a-f]+$' "heap's stdout"
ok "vmfsctl run -- heap: exit status 3, stdout and stderr apart"

rc=0
out=$("$vmfsctl" run -- "$segv") || rc=$?
expect_eq "$rc" 139 "vmfsctl run segv's exit status (128 + SIGSEGV)"
expect_eq "$out" "before" "segv's output before the fault"
grep -Eq '^\[ *[0-9.]+\] cpu_segv\[[0-9]+\]: segfault at [0-9a-f]+ ip 0000000000[0-9a-f]{6} sp 00007fff[0-9a-f]{8} error 7 in cpu_segv\[[0-9a-f]+\+[0-9a-f]+\]$' "$mnt/kmsg" ||
	fail "no segfault line with the real ip and sp in kmsg: $(grep segfault "$mnt/kmsg")"
# " in BINARY[START+SIZE]": the program's text, as readelf sees its R E segment
read -r vaddr memsz < <(readelf -lW "$segv" | awk '$1 == "LOAD" && $8 == "E" { print $3, $6 }')
text=$(printf '%x+%x' $((vaddr & ~4095)) $(((vaddr + memsz + 4095 & ~4095) - (vaddr & ~4095))))
line=$(grep 'cpu_segv.*segfault' "$mnt/kmsg" | tail -1)
expect_eq "${line##* in }" "cpu_segv[${text}]" "the segfault line's mapping"
# then show_opcodes' line: 42 bytes before the ip, the one at it (movb: c6), 21 after
grep -A1 'cpu_segv.*segfault' "$mnt/kmsg" | tail -1 |
	grep -Eq '^\[ *[0-9.]+\] Code: ([0-9a-f]{2} ){42}<c6>( [0-9a-f]{2}){21}$' ||
	fail "no Code: line after the segfault line: $(grep -A1 'cpu_segv.*segfault' "$mnt/kmsg")"
ok "vmfsctl run -- segv: 139, and kmsg's segfault line has the real ip and sp and the text's mapping, then the Code: line"
# run reaps what it ran: nothing is left (ps lists the machine's processes)
expect_eq "$("$vmfsctl" ps | awk 'NR > 1' | wc -l)" 0 "processes left after vmfsctl run"
ok "vmfsctl run reaps the processes it ran"

# ---- the host's own (dynamic) programs, byte for byte -----------------------------------
# Their libraries come through the file layer (openat, read, mmap of the
# host-file objects), their output compared with the host's own run.
random_file "$t/data" 65536
printf 'pear\napple\nfig\nbanana\n' >"$t/fruit"
host_vs_vm() {
	local want got rc=0 wrc=0
	want=$("$@" | od -An -tx1 -v) || wrc=$?
	got=$("$vmfsctl" run -- "$@" | od -An -tx1 -v) || rc=$?
	expect_eq "$rc" "$wrc" "exit status of $*"
	[[ $got == "$want" ]] || fail "$*: the output differs from the host's"
	ok "$*: output byte for byte the host's, exit status $rc"
}
for p in /usr/bin/true /usr/bin/echo /usr/bin/cat /usr/bin/sort /usr/bin/sha256sum /usr/bin/gzip /usr/bin/ls; do
	[[ -x $p ]] || fail "$p is missing"
done
host_vs_vm /usr/bin/true
host_vs_vm /usr/bin/echo hi there
host_vs_vm /usr/bin/cat "$t/data"
host_vs_vm /usr/bin/sort "$t/fruit"
host_vs_vm /usr/bin/sha256sum "$t/data"
host_vs_vm /usr/bin/gzip -c "$t/data"
host_vs_vm /usr/bin/ls "$VMFS_SRC/src"
# a shell forks, execs and waits for its commands in the machine (a script:
# vmfsctl run's arguments hold no blanks)
printf 'echo one\n/usr/bin/echo two\nls /usr/bin/true\nexit 3\n' >"$t/script.sh"
host_vs_vm /usr/bin/sh "$t/script.sh"
if [[ -x /usr/bin/python3 ]]; then
	host_vs_vm /usr/bin/python3 -c 'print(6*7)'
fi
rc=0
"$vmfsctl" run -- /usr/bin/cat /no/such/file 2>"$t/cat.err" || rc=$?
expect_eq "$rc" 1 "cat of a missing file's status"
expect_eq "$(cat "$t/cat.err")" "/usr/bin/cat: /no/such/file: No such file or directory" "cat's complaint"
ok "cat of a missing file: 1 and its message, as on the host"
# two processes map libc's text from one page cache: the same frames
"$vmfsctl" run --keep -- /usr/bin/true
"$vmfsctl" run --keep -- /usr/bin/echo
read -r pid1 pid2 < <("$vmfsctl" ps | awk 'NR > 1 { print $1 }' | tail -2 | xargs)
range=$(awk '$6 ~ /libc\.so/ && $2 == "r-xp" { print $1; exit }' "$mnt/$pid1/maps")
[[ -n $range ]] || fail "no libc text in a kept true's maps"
expect_eq "$(awk '$6 ~ /libc\.so/ && $2 == "r-xp" { print $1; exit }' "$mnt/$pid2/maps")" "$range" \
	"libc's text in echo"
lo=$((0x${range%-*} >> 12)) hi=$((0x${range#*-} >> 12))
pm_range() { dd if="$mnt/$1/pagemap" bs=8 skip="$lo" count=$((hi - lo)) status=none | od -An -tu8 -v | tr -s ' ' '\n' | grep .; }
shared=$(paste <(pm_range "$pid1") <(pm_range "$pid2") | awk '
	function present(e) { return e >= 9223372036854775808 }
	present($1) && present($2) { n++; if ($1 != $2) bad++ } END { print n + 0, bad + 0 }')
read -r both differ <<<"$shared"
((both > 10 && differ == 0)) || fail "libc text pages present in both: $both, with different frames: $differ"
ok "true and echo run libc's text from the same $both frames (one page cache)"
"$vmfsctl" kill "$pid1" "$pid2"

# ---- --stop, regs, step ---------------------------------------------------------------
pid=$("$vmfsctl" run --stop -- "$spin")
expect_match "$pid" '^[1-9][0-9]*$' "vmfsctl run --stop's answer"
expect_eq "$(awk '/^State:/ { print $2, $3 }' "$mnt/$pid/status")" "T (stopped)" \
	"State of a loaded program"
rip=$(awk '$1 == "rip" { print $2 }' "$mnt/$pid/regs")
rsp=$(awk '$1 == "rsp" { print $2 }' "$mnt/$pid/regs")
entry=$(readelf -h "$spin" | awk '/Entry point/ { print $4 }')
expect_eq "$((rip))" "$((entry))" "rip at the entry point"
startstack=$(awk '{ print $28 }' "$mnt/$pid/stat")
expect_eq "$((rsp))" "$startstack" "rsp at stat's startstack"
expect_eq "$(wc -l <"$mnt/$pid/regs")" 20 "lines of regs"
ok "run --stop: T, regs at the exec's entry and startstack"

ctl "$mnt/$pid/ctl" "step 1" >/dev/null
rip1=$(awk '$1 == "rip" { print $2 }' "$mnt/$pid/regs")
[[ $rip1 != "$rip" ]] || fail "step 1 left rip at $rip"
ok "step 1 moves rip ($rip -> $rip1)"

refused "$mnt/$pid/ctl" "step 0" "Invalid argument" '^error: .*0 instructions'
refused "$mnt/$pid/ctl" "run now" "Invalid argument" "^error: run: 'now' is not keep"
expect_eq "$(awk '$1 == "rip" { print $2 }' "$mnt/$pid/regs")" "$rip1" "rip after refused commands"
plain=$(spawn "$mnt" plain)
refused "$mnt/$plain/ctl" "run" "Invalid argument" '^error: .*no program'
expect_eq "$(cat "$mnt/$plain/regs")" "" "regs of a process with no program"
ok "step 0, run now, run without a program: refused, nothing changed"

# ---- run, memory while it runs, stop ---------------------------------------------------
ctl "$mnt/$pid/ctl" "run" >/dev/null
expect_eq "$(awk '/^State:/ { print $2 }' "$mnt/$pid/status")" "R" "State while running"
expect_eq "$(awk '{ print $3 }' "$mnt/$pid/stat")" "R" "stat's state while running"
cat "$mnt/$pid/regs" 2>"$t/regs.err" && fail "regs were readable while running"
grep -q 'busy' "$t/regs.err" || fail "regs while running: $(cat "$t/regs.err")"
for _ in $(seq 200); do
	grep -q '^counter 0x' "$mnt/$pid/stdout" && break
	sleep 0.05
done
counter=$(awk '{ print $2 }' "$mnt/$pid/stdout")
expect_match "$counter" '^0x[0-9a-f]+$' "spin's stdout"
c1=$(mem_at "$pid" "$((counter))" 8 | od -An -tu8 | tr -d ' ')
sleep 0.2
c2=$(mem_at "$pid" "$((counter))" 8 | od -An -tu8 | tr -d ' ')
((c2 > c1)) || fail "the counter did not move in PID/mem while running ($c1, $c2)"
ok "run: R, regs busy, stdout written, the counter rising in PID/mem ($c1 -> $c2)"

ctl "$mnt/$pid/ctl" "stop" >/dev/null
expect_eq "$(awk '/^State:/ { print $2 }' "$mnt/$pid/status")" "T" "State after stop"
c1=$(mem_at "$pid" "$((counter))" 8 | od -An -tu8 | tr -d ' ')
sleep 0.1
c2=$(mem_at "$pid" "$((counter))" 8 | od -An -tu8 | tr -d ' ')
expect_eq "$c2" "$c1" "the counter after stop"
grep -q '^rip ' "$mnt/$pid/regs" || fail "no regs after stop"
ok "stop: T, the counter still, regs readable"

# ---- run keep: a zombie to inspect ---------------------------------------------------
kpid=$("$vmfsctl" run --stop -- "$heap")
ctl "$mnt/$kpid/ctl" "run keep" >/dev/null
for _ in $(seq 200); do
	[[ $(awk '{ print $3 }' "$mnt/$kpid/stat") == Z ]] && break
	sleep 0.05
done
expect_eq "$(awk '/^State:/ { print $2, $3 }' "$mnt/$kpid/status")" "Z (zombie)" "State after exit"
expect_eq "$(awk '{ print $NF }' "$mnt/$kpid/stat")" "$((3 << 8))" "stat's exit_code"
addr=$(awk '$1 == "heap" { print $2 }' "$mnt/$kpid/stdout")
expect_eq "$(mem_at "$kpid" "$((addr))" 16)" "vmfs-heap-marker" "the heap marker in PID/mem"
refused "$mnt/$kpid/ctl" "run" "No such process" '^error: .*exited'
ok "run keep: Z, exit_code 768, the heap's marker in PID/mem, run refused"
"$vmfsctl" kill "$kpid"
[[ -e $mnt/$kpid ]] && fail "the zombie is still there after kill"
ok "kill reaps the zombie"

# ---- pipes: a shell's pipelines, PID/fd/ -------------------------------------------------
# the pipe program is the argument named cpu_pipe (the programs come in meson's order)
pipeprog=
for a in "$@"; do [[ $a == */cpu_pipe ]] && pipeprog=$(readlink -f "$a"); done
[[ -n $pipeprog ]] || fail "no cpu_pipe among the arguments"
# sh's pipes are pipes in the machine: fork, pipe, dup2, exec, wait (an
# argument with blanks goes to exec quoted; and from script files)
host_vs_vm /usr/bin/sh -c 'echo hi | tr a-z A-Z'
host_vs_vm /usr/bin/echo '' 'two  blanks' "it's"
# exec 1>&2: fd 1 is an ordinary fd, dup2'ed onto stderr's open file
rc=0
"$vmfsctl" run -- /usr/bin/sh -c 'echo out; exec 1>&2; echo err' >"$t/sh.out" 2>"$t/sh.err" || rc=$?
expect_eq "$rc:$(cat "$t/sh.out"):$(cat "$t/sh.err")" "0:out:err" "sh's exec 1>&2"
ok "sh -c 'echo out; exec 1>&2; echo err': out on stdout, err on stderr"
# exec's quoted words on PID/ctl: a quote not closed is refused
qpid=$(spawn "$mnt" quoted)
refused "$mnt/$qpid/ctl" "exec /usr/bin/echo 'a b" "Invalid argument" '^error: a quoted word'
ctl "$mnt/$qpid/ctl" "exit" >/dev/null
ok "exec on PID/ctl: a quoted word not closed is refused"
printf 'echo hi | tr a-z A-Z\n' >"$t/pipe1.sh"
host_vs_vm /usr/bin/sh "$t/pipe1.sh"
host_vs_vm /usr/bin/sh -c "cat $t/data | sort | sha256sum"
if [[ -x /usr/bin/python3 ]]; then
	# sh finds python3 on its own default PATH (no PATH in the environment:
	# python's start-up then opens relative to AT_FDCWD as a 32-bit int)
	host_vs_vm /usr/bin/sh -c 'python3 -c "print(1); print(2)" | sort -r'
fi
rc=0
out=$("$vmfsctl" run -- "$pipeprog" sigpipe) || rc=$?
expect_eq "$rc" 141 "vmfsctl run of a write to a pipe with no reader (128 + SIGPIPE)"
expect_eq "$(head -2 <<<"$out")" "$(printf 'null-write 0 0\nchild signaled 1 sig 13')" "the sigpipe program's output"
expect_eq "$(tail -1 <<<"$out")" "parent writes" "the sigpipe program's last line"
ok "a write to a pipe with no reader: SIGPIPE, in the child (wait sees 13) and the parent (141)"
# a read of a pipe only the reader writes: nothing can wake it; the run ends, kmsg says so
rc=0
"$vmfsctl" run -- "$pipeprog" deadlock >"$t/dead.out" 2>&1 || rc=$?
expect_eq "$rc" 1 "vmfsctl run of a program that sleeps for ever"
grep -Eq 'INFO: task cpu_pipe:[0-9]+ blocked with nothing of its run to wake it' "$mnt/kmsg" ||
	fail "no INFO: task line in kmsg: $(tail -3 "$mnt/kmsg")"
dpid=$("$vmfsctl" ps | awk '$2 == "cpu_pipe" { print $1 }' | tail -1)
expect_eq "$(awk '/^State:/ { print $2 }' "$mnt/$dpid/status")" "T" "State of the sleeper after the run"
"$vmfsctl" kill "$dpid"
ok "a pipe read nothing can wake: the run ends (vmfsctl exits 1), T, kmsg's INFO: task line"
# PID/fd/ of a program stopped with a file and a pipe open
fpid=$("$vmfsctl" run --stop -- "$pipeprog" hold)
expect_eq "$(ls "$mnt/$fpid/fd" | xargs)" "0 1 2" "PID/fd/ of a loaded program"
ctl "$mnt/$fpid/ctl" "run" >/dev/null
for _ in $(seq 200); do
	grep -q '^ready' "$mnt/$fpid/stdout" && break
	sleep 0.05
done
ctl "$mnt/$fpid/ctl" "stop" >/dev/null
expect_eq "$(cat "$mnt/$fpid/stdout")" "ready 3 4 5" "the hold program's fds"
expect_eq "$(ls "$mnt/$fpid/fd" | xargs)" "0 1 2 3 4 5" "PID/fd/ with a file and a pipe open"
expect_eq "$(readlink "$mnt/$fpid/fd/0")" "/dev/null" "fd 0's link"
expect_eq "$(readlink "$mnt/$fpid/fd/1")" "stdout:[$fpid]" "fd 1's link"
expect_eq "$(readlink "$mnt/$fpid/fd/2")" "stderr:[$fpid]" "fd 2's link"
expect_eq "$(readlink "$mnt/$fpid/fd/3")" "$pipeprog" "fd 3's link: the file's path"
expect_match "$(readlink "$mnt/$fpid/fd/4")" '^pipe:\[[0-9]+\]$' "fd 4's link"
expect_eq "$(readlink "$mnt/$fpid/fd/5")" "$(readlink "$mnt/$fpid/fd/4")" "both ends of the pipe"
ls -l "$mnt/$fpid/fd" | grep -q ' 4 -> pipe:\[' || fail "ls -l PID/fd: $(ls -l "$mnt/$fpid/fd")"
[[ -e $mnt/$fpid/fd/6 ]] && fail "PID/fd/6 exists"
[[ -e $mnt/$fpid/fd/03 ]] && fail "PID/fd/03 exists"
ls -l "$mnt/$fpid/fd" | grep -q '^lr-x------ .* 4 -> pipe:' || fail "the read end's mode: $(ls -l "$mnt/$fpid/fd")"
ls -l "$mnt/$fpid/fd" | grep -q '^l-wx------ .* 5 -> pipe:' || fail "the write end's mode: $(ls -l "$mnt/$fpid/fd")"
ok "PID/fd/: one link per open fd (ls -l, readlink): the file's path, pipe:[N] for both ends, lr-x/l-wx"
expect_eq "$(ls "$mnt/$fpid/fdinfo" | xargs)" "0 1 2 3 4 5" "PID/fdinfo/"
expect_eq "$(cat "$mnt/$fpid/fdinfo/3")" "$(printf 'pos:\t5\nflags:\t0100000\nmnt_id:\t0\nino:\t%s' "$(stat -c %i "$pipeprog")")" \
	"fdinfo of the file at offset 5"
pino=$(readlink "$mnt/$fpid/fd/4" | tr -dc 0-9)
expect_eq "$(cat "$mnt/$fpid/fdinfo/5")" "$(printf 'pos:\t0\nflags:\t02000001\nmnt_id:\t0\nino:\t%s' "$pino")" \
	"fdinfo of the close-on-exec write end"
[[ -e $mnt/$fpid/fdinfo/6 ]] && fail "PID/fdinfo/6 exists"
ok "PID/fdinfo/N: Linux's pos, flags (O_CLOEXEC, O_WRONLY, O_LARGEFILE) and ino lines"
"$vmfsctl" kill "$fpid"

# ---- unmount with a program running ----------------------------------------------------
ctl "$mnt/$pid/ctl" "run" >/dev/null
vmfs_unmount "$mnt"
ok "unmount with a program running: the daemon ended"
