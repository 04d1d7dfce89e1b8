/*
 * policy_sieve.c - SIEVE: one FIFO queue, a visited bit, and a hand that
 * moves from the oldest page towards the newest, evicting the first page
 * not visited since the hand last passed it.
 *
 * Y. Zhang, J. Yang, Y. Yue, Y. Vigfusson and K. V. Rashmi, "SIEVE is
 * Simpler than LRU: an Efficient Turn-Key Eviction Algorithm for Web
 * Caches", USENIX NSDI 2024 (Fig. 2 is the algorithm).  New pages enter
 * at the head of the queue with their visited bit clear; a hit sets the
 * bit and moves nothing.  To evict, the hand (at the tail, the oldest
 * page, when it has no position yet) walks towards the head: a visited
 * page loses its bit and is passed, the first page not visited goes, and
 * the hand stays at the next newer page.  Passing the head wraps to the
 * tail.  Unlike CLOCK, a page kept is never moved: survivors stay behind
 * the hand, new pages collect at the head, so one-hit pages are sifted out
 * quickly while popular ones stay in place.
 *
 * Here the queue is a list of frames through a uint32_t link per pfn, the
 * oldest at the front of a sentinel numbered nframes, the newest just
 * before it; the hand moves with link[].next.  The hand is left on the
 * victim: removed() of the hand's frame moves the hand to the next newer
 * frame (or to nowhere, meaning the oldest, when the victim was the
 * newest), which is the paper's "hand <- prev(victim)".
 *
 * Visited: SIEVE is a CLOCK-like policy, so it reads the page-table
 * accessed bit (policy_referenced) as well as its own bit, which accessed()
 * sets on every access but the one that loaded the page (the engine calls
 * accessed() for the faulting access too; the paper's new object is not
 * visited).  The fault that loaded a page left the accessed bits of its
 * entries set, so the first time the hand looks at a page since its load
 * it clears them and ignores them (SIEVE_LOOKED); from then on a set bit
 * means an access since the hand last passed.  In this machine every
 * access reaches accessed() as well, so the two agree.
 *
 * What stays true: the tracked frames are exactly the nodes of the list,
 * in load order; hand is a tracked frame or PLIST_NIL; flags of a frame not
 * tracked are clear.  Cost: loaded(), accessed() and removed() are O(1);
 * a sweep clears each visited bit it passes, so two turns at most (the
 * second only when every page was visited or unevictable), amortised O(1)
 * per eviction.  9 bytes per frame.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#define SIEVE_VISITED 1   /* accessed since loaded or since the hand passed */
#define SIEVE_FRESH   2   /* loaded, its loading access not yet heard */
#define SIEVE_LOOKED  4   /* the hand has looked at it since it was loaded */

struct sieve {
	uint32_t      nframes;
	uint32_t      count;    /* tracked frames */
	uint32_t      hand;     /* a tracked frame, or PLIST_NIL: the oldest */
	uint8_t      *flags;    /* SIEVE_*, by pfn */
	struct plink  link[];   /* nframes frames, then the sentinel */
};

static int sieve_init(void **state, uint64_t nframes, void *arg)
{
	struct sieve *s;

	(void)arg;
	if (nframes >= PLIST_NIL)
		return -EINVAL;
	s = malloc(sizeof(*s) + (nframes + 1) * sizeof(s->link[0]));
	if (!s)
		return -ENOMEM;
	s->flags = calloc(nframes ? nframes : 1, 1);
	if (!s->flags) {
		free(s);
		return -ENOMEM;
	}
	s->nframes = (uint32_t)nframes;
	s->count = 0;
	s->hand = PLIST_NIL;
	for (uint32_t i = 0; i < s->nframes; i++)
		s->link[i].next = s->link[i].prev = PLIST_NIL;
	plist_head_init(s->link, s->nframes);
	*state = s;
	return 0;
}

static void sieve_release(void *state)
{
	struct sieve *s = state;

	free(s->flags);
	free(s);
}

static void sieve_removed(void *state, uint64_t pfn)
{
	struct sieve *s = state;
	uint32_t n = (uint32_t)pfn;

	assert(pfn < s->nframes);
	if (pfn >= s->nframes || !plist_linked(s->link, n))
		return;
	if (s->hand == n)       /* the victim: the hand stays at the next newer page */
		s->hand = s->link[n].next == s->nframes ? PLIST_NIL : s->link[n].next;
	plist_unlink(s->link, n);
	s->flags[n] = 0;
	s->count--;
}

/* A new page enters at the head (the newest end), not visited. */
static void sieve_loaded(void *state, const struct vmfs_page *pg)
{
	struct sieve *s = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < s->nframes);
	if (pg->pfn >= s->nframes)
		return;
	sieve_removed(s, n);
	plist_insert_before(s->link, s->nframes, n);
	s->flags[n] = SIEVE_FRESH;
	s->count++;
}

/* The hot path: a hit sets the bit, nothing moves. */
static void sieve_accessed(void *state, const struct vmfs_page *pg)
{
	struct sieve *s = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < s->nframes);
	if (pg->pfn >= s->nframes || !plist_linked(s->link, n))
		return;
	if (s->flags[n] & SIEVE_FRESH)
		s->flags[n] &= (uint8_t)~SIEVE_FRESH;   /* the access that loaded it */
	else
		s->flags[n] |= SIEVE_VISITED;
}

/*
 * The hand's walk from the oldest page towards the newest, wrapping.  The
 * hand is left on the victim (see removed()).  Two full turns without a
 * victim mean none is evictable.
 */
static int64_t sieve_victim(void *state, struct vmfs_reclaim *rc,
			    const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct sieve *s = state;
	uint32_t n = s->hand == PLIST_NIL ? s->link[s->nframes].next : s->hand;

	(void)incoming;
	for (uint64_t step = 0; step < 2 * (uint64_t)s->count; step++) {
		if (n == s->nframes)    /* past the newest: back to the oldest */
			n = s->link[n].next;
		(*scanned)++;
		if (policy_evictable(rc, n)) {
			/* Always ask, so that the entries' bits are cleared too. */
			bool young = policy_referenced(rc, n, 1) && (s->flags[n] & SIEVE_LOOKED);

			s->flags[n] |= SIEVE_LOOKED;
			if (!(s->flags[n] & SIEVE_VISITED) && !young) {
				s->hand = n;
				return n;
			}
			s->flags[n] &= (uint8_t)~SIEVE_VISITED;
		}
		n = s->link[n].next;
	}
	s->hand = n == s->nframes ? PLIST_NIL : n;
	return -1;
}

/* MADV_COLD: not visited (madvise clears the entries' bits): the hand takes it. */
void policy_sieve_deactivate(void *state, uint64_t pfn)
{
	struct sieve *s = state;

	if (pfn < s->nframes)
		s->flags[pfn] &= (uint8_t)~SIEVE_VISITED;
}

const struct vmfs_policy_ops policy_sieve_ops = {
	.name     = "sieve",
	.init     = sieve_init,
	.release  = sieve_release,
	.loaded   = sieve_loaded,
	.accessed = sieve_accessed,
	.removed  = sieve_removed,
	.victim   = sieve_victim,
};

uint64_t policy_sieve_hand(const void *state)
{
	const struct sieve *c = state;

	/* PLIST_NIL: the next sweep starts at the oldest page (victim's rule) */
	if (!c->count)
		return UINT64_MAX;
	return c->hand != PLIST_NIL ? c->hand : c->link[c->nframes].next;
}
