#!/usr/bin/env bash
# test_watch.sh - vmfsctl watch in a real terminal (tmux): start a shell in
# a detached tmux session of a known size, run `vmfsctl watch` there, read
# the screen with capture-pane and check it:
#   - the view is on the alternate screen with the cursor hidden
#     (#{alternate_on} 1, #{cursor_flag} 0);
#   - its figures are the machine's: frames, used and free as config and
#     vmstat's nr_free_pages give them, the bar's share, each process's RSS
#     and fault counts as its status and stat, the policy; after the
#     machine moves (pages touched), the next view shows the new figures
#     and a rate of minor faults;
#   - watch PID shows that process alone;
#   - q ends it with status 0 and Ctrl-C with 130, and either way the
#     terminal is as it was: normal screen (the lines printed before are
#     back), cursor shown, stty -g as before;
#   - not a terminal: one plain view, no escape sequences; bad arguments
#     exit 2.
# Skips (77) when tmux is missing, or /dev/fuse (lib.sh).
#
# Usage: test_watch.sh DAEMON SOURCEDIR VMFSCTL (meson passes all three)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../fuse/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../fuse/lib.sh"
if ! command -v tmux >/dev/null; then
	echo "SKIP: tmux is missing (scripts/setup.sh installs it)"
	exit 77
fi
vmfs_init "$1" "$2"
VMFSCTL=$(readlink -f "${3:?usage: $0 DAEMON SOURCEDIR VMFSCTL}")
t=$VMFS_TMP
sock=$t/tmux.sock
tm() { tmux -S "$sock" "$@"; }
# The tmux server goes first; vmfs_cleanup then sees the test's status.
watch_cleanup() {
	local rc=$?
	set +e
	trap - ERR
	tm kill-server 2>/dev/null
	(exit "$rc")
	vmfs_cleanup
}
trap watch_cleanup EXIT

mnt=$t/mnt
vmfs_mount "$mnt" "frames=128"
export VMFS_MOUNT=$mnt
v() { "$VMFSCTL" "$@" || fail "vmfsctl $* failed"; }
p1=$(v spawn alpha)
a1=$(v mmap "$p1" 0 64K rw- private)
head -c 16384 /dev/zero | tr '\0' x | dd of="$mnt/$p1/mem" bs=4096 seek=$((a1 / 4096)) conv=notrunc status=none
p2=$(v spawn beta)

# ---- not a terminal, bad arguments -------------------------------------------------
plain=$("$VMFSCTL" watch </dev/null)
[[ $plain != *$'\033'* ]] || fail "watch into a pipe wrote escape sequences"
[[ $plain == *"frames 128: "* && $plain == *" alpha "* ]] || fail "watch into a pipe: '$plain'"
rc=0; "$VMFSCTL" watch -n 0 >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 2 "watch -n 0"
rc=0; "$VMFSCTL" watch 1 2 >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 2 "watch 1 2"
rc=0; "$VMFSCTL" watch 99 >/dev/null 2>"$t/err" || rc=$?
expect_eq "$rc/$(cat "$t/err")" "1/vmfsctl: no process 99" "watch 99"
# Under the linux policy, the lists line is meminfo's LRU lines, in pages.
"$VMFSCTL" policy linux
lists=$("$VMFSCTL" watch | grep '^lists')
kb() { echo $(($(field "$mnt/meminfo" "$1") / 4)); }
expect_eq "$lists" "lists (pages): active anon $(kb 'Active(anon)'), inactive anon $(kb 'Inactive(anon)'), active file $(kb 'Active(file)'), inactive file $(kb 'Inactive(file)')" \
	"watch's lists under policy linux"
"$VMFSCTL" policy clock
# Under clock, the hand: the frame counters' clock_hand names.
hand=$(field "$mnt/counters" clock_hand)
[[ $hand =~ ^[0-9]+$ ]] || fail "counters' clock_hand under clock with pages resident: '$hand'"
expect_eq "$("$VMFSCTL" watch | grep '^lists')" "lists: policy clock keeps one circle; its hand rests on frame $hand" \
	"watch's lists line under policy clock"
ok "watch: one plain view when not a terminal, the LRU lists under linux, the hand under clock; bad arguments exit 2, a missing process 1"

# ---- in tmux ------------------------------------------------------------------------
tm -f /dev/null new-session -d -s w -x 100 -y 30 \
	"env -i PATH='$PATH' TERM=screen VMFS_MOUNT='$mnt' PS1='$ ' bash --norc --noprofile"
