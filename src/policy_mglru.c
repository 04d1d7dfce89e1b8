/*
 * policy_mglru.c - Linux 6.1's multi-generational LRU (MGLRU, lru_gen).
 *
 * Documentation/mm/multigen_lru.rst and the lru_gen code of mm/vmscan.c
 * and mm/workingset.c (Linux 6.1), step by step with Linux's names.  The
 * resident pages of each type (anon: swap-backed; file: object pages) are
 * in generations numbered by sequence numbers: max_seq, the youngest, is
 * shared, min_seq[type] is each type's oldest, and a type has between
 * MIN_NR_GENS (2) and MAX_NR_GENS (4) generations; generation gen of a
 * page is its seq modulo MAX_NR_GENS.  Each generation of each type is a
 * list (Linux's lrugen->lists[gen][type]) and nr_pages[gen][type] counts
 * the pages whose generation (the folio's gen flag) is gen; a page's flag
 * may name a younger generation than the list it is on (the aging
 * promotes by flag; the eviction moves the page when it meets it).
 *
 *   - a page faulted in enters the youngest generation, max_seq
 *     (folio_add_lru sets PG_active in a fault, lru_gen_add_folio);
 *   - the aging (try_to_inc_max_seq) walks the page tables: every page
 *     with an accessed bit set loses it and is promoted to max_seq
 *     (folio_update_gen), then inc_max_seq opens a new, empty youngest
 *     generation, first forcing the oldest one up (inc_min_seq) for a type
 *     that has MAX_NR_GENS;
 *   - it runs when should_run_aging says so: fewer than MIN_NR_GENS + 1
 *     generations, or at exactly that many, the youngest holding more than
 *     1/MIN_NR_GENS of the pages or the oldest less than 1/(MIN_NR_GENS+2);
 *   - the eviction (evict_folios) picks a type (isolate_folios,
 *     get_type_to_scan with swappiness, default 60) and scans that type's
 *     oldest generation from its oldest page (scan_folios): a page whose
 *     flag names a younger generation goes to that list (sort_folio,
 *     "promoted"), a page of a tier above tier_idx goes up one generation
 *     ("protected"), any other is isolated and, as shrink_page_list does,
 *     kept if folio_referenced finds an accessed bit (activated: back to
 *     max_seq) or else reclaimed; then try_to_inc_min_seq drops emptied
 *     oldest generations;
 *   - tiers and the PID controller: a page's tier is order_base_2(refs +
 *     1), refs being the accesses through file descriptors beyond the
 *     first plus PG_workingset; vmfs has no such accesses, so refs is 1
 *     for a page that refaulted recently (PG_workingset) and 0 otherwise.
 *     refaulted/evicted/protected per type and tier, averaged over
 *     generations (reset_ctrl_pos, NR_HIST_GENS 1), feed
 *     positive_ctrl_err, which chooses the type and the tiers to protect;
 *   - a page reclaimed leaves a shadow: its type, the token min_seq and
 *     whether it was in the working set (lru_gen_eviction); at its refault
 *     (lru_gen_refault) the shadow is recent when the token equals the
 *     type's min_seq now: only then is the refault counted
 *     (workingset_refault, refaulted[tier]) and the page marked
 *     PG_workingset (workingset_restore).  A shadow stops being recent
 *     when its type's min_seq moves, and then nothing in 6.1 reads it, so
 *     it is dropped then (workingset_nodes counts the shadows kept).
 *
 * Where the simulation differs (vmfs-replay(1)/libvmfs(3) say so too):
 * victim() is one folio at a time (Linux isolates up to 64): a round is
 * lru_gen_age_node's test (aging if should_run_aging, as kswapd does at
 * any priority) and one evict_folios whose batch ends at the first folio
 * reclaimable; rounds repeat until one gives a victim.  The aging's walk
 * visits every mapped page by rmap (vmfs_page_referenced), without Bloom
 * filters or per-mm lists; there is no look-around (the accessed bits of
 * the neighbours of a page found young at eviction are not looked at).
 * No dirty/writeback states delay a page (the engine writes back at once).
 * Where Linux would stall because the engine pins every page of the
 * oldest generations for the moment, victim() takes the first evictable
 * page from the oldest generation on (isolate_any).
 *
 * The counters of vmfs_lru_stat are 6.1's under MGLRU: Active is the two
 * youngest generations (lru_gen_is_active), Inactive the rest; pgactivate
 * counts pages found referenced at eviction (shrink_page_list's
 * activate_locked); pgdeactivate counts MADV_COLD's moves
 * (lru_deactivate_fn), pgrefill stays 0 (no shrink_active_list); workingset_activate counts the pages protected by
 * their tier (sort_folio); refault and restore as above.
 *
 * Parameters: mglru:swappiness=N (0..200, default 60; 0: anon pages are
 * never evicted, 200: anon first).
 *
 * Layout: nodes 0..c-1 the frames, c..3c-1 the shadows, then the
 * sentinels: one per (gen, type) list, one per type for its shadows
 * (oldest first), one for the pages skipped by a scan.  Lists here run
 * from the sentinel's next, Linux's tail (the oldest, lru_to_folio), to
 * its prev, Linux's head (list_add).  What stays true: every tracked frame
 * is on exactly one generation list, except the victim chosen (isolated,
 * off the lists) until the engine removes it or moves on;
 * nr_pages[gen][type] counts the tracked frames whose flag is gen; every
 * flag is within [min_seq, max_seq] of its type; MIN_NR_GENS <= max_seq -
 * min_seq + 1 <= MAX_NR_GENS; min_seq[anon] <= min_seq[file] while anon
 * can be swapped; the shadows are exactly the recent ones, at most c per
 * type.  Cost: loaded(), accessed() and removed() O(1); victim() O(1)
 * amortised per page it sorts or isolates, plus an O(c) walk of the frames
 * at each aging, which should_run_aging asks for when the youngest
 * generation fills (about every c/2 faults or promotions) or the
 * generations run short, as often as Linux ages.  About 110 bytes per
 * frame (two shadow nodes a frame, each with its identity, and the
 * directory).
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_NR_GENS   2
#define MAX_NR_GENS   4
#define MAX_NR_TIERS  4
#define MIN_LRU_BATCH 64      /* BITS_PER_LONG */
#define ANON_AND_FILE 2

