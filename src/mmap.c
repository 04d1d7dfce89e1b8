/*
 * mmap.c - mmap, munmap and mprotect: changing a process's mappings.
 *
 * Each call validates everything and allocates everything it may need
 * (the new mapping, its object, and two spare nodes for splits) before it
 * changes anything, so a failing call leaves the process exactly as it was;
 * the one exception is Linux's own: mprotect over a hole (ENOMEM) or onto a
 * mapping that may not get the protection (EACCES: VM_MAYWRITE, fixed when
 * the mapping was made) changes the mappings before that point, and then
 * fails.
 * After a change, the new or changed mapping is merged with a neighbour
 * where Linux 6.1 merges it (mmap_region's expansion for mmap, vma_merge
 * for mprotect): same protection, same flags, same object at a contiguous
 * offset (private anonymous memory's vm_pgoff is its address's page), and
 * compatible anon_vmas (is_mergeable_anon_vma: two different ones never
 * merge; a mapping without one joins one that has one only where the
 * neighbour's chain is singular, i.e. not from a fork).  The anon_vma is
 * an identity in struct vma, given at the first anonymous fault
 * (memory.c), kept by splits and renewed in a fork's child (mm.c).
 *
 * errno choices follow Linux: EINVAL for misalignment, zero length (but
 * mprotect of length 0 succeeds) or bad prot/flags; ENOMEM for ranges
 * outside user space, no room, (mprotect) a range with unmapped pages, or a call that would leave the process
 * more mappings than the machine's max_map_count (the option, also the
 * sysctl vm.max_map_count; Linux's do_mmap, __split_vma and do_mprotect
 * check it the same way, on mmap and on the splits of munmap and
 * mprotect); EEXIST for MAP_FIXED_NOREPLACE over a mapping.  The count a
 * call would leave is worked out exactly, merges included, before it
 * changes anything (map_count_after; builds with assertions check it after
 * every call), so a call that merges may always be
 * made; and a process left above a limit lowered under it may still make
 * every call that does not add to its count.  Called with the machine
 * lock held.
 *
 * Neighbours are merged only by the call that makes or changes one of
 * them, as in Linux, so alike neighbours may stay apart (a mapping with an
 * anon_vma changed next to one without: its chain is empty, so not
 * singular); munmap leaves holes.
 *
 * madvise and mlock change a range's vm_flags through vma_apply_flags, the
 * same mapping-by-mapping change as mprotect's (change_range: what does
 * not change is neither split nor merged), with the same count check.  A
 * mapping made under mlockall (MCL_FUTURE) gets the process's def_flags
 * (VM_LOCKED), is refused with EAGAIN past the memlock limit
 * (mlock_future_check) and is populated; a locked range that is unmapped
 * is munlocked first; a private locked mapping mprotect makes writable is
 * populated for writing (mprotect_fixup).
 *
 * Overcommit accounting, as Linux 6.1's mm/mmap.c, mprotect.c and util.c:
 * a private writable mapping is charged when made (accountable_mapping)
 * and marked VM_ACCOUNT (VMA_ACCOUNT); mprotect charges a private mapping
 * that gains write without being charged yet (mprotect_fixup) and never
 * uncharges one that loses it; a shared anonymous mapping charges its
 * object, once, for the size it is made with (shmem_acct_size), until the
 * object goes; fork charges the child's VM_ACCOUNT mappings (dup_mmap,
 * mm.c).  Every charge is first put to vm_enough_memory, which applies
 * vm.overcommit_memory: 0, refuse one call larger than RAM + swap (never
 * with unlimited swap, the default, which has no size to add); 1,
 * allow all; 2, keep the total below CommitLimit = frames *
 * overcommit_ratio / 100 + swap, less a 32nd of the process's size up
 * to the user reserve (Linux's: 3% of the frames, at most 128 MiB); the
 * admin reserve is not kept from them, since the machine's processes are
 * root's (status shows uid 0 and every capability, so cap_sys_admin).  Invariant: committed is the sum of the VM_ACCOUNT
 * mappings' pages of every process and the shared-memory objects'
 * charges.
 */
#include "machine.h"
#include "error.h"
#include "vmobj.h"
#include "object.h"
#include "rmap.h"
#include "mmap.h"
#include "huge_memory.h"
#include "hugetlb_vma.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)
#define MAP_KNOWN (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | \
		   MAP_HUGETLB | MAP_HUGE_BITS)

int spares_get(struct spares *s)
{
	s->n = 0;
	for (int i = 0; i < 2; i++) {
		s->v[i] = calloc(1, sizeof(struct vma));
		if (!s->v[i]) {
			free(s->v[0]);
			return vm_error(-ENOMEM, "out of memory for a mapping");
		}
		s->n++;
	}
	return 0;
}

void spares_put(struct spares *s)
{
	while (s->n)
		free(s->v[--s->n]);
}

