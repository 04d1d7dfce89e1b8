/*
 * policy_linux.c - Linux 6.1's page reclaim without the multi-generational
 * LRU: an inactive and an active list for anonymous pages and for file
 * pages, aged by the page-table accessed bit, and working-set detection by
 * refault distance (mm/vmscan.c, mm/workingset.c, mm/swap.c).
 *
 * Lists (enum lru_list, Linux's order): LRU_INACTIVE_ANON, LRU_ACTIVE_ANON,
 * LRU_INACTIVE_FILE, LRU_ACTIVE_FILE; a page is "anon" when it is swap
 * backed (private anonymous or shared anonymous memory, policy_page's
 * swapbacked), else "file".  Each page carries PG_referenced and
 * PG_workingset (PG_active is the list it is on).  As in Linux:
 *
 *   - folio_add_lru: a page loaded goes to the head of its inactive list,
 *     or of its active list when workingset_refault activated it;
 *   - workingset_eviction: an evicted page leaves a shadow entry holding
 *     nonresident_age at its eviction and its PG_workingset, then the age
 *     goes up by one;
 *   - workingset_refault: a page loaded over its shadow is a refault
 *     (workingset_refault_anon/file); if its refault distance, the age now
 *     minus the age in the shadow, is at most the working set (active file,
 *     plus inactive file for an anon page, plus active anon, plus inactive
 *     anon for a file page: swap is taken as always there), the page is
 *     activated (workingset_activate_*) and the age goes up by one, and if
 *     the shadow had PG_workingset it gets it back (workingset_restore_*);
 *   - shrink_inactive_list / shrink_folio_list / folio_check_references:
 *     pages are taken from the inactive tail; the accessed bits of its
 *     entries are tested and cleared (folio_referenced) and PG_referenced
 *     tested and cleared; a page referenced through its entries gets
 *     PG_referenced and is activated if it had PG_referenced already
 *     (pgactivate; move_folios_to_lru ages nonresident_age by one), else
 *     kept: back to the inactive head; a page not referenced is reclaimed;
 *   - shrink_active_list: when inactive_is_low (inactive * inactive_ratio <
 *     active, the ratio int_sqrt(10 * GB) of the type's LRU size, 1 below a
 *     GB), SWAP_CLUSTER_MAX (32) pages from the active tail are looked at
 *     (pgrefill), their accessed bits cleared, and moved, oldest first, to
 *     the inactive head with PG_workingset (pgdeactivate).
 *
 * What differs from Linux, in the model the machine allows:
 *
 *   - One page per allocation: the engine asks for a victim when a frame is
 *     needed and evicts just that one (no watermarks, no kswapd), where
 *     direct reclaim would free 32.  So a reclaim round (one
 *     shrink_inactive_list of nr_to_scan = SWAP_CLUSTER_MAX) spans victim()
 *     calls: at its start the type to scan is chosen and the active lists
 *     aged, and it then isolates min(32, inactive size) pages from the
 *     tail, which victim() decides on one by one, returning at the first
 *     to reclaim; the next call goes on with the round.  A page's fate is
 *     decided when reached, with the accessed bits of that moment.
 *   - get_scan_count: a round reclaims from one type, the one whose number
 *     of LRU pages weighted by swappiness (anon) or 200 - swappiness (file)
 *     is larger (file on a tie; the only type that has pages when one has
 *     none).  No priorities, no IO cost (lru_note_cost), no cache trim
 *     mode; since even a round on file pages rebalances the anon lists in
 *     shrink_lruvec, the anon lists are aged too when theirs is low.  The
 *     active lists are aged only when inactive_is_low, not also when
 *     refaults were seen (may_deactivate's second reason).
 *   - VM_EXEC and mlock are not known: no executable file page is kept
 *     active, and folio_referenced counts one entry at most (so the
 *     "referenced_ptes > 1" activation of a page mapped twice does not
 *     happen); a page that victim() cannot take now (vmfs_page_evictable)
 *     is rotated to the head of its list, as isolate_lru_folios does with
 *     a busy page.
 *   - accessed() does nothing: Linux does not see accesses to mapped pages,
 *     only their accessed bits.  Reads and writes of objects through
 *     vmfs_object_read/write reach the policy as accessed() too, not as
 *     mark_page_accessed, so they leave no PG_referenced either (nor does
 *     zap_pte_range's mark_page_accessed of a young file page unmapped).
 *   - Dirty file pages: the engine writes a dirty object page back when it
 *     evicts it; Linux's direct reclaim never writes file pages, it
 *     activates them (and keeps FOLIOREF_RECLAIM_CLEAN ones) and leaves
 *     the writing to the flusher threads.  The policy does not see the
 *     dirty bit, so here a dirty file page is reclaimed like a clean one.
 *   - Shadow entries: at most one per frame, the oldest dropped first
 *     (count_shadow_nodes keeps the shadow nodes to about one entry per
 *     page of memory, since a longer refault distance never activates);
 *     a page freed (unmapped, truncated) rather than evicted leaves none.
 *   - *scanned counts the inactive pages looked at (Linux's pgscan), the
 *     active ones count in pgrefill.
 *
 * Parameters (linux:KEY=VALUE): swappiness=N, 0 to 200, default 60.
 *
 * Layout: a struct pdir (policy.h) with the four LRU lists and the shadow
 * list, each list's first node the oldest (Linux's tail: pdir_add_tail is
 * Linux's list_add at the head); one shadow node per frame (+1); flags[]
 * holds PG_referenced and PG_workingset; shadow[] the packed eviction age
 * and workingset bit of each shadow node (pack_shadow).  What stays true:
 * the tracked frames are exactly those on the four LRU lists; the
 * directory holds exactly the shadows, at most nframes (one more only
 * inside workingset_eviction); a page loaded takes its shadow out.  Cost:
 * loaded(), accessed() and removed() O(1) (expected, for the directory);
 * victim() looks at each page a bounded number of times per eviction
 * (amortised O(1)), with 32 active pages per aging.  67 to 75 bytes per
 * frame (26 for the frame, 33 for its shadow node, 8 to 16 of directory).
 */