enum { LRU_GEN_ANON, LRU_GEN_FILE };

#define MG_FILE       1       /* folio_is_file_lru */
#define MG_WORKINGSET 2       /* PG_workingset */
#define MG_ISOLATED   4       /* the victim, off the lists */

struct mglru {
	uint32_t      c;
	uint32_t      chosen;          /* the isolated victim, or PLIST_NIL */
	uint32_t      free_shadow;     /* chain of unused shadow nodes */
	uint32_t      swappiness;      /* vm.swappiness, or the parameter's */
	uint64_t      swappiness_given; /* mglru:swappiness=N, or UINT64_MAX */
	uint64_t      max_seq, min_seq[ANON_AND_FILE];
	int64_t       nr_pages[MAX_NR_GENS][ANON_AND_FILE];
	/* the PID controller's inputs (NR_HIST_GENS 1: one history) */
	uint64_t      avg_refaulted[ANON_AND_FILE][MAX_NR_TIERS];
	uint64_t      avg_total[ANON_AND_FILE][MAX_NR_TIERS];
	uint64_t      refaulted[ANON_AND_FILE][MAX_NR_TIERS];
	uint64_t      evicted[ANON_AND_FILE][MAX_NR_TIERS];
	uint64_t      protected_[ANON_AND_FILE][MAX_NR_TIERS - 1];
	uint64_t      nr_shadows;
	uint64_t      pgactivate;
	uint64_t      pgdeactivate;    /* MADV_COLD's moves (policy_mglru_deactivate) */
	uint64_t      refault[ANON_AND_FILE], activate[ANON_AND_FILE], restore[ANON_AND_FILE];
	struct pghost shadows;         /* the shadow nodes by identity */
	struct plink *link;            /* 3c nodes + the sentinels */
	uint8_t      *gen;             /* frames: generation + 1, 0 when untracked */
	uint8_t      *flags;           /* frames and shadows: MG_* */
	uint64_t     *owner, *index;   /* frames and shadows: identity */
	uint64_t     *token;           /* shadows (node - c): min_seq at eviction */
};

/* The sentinels. */
static uint32_t lru_list(const struct mglru *g, int gen, int type)
{
	return 3 * g->c + (uint32_t)(gen * ANON_AND_FILE + type);
}

static uint32_t shadow_list(const struct mglru *g, int type)
{
	return 3 * g->c + MAX_NR_GENS * ANON_AND_FILE + (uint32_t)type;
}

static uint32_t moved_list(const struct mglru *g)
{
	return 3 * g->c + MAX_NR_GENS * ANON_AND_FILE + ANON_AND_FILE;
}