/*
 * Make sure no mapping straddles @addr: split the one that does, and
 * first a huge page there (vma_adjust_trans_huge: a huge page lies wholly
 * inside one mapping).
 */
static void split_at(struct vmfs *m, struct mm *mm, uint64_t addr, struct spares *s)
{
	struct vma *v = vma_find(&mm->vmas, addr), *t;

	if (!v || v->start == addr)
		return;
	if (addr & ~HPAGE_PMD_MASK)
		split_huge_pmd_address(m, mm, addr);
	t = s->v[--s->n];
	*t = *v;
	hugetlb_vm_op_open(t);
	t->start = addr;
	t->pgoff = v->pgoff + ((addr - v->start) >> PAGE_SHIFT);
	v->end = addr;
	vma_changed(&mm->vmas, v);
	if (t->obj) {
		vmobj_get(t->obj);
		vmobj_link_vma(t->obj, t);
	}
	vma_link(&mm->vmas, t);
}

/* Unlink and free @v (its pages are the caller's business). */
static void vma_drop(struct vmfs *m, struct mm *mm, struct vma *v)
{
	vma_unlink(&mm->vmas, v);
	if (v->obj) {
		vmobj_unlink_vma(v->obj, v);
		vmobj_put(m, v->obj);
	}
	hugetlb_vm_op_close(m, v);
	free(v);
}

/*
 * is_mergeable_anon_vma: may memory whose anon_vma is @av1 join memory
 * whose anon_vma is @av2, @nb being the neighbouring mapping that decides
 * (NULL: none)?  Either has none, and the neighbour's chain is singular
 * (list_is_singular: it has an anon_vma, not one from a fork); or both
 * are the same.
 */
static bool is_mergeable_anon_vma(uint64_t av1, uint64_t av2, const struct vma *nb)
{
	if ((!av1 || !av2) && (!nb || (nb->anon_vma && !nb->anon_vma_forked)))
		return true;
	return av1 == av2;
}

/*
 * May @a and @b, @a just before @b, become one mapping, @av being the
 * anon_vma of the range being made or changed and @nb the one of them
 * already there (can_vma_merge_after: @nb = @a; can_vma_merge_before:
 * @nb = @b)?  is_mergeable_vma (same protection and flags, VM_MAYWRITE,
 * object), is_mergeable_anon_vma, and a contiguous pgoff (anonymous
 * memory's too: vm_pgoff follows the address).
 */
static bool can_merge(const struct vma *a, const struct vma *b, uint64_t av, const struct vma *nb)
{
	return a->prot == b->prot && anon_vma_compatible(a, b) &&
	       is_mergeable_anon_vma(av, nb->anon_vma, nb);
}

/*
 * mmap_region's attempt to expand an old mapping for new memory @v (no
 * anon_vma yet) between @prev and @next (either NULL): the next mapping
 * first, then the previous one with the next one's anon_vma if that was
 * taken; both when both may.
 */
static void mmap_merge_decide(const struct vma *prev, const struct vma *v, const struct vma *next,
			      bool *mp, bool *mn)
{
	*mn = next && can_merge(v, next, 0, next);
	*mp = prev && can_merge(prev, v, *mn ? next->anon_vma : 0, prev);
}

/*
 * vma_merge for @r, a mapping mprotect has just changed, between @prev and
 * @next (either NULL): into the previous one if it may (and the next one
 * too when both may and their anon_vmas agree), else into the next one.
 */
static void vma_merge_decide(const struct vma *prev, const struct vma *r, const struct vma *next,
			     bool *mp, bool *mn)
{
	*mp = prev && can_merge(prev, r, r->anon_vma, prev);
	*mn = next && can_merge(r, next, r->anon_vma, next) &&
	      (!*mp || is_mergeable_anon_vma(prev->anon_vma, next->anon_vma, NULL));
}

/* @into takes in @from, just after it (__vma_adjust): the anon_vma of whichever has one. */
static void absorb(struct vma *into, const struct vma *from)
{
	into->end = from->end;
	if (!into->anon_vma) {
		into->anon_vma = from->anon_vma;
		into->anon_vma_forked = from->anon_vma_forked;
	}
}

/* @v takes in the mapping after it; returns @v. */
static struct vma *merge_next(struct vmfs *m, struct mm *mm, struct vma *v)
{
	struct vma n = *v->next;

	vma_drop(m, mm, v->next);
	absorb(v, &n);
	vma_changed(&mm->vmas, v);
	return v;
}

/* Merge @v with its neighbours as @mp and @mn say; returns the mapping @v is part of. */
static struct vma *merge_apply(struct vmfs *m, struct mm *mm, struct vma *v, bool mp, bool mn)
{
	if (mp)
		v = merge_next(m, mm, v->prev);
	if (mn)
		v = merge_next(m, mm, v);
	return v;
}

