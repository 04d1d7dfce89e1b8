#!/usr/bin/env python3
"""modgraph.py - the engine's module graph, read from its object files.

A module of the engine is one src/NAME.c.  Module A depends on module B
when A's object file refers to a symbol that B's object file defines (a
call or a use of its data, as the linker sees it; a static inline function
of a header counts with the module that calls it).  What stays true, and
what this checks:

  1. the graph has no cycle (calls flow one way, as between fuse/tools,
     libvmfs and src/), and
  2. no engine object exports a symbol: every global symbol of src/ has
     hidden visibility, so libvmfs/ (api.c and libvmfs.sym) is the only
     public surface.

Usage: modgraph.py LIBVMFS-ENGINE.a [--dot | --layers]
  Exit 0 and print the layers (modules that depend only on earlier
  layers) when both hold; exit 1 with the cycle or the exported symbol
  otherwise.  --dot prints the graph for Graphviz instead.
"""
import os
import subprocess
import sys


def members(archive):
    """Map module name -> list of readelf symbol rows of its object."""
    out = subprocess.run(['readelf', '-sW', archive], check=True,
                         capture_output=True, text=True).stdout
    mods, cur = {}, None
    for line in out.splitlines():
        if line.startswith('File: '):
            # "File: lib.a[lib.a.p/NAME.c.o]" (binutils) or "lib.a(NAME.c.o)"
            name = line[6:].rstrip(')]')
            name = name[max(name.rfind('['), name.rfind('(')) + 1:]
            cur = os.path.basename(name).split('.')[0]
            mods[cur] = []
            continue
        parts = line.split()
        if cur and len(parts) >= 8 and parts[0].endswith(':'):
            # Num: Value Size Type Bind Vis Ndx Name
            mods[cur].append(parts[1:8])
    return mods


def graph(mods):
    defs, exported, uses = {}, [], {m: set() for m in mods}
    for mod, syms in mods.items():
        for _val, _size, typ, bind, vis, ndx, name in syms:
            if bind in ('GLOBAL', 'WEAK') and ndx != 'UND':
                defs[name] = mod
                if vis == 'DEFAULT' and typ in ('FUNC', 'OBJECT'):
                    exported.append((mod, name))
    for mod, syms in mods.items():
        for _val, _size, _typ, bind, _vis, ndx, name in syms:
            if ndx == 'UND' and name in defs and defs[name] != mod:
                uses[mod].add(defs[name])
    return uses, exported


def find_cycle(uses):
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(uses[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state:
                c = visit(n)
                if c:
                    return c
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(uses):
        if m not in state:
            c = visit(m)
            if c:
                return c
    return None


def layers(uses):
    done, out = set(), []
    while len(done) < len(uses):
        layer = sorted(m for m in uses if m not in done and uses[m] <= done)
        out.append(layer)
        done |= set(layer)
    return out


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if len(sys.argv) >= 2 else 2
    uses, exported = graph(members(sys.argv[1]))
    bad = 0
    for mod, name in exported:
        print('FAIL: src/%s.c exports %s (only libvmfs/ may)' % (mod, name))
        bad = 1
    cycle = find_cycle(uses)
    if cycle:
        print('FAIL: the engine\'s modules call in a cycle: ' + ' -> '.join(cycle))
        bad = 1
    if bad:
        return 1
    if '--dot' in sys.argv[2:]:
        print('digraph engine {\n  rankdir=BT; node [shape=box];')
        for m in sorted(uses):
            for n in sorted(uses[m]):
                print('  "%s" -> "%s";' % (m, n))
        print('}')
        return 0
    print('%d modules, %d dependencies, no cycle, nothing exported; layers, '
          'each using only those below it:' % (len(uses), sum(map(len, uses.values()))))
    for i, layer in reversed(list(enumerate(layers(uses)))):
        print('  %d  %s' % (i, ' '.join(layer)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
