/*
 * page.c - a data frame's life as a page (see page.h): the policy's
 * loaded() and removed() hooks, the last reference, and the anonymous swap
 * cache's slot (kept while the page is clean, let go when it is written or
 * when nobody maps the page any more).
 *
 * Frame references while in the anonymous swap cache: one per mapping
 * entry plus one for the cache; the slot's references: one per swap entry
 * plus one for the cache.  A shared-memory page's cache reference is its
 * object's.
 */
#include "page.h"
#include "swap.h"
#include "vmobj.h"

uint64_t page_owner(const struct frame *f)
{
	return (f->flags & FRAME_KIND_MASK) == FRAME_ANON
	       ? ((const struct anon_vma *)f->mapping)->id
	       : ((const struct vmobj *)f->mapping)->id;
}

void page_loaded(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);
	struct policy_page pp;

	f->flags |= FRAME_TRACKED;
	page_describe(m, pfn, &pp.pg);
	pp.swapbacked = page_swapbacked(f);   /* built-in policies may read it (policy.h) */
	m->pol_last = POL_LOADED;
	m->pol->loaded(m->pol_state, &pp.pg);
}

void page_put(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if (f->refcount > 1) {
		frame_put(&m->phys, pfn);
		return;
	}
	if ((f->flags & FRAME_KIND_MASK) == FRAME_HUGETLB) {
		/* a hugetlb page goes back to its pool, never to the buddy allocator
		 * (put_page's free_huge_page); the policy never knew it */
		f->refcount = 0;
		free_huge_page(m, pfn);
		return;
	}
	if (f->flags & FRAME_TRACKED) {
		m->pol_last = UINT64_MAX;
		m->pol->removed(m->pol_state, pfn);
	}
	if (f->swap) {
		if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON)
			swap_cache_del(&m->swap, f->swap);
		swap_put(&m->swap, f->swap);
		f->swap = 0;
	}
	if (f->flags & FRAME_MLOCKED)
		/* freed while locked (frame_put clears the flag): folio_nr_pages */
		m->cnt.unevictable_pgs_cleared += 1ull << frame_order(f);
	frame_put(&m->phys, pfn);
}

bool page_exclusive(const struct vmfs *m, uint64_t pfn)
{
	const struct frame *f = pfn_frame(&m->phys, pfn);

	if ((f->flags & FRAME_KIND_MASK) != FRAME_ANON || f->mapcount != 1)
		return false;
	if (!f->swap)
		return f->refcount == 1;
	return f->refcount == 2 && swap_refs(&m->swap, f->swap) == 1;
}

bool reuse_swap_page(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if (!page_exclusive(m, pfn))
		return false;
	if (!f->swap)
		return true;
	swap_cache_del(&m->swap, f->swap);
	swap_put(&m->swap, f->swap);
	f->swap = 0;
	frame_put(&m->phys, pfn);   /* the cache's reference; the mapping's stays */
	return true;
}

void page_dirtied(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if (!f->swap)
		return;
	if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON) {
		reuse_swap_page(m, pfn);   /* exclusive whenever it is writable */
	} else {
		swap_put(&m->swap, f->swap);   /* shared memory: the object keeps the page */
		f->swap = 0;
	}
}

void try_free_swapcache(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON && f->swap && f->mapcount == 0 &&
	    swap_refs(&m->swap, f->swap) == 1)
		page_put(m, pfn);   /* the cache's reference: frame and slot go */
}
