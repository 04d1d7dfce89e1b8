/*
 * policy_s3fifo.c - S3-FIFO: a small FIFO queue that filters out pages
 * used once, a main FIFO queue run as a CLOCK with a 2-bit counter, and a
 * ghost FIFO queue of identities recently evicted from the small one.
 *
 * J. Yang, Y. Zhang, Z. Qiu, Y. Yue and K. V. Rashmi, "FIFO queues are all
 * you need for cache eviction", ACM SOSP 2023 (Algorithm 1), and the
 * authors' implementation, libCacheSim's S3FIFO.c.  The cache of c pages
 * is split into S, 10 % of it (at least one page), and M, the rest; the
 * ghost queue G remembers as many identities as M holds pages.  Each page
 * has a frequency counter, 0 when it comes in, raised by each hit and
 * capped at 3.  A missed page goes to the tail of M if G remembers it (and
 * G forgets it), else to the tail of S.  To evict:
 *
 *   - from M when M holds more than its share or S is empty: the head of
 *     M goes if its counter is 0; otherwise the counter drops by one and
 *     the page moves to the tail of M, and the next head is looked at;
 *   - else from S: the head of S, if its counter is more than 1, moves to
 *     the tail of M (keeping its counter) and the next head is looked at;
 *     the first other page goes, and its identity enters the tail of G
 *     (whose head is forgotten when G is full).
 *
 * One eviction per victim() call, as the authors' code does it: where the
 * paper's EVICTS evicts from M at once when a page moved there leaves M
 * over its share, here the next eviction comes from M (since M is over its
 * share), which is libCacheSim's order.  A page freed (unmapped, its
 * process gone) rather than evicted leaves no ghost.
 *
 * Accesses: s3fifo counts hits with its own accessed() callbacks, not the
 * page-table accessed bit, since a counter needs every hit, not "some
 * since last time".  The engine's accessed() for the access that loaded a
 * page belongs to the load and is not a hit (SFRESH).  A run of accesses
 * to one page with nothing else between reaches the policy once (rule 4 of
 * policy.h), so there it counts as one hit; tests/replay/refsim.py's
 * reference counts the same way.
 *
 * Parameters (s3fifo:KEY=VALUE:...): small=PERCENT, S's share of the cache
 * (default 10, from 1 to 99).
 *
 * Layout: node numbers 0..c-1 are frames (on S or M), c..2c-1 ghost nodes
 * (on G, at most |M| <= c of them), 2c..2c+2 the sentinels of S, M and G,
 * heads the oldest.  Free ghost nodes are chained through link[].next;
 * the ghosts are found by identity through a struct pghost.  What stays
 * true: where[n] names the one list node n is on, or none; size[] counts
 * them; the directory holds exactly the ghosts; |G| <= M's share.  Cost:
 * loaded(), accessed() and removed() are O(1) (expected, for the
 * directory); victim() moves each page of S at most once and passes each
 * page of M at most three times per drop of its counter, amortised O(1)
 * per eviction, plus one step per unevictable frame.  About 60 bytes per
 * frame.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

enum s3_list { SQ, MQ, GQ, S3_NLISTS, S3_NOWHERE = S3_NLISTS };

#define SFREQ  3      /* the counter's bits */
#define SFRESH 0x80   /* loaded, its loading access not yet heard */

struct s3fifo {
	uint32_t       c;          /* cache size: frames 0..c-1 */
	uint32_t       mshare;     /* M's share of c, also G's capacity */
	uint32_t       chosen;     /* the frame victim() chose, or PLIST_NIL */
	uint32_t       free_ghost; /* chain of unused ghost nodes */
	uint32_t       size[S3_NLISTS];
	struct pghost  dir;        /* the ghosts, by identity */
	struct plink  *link;       /* 2c + S3_NLISTS nodes */
	uint8_t       *where;      /* 2c: enum s3_list */
	uint8_t       *freq;       /* c: the counter, SFRESH */
	uint64_t      *owner;      /* 2c: the page's identity */
	uint64_t      *index;
};

