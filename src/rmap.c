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

int rmap_walk(struct vmfs *m, uint64_t pfn, rmap_fn fn, void *arg)
{
	const struct frame *f = pfn_frame(&m->phys, pfn);
	uint32_t left = f->mapcount;
	int rc;

	if (!left)
		return 0;
	if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON) {
		const struct anon_vma *av = f->mapping;
		uint64_t va = f->index << PAGE_SHIFT;

		for (struct mm *mm = av->members; mm && left; mm = mm->av_next) {
			uint64_t *ptep = pte_offset(m, mm->cr3, va);

			m->cnt.rmap_lookups++;
			if (!ptep || !pte_resident(*ptep) || pte_pfn(*ptep) != pfn)
				continue;
			left--;
			if ((rc = fn(m, mm, va, ptep, arg)))
				return rc;
		}
	} else {
		const struct vmobj *o = f->mapping;

		for (struct vma *v = o->i_mmap; v && left; v = v->obj_next) {
			uint64_t npages = (v->end - v->start) >> PAGE_SHIFT, va, *ptep;

			if (f->index < v->pgoff || f->index - v->pgoff >= npages)
				continue;
			va = v->start + ((f->index - v->pgoff) << PAGE_SHIFT);
			ptep = pte_offset(m, v->mm->cr3, va);
			m->cnt.rmap_lookups++;
			if (!ptep || !pte_resident(*ptep) || pte_pfn(*ptep) != pfn)
				continue;
			left--;
			if ((rc = fn(m, v->mm, va, ptep, arg)))
				return rc;
		}
	}
	return 0;
}
