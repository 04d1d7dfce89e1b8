/*
 * pageflags.c - Linux's views of physical pages and working sets (see
 * pageflags.h): kpageflags and kpagecount as fs/proc/page.c's
 * stable_page_flags and kpagecount_read compute them, clear_refs as
 * fs/proc/task_mmu.c's clear_refs_write, and the idle bitmap as
 * mm/page_idle.c's page_idle_bitmap_read and _write.
 *
 * The frames are the physical address space as vmfs_phys_read sees it:
 * data frames, then the kernel image (PG_reserved: KPF_RESERVED), then the
 * page-table frames handed out so far (PageTable: KPF_PGTABLE, or
 * KPF_BUDDY once freed).  A data frame's flags come from its struct frame
 * and the policy: PG_lru is FRAME_TRACKED, PG_active and PG_referenced are
 * the linux policy's (policy_page_flags); under a policy without Linux's
 * lists every page on the LRU is active, as vmfs_lru_stat counts it, and
 * under mglru none is, as in Linux 6.1 (the generation replaces PG_active).
 * Nothing here writes a frame but its FRAME_IDLE and FRAME_YOUNG bits, nor
 * a table entry but through set_pte.
 * Called with the machine lock held.
 */
#include "pageflags.h"
#include "error.h"
#include "page.h"
#include "policy.h"
#include "rmap.h"
#include "vmscan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KPF(bit) (1ull << VMFS_KPF_##bit)

/*
 * kpf_zero_page: is @pfn the shared zero page (KPF_ZERO_PAGE)?  It is a
 * page of the kernel image (is_zero_pfn, machine.h), as Linux's
 * empty_zero_page is: PG_reserved, with no map count.
 */
static bool kpf_zero_page(const struct vmfs *m, uint64_t pfn)
{
	return is_zero_pfn(m, pfn);
}

/* Frames of physical memory: max_pfn. */
static uint64_t max_pfn(const struct vmfs *m)
{
	return m->phys.pt_base + m->phys.pt_hwm;
}

/* Clip [pfn, pfn + n) to physical memory: the count that lies inside. */
static uint64_t clip(const struct vmfs *m, uint64_t pfn, uint64_t n)
{
	uint64_t end = max_pfn(m);

	if (pfn >= end)
		return 0;
	return n < end - pfn ? n : end - pfn;
}

/* stable_page_flags of a data frame. */
static uint64_t data_page_flags(struct vmfs *m, uint64_t pfn, policy_page_flags_fn pf)
{
	const struct frame *f = pfn_frame(&m->phys, pfn);
	unsigned kind = f->flags & FRAME_KIND_MASK;
	uint64_t u = KPF(UPTODATE);

	if (f->flags & FRAME_TAIL)   /* a tail shows its head's state (PF_HEAD flags) */
		return (data_page_flags(m, compound_head(&m->phys, pfn), pf) & ~KPF(COMPOUND_HEAD)) |
		       KPF(COMPOUND_TAIL);
	if (kind == FRAME_FREE)
		return KPF(BUDDY);
	if (kind == FRAME_HUGETLB)   /* PageHuge: in a pool, never on an LRU */
		return u | KPF(HUGE) | KPF(COMPOUND_HEAD) | (f->mapcount ? KPF(MMAP) : 0);
	if (f->flags & FRAME_HEAD)   /* a transparent huge page */
		u |= KPF(COMPOUND_HEAD) | KPF(THP);
	if (f->mapcount)
		u |= KPF(MMAP);
	if (kind == FRAME_ANON)
		u |= KPF(ANON);
	if (f->flags & FRAME_IDLE)
		u |= KPF(IDLE);
	if (f->flags & FRAME_LOCKED)
		u |= KPF(LOCKED);
	/* PG_dirty: an object or shared page is dirtied by its write fault, an
	 * anonymous page when a dirty entry leaves it (try_to_unmap_one). */
	if (kind == FRAME_ANON ? (f->flags & FRAME_DIRTY) != 0 : page_dirty(m, pfn))
		u |= KPF(DIRTY);
	if (f->flags & FRAME_TRACKED) {
		u |= KPF(LRU);
		if (pf)
			u |= pf(m->pol_state, pfn);
		else if (!m->pol_lru_stat)
			u |= KPF(ACTIVE);
	}
	if (f->swap)
		u |= KPF(SWAPCACHE);
	/* a page MADV_FREE made lazy has PG_swapbacked clear (mark_page_lazyfree) */
	if (page_swapbacked(f) && !(f->flags & FRAME_LAZYFREE))
		u |= KPF(SWAPBACKED);
	/* mlock (issue 14): PG_mlocked, and PG_unevictable as on Linux's unevictable list */
	if (f->flags & FRAME_MLOCKED)
		u |= KPF(MLOCKED) | KPF(UNEVICTABLE);
	return u;
}

