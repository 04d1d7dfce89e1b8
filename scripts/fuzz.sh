#!/usr/bin/env bash
# fuzz.sh - build the fuzz targets of tests/fuzz/ with clang (libFuzzer,
# ASan, UBSan) and run each for a while; the long runs are this script, CI
# runs it briefly (scripts/test.sh).
#
# Usage: scripts/fuzz.sh [--seconds N] [--jobs N] [--timeout N] [--merge]
#                        [--build DIR] [TARGET...]
#   TARGET     options, ctl, trace, api, elf, thp (default: all six, in that order)
#   --seconds  how long each target runs (default 60)
#   --jobs     N > 1 runs libFuzzer's -fork=N: N processes, and a crash does
#              not end the run (default 1: one process, stopped by the
#              first crash)
#   --timeout  an input running longer than N seconds of wall time is a
#              hang, a crash (default 20; every input runs in well under a
#              second, but on a loaded host a fuzzer at low priority can be
#              starved for longer, so long runs beside other work want more)
#   --merge    afterwards, add to the committed corpus tests/fuzz/corpus/TARGET
#              the inputs that reach code it does not (edges only, not hit
#              counts, so that it stays small)
#   --build    the build directory (default build-fuzz, set up with CC=clang)
#
# Each target starts from its seed corpus tests/fuzz/corpus/TARGET and a
# working corpus DIR/fuzz-corpus/TARGET that grows from run to run (so
# repeated runs go deeper); its dictionary tests/fuzz/TARGET.dict is used
# when there is one.  The code under test writes nothing to the terminal
# (-close_fd_mask=2); libFuzzer's and the sanitizers' reports still show.
# Crashing inputs (and timeouts, out-of-memory; not libFuzzer's slow units,
# which are reported only past --timeout and never count) are saved as
# tests/fuzz/crashes/TARGET/crash-SHA1 (not committed): replay one with
# DIR/tests/fuzz/fuzz_TARGET FILE, and once the bug is understood put it in
# tests/fuzz/corpus/TARGET under a name saying what it found, so that the
# fuzz-replay-TARGET test of every build runs it from then on.
#
# At the end one line per target: executions, coverage (cov: edges, ft:
# features, from libFuzzer's last stats line; with --jobs libFuzzer counts
# them differently, so compare runs of one mode) and crashes found, with the
# first line of each crash's report.  Exit status: 0 when no target
# crashed, 1 when one did (or a build failed), 77 when clang's fuzzer
# runtime is missing (libclang-rt-14-dev, scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

all_targets=(options ctl trace api elf thp)
seconds=60
jobs=1
timeout=20
merge=false
build='build-fuzz'
targets=()

usage() {
	sed -n '6,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while (($#)); do
	case $1 in
	--seconds) seconds=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--merge) merge=true; shift ;;
	--build) build=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*)
		[[ " ${all_targets[*]} " == *" $1 "* ]] || { echo "fuzz.sh: no target '$1' (${all_targets[*]})" >&2; exit 2; }
		targets+=("$1")
		shift
		;;
	esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
[[ $seconds =~ ^[0-9]+$ && $jobs =~ ^[0-9]+$ && $timeout =~ ^[1-9][0-9]*$ ]] || usage

# ---- build ------------------------------------------------------------------

setup=(meson setup "$build")
[[ -f $build/build.ninja ]] && setup=(meson setup --reconfigure "$build")
if ! out=$(CC=clang "${setup[@]}" 2>&1); then
	echo "$out"
	echo "fuzz.sh: meson setup of $build failed"
	exit 1
fi
if ! meson introspect "$build" --targets | grep -q '"name": "fuzz_options"'; then
	echo "fuzz.sh: clang cannot link -fsanitize=fuzzer here (is libclang-rt-14-dev installed?);" \
		"no fuzzing" >&2
	exit 77
fi
meson compile -C "$build" "${targets[@]/#/fuzz_}" >"$build/fuzz-build.log" 2>&1 ||
	{ tail -30 "$build/fuzz-build.log"; echo "fuzz.sh: build failed (log: $build/fuzz-build.log)"; exit 1; }

# ---- run --------------------------------------------------------------------

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
summary=()
crashed=0

for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	work=$build/fuzz-corpus/$t
	crashes=tests/fuzz/crashes/$t
	log=$build/fuzz-$t.log
	mkdir -p "$work" "$crashes"

	# A slow unit is reported past the timeout only: on a loaded host (or a
	# fuzzer paused with SIGSTOP) libFuzzer's default of 10 s of wall time
	# saves inputs that run in milliseconds.
	args=(-max_total_time="$seconds" -timeout="$timeout" -report_slow_units="$timeout"
	      -close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$crashes/")
	[[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
	# Longer than a ctl line may be (4096), longer than a trace line is kept.
	case $t in
	ctl) args+=(-max_len=8200) ;;
	trace) args+=(-max_len=12288) ;;
	esac
	((jobs > 1)) && args+=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)

	before=$(find "$crashes" -type f ! -name 'slow-unit-*' | sort)
	echo "==== fuzz $t: ${seconds}s, $jobs job(s) (log: $log)"
	set +e
	"$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1
	status=$?
	set -e

	# The last stats line: "#N ... cov: C ft: F" (plain) or "#N: cov: ..." (fork).
	stats=$(grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -1 || true)
	execs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
	[[ -n $execs ]] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$stats")
	cov=$(grep -oE 'cov: [0-9]+' <<<"$stats" | grep -oE '[0-9]+' || echo '?')
	ft=$(grep -oE 'ft: [0-9]+' <<<"$stats" | grep -oE '[0-9]+' || echo '?')
	new=$(comm -13 <(echo "$before") <(find "$crashes" -type f ! -name 'slow-unit-*' | sort) | sed '/^$/d')
	ncrash=$(grep -c . <<<"$new" || true)
	if ((jobs <= 1 && status != 0 && ncrash == 0)); then
		echo "fuzz.sh: $t exited with status $status and saved no input:"
		tail -20 "$log"
		ncrash=1
	fi
	summary+=("$(printf '%-8s %12s execs  cov %6s  ft %6s  crashes %s' "$t" "${execs:-?}" "$cov" "$ft" "$ncrash")")
	if ((ncrash)); then
		crashed=1
		while read -r f; do
			[[ -n $f ]] || continue
			# One line saying what broke: the target's check or the sanitizer.
			why=$("$bin" "$f" 2>&1 | grep -m1 -E 'FUZZ_CHECK|ERROR: |runtime error|SUMMARY' || true)
			summary+=("         $f: ${why:-see $log}")
		done <<<"$new"
	fi
	if $merge; then
		"$bin" -merge=1 -use_counters=0 -close_fd_mask=2 "$seeds" "$work" \
			>"$build/fuzz-$t-merge.log" 2>&1 ||
			echo "fuzz.sh: merging into $seeds failed (log: $build/fuzz-$t-merge.log)"
	fi
done

echo
echo "fuzz.sh: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
exit "$crashed"
