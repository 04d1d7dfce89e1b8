/*
 * test_policy.c - unit tests of the built-in replacement policies:
 * src/policy_fifo.c, policy_lru.c, policy_clock.c, policy_arc.c and the
 * name lookup of policy.c.
 *
 * No engine: a tiny simulator in this file drives the ops tables the way
 * the fault path does.  Frames are the cache; a reference to page x calls
 * accessed() if x is resident, and otherwise takes a free frame (or asks
 * victim(incoming = x) for one and calls removed() on it), calls loaded()
 * and then accessed().  The policy files are included, so the tests reach
 * their state (ARC's lists), and the two calls a policy makes into the
 * engine, reclaim_evictable and reclaim_referenced, are renamed to this
 * file's fakes, which answer from a fake struct vmfs_reclaim: a pinned
 * (unevictable) flag and a page-table accessed bit per frame.  Most tests
 * pass rc = NULL, which the policies must take as "all evictable, nothing
 * referenced".
 *
 * Covered: the classic reference strings (FIFO 15/10 and LRU 12/8 faults
 * at 3/4 frames on 7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1; FIFO 9/10 on
 * 1,2,3,4,1,2,5,1,2,3,4,5, Belady's anomaly); FIFO and LRU victim for
 * victim against a timestamp model; CLOCK victim for victim, pages scanned
 * and page-table bits cleared against a brute-force transcription of
 * SPEC's rule (with frees, pinned frames and accessed bits set behind the
 * policy's back); ARC hit for hit, victim for victim, p and list sizes
 * against a direct transcription of Megiddo & Modha's pseudo-code, on
 * random traces of five locality patterns, three lengths and seven cache
 * sizes; ARC's ghost lists (an evicted page comes back into T2 and moves
 * p, a freed one is no ghost); unevictable frames skipped by every policy;
 * and a random contract test: whatever happens (frees, reclaim without an
 * incoming page, refused victims, pins), victim() returns a resident,
 * evictable frame, and -1 only when there is none.  LIRS (policy_lirs.c):
 * its parameters, and hit for hit, victim for victim, |S| and LIR count
 * against a plain-array transcription of the paper on the same traces
 * (three parameter sets), its scan resistance and the contract test with
 * its whole state checked.  CLOCK-Pro (policy_clockpro.c): parameters,
 * scan resistance, the contract test with its whole state checked (its
 * misses are checked against the authors' simulator in tests/replay).  A
 * failure prints the seed, pattern and step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/*
 * The policies' two calls into the engine are answered by this file.  The
 * policy files are compiled here, so their copies of the ops tables are the
 * ones linked; policy_builtin() comes from the engine library and finds them.
 */
#define reclaim_evictable  fake_page_evictable
#define reclaim_referenced fake_page_referenced

#include "../../src/policy_fifo.c"
#include "../../src/policy_lru.c"
#include "../../src/policy_clock.c"
#include "../../src/policy_arc.c"
#include "../../src/policy_2q.c"
#include "../../src/policy_car.c"
#include "../../src/policy_random.c"
#include "../../src/policy_s3fifo.c"
#include "../../src/policy_sieve.c"
#include "../../src/policy_wsclock.c"
#include "../../src/policy_clockpro.c"
#include "../../src/policy_lirs.c"
#include "../../src/policy_mglru.c"

#define NPOLICIES 4
static const struct vmfs_policy_ops *const all_ops[NPOLICIES] = {
	&policy_fifo_ops, &policy_lru_ops, &policy_clock_ops, &policy_arc_ops,
};

/* What a failure prints first: the seed and step that replay it. */
static char where_msg[160];

#define CHECK(cond, ...) do {                                              \
		if (!(cond)) {                                             \
			print_error("%s: ", where_msg);                    \
			print_error(__VA_ARGS__);                          \
			print_error("\n");                                 \
			fail();                                            \
		}                                                          \
	} while (0)

/* xorshift64*: deterministic, so a seed replays exactly. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* ---- the fake engine side ---------------------------------------------- */

struct vmfs_reclaim {
	uint64_t  nframes;
	uint8_t  *pinned;   /* by pfn: not evictable now */
	uint8_t  *young;    /* by pfn: some page-table entry has A set */
	bool      sticky;   /* referenced() never clears (to test the guard) */
	uint64_t  asked;    /* referenced() calls */
};

int fake_page_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	assert_non_null(rc);          /* the policies handle NULL themselves */
	assert_true(pfn < rc->nframes);
	return !rc->pinned[pfn];
}

int fake_page_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear)
{
	int r;

	assert_non_null(rc);
	assert_true(pfn < rc->nframes);
	rc->asked++;
	r = rc->young[pfn];
	if (clear && !rc->sticky)
		rc->young[pfn] = 0;
	return r;
}

static struct vmfs_reclaim *rc_new(uint64_t nframes)
{
	struct vmfs_reclaim *rc = calloc(1, sizeof(*rc));

	assert_non_null(rc);
	rc->nframes = nframes;
	rc->pinned = calloc(nframes, 1);
	rc->young = calloc(nframes, 1);
	assert_non_null(rc->pinned);
	assert_non_null(rc->young);
	return rc;
}

static void rc_free(struct vmfs_reclaim *rc)
{
	if (!rc)
		return;
	free(rc->pinned);
	free(rc->young);
	free(rc);
}

/* The answers a policy gets, for the models (NULL: all evictable, none young). */
static bool model_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	return !rc || fake_page_evictable(rc, pfn);
}

static bool model_referenced(struct vmfs_reclaim *rc, uint64_t pfn)
{
	return rc && fake_page_referenced(rc, pfn, 1);
}

/* ---- models: what the policy must do, written the obvious way ----------- */

/* A model sees the same events as the policy, by frame. */
struct model {
	void    (*loaded)(struct model *m, uint64_t pfn);
	void    (*accessed)(struct model *m, uint64_t pfn);
	void    (*removed)(struct model *m, uint64_t pfn);
	int64_t (*victim)(struct model *m, struct vmfs_reclaim *rc, uint64_t *scanned);
};

/*
 * FIFO and LRU: each frame carries a stamp (load time; for LRU also last
 * access time) and the victim is the evictable frame with the oldest one.
 * The policy looks at every frame older than its victim (all unevictable)
 * and then the victim itself.
 */
struct stamp_model {
	struct model m;
	bool         lru;
	uint64_t     nframes, now;
	uint64_t    *stamp;
	uint8_t     *tracked;
};

static void stamp_loaded(struct model *m, uint64_t pfn)
{
	struct stamp_model *s = (struct stamp_model *)m;

	s->stamp[pfn] = ++s->now;
	s->tracked[pfn] = 1;
}

static void stamp_accessed(struct model *m, uint64_t pfn)
{
	struct stamp_model *s = (struct stamp_model *)m;

	if (s->lru)
		s->stamp[pfn] = ++s->now;
}

static void stamp_removed(struct model *m, uint64_t pfn)
{
	((struct stamp_model *)m)->tracked[pfn] = 0;
}

static int64_t stamp_victim(struct model *m, struct vmfs_reclaim *rc, uint64_t *scanned)
{
	struct stamp_model *s = (struct stamp_model *)m;
	int64_t best = -1;
	uint64_t looked = 0;

	for (uint64_t pfn = 0; pfn < s->nframes; pfn++)
		if (s->tracked[pfn] && model_evictable(rc, pfn) &&
		    (best < 0 || s->stamp[pfn] < s->stamp[best]))
			best = (int64_t)pfn;
	for (uint64_t pfn = 0; pfn < s->nframes; pfn++)
		if (s->tracked[pfn] && (best < 0 || s->stamp[pfn] <= s->stamp[best]))
			looked++;
	*scanned += looked;
	return best;
}

static struct stamp_model *stamp_model_new(uint64_t nframes, bool lru)
{
	struct stamp_model *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->m = (struct model){ stamp_loaded, stamp_accessed, stamp_removed, stamp_victim };
	s->lru = lru;
	s->nframes = nframes;
	s->stamp = calloc(nframes, sizeof(*s->stamp));
	s->tracked = calloc(nframes, 1);
	assert_non_null(s->stamp);
	assert_non_null(s->tracked);
	return s;
}

static void stamp_model_free(struct stamp_model *s)
{
	free(s->stamp);
	free(s->tracked);
	free(s);
}

/*
 * SPEC §1's clock, literally: the pages in an array in load order, a hand
 * index, a bit per page set on load and on access.  A new page is put just
 * before the hand; the sweep passes unevictable pages, clears and passes
 * referenced ones (own bit or page-table bit), stops at the first other,
 * and gives up after two full turns.
 */
struct ring_model {
	struct model m;
	uint64_t    *ring;
	uint64_t     n, hand;
	uint8_t     *ref;
};

static void ring_loaded(struct model *m, uint64_t pfn)
{
	struct ring_model *r = (struct ring_model *)m;

	memmove(r->ring + r->hand + 1, r->ring + r->hand, (r->n - r->hand) * sizeof(*r->ring));
	r->ring[r->hand] = pfn;
	r->n++;
	r->hand = (r->hand + 1) % r->n;
	r->ref[pfn] = 1;
}

static void ring_accessed(struct model *m, uint64_t pfn)
{
	((struct ring_model *)m)->ref[pfn] = 1;
}

static void ring_removed(struct model *m, uint64_t pfn)
{
	struct ring_model *r = (struct ring_model *)m;
	uint64_t i = 0;

	while (r->ring[i] != pfn)
		i++;
	memmove(r->ring + i, r->ring + i + 1, (r->n - i - 1) * sizeof(*r->ring));
	r->n--;
	if (i < r->hand)
		r->hand--;
	if (r->hand >= r->n)
		r->hand = 0;
	r->ref[pfn] = 0;
}

static int64_t ring_victim(struct model *m, struct vmfs_reclaim *rc, uint64_t *scanned)
{
	struct ring_model *r = (struct ring_model *)m;

	for (uint64_t step = 0; step < 2 * r->n; step++) {
		uint64_t pfn = r->ring[r->hand];

		(*scanned)++;
		if (model_evictable(rc, pfn)) {
			bool young = model_referenced(rc, pfn);

			if (!r->ref[pfn] && !young)
				return (int64_t)pfn;
			r->ref[pfn] = 0;
		}
		r->hand = (r->hand + 1) % r->n;
	}
	return -1;
}

static struct ring_model *ring_model_new(uint64_t nframes)
{
	struct ring_model *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->m = (struct model){ ring_loaded, ring_accessed, ring_removed, ring_victim };
	r->ring = calloc(nframes + 1, sizeof(*r->ring));
	r->ref = calloc(nframes, 1);
	assert_non_null(r->ring);
	assert_non_null(r->ref);
	return r;
}

static void ring_model_free(struct ring_model *r)
{
	free(r->ring);
	free(r->ref);
	free(r);
}

/*
 * ARC as Fig. 4 of Megiddo & Modha (FAST 2003) writes it, keyed by page
 * number, with p a real number and the deltas real quotients: four arrays,
 * LRU first.  request() returns the page that left the cache, or -1.
 */
struct arc_ref {
	uint64_t  c;
	double    p;
	uint64_t *l[4];   /* T1, T2, B1, B2 */
	uint64_t  n[4];
};

static int64_t ar_find(const struct arc_ref *r, int l, uint64_t x)
{
	for (uint64_t i = 0; i < r->n[l]; i++)
		if (r->l[l][i] == x)
			return (int64_t)i;
	return -1;
}

static void ar_remove(struct arc_ref *r, int l, uint64_t x)
{
	int64_t i = ar_find(r, l, x);

	assert_true(i >= 0);
	memmove(r->l[l] + i, r->l[l] + i + 1, (r->n[l] - (uint64_t)i - 1) * sizeof(uint64_t));
	r->n[l]--;
}

static void ar_push_mru(struct arc_ref *r, int l, uint64_t x)
{
	r->l[l][r->n[l]++] = x;
}

static uint64_t ar_pop_lru(struct arc_ref *r, int l)
{
	uint64_t x;

	assert_true(r->n[l] > 0);
	x = r->l[l][0];
	ar_remove(r, l, x);
	return x;
}

static int64_t ar_replace(struct arc_ref *r, bool x_in_b2)
{
	uint64_t y;

	if (r->n[T1] >= 1 && (r->n[T1] > r->p || (x_in_b2 && r->n[T1] == r->p))) {
		y = ar_pop_lru(r, T1);
		ar_push_mru(r, B1, y);
	} else {
		y = ar_pop_lru(r, T2);
		ar_push_mru(r, B2, y);
	}
	return (int64_t)y;
}