#include "policy.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

enum lru_list { LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, LRU_SHADOW };

#define LRU_ACTIVE        1          /* inactive + LRU_ACTIVE: the active list of that type */
#define LRU_FILE          2          /* inactive list of type t: LRU_FILE * t */
#define SWAP_CLUSTER_MAX  32

#define PG_referenced 0x01
#define PG_workingset 0x02
#define PG_file       0x04           /* on the file lists */

_Static_assert(LRU_SHADOW < PDIR_MAXLISTS, "struct pdir has room for the shadow list");

struct linux_lru {
	struct pdir d;                  /* first: release() is pdir_release */
	uint64_t    swappiness;         /* vm.swappiness, or the parameter's */
	uint64_t    swappiness_given;   /* linux:swappiness=N, or UINT64_MAX */
	uint64_t    nonresident_age;    /* lruvec->nonresident_age */
	uint64_t   *shadow;             /* by shadow node - c: age << 1 | workingset */
	unsigned    round_type;         /* 0 anon, 1 file: the type the round reclaims */
	uint32_t    round_left;         /* pages of the round's batch not yet looked at */
	struct vmfs_lru_stat st;        /* the counters (the sizes are the lists') */
};

/* pdir's tail is Linux's head: lruvec_add_folio. */
static void lruvec_add_folio(struct linux_lru *l, uint32_t n, unsigned lru)
{
	pdir_add_tail(&l->d, n, lru);
}

static void workingset_age_nonresident(struct linux_lru *l)
{
	l->nonresident_age++;
}

static void linux_release(void *state)
{
	struct linux_lru *l = state;

	if (l)
		free(l->shadow);
	pdir_release(state);
}

