/*
 * stack.c - the growth of exec's stack: a fault just below a VM_GROWSDOWN
 * mapping grows it (Linux's expand_stack, expand_downwards and
 * acct_stack_growth).  Linux keeps these in mm/mmap.c; here they are a
 * module of their own below the fault path, so that access.c (which
 * calls expand_stack) needs nothing of mmap.c, which calls the fault path
 * to populate (mlock, MCL_FUTURE).
 *
 * What stays true: a grown stack keeps its anonymous vm_pgoff equal to its
 * start's page, and its growth is charged to committed memory when the
 * stack is VM_ACCOUNT.  Called with the machine lock held.
 */
#include "machine.h"

#include <sys/mman.h>

/*
 * expand_stack (mm/mmap.c's expand_downwards, called from the fault path):
 * a fault below a VM_GROWSDOWN mapping (exec's stack) grows it down to the
 * faulting page, unless that comes under mmap_min_addr, within
 * stack_guard_gap of an accessible mapping below, past the stack rlimit, or
 * (the stack being VM_ACCOUNT) past what overcommit allows; the growth is
 * charged to committed memory.
 */
struct vma *expand_stack(struct vmfs *m, struct mm *mm, uint64_t va)
{
	struct vma *v = vma_find_after(&mm->vmas, va);
	uint64_t addr = va & PAGE_MASK;

	if (!v || !v->growsdown || v->start <= va)
		return NULL;
	/* expand_downwards: mmap_min_addr, the guard gap to the mapping below, the rlimit */
	if (addr < MMAP_MIN_ADDR)
		return NULL;
	if (v->prev && !v->prev->growsdown && v->prev->prot != PROT_NONE &&
	    addr - v->prev->end < STACK_GUARD_GAP)
		return NULL;
	if (v->end - addr > STACK_RLIMIT)
		return NULL;
	/* acct_stack_growth: security_vm_enough_memory_mm charges the growth */
	if ((v->flags & VMA_ACCOUNT) &&
	    vm_enough_memory(m, mm, (v->start - addr) >> PAGE_SHIFT, 0, mm->vm_pages) < 0)
		return NULL;
	if (v->flags & VMA_ACCOUNT)
		m->committed += (v->start - addr) >> PAGE_SHIFT;
	v->pgoff -= (v->start - addr) >> PAGE_SHIFT;   /* anonymous vm_pgoff follows the address */
	mm->vm_pages += (v->start - addr) >> PAGE_SHIFT;
	if (mm->vm_pages > mm->vm_peak)
		mm->vm_peak = mm->vm_pages;
	v->start = addr;
	vma_changed(&mm->vmas, v);
	return v;
}
