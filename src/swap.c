/*
 * swap.c - swap slot allocation and reference counts (see swap.h).
 * Invariants: a slot is in use (map > 0) or on the free list or at/above
 * next, never two of these; a slot with a cache entry is in use; free, map
 * and cache have room for every slot below next (cap >= next), so that
 * freeing a slot, taking a reference and caching a page never need memory
 * and a slot is never lost.
 */
#include "swap.h"
#include "error.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void swap_init(struct swap *sw, struct store *store, bool enabled, uint64_t max_slots)
{
	*sw = (struct swap){ .store = store, .enabled = enabled, .max_slots = max_slots, .next = 1 };
}

void swap_fini(struct swap *sw)
{
	free(sw->free);
	free(sw->map);
	free(sw->cache);
	*sw = (struct swap){ .store = NULL };
}

/* Room for slots below @ncap in all three arrays; on failure cap stays. */
static int swap_grow(struct swap *sw, uint64_t ncap)
{
	uint64_t *nf = realloc(sw->free, ncap * sizeof(*nf));
	uint32_t *nm, *nc;

	if (nf)
		sw->free = nf;
	nm = nf ? realloc(sw->map, ncap * sizeof(*nm)) : NULL;
	if (nm)
		sw->map = nm;
	nc = nm ? realloc(sw->cache, ncap * sizeof(*nc)) : NULL;
	if (!nc)
		return vm_error(-ENOMEM, "out of memory for swap bookkeeping");
	sw->cache = nc;
	memset(sw->map + sw->cap, 0, (ncap - sw->cap) * sizeof(*sw->map));
	memset(sw->cache + sw->cap, 0, (ncap - sw->cap) * sizeof(*sw->cache));
	sw->cap = ncap;
	return 0;
}

int64_t swap_alloc(struct swap *sw)
{
	if (!sw->enabled)
		return vm_error(-ENOSPC, "no swap (swap=none)");
	if (sw->nfree)
		return (int64_t)sw->free[--sw->nfree];
	if (sw->max_slots && sw->next > sw->max_slots)
		return vm_error(-ENOSPC, "swap is full (%llu slots)", (unsigned long long)sw->max_slots);
	if (sw->next > UINT32_MAX)   /* a frame keeps its slot in 32 bits (phys.h) */
		return vm_error(-ENOSPC, "swap is full (2^32 slots, 16 TiB)");
	if (sw->next >= sw->cap && swap_grow(sw, sw->cap ? sw->cap * 2 : 256) < 0)
		return -ENOMEM;
	return (int64_t)sw->next++;
}

void swap_free(struct swap *sw, uint64_t slot)
{
	assert(slot < sw->next && !sw->map[slot] && !sw->cache[slot] && sw->nfree < sw->cap);
	sw->free[sw->nfree++] = slot;
}

void swap_get(struct swap *sw, uint64_t slot)
{
	assert(slot < sw->next);
	if (sw->map[slot]++ == 0)
		sw->used++;
}

uint64_t swap_put(struct swap *sw, uint64_t slot)
{
	assert(slot < sw->next && sw->map[slot] > 0);
	if (--sw->map[slot])
		return sw->map[slot];
	sw->used--;
	assert(!sw->cache[slot]);
	if (!sw->keep_rows && !sw->no_bytes)
		store_swap_discard(sw->store, slot);
	swap_free(sw, slot);
	return 0;
}

int swap_writepage(struct swap *sw, uint64_t slot, const void *page)
{
	return sw->no_bytes ? 0 : store_swap_write(sw->store, slot, page);
}

int swap_readpage(struct swap *sw, uint64_t slot, void *page)
{
	return sw->no_bytes ? 0 : store_swap_read(sw->store, slot, page);
}