static int64_t ar_request(struct arc_ref *r, uint64_t x, bool *hit)
{
	int64_t out = -1;
	uint64_t total;

	*hit = false;
	if (ar_find(r, T1, x) >= 0 || ar_find(r, T2, x) >= 0) {          /* I */
		*hit = true;
		ar_remove(r, ar_find(r, T1, x) >= 0 ? T1 : T2, x);
		ar_push_mru(r, T2, x);
		return -1;
	}
	if (ar_find(r, B1, x) >= 0) {                                     /* II */
		double d = r->n[B1] >= r->n[B2] ? 1.0 : (double)r->n[B2] / (double)r->n[B1];

		r->p = r->p + d < (double)r->c ? r->p + d : (double)r->c;
		out = ar_replace(r, false);
		ar_remove(r, B1, x);
		ar_push_mru(r, T2, x);
		return out;
	}
	if (ar_find(r, B2, x) >= 0) {                                     /* III */
		double d = r->n[B2] >= r->n[B1] ? 1.0 : (double)r->n[B1] / (double)r->n[B2];

		r->p = r->p > d ? r->p - d : 0.0;
		out = ar_replace(r, true);
		ar_remove(r, B2, x);
		ar_push_mru(r, T2, x);
		return out;
	}
	if (r->n[T1] + r->n[B1] == r->c) {                                /* IV A */
		if (r->n[T1] < r->c) {
			ar_pop_lru(r, B1);
			out = ar_replace(r, false);
		} else {
			out = (int64_t)ar_pop_lru(r, T1);
		}
	} else {                                                          /* IV B */
		total = r->n[T1] + r->n[T2] + r->n[B1] + r->n[B2];
		if (total >= r->c) {
			if (total == 2 * r->c)
				ar_pop_lru(r, B2);
			out = ar_replace(r, false);
		}
	}
	ar_push_mru(r, T1, x);
	return out;
}

static void ar_init(struct arc_ref *r, uint64_t c)
{
	memset(r, 0, sizeof(*r));
	r->c = c;
	for (int l = 0; l < 4; l++) {
		r->l[l] = calloc(2 * c + 2, sizeof(uint64_t));
		assert_non_null(r->l[l]);
	}
}

static void ar_free(struct arc_ref *r)
{
	for (int l = 0; l < 4; l++)
		free(r->l[l]);
}

/* ---- the simulator ----------------------------------------------------- */

struct sim {
	const struct vmfs_policy_ops *ops;
	void                *st;
	uint64_t             nframes, npages;
	int64_t             *frame_page;   /* page in each frame, or -1 */
	int64_t             *page_frame;   /* frame of each page, or -1 */
	uint64_t             resident;
	struct vmfs_reclaim *rc;           /* NULL: all evictable */
	struct model        *model;        /* NULL, or checked at every victim */
	uint64_t             rng;          /* 0: lowest free frame first; else random */
	uint64_t             faults, scanned;
};

/* A page's identity: several owners, so that ARC's key is really a pair. */
static struct vmfs_page page_desc(uint64_t page, uint64_t pfn)
{
	return (struct vmfs_page){ .pfn = pfn, .owner = 0x1000 + page % 3,
				   .index = page / 3, .anon = (int)(page & 1) };
}

static void sim_init(struct sim *s, const struct vmfs_policy_ops *ops, uint64_t nframes,
		     uint64_t npages, struct vmfs_reclaim *rc, struct model *model)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->nframes = nframes;
	s->npages = npages;
	s->rc = rc;
	s->model = model;
	s->frame_page = malloc(nframes * sizeof(int64_t));
	s->page_frame = malloc(npages * sizeof(int64_t));
	assert_non_null(s->frame_page);
	assert_non_null(s->page_frame);
	memset(s->frame_page, 0xff, nframes * sizeof(int64_t));
	memset(s->page_frame, 0xff, npages * sizeof(int64_t));
	assert_int_equal(ops->init(&s->st, nframes, NULL), 0);
}

static void sim_done(struct sim *s)
{
	s->ops->release(s->st);
	free(s->frame_page);
	free(s->page_frame);
}

static void sim_load(struct sim *s, uint64_t page, uint64_t pfn)
{
	/* loaded() of a built-in policy gets a struct policy_page (policy.h) */
	struct policy_page ppg = { .pg = page_desc(page, pfn), .swapbacked = page_desc(page, pfn).anon };

	assert_true(s->frame_page[pfn] < 0 && s->page_frame[page] < 0);
	s->frame_page[pfn] = (int64_t)page;
	s->page_frame[page] = (int64_t)pfn;
	s->resident++;
	s->ops->loaded(s->st, &ppg.pg);
	if (s->model)
		s->model->loaded(s->model, pfn);
}

static void sim_access(struct sim *s, uint64_t pfn)
{
	struct vmfs_page pg = page_desc((uint64_t)s->frame_page[pfn], pfn);

	if (s->rc)
		s->rc->young[pfn] = 1;   /* the walk sets A, as the MMU would */
	s->ops->accessed(s->st, &pg);
	if (s->model)
		s->model->accessed(s->model, pfn);
}

static void sim_remove(struct sim *s, uint64_t pfn)
{
	int64_t page = s->frame_page[pfn];

	assert_true(page >= 0);
	s->ops->removed(s->st, pfn);
	if (s->model)
		s->model->removed(s->model, pfn);
	s->frame_page[pfn] = -1;
	s->page_frame[page] = -1;
	s->resident--;
}

static bool sim_evictable(const struct sim *s, uint64_t pfn)
{
	return !s->rc || !s->rc->pinned[pfn];
}

/*
 * Ask for a victim as the engine does and hold the answer to the contract:
 * a resident, evictable frame, or -1 only when there is none.  With a
 * model, the model answers first from a copy of the accessed bits; the
 * victim, the count of pages scanned and the bits left must all agree.
 */
static int64_t sim_victim(struct sim *s, const struct vmfs_page *incoming)
{
	uint64_t sc = 0, msc = 0;
	int64_t v, mv = -1;
	uint8_t *young_before = NULL, *young_model = NULL;

	if (s->model) {
		if (s->rc) {
			young_before = malloc(s->nframes);
			young_model = malloc(s->nframes);
			assert_non_null(young_before);
			assert_non_null(young_model);
			memcpy(young_before, s->rc->young, s->nframes);
		}
		mv = s->model->victim(s->model, s->rc, &msc);
		if (s->rc) {
			memcpy(young_model, s->rc->young, s->nframes);
			memcpy(s->rc->young, young_before, s->nframes);
		}
	}
	v = s->ops->victim(s->st, s->rc, incoming, &sc);
	s->scanned += sc;
	if (v < 0) {
		CHECK(v == -1, "%s: victim returned %lld", s->ops->name, (long long)v);
		for (uint64_t pfn = 0; pfn < s->nframes; pfn++)
			CHECK(s->frame_page[pfn] < 0 || !sim_evictable(s, pfn),
			      "%s found no victim, but frame %llu is resident and evictable",
			      s->ops->name, (unsigned long long)pfn);
	} else {
		CHECK((uint64_t)v < s->nframes && s->frame_page[v] >= 0,
		      "%s chose frame %lld, which holds no page", s->ops->name, (long long)v);
		CHECK(sim_evictable(s, (uint64_t)v), "%s chose frame %lld, which is pinned",
		      s->ops->name, (long long)v);
		CHECK(sc >= 1, "%s chose a victim without scanning", s->ops->name);
	}
	if (s->model) {
		CHECK(v == mv, "%s chose frame %lld, the model %lld", s->ops->name,
		      (long long)v, (long long)mv);
		CHECK(sc == msc, "%s scanned %llu, the model %llu", s->ops->name,
		      (unsigned long long)sc, (unsigned long long)msc);
		if (s->rc)
			CHECK(memcmp(young_model, s->rc->young, s->nframes) == 0,
			      "%s left other accessed bits than the model", s->ops->name);
	}
	free(young_before);
	free(young_model);
	return v;
}

static int64_t sim_free_frame(struct sim *s)
{
	uint64_t start = s->rng ? rnd(&s->rng) % s->nframes : 0;

	if (s->resident == s->nframes)
		return -1;
	for (uint64_t i = 0; i < s->nframes; i++) {
		uint64_t pfn = (start + i) % s->nframes;

		if (s->frame_page[pfn] < 0)
			return (int64_t)pfn;
	}
	return -1;
}

/*
 * One reference to @page, as the fault path makes it.  *hit says whether
 * it was resident; returns the page evicted for it, or -1.  Returns -2 when
 * nothing could be evicted (only possible with pinned frames).
 */
static int64_t sim_ref(struct sim *s, uint64_t page, bool *hit)
{
	int64_t pfn = s->page_frame[page], out = -1;

	*hit = pfn >= 0;
	if (pfn < 0) {
		s->faults++;
		pfn = sim_free_frame(s);
		if (pfn < 0) {
			struct vmfs_page in = page_desc(page, 0);

			pfn = sim_victim(s, &in);
			if (pfn < 0)
				return -2;
			out = s->frame_page[pfn];
			sim_remove(s, (uint64_t)pfn);
		}
		sim_load(s, page, (uint64_t)pfn);
	}
	sim_access(s, (uint64_t)pfn);
	return out;
}

static uint64_t run_string(const struct vmfs_policy_ops *ops, uint64_t nframes,
			   const uint64_t *refs, size_t n)
{
	struct sim s;
	uint64_t faults;
	bool hit;

	sim_init(&s, ops, nframes, 16, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		assert_true(sim_ref(&s, refs[i], &hit) >= -1);
	faults = s.faults;
	sim_done(&s);
	return faults;
}

/* ---- traces ------------------------------------------------------------ */

enum pattern { UNIFORM, SKEWED, LOOP, HOT_AND_SCAN, PHASES, NPATTERNS };
static const char *const pattern_name[NPATTERNS] = {
	"uniform", "skewed", "loop", "hot+scan", "phases",
};

struct trace {
	enum pattern pat;
	uint64_t     c, npages, rng, scan;
};

/* The i-th page of a trace over npages pages made for a cache of c frames. */
static uint64_t trace_next(struct trace *t, uint64_t i)
{
	uint64_t r = rnd(&t->rng), hot = t->c / 2 + 1;
	double u;

	switch (t->pat) {
	case UNIFORM:
		return r % t->npages;
	case SKEWED:
		u = (double)(r >> 11) / (double)(1ull << 53);
		return (uint64_t)(u * u * u * (double)t->npages) % t->npages;
	case LOOP:   /* a little more than fits, round and round */
		return i % (t->c + 1 + t->c / 4);
	case HOT_AND_SCAN:
		if (r % 10 < 7)
			return (r >> 8) % hot;
		return hot + t->scan++ % (t->npages - hot);
	case PHASES: /* a working set of 1.5c that moves every 200 references */
		return ((i / 200) * (t->c / 2 + 1) + (r >> 8) % (t->c + t->c / 2 + 1)) % t->npages;
	default:
		fail();
		return 0;
	}
}

/* ---- tests ------------------------------------------------------------- */

static void test_builtin_lookup(void **state)
{
	static const char *const names[NPOLICIES] = { "fifo", "lru", "clock", "arc" };

	(void)state;
	for (int i = 0; i < NPOLICIES; i++) {
		const struct vmfs_policy_ops *ops = policy_builtin(names[i]);

		assert_ptr_equal(ops, all_ops[i]);
		assert_string_equal(ops->name, names[i]);
		assert_non_null(ops->init);
		assert_non_null(ops->release);
		assert_non_null(ops->loaded);
		assert_non_null(ops->accessed);
		assert_non_null(ops->removed);
		assert_non_null(ops->victim);
	}
	assert_null(policy_builtin(NULL));
	assert_null(policy_builtin(""));
	assert_null(policy_builtin("opt"));
	assert_null(policy_builtin("FIFO"));
	assert_null(policy_builtin("clock "));
	/* NAME:KEY=VALUE:...: the name part finds the policy, the rest is its init's. */
	assert_ptr_equal(policy_builtin("arc:x=1:y=2"), &policy_arc_ops);
	assert_ptr_equal(policy_builtin("lru:"), &policy_lru_ops);
	assert_null(policy_builtin("ar:c"));
	assert_null(policy_builtin(":arc"));
	assert_string_equal(policy_params("arc:x=1:y=2"), "x=1:y=2");
	assert_null(policy_params("arc"));
	assert_null(policy_params(NULL));
	{
		char known[512];
		void *st = NULL;

		/* the table's order; other policies may follow */
		assert_int_equal(strncmp(policy_known(known, sizeof(known)), "fifo, lru, clock, arc",
					 21), 0);
		assert_string_equal(policy_known(known, 8), "fifo, l");
		/* arc has no parameters */
		assert_int_equal(policy_arc_ops.init(&st, 4, (void *)"x=1"), -EINVAL);
		assert_int_equal(policy_arc_ops.init(&st, 4, (void *)""), 0);
		policy_arc_ops.release(st);
	}
}

/* Too many frames to number is EINVAL; no frames is a policy that never finds a victim. */
static void test_init_limits(void **state)
{
	(void)state;
	for (int i = 0; i < NPOLICIES; i++) {
		void *st = NULL;
		uint64_t sc = 0;

		assert_int_equal(all_ops[i]->init(&st, 1ull << 40, NULL), -EINVAL);
		assert_int_equal(all_ops[i]->init(&st, 0, NULL), 0);
		assert_int_equal(all_ops[i]->victim(st, NULL, NULL, &sc), -1);
		assert_int_equal(sc, 0);
		all_ops[i]->release(st);
	}
}

static void test_classic_strings(void **state)
{
	static const uint64_t s1[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1 };
	static const uint64_t s2[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	const size_t n1 = sizeof(s1) / sizeof(s1[0]), n2 = sizeof(s2) / sizeof(s2[0]);

	(void)state;
	assert_int_equal(run_string(&policy_fifo_ops, 3, s1, n1), 15);
	assert_int_equal(run_string(&policy_fifo_ops, 4, s1, n1), 10);
	assert_int_equal(run_string(&policy_lru_ops, 3, s1, n1), 12);
	assert_int_equal(run_string(&policy_lru_ops, 4, s1, n1), 8);
	/* Belady's anomaly: one more frame, one more fault. */
	assert_int_equal(run_string(&policy_fifo_ops, 3, s2, n2), 9);
	assert_int_equal(run_string(&policy_fifo_ops, 4, s2, n2), 10);
	/* LRU, a stack algorithm, has none. */
	assert_int_equal(run_string(&policy_lru_ops, 3, s2, n2), 10);
	assert_int_equal(run_string(&policy_lru_ops, 4, s2, n2), 8);
}

/*
 * Random traces with everything the engine can do between references:
 * frees, pinned frames, accessed bits set without accessed() (for clock),
 * free frames taken in random order.  The policy must agree with @model
 * at every victim.
 */
static void run_against_model(const struct vmfs_policy_ops *ops, struct model *(*mk)(uint64_t),
			      void (*rm)(struct model *), uint64_t seed)
{
	static const uint64_t sizes[] = { 1, 2, 3, 5, 16, 40 };

	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint64_t c = sizes[si], npages = 3 * c + 4, rng = seed * 7919 + c;
		struct vmfs_reclaim *rc = rnd(&rng) & 1 ? rc_new(c) : NULL;
		struct model *m = mk(c);
		struct sim s;
		bool hit;

		sim_init(&s, ops, c, npages, rc, m);
		s.rng = rnd(&rng) | 1;
		for (uint64_t step = 0; step < 3000; step++) {
			uint64_t r = rnd(&rng) % 100;

			snprintf(where_msg, sizeof(where_msg), "%s seed %llu frames %llu step %llu",
				 ops->name, (unsigned long long)seed, (unsigned long long)c,
				 (unsigned long long)step);
			if (rc) {   /* a few frames pinned by the access in progress */
				for (uint64_t pfn = 0; pfn < c; pfn++)
					rc->pinned[pfn] = rnd(&rng) % 100 < 15;
				if (r < 10)
					rc->young[rnd(&rng) % c] = 1;
			}
			if (r < 5 && s.resident) {          /* a page freed */
				uint64_t pfn = rnd(&rng) % c;

				if (s.frame_page[pfn] >= 0)
					sim_remove(&s, pfn);
			} else if (r < 8 && s.resident) {   /* reclaim asked for */
				int64_t v = sim_victim(&s, NULL);

				if (v >= 0)
					sim_remove(&s, (uint64_t)v);
			} else {
				uint64_t page = r < 60 ? rnd(&rng) % (c + 2) : rnd(&rng) % npages;

				sim_ref(&s, page, &hit);
			}
		}
		sim_done(&s);
		rm(m);
		rc_free(rc);
	}
}

static struct model *mk_fifo(uint64_t c) { return &stamp_model_new(c, false)->m; }
static struct model *mk_lru(uint64_t c) { return &stamp_model_new(c, true)->m; }
static void rm_stamp(struct model *m) { stamp_model_free((struct stamp_model *)m); }
static struct model *mk_ring(uint64_t c) { return &ring_model_new(c)->m; }
static void rm_ring(struct model *m) { ring_model_free((struct ring_model *)m); }

static void test_fifo_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		run_against_model(&policy_fifo_ops, mk_fifo, rm_stamp, seed);
}

