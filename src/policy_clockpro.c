/*
 * policy_clockpro.c - CLOCK-Pro, LIRS's ideas on a clock.
 *
 * S. Jiang, F. Chen and X. Zhang, "CLOCK-Pro: An Effective Improvement of
 * the CLOCK Replacement", USENIX ATC 2005.  Resident pages are hot (low
 * reuse distance, LIRS's LIR) or cold; a cold page starts a test period
 * when it is loaded, and keeps its place on the clock after eviction (a
 * non-resident cold page, its identity only) until the test ends.  A cold
 * page referenced during its test has a reuse distance smaller than the
 * coldest hot page's and is promoted; hot pages not referenced since the
 * hand last passed them are demoted.  One circular list holds every page,
 * resident or not, in the order of their last move; three hands turn on it:
 *
 *   hand_cold  finds the victim: the first resident cold page whose
 *              reference bit is clear or whose test is over; a referenced
 *              cold page in its test is promoted (and hand_hot demotes a
 *              hot page to compensate), one out of its test starts another
 *   hand_hot   demotes the first hot page whose bit is clear (clearing the
 *              bits it passes); when it passes hand_test, that hand moves
 *   hand_test  ends the test of the cold pages it passes, and forgets the
 *              non-resident ones; it also keeps their number within c
 *
 * The cold share: with `adaptive=1` the target number of cold pages grows
 * with each promotion of a page in its test (a sign that cold pages are
 * evicted too early) and shrinks with each test that ends unused, within
 * [min, max] percent of c; with `adaptive=0` it is fixed (min = max).
 *
 * This file ports the authors' simulator (clock-pro.c by S. Jiang, 2005,
 * distributed with the LIRS traces) function by function: run_hand_cold,
 * run_hand_hot and run_hand_test are theirs over node numbers, so the
 * misses agree reference for reference (tests/replay checks them on their
 * traces).  Their defaults, kept here: a fixed cold share of 5 % of c, at
 * least 2 pages; at most c non-resident pages.  Parameters (the policy's
 * init() argument, a string or NULL, read by policy_parse_params): `min=P`,
 * `max=P` (integer percents, 1 to 99, min <= max) and `adaptive=0|1`,
 * separated by ':'.
 *
 * Mapping onto the callbacks: accessed() sets the reference bit (the
 * access that loaded a page, and a reference repeating the one before it,
 * change nothing: the authors' simulator clears the bit after a miss and
 * skips repeated references).  victim() runs hand_cold up to the page it
 * would evict and returns it; removed() of that frame does the eviction
 * (the page stays on the clock as a non-resident node if in its test) and
 * lets hand_test enforce the bound; loaded() then places the new page: hot
 * while more than the cold share of frames is free (the authors' filling),
 * else cold in its test at the clock's head, or promoted if it was a
 * non-resident page still in its test (hand_hot runs).  Where the engine
 * forces more: a page freed rather than evicted leaves the clock, the
 * hands that pointed at it moving on; when hand_cold's page cannot be
 * evicted now, victim() takes the first evictable resident page from
 * hand_cold on, cold before hot, without moving the hands.
 *
 * Layout: nodes 0..c-1 are frames, c..2c the non-resident pages (at most
 * c + 1 at once: the bound is enforced just after the eviction that
 * exceeds it), found by (owner, index) in a struct pghost (policy_ghost.c).  A
 * node's next is toward the clock's head (the newest), prev toward the
 * oldest, and the hands move along prev.  What stays true: every node with
 * CP_CLOCK is on the one circle, and the counters (free frames, hot pages,
 * non-resident pages, clock size) count what is on it; the hands are nodes
 * of the circle, or CP_NIL when it is empty.  Cost: the hands move O(1)
 * amortised per miss (each passes a node once per turn, and a turn is
 * paid for by the misses that filled it); about 60 bytes per frame.
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CP_NIL    PLIST_NIL
#define CP_RES    1     /* resident (a frame node) */
#define CP_COLD   2     /* cold, else hot */
#define CP_CLOCK  4     /* on the circle */
#define CP_TEST   8     /* in its test period */
#define CP_REF    16    /* the reference bit */

struct clockpro {
	uint32_t      c, nghost;
	uint32_t      head, hand_hot, hand_cold, hand_test;
	int64_t       free_mem, num_hot, num_nonres, clock_size;
	int64_t       min_cold, max_cold, credits;
	bool          adaptive, evicted;
	uint32_t      chosen, last, free_ghost;
	struct pghost  ghosts;     /* the non-resident nodes by key */
	struct plink *link;     /* c + nghost */
	uint8_t      *f;
	uint64_t     *owner, *index;
};

