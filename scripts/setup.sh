#!/usr/bin/env bash
# setup.sh - install every build and test dependency of vmfs on Debian 12.
#
# Runs apt as root, or through sudo when not root.  When every package is
# already installed it does nothing, so the other scripts can call it on
# every run.  Why each package is needed is written in README.md.
set -euo pipefail

packages=(
	meson ninja-build gcc clang pkg-config   # build
	libfuse3-dev fuse3                       # the file system (fuse/)
	libsqlite3-dev sqlite3                   # the swap and object store
	libcmocka-dev                            # unit tests
	scdoc                                    # man pages
	libclang-rt-14-dev                       # clang's sanitizer runtimes (TSan)
	valgrind util-linux                      # tests
	bsdextrautils                            # hexdump, in the file-system tests
	zlib1g-dev libzstd-dev liblzma-dev       # compressed traces (vmfs-replay)
	zstd                                     # the replay tests' zstd trace
	parallel                                 # GNU parallel: the replay tests' sharded sweep
	procps psmisc python3-psutil strace      # Linux's own tools on a mount (test_tools.sh)
	sysstat                                  # pidstat, on a mount (test_tools.sh)
	libunicorn-dev                           # the CPU that runs programs in the machine (src/cpu.c)
	qemu-user                                # qemu-x86_64: the CPU figures' comparison (vmfs-bench)
	libgraphviz-dev                          # libgvc, libcgraph: vmfsctl draw walk/tree
	tmux                                     # tests: vmfsctl watch in a real terminal
	chromium                                 # tests: the HTML tutorial in a headless browser
)

missing=()
for p in "${packages[@]}"; do
	# dpkg -s also succeeds for removed-but-configured packages; ask for
	# the state so only "install ok installed" counts.
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "setup: all dependencies are installed"
	exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
	command -v sudo >/dev/null || {
		echo "setup: not root and sudo is missing; install as root: ${missing[*]}" >&2
		exit 1
	}
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
