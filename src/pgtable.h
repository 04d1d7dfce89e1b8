/*
 * pgtable.h - page tables stored in simulated physical memory, and the one
 * way to walk and write them.
 *
 * A table is one 4096-byte frame of 512 little-endian 64-bit entries in the
 * x86-64 layout (vmfs.h, VMFS_PTE_*).  Level 0 is the top (pgd, its frame is
 * the process's cr3); level levels-1 holds the leaf entries (pte).  Level i
 * indexes 9 bits of the address starting at bit 12 + 9 * (levels-1-i); with
 * 6 levels the top indexes only the 7 bits left of a 64-bit address.
 *
 * Linux names the levels from the top pgd, p4d, pud, pmd, pte, and folds
 * the ones a configuration lacks; here the number of levels is a machine's
 * option (2..6), so the names count from both ends:
 *
 *     level 0            pgd   pgd_offset(), pgd_offset_k()
 *     levels 1..L-2      p4d, pud, pmd counted up from the leaf (pmd is
 *                        level L-2, pud L-3, p4d L-4; a sixth level has no
 *                        Linux name): one generic step, pt_entry_offset()
 *     level L-1          pte   pte_offset(), pte_alloc(), pte_alloc_kernel()
 *
 * A leaf entry is in exactly one of these states:
 *
 *     0                      none: nothing there (never touched, unmapped)
 *     P | flags | pfn        present: the page is in frame pfn
 *     PROTNONE | flags | pfn resident but PROT_NONE: P clear, frame kept
 *     SWAP | slot << 12      in swap (P clear), slot number in bits 12-51
 *
 * Intermediate entries are 0 or P|RW|US|pfn (kernel tables: P|RW, no US),
 * with A set once a walk has passed through them.  A pmd entry (level
 * L-2, so only with levels >= 3) may instead be a huge leaf (transparent
 * huge pages, huge_memory.c): P | PS | the leaf bits above | the pfn of a
 * 2 MiB-aligned compound page of 512 frames (pmd_trans_huge); it maps
 * 2 MiB and the walk ends there.  PS (bit 7) is never set in a pte, so a
 * leaf pointer's *ptep & PTE_PS says which kind it is.
 * The hardware-like walk ANDs US and RW and ORs NX across levels.
 *
 * The walks: every walk to one address descends with pt_descend() (or, to
 * see each level, pt_entry_offset()), inlined so that the access path's
 * walk stays one tight loop; every walk that visits each entry of a range
 * (pagemap, the table dump, maps counting, exit and munmap, fork,
 * mprotect) is walk_page_range() with callbacks, as in Linux's
 * mm/pagewalk.c; every walk that allocates tables goes through
 * pt_entry_alloc() (pte_alloc for a process, pte_alloc_kernel for the
 * kernel image).
 *
 * The writers: every write of a table entry goes through a writer below.
 * A leaf entry of a process changes through set_pte(), which also drops the
 * address from that process's TLB, so the TLB never holds a translation the
 * tables no longer hold; the only exceptions are named for what they are:
 * ptep_set_access_flags() ORs in the accessed and dirty bits (the update
 * the hardware makes, which the TLB entry translating the page mirrors),
 * and set_pte_init() fills entries no TLB can hold yet (the kernel image's
 * at boot, a fork child's before it runs).  Upper entries change through
 * pt_entry_populate() (a table installed), pt_entry_clear() (a table
 * released), pt_entry_mkyoung() (the accessed bit) and pgd_alloc() /
 * pgd_free() (the kernel half of a top table).
 * Called with the machine lock held.
 */
#ifndef VMFS_PGTABLE_H
#define VMFS_PGTABLE_H

#include "uapi.h"
#include "phys.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

struct vmfs;
struct mm;

#define PTE_P        VMFS_PTE_P
#define PTE_RW       VMFS_PTE_RW
#define PTE_US       VMFS_PTE_US
#define PTE_A        VMFS_PTE_A
#define PTE_D        VMFS_PTE_D
#define PTE_COW      VMFS_PTE_COW
#define PTE_PROTNONE VMFS_PTE_PROTNONE
#define PTE_SWAP     VMFS_PTE_SWAP
#define PTE_NX       VMFS_PTE_NX
#define PTE_PFN_MASK VMFS_PTE_PFN_MASK
#define PTE_PS       VMFS_PTE_PS
/*
 * Soft-dirty (soft-dirty.rst): x86's _PAGE_SOFT_DIRTY, bit 58, in a present
 * or PROT_NONE entry.  x86 moves it to bit 1 in a swap entry
 * (_PAGE_SWP_SOFT_DIRTY), whose layout is its own; the machine's swap entry
 * keeps its slot in bits 12-51 and SWAP in bit 11, so bit 58 is free there
 * too and serves both (pte_swp_soft_dirty reads the same bit).
 */
