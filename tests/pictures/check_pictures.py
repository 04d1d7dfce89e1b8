#!/usr/bin/env python3
"""check_pictures.py - read a picture vmfsctl drew and check it against the
files of the live mount it was drawn from (test_pictures.sh calls it).

  walk VMFSCTL MNT PID SVG ADDR...   one cluster per ADDR; its tables,
        entries, flags, the frame and the verdict are what `vmfsctl
        translate PID ADDR` prints, and the frame is pagemap's
  tree MNT PID SVG [A B]             every leaf entry of PID/pagetable (in
        [A, B) when given, and none outside) has its row, under the header
        of its mapping in PID/maps, its frame the pagemap's; a frame with
        kpagecount > 1 is marked shared xN; no other leaf row is drawn
  phys MNT SVG [PID]                 one rect per frame of phys, its class
        the owner kpageflags and the processes' pagemaps give, "shared" and
        "dirty" as kpagecount and kpageflags say; with PID, its frames
        highlighted; a legend
  blank PNG...                       each screenshot has 3 colours or more
        (a blank page has 1, a page whose pictures failed few)
  text SVG                           print the text of every <text>, one a
        line (Graphviz writes "-" as "&#45;": grep the file would miss it)

What stays true: the SVG is parsed (xml.etree: it must be well-formed);
every mismatch is printed, and the exit status is 1 if there was any.
"""
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
errors = []


def bad(msg):
    errors.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def nodes(svg):
    """{title: [text, ...]} of Graphviz's node groups, texts in order."""
    root = ET.parse(svg).getroot()
    out = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") != "node":
            continue
        title = g.find(SVG + "title").text
        out[title] = ["".join(t.itertext()) for t in g.iter(SVG + "text")]
    return out


def u64(path, index):
    with open(path, "rb") as f:
        f.seek(index * 8)
        b = f.read(8)
    return struct.unpack("<Q", b)[0] if len(b) == 8 else None


def read_words(path):
    """All of a file of 64-bit words (kpageflags, kpagecount refuse reads of other sizes)."""
    out = bytearray()
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                return bytes(out)
            out += b


def pagemap_pfn(mnt, pid, va):
    e = u64(f"{mnt}/{pid}/pagemap", va >> 12)
    return e & ((1 << 55) - 1) if e is not None and e >> 63 & 1 else None


ROW = re.compile(r"^  (\w+)\s+0x([0-9a-f]+)\s+(\d+)\s+0x([0-9a-f]{16})\s+(.*?)\s{2,}(\S.*)$")


def check_walk(vmfsctl, mnt, pid, svg, addrs):
    got = nodes(svg)
    for n, a in enumerate(addrs):
        addr = int(a, 0)
        out = subprocess.run([vmfsctl, "-m", mnt, "translate", str(pid), a], check=True,
                             capture_output=True, text=True).stdout.splitlines()
        verdict = out[-1]
        stop = got.get(f"a{n}_stop")
        if stop != [verdict]:
            bad(f"walk {a}: the stop box says {stop}, translate '{verdict}'")
        rows = [m.groups() for m in map(ROW.match, out) if m]
        drawn = sorted(t for t in got if re.fullmatch(f"a{n}_t\\d+", t))
        if len(drawn) != len(rows):
            bad(f"walk {a}: {len(drawn)} tables drawn, translate read {len(rows)}")
        for lvl, (name, table, index, entry, flags, target) in enumerate(rows):
            texts = got.get(f"a{n}_t{lvl}", [])
            table = int(table, 16)
            want = [f"{name}[{index}] @0x{table + 8 * int(index):x}", "0x" + entry, flags.strip(),
                    f", frame 0x{table >> 12:x} (phys 0x{table:x})", "-> " + target.strip()]
            for w in want:
                if w not in texts:
                    bad(f"walk {a}: table {lvl} ({name}) has no '{w}': {texts}")
        m = re.match(r"cached: (?:huge page \(\w+ entry with PS\) at )?frame 0x([0-9a-f]+) \+ offset 0x([0-9a-f]+)"
                     r" = physical address 0x([0-9a-f]+)", verdict)
        if m:
            frame, off, paddr = (int(x, 16) for x in m.groups())
            texts = got.get(f"a{n}_frame", [])
            if f" 0x{frame >> 12:x} (phys 0x{frame:x})" not in texts or \
                    f"byte at offset 0x{off:x}: phys 0x{paddr:x}" not in texts:
                bad(f"walk {a}: the frame box {texts} is not frame 0x{frame:x}, byte 0x{paddr:x}")
            if addr < 1 << 63 and pagemap_pfn(mnt, pid, addr) != paddr >> 12:
                bad(f"walk {a}: the byte's frame 0x{paddr >> 12:x}, pagemap says {pagemap_pfn(mnt, pid, addr)}")
        elif f"a{n}_frame" in got:
            bad(f"walk {a}: a frame is drawn but translate found none ({verdict})")
    if not errors:
        print(f"ok - walk: {len(addrs)} addresses drawn as translate and pagemap read them")


