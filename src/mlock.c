/*
 * mlock.c - mlock, mlock2, munlock, mlockall and munlockall, as Linux
 * 6.1's mm/mlock.c: a locked mapping (VM_LOCKED) has its pages faulted in
 * now (unless VM_LOCKONFAULT: as they are touched) and every page an entry
 * of it maps is FRAME_MLOCKED, which reclaim never evicts (vmscan.c's
 * page_evictable; the page state itself is rmap.c's mlock_page and
 * munlock_page).
 *
 * What stays true: mm->locked_vm is the number of pages of @mm's VM_LOCKED
 * mappings (VmLck); it changes with the flag, here and where locked
 * mappings go (mmap.c's munmap, mm.c's exit).  The memlock limit
 * (RLIMIT_MEMLOCK, the option memlock=, default Linux's MLOCK_LIMIT of
 * 8 MiB) is checked as for a process without CAP_IPC_LOCK: every process
 * of the machine is unprivileged for memory locking, whatever the
 * capability lines of status say (memlock=unlimited lifts the limit), so
 * memlock=0 makes mlock EPERM (can_do_mlock) and a call that would lock
 * more than the limit ENOMEM.  Errors as Linux: EINVAL (bad flags, a
 * range that wraps), ENOMEM (the range has unmapped pages: the part
 * before the first hole is changed, nothing is populated; over the limit;
 * populating failed on a PROT_NONE page or past an object's end: the
 * range stays locked), EAGAIN (populating ran out of memory), EPERM.
 * Called with the machine lock held.
 */
#include "machine.h"
#include "error.h"
#include "rmap.h"

#include <errno.h>

static bool can_do_mlock(const struct vmfs *m)
{
	return m->opt.memlock != 0;
}

static uint64_t lock_limit(const struct vmfs *m)
{
	return m->opt.memlock == OPT_MEMLOCK_UNLIMITED ? UINT64_MAX : m->opt.memlock >> PAGE_SHIFT;
}

/* Pages of [start, end) in mappings whose VM_LOCKED is @locked. */
static uint64_t count_pages(const struct mm *mm, uint64_t start, uint64_t end, bool locked)
{
	uint64_t n = 0;

	for (const struct vma *v = vma_find_after(&mm->vmas, start); v && v->start < end; v = v->next) {
		uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;

		if (!(v->vm_flags & VM_LOCKED) == !locked && !(v->vm_flags & VM_HUGETLB))
			n += (e - s) >> PAGE_SHIFT;   /* (hugetlb: never locked, never counted) */
	}
	return n;
}

/*
 * mlock_fixup over the mappings in [start, end) (holes skipped): give the
 * mappings the lock bits @newflags (VM_LOCKED_MASK bits), keep locked_vm,
 * and mlock or munlock the pages present.  0 or -ENOMEM (max_map_count).
 */
static int mlock_fixup(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		       unsigned newflags, const char *call)
{
	uint64_t was_locked = count_pages(mm, start, end, true);
	uint64_t was_unlocked = count_pages(mm, start, end, false);
	int rc = vma_apply_flags(m, mm, start, end, VM_LOCKED_MASK, newflags, call);

	if (rc < 0)
		return rc;
	if (newflags & VM_LOCKED)
		mm->locked_vm += was_unlocked;
	else
		mm->locked_vm -= was_locked;
	mlock_range(m, mm, start, end, newflags & VM_LOCKED);
	return 0;
}

/* The end of the mapped run from @start (at most @end); @start itself unmapped: @start. */
static uint64_t mapped_run(const struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t cur = start;

	for (const struct vma *v = vma_find_after(&mm->vmas, start); v && cur < end; v = v->next) {
		if (v->start > cur)
			break;
		cur = v->end < end ? v->end : end;
	}
	return cur;
}

/*
 * apply_vma_lock_flags: the mapped run from @start gets @flags; a hole
 * before @end is -ENOMEM after the run before it changed (as Linux).
 */
static int apply_vma_lock_flags(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
				unsigned flags, const char *call)
{
	uint64_t cur = mapped_run(mm, start, end);
	int rc;

	if (cur == start)
		return vm_error(-ENOMEM, "%s: 0x%llx is not mapped", call, (unsigned long long)start);
	if ((rc = mlock_fixup(m, mm, start, cur, flags, call)) < 0)
		return rc;
	if (cur < end)
		return vm_error(-ENOMEM, "%s: 0x%llx is not mapped", call, (unsigned long long)cur);
	return 0;
}

/* __mlock_posix_error_return: what a failed populate makes of mlock's result. */
static int mlock_posix_error(int rc)
{
	if (rc == -EFAULT)
		return vm_error(-ENOMEM, "mlock: a page of the range cannot be faulted in "
				"(PROT_NONE, or past an object's end); the range stays locked");
	if (rc == -ENOMEM)
		return vm_error(-EAGAIN, "mlock: out of memory populating the range");
	return rc;
}

