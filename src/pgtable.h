/*
 * pgtable.h - page tables stored in simulated physical memory.
 *
 * A table is one 4096-byte frame of 512 little-endian 64-bit entries in the
 * x86-64 layout (vmfs.h, VMFS_PTE_*).  Level 0 is the top (pgd, its frame is
 * the process's cr3); level levels-1 holds the leaf entries (pte).  Level i
 * indexes 9 bits of the address starting at bit 12 + 9 * (levels-1-i); with
 * 6 levels the top indexes only the 7 bits left of a 64-bit address.
 *
 * A leaf entry is in exactly one of these states:
 *
 *     0                      none: nothing there (never touched, unmapped)
 *     P | flags | pfn        present: the page is in frame pfn
 *     PROTNONE | flags | pfn resident but PROT_NONE: P clear, frame kept
 *     SWAP | slot << 12      in swap (P clear), slot number in bits 12-51
 *
 * Intermediate entries are 0 or P|RW|US|pfn (kernel tables: P|RW, no US),
 * with A set once a walk has passed through them.
 * The hardware-like walk ANDs US and RW and ORs NX across levels.
 *
 * Every change of a leaf entry of a process goes through set_pte(), which
 * also drops the address from that process's TLB: the TLB can never hold a
 * translation the tables no longer hold.  Called with the machine lock held.
 */
#ifndef VMFS_PGTABLE_H
#define VMFS_PGTABLE_H

#include "uapi.h"
#include "phys.h"

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

#define PTE_TABLE_USER   (PTE_P | PTE_RW | PTE_US)
/* An upper entry a walk passes without work: present, US, RW, accessed, not NX. */
#define PTE_UPPER_MASK   (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_NX)
#define PTE_UPPER_PLAIN  (PTE_P | PTE_RW | PTE_US | PTE_A)
#define PTE_TABLE_KERNEL (PTE_P | PTE_RW)
#define PTRS_PER_TABLE   512

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

/* The leaf entry for @va under @cr3, or NULL if a table on the way is missing. */
uint64_t *pte_offset(const struct vmfs *m, uint64_t cr3, uint64_t va);

/* The leaf entry for user address @va in @mm, allocating missing tables; NULL on ENOMEM. */
uint64_t *pte_alloc(struct vmfs *m, struct mm *mm, uint64_t va);

/* Write a leaf entry of @mm and drop @va from its TLB. */
void set_pte(struct mm *mm, uint64_t va, uint64_t *ptep, uint64_t val);

/*
 * Call @fn for every non-zero leaf entry of @mm in [start, end) (user half,
 * page-aligned), in address order.  With @free_empty, tables left all zero
 * afterwards are released (never the top table).  A non-zero return from
 * @fn stops the walk and is returned.
 */
typedef int (*pte_fn)(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg);
int walk_pte_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		   pte_fn fn, void *arg, bool free_empty);

#endif