static void test_lru_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		run_against_model(&policy_lru_ops, mk_lru, rm_stamp, seed);
}

static void test_clock_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		run_against_model(&policy_clock_ops, mk_ring, rm_ring, seed);
}

/* The sizes and lengths the trace tests run, for each locality pattern. */
static const uint64_t trace_sizes[] = { 1, 2, 3, 4, 7, 16, 50 };
static const uint64_t trace_lengths[] = { 50, 500, 5000 };
#define NSIZES   (sizeof(trace_sizes) / sizeof(trace_sizes[0]))
#define NLENGTHS (sizeof(trace_lengths) / sizeof(trace_lengths[0]))

/* Run @trace_fn on every pattern, size and length, each with its own seed. */
static void every_trace(void (*trace_fn)(enum pattern pat, uint64_t c, uint64_t len,
					 uint64_t seed))
{
	for (int pat = 0; pat < NPATTERNS; pat++)
		for (size_t si = 0; si < NSIZES; si++)
			for (size_t li = 0; li < NLENGTHS; li++)
				trace_fn((enum pattern)pat, trace_sizes[si], trace_lengths[li],
					 1 + pat * 1000 + trace_sizes[si] * 10 + li);
}

/* Clock on a plain trace (no frees, no pins), checked against SPEC's rule. */
static void clock_trace(enum pattern pat, uint64_t c, uint64_t len, uint64_t seed)
{
	struct trace t = { pat, c, 4 * c + 8, seed, 0 };
	struct ring_model *m = ring_model_new(c);
	struct sim s;
	bool hit;

	sim_init(&s, &policy_clock_ops, c, t.npages, NULL, &m->m);
	for (uint64_t i = 0; i < len; i++) {
		snprintf(where_msg, sizeof(where_msg), "clock %s seed %llu frames %llu step %llu",
			 pattern_name[pat], (unsigned long long)seed, (unsigned long long)c,
			 (unsigned long long)i);
		sim_ref(&s, trace_next(&t, i), &hit);
	}
	sim_done(&s);
	ring_model_free(m);
}

static void test_clock_traces(void **state)
{
	(void)state;
	every_trace(clock_trace);
}

/*
 * The worked example of policy_clock.c: a full turn clears every bit and
 * evicts the oldest page; the new page takes its slot, the hand rests past
 * it, and the next sweep starts with the page loaded after the victim.
 */
static void test_clock_second_chance(void **state)
{
	struct sim s;
	struct clock *c;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "clock example");
	sim_init(&s, &policy_clock_ops, 3, 8, NULL, NULL);
	c = s.st;
	sim_ref(&s, 1, &hit);          /* frame 0 */
	sim_ref(&s, 2, &hit);          /* frame 1 */
	sim_ref(&s, 3, &hit);          /* frame 2 */
	assert_int_equal(c->hand, 0);
	assert_int_equal(sim_ref(&s, 4, &hit), 1);   /* all set: a full turn, then 1 */
	assert_int_equal(s.scanned, 4);
	assert_int_equal(s.page_frame[4], 0);
	assert_int_equal(c->hand, 1);  /* just past 4: page 2 */
	sim_ref(&s, 2, &hit);          /* 2 is used again: spared */
	assert_true(hit);
	assert_int_equal(sim_ref(&s, 5, &hit), 3);
	assert_int_equal(s.scanned, 4 + 2);
	assert_int_equal(c->hand, 0);  /* past 5 (in 3's frame): page 4 */
	/* 4 came in with its bit set: spared; 2's was cleared by the last sweep. */
	assert_int_equal(sim_ref(&s, 6, &hit), 2);
	sim_done(&s);
}

/*
 * A page-table accessed bit spares a page as its own bit does; the sweep
 * asks about every page it tests and clears the bits it was told of.
 */
static void test_clock_pte_bits(void **state)
{
	struct vmfs_reclaim *rc = rc_new(2);
	struct sim s;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "clock pte bits");
	sim_init(&s, &policy_clock_ops, 2, 8, rc, NULL);
	sim_ref(&s, 1, &hit);                     /* frame 0 */
	sim_ref(&s, 2, &hit);                     /* frame 1 */
	memset(rc->young, 0, 2);
	assert_int_equal(sim_ref(&s, 3, &hit), 1);   /* a full turn clears both, 1 goes */
	/* Circle from the hand: 2 (bit clear), 3 (bit set). */
	rc->young[0] = 0;
	rc->young[1] = 1;                         /* page 2 used behind clock's back */
	rc->asked = 0;
	s.scanned = 0;
	assert_int_equal(sim_victim(&s, NULL), 1);  /* 2 spared, 3 spared, then 2 */
	assert_int_equal(s.scanned, 3);
	assert_int_equal(rc->asked, 3);
	assert_int_equal(rc->young[1], 0);        /* the spared page's bit is cleared */
	sim_done(&s);

	/* Without the entry's bit, 2 goes at once. */
	sim_init(&s, &policy_clock_ops, 2, 8, rc, NULL);
	sim_ref(&s, 1, &hit);
	sim_ref(&s, 2, &hit);
	memset(rc->young, 0, 2);
	assert_int_equal(sim_ref(&s, 3, &hit), 1);
	memset(rc->young, 0, 2);
	s.scanned = 0;
	assert_int_equal(sim_victim(&s, NULL), 1);
	assert_int_equal(s.scanned, 1);
	sim_done(&s);
	rc_free(rc);
}

/* Two full turns with no evictable page: -1 after looking at each page twice. */
static void test_clock_gives_up(void **state)
{
	struct vmfs_reclaim *rc = rc_new(3);
	struct sim s;
	uint64_t sc = 0;
	bool hit;

	(void)state;
	sim_init(&s, &policy_clock_ops, 3, 8, rc, NULL);
	for (uint64_t p = 0; p < 3; p++)
		sim_ref(&s, p, &hit);
	/* A broken engine whose bits never clear: no page is ever unreferenced. */
	rc->sticky = true;
	assert_int_equal(s.ops->victim(s.st, rc, NULL, &sc), -1);
	assert_int_equal(sc, 6);
	/* All pinned: the same. */
	rc->sticky = false;
	memset(rc->pinned, 1, 3);
	sc = 0;
	assert_int_equal(s.ops->victim(s.st, rc, NULL, &sc), -1);
	assert_int_equal(sc, 6);
	sim_done(&s);
	rc_free(rc);
}

/* Internal consistency of ARC's state: lists, sizes, bounds, the ghost hash. */
static void arc_check(const struct arc *a)
{
	uint32_t count[NLISTS] = { 0 }, ghosts = 0, nfree = 0;

	for (int l = 0; l < NLISTS; l++) {
		uint32_t h = head(a, (enum arc_list)l);

		for (uint32_t n = a->link[h].next; n != h; n = a->link[n].next) {
			CHECK(a->link[a->link[n].next].prev == n, "arc: broken link at %u", n);
			CHECK(a->where[n] == l, "arc: node %u on list %d says %d", n, l, a->where[n]);
			if (l == T1 || l == T2)
				CHECK(n < a->c, "arc: ghost node %u in T%d", n, l + 1);
			else
				CHECK(n >= a->c && n < 3 * a->c, "arc: frame %u in B%d", n, l - 1);
			count[l]++;
		}
		CHECK(count[l] == a->size[l], "arc: list %d has %u nodes, size says %u",
		      l, count[l], a->size[l]);
	}
	CHECK(a->size[T1] + a->size[T2] <= a->c, "arc: more pages than frames");
	CHECK(a->size[T1] + a->size[B1] <= a->c, "arc: |T1|+|B1| = %u > c = %u",
	      a->size[T1] + a->size[B1], a->c);
	CHECK(a->size[T1] + a->size[T2] + a->size[B1] + a->size[B2] <= 2 * a->c,
	      "arc: directory larger than 2c");
	CHECK(a->p >= 0.0 && a->p <= a->c, "arc: p = %g outside [0, c]", a->p);
	for (uint64_t i = 0; i <= a->dir.mask; i++) {
		uint32_t g = a->dir.slot[i];

		if (g == PLIST_NIL)
			continue;
		ghosts++;
		CHECK(a->where[g] == B1 || a->where[g] == B2, "arc: hash holds non-ghost %u", g);
		CHECK(ghost_find(a, a->owner[g], a->index[g]) == g, "arc: ghost %u unreachable", g);
	}
	CHECK(ghosts == a->size[B1] + a->size[B2], "arc: hash holds %u ghosts, lists %u",
	      ghosts, a->size[B1] + a->size[B2]);
	for (uint32_t g = a->free_ghost; g != PLIST_NIL; g = a->link[g].next) {
		CHECK(a->where[g] == NOWHERE, "arc: free ghost %u is on a list", g);
		nfree++;
	}
	CHECK(nfree + ghosts == 2 * a->c, "arc: %u free + %u ghosts != 2c", nfree, ghosts);
}

/*
 * ARC against the paper's pseudo-code on one trace: hit for hit, evicted
 * page for evicted page, and p and the four list sizes after every
 * reference; the fault counts are then equal too.
 */
static void arc_trace(enum pattern pat, uint64_t c, uint64_t len, uint64_t seed)
{
	struct trace t = { pat, c, 4 * c + 8, seed, 0 };
	uint64_t paper_faults = 0;
	struct arc_ref r;
	struct sim s;
	struct arc *a;

	ar_init(&r, c);
	sim_init(&s, &policy_arc_ops, c, t.npages, NULL, NULL);
	a = s.st;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t x = trace_next(&t, i);
		bool hit, want_hit;
		int64_t want = ar_request(&r, x, &want_hit), got;

		snprintf(where_msg, sizeof(where_msg), "arc %s seed %llu c %llu step %llu page %llu",
			 pattern_name[pat], (unsigned long long)seed, (unsigned long long)c,
			 (unsigned long long)i, (unsigned long long)x);
		got = sim_ref(&s, x, &hit);
		paper_faults += !want_hit;
		CHECK(hit == want_hit, "hit %d, the paper %d", hit, want_hit);
		CHECK(got == want, "evicted page %lld, the paper %lld", (long long)got, (long long)want);
		CHECK(a->p == r.p, "p = %g, the paper %g", a->p, r.p);
		for (int l = 0; l < NLISTS; l++)
			CHECK(a->size[l] == r.n[l], "list %d: %u, the paper %llu",
			      l, a->size[l], (unsigned long long)r.n[l]);
		if (c <= 16 || i % 97 == 0)
			arc_check(a);
	}
	assert_int_equal(s.faults, paper_faults);
	sim_done(&s);
	ar_free(&r);
}

