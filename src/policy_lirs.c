/*
 * policy_lirs.c - LIRS, the Low Inter-reference Recency Set policy.
 *
 * S. Jiang and X. Zhang, "LIRS: An Efficient Low Inter-reference Recency
 * Set Replacement Policy to Improve Buffer Cache Performance", SIGMETRICS
 * 2002.  A block's IRR (inter-reference recency) is the number of other
 * distinct blocks used between its last two references.  LIRS keeps the
 * blocks of low IRR (the LIR blocks, c - Lhirs of them) resident for good,
 * and gives the few frames left (Lhirs, 1 % of the cache by default, at
 * least 2) to the HIR blocks, whose IRR is high; a HIR block that comes
 * back while its recency is still below the largest recency of the LIR
 * blocks has an IRR lower than that LIR block's, and they swap roles.
 * Two structures carry this (the paper's Fig. 2 and 3):
 *
 *   S   the LIRS stack: blocks in recency order, the most recent on top,
 *       holding every LIR block, and the HIR blocks (resident or not)
 *       whose recency is below the bottom LIR block's.  The bottom of S
 *       is always a LIR block: "stack pruning" removes the HIR blocks
 *       beneath the bottom LIR block (a non-resident one is then
 *       forgotten).
 *   Q   the resident HIR blocks, in the order they were last referenced
 *       (or demoted); a miss evicts Q's front.
 *
 * A reference to block X:
 *   - X is LIR: it moves to the top of S (then prune, if it was the bottom).
 *   - X is a resident HIR block: it moves to the top of S; if it was in S
 *     it becomes LIR, leaves Q, and the bottom LIR block becomes HIR and
 *     goes to Q's end (then prune); if it was not in S it moves to Q's end.
 *   - X is not resident: Q's front is evicted (it stays in S if it was
 *     there, as a non-resident HIR block); X is loaded at the top of S and
 *     treated as the resident HIR block above: LIR if it was in S (with
 *     the same demotion), else a HIR block at Q's end.
 *   - While the cache fills, the first c - Lhirs blocks become LIR
 *     directly (with fewer than c - Lhirs frames in use, any block does).
 *
 * This follows the authors' simulator (lirs.c by S. Jiang, distributed with
 * their traces) case by case, including its bound on S: when S holds more
 * than `stack` times c entries (resident or not) after a reference, the
 * lowest HIR entry of S leaves it (and is forgotten if not resident).  The
 * authors' default is 2500 c, and their lirs.h names 3 c as the example of
 * a limit; ours is 3 (`lirs:stack=3`), which bounds the non-resident
 * entries LIRS remembers by 3c, sized at init (results differ from 2500's
 * at small caches: tests/replay checks both against the authors' program).
 * Parameters (the policy's init() argument, a
 * string or NULL, read by policy_parse_params): `hir=PERCENT` (an integer,
 * 1 to 99, default 1; Lhirs is floor(PERCENT/100 * c), at least 2, at most
 * c - 1, or 1 when c = 1) and `stack=MULT` (MULT >= 1), separated by ':',
 * e.g. "hir=1:stack=3".
 *
 * Mapping onto the callbacks: loaded() is a miss (after victim() and
 * removed() evicted Q's front), accessed() a hit.  Consecutive references
 * to one block count as one, as in the authors' simulator (it skips them):
 * an accessed() of the frame last referenced changes nothing, which also
 * covers the engine's accessed() for the access that loaded the page.
 * removed() of the frame the last victim() chose is the eviction (the
 * block stays in S as a non-resident entry if it was there); removed() of
 * any other frame is a free: the block is forgotten (a LIR block freed
 * leaves room for a new one).  victim() takes the first evictable frame
 * from Q's front; if Q has none (frames vmfs_page_evictable refuses, or
 * frees left Q empty) it takes the lowest evictable LIR frame of S.
 * Non-resident entries are keyed by (owner, index); a newer one replaces
 * an older one with the same key.
 *
 * Layout: nodes 0..c-1 are frames, c..c+G-1 the non-resident entries
 * ("ghosts", G = stack * c), c+G the sentinel of S and of H; Q's links are
 * over frames only, with its sentinel at c.  H is the list of the HIR
 * entries of S in S's order, kept so the bound's "lowest HIR entry of S"
 * is O(1): entries join S (and H) only at the top, and a resident HIR
 * entry evicted keeps its place in both as a ghost.  Bottom/front at the
 * head of each list, top/end at the tail.  The ghosts are found by key in
 * a struct pghost (policy_ghost.c) of at least 2G slots.
 *
 * What stays true after every callback: a node is on S iff LIRS_INS; on H
 * iff on S and not LIR; on Q iff a tracked frame that is not LIR; the
 * bottom of S is a LIR block, unless S holds none (after frees of LIR
 * blocks, or with c = 1, where Lhirs = c); the ghosts are exactly the
 * nodes on S beyond the frames, and the hash holds exactly them; nlir,
 * nres and slen count the LIR frames, the tracked frames and S; slen <=
 * stack * c.  Cost: O(1) per callback, amortised for the pruning (an
 * entry is pruned at most once each time it enters S), plus the
 * unevictable frames victim() steps over.  Memory, per frame: 33 bytes a
 * node (two links, flags, the key) for 1 + stack nodes, 8 for Q, and 8 to
 * 16 a ghost for the hash: 164 to 188 bytes with stack=3.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LIRS_LIR   1    /* frame: a LIR block */
