/*
 * memory.h - the page-fault handler (memory.c), as Linux's mm/memory.c
 * names it: what the access path (access.c) calls when the hardware finds
 * no usable entry for an address inside a mapping that allows the access.
 *
 * The caller has done what Linux's do_user_addr_fault does before it: found
 * the mapping and checked it allows the access (access_error); the handler
 * then fills or changes the leaf entry, and the caller walks again.  A
 * fault that stops the access is recorded in the caller's struct
 * vmfs_fault (fault_segv, or an allocation failure with its kernel-log
 * line); whether it becomes a segfault of the process is the caller's
 * decision.  Called with the machine lock held.
 */
#ifndef VMFS_MEMORY_H
#define VMFS_MEMORY_H

#include "machine.h"

#include <stdint.h>

/* What the faulting access is (Linux's FAULT_FLAG_*). */
#define FAULT_FLAG_WRITE       0x01u   /* a write (else a read or a fetch) */
#define FAULT_FLAG_INSTRUCTION 0x02u   /* an instruction fetch */
#define FAULT_FLAG_USER        0x04u   /* from user mode (else the kernel's) */
#define FAULT_FLAG_REMOTE      0x08u   /* forced: a debugger's access through
					  access_process_vm, FOLL_FORCE */
#define FAULT_FLAG_NOWARN      0x10u   /* the caller has a way round running out
					  of memory (a read holding frames of
					  its own, read_spans): a failed
					  allocation is recorded in the struct
					  vmfs_fault but neither counted as an
					  oom_kill nor logged (GFP_NOWARN) */

/*
 * Record in @info the fault that stops an access of kind @flags at @va
 * (si_code VMFS_SEGV_MAPERR or VMFS_SEGV_ACCERR, @code the VMFS_PF_* bits
 * besides the access's own) and set the error message: returns -EFAULT.
 */
int fault_segv(struct vmfs_fault *info, unsigned flags, uint64_t va, int si_code, uint32_t code);

/*
 * As fault_segv, for a page of an object's mapping past the object's end:
 * Linux's VM_FAULT_SIGBUS, which do_sigbus turns into SIGBUS with
 * BUS_ADRERR.  Returns -EFAULT.  With @object NULL: a hugetlb fault that
 * found no pool page (VM_FAULT_SIGBUS too).
 */
int fault_sigbus(struct vmfs_fault *info, unsigned flags, uint64_t va, const char *object);

/*
 * handle_mm_fault: make the leaf entry for user address @va of @mm, inside
 * mapping @vma which allows the access, serve an access of kind @flags:
 * the page allocated, read back or copied (counted in @info and the
 * process's and machine's counters).  0, or -errno with the fault recorded
 * in @info.  @ptep is the leaf entry for @va as the caller's walk found it
 * (pte_offset), or NULL where a table on the way is missing: Linux's
 * handler walks again, here the simulated hardware's walk hands it over.
 * The first private anonymous page of @vma gives it an anon_vma
 * (anon_vma_prepare), which the merge rules of mmap.c read.
 */
int handle_mm_fault(struct vmfs *m, struct mm *mm, struct vma *vma, uint64_t va,
		    unsigned flags, struct vmfs_fault *info, uint64_t *ptep);

/*
 * MADV_WILLNEED: read the page in swap slot @slot (of @mm's anonymous page
 * at @va, in mapping @v) into the swap cache, mapping nothing.  1 if a page
 * was read, 0 if it was in the swap cache already, or -errno (no frame:
 * nothing is evicted for it beyond what reclaim finds, and no OOM is
 * counted).  An object's pages: filemap_willneed (filemap.h).
 */
int swapin_willneed(struct vmfs *m, struct mm *mm, const struct vma *v, uint64_t va,
		    uint64_t slot);

#endif
