/*
 * replay_mrc.c - LRU and OPT stack distances in one pass, for whole
 * miss-ratio curves (see replay_mrc.h for the method and what stays true).
 *
 * LRU: the reference at time t to a page last referenced at time s has
 * distance 1 + (the number of pages whose last reference lies in (s, t)).
 * Each page has one mark, at the slot of its last reference, in a Fenwick
 * tree; that count is live - prefix(s).  Slots are handed out in time
 * order; when they run out the live ones are renumbered 1..live in the same
 * order (the map follows) and the tree is rebuilt, with at least as many
 * free slots as live ones, so compaction costs O(1) a reference amortized
 * and the tree never holds more than about four slots a page.
 *
 * OPT: Mattson's update for a priority stack.  With the referenced page at
 * position k, the new stack is the page at the top, then positions 2..k
 * filled by the old 1..k-1 as a carry passes down: at each position the
 * page of sooner next use stays and the other is carried on; what is
 * carried out of position k-1 lands at k.  Below k nothing moves.  A page
 * not within the followed depth is found nowhere: the carry then goes to
 * the bottom, and falls off when the depth is full.  Pages never used
 * again all have the next use OPT_NEVER; which of them stays above the
 * other never matters, since none is referenced again.
 */
#include "replay_mrc.h"
#include "replay_opt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_FREE UINT64_MAX

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

static inline uint64_t lowbit(uint64_t i)
{
	return i & (~i + 1);
}

static inline void tree_add(struct lru_mrc *l, uint64_t i, int32_t v)
{
	for (; i <= l->cap; i += lowbit(i))
		l->tree[i] = (uint32_t)((int32_t)l->tree[i] + v);
}

static inline uint64_t tree_prefix(const struct lru_mrc *l, uint64_t i)
{
	uint64_t sum = 0;

	for (; i; i -= lowbit(i))
		sum += l->tree[i];
	return sum;
}

int lru_mrc_init(struct lru_mrc *l)
{
	memset(l, 0, sizeof(*l));
	l->curve.limit = UINT64_MAX;
	l->cap = 4096;
	l->tree = calloc(l->cap + 1, sizeof(*l->tree));
	l->page = malloc((l->cap + 1) * sizeof(*l->page));
	if (!l->tree || !l->page || map_init(&l->last, 1024) < 0) {
		lru_mrc_done(l);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Renumber the live slots 1..live in order, with room for as many again,
 * and rebuild the tree (in O(cap): each node passes its sum to its parent).
 */
static int lru_compact(struct lru_mrc *l)
{
	uint64_t j = 0, cap = l->cap;

	for (uint64_t i = 1; i <= l->used; i++) {
		if (l->page[i] == SLOT_FREE)
			continue;
		l->page[++j] = l->page[i];
		*map_get(&l->last, l->page[j]) = j;
	}
	l->used = j;
	while (cap < 2 * (j + 1))
		cap *= 2;
	if (cap != l->cap) {
		uint32_t *tree = realloc(l->tree, (cap + 1) * sizeof(*tree));
		uint64_t *page;

		if (!tree)
			return -ENOMEM;
		l->tree = tree;
		page = realloc(l->page, (cap + 1) * sizeof(*page));
		if (!page)
			return -ENOMEM;
		l->page = page;
		l->cap = cap;
	}
	for (uint64_t i = 1; i <= l->cap; i++)
		l->tree[i] = i <= j;
	for (uint64_t i = 1; i <= l->cap; i++)
		if (i + lowbit(i) <= l->cap)
			l->tree[i + lowbit(i)] += l->tree[i];
	return 0;
}

int lru_mrc_ref(struct lru_mrc *l, uint64_t vpn)
{
	bool added;
	uint64_t *slot = map_put(&l->last, vpn, 0, &added);

	if (!slot)
		return -ENOMEM;
	l->curve.refs++;
	if (added) {
		l->curve.cold++;
	} else {
		uint64_t s = *slot, d = l->live - tree_prefix(l, s) + 1;

		if (hist_reserve(&l->curve, d) < 0)
			return -ENOMEM;
		l->curve.hist[d]++;
		if (d > l->curve.maxd)
			l->curve.maxd = d;
		tree_add(l, s, -1);
		l->page[s] = SLOT_FREE;
		l->live--;
	}
	/* The map does not change size here, so @slot stays valid. */
	if (l->used == l->cap && lru_compact(l) < 0)
		return -ENOMEM;
	*slot = ++l->used;
	l->page[l->used] = vpn;
	tree_add(l, l->used, 1);
	l->live++;
	return 0;
}

void lru_mrc_done(struct lru_mrc *l)
{
	mrc_finish(&l->curve);
	map_free(&l->last);
	free(l->tree);
	free(l->page);
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
	o->key = malloc((o->max + SCAN_STEP) * sizeof(*o->key));
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
	uint64_t depth = o->depth, i = 1;

	o->curve.refs++;
	if (depth && key[0] == t) {
		o->curve.hist[1]++;
		key[0] = next;
		if (!o->curve.maxd)
			o->curve.maxd = 1;
		return;
	}
	carry = depth ? key[0] : KEY_NEVER;
	while (i < depth) {
		uint64_t end;

		i = scan_skip(key, i, depth, carry, t);
		end = i + SCAN_STEP < depth ? i + SCAN_STEP : depth;
		for (; i < end; i++) {
			uint32_t k = key[i];

			if (k == t) {               /* found at position i + 1 */
				key[i] = carry;
				key[0] = next;
				o->curve.hist[i + 1]++;
				if (i + 1 > o->curve.maxd)
					o->curve.maxd = i + 1;
				return;
			}
			if (k > carry) {            /* the sooner-used page stays */
				key[i] = carry;
				carry = k;
			}
		}
	}
	/* Not within the depth: a miss at every size followed. */
	o->curve.far++;
	if (!depth)
		o->depth = 1;
	else if (depth < o->max)
		key[o->depth++] = carry;
	else
		o->curve.limit = o->max;    /* a page fell off: larger sizes unknown */
	key[0] = next;
}

void opt_mrc_done(struct opt_mrc *o)
{
	mrc_finish(&o->curve);
	free(o->key);
	o->key = NULL;
}
