#!/bin/sh
# test_replay.sh - end-to-end tests of vmfs-replay (suite 'replay').
#
# Usage: test_replay.sh MODE VMFS_REPLAY WORKLOAD SRCDIR
#   MODE      textbook | lackey | formats | errors | output | traces | paper |
#             lirs | clockpro | linux
#   WORKLOAD  the compiled workload.c, traced under valgrind in 'lackey'
#   SRCDIR    this directory (refsim.py, sample traces)
#
# Every fault count is checked against refsim.py, an independent small
# simulator that parses the traces itself: every column (refs, faults,
# major, minor, swapouts, swapins) of every (policy, frames) run must be
# equal.  The modes:
#   textbook  the classic strings: OPT 9 and 8, LRU 12 and 8, FIFO 15 and 10
#             on 7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1 with 3 and 4 frames;
#             Belady's anomaly (FIFO 9 then 10); all five against refsim
#   lackey    valgrind --tool=lackey traces of /bin/true and of WORKLOAD,
#             made here, against refsim; opt never above any other policy
#   formats   memsim (made from the lackey trace, and a hand-written sample),
#             refs with commas, blanks, comments; detection and --format;
#             standard input; pages beyond the user half skipped and counted,
#             replayed with -o levels=5
#   errors    malformed records stop with FILE:LINE and a non-zero status,
#             --lenient skips and counts them (a NUL byte in a record makes
#             it malformed in every format); bad options exit 2; nothing
#             ever dies of a signal
#   output    --csv, --json (parsed), the table, --plot (a valid SVG with
#             a line per policy, axis labels and a legend)
#   traces    din, pin, arc, lirs and oraclegeneral samples: their figures by
#             hand and against refsim, detection, --block; the same traces
#             gzip-, xz- and zstd-compressed give the same rows, read by the
#             libraries (strace: no other program runs)
#   paper     the papers' own traces in $TRACES (../shared/traces): ARC's
#             OLTP trace gives Table IV of Megiddo & Modha (FAST'03) within
#             0.02 points for lru and arc at 1000 to 15000 pages; the LIRS
#             paper's traces (gzip, lirs and refs) agree with refsim
#   lirs      lirs against refsim on synthetic traces, and against the
#             authors' simulator's misses on their traces (../shared/traces)
#   clockpro  clockpro against refsim on synthetic traces, against the
#             authors' simulator's misses on their traces, and on clocks
#             smaller than it takes
#   mglru     mglru against refsim on synthetic traces, the LIRS paper's and
#             ARC's OLTP traces; its parameter swappiness
#   linux     linux against refsim's reference written from the kernel
#             source, on synthetic traces and on ../shared/traces (OLTP and
#             LIRS traces, several sizes); its swappiness parameter
#   machine   what a replay machine keeps: contents=none gives the rows of
#             contents=ram; --bench's lru and arc pairs; at most 64 bytes
#             of host memory a frame (not under the sanitizers: SANITIZED)
# Exit 77 (skip) when valgrind is missing, in the lackey mode, and when
# $TRACES is missing, in the paper mode.
set -u

MODE=$1
REPLAY=$2
WORKLOAD=$3
SRCDIR=$4
PYTHON=${PYTHON:-python3}
REFSIM="$SRCDIR/refsim.py"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-replay-test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
FAILED=0

fail() {
	echo "FAIL: $*"
	FAILED=1
}

ok() {
	echo "ok: $*"
}

# Run vmfs-replay; a death by signal is always a failure.
replay() {
	"$REPLAY" --no-progress "$@"
	rc=$?
	if [ $rc -ge 128 ]; then
		fail "vmfs-replay $* died with status $rc"
	fi
	return $rc
}

# compare TRACE FRAMES [POLICIES [FORMAT [--block=B]]]
# Every column of every run against refsim.py.
compare() {
	trace=$1 frames=$2 policies=${3:-fifo,lru,clock,arc,opt} format=${4:-} blockarg=${5:-}
	fmtarg=
	[ -n "$format" ] && fmtarg="--format=$format"
	if ! replay --csv -p "$policies" -n "$frames" $fmtarg $blockarg "$trace" > "$TMP/vm.csv"; then
		fail "vmfs-replay failed on $trace"
		return
	fi
	cut -d, -f2-9 "$TMP/vm.csv" > "$TMP/vm.cut"
	if ! "$PYTHON" "$REFSIM" --policy "$policies" --frames "$frames" $fmtarg $blockarg "$trace" \
		> "$TMP/ref.csv"; then
		fail "refsim failed on $trace"
		return
	fi
	if diff "$TMP/ref.csv" "$TMP/vm.cut" > "$TMP/diff"; then
		ok "$(basename "$trace"): $(($(wc -l < "$TMP/ref.csv") - 1)) runs ($policies at $frames frames) agree with refsim"
	else
		fail "$(basename "$trace"): vmfs-replay and refsim disagree (< refsim, > vmfs-replay):"
		cat "$TMP/diff"
	fi
}

# field CSV POLICY FRAMES COLUMN: one figure of a --csv output
field() {
	awk -F, -v p="$2" -v f="$3" -v c="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$2 == p && $3 == f { print $col[c] }' "$1"
}

expect() {   # expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else fail "$1 = $2, expected $3"; fi
}

mode_textbook() {
	echo "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1" > "$TMP/classic.refs"
	replay --csv -n 3,4 "$TMP/classic.refs" > "$TMP/classic.csv" || fail "classic string"
	expect "opt, 3 frames" "$(field "$TMP/classic.csv" opt 3 faults)" 9
	expect "opt, 4 frames" "$(field "$TMP/classic.csv" opt 4 faults)" 8
	expect "lru, 3 frames" "$(field "$TMP/classic.csv" lru 3 faults)" 12
	expect "lru, 4 frames" "$(field "$TMP/classic.csv" lru 4 faults)" 8
	expect "fifo, 3 frames" "$(field "$TMP/classic.csv" fifo 3 faults)" 15
	expect "fifo, 4 frames" "$(field "$TMP/classic.csv" fifo 4 faults)" 10
	expect "refs" "$(field "$TMP/classic.csv" opt 3 refs)" 20
	expect "swapouts of a read-only trace" "$(field "$TMP/classic.csv" lru 3 swapouts)" 0
	compare "$TMP/classic.refs" 1,2,3,4,5,6,7,8
	# Belady's anomaly: more frames, more faults, under FIFO.
	printf '1 2 3 4 1 2 5 1 2 3 4 5\n' > "$TMP/belady.refs"
	replay --csv -p fifo -n 3,4 "$TMP/belady.refs" > "$TMP/belady.csv" || fail "belady string"
	expect "fifo anomaly, 3 frames" "$(field "$TMP/belady.csv" fifo 3 faults)" 9
	expect "fifo anomaly, 4 frames" "$(field "$TMP/belady.csv" fifo 4 faults)" 10
	compare "$TMP/belady.refs" 1,2,3,4,5
	# A looping scan one page larger than memory: LRU and FIFO miss every
	# time, OPT keeps all but one page.
	"$PYTHON" -c 'print(",".join(str(i % 9) for i in range(900)))' > "$TMP/loop.refs"
	compare "$TMP/loop.refs" 4,8,9
	expect "lru on a loop of 9 pages in 8 frames" "$(replay --csv -p lru -n 8 "$TMP/loop.refs" | field /dev/stdin lru 8 faults)" 900
	# Random references with writes, in memsim, so swap traffic is checked too.
	"$PYTHON" -c '
import random
r = random.Random(7)
for i in range(20000):
    page = int(r.paretovariate(1.2)) % 200 if r.random() < 0.9 else r.randrange(200)
    print("%x %s" % (page * 4096 + r.randrange(4096), "W" if r.random() < 0.3 else "R"))' > "$TMP/random.memsim"
	compare "$TMP/random.memsim" 2,7,16,31,64,150,250
}

# trace_of NAME PROGRAM ARGS...: a lackey trace of a real program
trace_of() {
	name=$1
	shift
	valgrind --tool=lackey --trace-mem=yes --log-file="$TMP/$name.lackey" "$@" > /dev/null 2>&1 ||
		fail "valgrind $*"
}

