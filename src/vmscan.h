/*
 * vmscan.h - memory pressure: allocating frames with reclaim and evicting
 * pages.
 *
 * Every data frame that holds a page is known to the policy (page.h);
 * page_alloc() evicts the policy's victims until a frame is free.
 *
 * Eviction (shrink_page) keeps SPEC's write rules: a dirty anonymous or
 * shared-memory page is written to a swap slot (pswpout); a dirty object
 * page is written back to its object; a clean page with a valid copy (its
 * swap-cache slot, its object) or a never-written zero page is dropped
 * without a write, and so is a page MADV_FREE made lazy and nobody wrote
 * since (its entries become none: the next touch reads zeros).  The page is unmapped from every entry through
 * the reverse map, and every TLB entry for it is dropped (set_pte).
 * Called with the machine lock held.
 */
#ifndef VMFS_VMSCAN_H
#define VMFS_VMSCAN_H

#include "machine.h"
#include "phys.h"
#include "uapi.h"

#include <stdbool.h>
#include <stdint.h>

struct vmfs;

#define RECLAIM_SKIP 32

struct vmfs_reclaim {
	struct vmfs *m;
	uint64_t     skip[RECLAIM_SKIP];  /* frames that could not be evicted this time */
	int          nskip;
};

/* How page_alloc() allocates (the gfp_t bits of Linux that apply). */
#define GFP_ZERO   0x1u   /* __GFP_ZERO: the frame cleared */
#define GFP_NOWARN 0x2u   /* __GFP_NOWARN | __GFP_NORETRY: the caller has a way
			     round a failure, so it is no OOM: not counted */

/*
 * A frame for a page about to be loaded (@incoming), evicting if needed.
 * -ENOMEM when nothing can be evicted (an oom_kill, unless GFP_NOWARN).
 */
int64_t page_alloc(struct vmfs *m, enum frame_kind kind, unsigned gfp, const struct vmfs_page *incoming);
/*
 * Evict @pfn now, whatever the policy would choose (MADV_PAGEOUT's
 * reclaim_pages): 1, 0 when it cannot go (page_evictable refuses: pinned,
 * mlocked, not on the policy's lists), or -errno (a swap write failed).
 */
int     reclaim_page(struct vmfs *m, uint64_t pfn);
/* Evict up to @n pages chosen by the policy: how many went, or -errno if none did. */
int64_t reclaim_pages(struct vmfs *m, uint64_t n);

/*
 * 1 if an entry mapping @pfn has its accessed bit set, or idle tracking
 * left it young, else 0; with @clear every such bit is cleared.  One reverse-map walk either way: O(mapcount).
 */
int     page_referenced(struct vmfs *m, uint64_t pfn, bool clear);
/* The entries' accessed bits alone, as page_referenced reads them (idle tracking's walk). */
int     page_referenced_ptes(struct vmfs *m, uint64_t pfn, bool clear);
/* Written since its last copy went out: FRAME_DIRTY or a dirty entry mapping it. */
bool    page_dirty(struct vmfs *m, uint64_t pfn);
bool    page_evictable(const struct vmfs_reclaim *rc, uint64_t pfn);

#endif