#define LIRS_INS   2    /* node: on S */
#define LIRS_RES   4    /* frame: tracked */

struct lirs {
	uint32_t      c;           /* cache size: frames 0..c-1 */
	uint32_t      lhirs;       /* frames for HIR blocks */
	uint32_t      nghost;      /* ghost nodes: c..c+nghost-1 */
	uint32_t      smax;        /* bound on slen */
	uint32_t      nlir, nres, slen;
	uint32_t      chosen;      /* the frame victim() chose, or PLIST_NIL */
	uint32_t      last;        /* the frame last referenced, or PLIST_NIL */
	uint32_t      free_ghost;  /* chain of unused ghost nodes (through s[].next) */
	struct pghost  ghosts;     /* the ghost nodes by key */
	struct plink *s, *h;       /* c + nghost + 1 */
	struct plink *q;           /* c + 1 */
	uint8_t      *flags;       /* c + nghost */
	uint64_t     *owner, *index;
};

static inline uint32_t lirs_sent(const struct lirs *l)
{
	return l->c + l->nghost;
}

/* ---- S, H and Q -------------------------------------------------------- */

static inline bool lirs_is_hir_in_s(const struct lirs *l, uint32_t n)
{
	return (l->flags[n] & (LIRS_INS | LIRS_LIR)) == LIRS_INS;
}

/* Take @n off S (and H). */
static void lirs_s_del(struct lirs *l, uint32_t n)
{
	assert(l->flags[n] & LIRS_INS);
	if (lirs_is_hir_in_s(l, n))
		plist_unlink(l->h, n);
	plist_unlink(l->s, n);
	l->flags[n] &= (uint8_t)~LIRS_INS;
	l->slen--;
}

/* Put @n (on S or not) on top of S, and of H if it is HIR. */
static void lirs_s_top(struct lirs *l, uint32_t n)
{
	if (l->flags[n] & LIRS_INS)
		lirs_s_del(l, n);
	plist_insert_before(l->s, lirs_sent(l), n);
	if (!(l->flags[n] & LIRS_LIR))
		plist_insert_before(l->h, lirs_sent(l), n);
	l->flags[n] |= LIRS_INS;
	l->slen++;
}

static void lirs_ghost_free(struct lirs *l, uint32_t g)
{
	assert(g >= l->c && (l->flags[g] & LIRS_INS));
	pghost_delete(&l->ghosts, g);
	lirs_s_del(l, g);
	l->flags[g] = 0;
	l->s[g].next = l->free_ghost;
	l->free_ghost = g;
}

/* Remove @n from S; a ghost is forgotten, a resident HIR block stays on Q. */
static void lirs_s_out(struct lirs *l, uint32_t n)
{
	if (n >= l->c)
		lirs_ghost_free(l, n);
	else
		lirs_s_del(l, n);
}

/* Stack pruning: the bottom of S is a LIR block. */
static void lirs_prune(struct lirs *l)
{
	uint32_t sent = lirs_sent(l), b;

	while ((b = l->s[sent].next) != sent && !(l->flags[b] & LIRS_LIR))
		lirs_s_out(l, b);
}

/* The bound on S: its lowest HIR entry goes when S is too long. */
static void lirs_bound(struct lirs *l)
{
	uint32_t sent = lirs_sent(l);

	if (l->slen > l->smax && l->h[sent].next != sent)
		lirs_s_out(l, l->h[sent].next);
}

/*
 * The bottom LIR block becomes a resident HIR block at Q's end.  There is
 * one (the block just promoted, at least); the first pruning is for when
 * S had none before, and HIR entries gathered at its bottom.
 */
