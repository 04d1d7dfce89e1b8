#!/usr/bin/env bash
# fusebench.sh - how fast is a vmfs mount next to the fastest FUSE file
# system this host can run?
#
# Reads 1 GiB with dd from a process's PID/mem on a vmfs mount, at bs=1M
# and at bs=4k, and the same 1 GiB from vmfs-fusebench, a minimal libfuse
# file system that serves one buffer from memory with direct I/O (the
# ceiling of any FUSE file system here), and prints
#
#     figure | vmfs MB/s | ceiling MB/s | ratio | target
#
# with ratio = vmfs rate / ceiling rate and the target 0.80 (MISSED when
# below).  Like vmfs-bench it reports and does not judge: it exits 0 when
# every figure was measured, 1 when one could not be (a mount failed, mem
# gave back other bytes than the ceiling's), 2 for a bad command line.
#
# Ground rules:
#   - Both file systems get the same mount options and the same dd: the
#     same block size, count and iflag=skip_bytes; only skip differs (the
#     mapped address for mem, 0 for data).
#   - The 1 GiB of mem is mapped (mmap 0 1G rw- private) and filled first,
#     with the ceiling's own bytes, so every page is resident and the reads
#     measure reads, not faults; the machine has mem=1280M so nothing is
#     evicted.  A sample of mem is compared with the ceiling's bytes.
#   - Runs alternate between the two mounts (vmfs, ceiling, vmfs, ...) so
#     that load from elsewhere on the host hits both alike; each figure
#     keeps the best of --runs runs (default 3).
#   - The ceiling runs two ways: answering each read straight from its
#     1 GiB buffer, and copying it into a small per-thread buffer first (as
#     vmfs does with vmfs_read).  The first saves a copy but makes the
#     kernel pin pages all over the buffer; the second often wins at 1M.
#     A figure's ceiling is the faster of the two; the note names both.
#
# Usage: tools/fusebench.sh [-B BUILDDIR] [-o FUSE-OPTIONS] [--runs N] [--json]
#   BUILDDIR defaults to build/ of this source tree; it must hold
#   fuse/vmfs and tools/vmfs-fusebench.  -o gives both mounts the same
#   extra FUSE options (max_read=N, clone_fd, max_threads=N); by default
#   both run with libfuse's defaults and 1 MiB requests.  Needs /dev/fuse and ~3.5 GiB of
#   memory; takes about a minute on an idle host.
set -euo pipefail

src=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
build=$src/build
runs=3
json=0
target=0.80
fuse_opts=''

