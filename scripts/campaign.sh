#!/usr/bin/env bash
# campaign.sh - the hardening campaigns, long versions: build vmfs, run each
# campaign of tests/campaign/ with the long options below, keep each one's
# output in a log, and end with the figures they printed and one line per
# campaign (passed or FAILED, with the log to read).  meson runs the short
# versions of the same scripts in suite 'campaign'; this script is how to
# run them for minutes instead of seconds.  Works from any directory.
#
# Usage: scripts/campaign.sh [-B BUILDDIR] [--seed N] [--quick] [NAME...]
#   -B BUILDDIR  the build directory (default build/, as scripts/test.sh);
#                set up or reconfigured, then compiled
#   --seed N     the seed of every campaign (default: each picks one and
#                prints it, with the command that reruns it)
#   --quick      the short versions (meson's), e.g. to try this script
#   NAME...      some of: crash concurrency isolation limits (default all)
# Needs root for every check (other users, mount(8)); /dev/fuse, fuse3,
# sqlite3.  Exits non-zero if any campaign failed.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

# The long versions: what each campaign is given, and its watchdog (lib.sh's
# VMFS_DEADLINE, seconds).
declare -A long=(
	[crash]="--rounds 200 --max-delay-ms 2000"
	[concurrency]="--seconds 180 --frames 256 --threads 8 --procs 6 --pages 256"
	[isolation]="--rounds 30 --procs 8 --pages 128"
	[limits]="--maps 100000 --procs 10000 --cycles 3 --touches 5000"
)
declare -A deadline=([crash]=1800 [concurrency]=600 [isolation]=900 [limits]=1800)
all=(crash concurrency isolation limits)

build=build quick=0 seed=() names=()
while (($#)); do
	case $1 in
	-B) build=${2:?-B needs a directory}; shift ;;
	--seed) seed=(--seed "${2:?--seed needs a number}"); shift ;;
	--quick) quick=1 ;;
	crash | concurrency | isolation | limits) names+=("$1") ;;
	*) sed -n '/^# Usage/,/^# Needs/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done
((${#names[@]})) || names=("${all[@]}")

if [[ -f $build/build.ninja ]]; then
	meson setup --reconfigure "$build" >/dev/null
else
	meson setup "$build" >/dev/null
fi
meson compile -C "$build" fuse/vmfs tests/campaign/campaign-util
daemon=$build/fuse/vmfs util=$build/tests/campaign/campaign-util
[[ -x $daemon && -x $util ]] || { echo "campaign: no $daemon (fuse3 missing?) or $util" >&2; exit 1; }

logs=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-campaign.XXXXXX")
passed=() failed=()
for name in "${names[@]}"; do
	opts=()
	((quick)) || read -ra opts <<<"${long[$name]}"
	log=$logs/$name.log
	echo "==== $name ${opts[*]} ${seed[*]} (log: $log)"
	start=$SECONDS
	if VMFS_DEADLINE=${deadline[$name]} tests/campaign/"$name".sh "$daemon" . "$util" \
		"${opts[@]}" "${seed[@]}" >"$log" 2>&1; then
		passed+=("$name")
		echo "==== $name: passed in $((SECONDS - start)) s"
	else
		failed+=("$name")
		echo "==== $name: FAILED after $((SECONDS - start)) s:"
		{ grep -m 1 '^# seed' "$log"; tail -n 6 "$log"; } | cut -c1-400 | sed 's/^/    /'
	fi
done

echo
echo "Figures:"
for name in "${names[@]}"; do
	sed -n 's/^figure: /  /p' "$logs/$name.log"
done
echo
if ((${#failed[@]} == 0)); then
	echo "campaign.sh: all passed (${passed[*]}); logs in $logs"
else
	echo "campaign.sh: FAILED: ${failed[*]}${passed:+; passed: ${passed[*]}}; logs in $logs"
	exit 1
fi
