/*
 * rmap.h - the reverse map: which leaf entries map a frame, how many do,
 * and what each process has resident because of them.
 *
 * No per-page lists are kept.  A frame records what it belongs to and where
 * (struct frame: mapping, index), and that is enough, as in Linux:
 *   - a private anonymous page belongs to its fork family (anon_vma) and
 *     lies at page `index` of the pgoff space (linear_page_index) of a
 *     private mapping of a member: at virtual page `index` itself unless
 *     mremap moved it (the moved mapping keeps its vm_pgoff) or it is a
 *     copy in a private mapping of an object (whose pgoff is the object's);
 *   - a page of an object lies in every mapping of the object (i_mmap)
 *     that covers offset `index`, at start + (index - pgoff) pages.
 * rmap_walk() looks at those candidates and calls back for each entry that
 * really holds this frame.
 *
 * Every leaf entry that comes to map a frame is counted by
 * page_add_anon_rmap() or page_add_file_rmap() and every one that stops by
 * page_remove_rmap(): these are the only writers of a frame's mapcount and
 * of a process's RSS counters (rss_anon, rss_file, rss_shmem, and the peak
 * VmHWM), so that mapcount == the entries mapping the frame <= refcount
 * and RSS == the entries of the process holding a frame, always.  The
 * caller holds the reference the entry will own (get_page, or the
 * allocation's) before adding, and drops it (page_put) after removing.
 * Called with the machine lock held.
 */
#ifndef VMFS_RMAP_H
#define VMFS_RMAP_H

#include "machine.h"
#include "vmobj.h"

#include <assert.h>
#include <stdint.h>

/* The RSS counter of @mm that a frame like @f counts in (Linux's mm_counter). */
static inline uint64_t *mm_counter(struct mm *mm, const struct frame *f)
{
	if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON)
		return &mm->c.rss_anon;
	if (((const struct vmobj *)f->mapping)->kind == VMOBJ_SHMEM)
		return &mm->c.rss_shmem;
	return &mm->c.rss_file;
}

static inline void page_add_rmap(struct vmfs *m, struct mm *mm, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);
	uint64_t rss;

	f->mapcount++;
	assert(f->mapcount <= f->refcount);
	(*mm_counter(mm, f))++;
	rss = mm->c.rss_anon + mm->c.rss_file + mm->c.rss_shmem;
	if (rss > mm->rss_peak)
		mm->rss_peak = rss;
}

/* A private anonymous page (FRAME_ANON) is now mapped by one more entry of @mm. */
static inline void page_add_anon_rmap(struct vmfs *m, struct mm *mm, uint64_t pfn)
{
	assert((pfn_frame(&m->phys, pfn)->flags & FRAME_KIND_MASK) == FRAME_ANON);
	page_add_rmap(m, mm, pfn);
}

/* A page-cache page (FRAME_CACHE) is now mapped by one more entry of @mm. */
static inline void page_add_file_rmap(struct vmfs *m, struct mm *mm, uint64_t pfn)
{
	assert((pfn_frame(&m->phys, pfn)->flags & FRAME_KIND_MASK) == FRAME_CACHE);
	page_add_rmap(m, mm, pfn);
}

/* An entry of @mm mapping @pfn has gone (the caller then drops its reference). */
static inline void page_remove_rmap(struct vmfs *m, struct mm *mm, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);
	uint64_t *rss = mm_counter(mm, f);

	assert(f->mapcount > 0 && *rss > 0);
	f->mapcount--;
	(*rss)--;
}

/*
 * The compound forms (page_add_anon_rmap and page_remove_rmap with
 * compound true): a huge pmd leaf of @mm maps the 512 pages of huge page
 * @head, counted once in the head's mapcount and 512 times in RSS.
 */
static inline void page_add_anon_rmap_huge(struct vmfs *m, struct mm *mm, uint64_t head)
{
	struct frame *f = pfn_frame(&m->phys, head);
	uint64_t rss;

	assert((f->flags & (FRAME_KIND_MASK | FRAME_HEAD)) == (FRAME_ANON | FRAME_HEAD));
	f->mapcount++;
	assert(f->mapcount <= f->refcount);
	mm->c.rss_anon += HPAGE_PMD_NR;
	rss = mm->c.rss_anon + mm->c.rss_file + mm->c.rss_shmem;
	if (rss > mm->rss_peak)
		mm->rss_peak = rss;
}

static inline void page_remove_rmap_huge(struct vmfs *m, struct mm *mm, uint64_t head)
{
	struct frame *f = pfn_frame(&m->phys, head);

	assert(f->mapcount > 0 && mm->c.rss_anon >= HPAGE_PMD_NR && (f->flags & FRAME_HEAD));
	f->mapcount--;
	mm->c.rss_anon -= HPAGE_PMD_NR;
}

/*
 * A hugetlb page (hugepage_add_anon_rmap, page_dup_file_rmap and
 * page_remove_rmap of one, hugetlb_vma.c): one more or one fewer leaf of
 * @mm maps the @nr pages of hugetlb page @head, counted once in the head's
 * mapcount and @nr times in @mm's hugetlb counter (HugetlbPages), never in
 * its RSS.  No reverse-map walk ever looks for one: it is never reclaimed.
 */
static inline void page_add_hugetlb_rmap(struct vmfs *m, struct mm *mm, uint64_t head, uint64_t nr)
{
	struct frame *f = pfn_frame(&m->phys, head);

	assert((f->flags & FRAME_KIND_MASK) == FRAME_HUGETLB);
	f->mapcount++;
	assert(f->mapcount <= f->refcount);
	mm->c.hugetlb += nr;
}

static inline void page_remove_hugetlb_rmap(struct vmfs *m, struct mm *mm, uint64_t head,
					    uint64_t nr)
{
	struct frame *f = pfn_frame(&m->phys, head);

	assert(f->mapcount > 0 && mm->c.hugetlb >= nr);
	f->mapcount--;
	mm->c.hugetlb -= nr;
}

typedef int (*rmap_fn)(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg);

/*
 * Call @fn for every leaf entry mapping @pfn, each once, in one pass over
 * the candidates (for the head of a huge page: every huge pmd leaf mapping
 * it, @va its 2 MiB start and @ptep the pmd entry), in one pass over
 * the candidates: at most one table walk per member of the fork family or
 * mapping of the object.  Stops early when @fn returns non-zero, and
 * returns that; 0 when every entry was seen.
 */
int rmap_walk(struct vmfs *m, uint64_t pfn, rmap_fn fn, void *arg);

/*
 * mlock's page state (rmap.c): FRAME_MLOCKED while an entry of a VM_LOCKED
 * mapping maps the page.  mlock_page sets it (an entry of a locked mapping
 * now maps @pfn); munlock_page clears it unless an entry of another locked
 * mapping still maps @pfn (call it after the entry went or its mapping
 * lost VM_LOCKED).  Neither does anything to the zero page.  mlock_range
 * does one or the other to every resident page of @mm in [start, end).
 */
void mlock_page(struct vmfs *m, uint64_t pfn);
void munlock_page(struct vmfs *m, uint64_t pfn);
void mlock_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end, bool lock);

#endif
