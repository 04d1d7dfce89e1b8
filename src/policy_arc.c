/*
 * policy_arc.c - ARC, the Adaptive Replacement Cache.
 *
 * N. Megiddo and D. S. Modha, "ARC: A Self-Tuning, Low Overhead
 * Replacement Cache", USENIX FAST 2003 (Fig. 4 is the algorithm).  ARC
 * keeps c pages (c = nframes here) on two LRU lists: T1 holds pages
 * referenced once since they entered the cache (recency), T2 pages
 * referenced at least twice (frequency).  It also remembers the identities
 * of pages it recently evicted, without their contents, on two ghost lists:
 * B1 for those evicted from T1, B2 for those evicted from T2.  A target p
 * (0 <= p <= c) is how large T1 should be.  A miss on a page in B1 says
 * that T1 was too small, so p grows; a miss on a page in B2 says T2 was,
 * so p shrinks: the cache tunes itself between LRU and LFU behaviour, and
 * a long scan of pages used once only washes through T1 without disturbing
 * T2.  The directory obeys |T1|+|B1| <= c and |T1|+|T2|+|B1|+|B2| <= 2c.
 *
 * The paper's request x_t arrives here in pieces, and its cases map onto
 * the callbacks like this:
 *
 *   Case I (x in T1 or T2, a hit)        accessed(): move x to the MRU end
 *                                        of T2.
 *   REPLACE(x, p)                        victim(incoming = x): evict the LRU
 *                                        page of T1 if T1 is non-empty and
 *                                        |T1| > p, or |T1| = p and x is in
 *                                        B2; else the LRU page of T2.  The
 *                                        chosen frame is remembered; when
 *                                        removed() follows for it, its
 *                                        identity goes to the MRU end of B1
 *                                        (from T1) or B2 (from T2).
 *   Case II/III adaptation (x in B1/B2)  in victim(), before REPLACE, since
 *                                        REPLACE reads p: p += d1 (B1) or
 *                                        p -= d2 (B2), clamped to [0, c],
 *                                        with d1 = max(1, |B2|/|B1|) and
 *                                        d2 = max(1, |B1|/|B2|), real
 *                                        quotients, p real.  Done once
 *                                        per return of a ghost (the ghost is
 *                                        marked), and in loaded() instead
 *                                        when a free frame made victim()
 *                                        unnecessary.
 *   Case II/III fetch                    loaded(x): x leaves its ghost list
 *                                        for the MRU end of T2.
 *   Case IV (x nowhere)                  loaded(x): x goes to the MRU end of
 *                                        T1; then the directory is trimmed:
 *                                        if |T1|+|B1| > c the LRU ghost of B1
 *                                        goes, if the total is > 2c the LRU
 *                                        ghost of B2 does.
 *
 * The paper trims before REPLACE and we after it (the engine calls victim()
 * before it knows more), but the result is the same: REPLACE reads neither
 * B1 nor B2, the ghost it adds goes to the MRU end while the trim takes the
 * LRU end, and the list trimmed is never empty then.  Case IV-A's "delete
 * the LRU page of T1" when |T1| = c is REPLACE's choice too (p = c leaves
 * T2 empty, so victim() falls back to T1); its ghost is at once trimmed.
 * The unit test checks victim for victim against a direct transcription of
 * the paper's pseudo-code.  Departures forced by the engine:
 *
 *   - A reference is one loaded() or accessed() call, but the engine calls
 *     accessed() for the access that caused the fault too: the first
 *     accessed() after loaded() belongs to the same reference and is
 *     ignored (the frame is "fresh"), so a page used once stays in T1.
 *   - victim() skips frames vmfs_page_evictable() refuses: when the list
 *     REPLACE picks has no evictable page it takes the other's LRU one.
 *   - A page freed (unmapped, its process gone) leaves T1 or T2 without
 *     becoming a ghost: removed() is an eviction only for the frame the
 *     last victim() chose, and only until the next loaded() or accessed()
 *     (if the engine could not evict it, the machine has moved on).
 *     The cache then has fewer than c pages and later loads fill it without
 *     REPLACE, as the paper's cold start does.
 *   - Ghosts are keyed by (owner, index).  Two pages may share that
 *     identity (the copies of one anonymous page after a copy-on-write
 *     break): a new ghost replaces an older one with the same key.
 *
 * Layout: node numbers 0..c-1 are frames (T1, T2), c..3c-1 the ghost nodes
 * (B1, B2; at most 2c ghosts exist since the directory holds 2c), 3c..3c+3
 * the four lists' sentinels; LRU at the head, MRU at the tail.  Free ghost
 * nodes are chained through link[].next.  The ghosts are indexed by the
 * ghost directory the other policies with ghosts share (struct pghost,
 * policy_ghost.c: open addressing, at least 4c slots, sized at init so
 * that it never grows).  What stays true:
 * where[n] names the one list node n is on (or none); size[] counts them;
 * the hash holds exactly the ghosts; the directory bounds above hold after
 * every callback.  Cost: every callback is O(1) (expected, for the hash),
 * plus one step per unevictable frame victim() skips; about 100 bytes per
 * frame.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

enum arc_list { T1, T2, B1, B2, NLISTS, NOWHERE = NLISTS };

#define ARC_FRESH   1   /* frame: loaded, not yet accessed */
#define ARC_ADAPTED 2   /* ghost: p was adapted for its coming back */

