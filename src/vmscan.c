/*
 * vmscan.c - reclaim: the policy's hooks, eviction through the reverse map,
 * the swap cache, and allocation under memory pressure (see vmscan.h).
 *
 * A data frame's life with swap:
 *
 *   page_alloc ──► loaded ──(accessed …)──► shrink_page ──► FREE
 *                    ▲                          │ dirty: write slot (pswpout)
 *                    │                          │ clean: keep slot / drop zero page
 *                    │                          ▼
 *   do_swap_page ◄── entries hold the slot (swap entries, object page cache)
 *   (read slot: pswpin, major fault; the frame keeps the slot: swap cache)
 *
 * Frame references while in the anonymous swap cache: one per mapping
 * entry plus one for the cache; the slot's references: one per swap entry
 * plus one for the cache.  A shared-memory page's cache reference is its
 * object's.
 */
#include "vmscan.h"
#include "machine.h"
#include "error.h"
#include "object.h"
#include "rmap.h"
#include "swap.h"
#include "vmobj.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

void page_loaded(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);
	struct vmfs_page pg;

	/* The owner is fixed while the page is tracked: look it up once. */
	f->owner = (f->flags & FRAME_KIND_MASK) == FRAME_ANON
		   ? ((const struct anon_vma *)f->mapping)->id
		   : ((const struct vmobj *)f->mapping)->id;
	f->flags |= FRAME_TRACKED;
	page_describe(m, pfn, &pg);
	m->pol_last = POL_LOADED;
	m->pol->loaded(m->pol_state, &pg);
}

void page_put(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if (f->refcount > 1) {
		frame_put(&m->phys, pfn);
		return;
	}
	if (f->flags & FRAME_TRACKED) {
		m->pol_last = UINT64_MAX;
		m->pol->removed(m->pol_state, pfn);
	}
	if (f->swap) {
		if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON)
			swap_cache_del(&m->swap, f->swap);
		swap_put(&m->swap, f->swap);
		f->swap = 0;
	}
	frame_put(&m->phys, pfn);
}

bool page_exclusive(const struct vmfs *m, uint64_t pfn)
{
	const struct frame *f = pfn_frame(&m->phys, pfn);

	if ((f->flags & FRAME_KIND_MASK) != FRAME_ANON || f->mapcount != 1)
		return false;
	if (!f->swap)
		return f->refcount == 1;
	return f->refcount == 2 && swap_refs(&m->swap, f->swap) == 1;
}

bool reuse_swap_page(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if (!page_exclusive(m, pfn))
		return false;
	if (!f->swap)
		return true;
	swap_cache_del(&m->swap, f->swap);
	swap_put(&m->swap, f->swap);
	f->swap = 0;
	frame_put(&m->phys, pfn);   /* the cache's reference; the mapping's stays */
	return true;
}

void page_dirtied(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if (!f->swap)
		return;
	if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON) {
		reuse_swap_page(m, pfn);   /* exclusive whenever it is writable */
	} else {
		swap_put(&m->swap, f->swap);   /* shared memory: the object keeps the page */
		f->swap = 0;
	}
}

void try_free_swapcache(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON && f->swap && f->mapcount == 0 &&
	    swap_refs(&m->swap, f->swap) == 1)
		page_put(m, pfn);   /* the cache's reference: frame and slot go */
}

static int referenced_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	bool *clear = arg;

	(void)m;
	if (!(*ptep & PTE_A))
		return 0;
	if (!*clear)
		return 1;
	set_pte(mm, va, ptep, *ptep & ~PTE_A);
	return 2;
}

int page_referenced(struct vmfs *m, uint64_t pfn, bool clear)
{
	int any = 0;

	if (pfn >= m->phys.nframes || !pfn_frame(&m->phys, pfn)->mapcount)
		return 0;
	if (!clear)
		return rmap_walk(m, pfn, referenced_fn, &clear) != 0;
	/* Clearing must visit every entry: walk until none is left set. */
	while (rmap_walk(m, pfn, referenced_fn, &clear) == 2)
		any = 1;
	return any;
}

bool page_evictable(const struct vmfs_reclaim *rc, uint64_t pfn)
{
	const struct frame *f;

	if (pfn >= rc->m->phys.nframes)
		return false;
	f = pfn_frame(&rc->m->phys, pfn);
	if ((f->flags & FRAME_KIND_MASK) == FRAME_FREE || (f->flags & FRAME_LOCKED) ||
	    !(f->flags & FRAME_TRACKED))
		return false;
	for (int i = 0; i < rc->nskip; i++)
		if (rc->skip[i] == pfn)
			return false;
	return true;
}

/*
 * The two public calls a policy makes from victim(), lock already held.
 * rc == NULL means the policy runs outside a machine (tests, dry runs).
 */
__attribute__((visibility("default")))
int vmfs_page_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear)
{
	return rc ? page_referenced(rc->m, pfn, clear) : 0;
}

__attribute__((visibility("default")))
int vmfs_page_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	return rc ? page_evictable(rc, pfn) : 1;
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
	struct frame *f = pfn_frame(&m->phys, pfn);

	rss_add(m, mm, pfn, -1);
	set_pte(mm, va, ptep, c->newpte);
	if (c->newpte) {
		swap_get(&m->swap, c->slot);
		mm->c.swapents++;
	}
	f->mapcount--;
	f->refcount--;
	return 0;
}

