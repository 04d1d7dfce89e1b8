#!/usr/bin/env bash
# run.sh - run every example of the tutorial man page against a real mount,
# so the page cannot go stale.
#
# The page (man/vmfs-tutorial.7.scd) shows shell sessions in scdoc's
# literal blocks (``` fences).  Inside a block:
#   - a line starting with "$ " is a command; lines right after it that
#     start with "> " continue it (as bash's PS2 shows them);
#   - the lines after a command, up to the next "$ " line or the closing
#     fence, are the output the command must print (stdout and stderr
#     together, in order);
#   - lines of a block before its first "$ " are not examples, and neither
#     are blocks without one.
# The output is compared line by line after expanding tabs (expand(1)) and
# dropping trailing blanks, with these wildcards in the expected text:
#   a line that is exactly "..."  any number of lines, none included;
#   "..." inside a line           any characters;
#   <N>                           a decimal number;
#   <X>                           hexadecimal digits.
#
# Every command runs, in order, in one bash process (bash --norc), so
# variables, functions, the working directory and $? carry from one example
# to the next, exactly as in the reader's terminal.  Its environment:
# VMFS_MOUNT, an empty directory under this test's temporary directory;
# TMPDIR, another one (so `mktemp -d` mount points are cleaned up); PATH with
# the built vmfsctl first; LC_ALL=C.  Two commands are shell functions
# there, so that every mount is watched and ended as tests/fuse/lib.sh
# does: `vmfs [-o OPTIONS] MNT` starts the built daemon in the foreground
# (in the background of the session), waits until MNT/ctl exists, and
# returns, as the real vmfs does when it daemonizes; `fusermount3 -u MNT`
# unmounts and waits for that daemon to exit.  The EXIT trap ends whatever
# is still mounted; the watchdog of lib.sh kills the daemons after
# VMFS_DEADLINE seconds, so a hung daemon fails the run instead of blocking it.
#
# With VMFS_TUTORIAL_KEEP=DIR in the environment, each example's actual
# output is also copied to DIR/N (for whoever edits the page).  With
# VMFS_TUTORIAL_PICTURES=DIR (meson sets it to build/man/vmfs-tutorial-pictures),
# the pictures the session drew into its HOME (vmfsctl draw ... -o
# ~/NAME.svg) are copied to DIR, where the HTML edition of the page
# (build/man/vmfs-tutorial.7.html, man/scd2html.py) shows them.
#
# On a mismatch it prints the example's command, its line in the page and
# a unified diff (expected, actual), goes on with the other examples, and
# exits 1.  Exit 77 only when /dev/fuse is missing.
#
# Usage: run.sh DAEMON SOURCEDIR VMFSCTL [PAGE]
#        (meson passes the first three; PAGE defaults to the tutorial)
#        run.sh --list PAGE    print the examples as they were extracted
set -euo pipefail

# ---- extraction ----------------------------------------------------------------

