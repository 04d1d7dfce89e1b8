/*
 * madvise.c - madvise, mincore and msync, as Linux 6.1's mm/madvise.c,
 * mm/mincore.c and mm/msync.c.
 *
 * madvise(start, len, advice) visits the mappings of the range one by one
 * (madvise_walk_vmas): holes are skipped and make the result ENOMEM at
 * the end; a mapping the advice does not apply to (EINVAL: DONTNEED, FREE,
 * COLD or PAGEOUT of a locked mapping, FREE of anything but private
 * anonymous memory, WIPEONFORK of a mapping with an object) stops the walk
 * with the mappings before it advised, as Linux's does.  The advices that
 * are mapping flags (NORMAL, RANDOM, SEQUENTIAL, DONTFORK, DOFORK,
 * WIPEONFORK, KEEPONFORK, HUGEPAGE, NOHUGEPAGE) split the mappings at the range's ends and merge
 * what becomes alike; a split past max_map_count is EAGAIN, with nothing
 * changed (Linux turns the ENOMEM of a split into EAGAIN).  The others
 * act on the pages:
 *   DONTNEED  zap: the range's pages and swap entries go; the next touch
 *             is a fresh zero page, or the object's page.
 *   FREE      lazy free (madvise_free_pte_range): swap entries go; each
 *             private anonymous page mapped once is made clean, old and
 *             FRAME_LAZYFREE (pglazyfree), its swap-cache slot let go, so
 *             that reclaim drops it without a write unless it is written
 *             again first (vmscan.c; pglazyfreed).
 *   WILLNEED  read ahead: swap entries of anonymous memory into the swap
 *             cache (memory.c), an object's (or shared memory's swapped)
 *             pages into its page cache (filemap.c), mapping nothing.
 *   COLD      deactivate (madvise_cold_or_pageout_pte_range): each page
 *             mapped once loses its accessed bit and idle tracking's young
 *             flag, so a policy that asks vmfs_page_referenced sees it
 *             unreferenced, and a built-in policy with a deactivate hook
 *             (policy_deactivate, policy.h: Linux's deactivate_page) makes
 *             it cold by its own rule; a policy with none (fifo, random,
 *             lirs, a program's) keeps its order.
 *   PAGEOUT   as COLD, then each such page is evicted now through
 *             vmscan's path (reclaim_page): to swap, back to its object,
 *             or dropped.
 * The advices Linux has and the machine does not (MADV_REMOVE, DONTDUMP,
 * MERGEABLE, POPULATE_*, COLLAPSE, ...) are EINVAL, as an unknown one is.
 * NORMAL, RANDOM and SEQUENTIAL only set the mapping's VM_RAND_READ and
 * VM_SEQ_READ here; the fault handler's readahead (filemap.c) reads them:
 * read-around, nothing, or sequential readahead on a major fault.
 *
 * mincore reports per page what Linux 6.1's does: 1 for a present entry
 * (the zero page and PROT_NONE included), a swap entry whose page is in
 * the swap cache, or, where no entry is, an object page or swapped shared
 * memory page in its cache; else 0.  msync writes back the dirty object
 * pages of shared object mappings (MS_SYNC), MS_ASYNC does nothing (Linux
 * tracks dirty pages anyway), MS_INVALIDATE only checks for locks (EBUSY).
 * Called with the machine lock held.
 */
#include "machine.h"
#include "error.h"
#include "filemap.h"
#include "hugetlb_vma.h"
#include "memory.h"
#include "object.h"
#include "page.h"
#include "policy.h"
#include "rmap.h"
#include "vmobj.h"
#include "vmscan.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Is @advice one the machine has (madvise_behavior_valid, less what it lacks)? */
static bool advice_known(int advice)
{
	switch (advice) {
	case VMFS_MADV_NORMAL: case VMFS_MADV_RANDOM: case VMFS_MADV_SEQUENTIAL:
	case VMFS_MADV_WILLNEED: case VMFS_MADV_DONTNEED: case VMFS_MADV_FREE:
	case VMFS_MADV_DONTFORK: case VMFS_MADV_DOFORK: case VMFS_MADV_WIPEONFORK:
	case VMFS_MADV_KEEPONFORK: case VMFS_MADV_COLD: case VMFS_MADV_PAGEOUT:
	case VMFS_MADV_HUGEPAGE: case VMFS_MADV_NOHUGEPAGE:
		return true;
	}
	return false;
}

