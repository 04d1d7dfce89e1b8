/*
 * policy_clock.c - CLOCK, or second chance: FIFO that spares pages used
 * since the hand last passed them.
 *
 * F. J. Corbató, "A Paging Experiment with the Multics System", MIT Project
 * MAC report MAC-M-384 (1968), published in "In Honor of Philip M. Morse",
 * MIT Press, 1969.  The resident pages stand on a circle in load order; a
 * hand points at one of them.  Each page has a reference bit, set when the
 * page is loaded and on every access.  To find a victim the hand sweeps
 * forward: a page whose bit is set loses the bit and is passed (its second
 * chance); the first page whose bit is clear is the victim.  The new page
 * takes the victim's place on the circle and the hand rests just past it,
 * so the next sweep starts with the page that was loaded after the victim.
 * This is SPEC §1's rule for `clock`, and the approximation of LRU that
 * real kernels use, because it needs only a bit the hardware sets.
 *
 *          hand                       victim() sweeps  ──►
 *           │
 *     ... ─ A ─ B ─ C ─ ...           A ref=1: clear it, pass
 *                                     B ref=0: victim; removed(B) moves
 *     ... ─ A ─ N ─ C ─ ...           the hand to C, and loaded(N) puts N
 *                   │                 just before the hand: B's place.
 *                  hand
 *
 * The reference bit of a page is this file's own bit (set by loaded() and
 * accessed()) OR the accessed bits of the page-table entries that map it:
 * the sweep asks vmfs_page_referenced(rc, pfn, 1) of every page it tests,
 * which also clears those bits, so a page passed once is spared again only
 * if it is used again.  Frames that vmfs_page_evictable() refuses are
 * passed over without being tested (their bits stay as they are).
 * MADV_COLD clears both (policy_clock_deactivate): the page gets no second
 * chance when the hand next reaches it.
 *
 * What stays true: the tracked frames are exactly the nodes of one circular
 * list (no sentinel) in load order, where a page loaded to replace a victim
 * counts as loaded in the victim's place; hand is one of them, or PLIST_NIL
 * when none is tracked; a new page is inserted just before the hand; when
 * the hand's page is removed the hand moves to the next one.
 *
 * Cost: loaded(), accessed() and removed() are O(1).  A sweep looks at each
 * page at most twice: after one full turn every evictable page's bit is
 * clear, so if a second turn finds no victim none is evictable and victim()
 * returns -1.  Amortised, each page loaded has its bit cleared once.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

struct clock {
	uint32_t      nframes;
	uint32_t      count;    /* tracked frames */
	uint32_t      hand;     /* a tracked frame, or PLIST_NIL */
	uint8_t      *ref;      /* this file's reference bit, by pfn */
	struct plink  link[];   /* the circle, by pfn */
};

static int clock_init(void **state, uint64_t nframes, void *arg)
{
	struct clock *c;

	(void)arg;
	if (nframes >= PLIST_NIL)
		return -EINVAL;
	c = malloc(sizeof(*c) + nframes * sizeof(c->link[0]));
	if (!c)
		return -ENOMEM;
	c->ref = calloc(nframes ? nframes : 1, 1);
	if (!c->ref) {
		free(c);
		return -ENOMEM;
	}
	c->nframes = (uint32_t)nframes;
	c->count = 0;
	c->hand = PLIST_NIL;
	for (uint32_t i = 0; i < c->nframes; i++)
		c->link[i].next = c->link[i].prev = PLIST_NIL;
	*state = c;
	return 0;
}

static void clock_release(void *state)
{
	struct clock *c = state;

	free(c->ref);
	free(c);
}

static void clock_removed(void *state, uint64_t pfn)
{
	struct clock *c = state;
	uint32_t n = (uint32_t)pfn;

	assert(pfn < c->nframes);
	if (pfn >= c->nframes || !plist_linked(c->link, n))
		return;
	pcircle_unlink(c->link, &c->hand, n);
	c->ref[n] = 0;
	c->count--;
}

static void clock_loaded(void *state, const struct vmfs_page *pg)
{
	struct clock *c = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < c->nframes);
	if (pg->pfn >= c->nframes)
		return;
	clock_removed(c, n);
	pcircle_insert(c->link, &c->hand, n);
	c->ref[n] = 1;
	c->count++;
}

/* The hot path: one store (harmless on an untracked frame: loaded() sets it anew). */
static void clock_accessed(void *state, const struct vmfs_page *pg)
{
	struct clock *c = state;

	assert(pg->pfn < c->nframes);
	if (pg->pfn < c->nframes)
		c->ref[pg->pfn] = 1;
}

/*
 * Sweep from the hand: pass unevictable frames, clear and pass referenced
 * ones, stop at the first other.  The hand is left on the victim, so that
 * removed() moves it on and loaded() puts the new page in the victim's
 * place.  Two full turns without a victim mean none is evictable.
 */
static int64_t clock_victim(void *state, struct vmfs_reclaim *rc,
			    const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct clock *c = state;

	(void)incoming;
	for (uint64_t step = 0; step < 2 * (uint64_t)c->count; step++) {
		uint32_t n = c->hand;
		bool pte_young;

		(*scanned)++;
		if (policy_evictable(rc, n)) {
			/* Always ask, so that the entries' bits are cleared too. */
			pte_young = policy_referenced(rc, n, 1);
			if (!c->ref[n] && !pte_young)
				return n;
			c->ref[n] = 0;
		}
		c->hand = c->link[n].next;
	}
	return -1;
}

/* MADV_COLD: the page's own reference bit is cleared (madvise clears its entries'). */
void policy_clock_deactivate(void *state, uint64_t pfn)
{
	struct clock *c = state;

	if (pfn < c->nframes)
		c->ref[pfn] = 0;
}

const struct vmfs_policy_ops policy_clock_ops = {
	.name     = "clock",
	.init     = clock_init,
	.release  = clock_release,
	.loaded   = clock_loaded,
	.accessed = clock_accessed,
	.removed  = clock_removed,
	.victim   = clock_victim,
};

uint64_t policy_clock_hand(const void *state)
{
	const struct clock *c = state;

	return c->count && c->hand != PLIST_NIL ? c->hand : UINT64_MAX;
}