#define PTE_SOFT_DIRTY     VMFS_PTE_SOFT_DIRTY
#define PTE_SWP_SOFT_DIRTY VMFS_PTE_SOFT_DIRTY

#define PTE_TABLE_USER   (PTE_P | PTE_RW | PTE_US)
/* An upper entry a walk passes without work: present, US, RW, accessed, not NX. */
#define PTE_UPPER_MASK   (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_NX)
#define PTE_UPPER_PLAIN  (PTE_P | PTE_RW | PTE_US | PTE_A)
#define PTE_TABLE_KERNEL (PTE_P | PTE_RW)
#define PTRS_PER_TABLE   512
#define HPAGE_PMD_SIZE   (PAGE_SIZE << HPAGE_PMD_ORDER)   /* what a huge pmd leaf maps: 2 MiB */
#define HPAGE_PMD_MASK   (~(HPAGE_PMD_SIZE - 1))

struct pt_geom {
	int      levels;
	int      va_bits;      /* min(64, 12 + 9 * levels) */
	uint64_t user_top;     /* 2^(va_bits-1): first address past user space */
	uint64_t kernel_base;  /* first address of the upper half */
};

void pt_geom_init(struct pt_geom *g, int levels);

static inline int pt_shift(const struct pt_geom *g, int level)
{
	return PAGE_SHIFT + 9 * (g->levels - 1 - level);
}

static inline unsigned pt_index(const struct pt_geom *g, uint64_t va, int level)
{
	return (unsigned)((va >> pt_shift(g, level)) & (PTRS_PER_TABLE - 1));
}

/* Bits va_bits-1 .. 63 all equal: below the user top or from the kernel base up. */
static inline bool va_canonical(const struct pt_geom *g, uint64_t va)
{
	return va < g->user_top || va >= g->kernel_base;
}

static inline bool va_is_user(const struct pt_geom *g, uint64_t va)
{
	return va < g->user_top;
}

static inline uint64_t pte_pfn(uint64_t e)      { return (e & PTE_PFN_MASK) >> PAGE_SHIFT; }
static inline bool pte_none(uint64_t e)         { return e == 0; }
static inline bool pte_present(uint64_t e)      { return e & PTE_P; }
/* Present or PROT_NONE: a frame is held. */
static inline bool pte_resident(uint64_t e)     { return e & (PTE_P | PTE_PROTNONE); }
static inline bool pte_is_swap(uint64_t e)      { return !(e & PTE_P) && (e & PTE_SWAP); }
/* A huge leaf (pmd_trans_huge, pmd_leaf): present with PS, at the pmd level only. */
static inline bool pmd_trans_huge(uint64_t e)
{
	return (e & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS);
}
/* A huge leaf, present or PROT_NONE (a frame held). */
static inline bool pmd_huge_leaf(uint64_t e)
{
	return (e & PTE_PS) && (e & (PTE_P | PTE_PROTNONE));
}
/*
 * A hugetlb leaf (hugetlb_vma.c): PS at the pmd level (2 MiB) or the pud
 * level (1 GiB), present or PROT_NONE, mapping a hugetlb pool page
 * (FRAME_HUGETLB).  pt_descend stops at it as at any PS entry.
 */
static inline bool pt_leaf_hugetlb(const struct phys *p, uint64_t e)
{
	return (e & PTE_PS) && (e & (PTE_P | PTE_PROTNONE)) &&
	       (pfn_frame(p, (e & PTE_PFN_MASK) >> PAGE_SHIFT)->flags & FRAME_KIND_MASK) ==
	       FRAME_HUGETLB;
}
static inline uint64_t mk_pte(uint64_t pfn, uint64_t flags)
{
	return (pfn << PAGE_SHIFT) | flags;
}

static inline uint64_t *pt_table(const struct phys *p, uint64_t pfn)
{
	return (uint64_t *)pfn_to_virt(p, pfn);
}

/* Physical address of a pointer into a table. */
static inline uint64_t pt_paddr(const struct phys *p, const uint64_t *ptep)
{
	return (uint64_t)((const uint8_t *)ptep - p->ram);
}

/* Linux's p4d_offset, pud_offset, pmd_offset, pte_offset_kernel: the entry
 * for @va in table @table_pfn at @level. */
static inline uint64_t *pt_entry_offset(const struct phys *p, const struct pt_geom *g,
					uint64_t table_pfn, int level, uint64_t va)
{
	return &pt_table(p, table_pfn)[pt_index(g, va, level)];
}