mode_lackey() {
	command -v valgrind > /dev/null 2>&1 || { echo "valgrind is not installed: skip"; exit 77; }
	trace_of true /bin/true
	trace_of workload "$WORKLOAD"
	grep -q '^ S ' "$TMP/workload.lackey" || fail "the workload trace has no stores"
	compare "$TMP/true.lackey" 8,24,64,100,200
	compare "$TMP/workload.lackey" 6,20,48,96,160
	# Belady's MIN is optimal: no policy faults less than opt.
	replay --csv -n 6,20,48,96 "$TMP/workload.lackey" > "$TMP/w.csv"
	bad=$(awk -F, 'NR > 1 { f[$2 "," $3] = $5 }
		END { for (k in f) { split(k, a, ","); if (f["opt," a[2]] > f[k]) print k } }' "$TMP/w.csv")
	if [ -z "$bad" ]; then ok "opt faults no more than any policy"; else fail "opt beaten by: $bad"; fi
	swapouts=$(field "$TMP/w.csv" lru 20 swapouts)
	[ "${swapouts:-0}" -gt 0 ] && ok "the workload swaps out at 20 frames ($swapouts)" ||
		fail "no swap-outs at 20 frames"
}

mode_formats() {
	# memsim by hand: 0x prefixes, lower case, blanks, comments, CRLF.
	printf '# a memsim sample\n0041f7a0 R\n0x0041f7a8 w\n\n  7fff0010   r  \r\n00420000 W\n0041f000 R\n' \
		> "$TMP/sample.memsim"
	replay --csv -v -p lru -n 2 "$TMP/sample.memsim" > "$TMP/s.csv" 2> "$TMP/s.err"
	grep -q 'memsim (detected)' "$TMP/s.err" && ok "memsim detected" || fail "memsim not detected: $(cat "$TMP/s.err")"
	expect "memsim refs" "$(field "$TMP/s.csv" lru 2 refs)" 5
	expect "memsim faults at 2 frames" "$(field "$TMP/s.csv" lru 2 faults)" 4
	compare "$TMP/sample.memsim" 1,2,3
	# refs: commas, blanks, newlines, comments, no final newline.
	printf '# pages\n1, 2,3\t4\n\n5 ,1,,2 # the end\n 3' > "$TMP/sample.refs"
	replay --csv -v -p fifo -n 3 "$TMP/sample.refs" > "$TMP/r.csv" 2> "$TMP/r.err"
	grep -q 'refs (detected)' "$TMP/r.err" && ok "refs detected" || fail "refs not detected: $(cat "$TMP/r.err")"
	expect "refs count" "$(field "$TMP/r.csv" fifo 3 refs)" 8
	compare "$TMP/sample.refs" 1,2,3,4
	# lackey with valgrind's chatter and a record spanning two pages.
	printf '==1== Lackey\n==1== Command: x\nI  04018a0,3\n L 1ffefffd70,8\n S 0000fffe,4\n M 00403000,8\nSB 1234\nprogram output\n==1== Exit code: 0\n' \
		> "$TMP/small.lackey"
	replay --csv -v -p lru -n 8 "$TMP/small.lackey" > "$TMP/l.csv" 2> "$TMP/l.err"
	grep -q 'lackey (detected)' "$TMP/l.err" && ok "lackey detected" || fail "lackey not detected: $(cat "$TMP/l.err")"
	expect "lackey refs (one record spans two pages)" "$(field "$TMP/l.csv" lru 8 refs)" 5
	expect "lackey swapouts" "$(field "$TMP/l.csv" lru 8 swapouts)" 0
	compare "$TMP/small.lackey" 1,2,8
	# --format overrides detection: refs digits read as memsim are malformed.
	if replay --format memsim "$TMP/sample.refs" > /dev/null 2>&1; then
		fail "--format memsim accepted a refs trace"
	else
		ok "--format memsim on a refs trace is refused"
	fi
	replay --csv --format refs -p fifo -n 3 "$TMP/sample.refs" > "$TMP/r2.csv" || fail "--format refs"
	cmp -s "$TMP/r.csv" "$TMP/r2.csv" && ok "--format refs reads what detection read" || fail "--format refs differs"
	# A memsim trace made from a real program's lackey trace, when valgrind is there.
	if command -v valgrind > /dev/null 2>&1; then
		valgrind --tool=lackey --trace-mem=yes --log-file="$TMP/ls.lackey" /bin/ls / > /dev/null 2>&1
		awk '/^(I | L | S | M )/ { split(substr($0, 3), a, ","); gsub(/ /, "", a[1]);
			print a[1], ($0 ~ /^ [SM]/ ? "W" : "R") }' "$TMP/ls.lackey" > "$TMP/ls.memsim"
		compare "$TMP/ls.memsim" 10,40,120 fifo,lru,clock,arc,opt memsim
	fi
	# Standard input gives what the file gives.
	replay --csv -n 3,4 - < "$TMP/classic.refs" > "$TMP/stdin.csv" || fail "stdin"
	replay --csv -n 3,4 "$TMP/classic.refs" > "$TMP/file.csv" || fail "file"
	sed 's/^[^,]*,//' "$TMP/stdin.csv" > "$TMP/a"
	sed 's/^[^,]*,//' "$TMP/file.csv" > "$TMP/b"
	cmp -s "$TMP/a" "$TMP/b" && ok "standard input (-) gives the file's rows" || fail "stdin rows differ"
	expect "stdin trace name" "$(sed -n 2p "$TMP/stdin.csv" | cut -d, -f1)" "-"
	cat "$TMP/classic.refs" | replay --csv -p opt -n 3 - > "$TMP/pipe.csv" || fail "pipe"
	expect "opt from a pipe" "$(field "$TMP/pipe.csv" opt 3 faults)" 9
	# Beyond the user half: skipped and counted on a 4-level machine,
	# replayed on a 5-level one.
	printf '1000 R\n800000000000 W\n1000 R\nffffffffff600000 R\n' > "$TMP/high.memsim"
	replay --csv -p lru -n 4 "$TMP/high.memsim" > "$TMP/h.csv" 2> "$TMP/h.err" || fail "high addresses"
	grep -q '2 page references at or above 0x800000000000' "$TMP/h.err" &&
		ok "addresses beyond the user half are skipped and counted" ||
		fail "no skip count: $(cat "$TMP/h.err")"
	expect "refs without them" "$(field "$TMP/h.csv" lru 4 refs)" 2
	replay --csv -p lru -n 4 -o levels=5 "$TMP/high.memsim" > "$TMP/h5.csv" 2> "$TMP/h5.err" || fail "levels=5"
	expect "refs on a 5-level machine" "$(field "$TMP/h5.csv" lru 4 refs)" 3
	expect "faults on a 5-level machine" "$(field "$TMP/h5.csv" lru 4 faults)" 2
	# Machine options pass through; swap=none works while nothing dirty must go.
	replay --csv -p fifo -n 2 -o tlb=0,swap=none "$TMP/classic.refs" > "$TMP/o.csv" || fail "-o tlb=0,swap=none"
	expect "fifo with -o tlb=0,swap=none" "$(field "$TMP/o.csv" fifo 2 faults)" 15
	# Frame ranges, and several traces in one run (order: trace, policy, frames).
	replay --csv -p lru,fifo -n 2-4,6-10:2 "$TMP/classic.refs" "$TMP/belady.refs" > "$TMP/multi.csv" ||
		fail "several traces"
	expect "rows for 2 traces x 2 policies x 6 frame counts" "$(($(wc -l < "$TMP/multi.csv") - 1))" 24
	expect "row order" "$(sed -n '2p;8p;14p' "$TMP/multi.csv" | cut -d, -f2,3 | tr '\n' ' ')" "lru,2 fifo,2 lru,2 "
}

# expect_error WANT_STATUS PATTERN ARGS...: fails with that status, says PATTERN
expect_error() {
	want=$1 pattern=$2
	shift 2
	replay "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		fail "vmfs-replay $*: status $rc, expected $want ($(head -c 300 "$TMP/err"))"
	elif ! grep -q -- "$pattern" "$TMP/err"; then
		fail "vmfs-replay $*: no '$pattern' in: $(head -c 300 "$TMP/err")"
	else
		ok "vmfs-replay $* -> $want, '$pattern'"
	fi
}

mode_errors() {
	printf '==1== x\nI  04018a0,3\n L 1ffefffd70,8\n S zzz,4\n M 00403000,8\n L 1000\n' > "$TMP/bad.lackey"
	expect_error 1 "bad.lackey:4: malformed lackey record" "$TMP/bad.lackey"
	replay --csv --lenient -p lru -n 4 "$TMP/bad.lackey" > "$TMP/len.csv" 2> "$TMP/len.err"
	expect "--lenient status" $? 0
	grep -q '2 malformed records skipped (the first at line 4)' "$TMP/len.err" &&
		ok "--lenient counts the skipped records" || fail "--lenient: $(cat "$TMP/len.err")"
	expect "--lenient refs" "$(field "$TMP/len.csv" lru 4 refs)" 3
	printf '1000 R\n2000 X\n' > "$TMP/bad.memsim"
	expect_error 1 "bad.memsim:2: malformed memsim record" --format memsim "$TMP/bad.memsim"
	printf '1 2 3\n4 5x 6\n' > "$TMP/bad.refs"
	expect_error 1 "bad.refs:2: malformed refs record" --format refs "$TMP/bad.refs"
	printf '1 2 3\n99999999999999999999999 1\n' > "$TMP/big.refs"
	expect_error 1 "big.refs:2: malformed refs record" "$TMP/big.refs"
	printf ' L 1000,0\n' > "$TMP/zero.lackey"
	expect_error 1 "zero.lackey:1: malformed lackey record: zero size" --format lackey "$TMP/zero.lackey"
	printf ' L ffffffffffffffff,8\n' > "$TMP/wrap.lackey"
	expect_error 1 "wrap.lackey:1:" --format lackey "$TMP/wrap.lackey"
	# A line too long for a record.
	"$PYTHON" -c 'print(" L 1000,8" + " " * 5000 + "x"); print(" L 2000,8")' > "$TMP/long.lackey"
	expect_error 1 "long.lackey:1: malformed lackey record: line too long" --format lackey "$TMP/long.lackey"
	# Malformed standard input is named as such.
	printf '1000 R\nnope\n' > "$TMP/bad2.memsim"
	replay --format memsim - < "$TMP/bad2.memsim" > /dev/null 2> "$TMP/err"
	grep -q '(standard input):2: malformed memsim record' "$TMP/err" && ok "stdin errors name (standard input):LINE" ||
		fail "stdin error: $(cat "$TMP/err")"
	# A NUL byte is a byte like any other, never the end of a record:
	# "7<NUL>junk" is no more page 7 than "7junk" is.
	printf '1 2\n7\000junk 3\n' > "$TMP/nul.refs"
	expect_error 1 "nul.refs:2: malformed refs record" "$TMP/nul.refs"
	printf '1000 R\n2000 R\000junk\n' > "$TMP/nul.memsim"
	expect_error 1 "nul.memsim:2: malformed memsim record" "$TMP/nul.memsim"
	printf '1000 R\n  \000\n' > "$TMP/nul-blank.memsim"
	expect_error 1 "nul-blank.memsim:2: malformed memsim record" "$TMP/nul-blank.memsim"
	printf 'I  0401ab70,3\n L 1000,8\000,junk\n' > "$TMP/nul.lackey"
	expect_error 1 "nul.lackey:2: malformed lackey record" "$TMP/nul.lackey"
	# A line that would read as a record but for its NUL decides no format.
	printf '7\000junk\n1 2\n' > "$TMP/nul-first.refs"
	expect_error 1 "nul-first.refs:1: malformed refs record" "$TMP/nul-first.refs"
	printf '1\n7\000junk\n2\n' > "$TMP/nul-lenient.refs"
	replay --csv --lenient -p lru -n 4 "$TMP/nul-lenient.refs" > "$TMP/len.csv" 2> "$TMP/len.err"
	expect "--lenient status, a NUL in a refs token" $? 0
	grep -q '1 malformed record skipped (the first at line 2)' "$TMP/len.err" &&
		ok "--lenient counts a token with a NUL as malformed" || fail "--lenient NUL: $(cat "$TMP/len.err")"
	expect "--lenient refs, a NUL in a refs token" "$(field "$TMP/len.csv" lru 4 refs)" 2
	# Not a trace at all; a binary file is not one either, and does not crash.
	printf 'hello world\nthis is not a trace\n' > "$TMP/prose"
	expect_error 1 "cannot tell the trace format" "$TMP/prose"
	head -c 200000 "$REPLAY" > "$TMP/binary"
	for f in "" --format=lackey --format=memsim --format=refs; do
		replay $f --lenient -n 3 "$TMP/binary" > /dev/null 2>&1
		rc=$?
		[ $rc -lt 128 ] && ok "a binary file ${f:-detected}: status $rc, no crash" || fail "binary $f: $rc"
	done
	: > "$TMP/empty"
	expect_error 1 "empty trace" "$TMP/empty"
	expect_error 1 "No such file" "$TMP/does-not-exist"
	expect_error 1 "is a directory" "$TMP"
	# Bad command lines.
	expect_error 2 "memory sizes come from --frames" -o frames=8 "$TMP/classic.refs"
	expect_error 2 "memory sizes come from --frames" -o mem=1M "$TMP/classic.refs"
	expect_error 2 "policies come from --policy" -o policy=lru "$TMP/classic.refs"
	expect_error 2 "unknown option" -o bogus=1 "$TMP/classic.refs"
	expect_error 2 "unknown policy 'lfu'" -p lru,lfu "$TMP/classic.refs"
	expect_error 2 "expected positive numbers" -n 0 "$TMP/classic.refs"
	expect_error 2 "A-B needs" -n 8-4 "$TMP/classic.refs"
	expect_error 2 "unknown format" --format xml "$TMP/classic.refs"
	expect_error 2 "no trace given"
	expect_error 2 "choose one" --csv --json "$TMP/classic.refs"
	expect_error 2 "read only once" - -
	# A run that cannot go on (no swap, dirty pages must leave) fails cleanly.
	printf '0 W\n1000 W\n2000 W\n' > "$TMP/dirty.memsim"
	expect_error 1 "out of memory" -p lru -n 2 -o swap=none "$TMP/dirty.memsim"
	# Random garbage in every format: never a crash.
	"$PYTHON" -c '
import random, sys
r = random.Random(3)
alphabet = b"0123456789abcdefxILSMRW ,.#=\n\t-"
sys.stdout.buffer.write(bytes(r.choice(alphabet) for _ in range(200000)))' > "$TMP/garbage"
	for f in lackey memsim refs; do
		replay --lenient --format $f -p all -n 3,7 "$TMP/garbage" > /dev/null 2>&1
		rc=$?
		[ $rc -lt 128 ] && ok "garbage as $f: status $rc, no crash" || fail "garbage as $f: status $rc"
	done
}

