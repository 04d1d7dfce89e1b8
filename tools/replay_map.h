/*
 * replay_map.h - a hash map from 64-bit keys to 64-bit values, for the
 * replayer's bookkeeping by page number.
 *
 * vmfs-replay needs three maps keyed by virtual page number, none of them
 * inside the simulated machine: the next use of each page while the opt
 * policy's future is computed (replay_opt.c), and the page table of the
 * minimal LRU simulator the benchmark races against (vmfs-replay.c).  One
 * small map serves all three.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones, so probes stay short however many deletions there were).
 * What stays true: a slot's key is 0 when the slot is empty, else the
 * stored key plus one (so key 0 is allowed; keys must be below UINT64_MAX);
 * every key lies between its home slot and the next empty slot; the table
 * is at most three quarters full and doubles before it would be fuller.
 * Expected O(1) per call; memory is 16 bytes per slot, so about 21 to 43
 * bytes per key.
 */
#ifndef REPLAY_MAP_H
#define REPLAY_MAP_H

#include <stdbool.h>
#include <stdint.h>

struct map_slot {
	uint64_t key;   /* stored key + 1; 0 = empty */
	uint64_t val;
};

struct u64map {
	struct map_slot *slot;
	uint64_t         mask;   /* slots - 1 (a power of two) */
	uint64_t         n;      /* keys held */
};

/* An empty map with room for about @hint keys before it grows.  0 or -ENOMEM. */
int map_init(struct u64map *m, uint64_t hint);
void map_free(struct u64map *m);

/* The value stored for @key, or NULL.  The pointer lives until the next put or delete. */
uint64_t *map_get(const struct u64map *m, uint64_t key);

/*
 * The value of @key, inserting it with value @init when absent (*@added
 * tells which, if not NULL).  NULL when the table could not grow.
 */
uint64_t *map_put(struct u64map *m, uint64_t key, uint64_t init, bool *added);

/* Remove @key; whether it was there. */
bool map_del(struct u64map *m, uint64_t key);

#endif /* REPLAY_MAP_H */
