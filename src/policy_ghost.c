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
 * struct pdir puts the lists of such a policy around the directory: the
 * frames and the ghost nodes, one list each at most, and the chain of
 * unused ghost nodes.
 *
 * Parameters: a built-in policy's init() gets the part of its name after
 * the first ':', "KEY=VALUE:KEY=VALUE", or NULL (see policy_parse_params).
 */
#include "policy.h"

#include <assert.h>
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

int pdir_init(struct pdir *d, uint64_t c, uint64_t nghosts)
{
	uint64_t nodes = c + nghosts;

	memset(d, 0, sizeof(*d));
	if (nodes >= PLIST_NIL - PDIR_MAXLISTS)
		return -EINVAL;
	d->c = (uint32_t)c;
	d->nodes = (uint32_t)nodes;
	d->chosen = PLIST_NIL;
	d->link = malloc((nodes + PDIR_MAXLISTS) * sizeof(*d->link));
	d->where = malloc(nodes + 1);
	d->flags = calloc(c + 1, 1);
	d->owner = malloc((nodes + 1) * sizeof(*d->owner));
	d->index = malloc((nodes + 1) * sizeof(*d->index));
	if (!d->link || !d->where || !d->flags || !d->owner || !d->index ||
	    pghost_init(&d->dir, nghosts, d->owner, d->index) < 0) {
		pdir_free(d);
		return -ENOMEM;
	}
	for (uint32_t n = 0; n < nodes; n++) {
		d->where[n] = PDIR_NOWHERE;
		d->link[n].prev = d->link[n].next = PLIST_NIL;
	}
	d->free_ghost = nghosts ? d->c : PLIST_NIL;
	for (uint32_t g = d->c; g + 1 < nodes; g++)
		d->link[g].next = g + 1;
	for (unsigned l = 0; l < PDIR_MAXLISTS; l++)
		plist_head_init(d->link, pdir_head(d, l));
	return 0;
}

void pdir_free(struct pdir *d)
{
	pghost_free(&d->dir);
	free(d->link);
	free(d->where);
	free(d->flags);
	free(d->owner);
	free(d->index);
	d->link = NULL;
	d->where = d->flags = NULL;
	d->owner = d->index = NULL;
}

void pdir_release(void *state)
{
	if (!state)
		return;
	pdir_free(state);
	free(state);
}

void pdir_del(struct pdir *d, uint32_t n)
{
	assert(d->where[n] != PDIR_NOWHERE && d->size[d->where[n]] > 0);
	plist_unlink(d->link, n);
	d->size[d->where[n]]--;
	d->where[n] = PDIR_NOWHERE;
}

/* Move @n (on any list or none) onto list @l, at its tail or its head. */
static void pdir_add(struct pdir *d, uint32_t n, unsigned l, bool tail)
{
	if (d->where[n] != PDIR_NOWHERE)
		pdir_del(d, n);
	plist_insert_before(d->link, tail ? pdir_head(d, l) : pdir_first(d, l), n);
	d->where[n] = (uint8_t)l;
	d->size[l]++;
}

void pdir_add_tail(struct pdir *d, uint32_t n, unsigned l)
{
	pdir_add(d, n, l, true);
}

void pdir_add_head(struct pdir *d, uint32_t n, unsigned l)
{
	pdir_add(d, n, l, false);
}

void pdir_clear_flags(struct pdir *d, uint64_t pfn, uint8_t bits)
{
	if (pfn >= d->c || d->where[pfn] == PDIR_NOWHERE)
		return;
	d->chosen = PLIST_NIL;
	d->flags[pfn] &= (uint8_t)~bits;
}

int pdir_removed(struct pdir *d, uint64_t pfn)
{
	uint32_t n = (uint32_t)pfn;
	int l;

	assert(pfn < d->c);
	if (pfn >= d->c || d->where[n] == PDIR_NOWHERE)
		return -1;
	l = d->where[n];
	if (n == d->chosen) {
		d->chosen = PLIST_NIL;
		l |= PDIR_EVICTED;
	}
	pdir_del(d, n);
	d->flags[n] = 0;
	return l;
}

bool pdir_loaded(struct pdir *d, const struct vmfs_page *pg, uint8_t flags, uint32_t *ghost)
{
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < d->c);
	if (pg->pfn >= d->c)
		return false;
	d->chosen = PLIST_NIL;
	if (d->where[n] != PDIR_NOWHERE)
		pdir_del(d, n);
	d->owner[n] = pg->owner;
	d->index[n] = pg->index;
	d->flags[n] = flags;
	*ghost = pghost_find(&d->dir, pg->owner, pg->index);
	return true;
}

void pdir_ghost_drop(struct pdir *d, uint32_t g)
{
	assert(g >= d->c && d->where[g] != PDIR_NOWHERE);
	pghost_delete(&d->dir, g);
	pdir_del(d, g);
	d->link[g].next = d->free_ghost;
	d->free_ghost = g;
}

void pdir_ghost_add(struct pdir *d, uint32_t n, unsigned l)
{
	uint32_t g = pghost_find(&d->dir, d->owner[n], d->index[n]);

	if (g != PLIST_NIL)     /* two pages of one identity (copy-on-write) */
		pdir_ghost_drop(d, g);
	g = d->free_ghost;
	assert(g != PLIST_NIL);
	if (g == PLIST_NIL)
		return;
	d->free_ghost = d->link[g].next;
	d->link[g].next = PLIST_NIL;
	d->owner[g] = d->owner[n];
	d->index[g] = d->index[n];
	pdir_add_tail(d, g, l);
	pghost_insert(&d->dir, g);
}

int policy_parse_params(const char *params, const char *const keys[], uint64_t vals[], size_t nkeys)
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
			uint64_t digit = (uint64_t)(*d - '0');

			if (*d < '0' || *d > '9' || v > (UINT64_MAX - digit) / 10)
				return -EINVAL;
			v = v * 10 + digit;
		}
		vals[k] = v;
		p = *end ? end + 1 : end;
	}
	return 0;
}