mode_output() {
	echo "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1" > "$TMP/classic.refs"
	printf '1 2 3 4 1 2 5 1 2 3 4 5\n' > "$TMP/belady.refs"
	replay --csv -n 1-8 "$TMP/classic.refs" > "$TMP/c.csv" || fail "--csv"
	expect "CSV header" "$(head -1 "$TMP/c.csv")" "trace,policy,frames,refs,faults,major,minor,swapouts,swapins,hit_ratio"
	expect "CSV rows" "$(($(wc -l < "$TMP/c.csv") - 1))" 40
	expect "hit ratio" "$(field "$TMP/c.csv" opt 3 hit_ratio)" 0.550000
	replay --json -n 3,4 "$TMP/classic.refs" > "$TMP/c.json" || fail "--json"
	"$PYTHON" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 10, rows
opt3 = [r for r in rows if r["policy"] == "opt" and r["frames"] == 3][0]
assert opt3["faults"] == 9 and opt3["refs"] == 20 and abs(opt3["hit_ratio"] - 0.55) < 1e-9, opt3
assert list(rows[0]) == ["trace", "policy", "frames", "refs", "faults", "major", "minor",
                         "swapouts", "swapins", "hit_ratio"], list(rows[0])
' "$TMP/c.json" && ok "--json parses, same figures" || fail "--json"
	replay -n 3,4 "$TMP/classic.refs" > "$TMP/c.txt" || fail "table"
	head -1 "$TMP/c.txt" | grep -q '^trace .*policy .*frames .*refs .*faults .*major .*minor .*swapouts .*swapins .*hit_ratio$' &&
		ok "table header" || fail "table header: $(head -1 "$TMP/c.txt")"
	expect "table rows" "$(($(wc -l < "$TMP/c.txt") - 1))" 10
	# A trace name with a comma is quoted in CSV.
	cp "$TMP/classic.refs" "$TMP/a,b.refs"
	replay --csv -p lru -n 3 "$TMP/a,b.refs" | sed -n 2p | grep -q '^".*a,b.refs",lru,3,' &&
		ok "CSV quotes a name with a comma" || fail "CSV quoting"
	# The plot.
	replay --csv --plot "$TMP/mrc.svg" -n 1-8 "$TMP/classic.refs" "$TMP/belady.refs" > /dev/null ||
		fail "--plot"
	if command -v xmllint > /dev/null 2>&1; then
		xmllint --noout "$TMP/mrc.svg" && ok "xmllint accepts the SVG" || fail "xmllint rejects the SVG"
	fi
	"$PYTHON" -c '
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
lines = root.findall(".//s:polyline", ns)
assert len(lines) == 10, len(lines)         # 5 policies x 2 traces
texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
for word in ("frames", "faults", "miss ratio", "fifo", "lru", "clock", "arc", "opt", "classic.refs"):
    assert word in texts, word
pts = [p.split(",") for p in lines[0].get("points").split()]
assert len(pts) == 8, pts
' "$TMP/mrc.svg" && ok "the SVG has a line per policy and trace, axis labels, a legend" ||
		fail "SVG content"
	expect_plot_fail=$(replay --plot /nonexistent/dir/x.svg -n 3 "$TMP/classic.refs" 2>&1 > /dev/null; echo $?)
	case "$expect_plot_fail" in *1) ok "an unwritable --plot file fails with status 1" ;;
		*) fail "unwritable plot: $expect_plot_fail" ;; esac
	# Parallel runs give the rows of a single thread.
	replay --csv -j 1 -n 1-6 "$TMP/classic.refs" > "$TMP/j1.csv"
	replay --csv -j 4 -n 1-6 "$TMP/classic.refs" > "$TMP/j4.csv"
	cmp -s "$TMP/j1.csv" "$TMP/j4.csv" && ok "-j 4 gives the rows of -j 1" || fail "-j 4 differs"
	# The benchmark mode runs and agrees with its simulator.
	"$PYTHON" -c 'import random; r = random.Random(5); print(" ".join(str(int(r.paretovariate(1.1)) % 300) for _ in range(50000)))' \
		> "$TMP/bench.refs"
	replay --bench -n 16 "$TMP/bench.refs" > "$TMP/bench.out" || fail "--bench: $(cat "$TMP/bench.out")"
	grep -q 'ratio machine/simulator' "$TMP/bench.out" && ! grep -q MISMATCH "$TMP/bench.out" &&
		ok "--bench: the machine and the simulator agree" || fail "--bench output: $(cat "$TMP/bench.out")"
}

# LIRS (policy_lirs.c).  The expected misses are the output of the authors'
# simulator, lirs.c by Song Jiang (Nov 2002; ben-manes/caffeine, simulator
# resources, parser/lirs/), run on their traces (../shared/traces/lirs) with
# DEFAULT_MEMSIZE set to each cache size and MAX_S_LEN to mem_size*3 (the
# limit of S its lirs.h gives as example, and lirs's default `stack=3`) or
# left at its mem_size*2500; HIR_RATE 1.0, STAT_START_POINT 0 (every miss
# counts, cold ones too).  Their program reads with fscanf and stops at
# feof, so of a trace whose last line has no newline (backf, zigzag) it
# never processes that last reference: we replay what it read, turning the
# traces into refs here ('*' checkpoint lines dropped, CRLF cut, that last
# line dropped); vmfs-replay's own lirs format, reading the .gz, gives the
# same rows for a trace that ends with a newline (checked on cs).
LIRS_SIZES=20,100,500,1000,2000
# name, misses at LIRS_SIZES with stack=3, then with stack=2500
LIRS_EXPECT='2_pools  90571  54234  48090  45604  40810   90681  55111  48043  45608  40810
backf     8977   8977   6228    751    751    8977   8977   6228    751    751
cpp       6952   2031   1275   1228   1223    6857   2031   1275   1228   1223
cs        6643   6329   4717   2744   1409    6622   6300   4717   2744   1409
gli       5932   5654   3994   2964   2529    5893   5582   3994   2964   2529
loop    496518 456598 258495  11490   1011  496518 456598 258495  11490   1011
multi1   14726   8872   6982   5011   2631   13839   8841   7033   5011   2631
multi2   24889  18424  12870  11012   7601   23982  17952  12930  11012   7601
multi3   28258  22470  16544  14419  11419   27755  21865  16768  15255  11419
ps        9511   8551   4517   3462   3083    8991   7282   4452   3462   3083
scan     49593  47673  38145  26265   2505   49593  47673  38145  26265   2505
sprite  125082 100103  32211  16589  11787  126631 100368  32209  16589  11787
zigzag   51975  51975  51900  51775   2025   51975  51975  51900  51775   2025'

