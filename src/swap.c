/*
 * swap.c - swap slot allocation and reference counts (see swap.h).
 * Invariants: a slot is in refs (with a count > 0) or on the free list or
 * at/above next, never two of these; every slot in cache is in refs; the
 * free list has room for every slot below next, so that freeing a slot
 * never needs memory and a slot is never lost.
 */
#include "swap.h"
#include "error.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

void swap_init(struct swap *sw, struct store *store, bool enabled, uint64_t max_slots)
{
	*sw = (struct swap){ .store = store, .enabled = enabled, .max_slots = max_slots, .next = 1 };
	u64map_init(&sw->refs);
	u64map_init(&sw->cache);
}

void swap_fini(struct swap *sw)
{
	u64map_free(&sw->refs);
	u64map_free(&sw->cache);
	free(sw->free);
	sw->store = NULL;
	sw->free = NULL;
}

int64_t swap_alloc(struct swap *sw)
{
	if (!sw->enabled)
		return vm_error(-ENOSPC, "no swap (swap=none)");
	if (sw->nfree)
		return (int64_t)sw->free[--sw->nfree];
	if (sw->max_slots && sw->next > sw->max_slots)
		return vm_error(-ENOSPC, "swap is full (%llu slots)", (unsigned long long)sw->max_slots);
	if (sw->capfree < sw->next) {   /* room to free the slot handed out */
		uint64_t ncap = sw->capfree ? sw->capfree * 2 : 256;
		uint64_t *n = realloc(sw->free, ncap * sizeof(*n));

		if (!n)
			return vm_error(-ENOMEM, "out of memory for swap bookkeeping");
		sw->free = n;
		sw->capfree = ncap;
	}
	return (int64_t)sw->next++;
}

void swap_free(struct swap *sw, uint64_t slot)
{
	assert(!u64map_get(&sw->refs, slot) && sw->nfree < sw->capfree);
	sw->free[sw->nfree++] = slot;
}

int swap_get(struct swap *sw, uint64_t slot)
{
	uint64_t *r = u64map_get(&sw->refs, slot);

	if (r) {
		(*r)++;
		return 0;
	}
	return u64map_put(&sw->refs, slot, 1);
}

uint64_t swap_refs(const struct swap *sw, uint64_t slot)
{
	const uint64_t *r = u64map_get(&sw->refs, slot);

	return r ? *r : 0;
}

uint64_t swap_put(struct swap *sw, uint64_t slot)
{
	uint64_t *r = u64map_get(&sw->refs, slot);

	assert(r && *r > 0);
	if (--*r)
		return *r;
	u64map_del(&sw->refs, slot);
	assert(!u64map_get(&sw->cache, slot));
	store_swap_discard(sw->store, slot);
	swap_free(sw, slot);
	return 0;
}
