#!/usr/bin/env python3
"""refsim.py - an independent reference for vmfs-replay's fault counts.

It shares nothing with vmfs-replay or libvmfs: it reads the trace itself
(lackey, memsim or refs, as SPEC section 4 describes them, and, given with
--format, din, pin, arc, lirs and oraclegeneral, as vmfs-replay(1) does;
gzip, xz and zstd files decompressed, zstd by the zstd program), turns each
record into page references by the same written rule (every page of
[addr, addr+size-1] once, ascending; S, M, W and din's 1 write; block b of
--block B bytes is [b*B, (b+1)*B-1]), and simulates the textbook algorithms
on a plain set of resident pages:

  fifo   evict the page resident longest
  lru    evict the page least recently used
  clock  second chance: a reference bit set at load and on every access; the
         hand sweeps in load order clearing set bits and evicts the first
         page whose bit is clear; the new page takes its slot, the hand
         moves past it
  arc    Megiddo & Modha, FAST 2003, Fig. 4, transcribed (p a real number,
         the adaptation steps real quotients, as the paper writes them; so
         it gives Table IV's OLTP figures within 0.02 points)
  2q     Johnson & Shasha, VLDB 1994, the full version: A1in FIFO (Kin 25 %),
         A1out ghost FIFO (Kout 50 %), Am LRU
  car    Bansal & Modha, FAST 2004, Fig. 2, transcribed (p an integer, the
         ratios rounded down; the page loaded has its bit clear)
  random seeded random replacement (seed 1, SplitMix64, the array of
         resident pages kept as policy_random.c describes)
  s3fifo Yang et al., SOSP 2023: small FIFO S (10 %), main FIFO M with a
         2-bit counter (CLOCK), ghost FIFO G of pages evicted from S
  sieve  Zhang et al., NSDI 2024: one FIFO queue, a visited bit set on a
         hit, a hand from the tail towards the head evicting the first
         object not visited (the object loaded is not visited)
  wsclock Carr & Hennessy, SOSP 1981: CLOCK with a window tau (the number
         of frames) in references; a page unreferenced and older than tau
         goes, else after a full turn the page at the hand
  opt    Belady's MIN: evict the page whose next use is furthest; pages never
         used again first, the lowest page number among them
  lirs   Jiang & Zhang, SIGMETRICS 2002: the stack S and the queue Q of
         resident HIR blocks on ordered dicts (lirs:hir=P:stack=K)
  clockpro  Jiang, Chen & Zhang, USENIX ATC 2005: the clock of resident and
         non-resident pages as a linked dict, its three hands
         (clockpro:adaptive=1:min=P:max=P)
  linux  Linux 6.1 without MGLRU, written from mm/vmscan.c, mm/workingset.c
         and mm/swap.c: the anon inactive and active lists (a replay's pages
         are all private anonymous), the page-table accessed bit (set by
         every reference, tested and cleared by folio_referenced), reclaim
         rounds of SWAP_CLUSTER_MAX, shadow entries and refault distance;
         one page reclaimed per fault, as vmfs-replay's machine does

Besides faults it predicts the swap traffic of SPEC section 1's rules for a
single process's private anonymous pages: a fault on a page that has a copy
in swap is major (a swap-in), any other is minor (demand zero); evicting a
page written since it was loaded writes it to swap (a swap-out) and from
then on it has a copy in swap; evicting a clean page writes nothing.

Usage: refsim.py [--format F] [--block B] [--policy P,...] --frames N,... TRACE
Prints CSV: policy,frames,refs,faults,major,minor,swapouts,swapins
"""
import argparse
import gzip
import heapq
import lzma
import math
import re
import struct
import subprocess
import sys
from collections import OrderedDict

USER_TOP = 1 << 47          # a 4-level machine's user half
PAGE = 4096

LACKEY = re.compile(r'^(I | L | S | M )\s*([0-9a-fA-F]+),([0-9]+)\s*$')
MEMSIM = re.compile(r'^\s*(?:0[xX])?([0-9a-fA-F]+)\s+([RWrw])\s*$')