#define NEXT(p, n) ((p)->link[n].next)
#define PREV(p, n) ((p)->link[n].prev)

/* ---- the circle (the authors' insert_to_clock_head, remove_from_clock) -- */

static void cp_insert_head(struct clockpro *p, uint32_t n)
{
	if (p->head == CP_NIL) {
		p->link[n].next = p->link[n].prev = n;
		p->hand_hot = p->hand_test = n;
	} else {
		plist_insert_before(p->link, p->head, n);
	}
	p->head = n;
	p->f[n] |= CP_CLOCK;
	p->clock_size++;
}

static void cp_cold_advance(struct clockpro *p);

/*
 * Hands on node @n move on (the head back one), before @n leaves the
 * circle.  The authors' simulator never removes a node a hand is on (it
 * asserts so); only tiny clocks (c < 5, which it refuses) and frees do.
 */
static void cp_unhand(struct clockpro *p, uint32_t n)
{
	uint32_t to = p->clock_size > 1 ? PREV(p, n) : CP_NIL;

	if (p->hand_hot == n)
		p->hand_hot = to;
	if (p->hand_test == n)
		p->hand_test = to;
	if (p->head == n)
		p->head = p->clock_size > 1 ? NEXT(p, n) : CP_NIL;
	if (p->hand_cold == n) {
		uint8_t f = p->f[n];

		p->hand_cold = to;
		p->f[n] = 0;            /* not a candidate for the cold hand */
		cp_cold_advance(p);
		p->f[n] = f;
	}
}

/* Node @n leaves the circle; "permanent" makes it a page never seen. */
static void cp_remove(struct clockpro *p, uint32_t n, bool permanent)
{
	cp_unhand(p, n);
	plist_unlink(p->link, n);
	p->f[n] &= (uint8_t)~(CP_CLOCK | CP_TEST | CP_REF);
	p->clock_size--;
	if (permanent) {
		p->f[n] = (uint8_t)((p->f[n] & ~CP_RES) | CP_COLD);
		if (n >= p->c) {                /* a non-resident node: free it */
			pghost_delete(&p->ghosts, n);
			p->f[n] = 0;
			p->link[n].next = p->free_ghost;
			p->free_ghost = n;
		}
	}
}

/* Node @to takes @from's place on the circle and in every hand. */
static void cp_replace(struct clockpro *p, uint32_t from, uint32_t to)
{
	if (p->link[from].next == from) {
		p->link[to].next = p->link[to].prev = to;
	} else {
		plist_insert_before(p->link, from, to);
		plist_unlink(p->link, from);
	}
	p->link[from].next = p->link[from].prev = CP_NIL;
	if (p->head == from)
		p->head = to;
	if (p->hand_hot == from)
		p->hand_hot = to;
	if (p->hand_cold == from)
		p->hand_cold = to;
	if (p->hand_test == from)
		p->hand_test = to;
}

/* ---- the hands --------------------------------------------------------- */

static void cp_run_hand_test(struct clockpro *p, bool must_move_one_step)
{
	uint32_t t;

	if (must_move_one_step) {
		t = p->hand_test;
		if (p->f[t] & CP_COLD) {
			if (!(p->f[t] & CP_RES) && p->adaptive)
				p->credits--;
			p->f[t] &= (uint8_t)~(CP_TEST | CP_REF);
			p->hand_test = PREV(p, t);
			if (!(p->f[t] & CP_RES)) {
				cp_remove(p, t, true);
				p->num_nonres--;
			}
		} else {
			p->hand_test = PREV(p, t);
		}
	}
	if (p->num_nonres > p->c) {
		while (p->f[p->hand_test] & CP_RES) {
			if (p->f[p->hand_test] & CP_COLD)
				p->f[p->hand_test] &= (uint8_t)~(CP_TEST | CP_REF);
			p->hand_test = PREV(p, p->hand_test);
		}
		if (p->adaptive)
			p->credits--;
		t = p->hand_test;
		p->hand_test = PREV(p, t);
		cp_remove(p, t, true);
		p->num_nonres--;
	}
}

