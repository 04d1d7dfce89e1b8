/*
 * policy_2q.c - 2Q, the full version: a FIFO queue A1in for pages seen
 * once, a ghost FIFO queue A1out remembering pages evicted from it, and an
 * LRU list Am for pages seen again after they left A1in.
 *
 * T. Johnson and D. Shasha, "2Q: A Low Overhead High Performance Buffer
 * Management Replacement Algorithm", VLDB 1994 (section 2.1, "Full
 * Version").  On a reference to X:
 *
 *   X in Am     move X to the MRU end of Am;
 *   X in A1out  reclaimfor(X), then X enters the MRU end of Am;
 *   X in A1in   nothing (a correlated reference);
 *   elsewhere   reclaimfor(X), then X enters the tail of A1in.
 *
 * reclaimfor(X), when no frame is free: if |A1in| > Kin, the head (the
 * oldest) of A1in is paged out and its identity enters the tail of A1out,
 * whose head is forgotten when A1out holds more than Kout; else the LRU
 * page of Am is paged out and remembered nowhere.  Kin is 25 % and Kout
 * 50 % of the cache by default, the paper's recommendation.
 *
 * Here reclaimfor is victim(): it picks the frame, and removed() of that
 * frame, which follows, does the remembering (as in policy_arc.c: only for
 * the frame victim() chose, until the next loaded() or accessed(); a page
 * freed rather than evicted leaves no ghost).  Since the paper decides
 * whether X is in A1out before reclaimfor(X) may trim A1out, victim()
 * notes the incoming page's ghost, and the trim leaves it for loaded() to
 * take into Am (so A1out may hold Kout + 1 ghosts between the two calls).  When the queue the rule
 * picks has no evictable page, the other's first evictable one goes.
 *
 * Accesses: 2q moves pages on hits, so it uses its own accessed()
 * callbacks, not the page-table accessed bit.  The engine's accessed() for
 * the access that loaded a page is part of the loading reference, and in
 * A1in any hit does nothing anyway; a repeated accessed() changes nothing
 * (the page is already at Am's MRU end), as rule 4 of policy.h wants.
 *
 * Parameters (2q:KEY=VALUE:...): kin=PERCENT (default 25, 0 to 100) and
 * kout=PERCENT (default 50, 0 to 400) of the frames, rounded down.
 *
 * Layout: a struct pdir (policy.h) with the lists A1in, Am (LRU at the
 * head) and A1out, heads the oldest; Kout + 1 ghost nodes.  What stays
 * true: the tracked frames are exactly those on A1in and Am; the directory
 * holds exactly the ghosts of A1out; |A1out| <= Kout after every
 * callback but removed() of a victim (then Kout + 1 at most).  Cost: O(1) per callback (expected, for the directory), plus
 * one step per unevictable frame victim() passes.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

enum twoq_list { A1IN, AM, A1OUT };

struct twoq {
	struct pdir d;          /* first: release() is pdir_release */
	uint32_t    kin, kout;   /* in pages */
	uint32_t    back;        /* the incoming page's ghost, or PLIST_NIL */
};

/* d.flags: loaded, its loading access not yet heard */
#define TWOQ_FRESH 1

static int twoq_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "kin", "kout" };
	uint64_t pct[2] = { 25, 50 };
	struct twoq *q;
	int rc;

	if (policy_parse_params(arg, keys, pct, 2) < 0 || pct[0] > 100 || pct[1] > 400)
		return -EINVAL;
	if (nframes >= PLIST_NIL / 8)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->kin = (uint32_t)(nframes * pct[0] / 100);
	q->kout = (uint32_t)(nframes * pct[1] / 100);
	q->back = PLIST_NIL;
	/* Room for Kout ghosts, the one entering and the incoming one's (victim()). */
	if ((rc = pdir_init(&q->d, nframes, (uint64_t)q->kout + 2)) < 0) {
		free(q);
		return rc;
	}
	*state = q;
	return 0;
}

static void twoq_removed(void *state, uint64_t pfn)
{
	struct twoq *q = state;

	/* Paged out of A1in: remembered in A1out. */
	if (pdir_removed(&q->d, pfn) == (A1IN | PDIR_EVICTED) && q->kout) {
		pdir_ghost_add(&q->d, (uint32_t)pfn, A1OUT);
		/* The incoming page's ghost leaves in loaded() anyway. */
		while (q->d.size[A1OUT] > q->kout && pdir_first(&q->d, A1OUT) != q->back)
			pdir_ghost_drop(&q->d, pdir_first(&q->d, A1OUT));
	}
}

static void twoq_loaded(void *state, const struct vmfs_page *pg)
{
	struct twoq *q = state;
	uint32_t g;

	q->back = PLIST_NIL;
	if (!pdir_loaded(&q->d, pg, TWOQ_FRESH, &g))
		return;
	if (g != PLIST_NIL)             /* X in A1out: into Am */
		pdir_ghost_drop(&q->d, g);
	pdir_add_tail(&q->d, (uint32_t)pg->pfn, g != PLIST_NIL ? AM : A1IN);
}

/* The hot path: a hit in Am makes the page the most recent; in A1in, nothing. */
static void twoq_accessed(void *state, const struct vmfs_page *pg)
{
	struct twoq *q = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < q->d.c);
	q->d.chosen = q->back = PLIST_NIL;
	if (pg->pfn >= q->d.c || q->d.where[n] != AM)
		return;
	if (q->d.flags[n] & TWOQ_FRESH) {              /* the reference that loaded it */
		q->d.flags[n] = 0;
		return;
	}
	if (q->d.link[n].next != pdir_head(&q->d, AM))
		pdir_add_tail(&q->d, n, AM);
}

/*
 * MADV_COLD: a page of Am becomes its least recently used; a page of A1in
 * stays where it is (A1in is a FIFO of pages not yet shown to be hot).
 */
void policy_2q_deactivate(void *state, uint64_t pfn)
{
	struct twoq *q = state;
	uint32_t n = (uint32_t)pfn;

	if (pfn >= q->d.c || q->d.where[n] != AM)
		return;
	q->d.chosen = q->back = PLIST_NIL;
	pdir_add_head(&q->d, n, AM);
}

/* reclaimfor: the head of A1in when it holds more than Kin, else Am's LRU page. */
static int64_t twoq_victim(void *state, struct vmfs_reclaim *rc,
			   const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct twoq *q = state;
	unsigned from = q->d.size[A1IN] > q->kin ? A1IN : AM;
	uint32_t v;

	/* The paper asks "X in A1out?" before reclaimfor(X) trims A1out. */
	q->back = incoming ? pdir_ghost_find(&q->d, incoming) : PLIST_NIL;
	v = plist_first_evictable(q->d.link, pdir_head(&q->d, from), rc, scanned);
	if (v == PLIST_NIL)
		v = plist_first_evictable(q->d.link, pdir_head(&q->d, from == A1IN ? AM : A1IN),
					  rc, scanned);
	q->d.chosen = v;
	return v == PLIST_NIL ? -1 : (int64_t)v;
}

const struct vmfs_policy_ops policy_2q_ops = {
	.name     = "2q",
	.init     = twoq_init,
	.release  = pdir_release,
	.loaded   = twoq_loaded,
	.accessed = twoq_accessed,
	.removed  = twoq_removed,
	.victim   = twoq_victim,
};