static void test_arc_paper(void **state)
{
	(void)state;
	every_trace(arc_trace);
}

/*
 * Ghosts, on c = 2 (worked through Fig. 4 by hand): a page evicted from T1
 * comes back into T2 and grows p; one evicted from T2 comes back into T2
 * and shrinks p.  A page freed rather than evicted leaves no ghost.
 */
static void test_arc_ghosts(void **state)
{
	struct sim s;
	struct arc *a;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "arc ghosts");
	sim_init(&s, &policy_arc_ops, 2, 16, NULL, NULL);
	a = s.st;
	sim_ref(&s, 1, &hit);
	assert_int_equal(a->where[s.page_frame[1]], T1);   /* used once: T1 */
	sim_ref(&s, 1, &hit);
	assert_int_equal(a->where[s.page_frame[1]], T2);   /* twice: T2 */
	sim_ref(&s, 2, &hit);                       /* T1 = {2}, T2 = {1} */
	assert_int_equal(sim_ref(&s, 3, &hit), 2);  /* |T1| > p = 0: 2 goes to B1 */
	assert_int_equal(a->where[ghost_find(a, page_desc(2, 0).owner, page_desc(2, 0).index)], B1);
	assert_int_equal(a->size[B1], 1);
	assert_true(a->p == 0.0);
	assert_int_equal(sim_ref(&s, 2, &hit), 1);  /* 2 was a ghost: a miss; p = 1 keeps 3 */
	assert_false(hit);
	assert_int_equal(a->where[s.page_frame[2]], T2);
	assert_true(a->p == 1.0);                  /* T1 was too small */
	assert_int_equal(a->size[B1], 0);
	assert_int_equal(a->size[B2], 1);           /* 1 left T2 */
	arc_check(a);
	assert_int_equal(sim_ref(&s, 1, &hit), 3);  /* back from B2: p = 0, so T1's 3 goes */
	assert_false(hit);
	assert_int_equal(a->where[s.page_frame[1]], T2);
	assert_true(a->p == 0.0);                  /* T2 was too small */
	assert_int_equal(a->size[T2], 2);
	assert_int_equal(a->size[B1], 1);
	arc_check(a);
	sim_done(&s);

	/* A page freed (not evicted) leaves no ghost: it comes back into T1. */
	sim_init(&s, &policy_arc_ops, 2, 16, NULL, NULL);
	a = s.st;
	sim_ref(&s, 1, &hit);
	sim_ref(&s, 2, &hit);
	sim_remove(&s, (uint64_t)s.page_frame[1]);
	assert_int_equal(a->size[B1] + a->size[B2], 0);
	sim_ref(&s, 1, &hit);
	assert_int_equal(a->where[s.page_frame[1]], T1);
	assert_true(a->p == 0.0);
	{
		uint64_t sc = 0;
		int64_t v = s.ops->victim(s.st, NULL, NULL, &sc), other = v ? 0 : 1;

		/* Another frame freed after a victim() is no ghost; the victim is. */
		assert_true(v >= 0);
		sim_remove(&s, (uint64_t)other);
		assert_int_equal(a->size[B1] + a->size[B2], 0);
		sim_remove(&s, (uint64_t)v);
		assert_int_equal(a->size[B1] + a->size[B2], 1);
		arc_check(a);

		/* A victim the engine refused is forgotten once the machine moves on. */
		sim_ref(&s, 5, &hit);
		sim_ref(&s, 6, &hit);                   /* trims the old ghost */
		assert_int_equal(a->size[B1] + a->size[B2], 0);
		v = s.ops->victim(s.st, NULL, NULL, &sc);
		assert_true(v >= 0);
		sim_ref(&s, 5, &hit);                   /* an access: the eviction is off */
		sim_remove(&s, (uint64_t)v);
		assert_int_equal(a->size[B1] + a->size[B2], 0);
	}
	arc_check(a);
	sim_done(&s);
}

/* Pages used once pass through T1; pages used twice survive a scan in T2. */
static void test_arc_scan_resistance(void **state)
{
	struct sim s;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "arc scan");
	sim_init(&s, &policy_arc_ops, 8, 1000, NULL, NULL);
	for (int round = 0; round < 2; round++)
		for (uint64_t p = 0; p < 4; p++)
			sim_ref(&s, p, &hit);               /* hot set, twice: T2 */
	for (uint64_t p = 100; p < 900; p++)
		sim_ref(&s, p, &hit);                       /* a long scan */
	for (uint64_t p = 0; p < 4; p++) {
		sim_ref(&s, p, &hit);
		assert_true(hit);
	}
	arc_check(s.st);
	sim_done(&s);
}

/* Every policy passes over pinned frames without forgetting them. */
static void test_unevictable_skipped(void **state)
{
	(void)state;
	for (int i = 0; i < NPOLICIES; i++) {
		struct vmfs_reclaim *rc = rc_new(4);
		struct sim s;
		int64_t first, second;
		uint64_t sc = 0;
		bool hit;

		snprintf(where_msg, sizeof(where_msg), "%s unevictable", all_ops[i]->name);
		sim_init(&s, all_ops[i], 4, 16, rc, NULL);
		for (uint64_t p = 0; p < 4; p++)
			sim_ref(&s, p, &hit);
		sim_ref(&s, 2, &hit);
		sim_ref(&s, 3, &hit);
		memset(rc->young, 0, 4);
		first = s.ops->victim(s.st, rc, NULL, &sc);
		assert_true(first >= 0);
		/* Pin it: another frame, and the first one is still known. */
		rc->pinned[first] = 1;
		second = sim_victim(&s, NULL);
		assert_true(second >= 0 && second != first);
		/* Pin everything: nothing. */
		memset(rc->pinned, 1, 4);
		assert_int_equal(sim_victim(&s, NULL), -1);
		/* Unpin the first: it can go, so it was not forgotten. */
		memset(rc->pinned, 1, 4);
		rc->pinned[first] = 0;
		assert_int_equal(sim_victim(&s, NULL), first);
		sim_remove(&s, (uint64_t)first);
		memset(rc->pinned, 0, 4);
		sim_done(&s);
		rc_free(rc);
	}
}

/* ARC: when every page of the list REPLACE picks is pinned, it takes the other list's LRU. */
static void test_arc_unevictable_fallback(void **state)
{
	struct vmfs_reclaim *rc = rc_new(4);
	struct sim s;
	struct arc *a;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "arc fallback");
	sim_init(&s, &policy_arc_ops, 4, 16, rc, NULL);
	a = s.st;
	for (uint64_t p = 0; p < 4; p++)
		sim_ref(&s, p, &hit);
	sim_ref(&s, 0, &hit);                       /* 0 into T2; T1 = {1, 2, 3} */
	assert_int_equal(a->size[T1], 3);
	rc->pinned[s.page_frame[1]] = rc->pinned[s.page_frame[2]] = rc->pinned[s.page_frame[3]] = 1;
	assert_int_equal(sim_victim(&s, NULL), s.page_frame[0]);
	rc->pinned[s.page_frame[2]] = 0;
	assert_int_equal(sim_victim(&s, NULL), s.page_frame[2]);
	sim_done(&s);
	rc_free(rc);
}

/* Issue 18's policies' own count of the frames they track (at the end). */
static uint64_t new_policy_tracked(const struct sim *s);
static uint64_t lirs_check(const struct lirs *l, const struct sim *s);
static uint64_t clockpro_check(const struct clockpro *p, const struct sim *s);

/* The policy's own record of what is resident matches the simulator's. */
static void check_tracked(const struct sim *s)
{
	uint64_t seen = 0;

	if (s->ops == &policy_fifo_ops || s->ops == &policy_lru_ops) {
		const struct pqueue *q = s->st;

		for (uint32_t n = q->link[q->nframes].next; n != q->nframes; n = q->link[n].next, seen++)
			CHECK(n < q->nframes && s->frame_page[n] >= 0, "%s tracks free frame %u",
			      s->ops->name, n);
	} else if (s->ops == &policy_clock_ops) {
		const struct clock *c = s->st;
		uint32_t n = c->hand;

		CHECK((n == PLIST_NIL) == (c->count == 0), "clock: hand %u with %u pages", n, c->count);
		for (uint32_t i = 0; i < c->count; i++, seen++, n = c->link[n].next)
			CHECK(n < c->nframes && s->frame_page[n] >= 0, "clock tracks free frame %u", n);
		CHECK(n == c->hand, "clock: the circle does not close");
		CHECK(c->count == s->resident, "clock counts %u pages", c->count);
	} else if (s->ops == &policy_lirs_ops) {
		seen = lirs_check(s->st, s);
	} else if (s->ops == &policy_clockpro_ops) {
		seen = clockpro_check(s->st, s);
	} else if (s->ops != &policy_arc_ops) {
		seen = new_policy_tracked(s);
	} else {
		const struct arc *a = s->st;

		arc_check(a);
		for (int l = T1; l <= T2; l++)
			for (uint32_t n = list_lru(a, l); n != head(a, l); n = a->link[n].next, seen++)
				CHECK(s->frame_page[n] >= 0, "arc tracks free frame %u", n);
	}
	CHECK(seen == s->resident, "%s tracks %llu pages, %llu are resident", s->ops->name,
	      (unsigned long long)seen, (unsigned long long)s->resident);
}

/*
 * The contract under random abuse: frees, references, reclaim with no
 * incoming page, victims the engine refuses (not removed, then pinned, as
 * shrink_one does when the swap is full), many or few frames pinned, free
 * frames handed out in random order; the policy's state checked as it goes.
 */
static void contract_run(const struct vmfs_policy_ops *ops, uint64_t seed)
{
	uint64_t rng = seed * 0x51ed27, c = 1 + rnd(&rng) % 24, npages = 4 * c + 3;
	struct vmfs_reclaim *rc = rc_new(c);
	struct sim s;
	bool hit;

	sim_init(&s, ops, c, npages, rc, NULL);
	s.rng = rnd(&rng) | 1;
	for (uint64_t step = 0; step < 20000; step++) {
		uint64_t r = rnd(&rng) % 100, pin = step % 1000 < 50 ? 95 : 10;
		int64_t v;

		snprintf(where_msg, sizeof(where_msg), "%s contract seed %llu step %llu",
			 ops->name, (unsigned long long)seed, (unsigned long long)step);
		for (uint64_t pfn = 0; pfn < c; pfn++)
			rc->pinned[pfn] = rnd(&rng) % 100 < pin;
		if (r < 10) {                   /* a frame freed */
			uint64_t pfn = rnd(&rng) % c;

			if (s.frame_page[pfn] >= 0)
				sim_remove(&s, pfn);
		} else if (r < 15) {            /* reclaim */
			if ((v = sim_victim(&s, NULL)) >= 0)
				sim_remove(&s, (uint64_t)v);
		} else if (r < 18) {            /* refused: pinned from now on, ask again */
			if ((v = sim_victim(&s, NULL)) >= 0) {
				rc->pinned[v] = 1;
				if ((v = sim_victim(&s, NULL)) >= 0)
					sim_remove(&s, (uint64_t)v);
			}
		} else {
			sim_ref(&s, rnd(&rng) % npages, &hit);
		}
		if (c < 8 || step % 64 == 0)
			check_tracked(&s);
	}
	sim_done(&s);
	rc_free(rc);
}

static void test_random_contract(void **state)
{
	(void)state;
	for (int i = 0; i < NPOLICIES; i++)
		for (uint64_t seed = 1; seed <= 16; seed++)
			contract_run(all_ops[i], seed);
}

/* ---- issue 18's policies ---------------------------------------------- */

static const struct vmfs_policy_ops *const new_ops[] = {
	&policy_2q_ops,
	&policy_car_ops,
	&policy_random_ops,
	&policy_s3fifo_ops,
	&policy_sieve_ops,
	&policy_wsclock_ops,
	&policy_mglru_ops,
};
#define NNEW (sizeof(new_ops) / sizeof(new_ops[0]))

static uint64_t sieve_tracked(const struct sim *s)
{
	const struct sieve *sv = s->st;
	uint64_t seen = 0;
	bool hand_seen = sv->hand == PLIST_NIL;

	for (uint32_t n = sv->link[sv->nframes].next; n != sv->nframes; n = sv->link[n].next, seen++) {
		CHECK(n < sv->nframes && s->frame_page[n] >= 0, "sieve tracks free frame %u", n);
		hand_seen |= n == sv->hand;
	}
	CHECK(hand_seen, "sieve: the hand %u is on no tracked frame", sv->hand);
	CHECK(seen == sv->count, "sieve counts %u pages, %llu on its queue", sv->count,
	      (unsigned long long)seen);
	return seen;
}

/* A struct pdir's lists 0..@nlists-1 against its counts and the simulator. */
static uint64_t pdir_tracked(const struct sim *s, const struct pdir *d, unsigned nlists)
{
	uint64_t seen = 0, count[PDIR_MAXLISTS] = { 0 };

	for (unsigned l = 0; l < nlists; l++)
		for (uint32_t n = pdir_first(d, l); n != pdir_head(d, l); n = d->link[n].next) {
			count[l]++;
			CHECK(d->where[n] == l, "%s: node %u on list %u says %d", s->ops->name, n, l,
			      d->where[n]);
			if (n >= d->c) {
				CHECK(pghost_find(&d->dir, d->owner[n], d->index[n]) == n,
				      "%s: ghost %u not in the directory", s->ops->name, n);
			} else {
				CHECK(s->frame_page[n] >= 0, "%s tracks free frame %u", s->ops->name, n);
				seen++;
			}
		}
	for (unsigned l = 0; l < nlists; l++)
		CHECK(count[l] == d->size[l], "%s: list %u counts %u, holds %llu", s->ops->name, l,
		      d->size[l], (unsigned long long)count[l]);
	return seen;
}