/* The page-table frames of [lo, hi) that are free, as a bitmap from lo; NULL on ENOMEM. */
static uint64_t *pt_free_map(const struct vmfs *m, uint64_t lo, uint64_t hi)
{
	uint64_t *map = calloc((hi - lo + 63) / 64 + 1, sizeof(*map));

	if (!map)
		return NULL;
	for (uint64_t i = 0; i < m->phys.pt_nfree; i++) {
		uint64_t pfn = m->phys.pt_free[i];

		if (pfn >= lo && pfn < hi)
			map[(pfn - lo) / 64] |= 1ull << ((pfn - lo) % 64);
	}
	return map;
}

int64_t kpageflags_read(struct vmfs *m, uint64_t pfn, uint64_t *out, uint64_t n)
{
	const struct phys *p = &m->phys;
	policy_page_flags_fn pf = m->pol_builtin ? policy_page_flags(m->pol) : NULL;
	uint64_t *free_pt = NULL, lo;

	n = clip(m, pfn, n);
	lo = pfn > p->pt_base ? pfn : p->pt_base;
	if (pfn + n > p->pt_base && !(free_pt = pt_free_map(m, lo, pfn + n)))
		return vm_error(-ENOMEM, "kpageflags: out of memory");
	for (uint64_t i = 0; i < n; i++) {
		uint64_t q = pfn + i;

		if (pfn_is_data(p, q))
			out[i] = data_page_flags(m, q, pf);
		else if (q < p->pt_base)
			out[i] = KPF(RESERVED);         /* the kernel image */
		else if (free_pt[(q - lo) / 64] & (1ull << ((q - lo) % 64)))
			out[i] = KPF(BUDDY);
		else
			out[i] = KPF(PGTABLE);
		if (kpf_zero_page(m, q))
			out[i] |= KPF(ZERO_PAGE);
	}
	free(free_pt);
	return (int64_t)n;
}

int64_t kpagecount_read(struct vmfs *m, uint64_t pfn, uint64_t *out, uint64_t n)
{
	n = clip(m, pfn, n);
	for (uint64_t i = 0; i < n; i++)
		/* page_mapcount: a frame of a huge page is mapped as its head is */
		out[i] = pfn_is_data(&m->phys, pfn + i) ?
			 pfn_frame(&m->phys, compound_head(&m->phys, pfn + i))->mapcount : 0;
	return (int64_t)n;
}

/* clear_refs_pte_range: one entry of a mapping clear_refs_write walks. */
static int clear_refs_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	int type = *(const int *)arg;
	uint64_t e = *ptep;

	if (type == VMFS_CLEAR_REFS_SOFT_DIRTY) {
		/* clear_soft_dirty: write-protect, so the next write faults and sets it. */
		uint64_t n = pte_resident(e) ? e & ~(PTE_RW | PTE_SOFT_DIRTY)
					      : e & ~PTE_SWP_SOFT_DIRTY;

		if (n != e)
			set_pte(mm, va, ptep, n);
		return 0;
	}
	/* vm_normal_page: only entries of data frames (not the kernel's zero page). */
	if (!pte_resident(e) || !pfn_is_data(&m->phys, pte_pfn(e)))
		return 0;
	/* ptep_test_and_clear_young, test_and_clear_page_young (ClearPageReferenced: see the man page). */
	if (e & PTE_A)
		set_pte(mm, va, ptep, e & ~PTE_A);
	pfn_frame(&m->phys, pte_pfn(e))->flags &= ~FRAME_YOUNG;
	return 0;
}

/*
 * A huge leaf (clear_refs_pte_range's pmd part) is cleared as a pte is,
 * the leaf kept: its accessed bit and its head's young flag, or for
 * soft-dirty its RW and soft-dirty bits (clear_soft_dirty_pmd), so that
 * the next write faults (do_huge_pmd_wp_page takes it back whole).
 */