# CLOCK-Pro (policy_clockpro.c): the expected misses are the output of the
# authors' clock-pro.c (Song Jiang, 9/29/05; same place as lirs.c) on the
# same references at the same sizes, built with its clock-pro.h as shipped
# (MIN_COLD_ALLOC_RATE = MAX_COLD_ALLOC_RATE = 5.0, ADAPTIVE_COLD_ALLOC
# off: clockpro's defaults), then with ADAPTIVE_COLD_ALLOC defined and the
# band 1.0 .. 99.0 (clockpro:adaptive=1:min=1:max=99).  It reads with
# fscanf("%lu"), so it was given the refs files made here ('*' lines would
# stop it).
CLOCKPRO_EXPECT='2_pools  90589  53787  48078  45665  40856   90589  52672  48076  45663  40842
backf     8977   8944   6228    751    751    8977   8977   4869    751    751
cpp       7468   2076   1269   1226   1223    7468   2052   1275   1226   1223
cs        6643   6336   4873   2903   1409    6643   6329   4795   2756   1409
gli       5932   5666   4098   3004   2529    5932   5654   4018   2964   2529
loop    496518 458095 268475  31450   1011  496518 456598 258495  11490   1011
multi1   15088   9003   7049   5151   2648   15088   9025   6986   5027   2632
multi2   25086  19317  13280  11389   7841   25086  19466  13221  11270   7919
multi3   28209  24700  18060  14558  11600   28209  24685  18031  14553  11457
ps        9517   8611   4557   3607   3083    9517   8551   4517   3527   3083
scan     49593  47745  38625  27225   4425   49593  47673  38145  26265   2505
sprite  123301  96492  31061  15534  10384  123295  96040  30863  14876  10304
zigzag   51975  51900  51400  50775   3114   51975  51975  51900  42641   2234'

# authors POLICY FIRST TABLE PROGRAM: every trace at every size against the
# five figures from the FIRST after the name in TABLE (1 or 6)
authors() {
	policy=$1
	while read -r name cols; do
		want=$(echo "$cols" | awk -v f="$2" '{ print $f, $(f + 1), $(f + 2), $(f + 3), $(f + 4) }')
		got=$(replay --csv --format=refs -p "$policy" -n $LIRS_SIZES "$TMP/$name.refs" |
			awk -F, 'NR > 1 { printf "%s%s", sep, $5; sep = " " }')
		if [ "$got" = "$want" ]; then
			ok "$name: $policy misses at $LIRS_SIZES frames are the authors' $4's ($want)"
		else
			fail "$name: $policy misses at $LIRS_SIZES frames: $got, the authors' $4: $want"
		fi
	done <<EOF
$3
EOF
}

# The LIRS paper's traces as refs, in $TMP/NAME.refs; false if absent.
authors_traces() {
	TRACES=${TRACES:-$SRCDIR/../../../shared/traces}
	if [ ! -d "$TRACES/lirs" ]; then
		echo "skip: no $TRACES/lirs (the LIRS paper's traces)"
		return 1
	fi
	for name in $(echo "$LIRS_EXPECT" | cut -d' ' -f1); do
		zcat "$TRACES/lirs/$name.trace.gz" > "$TMP/$name.raw" || fail "zcat $name"
		if [ "$(tail -c 1 "$TMP/$name.raw" | od -An -tx1 | tr -d ' ')" != 0a ]; then
			sed -i '$d' "$TMP/$name.raw"    # what fscanf/feof leaves out
		fi
		tr -d '\r' < "$TMP/$name.raw" | grep -v '^\*' | grep '[0-9]' > "$TMP/$name.refs"
	done
}

# The synthetic traces modes lirs and clockpro check against refsim: the
# textbook string, a loop one page larger than memory (LRU's worst case),
# random references with writes (memsim, so swap traffic is checked too),
# and a working set of 150 pages disturbed by one-time scans of 50.
synthetic_traces() {
	echo "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1" > "$TMP/classic.refs"
	"$PYTHON" -c 'print(",".join(str(i % 101) for i in range(5000)))' > "$TMP/loop.refs"
	"$PYTHON" -c '
import random
r = random.Random(11)
for i in range(30000):
    page = int(r.paretovariate(1.2)) % 400 if r.random() < 0.9 else r.randrange(400)
    print("%x %s" % (page * 4096 + r.randrange(4096), "W" if r.random() < 0.3 else "R"))' > "$TMP/random.memsim"
	"$PYTHON" -c '
import random
r = random.Random(3)
out, scan = [], 1000
for i in range(40000):
    if r.random() < 0.05:
        out.extend(range(scan, scan + 50)); scan += 50
    out.append(r.randrange(150))
print(" ".join(map(str, out)))' > "$TMP/scan.refs"
}

mode_lirs() {
	# A short string of five blocks, at every size up to all of them.
	echo "1,4,2,3,2,1,4,1,5,3,4,2,5,1,2,3,4,5,1,2,3" > "$TMP/fig.refs"
	compare "$TMP/fig.refs" 1,2,3,4,5,6 lirs
	# Against the paper's reference on the synthetic traces (on the loop,
	# LIRS keeps most of it where LRU keeps nothing), and with smaller HIR
	# shares and stack bounds.
	synthetic_traces
	compare "$TMP/classic.refs" 1,2,3,4,5,6,7,8 lirs
	compare "$TMP/loop.refs" 10,50,100,101,102 lirs,lru
	compare "$TMP/random.memsim" 3,10,40,100,250,399 lirs
	compare "$TMP/scan.refs" 20,100,160,300 lirs,lru
	compare "$TMP/scan.refs" 20,100,160 lirs:hir=10:stack=1,lirs:hir=30:stack=2
	# The authors' traces and program.
	authors_traces || return
	authors lirs 1 "$LIRS_EXPECT" lirs.c
	authors lirs:stack=2500 6 "$LIRS_EXPECT" lirs.c
	replay --csv -p lirs,clockpro -n 100,1000 "$TRACES/lirs/cs.trace.gz" | cut -d, -f2- > "$TMP/gz.csv"
	replay --csv -p lirs,clockpro -n 100,1000 "$TMP/cs.refs" | cut -d, -f2- > "$TMP/refs.csv"
	cmp -s "$TMP/gz.csv" "$TMP/refs.csv" && ok "cs.trace.gz read as lirs gives the rows of its refs" ||
		fail "cs.trace.gz read as lirs and its refs differ"
	# The paper's reference agrees with them too, on one trace.
	compare "$TMP/cs.refs" 20,100,500 lirs refs
}

mode_clockpro() {
	synthetic_traces
	# Tiny clocks (the authors' program refuses fewer than 5 frames): no
	# crash, and never more faults than references.
	replay --csv -p clockpro -n 1-8 "$TMP/classic.refs" > "$TMP/tiny.csv" ||
		fail "clockpro on 1-8 frames"
	expect "clockpro, 5 frames" "$(field "$TMP/tiny.csv" clockpro 5 faults)" 8
	expect "clockpro, 1 frame" "$(field "$TMP/tiny.csv" clockpro 1 faults)" 20
	# Against the paper's reference on the synthetic traces.
	compare "$TMP/classic.refs" 1,2,3,4,5,6,7,8 clockpro
	compare "$TMP/loop.refs" 10,50,100,101,102 clockpro,lru
	compare "$TMP/random.memsim" 3,10,40,100,250,399 clockpro
	compare "$TMP/scan.refs" 20,100,160,300 clockpro,lru
	compare "$TMP/scan.refs" 20,100,160 clockpro:adaptive=1:min=1:max=99,clockpro:min=20:max=20
	authors_traces || return
	authors clockpro 1 "$CLOCKPRO_EXPECT" clock-pro.c
	authors clockpro:adaptive=1:min=1:max=99 6 "$CLOCKPRO_EXPECT" clock-pro.c
}

# ---- whole curves (--mrc) and parts of a sweep (--shard) ----------------------
# Three more modes:
#   mrc       --mrc's lru and opt rows against per-size replays, column for
#             column where it has the column: textbook strings, synthetic
#             traces, --block, its default grid and --mrc-max, the ARC
#             paper's OLTP trace (Table IV's LRU column) and two of the
#             LIRS paper's (those skipped without $TRACES); JSON, table,
#             plot; bad combinations
#   shard     --shard K/N: the parts concatenated are the whole CSV byte
#             for byte (runs, and --mrc's curves), empty parts, a failing
#             part, bad K/N and combinations
#   parallel  the parts run by GNU parallel (in order with -k, and into
#             files out of order) against the single run; exit 77 (skip)
#             when GNU parallel is missing

# mrc_compare TRACE SIZES [ARGS...]: --mrc's rows at SIZES are the per-size
# replays' (-p lru,opt), column for column where --mrc has the column
# (trace, policy, frames, refs, faults, hit_ratio); its other four are empty.
mrc_compare() {
	trace=$1 sizes=$2
	shift 2
	if ! replay --csv --mrc -n "$sizes" "$@" "$trace" > "$TMP/mrc.csv" ||
	   ! replay --csv -p lru,opt -n "$sizes" "$@" "$trace" > "$TMP/runs.csv"; then
		fail "$(basename "$trace"): --mrc or the replays failed"
		return
	fi
	cut -d, -f1-5,10 "$TMP/mrc.csv" > "$TMP/a"
	cut -d, -f1-5,10 "$TMP/runs.csv" > "$TMP/b"
	empty=$(awk -F, 'NR > 1 && $6 $7 $8 $9 != "" { n++ } END { print n + 0 }' "$TMP/mrc.csv")
	if cmp -s "$TMP/a" "$TMP/b" && [ "$empty" = 0 ]; then
		ok "$(basename "$trace"): --mrc gives the faults of $(($(wc -l < "$TMP/b") - 1)) per-size runs (lru, opt at $sizes${*:+, $*})"
	else
		fail "$(basename "$trace"): --mrc and the per-size runs differ (< --mrc, > runs; $empty rows with major..swapins):"
		diff "$TMP/a" "$TMP/b" | head -20
	fi
}