static int linux_init(void **state, uint64_t nframes, void *arg)
{
	static const char *const keys[] = { "swappiness" };
	uint64_t swappiness = UINT64_MAX;
	struct linux_lru *l;
	int rc;

	if (policy_parse_params(arg, keys, &swappiness, 1) < 0 ||
	    (swappiness > 200 && swappiness != UINT64_MAX))
		return -EINVAL;
	if (nframes >= PLIST_NIL / 4)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->swappiness_given = swappiness;
	l->swappiness = swappiness == UINT64_MAX ? 60 : swappiness;
	/* A shadow per frame, and the one entering before the oldest goes. */
	if ((rc = pdir_init(&l->d, nframes, nframes + 1)) < 0) {
		free(l);
		return rc;
	}
	l->shadow = calloc(nframes + 1, sizeof(*l->shadow));
	if (!l->shadow) {
		linux_release(l);
		return -ENOMEM;
	}
	*state = l;
	return 0;
}

/* workingset_eviction: the shadow of evicted frame @n. */
static void workingset_eviction(struct linux_lru *l, uint32_t n, uint8_t flags)
{
	struct pdir *d = &l->d;
	uint32_t g;

	pdir_ghost_add(d, n, LRU_SHADOW);
	g = d->link[pdir_head(d, LRU_SHADOW)].prev;     /* the newest shadow */
	l->shadow[g - d->c] = l->nonresident_age << 1 | !!(flags & PG_workingset);
	workingset_age_nonresident(l);
	while (d->size[LRU_SHADOW] > d->c)
		pdir_ghost_drop(d, pdir_first(d, LRU_SHADOW));
}

static void linux_removed(void *state, uint64_t pfn)
{
	struct linux_lru *l = state;
	uint8_t flags = pfn < l->d.c ? l->d.flags[pfn] : 0;
	int lru = pdir_removed(&l->d, pfn);

	if (lru >= 0 && (lru & PDIR_EVICTED))
		workingset_eviction(l, (uint32_t)pfn, flags);
}

/* workingset_refault: @pg comes back over shadow @g; true if it is activated. */
static bool workingset_refault(struct linux_lru *l, uint32_t g, bool file, uint8_t *flags)
{
	const uint32_t *size = l->d.size;
	uint64_t shadow = l->shadow[g - l->d.c];
	uint64_t refault_distance = l->nonresident_age - (shadow >> 1);
	uint64_t workingset_size;

	pdir_ghost_drop(&l->d, g);
	if (file)
		l->st.workingset_refault_file++;
	else
		l->st.workingset_refault_anon++;
	workingset_size = size[LRU_ACTIVE_FILE] + size[LRU_ACTIVE_ANON];
	workingset_size += file ? size[LRU_INACTIVE_ANON] : size[LRU_INACTIVE_FILE];
	if (refault_distance > workingset_size)
		return false;
	workingset_age_nonresident(l);
	if (file)
		l->st.workingset_activate_file++;
	else
		l->st.workingset_activate_anon++;
	if (shadow & 1) {      /* active before its eviction */
		*flags |= PG_workingset;
		if (file)
			l->st.workingset_restore_file++;
		else
			l->st.workingset_restore_anon++;
	}
	return true;
}

static void linux_loaded(void *state, const struct vmfs_page *pg)
{
	struct linux_lru *l = state;
	bool file = !policy_page_of(pg)->swapbacked;
	uint8_t flags = file ? PG_file : 0;
	unsigned lru = file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
	uint32_t g;

	if (!pdir_loaded(&l->d, pg, 0, &g))
		return;
	if (g != PLIST_NIL && workingset_refault(l, g, file, &flags))
		lru += LRU_ACTIVE;
	l->d.flags[pg->pfn] = flags;
	lruvec_add_folio(l, (uint32_t)pg->pfn, lru);
}

/* Linux sees no access to a mapped page, only its accessed bits. */
static void linux_accessed(void *state, const struct vmfs_page *pg)
{
	struct linux_lru *l = state;

	(void)pg;
	l->d.chosen = PLIST_NIL;   /* a victim not taken is no longer one */
}

static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

static bool inactive_is_low(const struct linux_lru *l, unsigned inactive_lru)
{
	uint64_t inactive = l->d.size[inactive_lru], active = l->d.size[inactive_lru + LRU_ACTIVE];
	uint64_t gb = (inactive + active) >> (30 - VMFS_PAGE_SHIFT);
	uint64_t inactive_ratio = gb ? int_sqrt(10 * gb) : 1;

	return inactive * inactive_ratio < active;
}