/* The page-aligned range of (@addr, @len) as mlock rounds it: false if it wraps. */
static bool lock_range(uint64_t addr, uint64_t len, uint64_t *start,
		       uint64_t *end)
{
	uint64_t off = addr & ~PAGE_MASK;

	*start = addr & PAGE_MASK;
	if (len > UINT64_MAX - off - (PAGE_SIZE - 1))
		return false;
	len = (len + off + PAGE_SIZE - 1) & PAGE_MASK;
	*end = *start + len;
	return *end >= *start;  /* past user space: the hole there is ENOMEM, as Linux */
}

int do_mlock(struct vmfs *m, int pid, uint64_t addr, uint64_t len, unsigned flags)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t start, end, locked;
	int rc;

	if (!mm)
		return -ESRCH;
	if (flags & ~VMFS_MLOCK_ONFAULT)
		return vm_error(-EINVAL, "mlock: unknown flags 0x%x (MLOCK_ONFAULT is 1)", flags);
	if (!can_do_mlock(m))
		return vm_error(-EPERM, "mlock: the memlock limit is 0 (memlock=)");
	if (!lock_range(addr, len, &start, &end))
		return vm_error(-ENOMEM, "mlock: [0x%llx, +0x%llx) wraps",
				(unsigned long long)addr, (unsigned long long)len);
	if (end == start)
		return 0;
	locked = ((end - start) >> PAGE_SHIFT) + mm->locked_vm;
	if (locked > lock_limit(m))
		locked -= count_pages(mm, start, end, true);   /* count_mm_mlocked_page_nr */
	if (locked > lock_limit(m))
		return vm_error(-ENOMEM, "mlock: %llu locked pages would pass process %d's memlock "
				"limit of %llu bytes", (unsigned long long)locked, pid,
				(unsigned long long)m->opt.memlock);
	rc = apply_vma_lock_flags(m, mm, start, end,
				  VM_LOCKED | (flags & VMFS_MLOCK_ONFAULT ? VM_LOCKONFAULT : 0), "mlock");
	if (rc < 0)
		return rc;
	rc = populate_range(m, mm, start, end, false);
	return rc < 0 ? mlock_posix_error(rc) : 0;
}

int do_munlock(struct vmfs *m, int pid, uint64_t addr, uint64_t len)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t start, end;

	if (!mm)
		return -ESRCH;
	if (!lock_range(addr, len, &start, &end))
		return vm_error(-ENOMEM, "munlock: [0x%llx, +0x%llx) wraps",
				(unsigned long long)addr, (unsigned long long)len);
	if (end == start)
		return 0;
	return apply_vma_lock_flags(m, mm, start, end, 0, "munlock");
}

/*
 * apply_mlockall_flags: def_flags for mappings to come (MCL_FUTURE), and
 * with MCL_CURRENT, or for munlockall, every mapping's lock bits.
 */
static int apply_mlockall_flags(struct vmfs *m, struct mm *mm, unsigned flags)
{
	unsigned to_add = 0;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & VMFS_MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & VMFS_MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & VMFS_MCL_CURRENT))
			return 0;
	}
	if (flags & VMFS_MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & VMFS_MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	if (!mm->vmas.count)
		return 0;
	/* Whole mappings only: nothing splits, so this cannot fail. */
	return mlock_fixup(m, mm, mm->vmas.first->start, mm->vmas.last->end, to_add, "mlockall");
}

int do_mlockall(struct vmfs *m, int pid, unsigned flags)
{
	struct mm *mm = mm_lookup(m, pid);
	int rc;

	if (!mm)
		return -ESRCH;
	if (!flags || (flags & ~(VMFS_MCL_CURRENT | VMFS_MCL_FUTURE | VMFS_MCL_ONFAULT)) ||
	    flags == VMFS_MCL_ONFAULT)
		return vm_error(-EINVAL, "mlockall: bad flags 0x%x (MCL_CURRENT 1, MCL_FUTURE 2, "
				"MCL_ONFAULT 4 with one of them)", flags);
	if (!can_do_mlock(m))
		return vm_error(-EPERM, "mlockall: the memlock limit is 0 (memlock=)");
	if ((flags & VMFS_MCL_CURRENT) && mm->vm_pages > lock_limit(m))
		return vm_error(-ENOMEM, "mlockall: process %d maps %llu pages, more than its "
				"memlock limit of %llu bytes", pid, (unsigned long long)mm->vm_pages,
				(unsigned long long)m->opt.memlock);
	rc = apply_mlockall_flags(m, mm, flags);
	if (rc == 0 && (flags & VMFS_MCL_CURRENT))
		populate_range(m, mm, 0, m->geom.user_top, true);   /* mm_populate: errors ignored */
	return rc;
}

int do_munlockall(struct vmfs *m, int pid)
{
	struct mm *mm = mm_lookup(m, pid);

	if (!mm)
		return -ESRCH;
	return apply_mlockall_flags(m, mm, 0);
}