# extract PAGE DIR: write DIR/N.cmd, DIR/N.exp and DIR/N.line for every
# example; print the number of examples.
extract() {
	local page=$1 dir=$2 line lineno=0 in_block=0 n=0 cur=0 in_cmd=0 indent=
	while IFS= read -r line || [[ -n $line ]]; do
		lineno=$((lineno + 1))
		# A fence may be indented (a block inside an indented paragraph);
		# its lines then carry the same indentation, which is not shown.
		if [[ $line =~ ^([[:space:]]*)\`\`\`[[:space:]]*$ ]]; then
			in_block=$((!in_block)) cur=0 in_cmd=0 indent=${BASH_REMATCH[1]}
			continue
		fi
		((in_block)) || continue
		line=${line#"$indent"}
		if [[ $line == *\\* ]]; then
			echo "FAIL: $page:$lineno: a backslash in a literal block (scdoc would not show it)" >&2
			return 1
		fi
		if [[ $line == '$ '* ]]; then
			n=$((n + 1)) cur=$n in_cmd=1
			printf '%s\n' "${line#\$ }" >"$dir/$n.cmd"
			: >"$dir/$n.exp"
			echo "$lineno" >"$dir/$n.line"
		elif ((cur && in_cmd)) && [[ $line == '> '* ]]; then
			printf '%s\n' "${line#> }" >>"$dir/$n.cmd"
		elif ((cur)); then
			in_cmd=0
			printf '%s\n' "$line" >>"$dir/$n.exp"
		fi
	done <"$page"
	((!in_block)) || {
		echo "FAIL: $page: a literal block is not closed" >&2
		return 1
	}
	echo "$n"
}

if [[ ${1:-} == --list ]]; then
	d=$(mktemp -d)
	n=$(extract "${2:?usage: $0 --list PAGE}" "$d")
	for ((i = 1; i <= n; i++)); do
		printf -- '--- example %d (line %d)\n' "$i" "$(cat "$d/$i.line")"
		sed -e '1s/^/$ /' -e '2,$s/^/> /' "$d/$i.cmd"
		cat "$d/$i.exp"
	done
	rm -rf "$d"
	exit 0
fi

# shellcheck source-path=SCRIPTDIR source=../fuse/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../fuse/lib.sh"
vmfs_init "$1" "$2"
VMFSCTL=$(readlink -f "${3:?usage: $0 DAEMON SOURCEDIR VMFSCTL [PAGE]}")
PAGE=${4:-$VMFS_SRC/man/vmfs-tutorial.7.scd}
[[ -x $VMFSCTL ]] || fail "no vmfsctl at $VMFSCTL"
[[ -r $PAGE ]] || fail "cannot read $PAGE"

T=$VMFS_TMP/tutorial
mkdir -p "$T/ex" "$T/out" "$T/tmp" "$T/mnt"
: >"$T/mounts"

# The session's mounts are made by the child bash: adopt them before the
# trap of lib.sh ends what it knows of.
tutorial_cleanup() {
	local rc=$? mnt pid
	set +e
	trap - ERR
	if [[ -s $T/mounts ]]; then
		while read -r mnt pid; do
			vmfs_register "$mnt" "$pid" "$T/daemon.log"
		done <"$T/mounts"
		: >"$T/mounts"
	fi
	(exit "$rc")
	vmfs_cleanup
}
trap tutorial_cleanup EXIT

n=$(extract "$PAGE" "$T/ex")
((n > 0)) || fail "no examples in $PAGE"
note "$n examples in $PAGE"

# ---- the session ---------------------------------------------------------------

# The prelude: the two stand-ins of the session (see the top of this file).
cat >"$T/session.sh" <<'EOF'
vmfs() {
	local opts= mnt= pid deadline
	while (($#)); do
		case $1 in
		-o) opts=$2; shift 2 ;;
		-o*) opts=${1#-o}; shift ;;
		-f) shift ;;
		*) mnt=$1; shift ;;
		esac
	done
	"$TUT_DAEMON" -f ${opts:+-o "$opts"} "$mnt" >>"$TUT_DIR/daemon.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$TUT_DAEMONS"
	echo "$mnt $pid" >>"$TUT_DIR/mounts"
	deadline=$((SECONDS + 10))
	until [[ -e $mnt/ctl ]]; do
		if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
			echo "vmfs: the daemon did not mount $mnt" >&2
			return 1
		fi
		sleep 0.05
	done
}
fusermount3() {
	local mnt=${!#} pid= m p
	command fusermount3 "$@" || return
	while read -r m p; do [[ $m != "$mnt" ]] || pid=$p; done <"$TUT_DIR/mounts"
	[[ -z $pid ]] || timeout 10 tail --pid="$pid" -f /dev/null
}
EOF
# Each example: its command, its output to out/N, nothing in between, so
# that $? in one example is the status of the one before.
for ((i = 1; i <= n; i++)); do
	{
		echo "{"
		cat "$T/ex/$i.cmd"
		echo "} >\"\$TUT_DIR/out/$i\" 2>&1 </dev/null"
	} >>"$T/session.sh"
done

note "running the session"
(
	cd "$T/tmp"
	env -i PATH="$(dirname "$VMFSCTL"):$PATH" HOME="$T/tmp" TMPDIR="$T/tmp" LC_ALL=C \
		TERM=dumb VMFS_MOUNT="$T/mnt" TUT_DIR="$T" TUT_DAEMON="$VMFS_BIN" \
		TUT_DAEMONS="$VMFS_TMP/daemons" \
		bash --norc --noprofile "$T/session.sh"
) || true

# ---- comparison ----------------------------------------------------------------

# to_regex LINE: an expected line as an anchored ERE (see the wildcards above).
to_regex() {
	local r
	r=$(printf '%s' "$1" | sed -e 's/[][\.*^$+?(){}|]/\\&/g' \
		-e 's/\\\.\\\.\\\./.*/g' -e 's/<N>/[0-9]+/g' -e 's/<X>/[0-9a-f]+/g')
	printf '^%s$' "$r"
}

# lines_match I J: whether actual lines I.. match expected lines J.. (globals
# ACT, EXP, RX); a "..." line tries every number of lines.
lines_match() {
	local i=$1 j=$2 k
	while ((j < ${#EXP[@]})); do
		if [[ ${EXP[j]} == "..." ]]; then
			for ((k = i; k <= ${#ACT[@]}; k++)); do
				lines_match "$k" $((j + 1)) && return 0
			done
			return 1
		fi
		((i < ${#ACT[@]})) || return 1
		[[ ${ACT[i]} =~ ${RX[j]} ]] || return 1
		i=$((i + 1)) j=$((j + 1))
	done
	((i == ${#ACT[@]}))
}

# normalize: tabs expanded, trailing blanks dropped.
normalize() { expand | sed -e 's/[[:space:]]*$//'; }

# The pictures the session drew (vmfsctl draw ... -o ~/NAME.svg, HOME being
# $T/tmp) go where the HTML edition shows them (man/scd2html.py).
if [[ -n ${VMFS_TUTORIAL_PICTURES:-} ]]; then
	mkdir -p "$VMFS_TUTORIAL_PICTURES"
	for f in "$T/tmp/"*.svg; do
		[[ -e $f ]] && cp "$f" "$VMFS_TUTORIAL_PICTURES/"
	done
fi

if [[ -n ${VMFS_TUTORIAL_KEEP:-} ]]; then
	mkdir -p "$VMFS_TUTORIAL_KEEP"
	cp "$T/out/"* "$VMFS_TUTORIAL_KEEP/" 2>/dev/null || true
fi

failed=0
for ((i = 1; i <= n; i++)); do
	normalize <"$T/ex/$i.exp" >"$T/exp"
	if [[ -e $T/out/$i ]]; then
		normalize <"$T/out/$i" >"$T/act"
	else
		echo "(the session ended before this example ran)" >"$T/act"
	fi
	mapfile -t EXP <"$T/exp"
	mapfile -t ACT <"$T/act"
	RX=()
	for line in "${EXP[@]}"; do
		RX+=("$(to_regex "$line")")
	done
	if lines_match 0 0; then
		continue
	fi
	failed=$((failed + 1))
	{
		echo
		echo "FAIL: example $i, line $(cat "$T/ex/$i.line") of $PAGE:"
		sed -e '1s/^/  $ /' -e '2,$s/^/  > /' "$T/ex/$i.cmd"
		diff -u --label expected --label actual "$T/exp" "$T/act" || true
	} >&2
done

if grep -q -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$T/daemon.log" 2>/dev/null; then
	vmfs_log_tail "$T/daemon.log"
	fail "a daemon reported a sanitizer error"
fi
((failed == 0)) || fail "$failed of $n examples differ from the page"
ok "all $n examples of $(basename "$PAGE") print what the page shows"
