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
 * Layout: a struct pdir (policy.h) with the lists S, M and G, heads the
 * oldest; frames on S or M, c ghost nodes on G (at most |M| <= c in use);
 * its flags[] hold each frame's counter and SFRESH.
 * What stays true: the tracked frames are exactly those on S and M; the
 * directory holds exactly the ghosts; |G| <= M's share.  Cost:
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

enum s3_list { SQ, MQ, GQ };

#define SFREQ  3      /* the counter's bits */
#define SFRESH 0x80   /* loaded, its loading access not yet heard */

struct s3fifo {
	struct pdir    d;          /* S, M, G; ghost nodes c..2c-1; first (pdir_release) */
	uint32_t       mshare;     /* M's share of c, also G's capacity */
};

/* Frame @n leaves S as a victim: its identity enters the tail of G. */
static void s3_ghost_add(struct s3fifo *s, uint32_t n)
{
	if (!s->mshare)
		return;
	if (s->d.size[GQ] == s->mshare)
		pdir_ghost_drop(&s->d, pdir_first(&s->d, GQ));
	pdir_ghost_add(&s->d, n, GQ);
}

static int s3_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "small" };
	uint64_t small = 10;
	struct s3fifo *s;
	int rc;

	if (policy_parse_params(arg, keys, &small, 1) < 0 || small < 1 || small > 99)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if ((rc = pdir_init(&s->d, nframes, nframes)) < 0) {
		free(s);
		return rc;
	}
	small = nframes * small / 100;
	s->mshare = (uint32_t)(nframes - (small ? small : nframes ? 1 : 0));
	*state = s;
	return 0;
}

static void s3_removed(void *state, uint64_t pfn)
{
	struct s3fifo *s = state;

	if (pdir_removed(&s->d, pfn) == (SQ | PDIR_EVICTED))
		s3_ghost_add(s, (uint32_t)pfn);   /* evicted from S: remembered in G */
}

static void s3_loaded(void *state, const struct vmfs_page *pg)
{
	struct s3fifo *s = state;
	uint32_t g;

	if (!pdir_loaded(&s->d, pg, SFRESH, &g))
		return;
	if (g != PLIST_NIL)             /* remembered in G: into M */
		pdir_ghost_drop(&s->d, g);
	pdir_add_tail(&s->d, (uint32_t)pg->pfn, g != PLIST_NIL ? MQ : SQ);
}

/* The hot path: a hit raises the counter, up to 3. */
static void s3_accessed(void *state, const struct vmfs_page *pg)
{
	struct s3fifo *s = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < s->d.c);
	s->d.chosen = PLIST_NIL;
	if (pg->pfn >= s->d.c || s->d.where[n] == PDIR_NOWHERE)
		return;
	if (s->d.flags[n] & SFRESH)
		s->d.flags[n] = 0;         /* the access that loaded it */
	else if (s->d.flags[n] < SFREQ)
		s->d.flags[n]++;
}

/* EVICTS: the first page from the head of S not seen again; the others go to M. */
static uint32_t s3_evict_small(struct s3fifo *s, struct vmfs_reclaim *rc, uint64_t *scanned)
{
	uint32_t n = pdir_first(&s->d, SQ);

	while (n != pdir_head(&s->d, SQ)) {
		uint32_t next = s->d.link[n].next;

		(*scanned)++;
		if (policy_evictable(rc, n)) {
			if ((s->d.flags[n] & SFREQ) <= 1)
				return n;
			pdir_add_tail(&s->d, n, MQ);
		}
		n = next;
	}
	return PLIST_NIL;
}

/* EVICTM: CLOCK over M, the counter dropping by one per pass. */
static uint32_t s3_evict_main(struct s3fifo *s, struct vmfs_reclaim *rc, uint64_t *scanned)
{
	uint32_t n = pdir_first(&s->d, MQ);

	/* Each turn lowers every evictable counter: after 4, none is left. */
	for (uint64_t step = 0; step < 4 * (uint64_t)s->d.size[MQ]; step++) {
		uint32_t next;

		if (n == pdir_head(&s->d, MQ))
			n = s->d.link[n].next;
		next = s->d.link[n].next;
		(*scanned)++;
		if (policy_evictable(rc, n)) {
			if (!(s->d.flags[n] & SFREQ))
				return n;
			s->d.flags[n] = (uint8_t)((s->d.flags[n] & SFREQ) - 1);
			pdir_add_tail(&s->d, n, MQ);
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
	if (s->d.size[MQ] <= s->mshare && s->d.size[SQ])
		v = s3_evict_small(s, rc, scanned);
	if (v == PLIST_NIL)
		v = s3_evict_main(s, rc, scanned);
	if (v == PLIST_NIL)     /* M had nothing evictable; S may have */
		v = s3_evict_small(s, rc, scanned);
	s->d.chosen = v;
	return v == PLIST_NIL ? -1 : (int64_t)v;
}

/* MADV_COLD: the frequency counter goes to 0; the page goes when its queue's head reaches it. */
void policy_s3fifo_deactivate(void *state, uint64_t pfn)
{
	pdir_clear_flags(&((struct s3fifo *)state)->d, pfn, SFREQ);
}

const struct vmfs_policy_ops policy_s3fifo_ops = {
	.name     = "s3fifo",
	.init     = s3_init,
	.release  = pdir_release,
	.loaded   = s3_loaded,
	.accessed = s3_accessed,
	.removed  = s3_removed,
	.victim   = s3_victim,
};
