/*
 * util.c - overcommit accounting, Linux's mm/util.c part of it: how much
 * the machine may commit (vm_commit_limit), whether a charge may be made
 * (__vm_enough_memory under vm.overcommit_memory), and taking charges back.
 * The charges themselves are made by the callers that make mappings
 * (mmap.c: mmap, mprotect; mm.c: fork) and shared-memory objects, as
 * mmap.c's opening comment tells.
 *
 * What stays true: m->committed is the sum of the charges made and not yet
 * taken back; vm_enough_memory changes nothing but the log (a refusal
 * logs Linux's warning line).  Called with the machine lock held.
 */
#include "machine.h"
#include "error.h"

#include <assert.h>
#include <errno.h>

void vm_reserves_init(struct vmfs *m)
{
	uint64_t free32 = m->opt.frames / 32;   /* init_user_reserve: free pages / 32 */

	m->user_reserve = free32 < (131072 >> 2) ? free32 : (131072 >> 2);     /* 128 MiB */
}

uint64_t total_swap_pages(const struct vmfs *m)
{
	if (!m->swap.enabled)
		return 0;
	return m->swap.max_slots ? m->swap.max_slots : swap_used(&m->swap) + m->opt.frames;
}

uint64_t vm_commit_limit(const struct vmfs *m)
{
	return m->opt.frames * m->opt.overcommit_ratio / 100 + total_swap_pages(m);
}

void vm_unacct_memory(struct vmfs *m, uint64_t pages)
{
	assert(m->committed >= pages);
	m->committed -= pages;
}

int vm_enough_memory(struct vmfs *m, const struct mm *mm, uint64_t pages, uint64_t freed,
		     uint64_t total_vm)
{
	uint64_t after = m->committed - freed + pages, allowed, reserve;

	if (pages == 0 || m->opt.overcommit_memory == 1)       /* OVERCOMMIT_ALWAYS */
		return 0;
	if (m->opt.overcommit_memory == 0) {                   /* OVERCOMMIT_GUESS */
		/* unlimited swap (no swap_size=): RAM + swap has no bound */
		if ((m->swap.enabled && !m->swap.max_slots) ||
		    pages <= m->opt.frames + total_swap_pages(m))
			return 0;
	} else {                                               /* OVERCOMMIT_NEVER */
		allowed = vm_commit_limit(m);
		reserve = total_vm / 32 < m->user_reserve ? total_vm / 32 : m->user_reserve;
		if (allowed > reserve && after < allowed - reserve)
			return 0;
	}
	klog_add(&m->klog, machine_now(m), "__vm_enough_memory: pid: %d, comm: %s, not enough "
		 "memory for the allocation", mm->pid, mm->comm);
	return vm_error(-ENOMEM, "not enough memory to commit %llu more pages (vm.overcommit_memory "
			"%llu: %llu committed, CommitLimit %llu)", (unsigned long long)pages,
			(unsigned long long)m->opt.overcommit_memory,
			(unsigned long long)(m->committed - freed), (unsigned long long)vm_commit_limit(m));
}