LEAF = re.compile(r"^(\s*)(\w+)\[(\d+)\] @0x([0-9a-f]+) 0x([0-9a-f]{16}) va 0x([0-9a-f]+) -> ")


def maps_of(mnt, pid):
    out = []
    for line in open(f"{mnt}/{pid}/maps"):
        f = line.split(None, 5)
        s, e = (int(x, 16) for x in f[0].split("-"))
        out.append((s, e, f"{s:x}-{e:x} {f[1]} {f[5].strip() if len(f) > 5 else ''}".rstrip()))
    return out


def check_tree(mnt, pid, svg, lo=0, hi=1 << 64):
    got = nodes(svg)
    text = open(f"{mnt}/{pid}/pagetable").read().splitlines()
    levels = int(re.search(r"(\d) levels", text[0]).group(1))
    leaf = re.search(r"levels: (.*?);", text[0]).group(1).split()[-1]
    maps = maps_of(mnt, pid)
    want = {}
    for line in text[1:]:
        m = LEAF.match(line)
        if not m:
            continue
        name, idx, entry, va = m.group(2), m.group(3), int(m.group(5), 16), int(m.group(6), 16)
        if len(m.group(1)) // 2 != levels - 1 and (entry & 0x81) != 0x81:
            continue    # a table, not a leaf nor a huge page (P and PS)
        if lo <= va < hi:
            want[f"{name}[{idx}] va 0x{va:x}"] = (entry, va)
    seen = 0
    for title, texts in got.items():
        header = None
        for i, t in enumerate(texts):
            if re.fullmatch(r"[0-9a-f]+-[0-9a-f]+ .*", t):
                header = t
                continue
            if not re.fullmatch(r"\w+\[\d+\] va 0x[0-9a-f]+", t):
                continue
            if t not in want and t.startswith(leaf + "["):
                bad(f"tree: row '{t}' is not a leaf of pagetable in the range")
            if t not in want:
                continue
            entry, va = want.pop(t)
            seen += 1
            if texts[i + 1] != f"0x{entry:016x}":
                bad(f"tree: {t}: entry {texts[i + 1]}, pagetable 0x{entry:016x}")
            vma = [m for m in maps if m[0] <= va < m[1]]
            if header != (vma[0][2] if vma else "(no mapping)"):
                bad(f"tree: {t} is under '{header}', maps says '{vma[0][2] if vma else None}'")
            if entry & 1:
                pfn = (entry & 0x000ffffffffff000) >> 12
                if pagemap_pfn(mnt, pid, va) != pfn:   # a huge page's first frame too
                    bad(f"tree: {t}: frame 0x{pfn:x}, pagemap {pagemap_pfn(mnt, pid, va)}")
                count = u64(f"{mnt}/kpagecount", pfn)
                shared = f"shared x{count}"
                cell = " ".join(texts[i + 3:i + 5])   # the bits, and "shared xN" in bold
                if (count > 1) != (shared in cell):
                    bad(f"tree: {t}: kpagecount {count}, cells '{cell}'")
    for t in want:
        bad(f"tree: the leaf {t} of pagetable is not drawn")
    if seen == 0:
        bad("tree: no leaf drawn at all")
    if not errors:
        print(f"ok - tree: {seen} leaf entries drawn as pagetable, maps, pagemap and kpagecount give them")


KPF = {"dirty": 4, "lru": 5, "buddy": 10, "anon": 12, "zero": 24, "pgtable": 26, "reserved": 32}