/* mprotect_fixup: the flags @v has after mprotect to @prot (VM_ACCOUNT added when charged). */
static int mprotect_flags(const struct vma *v, int prot)
{
	if ((prot & PROT_WRITE) && (v->flags & MAP_PRIVATE) &&
	    !(v->flags & VMA_ACCOUNT) && !(v->prot & PROT_WRITE))
		return v->flags | VMA_ACCOUNT;
	return v->flags;
}

/*
 * Take VM_LOCKED from the mappings in [start, end), split there already,
 * and munlock their pages (munmap's munlock_vma_pages_all, before the
 * pages go): locked_vm shrinks by what was locked.
 */
void munlock_vmas(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end)
{
	bool any = false;

	for (struct vma *v = vma_find_after(&mm->vmas, start); v && v->start < end; v = v->next) {
		if (!(v->vm_flags & VM_LOCKED))
			continue;
		v->vm_flags &= ~VM_LOCKED_MASK;
		mm->locked_vm -= (v->end - v->start) >> PAGE_SHIFT;
		any = true;
	}
	if (any)
		mlock_range(m, mm, start, end, false);
}

void unmap_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end, struct spares *s)
{
	struct vma *v;

	split_at(m, mm, start, s);
	split_at(m, mm, end, s);
	munlock_vmas(m, mm, start, end);
	/* Pages first: an object's cache may go with its last mapping. */
	zap_range(m, mm, start, end);
	for (v = vma_find_after(&mm->vmas, start); v && v->start < end;) {
		struct vma *next = v->next;

		mm->vm_pages -= (v->end - v->start) >> PAGE_SHIFT;
		if (v->flags & VMA_ACCOUNT)
			vm_unacct_memory(m, (v->end - v->start) >> PAGE_SHIFT);
		vma_drop(m, mm, v);
		v = next;
	}
}

/* The piece [start, end) of @v, as split_at would leave it. */
static struct vma piece_of(const struct vma *v, uint64_t start, uint64_t end)
{
	struct vma p = *v;

	p.start = start;
	p.end = end;
	p.pgoff = v->pgoff + ((start - v->start) >> PAGE_SHIFT);
	return p;
}

/*
 * What mprotect, madvise and mlock do to each mapping of their range: a
 * new protection (@prot >= 0; mprotect_flags adds VM_ACCOUNT) and vm_flags
 * (old & ~@clear) | @set.
 */
struct vma_change {
	int      prot;          /* or -1: kept */
	unsigned clear, set;
};

/* @r, a piece of @v, as @c leaves it; true if that differs from @v. */
static bool change_of(const struct vma *v, const struct vma_change *c, struct vma *r)
{
	if (c->prot >= 0) {
		r->flags = mprotect_flags(v, c->prot);
		r->prot = c->prot;
	}
	r->vm_flags = (v->vm_flags & ~c->clear) | c->set;
	if (v->vm_flags & VM_HUGETLB)   /* mlock_fixup leaves hugetlb mappings alone */
		r->vm_flags &= ~VM_LOCKED_MASK;
	return r->flags != v->flags || r->prot != v->prot || r->vm_flags != v->vm_flags;
}

/* The change_range part of map_count_after: @c on the mappings of [start, end), holes skipped. */
static uint64_t change_count_after(const struct mm *mm, uint64_t start, uint64_t end,
				   const struct vma_change *c)
{
	const struct vma *v, *prev, *next, *skip = NULL;
	struct vma left, right, r, res;
	uint64_t count = mm->vmas.count;
	bool mp, mn;

	v = vma_find_after(&mm->vmas, start);
	prev = v ? v->prev : NULL;
	for (; v && v->start < end; v = v->next) {
		if (v == skip)          /* taken in by the last change */
			continue;
		r = piece_of(v, v->start > start ? v->start : start, v->end < end ? v->end : end);
		if (!change_of(v, c, &r)) {
			prev = v;       /* unchanged: neither split nor merged */
			continue;
		}
		if (v->start < start) {
			left = piece_of(v, v->start, start);
			prev = &left;
			count++;
		}
		next = v->next;
		if (v->end > end) {
			right = piece_of(v, end, v->end);
			next = &right;
			count++;
		}
		vma_merge_decide(prev, &r, next, &mp, &mn);
		count -= mp + mn;
		res = mp ? *prev : r;
		if (mp)
			absorb(&res, &r);
		if (mn) {
			absorb(&res, next);
			skip = next;
		}
		prev = &res;
	}
	return count;
}

/*
 * The number of mappings @mm would have after a call on [start, end):
 * munmap (@fresh NULL, @prot < 0) leaves a hole; mmap puts @fresh there;
 * mprotect (@fresh NULL, @prot >= 0; the range is all mapped) gives what is
 * there @prot.  The same steps as the call, on copies: the mappings across
 * start and end are split (by mprotect only where they change), then
 * mmap_merge_decide or, for each changed mapping in turn,
 * vma_merge_decide says what merges (mappings further out are not
 * looked at by the call, and stay as they are).  O(mappings in the range).
 */
