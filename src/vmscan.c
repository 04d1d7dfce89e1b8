/*
 * vmscan.c - reclaim: eviction through the reverse map and allocation
 * under memory pressure (see vmscan.h); a page's life before and after is
 * page.c's.
 *
 * A data frame's life with swap:
 *
 *   page_alloc ──► loaded ──(accessed …)──► shrink_page ──► FREE
 *                    ▲                          │ dirty: write slot (pswpout)
 *                    │                          │ clean: keep slot / drop zero page
 *                    │                          ▼
 *   do_swap_page ◄── entries hold the slot (swap entries, object page cache)
 *   (read slot: pswpin, major fault; the frame keeps the slot: swap cache)

 */
#include "vmscan.h"
#include "machine.h"
#include "error.h"
#include "huge_memory.h"
#include "page.h"
#include "rmap.h"
#include "swap.h"
#include "vmobj.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

struct referenced_ctx {
	bool clear;     /* clear the accessed bits found (the clock's test) */
	bool found;     /* some entry had its accessed bit set */
};

/*
 * folio_referenced_one: one entry's accessed bit.  Only asking stops the
 * walk at the first bit set; clearing goes on to the next entry, so that
 * one walk visits every mapping once.
 */
static int referenced_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	struct referenced_ctx *c = arg;

	(void)m;
	if (!(*ptep & PTE_A))
		return 0;
	c->found = true;
	if (!c->clear)
		return 1;
	set_pte(mm, va, ptep, *ptep & ~PTE_A);
	return 0;
}

int page_referenced_ptes(struct vmfs *m, uint64_t pfn, bool clear)
{
	struct referenced_ctx c = { .clear = clear };

	if (pfn >= m->phys.nframes || !pfn_frame(&m->phys, pfn)->mapcount)
		return 0;
	rmap_walk(m, pfn, referenced_fn, &c);
	return c.found;
}

/*
 * folio_referenced: the entries' accessed bits, and then the young flag
 * idle tracking left when it cleared one (pageflags.c), so that tracking
 * never hides a reference from reclaim; a reference found ends the idle
 * state (folio_clear_idle).
 */
int page_referenced(struct vmfs *m, uint64_t pfn, bool clear)
{
	struct frame *f;
	int found = page_referenced_ptes(m, pfn, clear);

	if (pfn >= m->phys.nframes || !(f = pfn_frame(&m->phys, pfn))->mapcount)
		return 0;
	if (found)
		f->flags &= ~FRAME_IDLE;
	if (f->flags & FRAME_YOUNG) {
		found = 1;
		if (clear)
			f->flags &= ~FRAME_YOUNG;
	}
	return found;
}

bool page_evictable(const struct vmfs_reclaim *rc, uint64_t pfn)
{
	const struct frame *f;

	if (pfn >= rc->m->phys.nframes)
		return false;
	f = pfn_frame(&rc->m->phys, pfn);
	if ((f->flags & FRAME_KIND_MASK) == FRAME_FREE || (f->flags & (FRAME_LOCKED | FRAME_MLOCKED)) ||
	    !(f->flags & FRAME_TRACKED))
		return false;
	for (int i = 0; i < rc->nskip; i++)
		if (rc->skip[i] == pfn)
			return false;
	return true;
}

/*
 * A policy's two questions (policy.h), asked from victim() with the lock
 * held; libvmfs's vmfs_page_referenced and vmfs_page_evictable are these.
 */
int reclaim_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear)
{
	return page_referenced(rc->m, pfn, clear);
}

int reclaim_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	return page_evictable(rc, pfn);
}

static int dirty_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	(void)m;
	(void)mm;
	(void)va;
	(void)arg;
	return (*ptep & PTE_D) ? 1 : 0;
}

bool page_dirty(struct vmfs *m, uint64_t pfn)
{
	return (pfn_frame(&m->phys, pfn)->flags & FRAME_DIRTY) || rmap_walk(m, pfn, dirty_fn, NULL);
}

struct unmap_ctx {
	uint64_t newpte;   /* what the entries become: a swap entry or none */
	uint64_t slot;
};

/* try_to_unmap_one: take the frame out of one entry. */
static int unmap_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	struct unmap_ctx *c = arg;
	uint64_t pfn = pte_pfn(*ptep);

	/* The soft-dirty bit goes into the swap entry (pte_swp_mksoft_dirty). */
	set_pte(mm, va, ptep, c->newpte && (*ptep & PTE_SOFT_DIRTY) ? c->newpte | PTE_SWP_SOFT_DIRTY
								    : c->newpte);
	if (c->newpte) {
		swap_get(&m->swap, c->slot);
		mm->c.swapents++;
	}
	page_remove_rmap(m, mm, pfn);
	page_put(m, pfn);   /* never the last: shrink_page holds the frame */
	return 0;
}