# mrc_grid_compare TRACE: --mrc without -n, then every size of its default
# grid (at most the first 4096) replayed: the same faults.
mrc_grid_compare() {
	replay --csv --mrc "$1" > "$TMP/grid.csv" || { fail "--mrc $1"; return; }
	sizes=$(awk -F, 'NR > 1 && $2 == "lru" { printf "%s%s", s, $3; s = "," }' "$TMP/grid.csv")
	nsizes=$(awk -F, 'NR > 1 && $2 == "lru"' "$TMP/grid.csv" | wc -l)
	[ "$(awk -F, 'NR > 1 && $2 == "opt"' "$TMP/grid.csv" | wc -l)" = "$nsizes" ] ||
		fail "$(basename "$1"): the default grid differs between lru and opt"
	mrc_compare "$1" "$sizes"
	cmp -s "$TMP/grid.csv" "$TMP/mrc.csv" && ok "$(basename "$1"): the default grid is $nsizes sizes, 1 to ${sizes##*,}" ||
		fail "$(basename "$1"): --mrc and --mrc -n GRID differ"
}

mode_mrc() {
	synthetic_traces
	printf '1 2 3 4 1 2 5 1 2 3 4 5\n' > "$TMP/belady.refs"
	# The textbook figures, at every size (hits at size c: distance <= c).
	replay --csv --mrc -n 3,4 "$TMP/classic.refs" > "$TMP/c.csv" || fail "--mrc classic"
	expect "--mrc lru, 3 frames" "$(field "$TMP/c.csv" lru 3 faults)" 12
	expect "--mrc lru, 4 frames" "$(field "$TMP/c.csv" lru 4 faults)" 8
	expect "--mrc opt, 3 frames" "$(field "$TMP/c.csv" opt 3 faults)" 9
	expect "--mrc opt, 4 frames" "$(field "$TMP/c.csv" opt 4 faults)" 8
	expect "--mrc major (not known)" "$(field "$TMP/c.csv" opt 4 major)" ""
	for t in classic.refs belady.refs; do
		mrc_compare "$TMP/$t" 1,2,3,4,5,6,7,8
		mrc_grid_compare "$TMP/$t"
	done
	# A loop one page larger than memory, writes (the faults, cold and
	# major ones, are still one per miss), scans through a working set.
	mrc_compare "$TMP/loop.refs" 1,50,99,100,101,102,200
	mrc_compare "$TMP/random.memsim" 1,2,3,5,10,40,100,250,399,400,1000
	mrc_compare "$TMP/scan.refs" 1,20,100,149,150,151,160,300,2000
	mrc_grid_compare "$TMP/random.memsim"
	mrc_grid_compare "$TMP/scan.refs"
	# Seeded random references over 3000 pages, skewed, every size 1-400.
	"$PYTHON" -c '
import random
r = random.Random(18)
print("\n".join(str(int(r.paretovariate(0.8)) % 3000 if r.random() < 0.8 else r.randrange(3000)) for _ in range(40000)))' \
		> "$TMP/skew.refs"
	mrc_compare "$TMP/skew.refs" 1-400
	mrc_compare "$TMP/skew.refs" 500-3000:250
	# Blocks mapped to pages as the replays map them.
	printf '10 3 0 0\n11 1 0 1\n20 2 0 2\n10 1 0 3\n40 9 0 4\n12 30 0 5\n' > "$TMP/s.lis"
	mrc_compare "$TMP/s.lis" 1,2,3,4 --block=512
	mrc_compare "$TMP/s.lis" 1,2,3,5,8,13,40 --block=8192
	# --mrc-max stops the default grid; opt stops there too.
	replay --csv --mrc --mrc-max 100 "$TMP/skew.refs" > "$TMP/max.csv" || fail "--mrc-max"
	expect "--mrc-max 100: the last size" "$(tail -1 "$TMP/max.csv" | cut -d, -f2,3)" "opt,100"
	expect "--mrc-max 100: rows" "$(awk -F, 'NR > 1 && $2 == "lru"' "$TMP/max.csv" | wc -l)" 82
	# One policy; the order of -p; JSON (null where unknown); the plot.
	replay --csv --mrc -p opt,lru -n 3 "$TMP/classic.refs" | cut -d, -f2 | tr '\n' ' ' > "$TMP/o"
	expect "--mrc -p opt,lru: the order" "$(cat "$TMP/o")" "policy opt lru "
	replay --json --mrc -p lru -n 3,4 "$TMP/classic.refs" > "$TMP/m.json" || fail "--mrc --json"
	"$PYTHON" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert [(r["policy"], r["frames"], r["faults"]) for r in rows] == [("lru", 3, 12), ("lru", 4, 8)], rows
assert all(r[k] is None for r in rows for k in ("major", "minor", "swapouts", "swapins")), rows
' "$TMP/m.json" && ok "--mrc --json: the faults, and null for what a curve does not know" || fail "--mrc --json"
	replay --mrc -n 3,4 "$TMP/classic.refs" > "$TMP/m.txt" || fail "--mrc table"
	expect "--mrc table rows" "$(($(wc -l < "$TMP/m.txt") - 1))" 4
	replay --csv --mrc --plot "$TMP/mrc.svg" "$TMP/skew.refs" "$TMP/classic.refs" > /dev/null || fail "--mrc --plot"
	"$PYTHON" -c '
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
lines = ET.parse(sys.argv[1]).getroot().findall(".//s:polyline", ns)
assert len(lines) == 4, len(lines)           # lru and opt, two traces
assert len(lines[0].get("points").split()) > 100, lines[0].get("points")
' "$TMP/mrc.svg" && ok "--mrc --plot: a line per policy and trace, every size of the grid" || fail "--mrc --plot"
	# Bad combinations.
	expect_error 2 "the curves are lru's and opt's, not 'fifo'" --mrc -p lru,fifo "$TMP/classic.refs"
	expect_error 2 "not 'lru:x=1'" --mrc -p lru:x=1 "$TMP/classic.refs"
	expect_error 2 "choose one" --mrc --bench "$TMP/classic.refs"
	expect_error 2 "only with --mrc" --mrc-max 10 "$TMP/classic.refs"
	expect_error 2 "already gives the sizes" --mrc --mrc-max 10 -n 3 "$TMP/classic.refs"
	expect_error 2 "expected a positive number" --mrc --mrc-max 0 "$TMP/classic.refs"
	expect_error 2 "no trace given" --mrc
	expect_error 1 "No such file" --mrc "$TMP/does-not-exist"
	printf '1 2\nx\n' > "$TMP/bad.refs"
	expect_error 1 "bad.refs:2: malformed refs record" --mrc "$TMP/bad.refs"
	# The papers' traces, when present: OLTP (Table IV's LRU column from
	# the curve) and two of the LIRS paper's.
	TRACES=${TRACES:-$SRCDIR/../../../shared/traces}
	oltp="$TRACES/arc/OLTP.lis.zst"
	if [ ! -f "$oltp" ]; then
		echo "skip: no $oltp (the ARC paper's OLTP trace): the papers' traces not tried"
		return
	fi
	mrc_compare "$oltp" 1,10,100,1000,2000,5000,10000,15000
	replay --csv --mrc -p lru "$oltp" > "$TMP/oltp.csv" || fail "--mrc OLTP"
	while read -r c want; do
		got=$(field "$TMP/oltp.csv" lru "$c" hit_ratio | awk '{ printf "%.2f", $1 * 100 }')
		[ -z "$got" ] && got=$(replay --csv --mrc -p lru -n "$c" "$oltp" | field /dev/stdin lru "$c" hit_ratio |
			awk '{ printf "%.2f", $1 * 100 }')
		expect "--mrc: OLTP lru at $c pages, % (Table IV)" "$got" "$want"
	done <<-EOF
	1000 32.83
	2000 42.47
	5000 53.65
	10000 60.70
	15000 64.63
	EOF
	for t in cs multi2; do
		f="$TRACES/lirs/$t.trace.gz"
		[ -f "$f" ] && mrc_compare "$f" 1,10,100,500,1000,2000,5000
	done
	[ -f "$TRACES/lirs/cs.trace.gz" ] && mrc_grid_compare "$TRACES/lirs/cs.trace.gz"
}

# shard_compare N ARGS...: the parts 1..N of ARGS's sweep, concatenated,
# are its whole CSV byte for byte.
shard_compare() {
	n=$1
	shift
	replay --csv "$@" > "$TMP/whole.csv" || { fail "the whole sweep $*"; return; }
	: > "$TMP/parts.csv"
	k=1
	while [ $k -le "$n" ]; do
		replay --csv --shard "$k/$n" "$@" >> "$TMP/parts.csv" || fail "--shard $k/$n $*"
		k=$((k + 1))
	done
	if cmp -s "$TMP/whole.csv" "$TMP/parts.csv"; then
		ok "--shard 1/$n .. $n/$n concatenated are the whole ($(($(wc -l < "$TMP/whole.csv") - 1)) rows: $*)"
	else
		fail "--shard x/$n concatenated differ from the whole ($*):"
		diff "$TMP/whole.csv" "$TMP/parts.csv" | head -10
	fi
}

mode_shard() {
	synthetic_traces
	printf '1 2 3 4 1 2 5 1 2 3 4 5\n' > "$TMP/belady.refs"
	sweep="-p fifo,lru,opt,arc -n 2,3,5,8,13 $TMP/classic.refs $TMP/belady.refs $TMP/scan.refs"
	for n in 1 2 3 7 40 60; do
		shard_compare $n $sweep
	done
	# Each part runs its runs only: part 2 of 3 of 60 runs holds 20 rows.
	replay --csv --shard 2/3 $sweep > "$TMP/p2.csv"
	expect "part 2/3: rows, no header" "$(wc -l < "$TMP/p2.csv")" 20
	expect "part 2/3: its first run" "$(head -1 "$TMP/p2.csv" | cut -d, -f2,3)" "fifo,2"
	# More parts than runs: the extra parts are empty (part 1 has the header).
	replay --csv --shard 2/50 -p lru -n 3 "$TMP/classic.refs" > "$TMP/empty.csv"
	expect "an empty part prints nothing" "$(wc -c < "$TMP/empty.csv")" 0
	# With --mrc the units are the curves (trace, policy).
	for n in 2 3 5; do
		shard_compare $n --mrc $TMP/classic.refs $TMP/random.memsim $TMP/scan.refs
		shard_compare $n --mrc -n 1-20 $TMP/classic.refs $TMP/random.memsim
	done
	# A failing trace fails its part only.
	replay --csv --shard 1/2 -p lru -n 3 "$TMP/classic.refs" "$TMP/does-not-exist" > /dev/null 2>&1
	expect "the part without the missing trace" $? 0
	replay --csv --shard 2/2 -p lru -n 3 "$TMP/classic.refs" "$TMP/does-not-exist" > /dev/null 2>&1
	expect "the part with the missing trace" $? 1
	for bad in 0/3 4/3 1/0 3 1/ /2 a/b 1/2/3 -1/2 1/1000001 " 1/2"; do
		expect_error 2 "expected K/N with 1 <= K <= N" --csv --shard "$bad" "$TMP/classic.refs"
	done
	expect_error 2 "as CSV only" --shard 1/2 "$TMP/classic.refs"
	expect_error 2 "as CSV only" --json --shard 1/2 "$TMP/classic.refs"
	expect_error 2 "cannot draw the whole" --csv --plot "$TMP/x.svg" --shard 1/2 "$TMP/classic.refs"
	expect_error 2 "is one run" --csv --bench --shard 1/2 "$TMP/classic.refs"
}

