/*
 * policy_car.c - CAR, CLOCK with Adaptive Replacement: ARC's adaptation
 * on two CLOCKs instead of two LRU lists.
 *
 * S. Bansal and D. S. Modha, "CAR: Clock with Adaptive Replacement",
 * USENIX FAST 2004 (Fig. 2 is the algorithm).  The c resident pages are on
 * two clocks, T1 (pages seen once since they came in, recency) and T2
 * (pages seen again, frequency), each page with a reference bit that a hit
 * sets and that nothing else does; nothing moves on a hit.  B1 and B2 are
 * LRU lists of the identities of pages evicted from T1 and T2, and p
 * (0 <= p <= c) is T1's target size.  A miss, when the cache is full:
 *
 *   replace(): repeat: if |T1| >= max(1, p), look at T1's head: with its
 *     bit clear it is evicted into B1's MRU end, else its bit is cleared
 *     and it moves to T2's tail; otherwise look at T2's head: with its bit
 *     clear it is evicted into B2's MRU end, else its bit is cleared and it
 *     moves to T2's tail; until a page is evicted.
 *   then, for a page in neither ghost list, the directory is trimmed: if
 *     |T1| + |B1| = c, B1's LRU identity goes; else if the four lists hold
 *     2c, B2's LRU one does.
 *
 * and then: a page in neither ghost list enters T1's tail; one in B1 makes
 * p grow by max(1, |B2|/|B1|) (up to c), one in B2 makes it shrink by
 * max(1, |B1|/|B2|) (down to 0), and it enters T2's tail; either way with
 * its bit clear.  Note that, unlike ARC, replace() reads p before the
 * adaptation for the page coming in.
 *
 * In the callbacks: replace() is victim() (the evicted page becomes a
 * ghost in removed(), which follows, as in policy_arc.c: only for the
 * frame victim() chose, until the next loaded() or accessed()); the trim,
 * the adaptation and the insertion are loaded().  The trim is made on
 * every load of a page that is no ghost, not only after a replacement: the
 * two differ only when frames were freed, which the paper does not know,
 * and the bounds |T1|+|B1| <= c, |T1|+|T2|+|B1|+|B2| <= 2c hold either
 * way.  p is an integer and the ratios are rounded down.
 *
 * The reference bit: car is a CLOCK, so a page's bit is its own bit, set
 * by accessed() on every access but the one that loaded it (the paper's
 * new page has its bit clear), or the page-table accessed bits of the
 * entries that map it (policy_referenced), cleared whenever replace()
 * looks at the page.  The bits the loading fault set are cleared and
 * ignored the first time replace() looks at a page (CLOOKED), as in
 * policy_sieve.c; in this machine every access reaches accessed() too, so
 * the two agree.  Frames policy_evictable() refuses are moved to the tail
 * of their clock, bits untouched; if the paper's loop finds nothing in
 * 3(|T1| + |T2|) + 1 looks, the first evictable page of T1, then of T2, is
 * taken whatever its bit (never, when nothing is pinned: the loop ends
 * within 2(|T1| + |T2|) + 1).
 *
 * Layout: a struct pdir (policy.h) with lists T1, T2 (heads the clock
 * hands' pages), B1, B2 (heads the LRU ends); 2c + 1 ghost nodes.  What
 * stays true: the tracked frames are exactly those on T1 and T2; the
 * directory holds exactly the ghosts; the bounds above hold after every
 * callback but removed() of a victim.  Cost: O(1) per callback (expected,
 * for the directory) but victim(), amortised O(1) per eviction since each
 * bit cleared was set by a hit.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

enum car_list { CT1, CT2, CB1, CB2 };

/* d.flags, by frame */
#define CREF    1   /* the page's own reference bit */
#define CFRESH  2   /* loaded, its loading access not yet heard */
#define CLOOKED 4   /* replace() has looked at it since it was loaded */

struct car {
	struct pdir d;        /* first: release() is pdir_release */
	uint32_t    p;        /* CT1's target size */
};

static int car_init(void **state, uint64_t nframes, void *arg)
{
	struct car *a;
	int rc;

	(void)arg;
	if (nframes >= PLIST_NIL / 4)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if ((rc = pdir_init(&a->d, nframes, 2 * nframes + 1)) < 0) {
		free(a);
		return rc;
	}
	*state = a;
	return 0;
}

static void car_removed(void *state, uint64_t pfn)
{
	struct car *a = state;
	int l = pdir_removed(&a->d, pfn);

	/* Evicted: demoted to the MRU end of B1 or B2. */
	if (l >= 0 && (l & PDIR_EVICTED))
		pdir_ghost_add(&a->d, (uint32_t)pfn, (l & ~PDIR_EVICTED) == CT1 ? CB1 : CB2);
}