/*
 * The descent every walk to one address makes: from table @pfn at @level,
 * step down toward @va while the upper entries, masked with @mask, equal
 * @want.  Returns the level it stopped at with *@ep the entry there: either
 * levels-1 (*@ep is the leaf entry) or an upper level whose entry failed
 * the test.  With mask = want = PTE_P it goes as far as tables exist.  A
 * huge leaf (PTE_PS) always fails the test (@want never holds PS): the
 * walk stops at it, *@ep the pmd entry.
 */
static inline int pt_descend(const struct phys *p, const struct pt_geom *g, uint64_t pfn,
			     int level, uint64_t va, uint64_t mask, uint64_t want, uint64_t **ep)
{
	for (; level < g->levels - 1; level++) {
		uint64_t *up = pt_entry_offset(p, g, pfn, level, va);

		if ((*up & (mask | PTE_PS)) != want) {
			*ep = up;
			return level;
		}
		pfn = pte_pfn(*up);
	}
	*ep = pt_entry_offset(p, g, pfn, level, va);
	return level;
}

/* The top-level entry for user address @va of @mm (Linux's pgd_offset). */
uint64_t *pgd_offset(const struct vmfs *m, const struct mm *mm, uint64_t va);

/* The top-level entry for @va in the kernel's own top table (pgd_offset_k). */
uint64_t *pgd_offset_k(const struct vmfs *m, uint64_t va);

/* The leaf entry for @va under @cr3, or NULL if a table on the way is missing
 * (or the walk ends at a huge pmd leaf: pmd_offset_huge finds that). */
uint64_t *pte_offset(const struct vmfs *m, uint64_t cr3, uint64_t va);

/*
 * huge_pte_offset: the leaf with PS (a huge pmd leaf, or a hugetlb pud
 * leaf) mapping @va under @cr3, present or PROT_NONE, or NULL.
 */
uint64_t *huge_pte_offset(const struct vmfs *m, uint64_t cr3, uint64_t va);

/* The huge pmd leaf (pmd_huge_leaf) mapping @va under @cr3, or NULL. */
uint64_t *pmd_offset_huge(const struct vmfs *m, uint64_t cr3, uint64_t va);

/*
 * The pmd entry for user address @va of @mm (level levels-2), allocating
 * the tables above it; NULL on ENOMEM (or with fewer than 3 levels).
 */
uint64_t *pmd_alloc(struct vmfs *m, struct mm *mm, uint64_t va);

/*
 * huge_pte_alloc: the entry at @level (levels-2 for a 2 MiB hugetlb leaf,
 * levels-3 for 1 GiB) for user address @va of @mm, allocating the tables
 * above it; NULL on ENOMEM.
 */
uint64_t *huge_pte_alloc(struct vmfs *m, struct mm *mm, uint64_t va, int level);

/* The leaf entry for user address @va in @mm, allocating missing tables; NULL on ENOMEM. */
uint64_t *pte_alloc(struct vmfs *m, struct mm *mm, uint64_t va);

/* The kernel image's leaf entry for @va, allocating missing kernel tables; NULL on ENOMEM. */
uint64_t *pte_alloc_kernel(struct vmfs *m, uint64_t va);

/*
 * The allocating step (Linux's __p4d_alloc, __pud_alloc, __pmd_alloc,
 * __pte_alloc): the pfn of the table upper entry @ep points at, a new empty
 * one installed with entry bits @flags if there is none (counted in
 * *@nr_tables, if given); -1 when the page-table pool is dry.
 */
int64_t pt_entry_alloc(struct phys *p, uint64_t *ep, uint64_t flags, uint64_t *nr_tables);

/* Upper-entry writers: table @pfn installed (pmd_populate), released (pmd_clear). */
static inline void pt_entry_populate(uint64_t *ep, uint64_t pfn, uint64_t flags)
{
	*ep = mk_pte(pfn, flags);
}

static inline void pt_entry_clear(uint64_t *ep)
{
	*ep = 0;
}

/* The accessed bit of an upper entry a walk passes through (pmd_mkyoung). */
static inline void pt_entry_mkyoung(uint64_t *ep)
{
	*ep |= PTE_A;
}

/*
 * A new top table for @mm, holding the kernel's top-level entries (Linux's
 * pgd_alloc and clone_pgd_range): 0, or -ENOMEM with the pool dry.
 */
int pgd_alloc(struct vmfs *m, struct mm *mm);

/* Release @mm's top table, its user half already empty (pgd_free). */
void pgd_free(struct vmfs *m, struct mm *mm);
/*
 * mm_pgtables_pages: @mm's tables as Linux's mm_pgtables_bytes counts them
 * (VmPTE): the pte, pmd and pud tables (the lowest three levels), never
 * the top table, nor the p4d and higher levels of a machine with five or
 * more (Linux allocates them uncounted).  O(1) up to four levels.
 */