tm set-option -t w remain-on-exit on >/dev/null

screen() { tm capture-pane -p -t w; }
flag() { tm display-message -p -t w "#{$1}"; }

# wait_for ERE [SECONDS]: until the screen matches.
wait_for() {
	local deadline=$((SECONDS + ${2:-10}))
	until grep -Eq -- "$1" <<<"$(screen)"; do   # not a pipe: grep -q and pipefail
		((SECONDS < deadline)) || fail "the screen never showed /$1/:"$'\n'"$(screen)"
		sleep 0.1
	done
}

# shell LINE: type LINE and Enter in the session's shell.
shell() { tm send-keys -t w -l "$1"; tm send-keys -t w Enter; }

shell "stty -g > '$t/stty.before'; echo MARK-BEFORE"
wait_for '^MARK-BEFORE'
[[ $(flag alternate_on) == 0 ]] || fail "the shell starts on the alternate screen"

shell "'$VMFSCTL' watch -n 0.3; echo \"rc=\$?\" > '$t/rc'; stty -g > '$t/stty.after'"
wait_for '^vmfsctl watch .*policy clock'
[[ $(flag alternate_on) == 1 ]] || fail "watch is not on the alternate screen"
[[ $(flag cursor_flag) == 0 ]] || fail "watch shows the cursor"
free=$(field "$mnt/vmstat" nr_free_pages)
used=$((128 - free))
wait_for "^frames 128: used $used, free $free;"
wait_for "\] +$((used * 100 / 128))% used"
rss=$(field "$mnt/$p1/status" VmRSS)
wait_for "^ +$p1 alpha +$rss +[-0-9]+ +[-0-9]+ +4 +0$"
wait_for "^ +$p2 beta +0 "
wait_for '^faults/s: minor [0-9]+ \(COW [0-9]+\), major [0-9]+; swap/s: in [0-9]+, out [0-9]+'
ok "watch in tmux: alternate screen, no cursor, frames, the bar, RSS and faults as the files say"

# The machine moves: 8 more pages; the next views show them.
head -c 32768 /dev/zero | tr '\0' y | dd of="$mnt/$p1/mem" bs=4096 seek=$((a1 / 4096 + 4)) conv=notrunc status=none
free=$(field "$mnt/vmstat" nr_free_pages)
wait_for "^frames 128: used $((128 - free)), free $free;"
wait_for "^ +$p1 alpha +$((rss + 32)) +[0-9]+ +[0-9]+ +12 +0$"
ok "watch redraws: the new free frames, RSS and faults appear"

tm send-keys -t w q
wait_for '^MARK-BEFORE'
for _ in $(seq 50); do [[ -s $t/stty.after ]] && break; sleep 0.1; done
expect_eq "$(cat "$t/rc")" "rc=0" "watch's status after q"
[[ $(flag alternate_on) == 0 ]] || fail "q left the alternate screen on"
[[ $(flag cursor_flag) == 1 ]] || fail "q left the cursor hidden"
expect_eq "$(cat "$t/stty.after")" "$(cat "$t/stty.before")" "stty -g after q"
ok "q: status 0, the screen, the cursor and the terminal modes as before"

rm -f "$t/rc" "$t/stty.after"
shell "clear; echo MARK-AGAIN; '$VMFSCTL' watch $p2; echo \"rc=\$?\" > '$t/rc'; stty -g > '$t/stty.after'"
wait_for '^vmfsctl watch '
wait_for "^ +$p2 beta "
grep -Eq "^ +$p1 alpha" <<<"$(screen)" && fail "watch $p2 shows process $p1 too"
tm send-keys -t w C-c
wait_for '^MARK-AGAIN'
for _ in $(seq 50); do [[ -s $t/stty.after ]] && break; sleep 0.1; done
expect_eq "$(cat "$t/rc")" "rc=130" "watch's status after Ctrl-C"
[[ $(flag alternate_on) == 0 ]] || fail "Ctrl-C left the alternate screen on"
[[ $(flag cursor_flag) == 1 ]] || fail "Ctrl-C left the cursor hidden"
expect_eq "$(cat "$t/stty.after")" "$(cat "$t/stty.before")" "stty -g after Ctrl-C"
ok "watch PID shows that process; Ctrl-C: status 130, the terminal as before"
