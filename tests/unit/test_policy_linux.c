/*
 * test_policy_linux.c - unit tests of src/policy_linux.c, Linux 6.1's
 * active and inactive lists with refault-distance working-set detection.
 *
 * No engine: the policy file is included, and its two calls into the
 * engine (reclaim_evictable, reclaim_referenced) are answered by this
 * file from a pinned flag and a page-table accessed bit per frame, which
 * the small driver below sets on every reference (the instantiating
 * fault's included) as the hardware would.  Pages carry an identity
 * (owner 1, index = the page number) and a type (swapbacked: the anon
 * lists, else the file lists).
 *
 * Covered, each against the kernel's rule written out in the test:
 * folio_check_references (a page young once is kept with PG_referenced, a
 * page young at two passes activated, others reclaimed; the pages scanned);
 * the round of SWAP_CLUSTER_MAX isolated pages that spans victim() calls;
 * shrink_active_list's 32 pages per aging (pgrefill, pgdeactivate,
 * PG_workingset); inactive_is_low's ratio above a GB; workingset_eviction
 * and workingset_refault (distance against the working set, activation,
 * restore, the counters by type; a freed page leaves no shadow; at most
 * one shadow per frame); swappiness choosing the type; the parameters; and
 * a random contract test with frees, pins and both types, checking after
 * every step that the four lists hold exactly the tracked frames, that
 * lru_stat reports them, and that victim() returns a tracked evictable
 * frame, and -1 only when there is none.
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

#include "../splitmix.h"

#define reclaim_evictable  fake_evictable
#define reclaim_referenced fake_referenced

#include "../../src/policy_linux.c"

/* ---- the fake engine side ---------------------------------------------- */

struct vmfs_reclaim {
	uint64_t nframes;
	uint8_t  pinned[512];
	uint8_t  young[512];     /* the page-table accessed bit, by frame */
};

int fake_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	assert_true(pfn < rc->nframes);
	return !rc->pinned[pfn];
}

int fake_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear)
{
	int r;

	assert_true(pfn < rc->nframes);
	r = rc->young[pfn];
	if (clear)
		rc->young[pfn] = 0;
	return r;
}

/* ---- a driver: frames, pages, references -------------------------------- */

struct sim {
	struct linux_lru    *l;
	struct vmfs_reclaim  rc;
	int64_t              page[512];    /* by frame: the page, or -1 */
	uint64_t             faults, scanned;
};

static void sim_init(struct sim *s, uint64_t nframes, const char *params)
{
	void *st = NULL;

	assert_true(nframes <= 512);
	memset(s, 0, sizeof(*s));
	assert_int_equal(policy_linux_ops.init(&st, nframes, (void *)params), 0);
	s->l = st;
	s->rc.nframes = nframes;
	for (uint64_t i = 0; i < nframes; i++)
		s->page[i] = -1;
}

static void sim_free(struct sim *s)
{
	policy_linux_ops.release(s->l);
}

static int64_t sim_find(const struct sim *s, int64_t page)
{
	for (uint64_t i = 0; i < s->rc.nframes; i++)
		if (s->page[i] == page)
			return (int64_t)i;
	return -1;
}

static void sim_load(struct sim *s, uint64_t pfn, int64_t page, bool file)
{
	struct policy_page pp = { .pg = { .pfn = pfn, .owner = 1, .index = (uint64_t)page, .anon = !file },
				  .swapbacked = !file };

	s->page[pfn] = page;
	policy_linux_ops.loaded(s->l, &pp.pg);
	s->rc.young[pfn] = 1;          /* the instantiating fault */
	policy_linux_ops.accessed(s->l, &pp.pg);
}

/* A victim chosen and evicted; its frame. */
static int64_t sim_evict(struct sim *s)
{
	int64_t v = policy_linux_ops.victim(s->l, &s->rc, NULL, &s->scanned);

	if (v >= 0) {
		assert_true(v < (int64_t)s->rc.nframes && s->page[v] >= 0 && !s->rc.pinned[v]);
		policy_linux_ops.removed(s->l, (uint64_t)v);
		s->page[v] = -1;
		s->rc.young[v] = 0;
	}
	return v;
}