static void lirs_demote_bottom(struct lirs *l)
{
	uint32_t b;

	lirs_prune(l);
	b = l->s[lirs_sent(l)].next;
	assert(b < l->c && (l->flags[b] & LIRS_LIR));
	lirs_s_del(l, b);
	l->flags[b] &= (uint8_t)~LIRS_LIR;
	l->nlir--;
	plist_insert_before(l->q, l->c, b);
	lirs_prune(l);
}

/*
 * Resident HIR frame @n, in S and just moved to its top, becomes LIR.  If
 * it is the only LIR block (after frees), the HIR entries below it go.
 */
static void lirs_promote(struct lirs *l, uint32_t n)
{
	plist_unlink(l->h, n);
	l->flags[n] |= LIRS_LIR;
	l->nlir++;
	if (l->nlir > l->c - l->lhirs)
		lirs_demote_bottom(l);
	else
		lirs_prune(l);
}

/* Forget tracked frame @n entirely (a free, not an eviction). */
static void lirs_forget(struct lirs *l, uint32_t n)
{
	if (!(l->flags[n] & LIRS_LIR))
		plist_unlink(l->q, n);
	else
		l->nlir--;
	if (l->flags[n] & LIRS_INS) {
		lirs_s_del(l, n);
		lirs_prune(l);
	}
	l->flags[n] = 0;
	l->nres--;
}

/* ---- the callbacks ----------------------------------------------------- */

static void lirs_release(void *state)
{
	struct lirs *l = state;

	if (!l)
		return;
	pghost_free(&l->ghosts);
	free(l->s);
	free(l->h);
	free(l->q);
	free(l->flags);
	free(l->owner);
	free(l->index);
	free(l);
}

static int lirs_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "hir", "stack" };
	uint64_t val[] = { 1, 3 }, stack, nodes, lhirs;   /* the defaults */
	struct lirs *l;

	if (policy_parse_params(arg, keys, val, 2) < 0 || val[0] < 1 || val[0] > 99 || val[1] < 1)
		return -EINVAL;
	stack = val[1];
	if (stack > (PLIST_NIL - 2) / 2 || nframes > (PLIST_NIL - 2) / (stack + 1))
		return -EINVAL;
	nodes = nframes * (stack + 1);
	lhirs = (uint64_t)((double)val[0] / 100.0 * (double)nframes);   /* as the authors round */
	if (lhirs < 2)
		lhirs = 2;
	if (lhirs >= nframes)
		lhirs = nframes > 1 ? nframes - 1 : nframes;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->c = (uint32_t)nframes;
	l->nghost = (uint32_t)(nodes - nframes);
	l->smax = l->nghost;
	l->lhirs = (uint32_t)lhirs;
	l->chosen = l->last = PLIST_NIL;
	l->s = malloc((nodes + 1) * sizeof(*l->s));
	l->h = malloc((nodes + 1) * sizeof(*l->h));
	l->q = malloc((nframes + 1) * sizeof(*l->q));
	l->flags = calloc(nodes + 1, 1);
	l->owner = malloc((nodes + 1) * sizeof(*l->owner));
	l->index = malloc((nodes + 1) * sizeof(*l->index));
	if (!l->s || !l->h || !l->q || !l->flags || !l->owner || !l->index ||
	    pghost_init(&l->ghosts, l->nghost, l->owner, l->index) < 0) {
		lirs_release(l);
		return -ENOMEM;
	}
	for (uint64_t n = 0; n < nodes; n++)
		l->s[n].next = l->s[n].prev = l->h[n].next = l->h[n].prev = PLIST_NIL;
	for (uint64_t n = 0; n < nframes; n++)
		l->q[n].next = l->q[n].prev = PLIST_NIL;
	l->free_ghost = l->nghost ? l->c : PLIST_NIL;
	for (uint32_t g = l->c; g + 1 < nodes; g++)
		l->s[g].next = g + 1;
	plist_head_init(l->s, lirs_sent(l));
	plist_head_init(l->h, lirs_sent(l));
	plist_head_init(l->q, l->c);
	*state = l;
	return 0;
}

