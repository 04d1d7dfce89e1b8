/*
 * u64map.c - open-addressing hash map (see u64map.h).
 * Invariant: every used slot is reachable from its home slot by a run of
 * used slots (linear probing); deletion shifts later entries back to keep it.
 */
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>

static inline size_t home(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

void u64map_init(struct u64map *h)
{
	h->slots = NULL;
	h->cap = 0;
	h->count = 0;
}

void u64map_free(struct u64map *h)
{
	free(h->slots);
	u64map_init(h);
}

uint64_t *u64map_get(const struct u64map *h, uint64_t key)
{
	if (!h->cap)
		return NULL;
	for (size_t i = home(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
		if (!h->slots[i].used)
			return NULL;
		if (h->slots[i].key == key)
			return &h->slots[i].val;
	}
}

static int grow(struct u64map *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 16;
	struct u64map_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < h->cap; i++) {
		if (!h->slots[i].used)
			continue;
		size_t j = home(h->slots[i].key, ncap);

		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = h->slots[i];
	}
	free(h->slots);
	h->slots = ns;
	h->cap = ncap;
	return 0;
}

int u64map_reserve(struct u64map *h)
{
	return (h->count + 1) * 10 > h->cap * 7 ? grow(h) : 0;
}

int u64map_put(struct u64map *h, uint64_t key, uint64_t val)
{
	uint64_t *v = u64map_get(h, key);

	if (v) {
		*v = val;
		return 0;
	}
	if (u64map_reserve(h) < 0)
		return -ENOMEM;
	size_t i = home(key, h->cap);

	while (h->slots[i].used)
		i = (i + 1) & (h->cap - 1);
	h->slots[i] = (struct u64map_slot){ .key = key, .val = val, .used = true };
	h->count++;
	return 0;
}

bool u64map_del(struct u64map *h, uint64_t key)
{
	size_t mask = h->cap - 1, i, j;

	if (!h->cap)
		return false;
	for (i = home(key, h->cap);; i = (i + 1) & mask) {
		if (!h->slots[i].used)
			return false;
		if (h->slots[i].key == key)
			break;
	}
	/* Backward-shift: move later members of the run into the hole. */
	for (j = (i + 1) & mask; h->slots[j].used; j = (j + 1) & mask) {
		size_t k = home(h->slots[j].key, h->cap);

		/* Move j to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			h->slots[i] = h->slots[j];
			i = j;
		}
	}
	h->slots[i].used = false;
	h->count--;
	return true;
}

bool u64map_next(const struct u64map *h, size_t *it, uint64_t *key, uint64_t *val)
{
	for (; *it < h->cap; (*it)++) {
		if (h->slots[*it].used) {
			*key = h->slots[*it].key;
			*val = h->slots[*it].val;
			(*it)++;
			return true;
		}
	}
	return false;
}