static uint64_t s3fifo_tracked(const struct sim *s)
{
	const struct s3fifo *q = s->st;

	CHECK(q->d.size[GQ] <= q->mshare, "s3fifo: %u ghosts, M's share %u", q->d.size[GQ], q->mshare);
	return pdir_tracked(s, &q->d, 3);
}

static uint64_t twoq_tracked(const struct sim *s)
{
	const struct twoq *q = s->st;

	CHECK(q->d.size[A1OUT] <= q->kout + (q->back != PLIST_NIL), "2q: %u ghosts, Kout %u", q->d.size[A1OUT], q->kout);
	return pdir_tracked(s, &q->d, 3);
}

static uint64_t car_tracked(const struct sim *s)
{
	const struct car *a = s->st;
	const uint32_t *sz = a->d.size;

	CHECK(a->p <= a->d.c, "car: p %u > c %u", a->p, a->d.c);
	CHECK((uint64_t)sz[CT1] + sz[CT2] + sz[CB1] + sz[CB2] <= 2 * (uint64_t)a->d.c + 1,
	      "car: the directory holds %u + %u + %u + %u", sz[CT1], sz[CT2], sz[CB1], sz[CB2]);
	return pdir_tracked(s, &a->d, 4);
}

static uint64_t random_tracked(const struct sim *s)
{
	const struct prandom *r = s->st;

	for (uint32_t i = 0; i < r->count; i++)
		CHECK(r->slot[i] < r->nframes && s->frame_page[r->slot[i]] >= 0 &&
		      r->pos[r->slot[i]] == i, "random: slot %u holds frame %u", i, r->slot[i]);
	return r->count;
}

static uint64_t wsclock_tracked(const struct sim *s)
{
	const struct wsclock *w = s->st;
	uint32_t n = w->hand;
	uint64_t seen = 0;

	CHECK((n == PLIST_NIL) == (w->count == 0), "wsclock: hand %u with %u pages", n, w->count);
	for (uint32_t i = 0; i < w->count; i++, seen++, n = w->link[n].next)
		CHECK(n < w->nframes && s->frame_page[n] >= 0, "wsclock tracks free frame %u", n);
	CHECK(n == w->hand, "wsclock: the circle does not close");
	return seen;
}

static uint64_t mglru_tracked(const struct sim *s);

static uint64_t new_policy_tracked(const struct sim *s)
{
	if (s->ops == &policy_mglru_ops)
		return mglru_tracked(s);
	if (s->ops == &policy_wsclock_ops)
		return wsclock_tracked(s);
	if (s->ops == &policy_random_ops)
		return random_tracked(s);
	if (s->ops == &policy_car_ops)
		return car_tracked(s);
	if (s->ops == &policy_2q_ops)
		return twoq_tracked(s);
	if (s->ops == &policy_s3fifo_ops)
		return s3fifo_tracked(s);
	if (s->ops == &policy_sieve_ops)
		return sieve_tracked(s);
	fail_msg("no check for policy %s", s->ops->name);
	return 0;
}

/* Every new policy under the random contract, and the pinned-frame test's steps. */
static void test_new_contract(void **state)
{
	(void)state;
	for (size_t i = 0; i < NNEW; i++) {
		assert_ptr_equal(policy_builtin(new_ops[i]->name), new_ops[i]);
		for (uint64_t seed = 1; seed <= 16; seed++)
			contract_run(new_ops[i], seed);
	}
}

/*
 * SIEVE, NSDI'24 Fig. 2's walk: a hit moves nothing; the hand goes from
 * the oldest page towards the newest clearing visited bits, evicts the
 * first page not visited and stays just newer than it; a new page is not
 * visited.  Frames are handed out lowest first, so page p is in frame p
 * until evictions start.
 */
static void test_sieve_hand(void **state)
{
	struct sim s;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "sieve hand");
	sim_init(&s, &policy_sieve_ops, 4, 16, NULL, NULL);
	for (uint64_t p = 0; p < 4; p++)
		sim_ref(&s, p, &hit);                       /* queue 0 1 2 3, oldest first */
	sim_ref(&s, 0, &hit);
	sim_ref(&s, 1, &hit);                           /* 0 and 1 visited */
	assert_true(hit);
	assert_int_equal(sim_ref(&s, 4, &hit), 2);      /* 0, 1 passed and cleared: 2 goes */
	assert_int_equal(sim_ref(&s, 5, &hit), 3);      /* the hand was at 3: 0 1 4 5 */
	sim_ref(&s, 4, &hit);                           /* 4 visited */
	assert_true(hit);
	assert_int_equal(sim_ref(&s, 6, &hit), 5);      /* 4 passed; 5 was the newest: 0 1 4 6 */
	assert_int_equal(sim_ref(&s, 7, &hit), 0);      /* so the hand starts again at the oldest */
	assert_int_equal(sim_ref(&s, 8, &hit), 1);
	sim_done(&s);
}

/*
 * SIEVE reads the page-table accessed bit, but not the one the loading
 * fault set: a page loaded and never used again goes, one used again
 * behind the policy's back (only its bit set) is spared once.
 */
static void test_sieve_pte_bits(void **state)
{
	struct vmfs_reclaim *rc = rc_new(2);
	struct sim s;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "sieve pte bits");
	sim_init(&s, &policy_sieve_ops, 2, 16, rc, NULL);
	sim_ref(&s, 0, &hit);
	sim_ref(&s, 1, &hit);                           /* both A bits set by their faults */
	sim_ref(&s, 0, &hit);                           /* 0 visited */
	assert_int_equal(sim_ref(&s, 2, &hit), 1);     /* 1's bit is its fault's: it goes */
	assert_int_equal(rc->young[s.page_frame[0]], 0);   /* the hand cleared 0's */
	rc->young[s.page_frame[0]] = 1;                 /* 0 used behind the policy's back */
	assert_int_equal(sim_ref(&s, 3, &hit), 2);     /* 0 spared for its bit, 2 goes */
	assert_int_equal(sim_ref(&s, 4, &hit), 0);     /* now 0 has nothing */
	sim_done(&s);
	rc_free(rc);
}

/*
 * S3-FIFO, SOSP'23 Algorithm 1 on 10 frames (S holds 1, M 9, G 9): a page
 * hit twice in S moves to M when it reaches S's head, one hit once is
 * evicted and remembered in G, and comes back into M; M's counter gives
 * second chances.
 */
static void test_s3fifo_queues(void **state)
{
	struct sim s;
	struct s3fifo *q;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "s3fifo queues");
	sim_init(&s, &policy_s3fifo_ops, 10, 64, NULL, NULL);
	q = s.st;
	assert_int_equal(q->mshare, 9);
	for (uint64_t p = 0; p < 10; p++)
		sim_ref(&s, p, &hit);                   /* all in S: the cache was not full */
	assert_int_equal(q->d.size[SQ], 10);
	sim_ref(&s, 0, &hit);
	sim_ref(&s, 1, &hit);
	sim_ref(&s, 0, &hit);                       /* 0 hit twice, 1 once */
	assert_int_equal(sim_ref(&s, 10, &hit), 1); /* 0 moves to M, 1 is evicted */
	assert_int_equal(q->d.where[s.page_frame[0]], MQ);
	assert_int_equal(q->d.size[GQ], 1);
	assert_int_equal(sim_ref(&s, 11, &hit), 2);
	assert_int_equal(sim_ref(&s, 1, &hit), 3);  /* 1 comes back from G, into M */
	assert_int_equal(q->d.where[s.page_frame[1]], MQ);
	assert_int_equal(q->d.size[GQ], 2);           /* 2 and 3 */
	assert_int_equal(q->d.size[MQ], 2);
	/* Fill M over its share: S pages hit twice go there at S's head. */
	for (uint64_t p = 4; p < 10; p++) {
		sim_ref(&s, p, &hit);
		sim_ref(&s, 20, &hit);                  /* break the run: a second hit */
		sim_ref(&s, p, &hit);
	}
	sim_done(&s);
}

/*
 * 2Q, VLDB'94 section 2.1 on 8 frames (Kin 2, Kout 4): pages seen once
 * leave A1in in FIFO order while it holds more than Kin, into A1out; one
 * that comes back from A1out enters Am, whose LRU page goes once A1in is
 * down to Kin, remembered nowhere; a hit in A1in moves nothing.
 */
static void test_2q_queues(void **state)
{
	struct sim s;
	struct twoq *q;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "2q queues");
	sim_init(&s, &policy_2q_ops, 8, 64, NULL, NULL);
	q = s.st;
	assert_int_equal(q->kin, 2);
	assert_int_equal(q->kout, 4);
	for (uint64_t p = 0; p < 8; p++)
		sim_ref(&s, p, &hit);
	sim_ref(&s, 0, &hit);                           /* a hit in A1in: nothing */
	assert_int_equal(sim_ref(&s, 8, &hit), 0);     /* A1in's head all the same */
	assert_int_equal(sim_ref(&s, 0, &hit), 1);     /* 0 comes back from A1out, into Am */
	assert_int_equal(q->d.where[s.page_frame[0]], AM);
	for (uint64_t p = 9; p < 14; p++)
		sim_ref(&s, p, &hit);                   /* A1out keeps the last 4 */
	assert_int_equal(q->d.size[A1OUT], 4);
	assert_int_equal(q->d.size[A1IN], 7);
	/* Am's LRU page goes once A1in is down to Kin, and leaves no ghost. */
	/* 3 is A1out's oldest ghost: the trim for 7's ghost does not take it first. */
	for (uint64_t p = 3; p < 8; p++)                /* from A1out into Am: 0 3 4 5 6 7 */
		assert_int_equal(sim_ref(&s, p, &hit), p + 4);  /* A1in's heads: 7 .. 11 */
	assert_int_equal(q->d.size[A1IN], 2);
	assert_int_equal(sim_ref(&s, 25, &hit), 0);    /* A1in at Kin: Am's LRU, 0 */
	assert_int_equal(pghost_find(&q->d.dir, page_desc(0, 0).owner, page_desc(0, 0).index),
			 PLIST_NIL);
	sim_done(&s);
}

/*
 * CAR, FAST'04 Fig. 2 on 4 frames: a page hit in T1 moves to T2 when the
 * hand reaches it, one not hit is evicted into B1; coming back from B1 it
 * enters T2 and p grows; the loading fault's accessed bit is not a hit.
 */
static void test_car_clocks(void **state)
{
	struct vmfs_reclaim *rc = rc_new(4);
	struct sim s;
	struct car *a;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "car clocks");
	sim_init(&s, &policy_car_ops, 4, 64, rc, NULL);
	a = s.st;
	for (uint64_t p = 0; p < 4; p++)
		sim_ref(&s, p, &hit);                   /* T1 = 0 1 2 3, A bits set by the faults */
	sim_ref(&s, 0, &hit);                           /* 0's bit */
	assert_int_equal(sim_ref(&s, 4, &hit), 1);     /* 0 to T2, 1 into B1 */
	assert_int_equal(a->d.where[s.page_frame[0]], CT2);
	assert_int_equal(a->d.size[CB1], 1);
	assert_int_equal(a->p, 0);
	assert_int_equal(sim_ref(&s, 1, &hit), 2);     /* 1 back from B1; 2 goes */
	assert_int_equal(a->d.where[s.page_frame[1]], CT2);
	assert_int_equal(a->p, 1);
	sim_done(&s);
	rc_free(rc);
}

/* random: a seed gives the same run every time, another seed another run. */
static uint64_t random_run(const char *params, uint64_t *victims_hash)
{
	struct sim s;
	uint64_t rng = 99, faults;
	bool hit;

	sim_init(&s, &policy_random_ops, 8, 64, NULL, NULL);
	s.ops->release(s.st);
	assert_int_equal(s.ops->init(&s.st, 8, (void *)params), 0);
	*victims_hash = 0;
	for (int i = 0; i < 2000; i++) {
		int64_t out = sim_ref(&s, rnd(&rng) % 20, &hit);

		*victims_hash = *victims_hash * 31 + (uint64_t)(out + 1);
	}
	faults = s.faults;
	sim_done(&s);
	return faults;
}

static void test_random_seeded(void **state)
{
	uint64_t h1, h2, h3, h4;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "random seeds");
	assert_int_equal(random_run(NULL, &h1), random_run("seed=1", &h2));
	assert_int_equal(h1, h2);
	random_run("seed=7", &h3);
	random_run("seed=7", &h4);
	assert_int_equal(h3, h4);
	assert_true(h3 != h1);
}

/*
 * WSClock, SOSP'81, with tau = 5 references on 3 frames: a page whose bit
 * is set is stamped with the time and passed; the first page not used for
 * more than tau references goes; when every page is younger, the page at
 * the hand goes all the same.
 */
