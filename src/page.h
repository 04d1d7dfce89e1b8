/*
 * page.h - a data frame's life as a page: its references, the replacement
 * policy's hooks, and its swap-cache slot.
 *
 *   page_alloc (vmscan.c) ──► page_loaded ──► page_accessed … ──► page_put
 *   a frame for a new page    policy: loaded()  policy: accessed()  last reference:
 *                                                                   policy: removed(),
 *                                                                   slot released,
 *                                                                   frame FREE
 *
 * What stays true: a frame the policy knows (FRAME_TRACKED) is told of
 * exactly once by loaded() and leaves it exactly once by removed(), when
 * page_put drops its last reference; a frame's reference count changes
 * only through frame_alloc, get_page and page_put (phys.c underneath), its
 * mapcount and the RSS counters only in rmap.c.  An anonymous frame in the
 * swap cache holds one reference for the cache, and its slot one reference
 * for the frame; a shared-memory page's slot reference is its object's.
 * Called with the machine lock held.
 */
#ifndef VMFS_PAGE_H
#define VMFS_PAGE_H

#include "machine.h"
#include "phys.h"
#include "vmobj.h"

#include <stdbool.h>
#include <stdint.h>

/* One more reference to a frame that has one already (Linux's get_page). */
static inline void get_page(struct vmfs *m, uint64_t pfn)
{
	frame_get(&m->phys, pfn);
}

/* Drop a reference; a frame that becomes free leaves the policy and its swap slot. */
void page_put(struct vmfs *m, uint64_t pfn);
/* The frame has its page (mapping and index set): tell the policy. */
void page_loaded(struct vmfs *m, uint64_t pfn);

/* Can no one but its single mapping see anonymous @pfn (no other entry, no other swap entry)? */
bool page_exclusive(const struct vmfs *m, uint64_t pfn);
/*
 * May the single mapping of anonymous @pfn write it in place?  As
 * page_exclusive, and then its swap-cache slot, if any, is released since
 * the page is about to change.  Only for a write.
 */
bool reuse_swap_page(struct vmfs *m, uint64_t pfn);
/*
 * A write has just set the dirty bit of a page: its swap slot's copy is
 * stale, so the page lets the slot go ("keeps its slot until it is written").
 */
void page_dirtied(struct vmfs *m, uint64_t pfn);
/* Free an anonymous swap-cache frame that nobody needs any more. */
void try_free_swapcache(struct vmfs *m, uint64_t pfn);

/*
 * Does the page in @f go to swap when evicted (Linux's PageSwapBacked):
 * private anonymous memory and shared anonymous memory, both on Linux's
 * anon LRU lists; object pages go back to their object (the file lists).
 */
static inline bool page_swapbacked(const struct frame *f)
{
	return (f->flags & FRAME_KIND_MASK) == FRAME_ANON ||
	       ((const struct vmobj *)f->mapping)->kind == VMOBJ_SHMEM;
}

/*
 * The owner id a policy sees for resident @f: its anon_vma's or its
 * object's.  Read from the mapping, which outlives every frame pointing at
 * it, rather than kept in the frame (phys.h's 32 bytes).
 */
uint64_t page_owner(const struct frame *f);

/* The page in @pfn as a policy sees it. */
static inline void page_describe(const struct vmfs *m, uint64_t pfn, struct vmfs_page *pg)
{
	const struct frame *f = pfn_frame(&m->phys, pfn);

	pg->pfn = pfn;
	pg->index = f->index;
	pg->anon = (f->flags & FRAME_KIND_MASK) == FRAME_ANON;
	pg->owner = page_owner(f);
}

/*
 * The head of the transparent huge page @pfn belongs to, or @pfn: a
 * huge page is order HPAGE_PMD_ORDER and aligned to it, so its head is
 * the frame at @pfn rounded down, whose descriptor all 512 accesses share
 * (one cache line, where compound_head may probe several).
 */
static inline uint64_t thp_head(const struct phys *p, uint64_t pfn)
{
	uint64_t h = pfn & ~(uint64_t)(HPAGE_PMD_NR - 1);
	const struct frame *f = &p->frames[h];

	return (f->flags & FRAME_HEAD) && frame_order(f) == HPAGE_PMD_ORDER ? h : pfn;
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

	if (__builtin_expect(m->cnt.nr_anon_thp != 0, 0))
		pfn = thp_head(&m->phys, pfn);   /* a huge page is one page to the policy */
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