static inline uint32_t s3_head(const struct s3fifo *s, enum s3_list l)
{
	return 2 * s->c + l;
}

static void s3_del(struct s3fifo *s, uint32_t n)
{
	assert(s->where[n] != S3_NOWHERE && s->size[s->where[n]] > 0);
	plist_unlink(s->link, n);
	s->size[s->where[n]]--;
	s->where[n] = S3_NOWHERE;
}

/* Move @n (on any list or none) to the tail of @l. */
static void s3_add_tail(struct s3fifo *s, uint32_t n, enum s3_list l)
{
	if (s->where[n] != S3_NOWHERE)
		s3_del(s, n);
	plist_insert_before(s->link, s3_head(s, l), n);
	s->where[n] = (uint8_t)l;
	s->size[l]++;
}

static void s3_ghost_drop(struct s3fifo *s, uint32_t g)
{
	assert(g >= s->c && s->where[g] == GQ);
	pghost_delete(&s->dir, g);
	s3_del(s, g);
	s->link[g].next = s->free_ghost;
	s->free_ghost = g;
}

/* Frame @n leaves S as a victim: its identity enters the tail of G. */
static void s3_ghost_add(struct s3fifo *s, uint32_t n)
{
	uint32_t g;

	if (!s->mshare)
		return;
	g = pghost_find(&s->dir, s->owner[n], s->index[n]);
	if (g != PLIST_NIL)     /* two pages of one identity (copy-on-write) */
		s3_ghost_drop(s, g);
	if (s->size[GQ] == s->mshare)
		s3_ghost_drop(s, s->link[s3_head(s, GQ)].next);
	g = s->free_ghost;
	assert(g != PLIST_NIL);
	s->free_ghost = s->link[g].next;
	s->link[g].next = PLIST_NIL;
	s->owner[g] = s->owner[n];
	s->index[g] = s->index[n];
	s3_add_tail(s, g, GQ);
	pghost_insert(&s->dir, g);
}

static void s3_release(void *state)
{
	struct s3fifo *s = state;

	if (!s)
		return;
	pghost_free(&s->dir);
	free(s->link);
	free(s->where);
	free(s->freq);
	free(s->owner);
	free(s->index);
	free(s);
}

static int s3_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "small" };
	uint64_t nodes = 2 * nframes, small = 10;
	struct s3fifo *s;

	if (policy_params(arg, keys, &small, 1) < 0 || small < 1 || small > 99)
		return -EINVAL;
	if (nframes >= (PLIST_NIL - S3_NLISTS) / 2)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = (uint32_t)nframes;
	small = nframes * small / 100;
	s->mshare = s->c - (uint32_t)(small ? small : nframes ? 1 : 0);
	s->chosen = PLIST_NIL;
	s->link = malloc((nodes + S3_NLISTS) * sizeof(*s->link));
	s->where = malloc(nodes + 1);
	s->freq = calloc(nframes + 1, 1);
	s->owner = malloc((nodes + 1) * sizeof(*s->owner));
	s->index = malloc((nodes + 1) * sizeof(*s->index));
	if (!s->link || !s->where || !s->freq || !s->owner || !s->index ||
	    pghost_init(&s->dir, nframes, s->owner, s->index) < 0) {
		s3_release(s);
		return -ENOMEM;
	}
	for (uint32_t n = 0; n < nodes; n++) {
		s->where[n] = S3_NOWHERE;
		s->link[n].prev = s->link[n].next = PLIST_NIL;
	}
	s->free_ghost = nframes ? s->c : PLIST_NIL;
	for (uint32_t g = s->c; g + 1 < nodes; g++)
		s->link[g].next = g + 1;
	for (int l = 0; l < S3_NLISTS; l++)
		plist_head_init(s->link, s3_head(s, l));
	*state = s;
	return 0;
}

