/*
 * mmap.h - the steps of mmap.c that mremap.c builds on, as Linux's
 * mm/mremap.c builds on mm/mmap.c (do_munmap, copy_vma, get_unmapped_area,
 * mlock_future_check).  The machine's own calls (do_mmap, do_munmap,
 * do_mprotect, vma_apply_flags) are in machine.h.
 *
 * What stays true: a caller allocates what a step may need (struct
 * spares, the fresh mapping copy_vma may take) before it changes
 * anything, so that none of these steps can fail once it has begun.
 * Called with the machine lock held.
 */
#ifndef VMFS_MMAP_H
#define VMFS_MMAP_H

#include "machine.h"

#include <stdint.h>

/* Two free mappings for the splits one unmap_range may make. */
struct spares {
	struct vma *v[2];
	int         n;
};

/* 0, or -ENOMEM (with the message) when the host has no memory for them. */
int  spares_get(struct spares *s);
/* Free those not used. */
void spares_put(struct spares *s);

/*
 * do_munmap's work on @mm: remove the mappings and pages of [start, end)
 * (page-aligned), splitting at both ends (the spares), munlocking and
 * uncharging (VM_ACCOUNT) what goes; cannot fail.
 */
void unmap_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		 struct spares *s);

/*
 * Take VM_LOCKED (and VM_LOCKONFAULT) from the mappings in [start, end),
 * which no mapping straddles, and munlock their pages: locked_vm shrinks
 * by what was locked.
 */
void munlock_vmas(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end);

/*
 * get_unmapped_area for @len bytes (page-aligned) of @mm: @hint rounded
 * up to a page if that range is free and in user space above
 * mmap_min_addr, else the top-down search below mmap_base.  0 and
 * *@start, or -ENOMEM.
 */
int  get_unmapped_area(const struct mm *mm, uint64_t hint, uint64_t len, uint64_t *start);

/*
 * mlock_future_check: may @len more bytes with @vm_flags be locked by
 * @mm?  Always, unless VM_LOCKED is in @vm_flags and locked_vm would pass
 * the memlock limit: -EAGAIN with a message naming @call.
 */
int  mlock_future_check(const struct vmfs *m, const struct mm *mm, unsigned vm_flags,
			uint64_t len, const char *call);

/*
 * copy_vma (Linux's, mm/mmap.c): a mapping like @v over [addr, addr +
 * len), a range with no mapping, at page offset @pgoff (for private
 * anonymous memory never faulted, the new address's page instead, so
 * that it may merge there).  Merged into a neighbour where vma_merge
 * merges (the rules mprotect's merges follow), else *@fresh, then set to
 * NULL, is linked.  Returns the mapping now holding the range; counters
 * and pages are the caller's.
 */
struct vma *copy_vma(struct vmfs *m, struct mm *mm, const struct vma *v, uint64_t addr,
		     uint64_t len, uint64_t pgoff, struct vma **fresh);

#endif