def detect(lines):
    for line in lines:
        s = line.strip()
        if not s or s.startswith('#') or line.startswith('==') or line.startswith('--'):
            continue
        if LACKEY.match(line):
            return 'lackey'
        if MEMSIM.match(line):
            return 'memsim'
        if re.fullmatch(r'[0-9 \t,]+', s):
            return 'refs'
    raise SystemExit('refsim: cannot tell the format')


def read_bytes(path):
    """The file's bytes, decompressed when its magic says gzip, xz or zstd."""
    with open(path, 'rb') if path != '-' else sys.stdin.buffer as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        return gzip.decompress(data)
    if data[:6] == b'\xfd7zXZ\x00':
        return lzma.decompress(data)
    if data[:4] == b'\x28\xb5\x2f\xfd':
        return subprocess.run(['zstd', '-dc'], input=data, stdout=subprocess.PIPE,
                              check=True).stdout
    return data


def read_refs(path, fmt, block=PAGE):
    """The trace as a list of (page, write)."""
    data = read_bytes(path)
    text = data.decode('latin-1')
    lines = text.split('\n')
    if fmt is None:
        fmt = detect(lines[:5000])
    refs = []

    def record(addr, size, write):
        for page in range(addr // PAGE, (addr + size - 1) // PAGE + 1):
            if page * PAGE < USER_TOP:
                refs.append((page, write))

    def comment(line):
        s = line.strip()
        return not s or s.startswith('#')

    if fmt == 'din':
        for line in lines:
            if comment(line):
                continue
            f = line.split()
            if f[0] in ('0', '1', '2'):
                record(int(f[1], 16), 1, f[0] == '1')
        return refs
    if fmt == 'pin':
        for line in lines:
            if comment(line):
                continue
            ip, rest = line.split(':', 1)
            rw, addr = rest.split()
            record(int(addr, 16), 1, rw == 'W')
        return refs
    if fmt == 'arc':
        for line in lines:
            if not comment(line):
                start, n = (int(x) for x in line.split()[:2])
                record(start * block, n * block, False)
        return refs
    if fmt == 'lirs':
        for line in lines:
            if not comment(line) and line.strip() != '*':
                record(int(line) * block, block, False)
        return refs
    if fmt == 'oraclegeneral':
        ids = {}
        for off in range(0, len(data) - len(data) % 24, 24):
            _, obj, size, _ = struct.unpack_from('<IQIq', data, off)
            if size:
                record(ids.setdefault(obj, len(ids)) * block, block, False)
        return refs

    if fmt == 'lackey':
        for line in lines:
            m = LACKEY.match(line.rstrip('\r'))
            if m:
                record(int(m.group(2), 16), int(m.group(3)), m.group(1).strip() in ('S', 'M'))
    elif fmt == 'memsim':
        for line in lines:
            s = line.strip()
            if not s or s.startswith('#'):
                continue
            m = MEMSIM.match(line.rstrip('\r'))
            if not m:
                raise SystemExit('refsim: bad memsim line %r' % line)
            record(int(m.group(1), 16), 1, m.group(2) in 'Ww')
    else:
        for line in lines:
            for tok in re.split(r'[\s,]+', line.split('#', 1)[0]):
                if tok:
                    record(int(tok) * block, block if block != PAGE else 1, False)
    return refs


# ---- policies: each returns a function miss(page, i) -> victim or None,
# ---- and a function hit(page, i); both see every reference.

def fifo(frames, refs):
    q = OrderedDict()

    def hit(p, i):
        pass

    def miss(p, i):
        v = None
        if len(q) == frames:
            v, _ = q.popitem(last=False)
        q[p] = True
        return v
    return hit, miss


def lru(frames, refs):
    q = OrderedDict()

    def hit(p, i):
        q.move_to_end(p)

    def miss(p, i):
        v = None
        if len(q) == frames:
            v, _ = q.popitem(last=False)
        q[p] = True
        return v
    return hit, miss


def clock(frames, refs):
    slots, bit, where = [], [], {}
    hand = [0]

    def hit(p, i):
        bit[where[p]] = 1

    def miss(p, i):
        if len(slots) < frames:
            where[p] = len(slots)
            slots.append(p)
            bit.append(1)
            return None
        h = hand[0]
        while bit[h]:
            bit[h] = 0
            h = (h + 1) % frames
        v = slots[h]
        del where[v]
        slots[h], bit[h], where[p] = p, 1, h
        hand[0] = (h + 1) % frames
        return v
    return hit, miss


def arc(c, refs):
    T1, T2, B1, B2 = OrderedDict(), OrderedDict(), OrderedDict(), OrderedDict()
    st = {'p': 0.0}

    def replace(x):
        t1 = len(T1)
        if t1 >= 1 and ((x in B2 and t1 == st['p']) or t1 > st['p']):
            v, _ = T1.popitem(last=False)
            B1[v] = True
        else:
            v, _ = T2.popitem(last=False)
            B2[v] = True
        return v

    def hit(x, i):                      # case I
        if x in T1:
            del T1[x]
        T2[x] = True
        T2.move_to_end(x)

    def miss(x, i):
        p = st['p']
        if x in B1:                     # case II
            st['p'] = min(c, p + max(len(B2) / len(B1), 1))
            v = replace(x)
            del B1[x]
            T2[x] = True
            return v
        if x in B2:                     # case III
            st['p'] = max(0, p - max(len(B1) / len(B2), 1))
            v = replace(x)
            del B2[x]
            T2[x] = True
            return v
        v = None                        # case IV
        if len(T1) + len(B1) == c:
            if len(T1) < c:
                B1.popitem(last=False)
                v = replace(x)
            else:
                v, _ = T1.popitem(last=False)
        elif len(T1) + len(B1) < c and len(T1) + len(T2) + len(B1) + len(B2) >= c:
            if len(T1) + len(T2) + len(B1) + len(B2) == 2 * c:
                B2.popitem(last=False)
            v = replace(x)
        T1[x] = True
        return v
    return hit, miss


def wsclock(frames, refs):
    # Carr & Hennessy, SOSP 1981: CLOCK whose hand, at a page with its bit
    # set, clears it and stamps the page's time of last use with the
    # virtual time; the first page with its bit clear older than tau (the
    # number of frames) goes; after a full turn without one, the page at
    # the hand.  Virtual time counts references, a run of references to
    # one page after a hit as one (the machine tells its policy once); a
    # page loaded has its bit set and its time stamped.
    tau = frames
    slots, bit, tlu, where = [], [], [], {}
    st = {'hand': 0, 'now': 0, 'last': None, 'hit': False}

    def heard(x, was_hit):
        if not (was_hit and st['last'] == x and st['hit']):
            st['now'] += 1
        st['last'], st['hit'] = x, was_hit

    def hit(x, i):
        bit[where[x]] = 1
        heard(x, True)

    def miss(x, i):
        v = None
        now = st['now']
        if len(slots) < frames:
            where[x] = len(slots)
            slots.append(x)
            bit.append(1)
            tlu.append(now)
        else:
            h = st['hand']
            for _ in range(frames):
                if bit[h]:
                    bit[h], tlu[h] = 0, now
                elif now - tlu[h] > tau:
                    break
                h = (h + 1) % frames
            v = slots[h]
            del where[v]
            slots[h], bit[h], tlu[h], where[x] = x, 1, now, h
            st['hand'] = (h + 1) % frames
        heard(x, False)
        return v
    return hit, miss


def opt(frames, refs):
    n = len(refs)
    never = n + 1
    nxt = [never] * n
    last = {}
    for i in range(n - 1, -1, -1):
        p = refs[i][0]
        nxt[i] = last.get(p, never)
        last[p] = i
    cur = {}                             # resident page -> its next use
    heap = []                            # (-next use, page), stale entries skipped

    def hit(p, i):
        cur[p] = nxt[i]
        heapq.heappush(heap, (-nxt[i], p))

    def miss(p, i):
        v = None
        if len(cur) == frames:
            while True:
                k, q = heapq.heappop(heap)
                if cur.get(q) == -k:
                    break
            v = q
            del cur[v]
        cur[p] = nxt[i]
        heapq.heappush(heap, (-nxt[i], p))
        return v
    return hit, miss


def lirs(c, refs, params=''):
    """LIRS, Jiang & Zhang, SIGMETRICS 2002, Section 3 and Fig. 3, with the
    conventions of the authors' simulator that the paper leaves open:
    Lhirs = floor(hir% of c), at least 2 (at most c - 1); the first c - Lhirs
    blocks (any block while fewer than c - Lhirs are resident) become LIR; a
    reference repeating the one before it is a hit that changes nothing;
    when S holds more than stack * c entries after a reference its lowest HIR
    entry leaves it.  params: 'hir=P:stack=K' (defaults 1 and 3)."""
    opt = {'hir': 1.0, 'stack': 3}
    for kv in filter(None, params.split(':')):
        k, v = kv.split('=')
        opt[k] = float(v) if k == 'hir' else int(v)
    lhirs = max(2, int(opt['hir'] / 100.0 * c))
    if lhirs >= c:
        lhirs = c - 1 if c > 1 else c
    S = OrderedDict()       # the LIRS stack: bottom first, top last
    Q = OrderedDict()       # resident HIR blocks: front first
    lir = set()
    st = {'last': None}

    def top(x):
        S.pop(x, None)
        S[x] = True

    def prune():            # the bottom of S is a LIR block
        while S and next(iter(S)) not in lir:
            S.popitem(last=False)

    def promote(x):         # x, a HIR block in S, is now LIR
        lir.add(x)
        if len(lir) > c - lhirs:
            b = next(y for y in S if y in lir)    # largest recency of the LIR blocks
            del S[b]
            lir.discard(b)
            Q[b] = True
            prune()

    def bound():
        if len(S) > opt['stack'] * c:
            del S[next(y for y in S if y not in lir)]

    def hit(x, i):
        if x == st['last']:
            return
        st['last'] = x
        if x in lir:
            top(x)
            prune()
        elif x in S:
            del Q[x]
            top(x)
            promote(x)
        else:
            Q.move_to_end(x)
            top(x)
        bound()

    def miss(x, i):
        st['last'] = x
        v = None
        if len(lir) + len(Q) == c:
            v, _ = Q.popitem(last=False)
        if c - (len(lir) + len(Q)) > lhirs:     # still filling
            lir.add(x)
            top(x)
        elif x in S:
            top(x)
            promote(x)
        else:
            top(x)
            Q[x] = True
        bound()
        return v
    return hit, miss


def sieve(frames, refs):
    # Zhang et al., NSDI 2024, Fig. 2: objects in a FIFO queue, new ones at
    # the head, a visited bit set on a hit (nothing moves); the hand starts
    # at the tail and moves towards the head (prev), wrapping to the tail;
    # it clears visited bits and evicts the first object whose bit is
    # clear, and stays on the object before it.
    prev, nxt, visited = {}, {}, {}     # prev: towards the head (newer)
    ends = {'head': None, 'tail': None, 'hand': None}

    def hit(x, i):
        visited[x] = True

    def unlink(o):
        p, n = prev[o], nxt[o]          # n: towards the tail (older)
        if p is None:
            ends['head'] = n
        else:
            nxt[p] = n
        if n is None:
            ends['tail'] = p
        else:
            prev[n] = p
        del prev[o], nxt[o], visited[o]

    def miss(x, i):
        v = None
        if len(visited) == frames:
            o = ends['hand'] if ends['hand'] is not None else ends['tail']
            while visited[o]:
                visited[o] = False
                o = prev[o] if prev[o] is not None else ends['tail']
            ends['hand'] = prev[o]
            unlink(o)
            v = o
        prev[x], nxt[x], visited[x] = None, ends['head'], False
        if ends['head'] is not None:
            prev[ends['head']] = x
        ends['head'] = x
        if ends['tail'] is None:
            ends['tail'] = x
        return v
    return hit, miss


def clockpro(c, refs, params=''):
    """CLOCK-Pro, Jiang, Chen & Zhang, USENIX ATC 2005 (Section 4): one clock
    of resident and non-resident pages in the order of their last move, the
    newest at the head; hands turn from the oldest on.  Conventions of the
    authors' simulator: the first c - m_c pages loaded are hot (m_c = 5 % of c,
    at least 2), at most c non-resident pages, a reference repeating the one
    before it changes nothing, the bit of a page just loaded is clear.
    params: 'adaptive=1:min=P:max=P' (defaults 0, 5, 5)."""
    opt = {'adaptive': 0, 'min': 5.0, 'max': 5.0}
    for kv in filter(None, params.split(':')):
        k, v = kv.split('=')
        opt[k] = float(v)
    lo = max(2, int(opt['min'] / 100.0 * c))
    hi = max(2, int(opt['max'] / 100.0 * c))
    nxt, prv = {}, {}                  # the circle: nxt toward the head (newer)
    hot, res, ref, test = set(), set(), set(), set()
    st = {'head': None, 'hot': None, 'cold': None, 'test': None, 'nonres': 0,
          'credit': 0, 'last': None}

    def insert(x):                     # at the head: the newest
        h = st['head']
        if h is None:
            nxt[x] = prv[x] = x
            st['hot'] = st['test'] = x
        else:
            p = prv[h]
            nxt[p], prv[x], nxt[x], prv[h] = x, p, h, x
        st['head'] = x

    def remove(x, forget):
        for hand in ('hot', 'test', 'cold'):
            if st[hand] == x:
                st[hand] = prv[x] if len(nxt) > 1 else None
        if st['head'] == x:
            st['head'] = nxt[x] if len(nxt) > 1 else None
        p, n = prv.pop(x), nxt.pop(x)
        if p != x:
            nxt[p], prv[n] = n, p
        test.discard(x)
        ref.discard(x)
        if forget:
            res.discard(x)
            hot.discard(x)

    def to_head(x):
        remove(x, False)
        insert(x)

    def cold_on():                     # the cold hand to a resident cold page, or None
        x = st['cold']
        for _ in range(len(nxt) + 1):
            if x is None or (x in res and x not in hot):
                st['cold'] = x
                return
            x = prv[x]
        st['cold'] = None

    def hand_test(step):
        if step:
            t = st['test']
            st['test'] = prv[t]
            if t not in hot:
                if t not in res and opt['adaptive']:
                    st['credit'] -= 1
                test.discard(t)
                ref.discard(t)
                if t not in res:
                    remove(t, True)
                    st['nonres'] -= 1
        if st['nonres'] > c:
            while st['test'] in res:
                if st['test'] not in hot:
                    test.discard(st['test'])
                    ref.discard(st['test'])
                st['test'] = prv[st['test']]
            if opt['adaptive']:
                st['credit'] -= 1
            t = st['test']
            st['test'] = prv[t]
            remove(t, True)
            st['nonres'] -= 1

    def hand_hot(cold_ptr):            # 2: met cold_ptr and demoted, 1: met, 0: demoted
        done = met = demoted = False
        while not done or (st['hot'] not in hot and hot):
            h = st['hot']
            if h in hot:
                if h in ref:
                    ref.discard(h)
                else:
                    hot.discard(h)
                    done = demoted = True
                if st['test'] == h:
                    st['test'] = prv[h]
                st['hot'] = prv[h]
                to_head(h)
            else:
                if h == cold_ptr:
                    done = met = True
                st['hot'] = prv[h]
            if nxt[st['hot']] == st['test']:
                hand_test(True)
            if not done and not hot and cold_ptr not in nxt:
                done = met = True
        return (2 if demoted else 1) if met else 0

    def hand_cold():                   # runs until it evicts; returns the page
        while True:
            x = st['cold']
            if x not in ref or x not in test:
                st['cold'] = prv[x]
                res.discard(x)
                if x in test:
                    st['nonres'] += 1
                    ref.discard(x)
                else:
                    remove(x, True)
                cold_on()
                hand_test(False)
                return x
            cold = c - len(hot)
            if st['credit'] > 0 and cold >= hi or st['credit'] < 0 and cold <= lo:
                st['credit'] = 0
            if st['credit'] < 0:
                st['cold'] = prv[x]
                hot.add(x)
                ref.discard(x)
                to_head(x)
                st['credit'] += 1
            elif st['credit'] > 0:
                m = hand_hot(x)
                if not m:
                    st['cold'] = prv[x]
                    remove(x, False)
                    ref.add(st['cold'])
                    test.add(x)
                    insert(x)
                    st['credit'] -= 1
                else:
                    ref.discard(x)
                    if m == 2:
                        st['credit'] -= 1
                    continue
            else:
                m = hand_hot(x)
                if m != 1:
                    st['cold'] = prv[x]
                    to_head(x)
                    hot.add(x)
            cold_on()

    def hit(x, i):
        if x != st['last']:
            st['last'] = x
            ref.add(x)

    def miss(x, i):
        st['last'] = x
        free = c - len(res)
        v = None
        if free > lo and x not in nxt:
            res.add(x)
            hot.add(x)
            insert(x)
            return None
        if free == 0:
            v = hand_cold()
        if x in nxt:                   # non-resident, in its test
            m = hand_hot(x)
            if m != 1:
                if x in nxt:
                    remove(x, False)
                    st['nonres'] -= 1
                res.add(x)
                hot.add(x)
                if opt['adaptive']:
                    st['credit'] += 1
                insert(x)
                return v
            if x in nxt:
                remove(x, True)
                st['nonres'] -= 1
        res.add(x)
        insert(x)
        test.add(x)
        if st['cold'] is None:
            st['cold'] = x
        return v
    return hit, miss


def twoq(c, refs):
    # Johnson & Shasha, VLDB 1994, section 2.1, the full version: A1in a
    # FIFO of pages seen once, A1out a FIFO of the identities of pages
    # paged out of A1in, Am an LRU of pages seen again after A1in.
    # Kin = 25 %, Kout = 50 % of the cache, rounded down.
    kin, kout = c * 25 // 100, c * 50 // 100
    a1in, a1out, am = OrderedDict(), OrderedDict(), OrderedDict()  # oldest/LRU first

    def hit(x, i):
        if x in am:
            am.move_to_end(x)           # in A1in: nothing

    def reclaimfor():
        if len(a1in) + len(am) < c:
            return None                 # a free slot
        if len(a1in) > kin:
            y, _ = a1in.popitem(last=False)
            if kout:
                a1out[y] = True
                if len(a1out) > kout:
                    a1out.popitem(last=False)
        else:
            y, _ = am.popitem(last=False)
        return y

    def miss(x, i):
        ghost = x in a1out              # asked before reclaimfor trims A1out
        v = reclaimfor()
        if ghost:
            a1out.pop(x, None)
            am[x] = True
        else:
            a1in[x] = True
        return v
    return hit, miss


def car(c, refs):
    # Bansal & Modha, FAST 2004, Fig. 2, transcribed: T1, T2 clocks (head
    # first), B1, B2 LRU ghost lists, p; p an integer, ratios rounded down.
    T1, T2, B1, B2 = OrderedDict(), OrderedDict(), OrderedDict(), OrderedDict()
    ref = {}
    st = {'p': 0}

    def hit(x, i):
        ref[x] = 1

    def replace():
        while True:
            t, b = (T1, B1) if len(T1) >= max(1, st['p']) else (T2, B2)
            y, _ = t.popitem(last=False)    # the head page
            if not ref[y]:
                b[y] = True                 # demoted to the MRU end of B1 or B2
                del ref[y]
                return y
            ref[y] = 0
            T2[y] = True                    # to the tail of T2

    def miss(x, i):
        v = None
        ghost = x in B1 or x in B2
        if len(T1) + len(T2) == c:
            v = replace()
            if not ghost and len(T1) + len(B1) == c:
                B1.popitem(last=False)
            elif not ghost and len(T1) + len(T2) + len(B1) + len(B2) == 2 * c:
                B2.popitem(last=False)
        if not ghost:
            T1[x] = True
        elif x in B1:
            st['p'] = min(st['p'] + max(1, len(B2) // len(B1)), c)
            del B1[x]
            T2[x] = True
        else:
            st['p'] = max(st['p'] - max(1, len(B1) // len(B2)), 0)
            del B2[x]
            T2[x] = True
        ref[x] = 0
        return v
    return hit, miss


def rand(frames, refs, seed=1):
    # Random replacement, seeded: the resident pages in an array where a
    # new page takes the end and an evicted page's place is taken by the
    # last page; the victim is at index r mod n, r the next SplitMix64
    # output (Steele, Lea & Flood, OOPSLA 2014) from the seed.
    M64 = (1 << 64) - 1
    st = {'s': seed}
    slots, pos = [], {}

    def draw():
        st['s'] = (st['s'] + 0x9e3779b97f4a7c15) & M64
        z = st['s']
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        return z ^ (z >> 31)

    def hit(x, i):
        pass

    def miss(x, i):
        v = None
        if len(slots) == frames:
            k = draw() % len(slots)
            v = slots[k]
            last = slots.pop()
            if k < len(slots):
                slots[k] = last
                pos[last] = k
            del pos[v]
        pos[x] = len(slots)
        slots.append(x)
        return v
    return hit, miss


def s3fifo(c, refs):
    # Yang et al., SOSP 2023, Algorithm 1, with the authors' libCacheSim
    # S3FIFO.c for the order of evictions: one eviction per miss, from M
    # when M is over its share or S is empty, else from S.  S is 10 % of
    # the cache (at least 1), M the rest, G remembers as many as M holds.
    # A run of references to one page after a hit counts as one hit (the
    # machine tells its policy of a run once).
    ssize = c * 10 // 100 or 1
    msize = c - ssize
    S, M, G = OrderedDict(), OrderedDict(), OrderedDict()   # oldest first
    freq = {}
    last = {'page': None, 'hit': False}

    def hit(x, i):
        if not (last['page'] == x and last['hit']):
            freq[x] = min(freq[x] + 1, 3)
        last['page'], last['hit'] = x, True

    def evict_m():
        while True:
            t, _ = M.popitem(last=False)
            if freq[t] > 0:
                freq[t] -= 1
                M[t] = True
            else:
                del freq[t]
                return t

    def evict():
        if len(M) > msize or not S:
            return evict_m()
        while S:
            t, _ = S.popitem(last=False)
            if freq[t] > 1:
                M[t] = True
            else:
                del freq[t]
                if msize:
                    G.pop(t, None)
                    if len(G) == msize:
                        G.popitem(last=False)
                    G[t] = True
                return t
        return evict_m()

    def miss(x, i):
        v = evict() if len(S) + len(M) == c else None
        if x in G:
            del G[x]
            M[x] = True
        else:
            S[x] = True
        freq[x] = 0
        last['page'], last['hit'] = x, False
        return v
    return hit, miss


def linux(c, refs, params=''):
    # Each list an ordered dict, first the tail (oldest), last the head.
    inactive, active = OrderedDict(), OrderedDict()
    young, pg_referenced, pg_workingset = set(), set(), set()
    shadow = OrderedDict()       # evicted page -> (nonresident_age, workingset)
    age = [0]                    # lruvec->nonresident_age
    batch = [0]                  # the round's isolated pages not yet reclaimed or put back

    def inactive_is_low():
        gb = (len(inactive) + len(active)) >> (30 - 12)
        ratio = int(math.isqrt(10 * gb)) if gb else 1
        return len(inactive) * ratio < len(active)

    def shrink_active_list():
        for _ in range(32):
            if not active:
                break
            p = next(iter(active))
            del active[p]
            young.discard(p)                 # folio_referenced clears; no VM_EXEC
            pg_workingset.add(p)
            inactive[p] = True               # to the inactive head

    def reclaim():
        while True:
            if batch[0] == 0:                # shrink_lruvec: age, then isolate up to 32
                if inactive_is_low():
                    shrink_active_list()
                batch[0] = min(32, len(inactive))
                continue
            batch[0] -= 1
            p = next(iter(inactive))
            ptes = p in young
            young.discard(p)
            was_referenced = p in pg_referenced
            pg_referenced.discard(p)
            if ptes:                         # folio_check_references
                pg_referenced.add(p)
                del inactive[p]
                if was_referenced:           # activate: pgactivate, aged by move_folios_to_lru
                    active[p] = True
                    age[0] += 1
                else:                        # keep: back to the inactive head
                    inactive[p] = True
                continue
            del inactive[p]                  # reclaim: workingset_eviction
            shadow[p] = (age[0], p in pg_workingset)
            age[0] += 1
            pg_workingset.discard(p)
            if len(shadow) > c:
                shadow.popitem(last=False)
            return p

    def hit(p, i):
        young.add(p)

    def miss(p, i):
        v = reclaim() if len(inactive) + len(active) == c else None
        if p in shadow:                      # workingset_refault (anon: the active anon list)
            evicted, ws = shadow.pop(p)
            if age[0] - evicted <= len(active):
                age[0] += 1
                if ws:
                    pg_workingset.add(p)
                active[p] = True
            else:
                inactive[p] = True
        else:
            inactive[p] = True
        young.add(p)                         # the instantiating fault's accessed bit
        return v
    return hit, miss


POLICIES = {'fifo': fifo, 'lru': lru, 'clock': clock, 'arc': arc, 'opt': opt,
            '2q': twoq, 'car': car, 'random': rand, 's3fifo': s3fifo, 'sieve': sieve,
            'wsclock': wsclock, 'lirs': lirs, 'clockpro': clockpro,
            'linux': linux}


def simulate(refs, policy, frames):
    name, _, params = policy.partition(':')
    hit, miss = POLICIES[name](frames, refs, params) if params else POLICIES[name](frames, refs)
    resident, dirty, swapped = set(), set(), set()
    faults = major = swapouts = 0
    for i, (p, w) in enumerate(refs):
        if p in resident:
            hit(p, i)
        else:
            faults += 1
            if p in swapped:
                major += 1
            v = miss(p, i)
            if v is not None:
                resident.discard(v)
                if v in dirty:
                    dirty.discard(v)
                    swapouts += 1
                    swapped.add(v)
            resident.add(p)
        if w:
            dirty.add(p)
    return faults, major, faults - major, swapouts, major


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--format', choices=['lackey', 'memsim', 'refs', 'din', 'pin', 'arc',
                                         'lirs', 'oraclegeneral'])
    ap.add_argument('--block', type=int, default=PAGE)
    ap.add_argument('--policy', default='fifo,lru,clock,arc,opt')
    ap.add_argument('--frames', required=True)
    ap.add_argument('trace')
    a = ap.parse_args()
    refs = read_refs(a.trace, a.format, a.block)
    print('policy,frames,refs,faults,major,minor,swapouts,swapins')
    for policy in a.policy.split(','):
        for frames in (int(x) for x in a.frames.split(',')):
            f = simulate(refs, policy, frames)
            print('%s,%d,%d,%d,%d,%d,%d,%d' % ((policy, frames, len(refs)) + f))


if __name__ == '__main__':
    main()