/* The vm_flags an advice clears and sets; false for advices on pages. */
static bool advice_flags(int advice, unsigned *clear, unsigned *set)
{
	*clear = *set = 0;
	switch (advice) {
	case VMFS_MADV_NORMAL:     *clear = VM_RAND_READ | VM_SEQ_READ; return true;
	case VMFS_MADV_SEQUENTIAL: *clear = VM_RAND_READ; *set = VM_SEQ_READ; return true;
	case VMFS_MADV_RANDOM:     *clear = VM_SEQ_READ; *set = VM_RAND_READ; return true;
	case VMFS_MADV_DONTFORK:   *set = VM_DONTCOPY; return true;
	case VMFS_MADV_DOFORK:     *clear = VM_DONTCOPY; return true;
	case VMFS_MADV_WIPEONFORK: *set = VM_WIPEONFORK; return true;
	case VMFS_MADV_KEEPONFORK: *clear = VM_WIPEONFORK; return true;
	case VMFS_MADV_HUGEPAGE:   *clear = VM_NOHUGEPAGE; *set = VM_HUGEPAGE; return true;
	case VMFS_MADV_NOHUGEPAGE: *clear = VM_HUGEPAGE; *set = VM_NOHUGEPAGE; return true;
	}
	return false;
}

/* Does @advice apply to @v?  NULL, or why not (EINVAL). */
static const char *advice_refused(int advice, const struct vma *v)
{
	switch (advice) {
	case VMFS_MADV_DONTNEED: case VMFS_MADV_COLD: case VMFS_MADV_PAGEOUT:
		return v->vm_flags & VM_LOCKED ? "the mapping is locked (mlock)" : NULL;
	case VMFS_MADV_FREE:
		if (v->vm_flags & VM_LOCKED)
			return "the mapping is locked (mlock)";
		if (v->vm_flags & VM_HUGETLB)
			return "MADV_FREE does not apply to hugetlb mappings";
		return v->obj ? "MADV_FREE applies to private anonymous memory only" : NULL;
	case VMFS_MADV_WIPEONFORK:
		return v->obj || (v->vm_flags & VM_HUGETLB) ?
		       "MADV_WIPEONFORK applies to private anonymous memory only" : NULL;
	}
	return NULL;
}

/* ---- the page advices: one walk over the entries, then the work -------- */

struct advise_walk {
	int       advice;
	policy_deactivate_fn deactivate;   /* COLD: the policy's hook, or NULL */
	uint64_t *todo;     /* pfns to page out, or addresses of swap entries */
	uint64_t  n, cap;
	bool      nomem;
};

static void todo_add(struct advise_walk *w, uint64_t x)
{
	if (w->n == w->cap) {
		uint64_t cap = w->cap ? 2 * w->cap : 64;
		uint64_t *t = realloc(w->todo, cap * sizeof(*t));

		if (!t) {
			w->nomem = true;
			return;
		}
		w->todo = t;
		w->cap = cap;
	}
	w->todo[w->n++] = x;
}

/* A page mapped only here, on the policy's lists: what COLD, PAGEOUT and FREE touch. */
static struct frame *private_page(struct vmfs *m, uint64_t e)
{
	struct frame *f;

	if (!pte_resident(e) || is_zero_pfn(m, pte_pfn(e)))
		return NULL;
	f = pfn_frame(&m->phys, pte_pfn(e));
	return f->mapcount == 1 && (f->flags & FRAME_TRACKED) ? f : NULL;
}