static const struct mm_walk_ops clear_refs_ops = { .pte_entry = clear_refs_pte,
						   .pmd_entry = clear_refs_pte };

int clear_refs_write(struct vmfs *m, int pid, int type)
{
	struct mm *mm = mm_lookup(m, pid);

	if (!mm)
		return -ESRCH;
	if (type < VMFS_CLEAR_REFS_ALL || type > VMFS_CLEAR_REFS_MM_HIWATER_RSS)
		return vm_error(-EINVAL, "clear_refs: %d is not one of 1 to 5", type);
	if (type == VMFS_CLEAR_REFS_MM_HIWATER_RSS) {
		mm->rss_peak = mm->c.rss_anon + mm->c.rss_file + mm->c.rss_shmem;   /* reset_mm_hiwater_rss */
		return 0;
	}
	for (struct vma *v = mm->vmas.first; v; v = v->next) {
		/* clear_refs_test_walk: anon skips mappings of a file (or shared memory), mapped the rest. */
		if ((type == VMFS_CLEAR_REFS_ANON && v->obj) || (type == VMFS_CLEAR_REFS_MAPPED && !v->obj))
			continue;
		if (type == VMFS_CLEAR_REFS_SOFT_DIRTY)
			v->soft_dirty = false;
		walk_page_range(m, mm, v->start, v->end, &clear_refs_ops, &type);
	}
	return 0;
}

/*
 * page_idle_get_folio: a page idle tracking looks at, one on the LRU; a
 * frame of a huge page stands for the huge page (*@pfn becomes its head),
 * as pfn_folio makes it on Linux.
 */
static struct frame *page_idle_get_page(struct vmfs *m, uint64_t *pfn)
{
	struct frame *f;

	if (!pfn_is_data(&m->phys, *pfn))
		return NULL;
	*pfn = compound_head(&m->phys, *pfn);
	f = pfn_frame(&m->phys, *pfn);
	return (f->flags & FRAME_TRACKED) ? f : NULL;
}

/*
 * page_idle_clear_pte_refs: clear the accessed bits of every entry mapping
 * the page; if one was set, the page was used: not idle, and young so that
 * reclaim still sees the reference (page_referenced).
 */
static void page_idle_clear_pte_refs(struct vmfs *m, uint64_t pfn, struct frame *f)
{
	if (f->mapcount && page_referenced_ptes(m, pfn, true)) {
		f->flags &= ~FRAME_IDLE;
		f->flags |= FRAME_YOUNG;
	}
}

/* Words of the bitmap from @pfn that lie in physical memory, at most @nwords. */
static int64_t idle_words(struct vmfs *m, uint64_t pfn, uint64_t nwords)
{
	if (pfn % 64)
		return vm_error(-EINVAL, "page_idle: frame %llu is not a multiple of 64",
				(unsigned long long)pfn);
	if (pfn >= max_pfn(m))
		return 0;
	return (int64_t)(nwords < (max_pfn(m) - pfn + 63) / 64 ? nwords : (max_pfn(m) - pfn + 63) / 64);
}

int64_t page_idle_bitmap_read(struct vmfs *m, uint64_t pfn, uint64_t *out, uint64_t nwords)
{
	int64_t n = idle_words(m, pfn, nwords);

	for (int64_t w = 0; w < n; w++) {
		out[w] = 0;
		for (unsigned bit = 0; bit < 64; bit++) {
			uint64_t q = pfn + (uint64_t)w * 64 + bit;
			struct frame *f = page_idle_get_page(m, &q);

			if (!f || !(f->flags & FRAME_IDLE))
				continue;
			page_idle_clear_pte_refs(m, q, f);
			if (f->flags & FRAME_IDLE)
				out[w] |= 1ull << bit;
		}
	}
	return n;
}

int64_t page_idle_bitmap_write(struct vmfs *m, uint64_t pfn, const uint64_t *in, uint64_t nwords)
{
	int64_t n = idle_words(m, pfn, nwords);

	for (int64_t w = 0; w < n; w++) {
		for (uint64_t bits = in[w]; bits; bits &= bits - 1) {
			uint64_t q = pfn + (uint64_t)w * 64 + (uint64_t)__builtin_ctzll(bits);
			struct frame *f = page_idle_get_page(m, &q);

			if (!f)
				continue;
			page_idle_clear_pte_refs(m, q, f);
			f->flags |= FRAME_IDLE;
		}
	}
	return n;
}
