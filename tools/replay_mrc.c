/*
 * replay_mrc.c - LRU and OPT stack distances in one pass, for whole
 * miss-ratio curves (see replay_mrc.h for the method and what stays true).
 *
 * LRU: the reference at time t to a page last referenced at time s has
 * distance 1 + (the number of pages whose last reference lies in (s, t)).
 * Each page has one mark, at the slot of its last reference; the marks
 * after s are those of s's block after s (popcounts of at most half the
 * block's 8 words) and those of the later blocks, live minus a prefix sum
 * of the Fenwick tree over the blocks (one node a block of 512 slots, so
 * the tree is small enough to stay in the cache).  Slots are handed out in
 * time order; when they run out the marked ones are renumbered 1..live in
 * the same order (the directory follows) and the arrays rebuilt, with at
 * least as many free slots as marked ones, so compaction costs O(1) a
 * reference amortized and there are never more than about four slots a
 * page.  The directory's leaves of 64 slots cost 256 bytes each: 4 to 8
 * bytes a page when pages come in runs, 256 at worst, for pages more than
 * 64 apart.  What stays true: bit s is set exactly when slot s is some
 * page's last reference and that page's leaf entry says s; count and tree
 * agree with the bits; live is the number of marks.
 *
 * OPT: Mattson's update for a priority stack.  With the referenced page at
 * position k, the new stack is the page at the top, then positions 2..k
 * filled by the old 1..k-1 as a carry passes down: at each position the
 * page of sooner next use stays and the other is carried on; what is
 * carried out of position k-1 lands at k.  Below k nothing moves.  A page
 * not within the followed depth is found nowhere: the carry then goes to
 * the bottom, and falls off when the depth is full.  Pages never used
 * again (dead) all have the next use OPT_NEVER; which of them stays above
 * the other never matters, since none is referenced again, and a carry
 * that is dead passes every other page, so dead pages sink: those below
 * the last live one are only counted (ndead), never scanned, and it is
 * one of them that falls off a full depth while there are any, which
 * loses nothing.  What stays true: key[0 .. lived-1] are the top of the
 * stack, key[lived-1] is not dead, and lived + ndead <= max.
 */
#include "replay_mrc.h"
#include "replay_opt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the curve ----------------------------------------------------------------- */

/* Room for distance @d in the histogram.  0 or -ENOMEM. */
static int hist_reserve(struct mrc *c, uint64_t d)
{
	uint64_t n = c->nhist ? c->nhist : 1024;
	uint64_t *h;

	if (d < c->nhist)
		return 0;
	while (n <= d)
		n *= 2;
	h = realloc(c->hist, n * sizeof(*h));
	if (!h)
		return -ENOMEM;
	memset(h + c->nhist, 0, (n - c->nhist) * sizeof(*h));
	c->hist = h;
	c->nhist = n;
	return 0;
}

/* From counts per distance to counts at that distance or more, for mrc_misses. */
static void mrc_finish(struct mrc *c)
{
	uint64_t sum = 0;

	for (uint64_t d = c->maxd; d >= 1; d--) {
		sum += c->hist[d];
		c->hist[d] = sum;
	}
}

uint64_t mrc_misses(const struct mrc *c, uint64_t frames)
{
	return c->cold + c->far + (frames < c->maxd ? c->hist[frames + 1] : 0);
}

void mrc_free(struct mrc *c)
{
	free(c->hist);
	memset(c, 0, sizeof(*c));
}

/* ---- LRU -------------------------------------------------------------------- */

#define LEAF_SIZE   (1u << LRU_LEAF_BITS)
#define BLOCK_SLOTS (1u << LRU_BLOCK_BITS)
#define BLOCK_WORDS (BLOCK_SLOTS / 64)

static inline uint64_t lowbit(uint64_t i)
{
	return i & (~i + 1);
}

