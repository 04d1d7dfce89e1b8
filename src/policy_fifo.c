/*
 * policy_fifo.c - first in, first out: evict the page resident longest.
 *
 * The textbook rule (e.g. Silberschatz, Galvin & Gagne, "Operating System
 * Concepts", ch. 10; Tanenbaum, "Modern Operating Systems", ch. 3): pages
 * leave in the order they came in, whatever happened to them in between.
 * It needs no information about accesses, which is its appeal and its
 * weakness: a page used all the time is thrown out as readily as one used
 * once, and giving FIFO more memory can make it fault more (Belady, Nelson
 * & Shedler, "An anomaly in space-time characteristics of certain programs
 * running in a paging machine", CACM 12(6), 1969; the unit test replays
 * their classic string).
 *
 * The state is the load-order queue of policy.h (struct pqueue), which
 * policy_lru.c reuses: one list of frames through a uint32_t link per pfn,
 * oldest at the head, with a sentinel node numbered nframes.  What stays
 * true: a frame is on the list exactly while it is tracked (loaded() and
 * not yet removed()), and the list is in load order.  loaded(), removed()
 * and accessed() are O(1); victim() is O(1) plus one step per unevictable
 * frame it skips at the head.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

int pqueue_init(void **state, uint64_t nframes, void *arg)
{
	struct pqueue *q;

	(void)arg;
	/* nframes frame nodes and a sentinel, all numbered below PLIST_NIL. */
	if (nframes >= PLIST_NIL)
		return -EINVAL;
	q = malloc(sizeof(*q) + (nframes + 1) * sizeof(q->link[0]));
	if (!q)
		return -ENOMEM;
	q->nframes = (uint32_t)nframes;
	for (uint32_t i = 0; i < q->nframes; i++)
		q->link[i].next = q->link[i].prev = PLIST_NIL;
	plist_head_init(q->link, q->nframes);
	*state = q;
	return 0;
}

void pqueue_release(void *state)
{
	free(state);
}

void pqueue_removed(void *state, uint64_t pfn)
{
	struct pqueue *q = state;

	assert(pfn < q->nframes);
	if (pfn < q->nframes && plist_linked(q->link, (uint32_t)pfn))
		plist_unlink(q->link, (uint32_t)pfn);
}

void pqueue_loaded(void *state, const struct vmfs_page *pg)
{
	struct pqueue *q = state;

	assert(pg->pfn < q->nframes);
	if (pg->pfn >= q->nframes)
		return;
	pqueue_removed(q, pg->pfn);
	plist_insert_before(q->link, q->nframes, (uint32_t)pg->pfn);
}

int64_t pqueue_victim(void *state, struct vmfs_reclaim *rc,
		      const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct pqueue *q = state;
	uint32_t v = plist_first_evictable(q->link, q->nframes, rc, scanned);

	(void)incoming;
	return v == PLIST_NIL ? -1 : (int64_t)v;
}

/* Accesses do not matter to FIFO. */
static void fifo_accessed(void *state, const struct vmfs_page *pg)
{
	(void)state;
	(void)pg;
}

const struct vmfs_policy_ops policy_fifo_ops = {
	.name     = "fifo",
	.init     = pqueue_init,
	.release  = pqueue_release,
	.loaded   = pqueue_loaded,
	.accessed = fifo_accessed,
	.removed  = pqueue_removed,
	.victim   = pqueue_victim,
};