uint64_t mm_pgtables_pages(const struct vmfs *m, const struct mm *mm);

/*
 * Write a leaf entry of @mm and drop @va from its TLB.  A huge pmd leaf is
 * a leaf entry too (its old or new value has PTE_PS): then the TLB drops
 * its 2 MiB, the huge entry and any 4 KiB ones (set_pmd_at with
 * flush_tlb_range).
 */
void set_pte(struct mm *mm, uint64_t va, uint64_t *ptep, uint64_t val);

/*
 * set_huge_pte_at: write hugetlb leaf @ep (mapping 1 << @shift bytes from
 * @va) and drop that range from @mm's TLB, entries of every size
 * (flush_hugetlb_tlb_range, through tlb_flush_range).
 */
void set_huge_pte_at(struct mm *mm, uint64_t va, uint64_t *ep, uint64_t val, int shift);

/* Drop the 2 MiB holding @va from @mm's TLB, entries of any size (flush_pmd_tlb_range). */
void flush_pmd_tlb_range(struct mm *mm, uint64_t va);

/*
 * OR accessed and dirty bits (@bits within PTE_A | PTE_D | PTE_SOFT_DIRTY)
 * into a live leaf entry, as the hardware does on an access
 * (ptep_set_access_flags, with pte_mkyoung and pte_mkdirty, which sets
 * soft-dirty with dirty; see pageflags.h for why the machine's write
 * sets it too): no TLB flush, since the bits only add to
 * what a TLB entry for the page allows; the caller updates or fills that
 * entry itself.
 */
static inline void ptep_set_access_flags(uint64_t *ptep, uint64_t bits)
{
	assert(!(bits & ~(PTE_A | PTE_D | PTE_SOFT_DIRTY)));
	*ptep |= bits;
}

/*
 * Write a leaf entry no TLB can hold yet, so with nothing to flush: the
 * kernel image's at boot, and a fork child's before it is published.
 */
static inline void set_pte_init(uint64_t *ptep, uint64_t val)
{
	*ptep = val;
}

/*
 * walk_page_range: visit the entries of @mm over [start, end) (user half,
 * page-aligned), depth first, in address order, calling @ops's callbacks
 * with @arg: upper_entry for each non-zero upper entry before the walk
 * goes below it (@level 0 .. levels-2, @va the first address it maps),
 * pte_entry for each non-zero leaf entry.  Zero entries are skipped.  With
 * free_empty, tables left all zero afterwards are released (never the top
 * table).  A non-zero return from a callback stops the walk and is
 * returned.  (Linux's mm/pagewalk.c; its pgd_entry ... pmd_entry are the
 * one upper_entry here, the level says which.)
 *
 * A huge pmd leaf (walk_pmd_range): wholly inside the range and with
 * pmd_entry, that callback gets it (and upper_entry does not: it is no
 * table; if the callback splits it, the walk goes on into the new pte
 * table); else, with huge_ptes (the
 * read-only views), pte_entry is called for each of its 4 KiB pages in the
 * range with a pointer to a copy of the entry as a pte would be (pfn head
 * + i, PS clear; the callback must not write it); else the pmd is split
 * first (split_huge_pmd, through the machine's split_huge_pmd hook, which
 * huge_memory.c's split_huge_pmd is: set by machine_open, a pointer so
 * that pgtable.c stays below the modules it calls back) and the walk goes
 * on into the new pte table.
 *
 * A hugetlb leaf (pt_leaf_hugetlb, at the pmd or the pud level: Linux's
 * walk_hugetlb_range) goes to hugetlb_entry (@va its start, @level its
 * level), else with huge_ptes it is shown as ptes (as above), else the
 * walk passes it by: it is never split (callers refuse ranges that end
 * inside one: hugetlb_vma.h).
 */
typedef int (*pte_fn)(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg);
typedef int (*upper_fn)(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ep, int level,
			void *arg);

struct mm_walk_ops {
	upper_fn upper_entry;   /* may be NULL */
	pte_fn   pte_entry;     /* required */
	bool     free_empty;    /* release emptied tables (zap: free_pgtables) */
	pte_fn   pmd_entry;     /* a huge pmd leaf (va its 2 MiB start), or NULL */
	bool     huge_ptes;     /* without pmd_entry: show a huge leaf as 512 ptes */
	upper_fn hugetlb_entry; /* a hugetlb leaf (pmd or pud level), or NULL (since 0.8) */
};

int walk_page_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		    const struct mm_walk_ops *ops, void *arg);

#endif
