# shellcheck shell=bash
# common.sh - what the campaigns share on top of tests/fuse/lib.sh (which
# mounts, waits, unmounts in the EXIT trap and runs the watchdog): the
# command line, the seed, the figures, and the daemon's memory.
#
# Every campaign is run as
#   NAME.sh DAEMON SOURCEDIR HELPER [--seed N] [--OPTION VALUE]...
# (meson passes the first three: build/fuse/vmfs, the source directory and
# build/tests/campaign/campaign-util).  What stays true for each:
#   - its defaults are the short CI version; scripts/campaign.sh passes the
#     long one's options;
#   - it prints its seed and the command that reruns it first, so a failure
#     report carries both; bash's RANDOM is seeded from it in the main shell
#     and in every worker (each worker: seed + its number), so the choices
#     repeat, though the timing of concurrent workers cannot;
#   - it prints its results as "figure: NAME VALUE" lines, which
#     scripts/campaign.sh collects.

# shellcheck source-path=SCRIPTDIR source=../fuse/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../fuse/lib.sh"

# campaign_init "$@": after the script set its opt_NAME defaults.  Sets
# CAMPAIGN_UTIL and SEED, parses --NAME VALUE into opt_NAME (dashes become
# underscores; only names the script declared), then calls vmfs_init.
campaign_init() {
	(($# >= 3)) || {
		echo "usage: $0 DAEMON SOURCEDIR HELPER [--seed N] [--OPTION VALUE]..." >&2
		exit 2
	}
	local daemon=$1 src=$2 name
	CAMPAIGN_UTIL=$(readlink -f "$3")
	CAMPAIGN_CMD="$0 $1 $2 $3"
	shift 3
	SEED=
	while (($#)); do
		(($# >= 2)) || { echo "$0: $1 needs a value" >&2; exit 2; }
		name=${1#--}
		name=${name//-/_}
		if [[ $1 == --seed ]]; then
			SEED=$2
		elif [[ $1 == --* && -v opt_$name ]]; then
			declare -g "opt_$name=$2"
		else
			echo "$0: unknown option $1" >&2
			exit 2
		fi
		shift 2
	done
	[[ -n $SEED ]] || SEED=$(($(od -An -tu4 -N4 /dev/urandom) % 2147483647))
	[[ $SEED =~ ^[0-9]+$ ]] || { echo "$0: --seed takes a number" >&2; exit 2; }
	RANDOM=$SEED
	local v n opts=""
	for v in $(compgen -v opt_); do
		n=${v#opt_}
		opts+=" --${n//_/-} ${!v}"
	done
	note "seed $SEED; rerun: $CAMPAIGN_CMD --seed $SEED${opts}"
	vmfs_init "$daemon" "$src"
	[[ -x $CAMPAIGN_UTIL ]] || fail "no helper at $CAMPAIGN_UTIL"
}

# worker_seed K: seed bash's RANDOM in worker K (a subshell is reseeded at
# random by bash, so without this its choices would not repeat).
worker_seed() {
	RANDOM=$((SEED + 7919 * $1))
}

# figure NAME VALUE...: one result line for scripts/campaign.sh.
figure() {
	local name=$1
	shift
	printf 'figure: %s %s\n' "$name" "$*"
}

# daemon_kb PID KEY: a line of /proc/PID/status in kB (VmRSS, VmHWM).
daemon_kb() {
	awk -v k="$2:" '$1 == k { print $2; found = 1 } END { exit !found }' "/proc/$1/status" ||
		fail "no $2 for the daemon (PID $1)"
}

# sanitized: whether the daemon is built with a sanitizer (its memory is
# then the sanitizer's, so memory bounds are reported but not enforced).
sanitized() {
	grep -qa -e __asan_init -e __tsan_init -e __msan_init "$VMFS_BIN"
}

# rand N: a number in [0, N) from bash's RANDOM (30 bits).
rand() {
	echo $(((RANDOM << 15 | RANDOM) % $1))
}

# pool_init DIR COUNT BYTES: COUNT files of random data, DIR/0 ...
pool_init() {
	local i
	mkdir -p "$1"
	for ((i = 0; i < $2; i++)); do
		random_file "$1/$i" "$3"
	done
}