/* A reference to @page: a hit sets the accessed bit, a miss loads it. */
static void sim_ref(struct sim *s, int64_t page, bool file)
{
	int64_t pfn = sim_find(s, page);
	struct vmfs_page pg;

	if (pfn >= 0) {
		s->rc.young[pfn] = 1;
		pg.pfn = (uint64_t)pfn;
		policy_linux_ops.accessed(s->l, &pg);
		return;
	}
	s->faults++;
	pfn = sim_find(s, -1);
	if (pfn < 0)
		pfn = sim_evict(s);
	assert_true(pfn >= 0);
	sim_load(s, (uint64_t)pfn, page, file);
}

/* Pages 0 .. @n-1 in frames 0 .. @n-1, none young, the first @nactive moved
 * straight to the active list (no PG_workingset: they were never deactivated). */
static void sim_fill(struct sim *s, int n, int nactive)
{
	for (int p = 0; p < n; p++) {
		sim_load(s, (uint64_t)p, p, false);
		s->rc.young[p] = 0;
	}
	for (int p = 0; p < nactive; p++)
		lruvec_add_folio(s->l, (uint32_t)p, LRU_ACTIVE_ANON);
}

static unsigned where(const struct sim *s, int64_t page)
{
	int64_t pfn = sim_find(s, page);

	assert_true(pfn >= 0);
	return s->l->d.where[pfn];
}

/* ---- the tests ---------------------------------------------------------- */

/*
 * folio_check_references on four pages, each young from its fault: the
 * first round keeps all four (PG_referenced), the second reclaims the
 * oldest; a page young again at its second pass is activated.
 */
static void test_check_references(void **state)
{
	struct sim s;
	struct vmfs_lru_stat st;

	(void)state;
	sim_init(&s, 4, NULL);
	for (int p = 0; p < 4; p++)
		sim_ref(&s, p, false);
	assert_int_equal(s.l->d.size[LRU_INACTIVE_ANON], 4);
	/* Round 1 (4 isolated): all young, kept; round 2: page 0 reclaimed. */
	assert_int_equal(sim_evict(&s), 0);
	assert_int_equal(s.scanned, 5);
	for (int p = 1; p < 4; p++)
		assert_true(s.l->d.flags[sim_find(&s, p)] & PG_referenced);
	/* Page 4 takes frame 0, at the inactive head, out of the round. */
	sim_ref(&s, 4, false);
	assert_int_equal(sim_find(&s, 4), 0);
	/* Page 1 used again: at its second pass it goes to the active list. */
	s.rc.young[sim_find(&s, 1)] = 1;
	assert_int_equal(sim_evict(&s), 2);     /* the round goes on: 1 activated, 2 reclaimed */
	assert_int_equal(s.scanned, 7);
	assert_int_equal(where(&s, 1), LRU_ACTIVE_ANON);
	assert_int_equal(where(&s, 4), LRU_INACTIVE_ANON);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.pgactivate, 1);
	assert_int_equal(st.nr_active_anon, 1);
	assert_int_equal(st.nr_inactive_anon, 2);
	assert_int_equal(st.workingset_nodes, 2);
	/* Two evictions and one activation aged nonresident_age by three. */
	assert_int_equal(s.l->nonresident_age, 3);
	sim_free(&s);
}

/*
 * The active list is aged 32 pages at a time, oldest first, when it
 * outgrows the inactive list; the pages deactivated get PG_workingset.
 */
