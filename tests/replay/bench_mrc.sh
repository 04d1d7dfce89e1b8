#!/bin/sh
# bench_mrc.sh - the figure of issue 18's "whole curves in one pass": how
# long vmfs-replay --mrc takes for a whole curve against one replay at one
# size, in the same run, on the same trace.
#
# Usage: bench_mrc.sh VMFS_REPLAY [COPIES [FRAMES]]
#   COPIES  the ARC paper's OLTP trace (914,145 references) this many
#           times, copy i's blocks moved up by i * 2^20 so that no two
#           copies share a page (default 14: 12,798,030 references to
#           2,616,334 pages); written to $TMPDIR, removed at the end
#   FRAMES  the size of the one replay (default 32768)
#
# Every command reads the same file and parses it itself; times are wall
# and CPU (user + system) of the vmfs-replay process.  Printed: one lru
# replay at FRAMES, lru's whole curve (every size of --mrc's default grid,
# up to its largest stack distance), the ratio of their CPU times (the
# target: <= 1, "no longer than one replay at one size"), then one opt
# replay at FRAMES and opt's curve up to FRAMES (--mrc-max: its stack
# followed FRAMES deep, the rows at the default grid's sizes).  The curves'
# faults at FRAMES must be the replays' (else exit 1); a missed target is
# reported, not an error, as in scripts/bench.sh.  Suite 'bench' runs it
# with COPIES=1 (a check that it works); the figures are from COPIES=14,
# run by hand.  Exit 77 without $TRACES/arc/OLTP.lis.zst.
set -u

REPLAY=$1
COPIES=${2:-14}
FRAMES=${3:-32768}
PYTHON=${PYTHON:-python3}
TRACES=${TRACES:-$(dirname "$0")/../../../shared/traces}
OLTP=$TRACES/arc/OLTP.lis.zst

if [ ! -f "$OLTP" ]; then
	echo "SKIP: no $OLTP (the ARC paper's OLTP trace, ../shared/traces)"
	exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-bench-mrc.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
TRACE=$TMP/oltp-x$COPIES.lis

# The expanded trace, in the arc format (START NBLOCKS IGNORE REQNO).
"$PYTHON" - "$OLTP" "$COPIES" "$TRACE" <<'EOF' || { echo "FAIL: cannot make the trace"; exit 1; }
import subprocess, sys
src, copies, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = subprocess.run(["zstd", "-dc", src], check=True, capture_output=True).stdout.split(b"\n")
recs = [l.split() for l in lines if l.strip()]
with open(dst, "wb") as out:
    for i in range(copies):
        off = i << 20
        out.write(b"".join(b"%d %s 0 %s\n" % (int(r[0]) + off, r[1], r[3]) for r in recs))
EOF

# timed OUT CMD...: CMD > OUT; prints "WALL CPU STATUS"
timed() {
	"$PYTHON" -c '
import resource, subprocess, sys, time
out = open(sys.argv[1], "w")
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t = time.monotonic()
rc = subprocess.call(sys.argv[2:], stdout=out)
w = time.monotonic() - t
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f %.2f %d" % (w, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, rc))' "$@"
}

# faults CSV POLICY FRAMES
faults() {
	awk -F, -v p="$2" -v f="$3" 'NR > 1 && $2 == p && $3 == f { print $5 }' "$1"
}

FAILED=0
R="$REPLAY --no-progress --csv --format arc"
set -- $(timed "$TMP/lru.csv" $R -p lru -n "$FRAMES" "$TRACE"); lru_w=$1 lru_c=$2 lru_rc=$3
set -- $(timed "$TMP/lru-mrc.csv" $R --mrc -p lru "$TRACE"); mrc_w=$1 mrc_c=$2 mrc_rc=$3
set -- $(timed "$TMP/opt.csv" $R -p opt -n "$FRAMES" "$TRACE"); opt_w=$1 opt_c=$2 opt_rc=$3
set -- $(timed "$TMP/opt-mrc.csv" $R --mrc -p opt --mrc-max "$FRAMES" "$TRACE"); omrc_w=$1 omrc_c=$2 omrc_rc=$3
for rc in $lru_rc $mrc_rc $opt_rc $omrc_rc; do
	[ "$rc" = 0 ] || { echo "FAIL: a command exited with $rc"; FAILED=1; }
done
# lru's curve at FRAMES: from the grid when it holds FRAMES, else asked.
lru_f=$(faults "$TMP/lru.csv" lru "$FRAMES")
mrc_f=$(faults "$TMP/lru-mrc.csv" lru "$FRAMES")
[ -n "$mrc_f" ] || mrc_f=$($R --mrc -p lru -n "$FRAMES" "$TRACE" | awk -F, 'NR == 2 { print $5 }')
opt_f=$(faults "$TMP/opt.csv" opt "$FRAMES")
omrc_f=$(faults "$TMP/opt-mrc.csv" opt "$FRAMES")
refs=$(awk -F, 'NR == 2 { print $4 }' "$TMP/lru.csv")
sizes=$(($(wc -l < "$TMP/lru-mrc.csv") - 1))
top=$(tail -1 "$TMP/lru-mrc.csv" | cut -d, -f3)

echo "bench-mrc: OLTP.lis x$COPIES (copy i's blocks + i*2^20): $refs references"
printf '  %-52s %8s %8s %10s\n' "" "wall s" "cpu s" "faults at $FRAMES"
printf '  %-52s %8s %8s %10s\n' "one replay, lru at $FRAMES frames" "$lru_w" "$lru_c" "$lru_f"
printf '  %-52s %8s %8s %10s\n' "--mrc -p lru: the whole curve ($sizes sizes, 1 to $top)" "$mrc_w" "$mrc_c" "$mrc_f"
printf '  %-52s %8s %8s %10s\n' "one replay, opt at $FRAMES frames" "$opt_w" "$opt_c" "$opt_f"
printf '  %-52s %8s %8s %10s\n' "--mrc -p opt --mrc-max $FRAMES (the curve to $FRAMES)" "$omrc_w" "$omrc_c" "$omrc_f"
ratio=$(awk -v a="$mrc_c" -v b="$lru_c" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
oratio=$(awk -v a="$omrc_c" -v b="$opt_c" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1 ? "ok" : "MISSED") }')
echo "  lru: whole curve / one replay, by cpu: $ratio (target <= 1): $verdict"
echo "  opt: curve to $FRAMES / one replay at $FRAMES, by cpu: $oratio"
if [ "$lru_f" != "$mrc_f" ] || [ "$opt_f" != "$omrc_f" ] || [ -z "$lru_f" ] || [ -z "$opt_f" ]; then
	echo "FAIL: the curves and the replays disagree at $FRAMES frames (lru $mrc_f/$lru_f, opt $omrc_f/$opt_f)"
	FAILED=1
fi
exit $FAILED
