/*
 * replay_mrc.h - whole miss-ratio curves in one pass over a trace: the
 * stack distances of LRU and of OPT (Mattson, Gecsei, Slutz and Traiger,
 * "Evaluation techniques for storage hierarchies", IBM Systems Journal
 * 9(2), 1970), for vmfs-replay --mrc.
 *
 * Both are stack algorithms: at every moment there is an order of the
 * pages referenced so far (the stack) whose first c pages are exactly what
 * a memory of c frames holds under the policy, whatever c.  A reference to
 * the page at position d of the stack (from 1) is then a hit in every
 * memory of d frames or more and a miss in every smaller one, and a first
 * reference misses everywhere; so one pass that counts the references at
 * each distance gives the misses at every size:
 *
 *     misses(c) = first references + references at a distance > c
 *
 * LRU's stack is the order of last use; the distance of a reference is
 * one more than the number of distinct pages referenced since the same
 * page was last.  lru_mrc counts those over the times of last use (one
 * mark per page, at its last reference: a bitmap, counts per block and a
 * Fenwick tree over the blocks) with a directory from page to that time,
 * compacting the times when they run out: O(log m) per reference for m
 * distinct pages, memory O(m).
 *
 * OPT's stack orders by next use, soonest first (Belady's MIN evicts the
 * page used furthest ahead); Mattson's update moves the referenced page to
 * the top and carries the pages above its old place down, each step
 * keeping the sooner-used page and carrying the other.  opt_mrc keeps only
 * the next-use times (the page referenced at time t is the one whose next
 * use is t) and only the top @max positions (the first @max positions of
 * the stack depend on nothing below them); pages never used again sink to
 * the bottom and are only counted: O(live depth) per reference, O(n × max)
 * at worst, the scan comparing eight keys a step.
 *
 * What stays true: refs = cold + far + the sum of hist[1..] (until
 * *_done turns hist into sums from each distance up); hist[d] counts
 * references at distance d; far counts the references opt_mrc found
 * nowhere in its depth (first ones included: misses at every size it
 * follows); misses are exact for every size up to mrc_limit().
 */
#ifndef REPLAY_MRC_H
#define REPLAY_MRC_H

#include "replay_map.h"

#include <stdint.h>

struct mrc {
	uint64_t  refs;
	uint64_t  cold;       /* first references: misses at every size */
	uint64_t  far;        /* references beyond the followed depth (opt) */
	uint64_t *hist;       /* hist[d], d >= 1: references at distance d */
	uint64_t  nhist;      /* entries allocated */
	uint64_t  maxd;       /* the largest distance seen (0: none) */
	uint64_t  limit;      /* sizes above it are not known (UINT64_MAX: all are) */
};

/* Misses of a memory of @frames frames (frames <= mrc_limit(c)). */
uint64_t mrc_misses(const struct mrc *c, uint64_t frames);
static inline uint64_t mrc_limit(const struct mrc *c)
{
	return c->limit;
}
void mrc_free(struct mrc *c);

/* ---- LRU: stack distances with a Fenwick tree ------------------------------- */

/*
 * Time slots, from 1, one a reference, hold a mark while theirs is the
 * last reference to its page: a bitmap, a count per block of 4096 slots,
 * and a Fenwick tree over the blocks' counts.  The slot of each page's
 * last reference is found through a directory of leaves, one leaf per 64
 * consecutive page numbers (a trace's pages come in runs).
 */
#define LRU_LEAF_BITS  6
#define LRU_BLOCK_BITS 9
/* Slots are 32-bit: at most this many distinct pages. */
#define LRU_MRC_MAX_PAGES (1ull << 30)

struct lru_mrc {
	struct u64map dir;    /* vpn >> LRU_LEAF_BITS -> its leaf's number */
	uint32_t     *leaf;   /* leaves of 64 slots (0: no reference yet) */
	uint64_t      nleaves, leafcap;
	uint64_t      last_key, last_leaf;    /* the directory's last answer */
	uint64_t     *bits;   /* bit s: slot s is a page's last reference */
	uint16_t     *count;  /* marks per block of 4096 slots */
	uint32_t     *tree;   /* Fenwick tree over the blocks' counts, from 1 */
	uint64_t     *page;   /* the page of each slot, for compaction */
	uint64_t      cap, used, live, nblocks;
	struct mrc    curve;
};

int lru_mrc_init(struct lru_mrc *l);
/* One reference to page @vpn.  0, -ENOMEM, or -EOVERFLOW past LRU_MRC_MAX_PAGES pages. */
int lru_mrc_ref(struct lru_mrc *l, uint64_t vpn);
/* Free everything but l->curve, which the caller then owns. */
void lru_mrc_done(struct lru_mrc *l);

/* ---- OPT: Mattson's stack by next use, to a bounded depth ----------------- */

/* opt_mrc keeps reference numbers in 32 bits. */
#define OPT_MRC_MAX_REFS (UINT32_MAX - 1ull)

struct opt_mrc {
	uint32_t  *key;       /* key[i]: next use of the page at position i + 1 */
	uint64_t   lived;     /* pages in key[], the top of the stack */
	uint64_t   ndead;     /* pages never used again below them */
	uint64_t   max;
	struct mrc curve;
};

/*
 * Follow the top @max positions (max >= 1) of a trace of @nrefs
 * references.  0, -ENOMEM, or -EOVERFLOW beyond OPT_MRC_MAX_REFS.
 */
int opt_mrc_init(struct opt_mrc *o, uint64_t max, uint64_t nrefs);
/*
 * Reference number @t of the trace (from 0), whose page's next reference
 * is number @next (OPT_NEVER if none).  A page not in the followed depth
 * counts as far; when nothing ever fell below it, they were all first
 * references and the curve holds at every size.
 */
void opt_mrc_ref(struct opt_mrc *o, uint64_t t, uint64_t next);
void opt_mrc_done(struct opt_mrc *o);

#endif /* REPLAY_MRC_H */