/*
 * shrink_active_list(SWAP_CLUSTER_MAX): the oldest active pages of
 * @active_lru move to the inactive head with PG_workingset, their accessed
 * bits cleared; busy ones go back to the active head.  The pages moved.
 */
static uint32_t shrink_active_list(struct linux_lru *l, struct vmfs_reclaim *rc, unsigned active_lru,
				   uint32_t *steps)
{
	uint32_t moved = 0;

	for (uint32_t i = 0; i < SWAP_CLUSTER_MAX && l->d.size[active_lru]; i++) {
		uint32_t n = pdir_first(&l->d, active_lru);

		(*steps)++;
		l->st.pgrefill++;
		if (!policy_evictable(rc, n)) {
			lruvec_add_folio(l, n, active_lru);
			continue;
		}
		(void)policy_referenced(rc, n, 1);   /* no VM_EXEC: referenced or not, out */
		l->d.flags[n] |= PG_workingset;
		lruvec_add_folio(l, n, active_lru - LRU_ACTIVE);
		l->st.pgdeactivate++;
		moved++;
	}
	return moved;
}

/* get_scan_count, reduced to a choice of type (see the top of the file). */
static int get_scan_type(const struct linux_lru *l, unsigned failed)
{
	const uint32_t *size = l->d.size;
	uint64_t anon = size[LRU_INACTIVE_ANON] + size[LRU_ACTIVE_ANON];
	uint64_t file = size[LRU_INACTIVE_FILE] + size[LRU_ACTIVE_FILE];

	if (failed & 1)
		anon = 0;
	if (failed & 2)
		file = 0;
	if (!anon && !file)
		return -1;
	if (!anon || !file)
		return !!file;
	return anon * l->swappiness > file * (200 - l->swappiness) ? 0 : 1;
}

/*
 * A new round: its type, the aging of the active lists (also, when @forced
 * names the type, without inactive_is_low: do_try_to_free_pages's
 * force_deactivate after a pass that could not deactivate), its batch.
 * *moved: the pages of that type deactivated.
 */
static bool shrink_lruvec_start(struct linux_lru *l, struct vmfs_reclaim *rc, unsigned failed,
				unsigned forced, uint32_t *steps, uint32_t *moved)
{
	int type = get_scan_type(l, failed);
	unsigned inactive;

	if (type < 0)
		return false;
	inactive = LRU_FILE * (unsigned)type;
	*moved = 0;
	if (inactive_is_low(l, inactive) || (forced & (1u << type)))
		*moved = shrink_active_list(l, rc, inactive + LRU_ACTIVE, steps);
	if (type && inactive_is_low(l, LRU_INACTIVE_ANON))
		(void)shrink_active_list(l, rc, LRU_ACTIVE_ANON, steps);
	l->round_type = (unsigned)type;
	l->round_left = l->d.size[inactive] < SWAP_CLUSTER_MAX ? l->d.size[inactive] : SWAP_CLUSTER_MAX;
	return true;
}

enum folio_references { FOLIOREF_RECLAIM, FOLIOREF_KEEP, FOLIOREF_ACTIVATE };

static enum folio_references folio_check_references(struct linux_lru *l, struct vmfs_reclaim *rc,
						    uint32_t n)
{
	bool referenced_ptes = policy_referenced(rc, n, 1);
	bool referenced_folio = l->d.flags[n] & PG_referenced;

	l->d.flags[n] &= (uint8_t)~PG_referenced;
	if (referenced_ptes) {
		l->d.flags[n] |= PG_referenced;
		return referenced_folio ? FOLIOREF_ACTIVATE : FOLIOREF_KEEP;
	}
	return FOLIOREF_RECLAIM;     /* FOLIOREF_RECLAIM_CLEAN is the same here */
}