#define NR_SENTINELS (MAX_NR_GENS * ANON_AND_FILE + ANON_AND_FILE + 1)

static int lru_gen_from_seq(uint64_t seq)
{
	return (int)(seq % MAX_NR_GENS);
}

static int folio_type(const struct mglru *g, uint32_t n)
{
	return (g->flags[n] & MG_FILE) ? LRU_GEN_FILE : LRU_GEN_ANON;
}

static int get_nr_gens(const struct mglru *g, int type)
{
	return (int)(g->max_seq - g->min_seq[type] + 1);
}

/* order_base_2(refs + 1) */
static int lru_tier_from_refs(int refs)
{
	int tier = 0;

	while ((1 << tier) < refs + 1)
		tier++;
	return tier;
}

/* folio_lru_refs: no accesses through file descriptors, so PG_workingset only. */
static int folio_lru_refs(const struct mglru *g, uint32_t n)
{
	return (g->flags[n] & MG_WORKINGSET) ? 1 : 0;
}

/* list_add: at Linux's head, the youngest end. */
static void list_add_young(struct mglru *g, uint32_t n, uint32_t head)
{
	plist_insert_before(g->link, head, n);
}

/* list_add_tail: at Linux's tail, the oldest end. */
static void list_add_old(struct mglru *g, uint32_t n, uint32_t head)
{
	plist_insert_before(g->link, g->link[head].next, n);
}

/* ---- shadows (mm/workingset.c) ------------------------------------------ */

static void shadow_drop(struct mglru *g, uint32_t s)
{
	pghost_delete(&g->shadows, s);
	plist_unlink(g->link, s);
	g->link[s].next = g->free_shadow;
	g->free_shadow = s;
	g->nr_shadows--;
}

/* min_seq[type] moved: the shadows of that type are no longer recent. */
static void shadow_prune(struct mglru *g, int type)
{
	uint32_t head = shadow_list(g, type);

	while (!plist_empty(g->link, head)) {
		uint32_t s = g->link[head].next;

		if (g->token[s - g->c] == g->min_seq[type])
			break;
		shadow_drop(g, s);
	}
}

/* lru_gen_eviction: frame @n reclaimed leaves its shadow. */
static void lru_gen_eviction(struct mglru *g, uint32_t n)
{
	int type = folio_type(g, n);
	int refs = folio_lru_refs(g, n);
	uint32_t s, old;

	g->evicted[type][lru_tier_from_refs(refs)]++;
	if ((old = pghost_find(&g->shadows, g->owner[n], g->index[n])) != PLIST_NIL)
		shadow_drop(g, old);
	if (g->free_shadow == PLIST_NIL)        /* cannot happen: at most c per type */
		shadow_drop(g, g->link[shadow_list(g, type)].next);
	s = g->free_shadow;
	g->free_shadow = g->link[s].next;
	g->owner[s] = g->owner[n];
	g->index[s] = g->index[n];
	g->flags[s] = (uint8_t)(g->flags[n] & (MG_FILE | MG_WORKINGSET));
	g->token[s - g->c] = g->min_seq[type];
	g->link[s].next = PLIST_NIL;
	plist_insert_before(g->link, shadow_list(g, type), s);
	pghost_insert(&g->shadows, s);
	g->nr_shadows++;
}

/* lru_gen_refault: frame @n, of @type, refaults; its shadow @s was found. */
static void lru_gen_refault(struct mglru *g, uint32_t n, int type, uint32_t s)
{
	bool recent = (g->flags[s] & MG_FILE ? LRU_GEN_FILE : LRU_GEN_ANON) == type &&
		      g->token[s - g->c] == g->min_seq[type];
	int refs = (g->flags[s] & MG_WORKINGSET) ? 1 : 0;

	shadow_drop(g, s);
	if (!recent)
		return;
	g->refaulted[type][lru_tier_from_refs(refs)]++;
	g->refault[type]++;
	/* lru_gen_in_fault(): a page loaded is faulted in */
	g->flags[n] |= MG_WORKINGSET;
	g->restore[type]++;
}

/* ---- the PID controller ------------------------------------------------- */

struct ctrl_pos {
	uint64_t refaulted, total;
	int      gain;
};

