/*
 * swap.h - swap slots: who refers to them, and the anonymous swap cache.
 *
 * A slot is referred to by every swap entry (a non-present leaf entry with
 * VMFS_PTE_SWAP and the slot in bits 12-51), by the page cache of a shared
 * object whose page went to swap, and by the frame holding the page again
 * after it was read back (the swap cache, Linux's SwapCached: the page keeps
 * its slot until it is written, so a clean page is evicted without a
 * write).  refs counts all of these; at zero the slot returns to the free
 * list and its row is discarded.
 *
 * Anonymous frames in the swap cache are found by slot through `cache`, so
 * that processes sharing a swapped page after fork read it only once.
 * With swap=none there is no store and no slot can be taken.  With
 * contents=none (no_bytes) slots are taken, referred to and counted as
 * always, but hold no bytes: the store is never written.
 *
 * Slots are small dense numbers (1, 2, ... and freed ones reused first), so
 * both are arrays indexed by slot, as Linux's swap_map is: every slot ever
 * handed out has room in them (and in the free list), so that taking a
 * reference, caching a page and freeing a slot never need memory; only
 * swap_alloc grows them.
 * Called with the machine lock held.
 */
#ifndef VMFS_SWAP_H
#define VMFS_SWAP_H

#include "store.h"

#include <stdbool.h>
#include <stdint.h>

struct swap {
	struct store      *store;     /* the machine's store */
	bool               enabled;   /* false with swap=none */
	uint64_t           max_slots; /* 0 = unlimited */
	uint64_t           next;      /* lowest never-used slot */
	uint64_t           cap;       /* room in free, map and cache: above every slot below next */
	uint64_t          *free;      /* freed slots, reused first */
	uint64_t           nfree;
	uint32_t          *map;       /* slot -> references (Linux's swap_map) */
	uint32_t          *cache;     /* slot -> 1 + pfn of its anonymous swap-cache frame, or 0 */
	uint64_t           used;      /* slots with references */
	bool               keep_rows; /* a freed slot's row stays (the store goes at close) */
	bool               no_bytes;  /* contents=none: slots are taken and counted, no row is written */
};

void     swap_init(struct swap *sw, struct store *store, bool enabled, uint64_t max_slots);
void     swap_fini(struct swap *sw);
/* A new slot with no references, or -ENOSPC (full, swap=none, or 2^32 slots), -ENOMEM. */
int64_t  swap_alloc(struct swap *sw);
/*
 * swap_writepage / swap_readpage: a page's bytes to and from @slot's row.
 * With no_bytes (a machine with contents=none) there are none: nothing is
 * written, and a read leaves @page alone (it is the machine's sink).
 * 0 or the store's -errno.
 */
int      swap_writepage(struct swap *sw, uint64_t slot, const void *page);
int      swap_readpage(struct swap *sw, uint64_t slot, void *page);
/* Give back a slot from swap_alloc that never got a reference.  Cannot fail. */
void     swap_free(struct swap *sw, uint64_t slot);
/* Add a reference to @slot (one swap_alloc handed out).  Cannot fail. */
void     swap_get(struct swap *sw, uint64_t slot);
/* Drop a reference; at zero the slot is freed.  Returns the references left. */
uint64_t swap_put(struct swap *sw, uint64_t slot);

static inline uint64_t swap_refs(const struct swap *sw, uint64_t slot)
{
	return slot < sw->next ? sw->map[slot] : 0;
}

/* Slots in use. */
static inline uint64_t swap_used(const struct swap *sw) { return sw->used; }

/* The anonymous swap cache: the frame holding @slot's page again, if any. */
static inline bool swap_cache_find(const struct swap *sw, uint64_t slot, uint64_t *pfn)
{
	if (slot >= sw->next || !sw->cache[slot])
		return false;
	*pfn = sw->cache[slot] - 1u;
	return true;
}

static inline void swap_cache_add(struct swap *sw, uint64_t slot, uint64_t pfn)
{
	sw->cache[slot] = (uint32_t)(pfn + 1);
}

static inline void swap_cache_del(struct swap *sw, uint64_t slot)
{
	sw->cache[slot] = 0;
}

/* Swap entries of leaf page-table entries. */
static inline uint64_t swp_entry(uint64_t slot) { return (slot << 12) | (1ull << 11); }

#endif