/*
 * Turn hand_hot until it has demoted a hot page or met @cold_ptr: 2 if it
 * met it and demoted, 1 if it met it only, 0 if it demoted only.  (After
 * frees, hand_test may end @cold_ptr's test before hand_hot meets it; with
 * no hot page left to demote, that counts as meeting it.)
 */
static int cp_run_hand_hot(struct clockpro *p, uint32_t cold_ptr)
{
	bool is_done = false, is_matched = false, is_demote = false;

	while (p->hand_hot != CP_NIL &&
	       (!is_done || ((p->f[p->hand_hot] & CP_COLD) && p->num_hot > 0))) {
		uint32_t h = p->hand_hot;

		if (!(p->f[h] & CP_COLD)) {
			if (p->f[h] & CP_REF) {
				p->f[h] &= (uint8_t)~CP_REF;
			} else {
				p->f[h] |= CP_COLD;
				p->num_hot--;
				is_done = is_demote = true;
			}
			if (p->hand_test == h)
				p->hand_test = PREV(p, h);
			p->hand_hot = PREV(p, h);
			cp_remove(p, h, false);
			cp_insert_head(p, h);
		} else {
			if (h == cold_ptr)
				is_done = is_matched = true;
			p->hand_hot = PREV(p, h);
		}
		if (NEXT(p, p->hand_hot) == p->hand_test)
			cp_run_hand_test(p, true);
		if (!is_done && p->num_hot == 0 && !(p->f[cold_ptr] & CP_CLOCK))
			is_done = is_matched = true;
	}
	return is_matched ? (is_demote ? 2 : 1) : 0;
}

static void cp_check_adaptive_bound(struct clockpro *p)
{
	int64_t cold = (int64_t)p->c - p->num_hot;

	if (p->credits > 0 && cold >= p->max_cold)
		p->credits = 0;
	if (p->credits < 0 && cold <= p->min_cold)
		p->credits = 0;
}

/*
 * hand_cold on to the next resident cold page, from where it is (the
 * authors' simulator stops at any cold page, and only ever finds resident
 * ones); CP_NIL when there is none.
 */
static void cp_cold_advance(struct clockpro *p)
{
	uint32_t n = p->hand_cold;

	for (int64_t i = 0; n != CP_NIL && i <= p->clock_size; i++, n = PREV(p, n)) {
		if ((p->f[n] & (CP_COLD | CP_RES | CP_CLOCK)) == (CP_COLD | CP_RES | CP_CLOCK)) {
			p->hand_cold = n;
			return;
		}
	}
	p->hand_cold = CP_NIL;
}

/*
 * run_HAND_cold up to the page it would evict: hand_cold then points at a
 * resident cold page that is unreferenced or out of its test.
 */
static void cp_run_hand_cold(struct clockpro *p)
{
	for (;;) {
		uint32_t n = p->hand_cold;
		int is_matched;

		if (!(p->f[n] & CP_REF) || !(p->f[n] & CP_TEST))
			return;
		cp_check_adaptive_bound(p);
		if (p->credits < 0) {
			p->hand_cold = PREV(p, n);
			cp_remove(p, n, false);
			p->f[n] &= (uint8_t)~CP_COLD;
			p->num_hot++;
			cp_insert_head(p, n);
			p->credits++;
		} else if (p->credits > 0) {
			is_matched = cp_run_hand_hot(p, n);
			if (!is_matched) {
				p->hand_cold = PREV(p, n);
				cp_remove(p, n, false);
				p->f[p->hand_cold] |= CP_REF;   /* as the authors' simulator does */
				p->f[n] |= CP_TEST;
				cp_insert_head(p, n);
				p->credits--;
			} else {
				p->f[n] &= (uint8_t)~CP_REF;
				if (is_matched == 2)
					p->credits--;
				continue;
			}
		} else {
			is_matched = cp_run_hand_hot(p, n);
			if (!is_matched || is_matched == 2) {
				p->hand_cold = PREV(p, n);
				cp_remove(p, n, false);
				cp_insert_head(p, n);
				p->f[n] &= (uint8_t)~CP_COLD;
				p->num_hot++;
			}
		}
		cp_cold_advance(p);
		if (p->hand_cold == CP_NIL)
			return;
	}
}