static uint64_t map_count_after(const struct mm *mm, uint64_t start, uint64_t end,
				const struct vma *fresh, int prot)
{
	const struct vma_tree *t = &mm->vmas;
	const struct vma *first = vma_find_after(t, start), *v, *prev, *next = NULL;
	struct vma before, after;
	uint64_t count = t->count;
	bool mp, mn;

	if (!fresh && prot >= 0)
		return change_count_after(mm, start, end, &(struct vma_change){ .prot = prot });
	prev = first ? first->prev : t->last;
	if (first && first->start < start) {
		before = piece_of(first, first->start, start);
		prev = &before;
		count++;
	}
	for (v = first; v && v->start < end; v = v->next) {
		count--;
		if (v->end > end) {
			after = piece_of(v, end, v->end);
			next = &after;
			count++;
		}
	}
	if (!fresh)
		return count;
	if (!next)
		next = v;        /* the first mapping at or after end */
	mmap_merge_decide(prev, fresh, next, &mp, &mn);
	return count + 1 - mp - mn;
}

/*
 * -ENOMEM if the call map_count_after (or, for @c, change_count_after)
 * describes would leave @mm more than max_map_count mappings, and more
 * than it has.  One call adds at most two (a range inside one mapping:
 * split in three, or two and a new one), so only near the limit is the
 * range walked.
 */
static int check_count(const struct vmfs *m, const struct mm *mm, const char *call,
		       uint64_t start, uint64_t end, const struct vma *fresh, int prot,
		       const struct vma_change *c)
{
	uint64_t max = m->opt.max_map_count, after;

	if (mm->vmas.count + 2 <= max)
		return 0;
	after = c ? change_count_after(mm, start, end, c) : map_count_after(mm, start, end, fresh, prot);
	if (after <= max || after <= mm->vmas.count)
		return 0;
	return vm_error(-ENOMEM, "%s: [0x%llx, 0x%llx) would leave process %d more than %llu "
			"mappings (max_map_count)", call, (unsigned long long)start,
			(unsigned long long)end, mm->pid, (unsigned long long)max);
}

static int check_map_count(const struct vmfs *m, const struct mm *mm, const char *call,
			   uint64_t start, uint64_t end, const struct vma *fresh, int prot)
{
	return check_count(m, mm, call, start, end, fresh, prot, NULL);
}

/* The pages mapped in [start, end) of @mm, and of them those charged (VM_ACCOUNT). */
static void range_pages(const struct mm *mm, uint64_t start, uint64_t end, uint64_t *mapped,
			uint64_t *charged)
{
	*mapped = *charged = 0;
	for (const struct vma *v = vma_find_after(&mm->vmas, start); v && v->start < end;
	     v = v->next) {
		uint64_t n = ((v->end < end ? v->end : end) - (v->start > start ? v->start : start))
			     >> PAGE_SHIFT;

		*mapped += n;
		if (v->flags & VMA_ACCOUNT)
			*charged += n;
	}
}

static int check_prot(const char *call, int prot)
{
	if (prot & ~PROT_ALL)
		return vm_error(-EINVAL, "%s: unknown protection bits 0x%x", call, prot & ~PROT_ALL);
	return 0;
}

/* Round @len up to pages; false on overflow or zero. */
static bool page_len(uint64_t len, uint64_t *out)
{
	if (len == 0 || len > UINT64_MAX - (PAGE_SIZE - 1))
		return false;
	*out = (len + PAGE_SIZE - 1) & PAGE_MASK;
	return true;
}

int get_unmapped_area(const struct mm *mm, uint64_t hint, uint64_t len, uint64_t *start)
{
	uint64_t top = mm->vmas.top, h = (hint + PAGE_SIZE - 1) & PAGE_MASK;

	if (hint && h >= hint && h >= MMAP_MIN_ADDR && len <= top && h <= top - len &&
	    vma_range_free(&mm->vmas, h, h + len)) {
		*start = h;
		return 0;
	}
	if (vma_place_topdown(&mm->vmas, len, start) < 0)
		return vm_error(-ENOMEM, "no free range of 0x%llx bytes", (unsigned long long)len);
	return 0;
}

/*
 * hugetlb_get_unmapped_area: @len bytes aligned to @size (a huge page):
 * the hint rounded up if that range is free, else the highest aligned
 * place top-down.
 */
static int hugetlb_get_unmapped_area(const struct mm *mm, uint64_t hint, uint64_t len,
				     uint64_t size, uint64_t *start)
{
	uint64_t top = mm->vmas.top, h = (hint + size - 1) & ~(size - 1), a;

	if (hint && h >= hint && h >= MMAP_MIN_ADDR && len <= top && h <= top - len &&
	    vma_range_free(&mm->vmas, h, h + len)) {
		*start = h;
		return 0;
	}
	if (len > UINT64_MAX - size || vma_place_topdown(&mm->vmas, len + size - PAGE_SIZE, &a) < 0)
		return vm_error(-ENOMEM, "mmap: no free range of 0x%llx bytes aligned to 0x%llx",
				(unsigned long long)len, (unsigned long long)size);
	*start = (a + size - PAGE_SIZE) & ~(size - 1);
	return 0;
}