/*
 * The entries mapping a page about to be evicted, found by one reverse-map
 * walk that also reads their dirty bits, so that unmapping them needs no
 * second walk when there are few (nearly always one): nothing between the
 * two steps changes a page table.
 */
#define SHRINK_ENTRIES 8

struct shrink_entries {
	bool      dirty;   /* some entry has its dirty bit set */
	uint32_t  n;       /* entries found (more than SHRINK_ENTRIES: walk again) */
	struct { struct mm *mm; uint64_t va, *ptep; } e[SHRINK_ENTRIES];
};

static int collect_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	struct shrink_entries *c = arg;

	(void)m;
	c->dirty |= (*ptep & PTE_D) != 0;
	if (c->n < SHRINK_ENTRIES) {
		c->e[c->n].mm = mm;
		c->e[c->n].va = va;
		c->e[c->n].ptep = ptep;
	}
	c->n++;
	return 0;
}

static int shrink_page(struct vmfs *m, uint64_t pfn);

/*
 * A huge page chosen for eviction is split first (shrink_folio_list's
 * split_folio_to_list, as 6.1 does without THP_SWAP), then its 512 pages
 * go one by one; those that cannot (swap full) stay, known to the policy.
 * 0 when all went, or the first error.
 */
static int shrink_huge_page(struct vmfs *m, uint64_t head)
{
	int rc = 0;

	split_huge_page(m, head);
	for (unsigned i = 0; i < HPAGE_PMD_NR; i++) {
		int r = shrink_page(m, head + i);

		if (r < 0 && !rc)
			rc = r;
	}
	return rc;
}

/* shrink_page: evict @pfn.  0, or -errno with nothing changed. */
static int shrink_page(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);
	bool anon = (f->flags & FRAME_KIND_MASK) == FRAME_ANON;
	bool file = !anon && vmobj_is_file(f->mapping);
	struct shrink_entries ents;
	bool dirty;
	uint64_t slot = f->swap;
	struct unmap_ctx c;
	bool lazy = false;
	int rc;

	if (f->flags & FRAME_HEAD)
		return shrink_huge_page(m, pfn);
	ents.dirty = false;
	ents.n = 0;
	rmap_walk(m, pfn, collect_fn, &ents);
	dirty = (f->flags & FRAME_DIRTY) || ents.dirty;   /* page_dirty, from the same walk */

	if (anon && (f->flags & FRAME_LAZYFREE)) {
		/*
		 * MADV_FREE's page (try_to_unmap_one's !swapbacked case): clean,
		 * it is dropped with no write, and its entries become none, so
		 * the next touch finds a zero page; written since, it is
		 * swap-backed again and goes to swap as any anonymous page.
		 */
		f->flags &= ~FRAME_LAZYFREE;
		lazy = !dirty;
	}
	if (lazy) {
		/* nothing to write: the contents are given up (a slot still held goes below) */
		if (slot)
			swap_get(&m->swap, slot);
	} else if (file) {
		/* An object page goes back to its object, never to swap. */
		const struct vmobj *o = f->mapping;

		assert(!dirty || o->kind == VMOBJ_FILE);   /* a host file's pages are never written */
		if (dirty && m->phys.contents &&
		    (rc = store_obj_page_write(m->store, o->sid, f->index, pfn_to_virt(&m->phys, pfn))) < 0)
			return rc;
		if (dirty) {   /* pageout(): NR_VMSCAN_WRITE, and the bio's PGPGOUT */
			m->cnt.nr_vmscan_write++;
			m->cnt.pgpgout++;
		}
	} else if (dirty) {
		bool fresh = !slot;

		if (fresh) {
			int64_t s = swap_alloc(&m->swap);

			if (s < 0)
				return (int)s;
			slot = (uint64_t)s;
		}
		swap_get(&m->swap, slot);
		rc = swap_writepage(&m->swap, slot, page_address(&m->phys, pfn, false));
		if (rc < 0) {
			swap_put(&m->swap, slot);
			return rc;
		}
		m->cnt.pswpout++;
		m->cnt.nr_vmscan_write++;
		m->cnt.pgpgout++;
	} else if (slot) {
		swap_get(&m->swap, slot);
	}
	/* From here nothing can fail.  Hold the frame while its entries go. */
	get_page(m, pfn);
	c.slot = slot;
	c.newpte = anon && slot && !lazy ? swp_entry(slot) : 0;
	if (ents.n <= SHRINK_ENTRIES)
		for (uint32_t i = 0; i < ents.n; i++)
			unmap_fn(m, ents.e[i].mm, ents.e[i].va, ents.e[i].ptep, &c);
	else
		rmap_walk(m, pfn, unmap_fn, &c);
	assert(f->mapcount == 0);
	if (anon) {
		if (f->swap) {
			swap_cache_del(&m->swap, f->swap);
			swap_put(&m->swap, f->swap);
			f->swap = 0;
			page_put(m, pfn);   /* the swap cache's reference */
		}
	} else {
		struct vmobj *o = f->mapping;

		assert(vmobj_lookup(o, f->index) && *vmobj_lookup(o, f->index) == pfn);
		if (slot)
			vmobj_swapout_page(m, o, f->index, slot);
		else
			vmobj_remove_page(o, f->index);
		if (f->swap) {
			swap_put(&m->swap, f->swap);
			f->swap = 0;
		}
		page_put(m, pfn);   /* the page cache's reference */
	}
	f->flags &= ~FRAME_DIRTY;
	if (slot)
		swap_put(&m->swap, slot);
	assert(f->refcount == 1);
	page_put(m, pfn);
	if (lazy)
		m->cnt.pglazyfreed++;
	return 0;
}