/* The evicting half of run_HAND_cold, for frame @n at hand_cold. */
static void cp_evict(struct clockpro *p, uint32_t n)
{
	p->f[n] &= (uint8_t)~CP_RES;
	p->free_mem++;
	p->hand_cold = PREV(p, n);
	if (p->f[n] & CP_TEST) {
		uint32_t g = pghost_find(&p->ghosts, p->owner[n], p->index[n]);

		if (g != CP_NIL) {      /* an older page of the same key */
			cp_remove(p, g, true);
			p->num_nonres--;
		}
		g = p->free_ghost;
		assert(g != CP_NIL);
		p->free_ghost = p->link[g].next;
		p->owner[g] = p->owner[n];
		p->index[g] = p->index[n];
		p->f[g] = p->f[n];
		pghost_insert(&p->ghosts, g);
		cp_replace(p, n, g);
		p->f[n] = 0;
		p->num_nonres++;
	} else {
		cp_remove(p, n, true);
		p->f[n] = 0;
	}
	cp_cold_advance(p);
	cp_run_hand_test(p, false);
}

/* Frame @n leaves the clock without becoming non-resident (a free). */
static void cp_forget(struct clockpro *p, uint32_t n)
{
	if (!(p->f[n] & CP_COLD))
		p->num_hot--;
	p->free_mem++;
	cp_remove(p, n, true);
	p->f[n] = 0;
}

/* ---- the callbacks ----------------------------------------------------- */

static void cp_release(void *state)
{
	struct clockpro *p = state;

	if (!p)
		return;
	pghost_free(&p->ghosts);
	free(p->link);
	free(p->f);
	free(p->owner);
	free(p->index);
	free(p);
}

static int cp_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "min", "max", "adaptive" };
	uint64_t val[] = { 5, 5, 0 };    /* the authors' clock-pro.h */
	uint64_t nodes = 2 * nframes + 1;
	struct clockpro *p;

	if (policy_parse_params(arg, keys, val, 3) < 0 || val[0] < 1 || val[1] > 99 ||
	    val[0] > val[1] || val[2] > 1)
		return -EINVAL;
	if (nframes >= (CP_NIL - 2) / 2)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->c = (uint32_t)nframes;
	p->nghost = (uint32_t)nframes + 1;
	p->head = p->hand_hot = p->hand_cold = p->hand_test = CP_NIL;
	p->chosen = p->last = CP_NIL;
	p->free_mem = (int64_t)nframes;
	p->adaptive = val[2];
	/* The authors' band: floor(rate * c), at least 2. */
	p->min_cold = (int64_t)((double)val[0] / 100.0 * (double)nframes);
	if (p->min_cold < 2)
		p->min_cold = 2;
	p->max_cold = (int64_t)((double)val[1] / 100.0 * (double)nframes);
	if (p->max_cold < 2)
		p->max_cold = 2;
	p->link = malloc(nodes * sizeof(*p->link));
	p->f = calloc(nodes, 1);
	p->owner = malloc(nodes * sizeof(*p->owner));
	p->index = malloc(nodes * sizeof(*p->index));
	if (!p->link || !p->f || !p->owner || !p->index ||
	    pghost_init(&p->ghosts, p->nghost, p->owner, p->index) < 0) {
		cp_release(p);
		return -ENOMEM;
	}
	for (uint64_t n = 0; n < nodes; n++)
		p->link[n].next = p->link[n].prev = CP_NIL;
	p->free_ghost = p->c;
	for (uint32_t g = p->c; g + 1 < nodes; g++)
		p->link[g].next = g + 1;
	*state = p;
	return 0;
}

/* A miss: place the page of @pg (the authors' run_clock_pro, its miss half). */
static void cp_loaded(void *state, const struct vmfs_page *pg)
{
	struct clockpro *p = state;
	uint32_t n = (uint32_t)pg->pfn, g;
	bool evicted = p->evicted;

	assert(pg->pfn < p->c);
	if (pg->pfn >= p->c)
		return;
	p->chosen = CP_NIL;
	p->evicted = false;
	if (p->f[n] & CP_RES)           /* not told it left: it was freed */
		cp_forget(p, n);
	p->owner[n] = pg->owner;
	p->index[n] = pg->index;
	p->last = n;
	g = pghost_find(&p->ghosts, pg->owner, pg->index);
	if (g == CP_NIL && !evicted && p->free_mem > p->min_cold) {
		p->f[n] = CP_RES;               /* a hot page while filling */
		p->free_mem--;
		p->num_hot++;
		cp_insert_head(p, n);
		return;
	}
	if (g != CP_NIL) {                      /* non-resident, in its test */
		int is_matched = cp_run_hand_hot(p, g);

		if (is_matched != 1) {          /* promoted */
			if (p->f[g] & CP_CLOCK) {       /* always, unless is_matched is 2 */
				if (g == p->hand_test)
					p->hand_test = PREV(p, g);
				cp_remove(p, g, true);
				p->num_nonres--;
			}
			p->f[n] = CP_RES;
			p->free_mem--;
			p->num_hot++;
			if (p->adaptive)
				p->credits++;
			cp_insert_head(p, n);
			return;
		}
		if (p->f[g] & CP_CLOCK) {       /* met but not ended (only after frees) */
			cp_remove(p, g, true);
			p->num_nonres--;
		}
	}
	/* A cold page in its test: new, or out of the clock by now. */
	p->f[n] = CP_RES | CP_COLD;
	p->free_mem--;
	cp_insert_head(p, n);
	p->f[n] |= CP_TEST;
	if (p->hand_cold == CP_NIL)
		p->hand_cold = n;
}