static int advise_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	struct advise_walk *w = arg;
	uint64_t e = *ptep;
	struct frame *f;

	switch (w->advice) {
	case VMFS_MADV_WILLNEED:
		if (pte_is_swap(e))
			todo_add(w, va);
		break;
	case VMFS_MADV_FREE:
		if (pte_is_swap(e)) {
			todo_add(w, va);        /* free_swap_and_cache, after the walk */
			break;
		}
		if (!(f = private_page(m, e)) || (f->flags & FRAME_KIND_MASK) != FRAME_ANON)
			break;
		if (f->swap && !reuse_swap_page(m, pte_pfn(e)))
			break;                  /* the slot is shared: leave the page */
		f->flags &= ~FRAME_DIRTY;
		if (e & (PTE_A | PTE_D))
			set_pte(mm, va, ptep, e & ~(PTE_A | PTE_D));
		if (!(f->flags & FRAME_LAZYFREE)) {
			f->flags |= FRAME_LAZYFREE;   /* mark_page_lazyfree: folio_nr_pages */
			m->cnt.pglazyfree += 1ull << frame_order(f);
		}
		break;
	case VMFS_MADV_COLD:
	case VMFS_MADV_PAGEOUT:
		if (!(f = private_page(m, e)))
			break;
		if (e & PTE_A)
			set_pte(mm, va, ptep, e & ~PTE_A);
		f->flags &= ~FRAME_YOUNG;
		if (w->advice == VMFS_MADV_PAGEOUT) {
			todo_add(w, pte_pfn(e));
		} else if (w->deactivate) {
			w->deactivate(m->pol_state, pte_pfn(e));   /* deactivate_page */
			m->pol_last = UINT64_MAX;       /* its next access is news again */
		}
		break;
	}
	return 0;
}

/* The page advice @advice on [start, end) of @v. */
static int advise_pages(struct vmfs *m, struct mm *mm, const struct vma *v, int advice,
			uint64_t start, uint64_t end)
{
	/*
	 * A huge leaf wholly inside the range is advised whole, as its head
	 * (madvise_free_huge_pmd, madvise_cold_or_pageout_pte_range's pmd
	 * part: FREE makes it lazy, COLD deactivates it, PAGEOUT reclaims it,
	 * which splits it); one partly inside is split first, as 6.1 splits
	 * it.  WILLNEED looks only at swap entries: a huge leaf is a view.
	 */
	static const struct mm_walk_ops ops = { .pte_entry = advise_pte, .pmd_entry = advise_pte };
	static const struct mm_walk_ops view_ops = { .pte_entry = advise_pte, .huge_ptes = true };
	struct advise_walk w = { .advice = advice };

	if (advice == VMFS_MADV_COLD && m->pol_builtin)
		w.deactivate = policy_deactivate(m->pol);

	if (advice == VMFS_MADV_DONTNEED) {
		if (v->vm_flags & VM_HUGETLB) {   /* the end rounded up to a huge page (6.1) */
			uint64_t size = 1ull << huge_page_shift_vma(m, v);

			end = (end + size - 1) & ~(size - 1);
		}
		zap_range(m, mm, start, end);
		return 0;
	}
	if (advice == VMFS_MADV_WILLNEED && v->obj) {
		uint64_t pg = v->pgoff + ((start - v->start) >> PAGE_SHIFT);

		for (uint64_t va = start; va < end; va += PAGE_SIZE, pg++)
			if (filemap_willneed(m, v->obj, pg) < 0)
				break;          /* out of memory: readahead stops, no error */
		return 0;
	}
	walk_page_range(m, mm, start, end, advice == VMFS_MADV_WILLNEED ? &view_ops : &ops, &w);
	for (uint64_t i = 0; i < w.n; i++) {
		uint64_t va = w.todo[i], *ptep;

		switch (advice) {
		case VMFS_MADV_WILLNEED:
			ptep = pte_offset(m, mm->cr3, va);
			if (ptep && pte_is_swap(*ptep) &&
			    swapin_willneed(m, mm, v, va, pte_pfn(*ptep)) < 0)
				i = w.n;        /* out of memory: stop quietly */
			break;
		case VMFS_MADV_FREE:
			zap_range(m, mm, va, va + PAGE_SIZE);
			break;
		case VMFS_MADV_PAGEOUT:
			/* a page that cannot go (no swap, swap full, a failed
			 * write) stays, as reclaim_pages leaves it: no error */
			reclaim_page(m, w.todo[i]);
			break;
		}
	}
	free(w.todo);
	if (w.nomem)
		return vm_error(-ENOMEM, "madvise: out of memory");
	return 0;
}