static void test_wsclock_window(void **state)
{
	struct sim s;
	struct wsclock *w;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "wsclock window");
	sim_init(&s, &policy_wsclock_ops, 3, 64, NULL, NULL);
	s.ops->release(s.st);
	assert_int_equal(s.ops->init(&s.st, 3, (void *)"tau=5"), 0);
	w = s.st;
	for (uint64_t p = 0; p < 3; p++)
		sim_ref(&s, p, &hit);                   /* loaded at times 0, 1, 2 */
	assert_int_equal(w->now, 3);
	/* Every bit set: the first turn stamps them all at 3; none is older than 5. */
	assert_int_equal(sim_ref(&s, 3, &hit), 0);     /* the page at the hand */
	sim_ref(&s, 2, &hit);                           /* times 4 .. */
	sim_ref(&s, 3, &hit);
	sim_ref(&s, 2, &hit);
	sim_ref(&s, 3, &hit);
	sim_ref(&s, 2, &hit);                           /* now 9: 1 unused since 3 */
	assert_int_equal(w->now, 9);
	assert_int_equal(sim_ref(&s, 4, &hit), 1);     /* 1 is out of the working set */
	sim_done(&s);
}

/* The parameters of random and wsclock. */
static void test_random_wsclock_params(void **state)
{
	void *st = NULL;

	(void)state;
	assert_int_equal(policy_wsclock_ops.init(&st, 10, NULL), 0);
	assert_int_equal(((struct wsclock *)st)->tau, 10);
	policy_wsclock_ops.release(st);
	assert_int_equal(policy_wsclock_ops.init(&st, 10, "tau=1000"), 0);
	assert_int_equal(((struct wsclock *)st)->tau, 1000);
	policy_wsclock_ops.release(st);
	assert_int_equal(policy_wsclock_ops.init(&st, 10, "tau=-1"), -EINVAL);
	assert_int_equal(policy_random_ops.init(&st, 10, "seed=18446744073709551615"), 0);
	policy_random_ops.release(st);
	assert_int_equal(policy_random_ops.init(&st, 10, "seed=18446744073709551616"), -EINVAL);
	assert_int_equal(policy_random_ops.init(&st, 10, "tau=3"), -EINVAL);
}

/* 2q's parameters: kin= and kout=, percents of the frames. */
static void test_2q_params(void **state)
{
	void *st = NULL;

	(void)state;
	assert_int_equal(policy_2q_ops.init(&st, 200, "kout=100:kin=10"), 0);
	assert_int_equal(((struct twoq *)st)->kin, 20);
	assert_int_equal(((struct twoq *)st)->kout, 200);
	policy_2q_ops.release(st);
	assert_int_equal(policy_2q_ops.init(&st, 200, "kin=101"), -EINVAL);
	assert_int_equal(policy_2q_ops.init(&st, 200, "kin=10:"), 0);
	policy_2q_ops.release(st);
	assert_int_equal(policy_2q_ops.init(&st, 200, "kin"), -EINVAL);
}

/* s3fifo's parameter: small=PERCENT, 1 to 99. */
static void test_s3fifo_params(void **state)
{
	void *st = NULL;

	(void)state;
	assert_int_equal(policy_s3fifo_ops.init(&st, 100, "small=25"), 0);
	assert_int_equal(((struct s3fifo *)st)->mshare, 75);
	policy_s3fifo_ops.release(st);
	assert_int_equal(policy_s3fifo_ops.init(&st, 100, "small=0"), -EINVAL);
	assert_int_equal(policy_s3fifo_ops.init(&st, 100, "small=100"), -EINVAL);
	assert_int_equal(policy_s3fifo_ops.init(&st, 100, "big=3"), -EINVAL);
	assert_int_equal(policy_s3fifo_ops.init(&st, 100, "small="), -EINVAL);
	assert_int_equal(policy_s3fifo_ops.init(&st, 100, "small=5x"), -EINVAL);
}

/* ---- lirs ------------------------------------------------------------- */

/*
 * The whole of LIRS's state against what stays true in it (policy_lirs.c's
 * comment), and its resident frames against the simulator's (s may be
 * NULL).  Returns the number of frames it tracks.
 */
static uint64_t lirs_check(const struct lirs *l, const struct sim *s)
{
	uint32_t sent = lirs_sent(l), n, hn = l->h[sent].next, nfree = 0;
	uint64_t slen = 0, nlir = 0, nq = 0, ghosts = 0, inhash = 0;
	bool lir_in_s = false;

	for (n = l->s[sent].next; n != sent; n = l->s[n].next, slen++) {
		CHECK(l->s[l->s[n].next].prev == n, "lirs: S broken at %u", n);
		CHECK(l->flags[n] & LIRS_INS, "lirs: node %u on S, not marked", n);
		if (n >= l->c) {
			ghosts++;
			CHECK(l->flags[n] == LIRS_INS, "lirs: ghost %u flags %x", n, l->flags[n]);
			CHECK(pghost_find(&l->ghosts, l->owner[n], l->index[n]) == n,
			      "lirs: ghost %u unreachable", n);
		} else {
			CHECK(l->flags[n] & LIRS_RES, "lirs: frame %u on S, not tracked", n);
		}
		if (l->flags[n] & LIRS_LIR) {
			lir_in_s = true;
			nlir++;
		} else {
			CHECK(hn == n, "lirs: H is not S's HIR entries in order (%u, %u)", hn, n);
			hn = l->h[hn].next;
		}
	}
	CHECK(hn == sent, "lirs: H holds more than S's HIR entries");
	if (lir_in_s)
		CHECK(l->flags[l->s[sent].next] & LIRS_LIR, "lirs: the bottom of S is HIR");
	CHECK(slen == l->slen && slen <= l->smax, "lirs: S has %llu entries, slen %u, bound %u",
	      (unsigned long long)slen, l->slen, l->smax);
	CHECK(nlir == l->nlir && nlir <= l->c - l->lhirs + (l->c == 1),
	      "lirs: %llu LIR blocks, nlir %u", (unsigned long long)nlir, l->nlir);
	for (n = l->q[l->c].next; n != l->c; n = l->q[n].next, nq++) {
		CHECK(n < l->c && (l->flags[n] & (LIRS_RES | LIRS_LIR)) == LIRS_RES,
		      "lirs: %u on Q, flags %x", n, n < l->c ? l->flags[n] : 0);
		CHECK(!s || s->frame_page[n] >= 0, "lirs tracks free frame %u", n);
	}
	CHECK(nq + nlir == l->nres, "lirs: %llu on Q + %llu LIR != %u tracked",
	      (unsigned long long)nq, (unsigned long long)nlir, l->nres);
	for (n = l->free_ghost; n != PLIST_NIL; n = l->s[n].next)
		nfree++;
	CHECK(nfree + ghosts == l->nghost, "lirs: %u free + %llu ghosts != %u", nfree,
	      (unsigned long long)ghosts, l->nghost);
	for (uint64_t i = 0; i <= l->ghosts.mask; i++)
		inhash += l->ghosts.slot[i] != PLIST_NIL;
	CHECK(inhash == ghosts, "lirs: hash holds %llu, %llu ghosts", (unsigned long long)inhash,
	      (unsigned long long)ghosts);
	return l->nres;
}

/*
 * LIRS as the paper words it (Section 3.3), on plain arrays, O(c) a step:
 * S as pages bottom first, Q front first, with the conventions of the
 * authors' simulator (Lhirs, the filling, repeated references, the bound
 * on S) as policy_lirs.c lists them.
 */
struct lirs_ref {
	uint64_t  c, lhirs, smax, nres, nlir, ns, nq;
	int64_t   last;
	uint64_t *S, *Q;
	uint8_t  *lir, *res;
};

static int64_t lr_pos(const uint64_t *a, uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++)
		if (a[i] == x)
			return (int64_t)i;
	return -1;
}

static void lr_del(uint64_t *a, uint64_t *n, uint64_t i)
{
	memmove(a + i, a + i + 1, (*n - i - 1) * sizeof(*a));
	(*n)--;
}

static void lr_top(struct lirs_ref *r, uint64_t x)    /* to the top of S */
{
	int64_t i = lr_pos(r->S, r->ns, x);

	if (i >= 0)
		lr_del(r->S, &r->ns, (uint64_t)i);
	r->S[r->ns++] = x;
}

static void lr_prune(struct lirs_ref *r)
{
	while (r->ns && !r->lir[r->S[0]])
		lr_del(r->S, &r->ns, 0);
}

static void lr_promote(struct lirs_ref *r, uint64_t x)
{
	r->lir[x] = 1;
	if (++r->nlir > r->c - r->lhirs) {   /* the LIR block of largest recency */
		uint64_t i = 0;

		while (!r->lir[r->S[i]])
			i++;
		r->Q[r->nq++] = r->S[i];
		r->lir[r->S[i]] = 0;
		r->nlir--;
		lr_del(r->S, &r->ns, i);
	}
	lr_prune(r);
}

static int64_t lr_request(struct lirs_ref *r, uint64_t x, bool *hit)
{
	int64_t v = -1, inq = lr_pos(r->Q, r->nq, x);
	bool ins = lr_pos(r->S, r->ns, x) >= 0;

	*hit = r->res[x];
	if (*hit && (int64_t)x == r->last)
		return -1;
	r->last = (int64_t)x;
	if (*hit && r->lir[x]) {
		lr_top(r, x);
		lr_prune(r);
	} else if (*hit) {
		lr_del(r->Q, &r->nq, (uint64_t)inq);
		lr_top(r, x);
		if (ins)
			lr_promote(r, x);
		else
			r->Q[r->nq++] = x;
	} else {
		if (r->nres == r->c) {
			v = (int64_t)r->Q[0];
			lr_del(r->Q, &r->nq, 0);
			r->res[v] = 0;
			r->nres--;
		}
		lr_top(r, x);
		if (r->c - r->nres > r->lhirs) {
			r->lir[x] = 1;
			r->nlir++;
		} else if (ins) {
			lr_promote(r, x);
		} else {
			r->Q[r->nq++] = x;
		}
		r->res[x] = 1;
		r->nres++;
	}
	if (r->ns > r->smax) {
		uint64_t i = 0;

		while (r->lir[r->S[i]])
			i++;
		lr_del(r->S, &r->ns, i);
	}
	return v;
}

static void lr_init(struct lirs_ref *r, uint64_t c, uint64_t npages, double hir, uint64_t stack)
{
	memset(r, 0, sizeof(*r));
	r->c = c;
	r->lhirs = (uint64_t)(hir / 100.0 * (double)c);
	r->lhirs = r->lhirs < 2 ? 2 : r->lhirs;
	if (r->lhirs >= c)
		r->lhirs = c > 1 ? c - 1 : c;
	r->smax = stack * c;
	r->last = -1;
	r->S = malloc((npages + 1) * sizeof(*r->S));
	r->Q = malloc((npages + 1) * sizeof(*r->Q));
	r->lir = calloc(npages, 1);
	r->res = calloc(npages, 1);
	assert_true(r->S && r->Q && r->lir && r->res);
}

static void lr_free(struct lirs_ref *r)
{
	free(r->S);
	free(r->Q);
	free(r->lir);
	free(r->res);
}

