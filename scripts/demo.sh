#!/usr/bin/env bash
# demo.sh - the README's first command: install the dependencies, build vmfs
# in build/, run the demo (build/tools/vmfs-demo), then mount a demo machine
# and look at it with the shell: vmfsctl, ls, cat, translate.  Works from
# any directory; a second run only rebuilds what changed.
#
# Usage: scripts/demo.sh [--keep] [VMFS-DEMO OPTIONS...]
#   --keep   leave the demo machine mounted for exploring (the script prints
#            the fusermount3 -u command that ends it); without it the mount
#            is ended in the EXIT trap, whatever happens, so nothing is left
#            behind.
# Other arguments go to vmfs-demo, e.g. `scripts/demo.sh -o levels=5`.
# The mountpoint is $VMFS_DEMO_MOUNT, default /tmp/vmfs-demo; it must be
# an empty directory or not exist.  Without /dev/fuse the mounted part is
# left out.
#
# build/ has the project's default build type, debugoptimized (-O2 -g,
# assertions kept): optimised, and the same directory scripts/test.sh tests,
# so running both scripts compiles the code once.
# shellcheck disable=SC2016 # show's commands are single-quoted on purpose
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

keep=0
demo_args=()
for arg in "$@"; do
	if [[ $arg == --keep ]]; then
		keep=1
	else
		demo_args+=("$arg")
	fi
done

scripts/setup.sh

if [[ -f build/build.ninja ]]; then
	meson setup --reconfigure build
else
	meson setup build
fi
meson compile -C build

echo "demo: running build/tools/vmfs-demo"
build/tools/vmfs-demo "${demo_args[@]}"

# ---- the mounted machine --------------------------------------------------------

if [[ ! -c /dev/fuse || ! -x build/fuse/vmfs ]]; then
	echo "demo: no /dev/fuse (or no build/fuse/vmfs): leaving out the mounted machine"
	exit 0
fi

MNT=${VMFS_DEMO_MOUNT:-/tmp/vmfs-demo}
ours=0   # set just before mounting: from then on a mount at MNT is this script's

# is_mounted: whether MNT is a mount point now.
is_mounted() {
	local real
	real=$(readlink -f "$MNT")
	awk -v m="$real" '$2 == m { found = 1 } END { exit !found }' /proc/mounts
}

unmount() {
	((ours)) && is_mounted || return 0
	cd /
	fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -u -z "$MNT" || true
}

# Without --keep, and whenever the script fails, the mount ends here.
on_exit() {
	local rc=$?
	if ((!keep || rc != 0)); then
		unmount
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -e $MNT ]] && is_mounted; then
	echo "demo: $MNT is already mounted (end it with: fusermount3 -u $MNT)" >&2
	exit 1
fi
mkdir -p "$MNT"
if [[ -n $(ls -A "$MNT") ]]; then
	echo "demo: $MNT is not empty; set VMFS_DEMO_MOUNT to an empty directory" >&2
	exit 1
fi

# show 'COMMAND': print it as a shell session does, then run it.  The
# commands are single-quoted so that they are shown as written, with their
# variables; eval expands them when they run.
show() {
	printf '$ %s\n' "$1"
	eval "$1"
}

export VMFS_MOUNT=$MNT
PATH=$PWD/build/tools:$PATH

echo
echo "demo: mounting a machine of 4096 frames (16 MiB) at $MNT"
ours=1
show 'build/fuse/vmfs -o frames=4096 "$VMFS_MOUNT"'
show 'vmfsctl spawn demo'
show 'addr=$(vmfsctl mmap 1 0 1M rw- private); echo $addr'
show "echo 'hello, vmfs' | dd of=\"\$VMFS_MOUNT/1/mem\" bs=1 seek=\$((addr)) conv=notrunc status=none"
show 'dd if="$VMFS_MOUNT/1/mem" bs=1 skip=$((addr)) count=11 status=none; echo'
show 'ls "$VMFS_MOUNT"'
show 'cat "$VMFS_MOUNT/1/maps"'
show 'vmfsctl ps'
show 'vmfsctl translate 1 $((addr + 0x42))'

tutorial="man ./build/man/vmfs-tutorial.7      (or: man -l build/man/vmfs-tutorial.7)"
echo
if ((keep)); then
	cat <<EOF
demo: the machine stays mounted at $MNT (--keep). To explore it:
    export VMFS_MOUNT=$MNT PATH=$PWD/build/tools:\$PATH
    vmfsctl --help; vmfsctl ps; ls \$VMFS_MOUNT; cat \$VMFS_MOUNT/1/smaps
End it with:
    fusermount3 -u $MNT
EOF
else
	cat <<EOF
demo: unmounting $MNT. To keep a machine to explore, run
    scripts/demo.sh --keep
EOF
fi
cat <<EOF
Then read the tutorial, virtual memory one shell session at a time:
    $tutorial
EOF
