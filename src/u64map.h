/*
 * u64map.h - an open-addressing hash map from uint64_t keys to uint64_t
 * values, used wherever the engine indexes by a number (PIDs to processes,
 * object page offsets to frames).
 *
 * Linear probing with backward-shift deletion: no tombstones, so lookups
 * stay short however many deletions happen.  The table doubles at 70% load.
 * Not thread-safe on its own: callers hold the machine lock.
 */
#ifndef VMFS_U64MAP_H
#define VMFS_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map_slot {
	uint64_t key;
	uint64_t val;
	bool     used;
};

struct u64map {
	struct u64map_slot *slots;
	size_t              cap;    /* power of two, or 0 */
	size_t              count;
};

void  u64map_init(struct u64map *h);
void  u64map_free(struct u64map *h);
/* Pointer to the value of @key, or NULL. */
uint64_t *u64map_get(const struct u64map *h, uint64_t key);
/* Insert or replace.  0 or -ENOMEM (the map is unchanged then). */
int   u64map_put(struct u64map *h, uint64_t key, uint64_t val);
/* Make room for one more key: the next put of a new key cannot fail.  0 or -ENOMEM. */
int   u64map_reserve(struct u64map *h);
/* Remove @key; true if it was there. */
bool  u64map_del(struct u64map *h, uint64_t key);
/* Iterate: start with *it = 0; returns false when done. */
bool  u64map_next(const struct u64map *h, size_t *it, uint64_t *key, uint64_t *val);

#endif
