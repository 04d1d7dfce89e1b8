# shellcheck shell=bash
# lib.sh - what every end-to-end test of the mounted file system shares:
# mounting a real vmfs daemon, waiting for it, always unmounting, and the
# shell idioms of SPEC §3 (ctl transactions, dd at a virtual address,
# pagemap entries) written once.
#
# A test script sources this file and calls `vmfs_init "$@"` first; meson
# passes the daemon (build/fuse/vmfs) and the source directory.  What stays
# true for every script that does:
#   - it exits 77 (meson's SKIP) only when /dev/fuse is missing (and
#     test_users.sh when there is no other user to become: not root, or no
#     setpriv); any other trouble (no fusermount3, a daemon that dies or
#     never mounts) fails it;
#   - every mount it made is unmounted in the EXIT trap (fusermount3 -u -z,
#     then the daemon is killed if it lingers), and its temporary directory
#     is removed (never across a mount: rm --one-file-system);
#   - a watchdog kills the daemons after VMFS_DEADLINE seconds (default 150),
#     so a hung daemon turns into failed commands, not into a test that
#     blocks in an uninterruptible FUSE request until meson kills it;
#   - a daemon that exits with a non-zero status (a crash, a sanitizer
#     report) when it is unmounted fails the test, as does one still alive
#     a few seconds after its unmount.
#
# Conventions: helpers report with ok/fail; fail exits at once.  Numbers
# that the mount prints in hex (0x...) are handled with bash arithmetic,
# which is 64-bit: a pagemap entry with bit 63 set is negative there, and
# the bit tests below are written so that does not matter.

VMFS_DEADLINE=${VMFS_DEADLINE:-150}
VMFS_MOUNTS=()   # mountpoints made by vmfs_mount or vmfs_adopt_mount
VMFS_DAEMONS=()  # their daemons' PIDs (same index)
VMFS_LOGS=()     # their daemons' stderr (same index; "" when unknown)
VMFS_TMP=
VMFS_WATCHDOG=
VMFS_FAILED=0

note() { printf '# %s\n' "$*"; }
ok() { printf 'ok - %s\n' "$*"; }

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	VMFS_FAILED=1
	exit 1
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[[ $1 == "$2" ]] || fail "$3: got '$1', expected '$2'"
}

# expect_match STRING ERE WHAT
expect_match() {
	[[ $1 =~ $2 ]] || fail "$3: '$1' does not match /$2/"
}

# vmfs_init DAEMON [SOURCEDIR]: the checks, the temporary directory, the traps.
vmfs_init() {
	VMFS_BIN=${1:?usage: $0 DAEMON [SOURCEDIR]}
	# shellcheck disable=SC2034 # for the scripts that read the sources
	VMFS_SRC=${2:-}
	if [[ ! -c /dev/fuse ]]; then
		echo "SKIP: /dev/fuse is missing"
		exit 77
	fi
	[[ -x $VMFS_BIN ]] || fail "no daemon at $VMFS_BIN"
	VMFS_BIN=$(readlink -f "$VMFS_BIN")
	command -v fusermount3 >/dev/null || fail "fusermount3 is missing (package fuse3)"
	VMFS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-e2e.XXXXXX")
	trap vmfs_cleanup EXIT
	trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" exited with status $?" >&2' ERR
	trap 'exit 130' INT
	trap 'exit 143' TERM
	: >"$VMFS_TMP/daemons"
	vmfs_watchdog "$VMFS_DEADLINE" "$VMFS_TMP/daemons" &
	VMFS_WATCHDOG=$!
}

# vmfs_watchdog SECONDS PIDFILE: after SECONDS, SIGKILL every daemon listed.
vmfs_watchdog() {
	local sleeper pid
	trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
	sleep "$1" &
	sleeper=$!
	wait "$sleeper" || exit 0
	echo "FAIL: watchdog: still running after $1 s; killing the daemons" >&2
	while read -r pid; do
		kill -KILL "$pid" 2>/dev/null || true
	done <"$2"
}