static void cp_accessed(void *state, const struct vmfs_page *pg)
{
	struct clockpro *p = state;
	uint32_t n = (uint32_t)pg->pfn;

	assert(pg->pfn < p->c);
	p->chosen = CP_NIL;
	p->evicted = false;
	if (pg->pfn >= p->c || !(p->f[n] & CP_RES) || n == p->last)
		return;
	p->last = n;
	p->f[n] |= CP_REF;
}

static void cp_removed(void *state, uint64_t pfn)
{
	struct clockpro *p = state;
	uint32_t n = (uint32_t)pfn;

	assert(pfn < p->c);
	if (pfn >= p->c || !(p->f[n] & CP_RES))
		return;
	if (n == p->last)
		p->last = CP_NIL;
	if (n == p->chosen) {
		p->chosen = CP_NIL;
		p->evicted = true;
		if (n == p->hand_cold) {
			cp_evict(p, n);
			return;
		}
	}
	cp_forget(p, n);
}

static int64_t cp_victim(void *state, struct vmfs_reclaim *rc,
			 const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct clockpro *p = state;
	uint32_t n;

	(void)incoming;
	p->chosen = CP_NIL;
	if (p->hand_cold != CP_NIL) {
		cp_run_hand_cold(p);
		if (p->hand_cold != CP_NIL) {
			(*scanned)++;
			if (policy_evictable(rc, p->hand_cold)) {
				p->chosen = p->hand_cold;
				return p->chosen;
			}
		}
	}
	/* Refused, or no cold page: the first evictable resident page, cold first. */
	for (int pass = 0; pass < 2 && p->head != CP_NIL; pass++) {
		uint32_t from = p->hand_cold != CP_NIL ? p->hand_cold : p->head;

		n = from;
		do {
			if ((p->f[n] & CP_RES) && (pass || (p->f[n] & CP_COLD))) {
				(*scanned)++;
				if (n != p->hand_cold && policy_evictable(rc, n)) {
					p->chosen = n;
					return n;
				}
			}
			n = PREV(p, n);
		} while (n != from);
	}
	return -1;
}

/*
 * MADV_COLD: the page becomes cold, unreferenced (madvise clears the
 * entries' bits) and out of its test period: a hot page is demoted as
 * HAND_hot demotes one (cold, to the clock's head), a cold page's test ends
 * in its place as HAND_test ends it.  HAND_cold evicts it when it reaches
 * it, without a promotion and without keeping it as a non-resident page.
 */
void policy_clockpro_deactivate(void *state, uint64_t pfn)
{
	struct clockpro *p = state;
	uint32_t n = (uint32_t)pfn;

	if (pfn >= p->c || !(p->f[n] & CP_RES) || !(p->f[n] & CP_CLOCK))
		return;
	p->chosen = CP_NIL;
	p->last = CP_NIL;           /* the next access sets the bit again */
	if (!(p->f[n] & CP_COLD)) {
		p->f[n] |= CP_COLD;
		p->num_hot--;
		cp_remove(p, n, false);
		cp_insert_head(p, n);
	}
	p->f[n] &= (uint8_t)~(CP_TEST | CP_REF);
}

const struct vmfs_policy_ops policy_clockpro_ops = {
	.name     = "clockpro",
	.init     = cp_init,
	.release  = cp_release,
	.loaded   = cp_loaded,
	.accessed = cp_accessed,
	.removed  = cp_removed,
	.victim   = cp_victim,
};