struct arc {
	uint32_t      c;           /* cache size: frames 0..c-1 */
	double        p;           /* target size of T1, a real in [0, c] */
	uint32_t      chosen;      /* the frame victim() chose, or PLIST_NIL */
	uint32_t      free_ghost;  /* chain of unused ghost nodes */
	uint32_t      size[NLISTS];
	struct pghost dir;         /* the ghosts (B1, B2) by identity */
	struct plink *link;        /* 3c + NLISTS nodes */
	uint8_t      *where;       /* 3c: enum arc_list */
	uint8_t      *flags;       /* 3c: ARC_* */
	uint64_t     *owner;       /* 3c: the page's identity */
	uint64_t     *index;
};

static inline uint32_t head(const struct arc *a, enum arc_list l)
{
	return 3 * a->c + l;
}

/* ---- lists ------------------------------------------------------------- */

static void list_del(struct arc *a, uint32_t n)
{
	assert(a->where[n] != NOWHERE && a->size[a->where[n]] > 0);
	plist_unlink(a->link, n);
	a->size[a->where[n]]--;
	a->where[n] = NOWHERE;
}

/* Move @n (on any list or none) to the MRU end of @l. */
static void list_add_mru(struct arc *a, uint32_t n, enum arc_list l)
{
	if (a->where[n] != NOWHERE)
		list_del(a, n);
	plist_insert_before(a->link, head(a, l), n);
	a->where[n] = (uint8_t)l;
	a->size[l]++;
}

static inline uint32_t list_lru(const struct arc *a, enum arc_list l)
{
	return a->link[head(a, l)].next;
}

/* ---- the ghost directory: struct pghost (policy_ghost.c) ------------------ */

static inline uint32_t ghost_find(const struct arc *a, uint64_t owner, uint64_t index)
{
	return pghost_find(&a->dir, owner, index);
}

static void ghost_drop(struct arc *a, uint32_t g)
{
	assert(g >= a->c && (a->where[g] == B1 || a->where[g] == B2));
	pghost_delete(&a->dir, g);
	list_del(a, g);
	a->link[g].next = a->free_ghost;
	a->free_ghost = g;
}

