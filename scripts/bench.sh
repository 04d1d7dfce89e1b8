#!/usr/bin/env bash
# bench.sh - the unified benchmark: build vmfs for speed in build-bench/
# (--buildtype=release, assertions off) and print one table of every
# figure, vmfs against a ceiling measured in the same run on this host:
#
#   vmfs-replay --bench   lru at 64 frames against a minimal LRU simulator
#                         (hash map + list), on a lackey trace of gzip
#                         recorded here with valgrind
#   tools/fusebench.sh    dd 1 GiB from PID/mem at bs=1M and bs=4k against
#                         a minimal direct-I/O libfuse file system; 8
#                         parallel readers of 8 processes' mem against 1
#   vmfs-bench --scale    bulk read, random reads, fork, first touch,
#                         swap-out, swap-in, exec of python3 (against
#                         fork + execve stopped at its entry with ptrace,
#                         since 0.5); then the scale tables (mmap,
#                         fork, exit, munmap for 1 MiB ... 4 GiB resident,
#                         and 10 ... 10,000 processes)
#
# The first two write their figures as vmfs-bench --rows records (see
# tools/bench_report.c); vmfs-bench runs last, alone, adds its own figures
# and prints the one table, or with --json the one JSON document, on
# stdout.  Everything else (the build, progress) goes to stderr.  The
# tools run one after another, never side by side, so the largest of them
# bounds the memory: ~4.1 GiB (the scale table's 4 GiB machine; sizes that
# do not fit in half the host's available memory are skipped).  A full run
# takes 3 to 4 minutes on an idle 2-CPU host; --quick about one.
#
# A figure that could not be measured is an ERROR row and makes the exit
# status 1; a missed target is reported, not an error (exit 0).  Other
# work on the host slows every figure: the header gives the load average
# before the first tool, vmfs-bench's start, and the footer its end.
#
# Usage: scripts/bench.sh [--quick] [--json]
#   Works from any directory.  Needs what scripts/setup.sh installs
#   (valgrind for the trace, fuse3 and /dev/fuse for the FUSE figures;
#   without them those figures are ERROR rows and the rest still runs).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

quick=0
json=0
usage() {
	echo "usage: $0 [--quick] [--json]" >&2
	exit 2
}
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	--json) json=1 ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done

export LC_ALL=C
build='build-bench'
started=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-bench.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { echo "bench: $*" >&2; }

# ---- the build ---------------------------------------------------------------

scripts/setup.sh >&2
setup=(--buildtype=release -Dfuse=auto -Dtests=disabled -Dman=disabled)
say "building $build (${setup[*]})"
if [[ -f $build/build.ninja ]]; then
	meson setup --reconfigure "$build" "${setup[@]}" >&2
else
	meson setup "$build" "${setup[@]}" >&2
fi
meson compile -C "$build" >&2

# ---- records for vmfs-bench --rows -----------------------------------------------

rows=$tmp/rows
# run KEY VALUE: a line of the header (JSON: "run").
run() { printf 'run\t%s\t%s\n' "$1" "$2" >>"$rows"; }
# error ID TITLE UNIT TARGET WHY: a figure that could not be measured.
error() { printf 'figure\t%s\t%s\t%s\trate\t%s\t-\t-\t%s\n' "$@" >>"$rows"; }

read -r l1 l5 l15 _ </proc/loadavg
run command "scripts/bench.sh${*:+ $*}"
run build "$build: meson ${setup[*]}; commit $(git describe --always --dirty 2>/dev/null || echo unknown)"
run host "$(nproc) CPUs, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
run "load average before the first tool" "$l1 $l5 $l15"

# ---- vmfs-replay --bench on a lackey trace of gzip ------------------------------------

# The first N references of `gzip -6 -c` compressing 349 KB of text (the
# numbers 1 to 60000): the dynamic loader, then deflate at work.  valgrind
# is killed by SIGPIPE once head has its lines.
replay_figure() {
	local id=replay_lru title="vmfs-replay lru, 64 frames (vs minimal LRU)"
	local lines=$((quick ? 1000000 : 3000000)) got out sim vm
	if ! command -v valgrind >/dev/null; then
		error "$id" "$title" Mrefs/s 0.33 "valgrind is not installed"
		return
	fi
	say "recording $lines lines of a lackey trace of gzip -6 -c"
	seq 1 60000 >"$tmp/input"
	(valgrind --tool=lackey --trace-mem=yes --log-fd=9 gzip -6 -c "$tmp/input" 9>&1 >/dev/null 2>&1 || true) |
		head -n "$lines" >"$tmp/gzip.lackey"
	got=$(wc -l <"$tmp/gzip.lackey")
	if ((got < lines)); then
		error "$id" "$title" Mrefs/s 0.33 "valgrind gave $got lines of trace, not $lines"
		return
	fi
	say "vmfs-replay --bench"
	if ! out=$("$build/tools/vmfs-replay" --bench --no-progress "$tmp/gzip.lackey" 2>&1); then
		error "$id" "$title" Mrefs/s 0.33 "vmfs-replay --bench failed: $(tail -n 1 <<<"$out")"
		return
	fi
	sim=$(sed -n 's/^ *minimal LRU simulator (map + list) *\([0-9]*\) .*/\1/p' <<<"$out")
	vm=$(sed -n 's/^ *vmfs machine (vmfs_accessv\{0,1\}) *\([0-9]*\) .*/\1/p' <<<"$out")
	if [[ -z $sim || -z $vm ]]; then
		error "$id" "$title" Mrefs/s 0.33 "cannot read vmfs-replay --bench's output"
		return
	fi
	printf 'figure\t%s\t%s\tMrefs/s\trate\t0.33\t%s\t%s\t%s\n' "$id" "$title" \
		"$(awk -v r="$vm" 'BEGIN { printf "%.3f", r / 1e6 }')" \
		"$(awk -v r="$sim" 'BEGIN { printf "%.3f", r / 1e6 }')" \
		"$(sed -n 's/^bench: [^:]*: \(.*\), best of \(.*\)/\1, CPU time, best of \2/p' <<<"$out"); the same faults on both sides; trace: first $lines lines of valgrind --tool=lackey --trace-mem=yes gzip -6 -c (seq 1 60000)" \
		>>"$rows"
}
replay_figure

# ---- the FUSE figures ----------------------------------------------------------------

say "tools/fusebench.sh"
fuse_args=(-B "$build" --tsv)
((quick)) && fuse_args+=(--quick)
if [[ ! -x $build/fuse/vmfs ]]; then
	error fusebench "FUSE figures (tools/fusebench.sh)" MB/s 0.80 "no $build/fuse/vmfs: libfuse3-dev is missing"
elif ! tools/fusebench.sh "${fuse_args[@]}" >"$tmp/fuse.rows" 2>"$tmp/fuse.err"; then
	cat "$tmp/fuse.err" >&2
	error fusebench "FUSE figures (tools/fusebench.sh)" MB/s 0.80 "$(tail -n 1 "$tmp/fuse.err")"
else
	cat "$tmp/fuse.rows" >>"$rows"
fi

# ---- vmfs-bench: its figures, the scale tables, and the one table -------------------------

say "vmfs-bench --scale (the table follows)"
bench_args=(--scale --rows "$rows")
((quick)) && bench_args+=(--quick)
((json)) && bench_args+=(--json)
status=0
"$build/tools/vmfs-bench" "${bench_args[@]}" || status=$?
say "done in $((SECONDS - started)) s"
exit "$status"
