/*
 * policy_lru.c - exact least-recently-used: evict the page whose last
 * access is oldest.
 *
 * The textbook stack algorithm (Mattson, Gecsei, Slutz & Traiger,
 * "Evaluation techniques for storage hierarchies", IBM Systems Journal
 * 9(2), 1970): the resident pages are kept ordered by the time of their
 * last use and the least recent one goes.  Being a stack algorithm it never
 * suffers Belady's anomaly: the pages resident with n frames are always
 * among those resident with n+1.  Real kernels cannot afford it (it needs
 * work on every memory reference) and approximate it with reference bits,
 * which is what policy_clock.c does; a simulator sees every access anyway,
 * so here it is exact.
 *
 * It is the load-order queue of policy_fifo.c (struct pqueue in policy.h)
 * plus one rule: accessed() moves the page to the tail, so the list is in
 * order of last use, least recent at the head, where victim() looks.
 * MADV_COLD (policy_lru_deactivate) makes a page the least recent.  What
 * stays true: a frame is on the list exactly while it is tracked, and the
 * list is ordered by the later of load and last access (a page made cold
 * counting as used before every other).  Every callback is
 * O(1); victim() adds one step per unevictable frame skipped at the head.
 */
#include "policy.h"

#include <assert.h>

/* The hot path: a page was used, it becomes the most recent (the tail). */
static void lru_accessed(void *state, const struct vmfs_page *pg)
{
	struct pqueue *q = state;
	uint32_t pfn = (uint32_t)pg->pfn;

	assert(pg->pfn < q->nframes);
	if (pg->pfn >= q->nframes || !plist_linked(q->link, pfn) ||
	    q->link[pfn].next == q->nframes)
		return;   /* not tracked, or already the most recent */
	plist_unlink(q->link, pfn);
	plist_insert_before(q->link, q->nframes, pfn);
}

/* MADV_COLD: the page becomes the least recent (the head), the next victim. */
void policy_lru_deactivate(void *state, uint64_t pfn)
{
	struct pqueue *q = state;
	uint32_t n = (uint32_t)pfn;

	if (pfn >= q->nframes || !plist_linked(q->link, n))
		return;
	plist_unlink(q->link, n);
	plist_insert_before(q->link, q->link[q->nframes].next, n);
}

const struct vmfs_policy_ops policy_lru_ops = {
	.name     = "lru",
	.init     = pqueue_init,
	.release  = pqueue_release,
	.loaded   = pqueue_loaded,
	.accessed = lru_accessed,
	.removed  = pqueue_removed,
	.victim   = pqueue_victim,
};