int mlock_future_check(const struct vmfs *m, const struct mm *mm, unsigned vm_flags,
		       uint64_t len, const char *call)
{
	if (!(vm_flags & VM_LOCKED) || m->opt.memlock == OPT_MEMLOCK_UNLIMITED ||
	    mm->locked_vm + (len >> PAGE_SHIFT) <= m->opt.memlock >> PAGE_SHIFT)
		return 0;
	return vm_error(-EAGAIN, "%s: 0x%llx more locked bytes would pass process %d's "
			"memlock limit of %llu bytes", call, (unsigned long long)len, mm->pid,
			(unsigned long long)m->opt.memlock);
}

struct vma *copy_vma(struct vmfs *m, struct mm *mm, const struct vma *v, uint64_t addr,
		     uint64_t len, uint64_t pgoff, struct vma **fresh)
{
	struct vma r = *v, *next = vma_find_after(&mm->vmas, addr), *prev, *n;
	bool mp, mn;

	assert(vma_range_free(&mm->vmas, addr, addr + len));
	if (!v->obj && !v->anon_vma)
		pgoff = addr >> PAGE_SHIFT;   /* nothing faulted: the pgoff of the new place */
	r.start = addr;
	r.end = addr + len;
	r.pgoff = pgoff;
	prev = next ? next->prev : mm->vmas.last;
	vma_merge_decide(prev, &r, next, &mp, &mn);
	if (mp) {
		absorb(prev, &r);
		vma_changed(&mm->vmas, prev);
		return merge_apply(m, mm, prev, false, mn);
	}
	if (mn) {
		next->start = addr;
		next->pgoff = pgoff;
		if (!next->anon_vma) {
			next->anon_vma = r.anon_vma;
			next->anon_vma_forked = r.anon_vma_forked;
		}
		vma_changed(&mm->vmas, next);
		return next;
	}
	n = *fresh;
	*fresh = NULL;
	*n = r;
	n->prev = n->next = n->obj_prev = n->obj_next = n->left = n->right = NULL;
	if (n->obj) {
		vmobj_get(n->obj);
		vmobj_link_vma(n->obj, n);
	}
	vma_link(&mm->vmas, n);
	return n;
}