static void test_shrink_active_list(void **state)
{
	struct sim s;
	struct vmfs_lru_stat st;

	(void)state;
	sim_init(&s, 100, NULL);
	sim_fill(&s, 100, 100);
	assert_int_equal(sim_evict(&s), 0);   /* aging 32, then the oldest of them goes */
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.pgrefill, 32);
	assert_int_equal(st.pgdeactivate, 32);
	assert_int_equal(st.nr_active_anon, 68);
	assert_int_equal(st.nr_inactive_anon, 31);
	for (uint32_t p = 1; p < 32; p++) {
		assert_int_equal(s.l->d.where[p], LRU_INACTIVE_ANON);
		assert_true(s.l->d.flags[p] & PG_workingset);
	}
	assert_int_equal(s.l->d.where[32], LRU_ACTIVE_ANON);
	/* The round's 31 other pages go in order, with no aging in between. */
	for (int64_t p = 1; p < 32; p++)
		assert_int_equal(sim_evict(&s), p);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.pgrefill, 32);
	/* The next round ages again: inactive 0 < active 68. */
	assert_int_equal(sim_evict(&s), 32);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.pgrefill, 64);
	assert_int_equal(st.workingset_nodes, 33);
	sim_free(&s);
}

/* inactive_is_low: inactive * int_sqrt(10 * GB) < active, the ratio 1 below a GB. */
static void test_inactive_ratio(void **state)
{
	struct sim s;
	uint32_t *size;

	(void)state;
	sim_init(&s, 4, NULL);
	size = s.l->d.size;
	size[LRU_INACTIVE_FILE] = 1000, size[LRU_ACTIVE_FILE] = 1000;
	assert_false(inactive_is_low(s.l, LRU_INACTIVE_FILE));
	size[LRU_ACTIVE_FILE] = 1001;
	assert_true(inactive_is_low(s.l, LRU_INACTIVE_FILE));
	/* 1.5 GB of 4 KiB pages: gb 1, ratio int_sqrt(10) = 3. */
	size[LRU_INACTIVE_FILE] = 100000, size[LRU_ACTIVE_FILE] = 300000;
	assert_false(inactive_is_low(s.l, LRU_INACTIVE_FILE));
	size[LRU_ACTIVE_FILE] = 300001;
	assert_true(inactive_is_low(s.l, LRU_INACTIVE_FILE));
	/* 10 GB: ratio 10. */
	size[LRU_INACTIVE_FILE] = 250000, size[LRU_ACTIVE_FILE] = 2500000;
	assert_false(inactive_is_low(s.l, LRU_INACTIVE_FILE));
	size[LRU_ACTIVE_FILE] = 2500001;
	assert_true(inactive_is_low(s.l, LRU_INACTIVE_FILE));
	assert_int_equal(int_sqrt(99), 9);
	assert_int_equal(int_sqrt(100), 10);
	size[LRU_INACTIVE_FILE] = size[LRU_ACTIVE_FILE] = 0;
	sim_free(&s);
}

/*
 * workingset_refault: a page back within the working set (active anon for
 * an anon page, plus the file lists' active and inactive) is activated,
 * and restored if it was deactivated before; one back from further is a
 * refault only.  A page freed rather than evicted leaves no shadow.
 */
static void test_refault(void **state)
{
	struct sim s;
	struct vmfs_lru_stat st;

	(void)state;
	sim_init(&s, 8, NULL);
	sim_fill(&s, 8, 4);
	/* inactive 4, active 4: not low; page 4, the oldest inactive, goes. */
	assert_int_equal(sim_evict(&s), 4);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.workingset_nodes, 1);
	assert_int_equal(s.l->nonresident_age, 1);
	/* Back at once: distance 1 - 0 = 1 <= active 4, activated, not restored. */
	sim_load(&s, 4, 4, false);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.workingset_refault_anon, 1);
	assert_int_equal(st.workingset_activate_anon, 1);
	assert_int_equal(st.workingset_restore_anon, 0);
	assert_int_equal(st.workingset_nodes, 0);
	assert_int_equal(where(&s, 4), LRU_ACTIVE_ANON);
	assert_int_equal(s.l->nonresident_age, 2);
	/* A page with PG_workingset, evicted, back within reach: restored. */
	s.l->d.flags[5] |= PG_workingset;
	s.rc.young[4] = 0;
	assert_int_equal(sim_evict(&s), 5);
	sim_load(&s, 5, 5, false);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.workingset_refault_anon, 2);
	assert_int_equal(st.workingset_activate_anon, 2);
	assert_int_equal(st.workingset_restore_anon, 1);
	assert_true(s.l->d.flags[5] & PG_workingset);
	/* Far: the age moved on by more than the working set (six active). */
	assert_int_equal(sim_evict(&s), 6);
	s.l->nonresident_age += 7;
	sim_load(&s, 6, 6, false);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.workingset_refault_anon, 3);
	assert_int_equal(st.workingset_activate_anon, 2);
	assert_int_equal(where(&s, 6), LRU_INACTIVE_ANON);
	/* A file page's refault counts as file; its working set takes inactive anon. */
	s.rc.young[6] = 0;
	policy_linux_ops.removed(s.l, 7);            /* freed: no shadow */
	s.page[7] = -1;
	sim_load(&s, 7, 100, true);
	assert_int_equal(s.l->d.size[LRU_SHADOW], 0);
	/* A file page evicted with shadow, back: distance 1 <= 6 active + 1 inactive anon. */
	s.l->d.chosen = 7;
	policy_linux_ops.removed(s.l, 7);
	s.page[7] = -1;
	sim_load(&s, 7, 100, true);
	policy_linux_lru_stat(s.l, &st);
	assert_int_equal(st.workingset_refault_file, 1);
	assert_int_equal(st.workingset_activate_file, 1);
	assert_int_equal(st.nr_active_file, 1);
	sim_free(&s);
}