static void reset_ctrl_pos(struct mglru *g, int type)
{
	/* carryover with NR_HIST_GENS 1: average, then clear */
	for (int tier = 0; tier < MAX_NR_TIERS; tier++) {
		uint64_t sum = g->avg_refaulted[type][tier] + g->refaulted[type][tier];

		g->avg_refaulted[type][tier] = sum / 2;
		sum = g->avg_total[type][tier] + g->evicted[type][tier];
		if (tier)
			sum += g->protected_[type][tier - 1];
		g->avg_total[type][tier] = sum / 2;
		g->refaulted[type][tier] = 0;
		g->evicted[type][tier] = 0;
		if (tier)
			g->protected_[type][tier - 1] = 0;
	}
}

static void read_ctrl_pos(const struct mglru *g, int type, int tier, int gain, struct ctrl_pos *pos)
{
	pos->refaulted = g->avg_refaulted[type][tier] + g->refaulted[type][tier];
	pos->total = g->avg_total[type][tier] + g->evicted[type][tier];
	if (tier)
		pos->total += g->protected_[type][tier - 1];
	pos->gain = gain;
}

/* The PV has few refaults, or no higher a refaulted/total than the SP. */
static bool positive_ctrl_err(const struct ctrl_pos *sp, const struct ctrl_pos *pv)
{
	return pv->refaulted < MIN_LRU_BATCH ||
	       pv->refaulted * (sp->total + MIN_LRU_BATCH) * (uint64_t)sp->gain <=
	       (sp->refaulted + 1) * pv->total * (uint64_t)pv->gain;
}

static int get_tier_idx(const struct mglru *g, int type)
{
	struct ctrl_pos sp, pv;
	int tier;

	read_ctrl_pos(g, type, 0, 1, &sp);
	for (tier = 1; tier < MAX_NR_TIERS; tier++) {
		read_ctrl_pos(g, type, tier, 2, &pv);
		if (!positive_ctrl_err(&sp, &pv))
			break;
	}
	return tier - 1;
}

static int get_type_to_scan(const struct mglru *g, int *tier_idx)
{
	int gain[ANON_AND_FILE] = { (int)g->swappiness, 200 - (int)g->swappiness };
	struct ctrl_pos sp, pv;
	int type, tier;

	read_ctrl_pos(g, LRU_GEN_ANON, 0, gain[LRU_GEN_ANON], &sp);
	read_ctrl_pos(g, LRU_GEN_FILE, 0, gain[LRU_GEN_FILE], &pv);
	type = positive_ctrl_err(&sp, &pv);
	read_ctrl_pos(g, !type, 0, gain[!type], &sp);
	for (tier = 1; tier < MAX_NR_TIERS; tier++) {
		read_ctrl_pos(g, type, tier, gain[type], &pv);
		if (!positive_ctrl_err(&sp, &pv))
			break;
	}
	*tier_idx = tier - 1;
	return type;
}

/* ---- generations --------------------------------------------------------- */

static void lru_gen_update_size(struct mglru *g, int type, int old_gen, int new_gen)
{
	if (old_gen >= 0)
		g->nr_pages[old_gen][type]--;
	if (new_gen >= 0)
		g->nr_pages[new_gen][type]++;
}

/* lru_gen_add_folio for a page that is active (faulted in, or kept): max_seq. */
static void lru_gen_add_folio(struct mglru *g, uint32_t n)
{
	int gen = lru_gen_from_seq(g->max_seq);
	int type = folio_type(g, n);

	g->gen[n] = (uint8_t)(gen + 1);
	lru_gen_update_size(g, type, -1, gen);
	list_add_young(g, n, lru_list(g, gen, type));
}

/* folio_inc_gen: one generation up from the oldest, unless already promoted. */
static int folio_inc_gen(struct mglru *g, uint32_t n)
{
	int type = folio_type(g, n);
	int old_gen = lru_gen_from_seq(g->min_seq[type]);
	int new_gen = g->gen[n] - 1;

	if (new_gen != old_gen)         /* folio_update_gen() has promoted it */
		return new_gen;
	new_gen = (old_gen + 1) % MAX_NR_GENS;
	g->gen[n] = (uint8_t)(new_gen + 1);
	g->flags[n] &= (uint8_t)~MG_WORKINGSET;     /* LRU_REFS_FLAGS */
	lru_gen_update_size(g, type, old_gen, new_gen);
	return new_gen;
}

/* inc_min_seq: the oldest generation of @type joins the next one. */
static void inc_min_seq(struct mglru *g, int type, bool can_swap)
{
	if (!(type == LRU_GEN_ANON && !can_swap)) {
		uint32_t head = lru_list(g, lru_gen_from_seq(g->min_seq[type]), type);

		while (!plist_empty(g->link, head)) {
			uint32_t n = g->link[head].next;
			int gen = folio_inc_gen(g, n);

			plist_unlink(g->link, n);
			list_add_old(g, n, lru_list(g, gen, type));
		}
	}
	reset_ctrl_pos(g, type);
	g->min_seq[type]++;
	shadow_prune(g, type);
}

