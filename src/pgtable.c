/*
 * pgtable.c - walking, growing and pruning page tables in simulated RAM
 * (see pgtable.h for the entry states).
 *
 * Tables are allocated on the way down when a leaf is needed (pte_alloc) and
 * released on the way back up when a range walk leaves them empty
 * (walk_pte_range with free_empty): a process's tables always cover exactly
 * the pages it has entries for, plus the tables on the way to them.
 */
#include "pgtable.h"
#include "machine.h"

#include <assert.h>

void pt_geom_init(struct pt_geom *g, int levels)
{
	g->levels = levels;
	g->va_bits = 12 + 9 * levels > 64 ? 64 : 12 + 9 * levels;
	g->user_top = 1ull << (g->va_bits - 1);
	g->kernel_base = g->va_bits == 64 ? g->user_top : ~0ull << (g->va_bits - 1);
}

uint64_t *pte_offset(const struct vmfs *m, uint64_t cr3, uint64_t va)
{
	const struct pt_geom *g = &m->geom;
	uint64_t pfn = cr3;

	for (int l = 0; l < g->levels - 1; l++) {
		uint64_t e = pt_table(&m->phys, pfn)[pt_index(g, va, l)];

		if (!pte_present(e))
			return NULL;
		pfn = pte_pfn(e);
	}
	return &pt_table(&m->phys, pfn)[pt_index(g, va, g->levels - 1)];
}

uint64_t *pte_alloc(struct vmfs *m, struct mm *mm, uint64_t va)
{
	const struct pt_geom *g = &m->geom;
	uint64_t pfn = mm->cr3;

	assert(va_is_user(g, va));
	for (int l = 0; l < g->levels - 1; l++) {
		uint64_t *ep = &pt_table(&m->phys, pfn)[pt_index(g, va, l)];

		if (!pte_present(*ep)) {
			int64_t t = pt_alloc(&m->phys);

			if (t < 0)
				return NULL;
			*ep = mk_pte((uint64_t)t, PTE_TABLE_USER);
			mm->c.pt_pages++;
		}
		pfn = pte_pfn(*ep);
	}
	return &pt_table(&m->phys, pfn)[pt_index(g, va, g->levels - 1)];
}

void set_pte(struct mm *mm, uint64_t va, uint64_t *ptep, uint64_t val)
{
	*ptep = val;
	tlb_flush_page(&mm->tlb, va >> PAGE_SHIFT);
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < PTRS_PER_TABLE; i++)
		if (t[i])
			return false;
	return true;
}

struct range_walk {
	struct vmfs *m;
	struct mm   *mm;
	pte_fn       fn;
	void        *arg;
	bool         free_empty;
};

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
		if (level == g->levels - 1) {
			rc = w->fn(w->m, w->mm, va, &t[i], w->arg);
		} else {
			uint64_t child = pte_pfn(t[i]);

			rc = walk_level(w, child, level + 1, va, lo, hi);
			if (w->free_empty && table_empty(pt_table(&w->m->phys, child))) {
				t[i] = 0;
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

int walk_pte_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		   pte_fn fn, void *arg, bool free_empty)
{
	struct range_walk w = { m, mm, fn, arg, free_empty };

	assert(start <= end && end <= m->geom.user_top);
	if (start == end)
		return 0;
	return walk_level(&w, mm->cr3, 0, 0, start, end);
}