int do_mmap(struct vmfs *m, int pid, uint64_t addr, uint64_t len, int prot,
	    int flags, const char *object, uint64_t offset, uint64_t *out)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t top = m->geom.user_top, plen, start;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	int type = flags & (MAP_SHARED | MAP_PRIVATE);
	struct vmobj *obj = NULL, *file = NULL;
	struct spares s = { .n = 0 };
	uint64_t charge = 0, mapped = 0, freed = 0;
	struct vma *v;
	unsigned hstate = 0;
	uint64_t hsize = PAGE_SIZE;   /* a hugetlb mapping's page size */
	int rc;

	if (!mm)
		return -ESRCH;
	if ((rc = check_prot("mmap", prot)) < 0)
		return rc;
	if (flags & ~MAP_KNOWN)
		return vm_error(-EINVAL, "mmap: unknown flags 0x%x", flags & ~MAP_KNOWN);
	if ((flags & MAP_HUGE_BITS) && !(flags & MAP_HUGETLB))
		return vm_error(-EINVAL, "mmap: a huge page size without MAP_HUGETLB");
	if (flags & MAP_HUGETLB) {
		if (object)
			return vm_error(-EINVAL, "mmap: MAP_HUGETLB with an object (the machine "
					"has no hugetlbfs: anonymous memory only)");
		if ((rc = hugetlb_flags_hstate(m, flags, &hstate)) < 0)
			return rc;
		hsize = PAGE_SIZE << m->hstates[hstate].order;
	}
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return vm_error(-EINVAL, "mmap: exactly one of MAP_SHARED and MAP_PRIVATE is needed");
	if (object && (flags & MAP_ANONYMOUS))
		return vm_error(-EINVAL, "mmap: MAP_ANONYMOUS with an object");
	if (object) {
		file = object_lookup(m, object);
		if (!file)
			return strstr(vm_error_msg(), "no object") ? -ENOENT : -EINVAL;
		if (type == MAP_SHARED && (prot & PROT_WRITE) && !(file->mode & 0222))
			return vm_error(-EACCES, "mmap: object '%s' is read-only (mode 0%o)",
					object, file->mode);
	}
	if (len == 0)
		return vm_error(-EINVAL, "mmap: zero length");
	if (offset & ~PAGE_MASK)
		return vm_error(-EINVAL, "mmap: offset 0x%llx is not page-aligned",
				(unsigned long long)offset);
	if (!page_len(len, &plen) || plen > top || plen > top - (hsize - PAGE_SIZE))
		return vm_error(-ENOMEM, "mmap: length 0x%llx does not fit in user space",
				(unsigned long long)len);
	plen = (plen + hsize - 1) & ~(hsize - 1);   /* hugetlb: whole huge pages */
	if (file && offset > UINT64_MAX - plen)
		return vm_error(-EOVERFLOW, "mmap: offset 0x%llx + length overflows",
				(unsigned long long)offset);
	if (fixed) {
		if (addr & (hsize - 1))
			return vm_error(-EINVAL, "mmap: fixed address 0x%llx is not %s-aligned",
					(unsigned long long)addr,
					hsize == PAGE_SIZE ? "page" : "huge-page");
		if (addr > top - plen)
			return vm_error(-ENOMEM, "mmap: [0x%llx, +0x%llx) is outside user space",
					(unsigned long long)addr, (unsigned long long)plen);
		if ((flags & MAP_FIXED_NOREPLACE) && !vma_range_free(&mm->vmas, addr, addr + plen))
			return vm_error(-EEXIST, "mmap: [0x%llx, 0x%llx) overlaps a mapping (MAP_FIXED_NOREPLACE)",
					(unsigned long long)addr, (unsigned long long)(addr + plen));
		/* mmap_region's munmap of what is there splits no hugetlb page:
		 * 6.1 fails it with ENOMEM */
		if (hugetlb_split_check(m, mm, addr, "mmap") < 0 ||
		    hugetlb_split_check(m, mm, addr + plen, "mmap") < 0)
			return -ENOMEM;   /* (the message says where) */
		start = addr;
	} else if (flags & MAP_HUGETLB) {
		if ((rc = hugetlb_get_unmapped_area(mm, addr, plen, hsize, &start)) < 0)
			return rc;
	} else if (get_unmapped_area(mm, addr, plen, &start) < 0) {
		return vm_error(-ENOMEM, "mmap: no free range of 0x%llx bytes",
				(unsigned long long)plen);
	}
	/* accountable_mapping (private writable) or shmem_acct_size (shared
	 * anonymous); never hugetlb, whose pool is its own account */
	if (((type == MAP_PRIVATE && (prot & PROT_WRITE)) || (type == MAP_SHARED && !file)) &&
	    !(flags & MAP_HUGETLB))
		charge = plen >> PAGE_SHIFT;
	if (fixed)   /* Linux unmaps what is there before it charges */
		range_pages(mm, start, start + plen, &mapped, &freed);
	if ((rc = vm_enough_memory(m, mm, charge, freed, mm->vm_pages - mapped)) < 0)
		return rc;
	/* Everything that can fail, before anything changes. */
	if (spares_get(&s) < 0)
		return -ENOMEM;
	v = calloc(1, sizeof(*v));
	if (file) {
		obj = file;
		vmobj_get(obj);
	} else if (type == MAP_SHARED && !(flags & MAP_HUGETLB)) {
		obj = vmobj_new(m, VMOBJ_SHMEM);
	}
	if (!v || (type == MAP_SHARED && !obj && !(flags & MAP_HUGETLB))) {
		rc = vm_error(-ENOMEM, "out of memory for a mapping");
		goto out_free;
	}
	/* vm_pgoff: the object's page; shared anonymous memory's from 0; private
	 * anonymous memory's the address's page (do_mmap), for the merge rules */
	*v = (struct vma){ .start = start, .end = start + plen, .prot = prot,
			   .flags = type | (file ? 0 : MAP_ANONYMOUS) |
				    (type == MAP_PRIVATE && charge ? VMA_ACCOUNT : 0), .obj = obj,
			   .pgoff = file ? offset >> PAGE_SHIFT : obj ? 0 : start >> PAGE_SHIFT,
			   .mm = mm, .soft_dirty = true,
			   .nomaywrite = type == MAP_SHARED && file && !(file->mode & 0222),
			   .vm_flags = mm->def_flags };
	if ((rc = check_map_count(m, mm, "mmap", start, start + plen, v, -1)) < 0)
		goto out_free;
	/* mlock_future_check: mlockall(MCL_FUTURE) and the memlock limit */
	if ((rc = mlock_future_check(m, mm, v->vm_flags, plen, "mmap (mlockall MCL_FUTURE)")) < 0)
		goto out_free;
	if (flags & MAP_HUGETLB) {
		/* mmap_region: a hugetlb mapping is never VM_LOCKED */
		v->vm_flags = (v->vm_flags & ~VM_LOCKED_MASK) | VM_HUGETLB;
		v->hstate = (unsigned char)hstate;
		if ((rc = hugetlb_reserve_pages(m, v)) < 0)
			goto out_free;
	}
#ifndef NDEBUG
	uint64_t want = map_count_after(mm, start, start + plen, v, -1);   /* exact: checked below */