/* try_to_inc_min_seq: drop the emptied oldest generations. */
static bool try_to_inc_min_seq(struct mglru *g, bool can_swap)
{
	uint64_t min_seq[ANON_AND_FILE] = { g->min_seq[0], g->min_seq[1] };
	bool success = false;

	for (int type = !can_swap; type < ANON_AND_FILE; type++) {
		while (min_seq[type] + MIN_NR_GENS <= g->max_seq &&
		       plist_empty(g->link, lru_list(g, lru_gen_from_seq(min_seq[type]), type)))
			min_seq[type]++;
	}
	if (can_swap) {
		uint64_t a = min_seq[LRU_GEN_ANON], f = min_seq[LRU_GEN_FILE];

		min_seq[LRU_GEN_ANON] = a < f ? a : f;
		f = g->min_seq[LRU_GEN_FILE];
		min_seq[LRU_GEN_FILE] = min_seq[LRU_GEN_ANON] > f ? min_seq[LRU_GEN_ANON] : f;
	}
	for (int type = !can_swap; type < ANON_AND_FILE; type++) {
		if (min_seq[type] == g->min_seq[type])
			continue;
		reset_ctrl_pos(g, type);
		g->min_seq[type] = min_seq[type];
		shadow_prune(g, type);
		success = true;
	}
	return success;
}

static bool should_run_aging(const struct mglru *g, bool can_swap)
{
	uint64_t old = 0, young = 0, total = 0;

	for (int type = !can_swap; type < ANON_AND_FILE; type++) {
		for (uint64_t seq = g->min_seq[type]; seq <= g->max_seq; seq++) {
			int64_t size = g->nr_pages[lru_gen_from_seq(seq)][type];
			uint64_t s = size > 0 ? (uint64_t)size : 0;

			total += s;
			if (seq == g->max_seq)
				young += s;
			else if (seq + MIN_NR_GENS == g->max_seq)
				old += s;
		}
	}
	if (g->min_seq[!can_swap] + MIN_NR_GENS > g->max_seq)
		return true;
	if (g->min_seq[!can_swap] + MIN_NR_GENS < g->max_seq)
		return false;
	if (young * MIN_NR_GENS > total)
		return true;
	if (old * (MIN_NR_GENS + 2) < total)
		return true;
	return false;
}

/* inc_max_seq: a new youngest generation. */
static void inc_max_seq(struct mglru *g, bool can_swap)
{
	for (int type = ANON_AND_FILE - 1; type >= 0; type--)
		if (get_nr_gens(g, type) == MAX_NR_GENS)
			inc_min_seq(g, type, can_swap);
	g->max_seq++;
}

/*
 * try_to_inc_max_seq: the page-table walk (walk_mm), here by rmap over the
 * tracked frames: an accessed bit set is cleared and the page promoted to
 * max_seq (folio_update_gen); then inc_max_seq.
 */
static void try_to_inc_max_seq(struct mglru *g, struct vmfs_reclaim *rc, bool can_swap)
{
	int new_gen = lru_gen_from_seq(g->max_seq);

	for (uint32_t n = 0; rc && n < g->c; n++) {
		int old_gen = g->gen[n] - 1;

		if (!g->gen[n] || (g->flags[n] & MG_ISOLATED) || !policy_referenced(rc, n, 1))
			continue;
		g->flags[n] &= (uint8_t)~MG_WORKINGSET;     /* LRU_REFS_FLAGS */
		if (old_gen != new_gen) {
			g->gen[n] = (uint8_t)(new_gen + 1);
			lru_gen_update_size(g, folio_type(g, n), old_gen, new_gen);
		}
	}
	inc_max_seq(g, can_swap);
}

/* ---- eviction ------------------------------------------------------------- */

/* sort_folio: true if @n was moved (promoted or protected) and is not a candidate. */
static bool sort_folio(struct mglru *g, uint32_t n, int tier_idx)
{
	int type = folio_type(g, n);
	int gen = g->gen[n] - 1;
	int tier = lru_tier_from_refs(folio_lru_refs(g, n));

	if (gen != lru_gen_from_seq(g->min_seq[type])) {        /* promoted */
		plist_unlink(g->link, n);
		list_add_young(g, n, lru_list(g, gen, type));
		return true;
	}
	if (tier > tier_idx) {                                  /* protected */
		gen = folio_inc_gen(g, n);
		plist_unlink(g->link, n);
		list_add_old(g, n, lru_list(g, gen, type));
		g->protected_[type][tier - 1]++;
		g->activate[type]++;
		return true;
	}
	return false;
}