usage() {
	echo "usage: $0 [-B BUILDDIR] [-o FUSE-OPTIONS] [--runs N] [--json]   (BUILDDIR: default $src/build)" >&2
	exit 2
}
while (($#)); do
	case $1 in
	-B) (($# >= 2)) || usage; build=$2; shift 2 ;;
	-o) (($# >= 2)) || usage; fuse_opts=$2; shift 2 ;;
	--runs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; runs=$2; shift 2 ;;
	--json) json=1; shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
build=$(cd "$build" && pwd) || usage
vmfs=$build/fuse/vmfs
ceiling_bin=$build/tools/vmfs-fusebench

die() {
	echo "fusebench: $*" >&2
	exit 1
}
[[ -c /dev/fuse ]] || die "/dev/fuse is missing"
[[ -x $vmfs ]] || die "no daemon at $vmfs (meson compile -C $build)"
[[ -x $ceiling_bin ]] || die "no vmfs-fusebench at $ceiling_bin (meson compile -C $build)"
command -v fusermount3 >/dev/null || die "fusermount3 is missing (package fuse3)"

export LC_ALL=C
size=$((1 << 30))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-fusebench.XXXXXX")
mounts=()
daemons=()

cleanup() {
	local i
	for i in "${!mounts[@]}"; do
		fusermount3 -u -z "${mounts[i]}" 2>/dev/null || true
		kill "${daemons[i]}" 2>/dev/null || true
	done
	for i in "${!daemons[@]}"; do
		wait "${daemons[i]}" 2>/dev/null || true
	done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start MNT READY-FILE PROGRAM ARGS...: run a FUSE daemon in the foreground
# (in our background) and wait, up to 20 s, until MNT/READY-FILE exists.
start() {
	local mnt=$1 ready=$2 pid i
	shift 2
	mkdir -p "$mnt"
	"$@" -f "$mnt" 2>>"$tmp/daemons.log" &
	pid=$!
	mounts+=("$mnt")
	daemons+=("$pid")
	for ((i = 0; i < 400; i++)); do
		[[ -e $mnt/$ready ]] && return 0
		kill -0 "$pid" 2>/dev/null || die "$1 died before $mnt was mounted: $(tail -n 3 "$tmp/daemons.log")"
		sleep 0.05
	done
	die "$mnt/$ready did not appear within 20 s"
}

# ctl FILE COMMAND: one transaction; prints the answer.
ctl() {
	local fd answer
	exec {fd}<>"$1"
	printf '%s\n' "$2" >&"$fd" || die "'$2' on $1 failed: $(cat <&"$fd")"
	answer=$(cat <&"$fd")
	exec {fd}>&-
	printf '%s\n' "$answer"
}

# The same mount options for both; the ceilings first, so their buffers
# are filled before the machine takes its memory.
start "$tmp/ceiling" data "$ceiling_bin" -o "${fuse_opts:+$fuse_opts,}size=1G"
start "$tmp/copy" data "$ceiling_bin" -o "${fuse_opts:+$fuse_opts,}size=1G,copy"
start "$tmp/vmfs" ctl "$vmfs" -o "${fuse_opts:+$fuse_opts,}mem=1280M"

pid=$(ctl "$tmp/vmfs/ctl" 'spawn dd')
addr=$(ctl "$tmp/vmfs/$pid/ctl" 'mmap 0 1G rw- private')
[[ $addr =~ ^0x[0-9a-f]+$ ]] || die "mmap answered '$addr'"
addr=$((addr))
dd if="$tmp/ceiling/data" of="$tmp/vmfs/$pid/mem" bs=1M count=1024 oflag=seek_bytes seek="$addr" \
	conv=notrunc status=none || die "filling mem failed"
for off in 0 $((512 << 20)) $((size - (1 << 20))); do
	cmp <(dd if="$tmp/vmfs/$pid/mem" bs=1M count=1 iflag=skip_bytes skip=$((addr + off)) status=none) \
		<(dd if="$tmp/ceiling/data" bs=1M count=1 iflag=skip_bytes skip="$off" status=none) >/dev/null ||
		die "mem at +$off differs from the ceiling's bytes"
done

# rate FILE BS COUNT SKIP: one dd of BS*COUNT bytes; prints MB/s (10^6).
rate() {
	local out secs
	out=$(dd if="$1" of=/dev/null bs="$2" count="$3" iflag=skip_bytes skip="$4" 2>&1) ||
		die "dd if=$1 bs=$2 failed: $out"
	secs=$(sed -n 's/.* copied, \([0-9.e+-]*\) s, .*/\1/p' <<<"$out")
	[[ -n $secs ]] || die "cannot read dd's time: $out"
	grep -q "^$((size)) bytes" <<<"$out" || die "dd if=$1 bs=$2 did not copy 1 GiB: $out"
	awk -v b="$size" -v s="$secs" 'BEGIN { printf "%.1f\n", b / s / 1e6 }'
}

max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }

ids=() titles=() vm=() ce=() zc=() co=()
for bs in 1M 4k; do
	case $bs in
	1M) count=1024 ;;
	4k) count=262144 ;;
	esac
	best_v=0 best_c=0 best_k=0
	for ((r = 0; r < runs; r++)); do
		best_v=$(max "$best_v" "$(rate "$tmp/vmfs/$pid/mem" "$bs" "$count" "$addr")")
		best_c=$(max "$best_c" "$(rate "$tmp/ceiling/data" "$bs" "$count" 0)")
		best_k=$(max "$best_k" "$(rate "$tmp/copy/data" "$bs" "$count" 0)")
	done
	ids+=("dd_mem_$bs")
	titles+=("dd 1 GiB from PID/mem, bs=$bs")
	vm+=("$best_v")
	ce+=("$(max "$best_c" "$best_k")")
	zc+=("$best_c")
	co+=("$best_k")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", (b > 0 ? a / b : 0) }'; }
met() { awk -v r="$1" -v t="$target" 'BEGIN { exit !(r >= t) }'; }

if ((json)); then
	printf '{\n  "size": %d,\n  "runs": %d,\n  "mount_options": "%s",\n  "figures": [' "$size" "$runs" "$fuse_opts"
	for i in "${!ids[@]}"; do
		r=$(ratio "${vm[i]}" "${ce[i]}")
		printf '%s\n    {"id": "%s", "title": "%s", "unit": "MB/s", "kind": "rate", "target": %.2f, ' \
			"$( ((i)) && echo ,)" "${ids[i]}" "${titles[i]}" "$target"
		printf '"vmfs": %s, "ceiling": %s, "ratio": %s, "met": %s, "ceiling_direct": %s, "ceiling_copy": %s}' \
			"${vm[i]}" "${ce[i]}" "$r" "$(met "$r" && echo true || echo false)" "${zc[i]}" "${co[i]}"
	done
	printf '\n  ]\n}\n'
	exit 0
fi

rule=$(printf '%*s' 96 '' | tr ' ' -)
printf '%-34s | %-12s | %-12s | %-6s | %s\n' figure "vmfs MB/s" "ceiling MB/s" ratio "target"
echo "$rule"
n_met=0 n_missed=0
for i in "${!ids[@]}"; do
	r=$(ratio "${vm[i]}" "${ce[i]}")
	if met "$r"; then
		verdict=ok n_met=$((n_met + 1))
	else
		verdict=MISSED n_missed=$((n_missed + 1))
	fi
	printf '%-34s | %12s | %12s | %6.2f | >= %.2f %s\n' "${titles[i]}" "${vm[i]}" "${ce[i]}" "$r" "$target" "$verdict"
done
echo "$rule"
for i in "${!ids[@]}"; do
	printf '%s: ceiling replying from its buffer %s MB/s, through a per-thread buffer %s MB/s\n' \
		"${ids[i]}" "${zc[i]}" "${co[i]}"
done
echo "best of $runs runs of dd, extra mount options: ${fuse_opts:-none}; $n_met target$( ((n_met == 1)) || echo s) met, $n_missed MISSED"
