/*
 * huge_memory.c - transparent huge pages for private anonymous memory, as
 * Linux 6.1's mm/huge_memory.c (see huge_memory.h for what stays true).
 *
 *   fault, pmd none, eligible ─► do_huge_pmd_anonymous_page: an order-9
 *                                 compound page, zeroed, one pmd leaf
 *   fork                      ─► copy_huge_pmd: both leaves read-only, COW
 *   write to a COW leaf       ─► do_huge_pmd_wp_page: reuse, or split
 *   exit, munmap of all of it ─► zap_huge_pmd
 *   mprotect, madvise FREE,
 *   COLD, PAGEOUT of all of it ─► the leaf changed in place (mmap.c,
 *                                 madvise.c: their walks' pmd_entry)
 *   mremap to an aligned place ─► the leaf moves (mremap.c's move_pmd)
 *   munmap, mprotect, mremap,
 *   madvise of part, eviction ─► split_huge_page (through the reverse map:
 *                                 every pmd mapping it, then the page)
 *
 * Where the machine differs from 6.1 (libvmfs(3), TRANSPARENT HUGE PAGES):
 * a read fault takes a huge page too (6.1 maps the huge zero page there;
 * here as with use_zero_page=0); an allocation that finds no free
 * 2 MiB block falls back at once, without reclaim or compaction, whatever
 * the mapping's advice (6.1's defrag=madvise reclaims for VM_HUGEPAGE);
 * and a split splits the page and every pmd mapping it at once, where 6.1
 * splits the one pmd and defers the page's split (deferred_split_huge_page).
 * Called with the machine lock held.
 */
#include "huge_memory.h"
#include "page.h"
#include "rmap.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

bool thp_vma_allowable(const struct vmfs *m, const struct vma *v, uint64_t va)
{
	uint64_t haddr = va & HPAGE_PMD_MASK;

	if (m->geom.levels < 3 || v->obj || !(v->flags & MAP_PRIVATE) ||
	    (v->vm_flags & VM_NOHUGEPAGE) || m->opt.thp == THP_NEVER ||
	    (m->opt.thp == THP_MADVISE && !(v->vm_flags & VM_HUGEPAGE)))
		return false;
	if (va == UINT64_MAX)   /* the mapping alone: is some 2 MiB of it eligible? */
		return ((v->start + HPAGE_PMD_SIZE - 1) & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE <= v->end;
	/* a fault in a PROT_NONE mapping is a forced access's: 4 KiB pages there */
	return v->prot != PROT_NONE && haddr >= v->start && haddr + HPAGE_PMD_SIZE <= v->end;
}

/*
 * pgtable_trans_huge_deposit: a table kept for the leaf @mm now gets;
 * false when the pool is dry.
 */
static bool pgtable_deposit(struct vmfs *m, struct mm *mm)
{
	int64_t t;

	if (m->nr_deposit == m->cap_deposit) {
		uint64_t cap = m->cap_deposit ? 2 * m->cap_deposit : 64;
		uint64_t *d = realloc(m->pt_deposit, cap * sizeof(*d));

		if (!d)
			return false;
		m->pt_deposit = d;
		m->cap_deposit = cap;
	}
	if ((t = pt_alloc(&m->phys)) < 0)
		return false;
	m->pt_deposit[m->nr_deposit++] = (uint64_t)t;
	mm->c.pt_pages++;
	return true;
}

/* pgtable_trans_huge_withdraw: a deposited table, still counted in its process. */
static uint64_t pgtable_withdraw(struct vmfs *m)
{
	assert(m->nr_deposit > 0);
	return m->pt_deposit[--m->nr_deposit];
}

/* The bits of a new huge leaf of @v (vma_pte_flags's, for a write fault, with PS). */
static uint64_t huge_pmd_flags(const struct vma *v)
{
	uint64_t e = PTE_P | PTE_PS | PTE_US | PTE_A | PTE_D;

	if (v->prot & PROT_WRITE)
		e |= PTE_RW;
	if (!(v->prot & PROT_EXEC))
		e |= PTE_NX;
	return e;
}

int do_huge_pmd_anonymous_page(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t va,
			       uint64_t *pmdp)
{
	uint64_t haddr = va & HPAGE_PMD_MASK;
	int64_t head;
	struct frame *f;

	assert(*pmdp == 0 && thp_vma_allowable(m, v, va));
	head = frame_alloc_order(&m->phys, HPAGE_PMD_ORDER, FRAME_ANON, true);
	if (head < 0) {
		m->cnt.thp_fault_fallback++;
		return 1;
	}
	if (!pgtable_deposit(m, mm)) {
		frame_put(&m->phys, (uint64_t)head);
		m->cnt.thp_fault_fallback++;
		return 1;
	}
	if (!v->anon_vma) {   /* anon_vma_prepare (memory.c's, for the 4 KiB pages) */
		v->anon_vma = find_mergeable_anon_vma(v);
		if (!v->anon_vma)
			v->anon_vma = ++m->next_anon_vma;
		v->anon_vma_forked = false;
	}
	f = pfn_frame(&m->phys, (uint64_t)head);
	f->mapping = mm->av;
	f->index = linear_page_index(v, haddr);
	set_pte(mm, haddr, pmdp, mk_pte((uint64_t)head, huge_pmd_flags(v)));
	page_add_anon_rmap_huge(m, mm, (uint64_t)head);
	page_loaded(m, (uint64_t)head);   /* the policy sees one page, the head */
	m->cnt.thp_fault_alloc++;
	m->cnt.nr_anon_thp++;
	return 0;
}

int do_huge_pmd_wp_page(struct vmfs *m, struct mm *mm, const struct vma *v, uint64_t va,
			uint64_t *pmdp)
{
	uint64_t e = *pmdp, head = pte_pfn(e);

	if ((v->prot & PROT_WRITE) && page_exclusive(m, head)) {
		/* the last mapping (COW), or write-protected for soft-dirty only:
		 * written in place, as do_huge_pmd_wp_page's reuse */
		set_pte(mm, va, pmdp, (e & ~PTE_COW) | PTE_RW | PTE_A | PTE_D | PTE_SOFT_DIRTY);
		return 1;
	}
	split_huge_page(m, head);
	return 0;
}

/*
 * One pmd leaf mapping the page being split becomes a table of 512 ptes
 * (__split_huge_pmd_locked).
 */
static int split_pmd_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp, void *arg)
{
	uint64_t e = *pmdp, head = pte_pfn(e), bits = e & ~(PTE_PS | PTE_PFN_MASK);
	uint64_t t = pgtable_withdraw(m), *pte = pt_table(&m->phys, t);

	(void)arg;
	for (unsigned i = 0; i < HPAGE_PMD_NR; i++)
		set_pte_init(&pte[i], mk_pte(head + i, bits));   /* a new table: no TLB holds it */
	pt_entry_populate(pmdp, t, PTE_TABLE_USER | PTE_A);
	flush_pmd_tlb_range(mm, va);
	m->cnt.thp_split_pmd++;
	return 0;
}

