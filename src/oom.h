/*
 * oom.h - the machine's OOM killer (oom.c), as Linux 6.1's mm/oom_kill.c:
 * when a fault of a program on the CPU finds no page (no free frame,
 * nothing reclaimable, swap full or off), out_of_memory chooses the
 * process with the highest oom_badness, logs it as __oom_kill_process
 * does, and the caller (cpu.c, above this module) kills it; oom_reap
 * then frees its address space as the oom_reaper does.
 */
#ifndef VMFS_OOM_H
#define VMFS_OOM_H

#include "machine.h"

#include <stdint.h>

/*
 * oom_badness: RSS + swap entries + page-table pages (mm_pgtables_bytes
 * / PAGE_SIZE) of @mm, oom_score_adj 0 for every process; -1 (Linux's
 * LONG_MIN) for a process never to choose (mm->oom_skip: exited, or
 * already reaped).
 */
int64_t oom_badness(const struct vmfs *m, const struct mm *mm);

/*
 * out_of_memory: @current's fault found no page.  The victim (the highest
 * badness; of equals the last in PID order, as for_each_process meets
 * them), after the log lines of dump_header and __oom_kill_process, or
 * NULL when every process is to be skipped.  Nothing is killed here.
 */
struct mm *out_of_memory(struct vmfs *m, struct mm *current);

/*
 * oom_reap: @victim's address space is unmapped whole (its anonymous
 * pages freed, its page-cache pages left to reclaim) and it is never
 * chosen again (MMF_OOM_SKIP); logged as the oom_reaper logs it.
 */
void oom_reap(struct vmfs *m, struct mm *victim);

#endif