/* Remember the identity of frame @n, evicted from @from (T1 or T2). */
static void ghost_add(struct arc *a, uint32_t n, enum arc_list from)
{
	uint32_t g = ghost_find(a, a->owner[n], a->index[n]);

	if (g != PLIST_NIL)
		ghost_drop(a, g);
	g = a->free_ghost;
	/* At most 2c - (|T1|+|T2|) ghosts exist and n is still in T1 or T2. */
	assert(g != PLIST_NIL);
	if (g == PLIST_NIL)
		return;
	a->free_ghost = a->link[g].next;
	a->link[g].next = PLIST_NIL;
	a->owner[g] = a->owner[n];
	a->index[g] = a->index[n];
	a->flags[g] = 0;
	list_add_mru(a, g, from == T1 ? B1 : B2);
	pghost_insert(&a->dir, g);
}

/*
 * The paper's adaptation on a miss whose page is a ghost in @l: p moves by
 * the real ratio of the ghost lists' sizes, at least 1, and stays a real
 * number (rounding the ratio down, or p, moves ARC off the paper's Table IV
 * by up to 0.18 points on its OLTP trace).
 */
static void adapt(struct arc *a, enum arc_list l)
{
	double b1 = a->size[B1], b2 = a->size[B2];

	if (l == B1) {
		double d = b1 >= b2 ? 1.0 : b2 / b1;

		a->p = a->p + d >= a->c ? a->c : a->p + d;
	} else {
		double d = b2 >= b1 ? 1.0 : b1 / b2;

		a->p = a->p - d <= 0.0 ? 0.0 : a->p - d;
	}
}

/* Case IV's bounds: |T1|+|B1| <= c and |T1|+|T2|+|B1|+|B2| <= 2c. */
static void trim(struct arc *a)
{
	if (a->size[T1] + a->size[B1] > a->c && a->size[B1])
		ghost_drop(a, list_lru(a, B1));
	if ((uint64_t)a->size[T1] + a->size[T2] + a->size[B1] + a->size[B2] > 2 * (uint64_t)a->c)
		ghost_drop(a, list_lru(a, a->size[B2] ? B2 : B1));
}

/* ---- the callbacks ----------------------------------------------------- */

static void arc_release(void *state)
{
	struct arc *a = state;

	if (!a)
		return;
	pghost_free(&a->dir);
	free(a->link);
	free(a->where);
	free(a->flags);
	free(a->owner);
	free(a->index);
	free(a);
}

static int arc_init(void **state, uint64_t nframes, void *arg)
{
	uint64_t nodes = 3 * nframes;
	struct arc *a;

	if (arg && *(const char *)arg)   /* arc has no parameters */
		return -EINVAL;
	if (nframes >= (PLIST_NIL - NLISTS) / 3)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->c = (uint32_t)nframes;
	a->chosen = PLIST_NIL;
	a->link = malloc((nodes + NLISTS) * sizeof(*a->link));
	a->where = malloc(nodes + 1);
	a->flags = calloc(nodes + 1, 1);
	a->owner = calloc(nodes + 1, sizeof(*a->owner));
	a->index = calloc(nodes + 1, sizeof(*a->index));
	if (!a->link || !a->where || !a->flags || !a->owner || !a->index ||
	    pghost_init(&a->dir, 2 * nframes, a->owner, a->index) < 0) {
		arc_release(a);
		return -ENOMEM;
	}
	for (uint32_t n = 0; n < nodes; n++) {
		a->where[n] = NOWHERE;
		a->link[n].prev = PLIST_NIL;
		a->link[n].next = PLIST_NIL;
	}
	/* Free ghost nodes c..3c-1, chained in order. */
	a->free_ghost = nframes ? a->c : PLIST_NIL;
	for (uint32_t g = a->c; g + 1 < nodes; g++)
		a->link[g].next = g + 1;
	for (int l = 0; l < NLISTS; l++)
		plist_head_init(a->link, head(a, l));
	*state = a;
	return 0;
}