void split_huge_page(struct vmfs *m, uint64_t head)
{
	struct frame *f = pfn_frame(&m->phys, head);
	bool tracked = f->flags & FRAME_TRACKED;

	assert((f->flags & FRAME_HEAD) && frame_order(f) == HPAGE_PMD_ORDER);
	rmap_walk(m, head, split_pmd_fn, NULL);
	frame_split(&m->phys, head);
	/* The policy knew the head; the other 511 pages are new to it. */
	for (unsigned i = 1; i < HPAGE_PMD_NR; i++) {
		pfn_frame(&m->phys, head + i)->flags &= ~FRAME_TRACKED;
		if (tracked)
			page_loaded(m, head + i);
	}
	m->cnt.thp_split_page++;
	m->cnt.nr_anon_thp--;
}

void split_huge_pmd(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp)
{
	(void)mm;
	(void)va;
	assert(pmd_huge_leaf(*pmdp));
	split_huge_page(m, pte_pfn(*pmdp));
}

void split_huge_pmd_address(struct vmfs *m, struct mm *mm, uint64_t va)
{
	uint64_t *pmdp;

	if (!m->cnt.nr_anon_thp || !(pmdp = pmd_offset_huge(m, mm->cr3, va)))
		return;
	split_huge_pmd(m, mm, va, pmdp);
}

int zap_huge_pmd(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp, void *arg)
{
	uint64_t e = *pmdp, head = pte_pfn(e);
	struct frame *f = pfn_frame(&m->phys, head);

	(void)arg;
	set_pte(mm, va, pmdp, 0);
	pt_release(&m->phys, pgtable_withdraw(m));
	mm->c.pt_pages--;
	if (e & PTE_D)
		f->flags |= FRAME_DIRTY;
	page_remove_rmap_huge(m, mm, head);
	if (f->refcount == 1)
		m->cnt.nr_anon_thp--;   /* the last mapping: the page goes with it */
	page_put(m, head);
	return 0;
}

int copy_huge_pmd(struct vmfs *m, struct mm *src, struct mm *dst, uint64_t va, uint64_t *pmdp)
{
	uint64_t e = *pmdp, head = pte_pfn(e), *dpmdp = pmd_alloc(m, dst, va);

	if (!dpmdp || !pgtable_deposit(m, dst))
		return -ENOMEM;
	if (e != ((e & ~PTE_RW) | PTE_COW)) {   /* pmdp_set_wrprotect */
		e = (e & ~PTE_RW) | PTE_COW;
		set_pte(src, va, pmdp, e);
	}
	get_page(m, head);
	page_add_anon_rmap_huge(m, dst, head);
	set_pte_init(dpmdp, e & ~PTE_A);   /* the child has not run: its TLB is empty */
	return 0;
}