static int64_t linux_victim(void *state, struct vmfs_reclaim *rc,
			    const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct linux_lru *l = state;
	struct pdir *d = &l->d;
	uint32_t count = d->size[0] + d->size[1] + d->size[2] + d->size[3];
	uint32_t steps = 0, limit = 8 * (count + SWAP_CLUSTER_MAX);
	unsigned failed = 0;       /* types given up: nothing to take, even after forced aging */
	unsigned forced = 0;       /* types whose next round ages their active list anyway */
	bool progress = true;      /* the round did something (a page decided, or deactivated) */

	(void)incoming;
	d->chosen = PLIST_NIL;
	while (steps < limit) {
		unsigned inactive;
		uint32_t moved;

		if (!l->round_left) {
			if (!progress) {
				unsigned bit = 1u << l->round_type;

				failed |= forced & bit;
				forced |= bit;
			}
			if (!shrink_lruvec_start(l, rc, failed, forced, &steps, &moved))
				return -1;
			progress = moved > 0;
			if (!l->round_left)    /* nothing inactive even after aging */
				continue;
		}
		inactive = LRU_FILE * l->round_type;
		if (!d->size[inactive]) {
			l->round_left = 0;
			continue;
		}
		uint32_t n = pdir_first(d, inactive);

		l->round_left--;
		steps++;
		(*scanned)++;
		if (!policy_evictable(rc, n)) {
			lruvec_add_folio(l, n, inactive);
			continue;
		}
		progress = true;
		switch (folio_check_references(l, rc, n)) {
		case FOLIOREF_ACTIVATE:
			lruvec_add_folio(l, n, inactive + LRU_ACTIVE);
			l->st.pgactivate++;
			workingset_age_nonresident(l);   /* move_folios_to_lru of an active folio */
			break;
		case FOLIOREF_KEEP:
			lruvec_add_folio(l, n, inactive);
			break;
		case FOLIOREF_RECLAIM:
			d->chosen = n;
			return n;
		}
	}
	return -1;
}

/*
 * MADV_COLD (madvise_cold_or_pageout_pte_range): PG_referenced is cleared
 * (folio_clear_referenced); an active page goes to the head of its type's
 * inactive list (deactivate_page, lru_deactivate_fn: pgdeactivate); an
 * inactive one stays where it is.
 */
void policy_linux_deactivate(void *state, uint64_t pfn)
{
	struct linux_lru *l = state;
	struct pdir *d = &l->d;
	uint32_t n = (uint32_t)pfn;
	unsigned lru;

	if (pfn >= d->c || d->where[n] == PDIR_NOWHERE)
		return;
	d->chosen = PLIST_NIL;
	d->flags[n] &= (uint8_t)~PG_referenced;
	lru = d->where[n];
	if (!(lru & LRU_ACTIVE))
		return;
	lruvec_add_folio(l, n, lru - LRU_ACTIVE);
	l->st.pgdeactivate++;
}

void policy_linux_lru_stat(void *state, struct vmfs_lru_stat *st)
{
	const struct linux_lru *l = state;
	const uint32_t *size = l->d.size;

	*st = l->st;
	st->nr_inactive_anon = size[LRU_INACTIVE_ANON];
	st->nr_active_anon = size[LRU_ACTIVE_ANON];
	st->nr_inactive_file = size[LRU_INACTIVE_FILE];
	st->nr_active_file = size[LRU_ACTIVE_FILE];
	st->workingset_nodes = size[LRU_SHADOW];
}

uint64_t policy_linux_page_flags(const void *state, uint64_t pfn)
{
	const struct linux_lru *l = state;
	uint64_t u = 0;

	if (pfn >= l->d.c)
		return 0;
	if (l->d.where[pfn] == LRU_ACTIVE_ANON || l->d.where[pfn] == LRU_ACTIVE_FILE)
		u |= 1ull << VMFS_KPF_ACTIVE;
	if (l->d.flags[pfn] & PG_referenced)
		u |= 1ull << VMFS_KPF_REFERENCED;
	return u;
}

const struct vmfs_policy_ops policy_linux_ops = {
	.name     = "linux",
	.init     = linux_init,
	.release  = linux_release,
	.loaded   = linux_loaded,
	.accessed = linux_accessed,
	.removed  = linux_removed,
	.victim   = linux_victim,
};


void policy_linux_swappiness(void *state, const uint64_t *set, uint64_t *given)
{
	struct linux_lru *l = state;

	if (given)
		*given = l->swappiness_given;
	if (set)
		l->swappiness = *set;
}
