/*
 * oom.c - the OOM killer's choice and its log, as Linux 6.1's
 * mm/oom_kill.c (select_bad_process, oom_evaluate_task, oom_badness,
 * dump_header's first and last lines, __oom_kill_process's line, the
 * oom_reaper's line).
 *
 * What stays true: out_of_memory changes nothing but the kernel log (the
 * oom_kill counter is vmscan.c's, the allocations that failed); it runs only where no walk, iterator or fault of
 * any process is in progress (cpu.c calls it after access_vm returned
 * -ENOMEM, before it tries the access again), so that killing the victim
 * and freeing its memory (oom_reap, the caller's kill) cannot pull pages
 * out from under a fault.  Every process is killable (the machine has no
 * init and no kernel threads), oom_score_adj is 0 for all, and there is
 * one node, no cpuset and no memory cgroup (constraint CONSTRAINT_NONE).
 * Called with the machine lock held.
 */
#include "oom.h"
#include "klog.h"
#include "pgtable.h"

#define K(pages) ((unsigned long long)(pages) << (PAGE_SHIFT - 10))

int64_t oom_badness(const struct vmfs *m, const struct mm *mm)
{
	if (mm->oom_skip)
		return -1;
	return (int64_t)(mm->c.rss_anon + mm->c.rss_file + mm->c.rss_shmem + mm->c.swapents +
			 mm_pgtables_pages(m, mm));
}

struct mm *out_of_memory(struct vmfs *m, struct mm *current)
{
	struct mm *chosen = NULL;
	int64_t chosen_points = -1;

	/* select_bad_process: oom_evaluate_task over every process, "points <
	 * chosen_points" skipped, so that of equals the later one wins */
	for (struct mm *p = m->procs; p; p = p->next) {
		int64_t points = oom_badness(m, p);

		if (points < 0 || points < chosen_points)
			continue;
		chosen = p;
		chosen_points = points;
	}
	/* dump_header: the first line (an anonymous page fault's gfp mask) */
	klog_add(&m->klog, machine_now(m),
		 "%s invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), "
		 "order=0, oom_score_adj=0", current->comm);
	if (!chosen)
		return NULL;
	/* dump_header's oom_kill_process line (dump_oom_summary), then __oom_kill_process */
	klog_add(&m->klog, machine_now(m),
		 "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
		 "global_oom,task_memcg=/,task=%s,pid=%d,uid=0", chosen->comm, chosen->pid);
	klog_add(&m->klog, machine_now(m),
		 "Out of memory: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, "
		 "file-rss:%llukB, shmem-rss:%llukB, UID:0 pgtables:%llukB oom_score_adj:0",
		 chosen->pid, chosen->comm, K(chosen->vm_pages), K(chosen->c.rss_anon),
		 K(chosen->c.rss_file), K(chosen->c.rss_shmem), K(mm_pgtables_pages(m, chosen)));
	return chosen;
}

void oom_reap(struct vmfs *m, struct mm *victim)
{
	do_munmap(m, victim->pid, 0, m->geom.user_top);
	victim->oom_skip = true;
	klog_add(&m->klog, machine_now(m),
		 "oom_reaper: reaped process %d (%s), now anon-rss:%llukB, file-rss:%llukB, "
		 "shmem-rss:%llukB", victim->pid, victim->comm, K(victim->c.rss_anon),
		 K(victim->c.rss_file), K(victim->c.rss_shmem));
}