static void s3_removed(void *state, uint64_t pfn)
{
	struct s3fifo *s = state;
	uint32_t n = (uint32_t)pfn;

	assert(pfn < s->c);
	if (pfn >= s->c || s->where[n] == S3_NOWHERE)
		return;
	if (n == s->chosen) {   /* evicted: from S, it leaves a ghost */
		s->chosen = PLIST_NIL;
		if (s->where[n] == SQ)
			s3_ghost_add(s, n);
	}
	s3_del(s, n);
	s->freq[n] = 0;
}

static void s3_loaded(void *state, const struct vmfs_page *pg)
{
	struct s3fifo *s = state;
	uint32_t n = (uint32_t)pg->pfn, g;

	assert(pg->pfn < s->c);
	if (pg->pfn >= s->c)
		return;
	s->chosen = PLIST_NIL;          /* any eviction is over */
	if (s->where[n] != S3_NOWHERE)  /* not told it left: it was freed */
		s3_del(s, n);
	s->owner[n] = pg->owner;
	s->index[n] = pg->index;
	s->freq[n] = SFRESH;
	g = pghost_find(&s->dir, pg->owner, pg->index);
	if (g != PLIST_NIL) {
		s3_ghost_drop(s, g);
		s3_add_tail(s, n, MQ);
	} else {
		s3_add_tail(s, n, SQ);
	}
}

/* The hot path: a hit raises the counter, up to 3. */
static void s3_accessed(void *state, const struct vmfs_page *pg)
{
	struct s3fifo *s = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < s->c);
	s->chosen = PLIST_NIL;
	if (pg->pfn >= s->c || s->where[n] == S3_NOWHERE)
		return;
	if (s->freq[n] & SFRESH)
		s->freq[n] = 0;         /* the access that loaded it */
	else if (s->freq[n] < SFREQ)
		s->freq[n]++;
}

/* EVICTS: the first page from the head of S not seen again; the others go to M. */
static uint32_t s3_evict_small(struct s3fifo *s, struct vmfs_reclaim *rc, uint64_t *scanned)
{
	uint32_t n = s->link[s3_head(s, SQ)].next;

	while (n != s3_head(s, SQ)) {
		uint32_t next = s->link[n].next;

		(*scanned)++;
		if (policy_evictable(rc, n)) {
			if ((s->freq[n] & SFREQ) <= 1)
				return n;
			s3_add_tail(s, n, MQ);
		}
		n = next;
	}
	return PLIST_NIL;
}

/* EVICTM: CLOCK over M, the counter dropping by one per pass. */
static uint32_t s3_evict_main(struct s3fifo *s, struct vmfs_reclaim *rc, uint64_t *scanned)
{
	uint32_t n = s->link[s3_head(s, MQ)].next;

	/* Each turn lowers every evictable counter: after 4, none is left. */
	for (uint64_t step = 0; step < 4 * (uint64_t)s->size[MQ]; step++) {
		uint32_t next;

		if (n == s3_head(s, MQ))
			n = s->link[n].next;
		next = s->link[n].next;
		(*scanned)++;
		if (policy_evictable(rc, n)) {
			if (!(s->freq[n] & SFREQ))
				return n;
			s->freq[n] = (uint8_t)((s->freq[n] & SFREQ) - 1);
			s3_add_tail(s, n, MQ);
		}
		n = next;
	}
	return PLIST_NIL;
}

static int64_t s3_victim(void *state, struct vmfs_reclaim *rc,
			 const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct s3fifo *s = state;
	uint32_t v = PLIST_NIL;

	(void)incoming;
	if (s->size[MQ] <= s->mshare && s->size[SQ])
		v = s3_evict_small(s, rc, scanned);
	if (v == PLIST_NIL)
		v = s3_evict_main(s, rc, scanned);
	if (v == PLIST_NIL)     /* M had nothing evictable; S may have */
		v = s3_evict_small(s, rc, scanned);
	s->chosen = v;
	return v == PLIST_NIL ? -1 : (int64_t)v;
}

const struct vmfs_policy_ops policy_s3fifo_ops = {
	.name     = "s3fifo",
	.init     = s3_init,
	.release  = s3_release,
	.loaded   = s3_loaded,
	.accessed = s3_accessed,
	.removed  = s3_removed,
	.victim   = s3_victim,
};
