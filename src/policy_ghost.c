/*
 * policy_ghost.c - what the policies with a memory of evicted pages
 * share: the directory that finds a page's node by its identity, and the
 * parsing of a policy's parameters.
 *
 * A ghost is a page no longer resident whose identity (owner, index, see
 * struct vmfs_page) a policy remembers: s3fifo's ghost queue, 2q's A1out,
 * car's B1 and B2.  The policy keeps the identities in its own arrays,
 * indexed by node number, and the directory (struct pghost, policy.h) is
 * an open-addressing hash table over them: linear probing, backward-shift
 * deletion (no tombstones, so probes stay short), sized once at init for
 * the most nodes it will ever hold, at a load factor of at most 1/2, so it
 * never grows.  What stays true: every node inserted and not yet deleted
 * is in exactly one slot, on the probe path from its key's home; no other
 * slot holds a node.  Cost: expected O(1) per call.
 *
 * Parameters: a built-in policy's init() gets the part of its name after
 * the first ':', "KEY=VALUE:KEY=VALUE", or NULL (see policy_params).
 */
#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t key_hash(uint64_t owner, uint64_t index)
{
	uint64_t h = index ^ (owner * 0x9e3779b97f4a7c15ull);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline uint64_t home(const struct pghost *h, uint32_t n)
{
	return key_hash(h->owner[n], h->index[n]) & h->mask;
}

int pghost_init(struct pghost *h, uint64_t nodes, const uint64_t *owner, const uint64_t *index)
{
	uint64_t slots = 4;

	while (slots < 2 * nodes)
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

void pghost_free(struct pghost *h)
{
	free(h->slot);
	h->slot = NULL;
}

uint32_t pghost_find(const struct pghost *h, uint64_t owner, uint64_t index)
{
	for (uint64_t i = key_hash(owner, index) & h->mask;; i = (i + 1) & h->mask) {
		uint32_t n = h->slot[i];

		if (n == PLIST_NIL || (h->owner[n] == owner && h->index[n] == index))
			return n;
	}
}

void pghost_insert(struct pghost *h, uint32_t n)
{
	uint64_t i = home(h, n);

	while (h->slot[i] != PLIST_NIL)
		i = (i + 1) & h->mask;
	h->slot[i] = n;
}

void pghost_delete(struct pghost *h, uint32_t n)
{
	uint64_t i = home(h, n), j;

	while (h->slot[i] != n)
		i = (i + 1) & h->mask;
	for (j = (i + 1) & h->mask; h->slot[j] != PLIST_NIL; j = (j + 1) & h->mask) {
		/* The entry at j may move back to i unless its home is in (i, j]. */
		if (((j - home(h, h->slot[j])) & h->mask) < ((j - i) & h->mask))
			continue;
		h->slot[i] = h->slot[j];
		i = j;
	}
	h->slot[i] = PLIST_NIL;
}

int policy_params(const char *params, const char *const keys[], uint64_t vals[], size_t nkeys)
{
	const char *p = params;

	while (p && *p) {
		const char *end = strchr(p, ':'), *eq = strchr(p, '=');
		size_t klen, k;
		uint64_t v = 0;

		if (!end)
			end = p + strlen(p);
		if (!eq || eq > end || eq == p || eq + 1 == end)
			return -EINVAL;
		klen = (size_t)(eq - p);
		for (k = 0; k < nkeys && (strlen(keys[k]) != klen || strncmp(keys[k], p, klen)); k++)
			;
		if (k == nkeys)
			return -EINVAL;
		for (const char *d = eq + 1; d < end; d++) {
			if (*d < '0' || *d > '9' || v > (UINT64_MAX - 9) / 10)
				return -EINVAL;
			v = v * 10 + (uint64_t)(*d - '0');
		}
		vals[k] = v;
		p = *end ? end + 1 : end;
	}
	return 0;
}