/* shrink_page: evict @pfn.  0, or -errno with nothing changed. */
static int shrink_page(struct vmfs *m, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);
	bool anon = (f->flags & FRAME_KIND_MASK) == FRAME_ANON;
	bool file = !anon && ((const struct vmobj *)f->mapping)->kind == VMOBJ_FILE;
	bool dirty = page_dirty(m, pfn);
	uint64_t slot = f->swap;
	struct unmap_ctx c;
	int rc;

	if (file) {
		/* An object page goes back to its object, never to swap. */
		const struct vmobj *o = f->mapping;

		if (dirty && (rc = store_obj_page_write(m->store, o->sid, f->index,
							pfn_to_virt(&m->phys, pfn))) < 0)
			return rc;
	} else if (dirty) {
		bool fresh = !slot;

		if (fresh) {
			int64_t s = swap_alloc(&m->swap);

			if (s < 0)
				return (int)s;
			slot = (uint64_t)s;
		}
		swap_get(&m->swap, slot);
		rc = store_swap_write(m->store, slot, pfn_to_virt(&m->phys, pfn));
		if (rc < 0) {
			swap_put(&m->swap, slot);
			return rc;
		}
		m->cnt.pswpout++;
	} else if (slot) {
		swap_get(&m->swap, slot);
	}
	/* From here nothing can fail.  Hold the frame while its entries go. */
	f->refcount++;
	c.slot = slot;
	c.newpte = anon && slot ? swp_entry(slot) : 0;
	rmap_walk(m, pfn, unmap_fn, &c);
	assert(f->mapcount == 0);
	if (anon) {
		if (f->swap) {
			swap_cache_del(&m->swap, f->swap);
			swap_put(&m->swap, f->swap);
			f->swap = 0;
			f->refcount--;
		}
	} else {
		struct vmobj *o = f->mapping;
		uint64_t *entry = u64map_get(&o->pages, f->index);

		assert(entry && *entry == pfn);
		if (slot) {
			swap_get(&m->swap, slot);
			*entry = VMOBJ_SWAPPED | slot;
		} else {
			u64map_del(&o->pages, f->index);
		}
		if (f->swap) {
			swap_put(&m->swap, f->swap);
			f->swap = 0;
		}
		f->refcount--;   /* the page cache's reference */
	}
	f->flags &= ~FRAME_DIRTY;
	if (slot)
		swap_put(&m->swap, slot);
	assert(f->refcount == 1);
	page_put(m, pfn);
	m->cnt.pgsteal++;
	return 0;
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

		m->cnt.pgscan += scanned;
		if (v < 0)
			return 0;
		if (!page_evictable(rc, (uint64_t)v)) {
			err = -EAGAIN;
		} else {
			err = shrink_page(m, (uint64_t)v);
			if (err == 0)
				return 1;
			if (err != -ENOSPC)
				return err;
		}
		/* This page cannot go now (swap full, or refused): try others. */
		if (rc->nskip == RECLAIM_SKIP)
			return 0;
		rc->skip[rc->nskip++] = (uint64_t)v;
	}
}

int64_t page_alloc(struct vmfs *m, enum frame_kind kind, bool zero, const struct vmfs_page *incoming)
{
	struct vmfs_reclaim rc = { .m = m };

	for (;;) {
		int64_t pfn = frame_alloc(&m->phys, kind, zero);
		int got;

		if (pfn >= 0)
			return pfn;
		got = shrink_one(m, &rc, incoming);
		if (got < 0)
			return got;
		if (got == 0) {
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

int policy_set(struct vmfs *m, const char *name, const struct vmfs_policy_ops *ops, void *arg)
{
	void *state = NULL;
	int rc;

	if (!ops) {
		ops = name ? policy_builtin(name) : NULL;
		if (!ops)
			return vm_error(-EINVAL, "unknown policy '%s' (known: fifo, lru, clock, arc)",
					name ? name : "(null)");
	}
	if (!ops->loaded || !ops->accessed || !ops->removed || !ops->victim)
		return vm_error(-EINVAL, "policy '%s' lacks a callback (loaded, accessed, removed, victim)",
				ops->name ? ops->name : "?");
	if (ops->init && (rc = ops->init(&state, m->phys.nframes, arg)) < 0)
		return vm_error(rc, "policy '%s' failed to start", ops->name ? ops->name : "?");
	if (m->pol && m->pol->release)
		m->pol->release(m->pol_state);
	if (m->pol)   /* a switch at run time shows in the kernel log */
		klog_add(&m->klog, machine_now(m), "vmfs: policy %s", ops->name ? ops->name : "?");
	m->pol = ops;
	m->pol_state = state;
	m->pol_builtin = name && ops == policy_builtin(name);
	m->pol_last = UINT64_MAX;
	/* Announce every resident page as if an access had just loaded it. */
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		if (pfn_frame(&m->phys, pfn)->flags & FRAME_TRACKED) {
			page_loaded(m, pfn);
			page_accessed(m, pfn);
		}
	}
	return 0;
}

int machine_sync(struct vmfs *m)
{
	int rc = object_writeback(m);

	return rc < 0 ? rc : store_sync(m->store);
}