static void test_lirs_lookup_and_params(void **state)
{
	static const char *const bad[] = {
		"hir=0", "hir=100", "hir=", "hir=x", "hir=1x", "stack=0", "stack=-1", "stack=",
		"stack=2.5", "s=3", "hir", "hir=1:stack=3:x=1", "hir=1,stack=3", "hir=0.5",
	};
	static const char *const good[] = { NULL, "", "hir=1", "stack=3", "hir=2:stack=1",
					    "stack=2500:hir=10" };
	void *st = NULL;
	uint64_t sc = 0;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "lirs params");
	assert_ptr_equal(policy_builtin("lirs"), &policy_lirs_ops);
	assert_null(policy_builtin("LIRS"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(policy_lirs_ops.init(&st, 100, (void *)bad[i]) == -EINVAL, "'%s' taken", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(policy_lirs_ops.init(&st, 100, (void *)good[i]) == 0, "'%s' refused",
		      good[i] ? good[i] : "(null)");
		policy_lirs_ops.release(st);
	}
	assert_int_equal(policy_lirs_ops.init(&st, 1ull << 40, NULL), -EINVAL);
	assert_int_equal(policy_lirs_ops.init(&st, 1000, "stack=100000000"), -EINVAL);
	assert_int_equal(policy_lirs_ops.init(&st, 0, NULL), 0);
	assert_int_equal(policy_lirs_ops.victim(st, NULL, NULL, &sc), -1);
	assert_int_equal(sc, 0);
	policy_lirs_ops.release(st);
	/* Lhirs: 1 % of c, at least 2, at most c - 1. */
	assert_int_equal(policy_lirs_ops.init(&st, 1000, NULL), 0);
	assert_int_equal(((struct lirs *)st)->lhirs, 10);
	assert_int_equal(((struct lirs *)st)->smax, 3000);
	policy_lirs_ops.release(st);
	assert_int_equal(policy_lirs_ops.init(&st, 150, "hir=1"), 0);
	assert_int_equal(((struct lirs *)st)->lhirs, 2);
	policy_lirs_ops.release(st);
	assert_int_equal(policy_lirs_ops.init(&st, 3, "hir=99"), 0);
	assert_int_equal(((struct lirs *)st)->lhirs, 2);
	policy_lirs_ops.release(st);
	assert_int_equal(policy_lirs_ops.init(&st, 1, NULL), 0);
	assert_int_equal(((struct lirs *)st)->lhirs, 1);
	policy_lirs_ops.release(st);
}

static void lirs_trace_with(enum pattern pat, uint64_t c, uint64_t len, uint64_t seed,
			    const char *params, double hir, uint64_t stack)
{
	struct trace t = { pat, c, 4 * c + 8, seed, 0 };
	uint64_t ref_faults = 0;
	struct lirs_ref r;
	struct sim s;

	lr_init(&r, c, t.npages, hir, stack);
	sim_init(&s, &policy_lirs_ops, c, t.npages, NULL, NULL);
	s.ops->release(s.st);
	assert_int_equal(s.ops->init(&s.st, c, (void *)params), 0);
	for (uint64_t i = 0; i < len; i++) {
		uint64_t x = trace_next(&t, i);
		bool hit, want_hit;
		int64_t want = lr_request(&r, x, &want_hit), got;
		const struct lirs *l = s.st;

		snprintf(where_msg, sizeof(where_msg), "lirs %s %s seed %llu c %llu step %llu page %llu",
			 params, pattern_name[pat], (unsigned long long)seed, (unsigned long long)c,
			 (unsigned long long)i, (unsigned long long)x);
		got = sim_ref(&s, x, &hit);
		ref_faults += !want_hit;
		CHECK(hit == want_hit, "hit %d, the paper %d", hit, want_hit);
		CHECK(got == want, "evicted page %lld, the paper %lld", (long long)got, (long long)want);
		CHECK(l->nlir == r.nlir && l->slen == r.ns, "%u LIR, |S| %u; the paper %llu, %llu",
		      l->nlir, l->slen, (unsigned long long)r.nlir, (unsigned long long)r.ns);
		if (c <= 16 || i % 97 == 0)
			lirs_check(l, &s);
	}
	assert_int_equal(s.faults, ref_faults);
	sim_done(&s);
	lr_free(&r);
}

static void lirs_trace(enum pattern pat, uint64_t c, uint64_t len, uint64_t seed)
{
	lirs_trace_with(pat, c, len, seed, "", 1.0, 3);
	lirs_trace_with(pat, c, len, seed, "hir=20:stack=1", 20.0, 1);
	lirs_trace_with(pat, c, len, seed, "hir=45:stack=2", 45.0, 2);
}

/* Victim for victim against the paper, on every pattern, size and length. */
static void test_lirs_paper(void **state)
{
	(void)state;
	every_trace(lirs_trace);
}

/*
 * What LIRS is for: a working set used with low IRR stays resident through
 * a long scan of pages used once, which only passes through Q's 2 frames.
 */
static void test_lirs_scan_resistance(void **state)
{
	struct sim s;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "lirs scan");
	sim_init(&s, &policy_lirs_ops, 10, 1000, NULL, NULL);
	for (int round = 0; round < 3; round++)
		for (uint64_t p = 0; p < 8; p++)
			sim_ref(&s, p, &hit);
	for (uint64_t p = 100; p < 900; p++)
		sim_ref(&s, p, &hit);
	for (uint64_t p = 0; p < 8; p++) {
		sim_ref(&s, p, &hit);
		assert_true(hit);
	}
	lirs_check(s.st, &s);
	sim_done(&s);
}

/* The contract under frees, refusals and pins, with the state checked. */
static void test_lirs_contract(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 16; seed++)
		contract_run(&policy_lirs_ops, seed);
}

/* ---- clockpro --------------------------------------------------------- */

/*
 * CLOCK-Pro's whole state against what stays true in it: one circle with
 * the counters' contents, hands on it, non-resident nodes in the hash and
 * in their test, resident ones the simulator's.  Returns the frames it
 * tracks.
 */
static uint64_t clockpro_check(const struct clockpro *p, const struct sim *s)
{
	uint64_t size = 0, res = 0, hot = 0, nonres = 0, inhash = 0, nfree = 0;
	bool hot_seen = false, test_seen = false, cold_seen = false;
	uint32_t n = p->head;

	if (n != CP_NIL) {
		do {
			CHECK(p->link[p->link[n].next].prev == n, "clockpro: circle broken at %u", n);
			CHECK(p->f[n] & CP_CLOCK, "clockpro: node %u on the circle, not marked", n);
			hot_seen |= n == p->hand_hot;
			test_seen |= n == p->hand_test;
			cold_seen |= n == p->hand_cold;
			if (p->f[n] & CP_RES) {
				CHECK(n < p->c, "clockpro: non-frame %u resident", n);
				CHECK(!s || s->frame_page[n] >= 0, "clockpro tracks free frame %u", n);
				res++;
				hot += !(p->f[n] & CP_COLD);
			} else {
				CHECK(n >= p->c, "clockpro: frame %u on the circle, not resident", n);
				CHECK((p->f[n] & (CP_COLD | CP_TEST)) == (CP_COLD | CP_TEST),
				      "clockpro: non-resident %u flags %x", n, p->f[n]);
				CHECK(pghost_find(&p->ghosts, p->owner[n], p->index[n]) == n,
				      "clockpro: non-resident %u unreachable", n);
				nonres++;
			}
			size++;
			n = p->link[n].next;
		} while (n != p->head && size <= 2 * (uint64_t)p->c + 1);
	}
	CHECK(n == p->head, "clockpro: the circle does not close");
	CHECK((int64_t)size == p->clock_size, "clockpro: %llu nodes, clock_size %lld",
	      (unsigned long long)size, (long long)p->clock_size);
	CHECK(p->head == CP_NIL || (hot_seen && test_seen), "clockpro: a hand is off the circle");
	CHECK(p->hand_cold == CP_NIL || cold_seen, "clockpro: hand_cold off the circle");
	CHECK(p->hand_cold == CP_NIL ||
	      (p->f[p->hand_cold] & (CP_RES | CP_COLD)) == (CP_RES | CP_COLD),
	      "clockpro: hand_cold on %u, flags %x", p->hand_cold, p->f[p->hand_cold]);
	CHECK((int64_t)hot == p->num_hot && (int64_t)nonres == p->num_nonres,
	      "clockpro: %llu hot, %llu non-resident; counters %lld, %lld",
	      (unsigned long long)hot, (unsigned long long)nonres, (long long)p->num_hot,
	      (long long)p->num_nonres);
	CHECK(nonres <= p->c, "clockpro: %llu non-resident pages > c", (unsigned long long)nonres);
	CHECK((int64_t)res + p->free_mem == (int64_t)p->c, "clockpro: %llu resident + %lld free",
	      (unsigned long long)res, (long long)p->free_mem);
	for (uint64_t i = 0; i <= p->ghosts.mask; i++)
		inhash += p->ghosts.slot[i] != PLIST_NIL;
	CHECK(inhash == nonres, "clockpro: hash holds %llu", (unsigned long long)inhash);
	for (n = p->free_ghost; n != CP_NIL; n = p->link[n].next)
		nfree++;
	CHECK(nfree + nonres == p->nghost, "clockpro: %llu free nodes + %llu",
	      (unsigned long long)nfree, (unsigned long long)nonres);
	return res;
}

static void test_clockpro_params(void **state)
{
	static const char *const bad[] = {
		"min=0", "max=100", "min=", "min=6:max=5", "adaptive=2", "adaptive", "x=1",
		"min=5,max=5",
	};
	static const char *const good[] = { NULL, "", "min=5:max=5", "adaptive=1:min=1:max=99",
					    "adaptive=0" };
	void *st = NULL;
	uint64_t sc = 0;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "clockpro params");
	assert_ptr_equal(policy_builtin("clockpro"), &policy_clockpro_ops);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(policy_clockpro_ops.init(&st, 100, (void *)bad[i]) == -EINVAL, "'%s' taken", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(policy_clockpro_ops.init(&st, 100, (void *)good[i]) == 0, "'%s' refused",
		      good[i] ? good[i] : "(null)");
		policy_clockpro_ops.release(st);
	}
	assert_int_equal(policy_clockpro_ops.init(&st, 1ull << 40, NULL), -EINVAL);
	assert_int_equal(policy_clockpro_ops.init(&st, 0, NULL), 0);
	assert_int_equal(policy_clockpro_ops.victim(st, NULL, NULL, &sc), -1);
	policy_clockpro_ops.release(st);
	assert_int_equal(policy_clockpro_ops.init(&st, 1000, NULL), 0);
	assert_int_equal(((struct clockpro *)st)->min_cold, 50);
	assert_int_equal(((struct clockpro *)st)->max_cold, 50);
	policy_clockpro_ops.release(st);
}

/* Hot pages used twice stay through a long scan, fixed and adaptive. */
static void test_clockpro_scan_resistance(void **state)
{
	static const char *const params[] = { NULL, "adaptive=1:min=1:max=99" };

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct sim s;
		bool hit;

		snprintf(where_msg, sizeof(where_msg), "clockpro scan %s", params[k] ? params[k] : "");
		sim_init(&s, &policy_clockpro_ops, 20, 2000, NULL, NULL);
		s.ops->release(s.st);
		assert_int_equal(s.ops->init(&s.st, 20, (void *)params[k]), 0);
		for (int round = 0; round < 3; round++)
			for (uint64_t p = 0; p < 10; p++)
				sim_ref(&s, p, &hit);
		for (uint64_t p = 100; p < 1900; p++) {
			sim_ref(&s, p, &hit);
			if (p % 50 == 0)
				clockpro_check(s.st, &s);
		}
		for (uint64_t p = 0; p < 10; p++) {
			sim_ref(&s, p, &hit);
			CHECK(hit, "page %llu was lost to the scan", (unsigned long long)p);
		}
		sim_done(&s);
	}
}

/* The contract under frees, refusals and pins, with the state checked. */
static void test_clockpro_contract(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 16; seed++)
		contract_run(&policy_clockpro_ops, seed);
}

/* ---- mglru (policy_mglru.c) ---------------------------------------------- */

/*
 * The whole of mglru's state against what stays true in it: every tracked
 * frame on one generation list (the victim chosen, isolated, on none),
 * nr_pages[gen][type] the frames whose flag is gen, every flag within its
 * type's generations, MIN_NR_GENS..MAX_NR_GENS generations per type,
 * min_seq[anon] <= min_seq[file], the shadows the recent ones (token
 * min_seq) and in the directory, at most c per type.
 */
static uint64_t mglru_tracked(const struct sim *s)
{
	const struct mglru *g = s->st;
	int64_t nr[MAX_NR_GENS][ANON_AND_FILE] = { { 0 } };
	uint64_t seen = 0, shadows = 0;

	for (int type = 0; type < ANON_AND_FILE; type++) {
		uint64_t nr_gens = g->max_seq - g->min_seq[type] + 1;

		CHECK(nr_gens >= MIN_NR_GENS && nr_gens <= MAX_NR_GENS, "mglru: type %d has %llu generations",
		      type, (unsigned long long)nr_gens);
		for (int gen = 0; gen < MAX_NR_GENS; gen++) {
			uint32_t head = lru_list(g, gen, type);
			bool in_window = (uint64_t)((gen - lru_gen_from_seq(g->min_seq[type]) + MAX_NR_GENS) %
						    MAX_NR_GENS) < nr_gens;

			for (uint32_t n = g->link[head].next; n != head; n = g->link[n].next, seen++) {
				int fgen = g->gen[n] - 1;

				CHECK(n < g->c && s->frame_page[n] >= 0, "mglru tracks free frame %u", n);
				CHECK(in_window, "mglru: frame %u on the list of generation %d, outside %llu..%llu",
				      n, gen, (unsigned long long)g->min_seq[type], (unsigned long long)g->max_seq);
				CHECK(g->gen[n] && folio_type(g, n) == type && !(g->flags[n] & MG_ISOLATED),
				      "mglru: frame %u (gen %d, flags %#x) on list (%d, %d)", n, fgen, g->flags[n],
				      gen, type);
				CHECK((uint64_t)((fgen - lru_gen_from_seq(g->min_seq[type]) + MAX_NR_GENS) %
						 MAX_NR_GENS) < nr_gens, "mglru: frame %u's generation %d is gone", n, fgen);
				nr[fgen][type]++;
			}
		}
		for (uint32_t n = g->link[shadow_list(g, type)].next; n != shadow_list(g, type);
		     n = g->link[n].next, shadows++) {
			CHECK(n >= g->c && n < 3 * g->c, "mglru: shadow node %u", n);
			CHECK(g->token[n - g->c] == g->min_seq[type], "mglru: shadow %u is not recent", n);
			CHECK(pghost_find(&g->shadows, g->owner[n], g->index[n]) == n,
			      "mglru: shadow %u not in the directory", n);
		}
	}
	CHECK(shadows == g->nr_shadows, "mglru: %llu shadows counted %llu", (unsigned long long)shadows,
	      (unsigned long long)g->nr_shadows);
	CHECK(shadows <= 2 * (uint64_t)g->c, "mglru: %llu shadows", (unsigned long long)shadows);
	for (int gen = 0; gen < MAX_NR_GENS; gen++)
		for (int type = 0; type < ANON_AND_FILE; type++)
			CHECK(nr[gen][type] == g->nr_pages[gen][type], "mglru: nr_pages[%d][%d] %lld, holds %lld",
			      gen, type, (long long)g->nr_pages[gen][type], (long long)nr[gen][type]);
	if (g->swappiness)
		CHECK(g->min_seq[LRU_GEN_ANON] <= g->min_seq[LRU_GEN_FILE], "mglru: min_seq anon %llu > file %llu",
		      (unsigned long long)g->min_seq[0], (unsigned long long)g->min_seq[1]);
	if (g->chosen != PLIST_NIL) {
		CHECK((g->flags[g->chosen] & MG_ISOLATED) && s->frame_page[g->chosen] >= 0,
		      "mglru: the victim %u is not isolated", g->chosen);
		seen++;
	}
	CHECK(seen == s->resident, "mglru tracks %llu frames, %llu resident", (unsigned long long)seen,
	      (unsigned long long)s->resident);
	return seen;
}