# The sweep run by GNU parallel, as the README shows it (one part a job,
# kept in order with -k), against the single run.
mode_parallel() {
	command -v parallel > /dev/null 2>&1 ||
		{ echo "SKIP: GNU parallel is not installed (scripts/setup.sh installs it)"; exit 77; }
	parallel --version 2>/dev/null | grep -q 'GNU parallel' ||
		{ echo "SKIP: 'parallel' is not GNU parallel"; exit 77; }
	synthetic_traces
	set -- -p fifo,lru,clock,arc,opt -n 1-40 "$TMP/classic.refs" "$TMP/random.memsim" "$TMP/scan.refs"
	replay --csv "$@" > "$TMP/whole.csv" || fail "the whole sweep"
	parallel --will-cite -k -j 2 "$REPLAY" --no-progress --csv --shard {}/8 "$@" ::: 1 2 3 4 5 6 7 8 \
		> "$TMP/parallel.csv" || fail "parallel"
	cmp -s "$TMP/whole.csv" "$TMP/parallel.csv" &&
		ok "GNU parallel, 8 parts on 2 jobs: the single run's CSV ($(($(wc -l < "$TMP/whole.csv") - 1)) rows)" ||
		fail "GNU parallel's concatenation differs from the single run"
	# Out of order (parallel without -k), one file a part, then cat in order.
	parallel --will-cite -j 2 "$REPLAY --no-progress --csv --shard {}/5 $* > $TMP/part.{}" ::: 5 4 3 2 1 ||
		fail "parallel, one file a part"
	cat "$TMP/part.1" "$TMP/part.2" "$TMP/part.3" "$TMP/part.4" "$TMP/part.5" > "$TMP/files.csv"
	cmp -s "$TMP/whole.csv" "$TMP/files.csv" && ok "parts written to files out of order, cat in order: the whole" ||
		fail "the parts' files differ from the whole"
	replay --csv --mrc "$TMP/random.memsim" "$TMP/scan.refs" > "$TMP/mwhole.csv"
	parallel --will-cite -k "$REPLAY" --no-progress --csv --mrc --shard {}/3 "$TMP/random.memsim" "$TMP/scan.refs" \
		::: 1 2 3 > "$TMP/mpar.csv"
	cmp -s "$TMP/mwhole.csv" "$TMP/mpar.csv" && ok "GNU parallel, --mrc in 3 parts: the single run's curves" ||
		fail "GNU parallel --mrc differs"
}

