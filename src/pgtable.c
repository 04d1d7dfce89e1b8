/*
 * pgtable.c - walking, growing and pruning page tables in simulated RAM
 * (see pgtable.h for the entry states, the level names and the writers).
 *
 * Tables are allocated on the way down when a leaf is needed (pte_alloc,
 * pte_alloc_kernel, both through pt_entry_alloc) and released on the way
 * back up when a range walk leaves them empty (walk_page_range with
 * free_empty): a process's tables always cover exactly the pages it has
 * entries for, plus the tables on the way to them.  The kernel half of
 * every top table holds the kernel's own top-level entries, copied at
 * pgd_alloc and cleared at pgd_free; the tables below them are shared and
 * never freed.
 */
#include "pgtable.h"
#include "machine.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

void pt_geom_init(struct pt_geom *g, int levels)
{
	g->levels = levels;
	g->va_bits = 12 + 9 * levels > 64 ? 64 : 12 + 9 * levels;
	g->user_top = 1ull << (g->va_bits - 1);
	g->kernel_base = g->va_bits == 64 ? g->user_top : ~0ull << (g->va_bits - 1);
}

uint64_t *pgd_offset(const struct vmfs *m, const struct mm *mm, uint64_t va)
{
	return pt_entry_offset(&m->phys, &m->geom, mm->cr3, 0, va);
}

uint64_t *pgd_offset_k(const struct vmfs *m, uint64_t va)
{
	return pt_entry_offset(&m->phys, &m->geom, m->kernel_pgd, 0, va);
}

uint64_t *pte_offset(const struct vmfs *m, uint64_t cr3, uint64_t va)
{
	uint64_t *ep;

	if (pt_descend(&m->phys, &m->geom, cr3, 0, va, PTE_P, PTE_P, &ep) < m->geom.levels - 1)
		return NULL;
	return ep;
}

uint64_t *pmd_offset_huge(const struct vmfs *m, uint64_t cr3, uint64_t va)
{
	uint64_t *ep;

	if (m->geom.levels < 3 ||
	    pt_descend(&m->phys, &m->geom, cr3, 0, va, PTE_P, PTE_P, &ep) != m->geom.levels - 2 ||
	    !pmd_huge_leaf(*ep))
		return NULL;
	return ep;
}

uint64_t *huge_pte_offset(const struct vmfs *m, uint64_t cr3, uint64_t va)
{
	uint64_t *ep;

	if (pt_descend(&m->phys, &m->geom, cr3, 0, va, PTE_P, PTE_P, &ep) >= m->geom.levels - 1 ||
	    !pmd_huge_leaf(*ep))
		return NULL;
	return ep;
}

int64_t pt_entry_alloc(struct phys *p, uint64_t *ep, uint64_t flags, uint64_t *nr_tables)
{
	if (!pte_present(*ep)) {
		int64_t t = pt_alloc(p);

		if (t < 0)
			return -1;
		pt_entry_populate(ep, (uint64_t)t, flags);
		if (nr_tables)
			(*nr_tables)++;
	}
	return (int64_t)pte_pfn(*ep);
}

/* The leaf entry for @va under @cr3, tables made with @flags as needed. */
static uint64_t *pt_walk_alloc(struct vmfs *m, uint64_t cr3, uint64_t va, uint64_t flags,
			       uint64_t *nr_tables)
{
	const struct pt_geom *g = &m->geom;
	int64_t pfn = (int64_t)cr3;

	for (int l = 0; l < g->levels - 1; l++) {
		pfn = pt_entry_alloc(&m->phys, pt_entry_offset(&m->phys, g, (uint64_t)pfn, l, va),
				     flags, nr_tables);
		if (pfn < 0)
			return NULL;
	}
	return pt_entry_offset(&m->phys, g, (uint64_t)pfn, g->levels - 1, va);
}

uint64_t *pmd_alloc(struct vmfs *m, struct mm *mm, uint64_t va)
{
	const struct pt_geom *g = &m->geom;
	int64_t pfn = (int64_t)mm->cr3;

	assert(va_is_user(g, va));
	if (g->levels < 3)
		return NULL;
	for (int l = 0; l < g->levels - 2; l++) {
		pfn = pt_entry_alloc(&m->phys, pt_entry_offset(&m->phys, g, (uint64_t)pfn, l, va),
				     PTE_TABLE_USER, &mm->c.pt_pages);
		if (pfn < 0)
			return NULL;
	}
	return pt_entry_offset(&m->phys, g, (uint64_t)pfn, g->levels - 2, va);
}