/*
 * scan_folios and, for the folio isolated, shrink_page_list: the oldest
 * generation of @type from its oldest page; pages found referenced are
 * activated (max_seq) and the scan goes on; the first other isolated page
 * is the victim (*victim), off the lists.  Returns the pages isolated.
 */
static int scan_folios(struct mglru *g, struct vmfs_reclaim *rc, int type, int tier_idx,
		       uint32_t *victim, uint64_t *scanned)
{
	uint32_t head, moved = moved_list(g);
	int isolated = 0;

	if (get_nr_gens(g, type) == MIN_NR_GENS)
		return 0;
	head = lru_list(g, lru_gen_from_seq(g->min_seq[type]), type);
	while (!plist_empty(g->link, head)) {
		uint32_t n = g->link[head].next;

		(*scanned)++;
		if (sort_folio(g, n, tier_idx))
			continue;
		plist_unlink(g->link, n);
		if (!policy_evictable(rc, n)) {         /* skipped: back at the head later */
			list_add_young(g, n, moved);
			continue;
		}
		/* isolate_folio, lru_gen_del_folio */
		isolated++;
		lru_gen_update_size(g, type, g->gen[n] - 1, -1);
		if (policy_referenced(rc, n, 1)) {      /* folio_check_references: activate */
			g->pgactivate++;
			lru_gen_add_folio(g, n);
			continue;
		}
		g->flags[n] |= MG_ISOLATED;
		*victim = n;
		break;
	}
	while (!plist_empty(g->link, moved)) {           /* list_splice(&moved, head) */
		uint32_t n = g->link[moved].prev;

		plist_unlink(g->link, n);
		list_add_young(g, n, head);
	}
	return isolated;
}

/* isolate_folios: which type, then scan it (or the other). */
static int isolate_folios(struct mglru *g, struct vmfs_reclaim *rc, uint32_t *victim,
			  uint64_t *scanned)
{
	int type, tier = -1, isolated = 0;

	if (!g->swappiness)
		type = LRU_GEN_FILE;
	else if (g->min_seq[LRU_GEN_ANON] < g->min_seq[LRU_GEN_FILE])
		type = LRU_GEN_ANON;
	else if (g->swappiness == 1)
		type = LRU_GEN_FILE;
	else if (g->swappiness == 200)
		type = LRU_GEN_ANON;
	else
		type = get_type_to_scan(g, &tier);
	for (int i = !g->swappiness; i < ANON_AND_FILE; i++) {
		if (tier < 0)
			tier = get_tier_idx(g, type);
		isolated = scan_folios(g, rc, type, tier, victim, scanned);
		if (isolated)
			break;
		type = !type;
		tier = -1;
	}
	return isolated;
}

/*
 * Where Linux would stall (every page of the oldest generations pinned by
 * the engine for now), the first evictable page from the oldest
 * generation to the youngest, anon before file, is isolated as the victim
 * without more ado.
 */
static uint32_t isolate_any(struct mglru *g, struct vmfs_reclaim *rc, uint64_t *scanned)
{
	for (int type = !g->swappiness; type < ANON_AND_FILE; type++)
		for (uint64_t seq = g->min_seq[type]; seq <= g->max_seq; seq++) {
			uint32_t head = lru_list(g, lru_gen_from_seq(seq), type);

			for (uint32_t n = g->link[head].next; n != head; n = g->link[n].next) {
				(*scanned)++;
				if (!policy_evictable(rc, n))
					continue;
				plist_unlink(g->link, n);
				lru_gen_update_size(g, type, g->gen[n] - 1, -1);
				g->flags[n] |= MG_ISOLATED;
				return n;
			}
		}
	return PLIST_NIL;
}

/* The victim chosen was not removed: back as a rejected folio (active). */
static void putback_chosen(struct mglru *g)
{
	uint32_t n = g->chosen;

	if (n == PLIST_NIL)
		return;
	g->chosen = PLIST_NIL;
	g->flags[n] &= (uint8_t)~MG_ISOLATED;
	lru_gen_add_folio(g, n);
}