/* reclaim_pages' shrink_folio_list: counted in pswpout and pglazyfreed, not pgsteal/pgscan. */
int reclaim_page(struct vmfs *m, uint64_t pfn)
{
	struct vmfs_reclaim rc = { .m = m };
	int err;

	if (!page_evictable(&rc, pfn))
		return 0;
	m->pol_last = UINT64_MAX;
	err = shrink_page(m, pfn);
	return err < 0 ? err : 1;
}

/* Evict one page chosen by the policy: 1, 0 when nothing can go, or -errno. */
static int shrink_one(struct vmfs *m, struct vmfs_reclaim *rc, const struct vmfs_page *incoming)
{
	for (;;) {
		uint64_t scanned = 0;
		int64_t v;

		m->pol_last = UINT64_MAX;
		v = m->pol->victim(m->pol_state, rc, incoming, &scanned);
		int err;
		bool evictable;

		m->cnt.pgscan += scanned;
		/* PGSCAN_ANON + file: a call's scan counts under its victim's LRU
		 * type; with no victim it can go, under file */
		evictable = v >= 0 && page_evictable(rc, (uint64_t)v);
		if (evictable && page_swapbacked(pfn_frame(&m->phys, (uint64_t)v)))
			m->cnt.pgscan_anon += scanned;
		else
			m->cnt.pgscan_file += scanned;
		if (v < 0)
			return 0;
		if (!evictable) {
			err = -EAGAIN;
		} else {
			/* PGSTEAL_ANON + file: page_is_file_lru(), so shared memory
			 * counts as anon (MADV_PAGEOUT's reclaim_page is no steal) */
			bool file = !page_swapbacked(pfn_frame(&m->phys, (uint64_t)v));

			err = shrink_page(m, (uint64_t)v);
			if (err == 0) {
				m->cnt.pgsteal++;
				if (file)
					m->cnt.pgsteal_file++;
				else
					m->cnt.pgsteal_anon++;
				return 1;
			}
			if (err != -ENOSPC)
				return err;
		}
		/* This page cannot go now (swap full, or refused): try others. */
		if (rc->nskip == RECLAIM_SKIP)
			return 0;
		rc->skip[rc->nskip++] = (uint64_t)v;
	}
}

int64_t page_alloc(struct vmfs *m, enum frame_kind kind, unsigned gfp, const struct vmfs_page *incoming)
{
	struct vmfs_reclaim rc;   /* skip[] is read only below nskip: not cleared, on every miss */

	rc.m = m;
	rc.nskip = 0;

	for (;;) {
		int64_t pfn = frame_alloc(&m->phys, kind, gfp & GFP_ZERO);
		int got;

		if (pfn >= 0)
			return pfn;
		got = shrink_one(m, &rc, incoming);
		if (got < 0)
			return got;
		if (got == 0) {
			if (!(gfp & GFP_NOWARN))
				m->cnt.oom_kill++;
			return vm_error(-ENOMEM, "out of memory: no free frame and nothing can be evicted");
		}
	}
}

int64_t reclaim_pages(struct vmfs *m, uint64_t n)
{
	struct vmfs_reclaim rc = { .m = m };
	int64_t done = 0;

	while ((uint64_t)done < n) {
		int got = shrink_one(m, &rc, NULL);

		if (got < 0)
			return done ? done : got;
		if (got == 0)
			break;
		done++;
	}
	return done;
}
