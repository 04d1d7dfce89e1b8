/*
 * replay_map.c - the replayer's hash map from page numbers to values (see
 * replay_map.h for the layout and what stays true).
 *
 * Page numbers of a real trace are clustered (a program's text, heap and
 * stack are runs of consecutive pages), so the hash must spread consecutive
 * keys: a multiplicative hash keeps the high bits of the product, where
 * the low bits of the key have been mixed in.
 */
#include "replay_map.h"

#include <errno.h>
#include <stdlib.h>

static inline uint64_t home_of(const struct u64map *m, uint64_t stored)
{
	uint64_t h = stored * 0x9e3779b97f4a7c15ull;

	return (h ^ (h >> 29)) & m->mask;
}

static int map_alloc(struct u64map *m, uint64_t slots)
{
	m->slot = calloc(slots, sizeof(*m->slot));
	if (!m->slot)
		return -ENOMEM;
	m->mask = slots - 1;
	m->n = 0;
	return 0;
}

int map_init(struct u64map *m, uint64_t hint)
{
	uint64_t slots = 16;

	while (slots / 4 * 3 < hint)
		slots <<= 1;
	return map_alloc(m, slots);
}

void map_free(struct u64map *m)
{
	free(m->slot);
	m->slot = NULL;
	m->mask = 0;
	m->n = 0;
}

uint64_t *map_get(const struct u64map *m, uint64_t key)
{
	uint64_t stored = key + 1;

	for (uint64_t i = home_of(m, stored);; i = (i + 1) & m->mask) {
		if (m->slot[i].key == stored)
			return &m->slot[i].val;
		if (m->slot[i].key == 0)
			return NULL;
	}
}

/* Place a key known to be absent; the table has room. */
static struct map_slot *place(struct u64map *m, uint64_t stored, uint64_t val)
{
	uint64_t i = home_of(m, stored);

	while (m->slot[i].key)
		i = (i + 1) & m->mask;
	m->slot[i] = (struct map_slot){ stored, val };
	m->n++;
	return &m->slot[i];
}

static int grow(struct u64map *m)
{
	struct u64map bigger;
	uint64_t slots = (m->mask + 1) * 2;

	if (map_alloc(&bigger, slots) < 0)
		return -ENOMEM;
	for (uint64_t i = 0; i <= m->mask; i++)
		if (m->slot[i].key)
			place(&bigger, m->slot[i].key, m->slot[i].val);
	free(m->slot);
	*m = bigger;
	return 0;
}

uint64_t *map_put(struct u64map *m, uint64_t key, uint64_t init, bool *added)
{
	uint64_t *v = map_get(m, key);

	if (added)
		*added = !v;
	if (v)
		return v;
	if ((m->n + 1) * 4 > (m->mask + 1) * 3 && grow(m) < 0)
		return NULL;
	return &place(m, key + 1, init)->val;
}

bool map_del(struct u64map *m, uint64_t key)
{
	uint64_t stored = key + 1, i, j;

	for (i = home_of(m, stored); m->slot[i].key != stored; i = (i + 1) & m->mask)
		if (m->slot[i].key == 0)
			return false;
	/* Shift back every later key of the run that may live at i. */
	for (j = (i + 1) & m->mask; m->slot[j].key; j = (j + 1) & m->mask) {
		uint64_t h = home_of(m, m->slot[j].key);

		/* j's key must stay if its home lies cyclically in (i, j]. */
		if (((j - h) & m->mask) < ((j - i) & m->mask))
			continue;
		m->slot[i] = m->slot[j];
		i = j;
	}
	m->slot[i].key = 0;
	m->n--;
	return true;
}
