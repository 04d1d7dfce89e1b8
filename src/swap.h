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
 * With swap=none there is no store and no slot can be taken.
 * Called with the machine lock held.
 */
#ifndef VMFS_SWAP_H
#define VMFS_SWAP_H

#include "store.h"
#include "u64map.h"

#include <stdbool.h>
#include <stdint.h>

struct swap {
	struct store      *store;     /* the machine's store */
	bool               enabled;   /* false with swap=none */
	uint64_t           max_slots; /* 0 = unlimited */
	uint64_t           next;      /* lowest never-used slot */
	uint64_t          *free;      /* freed slots, reused first */
	uint64_t           nfree, capfree;
	struct u64map      refs;      /* slot -> references */
	struct u64map      cache;     /* slot -> pfn of its anonymous swap-cache frame */
};

void     swap_init(struct swap *sw, struct store *store, bool enabled, uint64_t max_slots);
void     swap_fini(struct swap *sw);
/* A new slot with no references, or -ENOSPC (full, or swap=none), -ENOMEM. */
int64_t  swap_alloc(struct swap *sw);
/* Give back a slot from swap_alloc that never got a reference.  Cannot fail. */
void     swap_free(struct swap *sw, uint64_t slot);
/* Add a reference to @slot; 0 or -ENOMEM. */
int      swap_get(struct swap *sw, uint64_t slot);
/* Drop a reference; at zero the slot is freed.  Returns the references left. */
uint64_t swap_put(struct swap *sw, uint64_t slot);
uint64_t swap_refs(const struct swap *sw, uint64_t slot);
/* Slots in use. */
static inline uint64_t swap_used(const struct swap *sw) { return sw->refs.count; }

/* Swap entries of leaf page-table entries. */
static inline uint64_t swp_entry(uint64_t slot) { return (slot << 12) | (1ull << 11); }

#endif
