#!/usr/bin/env bash
# test_exec.sh - exec of real host programs (issue 14): `vmfsctl spawn demo
# -- /usr/bin/ls -l /tmp` makes a process whose maps has the same mappings,
# in the same order, with the same names and permissions, as /proc/PID/maps
# of the real ls stopped at its entry point with randomisation off
# (exec_stop, tests/exec), apart from [vvar], [vvar_vclock], [vdso] and
# [vsyscall], which the machine does not have; likewise sh, python3 and
# the static and static-PIE programs the suite builds.  The addresses are
# compared too (both sides lay out as Linux does with setarch -R).  Two
# processes that exec the same program share its text frames (pagemap);
# the stack at the initial stack pointer (startstack of PID/stat) holds
# argc and argv; exec errors (ENOENT, EACCES, ENOEXEC for a text file and a
# truncated ELF, E2BIG) fail and leave the old image as it was; brk grows
# a [heap].
#
# Usage: test_exec.sh DAEMON SOURCEDIR VMFSCTL EXEC_STOP [STATIC STATIC_PIE]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfsctl=$3
exec_stop=$4
static=${5:-}
static_pie=${6:-}
vmfs_init "$1" "$2"

mnt=$VMFS_TMP/mnt
t=$VMFS_TMP
vmfs_mount "$mnt"
export VMFS_MOUNT=$mnt

# The host's maps of PATH ARGS stopped at its entry: start-end perms name.
host_maps() {
	"$exec_stop" maps "$@" >"$t/host.raw" || { rc=$?; [ $rc = 77 ] && { note "no ptrace: skipped"; exit 77; }; fail "exec_stop $*"; }
	awk '$6 !~ /^\[(vvar|vvar_vclock|vdso|vsyscall)\]$/ { print $1, $2, ($6 == "[heap]" ? "" : $6) }' "$t/host.raw"
}
# Linux 6.1 names the bss mapping next to the brk [heap]; since 6.5 a page
# lies between them and it has no name: compare without [heap].
vm_maps() {
	awk '{ print $1, $2, ($6 == "[heap]" ? "" : $6) }' "$mnt/$1/maps"
}

compare() {
	local name=$1
	shift
	local pid
	pid=$("$vmfsctl" spawn "$name" -- "$@") || fail "vmfsctl spawn $name -- $*"
	host_maps "$@" >"$t/host"
	vm_maps "$pid" >"$t/vm"
	if ! diff -u "$t/host" "$t/vm"; then
		cat "$t/host.raw"
		fail "$*: the machine's maps differ from the host's at the entry point"
	fi
	ok "$*: maps equal the host's at its entry point ($(wc -l <"$t/vm") mappings)"
	last_pid=$pid
}

compare demo /usr/bin/ls -l /tmp
ls_pid=$last_pid
compare sh /bin/sh -c true
if [ -x /usr/bin/python3 ]; then
	compare py /usr/bin/python3 -c pass
fi
if [ -n "$static" ] && [ -x "$static" ]; then compare st "$static"
else note "no static program (the toolchain lacks -static)"; fi
if [ -n "$static_pie" ] && [ -x "$static_pie" ]; then compare sp "$static_pie"
else note "no static-PIE program (the toolchain lacks -static-pie)"; fi

# comm and the names.
expect_eq "$(cat "$mnt/$ls_pid/comm")" "ls" "comm after exec"
grep -q '\[stack\]$' "$mnt/$ls_pid/maps" || fail "no [stack] in maps"
ok "comm is ls, maps names [stack]"

# The stack at startstack: argc 3, argv[0] "/usr/bin/ls".
read -r -a st <"$mnt/$ls_pid/stat"
sp=${st[27]}
argc=$(dd if="$mnt/$ls_pid/mem" bs=1 skip="$sp" count=8 iflag=skip_bytes status=none | od -An -tu8 | tr -d ' ')
expect_eq "$argc" 3 "argc at startstack"
argv0=$(dd if="$mnt/$ls_pid/mem" bs=1 skip="$((sp + 8))" count=8 iflag=skip_bytes status=none | od -An -tu8 | tr -d ' ')
s=$(dd if="$mnt/$ls_pid/mem" bs=1 skip="$argv0" count=11 iflag=skip_bytes status=none)
expect_eq "$s" "/usr/bin/ls" "argv[0] through mem"
ok "startstack $sp: argc 3, argv[0] /usr/bin/ls"

# auxv: AT_PAGESZ 4096 and AT_ENTRY in Linux's binary format.
od -An -tu8 -w16 "$mnt/$ls_pid/auxv" >"$t/auxv"
grep -Eq '^ +6 +4096$' "$t/auxv" || { cat "$t/auxv"; fail "auxv has no AT_PAGESZ 4096"; }
ok "auxv holds AT_PAGESZ 4096"

# Two processes share ls's text frames; the object is under objects/.
pid2=$("$vmfsctl" spawn demo2 -- /usr/bin/ls)
text=$(awk '$2 == "r-xp" && $6 == "/usr/bin/ls" { split($1, a, "-"); print a[1]; exit }' "$mnt/$ls_pid/maps")
mem_read "$mnt" "$ls_pid" "0x$text" 4096 >/dev/null
mem_read "$mnt" "$pid2" "0x$text" 4096 >/dev/null
e1=$(pagemap "$mnt" "$ls_pid" "0x$text")
e2=$(pagemap "$mnt" "$pid2" "0x$text")
pm_present "$e1" || fail "text page not present after a read"
expect_eq "$((e1 & ((1 << 55) - 1)))" "$((e2 & ((1 << 55) - 1)))" "text PFN of both processes"
[ -f "$mnt/objects/%2Fusr%2Fbin%2Fls" ] || fail "no objects/%2Fusr%2Fbin%2Fls"
cmp <(head -c 4096 /usr/bin/ls) <(head -c 4096 "$mnt/objects/%2Fusr%2Fbin%2Fls") || fail "object bytes differ from the host file"
ok "two processes share ls's text frame; objects/%2Fusr%2Fbin%2Fls reads as the file"

# Errors leave the old image untouched.
before=$(cat "$mnt/$pid2/maps")
printf 'hello\n' >"$t/text"; chmod +x "$t/text"
head -c 100 /usr/bin/ls >"$t/trunc"; chmod +x "$t/trunc"
printf 'no x\n' >"$t/nox"
for c in "/nonexistent/prog:No such file" "$t/nox:Permission denied" "$t/text:Exec format" "$t/trunc:Exec format" "/tmp:Permission denied"; do
	path=${c%%:*}
	if vmfs_tx "$mnt/$pid2/ctl" "exec $path"; then fail "exec $path succeeded"; fi
	expect_eq "$(cat "$mnt/$pid2/maps")" "$before" "maps after the failed exec $path"
done
ok "exec of a missing, non-executable, text, truncated file and a directory fail; maps unchanged"

# brk: grows a [heap], shrinks back.
b0=${st[46]}
b1=$(ctl "$mnt/$ls_pid/ctl" "brk $((b0 + 20000))")
expect_eq "$((b1))" "$((b0 + 20000))" "brk answer"
grep -q '\[heap\]$' "$mnt/$ls_pid/maps" || fail "no [heap] after brk"
b2=$(ctl "$mnt/$ls_pid/ctl" "brk $b0")
expect_eq "$((b2))" "$b0" "brk back"
ok "brk grows a [heap] and shrinks it"
