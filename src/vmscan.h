/*
 * vmscan.h - memory pressure: allocating frames with reclaim, evicting
 * pages, the swap cache, and the replacement policy's hooks.
 *
 * Every data frame that holds a page is known to the policy: page_loaded()
 * when it gets its page, page_accessed() on every access, and the policy's
 * removed() when page_put() frees it or eviction takes it.  page_alloc()
 * evicts the policy's victims until a frame is free.
 *
 * Eviction (shrink_page) keeps SPEC's write rules: a dirty anonymous or
 * shared-memory page is written to a swap slot (pswpout); a dirty object
 * page is written back to its object; a clean page with a valid copy (its
 * swap-cache slot, its object) or a never-written zero page is dropped
 * without a write.  The page is unmapped from every entry through
 * the reverse map, and every TLB entry for it is dropped (set_pte).
 * Called with the machine lock held.
 */
#ifndef VMFS_VMSCAN_H
#define VMFS_VMSCAN_H

#include "machine.h"
#include "phys.h"
#include "vmfs.h"

#include <stdbool.h>
#include <stdint.h>

struct vmfs;

#define RECLAIM_SKIP 32

struct vmfs_reclaim {
	struct vmfs *m;
	uint64_t     skip[RECLAIM_SKIP];  /* frames that could not be evicted this time */
	int          nskip;
};

/* A frame for a page about to be loaded (@incoming), evicting if needed. -ENOMEM etc. */
int64_t page_alloc(struct vmfs *m, enum frame_kind kind, bool zero, const struct vmfs_page *incoming);
/* Drop a reference; a frame that becomes free leaves the policy and its swap slot. */
void    page_put(struct vmfs *m, uint64_t pfn);
/* The frame has its page (mapping and index set): tell the policy. */
void    page_loaded(struct vmfs *m, uint64_t pfn);

int     page_referenced(struct vmfs *m, uint64_t pfn, bool clear);
/* Written since its last copy went out: FRAME_DIRTY or a dirty entry mapping it. */
bool    page_dirty(struct vmfs *m, uint64_t pfn);
bool    page_evictable(const struct vmfs_reclaim *rc, uint64_t pfn);

/* Can no one but its single mapping see anonymous @pfn (no other entry, no other swap entry)? */
bool    page_exclusive(const struct vmfs *m, uint64_t pfn);
/*
 * May the single mapping of anonymous @pfn write it in place?  As
 * page_exclusive, and then its swap-cache slot, if any, is released since
 * the page is about to change.  Only for a write.
 */
bool    reuse_swap_page(struct vmfs *m, uint64_t pfn);
/*
 * A write has just set the dirty bit of a page: its swap slot's copy is
 * stale, so the page lets the slot go ("keeps its slot until it is written").
 */
void    page_dirtied(struct vmfs *m, uint64_t pfn);
/* Free an anonymous swap-cache frame that nobody needs any more. */
void    try_free_swapcache(struct vmfs *m, uint64_t pfn);

int64_t reclaim_pages(struct vmfs *m, uint64_t n);
int     policy_set(struct vmfs *m, const char *name, const struct vmfs_policy_ops *ops, void *arg);
int     machine_sync(struct vmfs *m);

/* The page in @pfn as a policy sees it. */
static inline void page_describe(const struct vmfs *m, uint64_t pfn, struct vmfs_page *pg)
{
	const struct frame *f = pfn_frame(&m->phys, pfn);

	pg->pfn = pfn;
	pg->index = f->index;
	pg->anon = (f->flags & FRAME_KIND_MASK) == FRAME_ANON;
	pg->owner = f->owner;
}

/* pol_last after a loaded(): no frame, and the next accessed() sets none either. */
#define POL_LOADED (UINT64_MAX - 1)

/*
 * Telling a built-in policy twice in a row of an access to the same page,
 * with no other call to it between, changes nothing (lru and arc find it
 * most recent already, clock finds its bit set, fifo ignores accesses), so
 * the second is skipped: runs of accesses to one page are the common case
 * of a trace.  Not so the access just after a loaded(): it is the
 * reference that loaded the page (arc leaves the page in T1), and the next
 * one is a hit that counts, so after a load pol_last stays clear for one
 * more accessed().  A policy installed through the API hears of every
 * access.  Inline: it is on every access's path.
 */
static inline void page_accessed(struct vmfs *m, uint64_t pfn)
{
	struct vmfs_page pg;

	if (pfn == m->pol_last)
		return;
	if (m->pol_builtin) {
		/* The built-in policies' accessed() reads nothing but pfn. */
		pg.pfn = pfn;
		m->pol->accessed(m->pol_state, &pg);
		m->pol_last = m->pol_last == POL_LOADED ? UINT64_MAX : pfn;
		return;
	}
	page_describe(m, pfn, &pg);
	m->pol->accessed(m->pol_state, &pg);
}

#endif