/* Shadows: one per frame at most, the oldest dropped. */
static void test_shadow_bound(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s, 16, NULL);
	for (int p = 0; p < 1000; p++)
		sim_ref(&s, p, false);
	assert_int_equal(s.l->d.size[LRU_SHADOW], 16);
	/* The newest 16 evicted are the ones remembered. */
	for (int p = 0; p < 1000; p++) {
		uint32_t g = pghost_find(&s.l->d.dir, 1, (uint64_t)p);

		if (sim_find(&s, p) >= 0)
			assert_int_equal(g, PLIST_NIL);
		else if (p >= 1000 - 32)
			assert_int_not_equal(g, PLIST_NIL);
		else
			assert_int_equal(g, PLIST_NIL);
	}
	sim_free(&s);
}

/* swappiness: which type a round reclaims from. */
static void test_swappiness(void **state)
{
	static const struct { const char *params; bool file_goes; } cases[] = {
		{ "swappiness=0", true }, { NULL, true }, { "swappiness=200", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim s;
		int64_t v;

		sim_init(&s, 20, cases[i].params);
		for (int p = 0; p < 10; p++)
			sim_ref(&s, p, false);
		for (int p = 10; p < 20; p++)
			sim_ref(&s, p, true);
		/* Equal sizes: 10 * 60 < 10 * 140, file; 0 or 200 one type only. */
		v = sim_evict(&s);
		assert_true(v >= 0);
		assert_int_equal(v >= 10, cases[i].file_goes);
		sim_free(&s);
	}
	/* swappiness 0 still reclaims anon when there is no file page. */
	{
		struct sim s;

		sim_init(&s, 4, "swappiness=0");
		for (int p = 0; p < 5; p++)
			sim_ref(&s, p, false);
		assert_int_equal(s.faults, 5);
		sim_free(&s);
	}
}

static void test_params(void **state)
{
	void *st = NULL;

	(void)state;
	assert_int_equal(policy_linux_ops.init(&st, 10, "swappiness=201"), -EINVAL);
	assert_int_equal(policy_linux_ops.init(&st, 10, "swappiness="), -EINVAL);
	assert_int_equal(policy_linux_ops.init(&st, 10, "swappiness=-1"), -EINVAL);
	assert_int_equal(policy_linux_ops.init(&st, 10, "tau=3"), -EINVAL);
	assert_int_equal(policy_linux_ops.init(&st, 10, "swappiness=200"), 0);
	assert_int_equal(((struct linux_lru *)st)->swappiness, 200);
	policy_linux_ops.release(st);
	assert_int_equal(policy_linux_ops.init(&st, 10, NULL), 0);
	assert_int_equal(((struct linux_lru *)st)->swappiness, 60);
	policy_linux_ops.release(st);
	assert_ptr_equal(policy_builtin("linux:swappiness=10"), &policy_linux_ops);
	assert_ptr_equal(policy_lru_stat(&policy_linux_ops), policy_linux_lru_stat);
}

/* The lists hold exactly the tracked frames, and lru_stat says so. */
static void check_lists(const struct sim *s, uint64_t seed, int step)
{
	const struct pdir *d = &s->l->d;
	uint32_t tracked = 0, on[LRU_SHADOW + 1] = { 0 };
	struct vmfs_lru_stat st;

	for (uint32_t n = 0; n < d->c; n++) {
		tracked += s->page[n] >= 0;
		if ((s->page[n] >= 0) != (d->where[n] != PDIR_NOWHERE && d->where[n] < LRU_SHADOW))
			fail_msg("seed %llu step %d: frame %u tracked %d, on list %u", (unsigned long long)seed,
				 step, n, s->page[n] >= 0, d->where[n]);
	}
	for (unsigned l = 0; l <= LRU_SHADOW; l++)
		for (uint32_t n = pdir_first(d, l); n != pdir_head(d, l); n = d->link[n].next)
			on[l]++;
	policy_linux_lru_stat(s->l, &st);
	assert_int_equal(st.nr_inactive_anon + st.nr_active_anon + st.nr_inactive_file + st.nr_active_file,
			 tracked);
	assert_int_equal(st.nr_inactive_anon, on[LRU_INACTIVE_ANON]);
	assert_int_equal(st.nr_active_anon, on[LRU_ACTIVE_ANON]);
	assert_int_equal(st.nr_inactive_file, on[LRU_INACTIVE_FILE]);
	assert_int_equal(st.nr_active_file, on[LRU_ACTIVE_FILE]);
	assert_int_equal(st.workingset_nodes, on[LRU_SHADOW]);
	assert_true(on[LRU_SHADOW] <= d->c);
	assert_true(st.workingset_activate_anon <= st.workingset_refault_anon);
	assert_true(st.workingset_restore_file <= st.workingset_activate_file);
}

/*
 * Whatever happens (references of both types, frees, pins, reclaim
 * without an incoming page), the lists are the tracked frames and
 * victim() gives a tracked evictable frame, or -1 only when none is.
 */
static void test_contract(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		uint64_t x = seed, nframes = 1 + seed * 7 % 64;
		struct sim s;

		sim_init(&s, nframes, seed % 3 ? NULL : "swappiness=150");
		for (int step = 0; step < 4000; step++) {
			uint64_t r = splitmix64_below(&x, 100);
			int64_t page = (int64_t)splitmix64_below(&x, nframes * 3);
			bool file = page % 3 == 0;

			if (r < 70) {
				bool none = true;

				for (uint64_t f = 0; f < nframes; f++)
					none = none && (s.page[f] < 0 || s.rc.pinned[f]);
				if (sim_find(&s, page) < 0 && sim_find(&s, -1) < 0 && none)
					continue;       /* the engine would fail the allocation */
				sim_ref(&s, page, file);
			} else if (r < 80) {          /* free a page: no shadow */
				uint64_t f = splitmix64_below(&x, nframes);

				if (s.page[f] >= 0) {
					policy_linux_ops.removed(s.l, f);
					s.page[f] = -1;
					s.rc.young[f] = 0;
				}
			} else if (r < 90) {          /* pin or unpin a frame */
				uint64_t f = splitmix64_below(&x, nframes);

				s.rc.pinned[f] ^= 1;
			} else {                      /* reclaim asked for */
				bool any = false;
				int64_t v;

				for (uint64_t f = 0; f < nframes; f++)
					any = any || (s.page[f] >= 0 && !s.rc.pinned[f]);
				v = sim_evict(&s);
				if ((v >= 0) != any)
					fail_msg("seed %llu step %d: victim %lld with evictable frames: %d",
						 (unsigned long long)seed, step, (long long)v, any);
			}
			check_lists(&s, seed, step);
		}
		sim_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_references),
		cmocka_unit_test(test_shrink_active_list),
		cmocka_unit_test(test_inactive_ratio),
		cmocka_unit_test(test_refault),
		cmocka_unit_test(test_shadow_bound),
		cmocka_unit_test(test_swappiness),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