#endif
	if (fixed)
		unmap_range(m, mm, start, start + plen, &s);
	spares_put(&s);
	m->committed += charge;
	if (obj && !file) {
		obj->committed = charge;
		obj->size = plen;       /* shmem's i_size: a fault past it is SIGBUS */
	}
	if (obj)
		vmobj_link_vma(obj, v);
	vma_link(&mm->vmas, v);
	mm->vm_pages += plen >> PAGE_SHIFT;
	if (mm->vm_pages > mm->vm_peak)
		mm->vm_peak = mm->vm_pages;
	if (v->vm_flags & VM_LOCKED)
		mm->locked_vm += plen >> PAGE_SHIFT;
	{
		bool mp, mn;

		mmap_merge_decide(v->prev, v, v->next, &mp, &mn);
		v = merge_apply(m, mm, v, mp, mn);
	}
	v->soft_dirty = true;   /* new or expanded: VM_SOFTDIRTY */
	assert(mm->vmas.count == want);
	if (mm->def_flags & VM_LOCKED)
		populate_range(m, mm, start, start + plen, true);   /* mm_populate, errors ignored */
	if (out)
		*out = start;
	return 0;

out_free:
	free(v);
	if (obj)
		vmobj_put(m, obj);
	spares_put(&s);
	return rc;
}

int do_munmap(struct vmfs *m, int pid, uint64_t addr, uint64_t len)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t plen;
	struct spares s;
	int rc;

	if (!mm)
		return -ESRCH;
	if (addr & ~PAGE_MASK)
		return vm_error(-EINVAL, "munmap: address 0x%llx is not page-aligned",
				(unsigned long long)addr);
	if (!page_len(len, &plen))
		return vm_error(-EINVAL, "munmap: %s", len ? "length overflows" : "zero length");
	if (plen > m->geom.user_top || addr > m->geom.user_top - plen)
		return vm_error(-EINVAL, "munmap: [0x%llx, +0x%llx) is outside user space",
				(unsigned long long)addr, (unsigned long long)len);
	if ((rc = hugetlb_split_check(m, mm, addr, "munmap")) < 0 ||
	    (rc = hugetlb_split_check(m, mm, addr + plen, "munmap")) < 0)
		return rc;
	if ((rc = check_map_count(m, mm, "munmap", addr, addr + plen, NULL, -1)) < 0)
		return rc;
	if (spares_get(&s) < 0)
		return -ENOMEM;
#ifndef NDEBUG
	uint64_t want = map_count_after(mm, addr, addr + plen, NULL, -1);
#endif
	unmap_range(m, mm, addr, addr + plen, &s);
	spares_put(&s);
	assert(mm->vmas.count == want);
	return 0;
}

/* change_pte: give a resident entry the bits of the new protection. */
static int change_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	int prot = *(const int *)arg;
	uint64_t e = *ptep;

	(void)m;
	if (!pte_resident(e))
		return 0;
	if (prot == PROT_NONE) {
		e = (e & ~(PTE_P | PTE_RW)) | PTE_PROTNONE;
	} else {
		e = (e & ~PTE_PROTNONE) | PTE_P;
		if ((prot & PROT_WRITE) && !(e & PTE_COW))
			e |= PTE_RW;
		else
			e &= ~PTE_RW;
		if (prot & PROT_EXEC)
			e &= ~PTE_NX;
		else
			e |= PTE_NX;
	}
	if (e != *ptep)
		set_pte(mm, va, ptep, e);
	return 0;
}

/*
 * change_huge_pmd: a huge leaf wholly inside the range takes the new
 * protection whole, as a pte does (PROT_NONE: P clear, PROTNONE set, the
 * frame kept; PS stays).
 */
/*
 * hugetlb_change_protection: a hugetlb leaf takes it whole as well
 * (set_huge_pte_at drops the leaf's range from the TLB, entries of every
 * size).
 */
static int change_hugetlb(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ep, int level,
			  void *arg)
{
	uint64_t old = *ep;

	change_pte(m, mm, va, ep, arg);
	if (*ep != old && level < m->geom.levels - 2)
		set_huge_pte_at(mm, va, ep, *ep, pt_shift(&m->geom, level));
	return 0;
}

static const struct mm_walk_ops change_ops = { .pte_entry = change_pte, .pmd_entry = change_pte,
					       .hugetlb_entry = change_hugetlb };

/*
 * mprotect_fixup and madvise_update_vma, mapping by mapping over [start,
 * end) (holes skipped): one that @c leaves as it is stays alone; the part
 * of one that changes is split off (at most at start and at end: the two
 * spares), given the change (mprotect: its entries too), and merged with
 * its neighbours by Linux's vma_merge (vma_merge_decide), the next mapping
 * not yet changed; then mprotect's populate of locked mappings.
 */