# vmfs_alive PID: whether the process is alive (and not a zombie).
vmfs_alive() {
	local state
	[[ -r /proc/$1/stat ]] || return 1
	state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

# vmfs_mounted MNT: whether MNT is a FUSE mount of vmfs right now.
vmfs_mounted() {
	local mnt
	mnt=$(readlink -f "$1")
	awk -v m="$mnt" '$2 == m && $3 ~ /^fuse/ { found = 1 } END { exit !found }' /proc/mounts
}

# vmfs_log_tail LOG: the daemon's last words, for a failure report (once).
VMFS_LOGS_SHOWN=" "
vmfs_log_tail() {
	[[ -n $1 && -s $1 && $VMFS_LOGS_SHOWN != *" $1 "* ]] || return 0
	VMFS_LOGS_SHOWN+="$1 "
	local at
	at=$(grep -n -m 1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$1" | cut -d: -f1)
	if [[ -n $at ]]; then
		echo "--- daemon stderr ($1), the sanitizer's report:" >&2
		sed -n "$at,$((at + 39))p" "$1" >&2
	else
		echo "--- daemon stderr ($1), last lines:" >&2
		tail -n 20 "$1" >&2
	fi
}

# vmfs_wait_ready MNT PID LOG: poll until MNT/ctl exists, for up to 10 s;
# fail at once if the daemon died.  PID may be empty (daemonized mount).
vmfs_wait_ready() {
	local mnt=$1 pid=$2 log=$3 deadline=$((SECONDS + 10))
	while ! timeout -k 1 5 stat "$mnt/ctl" >/dev/null 2>&1; do
		if [[ -n $pid ]] && ! vmfs_alive "$pid"; then
			vmfs_log_tail "$log"
			fail "the daemon (PID $pid) died before $mnt was ready"
		fi
		((SECONDS < deadline)) || {
			vmfs_log_tail "$log"
			fail "$mnt/ctl did not appear within 10 s"
		}
		sleep 0.05
	done
}

# vmfs_register MNT PID LOG: remember a mount for vmfs_unmount and the trap.
vmfs_register() {
	VMFS_MOUNTS+=("$1")
	VMFS_DAEMONS+=("$2")
	VMFS_LOGS+=("$3")
	[[ -z $2 ]] || echo "$2" >>"$VMFS_TMP/daemons"
}

# vmfs_mount MNT [OPTIONS]: start `vmfs -f -o OPTIONS MNT` in the background
# and wait until it serves.  Sets VMFS_PID (the daemon) and VMFS_LOG.
vmfs_mount() {
	local mnt=$1 opts=${2:-} args=(-f)
	mkdir -p "$mnt"
	[[ -z $opts ]] || args+=(-o "$opts")
	VMFS_NLOGS=$((${VMFS_NLOGS:-0} + 1))
	VMFS_LOG=$VMFS_TMP/daemon.$VMFS_NLOGS.log
	"$VMFS_BIN" "${args[@]}" "$mnt" 2>"$VMFS_LOG" >&2 &
	VMFS_PID=$!
	vmfs_register "$mnt" "$VMFS_PID" "$VMFS_LOG"
	vmfs_wait_ready "$mnt" "$VMFS_PID" "$VMFS_LOG"
}

# vmfs_find_daemon MNT: the PID of the daemon serving MNT (a process whose
# argv[0] ends in vmfs and which has MNT as an argument), or nothing.
vmfs_find_daemon() {
	local mnt cmd p
	mnt=$(readlink -f "$1")
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' '\n' 2>/dev/null <"$p/cmdline") || continue
		[[ ${cmd%%$'\n'*} == *vmfs ]] || continue
		if grep -qxF -e "$mnt" -e "$1" <<<"$cmd"; then
			echo "${p#/proc/}"
			return 0
		fi
	done
}

# vmfs_adopt_mount MNT: register a mount made some other way (mount(8), a
# daemonized vmfs) so that the trap ends it.  Sets VMFS_PID (maybe empty).
vmfs_adopt_mount() {
	VMFS_PID=$(vmfs_find_daemon "$1")
	vmfs_register "$1" "$VMFS_PID" ""
}

# vmfs_wait_exit PID SECONDS: wait for a process to end; 1 if it did not.
vmfs_wait_exit() {
	local deadline=$((SECONDS + $2))
	while vmfs_alive "$1"; do
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}

# vmfs_unmount MNT [HOW]: end a registered mount the way a user does
# (HOW: "fusermount3 -u", the default, or "umount") and check that the
# daemon then exits, with status 0 when it is our child.
vmfs_unmount() {
	local mnt=$1 how=${2:-fusermount3 -u} i pid="" log="" rc=0
	for i in "${!VMFS_MOUNTS[@]}"; do
		[[ ${VMFS_MOUNTS[i]} == "$mnt" ]] || continue
		pid=${VMFS_DAEMONS[i]} log=${VMFS_LOGS[i]}
		unset "VMFS_MOUNTS[i]" "VMFS_DAEMONS[i]" "VMFS_LOGS[i]"
	done
	# shellcheck disable=SC2086 # HOW is a command and its options
	$how "$mnt" || fail "$how $mnt failed"
	! vmfs_mounted "$mnt" || fail "$mnt is still mounted after $how"
	[[ -n $pid ]] || return 0
	vmfs_wait_exit "$pid" 10 || {
		kill -KILL "$pid" 2>/dev/null || true
		fail "the daemon (PID $pid) did not exit within 10 s of $how"
	}
	if [[ -n $log ]]; then
		wait "$pid" || rc=$?
		((rc == 0)) || {
			vmfs_log_tail "$log"
			fail "the daemon exited with status $rc after $how"
		}
	fi
}

# client CMD [ARG...]: start CMD in the background as one of the test's
# clients (VMFS_CLIENTS); a client that fails writes its reason to
# $VMFS_TMP/fail.NAME.  clients_failed: the fail.* files there, each said
# on stderr; prints how many, and the first one's name and line.
VMFS_CLIENTS=()
client() {
	"$@" &
	VMFS_CLIENTS+=($!)
}
clients_failed() {
	local f failures
	shopt -s nullglob
	failures=("$VMFS_TMP"/fail.*)
	shopt -u nullglob
	for f in "${failures[@]}"; do
		echo "${f##*/fail.}: $(cat "$f")" >&2
	done
	((${#failures[@]})) || return 1
	echo "${#failures[@]} clients failed, ${failures[0]##*/fail.} first: $(head -n 1 "${failures[0]}")"
}

# The EXIT trap: unmount what is left, kill stragglers, remove VMFS_TMP.
vmfs_cleanup() {
	local rc=$? i mnt pid
	# Whatever fails here, every mount must still be ended.
	set +e
	((rc == 0)) || VMFS_FAILED=1
	trap - EXIT ERR
	cd / || true
	for i in "${!VMFS_MOUNTS[@]}"; do
		mnt=${VMFS_MOUNTS[i]} pid=${VMFS_DAEMONS[i]}
		[[ -n $pid ]] || pid=$(vmfs_find_daemon "$mnt")
		if ((VMFS_FAILED)) && [[ -n ${VMFS_LOGS[i]} ]]; then
			vmfs_log_tail "${VMFS_LOGS[i]}"
		fi
		fusermount3 -u -z "$mnt" 2>/dev/null || true
		if [[ -n $pid ]] && ! vmfs_wait_exit "$pid" 3; then
			kill -TERM "$pid" 2>/dev/null || true
			vmfs_wait_exit "$pid" 2 || kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	if [[ -n $VMFS_WATCHDOG ]]; then
		kill "$VMFS_WATCHDOG" 2>/dev/null || true
		wait "$VMFS_WATCHDOG" 2>/dev/null || true
	fi
	[[ -z $VMFS_TMP ]] || rm -rf --one-file-system "$VMFS_TMP"
	if ((rc == 0)); then
		echo "PASS"
	fi
	exit "$rc"
}

# ---- transactions (SPEC §3) --------------------------------------------------

# vmfs_tx FILE COMMAND: one transaction on a fresh open of FILE, as
#   exec 3<>FILE; echo COMMAND >&3; cat <&3
# Sets TX_ANSWER (what the read returned, trailing newline dropped) and
# TX_ERROR (the shell's message when the write failed, "" when it did not);
# returns the write's status.
vmfs_tx() {
	local file=$1 cmd=$2 fd rc=0
	exec {fd}<>"$file" || return
	{ printf '%s\n' "$cmd" >&"$fd"; } 2>"$VMFS_TMP/tx.err" || rc=$?
	TX_ERROR=$(cat "$VMFS_TMP/tx.err")
	TX_ANSWER=$(cat <&"$fd") || { exec {fd}>&-; fail "read of the answer to '$cmd' on $file failed"; }
	exec {fd}>&-
	return "$rc"
}

# ctl FILE COMMAND: a transaction that must succeed; prints the answer.
ctl() {
	vmfs_tx "$1" "$2" || fail "'$2' on $1 failed: $TX_ERROR; answer '$TX_ANSWER'"
	printf '%s\n' "$TX_ANSWER"
}

# refused FILE COMMAND ERRNO-TEXT ANSWER-ERE: the transaction fails with
# ERRNO-TEXT and its answer matches ANSWER-ERE.
refused() {
	if vmfs_tx "$1" "$2"; then
		fail "'$2' on $1 worked ($TX_ANSWER); expected $3"
	fi
	[[ $TX_ERROR == *"$3"* ]] || fail "'$2' on $1 failed with '$TX_ERROR', expected $3"
	expect_match "$TX_ANSWER" "$4" "answer to '$2'"
}

# spawn MNT [NAME]: a new process; prints its PID.
spawn() {
	local pid
	pid=$(ctl "$1/ctl" "spawn ${2:-sh}")
	expect_match "$pid" '^[1-9][0-9]*$' "spawn answer"
	printf '%s\n' "$pid"
}

# map MNT PID LEN PROT FLAGS [ADDR [OBJECT [OFFSET]]]: mmap; prints the
# start as a decimal number.
map() {
	local mnt=$1 pid=$2 len=$3 prot=$4 flags=$5 addr=${6:-0} cmd ans
	cmd="mmap $addr $len $prot $flags${7:+ $7}${8:+ $8}"
	ans=$(ctl "$mnt/$pid/ctl" "$cmd")
	expect_match "$ans" '^0x[0-9a-f]+$' "answer to '$cmd'"
	printf '%d\n' "$((ans))"
}

# ---- memory through files ------------------------------------------------------

# mem_write MNT PID ADDR FILE: dd FILE into PID/mem at ADDR (page-aligned).
mem_write() {
	dd if="$4" of="$1/$2/mem" bs=4096 seek=$(($3 / 4096)) conv=notrunc status=none
}

# mem_read MNT PID ADDR BYTES: dd BYTES (a multiple of 4096) from ADDR to stdout.
mem_read() {
	dd if="$1/$2/mem" bs=4096 skip=$(($3 / 4096)) count=$(($4 / 4096)) status=none
}

# u64_at FILE OFFSET: the little-endian 64-bit word at OFFSET, as 0x%016x.
u64_at() {
	local w
	w=$(dd if="$1" bs=8 skip=$(($2 / 8)) count=1 status=none | od -An -tx8 -v) || return 1
	w=${w//[[:space:]]/}
	[[ -n $w ]] || return 1
	printf '0x%s\n' "$w"
}

# pagemap MNT PID ADDR: the pagemap entry of the page holding ADDR (0x%016x).
pagemap() {
	u64_at "$1/$2/pagemap" $(($3 >> 12 << 3))
}

# pm_present ENTRY, pm_swapped, pm_file, pm_pfn: the fields of SPEC §3.
pm_present() { (((($1 >> 63) & 1) == 1)); }
pm_swapped() { (((($1 >> 62) & 1) == 1)); }
pm_file() { (((($1 >> 61) & 1) == 1)); }
pm_pfn() { echo $(($1 & ((1 << 55) - 1))); }

# smaps_field MNT PID ADDR KEY: KEY's number in the smaps block of the
# mapping at ADDR (hex, no 0x) of process PID on mount MNT.
smaps_field() {
	awk -v a="$3" -v k="$4:" '$1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { split($1, r, "-"); inb = (r[1] == a) }
		inb && $1 == k { print $2; exit }' "$1/$2/smaps"
}

# vmflags MNT PID ADDR: the VmFlags line of that mapping's smaps block.
vmflags() {
	awk -v a="$3" '$1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { split($1, r, "-"); inb = (r[1] == a) }
		inb && $1 == "VmFlags:" { print; exit }' "$1/$2/smaps"
}

# field FILE KEY: the first number after "KEY:" (status, meminfo) or "KEY "
# (vmstat) in FILE.
field() {
	awk -v k="$2" '$1 == k":" || $1 == k { print $2; found = 1; exit }
		END { exit !found }' "$1" || fail "no '$2' in $1"
}

# random_file PATH BYTES: BYTES of random data.
random_file() {
	head -c "$2" /dev/urandom >"$1"
}
