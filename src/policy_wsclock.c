/*
 * policy_wsclock.c - WSClock: CLOCK with a working-set window tau in
 * virtual time; a page not referenced within the last tau references is
 * out of the working set and may go.
 *
 * R. W. Carr and J. L. Hennessy, "WSCLOCK - A Simple and Effective
 * Algorithm for Virtual Memory Management", ACM SOSP 1981.  The resident
 * pages stand on a circle with a hand, as in CLOCK; each has a reference
 * bit and the virtual time of its last use (TLU).  To find a victim the
 * hand sweeps: a page whose bit is set loses it and gets TLU = now (it was
 * used since the hand last passed), and is passed; a page whose bit is
 * clear and whose age, now - TLU, exceeds tau is out of the working set
 * and is the victim; a page whose bit is clear but younger is in the
 * working set, and is passed.  If the hand comes round to where it
 * started without a victim, every page is in the working set, and the
 * paper takes any clean page: here the first evictable page from the hand
 * (where the sweep started).  The paper schedules the write of a dirty old
 * page and passes it; here the engine writes a dirty victim back itself,
 * so every page counts as clean.
 *
 * Virtual time: the paper's is a process's own count of references; this
 * machine has one clock for every process, the count of accessed() calls
 * the policy hears, one per page reference (the access that faults a page
 * in included, the folded repeats of rule 4 of policy.h not: a run of
 * references to one page after a hit is one reference).  A page loaded
 * gets TLU = now and its bit set, as the hardware sets it for the faulting
 * access.
 *
 * The reference bit is this file's own (set by loaded() and accessed())
 * OR the page-table accessed bits of the entries that map the page, which
 * the sweep reads and clears (policy_referenced), as policy_clock.c does.
 * Frames policy_evictable() refuses are passed over, bits untouched.
 *
 * Parameter (wsclock:tau=N): the window, in references; default the
 * number of frames (a working set never larger than memory).
 *
 * What stays true: the tracked frames are exactly the nodes of one
 * circular list (no sentinel) in load order, a page loaded in a victim's
 * place counting as loaded there; hand is one of them or PLIST_NIL when
 * none is tracked.  Cost: loaded(), accessed() and removed() are O(1);
 * victim() at most two turns.  13 bytes per frame.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

struct wsclock {
	uint32_t      nframes;
	uint32_t      count;    /* tracked frames */
	uint32_t      hand;     /* a tracked frame, or PLIST_NIL */
	uint64_t      tau;      /* the window, in references */
	uint64_t      now;      /* virtual time: references heard */
	uint8_t      *ref;      /* by pfn: this file's reference bit */
	uint64_t     *tlu;      /* by pfn: the time of last use */
	struct plink  link[];   /* the circle, by pfn */
};

static void wsclock_release(void *state)
{
	struct wsclock *w = state;

	if (!w)
		return;
	free(w->ref);
	free(w->tlu);
	free(w);
}

static int wsclock_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "tau" };
	uint64_t tau = nframes;
	struct wsclock *w;

	if (policy_parse_params(arg, keys, &tau, 1) < 0 || nframes >= PLIST_NIL)
		return -EINVAL;
	w = calloc(1, sizeof(*w) + nframes * sizeof(w->link[0]));
	if (!w)
		return -ENOMEM;
	w->ref = calloc(nframes + 1, 1);
	w->tlu = calloc(nframes + 1, sizeof(*w->tlu));
	if (!w->ref || !w->tlu) {
		wsclock_release(w);
		return -ENOMEM;
	}
	w->nframes = (uint32_t)nframes;
	w->tau = tau;
	w->hand = PLIST_NIL;
	for (uint32_t i = 0; i < w->nframes; i++)
		w->link[i].next = w->link[i].prev = PLIST_NIL;
	*state = w;
	return 0;
}

static void wsclock_removed(void *state, uint64_t pfn)
{
	struct wsclock *w = state;
	uint32_t n = (uint32_t)pfn;

	assert(pfn < w->nframes);
	if (pfn >= w->nframes || !plist_linked(w->link, n))
		return;
	pcircle_unlink(w->link, &w->hand, n);
	w->ref[n] = 0;
	w->count--;
}

/* A new page goes just before the hand (a victim's place), just used. */
static void wsclock_loaded(void *state, const struct vmfs_page *pg)
{
	struct wsclock *w = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < w->nframes);
	if (pg->pfn >= w->nframes)
		return;
	wsclock_removed(w, n);
	pcircle_insert(w->link, &w->hand, n);
	w->ref[n] = 1;
	w->tlu[n] = w->now;
	w->count++;
}

/* The hot path: one reference more, and the page's bit. */
static void wsclock_accessed(void *state, const struct vmfs_page *pg)
{
	struct wsclock *w = state;

	assert(pg->pfn < w->nframes);
	w->now++;
	if (pg->pfn < w->nframes)
		w->ref[pg->pfn] = 1;
}

/*
 * Sweep from the hand for a page out of the working set; the hand is left
 * on the victim, so that removed() moves it on and loaded() puts the new
 * page in the victim's place.
 */
static int64_t wsclock_victim(void *state, struct vmfs_reclaim *rc,
			      const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct wsclock *w = state;

	(void)incoming;
	for (uint32_t step = 0; step < w->count; step++) {
		uint32_t n = w->hand;

		(*scanned)++;
		if (policy_evictable(rc, n)) {
			/* Always ask, so that the entries' bits are cleared too. */
			bool young = policy_referenced(rc, n, 1);

			if (w->ref[n] || young) {
				w->ref[n] = 0;
				w->tlu[n] = w->now;
			} else if (w->now - w->tlu[n] > w->tau) {
				return n;
			}
		}
		w->hand = w->link[n].next;
	}
	/* All in the working set: the first page that can go, from where the sweep began. */
	for (uint32_t step = 0; step < w->count; step++) {
		uint32_t n = w->hand;

		(*scanned)++;
		if (policy_evictable(rc, n))
			return n;
		w->hand = w->link[n].next;
	}
	return -1;
}

/*
 * MADV_COLD: the reference bit cleared and the time of last use put back
 * past the window (as far as virtual time allows): out of the working set.
 */
void policy_wsclock_deactivate(void *state, uint64_t pfn)
{
	struct wsclock *w = state;

	if (pfn >= w->nframes)
		return;
	w->ref[pfn] = 0;
	w->tlu[pfn] = w->now > w->tau ? w->now - w->tau - 1 : 0;
}

const struct vmfs_policy_ops policy_wsclock_ops = {
	.name     = "wsclock",
	.init     = wsclock_init,
	.release  = wsclock_release,
	.loaded   = wsclock_loaded,
	.accessed = wsclock_accessed,
	.removed  = wsclock_removed,
	.victim   = wsclock_victim,
};

uint64_t policy_wsclock_hand(const void *state)
{
	const struct wsclock *c = state;

	return c->count && c->hand != PLIST_NIL ? c->hand : UINT64_MAX;
}