int do_madvise(struct vmfs *m, int pid, uint64_t start, uint64_t len, int advice)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t end, stop, cur;
	const char *why = NULL;
	unsigned clear, set;
	bool hole = false;
	struct vma *v;
	int rc;

	if (!mm)
		return -ESRCH;
	if (!advice_known(advice))
		return vm_error(-EINVAL, "madvise: unknown advice %d", advice);
	if (start & ~PAGE_MASK)
		return vm_error(-EINVAL, "madvise: address 0x%llx is not page-aligned",
				(unsigned long long)start);
	if (len > UINT64_MAX - (PAGE_SIZE - 1))
		return vm_error(-EINVAL, "madvise: length overflows");
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	end = start + len;
	if (end < start)
		return vm_error(-EINVAL, "madvise: [0x%llx, +0x%llx) wraps", (unsigned long long)start,
				(unsigned long long)len);
	if (end == start)
		return 0;
	/*
	 * A hugetlb mapping is never split inside a huge page: a flag advice
	 * must start and end on huge page bounds, DONTNEED start on one
	 * (madvise_dontneed_free_valid_vma; the end is rounded up).
	 */
	if (advice == VMFS_MADV_DONTNEED || advice_flags(advice, &clear, &set)) {
		if ((rc = hugetlb_split_check(m, mm, start, "madvise")) < 0 ||
		    (advice != VMFS_MADV_DONTNEED &&
		     (rc = hugetlb_split_check(m, mm, end, "madvise")) < 0))
			return rc;
	}
	/* Where the walk would stop (a mapping the advice refuses), and whether it meets a hole. */
	stop = end;
	cur = start;
	for (v = vma_find_after(&mm->vmas, start); v && v->start < end; v = v->next) {
		hole |= v->start > cur;
		if ((why = advice_refused(advice, v))) {
			stop = v->start > start ? v->start : start;
			break;
		}
		cur = v->end;
	}
	if (!why && cur < end)
		hole = true;
	if (!vma_find_after(&mm->vmas, start))
		return vm_error(-ENOMEM, "madvise: nothing is mapped at or above 0x%llx",
				(unsigned long long)start);
	if (stop > start && advice_flags(advice, &clear, &set)) {
		if ((rc = vma_apply_flags(m, mm, start, stop, clear, set, "madvise")) < 0)
			return rc == -ENOMEM ? vm_error(-EAGAIN, "madvise: [0x%llx, 0x%llx): the splits "
							"would pass max_map_count", (unsigned long long)start,
							(unsigned long long)stop) : rc;
	} else if (stop > start) {
		for (v = vma_find_after(&mm->vmas, start); v && v->start < stop;) {
			struct vma *next = v->next;   /* a page advice changes no mapping */
			uint64_t s = v->start > start ? v->start : start, e = v->end < stop ? v->end : stop;

			if ((rc = advise_pages(m, mm, v, advice, s, e)) < 0)
				return rc;
			v = next;
		}
	}
	if (why)
		return vm_error(-EINVAL, "madvise: advice %d at 0x%llx: %s", advice,
				(unsigned long long)stop, why);
	if (hole)
		return vm_error(-ENOMEM, "madvise: [0x%llx, 0x%llx) has unmapped pages",
				(unsigned long long)start, (unsigned long long)end);
	return 0;
}

/* ---- mincore --------------------------------------------------------------- */

/* mincore_page: is page @pgoff of @o in memory (its cache, or the swap cache)? */
static unsigned char cache_incore(const struct vmfs *m, const struct vmobj *o, uint64_t pgoff)
{
	const uint64_t *c = vmobj_lookup(o, pgoff);
	uint64_t pfn;

	if (!c)
		return 0;
	if (*c & VMOBJ_SWAPPED)
		return swap_cache_find(&m->swap, *c & ~VMOBJ_SWAPPED, &pfn);
	return 1;
}

