#!/usr/bin/env bash
# test.sh - the README's second command, and what CI runs (.ci/run): install
# the dependencies, then build and run the test suite four times:
#
#   build/       a normal build               every test
#   build-asan/  ASan + UBSan (gcc)           every test
#   build-tsan/  ThreadSanitizer (clang)      the "threads" suite
#   build-nocpu/ meson -Dcpu=disabled         the "api" suite (with test_nocpu:
#                                             the CPU's calls are ENOSYS)
#
# and then run each fuzz target of tests/fuzz/ for 20 seconds (build-fuzz/,
# clang with libFuzzer; skipped when clang's fuzzer runtime is missing).
#
# Each stage runs even if an earlier one failed; the script ends with one
# summary line and exits non-zero if any stage failed.  Build directories are
# reused, so a second run only rebuilds what changed.  Works from any
# directory.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

scripts/setup.sh

jobs=(--num-processes 2)

# configure DIR [meson setup options...]: set up DIR, or reconfigure it if it
# is already set up (so new files and changed options are picked up).  The
# options are given on every run, so they always hold.
configure() {
	local dir=$1
	shift
	if [[ -f $dir/build.ninja ]]; then
		meson setup --reconfigure "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
}

# stage NAME DIR SETUP-OPTIONS -- TEST-OPTIONS: configure, build and test one
# build directory; record NAME as passed or failed.
passed=()
failed=()
stage() {
	local name=$1 dir=$2
	shift 2
	local setup=() test=()
	while (($#)) && [[ $1 != -- ]]; do setup+=("$1"); shift; done
	(($#)) && shift
	test=("$@")

	echo
	echo "==== $name: $dir"
	if ! configure "$dir" "${setup[@]}" || ! meson compile -C "$dir"; then
		echo "==== $name: FAILED to build"
		failed+=("$name")
	elif ! meson test -C "$dir" --no-rebuild --list "${test[@]}" >/dev/null 2>&1; then
		# meson test passes when it selects nothing; a stage that
		# tests nothing has not passed.
		echo "==== $name: FAILED: no tests selected (${test[*]:-all})"
		failed+=("$name")
	elif ! meson test -C "$dir" --no-rebuild --print-errorlogs "${jobs[@]}" "${test[@]}"; then
		echo "==== $name: FAILED (log: $dir/meson-logs/testlog.txt)"
		failed+=("$name")
	else
		passed+=("$name")
	fi
}

stage normal build

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	stage asan+ubsan build-asan \
		-Db_sanitize=address,undefined -Db_lundef=false

CC=clang stage tsan build-tsan \
	-Db_sanitize=thread -Db_lundef=false -- --suite threads

stage nocpu build-nocpu -Dcpu=disabled -- --suite api

# A short fuzzing run (the long runs are scripts/fuzz.sh); a crash fails it.
echo
echo "==== fuzz: build-fuzz"
fuzz_rc=0
scripts/fuzz.sh --seconds 20 || fuzz_rc=$?
case $fuzz_rc in
0) passed+=(fuzz) ;;
77) echo "==== fuzz: skipped (no fuzzer runtime)" ;;
*) echo "==== fuzz: FAILED (crashes are in tests/fuzz/crashes/)"; failed+=(fuzz) ;;
esac

echo
if ((${#failed[@]} == 0)); then
	echo "test.sh: all passed (${passed[*]})"
else
	echo "test.sh: FAILED: ${failed[*]}${passed:+; passed: ${passed[*]}}"
	exit 1
fi
