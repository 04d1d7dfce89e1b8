/*
 * rmap.c - the reverse map (see rmap.h): the mapcount and RSS accounting of
 * every leaf entry that maps a frame, and the walk from a frame to those
 * entries.  The walk stops as soon as it has seen as many entries as the
 * frame's mapcount, so the common cases (one mapping, or a COW pair) cost
 * one or two table walks, and no walk costs more than one table walk per
 * candidate mapping.  Every table walk is counted (cnt.rmap_lookups), so
 * that a test can hold the cost of a walk to that.
 */
#include "rmap.h"
#include "machine.h"
#include "vmobj.h"

#include <sys/mman.h>

/*
 * Does private mapping @v map page @index of its anon_vma at @v's own
 * address for it, index << PAGE_SHIFT (the first candidate of each member,
 * and all there is unless mremap moved the page or it is a copy in a
 * private mapping of an object)?
 */
static bool anon_at_own_address(const struct vma *v, uint64_t index)
{
	return v->pgoff == v->start >> PAGE_SHIFT && index >= v->pgoff &&
	       index - v->pgoff < (v->end - v->start) >> PAGE_SHIFT;
}

/* The entry of @v for page @index of its pgoff space, if it maps @pfn: fn's turn. */
static int rmap_one(struct vmfs *m, struct vma *v, uint64_t index, uint64_t pfn, uint32_t *left,
		    rmap_fn fn, void *arg)
{
	uint64_t va = v->start + ((index - v->pgoff) << PAGE_SHIFT), *ptep;

	ptep = (pfn_frame(&m->phys, pfn)->flags & FRAME_HEAD) ? pmd_offset_huge(m, v->mm->cr3, va)
							      : pte_offset(m, v->mm->cr3, va);
	m->cnt.rmap_lookups++;
	if (!ptep || !pte_resident(*ptep) || pte_pfn(*ptep) != pfn)
		return 0;
	(*left)--;
	return fn(m, v->mm, va, ptep, arg);
}

/*
 * rmap_walk_anon: the private mappings of every member of the family that
 * cover the page's index in their pgoff space (Linux's anon_vma interval
 * tree walk).  First, in each member, the one mapping at the index's own
 * address, where almost every anonymous page lies; only if entries are
 * still missing then (mremap moved the page, or it is a copy in a private
 * mapping of an object, whose pgoff is the object's), every other private
 * mapping of every member that covers the index.
 */
static int rmap_walk_anon(struct vmfs *m, const struct frame *f, uint64_t pfn, uint32_t left,
			  rmap_fn fn, void *arg)
{
	const struct anon_vma *av = f->mapping;
	uint64_t index = f->index;
	int rc;

	for (struct mm *mm = av->members; mm && left; mm = mm->av_next) {
		struct vma *v = index < mm->vmas.top >> PAGE_SHIFT ?
				vma_find(&mm->vmas, index << PAGE_SHIFT) : NULL;

		if (v && (v->flags & MAP_PRIVATE) && anon_at_own_address(v, index) &&
		    (rc = rmap_one(m, v, index, pfn, &left, fn, arg)))
			return rc;
	}
	for (struct mm *mm = av->members; mm && left; mm = mm->av_next)
		for (struct vma *v = mm->vmas.first; v && left; v = v->next) {
			if (!(v->flags & MAP_PRIVATE) || anon_at_own_address(v, index) ||
			    index < v->pgoff || index - v->pgoff >= (v->end - v->start) >> PAGE_SHIFT)
				continue;
			if ((rc = rmap_one(m, v, index, pfn, &left, fn, arg)))
				return rc;
		}
	return 0;
}

int rmap_walk(struct vmfs *m, uint64_t pfn, rmap_fn fn, void *arg)
{
	const struct frame *f = pfn_frame(&m->phys, pfn);
	uint32_t left = f->mapcount;
	int rc;

	if (!left)
		return 0;
	if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON)
		return rmap_walk_anon(m, f, pfn, left, fn, arg);
	for (struct vma *v = ((const struct vmobj *)f->mapping)->i_mmap; v && left; v = v->obj_next) {
		if (f->index < v->pgoff || f->index - v->pgoff >= (v->end - v->start) >> PAGE_SHIFT)
			continue;
		if ((rc = rmap_one(m, v, f->index, pfn, &left, fn, arg)))
			return rc;
	}
	return 0;
}

/*
 * mlock's page state (Linux 6.1's mlock_folio / munlock_folio, kept here
 * beside the mapcount since both follow the entries mapping a page): a
 * data frame is FRAME_MLOCKED (PG_mlocked) exactly while some entry of a
 * VM_LOCKED mapping maps it.  mlock_page is called when such an entry
 * comes (a fault in a locked mapping, or mlock finding the page there);
 * munlock_page when one goes or its mapping loses VM_LOCKED: the page
 * stays locked while another locked mapping maps it (one reverse-map
 * walk, in place of the mlock_count Linux keeps in the folio, for which
 * struct frame has no room).  page_put clears the flag of a page freed
 * while locked (unevictable_pgs_cleared).
 */
void mlock_page(struct vmfs *m, uint64_t pfn)
{
	struct frame *f;

	if (is_zero_pfn(m, pfn) || !pfn_is_data(&m->phys, pfn))
		return;
	f = pfn_frame(&m->phys, pfn);
	if (f->flags & FRAME_MLOCKED)
		return;
	f->flags |= FRAME_MLOCKED;
	m->cnt.unevictable_pgs_mlocked += 1ull << frame_order(f);   /* folio_nr_pages */
}

static int locked_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	const struct vma *v = vma_find(&mm->vmas, va);

	(void)m;
	(void)ptep;
	(void)arg;
	return v && (v->vm_flags & VM_LOCKED) ? 1 : 0;
}

void munlock_page(struct vmfs *m, uint64_t pfn)
{
	struct frame *f;

	if (is_zero_pfn(m, pfn) || !pfn_is_data(&m->phys, pfn))
		return;
	f = pfn_frame(&m->phys, pfn);
	if (!(f->flags & FRAME_MLOCKED) || rmap_walk(m, pfn, locked_fn, NULL))
		return;
	f->flags &= ~FRAME_MLOCKED;
	m->cnt.unevictable_pgs_munlocked += 1ull << frame_order(f);
}

static int mlock_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	bool lock = *(const bool *)arg;

	(void)mm;
	(void)va;
	if (!pte_resident(*ptep))
		return 0;
	if (lock)
		mlock_page(m, pte_pfn(*ptep));
	else
		munlock_page(m, pte_pfn(*ptep));
	return 0;
}

void mlock_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end, bool lock)
{
	/* a huge leaf: its head, which stands for the page (mlock_pmd's folio) */
	static const struct mm_walk_ops ops = { .pte_entry = mlock_pte, .pmd_entry = mlock_pte };

	walk_page_range(m, mm, start, end, &ops, &lock);
}
