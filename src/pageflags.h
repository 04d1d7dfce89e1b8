/*
 * pageflags.h - Linux's views of physical pages and working sets:
 * kpageflags and kpagecount (fs/proc/page.c), clear_refs and the
 * soft-dirty bit (fs/proc/task_mmu.c, soft-dirty.rst), and idle page
 * tracking (mm/page_idle.c).
 *
 * What stays true:
 *   - Reading kpageflags, kpagecount or the idle bitmap changes nothing but
 *     what Linux's reads change (the idle read clears the accessed bits it
 *     finds, turning them into the frame's young flag, as page_idle.c does).
 *   - The soft-dirty bit of a leaf entry (PTE_SOFT_DIRTY; PTE_SWP_SOFT_DIRTY
 *     in a swap entry) is set by every write the machine lets through:
 *     Linux sets it in pte_mkdirty, in the write fault that follows
 *     clear_refs 4's write-protect, and the machine does too (memory.c's
 *     wp_page_notify), but it also maps clean pages writable where Linux
 *     maps them read-only until written (an anonymous page read first), so
 *     its dirty-bit update (ptep_set_access_flags) sets soft-dirty with the
 *     dirty bit: the same answer without a fault Linux would take.
 *   - A mapping is VM_SOFTDIRTY (vma->soft_dirty) from mmap until
 *     clear_refs 4, and pagemap shows bit 55 for all its pages while it is.
 * Called with the machine lock held.
 */
#ifndef VMFS_PAGEFLAGS_H
#define VMFS_PAGEFLAGS_H

#include "machine.h"

#include <stdint.h>

int64_t kpageflags_read(struct vmfs *m, uint64_t pfn, uint64_t *out, uint64_t n);
int64_t kpagecount_read(struct vmfs *m, uint64_t pfn, uint64_t *out, uint64_t n);
int     clear_refs_write(struct vmfs *m, int pid, int type);
int64_t page_idle_bitmap_read(struct vmfs *m, uint64_t pfn, uint64_t *out, uint64_t nwords);
int64_t page_idle_bitmap_write(struct vmfs *m, uint64_t pfn, const uint64_t *in, uint64_t nwords);

#endif