/* The lists as meminfo shows them: the two youngest generations are active. */
static void mglru_stat_check(const struct sim *s)
{
	struct vmfs_lru_stat st = { 0 };
	const struct mglru *g = s->st;
	uint64_t young[ANON_AND_FILE] = { 0, 0 };

	policy_mglru_lru_stat(s->st, &st);
	for (uint64_t pfn = 0; pfn < s->nframes; pfn++)
		if (g->gen[pfn] && !(g->flags[pfn] & MG_ISOLATED)) {
			uint64_t seq = g->max_seq - (uint64_t)((lru_gen_from_seq(g->max_seq) - (g->gen[pfn] - 1) +
							       MAX_NR_GENS) % MAX_NR_GENS);

			if (seq + 1 >= g->max_seq)
				young[folio_type(g, (uint32_t)pfn)]++;
		}
	CHECK(st.nr_active_anon == young[0] && st.nr_active_file == young[1],
	      "mglru: active %llu/%llu, the two youngest generations hold %llu/%llu",
	      (unsigned long long)st.nr_active_anon, (unsigned long long)st.nr_active_file,
	      (unsigned long long)young[0], (unsigned long long)young[1]);
	CHECK(st.nr_active_anon + st.nr_inactive_anon + st.nr_active_file + st.nr_inactive_file ==
	      s->resident - (g->chosen != PLIST_NIL), "mglru: the lists hold %llu pages, %llu resident",
	      (unsigned long long)(st.nr_active_anon + st.nr_inactive_anon + st.nr_active_file +
				   st.nr_inactive_file), (unsigned long long)s->resident);
	CHECK(st.workingset_nodes == g->nr_shadows && st.pgdeactivate == 0 && st.pgrefill == 0,
	      "mglru: shadows %llu, pgdeactivate %llu", (unsigned long long)st.workingset_nodes,
	      (unsigned long long)st.pgdeactivate);
}

/* Parameters: swappiness 0..200. */
static void test_mglru_params(void **state)
{
	void *st;

	(void)state;
	assert_ptr_equal(policy_builtin("mglru:swappiness=10"), &policy_mglru_ops);
	assert_int_equal(policy_mglru_ops.init(&st, 10, NULL), 0);
	assert_int_equal(((struct mglru *)st)->swappiness, 60);
	assert_int_equal(((struct mglru *)st)->max_seq, MIN_NR_GENS + 1);
	policy_mglru_ops.release(st);
	assert_int_equal(policy_mglru_ops.init(&st, 10, "swappiness=200"), 0);
	assert_int_equal(((struct mglru *)st)->swappiness, 200);
	policy_mglru_ops.release(st);
	assert_int_equal(policy_mglru_ops.init(&st, 0, "swappiness=0"), 0);
	policy_mglru_ops.release(st);
	assert_int_equal(policy_mglru_ops.init(&st, 10, "swappiness=201"), -EINVAL);
	assert_int_equal(policy_mglru_ops.init(&st, 10, "swappiness=-1"), -EINVAL);
	assert_int_equal(policy_mglru_ops.init(&st, 10, "tiers=2"), -EINVAL);
}

/*
 * The PID controller (get_tier_idx, get_type_to_scan, positive_ctrl_err)
 * on counters set by hand: few refaults never count against a tier; a tier
 * whose refault rate is more than twice tier 0's is protected; the type
 * with the higher refault rate, weighted by swappiness, is spared.
 */
static void test_mglru_pid(void **state)
{
	struct mglru *g;
	void *st;
	int tier;

	(void)state;
	assert_int_equal(policy_mglru_ops.init(&st, 100, NULL), 0);
	g = st;
	assert_int_equal(get_tier_idx(g, LRU_GEN_ANON), MAX_NR_TIERS - 1);
	assert_int_equal(get_type_to_scan(g, &tier), LRU_GEN_FILE);   /* no refaults: file */
	assert_int_equal(tier, MAX_NR_TIERS - 1);
	/* tier 1 refaults 100 of 200, tier 0 10 of 1000: protect tier 1 and up */
	g->refaulted[LRU_GEN_ANON][1] = 100;
	g->evicted[LRU_GEN_ANON][1] = 200;
	g->refaulted[LRU_GEN_ANON][0] = 10;
	g->evicted[LRU_GEN_ANON][0] = 1000;
	assert_int_equal(get_tier_idx(g, LRU_GEN_ANON), 0);
	/* 63 refaults are few, whatever the rate */
	g->refaulted[LRU_GEN_ANON][1] = MIN_LRU_BATCH - 1;
	assert_int_equal(get_tier_idx(g, LRU_GEN_ANON), MAX_NR_TIERS - 1);
	/* the averages count: half of them come back after a reset */
	g->refaulted[LRU_GEN_ANON][1] = 200;
	reset_ctrl_pos(g, LRU_GEN_ANON);
	assert_int_equal(g->avg_refaulted[LRU_GEN_ANON][1], 100);
	assert_int_equal(g->avg_total[LRU_GEN_ANON][1], 100);
	assert_int_equal(g->refaulted[LRU_GEN_ANON][1], 0);
	assert_int_equal(get_tier_idx(g, LRU_GEN_ANON), 0);
	/* file refaulting far more than anon: anon is scanned */
	g->refaulted[LRU_GEN_FILE][0] = 500;
	g->evicted[LRU_GEN_FILE][0] = 1000;
	assert_int_equal(get_type_to_scan(g, &tier), LRU_GEN_ANON);
	policy_mglru_ops.release(st);
	for (int r = 0; r <= 8; r++)
		assert_int_equal(lru_tier_from_refs(r), r == 0 ? 0 : r == 1 ? 1 : r <= 3 ? 2 : r <= 7 ? 3 : 4);
}

/*
 * Generations by hand, no accessed bits (rc NULL): pages enter max_seq;
 * the first eviction ages until three generations exist and takes the
 * oldest page loaded; an evicted page that refaults while its type's
 * min_seq has not moved is a recent refault (PG_workingset, counted), and
 * its shadow goes; the meminfo lists follow the generations.
 */
static void test_mglru_generations(void **state)
{
	struct vmfs_lru_stat st = { 0 };
	struct mglru *g;
	struct sim s;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "mglru generations");
	sim_init(&s, &policy_mglru_ops, 8, 64, NULL, NULL);
	g = s.st;
	for (uint64_t p = 1; p < 16; p += 2)        /* anon pages (page_desc: odd ones) */
		sim_ref(&s, p, &hit);
	mglru_tracked(&s);
	mglru_stat_check(&s);
	assert_int_equal(g->nr_pages[lru_gen_from_seq(g->max_seq)][LRU_GEN_ANON], 8);
	policy_mglru_lru_stat(s.st, &st);
	assert_int_equal(st.nr_active_anon, 8);
	assert_int_equal(st.nr_inactive_anon, 0);
	assert_int_equal(sim_ref(&s, 41, &hit), 1);   /* the oldest page loaded */
	mglru_tracked(&s);
	assert_true(g->max_seq - g->min_seq[LRU_GEN_ANON] + 1 >= MIN_NR_GENS + 1);
	policy_mglru_lru_stat(s.st, &st);
	assert_int_equal(st.nr_inactive_anon, 7);     /* the old ones, now below two younger gens */
	assert_int_equal(st.nr_active_anon, 1);
	assert_int_equal(st.workingset_nodes, 1);
	assert_int_equal(sim_ref(&s, 1, &hit), 3);     /* refault of 1: recent; 3 goes */
	mglru_tracked(&s);
	mglru_stat_check(&s);
	policy_mglru_lru_stat(s.st, &st);
	assert_int_equal(st.workingset_refault_anon, 1);
	assert_int_equal(st.workingset_restore_anon, 1);
	assert_true(g->flags[s.page_frame[1]] & MG_WORKINGSET);
	assert_int_equal(st.workingset_nodes, 1);      /* 1's shadow gone, 3's kept */
	sim_done(&s);
}

/*
 * Accessed bits: pages used between evictions are found young by the
 * aging and survive a scan of pages used once (after the cold start,
 * where every page is in one generation).
 */
static void test_mglru_young_survive(void **state)
{
	struct vmfs_reclaim *rc = rc_new(40);
	uint64_t hot = 0, hot_missed = 0;
	struct sim s;
	bool hit;

	(void)state;
	snprintf(where_msg, sizeof(where_msg), "mglru young");
	sim_init(&s, &policy_mglru_ops, 40, 4000, rc, NULL);
	for (uint64_t p = 100; p < 3900; p++) {
		sim_ref(&s, p, &hit);
		for (uint64_t h = 0; h < 20 && p % 4 == 0; h += 2) {
			sim_ref(&s, h, &hit);
			if (p >= 500) {     /* after the cold start, all pages in one generation */
				hot++;
				hot_missed += !hit;
			}
		}
		if (p % 97 == 0) {
			mglru_tracked(&s);
			mglru_stat_check(&s);
		}
	}
	CHECK(hot_missed * 100 <= hot, "the hot pages missed %llu times in %llu",
	      (unsigned long long)hot_missed, (unsigned long long)hot);
	sim_done(&s);
	rc_free(rc);
}

/*
 * Without accessed bits (rc NULL) a loop that, with a scan, is a little
 * larger than memory refaults recently, the refaulted pages are in tier 1, and once they
 * refault more than twice as often as tier 0 the controller protects them
 * (sort_folio: workingset_activate), which helps: fewer faults than a run
 * whose tier 1 is never protected.
 */
static void test_mglru_tiers(void **state)
{
	uint64_t faults[2];

	(void)state;
	for (int protect = 0; protect < 2; protect++) {
		struct vmfs_lru_stat st = { 0 };
		struct sim s;
		bool hit;

		snprintf(where_msg, sizeof(where_msg), "mglru tiers %d", protect);
		sim_init(&s, &policy_mglru_ops, 400, 8000, NULL, NULL);
		for (uint64_t i = 0, j = 0; i < 60000; i++) {
			/* a scan of pages used once, a quarter of the references, and a loop */
			uint64_t p = 1 + 2 * ((i % 4 == 0) ? 1000 + i % 2000 : j++ % 220);

			if (!protect)
				memset(((struct mglru *)s.st)->refaulted, 0, sizeof(((struct mglru *)s.st)->refaulted));
			sim_ref(&s, p, &hit);
			if (i % 1001 == 0)
				mglru_tracked(&s);
		}
		policy_mglru_lru_stat(s.st, &st);
		if (protect)
			CHECK(st.workingset_activate_anon > 0 && st.workingset_refault_anon > 0,
			      "no tier protected (%llu refaults)", (unsigned long long)st.workingset_refault_anon);
		else
			CHECK(st.workingset_activate_anon == 0, "protected without refaults");
		faults[protect] = s.faults;
		sim_done(&s);
	}
	CHECK(faults[1] < faults[0], "protection did not help: %llu faults, %llu without",
	      (unsigned long long)faults[1], (unsigned long long)faults[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_lookup),
		cmocka_unit_test(test_init_limits),
		cmocka_unit_test(test_classic_strings),
		cmocka_unit_test(test_fifo_model),
		cmocka_unit_test(test_lru_model),
		cmocka_unit_test(test_clock_model),
		cmocka_unit_test(test_clock_traces),
		cmocka_unit_test(test_clock_second_chance),
		cmocka_unit_test(test_clock_pte_bits),
		cmocka_unit_test(test_clock_gives_up),
		cmocka_unit_test(test_arc_paper),
		cmocka_unit_test(test_arc_ghosts),
		cmocka_unit_test(test_arc_scan_resistance),
		cmocka_unit_test(test_unevictable_skipped),
		cmocka_unit_test(test_arc_unevictable_fallback),
		cmocka_unit_test(test_random_contract),
		cmocka_unit_test(test_lirs_lookup_and_params),
		cmocka_unit_test(test_lirs_paper),
		cmocka_unit_test(test_lirs_scan_resistance),
		cmocka_unit_test(test_lirs_contract),
		cmocka_unit_test(test_clockpro_params),
		cmocka_unit_test(test_clockpro_scan_resistance),
		cmocka_unit_test(test_clockpro_contract),
		cmocka_unit_test(test_new_contract),
		cmocka_unit_test(test_sieve_hand),
		cmocka_unit_test(test_sieve_pte_bits),
		cmocka_unit_test(test_s3fifo_queues),
		cmocka_unit_test(test_2q_queues),
		cmocka_unit_test(test_2q_params),
		cmocka_unit_test(test_car_clocks),
		cmocka_unit_test(test_random_seeded),
		cmocka_unit_test(test_wsclock_window),
		cmocka_unit_test(test_random_wsclock_params),
		cmocka_unit_test(test_s3fifo_params),
		cmocka_unit_test(test_mglru_params),
		cmocka_unit_test(test_mglru_pid),
		cmocka_unit_test(test_mglru_generations),
		cmocka_unit_test(test_mglru_young_survive),
		cmocka_unit_test(test_mglru_tiers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