static inline unsigned popcount(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

/* Add @v to the marks of block @b (from 0). */
static inline void block_add(struct lru_mrc *l, uint64_t b, int v)
{
	l->count[b] = (uint16_t)(l->count[b] + v);
	for (uint64_t i = b + 1; i <= l->nblocks; i += lowbit(i))
		l->tree[i] = (uint32_t)((int64_t)l->tree[i] + v);
}

/* The marks of blocks 0 .. @b-1. */
static inline uint64_t blocks_before(const struct lru_mrc *l, uint64_t b)
{
	uint64_t sum = 0;

	for (uint64_t i = b; i; i -= lowbit(i))
		sum += l->tree[i];
	return sum;
}

static inline void mark_set(struct lru_mrc *l, uint64_t s)
{
	l->bits[s >> 6] |= 1ull << (s & 63);
	block_add(l, s >> LRU_BLOCK_BITS, 1);
}

static inline void mark_clear(struct lru_mrc *l, uint64_t s)
{
	l->bits[s >> 6] &= ~(1ull << (s & 63));
	block_add(l, s >> LRU_BLOCK_BITS, -1);
}

/*
 * The marks at slots after @s: in @s's block (counting the block's words
 * on the shorter side of @s), then in the blocks after it.
 */
static uint64_t marks_after(const struct lru_mrc *l, uint64_t s)
{
	uint64_t b = s >> LRU_BLOCK_BITS, w = s >> 6, first = b * BLOCK_WORDS, in_block = 0;

	if (w - first < BLOCK_WORDS / 2) {
		uint64_t upto = popcount(l->bits[w] << (63 - (s & 63)));   /* slots of w up to s */

		for (uint64_t i = first; i < w; i++)
			upto += popcount(l->bits[i]);
		in_block = l->count[b] - upto;
	} else {
		in_block = popcount((l->bits[w] >> (s & 63)) >> 1);
		for (uint64_t i = w + 1; i < first + BLOCK_WORDS; i++)
			in_block += popcount(l->bits[i]);
	}
	return in_block + l->live - blocks_before(l, b + 1);
}

/* Where the slot of @vpn's last reference is kept; NULL without memory. */
static uint32_t *slot_of(struct lru_mrc *l, uint64_t vpn)
{
	uint64_t key = vpn >> LRU_LEAF_BITS, *v;
	bool added;

	if (l->nleaves && key == l->last_key)
		return &l->leaf[l->last_leaf * LEAF_SIZE + (vpn & (LEAF_SIZE - 1))];
	if (!(v = map_put(&l->dir, key, l->nleaves, &added)))
		return NULL;
	if (added) {
		if (l->nleaves == l->leafcap) {
			uint64_t cap = l->leafcap ? 2 * l->leafcap : 64;
			uint32_t *leaf = realloc(l->leaf, cap * LEAF_SIZE * sizeof(*leaf));

			if (!leaf) {
				map_del(&l->dir, key);
				return NULL;
			}
			memset(leaf + l->leafcap * LEAF_SIZE, 0, (cap - l->leafcap) * LEAF_SIZE * sizeof(*leaf));
			l->leaf = leaf;
			l->leafcap = cap;
		}
		l->nleaves++;
	}
	l->last_key = key;
	l->last_leaf = *v;
	return &l->leaf[*v * LEAF_SIZE + (vpn & (LEAF_SIZE - 1))];
}

/*
 * Size the slot arrays for @cap slots (a multiple of BLOCK_SLOTS) with the
 * first @n slots after slot 0 marked, and nothing else.  0 or -ENOMEM
 * (the arrays are then as they were, but for their contents).
 */
static int lru_slots(struct lru_mrc *l, uint64_t cap, uint64_t n)
{
	uint64_t nblocks = cap / BLOCK_SLOTS;

	if (cap != l->cap) {
		uint64_t *bits = realloc(l->bits, cap / 64 * sizeof(*bits));
		uint16_t *count;
		uint32_t *tree;
		uint64_t *page;

		if (!bits)
			return -ENOMEM;
		l->bits = bits;
		if (!(count = realloc(l->count, nblocks * sizeof(*count))))
			return -ENOMEM;
		l->count = count;
		if (!(tree = realloc(l->tree, (nblocks + 1) * sizeof(*tree))))
			return -ENOMEM;
		l->tree = tree;
		if (!(page = realloc(l->page, cap * sizeof(*page))))
			return -ENOMEM;
		l->page = page;
		l->cap = cap;
		l->nblocks = nblocks;
	}
	memset(l->bits, 0, cap / 64 * sizeof(*l->bits));
	for (uint64_t s = 1; s <= n; s++)
		l->bits[s >> 6] |= 1ull << (s & 63);
	for (uint64_t b = 0; b < nblocks; b++) {
		uint64_t c = 0;

		for (uint64_t i = b * BLOCK_WORDS; i < (b + 1) * BLOCK_WORDS; i++)
			c += popcount(l->bits[i]);
		l->count[b] = (uint16_t)c;
		l->tree[b + 1] = (uint32_t)c;
	}
	/* The tree in O(blocks): each node passes its sum to its parent. */
	for (uint64_t i = 1; i <= nblocks; i++)
		if (i + lowbit(i) <= nblocks)
			l->tree[i + lowbit(i)] += l->tree[i];
	return 0;
}

int lru_mrc_init(struct lru_mrc *l)
{
	memset(l, 0, sizeof(*l));
	l->curve.limit = UINT64_MAX;
	if (map_init(&l->dir, 1024) < 0 || lru_slots(l, 4 * BLOCK_SLOTS, 0) < 0) {
		lru_mrc_done(l);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Renumber the marked slots 1..live in order, the directory following,
 * with at least as many free slots as marked ones after them.
 */
static int lru_compact(struct lru_mrc *l)
{
	uint64_t j = 0, cap = l->cap;

	for (uint64_t w = 0; w <= l->used >> 6; w++)
		for (uint64_t m = l->bits[w]; m; m &= m - 1) {
			uint64_t s = w * 64 + (uint64_t)__builtin_ctzll(m), p = l->page[s];

			l->page[++j] = p;
			*slot_of(l, p) = (uint32_t)j;     /* present: nothing is added */
		}
	while (cap < 2 * (j + 1))
		cap *= 2;
	l->used = j;
	return lru_slots(l, cap, j);
}

int lru_mrc_ref(struct lru_mrc *l, uint64_t vpn)
{
	uint32_t *slot = slot_of(l, vpn);

	if (!slot)
		return -ENOMEM;
	if (!*slot) {
		if (l->live >= LRU_MRC_MAX_PAGES)
			return -EOVERFLOW;
		l->curve.cold++;
	} else {
		uint64_t s = *slot, d = marks_after(l, s) + 1;

		if (hist_reserve(&l->curve, d) < 0)
			return -ENOMEM;
		l->curve.hist[d]++;
		if (d > l->curve.maxd)
			l->curve.maxd = d;
		mark_clear(l, s);
		l->live--;
	}
	l->curve.refs++;
	/* Compaction adds no leaf, so @slot stays valid. */
	if (l->used + 1 == l->cap && lru_compact(l) < 0)
		return -ENOMEM;
	*slot = (uint32_t)++l->used;
	l->page[l->used] = vpn;
	mark_set(l, l->used);
	l->live++;
	return 0;
}

void lru_mrc_done(struct lru_mrc *l)
{
	mrc_finish(&l->curve);
	map_free(&l->dir);
	free(l->leaf);
	free(l->bits);
	free(l->count);
	free(l->tree);
	free(l->page);
	l->leaf = NULL;
	l->bits = NULL;
	l->count = NULL;
	l->tree = NULL;
	l->page = NULL;
}

/* ---- OPT -------------------------------------------------------------------- */

/*
 * Keys are 32-bit (reference numbers below OPT_MRC_MAX_REFS, KEY_NEVER for
 * no next use) so that the scan compares 8 a step: four lanes of 16 bytes
 * twice, GCC's and clang's vector extension, which is SSE2 on x86-64 and
 * NEON on arm64.  The comparison is signed, so both sides are biased by
 * 2^31 to compare as unsigned numbers.
 */
#define KEY_NEVER UINT32_MAX
#define SCAN_STEP 8

typedef int32_t v4i32 __attribute__((vector_size(16)));
typedef uint64_t v2u64 __attribute__((vector_size(16)));

int opt_mrc_init(struct opt_mrc *o, uint64_t max, uint64_t nrefs)
{
	memset(o, 0, sizeof(*o));
	if (nrefs > OPT_MRC_MAX_REFS)
		return -EOVERFLOW;
	o->curve.limit = UINT64_MAX;
	o->max = max ? max : 1;
	o->key = malloc((o->max + 1) * sizeof(*o->key));
	if (!o->key || hist_reserve(&o->curve, o->max) < 0) {
		free(o->key);
		o->key = NULL;
		mrc_free(&o->curve);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The first position from @i (>= 1) below @depth whose key is later than
 * @carry or is @t, in steps of SCAN_STEP; the scalar loop takes it from
 * there.  Only whole steps are skipped, so the result is at most @depth.
 */
static inline uint64_t scan_skip(const uint32_t *key, uint64_t i, uint64_t depth, uint32_t carry,
				 uint32_t t)
{
	const int32_t bias = INT32_MIN;
	const v4i32 vb = { bias, bias, bias, bias };
	const int32_t c = (int32_t)(carry ^ 0x80000000u), x = (int32_t)(t ^ 0x80000000u);
	const v4i32 vc = { c, c, c, c }, vt = { x, x, x, x };

	for (; i + SCAN_STEP <= depth; i += SCAN_STEP) {
		v4i32 a, b, m;
		v2u64 q;

		memcpy(&a, key + i, sizeof(a));
		memcpy(&b, key + i + 4, sizeof(b));
		a ^= vb;
		b ^= vb;
		m = (a > vc) | (a == vt) | (b > vc) | (b == vt);
		q = (v2u64)m;
		if (q[0] | q[1])
			break;
	}
	return i;
}

void opt_mrc_ref(struct opt_mrc *o, uint64_t t64, uint64_t next64)
{
	uint32_t *key = o->key, carry, t = (uint32_t)t64;
	uint32_t next = next64 == OPT_NEVER ? KEY_NEVER : (uint32_t)next64;
	uint64_t lived = o->lived, i = 1;

	o->curve.refs++;
	if (lived && key[0] == t) {
		o->curve.hist[1]++;
		key[0] = next;
		if (!o->curve.maxd)
			o->curve.maxd = 1;
		goto trim;
	}
	/* The top is carried down: a live page, or one of the dead ones. */
	if (lived) {
		carry = key[0];
	} else if (o->ndead) {
		carry = KEY_NEVER;
		o->ndead--;
	} else {                            /* the first reference of all */
		o->curve.far++;
		key[0] = next;
		o->lived = 1;
		goto trim;
	}
	while (i < lived) {
		uint64_t end;

		i = scan_skip(key, i, lived, carry, t);
		end = i + SCAN_STEP < lived ? i + SCAN_STEP : lived;
		for (; i < end; i++) {
			uint32_t k = key[i];

			if (k == t) {               /* found at position i + 1 */
				key[i] = carry;
				key[0] = next;
				o->curve.hist[i + 1]++;
				if (i + 1 > o->curve.maxd)
					o->curve.maxd = i + 1;
				goto trim;
			}
			if (k > carry) {            /* the sooner-used page stays */
				key[i] = carry;
				carry = k;
			}
		}
	}
	/* Not within the depth: a miss at every size followed.  The carry
	 * lands below the live pages; one page more in the stack. */
	o->curve.far++;
	if (carry == KEY_NEVER)
		o->ndead++;
	else
		key[lived++] = carry;
	if (!lived)
		lived = 1;                  /* the top was dead: the new page is the top */
	key[0] = next;
	if (lived + o->ndead > o->max) {    /* the bottom falls off */
		if (o->ndead)
			o->ndead--;         /* a page never used again: nothing lost */
		else {
			lived--;
			o->curve.limit = o->max;   /* larger sizes unknown */
		}
	}
	o->lived = lived;
trim:
	/* Pages never used again at the bottom of the live ones join the dead. */
	while (o->lived && key[o->lived - 1] == KEY_NEVER) {
		o->lived--;
		o->ndead++;
	}
}

void opt_mrc_done(struct opt_mrc *o)
{
	mrc_finish(&o->curve);
	free(o->key);
	o->key = NULL;
}