static void arc_removed(void *state, uint64_t pfn)
{
	struct arc *a = state;
	uint32_t n = (uint32_t)pfn;

	assert(pfn < a->c);
	if (pfn >= a->c || a->where[n] == NOWHERE)
		return;
	if (n == a->chosen) {           /* evicted: its identity becomes a ghost */
		a->chosen = PLIST_NIL;
		ghost_add(a, n, a->where[n]);
	}
	list_del(a, n);
	a->flags[n] = 0;
}

static void arc_loaded(void *state, const struct vmfs_page *pg)
{
	struct arc *a = state;
	uint32_t n = (uint32_t)pg->pfn, g;

	assert(pg->pfn < a->c);
	if (pg->pfn >= a->c)
		return;
	a->chosen = PLIST_NIL;          /* any eviction is over */
	if (a->where[n] != NOWHERE)     /* not told it left: it was freed */
		list_del(a, n);
	a->owner[n] = pg->owner;
	a->index[n] = pg->index;
	a->flags[n] = ARC_FRESH;
	g = ghost_find(a, pg->owner, pg->index);
	if (g != PLIST_NIL) {           /* cases II and III */
		if (!(a->flags[g] & ARC_ADAPTED))
			adapt(a, a->where[g]);
		ghost_drop(a, g);
		list_add_mru(a, n, T2);
	} else {                        /* case IV */
		list_add_mru(a, n, T1);
		trim(a);
	}
}

/* The hot path: case I, a hit. */
static void arc_accessed(void *state, const struct vmfs_page *pg)
{
	struct arc *a = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < a->c);
	a->chosen = PLIST_NIL;          /* any eviction is over */
	if (pg->pfn >= a->c || a->where[n] == NOWHERE)
		return;
	if (a->flags[n] & ARC_FRESH) {  /* the reference that loaded it */
		a->flags[n] = 0;
		return;
	}
	if (a->where[n] == T2 && a->link[n].next == head(a, T2))
		return;                 /* already the MRU page of T2 */
	list_add_mru(a, n, T2);
}

/*
 * MADV_COLD: the page becomes the LRU page of its list (T1 or T2), the one
 * REPLACE takes when it next takes from that list.
 */
void policy_arc_deactivate(void *state, uint64_t pfn)
{
	struct arc *a = state;
	uint32_t n = (uint32_t)pfn;
	enum arc_list l;

	if (pfn >= a->c || (a->where[n] != T1 && a->where[n] != T2))
		return;
	a->chosen = PLIST_NIL;
	l = (enum arc_list)a->where[n];
	list_del(a, n);
	plist_insert_before(a->link, list_lru(a, l), n);
	a->where[n] = (uint8_t)l;
	a->size[l]++;
}

/* REPLACE(x, p), preceded by case II or III's adaptation when x is a ghost. */
static int64_t arc_victim(void *state, struct vmfs_reclaim *rc,
			  const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct arc *a = state;
	bool in_b2 = false;
	enum arc_list from;
	uint32_t v;

	if (incoming) {
		uint32_t g = ghost_find(a, incoming->owner, incoming->index);

		if (g != PLIST_NIL) {
			if (!(a->flags[g] & ARC_ADAPTED)) {
				adapt(a, a->where[g]);
				a->flags[g] |= ARC_ADAPTED;
			}
			in_b2 = a->where[g] == B2;
		}
	}
	from = a->size[T1] && (a->size[T1] > a->p || (in_b2 && (double)a->size[T1] == a->p))
	       ? T1 : T2;
	v = plist_first_evictable(a->link, head(a, from), rc, scanned);
	if (v == PLIST_NIL)
		v = plist_first_evictable(a->link, head(a, from == T1 ? T2 : T1), rc, scanned);
	a->chosen = v;
	return v == PLIST_NIL ? -1 : (int64_t)v;
}

const struct vmfs_policy_ops policy_arc_ops = {
	.name     = "arc",
	.init     = arc_init,
	.release  = arc_release,
	.loaded   = arc_loaded,
	.accessed = arc_accessed,
	.removed  = arc_removed,
	.victim   = arc_victim,
};