/* A miss: the block of @pg is loaded into its frame. */
static void lirs_loaded(void *state, const struct vmfs_page *pg)
{
	struct lirs *l = state;
	uint32_t n = (uint32_t)pg->pfn, g;
	bool was_in_s;

	assert(pg->pfn < l->c);
	if (pg->pfn >= l->c)
		return;
	l->chosen = PLIST_NIL;
	if (l->flags[n] & LIRS_RES)     /* not told it left: it was freed */
		lirs_forget(l, n);
	l->owner[n] = pg->owner;
	l->index[n] = pg->index;
	g = pghost_find(&l->ghosts, pg->owner, pg->index);
	was_in_s = g != PLIST_NIL;
	l->flags[n] = LIRS_RES;
	l->last = n;
	if (l->c - l->nres > l->lhirs) {        /* filling: a LIR block */
		if (was_in_s)
			lirs_ghost_free(l, g);
		l->flags[n] |= LIRS_LIR;
		l->nlir++;
		lirs_s_top(l, n);
		lirs_prune(l);                  /* if g was the bottom */
	} else if (was_in_s) {                  /* non-resident HIR in S */
		lirs_ghost_free(l, g);          /* not the bottom: that is LIR */
		lirs_s_top(l, n);
		lirs_promote(l, n);
	} else {                                /* a new resident HIR block */
		lirs_s_top(l, n);
		plist_insert_before(l->q, l->c, n);
	}
	l->nres++;
	lirs_bound(l);
}

/* A hit. */
static void lirs_accessed(void *state, const struct vmfs_page *pg)
{
	struct lirs *l = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < l->c);
	l->chosen = PLIST_NIL;
	if (pg->pfn >= l->c || !(l->flags[n] & LIRS_RES) || n == l->last)
		return;                         /* the same reference again */
	l->last = n;
	if (l->flags[n] & LIRS_LIR) {
		if (l->s[n].next == lirs_sent(l))
			return;                 /* already on top */
		lirs_s_top(l, n);
		lirs_prune(l);                  /* if it was the bottom */
	} else if (l->flags[n] & LIRS_INS) {    /* resident HIR in S: LIR */
		plist_unlink(l->q, n);
		lirs_s_top(l, n);
		lirs_promote(l, n);
	} else {                                /* resident HIR out of S */
		plist_unlink(l->q, n);
		plist_insert_before(l->q, l->c, n);
		lirs_s_top(l, n);
	}
	lirs_bound(l);
}

static void lirs_removed(void *state, uint64_t pfn)
{
	struct lirs *l = state;
	uint32_t n = (uint32_t)pfn, g;

	assert(pfn < l->c);
	if (pfn >= l->c || !(l->flags[n] & LIRS_RES))
		return;
	if (n == l->last)
		l->last = PLIST_NIL;
	if (n != l->chosen || (l->flags[n] & (LIRS_LIR | LIRS_INS)) != LIRS_INS) {
		l->chosen = PLIST_NIL;
		lirs_forget(l, n);
		return;
	}
	/* Evicted from Q, in S: a ghost takes its place in S and H. */
	l->chosen = PLIST_NIL;
	g = pghost_find(&l->ghosts, l->owner[n], l->index[n]);
	if (g != PLIST_NIL)
		lirs_ghost_free(l, g);
	g = l->free_ghost;
	assert(g != PLIST_NIL);         /* ghosts < slen <= smax = nghost */
	if (g == PLIST_NIL) {
		lirs_forget(l, n);
		return;
	}
	l->free_ghost = l->s[g].next;
	l->owner[g] = l->owner[n];
	l->index[g] = l->index[n];
	plist_insert_before(l->s, n, g);
	plist_insert_before(l->h, n, g);
	l->flags[g] = LIRS_INS;
	l->slen++;
	pghost_insert(&l->ghosts, g);
	plist_unlink(l->q, n);
	lirs_s_del(l, n);
	l->flags[n] = 0;
	l->nres--;
}

/* Q's front, or failing that the lowest LIR frame of S, that can go now. */
static int64_t lirs_victim(void *state, struct vmfs_reclaim *rc,
			   const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct lirs *l = state;
	uint32_t v = plist_first_evictable(l->q, l->c, rc, scanned);

	(void)incoming;
	if (v == PLIST_NIL) {
		uint32_t sent = lirs_sent(l);

		for (uint32_t n = l->s[sent].next; n != sent; n = l->s[n].next) {
			if (!(l->flags[n] & LIRS_LIR))
				continue;
			(*scanned)++;
			if (policy_evictable(rc, n)) {
				v = n;
				break;
			}
		}
	}
	l->chosen = v;
	return v == PLIST_NIL ? -1 : (int64_t)v;
}

const struct vmfs_policy_ops policy_lirs_ops = {
	.name     = "lirs",
	.init     = lirs_init,
	.release  = lirs_release,
	.loaded   = lirs_loaded,
	.accessed = lirs_accessed,
	.removed  = lirs_removed,
	.victim   = lirs_victim,
};
