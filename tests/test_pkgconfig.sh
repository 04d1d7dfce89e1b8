#!/bin/sh
# test_pkgconfig.sh - the "done when" check of libvmfs as an installed library.
#
# Installs the build into a temporary --destdir, then, as a user outside the
# project would: compiles tests/pkgconfig/example.c with nothing but
# `pkg-config --cflags --libs libvmfs` (strict C11, warnings are errors), runs
# it against the installed library, and inspects that library: soname
# libvmfs.so.0, only vmfs_* symbols exported and exactly those of
# libvmfs.sym, the header installed and usable from C++.
# What stays true: nothing outside the temporary directory is touched (it is
# removed in an EXIT trap) and the build is not rebuilt (--no-rebuild), so the
# test can run inside `meson test`.
#
# Usage: test_pkgconfig.sh BUILDDIR SOURCEDIR
set -eu

build=$(cd "${1:?usage: $0 BUILDDIR SOURCEDIR}" && pwd)
src=$(cd "${2:?usage: $0 BUILDDIR SOURCEDIR}" && pwd)
CC=${CC:-cc}

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmfs-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

# The prefix, libdir, includedir and sanitizers of this build.
opt() {
	meson introspect --buildoptions "$build" | python3 -c '
import json, sys
name = sys.argv[1]
for o in json.load(sys.stdin):
    if o["name"] == name:
        v = o["value"]
        print(",".join(v) if isinstance(v, list) else v)
        break
' "$1"
}
prefix=$(opt prefix)
libdir=$(opt libdir)
includedir=$(opt includedir)
sanitize=$(opt b_sanitize)
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
case $includedir in /*) ;; *) includedir=$prefix/$includedir ;; esac
version=$(meson introspect --projectinfo "$build" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
echo "prefix $prefix, libdir $libdir, version $version, sanitize $sanitize"

meson install -C "$build" --no-rebuild --quiet --destdir "$root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "meson install"; }

lib=$root$libdir
[ -f "$root$includedir/vmfs.h" ] || fail "vmfs.h not installed in $includedir"
[ -f "$lib/pkgconfig/libvmfs.pc" ] || fail "libvmfs.pc not installed in $libdir/pkgconfig"
[ -L "$lib/libvmfs.so" ] || fail "no libvmfs.so development link"
[ -e "$lib/libvmfs.so.0" ] || fail "no libvmfs.so.0"

# pkg-config sees only the installed copy, relocated into the destdir.
pc() {
	PKG_CONFIG_LIBDIR="$lib/pkgconfig" PKG_CONFIG_PATH="" PKG_CONFIG_SYSROOT_DIR="$root" \
		pkg-config "$@"
}
[ "$(pc --modversion libvmfs)" = "$version" ] ||
	fail "pkg-config version $(pc --modversion libvmfs), project $version"
flags=$(pc --cflags --libs libvmfs)
echo "pkg-config --cflags --libs libvmfs: $flags"

san=
[ "$sanitize" = none ] || [ -z "$sanitize" ] || san="-fsanitize=$sanitize"
# shellcheck disable=SC2086  # word splitting of the flags is intended
$CC -std=c11 -Wall -Wextra -Werror $san -o "$tmp/example" "$src/tests/pkgconfig/example.c" \
	$flags || fail "example.c does not build with pkg-config's flags"

# It must run against the installed library, not the build tree's.
LD_LIBRARY_PATH=$lib ldd "$tmp/example" | grep -q "libvmfs.so.0 => $lib/" ||
	fail "example does not resolve libvmfs.so.0 to $lib: $(LD_LIBRARY_PATH=$lib ldd "$tmp/example")"
LD_LIBRARY_PATH=$lib "$tmp/example" || fail "example failed"

# The installed library: soname and exports.
so=$(readlink -f "$lib/libvmfs.so")
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libvmfs.so.0 ] || fail "soname is '$soname', expected libvmfs.so.0"
nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort >"$tmp/exported"
grep -v '^vmfs_' "$tmp/exported" >"$tmp/stray" && fail "exports besides vmfs_*: $(tr '\n' ' ' <"$tmp/stray")"
sed -n 's/^[[:space:]]*\(vmfs_[a-z0-9_]*\);.*/\1/p' "$src/libvmfs/libvmfs.sym" | sort >"$tmp/mapped"
cmp -s "$tmp/exported" "$tmp/mapped" ||
	fail "exports differ from libvmfs.sym: $(diff "$tmp/mapped" "$tmp/exported" | grep '^[<>]' | tr '\n' ' ')"
while read -r sym; do
	grep -q "[ *]$sym(" "$root$includedir/vmfs.h" || fail "$sym is exported but not declared in vmfs.h"
done <"$tmp/exported"
echo "exports: $(wc -l <"$tmp/exported") vmfs_* symbols, soname $soname"

# The newest symbol-map node and the header's version macros are the
# project's MAJOR.MINOR (a release that adds symbols adds a node).
mm=${version%.*}
node=$(sed -n 's/^VMFS_\([0-9]*\.[0-9]*\) {.*/\1/p' "$src/libvmfs/libvmfs.sym" | tail -n 1)
[ "$node" = "$mm" ] || fail "libvmfs.sym's newest node is VMFS_$node, the project is $version"
hv=$(printf '#include <vmfs.h>\nVMFS_VERSION_MAJOR.VMFS_VERSION_MINOR\n' |
	$CC -E -P $(pc --cflags libvmfs) - | tail -n 1 | tr -d ' ')
[ "$hv" = "$mm" ] || fail "vmfs.h says $hv, the project is $version"

# The header is usable from C++ too (extern "C").
if command -v c++ >/dev/null; then
	printf '#include <vmfs.h>\nint main() { vmfs *m = nullptr; return vmfs_open(&m, "") ? 1 : 0; }\n' \
		>"$tmp/cxx.cc"
	cxxflags=$(pc --cflags libvmfs)
	# shellcheck disable=SC2086
	c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only $cxxflags "$tmp/cxx.cc" ||
		fail "vmfs.h does not compile as C++"
fi
echo "1 passed, 0 failed"