uint64_t *huge_pte_alloc(struct vmfs *m, struct mm *mm, uint64_t va, int level)
{
	const struct pt_geom *g = &m->geom;
	int64_t pfn = (int64_t)mm->cr3;

	assert(va_is_user(g, va) && level >= 1 && level < g->levels - 1);
	for (int l = 0; l < level; l++) {
		pfn = pt_entry_alloc(&m->phys, pt_entry_offset(&m->phys, g, (uint64_t)pfn, l, va),
				     PTE_TABLE_USER, &mm->c.pt_pages);
		if (pfn < 0)
			return NULL;
	}
	return pt_entry_offset(&m->phys, g, (uint64_t)pfn, level, va);
}

uint64_t *pte_alloc(struct vmfs *m, struct mm *mm, uint64_t va)
{
	assert(va_is_user(&m->geom, va));
	return pt_walk_alloc(m, mm->cr3, va, PTE_TABLE_USER, &mm->c.pt_pages);
}

uint64_t *pte_alloc_kernel(struct vmfs *m, uint64_t va)
{
	assert(!va_is_user(&m->geom, va));
	return pt_walk_alloc(m, m->kernel_pgd, va, PTE_TABLE_KERNEL, NULL);
}

int pgd_alloc(struct vmfs *m, struct mm *mm)
{
	unsigned k = pt_index(&m->geom, m->geom.kernel_base, 0);
	int64_t cr3 = pt_alloc(&m->phys);

	if (cr3 < 0)
		return -ENOMEM;
	mm->cr3 = (uint64_t)cr3;
	mm->c.pt_pages = 1;
	/* The kernel half: the same lower tables in every process. */
	memcpy(pgd_offset(m, mm, m->geom.kernel_base), pgd_offset_k(m, m->geom.kernel_base),
	       (PTRS_PER_TABLE - k) * sizeof(uint64_t));
	return 0;
}

void pgd_free(struct vmfs *m, struct mm *mm)
{
	unsigned k = pt_index(&m->geom, m->geom.kernel_base, 0);

	memset(pgd_offset(m, mm, m->geom.kernel_base), 0, (PTRS_PER_TABLE - k) * sizeof(uint64_t));
	pt_release(&m->phys, mm->cr3);
	mm->c.pt_pages--;
}

/* Tables below user table @pfn (at @level) down to level @last, @pfn's own not counted. */
static uint64_t upper_tables(const struct vmfs *m, uint64_t pfn, int level, int last,
			     unsigned nents)
{
	const uint64_t *t = pt_table(&m->phys, pfn);
	uint64_t n = 0;

	for (unsigned i = 0; i < nents; i++)
		if (t[i])
			n += 1 + (level + 1 < last ? upper_tables(m, pte_pfn(t[i]), level + 1, last,
								  PTRS_PER_TABLE) : 0);
	return n;
}

uint64_t mm_pgtables_pages(const struct vmfs *m, const struct mm *mm)
{
	int last = m->geom.levels - 4;   /* the lowest level above pud (p4d) */
	uint64_t uncounted = 1;          /* the top table */

	if (last >= 1)
		uncounted += upper_tables(m, mm->cr3, 0, last,
					  pt_index(&m->geom, m->geom.kernel_base, 0));
	return mm->c.pt_pages - uncounted;
}

void flush_pmd_tlb_range(struct mm *mm, uint64_t va)
{
	tlb_flush_range(&mm->tlb, va & HPAGE_PMD_MASK, (va & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE);
}

void set_huge_pte_at(struct mm *mm, uint64_t va, uint64_t *ep, uint64_t val, int shift)
{
	uint64_t size = 1ull << shift, base = va & ~(size - 1);

	*ep = val;
	tlb_flush_range(&mm->tlb, base, base + size);   /* flush_hugetlb_tlb_range */
}

void set_pte(struct mm *mm, uint64_t va, uint64_t *ptep, uint64_t val)
{
	uint64_t old = *ptep;

	*ptep = val;
	if ((old | val) & PTE_PS)
		flush_pmd_tlb_range(mm, va);
	else
		tlb_flush_page(&mm->tlb, va >> PAGE_SHIFT);
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < PTRS_PER_TABLE; i++)
		if (t[i])
			return false;
	return true;
}

