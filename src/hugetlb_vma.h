/*
 * hugetlb_vma.h - mappings of explicit huge pages (MAP_HUGETLB), the half
 * of Linux 6.1's mm/hugetlb.c that maps the pools of hugetlb.c: the
 * reservation at mmap (hugetlb_reserve_pages), the fault (hugetlb_fault,
 * hugetlb_no_page, hugetlb_wp), and each walk's step over a hugetlb leaf
 * (__unmap_hugepage_range, copy_hugetlb_page_range; mmap.c's mprotect
 * and machine.c's smaps have theirs: hugetlb_change_protection,
 * smaps_hugetlb_range).
 *
 * What stays true: a VM_HUGETLB mapping is anonymous, private or shared,
 * its start and end aligned to its huge page size (vma.hstate); it maps
 * only hugetlb pool pages (FRAME_HUGETLB), each by one leaf entry with PS
 * at the pmd level (2 MiB) or the pud level (1 GiB), never split, never
 * on the LRU (the replacement policy never hears of one being loaded,
 * reclaim never sees it), counted in the head frame's mapcount and
 * refcount and in its process's hugetlb counter, never in its RSS.  The
 * mapping's struct resv_map (refcounted by the vmas that share it: the
 * pieces of a split, a shared mapping's fork children) holds one bit per
 * huge page, set while a page there is reserved (counted in its hstate's
 * resv_huge_pages) and not yet faulted; a shared mapping's map also holds
 * its pages (the hugetlbfs page cache of Linux's anonymous shared hugetlb
 * file), each with one reference of the map's, until the last vma goes.
 * A fork child's private mapping has no map (6.1's
 * hugetlb_dup_vma_private: only the mapping's owner has reservations).
 * Called with the machine lock held.
 */
#ifndef VMFS_HUGETLB_VMA_H
#define VMFS_HUGETLB_VMA_H

#include "machine.h"

#include <stdbool.h>
#include <stdint.h>

struct resv_map {
	uint32_t  refcount;   /* vmas pointing at it */
	bool      shared;     /* MAP_SHARED: pages[] is the page cache */
	uint64_t  first;      /* huge page index (vm_pgoff >> order) of entry 0 */
	uint64_t  n;          /* entries */
	uint8_t  *resv;       /* 1: reserved, not yet faulted */
	uint64_t *pages;      /* shared: head pfn + 1 of the page there, 0 for none */
};

/* mmap's flags bits 26-31: MAP_HUGETLB's page size as log2 (Linux's MAP_HUGE_MASK << MAP_HUGE_SHIFT). */
#define MAP_HUGE_BITS ((int)(0x3fu << VMFS_MAP_HUGE_SHIFT))

static inline bool is_vm_hugetlb_page(const struct vma *v)
{
	return v->vm_flags & VM_HUGETLB;
}

/* huge_page_shift(hstate_vma(v)): 21 or 30. */
static inline int huge_page_shift_vma(const struct vmfs *m, const struct vma *v)
{
	return PAGE_SHIFT + (int)m->hstates[v->hstate].order;
}

/*
 * The hstate MAP_HUGETLB @flags ask for (bits 26-31: log2 of the size, 0
 * for the default 2 MiB): 0 and *@idx, or -EINVAL (an unknown size; a size
 * the machine's levels cannot map: 2 MiB needs 3 levels, 1 GiB 4).
 */
int hugetlb_flags_hstate(const struct vmfs *m, int flags, unsigned *idx);

/*
 * hugetlb_reserve_pages: new mapping @v (VM_HUGETLB, hstate set, aligned)
 * gets its resv_map with a reservation for every huge page of it: 0, or
 * -ENOMEM when the pool's free pages less those reserved cannot cover it
 * (nothing changed).
 */
int hugetlb_reserve_pages(struct vmfs *m, struct vma *v);

/* hugetlb_vm_op_open: @v, a new copy of a hugetlb mapping (a split), shares its map. */
void hugetlb_vm_op_open(struct vma *v);

/* A fork child's copy @v: shared keeps the map, private has none. */
void hugetlb_dup_vma(struct vma *v);

/*
 * hugetlb_vm_op_close: @v goes (its pages zapped already): a private
 * mapping's reservations in its range go back to the pool; the map goes
 * with its last vma, and with it a shared mapping's pages and
 * reservations.
 */
void hugetlb_vm_op_close(struct vmfs *m, struct vma *v);

/*
 * hugetlb_split_check: may a mapping be split at @addr of @mm (munmap,
 * mprotect, madvise)?  0, or -EINVAL when @addr falls inside a huge page
 * of a hugetlb mapping (hugetlb_vm_op_split), with @call in the message.
 */
int hugetlb_split_check(const struct vmfs *m, const struct mm *mm, uint64_t addr,
			const char *call);

/*
 * hugetlb_fault: a fault at @va of hugetlb mapping @v.  A none entry takes
 * a page (the shared mapping's page, or a new one from the pool, reserved
 * or not, cleared: hugetlb_no_page); a write to a read-only private leaf
 * reuses the page if it is the only mapping, else copies it all
 * (hugetlb_wp).  0 (*@cow set for a copy-on-write), 1 for SIGBUS (no free
 * pool page: VM_FAULT_SIGBUS), -ENOMEM (no page-table frame), -EFAULT (a
 * PROT_NONE leaf, reached only by a forced access).
 */
int hugetlb_fault(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t va, bool write,
		  bool *cow);

/* The walk steps on a hugetlb leaf @ep at @level mapping from @va (walk_page_range's hugetlb_entry). */
int hugetlb_zap_entry(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ep, int level,
		      void *arg);
/* Fork: the leaf into @dst, both read-only (COW) in a private mapping. 0 or -ENOMEM. */
int copy_hugetlb_entry(struct vmfs *m, struct mm *src, struct mm *dst, const struct vma *v,
		       uint64_t va, uint64_t *ep, int level);

#endif
