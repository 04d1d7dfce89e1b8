/*
 * policy_ghost.c - the index of non-resident pages ("ghosts") that the
 * policies remembering evicted pages share (lirs, clockpro): pages known
 * by their identity, (owner, index), mapped to the policy's node number.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones, so probes stay short however many deletions happen), sized
 * once at init for a bound on the ghosts the policy keeps (at least twice
 * as many slots), so that it never grows: the policies' callbacks never
 * allocate.  The keys live in the policy's own per-node arrays, which the
 * index reads; a node's key must not change while the node is indexed.
 * What stays true: every indexed node is reachable from its home slot
 * without crossing an empty slot.
 */
#include "policy.h"

#include <errno.h>
#include <stdlib.h>

static uint64_t ghost_hash(uint64_t owner, uint64_t index)
{
	uint64_t x = (owner << 32 | owner >> 32) ^ index;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t ghost_home(const struct pghosts *h, uint32_t n)
{
	return ghost_hash(h->owner[n], h->index[n]) & h->mask;
}

int pghosts_init(struct pghosts *h, uint64_t nkeys, const uint64_t *owner, const uint64_t *index)
{
	uint64_t slots = 4;

	while (slots < 2 * nkeys)
		slots <<= 1;
	h->mask = slots - 1;
	h->owner = owner;
	h->index = index;
	h->slot = malloc(slots * sizeof(*h->slot));
	if (!h->slot)
		return -ENOMEM;
	for (uint64_t i = 0; i < slots; i++)
		h->slot[i] = PLIST_NIL;
	return 0;
}

void pghosts_free(struct pghosts *h)
{
	free(h->slot);
	h->slot = NULL;
}

uint32_t pghosts_find(const struct pghosts *h, uint64_t owner, uint64_t index)
{
	for (uint64_t i = ghost_hash(owner, index) & h->mask;; i = (i + 1) & h->mask) {
		uint32_t n = h->slot[i];

		if (n == PLIST_NIL || (h->owner[n] == owner && h->index[n] == index))
			return n;
	}
}

void pghosts_add(struct pghosts *h, uint32_t n)
{
	uint64_t i = ghost_home(h, n);

	while (h->slot[i] != PLIST_NIL)
		i = (i + 1) & h->mask;
	h->slot[i] = n;
}

void pghosts_del(struct pghosts *h, uint32_t n)
{
	uint64_t i = ghost_home(h, n);

	while (h->slot[i] != n)
		i = (i + 1) & h->mask;
	for (uint64_t j = (i + 1) & h->mask; h->slot[j] != PLIST_NIL; j = (j + 1) & h->mask) {
		/* The entry at j moves back to the hole at i unless its home is in (i, j]. */
		if (((j - ghost_home(h, h->slot[j])) & h->mask) >= ((j - i) & h->mask)) {
			h->slot[i] = h->slot[j];
			i = j;
		}
	}
	h->slot[i] = PLIST_NIL;
}

uint64_t pghosts_count(const struct pghosts *h)
{
	uint64_t k = 0;

	for (uint64_t i = 0; i <= h->mask; i++)
		k += h->slot[i] != PLIST_NIL;
	return k;
}