# zip_all FILE: FILE.gz (two members), FILE.xz and (with the zstd program)
# FILE.zst (two frames) beside it.
zip_all() {
	"$PYTHON" -c 'import gzip, lzma, sys; d = open(sys.argv[1], "rb").read()
open(sys.argv[1] + ".gz", "wb").write(gzip.compress(d[:len(d) // 2]) + gzip.compress(d[len(d) // 2:]))
open(sys.argv[1] + ".xz", "wb").write(lzma.compress(d))' "$1"
	if command -v zstd > /dev/null 2>&1; then
		half=$(($(wc -c < "$1") / 2))
		{ head -c $half "$1" | zstd -q -c; tail -c +$((half + 1)) "$1" | zstd -q -c; } > "$1.zst"
	else
		cp "$1.gz" "$1.zst"   # stands in, so the loops below stay simple
	fi
}

mode_traces() {
	# din: labels 0 read, 1 write, 2 fetch; 3 and 4 are no references.
	printf '# dinero\n2 401000\n0 7fff0010 extra\n1 0x7fff0ff8\n3 0\n4 0\n0 401ab0\n' > "$TMP/s.din"
	replay --csv -v -p lru -n 2 "$TMP/s.din" > "$TMP/din.csv" 2> "$TMP/din.err"
	grep -q 'din (detected)' "$TMP/din.err" && ok "din detected" || fail "din: $(cat "$TMP/din.err")"
	expect "din refs" "$(field "$TMP/din.csv" lru 2 refs)" 4
	expect "din faults" "$(field "$TMP/din.csv" lru 2 faults)" 2
	compare "$TMP/s.din" 1,2 fifo,lru,clock,arc,opt din
	# pin: IP: R|W ADDR.
	printf '0x400a10: R 0x7ffd1000\n0x400a14: W 0x7ffd1008\n0x400a18: R 0x601040\n#eof\n' > "$TMP/s.pin"
	replay --csv -v -p lru -n 1 "$TMP/s.pin" > "$TMP/pin.csv" 2> "$TMP/pin.err"
	grep -q 'pin (detected)' "$TMP/pin.err" && ok "pin detected" || fail "pin: $(cat "$TMP/pin.err")"
	expect "pin refs" "$(field "$TMP/pin.csv" lru 1 refs)" 3
	expect "pin swapouts (a written page evicted)" "$(field "$TMP/pin.csv" lru 1 swapouts)" 1
	compare "$TMP/s.pin" 1,2 fifo,lru,clock,arc,opt pin
	# arc: START NBLOCKS IGNORE REQNO, every block one reference.
	printf '10 3 0 0\n11 1 0 1\n20 2 0 2\n10 1 0 3\n' > "$TMP/s.lis"
	replay --csv -v -p lru -n 8 "$TMP/s.lis" > "$TMP/arc.csv" 2> "$TMP/arc.err"
	grep -q 'arc (detected)' "$TMP/arc.err" && ok "arc detected" || fail "arc: $(cat "$TMP/arc.err")"
	expect "arc refs" "$(field "$TMP/arc.csv" lru 8 refs)" 7
	expect "arc faults" "$(field "$TMP/arc.csv" lru 8 faults)" 5
	compare "$TMP/s.lis" 1,2,3 fifo,lru,clock,arc,opt arc
	# --block 512: blocks 10..12 are bytes 5120..6655, pages 1; 20..21 page 2.
	replay --csv -p lru -n 8 --block 512 "$TMP/s.lis" > "$TMP/arcb.csv" || fail "--block 512"
	expect "arc --block 512 refs" "$(field "$TMP/arcb.csv" lru 8 refs)" 4
	expect "arc --block 512 faults" "$(field "$TMP/arcb.csv" lru 8 faults)" 2
	compare "$TMP/s.lis" 1,2 fifo,lru,arc arc --block=512
	# --block 8192: block b is pages 2b and 2b+1.
	replay --csv -p lru -n 64 --block 8192 "$TMP/s.lis" > "$TMP/arcb2.csv" || fail "--block 8192"
	expect "arc --block 8192 refs" "$(field "$TMP/arcb2.csv" lru 64 refs)" 14
	# lirs: one block a line, "*" skipped; CRLF line ends.
	printf '1\r\n2\r\n*\r\n3\r\n1\r\n*\r\n4\r\n' > "$TMP/s.lirs"
	replay --csv -v -p fifo -n 3 "$TMP/s.lirs" > "$TMP/lirs.csv" 2> "$TMP/lirs.err"
	grep -q 'lirs (detected)' "$TMP/lirs.err" && ok "lirs detected" || fail "lirs: $(cat "$TMP/lirs.err")"
	expect "lirs refs" "$(field "$TMP/lirs.csv" fifo 3 refs)" 5
	compare "$TMP/s.lirs" 1,2,3 fifo,lru,clock,arc,opt lirs
	# oraclegeneral: 24-byte records; object ids are hashes, size 0 skipped.
	"$PYTHON" -c 'import struct, sys
ids = [0xdeadbeef12345678, 7, 0xdeadbeef12345678, 99, 7, 5, 0xffffffffffffffff, 99]
sys.stdout.buffer.write(b"".join(struct.pack("<IQIq", t, o, 0 if o == 5 else 4096, -1) for t, o in enumerate(ids)))' \
		> "$TMP/s.oracleGeneral.bin"
	replay --csv -v -p lru -n 2 "$TMP/s.oracleGeneral.bin" > "$TMP/og.csv" 2> "$TMP/og.err"
	grep -q 'oraclegeneral (detected)' "$TMP/og.err" && ok "oraclegeneral detected by name" ||
		fail "oraclegeneral: $(cat "$TMP/og.err")"
	expect "oraclegeneral refs" "$(field "$TMP/og.csv" lru 2 refs)" 7
	expect "oraclegeneral faults" "$(field "$TMP/og.csv" lru 2 faults)" 6
	compare "$TMP/s.oracleGeneral.bin" 1,2,3 fifo,lru,clock,arc,opt oraclegeneral
	printf 'short' >> "$TMP/s.oracleGeneral.bin"
	expect_error 1 "malformed oraclegeneral record: a partial record" "$TMP/s.oracleGeneral.bin"
	# Policy parameters: NAME:KEY=VALUE reaches the policy (arc has none).
	expect_error 1 "arc:x=1 at 2 frames: cannot open a machine: policy 'arc' failed" -p arc:x=1 -n 2 "$TMP/s.lis"
	expect_error 2 "opt has no parameters" -p opt:x=1 "$TMP/s.lis"
	# --block applies to block formats only.
	expect_error 1 "--block applies to the block formats" --block 512 "$TMP/s.din"
	expect_error 2 "--block" --block 0 "$TMP/s.lis"
	# Compressed: the same rows as the plain file, whatever the format.
	for t in s.din s.pin s.lis s.lirs; do
		zip_all "$TMP/$t"
		replay --csv -p lru,arc -n 2 "$TMP/$t" | cut -d, -f2- > "$TMP/plain.csv"
		for z in gz xz zst; do
			replay --csv -v -p lru,arc -n 2 "$TMP/$t.$z" 2> "$TMP/z.err" | cut -d, -f2- > "$TMP/z.csv"
			if cmp -s "$TMP/plain.csv" "$TMP/z.csv" && grep -q "(detected), " "$TMP/z.err"; then
				ok "$t.$z reads as $t"
			else
				fail "$t.$z: $(cat "$TMP/z.err")"
			fi
		done
	done
	# From a pipe too, and truncated or corrupt data is an error.
	replay --csv -p lru,arc -n 2 - < "$TMP/s.lis.xz" | cut -d, -f2- > "$TMP/pipe.csv"
	replay --csv -p lru,arc -n 2 "$TMP/s.lis" | cut -d, -f2- > "$TMP/plain.csv"
	cmp -s "$TMP/plain.csv" "$TMP/pipe.csv" && ok "xz from a pipe" || fail "xz from a pipe differs"
	head -c 20 "$TMP/s.lis.xz" > "$TMP/cut.xz"
	expect_error 1 "xz: " "$TMP/cut.xz"
	printf '\037\213garbage garbage garbage' > "$TMP/bad.gz"
	expect_error 1 "gzip: " "$TMP/bad.gz"
	# Decompressed by the libraries, not by a forked gzip, xz or zstd: the
	# only program vmfs-replay runs is itself (strace -f follows any child).
	if command -v strace > /dev/null 2>&1 && strace -f -qq -o /dev/null true 2> /dev/null; then
		# LeakSanitizer cannot run under ptrace: an ASan build's leak check is off here
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=execve,vfork,fork -o "$TMP/strace" \
			"$REPLAY" --no-progress --csv -p lru -n 2 "$TMP/s.lis.gz" "$TMP/s.lis.xz" "$TMP/s.lis.zst" \
			> /dev/null || fail "vmfs-replay under strace"
		execs=$(grep -c 'execve(' "$TMP/strace")
		[ "$execs" -eq 1 ] && ! grep -q 'fork(' "$TMP/strace" &&
			ok "gzip, xz and zstd traces read without running another program" ||
			fail "vmfs-replay ran other programs: $(grep 'exec\|fork' "$TMP/strace")"
	else
		echo "note: strace missing or not allowed here, the decompressors' process not checked"
	fi
}

# traces_dir: the papers' traces, or exit 77 with the reason.
traces_dir() {
	if [ ! -d "${TRACES:-}" ]; then
		echo "SKIP: the papers' traces are not at '${TRACES:-}' (../shared/traces beside the source tree)"
		exit 77
	fi
}

# within GOT WANT: |GOT - WANT| <= 0.02 (percent points)
within() {
	awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; exit !(d <= 0.02 && d >= -0.02) }'
}

mode_paper() {
	traces_dir
	oltp="$TRACES/arc/OLTP.lis.zst"
	[ -f "$oltp" ] || { echo "SKIP: $oltp is missing"; exit 77; }
	replay --csv -v -p lru,arc -n 1000,2000,5000,10000,15000 "$oltp" > "$TMP/oltp.csv" 2> "$TMP/oltp.err" ||
		fail "OLTP: $(cat "$TMP/oltp.err")"
	expect "OLTP references" "$(field "$TMP/oltp.csv" lru 1000 refs)" 914145
	# Table IV of the ARC paper: c, LRU, ARC (hit ratios, percent).
	while read -r c lru arc; do
		for p in lru arc; do
			want=$([ $p = lru ] && echo "$lru" || echo "$arc")
			got=$(field "$TMP/oltp.csv" $p "$c" hit_ratio | awk '{ printf "%.4f", $1 * 100 }')
			if within "$got" "$want"; then
				ok "OLTP $p at $c pages: $got % (Table IV: $want)"
			else
				fail "OLTP $p at $c pages: $got %, Table IV has $want (more than 0.02 apart)"
			fi
		done
	done <<-EOF
	1000 32.83 38.93
	2000 42.47 46.08
	5000 53.65 55.25
	10000 60.70 61.87
	15000 64.63 65.40
	EOF
	# The LIRS paper's traces against refsim, every policy.
	for t in cs multi2 2_pools; do
		f="$TRACES/lirs/$t.trace.gz"
		[ -f "$f" ] && compare "$f" 100,500,1000 fifo,lru,clock,arc,opt lirs
	done
}


# The policies of issue 18 against their references in refsim.py: the
# classic strings, synthetic traces of several kinds made here, and the
# small traces of the LIRS paper (../shared/traces/lirs, when present,
# their '*' checkpoint lines and CRs taken out).
NEW_POLICIES=2q,car,random,s3fifo,sieve,wsclock
mode_policies() {
	echo "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1" > "$TMP/classic.refs"
	printf '1 2 3 4 1 2 5 1 2 3 4 5\n' > "$TMP/belady.refs"
	compare "$TMP/classic.refs" 1,2,3,4,5 "$NEW_POLICIES"
	compare "$TMP/belady.refs" 1,2,3,4,5 "$NEW_POLICIES"
	for t in zipf loop scan phases; do
		"$PYTHON" -c '
import random, sys
kind = sys.argv[1]
r = random.Random(kind)
out = []
for i in range(30000):
    if kind == "zipf":          # skewed popularity
        out.append(int(r.paretovariate(1.0)) % 500)
    elif kind == "loop":        # a loop a little larger than most caches, and noise
        out.append(i % 130 if r.random() < 0.9 else r.randrange(1000))
    elif kind == "scan":        # a hot set and a scan of pages used once
        out.append(r.randrange(40) if r.random() < 0.6 else 100 + i)
    else:                       # a working set that moves
        out.append((i // 2000) * 37 + r.randrange(150))
print("\n".join(map(str, out)))' $t > "$TMP/$t.refs"
	done
	for t in zipf loop scan phases; do
		compare "$TMP/$t.refs" 10,50,100,200 "$NEW_POLICIES"
	done
	# Parameters in the name (NAME:KEY=VALUE), once -p takes them: the
	# defaults written out give the default's figures, others others.
	if replay --csv -p random:seed=1 -n 50 "$TMP/zipf.refs" > "$TMP/p1.csv" 2> /dev/null; then
		for pair in "random random:seed=1" "2q 2q:kin=25:kout=50" "s3fifo s3fifo:small=10" \
			    "wsclock wsclock:tau=50"; do
			set -- $pair
			replay --csv -p "$1" -n 50 "$TMP/zipf.refs" | cut -d, -f4- > "$TMP/pa.csv"
			replay --csv -p "$2" -n 50 "$TMP/zipf.refs" | cut -d, -f4- > "$TMP/pb.csv"
			cmp -s "$TMP/pa.csv" "$TMP/pb.csv" && ok "$2 is $1" || fail "$2 differs from $1"
		done
		for pair in "random random:seed=7" "2q 2q:kin=10:kout=100" "s3fifo s3fifo:small=30" \
			    "wsclock wsclock:tau=5000"; do
			set -- $pair
			replay --csv -p "$1" -n 50 "$TMP/zipf.refs" | cut -d, -f5 > "$TMP/pa.csv"
			replay --csv -p "$2" -n 50 "$TMP/zipf.refs" | cut -d, -f5 > "$TMP/pb.csv"
			cmp -s "$TMP/pa.csv" "$TMP/pb.csv" && fail "$2 gives the faults of $1" ||
				ok "$2 is not $1"
		done
	else
		echo "note: -p takes no parameters here, NAME:KEY=VALUE not tried"
	fi
	lirs=${VMFS_TRACES:-$SRCDIR/../../../shared/traces}/lirs
	if [ -d "$lirs" ]; then
		for t in cs gli cpp ps multi1; do
			[ -f "$lirs/$t.trace.gz" ] || continue
			gzip -dc "$lirs/$t.trace.gz" | tr -d '\r' | grep -v '^\*' > "$TMP/$t.refs"
			compare "$TMP/$t.refs" 100,300,1000 "$NEW_POLICIES"
		done
	else
		echo "note: no ../shared/traces/lirs, its traces not replayed"
	fi
}

# mglru (Linux 6.1's multi-generational LRU) against refsim.py's mglru:
# the classic strings, synthetic traces that move pages through the
# generations in several ways, the LIRS paper's traces and ARC's OLTP trace
# at a few sizes (when ../shared/traces is there); its parameter.
mode_mglru() {
	echo "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1" > "$TMP/classic.refs"
	printf '1 2 3 4 1 2 5 1 2 3 4 5\n' > "$TMP/belady.refs"
	compare "$TMP/classic.refs" 1,2,3,4,5 mglru
	compare "$TMP/belady.refs" 1,2,3,4,5 mglru
	for t in hotscan drift bursts cycle; do
		"$PYTHON" -c '
import random, sys
kind = sys.argv[1]
r = random.Random("mglru-" + kind)
out = []
for i in range(40000):
    if kind == "hotscan":       # a hot set under a long scan of pages used once
        out.append(r.randrange(60) if r.random() < 0.5 else 1000 + i)
    elif kind == "drift":       # skewed popularity whose hot end moves
        out.append((i // 5000) * 50 + int(r.paretovariate(0.8)) % 400)
    elif kind == "bursts":      # pages used in bursts, then left alone
        b = r.randrange(3000)
        out.extend([b, b + 1, b] if r.random() < 0.3 else [r.randrange(200)])
    else:                       # loops of several lengths, around memory sizes
        n = (45, 110, 230)[(i // 7000) % 3]
        out.append(i % n)
print("\n".join(map(str, out)))' $t > "$TMP/$t.refs"
		compare "$TMP/$t.refs" 4,10,50,100,200 mglru
	done
	# Writes too (memsim): the swap columns, swap-outs of dirty pages and
	# swap-ins of pages in swap, agree as well.
	"$PYTHON" -c '
import random
r = random.Random("mglru-writes")
for i in range(30000):
    p = r.randrange(50) if r.random() < 0.7 else r.randrange(600)
    print("0x%x %s" % (0x10000000 + p * 4096 + r.randrange(4096), "W" if r.random() < 0.3 else "R"))' \
		> "$TMP/writes.memsim"
	compare "$TMP/writes.memsim" 8,40,100,300 mglru memsim
	# The parameter: the default written out is the default; anon is the
	# only type here, so swappiness 200 changes nothing and 0 evicts nothing.
	replay --csv -p mglru -n 50 "$TMP/drift.refs" | cut -d, -f4- > "$TMP/pa.csv"
	replay --csv -p mglru:swappiness=60,mglru:swappiness=200 -n 50 "$TMP/drift.refs" |
		cut -d, -f4- | sed 1d > "$TMP/pb.csv"
	if [ "$(sed 1d "$TMP/pa.csv")" = "$(sed -n 1p "$TMP/pb.csv")" ] &&
	   [ "$(sed 1d "$TMP/pa.csv")" = "$(sed -n 2p "$TMP/pb.csv")" ]; then
		ok "mglru:swappiness=60 and =200 are mglru on anonymous pages"
	else
		fail "mglru's swappiness changes anonymous-only figures: $(cat "$TMP/pa.csv" "$TMP/pb.csv")"
	fi
	expect_error 1 "out of memory: no free frame and nothing can be evicted" \
		-p mglru:swappiness=0 -n 10 "$TMP/drift.refs"
	expect_error 1 "policy 'mglru' failed to start" -p mglru:swappiness=201 -n 10 "$TMP/drift.refs"
	expect_error 1 "policy 'mglru' failed to start" -p mglru:aging=1 -n 10 "$TMP/drift.refs"
	lirs=${TRACES:-}/lirs
	if [ -d "$lirs" ]; then
		for t in cs multi2 sprite 2_pools; do
			[ -f "$lirs/$t.trace.gz" ] && compare "$lirs/$t.trace.gz" 100,500,1000,2000 mglru lirs
		done
		[ -f "${TRACES:-}/arc/OLTP.lis.zst" ] &&
			compare "${TRACES:-}/arc/OLTP.lis.zst" 1000,5000,15000 mglru arc
	else
		echo "note: no ../shared/traces, the papers' traces not replayed with mglru"
	fi
}

# machine: what a replay machine keeps (vmfs-replay(1)).  Its machines keep
# no bytes (contents=none), and give the rows of machines that do (-o
# contents=ram) for every policy, on a trace that writes, swaps out and
# swaps in; --bench's lru and arc pairs agree with their simulators; and,
# unless SANITIZED is set (the sanitizers' shadow memory and quarantine
# weigh on the host's memory), a 2^20-frame machine costs the host at most
# 64 bytes a frame, on a trace touching a quarter more pages than it has
# frames (the issue's ceiling; struct frame back at 48 bytes, or pages with
# bytes, would go over it).
mode_machine() {
	"$PYTHON" -c '
import random
r = random.Random(18)
for i in range(20000):
    page = int(r.paretovariate(0.8)) % 400
    print("%x %s" % (0x10000000 + page * 4096 + r.randrange(4096), "W" if r.random() < 0.3 else "R"))' \
		> "$TMP/writes.memsim"
	replay --csv -p all -n 16,64,200 "$TMP/writes.memsim" > "$TMP/none.csv" || fail "replay (contents=none)"
	replay --csv -p all -n 16,64,200 -o contents=ram "$TMP/writes.memsim" > "$TMP/ram.csv" ||
		fail "replay -o contents=ram"
	if cmp -s "$TMP/none.csv" "$TMP/ram.csv"; then
		ok "contents=none gives the rows of contents=ram ($(($(wc -l < "$TMP/none.csv") - 1)) runs)"
	else
		fail "contents=none and contents=ram differ:"
		diff "$TMP/ram.csv" "$TMP/none.csv"
	fi
	[ "$(field "$TMP/none.csv" lru 16 swapouts)" -gt 0 ] && [ "$(field "$TMP/none.csv" lru 16 swapins)" -gt 0 ] &&
		ok "the trace swaps out and in" || fail "the trace does not swap: $(cat "$TMP/none.csv")"
	"$PYTHON" -c 'import random; r = random.Random(7); print(" ".join(str(int(r.paretovariate(0.7)) % 2000) for _ in range(60000)))' \
		> "$TMP/zipf.refs"
	replay --bench -p lru,arc -n 50,500 "$TMP/zipf.refs" > "$TMP/bench.out" || fail "--bench -p lru,arc: $(cat "$TMP/bench.out")"
	[ "$(grep -c 'ratio machine/simulator' "$TMP/bench.out")" -eq 4 ] && grep -q 'minimal ARC simulator' "$TMP/bench.out" &&
		grep -q '^summary:' "$TMP/bench.out" && ! grep -q MISMATCH "$TMP/bench.out" &&
		ok "--bench: lru and arc at 50 and 500 frames agree with their simulators" ||
		fail "--bench -p lru,arc output: $(cat "$TMP/bench.out")"
	if replay --bench -p fifo "$TMP/zipf.refs" > /dev/null 2>&1; then
		fail "--bench -p fifo (no simulator) accepted"
	else
		ok "--bench refuses a policy without a simulator"
	fi
	if [ -n "${SANITIZED:-}" ]; then
		echo "note: sanitized build, host memory per frame not measured"
		return
	fi
	"$PYTHON" -c '
import random
r = random.Random(64)
n = 1310720
out = list(range(n)) + [r.randrange(n) for _ in range(300000)]
print("\n".join(map(str, out)))' > "$TMP/big.refs"
	replay --bench -n 1048576 "$TMP/big.refs" > "$TMP/mem.out" || fail "--bench -n 1048576: $(cat "$TMP/mem.out")"
	if grep -q 'bytes per frame (ceiling 64): ok' "$TMP/mem.out"; then
		ok "a 1048576-frame machine: $(sed -n 's/.*resident, \([0-9.]*\) bytes per frame.*/\1/p' "$TMP/mem.out") bytes of host memory a frame"
	else
		fail "host memory per frame over 64: $(cat "$TMP/mem.out")"
	fi
}

# linux (Linux 6.1's active/inactive lists, policy_linux.c) against
# refsim's reference: the synthetic traces (the loop one page larger than
# memory, writes and swap traffic, scans through a working set), at sizes
# from 1 frame up, then the papers' traces when present.  A replay's pages
# are all anonymous, so swappiness (which only weighs anon against file)
# changes nothing there, and a bad value is refused.
mode_linux() {
	synthetic_traces
	compare "$TMP/classic.refs" 1,2,3,4,5,6,7,8 linux,lru
	compare "$TMP/loop.refs" 1,10,50,100,101,102 linux
	compare "$TMP/random.memsim" 3,10,40,100,250,399 linux
	compare "$TMP/scan.refs" 20,100,160,300 linux
	# Scan resistance: with the scans, the working set of 150 stays where
	# LRU loses it.
	replay --csv -p linux,lru -n 160 "$TMP/scan.refs" > "$TMP/scan.csv" || fail "linux on scan.refs"
	lf=$(field "$TMP/scan.csv" linux 160 faults) uf=$(field "$TMP/scan.csv" lru 160 faults)
	[ "${lf:-0}" -gt 0 ] && [ "$lf" -lt "$uf" ] && ok "scan.refs at 160 frames: linux $lf faults, lru $uf" ||
		fail "scan.refs at 160 frames: linux ${lf:-?} faults, lru ${uf:-?}"
	replay --csv -p linux -n 100 "$TMP/random.memsim" | cut -d, -f4- > "$TMP/s0.csv"
	for p in linux:swappiness=60 linux:swappiness=0 linux:swappiness=200; do
		replay --csv -p $p -n 100 "$TMP/random.memsim" | cut -d, -f4- > "$TMP/s1.csv"
		cmp -s "$TMP/s0.csv" "$TMP/s1.csv" && ok "$p: the rows of linux (anonymous pages only)" ||
			fail "$p differs from linux on anonymous pages"
	done
	for p in linux:swappiness=201 linux:swappiness=x linux:swap=1; do
		replay --csv -p $p -n 100 "$TMP/random.memsim" > /dev/null 2> "$TMP/err"
		[ $? -ne 0 ] && [ -s "$TMP/err" ] && ok "$p refused: $(head -n 1 "$TMP/err")" ||
			fail "$p accepted"
	done
	traces_dir
	for t in cs gli cpp ps multi2 sprite zigzag 2_pools; do
		f="$TRACES/lirs/$t.trace.gz"
		[ -f "$f" ] && compare "$f" 50,200,1000 linux lirs
	done
	oltp="$TRACES/arc/OLTP.lis.zst"
	[ -f "$oltp" ] && compare "$oltp" 1000,5000,15000 linux arc
}

case $MODE in
linux) mode_linux ;;
traces) mode_traces ;;
paper) mode_paper ;;
clockpro) mode_clockpro ;;
lirs) mode_lirs ;;
textbook) mode_textbook ;;
policies) mode_policies ;;
mglru) mode_mglru ;;
lackey) mode_lackey ;;
mrc) mode_mrc ;;
shard) mode_shard ;;
parallel) mode_parallel ;;
formats)
	echo "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1" > "$TMP/classic.refs"
	printf '1 2 3 4 1 2 5 1 2 3 4 5\n' > "$TMP/belady.refs"
	mode_formats ;;
errors)
	echo "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1" > "$TMP/classic.refs"
	mode_errors ;;
output) mode_output ;;
machine) mode_machine ;;
*) echo "unknown mode $MODE"; exit 2 ;;
esac
[ $FAILED -eq 0 ] && echo "all $MODE tests passed"
exit $FAILED
