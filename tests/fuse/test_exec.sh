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
# truncated ELF) fail and leave the old image as it was; status shows the
# stack and text sizes; stat's addresses, the auxv and VmExe/VmStk equal
# the host's ls run with an empty environment; brk grows a [heap].
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
# Linux 6.1 names a bss mapping that ends at the break [heap] (start <= brk,
# end >= start_brk), as the machine does; later kernels (the host may run
# one) test strictly and leave it unnamed: compare without [heap].
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

# Each host file in maps on the device and inode stat(2) gives it.
# (glibc's makedev of maps's major:minor against stat's st_dev.)
while read -r dev ino path; do
	read -r sdev sino < <(stat -L -c '%d %i' "$path")
	maj=$((16#${dev%%:*})) min=$((16#${dev##*:}))
	expect_eq "$(((min & 0xff) | ((maj & 0xfff) << 8) | ((min & ~0xff) << 12) | ((maj & ~0xfff) << 32))) $ino" \
		"$sdev $sino" "maps: device and inode of $path"
done < <(awk '$6 ~ /^\// { print $4, $5, $6 }' "$mnt/$ls_pid/maps" | sort -u)
ok "maps shows each host file on its own device and inode"

# The stack at startstack: argc 3, argv[0] "/usr/bin/ls".
read -r -a st <"$mnt/$ls_pid/stat"
sp=${st[27]}
argc=$(dd if="$mnt/$ls_pid/mem" bs=1 skip="$sp" count=8 iflag=skip_bytes status=none | od -An -tu8 | tr -d ' ')
expect_eq "$argc" 3 "argc at startstack"
argv0=$(dd if="$mnt/$ls_pid/mem" bs=1 skip="$((sp + 8))" count=8 iflag=skip_bytes status=none | od -An -tu8 | tr -d ' ')
s=$(dd if="$mnt/$ls_pid/mem" bs=1 skip="$argv0" count=11 iflag=skip_bytes status=none)
expect_eq "$s" "/usr/bin/ls" "argv[0] through mem"
ok "startstack $sp: argc 3, argv[0] /usr/bin/ls"

# status and statm as task_mem: the 132 KiB stack (128 KiB and the strings'
# page), the text from startcode to endcode.
expect_eq "$(awk '$1 == "VmStk:" { print $2 }' "$mnt/$ls_pid/status")" 132 "VmStk"
text_kb=$(( ((st[26] + 4095) / 4096 * 4096 - st[25] / 4096 * 4096) / 1024 ))
expect_eq "$(awk '$1 == "VmExe:" { print $2 }' "$mnt/$ls_pid/status")" "$text_kb" "VmExe"
read -r -a sm <"$mnt/$ls_pid/statm"
expect_eq "${sm[3]}" "$((text_kb / 4))" "statm text"
ok "status VmStk 132 kB, VmExe and statm text $text_kb kB from startcode/endcode"

# auxv: AT_PAGESZ 4096 and AT_ENTRY in Linux's binary format.
od -An -tu8 -w16 "$mnt/$ls_pid/auxv" >"$t/auxv"
grep -Eq '^ +6 +4096$' "$t/auxv" || { cat "$t/auxv"; fail "auxv has no AT_PAGESZ 4096"; }
ok "auxv holds AT_PAGESZ 4096"

# The host's ls with an empty environment (ctl's exec passes none): the
# same strings give the same stack above the tables, so stat's code, data,
# brk, argument and environment addresses, AT_PHDR, AT_PHENT, AT_PHNUM,
# AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_CLKTCK, AT_SECURE, AT_RANDOM,
# AT_EXECFN and AT_PLATFORM, and VmExe and VmStk, are the host's.  Not
# startstack: Linux 6.3+ adds AT_RSEQ_* (and the host has AT_SYSINFO_EHDR),
# which move the tables.
host_file() {
	env -i "$exec_stop" "$@" || { rc=$?; [ $rc = 77 ] && { note "no ptrace: skipped"; exit 77; }; fail "exec_stop $*"; }
}
host_file stat /usr/bin/ls -l /tmp >"$t/hstat"
read -r -a hst <"$t/hstat"
for i in 25 26 44 45 46 47 48 49 50; do
	expect_eq "${st[$i]}" "${hst[$i]}" "stat field $((i + 1))"
done
host_file auxv /usr/bin/ls -l /tmp | od -An -tu8 -w16 -v >"$t/hauxv"
pick='$1 ~ /^(3|4|5|6|7|8|9|17|23|25|31|15)$/ { print $1, $2 }'
awk "$pick" "$t/hauxv" | sort -n >"$t/ha"
od -An -tu8 -w16 -v "$mnt/$ls_pid/auxv" | awk "$pick" | sort -n >"$t/va"
diff -u "$t/ha" "$t/va" || fail "auxv differs from the host's"
host_file status /usr/bin/ls -l /tmp >"$t/hstatus"
for k in VmExe VmStk; do
	expect_eq "$(awk -v k="$k:" '$1 == k { print $2 }' "$mnt/$ls_pid/status")" \
		"$(awk -v k="$k:" '$1 == k { print $2 }' "$t/hstatus")" "$k"
done
ok "stat's code/data/brk/arg/env addresses, 12 auxv entries, VmExe and VmStk equal the host's"

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

# sys/kernel/randomize_va_space: Linux's kernel.randomize_va_space (0644),
# 0 by default (aslr=0); each exec reads it: 1 randomises the stack and
# the mmap and PIE bases, but the brk stays at the end of the bss (ls is a
# PIE: it moves with the base), 2 randomises the brk too; a bad value is
# EINVAL and changes nothing; config's aslr follows it.
rva=$mnt/sys/kernel/randomize_va_space
expect_eq "$(stat -c %a "$rva") $(cat "$rva")" "644 0" "mode and default of randomize_va_space"
expect_eq "$(field "$mnt/config" aslr) $(field "$mnt/config" seed)" "0 0" "config's aslr and seed"
for bad in 3 -1 x; do
	if { printf '%s' "$bad" >"$rva"; } 2>"$t/rva.err"; then fail "randomize_va_space '$bad' accepted"; fi
	grep -q "Invalid argument" "$t/rva.err" || fail "randomize_va_space '$bad': $(cat "$t/rva.err"), not EINVAL"
done
expect_eq "$(cat "$rva")" 0 "randomize_va_space after bad writes"
exec_stat() {   # exec_stat NAME: startstack, and start_brk less startcode, of a new ls
	local p
	p=$("$vmfsctl" spawn "$1" -- /usr/bin/ls -l /tmp) || fail "vmfsctl spawn $1"
	read -r -a est <"$mnt/$p/stat"
	echo "${est[27]} $((est[46] - est[25]))"
}
read -r sp0 brk0 < <(exec_stat r0)
expect_eq "$sp0 $brk0" "${st[27]} $((st[46] - st[25]))" "startstack and the brk with 0"
printf 1 >"$rva" || fail "writing randomize_va_space 1"
expect_eq "$(cat "$rva") $(field "$mnt/config" aslr)" "1 1" "randomize_va_space 1, config's aslr"
read -r sp1 brk1 < <(exec_stat r1)
[ "$sp1" != "$sp0" ] || fail "randomize_va_space 1: startstack $sp1 not randomised"
expect_eq "$brk1" "$brk0" "randomize_va_space 1: the brk at the end of the bss"
printf 2 >"$rva" || fail "writing randomize_va_space 2"
read -r sp2 brk2 < <(exec_stat r2)
[ "$sp2" != "$sp0" ] && [ "$brk2" != "$brk0" ] || fail "randomize_va_space 2: startstack $sp2, brk offset $brk2 not randomised (0: $sp0 $brk0)"
printf 0 >"$rva" || fail "writing randomize_va_space 0"
expect_eq "$(exec_stat r3)" "$sp0 $brk0" "randomize_va_space 0 again: setarch -R's layout"
ok "sys/kernel/randomize_va_space: 0644, 0 by default, 1 randomises the stack, 2 the brk too, bad values EINVAL"

# root=DIR: exec resolves the program and its PT_INTERP under DIR, as a
# process chrooted there; maps and objects name them as the process sees
# them; a link that climbs out with .. stays inside; a path the host has
# but the root not is ENOENT.  A relative DIR is taken from where vmfs was
# started.
mkdir -p "$t/root/usr/bin" "$t/root/lib64" "$t/root/d"
cp /usr/bin/ls "$t/root/usr/bin/ls"
cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$t/root/lib64/ld-linux-x86-64.so.2"
ln -s ../../../../../../usr/bin/ls "$t/root/d/up"
ln -s /bin/sh "$t/root/d/out"
mnt3=$t/mnt3
pushd "$t" >/dev/null
vmfs_mount "$mnt3" "root=root"
popd >/dev/null
rp=$(spawn "$mnt3" chrooted)
expect_eq "$(ctl "$mnt3/$rp/ctl" "exec /d/up -l")" ok "exec of a link that climbs out of the root"
expect_eq "$(awk '$6 ~ /^\// { print $6 }' "$mnt3/$rp/maps" | sort -u | tr '\n' ' ')" \
	"/lib64/ld-linux-x86-64.so.2 /usr/bin/ls " "names in maps under root="
[ -e "$mnt3/objects/%2Fusr%2Fbin%2Fls" ] && [ -e "$mnt3/objects/%2Flib64%2Fld-linux-x86-64.so.2" ] ||
	fail "objects under root=: $(ls "$mnt3/objects")"
cmp "$mnt3/objects/%2Fusr%2Fbin%2Fls" /usr/bin/ls || fail "the root's ls read through objects/"
before=$(cat "$mnt3/$rp/maps")
for c in "/bin/sh" "/d/out" "$t/root/usr/bin/ls"; do
	if vmfs_tx "$mnt3/$rp/ctl" "exec $c"; then fail "exec $c under root= succeeded"; fi
	expect_match "$TX_ERROR" "No such file" "exec $c under root="
done
expect_eq "$(cat "$mnt3/$rp/maps")" "$before" "maps after the failed execs under root="
vmfs_unmount "$mnt3"
ok "root=DIR (relative to vmfs's directory): exec resolves the program and ld.so inside it, named as inside; a host path outside is ENOENT"