static void change_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
			 const struct vma_change *c, struct spares *s)
{
	for (struct vma *v = vma_find_after(&mm->vmas, start); v && v->start < end; v = v->next) {
		struct vma r = *v;
		bool mp, mn;
		int prot = c->prot;

		if (!change_of(v, c, &r))
			continue;
		if (v->start < start) {
			split_at(m, mm, start, s);
			v = v->next;
		}
		if (v->end > end)
			split_at(m, mm, end, s);
		v->flags = r.flags;
		v->prot = r.prot;
		v->vm_flags = r.vm_flags;
		if (prot >= 0)
			walk_page_range(m, mm, v->start, v->end, &change_ops, &prot);
		vma_merge_decide(v->prev, v, v->next, &mp, &mn);
		v = merge_apply(m, mm, v, mp, mn);
	}
	if (c->prot < 0 || !(c->prot & PROT_WRITE))
		return;
	/*
	 * mprotect_fixup populates a private locked mapping made writable,
	 * breaking COW (populate_vma_page_range; its result is not the
	 * call's).  Here once every mapping is changed and merged, so that
	 * the count map_count_after foretold holds: over every private locked
	 * mapping of the range, which for one writable before is a no-op
	 * (mlock populated it, and its pages are never evicted).
	 */
	for (struct vma *v = vma_find_after(&mm->vmas, start); v && v->start < end; v = v->next)
		if ((v->flags & MAP_PRIVATE) && (v->vm_flags & VM_LOCKED) &&
		    !(v->vm_flags & VM_LOCKONFAULT))
			populate_range(m, mm, v->start > start ? v->start : start,
				       v->end < end ? v->end : end, true);
}

int vma_apply_flags(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		    unsigned clear, unsigned set, const char *call)
{
	const struct vma_change c = { .prot = -1, .clear = clear, .set = set };
	struct spares s;
	int rc;

	if ((rc = check_count(m, mm, call, start, end, NULL, -1, &c)) < 0)
		return rc;
	if (spares_get(&s) < 0)
		return -ENOMEM;
#ifndef NDEBUG
	uint64_t want = change_count_after(mm, start, end, &c);
#endif
	change_range(m, mm, start, end, &c, &s);
	spares_put(&s);
	assert(mm->vmas.count == want);
	return 0;
}

int do_mprotect(struct vmfs *m, int pid, uint64_t addr, uint64_t len, int prot)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t plen, end, cur, charge = 0;
	struct spares s;
	struct vma *v;
	int rc, err = 0;

	/* do_mprotect_pkey's order: alignment, length 0, overflow, then prot. */
	if (!mm)
		return -ESRCH;
	if (addr & ~PAGE_MASK)
		return vm_error(-EINVAL, "mprotect: address 0x%llx is not page-aligned",
				(unsigned long long)addr);
	if (len == 0)
		return 0;
	if (!page_len(len, &plen))
		return vm_error(-ENOMEM, "mprotect: length overflows");
	if ((rc = check_prot("mprotect", prot)) < 0)
		return rc;
	if (plen > m->geom.user_top || addr > m->geom.user_top - plen)
		return vm_error(-ENOMEM, "mprotect: [0x%llx, +0x%llx) is outside user space",
				(unsigned long long)addr, (unsigned long long)len);
	/*
	 * Linux changes mapping after mapping and stops at the first hole
	 * (ENOMEM) or the first mapping that may not get @prot (EACCES),
	 * with what came before changed: cur is where that is.
	 */
	end = addr + plen;
	if ((rc = hugetlb_split_check(m, mm, addr, "mprotect")) < 0 ||
	    (rc = hugetlb_split_check(m, mm, end, "mprotect")) < 0)
		return rc;
	for (cur = addr, v = vma_find_after(&mm->vmas, addr); cur < end; v = v->next) {
		if (!v || v->start > cur) {
			err = vm_error(-ENOMEM, "mprotect: 0x%llx is not mapped",
				       (unsigned long long)cur);
			break;
		}
		if ((prot & PROT_WRITE) && v->nomaywrite) {
			err = vm_error(-EACCES, "mprotect: object '%s' was read-only when mapped "
				       "at 0x%llx (no VM_MAYWRITE)", v->obj->name,
				       (unsigned long long)v->start);
			break;
		}
		if (mprotect_flags(v, prot) != v->flags)
			charge += ((v->end < end ? v->end : end) - (v->start > addr ? v->start : addr))
				  >> PAGE_SHIFT;
		cur = v->end < end ? v->end : end;
	}
	if (cur == addr)
		return err;
	if ((rc = check_map_count(m, mm, "mprotect", addr, cur, NULL, prot)) < 0)
		return rc;
	if ((rc = vm_enough_memory(m, mm, charge, 0, mm->vm_pages)) < 0)
		return rc;
	if (spares_get(&s) < 0)
		return -ENOMEM;
#ifndef NDEBUG
	uint64_t want = map_count_after(mm, addr, cur, NULL, prot);
#endif
	change_range(m, mm, addr, cur, &(struct vma_change){ .prot = prot }, &s);
	spares_put(&s);
	assert(mm->vmas.count == want);
	m->committed += charge;
	return err;
}
