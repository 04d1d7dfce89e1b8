#!/usr/bin/env bash
# test_stdin.sh - a program's standard input given from outside, through
# the mount (issue 16, vmfs_input since 0.7): `vmfsctl run -- sort < FILE`
# (200 KiB, more than the machine's 64 KiB pipe) prints byte for byte what
# the host's sort prints; a pipeline into `vmfsctl run -- sh -c 'cat | tr
# a-z A-Z'` reaches a forked child; `vmfsctl run -n` gives the program
# none (and leaves ours unread); on a terminal (python3's pty) a typed
# line reaches cat and Ctrl-D ends it; PID/stdin of a program loaded with --stop
# then run: held open it is the program's open, empty input (State S, not
# a spin), `cat FILE > PID/stdin` delivers every byte, its last close is
# EOF; stop while it sleeps on it, run again; PID/stdin is write-only
# (0200, reading EACCES), not in task/TID/, and after EOF an open is EPIPE.
#
# Usage: test_stdin.sh DAEMON SOURCEDIR VMFSCTL
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfsctl=$3
vmfs_init "$1" "$2"

t=$VMFS_TMP
mnt=$t/mnt
vmfs_mount "$mnt" mem=32M
export VMFS_MOUNT=$mnt
for p in /usr/bin/sort /usr/bin/cat /usr/bin/sh /usr/bin/tr; do
	[[ -x $p ]] || fail "$p is missing"
done

# state PID: PID/status's State letter.
state() { awk '/^State:/ { print $2 }' "$mnt/$1/status"; }

# wait_state PID LETTER: until PID's state is LETTER (10 s at most).
wait_state() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[[ $(state "$1") == "$2" ]] && return 0
		sleep 0.01
	done
	fail "process $1 never reached state $2 (it is $(state "$1"))"
}

# ---- vmfsctl run with our stdin --------------------------------------------------------
awk 'BEGIN { srand(7); for (i = 0; i < 9000; i++) printf "%08x line %d of the input\n", int(rand() * 4294967295), i }' >"$t/lines"
size=$(stat -c %s "$t/lines")
((size > 200000)) || fail "the input is only $size bytes"
LC_ALL=C /usr/bin/sort <"$t/lines" >"$t/sort.host"   # the machine's programs get no locale
"$vmfsctl" run -- /usr/bin/sort <"$t/lines" >"$t/sort.vm" || fail "vmfsctl run sort < FILE exited $?"
cmp -s "$t/sort.host" "$t/sort.vm" || fail "sort < FILE: the output differs from the host's"
ok "vmfsctl run -- sort < FILE ($size bytes): byte for byte the host's"

out=$(printf 'hello\nworld\n' | "$vmfsctl" run -- /usr/bin/sh -c 'cat | tr a-z A-Z') ||
	fail "the pipeline exited $?"
expect_eq "$out" $'HELLO\nWORLD' "printf | vmfsctl run -- sh -c 'cat | tr a-z A-Z'"
ok "printf | vmfsctl run -- sh -c 'cat | tr a-z A-Z': the forked cat reads our input"

out=$("$vmfsctl" run -- /usr/bin/cat </dev/null) || fail "cat < /dev/null exited $?"
expect_eq "$out" "" "vmfsctl run -- cat < /dev/null"
out=$(printf 'ours\n' | { "$vmfsctl" run -n -- /usr/bin/cat && echo "rc $?" && /usr/bin/cat; }) ||
	fail "vmfsctl run -n exited $?"
expect_eq "$out" $'rc 0\nours' "vmfsctl run -n -- cat, then our cat"
out=$(printf 'ours\n' | "$vmfsctl" run --no-stdin -- /usr/bin/cat) || fail "--no-stdin exited $?"
expect_eq "$out" "" "vmfsctl run --no-stdin -- cat"
ok "vmfsctl run -n -- cat prints nothing, exits 0, and leaves our input unread"