def check_phys(mnt, svg, highlight=None):
    root = ET.parse(svg).getroot()
    rects = {r.get("id"): r for r in root.iter(SVG + "rect") if (r.get("id") or "").startswith("pfn-")}
    flags = read_words(f"{mnt}/kpageflags")
    counts = read_words(f"{mnt}/kpagecount")
    nframes = len(flags) // 8
    if len(rects) != nframes:
        bad(f"phys: {len(rects)} frames drawn, kpageflags has {nframes}")
    owners = {}
    for pid in sorted(int(d) for d in os.listdir(mnt) if d.isdigit()):
        try:
            maps = maps_of(mnt, pid)
            pm = open(f"{mnt}/{pid}/pagemap", "rb")
        except OSError:
            continue
        for s, e, _ in maps:
            if s >= 1 << 63:
                continue
            pm.seek((s >> 12) * 8)
            data = pm.read(((e - s) >> 12) * 8)
            for (v,) in struct.iter_unpack("<Q", data):
                if v >> 63 & 1:
                    owners.setdefault(v & ((1 << 55) - 1), set()).add(pid)
    kinds = {}
    for pfn in range(nframes):
        f = struct.unpack_from("<Q", flags, pfn * 8)[0]
        c = struct.unpack_from("<Q", counts, pfn * 8)[0]
        r = rects.get(f"pfn-{pfn}")
        if r is None:
            bad(f"phys: no rect for frame {pfn}")
            continue
        cls = set(r.get("class", "").split())
        if f >> KPF["zero"] & 1:
            kind = "zero"
        elif f >> KPF["reserved"] & 1:
            kind = "kernel"
        elif f >> KPF["pgtable"] & 1:
            kind = "pgtable"
        elif f >> KPF["buddy"] & 1:
            kind = "free"
        elif pfn in owners and f >> KPF["anon"] & 1:
            kind = f"pid-{min(owners[pfn])}"
        elif not f >> KPF["anon"] & 1 and f >> KPF["lru"] & 1:
            kind = "cache"
        else:
            kind = None
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind and kind not in cls:
            bad(f"phys: frame {pfn} has class {sorted(cls)}, expected {kind} (flags 0x{f:x})")
        if (c > 1) != ("shared" in cls):
            bad(f"phys: frame {pfn}: kpagecount {c}, class {sorted(cls)}")
        if bool(f >> KPF["dirty"] & 1) != ("dirty" in cls):
            bad(f"phys: frame {pfn}: dirty flag {f >> KPF['dirty'] & 1}, class {sorted(cls)}")
        if highlight is not None and ((highlight in owners.get(pfn, ())) != ("hl" in cls)):
            bad(f"phys: frame {pfn}: highlight of {highlight} wrong, class {sorted(cls)}")
    legend = " ".join("".join(t.itertext()) for t in root.iter(SVG + "text"))
    for word in ("free", "page tables", "kernel image", "page cache", "shared", "dirty"):
        if word not in legend:
            bad(f"phys: the legend does not name '{word}'")
    if not errors:
        print(f"ok - phys: {nframes} frames drawn as kpageflags, kpagecount and pagemap say ({kinds})")


def png_colours(path):
    """The distinct pixel values of an 8-bit RGB or RGBA PNG (a screenshot), up to 1000."""
    import zlib
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError(f"{path}: depth {depth}, colour type {ctype}")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw, stride, prev, seen = zlib.decompress(idat), w * bpp, None, set()
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        prev = prev or bytearray(stride)
        for x in range(stride):     # the PNG filters, to get the pixels back
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        for x in range(0, stride, bpp * 7):     # a sample of each row is enough
            seen.add(bytes(line[x:x + bpp]))
        if len(seen) >= 1000:
            break
    return len(seen)


def main(argv):
    what = argv[1]
    if what == "walk":
        check_walk(argv[2], argv[3], int(argv[4]), argv[5], argv[6:])
    elif what == "tree":
        rng = [int(x, 0) for x in argv[5:7]]
        check_tree(argv[2], int(argv[3]), argv[4], *rng)
    elif what == "text":
        for t in ET.parse(argv[2]).getroot().iter(SVG + "text"):
            print("".join(t.itertext()))
    elif what == "blank":
        for path in argv[2:]:
            n = png_colours(path)
            if n < 3:
                bad(f"{path}: the screenshot is blank ({n} colours)")
            else:
                print(f"ok - {path}: {n}{'+' if n >= 1000 else ''} colours")
    elif what == "phys":
        check_phys(argv[2], argv[3], int(argv[4]) if len(argv) > 4 else None)
    else:
        sys.exit(f"usage: {argv[0]} walk|tree|phys ...")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
