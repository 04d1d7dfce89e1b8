/*
 * policy_random.c - random replacement: evict a resident page chosen
 * uniformly at random, from a seeded generator, so a run repeats.
 *
 * The baseline of the early replacement studies (L. A. Belady, "A study
 * of replacement algorithms for a virtual-storage computer", IBM Systems
 * Journal 5(2), 1966, whose RAND is this), and still the yardstick a
 * policy must beat.  Accesses do not matter to it.
 *
 * The resident frames are kept in a dense array, slot[0 .. count-1], with
 * pos[pfn] the slot of a frame: loaded() appends, removed() moves the last
 * frame into the slot that was freed.  victim() draws r from SplitMix64
 * (G. Steele, D. Lea and C. Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014) and takes slot[r mod count]; when that frame
 * cannot be evicted, the next slots in turn, wrapping.  One draw per
 * victim() call.  tests/replay/refsim.py's reference keeps the same array
 * by the same rules and draws from the same generator, so the runs agree
 * page for page.
 *
 * Parameter (random:seed=N): the generator's seed, default 1.
 *
 * What stays true: slot[0 .. count-1] are exactly the tracked frames, each
 * once, and pos[slot[i]] == i; pos of an untracked frame is PLIST_NIL.
 * Cost: loaded(), accessed() and removed() are O(1); victim() is O(1) plus
 * one step per unevictable frame it passes.  8 bytes per frame.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

struct prandom {
	uint64_t  state;     /* SplitMix64's */
	uint32_t  nframes;
	uint32_t  count;     /* tracked frames */
	uint32_t *slot;      /* count frames */
	uint32_t *pos;       /* by pfn: its slot, or PLIST_NIL */
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void random_release(void *state)
{
	struct prandom *r = state;

	if (!r)
		return;
	free(r->slot);
	free(r->pos);
	free(r);
}

static int random_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "seed" };
	uint64_t seed = 1;
	struct prandom *r;

	if (policy_parse_params(arg, keys, &seed, 1) < 0 || nframes >= PLIST_NIL)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->state = seed;
	r->nframes = (uint32_t)nframes;
	r->slot = malloc((nframes + 1) * sizeof(*r->slot));
	r->pos = malloc((nframes + 1) * sizeof(*r->pos));
	if (!r->slot || !r->pos) {
		random_release(r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < r->nframes; i++)
		r->pos[i] = PLIST_NIL;
	*state = r;
	return 0;
}

static void random_removed(void *state, uint64_t pfn)
{
	struct prandom *r = state;
	uint32_t i;

	assert(pfn < r->nframes);
	if (pfn >= r->nframes || (i = r->pos[pfn]) == PLIST_NIL)
		return;
	r->slot[i] = r->slot[--r->count];
	r->pos[r->slot[i]] = i;
	r->pos[pfn] = PLIST_NIL;
}

static void random_loaded(void *state, const struct vmfs_page *pg)
{
	struct prandom *r = state;

	assert(pg->pfn < r->nframes);
	if (pg->pfn >= r->nframes)
		return;
	random_removed(r, pg->pfn);
	r->pos[pg->pfn] = r->count;
	r->slot[r->count++] = (uint32_t)pg->pfn;
}

/* Accesses do not matter to random replacement. */
static void random_accessed(void *state, const struct vmfs_page *pg)
{
	(void)state;
	(void)pg;
}

static int64_t random_victim(void *state, struct vmfs_reclaim *rc,
			     const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct prandom *r = state;
	uint32_t i;

	(void)incoming;
	if (!r->count)
		return -1;
	i = (uint32_t)(splitmix64(&r->state) % r->count);
	for (uint32_t k = 0; k < r->count; k++, i = i + 1 == r->count ? 0 : i + 1) {
		(*scanned)++;
		if (policy_evictable(rc, r->slot[i]))
			return r->slot[i];
	}
	return -1;
}

const struct vmfs_policy_ops policy_random_ops = {
	.name     = "random",
	.init     = random_init,
	.release  = random_release,
	.loaded   = random_loaded,
	.accessed = random_accessed,
	.removed  = random_removed,
	.victim   = random_victim,
};