static int64_t mglru_victim(void *state, struct vmfs_reclaim *rc,
			    const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct mglru *g = state;
	bool can_swap = g->swappiness != 0;

	(void)incoming;
	putback_chosen(g);
	/*
	 * Each round without an isolation ages or drops an emptied
	 * generation; with an evictable page in a type that can be scanned,
	 * one is isolated within a few rounds (a page the aging promoted is
	 * not young any more, a protected one leaves its tier), so a long run
	 * of rounds without one means the rounds will not find one.
	 */
	for (int idle = 0; idle < 4 * MAX_NR_GENS; ) {
		uint32_t victim = PLIST_NIL;
		bool aged = false, progress;
		int isolated;

		if (should_run_aging(g, can_swap)) {    /* lru_gen_age_node */
			try_to_inc_max_seq(g, rc, can_swap);
			aged = true;
		}
		isolated = isolate_folios(g, rc, &victim, scanned);
		progress = try_to_inc_min_seq(g, can_swap);
		if (victim != PLIST_NIL) {
			g->chosen = victim;
			return victim;
		}
		if (!aged && !isolated && !progress)
			break;
		idle = isolated ? 0 : idle + 1;
	}
	g->chosen = isolate_any(g, rc, scanned);
	return g->chosen == PLIST_NIL ? -1 : (int64_t)g->chosen;
}

/* ---- callbacks -------------------------------------------------------------- */

/* Forget tracked frame @n, which was freed (not evicted). */
static void mglru_forget(struct mglru *g, uint32_t n)
{
	if (g->flags[n] & MG_ISOLATED) {
		g->chosen = PLIST_NIL;
	} else {
		plist_unlink(g->link, n);
		lru_gen_update_size(g, folio_type(g, n), g->gen[n] - 1, -1);
	}
	g->gen[n] = 0;
	g->flags[n] = 0;
}

static void mglru_removed(void *state, uint64_t pfn)
{
	struct mglru *g = state;
	uint32_t n = (uint32_t)pfn;

	if (pfn >= g->c || !g->gen[n])
		return;
	if (n == g->chosen)
		lru_gen_eviction(g, n);
	else
		putback_chosen(g);
	mglru_forget(g, n);
}

static void mglru_loaded(void *state, const struct vmfs_page *pg)
{
	struct mglru *g = state;
	uint32_t n = (uint32_t)pg->pfn, s;
	int type;

	if (pg->pfn >= g->c)
		return;
	if (g->gen[n])
		mglru_forget(g, n);
	putback_chosen(g);
	type = policy_page_of(pg)->swapbacked ? LRU_GEN_ANON : LRU_GEN_FILE;
	g->owner[n] = pg->owner;
	g->index[n] = pg->index;
	g->flags[n] = type == LRU_GEN_FILE ? MG_FILE : 0;
	if ((s = pghost_find(&g->shadows, pg->owner, pg->index)) != PLIST_NIL)
		lru_gen_refault(g, n, type, s);
	lru_gen_add_folio(g, n);
}

/* A mapped page's accesses set its accessed bits: nothing to do here. */
static void mglru_accessed(void *state, const struct vmfs_page *pg)
{
	(void)pg;
	putback_chosen(state);
}

static void mglru_release(void *state)
{
	struct mglru *g = state;

	if (!g)
		return;
	pghost_free(&g->shadows);
	free(g->link);
	free(g->gen);
	free(g->flags);
	free(g->owner);
	free(g->index);
	free(g->token);
	free(g);
}

static int mglru_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "swappiness" };
	uint64_t swappiness = UINT64_MAX;
	uint64_t nodes;
	struct mglru *g;

	if (policy_parse_params(arg, keys, &swappiness, 1) < 0 ||
	    (swappiness > 200 && swappiness != UINT64_MAX))
		return -EINVAL;
	if (nframes > (PLIST_NIL - NR_SENTINELS - 1) / 3)
		return -EINVAL;
	nodes = 3 * nframes;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->c = (uint32_t)nframes;
	g->swappiness_given = swappiness;
	g->swappiness = swappiness == UINT64_MAX ? 60 : (uint32_t)swappiness;
	g->link = malloc((nodes + NR_SENTINELS) * sizeof(*g->link));
	g->gen = calloc(nframes ? nframes : 1, 1);
	g->flags = calloc(nodes ? nodes : 1, 1);
	g->owner = calloc(nodes ? nodes : 1, sizeof(*g->owner));
	g->index = calloc(nodes ? nodes : 1, sizeof(*g->index));
	g->token = calloc(nframes ? 2 * nframes : 1, sizeof(*g->token));
	if (!g->link || !g->gen || !g->flags || !g->owner || !g->index || !g->token ||
	    pghost_init(&g->shadows, 2 * nframes, g->owner, g->index) < 0) {
		mglru_release(g);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < nodes; i++)
		g->link[i].next = g->link[i].prev = PLIST_NIL;
	for (uint32_t i = 0; i < NR_SENTINELS; i++)
		plist_head_init(g->link, (uint32_t)nodes + i);
	g->free_shadow = PLIST_NIL;
	for (uint64_t s = nodes; s-- > nframes;) {
		g->link[s].next = g->free_shadow;
		g->free_shadow = (uint32_t)s;
	}
	g->chosen = PLIST_NIL;
	g->max_seq = MIN_NR_GENS + 1;   /* lru_gen_init_lruvec; min_seq 0 */
	*state = g;
	return 0;
}