int do_mincore(struct vmfs *m, int pid, uint64_t start, uint64_t len, unsigned char *vec)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t pages, top = m->geom.user_top;

	if (!mm)
		return -ESRCH;
	if (start & ~PAGE_MASK)
		return vm_error(-EINVAL, "mincore: address 0x%llx is not page-aligned",
				(unsigned long long)start);
	if (len > top || start > top - len)
		return vm_error(-ENOMEM, "mincore: [0x%llx, +0x%llx) is outside user space",
				(unsigned long long)start, (unsigned long long)len);
	pages = (len >> PAGE_SHIFT) + ((len & ~PAGE_MASK) != 0);
	if (pages && !vec)
		return vm_error(-EFAULT, "mincore: NULL vector");
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t va = start + (i << PAGE_SHIFT), *ptep, slot, pfn;
		const struct vma *v = vma_find(&mm->vmas, va);

		if (!v)
			return vm_error(-ENOMEM, "mincore: 0x%llx is not mapped", (unsigned long long)va);
		ptep = pte_offset(m, mm->cr3, va);
		if (!ptep)
			ptep = pmd_offset_huge(m, mm->cr3, va);   /* mincore_pte_range's huge leaf */
		if (!ptep && is_vm_hugetlb_page(v))
			ptep = huge_pte_offset(m, mm->cr3, va);   /* mincore_hugetlb: a pud leaf too */
		if (ptep && pte_resident(*ptep)) {
			vec[i] = 1;
		} else if (ptep && pte_is_swap(*ptep)) {
			slot = pte_pfn(*ptep);
			vec[i] = swap_cache_find(&m->swap, slot, &pfn);
		} else {
			vec[i] = v->obj ? cache_incore(m, v->obj, v->pgoff + ((va - v->start) >> PAGE_SHIFT)) : 0;
		}
	}
	return 0;
}

/* ---- msync ----------------------------------------------------------------- */

int do_msync(struct vmfs *m, int pid, uint64_t start, uint64_t len, int flags)
{
	struct mm *mm = mm_lookup(m, pid);
	int unmapped_error = 0, rc;
	uint64_t end;
	const struct vma *v;

	if (!mm)
		return -ESRCH;
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return vm_error(-EINVAL, "msync: unknown flags 0x%x", flags);
	if (start & ~PAGE_MASK)
		return vm_error(-EINVAL, "msync: address 0x%llx is not page-aligned",
				(unsigned long long)start);
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return vm_error(-EINVAL, "msync: MS_ASYNC and MS_SYNC together");
	if (len > UINT64_MAX - (PAGE_SIZE - 1))
		return vm_error(-ENOMEM, "msync: length overflows");
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	end = start + len;
	if (end < start)
		return vm_error(-ENOMEM, "msync: [0x%llx, +0x%llx) wraps", (unsigned long long)start,
				(unsigned long long)len);
	if (end == start)
		return 0;
	for (v = vma_find_after(&mm->vmas, start);; v = vma_find_after(&mm->vmas, start)) {
		uint64_t first, last;

		if (!v)
			return vm_error(-ENOMEM, "msync: 0x%llx is not mapped", (unsigned long long)start);
		if (start < v->start) {
			if (flags == MS_ASYNC)
				return vm_error(-ENOMEM, "msync: 0x%llx is not mapped",
						(unsigned long long)start);
			start = v->start;
			if (start >= end)
				return vm_error(-ENOMEM, "msync: [0x%llx, 0x%llx) is not mapped",
						(unsigned long long)start, (unsigned long long)end);
			unmapped_error = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (v->vm_flags & VM_LOCKED))
			return vm_error(-EBUSY, "msync: MS_INVALIDATE of a locked mapping at 0x%llx",
					(unsigned long long)v->start);
		first = v->pgoff + ((start - v->start) >> PAGE_SHIFT);
		last = first + (((end < v->end ? end : v->end) - start) >> PAGE_SHIFT) - 1;
		start = v->end;
		if ((flags & MS_SYNC) && v->obj && (v->flags & MAP_SHARED) &&
		    (rc = object_writeback_range(m, v->obj, first, last)) < 0)
			return rc;
		if (start >= end)
			break;
	}
	if (unmapped_error)
		return vm_error(unmapped_error, "msync: part of the range is not mapped");
	return 0;
}
