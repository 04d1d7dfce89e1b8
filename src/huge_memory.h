/*
 * huge_memory.h - transparent huge pages for private anonymous memory, as
 * Linux 6.1's mm/huge_memory.c names the steps (see huge_memory.c).
 *
 * What stays true: a huge page is a compound page of HPAGE_PMD_NR frames
 * (phys.h: FRAME_HEAD, FRAME_TAIL) mapped only by whole huge pmd leaves
 * (pgtable.h: pmd_trans_huge), each counted once in the head's mapcount
 * and reference count and 512 times in its process's RSS; the replacement
 * policy knows the head alone.  Each huge pmd leaf has one pte table
 * deposited for it (struct vmfs's pt_deposit, counted in its process's
 * pt_pages), so that splitting never needs the table pool.  Whenever part
 * of a huge page must change, split_huge_page makes every pmd mapping it a
 * table of 512 ptes and the compound page 512 ordinary pages.
 * Called with the machine lock held.
 */
#ifndef VMFS_HUGE_MEMORY_H
#define VMFS_HUGE_MEMORY_H

#include "machine.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * May a fault at @va of @v take a huge page (thp_vma_allowable with
 * transhuge_vma_suitable)?  A private anonymous mapping, the thp= mode
 * (always; madvise: VM_HUGEPAGE), not VM_NOHUGEPAGE, the 2 MiB around @va
 * wholly inside @v, levels >= 3, and not PROT_NONE (where only a forced
 * access faults).  With @va UINT64_MAX only the mapping is asked, as
 * hugepage_vma_check asks it for smaps' THPeligible (prot aside).
 */
bool thp_vma_allowable(const struct vmfs *m, const struct vma *v, uint64_t va);

/*
 * do_huge_pmd_anonymous_page: map a new zeroed huge page at the 2 MiB
 * holding @va in pmd entry @pmdp (none).  0 (counted thp_fault_alloc), 1
 * when the caller must fall back to 4 KiB pages (no free block, or no
 * table to deposit: thp_fault_fallback).  The caller counts the fault.
 */
int do_huge_pmd_anonymous_page(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t va,
			       uint64_t *pmdp);

/*
 * do_huge_pmd_wp_page: a write to a huge leaf that does not allow it.  The
 * only mapping of an exclusive page in a writable mapping takes it over
 * writable, whether it was COW or write-protected by clear_refs 4 (1: done);
 * otherwise the page is split (0: the caller walks again and copies the
 * 4 KiB page, as 6.1 does after __split_huge_pmd).
 */
int do_huge_pmd_wp_page(struct vmfs *m, struct mm *mm, const struct vma *v, uint64_t va,
			uint64_t *pmdp);

/* split_huge_page: every pmd mapping huge page @head becomes 512 ptes, the page 512 pages. */
void split_huge_page(struct vmfs *m, uint64_t head);

/* split_huge_pmd: split the huge page that pmd leaf @pmdp of @mm maps (walk_page_range's hook). */
void split_huge_pmd(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp);

/* split_huge_pmd_address: split the huge page mapping @va in @mm, if any (a vma split there). */
void split_huge_pmd_address(struct vmfs *m, struct mm *mm, uint64_t va);

/*
 * zap_huge_pmd: huge leaf @pmdp of @mm, wholly inside the range being
 * zapped, goes: the entry, its deposited table, the rmap and its reference.
 */
int zap_huge_pmd(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp, void *arg);

/*
 * copy_huge_pmd: fork's copy of huge leaf @pmdp of @src into @dst: both
 * read-only (COW), the head's reference and mapcount raised, a table
 * deposited for the child's.  0 or -ENOMEM.
 */
int copy_huge_pmd(struct vmfs *m, struct mm *src, struct mm *dst, uint64_t va, uint64_t *pmdp);

#endif