/* meminfo's lists as 6.1 accounts MGLRU pages, and its counters. */
/*
 * MADV_COLD (deactivate_page, lru_deactivate_fn with lru_gen_enabled): the
 * page leaves its generation and is added back inactive
 * (lru_gen_add_folio): a file page into its type's oldest generation,
 * min_seq, an anonymous one into min_seq + 1 (Linux's rule for an anon
 * folio not in the swap cache; the policy does not know the swap cache, so
 * every anonymous page goes there); at the young end of that list;
 * pgdeactivate counts it.
 */
void policy_mglru_deactivate(void *state, uint64_t pfn)
{
	struct mglru *g = state;
	uint32_t n = (uint32_t)pfn;
	int type, old_gen, new_gen;

	putback_chosen(g);
	if (pfn >= g->c || !g->gen[n] || (g->flags[n] & MG_ISOLATED))
		return;
	type = folio_type(g, n);
	old_gen = g->gen[n] - 1;
	new_gen = lru_gen_from_seq(g->min_seq[type] + (type == LRU_GEN_ANON));
	plist_unlink(g->link, n);
	g->gen[n] = (uint8_t)(new_gen + 1);
	lru_gen_update_size(g, type, old_gen, new_gen);
	list_add_young(g, n, lru_list(g, new_gen, type));
	g->pgdeactivate++;
}

void policy_mglru_lru_stat(void *state, struct vmfs_lru_stat *st)
{
	const struct mglru *g = state;
	uint64_t active[ANON_AND_FILE] = { 0, 0 }, all[ANON_AND_FILE] = { 0, 0 };

	for (int type = 0; type < ANON_AND_FILE; type++) {
		for (int gen = 0; gen < MAX_NR_GENS; gen++) {
			uint64_t s = g->nr_pages[gen][type] > 0 ? (uint64_t)g->nr_pages[gen][type] : 0;

			all[type] += s;
			if (gen == lru_gen_from_seq(g->max_seq) || gen == lru_gen_from_seq(g->max_seq - 1))
				active[type] += s;
		}
	}
	st->nr_active_anon = active[LRU_GEN_ANON];
	st->nr_inactive_anon = all[LRU_GEN_ANON] - active[LRU_GEN_ANON];
	st->nr_active_file = active[LRU_GEN_FILE];
	st->nr_inactive_file = all[LRU_GEN_FILE] - active[LRU_GEN_FILE];
	st->pgactivate = g->pgactivate;
	st->pgdeactivate = g->pgdeactivate;
	st->pgrefill = 0;
	st->workingset_refault_anon = g->refault[LRU_GEN_ANON];
	st->workingset_refault_file = g->refault[LRU_GEN_FILE];
	st->workingset_activate_anon = g->activate[LRU_GEN_ANON];
	st->workingset_activate_file = g->activate[LRU_GEN_FILE];
	st->workingset_restore_anon = g->restore[LRU_GEN_ANON];
	st->workingset_restore_file = g->restore[LRU_GEN_FILE];
	st->workingset_nodes = g->nr_shadows;
}

const struct vmfs_policy_ops policy_mglru_ops = {
	.name     = "mglru",
	.init     = mglru_init,
	.release  = mglru_release,
	.loaded   = mglru_loaded,
	.accessed = mglru_accessed,
	.removed  = mglru_removed,
	.victim   = mglru_victim,
};

void policy_mglru_swappiness(void *state, const uint64_t *set, uint64_t *given)
{
	struct mglru *g = state;

	if (given)
		*given = g->swappiness_given;
	if (set)
		g->swappiness = (uint32_t)*set;
}
