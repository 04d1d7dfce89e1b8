#!/usr/bin/env bash
# demo.sh - the README's first command: install the dependencies, build vmfs
# in build/ and run the demo (build/tools/vmfs-demo).  Works from any
# directory; a second run only rebuilds what changed.
#
# build/ has the project's default build type, debugoptimized (-O2 -g,
# assertions kept): optimised, and the same directory scripts/test.sh tests,
# so running both scripts compiles the code once.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

scripts/setup.sh

if [[ -f build/build.ninja ]]; then
	meson setup --reconfigure build
else
	meson setup build
fi
meson compile -C build

echo "demo: running build/tools/vmfs-demo"
exec build/tools/vmfs-demo "$@"