/* The directory replacement, for a page that is in neither ghost list. */
static void car_trim(struct car *a)
{
	uint32_t *sz = a->d.size;

	if (sz[CT1] + sz[CB1] >= a->d.c && sz[CB1])
		pdir_ghost_drop(&a->d, pdir_first(&a->d, CB1));
	else if ((uint64_t)sz[CT1] + sz[CT2] + sz[CB1] + sz[CB2] >= 2 * (uint64_t)a->d.c &&
		 (sz[CB1] || sz[CB2]))
		pdir_ghost_drop(&a->d, pdir_first(&a->d, sz[CB2] ? CB2 : CB1));
}

static void car_loaded(void *state, const struct vmfs_page *pg)
{
	struct car *a = state;
	uint32_t n = (uint32_t)pg->pfn, g;

	if (!pdir_loaded(&a->d, pg, CFRESH, &g))
		return;
	if (g == PLIST_NIL) {
		car_trim(a);
		pdir_add_tail(&a->d, n, CT1);
		return;
	}
	if (a->d.where[g] == CB1) {
		uint32_t b1 = a->d.size[CB1], b2 = a->d.size[CB2];
		uint32_t step = b2 > b1 ? b2 / b1 : 1;

		a->p = step >= a->d.c - a->p ? a->d.c : a->p + step;
	} else {
		uint32_t b1 = a->d.size[CB1], b2 = a->d.size[CB2];
		uint32_t step = b1 > b2 ? b1 / b2 : 1;

		a->p = step >= a->p ? 0 : a->p - step;
	}
	pdir_ghost_drop(&a->d, g);
	pdir_add_tail(&a->d, n, CT2);
}

/* The hot path: a hit sets the bit, nothing moves. */
static void car_accessed(void *state, const struct vmfs_page *pg)
{
	struct car *a = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < a->d.c);
	a->d.chosen = PLIST_NIL;
	if (pg->pfn >= a->d.c || a->d.where[n] == PDIR_NOWHERE)
		return;
	if (a->d.flags[n] & CFRESH)
		a->d.flags[n] &= (uint8_t)~CFRESH;   /* the access that loaded it */
	else
		a->d.flags[n] |= CREF;
}

/* Whether @n counts as referenced now; clears its bits (own and the entries'). */
static bool car_test_and_clear(struct car *a, struct vmfs_reclaim *rc, uint32_t n)
{
	bool young = policy_referenced(rc, n, 1) && (a->d.flags[n] & CLOOKED);
	bool ref = young || (a->d.flags[n] & CREF);

	a->d.flags[n] = (uint8_t)((a->d.flags[n] & ~CREF) | CLOOKED);
	return ref;
}

/* replace(), Fig. 2 lines 23-40. */
static int64_t car_victim(void *state, struct vmfs_reclaim *rc,
			  const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct car *a = state;
	uint64_t budget = 3 * ((uint64_t)a->d.size[CT1] + a->d.size[CT2]) + 1;
	uint32_t v = PLIST_NIL;

	(void)incoming;
	while (budget-- && a->d.size[CT1] + a->d.size[CT2]) {
		unsigned l = a->d.size[CT1] && a->d.size[CT1] >= (a->p ? a->p : 1) ? CT1 : CT2;
		uint32_t n = pdir_first(&a->d, l);

		if (!a->d.size[l])
			l = CT1, n = pdir_first(&a->d, CT1);
		(*scanned)++;
		if (!policy_evictable(rc, n)) {
			pdir_add_tail(&a->d, n, l);     /* passed over, bits kept */
			continue;
		}
		if (!car_test_and_clear(a, rc, n)) {
			v = n;
			break;
		}
		pdir_add_tail(&a->d, n, CT2);
	}
	if (v == PLIST_NIL)
		v = plist_first_evictable(a->d.link, pdir_head(&a->d, CT1), rc, scanned);
	if (v == PLIST_NIL)
		v = plist_first_evictable(a->d.link, pdir_head(&a->d, CT2), rc, scanned);
	a->d.chosen = v;
	return v == PLIST_NIL ? -1 : (int64_t)v;
}

/* MADV_COLD: the page's own reference bit is cleared (madvise clears its entries'). */
void policy_car_deactivate(void *state, uint64_t pfn)
{
	pdir_clear_flags(&((struct car *)state)->d, pfn, CREF);
}

const struct vmfs_policy_ops policy_car_ops = {
	.name     = "car",
	.init     = car_init,
	.release  = pdir_release,
	.loaded   = car_loaded,
	.accessed = car_accessed,
	.removed  = car_removed,
	.victim   = car_victim,
};