# a terminal: what the user types reaches the program a line at a time, Ctrl-D ends it
if [[ -x /usr/bin/python3 ]]; then
	python3 - "$vmfsctl" <<'PY' || fail "vmfsctl run -- cat on a terminal"
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "run", "--", "/usr/bin/cat"])
def until(want, secs=20):
    seen, end = b"", time.time() + secs
    while time.time() < end:
        try:
            seen += os.read(fd, 4096)
        except OSError:
            break
        if seen.count(want) >= 2:          # the terminal's echo, then cat's line
            return
    sys.exit("never saw %r twice: %r" % (want, seen))
os.write(fd, b"typed line\n")
until(b"typed line\r\n")
os.write(fd, b"\x04")                     # Ctrl-D: end of file
_, status = os.waitpid(pid, 0)
sys.exit(0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else "exit status %r" % status)
PY
	ok "vmfsctl run -- cat on a terminal: a typed line comes back, Ctrl-D ends it (exit 0)"
fi

# ---- PID/stdin by hand: --stop, then run ------------------------------------------------
random_file "$t/data" 300000
pid=$("$vmfsctl" run --stop -- /usr/bin/cat)
expect_eq "$(stat -c %a "$mnt/$pid/stdin")" 200 "PID/stdin's mode"
grep -qx stdin <<<"$(cd "$mnt/$pid" && printf '%s\n' *)" || fail "PID/ does not list stdin"
grep -qx stdin <<<"$(cd "$mnt/$pid/task/$pid" && printf '%s\n' *)" && fail "task/TID/ lists stdin"
[[ -e $mnt/$pid/task/$pid/stdin ]] && fail "task/TID/stdin exists"
cat "$mnt/$pid/stdin" 2>"$t/read.err" && fail "reading PID/stdin worked"
grep -q "Permission denied" "$t/read.err" || fail "reading PID/stdin: $(cat "$t/read.err")"
expect_eq "$(readlink "$mnt/$pid/fd/0")" "/dev/null" "fd 0 before any input"
exec 3>"$mnt/$pid/stdin"                       # the input opens: empty, not at EOF
expect_match "$(readlink "$mnt/$pid/fd/0")" '^pipe:\[[0-9]+\]$' "fd 0 once opened"
printf 'first line\n' >&3
ctl "$mnt/$pid/ctl" run >/dev/null
wait_state "$pid" S                            # it read the line and sleeps for more
expect_eq "$(cat "$mnt/$pid/stdout")" "first line" "cat's output of the first write"
ok "PID/stdin held open: the program reads what came, then sleeps (S) for more"
ctl "$mnt/$pid/ctl" stop >/dev/null
expect_eq "$(state "$pid")" T "State after stop while it sleeps on stdin"
ctl "$mnt/$pid/ctl" run >/dev/null
cat "$t/data" >&3                              # 300,000 bytes: blocks until cat has read them
random_file "$t/big" 1048576                   # one write of 1 MiB: parts in order
dd if="$t/big" bs=1M count=1 status=none >&3
exec 3>&-                                      # the last close: EOF
wait_state "$pid" Z
{ printf 'first line\n'; cat "$t/data" "$t/big"; } >"$t/want"
cp "$mnt/$pid/stdout" "$t/got"; cmp "$t/want" "$t/got" >&2 || fail "PID/stdout differs from what went to PID/stdin: $(stat -c %s "$t/want" "$t/got")"
ok "stop and run while it sleeps on stdin; cat FILE > PID/stdin delivers 300,000 bytes, dd one write of 1 MiB; the close is EOF"
"$vmfsctl" kill "$pid"

pid=$("$vmfsctl" run --stop -- /usr/bin/cat)
head -c 5000 "$t/data" >"$mnt/$pid/stdin"      # given (and EOF) before it runs
echo x 2>"$t/again.err" >"$mnt/$pid/stdin" && fail "an open of PID/stdin after EOF worked"
grep -q "Broken pipe" "$t/again.err" || fail "open after EOF: $(cat "$t/again.err")"
ctl "$mnt/$pid/ctl" run >/dev/null
wait_state "$pid" Z
cmp -s <(head -c 5000 "$t/data") "$mnt/$pid/stdout" || fail "the input given before the run"
ok "cat FILE > PID/stdin before the run; after that EOF an open is EPIPE"
"$vmfsctl" kill "$pid"
