#!/usr/bin/env bash
# test_close.sh - nothing is lost silently at unmount (issue 13, item 2), and
# the files a swap=PATH store uses (item 3).
#
# 1. A clean unmount: an object written and never synced, then fusermount3
#    -u: the daemon syncs before it closes the machine, exits 0 and says
#    nothing; the store keeps PATH and PATH-journal, passes integrity_check,
#    and PATH-lock, held while mounted, is gone.
# 2. An unmount whose sync cannot write: the store's journal is replaced by
#    a directory, so SQLite cannot open it for the next commit.  The daemon
#    exits 1 and says "vmfs: sync at unmount failed: ..." on standard error;
#    once the journal is back the store passes integrity_check and still
#    holds what was committed before (the object's row).  Before the daemon
#    synced at unmount, it exited 0 without a word.
# 3. A stale PATH-lock (as a killed daemon leaves it) does not stop a mount.
# 4. SIGTERM while files are open: the daemon frees their handles (no
#    release comes for them) and exits 0.
#
# Usage: test_close.sh DAEMON SOURCEDIR (meson passes both)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vmfs_init "$@"

t=$VMFS_TMP
head -c $((256 * 1024)) /dev/urandom >"$t/rand"

# 1. A clean unmount.
vmfs_mount "$t/m1" "frames=64,swap=$t/ok.db"
[[ -f $t/ok.db-lock ]] || fail "no $t/ok.db-lock while mounted"
cp "$t/rand" "$t/m1/objects/blob"
log=$VMFS_LOG
vmfs_unmount "$t/m1"
[[ ! -s $log ]] || fail "the daemon said something at a clean unmount: $(cat "$log")"
[[ -f $t/ok.db && -f $t/ok.db-journal ]] || fail "ok.db or its journal is gone after the unmount"
[[ ! -e $t/ok.db-lock ]] || fail "$t/ok.db-lock is left after the unmount"
expect_eq "$(sqlite3 "$t/ok.db" 'PRAGMA integrity_check')" ok "integrity_check after a clean unmount"
ok "clean unmount: exit 0, nothing said, PATH and PATH-journal kept, PATH-lock removed"

# 2. An unmount whose sync cannot write.
vmfs_mount "$t/m2" "frames=64,swap=$t/bad.db"
pid=$VMFS_PID log=$VMFS_LOG
cp "$t/rand" "$t/m2/objects/blob"    # its row is committed; its pages wait in the cache
[[ -f $t/bad.db-journal ]] || fail "no journal $t/bad.db-journal"
rm "$t/bad.db-journal"
mkdir "$t/bad.db-journal"
# Not vmfs_unmount: this daemon must fail.
for i in "${!VMFS_MOUNTS[@]}"; do
	[[ ${VMFS_MOUNTS[i]} != "$t/m2" ]] || unset "VMFS_MOUNTS[i]" "VMFS_DAEMONS[i]" "VMFS_LOGS[i]"
done
fusermount3 -u "$t/m2" || fail "fusermount3 -u $t/m2 failed"
vmfs_wait_exit "$pid" 20 || fail "the daemon did not exit after the unmount"
rc=0
wait "$pid" || rc=$?
expect_eq "$rc" 1 "the daemon's exit status after a sync that failed"
grep -q '^vmfs: sync at unmount failed: ' "$log" ||
	fail "no 'vmfs: sync at unmount failed' on the daemon's stderr: $(cat "$log")"
! grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$log" || { vmfs_log_tail "$log"; fail "sanitizer report"; }
rmdir "$t/bad.db-journal"
expect_eq "$(sqlite3 "$t/bad.db" 'PRAGMA integrity_check')" ok "integrity_check after a failed unmount"
expect_eq "$(sqlite3 "$t/bad.db" "SELECT name FROM objects")" blob "the committed object row"
ok "an unmount that cannot write: exit 1, '$(head -n 1 "$log")', the store intact"

# 3. A stale PATH-lock does not stop the next mount.
: >"$t/ok.db-lock"
vmfs_mount "$t/m3" "frames=64,swap=$t/ok.db"
vmfs_unmount "$t/m3"
[[ ! -e $t/ok.db-lock ]] || fail "$t/ok.db-lock is left after the unmount"
ok "a stale PATH-lock does not stop a mount, and is removed at unmount"

# 4. Told to stop (SIGTERM) while files are open: the kernel sends no
#    release for them, and the daemon frees their handles itself (under
#    ASan, LeakSanitizer reported the open files' handles before).
vmfs_mount "$t/m4" "frames=64"
pid=$VMFS_PID log=$VMFS_LOG
for i in "${!VMFS_MOUNTS[@]}"; do
	[[ ${VMFS_MOUNTS[i]} != "$t/m4" ]] || unset "VMFS_MOUNTS[i]" "VMFS_DAEMONS[i]" "VMFS_LOGS[i]"
done
exec 7<"$t/m4/kmsg" 8<"$t/m4/meminfo" 9<"$t/m4/objects"
kill -TERM "$pid"
vmfs_wait_exit "$pid" 20 || fail "the daemon did not exit after SIGTERM with files open"
exec 7<&- 8<&- 9<&-
rc=0
wait "$pid" || rc=$?
fusermount3 -u "$t/m4" 2>/dev/null || true
expect_eq "$rc" 0 "the daemon's exit status after SIGTERM with files open"
! grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$log" || { vmfs_log_tail "$log"; fail "sanitizer report"; }
ok "SIGTERM with three files open: exit 0, no leak"