/* A walk_page_range in progress, the callbacks copied out of its ops. */
struct range_walk {
	struct vmfs *m;
	struct mm   *mm;
	pte_fn       pte_entry;
	upper_fn     upper_entry;
	bool         free_empty;
	pte_fn       pmd_entry;
	bool         huge_ptes;
	upper_fn     hugetlb_entry;
	void        *arg;
};

/*
 * A huge leaf seen by a read-only walker as the ptes it stands for: each
 * 4 KiB page of it in [lo, hi) with a copy of the entry, pfn head + i.
 */
static int walk_huge_ptes(struct range_walk *w, uint64_t va, uint64_t e, uint64_t lo, uint64_t hi)
{
	uint64_t head = pte_pfn(e), bits = e & ~(PTE_PS | PTE_PFN_MASK);

	for (uint64_t a = lo; a < hi; a += PAGE_SIZE) {
		uint64_t pte = mk_pte(head + ((a - va) >> PAGE_SHIFT), bits), seen = pte;
		int rc = w->pte_entry(w->m, w->mm, a, &pte, w->arg);

		assert(pte == seen);   /* a view: nothing may write it */
		(void)seen;
		if (rc)
			return rc;
	}
	return 0;
}

/* Walk table @pfn at @level covering addresses from @base, over [start, end). */
static int walk_level(struct range_walk *w, uint64_t pfn, int level, uint64_t base,
		      uint64_t start, uint64_t end)
{
	const struct pt_geom *g = &w->m->geom;
	int shift = pt_shift(g, level);
	uint64_t span = 1ull << shift;
	uint64_t *t = pt_table(&w->m->phys, pfn);
	unsigned i = (unsigned)((start - base) >> shift);
	int rc = 0;

	for (uint64_t va = base + (uint64_t)i * span; i < PTRS_PER_TABLE && va < end;
	     i++, va += span) {
		uint64_t lo = va > start ? va : start;
		uint64_t hi = va + span - 1 < end - 1 ? va + span : end;

		if (!t[i])
			continue;
		if (level < g->levels - 1 && pt_leaf_hugetlb(&w->m->phys, t[i])) {
			/* walk_hugetlb_range: its own callback, a view, or passed by */
			if (w->hugetlb_entry)
				rc = w->hugetlb_entry(w->m, w->mm, va, &t[i], level, w->arg);
			else if (w->huge_ptes)
				rc = walk_huge_ptes(w, va, t[i], lo, hi);
			if (rc)
				return rc;
			if (va + span - 1 >= end - 1)
				break;
			continue;
		}
		if (level == g->levels - 2 && (t[i] & PTE_PS)) {
			/* walk_pmd_range's huge leaf: its own callback, a view, or a split */
			if (w->pmd_entry && lo == va && hi == va + span)
				rc = w->pmd_entry(w->m, w->mm, va, &t[i], w->arg);
			else if (w->huge_ptes)
				rc = walk_huge_ptes(w, va, t[i], lo, hi);
			else
				w->m->split_huge_pmd(w->m, w->mm, va, &t[i]);
			if (rc)
				return rc;
			if (!t[i] || (t[i] & PTE_PS)) {
				if (va + span - 1 >= end - 1)
					break;
				continue;
			}
			/* split: on into the new pte table */
		}
		if (level == g->levels - 1) {
			rc = w->pte_entry(w->m, w->mm, va, &t[i], w->arg);
		} else {
			uint64_t child = pte_pfn(t[i]);

			if (w->upper_entry && (rc = w->upper_entry(w->m, w->mm, va, &t[i], level, w->arg)))
				return rc;
			rc = walk_level(w, child, level + 1, va, lo, hi);
			if (w->free_empty && table_empty(pt_table(&w->m->phys, child))) {
				pt_entry_clear(&t[i]);
				pt_release(&w->m->phys, child);
				w->mm->c.pt_pages--;
			}
		}
		if (rc)
			return rc;
		if (va + span - 1 >= end - 1)
			break;
	}
	return 0;
}

int walk_page_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		    const struct mm_walk_ops *ops, void *arg)
{
	struct range_walk w = { m, mm, ops->pte_entry, ops->upper_entry, ops->free_empty,
				ops->pmd_entry, ops->huge_ptes, ops->hugetlb_entry, arg };

	assert(start <= end && end <= m->geom.user_top);
	if (start == end)
		return 0;
	return walk_level(&w, mm->cr3, 0, 0, start, end);
}
